"""The command line on real Dutch data: outputs, exit codes, one-line errors, no traceback, the
user's files untouched, nothing half-written."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.affinity import translate

REGION = "Ede"  # a Gelderland municipality: small enough for quick runs


def _sha_tree(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _run(cli: list[str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=timeout)


def _screen(cli: list[str], data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return _run(cli, "screen", "--region", REGION, "--data", str(data), "--out", str(out), "--resolution", "100",
                *extra)


def _assert_user_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("smr-siting: error: ")
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture(scope="module")
def natura(shared_data: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(shared_data / "nl_natura2000.gpkg", layer="natura2000")


def test_screen_writes_every_output(cli, shared_data, tmp_path) -> None:
    before = _sha_tree(shared_data)
    out = tmp_path / "out"
    done = _screen(cli, shared_data, out)
    assert done.returncode == 0, done.stderr
    assert "Ede:" in done.stdout and "excluded" in done.stdout
    for name in ("exclusion.tif", "candidate_areas.gpkg", "summary.csv", "summary.json", "manifest.json",
                 "exclusion.qml", "exclusion.rules.json", "candidate_areas.qml"):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    used = {i["layer_id"]: i for i in manifest["inputs"]}
    assert {"natura2000", "municipalities", "population_centres", "rivers_major"} <= set(used)
    assert used["natura2000"]["sha256"] == before["nl_natura2000.gpkg"]
    assert manifest["profile"]["name"] == "nl-default" and len(manifest["profile"]["sha256"]) == 64
    assert _sha_tree(shared_data) == before  # the inputs are untouched


def test_profile_listing_and_check(cli) -> None:
    listed = _run(cli, "profiles")
    assert listed.returncode == 0 and {"nl-default", "nl-strict", "nl-datacentre"} <= {
        line.split()[0] for line in listed.stdout.splitlines()}
    shown = _run(cli, "profiles", "--show", "nl-default")
    assert shown.stdout.startswith("# nl-default")
    checked = _run(cli, "check-profile", "nl-strict")
    assert checked.returncode == 0 and "is valid" in checked.stdout


def test_no_crs_is_refused(cli, shared_data, natura, tmp_path) -> None:
    layer = tmp_path / "n2k_no_crs.gpkg"
    head = natura.head(20)
    # a new frame without CRS: `frame.crs = None` is deprecated in geopandas 1.x, set_crs(None) fails on 0.12
    no_crs = gpd.GeoDataFrame(head.drop(columns=head.geometry.name), geometry=list(head.geometry))
    no_crs.to_file(layer, layer="natura2000")
    digest = hashlib.sha256(layer.read_bytes()).hexdigest()
    done = _screen(cli, shared_data, tmp_path / "out", "--layer", f"natura2000={layer}")
    _assert_user_error(done, "n2k_no_crs.gpkg", "has no coordinate reference system", "Assign one")
    assert not (tmp_path / "out").exists()
    assert hashlib.sha256(layer.read_bytes()).hexdigest() == digest


def test_other_crs_is_reprojected_with_a_notice(cli, shared_data, natura, tmp_path) -> None:
    layer = tmp_path / "n2k_wgs84.gpkg"
    natura.to_crs("EPSG:4326").to_file(layer, layer="natura2000")
    rd = _screen(cli, shared_data, tmp_path / "rd")
    wgs = _screen(cli, shared_data, tmp_path / "wgs", "--layer", f"natura2000={layer}")
    assert rd.returncode == 0 and wgs.returncode == 0, wgs.stderr
    assert "is in EPSG:4326; reprojected to EPSG:28992" in wgs.stderr
    a = {r["id"]: r for r in json.loads((tmp_path / "rd" / "summary.json").read_text())["rules"]}
    b = {r["id"]: r for r in json.loads((tmp_path / "wgs" / "summary.json").read_text())["rules"]}
    assert b["natura2000"]["km2_alone"] == pytest.approx(a["natura2000"]["km2_alone"], rel=0.005)


def test_empty_layer_is_refused(cli, shared_data, natura, tmp_path) -> None:
    layer = tmp_path / "empty.gpkg"
    natura.head(0).to_file(layer, layer="natura2000")
    _assert_user_error(_screen(cli, shared_data, tmp_path / "out", "--layer", f"natura2000={layer}"),
                       "empty.gpkg", "is empty")


def test_layer_outside_the_netherlands_is_refused(cli, shared_data, natura, tmp_path) -> None:
    layer = tmp_path / "far_away.gpkg"
    far = natura.head(5).copy()
    far["geometry"] = [translate(g, 2_000_000, 0) for g in far.geometry]
    far.to_file(layer, layer="natura2000")
    _assert_user_error(_screen(cli, shared_data, tmp_path / "out", "--layer", f"natura2000={layer}"),
                       "lies wholly outside the Netherlands", "Check its CRS")


def test_layer_with_nothing_near_the_region_is_reported(cli, shared_data, natura, tmp_path) -> None:
    layer = tmp_path / "zeeland_only.gpkg"
    natura[natura.geometry.centroid.y < 400_000].to_file(layer, layer="natura2000")
    done = _screen(cli, shared_data, tmp_path / "out", "--layer", f"natura2000={layer}")
    assert done.returncode == 0, done.stderr
    assert "none of its" in done.stderr and "within reach of the region" in done.stderr
    rules = {r["id"]: r for r in json.loads((tmp_path / "out" / "summary.json").read_text())["rules"]}
    assert rules["natura2000"]["km2_alone"] == 0


@pytest.mark.parametrize("old, new, fragments", [
    ("kind: exclude_inside\n    group: space\n    title: Natura", "kind: exclude_insdie\n    group: space\n    title: Natura",
     ("mine.yaml:", "unknown criterion kind 'exclude_insdie'", "Did you mean 'exclude_inside'?")),
    ("        distance: 150 m", "        distance: -150 m", ("mine.yaml:", "must be zero or positive")),
    ("        distance: 150 m", "        distance: 150", ("mine.yaml:", "has no unit", "'3 km'")),
    ("      - layer: natura2000", "      - layer: natura200", ("unknown layer id 'natura200'", "'natura2000'")),
    ("    title: River channel", "    titel: River channel", ("unknown key 'titel'", "Did you mean 'title'?")),
])
def test_profile_errors_name_file_line_and_fix(cli, shared_data, tmp_path, old, new, fragments) -> None:
    text = Path(__file__).resolve().parents[1].joinpath("smr_siting/profiles/nl-default.yaml").read_text("utf-8")
    assert old in text
    profile = tmp_path / "mine.yaml"
    profile.write_text(text.replace(old, new, 1), encoding="utf-8")
    done = _screen(cli, shared_data, tmp_path / "out", "--profile", str(profile))
    _assert_user_error(done, *fragments)
    line = int(done.stderr.split("mine.yaml:")[1].split()[0]) if "mine.yaml:" in done.stderr else None
    if line is not None:
        assert new.strip().split("\n")[0].strip() in profile.read_text().splitlines()[line - 1]
    assert not (tmp_path / "out").exists()


def test_unknown_region_suggests_close_names(cli, shared_data, tmp_path) -> None:
    _assert_user_error(_run(cli, "screen", "--region", "Gelderlnd", "--data", str(shared_data), "--out",
                            str(tmp_path / "o")), "unknown region 'Gelderlnd'", "'Gelderland'")


def test_missing_data_folder(cli, tmp_path) -> None:
    _assert_user_error(_run(cli, "screen", "--region", "Ede", "--data", str(tmp_path / "nope"), "--out",
                            str(tmp_path / "o")), "does not exist")


def test_existing_output_is_refused_unless_overwrite(cli, shared_data, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("my own notes\n", encoding="utf-8")
    (out / "keep.txt").write_text("unrelated\n", encoding="utf-8")
    done = _screen(cli, shared_data, out)
    _assert_user_error(done, "output already exists", "summary.csv", "--overwrite")
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt", "summary.csv"]
    assert (out / "summary.csv").read_text(encoding="utf-8") == "my own notes\n"
    again = _screen(cli, shared_data, out, "--overwrite")
    assert again.returncode == 0, again.stderr
    assert (out / "summary.csv").read_text(encoding="utf-8").startswith("order,bit,id")
    assert (out / "keep.txt").read_text(encoding="utf-8") == "unrelated\n"


def test_ctrl_c_mid_run_leaves_nothing(cli, shared_data, tmp_path) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen([*cli, "screen", "--region", "Gelderland", "--data", str(shared_data), "--out",
                                str(out), "--resolution", "25", "--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stderr is not None
    for line in process.stderr:  # wait until the rules are being evaluated
        if "analysis grid" in line:
            break
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "cancelled; no output was written" in stderr and "Traceback" not in stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_bad_option_values(cli, tmp_path) -> None:
    done = _run(cli, "screen", "--region", "Ede", "--out", str(tmp_path), "--resolution", "-5")
    assert done.returncode == 2 and "must be positive" in done.stderr and "Traceback" not in done.stderr
    done = _run(cli, "screen", "--region", "Ede", "--out", str(tmp_path), "--layer", "natura2000")
    assert done.returncode == 2 and "ID=FILE" in done.stderr
