"""In-memory inputs of a :class:`~smr_siting.core.api.screening.Screening` (GeoDataFrames, rasterio datasets),
recognised and written to files the engine's layer store reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def is_frame(value: Any) -> bool:
    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover - geopandas is an engine dependency
        return False
    return isinstance(value, (gpd.GeoDataFrame, gpd.GeoSeries))


def is_raster_dataset(value: Any) -> bool:
    try:
        from rasterio.io import DatasetReaderBase
    except ImportError:  # pragma: no cover - rasterio is an engine dependency
        return False
    return isinstance(value, DatasetReaderBase)


def write_frame(value: Any, path: Path, layer: str) -> None:
    """A GeoDataFrame (or GeoSeries) as a GeoPackage layer; its CRS as it is (the store checks it)."""
    import geopandas as gpd

    frame = value if isinstance(value, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=value)
    frame.to_file(path, layer=layer, driver="GPKG")


def write_raster(dataset: Any, path: Path) -> None:
    """An open rasterio dataset (in memory, or any mode that reads) as a GeoTIFF with its CRS and nodata."""
    import rasterio

    data = dataset.read()
    with rasterio.open(path, "w", driver="GTiff", width=dataset.width, height=dataset.height, count=dataset.count,
                       dtype=data.dtype.name, crs=dataset.crs, transform=dataset.transform,
                       nodata=dataset.nodata) as dst:
        dst.write(data)
