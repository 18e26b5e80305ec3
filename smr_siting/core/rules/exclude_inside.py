"""``exclude_inside``: exclude cells inside the polygons of a layer, optionally grown by a buffer."""

from __future__ import annotations

import numpy as np

from ..data.geometry import buffered, burn_into
from ..data.layers import LayerStore, polygons_only
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._common import source_features
from .base import CriterionKind
from .sweep import distance_targets


def sweep_targets(criterion: Criterion) -> list[str]:
    """Distances as for every kind, and the buffers (``RULE.LAYER.buffer``; ``RULE`` when they are all equal)."""
    return distance_targets(criterion, buffers=True)


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    mask = np.zeros(grid.shape, dtype=bool)
    for source in criterion.sources:
        ctx.check_cancelled()
        gdf, label = source_features(source, criterion, store)
        ctx.check_cancelled()
        if len(gdf) == 0:
            continue
        if source.buffer_m > 0:
            geoms = list(gdf.geometry.values)
            shapes = buffered(geoms, [source.buffer_m] * len(geoms), grid, ctx.check_cancelled, ctx.call)
        else:
            purpose = _("rule {rule!r} (exclude inside, no buffer)").format(rule=criterion.id)
            shapes = polygons_only(gdf, label, purpose)
        ctx.check_cancelled()
        ctx.call(burn_into, mask, shapes, grid)
    ctx.check_cancelled()
    return mask


KIND = CriterionKind(
    name="exclude_inside",
    wording=N_("excluded inside"),
    summary=N_("Exclude cells inside the polygons of a layer, optionally grown by a buffer (e.g. Natura 2000)."),
    evaluate=evaluate,
    source_keys=frozenset({"buffer"}),
    sweep_targets=sweep_targets,
    examples=("- id: natura2000\n  kind: exclude_inside\n  layers: [{layer: natura2000, buffer: 250 m}]",),
)
