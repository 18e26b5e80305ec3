"""The whole pipeline the way a QGIS user would do it: GDAL algorithms through ``processing.run`` in a real
QGIS (QGIS's Python ``/usr/bin/python3``, offscreen), one step per process so that each step's peak memory
is its own.  The steps share WORKDIR (``state.json`` names the rasters a later step reuses):

* ``screen``  the exclusion chain of gdal_chain.py once (rasterize / proximity / rastercalculator per rule,
              packed into the bit mask);
* ``rank``    per scoring criterion of the profile: ``gdal:rasterize`` of each of its layers (distance
              targets all-touched; a value criterion burns its field as Float32 by cell centre),
              ``gdal:proximity`` of each distance target, one ``gdal:rastercalculator`` for the minimum
              over several layers, one for the standardisation (the profile's breakpoints as a piecewise
              linear ``where`` formula, or the cos² sigmoid); then one ``gdal:rastercalculator`` for the
              weighted sum masked by the exclusion (nodata where excluded or a score is missing).  Nothing
              is taken over from the exclusion step (a scoring model of its own); what reusing the
              exclusion's proximity rasters would save is reported as ``reusable_s``;
* ``sweep``   once: the region burnt by cell centre and the OR of the six other rules' rasters from the
              exclusion step (reused, not recomputed); per value: the swept rule's ``gdal:rasterize`` +
              ``gdal:proximity`` per layer and its ``gdal:rastercalculator`` (threshold, OR) re-done, one
              ``gdal:rastercalculator`` for free = no other rule and not this one and inside the region,
              and the free km² counted by reading that raster into numpy (osgeo.gdal ``ReadAsArray``).
              The proximities do not depend on the distance, so a user who kept them would only redo
              the two calculator steps and the count per value: reported as ``reuse_proximity_s``.

The Monte Carlo on the weights has no QGIS tool; run.py counts it at the engine's time on this side too.

Usage: python3 pipeline_qgis.py STEP PLAN.json WORKDIR    (prints one JSON line: the step's time, its
processing steps, and for ``sweep`` the free km² per value)
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from gdal_chain import LETTERS, Runner, chain, negated, rule_terms, start_qgis

STEPS = ("screen", "rank", "sweep")
NODATA = -9999.0


def piecewise(points: list[list[float]], x: str = "A") -> str:
    """numpy.interp through ``points`` (value, score) as a gdal_calc formula: constant beyond the ends."""
    points = sorted(points)
    formula = repr(float(points[-1][1]))
    for (x0, y0), (x1, y1) in reversed(list(zip(points, points[1:]))):
        if x1 == x0:
            continue
        formula = f"where({x}<={x1!r},{y0!r}+({x}-{x0!r})*{(y1 - y0) / (x1 - x0)!r},{formula})"
    return f"where({x}<={float(points[0][0])!r},{float(points[0][1])!r},{formula})"


def sigmoid(control: list[float], direction: str, x: str = "A") -> str:
    """The engine's cos² membership (rising from a to b, falling from c to d) as a gdal_calc formula."""
    a, b = control[0], control[1]
    formula = f"cos((1-clip(({x}-{a!r})/{b - a!r},0,1))*{3.141592653589793 / 2!r})**2"
    if len(control) == 4:
        c, d = control[2], control[3]
        formula = f"where({x}>{c!r},cos(clip(({x}-{c!r})/{d - c!r},0,1)*{3.141592653589793 / 2!r})**2,{formula})"
    return f"1-({formula})" if direction == "cost" else formula


def standardisation(spec: dict, x: str = "A") -> str:
    if spec["method"] == "linear":
        return piecewise(spec["points"], x)
    return sigmoid(spec["control"], spec["direction"], x)


def _seconds(steps: list[dict]) -> float:
    return round(sum(s["s"] for s in steps), 3)


def rank(plan: dict, work: Path, state: dict, runner: Runner) -> dict:
    """The suitability surface: per criterion its score raster, then the weighted sum on free land."""
    exclusion_targets = {(s["path"], s["layer"], s["where"]) for r in plan["rules"] for s in r["sources"]
                         if s["distance"] is not None}
    scores, reusable = [], 0.0
    for criterion in plan["scoring"]["criteria"]:
        before = len(runner.steps)
        if criterion["measure"] == "distance":
            distances = []
            for source in criterion["sources"]:
                n = len(runner.steps)
                target = runner.rasterize(source, source["where"], True)
                distances.append(runner.proximity(target, f"{criterion['id']}: {source['layer_id']}"))
                if (source["path"], source["layer"], source["where"]) in exclusion_targets:
                    reusable += _seconds(runner.steps[n:])
            raw = distances[0]
            while len(distances) > 1:  # the nearest of several layers
                chunk, distances = distances[:6], distances[6:]
                body = "A"
                for letter in LETTERS[1:len(chunk)]:
                    body = f"minimum({body},{letter})"
                raw = runner.calc(chunk, body, f"{criterion['id']}: nearest of {len(chunk)}", rtype=5)
                distances = [raw] + distances if distances else []
            formula = standardisation(criterion["standardise"])
        else:
            raw = runner.rasterize(criterion["sources"][0], criterion["sources"][0]["where"], False,
                                   field=criterion["field"])
            # CBS codes secret or missing values as negative numbers (and -1 is "no municipality"): no score
            formula = f"where(A<0,{NODATA!r},{standardisation(criterion['standardise'])})"
        scores.append(runner.calc([raw], formula, f"{criterion['id']}: standardise", rtype=5, nodata=NODATA))
        criterion_steps = runner.steps[before:]
        for step in criterion_steps:
            step["criterion"] = criterion["id"]
    if len(scores) > 5:
        raise SystemExit("pipeline_qgis.py: more than five scoring criteria do not fit one calculator step")
    weights = [c["weight"] for c in plan["scoring"]["criteria"]]
    mask = LETTERS[len(scores)]
    total = "+".join(f"{w!r}*{LETTERS[i]}" for i, w in enumerate(weights))
    valid = "*".join([f"({mask}==0)"] + [f"({LETTERS[i]}>=0)" for i in range(len(scores))])
    surface = runner.calc(scores + [state["packed"]], f"where({valid},{total},{NODATA!r})", "weighted sum",
                          rtype=5, nodata=NODATA)
    state["suitability"] = surface
    return {"reusable_s": round(reusable, 3), "suitability": surface}


def sweep(plan: dict, work: Path, state: dict, processing: Any, feedback: Any, runner: Runner) -> dict:
    from osgeo import gdal

    rule = next(r for r in plan["rules"] if r["id"] == plan["sweep"]["rule"])
    region_source = plan["region_source"]
    region = runner.rasterize(region_source, region_source["where"], False)
    others = [state["rule_rasters"][r["id"]] for r in plan["rules"] if r["id"] != rule["id"]]
    other = runner.any_of([(path, "X>0") for path in others], f"any rule but {rule['id']}")
    setup = list(runner.steps)
    km2_cell = plan["grid"]["resolution"] ** 2 / 1e6
    values = []
    for number, metres in enumerate(plan["sweep"]["values"]):
        folder = work / "sweep" / f"value{number}"
        folder.mkdir(parents=True, exist_ok=True)
        value = Runner(plan, folder, processing, feedback)  # the swept rule from scratch: nothing cached
        rule_raster = value.any_of(rule_terms(value, rule, metres), f"{rule['id']} at {metres:g} m", negated(rule))
        free = value.calc([other, rule_raster, region], "1*((A==0)*(B==0)*(C>0))", f"free at {metres:g} m")
        t0 = time.perf_counter()
        band = gdal.Open(free)
        cells = int((band.ReadAsArray() > 0).sum())
        band = None
        value.steps.append({"alg": "numpy count", "what": f"free km² at {metres:g} m",
                            "s": round(time.perf_counter() - t0, 3)})
        values.append({"value": metres, "km2_not_excluded": round(cells * km2_cell, 4), "s": _seconds(value.steps),
                       "reuse_proximity_s": _seconds([s for s in value.steps if s["alg"] not in
                                                      ("gdal:rasterize", "gdal:proximity")]),
                       "steps": value.steps})
        shutil.rmtree(folder, ignore_errors=True)  # about 0.6 GB of proximities per value
    return {"setup_s": _seconds(setup), "setup": setup, "values": values,
            "reuse_proximity_s": round(_seconds(setup) + sum(v["reuse_proximity_s"] for v in values), 3)}


def main() -> int:
    step, plan_path, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]).resolve()
    if step not in STEPS:
        raise SystemExit(f"pipeline_qgis.py: step {step!r} is not one of {', '.join(STEPS)}")
    work.mkdir(parents=True, exist_ok=True)
    app, processing, feedback, version, init_s = start_qgis(work)
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    state_path = work / "state.json"
    state = json.loads(state_path.read_text(encoding="utf-8")) if step != "screen" else {}
    folder = work / step
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    runner = Runner(plan, folder, processing, feedback)
    t0 = time.perf_counter()
    extra: dict[str, Any] = {}
    if step == "screen":
        rule_rasters: dict[str, str] = {}
        packed, steps, rules = chain(plan, folder, processing, feedback, rule_rasters)
        runner.steps = steps
        state.update(packed=packed, rule_rasters=rule_rasters)
        extra["rules"] = rules
    elif step == "rank":
        extra = rank(plan, folder, state, runner)
    else:
        extra = sweep(plan, folder, state, processing, feedback, runner)
    seconds = time.perf_counter() - t0
    state_path.write_text(json.dumps(state, indent=1), encoding="utf-8")
    steps = runner.steps + [s for v in extra.get("values", []) for s in v["steps"]]
    print(json.dumps({"step": step, "seconds": round(seconds, 3), "init_s": round(init_s, 3), "qgis": version,
                      "counts": {a: sum(1 for s in steps if s["alg"] == a) for a in sorted({s["alg"] for s in steps})},
                      "steps": runner.steps, **extra}))
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
