"""Raw values of scoring criteria on the grid (for the suitability surface and, sampled at their cell,
for the sites), and the nearest feature's name at sites (for the explanations, e.g. "2.3 km to Waal").

Distances are measured from every feature within the criterion's *scoring reach* (its largest
standardisation breakpoint, at least the grid's own margin): the grid used for the distance is the
output grid grown by that reach, and features are read that far out, so a distance is never cut at
the exclusion rules' margin.  Beyond the reach the score no longer changes."""

from __future__ import annotations

from typing import Callable, Sequence

import geopandas as gpd
import numpy as np
from scipy import ndimage
from shapely.geometry import Point

from ..config.scoring import ScoringCriterion
from ..data.geometry import burn_into, burn_values, large_water_parts
from ..data.layers import RASTER_SUFFIXES, LayerStore, apply_where
from ..model.errors import DataError
from ..model.grid import Grid, snap_grid
from ..model.i18n import _
from ..rules.raster_threshold import read_raster_on_grid
from .population_measure import population_at_sites, population_on_grid
from .values import SiteValue

#: the reach of a distance criterion whose standardisation has no breakpoint (a data-driven range)
DATA_DRIVEN_REACH_M = 50_000.0


def scoring_reach(criterion: ScoringCriterion) -> float:
    """The distance beyond which the criterion's score no longer changes (its largest breakpoint)."""
    spec = criterion.standardise
    marks = [x for x, _y in spec.points] + list(spec.control) + [u for u, _s in spec.bands if u is not None]
    if spec.method == "linear" and not spec.points:
        if spec.lower is None or spec.upper is None:
            return DATA_DRIVEN_REACH_M
        marks += [spec.lower, spec.upper]
    return float(max(marks)) if marks else DATA_DRIVEN_REACH_M


def _features(criterion: ScoringCriterion, store: LayerStore,
              bounds: tuple[float, float, float, float] | None = None) -> list[tuple[gpd.GeoDataFrame, str]]:
    out = []
    for source in criterion.sources:
        gdf = store.vector(source.layer, bounds)
        label = _("{label} in scoring criterion {criterion!r}").format(label=store.label(source.layer),
                                                                       criterion=criterion.id)
        if source.where:
            gdf = apply_where(gdf, source.where, label)
        if (source.min_width_m > 0 or source.min_area_m2 > 0) and len(gdf):
            parts = large_water_parts(list(gdf.geometry.values), source.min_width_m, source.min_area_m2)
            gdf = gpd.GeoDataFrame({"geometry": parts}, geometry="geometry", crs=gdf.crs)
        out.append((gdf, label))
    return out


def _is_raster(criterion: ScoringCriterion, store: LayerStore) -> bool:
    located, _located_as = store.locate(criterion.sources[0].layer)
    return located.path.suffix.lower() in RASTER_SUFFIXES


#: cells whose distance is looked up between two cancel checks
QUERIES_PER_CHECK = 250_000


def _edge_cells(touched: np.ndarray) -> np.ndarray:
    """Flat indices of the touched cells with an untouched 4-neighbour (cells outside the array count as
    touched): the cells a nearest-touched-cell search needs."""
    inner = touched.copy()
    inner[1:] &= touched[:-1]
    inner[:-1] &= touched[1:]
    inner[:, 1:] &= touched[:, :-1]
    inner[:, :-1] &= touched[:, 1:]
    inner ^= touched  # inner ⊆ touched: what is left are the edge cells
    return np.flatnonzero(inner)


def _distance_at(touched: np.ndarray, offset: tuple[int, int], shape: tuple[int, int], index: np.ndarray,
                 resolution: float, reach: float, check: Callable[[], None] | None = None) -> np.ndarray:
    """Distances (cell centre to the nearest touched cell's centre, as the Euclidean distance transform
    gives them) at the cells ``index`` (flat, on a grid of ``shape`` lying at ``offset`` in ``touched``);
    inf beyond the reach.  The nearest touched cell of an untouched cell always has an untouched
    4-neighbour, so only those edge cells are searched, and only the edge cells within the reach of the
    queried cells' bounding box (those farther cannot be the nearest within the reach)."""
    from scipy.spatial import cKDTree

    if index.size == 0:
        return np.zeros(0)
    check = check or (lambda: None)
    rows, cols = np.divmod(index, shape[1])
    rows += offset[0]
    cols += offset[1]
    bound = reach / resolution + 2.0
    # the window: the queried cells' box grown by the bound and one cell more, whose outer ring (where the
    # edge test cannot see the neighbours outside) lies beyond the bound of every queried cell
    grow = int(np.ceil(bound)) + 1
    w0, w1 = max(int(rows.min()) - grow, 0), min(int(rows.max()) + grow + 1, touched.shape[0])
    v0, v1 = max(int(cols.min()) - grow, 0), min(int(cols.max()) + grow + 1, touched.shape[1])
    window = touched[w0:w1, v0:v1]
    edge = np.divmod(_edge_cells(window), window.shape[1])
    check()
    values = np.full(index.size, np.inf)
    if edge[0].size:
        tree = cKDTree(np.stack([edge[0] + w0, edge[1] + v0], axis=1))
        check()
        query = np.stack([rows, cols], axis=1)
        for start in range(0, len(query), QUERIES_PER_CHECK):  # in parts, a cancel seen between them
            part = tree.query(query[start:start + QUERIES_PER_CHECK], distance_upper_bound=bound, workers=-1)[0]
            values[start:start + QUERIES_PER_CHECK] = part * resolution  # inf stays inf
            check()
    values[touched[rows, cols]] = 0.0
    return values


def _distance_touched(criterion: ScoringCriterion, grid: Grid, store: LayerStore
                      ) -> tuple[np.ndarray, tuple[int, int], float] | None:
    """The criterion's features burnt (all touched) on the grid grown by its scoring reach, where that grid
    lies (row and column of ``grid``'s first cell) and the reach; None when no feature is within it."""
    reach = scoring_reach(criterion)
    big = snap_grid(grid.bounds, grid.resolution, reach + grid.resolution)
    r0 = int(round((big.top - grid.top) / grid.resolution))
    c0 = int(round((grid.left - big.left) / grid.resolution))
    touched = np.zeros(big.shape, dtype=bool)
    for gdf, _label in _features(criterion, store, big.bounds):
        store.ctx.check_cancelled()
        store.ctx.call(burn_into, touched, list(gdf.geometry.values), big, True)  # in place: no second grid
    return (touched, (r0, c0), reach) if touched.any() else None


def measure_at_cells(criterion: ScoringCriterion, grid: Grid, store: LayerStore, index: np.ndarray) -> np.ndarray:
    """Raw values at the cells ``index`` (flat indices on ``grid``), as :func:`measure_on_grid` gives them
    there; a distance is computed at those cells only (no grid-sized array, no distance transform)."""
    if criterion.measure == "population":
        return population_on_grid(criterion, grid, store).ravel()[index]
    if criterion.measure != "distance":  # taken at the cells before they are widened or named: the same values
        values, categories = _values_or_codes(criterion, grid, store)
        return _raw(values.ravel()[index], categories)
    burnt = _distance_touched(criterion, grid, store)
    if burnt is None:
        return np.full(index.size, np.inf)
    touched, offset, reach = burnt
    return _distance_at(touched, offset, grid.shape, index, grid.resolution, reach, store.ctx.check_cancelled)


def measure_on_grid(criterion: ScoringCriterion, grid: Grid, store: LayerStore,
                    where: np.ndarray | None = None) -> np.ndarray:
    """Raw values per cell: metres to the nearest feature, a number, or a category (object array).
    With ``where`` (boolean, on ``grid``) distances are computed only at those cells (NaN elsewhere) —
    the same values, without a distance transform of the whole grid."""
    if criterion.measure == "population":  # inhabitants within a radius (population_measure.py)
        return population_on_grid(criterion, grid, store)
    if criterion.measure == "distance":
        if where is not None:
            out = np.full(grid.shape, np.nan)
            index = np.flatnonzero(where)
            out.ravel()[index] = measure_at_cells(criterion, grid, store, index)
            return out
        burnt = _distance_touched(criterion, grid, store)
        if burnt is None:
            return np.full(grid.shape, np.inf)
        touched, (r0, c0), _reach = burnt
        # in a worker thread while the cancel is polled (scipy releases the GIL in the transform): the same values
        distance = store.ctx.call(ndimage.distance_transform_edt, ~touched, sampling=grid.resolution)
        return distance[r0:r0 + grid.height, c0:c0 + grid.width]
    return _raw(*_values_or_codes(criterion, grid, store))


def _values_or_codes(criterion: ScoringCriterion, grid: Grid, store: LayerStore
                     ) -> tuple[np.ndarray, list[str] | None]:
    """A raster's values or a vector's attribute per cell (float32, NaN where none) — for a category the
    category's code (1, 2, …) and the categories' names, else None."""
    if _is_raster(criterion, store):
        return read_raster_on_grid(store.raster(criterion.sources[0].layer), grid, "bilinear",
                                   store.label(criterion.sources[0].layer)), None
    pairs = []
    for gdf, label in _features(criterion, store):
        _check_field(gdf, criterion, label)
        pairs.extend(zip(gdf.geometry.values, gdf[criterion.field].values))
    if criterion.measure == "value":
        return burn_values([(g, _to_float(v)) for g, v in pairs], grid), None
    categories = sorted({str(v) for _, v in pairs if v is not None})
    return burn_values([(g, float(categories.index(str(v)) + 1)) for g, v in pairs if v is not None], grid), categories


def _raw(values: np.ndarray, categories: list[str] | None) -> np.ndarray:
    """The raw values of :func:`_values_or_codes`: float64 numbers, or the categories' names (None where none)."""
    if categories is None:
        return values.astype("float64")
    out = np.full(values.shape, None, dtype=object)
    for i, name in enumerate(categories, start=1):
        out[values == i] = name
    return out


def feature_label(row: object, field: str | None, template: str = "") -> str:
    """How a feature is named in an explanation: the source's ``label`` template (``"{voltage_kv:g} kV
    station"``) filled from its attributes, else the criterion's ``label_field``; '' when neither gives one."""
    def present(value: object) -> bool:
        return value is not None and not (isinstance(value, float) and np.isnan(value))

    values = {k: v for k, v in dict(row).items() if k != "geometry"}  # type: ignore[call-overload]
    if template:
        try:
            return template.format(**values)
        except (KeyError, ValueError, TypeError, IndexError):
            pass
    if field and field in values and present(values[field]):
        return str(values[field])
    return ""


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


def nearest_names(criterion: ScoringCriterion, points: Sequence[Point], store: LayerStore) -> list[str]:
    """The name (label_field) of the feature nearest to each point, '' if none or unnamed."""
    values = measure_at_sites(criterion, points, store)
    return [v.name for v in values]


def distance_text(metres: float, name: str) -> str:
    if not np.isfinite(metres):
        return _("no feature within reach")
    km = metres / 1000
    return _("{km:.1f} km to {name}").format(km=km, name=name) if name else f"{km:.1f} km"


def value_text(criterion: ScoringCriterion, value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return _("no value")
    return f"{value:,.4g} {criterion.unit}".strip()


def measure_at_sites(criterion: ScoringCriterion, points: Sequence[Point], store: LayerStore) -> list[SiteValue]:
    """Exact raw values at site points, with a short explanation each (distances: the nearest feature)."""
    unit = criterion.unit
    if criterion.measure == "population":  # inhabitants within a radius (population_measure.py)
        return population_at_sites(criterion, points, store)
    if criterion.measure == "distance":
        reach = 4 * scoring_reach(criterion)  # beyond the scoring reach the score no longer changes
        if points:
            xs, ys = [p.x for p in points], [p.y for p in points]
            bounds = (min(xs) - reach, min(ys) - reach, max(xs) + reach, max(ys) + reach)
        else:
            bounds = None
        frames = [(gdf, source) for (gdf, _), source in zip(_features(criterion, store, bounds), criterion.sources)
                  if len(gdf)]
        out = []
        for point in points:
            best: tuple[float, str] | None = None
            for gdf, source in frames:
                distances = gdf.geometry.distance(point).to_numpy()
                k = int(np.argmin(distances))
                name = feature_label(gdf.iloc[k], criterion.label_field, source.label)
                if best is None or distances[k] < best[0]:
                    best = (float(distances[k]), name)
            if best is None:
                out.append(SiteValue(float("inf"), _("no feature within reach")))
                continue
            metres, name = best
            out.append(SiteValue(metres, distance_text(metres, name), name))
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
