"""The ``download`` service: one file (a GeoPackage, e.g. from a PDOK ATOM feed), downloaded whole and read
within the box in slices, each slice a :class:`~.pages.Page`."""

from __future__ import annotations

import math
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

from ..model.errors import SmrSitingError
from ..model.i18n import _
from .client import Http, Response, _Transient
from .pages import Page
from .spec import FetchError

#: features per page of a downloaded file
SLICE = 5000


def file_name(url: str) -> str:
    """The downloaded file's name in the partial folder (its suffix from the URL, else ``.gpkg``)."""
    return "download" + (Path(urllib.parse.urlsplit(url).path).suffix or ".gpkg")


def download_file(http: Http, url: str, layer: str, sink: Path, max_bytes: int, label: str) -> tuple[Response, str]:
    """Download ``url`` into ``sink`` (again while it does not open) and name the layer to read in it:
    ``layer``, or the file's only layer."""
    from ..data.vectorio import list_layers

    def check(response: Response) -> list[str]:
        try:
            return list_layers(sink)
        except SmrSitingError:
            raise _Transient(_("the downloaded file does not open ({n} bytes; truncated?)").format(
                n=response.size)) from None

    response, layers = http.get(url, check, "*/*", label, sink=sink, max_bytes=max_bytes)
    name = layer or (layers[0] if len(layers) == 1 else "")
    if name not in layers:
        raise FetchError(_("{layer}: the download holds layers {layers}, not {name!r}").format(
            layer=label, layers=", ".join(layers), name=name),
            _("Set service.download_layer in layers/catalogue.yaml"))
    return response, name


def file_pages(sink: Path, layer: str, bbox: tuple[float, float, float, float] | None) -> Iterator[Page]:
    """The file's features within ``bbox`` (all without one), :data:`SLICE` to a page (one page if none)."""
    import geopandas as gpd
    from pyproj import CRS
    from shapely.geometry import box

    frame = gpd.GeoSeries([box(*bbox)], crs="EPSG:28992") if bbox is not None else None
    gdf = gpd.read_file(str(sink), layer=layer, bbox=frame)
    crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    authority = crs.to_authority(min_confidence=90) if crs is not None else None
    label = (f"{authority[0]}:{authority[1]}" if authority else (crs.name if crs else "")) + " (file)"
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for start in range(0, max(len(gdf), 1), SLICE):
        part = gdf.iloc[start:start + SLICE]
        features = []
        for values, geometry in zip(part[columns].itertuples(index=False, name=None), part.geometry.values):
            properties = {c: _plain(v) for c, v in zip(columns, values)}
            features.append({"type": "Feature", "properties": properties,
                             "geometry": geometry.__geo_interface__ if geometry is not None else None})
        yield Page.of(features, crs=crs, crs_label=label)


def _plain(value: Any) -> Any:
    """numpy / pandas scalars → JSON-able Python values (NaN → None)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return value
