"""Processing algorithms ``smr_siting:report`` (a publishable report of a screening folder) and
``smr_siting:batch`` (screening over regions × profiles with one summary table).  Thin adapters to
:mod:`smr_siting.core.report` and :mod:`smr_siting.core.api.batch` (imported lazily)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..qt_translation import tr
from .common import SmrAlgorithm, engine_errors, require_engine, run_context

LANGUAGES = ("nl", "en")


class _ReportingAlgorithm(SmrAlgorithm):
    def group(self) -> str:
        return tr("Reports and batches")

    def groupId(self) -> str:
        return "reports"

    def _language(self, parameters: dict[str, Any], context: QgsProcessingContext) -> str:
        return LANGUAGES[self.parameterAsEnum(parameters, "LANGUAGE", context)]

    def _add_language(self) -> None:
        self.addParameter(QgsProcessingParameterEnum(
            "LANGUAGE", tr("Language of the report"), options=[tr("Dutch"), tr("English")], defaultValue=0))


class ReportAlgorithm(_ReportingAlgorithm):
    #: the files a model's steps pass on (parameter → the screening folder's file each stands for)
    RUN_FILE_NAMES = {"SUMMARY_JSON": "summary.json", "EXCLUSION": "exclusion.tif",
                      "CANDIDATES": "candidate_areas.gpkg", "RANKED_SITES": "ranked_sites.gpkg",
                      "RANKED_CSV": "ranked_sites.csv", "RANKING": "ranking.json", "SUITABILITY": "suitability.tif",
                      "SENSITIVITY": "sensitivity.csv", "SWEEPS": "sweeps.csv"}

    @staticmethod
    def _step_files() -> list[tuple[str, str]]:
        """Parameter and description of each file a model's steps pass on (any extension: a step writes what its
        output was given)."""
        return [
            ("SUMMARY_JSON", tr("Summary (JSON) of 'Screen a region' (empty: the folder's summary.json)")),
            ("EXCLUSION", tr("Exclusion reasons (GeoTIFF) of 'Screen a region' (empty: the folder's exclusion.tif)")),
            ("CANDIDATES", tr("Candidate areas (GeoPackage) of 'Screen a region' (empty: the folder's "
                              "candidate_areas.gpkg)")),
            ("RANKED_SITES", tr("Ranked sites (GeoPackage) of 'Rank candidate sites' (empty: the folder's "
                                "ranked_sites.gpkg)")),
            ("RANKED_CSV", tr("Ranked sites (CSV) of 'Rank candidate sites' (empty: the folder's ranked_sites.csv)")),
            ("RANKING", tr("Ranking description (JSON) of 'Rank candidate sites' (empty: the folder's ranking.json)")),
            ("SUITABILITY", tr("Suitability (GeoTIFF) of 'Rank candidate sites' (empty: the folder's "
                               "suitability.tif)")),
            ("SENSITIVITY", tr("Sensitivity per site (CSV) of 'Sensitivity of the ranking' (empty: the folder's "
                               "sensitivity.csv)")),
            ("SWEEPS", tr("Threshold sweeps (CSV) of 'Sensitivity of the ranking' (empty: the folder's sweeps.csv)")),
        ]

    def name(self) -> str:
        return "report"

    def displayName(self) -> str:
        return tr("Report of a screening (HTML and PDF)")

    def shortHelpString(self) -> str:
        return tr("Makes the report a province can publish from a screening folder (the output folder of "
                  "'Screen a region', optionally ranked and with sensitivity): report.html (one self-contained file, "
                  "maps embedded) and report.pdf. Title page with the verdict and the caveat, the exclusion map by "
                  "first reason, candidate areas and ranked sites, suitability, the per-rule table and chart, ranked "
                  "sites with fact sheets, sensitivity, the method with every number's source, the data sources and "
                  "the hashes and versions to reproduce the run. Chapters whose step did not run say so. The title "
                  "page says whether the inputs changed since the run.<h3>Inputs</h3><ul>"
                  "<li><b>Screening folder</b>: a folder with summary.json, manifest.json and exclusion.tif (or "
                  "one of its files, e.g. its manifest.json).</li>"
                  "<li><b>Report file</b>: empty: FOLDER/report.html and FOLDER/report.pdf.</li>"
                  "<li><b>Files of the steps</b> (advanced; what a model passes on): the summary, exclusion raster, "
                  "candidate areas, ranked sites, ranking description, suitability, sensitivity and sweeps of the "
                  "steps before, each from wherever that step wrote it; each stands for the screening folder's own "
                  "file. The screening folder may then be the screening's manifest (JSON) alone.</li>"
                  "<li><b>Also write the PDF</b>: needs WeasyPrint; where it is missing, only the HTML is "
                  "written.</li></ul>")

    def initAlgorithm(self, config: Any = None) -> None:
        self.addParameter(QgsProcessingParameterFile(
            "RUN", tr("Screening folder"), behavior=QgsProcessingParameterFile.Folder))
        self._add_language()
        self.addParameter(QgsProcessingParameterNumber(
            "TOP", tr("Fact sheets for this many of the best sites"), QgsProcessingParameterNumber.Integer,
            defaultValue=5, minValue=0, maxValue=100))
        self.addParameter(QgsProcessingParameterBoolean(
            "VERIFY", tr("Also rerun the screening to check the results (slower)"), defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(
            "OVERWRITE", tr("Replace a report that exists"), defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(
            "PDF", tr("Also write the PDF (needs WeasyPrint; slower)"), defaultValue=True))
        for name, description in self._step_files():
            parameter = QgsProcessingParameterFile(name, description, behavior=QgsProcessingParameterFile.File,
                                                   optional=True)
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)
        self.addParameter(QgsProcessingParameterFileDestination(
            "REPORT", tr("Report (PDF; the HTML is written beside it)"), fileFilter="PDF (*.pdf)", optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputFile("REPORT_HTML", tr("Report (HTML)")))
        self.addOutput(QgsProcessingOutputFile("REPORT_PDF", tr("Report (PDF)")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        require_engine()
        from ..core.report import write_report

        run = self.parameterAsFile(parameters, "RUN", context)
        if not run:
            raise QgsProcessingException(tr("No screening folder given."))
        target = self.parameterAsFileOutput(parameters, "REPORT", context)
        files = {}
        for name, file_name in self.RUN_FILE_NAMES.items():
            path = self.parameterAsFile(parameters, name, context) if name in parameters else ""
            if path:
                files[file_name] = Path(path.split("|")[0])  # a layer source: its file
        pdf = self.parameterAsBool(parameters, "PDF", context) if "PDF" in parameters else True
        if pdf and importlib.util.find_spec("weasyprint") is None:
            feedback.pushWarning(tr("WeasyPrint is not installed, so only the HTML report is written (Debian/Ubuntu: "
                                    "sudo apt install weasyprint; elsewhere: pip install weasyprint)."))
            pdf = False
        with engine_errors():
            written = write_report(Path(run), self._language(parameters, context), Path(target) if target else None,
                                   self.parameterAsBool(parameters, "OVERWRITE", context), run_context(feedback),
                                   full_verify=self.parameterAsBool(parameters, "VERIFY", context), pdf=pdf,
                                   fact_sheets=self.parameterAsInt(parameters, "TOP", context), files=files)
        html = str(written["report_html"])
        pdf_path = str(written["report_pdf"]) if "report_pdf" in written else ""
        return {"REPORT_HTML": html, "REPORT_PDF": pdf_path, "REPORT": pdf_path or html}


class BatchAlgorithm(_ReportingAlgorithm):
    def name(self) -> str:
        return "batch"

    def displayName(self) -> str:
        return tr("Batch screening (regions × profiles)")

    def shortHelpString(self) -> str:
        return tr("Screens every region with every profile, one after another: one screening folder per pair "
                  "(OUT/<region>_<profile>) and batch_summary.csv / .json with km² left, share, candidate areas, the "
                  "largest area, the best site and its score, or the reason a run failed. A failed run does not stop "
                  "the others; the algorithm fails only when every run failed.<h3>Inputs</h3><ul>"
                  "<li><b>Regions</b>: province or municipality names or codes separated by commas, or 'all' (every "
                  "province of the data folder).</li>"
                  "<li><b>Profiles</b>: built-in names or .yaml files separated by commas.</li></ul>")

    def initAlgorithm(self, config: Any = None) -> None:
        self.addParameter(QgsProcessingParameterString(
            "REGIONS", tr("Regions (comma-separated, or 'all')"), defaultValue="all"))
        self.addParameter(QgsProcessingParameterString(
            "PROFILES", tr("Profiles (comma-separated)"), defaultValue="nl-default,nl-strict"))
        self.addParameter(QgsProcessingParameterFile(
            "DATA", tr("Data folder"), behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterBoolean("RANK", tr("Also rank the candidate areas"), defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean("REPORT", tr("Also write each run's report"),
                                                        defaultValue=False))
        self._add_language()
        self.addParameter(QgsProcessingParameterBoolean(
            "OVERWRITE", tr("Replace outputs that exist"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFolderDestination("OUT", tr("Output folder")))
        self.addOutput(QgsProcessingOutputFile("SUMMARY_CSV", tr("Batch summary (CSV)")))
        self.addOutput(QgsProcessingOutputFile("SUMMARY_JSON", tr("Batch summary (JSON)")))
        self.addOutput(QgsProcessingOutputNumber("SUCCEEDED", tr("Runs that succeeded")))
        self.addOutput(QgsProcessingOutputNumber("FAILED", tr("Runs that failed")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        require_engine()
        from ..core.api.batch import all_provinces, plan, run_batch, split_list

        data = self.parameterAsFile(parameters, "DATA", context)
        out = self.parameterAsFileOutput(parameters, "OUT", context)
        data_dir = Path(data) if data else None
        ctx = run_context(feedback)
        with engine_errors():
            regions = split_list(self.parameterAsString(parameters, "REGIONS", context))
            if [r.lower() for r in regions] == ["all"]:
                regions = all_provinces(data_dir)
            jobs = plan(regions, split_list(self.parameterAsString(parameters, "PROFILES", context)), data_dir,
                        Path(out), self.parameterAsBool(parameters, "RANK", context),
                        self.parameterAsBool(parameters, "REPORT", context),
                        self.parameterAsBool(parameters, "OVERWRITE", context), self._language(parameters, context))

            def on_done(done: int, total: int, row: Any) -> None:
                if row.ok:
                    feedback.pushInfo(tr("[{done}/{total}] {region} × {profile}: {left} km² left, {areas} candidate "
                                         "area(s)").format(done=done, total=total, region=row.region,
                                                           profile=row.profile, left=f"{row.km2_left or 0:,.1f}",
                                                           areas=row.candidate_areas or 0))
                else:
                    feedback.reportError(tr("[{done}/{total}] {region} × {profile} failed: {reason}").format(
                        done=done, total=total, region=row.region, profile=row.profile, reason=row.reason), False)

            result = run_batch(jobs, Path(out), self.parameterAsBool(parameters, "OVERWRITE", context), 1, ctx,
                               None, on_done)
        failed = len(result.failed)
        if result.rows and failed == len(result.rows):
            raise QgsProcessingException(tr("Every run failed; the reasons are in {path}").format(
                path=result.files["batch_csv"]))
        return {"OUT": str(out), "SUMMARY_CSV": str(result.files["batch_csv"]),
                "SUMMARY_JSON": str(result.files["batch_json"]), "SUCCEEDED": len(result.rows) - failed,
                "FAILED": failed}
