"""Processing algorithms: thin adapters from QGIS parameters and layers to the engine.

The engine (``smr_siting.core``) is imported lazily inside ``processAlgorithm`` so that the
algorithms stay registered (saved models and history still resolve) even where geopandas or
rasterio are missing; running one then says how to install them.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsVectorFileWriter,
)

from ..core.config.profile import builtin_profiles
from ..core.data.catalogue import load_catalogue
from ..core.model.i18n import localised
from ..qt_translation import tr
from .common import SmrAlgorithm, engine_errors, require_engine, run_context

SHAPES = ["", "square", "circle", "rectangle"]
#: the dialog's profile choice (it shows only the chosen profile's layer slots), named by its module path: imported
#: by the algorithm dialog only, never by qgis_process
PROFILE_EDITOR = __name__.rsplit(".", 1)[0] + ".profile_widget.ProfileWidgetWrapper"
#: destinations default to a temporary file, so that a run with only the region given (processing.run, a model) works
TEMPORARY = QgsProcessing.TEMPORARY_OUTPUT


def _styles_dir() -> Path:
    here = Path(__file__).resolve().parents[1]
    for candidate in (here / "resources" / "styles", here.parent / "resources" / "styles"):
        if candidate.is_dir():
            return candidate
    return here / "resources" / "styles"



def inputs_folder(targets: dict[str, Path]) -> Path:
    """Where a screening keeps the QGIS layers it was given: ``inputs/`` beside its manifest (or first output)."""
    anchor = targets.get("manifest") or sorted(targets.values())[0]
    return anchor.parent / "inputs"

class _ScreeningAlgorithm(SmrAlgorithm):
    """Shared inputs: region, profile, data folder, layer overrides, resolution, footprint."""

    REGION = "REGION"
    REGION_LAYER = "REGION_LAYER"
    REGION_LIST = "REGION_LIST"
    REGION_EXTENT = "REGION_EXTENT"
    PROFILE = "PROFILE"
    PROFILE_FILE = "PROFILE_FILE"
    DATA = "DATA"
    RESOLUTION = "RESOLUTION"
    FOOTPRINT_HA = "FOOTPRINT_HA"
    FOOTPRINT_SHAPE = "FOOTPRINT_SHAPE"
    DESIGN = "DESIGN"
    OVERWRITE = "OVERWRITE"
    LAYER_PREFIX = "LAYER_"

    #: output key in the engine → (parameter name, kind) — set by subclasses
    OUTPUTS: dict[str, str] = {}

    def __init__(self) -> None:
        super().__init__()
        self._post_processors: list[Any] = []  # keep references (qgis/QGIS#47533)

    # ---------------------------------------------------------------- identity
    def group(self) -> str:
        return tr("Screening")

    def groupId(self) -> str:
        return "screening"

    # ---------------------------------------------------------------- parameters
    def _advanced(self, parameter: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
        parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        return parameter

    def init_inputs(self) -> None:
        self.addParameter(QgsProcessingParameterString(
            self.REGION, tr("Region: province or municipality name or CBS code (e.g. Gelderland, PV25, GM0202)"),
            defaultValue="", optional=True))
        regions = region_choices()
        self.addParameter(QgsProcessingParameterEnum(
            self.REGION_LIST, tr("…or choose it: the 12 provinces, then the municipalities (with their CBS code)"),
            options=regions, allowMultiple=False, defaultValue=None, optional=True, usesStaticStrings=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.REGION_LAYER, tr("…or a region polygon layer (its selected features, or all of them together; "
                                  "overrides the name)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterExtent(
            self.REGION_EXTENT, tr("…or an extent, e.g. the map canvas's (any CRS; overrides the name and the list)"),
            defaultValue=None, optional=True))
        profile = QgsProcessingParameterEnum(
            self.PROFILE, tr("Criteria profile"), options=builtin_profiles(), defaultValue="nl-default",
            usesStaticStrings=True)  # scripts write PROFILE=nl-strict, not an index
        profile.setMetadata({"widget_wrapper": {"class": PROFILE_EDITOR}})  # the dialog shows the profile's slots
        self.addParameter(profile)
        self.addParameter(QgsProcessingParameterFile(
            self.PROFILE_FILE, tr("…or a profile file (YAML; overrides the list above)"),
            behavior=QgsProcessingParameterFile.File, extension="yaml", optional=True))
        from ..core.config.designs import builtin_designs

        self.addParameter(QgsProcessingParameterEnum(
            self.DESIGN, tr("Reactor design (empty: the profile's default, if any): sets the footprint, emergency "
                            "zones and cooling"),
            options=builtin_designs(), optional=True, usesStaticStrings=True))  # scripts write DESIGN=bwrx-300
        self.addParameter(QgsProcessingParameterFile(
            self.DATA, tr("Data folder with the catalogue's layers (empty: the fetch cache, else the embedded national "
                          "pack; see Processing › Options › Providers)"),
            behavior=QgsProcessingParameterFile.Folder, optional=True))
        self.addParameter(self._advanced(QgsProcessingParameterNumber(
            self.RESOLUTION, tr("Cell size [m] (empty: the profile's, 25 m)"), QgsProcessingParameterNumber.Double,
            defaultValue=None, optional=True, minValue=1.0, maxValue=1000.0)))
        used = shipped_profile_slots()
        for entry in sorted(load_catalogue().entries.values(), key=lambda e: (e.id not in used, e.id)):
            parameter = self._advanced(QgsProcessingParameterFeatureSource(
                self.LAYER_PREFIX + entry.id.upper(),
                tr("Layer for '{id}' ({title}) instead of the data folder's").format(
                    id=entry.id, title=localised(entry.title, entry.title_nl)),
                [QgsProcessing.TypeVectorAnyGeometry], optional=True))
            if entry.id not in used:  # no shipped profile reads it: kept for scripts and own profiles, not shown
                parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagHidden)
            self.addParameter(parameter)

    def init_footprint(self) -> None:
        self.addParameter(self._advanced(QgsProcessingParameterNumber(
            self.FOOTPRINT_HA, tr("SMR footprint [ha] (empty: the profile's, 10 ha in nl-default)"),
            QgsProcessingParameterNumber.Double, defaultValue=None, optional=True, minValue=0.01, maxValue=10000.0)))
        self.addParameter(self._advanced(QgsProcessingParameterEnum(
            self.FOOTPRINT_SHAPE, tr("Footprint shape (empty: the profile's)"),
            options=[tr("profile's shape"), tr("square"), tr("circle"), tr("rectangle")], defaultValue=0)))

    def init_overwrite(self) -> None:
        self.addParameter(QgsProcessingParameterBoolean(
            self.OVERWRITE, tr("Replace output files that already exist"), defaultValue=False))

    # ---------------------------------------------------------------- building the engine request
    def _export(self, source, name: str, folder: Path) -> Path:  # noqa: ANN001 - QgsProcessingFeatureSource
        """Write a feature source (any provider, selection respected) to a temporary GeoPackage."""
        if not source.sourceCrs().isValid():
            raise QgsProcessingException(tr(
                "QGIS layer {layer!r} has no coordinate reference system. Assign one (Layer Properties › Source) "
                "and run again.").format(layer=source.sourceName()))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f".{name}.partial.gpkg"
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = name
        writer = QgsVectorFileWriter.create(str(path), source.fields(), source.wkbType(), source.sourceCrs(),
                                            QgsCoordinateTransformContext(), options)
        if writer.hasError() != QgsVectorFileWriter.WriterError.NoError:
            raise QgsProcessingException(tr("Cannot export layer {name}: {error}").format(
                name=source.sourceName(), error=writer.errorMessage()))
        for feature in source.getFeatures():
            writer.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        del writer
        import hashlib

        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        final = folder / f"{name}-{digest}.gpkg"
        path.replace(final)
        exported = getattr(self, "_exported", None)
        if exported is not None:
            exported.append(final)
        return final

    def build_request(self, parameters: dict[str, Any], context: QgsProcessingContext, work: Path,
                      feedback: QgsProcessingFeedback | None = None, targets: dict[str, Path] | None = None) -> Any:
        """The engine's request.  ``targets``: the outputs already resolved (asking QGIS again for a temporary
        output would give a new path, and QGIS would wait for a layer that is never written)."""
        from ..core.data.layers import LayerInput
        from ..core.exclusion.compute import ScreeningRequest

        region = (self.parameterAsString(parameters, self.REGION, context) or "").strip()
        if not region and self.REGION_LIST in parameters:
            region = region_from_choice(self.parameterAsEnumString(parameters, self.REGION_LIST, context) or "")
        region_source = self.parameterAsSource(parameters, self.REGION_LAYER, context)
        if region_source is not None:
            region = str(self._export(region_source, "region", work))
        elif self._extent_given(parameters):
            region = str(self._export_extent(self.extent_region(parameters, context), work, context))
        if not region:
            raise QgsProcessingException(tr("No region given: type a province or municipality name (e.g. Gelderland) "
                                            "or choose a region polygon layer."))
        profile_file = self.parameterAsFile(parameters, self.PROFILE_FILE, context)
        profile = profile_file or self.parameterAsEnumString(parameters, self.PROFILE, context) or "nl-default"
        data = self.parameterAsFile(parameters, self.DATA, context)
        fallback = None
        if not data:
            from .settings import default_data

            choice = default_data()
            data, fallback = choice.data_dir, choice.fallback_dir
            if feedback is not None:
                feedback.pushInfo(choice.description)
        layers = {}
        for entry in load_catalogue().entries.values():
            name = self.LAYER_PREFIX + entry.id.upper()
            source = self.parameterAsSource(parameters, name, context)
            if source is not None:
                path = self._export(source, entry.id, work)
                layers[entry.id] = LayerInput(path, entry.id, label=f"QGIS layer {source.sourceName()!r}")
        resolution = parameters.get(self.RESOLUTION)
        footprint = parameters.get(self.FOOTPRINT_HA)
        shape_index = self.parameterAsEnum(parameters, self.FOOTPRINT_SHAPE, context) \
            if self.FOOTPRINT_SHAPE in parameters else 0
        return ScreeningRequest(
            region=region, profile=profile, data_dir=Path(data) if data else None, layers=layers, fallback_dir=fallback,
            resolution_m=None if resolution in (None, "") else self.parameterAsDouble(parameters, self.RESOLUTION,
                                                                                    context),
            footprint_ha=None if footprint in (None, "") else self.parameterAsDouble(parameters, self.FOOTPRINT_HA,
                                                                                  context),
            footprint_shape=SHAPES[shape_index] or None if shape_index < len(SHAPES) else None,
            exclusion_vector="exclusion_vector" in (targets if targets is not None else
                                                    self._targets(parameters, context)),
            design=(self.parameterAsEnumString(parameters, self.DESIGN, context) or None)
            if parameters.get(self.DESIGN) not in (None, "") else None,
        )

    def checkParameterValues(self, parameters: dict[str, Any], context: QgsProcessingContext) -> tuple[bool, str]:
        """Before any work: an extent given as the region must cover part of the Netherlands."""
        if self._extent_given(parameters) and self.parameterAsSource(parameters, self.REGION_LAYER, context) is None:
            try:
                self.extent_region(parameters, context)
            except QgsProcessingException as error:
                return False, str(error)
        return super().checkParameterValues(parameters, context)

    def _extent_given(self, parameters: dict[str, Any]) -> bool:
        return self.REGION_EXTENT in [d.name() for d in self.parameterDefinitions()] and \
            parameters.get(self.REGION_EXTENT) not in (None, "")

    def extent_region(self, parameters: dict[str, Any], context: QgsProcessingContext) -> Any:
        """The extent as a polygon in EPSG:28992 (reprojected from whatever CRS it was given in)."""
        rd = QgsCoordinateReferenceSystem("EPSG:28992")
        rectangle = self.parameterAsExtent(parameters, self.REGION_EXTENT, context, rd)
        if rectangle.isNull() or rectangle.isEmpty() or rectangle.width() <= 0 or rectangle.height() <= 0:
            raise QgsProcessingException(tr(
                "The region extent is empty. Draw an extent on the map or take the map canvas's extent for "
                "'…or an extent', or clear it and choose a region by name."))
        geometry = self.parameterAsExtentGeometry(parameters, self.REGION_EXTENT, context, rd)
        if not intersects_netherlands(geometry.asWkt()):
            raise QgsProcessingException(tr(
                "The region extent ({extent} in EPSG:28992) lies outside the Netherlands. Choose an extent over a "
                "Dutch province or municipality, or a region by name.").format(
                    extent=rectangle.toString(0)))
        return geometry

    def _export_extent(self, geometry: Any, work: Path, context: QgsProcessingContext) -> Path:
        from qgis.core import QgsFeature, QgsProcessingFeatureSource, QgsVectorLayer

        layer = QgsVectorLayer("Polygon?crs=EPSG:28992", "extent", "memory")
        feature = QgsFeature(layer.fields())
        feature.setGeometry(geometry)
        layer.dataProvider().addFeatures([feature])
        return self._export(QgsProcessingFeatureSource(layer, context), "extent", work)

    # ---------------------------------------------------------------- running
    def _output_path(self, parameters: dict[str, Any], name: str, context: QgsProcessingContext,
                     silent: bool = False) -> str:
        if name not in [d.name() for d in self.destinationParameterDefinitions()]:
            return ""
        definition = self.parameterDefinition(name)
        if isinstance(definition, QgsProcessingParameterFileDestination):
            return self.parameterAsFileOutput(parameters, name, context) or ""
        return self.parameterAsOutputLayer(parameters, name, context) or ""

    def _targets(self, parameters: dict[str, Any], context: QgsProcessingContext) -> dict[str, Path]:
        targets = {}
        for key, name in self.OUTPUTS.items():
            path = self._output_path(parameters, name, context)
            if path:
                if path.startswith(("memory:", "postgres:", "ogr:")) or "|" in path:
                    raise QgsProcessingException(tr("Output {name} must be a file (GeoTIFF, GeoPackage, CSV or JSON), "
                                                    "not {path}").format(name=name, path=path))
                targets[key] = Path(path)
        return targets

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        require_engine()
        from ..core.api import Screening
        from ..core.outputs import AtomicOutputs

        ctx = run_context(feedback)
        overwrite = self.parameterAsBool(parameters, self.OVERWRITE, context)
        targets = self._targets(parameters, context)
        with engine_errors():
            AtomicOutputs(targets, overwrite).check()
            # QGIS layers given as inputs are exported beside the outputs (inputs/, named by content), not into a
            # temporary folder: the manifest records them with their sha256, so verify, rank and sensitivity on
            # this folder find them later.  A failed or cancelled run removes what it exported.
            keep = inputs_folder(targets)
            self._exported = []
            try:
                request = self.build_request(parameters, context, keep, feedback, targets)
                screening = Screening.from_request(request, ctx, cache=None)
                screening.write_targets(targets, overwrite, candidates="candidates" in targets, guard=False)
                result = screening.result
            except BaseException:
                for path in self._exported:
                    path.unlink(missing_ok=True)
                if keep.is_dir() and not any(keep.iterdir()):
                    keep.rmdir()
                raise
        if "manifest" in targets:
            from .runs import remember

            remember(targets["manifest"], result)  # a scoring step given this manifest reuses the exclusion
        from .settings import remember_inputs

        remember_inputs(parameters, self, context)  # the menu entry's dialog starts from these next time
        totals = result.totals()
        results: dict[str, Any] = {
            "REGION_KM2": totals["region_km2_cells"], "EXCLUDED_KM2": totals["excluded_km2"],
            "NOT_EXCLUDED_KM2": totals["not_excluded_km2"],
        }
        if "candidates" in targets:
            results["CANDIDATE_COUNT"] = len(screening.candidates)
        from .layers import run_group_name

        group = run_group_name(result.region.name, result.profile.name)
        for key, name in self.OUTPUTS.items():
            if key in targets:
                results[name] = str(targets[key])
                self._style_output(str(targets[key]), key, context, group)
        return results

    LAYER_NAMES = {"exclusion": "Exclusion reasons", "candidates": "Candidate areas",
                   "exclusion_vector": "Exclusion polygons per rule", "suitability": "Suitability",
                   "ranked": "Ranked sites"}
    TABLE_NAMES = {"summary_csv": "Per-rule table", "sensitivity": "Sensitivity per site", "sweeps": "Threshold sweeps"}

    def _style_output(self, path: str, key: str, context: QgsProcessingContext, group: str = "") -> None:
        from .layers import RunLayer, load_table

        if key in self.TABLE_NAMES:
            load_table(Path(path), tr(self.TABLE_NAMES[key]), key, group, context, self._post_processors)
            return
        if key not in self.LAYER_NAMES or not context.willLoadLayerOnCompletion(path):
            return
        details = context.layerToLoadOnCompletionDetails(path)
        details.name = tr(self.LAYER_NAMES[key])
        qml = Path(path).with_suffix(".qml")  # the engine writes the style beside the output
        processor = RunLayer(key, qml, group)
        self._post_processors.append(processor)
        details.setPostProcessor(processor)

    def add_number_outputs(self, candidates: bool) -> None:
        self.addOutput(QgsProcessingOutputNumber("REGION_KM2", tr("Region area [km²] (cells)")))
        self.addOutput(QgsProcessingOutputNumber("EXCLUDED_KM2", tr("Excluded area [km²]")))
        self.addOutput(QgsProcessingOutputNumber("NOT_EXCLUDED_KM2", tr("Area not excluded [km²]")))
        if candidates:
            self.addOutput(QgsProcessingOutputNumber("CANDIDATE_COUNT", tr("Number of candidate areas")))

    # ---------------------------------------------------------------- outputs
    def add_exclusion_outputs(self, summary_default: bool = True) -> None:
        self.addParameter(QgsProcessingParameterRasterDestination(
            "EXCLUSION", tr("Exclusion reasons (GeoTIFF: one bit per rule)"), defaultValue=TEMPORARY))
        self.addParameter(QgsProcessingParameterFileDestination(
            "SUMMARY", tr("Per-rule table (CSV)"), fileFilter="CSV (*.csv)", optional=True,
            createByDefault=summary_default, defaultValue=TEMPORARY if summary_default else None))
        self.addParameter(QgsProcessingParameterFileDestination(
            "SUMMARY_JSON", tr("Summary (JSON)"), fileFilter="JSON (*.json)", optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterVectorDestination(
            "EXCLUSION_VECTOR", tr("Exclusion polygons per rule (dissolved; Identify on them lists a place's rules)"),
            QgsProcessing.TypeVectorPolygon, optional=True, createByDefault=True, defaultValue=TEMPORARY))

    def add_manifest_output(self) -> None:
        self.addParameter(QgsProcessingParameterFileDestination(
            "MANIFEST", tr("Manifest: inputs with sha256, profile, versions (JSON)"), fileFilter="JSON (*.json)",
            optional=True, createByDefault=True, defaultValue=TEMPORARY))

    def add_candidate_output(self) -> None:
        self.addParameter(QgsProcessingParameterVectorDestination(
            "CANDIDATES", tr("Candidate areas (where the footprint fits)"), QgsProcessing.TypeVectorPolygon,
            defaultValue=TEMPORARY))


@functools.lru_cache(maxsize=1)
def _region_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(provinces, 'Municipality (GMxxxx)') from the boundaries the plugin ships (the embedded national pack)."""
    from .settings import national_pack_dir

    pack = national_pack_dir()
    catalogue = load_catalogue()
    provinces: list[str] = []
    municipalities: list[str] = []
    if pack is None:
        return (), ()
    try:
        from osgeo import ogr
    except ImportError:
        return (), ()
    for slot, out in (("provinces", provinces), ("municipalities", municipalities)):
        entry = catalogue.get(slot)
        local = next((f for f in entry.files if (pack / f.file).is_file()), None) if entry else None
        if local is None:
            continue
        source = ogr.Open(str(pack / local.file))
        layer = source.GetLayerByName(local.layer) if local.layer else source.GetLayer(0)
        for feature in layer:
            name = feature.GetField(entry.name_field or "statnaam")
            code = feature.GetField(entry.code_field) if entry.code_field else None
            out.append(str(name) if slot == "provinces" else f"{name} ({code})")
    return tuple(sorted(provinces)), tuple(sorted(municipalities, key=str.casefold))


@functools.lru_cache(maxsize=8)
def intersects_netherlands(wkt: str) -> bool:
    """Whether a polygon (WKT, EPSG:28992) touches a Dutch municipality of the embedded pack's boundaries (without
    the pack: the Netherlands' bounding box)."""
    from .settings import national_pack_dir

    try:
        from osgeo import ogr
    except ImportError:  # pragma: no cover - GDAL comes with QGIS
        ogr = None
    pack = national_pack_dir()
    entry = load_catalogue().get("municipalities")
    local = next((f for f in entry.files if (pack / f.file).is_file()), None) if (pack and entry) else None
    if ogr is None or local is None:
        from qgis.core import QgsGeometry, QgsRectangle

        return QgsGeometry.fromWkt(wkt).intersects(QgsRectangle(-7_000, 289_000, 300_000, 629_000))
    polygon = ogr.CreateGeometryFromWkt(wkt)
    source = ogr.Open(str(pack / local.file))
    layer = source.GetLayerByName(local.layer) if local.layer else source.GetLayer(0)
    layer.SetSpatialFilter(polygon)
    return any(feature.GetGeometryRef() is not None and feature.GetGeometryRef().Intersects(polygon)
               for feature in layer)


def region_choices() -> list[str]:
    provinces, municipalities = _region_names()
    return [*provinces, *municipalities]


def region_from_choice(choice: str) -> str:
    """'Ede (GM0228)' → 'GM0228' (a code is unambiguous: Utrecht and Groningen are provinces too); a province as is."""
    choice = choice.strip()
    if choice.endswith(")") and " (" in choice:
        return choice.rsplit(" (", 1)[1][:-1]
    return choice


@functools.lru_cache(maxsize=1)
def shipped_profile_slots() -> frozenset[str]:
    """The layer slots any shipped profile can read (and the region lookup's): the overrides worth showing."""
    used: set[str] = set()
    for name in builtin_profiles():
        used |= profile_slots(name)
    return frozenset(used)


@functools.lru_cache(maxsize=16)
def profile_slots(profile: str) -> frozenset[str]:
    """The layer slots one profile (a built-in name or a file) can read — its rules' and scoring criteria's, in any
    alternative — and the region lookup's; every slot if the profile cannot be read (rather than none)."""
    from ..core.rules import load_profile

    catalogue = load_catalogue()
    used = {"provinces", "municipalities"}
    try:
        loaded = load_profile(profile, catalogue.ids)
    except Exception:  # noqa: BLE001 - a broken profile shows every slot rather than none
        return frozenset(catalogue.ids)
    used |= set(loaded.all_layer_ids) | set(loaded.layer_ids)
    for criterion in getattr(loaded.scoring, "criteria", ()) or ():
        used |= {source.layer for source in criterion.sources}
        used |= {source.layer for group in criterion.alternatives for source in group}
    for entry in catalogue.entries.values():
        used |= {entry.id for use in (getattr(entry, "used_by", None) or ()) if str(use).split("/")[0] == loaded.name}
    return frozenset(used & set(catalogue.ids))


def _input_help() -> str:
    return tr(
        "<h3>Inputs</h3> "
        "<ul> "
        "<li><b>Region</b>: a province or municipality by name or CBS code (Gelderland, PV25, GM0202), or a polygon layer "
        "(its selected features), or an extent (e.g. the map canvas's, in any CRS).</li> "
        "<li><b>Criteria profile</b>: nl-default, nl-strict or nl-datacentre, or your own YAML file. Every distance and "
        "threshold in a profile cites its source or says it is an assumption and which range to try.</li> "
        "<li><b>Data folder</b>: a folder with the layer catalogue's files (a cache fetched from PDOK, the demo pack, or "
        "your own). Left empty, the run reads the fetch cache and, for every layer it lacks, the national pack that "
        "comes with the plugin (the whole of the Netherlands); the outputs say which layers came from where. Any layer "
        "can be replaced by a loaded QGIS layer (advanced parameters).</li> "
        "<li><b>Cell size</b> [m]: default from the profile (25 m). The grid is EPSG:28992 and grows beyond the region by the "
        "largest rule distance, so distances and contiguous areas are right at the border.</li> "
        "<li><b>Footprint</b> [ha] and shape: the SMR site that must fit inside a candidate area.</li> "
        "<li><b>Replace output files</b>: off by default; existing outputs are then refused, never half-overwritten.</li> "
        "</ul> "
    )



class ExclusionMapAlgorithm(_ScreeningAlgorithm):
    OUTPUTS = {"exclusion": "EXCLUSION", "summary_csv": "SUMMARY", "summary_json": "SUMMARY_JSON",
               "exclusion_vector": "EXCLUSION_VECTOR", "manifest": "MANIFEST"}

    def name(self) -> str:
        return "exclusionmap"

    def displayName(self) -> str:
        return tr("Exclusion map with reasons")

    def shortHelpString(self) -> str:
        return tr("Applies every exclusion rule of a criteria profile to a region and writes one raster in which "
                  "each cell records <b>every</b> rule that excludes it (one bit per rule; the legend is in the "
                  "file's metadata, a .rules.json sidecar and the .qml style), plus a per-rule table: km² excluded "
                  "by the rule, by the rule only, cumulative in profile order, and share of the region.") + \
            _input_help()

    def initAlgorithm(self, config: Any = None) -> None:
        self.init_inputs()
        self.init_overwrite()
        self.add_exclusion_outputs()
        self.add_manifest_output()
        self.add_number_outputs(candidates=False)


class CandidateAreasAlgorithm(_ScreeningAlgorithm):
    OUTPUTS = {"candidates": "CANDIDATES", "manifest": "MANIFEST"}

    def name(self) -> str:
        return "candidateareas"

    def displayName(self) -> str:
        return tr("Candidate areas where an SMR footprint fits")

    def shortHelpString(self) -> str:
        return tr("Finds contiguous land that no rule excludes and in which the SMR footprint (area and shape) "
                  "fits wholly — not just the area total. Each area gets its area inside the region, the whole "
                  "contiguous area (also beyond the border), the usable area (land some fitting footprint covers), "
                  "its centroid and the municipality and province it lies in.") + \
            _input_help()

    def initAlgorithm(self, config: Any = None) -> None:
        self.init_inputs()
        self.init_footprint()
        self.init_overwrite()
        self.add_candidate_output()
        self.add_manifest_output()
        self.add_number_outputs(candidates=True)


class ScreenRegionAlgorithm(_ScreeningAlgorithm):
    OUTPUTS = {"exclusion": "EXCLUSION", "candidates": "CANDIDATES", "summary_csv": "SUMMARY",
               "summary_json": "SUMMARY_JSON", "exclusion_vector": "EXCLUSION_VECTOR", "manifest": "MANIFEST"}

    def name(self) -> str:
        return "screenregion"

    def displayName(self) -> str:
        return tr("Screen a region (exclusion map and candidate areas)")

    def shortHelpString(self) -> str:
        return tr("The whole screening in one step: the exclusion map with reasons, the per-rule table and the "
                  "candidate areas where the SMR footprint fits, with a manifest of every input (sha256), the "
                  "profile and the software versions.") + _input_help()

    def initAlgorithm(self, config: Any = None) -> None:
        self.init_inputs()
        self.init_footprint()
        self.init_overwrite()
        self.add_exclusion_outputs()
        self.add_candidate_output()
        self.add_manifest_output()
        self.add_number_outputs(candidates=True)
