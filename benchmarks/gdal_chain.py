"""Contender (b): the same exclusion as a QGIS Processing chain of GDAL algorithms, in a real QGIS.

Run by QGIS's Python (``/usr/bin/python3``), offscreen: ``QgsApplication`` + ``Processing.initialize()``, then
only ``processing.run`` calls, as a model or a script in QGIS would make them:

* ``gdal:rasterize`` for each layer (and each distance band) on the plan's grid (-te/-tr, EPSG:28992),
  with the profile's filters as ``-where``; polygons tested by cell centre for "inside" rules, every touched
  cell for the targets of a distance;
* ``gdal:proximity`` (georeferenced units) for each distance target, computed once per raster and reused
  (the river lines serve the river-channel and the cooling-water rule);
* ``gdal:rastercalculator`` (gdal_calc) for each rule's threshold and combination, and for packing the rule
  rasters into one bit mask (at most six inputs per call).

Usage: python3 gdal_chain.py PLAN.json OUT.tif WORKDIR [REPEAT]    (prints one JSON line: the median time
and the steps of that run)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any


def main() -> int:
    plan_path, out_path, work = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QGIS_CUSTOM_CONFIG_PATH", str(work / "qgis-profile"))
    sys.path.append("/usr/share/qgis/python/plugins")
    started = time.perf_counter()
    from qgis.core import Qgis, QgsApplication, QgsProcessingFeedback

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    init_s = time.perf_counter() - started

    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    runs = []
    for number in range(repeat):
        folder = work / f"run{number}"
        shutil.rmtree(work / f"run{number - 1}", ignore_errors=True)  # keep the disk use to one run
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        packed, steps, rules = chain(plan, folder, processing, QgsProcessingFeedback())
        runs.append({"seconds": time.perf_counter() - t0, "steps": steps, "rules": rules})
        os.replace(packed, out_path)
    shutil.rmtree(work / f"run{repeat - 1}", ignore_errors=True)
    median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    steps = median["steps"]
    print(json.dumps({"seconds": round(median["seconds"], 3), "runs": [round(r["seconds"], 3) for r in runs],
                      "init_s": round(init_s, 3), "qgis": Qgis.QGIS_VERSION, "steps": steps, "rules": median["rules"],
                      "counts": {a: sum(1 for s in steps if s["alg"] == a) for a in sorted({s["alg"] for s in steps})}}))
    app.exitQgis()
    return 0


def chain(plan: dict, work: Path, processing: Any, feedback: Any) -> tuple[str, list[dict], list[dict]]:
    """One run of the whole chain into ``work``: the bit mask's path, the steps and the time per rule."""
    g = plan["grid"]
    left, bottom, right, top = g["bounds"]
    res = g["resolution"]
    extent = f"{left},{right},{bottom},{top} [{plan['crs']}]"
    steps: list[dict] = []
    counter = [0]

    def run(alg: str, params: dict, what: str) -> str:
        counter[0] += 1
        params = dict(params, OUTPUT=str(work / f"{counter[0]:02d}_{alg.split(':')[1]}.tif"))
        t0 = time.perf_counter()
        result = processing.run(alg, params, feedback=feedback)
        steps.append({"alg": alg, "what": what, "s": round(time.perf_counter() - t0, 3)})
        out = result["OUTPUT"]
        if not Path(out).exists():
            raise SystemExit(f"{alg} ({what}) wrote nothing")
        return out

    rasters: dict[tuple, str] = {}
    proximities: dict[str, str] = {}

    def rasterize(source: dict, where: str | None, touched: bool) -> str:
        key = (source["path"], source["layer"], where, touched)
        if key not in rasters:
            rasters[key] = run("gdal:rasterize", {
                "INPUT": f"{source['path']}|layername={source['layer']}", "FIELD": None, "BURN": 1, "USE_Z": False,
                "UNITS": 1, "WIDTH": res, "HEIGHT": res, "EXTENT": extent, "NODATA": None, "OPTIONS": "",
                "DATA_TYPE": 0, "INIT": 0, "INVERT": False, "ALL_TOUCH": touched,
                "EXTRA": f'-where "{where}"' if where else "",
            }, f"{source['layer_id']}{' where ' + where if where else ''}")
        return rasters[key]

    def proximity(raster: str, what: str) -> str:
        if raster not in proximities:
            proximities[raster] = run("gdal:proximity", {
                "INPUT": raster, "BAND": 1, "VALUES": "1", "UNITS": 0, "MAX_DISTANCE": 0, "REPLACE": 0,
                "NODATA": None, "OPTIONS": "", "EXTRA": "", "DATA_TYPE": 5}, what)
        return proximities[raster]

    letters = "ABCDEF"

    def calc(inputs: list[str], formula: str, what: str) -> str:
        assert 1 <= len(inputs) <= 6, inputs
        params = {"FORMULA": formula, "NO_DATA": None, "RTYPE": 0, "OPTIONS": "", "EXTRA": "--hideNoData"}
        for letter, path in zip(letters, inputs):
            params[f"INPUT_{letter}"] = path
            params[f"BAND_{letter}"] = 1
        return run("gdal:rastercalculator", params, what)

    def any_of(terms: list[tuple[str, str]], what: str, negate: bool = False) -> str:
        """One rule raster (0/1) from (raster, term with X for the raster) pairs, OR-ed; chunks of six."""
        while True:
            chunk, rest = terms[:6], terms[6:]
            inputs = [path for path, _term in chunk]
            body = "+".join("(" + term.replace("X", letters[i]) + ")" for i, (_p, term) in enumerate(chunk))
            last = not rest
            formula = f"1*(({body})>0)" if not (last and negate) else f"1-1*(({body})>0)"
            out = calc(inputs, formula, what)
            if last:
                return out
            terms = [(out, "X>0")] + rest

    timings_rules = []
    rule_rasters = []
    for rule in plan["rules"]:
        t0 = time.perf_counter()
        terms: list[tuple[str, str]] = []
        for source in rule["sources"]:
            if rule["kind"] in ("zone_membership", "exclude_inside") and not source["buffer"]:
                terms.append((rasterize(source, source["where"], False), "X>0"))
            elif rule["kind"] == "exclude_inside":
                target = rasterize(source, source["where"], True)
                terms.append((proximity(target, source["layer_id"]), f"X<={source['buffer']!r}"))
            elif source["distance"] is not None:
                target = rasterize(source, source["where"], True)
                terms.append((proximity(target, source["layer_id"]), f"X<={source['distance']!r}"))
            else:
                for band in source["bands"]:
                    target = rasterize(source, band["where"], True)
                    terms.append((proximity(target, f"{source['layer_id']} band {band['metres']:g} m"),
                                  f"X<={band['metres']!r}"))
        negate = rule["kind"] == "require_within" or (rule["kind"] == "zone_membership" and rule["mode"] == "inside")
        rule_rasters.append(any_of(terms, rule["id"], negate))
        timings_rules.append({"rule": rule["id"], "s": round(time.perf_counter() - t0, 3)})
    # pack the rule rasters into one bit mask: six at a time, then the mask so far and five more
    packed = None
    done = 0
    while done < len(rule_rasters):
        chunk = rule_rasters[done:done + (6 if packed is None else 5)]
        offset = 0 if packed is None else 1
        terms = ([] if packed is None else ["A"]) + [
            f"{letters[i + offset]}*{2 ** (done + i)}" for i in range(len(chunk))]
        packed = calc(([] if packed is None else [packed]) + chunk, "+".join(terms), "bit mask")
        done += len(chunk)
    assert packed is not None
    return packed, steps, timings_rules


if __name__ == "__main__":
    sys.exit(main())
