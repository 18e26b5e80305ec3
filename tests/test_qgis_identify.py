"""Cells that explain themselves (issue 18) on QGIS 3.22, which has no raster attribute tables: the run's
exclusion polygons per rule load by default with the run, one legend class per rule, and QGIS's own Identify
tool (QgsMapToolIdentify on a map canvas) on a place lists every rule that excludes it — in the UI language —
the same rules the raster's cell value holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")
from qgis.core import (  # noqa: E402
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsGeometry,
    QgsLayerTreeGroup,
    QgsPointXY,
    QgsProject,
    QgsRaster,
    QgsRectangle,
)

pytestmark = pytest.mark.qgis


def _load_run(demo_data: Path, tmp_path: Path) -> tuple[dict, QgsLayerTreeGroup]:
    import processing

    QgsProject.instance().clear()
    out = tmp_path / "run"
    params = {"REGION": "Overbetuwe", "DATA": str(demo_data), "RESOLUTION": 100,
              "EXCLUSION": str(out / "exclusion.tif"), "CANDIDATES": str(out / "candidate_areas.gpkg"),
              "EXCLUSION_VECTOR": str(out / "exclusion_reasons.gpkg"), "SUMMARY": str(out / "summary.csv"),
              "MANIFEST": str(out / "manifest.json")}
    results = processing.runAndLoadResults("smr_siting:screenregion", params)  # the dialog's way: load + post-process
    groups = [g for g in QgsProject.instance().layerTreeRoot().children() if isinstance(g, QgsLayerTreeGroup)]
    assert len(groups) == 1 and groups[0].name().startswith("SMR — Overbetuwe — nl-default — ")
    return results, groups[0]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_identify_on_a_place_lists_its_rules_in_the_ui_language(loaded_plugin, qgis_canvas, demo_data, tmp_path,
                                                                 language) -> None:
    from qgis.gui import QgsMapToolIdentify

    from smr_siting.qt_translation import install_translator, remove_translator

    install_translator(language)
    try:
        results, group = _load_run(demo_data, tmp_path)
    finally:
        remove_translator()
    names = [node.name() for node in group.children()]
    polygons_name = "Uitsluitingsvlakken per regel" if language == "nl" else "Exclusion polygons per rule"
    raster_name = "Redenen van uitsluiting" if language == "nl" else "Exclusion reasons"
    assert names.index(polygons_name) < names.index(raster_name)  # drawn above the raster
    raster_node = next(n for n in group.children() if n.name() == raster_name)
    assert not raster_node.isExpanded()  # the 2^n combinations stay in the file, not in the legend
    polygons = next(n for n in group.children() if n.name() == polygons_name).layer()
    raster = raster_node.layer()
    legend = json.loads(Path(results["EXCLUSION"]).with_suffix(".rules.json").read_text(encoding="utf-8"))
    title = "title_nl" if language == "nl" else "title"
    categories = [c.label() for c in polygons.renderer().categories()]
    in_order = [r[title] for r in legend["rules"] if r[title] in categories]
    assert categories == in_order and len(categories) <= len(legend["rules"])  # one class per rule, profile order

    qgis_canvas.setDestinationCrs(polygons.crs())
    qgis_canvas.setLayers([polygons, raster])
    qgis_canvas.setExtent(polygons.extent())
    tool = QgsMapToolIdentify(qgis_canvas)
    extent = raster.extent()
    size_x, size_y = raster.rasterUnitsPerPixelX(), raster.rasterUnitsPerPixelY()
    checked = 0
    for i in range(20):
        for j in range(20):
            column, row = int(raster.width() * (i + 0.5) / 20), int(raster.height() * (j + 0.5) / 20)
            point = QgsPointXY(extent.xMinimum() + (column + 0.5) * size_x, extent.yMaximum() - (row + 0.5) * size_y)
            value = raster.dataProvider().identify(point, QgsRaster.IdentifyFormatValue).results().get(1)
            if value is None or int(value) in (0, legend["nodata"]):
                continue
            expected = sorted(r[title] for r in legend["rules"] if int(value) & r["value"])
            # zoomed in as far as one would to read a cell: the tool's search radius is far below a cell
            qgis_canvas.setExtent(QgsRectangle(point.x() - 5, point.y() - 5, point.x() + 5, point.y() + 5))
            hits = tool.identify(QgsGeometry.fromPointXY(point), QgsMapToolIdentify.TopDownAll, [polygons],
                                 QgsMapToolIdentify.VectorLayer)
            shown = []
            for hit in hits:  # what the Identify panel shows for a feature: the layer's display expression
                context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(polygons))
                context.setFeature(hit.mFeature)
                shown.append(QgsExpression(polygons.displayExpression()).evaluate(context))
            assert sorted(shown) == expected, (point.x(), point.y(), int(value))  # at a cell centre: exact
            checked += 1
    assert checked >= 20
    QgsProject.instance().clear()
