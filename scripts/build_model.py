#!/usr/bin/env python3
"""Build the example Graphical Modeler model resources/models/smr_screen_and_rank.model3.

The model takes a region, a profile, a data folder (optional), a cell size and the report's language, screens the
region (smr_siting:screenregion), ranks the best place of each candidate area (smr_siting:ranksites), tests the
ranking (smr_siting:sensitivity) and writes the report (smr_siting:report); ranking and sensitivity take the
screening's manifest and reuse its exclusion.  The steps of a model write each output to a file of its own (a
temporary one unless chosen), not into one screening folder, so the report step is given each step's files (its
advanced inputs) and reads those instead of a folder's.  It writes the exclusion raster, the candidate areas, the
per-rule table, the ranked sites, the sensitivity and the report (PDF where WeasyPrint is installed, the HTML beside
it).  Open it in QGIS (Processing Toolbox › Models › Open existing model) or run it with qgis_process.bin.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/build_model.py [--out resources/models/...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_HASH_SEED", "1")  # the XML attributes in the same order on every run (a readable diff)
ROOT = Path(__file__).resolve().parents[1]

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QPointF  # noqa: E402


def build() -> QgsProcessingModelAlgorithm:
    """The model.  Every required parameter of every step gets a source (a model input, the previous step's
    output or a fixed value: the parameter's default), so that the Graphical Modeler finds it valid."""
    model = QgsProcessingModelAlgorithm("Screen a region, rank sites and test the ranking", "SMR siting", "smr_siting")
    model.setHelpContent({"ALG_DESC": "Screens a region for SMR sites (exclusion map with reasons and candidate "
                                      "areas), ranks the best place in each candidate area with explanations, "
                                      "tests how stable the ranking is under weight uncertainty, and writes the "
                                      "report a province can publish (HTML, and PDF where WeasyPrint is installed) "
                                      "with the ranking and sensitivity chapters. The ranking and sensitivity steps "
                                      "reuse the screening's exclusion (through its manifest) instead of computing "
                                      "it again; the report step reads the files the steps before it wrote.",
                          "ALG_CREATOR": "smr-siting"})
    inputs = [
        (QgsProcessingParameterString("REGION", "Region (province or municipality name or CBS code)",
                                      defaultValue="Gelderland"), QPointF(120, 60)),
        (QgsProcessingParameterEnum("PROFILE", "Criteria profile", options=["nl-datacentre", "nl-default", "nl-strict"],
                                    defaultValue="nl-default", usesStaticStrings=True), QPointF(120, 130)),
        (QgsProcessingParameterFile("DATA", "Data folder (empty: the fetch cache or the embedded national pack)",
                                    behavior=QgsProcessingParameterFile.Folder, optional=True), QPointF(120, 200)),
        (QgsProcessingParameterNumber("RESOLUTION", "Cell size [m]", QgsProcessingParameterNumber.Double,
                                      defaultValue=25.0, minValue=1.0, maxValue=1000.0), QPointF(120, 270)),
        (QgsProcessingParameterEnum("LANGUAGE", "Language of the report", options=["Dutch", "English"],
                                    defaultValue=0), QPointF(120, 450)),
        (QgsProcessingParameterBoolean("PDF", "Also write the report as PDF (needs WeasyPrint; slower)",
                                       defaultValue=True), QPointF(120, 520)),
    ]
    for definition, position in inputs:
        parameter = QgsProcessingModelParameter(definition.name())
        parameter.setPosition(position)
        model.addModelParameter(definition, parameter)
    registry = QgsApplication.processingRegistry()

    def child(algorithm_id: str, child_id: str, position: QPointF, sources: dict[str, Any],
              outputs: dict[str, str], mandatory: tuple[str, ...] = ()) -> None:
        step = QgsProcessingModelChildAlgorithm(algorithm_id)
        step.setChildId(child_id)
        step.setDescription(child_id.replace("_", " "))
        step.setPosition(position)
        algorithm = registry.algorithmById(algorithm_id)
        if algorithm is None:
            raise SystemExit(f"error: algorithm {algorithm_id} is not registered (is the plugin on the path?)")
        for definition in algorithm.parameterDefinitions():
            name = definition.name()
            if name in sources:
                step.addParameterSources(name, [sources[name]])
            elif not (definition.flags() & QgsProcessingParameterDefinition.FlagOptional) \
                    and not definition.isDestination():
                step.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromStaticValue(
                    definition.defaultValue())])
        model_outputs = {}
        for output, description in outputs.items():
            model_output = QgsProcessingModelOutput(description)
            model_output.setChildId(child_id)
            model_output.setChildOutputName(output)
            model_output.setDescription(description)
            if output in mandatory:  # always written (an optional output would be skipped by default)
                model_output.setMandatory(True)
            model_outputs[description] = model_output
        step.setModelOutputs(model_outputs)
        model.addChildAlgorithm(step)

    from_input = QgsProcessingModelChildParameterSource.fromModelParameter
    screening = {name: from_input(name) for name in ("REGION", "PROFILE", "DATA", "RESOLUTION")}
    manifest = QgsProcessingModelChildParameterSource.fromChildOutput("screen_region", "MANIFEST")
    child("smr_siting:screenregion", "screen_region", QPointF(420, 130), screening,
          {"EXCLUSION": "Exclusion reasons", "CANDIDATES": "Candidate areas", "SUMMARY": "Per-rule table"})
    child("smr_siting:ranksites", "rank_sites", QPointF(420, 260), {"SCREENING": manifest},
          {"RANKED_SITES": "Ranked sites", "RANKED_CSV": "Ranked sites table"})
    child("smr_siting:sensitivity", "sensitivity", QPointF(420, 390), {"SCREENING": manifest},
          {"SENSITIVITY": "Sensitivity per site"})
    # The report reads a screening folder's files; a model's steps write each output to a file of its own, so the
    # report step is given each of them (they stand for the folder's), and the manifest stands for the folder.
    output = QgsProcessingModelChildParameterSource.fromChildOutput
    child("smr_siting:report", "report", QPointF(420, 520), {
        "RUN": manifest, "LANGUAGE": from_input("LANGUAGE"), "PDF": from_input("PDF"),
        "SUMMARY_JSON": output("screen_region", "SUMMARY_JSON"), "EXCLUSION": output("screen_region", "EXCLUSION"),
        "CANDIDATES": output("screen_region", "CANDIDATES"), "RANKED_SITES": output("rank_sites", "RANKED_SITES"),
        "RANKED_CSV": output("rank_sites", "RANKED_CSV"), "RANKING": output("rank_sites", "RANKING"),
        "SUITABILITY": output("rank_sites", "SUITABILITY"), "SENSITIVITY": output("sensitivity", "SENSITIVITY"),
    }, {"REPORT": "Report"}, mandatory=("REPORT",))
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "models" / "smr_screen_and_rank.model3")
    args = parser.parse_args()
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, str(ROOT))
    from smr_siting.processing.provider import SmrSitingProvider

    provider = SmrSitingProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        model = build()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not model.toFile(str(args.out)):
            print(f"error: cannot write {args.out}", file=sys.stderr)
            return 1
        print(f"wrote {args.out}")
        return 0
    finally:
        app.exitQgis()


if __name__ == "__main__":
    sys.exit(main())
