"""The numpy scanline fill (smr_siting.core.data.scanfill) burns exactly the cells GDAL's rasterizer burns: on random
polygons (holes, several parts, vertices on the lattice of cell edges and centres, reaching past the grid), on the
real Dutch layers a screening burns, and through ``burn`` as the rules call it.  GDAL (through rasterio) is the
reference; near ties are left to it, and the test checks that they are."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import shapely.wkb
from engine_helpers import grids, polygons, real_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasterio import features
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from smr_siting.core.data import scanfill, vectorio
from smr_siting.core.data.geometry import burn
from smr_siting.core.model.grid import Grid

PROPERTY = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
GELDERLAND_READ = (102000.0, 390200.0, 280250.0, 529850.0)
GELDERLAND_GRID = Grid(114950.0, 516900.0, 25.0, 6094, 4550)


def _gdal(shapes: list, grid: Grid) -> np.ndarray:
    return features.rasterize([(g, 1) for g in shapes], out_shape=grid.shape, transform=grid.transform,
                              dtype="uint8").astype(bool)


def _ours(shapes: list, grid: Grid, min_work: float = 0.0) -> tuple[np.ndarray, list[int]]:
    """The numpy fill for what it takes, GDAL for the rest (as burn_into does)."""
    mask = np.zeros(grid.shape, dtype=bool)
    rest = scanfill.fill(mask, [g.wkb for g in shapes], grid.transform.to_gdal(), min_work)
    if rest:
        mask |= _gdal([shapes[i] for i in rest], grid)
    return mask, rest


@st.composite
def lattice_polygons(draw: st.DrawFn, grid: Grid) -> Polygon:
    """Polygons whose vertices sit on quarter cells: on cell edges and on the lines through the centres, where
    the rule's half-open edges and GDAL's horizontal edges decide (the near ties)."""
    res = grid.resolution
    n = draw(st.integers(3, 8))
    pts = draw(st.lists(st.tuples(st.integers(-8, 4 * grid.width + 8), st.integers(-8, 4 * grid.height + 8)),
                        min_size=n, max_size=n, unique=True))
    polygon = Polygon([(grid.left + i * res / 4, grid.top - j * res / 4) for i, j in pts]).buffer(0)
    return polygon if polygon.geom_type in ("Polygon", "MultiPolygon") and not polygon.is_empty else box(
        grid.left, grid.top - 2 * res, grid.left + 2 * res, grid.top)


@PROPERTY
@given(data=st.data())
def test_random_polygons_burn_the_same_cells_as_gdal(data):
    grid = data.draw(grids())
    shapes = data.draw(st.lists(st.one_of(polygons(grid), lattice_polygons(grid)), min_size=1, max_size=5))
    ours, rest = _ours(shapes, grid)
    assert np.array_equal(ours, _gdal(shapes, grid))


def test_smooth_random_polygons_are_filled_here_not_left_to_gdal():
    """Off the lattice a tie is all but impossible: every polygon is filled by the numpy route (else the test
    above would only compare GDAL with itself)."""
    grid = Grid(150000.0, 470000.0, 25.0, 400, 300)
    rng = np.random.default_rng(7)
    shapes = []
    for _ in range(30):
        x, y = grid.left + rng.uniform(0, 10000), grid.top - rng.uniform(0, 7500)
        star = [(x + r * np.cos(a), y + r * np.sin(a)) for r, a in
                zip(rng.uniform(200, 2500, 40), np.sort(rng.uniform(0, 2 * np.pi, 40)))]
        shapes.append(Polygon(star).buffer(0))
    shapes.append(Point(grid.left + 5000.0, grid.top - 4000.0).buffer(3000.0, 64).difference(
        Point(grid.left + 5000.0, grid.top - 4000.0).buffer(1000.0, 64)))  # a hole
    ours, rest = _ours(shapes, grid)
    assert rest == []
    assert np.array_equal(ours, _gdal(shapes, grid))
    assert ours.sum() > 10_000


def test_near_ties_and_other_kinds_are_left_to_gdal():
    grid = Grid(0.0, 100.0, 10.0, 10, 10)
    on_centre_line = box(12.0, 100.0 - 35.0, 47.3, 100.0 - 11.1)  # its lower edge lies on row 3's centre line
    off_lattice = box(12.2, 100.0 - 33.3, 47.3, 100.0 - 11.1)
    line = LineString([(0, 0), (50, 50)])
    mask = np.zeros(grid.shape, dtype=bool)
    rest = scanfill.fill(mask, [g.wkb for g in (on_centre_line, off_lattice, line)], grid.transform.to_gdal(), 0.0)
    assert rest == [0, 2]
    assert np.array_equal(mask, _gdal([off_lattice], grid))


def test_wkb_of_every_flavour_reads_the_same_rings():
    """Big- and little-endian, 2-D and 3-D (extended WKB), polygons and multipolygons: the same coordinates."""
    square = Polygon([(0, 0, 5), (4, 0, 5), (4, 3, 5), (0, 3, 5)], [[(1, 1, 5), (2, 1, 5), (2, 2, 5), (1, 1, 5)]])
    flat = Polygon([(x, y) for x, y, _z in square.exterior.coords], [[(x, y) for x, y, _z in square.interiors[0].coords]])
    for geometry in (square, flat, MultiPolygon([flat, box(10, 10, 11, 11)])):
        for big in (False, True):
            parts = scanfill.wkb_polygons(shapely.wkb.dumps(geometry, big_endian=big))
            assert parts is not None
            expected = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
            assert len(parts) == len(expected)
            for rings, polygon in zip(parts, expected):
                want = [np.asarray(r.coords)[:, :2] for r in (polygon.exterior, *polygon.interiors)]
                assert len(rings) == len(want)
                assert all(np.array_equal(a, b) for a, b in zip(rings, want))
    assert scanfill.wkb_polygons(LineString([(0, 0), (1, 1)]).wkb) is None
    assert scanfill.wkb_polygons(b"\x01\x03") is None  # cut short
    assert scanfill.wkb_polygons(b"\x07" + flat.wkb[1:]) is None  # no byte order
    iso_z = b"\x01" + struct.pack("<I", 1003) + square.wkb[5:]  # ISO 3-D code instead of the extended flag
    assert [np.array_equal(a, b) for a, b in zip(scanfill.wkb_polygons(iso_z)[0],
                                                 scanfill.wkb_polygons(square.wkb)[0])] == [True, True]
    assert scanfill.wkb_polygons(shapely.wkb.dumps(flat, srid=1)) is None  # EWKB with an SRID: left to GDAL


@pytest.mark.parametrize("layer", ["natura2000", "water_krw_buffered"])
def test_real_layers_burn_the_same_cells_as_gdal(layer):
    """What a Gelderland screening burns by cell centre: the Natura 2000 sites (58 multipolygons, 275,000
    vertices) and 3 km buffers of the KRW water bodies."""
    name, kind = (("nl_natura2000.gpkg", None) if layer == "natura2000" else
                  ("nl_water_krw_and_osm_relations.gpkg", "krw_waterlichamen_nlmod"))
    info = vectorio.vector_info(real_data() / name, kind, layer)
    shapes = [g.buffer(0) for g in vectorio.read_vector(info, GELDERLAND_READ, layer).geometry]
    if layer != "natura2000":
        shapes = [g.buffer(3000.0, 20) for g in shapes]
    ours, rest = _ours(shapes, GELDERLAND_GRID, scanfill.MIN_WORK)
    assert len(rest) < len(shapes)
    assert np.array_equal(ours, _gdal(shapes, GELDERLAND_GRID))
    assert np.array_equal(burn(shapes, GELDERLAND_GRID), ours)  # the route the rules take
