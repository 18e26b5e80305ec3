"""``raster_threshold``: exclude cells where a value crosses a threshold (e.g. population per km²).

The values come from a raster (resampled to the grid) or from a numeric field of a polygon
layer (burnt by cell centre), e.g. the population density of each municipality.
"""

from __future__ import annotations

import operator
from typing import Any, Mapping

import numpy as np

from ..config.yamlpos import LineDict
from ..data.geometry import burn_values
from ..data.layers import RASTER_SUFFIXES, LayerStore, polygons_only
from ..model.errors import DataError, ProfileError
from ..model.grid import Grid
from ..model.i18n import N_, _
from ..model.profile import Criterion
from ..model.progress import RunContext
from ._common import source_features
from .base import CriterionKind

OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
RESAMPLING = ("nearest", "average", "bilinear", "max", "min")
NODATA = ("keep", "exclude")


def parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    threshold = raw.get("threshold")
    if not isinstance(threshold, dict):
        raise ProfileError(_("'threshold' is missing or not a mapping"),
                           _("Add 'threshold: {op: \">\", value: 1000, unit: inhabitants/km2}' (cells where the value "
                             "is > 1000 are excluded)"), where)
    unknown = set(threshold) - {"op", "value", "unit"}
    if unknown:
        raise ProfileError(_("unknown threshold key(s) {keys}").format(keys=", ".join(sorted(unknown))),
                           _("Use op, value and unit"), where)
    op = str(threshold.get("op", ""))
    if op not in OPERATORS:
        raise ProfileError(_("threshold operator {op!r} is not one of {operators}").format(
            op=op, operators=", ".join(OPERATORS)), _("Cells where 'value op threshold' holds are excluded; e.g. op: '>'"),
            where)
    value = threshold.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(_("threshold value {value!r} is not a number").format(value=value),
                           _("Write e.g. 'value: 1000'"), where)
    unit = str(threshold.get("unit", "")).strip()
    if not unit:
        raise ProfileError(_("threshold has no unit"), _("Add the unit of the values, e.g. 'unit: inhabitants/km2'"),
                           where)
    resampling = str(raw.get("resampling", "nearest"))
    if resampling not in RESAMPLING:
        raise ProfileError(_("unknown resampling {resampling!r}").format(resampling=resampling),
                           _("Use one of: {choices}").format(choices=", ".join(RESAMPLING)), where)
    nodata = str(raw.get("nodata", "keep"))
    if nodata not in NODATA:
        raise ProfileError(_("unknown nodata handling {nodata!r}").format(nodata=nodata),
                           _("Use 'keep' (cells without a value are not excluded) or 'exclude'"), where)
    return {"op": op, "value": float(value), "unit": unit, "resampling": resampling, "nodata": nodata}


def read_raster_on_grid(path: Any, grid: Grid, resampling: str, label: str) -> np.ndarray:
    """The raster's first band resampled onto the grid, float32, NaN where it has no value."""
    import warnings

    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    from ..data.rasterwindow import read_window

    try:
        with warnings.catch_warnings():  # a missing georeference is reported below, as an error
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            src = rasterio.open(path)
    except Exception as error:  # noqa: BLE001
        raise DataError(_("{label}: cannot open the raster ({reason})").format(
            label=label, reason=str(error).splitlines()[0][:120]), _("Check that it is a complete GeoTIFF")) from None
    with src:
        if src.crs is None or src.transform.is_identity:
            raise DataError(_("{label} has no georeferencing (no CRS or no geotransform)").format(label=label),
                            _("Georeference it (QGIS Georeferencer, or gdal_translate -a_srs EPSG:28992 -a_ullr ...)"))
        values, transform = read_window(src, grid, label, resampling)  # the grid's window only, checked
        out = np.full(grid.shape, np.nan, dtype="float32")
        reproject(values, out, src_transform=transform, src_crs=src.crs,
                  src_nodata=np.nan, dst_transform=grid.transform, dst_crs=grid.crs, dst_nodata=np.nan,
                  resampling=getattr(Resampling, resampling))
    return out


def evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    options = criterion.options
    compare = OPERATORS[options["op"]]
    excluded = np.zeros(grid.shape, dtype=bool)
    for source in criterion.sources:
        located, _origin = store.locate(source.layer)
        if located.path.suffix.lower() in RASTER_SUFFIXES:
            values = read_raster_on_grid(store.raster(source.layer), grid, options["resampling"],
                                         store.label(source.layer))
        else:
            gdf, label = source_features(source, criterion, store)
            if not source.field:
                raise DataError(_("{label} is a vector layer, so rule {rule!r} needs 'field:' naming the "
                                  "numeric attribute to compare").format(label=label, rule=criterion.id),
                                _("Add e.g. 'field: bevolkingsdichtheid_km2'"))
            if source.field not in gdf.columns:
                fields = ", ".join(c for c in gdf.columns if c != "geometry")
                raise DataError(_("{label} has no field {field!r}").format(label=label, field=source.field),
                                _("Fields: {fields}").format(fields=fields))
            numbers = gdf[source.field].astype("float64", errors="ignore")
            try:
                numbers = numbers.astype(float)
            except (TypeError, ValueError):
                raise DataError(_("{label}: field {field!r} is not numeric").format(label=label, field=source.field),
                                _("Name a numeric field")) from None
            # negative numbers are CBS's codes for 'secret' or 'missing'
            numbers = numbers.where(numbers >= 0) * source.scale
            purpose = _("rule {rule!r}").format(rule=criterion.id)
            values = burn_values(list(zip(polygons_only(gdf, label, purpose), numbers)), grid)
        missing = np.isnan(values)
        with np.errstate(invalid="ignore"):
            hit = compare(values, options["value"])
        hit &= ~missing
        if options["nodata"] == "exclude":
            hit |= missing
        elif missing.any():  # a coverage gap is said, with its size, not kept silently
            region = getattr(store, "region_mask", None)
            if region is not None and region.shape == missing.shape:
                gap = float(np.count_nonzero(missing & region)) * grid.cell_area_km2
                if gap > 0:
                    ctx.tell(_("Rule {rule!r}: {km2:,.1f} km² of the region has no value in {layer!r}; that land "
                               "is not excluded by this rule (nodata: keep).").format(
                        rule=criterion.id, km2=gap, layer=source.layer))
            else:
                ctx.tell(_("Rule {rule!r}: {km2:,.1f} km² of the analysis grid (the region and its margin) has no "
                           "value in {layer!r}; that land is not excluded by this rule (nodata: keep).").format(
                    rule=criterion.id, km2=float(missing.sum()) * grid.cell_area_km2, layer=source.layer))
        excluded |= hit
    return excluded


KIND = CriterionKind(
    name="raster_threshold",
    wording=N_("excluded where a value crosses a threshold"),
    summary=N_("Exclude cells whose value (a raster, or a polygon layer's numeric field) crosses a threshold."),
    evaluate=evaluate,
    criterion_keys=frozenset({"threshold", "resampling", "nodata"}),
    source_keys=frozenset({"field", "scale"}),
    parse_options=parse_options,
    layer_type="any",
    examples=("- id: density\n  kind: raster_threshold\n  threshold: {op: '>', value: 1000, unit: inhabitants/km2}\n"
              "  layers: [{layer: municipalities, field: bevolkingsdichtheid_km2}]",),
)
