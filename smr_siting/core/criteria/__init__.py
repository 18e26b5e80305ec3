"""Criterion kinds.  Each module here (other than ``base``) defines ``KIND``; they are found by name."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from .base import CriterionKind


@lru_cache(maxsize=1)
def _registry() -> dict[str, CriterionKind]:
    kinds: dict[str, CriterionKind] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_") or module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, CriterionKind):
            kinds[kind.name] = kind
    return kinds


def kind_names() -> list[str]:
    return sorted(_registry())


def get_kind(name: str) -> CriterionKind | None:
    return _registry().get(name)


__all__ = ["CriterionKind", "get_kind", "kind_names"]
