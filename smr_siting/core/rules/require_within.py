"""``require_within``: a cell must lie within a distance of a feature of at least one listed layer.

"Must be within 3 km of large surface water", "within 10 km of a high-voltage station or of
industrial demand": cells farther than that from all of them are excluded.
"""

from __future__ import annotations

import numpy as np

from ..data.layers import LayerStore
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._common import parse_method, pin_source_methods, within_any
from .base import CriterionKind


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    near = within_any(criterion, grid, store, ctx)
    if not near.any():
        ctx.tell(_("Rule {rule!r} excludes everything: none of its layers "
                   "({layers}) has a feature within reach of the region.").format(
            rule=criterion.id, layers=", ".join(criterion.layer_ids)))
    return ~near


KIND = CriterionKind(
    name="require_within",
    wording=N_("required within a distance of"),
    summary=N_("Exclude cells farther than a distance from every feature of the listed layers (must be near)."),
    evaluate=evaluate,
    criterion_keys=frozenset({"method"}),
    source_keys=frozenset({"distance"}),
    required_source_keys=frozenset({"distance"}),
    parse_options=parse_method,
    prepare_tiles=pin_source_methods,
    examples=("- id: cooling_water\n  kind: require_within\n  layers: [{layer: rivers_major, distance: 3 km}]",),
)
