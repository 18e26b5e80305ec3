"""National scale in bounded memory: the exclusion computed tile by tile, in one process or on a Dask cluster.

The output grid (the region's bounds, on the same cells as :func:`~smr_siting.core.exclusion.compute.compute_exclusion`)
is cut into tiles of ``tile_size`` × ``tile_size`` cells.  Each tile is screened on its own:

* its features are read through a :class:`~smr_siting.core.data.layers.LayerStore` with the tile's bounds grown
  by the **halo** — the largest rule distance plus two cells, as an untiled run grows its grid — so every
  feature that can reach a cell of the tile is read;
* every criterion kind evaluates on any :class:`~smr_siting.core.model.grid.Grid`, measuring distances to
  *features* (vector buffers clipped to the grid's reach, or a distance transform padded by the distance),
  never to neighbouring cells.  A rule mask on a tile is therefore cell for cell the untiled mask on that
  window, also where a distance crosses a seam.  ``evaluate_halo=True`` evaluates on the tile grown by the
  halo and crops it (for a kind that would look at neighbouring cells); the result is the same;
* the choice a distance rule makes between buffers and the distance transform (``method: auto``) depends
  on how much geometry it sees, so it is made once, on the features an untiled run would read, and pinned
  for every tile.

The bit mask streams into a tiled, compressed GeoTIFF (windowed writes, in tile order, so the file is
the same whichever process computed which tile) and the per-rule table is summed from per-tile cell
counts.  Peak memory is a few tile-sized arrays plus the vector layers, whatever the region.

``workers=N`` runs the tiles as Dask tasks on a local cluster of N worker processes;
``scheduler="tcp://host:8786"`` on an existing cluster (see docs/scaling.md).  The result is identical,
bit for bit, to the single-process run.
"""

from __future__ import annotations

import math
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import rasterio

from ..config.designs import apply_design
from ..data.catalogue import Catalogue, load_catalogue
from ..data.geometry import burn
from ..data.layers import LayerStore, UsedInput
from ..data.region import Region, resolve_region
from ..data.sources import check_present, describe_choices, resolve_profile
from ..exclusion.compute import ScreeningRequest, _check_data_extent
from ..exclusion.mask import (
    RuleInfo,
    RuleStats,
    bits_dtype,
    nodata_value,
    rule_counts,
    rule_infos,
    set_rule_bit,
    table_from_counts,
    value_counts,
)
from ..model.errors import SmrSitingError
from ..model.grid import Grid, snap_grid
from ..model.i18n import _, localised
from ..model.profile import Criterion, Profile
from ..model.progress import RunContext
from ..outputs import AtomicOutputs, exclusion_legend, exclusion_qml, sidecar_paths, write_json
from ..rules import get_kind, load_profile
from ..rules import reach as profile_reach

#: default tile edge in cells (25 m: 102.4 km; about 0.2 GB of arrays per tile)
DEFAULT_TILE_SIZE = 4096
#: GeoTIFF block edge in cells
BLOCK = 256
#: GDAL's block cache while the GeoTIFF is written
WRITE_CACHE_BYTES = 128 * 2**20
#: region names that mean the whole country (the union of the provinces)
NATIONAL_NAMES = ("nederland", "netherlands", "the netherlands", "nl", "holland")
#: the kinds that measure distances through ``_common.within_any`` (their method is pinned per source)


# --------------------------------------------------------------------------- set-up


@dataclass(frozen=True)
class TileSetup:
    """Everything a tile needs, picklable (sent once to every Dask worker)."""

    request: ScreeningRequest
    profile: Profile            # with the distance methods pinned
    region_geometry: Any
    out_grid: Grid              # the region's bounds on the untiled run's cells
    halo_m: float               # features within this distance of a tile are read
    evaluate_halo: bool = False

    @property
    def dtype(self) -> np.dtype:
        return bits_dtype(len(self.profile.criteria))


@dataclass
class TilePart:
    """One tile's result: its window on the output grid, bits (nodata outside the region) and cell counts."""

    window: tuple[int, int, int, int]
    bits: np.ndarray
    #: per rule: cells it excludes, cells only it excludes, cells it and the rules before it exclude
    counts: np.ndarray
    region_cells: int
    values: frozenset[int]
    seconds: float


@dataclass
class TiledResult:
    out_tif: Path
    region: Region
    profile: Profile
    grid: Grid
    rules: list[RuleInfo]
    table: list[RuleStats]
    region_cells: int
    excluded_cells: int
    tiles: int
    tile_size: int
    halo_m: float
    timings: dict[str, float]
    inputs: list[UsedInput]
    notices: list[str] = field(default_factory=list)
    workers: str = "1 process"

    @property
    def cells_per_second(self) -> float:
        return self.grid.cells / max(self.timings.get("total_s", 0.0), 1e-9)

    def totals(self) -> dict:
        km2 = self.grid.cell_area_km2
        cells, excluded = self.region_cells, self.excluded_cells
        return {"region_km2_cells": round(cells * km2, 4), "excluded_km2": round(excluded * km2, 4),
                "not_excluded_km2": round((cells - excluded) * km2, 4),
                "share_excluded": round(excluded / max(cells, 1), 6)}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.casefold().split())


def resolve_tiled_region(spec: str, store: LayerStore) -> Region:
    """Like :func:`~smr_siting.core.data.region.resolve_region`, plus ``Nederland`` / ``NL``: the union of the provinces."""
    if _norm(spec) not in NATIONAL_NAMES:
        return resolve_region(spec, store)
    from shapely.ops import unary_union

    gdf = store.vector("provinces", None)
    geometry = unary_union(list(gdf.geometry.values))
    return Region("Nederland", "NL", "country", geometry, store.label("provinces"))


def tile_windows(grid: Grid, tile_size: int) -> list[tuple[int, int, int, int]]:
    """(row0, row1, col0, col1) of the tiles covering ``grid``, row by row."""
    return [(r, min(r + tile_size, grid.height), c, min(c + tile_size, grid.width))
            for r in range(0, grid.height, tile_size) for c in range(0, grid.width, tile_size)]


def _pin_methods(profile: Profile, store: LayerStore) -> Profile:
    """Each rule as its kind prepares it for tiles (e.g. buffers vs distance transform decided on the features an
    untiled run reads), so that every tile decides the same; a kind that cannot be tiled is refused."""
    criteria: list[Criterion] = []
    for criterion in profile.criteria:
        kind = get_kind(criterion.kind)
        assert kind is not None
        if not kind.tiles:
            raise SmrSitingError(_("rule {rule!r} ({kind}) cannot be computed tile by tile").format(
                rule=criterion.id, kind=criterion.kind), _("Screen a province with 'smr-siting screen' instead"))
        criteria.append(kind.prepare_tiles(criterion, store))
    return replace(profile, criteria=tuple(criteria))


def prepare(request: ScreeningRequest, ctx: RunContext | None = None, catalogue: Catalogue | None = None,
            evaluate_halo: bool = False) -> tuple[TileSetup, list[UsedInput], Region]:
    """The checks and decisions of :func:`compute_exclusion`, without allocating the grid."""
    ctx = ctx or RunContext()
    catalogue = catalogue or load_catalogue()
    profile = apply_design(load_profile(request.profile, catalogue.ids), request.design)
    resolution = request.resolution_m or profile.resolution_m
    if not 1.0 <= resolution <= 1000.0:
        raise SmrSitingError(_("resolution {resolution:g} m is outside 1 m .. 1000 m").format(resolution=resolution),
                             _("Use 25 m (default) to 250 m"))
    store = LayerStore(catalogue, request.data_dir, request.layers, ctx)
    check_present(profile, store.absence, store.locate)  # fail early, in profile order, on a missing layer
    profile, choices = resolve_profile(profile, store.absence, request.source_pins)
    for layer_id in profile.layer_ids:
        store.locate(layer_id)
    for line in describe_choices(choices):
        ctx.tell(line)
    region = resolve_tiled_region(request.region, store)
    margin = profile_reach(profile) + 2 * resolution
    _check_data_extent(request.data_dir, region, margin)
    grid = snap_grid(region.geometry.bounds, resolution, margin)  # the untiled run's analysis grid (not allocated)
    out_grid = grid.subgrid(*grid.window_for(region.geometry.bounds))
    # What the untiled run reads: the choices pinned on it, its notices and the inputs' records.  The
    # layers are read whole once here (vectors are small beside the grid) and dropped with the store.
    store.read_bounds = grid.expanded_bounds(margin)
    for layer_id in profile.layer_ids:
        if store.is_raster(layer_id):
            store.raster(layer_id)
        else:
            store.vector(layer_id)
    pinned = _pin_methods(profile, store)
    setup = TileSetup(request, pinned, region.geometry, out_grid, margin, evaluate_halo)
    return setup, store.inputs(), region


# --------------------------------------------------------------------------- one tile


def evaluate_tile(setup: TileSetup, window: tuple[int, int, int, int]) -> TilePart:
    """Screen one tile (runs in a Dask worker as well)."""
    started = time.perf_counter()
    request, profile = setup.request, setup.profile
    tile = setup.out_grid.subgrid(*window)
    pad = int(math.ceil(setup.halo_m / tile.resolution)) if setup.evaluate_halo else 0
    grid = tile.subgrid(-pad, tile.height + pad, -pad, tile.width + pad)
    quiet = RunContext()  # per-tile notices (counts near one tile) are not the run's
    store = LayerStore(load_catalogue(), request.data_dir, request.layers, quiet)
    store.read_bounds = grid.expanded_bounds(setup.halo_m)
    dtype = setup.dtype
    bits = np.zeros(grid.shape, dtype=dtype)
    for i, criterion in enumerate(profile.criteria):
        kind = get_kind(criterion.kind)
        assert kind is not None
        mask = kind.evaluate(criterion, grid, store, quiet)
        set_rule_bit(bits, mask, i)
        del mask
    if pad:
        bits = bits[pad:pad + tile.height, pad:pad + tile.width].copy()
    region = burn([setup.region_geometry], tile)
    values, cells = value_counts(bits, region)
    bits[~region] = nodata_value(dtype)
    return TilePart(window, bits, rule_counts(values, cells, len(profile.criteria)), int(cells.sum()),
                    frozenset(int(v) for v in values), time.perf_counter() - started)


# --------------------------------------------------------------------------- the raster


def _block(tile_size: int) -> int:
    block = math.gcd(tile_size, BLOCK)
    return block if block >= 16 else BLOCK


class _TifWriter:
    """The exclusion GeoTIFF, written tile by tile (tags as :func:`~smr_siting.core.outputs.write_exclusion_tif`)."""

    def __init__(self, path: Path, grid: Grid, dtype: np.dtype, rules: Sequence[RuleInfo], caveats: Sequence[str],
                 tile_size: int) -> None:
        import json

        import rasterio

        block = _block(tile_size)
        self.nodata = nodata_value(dtype)
        profile = {"driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": str(dtype),
                   "crs": grid.crs, "transform": grid.transform, "nodata": self.nodata, "compress": "deflate",
                   "tiled": True, "blockxsize": block, "blockysize": block, "BIGTIFF": "IF_SAFER"}
        self.dst = rasterio.open(path, "w", **profile)
        legend = [{"bit": r.bit, "value": r.value, "id": r.id, "title": r.title, "title_nl": r.title_nl,
                   "group": r.group} for r in rules]
        self.dst.set_band_description(1, "SMR exclusion reasons (bit mask: one bit per rule, 0 = not excluded)")
        tags = {f"RULE_BIT_{r.bit}": f"{r.id}: {r.title}" for r in rules}
        tags["SMR_SITING_RULES"] = json.dumps(legend, ensure_ascii=False)
        tags["SMR_SITING_NODATA"] = f"{self.nodata} = outside the region"
        if caveats:
            tags["SMR_SITING_CAVEATS"] = " | ".join(caveats)
        self.dst.update_tags(**tags)
        self.dst.update_tags(1, **{f"RULE_BIT_{r.bit}": r.id for r in rules})

    def write(self, part: TilePart) -> None:
        from rasterio.windows import Window

        r0, r1, c0, c1 = part.window
        self.dst.write(part.bits, 1, window=Window(c0, r0, c1 - c0, r1 - r0))

    def close(self) -> None:
        self.dst.close()


# --------------------------------------------------------------------------- running the tiles


def _local_parts(setup: TileSetup, windows: Sequence[tuple[int, int, int, int]],
                 ctx: RunContext) -> Iterator[TilePart]:
    for number, window in enumerate(windows):
        ctx.report(number / len(windows), _("tile {number}/{count}").format(number=number + 1, count=len(windows)))
        yield evaluate_tile(setup, window)


def _dask_parts(setup: TileSetup, windows: Sequence[tuple[int, int, int, int]], ctx: RunContext,
                client: Any) -> Iterator[TilePart]:
    """Tiles as Dask tasks, yielded in tile order; at most a few tiles per worker are in flight or held."""
    from distributed import as_completed

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    in_flight = 2 * workers + 1
    shared = client.scatter(setup, broadcast=True)
    futures: dict[int, Any] = {}
    done: dict[int, TilePart] = {}
    waiting = as_completed()
    submitted = written = 0
    try:
        while written < len(windows):
            while submitted < len(windows) and submitted - written < in_flight:
                future = client.submit(evaluate_tile, shared, windows[submitted], pure=False)
                futures[submitted] = future
                waiting.add(future)
                submitted += 1
            future = next(waiting)
            index = next(i for i, f in futures.items() if f is future)
            done[index] = future.result()
            del futures[index]
            while written in done:
                ctx.report(written / len(windows), _("tile {number}/{count}").format(
                    number=written + 1, count=len(windows)))
                yield done.pop(written)
                written += 1
    finally:
        if futures:
            client.cancel(list(futures.values()))


def _client(scheduler: str | None, workers: int | None, processes: bool) -> tuple[Any, Any]:
    """A Dask client on ``scheduler``, or on a new local cluster of ``workers`` processes; (client, cluster)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SmrSitingError(_("Dask (distributed) is not installed"),
                             _("Install it: apt install python3-distributed (Debian), or pip install distributed")) \
            from None
    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except OSError as error:
            raise SmrSitingError(_("cannot reach the Dask scheduler {address} ({reason})").format(
                address=scheduler, reason=str(error).splitlines()[0][:120]),
                _("Start it with 'dask-scheduler' and check the address, e.g. tcp://host:8786")) from None
    cluster = LocalCluster(n_workers=int(workers or 1), threads_per_worker=1, processes=processes,
                           dashboard_address=None)
    return Client(cluster), cluster


def tiled_exclusion(request: ScreeningRequest, out_tif: Path, tile_size: int = DEFAULT_TILE_SIZE,
                    ctx: RunContext | None = None, *, workers: int | None = None, scheduler: str | None = None,
                    processes: bool = True, evaluate_halo: bool = False, overwrite: bool = False,
                    catalogue: Catalogue | None = None) -> TiledResult:
    """The exclusion of ``request`` computed tile by tile into ``out_tif`` (plus its .qml and .rules.json).

    ``workers``: run the tiles on a local Dask cluster of that many worker processes (``processes=False``:
    threads); ``scheduler``: on an existing Dask cluster (``tcp://host:port``; the workers must see the
    data folder at the same path).  Neither: in this process.  The bit mask is identical in every case, and
    identical to :func:`~smr_siting.core.exclusion.compute.compute_exclusion`'s ``bits``."""
    ctx = ctx or RunContext()
    if int(tile_size) < 16:
        raise SmrSitingError(_("tile size {size} is too small").format(size=tile_size),
                             _("Use at least 16 cells (default {default})").format(default=DEFAULT_TILE_SIZE))
    tile_size = int(tile_size)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    out_tif = Path(out_tif)
    outputs = AtomicOutputs({"exclusion": out_tif}, overwrite)
    outputs.check()
    ctx.report(0.0, _("reading the profile"))
    setup, inputs, region = prepare(request, ctx.stage(0.0, 0.05), catalogue, evaluate_halo)
    profile, grid = setup.profile, setup.out_grid
    rules = rule_infos(profile.criteria)
    windows = tile_windows(grid, tile_size)
    caveats = [f"{u.layer_id}: {u.caveat}" for u in inputs if u.caveat]
    ctx.tell(_("Region {name}: {width:,} × {height:,} cells of {resolution:g} m in {tiles} tile(s) of up to "
               "{size} × {size} cells; features are read within {halo:g} km of each tile.").format(
        name=region.name, width=grid.width, height=grid.height, resolution=grid.resolution, tiles=len(windows),
        size=tile_size, halo=setup.halo_m / 1000))
    timings["prepare_s"] = round(time.perf_counter() - started, 3)
    counts = np.zeros((len(rules), 3), dtype=np.int64)
    region_cells = 0
    values: set[int] = set()
    tile_seconds = 0.0
    client = cluster = None
    label = _("1 process")
    stage = ctx.stage(0.05, 0.97)
    try:
        # GDAL keeps written blocks in its cache (by default 5 % of the RAM) until it is full: cap it, so that
        # memory stays bounded by the tiles and not by the size of the output
        with outputs, rasterio.Env(GDAL_CACHEMAX=WRITE_CACHE_BYTES):
            writer = _TifWriter(outputs.temp(out_tif), grid, setup.dtype, rules, caveats, tile_size)
            try:
                if scheduler or workers:
                    t0 = time.perf_counter()
                    client, cluster = _client(scheduler, workers, processes)
                    timings["cluster_start_s"] = round(time.perf_counter() - t0, 3)
                    count = len(client.scheduler_info().get("workers", {}))
                    label = (_("Dask cluster {address}") if scheduler else _("local Dask cluster")).format(
                        address=scheduler) + " " + _("({count} worker(s))").format(count=count)
                    parts = _dask_parts(setup, windows, stage, client)
                else:
                    parts = _local_parts(setup, windows, stage)
                for part in parts:
                    writer.write(part)
                    counts += part.counts
                    region_cells += part.region_cells
                    values |= part.values
                    tile_seconds += part.seconds
                    del part
            finally:
                writer.close()
            if region_cells == 0:
                raise SmrSitingError(_("region {region} is smaller than one {resolution:g} m cell").format(
                    region=region.name, resolution=grid.resolution), _("Use a finer resolution or a larger region"))
            nodata = nodata_value(setup.dtype)
            qml, rules_json = sidecar_paths("exclusion", out_tif)
            outputs.temp(qml).write_text(exclusion_qml(sorted(values), rules), encoding="utf-8")
            write_json(outputs.temp(rules_json), exclusion_legend(rules, nodata, caveats))
            ctx.check_cancelled()
            outputs.commit()
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    table = table_from_counts(counts, region_cells, rules, grid.cell_area_km2)
    excluded = int(counts[-1, 2]) if len(rules) else 0
    timings["tiles_cpu_s"] = round(tile_seconds, 3)
    timings["total_s"] = round(time.perf_counter() - started, 3)
    titles = {rule.id: localised(rule.title, rule.title_nl) for rule in rules}
    for row in table:
        ctx.tell(_("{title}: {alone:,.1f} km² excluded ({share:.1%} of the region), "
                   "{only:,.1f} km² by this rule only.").format(
            title=titles.get(row.id, row.title), alone=row.km2_alone, share=row.share_alone, only=row.km2_only))
    ctx.progress(1.0, _("done"))
    return TiledResult(out_tif, region, profile, grid, rules, table, region_cells, excluded, len(windows), tile_size,
                       setup.halo_m, timings, inputs, list(ctx.notices), label)
