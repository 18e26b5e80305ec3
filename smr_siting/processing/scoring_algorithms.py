"""Processing algorithms for scoring: ``smr_siting:suitability``, ``smr_siting:ranksites``,
``smr_siting:sensitivity`` — the same inputs as the screening, plus sites and weights."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMatrix,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsProcessingUtils,
)

from ..qt_translation import tr
from .algorithms import TEMPORARY, _input_help, _ScreeningAlgorithm
from .common import engine_errors, require_engine, run_context

#: the dialog's AHP matrix editor, named by its module path (imported by the dialog only, never by qgis_process)
AHP_EDITOR = __name__.rsplit(".", 1)[0] + ".ahp_widget.AhpMatrixWidgetWrapper"
DEFAULT_CRITERIA = ("grid", "cooling", "population_distance", "population_density", "demand")


class _ScoringAlgorithm(_ScreeningAlgorithm):
    SITES = "SITES"
    AHP_MATRIX = "AHP_MATRIX"
    SCREENING = "SCREENING"

    def group(self) -> str:
        return tr("Scoring and ranking")

    def groupId(self) -> str:
        return "scoring"

    def init_scoring_inputs(self, sites: bool) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.SCREENING, tr("Screening to reuse: its manifest (JSON) or output folder (empty: screen here with the "
                               "region, profile and data below)"),
            behavior=QgsProcessingParameterFile.Behavior.File, optional=True))  # no filter: a folder is accepted too
        self.init_inputs()
        if sites:
            self.addParameter(QgsProcessingParameterFeatureSource(
                self.SITES, tr("Your own sites (points or parcels, any CRS; empty: the best place per candidate area)"),
                [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon], optional=True))
        matrix = QgsProcessingParameterMatrix(
            self.AHP_MATRIX, tr("AHP pairwise comparison matrix (rows and columns in the order of the profile's scoring "
                                "criteria; empty: the profile's weights)"),
            numberRows=len(DEFAULT_CRITERIA), hasFixedNumberRows=False, headers=list(DEFAULT_CRITERIA),
            defaultValue=None, optional=True)
        # the dialog's editor: labelled with the chosen profile's criteria and pre-filled with its matrix
        matrix.setMetadata({"widget_wrapper": {"class": AHP_EDITOR}})
        self.addParameter(self._advanced(matrix))
        self.init_overwrite()

    def checkParameterValues(self, parameters: dict[str, Any], context: QgsProcessingContext) -> tuple[bool, str]:
        """Before any work: a screening folder stands for its manifest.json; a sweep needs its output."""
        checked = dict(parameters)
        screening = checked.get(self.SCREENING)
        if isinstance(screening, str) and screening and Path(screening).is_dir():
            checked[self.SCREENING] = str(Path(screening) / "manifest.json")
            if not Path(checked[self.SCREENING]).is_file():
                return False, tr("Screening {path}: no manifest found. Choose the manifest (JSON) a screening wrote, "
                                 "or the folder that holds its manifest.json.").format(path=screening)
        ok, message = super().checkParameterValues(checked, context)
        if ok and "SWEEP" in [d.name() for d in self.parameterDefinitions()]:
            sweep = (self.parameterAsString(parameters, "SWEEP", context) or "").strip()
            if sweep and not parameters.get("SWEEPS"):
                return False, tr("A threshold sweep was given but no file for 'Threshold sweeps (CSV)': choose one, "
                                 "or clear 'Threshold sweep'.")
        return ok, message

    def _scoring_run(self, parameters: dict[str, Any], context: QgsProcessingContext,
                     feedback: QgsProcessingFeedback, work: Path, ctx: Any) -> tuple[Any, Any, Any]:
        from ..core.config.scoring import with_ahp_matrix
        from ..core.data.layers import LayerInput
        from ..core.exclusion.compute import compute_exclusion
        from ..core.pipeline.rank import scoring_spec

        screening = self.parameterAsFile(parameters, self.SCREENING, context)
        if screening:
            from .runs import manifest_path, reuse

            result, _reused = reuse(manifest_path(screening), ctx.stage(0.0, 0.4))
        else:
            request = self.build_request(parameters, context, work, feedback, targets={})
            result = compute_exclusion(request, ctx.stage(0.0, 0.4))
        spec = scoring_spec(result.profile)
        matrix = [v for v in (self.parameterAsMatrix(parameters, self.AHP_MATRIX, context) or [])
                  if v is not None and str(v).strip() not in ("", "NULL")]  # empty cells: no matrix given
        if matrix:
            spec = with_ahp_matrix(spec, matrix, tr("AHP matrix parameter"))
            feedback.pushInfo(tr("Weights from the AHP matrix: {weights} (CR {cr:.3f})").format(
                weights=", ".join(f"{n} {w:.3f}" for n, w in zip(spec.names, spec.weights)),
                cr=spec.ahp.consistency_ratio))
        sites = None
        if self.SITES in [d.name() for d in self.parameterDefinitions()]:
            source = self.parameterAsSource(parameters, self.SITES, context)
            if source is not None:
                sites = LayerInput(self._export(source, "sites", work), "sites",
                                   label=f"QGIS layer {source.sourceName()!r}")
        return result, spec, sites

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        require_engine()
        from ..core.outputs import AtomicOutputs

        ctx = run_context(feedback)
        targets = self._targets(parameters, context)
        overwrite = self.parameterAsBool(parameters, self.OVERWRITE, context)
        with engine_errors():
            AtomicOutputs(targets, overwrite).check()
            with tempfile.TemporaryDirectory(prefix="smr_siting_", dir=QgsProcessingUtils.tempFolder()) as tmp:
                result, spec, sites = self._scoring_run(parameters, context, feedback, Path(tmp), ctx)
                self._run_names = (result.region.name, result.profile.name)
                outputs = AtomicOutputs(targets, overwrite)
                extra = self.compute_and_write(parameters, context, result, spec, sites, outputs, targets, ctx)
        results: dict[str, Any] = dict(extra)
        from .layers import run_group_name

        group = run_group_name(*self._run_names)
        for key, name in self.OUTPUTS.items():
            if key in targets:
                results[name] = str(targets[key])
                self._style_output(str(targets[key]), key, context, group)
        return results

    def compute_and_write(self, parameters: dict[str, Any], context: QgsProcessingContext, result: Any, spec: Any,
                          sites: Any, outputs: Any, targets: dict[str, Path], ctx: Any) -> dict[str, Any]:
        raise NotImplementedError


class SuitabilityAlgorithm(_ScoringAlgorithm):
    OUTPUTS = {"suitability": "SUITABILITY"}

    def name(self) -> str:
        return "suitability"

    def displayName(self) -> str:
        return tr("Suitability surface")

    def shortHelpString(self) -> str:
        return tr("Scores the land that no rule excludes, 0..1: each scoring criterion of the profile is measured "
                  "(e.g. metres to a substation), standardised (linear, sigmoid, bands or categories, as the profile "
                  "cites) and combined with the profile's weights (direct or AHP; WLC or OWA). Excluded cells and "
                  "land outside the region get no value.") + _input_help()

    def initAlgorithm(self, config: Any = None) -> None:
        self.init_scoring_inputs(sites=False)
        self.addParameter(QgsProcessingParameterRasterDestination("SUITABILITY", tr("Suitability (0..1)"),
                                                                 defaultValue=TEMPORARY))

    def compute_and_write(self, parameters, context, result, spec, sites, outputs, targets, ctx):  # noqa: ANN001, ANN201
        from ..core.outputs import write_style
        from ..core.pipeline.rank import write_suitability_tif
        from ..core.scoring.suitability import compute_suitability

        surface = compute_suitability(result, spec, ctx.stage(0.4, 0.95))
        with outputs:
            write_suitability_tif(outputs.temp(targets["suitability"]), surface, spec)
            write_style(outputs.temp(targets["suitability"].with_suffix(".qml")), "suitability.qml")
            ctx.check_cancelled()
            outputs.commit()
        return {}


class RankSitesAlgorithm(_ScoringAlgorithm):
    OUTPUTS = {"ranked": "RANKED_SITES", "ranked_csv": "RANKED_CSV", "suitability": "SUITABILITY",
               "ranking": "RANKING"}

    def name(self) -> str:
        return "ranksites"

    def displayName(self) -> str:
        return tr("Rank candidate sites (with explanations)")

    def shortHelpString(self) -> str:
        return tr("Ranks your sites, or the best place in each candidate area, by the profile's scoring (WLC score or "
                  "TOPSIS closeness). Per site: rank, score, each criterion's raw value in words (e.g. '2.3 km to "
                  "Waal'), its standardised score and weighted contribution, every exclusion rule it breaks, and its "
                  "municipality and province.") + _input_help()

    def initAlgorithm(self, config: Any = None) -> None:
        self.init_scoring_inputs(sites=True)
        self.addParameter(QgsProcessingParameterVectorDestination(
            "RANKED_SITES", tr("Ranked sites"), QgsProcessing.TypeVectorPoint, defaultValue=TEMPORARY))
        self.addParameter(QgsProcessingParameterFileDestination(
            "RANKED_CSV", tr("Ranked sites (CSV)"), fileFilter="CSV (*.csv)", optional=True, createByDefault=True,
            defaultValue=TEMPORARY))
        self.addParameter(QgsProcessingParameterRasterDestination(
            "SUITABILITY", tr("Suitability (0..1)"), optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            "RANKING", tr("Ranking description (JSON: criteria, weights, standardisations; the report reads it)"),
            fileFilter="JSON (*.json)", optional=True, createByDefault=False))

    def compute_and_write(self, parameters, context, result, spec, sites, outputs, targets, ctx):  # noqa: ANN001, ANN201
        from ..core.outputs import write_gpkg, write_json, write_style
        from ..core.pipeline.rank import score_sites, write_suitability_tif
        from ..core.scoring.sites import STATUS_RANKED, write_sites_csv

        surface, table, summary = score_sites(result, spec, sites, ctx.stage(0.4, 0.95))
        with outputs:
            write_gpkg(outputs.temp(targets["ranked"]), table, "ranked_sites", geometry_type="Point")
            unranked_as_null(outputs.temp(targets["ranked"]), "ranked_sites", spec)
            write_style(outputs.temp(targets["ranked"].with_suffix(".qml")), "ranked_sites.qml")
            if "ranked_csv" in targets:
                write_sites_csv(outputs.temp(targets["ranked_csv"]), table, spec)
            if "suitability" in targets:
                write_suitability_tif(outputs.temp(targets["suitability"]), surface, spec)
                write_style(outputs.temp(targets["suitability"].with_suffix(".qml")), "suitability.qml")
            if "ranking" in targets:  # what 'smr-siting rank' writes as ranking.json
                write_json(outputs.temp(targets["ranking"]), summary)
            ctx.check_cancelled()
            outputs.commit()
        return {"RANKED_COUNT": int((table["status"] == STATUS_RANKED).sum()) if len(table) else 0}


def unranked_as_null(path: Path, layer: str, spec: Any) -> None:
    """In the QGIS layer a site that is not ranked (excluded, outside the region, footprint does not fit, not scored)
    has rank, score, TOPSIS closeness and every criterion's score and contribution NULL — not rank -1 and a score it
    cannot have; its status says why in words.  The CSV keeps the command line's values (rank -1), byte for byte."""
    from osgeo import ogr

    from ..core.data.vectorio import fixed_gpkg_dates
    from ..core.scoring.sites import STATUS_RANKED

    columns = ["rank", "score", "topsis"]
    for criterion in spec.criteria:
        columns += [f"{criterion.id}_score", f"{criterion.id}_contribution"]
    with fixed_gpkg_dates():  # through GDAL: the GeoPackage's triggers need its SQL functions
        source = ogr.Open(str(path), 1)
        table = source.GetLayerByName(layer)
        definition = table.GetLayerDefn()
        present = {definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())}
        assignments = ", ".join(f'"{c}" = NULL' for c in columns if c in present)
        status = STATUS_RANKED.replace("'", "''")
        source.ExecuteSQL(f'UPDATE "{layer}" SET {assignments} WHERE "status" IS NOT \'{status}\'')
        del table, source  # closes the file


class SensitivityAlgorithm(_ScoringAlgorithm):
    OUTPUTS = {"sensitivity": "SENSITIVITY", "sweeps": "SWEEPS"}

    def name(self) -> str:
        return "sensitivity"

    def displayName(self) -> str:
        return tr("Sensitivity of the ranking")

    def shortHelpString(self) -> str:
        return tr("How stable is the ranking? Monte Carlo on the weights (Dirichlet around the chosen weights, "
                  "seeded: the same seed gives the same numbers): per site the share of runs at rank 1, in the top 3 "
                  "and top 5, and a rank interval; each site's rank with each criterion left out; and, optionally, "
                  "threshold sweeps (e.g. cooling_water=1km,2km,5km,10km: km² left and candidate areas per value).") \
            + _input_help()

    def initAlgorithm(self, config: Any = None) -> None:
        self.init_scoring_inputs(sites=True)
        self.addParameter(QgsProcessingParameterNumber(
            "SAMPLES", tr("Monte Carlo samples"), QgsProcessingParameterNumber.Integer, defaultValue=1000,
            minValue=1, maxValue=1_000_000))
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", tr("Random seed"), QgsProcessingParameterNumber.Integer, defaultValue=1, minValue=0))
        self.addParameter(QgsProcessingParameterString(
            "SWEEP", tr("Threshold sweep: RULE=D1,D2,… (e.g. cooling_water=1km,2km,5km,10km; several separated by ';')"),
            defaultValue="", optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "SENSITIVITY", tr("Sensitivity per site (CSV)"), fileFilter="CSV (*.csv)", defaultValue=TEMPORARY))
        self.addParameter(QgsProcessingParameterFileDestination(
            "SWEEPS", tr("Threshold sweeps (CSV)"), fileFilter="CSV (*.csv)", optional=True, createByDefault=False))

    def compute_and_write(self, parameters, context, result, spec, sites, outputs, targets, ctx):  # noqa: ANN001, ANN201
        from ..core.model.errors import SmrSitingError
        from ..core.outputs import write_json
        from ..core.pipeline.rank import (
            SWEEP_COLUMNS,
            _write_csv,
            chosen_concentration,
            parse_sweep,
            score_sites,
            sensitivity_description,
            sensitivity_rows,
            sweep_rows,
        )

        sweep_text = self.parameterAsString(parameters, "SWEEP", context) or ""
        sweeps = [parse_sweep(s) for s in sweep_text.split(";") if s.strip()]
        if sweeps and "sweeps" not in targets:  # checkParameterValues refuses this before any work
            raise SmrSitingError(tr("A threshold sweep was given but no file for 'Threshold sweeps (CSV)'"),
                                 tr("Choose one, or clear 'Threshold sweep'"))
        # sensitivity.json beside the table, as on the command line: samples, seed, concentration, weight spread
        description_path = targets["sensitivity"].with_suffix(".json")
        if description_path.exists() and not self.parameterAsBool(parameters, self.OVERWRITE, context):
            raise SmrSitingError(
                tr("output already exists: {name}").format(name=description_path),
                tr("Choose another file for 'Sensitivity per site', or tick 'Replace output files that already exist'"))
        _surface, table, _summary = score_sites(result, spec, sites, ctx.stage(0.4, 0.7))
        samples, seed = self.parameterAsInt(parameters, "SAMPLES", context), self.parameterAsInt(parameters, "SEED",
                                                                                                context)
        concentration, source = chosen_concentration(spec)  # the profile's spread, as on the CLI
        rows, columns, mc = sensitivity_rows(table, spec, samples, seed, concentration, with_samples=True)
        description = sensitivity_description(spec, samples, seed, concentration, source, mc)
        sweep_table = sweep_rows(result.request, result.profile, sweeps, ctx.stage(0.7, 0.98)) if sweeps else []
        with outputs:
            _write_csv(outputs.temp(targets["sensitivity"]), rows, columns)
            write_json(outputs.temp(description_path), description)
            if "sweeps" in targets:
                _write_csv(outputs.temp(targets["sweeps"]), sweep_table, SWEEP_COLUMNS)
            ctx.check_cancelled()
            outputs.commit()
        return {}
