"""Candidate areas from an exclusion result: where the footprint fits, named and annotated."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np

from ..exclusion.compute import ExclusionResult
from ..exclusion.rulecache import fit_key, make_entry
from ..model.errors import SmrSitingError
from ..model.i18n import _
from ..model.profile import shape_label
from ..model.progress import RunContext
from .areas import FootprintCells, candidate_figures, find_candidate_areas, fit_and_usable, footprint_cells
from .regulator import annotate_areas


def compute_candidates(result: ExclusionResult, ctx: RunContext | None = None) -> tuple[gpd.GeoDataFrame,
                                                                                          FootprintCells]:
    """Candidate areas from an exclusion result (contiguity evaluated on the whole analysis grid)."""
    ctx = ctx or result.ctx
    free = result.bits_full == 0
    admin = None
    entry = result.store.catalogue.get("municipalities")
    try:
        admin = result.store.vector("municipalities")
    except SmrSitingError as error:
        ctx.tell(_("Candidate areas carry no municipality names: {error}").format(error=error))
    fields = (entry.name_field or "statnaam", entry.province_field or "prov_naam") if entry else ("statnaam",
                                                                                                  "prov_naam")
    t0 = time.perf_counter()
    key, fit = _cached_fit(result)

    def keep(fits: np.ndarray, usable: np.ndarray) -> None:
        result.fitted = (result.footprint, fits, usable)
        if result.cache is not None and fit is None:
            result.cache.put(key, make_entry(np.concatenate([fits, usable]), [], {}))

    gdf, cells = find_candidate_areas(free, result.region_full, result.analysis_grid, result.footprint, admin,
                                      result.region.geometry, ctx, fields, keep, fit)
    gdf = annotate_areas(gdf, result)  # population, emergency zones and cooling per area (designs only)
    result.timings["candidates_s"] = round(time.perf_counter() - t0, 3)
    ctx.tell(_("{count} candidate area(s) where a {area:.2f} ha {shape} footprint fits "
               "({cells} cells of {resolution:g} m).").format(
        count=len(gdf), area=cells.area_m2 / 1e4, shape=shape_label(cells.shape), cells=cells.cells,
        resolution=result.analysis_grid.resolution))
    return gdf, cells


def _cached_fit(result: ExclusionResult) -> tuple[str, tuple[np.ndarray, np.ndarray] | None]:
    """The cache key of this exclusion's footprint fit and the fit (where it fits, the usable land) when the
    cache holds it (rank after screen), else None."""
    if result.cache is None:
        return "", None
    key = fit_key(result.bits_full, result.region_full, result.analysis_grid, result.footprint)
    found = result.cache.get(key)
    rows = result.bits_full.shape[0]
    if found is None or found.shape[0] != 2 * rows:
        return key, None
    both = found.mask()
    return key, (both[:rows], both[rows:])


def ensure_fit(result: ExclusionResult, ctx: RunContext | None = None) -> None:
    """Give ``result`` its footprint fit (``result.fitted``) — from the candidate search already made, from
    the cache, or computed (and then kept in the cache) — without drawing the candidate areas."""
    if result.fitted is not None and result.fitted[0] == result.footprint:
        return
    ctx = ctx or result.ctx
    key, fit = _cached_fit(result)
    if fit is None:
        free = (result.bits_full == 0) & result.region_full
        cells = footprint_cells(result.footprint, result.analysis_grid.resolution)
        fits, usable = fit_and_usable(free, cells, result.analysis_grid.resolution, ctx.check_cancelled, ctx.call)
        assert usable is not None
        fit = (fits, usable)
        if result.cache is not None:
            result.cache.put(key, make_entry(np.concatenate(fit), [], {}))
    result.fitted = (result.footprint, fit[0], fit[1])


def compute_candidate_figures(result: ExclusionResult, ctx: RunContext | None = None) -> tuple[int, float]:
    """The number of candidate areas and their area in the region (ha), as :func:`compute_candidates`
    gives them, without drawing or naming the areas (a sweep needs only the figures)."""
    ctx = ctx or result.ctx
    return candidate_figures(result.bits_full == 0, result.region_full, result.analysis_grid, result.footprint, ctx)
