"""Vector outputs: GeoPackage layers (an empty one keeps its fields) and the exclusion per rule as polygons."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import numpy as np

from ..data.vectorio import _pyogrio, empty_frame, fixed_gpkg_dates
from ..exclusion.mask import RuleInfo
from ..model.grid import Grid
from ..model.i18n import english
from ..model.progress import RunContext


def write_gpkg(path: Path, gdf: gpd.GeoDataFrame, layer: str, geometry_type: str = "MultiPolygon") -> None:
    """Write one layer; an empty frame still gets its fields and geometry type."""
    texts = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == object]
    if texts:  # a data file: messages (site names, values in words, notes) in English, whatever the language
        gdf = gdf.copy()
        for column in texts:
            gdf[column] = [english(v) for v in gdf[column]]
    with fixed_gpkg_dates():
        if len(gdf):
            gdf.to_file(str(path), layer=layer, driver="GPKG", index=False)
        elif _pyogrio is not None:
            gdf.to_file(str(path), layer=layer, driver="GPKG", index=False, engine="pyogrio",
                        geometry_type=geometry_type)
        else:
            kinds = {"i": "int", "u": "int", "f": "float", "b": "bool"}
            properties = {c: kinds.get(gdf[c].dtype.kind, "str") for c in gdf.columns if c != gdf.geometry.name}
            gdf.to_file(str(path), layer=layer, driver="GPKG", index=False,
                        schema={"geometry": geometry_type, "properties": properties})


def exclusion_polygons(bits: np.ndarray, region: np.ndarray, grid: Grid, rules: Sequence[RuleInfo],
                       region_km2_cells: float, ctx: Any = None) -> gpd.GeoDataFrame:
    """One dissolved (multi)polygon per rule: the land it excludes inside the region.  ``ctx`` (a RunContext):
    a cancel is seen between rules, between parts and while a rule's parts are dissolved."""
    from rasterio import features
    from shapely.geometry import shape
    from shapely.ops import unary_union

    ctx = ctx or RunContext()
    rows = []
    for rule in rules:
        ctx.check_cancelled()
        mask = ((bits & np.array(rule.value, dtype=bits.dtype)) != 0) & region
        if not mask.any():
            continue
        parts = []
        for number, (g, v) in enumerate(features.shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform,
                                                        connectivity=4)):
            if number % 64 == 0:
                ctx.check_cancelled()
            if v == 1:
                parts.append(shape(g))
        geometry = ctx.call(unary_union, parts)
        rows.append({"bit": rule.bit, "rule_id": rule.id, "title": rule.title, "title_nl": rule.title_nl,
                     "group": rule.group, "area_km2": round(mask.sum() * region_km2_cells, 4), "geometry": geometry})
    if not rows:
        return empty_frame({"bit": "int64", "rule_id": "object", "title": "object", "title_nl": "object",
                            "group": "object", "area_km2": "float64"}, grid.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=grid.crs)
