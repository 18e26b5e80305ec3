"""WFS 2.0: ``GetFeature`` with ``typeNames``, ``srsName=EPSG:28992``, ``bbox=…,EPSG:28992``, ``count`` +
``startIndex`` paging; GeoJSON, or GML 3.2 read through OGR; the total from ``resultType=hits``, the page
cap from the capabilities' ``CountDefault``."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..model.i18n import _
from ..model.progress import RunContext
from .client import Response, _Transient
from .pages import Page, _fmt, _int, _json_page, _query_value, _with_query, geometry_bounds
from .spec import FetchError, ServiceSpec

#: what a GetFeature asks for: GeoJSON, else GML
ACCEPT = "application/json, application/geo+json;q=0.9, application/gml+xml;q=0.5, */*;q=0.1"

def _wfs_json_page(response: Response, label: str, ctx: RunContext | None = None) -> Page:
    page, data = _json_page(response, label, ctx)
    # numberMatched on a PDOK (MapServer) page is a running total: recorded, never used to stop
    page.number_matched = _int(data.get("numberMatched"))
    return page


def _gml_root(head: str) -> dict[str, str]:
    root = re.search(r"<(?:\w+:)?FeatureCollection\b([^>]*)>", head, re.S)
    if root is None:
        return {}
    return dict(re.findall(r'([\w:]+)="([^"]*)"', root.group(1)))


def _gml_page(response: Response, label: str, work: Path) -> Page:
    """A WFS 2.0 GML 3.2 FeatureCollection, read through OGR from its file (streamed)."""
    head = response.head(16384).decode("utf-8", "replace")
    if "ExceptionReport" in head:
        match = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</", head, re.S)
        text = " ".join(match.group(1).split())[:200] if match else head[:200]
        raise FetchError(_("{label}: the WFS reports an exception: {text}").format(label=label, text=text),
                         _("Check the typeName and parameters in layers/catalogue.yaml"))
    attributes = _gml_root(head)
    if not attributes and "FeatureCollection" not in head:
        raise _Transient(_("the GML answer has no FeatureCollection ({n} bytes; truncated?)").format(n=response.size))
    matched = _int(attributes.get("numberMatched"))
    import fiona
    from pyproj import CRS

    path = work / "response.gml"
    if response.path != path:
        shutil.copyfile(response.path, path)
    crs = None
    crs_label = ""
    count = 0
    box = [math.inf, math.inf, -math.inf, -math.inf]
    try:
        with fiona.Env(GML_DOWNLOAD_WFS_SCHEMA="NO", GML_SKIP_RESOLVE_ELEMS="ALL"):
            layers = fiona.listlayers(str(path)) if _int(attributes.get("numberReturned")) != 0 else []
            for layer in layers:
                with fiona.open(str(path), layer=layer) as source:
                    if source.crs_wkt and crs is None:
                        crs = CRS.from_wkt(source.crs_wkt)
                        authority = crs.to_authority(min_confidence=90)
                        crs_label = (f"{authority[0]}:{authority[1]}" if authority else crs.name) + " (GML srsName)"
                    for item in source:
                        count += 1
                        geometry = item["geometry"]
                        if geometry:
                            geometry_bounds({"type": geometry["type"], "coordinates": geometry["coordinates"]}
                                            if "coordinates" in geometry else None, box)
    except Exception as error:  # noqa: BLE001 - OGR: malformed or truncated XML
        for leftover in work.glob("response.*"):
            leftover.unlink()
        raise _Transient(_("the GML answer does not parse ({error})").format(error=str(error)[:120])) from None

    def features() -> Iterator[dict]:
        from shapely.geometry import mapping, shape

        try:
            with fiona.Env(GML_DOWNLOAD_WFS_SCHEMA="NO", GML_SKIP_RESOLVE_ELEMS="ALL"):
                for layer in layers:
                    with fiona.open(str(path), layer=layer) as source:
                        for item in source:
                            geometry = item["geometry"]
                            yield {"type": "Feature", "id": item.get("id"),
                                   "geometry": mapping(shape(geometry)) if geometry else None,
                                   "properties": dict(item["properties"])}
        finally:
            for leftover in work.glob("response.*"):
                leftover.unlink()

    bounds = tuple(box) if math.isfinite(box[0]) else None
    return Page(features, count, bounds, crs, crs_label, False, None, matched)  # type: ignore[arg-type]


def hits_url(spec: ServiceSpec, bbox: tuple[float, float, float, float] | None, url: str) -> str:
    """WFS 2.0 ``resultType=hits``: the total number of features, without any."""
    query: dict[str, Any] = {"service": "WFS", "version": "2.0.0", "request": "GetFeature",
                             "typeNames": spec.collection, "resultType": "hits", "srsName": "EPSG:28992"}
    if bbox is not None:
        query["bbox"] = ",".join(_fmt(v) for v in bbox) + ",EPSG:28992"
    query.update(spec.params)
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(query, safe=",:/")


def capabilities_url(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "service=WFS&version=2.0.0&request=GetCapabilities"


@dataclass(frozen=True)
class WfsCapabilities:
    type_names: tuple[str, ...]
    count_default: int | None
    paging_transaction_safe: bool | None
    output_formats: tuple[str, ...]


def parse_capabilities(text: str) -> WfsCapabilities:
    """The parts of a WFS 2.0 GetCapabilities the fetcher uses (names, CountDefault, formats)."""
    names = tuple(re.findall(r"<(?:\w+:)?FeatureType\b.*?<(?:\w+:)?Name>\s*([^<\s]+)\s*</", text, re.S))

    def constraint(name: str) -> str | None:
        match = re.search(r'<(?:\w+:)?Constraint\s+name="' + name + r'"\s*>.*?<(?:\w+:)?DefaultValue>\s*([^<]*?)\s*<',
                          text, re.S)
        return match.group(1) if match else None

    count = _int(constraint("CountDefault"))
    safe = constraint("PagingIsTransactionSafe")
    formats = tuple(sorted(set(re.findall(r"<(?:\w+:)?Format>\s*([^<]+?)\s*</", text))))
    return WfsCapabilities(names, count if count and count > 0 else None,
                           None if safe is None else safe.strip().upper() == "TRUE", formats)


def first_request(spec: ServiceSpec, service: str, box: str | None, page_size: int) -> tuple[str, dict[str, Any]]:
    """The first page's address and query (the box as ``minx,miny,maxx,maxy`` text)."""
    query: dict[str, Any] = {"service": "WFS", "version": "2.0.0", "request": "GetFeature",
                             "typeNames": spec.collection, "srsName": "EPSG:28992", "count": page_size,
                             "startIndex": 0}
    if spec.sort_by:
        query["sortBy"] = spec.sort_by
    if spec.output_format.lower() != "gml":
        query["outputFormat"] = "application/json"
    if box:
        query["bbox"] = box + ",EPSG:28992"
    return service, query


def feature_page(response: Response, label: str, ctx: RunContext | None, work: Path) -> Page:
    """A GetFeature answer: GML (moved to ``work``/response.gml and read through OGR) or GeoJSON."""
    if response.head(256).lstrip()[:1] == b"<":
        gml = work / "response.gml"
        os.replace(response.path, gml)
        response.path = gml
        return _gml_page(response, label, work)
    return _wfs_json_page(response, label, ctx)


def probe_info(text: str, spec: ServiceSpec, label: str) -> dict:
    """The page cap (CountDefault) from a GetCapabilities answer, which must offer the layer's typeName."""
    if "<" not in text[:200]:
        raise FetchError(_("{layer}: the GetCapabilities answer is not XML").format(layer=label),
                         _("Check service.url in layers/catalogue.yaml"))
    caps = parse_capabilities(text)
    if caps.type_names and spec.collection not in caps.type_names:
        raise FetchError(_("{layer}: the WFS does not offer typeName {name!r} (it offers {names})").format(
            layer=label, name=spec.collection, names=", ".join(caps.type_names[:10])),
            _("Correct service.typename in layers/catalogue.yaml"))
    return {"page_cap": caps.count_default, "cap_source": "CountDefault"}


def parse_hits(response: Response) -> int | None:
    """``numberMatched`` of a ``resultType=hits`` answer (GML or JSON), None when it has none."""
    head = response.head(4096).decode("utf-8", "replace")
    matched = _int(_gml_root(head).get("numberMatched"))
    if matched is None:
        try:
            matched = _int(json.loads(response.body.decode("utf-8")).get("numberMatched"))
        except (ValueError, AttributeError):
            matched = None
    return matched


def next_url(url: str, page: Page) -> str | None:
    """The next page: PDOK's MapServer caps a page whatever ``count`` asks and its numberMatched is a
    running total, so step by what came and stop only at an empty page."""
    if page.count == 0:
        return None
    start = _int(_query_value(url, "startIndex")) or 0
    return _with_query(url, startIndex=start + page.count)
