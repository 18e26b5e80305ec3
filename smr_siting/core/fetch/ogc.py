"""OGC API Features (PDOK's GoKoala): ``/collections/{id}/items`` with ``bbox`` + ``bbox-crs`` and ``crs`` in
EPSG:28992, ``limit``, following ``links`` rel=next (their ``cursor``) on the request's own origin only."""

from __future__ import annotations

import urllib.parse
from typing import Any, Mapping

from ..model.i18n import _
from ..model.progress import RunContext
from .client import Response
from .http import origin, same_origin
from .pages import Page, _int, _json_page
from .spec import FetchError, ServiceSpec

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
#: GoKoala (PDOK's OGC API) refuses a larger ``limit``
OGC_MAX_LIMIT = 1000


def _next_link(data: Mapping[str, Any], base: str) -> str | None:
    for link in data.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return urllib.parse.urljoin(base, str(link["href"]))
    return None


def _ogc_page(response: Response, label: str, ctx: RunContext | None = None) -> Page:
    page, data = _json_page(response, label, ctx)
    page.next_url = _next_link(data, response.url)
    page.number_matched = _int(data.get("numberMatched"))
    return page


def first_request(spec: ServiceSpec, service: str, box: str | None, page_size: int) -> tuple[str, dict[str, Any]]:
    """The first page's address and query (the box as ``minx,miny,maxx,maxy`` text)."""
    base = service.rstrip("/") + "/collections/" + urllib.parse.quote(spec.collection) + "/items"
    # only parameters GoKoala knows: it answers 400 to any other
    query: dict[str, Any] = {"f": "json", "limit": min(page_size, OGC_MAX_LIMIT), "crs": RD_URI}
    if box:
        query.update({"bbox": box, "bbox-crs": RD_URI})
    return base, query


def probe_url(url: str, collection: str) -> str:
    """The collection's description: whether the service (and the collection) is there."""
    return url.rstrip("/") + "/collections/" + urllib.parse.quote(collection) + "?f=json"


def next_url(url: str, page: Page, first: str | None, seen: set[str], label: str, pages: int) -> str | None:
    """The page's ``next`` link, followed only on the first request's origin and never back to a page
    already asked (``seen``); ``pages``: how many pages came so far."""
    link = page.next_url
    if link is None:
        return None
    if not same_origin(first or url, link):
        raise FetchError(_("{layer}: the service's next link points to another origin ({link}); refusing to "
                           "follow it (only {origin} is asked)").format(
            layer=label, link=link[:200], origin="://".join(origin(url)[:2]) + f":{origin(url)[2]}"),
            _("Report it to the service, or give --base-url-override for a service that pages on its own "
              "address; the layer was not stored"))
    if link == url or link in seen:
        raise FetchError(_("{layer}: the service's paging loops (page {n} links back to an earlier "
                           "page)").format(layer=label, n=pages),
                         _("Report it to the service; the layer was not stored"))
    return link
