"""``make bench``: our engine against the QGIS/GDAL chain, a bare numpy/scipy floor and atlite, on the same inputs.

Every contender runs in its own process (through measure.py, which reports its peak resident memory) on the
same plan (plan.py: the profile's layers, filters and distances, and the engine's analysis grid):

  (a) engine        smr_siting.core.exclusion.compute.compute_exclusion                      (.venv)
  (b) gdal chain    gdal:rasterize / gdal:proximity / gdal:rastercalculator via processing.run in QGIS
  (c) numpy floor   a bare pass per criterion (read, filter, burn; distances by EDT or by buffers)
  (d) atlite        ExclusionContainer + shape_availability                       (its own venv)

Times are the median of ``--repeat`` runs inside each process, counted from the first read of a layer to the
finished mask (interpreter start, imports and QGIS's start-up are reported apart).  (a) and (b) must agree
to within one cell at edges, rule by rule; the run fails (exit 1) where they do not, naming the cells.

Then the whole pipeline (``--no-pipeline`` skips it, ``--pipeline-only`` runs it alone), each step in its own
process: the engine's screen, rank, sensitivity with 1,000 samples and sensitivity with a 4-value sweep
(pipeline.py), against the same steps as a QGIS Processing GDAL chain (pipeline_qgis.py); a per-step table.

The last line printed is
``speedup_vs_gdal_chain=<b/a> speedup_vs_atlite=<d/a> ratio_to_numpy_floor=<a/c> peak_rss_gib=<a's peak>
pipeline_s=<screen + rank + sensitivity with the sweep> rank_over_screen=<rank / screen>
sweep_value_over_screen=<((sensitivity with the sweep − without) / 4) / screen>
speedup_pipeline_vs_qgis=<QGIS chain's total / pipeline_s>`` (one line).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from plan import build_plan  # noqa: E402 - after the path set-up

NEIGHBOURS = np.ones((3, 3), dtype=bool)


def _contender(name: str, command: list[str], work: Path, env: dict | None = None) -> dict:
    """Run one contender under measure.py; its last stdout line is its JSON report."""
    measured = work / f"{name}.rusage.json"
    print(f"--- {name}: {' '.join(command)}", flush=True)
    done = subprocess.run([sys.executable, str(HERE / "measure.py"), str(measured), "--", *command],
                          stdout=subprocess.PIPE, text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        print(done.stdout)
        raise SystemExit(f"bench: {name} failed (exit {done.returncode})")
    report = json.loads(lines[-1])
    report.update(json.loads(measured.read_text(encoding="utf-8")))
    print(f"    {report['seconds']:.3f} s (median of {len(report.get('runs', [1]))}), process {report['wall_s']:.1f} s, "
          f"peak RSS {report['maxrss_kib'] / 2**20:.2f} GiB", flush=True)
    return report


def _edge(mask: np.ndarray) -> np.ndarray:
    """Cells within one cell (8-neighbourhood) of where ``mask`` changes value."""
    return ndimage.binary_dilation(mask, NEIGHBOURS) & ~ndimage.binary_erosion(mask, NEIGHBOURS, border_value=1)


def compare(ours: np.ndarray, theirs: np.ndarray, plan: dict) -> tuple[list[dict], int]:
    """Rule by rule on the region's window: cells that differ, and those not within one cell of an edge of
    either mask (a real disagreement).  Returns the rows and the count of real disagreements."""
    r0, r1, c0, c1 = plan["window"]
    g = plan["grid"]
    rows, bad = [], 0
    for bit, rule in enumerate(plan["rules"]):
        a = ((ours[r0:r1, c0:c1] >> bit) & 1).astype(bool)
        b = ((theirs[r0:r1, c0:c1] >> bit) & 1).astype(bool)
        differ = a != b
        beyond = differ & ~_edge(a) & ~_edge(b)
        at_our_edge = int((differ & _edge(a)).sum())
        where = ""
        if beyond.any():
            cells = np.argwhere(beyond)
            xs = g["left"] + (cells[:, 1] + c0 + 0.5) * g["resolution"]
            ys = g["top"] - (cells[:, 0] + r0 + 0.5) * g["resolution"]
            where = (f"x {xs.min():.0f}..{xs.max():.0f}, y {ys.min():.0f}..{ys.max():.0f} (EPSG:28992); first cells "
                     + ", ".join(f"({x:.1f}, {y:.1f})" for x, y in list(zip(xs, ys))[:5]))
        rows.append({"rule": rule["id"], "cells_ours": int(a.sum()), "cells_theirs": int(b.sum()),
                     "differ": int(differ.sum()), "at_our_edge": at_our_edge,
                     "at_their_edge_only": int(differ.sum()) - at_our_edge - int(beyond.sum()),
                     "beyond": int(beyond.sum()), "where": where})
        bad += int(beyond.sum())
    return rows, bad


def compare_free(ours: np.ndarray, free: np.ndarray, plan: dict) -> dict:
    """Land no rule excludes: ours (bits == 0) against a contender's availability."""
    r0, r1, c0, c1 = plan["window"]
    a = ours[r0:r1, c0:c1] == 0
    b = free[r0:r1, c0:c1]
    differ = a != b
    beyond = differ & ~_edge(a) & ~_edge(b)
    return {"free_ours": int(a.sum()), "free_theirs": int(b.sum()), "differ": int(differ.sum()),
            "beyond": int(beyond.sum())}


def _versions(atlite_python: str) -> dict:
    import geopandas
    import rasterio
    import scipy
    import shapely

    out = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
           "shapely": shapely.__version__, "geopandas": geopandas.__version__, "rasterio": rasterio.__version__,
           "gdal": rasterio.__gdal_version__}
    code = ("import json, atlite, numpy, shapely, geopandas, rasterio, platform; print(json.dumps({'atlite': "
            "atlite.__version__, 'python': platform.python_version(), 'numpy': numpy.__version__, 'shapely': "
            "shapely.__version__, 'geopandas': geopandas.__version__, 'rasterio': rasterio.__version__, 'gdal': "
            "rasterio.__gdal_version__}))")
    done = subprocess.run([atlite_python, "-c", code], capture_output=True, text=True)
    out["atlite_venv"] = json.loads(done.stdout) if done.returncode == 0 else done.stderr.strip()[-200:]
    return out


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = 0
    os_name = ""
    if Path("/etc/os-release").exists():
        fields = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        os_name = fields.get("PRETTY_NAME", "").strip('"')
    return f"{model}, {os.cpu_count()} cores, {mem / 2**20:.0f} GiB RAM, {os_name}, Linux {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "nl")
    parser.add_argument("--region", default="Gelderland")
    parser.add_argument("--profile", default="nl-default")
    parser.add_argument("--resolution", type=float, default=25.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--qgis-python", default="/usr/bin/python3")
    parser.add_argument("--atlite-python", default=str(ROOT / "build" / "bench-atlite-venv" / "bin" / "python"))
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--pipeline-repeat", type=int, default=1,
                        help="runs of the slow pipeline steps (rank, sensitivity with the sweep); default 1")
    parser.add_argument("--no-pipeline", action="store_true", help="the exclusion contest only")
    parser.add_argument("--pipeline-only", action="store_true", help="the whole-pipeline contest only")
    args = parser.parse_args(argv)
    if args.no_pipeline and args.pipeline_only:
        parser.error("--no-pipeline and --pipeline-only exclude each other")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    data = args.data.resolve()
    plan = build_plan(args.region, data, args.profile, args.resolution)
    plan_path = work / "plan.json"
    plan_path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    g = plan["grid"]
    print(f"bench: {plan['region']}, profile {plan['profile']}, {g['resolution']:g} m, analysis grid {g['width']} × "
          f"{g['height']} = {g['width'] * g['height']:,} cells (EPSG:28992); {len(plan['rules'])} rules; "
          f"median of {args.repeat} runs each", flush=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SMR_SITING_LANG="en")
    qgis_env = {k: v for k, v in env.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
    summary: dict = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": _machine(),
        "load_average_at_start": _load(),
        "command": "make bench  (= " + " ".join([Path(sys.executable).name, "benchmarks/run.py", *(argv or sys.argv[1:])])
                   + ")",
        "plan": {k: plan[k] for k in ("region", "profile", "grid", "window")},
    }
    last: list[str] = []
    bad = 0
    if not args.pipeline_only:
        fields, line, bad = exclusion_contest(args, plan, plan_path, data, work, env, qgis_env)
        summary.update(fields)
        last.append(line)
    if not args.no_pipeline:
        fields, line = pipeline_contest(args, plan, plan_path, data, work, env, qgis_env)
        summary["pipeline"] = fields
        last.append(line)
    summary["load_average_at_end"] = _load()
    (work / "results.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(f"results: {work / 'results.json'}")
    if bad:
        print(f"bench: the engine and the GDAL chain disagree on {bad} cells beyond the one-cell edge tolerance")
    print(" ".join(last))
    return 1 if bad else 0


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def exclusion_contest(args: argparse.Namespace, plan: dict, plan_path: Path, data: Path, work: Path, env: dict,
                      qgis_env: dict) -> tuple[dict, str, int]:
    """The exclusion alone: (a) engine, (b) GDAL chain, (c) floor, (d) atlite; their table and agreement."""
    g = plan["grid"]
    repeat = str(args.repeat)
    reports = {
        "engine": _contender("engine", [sys.executable, str(HERE / "engine.py"), str(plan_path), str(data),
                                        str(work / "engine.npy"), repeat], work, env),
        "gdal_chain": _contender("gdal_chain", [args.qgis_python, str(HERE / "gdal_chain.py"), str(plan_path),
                                                str(work / "gdal_chain.tif"), str(work / "gdal"), repeat], work,
                                 qgis_env),
        "numpy_floor": _contender("numpy_floor", [sys.executable, str(HERE / "numpy_floor.py"), str(plan_path),
                                                  str(work / "numpy_floor.npy"), repeat], work, env),
        "atlite": _contender("atlite", [args.atlite_python, str(HERE / "atlite_bench.py"), str(plan_path),
                                        str(work / "atlite.npy"), repeat], work, qgis_env),
    }
    searched = subprocess.run([sys.executable, str(HERE / "candidates.py"), str(plan_path), str(data)],
                              stdout=subprocess.PIPE, text=True, env=env)
    if searched.returncode == 0 and searched.stdout.strip():
        found = json.loads(searched.stdout.strip().splitlines()[-1])
        print(f"candidate search: {found['turned_s']:.2f} s with footprints turned every 15° "
              f"({found['turned_areas']} areas), {found['axis_only_s']:.2f} s axis-aligned only "
              f"({found['axis_only_areas']} areas)", flush=True)
    import rasterio

    ours = np.load(work / "engine.npy")
    with rasterio.open(work / "gdal_chain.tif") as src:
        chain = src.read(1)
        same_grid = (src.crs.to_epsg() == 28992 and src.width == g["width"] and src.height == g["height"]
                     and abs(src.transform.c - g["left"]) < 1e-6 and abs(src.transform.f - g["top"]) < 1e-6
                     and abs(src.transform.a - g["resolution"]) < 1e-9)
    if not same_grid:
        raise SystemExit(f"bench: the GDAL chain's grid differs from the engine's: {src.crs} {src.transform} "
                         f"{src.width} × {src.height}")
    rows, bad = compare(ours, chain, plan)
    floor_rows, _floor_bad = compare(ours, np.load(work / "numpy_floor.npy"), plan)
    atlite_free = compare_free(ours, np.load(work / "atlite.npy"), plan)
    floor_free = compare_free(ours, np.load(work / "numpy_floor.npy") == 0, plan)

    t = {name: report["seconds"] for name, report in reports.items()}
    rss = {name: report["maxrss_kib"] / 2**20 for name, report in reports.items()}
    speedup_chain = t["gdal_chain"] / t["engine"]
    speedup_atlite = t["atlite"] / t["engine"]
    ratio_floor = t["engine"] / t["numpy_floor"]
    fields = {
        "versions": dict(_versions(args.atlite_python), qgis=reports["gdal_chain"].get("qgis")), "reports": reports,
        "agreement_engine_vs_gdal_chain": rows, "agreement_engine_vs_floor": floor_rows,
        "free_land_engine_vs_atlite": atlite_free, "free_land_engine_vs_floor": floor_free,
        "speedup_vs_gdal_chain": speedup_chain, "speedup_vs_atlite": speedup_atlite,
        "ratio_to_numpy_floor": ratio_floor,
    }
    print()
    print("| contender | time (s) | × engine | peak RSS (GiB) | process wall (s) |")
    print("|---|--:|--:|--:|--:|")
    labels = {"engine": "(a) engine compute_exclusion", "gdal_chain": "(b) QGIS Processing GDAL chain",
              "numpy_floor": "(c) numpy/scipy floor", "atlite": f"(d) atlite {reports['atlite'].get('atlite', '')}"}
    for name, label in labels.items():
        print(f"| {label} | {t[name]:.2f} | {t[name] / t['engine']:.2f} | {rss[name]:.2f} | "
              f"{reports[name]['wall_s']:.1f} |")
    print()
    print("(a) vs (b), rule by rule on the region's window (cells):")
    print("| rule | (a) cells | (b) cells | differ | at (a)'s edge | at (b)'s edge only | beyond one cell |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for row in rows:
        print(f"| {row['rule']} | {row['cells_ours']:,} | {row['cells_theirs']:,} | {row['differ']:,} | "
              f"{row['at_our_edge']:,} | {row['at_their_edge_only']:,} | {row['beyond']:,} |")
    print(f"free land (no rule excludes): engine {atlite_free['free_ours']:,} cells, atlite {atlite_free['free_theirs']:,}"
          f" ({atlite_free['differ']:,} differ, {atlite_free['beyond']} beyond one cell of an edge); floor "
          f"{floor_free['free_theirs']:,} ({floor_free['differ']:,} differ, {floor_free['beyond']} beyond)")
    if bad:
        for row in rows:
            if row["beyond"]:
                print(f"DISAGREE {row['rule']}: {row['beyond']} cells beyond one cell of an edge: {row['where']}")
    line = (f"speedup_vs_gdal_chain={speedup_chain:.2f} speedup_vs_atlite={speedup_atlite:.2f} "
            f"ratio_to_numpy_floor={ratio_floor:.2f} peak_rss_gib={rss['engine']:.2f}")
    return fields, line, bad


def _read_masked(path: Path) -> tuple[np.ma.MaskedArray, tuple[float, float]]:
    """A raster's first band (nodata masked) and its top-left corner."""
    import rasterio

    with rasterio.open(path) as src:
        return src.read(1, masked=True), (src.transform.c, src.transform.f)


def compare_suitability(engine_tif: Path, qgis_tif: Path, plan: dict) -> dict:
    """The engine's suitability.tif (the region's bounds) against the QGIS weighted sum (the analysis grid)."""
    ours, (left, top) = _read_masked(engine_tif)
    theirs_full, _origin = _read_masked(qgis_tif)
    g = plan["grid"]
    r0 = int(round((g["top"] - top) / g["resolution"]))
    c0 = int(round((left - g["left"]) / g["resolution"]))
    theirs = theirs_full[r0:r0 + ours.shape[0], c0:c0 + ours.shape[1]]
    both = ~np.ma.getmaskarray(ours) & ~np.ma.getmaskarray(theirs)
    diff = np.abs(ours.filled(0).astype("float64") - theirs.filled(0).astype("float64"))[both]
    return {"cells_engine": int((~np.ma.getmaskarray(ours)).sum()), "cells_both": int(both.sum()),
            "max_abs_diff": round(float(diff.max()), 4) if diff.size else None,
            "mean_abs_diff": round(float(diff.mean()), 5) if diff.size else None,
            "share_within_0_01": round(float((diff <= 0.01).mean()), 4) if diff.size else None}


def pipeline_contest(args: argparse.Namespace, plan: dict, plan_path: Path, data: Path, work: Path, env: dict,
                     qgis_env: dict) -> tuple[dict, str]:
    """The whole pipeline: the engine's screen, rank, sensitivity (Monte Carlo) and sensitivity with the sweep,
    each step in its own process, against the same steps as a QGIS Processing GDAL chain."""
    import shutil
    import tempfile

    sweep = plan["sweep"]
    n_values = len(sweep["values"])
    print(f"\nwhole pipeline: screen, rank, sensitivity ({1000:,} samples), sweep {sweep['text']}", flush=True)
    run_dir = Path(tempfile.mkdtemp(prefix="pipeline-run-", dir=work))
    qgis_work = work / "pipeline-qgis"
    shutil.rmtree(qgis_work, ignore_errors=True)
    try:
        engine: dict[str, dict] = {}
        for step, repeat in (("screen", args.repeat), ("rank", args.pipeline_repeat), ("mc", args.repeat),
                             ("sweep", args.pipeline_repeat)):
            engine[step] = _contender(f"pipeline_engine_{step}", [
                sys.executable, str(HERE / "pipeline.py"), step, str(plan_path), str(data), str(run_dir),
                str(repeat)], work, env)
        qgis: dict[str, dict] = {}
        for step in ("screen", "rank", "sweep"):
            qgis[step] = _contender(f"pipeline_qgis_{step}", [
                args.qgis_python, str(HERE / "pipeline_qgis.py"), step, str(plan_path), str(qgis_work)], work,
                qgis_env)
        suitability = compare_suitability(run_dir / "suitability.tif", Path(qgis["rank"]["suitability"]), plan)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(qgis_work, ignore_errors=True)

    t = {step: report["seconds"] for step, report in engine.items()}
    q = {step: report["seconds"] for step, report in qgis.items()}
    rss = {step: report["maxrss_kib"] / 2**20 for step, report in engine.items()}
    qrss = {step: report["maxrss_kib"] / 2**20 for step, report in qgis.items()}
    # the sweep on its own: sensitivity with the sweep minus sensitivity without (the Monte Carlo); that
    # includes sweeps.csv's baseline row (one more exclusion and candidate search), spread over the 4 values
    sweep_s = t["sweep"] - t["mc"]
    per_value = sweep_s / n_values
    pipeline_s = t["screen"] + t["rank"] + t["sweep"]  # = screen + rank + Monte Carlo + sweep
    qgis_sweep_reuse = qgis["sweep"]["reuse_proximity_s"]
    qgis_total = q["screen"] + q["rank"] + t["mc"] + q["sweep"]  # no Monte Carlo tool in QGIS: the engine's time
    qgis_careful = q["screen"] + q["rank"] - qgis["rank"]["reusable_s"] + t["mc"] + qgis_sweep_reuse
    speedup = qgis_total / pipeline_s
    sweep_rows = engine["sweep"]["sweep_rows"]
    km2 = [{"value_m": float(row["value"]), "engine_km2": row["km2_not_excluded"], "qgis_km2": v["km2_not_excluded"],
            "differ_pct": round(100 * (v["km2_not_excluded"] - row["km2_not_excluded"])
                                / max(row["km2_not_excluded"], 1e-9), 2)}
           for row, v in zip(sweep_rows[1:], qgis["sweep"]["values"])]
    sites = engine["mc"]["sites"]
    rows = [
        ("screen (engine: `screen`, exclusion + candidate areas + files; QGIS: the exclusion chain)",
         t["screen"], q["screen"], rss["screen"], qrss["screen"]),
        ("rank (engine: `rank_run`; QGIS: 5 criteria scored + weighted sum)", t["rank"], q["rank"], rss["rank"],
         qrss["rank"]),
        (f"sensitivity, Monte Carlo {1000:,} samples × {sites} sites (no QGIS tool: engine's time both sides)",
         t["mc"], t["mc"], rss["mc"], None),
        (f"sweep, {n_values} values (engine: sensitivity with the sweep − without)", sweep_s, q["sweep"],
         rss["sweep"], qrss["sweep"]),
        ("  per sweep value", per_value, q["sweep"] / n_values, None, None),
        ("whole pipeline", pipeline_s, qgis_total, max(rss.values()), max(qrss.values())),
    ]

    def gib(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    print()
    print("| step | engine (s) | QGIS chain (s) | QGIS ÷ engine | engine peak RSS (GiB) | QGIS peak RSS (GiB) |")
    print("|---|--:|--:|--:|--:|--:|")
    for label, ours, theirs, ours_rss, theirs_rss in rows:
        print(f"| {label} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.2f} | {gib(ours_rss)} | {gib(theirs_rss)} |")
    print(f"QGIS chain if the user also reused the exclusion's proximity rasters for scoring "
          f"({qgis['rank']['reusable_s']:.2f} s saved) and each sweep layer's proximity across values: "
          f"{qgis_careful:.2f} s ({qgis_careful / pipeline_s:.2f} × the engine)")
    print("free km² per sweep value (engine sweeps.csv vs the QGIS chain): " + ", ".join(
        f"{row['value_m'] / 1000:g} km {row['engine_km2']:.2f} / {row['qgis_km2']:.2f} ({row['differ_pct']:+.2f} %)"
        for row in km2))
    print(f"suitability on the cells both score ({suitability['cells_both']:,} of the engine's "
          f"{suitability['cells_engine']:,}): mean |difference| {suitability['mean_abs_diff']}, max "
          f"{suitability['max_abs_diff']}, {suitability['share_within_0_01']:.1%} within 0.01")
    fields = {
        "engine": engine, "qgis": qgis, "sweep": sweep, "sweep_s": round(sweep_s, 3),
        "sweep_value_s": round(per_value, 3), "pipeline_s": round(pipeline_s, 3), "qgis_total_s": round(qgis_total, 3),
        "qgis_careful_total_s": round(qgis_careful, 3), "rank_over_screen": t["rank"] / t["screen"],
        "sweep_value_over_screen": per_value / t["screen"], "speedup_pipeline_vs_qgis": speedup,
        "rank_rss_over_screen_rss": rss["rank"] / rss["screen"], "sweep_km2": km2, "suitability": suitability,
    }
    line = (f"pipeline_s={pipeline_s:.2f} rank_over_screen={t['rank'] / t['screen']:.2f} "
            f"sweep_value_over_screen={per_value / t['screen']:.2f} speedup_pipeline_vs_qgis={speedup:.2f}")
    return fields, line


if __name__ == "__main__":
    sys.exit(main())
