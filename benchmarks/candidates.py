"""The candidate search on the plan's screening, with footprints turned every 15° and axis-aligned only
(issue 13: rotations must keep the speed).

Usage: python candidates.py PLAN.json DATA    (prints one JSON line: seconds and counts of both)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from smr_siting.core.candidates import areas as candidates
from smr_siting.core.candidates.compute import compute_candidates
from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    request = ScreeningRequest(region=plan["region"], profile=plan["profile"], data_dir=Path(sys.argv[2]),
                               resolution_m=plan["grid"]["resolution"])
    result = compute_exclusion(request)
    report = {}
    for label, step in (("turned", candidates.ROTATION_STEP_DEG), ("axis_only", 0.0)):
        saved, candidates.ROTATION_STEP_DEG = candidates.ROTATION_STEP_DEG, step
        try:
            started = time.perf_counter()
            areas, _cells = compute_candidates(result)
            report[f"{label}_s"] = round(time.perf_counter() - started, 3)
            report[f"{label}_areas"] = len(areas)
        finally:
            candidates.ROTATION_STEP_DEG = saved
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
