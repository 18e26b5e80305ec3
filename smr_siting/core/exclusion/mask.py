"""Exclusion with reasons: one bit per rule, and the per-rule area table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from ..model.i18n import N_, Localised, Message, joined, translate
from ..model.profile import Criterion

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


#: rows a grid-sized bit operation takes at a time: its temporaries stay small and are used again, instead of
#: one the size of the grid (fresh memory, which the system must clear before first use); a multiple of 8, so
#: that a packed mask's part for these rows starts on a byte
CHUNK_ROWS = 256


def set_rule_bit(bits: np.ndarray, mask: np.ndarray, bit: int) -> None:
    """``bits |= mask << bit`` in place (``mask`` boolean, of the shape of ``bits``), :data:`CHUNK_ROWS` rows
    at a time."""
    if bits.ndim != 2 or mask.shape != bits.shape:
        np.bitwise_or(bits, np.left_shift(mask.astype(bits.dtype), bits.dtype.type(bit)), out=bits)
        return
    scratch = np.empty((min(CHUNK_ROWS, bits.shape[0]), bits.shape[1]), dtype=bits.dtype)
    shift = bits.dtype.type(bit)
    for row in range(0, bits.shape[0], CHUNK_ROWS):
        part, rows = bits[row:row + CHUNK_ROWS], scratch[:min(CHUNK_ROWS, bits.shape[0] - row)]
        np.copyto(rows, mask[row:row + CHUNK_ROWS])
        np.left_shift(rows, shift, out=rows)
        np.bitwise_or(part, rows, out=part)


def set_packed_rule_bit(bits: np.ndarray, packed: np.ndarray, bit: int) -> None:
    """As :func:`set_rule_bit` with the mask given as ``np.packbits`` of it (flat, row by row), unpacked
    :data:`CHUNK_ROWS` rows at a time."""
    height, width = bits.shape
    for row in range(0, height, CHUNK_ROWS):
        rows = min(CHUNK_ROWS, height - row)
        start, count = row * width // 8, rows * width
        part = np.unpackbits(packed[start:start + (count + 7) // 8], count=count).view(bool).reshape(rows, width)
        set_rule_bit(bits[row:row + rows], part, bit)


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


def value_counts(bits: np.ndarray, region: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cell values present in the region and how many cells hold each (one pass over the tile, counted
    :data:`CHUNK_ROWS` rows at a time for the small types: no region-sized copy of the values)."""
    if bits.dtype.itemsize <= 2:
        histogram = np.zeros(1 << (8 * bits.dtype.itemsize), dtype=np.int64)
        for top in range(0, bits.shape[0], CHUNK_ROWS):
            block = slice(top, top + CHUNK_ROWS)
            histogram += np.bincount(bits[block][region[block]], minlength=histogram.size)
        values = np.flatnonzero(histogram)
        return values, histogram[values]
    return np.unique(bits[region], return_counts=True)


def rule_counts(values: np.ndarray, counts: np.ndarray, n_rules: int) -> np.ndarray:
    """Per rule, from the value histogram: [cells it excludes, cells only it excludes, cumulative cells]
    (the cell counts behind :func:`rule_table`)."""
    values = values.astype(np.int64)
    out = np.zeros((n_rules, 3), dtype=np.int64)
    for i in range(n_rules):
        bit = 1 << i
        out[i] = (counts[(values & bit) != 0].sum(), counts[values == bit].sum(),
                  counts[(values & ((bit << 1) - 1)) != 0].sum())
    return out


def table_from_counts(counts: np.ndarray, region_cells: int, rules: Sequence[RuleInfo],
                      cell_km2: float) -> list[RuleStats]:
    """The per-rule table of :func:`rule_table` from cell counts (summed over tiles, say)."""
    cells = max(int(region_cells), 1)
    table = []
    for order, rule in enumerate(rules):
        alone, only, cumulative = (int(v) for v in counts[order])
        table.append(RuleStats(order + 1, rule.bit, rule.id, rule.title, rule.group, round(alone * cell_km2, 4),
                               round(only * cell_km2, 4), round(cumulative * cell_km2, 4), round(alone / cells, 6),
                               round(cumulative / cells, 6)))
    return table


def rule_table(bits: np.ndarray, region: np.ndarray, rules: Sequence[RuleInfo], cell_km2: float) -> list[RuleStats]:
    """Per rule, inside the region: km² it excludes by itself ('alone'), km² no other rule excludes
    ('only'), km² excluded by it and the rules before it ('cumulative'), and shares of the region.

    Counted from one histogram of the cell values (one pass over the region), not three passes per rule."""
    return table_from_histogram(value_counts(bits, region), rules, cell_km2)


def table_from_histogram(histogram: tuple[np.ndarray, np.ndarray], rules: Sequence[RuleInfo],
                         cell_km2: float) -> list[RuleStats]:
    """The per-rule table of :func:`rule_table` from the region's histogram (:func:`value_counts`)."""
    values, counts = histogram
    return table_from_counts(rule_counts(values, counts, len(rules)), int(counts.sum()), rules, cell_km2)


def describe_value(value: int, rules: Sequence[RuleInfo], dutch: bool | None = None) -> str:
    """The reasons a cell value stands for, in profile order; in Dutch if ``dutch`` (default: the engine's language)."""
    if dutch is None:  # both languages kept: a data file writes it in English (i18n.english)
        if value == 0:
            return Message(NOT_EXCLUDED)
        return joined(" + ", [Localised(r.title, r.title_nl or "") for r in rules if value & r.value])
    if value == 0:
        return translate(NOT_EXCLUDED, "nl" if dutch else "en")
    names = [(r.title_nl or r.title) if dutch else r.title for r in rules if value & r.value]
    return " + ".join(names)
