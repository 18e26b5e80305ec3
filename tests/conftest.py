"""Shared fixtures.  QGIS runs offscreen (pytest-qgis, ``qgis_gui_enabled = false``)."""

from __future__ import annotations

import configparser
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SMR_SITING_LANG"] = "en"
# the rule-mask cache of the command line: one folder for the session (tests share it, as runs of a user do;
# nothing is read from or written into the user's own cache)
os.environ.setdefault("SMR_SITING_CACHE", tempfile.mkdtemp(prefix="smr-siting-cache-"))

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PARENT = ROOT / "build" / "plugins"
PLUGIN_DIR = PLUGIN_PARENT / "smr_siting"
DEMO_DATA = ROOT / "demo" / "data"
VENV_BIN = ROOT / ".venv" / "bin"


def shared_data_dir() -> Path:
    return Path(os.environ.get("SMR_SHARED_DATA", ROOT.parent / "shared" / "data" / "nl")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real Dutch development data (read-only, never copied)."""
    path = shared_data_dir()
    if not (path / "PROVENANCE.md").exists():
        pytest.skip(f"real Dutch data not found at {path} (set SMR_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def demo_data() -> Path:
    if not (DEMO_DATA / "nl_natura2000.gpkg").exists():
        pytest.skip("demo pack missing (make demo-data)")
    return DEMO_DATA


@pytest.fixture(scope="session")
def cli() -> list[str]:
    """The installed console script, or the module through the same interpreter."""
    script = VENV_BIN / "smr-siting"
    return [str(script)] if script.exists() else [sys.executable, "-m", "smr_siting"]


@pytest.fixture(scope="session")
def plugin_dir() -> Path:
    """The plugin folder as QGIS loads it (``make plugin``); built here if missing."""
    if not (PLUGIN_DIR / "metadata.txt").exists():
        if shutil.which("make") is None:
            pytest.skip("build/plugins/smr_siting missing and no make to build it")
        subprocess.run(["make", "-s", "plugin"], cwd=ROOT, check=True)
    return PLUGIN_DIR


@pytest.fixture(scope="session")
def plugin_metadata(plugin_dir: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(plugin_dir / "metadata.txt", encoding="utf-8")
    return parser


@pytest.fixture(scope="module")  # module scope: the repository's modules come back after each QGIS test module
def loaded_plugin(plugin_dir: Path, plugin_metadata, qgis_app, qgis_processing):  # noqa: ANN001, ANN201
    """Load the built plugin the way QGIS does: its folder on the plugin path, metadata.txt,
    ``classFactory(iface)``, ``initProcessing()`` (what qgis_process calls) — from build/, not the repo."""
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "smr_siting"}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(plugin_dir.parent))
    try:
        package = importlib.import_module("smr_siting")
        assert Path(package.__file__).resolve().parent == plugin_dir.resolve(), package.__file__
        plugin = package.classFactory(None)  # qgis_process passes iface=None
        plugin.initProcessing()
        yield plugin
        plugin.unload()
    finally:
        sys.path.remove(str(plugin_dir.parent))
        for name in [n for n in sys.modules if n.split(".")[0] == "smr_siting"]:
            del sys.modules[name]
        sys.modules.update(saved)
