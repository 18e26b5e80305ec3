"""Exclusion with reasons: one bit per rule, and the per-rule area table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from .i18n import N_, language, translate
from .profile import Criterion

#: the legend text of cell value 0
NOT_EXCLUDED = N_("Not excluded")


def bits_dtype(n_rules: int) -> np.dtype:
    """The smallest unsigned type holding one bit per rule with the all-ones value left for nodata."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_rules < np.dtype(dtype).itemsize * 8:
            return np.dtype(dtype)
    raise ValueError(f"{n_rules} rules do not fit into a 32-bit mask")


def nodata_value(dtype: np.dtype) -> int:
    return int(np.iinfo(dtype).max)


@dataclass(frozen=True)
class RuleInfo:
    """A rule as recorded in the outputs: its bit, names and the reason text."""

    bit: int
    id: str
    title: str
    title_nl: str
    group: str
    kind: str
    layers: tuple[str, ...]

    @property
    def value(self) -> int:
        return 1 << self.bit


def rule_infos(criteria: Sequence[Criterion]) -> list[RuleInfo]:
    return [RuleInfo(i, c.id, c.title, c.title_nl, c.group, c.kind, c.layer_ids) for i, c in enumerate(criteria)]


@dataclass(frozen=True)
class RuleStats:
    order: int
    bit: int
    id: str
    title: str
    group: str
    km2_alone: float
    km2_only: float
    km2_cumulative: float
    share_alone: float
    share_cumulative: float

    def as_dict(self) -> dict:
        return asdict(self)


def rule_table(bits: np.ndarray, region: np.ndarray, rules: Sequence[RuleInfo], cell_km2: float) -> list[RuleStats]:
    """Per rule, inside the region: km² it excludes by itself ('alone'), km² no other rule excludes
    ('only'), km² excluded by it and the rules before it ('cumulative'), and shares of the region."""
    inside = bits[region]
    region_cells = max(int(inside.size), 1)
    table = []
    cumulative_mask = np.zeros(inside.shape, dtype=bool)
    for order, rule in enumerate(rules):
        value = np.array(rule.value, dtype=bits.dtype)
        own = (inside & value) != 0
        only = inside == value
        cumulative_mask |= own
        alone_cells, only_cells, cum_cells = int(own.sum()), int(only.sum()), int(cumulative_mask.sum())
        table.append(RuleStats(order + 1, rule.bit, rule.id, rule.title, rule.group,
                               round(alone_cells * cell_km2, 4), round(only_cells * cell_km2, 4),
                               round(cum_cells * cell_km2, 4), round(alone_cells / region_cells, 6),
                               round(cum_cells / region_cells, 6)))
    return table


def describe_value(value: int, rules: Sequence[RuleInfo], dutch: bool | None = None) -> str:
    """The reasons a cell value stands for, in profile order; in Dutch if ``dutch`` (default: the engine's language)."""
    if dutch is None:
        dutch = language() == "nl"
    if value == 0:
        return translate(NOT_EXCLUDED, "nl" if dutch else "en")
    names = [(r.title_nl or r.title) if dutch else r.title for r in rules if value & r.value]
    return " + ".join(names)
