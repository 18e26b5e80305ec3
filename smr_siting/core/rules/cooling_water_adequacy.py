"""``cooling_water_adequacy``: keep cells near water whose low flow can carry the design's cooling.

For each cooling mode of the reactor design that the rule allows (``modes``), the withdrawal at
full output (electrical MWe × L/MWh) is compared with ``max_share`` of the low flow of each water
feature within ``distance`` (the flows come from ``layers/river_flows.csv``, keyed to the layer id and
the feature's name in ``field``; the sea and large lakes have no flow limit).  A cell is excluded
when no allowed mode fits any water within reach; which modes fit where is reported per candidate
area.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..config.designs import COOLING_MODES, DesignRef, mode_label
from ..config.yamlpos import LineDict
from ..data.cooling import FLOWS_FILE, fits, flow_of, flows_path, load_flows
from ..data.geometry import within_distance_buffer
from ..data.layers import LayerStore, feature_distances
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._common import source_features
from .base import CriterionKind


def parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    share = raw.get("max_share")
    text = str(share).strip() if share is not None else ""
    try:
        percent = float(text.rstrip("%").strip()) if text.endswith("%") else None
    except ValueError:
        percent = None
    if percent is None or not 0 < percent <= 100:
        raise ProfileError(_("'max_share' is missing or not a percentage like '10 %'"),
                           _("Write e.g. 'max_share: 10 %' (the largest share of the low flow one plant may take)"),
                           where)
    modes = raw.get("modes", ["once_through", "wet_tower"])
    if not isinstance(modes, list) or not modes or any(m not in COOLING_MODES for m in modes):
        raise ProfileError(_("'modes' must list cooling modes from {modes}").format(modes=", ".join(COOLING_MODES)),
                           _("Write e.g. 'modes: [once_through, wet_tower]'"), where)
    flows = str(raw.get("flows", FLOWS_FILE))
    # 'value' and 'unit' make the share sweepable like a threshold (--sweep RULE.threshold=5,10,20)
    return {"value": percent, "unit": "%", "modes": tuple(modes), "flows": flows,
            "cooling": DesignRef("cooling"), "electrical_output": DesignRef("electrical_output")}


def water_features(criterion: Criterion, store: LayerStore) -> list[tuple[Any, float, Any, str, str | None]]:
    """(geometry, distance in m, Flow or None, layer id, name) for every water feature of the rule's layers."""
    flows = load_flows(flows_path(criterion.options["flows"]))
    out = []
    for source in criterion.sources:
        gdf, label = source_features(source, criterion, store)
        if len(gdf) == 0:
            continue
        assert source.distance is not None
        distances = feature_distances(gdf, source.distance, label)
        names = gdf[source.field].tolist() if source.field and source.field in gdf.columns else [None] * len(gdf)
        for geometry, distance, name in zip(gdf.geometry.values, distances, names):
            clean = None if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
            out.append((geometry, float(distance), flow_of(flows, source.layer, clean), source.layer, clean))
    return out


def mode_needs(criterion: Criterion) -> list[tuple[str, float]]:
    """(mode, m³/s withdrawn) for the modes the rule allows and the design offers."""
    options = criterion.options
    mwe = float(options["electrical_output"])
    offered = {c.mode: c for c in options["cooling"]}
    return [(m, offered[m].withdrawal_m3s(mwe)) for m in options["modes"] if m in offered]


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    options = criterion.options
    share = float(options["value"]) / 100.0
    needs = mode_needs(criterion)
    if not needs:
        ctx.tell(_("Rule {rule!r}: the design offers none of the allowed cooling modes ({modes}); every cell is "
                   "excluded.").format(rule=criterion.id, modes=", ".join(mode_label(m) for m in options["modes"])))
        return np.ones(grid.shape, dtype=bool)
    features = water_features(criterion, store)
    unknown = sorted({f"{layer}:{name or '?'}" for _g, _d, flow, layer, name in features if flow is None})
    if unknown:
        ctx.tell(_("Rule {rule!r}: water without a low-flow figure in {table} is not counted: {names}.").format(
            rule=criterion.id, table=options["flows"], names=", ".join(unknown[:12])))
    usable = [(g, d) for g, d, flow, _layer, _name in features
              if flow is not None and any(fits(need, flow, share) for _mode, need in needs)]
    for mode, need in needs:
        fitting = sorted({flow.name for _g, _d, flow, _l, _n in features if flow is not None and fits(need, flow, share)})
        ctx.tell(_("Rule {rule!r}: {mode} withdraws {need:.2f} m³/s at full output; at most {share:g} % of the low "
                   "flow: {waters}.").format(rule=criterion.id, mode=mode_label(mode), need=need,
                                                share=share * 100,
                                                waters=", ".join(fitting[:10]) if fitting else _("no water fits")))
    near = np.zeros(grid.shape, dtype=bool)
    if usable:
        within_distance_buffer([g for g, _d in usable], [d for _g, d in usable], grid, out=near)
    return ~near


KIND = CriterionKind(
    name="cooling_water_adequacy",
    regulator="cooling",
    summary=N_("Exclude cells with no water within reach whose low flow carries one of the design's allowed "
               "cooling modes (withdrawal at most 'max_share' of the low flow)."),
    evaluate=evaluate,
    criterion_keys=frozenset({"max_share", "modes", "flows"}),
    source_keys=frozenset({"distance", "field"}),
    required_source_keys=frozenset({"distance"}),
    parse_options=parse_options,
    examples=("- id: cooling_water\n  kind: cooling_water_adequacy\n  max_share: 10 %\n"
              "  modes: [once_through, wet_tower]\n  layers:\n    - {layer: rivers_major, field: name, distance: 3 km}\n"
              "    - {layer: sea, distance: 3 km}",),
)
