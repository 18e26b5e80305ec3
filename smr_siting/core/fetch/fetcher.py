"""``smr-siting fetch``: resolve the region, then fetch (or, offline, check) each requested layer."""

from __future__ import annotations

import difflib
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..data.catalogue import Catalogue, load_catalogue
from ..model.errors import DataError, RunCancelled, SmrSitingError
from ..model.i18n import _
from ..model.progress import RunContext
from .cache import cached_layer, write_pack
from .client import Http
from .http import Transport
from .layer import LayerFetcher, LayerReport
from .pages import _fmt
from .spec import FetchError, FetchOptions, NetworkError, ServiceSpec, cache_file_name, fetchable_ids, service_spec

DEFAULT_MARGIN_M = 30_000.0


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
    from ..data.layers import LayerInput

    source = LayerInput.parse(spec)
    return source.path.exists() or Path(spec).suffix.lower() in (".gpkg", ".shp", ".geojson", ".json", ".fgb")


def _boundaries_in(folder: Path | None, catalogue: Catalogue, ctx: RunContext) -> bool:
    from ..data.layers import LayerStore

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
        """``transport``: another :class:`~.http.Transport` (e.g. one on QGIS's network manager)."""
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
        from ..data.layers import LayerStore
        from ..data.region import resolve_region

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


def fetch(request: FetchRequest, ctx: RunContext | None = None, catalogue: Catalogue | None = None,
          transport: Transport | None = None) -> FetchReport:
    """Fetch (or, with ``request.offline``, check) the requested layers into ``request.cache_dir``."""
    return Fetcher(request, ctx, catalogue, transport).run()
