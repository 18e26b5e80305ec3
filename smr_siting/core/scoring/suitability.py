"""The suitability surface: every scoring criterion standardised and combined (WLC or OWA) on the
grid, masked by the exclusion (no value where any rule excludes the cell or outside the region).

A data-driven linear standardisation (no ``lower``/``upper``) takes its range over the free cells in
the region, and the raw values at the cells sites may take (``sample``) are kept, so that a site's
table score is the surface's value under it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..config.scoring import ScoringSpec
from ..model.grid import Grid
from ..model.i18n import _, localised
from ..model.progress import RunContext
from ..model.standardise import Standardisation, standardise
from .aggregate import owa
from .measures import measure_at_cells

if TYPE_CHECKING:
    from ..exclusion.compute import ExclusionResult


@dataclass
class Suitability:
    """The surface, kept as its scored cells only (free land: a few per cent of the grid): ``index`` (flat
    indices on ``grid``, sorted) and ``values`` (float32) there; every other cell has no value.  :meth:`window`
    gives a part of it as a grid (NaN where no value), :attr:`surface` the whole (made each time it is asked for)."""
    spec: ScoringSpec
    grid: Grid                  # the output grid (region bounds)
    index: np.ndarray           # flat indices of the cells with a value, sorted (int64)
    values: np.ndarray          # float32 at ``index``
    warnings: list[str] = field(default_factory=list)
    standardisations: dict[str, Standardisation] = field(default_factory=dict)  # ranges resolved
    sample_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # flat, sorted
    samples: dict[str, np.ndarray] = field(default_factory=dict)  # raw values at sample_index, per criterion

    def window(self, row0: int, row1: int, col0: int, col1: int) -> np.ndarray:
        """The surface on rows ``row0:row1`` and columns ``col0:col1`` (within the grid): float32, NaN where
        no value."""
        width = self.grid.width
        out = np.full((row1 - row0, col1 - col0), np.nan, dtype="float32")
        start, stop = np.searchsorted(self.index, [row0 * width, row1 * width])
        rows, cols = np.divmod(self.index[start:stop], width)
        keep = (cols >= col0) & (cols < col1)
        out[rows[keep] - row0, cols[keep] - col0] = self.values[start:stop][keep]
        return out

    @property
    def surface(self) -> np.ndarray:
        """The whole surface as a grid (float32, NaN where excluded or outside the region)."""
        return self.window(0, self.grid.height, 0, self.grid.width)

    def cell(self, x: float, y: float) -> tuple[int, int] | None:
        col = int((x - self.grid.left) // self.grid.resolution)
        row = int((self.grid.top - y) // self.grid.resolution)
        if 0 <= row < self.grid.height and 0 <= col < self.grid.width:
            return row, col
        return None

    def raw_at(self, criterion_id: str, x: float, y: float) -> float | None:
        """The raw value the surface used at the cell holding (x, y); None if that cell was not sampled."""
        cell = self.cell(x, y)
        if cell is None or criterion_id not in self.samples:
            return None
        flat = cell[0] * self.grid.width + cell[1]
        k = int(np.searchsorted(self.sample_index, flat))
        if k < len(self.sample_index) and self.sample_index[k] == flat:
            return float(self.samples[criterion_id][k])
        return None

    def value_at(self, x: float, y: float) -> float:
        col = int((x - self.grid.left) // self.grid.resolution)
        row = int((self.grid.top - y) // self.grid.resolution)
        if 0 <= row < self.grid.height and 0 <= col < self.grid.width:
            return self.value_at_cell(row, col)
        return float("nan")

    def value_at_cell(self, row: int, col: int) -> float:
        """The value at a cell of the grid; NaN where it has none."""
        flat = row * self.grid.width + col
        k = int(np.searchsorted(self.index, flat))
        if k < len(self.index) and self.index[k] == flat:
            return float(self.values[k])
        return float("nan")


def resolved(standardisation: Standardisation, raw: np.ndarray, free: np.ndarray) -> Standardisation:
    """A data-driven linear range (lower/upper not given) taken over the free cells in the region."""
    if standardisation.method != "linear" or standardisation.points or (
            standardisation.lower is not None and standardisation.upper is not None):
        return standardisation
    where = free & np.isfinite(raw)  # one pass each, no copy of the values: the same minimum and maximum
    present = bool(where.any())
    lower = standardisation.lower if standardisation.lower is not None else (
        float(np.min(raw, where=where, initial=np.inf)) if present else 0.0)
    upper = standardisation.upper if standardisation.upper is not None else (
        float(np.max(raw, where=where, initial=-np.inf)) if present else 0.0)
    return dataclasses.replace(standardisation, lower=lower, upper=upper)


def compute_suitability(result: ExclusionResult, spec: ScoringSpec, ctx: RunContext | None = None,
                        sample: np.ndarray | None = None) -> Suitability:
    """The surface; ``sample`` (boolean, output grid) marks the cells whose raw values are kept for sites."""
    ctx = ctx or RunContext()
    r0, r1, c0, c1 = result.window
    out_grid = result.grid
    warnings: list[str] = list(spec.notices)
    free = (result.bits_full[r0:r1, c0:c1] == 0) & result.region_mask
    sample_index = np.flatnonzero(sample) if sample is not None else np.zeros(0, dtype=np.int64)
    samples: dict[str, np.ndarray] = {}
    standardisations: dict[str, Standardisation] = {}
    needed = free | sample if sample is not None else free  # the surface has values only on free land
    # scores are computed on the needed cells only (a few per cent of the grid), cell by cell the same numbers
    index = np.flatnonzero(needed)
    free_at = free.ravel()[index]
    sample_at = np.searchsorted(index, sample_index)
    weights = np.asarray(spec.weights, dtype="float64")
    total = np.zeros(index.size, dtype="float32") if spec.aggregation == "wlc" else None
    stack = [] if spec.aggregation == "owa" else None
    n = len(spec.criteria)
    for i, criterion in enumerate(spec.criteria):
        ctx.report(i / (n + 1), _("scoring: {title}").format(title=localised(criterion.title, criterion.title_nl)))
        raw = measure_at_cells(criterion, out_grid, result.store, index)
        ctx.check_cancelled()
        if criterion.measure != "category":
            samples[criterion.id] = raw[sample_at].astype("float64")
        method = resolved(criterion.standardise, raw, free_at) if criterion.measure != "category" else \
            criterion.standardise
        standardisations[criterion.id] = method
        ctx.check_cancelled()
        scored = ctx.call(standardise, raw, method, criterion.id)  # numpy releases the GIL: a cancel is seen
        ctx.check_cancelled()
        warnings.extend(scored.warnings)
        scores = scored.scores.astype("float32")
        del raw
        if total is not None:
            total += np.float32(weights[i]) * scores
        else:
            stack.append(scores)  # type: ignore[union-attr]
    ctx.report(n / (n + 1), _("combining the scores"))
    combined = total if total is not None else owa(np.stack(stack), weights, spec.owa_alpha).astype("float32")
    for message in warnings:
        ctx.tell(message)
    return Suitability(spec, out_grid, index[free_at], combined[free_at], warnings, standardisations, sample_index,
                       samples)
