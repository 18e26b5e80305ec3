"""The report's maps and charts, drawn with matplotlib (Agg; no pyplot, so it also runs inside QGIS).

Every function returns PNG bytes.  Labels come in through the caller (already translated) or through
``_()`` / ``localised()`` in the current language; numbers through :mod:`.fmt`."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..model.i18n import _, localised
from ..outputs import COVERAGE_COLOUR, NOT_EXCLUDED_COLOUR, RULE_COLOURS
from . import fmt

#: pixels across a full-width map
MAP_PIXELS = 1400
DPI = 160
WATER = "#5b9bd5"


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.05, facecolor="white")
    try:  # no alpha channel: smaller files, and the PDF holds one image per figure (no soft mask)
        from PIL import Image
    except ImportError:
        return buffer.getvalue()
    buffer.seek(0)
    rgb = io.BytesIO()
    Image.open(buffer).convert("RGB").save(rgb, format="PNG", optimize=False)
    return rgb.getvalue()


def rule_rgb(rule: dict) -> tuple[float, float, float]:
    colour = COVERAGE_COLOUR if rule.get("group") == "coverage" else RULE_COLOURS[int(rule["bit"]) % len(RULE_COLOURS)]
    return tuple(c / 255.0 for c in colour)  # type: ignore[return-value]


def rule_title(rule: dict) -> str:
    return localised(str(rule.get("title", rule.get("id", "?"))), str(rule.get("title_nl") or ""))


# ------------------------------------------------------------------------- reading rasters


@dataclass
class RasterView:
    """A raster read at a reduced size: values, extent (minx, maxx, miny, maxy), cell size in metres."""

    values: np.ndarray
    extent: tuple[float, float, float, float]
    nodata: Any


def read_raster(path: Path, window_bounds: tuple[float, float, float, float] | None = None,
                pixels: int = MAP_PIXELS) -> RasterView:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window, from_bounds
    from rasterio.windows import bounds as window_bounds_of

    with rasterio.open(path) as src:
        if window_bounds is None:
            window = None
            left, bottom, right, top = src.bounds
            width, height = src.width, src.height
        else:
            raw = from_bounds(*window_bounds, transform=src.transform)
            window = Window(int(round(raw.col_off)), int(round(raw.row_off)), max(1, int(round(raw.width))),
                            max(1, int(round(raw.height))))
            left, bottom, right, top = window_bounds_of(window, src.transform)
            width, height = int(window.width), int(window.height)
        scale = max(1.0, max(width, height) / pixels)
        shape = (max(1, int(height / scale)), max(1, int(width / scale)))
        values = src.read(1, window=window, out_shape=shape, resampling=Resampling.nearest, boundless=window is not None,
                          fill_value=src.nodata if src.nodata is not None else 0)
        return RasterView(values, (left, right, bottom, top), src.nodata)


def first_reason_rgba(view: RasterView, rules: Sequence[dict]) -> np.ndarray:
    """Each cell coloured by the first rule (profile order) that excludes it; green where none does;
    transparent outside the region."""
    values = view.values.astype(np.int64)
    rgba = np.zeros(values.shape + (4,), dtype=np.float32)
    inside = values != (int(view.nodata) if view.nodata is not None else -1)
    free = inside & (values == 0)
    rgba[free] = (*[c / 255.0 for c in NOT_EXCLUDED_COLOUR], 1.0)
    todo = inside & (values != 0)
    for rule in rules:  # profile order: the first rule that excludes a cell colours it
        bit = np.int64(1) << np.int64(int(rule["bit"]))
        hit = todo & ((values & bit) != 0)
        rgba[hit] = (*rule_rgb(rule), 1.0)
        todo &= ~hit
    return rgba


# ------------------------------------------------------------------------- map furniture


def _nice_length(width_m: float) -> float:
    target = width_m / 5.0
    for step in (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000):
        if step >= target * 0.6:
            return float(step)
    return 100_000.0


def scale_bar(ax: Any, extent: tuple[float, float, float, float], lang: str) -> None:
    left, right, bottom, top = extent
    length = _nice_length(right - left)
    x0 = left + 0.04 * (right - left)
    y0 = bottom + 0.04 * (top - bottom)
    height = 0.012 * (top - bottom)
    half = length / 2.0
    ax.add_patch(_rect((x0, y0), half, height, "black"))
    ax.add_patch(_rect((x0 + half, y0), half, height, "white"))
    label = (f"{fmt.number(length / 1000, 0 if length >= 1000 else 1, lang)} km")
    halo = {"boxstyle": "round,pad=0.12", "facecolor": "white", "alpha": 0.8, "linewidth": 0}
    ax.text(x0, y0 + 2.2 * height, "0", fontsize=6, ha="center", va="bottom", zorder=22, bbox=halo)
    ax.text(x0 + length, y0 + 2.2 * height, label, fontsize=6, ha="center", va="bottom", zorder=22, bbox=halo)


def _rect(xy: tuple[float, float], width: float, height: float, face: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, width, height, facecolor=face, edgecolor="black", linewidth=0.6, zorder=20)


def north_arrow(ax: Any) -> None:
    ax.annotate("N", xy=(0.955, 0.96), xytext=(0.955, 0.86), xycoords="axes fraction", ha="center", va="center",
                fontsize=9, fontweight="bold", zorder=21,
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2})


def _aspect(view: RasterView) -> float:
    left, right, bottom, top = view.extent
    return max(0.3, min(1.4, (top - bottom) / max(right - left, 1.0)))


def _frame(ax: Any, extent: tuple[float, float, float, float]) -> None:
    left, right, bottom, top = extent
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.5)


def region_outline(ax: Any, view: RasterView, colour: str = "black", width: float = 1.0) -> None:
    """The region's outline, traced from the raster's nodata boundary."""
    if view.nodata is None:
        return
    inside = (view.values != view.nodata).astype(np.float32)
    if inside.all() or not inside.any():
        return
    left, right, bottom, top = view.extent
    ny, nx = inside.shape
    xs = np.linspace(left, right, nx)
    ys = np.linspace(top, bottom, ny)
    ax.contour(xs, ys, inside, levels=[0.5], colors=colour, linewidths=width, zorder=12)


@dataclass
class Basemap:
    """Context layers drawn over the maps (each may be missing)."""

    municipalities: Any = None
    provinces: Any = None
    water_polygons: Any = None
    water_lines: Any = None
    places: list[tuple[float, float, str]] | None = None

    def draw(self, ax: Any, names: bool = True, municipality_lines: bool = True) -> None:
        if self.water_polygons is not None and len(self.water_polygons):
            self.water_polygons.plot(ax=ax, facecolor=WATER, edgecolor="none", alpha=0.55, zorder=8)
        if self.water_lines is not None and len(self.water_lines):
            self.water_lines.plot(ax=ax, color=WATER, linewidth=0.9, zorder=9)
        if municipality_lines and self.municipalities is not None and len(self.municipalities):
            self.municipalities.boundary.plot(ax=ax, color="#555555", linewidth=0.25, zorder=10)
        if self.provinces is not None and len(self.provinces):
            self.provinces.boundary.plot(ax=ax, color="#222222", linewidth=0.8, zorder=11)
        if names:
            for x, y, name in self.places or []:
                ax.plot([x], [y], marker="o", markersize=2.2, color="black", zorder=14)
                ax.text(x, y, f" {name}", fontsize=5.5, zorder=15, va="center",
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.6, "linewidth": 0})


# ------------------------------------------------------------------------- maps


def exclusion_map(view: RasterView, rules: Sequence[dict], basemap: Basemap, lang: str,
                  legend_counts: dict[str, str] | None = None) -> bytes:
    from matplotlib.patches import Patch

    figure = _figure(6.9, 6.9 * _aspect(view))
    ax = figure.add_axes([0.0, 0.0, 1.0, 1.0])
    ax.imshow(first_reason_rgba(view, rules), extent=view.extent, interpolation="nearest", zorder=1)
    basemap.draw(ax)
    region_outline(ax, view)
    _frame(ax, view.extent)
    scale_bar(ax, view.extent, lang)
    north_arrow(ax)
    handles = [Patch(facecolor=[c / 255 for c in NOT_EXCLUDED_COLOUR], edgecolor="none", label=_("not excluded"))]
    for rule in rules:
        label = rule_title(rule)
        if legend_counts and rule["id"] in legend_counts:
            label = f"{label} ({legend_counts[rule['id']]})"
        handles.append(Patch(facecolor=rule_rgb(rule), edgecolor="none", label=label))
    handles.append(Patch(facecolor=WATER, alpha=0.55, edgecolor="none", label=_("large water (context layer)")))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.01), ncol=2, fontsize=6.5, frameon=False,
              title=_("First rule (profile order) that excludes the land"), title_fontsize=7)
    return _png(figure)


def candidates_map(view: RasterView, areas: Any, sites: Any, basemap: Basemap, lang: str) -> bytes:
    from matplotlib.patches import Patch

    figure = _figure(6.9, 6.9 * _aspect(view))
    ax = figure.add_axes([0.0, 0.0, 1.0, 1.0])
    inside = view.values != view.nodata if view.nodata is not None else np.ones(view.values.shape, bool)
    grey = np.zeros(view.values.shape + (4,), dtype=np.float32)
    grey[inside] = (0.93, 0.93, 0.93, 1.0)
    ax.imshow(grey, extent=view.extent, interpolation="nearest", zorder=1)
    basemap.draw(ax, names=True)
    region_outline(ax, view)
    handles = []
    if areas is not None and len(areas):
        areas.plot(ax=ax, facecolor="#1a9850", edgecolor="#0b4d26", linewidth=0.5, zorder=13)
        handles.append(Patch(facecolor="#1a9850", edgecolor="#0b4d26", label=_("candidate area")))
        if sites is None or not len(sites):
            for _index, row in areas.iterrows():
                point = row.geometry.representative_point()
                ax.text(point.x, point.y, str(row["area_id"]), fontsize=6, zorder=16, ha="center")
    if sites is not None and len(sites):
        ax.scatter(sites.geometry.x, sites.geometry.y, s=14, color="#d7301f", edgecolor="black", linewidth=0.4,
                   zorder=17)
        for _index, row in sites.iterrows():
            ax.annotate(str(int(row["rank"])), (row.geometry.x, row.geometry.y), xytext=(3, 3),
                        textcoords="offset points", fontsize=7, fontweight="bold", zorder=18,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "linewidth": 0})
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="#d7301f", markeredgecolor="black",
                              label=_("ranked site (number = rank)")))
    _frame(ax, view.extent)
    scale_bar(ax, view.extent, lang)
    north_arrow(ax)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.01), ncol=2, fontsize=7, frameon=False)
    return _png(figure)


def suitability_map(view: RasterView, outline: RasterView, basemap: Basemap, lang: str) -> bytes:
    figure = _figure(6.9, 6.2 * _aspect(outline))
    ax = figure.add_axes([0.0, 0.0, 0.9, 1.0])
    values = view.values.astype(np.float64)
    masked = np.ma.masked_where((values < 0) | ~np.isfinite(values), values)
    inside = outline.values != outline.nodata if outline.nodata is not None else np.ones(outline.values.shape, bool)
    grey = np.zeros(outline.values.shape + (4,), dtype=np.float32)
    grey[inside] = (0.9, 0.9, 0.9, 1.0)
    ax.imshow(grey, extent=outline.extent, interpolation="nearest", zorder=1)
    image = ax.imshow(masked, extent=view.extent, interpolation="nearest", cmap="viridis", vmin=0.0, vmax=1.0, zorder=2)
    basemap.draw(ax, names=True, municipality_lines=False)
    region_outline(ax, outline)
    _frame(ax, outline.extent)
    scale_bar(ax, outline.extent, lang)
    north_arrow(ax)
    bar_axes = figure.add_axes([0.92, 0.25, 0.025, 0.5])
    bar = figure.colorbar(image, cax=bar_axes)
    bar.set_label(_("suitability (0 = worst, 1 = best)"), fontsize=7)
    bar.ax.tick_params(labelsize=6)
    bar.ax.yaxis.set_major_formatter(_formatter(lang, 1))
    return _png(figure)


def site_map(view: RasterView, rules: Sequence[dict], areas: Any, x: float, y: float, lang: str) -> bytes:
    figure = _figure(2.9, 2.9)
    ax = figure.add_axes([0.0, 0.0, 1.0, 1.0])
    ax.imshow(first_reason_rgba(view, rules), extent=view.extent, interpolation="nearest", zorder=1)
    if areas is not None and len(areas):
        areas.boundary.plot(ax=ax, color="black", linewidth=0.7, zorder=5)
    ax.scatter([x], [y], s=40, marker="*", color="#d7301f", edgecolor="black", linewidth=0.5, zorder=6)
    _frame(ax, view.extent)
    scale_bar(ax, view.extent, lang)
    north_arrow(ax)
    return _png(figure)


# ------------------------------------------------------------------------- charts


def _formatter(lang: str, digits: int) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: fmt.number(value, digits, lang))


def rule_bar_chart(titles: Sequence[str], alone: Sequence[float], only: Sequence[float], lang: str) -> bytes:
    figure = _figure(6.9, 0.45 * len(titles) + 1.2)
    ax = figure.add_subplot(1, 1, 1)
    positions = np.arange(len(titles))
    ax.barh(positions - 0.2, alone, height=0.4, color="#4575b4", label=_("km² by rule"))
    ax.barh(positions + 0.2, only, height=0.4, color="#d73027", label=_("km² only by this rule"))
    ax.set_yticks(positions)
    ax.set_yticklabels(titles, fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_formatter(lang, 0))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("km²", fontsize=7)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return _png(figure)


def rank_stability_chart(labels: Sequence[str], rank1: Sequence[float], top3: Sequence[float], lang: str) -> bytes:
    figure = _figure(6.9, 0.32 * len(labels) + 1.2)
    ax = figure.add_subplot(1, 1, 1)
    positions = np.arange(len(labels))
    ax.barh(positions - 0.2, [100 * v for v in rank1], height=0.4, color="#1a9850", label=_("share of runs at rank 1"))
    ax.barh(positions + 0.2, [100 * v for v in top3], height=0.4, color="#91bfdb", label=_("share of runs in the top 3"))
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(_formatter_percent(lang))
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return _png(figure)


def _formatter_percent(lang: str) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: f"{fmt.number(value, 0, lang)} %")


def sweep_chart(title: str, xs: Sequence[float], unit: str, km2: Sequence[float], areas: Sequence[float],
                lang: str, x_format: Callable[[float], str] | None = None) -> bytes:
    figure = _figure(6.4, 2.6)
    ax = figure.add_subplot(1, 1, 1)
    ax.plot(xs, km2, marker="o", color="#1a9850", label=_("km² left"))
    ax.set_ylabel(_("km² left"), fontsize=7, color="#1a9850")
    ax.yaxis.set_major_formatter(_formatter(lang, 0))
    other = ax.twinx()
    other.plot(xs, areas, marker="s", linestyle="--", color="#4575b4", label=_("candidate areas"))
    other.set_ylabel(_("candidate areas"), fontsize=7, color="#4575b4")
    other.yaxis.set_major_formatter(_formatter(lang, 0))
    ax.set_xticks(list(xs))
    ax.set_xticklabels([x_format(v) if x_format else fmt.number(v, 0, lang) for v in xs])
    ax.set_xlabel(f"{title} ({unit})" if unit else title, fontsize=7)
    for axis in (ax, other):
        axis.tick_params(labelsize=7)
    ax.set_ylim(bottom=0)
    other.set_ylim(bottom=0)
    return _png(figure)
