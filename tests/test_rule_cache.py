"""The rule-mask cache: a sweep evaluates only the rule it varies, a rerun only the rules whose inputs
changed, and the outputs are the same as when every rule is computed.  Real demo data, the command line
in process (so that the rule evaluations can be counted)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from smr_siting.cli import main
from smr_siting.core.exclusion import compute as screen_module
from smr_siting.core.exclusion.rulecache import RuleCache

REGION = "Zutphen"
RES = "100"


@pytest.fixture
def evaluations(monkeypatch) -> Counter:
    """Counts each rule's evaluation (by rule id) in this test."""
    counted: Counter = Counter()
    real_get_kind = screen_module.get_kind

    def counting_get_kind(name: str):  # noqa: ANN202
        kind = real_get_kind(name)

        def evaluate(criterion, grid, store, ctx):  # noqa: ANN001, ANN202
            counted[criterion.id] += 1
            return kind.evaluate(criterion, grid, store, ctx)

        return dataclasses.replace(kind, evaluate=evaluate)

    monkeypatch.setattr(screen_module, "get_kind", counting_get_kind)
    return counted


def _run(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    assert code == 0, err.getvalue()
    return out.getvalue()


def _screen(data: Path, out: Path, *extra: str, region: str = REGION) -> None:
    _run("screen", "--region", region, "--data", str(data), "--out", str(out), "--resolution", RES, "-q", *extra)


def _same_outputs(a: Path, b: Path) -> None:
    for name in ("exclusion.tif", "candidate_areas.gpkg", "summary.csv", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma, mb = (json.loads((p / "manifest.json").read_text(encoding="utf-8")) for p in (a, b))
    for key in set(ma) | set(mb):
        if key not in ("run", "content_sha256", "parameters", "outputs"):
            assert ma.get(key) == mb.get(key), key
    assert {k: v for k, v in ma["parameters"].items() if k != "as_given"} == \
        {k: v for k, v in mb["parameters"].items() if k != "as_given"}


def test_a_rerun_evaluates_only_the_rules_whose_inputs_changed(demo_data, tmp_path, monkeypatch,
                                                               evaluations) -> None:
    monkeypatch.setenv("SMR_SITING_CACHE", str(tmp_path / "cache"))
    _screen(demo_data, tmp_path / "first")
    rules = list(evaluations)
    assert len(rules) == 7 and all(n == 1 for n in evaluations.values())
    entries = [p.name for p in (tmp_path / "cache").glob("*.npz")]
    assert len([n for n in entries if not n.startswith("fit-")]) == 7  # and the footprint fit
    assert len([n for n in entries if n.startswith("fit-")]) == 1

    evaluations.clear()
    _screen(demo_data, tmp_path / "again")
    assert evaluations == Counter()  # every mask from the cache
    _same_outputs(tmp_path / "first", tmp_path / "again")
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["rules_from_cache"] == rules

    # one changed number: that rule only
    text = _run("profiles", "--show", "nl-default")
    assert text.count("            distance: 150 m\n") == 1
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("            distance: 150 m\n", "            distance: 400 m\n"),
                       encoding="utf-8")
    evaluations.clear()
    _screen(demo_data, tmp_path / "changed", "--profile", str(changed))
    assert evaluations == Counter({"river_channel": 1})

    # a changed layer file: the rules reading it only
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    _screen(data, tmp_path / "copy")  # another folder, another path: computed once more
    import geopandas as gpd

    natura = gpd.read_file(data / "nl_natura2000.gpkg")
    natura.iloc[1:].to_file(data / "nl_natura2000.gpkg", driver="GPKG")
    evaluations.clear()
    _screen(data, tmp_path / "edited", "--overwrite")
    assert evaluations == Counter({"natura2000": 1})

    # --no-cache computes everything and writes nothing
    before = sorted(p.name for p in (tmp_path / "cache").iterdir())
    evaluations.clear()
    _screen(demo_data, tmp_path / "uncached", "--no-cache")
    assert sorted(evaluations) == sorted(rules) and all(n == 1 for n in evaluations.values())
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == before
    _same_outputs(tmp_path / "first", tmp_path / "uncached")


def test_a_damaged_cache_is_recomputed_and_a_size_limit_of_zero_writes_nothing(demo_data, tmp_path, monkeypatch,
                                                                                 evaluations) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SMR_SITING_CACHE", str(cache))
    _screen(demo_data, tmp_path / "first")
    for entry in cache.glob("*.npz"):
        entry.write_bytes(b"not a cache entry")
    evaluations.clear()
    _screen(demo_data, tmp_path / "again")
    assert sum(evaluations.values()) == 7
    _same_outputs(tmp_path / "first", tmp_path / "again")

    empty = tmp_path / "empty"
    monkeypatch.setenv("SMR_SITING_CACHE", str(empty))
    _screen(demo_data, tmp_path / "unwritten", "--cache-size", "0")
    assert not empty.exists() or not list(empty.iterdir())


def test_the_disk_cache_keeps_to_its_size_limit(tmp_path) -> None:
    import numpy as np

    from smr_siting.core.exclusion.rulecache import make_entry

    entry = make_entry(np.ones((400, 400), dtype=bool), [], {})
    cache = RuleCache(tmp_path, limit_bytes=10 ** 9)
    cache.put("a" * 64, entry)
    size = (tmp_path / f"{'a' * 64}.npz").stat().st_size
    small = RuleCache(tmp_path, limit_bytes=int(2.5 * size))
    import os
    import time

    for i, key in enumerate(("b" * 64, "c" * 64)):
        small.put(key, entry)
        os.utime(tmp_path / f"{key}.npz", ns=(time.time_ns() + (i + 1) * 10 ** 9,) * 2)
        small.trim()
    assert sorted(p.stem[0] for p in tmp_path.glob("*.npz")) == ["b", "c"]  # the oldest went first
    assert RuleCache(tmp_path).get("b" * 64) is not None
    assert RuleCache(tmp_path).get("a" * 64) is None


def test_a_sweep_evaluates_only_the_swept_rule_and_gives_the_rows_of_a_full_rerun(demo_data, tmp_path, monkeypatch,
                                                                                 evaluations) -> None:
    from smr_siting.core.model.progress import RunContext
    from smr_siting.core.pipeline.rank import load_run, parse_sweep, sweep_rows

    monkeypatch.setenv("SMR_SITING_CACHE", "off")
    run = tmp_path / "run"
    _screen(demo_data, run, region="Gelderland")
    _run("rank", "--run", str(run), "-q")
    evaluations.clear()
    # values that keep the analysis grid (one that changes the profile's largest distance changes the grid's
    # margin, and every rule is evaluated again on that grid)
    sweeps = ["river_channel=100m,400m", "footprint=5ha,40ha"]
    _run("sensitivity", "--run", str(run), "--samples", "50", "--sweep", sweeps[0], "--sweep", sweeps[1], "-q")
    # no cache on disk (off): the baseline is computed and evaluates every rule; each river_channel value that
    # rule only; a footprint value none
    assert evaluations["river_channel"] == 3
    assert all(n == 1 for rule, n in evaluations.items() if rule != "river_channel") and len(evaluations) == 7

    class NeverHit(RuleCache):
        def get(self, key: str):  # noqa: ANN201
            return None

    request, profile, _manifest = load_run(run)
    full = sweep_rows(request, profile, [parse_sweep(s) for s in sweeps], RunContext(), NeverHit())
    with open(run / "sweeps.csv", encoding="utf-8", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert [{k: str(v) for k, v in row.items()} for row in full] == written  # the baseline computed = summary's
    assert len(written) == 5 and float(written[0]["km2_not_excluded"]) > 0
    assert len({row["km2_not_excluded"] for row in written[:3]}) == 3  # the swept rule changed the result
    assert len({row["candidate_areas"] for row in written[3:]}) == 2


def test_rank_takes_the_screenings_masks_from_the_cache_with_the_same_result(demo_data, tmp_path, monkeypatch,
                                                                             evaluations) -> None:
    monkeypatch.setenv("SMR_SITING_CACHE", str(tmp_path / "cache"))
    run = tmp_path / "run"
    _screen(demo_data, run, region="Gelderland")
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    evaluations.clear()
    _run("rank", "--run", str(run), "-q")
    assert evaluations == Counter()  # the exclusion rebuilt from the cache (and checked against exclusion.tif)
    _run("rank", "--run", str(copy), "-q", "--no-cache")
    assert sum(evaluations.values()) == 7
    for name in ("ranked_sites.csv", "suitability.tif", "ranking.json"):
        assert (run / name).read_bytes() == (copy / name).read_bytes(), name


def test_rank_reads_the_screenings_candidate_areas_only_while_the_manifest_vouches_for_them(
        demo_data, tmp_path, monkeypatch) -> None:
    """Rank takes the candidate areas from candidate_areas.gpkg (not drawn again) while its sha256 is the one the
    manifest records; a changed file (here one area removed) is not believed: the areas are drawn again from the
    exclusion, and the ranking is the one of the untouched folder."""
    from smr_siting.core.pipeline import rank as rank_module

    monkeypatch.setenv("SMR_SITING_CACHE", "off")
    run = tmp_path / "run"
    _screen(demo_data, run, region="Gelderland")
    edited = tmp_path / "edited"
    shutil.copytree(run, edited)
    drawn: list[int] = []
    real = rank_module.compute_candidates

    def counting(result, ctx=None):  # noqa: ANN001, ANN202
        drawn.append(1)
        return real(result, ctx)

    monkeypatch.setattr(rank_module, "compute_candidates", counting)
    _run("rank", "--run", str(run), "-q")
    assert drawn == []  # read from the screening's file

    import geopandas as gpd

    areas = gpd.read_file(edited / "candidate_areas.gpkg", layer="candidate_areas")
    assert len(areas) > 3
    areas.iloc[1:].to_file(edited / "candidate_areas.gpkg", layer="candidate_areas", driver="GPKG")
    _run("rank", "--run", str(edited), "-q")
    assert drawn == [1]  # the edited file is not the one the manifest records: drawn again
    for name in ("ranked_sites.csv", "ranking.json"):
        assert (run / name).read_bytes() == (edited / name).read_bytes(), name


def test_a_sweeps_baseline_row_is_the_screenings_summary_only_while_the_manifest_vouches_for_it(
        demo_data, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SMR_SITING_CACHE", str(tmp_path / "cache"))  # the baseline from a folder cache
    run = tmp_path / "run"
    _screen(demo_data, run, region="Gelderland")
    _run("rank", "--run", str(run), "-q")

    def baseline() -> dict:
        _run("sensitivity", "--run", str(run), "--samples", "20", "--sweep", "cooling_water=2km", "--overwrite", "-q")
        with open(run / "sweeps.csv", encoding="utf-8", newline="") as handle:
            return next(csv.DictReader(handle))

    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    first = baseline()
    assert float(first["km2_not_excluded"]) == summary["totals"]["not_excluded_km2"] > 0
    assert int(first["candidate_areas"]) == summary["candidates"]["count"]
    summary["totals"]["not_excluded_km2"] = 0.5  # an edited summary: not the file the manifest records
    (run / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert baseline() == first  # computed again from the inputs, not taken from the edited file


def test_sweep_values_computed_side_by_side_give_the_rows_and_notices_of_one_after_the_other(demo_data, tmp_path,
                                                                                          monkeypatch) -> None:
    import threading
    import time

    from smr_siting.core.model.errors import RunCancelled
    from smr_siting.core.model.progress import RunContext
    from smr_siting.core.pipeline.rank import load_run, parse_sweep, sweep_rows

    monkeypatch.setenv("SMR_SITING_CACHE", "off")
    run = tmp_path / "run"
    _screen(demo_data, run, region="Gelderland")
    request, profile, _manifest = load_run(run)
    sweeps = [parse_sweep("cooling_water=1km,2km,5km"), parse_sweep("footprint=5ha,40ha")]

    def rows(workers: int) -> tuple[list, list]:
        told: list[str] = []
        ctx = RunContext(is_cancelled=lambda: False, notice=told.append)  # a cancel callback: the threads' path
        return sweep_rows(request, profile, sweeps, ctx, RuleCache(), None, workers), told

    alone, told_alone = rows(1)
    together, told_together = rows(2)
    assert together == alone and len(alone) == 6
    assert told_together == told_alone and told_alone

    cancelled = threading.Event()
    ctx = RunContext(is_cancelled=cancelled.is_set)
    threading.Timer(0.5, cancelled.set).start()
    started = time.perf_counter()
    with pytest.raises(RunCancelled):
        sweep_rows(request, profile, sweeps, ctx, RuleCache(), None, 2)
    assert time.perf_counter() - started < 2.0


def test_a_sweeps_values_share_reads_and_bits_and_give_the_rows_and_notices_of_runs_on_their_own(
        demo_data, tmp_path, monkeypatch) -> None:
    """The values of a sweep read the swept rule's layers once, find the region once and set the other rules'
    bits once (in memory, shared by the values, also side by side); each row and the notices it tells are
    those of the value screened on its own (no sharing, every rule computed)."""
    from smr_siting.core.candidates.compute import compute_candidate_figures
    from smr_siting.core.data import layers as layers_module
    from smr_siting.core.model.progress import RunContext
    from smr_siting.core.pipeline.rank import load_run, parse_sweep, sweep_rows
    from smr_siting.core.sensitivity.sweeps import resolve, with_value

    monkeypatch.setenv("SMR_SITING_CACHE", "off")
    run = tmp_path / "run"
    _screen(demo_data, run, region="Gelderland")
    request, profile, _manifest = load_run(run)
    text = "cooling_water=1km,2km,5km"
    target, values = parse_sweep(text)

    alone_rows, alone_told = [], []
    for value in values:
        told: list[str] = []
        result = screen_module.compute_exclusion(request, RunContext(notice=told.append),
                                                 profile=with_value(profile, resolve(profile, target), value))
        count, area_ha = compute_candidate_figures(result)
        alone_rows.append((result.totals()["not_excluded_km2"], count, area_ha))
        alone_told.append(told)

    reads: Counter = Counter()
    real_read = layers_module.LayerStore._read

    def counting_read(self, key, source, origin, label, bounds, *args):  # noqa: ANN001, ANN202
        reads[key, bounds] += 1
        return real_read(self, key, source, origin, label, bounds, *args)

    monkeypatch.setattr(layers_module.LayerStore, "_read", counting_read)
    shared_bits: list[int] = []
    real_found_bits = screen_module._found_bits

    def counting_found_bits(*args):  # noqa: ANN002, ANN202
        made = real_found_bits(*args)
        shared_bits.append(id(made) if made is not None else 0)
        return made

    monkeypatch.setattr(screen_module, "_found_bits", counting_found_bits)
    for workers in (1, 2):
        reads.clear()
        shared_bits.clear()
        told = []
        ctx = RunContext(is_cancelled=lambda: False, notice=told.append)  # a cancel callback: the threads' path
        rows = sweep_rows(request, profile, [(target, values)], ctx, RuleCache(), None, workers)
        assert [(r["km2_not_excluded"], r["candidate_areas"], r["candidate_area_ha"]) for r in rows[1:]] == alone_rows
        assert len({r["km2_not_excluded"] for r in rows[1:]}) == 3
        # the baseline row computed first (a cache in memory), then each value's notices as when screened alone
        # (the region's lookup aside: the values take the baseline's region)
        assert told[len(told) - sum(len(t) for t in alone_told):] == [m for t in alone_told for m in t]
        # every layer (and extent) read by the baseline, and the swept rule's once more for all the values (not
        # once per value); the baseline's frames are not kept for the sweep
        swept = set(next(c for c in profile.criteria if c.id == "cooling_water").layer_ids)
        twice = {layer for (layer, _bounds), n in reads.items() if n == 2}
        assert twice and twice <= swept and set(reads.values()) == {1, 2}, reads
        assert shared_bits[0] == 0 and len(set(shared_bits[1:])) == 1 and shared_bits[1] != 0


def test_shared_reads_make_a_thing_once_and_a_failure_is_made_again_by_each_caller() -> None:
    import threading

    from smr_siting.core.data.layers import SharedReads

    shared = SharedReads()
    made: list[int] = []
    gate = threading.Event()

    def slow() -> str:
        made.append(1)
        gate.wait(5)
        return "frame"

    results: list[tuple] = []
    threads = [threading.Thread(target=lambda: results.append(shared.once(("k",), slow, lambda f: f())))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(5)
    assert made == [1] and sorted(results, key=lambda r: not r[1]) == [("frame", True), ("frame", False),
                                                                         ("frame", False)]

    failures: list[str] = []

    def failing() -> str:
        failures.append("tried")
        raise ValueError(f"broken {len(failures)}")

    for number in (1, 2):  # each caller makes it again and gets its own error
        with pytest.raises(ValueError, match=f"broken {number}"):
            shared.once(("bad",), failing, lambda f: f())
    assert shared.once(("bad",), lambda: "mended", lambda f: f()) == ("mended", True)
    shared.close()


@pytest.mark.parametrize("dtype", ["uint8", "uint16"])
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (255, 13), (256, 8), (257, 301), (700, 91)])
def test_rule_bits_set_by_row_blocks_equal_the_whole_grid_at_once(shape, dtype) -> None:
    """A rule's bit, set from its mask or from the cache's packed mask a block of rows at a time (small
    temporaries, used again), equals ``bits | (mask << bit)`` done on the whole grid — odd widths (the packed
    rows do not start on a byte) and heights around the block size included; the other bits are kept."""
    import numpy as np

    from smr_siting.core.exclusion.mask import set_rule_bit
    from smr_siting.core.exclusion.rulecache import Entry

    rng = np.random.default_rng(shape[0] * 1000 + shape[1])
    kind = np.dtype(dtype)
    for bit in (0, 3, kind.itemsize * 8 - 2):
        before = rng.integers(0, np.iinfo(kind).max, size=shape, dtype=kind)
        mask = rng.random(shape) < 0.4
        expected = before | (mask.astype(kind) << kind.type(bit))
        bits = before.copy()
        set_rule_bit(bits, mask, bit)
        assert np.array_equal(bits, expected)
        bits = before.copy()
        Entry(shape, np.packbits(mask)).set_bit_in(bits, bit)
        assert np.array_equal(bits, expected)
    with pytest.raises(ValueError, match="shape"):
        Entry((2, 2), np.packbits(np.ones(4, dtype=bool))).set_bit_in(np.zeros((2, 3), dtype="uint8"), 0)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32"])
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (255, 13), (256, 8), (257, 301), (700, 91)])
def test_value_counts_by_row_blocks_equal_those_of_the_whole_region(shape, dtype) -> None:
    """The table's histogram, counted a block of rows at a time (no region-sized copy), and on a window of the
    grid (the region's, as the exclusion counts it) holding every cell of the region, equals ``np.unique`` of the
    region's cells."""
    import numpy as np

    from smr_siting.core.exclusion.mask import value_counts

    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    kind = np.dtype(dtype)
    bits = rng.integers(0, 40, size=shape, dtype=kind)
    bits[rng.random(shape) < 0.2] = np.iinfo(kind).max  # the nodata value too
    region = rng.random(shape) < 0.6
    want_values, want_counts = np.unique(bits[region], return_counts=True)
    values, counts = value_counts(bits, region)
    assert np.array_equal(values, want_values) and np.array_equal(counts, want_counts)
    rows, cols = np.nonzero(region)
    if rows.size:
        r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        values, counts = value_counts(bits[r0:r1, c0:c1], region[r0:r1, c0:c1])
        assert np.array_equal(values, want_values) and np.array_equal(counts, want_counts)
