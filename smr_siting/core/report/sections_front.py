"""The front of the report: the title page (with the check of inputs and outputs), the maps and the table
of the exclusion per rule (chapters 1 and 2)."""

from __future__ import annotations

import datetime as _dt

from .. import __version__
from ..model.i18n import _, localised
from . import figures, fmt
from .base import ReportBase
from .basemap import load_basemap
from .html import Raw, e, img, table
from .words import site_label


class FrontChapters(ReportBase):
    """The title page and chapters 1 (maps) and 2 (exclusion per rule)."""

    # --------------------------------------------------------------- title page
    def title_page(self) -> str:
        data, summary = self.data, self.data.summary
        totals = summary.get("totals", {})
        candidates = summary.get("candidates", {})
        region = summary.get("region", {})
        profile = summary.get("profile", {})
        finished = str(data.manifest.get("run", {}).get("finished", ""))[:10]
        out = ['<div class="titlepage">']
        out.append(f"<h1>{e(_('SMR site screening: {region}').format(region=data.region_name))}</h1>")
        out.append(f'<p class="subtitle">{e(localised(profile.get("title", ""), self._profile_title_nl()))}</p>')
        rows = [
            (_("Region"), f"{region.get('name', '?')} ({region.get('code', '')}, {self._kind(region.get('kind', ''))})"),
            (_("Profile"), profile.get("name", "?")),
            (_("Date of the screening"), finished or "–"),
            (_("Date of this report"), _dt.date.today().isoformat()),
            (_("Software"), f"smr-siting {data.manifest.get('version', '?')} "
                            + _("(report made with {version})").format(version=__version__)),
        ]
        out.append(table((_("item"), _("value")), rows))
        left = totals.get("not_excluded_km2")
        verdict = _("{left} of {total} are left ({share} of the region) after every exclusion rule; "
                    "{count} candidate area(s) remain where the {footprint} footprint fits.").format(
            left=fmt.area_km2(left, self.lang), total=fmt.area_km2(totals.get("region_km2_cells"), self.lang),
            share=fmt.share(1.0 - float(totals.get("share_excluded", 0.0)), self.lang),
            count=fmt.integer(candidates.get("count", 0), self.lang),
            footprint=fmt.area_ha(candidates.get("footprint", {}).get("area_ha_required"), self.lang, 0))
        if data.has_ranking and data.ranked():
            best = "; ".join(_("{rank}. {site} ({municipality}, score {score})").format(
                rank=r["rank"], site=site_label(r), municipality=r.get("municipality") or "?",
                score=self.n(r.get("score"), 3)) for r in data.ranked()[:3])
            verdict += " " + _("Best sites: {sites}.").format(sites=best)
        out.append(f'<div class="verdict">{e(verdict)}</div>')
        out.append('<div class="caveat">' + e(_(
            "This is a first screening by exclusion conditions, as in the Dutch government letters on SMRs — not a "
            "site selection. It shows where the listed conditions leave land, with the data at hand; every "
            "result is only as good as those data (see chapter 6 for their limits).")) + "</div>")
        out.append(self._verification_box())
        if not data.has_ranking:
            out.append('<div class="notice">' + e(_(
                "This folder holds no ranking: the chapters on ranked sites and sensitivity say so and are short. "
                "Run 'smr-siting rank --run FOLDER' (and 'smr-siting sensitivity') and make the report again for "
                "the full report.")) + "</div>")
        elif not data.has_sensitivity:
            out.append('<div class="notice">' + e(_(
                "This folder holds no sensitivity analysis: run 'smr-siting sensitivity --run FOLDER' and make the "
                "report again to include it.")) + "</div>")
        out.append("</div>")
        return "".join(out)


    def _verification_box(self) -> str:
        check = self.verification
        if check is None:
            return ""
        lines = check.lines()
        if lines:
            items = "".join(f"<li>{e(line)}</li>" for line in lines)
            return ('<div class="alarm">' + e(_("The inputs or outputs changed since this run: its results may no "
                                                "longer hold. Run 'smr-siting verify' and screen again.")) +
                    f"<ul>{items}</ul></div>")
        elsewhere = ""
        if getattr(check, "outputs_elsewhere", None):
            elsewhere = " " + e(_("Not checked (not given to the report, not beside the files it read): "
                                  "{names}.").format(names=", ".join(check.outputs_elsewhere)))
        if check.rerun_done:
            return '<div class="ok">' + e(_("Checked when this report was made: the inputs are unchanged, the "
                                           "outputs untouched and a rerun gives identical files.")) + \
                elsewhere + "</div>"
        return '<div class="ok">' + e(_("Checked when this report was made: every input and output still has the "
                                       "sha256 the manifest recorded ('smr-siting verify' also reruns the "
                                       "screening).")) + elsewhere + "</div>"

    # --------------------------------------------------------------- maps
    def maps(self) -> str:
        data = self.data
        self.ctx.report(0.1, _("report: exclusion map"))
        view = figures.read_raster(data.files["exclusion.tif"])
        self.view = view
        basemap = load_basemap(data, self.bounds)  # type: ignore[arg-type]
        self.basemap = basemap
        counts = {r["id"]: fmt.area_km2(r["km2_alone"], self.lang, 0) for r in data.summary.get("rules", [])}
        out = [f"<h2>{e(self.titles['maps'])}</h2>"]
        out.append(f"<h3>{e(self.titles['exclusion_map'])}</h3>")
        out.append('<div class="figure">' + img(figures.exclusion_map(view, self.rules, basemap, self.lang, counts),
                                                "map", self.titles["exclusion_map"]))
        out.append('<p class="caption">' + e(_(
            "Each cell in the colour of the first rule, in profile order, that excludes it (in brackets: the km² "
            "each rule excludes by itself); exclusion.tif keeps every rule per cell. Outlines of the province and "
            "municipalities, large water and the largest population centres are context layers from the inputs. "
            "Grid EPSG:28992, {resolution} m cells.").format(
            resolution=self.n(data.summary.get("grid", {}).get("resolution_m"), 0))) + "</p></div>")
        self.ctx.report(0.25, _("report: candidate map"))
        areas = self._areas()
        sites = self._sites()
        out.append(f"<h3>{e(self.titles['candidates_map'])}</h3>")
        out.append('<div class="figure">' + img(figures.candidates_map(view, areas, sites, basemap, self.lang), "map",
                                                self.titles["candidates_map"]))
        out.append('<p class="caption">' + e(_(
            "Candidate areas: contiguous land no rule excludes in which the footprint fits. Red dots: ranked sites, "
            "numbered by rank.") if sites is not None and len(sites) else _(
            "Candidate areas: contiguous land no rule excludes in which the footprint fits, numbered; no ranked "
            "sites in this folder.")) + "</p></div>")
        out.append(f"<h3>{e(self.titles['suitability_map'])}</h3>")
        if "suitability.tif" in data.files:
            self.ctx.report(0.35, _("report: suitability map"))
            surface = figures.read_raster(data.files["suitability.tif"])
            out.append('<div class="figure">' + img(figures.suitability_map(surface, view, basemap, self.lang), "map",
                                                    self.titles["suitability_map"]))
            out.append('<p class="caption">' + e(_(
                "Suitability 0..1 of the land no rule excludes: the scoring criteria of chapter 5 standardised and "
                "weighted. Grey: excluded land.")) + "</p></div>")
        else:
            out.append('<div class="notice">' + e(_("No suitability surface in this folder (run 'smr-siting rank').")) +
                       "</div>")
        return "".join(out)


    # --------------------------------------------------------------- per-rule table
    def rule_chapter(self) -> str:
        data = self.data
        rows_in = data.summary.get("rules", [])
        titles = {r["id"]: figures.rule_title(r) for r in self.rules}
        region = data.region_name
        head = ("#", _("rule"), _("km² by rule"), _("km² only by this rule"), _("km² cumulative"),
                _("share of {region}").format(region=region))
        rows = []
        for r in rows_in:
            rows.append((r["order"], titles.get(r["id"], r.get("title", r["id"])),
                         Raw(f'<span data-rule="{e(r["id"])}" data-field="km2_alone" data-value="{r["km2_alone"]}">'
                             f'{e(self.n(r["km2_alone"]))}</span>'),
                         Raw(f'<span data-rule="{e(r["id"])}" data-field="km2_only" data-value="{r["km2_only"]}">'
                             f'{e(self.n(r["km2_only"]))}</span>'),
                         Raw(f'<span data-rule="{e(r["id"])}" data-field="km2_cumulative" '
                             f'data-value="{r["km2_cumulative"]}">{e(self.n(r["km2_cumulative"]))}</span>'),
                         Raw(f'<span data-rule="{e(r["id"])}" data-field="share_alone" data-value="{r["share_alone"]}">'
                             f'{e(fmt.share(r["share_alone"], self.lang))}</span>')))
        totals = data.summary.get("totals", {})
        out = [f"<h2>{e(self.titles['rules'])}</h2>"]
        out.append("<p>" + e(_(
            "Per rule, in profile order: the land it excludes by itself, the land no other rule excludes, the land "
            "excluded by it and the rules before it, and its share of the region ({total}).").format(
            total=fmt.area_km2(totals.get("region_km2_cells"), self.lang))) + "</p>")
        out.append(table(head, rows, numeric=(0, 2, 3, 4, 5), css="rules", widths=(5, 35, 15, 15, 15, 15)))
        out.append("<p>" + e(_("In all {excluded} of {total} are excluded ({share}); {left} are left.").format(
            excluded=fmt.area_km2(totals.get("excluded_km2"), self.lang),
            total=fmt.area_km2(totals.get("region_km2_cells"), self.lang),
            share=fmt.share(totals.get("share_excluded"), self.lang),
            left=fmt.area_km2(totals.get("not_excluded_km2"), self.lang))) + "</p>")
        chart = figures.rule_bar_chart([titles.get(r["id"], r["id"]) for r in rows_in],
                                       [float(r["km2_alone"]) for r in rows_in],
                                       [float(r["km2_only"]) for r in rows_in], self.lang)
        out.append('<div class="figure">' + img(chart, "chart", self.titles["rules"]) + "</div>")
        return "".join(out)
