"""Screen Gelderland from the real Dutch data at 100 m and check the figures against vector areas
computed independently here with geopandas/shapely.

A rule's ``km2_alone`` counts region cells whose centre the rule excludes.  It differs from the exact
vector area only in cells cut by the boundary of the excluded area, so the tolerance is the area of a
one-cell-wide band along that boundary: boundary length × resolution.  Sampling by cell centre is
unbiased, so the error is in fact far smaller; a second, tighter check allows the only one-sided error
the engine documents (buffer arcs inscribed with an error below a tenth of a cell, so at most
length × resolution / 10) plus five standard deviations of the centre-sampling noise (about one cell
area per √(boundary cells)).  A rasterizer that counted every touched cell would be off by about half
the band and fail the tighter check.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from engine_helpers import REPO, cell_centres, contains, real_data
from shapely.geometry import Point, box
from shapely.ops import unary_union
from shapely.validation import make_valid

from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
from smr_siting.core.pipeline.screen import screen

RESOLUTION = 100.0
#: the buffers of the reference geometry: 64 segments per quarter circle (arc error 0.03 % of the radius)
QUAD_SEGS = 64


def _valid(geoms):
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        g = g if g.is_valid else make_valid(g)
        if g.geom_type == "GeometryCollection":
            g = unary_union([p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")])
        out.append(g)
    return out


def _band(people: float) -> float:
    """nl-default's settlement bands, written out again here."""
    for lower, upper, metres in ((0, 5_000, 1_300), (5_000, 25_000, 2_300), (25_000, 100_000, 4_100),
                                 (100_000, 250_000, 6_100), (250_000, math.inf, 12_900)):
        if lower <= people < upper:
            return metres
    raise AssertionError(f"no band for {people}")


@pytest.fixture(scope="module")
def gelderland():
    data = real_data()
    result = compute_exclusion(ScreeningRequest(region="Gelderland", data_dir=data, resolution_m=RESOLUTION))
    provinces = gpd.read_file(data / "nl_gemeenten_2022_cbs_generalised.gpkg",
                              layer="provincies_dissolved_from_gemeenten_2022")
    region = provinces.loc[provinces["prov_naam"] == "Gelderland", "geometry"].iloc[0]
    return data, result, region


@pytest.fixture(scope="module")
def vector_exclusions(gelderland):
    """Per rule of nl-default: the part of Gelderland it excludes, as exact(ish) vector geometry."""
    data, _, region = gelderland
    reach = box(*region.buffer(15_000).bounds)

    def read(name, layer):
        return gpd.read_file(data / name, layer=layer, bbox=reach.bounds)

    natura = unary_union(_valid(read("nl_natura2000.gpkg", "natura2000").geometry))
    sea = unary_union(_valid(read("nl_water_osm.gpkg", "sea_estuaries_simplified").geometry))
    lakes = unary_union(_valid(read("nl_lakes_naturalearth.gpkg", "ne_10m_lakes").geometry))
    rivers = list(read("nl_water_osm.gpkg", "rivers_major_lines").geometry)
    kernen = read("nl_cbs_bevolkingskernen2021_centroids.gpkg", "bevolkingskernen_2021_centroids")
    nodes = read("nl_hv_grid_osm2016_schematic.gpkg", "nodes")
    plants = read("nl_powerplants_ppm.gpkg", "powerplants")
    zones = gpd.read_file(REPO / "layers" / "reference" / "hyperscale_zones.gpkg")
    thermal = plants[(plants["Capacity"] >= 100)
                     & plants["Fueltype"].isin(["Natural Gas", "Hard Coal", "Nuclear", "Solid Biomass", "Oil", "Other"])
                     & ((plants["DateOut"] >= 2026) | plants["DateOut"].isna())]
    assert len(thermal) > 0 and (nodes["typ"] == "substation").sum() > 0
    demand = list(nodes.loc[nodes["typ"] == "substation", "geometry"]) + list(thermal.geometry) + list(zones.geometry)
    cooling = unary_union([g.buffer(3_000, QUAD_SEGS) for g in rivers] + [sea.buffer(3_000, QUAD_SEGS),
                                                                          lakes.buffer(3_000, QUAD_SEGS)])
    return {
        "natura2000": natura.intersection(region),
        "open_water": unary_union([sea, lakes]).intersection(region),
        "river_channel": unary_union([g.buffer(150, QUAD_SEGS) for g in rivers]).intersection(region),
        "settlements": unary_union([g.buffer(_band(p), QUAD_SEGS) for g, p in
                                    zip(kernen.geometry, kernen["aantal_inwoners_2021"])]).intersection(region),
        "energy_demand": region.difference(unary_union([g.buffer(10_000, QUAD_SEGS) for g in demand])),
        "cooling_water": region.difference(cooling),
    }


def _tolerances(geometry) -> tuple[float, float]:
    """(one-cell band, tighter unbiased-sampling bound) in km² for an area with this boundary."""
    length = geometry.boundary.length
    band = length * RESOLUTION
    tight = length * RESOLUTION / 10 + 5 * math.sqrt(length / RESOLUTION) * RESOLUTION ** 2
    return band / 1e6, tight / 1e6


def _check_area(what: str, cells_km2: float, geometry) -> None:
    exact = geometry.area / 1e6
    band, tight = _tolerances(geometry)
    assert abs(cells_km2 - exact) <= band, f"{what}: {cells_km2:.3f} km² on the grid vs {exact:.3f} km² vector, " \
        f"more than the one-cell band of {band:.2f} km²"
    assert abs(cells_km2 - exact) <= tight, f"{what}: {cells_km2:.3f} km² on the grid vs {exact:.3f} km² vector, " \
        f"a bias beyond {tight:.2f} km²"


def test_the_region_is_the_dissolved_province(gelderland):
    _, result, region = gelderland
    assert result.region.name == "Gelderland" and result.region.kind == "province"
    assert result.region.geometry.symmetric_difference(region).area < 1.0  # m²
    assert result.analysis_grid.resolution == RESOLUTION


def test_region_cell_area_matches_vector_area(gelderland):
    _, result, region = gelderland
    _check_area("Gelderland", result.totals()["region_km2_cells"], region)
    # the region mask is exactly the cells whose centre lies in the province (ties: centres on the boundary)
    xs, ys = cell_centres(result.analysis_grid)
    differ = result.region_full != contains(region, xs, ys)
    edge = region.boundary
    assert all(edge.distance(Point(x, y)) < 0.01 for x, y in zip(xs[differ], ys[differ]))


@pytest.mark.parametrize("rule", ["natura2000", "open_water", "river_channel", "settlements", "energy_demand",
                                  "cooling_water"])
def test_rule_area_matches_vector_area(gelderland, vector_exclusions, rule):
    _, result, _ = gelderland
    row = next(r for r in result.table if r.id == rule)
    _check_area(rule, row.km2_alone, vector_exclusions[rule])


def test_natura2000_inside_gelderland_is_about_a_fifth(gelderland, vector_exclusions):
    """A plain sanity figure: the Veluwe and the river forelands make Gelderland about 22 % Natura 2000."""
    _, result, region = gelderland
    share = vector_exclusions["natura2000"].area / region.area
    row = next(r for r in result.table if r.id == "natura2000")
    assert 0.18 < share < 0.26
    _, tight = _tolerances(vector_exclusions["natura2000"])
    assert row.share_alone == pytest.approx(share, abs=tight / (region.area / 1e6))


def test_outside_netherlands_excludes_nothing_of_a_dutch_province(gelderland):
    """The province is dissolved from the same municipalities the coverage rule reads."""
    _, result, _ = gelderland
    row = next(r for r in result.table if r.id == "outside_netherlands")
    assert row.km2_alone == 0.0


def test_rule_table_invariants(gelderland):
    _, result, _ = gelderland
    table, totals = result.table, result.totals()
    region_cells = int(result.region_full.sum())
    cell_km2 = result.analysis_grid.cell_area_km2
    assert [r.id for r in table] == [c.id for c in result.profile.criteria]
    assert [r.order for r in table] == list(range(1, len(table) + 1))
    assert table[-1].km2_cumulative == totals["excluded_km2"]
    assert totals["region_km2_cells"] == round(region_cells * cell_km2, 4)
    assert totals["excluded_km2"] + totals["not_excluded_km2"] == pytest.approx(totals["region_km2_cells"], abs=1e-3)
    assert 0.0 <= totals["share_excluded"] <= 1.0
    previous = 0.0
    inside = result.bits_full[result.region_full]
    for row, rule in zip(table, result.rules):
        assert row.km2_only <= row.km2_alone <= row.km2_cumulative <= totals["excluded_km2"]
        assert row.km2_cumulative >= previous
        previous = row.km2_cumulative
        assert 0.0 <= row.share_alone <= row.share_cumulative <= 1.0
        assert row.share_alone == pytest.approx(row.km2_alone / totals["region_km2_cells"], abs=1e-6)
        # straight from the bits: 'alone' has the rule's bit, 'only' has no other bit
        assert row.km2_alone == round(int(((inside & rule.value) != 0).sum()) * cell_km2, 4)
        assert row.km2_only == round(int((inside == rule.value).sum()) * cell_km2, 4)
    assert sum(r.km2_only for r in table) <= totals["excluded_km2"] + 1e-6


def test_totals_from_the_tables_histogram_are_those_counted_from_the_bits(gelderland):
    """The totals come from the histogram the table was counted from (one pass over the region, not three);
    counted straight from the bits they are the same."""
    import dataclasses

    _, result, _ = gelderland
    assert result.histogram is not None
    counted = dataclasses.replace(result, histogram=None).totals()
    assert result.totals() == counted
    inside = result.bits_full[result.region_full]
    assert counted["excluded_km2"] == round(int(np.count_nonzero(inside)) * result.analysis_grid.cell_area_km2, 4)


def test_screen_writes_outputs_that_agree_with_the_table(gelderland, tmp_path):
    data, result, _ = gelderland
    out = tmp_path / "out"
    rerun, files = screen(ScreeningRequest(region="Gelderland", data_dir=data, resolution_m=RESOLUTION), out)
    assert rerun.totals() == result.totals()
    assert set(files) >= {"exclusion", "candidates", "summary_json", "manifest"}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"] == result.totals()
    assert [r["km2_alone"] for r in summary["rules"]] == [r.km2_alone for r in result.table]
    with rasterio.open(out / "exclusion.tif") as src:
        bits = src.read(1)
        nodata = src.nodata
        assert src.crs.to_epsg() == 28992 and src.res == (RESOLUTION, RESOLUTION)
    inside = bits != nodata
    cell_km2 = RESOLUTION ** 2 / 1e6
    assert round(int(inside.sum()) * cell_km2, 4) == result.totals()["region_km2_cells"]
    for rule, row in zip(result.rules, result.table):
        assert round(int(((bits & rule.value) != 0)[inside].sum()) * cell_km2, 4) == row.km2_alone

    # every candidate area holds the footprint, cell for cell (summed-area check, not the engine's filters)
    candidates = gpd.read_file(out / "candidate_areas.gpkg")
    footprint = summary["candidates"]["footprint"]
    assert summary["candidates"]["count"] == len(candidates) > 0
    grid = rerun.analysis_grid
    xs, ys = cell_centres(grid)
    for _, area in candidates.iterrows():
        cells = contains(area.geometry, xs, ys)
        assert cells.sum() * RESOLUTION ** 2 / 1e4 == pytest.approx(area["area_ha"])
        assert _holds_block(cells, footprint["rows"], footprint["cols"]), f"candidate {area['area_id']} holds no footprint"


def _holds_block(cells: np.ndarray, rows: int, cols: int) -> bool:
    """Whether a rows × cols (or cols × rows) block of True cells exists (summed-area table)."""
    table = np.pad(cells.astype(np.int64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    for r, c in {(rows, cols), (cols, rows)}:
        if r > cells.shape[0] or c > cells.shape[1]:
            continue
        sums = table[r:, c:] - table[:-r, c:] - table[r:, :-c] + table[:-r, :-c]
        if (sums == r * c).any():
            return True
    return False
