"""Raw values of scoring criteria: on the grid (for the suitability surface) and, exactly, at sites
(for the explanations, e.g. "2.3 km to Waal")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import geopandas as gpd
import numpy as np
from scipy import ndimage
from shapely.geometry import Point

from ..criteria.raster_threshold import read_raster_on_grid
from ..errors import DataError
from ..geometry import burn, burn_values
from ..grid import Grid
from ..i18n import _
from ..layers import RASTER_SUFFIXES, LayerStore, apply_where
from .spec import ScoringCriterion


@dataclass(frozen=True)
class SiteValue:
    value: float | str | None
    text: str


def _features(criterion: ScoringCriterion, store: LayerStore) -> list[tuple[gpd.GeoDataFrame, str]]:
    out = []
    for source in criterion.sources:
        gdf = store.vector(source.layer)
        label = _("{label} in scoring criterion {criterion!r}").format(label=store.label(source.layer),
                                                                       criterion=criterion.id)
        if source.where:
            gdf = apply_where(gdf, source.where, label)
        out.append((gdf, label))
    return out


def _is_raster(criterion: ScoringCriterion, store: LayerStore) -> bool:
    located, _located_as = store.locate(criterion.sources[0].layer)
    return located.path.suffix.lower() in RASTER_SUFFIXES


def measure_on_grid(criterion: ScoringCriterion, grid: Grid, store: LayerStore) -> np.ndarray:
    """Raw values per cell: metres to the nearest feature, a number, or a category (object array)."""
    if criterion.measure == "population":  # inhabitants within a radius (population_measure.py)
        from .population_measure import population_on_grid

        return population_on_grid(criterion, grid, store)
    if criterion.measure == "distance":
        touched = np.zeros(grid.shape, dtype=bool)
        for gdf, _label in _features(criterion, store):
            touched |= burn(list(gdf.geometry.values), grid, all_touched=True)
        if not touched.any():
            return np.full(grid.shape, np.inf)
        return ndimage.distance_transform_edt(~touched, sampling=grid.resolution)
    if _is_raster(criterion, store):
        return read_raster_on_grid(store.raster(criterion.sources[0].layer), grid, "bilinear",
                                   store.label(criterion.sources[0].layer)).astype("float64")
    pairs = []
    for gdf, label in _features(criterion, store):
        _check_field(gdf, criterion, label)
        pairs.extend(zip(gdf.geometry.values, gdf[criterion.field].values))
    if criterion.measure == "value":
        numeric = [(g, _to_float(v)) for g, v in pairs]
        return burn_values(numeric, grid).astype("float64")
    categories = sorted({str(v) for _, v in pairs if v is not None})
    codes = burn_values([(g, float(categories.index(str(v)) + 1)) for g, v in pairs if v is not None], grid)
    out = np.full(grid.shape, None, dtype=object)
    for i, name in enumerate(categories, start=1):
        out[codes == i] = name
    return out


def _to_float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None  # CBS codes secret/missing values as negative numbers


def _check_field(gdf: gpd.GeoDataFrame, criterion: ScoringCriterion, label: str) -> None:
    if criterion.field not in gdf.columns:
        fields = ", ".join(c for c in gdf.columns if c != "geometry")
        raise DataError(_("{label} has no field {field!r}").format(label=label, field=criterion.field),
                        _("Fields: {fields}").format(fields=fields))


def measure_at_sites(criterion: ScoringCriterion, points: Sequence[Point], store: LayerStore) -> list[SiteValue]:
    """Exact raw values at site points, with a short explanation each."""
    unit = criterion.unit
    if criterion.measure == "population":  # inhabitants within a radius (population_measure.py)
        from .population_measure import population_at_sites

        return population_at_sites(criterion, points, store)
    if criterion.measure == "distance":
        frames = [gdf for gdf, _ in _features(criterion, store) if len(gdf)]
        out = []
        for point in points:
            best: tuple[float, str] | None = None
            for gdf in frames:
                distances = gdf.geometry.distance(point).to_numpy()
                k = int(np.argmin(distances))
                name = ""
                if criterion.label_field and criterion.label_field in gdf.columns:
                    raw = gdf.iloc[k][criterion.label_field]
                    name = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw)
                if best is None or distances[k] < best[0]:
                    best = (float(distances[k]), name)
            if best is None:
                out.append(SiteValue(float("inf"), _("no feature within reach")))
                continue
            metres, name = best
            km = metres / 1000
            out.append(SiteValue(metres, _("{km:.1f} km to {name}").format(km=km, name=name) if name else f"{km:.1f} km"))
        return out
    if _is_raster(criterion, store):
        import rasterio

        path = store.raster(criterion.sources[0].layer)
        with rasterio.open(path) as src:
            from pyproj import Transformer

            transformer = Transformer.from_crs("EPSG:28992", src.crs, always_xy=True)
            coords = [transformer.transform(p.x, p.y) for p in points]
            values = [float(v[0]) for v in src.sample(coords, masked=True)]
        return [SiteValue(v, f"{v:,.4g} {unit}".strip()) for v in values]
    out = []
    frames = _features(criterion, store)
    for point in points:
        found: object = None
        for gdf, label in frames:
            _check_field(gdf, criterion, label)
            hits = gdf[gdf.geometry.contains(point)]
            if len(hits):
                found = hits.iloc[0][criterion.field]
                break
        if criterion.measure == "value":
            number = _to_float(found)
            text = _("no value") if number is None else f"{number:,.4g} {unit}".strip()
            out.append(SiteValue(number, text))
        else:
            out.append(SiteValue(None if found is None else str(found), _("no category") if found is None else str(found)))
    return out
