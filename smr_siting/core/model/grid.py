"""The analysis grid: EPSG:28992 cells aligned to multiples of the resolution."""

from __future__ import annotations

import math
from dataclasses import dataclass

from affine import Affine

from .errors import SmrSitingError
from .i18n import _
from .vocabulary import RESOLUTION, term

CRS = "EPSG:28992"
#: peak memory per cell of the analysis grid, per step, from peaks measured on the Gelderland demo (25 m,
#: 27.7 million cells, the rule-mask cache off; tests/test_scoring_review.py checks the estimate against a fresh
#: measurement).  Measured after the free land's patches were found from its runs (no grid of labels, no grid of
#: kept labels): screen 0.55 GiB (QGIS 3.40's stack: numpy 2, shapely 2: 0.60 GiB), screen with a circular
#: footprint 0.60 (0.65) GiB, rank 0.81 (0.85) GiB.  The screening's figure keeps about 1.7 times the larger
#: measured bytes per cell above the process (0.17 GiB), for profiles heavier than the demo's; the circle adds
#: the distance transform of a free window as large as the grid (12 bytes per cell); rank adds, in proportion to
#: the free land's share, what the scoring needs on the free cells.
STEP_BYTES_PER_CELL = {"screen": 28, "screen circle": 40, "rank": 52, "rank circle": 62}
#: the process itself: Python, numpy, GDAL, the layers read
BASE_BYTES = 300 * 2**20
#: the screening's figure, kept for callers of the earlier single estimate
BYTES_PER_CELL = STEP_BYTES_PER_CELL["screen"]


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid.  ``left``/``top`` are the outer corner of the first cell."""

    left: float
    top: float
    resolution: float
    width: int
    height: int
    crs: str = CRS

    @property
    def transform(self) -> Affine:
        return Affine(self.resolution, 0.0, self.left, 0.0, -self.resolution, self.top)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.left, self.top - self.height * self.resolution, self.left + self.width * self.resolution, self.top)

    @property
    def cells(self) -> int:
        return self.width * self.height

    @property
    def cell_area_m2(self) -> float:
        return self.resolution * self.resolution

    @property
    def cell_area_km2(self) -> float:
        return self.cell_area_m2 / 1_000_000.0

    def expanded_bounds(self, margin: float) -> tuple[float, float, float, float]:
        minx, miny, maxx, maxy = self.bounds
        return (minx - margin, miny - margin, maxx + margin, maxy + margin)

    def window_for(self, bounds: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        """(row0, row1, col0, col1) of the cells that cover ``bounds`` (clamped to the grid)."""
        minx, miny, maxx, maxy = bounds
        res = self.resolution
        col0 = max(0, int(math.floor((minx - self.left) / res)))
        col1 = min(self.width, int(math.ceil((maxx - self.left) / res)))
        row0 = max(0, int(math.floor((self.top - maxy) / res)))
        row1 = min(self.height, int(math.ceil((self.top - miny) / res)))
        return row0, max(row0, row1), col0, max(col0, col1)

    def subgrid(self, row0: int, row1: int, col0: int, col1: int) -> Grid:
        res = self.resolution
        return Grid(self.left + col0 * res, self.top - row0 * res, res, col1 - col0, row1 - row0, self.crs)


def snap_grid(bounds: tuple[float, float, float, float], resolution: float, margin: float = 0.0) -> Grid:
    """The grid covering ``bounds`` grown by ``margin``, with edges on multiples of ``resolution``.

    Aligning to multiples of the resolution makes runs for neighbouring regions line up cell for cell.
    """
    minx, miny, maxx, maxy = bounds
    res = float(resolution)
    left = math.floor((minx - margin) / res) * res
    bottom = math.floor((miny - margin) / res) * res
    right = math.ceil((maxx + margin) / res) * res
    top = math.ceil((maxy + margin) / res) * res
    width = max(1, int(round((right - left) / res)))
    height = max(1, int(round((top - bottom) / res)))
    return Grid(left, top, res, width, height)


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (None where unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def memory_estimate(grid: Grid, step: str = "screen", shape: str | None = None, free_share: float = 1.0) -> int:
    """The peak memory (bytes) of a step — 'screen' (exclusion and candidate search) or 'rank' (also
    sensitivity's rebuild) — on this analysis grid; a circular footprint needs a distance transform.

    ``free_share``: for 'rank', the share of the grid's cells left free (known once the exclusion is
    computed): scores are computed on those cells only, so what rank needs beyond the screening grows with
    it (1: every cell free, the most it can need)."""
    key = f"{step} circle" if shape == "circle" and f"{step} circle" in STEP_BYTES_PER_CELL else step
    per_cell = float(STEP_BYTES_PER_CELL[key])
    if step == "rank":
        base = STEP_BYTES_PER_CELL["screen circle" if shape == "circle" else "screen"]
        per_cell = base + (per_cell - base) * min(max(free_share, 0.0), 1.0)
    return int(BASE_BYTES + grid.cells * per_cell)


def check_memory(grid: Grid, limit_bytes: int | None = None, step: str = "screen", shape: str | None = None,
                 free_share: float = 1.0) -> int:
    """Refuse, before allocating anything, a grid the machine cannot hold.  Returns the estimate."""
    need = memory_estimate(grid, step, shape, free_share)
    limit = limit_bytes if limit_bytes is not None else available_memory_bytes()
    if limit is not None and need > 0.8 * limit:
        raise SmrSitingError(
            _("a {width:,} × {height:,} grid at {resolution:g} m needs about {need:.1f} GiB "
              "of memory, more than the {available:.1f} GiB available").format(
                width=grid.width, height=grid.height, resolution=grid.resolution, need=need / 2**30,
                available=limit / 2**30),
            _("Use a coarser resolution (e.g. {resolution}) or a smaller region").format(
                resolution=term(RESOLUTION, grid.resolution * 2)),
        )
    return need
