"""The benchmark's plan: the profile's rules as plain data (files, SQL filters, distances) for every contender.

Built with the engine's own profile parser, catalogue and grid, so that every contender screens the same
layers, with the same filters and distances, on the same grid.  Only the engine contender and this module
import smr_siting; the others read the plan (JSON) and nothing else of ours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.data.layers import LayerStore
from smr_siting.core.data.region import resolve_region
from smr_siting.core.data.sources import resolve_profile
from smr_siting.core.model.grid import snap_grid
from smr_siting.core.model.profile import Condition
from smr_siting.core.rules import load_profile

#: the sweep of the whole-pipeline benchmark: one rule's one distance at four values, all within the profile's
#: largest distance, so that the analysis grid (and so the comparison) stays the same for every value
SWEEP_RULE = "cooling_water"
SWEEP_VALUES_M = (1000.0, 2000.0, 5000.0, 10000.0)


def _sql_value(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def condition_sql(cond: Condition) -> str:
    """A profile filter as an OGR (SQLite) WHERE term; missing values pass only with keep_missing."""
    name = cond.field if cond.field.isidentifier() else '"' + cond.field.replace('"', '""') + '"'
    if cond.op in ("in", "not in"):
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        term = f"{name} {'IN' if cond.op == 'in' else 'NOT IN'} ({', '.join(_sql_value(v) for v in values)})"
    else:
        op = {"==": "=", "!=": "<>"}.get(cond.op, cond.op)
        term = f"{name} {op} {_sql_value(cond.value)}"
    if cond.keep_missing:
        return f"({term} OR {name} IS NULL)"
    return f"({term} AND {name} IS NOT NULL)"


def _conditions(conds: tuple[Condition, ...]) -> list[dict]:
    return [{"field": c.field, "op": c.op, "value": list(c.value) if isinstance(c.value, tuple) else c.value,
             "keep_missing": c.keep_missing} for c in conds]


def build_plan(region: str, data_dir: Path, profile_name: str = "nl-default", resolution: float | None = None) -> dict:
    catalogue = load_catalogue()
    profile = load_profile(profile_name, catalogue.ids)
    store = LayerStore(catalogue, data_dir, {})
    # the layer each entry uses (sources in order of authority), as compute_exclusion picks them
    profile, _choices = resolve_profile(profile, store.absence)
    res = float(resolution or profile.resolution_m)
    found = resolve_region(region, store)
    margin = profile.max_distance_m + 2 * res
    grid = snap_grid(found.geometry.bounds, res, margin)  # as compute_exclusion
    window = grid.window_for(found.geometry.bounds)
    rules = []
    for criterion in profile.criteria:
        sources = []
        for source in criterion.sources:
            located, _origin = store.locate(source.layer)
            entry: dict[str, Any] = {
                "layer_id": source.layer, "path": str(located.path), "layer": located.layer,
                "where": " AND ".join(condition_sql(c) for c in source.where) or None,
                "conditions": _conditions(source.where), "buffer": source.buffer_m, "distance": None, "bands": [],
            }
            if source.distance is not None and source.distance.is_constant:
                entry["distance"] = float(source.distance.metres)
            elif source.distance is not None:
                field = source.distance.field
                for band in source.distance.bands:
                    extra = [Condition(field, ">=", band.lower)]
                    if band.upper is not None:
                        extra.append(Condition(field, "<", band.upper))
                    entry["bands"].append({
                        "metres": band.metres,
                        "where": " AND ".join(condition_sql(c) for c in (*source.where, *extra)),
                        "conditions": _conditions((*source.where, *extra))})
            sources.append(entry)
        if criterion.kind not in ("zone_membership", "exclude_inside", "exclude_within", "require_within"):
            raise SystemExit(f"benchmark: rule {criterion.id}: kind {criterion.kind} has no GDAL/atlite equivalent here")
        rules.append({"id": criterion.id, "kind": criterion.kind, "mode": criterion.options.get("mode"),
                      "sources": sources})
    return {
        "region": found.name, "profile": profile.name, "crs": grid.crs,
        "region_source": _region_source(found, store, catalogue),
        "scoring": _scoring(profile, store),
        "sweep": _sweep(profile, rules),
        "grid": {"left": grid.left, "top": grid.top, "resolution": grid.resolution, "width": grid.width,
                 "height": grid.height, "bounds": list(grid.bounds)},
        "window": list(window),
        "read_bounds": list(grid.expanded_bounds(margin)),
        "rules": rules,
    }


def _source_entry(store: LayerStore, layer_id: str, where: tuple[Condition, ...]) -> dict:
    located, _origin = store.locate(layer_id)
    return {"layer_id": layer_id, "path": str(located.path), "layer": located.layer,
            "where": " AND ".join(condition_sql(c) for c in where) or None}


def _region_source(found: Any, store: LayerStore, catalogue: Any) -> dict:
    """The region's polygon as a layer and filter (for a contender that burns it itself)."""
    for layer_id, kind in (("provinces", "province"), ("municipalities", "municipality")):
        if found.kind == kind:
            entry = catalogue.get(layer_id)
            field = (entry.name_field if entry else None) or "statnaam"
            return _source_entry(store, layer_id, (Condition(field, "==", found.name),))
    raise SystemExit(f"benchmark: region {found.name} is a {found.kind}, not a province or municipality")


def _scoring(profile: Any, store: LayerStore) -> dict | None:
    """The scoring section as plain data: per criterion its layers and filters, the measure, the field, the
    standardisation (metres and scores) and its weight."""
    spec = profile.scoring
    if spec is None:
        return None
    criteria = []
    for criterion, weight in zip(spec.criteria, spec.weights):
        if criterion.measure not in ("distance", "value"):
            raise SystemExit(f"benchmark: scoring criterion {criterion.id}: measure {criterion.measure} has no "
                             "GDAL equivalent here")
        if any(s.min_width_m or s.min_area_m2 for s in criterion.sources):
            raise SystemExit(f"benchmark: scoring criterion {criterion.id}: min_width/min_area (opening water "
                             "polygons) has no GDAL equivalent here")
        st = criterion.standardise
        if st.method not in ("linear", "sigmoid") or (st.method == "linear" and not st.points):
            raise SystemExit(f"benchmark: scoring criterion {criterion.id}: standardisation {st.describe()} has no "
                             "formula here")
        criteria.append({
            "id": criterion.id, "measure": criterion.measure, "field": criterion.field, "weight": float(weight),
            "sources": [_source_entry(store, s.layer, s.where) for s in criterion.sources],
            "standardise": {"method": st.method, "direction": st.direction,
                            "points": [list(p) for p in st.points], "control": list(st.control)}})
    return {"aggregation": spec.aggregation, "ranking": spec.ranking, "criteria": criteria}


def _sweep(profile: Any, rules: list[dict]) -> dict:
    """The sweep: :data:`SWEEP_RULE` at :data:`SWEEP_VALUES_M` (checked: one constant distance, grid kept)."""
    rule = next((r for r in rules if r["id"] == SWEEP_RULE), None)
    if rule is None or any(s["distance"] is None for s in rule["sources"]):
        raise SystemExit(f"benchmark: the sweep needs rule {SWEEP_RULE} with one constant distance per source")
    if max(SWEEP_VALUES_M) > profile.max_distance_m:
        raise SystemExit(f"benchmark: a sweep value beyond {profile.max_distance_m:g} m would change the grid")
    text = f"{SWEEP_RULE}=" + ",".join(f"{v / 1000:g}km" for v in SWEEP_VALUES_M)
    return {"rule": SWEEP_RULE, "values": list(SWEEP_VALUES_M), "text": text,
            "baseline": sorted({s["distance"] for s in rule["sources"]})}


if __name__ == "__main__":  # python benchmarks/plan.py REGION DATA: print the plan
    import sys

    print(json.dumps(build_plan(sys.argv[1], Path(sys.argv[2])), indent=1))
