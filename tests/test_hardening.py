"""Hostile and odd inputs (issue 19): tampered run folders, data loss on --overwrite, concurrent runs,
signals, YAML bombs, non-finite numbers, Dutch separators, paths and locales.

Every test runs the real command line (or the engine's public functions where a failure must be provoked
halfway) on real Dutch data: municipality Zutphen at 250 m unless stated.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "smr_siting" / "profiles" / "nl-default.yaml").read_text(encoding="utf-8")
RIVER_DISTANCE = "            distance: 150 m"  # the river_channel rule's distance (its centre-line fallback) in nl-default


def _run(cli: list[str], *args: str, timeout: float = 120, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


def _screen(cli: list[str], data: Path, out: Path, *extra: str, **kw) -> subprocess.CompletedProcess:
    return _run(cli, "screen", "--region", "Zutphen", "--data", str(data), "--out", str(out), "--resolution", "250",
                "--quiet", *extra, **kw)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _one_error(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("note:")]
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def run_folder(cli, shared_data, tmp_path_factory) -> Path:
    """A finished screening (read-only for the tests: they copy it)."""
    out = tmp_path_factory.mktemp("run") / "zutphen"
    done = _screen(cli, shared_data, out)
    assert done.returncode == 0, done.stderr
    return out


def _copy_run(run_folder: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(run_folder, target)
    return target


def _edit_manifest(folder: Path, edit) -> None:  # noqa: ANN001 - a function of the manifest dict
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


# ---------------------------------------------------------------- 2. verify treats the manifest as untrusted
@pytest.mark.parametrize("where", ["output", "input", "layer"])
def test_verify_refuses_a_manifest_that_points_outside_or_at_a_device(cli, run_folder, tmp_path, where) -> None:
    """Failed on 96ade62: '../../../../dev/zero' as an output name hung verify (read /dev/zero for minutes)."""
    folder = _copy_run(run_folder, tmp_path / "run")

    def edit(manifest: dict) -> None:
        if where == "output":
            manifest["outputs"]["../../../../../../dev/zero"] = "0" * 64
        elif where == "input":
            manifest["inputs"][0]["path"] = "/dev/zero"
            manifest["inputs"][0]["bytes"] = 0
        else:
            manifest["parameters"]["layers"] = {"natura2000": {"path": "/dev/zero", "layer": None}}

    _edit_manifest(folder, edit)
    started = time.monotonic()
    done = _run(cli, "verify", str(folder), "--quiet", timeout=60)
    assert time.monotonic() - started < 30
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_error(done)
    if where == "output":
        assert "lists an output outside its folder: '../../../../../../dev/zero'" in line
    else:
        assert "/dev/zero) is not a regular file" in line and "run the screening again" in line


def test_verify_and_rank_refuse_a_damaged_manifest_with_exit_2(cli, run_folder, tmp_path) -> None:
    """Failed on 96ade62 with exit 1 (internal error: 'outputs' a list, NaN in the parameters)."""
    for number, edit in enumerate([lambda m: m.update(outputs=["exclusion.tif"]),
                                   lambda m: m["parameters"].update(resolution_m=float("nan")),
                                   lambda m: m.update(inputs="all of them")]):
        folder = _copy_run(run_folder, tmp_path / f"run{number}")
        _edit_manifest(folder, edit)
        for command in (["verify", str(folder)], ["rank", "--run", str(folder)]):
            done = _run(cli, *command, "--quiet")
            assert done.returncode == 2, (command, done.stderr)
            assert f"{folder}/manifest.json is damaged (" in _one_error(done)


# ---------------------------------------------------------------- 18. verify checks the manifest itself
def test_verify_sees_an_edited_manifest(cli, run_folder, tmp_path) -> None:
    """Failed on 96ade62: caveats, licences or versions edited -> 'still hold'."""
    for number, edit in enumerate([lambda m: m["caveats"].append("no caveat at all"),
                                   lambda m: m["inputs"][0].update(licence="public domain"),
                                   lambda m: m["versions"].update(gdal="9.9"),
                                   lambda m: m.pop("content_sha256")]):
        folder = _copy_run(run_folder, tmp_path / f"run{number}")
        _edit_manifest(folder, edit)
        done = _run(cli, "verify", str(folder), "--quiet")
        assert done.returncode == 3, done.stdout + done.stderr
        assert "manifest.json" in done.stdout.splitlines()[0]
    untouched = _run(cli, "verify", str(run_folder), "--quiet")
    assert untouched.returncode == 0, untouched.stdout


# ---------------------------------------------------------------- 3. --overwrite removes only what is ours
def test_overwrite_keeps_the_users_files_and_says_which(cli, shared_data, run_folder, tmp_path) -> None:
    """Failed on 96ade62: the user's sensitivity.csv, ranking.json and ranked_sites.csv were deleted."""
    folder = _copy_run(run_folder, tmp_path / "run")
    mine = {"sensitivity.csv": "my own table\n", "ranking.json": "{\"mine\": true}\n", "ranked_sites.csv": "a,b\n"}
    for name, text in mine.items():
        (folder / name).write_text(text, encoding="utf-8")
    before = _hashes(folder)
    done = _screen(cli, shared_data, folder, "--overwrite")
    assert done.returncode == 2
    line = _one_error(done)
    assert line.startswith("smr-siting: error: --overwrite would remove files that smr-siting did not write here")
    for name in mine:
        assert f"{folder}/{name}" in line
    assert line.endswith("Move them out of the folder, or choose another output folder.")
    assert _hashes(folder) == before


def test_overwrite_removes_our_own_later_files(cli, shared_data, run_folder, tmp_path) -> None:
    folder = _copy_run(run_folder, tmp_path / "run")
    assert _run(cli, "rank", "--run", str(folder), "--quiet").returncode == 0
    assert (folder / "ranking.json").exists()
    done = _screen(cli, shared_data, folder, "--overwrite")
    assert done.returncode == 0, done.stderr
    assert not (folder / "ranking.json").exists() and not (folder / "ranked_sites.gpkg").exists()
    edited = _copy_run(folder, tmp_path / "edited")
    assert _run(cli, "rank", "--run", str(edited), "--quiet").returncode == 0
    (edited / "ranked_sites.csv").write_text("edited by hand\n", encoding="utf-8")  # ours, but changed since
    done = _screen(cli, shared_data, edited, "--overwrite")
    assert done.returncode == 2 and f"{edited}/ranked_sites.csv" in _one_error(done)


# ---------------------------------------------------------------- 4. all-or-nothing commit
def test_a_folder_where_an_output_goes_is_refused_up_front(cli, shared_data, run_folder, tmp_path) -> None:
    """Failed on 96ade62: the new exclusion.tif was renamed in, then the rename onto the folder failed."""
    folder = _copy_run(run_folder, tmp_path / "run")
    (folder / "candidate_areas.qml").unlink()
    (folder / "candidate_areas.qml").mkdir()
    before = _hashes(folder)
    done = _screen(cli, shared_data, folder, "--overwrite")
    assert done.returncode == 2
    assert _one_error(done) == (f"smr-siting: error: {folder}/candidate_areas.qml is a folder where smr-siting "
                                "writes a file. Move or rename that folder, or choose another output folder.")
    assert _hashes(folder) == before


@pytest.mark.parametrize("fail_at", [1, 4, 9])
def test_a_commit_that_fails_halfway_puts_everything_back(shared_data, run_folder, tmp_path, monkeypatch,
                                                          fail_at) -> None:
    """Failed on 96ade62: a failed --overwrite left a new exclusion.tif beside the old manifest."""
    from smr_siting.core.exclusion.compute import ScreeningRequest
    from smr_siting.core.model.errors import OutputError
    from smr_siting.core.outputs import atomic as outputs_module
    from smr_siting.core.pipeline.screen import screen

    folder = _copy_run(run_folder, tmp_path / "run")
    before = _hashes(folder)
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):  # noqa: ANN001
        calls.append(dst)
        if len(calls) == fail_at:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(outputs_module.os, "replace", failing_replace)
    request = ScreeningRequest(region="Zutphen", data_dir=shared_data, resolution_m=100)  # another result
    with pytest.raises(OutputError, match="the disk is full while writing"):
        screen(request, folder, overwrite=True)
    assert _hashes(folder) == before
    assert not [p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]


# ---------------------------------------------------------------- 5. an output over an input
def test_an_output_that_is_an_input_is_refused(cli, shared_data, run_folder, tmp_path) -> None:
    """Failed on 96ade62: --layer natura2000=OUT/candidate_areas.gpkg --overwrite replaced the input."""
    folder = _copy_run(run_folder, tmp_path / "run")
    before = _hashes(folder)
    layer = folder / "candidate_areas.gpkg"
    done = _screen(cli, shared_data, folder, "--overwrite", "--layer", f"natura2000={layer}")
    assert done.returncode == 2
    assert _one_error(done) == (f"smr-siting: error: the output {layer} is also an input of this run ({layer}). "
                                "Write the outputs to another folder.")
    assert _hashes(folder) == before


# ---------------------------------------------------------------- 6. a lock on the output folder
def test_a_second_run_into_a_busy_folder_is_refused(cli, shared_data, tmp_path) -> None:
    """Failed on 96ade62: two runs into one folder at the same time both succeeded and mixed.

    The first run is paused (SIGSTOP; it keeps its lock) while the second tries, so that the first cannot finish
    before the second has started: with a fast screening that race made this test fail now and then (a CI run
    of d86cb77: the second run found the folder free)."""
    out = tmp_path / "out"
    first = subprocess.Popen([*cli, "screen", "--region", "Gelderland", "--data", str(shared_data), "--out", str(out),
                              "--resolution", "25"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stderr is not None
        for line in first.stderr:
            if "analysis grid" in line:
                break
        first.send_signal(signal.SIGSTOP)
        try:
            assert first.poll() is None, "the first run ended before the second could try"
            second = _screen(cli, shared_data, out, "--overwrite")
        finally:
            first.send_signal(signal.SIGCONT)
        assert second.returncode == 2
        assert _one_error(second) == (f"smr-siting: error: another smr-siting run is writing into {out}. Wait until "
                                      "it has finished, or choose another output folder.")
        _, rest = first.communicate(timeout=300)
        assert first.returncode == 0, rest
    finally:
        if first.poll() is None:
            first.kill()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["region"]["name"] == "Gelderland" and manifest["grid"]["resolution_m"] == 25
    assert {k: v for k, v in _hashes(out).items() if k in manifest["outputs"]} == manifest["outputs"]


# ---------------------------------------------------------------- 7 and 13. numbers in a profile and on the CLI
def _profile_with_distance(tmp_path: Path, spelling: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    assert RIVER_DISTANCE in DEFAULT
    path.write_text(DEFAULT.replace(RIVER_DISTANCE, f"            distance: {spelling}", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("spelling, problem", [
    ("1,5 km", "distance '1,5 km': the separators in '1,5' are ambiguous"),
    ("1.500 m", "distance '1.500 m': the separators in '1.500' are ambiguous"),
    ("1,500 m", "distance '1,500 m': the separators in '1,500' are ambiguous"),
    ("{value: .nan, unit: m}", "'.nan' is not a finite number"),
    ("{value: .inf, unit: km}", "'.inf' is not a finite number"),
    (".nan", "'.nan' is not a finite number"),
])
def test_ambiguous_and_non_finite_distances_are_refused(cli, tmp_path, spelling, problem) -> None:
    """Failed on 96ade62: '1,5 km' was read as 15 km, '1.500 m' as 1.5 m, a NaN distance excluded 100 %."""
    for command in ("check-profile", "screen"):
        profile = _profile_with_distance(tmp_path, spelling)
        args = [command, str(profile)] if command == "check-profile" else [
            "screen", "--region", "Zutphen", "--profile", str(profile), "--out", str(tmp_path / "out")]
        done = _run(cli, *args)
        assert done.returncode == 2, done.stdout + done.stderr
        assert problem in _one_error(done)
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, problem", [
    (["screen", "--region", "Zutphen", "--out", "x", "--resolution", "nan"], "--resolution: 'nan' is not a finite"),
    (["screen", "--region", "Zutphen", "--out", "x", "--footprint-ha", "inf"], "--footprint-ha: 'inf' is not a finite"),
    (["sensitivity", "--run", "x", "--concentration", "nan"], "--concentration: 'nan' is not a finite number"),
    (["sensitivity", "--run", "x", "--concentration", "0"], "--concentration: '0' must be positive"),
    (["sensitivity", "--run", "x", "--concentration", "-5"], "--concentration: '-5' must be positive"),
    (["sensitivity", "--run", "x", "--seed", "-1"], "--seed: '-1' must not be negative"),
    (["screen", "--region", "Zutphen", "--out", "x", "--resolution", "2,5"], "--resolution: '2,5' is not a number"),
])
def test_non_finite_and_out_of_range_options_are_refused(cli, tmp_path, args, problem) -> None:
    """Failed on 96ade62: --concentration 0/negative/NaN gave a plausible CSV; --seed -1 an internal error."""
    done = _run(cli, *args, cwd=tmp_path)
    assert done.returncode == 2 and problem in _one_error(done), done.stderr
    assert not (tmp_path / "x").exists()


def test_the_engine_refuses_a_bad_concentration_too(run_folder, tmp_path) -> None:
    """Processing calls the engine directly: the check is there, not only in the CLI."""
    from smr_siting.core.model.errors import SmrSitingError
    from smr_siting.core.pipeline.rank import sensitivity_run

    for value in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(SmrSitingError, match="must be a positive number"):
            sensitivity_run(run_folder, samples=10, concentration=value)


def _metres(profile_text: str) -> float:
    from smr_siting.core.rules import parse_profile

    profile = parse_profile(profile_text, "mine.yaml")
    rule = next(c for c in profile.criteria if c.id == "river_channel")
    (alternatives,) = rule.alternatives  # one entry: TOP10NL water, else the OSM centre lines
    return next(s for s in alternatives if s.layer == "rivers_major").distance.metres


UNIT_SPELLINGS = {"m": 1.0, "km": 1000.0, "M": None, "KM": None, "Km": None, "meter": None, "mm": None, "": None,
                  "m2": None, "ha": None}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(number=st.one_of(st.integers(min_value=-10_000, max_value=200_000).map(str),
                        st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
                        st.decimals(min_value=-10, max_value=200_000, places=3).map(str),
                        st.from_regex(r"-?[0-9]{1,3}([.,_][0-9]{1,3}){0,3}", fullmatch=True)),
       unit=st.sampled_from(sorted(UNIT_SPELLINGS)), space=st.sampled_from(["", " ", "  "]),
       form=st.sampled_from(["text", "quoted", "mapping"]))
@example(number="1,5", unit="km", space=" ", form="text")
@example(number="1.500", unit="m", space=" ", form="text")
@example(number="nan", unit="m", space=" ", form="mapping")
@example(number="010", unit="m", space=" ", form="mapping")
def test_every_spelling_of_a_distance_is_refused_or_means_its_canonical_value(number, unit, space, form) -> None:
    """Property: a distance is either refused (ProfileError: exit 2) or gives the same profile as its canonical
    spelling '<metres> m' (and never a non-finite or negative number of metres)."""
    from smr_siting.core.model.errors import ProfileError

    if form == "mapping":
        spelling = f"{{value: {number}, unit: '{unit}'}}"
    elif form == "quoted":
        spelling = f"'{number}{space}{unit}'"
    else:
        spelling = f"{number}{space}{unit}"
    assert DEFAULT.count(RIVER_DISTANCE) == 1
    text = DEFAULT.replace(RIVER_DISTANCE, f"            distance: {spelling}", 1)
    try:
        metres = _metres(text)
    except ProfileError as error:
        assert error.exit_code == 2 and str(error)
        return
    factor = UNIT_SPELLINGS[unit]
    assert factor is not None, f"{spelling!r} accepted with unit {unit!r}"
    assert "," not in number
    expected = float(number.replace("_", "")) * factor
    assert metres == pytest.approx(expected, rel=1e-12, abs=1e-9) and 0 <= metres <= 100_000
    number_text = repr(metres) if "." in repr(metres) else repr(metres).replace("e", ".0e")  # YAML 1.1 wants a dot
    canonical = DEFAULT.replace(RIVER_DISTANCE, f"            distance: {{value: {number_text}, unit: m}}", 1)
    from smr_siting.core.rules import parse_profile

    assert parse_profile(text, "x").criteria == parse_profile(canonical, "x").criteria


# ---------------------------------------------------------------- 11. YAML bombs and size
def _bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return DEFAULT + "\nscratch:\n" + "\n".join("  " + line for line in lines) + "\n"


@pytest.mark.parametrize("command", ["check-profile", "screen"])
def test_yaml_alias_expansion_and_size_are_bounded(cli, tmp_path, command) -> None:
    """Failed on 96ade62 (memory exhausted by a 12 KB profile of nested aliases)."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_bomb(), encoding="utf-8")
    huge = tmp_path / "huge.yaml"
    huge.write_text(DEFAULT + "\n# " + "x" * (2 * 1024 * 1024) + "\n", encoding="utf-8")
    for path, problem in ((bomb, "the document expands to more than 100,000 values"),
                          (huge, "the document is larger than 1024 KB")):
        args = [command, str(path)] if command == "check-profile" else [
            "screen", "--region", "Zutphen", "--profile", str(path), "--out", str(tmp_path / "out")]
        started = time.monotonic()
        done = _run(cli, *args, timeout=60)
        assert time.monotonic() - started < 30
        assert done.returncode == 2 and problem in _one_error(done), done.stderr
    device = _run(cli, "check-profile", "/dev/zero", timeout=60)
    assert device.returncode == 2 and "/dev/zero is not a regular file" in _one_error(device)


def test_odd_yaml_structures_give_exit_2(cli, tmp_path) -> None:
    """Failed on 96ade62 with exit 1: a list as a key; deep nesting."""
    for name, text, problem in (("listkey.yaml", "[1, 2]: x\n", "a key must be a name, not a list or mapping"),
                                ("deep.yaml", "a: " + "[" * 500 + "]" * 500 + "\n", "nested more than 64 levels")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        done = _run(cli, "check-profile", str(path))
        assert done.returncode == 2 and problem in _one_error(done), done.stderr


# ---------------------------------------------------------------- 16 and 17. paths and locale
def test_a_run_with_relative_paths_verifies_from_another_folder(cli, shared_data, tmp_path) -> None:
    """Failed on 96ade62: '--data ../data' was recorded as typed, so verify failed from another folder."""
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    (tmp_path / "work" / "data").symlink_to(shared_data)
    done = _run(cli, "screen", "--region", "Zutphen", "--data", "../data", "--out", "../run", "--resolution", "250",
                "--quiet", cwd=work)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "work" / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["data_dir"] == str(tmp_path / "work" / "data")
    assert manifest["parameters"]["as_given"]["data_dir"] == "../data"
    assert all(Path(item["path"]).is_absolute() for item in manifest["inputs"])
    elsewhere = _run(cli, "verify", str(tmp_path / "work" / "run"), "--quiet", cwd=tmp_path)
    assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr
    ranked = _run(cli, "rank", "--run", str(tmp_path / "work" / "run"), "--quiet", cwd=tmp_path)
    assert ranked.returncode == 0, ranked.stderr


def test_data_files_do_not_depend_on_the_locale(cli, shared_data, run_folder, tmp_path) -> None:
    """Failed on 96ade62: verify under LANG=nl_NL.UTF-8 of an untouched English run said 'no longer hold'."""
    dutch = {"LANG": "nl_NL.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SMR_SITING_LANG": ""}
    done = _run(cli, "verify", str(run_folder), "--quiet", env=dutch)
    assert done.returncode == 0 and "de resultaten kloppen nog" in done.stdout, done.stdout + done.stderr
    out = tmp_path / "nl"
    assert _screen(cli, shared_data, out, env=dutch).returncode == 0
    english, other = _hashes(run_folder), _hashes(out)
    for name in ("exclusion.tif", "candidate_areas.gpkg", "summary.csv", "exclusion.rules.json"):
        assert english[name] == other[name], name
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["language"] == "nl"


# ---------------------------------------------------------------- 12. raster windows
def test_a_huge_sparse_raster_is_read_by_window(cli, shared_data, tmp_path) -> None:
    """Failed on 96ade62 ("out of memory" at any resolution): a 2.6 MB sparse GeoTIFF of 200,000 × 200,000 cells
    of 1.5 m was read whole.  Now only the analysis grid's window is read, at about the grid's cell size."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    path = tmp_path / "sparse.tif"
    with rasterio.open(path, "w", driver="GTiff", width=200_000, height=200_000, count=1, dtype="uint8", nodata=0,
                       crs="EPSG:28992", transform=from_origin(0, 625_000, 1.5, 1.5), tiled=True, blockxsize=512,
                       blockysize=512, compress="deflate", sparse_ok=True, bigtiff="yes") as dst:
        # one 768 m square of 'dense' land in Zutphen (x 210.0-210.8 km, y 459.2-460.0 km)
        dst.write(np.full((1, 512, 512), 200, dtype="uint8"), window=Window(140_000, 110_000, 512, 512))
    assert path.stat().st_size < 5 * 1024 * 1024
    profile = tmp_path / "raster.yaml"
    anchor = "  # ------------------------------------------------------------------ energy demand"
    assert anchor in DEFAULT
    profile.write_text(DEFAULT.replace(anchor, "  - id: dense\n    kind: raster_threshold\n    threshold: {op: '>', "
                                       "value: 100, unit: inhabitants/km2}\n    layers: [urban_areas]\n    basis: "
                                       "'assumption: test rule'\n\n" + anchor, 1), encoding="utf-8")
    out = tmp_path / "out"
    done = _run(cli, "screen", "--region", "Zutphen", "--data", str(shared_data), "--out", str(out), "--resolution",
                "250", "--profile", str(profile), "--layer", f"urban_areas={path}", "--quiet", timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {row["id"]: row for row in json.loads((out / "summary.json").read_text(encoding="utf-8"))["rules"]}
    assert 0.3 <= rows["dense"]["km2_alone"] <= 1.0  # the 0.59 km² square, on 250 m cells


# ---------------------------------------------------------------- 8. every command ends on the first signal
def _slow_profile(tmp_path: Path) -> Path:
    """A valid profile that takes PyYAML seconds to read (many harmless keys in its scratch section)."""
    path = tmp_path / "slow.yaml"
    body = "".join(f"  # a comment the scanner reads, {i}\n  - {{a: {i}, b: {i}}}\n"
                   for i in range(12_000))  # 5 values each: 60,000 in all, under the bound of 100,000
    path.write_text(DEFAULT.replace("\ncriteria:", "\ndescription_list:\n" + body + "\ncriteria:", 1)
                    if "\ncriteria:" in DEFAULT else DEFAULT, encoding="utf-8")
    assert len(path.read_bytes()) < 1024 * 1024
    return path


@pytest.fixture(scope="module")
def gelderland_ranked(cli, shared_data, tmp_path_factory) -> Path:
    """A ranked screening of Gelderland at 25 m: rank and sensitivity take seconds on it."""
    out = tmp_path_factory.mktemp("gelderland") / "run"
    done = _run(cli, "screen", "--region", "Gelderland", "--data", str(shared_data), "--out", str(out), "--quiet",
                timeout=600)
    assert done.returncode == 0, done.stderr
    assert _run(cli, "rank", "--run", str(out), "--quiet", timeout=600).returncode == 0
    return out


def _signal_cases(shared_data: Path, run_folder: Path, ranked: Path, tmp_path: Path) -> dict[str, tuple[list[str],
                                                                                                      Path | None]]:
    return {
        "screen": (["screen", "--region", "Gelderland", "--data", str(shared_data), "--out", str(tmp_path / "s"),
                    "--resolution", "25"], tmp_path / "s"),
        "national": (["national", "--region", "Gelderland", "--data", str(shared_data), "--out", str(tmp_path / "n"),
                      "--resolution", "10"], tmp_path / "n"),
        "verify": (["verify", str(ranked)], ranked),
        "rank": (["rank", "--run", str(ranked), "--overwrite"], ranked),
        "sensitivity": (["sensitivity", "--run", str(ranked), "--overwrite", "--sweep",
                         "cooling_water=1km,2km,3km,4km,5km,6km,7km,8km"], ranked),
        "check-profile": (["check-profile", str(_slow_profile(tmp_path))], None),
    }


def _at_work(name: str, lines: list[str], scratch: Path, waited: float, quick: float) -> bool:
    """Whether a command has passed its imports and is at its work, so that the signal lands mid-work on any
    machine (a fixed sleep did not: on a faster machine verify was done within 3 s).  verify: its rerun's
    temporary folder exists; check-profile (which prints nothing): 0.3 s longer than this machine takes to check
    the shipped profile (*quick*), so well into reading the slow one; the others: their first note."""
    if name == "verify":
        return any(scratch.iterdir())
    if name == "check-profile":
        return waited >= quick + 0.3
    return any(line.startswith("note:") for line in lines)


def _signal_when_at_work(name: str, process: subprocess.Popen, scratch: Path, signum: int,
                         quick: float) -> tuple[float, str]:
    """Send *signum* once the command is at work; the seconds from the signal to its end, and its stderr."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    started = time.monotonic()
    while not _at_work(name, lines, scratch, time.monotonic() - started, quick):
        assert process.poll() is None, f"{name} finished before it was at work: {''.join(lines)}"
        assert time.monotonic() - started < 120, f"{name}: no sign of work within 120 s"
        time.sleep(0.01)
    time.sleep(0.1)
    assert process.poll() is None, f"{name} finished before the signal"
    sent = time.monotonic()
    process.send_signal(signum)
    process.wait(timeout=30)
    took = time.monotonic() - sent
    reader.join(timeout=10)
    return took, "".join(lines)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_every_command_ends_within_2_s_of_the_first_signal(cli, shared_data, run_folder, gelderland_ranked, tmp_path,
                                                          signum) -> None:
    """Failed on 96ade62: profile parsing and verify's hashing ignored the first SIGTERM.  The rule-mask cache
    is off: every rule computed, so that each command is still at work when the signal comes."""
    cases = _signal_cases(shared_data, run_folder, gelderland_ranked, tmp_path)
    scratch = tmp_path / "tmpdir"  # verify's temporary folder goes here: it must be gone afterwards
    scratch.mkdir()
    started = time.monotonic()
    assert _run(cli, "check-profile", "nl-default").returncode == 0
    quick = time.monotonic() - started  # this machine's imports and a normal profile
    for name, (args, folder) in cases.items():
        before = _hashes(folder) if folder is not None and folder.exists() else None
        process = subprocess.Popen([*cli, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "TMPDIR": str(scratch), "SMR_SITING_CACHE": "off"},
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        took, stderr = _signal_when_at_work(name, process, scratch, signum, quick)
        print(f"{name} ({signal.Signals(signum).name}): ended {took:.2f} s after the signal")
        assert took < 2.0, f"{name}: {took:.2f} s"
        assert process.returncode == (143 if signum == signal.SIGTERM else 130), (name, stderr)
        assert "Traceback" not in stderr
        assert stderr.strip().splitlines()[-1] == "smr-siting: cancelled; no output was written.", (name, stderr)
        if folder is not None:
            if before is None:
                assert not folder.exists() or list(folder.iterdir()) == [], (name, list(folder.iterdir()))
            else:
                assert _hashes(folder) == before, name
                assert not [p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]
    assert list(scratch.iterdir()) == []


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


def test_a_site_file_with_duplicate_ids_keeps_each_row_and_says_so(cli, run_folder, tmp_path) -> None:
    """Failed on 96ade62: the user's id column was dropped, so two rows with the same id could not be told
    apart or joined back; now each row stays a site, its name carries the file's id, and a notice says so."""
    import csv

    import geopandas as gpd
    from shapely.geometry import Point

    folder = _copy_run(run_folder, tmp_path / "run")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    minx, miny, maxx, maxy = summary["grid"]["bounds"]
    regions = gpd.read_file(folder / "exclusion_reasons.gpkg") if (folder / "exclusion_reasons.gpkg").exists() else None
    point = Point((minx + maxx) / 2, (miny + maxy) / 2)
    if regions is not None and len(regions):
        point = regions.geometry.iloc[0].representative_point()
    sites = gpd.GeoDataFrame({"id": ["A7", "A7", "B2"], "name": ["north", "south", "east"]},
                             geometry=[point, Point(point.x + 50, point.y), Point(point.x, point.y + 50)],
                             crs="EPSG:28992")
    path = tmp_path / "sites.gpkg"
    sites.to_file(path, layer="sites")
    done = subprocess.run(cli + ["rank", "--run", str(folder), "--sites", str(path)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "1 id(s) in its field 'id' occur more than once (e.g. A7)" in done.stderr + done.stdout
    with open(folder / "ranked_sites.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == ["north [id A7]", "south [id A7]", "east [id B2]"]
    assert [r["site_id"] for r in rows] == ["1", "2", "3"]


def test_an_ambiguous_municipality_name_is_refused_with_the_choices(cli, shared_data, tmp_path) -> None:
    """Failed on 96ade62 (issue 19, item 15): 'Bergen' was 'unknown region ... did you mean Buren' although two
    municipalities are called Bergen; now it names both with their codes, and either spelling of one works."""
    done = subprocess.run(cli + ["screen", "--region", "Bergen", "--data", str(shared_data), "--out", str(tmp_path / "o"),
                                 "--resolution", "250", "--quiet"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert done.stderr.strip() == ("smr-siting: error: region 'Bergen' is ambiguous: Bergen (NH.) (GM0373), "
                                   "Bergen (L.) (GM0893). Give the full name or the CBS code, e.g. GM0373.")
    assert not (tmp_path / "o").exists()
    for spelling in ("Bergen (L.)", "Bergen L", "GM0893"):
        ok = subprocess.run(cli + ["screen", "--region", spelling, "--data", str(shared_data), "--out",
                                   str(tmp_path / spelling.replace(" ", "_")), "--resolution", "250", "--quiet"],
                            capture_output=True, text=True, timeout=600)
        assert ok.returncode == 0, ok.stderr
        assert json.loads((tmp_path / spelling.replace(" ", "_") / "summary.json").read_text())["region"]["code"] \
            == "GM0893"
