"""The per-rule summary table (summary.csv)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from ..exclusion.mask import RuleStats
from .json_io import write_text

SUMMARY_COLUMNS = ["order", "bit", "id", "title", "group", "km2_alone", "km2_only", "km2_cumulative",
                   "share_alone", "share_cumulative"]


def summary_csv_text(table: Sequence[RuleStats]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: v for k, v in row.as_dict().items() if k in SUMMARY_COLUMNS})
    return buffer.getvalue()


def write_summary_csv(path: Path, table: Sequence[RuleStats]) -> None:
    write_text(path, summary_csv_text(table))
