"""``make bench``: our engine against the QGIS/GDAL chain, a bare numpy/scipy floor and atlite, on the same inputs.

Every contender runs in its own process (through measure.py, which reports its peak resident memory) on the
same plan (plan.py: the profile's layers, filters and distances, and the engine's analysis grid):

  (a) engine        smr_siting.core.screen.compute_exclusion                      (.venv)
  (b) gdal chain    gdal:rasterize / gdal:proximity / gdal:rastercalculator via processing.run in QGIS
  (c) numpy floor   a bare pass per criterion (read, filter, burn; distances by EDT or by buffers)
  (d) atlite        ExclusionContainer + shape_availability                       (its own venv)

Times are the median of ``--repeat`` runs inside each process, counted from the first read of a layer to the
finished mask (interpreter start, imports and QGIS's start-up are reported apart).  (a) and (b) must agree
to within one cell at edges, rule by rule; the run fails (exit 1) where they do not, naming the cells.

The last line printed is
``speedup_vs_gdal_chain=<b/a> speedup_vs_atlite=<d/a> ratio_to_numpy_floor=<a/c> peak_rss_gib=<a's peak>``.
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
    args = parser.parse_args(argv)
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
    repeat = str(args.repeat)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SMR_SITING_LANG="en")
    qgis_env = {k: v for k, v in env.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
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
    summary = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": _machine(),
        "versions": dict(_versions(args.atlite_python), qgis=reports["gdal_chain"].get("qgis")),
        "command": "make bench  (= " + " ".join([Path(sys.executable).name, "benchmarks/run.py", *(argv or sys.argv[1:])])
                   + ")",
        "plan": {k: plan[k] for k in ("region", "profile", "grid", "window")}, "reports": reports,
        "agreement_engine_vs_gdal_chain": rows, "agreement_engine_vs_floor": floor_rows,
        "free_land_engine_vs_atlite": atlite_free, "free_land_engine_vs_floor": floor_free,
        "speedup_vs_gdal_chain": speedup_chain, "speedup_vs_atlite": speedup_atlite,
        "ratio_to_numpy_floor": ratio_floor,
    }
    (work / "results.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")

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
    print(f"results: {work / 'results.json'}")
    if bad:
        for row in rows:
            if row["beyond"]:
                print(f"DISAGREE {row['rule']}: {row['beyond']} cells beyond one cell of an edge: {row['where']}")
        print(f"bench: the engine and the GDAL chain disagree on {bad} cells beyond the one-cell edge tolerance")
    print(f"speedup_vs_gdal_chain={speedup_chain:.2f} speedup_vs_atlite={speedup_atlite:.2f} "
          f"ratio_to_numpy_floor={ratio_floor:.2f} peak_rss_gib={rss['engine']:.2f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
