"""The method and the records of the report: rules and scoring, the source of each rule, the data sources and
how to reproduce the run (chapters 5 to 7)."""

from __future__ import annotations

from ..model.i18n import _, localised
from . import figures, fmt
from .base import ReportBase
from .html import Raw, e, table
from .words import rule_threshold, standardise_words


class MethodChapters(ReportBase):
    """Chapters 5 (method), 6 (data sources) and 7 (reproducing the run)."""

    # --------------------------------------------------------------- method
    def method_chapter(self) -> str:
        out = [f"<h2>{e(self.titles['method'])}</h2>"]
        out.append("<p>" + e(_(
            "A cell is excluded when a rule excludes it; the rules are applied in the profile's order, each with "
            "its number and where that number comes from (a cited source, or 'assumption' with the range worth "
            "trying). Cells count by their centre; a distance is decided exactly for a cell centre, up to a tenth "
            "of a cell where buffers approximate arcs and half a cell diagonal where a distance transform is "
            "used.")) + "</p>")
        profile = self.profile
        if profile is not None:
            footprint = profile.footprint
            out.append(table((_("setting"), _("value"), _("basis")), [
                (_("cell size"), f"{self.n(self.data.summary.get('grid', {}).get('resolution_m'), 0)} m",
                 dict(profile.basis).get("resolution", "")),
                (_("footprint"), f"{fmt.area_ha(footprint.area_ha, self.lang, 0)} {footprint.shape}", footprint.basis),
            ]))
            out.append(f"<h3>{e(_('Exclusion rules'))}</h3>")
            rows = []
            for index, criterion in enumerate(profile.criteria, start=1):
                basis = Raw("<br/>".join(f"<b>{e(k)}</b>: {e(v)}" for k, v in dict(criterion.basis).items()))
                rows.append((index, localised(criterion.title, criterion.title_nl),
                             rule_threshold(criterion, self.layer_titles), basis))
            out.append(table(("#", _("rule"), _("numbers"), _("source of the numbers")), rows, numeric=(0,),
                             widths=(4, 18, 36, 42)))
        else:
            out.append('<div class="notice">' + e(_("The profile text in the manifest could not be read; the rules "
                                                   "are listed from the exclusion legend.")) + "</div>")
            out.append(table(("#", _("rule"), _("kind"), _("layers")), [
                (i, figures.rule_title(r), r.get("kind", ""), ", ".join(r.get("layers", [])))
                for i, r in enumerate(self.rules, start=1)], numeric=(0,)))
        out.append(self._scoring_method())
        out.append(f"<h3>{e(self.titles['rule_sources'])}</h3>")
        out.append(self._sources_table())
        return "".join(out)

    def _scoring_method(self) -> str:
        ranking = self.data.ranking
        spec = getattr(self.profile, "scoring", None) if self.profile is not None else None
        if ranking is None and spec is None:
            return ""
        out = [f"<h3>{e(_('Scoring criteria'))}</h3>"]
        if ranking is not None:
            scoring = ranking.get("scoring", {})
            ahp = scoring.get("ahp") or {}
            words = _("Weights: {weighting}; aggregation {aggregation}; ranking by {ranking}.").format(
                weighting=_("AHP pairwise matrix (consistency ratio {cr})").format(
                    cr=self.n(ahp.get("consistency_ratio"), 3)) if scoring.get("weighting") == "ahp" else _("direct"),
                aggregation=str(scoring.get("aggregation", "")).upper(), ranking=str(scoring.get("ranking", "")).upper())
            out.append(f"<p>{e(words)}</p>")
            rows = [(self._criterion_title(c), self.n(c.get("weight"), 3),
                     standardise_words(c.get("standardise", ""), self.lang),
                     ", ".join(self._layer_words(layer) for layer in c.get("layers", [])), c.get("basis", ""))
                    for c in ranking.get("criteria", [])]
        else:
            rows = [(localised(c.title, c.title_nl), self.n(w, 3), getattr(c.standardise, "method", ""),
                     ", ".join(self._layer_words(layer) for layer in c.layer_ids), c.basis)
                    for c, w in zip(spec.criteria, spec.weights)]
        out.append(table((_("criterion"), _("weight"), _("standardisation"), _("layers"), _("source of the numbers")),
                         rows, numeric=(1,), widths=(17, 8, 20, 20, 35)))
        basis = getattr(spec, "basis", "") if spec is not None else ""
        if basis:
            out.append("<p>" + e(_("Weights: {basis}").format(basis=basis)) + "</p>")
        return "".join(out)

    def _sources_table(self) -> str:
        choices = self.data.sources()
        rule_titles = {r["id"]: figures.rule_title(r) for r in self.rules}
        if choices is None:
            out = ['<div class="notice">' + e(_(
                "Which source each rule used was not recorded by the version that made this run; the layers each "
                "rule read are listed from the exclusion legend.")) + "</div>"]
            out.append(table((_("rule"), _("layers read")), [
                (figures.rule_title(r), ", ".join(self._layer_words(layer) for layer in r.get("layers", [])))
                for r in self.rules]))
            return "".join(out)
        rows = []
        scoring_titles = {c.get("id"): c.get("title", c.get("id")) for c in
                          (self.data.ranking or {}).get("criteria", [])} if isinstance(self.data.ranking, dict) else {}
        for section, titles in (("rule", rule_titles), ("scoring", scoring_titles)):
            for rule, group in self._source_groups(section).items():
                used = ", ".join(dict.fromkeys(self._layer_words(str(c["layer"])) for c in group if c.get("layer")))
                skipped = "; ".join(dict.fromkeys(w for w in (self._skipped_words(c) for c in group) if w))
                meanings = " ".join(dict.fromkeys(str(c.get("meaning")) for c in group
                                                  if c.get("fallback") is True and c.get("meaning")))
                title = titles.get(rule, rule)
                if section == "scoring":
                    title = _("{criterion} (scoring)").format(criterion=title)
                rows.append((title, used or "–", skipped or "–", meanings or "–"))
        out = [table((_("rule"), _("source used"), _("sources passed over (why)"), _("fallback: what it means")),
                     rows)]
        fallbacks = [r for r in rows if r[3] != "–"]
        if fallbacks:
            out.append('<div class="caveat">' + e(_("{count} rule(s) used a fallback source: read their results with "
                                                   "its meaning in mind.").format(count=len(fallbacks))) + "</div>")
        return "".join(out)

    # --------------------------------------------------------------- data and reproduction
    def data_chapter(self) -> str:
        out = [f"<h2>{e(self.titles['data'])}</h2>"]
        rows = []
        for item in self.data.manifest.inputs:
            rows.append((self.layer_titles.get(item["layer_id"], item.get("title", "")) + f" ({item['layer_id']})",
                         item.get("owner", ""), item.get("licence", ""), item.get("vintage", ""),
                         item.get("caveat", "") or "–"))
        out.append(table((_("layer"), _("owner"), _("licence"), _("vintage"), _("caveats")), rows,
                         widths=(18, 18, 18, 9, 37)))
        notices = self.data.notices(self.lang)
        if notices:
            out.append(f"<h3>{e(_('Notes of the run'))}</h3>")
            out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in notices) + "</ul>")
        return "".join(out)

    def reproduce_chapter(self) -> str:
        manifest = self.data.manifest
        out = [f"<h2>{e(self.titles['reproduce'])}</h2>"]
        out.append("<p>" + e(_(
            "Everything this run depended on, with its sha256: 'smr-siting verify FOLDER' re-hashes the inputs, "
            "checks the outputs and reruns the screening (exit 0 if the results still hold).")) + "</p>")
        params = manifest.parameters
        command = ["smr-siting screen", f"--region {params.get('region')}", f"--profile {params.get('profile')}"]
        if params.get("data_dir"):
            command.append(f"--data {params['data_dir']}")
        for key, option in (("resolution_m", "--resolution"), ("footprint_ha", "--footprint-ha"),
                            ("footprint_shape", "--footprint-shape"), ("design", "--design")):
            if params.get(key) is not None:
                command.append(f"{option} {params[key]}")
        for layer_id, layer in (params.get("layers") or {}).items():
            command.append(f"--layer {layer_id}={layer['path']}" + (f":{layer['layer']}" if layer.get("layer") else ""))
        out.append(f'<p class="mono">{e(" ".join(command))} --out FOLDER</p>')
        profile = manifest.profile_record
        out.append(table((_("item"), _("value")), [
            (_("profile"), f"{profile.get('name')} ({profile.get('path')})"),
            (_("profile sha256"), Raw(f'<span class="mono">{e(profile.get("sha256", ""))}</span>')),
            (_("started / finished"), f"{manifest.get('run', {}).get('started', '')} / "
                                      f"{manifest.get('run', {}).get('finished', '')}"),
        ]))
        out.append(f"<h3>{e(_('Inputs'))}</h3>")
        out.append(table((_("layer"), _("file"), _("features read"), "sha256"), widths=(16, 34, 10, 40), rows=[
            (i["layer_id"], f"{i['path']}" + (f":{i['layer']}" if i.get("layer") else ""),
             fmt.integer(i.get("features_read"), self.lang) if i.get("features_read") is not None else "–",
             Raw(f'<span class="mono">{e(i.get("sha256", ""))}</span>'))
            for i in manifest.inputs], numeric=(2,)))
        out.append(f"<h3>{e(_('Outputs'))}</h3>")
        out.append(table((_("file"), "sha256"), widths=(35, 65), rows=[
            (name, Raw(f'<span class="mono">{e(digest)}</span>')) for name, digest in manifest.outputs.items()]))
        out.append(f"<h3>{e(_('Software versions'))}</h3>")
        out.append(table((_("package"), _("version")), list(manifest.versions.items())))
        return "".join(out)
