"""Dialogs that chain: the scoring steps take a screening's manifest and reuse its exclusion, and the shipped
model (screen → rank → sensitivity → report) validates in the Graphical Modeler's terms and runs, its report with
the ranking and sensitivity chapters read from the files the steps wrote (each in a temporary folder of its own)."""

from __future__ import annotations

import csv
import sys
from html import escape
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")
from qgis.core import QgsProcessingContext, QgsProcessingFeedback  # noqa: E402

pytestmark = pytest.mark.qgis


def _run(algorithm: str, params: dict) -> dict:
    import processing

    return processing.run(algorithm, params, feedback=QgsProcessingFeedback())


@pytest.fixture
def counted_exclusion(loaded_plugin, monkeypatch):  # noqa: ANN001, ANN201
    """Counts the engine's compute_exclusion calls of the loaded plugin (the algorithms import it when they run)."""
    import importlib

    screen = importlib.import_module("smr_siting.core.exclusion.compute")  # the loaded plugin's copy (build/plugins)
    assert str(Path(screen.__file__).resolve()).startswith(str(Path(loaded_plugin.__module__ and sys.modules[
        "smr_siting"].__file__).resolve().parent))
    original = screen.compute_exclusion
    calls: list[str] = []

    def counting(request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(request.region)
        return original(request, *args, **kwargs)

    monkeypatch.setattr(screen, "compute_exclusion", counting)
    # the screening's writer binds it at import (smr_siting.core.pipeline.screen)
    monkeypatch.setattr(importlib.import_module("smr_siting.core.pipeline.screen"), "compute_exclusion", counting)
    importlib.import_module("smr_siting.processing.runs").forget_all()
    return calls


def test_ranksites_and_sensitivity_from_a_screening_reuse_its_exclusion(counted_exclusion, demo_data, tmp_path) -> None:
    out = tmp_path / "run"
    _run("smr_siting:screenregion", {"REGION": "Gelderland", "DATA": str(demo_data), "RESOLUTION": 100,
                                     "EXCLUSION": str(out / "exclusion.tif"), "MANIFEST": str(out / "manifest.json"),
                                     "CANDIDATES": str(out / "candidate_areas.gpkg")})
    assert counted_exclusion == ["Gelderland"]
    ranked = _run("smr_siting:ranksites", {"SCREENING": str(out), "RANKED_SITES": str(tmp_path / "ranked.gpkg"),
                                           "RANKED_CSV": str(tmp_path / "ranked.csv")})
    _run("smr_siting:sensitivity", {"SCREENING": str(out / "manifest.json"), "SAMPLES": 50,
                                    "SENSITIVITY": str(tmp_path / "sensitivity.csv")})
    assert counted_exclusion == ["Gelderland"], "a scoring step computed the exclusion again"
    assert ranked["RANKED_COUNT"] > 0
    # the same ranking as a step that screens by itself
    alone = _run("smr_siting:ranksites", {"REGION": "Gelderland", "DATA": str(demo_data), "RESOLUTION": 100,
                                          "RANKED_SITES": str(tmp_path / "alone.gpkg"),
                                          "RANKED_CSV": str(tmp_path / "alone.csv")})
    assert len(counted_exclusion) == 2
    assert (tmp_path / "alone.csv").read_bytes() == (tmp_path / "ranked.csv").read_bytes()
    assert alone["RANKED_COUNT"] == ranked["RANKED_COUNT"]


def test_a_manifest_from_another_session_is_rebuilt_once(counted_exclusion, demo_data, tmp_path, cli) -> None:
    import subprocess

    out = tmp_path / "cli-run"
    subprocess.run([*cli, "screen", "--region", "Overbetuwe", "--data", str(demo_data), "--resolution", "100",
                    "--out", str(out), "--quiet"], check=True)
    for name in ("a", "b"):
        _run("smr_siting:ranksites", {"SCREENING": str(out), "RANKED_SITES": str(tmp_path / f"{name}.gpkg"),
                                      "RANKED_CSV": str(tmp_path / f"{name}.csv")})
    assert counted_exclusion == ["Overbetuwe"]  # rebuilt for the first step, reused by the second
    with open(tmp_path / "a.csv", encoding="utf-8") as handle:
        assert list(csv.DictReader(handle))


def test_a_screening_that_is_not_a_manifest_is_one_clear_message(loaded_plugin, tmp_path) -> None:
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="no manifest found"):
        _run("smr_siting:ranksites", {"SCREENING": str(tmp_path), "RANKED_SITES": str(tmp_path / "r.gpkg")})


MODEL_STEPS = {"screen_region": "smr_siting:screenregion", "rank_sites": "smr_siting:ranksites",
               "sensitivity": "smr_siting:sensitivity", "report": "smr_siting:report"}


def _model_outputs(model, folder: Path) -> dict[str, str]:  # noqa: ANN001
    """A file in ``folder`` for each of the model's outputs (each step's files in a folder of their own, as
    QGIS's temporary outputs are)."""
    outputs = {}
    for definition in model.destinationParameterDefinitions():
        name = definition.name()
        suffix = ".tif" if "Exclusion" in name else ".pdf" if name.endswith(":Report") else ".csv" if (
            "table" in name or "Sensitivity" in name) else ".gpkg"
        step = folder / name.split(":")[0]
        step.mkdir(parents=True, exist_ok=True)
        outputs[name] = str(step / (name.split(":")[-1].replace(" ", "_") + suffix))
    return outputs


def _assert_report_has_ranking_and_sensitivity(html: str, rows: list[dict[str, str]]) -> None:
    """The report's ranking and sensitivity chapters hold the run's own figures, not the 'not in this folder'
    notices."""
    for notice in ("No ranking in this folder", "holds no ranking", "No sensitivity analysis in this folder",
                   "holds no sensitivity analysis"):
        assert notice not in html, notice
    assert "3 Ranked sites" in html and "4 Sensitivity of the ranking" in html
    best = next(r for r in rows if r["rank"] == "1")
    assert best["name"] and escape(best["name"]) in html  # the best site, from the ranking the step wrote
    assert "rank interval (5–95 %)" in html  # the sensitivity table's head


def test_the_shipped_model_validates_and_chains_without_recomputing(counted_exclusion, plugin_dir, demo_data,
                                                                     tmp_path) -> None:
    """Failed on 3b8ee28: the model had no report step."""
    from qgis.core import QgsProcessingModelAlgorithm

    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(plugin_dir / "resources" / "models" / "smr_screen_and_rank.model3"))
    valid, issues = model.validate()
    assert valid, issues
    for child in model.childAlgorithms().values():
        valid, issues = model.validateChildAlgorithm(child.childId())
        assert valid, (child.childId(), issues)
    assert {c: model.childAlgorithm(c).algorithmId() for c in MODEL_STEPS} == MODEL_STEPS
    assert model.dependsOnChildAlgorithms("report") >= {"screen_region", "rank_sites", "sensitivity"}
    outputs = _model_outputs(model, tmp_path)
    results, ok = model.run({"REGION": "Gelderland", "PROFILE": "nl-default", "DATA": str(demo_data), "RESOLUTION": 100,
                             "LANGUAGE": 1, "PDF": False, **outputs}, QgsProcessingContext(), QgsProcessingFeedback())
    assert ok
    assert counted_exclusion == ["Gelderland"], "the model computed the screening more than once"
    with open(next(p for n, p in outputs.items() if "Ranked sites table" in n), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert any(r["rank"] == "1" for r in rows), rows
    assert Path(next(p for n, p in outputs.items() if "Sensitivity" in n)).read_text(encoding="utf-8").startswith(
        "site_id,")
    report = Path(outputs["report:Report"])
    html_path = report.with_suffix(".html")
    assert results["report:Report"] == str(html_path)  # no PDF asked for: the HTML is the report
    assert not report.exists()
    html = html_path.read_text(encoding="utf-8")
    _assert_report_has_ranking_and_sensitivity(html, rows)
    assert "SMR site screening: Gelderland" in html
    assert "output missing" not in html and "changed since this run" not in html  # the title page's check holds
