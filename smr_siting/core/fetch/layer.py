"""Downloading one layer into the cache folder (:class:`LayerFetcher`): find the service, page through it
(resuming an interrupted download), reshape every page into ``.partial/<id>/``, assemble the GeoPackage and
rename it over the complete file only after the last page."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .. import __version__
from ..data.provenance import write_provenance
from ..model.errors import RunCancelled
from ..model.i18n import _
from ..model.progress import RunContext
from . import arcgis, download, ogc, wfs
from .arcgis import _arcgis_page
from .cache import CachedLayer, _hash_list, _remove, _remove_partial, _write_json_atomic, assemble_gpkg, cached_layer
from .client import PROBE_MAX_BYTES, Http, Response, _now_iso, _Transient
from .ogc import _ogc_page
from .pages import Page, _fmt, _query_value, _without_query
from .reshape import PageStats, Reshaper
from .spec import FetchError, FetchOptions, NotFound, ServiceSpec, filter_text
from .wfs import capabilities_url, hits_url

PARTIAL_DIR = ".partial"
#: a partial download older than this is started afresh rather than resumed
RESUME_MAX_AGE_S = 24 * 3600
#: the layout of a partial download's state.json (older ones are started afresh)
STATE_FORMAT = 2


def first_url(spec: ServiceSpec, bbox: tuple[float, float, float, float] | None, page_size: int,
              url: str | None = None) -> str:
    """The first request of a layer's download (``url``: the service address that answered)."""
    box = ",".join(_fmt(v) for v in bbox) if bbox is not None else None
    service = url or spec.url
    if spec.kind == "ogc-api-features":
        base, query = ogc.first_request(spec, service, box, page_size)
    elif spec.kind == "wfs":
        base, query = wfs.first_request(spec, service, box, page_size)
    elif spec.kind == "arcgis-featureserver":
        base, query = arcgis.first_request(spec, service, box, page_size)
    else:
        return service
    query.update(spec.params)
    separator = "&" if "?" in base else "?"
    return base + separator + urllib.parse.urlencode(query, safe=",:/")


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
                layer=self.label, n=state["filtered"], filter="; ".join(filter_text(c) for c in self.spec.filter)))
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
            return ogc.probe_url(url, self.spec.collection)
        return arcgis.probe_url(url)

    def _probe_parse(self, response: Response) -> dict:
        text = response.body.decode("utf-8", "replace")
        if self.spec.kind == "wfs":
            return wfs.probe_info(text, self.spec, self.label)
        try:
            data = json.loads(text)
        except ValueError:
            raise _Transient(_("the JSON answer does not parse ({n} bytes; truncated?)").format(
                n=response.size)) from None
        if self.spec.kind == "arcgis-featureserver" and isinstance(data, dict):
            return arcgis.probe_info(data)
        return {"page_cap": None, "cap_source": ""}

    def _hits(self, state: dict, reshaper: Reshaper, url: str) -> None:
        try:
            _response, total = self.http.get(hits_url(self.spec, self.bbox, url), wfs.parse_hits,
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
        return wfs.feature_page(response, self.label, self.ctx, self.partial)

    def _accept(self) -> str:
        if self.spec.kind == "wfs":
            return wfs.ACCEPT
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

        def features() -> Iterator[Any]:
            for i, feature in enumerate(page.features()):
                if i % 2000 == 0:
                    self.ctx.check_cancelled()
                yield feature

        with open(temp, "w", encoding="utf-8") as out:
            for row in reshaper.rows(features(), function, stats):
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
            return wfs.next_url(url, page)
        if self.spec.kind == "arcgis-featureserver":
            return arcgis.next_url(url, page)
        return ogc.next_url(url, page, state["request"], seen, self.label, len(state["pages"]))

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
        sink = self.partial / download.file_name(self.spec.url)
        self.ctx.report(0.05, _("{layer}: downloading {url}").format(layer=self.label, url=self.spec.url))
        response, name = download.download_file(self.http, self.spec.url, self.spec.collection, sink,
                                                self.options.max_layer_bytes, self.label)
        self.ctx.check_cancelled()
        for number, page in enumerate(download.file_pages(sink, name, self.bbox)):
            self._store_page(state, response, page, reshaper, self.spec.url, same_request=number > 0)
            self.ctx.check_cancelled()
        sink.unlink()
        state["done"] = True
        self._save_state(state)

    def _provenance_row(self, state: dict, count: int) -> dict:
        bbox = ",".join(_fmt(v) for v in self.bbox) if self.bbox is not None else ""
        query = {"bbox": bbox or None, "bbox_crs": "EPSG:28992" if bbox else None, "crs": "EPSG:28992",
                 "page_size": state.get("page_size") or self.options.page_size, "params": dict(self.spec.params),
                 "filter": [filter_text(c) for c in self.spec.filter], "fields": dict(self.spec.fields),
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
