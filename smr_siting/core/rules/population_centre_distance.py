"""``population_centre_distance``: 10 CFR 100.11's population-centre distance.

A site must lie at least ``factor`` × the low-population-zone radius (1⅓ in 10 CFR 100.11(a)(3))
from the nearest boundary of a population centre of ``min_population`` inhabitants or more
(25,000 in 10 CFR 100.3).  The LPZ radius is usually ``design.low_population_zone``.  The distance
is measured to the features of the rule's layers (polygons: their boundary; kern points: the point).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..config.yamlpos import LineDict
from ..data.geometry import within_distance_buffer
from ..data.layers import LayerStore
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._common import source_features
from ._population import length_or_design
from .base import CriterionKind


def parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    lpz = length_or_design(raw, "low_population_zone", where)
    factor = raw.get("factor", 4 / 3)
    size = raw.get("min_population")
    for key, value in (("factor", factor), ("min_population", size)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ProfileError(_("{key!r} is missing or not a positive number").format(key=key),
                               _("Write e.g. 'min_population: 25000' and 'factor: 1.333'"), where)
    return {"low_population_zone": lpz, "factor": float(factor), "min_population": float(size)}


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    options = criterion.options
    distance = options["factor"] * float(options["low_population_zone"])
    hit = np.zeros(grid.shape, dtype=bool)
    for source in criterion.sources:
        gdf, label = source_features(source, criterion, store)
        if not source.field or source.field not in gdf.columns:
            raise ProfileError(_("rule {rule!r}: {label} needs 'field:' naming the inhabitants").format(
                rule=criterion.id, label=label), _("Add e.g. 'field: aantal_inwoners_2021'"), criterion.id)
        big = gdf[gdf[source.field].astype(float) >= options["min_population"]]
        ctx.tell(_("Rule {rule!r}: {count} population centres of {size:,.0f} or more inhabitants; a site must lie "
                   "{distance:.2f} km from each ({factor:.3g} × the low-population zone of {lpz:.2f} km).").format(
            rule=criterion.id, count=len(big), size=options["min_population"], distance=distance / 1000,
            factor=options["factor"], lpz=float(options["low_population_zone"]) / 1000))
        if len(big):
            within_distance_buffer(list(big.geometry.values), [distance] * len(big), grid, out=hit)
    return hit


KIND = CriterionKind(
    name="population_centre_distance",
    summary=N_("Exclude cells nearer than 'factor' × the low-population-zone radius to a population centre of "
               "'min_population' or more (10 CFR 100.11)."),
    evaluate=evaluate,
    criterion_keys=frozenset({"low_population_zone", "factor", "min_population"}),
    source_keys=frozenset({"field"}),
    parse_options=parse_options,
    examples=("- id: population_centre\n  kind: population_centre_distance\n  low_population_zone: design.low_population_zone\n"
              "  min_population: 25000\n  layers: [{layer: population_centres, field: aantal_inwoners_2021}]",),
)
