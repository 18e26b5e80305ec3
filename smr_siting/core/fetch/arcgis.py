"""ArcGIS FeatureServer: ``/query`` with an envelope, ``outSR=28992``, ``f=geojson``, ``resultOffset`` paging
while the answer says ``exceededTransferLimit``; the page cap from the layer's ``maxRecordCount``."""

from __future__ import annotations

from typing import Any, Mapping

from ..model.progress import RunContext
from .client import Response
from .pages import Page, _int, _json_page, _query_value, _with_query
from .spec import NotFound, ServiceSpec


def _arcgis_page(response: Response, label: str, ctx: RunContext | None = None) -> Page:
    page, data = _json_page(response, label, ctx)
    page.exceeded = bool(data.get("exceededTransferLimit")
                         or (data.get("properties") or {}).get("exceededTransferLimit"))
    return page


def first_request(spec: ServiceSpec, service: str, box: str | None, page_size: int) -> tuple[str, dict[str, Any]]:
    """The first page's address and query (the box as ``minx,miny,maxx,maxy`` text)."""
    base = service.rstrip("/") + "/query"
    query: dict[str, Any] = {"where": "1=1", "outFields": "*", "returnGeometry": "true", "f": "geojson",
                             "outSR": 28992, "resultOffset": 0, "resultRecordCount": page_size}
    if spec.sort_by:
        query["orderByFields"] = spec.sort_by
    if box:
        query.update({"geometry": box, "geometryType": "esriGeometryEnvelope", "inSR": 28992,
                      "spatialRel": "esriSpatialRelIntersects"})
    return base, query


def probe_url(url: str) -> str:
    """The layer's description (``maxRecordCount``)."""
    return url + ("&" if "?" in url else "?") + "f=json"


def probe_info(data: Mapping[str, Any]) -> dict:
    """The page cap from the layer's description; an error 400/404 in it is :class:`NotFound`."""
    if isinstance(data.get("error"), dict):
        code = data["error"].get("code")
        if code in (400, 404):
            raise NotFound(str(data["error"].get("message") or code), "")
    cap = _int(data.get("maxRecordCount"))
    return {"page_cap": cap if cap and cap > 0 else None, "cap_source": "maxRecordCount"}


def next_url(url: str, page: Page) -> str | None:
    """The next page while the service says it holds more (``exceededTransferLimit``)."""
    if not (page.exceeded and page.count):
        return None
    offset = _int(_query_value(url, "resultOffset")) or 0
    return _with_query(url, resultOffset=offset + page.count)
