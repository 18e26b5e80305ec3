"""Population around a place (smr_siting/core/data/population.py and the population criterion kinds).

The FFT ring/sector sums are compared with brute-force sums over every cell (property tests); the
RG 4.7-style density rule is compared cell for cell with a brute-force density on a real GeoPackage
read by the real rule; on the real CBS kern points the population within 10 km of Arnhem is compared
with an independent geopandas sum.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from engine_helpers import cell_centres, evaluate_rule, real_data, write_layer
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from smr_siting.core.data.population import (
    SECTORS,
    Population,
    bin_counts,
    coarse_grid,
    density_per_km2,
    disc_sums,
    sector_at,
    sector_index,
    sector_max,
    to_analysis_grid,
    within_at,
)
from smr_siting.core.model.grid import Grid


def _brute_disc(counts: np.ndarray, size: float, radius: float) -> np.ndarray:
    h, w = counts.shape
    out = np.zeros_like(counts)
    rows, cols = np.nonzero(counts)
    for i in range(h):
        for j in range(w):
            d2 = ((rows - i) ** 2 + (cols - j) ** 2) * size * size
            out[i, j] = counts[rows, cols][d2 <= radius * radius].sum()
    return out


def _brute_sectors(counts: np.ndarray, size: float, inner: float, outer: float) -> np.ndarray:
    h, w = counts.shape
    out = np.zeros((SECTORS, h, w))
    rows, cols = np.nonzero(counts)
    for i in range(h):
        for j in range(w):
            dx = (cols - j) * size
            dy = -(rows - i) * size
            d2 = dx * dx + dy * dy
            ring = (d2 <= outer * outer) & (d2 >= inner * inner)
            # bearing from the cell to the people, sector 0 centred on north
            bearings = [math.degrees(math.atan2(x, y)) % 360 for x, y in zip(dx[ring], dy[ring])]
            for b, c in zip(bearings, counts[rows, cols][ring]):
                out[int(((b + 11.25) % 360) // 22.5) % 16, i, j] += c
    return out


@st.composite
def populations(draw):
    h = draw(st.integers(5, 18))
    w = draw(st.integers(5, 18))
    density = draw(st.floats(0.05, 0.6))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    counts = np.where(rng.random((h, w)) < density, rng.integers(1, 5000, (h, w)), 0).astype("float64")
    return counts


@settings(max_examples=40, deadline=None)
@given(counts=populations(), radii=st.lists(st.floats(50.0, 1500.0), min_size=1, max_size=3))
def test_disc_sums_equal_a_brute_force_sum(counts, radii):
    size = 100.0
    for radius, fast in zip(radii, disc_sums(counts, size, radii)):
        assert np.array_equal(fast, _brute_disc(counts, size, radius)), radius


@settings(max_examples=25, deadline=None)
@given(counts=populations(), inner=st.floats(0.0, 600.0), width=st.floats(100.0, 1200.0))
def test_sector_sums_equal_a_brute_force_sum(counts, inner, width):
    size = 100.0
    worst, which = sector_max(counts, size, inner, inner + width)
    brute = _brute_sectors(counts, size, inner, inner + width)
    assert np.array_equal(worst, brute.max(axis=0))
    assert np.array_equal(np.take_along_axis(brute, which[None], 0)[0], worst)


def test_sector_directions():
    """People due north, east, south and west of a site land in N, E, S and W (sectors 0, 4, 8, 12)."""
    assert list(sector_index(np.array([0.0, 1.0, 0.0, -1.0]), np.array([1.0, 0.0, -1.0, 0.0]))) == [0, 4, 8, 12]
    population = Population(np.array([0.0, 0.0, 700.0]), np.array([900.0, -900.0, 0.0]),
                            np.array([10.0, 30.0, 20.0]), "test", "points")
    assert sector_at(population, 0.0, 0.0, 500.0, 1000.0) == (30.0, 8)  # the most are due south


@pytest.mark.parametrize("resolution", [100.0, 25.0, 30.0])
def test_population_grid_maps_every_analysis_cell_to_one_population_cell(resolution):
    grid = Grid(100_025.0 - 25.0 if resolution == 25 else 100_020.0, 400_000.0, resolution, 37, 23)
    coarse = coarse_grid(grid, 0.0)
    assert coarse.resolution % resolution == 0 and coarse.resolution >= 100
    xs, ys = cell_centres(grid)
    ids = np.arange(coarse.width * coarse.height, dtype="float64").reshape(coarse.shape)
    mapped = to_analysis_grid(ids, coarse, grid)
    col = np.floor((xs - coarse.left) / coarse.resolution)
    row = np.floor((coarse.top - ys) / coarse.resolution)
    assert np.array_equal(mapped, row * coarse.width + col)


def test_rg47_density_rule_is_exact_to_the_cell(tmp_path):
    """The rule reads a real GeoPackage of kern-like points and excludes exactly the cells where the density
    over some radius (inhabitants within r / π r²) exceeds the threshold, as a brute force computes it."""
    rng = np.random.default_rng(47)
    grid = Grid(150_000.0, 460_000.0, 100.0, 60, 50)
    n = 40
    cols = rng.integers(-5, 65, n)
    rows = rng.integers(-5, 55, n)
    xs = grid.left + (cols + 0.5) * 100.0
    ys = grid.top - (rows + 0.5) * 100.0
    counts = rng.integers(1, 150, n)
    path = write_layer(tmp_path / "kernen.gpkg", [Point(x, y) for x, y in zip(xs, ys)],
                       aantal_inwoners_2021=[int(c) for c in counts])
    rule = """  - id: density
    kind: population_within
    radii: [300 m, 1 km, 2.5 km]
    threshold: {op: ">", value: 500, unit: inhabitants/mi2}
    prefer: []
    layers: [{layer: population_centres, field: aantal_inwoners_2021}]
"""
    mask = evaluate_rule(rule, grid, {"population_centres": path})
    cx, cy = cell_centres(grid)
    limit = 500 / 2.589988110336
    expected = np.zeros(grid.shape, dtype=bool)
    for radius in (300.0, 1000.0, 2500.0):
        within = np.zeros(grid.shape)
        for x, y, c in zip(xs, ys, counts):
            within += np.where((cx - x) ** 2 + (cy - y) ** 2 <= radius * radius, c, 0)
        expected |= within / (math.pi * radius * radius / 1e6) > limit
    assert expected.any() and not expected.all()
    assert np.array_equal(mask, expected)
    # on a 25 m grid every cell takes its 100 m population cell's answer
    fine = Grid(grid.left, grid.top, 25.0, grid.width * 4, grid.height * 4)
    assert np.array_equal(evaluate_rule(rule, fine, {"population_centres": path}),
                          np.repeat(np.repeat(expected, 4, axis=0), 4, axis=1))


def test_population_within_10_km_of_arnhem_matches_geopandas():
    data = real_data()
    kernen = gpd.read_file(data / "nl_cbs_bevolkingskernen2021_centroids.gpkg")
    arnhem = kernen[kernen["kern_naam"] == "Groot - Arnhem"].geometry.iloc[0]
    # independent: geopandas distances and a pandas sum
    expected = int(kernen[kernen.geometry.distance(arnhem) <= 10_000]["aantal_inwoners_2021"].sum())
    population = Population(kernen.geometry.x.to_numpy(), kernen.geometry.y.to_numpy(),
                            kernen["aantal_inwoners_2021"].to_numpy(dtype="float64"), "population_centres", "points")
    assert within_at(population, [arnhem.x], [arnhem.y], 10_000)[0] == expected
    assert 190_000 < expected < 500_000  # Arnhem north and south of the Rhine (~190,000) and its neighbours
    # the every-cell FFT sum at Arnhem's 100 m cell: kern points count at their cell's centre, so it agrees
    # unless a kern lies within a cell diagonal of the 10 km circle
    grid = Grid(math.floor(arnhem.x / 100) * 100 - 10_000, math.floor(arnhem.y / 100) * 100 + 10_100, 100.0, 201, 201)
    coarse = coarse_grid(grid, 10_000)
    (sums,) = disc_sums(bin_counts(population, coarse), coarse.resolution, [10_000])
    cell = to_analysis_grid(sums, coarse, grid)[100, 100]
    distances = kernen.geometry.distance(arnhem)
    if not ((distances > 10_000 - 142) & (distances < 10_000 + 142)).any():
        assert cell == expected
    else:
        assert abs(cell - expected) <= kernen[(distances > 9_858) & (distances < 10_142)]["aantal_inwoners_2021"].sum()


def test_squares_count_at_their_centre_and_suppressed_counts_are_zero(tmp_path):
    squares = [box(150_000 + 100 * i, 460_000, 150_100 + 100 * i, 460_100) for i in range(4)]
    path = write_layer(tmp_path / "grid100.gpkg", squares, aantalInwoners=[40, -99997, 25, 5])
    rule = """  - id: evac
    kind: emergency_zone
    radius: 160 m
    max_inhabitants: 60
    layers: [{layer: population_centres, field: aantal_inwoners_2021}]
"""
    kern = write_layer(tmp_path / "kern.gpkg", [Point(0, 0)], aantal_inwoners_2021=[1])
    grid = Grid(150_000.0, 460_300.0, 100.0, 6, 5)
    mask = evaluate_rule(rule, grid, {"population_grid_100m": path, "population_centres": kern})
    # the row of squares is row 2 (y 460,000-460,100); the cell over square 1 sees 40 + 0 + 25 = 65 > 60
    assert mask[2].tolist() == [False, True, False, False, False, False]
    assert density_per_km2(1.0, 1000.0 / math.sqrt(math.pi)) == pytest.approx(1.0)


def test_rg47_rule_through_the_screening_is_reported_in_km2(tmp_path):
    """Through compute_exclusion (a region file, --layer overrides, a profile file): the density rule's
    km² in the per-rule table is its brute-force cells inside the region × the cell area."""
    from smr_siting.core.data.layers import LayerInput
    from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion

    rng = np.random.default_rng(4)
    xs = 180_000 + rng.integers(0, 60, 30) * 100 + 50.0
    ys = 440_000 + rng.integers(0, 60, 30) * 100 + 50.0
    counts = rng.integers(10, 400, 30)
    kernen = write_layer(tmp_path / "k.gpkg", [Point(x, y) for x, y in zip(xs, ys)],
                         aantal_inwoners_2021=[int(c) for c in counts])
    region = write_layer(tmp_path / "region.gpkg", [box(181_000, 441_000, 185_000, 445_000)])
    profile = tmp_path / "rg47.yaml"
    profile.write_text("name: rg47\nresolution: 100 m\nfootprint: {area: 1 ha, shape: square}\ncriteria:\n"
                       "  - id: density\n    kind: population_within\n    radii: [1 km, 2 km]\n"
                       "    threshold: {op: '>', value: 500, unit: inhabitants/mi2}\n    prefer: []\n"
                       "    layers: [{layer: population_centres, field: aantal_inwoners_2021}]\n", encoding="utf-8")
    result = compute_exclusion(ScreeningRequest(region=str(region), profile=str(profile),
                                                layers={"population_centres": LayerInput(kernen)}))
    grid = result.analysis_grid
    cx, cy = cell_centres(grid)
    expected = np.zeros(grid.shape, dtype=bool)
    for radius in (1000.0, 2000.0):
        within = sum(np.where((cx - x) ** 2 + (cy - y) ** 2 <= radius * radius, c, 0) for x, y, c in
                     zip(xs, ys, counts))
        expected |= within / (math.pi * radius * radius / 1e6) > 500 / 2.589988110336
    (row,) = result.table
    cells = int((expected & result.region_full).sum())
    assert 0 < cells < int(result.region_full.sum())
    assert row.km2_alone == round(cells * grid.cell_area_km2, 4)
    assert np.array_equal(result.bits_full != 0, expected)


def test_population_scoring_measure_on_the_grid_and_at_sites(tmp_path):
    """The 'population' scoring measure (radius from the design's sheltering zone): every cell's value is the
    brute-force sum at its 100 m cell's centre, and at sites the exact sum."""
    import dataclasses

    from engine_helpers import make_store

    from smr_siting.core.config.designs import apply_design
    from smr_siting.core.data.catalogue import load_catalogue
    from smr_siting.core.rules import parse_profile
    from smr_siting.core.scoring.measures import measure_at_sites, measure_on_grid

    rng = np.random.default_rng(9)
    xs = 150_000 + rng.integers(0, 40, 25) * 100 + 50.0
    ys = 460_000 - rng.integers(0, 40, 25) * 100 - 50.0
    counts = rng.integers(1, 5_000, 25)
    path = write_layer(tmp_path / "k.gpkg", [Point(x, y) for x, y in zip(xs, ys)],
                       aantal_inwoners_2021=[int(c) for c in counts])
    text = """name: measure-test
design: {default: chp-50}
footprint: {area: 1 ha, shape: square}
criteria:
  - {id: any, kind: exclude_inside, layers: [natura2000]}
scoring:
  weights: direct
  criteria:
    - id: shelter
      measure: population
      radius: design.sheltering_zone
      layers: [population_centres]
      field: aantal_inwoners_2021
      weight: 1
      standardise: {method: linear, points: [[0, 1], [10000, 0]]}
"""
    profile = apply_design(parse_profile(text, "m.yaml", load_catalogue().ids), None)
    (criterion,) = profile.scoring.criteria
    assert criterion.radius == 3000.0  # chp-50's sheltering zone
    grid = Grid(150_000.0, 460_000.0, 100.0, 40, 40)
    store = make_store({"population_centres": path})
    values = measure_on_grid(criterion, grid, store)
    cx, cy = cell_centres(grid)
    brute = sum(np.where((cx - x) ** 2 + (cy - y) ** 2 <= 3000.0 ** 2, c, 0) for x, y, c in zip(xs, ys, counts))
    assert np.array_equal(values, brute)
    sites = [Point(151_234.0, 458_765.0), Point(153_000.0, 457_000.0)]
    measured = measure_at_sites(criterion, sites, store)
    for site, value in zip(sites, measured):
        exact = counts[np.hypot(xs - site.x, ys - site.y) <= 3000.0].sum()
        assert value.value == exact and value.text == f"{exact:,.0f} inhabitants within 3 km"
    unresolved = parse_profile(text, "m.yaml", load_catalogue().ids).scoring.criteria[0]
    with pytest.raises(Exception, match="takes design.sheltering_zone from the reactor design"):
        measure_on_grid(dataclasses.replace(unresolved), grid, store)


def test_population_thresholds_and_the_cooling_share_are_sweepable():
    """`smr-siting sensitivity --sweep RULE.threshold=…` varies the RG 4.7 density, the sector limit and the cooling
    share of nl-regulator (with_value is what the sweep calls)."""
    from smr_siting.core.data.catalogue import load_catalogue
    from smr_siting.core.pipeline.rank import sweep_unit, with_value
    from smr_siting.core.rules import load_profile

    profile = load_profile("nl-regulator", load_catalogue().ids)
    for rule, value, unit in (("population_density_rg47", 193.0, "inhabitants/km2"),
                              ("worst_sector", 50_000.0, "inhabitants"), ("cooling_water", 5.0, "%")):
        changed = with_value(profile, f"{rule}.threshold", value)
        assert next(c for c in changed.criteria if c.id == rule).options["value"] == value
        assert sweep_unit(f"{rule}.threshold", profile) == unit


def test_emergency_zone_excludes_a_listed_facility_within_the_radius(tmp_path):
    """A Seveso installation within the evacuation radius excludes the cell even with nobody living there;
    without that layer the rule says so and tests the inhabitants only."""
    from smr_siting.core.model.progress import RunContext

    kern = write_layer(tmp_path / "kern.gpkg", [Point(120_000, 480_000)], aantal_inwoners_2021=[1])
    seveso = write_layer(tmp_path / "seveso.gpkg", [Point(150_537, 459_561)])
    rule = """  - id: evac
    kind: emergency_zone
    radius: 1 km
    max_inhabitants: 100
    facilities: [seveso_installations]
    prefer: []
    layers: [{layer: population_centres, field: aantal_inwoners_2021}]
"""
    grid = Grid(150_000.0, 460_000.0, 100.0, 30, 30)
    mask = evaluate_rule(rule, grid, {"population_centres": kern, "seveso_installations": seveso})
    cx, cy = cell_centres(grid)
    d = np.hypot(cx - 150_537, cy - 459_561)
    clear = np.abs(d - 1000) > 10  # buffers are polygons: within a tenth of a cell of the circle either answer
    assert np.array_equal(mask[clear], (d <= 1000)[clear]) and mask[d < 990].all()
    ctx = RunContext()
    assert not evaluate_rule(rule, grid, {"population_centres": kern}, ctx).any()
    assert any("no layer 'seveso_installations' is present" in n for n in ctx.notices)


def test_a_cut_out_data_folder_that_ends_before_the_population_reach_is_reported(tmp_path):
    import json

    from smr_siting.core.data.catalogue import load_catalogue
    from smr_siting.core.data.layers import LayerStore
    from smr_siting.core.data.population import read_population
    from smr_siting.core.model.progress import RunContext

    write_layer(tmp_path / "nl_cbs_bevolkingskernen2021_centroids.gpkg", [Point(150_000, 460_000)],
                layer="bevolkingskernen_2021_centroids", aantal_inwoners_2021=[5000])
    (tmp_path / "PACK.json").write_text(json.dumps({"box": [140_000, 450_000, 160_000, 470_000]}), encoding="utf-8")
    ctx = RunContext()
    store = LayerStore(load_catalogue(), tmp_path, {}, ctx)
    population = read_population(store, [("population_centres", "aantal_inwoners_2021")], "Rule 'x'",
                                 (135_000, 452_000, 158_000, 468_000))
    assert population.total == 5000
    assert any("cut-out that ends up to 5.0 km" in n for n in ctx.notices)
