"""``population_within``: exclude cells around which too many people live, for a set of radii.

The form of US NRC Regulatory Guide 4.7 (Rev. 4): the population density averaged over any distance
out to 20 miles (cumulative inhabitants within r divided by the circle's area π r²) should not
exceed 500 persons per square mile.  With ``measure: inhabitants`` the threshold is a head count
within each radius instead.  A cell is excluded when the threshold is crossed at *any* listed
radius.  Inhabitants come from the CBS 100 m squares when present, else from the rule's layers
(the kern points); every cell at once, by FFT convolution with disc kernels.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..config.yamlpos import LineDict
from ..data.layers import LayerStore
from ..data.population import density_per_km2, disc_sums, to_analysis_grid
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._population import (
    COUNT_UNITS,
    DENSITY_UNITS,
    compare,
    counts_on,
    length_or_design,
    parse_prefer,
    parse_threshold,
    population_of,
)
from .base import CriterionKind

MEASURES = ("density", "inhabitants")


def parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    radii_raw = raw.get("radii")
    if not isinstance(radii_raw, list) or not radii_raw:
        raise ProfileError(_("'radii' is missing or empty"), _("Write e.g. 'radii: [2 km, 5 km, 10 km, 32.19 km]'"),
                           where)
    radii = []
    for i, value in enumerate(radii_raw):
        holder = LineDict(r=value)
        holder.key_lines = {}
        radii.append(length_or_design(holder, "r", f"{where} radii[{i}]"))
    measure = str(raw.get("measure", "density"))
    if measure not in MEASURES:
        raise ProfileError(_("unknown measure {measure!r}").format(measure=measure),
                           _("Use one of: {choices}").format(choices=", ".join(MEASURES)), where)
    units = tuple(DENSITY_UNITS) if measure == "density" else COUNT_UNITS
    options: dict[str, Any] = {"measure": measure, **parse_threshold(raw, where, units),
                               "prefer": parse_prefer(raw, where)}
    for i, radius in enumerate(radii):
        options[f"radius_{i}"] = radius
    options["radius_count"] = len(radii)
    return options


def radii_of(options: Mapping[str, Any]) -> list[float]:
    return [float(options[f"radius_{i}"]) for i in range(int(options["radius_count"]))]


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    options = criterion.options
    radii = radii_of(options)
    population = population_of(criterion, store, grid, max(radii))
    coarse, counts = counts_on(population, grid, max(radii))
    ctx.report(0.2, _("{rule}: inhabitants within {count} radii").format(rule=criterion.id, count=len(radii)))
    hit = np.zeros(coarse.shape, dtype=bool)
    for radius, sums in zip(radii, disc_sums(counts, coarse.resolution, radii)):
        values = density_per_km2(sums, radius) if options["measure"] == "density" else sums
        hit |= compare(values, options)
    return to_analysis_grid(hit, coarse, grid)


KIND = CriterionKind(
    name="population_within",
    regulator="population",
    summary=N_("Exclude cells where the inhabitants (or their density over the circle) within any listed radius "
               "cross a threshold (the US NRC RG 4.7 form)."),
    evaluate=evaluate,
    criterion_keys=frozenset({"radii", "measure", "threshold", "prefer"}),
    source_keys=frozenset({"field"}),
    parse_options=parse_options,
    examples=("- id: population_density\n  kind: population_within\n  radii: [2 km, 8 km, 32.19 km]\n"
              "  threshold: {op: '>', value: 500, unit: inhabitants/mi2}\n"
              "  layers: [{layer: population_centres, field: aantal_inwoners_2021}]",),
)
