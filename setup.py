"""Packaging beyond what pyproject.toml can say: the wheel carries the layer catalogue and the embedded national
pack (``layers/``) and the QML styles (``resources/styles``) *inside* the package, where the built plugin has
them (``smr_siting/layers``, ``smr_siting/resources/styles``), so an installed package finds them the same way
(:data:`smr_siting.core.data.catalogue.LAYERS_DIRS`, :data:`smr_siting.core.outputs.STYLE_DIRS`).  In a checkout (and an
editable install) they are found beside the package instead."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: folders of the repository copied into the package: (source, target inside the package)
DATA_TREES = (("layers", "layers"), ("resources/styles", "resources/styles"))


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        for source, target in DATA_TREES:
            destination = Path(self.build_lib) / "smr_siting" / target
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(ROOT / source, destination,
                            ignore=shutil.ignore_patterns("__pycache__", "*.partial*", ".*"))


setup(cmdclass={"build_py": BuildPyWithData})
