"""Contender (d): atlite's ExclusionContainer / shape_availability on the same exclusions.

Runs in its own venv (build/bench-atlite-venv, PyPI atlite with its own numpy/shapely/rasterio wheels), so it
never touches QGIS's packages.  The layers are read whole with geopandas and filtered as the profile says;
every rule becomes ``add_geometry`` calls the way atlite expresses them:

* inside a layer → ``add_geometry(gdf)``; a distance → ``add_geometry(gdf, buffer=d)`` (one call per distance
  band);
* "must be near" (require_within) and "must be inside" (zone_membership, mode inside) → all the rule's features,
  buffered by their distance, in *one* ``add_geometry(..., invert=True)`` (separate inverted calls would
  intersect instead of unite).

``shape_availability`` runs on a box whose padded grid is exactly the plan's analysis grid, so atlite covers
the same cells as the other contenders.

Usage: python atlite_bench.py PLAN.json OUT.npy [REPEAT]    (prints one JSON line: the median time and the rest)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from filters import select  # benchmarks/ (the script's folder)


def run_once(plan: dict) -> tuple[np.ndarray, float]:
    import geopandas as gpd
    import pandas as pd
    from atlite.gis import ExclusionContainer, shape_availability
    from shapely.geometry import box

    g = plan["grid"]
    res = g["resolution"]
    left, bottom, right, top = g["bounds"]
    started = time.perf_counter()
    excluder = ExclusionContainer(crs=28992, res=res)
    cache = {}

    def read(source):  # noqa: ANN001, ANN202
        key = (source["path"], source["layer"])
        if key not in cache:
            cache[key] = gpd.read_file(source["path"], layer=source["layer"])
        return cache[key]

    for rule in plan["rules"]:
        invert = rule["kind"] == "require_within" or (rule["kind"] == "zone_membership" and rule["mode"] == "inside")
        parts = []
        for source in rule["sources"]:
            gdf = read(source)
            if source["bands"]:
                for band in source["bands"]:
                    parts.append((select(gdf, band["conditions"]), band["metres"]))
            else:
                parts.append((select(gdf, source["conditions"]), source["distance"] or source["buffer"] or 0))
        if invert:  # one inverted collection: the union of everything the cell may be near / inside
            series = [frame.geometry.buffer(d) if d else frame.geometry for frame, d in parts if len(frame)]
            union = gpd.GeoSeries(pd.concat(series, ignore_index=True), crs=28992)
            excluder.add_geometry(union, invert=True)
        else:
            for frame, d in parts:
                if len(frame):
                    excluder.add_geometry(frame[["geometry"]], buffer=d)
    # a shape whose padded grid is exactly the analysis grid (atlite pads bounds to the next cell edge)
    shape = gpd.GeoSeries([box(left, bottom, right - res / 2, top - res / 2)], crs=28992)
    available, transform = shape_availability(shape, excluder)
    seconds = time.perf_counter() - started
    assert available.shape == (g["height"], g["width"]), available.shape
    assert abs(transform.c - left) < 1e-6 and abs(transform.f - top) < 1e-6, transform
    return np.asarray(available, dtype=bool), seconds


def main() -> int:
    import atlite

    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    runs = []
    for _ in range(repeat):
        available, seconds = run_once(plan)
        runs.append(seconds)
    np.save(sys.argv[2], available)
    print(json.dumps({"seconds": round(statistics.median(runs), 3), "runs": [round(r, 3) for r in runs],
                      "atlite": atlite.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
