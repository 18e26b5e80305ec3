"""Standardising a criterion's raw values to scores in [0, 1] (1 = most suitable).

Methods: ``linear`` (between min and max, or through control points), ``sigmoid`` (fuzzy,
cos² membership with control points a, b — or a, b, c, d for a symmetric rise and fall, as in
IDRISI's FUZZY), ``bands`` (score per value band, e.g. distance bands) and ``categories``
(score per category).  ``direction`` (benefit or cost) flips min/max and sigmoid scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from .i18n import _

METHODS = ("linear", "sigmoid", "bands", "categories")
DIRECTIONS = ("benefit", "cost")


@dataclass(frozen=True)
class Standardisation:
    method: str = "linear"
    direction: str = "benefit"
    lower: float | None = None       # linear: value scored 0 (benefit) — None: the data's minimum
    upper: float | None = None       # linear: value scored 1 (benefit) — None: the data's maximum
    points: tuple[tuple[float, float], ...] = ()   # linear through (value, score) control points
    control: tuple[float, ...] = ()  # sigmoid: a, b  or  a, b, c, d
    bands: tuple[tuple[float | None, float], ...] = ()  # (upper bound, score); None = no upper bound
    categories: Mapping[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        if self.method == "linear" and self.points:
            return "linear through " + ", ".join(f"({x:g}, {y:g})" for x, y in self.points)
        if self.method == "linear":
            return f"linear {self.direction} between {self.lower if self.lower is not None else 'min'} and " \
                   f"{self.upper if self.upper is not None else 'max'}"
        if self.method == "sigmoid":
            return f"sigmoid {self.direction} with control points {', '.join(f'{c:g}' for c in self.control)}"
        if self.method == "bands":
            return "bands " + ", ".join(f"<{'∞' if u is None else f'{u:g}'}: {s:g}" for u, s in self.bands)
        return "categories " + ", ".join(f"{k}: {v:g}" for k, v in self.categories.items())


@dataclass(frozen=True)
class Standardised:
    scores: np.ndarray
    warnings: tuple[str, ...] = ()


def standardise(values: np.ndarray, spec: Standardisation, name: str = "criterion") -> Standardised:
    """Scores in [0, 1] for ``values`` (NaN stays NaN).  Never divides by zero: a criterion that does
    not vary gets score 1 everywhere and a warning (it cannot tell places apart)."""
    if spec.method == "categories":
        return _categories(values, spec, name)
    values = np.asarray(values, dtype="float64")
    warnings: list[str] = []
    if spec.method == "linear":
        if spec.points:
            xs = np.array([p[0] for p in spec.points])
            ys = np.array([p[1] for p in spec.points])
            scores = np.interp(values, xs, ys)
        else:
            finite = values[np.isfinite(values)]
            lower = spec.lower if spec.lower is not None else (float(finite.min()) if finite.size else 0.0)
            upper = spec.upper if spec.upper is not None else (float(finite.max()) if finite.size else 0.0)
            if math.isclose(lower, upper):
                warnings.append(_("{name}: every value is {value:g}, so it cannot tell places apart; "
                                  "it scores 1 everywhere (check the layer or drop the criterion)").format(
                                      name=name, value=lower))
                scores = np.ones_like(values)
            else:
                scores = np.clip((values - lower) / (upper - lower), 0.0, 1.0)
            if spec.direction == "cost":
                scores = 1.0 - scores
    elif spec.method == "sigmoid":
        scores = _sigmoid(values, spec.control)
        if spec.direction == "cost":
            scores = 1.0 - scores
    elif spec.method == "bands":
        scores = np.full(values.shape, np.nan)
        assigned = np.zeros(values.shape, dtype=bool)
        for upper, score in spec.bands:
            # the open last band (no upper bound) also takes inf: no feature within reach
            hit = ~assigned & ~np.isnan(values) & ((values < upper) if upper is not None else True)
            scores[hit] = score
            assigned |= hit
        unbanded = ~np.isnan(values) & ~assigned
        if unbanded.any():
            warnings.append(_("{name}: {count} value(s) above the last band score 0").format(
                name=name, count=int(unbanded.sum())))
            scores[unbanded] = 0.0
    else:  # pragma: no cover - rejected when the profile is read
        raise ValueError(f"unknown standardisation {spec.method}")
    scores = np.where(np.isnan(values), np.nan, scores)  # inf (nothing within reach) keeps its score
    return Standardised(scores, tuple(warnings))


def _sigmoid(values: np.ndarray, control: tuple[float, ...]) -> np.ndarray:
    """cos² membership rising from a to b (and falling from c to d)."""
    a, b = control[0], control[1]
    rise = np.clip((values - a) / (b - a), 0.0, 1.0)
    scores = np.cos((1.0 - rise) * math.pi / 2.0) ** 2
    if len(control) == 4:
        c, d = control[2], control[3]
        fall = np.clip((values - c) / (d - c), 0.0, 1.0)
        scores = np.where(values > c, np.cos(fall * math.pi / 2.0) ** 2, scores)
    return scores


def _categories(values: np.ndarray, spec: Standardisation, name: str) -> Standardised:
    flat = np.asarray(values, dtype=object).ravel()
    scores = np.full(flat.shape, np.nan)
    unknown: set[str] = set()
    for i, value in enumerate(flat):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        key = str(value)
        if key in spec.categories:
            scores[i] = spec.categories[key]
        else:
            unknown.add(key)
    warnings = ()
    if unknown:
        warnings = (_("{name}: categories without a score ({categories}) get no score").format(
            name=name, categories=", ".join(sorted(unknown)[:5])),)
    return Standardised(scores.reshape(np.shape(values)), warnings)
