"""The exclusion of one screening: the request, the analysis grid, every rule's mask as one bit, the per-rule
table (computing only; writing is :mod:`smr_siting.core.pipeline.screen`)."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..config.designs import apply_design, resolved_design
from ..data.catalogue import Catalogue, load_catalogue
from ..data.geometry import burn
from ..data.layers import LayerInput, LayerStore, SharedReads
from ..data.region import Region, kind_label, resolve_region
from ..data.sources import SourceChoice, check_present, describe_choices, resolve_profile
from ..model.errors import SmrSitingError
from ..model.grid import Grid, check_memory, snap_grid
from ..model.i18n import _, english, localised
from ..model.profile import Footprint, Profile
from ..model.progress import RunContext
from ..rules import get_kind, load_profile
from ..rules import reach as profile_reach
from .mask import (
    RuleInfo,
    RuleStats,
    bits_dtype,
    nodata_value,
    rule_infos,
    set_rule_bit,
    table_from_histogram,
    value_counts,
)
from .rulecache import Entry, RuleCache, make_entry, replay, rule_key


@dataclass(frozen=True)
class ScreeningRequest:
    """Everything a screening depends on (recorded in the manifest)."""

    region: str
    profile: str = "nl-default"
    data_dir: Path | None = None
    layers: Mapping[str, LayerInput] = field(default_factory=dict)
    resolution_m: float | None = None
    footprint_ha: float | None = None
    footprint_shape: str | None = None
    exclusion_vector: bool = False
    memory_limit_bytes: int | None = None
    #: source choices recorded by an earlier run (``SourceChoice.key`` → layer id); a run rebuilt from its
    #: manifest passes them so that it reads the same layers (not recorded in ``parameters()``)
    source_pins: Mapping[str, str] = field(default_factory=dict)
    #: a reactor design (smr_siting/designs/NAME.yaml or a file); None: the profile's default, if any
    design: str | None = None

    #: searched after ``data_dir`` for the layers it lacks: the embedded national pack (the QGIS plugin's default)
    fallback_dir: Path | None = None

    def parameters(self) -> dict:
        """Paths are recorded absolute (a run can be verified or ranked from any folder), as given for display."""
        extra = {"fallback_dir": os.path.abspath(self.fallback_dir)} if self.fallback_dir else {}
        return {
            "region": _absolute_if_file(self.region), "profile": _absolute_if_file(self.profile),
            "data_dir": os.path.abspath(self.data_dir) if self.data_dir else None,
            "layers": {k: {"path": os.path.abspath(v.path), "layer": v.layer, "as_given": str(v.path)}
                       for k, v in sorted(self.layers.items())},
            "as_given": {"data_dir": str(self.data_dir) if self.data_dir else None, "region": self.region,
                         "profile": self.profile},
            "resolution_m": self.resolution_m, "footprint_ha": self.footprint_ha,
            "footprint_shape": self.footprint_shape, "exclusion_vector": self.exclusion_vector,
            "design": self.design, **extra,
        }


def _absolute_if_file(text: str) -> str:
    path = Path(text)
    return os.path.abspath(path) if path.suffix and path.exists() else text


@dataclass
class ExclusionResult:
    request: ScreeningRequest
    profile: Profile
    region: Region
    analysis_grid: Grid          # region bounds grown by the largest criterion distance
    bits_full: np.ndarray        # on analysis_grid
    region_full: np.ndarray      # region mask on analysis_grid
    window: tuple[int, int, int, int]
    rules: list[RuleInfo]
    table: list[RuleStats]
    store: LayerStore
    ctx: RunContext
    timings: dict[str, float]
    #: which layer each entry of each rule and scoring criterion used (sources in order of authority)
    sources: tuple[SourceChoice, ...] = ()
    #: the footprint fit of the last candidate search: (footprint, anchor cells, usable land) on analysis_grid
    fitted: tuple[Footprint, np.ndarray, np.ndarray] | None = None
    #: the rules whose masks came from the rule cache (profile order)
    reused: tuple[str, ...] = ()
    #: the rule cache the exclusion used (the candidate search keeps its footprint fit there too)
    cache: RuleCache | None = None
    #: the cell values inside the region and how many cells hold each (``mask.value_counts`` of ``bits_full``
    #: over ``region_full``, made once for the table): :meth:`totals` counts from it
    histogram: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def grid(self) -> Grid:
        """The output grid: the region's bounds."""
        return self.analysis_grid.subgrid(*self.window)

    @property
    def region_mask(self) -> np.ndarray:
        r0, r1, c0, c1 = self.window
        return self.region_full[r0:r1, c0:c1]

    @property
    def nodata(self) -> int:
        return nodata_value(self.bits_full.dtype)

    @property
    def bits(self) -> np.ndarray:
        """Exclusion bits on the output grid, nodata outside the region."""
        r0, r1, c0, c1 = self.window
        out = self.bits_full[r0:r1, c0:c1].copy()
        out[~self.region_mask] = self.nodata
        return out

    @property
    def footprint(self) -> Footprint:
        footprint = self.profile.footprint
        area = footprint.area_m2 if self.request.footprint_ha is None else self.request.footprint_ha * 10_000.0
        shape = self.request.footprint_shape or footprint.shape
        aspect = footprint.aspect if shape == "rectangle" else 1.0
        return Footprint(area, shape, aspect, footprint.basis)

    def caveats(self) -> list[str]:
        layers = [f"{u.layer_id}: {english(u.caveat)}" for u in self.store.inputs() if u.caveat]  # data: English
        fallbacks = [f"{c.criterion}: {c.meaning}" for c in self.sources if c.is_fallback and c.meaning]
        return layers + list(dict.fromkeys(fallbacks))

    def totals(self) -> dict:
        if self.histogram is not None:
            values, counts = self.histogram
            cells = int(counts.sum())
            excluded = cells - int(counts[values == 0].sum())
        else:
            inside = self.bits_full[self.region_full]
            cells = int(inside.size)
            excluded = int(np.count_nonzero(inside))
        km2 = self.analysis_grid.cell_area_km2
        return {"region_km2_cells": round(cells * km2, 4), "excluded_km2": round(excluded * km2, 4),
                "not_excluded_km2": round((cells - excluded) * km2, 4),
                "share_excluded": round(excluded / max(cells, 1), 6)}


def _resolve_profile(request: ScreeningRequest, catalogue: Catalogue) -> Profile:
    return load_profile(request.profile, catalogue.ids)


def _check_data_extent(data_dir: Path | None, region: Region, reach: float) -> None:
    """A data folder that is a cut-out (it has a PACK.json with a box) must hold everything within reach."""
    import json

    if data_dir is None or not (data_dir / "PACK.json").is_file():
        return
    try:
        box = [float(v) for v in json.loads((data_dir / "PACK.json").read_text(encoding="utf-8"))["box"]]
    except (ValueError, KeyError, TypeError):
        return
    minx, miny, maxx, maxy = region.geometry.bounds
    if minx - reach < box[0] or miny - reach < box[1] or maxx + reach > box[2] or maxy + reach > box[3]:
        raise SmrSitingError(
            _("the data folder {folder} is a cut-out (box {minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f} in "
              "EPSG:28992) and does not hold everything within {reach:g} km of {region}").format(
                folder=data_dir, minx=box[0], miny=box[1], maxx=box[2], maxy=box[3], reach=reach / 1000,
                region=region.name),
            _("Screen a region inside the cut-out (the demo pack covers Gelderland), or use the full data folder"))


def request_region(request: ScreeningRequest, ctx: RunContext | None = None,
                   catalogue: Catalogue | None = None) -> Region:
    """The request's region as :func:`compute_exclusion` finds it (to pass to several runs of one request)."""
    store = LayerStore(catalogue or load_catalogue(), request.data_dir, request.layers, ctx or RunContext(),
                       fallback_dir=request.fallback_dir)
    try:
        return resolve_region(request.region, store)
    finally:
        store.close()


def compute_exclusion(request: ScreeningRequest, ctx: RunContext | None = None,
                      catalogue: Catalogue | None = None, profile: Profile | None = None,
                      cache: RuleCache | None = None, region: Region | None = None,
                      reads: SharedReads | None = None) -> ExclusionResult:
    """Evaluate every rule of the profile on the analysis grid and fold them into one bit mask.

    ``profile``: use this (already parsed) profile instead of reading ``request.profile`` — for a
    run rebuilt from its manifest, or a threshold sweep.  ``cache``: rule masks computed before with the
    same inputs are taken from it (and new ones put in), so a sweep or a rerun evaluates only the rules
    that changed; the outputs are the same either way.  ``region``: the request's region as resolved before
    (by a run on the same request and data: a sweep's rows), not looked up again.  ``reads``: what other runs
    on the same data and grid (a sweep's values) made is taken from there — the layers they read, the region's
    cells, the bits of the rules the cache holds — not made again."""
    ctx = ctx or RunContext()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    catalogue = catalogue or load_catalogue()
    ctx.report(0.0, _("reading the profile"))
    profile = profile or _resolve_profile(request, catalogue)
    profile = apply_design(profile, request.design)  # the design's footprint and numbers into the rules
    design = resolved_design(profile)
    if design is not None:
        ctx.tell(design.summary_line())
    resolution = request.resolution_m or profile.resolution_m
    if not 1.0 <= resolution <= 1000.0:
        raise SmrSitingError(_("resolution {resolution:g} m is outside 1 m .. 1000 m").format(resolution=resolution),
                             _("Use 25 m (default) to 250 m"))
    if request.footprint_ha is not None and not 0.01 <= request.footprint_ha <= 10_000:
        raise SmrSitingError(_("footprint {area:g} ha is outside 0.01 .. 10,000 ha").format(area=request.footprint_ha),
                             _("Give the footprint in hectares, e.g. 10"))
    ctx.check_cancelled()
    store = LayerStore(catalogue, request.data_dir, request.layers, ctx, fallback_dir=request.fallback_dir,
                       shared=reads)
    check_present(profile, store.absence, store.locate)  # fail early, in profile order, on a missing layer
    ctx.check_cancelled()
    profile, choices = resolve_profile(profile, store.absence, request.source_pins)
    for layer_id in profile.layer_ids:  # fail early, before any heavy work, if a layer is missing
        store.locate(layer_id)
    for line in describe_choices(choices):
        ctx.tell(line)
    ctx.report(0.02, _("finding the region"))
    region = region if region is not None else resolve_region(request.region, store)
    ctx.check_cancelled()
    margin = profile_reach(profile) + 2 * resolution
    _check_data_extent(request.data_dir, region, margin)
    grid = snap_grid(region.geometry.bounds, resolution, margin)
    check_memory(grid, request.memory_limit_bytes, "screen", request.footprint_shape or profile.footprint.shape)
    ctx.tell(_("Region {name} ({kind}, {area:,.1f} km²); analysis grid "
               "{width:,} × {height:,} cells of {resolution:g} m, grown by {margin:g} km "
               "(the largest rule distance) so that distances and areas are right at the border.").format(
        name=region.name, kind=kind_label(region.kind), area=region.area_km2, width=grid.width, height=grid.height,
        resolution=resolution, margin=margin / 1000))
    footprint_area = profile.footprint.area_m2 if request.footprint_ha is None else request.footprint_ha * 1e4
    if footprint_area > region.geometry.area:
        raise SmrSitingError(_("the footprint ({footprint:g} ha) is larger than the region "
                               "{region} ({area:,.0f} ha)").format(
            footprint=footprint_area / 1e4, region=region.name, area=region.geometry.area / 1e4),
            _("Use a smaller footprint"))
    store.read_bounds = grid.expanded_bounds(margin)
    keys = _rule_keys(profile, grid, region, store, catalogue) if cache is not None else []
    cached = [cache.get(key) if cache is not None else None for key in keys] or [None] * len(profile.criteria)
    store.prefetch(dict.fromkeys(layer for c, hit in zip(profile.criteria, cached) if hit is None
                                 for layer in c.layer_ids))
    try:
        ctx.check_cancelled()
        result = _evaluate_rules(request, ctx, profile, store, region, grid, timings, start,
                                 RuleReuse(cache, keys, cached) if cache is not None else None, reads)
    finally:
        store.close()
    result.sources = choices
    return result


def _region_cells(region: Region, grid: Grid, shared: SharedReads | None, ctx: RunContext) -> np.ndarray:
    """The region's cells on the grid; burnt once for the runs that share (read-only then)."""
    if shared is None:
        return burn([region.geometry], grid)
    return shared.once(("region cells", grid.transform.to_gdal(), grid.shape, region.geometry.wkb),
                       lambda: _read_only(burn([region.geometry], grid)), ctx.call)[0]


def _found_bits(reuse: RuleReuse | None, grid: Grid, dtype: np.dtype, shared: SharedReads | None,
                ctx: RunContext) -> np.ndarray | None:
    """The bits of the rules the cache holds, for runs that share them and compute the others (a sweep's values,
    each computing the rule it varies), set once for all of them (read-only); None where nothing is shared."""
    if reuse is None or shared is None:
        return None
    found = tuple((i, key) for i, (key, entry) in enumerate(zip(reuse.keys, reuse.found)) if entry is not None)
    if not found or len(found) == len(reuse.keys):
        return None

    def make() -> np.ndarray:
        bits = np.zeros(grid.shape, dtype=dtype)
        for i, _key in found:
            entry = reuse.found[i]
            assert entry is not None
            entry.set_bit_in(bits, i)
        return _read_only(bits)

    return shared.once(("found bits", grid.shape, np.dtype(dtype).str, found), make, ctx.call)[0]


def _read_only(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only: shared by runs side by side, a write would change the others' result."""
    array.flags.writeable = False
    return array


@dataclass
class RuleReuse:
    """The rule cache of one screening: each rule's key and the entry found for it (None: compute it)."""

    cache: RuleCache
    keys: list[str]
    found: list[Entry | None]


def _mentioned_layers(value: Any, ids: frozenset[str] | set[str]) -> list[str]:
    """Catalogue layer ids named anywhere in a rule's options (facilities, population layers, …)."""
    if isinstance(value, str):
        return [value] if value in ids else []
    if isinstance(value, Mapping):
        return [layer for v in value.values() for layer in _mentioned_layers(v, ids)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [layer for v in value for layer in _mentioned_layers(v, ids)]
    return []


def _rule_keys(profile: Profile, grid: Grid, region: Region, store: LayerStore, catalogue: Catalogue) -> list[str]:
    """Each rule's cache key: the rule, the grid and read extent, the region and every layer it may read."""
    region_wkb = region.geometry.wkb + repr(store.read_bounds).encode()
    keys = []
    for criterion in profile.criteria:
        layers = dict.fromkeys([*criterion.layer_ids, *_mentioned_layers(dict(criterion.options), set(catalogue.ids))])
        files = []
        for layer_id in layers:
            try:
                source, origin = store.locate(layer_id)
                files.append((layer_id, os.path.abspath(source.path), f"{source.layer}|{origin}"))
            except SmrSitingError:
                files.append((layer_id, "", "absent"))
        keys.append(rule_key(criterion, grid, region_wkb, files))
    return keys


def _evaluate_rules(request: ScreeningRequest, ctx: RunContext, profile: Profile, store: LayerStore, region: Region,
                    grid: Grid, timings: dict[str, float], start: float,
                    reuse: RuleReuse | None = None, shared: SharedReads | None = None) -> ExclusionResult:
    # the region's cells first: a region smaller than a cell fails before any rule runs, and the burn uses
    # time the first rules would otherwise spend waiting for the reading thread
    region_full = _region_cells(region, grid, shared, ctx)
    ctx.check_cancelled()
    if not region_full.any():
        raise SmrSitingError(_("region {region} is smaller than one {resolution:g} m cell").format(
            region=region.name, resolution=grid.resolution), _("Use a finer resolution or a larger region"))
    store.region_mask = region_full  # for rules that report coverage gaps in the region (raster_threshold)
    timings["prepare_s"] = time.perf_counter() - start
    rules = rule_infos(profile.criteria)
    dtype = bits_dtype(len(rules))
    base = _found_bits(reuse, grid, dtype, shared, ctx)  # the bits of the rules the cache holds (a sweep's values)
    bits = base.copy() if base is not None else np.zeros(grid.shape, dtype=dtype)
    n = len(profile.criteria)
    for i, criterion in enumerate(profile.criteria):
        t0 = time.perf_counter()
        stage = ctx.stage(0.05 + 0.8 * i / n, 0.05 + 0.8 * (i + 1) / n)
        stage.report(0.0, _("rule {number}/{count}: {title}").format(
            number=i + 1, count=n, title=localised(criterion.title, criterion.title_nl)))
        found = reuse.found[i] if reuse is not None else None
        if found is not None:
            if base is None:  # else in ``base`` already
                found.set_bit_in(bits, i)
            mask = None
            replay(found, ctx.tell, store.used, lambda layer_id: str(store.locate(layer_id)[0].path))
        else:
            kind = get_kind(criterion.kind)
            assert kind is not None
            before = {k: dataclasses.asdict(v) for k, v in store.used.items()}
            told: list[str] = []
            ctx.taps.append(told.append)
            try:
                mask = kind.evaluate(criterion, grid, store, stage)
            finally:
                ctx.taps.remove(told.append)
            if reuse is not None:
                changed = {k: v for k, v in store.used.items() if before.get(k) != dataclasses.asdict(v)}
                reuse.cache.put(reuse.keys[i], make_entry(mask, told, changed))
        if mask is not None:
            set_rule_bit(bits, mask, i)
        del mask
        timings[f"rule_{criterion.id}_s"] = round(time.perf_counter() - t0, 3)
    ctx.report(0.86, _("exclusion table"))
    r0, r1, c0, c1 = grid.window_for(region.geometry.bounds)
    window = (r0, r1, c0, c1)
    # one pass over the region for the table and the totals, on its window (no cell of the region lies outside)
    histogram = value_counts(bits[r0:r1, c0:c1], region_full[r0:r1, c0:c1])
    table = table_from_histogram(histogram, rules, grid.cell_area_km2)
    result = ExclusionResult(request, profile, region, grid, bits, region_full, window, rules, table, store, ctx,
                             timings, histogram=histogram)
    if reuse is not None:
        result.reused = tuple(c.id for c, found in zip(profile.criteria, reuse.found) if found is not None)
        result.cache = reuse.cache
    totals = result.totals()
    if totals["not_excluded_km2"] == 0:
        ctx.tell(_("The profile excludes all of {region}: no land is left. The outputs are written, "
                   "with no candidate areas.").format(region=region.name))
    titles = {rule.id: localised(rule.title, rule.title_nl) for rule in rules}
    for row in table:
        ctx.tell(_("{title}: {alone:,.1f} km² excluded ({share:.1%} of the region), "
                   "{only:,.1f} km² by this rule only.").format(
            title=titles.get(row.id, row.title), alone=row.km2_alone, share=row.share_alone, only=row.km2_only))
    timings["exclusion_s"] = round(time.perf_counter() - start, 3)
    return result
