"""Scoring measure ``population``: inhabitants within a radius of a place (e.g. the reactor design's
sheltering zone, ``radius: design.sheltering_zone``), on the grid by FFT disc sums and exactly at sites.

The inhabitants come from the CBS 100 m squares when present, else from the criterion's layers
(``field:`` names the inhabitants), as in the population rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..config.designs import DesignRef
from ..data.layers import LayerStore
from ..data.population import (
    POPULATION_CELL_M,
    bin_counts,
    coarse_grid,
    disc_sums,
    read_population,
    to_analysis_grid,
    within_at,
)
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import _
from .values import SiteValue

if TYPE_CHECKING:
    from ..config.scoring import ScoringCriterion

PREFER = (("population_grid_100m", "aantalInwoners"),)


def _radius(criterion: ScoringCriterion) -> float:
    if isinstance(criterion.radius, DesignRef):
        raise ProfileError(_("scoring criterion {id!r} takes {value} from the reactor design, but no design is "
                             "chosen").format(id=criterion.id, value=criterion.radius),
                           _("Give --design NAME when screening, or set 'design: {default: NAME}' in the profile"))
    return float(criterion.radius)


def _population(criterion: ScoringCriterion, store: LayerStore, bounds: tuple[float, float, float, float]) -> Any:
    order = list(PREFER) + [(s.layer, str(criterion.field)) for s in criterion.sources]
    return read_population(store, order, _("Scoring criterion {id!r}").format(id=criterion.id), bounds)


def population_on_grid(criterion: ScoringCriterion, grid: Grid, store: LayerStore) -> np.ndarray:
    radius = _radius(criterion)
    population = _population(criterion, store, grid.expanded_bounds(radius + 2 * POPULATION_CELL_M))
    coarse = coarse_grid(grid, radius)
    (sums,) = disc_sums(bin_counts(population, coarse), coarse.resolution, [radius])
    return to_analysis_grid(sums, coarse, grid).astype("float64")


def population_at_sites(criterion: ScoringCriterion, points: Sequence[Any], store: LayerStore) -> list[SiteValue]:
    if not points:
        return []
    radius = _radius(criterion)
    xs, ys = [p.x for p in points], [p.y for p in points]
    bounds = (min(xs) - radius - 200, min(ys) - radius - 200, max(xs) + radius + 200, max(ys) + radius + 200)
    counts = within_at(_population(criterion, store, bounds), xs, ys, radius)
    return [SiteValue(float(c), _("{count:,.0f} inhabitants within {km:g} km").format(count=c, km=radius / 1000))
            for c in counts]
