"""The suitability surface: every scoring criterion standardised and combined (WLC or OWA) on the
grid, masked by the exclusion (no value where any rule excludes the cell or outside the region)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..grid import Grid
from ..i18n import _, localised
from ..progress import RunContext
from .aggregate import owa
from .measures import measure_on_grid
from .spec import ScoringSpec
from .standardise import standardise

if TYPE_CHECKING:
    from ..screen import ExclusionResult


@dataclass
class Suitability:
    spec: ScoringSpec
    grid: Grid                  # the output grid (region bounds)
    surface: np.ndarray         # float32, NaN where excluded or outside the region
    warnings: list[str] = field(default_factory=list)

    def value_at(self, x: float, y: float) -> float:
        col = int((x - self.grid.left) // self.grid.resolution)
        row = int((self.grid.top - y) // self.grid.resolution)
        if 0 <= row < self.grid.height and 0 <= col < self.grid.width:
            return float(self.surface[row, col])
        return float("nan")


def compute_suitability(result: ExclusionResult, spec: ScoringSpec, ctx: RunContext | None = None) -> Suitability:
    ctx = ctx or RunContext()
    r0, r1, c0, c1 = result.window
    out_grid = result.grid
    warnings: list[str] = list(spec.notices)
    weights = np.asarray(spec.weights, dtype="float64")
    total = np.zeros(out_grid.shape, dtype="float32") if spec.aggregation == "wlc" else None
    stack = [] if spec.aggregation == "owa" else None
    n = len(spec.criteria)
    for i, criterion in enumerate(spec.criteria):
        ctx.report(i / (n + 1), _("scoring: {title}").format(title=localised(criterion.title, criterion.title_nl)))
        raw = measure_on_grid(criterion, result.analysis_grid, result.store)[r0:r1, c0:c1]
        scored = standardise(raw, criterion.standardise, criterion.id)
        warnings.extend(scored.warnings)
        scores = scored.scores.astype("float32")
        del raw
        if total is not None:
            total += np.float32(weights[i]) * scores
        else:
            stack.append(scores)  # type: ignore[union-attr]
    ctx.report(n / (n + 1), _("combining the scores"))
    surface = total if total is not None else owa(np.stack(stack), weights, spec.owa_alpha).astype("float32")
    bits = result.bits_full[r0:r1, c0:c1]
    surface = np.where((bits == 0) & result.region_mask, surface, np.nan).astype("float32")
    for message in warnings:
        ctx.tell(message)
    return Suitability(spec, out_grid, surface, warnings)
