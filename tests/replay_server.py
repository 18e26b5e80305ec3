"""A replay server on 127.0.0.1 that behaves like PDOK (and TenneT's ArcGIS layer), for the tests.

It serves RECORDED real bodies where public repositories hold them (``tests/fixtures/replay``,
see PROVENANCE.md there) and reproduces the behaviours seen in recorded answers and in PDOK's own
server code:

- WFS 2.0 (PDOK's MapServer): GetCapabilities (the recorded BBG 2017 one; for other typeNames the
  same document with the Name and CountDefault put in), a page cap of CountDefault whatever COUNT
  asks, ``numberMatched`` on a page as a running total, ``resultType=hits``, ``sortBy``,
  ``startIndex``; an ExceptionReport for an unknown typeName;
- OGC API Features (GoKoala): landing page, ``/collections``, ``/collections/{id}``, items pages
  with ``links`` (self, alternate, next, prev) and an opaque ``cursor``, no ``numberMatched``,
  ``limit`` clamped to its maximum, HTTP 400 (problem+json) on any unknown query parameter,
  ``Content-Crs: <uri>``; the recorded GoKoala pages can be replayed verbatim (their
  ``http://localhost:8080`` base replaced by this server's);
- ArcGIS FeatureServer layer: ``?f=json`` (fields, maxRecordCount) and ``/query`` paging with
  ``exceededTransferLimit``;
- HTTP 404 on every path not registered (old paths included).

Services are mounted at ``/{host}/{path}`` of their real address, so ``smr-siting fetch --mirror
http://127.0.0.1:PORT`` asks this server for every catalogue entry.  Features that were not
recorded are generated from real geometry of the development data (``SMR_SHARED_DATA``); their
attribute values are made up where the data has none (say so in each test).

The server stops itself after ``max_requests`` requests or ``lifetime_s`` seconds.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from shapely.geometry import shape

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "replay"
RECORDED_BASE = "http://localhost:8080"
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GOKOALA_PARAMS = {"f", "limit", "cursor", "crs", "datetime", "bbox", "bbox-crs", "filter", "filter-crs",
                  "filter-lang", "profile"}


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _json(data: Any, status: int = 200, content_type: str = "application/json", **headers: str) -> Reply:
    return Reply(status, {"Content-Type": content_type, **headers}, json.dumps(data).encode("utf-8"))


def _problem(status: int, title: str, detail: str) -> Reply:
    """GoKoala's problem document (internal/engine/problems.go: detail, status, timeStamp, title)."""
    return _json({"detail": detail, "status": status, "timeStamp": "2026-12-01T00:00:00Z", "title": title}, status,
                 "application/problem+json")


def recorded_capabilities() -> str:
    """The recorded BBG 2017 WFS GetCapabilities, taken out of the GDAL .aux.xml that kept it."""
    text = (FIXTURES / "portolan-nl-catalog" / "bbg2017.parquet.aux.xml").read_text(encoding="utf-8")
    start = text.index("<?xml")
    end = text.index("</WFS_Capabilities>") + len("</WFS_Capabilities>")
    return text[start:end].strip() + "\n"


def capabilities_for(typename: str, count_default: int) -> str:
    text = recorded_capabilities()
    if typename != "bestandbodemgebruik:BBG2017":
        text = text.replace("<Name>bestandbodemgebruik:BBG2017</Name>", f"<Name>{typename}</Name>")
    return re.sub(r'(<ows:Constraint name="CountDefault">.*?<ows:DefaultValue>)\d+(</ows:DefaultValue>)',
                  lambda m: f"{m.group(1)}{count_default}{m.group(2)}", text, flags=re.S)


def _touches(feature: dict, box: tuple[float, ...] | None) -> bool:
    if box is None or not feature.get("geometry"):
        return True
    minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
    return not (maxx < box[0] or minx > box[2] or maxy < box[1] or miny > box[3])


def _box(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    return tuple(float(v) for v in text.split(",")[:4])


class Service:
    def handle(self, server: ReplayServer, path: str, query: dict[str, str]) -> Reply:  # pragma: no cover
        raise NotImplementedError


class WfsService(Service):
    """PDOK's MapServer WFS 2.0 for one typeName."""

    def __init__(self, typename: str, features: list[dict], count_default: int = 1000,
                 capabilities: str | None = None) -> None:
        self.typename = typename
        self.features = features
        self.count_default = count_default
        self.capabilities = capabilities or capabilities_for(typename, count_default)
        self.pages = 0

    def handle(self, server: ReplayServer, path: str, query: dict[str, str]) -> Reply:
        q = {k.lower(): v for k, v in query.items()}
        if q.get("request", "").lower() == "getcapabilities":
            return Reply(200, {"Content-Type": "text/xml; charset=UTF-8"}, self.capabilities.encode("utf-8"))
        if q.get("request", "").lower() != "getfeature":
            return self._exception("OperationNotSupported", "unsupported request")
        if q.get("typenames", q.get("typename")) != self.typename:
            return self._exception("InvalidParameterValue",
                                   f"msWFSGetFeature(): WFS server error. TYPENAME '{q.get('typenames')}' doesn't "
                                   "exist in this server.")
        selected = [f for f in self.features if _touches(f, _box(q.get("bbox")))]
        if q.get("sortby"):
            key = q["sortby"].split()[0]
            if self.features and key not in (self.features[0].get("properties") or {}):
                return self._exception("InvalidParameterValue", f"msWFSGetFeature(): sortBy '{key}' is not an "
                                       "attribute of this layer")
            selected = sorted(selected, key=lambda f: str((f.get("properties") or {}).get(key)))
        if q.get("resulttype") == "hits":
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/'
                   f'wfs/2.0" timeStamp="2026-12-01T00:00:00" numberMatched="{len(selected)}" numberReturned="0"/>')
            return Reply(200, {"Content-Type": "text/xml; subtype=gml/3.2.1"}, xml.encode())
        start = int(q.get("startindex", 0))
        count = int(q["count"]) if q.get("count") else self.count_default
        count = min(count, self.count_default)  # wfs_maxfeatures caps the page whatever COUNT asks
        page = selected[start:start + count]
        self.pages += 1
        body = {"type": "FeatureCollection", "name": self.typename.split(":")[-1],
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                # seen on PDOK: numberMatched on a page is a running total, not the total
                "numberMatched": start + len(page), "numberReturned": len(page), "features": page}
        return _json(body, content_type="application/json; subtype=geojson; charset=utf-8")

    @staticmethod
    def _exception(code: str, text: str) -> Reply:
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/'
               f'1.1" version="2.0.0"><ows:Exception exceptionCode="{code}"><ows:ExceptionText>{text}'
               '</ows:ExceptionText></ows:Exception></ows:ExceptionReport>')
        return Reply(400, {"Content-Type": "text/xml"}, xml.encode())


def _cursor(offset: int) -> str:
    """An opaque cursor in GoKoala's style ('Dv4|Nwyr1Q': encoded key, '|', checksum)."""
    key = base64.urlsafe_b64encode(offset.to_bytes(3, "big")).decode().rstrip("=")
    return f"{key}|Nwyr1Q"


def _offset(cursor: str) -> int:
    key = cursor.split("|")[0]
    return int.from_bytes(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)), "big")


class OgcService(Service):
    """GoKoala (PDOK's OGC API Features) with one or more collections."""

    def __init__(self, collections: dict[str, list[dict]], max_limit: int = 1000, default_limit: int = 10,
                 crs_uri: str = RD_URI, queryables: set[str] | None = None,
                 faults: Callable[[int], int | None] | None = None) -> None:
        self.collections = collections
        self.max_limit = max_limit
        self.default_limit = default_limit
        self.crs_uri = crs_uri
        self.queryables = queryables or set()
        self.faults = faults
        self.items_requests = 0

    def handle(self, server: ReplayServer, path: str, query: dict[str, str]) -> Reply:
        base = server.url + path.split("/collections")[0].rstrip("/")
        parts = [p for p in path.split("/collections", 1)[1].split("/") if p] if "/collections" in path else None
        if parts is None:
            return _json({"title": "replay", "links": [{"rel": "data", "href": base + "/collections?f=json"}]})
        if not parts:
            return _json({"collections": [{"id": c, "links": []} for c in self.collections]})
        collection = parts[0]
        if collection not in self.collections:
            return _problem(404, "Not Found", f"collection '{collection}' does not exist")
        if len(parts) == 1:
            return _json({"id": collection, "links": []})
        if parts[1:] != ["items"]:
            return _problem(404, "Not Found", "not found")
        unknown = sorted(set(query) - GOKOALA_PARAMS - self.queryables)
        if unknown:  # internal/ogc/features/url.go validateNoUnknownParams
            return _problem(400, "Bad Request", f"unknown query parameter(s) found: {unknown[0]}")
        self.items_requests += 1
        if self.faults is not None:
            status = self.faults(self.items_requests)
            if status:
                return _problem(status, "Internal Server Error", "replayed fault")
        limit = min(int(query.get("limit", self.default_limit)), self.max_limit)
        start = _offset(query["cursor"]) if "cursor" in query else 0
        features = [f for f in self.collections[collection] if _touches(f, _box(query.get("bbox")))]
        page = features[start:start + limit]
        here = f"{base}/collections/{collection}/items"

        def link(rel: str, title: str, kind: str, params: dict[str, str]) -> dict:
            return {"rel": rel, "title": title, "type": kind, "href": here + "?" + urlencode(sorted(params.items()))}

        params = dict(query)
        links = [link("self", "This document as GeoJSON", "application/geo+json", {**params, "f": "json"}),
                 link("alternate", "This document as JSON-FG", "application/vnd.ogc.fg+json",
                      {**params, "f": "jsonfg"}),
                 link("alternate", "This document as HTML", "text/html", {**params, "f": "html"})]
        if start + limit < len(features):
            links.append(link("next", "Next page", "application/geo+json",
                              {**params, "f": "json", "cursor": _cursor(start + limit)}))
        if start > 0:
            links.append(link("prev", "Previous page", "application/geo+json",
                              {**params, "f": "json", "cursor": _cursor(max(0, start - limit))}))
        body = {"type": "FeatureCollection", "timeStamp": "2026-12-01T00:00:00Z", "links": links, "features": page,
                "numberReturned": len(page)}
        return _json(body, content_type="application/geo+json", **{"Content-Crs": f"<{self.crs_uri}>"})


class RecordedOgcService(Service):
    """GoKoala's recorded pages (PDOK/gokoala internal/ogc/features/testdata), replayed verbatim
    but for their base URL: page 1 (limit=2), page 2 (its next cursor), then the recorded empty
    collection for the next cursor of page 2."""

    PAGES = {None: "expected_foo_collection_with_limit.json", "Dv4|Nwyr1Q": "expected_foo_collection_with_cursor.json",
             "DwA|Nwyr1Q": "expected_empty_feature_collection.json"}

    def handle(self, server: ReplayServer, path: str, query: dict[str, str]) -> Reply:
        base = server.url + path.split("/collections")[0].rstrip("/")
        if path.endswith("/collections/foo"):
            return _json({"id": "foo", "links": []})
        if not path.endswith("/collections/foo/items"):
            return _problem(404, "Not Found", "not found")
        unknown = sorted(set(query) - GOKOALA_PARAMS)
        if unknown:
            return _problem(400, "Bad Request", f"unknown query parameter(s) found: {unknown[0]}")
        name = self.PAGES.get(query.get("cursor"))
        if name is None:
            return _problem(400, "Bad Request", "invalid cursor")
        text = (FIXTURES / "gokoala" / name).read_text(encoding="utf-8").replace(RECORDED_BASE, base)
        return Reply(200, {"Content-Type": "application/geo+json", "Content-Crs": f"<{CRS84_URI}>"},
                     text.encode("utf-8"))


class ArcgisService(Service):
    """An ArcGIS Online FeatureServer layer (TenneT's stations)."""

    def __init__(self, features: list[dict], fields: list[str], max_record_count: int = 2000) -> None:
        self.features = features
        self.fields = fields
        self.max_record_count = max_record_count

    def handle(self, server: ReplayServer, path: str, query: dict[str, str]) -> Reply:
        if not path.endswith("/query"):
            return _json({"id": 5, "name": "Stations", "type": "Feature Layer", "maxRecordCount": self.max_record_count,
                          "fields": [{"name": n, "type": "esriFieldTypeString"} for n in ["OBJECTID", *self.fields]]})
        count = min(int(query.get("resultRecordCount", self.max_record_count)), self.max_record_count)
        start = int(query.get("resultOffset", 0))
        selected = [f for f in self.features if _touches(f, _box(query.get("geometry")))]
        page = selected[start:start + count]
        data: dict[str, Any] = {"type": "FeatureCollection", "features": page,
                                "crs": {"type": "name", "properties": {"name": "EPSG:28992"}}}
        if start + count < len(selected):
            data["properties"] = {"exceededTransferLimit": True}
        return _json(data, content_type="application/geo+json")


class ReplayServer:
    """Routes ``/{host}/{path}`` prefixes to services; 404 for everything else."""

    def __init__(self, max_requests: int = 20_000, lifetime_s: float = 300.0) -> None:
        self.routes: dict[str, Service] = {}
        self.log: list[tuple[str, dict[str, str], int]] = []
        self.lock = threading.Lock()
        self.max_requests = max_requests
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                path = parts.path.rstrip("/") or "/"
                prefix = max((p for p in replay.routes if path == p or path.startswith(p + "/")), key=len,
                             default=None)
                if prefix is None:
                    reply = Reply(404, {"Content-Type": "text/html"}, b"<html><body>404 page not found</body></html>")
                else:
                    try:
                        reply = replay.routes[prefix].handle(replay, path, query)
                    except Exception as error:  # noqa: BLE001 - a bug in a test service: answer 500, say why
                        reply = Reply(500, {"Content-Type": "text/plain"}, repr(error).encode())
                with replay.lock:
                    replay.log.append((path, query, reply.status))
                    too_many = len(replay.log) >= replay.max_requests
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
                if too_many:
                    threading.Thread(target=replay.close, daemon=True).start()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self._timer = threading.Timer(lifetime_s, self.close)
        self._timer.daemon = True
        self._timer.start()
        self._closed = False

    def mount(self, real_url: str, service: Service) -> str:
        """Serve ``service`` where ``real_url`` (https://HOST/PATH) is mirrored; returns that URL here."""
        parts = urlsplit(real_url)
        prefix = "/" + parts.netloc + quote(parts.path.rstrip("/"))
        self.routes[prefix] = service
        return self.url + prefix

    def unmount(self, real_url: str) -> None:
        parts = urlsplit(real_url)
        self.routes.pop("/" + parts.netloc + parts.path.rstrip("/"), None)

    def requests(self, fragment: str = "") -> list[tuple[str, dict[str, str], int]]:
        with self.lock:
            return [item for item in self.log if fragment in item[0]]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def wait_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
