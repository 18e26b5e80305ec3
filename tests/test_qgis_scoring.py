"""The scoring algorithms in real QGIS: suitability, ranksites, sensitivity through processing.run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")
from qgis.core import (  # noqa: E402
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import NULL  # noqa: E402

pytestmark = pytest.mark.qgis
COMMON = {"REGION": "Gelderland", "RESOLUTION": 100}


def _run(algorithm: str, params: dict) -> dict:
    import processing

    return processing.run(algorithm, params, feedback=QgsProcessingFeedback())


def _sites_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:28992&field=name:string", "my sites", "memory")
    features = []
    for name, x, y in (("Veluwe", 186_000, 467_000), ("Dodewaard", 176_000, 434_700), ("Zeeland", 40_000, 390_000)):
        feature = QgsFeature(layer.fields())
        feature.setAttribute("name", name)
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_ranksites_with_own_sites_and_an_ahp_matrix(loaded_plugin, shared_data, tmp_path) -> None:
    sites = _sites_layer()
    result = _run("smr_siting:ranksites", {
        **COMMON, "DATA": str(shared_data), "SITES": sites,
        "AHP_MATRIX": [1, 1, 1, 1, 1] * 5,  # equal weights
        "RANKED_SITES": str(tmp_path / "ranked.gpkg"), "RANKED_CSV": str(tmp_path / "ranked.csv"),
        "SUITABILITY": str(tmp_path / "suitability.tif")})
    assert result["RANKED_COUNT"] == 1
    with open(tmp_path / "ranked.csv", encoding="utf-8") as handle:
        rows = {r["name"]: r for r in csv.DictReader(handle)}
    assert rows["Veluwe"]["status"] == "excluded" and "Natura 2000 site" in rows["Veluwe"]["excluded_by"]
    assert rows["Dodewaard"]["status"] == "ranked" and rows["Dodewaard"]["rank"] == "1"
    assert rows["Zeeland"]["status"] == "outside region"
    weights = [float(rows["Dodewaard"][f"{c}_contribution"]) / float(rows["Dodewaard"][f"{c}_score"])
               for c in ("grid", "cooling", "population_density") if float(rows["Dodewaard"][f"{c}_score"]) > 0]
    assert weights == pytest.approx([0.2] * len(weights), abs=1e-4)
    layer = QgsVectorLayer(str(tmp_path / "ranked.gpkg"), "ranked", "ogr")
    assert layer.isValid() and layer.featureCount() == 3
    # in the QGIS layer an unranked site has rank NULL and no score (the CSV keeps the command line's -1)
    assert rows["Veluwe"]["rank"] == "-1"
    features = {f["name"]: f for f in layer.getFeatures()}
    assert features["Dodewaard"]["rank"] == 1 and features["Dodewaard"]["score"] > 0
    for name, status in (("Veluwe", "excluded"), ("Zeeland", "outside region")):
        feature = features[name]
        assert feature["status"] == status
        for field in ("rank", "score", "topsis", "grid_score", "grid_contribution", "cooling_contribution"):
            assert feature[field] is None or feature[field] == NULL, (name, field, feature[field])
        assert feature["grid_text"]  # the measurement stays: it explains the site
    assert (tmp_path / "ranked.qml").exists() and (tmp_path / "suitability.qml").exists()
    raster = QgsRasterLayer(str(tmp_path / "suitability.tif"), "s")
    assert raster.isValid()
    assert sites.featureCount() == 3 and not sites.isModified()


def test_ahp_matrix_that_is_not_reciprocal_is_refused(loaded_plugin, shared_data, tmp_path) -> None:
    matrix = [1, 3, 1, 1, 1,
              3, 1, 1, 1, 1,  # [cooling, grid] should be 1/3
              1, 1, 1, 1, 1,
              1, 1, 1, 1, 1,
              1, 1, 1, 1, 1]
    with pytest.raises(QgsProcessingException, match=r"not reciprocal: cell \[grid, cooling\] is 3 but \[cooling, grid\]"):
        _run("smr_siting:suitability", {**COMMON, "DATA": str(shared_data), "AHP_MATRIX": matrix,
                                        "SUITABILITY": str(tmp_path / "s.tif")})
    assert not list(tmp_path.iterdir())


def test_sensitivity_algorithm_is_reproducible(loaded_plugin, shared_data, tmp_path) -> None:
    params = {**COMMON, "DATA": str(shared_data), "SAMPLES": 300, "SEED": 3, "SWEEP": "cooling_water=2km,5km",
              "SENSITIVITY": str(tmp_path / "a.csv"), "SWEEPS": str(tmp_path / "sweeps.csv")}
    _run("smr_siting:sensitivity", params)
    _run("smr_siting:sensitivity", {**params, "SWEEP": "", "SENSITIVITY": str(tmp_path / "b.csv"), "SWEEPS": None})
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    with open(tmp_path / "sweeps.csv", encoding="utf-8") as handle:
        sweeps = list(csv.DictReader(handle))
    assert sweeps[0]["parameter"] == "baseline"  # the screening itself, then the swept values
    assert [float(r["value"]) for r in sweeps[1:]] == [2000.0, 5000.0]
    assert Path(tmp_path / "a.csv").read_text(encoding="utf-8").startswith("site_id,name,rank,share_rank1")
    # sensitivity.json beside the table, as on the command line (issue 13 item 8; absent before in QGIS)
    description = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert description["samples"] == 300 and description["seed"] == 3 and description["concentration"] > 0
    assert {w["criterion"] for w in description["weights"]} == {"grid", "cooling", "population_distance",
                                                                 "population_density", "demand"}


def test_the_shipped_model_runs_screening_and_ranking(loaded_plugin, plugin_dir, shared_data, tmp_path) -> None:
    """On the real Dutch data, with every output chosen in one folder under the model's own names: ranked sites, and
    the report (PDF where WeasyPrint is installed, the HTML beside it) with the ranking the model made."""
    import importlib.util

    from qgis.core import QgsProcessingContext, QgsProcessingModelAlgorithm

    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(plugin_dir / "resources" / "models" / "smr_screen_and_rank.model3"))
    assert {c.algorithmId() for c in model.childAlgorithms().values()} == {
        "smr_siting:screenregion", "smr_siting:ranksites", "smr_siting:sensitivity", "smr_siting:report"}
    ok, message = model.canExecute()
    assert ok, message
    outputs = {d.name(): str(tmp_path / f"{d.name().split(':')[-1]}") for d in model.destinationParameterDefinitions()}
    for name in outputs:
        suffix = ".tif" if "Exclusion" in name else ".csv" if ("table" in name or "Per-rule" in name) else \
            ".pdf" if name.endswith(":Report") else ".gpkg"
        outputs[name] += suffix
    context = QgsProcessingContext()
    feedback = QgsProcessingFeedback()
    results, ok = model.run({"REGION": "Gelderland", "PROFILE": "nl-default", "DATA": str(shared_data),
                             "RESOLUTION": 100, **outputs}, context, feedback)
    assert ok
    with open(next(p for n, p in outputs.items() if "Ranked sites table" in n), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and rows[0]["rank"] == "1"
    report = Path(outputs["report:Report"])
    html = report.with_suffix(".html").read_text(encoding="utf-8")  # Dutch, the default
    assert "3 Gerangschikte locaties" in html and "Geen rangschikking in deze map" not in html
    assert f">{rows[0]['municipality']}<" in html  # the best site's municipality, in the ranked table
    if importlib.util.find_spec("weasyprint") is not None:
        assert results["report:Report"] == str(report) and report.read_bytes().startswith(b"%PDF")
    else:
        assert results["report:Report"] == str(report.with_suffix(".html")) and not report.exists()


def test_ranksites_with_a_reactor_design_writes_the_regulator_columns(loaded_plugin, shared_data, tmp_path) -> None:
    """ranksites with PROFILE=nl-regulator and DESIGN=chp-50 (Gelderland, 100 m): every ranked site has the design's
    evacuation zone, its inhabitants, the worst sector and the cooling that fits, in words."""
    result = _run("smr_siting:ranksites", {
        **COMMON, "DATA": str(shared_data), "PROFILE": "nl-regulator", "DESIGN": "chp-50",
        "RANKED_SITES": str(tmp_path / "ranked.gpkg"), "RANKED_CSV": str(tmp_path / "ranked.csv"),
        "SUITABILITY": str(tmp_path / "suitability.tif")})
    with open(tmp_path / "ranked.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert result["RANKED_COUNT"] == len(rows) > 0
    for row in rows:
        assert row["design"] == "chp-50" and row["evacuation_zone_km"] == "1.0"
        assert "inhabitants within the 1 km evacuation zone" in row["regulator_text"]
        assert row["sheltering_population_text"].endswith("inhabitants within 3 km")
        assert row["cooling_modes_fit"] == "wet tower" and "low flow" in row["cooling_flow_text"]
