"""The engine (smr_siting/core) runs without QGIS: it imports no qgis module, directly or when loaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "smr_siting" / "core"


def _qgis_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            names = [str(node.args[0].value)]
        found += [f"{path.name}:{node.lineno} imports {n}" for n in names
                  if n == "qgis" or n.startswith("qgis.") or n == "PyQt5" or n.startswith("PyQt5.")]
    return found


def test_core_sources_exist():
    files = sorted(CORE.rglob("*.py"))
    assert CORE / "pipeline" / "screen.py" in files and len(files) >= 10


def test_no_core_module_imports_qgis():
    offenders = [hit for path in sorted(CORE.rglob("*.py")) for hit in _qgis_imports(path)]
    assert not offenders, "the engine must not import QGIS or Qt:\n" + "\n".join(offenders)


def test_the_checker_finds_a_qgis_import(tmp_path):
    """The AST check above catches the usual spellings (so its silence means something)."""
    fake = tmp_path / "fake.py"
    fake.write_text("import os\nfrom qgis.core import QgsProject\nimport qgis\nfrom . import qgis_free\n"
                    "def f():\n    import qgis.utils\n    __import__('qgis')\n", encoding="utf-8")
    assert len(_qgis_imports(fake)) == 4


#: every engine module, imported in a fresh interpreter
ALL_CORE = "import importlib, pkgutil, smr_siting.core as c; from smr_siting.core.rules import kind_names; " \
           "[importlib.import_module(m.name) for m in pkgutil.walk_packages(c.__path__, 'smr_siting.core.')]; kind_names()"


@pytest.mark.parametrize("code", ["import smr_siting.core.pipeline.screen", ALL_CORE], ids=["screen", "all-core-modules"])
def test_importing_the_engine_loads_no_qgis(code):
    check = code + "\nimport sys\nbad = sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5'))" \
        "\nassert not bad, bad\nassert 'smr_siting.core.pipeline.screen' in sys.modules " \
        "or 'smr_siting.core.model.grid' in sys.modules"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120,
                          cwd=str(CORE.parent.parent))
    assert done.returncode == 0, done.stderr
