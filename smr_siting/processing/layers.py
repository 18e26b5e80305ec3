"""How a run's outputs arrive in the QGIS project: styled, named, grouped per run, with field aliases.

- Every output layer of one run goes into one group, "SMR — Gelderland — nl-default — 2026-12-02 14:05",
  in a fixed order (sites and areas on top, then the polygons per rule, the rasters, the tables).
- The **exclusion polygons per rule** are the companion that explains a cell on QGIS 3.22 (which has no
  raster attribute tables): one categorised class per rule, in profile order and in the raster's colours,
  drawn so that the *first* rule is on top — the map shows what the raster's first-reason colours show, with
  one legend class per rule — and *Identify* on a place lists every rule that excludes it, by name in the
  user's language (the layer's display expression).  The raster keeps every combination; its long legend
  is collapsed.
- Tables (the per-rule table, the sensitivity and sweep files) load as attribute-only layers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsEditorWidgetSetup,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsMapLayer,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsRendererCategory,
    QgsVectorLayer,
)

from ..qt_translation import tr

#: the order of a run's layers in its group (top first)
ORDER = ("ranked", "candidates", "exclusion_vector", "exclusion", "suitability", "summary_csv", "ranked_csv",
         "sensitivity", "sweeps")


def dutch() -> bool:
    """Whether the plugin speaks Dutch now (install_translator sets the engine's language with the Qt one)."""
    from ..core.model.i18n import language

    return language() == "nl"


def run_group_name(region: str, profile: str, when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now()
    return tr("SMR — {region} — {profile} — {when}").format(region=region, profile=profile,
                                                          when=when.strftime("%Y-%m-%d %H:%M"))


def field_aliases() -> dict[str, str]:
    return {
        "bit": tr("Bit"), "rule_id": tr("Rule id"), "title": tr("Rule"), "title_nl": tr("Rule (Dutch)"),
        "group": tr("Group"), "area_km2": tr("Area [km²]"), "area_ha": tr("Area in the region [ha]"),
        "area_ha_total": tr("Contiguous area, also across the border [ha]"), "usable_ha": tr("Usable area [ha]"),
        "municipality": tr("Municipality"), "province": tr("Province"), "site_id": tr("Site"),
        "area_id": tr("Candidate area"), "status": tr("Status"), "rank": tr("Rank"), "score": tr("Score (WLC, 0..1)"),
        "topsis": tr("TOPSIS closeness (0..1)"), "excluded_by": tr("Excluded by"), "name": tr("Name"),
        "origin": tr("Origin"), "x": tr("x [m, EPSG:28992]"), "y": tr("y [m, EPSG:28992]"),
    }


def status_values() -> dict[str, str]:
    """Stored status → its words in the user's language (a value map: the file keeps the stored values)."""
    return {"ranked": tr("ranked"), "excluded": tr("excluded"), "outside region": tr("outside region"),
            "not scored": tr("not scored"), "footprint does not fit": tr("footprint does not fit")}


def decorate_fields(layer: QgsVectorLayer) -> None:
    """Aliases with units, rounded display of decimals, translated status values."""
    aliases = field_aliases()
    for index, field in enumerate(layer.fields()):
        name = field.name()
        if name in aliases:
            layer.setFieldAlias(index, aliases[name])
        if field.type() in (6,):  # QVariant.Double: shown rounded, stored exact
            decimals = 3 if name.endswith(("_score", "_contribution")) or name in ("score", "topsis") else 1
            layer.setEditorWidgetSetup(index, QgsEditorWidgetSetup("Range", {
                "Precision": decimals, "Style": "SpinBox", "Min": -1e12, "Max": 1e12, "AllowNull": True}))
        if name == "status":
            mapping = [{label: value} for value, label in status_values().items()]
            layer.setEditorWidgetSetup(index, QgsEditorWidgetSetup("ValueMap", {"map": mapping}))


def style_rule_polygons(layer: QgsVectorLayer) -> None:
    """One class per rule (profile order, the raster's colours), the first rule drawn on top; Identify names
    the rule in the user's language."""
    from ..core.outputs import COVERAGE_COLOUR, RULE_COLOURS

    title = "title_nl" if dutch() and layer.fields().indexOf("title_nl") >= 0 else "title"
    rows = sorted({(int(f["bit"]), str(f["rule_id"]), str(f[title] or f["title"]), str(f["group"]))
                   for f in layer.getFeatures()})
    categories = []
    for bit, rule_id, label, group in rows:
        colour = COVERAGE_COLOUR if group == "coverage" else RULE_COLOURS[bit % len(RULE_COLOURS)]
        symbol = QgsFillSymbol.createSimple({"color": "{},{},{},255".format(*colour), "outline_style": "no"})
        categories.append(QgsRendererCategory(rule_id, symbol, label))
    renderer = QgsCategorizedSymbolRenderer("rule_id", categories)
    renderer.setOrderBy(QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause("bit", False)]))
    renderer.setOrderByEnabled(True)  # highest bit drawn first: the first rule ends on top
    layer.setRenderer(renderer)
    layer.setOpacity(0.85)
    layer.setDisplayExpression(f'"{title}"')
    layer.setMapTipTemplate(f"[% \"{title}\" %]")


#: post-processors must outlive the algorithm instance that made them (qgis/QGIS#47533): the last runs' are kept here
_KEPT: list[Any] = []


class RunLayer(QgsProcessingLayerPostProcessorInterface):
    """Styles an output once QGIS has loaded it and puts it into its run's group."""

    def __init__(self, key: str, qml: Path | None, group: str) -> None:
        super().__init__()
        self.key = key
        self.qml = qml
        self.group = group
        _KEPT.append(self)
        del _KEPT[:-64]

    def postProcessLayer(self, layer: QgsMapLayer, context: QgsProcessingContext, feedback: Any) -> None:  # noqa: N802
        if layer is None or not layer.isValid():
            return
        if self.qml is not None and self.qml.exists():
            layer.loadNamedStyle(str(self.qml))
        if isinstance(layer, QgsVectorLayer):
            if self.key == "exclusion_vector":
                style_rule_polygons(layer)
            decorate_fields(layer)
        layer.triggerRepaint()
        project = context.project()
        if project is not None and self.group:
            self._into_group(layer, project)

    def _into_group(self, layer: QgsMapLayer, project: Any) -> None:
        root = project.layerTreeRoot()
        node = root.findLayer(layer.id())
        if node is None:
            return
        group = root.findGroup(self.group)
        if group is None:
            group = root.insertGroup(0, self.group)
        rank = ORDER.index(self.key) if self.key in ORDER else len(ORDER)
        clone = node.clone()
        clone.setCustomProperty("smr_siting/order", rank)
        if self.key == "exclusion":
            clone.setExpanded(False)  # every combination is in the file; the polygons above show one class per rule
        # QGIS may have put the layer into this very group (its insertion point); the original node goes only after
        # the clone is in (a layer whose last node leaves the tree leaves the project)
        children = group.children()
        others = [c for c in children if c is not node]
        position = sum(1 for c in others if c.customProperty("smr_siting/order") is not None
                       and int(c.customProperty("smr_siting/order")) <= rank)
        target = len(children) if position >= len(others) else children.index(others[position])
        group.insertChildNode(target, clone)
        parent = node.parent()
        if parent is not None:
            parent.removeChildNode(node)


def load_table(path: Path, name: str, key: str, group: str, context: QgsProcessingContext,
               keep: list[Any]) -> None:
    """Have QGIS load a CSV output as an attribute table when the run finishes (grouped with the run)."""
    if context.project() is None or not path.exists() or context.willLoadLayerOnCompletion(str(path)):
        return
    details = QgsProcessingContext.LayerDetails(name, context.project(), name, vector_hint())
    processor = RunLayer(key, None, group)
    keep.append(processor)
    details.setPostProcessor(processor)
    context.addLayerToLoadOnCompletion(str(path), details)


def vector_hint() -> Any:
    """The 'vector layer' type hint (QgsProcessingUtils.LayerHint on QGIS 3.22; Qgis.ProcessingLayerHint later)."""
    from qgis.core import Qgis, QgsProcessingUtils

    for owner, enum in ((Qgis, "ProcessingLayerHint"), (QgsProcessingUtils, "LayerHint")):
        hint = getattr(getattr(owner, enum, None), "Vector", None)
        if hint is not None:
            return hint
    return 1  # QgsProcessingUtils.LayerHint.Vector
