"""Processing algorithm ``smr_siting:fetchlayers``: download the catalogue's layers for a region from
PDOK / CBS (and the other services the catalogue names) into a cache folder, which then serves as the
screening algorithms' data folder.  A thin adapter to :mod:`smr_siting.core.fetch` (imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..core.data.catalogue import load_catalogue
from ..qt_translation import tr
from .common import SmrAlgorithm, require_engine, run_context


def _fetchable_ids() -> list[str]:
    """Catalogue ids with a download service (the same rule as smr_siting.core.fetch, without importing it:
    the engine's heavy dependencies load only when the algorithm runs)."""
    kinds = ("ogc-api-features", "wfs", "arcgis-featureserver", "download")
    return sorted(e.id for e in load_catalogue().entries.values()
                  if (e.service or {}).get("fetch", True) is not False and str((e.service or {}).get("kind")) in kinds)


class FetchLayersAlgorithm(SmrAlgorithm):
    REGION = "REGION"
    LAYERS = "LAYERS"
    CACHE = "CACHE"
    OFFLINE = "OFFLINE"
    REFRESH = "REFRESH"
    MARGIN = "MARGIN"
    TIMEOUT = "TIMEOUT"
    RETRIES = "RETRIES"
    SERVICES = "SERVICES"
    CHECK = "CHECK"
    MIRROR = "MIRROR"

    # ---------------------------------------------------------------- identity
    def name(self) -> str:
        return "fetchlayers"

    def displayName(self) -> str:
        return tr("Fetch layers from PDOK / CBS into a cache folder")

    def group(self) -> str:
        return tr("Data")

    def groupId(self) -> str:
        return "data"

    def shortHelpString(self) -> str:
        return tr(
            "Downloads the layers a region needs from their official services (PDOK OGC API Features, WFS 2.0, "
            "CBS, RVO, Rijkswaterstaat; see layers/catalogue.yaml) into a cache folder: one GeoPackage per layer, "
            "in EPSG:28992, cut to the region's bounds grown by a margin, each with a provenance table (URL, "
            "query, time, feature count, sha256, licence, vintage). Use the cache folder as the data folder of "
            "the screening algorithms; their manifest then lists these provenance rows. "
            "<h3>Inputs</h3><ul>"
            "<li><b>Region</b>: a province or municipality name or CBS code (Gelderland, PV25, GM0228). The "
            "province and municipality boundaries are fetched first when the cache lacks them.</li>"
            "<li><b>Layers</b>: which catalogue layers to fetch.</li>"
            "<li><b>Offline</b>: contact no service; check that the cache holds the layers and report how old "
            "they are.</li>"
            "<li><b>Check the catalogue</b>: download nothing; probe each selected layer's service (landing page, "
            "GetCapabilities, collections) and report whether it is reachable, whether its typeName or collection "
            "and the attributes the catalogue uses are there, and its page cap. Fails with one line per mismatch."
            "</li></ul>"
            "Failed requests are retried with increasing waits; a failed or cancelled download never damages a "
            "layer fetched earlier, and a failed one resumes where it stopped on the next run.")

    # ---------------------------------------------------------------- parameters
    @staticmethod
    def _advanced(parameter: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
        parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        return parameter

    def initAlgorithm(self, config: Any = None) -> None:
        ids = _fetchable_ids()
        self.addParameter(QgsProcessingParameterString(
            self.REGION, tr("Region: province or municipality name or CBS code (e.g. Gelderland, PV25, GM0228)"),
            defaultValue="", optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.LAYERS, tr("Layers to fetch"), options=ids, allowMultiple=True, defaultValue=ids,
            usesStaticStrings=True))  # scripts write LAYERS=natura2000, not an index
        self.addParameter(QgsProcessingParameterBoolean(
            self.OFFLINE, tr("Offline: only check the cache and report how old its layers are"), defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CHECK, tr("Check the catalogue against the live services (download nothing)"), defaultValue=False))
        self.addParameter(self._advanced(QgsProcessingParameterBoolean(
            self.REFRESH, tr("Download again even where the cache already holds a layer for this region"),
            defaultValue=False)))
        self.addParameter(self._advanced(QgsProcessingParameterNumber(
            self.MARGIN, tr("Margin around the region [km]"), QgsProcessingParameterNumber.Double, defaultValue=30.0,
            minValue=0.0, maxValue=200.0)))
        self.addParameter(self._advanced(QgsProcessingParameterNumber(
            self.TIMEOUT, tr("Time-out per request [s]"), QgsProcessingParameterNumber.Double, defaultValue=60.0,
            minValue=1.0, maxValue=3600.0)))
        self.addParameter(self._advanced(QgsProcessingParameterNumber(
            self.RETRIES, tr("Retries after a time-out or a server error"), QgsProcessingParameterNumber.Integer,
            defaultValue=4, minValue=0, maxValue=20)))
        self.addParameter(self._advanced(QgsProcessingParameterString(
            self.SERVICES, tr("Other service URLs, e.g. a mirror: ID=URL, separated by ';' (ID=wfs:URL uses the "
                              "layer's WFS)"), defaultValue="", optional=True)))
        self.addParameter(self._advanced(QgsProcessingParameterString(
            self.MIRROR, tr("Mirror of the services: ask URL/HOST/PATH instead of https://HOST/PATH"), defaultValue="",
            optional=True)))
        from .settings import cache_dir

        self.addParameter(QgsProcessingParameterFolderDestination(  # a persistent folder in the QGIS profile
            self.CACHE, tr("Cache folder (use it as the screening's data folder)"), defaultValue=str(cache_dir())))
        self.addOutput(QgsProcessingOutputNumber("FETCHED", tr("Layers fetched or already up to date")))

    # ---------------------------------------------------------------- running
    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        feedback = feedback or QgsProcessingFeedback()
        require_engine()
        from ..core.fetch import Fetcher, FetchOptions, FetchRequest, describe_age
        from ..core.model.errors import RunCancelled, SmrSitingError

        region = (self.parameterAsString(parameters, self.REGION, context) or "").strip()
        offline = self.parameterAsBool(parameters, self.OFFLINE, context)
        mirror = (self.parameterAsString(parameters, self.MIRROR, context) or "").strip() or None
        if self.parameterAsBool(parameters, self.CHECK, context):
            return self._check(parameters, context, feedback, mirror)
        if not region and not offline:
            raise QgsProcessingException(tr("No region given: type a province or municipality name (e.g. "
                                            "Gelderland), or tick Offline to check the cache."))
        layers = self.parameterAsEnumStrings(parameters, self.LAYERS, context) or None
        cache = self.parameterAsFileOutput(parameters, self.CACHE, context)
        if not cache:
            raise QgsProcessingException(tr("No cache folder given."))
        overrides = {}
        for item in (self.parameterAsString(parameters, self.SERVICES, context) or "").replace("\n", ";").split(";"):
            if item.strip():
                layer_id, sep, url = item.partition("=")
                if not sep:
                    raise QgsProcessingException(tr("Other service URLs: write {item!r} as ID=URL").format(
                        item=item.strip()))
                overrides[layer_id.strip()] = url.strip()
        request = FetchRequest(
            cache_dir=Path(cache), region=region or None, layers=list(layers) if layers else None, offline=offline,
            url_overrides=overrides, mirror=mirror,
            margin_m=1000.0 * self.parameterAsDouble(parameters, self.MARGIN, context),
            options=FetchOptions(timeout_s=self.parameterAsDouble(parameters, self.TIMEOUT, context),
                                 retries=self.parameterAsInt(parameters, self.RETRIES, context),
                                 refresh=self.parameterAsBool(parameters, self.REFRESH, context)))
        ctx = run_context(feedback)
        from ..core.model.vocabulary import speaking
        from .common import qgis_vocabulary, speak

        try:
            with speaking(qgis_vocabulary()):
                fetcher = Fetcher(request, ctx)
                from .network import install

                install(fetcher)  # QGIS's proxy, authentication and SSL settings (QgsNetworkAccessManager)
                fetcher.http.on_retry = lambda message: feedback.pushInfo(speak(message))
                report = fetcher.run()
        except SmrSitingError as error:
            raise QgsProcessingException(speak(str(error))) from None
        except RunCancelled:
            raise QgsProcessingException(tr("Cancelled; the cache is as it was.")) from None
        done = 0
        for layer in report.layers:
            if layer.status == "failed":
                feedback.reportError(speak(layer.error), False)
                continue
            done += 1
            if layer.empty:
                feedback.pushWarning(tr("{layer}: the service has NO features in the region's box; stored as an "
                                        "empty layer. Check it (a wrong collection, filter or CRS gives this too).")
                                     .format(layer=layer.layer_id))
            feedback.pushInfo(tr("{layer}: {status}, {count} features, fetched {when} ({age})").format(
                layer=layer.layer_id, status=layer.status, count=layer.features, when=layer.fetched_at,
                age=describe_age(layer.age_s)))
        if report.failures:
            raise QgsProcessingException(tr("{count} layer(s) could not be fetched: {layers}. The cache keeps "
                                            "whatever was complete before.").format(
                count=len(report.failures), layers=", ".join(r.layer_id for r in report.failures)))
        return {self.CACHE: cache, "FETCHED": done}

    def _check(self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback,
               mirror: str | None) -> dict[str, Any]:
        """Probe the catalogue's services (smr_siting.core.fetch.check); raise on any mismatch."""
        from ..core.fetch import FetchOptions, Http, check_catalogue
        from ..core.model.errors import RunCancelled, SmrSitingError

        layers = self.parameterAsEnumStrings(parameters, self.LAYERS, context) or None
        options = FetchOptions(timeout_s=self.parameterAsDouble(parameters, self.TIMEOUT, context),
                               retries=self.parameterAsInt(parameters, self.RETRIES, context))
        ctx = run_context(feedback)
        try:
            report = check_catalogue(load_catalogue(), Http(options, ctx), list(layers) if layers else None,
                                     mirror=mirror)
        except SmrSitingError as error:
            raise QgsProcessingException(str(error)) from None
        except RunCancelled:
            raise QgsProcessingException(tr("Cancelled.")) from None
        if report.offline:
            raise QgsProcessingException(tr("No service of the catalogue can be reached (no network?); nothing was "
                                            "checked."))
        for entry in report.entries:
            if entry.ok:
                feedback.pushInfo(tr("{layer}: ok (reachable; page cap: {cap})").format(
                    layer=entry.layer_id, cap=entry.page_cap or "-"))
        for layer_id, mismatch in report.mismatches:
            feedback.reportError(tr("{layer}: {mismatch}").format(layer=layer_id, mismatch=mismatch), False)
        if report.mismatches:
            raise QgsProcessingException(tr("{count} mismatch(es) between the catalogue and the services: {layers}")
                                         .format(count=len(report.mismatches),
                                                 layers=", ".join(sorted({m[0] for m in report.mismatches}))))
        cache = self.parameterAsFileOutput(parameters, self.CACHE, context)
        return {self.CACHE: cache, "FETCHED": 0}
