#!/usr/bin/env python3
"""Render a screening run (exclusion reasons + candidate areas) to a PNG map with a legend, in QGIS.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render_demo_map.py --run out/demo --out docs/img/demo.png
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsMapLayerLegendUtils,
    QgsPrintLayout,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor, QFont  # noqa: E402


def _first_reason_raster(run: Path, target: Path) -> Path:
    """0 = not excluded, k = rule with bit k-1 is the first (profile order) that excludes the cell."""
    import numpy as np
    import rasterio

    with rasterio.open(run / "exclusion.tif") as src:
        bits = src.read(1)
        profile = src.profile
        nodata = src.nodata
    out = np.zeros(bits.shape, dtype=np.uint8)
    inside = bits != nodata
    for bit in reversed(range(bits.dtype.itemsize * 8 - 1)):
        out[inside & ((bits >> bit) & 1 == 1)] = bit + 1
    out[~inside] = 255
    profile.update(dtype="uint8", nodata=255)
    with rasterio.open(target, "w", **profile) as dst:
        dst.write(out, 1)
    return target


def _first_reason_renderer(layer: QgsRasterLayer, run: Path):  # noqa: ANN202
    from qgis.core import QgsPalettedRasterRenderer

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from smr_siting.core.exclusion.mask import RuleInfo
    from smr_siting.core.outputs import NOT_EXCLUDED_COLOUR, rule_colour

    legend = json.loads((run / "exclusion.rules.json").read_text(encoding="utf-8"))
    classes = [QgsPalettedRasterRenderer.Class(0, QColor(*NOT_EXCLUDED_COLOUR), "Not excluded")]
    for rule in legend["rules"]:
        info = RuleInfo(rule["bit"], rule["id"], rule["title"], rule["title_nl"], rule["group"], rule["kind"],
                        tuple(rule["layers"]))
        classes.append(QgsPalettedRasterRenderer.Class(rule["bit"] + 1, QColor(*rule_colour(info)), rule["title"]))
    return QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a smr-siting screen output folder")
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args()
    app = QgsApplication([], False)
    app.initQgis()
    try:
        summary = json.loads((args.run / "summary.json").read_text(encoding="utf-8"))
        project = QgsProject.instance()
        first = _first_reason_raster(args.run, args.out.with_suffix(".first-reason.tif"))
        raster = QgsRasterLayer(str(first), "Exclusion")
        raster.setRenderer(_first_reason_renderer(raster, args.run))
        candidates = QgsVectorLayer(str(args.run / "candidate_areas.gpkg"), "Candidate areas", "ogr")
        candidates.loadNamedStyle(str(args.run / "candidate_areas.qml"))
        if not raster.isValid() or not candidates.isValid():
            print("error: cannot open the run's outputs", file=sys.stderr)
            return 2
        project.addMapLayers([raster, candidates])
        project.setCrs(QgsCoordinateReferenceSystem("EPSG:28992"))
        layout = QgsPrintLayout(project)
        layout.initializeDefaults()
        page = layout.pageCollection().page(0)
        page.setPageSize(QgsLayoutSize(325, 160, QgsUnitTypes.LayoutMillimeters))
        item_map = QgsLayoutItemMap(layout)
        item_map.attemptMove(QgsLayoutPoint(5, 14, QgsUnitTypes.LayoutMillimeters))
        extent = QgsRectangle(raster.extent())
        extent.scale(1.03)
        map_height = min(170.0, 180.0 * extent.height() / extent.width())
        item_map.attemptResize(QgsLayoutSize(180, map_height, QgsUnitTypes.LayoutMillimeters))
        item_map.setLayers([candidates, raster])
        item_map.setCrs(QgsCoordinateReferenceSystem("EPSG:28992"))
        item_map.setExtent(extent)
        item_map.setBackgroundColor(QColor(255, 255, 255))
        layout.addLayoutItem(item_map)
        title = QgsLayoutItemLabel(layout)
        region = summary["region"]["name"]
        totals = summary["totals"]
        count = summary.get("candidates", {}).get("count", 0)
        title.setText(f"SMR screening of {region} — profile {summary['profile']['name']}: "
                      f"{totals['share_excluded']:.1%} excluded, {count} candidate areas")
        title.setFont(QFont("Sans Serif", 13, QFont.Bold))
        title.attemptMove(QgsLayoutPoint(5, 3, QgsUnitTypes.LayoutMillimeters))
        title.attemptResize(QgsLayoutSize(290, 9, QgsUnitTypes.LayoutMillimeters))
        layout.addLayoutItem(title)
        legend = QgsLayoutItemLegend(layout)
        legend.setLinkedMap(item_map)
        legend.setTitle("First reason in profile order\n(exclusion.tif keeps every reason per cell)")
        legend.attemptMove(QgsLayoutPoint(188, 14, QgsUnitTypes.LayoutMillimeters))
        legend.setSymbolWidth(5)
        legend.setSymbolHeight(3.5)
        legend.setWrapString("|")
        legend.setAutoUpdateModel(False)
        node = legend.model().rootGroup().findLayer(raster)
        if node is not None:  # drop the "Band 1" line above the classes
            count = len(raster.renderer().classes())
            QgsMapLayerLegendUtils.setLegendNodeOrder(node, list(range(1, count + 1)))
            legend.model().refreshLayerLegend(node)
        legend.adjustBoxSize()
        layout.addLayoutItem(legend)
        scale = QgsLayoutItemScaleBar(layout)
        scale.setStyle("Single Box")
        scale.setLinkedMap(item_map)
        scale.setUnits(QgsUnitTypes.DistanceKilometers)
        scale.setUnitLabel("km")
        scale.setNumberOfSegmentsLeft(0)
        scale.setNumberOfSegments(2)
        scale.setUnitsPerSegment(10.0)
        scale.attemptMove(QgsLayoutPoint(8, 14 + map_height - 12, QgsUnitTypes.LayoutMillimeters))
        layout.addLayoutItem(scale)
        scale.resizeToMinimumWidth()
        scale.update()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = args.dpi
        if args.out.exists():
            args.out.unlink()
        result = QgsLayoutExporter(layout).exportToImage(str(args.out), settings)
        first.unlink()
        if result != QgsLayoutExporter.Success:
            print(f"error: export failed ({result})", file=sys.stderr)
            return 1
        print(f"wrote {args.out}")
        return 0
    finally:
        app.exitQgis()


if __name__ == "__main__":
    sys.exit(main())
