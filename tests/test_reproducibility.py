"""Reproducible runs: identical bytes for identical inputs, `smr-siting verify`, and cancellation at any
point leaving nothing behind."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from smr_siting.core.data.layers import LayerInput
from smr_siting.core.exclusion.compute import ScreeningRequest
from smr_siting.core.model.errors import RunCancelled
from smr_siting.core.model.progress import RunContext
from smr_siting.core.pipeline.screen import screen


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.slow
def test_two_runs_of_the_gelderland_demo_are_byte_identical(cli, demo_data, tmp_path) -> None:
    runs = []
    for name in ("first", "second"):
        out = tmp_path / name
        done = subprocess.run([*cli, "screen", "--region", "Gelderland", "--data", str(demo_data), "--out", str(out),
                               "--vector", "--quiet"], capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr
        runs.append(out)
    first, second = _hashes(runs[0]), _hashes(runs[1])
    assert set(first) == set(second) and len(first) == 11  # 10 outputs and the folder's ledger
    for name in first:
        if name != "manifest.json":
            assert first[name] == second[name], name
    a, b = (json.loads((r / "manifest.json").read_text(encoding="utf-8")) for r in runs)
    for manifest in (a, b):
        manifest.pop("run")  # times live only here
        manifest.pop("content_sha256")  # the digest of the whole manifest, times included
        for item in manifest["inputs"]:
            item.pop("path")
    a["parameters"].pop("data_dir"), b["parameters"].pop("data_dir")
    assert a == b
    assert a["outputs"] == {k: v for k, v in first.items() if k not in ("manifest.json", ".smr-siting-files.json")}


def test_verify_says_whether_the_results_still_hold(cli, shared_data, tmp_path) -> None:
    layer = tmp_path / "natura.gpkg"
    shutil.copy(shared_data / "nl_natura2000.gpkg", layer)
    out = tmp_path / "run"
    done = subprocess.run([*cli, "screen", "--region", "Zutphen", "--data", str(shared_data), "--out", str(out),
                           "--resolution", "250", "--layer", f"natura2000={layer}:natura2000", "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    ok = subprocess.run([*cli, "verify", str(out), "--quiet"], capture_output=True, text=True, timeout=600)
    assert ok.returncode == 0 and "the results still hold" in ok.stdout, ok.stdout + ok.stderr
    (out / "summary.csv").write_text((out / "summary.csv").read_text() + "edited\n")
    with open(layer, "ab") as handle:
        handle.write(b"\0")
    bad = subprocess.run([*cli, "verify", str(out), "--quiet"], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 3, bad.stdout + bad.stderr
    assert "input changed since the run (sha256 differs): natura2000" in bad.stdout
    assert "output edited after the run (sha256 differs from the manifest): summary.csv" in bad.stdout
    assert "the results no longer hold" in bad.stdout
    missing = subprocess.run([*cli, "verify", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "no manifest.json" in missing.stderr


class CancelAfter:
    def __init__(self, checks: int) -> None:
        self.left = checks
        self.calls = 0

    def __call__(self) -> bool:
        self.calls += 1
        self.left -= 1
        return self.left < 0


def test_cancel_at_any_point_leaves_no_partial_file(shared_data, tmp_path) -> None:
    request = ScreeningRequest(region="Zutphen", data_dir=shared_data, resolution_m=250.0, exclusion_vector=True,
                               layers={"natura2000": LayerInput(shared_data / "nl_natura2000.gpkg", "natura2000")})
    counter = CancelAfter(10**9)
    # poll_calls=False: no timed looks while a long call runs in a worker thread, so every run looks at the cancel
    # at the same points and the n-th look is the same moment each time (the timed looks: test_qgis_plugin.py)
    screen(request, tmp_path / "full", ctx=RunContext(is_cancelled=counter, poll_calls=False))
    total = counter.calls
    assert total > 15
    points = sorted({1, 2, total // 4, total // 2, (3 * total) // 4, total - 2, total - 1, total})
    for checks in points:
        out = tmp_path / f"cancel-{checks}"
        out.mkdir()
        (out / "mine.txt").write_text("the user's file\n")
        with pytest.raises(RunCancelled):
            screen(request, out, ctx=RunContext(is_cancelled=CancelAfter(checks - 1), poll_calls=False))
        assert sorted(p.name for p in out.iterdir()) == ["mine.txt"], checks
    assert total in points
