"""A service's GeoJSON answer, read from its file: the streaming reader (:class:`JsonStream`), its
first pass (count, bounds, declared CRS) into a :class:`Page`, and the URL helpers paging uses."""

from __future__ import annotations

import codecs
import json
import math
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from ..model.i18n import _
from ..model.progress import RunContext
from .client import Response, _Transient
from .spec import FetchError

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


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")
