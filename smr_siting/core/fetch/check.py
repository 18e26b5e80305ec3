"""``smr-siting fetch --check``: does every catalogue entry still match its live service?

Per fetchable entry it probes the service (a few small requests, no download):

- ``ogc-api-features``: the landing page, ``/collections`` (is the collection there?), one item
  (``limit=1``: are the attributes the catalogue uses there?);
- ``wfs``: ``GetCapabilities`` (is the typeName offered? ``CountDefault`` = the page cap), one
  feature (``count=1``: the attributes);
- ``arcgis-featureserver``: the layer description (``?f=json``: fields, ``maxRecordCount``).

The catalogue's own address is asked; when it answers 404 but one of its known ``url_variants``
answers, that is a mismatch too (the catalogue is out of date).  Each entry gives one line; every
mismatch is named.  When no service can be reached at all the result says *offline*.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..data.catalogue import Catalogue
from ..model.i18n import _
from .client import PROBE_MAX_BYTES, Http, Response
from .spec import FetchError, NetworkError, NotFound, ServiceSpec, fetchable_ids, service_spec
from .wfs import capabilities_url, parse_capabilities


@dataclass
class EntryCheck:
    layer_id: str
    url: str
    reachable: bool = False
    name_present: bool | None = None
    fields_missing: list[str] = field(default_factory=list)
    page_cap: str = ""
    mismatches: list[str] = field(default_factory=list)
    offline: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.offline


@dataclass
class CheckReport:
    entries: list[EntryCheck]

    @property
    def mismatches(self) -> list[tuple[str, str]]:
        return [(e.layer_id, m) for e in self.entries for m in e.mismatches]

    @property
    def offline(self) -> bool:
        """No service could be reached at all."""
        return bool(self.entries) and all(e.offline for e in self.entries)


def _json_parse(response: Response) -> Any:
    try:
        return json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FetchError(_("the answer of {url} is not JSON").format(url=response.url), "") from None


def _text_parse(response: Response) -> str:
    return response.body.decode("utf-8", "replace")


def _properties(data: Any) -> set[str] | None:
    if isinstance(data, dict) and isinstance(data.get("features"), list) and data["features"]:
        first = data["features"][0]
        if isinstance(first, dict):
            return set((first.get("properties") or {}).keys())
    return None


class _Prober:
    def __init__(self, http: Http) -> None:
        self.http = http

    def get(self, url: str, parse: Any, accept: str, label: str) -> Any:
        return self.http.get(url, parse, accept, label, max_bytes=PROBE_MAX_BYTES)[1]

    def locate(self, spec: ServiceSpec, result: EntryCheck, probe: Any) -> tuple[str, Any] | None:
        """The first address of the entry that answers, with the answer; mismatches for moved ones."""
        tried = []
        for url in (spec.url, *spec.variants):
            try:
                answer = probe(url)
            except NotFound:
                tried.append(url)
                continue
            if tried:
                result.mismatches.append(_("{url} answers 404; the service answers at {found}: correct service.url "
                                           "in layers/catalogue.yaml").format(url=tried[0], found=url))
            return url, answer
        result.mismatches.append(_("every known address answers 404: {urls}").format(urls=", ".join(tried)))
        return None

    def fields(self, spec: ServiceSpec, names: set[str] | None, result: EntryCheck) -> None:
        wanted = spec.service_fields()
        if names is None:
            if wanted:
                result.notes.append(_("no feature to read the attributes from"))
            return
        result.fields_missing = [n for n in wanted if n not in names]
        if result.fields_missing:
            result.mismatches.append(_("attribute(s) {missing} not in the service's features (they have {have})").format(
                missing=", ".join(result.fields_missing), have=", ".join(sorted(names)[:15])))

    def check(self, spec: ServiceSpec) -> EntryCheck:
        result = EntryCheck(spec.layer_id, spec.url)
        label = spec.layer_id
        if spec.kind == "ogc-api-features":
            found = self.locate(spec, result, lambda u: self.get(u.rstrip("/") + "?f=json", _json_parse,
                                                                 "application/json", label))
            if found is None:
                return result
            url, _landing = found
            result.reachable = True
            collections = self.get(url.rstrip("/") + "/collections?f=json", _json_parse, "application/json", label)
            ids = [str(c.get("id")) for c in (collections or {}).get("collections") or [] if isinstance(c, dict)]
            result.name_present = spec.collection in ids
            if not result.name_present:
                result.mismatches.append(_("collection {name!r} not in {url}/collections (it has {ids})").format(
                    name=spec.collection, url=url, ids=", ".join(ids[:12]) or _("none")))
                return result
            items = self.get(url.rstrip("/") + "/collections/" + urllib.parse.quote(spec.collection)
                             + "/items?f=json&limit=1", _json_parse, "application/geo+json", label)
            self.fields(spec, _properties(items), result)
            result.page_cap = _("limit ≤ 1000 (GoKoala)")
        elif spec.kind == "wfs":
            found = self.locate(spec, result, lambda u: self.get(capabilities_url(u), _text_parse, "text/xml", label))
            if found is None:
                return result
            url, text = found
            result.reachable = True
            caps = parse_capabilities(text)
            result.name_present = spec.collection in caps.type_names
            result.page_cap = _("CountDefault {n}").format(n=caps.count_default) if caps.count_default \
                else _("no CountDefault")
            if not result.name_present:
                result.mismatches.append(_("typeName {name!r} not offered (the capabilities list {names})").format(
                    name=spec.collection, names=", ".join(caps.type_names[:12]) or _("none")))
                return result
            query = {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": spec.collection,
                     "count": 1, "outputFormat": "application/json", "srsName": "EPSG:28992"}
            page = self.get(url + ("&" if "?" in url else "?") + urllib.parse.urlencode(query, safe=",:/"),
                            _json_parse, "application/json", label)
            self.fields(spec, _properties(page), result)
        elif spec.kind == "arcgis-featureserver":
            found = self.locate(spec, result, lambda u: self.get(u + ("&" if "?" in u else "?") + "f=json",
                                                                 _json_parse, "application/json", label))
            if found is None:
                return result
            _url, info = found
            result.reachable = True
            if isinstance(info, dict) and isinstance(info.get("error"), dict):
                result.mismatches.append(_("the layer answers error {code}: {message}").format(
                    code=info["error"].get("code"), message=info["error"].get("message", "")))
                return result
            names = {str(f.get("name")) for f in (info or {}).get("fields") or [] if isinstance(f, dict)}
            result.name_present = True
            result.page_cap = _("maxRecordCount {n}").format(n=(info or {}).get("maxRecordCount", "?"))
            self.fields(spec, names or None, result)
        else:
            result.reachable = True
            result.notes.append(_("a file download: not probed"))
        return result


def check_catalogue(catalogue: Catalogue, http: Http, layer_ids: Sequence[str] | None = None,
                    overrides: Mapping[str, str] | None = None, mirror: str | None = None) -> CheckReport:
    """Probe every (or the given) fetchable entry; see the module's description."""
    overrides = overrides or {}
    prober = _Prober(http)
    entries = []
    for layer_id in layer_ids or fetchable_ids(catalogue):
        http.ctx.check_cancelled()
        try:
            spec = service_spec(catalogue[layer_id], overrides.get(layer_id), mirror)
        except FetchError as error:
            result = EntryCheck(layer_id, "")
            result.mismatches.append(str(error).rstrip("."))
            entries.append(result)
            continue
        try:
            result = prober.check(spec)
        except NetworkError as error:
            result = EntryCheck(layer_id, spec.url, offline=True)
            result.mismatches.append(str(error).split(". ")[0])
        except FetchError as error:
            result = EntryCheck(layer_id, spec.url)
            result.mismatches.append(str(error).split(". Check")[0].rstrip("."))
        entries.append(result)
    return CheckReport(entries)
