"""Reading the part of an input raster a screening needs: its window around the analysis grid, not the
whole file (a large sparse raster would not fit in memory), with the checks a vector layer gets: a CRS that
can be transformed to EPSG:28992, a location inside the Netherlands, one band."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..model.errors import DataError
from ..model.grid import Grid
from ..model.i18n import _
from .layers import NETHERLANDS_RD_BOUNDS  # the vector layers' check uses the same box

#: cells of margin around the window (resampling needs neighbours)
PAD = 2


def _rd_bounds(src: Any, label: str) -> tuple[float, float, float, float]:
    from pyproj import CRS, Transformer

    try:  # pyproj, not GDAL: GDAL would also print its own error on stderr
        transformer = Transformer.from_crs(CRS.from_wkt(src.crs.to_wkt()), CRS.from_epsg(28992), always_xy=True)
        bounds = transformer.transform_bounds(*src.bounds)
    except Exception:  # noqa: BLE001 - an engineering or otherwise unusable CRS
        raise DataError(_("{label}: its coordinates cannot be transformed from {crs} to EPSG:28992").format(
            label=label, crs=_crs_text(src.crs)), _("Check the raster's CRS (gdal_translate -a_srs EPSG:28992 ...)")) \
            from None
    if not all(math.isfinite(v) for v in bounds):
        raise DataError(_("{label}: its coordinates cannot be transformed from {crs} to EPSG:28992").format(
            label=label, crs=_crs_text(src.crs)), _("Check the raster's CRS (gdal_translate -a_srs EPSG:28992 ...)"))
    return bounds


def _crs_text(crs: Any) -> str:
    from pyproj import CRS

    try:
        code = crs.to_epsg()
        return f"EPSG:{code}" if code else repr(CRS.from_wkt(crs.to_wkt()).name)
    except Exception:  # noqa: BLE001
        return "?"


def check_raster(src: Any, label: str) -> None:
    """Refuse a raster with more than one band, an unusable CRS, or lying wholly outside the Netherlands."""
    if src.count != 1:
        raise DataError(_("{label} has {count} bands; a raster rule reads one").format(label=label, count=src.count),
                        _("Extract the band you mean (QGIS: Raster › Extraction; GDAL: gdal_translate -b N)"))
    minx, miny, maxx, maxy = _rd_bounds(src, label)
    nx0, ny0, nx1, ny1 = NETHERLANDS_RD_BOUNDS
    if maxx < nx0 or minx > nx1 or maxy < ny0 or miny > ny1:
        b = src.bounds
        raise DataError(
            _("{label} lies wholly outside the Netherlands (extent {minx:.6g}, {miny:.6g}, {maxx:.6g}, {maxy:.6g} "
              "in {crs})").format(label=label, minx=b.left, miny=b.bottom, maxx=b.right, maxy=b.top,
                                  crs=_crs_text(src.crs)),
            _("Check its CRS: coordinates in degrees labelled as metres (or swapped axes) land far away"))


def grid_window(src: Any, grid: Grid) -> Any | None:
    """The window of ``src`` that covers ``grid`` (plus a margin), or None if they do not overlap."""
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    left, bottom, right, top = transform_bounds(grid.crs, src.crs, *grid.bounds, densify_pts=21)
    window = from_bounds(left, bottom, right, top, transform=src.transform)
    col0 = max(int(math.floor(min(window.col_off, window.col_off + window.width))) - PAD, 0)
    row0 = max(int(math.floor(min(window.row_off, window.row_off + window.height))) - PAD, 0)
    col1 = min(int(math.ceil(max(window.col_off, window.col_off + window.width))) + PAD, src.width)
    row1 = min(int(math.ceil(max(window.row_off, window.row_off + window.height))) + PAD, src.height)
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def has_any_value(src: Any) -> bool:
    """True if some cell of band 1 has a value (read block by block: bounded memory)."""
    for _index, window in src.block_windows(1):
        if not src.read(1, window=window, masked=True).mask.all():
            return True
    return False


def decimation(src: Any, grid: Grid) -> int:
    """How many source cells make one read cell: a raster much finer than the grid is read at half the grid's
    cell size (memory bounded by the grid, not by the raster); 1 otherwise."""
    if src.crs is None or src.crs.is_geographic:
        return 1
    cell = min(abs(src.transform.a), abs(src.transform.e))
    return max(1, int(grid.resolution // (2 * cell))) if cell > 0 else 1


def read_window(src: Any, grid: Grid, label: str, resampling: str = "nearest") -> tuple[np.ndarray, Any]:
    """Band 1 over the grid's window as float32 with NaN for nodata, and that window's transform.  Refuses a
    raster that holds no value at all; a window with no value (the raster lies elsewhere in the Netherlands)
    gives NaN everywhere."""
    from affine import Affine
    from rasterio.enums import Resampling

    check_raster(src, label)
    window = grid_window(src, grid)
    if window is None:
        band = np.ma.masked_all((1, 1), dtype="float32")
        transform = src.transform
    else:
        factor = decimation(src, grid)
        if factor > 1:
            shape = (max(1, math.ceil(window.height / factor)), max(1, math.ceil(window.width / factor)))
            band = src.read(1, window=window, masked=True, out_shape=shape,
                            resampling=getattr(Resampling, resampling, Resampling.nearest))
            transform = src.window_transform(window) * Affine.scale(window.width / shape[1], window.height / shape[0])
        else:
            band = src.read(1, window=window, masked=True)
            transform = src.window_transform(window)
    if band.mask.all() and not has_any_value(src):
        raise DataError(_("{label} holds no values: every cell is nodata").format(label=label),
                        _("Check the raster's nodata setting, or use another raster"))
    return band.astype("float32").filled(np.nan), transform
