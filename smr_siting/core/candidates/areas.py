"""Candidate areas: contiguous non-excluded land in which the SMR footprint fits.

The footprint is a shape of a given area (square, circle, or rectangle with an aspect ratio),
placed on the grid axis-aligned and turned in steps of ``ROTATION_STEP_DEG`` (15°) about the same
centre.  A position fits when, for some of these angles, every cell whose centre lies inside the
footprint is free; a candidate area is a 4-connected patch of free land holding at least one
fitting position whose centre lies inside the region.

Turned placements are tried only where they can fit: a turned footprint always holds the disc of
half its width, so positions whose centred block inside that disc is not free are skipped (a
separable minimum filter), and the rest are checked cell by cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from rasterio import features
from scipy import ndimage
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from ..data.vectorio import empty_frame
from ..model.grid import CRS, Grid
from ..model.i18n import _
from ..model.profile import Footprint
from ..model.progress import RunContext
from .components import Components, components

#: fields of the candidate-area layer and their types
CANDIDATE_COLUMNS = {"area_id": "int64", "area_ha": "float64", "area_ha_total": "float64", "usable_ha": "float64",
                     "footprint_ha": "float64", "centroid_x": "float64", "centroid_y": "float64",
                     "municipality": "object", "municipalities": "object", "province": "object"}
#: square and rectangular footprints are also tried turned by multiples of this angle
ROTATION_STEP_DEG = 15.0


@dataclass(frozen=True)
class FootprintCells:
    """The footprint as laid on the grid."""

    shape: str
    rows: int  # for rectangles: cells north-south
    cols: int  # cells east-west
    radius_m: float  # for circles
    cells: int
    area_m2: float


def footprint_cells(footprint: Footprint, resolution: float) -> FootprintCells:
    """The smallest cell pattern of the footprint's shape that covers at least its area."""
    cell = resolution * resolution
    if footprint.shape == "circle":
        radius = math.sqrt(footprint.area_m2 / math.pi)
        while True:
            count = int(_disc(radius, resolution).sum())
            if count * cell >= footprint.area_m2:
                return FootprintCells("circle", 0, 0, radius, count, count * cell)
            radius += resolution / 8.0
    width = math.sqrt(footprint.area_m2 / footprint.aspect)
    length = width * footprint.aspect
    rows = max(1, math.ceil(width / resolution - 1e-9))
    cols = max(1, math.ceil(length / resolution - 1e-9))
    return FootprintCells(footprint.shape, rows, cols, 0.0, rows * cols, rows * cols * cell)


def _disc(radius: float, resolution: float) -> np.ndarray:
    n = int(math.ceil(radius / resolution))
    offsets = np.arange(-n, n + 1) * resolution
    return (offsets[:, None] ** 2 + offsets[None, :] ** 2) <= radius * radius


def fit_positions(free: np.ndarray, cells: FootprintCells, resolution: float) -> np.ndarray:
    """True where a footprint anchored at the cell lies wholly on free cells (outside the grid is not free)."""
    return fit_and_usable(free, cells, resolution, usable_too=False)[0]


def fit_and_usable(free: np.ndarray, cells: FootprintCells, resolution: float,
                   check: Callable[[], None] | None = None,
                   call: Callable[..., Any] | None = None,
                   usable_too: bool = True, rotations: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Where a footprint fits (anchor cells), and the land some fitting footprint covers (the opening;
    None unless ``usable_too``).  ``check`` is called between the heavy steps (a cancel raises there);
    ``call(function, *args, **kwargs)`` runs the distance transform (a RunContext's ``call``: a cancel is seen
    while it runs).

    Computed on the bounding box of the free cells only: outside it nothing is free, which the filters'
    constant border already assumes, so the result is the same as on the whole grid."""
    check = check or (lambda: None)
    call = call or (lambda function, *args, **kwargs: function(*args, **kwargs))
    fits = np.zeros(free.shape, dtype=bool)
    usable = np.zeros(free.shape, dtype=bool) if usable_too else None
    rows = np.flatnonzero(free.any(axis=1))
    if rows.size == 0:
        return fits, usable
    cols = np.flatnonzero(free[rows[0]:rows[-1] + 1].any(axis=0))
    window = (slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1))
    part_fits, part_usable = _fit_and_usable(np.ascontiguousarray(free[window]), cells, resolution, check, call,
                                             usable_too, rotations)
    fits[window] = part_fits
    if usable is not None and part_usable is not None:
        usable[window] = part_usable
    return fits, usable


def _fit_and_usable(free: np.ndarray, cells: FootprintCells, resolution: float, check: Callable[[], None],
                    call: Callable[..., Any], usable_too: bool,
                    rotations: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    if cells.shape == "circle":
        padded = np.pad(free, 1, constant_values=False)
        dist = call(ndimage.distance_transform_edt, padded, sampling=resolution)[1:-1, 1:-1]
        fits = dist > cells.radius_m
        if not usable_too:
            return fits, None
        check()
        disc = _disc(cells.radius_m, resolution)
        usable = by_strips(lambda part: ndimage.binary_dilation(part, structure=disc), fits, disc.shape[0], check)
        return fits, usable & free
    fits = np.zeros(free.shape, dtype=bool)
    usable = np.zeros(free.shape, dtype=bool) if usable_too else None
    for rows, cols in sorted({(cells.rows, cells.cols), (cells.cols, cells.rows)}):  # both orientations
        check()
        orient = _orientation_fits(free, rows, cols, check)
        check()
        fits |= orient
        if usable is not None:
            # the dilation mirrors the erosion's window, so erosion followed by dilation is the exact opening
            usable |= by_strips(lambda part, size=(rows, cols): dilate(dilate(part, size[0], 0), size[1], 1),
                                orient, max(rows, cols), check)
    check()
    if rotations:
        _rotated_fits(free, fits, usable, cells, check)
    return fits, (usable & free) if usable is not None else None


def rotation_angles(cells: FootprintCells, step: float | None = None) -> list[float]:
    """The turned angles tried besides the axis-aligned orientations (0° and, for rectangles, 90°);
    none when ``step`` (default ``ROTATION_STEP_DEG``) is 0."""
    step = ROTATION_STEP_DEG if step is None else step
    if cells.shape == "circle" or step <= 0:
        return []
    period = 90.0 if cells.rows == cells.cols else 180.0
    count = int(round(period / step))
    return [k * step for k in range(1, count) if not math.isclose(k * step, 90.0)]


#: a turned footprint is grown in steps of this share of its sides until it covers at least as many
#: cell centres as the axis-aligned one (so that on the grid it is never smaller than the footprint)
ROTATION_GROWTH = 1.0 / 16.0


def rotated_offsets(rows: int, cols: int, angle_deg: float) -> np.ndarray:
    """Cell offsets (row, col) from the anchor of a rows × cols footprint turned by ``angle_deg`` about
    the centre the axis-aligned footprint has at that anchor: the cells whose centre lies inside, the
    rectangle grown (``ROTATION_GROWTH``) until they are at least rows × cols."""
    centre_r = -(rows // 2) + (rows - 1) / 2.0
    centre_c = -(cols // 2) + (cols - 1) / 2.0
    reach = int(math.ceil(math.hypot(rows, cols))) + 2
    dr, dc = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    x = dc - centre_c
    y = -(dr - centre_r)
    t = math.radians(angle_deg)
    along = x * math.cos(t) + y * math.sin(t)
    across = -x * math.sin(t) + y * math.cos(t)
    scale = 1.0
    while True:
        inside = (np.abs(along) <= scale * cols / 2.0 + 1e-9) & (np.abs(across) <= scale * rows / 2.0 + 1e-9)
        if int(inside.sum()) >= rows * cols:
            return np.stack([dr[inside], dc[inside]], axis=1)
        scale += ROTATION_GROWTH


def _prefilter_size(rows: int, cols: int) -> tuple[int, int] | None:
    """A block centred like the footprint that lies inside the disc every turned footprint holds."""
    half_width = min(rows, cols) / 2.0
    blocks = [(k_r * k_c, k_r, k_c) for k_r in range(rows, 0, -2) for k_c in range(cols, 0, -2)
              if math.hypot((k_r - 1) / 2.0, (k_c - 1) / 2.0) <= half_width + 1e-9]
    if not blocks:
        return None
    _area, k_r, k_c = max(blocks)
    return k_r, k_c


#: how many cell offsets of a turned footprint are tested between two cancel checks
OFFSETS_PER_CHECK = 16


def _rotated_fits(free: np.ndarray, fits: np.ndarray, usable: np.ndarray | None, cells: FootprintCells,
                  check: Callable[[], None] | None = None,
                  tried: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
    """Add the positions where a turned footprint fits (and the land it covers) to ``fits``/``usable``
    (``usable`` None: the positions only; ``tried``: given the candidate positions (n × 2: row, column), True
    for those to try).  ``check`` is called between angles and every few offsets (a cancel raises there)."""
    check = check or (lambda: None)
    angles = rotation_angles(cells)
    if not angles or not free.any():
        return
    offsets_by_angle = [rotated_offsets(cells.rows, cells.cols, angle) for angle in angles]
    size = _prefilter_size(cells.rows, cells.cols)
    possible = _orientation_fits(free, *size, check) if size is not None else free.copy()
    check()
    reach = int(max(np.abs(o).max() for o in offsets_by_angle))
    if usable is None:  # positions that fit already add nothing
        possible &= ~fits
    else:  # positions that fit already and whose every turned footprint lies on land already usable add nothing
        possible &= ~(fits & _orientation_fits(usable, 2 * reach + 1, 2 * reach + 1, check))
    check()
    anchors = np.argwhere(possible)
    if tried is not None and anchors.size:
        anchors = anchors[tried(anchors)]
    if anchors.size == 0:
        return
    pad = int(max(np.abs(o).max() for o in offsets_by_angle)) + 1
    padded = np.pad(free, pad, constant_values=False)
    covered = np.zeros(padded.shape, dtype=bool)
    # cells by flat index in the padded grid: one addition and one gather per offset; the anchors that no
    # longer fit are dropped as soon as an offset misses, so later offsets look at the rest only
    width = padded.shape[1]
    free_flat, covered_flat = padded.reshape(-1), covered.reshape(-1)
    base = (anchors[:, 0] + pad).astype(np.int64) * width + (anchors[:, 1] + pad)
    for offsets in offsets_by_angle:
        check()
        steps = offsets[:, 0].astype(np.int64) * width + offsets[:, 1]
        alive = np.arange(len(anchors))
        where = base
        for k, step in enumerate(steps):
            if k % OFFSETS_PER_CHECK == 0:
                check()
            good = free_flat[where + step]
            if not good.all():
                alive, where = alive[good], where[good]
                if alive.size == 0:
                    break
        if alive.size == 0:
            continue
        fits[anchors[alive, 0], anchors[alive, 1]] = True
        if usable is None:
            continue
        for k, step in enumerate(steps):
            if k % OFFSETS_PER_CHECK == 0:
                check()
            covered_flat[where + step] = True
    if usable is not None:
        usable |= covered[pad:-pad, pad:-pad]


def _rotated_fits_in(free: np.ndarray, fits: np.ndarray, cells: FootprintCells, patches: Components,
                     skipped: np.ndarray, check: Callable[[], None]) -> None:
    """:func:`_rotated_fits` (positions only) on the bounding box of the free cells (as :func:`fit_and_usable`),
    trying only positions whose patch (``patches``) is not ``skipped`` (a boolean per label)."""
    rows = np.flatnonzero(free.any(axis=1))
    if rows.size == 0:
        return
    cols = np.flatnonzero(free[rows[0]:rows[-1] + 1].any(axis=0))
    top, left = int(rows[0]), int(cols[0])
    window = (slice(top, int(rows[-1]) + 1), slice(left, int(cols[-1]) + 1))
    part = fits[window].copy()
    _rotated_fits(np.ascontiguousarray(free[window]), part, None, cells, check,
                  lambda anchors: ~skipped[patches.label_at(anchors[:, 0] + top, anchors[:, 1] + left)])
    fits[window] = part


#: rows of the grid counted between two cancel checks
ROWS_PER_CHECK = 512


def by_strips(function: Callable[[np.ndarray], np.ndarray], array: np.ndarray, margin: int,
              check: Callable[[], None] | None = None) -> np.ndarray:
    """``function(array)`` for a moving-window filter whose window reaches at most ``margin`` rows: computed on
    strips of rows that overlap by ``margin`` rows on either side — the same cells (a strip's own edge is the
    array's edge only where the array ends) — with ``check`` called between strips (a cancel raises there)."""
    height = array.shape[0]
    if height <= ROWS_PER_CHECK:
        return function(array)
    out: np.ndarray | None = None
    for top in range(0, height, ROWS_PER_CHECK):
        if check is not None:
            check()
        bottom = min(height, top + ROWS_PER_CHECK)
        low, high = max(0, top - margin), min(height, bottom + margin)
        part = function(array[low:high])[top - low:bottom - low]
        if out is None:
            out = np.empty(array.shape, dtype=part.dtype)
        out[top:bottom] = part
    assert out is not None
    return out


def _orientation_fits(free: np.ndarray, rows: int, cols: int, check: Callable[[], None] | None = None) -> np.ndarray:
    """The anchor cells of a ``rows`` × ``cols`` rectangle wholly on ``free`` (the binary erosion that
    ``ndimage.minimum_filter(size=(rows, cols), mode="constant", cval=0)`` gives), a strip of rows at a time."""
    return by_strips(lambda part: erode(erode(part, rows, 0), cols, 1), free, max(rows, cols), check)


def erode(mask: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``out[i] = all(mask[i - size // 2 : i - size // 2 + size])`` along ``axis``, False where the window leaves
    the array: ``ndimage.minimum_filter1d``'s window on a boolean mask, by doubling — the window of 2m cells is
    two windows of m, and one of ``size`` two overlapping windows of the largest power of two in it — so a few
    whole-array ANDs (in place) instead of a sliding minimum per cell."""
    moved = np.moveaxis(mask, axis, 0)
    n = moved.shape[0]
    out = np.zeros(moved.shape, dtype=bool)
    if size > n:
        return np.moveaxis(out, 0, axis)
    run = moved.astype(bool, copy=True)  # run[i]: all of mask[i : i + m]
    m = 1
    while 2 * m <= size:
        np.logical_and(run[:n - m], run[m:], out=run[:n - m])
        run[n - m:] = False
        m *= 2
    if m < size:
        rest = size - m
        np.logical_and(run[:n - rest], run[rest:], out=run[:n - rest])
        run[n - rest:] = False
    half = size // 2
    out[half:] = run[:n - half]
    return np.moveaxis(out, 0, axis)


def dilate(mask: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``out[i] = any(mask[i - (size - 1 - size // 2) : i + size // 2 + 1])`` along ``axis`` (the part inside the
    array): every cell some window of :func:`erode` anchored on ``mask`` covers — ``ndimage.grey_dilation``'s
    mirrored window on a boolean mask, by doubling ORs as :func:`erode` does with ANDs."""
    moved = np.moveaxis(mask, axis, 0)
    n = moved.shape[0]
    lead = size - 1 - size // 2
    run = np.zeros((n + lead,) + moved.shape[1:], dtype=bool)  # run[j]: any of mask[j - lead : j - lead + m]
    run[lead:] = moved
    total = n + lead
    m = 1
    while 2 * m <= size:
        np.logical_or(run[:total - m], run[m:], out=run[:total - m])
        m *= 2
    if m < size:
        rest = size - m
        np.logical_or(run[:total - rest], run[rest:], out=run[:total - rest])
    return np.moveaxis(run[:n], 0, axis)


def find_candidate_areas(free: np.ndarray, region: np.ndarray, grid: Grid, footprint: Footprint,
                         admin: gpd.GeoDataFrame | None, region_geometry: BaseGeometry,
                         ctx: RunContext | None = None, admin_fields: tuple[str, str] = ("statnaam", "prov_naam"),
                         fitted: Callable[[np.ndarray, np.ndarray], None] | None = None,
                         fit: tuple[np.ndarray, np.ndarray] | None = None,
                         ) -> tuple[gpd.GeoDataFrame, FootprintCells]:
    """Candidate areas as polygons (clipped to the region) with their figures.  ``fitted`` is given the
    footprint's anchor cells and usable land (for the site search, which needs the same masks); ``fit``:
    those masks computed before for the same free land and footprint."""
    ctx = ctx or RunContext()
    cells = footprint_cells(footprint, grid.resolution)
    ctx.report(0.05, _("footprint fit"))
    # the footprint must fit wholly inside the region; contiguity is judged on the whole grid
    if fit is None:
        fits, usable = fit_and_usable(free & region, cells, grid.resolution, ctx.check_cancelled, ctx.call)
    else:
        fits, usable = fit
    assert usable is not None
    if fitted is not None:
        fitted(fits, usable)
    ctx.report(0.35, _("contiguous areas"))
    patches = components(free, ctx.check_cancelled)
    ctx.check_cancelled()
    keep_labels = _kept_labels(patches, fits, region)
    ctx.check_cancelled()
    columns = list(CANDIDATE_COLUMNS)
    if keep_labels.size == 0:
        return empty_frame(CANDIDATE_COLUMNS, CRS), cells
    ctx.report(0.5, _("{count} candidate areas").format(count=keep_labels.size))
    # the kept patches numbered 1..n in a deterministic order (first cell in row-major order: their labels' order)
    cell_ha = grid.cell_area_m2 / 10_000.0
    ctx.check_cancelled()
    total_cells = np.concatenate([[0], patches.counts()[keep_labels]])
    region_cells = np.concatenate([[0], patches.counts(region)[keep_labels]])
    usable_cells = np.concatenate([[0], patches.counts(usable, region)[keep_labels]])
    ctx.check_cancelled()
    geoms: dict[int, list] = {}
    # polygonise each area within its own bounding window: the same polygons as from the whole grid, a fraction of
    # the work, and a cancel is seen between areas
    for number, label in enumerate(keep_labels, start=1):
        ctx.check_cancelled()
        window = patches.window(int(label))
        part = patches.mask_in(int(label), window)
        offset = grid.transform * Affine.translation(window[1].start, window[0].start)
        for geom, _value in features.shapes(part.view(np.uint8), mask=part & region[window], transform=offset,
                                            connectivity=4):
            geoms.setdefault(number, []).append(shape(geom))
    ctx.report(0.8, _("polygons and names"))
    rows = []
    for number in range(1, keep_labels.size + 1):
        ctx.check_cancelled()
        polygon = unary_union(geoms.get(number, []))
        if polygon.is_empty:
            continue
        clipped = polygon.intersection(region_geometry) if not region_geometry.contains(polygon) else polygon
        if clipped.is_empty:
            clipped = polygon
        centre = clipped.centroid
        if not clipped.contains(centre):
            centre = clipped.representative_point()
        municipality, municipalities, province = _admin_names(clipped, admin, admin_fields)
        rows.append({
            "area_ha": round(region_cells[number] * cell_ha, 2),
            "area_ha_total": round(total_cells[number] * cell_ha, 2),
            "usable_ha": round(usable_cells[number] * cell_ha, 2),
            "footprint_ha": round(cells.area_m2 / 10_000.0, 2),
            "centroid_x": round(centre.x, 1),
            "centroid_y": round(centre.y, 1),
            "municipality": municipality,
            "municipalities": municipalities,
            "province": province,
            "geometry": clipped,
        })
    rows.sort(key=lambda r: (-r["area_ha"], r["centroid_x"], r["centroid_y"]))
    for i, row in enumerate(rows, start=1):
        row["area_id"] = i
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)[columns + ["geometry"]]
    return gdf, cells


def _kept_labels(patches: Components, fits: np.ndarray, region: np.ndarray) -> np.ndarray:
    """The labels of the patches holding a fitting position inside the region, ascending."""
    return np.flatnonzero(patches.counts(fits, region)).astype(np.int32)


def candidate_figures(free: np.ndarray, region: np.ndarray, grid: Grid, footprint: Footprint,
                      ctx: RunContext | None = None) -> tuple[int, float]:
    """The number of candidate areas and their total area in the region (ha) — the figures of
    :func:`find_candidate_areas` (the same sum of the same rounded areas), without polygons or names."""
    ctx = ctx or RunContext()
    cells = footprint_cells(footprint, grid.resolution)
    inside = free & region
    # the axis-aligned positions first: an area that holds one is kept whatever the turned footprints give,
    # so those are tried only in the areas still without one (the same areas as trying them everywhere)
    fits, _usable = fit_and_usable(inside, cells, grid.resolution, ctx.check_cancelled, ctx.call,
                                   usable_too=False, rotations=False)
    ctx.check_cancelled()
    patches = components(free, ctx.check_cancelled)
    ctx.check_cancelled()
    if rotation_angles(cells):
        kept = np.zeros(patches.count + 1, dtype=bool)
        kept[_kept_labels(patches, fits, region)] = True
        _rotated_fits_in(inside, fits, cells, patches, kept, ctx.check_cancelled)
    keep_labels = _kept_labels(patches, fits, region)
    if keep_labels.size == 0:
        return 0, 0.0
    cell_ha = grid.cell_area_m2 / 10_000.0
    region_cells = patches.counts(region)[keep_labels]
    areas = sorted((round(int(c) * cell_ha, 2) for c in region_cells), reverse=True)  # the layer's order
    return int(keep_labels.size), round(float(pd.Series(areas, dtype="float64").sum()), 2)


def _admin_names(geometry: BaseGeometry, admin: gpd.GeoDataFrame | None,
                 fields: tuple[str, str]) -> tuple[str, str, str]:
    if admin is None or len(admin) == 0:
        return "", "", ""
    name_field, province_field = fields
    hits = admin.iloc[list(admin.sindex.query(geometry, predicate="intersects"))] if len(admin) else admin
    overlaps = []
    for _index, row in hits.iterrows():
        area = row.geometry.intersection(geometry).area
        if area > 0:
            overlaps.append((area, str(row.get(name_field, "")), str(row.get(province_field, ""))))
    if not overlaps:
        return "", "", ""
    overlaps.sort(key=lambda o: (-o[0], o[1]))
    names = sorted({o[1] for o in overlaps})
    return overlaps[0][1], "; ".join(names), overlaps[0][2]
