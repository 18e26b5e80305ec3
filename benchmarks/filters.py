"""The profile's ``where`` conditions (as plan.py writes them) applied to a GeoDataFrame — shared by the numpy
floor and atlite contenders.  Plain pandas, no engine import: it also runs in atlite's own venv."""

from __future__ import annotations

from typing import Any


def select(gdf: Any, conditions: list[dict]) -> Any:
    """The rows of ``gdf`` meeting every condition (a missing value never meets one, unless ``keep_missing``)."""
    import pandas as pd

    keep = pd.Series(True, index=gdf.index)
    for cond in conditions:
        column, value, op = gdf[cond["field"]], cond["value"], cond["op"]
        if op in ("in", "not in"):
            hit = column.isin(value if isinstance(value, list) else [value])
            hit = hit if op == "in" else ~hit
        else:
            hit = {"==": column == value, "!=": column != value, "<": column < value, "<=": column <= value,
                   ">": column > value, ">=": column >= value}[op]
        hit &= column.notna()
        if cond["keep_missing"]:
            hit |= column.isna()
        keep &= hit
    return gdf[keep]
