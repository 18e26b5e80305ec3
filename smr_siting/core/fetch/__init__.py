"""Fetching the catalogue's layers from their services (PDOK, CBS, RVO, RWS, ...) into a cache folder.

``smr-siting fetch --region Gelderland --layers all --cache DIR`` downloads, for every layer the
catalogue (``layers/catalogue.yaml``) gives a download service, the features within the region's
bounds grown by a margin, in EPSG:28992, into one GeoPackage per layer: ``DIR/cache_<id>.gpkg``
(layer ``<id>``).  The catalogue lists those names under ``files:``, so ``DIR`` is a data folder:
``smr-siting screen --data DIR`` finds the layers there.

Services (``service.kind`` in the catalogue):

- ``ogc-api-features`` — ``/collections/{id}/items`` with ``bbox`` + ``bbox-crs`` and ``crs`` =
  ``http://www.opengis.net/def/crs/EPSG/0/28992``, ``limit``, following ``links`` rel=next;
- ``wfs`` — WFS 2.0 ``GetFeature`` with ``typeNames``, ``srsName=EPSG:28992``,
  ``bbox=…,EPSG:28992``, ``count`` + ``startIndex`` paging; GeoJSON, or GML 3.2 read through OGR;
- ``arcgis-featureserver`` — ``/query`` with an envelope, ``outSR=28992``, ``f=geojson``,
  ``resultOffset`` paging;
- ``download`` — one file (a GeoPackage, e.g. from a PDOK ATOM feed), read within the box.

How the servers really behave (PDOK's MapServer WFS and GoKoala OGC API) shapes the paging: a WFS
page holds at most the capabilities' ``CountDefault`` whatever ``count`` asks and its
``numberMatched`` is a running total, so pages step by what came until one is empty and the total
comes from ``resultType=hits``; OGC API pages follow ``next`` links (their ``cursor``) on the
request's own origin only, and only parameters GoKoala knows are sent.  Known older addresses of a
service (``url_variants``) are tried after a 404.  Every request goes through one small
:class:`~smr_siting.core.fetch.http.Transport` (a total deadline, a byte limit, cancel), its body
streamed to a file and parsed one feature at a time (:class:`JsonStream`), so memory stays bounded.

Every response is checked: JSON that does not parse (a truncated body) is requested again;
features are reprojected to EPSG:28992 when the response declares another CRS and refused when it
declares none and the coordinates are not RD metres; features outside the box (a service that
ignores ``bbox``) are dropped and the fact noted; an empty collection is a complete layer with zero
features (noted).  Time-outs, dropped connections and HTTP 5xx/429 are retried with exponential
back-off.

Nothing half-done is ever taken for complete: pages go to ``DIR/.partial/<id>/`` (with a
``state.json`` that lets a failed download resume where it stopped), the GeoPackage is assembled
under a temporary name and renamed over ``cache_<id>.gpkg`` only after the last page, with its
``provenance`` rows (:mod:`smr_siting.core.data.provenance`).  A failure never touches an earlier
complete file; a cancel (RunContext) also removes the partial pages.

The package, each module importing only those above it:

- :mod:`.http` — the one HTTP call (:class:`~.http.Transport`: deadline, byte limit, same-origin redirects);
- :mod:`.spec` — options, errors, a catalogue layer's service recipe (:class:`~.spec.ServiceSpec`);
- :mod:`.client` — GET with retries and back-off (:class:`~.client.Http`), answers in files;
- :mod:`.pages` — a GeoJSON answer read one feature at a time (:class:`~.pages.JsonStream`, :class:`~.pages.Page`);
- :mod:`.ogc`, :mod:`.wfs`, :mod:`.arcgis`, :mod:`.download` — one module per service kind;
- :mod:`.reshape` — features into the cache's layer schema (:class:`~.reshape.Reshaper`);
- :mod:`.cache` — the cache folder: the GeoPackage, the cached copies, ``PACK.json``;
- :mod:`.layer` — one layer's download (:class:`~.layer.LayerFetcher`);
- :mod:`.fetcher` — the whole fetch (:class:`~.fetcher.Fetcher`, :func:`~.fetcher.fetch`);
- :mod:`.check` — ``fetch --check``: the catalogue against the live services.
"""

from __future__ import annotations

from .cache import describe_age
from .check import check_catalogue
from .client import Http
from .fetcher import DEFAULT_MARGIN_M, Fetcher, FetchRequest, resolve_layer_ids
from .http import (
    Broken,
    Cancelled,
    Offline,
    OriginRefused,
    Timeout,
    TooLarge,
    TransportResult,
    check_scheme,
    may_redirect,
    same_origin,
)
from .layer import LayerFetcher
from .pages import JsonStream
from .reshape import PageStats, Reshaper
from .spec import FetchError, FetchOptions, NetworkError, cache_file_name, fetchable_ids, service_spec

#: the names the rest of smr-siting (and its tests) import from ``smr_siting.core.fetch``
__all__ = [
    "DEFAULT_MARGIN_M", "Broken", "Cancelled", "FetchError", "FetchOptions", "FetchRequest", "Fetcher", "Http",
    "JsonStream", "LayerFetcher", "NetworkError", "Offline", "OriginRefused", "PageStats", "Reshaper", "Timeout",
    "TooLarge", "TransportResult", "cache_file_name", "check_catalogue", "check_scheme", "describe_age",
    "fetchable_ids", "may_redirect", "resolve_layer_ids", "same_origin", "service_spec",
]
