"""Contender (a): our engine, ``compute_exclusion`` of smr_siting.core.pipeline.screen, on the plan's region and profile.

Usage: python engine.py PLAN.json DATA OUT.npy [REPEAT]    (prints one JSON line: the median time and the rest)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    request = ScreeningRequest(region=plan["region"], profile=plan["profile"], data_dir=Path(sys.argv[2]),
                               resolution_m=plan["grid"]["resolution"])
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = compute_exclusion(request)
        runs.append(time.perf_counter() - started)
    grid = result.analysis_grid
    assert (grid.left, grid.top, grid.width, grid.height) == (
        plan["grid"]["left"], plan["grid"]["top"], plan["grid"]["width"], plan["grid"]["height"]), grid
    np.save(sys.argv[3], result.bits_full)
    print(json.dumps({"seconds": round(statistics.median(runs), 3), "runs": [round(r, 3) for r in runs],
                      "steps": {k: round(v, 3) for k, v in result.timings.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
