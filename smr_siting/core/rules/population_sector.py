"""``population_sector``: exclude cells whose most populated 22.5° sector within an annulus holds too many people.

The Dutch reference-site practice looks at the inhabitants of the worst 22.5° sector between 5 and
20 km of a site (16 compass sectors, the first centred on north).  Inhabitants come from the CBS
100 m squares when present, else from the rule's layers (the kern points); every cell at once, by FFT
convolution with one sector kernel per direction.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..config.yamlpos import LineDict
from ..data.layers import LayerStore
from ..data.population import sector_max, to_analysis_grid
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._population import (
    COUNT_UNITS,
    compare,
    counts_on,
    length_or_design,
    parse_prefer,
    parse_threshold,
    population_of,
)
from .base import CriterionKind


def parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    inner = length_or_design(raw, "inner", where)
    outer = length_or_design(raw, "outer", where)
    if isinstance(inner, float) and isinstance(outer, float) and inner >= outer:
        raise ProfileError(_("'inner' ({inner:g} m) must be smaller than 'outer' ({outer:g} m)").format(
            inner=inner, outer=outer), _("Write e.g. 'inner: 5 km' and 'outer: 20 km'"), where)
    return {"inner": inner, "outer": outer, **parse_threshold(raw, where, COUNT_UNITS),
            "prefer": parse_prefer(raw, where)}


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    options = criterion.options
    reach = float(options["outer"])
    population = population_of(criterion, store, grid, reach)
    coarse, counts = counts_on(population, grid, reach)
    ctx.report(0.2, _("{rule}: inhabitants per 22.5° sector").format(rule=criterion.id))
    worst, _sector = sector_max(counts, coarse.resolution, float(options["inner"]), float(options["outer"]))
    return to_analysis_grid(compare(worst, options), coarse, grid)


KIND = CriterionKind(
    name="population_sector",
    regulator="population",
    summary=N_("Exclude cells whose most populated 22.5° sector between 'inner' and 'outer' holds more "
               "inhabitants than the threshold."),
    evaluate=evaluate,
    criterion_keys=frozenset({"inner", "outer", "threshold", "prefer"}),
    source_keys=frozenset({"field"}),
    parse_options=parse_options,
    examples=("- id: worst_sector\n  kind: population_sector\n  inner: 5 km\n  outer: 20 km\n"
              "  threshold: {op: '>', value: 100000, unit: inhabitants}\n"
              "  layers: [{layer: population_centres, field: aantal_inwoners_2021}]",),
)
