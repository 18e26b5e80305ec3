"""Candidate sites and their ranking, with per-criterion explanations.

Sites come from the user (points or parcels, any CRS) or are the best place in each candidate
area (the fitting footprint position with the highest suitability).  Every site gets: status
(ranked / excluded / outside the region / not scored), the rules that exclude it, each scoring
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

from ..candidates import fit_and_usable, footprint_cells
from ..errors import DataError
from ..exclusion import describe_value
from ..geometry import burn_values
from ..i18n import _, localised
from ..layers import LayerInput
from ..progress import RunContext
from .aggregate import ranks, topsis
from .measures import measure_at_sites
from .spec import ScoringSpec
from .standardise import standardise
from .suitability import Suitability

if TYPE_CHECKING:
    from ..screen import ExclusionResult

STATUS_RANKED = "ranked"
STATUS_EXCLUDED = "excluded"
STATUS_OUTSIDE = "outside region"
STATUS_UNSCORED = "not scored"


@dataclass(frozen=True)
class Site:
    site_id: int
    origin: str  # 'candidate area' or 'user'
    name: str
    point: Point
    area_id: int | None = None


def best_sites_in_areas(result: ExclusionResult, suitability: Suitability, areas: gpd.GeoDataFrame) -> list[Site]:
    """Per candidate area the fitting footprint position with the highest suitability."""
    if len(areas) == 0:
        return []
    cells = footprint_cells(result.footprint, result.analysis_grid.resolution)
    fits_full, _usable = fit_and_usable(result.bits_full == 0, cells, result.analysis_grid.resolution)
    r0, r1, c0, c1 = result.window
    fits = fits_full[r0:r1, c0:c1] & result.region_mask
    grid = suitability.grid
    labels = burn_values([(g, float(i)) for g, i in zip(areas.geometry, areas["area_id"])], grid)
    sites = []
    surface = np.where(np.isnan(suitability.surface), -np.inf, suitability.surface)
    for area_id in areas["area_id"]:
        mask = fits & (labels == float(area_id))
        if not mask.any():
            continue
        flat = np.where(mask, surface, -np.inf).ravel()
        k = int(np.argmax(flat))
        row, col = divmod(k, grid.width)
        x = grid.left + (col + 0.5) * grid.resolution
        y = grid.top - (row + 0.5) * grid.resolution
        sites.append(Site(len(sites) + 1, "candidate area",
                          _("best place in candidate area {area}").format(area=int(area_id)), Point(x, y), int(area_id)))
    return sites


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
        result.ctx.tell(_("{label}: parcels are judged at their representative point.").format(label=label))
    name_field = name_field or next((c for c in ("name", "naam", "site", "locatie") if c in gdf.columns), None)
    sites = []
    for i, (_index, row) in enumerate(gdf.iterrows(), start=1):
        geometry = row.geometry
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        name = str(row[name_field]) if name_field else _("site {number}").format(number=i)
        sites.append(Site(i, "user", name, point))
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


def _cell(result: ExclusionResult, point: Point) -> tuple[int, int] | None:
    grid = result.analysis_grid
    col = int((point.x - grid.left) // grid.resolution)
    row = int((grid.top - point.y) // grid.resolution)
    if 0 <= row < grid.height and 0 <= col < grid.width:
        return row, col
    return None


def evaluate_sites(sites: Sequence[Site], result: ExclusionResult, spec: ScoringSpec,
                   ctx: RunContext | None = None) -> gpd.GeoDataFrame:
    ctx = ctx or result.ctx
    if not sites:  # an empty layer that still has every column
        from ..outputs import empty_frame

        text = {"origin", "name", "status", "excluded_by", "municipality", "province"}
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
        values[criterion.id] = measured
        raw = np.array([m.value for m in measured], dtype=object if criterion.measure == "category" else "float64")
        scores[:, j] = standardise(raw, criterion.standardise, criterion.id).scores
    status, reasons = [], []
    for site in sites:
        cell = _cell(result, site.point)
        inside = result.region.geometry.contains(site.point)
        value = int(result.bits_full[cell]) if cell is not None else 0
        reasons.append(describe_value(value, result.rules) if value else "")
        if not inside:
            status.append(STATUS_OUTSIDE)
        elif value:
            status.append(STATUS_EXCLUDED)
        else:
            status.append(STATUS_RANKED)
    wlc_scores = scores @ weights
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
    admin = _admin(result)
    rows: list[dict[str, Any]] = []
    for i, site in enumerate(sites):
        municipality, province = _admin_at(admin, site.point)
        row: dict[str, Any] = {
            "site_id": site.site_id, "origin": site.origin, "name": site.name,
            "area_id": site.area_id if site.area_id is not None else -1,
            "status": status[i], "rank": int(rank[i]) if rank[i] else -1,
            "score": _round(wlc_scores[i]), "topsis": _round(closeness[i]),
            "excluded_by": reasons[i], "x": round(site.point.x, 1), "y": round(site.point.y, 1),
            "municipality": municipality, "province": province,
        }
        for j, criterion in enumerate(spec.criteria):
            measured = values[criterion.id][i]
            row[f"{criterion.id}_value"] = measured.value if criterion.measure == "category" else _round(
                measured.value if measured.value is not None else np.nan, 3)
            row[f"{criterion.id}_text"] = measured.text
            row[f"{criterion.id}_score"] = _round(scores[i, j])
            row[f"{criterion.id}_contribution"] = _round(scores[i, j] * weights[j])
        row["geometry"] = site.point
        rows.append(row)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=result.analysis_grid.crs)
    order = sorted(range(n_sites), key=lambda k: (rank[k] == 0, rank[k], status[k], sites[k].site_id))
    return gdf.iloc[order].reset_index(drop=True)


def _round(value: float, digits: int = 6) -> float:
    value = float(value)
    return round(value, digits) if np.isfinite(value) else float("nan")


def _admin(result: ExclusionResult) -> gpd.GeoDataFrame | None:
    try:
        return result.store.vector("municipalities")
    except Exception:  # noqa: BLE001 - names are a courtesy, not a requirement
        return None


def _admin_at(admin: gpd.GeoDataFrame | None, point: Point) -> tuple[str, str]:
    if admin is None or len(admin) == 0:
        return "", ""
    hits = admin[admin.geometry.contains(point)]
    if not len(hits):
        return "", ""
    row = hits.iloc[0]
    return str(row.get("statnaam", "")), str(row.get("prov_naam", ""))


def site_columns(spec: ScoringSpec) -> list[str]:
    head = ["site_id", "origin", "name", "area_id", "status", "rank", "score", "topsis", "excluded_by", "x", "y",
            "municipality", "province"]
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
            writer.writerow(["" if isinstance(row[c], float) and np.isnan(row[c]) else row[c] for c in columns])
