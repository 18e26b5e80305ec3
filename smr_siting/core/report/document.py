"""The report as one HTML document (images embedded), in the report's language; the PDF is made from it.

It reads a screening folder's outputs only (summary.json, manifest.json, exclusion.tif, candidate areas,
ranking, sensitivity, sweeps) and the context layers the manifest lists; it never reruns a step."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import re
from pathlib import Path
from typing import Any, Sequence

from .. import __version__
from ..model.i18n import _, localised
from ..model.progress import RunContext
from . import figures, fmt
from .rundata import RunData

#: how many top sites get a fact sheet
FACT_SHEETS = 5
#: half the width of a fact sheet's map (metres)
SITE_MAP_HALF_M = 4000.0
#: place names on the maps
PLACE_NAMES = 14

CSS = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm;
  @bottom-left { content: string(runname); font-size: 7.5pt; color: #666; font-family: "DejaVu Sans", sans-serif; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 7.5pt; color: #666;
    font-family: "DejaVu Sans", sans-serif; } }
@page:first { @bottom-left { content: none; } @bottom-right { content: none; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; line-height: 1.35;
  color: #111; max-width: 190mm; margin: auto; }
h1 { font-size: 22pt; margin: 30mm 0 4mm 0; string-set: runname content(); }
h2 { font-size: 14pt; margin: 0 0 3mm 0; border-bottom: 1.5pt solid #1a5e8a; color: #1a5e8a;
  break-before: page; page-break-before: always; }
h3 { font-size: 11pt; margin: 5mm 0 2mm 0; break-after: avoid; page-break-after: avoid; }
.subtitle { font-size: 12pt; color: #333; }
.titlepage { break-after: page; page-break-after: always; }
.verdict { font-size: 11.5pt; border-left: 4pt solid #1a9850; padding: 2mm 4mm; margin: 8mm 0; background: #f2f8f4; }
.caveat { border-left: 4pt solid #e6a100; padding: 2mm 4mm; background: #fff8e6; margin: 4mm 0; }
.alarm { border-left: 4pt solid #c0392b; padding: 2mm 4mm; background: #fdecea; margin: 4mm 0; font-weight: bold; }
.notice { border-left: 4pt solid #888; padding: 2mm 4mm; background: #f3f3f3; margin: 3mm 0; }
.ok { border-left: 4pt solid #1a9850; padding: 2mm 4mm; background: #f2f8f4; margin: 3mm 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; font-size: 7.5pt; table-layout: fixed; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 1mm 1.2mm; text-align: left; vertical-align: top;
  overflow-wrap: break-word; word-wrap: break-word; hyphens: auto; }
table.ranked, table.sensitivity, table.criteria, table.checks { font-size: 6.5pt; }
th { background: #eef3f7; }
td.n, th.n { text-align: right; }
tr { break-inside: avoid; page-break-inside: avoid; }
img.map { width: 100%; }
img.chart { width: 100%; }
.figure { break-inside: avoid; page-break-inside: avoid; margin: 2mm 0; }
.caption { font-size: 7.5pt; color: #444; }
.sheet { break-inside: avoid; page-break-inside: avoid; margin-bottom: 5mm; }
table.layout, table.layout > tbody > tr > td { border: none; padding: 0; }
table.layout td.picture { width: 55mm; padding-right: 4mm; }
img.sitemap { width: 52mm; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 6.5pt; word-break: break-all; }
.pass { color: #1a7a40; font-weight: bold; }
.fail { color: #c0392b; font-weight: bold; }
"""


def e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def img(png: bytes, css: str, alt: str) -> str:
    return (f'<img class="{css}" alt="{e(alt)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"/>')


def table(head: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = (), css: str = "",
          widths: Sequence[float] = ()) -> str:
    """An HTML table; ``numeric``: the columns set right-aligned; ``widths``: column widths in %.  Cells are
    escaped unless they are ``Raw``."""
    out = [f'<table class="{css}">']
    if widths:
        out.append("<colgroup>" + "".join(f'<col style="width: {w}%"/>' for w in widths) + "</colgroup>")
    out.append("<thead><tr>")
    out += [f'<th class="{"n" if i in numeric else ""}">{e(h)}</th>' for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(
            f'<td class="{"n" if i in numeric else ""}">{c if isinstance(c, Raw) else e(c)}</td>'
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class Raw(str):
    """HTML that a table cell takes as it is."""


# ------------------------------------------------------------------------- words for the data's values


def section_titles() -> dict[str, str]:
    """The chapter and section headings, in the current language (in the report's order)."""
    return {
        "maps": _("1 Maps"),
        "exclusion_map": _("Exclusion by first reason"),
        "candidates_map": _("Candidate areas and ranked sites"),
        "suitability_map": _("Suitability"),
        "rules": _("2 Exclusion per rule"),
        "ranking": _("3 Ranked sites"),
        "fact_sheets": _("Fact sheets of the top sites"),
        "sensitivity": _("4 Sensitivity of the ranking"),
        "method": _("5 Method"),
        "rule_sources": _("Data source per rule"),
        "data": _("6 Data sources"),
        "reproduce": _("7 Reproducing this run"),
    }


def site_label(row: dict[str, str]) -> str:
    if row.get("origin") == "candidate area" and row.get("area_id"):
        return _("best place in candidate area {area}").format(area=row["area_id"])
    return row.get("name") or f"#{row.get('site_id', '?')}"


_DISTANCE_TEXT = re.compile(r"^(?P<value>[\d.,]+) km to (?P<what>.+)$")
_VALUE_TEXT = re.compile(r"^(?P<value>[\d.,-]+)(?P<rest>\s.*)?$")


def value_words(text: str, raw: str, lang: str) -> str:
    """A criterion's value in words (ranked_sites.csv has them in English) in the report's language."""
    if lang == "en" or not text:
        return text
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return text
    match = _DISTANCE_TEXT.match(text)
    if match:
        return _("{km} km to {what}").format(km=fmt.number(value / 1000.0, 1, lang), what=match.group("what"))
    match = _VALUE_TEXT.match(text)
    if match:
        rest = (match.group("rest") or "").replace("inhabitants/km²", _("inhabitants/km²"))
        digits = len(match.group("value").split(".")[1]) if "." in match.group("value") else 0
        return fmt.number(value, digits, lang) + rest
    return text


_STANDARDISE = (
    (re.compile(r"^linear through (?P<points>.+)$"), "linear"),
    (re.compile(r"^sigmoid (?P<direction>benefit|cost) with control points (?P<points>.+)$"), "sigmoid"),
)


def standardise_words(text: str, lang: str) -> str:
    """ranking.json's standardisation ("linear through (0, 1), (2000, 1)") in the report's language."""
    if lang == "en" or not text:
        return text
    for pattern, kind in _STANDARDISE:
        match = pattern.match(text)
        if not match:
            continue
        points = re.sub(r"(?<=\d)\.(?=\d)", ",", match.group("points")).replace(", ", "; ")
        if kind == "linear":
            return _("linear through {points}").format(points=points)
        direction = _("benefit") if match.group("direction") == "benefit" else _("cost")
        return _("sigmoid ({direction}) with control points {points}").format(direction=direction, points=points)
    return text


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------- context layers


def _input_path(item: dict, folder: Path) -> Path | None:
    path = Path(item["path"])
    for candidate in (path, folder / path, folder.parent / path):
        if candidate.exists():
            return candidate
    return None


def _read_input(data: RunData, layer_id: str, bounds: tuple[float, float, float, float]) -> Any:
    import geopandas as gpd

    for item in data.manifest.get("inputs", []):
        if item.get("layer_id") != layer_id:
            continue
        path = _input_path(item, data.folder)
        if path is None or path.suffix.lower() not in (".gpkg", ".shp", ".geojson", ".json", ".fgb"):
            return None
        try:
            gdf = gpd.read_file(str(path), layer=item.get("layer"), bbox=bounds)
        except Exception:  # noqa: BLE001 - a context layer that cannot be read is left off the map
            return None
        if gdf.crs is not None and gdf.crs.to_epsg() != 28992:
            gdf = gdf.to_crs(28992)
        return gdf
    return None


def _name_field(gdf: Any, preferred: Sequence[str]) -> str | None:
    return next((c for c in preferred if c in gdf.columns), None)


def load_basemap(data: RunData, bounds: tuple[float, float, float, float]) -> figures.Basemap:
    """Province and municipality outlines, big water and place names from the inputs the manifest lists."""
    import pandas as pd

    basemap = figures.Basemap()
    basemap.municipalities = _read_input(data, "municipalities", bounds)
    basemap.provinces = _read_input(data, "provinces", bounds)
    polygons, lines = [], []
    for layer_id in ("lakes", "sea", "water_krw", "water_osm_relations", "rivers_major"):
        gdf = _read_input(data, layer_id, bounds)
        if gdf is None or not len(gdf):
            continue
        kinds = gdf.geometry.geom_type
        polygons.append(gdf[kinds.isin(["Polygon", "MultiPolygon"])][["geometry"]])
        lines.append(gdf[kinds.isin(["LineString", "MultiLineString"])][["geometry"]])
    if polygons:
        import geopandas as gpd

        basemap.water_polygons = gpd.GeoDataFrame(pd.concat(polygons, ignore_index=True), geometry="geometry")
        basemap.water_lines = gpd.GeoDataFrame(pd.concat(lines, ignore_index=True), geometry="geometry")
    basemap.places = _places(data, bounds, basemap)
    return basemap


def _places(data: RunData, bounds: tuple[float, float, float, float], basemap: figures.Basemap) -> list:
    minx, miny, maxx, maxy = bounds
    for layer_id in ("population_centres", "population_centre_areas"):
        gdf = _read_input(data, layer_id, bounds)
        if gdf is None or not len(gdf):
            continue
        name = _name_field(gdf, ("kern_naam", "naam", "name", "statnaam"))
        population = next((c for c in gdf.columns if "inwoners" in c.lower() or "population" in c.lower()), None)
        if name is None:
            continue
        if population is not None:
            gdf = gdf.sort_values(population, ascending=False)
        out = []
        for _index, row in gdf.iterrows():
            point = row.geometry.representative_point() if row.geometry.geom_type != "Point" else row.geometry
            if minx < point.x < maxx and miny < point.y < maxy:
                out.append((point.x, point.y, str(row[name])))
            if len(out) >= PLACE_NAMES:
                break
        return out
    if basemap.municipalities is not None and len(basemap.municipalities):
        gdf = basemap.municipalities
        name = _name_field(gdf, ("statnaam", "naam", "name"))
        if name:
            gdf = gdf.assign(_area=gdf.geometry.area).sort_values("_area", ascending=False).head(PLACE_NAMES)
            return [(g.representative_point().x, g.representative_point().y, str(n))
                    for g, n in zip(gdf.geometry, gdf[name])]
    return []


# ------------------------------------------------------------------------- the profile


def _profile(data: RunData) -> Any:
    """The profile the run used (from the manifest's text), or ``None`` if it cannot be read any more."""
    from ..rules import parse_profile

    recorded = data.manifest.get("profile", {})
    try:
        return parse_profile(recorded["text"], recorded.get("path", "profile"))
    except Exception:  # noqa: BLE001 - the method chapter then says what the legend knows
        return None


def _kind_words(kind: str) -> str:
    words = {"exclude_inside": _("excluded inside"), "exclude_within": _("excluded within a distance of"),
             "require_within": _("required within a distance of"), "raster_threshold": _("excluded where a value "
                                                                                         "crosses a threshold"),
             "zone_membership": _("zone membership")}
    return words.get(kind, kind)


def rule_threshold(criterion: Any, layer_titles: dict[str, str]) -> str:
    """A rule's numbers in words: its kind and, per layer, the distance, buffer, filter and options."""
    parts = []
    for source in getattr(criterion, "sources", ()):
        layer = getattr(source, "layer", "?")
        bits = [layer_titles.get(layer, layer)]
        distance = getattr(source, "distance", None)
        if distance is not None:
            bits.append(distance.describe())
        if getattr(source, "buffer_m", 0):
            bits.append(_("buffer {metres} m").format(metres=fmt.number(source.buffer_m, 0, _lang())))
        where = getattr(source, "where", ())
        if where:
            bits.append(_("where {conditions}").format(conditions=" & ".join(c.describe() for c in where)))
        parts.append(": ".join(bits[:2]) + ("; " + "; ".join(bits[2:]) if len(bits) > 2 else ""))
    options = {k: v for k, v in dict(getattr(criterion, "options", {}) or {}).items()
               if k not in ("source_methods",) and v not in ("auto", None) and not isinstance(v, (dict, list))}
    text = _kind_words(getattr(criterion, "kind", "")) + " — " + " | ".join(parts)
    if options:
        text += " (" + ", ".join(f"{k} = {v}" for k, v in options.items()) + ")"
    return text


def _lang() -> str:
    from ..model.i18n import language

    return language()


# ------------------------------------------------------------------------- the document


class Report:
    """Builds the HTML text of the report of one screening folder."""

    def __init__(self, data: RunData, lang: str, verification: Any, ctx: RunContext,
                 fact_sheets: int = FACT_SHEETS) -> None:
        self.data = data
        self.fact_sheet_count = fact_sheets
        self.lang = lang
        self.verification = verification
        self.ctx = ctx
        self.titles = section_titles()
        self.profile = _profile(data)
        self.layer_titles = self._layer_titles()
        self.rules = data.rules()
        grid = data.summary.get("grid", {})
        self.bounds = tuple(grid.get("bounds", (0, 0, 1, 1)))

    def _layer_titles(self) -> dict[str, str]:
        from ..data.catalogue import load_catalogue

        titles = {}
        try:
            catalogue = load_catalogue()
            for layer_id, entry in catalogue.entries.items():
                titles[layer_id] = localised(entry.title, entry.title_nl)
        except Exception:  # noqa: BLE001 - the ids then stand for themselves
            pass
        for item in self.data.manifest.get("inputs", []):
            titles.setdefault(item["layer_id"], item.get("title") or item["layer_id"])
        return titles

    def n(self, value: Any, digits: int = 1) -> str:
        return fmt.number(_float(value), digits, self.lang)

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

    def _profile_title_nl(self) -> str:
        return getattr(self.profile, "title_nl", "") if self.profile is not None else ""

    @staticmethod
    def _kind(kind: str) -> str:
        from ..data.region import kind_label

        return kind_label(kind)

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

    def _areas(self) -> Any:
        import geopandas as gpd

        path = self.data.files.get("candidate_areas.gpkg")
        return gpd.read_file(str(path)) if path else None

    def _sites(self) -> Any:
        import geopandas as gpd

        path = self.data.files.get("ranked_sites.gpkg")
        if path is None or not self.data.has_ranking:
            return None
        sites = gpd.read_file(str(path))
        return sites[sites["status"] == "ranked"]

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

    def _sites_words(self, sites: str) -> str:
        if sites == "best place per candidate area":
            return _("the best place in each candidate area")
        return sites

    def _criterion_title(self, c: dict) -> str:
        spec = getattr(self.profile, "scoring", None) if self.profile is not None else None
        for criterion in getattr(spec, "criteria", ()) or ():
            if criterion.id == c["id"]:
                return localised(criterion.title, criterion.title_nl)
        return c.get("title", c["id"])

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
                facts.append((_("rank 1 / top 3 under weight uncertainty"), f"{fmt.share(_float(s['share_rank1']), self.lang, 0)}"
                              f" / {fmt.share(_float(s['share_top3']), self.lang, 0)}"))
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

    def _layer_words(self, layer_id: str) -> str:
        vintage = next((i.get("vintage") for i in self.data.manifest.get("inputs", []) if i["layer_id"] == layer_id), "")
        title = self.layer_titles.get(layer_id, layer_id)
        return f"{title} ({vintage})" if vintage else title

    def _chosen_sources(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for rule, group in self._source_groups("rule").items():
            used = ", ".join(dict.fromkeys(self._layer_words(str(c["layer"])) for c in group if c.get("layer")))
            meanings = [str(c.get("meaning") or "") for c in group if c.get("fallback") is True and c.get("meaning")]
            out[rule] = used + (f" — {_('fallback')}: {' '.join(dict.fromkeys(meanings))}" if meanings else "")
        return out

    def _source_groups(self, section: str) -> dict[str, list[dict]]:
        """The recorded source choices (summary.json's ``sources``) of one section, per rule, in order."""
        groups: dict[str, list[dict]] = {}
        for choice in self.data.sources() or []:
            if str(choice.get("section", "rule")) != section:
                continue
            rule = str(choice.get("criterion") or choice.get("rule") or "")
            if rule:
                groups.setdefault(rule, []).append(choice)
        return groups

    def _skipped_words(self, choice: dict) -> str:
        parts = []
        for item in choice.get("skipped") or []:
            if not isinstance(item, dict):
                continue
            if item.get("recorded"):
                why = _("the recorded run used {layer}").format(layer=item["recorded"])
            else:
                why = _("not in the data folder (looked for {files})").format(
                    files=", ".join(item.get("looked_for") or []) or "–")
            parts.append(f"{self._layer_words(str(item.get('layer', '?')))}: {why}")
        return "; ".join(parts)

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
            table_rows.append([label, r["rank"], fmt.share(_float(r["share_rank1"]), self.lang, 0),
                               fmt.share(_float(r["share_top3"]), self.lang, 0),
                               f"{r['rank_p05']}–{r['rank_p95']}", self.n(r["rank_median"], 1)] + [r[k] for k in without])
        out.append(table(head, table_rows, numeric=tuple(range(1, len(head))), css="sensitivity"))
        if data.sweep_rows:
            out.append(f"<h3>{e(_('Threshold sweeps'))}</h3>")
            by_parameter: dict[str, list[dict]] = {}
            baseline = next((r for r in data.sweep_rows if r.get("parameter") == "baseline"), None)
            if baseline is not None:  # the screening itself, as sweeps.csv's first row reproduces it
                out.append("<p>" + e(_("Baseline (the screening itself): {km2} km² left, {areas} candidate area(s).")
                                     .format(km2=self.n(_float(baseline.get("km2_not_excluded")), 1),
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
        for item in self.data.manifest.get("inputs", []):
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
        params = manifest.get("parameters", {})
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
        profile = manifest.get("profile", {})
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
            for i in manifest.get("inputs", [])], numeric=(2,)))
        out.append(f"<h3>{e(_('Outputs'))}</h3>")
        out.append(table((_("file"), "sha256"), widths=(35, 65), rows=[
            (name, Raw(f'<span class="mono">{e(digest)}</span>')) for name, digest in manifest.get("outputs", {}).items()]))
        out.append(f"<h3>{e(_('Software versions'))}</h3>")
        out.append(table((_("package"), _("version")), list(manifest.get("versions", {}).items())))
        return "".join(out)

    # --------------------------------------------------------------- all of it
    def html(self) -> str:
        self.ctx.report(0.02, _("report: title page"))
        parts = [self.title_page(), self.maps(), self.rule_chapter()]
        self.ctx.report(0.45, _("report: ranked sites"))
        parts.append(self.ranking_chapter())
        self.ctx.report(0.72, _("report: sensitivity"))
        parts.append(self.sensitivity_chapter())
        parts += [self.method_chapter(), self.data_chapter(), self.reproduce_chapter()]
        title = _("SMR site screening: {region}").format(region=self.data.region_name)
        return (f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="utf-8"/>'
                f"<title>{e(title)} ({e(self.data.profile_name)})</title>"
                f'<meta name="author" content="smr-siting {e(__version__)}"/>'
                f'<meta name="generator" content="smr-siting {e(__version__)}"/>'
                f"<style>{CSS}</style></head><body>" + "\n".join(parts) + "</body></html>\n")
