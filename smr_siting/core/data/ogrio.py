"""GDAL's own Python binding (``osgeo``) for the two hot spots of a screening: reading vector features and
burning geometries into a grid.

Both go through the same GDAL library as fiona, pyogrio and rasterio, with the same calls underneath
(``OGR_L_SetSpatialFilterRect`` for a box, ``GDALRasterizeLayers`` with the same rules for cells), so the
results are identical; what changes is the way there:

* reading hands each geometry over as WKB (``shapely.wkb.loads``) instead of building and parsing a
  GeoJSON-like dict per feature, about 4× faster on Natura 2000;
* burning hands WKB to an in-memory OGR layer instead of converting shapely geometries to GeoJSON-like
  dicts, and rasterizes into the caller's numpy mask in place (a MEM band over its buffer); the binding
  releases the GIL while GDAL works, so burns can run beside other work.

``osgeo`` comes with QGIS (python3-gdal); where it is missing the callers fall back to geopandas and
rasterio.  This module never changes GDAL's process-wide state: no ``UseExceptions()``, errors are read
from return values and the thread's own error handler.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

try:  # pragma: no cover - depends on the platform
    from osgeo import gdal, ogr, osr
except ImportError:  # pragma: no cover
    gdal = ogr = osr = None

#: set to "geopandas" to read and burn through geopandas/fiona/pyogrio and rasterio instead
BACKEND_ENV = "SMR_SITING_GDAL_BACKEND"
#: geometries of more WKB bytes than this (~60,000 vertices) are burnt / checked in two threads
SPLIT_BYTES = 1 << 20


def available() -> bool:
    """Whether reading and burning go through ``osgeo`` (installed, and not switched off)."""
    return gdal is not None and os.environ.get(BACKEND_ENV, "osgeo") != "geopandas"


class GdalError(RuntimeError):
    """A GDAL call failed; the message is GDAL's own."""


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """GDAL errors stay with this thread (no output), whatever the binding's exception setting.

    ``ExceptionMgr`` (GDAL ≥ 3.7) pins 'no exceptions' for the block without GDAL 3.9+'s FutureWarning;
    on older GDAL the process-wide default is 'no exceptions' unless an application chose otherwise, and
    :func:`_call` copes with both."""
    managers = [m(useExceptions=False) for m in (getattr(gdal, "ExceptionMgr", None), getattr(ogr, "ExceptionMgr", None),
                                                   getattr(osr, "ExceptionMgr", None)) if m is not None]
    with contextlib.ExitStack() as stack:
        for manager in managers:
            stack.enter_context(manager)
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            gdal.ErrorReset()
            yield
        finally:
            gdal.PopErrorHandler()


def _call(function: Any, *args: Any, what: str = "") -> Any:
    """Call a GDAL function; raise :class:`GdalError` with GDAL's message when it fails."""
    try:
        result = function(*args)
    except RuntimeError as error:  # an application in this process called UseExceptions()
        raise GdalError(str(error).strip() or what) from None
    if result is None:
        raise GdalError(gdal.GetLastErrorMsg().strip() or what or "GDAL call failed")
    return result


# ------------------------------------------------------------------------------------------------ reading


def list_layers(path: str) -> list[str]:
    return describe(path, None)[0]


LayerInfo = tuple[str | None, int, tuple[float, float, float, float] | None, str]


def describe(path: str, layer: str | None) -> tuple[list[str], LayerInfo | None]:
    """The file's layer names and, in the same opening, the CRS (WKT2), feature count, extent (minx, miny, maxx,
    maxy) and geometry type name of ``layer`` (or of the only layer when ``layer`` is None); None when that
    layer does not exist or the file has several and none was named."""
    with _quiet():
        source = _call(ogr.Open, path, 0, what="not recognised as a vector file")
        names = [source.GetLayerByIndex(i).GetName() for i in range(source.GetLayerCount())]
        if layer is None and len(names) == 1:
            layer = names[0]
        if layer is None or layer not in names:
            return names, None
        lyr = source.GetLayerByName(layer)
        srs = lyr.GetSpatialRef()
        wkt = srs.ExportToWkt(["FORMAT=WKT2_2019"]) if srs is not None else None
        count = int(lyr.GetFeatureCount())
        bounds = None
        if count > 0:
            extent = lyr.GetExtent(force=1, can_return_null=True)
            if extent is not None:
                minx, maxx, miny, maxy = extent
                bounds = (float(minx), float(miny), float(maxx), float(maxy))
        return names, (wkt or None, count, bounds, ogr.GeometryTypeToName(lyr.GetGeomType()))


def _field_readers(defn: Any) -> list[tuple[str, Any]]:
    """(name, reader(feature, index)) per field, giving values as fiona does: None for null, ISO dates."""
    readers = []
    for i in range(defn.GetFieldCount()):
        field = defn.GetFieldDefn(i)
        kind = field.GetType()
        if kind == ogr.OFTInteger and field.GetSubType() == ogr.OFSTBoolean:
            readers.append((field.GetName(), lambda f, j: bool(f.GetFieldAsInteger(j))))
        elif kind in (ogr.OFTInteger, ogr.OFTInteger64):
            readers.append((field.GetName(), lambda f, j: f.GetFieldAsInteger64(j)))
        elif kind == ogr.OFTReal:
            readers.append((field.GetName(), lambda f, j: f.GetFieldAsDouble(j)))
        elif kind in (ogr.OFTDate, ogr.OFTTime, ogr.OFTDateTime):
            readers.append((field.GetName(), _date_reader(kind)))
        elif kind == ogr.OFTString:
            readers.append((field.GetName(), lambda f, j: f.GetFieldAsString(j)))
        else:  # lists, binary: whatever the binding gives
            readers.append((field.GetName(), lambda f, j: f.GetField(j)))
    return readers


def _date_reader(kind: int) -> Any:
    def read(feature: Any, index: int) -> Any:
        year, month, day, hour, minute, second, _tz = feature.GetFieldAsDateTime(index)
        whole = int(second)
        micro = int(round((second - whole) * 1e6))
        if kind == ogr.OFTDate:
            return _dt.date(year, month, day).isoformat()
        if kind == ogr.OFTTime:
            return _dt.time(hour, minute, whole, micro).isoformat()
        return _dt.datetime(year, month, day, hour, minute, whole, micro).isoformat()
    return read


@dataclass(frozen=True)
class Features:
    """What :func:`read_features` read: field names, one value list per field, one WKB (or None) per
    feature and, when asked for, whether GEOS finds each geometry valid (None: not checked)."""

    names: list[str]
    columns: list[list[Any]]
    wkbs: list[bytes | None]
    valid: list[bool] | None = None


def read_features(path: str, layer: str, bbox: Sequence[float] | None, check_valid: bool = False) -> Features:
    """The features of a layer; ``bbox`` (in the layer's CRS) selects them as fiona's and pyogrio's ``bbox``
    do (OGR's rectangle spatial filter).  ``check_valid``: also run GEOS's validity check on each geometry
    (through OGR, which gives every call its own GEOS context: safe in any thread, and without the GIL)."""
    with _quiet():
        source = _call(ogr.Open, path, 0, what="not recognised as a vector file")
        lyr = _call(source.GetLayerByName, layer, what=f"no layer {layer!r}")
        if bbox is not None:
            lyr.SetSpatialFilterRect(*(float(v) for v in bbox))
        lyr.ResetReading()
        readers = _field_readers(lyr.GetLayerDefn())
        columns: list[list[Any]] = [[] for _ in readers]
        wkbs: list[bytes | None] = []
        while True:
            feature = lyr.GetNextFeature()
            if feature is None:
                message = gdal.GetLastErrorMsg().strip() if gdal.GetLastErrorType() >= gdal.CE_Failure else ""
                if message:
                    raise GdalError(message)
                break
            for index, (column, (_name, reader)) in enumerate(zip(columns, readers)):
                column.append(reader(feature, index) if feature.IsFieldSetAndNotNull(index) else None)
            geometry = feature.GetGeometryRef()
            if geometry is not None:
                if geometry.HasCurveGeometry():
                    geometry = geometry.GetLinearGeometry()
                if geometry.IsMeasured():
                    geometry = geometry.Clone()
                    geometry.SetMeasured(False)
            wkbs.append(bytes(geometry.ExportToWkb(ogr.wkbNDR)) if geometry is not None else None)
    valid = _in_two(validity, wkbs) if check_valid else None
    return Features([name for name, _reader in readers], columns, wkbs, valid)


def validity(wkbs: Sequence[bytes | None]) -> list[bool]:
    """GEOS's validity check per geometry (as shapely's ``is_valid``; a missing or empty geometry counts as valid)."""
    out = []
    with _quiet():
        for blob in wkbs:
            geometry = ogr.CreateGeometryFromWkb(blob) if blob is not None else None
            out.append(True if geometry is None or geometry.IsEmpty() else bool(geometry.IsValid()))
    return out


def halves(wkbs: Sequence[bytes | None]) -> tuple[list[int], list[int]]:
    """Indices of ``wkbs`` in two groups of about equal size in bytes (largest first, each to the lighter group)."""
    order = sorted(range(len(wkbs)), key=lambda i: -len(wkbs[i] or b""))
    groups: tuple[list[int], list[int]] = ([], [])
    weights = [0, 0]
    for i in order:
        lighter = 0 if weights[0] <= weights[1] else 1
        groups[lighter].append(i)
        weights[lighter] += len(wkbs[i] or b"")
    return sorted(groups[0]), sorted(groups[1])


def _in_two(function: Callable[[list], list], wkbs: list[bytes | None]) -> list:
    """``function(wkbs)`` (one result per item), on two threads when the geometries are large."""
    if len(wkbs) < 2 or sum(len(b or b"") for b in wkbs) <= SPLIT_BYTES:
        return function(wkbs)
    first, second = halves(wkbs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smr-siting-geos") as helper:
        later = helper.submit(function, [wkbs[i] for i in second])
        results = dict(zip(first, function([wkbs[i] for i in first])))
        results.update(zip(second, later.result()))
    return [results[i] for i in range(len(wkbs))]


# ------------------------------------------------------------------------------------------------ burning


def burn_wkb(mask: np.ndarray, wkbs: Sequence[bytes], transform: Sequence[float], all_touched: bool = False) -> None:
    """Burn 1 into ``mask`` (2-D, uint8 or bool, C-contiguous) wherever a geometry covers a cell centre (or
    touches the cell, with ``all_touched``), in place.  ``transform``: GDAL geotransform of the mask.

    Large geometries are burnt in two threads, each half into its own mask (GDAL reads and writes back rows,
    so two burns must not share one), then united: the same cells as one burn of all."""
    if not wkbs:
        return
    if mask.dtype == bool:
        mask = mask.view(np.uint8)
    if mask.ndim != 2 or not mask.flags.c_contiguous or mask.dtype != np.uint8:
        raise ValueError("burn_wkb needs a C-contiguous 2-D uint8 or bool array")
    if len(wkbs) > 1 and sum(len(b) for b in wkbs) > SPLIT_BYTES:
        first, second = halves(wkbs)
        other = np.zeros_like(mask)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smr-siting-burn") as helper:
            later = helper.submit(_burn, other, [wkbs[i] for i in second], transform, all_touched)
            _burn(mask, [wkbs[i] for i in first], transform, all_touched)
            later.result()
        np.bitwise_or(mask, other, out=mask)
        return
    _burn(mask, wkbs, transform, all_touched)


def burn_values_wkb(out: np.ndarray, wkbs: Sequence[bytes], values: Sequence[float],
                    transform: Sequence[float]) -> None:
    """Burn each geometry's value into ``out`` (2-D float32, C-contiguous) wherever it covers a cell centre, in
    place; a later geometry overwrites an earlier one.  The same cells and values as rasterio's ``rasterize``
    (GDAL's rasterizer either way), without the GeoJSON-like dicts."""
    if not wkbs:
        return
    if out.ndim != 2 or not out.flags.c_contiguous or out.dtype != np.float32:
        raise ValueError("burn_values_wkb needs a C-contiguous 2-D float32 array")
    _rasterize(out, gdal.GDT_Float32, wkbs, values, transform, [])


def _burn(mask: np.ndarray, wkbs: Sequence[bytes], transform: Sequence[float], all_touched: bool) -> None:
    _rasterize(mask, gdal.GDT_Byte, wkbs, None, transform, ["ALL_TOUCHED=TRUE"] if all_touched else [])


def _rasterize(array: np.ndarray, kind: int, wkbs: Sequence[bytes], values: Sequence[float] | None,
               transform: Sequence[float], options: list[str]) -> None:
    """GDALRasterizeLayer into ``array`` (a MEM band over its buffer): 1 where a geometry burns, or with
    ``values`` each geometry's own value (an attribute of the layer)."""
    height, width = array.shape
    size = array.itemsize
    with _quiet():
        raster = _call(gdal.GetDriverByName("MEM").Create, "", width, height, 0, kind)
        raster.AddBand(kind, [f"DATAPOINTER={array.ctypes.data}", f"PIXELOFFSET={size}",
                              f"LINEOFFSET={size * width}"])
        raster.SetGeoTransform(tuple(float(v) for v in transform))
        vectors = _call(ogr.GetDriverByName("Memory").CreateDataSource, "")
        layer = vectors.CreateLayer("burn", None, ogr.wkbUnknown)
        if values is not None:
            layer.CreateField(ogr.FieldDefn("value", ogr.OFTReal))
        defn = layer.GetLayerDefn()
        for number, blob in enumerate(wkbs):
            feature = ogr.Feature(defn)
            feature.SetGeometryDirectly(_call(ogr.CreateGeometryFromWkb, blob, what="unreadable geometry"))
            if values is not None:
                feature.SetField(0, float(values[number]))
            layer.CreateFeature(feature)
        if values is not None:
            status = gdal.RasterizeLayer(raster, [1], layer, options=[*options, "ATTRIBUTE=value"])
        else:
            status = gdal.RasterizeLayer(raster, [1], layer, burn_values=[1.0], options=options)
        if status != 0:
            raise GdalError(gdal.GetLastErrorMsg().strip() or "rasterizing failed")
        raster.FlushCache()
        del raster, layer, vectors
