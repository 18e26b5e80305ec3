"""Reading vector files: metadata, checks and features, through whichever OGR binding is installed.

GDAL's own binding (``osgeo``, installed with QGIS) is used where present (:mod:`.ogrio`: geometries as
WKB, ~4× faster than through GeoJSON-like dicts); otherwise geopandas reads, through fiona (geopandas
0.12, Debian 12) or pyogrio (geopandas 1.x, Debian 13).  Every route selects the same features (OGR's
rectangle filter for a box) in the same order.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ..model.errors import DataError
from ..model.i18n import _
from . import ogrio

try:  # pragma: no cover - depends on the platform
    import pyogrio as _pyogrio
except ImportError:  # pragma: no cover
    _pyogrio = None
try:  # pragma: no cover
    import fiona as _fiona
except ImportError:  # pragma: no cover
    _fiona = None

#: a date written into GeoPackage metadata so that identical runs give identical files
FIXED_DATE = "2000-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class VectorInfo:
    path: Path
    layer: str
    crs: CRS | None
    count: int
    bounds: tuple[float, float, float, float] | None
    geometry_type: str


def crs_name(crs: CRS | None) -> str:
    """'EPSG:28992' where there is an authority code, else the CRS's name (never a whole WKT)."""
    if crs is None:
        return "no CRS"
    authority = crs.to_authority(min_confidence=90)
    return f"{authority[0]}:{authority[1]}" if authority else crs.name


def list_layers(path: Path) -> list[str]:
    try:
        if ogrio.available():
            return ogrio.list_layers(str(path))
        if _pyogrio is not None:
            return [str(row[0]) for row in _pyogrio.list_layers(str(path))]
        return list(_fiona.listlayers(str(path)))
    except Exception as error:  # noqa: BLE001 - any driver failure means an unreadable file
        raise _unreadable(path, error) from None


def _unreadable(path: Path, error: Exception) -> DataError:
    return DataError(_("cannot open {path} as a vector file ({reason})").format(path=path, reason=_short(error)),
                     _("Check that the file is a complete GeoPackage or shapefile (open it in QGIS)"))


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]


def vector_info(path: Path, layer: str | None, label: str) -> VectorInfo:
    """Open a layer and check what can be checked without reading it."""
    if not path.exists():
        raise DataError(_("{label}: file {path} does not exist").format(label=label, path=path),
                        _("Check the path or the data folder"))
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise DataError(_("{label}: {path} is a folder, not a vector file").format(label=label, path=path),
                        _("Name the .gpkg or .shp file"))
    details = None
    if ogrio.available():  # names and details in one opening of the file
        try:
            layers, details = ogrio.describe(str(path), layer)
        except Exception as error:  # noqa: BLE001 - any driver failure means an unreadable file
            raise _unreadable(path, error) from None
    else:
        layers = list_layers(path)
    if not layers:
        raise DataError(_("{label}: {path} holds no layers").format(label=label, path=path),
                        _("Use a file with at least one vector layer"))
    if layer is None:
        if len(layers) > 1:
            raise DataError(_("{label}: {path} holds {count} layers ({layers})").format(
                label=label, path=path, count=len(layers), layers=", ".join(layers[:6])),
                _("Name one, e.g. {path}:{layer}").format(path=path, layer=layers[0]))
        layer = layers[0]
    elif layer not in layers:
        raise DataError(_("{label}: {path} has no layer {layer!r} (it has {layers})").format(
            label=label, path=path, layer=layer, layers=", ".join(layers[:8])), _("Name one of those layers"))
    try:
        if details is not None:
            crs_text, count, bounds, gtype = details
        elif _pyogrio is not None:
            info = _pyogrio.read_info(str(path), layer=layer)
            crs_text = info.get("crs")
            count = int(info.get("features", -1))
            bounds = info.get("total_bounds")
            gtype = str(info.get("geometry_type") or "")
        else:
            with _fiona.open(str(path), layer=layer) as src:
                crs_text = src.crs_wkt or None
                count = len(src)
                bounds = src.bounds if count else None
                gtype = str(src.schema.get("geometry", ""))
    except NOT_THE_FILE:
        raise
    except Exception as error:  # noqa: BLE001 - GDAL/OGR, fiona and pyogrio errors: the file
        raise DataError(_("{label}: cannot read layer {layer!r} of {path} ({reason})").format(
            label=label, layer=layer, path=path, reason=_short(error)),
            _("Check the file in QGIS; it may be damaged or incomplete")) from None
    crs = CRS.from_user_input(crs_text) if crs_text else None
    if crs is not None and crs.name.lower().startswith("undefined"):
        crs = None  # GeoPackage's srs_id 0 / -1: written without a CRS
    if bounds is not None:
        bounds = tuple(float(b) for b in bounds)
    return VectorInfo(path, layer, crs, count, bounds, gtype)


@contextlib.contextmanager
def fixed_gpkg_dates() -> Iterator[None]:
    """GeoPackages record 'last_change'; pin it so repeated runs give identical bytes.

    Through GDAL's *thread-local* configuration option when the GDAL binding is there: setting
    ``os.environ`` while reader threads may call getenv is not thread-safe, and it would pin the date of
    files other threads write.  (Every GDAL user in the process — fiona, pyogrio, osgeo — shares the one
    libgdal, whose option lookup sees the thread-local value first.)"""
    try:
        from osgeo import gdal
    except ImportError:  # pragma: no cover - without the binding: the process environment
        gdal = None
    if gdal is not None:
        previous = gdal.GetThreadLocalConfigOption("OGR_CURRENT_DATE", None)
        gdal.SetThreadLocalConfigOption("OGR_CURRENT_DATE", FIXED_DATE)
        try:
            yield
        finally:
            gdal.SetThreadLocalConfigOption("OGR_CURRENT_DATE", previous)
        return
    before = os.environ.get("OGR_CURRENT_DATE")  # pragma: no cover
    os.environ["OGR_CURRENT_DATE"] = FIXED_DATE  # pragma: no cover
    try:  # pragma: no cover
        yield
    finally:  # pragma: no cover
        if before is None:
            os.environ.pop("OGR_CURRENT_DATE", None)
        else:
            os.environ["OGR_CURRENT_DATE"] = before


def layer_bbox(info: VectorInfo, bbox: Any | None) -> tuple[float, float, float, float] | None:
    """A box (a GeoSeries in any CRS, or a tuple in the layer's CRS) as a tuple in the layer's CRS.

    Reprojected here, as geopandas 0.12 (fiona) does: geopandas 1.x with pyogrio takes the CRS of the
    file's *first* layer for it (and warns "More than one layer found")."""
    if isinstance(bbox, (gpd.GeoSeries, gpd.GeoDataFrame)):
        return tuple(float(v) for v in (bbox.to_crs(info.crs) if info.crs is not None else bbox).total_bounds)
    return bbox


#: exceptions that are never a damaged file: a bug in the engine, or the machine running out of memory.
#: They go up as they are (exit 1, "please report it"), not as "the file may be damaged".
NOT_THE_FILE = (MemoryError, RecursionError, AssertionError, AttributeError, NameError, TypeError, KeyError,
                IndexError, NotImplementedError, ImportError, ArithmeticError)


def read_vector(info: VectorInfo, bbox: Any | None, label: str) -> gpd.GeoDataFrame:
    bbox = layer_bbox(info, bbox)
    try:
        if ogrio.available():
            return frame_from_features(info, ogrio.read_features(str(info.path), info.layer, bbox))
        return gpd.read_file(str(info.path), layer=info.layer, bbox=bbox)
    except NOT_THE_FILE:
        raise
    except Exception as error:  # noqa: BLE001 - GDAL/OGR, fiona and pyogrio errors: the file
        raise read_error(label, info, error) from None


def frame_from_features(info: VectorInfo, features: ogrio.Features) -> gpd.GeoDataFrame:
    """Features read through OGR as geopandas 0.12 + fiona 1.9 give them: the fields in file order, then
    ``geometry``; a null is NaN (a column of nulls only is float), an empty result has an empty object index."""
    import numpy as np
    import pandas as pd

    names = features.names
    if not features.wkbs:
        return gpd.GeoDataFrame(pd.DataFrame(columns=[*names, "geometry"]), geometry="geometry", crs=info.crs)
    data = {name: [np.nan if v is None else v for v in column] for name, column in zip(names, features.columns)}
    frame = pd.DataFrame(data, columns=names)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries.from_wkb(features.wkbs, crs=info.crs), crs=info.crs)


def read_error(label: str, info: VectorInfo, error: Exception) -> DataError:
    return DataError(_("{label}: cannot read the features of {path} ({reason})").format(
        label=label, path=info.path, reason=_short(error)),
        _("Check the file in QGIS; it may be damaged or incomplete"))


def empty_frame(columns: Mapping[str, str], crs: str) -> gpd.GeoDataFrame:
    """An empty layer with typed columns (so that its file still has the right fields)."""
    data = {name: pd.Series([], dtype=dtype) for name, dtype in columns.items()}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
