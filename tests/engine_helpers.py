"""Shared helpers for the engine test suite (tests/test_engine_*.py).

Plain functions and hypothesis strategies only (no pytest fixtures), so that test modules can
import them without tripping over fixture-shadowing rules.  Everything here works on real files:
layers are written as GeoPackages, rules are parsed from YAML text by the real profile parser and
evaluated by the real criterion kinds.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import strategies as st
from shapely import affinity

try:  # shapely >= 2.0 (shapely.vectorized is deprecated there and will go)
    from shapely import contains_xy as _contains_xy
except ImportError:  # shapely 1.8
    from shapely.vectorized import contains as _contains_xy
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from smr_siting.core.data.catalogue import Catalogue, load_catalogue
from smr_siting.core.data.layers import LayerInput, LayerStore
from smr_siting.core.model.grid import Grid
from smr_siting.core.model.profile import Criterion
from smr_siting.core.model.progress import RunContext
from smr_siting.core.rules import get_kind, parse_profile

REPO = Path(__file__).resolve().parents[1]
RD = "EPSG:28992"


# --------------------------------------------------------------------------- real data


def shared_data_path() -> Path:
    """Where the real Dutch data lives: $SMR_SHARED_DATA, else the repo's ../shared/data/nl."""
    return Path(os.environ.get("SMR_SHARED_DATA") or (REPO.parent / "shared" / "data" / "nl"))


def real_data() -> Path:
    """The real data folder; skips the calling test (only) when the folder is absent."""
    path = shared_data_path()
    if not path.is_dir():
        pytest.skip(f"real Dutch data not found at {path} (set SMR_SHARED_DATA)")
    return path


# --------------------------------------------------------------------------- files


def write_layer(path: Path, geometries: Sequence[BaseGeometry], layer: str = "features",
                **columns: Sequence) -> Path:
    """Write geometries (and attribute columns) as a one-layer GeoPackage in EPSG:28992."""
    data = {name: list(values) for name, values in columns.items()}
    gdf = gpd.GeoDataFrame(data, geometry=list(geometries), crs=RD)
    gdf.to_file(path, layer=layer, driver="GPKG")
    return path


def profile_text(criteria_yaml: str, footprint: str = "area: 1 ha\n  shape: square") -> str:
    """A complete profile around one or more criteria written as YAML list items (two-space indent)."""
    return f"name: engine-test\nfootprint:\n  {footprint}\ncriteria:\n{criteria_yaml}"


def catalogue() -> Catalogue:
    return load_catalogue()


def parse_criteria(criteria_yaml: str) -> tuple[Criterion, ...]:
    return parse_profile(profile_text(criteria_yaml), "engine-test.yaml", catalogue().ids).criteria


def make_store(layers: Mapping[str, Path | LayerInput], ctx: RunContext | None = None) -> LayerStore:
    overrides = {k: v if isinstance(v, LayerInput) else LayerInput(Path(v)) for k, v in layers.items()}
    return LayerStore(catalogue(), None, overrides, ctx or RunContext())


def evaluate_rule(criterion_yaml: str, grid: Grid, layers: Mapping[str, Path | LayerInput],
                  ctx: RunContext | None = None) -> np.ndarray:
    """Parse one criterion and evaluate it on ``grid`` the way compute_exclusion does."""
    (criterion,) = parse_criteria(criterion_yaml)
    ctx = ctx or RunContext()
    store = make_store(layers, ctx)
    store.read_bounds = grid.expanded_bounds(criterion.max_distance_m + 2 * grid.resolution)
    kind = get_kind(criterion.kind)
    assert kind is not None
    mask = kind.evaluate(criterion, grid, store, ctx)
    assert mask.shape == grid.shape and mask.dtype == bool
    return mask


# --------------------------------------------------------------------------- exact geometry


def cell_centres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """x and y of every cell centre, each of the grid's shape."""
    cols = grid.left + (np.arange(grid.width) + 0.5) * grid.resolution
    rows = grid.top - (np.arange(grid.height) + 0.5) * grid.resolution
    return np.meshgrid(cols, rows)


def is_polygonal(geometry: BaseGeometry) -> bool:
    return geometry.geom_type in ("Polygon", "MultiPolygon")


def contains(geometry: BaseGeometry, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return _contains_xy(geometry, xs, ys)


def distances(geometry: BaseGeometry, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance from each (x, y) to ``geometry`` (0 inside polygons)."""
    if geometry.geom_type in ("Point", "MultiPoint"):
        pts = [geometry] if geometry.geom_type == "Point" else list(geometry.geoms)
        out = np.full(xs.shape, np.inf)
        for p in pts:
            out = np.minimum(out, np.hypot(xs - p.x, ys - p.y))
        return out
    flat_x, flat_y = xs.ravel(), ys.ravel()
    out = np.fromiter((geometry.distance(Point(x, y)) for x, y in zip(flat_x, flat_y)), float, flat_x.size)
    return out.reshape(xs.shape)


def signed_distance(geometry: BaseGeometry, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Distance to the geometry, negative inside polygons (minus the distance to the boundary).

    The result is 1-Lipschitz, so a point where its value minus a distance d exceeds r in magnitude
    lies more than r from the boundary of the d-buffer.
    """
    if not is_polygonal(geometry):
        return distances(geometry, xs, ys)
    edge = distances(geometry.boundary, xs, ys)
    return np.where(contains(geometry, xs, ys), -edge, edge)


def level(features: Iterable[tuple[BaseGeometry, float]], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """min over features of (signed distance - feature distance): <= 0 exactly where some feature is in reach."""
    out = np.full(xs.shape, np.inf)
    for geometry, reach in features:
        out = np.minimum(out, signed_distance(geometry, xs, ys) - reach)
    return out


def assert_matches_exact(mask: np.ndarray, expected: np.ndarray, ambiguous: np.ndarray, grid: Grid,
                         what: str) -> int:
    """Every cell outside ``ambiguous`` must match ``expected``; returns how many cells were checked."""
    assert mask.shape == expected.shape == ambiguous.shape
    wrong = (mask != expected) & ~ambiguous
    if wrong.any():
        xs, ys = cell_centres(grid)
        rows, cols = np.nonzero(wrong)
        sample = ", ".join(f"({xs[r, c]:.2f}, {ys[r, c]:.2f}) engine={bool(mask[r, c])} exact={bool(expected[r, c])}"
                           for r, c in list(zip(rows, cols))[:5])
        raise AssertionError(f"{what}: {int(wrong.sum())} of {int((~ambiguous).sum())} unambiguous cells differ from "
                             f"the exact geometry (grid {grid.width}x{grid.height} at {grid.resolution:g} m), e.g. "
                             f"{sample}")
    return int((~ambiguous).sum())


def assert_level_matches(mask: np.ndarray, f: np.ndarray, grid: Grid, band: float, what: str,
                         excluded_when_inside: bool = True) -> int:
    """The mask equals ``f <= 0`` (or its complement) except where |f| <= band."""
    inside = f <= 0
    return assert_matches_exact(mask, inside if excluded_when_inside else ~inside, np.abs(f) <= band, grid, what)


# --------------------------------------------------------------------------- strategies

def spread(lower: float, upper: float, steps: int = 5_003) -> st.SearchStrategy[float]:
    """A number in [lower, upper], spread evenly, shrinking towards the middle.

    Hypothesis' float strategy piles most examples onto the ends of its range (and onto round numbers),
    which would put most random shapes in a grid corner; integers on a fine, odd-sized lattice spread
    them, and since they shrink towards 0 the simplest example is the middle of the range.
    """
    middle, half = (lower + upper) / 2, (upper - lower) / 2
    return st.integers(-steps, steps).map(lambda i: middle + half * i / steps)


#: a part of the Netherlands (Veluwe / Betuwe) in RD metres, well inside EPSG:28992's area of use
RD_X = (150_000, 220_000)
RD_Y = (420_000, 480_000)


@st.composite
def grids(draw: st.DrawFn, min_cells: int = 12, max_cells: int = 36,
          resolutions: Sequence[float] = (5.0, 10.0, 25.0, 50.0, 100.0)) -> Grid:
    """A small north-up grid with edges on multiples of its resolution (as snap_grid makes them)."""
    res = draw(st.sampled_from(list(resolutions)))
    width = draw(st.integers(min_cells, max_cells))
    height = draw(st.integers(min_cells, max_cells))
    left = draw(st.integers(int(RD_X[0] / res), int(RD_X[1] / res))) * res
    top = draw(st.integers(int(RD_Y[0] / res), int(RD_Y[1] / res))) * res
    return Grid(float(left), float(top), float(res), width, height)


def _span(grid: Grid) -> float:
    return max(grid.width, grid.height) * grid.resolution


@st.composite
def points_near(draw: st.DrawFn, grid: Grid, margin: float = 0.2) -> Point:
    """A point in the grid's extent grown by ``margin`` × its span on each side."""
    minx, miny, maxx, maxy = grid.bounds
    pad = margin * _span(grid)
    return Point(draw(spread(minx - pad, maxx + pad)), draw(spread(miny - pad, maxy + pad)))


@st.composite
def simple_polygons(draw: st.DrawFn, grid: Grid) -> Polygon:
    """Buffered points, convex hulls, star-shaped (concave) polygons, rings with a hole, thin rotated bars."""
    res, span = grid.resolution, _span(grid)
    centre = draw(points_near(grid))
    radius = draw(spread(1.5 * res, 0.4 * span))
    shape = draw(st.sampled_from(["disc", "hull", "star", "ring", "bar"]))
    if shape == "disc":
        return centre.buffer(radius, draw(st.sampled_from([1, 2, 4, 16])))
    if shape == "hull":
        offsets = draw(st.lists(st.tuples(spread(-1, 1), spread(-1, 1)), min_size=3, max_size=10))
        hull = MultiPoint([(centre.x + dx * radius, centre.y + dy * radius) for dx, dy in offsets]).convex_hull
        return hull if hull.geom_type == "Polygon" and hull.area > 0 else centre.buffer(radius, 4)
    if shape == "star":
        n = draw(st.integers(5, 12))
        radii = draw(st.lists(spread(0.2, 1.0), min_size=n, max_size=n))
        jitter = draw(st.lists(spread(-0.3, 0.3), min_size=n, max_size=n))
        angles = [(i + j) * 2 * math.pi / n for i, j in zip(range(n), jitter)]
        return Polygon([(centre.x + r * radius * math.cos(a), centre.y + r * radius * math.sin(a))
                        for r, a in zip(radii, angles)])
    if shape == "ring":
        inner = draw(spread(0.2, 0.7)) * radius
        return centre.buffer(radius, 8).difference(centre.buffer(inner, 8))
    width = draw(spread(0.6 * res, 4 * res))
    bar = box(centre.x - radius, centre.y - width / 2, centre.x + radius, centre.y + width / 2)
    return affinity.rotate(bar, draw(spread(0, 180)), origin=centre)


@st.composite
def polygons(draw: st.DrawFn, grid: Grid) -> BaseGeometry:
    """A polygon or a multi-part polygon."""
    parts = draw(st.lists(simple_polygons(grid), min_size=1, max_size=3))
    if len(parts) == 1:
        return parts[0]
    merged = unary_union(parts)
    return merged if is_polygonal(merged) else parts[0]


@st.composite
def lines(draw: st.DrawFn, grid: Grid) -> BaseGeometry:
    """A line string (possibly self-crossing) or a multi-line string."""
    def one() -> st.SearchStrategy:
        return st.lists(points_near(grid), min_size=2, max_size=6).map(lambda pts: LineString([(p.x, p.y) for p in pts]))

    parts = draw(st.lists(one(), min_size=1, max_size=2))
    parts = [p for p in parts if p.length > 0] or [LineString([(grid.left, grid.top), (grid.left + 1, grid.top - 1)])]
    return parts[0] if len(parts) == 1 else MultiLineString(parts)


@st.composite
def geometries(draw: st.DrawFn, grid: Grid, kind: str) -> BaseGeometry:
    if kind == "point":
        return draw(points_near(grid))
    if kind == "line":
        return draw(lines(grid))
    return draw(polygons(grid))


@st.composite
def disjoint_polygons(draw: st.DrawFn, grid: Grid, min_size: int = 1, max_size: int = 4) -> list[BaseGeometry]:
    """Polygons that do not overlap (each later one has the earlier ones cut out of it)."""
    out: list[BaseGeometry] = []
    taken: BaseGeometry | None = None
    for part in draw(st.lists(simple_polygons(grid), min_size=min_size, max_size=max_size)):
        piece = part if taken is None else part.difference(taken)
        if piece.is_empty or piece.area < grid.resolution ** 2 or not is_polygonal(piece):
            continue
        out.append(piece)
        taken = piece if taken is None else taken.union(piece)
    return out or [box(*grid.bounds)]


def metres(value: float) -> str:
    """A length as a profile writes it."""
    return f"{value:.4f} m"  # four decimals: "26.250 m" would read as 26250 m in Dutch and is refused
