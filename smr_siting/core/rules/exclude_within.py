"""``exclude_within``: exclude cells within a distance of features (points, lines or polygons).

The distance may be one number or bands chosen per feature from an attribute (e.g. larger
distances from larger population centres).
"""

from __future__ import annotations

import numpy as np

from ..data.layers import LayerStore
from ..model.grid import Grid
from ..model.i18n import N_
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._common import parse_method, pin_source_methods, within_any
from .base import CriterionKind


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    return within_any(criterion, grid, store, ctx)


KIND = CriterionKind(
    name="exclude_within",
    wording=N_("excluded within a distance of"),
    summary=N_("Exclude cells within a distance of features (constant, or distance bands by attribute)."),
    evaluate=evaluate,
    criterion_keys=frozenset({"method"}),
    source_keys=frozenset({"distance"}),
    required_source_keys=frozenset({"distance"}),
    parse_options=parse_method,
    prepare_tiles=pin_source_methods,
    examples=("- id: settlements\n  kind: exclude_within\n  layers: [{layer: population_centres, distance: 2 km}]",),
)
