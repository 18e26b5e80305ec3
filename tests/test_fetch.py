"""``smr-siting fetch`` against a real HTTP server on 127.0.0.1 (this machine has no internet).

The server answers in the services' own formats — PDOK OGC API Features pages (``links`` rel=next
with a cursor, ``numberMatched``/``numberReturned``, ``Content-Crs``), WFS 2.0 GetFeature (GeoJSON
paged by ``startIndex``/``count``, and GML 3.2), an ArcGIS FeatureServer ``/query`` and a plain
GeoPackage download — built from REAL features of ``../shared/data/nl`` (read in place): Natura 2000
sites around Arnhem and Ede, the CBS municipal and province boundaries and the HV substations.
Faults are injected per request: HTTP 500, a time-out, a truncated body, a wrong or missing CRS, a
server that ignores the bbox, an empty collection, a cancel halfway.  Every case ends in a complete
cache or a clear message, and an earlier complete cache file is never damaged (hashed before and
after).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

import fiona
import geopandas as gpd
import pytest
import yaml
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.ops import transform

from smr_siting.cli import fetch as cli_fetch
from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.data.layers import LayerStore
from smr_siting.core.data.provenance import read_provenance, read_requests
from smr_siting.core.fetch import (
    FetchError,
    FetchOptions,
    Http,
    LayerFetcher,
    cache_file_name,
    fetchable_ids,
    service_spec,
)
from smr_siting.core.model.errors import RunCancelled
from smr_siting.core.model.progress import RunContext

ROOT = Path(__file__).resolve().parents[1]
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
#: the box the unit cases request: 5 of the 6 small Natura 2000 sites below reach into it (not Brummen)
UNIT_BOX = (150000.0, 440000.0, 175000.0, 476000.0)
SMALL_SITES = ("Eemmeer & Gooimeer Zuidoever", "Arkemheen", "Landgoederen Brummen", "Kolland & Overlangbroek",
               "Binnenveld", "Veluwerandmeren")


# --------------------------------------------------------------------------- the test server


@dataclass
class Req:
    path: str
    query: dict[str, str]
    number: int  # 1-based count of requests to this route
    base: str    # http://127.0.0.1:PORT


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Callable[[Req], Reply]] = {}
        self.counts: dict[str, int] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                prefix = max((p for p in server.routes if parts.path.startswith(p)), key=len, default=None)
                with server.lock:
                    server.log.append((parts.path, query))
                    if prefix is not None:
                        server.counts[prefix] = server.counts.get(prefix, 0) + 1
                        number = server.counts[prefix]
                if prefix is None:
                    reply = Reply(404, {"Content-Type": "application/json"}, b'{"code": "NotFound"}')
                else:
                    reply = server.routes[prefix](Req(parts.path, query, number, server.url))
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a time-out case)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def route(self, prefix: str, handler: Callable[[Req], Reply]) -> str:
        self.routes[prefix] = handler
        self.counts.pop(prefix, None)
        return self.url + prefix

    def requests(self, prefix: str) -> list[tuple[str, dict[str, str]]]:
        with self.lock:
            return [item for item in self.log if item[0].startswith(prefix)]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    running = Server()
    yield running
    running.close()


# --------------------------------------------------------------------------- real features


def _features(gdf: gpd.GeoDataFrame) -> list[dict]:
    return json.loads(gdf.to_json(na="null"))["features"]


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, Any]:
    """Real features, read in place from ../shared/data/nl."""
    natura = gpd.read_file(shared_data / "nl_natura2000.gpkg", layer="natura2000",
                           bbox=(135000, 414000, 224000, 493000))
    boundaries = shared_data / "nl_gemeenten_2022_cbs_generalised.gpkg"
    municipalities = gpd.read_file(boundaries, layer="gemeenten_2022")
    provinces = gpd.read_file(boundaries, layer="provincies_dissolved_from_gemeenten_2022")
    nodes = gpd.read_file(shared_data / "nl_hv_grid_osm2016_schematic.gpkg", layer="nodes")
    # as the services name the attributes (BRK Bestuurlijke Gebieden): the fetcher maps them back
    # BRK: `identificatie` holds 'GM0344' / 'PV21', `code` the bare number
    brk_municipalities = municipalities.rename(columns={"statnaam": "naam", "statcode": "identificatie",
                                                        "prov_naam": "ligt_in_provincie_naam",
                                                        "prov_code": "ligt_in_provincie_code"})
    brk_municipalities["code"] = brk_municipalities["identificatie"].str[2:]
    brk_municipalities = brk_municipalities[["code", "identificatie", "naam", "ligt_in_provincie_code",
                                             "ligt_in_provincie_naam", "geometry"]]
    brk_provinces = provinces.rename(columns={"prov_naam": "naam", "prov_code": "identificatie"})
    brk_provinces["code"] = brk_provinces["identificatie"].str[2:]
    brk_provinces = brk_provinces[["code", "identificatie", "naam", "geometry"]]
    stations = nodes[nodes["typ"] == "substation"][["name", "voltage", "operator", "geometry"]].copy()
    # as TenneT's layer spells it: 'SPANNINGSNIVEAU' text such as '150/380 kV'
    stations["SPANNINGSNIVEAU"] = [f"{v} kV" if v else None for v in
                                   stations["voltage"].fillna("").astype(str).str.replace(";", "/")
                                   .str.replace("000", "")]
    small = natura[natura["naam"].isin(SMALL_SITES)]
    return {"natura_all": _features(natura), "natura_small": _features(small),
            "municipalities": _features(brk_municipalities), "provinces": _features(brk_provinces),
            "stations": _features(stations), "small_gdf": small}


def _bounds(feature: dict) -> tuple[float, float, float, float]:
    return shape(feature["geometry"]).bounds


def _touches(feature: dict, bbox: tuple[float, ...] | None) -> bool:
    if bbox is None:
        return True
    minx, miny, maxx, maxy = _bounds(feature)
    return not (maxx < bbox[0] or minx > bbox[2] or maxy < bbox[1] or miny > bbox[3])


def _box_param(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    return tuple(float(v) for v in text.split(",")[:4])


def _json(data: Any) -> bytes:
    return json.dumps(data).encode("utf-8")


# --------------------------------------------------------------------------- service formats


def ogc_items(features: list[dict], collection: str, *, honour_bbox: bool = True, max_limit: int = 1000,
              crs_uri: str | None = RD_URI, convert: Callable[[dict], dict] | None = None,
              faults: Callable[[int], str | None] | None = None) -> Callable[[Req], Reply]:
    """PDOK OGC API Features /collections/{id}/items: cursor paging through links rel=next."""

    items = {"n": 0}

    def handle(req: Req) -> Reply:
        if req.path.endswith(f"/collections/{collection}"):  # the fetcher's first look: is it there?
            return Reply(200, {"Content-Type": "application/json"}, _json({"id": collection, "links": []}))
        items["n"] += 1
        fault = faults(items["n"]) if faults else None
        if fault == "500":
            return Reply(500, {"Content-Type": "application/problem+json"},
                         _json({"title": "Internal Server Error", "status": 500}))
        if not req.path.endswith(f"/collections/{collection}/items"):
            return Reply(404, {"Content-Type": "application/problem+json"}, _json({"detail": "no such collection"}))
        limit = min(int(req.query.get("limit", 10)), max_limit)
        start = int(base64.urlsafe_b64decode(req.query["cursor"]).decode()) if "cursor" in req.query else 0
        box = _box_param(req.query.get("bbox")) if honour_bbox else None
        selected = [f for f in features if _touches(f, box)]
        page = selected[start:start + limit]
        if convert:
            page = [convert(f) for f in page]
        here = f"{req.base}{req.path}"
        links = [{"rel": "self", "type": "application/geo+json", "title": "This document as GeoJSON",
                  "href": here + "?" + urlencode(req.query)}]
        if start + limit < len(selected):
            query = dict(req.query, cursor=base64.urlsafe_b64encode(str(start + limit).encode()).decode())
            links.append({"rel": "next", "type": "application/geo+json", "title": "Next page",
                          "href": here + "?" + urlencode(query)})
        body = _json({"type": "FeatureCollection", "timeStamp": "2026-05-01T10:00:00Z", "links": links,
                      "numberReturned": len(page), "numberMatched": len(selected), "features": page})
        headers = {"Content-Type": "application/geo+json"}
        if crs_uri:
            headers["Content-Crs"] = f"<{crs_uri}>"
        reply = Reply(200, headers, body)
        if fault == "sleep":
            reply.delay = 1.5
        elif fault == "truncate":
            reply.body = body[: len(body) // 2]
        return reply

    return handle


def _capabilities(typename: str) -> Reply:
    xml = ('<?xml version="1.0" encoding="UTF-8"?><WFS_Capabilities xmlns="http://www.opengis.net/wfs/2.0" '
           'version="2.0.0"><FeatureTypeList><FeatureType><Name>' + typename + '</Name></FeatureType>'
           '</FeatureTypeList></WFS_Capabilities>')
    return Reply(200, {"Content-Type": "text/xml"}, xml.encode())


def _hits(n: int) -> Reply:
    xml = (f'<?xml version="1.0"?><wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" '
           f'numberMatched="{n}" numberReturned="0"/>')
    return Reply(200, {"Content-Type": "text/xml"}, xml.encode())


def wfs_geojson(features: list[dict], typename: str, *, max_count: int = 1000) -> Callable[[Req], Reply]:
    """WFS 2.0 GetFeature, GeoJSON output (GeoServer style: crs member, numberMatched)."""

    def handle(req: Req) -> Reply:
        query = {k.lower(): v for k, v in req.query.items()}
        if query.get("request") == "GetCapabilities":
            return _capabilities(typename)
        assert query["service"] == "WFS" and query["version"] == "2.0.0" and query["request"] == "GetFeature"
        if query.get("resulttype") == "hits":
            return _hits(len([f for f in features if _touches(f, _box_param(query.get("bbox")))]))
        assert query["typenames"] == typename and query["srsname"] == "EPSG:28992"
        count = min(int(query.get("count", 1000)), max_count)
        start = int(query.get("startindex", 0))
        box = _box_param(query.get("bbox"))
        assert query.get("bbox", "").endswith(",EPSG:28992")
        selected = [f for f in features if _touches(f, box)]
        page = selected[start:start + count]
        body = _json({"type": "FeatureCollection", "name": typename.split(":")[-1],
                      "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                      "numberMatched": len(selected), "numberReturned": len(page), "features": page})
        return Reply(200, {"Content-Type": "application/json; subtype=geojson"}, body)

    return handle


def _gml_geometry(geometry: Any, gid: str) -> str:
    srs = "urn:ogc:def:crs:EPSG::28992"

    def pos(coords: Any) -> str:
        return " ".join(f"{x:.3f} {y:.3f}" for x, y in coords)

    if geometry.geom_type == "Point":
        return f'<gml:Point gml:id="{gid}" srsName="{srs}"><gml:pos>{geometry.x:.3f} {geometry.y:.3f}</gml:pos></gml:Point>'
    polygons = list(geometry.geoms) if geometry.geom_type == "MultiPolygon" else [geometry]
    members = []
    for i, polygon in enumerate(polygons):
        rings = f"<gml:exterior><gml:LinearRing><gml:posList>{pos(polygon.exterior.coords)}</gml:posList>" \
                "</gml:LinearRing></gml:exterior>"
        rings += "".join(f"<gml:interior><gml:LinearRing><gml:posList>{pos(r.coords)}</gml:posList></gml:LinearRing>"
                         "</gml:interior>" for r in polygon.interiors)
        members.append(f'<gml:surfaceMember><gml:Polygon gml:id="{gid}.{i}">{rings}</gml:Polygon></gml:surfaceMember>')
    return f'<gml:MultiSurface gml:id="{gid}" srsName="{srs}">{"".join(members)}</gml:MultiSurface>'


def wfs_gml(features: list[dict], typename: str, *, max_count: int = 1000) -> Callable[[Req], Reply]:
    """WFS 2.0 GetFeature answering GML 3.2 (a FeatureCollection with wfs:member and a 'next' URL)."""
    prefix, name = typename.split(":")

    def handle(req: Req) -> Reply:
        query = {k.lower(): v for k, v in req.query.items()}
        if query.get("request") == "GetCapabilities":
            return _capabilities(typename)
        if query.get("resulttype") == "hits":
            return _hits(len([f for f in features if _touches(f, _box_param(query.get("bbox")))]))
        count = min(int(query.get("count", 1000)), max_count)
        start = int(query.get("startindex", 0))
        box = _box_param(query.get("bbox"))
        selected = [f for f in features if _touches(f, box)]
        page = selected[start:start + count]
        members = []
        for i, feature in enumerate(page, start=start):
            props = "".join(f"<{prefix}:{k}>{escape(str(v))}</{prefix}:{k}>" for k, v in feature["properties"].items()
                            if v is not None and k in ("naam", "gebiedsnummer", "richtlijn", "status"))
            geometry = _gml_geometry(shape(feature["geometry"]), f"g{i}")
            members.append(f'<wfs:member><{prefix}:{name} gml:id="{name}.{i}">{props}<{prefix}:geom>{geometry}'
                           f"</{prefix}:geom></{prefix}:{name}></wfs:member>")
        next_attr = ""
        if start + count < len(selected):
            nxt = dict(req.query, startIndex=str(start + count))
            next_attr = f' next="{req.base}{req.path}?{urlencode(nxt).replace("&", "&amp;")}"'
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" '
               'xmlns:gml="http://www.opengis.net/gml/3.2" '
               f'xmlns:{prefix}="http://{prefix}.geonovum.nl" '
               f'numberMatched="{len(selected)}" numberReturned="{len(page)}" '
               f'timeStamp="2026-05-01T10:00:00Z"{next_attr}>'
               + "".join(members) + "</wfs:FeatureCollection>")
        return Reply(200, {"Content-Type": "application/gml+xml; version=3.2"}, xml.encode("utf-8"))

    return handle


def arcgis_query(features: list[dict], *, max_count: int = 1000) -> Callable[[Req], Reply]:
    """ArcGIS FeatureServer layer /query with f=geojson, resultOffset paging, exceededTransferLimit."""

    def handle(req: Req) -> Reply:
        if not req.path.endswith("/query"):
            return Reply(200, {"Content-Type": "application/json"}, _json({"id": 5, "name": "Stations"}))
        assert req.query["f"] == "geojson" and req.query["outSR"] == "28992"
        count = min(int(req.query.get("resultRecordCount", 1000)), max_count)
        start = int(req.query.get("resultOffset", 0))
        box = _box_param(req.query.get("geometry"))
        selected = [f for f in features if _touches(f, box)]
        page = selected[start:start + count]
        data: dict[str, Any] = {"type": "FeatureCollection",
                                "crs": {"type": "name", "properties": {"name": "EPSG:28992"}}, "features": page}
        if start + count < len(selected):
            data["properties"] = {"exceededTransferLimit": True}
        return Reply(200, {"Content-Type": "application/geo+json"}, _json(data))

    return handle


def faults_on(*numbers: int, kind: str, always: bool = False) -> Callable[[int], str | None]:
    return lambda n: kind if always or n in numbers else None


# --------------------------------------------------------------------------- helpers


def _options(**changes: Any) -> FetchOptions:
    values = {"timeout_s": 5.0, "retries": 2, "backoff_s": 0.01, "max_backoff_s": 0.05, "page_size": 1000}
    values.update(changes)
    return FetchOptions(**values)


def fetch_layer(layer_id: str, override: str, cache: Path, bbox: tuple[float, ...] | None = UNIT_BOX,
                ctx: RunContext | None = None, **options: Any):
    entry = load_catalogue()[layer_id]
    ctx = ctx or RunContext()
    opts = _options(**options)
    return LayerFetcher(service_spec(entry, override), cache, bbox, opts, ctx, Http(opts, ctx)).run()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names(path: Path, layer: str) -> list[str]:
    with fiona.open(path, layer=layer) as source:
        return sorted(str(f["properties"]["naam"]) for f in source)


def _leftovers(cache: Path) -> list[str]:
    """Temporary files a run must never leave in the cache (the hidden .partial folder is separate)."""
    return sorted(p.name for p in cache.iterdir() if p.name.startswith(".") and p.name != ".partial")


def _small(real: dict, bbox: tuple[float, ...] = UNIT_BOX) -> list[str]:
    return sorted(f["properties"]["naam"] for f in real["natura_small"] if _touches(f, bbox))


@pytest.fixture()
def earlier_cache(server, real, tmp_path) -> tuple[Path, Path, str]:
    """A cache holding a complete natura2000 layer from an earlier run (hashed)."""
    url = server.route(f"/{tmp_path.name}/earlier", ogc_items(real["natura_small"], "natura2000"))
    cache = tmp_path / "cache"
    report = fetch_layer("natura2000", url, cache)
    assert report.status == "fetched" and report.features == 5
    target = cache / "cache_natura2000.gpkg"
    return cache, target, _sha(target)


# --------------------------------------------------------------------------- the protocols


def test_ogc_api_follows_next_links_into_a_cache_the_engine_reads(server, real, tmp_path) -> None:
    prefix = f"/{tmp_path.name}/ogc"
    url = server.route(prefix, ogc_items(real["natura_small"], "natura2000", max_limit=2))
    cache = tmp_path / "cache"
    report = fetch_layer("natura2000", url, cache)
    expected = _small(real)
    assert report.status == "fetched" and report.features == len(expected) == 5 and report.pages == 3
    target = cache / "cache_natura2000.gpkg"
    assert target.name == cache_file_name(load_catalogue()["natura2000"])
    assert set(fiona.listlayers(target)) == {"natura2000", "provenance", "provenance_requests"}
    assert _names(target, "natura2000") == expected
    requests = server.requests(prefix + "/collections/natura2000/items")
    first = requests[0][1]
    assert first["bbox"] == "150000,440000,175000,476000" and first["bbox-crs"] == RD_URI and first["crs"] == RD_URI
    assert first["limit"] == "1000" and "cursor" not in first and all("cursor" in q for _p, q in requests[1:])
    # the geometry arrives unchanged (EPSG:28992 in, EPSG:28992 out)
    written = gpd.read_file(target, layer="natura2000").set_index("naam")
    source = real["small_gdf"].set_index("naam")
    for name in expected:
        assert written.geometry[name].symmetric_difference(source.geometry[name]).area < 1.0
    assert written.crs.to_epsg() == 28992
    # provenance: one complete row, one row per request
    rows = read_provenance(target, "natura2000")
    assert len(rows) == 1
    row = rows[0]
    assert row["features"] == 5 and row["pages"] == 3 and row["complete"] == 1
    assert row["service_kind"] == "ogc-api-features" and row["service_url"] == url
    assert row["request"].startswith(url + "/collections/natura2000/items?")
    assert row["bbox"] == "150000,440000,175000,476000" and row["query"]["crs"] == "EPSG:28992"
    assert row["licence"].startswith("public domain") and row["owner"].startswith("RVO")
    pages = read_requests(target)
    assert [p["page"] for p in pages] == [1, 2, 3] and all(p["http_status"] == 200 for p in pages)
    assert row["sha256"] == hashlib.sha256("".join(p["sha256"] + "\n" for p in pages).encode()).hexdigest()
    assert sum(p["bytes"] for p in pages) == row["bytes"]
    assert not (cache / ".partial").exists() and _leftovers(cache) == []
    # the cache is a data folder: the engine finds the layer under its catalogue name
    store = LayerStore(load_catalogue(), cache, {})
    assert store.locate("natura2000")[0].path == target
    assert len(store.vector("natura2000", UNIT_BOX)) == 5
    # a second run for the same box asks the service nothing
    again = fetch_layer("natura2000", url, cache)
    assert again.status == "up to date" and again.features == 5
    assert len(server.requests(prefix + "/collections/natura2000/items")) == len(requests)


def test_wfs_geojson_pages_with_startindex_and_count(server, real, tmp_path) -> None:
    prefix = f"/{tmp_path.name}/wfs"
    url = server.route(prefix, wfs_geojson(real["natura_small"], "natura2000:natura2000", max_count=2))
    cache = tmp_path / "cache"
    report = fetch_layer("natura2000", f"wfs:{url}", cache)
    assert report.status == "fetched" and report.features == 5
    starts = [int(q["startIndex"]) for _p, q in server.requests(prefix) if "startIndex" in q]
    assert starts == [0, 2, 4, 5]  # the server returned fewer than count=1000: paged on until an empty page
    assert _names(cache / "cache_natura2000.gpkg", "natura2000") == _small(real)
    row = read_provenance(cache / "cache_natura2000.gpkg")[0]
    assert row["service_kind"] == "wfs" and row["collection"] == "natura2000:natura2000"
    assert "EPSG:28992" in row["crs_received"]


def test_wfs_gml32_answer_is_read_through_ogr(server, real, tmp_path) -> None:
    prefix = f"/{tmp_path.name}/gml"
    url = server.route(prefix, wfs_gml(real["natura_small"], "natura2000:natura2000", max_count=3))
    cache = tmp_path / "cache"
    report = fetch_layer("natura2000", f"wfs:{url}", cache)
    assert report.status == "fetched" and report.features == 5 and report.pages == 3  # 3 + 2 + the empty page
    target = cache / "cache_natura2000.gpkg"
    assert _names(target, "natura2000") == _small(real)
    written = gpd.read_file(target, layer="natura2000").set_index("naam")
    source = real["small_gdf"].set_index("naam")
    for name in _small(real):
        assert written.geometry[name].area == pytest.approx(source.geometry[name].area, rel=1e-6)  # mm in GML
    assert "GML" in read_provenance(target)[0]["crs_received"]
    assert not any(cache.rglob("*.gml")) and not any(cache.rglob("*.gfs"))


def test_geopackage_download_is_cut_to_the_box(server, real, tmp_path) -> None:
    package = tmp_path / "natura2000.gpkg"
    real["small_gdf"].to_file(package, layer="natura2000", driver="GPKG")
    data = package.read_bytes()
    prefix = f"/{tmp_path.name}/atom"
    url = server.route(prefix, lambda req: Reply(200, {"Content-Type": "application/geopackage+sqlite3"}, data))
    cache = tmp_path / "cache"
    report = fetch_layer("natura2000", f"download:{url}/natura2000.gpkg", cache)
    assert report.status == "fetched" and report.features == 5
    assert _names(cache / "cache_natura2000.gpkg", "natura2000") == _small(real)
    pages = read_requests(cache / "cache_natura2000.gpkg")
    assert pages[0]["sha256"] == hashlib.sha256(data).hexdigest() and pages[0]["bytes"] == len(data)


# --------------------------------------------------------------------------- faults


def _lat_lon(feature: dict) -> dict:
    """The feature in EPSG:4326, coordinates in the CRS's own (lat, lon) order, as OGC API Part 2 serves it."""
    to_wgs84 = Transformer.from_crs(28992, 4326)  # authority order: (lat, lon)
    return dict(feature, geometry=mapping(transform(to_wgs84.transform, shape(feature["geometry"]))))


def _lon_lat(feature: dict) -> dict:
    to_wgs84 = Transformer.from_crs(28992, 4326, always_xy=True)
    return dict(feature, geometry=mapping(transform(to_wgs84.transform, shape(feature["geometry"]))))


CASES = {
    # name: (route options, expected outcome, fragment of the note or message)
    "http 500, then success": ({"faults": faults_on(1, kind="500")}, "fetched", "needed 2 attempts"),
    "time-out, then success": ({"faults": faults_on(1, kind="sleep")}, "fetched", "answer within 0.5 s"),
    "truncated JSON, then success": ({"faults": faults_on(2, kind="truncate"), "max_limit": 3}, "fetched",
                                     "does not parse"),
    "HTTP 500 every time": ({"faults": faults_on(kind="500", always=True)}, "failed", "HTTP 500"),
    "truncated JSON every time": ({"faults": faults_on(kind="truncate", always=True)}, "failed", "truncated?"),
    "EPSG:4326 declared (lat, lon)": ({"crs_uri": "http://www.opengis.net/def/crs/EPSG/0/4326", "convert": _lat_lon},
                                      "fetched", "reprojected to EPSG:28992"),
    "no CRS declared, degrees": ({"crs_uri": None, "convert": _lon_lat}, "failed", "refusing to guess"),
    "server ignores the bbox": ({"honour_bbox": False}, "fetched", "1 feature(s) outside the requested box"),
    "empty collection": ({"empty": True}, "fetched", "NO FEATURES in the requested box"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_fault_ends_complete_or_clear_and_the_earlier_cache_survives(case, server, real, earlier_cache,
                                                                            tmp_path) -> None:
    cache, target, before = earlier_cache
    options, outcome, fragment = CASES[case]
    options = dict(options)
    features = [] if options.pop("empty", False) else real["natura_small"]
    prefix = f"/{tmp_path.name}/fault"
    url = server.route(prefix, ogc_items(features, "natura2000", **options))
    ctx = RunContext()
    if outcome == "fetched":
        report = fetch_layer("natura2000", url, cache, ctx=ctx, refresh=True, timeout_s=0.5)
        assert report.status == "fetched"
        rows = read_provenance(target)
        assert len(rows) == 1 and rows[0]["service_url"] == url  # the new complete copy replaced the old one
        assert any(fragment in note for note in rows[0]["notes"]), rows[0]["notes"]
        assert any(fragment in notice for notice in ctx.notices)
        expected = [] if not features else _small(real)
        assert _names(target, "natura2000") == expected and report.features == len(expected)
        if case.startswith("EPSG:4326"):
            written = gpd.read_file(target, layer="natura2000").set_index("naam")
            source = real["small_gdf"].set_index("naam")
            for name in expected:  # back in RD: same area, same place (to the millimetre)
                assert written.geometry[name].area == pytest.approx(source.geometry[name].area, rel=1e-6)
                assert written.geometry[name].centroid.distance(source.geometry[name].centroid) < 0.001
        assert not (cache / ".partial").exists()
    else:
        with pytest.raises(FetchError) as raised:
            fetch_layer("natura2000", url, cache, ctx=ctx, refresh=True, timeout_s=0.5)
        message = str(raised.value)
        assert fragment in message and "\n" not in message, message
        assert _sha(target) == before  # the earlier complete copy is untouched
        assert read_provenance(target)[0]["features"] == 5
    assert _leftovers(cache) == []


def test_cancel_halfway_leaves_the_previous_layer_and_no_partial_file(server, real, earlier_cache, tmp_path) -> None:
    cache, target, before = earlier_cache
    prefix = f"/{tmp_path.name}/cancel"
    url = server.route(prefix, ogc_items(real["natura_small"], "natura2000", max_limit=2))
    ctx = RunContext(is_cancelled=lambda: len(server.requests(prefix)) >= 1)  # the user cancels after page 1
    with pytest.raises(RunCancelled):
        fetch_layer("natura2000", url, cache, ctx=ctx, refresh=True)
    assert len(server.requests(prefix)) == 1
    assert _sha(target) == before
    assert not (cache / ".partial").exists() and _leftovers(cache) == []


def test_a_failed_download_resumes_where_it_stopped(server, real, earlier_cache, tmp_path) -> None:
    cache, target, before = earlier_cache
    prefix = f"/{tmp_path.name}/resume"
    broken = {"on": True}
    url = server.route(prefix, ogc_items(real["natura_small"], "natura2000", max_limit=2,
                                         faults=lambda n: "500" if broken["on"] and n >= 2 else None))
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch_layer("natura2000", url, cache, refresh=True, retries=1)
    assert _sha(target) == before
    state = json.loads((cache / ".partial" / "natura2000" / "state.json").read_text(encoding="utf-8"))
    assert len(state["pages"]) == 1 and "cursor=" in state["next_url"]
    broken["on"] = False
    report = fetch_layer("natura2000", url, cache, refresh=True)
    assert report.status == "fetched" and report.features == 5 and report.pages == 3
    cursors = [q.get("cursor") for _p, q in server.requests(prefix + "/collections/natura2000/items")]
    assert cursors.count(None) == 1  # page 1 was not asked again
    assert any("resumed an interrupted download after page 1" in n for n in read_provenance(target)[0]["notes"])
    assert not (cache / ".partial").exists()


# --------------------------------------------------------------------------- the command line


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="smr-siting")
    sub = parser.add_subparsers(dest="command")
    cli_fetch.add_parser(sub)
    return parser.parse_args(["fetch", *argv])


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_fetch.run(_parse(*argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if not line.startswith("note:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("smr-siting: error: ") and "Traceback" not in err
    return lines[0]


def test_fetch_without_network_says_so_in_one_line(tmp_path) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/ogc"
    code, out, err = _run("--region", "Ede", "--layers", "natura2000", "--cache", str(tmp_path / "cache"),
                          "--base-url-override", f"provinces={dead}", "--base-url-override",
                          f"municipalities={dead}", "--timeout", "2", "--retries", "1", "--backoff", "0.01")
    assert code == 2, err
    line = _one_error_line(err)
    assert "cannot reach 127.0.0.1:" in line and "(no network?)" in line and "--offline" in line
    assert list((tmp_path / "cache").glob("*.gpkg")) == []


def test_fetch_from_the_real_pdok_without_internet_says_so(tmp_path) -> None:
    try:
        socket.getaddrinfo("api.pdok.nl", 443)
    except OSError:
        pass
    else:
        pytest.skip("this machine resolves api.pdok.nl: it has a network, the offline case cannot be shown")
    started = time.monotonic()
    code, _out, err = _run("--region", "Ede", "--cache", str(tmp_path / "cache"), "--timeout", "2")
    assert code == 2 and time.monotonic() - started < 10
    assert "cannot reach api.pdok.nl (no network?)" in _one_error_line(err)


def _fetch_wired() -> bool:
    done = subprocess.run([sys.executable, "-m", "smr_siting", "fetch", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    return done.returncode == 0 and "--base-url-override" in done.stdout


@pytest.mark.skipif(not _fetch_wired(), reason="'smr-siting fetch' is not wired into the command line")
def test_fetch_subcommand_without_network_exits_2_with_one_line(tmp_path) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/ogc"
    done = subprocess.run(
        [sys.executable, "-m", "smr_siting", "fetch", "--region", "Ede", "--layers", "natura2000", "--cache",
         str(tmp_path / "cache"), "--base-url-override", f"provinces={dead}", "--base-url-override",
         f"municipalities={dead}", "--timeout", "2", "--retries", "0"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "cannot reach 127.0.0.1:" in _one_error_line(done.stderr)


def _serve_region(server: Server, real: dict, prefix: str) -> list[str]:
    """Routes for the boundaries, Natura 2000 and the HV stations; returns the --base-url-override options."""
    routes = {
        "provinces": server.route(f"{prefix}/brk-p", ogc_items(real["provinces"], "provinciegebied", max_limit=1000)),
        "municipalities": server.route(f"{prefix}/brk-m", ogc_items(real["municipalities"], "gemeentegebied",
                                                                     max_limit=100)),
        "natura2000": server.route(f"{prefix}/n2k", ogc_items(real["natura_all"], "natura2000", max_limit=3)),
        "hv_stations_tennet": server.route(f"{prefix}/tennet/FeatureServer/5", arcgis_query(real["stations"],
                                                                                         max_count=1)),
    }
    options = []
    for layer_id, url in routes.items():
        options += ["--base-url-override", f"{layer_id}={url}"]
    return options


PROFILE = """\
name: fetched-test
title: Test profile on fetched layers only
version: 1
resolution: 250 m
basis:
  resolution: "assumption: coarse, for a quick test"
footprint:
  area: 10 ha
  shape: square
  basis: "assumption: as nl-default"
criteria:
  - id: outside_netherlands
    kind: zone_membership
    mode: inside
    title: Outside the Netherlands (no data)
    layers: [municipalities]
    basis: "Not a siting criterion: the layers describe the Netherlands only."
  - id: natura2000
    kind: exclude_inside
    title: Natura 2000 site
    layers: [natura2000]
    basis: "Natura 2000 sites are excluded in every siting study (../shared/CRITERIA.md)."
  - id: energy_demand
    kind: require_within
    title: Far from a high-voltage substation
    layers:
      - layer: hv_stations_tennet
        where:
          - {field: voltage_kv, op: ">=", value: 110}
        distance: 15 km
    basis:
      rule: "Government letters: no energy demand nearby excludes a location."
      distance: "assumption: 15 km; try 5-20 km (../shared/CRITERIA.md)"
"""


def test_screening_on_a_fetched_cache_lists_the_provenance_in_its_manifest(server, real, tmp_path) -> None:
    from smr_siting.core.exclusion.compute import ScreeningRequest
    from smr_siting.core.pipeline.screen import screen

    cache = tmp_path / "cache"
    overrides = _serve_region(server, real, f"/{tmp_path.name}")
    code, out, err = _run("--region", "Ede", "--layers", "natura2000,hv_stations_tennet", "--cache", str(cache),
                          "--retries", "1", "--backoff", "0.01", *overrides)
    assert code == 0, err
    for layer_id in ("provinces", "municipalities", "natura2000", "hv_stations_tennet"):
        assert f"{layer_id}" in out and (cache / f"cache_{layer_id}.gpkg").is_file()
    assert "Ede:" in out and "smr-siting screen --region Ede --data" in out
    pack = json.loads((cache / "PACK.json").read_text(encoding="utf-8"))
    assert pack["generator"] == "smr-siting fetch" and len(pack["box"]) == 4
    n2k_query = server.requests(f"/{tmp_path.name}/n2k/collections/natura2000/items")[0][1]
    assert n2k_query["bbox"] == ",".join(f"{v:.0f}" for v in pack["box"])  # Ede's bounds grown by 30 km
    assert "bbox" not in server.requests(f"/{tmp_path.name}/brk-m/collections/gemeentegebied/items")[0][1]
    # the boundaries came with BRK attribute names; the cache has the engine's
    with fiona.open(cache / "cache_municipalities.gpkg", layer="municipalities") as source:
        assert {"statnaam", "statcode", "prov_naam"} <= set(source.schema["properties"])
        assert len(source) == len(real["municipalities"])
    with fiona.open(cache / "cache_hv_stations_tennet.gpkg", layer="hv_stations_tennet") as source:
        rows = [f["properties"] for f in source]
        assert {r["typ"] for r in rows} == {"substation"}  # the catalogue's `set`
        for row in rows:  # voltage_kv: the highest number in SPANNINGSNIVEAU, which is kept
            numbers = [float(n) for n in (row["SPANNINGSNIVEAU"] or "").replace(" kV", "").split("/") if n]
            assert row["voltage_kv"] == (max(numbers) if numbers else None)
        assert any(r["voltage_kv"] and r["voltage_kv"] >= 150 for r in rows)

    # offline: the cache is found and its age told
    code, out_offline, err = _run("--region", "Ede", "--layers", "natura2000,hv_stations_tennet", "--cache", str(cache),
                                  "--offline")
    assert code == 0, err
    assert "natura2000" in out_offline and "cached" in out_offline and "s old" in out_offline
    code, _out, err = _run("--region", "Ede", "--layers", "surface_water", "--cache", str(cache), "--offline")
    assert code == 2 and "surface_water: not in the cache" in _one_error_line(err)

    # a second fetch is answered from the cache
    before = len(server.log)
    code, out_again, err = _run("--region", "Ede", "--layers", "natura2000,hv_stations_tennet", "--cache", str(cache),
                                *overrides)
    assert code == 0 and out_again.count("up to date") == 2 and len(server.log) == before, err

    profile = tmp_path / "fetched.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    result, written = screen(ScreeningRequest(region="Ede", profile=str(profile), data_dir=cache, resolution_m=250),
                             tmp_path / "out")
    assert result.region.name == "Ede" and result.totals()["excluded_km2"] > 0
    manifest = json.loads(written["manifest"].read_text(encoding="utf-8"))
    inputs = {i["layer_id"]: i for i in manifest["inputs"]}
    assert {"municipalities", "natura2000", "hv_stations_tennet", "provinces"} <= set(inputs)
    for layer_id, item in inputs.items():
        rows = item["provenance"]
        assert len(rows) == 1, layer_id
        row = rows[0]
        assert row["layer_id"] == layer_id and row["complete"] == 1 and row["features"] > 0
        assert row["service_url"].startswith(server.url) and len(row["sha256"]) == 64 and row["fetched_at"]
        assert item["path"].endswith(f"cache_{layer_id}.gpkg")
    # the manifest describes what was fetched, not the catalogue's local files
    assert inputs["natura2000"]["caveat"] == "" and "Waddenzee" not in json.dumps(manifest["caveats"])
    assert inputs["hv_stations_tennet"]["licence"].startswith("NOT VERIFIED")
    assert any(c.startswith("hv_stations_tennet: TenneT") for c in manifest["caveats"])


def test_a_screening_on_local_files_has_no_provenance_rows(shared_data, tmp_path) -> None:
    store = LayerStore(load_catalogue(), shared_data, {})
    store.vector("natura2000", UNIT_BOX)
    assert store.inputs()[0].provenance == []
    assert "Waddenzee" in store.inputs()[0].caveat


# --------------------------------------------------------------------------- the catalogue


def _profile_layer_uses() -> dict[str, set[str]]:
    uses: dict[str, set[str]] = {}
    for path in sorted((ROOT / "smr_siting" / "profiles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = data["name"]
        sections = [("", data.get("criteria") or []), ("scoring/", (data.get("scoring") or {}).get("criteria") or [])]
        for tag, criteria in sections:
            for criterion in criteria:
                for item in criterion.get("layers") or []:
                    options = item["one_of"] if isinstance(item, dict) and "one_of" in item else [item]
                    for option in options:
                        layer_id = option if isinstance(option, str) else option["layer"]
                        uses.setdefault(layer_id, set()).add(f"{name}/{tag}{criterion['id']}")
    return uses


def test_catalogue_names_every_profile_layer_with_owner_licence_and_service() -> None:
    raw = yaml.safe_load((ROOT / "layers" / "catalogue.yaml").read_text(encoding="utf-8"))["layers"]
    catalogue = load_catalogue()
    uses = _profile_layer_uses()
    assert uses, "no profile layers found"
    missing = sorted(set(uses) - set(raw))
    assert not missing, f"profiles name layers the catalogue lacks: {missing}"
    for layer_id, item in raw.items():
        where = f"layers/catalogue.yaml: {layer_id}"
        for key in ("title", "title_nl", "owner", "licence", "vintage", "geometry", "files", "used_by"):
            assert item.get(key) not in (None, ""), f"{where}: '{key}' is missing"
        service = item.get("service") or {}
        assert str(service.get("url", "")).startswith("https://"), f"{where}: no service URL"
        assert sorted(item["used_by"]) == sorted(uses.get(layer_id, ())), \
            f"{where}: used_by {item['used_by']} but the profiles use it in {sorted(uses.get(layer_id, ()))}"
    for layer_id in fetchable_ids(catalogue):
        entry = catalogue[layer_id]
        service = raw[layer_id]["service"]
        where = f"layers/catalogue.yaml: {layer_id}"
        for key in ("owner", "licence", "vintage", "names"):
            assert str(service.get(key) or "").strip(), f"{where}: service.{key} is missing"
        assert any(tag in service["names"] for tag in ("[docs", "[code", "[recorded")), f"{where}: say where"
        last = entry.files[-1]
        assert (last.file, last.layer) == (f"cache_{layer_id}.gpkg", layer_id), f"{where}: cache file not last"
        spec = service_spec(entry)
        assert spec.kind in ("ogc-api-features", "wfs", "arcgis-featureserver", "download")
    for new in ("flood_risk_zones", "seveso_installations", "industrial_estates", "population_grid_100m",
                "population_grid_500m", "built_up_areas", "surface_water", "hv_stations_tennet",
                "population_centre_areas"):
        assert new in fetchable_ids(catalogue), new
    assert "FALLBACK GEOMETRY" in catalogue["hyperscale_zones"].caveat
    assert "hyperscale_zones" not in fetchable_ids(catalogue)


def test_layers_without_a_feature_service_are_refused_by_name(tmp_path) -> None:
    code, _out, err = _run("--region", "Ede", "--layers", "power_plants", "--cache", str(tmp_path / "c"))
    assert code == 2 and "layer 'power_plants' cannot be fetched" in _one_error_line(err)
    code, _out, err = _run("--region", "Ede", "--layers", "natura200", "--cache", str(tmp_path / "c"))
    assert code == 2 and "Did you mean 'natura2000'?" in _one_error_line(err)


# --------------------------------------------------------------------------- QGIS Processing


@pytest.mark.qgis
def test_processing_algorithm_fetches_into_a_cache(server, real, tmp_path, qgis_app) -> None:
    """smr_siting:fetchlayers, run directly (the provider registers it once the lead wires it in)."""
    pytest.importorskip("qgis.core")
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

    from smr_siting.processing.fetch_algorithm import FetchLayersAlgorithm

    algorithm = FetchLayersAlgorithm()
    algorithm.initAlgorithm()
    names = {p.name() for p in algorithm.parameterDefinitions()}
    assert {"REGION", "LAYERS", "CACHE", "OFFLINE"} <= names
    assert algorithm.parameterDefinition("LAYERS").options() == fetchable_ids(load_catalogue())
    overrides = _serve_region(server, real, f"/{tmp_path.name}")
    services = ";".join(overrides[1::2])
    cache = tmp_path / "cache"
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    params = {"REGION": "Ede", "LAYERS": ["natura2000"], "OFFLINE": False, "SERVICES": services, "CACHE": str(cache),
              "RETRIES": 1}
    result = algorithm.processAlgorithm(params, context, feedback)
    assert result["CACHE"] == str(cache) and result["FETCHED"] == 3  # the boundaries, then natura2000
    assert read_provenance(cache / "cache_natura2000.gpkg")[0]["features"] > 0
    with pytest.raises(QgsProcessingException, match="could not be fetched: surface_water"):
        algorithm.processAlgorithm({**params, "OFFLINE": True, "LAYERS": ["surface_water"]}, context, feedback)
