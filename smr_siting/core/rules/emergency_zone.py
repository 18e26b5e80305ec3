"""``emergency_zone``: the design's evacuation zone around a cell may hold at most N inhabitants and no
facility of a listed kind (hospitals, prisons … when such a layer exists).

The radius is usually ``design.evacuation_zone`` (from ``--design``).  Inhabitants come from the
CBS 100 m squares when present, else from the rule's layers (the kern points); every cell at once,
by FFT convolution with a disc kernel.  A facility layer that is not present is reported and skipped.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..config.yamlpos import LineDict
from ..data.geometry import within_distance_buffer
from ..data.layers import LayerStore
from ..data.population import disc_sums, to_analysis_grid
from ..model.errors import ProfileError, SmrSitingError
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._population import counts_on, length_or_design, parse_prefer, population_of
from .base import CriterionKind


def parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    radius = length_or_design(raw, "radius", where)
    limit = raw.get("max_inhabitants")
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0:
        raise ProfileError(_("'max_inhabitants' is missing or not a number of zero or more"),
                           _("Write e.g. 'max_inhabitants: 10000'"), where)
    facilities = raw.get("facilities", [])
    if not isinstance(facilities, list) or not all(isinstance(f, str) for f in facilities):
        raise ProfileError(_("'facilities' must be a list of layer ids"), _("Write e.g. 'facilities: [hospitals]'"),
                           where)
    return {"radius": radius, "max_inhabitants": float(limit), "facilities": tuple(facilities),
            "prefer": parse_prefer(raw, where)}


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    options = criterion.options
    radius = float(options["radius"])
    population = population_of(criterion, store, grid, radius)
    coarse, counts = counts_on(population, grid, radius)
    ctx.report(0.2, _("{rule}: inhabitants within {radius:g} km").format(rule=criterion.id, radius=radius / 1000))
    (sums,) = disc_sums(counts, coarse.resolution, [radius])
    hit = to_analysis_grid(sums > options["max_inhabitants"], coarse, grid)
    for layer_id in options["facilities"]:
        try:
            store.locate(layer_id)
        except SmrSitingError:
            ctx.tell(_("Rule {rule!r}: no layer {layer!r} is present, so its facilities are not tested.").format(
                rule=criterion.id, layer=layer_id))
            continue
        gdf = store.vector(layer_id)
        if len(gdf):
            within_distance_buffer(list(gdf.geometry.values), [radius] * len(gdf), grid, out=hit)
    return hit


KIND = CriterionKind(
    name="emergency_zone",
    regulator="population",
    summary=N_("Exclude cells whose evacuation zone (a radius, e.g. the reactor design's) holds more than "
               "'max_inhabitants' inhabitants or a facility of a listed layer."),
    evaluate=evaluate,
    criterion_keys=frozenset({"radius", "max_inhabitants", "facilities", "prefer"}),
    source_keys=frozenset({"field"}),
    parse_options=parse_options,
    examples=("- id: evacuation_zone\n  kind: emergency_zone\n  radius: design.evacuation_zone\n"
              "  max_inhabitants: 10000\n  layers: [{layer: population_centres, field: aantal_inwoners_2021}]",),
)
