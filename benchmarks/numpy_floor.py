"""Contender (c): the floor — a bare pass per criterion with numpy/scipy (and rasterio to burn), nothing else.

No validation, no repair, no notices, no progress: read the layer near the grid (geopandas, bbox), filter,
burn, and for a distance either

* ``edt``: burn the targets (every touched cell) and one scipy Euclidean distance transform per distinct
  distance, restricted to the window the targets can reach, then threshold; or
* ``buffer``: buffer the features in shapely (16 segments per quarter circle) and burn the buffers by cell
  centre.

Both are timed for every criterion; the floor of a criterion is the faster of the two (a criterion without
a distance has one way).  The bit mask written is the floor's.

Usage: python numpy_floor.py PLAN.json OUT.npy [REPEAT]    (prints one JSON line: the median floor and the rest)
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from affine import Affine
from filters import select  # benchmarks/ (the script's folder)
from rasterio import features
from scipy import ndimage


def run_once(plan: dict) -> tuple[np.ndarray, dict]:
    g = plan["grid"]
    res, shape = g["resolution"], (g["height"], g["width"])
    transform = Affine(res, 0.0, g["left"], 0.0, -res, g["top"])
    bbox = tuple(plan["read_bounds"])
    started = time.perf_counter()
    cache: dict[tuple, gpd.GeoDataFrame] = {}

    def read(source: dict) -> gpd.GeoDataFrame:
        key = (source["path"], source["layer"])
        if key not in cache:
            cache[key] = gpd.read_file(source["path"], layer=source["layer"], bbox=bbox)
        return cache[key]

    def burn(geoms: list, all_touched: bool = False) -> np.ndarray:
        shapes = [(geom, 1) for geom in geoms if geom is not None and not geom.is_empty]
        if not shapes:
            return np.zeros(shape, dtype=bool)
        return features.rasterize(shapes, out_shape=shape, transform=transform, all_touched=all_touched,
                                  dtype="uint8").view(bool)

    def near_edt(geoms: list, distance: float) -> np.ndarray:
        out = np.zeros(shape, dtype=bool)
        targets = burn(geoms, all_touched=True)
        if not targets.any():
            return out
        rows, cols = np.nonzero(targets.any(axis=1))[0], np.nonzero(targets.any(axis=0))[0]
        pad = int(math.ceil(distance / res)) + 1
        r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, shape[0])
        c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, shape[1])
        out[r0:r1, c0:c1] = ndimage.distance_transform_edt(~targets[r0:r1, c0:c1], sampling=res) <= distance
        return out

    def near_buffer(pairs: list[tuple]) -> np.ndarray:
        return burn([geom.buffer(distance, 16) for geom, distance in pairs])

    bits = np.zeros(shape, dtype=np.uint8)
    timings = []
    floor_s = 0.0
    for bit, rule in enumerate(plan["rules"]):
        t0 = time.perf_counter()
        frames = []
        for source in rule["sources"]:
            gdf = read(source)
            if source["bands"]:
                for band in source["bands"]:
                    frames.append((select(gdf, band["conditions"]), band["metres"]))
            else:
                frames.append((select(gdf, source["conditions"]), source["distance"] or source["buffer"]))
        read_s = time.perf_counter() - t0
        if rule["kind"] in ("zone_membership", "exclude_inside") and not any(d for _f, d in frames):
            t1 = time.perf_counter()
            mask = burn([geom for frame, _d in frames for geom in frame.geometry.values])
            ways = {"burn": read_s + time.perf_counter() - t1}
        else:
            t1 = time.perf_counter()
            by_distance: dict[float, list] = {}
            for frame, distance in frames:
                by_distance.setdefault(distance, []).extend(frame.geometry.values)
            mask_edt = np.zeros(shape, dtype=bool)
            for distance, geoms in by_distance.items():
                mask_edt |= near_edt(geoms, distance)
            edt_s = read_s + time.perf_counter() - t1
            t2 = time.perf_counter()
            mask_buffer = near_buffer([(geom, d) for frame, d in frames for geom in frame.geometry.values])
            buffer_s = read_s + time.perf_counter() - t2
            ways = {"edt": edt_s, "buffer": buffer_s}
            mask = mask_edt if edt_s <= buffer_s else mask_buffer
            del mask_edt, mask_buffer
        if rule["kind"] == "require_within" or (rule["kind"] == "zone_membership" and rule["mode"] == "inside"):
            mask = ~mask
        t3 = time.perf_counter()
        bits |= mask.astype(np.uint8) << bit
        pack_s = time.perf_counter() - t3
        best = min(ways, key=ways.get)
        floor_s += ways[best] + pack_s
        timings.append({"rule": rule["id"], **{k: round(v, 3) for k, v in ways.items()}, "floor": best})
    return bits, {"seconds": floor_s, "wall_s": time.perf_counter() - started,
                  "edt_total_s": sum(t.get("edt", t.get("burn", 0)) for t in timings),
                  "buffer_total_s": sum(t.get("buffer", t.get("burn", 0)) for t in timings), "rules": timings}


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    runs = []
    for _ in range(repeat):
        bits, info = run_once(plan)
        runs.append(info)
    np.save(sys.argv[2], bits)
    median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    print(json.dumps({"seconds": round(median["seconds"], 3), "runs": [round(r["seconds"], 3) for r in runs],
                      "wall_s": round(median["wall_s"], 3), "edt_total_s": round(median["edt_total_s"], 3),
                      "buffer_total_s": round(median["buffer_total_s"], 3), "rules": median["rules"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
