"""Helpers shared by the criterion kinds."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..errors import ProfileError
from ..geometry import EDT_VERTEX_THRESHOLD, vertex_count, within_distance_buffer, within_distance_edt
from ..grid import Grid
from ..i18n import _
from ..layers import LayerStore, apply_where, feature_distances
from ..profile import Criterion, Source
from ..progress import RunContext
from ..yamlpos import LineDict

METHODS = ("auto", "buffer", "edt")


def parse_method(raw: LineDict, where: str) -> Mapping[str, Any]:
    method = str(raw.get("method", "auto"))
    if method not in METHODS:
        raise ProfileError(_("unknown distance method {method!r}").format(method=method),
                           _("Use one of: {choices}").format(choices=", ".join(METHODS)), where)
    return {"method": method}


def source_features(source: Source, criterion: Criterion, store: LayerStore) -> tuple[Any, str]:
    label = _("{layer} in rule {rule!r}").format(layer=store.label(source.layer), rule=criterion.id)
    gdf = store.vector(source.layer)
    if source.where:
        before = len(gdf)
        gdf = apply_where(gdf, source.where, label)
        conditions = " {} ".format(_("and")).join(c.describe() for c in source.where)
        store.ctx.tell(_("Rule {rule!r}: {count} of {total} features of {layer!r} near the region "
                         "match {conditions}.").format(rule=criterion.id, count=len(gdf), total=before,
                                                       layer=source.layer, conditions=conditions))
    return gdf, label


def within_any(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    """True where a cell is within the given distance of a feature of any of the rule's layers."""
    hit = np.zeros(grid.shape, dtype=bool)
    method = criterion.options.get("method", "auto")
    for number, source in enumerate(criterion.sources):
        ctx.report(number / max(1, len(criterion.sources)), f"{criterion.id}: {source.layer}")
        gdf, label = source_features(source, criterion, store)
        if len(gdf) == 0:
            continue
        assert source.distance is not None
        distances = feature_distances(gdf, source.distance, label)
        usable = ~np.isnan(distances)
        geoms = list(gdf.geometry.values[usable])
        distances = distances[usable]
        if not geoms:
            continue
        use_edt = method == "edt"
        if method == "auto" and source.distance.is_constant:
            use_edt = sum(vertex_count(g) for g in geoms) > EDT_VERTEX_THRESHOLD
        if use_edt:
            if not source.distance.is_constant:
                raise ProfileError(_("rule {rule!r}: method 'edt' needs one distance, not distance bands").format(
                    rule=criterion.id), _("Use method 'buffer' or 'auto'"), f"{criterion.id}")
            hit |= within_distance_edt(geoms, float(distances[0]), grid)
        else:
            hit |= within_distance_buffer(geoms, list(distances), grid)
    return hit
