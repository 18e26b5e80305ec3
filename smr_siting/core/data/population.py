"""Population around a place: within a radius, in the most populated 22.5° sector, per cell and at points.

The inhabitants come from the CBS 100 m squares when present (``aantalInwoners``; negative values
are CBS's codes for suppressed counts and count as 0), else from the CBS population-centre points
(kernen).  Either way they are counted at the centre of a *population cell* (100 m, or a multiple of
the analysis resolution): a square at its centre, a kern point at the centre of the cell it falls
in.  For every cell at once, the sum within a disc (or a sector of an annulus) is a convolution of
the population cells with a ring kernel, done with one FFT of the population and one per kernel —
exact on the population cells (integer inhabitants, rounded after the transform).  At given points
(sites, candidate areas) the sums are exact distances to the squares' centres or the kern points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from ..model.grid import Grid

POPULATION_CELL_M = 100.0
SECTORS = 16
SECTOR_NAMES = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
MILE_M = 1609.344
SQUARE_MILE_KM2 = MILE_M * MILE_M / 1e6


@dataclass(frozen=True)
class Population:
    """Inhabitants as points (x, y, count) and binned on a population grid aligned with the analysis grid."""

    x: np.ndarray
    y: np.ndarray
    count: np.ndarray
    layer: str            # the layer they came from
    kind: str             # 'squares' or 'points'
    suppressed: int = 0   # squares with a suppressed (negative) count

    @property
    def total(self) -> float:
        return float(self.count.sum())

    def describe(self) -> str:
        from ..model.i18n import _

        if self.kind == "squares":
            return _("CBS 100 m squares ({layer}; {suppressed:,} suppressed counts taken as 0)").format(
                layer=self.layer, suppressed=self.suppressed)
        return _("CBS population-centre points ({layer}; inhabitants outside the kernen are not counted)").format(
            layer=self.layer)


def population_cell_size(resolution: float) -> float:
    """The population grid's cell: 100 m, or the smallest multiple of the analysis resolution ≥ 100 m."""
    return resolution * max(1, math.ceil(POPULATION_CELL_M / resolution - 1e-9))


def coarse_grid(grid: Grid, reach_m: float = 0.0) -> Grid:
    """The population grid covering ``grid`` grown by ``reach_m``: cells of :func:`population_cell_size`, edges
    on its multiples, so that every analysis cell lies in exactly one population cell.  The growth lets the
    sums at the analysis grid's edge see every inhabitant within reach."""
    size = population_cell_size(grid.resolution)
    minx, miny, maxx, maxy = grid.expanded_bounds(reach_m)
    left = math.floor(minx / size + 1e-9) * size
    top = math.ceil(maxy / size - 1e-9) * size
    width = int(math.ceil((maxx - left) / size - 1e-9))
    height = int(math.ceil((top - miny) / size - 1e-9))
    return Grid(left, top, size, width, height, grid.crs)


def bin_counts(population: Population, grid: Grid) -> np.ndarray:
    """Inhabitants per population cell (by the point's / square centre's cell), float64."""
    out = np.zeros(grid.shape, dtype="float64")
    col = np.floor((population.x - grid.left) / grid.resolution).astype(np.int64)
    row = np.floor((grid.top - population.y) / grid.resolution).astype(np.int64)
    inside = (col >= 0) & (col < grid.width) & (row >= 0) & (row < grid.height)
    np.add.at(out, (row[inside], col[inside]), population.count[inside])
    return out


def _offsets(reach_m: float, size: float) -> tuple[np.ndarray, np.ndarray, int]:
    k = int(math.floor(reach_m / size + 1e-9))
    di, dj = np.mgrid[-k:k + 1, -k:k + 1]
    return di, dj, k


def disc_kernel(radius_m: float, size: float, half: int | None = None) -> np.ndarray:
    """1 where a population cell's centre lies within ``radius_m`` of the centre cell's centre."""
    di, dj, k = _offsets(radius_m, size)
    kernel = ((di * di + dj * dj) * size * size <= radius_m * radius_m).astype("float64")
    return _pad(kernel, k, half)


def sector_index(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Compass sector 0..15 (N, NNE, …) of offsets east ``dx`` and north ``dy``; sector 0 is centred on north."""
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    return (np.floor(((bearing + 360.0 / SECTORS / 2) % 360.0) / (360.0 / SECTORS))).astype(np.int64) % SECTORS


def sector_kernels(inner_m: float, outer_m: float, size: float, half: int | None = None) -> list[np.ndarray]:
    """One kernel per 22.5° sector of the annulus inner ≤ d ≤ outer (offsets from the site to the people)."""
    di, dj, k = _offsets(outer_m, size)
    d2 = (di * di + dj * dj) * size * size
    ring = (d2 <= outer_m * outer_m) & (d2 >= inner_m * inner_m)
    sector = sector_index(dj * size, -di * size)  # rows grow southwards
    return [_pad((ring & (sector == s)).astype("float64"), k, half) for s in range(SECTORS)]


def _pad(kernel: np.ndarray, k: int, half: int | None) -> np.ndarray:
    if half is None or half == k:
        return kernel
    p = half - k
    return np.pad(kernel, p)


def convolve_many(counts: np.ndarray, kernels: Sequence[np.ndarray]) -> Iterator[np.ndarray]:
    """``sum over offsets o of counts[cell + o] * kernel[o]`` for each kernel (odd, same size), by FFT.

    The population is transformed once; each result is rounded to whole inhabitants (the counts
    are integers, so this removes the transform's rounding noise and makes the sums exact)."""
    from scipy import fft

    if not kernels:
        return
    half = kernels[0].shape[0] // 2
    h, w = counts.shape
    shape = (fft.next_fast_len(h + 2 * half), fft.next_fast_len(w + 2 * half, real=True))
    spectrum = fft.rfft2(counts, shape)
    for kernel in kernels:
        # a convolution flips the kernel; flip it back so that kernel[o] weighs the cell at offset o
        full = fft.irfft2(spectrum * fft.rfft2(kernel[::-1, ::-1], shape), shape)
        yield np.rint(full[half:half + h, half:half + w]) + 0.0  # + 0.0: no -0.0


def disc_sums(counts: np.ndarray, size: float, radii_m: Sequence[float]) -> Iterator[np.ndarray]:
    """Inhabitants within each radius of every population cell's centre (one array at a time)."""
    if not len(radii_m):
        return iter(())
    half = int(math.floor(max(radii_m) / size + 1e-9))
    return convolve_many(counts, [disc_kernel(r, size, half) for r in radii_m])


def sector_max(counts: np.ndarray, size: float, inner_m: float, outer_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Per population cell: inhabitants of the most populated 22.5° sector within inner..outer, and its index."""
    worst = np.full(counts.shape, -1.0)
    which = np.zeros(counts.shape, dtype=np.int64)
    for sector, sums in enumerate(convolve_many(counts, sector_kernels(inner_m, outer_m, size))):
        more = sums > worst  # the first sector wins a tie, as argmax does
        worst[more] = sums[more]
        which[more] = sector
    return worst, which


def to_analysis_grid(values: np.ndarray, coarse: Grid, grid: Grid) -> np.ndarray:
    """Each analysis cell takes the value of the population cell it lies in."""
    cols = np.floor((grid.left + (np.arange(grid.width) + 0.5) * grid.resolution - coarse.left)
                    / coarse.resolution).astype(np.int64)
    rows = np.floor((coarse.top - (grid.top - (np.arange(grid.height) + 0.5) * grid.resolution))
                    / coarse.resolution).astype(np.int64)
    return values[np.ix_(rows, cols)]


# --------------------------------------------------------------------------- at points (exact)


def within_at(population: Population, xs: Sequence[float], ys: Sequence[float], radius_m: float) -> np.ndarray:
    """Inhabitants within ``radius_m`` of each point (exact distances to the squares' centres / kern points)."""
    out = np.zeros(len(xs))
    r2 = radius_m * radius_m
    for i, (x, y) in enumerate(zip(xs, ys)):
        d2 = (population.x - x) ** 2 + (population.y - y) ** 2
        out[i] = population.count[d2 <= r2].sum()
    return out


def sector_at(population: Population, x: float, y: float, inner_m: float, outer_m: float) -> tuple[float, int]:
    """Inhabitants of the most populated 22.5° sector within inner..outer of a point, and the sector index."""
    dx, dy = population.x - x, population.y - y
    d2 = dx * dx + dy * dy
    ring = (d2 <= outer_m * outer_m) & (d2 >= inner_m * inner_m)
    sums = np.bincount(sector_index(dx[ring], dy[ring]), weights=population.count[ring], minlength=SECTORS)
    k = int(np.argmax(sums))
    return float(sums[k]), k


def density_per_km2(inhabitants: Any, radius_m: float) -> Any:
    """Inhabitants per km² of the circle of ``radius_m`` (the RG 4.7 form: cumulative population / circle area)."""
    return inhabitants / (math.pi * radius_m * radius_m / 1e6)


# --------------------------------------------------------------------------- reading


def read_population(store: Any, layers: Sequence[tuple[str, str]], purpose: str,
                    bounds: tuple[float, float, float, float] | None = None) -> Population:
    """The first of ``layers`` ((layer id, inhabitants field), in order of preference) that is present.

    Squares (polygons) count at their centre, points where they are; negative counts are CBS's
    codes for suppressed values and count as 0."""
    from ..model.errors import DataError, SmrSitingError
    from ..model.i18n import _

    problems = []
    for layer_id, field_name in layers:
        try:
            store.locate(layer_id)
        except SmrSitingError as error:
            problems.append(str(error))
            continue
        gdf = store.vector(layer_id, bounds)
        label = store.label(layer_id)
        if field_name not in gdf.columns:
            fields = ", ".join(c for c in gdf.columns if c != "geometry")
            raise DataError(_("{label} has no field {field!r}").format(label=label, field=field_name),
                            _("Fields: {fields}").format(fields=fields))
        try:
            counts = gdf[field_name].astype(float).to_numpy()
        except (TypeError, ValueError):
            raise DataError(_("{label}: field {field!r} is not numeric").format(label=label, field=field_name),
                            _("Name the field that holds the inhabitants")) from None
        counts = np.nan_to_num(counts, nan=-1.0)
        suppressed = int((counts < 0).sum())
        counts = np.where(counts < 0, 0.0, np.rint(counts))
        kinds = set(gdf.geometry.geom_type)
        if kinds <= {"Point"}:
            xs, ys, kind = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy(), "points"
        else:
            centres = gdf.geometry.centroid
            xs, ys, kind = centres.x.to_numpy(), centres.y.to_numpy(), "squares"
        population = Population(np.asarray(xs, dtype="float64"), np.asarray(ys, dtype="float64"), counts, layer_id,
                                kind, suppressed)
        store.ctx.tell(_("{purpose}: inhabitants from {what}.").format(purpose=purpose, what=population.describe()))
        _tell_if_cut_out(store, bounds, purpose)
        return population
    raise DataError(_("{purpose}: no population layer is present ({layers})").format(
        purpose=purpose, layers=", ".join(layer for layer, _f in layers)), problems[-1] if problems else "")


def _tell_if_cut_out(store: Any, bounds: tuple[float, float, float, float] | None, purpose: str) -> None:
    """A data folder that is a cut-out (PACK.json with a box) may end before the population a rule looks at."""
    import json

    from ..model.i18n import _

    folder = getattr(store, "data_dir", None)
    if bounds is None or folder is None or not (folder / "PACK.json").is_file():
        return
    try:
        box = [float(v) for v in json.loads((folder / "PACK.json").read_text(encoding="utf-8"))["box"]]
    except (ValueError, KeyError, TypeError):
        return
    short = max(box[0] - bounds[0], box[1] - bounds[1], bounds[2] - box[2], bounds[3] - box[3])
    if short > 0:
        store.ctx.tell(_("{purpose}: the data folder is a cut-out that ends up to {km:.1f} km before the edge of what "
                         "this rule looks at; inhabitants beyond it are not counted (use the full data for exact "
                         "sums at the region's border).").format(purpose=purpose, km=short / 1000))
