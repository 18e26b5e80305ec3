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


def start_qgis(work: Path) -> tuple[Any, Any, Any, str, float]:
    """QGIS offscreen with Processing: (app, the processing module, a feedback, QGIS's version, seconds)."""
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
    return app, processing, QgsProcessingFeedback(), Qgis.QGIS_VERSION, time.perf_counter() - started


def main() -> int:
    plan_path, out_path, work = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    app, processing, feedback, version, init_s = start_qgis(work)
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    runs = []
    for number in range(repeat):
        folder = work / f"run{number}"
        shutil.rmtree(work / f"run{number - 1}", ignore_errors=True)  # keep the disk use to one run
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        packed, steps, rules = chain(plan, folder, processing, feedback)
        runs.append({"seconds": time.perf_counter() - t0, "steps": steps, "rules": rules})
        os.replace(packed, out_path)
    shutil.rmtree(work / f"run{repeat - 1}", ignore_errors=True)
    median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    steps = median["steps"]
    print(json.dumps({"seconds": round(median["seconds"], 3), "runs": [round(r["seconds"], 3) for r in runs],
                      "init_s": round(init_s, 3), "qgis": version, "steps": steps, "rules": median["rules"],
                      "counts": {a: sum(1 for s in steps if s["alg"] == a) for a in sorted({s["alg"] for s in steps})}}))
    app.exitQgis()
    return 0


LETTERS = "ABCDEF"


class Runner:
    """``processing.run`` of the GDAL algorithms into ``work``, each step timed and recorded in ``steps``.
    Rasters and proximities are made once per key and reused (as a careful user of a model would)."""

    def __init__(self, plan: dict, work: Path, processing: Any, feedback: Any, label: str = "") -> None:
        g = plan["grid"]
        left, bottom, right, top = g["bounds"]
        self.res = g["resolution"]
        self.extent = f"{left},{right},{bottom},{top} [{plan['crs']}]"
        self.work, self.processing, self.feedback, self.label = work, processing, feedback, label
        self.steps: list[dict] = []
        self.counter = 0
        self.rasters: dict[tuple, str] = {}
        self.proximities: dict[str, str] = {}

    def run(self, alg: str, params: dict, what: str) -> str:
        self.counter += 1
        params = dict(params, OUTPUT=str(self.work / f"{self.label}{self.counter:02d}_{alg.split(':')[1]}.tif"))
        t0 = time.perf_counter()
        result = self.processing.run(alg, params, feedback=self.feedback)
        self.steps.append({"alg": alg, "what": what, "s": round(time.perf_counter() - t0, 3)})
        out = result["OUTPUT"]
        if not Path(out).exists():
            raise SystemExit(f"{alg} ({what}) wrote nothing")
        return out

    def rasterize(self, source: dict, where: str | None, touched: bool, field: str | None = None) -> str:
        """Burn 1 (or ``field``'s value, as Float32 on -1) on the plan's grid."""
        key = (source["path"], source["layer"], where, touched, field)
        if key not in self.rasters:
            self.rasters[key] = self.run("gdal:rasterize", {
                "INPUT": f"{source['path']}|layername={source['layer']}", "FIELD": field, "BURN": 1, "USE_Z": False,
                "UNITS": 1, "WIDTH": self.res, "HEIGHT": self.res, "EXTENT": self.extent, "NODATA": None,
                "OPTIONS": "", "DATA_TYPE": 5 if field else 0, "INIT": -1 if field else 0, "INVERT": False,
                "ALL_TOUCH": touched, "EXTRA": f'-where "{where}"' if where else "",
            }, f"{source['layer_id']}{' where ' + where if where else ''}{' value ' + field if field else ''}")
        return self.rasters[key]

    def proximity(self, raster: str, what: str) -> str:
        if raster not in self.proximities:
            self.proximities[raster] = self.run("gdal:proximity", {
                "INPUT": raster, "BAND": 1, "VALUES": "1", "UNITS": 0, "MAX_DISTANCE": 0, "REPLACE": 0,
                "NODATA": None, "OPTIONS": "", "EXTRA": "", "DATA_TYPE": 5}, what)
        return self.proximities[raster]

    def calc(self, inputs: list[str], formula: str, what: str, rtype: int = 0, nodata: float | None = None) -> str:
        """gdal:rastercalculator; ``rtype`` 0 Byte, 5 Float32."""
        assert 1 <= len(inputs) <= 6, inputs
        params: dict[str, Any] = {"FORMULA": formula, "NO_DATA": nodata, "RTYPE": rtype, "OPTIONS": "",
                                  "EXTRA": "--hideNoData"}
        for letter, path in zip(LETTERS, inputs):
            params[f"INPUT_{letter}"] = path
            params[f"BAND_{letter}"] = 1
        return self.run("gdal:rastercalculator", params, what)

    def any_of(self, terms: list[tuple[str, str]], what: str, negate: bool = False) -> str:
        """One rule raster (0/1) from (raster, term with X for the raster) pairs, OR-ed; chunks of six."""
        while True:
            chunk, rest = terms[:6], terms[6:]
            inputs = [path for path, _term in chunk]
            body = "+".join("(" + term.replace("X", LETTERS[i]) + ")" for i, (_p, term) in enumerate(chunk))
            last = not rest
            formula = f"1*(({body})>0)" if not (last and negate) else f"1-1*(({body})>0)"
            out = self.calc(inputs, formula, what)
            if last:
                return out
            terms = [(out, "X>0")] + rest


def rule_terms(runner: Runner, rule: dict, distance: float | None = None) -> list[tuple[str, str]]:
    """The (raster, threshold term) pairs of one rule; ``distance`` replaces every constant distance (a sweep)."""
    terms: list[tuple[str, str]] = []
    for source in rule["sources"]:
        if rule["kind"] in ("zone_membership", "exclude_inside") and not source["buffer"]:
            terms.append((runner.rasterize(source, source["where"], False), "X>0"))
        elif rule["kind"] == "exclude_inside":
            target = runner.rasterize(source, source["where"], True)
            terms.append((runner.proximity(target, source["layer_id"]), f"X<={source['buffer']!r}"))
        elif source["distance"] is not None:
            target = runner.rasterize(source, source["where"], True)
            metres = source["distance"] if distance is None else float(distance)
            terms.append((runner.proximity(target, source["layer_id"]), f"X<={metres!r}"))
        else:
            for band in source["bands"]:
                target = runner.rasterize(source, band["where"], True)
                terms.append((runner.proximity(target, f"{source['layer_id']} band {band['metres']:g} m"),
                              f"X<={band['metres']!r}"))
    return terms


def negated(rule: dict) -> bool:
    """Rules whose raster is 1 where the condition is *not* met (must be near / inside)."""
    return rule["kind"] == "require_within" or (rule["kind"] == "zone_membership" and rule["mode"] == "inside")


def chain(plan: dict, work: Path, processing: Any, feedback: Any,
          rule_rasters_out: dict | None = None) -> tuple[str, list[dict], list[dict]]:
    """One run of the whole chain into ``work``: the bit mask's path, the steps and the time per rule
    (``rule_rasters_out``, if given, gets each rule's 0/1 raster by rule id)."""
    runner = Runner(plan, work, processing, feedback)
    timings_rules = []
    rule_rasters = []
    for rule in plan["rules"]:
        t0 = time.perf_counter()
        rule_rasters.append(runner.any_of(rule_terms(runner, rule), rule["id"], negated(rule)))
        if rule_rasters_out is not None:
            rule_rasters_out[rule["id"]] = rule_rasters[-1]
        timings_rules.append({"rule": rule["id"], "s": round(time.perf_counter() - t0, 3)})
    # pack the rule rasters into one bit mask: six at a time, then the mask so far and five more
    packed = None
    done = 0
    while done < len(rule_rasters):
        chunk = rule_rasters[done:done + (6 if packed is None else 5)]
        offset = 0 if packed is None else 1
        terms = ([] if packed is None else ["A"]) + [
            f"{LETTERS[i + offset]}*{2 ** (done + i)}" for i in range(len(chunk))]
        packed = runner.calc(([] if packed is None else [packed]) + chunk, "+".join(terms), "bit mask")
        done += len(chunk)
    assert packed is not None
    return packed, runner.steps, timings_rules


if __name__ == "__main__":
    sys.exit(main())
