"""Finding, checking and reading the layers a profile names.

A layer id resolves, in this order, to: an explicit file the user gave for that slot; a file of
the catalogue in the data folder; a reference layer shipped in ``layers/``.  Every layer read is
checked (CRS, emptiness, location, geometry validity) and recorded for the manifest.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import box
from shapely.validation import make_valid

from ..model.errors import DataError, SmrSitingError
from ..model.grid import CRS as RD_CRS
from ..model.i18n import _, english, localised
from ..model.profile import Condition
from ..model.progress import RunContext
from ..model.vocabulary import DATA, LAYER, term
from . import ogrio
from .catalogue import Catalogue, CatalogueEntry
from .sources import Missing
from .vectorio import VectorInfo, crs_name, frame_from_features, layer_bbox, read_error, read_vector, vector_info

RD = CRS.from_user_input(RD_CRS)
#: EPSG:28992's area of use, a little generous
NETHERLANDS_RD_BOUNDS = (-25_000.0, 280_000.0, 310_000.0, 640_000.0)
#: coordinates beyond this (metres, after reprojection to EPSG:28992) are damaged, not far away
MAX_COORDINATE = 1e8
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".asc", ".img", ".nc")
#: the origin of a layer read from the store's fallback folder (the embedded national pack)
FALLBACK_ORIGIN = "national pack"


@dataclass(frozen=True)
class LayerInput:
    """An explicit source for a layer slot: a file (and layer inside it)."""

    path: Path
    layer: str | None = None
    label: str | None = None

    @classmethod
    def parse(cls, text: str) -> LayerInput:
        """``FILE`` or ``FILE:LAYER`` (a drive letter or a path with ':' is left alone)."""
        path = Path(text)
        if not path.exists() and ":" in text:
            head, _sep, tail = text.rpartition(":")
            if Path(head).exists():
                return cls(Path(head), tail or None)
        return cls(path)


@dataclass
class UsedInput:
    layer_id: str
    path: str
    layer: str | None
    sha256: str
    bytes: int
    crs: str
    features_read: int = 0
    title: str = ""
    owner: str = ""
    licence: str = ""
    vintage: str = ""
    caveat: str = ""
    origin: str = "data folder"
    notes: list[str] = field(default_factory=list)
    #: rows of the file's ``provenance`` table when it came from ``smr-siting fetch`` (a cache), else []
    provenance: list[dict] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(child.relative_to(path).as_posix().encode())
            digest.update(sha256_of(child).encode())
        return digest.hexdigest()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}


def file_digest(path: Path) -> str:
    """:func:`sha256_of`, remembered per (path, size, times, inode) for this process (a sweep hashes a layer
    once).  A file changed in the last few seconds is hashed every time (its times may not show a change made
    within the clock's granularity, as git's "racy" files)."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    if path.is_dir() or time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) < 3_000_000_000:
        return sha256_of(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    if key not in _DIGESTS:
        _DIGESTS[key] = sha256_of(path)
    return _DIGESTS[key]


def _matches(series: pd.Series, cond: Condition) -> pd.Series:
    missing = series.isna()
    value = cond.value
    numeric = pd.api.types.is_numeric_dtype(series)
    if numeric:
        try:
            value = tuple(float(v) for v in value) if isinstance(value, tuple) else float(value)
        except (TypeError, ValueError):
            numeric = False
    data = series if numeric else series.astype(str)
    if not numeric:
        value = tuple(str(v) for v in value) if isinstance(value, tuple) else str(value)
    op = cond.op
    if op == "in":
        hit = data.isin(value)
    elif op == "not in":
        hit = ~data.isin(value)
    elif op == "==":
        hit = data == value
    elif op == "!=":
        hit = data != value
    else:
        if not numeric:
            raise DataError(_("field {field!r} holds text, so '{condition}' cannot compare by size").format(
                field=cond.field, condition=cond.describe()), _("Use '==', '!=', 'in' or 'not in' for text fields"))
        hit = {"<": data < value, "<=": data <= value, ">": data > value, ">=": data >= value}[op]
    hit = hit & ~missing
    if cond.keep_missing:
        hit = hit | missing
    return hit


def apply_where(gdf: gpd.GeoDataFrame, conditions: Iterable[Condition], label: str) -> gpd.GeoDataFrame:
    if len(gdf) == 0:  # nothing within reach: the columns may have lost their types, and nothing can match
        return gdf
    keep = pd.Series(True, index=gdf.index)
    for cond in conditions:
        if cond.field not in gdf.columns:
            fields = [c for c in gdf.columns if c != "geometry"]
            close = difflib.get_close_matches(cond.field, fields, n=1)
            raise DataError(_("{label}: filter field {field!r} does not exist").format(label=label, field=cond.field),
                            did_you_mean(close) + _("Fields: {fields}").format(fields=", ".join(fields[:15])))
        keep &= _matches(gdf[cond.field], cond)
    return gdf[keep]


def did_you_mean(close: list[str]) -> str:
    """'Did you mean 'x'? ' (with a space after it) for the closest match, or nothing."""
    return _("Did you mean {name!r}?").format(name=close[0]) + " " if close else ""


def _polygonal(geometry: Any) -> Any:
    """Keep only the polygon parts of what make_valid returned."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        from shapely.ops import unary_union

        parts = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return unary_union(parts) if parts else None
    return geometry


@dataclass
class _SharedFrame:
    """A layer as one store read it: the checked frame, its file's metadata and the notes told while reading."""

    frame: gpd.GeoDataFrame
    info: VectorInfo
    notes: list[str]


class SharedReads:
    """Layers read once for several runs on the same files and read extent (the values of a sweep), also
    when they run side by side: the first store that asks for a layer reads and checks it, the others wait
    for it and take the same frame, telling the same notes; a read that fails is done again by each store,
    which then reports its own error.  Frames are not changed once read (every step makes new ones).  Other
    things the runs share are made once the same way (:meth:`once`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[tuple[Any, ...], Future] = {}
        self._features: dict[tuple[Any, ...], Future] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    def features(self, key: tuple[Any, ...], function: Any, *args: Any) -> Future:
        """A prefetch (:meth:`LayerStore.prefetch`) made once for every store: ``function(*args)`` in the
        shared reading thread, unless a store asked for the same ``key`` (file, layer, box) before."""
        with self._lock:
            pending = self._features.get(key)
            if pending is None and self._closed:  # a run still finishing after the others stopped: reads itself
                pending = Future()
                pending.cancel()
            elif pending is None:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smr-siting-read")
                pending = self._features[key] = self._pool.submit(function, *args)
            return pending

    def close(self) -> None:
        """Drop what is not read yet and wait for the read under way (no file stays open); forget the rest."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._features.clear()
            self._made.clear()

    def once(self, key: tuple[Any, ...], make: Any, wait: Any) -> tuple[Any, bool]:
        """What ``make()`` gives under ``key``, made once for every run that shares, and whether it was made
        here: the first caller makes it, the others wait for it with ``wait(function)`` (a RunContext's
        ``call``: a cancel is seen while waiting); if making it fails, each caller makes it again (and reports
        its own error).  A layer's frame (:meth:`LayerStore.read`), a sweep's region cells or the bits of the
        rules its values share."""
        with self._lock:
            pending = self._made.get(key)
            mine = pending is None
            if mine:
                pending = self._made[key] = Future()
        assert pending is not None
        if not mine:
            try:
                return wait(pending.result), False
            except _ReadElsewhereError:
                return make(), True  # the other caller's attempt failed: make it (and report) here
        try:
            made = make()
        except BaseException:
            with self._lock:
                self._made.pop(key, None)  # the next caller tries again
            pending.set_exception(_ReadElsewhereError())
            raise
        pending.set_result(made)
        return made, True


class _ReadElsewhereError(Exception):
    """Another caller's make of a shared thing (a layer's frame, a sweep's bits) failed; that caller reports why."""


class LayerStore:
    """Resolves layer ids to files and reads them, clipped to the analysis extent, in EPSG:28992.

    ``shared``: layers read by other stores on the same files and extent are taken from there (a sweep)."""

    def __init__(self, catalogue: Catalogue, data_dir: Path | None, overrides: Mapping[str, LayerInput] | None,
                 ctx: RunContext | None = None, fallback_dir: Path | None = None,
                 shared: SharedReads | None = None) -> None:
        self.catalogue = catalogue
        self.data_dir = data_dir
        #: searched after the data folder for the layers it lacks (the embedded national pack)
        self.fallback_dir = fallback_dir if fallback_dir is not None and fallback_dir.is_dir() else None
        self.overrides = dict(overrides or {})
        self.ctx = ctx or RunContext()
        self.read_bounds: tuple[float, float, float, float] | None = None
        #: the region's cells on the analysis grid, once known (rules may report what lies inside it)
        self.region_mask: np.ndarray | None = None
        self._cache: dict[tuple[str, Any], gpd.GeoDataFrame] = {}
        self._info: dict[str, VectorInfo] = {}
        self._pending: dict[tuple[str, Any], Future] = {}
        self._pools: list[ThreadPoolExecutor] = []
        self.used: dict[str, UsedInput] = {}
        self.shared = shared
        #: notes told while a layer is read for ``shared`` (told again by the stores that take the frame)
        self._told: list[str] | None = None
        for layer_id in self.overrides:
            if layer_id not in catalogue.ids:
                close = difflib.get_close_matches(layer_id, sorted(catalogue.ids), n=1)
                raise DataError(_("unknown layer slot {slot!r}").format(slot=layer_id),
                                did_you_mean(close) + _("Slots: {slots}").format(slots=", ".join(sorted(catalogue.ids))))
        if data_dir is not None and not data_dir.is_dir():
            raise DataError(_("data folder {path} does not exist").format(path=data_dir),
                            _("Point {data} at the folder that holds the layers").format(data=term(DATA)))

    # ----------------------------------------------------------------- locate
    def entry(self, layer_id: str) -> CatalogueEntry:
        entry = self.catalogue.get(layer_id)
        if entry is None:
            raise DataError(_("unknown layer id {layer!r}").format(layer=layer_id), _("Use an id from layers/catalogue.yaml"))
        return entry

    def locate(self, layer_id: str) -> tuple[LayerInput, str]:
        """The file for a layer id and where it came from ('given', 'data folder', 'reference')."""
        if layer_id in self.overrides:
            return self.overrides[layer_id], "given"
        entry = self.entry(layer_id)
        looked: list[str] = []
        if self.data_dir is not None:
            for local in entry.files:
                candidate = self.data_dir / local.file
                looked.append(local.file)
                if candidate.exists():
                    return LayerInput(candidate, local.layer), "data folder"
        if self.fallback_dir is not None:
            for local in entry.files:
                candidate = self.fallback_dir / local.file
                if local.file not in looked:
                    looked.append(local.file)
                if candidate.exists():
                    return LayerInput(candidate, local.layer), FALLBACK_ORIGIN
        if entry.reference is not None and entry.reference.exists():
            return LayerInput(entry.reference, entry.files[0].layer if entry.files else None), "reference"
        if self.data_dir is not None:
            problem = _("layer {layer!r} ({title}) was not found in {folder}; looked for {files}")
        else:
            problem = _("layer {layer!r} ({title}) was not found (no data folder given); looked for {files}")
        raise DataError(
            problem.format(layer=layer_id, title=localised(entry.title, entry.title_nl), folder=self.data_dir,
                           files=", ".join(looked) or _("nothing")),
            _("Point {data} at a folder holding one of those files, or give the file with {layer}").format(
                data=term(DATA), layer=term(LAYER, layer_id)),
        )

    def absence(self, layer_id: str) -> Missing | None:
        """None when ``layer_id`` can be located, else why not (for sources in order of authority)."""
        if layer_id in self.overrides:
            return None
        entry = self.entry(layer_id)
        looked = []
        if self.data_dir is not None:
            for local in entry.files:
                if (self.data_dir / local.file).exists():
                    return None
                looked.append(local.file)
        if entry.reference is not None and entry.reference.exists():
            return None
        try:  # whatever else locate() knows of (the fallback folder, e.g. the embedded national pack)
            self.locate(layer_id)
            return None
        except DataError:
            pass
        return Missing(None if self.data_dir is None else os.path.abspath(self.data_dir), tuple(looked))

    def label(self, layer_id: str) -> str:
        source, _origin = self.locate(layer_id)
        name = source.label or (f"{source.path.name}:{source.layer}" if source.layer else source.path.name)
        return _("layer {layer!r} ({name})").format(layer=layer_id, name=name)

    def is_raster(self, layer_id: str) -> bool:
        source, _origin = self.locate(layer_id)
        return source.path.suffix.lower() in RASTER_SUFFIXES

    # ----------------------------------------------------------------- record
    def _record(self, layer_id: str, source: LayerInput, origin: str, crs: str) -> UsedInput:
        if layer_id not in self.used:
            entry = self.catalogue.get(layer_id) or CatalogueEntry(layer_id, layer_id, "", "", "", "", "", ())
            from .provenance import fetched_entry, read_provenance

            provenance = read_provenance(source.path, source.layer)
            entry = fetched_entry(entry, provenance)  # a fetched layer: its service's owner, licence, caveat
            caveat = entry.caveat if origin != "given" else ""
            if origin == FALLBACK_ORIGIN:
                # in English, as the catalogue's caveats: it goes into the data files
                caveat = " ".join(filter(None, [caveat, english(_("Read from the embedded national pack."))]))
            self.used[layer_id] = UsedInput(
                layer_id=layer_id, path=str(source.path), layer=source.layer, sha256=file_digest(source.path),
                bytes=source.path.stat().st_size if source.path.is_file() else 0, crs=crs, title=entry.title,
                owner=entry.owner if origin != "given" else "", licence=entry.licence if origin != "given" else "",
                vintage=entry.vintage if origin != "given" else "", caveat=caveat, origin=origin,
                provenance=provenance)
            if origin == FALLBACK_ORIGIN:
                self.note(layer_id, _("{layer!r} ({title}) comes from the embedded national pack ({path}).").format(
                    layer=layer_id, title=localised(entry.title, entry.title_nl), path=source.path))
        return self.used[layer_id]

    def note(self, layer_id: str, message: str) -> None:
        """Record a note on a layer and tell it, once per run (a rule taken from the cache told its notes)."""
        if self._told is not None:
            self._told.append(message)
        if layer_id in self.used:
            if message in self.used[layer_id].notes:
                return
            self.used[layer_id].notes.append(message)
        self.ctx.tell(message)

    # ----------------------------------------------------------------- vector
    def vector(self, layer_id: str, bounds: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
        """All features of a layer near ``bounds`` (default: the store's read bounds), checked and in RD."""
        source, origin = self.locate(layer_id)
        if layer_id not in self._info and source.path.suffix.lower() in RASTER_SUFFIXES:
            raise DataError(_("{label} is a raster, but this rule needs a vector layer").format(label=self.label(layer_id)),
                            _("Give a vector file (GeoPackage, shapefile) for this slot"))
        return self.read(layer_id, source, origin, self.label(layer_id), bounds or self.read_bounds)

    def prefetch(self, layer_ids: Iterable[str]) -> None:
        """Start reading these vector layers within the read bounds in a background thread, in this order.

        The thread only reads through OGR and runs GEOS's validity check (both without the GIL); everything
        else — checks, notes, errors, repairs — happens when a rule asks for the layer (:meth:`read`), in the
        same order and with the same messages as without prefetching.  A layer that cannot be prefetched is
        simply read then.  Without ``osgeo`` this does nothing."""
        if not ogrio.available() or self.read_bounds is None:
            return
        area = gpd.GeoSeries([box(*self.read_bounds)], crs=RD)
        pool: ThreadPoolExecutor | None = None
        for layer_id in layer_ids:
            cache_key = (layer_id, self.read_bounds)
            if cache_key in self._cache or cache_key in self._pending:
                continue
            try:
                source, _origin = self.locate(layer_id)
                if source.path.suffix.lower() in RASTER_SUFFIXES:
                    continue
                if layer_id not in self._info:
                    self._info[layer_id] = vector_info(source.path, source.layer, self.label(layer_id))
                info = self._info[layer_id]
                if info.crs is None or info.count == 0:
                    continue
                bbox = layer_bbox(info, area)
            except SmrSitingError:  # reported when a rule reads the layer
                continue
            if self.shared is not None:  # read once for every store that shares, in the shared reading thread
                self._pending[cache_key] = self.shared.features(
                    (os.path.abspath(info.path), info.layer, bbox, info.crs.equals(RD)), ogrio.read_features,
                    str(info.path), info.layer, bbox, info.crs.equals(RD))
                continue
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smr-siting-read")
                self._pools.append(pool)
            # submitted at once, so the first layers are read while this loop looks at the others; validity is
            # checked after reprojection when there is one, so here only for layers already in RD
            self._pending[cache_key] = pool.submit(ogrio.read_features, str(info.path), info.layer, bbox,
                                                   info.crs.equals(RD))

    def close(self) -> None:
        """Stop prefetching: layers not started are dropped, and this waits for the one being read, so that
        no file of the run is still open afterwards (on Windows a cancelled QGIS run can then delete its
        temporary folder)."""
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)
        self._pools.clear()
        self._pending.clear()

    def _prefetched(self, cache_key: tuple[str, Any]) -> ogrio.Features | None:
        pending = self._pending.pop(cache_key, None)
        if pending is None:
            return None
        try:
            return pending.result()
        except Exception:  # noqa: BLE001 - read again in this thread, which reports the problem properly
            return None

    def read(self, key: str, source: LayerInput, origin: str, label: str,
             bounds: tuple[float, float, float, float] | None) -> gpd.GeoDataFrame:
        """Read any vector source, checked and in RD; recorded under ``key`` for the manifest."""
        cache_key = (key, bounds)
        if cache_key in self._cache:
            return self._cache[cache_key]
        if self.shared is None:
            gdf = self._read(key, source, origin, label, bounds)
        else:
            made, here = self.shared.once((key, os.path.abspath(source.path), source.layer, origin, bounds),
                                           lambda: self._read_for_shared(key, source, origin, label, bounds),
                                           self.ctx.call)
            gdf = made.frame
            if not here:  # as if read here: recorded, its notes told, its count kept
                self._info.setdefault(key, made.info)
                used = self._record(key, source, origin, crs_name(made.info.crs))
                for message in made.notes:
                    self.note(key, message)
                used.features_read = max(used.features_read, len(gdf))
        self._cache[cache_key] = gdf
        return gdf

    def _read_for_shared(self, key: str, source: LayerInput, origin: str, label: str,
                         bounds: tuple[float, float, float, float] | None) -> _SharedFrame:
        told: list[str] = []
        gdf = self._read(key, source, origin, label, bounds, told)
        return _SharedFrame(gdf, self._info[key], told)

    def _read(self, key: str, source: LayerInput, origin: str, label: str,
              bounds: tuple[float, float, float, float] | None, told: list[str] | None = None) -> gpd.GeoDataFrame:
        """Read, check and clean a vector source (:meth:`read` without its memo); ``told``: gets the notes
        told after the source is recorded."""
        cache_key = (key, bounds)
        features = self._prefetched(cache_key)
        if key not in self._info:
            self._info[key] = vector_info(source.path, source.layer, label)
        info = self._info[key]
        if info.crs is None:
            raise DataError(_("{label} has no coordinate reference system").format(label=label),
                            _("Assign one (QGIS: Layer Properties › Source; GDAL: ogr2ogr -a_srs EPSG:28992) and retry"))
        if info.count == 0:
            raise DataError(_("{label} is empty (no features)").format(label=label),
                            _("Use a layer with features, or disable the rule"))
        if info.bounds is None:  # features, but not one geometry (GDAL's extent of null geometries is none)
            raise DataError(_("{label} has no geometry: none of its {count} features has one").format(
                label=label, count=info.count), _("Use a layer with geometries, or disable the rule"))
        used = self._record(key, source, origin, crs_name(info.crs))
        self._told = told
        try:
            return self._read_recorded(key, info, used, features, label, bounds)
        finally:
            self._told = None

    def _read_recorded(self, key: str, info: VectorInfo, used: UsedInput, features: ogrio.Features | None,
                       label: str, bounds: tuple[float, float, float, float] | None) -> gpd.GeoDataFrame:
        if not info.crs.equals(RD):
            self.note(key, _("{label} is in {crs}; reprojected to EPSG:28992.").format(label=label, crs=crs_name(info.crs)))
        self._check_location(info, label)
        if features is not None:
            try:
                gdf = frame_from_features(info, features)
            except Exception as error:  # noqa: BLE001 - e.g. WKB that GEOS refuses
                raise read_error(label, info, error) from None
        else:
            bbox = gpd.GeoSeries([box(*bounds)], crs=RD) if bounds is not None else None
            gdf = read_vector(info, bbox, label)
        if gdf.crs is None:
            gdf = gdf.set_crs(info.crs)
        valid = None
        if not gdf.crs.equals(RD):
            gdf = gdf.to_crs(RD)
        elif features is not None and features.valid is not None:
            valid = pd.Series(features.valid, index=gdf.index, dtype=bool)
        gdf = self._clean(gdf, key, label, valid)
        if len(gdf) == 0 and bounds is not None:
            self.note(key, _("{label}: none of its {count} features lies within reach of the region; "
                             "rules using it treat it as absent.").format(label=label, count=info.count))
        used.features_read = max(used.features_read, len(gdf))
        return gdf

    def _check_location(self, info: VectorInfo, label: str) -> None:
        if info.bounds is None or info.crs is None:
            return
        from pyproj import Transformer

        minx, miny, maxx, maxy = info.bounds
        if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
            return
        if not info.crs.equals(RD):
            try:
                transformer = Transformer.from_crs(info.crs, RD, always_xy=True)
                minx, miny, maxx, maxy = transformer.transform_bounds(minx, miny, maxx, maxy)
            except Exception:  # noqa: BLE001 - cannot transform: the CRS itself is wrong
                raise DataError(_("{label}: its coordinates cannot be transformed from {crs} to EPSG:28992").format(
                    label=label, crs=crs_name(info.crs)), _("Check the layer's CRS")) from None
        nx0, ny0, nx1, ny1 = NETHERLANDS_RD_BOUNDS
        if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or maxx < nx0 or minx > nx1 or maxy < ny0 \
                or miny > ny1:
            raise DataError(
                _("{label} lies wholly outside the Netherlands (extent {minx:.6g}, {miny:.6g}, "
                  "{maxx:.6g}, {maxy:.6g} in {crs})").format(
                    label=label, minx=info.bounds[0], miny=info.bounds[1], maxx=info.bounds[2], maxy=info.bounds[3],
                    crs=crs_name(info.crs)),
                _("Check its CRS: coordinates in degrees labelled as metres (or swapped axes) land far away"))

    def _clean(self, gdf: gpd.GeoDataFrame, layer_id: str, label: str,
               valid: pd.Series | None = None) -> gpd.GeoDataFrame:
        """Drop features without geometry, repair invalid ones.  ``valid``: GEOS's verdict per feature when it
        is already known (:meth:`prefetch`), else it is asked here."""
        if len(gdf) == 0:
            return gdf
        missing = gdf.geometry.isna() | gdf.geometry.is_empty
        if missing.any():
            self.note(layer_id, _("{label}: {count} feature(s) without geometry were skipped.").format(
                label=label, count=int(missing.sum())))
            gdf = gdf[~missing]
        invalid = ~(gdf.geometry.is_valid if valid is None else valid.loc[gdf.index])
        far = ~(np.abs(gdf.geometry.bounds.to_numpy()) < MAX_COORDINATE).all(axis=1)  # NaN compares False
        far |= invalid.to_numpy() & np.array([("nan" in g.wkt.lower() or "inf" in g.wkt.lower()) if bad else False
                                              for g, bad in zip(gdf.geometry.values, invalid.values)], dtype=bool)
        if far.any():
            raise DataError(_("{label}: {count} feature(s) have coordinates that are not finite numbers or lie "
                              "beyond {limit:,.0f} km").format(label=label, count=int(far.sum()),
                                                                limit=MAX_COORDINATE / 1000),
                            _("Repair or remove those features (QGIS: Vector › Geometry Tools › Check Validity)"))
        if invalid.any():
            fixed = [(_polygonal(make_valid(g)) if g.geom_type.endswith("Polygon") else make_valid(g)) if bad else g
                     for g, bad in zip(gdf.geometry.values, invalid.values)]
            gdf = gdf.set_geometry(gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs))
            gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
            if invalid.sum() == 1:
                repaired = _("{label}: {count} invalid geometry (e.g. self-intersections) repaired with make_valid.")
            else:
                repaired = _("{label}: {count} invalid geometries (e.g. self-intersections) repaired with make_valid.")
            self.note(layer_id, repaired.format(label=label, count=int(invalid.sum())))
        return gdf

    # ----------------------------------------------------------------- raster
    def raster(self, layer_id: str) -> Path:
        source, origin = self.locate(layer_id)
        self._record(layer_id, source, origin, "")
        return source.path

    def inputs(self) -> list[UsedInput]:
        return [self.used[k] for k in sorted(self.used)]


def polygons_only(gdf: gpd.GeoDataFrame, label: str, purpose: str) -> list[Any]:
    """The polygon geometries of a layer; refuse points/lines where only areas make sense."""
    kinds = set(gdf.geometry.geom_type.unique()) if len(gdf) else set()
    other = kinds - {"Polygon", "MultiPolygon"}
    if other:
        counts = gdf.geometry.geom_type.value_counts().to_dict()
        described = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        raise DataError(_("{label} holds {described}; {purpose} needs polygons").format(
            label=label, described=described, purpose=purpose),
            _("Use a polygon layer, or give the rule a buffer / use a distance rule for points and lines"))
    return list(gdf.geometry.values)


def feature_distances(gdf: gpd.GeoDataFrame, distance: Any, label: str) -> np.ndarray:
    """Per-feature distance in metres from a :class:`~smr_siting.core.model.profile.Distance`.  A feature whose
    banding attribute is missing, negative or outside every band gets what ``distance.missing`` says:
    the largest band's distance, or a refusal (see :func:`unbanded_features` for the count)."""
    if distance.is_constant:
        return np.full(len(gdf), float(distance.metres))
    out = _banded(gdf, distance, label)
    unbanded = np.isnan(out)
    if unbanded.any():
        if getattr(distance, "missing", "largest band") == "refuse":
            raise DataError(_("{label}: {count} of {total} features have no usable {field!r} (missing, negative or "
                              "outside every band)").format(label=label, count=int(unbanded.sum()), total=len(out),
                                                            field=distance.field),
                            _("Fix the data, or write 'missing: largest band' under the rule's distance"))
        out[unbanded] = max(band.metres for band in distance.bands)
    return out


def unbanded_features(gdf: gpd.GeoDataFrame, distance: Any, label: str) -> int:
    """How many features have no band of their own (missing, negative or outside every band)."""
    if distance.is_constant or len(gdf) == 0:
        return 0
    return int(np.isnan(_banded(gdf, distance, label)).sum())


def _banded(gdf: gpd.GeoDataFrame, distance: Any, label: str) -> np.ndarray:
    if distance.field not in gdf.columns:
        fields = [c for c in gdf.columns if c != "geometry"]
        close = difflib.get_close_matches(distance.field, fields, n=1)
        raise DataError(_("{label}: distance field {field!r} does not exist").format(label=label, field=distance.field),
                        did_you_mean(close) + _("Fields: {fields}").format(fields=", ".join(fields[:15])))
    values = pd.to_numeric(gdf[distance.field], errors="coerce").to_numpy(dtype=float)
    values = np.where(values < 0, np.nan, values)  # CBS codes secret or missing values as negative numbers
    out = np.full(len(gdf), np.nan)
    for band in distance.bands:
        upper = np.inf if band.upper is None else band.upper
        hit = (values >= band.lower) & (values < upper) & np.isnan(out)
        out[hit] = band.metres
    return out
