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
:class:`~smr_siting.core.fetch_http.Transport` (a total deadline, a byte limit, cancel), its body
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
"""

from __future__ import annotations

import codecs
import datetime as _dt
import difflib
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import __version__
from .data.catalogue import Catalogue, CatalogueEntry, load_catalogue
from .data.provenance import read_provenance, write_provenance
from .fetch_http import (
    Cancelled,
    HttpTransport,
    Offline,
    OriginRefused,
    Timeout,
    TooLarge,
    Transport,
    TransportError,
    check_scheme,
    origin,
    same_origin,
)
from .model.errors import DataError, RunCancelled, SmrSitingError
from .model.i18n import _
from .model.progress import RunContext

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
FETCHABLE_KINDS = ("ogc-api-features", "wfs", "arcgis-featureserver", "download")
PARTIAL_DIR = ".partial"
PACK_FILE = "PACK.json"
PACK_GENERATOR = "smr-siting fetch"
DEFAULT_MARGIN_M = 30_000.0
#: a partial download older than this is started afresh rather than resumed
RESUME_MAX_AGE_S = 24 * 3600
#: HTTP statuses worth asking again
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
#: EPSG:28992's area of use, a little generous (as in smr_siting.core.data.layers)
RD_BOUNDS = (-25_000.0, 280_000.0, 310_000.0, 640_000.0)
USER_AGENT = f"smr-siting/{__version__} (+https://github.com/smr-siting/smr-siting)"
#: GoKoala (PDOK's OGC API) refuses a larger ``limit``
OGC_MAX_LIMIT = 1000
#: bytes a probe (GetCapabilities, a collection's description, hits) may have
PROBE_MAX_BYTES = 16 << 20
#: the layout of a partial download's state.json (older ones are started afresh)
STATE_FORMAT = 2


class FetchError(SmrSitingError):
    """A service could not deliver a layer (after the retries), or delivered something unusable."""


class NetworkError(FetchError):
    """The service's host could not be reached at all (no network, DNS, proxy)."""


# --------------------------------------------------------------------------- options and specs


@dataclass(frozen=True)
class FetchOptions:
    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    page_size: int = 1000
    max_features: int = 2_000_000
    max_pages: int = 10_000
    #: bytes of one answer (page) and of all pages of one layer
    max_page_bytes: int = 512 << 20
    max_layer_bytes: int = 4 << 30
    refresh: bool = False


@dataclass(frozen=True)
class Condition:
    """A filter on the service's own attribute names, applied to what the service returns."""

    field: str
    op: str
    value: Any

    OPS = ("==", "!=", "in", "not in", "<", "<=", ">", ">=")

    def test(self, properties: Mapping[str, Any]) -> bool:
        value = properties.get(self.field)
        if value is None:
            return self.op in ("!=", "not in")
        if self.op in ("in", "not in"):
            wanted = self.value if isinstance(self.value, (list, tuple)) else [self.value]
            hit = any(_same(value, w) for w in wanted)
            return hit if self.op == "in" else not hit
        if self.op == "==":
            return _same(value, self.value)
        if self.op == "!=":
            return not _same(value, self.value)
        try:
            left, right = float(value), float(self.value)
        except (TypeError, ValueError):
            return False
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[self.op]

    def describe(self) -> str:
        return f"{self.field} {self.op} {self.value!r}"


def _same(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


@dataclass(frozen=True)
class ServiceSpec:
    """How to fetch one catalogue layer (built from its ``service:`` block)."""

    layer_id: str
    title: str
    kind: str
    url: str
    collection: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    filter: tuple[Condition, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    national: bool = False
    geometry: str = ""
    owner: str = ""
    licence: str = ""
    vintage: str = ""
    caveat: str = ""
    names_from: str = ""
    output_format: str = ""
    file_name: str = ""
    #: WFS sortBy / ArcGIS orderByFields, for stable pages
    sort_by: str = ""
    #: new attribute → the service attribute whose highest number it holds ('150/380 kV' → 380)
    derive: Mapping[str, str] = field(default_factory=dict)
    #: older / other addresses of the same service, tried in order when ``url`` answers 404
    variants: tuple[str, ...] = ()

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc or self.url

    def signature(self, bbox: tuple[float, float, float, float] | None, page_size: int) -> dict:
        """What makes two downloads the same (a cached layer is reused only for the same request)."""
        return {"layer_id": self.layer_id, "kind": self.kind, "url": self.url, "collection": self.collection,
                "params": dict(self.params), "filter": [c.describe() for c in self.filter],
                "fields": dict(self.fields), "set": dict(self.constants), "derive": dict(self.derive),
                "sort_by": self.sort_by, "bbox": list(bbox) if bbox is not None else None, "page_size": page_size}

    def service_fields(self) -> list[str]:
        """The service's own attribute names the catalogue relies on (filter, renames, derived)."""
        names = [c.field for c in self.filter] + list(self.fields) + list(self.derive.values())
        if self.sort_by:
            names.append(self.sort_by.split()[0])
        return list(dict.fromkeys(n for n in names if n and n not in ("feature_id",)))


def cache_file_name(entry: CatalogueEntry) -> str:
    """The cache's file name for a layer: the catalogue's ``cache_*.gpkg`` entry, else ``cache_<id>.gpkg``."""
    for local in entry.files:
        if local.file.startswith("cache_") and local.file.endswith(".gpkg"):
            return local.file
    return f"cache_{entry.id}.gpkg"


def is_fetchable(entry: CatalogueEntry) -> bool:
    service = entry.service or {}
    return service.get("fetch", True) is not False and str(service.get("kind", "")) in FETCHABLE_KINDS


def fetchable_ids(catalogue: Catalogue) -> list[str]:
    return sorted(e.id for e in catalogue.entries.values() if is_fetchable(e))


def why_not_fetchable(entry: CatalogueEntry) -> str:
    service = entry.service or {}
    reason = " ".join(str(service.get("why_not") or service.get("note") or "").split())
    if not service:
        return _("the catalogue names no service for it")
    if reason:
        return reason
    return _("its service ({kind}) is not one the fetcher speaks ({kinds})").format(
        kind=service.get("kind", "?"), kinds=", ".join(FETCHABLE_KINDS))


def _split_override(text: str) -> tuple[str | None, str]:
    head, sep, tail = text.partition(":")
    if sep and head in FETCHABLE_KINDS:
        return head, tail
    return None, text


#: per service kind: (URL key, name key, prefix of its own fields/sort_by/variants keys) in a service block
_KIND_KEYS = {"wfs": ("wfs", "typename", "wfs"), "ogc-api-features": ("ogc_api", "collection", "ogc"),
              "download": ("download", "download_layer", "download"), "arcgis-featureserver": ("arcgis", "layer",
                                                                                                "arcgis")}


def mirror_url(url: str, mirror: str | None) -> str:
    """``https://HOST/PATH`` asked at ``MIRROR/HOST/PATH`` instead (a local mirror of the services)."""
    if not mirror or not url:
        return url
    parts = urllib.parse.urlsplit(url)
    rest = urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))
    return mirror.rstrip("/") + "/" + parts.netloc + rest


def service_spec(entry: CatalogueEntry, override: str | None = None, mirror: str | None = None) -> ServiceSpec:
    """The fetch recipe of a catalogue entry.  ``override``: ``URL`` replaces the service URL (a mirror,
    a test server); ``KIND:URL`` also switches to the entry's alternative service of that kind
    (``wfs:`` uses ``service.wfs``/``service.typename``, ``download:`` ``service.download``).
    ``mirror``: every catalogue address is asked at ``MIRROR/HOST/PATH`` (see :func:`mirror_url`)."""
    service = dict(entry.service or {})
    primary = str(service.get("kind", ""))
    kind = primary
    url = str(service.get("url", ""))
    variants = [str(v) for v in service.get("url_variants") or []]
    if override is not None:
        wanted, new_url = _split_override(override.strip())
        if wanted is not None and wanted != kind:
            url_key, _name_key, prefix = _KIND_KEYS[wanted]
            url = str(service.get(url_key, ""))
            variants = [str(v) for v in service.get(f"{prefix}_variants") or []]
            kind = wanted
        if new_url:
            url = new_url
            variants = []
    elif not is_fetchable(entry):
        raise FetchError(_("layer {layer!r} cannot be fetched: {why}").format(layer=entry.id,
                                                                              why=why_not_fetchable(entry)),
                         _("Keep it as a local file in the data folder, or leave it out of --layers"))
    if kind not in FETCHABLE_KINDS:
        raise FetchError(_("layer {layer!r} cannot be fetched: {why}").format(layer=entry.id,
                                                                              why=why_not_fetchable(entry)),
                         _("Give ID=KIND:URL with KIND one of {kinds}").format(kinds=", ".join(FETCHABLE_KINDS)))
    if not url:
        raise FetchError(_("layer {layer!r}: the catalogue gives no {kind} URL").format(layer=entry.id, kind=kind),
                         _("Give one with --base-url-override {layer}=URL").format(layer=entry.id))
    _url_key, name_key, prefix = _KIND_KEYS[kind]
    collection = str(service.get(name_key) or "")
    if kind in ("ogc-api-features", "wfs") and not collection:
        raise FetchError(_("layer {layer!r}: the catalogue gives no collection / typeName for {kind}").format(
            layer=entry.id, kind=kind), _("Add it to the layer's service block in layers/catalogue.yaml"))
    own = "" if kind == primary else f"{prefix}_"
    fields = service.get(f"{own}fields") if own and service.get(f"{own}fields") is not None \
        else service.get("fields")
    sort_by = service.get(f"{own}sort_by") if own and service.get(f"{own}sort_by") is not None \
        else service.get("sort_by")
    conditions = []
    for raw in service.get("filter") or []:
        op = str(raw.get("op", "=="))
        if op not in Condition.OPS:
            raise DataError(_("layers/catalogue.yaml: {layer}: unknown filter operator {op!r}").format(
                layer=entry.id, op=op), _("Use one of {ops}").format(ops=", ".join(Condition.OPS)))
        value = raw.get("value")
        conditions.append(Condition(str(raw["field"]), op, tuple(value) if isinstance(value, list) else value))
    derive = {}
    for name, rule in (service.get("derive") or {}).items():
        source = rule.get("highest_number_in") if isinstance(rule, dict) else None
        if not source:
            raise DataError(_("layers/catalogue.yaml: {layer}: derive.{name} needs highest_number_in: FIELD").format(
                layer=entry.id, name=name), _("Write it as {name}: {{highest_number_in: FIELD}}").format(name=name))
        derive[str(name)] = str(source)
    if override is None or _split_override(override.strip())[1] == "":
        url = mirror_url(url, mirror)
        variants = [mirror_url(v, mirror) for v in variants]
    return ServiceSpec(
        layer_id=entry.id, title=entry.title, kind=kind, url=url, collection=collection,
        params={str(k): str(v) for k, v in (service.get("params") or {}).items()},
        filter=tuple(conditions), fields={str(k): str(v) for k, v in (fields or {}).items()},
        constants=dict(service.get("set") or {}), national=str(service.get("extent", "")) == "national",
        geometry=entry.geometry, owner=str(service.get("owner") or entry.owner),
        licence=str(service.get("licence") or entry.licence), vintage=str(service.get("vintage") or ""),
        caveat=" ".join(str(service.get("caveat") or "").split()), names_from=str(service.get("names") or ""),
        output_format=str(service.get("format") or ""), file_name=cache_file_name(entry),
        sort_by=str(sort_by or ""), derive=derive, variants=tuple(variants))


# --------------------------------------------------------------------------- HTTP


class _Transient(Exception):  # noqa: N818 - internal signal, never shown
    """A failure worth retrying."""

    def __init__(self, reason: str, connection: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection = connection
        self.retry_after = retry_after


class NotFound(FetchError):  # noqa: N818 - an HTTP status
    """HTTP 404 (or 410): the path or collection is not (or no longer) there."""


@dataclass
class Response:
    """An answer whose body lies in a file (``path``), never wholly in memory."""

    url: str
    status: int
    headers: Mapping[str, str]
    path: Path
    size: int
    sha256: str
    requested_at: str
    attempts: int = 1
    log: list[str] = field(default_factory=list)

    def head(self, n: int = 8192) -> bytes:
        """The first ``n`` bytes of the body."""
        try:
            with open(self.path, "rb") as handle:
                return handle.read(n)
        except OSError:
            return b""

    @property
    def body(self) -> bytes:
        """The whole body (only for small answers: capabilities, error documents)."""
        try:
            return self.path.read_bytes()
        except OSError:
            return b""


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _error_detail(head: bytes) -> str:
    body = head.decode("utf-8", "replace")
    try:
        data = json.loads(body)
        if isinstance(data, dict):
            for key in ("detail", "description", "title", "message", "error"):
                if data.get(key):
                    return " ".join(str(data[key]).split())[:200]
    except ValueError:
        pass
    match = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</", body, re.S)
    if match:
        return " ".join(match.group(1).split())[:200]
    return ""


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}


class Http:
    """GET with a total deadline per request, byte limits, retries and exponential back-off,
    cancellable through the RunContext.  The wire work is the :class:`~.fetch_http.Transport`'s
    (``self.transport``), which another implementation may replace."""

    def __init__(self, options: FetchOptions, ctx: RunContext, sleep: Callable[[float], None] = time.sleep,
                 transport: Transport | None = None) -> None:
        self.options = options
        self.ctx = ctx
        self._sleep = sleep
        self.reached: set[str] = set()
        self.transport: Transport = transport or HttpTransport(USER_AGENT)
        #: told about every retry (the CLI shows it on the progress line); the page's notes keep it too
        self.on_retry: Callable[[str], None] | None = None
        self.requests = 0

    def _once(self, url: str, accept: str, sink: Path, max_bytes: int) -> Response:
        host = urllib.parse.urlsplit(url).netloc
        requested_at = _now_iso()
        self.requests += 1
        try:
            result = self.transport.get(url, {"Accept": accept}, deadline=time.monotonic() + self.options.timeout_s,
                                        idle_timeout=self.options.timeout_s, max_bytes=max_bytes, sink=sink,
                                        cancelled=self.ctx.is_cancelled)
        except Cancelled:
            raise RunCancelled(_("cancelled by the user")) from None
        except Offline as error:
            raise _OfflineSignal(error.reason) from None
        except (OriginRefused, TooLarge) as error:
            raise FetchError(_("{host}: {reason}").format(host=host, reason=error.reason),
                             _("Check the layer's service in layers/catalogue.yaml (or --base-url-override)")) from None
        except Timeout as error:
            raise _Transient(_("no complete answer within {s:g} s").format(s=self.options.timeout_s),
                             connection=error.connection) from None
        except TransportError as error:
            raise _Transient(error.reason, connection=error.connection and host not in self.reached) from None
        self.reached.add(host)
        response = Response(result.url, result.status, result.headers, sink, result.size, result.sha256, requested_at)
        if result.status >= 400:
            detail = _error_detail(response.head(4096))
            reason = f"HTTP {result.status} {_REASONS.get(result.status, '')}".rstrip() + (
                f": {detail}" if detail else "")
            if result.status in RETRY_STATUS:
                raise _Transient(reason, retry_after=_retry_after(result.headers.get("retry-after")))
            error_type = NotFound if result.status in (404, 410) else FetchError
            raise error_type(_("{host} answered {reason} for {url}").format(host=host, reason=reason, url=url),
                             _("Check the layer's service in layers/catalogue.yaml (or --base-url-override)"))
        return response

    def get(self, url: str, parse: Callable[[Response], Any], accept: str, label: str,
            sink: Path | None = None, max_bytes: int | None = None) -> tuple[Response, Any]:
        """``parse`` may raise ``_Transient`` (e.g. a truncated JSON body) to have the request repeated.
        The body goes to ``sink`` (default: a temporary file, removed after ``parse``)."""
        log: list[str] = []
        last: _Transient | None = None
        tries = self.options.retries + 1
        limit = int(max_bytes if max_bytes is not None else self.options.max_page_bytes)
        try:
            host = urllib.parse.urlsplit(url).netloc
            check_scheme(url)
        except OriginRefused as error:
            raise FetchError(_("cannot ask {url}: {reason}").format(url=url[:200], reason=error.reason),
                             _("Check the URL (--base-url-override or layers/catalogue.yaml)")) from None
        except ValueError as error:
            raise FetchError(_("cannot ask {url}: {reason}").format(url=url[:200], reason=error),
                             _("Check the URL (--base-url-override or layers/catalogue.yaml)")) from None
        temporary = sink is None
        if sink is None:
            handle, name = tempfile.mkstemp(prefix="smr-fetch-", suffix=".body")
            os.close(handle)
            sink = Path(name)
        try:
            for attempt in range(tries):
                self.ctx.check_cancelled()
                try:
                    response = self._once(url, accept, sink, limit)
                    response.attempts = attempt + 1
                    response.log = log
                    return response, parse(response)
                except _OfflineSignal as error:
                    raise NetworkError(_("cannot reach {host} (no network?): {reason}").format(host=host,
                                                                                               reason=error),
                                       _("Check the connection (and https_proxy), or use --offline to work from "
                                         "the cache")) from None
                except _Transient as error:
                    last = error
                    log.append(_("attempt {n}: {reason}").format(n=attempt + 1, reason=error.reason))
                    if attempt + 1 >= tries:
                        break
                    delay = min(self.options.max_backoff_s, self.options.backoff_s * (2 ** attempt))
                    if error.retry_after is not None:
                        delay = max(delay, min(error.retry_after, self.options.max_backoff_s))
                    if self.on_retry is not None:
                        self.on_retry(_("{label}: {reason}; retrying in {s:.1f} s").format(
                            label=label, reason=error.reason, s=delay))
                    self._wait(delay)
        finally:
            if temporary:
                try:
                    sink.unlink()
                except OSError:
                    pass
        assert last is not None
        if last.connection and host not in self.reached:
            raise NetworkError(_("cannot reach {host} (no network?): {reason} after {n} attempt(s)").format(
                host=host, reason=last.reason, n=tries),
                _("Check the connection (and https_proxy), or use --offline to work from the cache"))
        raise FetchError(_("{label}: {host} failed {n} time(s), last: {reason}").format(
            label=label, host=host, n=tries, reason=last.reason),
            _("Try again later (a failed download resumes where it stopped), or raise --retries / --timeout"))

    def _wait(self, delay: float) -> None:
        """Sleep ``delay`` seconds, but stop at once when the user cancels."""
        end = time.monotonic() + delay
        while True:
            self.ctx.check_cancelled()
            left = end - time.monotonic()
            if left <= 0:
                return
            self._sleep(min(left, 0.05))


class _OfflineSignal(Exception):  # noqa: N818
    """The host cannot be resolved or routed to: retrying will not help."""


# --------------------------------------------------------------------------- pages

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _TooDeep(Exception):  # noqa: N818
    pass


class JsonStream:
    """Reads a JSON object's members from a file one at a time, and the elements of its ``features``
    array one feature at a time (``json``'s C scanner on a sliding window), so that a page of any
    size is parsed in memory bounded by its largest single feature."""

    def __init__(self, path: Path, max_value_chars: int = 256 << 20) -> None:
        self.path = path
        self.max_value = max_value_chars
        self.meta: dict[str, Any] = {}

    def _open(self) -> None:
        self._file = open(self.path, "rb")
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._want = 1 << 16

    def _fill(self, at_least: int = 0) -> bool:
        if self._eof:
            return False
        data = self._file.read(max(self._want, at_least))
        rest = self._buf[self._pos:]
        if not data:
            self._eof = True
            self._buf = rest + self._decoder.decode(b"", final=True)
            self._pos = 0
            return False
        self._buf = rest + self._decoder.decode(data)
        self._pos = 0
        return True

    def _peek(self) -> str:
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _take(self, char: str) -> None:
        if self._peek() != char:
            raise ValueError(f"expected {char!r} at {self._pos}")
        self._pos += 1

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except ValueError:
                if self._eof:
                    raise
                if len(self._buf) - self._pos > self.max_value:
                    raise _TooDeep() from None
                self._fill(at_least=2 * (len(self._buf) - self._pos))  # grow the window geometrically
                continue
            if end >= len(self._buf) and not self._eof and isinstance(value, (int, float)):
                self._fill()  # a number at the window's edge may go on
                continue
            self._pos = end
            return value

    def features(self) -> Iterator[dict]:
        """Every element of ``features``; ``self.meta`` holds the other members once exhausted."""
        self._open()
        try:
            self.meta = {}
            self._take("{")
            if self._peek() == "}":
                return
            while True:
                key = self._value()
                self._take(":")
                if key == "features" and self._peek() == "[":
                    self._pos += 1
                    if self._peek() == "]":
                        self._pos += 1
                        self.meta["features"] = True
                    else:
                        while True:
                            yield self._value()
                            char = self._peek()
                            self._pos += 1
                            if char == "]":
                                break
                            if char != ",":
                                raise ValueError("bad array")
                        self.meta["features"] = True
                else:
                    self.meta[str(key)] = self._value()
                char = self._peek()
                self._pos += 1
                if char == "}":
                    return
                if char != ",":
                    raise ValueError("bad object")
        finally:
            self._file.close()


def _coordinate_bounds(coordinates: Any, box: list[float]) -> None:
    if not isinstance(coordinates, (list, tuple)) or not coordinates:
        return
    first = coordinates[0]
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        if len(coordinates) >= 2 and isinstance(coordinates[1], (int, float)):
            x, y = float(coordinates[0]), float(coordinates[1])
            box[0] = min(box[0], x)
            box[1] = min(box[1], y)
            box[2] = max(box[2], x)
            box[3] = max(box[3], y)
        return
    for item in coordinates:
        _coordinate_bounds(item, box)


def geometry_bounds(geometry: Any, box: list[float]) -> None:
    """Grow ``box`` [minx, miny, maxx, maxy] by a GeoJSON geometry's coordinates."""
    if not isinstance(geometry, dict):
        return
    if geometry.get("type") == "GeometryCollection":
        for part in geometry.get("geometries") or []:
            geometry_bounds(part, box)
        return
    _coordinate_bounds(geometry.get("coordinates"), box)


@dataclass
class Page:
    """One answer: its metadata from a first pass over the file, its features on demand."""

    feature_source: Callable[[], Iterator[dict]]
    count: int = 0
    bounds: tuple[float, float, float, float] | None = None
    crs: Any = None             # pyproj CRS, or None when the response declares none
    crs_label: str = ""         # how it was declared (for the provenance)
    authority_order: bool = False  # coordinates in the CRS's own axis order (OGC API Part 2), not x/y
    next_url: str | None = None
    number_matched: int | None = None
    exceeded: bool = False

    def features(self) -> Iterator[dict]:
        return self.feature_source()

    @classmethod
    def of(cls, features: list[dict], **kwargs: Any) -> Page:
        box = [math.inf, math.inf, -math.inf, -math.inf]
        for feature in features:
            geometry_bounds(feature.get("geometry"), box)
        bounds = tuple(box) if math.isfinite(box[0]) else None
        return cls(lambda: iter(features), len(features), bounds, **kwargs)  # type: ignore[arg-type]


def _crs_from_text(text: str) -> tuple[Any, str] | None:
    """pyproj CRS from 'EPSG:28992', 'urn:ogc:def:crs:EPSG::28992', an OGC http URI or 'CRS84'."""
    from pyproj import CRS

    text = str(text).strip().strip("<>").strip()
    if not text:
        return None
    match = re.search(r"/def/crs/(\w+)/[^/]*/([\w.]+)$", text) or re.search(r"crs:(\w+):[^:]*:([\w.]+)$", text)
    if match:
        authority, code = match.group(1).upper(), match.group(2)
        label = "OGC:CRS84" if code.upper() == "CRS84" else f"{authority}:{code}"
    else:
        label = text
    try:
        return (CRS.from_user_input(label if label != "OGC:CRS84" else "OGC:CRS84"), label)
    except Exception:  # noqa: BLE001 - pyproj raises CRSError and friends
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _declared_crs(data: Mapping[str, Any], response: Response) -> tuple[Any, str, bool]:
    """(CRS, label, authority axis order) from the Content-Crs header (OGC API Part 2), JSON-FG
    ``coordRefSys`` or the GeoJSON-2008 ``crs`` member; (None, '', False) if none is declared."""
    header = response.headers.get("content-crs")
    if header:
        found = _crs_from_text(header)
        if found:
            return found[0], found[1] + " (Content-Crs)", True
    member = data.get("coordRefSys")
    if isinstance(member, str):
        found = _crs_from_text(member)
        if found:
            return found[0], found[1] + " (coordRefSys)", True
    member = data.get("crs")
    if isinstance(member, dict):
        name = (member.get("properties") or {}).get("name")
        found = _crs_from_text(name) if name else None
        if found:
            return found[0], found[1] + " (crs member)", False
    return None, "", False


def _json_page(response: Response, label: str, ctx: RunContext | None = None) -> tuple[Page, dict]:
    """First pass over a GeoJSON answer: metadata, feature count and coordinate bounds."""
    head = response.head(512).lstrip()
    if head[:1] == b"<":
        kind = response.headers.get("content-type", "")
        raise FetchError(_("{label}: the service answered with XML/HTML ({kind}), not JSON").format(
            label=label, kind=kind or "no content type"),
            _("Check the URL (a proxy or captive portal answers like this too)"))
    stream = JsonStream(response.path)
    count = 0
    box = [math.inf, math.inf, -math.inf, -math.inf]
    try:
        for feature in stream.features():
            count += 1
            if count % 5000 == 0 and ctx is not None:
                ctx.check_cancelled()
            if isinstance(feature, dict):
                geometry_bounds(feature.get("geometry"), box)
    except _TooDeep:
        raise FetchError(_("{label}: a single feature of the answer is larger than the limit").format(label=label),
                         _("Report it to the service; the layer was not stored")) from None
    except (UnicodeDecodeError, ValueError):
        raise _Transient(_("the JSON answer does not parse ({n} bytes; truncated?)").format(n=response.size)) from None
    data = stream.meta
    if isinstance(data.get("error"), dict):  # ArcGIS answers errors with HTTP 200
        code = data["error"].get("code")
        message = data["error"].get("message", "")
        if isinstance(code, int) and code >= 500:
            raise _Transient(f"error {code}: {message}")
        raise FetchError(_("{label}: the service reports error {code}: {message}").format(
            label=label, code=code, message=message), _("Check the layer's service in layers/catalogue.yaml"))
    if data.get("type") != "FeatureCollection" or not data.get("features"):
        keys = ", ".join(sorted(k for k in data)[:8])
        raise FetchError(_("{label}: the answer is not a GeoJSON FeatureCollection (it has {keys})").format(
            label=label, keys=keys or "nothing"),
            _("Check the layer's service URL and collection in layers/catalogue.yaml"))
    crs, crs_label, authority = _declared_crs(data, response)

    def again() -> Iterator[dict]:
        return JsonStream(response.path).features()

    bounds = tuple(box) if math.isfinite(box[0]) else None
    page = Page(again, count, bounds, crs, crs_label, authority)  # type: ignore[arg-type]
    return page, data


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


def _with_query(url: str, **changes: Any) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    lower = {k.lower() for k in changes}
    query = [(k, v) for k, v in query if k.lower() not in lower] + [(k, str(v)) for k, v in changes.items()]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=",:/")))


def _without_query(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k.lower() != name.lower()]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=",:/")))


def _query_value(url: str, *names: str) -> str | None:
    query = {k.lower(): v for k, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)}
    for name in names:
        if name.lower() in query:
            return query[name.lower()]
    return None


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


def _arcgis_page(response: Response, label: str, ctx: RunContext | None = None) -> Page:
    page, data = _json_page(response, label, ctx)
    page.exceeded = bool(data.get("exceededTransferLimit")
                         or (data.get("properties") or {}).get("exceededTransferLimit"))
    return page


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def first_url(spec: ServiceSpec, bbox: tuple[float, float, float, float] | None, page_size: int,
              url: str | None = None) -> str:
    """The first request of a layer's download (``url``: the service address that answered)."""
    box = ",".join(_fmt(v) for v in bbox) if bbox is not None else None
    service = url or spec.url
    if spec.kind == "ogc-api-features":
        base = service.rstrip("/") + "/collections/" + urllib.parse.quote(spec.collection) + "/items"
        # only parameters GoKoala knows: it answers 400 to any other
        query: dict[str, Any] = {"f": "json", "limit": min(page_size, OGC_MAX_LIMIT), "crs": RD_URI}
        if box:
            query.update({"bbox": box, "bbox-crs": RD_URI})
    elif spec.kind == "wfs":
        base = service
        query = {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": spec.collection,
                 "srsName": "EPSG:28992", "count": page_size, "startIndex": 0}
        if spec.sort_by:
            query["sortBy"] = spec.sort_by
        if spec.output_format.lower() != "gml":
            query["outputFormat"] = "application/json"
        if box:
            query["bbox"] = box + ",EPSG:28992"
    elif spec.kind == "arcgis-featureserver":
        base = service.rstrip("/") + "/query"
        query = {"where": "1=1", "outFields": "*", "returnGeometry": "true", "f": "geojson", "outSR": 28992,
                 "resultOffset": 0, "resultRecordCount": page_size}
        if spec.sort_by:
            query["orderByFields"] = spec.sort_by
        if box:
            query.update({"geometry": box, "geometryType": "esriGeometryEnvelope", "inSR": 28992,
                          "spatialRel": "esriSpatialRelIntersects"})
    else:
        return service
    query.update(spec.params)
    separator = "&" if "?" in base else "?"
    return base + separator + urllib.parse.urlencode(query, safe=",:/")


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


# --------------------------------------------------------------------------- checking and reshaping features


@dataclass
class PageStats:
    received: int = 0
    kept: int = 0
    outside_box: int = 0
    filtered: int = 0
    no_geometry: int = 0
    flattened: int = 0


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def highest_number(value: Any) -> float | None:
    """The highest number in a text such as '150/380 kV' (380.0); None when there is none."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if math.isfinite(float(value)) else None
    numbers = [float(n.replace(",", ".")) for n in _NUMBER.findall(str(value))]
    return max(numbers) if numbers else None


def _flat(x: float, y: float, z: float | None = None) -> tuple[float, float]:
    return (x, y)


class Reshaper:
    """Checks a page (CRS, location, box), reprojects to EPSG:28992, forces 2D, filters, derives and
    renames attributes — one feature at a time."""

    def __init__(self, spec: ServiceSpec, bbox: tuple[float, float, float, float] | None) -> None:
        from pyproj import CRS

        self.spec = spec
        self.bbox = bbox
        self.rd = CRS.from_epsg(28992)
        self.notes: list[str] = []
        self.crs_seen: set[str] = set()
        self._swap_told = False

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def _transformer(self, crs: Any, authority_order: bool) -> Callable:
        from pyproj import Transformer

        return Transformer.from_crs(crs, self.rd, always_xy=not authority_order).transform

    @staticmethod
    def _in_rd(bounds: Sequence[float] | None) -> bool:
        """Whether features with these bounds reach into the Netherlands in RD metres (degrees, swapped
        axes or a wrong CRS land far away; Natura 2000 sites far offshore still reach in)."""
        if bounds is None:
            return True
        if not all(math.isfinite(v) for v in bounds):
            return False
        x0, y0, x1, y1 = RD_BOUNDS
        return bounds[2] >= x0 and bounds[0] <= x1 and bounds[3] >= y0 and bounds[1] <= y1

    @staticmethod
    def _moved_bounds(function: Callable, bounds: Sequence[float]) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = bounds
        xs = [x0 + (x1 - x0) * i / 4 for i in range(5)]
        ys = [y0 + (y1 - y0) * j / 4 for j in range(5)]
        points = [function(x, y) for x in xs for y in ys]
        return (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points),
                max(p[1] for p in points))

    def decide(self, page: Page, label: str) -> Callable | None:
        """The coordinate transform for this page (None: already EPSG:28992), or refuse it."""
        bounds = page.bounds
        if page.crs is None:
            if self._in_rd(bounds):
                if bounds is not None:
                    self.note(_("{label}: the service did not declare the CRS of its coordinates; they lie in "
                                "the EPSG:28992 range and were taken as such.").format(label=label))
                    self.crs_seen.add("undeclared (taken as EPSG:28992)")
                return None
            raise FetchError(
                _("{label}: the service returned coordinates without declaring their CRS, and they are not "
                  "EPSG:28992 metres (extent {minx:.6g}, {miny:.6g}, {maxx:.6g}, {maxy:.6g}); refusing to guess").format(
                    label=label, minx=bounds[0], miny=bounds[1], maxx=bounds[2], maxy=bounds[3]),
                _("Ask the service for EPSG:28992 (crs/srsName), or use a service that declares its CRS"))
        self.crs_seen.add(page.crs_label)
        if page.crs.equals(self.rd):
            if self._in_rd(bounds):
                return None
            raise FetchError(_("{label}: the service declares EPSG:28992 but its coordinates lie outside the "
                               "Netherlands (degrees, or swapped axes?)").format(label=label),
                             _("Check the service; the layer was not stored"))
        if bounds is None:  # an empty page: nothing to move, nothing to tell
            return self._transformer(page.crs, page.authority_order)
        for number, authority in enumerate([page.authority_order, not page.authority_order]):
            try:
                function = self._transformer(page.crs, authority)
                moved = self._moved_bounds(function, bounds)
            except Exception:  # noqa: BLE001 - pyproj cannot transform: try the other order, then refuse
                continue
            if self._in_rd(moved):
                self.note(_("{label}: features came in {crs}, not EPSG:28992; reprojected to EPSG:28992.").format(
                    label=label, crs=page.crs_label))
                if number == 1 and not self._swap_told:
                    self._swap_told = True
                    self.note(_("{label}: the coordinates came in the other axis order than {crs} prescribes; "
                                "read them as such (they then lie in the Netherlands).").format(
                        label=label, crs=page.crs_label))
                return function
        raise FetchError(_("{label}: the features, read as {crs}, do not lie in the Netherlands").format(
            label=label, crs=page.crs_label), _("Check the service's CRS; the layer was not stored"))

    def one(self, feature: Any, function: Callable | None, stats: PageStats) -> dict | None:
        """The feature as stored in the cache, or None (counted in ``stats``)."""
        from shapely.geometry import mapping, shape
        from shapely.ops import transform

        stats.received += 1
        if not isinstance(feature, dict):
            stats.no_geometry += 1
            return None
        raw = feature.get("geometry")
        try:
            geometry = shape(raw) if raw else None
        except Exception:  # noqa: BLE001 - a malformed geometry: drop it, say so
            geometry = None
        if geometry is None or geometry.is_empty:
            stats.no_geometry += 1
            return None
        if geometry.has_z:
            geometry = transform(_flat, geometry)  # Z (and M, which OGR hands over as Z) forced to 2D
            stats.flattened += 1
        if function is not None:
            geometry = transform(function, geometry)
        properties = dict(feature.get("properties") or {})
        if self.bbox is not None:  # by envelope, as services filter: only a service ignoring bbox trips this
            minx, miny, maxx, maxy = geometry.bounds
            bx0, by0, bx1, by1 = self.bbox
            if maxx < bx0 or minx > bx1 or maxy < by0 or miny > by1:
                stats.outside_box += 1
                return None
        if self.spec.filter and not all(c.test(properties) for c in self.spec.filter):
            stats.filtered += 1
            return None
        derived = {name: highest_number(properties.get(source)) for name, source in self.spec.derive.items()}
        if "fid" in {k.lower() for k in properties}:
            properties = {("fid_service" if k.lower() == "fid" else k): v for k, v in properties.items()}
        if feature.get("id") is not None and "feature_id" not in properties:
            properties["feature_id"] = str(feature["id"])
        properties = {self.spec.fields.get(k, k): v for k, v in properties.items()}
        properties.update(derived)
        properties.update(self.spec.constants)
        stats.kept += 1
        return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


# --------------------------------------------------------------------------- writing the GeoPackage


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

    from .data.vectorio import _fiona, _pyogrio

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


@dataclass
class LayerReport:
    layer_id: str
    status: str  # 'fetched', 'up to date', 'cached' (offline), 'failed'
    path: Path | None = None
    features: int = 0
    pages: int = 0
    fetched_at: str = ""
    age_s: float | None = None
    notes: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    #: a box-fetched layer that came with no features (stored, and reported)
    empty: bool = False


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


class LayerFetcher:
    """Downloads one layer into the cache folder: pages → partial folder → GeoPackage → rename."""

    def __init__(self, spec: ServiceSpec, cache_dir: Path, bbox: tuple[float, float, float, float] | None,
                 options: FetchOptions, ctx: RunContext, http: Http) -> None:
        self.spec = spec
        self.cache_dir = cache_dir
        self.bbox = None if spec.national else bbox
        self.options = options
        self.ctx = ctx
        self.http = http
        self.target = cache_dir / spec.file_name
        self.partial = cache_dir / PARTIAL_DIR / spec.layer_id
        self.signature = spec.signature(self.bbox, options.page_size)
        self.label = spec.layer_id

    # ------------------------------------------------------------ state
    def _load_state(self) -> dict | None:
        path = self.partial / "state.json"
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if state.get("signature") != self.signature or state.get("tool") != __version__ \
                or state.get("format") != STATE_FORMAT:
            return None
        started = state.get("updated_monotonic_wall")
        if isinstance(started, (int, float)) and time.time() - started > RESUME_MAX_AGE_S:
            return None
        if not all((self.partial / p["file"]).is_file() for p in state.get("pages", [])):
            return None
        return state

    def _save_state(self, state: dict) -> None:
        state["updated_monotonic_wall"] = time.time()
        _write_json_atomic(self.partial / "state.json", state)

    def up_to_date(self) -> CachedLayer | None:
        cached = cached_layer(self.cache_dir, self.spec)
        if cached is None:
            return None
        signature = dict(cached.row.get("signature") or {})
        wanted = dict(self.signature)
        signature.pop("bbox", None)
        wanted.pop("bbox", None)
        return cached if signature == wanted and cached.covers(self.bbox) else None

    # ------------------------------------------------------------ run
    def run(self) -> LayerReport:
        started = time.perf_counter()
        if not self.options.refresh:
            cached = self.up_to_date()
            if cached is not None:
                return LayerReport(self.spec.layer_id, "up to date", cached.path, int(cached.row.get("features") or 0),
                                   int(cached.row.get("pages") or 0), str(cached.row.get("fetched_at") or ""),
                                   cached.age_s())
        temp = self.cache_dir / f".{self.target.stem}.partial-{secrets.token_hex(4)}.gpkg"
        try:
            state = self._download()
            self.ctx.report(0.95, _("{layer}: writing {name}").format(layer=self.label, name=self.target.name))
            files = [self.partial / p["file"] for p in state["pages"]]
            count, _geometry = assemble_gpkg(files, temp, self.spec.layer_id, self.spec.geometry, self.ctx)
            row = self._provenance_row(state, count)
            write_provenance(temp, [row], [{k: v for k, v in p.items() if k != "file"} | {"layer_id": self.label}
                                           for p in state["pages"]])
            self.ctx.check_cancelled()
            os.replace(temp, self.target)  # the old complete file stays until this instant
        except (RunCancelled, KeyboardInterrupt):
            _remove(temp)
            _remove_partial(self.partial)
            raise
        except BaseException:
            _remove(temp)  # the partial pages stay: the next run resumes from them
            for leftover in self.partial.glob("response.*"):
                leftover.unlink()
            if not (self.partial / "state.json").is_file():
                _remove_partial(self.partial)  # nothing to resume
            raise
        _remove_partial(self.partial)
        self.ctx.report(1.0, _("{layer}: done").format(layer=self.label))
        return LayerReport(self.spec.layer_id, "fetched", self.target, count, len(state["pages"]), row["fetched_at"],
                           0.0, list(row["notes"]), seconds=time.perf_counter() - started,
                           empty=count == 0)

    def _fresh_state(self) -> dict:
        return {"signature": self.signature, "tool": __version__, "format": STATE_FORMAT, "started_at": _now_iso(),
                "request": None, "next_url": None, "service_url": None, "page_size": self.options.page_size,
                "total": None, "pages": [], "notes": [], "crs": [], "number_matched": None, "received": 0,
                "kept": 0, "outside_box": 0, "filtered": 0, "no_geometry": 0, "flattened": 0, "bytes": 0,
                "done": False}

    def _download(self) -> dict:
        state = self._load_state()
        self.partial.mkdir(parents=True, exist_ok=True)
        reshaper = Reshaper(self.spec, self.bbox)
        if state is None:
            shutil.rmtree(self.partial, ignore_errors=True)
            self.partial.mkdir(parents=True, exist_ok=True)
            state = self._fresh_state()
            if self.spec.kind != "download":
                self._locate(state, reshaper)
                state["request"] = first_url(self.spec, self.bbox, state["page_size"], state["service_url"])
            else:
                state["request"] = self.spec.url
            state["next_url"] = state["request"]
            state["notes"] = list(reshaper.notes)
            self._save_state(state)
        else:
            reshaper.notes.extend(state["notes"])
            if state["pages"]:
                reshaper.note(_("{layer}: resumed an interrupted download after page {n} (pages 1–{n} are from "
                                "{when}).").format(layer=self.label, n=len(state["pages"]), when=state["started_at"]))
        if self.spec.kind == "download":
            if not state["done"]:
                self._download_file(state, reshaper)
        else:
            self._download_pages(state, reshaper)
        state["notes"] = list(reshaper.notes)
        state["crs"] = sorted(set(state["crs"]) | reshaper.crs_seen)
        if state["outside_box"]:
            state["notes"].append(_("{layer}: the service returned {n} feature(s) outside the requested box (it "
                                    "ignores bbox?); they were dropped here.").format(layer=self.label,
                                                                                      n=state["outside_box"]))
        if state["filtered"]:
            state["notes"].append(_("{layer}: {n} feature(s) dropped by the catalogue's filter ({filter}).").format(
                layer=self.label, n=state["filtered"], filter="; ".join(c.describe() for c in self.spec.filter)))
        if state["no_geometry"]:
            state["notes"].append(_("{layer}: {n} feature(s) without geometry skipped.").format(
                layer=self.label, n=state["no_geometry"]))
        if state["flattened"]:
            state["notes"].append(_("{layer}: {n} feature(s) came with Z (or M) coordinates; stored in 2D.").format(
                layer=self.label, n=state["flattened"]))
        if state["kept"] == 0:
            if self.bbox is None:
                raise FetchError(_("{layer}: the service delivered no features at all").format(layer=self.label),
                                 _("Check the layer's service in layers/catalogue.yaml; nothing was stored"))
            state["notes"].append(_("{layer}: NO FEATURES in the requested box {box}: stored as an empty layer. "
                                    "Check it (a wrong collection, filter or CRS gives this too).").format(
                layer=self.label, box=",".join(_fmt(v) for v in self.bbox)))
        for message in state["notes"]:
            self.ctx.tell(message)
        return state

    # ------------------------------------------------------------ where the service is
    def _locate(self, state: dict, reshaper: Reshaper) -> None:
        """Find the service address that answers (the catalogue's URL, then its known variants), and
        for a WFS its page cap (CountDefault) and the total (resultType=hits)."""
        tried: list[str] = []
        for url in (self.spec.url, *self.spec.variants):
            probe = self._probe_url(url)
            tried.append(probe)
            try:
                _response, info = self.http.get(probe, self._probe_parse, "application/json, text/xml;q=0.9, */*;q=0.1",
                                                self.label, max_bytes=PROBE_MAX_BYTES)
            except NotFound:
                continue
            state["service_url"] = url
            if url != self.spec.url:
                reshaper.note(_("{layer}: {old} answered 404; the service was found at {new} (update "
                                "layers/catalogue.yaml).").format(layer=self.label, old=self.spec.url, new=url))
            cap = info.get("page_cap")
            if cap:
                state["page_size"] = min(self.options.page_size, int(cap))
                if cap < self.options.page_size:
                    reshaper.note(_("{layer}: the service serves at most {n} features per page ({how}); "
                                    "paged accordingly.").format(layer=self.label, n=cap, how=info["cap_source"]))
            if self.spec.kind == "wfs":
                self._hits(state, reshaper, url)
            return
        raise FetchError(_("layer {layer!r}: every known address answered 404 (not found): {urls}").format(
            layer=self.label, urls=", ".join(tried)),
            _("The service has moved: correct service.url of {layer!r} in layers/catalogue.yaml, or give "
              "--base-url-override {layer}=URL").format(layer=self.label))

    def _probe_url(self, url: str) -> str:
        if self.spec.kind == "wfs":
            return capabilities_url(url)
        if self.spec.kind == "ogc-api-features":
            return url.rstrip("/") + "/collections/" + urllib.parse.quote(self.spec.collection) + "?f=json"
        return url + ("&" if "?" in url else "?") + "f=json"

    def _probe_parse(self, response: Response) -> dict:
        text = response.body.decode("utf-8", "replace")
        if self.spec.kind == "wfs":
            if "<" not in text[:200]:
                raise FetchError(_("{layer}: the GetCapabilities answer is not XML").format(layer=self.label),
                                 _("Check service.url in layers/catalogue.yaml"))
            caps = parse_capabilities(text)
            if caps.type_names and self.spec.collection not in caps.type_names:
                raise FetchError(_("{layer}: the WFS does not offer typeName {name!r} (it offers {names})").format(
                    layer=self.label, name=self.spec.collection, names=", ".join(caps.type_names[:10])),
                    _("Correct service.typename in layers/catalogue.yaml"))
            return {"page_cap": caps.count_default, "cap_source": "CountDefault"}
        try:
            data = json.loads(text)
        except ValueError:
            raise _Transient(_("the JSON answer does not parse ({n} bytes; truncated?)").format(
                n=response.size)) from None
        if self.spec.kind == "arcgis-featureserver" and isinstance(data, dict):
            if isinstance(data.get("error"), dict):
                code = data["error"].get("code")
                if code in (400, 404):
                    raise NotFound(str(data["error"].get("message") or code), "")
            cap = _int(data.get("maxRecordCount"))
            return {"page_cap": cap if cap and cap > 0 else None, "cap_source": "maxRecordCount"}
        return {"page_cap": None, "cap_source": ""}

    def _hits(self, state: dict, reshaper: Reshaper, url: str) -> None:
        def parse(response: Response) -> int | None:
            head = response.head(4096).decode("utf-8", "replace")
            matched = _int(_gml_root(head).get("numberMatched"))
            if matched is None:
                try:
                    matched = _int(json.loads(response.body.decode("utf-8")).get("numberMatched"))
                except (ValueError, AttributeError):
                    matched = None
            return matched

        try:
            _response, total = self.http.get(hits_url(self.spec, self.bbox, url), parse,
                                             "text/xml, application/json;q=0.9", self.label,
                                             max_bytes=PROBE_MAX_BYTES)
        except NotFound:
            total = None
        except FetchError as error:
            reshaper.note(_("{layer}: resultType=hits failed ({error}); completeness is judged by the empty last "
                            "page only.").format(layer=self.label, error=str(error)[:160]))
            return
        state["total"] = total
        if total is None:
            reshaper.note(_("{layer}: resultType=hits gave no numberMatched; completeness is judged by the empty "
                            "last page only.").format(layer=self.label))

    # ------------------------------------------------------------ pages
    def _parse(self, response: Response) -> Page:
        if self.spec.kind == "ogc-api-features":
            return _ogc_page(response, self.label, self.ctx)
        if self.spec.kind == "arcgis-featureserver":
            return _arcgis_page(response, self.label, self.ctx)
        if response.head(256).lstrip()[:1] == b"<":
            gml = self.partial / "response.gml"
            os.replace(response.path, gml)
            response.path = gml
            return _gml_page(response, self.label, self.partial)
        return _wfs_json_page(response, self.label, self.ctx)

    def _accept(self) -> str:
        if self.spec.kind == "wfs":
            return "application/json, application/geo+json;q=0.9, application/gml+xml;q=0.5, */*;q=0.1"
        return "application/geo+json, application/json;q=0.9, */*;q=0.1"

    def _store_page(self, state: dict, response: Response, page: Page, reshaper: Reshaper, url: str,
                    same_request: bool = False) -> None:
        """Reshape a page feature by feature into the partial folder (one JSON feature per line).
        ``same_request``: another slice of the previous request's answer (a downloaded file read in
        slices), so no second HTTP record."""
        function = reshaper.decide(page, self.label)
        stats = PageStats()
        number = len(state["pages"]) + 1
        name = f"page-{number:05d}.ndjson"
        temp = self.partial / f".{name}.tmp"
        with open(temp, "w", encoding="utf-8") as out:
            for i, feature in enumerate(page.features()):
                if i % 2000 == 0:
                    self.ctx.check_cancelled()
                row = reshaper.one(feature, function, stats)
                if row is not None:
                    out.write(json.dumps(row, ensure_ascii=False, allow_nan=False, default=str) + "\n")
        os.replace(temp, self.partial / name)
        size = 0 if same_request else response.size
        state["pages"].append({"page": number, "url": url, "requested_at": response.requested_at,
                               "http_status": response.status, "attempts": response.attempts,
                               "bytes": size, "sha256": "" if same_request else response.sha256,
                               "features_received": stats.received, "features_kept": stats.kept,
                               "content_type": response.headers.get("content-type", ""), "file": name})
        state["bytes"] = int(state.get("bytes") or 0) + size
        for key in ("received", "kept", "outside_box", "filtered", "no_geometry", "flattened"):
            state[key] += getattr(stats, key)
        if response.log:
            reshaper.note(_("{layer}: page {n} needed {k} attempts ({log}).").format(
                layer=self.label, n=number, k=response.attempts, log="; ".join(response.log)))
        if state["number_matched"] is None and page.number_matched is not None:
            state["number_matched"] = page.number_matched
        state["notes"] = list(reshaper.notes)
        state["crs"] = sorted(set(state["crs"]) | reshaper.crs_seen)

    def _next(self, url: str, page: Page, state: dict, seen: set[str]) -> str | None:
        if self.spec.kind == "wfs":
            # PDOK's MapServer caps a page whatever COUNT asks and its numberMatched is a running
            # total: step by what came, stop only at an empty page
            if page.count == 0:
                return None
            start = _int(_query_value(url, "startIndex")) or 0
            return _with_query(url, startIndex=start + page.count)
        if self.spec.kind == "arcgis-featureserver":
            if not (page.exceeded and page.count):
                return None
            offset = _int(_query_value(url, "resultOffset")) or 0
            return _with_query(url, resultOffset=offset + page.count)
        next_url = page.next_url
        if next_url is None:
            return None
        if not same_origin(state["request"] or url, next_url):
            raise FetchError(_("{layer}: the service's next link points to another origin ({link}); refusing to "
                               "follow it (only {origin} is asked)").format(
                layer=self.label, link=next_url[:200], origin="://".join(origin(url)[:2]) + f":{origin(url)[2]}"),
                _("Report it to the service, or give --base-url-override for a service that pages on its own "
                  "address; the layer was not stored"))
        if next_url == url or next_url in seen:
            raise FetchError(_("{layer}: the service's paging loops (page {n} links back to an earlier "
                               "page)").format(layer=self.label, n=len(state["pages"])),
                             _("Report it to the service; the layer was not stored"))
        return next_url

    def _download_pages(self, state: dict, reshaper: Reshaper) -> None:
        url = state["next_url"]
        seen = {p["url"] for p in state["pages"]}
        while url:
            self.ctx.check_cancelled()
            if len(state["pages"]) >= self.options.max_pages:
                raise FetchError(_("{layer}: more than {n} pages").format(layer=self.label, n=self.options.max_pages),
                                 _("Use a smaller region, or raise --max-pages; the layer was not stored"))
            left = self.options.max_layer_bytes - int(state.get("bytes") or 0)
            if left <= 0:
                raise FetchError(_("{layer}: more than {n:,} bytes").format(layer=self.label,
                                                                           n=self.options.max_layer_bytes),
                                 _("Use a smaller region; the layer was not stored"))
            number = len(state["pages"]) + 1
            total = state["total"] or state["number_matched"]
            fraction = min(0.9, state["received"] / total) if total else 1.0 - 1.0 / (1.0 + 0.3 * len(state["pages"]))
            self.ctx.report(0.9 * fraction, _("{layer}: page {n} ({count:,} features so far)").format(
                layer=self.label, n=number, count=state["received"]))
            try:
                response, page = self.http.get(url, self._parse, self._accept(), self.label,
                                               sink=self.partial / "response.body",
                                               max_bytes=min(self.options.max_page_bytes, left))
            except FetchError as error:
                if self.spec.kind == "wfs" and not state["pages"] and _query_value(url, "sortBy") \
                        and "HTTP 400" in str(error):
                    reshaper.note(_("{layer}: the WFS refused sortBy={field} ({error}); paged unsorted, so pages "
                                    "may shift if the data changes meanwhile.").format(
                        layer=self.label, field=self.spec.sort_by, error=str(error).split(": ", 1)[-1][:120]))
                    url = state["request"] = state["next_url"] = _without_query(url, "sortBy")
                    continue
                if "bytes" in str(error) and left < self.options.max_page_bytes:
                    raise FetchError(_("{layer}: more than {n:,} bytes").format(
                        layer=self.label, n=self.options.max_layer_bytes),
                        _("Use a smaller region; the layer was not stored")) from None
                raise
            try:
                self._store_page(state, response, page, reshaper, url)
            finally:
                for leftover in self.partial.glob("response.*"):
                    leftover.unlink()
            if state["received"] > self.options.max_features:
                raise FetchError(_("{layer}: more than {n:,} features").format(layer=self.label,
                                                                                n=self.options.max_features),
                                 _("Use a smaller region (or --margin), or raise the limit"))
            total = state["total"]
            if self.spec.kind == "wfs" and total is not None and page.count \
                    and state["received"] > total + int(state["page_size"] or 0):
                raise FetchError(_("{layer}: the pages hold more features ({received:,}) than resultType=hits "
                                   "announced ({total:,}): the service ignores startIndex?").format(
                    layer=self.label, received=state["received"], total=total),
                    _("Report it to the service; the layer was not stored"))
            next_url = self._next(url, page, state, seen)
            seen.add(url)
            state["next_url"] = next_url
            self._save_state(state)
            url = next_url
        total = state["total"]
        if self.spec.kind == "wfs" and total is not None and state["received"] != total:
            if state["received"] < total:
                raise FetchError(_("{layer}: resultType=hits announced {total:,} features but the pages ended "
                                   "after {received:,}").format(layer=self.label, total=total,
                                                               received=state["received"]),
                                 _("Try again (the data may be changing); the layer was not stored"))
            reshaper.note(_("{layer}: the pages held {received:,} features, {total:,} announced (the data changed "
                            "while paging?).").format(layer=self.label, received=state["received"], total=total))
        matched = state["number_matched"]
        if self.spec.kind != "wfs" and matched is not None and state["received"] < matched:
            raise FetchError(_("{layer}: the service announced {matched:,} features but its pages ended after "
                               "{received:,}").format(layer=self.label, matched=matched, received=state["received"]),
                             _("Try again (the data may be changing); the layer was not stored"))
        state["done"] = True
        self._save_state(state)

    def _download_file(self, state: dict, reshaper: Reshaper) -> None:
        import geopandas as gpd
        from pyproj import CRS
        from shapely.geometry import box

        from .data.vectorio import list_layers

        suffix = Path(urllib.parse.urlsplit(self.spec.url).path).suffix or ".gpkg"
        sink = self.partial / f"download{suffix}"

        def check(response: Response) -> list[str]:
            try:
                return list_layers(sink)
            except SmrSitingError:
                raise _Transient(_("the downloaded file does not open ({n} bytes; truncated?)").format(
                    n=response.size)) from None

        self.ctx.report(0.05, _("{layer}: downloading {url}").format(layer=self.label, url=self.spec.url))
        response, layers = self.http.get(self.spec.url, check, "*/*", self.label, sink=sink,
                                         max_bytes=self.options.max_layer_bytes)
        name = self.spec.collection or (layers[0] if len(layers) == 1 else "")
        if name not in layers:
            raise FetchError(_("{layer}: the download holds layers {layers}, not {name!r}").format(
                layer=self.label, layers=", ".join(layers), name=name),
                _("Set service.download_layer in layers/catalogue.yaml"))
        self.ctx.check_cancelled()
        bbox = gpd.GeoSeries([box(*self.bbox)], crs="EPSG:28992") if self.bbox is not None else None
        gdf = gpd.read_file(str(sink), layer=name, bbox=bbox)
        crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
        authority = crs.to_authority(min_confidence=90) if crs is not None else None
        label = (f"{authority[0]}:{authority[1]}" if authority else (crs.name if crs else "")) + " (file)"
        columns = [c for c in gdf.columns if c != gdf.geometry.name]
        chunk = 5000
        for start in range(0, max(len(gdf), 1), chunk):
            part = gdf.iloc[start:start + chunk]
            features = []
            for values, geometry in zip(part[columns].itertuples(index=False, name=None), part.geometry.values):
                properties = {c: _plain(v) for c, v in zip(columns, values)}
                features.append({"type": "Feature", "properties": properties,
                                 "geometry": geometry.__geo_interface__ if geometry is not None else None})
            page = Page.of(features, crs=crs, crs_label=label)
            self._store_page(state, response, page, reshaper, self.spec.url, same_request=start > 0)
            self.ctx.check_cancelled()
        sink.unlink()
        state["done"] = True
        self._save_state(state)

    def _provenance_row(self, state: dict, count: int) -> dict:
        bbox = ",".join(_fmt(v) for v in self.bbox) if self.bbox is not None else ""
        query = {"bbox": bbox or None, "bbox_crs": "EPSG:28992" if bbox else None, "crs": "EPSG:28992",
                 "page_size": state.get("page_size") or self.options.page_size, "params": dict(self.spec.params),
                 "filter": [c.describe() for c in self.spec.filter], "fields": dict(self.spec.fields),
                 "set": dict(self.spec.constants), "derive": dict(self.spec.derive), "sort_by": self.spec.sort_by,
                 "total_hits": state.get("total")}
        hashes = [p["sha256"] for p in state["pages"] if p["sha256"]]
        fetched_at = _now_iso()
        vintage = self.spec.vintage or _("as served on {date}").format(date=fetched_at[:10])
        return {"layer_id": self.label, "layer_name": self.spec.layer_id, "title": self.spec.title, "complete": 1,
                "service_kind": self.spec.kind, "service_url": state.get("service_url") or self.spec.url,
                "collection": self.spec.collection,
                "request": state["request"], "query": query, "bbox": bbox, "crs_received": ", ".join(state["crs"]),
                "started_at": state["started_at"], "fetched_at": fetched_at, "features": count,
                "pages": len(state["pages"]), "bytes": sum(int(p["bytes"]) for p in state["pages"]),
                "sha256": _hash_list(hashes), "owner": self.spec.owner, "licence": self.spec.licence,
                "vintage": vintage, "caveat": self.spec.caveat, "names_from": self.spec.names_from,
                "notes": list(state["notes"]), "signature": self.signature, "tool": f"smr-siting {__version__}"}


def _plain(value: Any) -> Any:
    """numpy / pandas scalars → JSON-able Python values (NaN → None)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value


# --------------------------------------------------------------------------- the whole fetch


@dataclass(frozen=True)
class FetchRequest:
    cache_dir: Path
    region: str | None = None
    layers: Sequence[str] | None = None  # None or ['all']: every fetchable layer
    offline: bool = False
    data_dir: Path | None = None  # where to find the boundaries for the region (default: the cache)
    url_overrides: Mapping[str, str] = field(default_factory=dict)
    margin_m: float = DEFAULT_MARGIN_M
    options: FetchOptions = field(default_factory=FetchOptions)
    #: ask every catalogue address at MIRROR/HOST/PATH (a local mirror, the test replay server)
    mirror: str | None = None


@dataclass
class FetchReport:
    cache_dir: Path
    region: Any = None
    bbox: tuple[float, float, float, float] | None = None
    layers: list[LayerReport] = field(default_factory=list)

    @property
    def failures(self) -> list[LayerReport]:
        return [r for r in self.layers if r.status == "failed"]


BOUNDARY_IDS = ("provinces", "municipalities")


def resolve_layer_ids(requested: Sequence[str] | None, catalogue: Catalogue) -> list[str]:
    """'all' (or nothing) → every fetchable layer; else the ids given (comma lists allowed), checked."""
    names = [n.strip() for item in (requested or ["all"]) for n in str(item).split(",") if n.strip()]
    if not names or "all" in names:
        return fetchable_ids(catalogue)
    out = []
    for name in names:
        entry = catalogue.get(name)
        if entry is None:
            close = difflib.get_close_matches(name, sorted(catalogue.ids), n=1)
            raise DataError(_("unknown layer id {layer!r}").format(layer=name),
                            (_("Did you mean {name!r}?").format(name=close[0]) + " " if close else "")
                            + _("Fetchable layers: {ids}").format(ids=", ".join(fetchable_ids(catalogue))))
        if name not in out:
            out.append(name)
    return out


def region_bbox(region: Any, margin_m: float) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = region.geometry.bounds
    return (math.floor(minx - margin_m), math.floor(miny - margin_m), math.ceil(maxx + margin_m),
            math.ceil(maxy + margin_m))


def _is_region_file(spec: str) -> bool:
    from .data.layers import LayerInput

    source = LayerInput.parse(spec)
    return source.path.exists() or Path(spec).suffix.lower() in (".gpkg", ".shp", ".geojson", ".json", ".fgb")


def _boundaries_in(folder: Path | None, catalogue: Catalogue, ctx: RunContext) -> bool:
    from .data.layers import LayerStore

    if folder is None or not folder.is_dir():
        return False
    store = LayerStore(catalogue, folder, {}, ctx)
    try:
        for layer_id in BOUNDARY_IDS:
            source, origin = store.locate(layer_id)
            if origin != "data folder":
                return False
    except DataError:
        return False
    return True


class Fetcher:
    """``smr-siting fetch``: resolve the region, then fetch (or, offline, check) each layer."""

    def __init__(self, request: FetchRequest, ctx: RunContext | None = None,
                 catalogue: Catalogue | None = None, transport: Transport | None = None) -> None:
        """``transport``: another :class:`~.fetch_http.Transport` (e.g. one on QGIS's network manager)."""
        self.request = request
        self.ctx = ctx or RunContext()
        self.catalogue = catalogue or load_catalogue()
        self.http = Http(request.options, self.ctx, transport=transport)
        for layer_id in request.url_overrides:
            if self.catalogue.get(layer_id) is None:
                close = difflib.get_close_matches(layer_id, sorted(self.catalogue.ids), n=1)
                raise DataError(_("--base-url-override names an unknown layer id {layer!r}").format(layer=layer_id),
                                (_("Did you mean {name!r}?").format(name=close[0]) + " " if close else "")
                                + _("Write it as ID=URL with an id from layers/catalogue.yaml"))

    def spec(self, layer_id: str) -> ServiceSpec:
        return service_spec(self.catalogue[layer_id], self.request.url_overrides.get(layer_id), self.request.mirror)

    def _check_cache_dir(self) -> Path:
        folder = self.request.cache_dir
        if folder.exists() and not folder.is_dir():
            raise SmrSitingError(_("the cache {path} is a file, not a folder").format(path=folder),
                                 _("Give --cache a folder"))
        if self.request.offline:
            if not folder.is_dir():
                raise FetchError(_("offline, and the cache folder {path} does not exist").format(path=folder),
                                 _("Fetch once while online (without --offline)"))
            return folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SmrSitingError(_("cannot create the cache folder {path} ({reason})").format(
                path=folder, reason=error.strerror), _("Choose a folder you can write to")) from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise SmrSitingError(_("cannot write to the cache folder {path}").format(path=folder),
                                 _("Choose a folder you can write to"))
        return folder

    def run(self) -> FetchReport:
        existed = self.request.cache_dir.exists()
        try:
            return self._run()
        except (RunCancelled, KeyboardInterrupt):
            if not existed:  # a cancel leaves nothing behind, not even the folder it made
                try:
                    self.request.cache_dir.rmdir()
                except OSError:
                    pass
            raise

    def _run(self) -> FetchReport:
        cache_dir = self._check_cache_dir()
        layer_ids = resolve_layer_ids(self.request.layers, self.catalogue)
        if not self.request.offline:
            specs = {layer_id: self.spec(layer_id) for layer_id in layer_ids}  # refuse unfetchable ids up front
        else:
            specs = {}
        report = FetchReport(cache_dir)
        region = None
        fetched_boundaries: set[str] = set()
        needs_box = any(not self._national(layer_id) for layer_id in layer_ids)
        if self.request.region:
            region, fetched_boundaries = self._region(report)
            report.region = region
            report.bbox = region_bbox(region, self.request.margin_m)
        elif needs_box and not self.request.offline:
            raise SmrSitingError(_("no region given"), _("Name one with --region (e.g. Gelderland or Ede); "
                                                         "the layers are fetched within its bounds"))
        n = max(len(layer_ids), 1)
        for i, layer_id in enumerate(layer_ids):
            stage = self.ctx.stage(0.1 + 0.9 * i / n, 0.1 + 0.9 * (i + 1) / n)
            if layer_id in fetched_boundaries:
                continue
            if self.request.offline:
                report.layers.append(self._offline(layer_id, report.bbox))
                continue
            report.layers.append(self._fetch_one(specs[layer_id], report.bbox, stage))
        if not self.request.offline:
            write_pack(cache_dir, self.catalogue, self.ctx)
        return report

    def _national(self, layer_id: str) -> bool:
        entry = self.catalogue[layer_id]
        return str((entry.service or {}).get("extent", "")) == "national"

    def _fetch_one(self, spec: ServiceSpec, bbox: tuple[float, float, float, float] | None,
                   ctx: RunContext) -> LayerReport:
        fetcher = LayerFetcher(spec, self.request.cache_dir, bbox, self.request.options, ctx, self.http)
        started = time.perf_counter()
        try:
            return fetcher.run()
        except NetworkError:
            raise
        except FetchError as error:
            text = str(error)
            if not text.startswith(spec.layer_id):
                text = f"{spec.layer_id}: {text}"
            return LayerReport(spec.layer_id, "failed", fetcher.target, error=text,
                               seconds=time.perf_counter() - started)

    def _offline(self, layer_id: str, bbox: tuple[float, float, float, float] | None) -> LayerReport:
        entry = self.catalogue[layer_id]
        cached = cached_layer(self.request.cache_dir, entry)
        if cached is None:
            return LayerReport(layer_id, "failed", self.request.cache_dir / cache_file_name(entry),
                               error=_("{layer}: not in the cache {folder}. Fetch it while online (without "
                                       "--offline)").format(layer=layer_id, folder=self.request.cache_dir))
        box = None if self._national(layer_id) else bbox
        report = LayerReport(layer_id, "cached", cached.path, int(cached.row.get("features") or 0),
                             int(cached.row.get("pages") or 0), str(cached.row.get("fetched_at") or ""),
                             cached.age_s(), list(cached.row.get("notes") or []))
        if box is not None and not cached.covers(box):
            report.status = "failed"
            report.error = _("{layer}: the cached copy covers box {have}, not the region's {want}. Fetch it for "
                             "this region while online").format(
                layer=layer_id, have=cached.row.get("bbox"), want=",".join(_fmt(v) for v in box))
        return report

    def _region(self, report: FetchReport) -> tuple[Any, set[str]]:
        from .data.layers import LayerStore
        from .data.region import resolve_region

        spec = str(self.request.region)
        fetched: set[str] = set()
        folder = self.request.data_dir or self.request.cache_dir
        if not _is_region_file(spec) and not _boundaries_in(folder, self.catalogue, self.ctx):
            if self.request.data_dir is not None:
                raise DataError(_("the data folder {folder} holds no province and municipality boundaries to find "
                                  "region {region!r} in").format(folder=folder, region=spec),
                                _("Leave out --data to fetch the boundaries into the cache first"))
            if self.request.offline:
                raise FetchError(_("offline, and the cache {folder} holds no province and municipality boundaries "
                                   "to find region {region!r} in").format(folder=folder, region=spec),
                                 _("Fetch once while online (without --offline)"))
            stage = self.ctx.stage(0.0, 0.1)
            for layer_id in BOUNDARY_IDS:
                stage.report(0.0, _("fetching {layer} to find the region").format(layer=layer_id))
                layer_report = self._fetch_one(self.spec(layer_id), None, stage)
                report.layers.append(layer_report)
                fetched.add(layer_id)
                if layer_report.status == "failed":
                    raise FetchError(_("cannot find region {region!r}: {error}").format(
                        region=spec, error=layer_report.error.rstrip(".")),
                        _("Give --data a folder with the boundaries, or a region polygon file"))
        store = LayerStore(self.catalogue, folder if folder.is_dir() else None, {}, self.ctx)
        return resolve_region(spec, store), fetched


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


def fetch(request: FetchRequest, ctx: RunContext | None = None, catalogue: Catalogue | None = None,
          transport: Transport | None = None) -> FetchReport:
    """Fetch (or, with ``request.offline``, check) the requested layers into ``request.cache_dir``."""
    return Fetcher(request, ctx, catalogue, transport).run()
