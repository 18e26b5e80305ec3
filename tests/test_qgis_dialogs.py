"""The dialog's smaller promises (issue 18): the region list, only the override slots the shipped profiles use,
toolbox search words in English and Dutch, provider settings, the AHP matrix labelled and pre-filled, problems
found before any work, and number formats."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("qgis.core")
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback  # noqa: E402

pytestmark = pytest.mark.qgis


def _alg(name: str):  # noqa: ANN202
    return QgsApplication.processingRegistry().createAlgorithmById(f"smr_siting:{name}")


def test_region_list_holds_the_provinces_and_municipalities_and_runs(loaded_plugin, demo_data, tmp_path) -> None:
    import processing

    algorithm = _alg("screenregion")
    options = algorithm.parameterDefinition("REGION_LIST").options()
    provinces = [o for o in options if "(" not in o]
    assert len(provinces) == 12 and "Gelderland" in provinces and "Zeeland" in provinces
    municipalities = [o for o in options if o.endswith(")")]
    assert len(municipalities) >= 342 and "Ede (GM0228)" in municipalities and "Utrecht (GM0344)" in municipalities
    result = processing.run("smr_siting:exclusionmap", {"REGION_LIST": "Ede (GM0228)", "DATA": str(demo_data),
                                                        "RESOLUTION": 250, "EXCLUSION": str(tmp_path / "e.tif")},
                            feedback=QgsProcessingFeedback())
    assert 300 < result["REGION_KM2"] < 340  # Ede, not a province


def test_only_the_slots_a_shipped_profile_uses_are_shown(loaded_plugin) -> None:
    from qgis.core import QgsProcessingParameterDefinition

    algorithm = _alg("screenregion")
    slots = [d for d in algorithm.parameterDefinitions() if d.name().startswith("LAYER_")]
    shown = {d.name()[6:].lower() for d in slots if not d.flags() & QgsProcessingParameterDefinition.FlagHidden}
    hidden = {d.name()[6:].lower() for d in slots if d.flags() & QgsProcessingParameterDefinition.FlagHidden}
    assert {"natura2000", "rivers_major", "sea", "power_plants", "municipalities"} <= shown
    assert "flood_risk_zones" in hidden and "seveso_installations" in hidden  # still accepted by scripts
    assert len(shown) < len(slots)


def test_toolbox_search_finds_the_algorithms_in_english_and_dutch(loaded_plugin) -> None:
    for algorithm in loaded_plugin.provider.algorithms():
        tags = algorithm.tags()
        assert {"reactor", "kerncentrale", "smr", "nuclear", "locatiekeuze"} <= set(tags), algorithm.id()


def test_provider_settings_hold_the_default_data_and_cache_folders(loaded_plugin, demo_data, tmp_path) -> None:
    from processing.core.ProcessingConfig import ProcessingConfig

    from smr_siting.processing.settings import CACHE_SETTING, DATA_SETTING, default_data, national_pack_dir

    settings = ProcessingConfig.settings
    assert DATA_SETTING in settings and CACHE_SETTING in settings
    assert settings[DATA_SETTING] in ProcessingConfig.getSettings()[loaded_plugin.provider.name()]
    assert settings[DATA_SETTING].group == loaded_plugin.provider.name()
    empty_cache = tmp_path / "cache"
    empty_cache.mkdir()
    ProcessingConfig.setSettingValue(CACHE_SETTING, str(empty_cache))
    try:
        assert default_data().data_dir is None and default_data().fallback_dir == national_pack_dir()
        (empty_cache / "cache_natura2000.gpkg").write_bytes(b"")  # a cache that holds layers
        assert default_data().data_dir == empty_cache
        ProcessingConfig.setSettingValue(DATA_SETTING, str(demo_data))
        assert default_data().data_dir == demo_data and default_data().fallback_dir == national_pack_dir()
    finally:
        ProcessingConfig.setSettingValue(DATA_SETTING, "")
        ProcessingConfig.setSettingValue(CACHE_SETTING, "")


def test_a_sweep_without_its_output_is_refused_before_any_work(loaded_plugin) -> None:
    algorithm = _alg("sensitivity")
    ok, message = algorithm.checkParameterValues({"REGION": "Ede", "SWEEP": "cooling_water=1km,2km",
                                                  "SENSITIVITY": "/tmp/x.csv"}, QgsProcessingContext())
    assert not ok and "Threshold sweeps (CSV)" in message and "--" not in message


def test_the_pack_is_in_the_built_plugin(plugin_dir: Path) -> None:
    assert (plugin_dir / "layers" / "national" / "NATIONAL_PACK.json").is_file()
    assert (plugin_dir / "layers" / "national" / "LICENCES.md").is_file()


def test_the_dutch_log_writes_dutch_numbers(loaded_plugin, demo_data, tmp_path) -> None:
    import re

    import processing

    from smr_siting.qt_translation import install_translator, remove_translator

    class Log(QgsProcessingFeedback):
        def __init__(self) -> None:
            super().__init__()
            self.lines: list[str] = []

        def pushInfo(self, info: str) -> None:  # noqa: N802
            self.lines.append(info)

    log = Log()
    install_translator("nl")
    try:
        processing.run("smr_siting:exclusionmap", {"REGION": "Gelderland", "DATA": str(demo_data), "RESOLUTION": 250,
                                                   "EXCLUSION": str(tmp_path / "e.tif")}, feedback=log)
    finally:
        remove_translator()
    text = "\n".join(log.lines)
    assert re.search(r"\b5\.1\d\d,\d km²", text), text  # Gelderland's 5,1xx.x km² the Dutch way
    assert not re.search(r"\d,\d{3}\.\d km²", text), text


def test_loaded_outputs_have_aliases_units_rounding_and_translated_status(loaded_plugin, demo_data, tmp_path) -> None:
    import processing
    from qgis.core import QgsLayerTreeGroup, QgsProject

    from smr_siting.qt_translation import install_translator, remove_translator

    QgsProject.instance().clear()
    install_translator("nl")
    try:
        processing.runAndLoadResults("smr_siting:sensitivity", {
            "REGION": "Gelderland", "DATA": str(demo_data), "RESOLUTION": 100, "SAMPLES": 20,
            "SENSITIVITY": str(tmp_path / "sensitivity.csv")})
        processing.runAndLoadResults("smr_siting:ranksites", {
            "REGION": "Gelderland", "DATA": str(demo_data), "RESOLUTION": 100,
            "RANKED_SITES": str(tmp_path / "ranked.gpkg"), "RANKED_CSV": str(tmp_path / "ranked.csv")})
    finally:
        remove_translator()
    groups = [g for g in QgsProject.instance().layerTreeRoot().children() if isinstance(g, QgsLayerTreeGroup)]
    assert groups and all(g.name().startswith("SMR — Gelderland — nl-default — ") for g in groups)
    layers = {n.name(): n.layer() for g in groups for n in g.children()}
    assert "Gevoeligheid per locatie" in layers  # the sensitivity table loads as a table
    ranked = layers["Gerangschikte locaties"]
    fields = ranked.fields()
    assert ranked.attributeDisplayName(fields.indexOf("rank")) == "Rang"
    assert ranked.attributeDisplayName(fields.indexOf("score")) == "Score (WLC, 0..1)"
    status = ranked.editorWidgetSetup(fields.indexOf("status"))
    assert status.type() == "ValueMap"
    mapping = {k: v for item in status.config()["map"] for k, v in item.items()}
    assert mapping["gerangschikt"] == "ranked" and mapping["buiten het gebied"] == "outside region"
    assert ranked.editorWidgetSetup(fields.indexOf("score")).config()["Precision"] == 3
    QgsProject.instance().clear()


def test_the_menu_dialog_starts_from_the_last_region_profile_and_data(loaded_plugin, demo_data, tmp_path) -> None:
    import processing

    from smr_siting.processing.settings import last_inputs

    processing.run("smr_siting:exclusionmap", {"REGION": "Ede", "PROFILE": "nl-strict", "DATA": str(demo_data),
                                               "RESOLUTION": 250, "EXCLUSION": str(tmp_path / "e.tif")},
                   feedback=QgsProcessingFeedback())
    last = last_inputs()
    assert last["REGION"] == "Ede" and last["PROFILE"] == "nl-strict" and last["DATA"] == str(demo_data)


def test_the_ahp_editor_is_labelled_and_prefilled_from_the_profile(loaded_plugin, tmp_path) -> None:
    """The AHP matrix editor as the dialog builds it (from the parameter's widget_wrapper metadata): nl-default's
    five criteria as row and column labels (Dutch titles in Dutch), its pairwise matrix as the values; left so,
    the parameter stays empty (the profile's own weights); choosing nl-regulator in the dialog gives six."""
    from processing.gui.wrappers import WidgetWrapperFactory
    from qgis.core import QgsProcessingContext
    from qgis.gui import QgsGui, QgsProcessingGui

    from smr_siting.qt_translation import install_translator, remove_translator

    algorithm = _alg("ranksites")
    wrapper = WidgetWrapperFactory.create_wrapper(algorithm.parameterDefinition("AHP_MATRIX"), None)
    assert type(wrapper).__name__ == "AhpMatrixWidgetWrapper"
    assert wrapper.labels() == ["Distance to a high-voltage substation", "Distance to large surface water",
                                "Distance to a population centre of more than 25,000",
                                "Population density of the municipality", "Distance to large industrial demand"]
    assert wrapper.table.horizontalHeaderItem(0).text() == "Distance to a high-voltage substation"
    assert wrapper.table.horizontalHeaderItem(4).toolTip() == "demand"
    assert wrapper.cells() == ["1", "1", "2", "3", "2",
                               "1", "1", "2", "3", "2",
                               "1/2", "1/2", "1", "2", "1",
                               "1/3", "1/3", "1/2", "1", "1/2",
                               "1/2", "1/2", "1", "2", "1"]
    assert wrapper.value() is None  # unchanged: the profile's weights, exactly
    assert "grid 0.298" in wrapper.weights.text() and "CR 0.003" in wrapper.weights.text()
    wrapper.table.item(0, 1).setText("3")
    wrapper.table.item(1, 0).setText("1/3")
    assert wrapper.value()[:7] == ["1", "3", "2", "3", "2", "1/3", "1"]
    wrapper.setValue(None)
    assert wrapper.value() is None
    # the editor follows the profile chosen in the dialog
    context = QgsProcessingContext()
    profile = QgsGui.processingGuiRegistry().createParameterWidgetWrapper(algorithm.parameterDefinition("PROFILE"),
                                                                          QgsProcessingGui.Standard)
    profile_widget = profile.createWrappedWidget(context)  # noqa: F841 - kept alive while the test uses it
    wrapper.postInitialize([profile])
    profile.setParameterValue("nl-regulator", context)
    assert len(wrapper.labels()) == 6 and wrapper.table.columnCount() == 6 and wrapper.value() is None
    install_translator("nl")
    try:
        dutch = WidgetWrapperFactory.create_wrapper(algorithm.parameterDefinition("AHP_MATRIX"), None)
        assert dutch.labels()[0] == "Afstand tot een hoogspanningsstation"
    finally:
        remove_translator()


def test_an_extent_in_any_crs_is_a_region(loaded_plugin, demo_data, tmp_path) -> None:
    """REGION_EXTENT (the dialog's 'canvas extent'): given in WGS 84, screened as its EPSG:28992 outline; an empty
    extent or one outside the Netherlands is refused before any work, naming the field."""
    import processing
    from qgis.core import QgsProcessingException

    extent = "5.60,5.75,52.00,52.08 [EPSG:4326]"  # near Ede, Gelderland: about 10.3 km × 8.9 km
    result = processing.run("smr_siting:exclusionmap", {
        "REGION_EXTENT": extent, "DATA": str(demo_data), "RESOLUTION": 250, "EXCLUSION": str(tmp_path / "e.tif"),
        "MANIFEST": str(tmp_path / "manifest.json")}, feedback=QgsProcessingFeedback())
    assert 85 < result["REGION_KM2"] < 98, result["REGION_KM2"]
    import json

    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["region"]["kind"] == "polygon file" and manifest["region"]["name"].startswith("extent-")
    assert list((tmp_path / "inputs").glob("extent-*.gpkg"))  # kept beside the manifest, like a region layer
    for bad, words in (("5.6,5.6,52.0,52.0 [EPSG:4326]", "extent is empty"),
                       ("2.30,2.40,48.80,48.90 [EPSG:4326]", "outside the Netherlands")):
        out = tmp_path / "bad"
        with pytest.raises(QgsProcessingException, match=words):
            processing.run("smr_siting:exclusionmap", {"REGION_EXTENT": bad, "DATA": str(demo_data),
                                                       "EXCLUSION": str(out / "e.tif")},
                           feedback=QgsProcessingFeedback())
        assert not out.exists()
    ok, message = _alg("ranksites").checkParameterValues({"REGION_EXTENT": "2.30,2.40,48.80,48.90 [EPSG:4326]"},
                                                         QgsProcessingContext())
    assert not ok and "outside the Netherlands" in message and "--" not in message


def test_the_dialog_shows_only_the_chosen_profiles_layer_slots(loaded_plugin, monkeypatch) -> None:
    """The real algorithm dialog: nl-default shows its slots (not nl-strict's airports); choosing nl-strict shows
    the airports slot; a hidden slot passes nothing.  The modeler and the batch dialog keep QGIS's own wrappers."""
    import processing.gui.ParametersPanel
    from processing.gui.AlgorithmDialog import AlgorithmDialog

    from smr_siting.processing.algorithms import profile_slots

    # pytest-qgis's stand-in interface has no browser model: the panel then runs as without a main window
    monkeypatch.setattr(processing.gui.ParametersPanel, "iface", None, raising=False)
    dialog = AlgorithmDialog(_alg("screenregion"), parent=None)
    try:
        wrappers = dialog.mainWidget().wrappers
        profile = wrappers["PROFILE"]
        assert type(profile).__name__ == "ProfileWidgetWrapper" and profile.value() == "nl-default"
        shown = profile.shown_slots()
        assert set(shown) == set(profile_slots("nl-default")) & set(profile._slots)
        assert {"natura2000", "sea", "rivers_major", "power_plants", "municipalities"} <= set(shown)
        assert "airports" not in shown and "population_grid_100m" not in shown
        assert not wrappers["LAYER_NATURA2000"].wrappedWidget().isHidden()
        assert wrappers["LAYER_AIRPORTS"].wrappedWidget().isHidden()
        profile.setValue("nl-strict")
        assert "airports" in profile.shown_slots() and not wrappers["LAYER_AIRPORTS"].wrappedWidget().isHidden()
        assert dialog.mainWidget().createProcessingParameters()["PROFILE"] == "nl-strict"
        profile.setValue("nl-default")
        assert wrappers["LAYER_AIRPORTS"].wrappedWidget().isHidden()
        assert dialog.mainWidget().createProcessingParameters().get("LAYER_AIRPORTS") in (None, "")
        # the scoring dialogs: the AHP editor is there, labelled from the profile
        scoring = AlgorithmDialog(_alg("ranksites"), parent=None)
        ahp = scoring.mainWidget().wrappers["AHP_MATRIX"]
        assert type(ahp).__name__ == "AhpMatrixWidgetWrapper" and len(ahp.labels()) == 5
        scoring.mainWidget().wrappers["PROFILE"].setValue("nl-regulator")
        assert len(ahp.labels()) == 6
        scoring.deleteLater()
    finally:
        dialog.deleteLater()

    import processing.gui.BatchPanel
    from processing.gui.BatchAlgorithmDialog import BatchAlgorithmDialog

    monkeypatch.setattr(processing.gui.BatchPanel, "iface", None, raising=False)
    batch = BatchAlgorithmDialog(_alg("ranksites"), parent=None)
    try:
        panel = batch.mainWidget()
        wrappers = {w.parameterDefinition().name(): w for w in panel.wrappers[0] if w is not None}
        assert {"PROFILE", "AHP_MATRIX"} <= set(wrappers), sorted(wrappers)
        assert type(wrappers["PROFILE"]).__name__ == type(wrappers["AHP_MATRIX"]).__name__ \
            == "QgsAbstractProcessingParameterWidgetWrapper"  # QGIS's own
    finally:
        batch.deleteLater()
    from processing.modeler.ModelerParametersDialog import ModelerParametersDialog
    from qgis.core import QgsProcessingModelAlgorithm
    from qgis.gui import QgsProcessingModelerParameterWidget

    model = QgsProcessingModelAlgorithm()
    step = ModelerParametersDialog(_alg("ranksites"), model)
    try:
        wrappers = step.widget.widget.wrappers
        for name in ("PROFILE", "AHP_MATRIX"):  # a model can still bind them to its inputs
            assert isinstance(wrappers[name], QgsProcessingModelerParameterWidget), (name, type(wrappers[name]))
    finally:
        step.deleteLater()
