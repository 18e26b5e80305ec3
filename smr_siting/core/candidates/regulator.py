"""What a nuclear regulator would ask of a place, in numbers and words: people in the design's emergency
zones, within 10 km and in the worst 22.5° sector within 5–20 km, the nearest population centre of
25,000 or more, and the cooling modes the nearby water can carry — per candidate area (at its centroid;
cooling for the whole area) and per ranked site.

Only for a screening with a reactor design (``--design`` or the profile's default): the numbers come
from the design, the population from the CBS 100 m squares when present, else the kern points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import geopandas as gpd
import numpy as np

from ..config.designs import Design, mode_label, resolved_design
from ..data.cooling import fits, share_of
from ..data.population import SECTOR_NAMES, Population, read_population, sector_at, within_at
from ..model.errors import SmrSitingError
from ..model.i18n import _, joined
from ..rules import get_kind

if TYPE_CHECKING:
    from ..exclusion.compute import ExclusionResult

#: the radius and annulus the regulator columns report besides the design's zones
NEAR_RADIUS_M = 10_000.0
SECTOR_INNER_M, SECTOR_OUTER_M = 5_000.0, 20_000.0
CENTRE_SIZE = 25_000
DEFAULT_POPULATION = (("population_grid_100m", "aantalInwoners"), ("population_centres", "aantal_inwoners_2021"))

COLUMNS = {"design": "object", "population_source": "object", "evacuation_zone_km": "float64",
           "evacuation_zone_inhabitants": "float64", "sheltering_zone_km": "float64",
           "sheltering_zone_inhabitants": "float64", "inhabitants_within_10km": "float64",
           "worst_sector_inhabitants": "float64", "worst_sector_direction": "object", "nearest_centre_25k": "object",
           "nearest_centre_25k_km": "float64", "centre_distance_required_km": "float64", "cooling_modes_fit": "object",
           "cooling_flow_text": "object", "regulator_text": "object"}


@dataclass(frozen=True)
class CoolingFit:
    mode: str
    water: str
    share: float      # of the low flow
    low_flow: float


def _role(criterion: Any) -> str:
    """What the regulator columns read from this rule (its kind's ``regulator``)."""
    kind = get_kind(criterion.kind)
    return kind.regulator if kind is not None else ""


def _population(result: ExclusionResult, bounds: tuple[float, float, float, float]) -> Population | None:
    order: list[tuple[str, str]] = []
    rule = next((c for c in result.profile.criteria if _role(c) == "population"), None)
    if rule is not None:
        order = [(p["layer"], p["field"]) for p in rule.options.get("prefer", ())]
        order += [(s.layer, s.field) for s in rule.sources if s.field]
    order = order or list(DEFAULT_POPULATION)
    try:
        return read_population(result.store, order, _("Regulator facts"), bounds)
    except SmrSitingError as error:
        result.ctx.tell(_("No population around the sites: {error}").format(error=error))
        return None


def _centres(result: ExclusionResult, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame | None:
    try:
        gdf = result.store.vector("population_centres", bounds)
    except SmrSitingError:
        return None
    if "aantal_inwoners_2021" not in gdf.columns:
        return None
    return gdf[gdf["aantal_inwoners_2021"].astype(float) >= CENTRE_SIZE]


def cooling_fits(result: ExclusionResult, geometry: Any) -> list[CoolingFit] | None:
    """Per cooling mode the rule allows, the water within reach of ``geometry`` it fits with the smallest
    share of the low flow; None when the profile has no cooling_water_adequacy rule."""
    from ..rules.cooling_water_adequacy import mode_needs, water_features

    rule = next((c for c in result.profile.criteria if _role(c) == "cooling"), None)
    if rule is None:
        return None
    share = float(rule.options["value"]) / 100.0
    features = [f for f in water_features(rule, result.store) if f[2] is not None]
    near = [(flow, layer) for g, d, flow, layer, _name in features if g.distance(geometry) <= d]
    out = []
    for mode, need in mode_needs(rule):
        options = [(share_of(need, flow), flow) for flow, _layer in near if fits(need, flow, share)]
        if options:
            best_share, flow = min(options, key=lambda o: (o[0], o[1].name))
            out.append(CoolingFit(mode, flow.name, best_share, flow.low_flow_m3s))
    return out


def _cooling_words(fitting: list[CoolingFit] | None) -> tuple[str, str]:
    if fitting is None:
        return "", ""
    if not fitting:
        return "", _("no cooling mode fits the water within reach")
    parts = []
    for fit in fitting:
        if np.isinf(fit.low_flow):
            parts.append(_("{mode} from {water} (no flow limit)").format(mode=mode_label(fit.mode), water=fit.water))
        else:
            parts.append(_("{mode}: {share:.2g} % of the {water}'s low flow ({flow:,.0f} m³/s)").format(
                mode=mode_label(fit.mode), share=fit.share * 100, water=fit.water, flow=fit.low_flow))
    return joined("; ", [mode_label(f.mode) for f in fitting]), joined("; ", parts)


def facts(result: ExclusionResult, xs: Sequence[float], ys: Sequence[float],
          geometries: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    """The regulator columns for points (and, for cooling, the geometries they stand for)."""
    design = resolved_design(result.profile)
    if design is None or not len(xs):
        return []
    reach = max(NEAR_RADIUS_M, SECTOR_OUTER_M, design.value("sheltering_zone"), design.value("evacuation_zone"))
    bounds = (min(xs) - reach - 200, min(ys) - reach - 200, max(xs) + reach + 200, max(ys) + reach + 200)
    population = _population(result, bounds)
    centres = _centres(result, (bounds[0] - 50_000, bounds[1] - 50_000, bounds[2] + 50_000, bounds[3] + 50_000))
    evac_r, shelter_r = design.value("evacuation_zone"), design.value("sheltering_zone")
    lpz = design.value("low_population_zone") * 4 / 3
    if population is not None:
        evac = within_at(population, xs, ys, evac_r)
        shelter = within_at(population, xs, ys, shelter_r)
        near = within_at(population, xs, ys, NEAR_RADIUS_M)
    rows = []
    from shapely.geometry import Point

    for i, (x, y) in enumerate(zip(xs, ys)):
        point = Point(x, y)
        row: dict[str, Any] = {"design": design.name, "evacuation_zone_km": evac_r / 1000,
                               "sheltering_zone_km": shelter_r / 1000, "centre_distance_required_km": round(lpz / 1000, 3)}
        words = []
        if population is not None:
            worst, sector = sector_at(population, x, y, SECTOR_INNER_M, SECTOR_OUTER_M)
            row.update({"population_source": population.layer, "evacuation_zone_inhabitants": float(evac[i]),
                        "sheltering_zone_inhabitants": float(shelter[i]), "inhabitants_within_10km": float(near[i]),
                        "worst_sector_inhabitants": worst, "worst_sector_direction": SECTOR_NAMES[sector]})
            words.append(_("{evac:,.0f} inhabitants within the {r:g} km evacuation zone, {shelter:,.0f} within the "
                           "{s:g} km sheltering zone, {near:,.0f} within 10 km; worst 22.5° sector 5–20 km: "
                           "{worst:,.0f} ({direction})").format(
                evac=evac[i], r=evac_r / 1000, shelter=shelter[i], s=shelter_r / 1000, near=near[i], worst=worst,
                direction=SECTOR_NAMES[sector]))
        if centres is not None and len(centres):
            distances = centres.geometry.distance(point).to_numpy()
            k = int(np.argmin(distances))
            name = str(centres.iloc[k]["kern_naam"]) if "kern_naam" in centres.columns else ""
            row.update({"nearest_centre_25k": name, "nearest_centre_25k_km": round(float(distances[k]) / 1000, 2)})
            words.append(_("{km:.1f} km to {name} (≥ 25,000; 10 CFR 100.11 asks {lpz:.1f} km)").format(
                km=distances[k] / 1000, name=name, lpz=lpz / 1000))
        geometry = geometries[i] if geometries is not None else point
        modes, text = _cooling_words(cooling_fits(result, geometry))
        row.update({"cooling_modes_fit": modes, "cooling_flow_text": text})
        if text:
            words.append(text)
        row["regulator_text"] = joined("; ", words)
        rows.append(row)
    return rows


def annotate_areas(areas: gpd.GeoDataFrame, result: ExclusionResult) -> gpd.GeoDataFrame:
    """Candidate areas with the regulator columns (for a screening with a design; else unchanged)."""
    if resolved_design(result.profile) is None:
        return areas
    areas = areas.copy()
    if len(areas) == 0:
        for column, dtype in COLUMNS.items():
            areas[column] = np.array([], dtype=dtype)
        return areas
    rows = facts(result, list(areas["centroid_x"]), list(areas["centroid_y"]), list(areas.geometry))
    for column in COLUMNS:
        areas[column] = [row.get(column, "" if COLUMNS[column] == "object" else np.nan) for row in rows]
    return areas[[c for c in areas.columns if c != "geometry"] + ["geometry"]]  # geometry last, as before


def design_of(result: ExclusionResult) -> Design | None:
    return resolved_design(result.profile)


def check_rank_design(request: Any, profile: Any, name: str) -> None:
    """``rank --design NAME`` on a screening made with another design is refused (before any work)."""
    from ..config.designs import ProfileDesign, load_design

    used = request.design or (profile.design.default if isinstance(profile.design, ProfileDesign) else None)
    asked = load_design(name).name
    if used is not None and load_design(used).name != asked:
        raise SmrSitingError(_("this screening used design {used!r}, not {asked!r}").format(
            used=load_design(used).name, asked=asked),
            _("Rank without --design, or screen again with --design {asked}").format(asked=asked))


def attach_rank_design(result: ExclusionResult, name: str) -> None:
    """``rank --design NAME``: the design of the regulator columns.  A screening made with a design must be
    ranked with that design (its footprint and rules depend on it); one made without keeps its footprint and
    rules, and the design only feeds the columns."""
    import dataclasses

    from ..config.designs import ProfileDesign, load_design

    current = resolved_design(result.profile)
    design = load_design(name)
    if current is not None:
        if current.name != design.name:
            raise SmrSitingError(_("this screening used design {used!r}, not {asked!r}").format(
                used=current.name, asked=design.name),
                _("Rank without --design, or screen again with --design {asked}").format(asked=design.name))
        return
    section = result.profile.design if isinstance(result.profile.design, ProfileDesign) else ProfileDesign()
    result.profile = dataclasses.replace(result.profile, design=dataclasses.replace(section, resolved=design))
    result.ctx.tell(_("Design {name} feeds the regulator columns only: the screening was made without a design, "
                      "so its footprint and rules stay as they were.").format(name=design.name))


def annotate_sites(table: gpd.GeoDataFrame, summary: dict, result: ExclusionResult) -> tuple[gpd.GeoDataFrame, dict]:
    """Ranked sites with the regulator columns, and the design in ranking.json (screenings with a design)."""
    design = resolved_design(result.profile)
    if design is None:
        return table, summary
    table = table.copy()
    rows = facts(result, [p.x for p in table.geometry], [p.y for p in table.geometry]) if len(table) else []
    for column in COLUMNS:
        values = [row.get(column, "" if COLUMNS[column] == "object" else np.nan) for row in rows]
        table[column] = np.array(values, dtype=COLUMNS[column]) if not values else values
    summary = dict(summary, design=design.report(result.request.footprint_ha))
    return table[[c for c in table.columns if c != "geometry"] + ["geometry"]], summary
