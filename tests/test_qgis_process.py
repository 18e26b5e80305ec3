"""The real QGIS process: ``qgis_process.bin`` enables the built plugin in a throw-away profile and
runs ``smr_siting:screenregion`` on the real Gelderland data; its outputs match the CLI's byte for byte."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.qgis, pytest.mark.slow]
QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def qgis_env(plugin_dir, tmp_path_factory) -> dict:
    if not Path(QGIS_PROCESS).exists():
        pytest.skip("qgis_process.bin not installed")
    profile = tmp_path_factory.mktemp("qgis-profile")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": str(profile),
           "QGIS_PLUGINPATH": str(plugin_dir.parent)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([QGIS_PROCESS, "plugins", "enable", "smr_siting"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


def test_qgis_process_lists_the_algorithms(qgis_env) -> None:
    done = subprocess.run([QGIS_PROCESS, "list"], env=qgis_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for algorithm in ("smr_siting:exclusionmap", "smr_siting:candidateareas", "smr_siting:screenregion"):
        assert algorithm in done.stdout
    help_text = subprocess.run([QGIS_PROCESS, "help", "smr_siting:screenregion"], env=qgis_env, capture_output=True,
                               text=True, timeout=300).stdout
    assert "REGION" in help_text and "EXCLUSION" in help_text and "every" in help_text


def test_screenregion_in_qgis_process_matches_the_cli(qgis_env, shared_data, cli, tmp_path) -> None:
    qp_out, cli_out = tmp_path / "qgis_process", tmp_path / "cli"
    done = subprocess.run(
        [QGIS_PROCESS, "run", "smr_siting:screenregion", "--",
         "REGION=Gelderland", f"DATA={shared_data}", "PROFILE=nl-default",
         f"EXCLUSION={qp_out / 'exclusion.tif'}", f"CANDIDATES={qp_out / 'candidate_areas.gpkg'}",
         f"SUMMARY={qp_out / 'summary.csv'}", f"SUMMARY_JSON={qp_out / 'summary.json'}",
         f"MANIFEST={qp_out / 'manifest.json'}"],
        env=qgis_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    manifest = json.loads((qp_out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["profile"]["name"] == "nl-default"
    assert manifest["versions"]["shapely"].startswith(("1.8", "2."))
    ran = subprocess.run([*cli, "screen", "--region", "Gelderland", "--data", str(shared_data), "--out", str(cli_out),
                          "--quiet"], capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr
    for name in ("exclusion.tif", "candidate_areas.gpkg", "summary.csv", "summary.json", "exclusion.qml",
                 "exclusion.rules.json"):
        assert _sha(qp_out / name) == _sha(cli_out / name), name


def test_qgis_process_bad_input_is_one_clear_error(qgis_env, shared_data, tmp_path) -> None:
    done = subprocess.run(
        [QGIS_PROCESS, "run", "smr_siting:exclusionmap", "--", "REGION=Gelderlant", f"DATA={shared_data}",
         f"EXCLUSION={tmp_path / 'x.tif'}"], env=qgis_env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "unknown region 'Gelderlant'" in done.stdout + done.stderr
    assert "Did you mean 'Gelderland'" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not list(tmp_path.iterdir())


def test_plugin_zip_installs_into_a_fresh_profile(plugin_dir, tmp_path) -> None:
    """The zip from `make zip` holds one folder smr_siting/ that QGIS loads as it is."""
    import zipfile

    if not Path(QGIS_PROCESS).exists():
        pytest.skip("qgis_process.bin not installed")
    root = plugin_dir.parents[2]
    subprocess.run(["make", "-s", "zip"], cwd=root, check=True, capture_output=True)
    archive = next((root / "build").glob("smr_siting-*.zip"))
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert {n.split("/")[0] for n in names} == {"smr_siting"}
        for required in ("smr_siting/metadata.txt", "smr_siting/__init__.py", "smr_siting/layers/catalogue.yaml",
                         "smr_siting/profiles/nl-default.yaml", "smr_siting/resources/styles/exclusion.qml",
                         "smr_siting/resources/i18n/smr_siting_nl.qm", "smr_siting/core/pipeline/screen.py"):
            assert required in names, required
        assert not [n for n in names if "__pycache__" in n or n.endswith(".ts")]
        plugins = tmp_path / "profile" / "profiles" / "default" / "python" / "plugins"
        plugins.mkdir(parents=True)
        zipped.extractall(plugins)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": str(tmp_path / "profile")}
    env.pop("QGIS_PLUGINPATH", None)
    enabled = subprocess.run([QGIS_PROCESS, "plugins", "enable", "smr_siting"], env=env, capture_output=True,
                             text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    listed = subprocess.run([QGIS_PROCESS, "list"], env=env, capture_output=True, text=True, timeout=300)
    assert "smr_siting:screenregion" in listed.stdout


def test_design_parameter_in_qgis_process_matches_the_cli(qgis_env, shared_data, cli, tmp_path) -> None:
    """DESIGN=chp-50 through qgis_process gives the command line's --design chp-50 files, byte for byte."""
    qp_out, cli_out = tmp_path / "qgis_process", tmp_path / "cli"
    done = subprocess.run(
        [QGIS_PROCESS, "run", "smr_siting:screenregion", "--", "REGION=Ede", f"DATA={shared_data}",
         "PROFILE=nl-regulator", "DESIGN=chp-50", f"EXCLUSION={qp_out / 'exclusion.tif'}",
         f"CANDIDATES={qp_out / 'candidate_areas.gpkg'}", f"SUMMARY={qp_out / 'summary.csv'}",
         f"SUMMARY_JSON={qp_out / 'summary.json'}"], env=qgis_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ran = subprocess.run([*cli, "screen", "--region", "Ede", "--profile", "nl-regulator", "--design", "chp-50",
                          "--data", str(shared_data), "--out", str(cli_out), "--quiet"],
                         capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stderr
    assert json.loads((qp_out / "summary.json").read_text(encoding="utf-8"))["design"]["name"] == "chp-50"
    for name in ("exclusion.tif", "candidate_areas.gpkg", "summary.csv", "summary.json"):
        assert _sha(qp_out / name) == _sha(cli_out / name), name
