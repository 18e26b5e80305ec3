"""The context layers of the maps (outlines, big water, place names), read from the inputs the manifest lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from . import figures
from .rundata import RunData

#: place names on the maps
PLACE_NAMES = 14


def _input_path(item: dict, folder: Path) -> Path | None:
    path = Path(item["path"])
    for candidate in (path, folder / path, folder.parent / path):
        if candidate.exists():
            return candidate
    return None


def _read_input(data: RunData, layer_id: str, bounds: tuple[float, float, float, float]) -> Any:
    import geopandas as gpd

    for item in data.manifest.inputs:
        if item.get("layer_id") != layer_id:
            continue
        path = _input_path(item, data.folder)
        if path is None or path.suffix.lower() not in (".gpkg", ".shp", ".geojson", ".json", ".fgb"):
            return None
        try:
            gdf = gpd.read_file(str(path), layer=item.get("layer"), bbox=bounds)
        except Exception:  # noqa: BLE001 - a context layer that cannot be read is left off the map
            return None
        if gdf.crs is not None and gdf.crs.to_epsg() != 28992:
            gdf = gdf.to_crs(28992)
        return gdf
    return None


def _name_field(gdf: Any, preferred: Sequence[str]) -> str | None:
    return next((c for c in preferred if c in gdf.columns), None)


def load_basemap(data: RunData, bounds: tuple[float, float, float, float]) -> figures.Basemap:
    """Province and municipality outlines, big water and place names from the inputs the manifest lists."""
    import pandas as pd

    basemap = figures.Basemap()
    basemap.municipalities = _read_input(data, "municipalities", bounds)
    basemap.provinces = _read_input(data, "provinces", bounds)
    polygons, lines = [], []
    for layer_id in ("lakes", "sea", "water_krw", "water_osm_relations", "rivers_major"):
        gdf = _read_input(data, layer_id, bounds)
        if gdf is None or not len(gdf):
            continue
        kinds = gdf.geometry.geom_type
        polygons.append(gdf[kinds.isin(["Polygon", "MultiPolygon"])][["geometry"]])
        lines.append(gdf[kinds.isin(["LineString", "MultiLineString"])][["geometry"]])
    if polygons:
        import geopandas as gpd

        basemap.water_polygons = gpd.GeoDataFrame(pd.concat(polygons, ignore_index=True), geometry="geometry")
        basemap.water_lines = gpd.GeoDataFrame(pd.concat(lines, ignore_index=True), geometry="geometry")
    basemap.places = _places(data, bounds, basemap)
    return basemap


def _places(data: RunData, bounds: tuple[float, float, float, float], basemap: figures.Basemap) -> list:
    minx, miny, maxx, maxy = bounds
    for layer_id in ("population_centres", "population_centre_areas"):
        gdf = _read_input(data, layer_id, bounds)
        if gdf is None or not len(gdf):
            continue
        name = _name_field(gdf, ("kern_naam", "naam", "name", "statnaam"))
        population = next((c for c in gdf.columns if "inwoners" in c.lower() or "population" in c.lower()), None)
        if name is None:
            continue
        if population is not None:
            gdf = gdf.sort_values(population, ascending=False)
        out = []
        for _index, row in gdf.iterrows():
            point = row.geometry.representative_point() if row.geometry.geom_type != "Point" else row.geometry
            if minx < point.x < maxx and miny < point.y < maxy:
                out.append((point.x, point.y, str(row[name])))
            if len(out) >= PLACE_NAMES:
                break
        return out
    if basemap.municipalities is not None and len(basemap.municipalities):
        gdf = basemap.municipalities
        name = _name_field(gdf, ("statnaam", "naam", "name"))
        if name:
            gdf = gdf.assign(_area=gdf.geometry.area).sort_values("_area", ascending=False).head(PLACE_NAMES)
            return [(g.representative_point().x, g.representative_point().y, str(n))
                    for g, n in zip(gdf.geometry, gdf[name])]
    return []

