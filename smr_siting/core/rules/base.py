"""What every criterion kind provides.  One module per kind lives beside this file.

A kind module defines ``KIND = CriterionKind(...)``; the registry finds it by itself, so a new kind is one file
(plus its test).  Everything that differs between kinds is a field of :class:`CriterionKind` — how its keys are
read, how far it looks, whether and how it is computed tile by tile, how a sweep varies it, and how it becomes a
mask — so no other module names a kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..config.yamlpos import LineDict
from ..data.layers import LayerStore
from ..model.grid import Grid
from ..model.profile import Criterion
from ..model.progress import RunContext
from .sweep import SweepTarget, distance_targets, vary_numbers

Evaluate = Callable[[Criterion, Grid, LayerStore, RunContext], np.ndarray]
ParseOptions = Callable[[LineDict, str], Mapping[str, Any]]
ParseSourceOptions = Callable[[Mapping[str, Any], str], Mapping[str, Any]]


def _no_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    return {}


def _as_written(raw: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return dict(raw)


def _data_reach(criterion: Criterion) -> float:
    return criterion.max_distance_m


def _as_is(criterion: Criterion, store: LayerStore) -> Criterion:
    return criterion


@dataclass(frozen=True)
class CriterionKind:
    """A kind of rule: how it is written in a profile and how it becomes an exclusion mask.

    Parameters
    ----------
    name, summary
        The kind's key in a profile (``kind: NAME``) and one line for ``smr-siting kinds`` (translatable).
    evaluate
        ``evaluate(criterion, grid, store, ctx)``: a boolean array on ``grid``, True where the rule excludes the cell.
    criterion_keys, parse_options
        Keys a rule of this kind may carry beyond the common ones (any other key is refused with the list of
        known ones), and ``parse_options(raw, where)`` turning them into ``Criterion.options``.
    source_keys, required_source_keys, parse_source_options
        Keys each entry of ``layers:`` may carry beyond ``layer`` and ``where``; those the profile reader does not
        know itself (``distance``, ``buffer``, ``field``, ``scale``, ``min_area``, ``min_width``, ``fallback``) are
        given to ``parse_source_options(raw, where)`` and kept in ``Source.options`` (default: as written).
    reach
        ``reach(criterion)``: the farthest (m) the rule looks beyond a cell; the analysis grid and each tile's halo
        are grown by it.  Default: the rule's largest distance or buffer.
    tiles, prepare_tiles
        Whether the rule can be computed tile by tile (``smr-siting national``), and ``prepare_tiles(criterion,
        store)``: decisions the untiled run makes on all features, pinned on the rule so every tile makes the same
        (default: none).
    sweep_targets, vary
        ``sweep_targets(criterion)``: the numbers a sweep may vary (``RULE``, ``RULE.LAYER.distance``, …), and
        ``vary(criterion, target, value)``: the rule with that number set.  Default: distances, bands, scale and a
        ``value`` threshold.
    wording
        How the report names what a rule of this kind does ("excluded inside"; translatable, ``N_``); default:
        the kind's name.
    regulator
        What the regulator columns of candidate areas and sites read from a rule of this kind: ``"population"``
        (its population source), ``"cooling"`` (its cooling-water check) or ``""`` (nothing).
    layer_type, examples
        'vector', 'raster' or 'any'; profile snippets for the documentation.
    """

    name: str
    summary: str
    evaluate: Evaluate
    criterion_keys: frozenset[str] = frozenset()
    source_keys: frozenset[str] = frozenset()
    required_source_keys: frozenset[str] = frozenset()
    parse_options: ParseOptions = _no_options
    parse_source_options: ParseSourceOptions = _as_written
    reach: Callable[[Criterion], float] = _data_reach
    tiles: bool = True
    prepare_tiles: Callable[[Criterion, LayerStore], Criterion] = _as_is
    sweep_targets: Callable[[Criterion], Sequence[str]] = distance_targets
    vary: Callable[[Criterion, SweepTarget, float], Criterion] = vary_numbers
    wording: str = ""
    regulator: str = ""
    layer_type: str = "vector"
    examples: tuple[str, ...] = field(default_factory=tuple)
