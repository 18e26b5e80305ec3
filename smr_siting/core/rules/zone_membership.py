"""``zone_membership``: a cell must lie inside (``mode: inside``) or outside (``mode: outside``) a set of zones.

E.g. only inside the hyperscale-datacentre zones of Bkl art. 5.161bb, or only inside the
Netherlands (where the data describe the land).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..config.yamlpos import LineDict
from ..data.geometry import burn_into
from ..data.layers import LayerStore, polygons_only
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._common import source_features
from .base import CriterionKind

MODES = ("inside", "outside")


def parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    if "mode" not in raw:
        raise ProfileError(_("'mode' is missing for a zone_membership rule"),
                           _("Add 'mode: inside' (must be inside a zone) or 'mode: outside'"), where)
    mode = str(raw["mode"])
    if mode not in MODES:
        raise ProfileError(_("unknown mode {mode!r}").format(mode=mode),
                           _("Use 'inside' (must be inside a zone) or 'outside'"), where)
    return {"mode": mode}


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    inside = np.zeros(grid.shape, dtype=bool)
    for source in criterion.sources:
        ctx.check_cancelled()
        gdf, label = source_features(source, criterion, store)
        ctx.check_cancelled()
        if len(gdf):
            zones = polygons_only(gdf, label, _("rule {rule!r} (zones)").format(rule=criterion.id))
            ctx.check_cancelled()
            ctx.call(burn_into, inside, zones, grid)
    ctx.check_cancelled()
    if criterion.options["mode"] == "inside":
        if not inside.any():
            ctx.tell(_("Rule {rule!r} excludes everything: no zone of {layers} "
                       "lies within the analysis extent.").format(rule=criterion.id, layers=", ".join(criterion.layer_ids)))
        return np.logical_not(inside, out=inside)
    return inside


KIND = CriterionKind(
    name="zone_membership",
    wording=N_("zone membership"),
    summary=N_("Keep only cells inside (mode: inside) or outside (mode: outside) a set of zones."),
    evaluate=evaluate,
    criterion_keys=frozenset({"mode"}),
    parse_options=parse_options,
    examples=("- id: datacentre_zone\n  kind: zone_membership\n  mode: inside\n  layers: [hyperscale_zones]",),
)
