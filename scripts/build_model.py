#!/usr/bin/env python3
"""Build the example Graphical Modeler model resources/models/smr_screen_and_rank.model3.

The model takes a region, a profile, a data folder and a cell size, screens the region
(smr_siting:screenregion) and ranks the best place of each candidate area (smr_siting:ranksites),
writing the exclusion raster, the candidate areas and the ranked sites.  Open it in QGIS
(Processing Toolbox › Models › Open existing model) or run it with qgis_process.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/build_model.py [--out resources/models/...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QPointF  # noqa: E402


def build() -> QgsProcessingModelAlgorithm:
    model = QgsProcessingModelAlgorithm("Screen a region and rank sites", "SMR siting", "smr_siting")
    model.setHelpContent({"ALG_DESC": "Screens a region for SMR sites (exclusion map with reasons and candidate "
                                      "areas) and ranks the best place in each candidate area, with explanations.",
                          "ALG_CREATOR": "smr-siting"})
    inputs = [
        (QgsProcessingParameterString("REGION", "Region (province or municipality name or CBS code)",
                                      defaultValue="Gelderland"), QPointF(120, 60)),
        (QgsProcessingParameterEnum("PROFILE", "Criteria profile", options=["nl-datacentre", "nl-default", "nl-strict"],
                                    defaultValue="nl-default", usesStaticStrings=True), QPointF(120, 130)),
        (QgsProcessingParameterFile("DATA", "Data folder", behavior=QgsProcessingParameterFile.Folder),
         QPointF(120, 200)),
        (QgsProcessingParameterNumber("RESOLUTION", "Cell size [m]", QgsProcessingParameterNumber.Double,
                                      defaultValue=25.0, minValue=1.0, maxValue=1000.0), QPointF(120, 270)),
    ]
    for definition, position in inputs:
        parameter = QgsProcessingModelParameter(definition.name())
        parameter.setPosition(position)
        model.addModelParameter(definition, parameter)

    def child(algorithm_id: str, child_id: str, position: QPointF, outputs: dict[str, str]) -> None:
        step = QgsProcessingModelChildAlgorithm(algorithm_id)
        step.setChildId(child_id)
        step.setDescription(child_id.replace("_", " "))
        step.setPosition(position)
        for name in ("REGION", "PROFILE", "DATA", "RESOLUTION"):
            step.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromModelParameter(name)])
        model_outputs = {}
        for output, description in outputs.items():
            model_output = QgsProcessingModelOutput(description)
            model_output.setChildId(child_id)
            model_output.setChildOutputName(output)
            model_output.setDescription(description)
            model_outputs[description] = model_output
        step.setModelOutputs(model_outputs)
        model.addChildAlgorithm(step)

    child("smr_siting:screenregion", "screen_region", QPointF(420, 130),
          {"EXCLUSION": "Exclusion reasons", "CANDIDATES": "Candidate areas", "SUMMARY": "Per-rule table"})
    child("smr_siting:ranksites", "rank_sites", QPointF(420, 260),
          {"RANKED_SITES": "Ranked sites", "RANKED_CSV": "Ranked sites table"})
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "models" / "smr_screen_and_rank.model3")
    args = parser.parse_args()
    app = QgsApplication([], False)
    app.initQgis()
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
