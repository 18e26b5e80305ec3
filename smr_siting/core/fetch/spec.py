"""What the downloader fetches and how: its options, its errors, and a catalogue layer's service recipe
(:class:`ServiceSpec`, built from the layer's ``service:`` block in ``layers/catalogue.yaml``)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..data.catalogue import Catalogue, CatalogueEntry
from ..model.errors import DataError, SmrSitingError
from ..model.i18n import _
from ..model.profile import Condition

FETCHABLE_KINDS = ("ogc-api-features", "wfs", "arcgis-featureserver", "download")


class FetchError(SmrSitingError):
    """A service could not deliver a layer (after the retries), or delivered something unusable."""


class NetworkError(FetchError):
    """The service's host could not be reached at all (no network, DNS, proxy)."""


class NotFound(FetchError):  # noqa: N818 - an HTTP status
    """HTTP 404 (or 410): the path or collection is not (or no longer) there."""


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


#: a service block's filter operators, in the order its messages list them (the profile's, ordered as before)
FILTER_OPS = ("==", "!=", "in", "not in", "<", "<=", ">", ">=")


def filter_condition(name: str, op: str, value: Any) -> Condition:
    """A catalogue filter (on the service's own attribute names) as the profile's :class:`Condition`: a
    feature without the attribute passes ``!=`` and ``not in`` (``keep_missing``), as it always did here."""
    return Condition(name, op, value, keep_missing=op in ("!=", "not in"))


def filter_text(condition: Condition) -> str:
    """A filter as the cache's signature, provenance and notes write it (``field op value``)."""
    return f"{condition.field} {condition.op} {condition.value!r}"


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
                "params": dict(self.params), "filter": [filter_text(c) for c in self.filter],
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
        if op not in FILTER_OPS:
            raise DataError(_("layers/catalogue.yaml: {layer}: unknown filter operator {op!r}").format(
                layer=entry.id, op=op), _("Use one of {ops}").format(ops=", ".join(FILTER_OPS)))
        value = raw.get("value")
        conditions.append(filter_condition(str(raw["field"]), op, tuple(value) if isinstance(value, list) else value))
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
