"""The fetch cache folder: assembling a layer's reshaped pages into its GeoPackage, the complete cached copies
(read through their provenance rows), ``PACK.json``, and the small file chores (atomic JSON, removing
partial files)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from ..data.catalogue import Catalogue
from ..data.provenance import read_provenance
from ..model.errors import DataError
from ..model.i18n import _
from ..model.progress import RunContext
from .spec import ServiceSpec, cache_file_name

PACK_FILE = "PACK.json"
PACK_GENERATOR = "smr-siting fetch"


_PROMOTE = {"Polygon": "MultiPolygon", "LineString": "MultiLineString", "Point": "MultiPoint"}
_DEFAULT_GEOMETRY = {"polygon": "MultiPolygon", "line": "MultiLineString", "point": "Point"}


def _geometry_type(kinds: set[str], fallback: str) -> str:
    if not kinds:
        return _DEFAULT_GEOMETRY.get(fallback, "Unknown")
    if kinds <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon"
    if kinds <= {"LineString", "MultiLineString"}:
        return "MultiLineString"
    if kinds == {"Point"}:
        return "Point"
    if kinds <= {"Point", "MultiPoint"}:
        return "MultiPoint"
    return "Unknown"


def _field_type(kinds: set[type]) -> str:
    if not kinds or kinds & {str, dict, list}:
        return "str"
    if float in kinds:
        return "float"
    return "int"


def _value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "str":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) if isinstance(
            value, (dict, list)) else str(value)
    if kind == "float":
        return float(value)
    return int(value)


def _iter_page_features(files: Sequence[Path]) -> Iterator[dict]:
    """The reshaped features of the partial pages, one line (one feature) at a time."""
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def assemble_gpkg(files: Sequence[Path], target: Path, layer: str, geometry_fallback: str,
                  ctx: RunContext | None = None) -> tuple[int, str]:
    """Write the reshaped pages into one GeoPackage layer (two passes: schema, then features)."""
    fields: dict[str, set[type]] = {}
    kinds: set[str] = set()
    for feature in _iter_page_features(files):
        for key, value in feature["properties"].items():
            fields.setdefault(key, set())
            if value is not None:
                fields[key].add(type(value) if not isinstance(value, bool) else int)
        if feature.get("geometry"):
            kinds.add(feature["geometry"]["type"])
    geometry_type = _geometry_type(kinds, geometry_fallback)
    seen: set[str] = set()
    schema_fields: dict[str, str] = {}
    for key, types in fields.items():
        if key.lower() in seen or key.lower() == "geometry":
            continue
        seen.add(key.lower())
        schema_fields[key] = _field_type(types)
    count = 0

    def rows() -> Iterator[dict]:
        nonlocal count
        for feature in _iter_page_features(files):
            if ctx is not None and count % 5000 == 0:
                ctx.check_cancelled()
            geometry = feature.get("geometry")
            if geometry and geometry_type.startswith("Multi") and geometry["type"] in _PROMOTE:
                geometry = {"type": _PROMOTE[geometry["type"]], "coordinates": [geometry["coordinates"]]}
            properties = {k: _value(feature["properties"].get(k), t) for k, t in schema_fields.items()}
            count += 1
            yield {"type": "Feature", "geometry": geometry, "properties": properties}

    _write_features(target, layer, geometry_type, schema_fields, rows())
    return count, geometry_type


def _write_features(target: Path, layer: str, geometry_type: str, schema_fields: Mapping[str, str],
                    rows: Iterator[dict]) -> None:
    from pyproj import CRS

    from ..data.vectorio import _fiona, _pyogrio

    wkt = CRS.from_epsg(28992).to_wkt()
    if _fiona is not None:
        schema = {"geometry": geometry_type, "properties": dict(schema_fields)}
        make = getattr(getattr(_fiona, "model", None), "Feature", None)
        with _fiona.open(str(target), "w", driver="GPKG", layer=layer, schema=schema, crs_wkt=wkt) as sink:
            batch = []
            for row in rows:
                batch.append(make.from_dict(**row) if make is not None and hasattr(make, "from_dict") else row)
                if len(batch) >= 2000:
                    sink.writerecords(batch)
                    batch = []
            if batch:
                sink.writerecords(batch)
        return
    if _pyogrio is None:  # pragma: no cover - no OGR binding at all
        raise DataError(_("neither fiona nor pyogrio is installed"), _("Install python3-fiona or pyogrio"))
    # pragma: no cover - Debian 13 (geopandas 1.x, pyogrio); not exercised on Debian 12
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import shape

    dtypes = {"str": object, "float": "float64", "int": "Int64"}
    batch: list[dict] = []
    written = False

    def flush() -> None:
        nonlocal batch, written
        frame = pd.DataFrame([r["properties"] for r in batch], columns=list(schema_fields))
        for name, kind in schema_fields.items():
            frame[name] = frame[name].astype(dtypes[kind])
        gdf = gpd.GeoDataFrame(frame, geometry=[shape(r["geometry"]) if r["geometry"] else None for r in batch],
                               crs=wkt)
        _pyogrio.write_dataframe(gdf, str(target), layer=layer, driver="GPKG", geometry_type=geometry_type,
                                 append=written)
        written = True
        batch = []

    for row in rows:
        batch.append(row)
        if len(batch) >= 2000:
            flush()
    if batch or not written:
        flush()


# --------------------------------------------------------------------------- the cache


@dataclass
class CachedLayer:
    layer_id: str
    path: Path
    row: dict

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        text = str(self.row.get("bbox") or "")
        if not text:
            return None
        return tuple(float(v) for v in text.split(","))  # type: ignore[return-value]

    @property
    def fetched_at(self) -> _dt.datetime | None:
        try:
            return _dt.datetime.fromisoformat(str(self.row.get("fetched_at")))
        except ValueError:
            return None

    def age_s(self, now: _dt.datetime | None = None) -> float | None:
        when = self.fetched_at
        if when is None:
            return None
        return ((now or _dt.datetime.now(_dt.timezone.utc)) - when).total_seconds()

    def covers(self, bbox: tuple[float, float, float, float] | None) -> bool:
        mine = self.bbox
        if mine is None:
            return True
        if bbox is None:
            return False
        return mine[0] <= bbox[0] and mine[1] <= bbox[1] and mine[2] >= bbox[2] and mine[3] >= bbox[3]


def cached_layer(cache_dir: Path, spec_or_entry: Any) -> CachedLayer | None:
    """The complete cached copy of a layer, or None (no file, or a file without a provenance row)."""
    name = spec_or_entry.file_name if isinstance(spec_or_entry, ServiceSpec) else cache_file_name(spec_or_entry)
    layer_id = spec_or_entry.layer_id if isinstance(spec_or_entry, ServiceSpec) else spec_or_entry.id
    path = cache_dir / name
    rows = read_provenance(path, layer_id)
    return CachedLayer(layer_id, path, rows[-1]) if rows else None


def describe_age(seconds: float | None) -> str:
    if seconds is None:
        return _("age unknown")
    seconds = max(0.0, seconds)
    if seconds < 90:
        return _("{n:.0f} s old").format(n=seconds)
    if seconds < 90 * 60:
        return _("{n:.0f} min old").format(n=seconds / 60)
    if seconds < 36 * 3600:
        return _("{n:.0f} h old").format(n=seconds / 3600)
    return _("{n:.0f} days old").format(n=seconds / 86400)


def _write_json_atomic(path: Path, data: Any) -> None:
    temp = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
    temp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            leftover.unlink()
        except FileNotFoundError:
            pass


def _remove_partial(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.parent.rmdir()  # .partial/ when it is empty
    except OSError:
        pass


def _hash_list(hashes: Sequence[str]) -> str:
    return hashlib.sha256("".join(h + "\n" for h in hashes).encode("ascii")).hexdigest()


def write_pack(cache_dir: Path, catalogue: Catalogue, ctx: RunContext) -> None:
    """``PACK.json`` with the box every bbox-limited cached layer covers, so that ``smr-siting screen
    --data CACHE`` refuses regions whose rule distances reach beyond the fetched data."""
    pack = cache_dir / PACK_FILE
    if pack.exists():
        try:
            ours = json.loads(pack.read_text(encoding="utf-8")).get("generator") == PACK_GENERATOR
        except (OSError, ValueError, AttributeError):
            ours = False
        if not ours:
            ctx.tell(_("{path} exists and is not the fetcher's; left as it is.").format(path=pack))
            return
    layers = {}
    box: list[float] | None = None
    for entry in sorted(catalogue.entries.values(), key=lambda e: e.id):
        cached = cached_layer(cache_dir, entry)
        if cached is None:
            continue
        layers[entry.id] = {"file": cached.path.name, "bbox": cached.row.get("bbox") or None,
                            "fetched_at": cached.row.get("fetched_at"), "features": cached.row.get("features")}
        mine = cached.bbox
        if mine is not None:
            box = list(mine) if box is None else [max(box[0], mine[0]), max(box[1], mine[1]), min(box[2], mine[2]),
                                                  min(box[3], mine[3])]
    data: dict[str, Any] = {"name": "smr-siting fetch cache", "generator": PACK_GENERATOR, "crs": "EPSG:28992",
                            "layers": layers}
    if box is not None:
        data["box"] = box
    _write_json_atomic(pack, data)
