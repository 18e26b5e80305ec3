"""The sites of the report: the ranked sites, their fact sheets and the sensitivity of the ranking
(chapters 3 and 4)."""

from __future__ import annotations

from typing import Any

from ..model.i18n import _
from . import figures, fmt
from .base import ReportBase
from .html import Raw, e, img, table
from .words import as_float, rule_threshold, site_label, standardise_words, value_words

#: half the width of a fact sheet's map (metres)
SITE_MAP_HALF_M = 4000.0


class SiteChapters(ReportBase):
    """Chapters 3 (ranked sites, fact sheets) and 4 (sensitivity)."""

    # --------------------------------------------------------------- ranking and fact sheets
    def ranking_chapter(self) -> str:
        data = self.data
        out = [f"<h2>{e(self.titles['ranking'])}</h2>"]
        if not data.has_ranking:
            out.append('<div class="notice">' + e(_(
                "No ranking in this folder: run 'smr-siting rank --run FOLDER' to score and rank the candidate "
                "areas (or your own sites), then make the report again.")) + "</div>")
            return "".join(out)
        ranking = data.ranking or {}
        criteria = ranking.get("criteria", [])
        scoring = ranking.get("scoring", {})
        out.append("<p>" + e(_(
            "Sites: {sites}. Ranked by {method}; per criterion the value in words, the standardised score (0..1) "
            "and the weighted contribution (the contributions add up to the score).").format(
            sites=self._sites_words(ranking.get("sites", "")),
            method=_("TOPSIS closeness") if scoring.get("ranking") == "topsis" else _("the weighted score (WLC)"))) +
            "</p>")
        head = [_("rank"), _("site"), _("municipality"), _("score"), "TOPSIS"]
        head += [self._criterion_title(c) for c in criteria]
        rows = []
        for r in data.ranked():
            cells: list[Any] = [r["rank"], site_label(r), r.get("municipality", ""), self.n(r.get("score"), 3),
                                self.n(r.get("topsis"), 3)]
            for c in criteria:
                cid = c["id"]
                cells.append(Raw(e(value_words(r.get(f"{cid}_text", ""), r.get(f"{cid}_value", ""), self.lang)) +
                                 "<br/>" + e(_("score {score} · contribution {contribution}").format(
                                     score=self.n(r.get(f"{cid}_score"), 2),
                                     contribution=self.n(r.get(f"{cid}_contribution"), 3)))))
            rows.append(cells)
        out.append(table(head, rows, numeric=(0, 3, 4), css="ranked"))
        others = [r for r in data.ranked_rows or [] if r.get("status") != "ranked"]
        if others:
            out.append("<p>" + e(_("Not ranked: {sites}.").format(sites="; ".join(
                f"{site_label(r)} ({r.get('status')}{': ' + r['excluded_by'] if r.get('excluded_by') else ''})"
                for r in others))) + "</p>")
        out.append(f"<h3>{e(self.titles['fact_sheets'])}</h3>")
        out.append(self.fact_sheets(criteria))
        return "".join(out)


    def fact_sheets(self, criteria: list[dict]) -> str:
        import rasterio

        data = self.data
        areas = self._areas()
        sensitivity = {r["site_id"]: r for r in data.sensitivity_rows or []}
        out = []
        top = data.ranked()[:self.fact_sheet_count]
        with rasterio.open(data.files["exclusion.tif"]) as src:
            values = {r["site_id"]: int(v[0]) for r, v in zip(
                top, src.sample([(float(r["x"]), float(r["y"])) for r in top]))}
        for index, r in enumerate(top):
            self.ctx.report(0.5 + 0.2 * index / max(len(top), 1), _("report: fact sheets"))
            x, y = float(r["x"]), float(r["y"])
            half = SITE_MAP_HALF_M
            view = figures.read_raster(data.files["exclusion.tif"], (x - half, y - half, x + half, y + half), 600)
            picture = figures.site_map(view, self.rules, areas, x, y, self.lang)
            facts = [(_("rank"), r["rank"]), (_("score"), self.n(r.get("score"), 3)),
                     (_("municipality"), r.get("municipality", "")), (_("province"), r.get("province", "")),
                     (_("position (EPSG:28992)"), f"x {self.n(x, 0)}, y {self.n(y, 0)}")]
            if r.get("area_id"):
                area = None
                if areas is not None and len(areas):
                    match = areas[areas["area_id"].astype(str) == str(r["area_id"])]
                    area = match.iloc[0] if len(match) else None
                if area is not None:
                    facts.append((_("candidate area"), _("{area}: {ha} in the region, {usable} usable").format(
                        area=r["area_id"], ha=fmt.area_ha(area["area_ha"], self.lang),
                        usable=fmt.area_ha(area["usable_ha"], self.lang))))
            if r.get("regulator_text"):  # a screening with a reactor design: people around it, cooling by flow
                facts.append((_("around the site ({design})").format(design=r.get("design", "")),
                              r["regulator_text"]))
            s = sensitivity.get(r["site_id"])
            if s:
                facts.append((_("rank 1 / top 3 under weight uncertainty"),
                              f"{fmt.share(as_float(s['share_rank1']), self.lang, 0)}"
                              f" / {fmt.share(as_float(s['share_top3']), self.lang, 0)}"))
            out.append('<div class="sheet">')
            out.append(f"<h3>{e(_('Rank {rank}: {site}').format(rank=r['rank'], site=site_label(r)))}</h3>")
            out.append('<table class="layout"><tr><td class="picture">' + img(picture, "sitemap", site_label(r)) +
                       '</td><td>' + table((_("item"), _("value")), facts, widths=(45, 55)) + "</td></tr></table>")
            out.append(self._rule_checks(values.get(r["site_id"], 0)))
            out.append(self._criterion_rows(r, criteria))
            out.append("</div>")
        return "".join(out)

    def _rule_checks(self, value: int) -> str:
        criteria = {c.id: c for c in getattr(self.profile, "criteria", ())} if self.profile is not None else {}
        chosen = self._chosen_sources()
        rows = []
        for rule in self.rules:
            bit = 1 << int(rule["bit"])
            failed = bool(value & bit)
            verdict = Raw(f'<span class="fail">{e(_("fails: excluded"))}</span>' if failed else
                          f'<span class="pass">{e(_("passes"))}</span>')
            criterion = criteria.get(rule["id"])
            threshold = rule_threshold(criterion, self.layer_titles) if criterion is not None else rule.get("kind", "")
            source = chosen.get(rule["id"]) or ", ".join(self._layer_words(layer) for layer in rule.get("layers", []))
            rows.append((figures.rule_title(rule), threshold, verdict, source))
        return table((_("exclusion rule"), _("threshold"), _("at this site"), _("source")), rows, css="checks",
                     widths=(20, 44, 11, 25))

    def _criterion_rows(self, r: dict, criteria: list[dict]) -> str:
        rows = []
        for c in criteria:
            cid = c["id"]
            rows.append((self._criterion_title(c), value_words(r.get(f"{cid}_text", ""), r.get(f"{cid}_value", ""),
                                                               self.lang),
                         standardise_words(c.get("standardise", ""), self.lang), self.n(r.get(f"{cid}_score"), 2),
                         self.n(c.get("weight"), 3),
                         self.n(r.get(f"{cid}_contribution"), 3),
                         ", ".join(self._layer_words(layer) for layer in c.get("layers", []))))
        return table((_("scoring criterion"), _("value"), _("standardisation"), _("score"), _("weight"),
                      _("contribution"), _("source")), rows, numeric=(3, 4, 5), css="criteria",
                     widths=(18, 20, 17, 8, 8, 9, 20))


    # --------------------------------------------------------------- sensitivity
    def sensitivity_chapter(self) -> str:
        data = self.data
        out = [f"<h2>{e(self.titles['sensitivity'])}</h2>"]
        if not data.has_sensitivity:
            out.append('<div class="notice">' + e(_(
                "No sensitivity analysis in this folder: run 'smr-siting sensitivity --run FOLDER' (with --sweep "
                "for threshold sweeps), then make the report again.")) + "</div>")
            return "".join(out)
        rows = sorted(data.sensitivity_rows or [], key=lambda r: int(float(r["rank"])))
        ranked = {r["site_id"]: r for r in data.ranked()}
        labels = [f"{r['rank']}. {site_label(ranked.get(r['site_id'], r))}" for r in rows]
        out.append("<p>" + e(_(
            "Monte Carlo on the weights (Dirichlet around the chosen weights): the share of runs in which each site "
            "comes first and in the top 3, its 5–95 % rank interval, and its rank with each scoring criterion left "
            "out.")) + "</p>")
        chart = figures.rank_stability_chart(labels, [float(r["share_rank1"]) for r in rows],
                                             [float(r["share_top3"]) for r in rows], self.lang)
        out.append('<div class="figure">' + img(chart, "chart", self.titles["sensitivity"]) + "</div>")
        without = [k for k in (rows[0].keys() if rows else []) if k.startswith("rank_without_")]
        head = [_("site"), _("rank"), _("rank 1"), _("top 3"), _("rank interval (5–95 %)"), _("median rank")]
        head += [_("without {criterion}").format(criterion=self._criterion_title({"id": k[len("rank_without_"):]}))
                 for k in without]
        table_rows = []
        for label, r in zip(labels, rows):
            table_rows.append([label, r["rank"], fmt.share(as_float(r["share_rank1"]), self.lang, 0),
                               fmt.share(as_float(r["share_top3"]), self.lang, 0),
                               f"{r['rank_p05']}–{r['rank_p95']}", self.n(r["rank_median"], 1)] + [r[k] for k in without])
        out.append(table(head, table_rows, numeric=tuple(range(1, len(head))), css="sensitivity"))
        if data.sweep_rows:
            out.append(f"<h3>{e(_('Threshold sweeps'))}</h3>")
            by_parameter: dict[str, list[dict]] = {}
            baseline = next((r for r in data.sweep_rows if r.get("parameter") == "baseline"), None)
            if baseline is not None:  # the screening itself, as sweeps.csv's first row reproduces it
                out.append("<p>" + e(_("Baseline (the screening itself): {km2} km² left, {areas} candidate area(s).")
                                     .format(km2=self.n(as_float(baseline.get("km2_not_excluded")), 1),
                                             areas=baseline.get("candidate_areas", "?"))) + "</p>")
            for r in data.sweep_rows:
                if r.get("parameter") != "baseline" and str(r.get("value", "")).strip():
                    by_parameter.setdefault(r["parameter"], []).append(r)
            titles = {rule["id"]: figures.rule_title(rule) for rule in self.rules}
            for parameter, items in by_parameter.items():
                unit = items[0].get("unit", "")
                xs = [float(r["value"]) for r in items]
                shown = [v / 1000.0 for v in xs] if unit == "m" and max(xs) >= 1000 else xs
                shown_unit = "km" if shown is not xs else unit
                rule_id = parameter.split(".")[0]
                title = titles.get(rule_id, parameter) if parameter != "footprint" else _("footprint")
                chart = figures.sweep_chart(title, shown, shown_unit, [float(r["km2_not_excluded"]) for r in items],
                                            [float(r["candidate_areas"]) for r in items], self.lang,
                                            lambda v: fmt.number(v, 1 if v % 1 else 0, self.lang))
                out.append('<div class="figure">' + img(chart, "chart", title) + '<p class="caption">' + e(_(
                    "Sweep of {parameter}: the whole exclusion run again for each value; km² left and the number of "
                    "candidate areas.").format(parameter=title)) + "</p></div>")
        else:
            out.append('<div class="notice">' + e(_(
                "No threshold sweeps in this folder (smr-siting sensitivity --sweep RULE=D1,D2,…).")) + "</div>")
        return "".join(out)
