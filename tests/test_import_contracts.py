"""The import contracts of `make lint` (import-linter, `[tool.importlinter]` in pyproject.toml) hold on the tree,
and they bite: a copy of the package with one import the wrong way — at the top, deferred into a function, or
under TYPE_CHECKING, or an import circle — breaks them, naming the broken contract."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (make deps installs it)")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(root), "PATH": ""})


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "smr_siting", root / "smr_siting", ignore=shutil.ignore_patterns("__pycache__", "*.po"))
    return root


def test_the_tree_keeps_every_contract() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    # the analysis grid (model) reaching up to the screening's writer (pipeline), at the top of the module
    ("core/model/grid.py", "from ..pipeline import screen as _screen  # noqa: F401\n",
     "The engine's stages, in pipeline order"),
    # the same, hidden in a function (a deferred import counts)
    ("core/data/region.py", "def _hidden():\n    from ..candidates import areas  # noqa: F401\n",
     "The engine's stages, in pipeline order"),
    # and under TYPE_CHECKING
    ("core/rules/base.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..scoring import sites  # noqa: F401\n",
     "The engine's stages, in pipeline order"),
    # the engine importing the plugin
    ("core/outputs/tables.py", "def _hidden():\n    from ...processing import common  # noqa: F401\n",
     "The engine never imports QGIS, Qt or the plugin"),
    # a circle inside one stage (exclusion.mask <-> exclusion.compute)
    ("core/exclusion/mask.py", "def _hidden():\n    from . import compute  # noqa: F401\n",
     "No import circles between sibling modules or packages"),
], ids=["top-level", "deferred", "type-checking", "engine-to-plugin", "circle"])
def test_a_wrong_way_import_breaks_the_contract(tmp_path, module, line, contract) -> None:
    root = _copy(tmp_path)
    target = root / "smr_siting" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line, encoding="utf-8")
    done = _lint(root)
    assert done.returncode != 0
    broken = [row for row in done.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(row.startswith(contract) for row in broken), done.stdout  # (a wrong-way import is a circle too)
