"""The whole Netherlands at 25 m with nl-default: tiled in one process, tiled on a local Dask cluster, and (for
comparison) untiled — each in its own process, with its time, peak memory and cells per second, and a check
that all three give the same bit mask and the same per-rule table.

Usage: .venv/bin/python benchmarks/national.py [--data DIR] [--resolution 25] [--tile-size 4096]
       [--workers 2] [--dask-tile-size 4096] [--no-untiled]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child(args: argparse.Namespace) -> int:
    """One run, in this process; prints a JSON line."""
    import numpy as np

    from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
    from smr_siting.core.pipeline.tiled import tiled_exclusion

    out = Path(args.out)
    started = time.perf_counter()
    if args.mode == "untiled":
        import geopandas as gpd
        import rasterio
        from shapely.ops import unary_union

        provinces = gpd.read_file(args.data / "nl_gemeenten_2022_cbs_generalised.gpkg",
                                  layer="provincies_dissolved_from_gemeenten_2022")
        polygon = out.with_name("nederland.gpkg")
        gpd.GeoDataFrame({"name": ["Nederland"]}, geometry=[unary_union(list(provinces.geometry.values))],
                         crs=provinces.crs).to_file(polygon, driver="GPKG")
        started = time.perf_counter()
        result = compute_exclusion(ScreeningRequest(region=str(polygon), data_dir=args.data,
                                                    resolution_m=args.resolution))
        seconds = time.perf_counter() - started
        bits = result.bits
        with rasterio.open(args.reference) as src:
            tiled = src.read(1)
        report = {"seconds": seconds, "cells": result.grid.cells, "identical_to_tiled": bool(np.array_equal(bits, tiled)),
                  "table": [row.as_dict() for row in result.table]}
    else:
        result = tiled_exclusion(ScreeningRequest(region="Nederland", data_dir=args.data, resolution_m=args.resolution),
                                 out, tile_size=args.tile_size, workers=args.workers or None, overwrite=True)
        seconds = time.perf_counter() - started
        report = {"seconds": seconds, "cells": result.grid.cells, "tiles": result.tiles, "workers": result.workers,
                  "grid": [result.grid.width, result.grid.height], "timings": result.timings,
                  "table": [row.as_dict() for row in result.table], "totals": result.totals()}
    print(json.dumps(report))
    return 0


def _measured(name: str, command: list[str], work: Path) -> dict:
    measured = work / f"national-{name}.rusage.json"
    print(f"--- {name}", flush=True)
    done = subprocess.run([sys.executable, str(HERE / "measure.py"), str(measured), "--", *command],
                          stdout=subprocess.PIPE, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        print(done.stdout)
        raise SystemExit(f"national: {name} failed")
    report = json.loads(lines[-1])
    report.update(json.loads(measured.read_text(encoding="utf-8")))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "nl")
    parser.add_argument("--resolution", type=float, default=25.0)
    parser.add_argument("--tile-size", type=int, default=4096)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask-tile-size", type=int, default=4096)
    parser.add_argument("--no-untiled", action="store_true")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="tiled", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.data = args.data.resolve()
    if args.child:
        return _child(args)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve()), "--child", "--data", str(args.data),
          "--resolution", str(args.resolution)]
    single = work / "national-tiled.tif"
    runs = {"tiled, 1 process": _measured("tiled", [*me, "--out", str(single), "--tile-size", str(args.tile_size),
                                                     "--workers", "0"], work)}
    if args.workers:
        runs[f"tiled, Dask LocalCluster {args.workers} workers"] = _measured(
            "dask", [*me, "--out", str(work / "national-dask.tif"), "--tile-size", str(args.dask_tile_size),
                     "--workers", str(args.workers)], work)
    if not args.no_untiled:
        runs["untiled (compute_exclusion)"] = _measured(
            "untiled", [*me, "--mode", "untiled", "--out", str(work / "national-untiled.tif"),
                        "--reference", str(single)], work)
    import numpy as np
    import rasterio

    with rasterio.open(single) as src:
        reference = src.read(1)
    first = next(iter(runs.values()))
    print(f"\nNetherlands, {args.resolution:g} m: {first['grid'][0]:,} × {first['grid'][1]:,} = {first['cells']:,} "
          f"cells; excluded {first['totals']['excluded_km2']:,.1f} of {first['totals']['region_km2_cells']:,.1f} km²\n")
    print("| run | tiles | time (s) | cells / s | peak RSS (GiB) | same bits | same table |")
    print("|---|--:|--:|--:|--:|---|---|")
    ok = True
    for name, report in runs.items():
        if "identical_to_tiled" in report:
            same_bits = report["identical_to_tiled"]
        else:
            with rasterio.open(work / ("national-dask.tif" if "Dask" in name else "national-tiled.tif")) as src:
                same_bits = bool(np.array_equal(src.read(1), reference))
        same_table = report["table"] == first["table"]
        ok &= same_bits and same_table
        print(f"| {name} | {report.get('tiles', 1)} | {report['seconds']:.1f} | {report['cells'] / report['seconds']:,.0f} | "
              f"{report['maxrss_kib'] / 2**20:.2f} | {'yes' if same_bits else 'NO'} | {'yes' if same_table else 'NO'} |")
    (work / "national.json").write_text(json.dumps(runs, indent=1), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
