"""The whole pipeline through the engine's public functions, one step per process (so that each step's peak
memory is its own): screen, rank, sensitivity (Monte Carlo alone) and sensitivity with a 4-value sweep.

Steps, each into the same run folder (the previous steps' outputs must be there):

* ``screen``  ``smr_siting.core.pipeline.screen.screen(ScreeningRequest(region, profile, data, resolution), RUN,
              cache=RuleCache.default())`` — the exclusion, candidate areas and every output file of
              ``smr-siting screen``, with the rule-mask cache empty (every rule computed) as the command line
              would start on a new machine;
* ``rank``    ``smr_siting.core.pipeline.rank.rank_run(RUN, cache=…)`` — ``smr-siting rank``: the screening
              rebuilt from the manifest with the screening's rule masks and footprint fit from the cache (and
              checked against exclusion.tif), the suitability surface, the best place per
              candidate area, the ranked sites and their files;
* ``mc``      ``sensitivity_run(RUN, samples=1000, seed=1)`` — ``smr-siting sensitivity`` without a sweep: the
              Monte Carlo on the weights and the leave-one-out ranks (sensitivity.csv, sensitivity.json);
* ``sweep``   ``sensitivity_run(RUN, samples=1000, seed=1, sweeps=[plan's sweep])`` — the same plus
              sweeps.csv: the baseline row (the screening as it was) and one row per value; each value
              evaluates the rule it varies (the others' masks from the cache) and counts the candidate areas.

Usage: python pipeline.py STEP PLAN.json DATA RUN_DIR [REPEAT]    (prints one JSON line: the median time of
REPEAT calls, each call's time, and for ``mc``/``sweep`` the sites and the sweep's rows)
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

STEPS = ("screen", "rank", "mc", "sweep")
SAMPLES = 1000
SEED = 1


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> int:
    step, plan_path, data, run_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    if step not in STEPS:
        raise SystemExit(f"pipeline.py: step {step!r} is not one of {', '.join(STEPS)}")
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    # the rule-mask cache as the command line uses it, in a folder of the benchmark's own: the screening starts
    # with it empty (every rule computed), rank and sensitivity find the screening's masks there
    cache_dir = run_dir.parent / "rule-cache"
    os.environ["SMR_SITING_CACHE"] = str(cache_dir)
    from smr_siting.core.exclusion.compute import ScreeningRequest
    from smr_siting.core.exclusion.rulecache import RuleCache
    from smr_siting.core.pipeline.rank import rank_run, sensitivity_run
    from smr_siting.core.pipeline.screen import screen

    def call() -> None:
        if step == "screen":
            shutil.rmtree(cache_dir, ignore_errors=True)  # cold: a first screening
            request = ScreeningRequest(region=plan["region"], profile=plan["profile"], data_dir=data,
                                       resolution_m=plan["grid"]["resolution"])
            screen(request, run_dir, overwrite=True, cache=RuleCache.default())
        elif step == "rank":
            rank_run(run_dir, overwrite=True, cache=RuleCache.default())
        elif step == "mc":
            sensitivity_run(run_dir, samples=SAMPLES, seed=SEED, overwrite=True, cache=RuleCache.default())
        else:
            sensitivity_run(run_dir, samples=SAMPLES, seed=SEED, sweeps=[plan["sweep"]["text"]], overwrite=True,
                            cache=RuleCache.default())

    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    report: dict = {"step": step, "seconds": round(statistics.median(runs), 3), "runs": [round(r, 3) for r in runs]}
    if step in ("mc", "sweep"):
        report["sites"] = len(_rows(run_dir / "sensitivity.csv"))
        report["samples"] = SAMPLES
    if step == "sweep":
        report["sweep"] = plan["sweep"]["text"]
        report["sweep_rows"] = [{"value": r["value"], "km2_not_excluded": float(r["km2_not_excluded"]),
                                 "candidate_areas": int(r["candidate_areas"])} for r in _rows(run_dir / "sweeps.csv")]
    if step == "rank":
        ranking = json.loads((run_dir / "ranking.json").read_text(encoding="utf-8"))
        report["ranked"] = ranking.get("ranked")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
