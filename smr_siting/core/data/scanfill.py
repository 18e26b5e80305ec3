"""Large polygons burnt by cell centre with numpy: the same cells as GDAL's rasterizer, in a fraction of its time.

GDAL fills a polygon scanline by scanline (one line through the centres of each row of cells) and, for every
line, walks *every* edge of the polygon: its cost grows with rows × vertices.  A Natura 2000 site or a 3 km
buffer around the big rivers spans thousands of rows and holds tens of thousands of vertices, and then that
product dominates a screening.  Here each edge gives the lines it crosses directly, so the cost grows with the
crossings (about the outline's height in rows) and the cells filled.

The rule is GDAL's, crossing for crossing:

* an edge crosses the line through row ``y``'s centres (``y + 0.5`` in pixel coordinates) when its lower end
  is at or below that line and its upper end above it (half-open, so a vertex on the line counts once);
* the crossing's column is ``floor(x + 0.5)`` of its pixel coordinate ``x``; per polygon the crossings of a line,
  sorted, pair up into runs ``[first, second)`` that are filled;
* rings of one polygon (its outline and holes) are filled even-odd together; separate polygons (also the parts
  of a multipolygon) unite.

Pixel coordinates differ from GDAL's own in the last bits (it inverts the geotransform its own way), which can
only matter where a crossing's ``x + 0.5`` or a vertex's height lies within a hair (``TIE``, scaled by the
edge's slope) of a whole number.  Polygons with such a near tie, and polygons too small for this to pay,
are left to GDAL: the caller burns those, so the result is GDAL's in every case.
"""

from __future__ import annotations

import struct
from typing import Sequence

import numpy as np

#: a crossing or vertex height closer than this (in cells, times 1 + the edge's |dx/dy|) to a whole number is
#: a near tie: GDAL burns that polygon (pixel coordinates here and in GDAL agree to ~1e-12 cells)
TIE = 1e-9
#: polygons whose rows × vertices stay below this are burnt by GDAL, which is as fast for them
MIN_WORK = 2_000_000
#: rows filled per block (the scratch buffer is this many rows wide)
BLOCK_ROWS = 256


def wkb_polygons(blob: bytes) -> list[list[np.ndarray]] | None:
    """The polygons of a Polygon or MultiPolygon WKB (2-D, 3-D or measured; ISO or extended), each as its rings'
    x, y coordinates (views into ``blob``); None for any other kind (GDAL burns it)."""
    view = memoryview(blob)
    out: list[list[np.ndarray]] = []

    def header(offset: int) -> tuple[str, int, int, int]:
        """Byte order, geometry code (3 polygon, 6 multipolygon), coordinates per vertex, next offset."""
        if view[offset] not in (0, 1):
            raise ValueError(view[offset])
        order = "<" if view[offset] == 1 else ">"
        kind = struct.unpack_from(order + "I", view, offset + 1)[0]
        if kind & 0x20000000:  # an SRID follows (EWKB): not what shapely writes here; GDAL reads it
            raise ValueError(kind)
        code = kind & 0xFFFF   # ISO: + 1000 with z, + 2000 with m, + 3000 with both; extended: flag bits
        has_z = bool(kind & 0x80000000) or 1000 <= code < 2000 or code >= 3000
        has_m = bool(kind & 0x40000000) or code >= 2000
        return order, code % 1000, 2 + has_z + has_m, offset + 5

    def polygon(offset: int) -> int:
        order, kind, dims, offset = header(offset)
        if kind != 3:
            raise ValueError(kind)
        count = struct.unpack_from(order + "I", view, offset)[0]
        offset += 4
        rings = []
        for _ in range(count):
            points = struct.unpack_from(order + "I", view, offset)[0]
            offset += 4
            coords = np.frombuffer(view, dtype=order + "f8", count=points * dims, offset=offset).reshape(points, dims)
            offset += 8 * points * dims
            if points >= 2:
                rings.append(coords[:, :2])
        if rings:
            out.append(rings)
        return offset

    try:
        order, kind, _dims, offset = header(0)
        if kind == 3:
            polygon(0)
        elif kind == 6:
            parts = struct.unpack_from(order + "I", view, offset)[0]
            offset += 4
            for _ in range(parts):
                offset = polygon(offset)
        else:
            return None
    except (ValueError, struct.error, IndexError):
        return None
    return out


def fill(mask: np.ndarray, wkbs: Sequence[bytes], transform: Sequence[float], min_work: float | None = None) -> list[int]:
    """Burn the large polygons among ``wkbs`` into ``mask`` (2-D bool, in place) by cell centre, GDAL's rule.

    ``transform``: the mask's GDAL geotransform (north-up).  Returns the indices of the geometries it left
    for GDAL: other kinds than (multi)polygons, polygons below ``min_work`` (rows × vertices; default
    :data:`MIN_WORK`) and polygons with a near tie; a multipolygon is left whole when any of its parts is."""
    min_work = MIN_WORK if min_work is None else min_work
    height, width = mask.shape
    left, res_x, rot_x, top, rot_y, res_y = (float(v) for v in transform)
    if rot_x != 0.0 or rot_y != 0.0 or res_x == 0.0 or res_y == 0.0:
        return list(range(len(wkbs)))
    inv_x0, inv_x1 = -left / res_x, 1.0 / res_x  # GDAL's inverse of a north-up geotransform
    inv_y0, inv_y1 = -top / res_y, 1.0 / res_y
    left_over: list[int] = []
    rings: list[np.ndarray] = []   # every ring of every polygon taken, in map coordinates
    ring_polygon: list[int] = []   # the polygon of each ring
    owner: list[int] = []          # the geometry of each polygon
    for number, blob in enumerate(wkbs):
        parts = wkb_polygons(blob)
        if parts is None:
            left_over.append(number)
            continue
        if not parts:
            continue  # empty: nothing to burn
        vertices = sum(len(r) for part in parts for r in part)
        low = min(float(part[0][:, 1].min()) for part in parts)
        high = max(float(part[0][:, 1].max()) for part in parts)
        if vertices * min(abs(high - low) * abs(inv_y1), height) < min_work:
            left_over.append(number)
            continue
        for part in parts:
            rings.extend(part)
            ring_polygon.extend([len(owner)] * len(part))
            owner.append(number)
    if not rings:
        return left_over
    coords = np.concatenate(rings)
    sizes = np.array([len(r) for r in rings], dtype=np.int64)
    spans, tied = _spans(coords, (inv_x0, inv_x1, inv_y0, inv_y1), sizes, np.array(ring_polygon, dtype=np.int64),
                         height, width)
    tied_geometries = {owner[i] for i in tied}
    if tied_geometries:
        keep = np.array([geometry not in tied_geometries for geometry in owner])
        spans = spans[keep[spans[:, 0]]]
    _fill_spans(mask, spans[:, 1], spans[:, 2], spans[:, 3])
    return sorted(set(left_over) | tied_geometries)


def _spans(coords: np.ndarray, inverse: tuple[float, float, float, float], sizes: np.ndarray,
           ring_polygon: np.ndarray, height: int, width: int) -> tuple[np.ndarray, set[int]]:
    """The runs to fill, one row per run: (polygon, row, first column, end column), columns clipped to the
    grid and empty runs dropped; and the polygons with a near tie (or an open ring: GDAL closes those).

    ``coords``: map coordinates of every ring's vertices, one ring after the other; ``inverse``: map to pixel
    (x0, x1, y0, y1: pixel = 0 + map × 1); ``sizes``: each ring's vertex count; ``ring_polygon``: each ring's
    polygon.  Only the edges that cross a line of centres are gathered (most edges of a detailed outline do
    not), so the temporaries per vertex are few."""
    inv_x0, inv_x1, inv_y0, inv_y1 = inverse
    ends = np.cumsum(sizes)
    firsts = ends - sizes
    off = np.multiply(coords[:, 1], inv_y1)
    off += inv_y0
    off -= 0.5                     # the pixel y less half a cell: whole where the vertex is on a line of centres
    line = np.ceil(off)            # the first line at or above the vertex
    off -= line                    # in (-1, 0]: near 0 or -1 is a vertex (a hair from) on a line
    near_vertex = np.flatnonzero((off > -TIE) | (off < TIE - 1.0))
    tied = set(ring_polygon[np.searchsorted(ends, near_vertex, side="right")].tolist())
    open_ring = (coords[firsts, 0] != coords[ends - 1, 0]) | (coords[firsts, 1] != coords[ends - 1, 1])
    tied.update(ring_polygon[open_ring].tolist())
    crosses = line[:-1] != line[1:]  # the edge from vertex i to i + 1 crosses a line (and is not horizontal)
    crosses[ends[:-1] - 1] = False   # no edge from one ring's last vertex to the next ring's first
    start = np.flatnonzero(crosses)
    pid = ring_polygon[np.searchsorted(ends, start, side="right")]
    x1 = inv_x0 + coords[start, 0] * inv_x1
    y1 = inv_y0 + coords[start, 1] * inv_y1
    x2 = inv_x0 + coords[start + 1, 0] * inv_x1
    y2 = inv_y0 + coords[start + 1, 1] * inv_y1
    up = y1 < y2
    low_y = np.where(up, y1, y2)
    high_y = np.where(up, y2, y1)
    low_x = np.where(up, x1, x2)
    high_x = np.where(up, x2, x1)
    first = np.clip(np.ceil(low_y - 0.5), 0, height).astype(np.int64)   # rows with low <= y + 0.5 < high
    end = np.clip(np.ceil(high_y - 0.5), 0, height).astype(np.int64)
    count = np.maximum(end - first, 0)
    total = int(count.sum())
    if total == 0:
        return np.zeros((0, 4), dtype=np.int64), tied
    edge = np.repeat(np.arange(len(count)), count)
    starts = np.cumsum(count) - count
    row = first[edge] + (np.arange(total) - starts[edge])
    dy1, dx1 = low_y[edge], low_x[edge]
    dy2, dx2 = high_y[edge], high_x[edge]
    crossing = (row + 0.5 - dy1) * (dx2 - dx1) / (dy2 - dy1) + dx1 + 0.5
    column = np.floor(crossing)
    slack = TIE * (1.0 + np.abs(dx2 - dx1) / (dy2 - dy1))
    near = (crossing - column < slack) | (column + 1.0 - crossing < slack)
    if near.any():
        tied.update(int(p) for p in np.unique(pid[edge[near]]))
    column = np.clip(column, -1, width + 1).astype(np.int64)
    stride = width + 3
    key = (pid[edge] * height + row) * stride + (column + 1)
    key.sort()
    pairs = key.reshape(-1, 2) if len(key) % 2 == 0 else None
    if pairs is None or np.any(pairs[:, 0] // stride != pairs[:, 1] // stride):  # not paired: leave all to GDAL
        return np.zeros((0, 4), dtype=np.int64), set(np.unique(ring_polygon).tolist())
    line = pairs[:, 0] // stride
    lo = np.maximum(pairs[:, 0] % stride - 1, 0)
    hi = np.minimum(pairs[:, 1] % stride - 1, width)
    keep = lo < hi
    return np.column_stack((line[keep] // height, line[keep] % height, lo[keep], hi[keep])), tied


def _fill_spans(mask: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
    """Set ``mask[row, lo:hi]`` for every run, a block of rows at a time: the runs of a block united (sorted,
    overlaps merged) become +1/-1 steps whose running sum along each row is the filled cells."""
    if len(rows) == 0:
        return
    height, width = mask.shape
    stride = width + 1
    start = rows * stride + lo
    order = np.argsort(start, kind="stable")
    start = start[order]
    stop = (rows * stride + hi)[order]
    reach = np.maximum.accumulate(stop)
    opens = np.ones(len(start), dtype=bool)
    opens[1:] = start[1:] > reach[:-1]       # a run that neither overlaps nor touches the ones before
    begin = start[opens]
    finish = reach[np.append(np.flatnonzero(opens)[1:] - 1, len(start) - 1)]
    block_of = (begin // stride) // BLOCK_ROWS
    bounds = np.searchsorted(block_of, np.arange(0, (height + BLOCK_ROWS - 1) // BLOCK_ROWS + 1))
    scratch = np.empty(min(height, BLOCK_ROWS) * stride, dtype=np.int8)
    for block in np.flatnonzero(np.diff(bounds)):
        a, b = bounds[block], bounds[block + 1]
        r0 = int(block) * BLOCK_ROWS
        r1 = min(height, r0 + BLOCK_ROWS)
        steps = scratch[:(r1 - r0) * stride]
        steps[:] = 0
        base = r0 * stride
        steps[begin[a:b] - base] = 1
        steps[finish[a:b] - base] = -1      # a run's end is never another's start (merged above)
        grid = steps.reshape(r1 - r0, stride)
        np.cumsum(grid, axis=1, dtype=np.int8, out=grid)
        np.logical_or(mask[r0:r1], grid[:, :width].view(bool), out=mask[r0:r1])
