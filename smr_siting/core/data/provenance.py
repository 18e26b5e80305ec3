"""Provenance of fetched layers: two attribute tables inside each cache GeoPackage.

``smr-siting fetch`` (:mod:`smr_siting.core.fetch`) writes one GeoPackage per layer into its cache
folder.  Beside the features each holds

- ``provenance`` — one row per completed download: service, request, time, feature count, sha256
  of the responses, owner, licence, vintage and caveat of what was fetched, notes;
- ``provenance_requests`` — one row per HTTP request (page): URL, time, status, bytes, sha256.

Both are plain GeoPackage *attribute* tables (``gpkg_contents.data_type = 'attributes'``), so QGIS
and ``ogrinfo`` list them and the file carries its own provenance wherever it is copied.  A row is
written only after the last page arrived, and the file is renamed into place only after that, so a
cache file *with* a ``provenance`` row is complete.  Only the standard library is used here: the
engine reads these rows for the manifest of every screening (:class:`~smr_siting.core.data.layers.UsedInput`).
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping, Sequence

PROVENANCE_TABLE = "provenance"
REQUESTS_TABLE = "provenance_requests"

#: column → SQLite type of the ``provenance`` table (in this order)
PROVENANCE_COLUMNS = {
    "layer_id": "TEXT", "layer_name": "TEXT", "title": "TEXT", "complete": "INTEGER",
    "service_kind": "TEXT", "service_url": "TEXT", "collection": "TEXT", "request": "TEXT", "query": "TEXT",
    "bbox": "TEXT", "crs_received": "TEXT", "started_at": "TEXT", "fetched_at": "TEXT", "features": "INTEGER",
    "pages": "INTEGER", "bytes": "INTEGER", "sha256": "TEXT", "owner": "TEXT", "licence": "TEXT",
    "vintage": "TEXT", "caveat": "TEXT", "names_from": "TEXT", "notes": "TEXT", "signature": "TEXT",
    "tool": "TEXT",
}
#: column → SQLite type of the ``provenance_requests`` table
REQUEST_COLUMNS = {
    "layer_id": "TEXT", "page": "INTEGER", "url": "TEXT", "requested_at": "TEXT", "http_status": "INTEGER",
    "attempts": "INTEGER", "bytes": "INTEGER", "sha256": "TEXT", "features_received": "INTEGER",
    "features_kept": "INTEGER", "content_type": "TEXT",
}
#: columns holding JSON text (decoded when read)
JSON_COLUMNS = ("query", "notes", "signature")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def write_provenance(path: Path, rows: Sequence[Mapping[str, Any]], requests: Sequence[Mapping[str, Any]]) -> None:
    """Add the two provenance tables to an existing GeoPackage (one that OGR has closed)."""
    connection = sqlite3.connect(str(path))
    try:
        with connection:
            for table, columns, data in ((PROVENANCE_TABLE, PROVENANCE_COLUMNS, rows),
                                         (REQUESTS_TABLE, REQUEST_COLUMNS, requests)):
                spec = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
                connection.execute(f'CREATE TABLE IF NOT EXISTS "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, '
                                   f'{spec})')
                connection.execute(
                    "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, "
                    "last_change) VALUES (?, 'attributes', ?, ?, ?)",
                    (table, table, "smr-siting fetch: where these features came from", _now()))
                names = list(columns)
                marks = ", ".join("?" for _name in names)
                quoted = ", ".join(f'"{n}"' for n in names)
                for row in data:
                    values = [json.dumps(row.get(n), ensure_ascii=False, sort_keys=True) if n in JSON_COLUMNS
                              else row.get(n) for n in names]
                    connection.execute(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', values)
    finally:
        connection.close()


def _read(path: Path, table: str, layer: str | None) -> list[dict]:
    if path.suffix.lower() != ".gpkg" or not path.is_file():
        return []
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        connection = sqlite3.connect(uri, uri=True)
    except (sqlite3.Error, ValueError):
        return []
    try:
        found = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                                   (table,)).fetchone()
        if not found:
            return []
        cursor = connection.execute(f'SELECT * FROM "{table}" ORDER BY fid')
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values)) for values in cursor.fetchall()]
    except sqlite3.Error:
        return []
    finally:
        connection.close()
    out = []
    for row in rows:
        row.pop("fid", None)
        if layer is not None and row.get("layer_name") not in (None, layer) and table == PROVENANCE_TABLE:
            continue
        for name in JSON_COLUMNS:
            if isinstance(row.get(name), str):
                try:
                    row[name] = json.loads(row[name])
                except ValueError:
                    pass
        out.append(row)
    return out


def read_provenance(path: Path, layer: str | None = None) -> list[dict]:
    """The ``provenance`` rows of a cache GeoPackage (for ``layer``), oldest first; [] for any other file."""
    return [row for row in _read(Path(path), PROVENANCE_TABLE, layer) if row.get("complete")]


def read_requests(path: Path) -> list[dict]:
    """The ``provenance_requests`` rows (one per HTTP request) of a cache GeoPackage."""
    return _read(Path(path), REQUESTS_TABLE, None)


def fetched_entry(entry: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
    """A catalogue entry describing what was *fetched* (owner, licence, vintage, caveat of the latest
    provenance row) rather than the catalogue's local files; the entry itself when there is no row."""
    if not rows:
        return entry
    latest = rows[-1]
    return replace(entry, owner=str(latest.get("owner") or entry.owner),
                   licence=str(latest.get("licence") or entry.licence),
                   vintage=str(latest.get("vintage") or entry.vintage),
                   caveat=" ".join(str(latest.get("caveat") or "").split()))
