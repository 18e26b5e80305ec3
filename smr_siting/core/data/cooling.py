"""Cooling-water adequacy: the low flow of a river (or an unlimited sea or lake) against a design's withdrawal.

``layers/river_flows.csv`` holds the low-water flows, keyed to a water layer's id and a feature's
name (``*``: every feature of the layer), each with its basis and source.  A cooling mode fits a water
body when its withdrawal at full output is at most ``max_share`` of the low flow.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from ..model.errors import DataError
from ..model.i18n import _

FLOWS_FILE = "river_flows.csv"
UNLIMITED = math.inf


@dataclass(frozen=True)
class Flow:
    layer: str
    name: str
    low_flow_m3s: float          # inf: unlimited (sea, large lake)
    basis: str
    source: str
    range_text: str = ""

    def describe(self) -> str:
        if math.isinf(self.low_flow_m3s):
            return _("{name} (no flow limit: {basis})").format(name=self.name, basis=self.basis)
        return _("{name}, low flow {flow:,.0f} m³/s").format(name=self.name, flow=self.low_flow_m3s)


def flows_path(name: str = FLOWS_FILE) -> Path:
    from .catalogue import LAYERS_DIRS

    candidate = Path(name)
    if candidate.is_absolute() or candidate.parent != Path("."):
        return candidate
    for folder in LAYERS_DIRS:
        if (folder / name).is_file():
            return folder / name
    return LAYERS_DIRS[-1] / name


@lru_cache(maxsize=8)
def load_flows(path: Path) -> tuple[Flow, ...]:
    if not path.is_file():
        raise DataError(_("the river-flow table {path} does not exist").format(path=path),
                        _("Give a CSV with columns layer, name, low_flow_m3s, basis, source"))
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                text = (row.get("low_flow_m3s") or "").strip()
                flow = UNLIMITED if text == "unlimited" else float(text)
                if not (row.get("source") or "").strip():
                    raise ValueError("no source")
            except (ValueError, TypeError, AttributeError):
                raise DataError(_("{path}:{line}: a row needs a number (or 'unlimited') in low_flow_m3s and a "
                                  "source").format(path=path, line=number),
                                _("Fix the row")) from None
            rows.append(Flow(row["layer"].strip(), row["name"].strip(), flow, (row.get("basis") or "").strip(),
                             row["source"].strip(), (row.get("low_flow_range_m3s") or "").strip()))
    return tuple(rows)


def flow_of(flows: Sequence[Flow], layer: str, name: str | None) -> Flow | None:
    """The row for a feature: its layer and exact name first, else the layer's '*' row."""
    exact = next((f for f in flows if f.layer == layer and name is not None and f.name == str(name)), None)
    if exact is not None:
        return exact
    wildcard = next((f for f in flows if f.layer == layer and f.name == "*"), None)
    if wildcard is not None:  # named after the feature, else after its layer ('sea')
        return Flow(wildcard.layer, str(name) if name else layer, wildcard.low_flow_m3s, wildcard.basis,
                    wildcard.source)
    return None


def fits(withdrawal_m3s: float, flow: Flow, max_share: float) -> bool:
    return withdrawal_m3s <= max_share * flow.low_flow_m3s


def share_of(withdrawal_m3s: float, flow: Flow) -> float:
    return 0.0 if math.isinf(flow.low_flow_m3s) else withdrawal_m3s / flow.low_flow_m3s
