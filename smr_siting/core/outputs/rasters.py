"""The exclusion raster and its companions: the GeoTIFF (one bit per rule), its legend, the colours of
the rules and the QGIS styles written beside the layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from ..exclusion.mask import RuleInfo, describe_value
from ..model.errors import OutputError
from ..model.grid import Grid
from ..model.i18n import _
from .json_io import write_text

_HERE = Path(__file__).resolve()
#: where the .qml styles are: inside the package (plugin, wheel), or at the top of a source checkout
STYLE_DIRS = (_HERE.parents[2] / "resources" / "styles", _HERE.parents[3] / "resources" / "styles")


def _style_dir() -> Path | None:
    return next((d for d in STYLE_DIRS if d.is_dir()), None)


#: rows of a raster written between two cancel checks (a multiple of the 256-row tiles)
ROWS_PER_CHECK = 512


def write_exclusion_tif(path: Path, bits: np.ndarray, grid: Grid, rules: Sequence[RuleInfo], nodata: int,
                        caveats: Sequence[str] = (), check: Callable[[], None] | None = None) -> None:
    """The exclusion GeoTIFF, written in strips of tiles; ``check`` is called between strips (a cancel raises)."""
    import rasterio
    from rasterio.windows import Window

    profile = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": str(bits.dtype),
        "crs": grid.crs, "transform": grid.transform, "nodata": nodata, "compress": "deflate", "tiled": True,
        "blockxsize": 256, "blockysize": 256, "num_threads": "ALL_CPUS",  # tiles compressed side by side: same bytes
    }
    legend = [{"bit": r.bit, "value": r.value, "id": r.id, "title": r.title, "title_nl": r.title_nl,
               "group": r.group} for r in rules]
    with rasterio.open(path, "w", **profile) as dst:
        for top in range(0, grid.height, ROWS_PER_CHECK):
            if check is not None:
                check()
            height = min(ROWS_PER_CHECK, grid.height - top)
            dst.write(bits[top:top + height], 1, window=Window(0, top, grid.width, height))
        dst.set_band_description(1, "SMR exclusion reasons (bit mask: one bit per rule, 0 = not excluded)")
        tags = {f"RULE_BIT_{r.bit}": f"{r.id}: {r.title}" for r in rules}
        tags["SMR_SITING_RULES"] = json.dumps(legend, ensure_ascii=False)
        tags["SMR_SITING_NODATA"] = f"{nodata} = outside the region"
        if caveats:
            tags["SMR_SITING_CAVEATS"] = " | ".join(caveats)
        dst.update_tags(**tags)
        dst.update_tags(1, **{f"RULE_BIT_{r.bit}": r.id for r in rules})


def present_values(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (as ``np.unique``), by counting when the type is small: a fraction of the time."""
    if values.dtype.kind == "u" and values.dtype.itemsize <= 2:
        return np.flatnonzero(np.bincount(values.ravel(), minlength=1)).astype(values.dtype)
    return np.unique(values)


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
    write_text(path, _read_style(name))
