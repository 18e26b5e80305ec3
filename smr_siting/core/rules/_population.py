"""Helpers shared by the population kinds (population_within, population_sector, emergency_zone,
population_centre_distance): lengths that may come from the reactor design, the population source
(CBS 100 m squares when present, else the kern points) and thresholds in inhabitants or per km²."""

from __future__ import annotations

import operator
from typing import Any, Mapping

import numpy as np

from ..config.designs import DesignRef, parse_design_ref
from ..config.yamlpos import LineDict
from ..data.layers import LayerStore
from ..data.population import POPULATION_CELL_M, SQUARE_MILE_KM2, Population, bin_counts, coarse_grid, read_population
from ..model.errors import ProfileError
from ..model.grid import Grid
from ..model.i18n import _
from ..model.profile import Criterion
from ..model.units import parse_length

OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
DENSITY_UNITS = {"inhabitants/km2": 1.0, "inhabitants/km²": 1.0, "inhabitants/mi2": 1.0 / SQUARE_MILE_KM2,
                 "inhabitants/mi²": 1.0 / SQUARE_MILE_KM2}
COUNT_UNITS = ("inhabitants",)
#: the population layer used when present, before the rule's own layers (CBS 100 m squares)
DEFAULT_PREFER = ({"layer": "population_grid_100m", "field": "aantalInwoners"},)


def length_or_design(raw: LineDict, key: str, where: str, required: bool = True) -> float | DesignRef | None:
    """A length ('5 km'), or ``design.NAME`` (filled in from the reactor design before the run)."""
    if key not in raw:
        if required:
            raise ProfileError(_("{key!r} is missing").format(key=key),
                               _("Write e.g. '{key}: 5 km' or '{key}: design.evacuation_zone'").format(key=key), where)
        return None
    value = raw[key]
    ref = parse_design_ref(value)
    if ref is not None:
        return ref
    if isinstance(value, str) and value.strip().endswith(" mi"):
        try:
            return float(value.strip()[:-3]) * 1609.344
        except ValueError:
            pass
    return parse_length(value, key, where, allow_zero=False)


def parse_threshold(raw: LineDict, where: str, units: tuple[str, ...]) -> dict[str, Any]:
    threshold = raw.get("threshold")
    example = _("Write 'threshold: {{op: \">\", value: 500, unit: {unit}}}'").format(unit=units[0])
    if not isinstance(threshold, dict) or set(threshold) - {"op", "value", "unit"}:
        raise ProfileError(_("'threshold' is missing or not a mapping of op, value and unit"), example, where)
    op = str(threshold.get("op", ""))
    if op not in OPERATORS:
        raise ProfileError(_("threshold operator {op!r} is not one of {operators}").format(
            op=op, operators=", ".join(OPERATORS)), example, where)
    value = threshold.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ProfileError(_("threshold value {value!r} is not a number of zero or more").format(value=value),
                           example, where)
    unit = str(threshold.get("unit", "")).strip()
    if unit not in units:
        raise ProfileError(_("threshold unit {unit!r} is not one of {units}").format(unit=unit, units=", ".join(units)),
                           example, where)
    return {"op": op, "value": float(value), "unit": unit}


def threshold_in_base_unit(options: Mapping[str, Any]) -> float:
    """The threshold in inhabitants or inhabitants per km²."""
    return float(options["value"]) * DENSITY_UNITS.get(options["unit"], 1.0)


def parse_prefer(raw: LineDict, where: str) -> tuple[dict[str, str], ...]:
    prefer = raw.get("prefer", list(DEFAULT_PREFER))
    if isinstance(prefer, dict):
        prefer = [prefer]
    if not isinstance(prefer, list) or not all(isinstance(p, dict) and set(p) == {"layer", "field"} for p in prefer):
        raise ProfileError(_("'prefer' must list {layer: ID, field: NAME} population layers"),
                           _("Write e.g. 'prefer: [{layer: population_grid_100m, field: aantalInwoners}]' or "
                             "'prefer: []'"), where)
    return tuple({"layer": str(p["layer"]), "field": str(p["field"])} for p in prefer)


def population_of(criterion: Criterion, store: LayerStore, grid: Grid, reach_m: float) -> Population:
    """The rule's inhabitants: the first preferred layer present (CBS 100 m squares), else its own layers."""
    order = [(p["layer"], p["field"]) for p in criterion.options.get("prefer", ())]
    for source in criterion.sources:
        if not source.field:
            raise ProfileError(_("rule {rule!r}: layer {layer!r} needs 'field:' naming the inhabitants").format(
                rule=criterion.id, layer=source.layer), _("Add e.g. 'field: aantal_inwoners_2021'"), criterion.id)
        order.append((source.layer, source.field))
    bounds = grid.expanded_bounds(reach_m + 2 * POPULATION_CELL_M)
    return read_population(store, order, _("Rule {rule!r}").format(rule=criterion.id), bounds)


def counts_on(population: Population, grid: Grid, reach_m: float) -> tuple[Grid, np.ndarray]:
    """Inhabitants per population cell, on a grid that covers ``grid`` grown by ``reach_m``."""
    coarse = coarse_grid(grid, reach_m)
    return coarse, bin_counts(population, coarse)


def compare(values: np.ndarray, options: Mapping[str, Any]) -> np.ndarray:
    return OPERATORS[options["op"]](values, threshold_in_base_unit(options))
