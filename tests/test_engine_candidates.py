"""Footprints and candidate areas, checked against brute force on small grids."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_helpers import cell_centres, contains
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from shapely.geometry import LineString, Point, box

from smr_siting.core.candidates.areas import FootprintCells, find_candidate_areas, fit_and_usable, footprint_cells
from smr_siting.core.model.grid import Grid
from smr_siting.core.model.profile import Footprint

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RES = 10.0


def _grid(shape: tuple[int, int], res: float = RES) -> Grid:
    return Grid(150_000.0, 450_000.0, res, shape[1], shape[0])


def _disc_offsets(radius: float, res: float) -> list[tuple[int, int]]:
    """Cells whose centre lies within ``radius`` of the anchor cell's centre (written out independently)."""
    n = int(radius // res) + 1
    return [(di, dj) for di in range(-n, n + 1) for dj in range(-n, n + 1)
            if (di * res) ** 2 + (dj * res) ** 2 <= radius ** 2]


def _placements(cells: FootprintCells, res: float) -> list[list[tuple[int, int]]]:
    """Every orientation of the footprint as cell offsets from its anchor cell.

    Rectangles are anchored like scipy's centred filters: at offset (rows // 2, cols // 2) from the
    top-left cell.  Circles at their centre cell.
    """
    if cells.shape == "circle":
        return [_disc_offsets(cells.radius_m, res)]
    out = []
    for rows, cols in sorted({(cells.rows, cells.cols), (cells.cols, cells.rows)}):
        out.append([(i - rows // 2, j - cols // 2) for i in range(rows) for j in range(cols)])
    return out + _turned_placements(cells, res)


def _turned_placements(cells: FootprintCells, res: float) -> list[list[tuple[int, int]]]:
    """The claim of issue 13 item 7, written with shapely: the footprint's rectangle (cols × rows cells) turned
    by every 15° about the centre of the axis-aligned footprint at the anchor; a placement covers the cells
    whose centres lie inside it (the boundary counts, within a nanometre), and a turned rectangle that would
    cover fewer cells than rows × cols is grown by sixteenths of its sides until it does not."""
    from shapely import affinity

    rows, cols = cells.rows, cells.cols
    period = 90 if rows == cols else 180
    centre = ((-(cols // 2) + (cols - 1) / 2) * res, -(-(rows // 2) + (rows - 1) / 2) * res)  # x east, y north
    reach = 2 * (rows + cols)
    out = []
    for angle in range(15, period, 15):
        if angle == 90:
            continue
        scale = 1.0
        while True:
            rectangle = box(-scale * cols * res / 2, -scale * rows * res / 2, scale * cols * res / 2,
                            scale * rows * res / 2)
            turned = affinity.translate(affinity.rotate(rectangle, angle, origin=(0, 0)), *centre).buffer(1e-9)
            covered = [(di, dj) for di in range(-reach, reach + 1) for dj in range(-reach, reach + 1)
                       if turned.contains(Point(dj * res, -di * res))]
            if len(covered) >= rows * cols:
                break
            scale += 1 / 16
        out.append(covered)
    return out


def _brute_force(free: np.ndarray, cells: FootprintCells, res: float) -> tuple[np.ndarray, np.ndarray]:
    """(fits, usable): anchors where every footprint cell is inside the grid and free; the cells they cover."""
    h, w = free.shape
    fits = np.zeros(free.shape, dtype=bool)
    usable = np.zeros(free.shape, dtype=bool)
    for offsets in _placements(cells, res):
        for i in range(h):
            for j in range(w):
                covered = [(i + di, j + dj) for di, dj in offsets]
                if all(0 <= r < h and 0 <= c < w and free[r, c] for r, c in covered):
                    fits[i, j] = True
                    for r, c in covered:
                        usable[r, c] = True
    return fits, usable


def _components(free: np.ndarray) -> list[set[tuple[int, int]]]:
    """4-connected patches of free cells, by flood fill."""
    seen: set[tuple[int, int]] = set()
    out = []
    h, w = free.shape
    for start in zip(*np.nonzero(free)):
        if start in seen:
            continue
        patch, stack = set(), [start]
        seen.add(start)
        while stack:
            r, c = stack.pop()
            patch.add((r, c))
            for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if 0 <= nr < h and 0 <= nc < w and free[nr, nc] and (nr, nc) not in seen:
                    seen.add((nr, nc))
                    stack.append((nr, nc))
        out.append(patch)
    return out


# --------------------------------------------------------------------------- footprint_cells


@PROPERTY
@given(shape=st.sampled_from(["square", "circle", "rectangle"]), res=st.sampled_from([5.0, 10.0, 25.0, 50.0, 100.0]),
       cells_of_area=st.floats(0.3, 400.0), aspect=st.floats(1.0, 6.0))
def test_footprint_cells_cover_at_least_the_area(shape, res, cells_of_area, aspect):
    area = cells_of_area * res * res
    footprint = Footprint(area, shape, aspect if shape == "rectangle" else 1.0)
    cells = footprint_cells(footprint, res)
    assert cells.shape == shape
    assert cells.area_m2 == pytest.approx(cells.cells * res * res)
    assert cells.area_m2 >= area * (1 - 1e-9), "the footprint on the grid is smaller than the footprint"
    if shape == "circle":
        assert cells.cells == len(_disc_offsets(cells.radius_m, res))
        assert cells.radius_m >= math.sqrt(area / math.pi) - 1e-9
        smaller = cells.radius_m - res / 8
        assert smaller < math.sqrt(area / math.pi) or len(_disc_offsets(smaller, res)) * res * res < area
        return
    assert cells.cells == cells.rows * cells.cols
    width = math.sqrt(area / footprint.aspect)
    length = width * footprint.aspect
    assert (cells.rows - 1) * res < width <= cells.rows * res + 1e-6
    assert (cells.cols - 1) * res < length <= cells.cols * res + 1e-6
    if shape == "square":
        assert cells.rows == cells.cols
        assert (cells.rows - 1) ** 2 * res * res < area, "a smaller square would do"


def test_footprint_cells_examples():
    square = footprint_cells(Footprint(10 * 10_000, "square"), 25.0)
    assert (square.rows, square.cols) == (13, 13)  # 325 m for 316 m
    assert footprint_cells(Footprint(10 * 10_000, "square"), 100.0).cells == 16
    rect = footprint_cells(Footprint(20 * 10_000, "rectangle", 2.0), 25.0)
    assert (rect.rows, rect.cols) == (13, 26)  # 316 × 632 m
    circle = footprint_cells(Footprint(10 * 10_000, "circle"), 25.0)
    assert circle.area_m2 >= 100_000 and circle.radius_m >= math.sqrt(100_000 / math.pi)


# --------------------------------------------------------------------------- fit_and_usable


@st.composite
def footprints_on_grid(draw: st.DrawFn) -> FootprintCells:
    shape = draw(st.sampled_from(["square", "rectangle", "circle"]))
    if shape == "circle":
        radius = draw(st.floats(0.0, 3.6)) * RES
        count = len(_disc_offsets(radius, RES))
        return FootprintCells("circle", 0, 0, radius, count, count * RES * RES)
    rows = draw(st.integers(1, 5))
    cols = rows if shape == "square" else draw(st.integers(rows, 6))
    return FootprintCells(shape, rows, cols, 0.0, rows * cols, rows * cols * RES * RES)


@PROPERTY
@given(free=arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.booleans()),
       cells=footprints_on_grid())
def test_fit_and_usable_match_brute_force(free, cells):
    fits, usable = fit_and_usable(free, cells, RES)
    expected_fits, expected_usable = _brute_force(free, cells, RES)
    assert (fits == expected_fits).all(), "a position fits iff every cell of the footprint there is free"
    assert (usable == expected_usable).all(), "usable land is the union of fitting footprints"


@PROPERTY
@given(free=arrays(bool, st.tuples(st.integers(6, 14), st.integers(6, 14)), elements=st.booleans()),
       blocks=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13), st.integers(1, 7), st.integers(1, 7)),
                       max_size=4),
       cells=footprints_on_grid())
def test_fit_and_usable_on_blocky_masks(free, blocks, cells):
    """Random masks with solid blocks, where footprints of several cells do fit."""
    free = free.copy()
    for r, c, h, w in blocks:
        free[r:r + h, c:c + w] = True
    fits, usable = fit_and_usable(free, cells, RES)
    expected_fits, expected_usable = _brute_force(free, cells, RES)
    assert (fits == expected_fits).all()
    assert (usable == expected_usable).all()


# --------------------------------------------------------------------------- find_candidate_areas


def _candidates(free: np.ndarray, footprint: Footprint, region: np.ndarray | None = None, region_geometry=None):
    grid = _grid(free.shape)
    region = np.ones(free.shape, dtype=bool) if region is None else region
    region_geometry = box(*grid.bounds) if region_geometry is None else region_geometry
    gdf, cells = find_candidate_areas(free, region, grid, footprint, None, region_geometry)
    return grid, gdf, cells


def _holds_footprint(patch: np.ndarray, cells: FootprintCells) -> bool:
    return bool(_brute_force(patch, cells, RES)[0].any())


@PROPERTY
@given(free=arrays(bool, st.tuples(st.integers(6, 16), st.integers(6, 16)), elements=st.booleans()),
       blocks=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15), st.integers(1, 8), st.integers(1, 8)),
                       max_size=4),
       shape=st.sampled_from(["square", "rectangle", "circle"]), area_cells=st.integers(1, 20))
def test_every_candidate_area_holds_a_footprint(free, blocks, shape, area_cells):
    free = free.copy()
    for r, c, h, w in blocks:
        free[r:r + h, c:c + w] = True
    footprint = Footprint(area_cells * RES * RES, shape, 2.0 if shape == "rectangle" else 1.0)
    grid, gdf, cells = _candidates(free, footprint)
    xs, ys = cell_centres(grid)
    cell_ha = RES * RES / 1e4
    for _, area in gdf.iterrows():
        patch = contains(area.geometry, xs, ys)
        assert patch.any() and (patch <= free).all(), "a candidate area covers excluded land"
        assert _holds_footprint(patch, cells), f"candidate {area['area_id']} holds no {shape} footprint"
        assert area["area_ha"] == pytest.approx(patch.sum() * cell_ha)
        assert area["area_ha"] >= cells.area_m2 / 1e4 - 1e-9
        assert area["usable_ha"] <= area["area_ha"] + 1e-9
    # and every 4-connected free patch that holds a footprint is a candidate, once
    expected = []
    for patch in _components(free):
        mask = np.zeros(free.shape, dtype=bool)
        mask[tuple(np.array(sorted(patch)).T)] = True
        if _holds_footprint(mask, cells):
            expected.append(len(patch))
    assert sorted(gdf["area_ha"].round(4).tolist()) == sorted(round(n * cell_ha, 4) for n in expected)


def test_a_candidate_area_clipped_to_the_region_still_holds_the_footprint():
    grid = _grid((20, 20))
    free = np.zeros(grid.shape, dtype=bool)
    free[5:10, 5:10] = True  # exactly one 5 x 5 footprint position
    region = np.zeros(grid.shape, dtype=bool)
    region[:, :8] = True  # the region ends three cells into the patch
    region_geometry = box(grid.left, grid.top - 200.0, grid.left + 80.0, grid.top)
    grid, gdf, cells = _candidates(free, Footprint(25 * RES * RES, "square"), region, region_geometry)
    xs, ys = cell_centres(grid)
    for _, area in gdf.iterrows():
        assert area["area_ha"] >= cells.area_m2 / 1e4, "a candidate area smaller than the footprint"
        assert _holds_footprint(contains(area.geometry, xs, ys), cells)


@pytest.mark.parametrize("shape", ["square", "circle"])
def test_a_large_but_thin_free_area_is_not_a_candidate(shape):
    """120 free cells in a 2-cell strip, an L of 3-cell arms and a 3-cell ring: plenty of area, no room for 16 cells."""
    footprint = Footprint(16 * RES * RES, shape)
    free = np.zeros((40, 70), dtype=bool)
    free[2:4, 2:62] = True  # strip 2 x 60
    free[8:11, 2:40] = True  # L: 3 x 38 ...
    free[8:30, 2:5] = True  # ... and 22 x 3
    free[12:32, 20:40] = True  # ring: a 20 x 20 square ...
    free[15:29, 23:37] = False  # ... with a 14 x 14 hole
    free[11, :] = False  # keep the L and the ring apart
    assert free.sum() > 5 * 16
    _, gdf, cells = _candidates(free, footprint)
    assert len(gdf) == 0, f"{len(gdf)} candidate(s) where no {cells.cells}-cell footprint fits"
    # the same strip four cells wide does hold a 4 x 4 square (the test can tell the two apart)
    wide = free.copy()
    wide[2:6, 2:62] = True
    _, gdf_wide, _ = _candidates(wide, Footprint(16 * RES * RES, "square"))
    assert len(gdf_wide) == 1


def test_diagonal_contact_does_not_join_areas():
    free = np.zeros((12, 12), dtype=bool)
    free[1:6, 1:6] = True
    free[6:11, 6:11] = True  # touches the first block only at a corner
    _, gdf, _ = _candidates(free, Footprint(16 * RES * RES, "square"))
    assert len(gdf) == 2
    assert sorted(gdf["area_ha"]) == [0.25, 0.25]


def test_diagonal_contact_does_not_make_a_footprint_fit():
    """Two 3 x 3 blocks touching at a corner: 18 cells, but a 2 x 2 square spanning the corner is not free land."""
    free = np.zeros((8, 8), dtype=bool)
    free[1:4, 1:4] = True
    free[4:7, 4:7] = True
    _, gdf, _ = _candidates(free, Footprint(12 * RES * RES, "rectangle", 4 / 3))  # 3 x 4 cells
    assert len(gdf) == 0


def test_edge_contact_joins_areas_into_one_candidate():
    free = np.zeros((12, 12), dtype=bool)
    free[1:6, 1:6] = True
    free[1:6, 6:11] = True  # shares an edge with the first block
    free[8:10, 1:11] = True  # a thin strip, connected by a 1-cell corridor
    free[6:8, 3] = True
    _, gdf, cells = _candidates(free, Footprint(16 * RES * RES, "square"))
    assert len(gdf) == 1
    assert gdf["area_ha"].iloc[0] == pytest.approx((50 + 20 + 2) * RES * RES / 1e4)  # the whole 4-connected patch
    usable = _brute_force(free, cells, RES)[1]
    assert usable[1:6, 1:11].all() and not usable[8:10].any()  # the blocks hold the footprint, the strip does not
    assert gdf["usable_ha"].iloc[0] == pytest.approx(usable.sum() * RES * RES / 1e4)


def test_a_square_fits_a_diagonal_strip_only_when_turned():
    """Issue 13 item 7 (failed on 96ade62: footprints were tried only axis-aligned).  A 400 m wide strip at 45°
    holds a 10 ha square (13 × 13 cells of 25 m = 325 m) turned by 45°, not an axis-aligned one (its extent
    across the strip is 325 m × √2 = 460 m)."""
    res = 25.0
    grid = Grid(150_000.0, 452_000.0, res, 80, 80)
    xs, ys = cell_centres(grid)
    strip = LineString([(150_000.0, 450_000.0), (152_000.0, 452_000.0)]).buffer(200.0, cap_style=2)
    free = contains(strip, xs, ys)
    footprint = Footprint(10 * 10_000, "square")
    cells = footprint_cells(footprint, res)
    assert (cells.rows, cells.cols) == (13, 13)
    axis = ndimage_minimum(free, 13)
    assert not axis.any()  # no axis-aligned placement fits
    _grid_, gdf, _cells = _candidates_at(free, footprint, grid)
    assert len(gdf) == 1
    fits, _usable = fit_and_usable(free, cells, res)
    assert fits.any()
    row, col = np.argwhere(fits)[0]
    centre = Point(grid.left + (col + 0.5) * res, grid.top - (row + 0.5) * res)
    from shapely import affinity

    turned = affinity.rotate(box(centre.x - 162.5, centre.y - 162.5, centre.x + 162.5, centre.y + 162.5), 45)
    inside = contains(turned, xs, ys)
    assert inside.sum() >= 169 and (free[inside]).all()  # that turned square lies wholly on the strip


def ndimage_minimum(free: np.ndarray, size: int) -> np.ndarray:
    from scipy import ndimage

    return ndimage.minimum_filter(free.astype(np.uint8), size=size, mode="constant", cval=0).astype(bool)


def _candidates_at(free: np.ndarray, footprint: Footprint, grid: Grid):
    region = np.ones(free.shape, dtype=bool)
    gdf, cells = find_candidate_areas(free, region, grid, footprint, None, box(*grid.bounds))
    return grid, gdf, cells


@PROPERTY
@given(free=arrays(bool, st.tuples(st.integers(6, 24), st.integers(6, 24)), elements=st.booleans()),
       blocks=st.lists(st.tuples(st.integers(0, 23), st.integers(0, 23), st.integers(1, 9), st.integers(1, 9)),
                       max_size=4),
       diagonal=st.booleans(), cut=st.integers(0, 5),
       shape=st.sampled_from(["square", "rectangle", "circle"]), area_cells=st.integers(1, 20))
def test_the_sweeps_figures_are_those_of_the_candidate_areas(free, blocks, diagonal, cut, shape, area_cells):
    """A sweep value counts the candidate areas without drawing them (turned footprints tried only in the
    areas no axis-aligned one fits): the count and hectares of the areas the screening draws."""
    from smr_siting.core.candidates.areas import candidate_figures

    free = free.copy()
    for r, c, h, w in blocks:
        free[r:r + h, c:c + w] = True
    if diagonal:  # a strip at 45°: only turned footprints fit there
        rows, cols = np.indices(free.shape)
        free |= np.abs(rows - cols) <= 2
    region = np.ones(free.shape, dtype=bool)
    region[:, :cut] = False  # the region leaves out the first columns (cut > 0)
    footprint = Footprint(area_cells * RES * RES, shape, 2.0 if shape == "rectangle" else 1.0)
    grid = Grid(150_000.0, 452_000.0, RES, free.shape[1], free.shape[0])
    geometry = box(grid.left + cut * RES, grid.bounds[1], grid.bounds[2], grid.bounds[3])
    gdf, _cells = find_candidate_areas(free, region, grid, footprint, None, geometry)
    count, hectares = candidate_figures(free, region, grid, footprint)
    assert count == len(gdf)
    assert hectares == pytest.approx(round(float(gdf["area_ha"].sum()), 2) if len(gdf) else 0.0, abs=1e-9)


@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (40, 33), (513, 61), (1100, 45)])
@pytest.mark.parametrize("share", [0.5, 0.95, 1.0])
def test_rectangle_fits_by_doubling_equal_scipys_minimum_filter(shape, share):
    """The footprint's anchor cells, found by ANDs of doubling windows (candidates.areas.erode) a strip of rows at
    a time, are those of ``ndimage.minimum_filter`` with the same window, and the land they cover (ORs,
    candidates.areas.dilate) that of ``ndimage.grey_dilation`` (sizes odd and even, 1, and larger than the mask;
    taller than a strip so the strips' margins count)."""
    import numpy as np
    from scipy import ndimage

    from smr_siting.core.candidates.areas import _orientation_fits, dilate

    rng = np.random.default_rng(shape[0] * 31 + shape[1])
    free = rng.random(shape) < share
    for rows, cols in [(1, 1), (2, 3), (4, 4), (5, 18), (17, 2), (18, 18), (41, 7), (1200, 3)]:
        expected = ndimage.minimum_filter(free.astype(np.uint8), size=(rows, cols), mode="constant", cval=0)
        assert np.array_equal(_orientation_fits(free, rows, cols), expected.astype(bool)), (rows, cols)
        # the land the fitting rectangles cover: grey_dilation's mirrored window (the opening's second half)
        anchors = rng.random(shape) < 0.02
        expected = ndimage.grey_dilation(anchors.astype(np.uint8), size=(rows, cols), mode="constant", cval=0)
        assert np.array_equal(dilate(dilate(anchors, rows, 0), cols, 1), expected.astype(bool)), (rows, cols)
