"""The wheel (``pip wheel .``) carries the layer catalogue, the embedded national pack and the QML styles inside
the package, as the plugin zip does: installed into a fresh venv (``--system-site-packages``, nothing else), the
package finds them outside any checkout and screens a municipality on the pack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
SOURCES = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "smr_siting", "layers", "resources/styles")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the files a source distribution holds (the checkout's build/ stays untouched)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    for name in SOURCES:
        if not (ROOT / name).exists():
            continue
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, target)
    out = base / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "--disable-pip-version-check", "-w", str(out), str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    wheels = list(out.glob("smr_siting-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_holds_the_catalogue_the_pack_and_the_styles(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    pack = json.loads((ROOT / "layers" / "national" / "NATIONAL_PACK.json").read_text(encoding="utf-8"))
    assert "smr_siting/layers/catalogue.yaml" in names
    assert {"smr_siting/layers/national/NATIONAL_PACK.json", "smr_siting/layers/national/LICENCES.md",
            "smr_siting/layers/national/PROVENANCE.md"} <= names
    shipped = {f"smr_siting/layers/national/{p.name}" for p in (ROOT / "layers" / "national").glob("*.gpkg")}
    assert shipped and shipped <= names, sorted(shipped - names)
    assert len(json.dumps(pack)) > 0
    assert {"smr_siting/layers/reference/hyperscale_zones.gpkg", "smr_siting/resources/styles/exclusion.qml",
            "smr_siting/resources/styles/ranked_sites.qml"} <= names
    assert not any("__pycache__" in n or "/tests/" in n for n in names)


def test_the_installed_wheel_finds_them_and_screens_on_the_pack(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                           "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    probe = ("import json, smr_siting\n"
             "from smr_siting.core.data.catalogue import layers_dir, load_catalogue\n"
             "from smr_siting.core.outputs import STYLE_DIRS\n"
             "from smr_siting.processing.settings import national_pack_dir\n"
             "print(json.dumps({'package': smr_siting.__file__, 'layers': str(layers_dir()),\n"
             "                  'pack': str(national_pack_dir()), 'entries': len(load_catalogue().entries),\n"
             "                  'styles': [str(d) for d in STYLE_DIRS if (d / 'exclusion.qml').is_file()]}))\n")
    done = subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    package = Path(found["package"]).parent
    assert str(package).startswith(str(venv)) and ROOT not in package.parents, found  # the installed copy
    assert Path(found["layers"]) == package / "layers" and found["entries"] > 20
    assert Path(found["pack"]) == package / "layers" / "national"
    assert found["styles"] and Path(found["styles"][0]) == package / "resources" / "styles"
    out = tmp_path / "ede"
    done = subprocess.run([str(venv / "bin" / "smr-siting"), "screen", "--region", "Ede", "--data", found["pack"],
                           "--resolution", "250", "--out", str(out), "--quiet"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (out / "exclusion.tif").is_file() and (out / "exclusion.qml").is_file()
    assert (out / "candidate_areas.gpkg").is_file() and (out / "manifest.json").is_file()
