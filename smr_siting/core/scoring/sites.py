"""Candidate sites and their ranking, with per-criterion explanations.

Sites come from the user (points or parcels, any CRS) or are the best place in each candidate
area (the fitting footprint position with the highest suitability).  A site is ranked only where the
profile's footprint fits wholly on free land inside the region: a point must be covered by some
fitting footprint, a parcel must hold one (the site is then its best fitting position).  Every site
gets: status (ranked / excluded / footprint does not fit / outside the region / not scored), the
free hectares and, for a parcel, the share of it each rule excludes, the rules that exclude it, each scoring
criterion's raw value with a short text, its standardised score and weighted contribution, the
WLC score and TOPSIS closeness, its rank, and its municipality and province.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import geopandas as gpd
import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from ..candidates.areas import FootprintCells, fit_positions, footprint_cells
from ..candidates.components import Components, components
from ..candidates.compute import ensure_fit
from ..config.scoring import ScoringSpec
from ..data.geometry import burn, burn_values
from ..data.layers import LayerInput
from ..data.vectorio import empty_frame
from ..exclusion.mask import describe_value
from ..model.errors import DataError
from ..model.i18n import _, english, joined, localised
from ..model.progress import RunContext
from ..model.standardise import standardise
from .aggregate import owa_weights, ranks, topsis
from .measures import distance_text, measure_at_sites, value_text
from .suitability import Suitability
from .values import SiteValue

if TYPE_CHECKING:
    from ..exclusion.compute import ExclusionResult

STATUS_RANKED = "ranked"
STATUS_EXCLUDED = "excluded"
STATUS_OUTSIDE = "outside region"
STATUS_UNSCORED = "not scored"
STATUS_NO_FIT = "footprint does not fit"


@dataclass(frozen=True)
class Site:
    site_id: int
    origin: str  # 'candidate area' or 'user'
    name: str
    point: Point
    area_id: int | None = None
    parcel: BaseGeometry | None = None  # a user's parcel (the point is then where it is judged)
    fits: bool = True                   # the footprint fits (checked by place_user_sites for user sites)
    free_ha: float = float("nan")       # free land: in the parcel, or the free patch around a point
    note: str = ""                      # why the footprint does not fit, with the shares each rule excludes


@dataclass(frozen=True)
class FitMasks:
    """Where the footprint fits wholly on free land inside the region, on the analysis grid — the same
    test as the candidate areas'."""

    cells: FootprintCells
    free: np.ndarray     # not excluded and inside the region
    fits: np.ndarray     # footprint anchors that fit
    usable: np.ndarray   # cells some fitting footprint covers


def fit_masks(result: ExclusionResult, ctx: RunContext | None = None) -> FitMasks:
    """The footprint fit of the exclusion (the candidate search's, the cache's or computed: see
    :func:`~smr_siting.core.candidates.compute.ensure_fit`); ``ctx``: a cancel is seen between its steps."""
    ensure_fit(result, ctx)
    assert result.fitted is not None
    cells = footprint_cells(result.footprint, result.analysis_grid.resolution)
    free = (result.bits_full == 0) & result.region_full
    return FitMasks(cells, free, result.fitted[1], result.fitted[2])


def best_sites_in_areas(result: ExclusionResult, suitability: Suitability, areas: gpd.GeoDataFrame,
                        masks: FitMasks | None = None) -> list[Site]:
    """Per candidate area the fitting footprint position (wholly inside the region) with the highest
    suitability."""
    if len(areas) == 0:
        return []
    masks = masks or fit_masks(result)
    r0, r1, c0, c1 = result.window
    fits = masks.fits[r0:r1, c0:c1]
    grid = suitability.grid
    sites = []
    for geometry, area_id, area_ha in zip(areas.geometry, areas["area_id"], areas["area_ha"]):
        # each area burnt into its own bounding window only (areas never share a cell): the search looks there
        r0, r1, c0, c1 = grid.window_for(geometry.bounds)
        if r1 <= r0 or c1 <= c0:
            continue
        inside = ~np.isnan(burn_values([(geometry, 1.0)], grid.subgrid(r0, r1, c0, c1)))
        window = (slice(r0, r1), slice(c0, c1))
        mask = fits[window] & inside
        if not mask.any():
            continue
        part = suitability.window(r0, r1, c0, c1)
        flat = np.where(mask & ~np.isnan(part), part, -np.inf).ravel()
        k = int(np.argmax(flat))  # the first best cell in row-major order, as on the whole grid
        if not np.isfinite(flat[k]):  # no score anywhere in the area: its first fitting cell
            k = int(np.argmax(mask.ravel()))
        r, c = divmod(k, part.shape[1])
        row, col = window[0].start + r, window[1].start + c
        x = grid.left + (col + 0.5) * grid.resolution
        y = grid.top - (row + 0.5) * grid.resolution
        sites.append(Site(len(sites) + 1, "candidate area",
                          _("best place in candidate area {area}").format(area=int(area_id)), Point(x, y), int(area_id),
                          free_ha=float(area_ha)))
    return sites


#: a site file's own id field (kept in the site's name, so that ranked_sites.csv can be joined back)
USER_ID_FIELDS = ("id", "site_id", "code", "nr", "nummer")


def read_user_sites(source: LayerInput, result: ExclusionResult, name_field: str | None = None) -> list[Site]:
    """Sites from a point or polygon file (any CRS: reprojected; parcels: their representative point)."""
    label = _("site layer {name}").format(name=source.path.name)
    gdf = result.store.read("sites", source, "given", label, None)
    kinds = set(gdf.geometry.geom_type)
    if kinds - {"Point", "MultiPoint", "Polygon", "MultiPolygon"}:
        raise DataError(_("{label} holds {kinds}; sites must be points or parcels (polygons)").format(
                            label=label, kinds=", ".join(sorted(kinds))),
                        _("Use a point or polygon layer"))
    if kinds & {"Polygon", "MultiPolygon"}:
        result.ctx.tell(_("{label}: a parcel is ranked at the best place in it where the footprint fits wholly on "
                          "free land.").format(label=label))
    name_field = name_field or next((c for c in ("name", "naam", "site", "locatie") if c in gdf.columns), None)
    id_field = next((c for c in gdf.columns if str(c).lower() in USER_ID_FIELDS), None)
    if id_field is not None:
        ids = gdf[id_field].astype(str)
        repeated = sorted(set(ids[ids.duplicated(keep=False)]))
        if repeated:
            result.ctx.tell(_("{label}: {count} id(s) in its field {field!r} occur more than once (e.g. {example}); "
                              "every row is kept as a site of its own, told apart by site_id (the row number), and "
                              "its name carries the file's id.").format(label=label, count=len(repeated),
                                                                       field=str(id_field), example=repeated[0]))
    sites = []
    for i, (_index, row) in enumerate(gdf.iterrows(), start=1):
        geometry = row.geometry
        parcel = None if geometry.geom_type in ("Point", "MultiPoint") else geometry
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        name = str(row[name_field]) if name_field else _("site {number}").format(number=i)
        if id_field is not None and id_field != name_field:  # the user's own id stays with the site
            name = f"{name} [{id_field} {row[id_field]}]"
        sites.append(Site(i, "user", name, point, parcel=parcel))
    inside = [s for s in sites if result.region.geometry.contains(s.point)]
    if not inside:
        raise DataError(_("none of the {count} sites in {label} lies inside {region}").format(
                            count=len(sites), label=label, region=result.region.name),
                        _("Check the sites' CRS, or screen the region they lie in"))
    if len(inside) < len(sites):
        result.ctx.tell(_("{outside} of {count} sites lie outside {region}; they are listed as 'outside region' and "
                          "not ranked.").format(outside=len(sites) - len(inside), count=len(sites),
                                                region=result.region.name))
    return sites


def place_user_sites(sites: Sequence[Site], result: ExclusionResult, suitability: Suitability,
                     masks: FitMasks | None = None) -> list[Site]:
    """User sites checked against the footprint: a point is kept where some fitting footprint covers it;
    a parcel moves to its best fitting position (highest suitability) or is marked as not fitting, with
    its free hectares and the share of it each rule excludes."""
    import dataclasses

    masks = masks or fit_masks(result)
    grid = result.analysis_grid
    cell_ha = grid.cell_area_m2 / 10_000.0
    footprint_ha = masks.cells.area_m2 / 10_000.0
    patches: Components | None = None
    sizes: np.ndarray | None = None
    out = []
    for site in sites:
        if not result.region.geometry.contains(site.point):
            out.append(site)
            continue
        if site.parcel is None:
            cell = _cell(result, site.point)
            if cell is None or not masks.free[cell] or masks.usable[cell]:
                out.append(site)  # outside the grid, excluded (said so by its status), or it fits
                continue
            if patches is None or sizes is None:
                patches = components(masks.free)
                sizes = patches.counts()
            free_ha = float(sizes[int(patches.label_at(np.array([cell[0]]), np.array([cell[1]]))[0])]) * cell_ha
            note = _("no {footprint:.2f} ha footprint that covers this point fits on free land; the free land "
                     "around it is {free:,.2f} ha").format(footprint=footprint_ha, free=free_ha)
            out.append(dataclasses.replace(site, fits=False, free_ha=round(free_ha, 4), note=note))
            continue
        out.append(_place_in_parcel(site, result, suitability, masks, cell_ha, footprint_ha))
    return out


def _parcel_window(parcel: BaseGeometry, result: ExclusionResult) -> tuple[int, int, int, int] | None:
    grid = result.analysis_grid
    minx, miny, maxx, maxy = parcel.bounds
    c0 = max(0, int((minx - grid.left) // grid.resolution))
    c1 = min(grid.width, int((maxx - grid.left) // grid.resolution) + 1)
    r0 = max(0, int((grid.top - maxy) // grid.resolution))
    r1 = min(grid.height, int((grid.top - miny) // grid.resolution) + 1)
    return (r0, r1, c0, c1) if r0 < r1 and c0 < c1 else None


def _place_in_parcel(site: Site, result: ExclusionResult, suitability: Suitability, masks: FitMasks,
                     cell_ha: float, footprint_ha: float) -> Site:
    import dataclasses

    grid = result.analysis_grid
    window = _parcel_window(site.parcel, result)  # type: ignore[arg-type]
    if window is None:
        return dataclasses.replace(site, fits=False, free_ha=0.0, note=_("the parcel holds no grid cell"))
    r0, r1, c0, c1 = window
    inside = burn([site.parcel], grid.subgrid(r0, r1, c0, c1))
    free = masks.free[r0:r1, c0:c1] & inside
    free_ha = round(float(np.count_nonzero(free)) * cell_ha, 4)
    fits = fit_positions(free, masks.cells, grid.resolution)
    if fits.any():
        w0, _w1, v0, _v1 = result.window
        rows, cols = np.nonzero(fits)
        values = np.array([_surface(suitability, r0 + r - w0, c0 + c - v0) for r, c in zip(rows, cols)])
        k = int(np.argmax(np.where(np.isnan(values), -np.inf, values)))
        row, col = r0 + int(rows[k]), c0 + int(cols[k])
        point = Point(grid.left + (col + 0.5) * grid.resolution, grid.top - (row + 0.5) * grid.resolution)
        return dataclasses.replace(site, point=point, free_ha=free_ha)
    parcel_cells = int(np.count_nonzero(inside))
    bits = result.bits_full[r0:r1, c0:c1]
    shares = []
    for rule in result.rules:
        hit = int(np.count_nonzero(inside & ((bits & rule.value) != 0)))
        if hit and parcel_cells:
            shares.append(_("{rule} {share:.0%}").format(rule=localised(rule.title, rule.title_nl),
                                                         share=hit / parcel_cells))
    outside = int(np.count_nonzero(inside & ~result.region_full[r0:r1, c0:c1]))
    if outside and parcel_cells:
        shares.append(_("outside the region {share:.0%}").format(share=outside / parcel_cells))
    note = _("no {footprint:.2f} ha footprint fits wholly on the parcel's free land ({free:,.2f} of {total:,.2f} ha "
             "free)").format(footprint=footprint_ha, free=free_ha, total=parcel_cells * cell_ha)
    if shares:
        note = joined("; ", [note, _("excluded: {shares}").format(shares=joined(", ", shares))])
    return dataclasses.replace(site, fits=False, free_ha=free_ha, note=note)


def _surface(suitability: Suitability, row: int, col: int) -> float:
    if 0 <= row < suitability.grid.height and 0 <= col < suitability.grid.width:
        return suitability.value_at_cell(row, col)
    return float("nan")


def _cell(result: ExclusionResult, point: Point) -> tuple[int, int] | None:
    grid = result.analysis_grid
    col = int((point.x - grid.left) // grid.resolution)
    row = int((grid.top - point.y) // grid.resolution)
    if 0 <= row < grid.height and 0 <= col < grid.width:
        return row, col
    return None


def evaluate_sites(sites: Sequence[Site], result: ExclusionResult, spec: ScoringSpec,
                   ctx: RunContext | None = None, suitability: Suitability | None = None) -> gpd.GeoDataFrame:
    """Every site scored, explained and ranked.  With ``suitability`` a site's raw values and scores are
    those the surface used at the cell holding it (the same distance method and ranges), so its score is
    the map's value under it; sites at cells the surface did not sample are measured exactly."""
    ctx = ctx or result.ctx
    if not sites:  # an empty layer that still has every column
        text = {"origin", "name", "status", "excluded_by", "footprint_note", "municipality", "province"}
        text |= {f"{c.id}_text" for c in spec.criteria} | {f"{c.id}_value" for c in spec.criteria
                                                            if c.measure == "category"}
        integer = {"site_id", "area_id", "rank"}
        columns = {c: ("object" if c in text else "int64" if c in integer else "float64") for c in site_columns(spec)}
        return empty_frame(columns, result.analysis_grid.crs)
    points = [s.point for s in sites]
    n_sites, names = len(sites), spec.names
    weights = np.asarray(spec.weights)
    values: dict[str, list] = {}
    scores = np.full((n_sites, len(names)), np.nan)
    for j, criterion in enumerate(spec.criteria):
        ctx.report(j / max(1, len(names)), _("sites: {title}").format(
            title=localised(criterion.title, criterion.title_nl)))
        measured = measure_at_sites(criterion, points, result.store)
        method = criterion.standardise
        if suitability is not None and criterion.measure != "category":
            method = suitability.standardisations.get(criterion.id, method)
            for k, point in enumerate(points):
                raw_value = suitability.raw_at(criterion.id, point.x, point.y)
                if raw_value is None or (criterion.measure == "distance" and np.isinf(raw_value)):
                    continue  # not sampled, or beyond the scoring reach: the exact distance says more
                if criterion.measure == "distance":
                    text = distance_text(raw_value, measured[k].name)
                elif criterion.measure == "population" and np.isfinite(raw_value) and \
                        isinstance(criterion.radius, (int, float)):
                    text = _("{count:,.0f} inhabitants within {km:g} km").format(count=raw_value,
                                                                                 km=criterion.radius / 1000)
                else:
                    text = value_text(criterion, raw_value if np.isfinite(raw_value) else None)
                measured[k] = SiteValue(raw_value if np.isfinite(raw_value) or criterion.measure == "distance"
                                        else None, text, measured[k].name)
        values[criterion.id] = measured
        if criterion.measure == "category":
            raw = np.array([m.value for m in measured], dtype=object)
        else:
            raw = np.array([np.nan if m.value is None else m.value for m in measured], dtype="float64")
        scores[:, j] = standardise(raw, method, criterion.id).scores
    status, reasons = [], []
    for site in sites:
        cell = _cell(result, site.point)
        inside = result.region.geometry.contains(site.point)
        value = int(result.bits_full[cell]) if cell is not None else 0
        reasons.append(describe_value(value, result.rules) if value else "")
        if not inside:
            status.append(STATUS_OUTSIDE)
        elif value and site.parcel is None:
            status.append(STATUS_EXCLUDED)
        elif not site.fits:
            status.append(STATUS_NO_FIT)
        else:
            status.append(STATUS_RANKED)
    if spec.aggregation == "owa":
        contributions = owa_weights(scores.T, weights, spec.owa_alpha).T * scores
    else:
        contributions = scores * weights[None, :]
    wlc_scores = contributions.sum(axis=1)  # the aggregate score: WLC, or OWA as on the surface
    for i in range(n_sites):
        if status[i] == STATUS_RANKED and not np.isfinite(wlc_scores[i]):
            status[i] = STATUS_UNSCORED
    ranked = np.array([s == STATUS_RANKED for s in status])
    closeness = np.full(n_sites, np.nan)
    rank = np.full(n_sites, 0)
    if ranked.any():
        closeness[ranked] = topsis(scores[ranked], weights)
        key = wlc_scores if spec.ranking == "wlc" else closeness
        rank[ranked] = ranks(key[ranked], np.array([s.site_id for s in sites])[ranked])
    admin, fields = _admin(result, ctx)
    rows: list[dict[str, Any]] = []
    for i, site in enumerate(sites):
        municipality, province = _admin_at(admin, site.point, fields)
        row: dict[str, Any] = {
            "site_id": site.site_id, "origin": site.origin, "name": site.name,
            "area_id": site.area_id if site.area_id is not None else -1,
            "status": status[i], "rank": int(rank[i]) if rank[i] else -1,
            "score": _round(wlc_scores[i]), "topsis": _round(closeness[i]),
            "excluded_by": reasons[i], "free_ha": _round(site.free_ha, 4), "footprint_note": site.note,
            "x": round(site.point.x, 1), "y": round(site.point.y, 1),
            "municipality": municipality, "province": province,
        }
        for j, criterion in enumerate(spec.criteria):
            measured = values[criterion.id][i]
            row[f"{criterion.id}_value"] = measured.value if criterion.measure == "category" else _round(
                measured.value if measured.value is not None else np.nan, 3)
            row[f"{criterion.id}_text"] = measured.text
            row[f"{criterion.id}_score"] = _round(scores[i, j])
            row[f"{criterion.id}_contribution"] = _round(contributions[i, j])
        row["geometry"] = site.point
        rows.append(row)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=result.analysis_grid.crs)
    order = sorted(range(n_sites), key=lambda k: (rank[k] == 0, rank[k], status[k], sites[k].site_id))
    return gdf.iloc[order].reset_index(drop=True)


def _round(value: float, digits: int = 6) -> float:
    value = float(value)
    return round(value, digits) if np.isfinite(value) else float("nan")


def _admin(result: ExclusionResult, ctx: RunContext) -> tuple[gpd.GeoDataFrame | None, tuple[str, str]]:
    """The municipalities and the catalogue's name fields; a layer that cannot be read is said, not hidden."""
    from ..model.errors import SmrSitingError

    entry = result.store.catalogue.get("municipalities")
    fields = (entry.name_field or "statnaam", entry.province_field or "prov_naam") if entry else ("statnaam",
                                                                                                  "prov_naam")
    try:
        return result.store.vector("municipalities"), fields
    except SmrSitingError as error:  # names are a courtesy, not a requirement — but say why they are missing
        ctx.tell(_("Ranked sites carry no municipality names: {error}").format(error=error))
        return None, fields


def _admin_at(admin: gpd.GeoDataFrame | None, point: Point, fields: tuple[str, str]) -> tuple[str, str]:
    if admin is None or len(admin) == 0:
        return "", ""
    hits = admin[admin.geometry.contains(point)]
    if not len(hits):
        return "", ""
    row = hits.iloc[0]
    return str(row.get(fields[0], "")), str(row.get(fields[1], ""))


def site_columns(spec: ScoringSpec) -> list[str]:
    head = ["site_id", "origin", "name", "area_id", "status", "rank", "score", "topsis", "excluded_by", "free_ha",
            "footprint_note", "x", "y", "municipality", "province"]
    for criterion in spec.criteria:
        head += [f"{criterion.id}_value", f"{criterion.id}_text", f"{criterion.id}_score",
                 f"{criterion.id}_contribution"]
    return head


def write_sites_csv(path: Path, gdf: gpd.GeoDataFrame, spec: ScoringSpec) -> None:
    import csv

    columns = site_columns(spec)
    columns += [c for c in gdf.columns if c not in columns and c != "geometry"]  # e.g. the regulator columns
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for _index, row in gdf.iterrows():
            writer.writerow(["" if isinstance(row[c], float) and np.isnan(row[c]) else english(row[c])
                             for c in columns])
