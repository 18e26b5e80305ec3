"""The plugin inside real QGIS (pytest-qgis, offscreen): loading, each algorithm through
``processing.run``, styled outputs, QGIS layers as inputs, and bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

qgis_core = pytest.importorskip("qgis.core")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsRasterLayer,
    QgsVectorLayer,
)

pytestmark = pytest.mark.qgis
ALGORITHMS = ("smr_siting:exclusionmap", "smr_siting:candidateareas", "smr_siting:screenregion",
              "smr_siting:suitability", "smr_siting:ranksites", "smr_siting:sensitivity", "smr_siting:fetchlayers",
              "smr_siting:report", "smr_siting:batch")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(algorithm: str, params: dict, feedback: QgsProcessingFeedback | None = None) -> dict:
    import processing

    return processing.run(algorithm, params, feedback=feedback or QgsProcessingFeedback())


def test_metadata_declares_processing_provider(plugin_metadata) -> None:
    general = plugin_metadata["general"]
    for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "repository"):
        assert general.get(key), key
    assert general["hasProcessingProvider"] == "yes"
    from smr_siting.core import __version__

    assert general["version"] == __version__


def test_plugin_registers_provider_and_algorithms(loaded_plugin) -> None:
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("smr_siting")
    assert provider is not None
    ids = sorted(a.id() for a in provider.algorithms())
    assert ids == sorted(ALGORITHMS)
    for algorithm in provider.algorithms():
        assert algorithm.shortHelpString()
        for parameter in algorithm.parameterDefinitions():
            assert parameter.description(), parameter.name()


def test_plugin_unload_removes_provider(plugin_dir, qgis_app, qgis_processing, loaded_plugin) -> None:
    # a second instance (as after a plugin reload) registers and unregisters cleanly
    import smr_siting

    registry = QgsApplication.processingRegistry()
    registry.removeProvider(loaded_plugin.provider)
    loaded_plugin.provider = None
    other = smr_siting.classFactory(None)
    other.initProcessing()
    assert registry.providerById("smr_siting") is not None
    other.unload()
    assert registry.providerById("smr_siting") is None
    loaded_plugin.initProcessing()
    assert registry.providerById("smr_siting") is not None


def test_screenregion_writes_styled_outputs(loaded_plugin, shared_data, tmp_path) -> None:
    out = tmp_path / "run"
    result = _run("smr_siting:screenregion", {
        "REGION": "Gelderland", "DATA": str(shared_data), "RESOLUTION": 100,
        "EXCLUSION": str(out / "exclusion.tif"), "CANDIDATES": str(out / "candidate_areas.gpkg"),
        "SUMMARY": str(out / "summary.csv"), "SUMMARY_JSON": str(out / "summary.json"),
        "MANIFEST": str(out / "manifest.json"), "EXCLUSION_VECTOR": str(out / "exclusion_reasons.gpkg"),
    })
    for name in ("exclusion.tif", "candidate_areas.gpkg", "summary.csv", "summary.json", "manifest.json",
                 "exclusion_reasons.gpkg", "exclusion.qml", "exclusion.rules.json", "candidate_areas.qml"):
        assert (out / name).exists(), name
    assert not [p for p in out.iterdir() if ".partial-" in p.name]
    raster = QgsRasterLayer(str(out / "exclusion.tif"), "exclusion")
    assert raster.isValid() and raster.crs().authid() == "EPSG:28992"
    message, ok = raster.loadNamedStyle(str(out / "exclusion.qml"))
    assert ok, message
    assert raster.renderer().type() == "paletted"
    labels = [c.label for c in raster.renderer().classes()]
    assert "Natura 2000 site" in " ".join(labels)
    candidates = QgsVectorLayer(str(out / "candidate_areas.gpkg"), "candidates", "ogr")
    assert candidates.isValid() and candidates.featureCount() == result["CANDIDATE_COUNT"] > 0
    assert {"area_ha", "municipality", "province", "centroid_x"} <= set(candidates.fields().names())
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["excluded_km2"] == pytest.approx(result["EXCLUDED_KM2"])
    assert result["REGION_KM2"] == pytest.approx(summary["totals"]["region_km2_cells"])


def test_exclusionmap_and_candidateareas_agree_with_screenregion(loaded_plugin, shared_data, tmp_path) -> None:
    common = {"REGION": "Gelderland", "DATA": str(shared_data), "RESOLUTION": 100}
    both = _run("smr_siting:screenregion", {**common, "EXCLUSION": str(tmp_path / "a.tif"),
                                            "CANDIDATES": str(tmp_path / "a.gpkg"), "SUMMARY": None})
    excl = _run("smr_siting:exclusionmap", {**common, "EXCLUSION": str(tmp_path / "b.tif"), "SUMMARY": None})
    cand = _run("smr_siting:candidateareas", {**common, "CANDIDATES": str(tmp_path / "c.gpkg")})
    assert _sha(Path(both["EXCLUSION"])) == _sha(Path(excl["EXCLUSION"]))
    assert _sha(Path(both["CANDIDATES"])) == _sha(Path(cand["CANDIDATES"]))
    assert "CANDIDATE_COUNT" not in excl and cand["CANDIDATE_COUNT"] == both["CANDIDATE_COUNT"]


def test_qgis_layer_replaces_a_catalogue_slot_and_is_not_edited(loaded_plugin, shared_data, tmp_path) -> None:
    source = QgsVectorLayer(f"{shared_data / 'nl_natura2000.gpkg'}|layername=natura2000", "n2k", "ogr")
    assert source.isValid()
    veluwe = QgsVectorLayer("MultiPolygon?crs=EPSG:28992", "Veluwe only", "memory")
    veluwe.dataProvider().addAttributes(source.fields())
    veluwe.updateFields()
    feats = [f for f in source.getFeatures() if f["naam"] == "Veluwe"]
    assert len(feats) == 1
    veluwe.dataProvider().addFeatures(feats)
    before = [f.geometry().asWkb() for f in veluwe.getFeatures()]
    common = {"REGION": "Gelderland", "DATA": str(shared_data), "RESOLUTION": 100, "SUMMARY": None}
    full = _run("smr_siting:exclusionmap", {**common, "EXCLUSION": str(tmp_path / "full.tif"),
                                            "SUMMARY_JSON": str(tmp_path / "full.json")})
    only = _run("smr_siting:exclusionmap", {**common, "LAYER_NATURA2000": veluwe,
                                            "EXCLUSION": str(tmp_path / "veluwe.tif"),
                                            "SUMMARY_JSON": str(tmp_path / "veluwe.json")})
    assert full and only
    rows = {p: {r["id"]: r for r in json.loads((tmp_path / p).read_text())["rules"]} for p in ("full.json",
                                                                                               "veluwe.json")}
    veluwe_km2 = rows["veluwe.json"]["natura2000"]["km2_alone"]
    assert 800 < veluwe_km2 < rows["full.json"]["natura2000"]["km2_alone"]
    assert [f.geometry().asWkb() for f in veluwe.getFeatures()] == before
    assert not veluwe.isModified()
    manifest_inputs = json.loads((tmp_path / "veluwe.json").read_text())["caveats"]
    assert not any(c.startswith("natura2000:") for c in manifest_inputs)  # a user's layer has no catalogue caveat


def test_region_from_a_polygon_layer(loaded_plugin, shared_data, tmp_path) -> None:
    gemeenten = QgsVectorLayer(f"{shared_data / 'nl_gemeenten_2022_cbs_generalised.gpkg'}|layername=gemeenten_2022",
                               "gemeenten", "ogr")
    gemeenten.selectByExpression("\"statnaam\" = 'Ede'")
    from qgis.core import QgsProcessingFeatureSourceDefinition

    result = _run("smr_siting:exclusionmap", {
        "REGION_LAYER": QgsProcessingFeatureSourceDefinition(gemeenten.source(), selectedFeaturesOnly=False,
                                                             featureLimit=-1),
        "DATA": str(shared_data), "RESOLUTION": 250, "EXCLUSION": str(tmp_path / "nl.tif"), "SUMMARY": None})
    assert result["REGION_KM2"] > 30_000  # the whole country


@pytest.mark.parametrize("params, message", [
    ({"REGION": ""}, "No region given"),
    ({"REGION": "Gelderlnd"}, "did you mean 'Gelderland'"),
    ({"REGION": "Gelderland", "PROFILE_FILE": "MISSING"}, "does not exist"),
])
def test_bad_input_raises_clear_processing_exception(loaded_plugin, shared_data, tmp_path, params, message) -> None:
    if params.get("PROFILE_FILE") == "MISSING":
        params = {**params, "PROFILE_FILE": str(tmp_path / "missing.yaml")}
    with pytest.raises(QgsProcessingException, match=r"(?i)" + message.replace("(", r"\(")):
        _run("smr_siting:exclusionmap", {**params, "DATA": str(shared_data), "RESOLUTION": 250,
                                         "EXCLUSION": str(tmp_path / "x.tif"), "SUMMARY": None})
    assert not list(tmp_path.glob("x.*"))


def test_layer_without_crs_is_refused(loaded_plugin, shared_data, tmp_path) -> None:
    layer = QgsVectorLayer("Polygon", "no crs", "memory")
    from qgis.core import QgsFeature, QgsGeometry

    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt("POLYGON((190000 450000, 195000 450000, 195000 455000, 190000 450000))"))
    layer.dataProvider().addFeatures([feature])
    from qgis.core import QgsCoordinateReferenceSystem

    layer.setCrs(QgsCoordinateReferenceSystem())  # QGIS gives new memory layers EPSG:4326 by default
    assert not layer.crs().isValid()
    with pytest.raises(QgsProcessingException, match="'no crs' has no coordinate reference system"):
        _run("smr_siting:exclusionmap", {"REGION": "Gelderland", "DATA": str(shared_data), "RESOLUTION": 250,
                                         "LAYER_NATURA2000": layer, "EXCLUSION": str(tmp_path / "x.tif"),
                                         "SUMMARY": None})
    assert not list(tmp_path.iterdir())


def test_existing_output_is_refused_unless_overwrite(loaded_plugin, shared_data, tmp_path) -> None:
    target = tmp_path / "exclusion.tif"
    target.write_bytes(b"the user's own file")
    params = {"REGION": "Ede", "DATA": str(shared_data), "RESOLUTION": 250, "EXCLUSION": str(target),
              "SUMMARY": None}
    with pytest.raises(QgsProcessingException, match="already exists.*tick 'Replace output files") as refused:
        _run("smr_siting:exclusionmap", params)
    assert "--" not in str(refused.value)  # the dialog's words, not the command line's (failed on 96ade62)
    assert target.read_bytes() == b"the user's own file"
    _run("smr_siting:exclusionmap", {**params, "OVERWRITE": True})
    assert QgsRasterLayer(str(target), "x").isValid()


def test_cancel_mid_run_leaves_no_output(loaded_plugin, shared_data, tmp_path) -> None:
    class CancelAfter(QgsProcessingFeedback):
        def __init__(self, steps: int) -> None:
            super().__init__()
            self.steps = steps

        def setProgressText(self, text: str) -> None:  # noqa: N802 - Qt name
            super().setProgressText(text)
            self.steps -= 1
            if self.steps == 0:
                self.cancel()

    for steps in (3, 8, 14):
        out = tmp_path / f"cancel{steps}"
        out.mkdir()
        with pytest.raises(QgsProcessingException, match="Cancelled"):
            _run("smr_siting:screenregion", {
                "REGION": "Gelderland", "DATA": str(shared_data), "RESOLUTION": 100,
                "EXCLUSION": str(out / "exclusion.tif"), "CANDIDATES": str(out / "candidate_areas.gpkg"),
                "SUMMARY": str(out / "summary.csv")}, CancelAfter(steps))
        assert list(out.iterdir()) == [], steps


#: (progress text that arms the cancel, seconds after it): every heavy step of a 25 m Gelderland screening
CANCEL_MOMENTS = (("reading the profile", 0.2), ("rule 2/7", 0.1), ("cooling_water: water_krw", 0.05),
                  ("footprint fit", 0.2), ("footprint fit", 0.7), ("contiguous areas", 0.1),
                  ("writing exclusion.tif", 0.02), ("exclusion polygons", 0.3), ("exclusion polygons", 1.0))
#: … and of the ranking at 25 m: the footprint fit again, each criterion measured and standardised, the sites
RANK_CANCEL_MOMENTS = (("scoring: Distance to a high-voltage substation", 0.3),
                       ("scoring: Distance to large surface water", 0.6), ("combining the scores", 0.1))


def test_cancel_takes_effect_within_a_second_anywhere(loaded_plugin, shared_data, tmp_path) -> None:
    """Cancel (from another thread, as the dialog's button) at several moments of a full 25 m screening and
    ranking, each phase's heavy calls included (the footprint fit, the dissolving of the polygons per rule, the
    writing, measuring and standardising the scoring criteria): the run stops within 1 s, as cancelled, and leaves
    no file."""
    import threading
    import time

    class CancelLater(QgsProcessingFeedback):
        def __init__(self, trigger: str, delay: float) -> None:
            super().__init__()
            self.trigger, self.delay = trigger, delay
            self.timer: threading.Timer | None = None
            self.cancelled_at: float | None = None

        def setProgressText(self, text: str) -> None:  # noqa: N802 - Qt name
            super().setProgressText(text)
            if self.timer is None and text.startswith(self.trigger):
                self.timer = threading.Timer(self.delay, self.cancel_now)
                self.timer.start()

        def cancel_now(self) -> None:
            self.cancelled_at = time.perf_counter()
            self.cancel()

    figures = []
    moments = [("smr_siting:screenregion", t, d) for t, d in CANCEL_MOMENTS] + \
        [("smr_siting:ranksites", t, d) for t, d in RANK_CANCEL_MOMENTS]
    for number, (algorithm, trigger, delay) in enumerate(moments):
        out = tmp_path / f"cancel{number}"
        out.mkdir()
        feedback = CancelLater(trigger, delay)
        common = {"REGION": "Gelderland", "DATA": str(shared_data), "RESOLUTION": 25}
        outputs = {"EXCLUSION": str(out / "exclusion.tif"), "CANDIDATES": str(out / "candidate_areas.gpkg"),
                   "SUMMARY": str(out / "summary.csv"), "EXCLUSION_VECTOR": str(out / "exclusion_reasons.gpkg"),
                   "MANIFEST": str(out / "manifest.json")} if algorithm.endswith("screenregion") else {
            "RANKED_SITES": str(out / "ranked.gpkg"), "RANKED_CSV": str(out / "ranked.csv")}
        with pytest.raises(QgsProcessingException, match="Cancelled"):
            _run(algorithm, {**common, **outputs}, feedback)
        stopped = time.perf_counter()
        assert feedback.cancelled_at is not None, trigger
        figures.append((f"{algorithm.split(':')[1]} {trigger}", delay, stopped - feedback.cancelled_at))
        assert list(out.iterdir()) == [], trigger
    print("cancel → stopped [s]:", ", ".join(f"{t} +{d:g}: {s:.2f}" for t, d, s in figures))
    assert max(s for _t, _d, s in figures) < 1.0, figures


def test_dutch_translation_is_complete_and_loads(loaded_plugin, plugin_dir) -> None:
    import subprocess
    import sys

    root = plugin_dir.parents[2]
    check = subprocess.run([sys.executable, str(root / "scripts" / "update_translations.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    from smr_siting.qt_translation import install_translator, remove_translator, tr

    assert install_translator("nl")
    try:
        assert tr("Exclusion map with reasons") == "Uitsluitingskaart met redenen"
        provider = loaded_plugin.provider
        assert provider.name() == "SMR-locaties"
    finally:
        remove_translator()
    assert tr("Exclusion map with reasons") == "Exclusion map with reasons"


def test_a_qgis_layer_input_is_kept_beside_the_outputs_so_rank_finds_it(loaded_plugin, shared_data, tmp_path) -> None:
    """Failed on 96ade62 (issue 13, item 9): a QGIS layer given for a slot was exported into a temporary folder
    whose path went into the manifest, so 'rank' on the screening's folder could not find its input."""
    source = QgsVectorLayer(f"{shared_data / 'nl_natura2000.gpkg'}|layername=natura2000", "n2k", "ogr")
    veluwe = QgsVectorLayer("MultiPolygon?crs=EPSG:28992", "Veluwe only", "memory")
    veluwe.dataProvider().addAttributes(source.fields())
    veluwe.updateFields()
    veluwe.dataProvider().addFeatures([f for f in source.getFeatures() if f["naam"] == "Veluwe"])
    run = tmp_path / "run"
    run.mkdir()
    _run("smr_siting:screenregion", {
        "REGION": "Zutphen", "DATA": str(shared_data), "RESOLUTION": 100, "LAYER_NATURA2000": veluwe,
        "EXCLUSION": str(run / "exclusion.tif"), "CANDIDATES": str(run / "candidate_areas.gpkg"),
        "SUMMARY": str(run / "summary.csv"), "SUMMARY_JSON": str(run / "summary.json"),
        "MANIFEST": str(run / "manifest.json")})
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    (natura,) = [i for i in manifest["inputs"] if i["layer_id"] == "natura2000"]
    kept = Path(natura["path"])
    assert kept.parent == run / "inputs" and kept.is_file() and kept.name.startswith("natura2000-")
    assert _sha(kept) == natura["sha256"]
    from smr_siting.core.pipeline.rank import rank_run

    written = rank_run(run)
    assert written["ranked"].is_file()
