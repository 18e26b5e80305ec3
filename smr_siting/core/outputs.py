"""Writing results: atomically (temporary name, then rename), deterministically, never over the
user's files without leave."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np

from .errors import OutputError
from .exclusion import RuleInfo, RuleStats, describe_value
from .grid import Grid
from .i18n import _
from .vectorio import fixed_gpkg_dates
from .vocabulary import OVERWRITE, term

_HERE = Path(__file__).resolve()
STYLE_DIRS = (_HERE.parents[1] / "resources" / "styles", _HERE.parents[2] / "resources" / "styles")

#: output names of a screening folder (``smr-siting screen --out DIR``)
OUTPUT_NAMES = {
    "exclusion": "exclusion.tif",
    "candidates": "candidate_areas.gpkg",
    "summary_csv": "summary.csv",
    "summary_json": "summary.json",
    "manifest": "manifest.json",
    "exclusion_vector": "exclusion_reasons.gpkg",
}
#: files written beside an output: QGIS loads a .qml of the same name as the layer's style
SIDECARS = {"exclusion": (".qml", ".rules.json"), "candidates": (".qml",), "exclusion_vector": (".qml",),
            "suitability": (".qml",), "ranked": (".qml",)}


def sidecar_paths(key: str, path: Path) -> list[Path]:
    out = []
    for suffix in SIDECARS.get(key, ()):
        out.append(path.with_suffix(suffix) if suffix == ".qml" else path.with_name(path.stem + suffix))
    return out


def _style_dir() -> Path | None:
    return next((d for d in STYLE_DIRS if d.is_dir()), None)


@dataclass
class AtomicOutputs:
    """Every output goes to a hidden temporary file beside its target and is renamed into place
    only when the whole run succeeded.  Until then the user's folder is as it was."""

    targets: Mapping[str, Path]
    overwrite: bool = False
    temps: dict[Path, Path] = field(default_factory=dict)
    last: Path | None = None
    #: earlier outputs of ours that this run does not write again; removed once it succeeded (--overwrite)
    stale: list[Path] = field(default_factory=list)
    created_dirs: list[Path] = field(default_factory=list)
    token: str = field(default_factory=lambda: secrets.token_hex(4))

    def all_targets(self) -> list[Path]:
        paths = []
        for key, path in self.targets.items():
            paths.append(path)
            paths.extend(sidecar_paths(key, path))
        return paths

    def check(self) -> None:
        """Refuse before any work: outputs that exist (without overwrite), folders we cannot write."""
        existing = [p for p in self.all_targets() if p.exists()]
        if existing and not self.overwrite:
            names = ", ".join(str(p) for p in existing[:4]) + (f" (+{len(existing) - 4})" if len(existing) > 4 else "")
            raise OutputError(_("output already exists: {names}").format(names=names),
                              _("Choose another output folder, or {overwrite} to replace it").format(overwrite=term(OVERWRITE)))
        for path in {p.parent for p in self.all_targets()}:
            probe_dir = path
            while not probe_dir.exists():
                probe_dir = probe_dir.parent
            if not probe_dir.is_dir():
                raise OutputError(_("{path} is a file, not a folder").format(path=probe_dir), _("Choose an output folder"))
            if not os.access(probe_dir, os.W_OK | os.X_OK):
                raise OutputError(_("cannot write to {path} (permission denied)").format(path=probe_dir),
                                  _("Choose a folder you can write to"))

    def temp(self, target: Path) -> Path:
        """The temporary path to write ``target`` to (same folder, same extension)."""
        self.last = target
        if target not in self.temps:
            folder = target.parent
            if not folder.exists():
                try:
                    folder.mkdir(parents=True)
                except OSError as error:
                    raise _os_error(error, folder) from None
                self.created_dirs.append(folder)
            self.temps[target] = folder / f".{target.stem}.partial-{self.token}{target.suffix}"
        return self.temps[target]

    def commit(self) -> None:
        """Rename every temporary file into place (the manifest last)."""
        order = sorted(self.temps, key=lambda p: p.name == OUTPUT_NAMES["manifest"])
        for target in order:
            os.replace(self.temps[target], target)
        self.temps.clear()
        for path in self.stale:
            if path not in order:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass

    def abort(self) -> None:
        for temp in list(self.temps.values()):
            for leftover in (temp, Path(f"{temp}-journal"), Path(f"{temp}-wal"), Path(f"{temp}-shm"),
                             temp.with_suffix(temp.suffix + ".aux.xml")):
                try:
                    leftover.unlink()
                except FileNotFoundError:
                    pass
        self.temps.clear()
        for folder in reversed(self.created_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass

    def __enter__(self) -> AtomicOutputs:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            target = self.last
            folder = target.parent if target is not None else None
            self.abort()
            if isinstance(exc, OSError):
                raise _os_error(exc, target) from None
            if type(exc).__module__.split(".")[0] in GDAL_BINDINGS:  # a driver failed while writing
                raise _driver_error(exc, target, folder) from None


#: Python bindings whose write errors are not OSErrors (GDAL reports ENOSPC as its own error)
GDAL_BINDINGS = ("fiona", "rasterio", "pyogrio", "osgeo")


def _driver_error(error: Exception, target: Path | None, folder: Path | None) -> OutputError:
    import shutil

    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    free = None
    if folder is not None and folder.exists():
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            free = None
    where = f" {target}" if target is not None else ""
    if "No space" in text or (free is not None and free < 4 * 1024 * 1024):
        return OutputError(_("the disk is full while writing{where}").format(where=where),
                           _("Free some space or choose another output folder"))
    return OutputError(_("cannot write{where} ({reason})").format(where=where, reason=text[:160]),
                       _("Check the output folder"))


def _os_error(error: OSError, path: Path | None) -> OutputError:
    where = f" {path}" if path else (f" {error.filename}" if error.filename else "")
    if error.errno == errno.ENOSPC:
        return OutputError(_("the disk is full while writing{where}").format(where=where),
                           _("Free some space or choose another output folder"))
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(_("cannot write{where} (permission denied or read-only)").format(where=where),
                           _("Choose a folder you can write to"))
    return OutputError(_("cannot write{where} ({reason})").format(where=where, reason=error.strerror),
                       _("Check the output folder"))


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_json(path: Path, data: Any) -> None:
    _write_text(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


# ------------------------------------------------------------------------- exclusion raster


def write_exclusion_tif(path: Path, bits: np.ndarray, grid: Grid, rules: Sequence[RuleInfo], nodata: int,
                        caveats: Sequence[str] = ()) -> None:
    import rasterio

    profile = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": str(bits.dtype),
        "crs": grid.crs, "transform": grid.transform, "nodata": nodata, "compress": "deflate", "tiled": True,
        "blockxsize": 256, "blockysize": 256,
    }
    legend = [{"bit": r.bit, "value": r.value, "id": r.id, "title": r.title, "title_nl": r.title_nl,
               "group": r.group} for r in rules]
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bits, 1)
        dst.set_band_description(1, "SMR exclusion reasons (bit mask: one bit per rule, 0 = not excluded)")
        tags = {f"RULE_BIT_{r.bit}": f"{r.id}: {r.title}" for r in rules}
        tags["SMR_SITING_RULES"] = json.dumps(legend, ensure_ascii=False)
        tags["SMR_SITING_NODATA"] = f"{nodata} = outside the region"
        if caveats:
            tags["SMR_SITING_CAVEATS"] = " | ".join(caveats)
        dst.update_tags(**tags)
        dst.update_tags(1, **{f"RULE_BIT_{r.bit}": r.id for r in rules})


def exclusion_legend(rules: Sequence[RuleInfo], nodata: int, caveats: Sequence[str]) -> dict:
    return {
        "about": "Cell value = sum of 2**bit over every rule that excludes the cell; 0 = not excluded.",
        "nodata": nodata,
        "nodata_means": "outside the region",
        "rules": [{"bit": r.bit, "value": r.value, "id": r.id, "title": r.title, "title_nl": r.title_nl,
                   "group": r.group, "kind": r.kind, "layers": list(r.layers)} for r in rules],
        "caveats": list(caveats),
    }


#: one distinct colour per rule, by bit (colour-blind-safe qualitative palette, Okabe–Ito / Tol)
RULE_COLOURS = [(204, 121, 167), (0, 114, 178), (86, 180, 233), (230, 159, 0), (213, 94, 0), (117, 112, 179),
                (136, 34, 85), (240, 228, 66), (68, 170, 153), (153, 153, 51), (102, 37, 6), (0, 158, 115)]
COVERAGE_COLOUR = (190, 190, 190)
NOT_EXCLUDED_COLOUR = (26, 152, 80)


def rule_colour(rule: RuleInfo) -> tuple[int, int, int]:
    if rule.group == "coverage":
        return COVERAGE_COLOUR
    return RULE_COLOURS[rule.bit % len(RULE_COLOURS)]


def _colour(rules: Sequence[RuleInfo], value: int) -> tuple[int, int, int]:
    """The colour of the first rule (profile order) that excludes the cell, darker where more rules do."""
    first = next(r for r in rules if value & r.value)
    base = rule_colour(first)
    extra = bin(value).count("1") - 1
    return tuple(max(0, int(c * (1 - 0.12 * min(extra, 4)))) for c in base)  # type: ignore[return-value]


def exclusion_qml(values: Iterable[int], rules: Sequence[RuleInfo], dutch: bool | None = None) -> str:
    """A paletted QGIS style for the values present, each labelled with its reasons (in Dutch if ``dutch``;
    default: the engine's language)."""
    from xml.sax.saxutils import quoteattr

    entries = []
    for value in sorted(set(int(v) for v in values)):
        if value == 0:
            colour, alpha = NOT_EXCLUDED_COLOUR, 90
        else:
            colour, alpha = _colour(rules, value), 255
        hex_colour = "#{:02x}{:02x}{:02x}".format(*colour)
        label = describe_value(value, rules, dutch)
        entries.append(f'        <paletteEntry value="{value}" color="{hex_colour}" alpha="{alpha}" '
                       f'label={quoteattr(label)}/>')
    template = _read_style("exclusion.qml")
    return template.replace("<!--PALETTE-->", "\n".join(entries).lstrip())


def _read_style(name: str) -> str:
    folder = _style_dir()
    if folder is None or not (folder / name).exists():
        raise OutputError(_("the style {name} is missing from this installation").format(name=name),
                          _("Reinstall smr-siting"))
    return (folder / name).read_text(encoding="utf-8")


def write_style(path: Path, name: str) -> None:
    _write_text(path, _read_style(name))


# ------------------------------------------------------------------------- vectors and tables


def write_gpkg(path: Path, gdf: gpd.GeoDataFrame, layer: str, geometry_type: str = "MultiPolygon") -> None:
    """Write one layer; an empty frame still gets its fields and geometry type."""
    from .vectorio import _pyogrio

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
                       region_km2_cells: float) -> gpd.GeoDataFrame:
    """One dissolved (multi)polygon per rule: the land it excludes inside the region."""
    from rasterio import features
    from shapely.geometry import shape
    from shapely.ops import unary_union

    rows = []
    for rule in rules:
        mask = ((bits & np.array(rule.value, dtype=bits.dtype)) != 0) & region
        if not mask.any():
            continue
        parts = [shape(g) for g, v in features.shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform,
                                                      connectivity=4) if v == 1]
        geometry = unary_union(parts)
        rows.append({"bit": rule.bit, "rule_id": rule.id, "title": rule.title, "title_nl": rule.title_nl,
                     "group": rule.group, "area_km2": round(mask.sum() * region_km2_cells, 4), "geometry": geometry})
    if not rows:
        return empty_frame({"bit": "int64", "rule_id": "object", "title": "object", "title_nl": "object",
                            "group": "object", "area_km2": "float64"}, grid.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=grid.crs)


def empty_frame(columns: Mapping[str, str], crs: str) -> gpd.GeoDataFrame:
    """An empty layer with typed columns (so that its file still has the right fields)."""
    import pandas as pd

    data = {name: pd.Series([], dtype=dtype) for name, dtype in columns.items()}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


SUMMARY_COLUMNS = ["order", "bit", "id", "title", "group", "km2_alone", "km2_only", "km2_cumulative",
                   "share_alone", "share_cumulative"]


def summary_csv_text(table: Sequence[RuleStats]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: v for k, v in row.as_dict().items() if k in SUMMARY_COLUMNS})
    return buffer.getvalue()


def write_summary_csv(path: Path, table: Sequence[RuleStats]) -> None:
    _write_text(path, summary_csv_text(table))
