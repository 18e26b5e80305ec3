"""Helpers shared by the criterion kinds."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import numpy as np

from ..config.yamlpos import LineDict
from ..data.geometry import (
    EDT_VERTEX_THRESHOLD,
    large_water_parts,
    vertex_count,
    within_distance_buffer,
    within_distance_edt,
)
from ..data.layers import LayerStore, apply_where, feature_distances, polygons_only, unbanded_features
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import _, joined
from ..model.profile import Criterion, Source
from ..model.progress import RunContext
from ..model.units import format_length

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
        conditions = joined(joined("", [" ", _("and"), " "]), [c.describe() for c in source.where])
        store.ctx.tell(_("Rule {rule!r}: {count} of {total} features of {layer!r} near the region "
                         "match {conditions}.").format(rule=criterion.id, count=len(gdf), total=before,
                                                       layer=source.layer, conditions=conditions))
    if (source.min_area_m2 > 0 or source.min_width_m > 0) and len(gdf):
        gdf = large_parts(gdf, source, criterion, store, label)
    return gdf, label


def large_parts(gdf: Any, source: Source, criterion: Criterion, store: LayerStore, label: str) -> Any:
    """The features dissolved into connected parts, narrower parts than ``source.min_width_m`` opened away
    and parts smaller than ``source.min_area_m2`` dropped (:func:`~smr_siting.core.data.geometry.large_water_parts`).

    E.g. TOP10NL water polygons: a river is cut into many polygons (at bridges, locks, name changes), so
    the thresholds apply to the connected water body, not to each piece.  Attributes are dropped, so these
    keys do not go with distance bands or a value field."""
    import geopandas as gpd

    if source.field or (source.distance is not None and not source.distance.is_constant):
        raise ProfileError(_("rule {rule!r}: 'min_area' and 'min_width' dissolve the features of {layer!r}, so "
                             "they cannot be combined with distance bands or a value field").format(
                                 rule=criterion.id, layer=source.layer),
                           _("Use one distance, or drop 'min_area' and 'min_width'"), criterion.id)
    purpose = _("rule {rule!r} (min_area, min_width)").format(rule=criterion.id)
    big = large_water_parts(polygons_only(gdf, label, purpose), source.min_width_m, source.min_area_m2)
    store.ctx.tell(_("Rule {rule!r}: of the {count} features of {layer!r} near the region, {big} connected "
                     "part(s) at least {width:g} m wide and {area} large count.").format(
        rule=criterion.id, count=len(gdf), layer=source.layer, big=len(big), width=source.min_width_m,
        area=_area_text(source.min_area_m2)))
    return gpd.GeoDataFrame({"geometry": big}, geometry="geometry", crs=gdf.crs)


def distance_features(source: Source, criterion: Criterion, store: LayerStore) -> tuple[list, np.ndarray]:
    """The features of one source of a distance rule that have a distance, and their distances in metres."""
    gdf, label = source_features(source, criterion, store)
    if len(gdf) == 0:
        return [], np.zeros(0)
    assert source.distance is not None
    unbanded = unbanded_features(gdf, source.distance, label)
    distances = feature_distances(gdf, source.distance, label)
    if unbanded:
        store.ctx.tell(_("Rule {rule!r}: {count} of {total} features of {layer!r} have no usable {field!r} (missing, "
                         "negative or outside every band); they get the largest band's distance, {length} "
                         "(missing: largest band).").format(
            rule=criterion.id, count=unbanded, total=len(gdf), layer=source.layer, field=source.distance.field,
            length=format_length(max(b.metres for b in source.distance.bands))))
    usable = ~np.isnan(distances)
    return list(gdf.geometry.values[usable]), distances[usable]


def uses_edt(criterion: Criterion, number: int, source: Source, geoms: list) -> bool:
    """Whether source ``number`` of a distance rule is measured by the distance transform (else by buffers).

    ``auto`` picks the transform for very dense geometry with one distance.  A tiled run
    (:mod:`smr_siting.core.pipeline.tiled`) makes this choice once, on the features an untiled run reads, and
    pins it in ``options['source_methods']``: every tile then measures the way the untiled run does."""
    pinned = criterion.options.get("source_methods")
    if pinned is not None:
        return pinned[number] == "edt"
    method = criterion.options.get("method", "auto")
    if method == "auto":
        assert source.distance is not None
        return source.distance.is_constant and sum(vertex_count(g) for g in geoms) > EDT_VERTEX_THRESHOLD
    return method == "edt"


def within_any(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    """True where a cell is within the given distance of a feature of any of the rule's layers."""
    hit = np.zeros(grid.shape, dtype=bool)
    for number, source in enumerate(criterion.sources):
        ctx.report(number / max(1, len(criterion.sources)), f"{criterion.id}: {source.layer}")
        geoms, distances = distance_features(source, criterion, store)
        if not geoms:
            continue
        assert source.distance is not None
        if uses_edt(criterion, number, source, geoms):
            if not source.distance.is_constant:
                raise ProfileError(_("rule {rule!r}: method 'edt' needs one distance, not distance bands").format(
                    rule=criterion.id), _("Use method 'buffer' or 'auto'"), f"{criterion.id}")
            hit |= within_distance_edt(geoms, float(distances[0]), grid, call=ctx.call)
        else:
            within_distance_buffer(geoms, list(distances), grid, out=hit, check=ctx.check_cancelled, call=ctx.call)
        ctx.check_cancelled()
    return hit


def _area_text(square_metres: float) -> str:
    if square_metres >= 1_000_000:
        return f"{square_metres / 1_000_000:g} km²"
    return f"{square_metres / 10_000:g} ha"


def pin_source_methods(criterion: Criterion, store: LayerStore) -> Criterion:
    """Buffers or a distance transform per source, decided on the features the untiled run reads and pinned in
    ``source_methods`` (the distance kinds' :attr:`~smr_siting.core.rules.base.CriterionKind.prepare_tiles`)."""
    if "source_methods" in criterion.options:
        return criterion
    methods = []
    for number, source in enumerate(criterion.sources):
        geoms, _distances = distance_features(source, criterion, store)
        methods.append("edt" if geoms and uses_edt(criterion, number, source, geoms) else "buffer")
    return dataclasses.replace(criterion, options={**criterion.options, "source_methods": tuple(methods)})
