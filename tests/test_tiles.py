"""Tiled exclusion (smr_siting.core.pipeline.tiled): a region screened tile by tile — in this process, on a local Dask
cluster, or on an existing one — gives the bit mask of an untiled run cell for cell, seams included, and the
same per-rule table.  Real data (../shared/data/nl), small real regions, tiles small enough that every
distance rule crosses seams."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import rasterio
from engine_helpers import real_data

from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
from smr_siting.core.exclusion.mask import (
    RuleInfo,
    RuleStats,
    bits_dtype,
    rule_counts,
    rule_table,
    table_from_counts,
    value_counts,
)
from smr_siting.core.model.errors import SmrSitingError
from smr_siting.core.model.grid import Grid
from smr_siting.core.pipeline.tiled import tile_windows, tiled_exclusion

#: (region, resolution m, tile size in cells): Zutphen 130 × 91 cells → 3 × 2 tiles; Ede 556 × 360 → 3 × 2
CASES = [("Zutphen", 100.0, 48), ("Ede", 50.0, 200)]
#: rules measured by distance (besides the 150 m river channel, which need not reach a seam)
DISTANCE_RULES = ("settlements", "energy_demand", "cooling_water")


def _read(path: Path) -> tuple[np.ndarray, dict]:
    with rasterio.open(path) as src:
        return src.read(1), {"transform": src.transform, "crs": src.crs.to_string(), "nodata": src.nodata,
                             "dtype": src.dtypes[0], "tags": src.tags()}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_RUNS: dict = {}


def _run(name: str, tmp_path_factory) -> tuple:
    """(request, untiled result, tiled result, tiled GeoTIFF) of one case, computed once per module."""
    if name not in _RUNS:
        region, resolution, tile_size = next(c for c in CASES if c[0] == name)
        screening = ScreeningRequest(region=region, data_dir=real_data(), resolution_m=resolution)
        untiled = compute_exclusion(screening)
        out = tmp_path_factory.mktemp(region) / "exclusion.tif"
        tiled = tiled_exclusion(screening, out, tile_size=tile_size)
        _RUNS[name] = (screening, untiled, tiled, out)
    return _RUNS[name]


@pytest.fixture(scope="module", params=[c[0] for c in CASES])
def case(request, tmp_path_factory):
    yield _run(request.param, tmp_path_factory)
    _RUNS.clear()


@pytest.fixture(scope="module")
def zutphen(tmp_path_factory):
    yield _run("Zutphen", tmp_path_factory)
    _RUNS.clear()


def test_tiled_bits_are_identical_to_the_untiled_run(case):
    _, untiled, tiled, out = case
    bits, meta = _read(out)
    assert tiled.tiles >= 4
    assert tiled.grid == untiled.grid
    assert bits.shape == untiled.bits.shape
    assert meta["transform"] == untiled.grid.transform and meta["crs"] == "EPSG:28992"
    assert meta["nodata"] == untiled.nodata and meta["dtype"] == str(untiled.bits.dtype)
    differ = bits != untiled.bits
    assert not differ.any(), f"{int(differ.sum())} cells differ, first at (row, col) {np.argwhere(differ)[0].tolist()}"
    assert "SMR_SITING_RULES" in meta["tags"]
    assert out.with_suffix(".qml").exists() and out.with_name("exclusion.rules.json").exists()


def test_distance_zones_cross_the_seams(case):
    """The identity above covers seams: every distance rule excludes cells on both sides of a seam (a zone
    reaching from one tile into the next), and the zone edges of at least two of them cross a seam."""
    _, untiled, tiled, _ = case
    bits = untiled.bits
    inside = untiled.region_mask
    windows = tile_windows(tiled.grid, tiled.tile_size)
    rows = sorted({w[0] for w in windows} - {0})
    cols = sorted({w[2] for w in windows} - {0})
    assert rows and cols
    edges_cross = []
    for rule in (r for r in untiled.rules if r.id in DISTANCE_RULES + ("river_channel",)):
        on = ((bits & rule.value) != 0) & inside
        pairs = [(on[r - 1, :], on[r, :], inside[r - 1, :] & inside[r, :]) for r in rows] + \
                [(on[:, c - 1], on[:, c], inside[:, c - 1] & inside[:, c]) for c in cols]
        seam_values = np.concatenate([a[m] for a, _b, m in pairs])
        if seam_values.any() and not seam_values.all():
            edges_cross.append(rule.id)
        if rule.id in DISTANCE_RULES:
            assert any((a & b & m).any() for a, b, m in pairs), f"{rule.id} does not reach across a seam"
    assert len(edges_cross) >= 2, edges_cross


def test_tiled_table_is_the_untiled_table(case):
    _, untiled, tiled, _ = case
    assert tiled.table == untiled.table
    assert tiled.totals() == untiled.totals()


def test_evaluating_on_tiles_grown_by_the_halo_gives_the_same(case, tmp_path):
    screening, untiled, tiled, _ = case
    out = tmp_path / "halo.tif"
    grown = tiled_exclusion(screening, out, tile_size=tiled.tile_size, evaluate_halo=True)
    assert np.array_equal(_read(out)[0], untiled.bits)
    assert grown.table == untiled.table


def test_dask_local_cluster_is_identical_bit_for_bit(zutphen, tmp_path):
    """Two worker processes (a LocalCluster); the file is byte-identical to the single-process one."""
    pytest.importorskip("distributed")
    screening, untiled, tiled, single = zutphen
    out = tmp_path / "dask.tif"
    result = tiled_exclusion(screening, out, tile_size=tiled.tile_size, workers=2)
    assert "2 worker" in result.workers
    assert np.array_equal(_read(out)[0], untiled.bits)
    assert result.table == untiled.table
    assert _sha(out) == _sha(single)


def test_dask_existing_scheduler_is_identical(zutphen, tmp_path):
    """``scheduler=`` connects to a running cluster (here a local one the test starts)."""
    distributed = pytest.importorskip("distributed")
    screening, untiled, tiled, single = zutphen
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        out = tmp_path / "scheduler.tif"
        result = tiled_exclusion(screening, out, tile_size=tiled.tile_size, scheduler=cluster.scheduler_address)
    assert cluster.scheduler_address in result.workers
    assert np.array_equal(_read(out)[0], untiled.bits)
    assert _sha(out) == _sha(single)


def test_tile_windows_cover_the_grid_once():
    grid = Grid(0.0, 1000.0, 10.0, 103, 57)
    cover = np.zeros(grid.shape, dtype=int)
    for r0, r1, c0, c1 in tile_windows(grid, 16):
        cover[r0:r1, c0:c1] += 1
    assert (cover == 1).all() and len(tile_windows(grid, 16)) == 7 * 4


@pytest.mark.parametrize("n_rules", [3, 7, 12, 20])
def test_the_table_from_summed_tile_counts_is_rule_table(n_rules):
    """Counts summed over tiles (by value histogram) give exclusion.rule_table's table, for every mask width."""
    rng = np.random.default_rng(n_rules)
    dtype = bits_dtype(n_rules)
    bits = (rng.random((90, 70, n_rules)) < 0.3).astype(np.int64)
    bits = (bits << np.arange(n_rules)).sum(axis=2).astype(dtype)
    region = rng.random(bits.shape) < 0.8
    rules = [RuleInfo(i, f"r{i}", f"Rule {i}", "", "g", "exclude_inside", ("x",)) for i in range(n_rules)]
    counts = np.zeros((n_rules, 3), dtype=np.int64)
    cells = 0
    for r0, r1, c0, c1 in tile_windows(Grid(0.0, 0.0, 1.0, 70, 90), 32):
        values, per_value = value_counts(bits[r0:r1, c0:c1], region[r0:r1, c0:c1])
        counts += rule_counts(values, per_value, n_rules)
        cells += int(per_value.sum())
    assert cells == int(region.sum())
    expected = _per_rule_table(bits, region, rules, 0.0025)
    assert table_from_counts(counts, cells, rules, 0.0025) == expected == rule_table(bits, region, rules, 0.0025)


def _per_rule_table(bits, region, rules, cell_km2):
    """The table the plain way, three passes per rule (the reference for the histogram counts)."""
    inside = bits[region]
    cells = max(int(inside.size), 1)
    table, cumulative = [], np.zeros(inside.shape, dtype=bool)
    for order, rule in enumerate(rules):
        own = (inside & np.array(rule.value, dtype=bits.dtype)) != 0
        cumulative |= own
        alone, only, cum = int(own.sum()), int((inside == rule.value).sum()), int(cumulative.sum())
        table.append(RuleStats(order + 1, rule.bit, rule.id, rule.title, rule.group, round(alone * cell_km2, 4),
                               round(only * cell_km2, 4), round(cum * cell_km2, 4), round(alone / cells, 6),
                               round(cum / cells, 6)))
    return table


def test_bad_tile_size_and_existing_output_are_refused(tmp_path):
    screening = ScreeningRequest(region="Zutphen", data_dir=real_data(), resolution_m=100.0)
    with pytest.raises(SmrSitingError, match="tile size"):
        tiled_exclusion(screening, tmp_path / "x.tif", tile_size=8)
    (tmp_path / "x.tif").write_bytes(b"mine")
    with pytest.raises(SmrSitingError, match="already exists"):
        tiled_exclusion(screening, tmp_path / "x.tif", tile_size=64)
    assert (tmp_path / "x.tif").read_bytes() == b"mine"


def test_national_command_writes_the_exclusion_and_the_table(zutphen, tmp_path):
    """``smr-siting national`` on a small region, through the command line's own entry point."""
    import io
    import json

    from smr_siting.cli import main

    _, untiled, tiled, _ = zutphen
    argv = ["national", "--region", "Zutphen", "--data", str(real_data()), "--resolution", "100", "--tile-size",
            str(tiled.tile_size), "--out", str(tmp_path / "run"), "--quiet"]
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 0, err.getvalue()
    assert np.array_equal(_read(tmp_path / "run" / "exclusion.tif")[0], untiled.bits)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["rules"] == [row.as_dict() for row in untiled.table] and summary["tiles"]["count"] >= 4
    assert (tmp_path / "run" / "summary.csv").read_text(encoding="utf-8").startswith("order,bit,id,title")
    assert "Zutphen" in out.getvalue()
    err = io.StringIO()
    assert main(argv, io.StringIO(), err) == 2  # outputs exist, no --overwrite
    assert "already exists" in err.getvalue()
