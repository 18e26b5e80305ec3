"""Vector-to-grid operations, exact to the cell: a cell counts when its centre is inside.

Distances use one of two methods, chosen per criterion and geometry:

* ``buffer``: buffer the features in shapely (with enough segments that the arc error stays
  under a tenth of a cell) and rasterize the buffers by cell centre.  Exact to the cell.
* ``edt``: burn the features (every touched cell) and run a Euclidean distance transform.
  Error at most half a cell diagonal; used for very dense geometry with one distance.
"""

from __future__ import annotations

import contextvars
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from rasterio import features
from scipy import ndimage
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from ..model.grid import Grid
from . import ogrio, scanfill

#: above this many vertices a constant-distance rule switches to the distance transform
EDT_VERTEX_THRESHOLD = 400_000


def burn(geometries: Iterable[BaseGeometry], grid: Grid, all_touched: bool = False) -> np.ndarray:
    """Boolean mask: True where the cell centre is inside any geometry (or touched, if ``all_touched``)."""
    return burn_into(np.zeros(grid.shape, dtype=bool), geometries, grid, all_touched)


def burn_into(mask: np.ndarray, geometries: Iterable[BaseGeometry], grid: Grid, all_touched: bool = False) -> np.ndarray:
    """Set ``mask`` (boolean, on ``grid``) True where :func:`burn` would, in place; returns ``mask``.

    Burning several layers into one mask spares a grid-sized array and a pass over it per layer.  Large
    polygons (by cell centre) are filled by :mod:`~smr_siting.core.data.scanfill`, GDAL's rule in a fraction of
    its time; GDAL burns the rest (same rules, same cells): through ``osgeo`` the geometries travel as WKB,
    through rasterio as GeoJSON-like dicts (slower for large polygons)."""
    shapes = [g for g in geometries if g is not None and not g.is_empty]
    if shapes:
        assert mask.dtype == bool and mask.shape == grid.shape and mask.flags.c_contiguous
        wkbs = [g.wkb for g in shapes]
        if not all_touched:
            rest = scanfill.fill(mask, wkbs, grid.transform.to_gdal())
            shapes = [shapes[i] for i in rest]
            wkbs = [wkbs[i] for i in rest]
        if shapes and ogrio.available():
            ogrio.burn_wkb(mask, wkbs, grid.transform.to_gdal(), all_touched)
        elif shapes:
            features.rasterize([(g, 1) for g in shapes], out=mask.view(np.uint8), transform=grid.transform,
                               all_touched=all_touched)
    return mask


def burn_values(pairs: Sequence[tuple[BaseGeometry, float]], grid: Grid) -> np.ndarray:
    """Float32 raster of attribute values by cell centre; NaN where no geometry."""
    shapes = [(g, float(v)) for g, v in pairs if g is not None and not g.is_empty and v is not None
              and not (isinstance(v, float) and math.isnan(v))]
    if not shapes:
        return np.full(grid.shape, np.nan, dtype="float32")
    if ogrio.available():  # as WKB through osgeo: the same cells and values, faster for large polygons
        out = np.full(grid.shape, np.nan, dtype="float32")
        ogrio.burn_values_wkb(out, [g.wkb for g, _v in shapes], [v for _g, v in shapes], grid.transform.to_gdal())
        return out
    return features.rasterize(shapes, out_shape=grid.shape, transform=grid.transform, fill=np.nan, dtype="float32")


def quad_segments(distance: float, resolution: float) -> int:
    """Segments per quarter circle so that the buffer's arc error stays below resolution / 10."""
    if distance <= 0:
        return 1
    tolerance = resolution / 10.0
    if tolerance >= distance:
        return 2
    step = 2.0 * math.acos(1.0 - tolerance / distance)
    return int(min(1024, max(4, math.ceil((math.pi / 2.0) / step))))


def vertex_count(geometry: BaseGeometry) -> int:
    if geometry is None or geometry.is_empty:
        return 0
    kind = geometry.geom_type
    if kind.startswith("Multi") or kind == "GeometryCollection":
        return sum(vertex_count(g) for g in geometry.geoms)
    if kind == "Polygon":
        return len(geometry.exterior.coords) + sum(len(r.coords) for r in geometry.interiors)
    return len(geometry.coords)


#: threads that buffer geometries side by side (GEOS works without the GIL, one context per thread in shapely
#: 1.8 and 2); the buffers, and so every mask burnt from them, are the same as one after the other
BUFFER_THREADS = max(1, min(4, os.cpu_count() or 1))


def _buffer_one(geometry: BaseGeometry | None, distance: float, grid: Grid) -> BaseGeometry | None:
    """One geometry clipped to what can reach the grid and buffered by its distance (None: nothing reaches)."""
    if geometry is None or geometry.is_empty:
        return None
    reach = box(*grid.expanded_bounds(distance + 2 * grid.resolution))
    if not geometry.intersects(reach):
        return None
    clipped = geometry.intersection(reach) if not reach.contains(geometry) else geometry
    if clipped.is_empty:
        return None
    if distance > 0:
        clipped = clipped.buffer(distance, quad_segments(distance, grid.resolution))
    return clipped


def buffered(geometries: Sequence[BaseGeometry], distances: Sequence[float], grid: Grid,
             check: Callable[[], None] | None = None, call: Callable[..., Any] | None = None) -> list[BaseGeometry]:
    """Each geometry buffered by its own distance, clipped first to what can reach the grid, in their order.

    The geometries are buffered by :data:`BUFFER_THREADS` threads side by side.  ``check`` is called before the
    result of each geometry is taken (a cancel raises there); ``call(function, *args)`` waits for that result (a
    RunContext's :meth:`~smr_siting.core.model.progress.RunContext.call`: a cancel is seen while one large
    geometry is buffered).  After a cancel the buffers under way finish on their own and are dropped."""
    check = check or (lambda: None)
    call = call or (lambda function, *args: function(*args))
    pairs = [(g, float(d)) for g, d in zip(geometries, distances) if g is not None and not g.is_empty]
    if BUFFER_THREADS == 1 or len(pairs) < 2:
        out = []
        for geometry, distance in pairs:
            check()
            one = call(_buffer_one, geometry, distance, grid)
            if one is not None:
                out.append(one)
        return out
    check()
    # the largest first, so that one big geometry does not start last while the other threads have finished
    order = sorted(range(len(pairs)), key=lambda i: -vertex_count(pairs[i][0]))
    pool = ThreadPoolExecutor(max_workers=BUFFER_THREADS, thread_name_prefix="smr-siting-buffer")
    try:
        futures = {i: pool.submit(contextvars.copy_context().run, _buffer_one, *pairs[i], grid) for i in order}
        made: list[BaseGeometry | None] = []
        for i in range(len(pairs)):  # in the geometries' order: the same list as one after the other
            check()
            made.append(call(futures[i].result))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [g for g in made if g is not None]


def within_distance_buffer(geometries: Sequence[BaseGeometry], distances: Sequence[float], grid: Grid,
                           out: np.ndarray | None = None, check: Callable[[], None] | None = None,
                           call: Callable[..., Any] | None = None) -> np.ndarray:
    """True where the cell centre is within the feature's distance of some feature (inclusive).

    ``out``: a boolean mask on ``grid`` to add these cells to (in place) instead of a new one; ``check`` and
    ``call``: as for :func:`buffered`."""
    if out is None:
        out = np.zeros(grid.shape, dtype=bool)
    return burn_into(out, buffered(geometries, distances, grid, check, call), grid)


def within_distance_edt(geometries: Sequence[BaseGeometry], distance: float, grid: Grid,
                        call: Callable[..., Any] | None = None) -> np.ndarray:
    """True where the cell centre is within ``distance`` of a cell the features touch.

    Bounded: the transform runs only on the window the features can reach.  ``call(function, *args, **kwargs)``
    runs the transform (a RunContext's ``call``: a cancel is seen while it runs; scipy releases the GIL there).
    """
    call = call or (lambda function, *args, **kwargs: function(*args, **kwargs))
    reach = box(*grid.expanded_bounds(distance + 2 * grid.resolution))
    near = [g for g in geometries if g is not None and not g.is_empty and g.intersects(reach)]
    result = np.zeros(grid.shape, dtype=bool)
    if not near:
        return result
    minx = min(g.bounds[0] for g in near) - distance
    miny = min(g.bounds[1] for g in near) - distance
    maxx = max(g.bounds[2] for g in near) + distance
    maxy = max(g.bounds[3] for g in near) + distance
    row0, row1, col0, col1 = grid.window_for((minx, miny, maxx, maxy))
    if row1 <= row0 or col1 <= col0:
        return result
    # pad the window so features just outside the grid still count
    pad = int(math.ceil(distance / grid.resolution)) + 1
    sub = grid.subgrid(row0 - pad, row1 + pad, col0 - pad, col1 + pad)
    touched = burn(near, sub, all_touched=True)
    if not touched.any():
        return result
    dist = call(ndimage.distance_transform_edt, ~touched, sampling=grid.resolution)
    inside = dist <= distance
    result[row0:row1, col0:col1] = inside[pad:pad + (row1 - row0), pad:pad + (col1 - col0)]
    return result


def large_water_parts(geometries: Sequence[BaseGeometry], min_width_m: float = 0.0,
                      min_area_m2: float = 0.0) -> list[BaseGeometry]:
    """Polygons dissolved into connected parts, narrow parts opened away, small parts dropped.

    ``min_width_m``: a morphological opening (shrink by half the width, grow back by it) removes every
    part narrower than that — canals and watercourses beside a river, the thin links that join a
    network of water polygons into one; ``min_area_m2``: of what is left, only parts at least this large
    stay.  E.g. TOP10NL water polygons (a river is cut into many pieces at bridges and locks) keep the
    rivers, lakes and sea as connected bodies.  Exact vector geometry (GEOS buffers), no grid."""
    from shapely.ops import unary_union

    polygons = [g for g in geometries if g is not None and not g.is_empty and g.geom_type in ("Polygon",
                                                                                               "MultiPolygon")]
    if not polygons:
        return []
    merged = unary_union(polygons)
    if min_width_m > 0:
        merged = merged.buffer(-min_width_m / 2.0, 16).buffer(min_width_m / 2.0, 16)
    parts = [p for p in getattr(merged, "geoms", [merged]) if not p.is_empty]
    return [p for p in parts if p.area >= min_area_m2]
