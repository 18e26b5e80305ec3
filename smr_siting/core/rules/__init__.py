"""Criterion kinds.  Each module here (other than ``base``) defines ``KIND``; they are found by name.

The profile reader (:mod:`smr_siting.core.config.profile`) sits below the kinds and is given them:
:func:`parse_profile` and :func:`load_profile` here read a profile with every registered kind."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

from ..config import profile as _reader
from ..model.profile import Profile
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


def reach(profile: Profile) -> float:
    """The farthest (m) any rule of ``profile`` looks beyond a cell (each kind's ``reach``): the analysis grid's
    margin before the two-cell allowance."""
    return max((_registry()[c.kind].reach(c) for c in profile.criteria), default=0.0)


def register(kind: CriterionKind) -> None:
    """Add a kind defined outside this package (a plug-in, a notebook, a test) under its name."""
    _registry()[kind.name] = kind


def unregister(name: str) -> None:
    """Remove a kind added with :func:`register`."""
    _registry().pop(name, None)


def parse_profile(text: str, source: str, layer_ids: set[str] | None = None) -> Profile:
    """Parse and validate a profile's YAML with the registered criterion kinds (file:line messages)."""
    return _reader.parse_profile(text, source, layer_ids, kinds=_registry())


def load_profile(name_or_path: str | Path, layer_ids: set[str] | None = None) -> Profile:
    """Read a built-in profile (by name) or a profile file with the registered criterion kinds."""
    return _reader.load_profile(name_or_path, layer_ids, kinds=_registry())


__all__ = ["CriterionKind", "get_kind", "kind_names", "load_profile", "parse_profile", "reach", "register",
           "unregister"]
