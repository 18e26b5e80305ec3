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
from .areas import FootprintCells, candidate_figures, find_candidate_areas
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
    cache, key, fit = result.cache, "", None
    if cache is not None:  # the fit of this exclusion and footprint computed before (rank after screen)
        key = fit_key(result.bits_full, result.region_full, result.analysis_grid, result.footprint)
        found = cache.get(key)
        if found is not None and found.shape[0] == 2 * result.bits_full.shape[0]:
            both = found.mask()
            fit = (both[:free.shape[0]], both[free.shape[0]:])

    def keep(fits: np.ndarray, usable: np.ndarray) -> None:
        result.fitted = (result.footprint, fits, usable)
        if cache is not None and fit is None:
            cache.put(key, make_entry(np.concatenate([fits, usable]), [], {}))

    gdf, cells = find_candidate_areas(free, result.region_full, result.analysis_grid, result.footprint, admin,
                                      result.region.geometry, ctx, fields, keep, fit)
    gdf = annotate_areas(gdf, result)  # population, emergency zones and cooling per area (designs only)
    result.timings["candidates_s"] = round(time.perf_counter() - t0, 3)
    ctx.tell(_("{count} candidate area(s) where a {area:.2f} ha {shape} footprint fits "
               "({cells} cells of {resolution:g} m).").format(
        count=len(gdf), area=cells.area_m2 / 1e4, shape=shape_label(cells.shape), cells=cells.cells,
        resolution=result.analysis_grid.resolution))
    return gdf, cells


def compute_candidate_figures(result: ExclusionResult, ctx: RunContext | None = None) -> tuple[int, float]:
    """The number of candidate areas and their area in the region (ha), as :func:`compute_candidates`
    gives them, without drawing or naming the areas (a sweep needs only the figures)."""
    ctx = ctx or result.ctx
    return candidate_figures(result.bits_full == 0, result.region_full, result.analysis_grid, result.footprint, ctx)
