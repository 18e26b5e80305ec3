"""Processing provider ``smr_siting``."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..qt_translation import tr
from .common import icon_path


class SmrSitingProvider(QgsProcessingProvider):
    def id(self) -> str:  # never translated: saved models and scripts use it
        return "smr_siting"

    def name(self) -> str:
        return tr("SMR siting")

    def longName(self) -> str:
        return tr("SMR siting: screening for Small Modular Reactor sites")

    def icon(self) -> QIcon:
        return QIcon(str(icon_path()))

    def load(self) -> bool:
        from .settings import add_settings

        add_settings(self.name())
        self.refreshAlgorithms()
        return True

    def unload(self) -> None:
        from .settings import remove_settings

        remove_settings()

    def loadAlgorithms(self) -> None:
        from .algorithms import CandidateAreasAlgorithm, ExclusionMapAlgorithm, ScreenRegionAlgorithm
        from .fetch_algorithm import FetchLayersAlgorithm
        from .report_algorithms import BatchAlgorithm, ReportAlgorithm
        from .scoring_algorithms import RankSitesAlgorithm, SensitivityAlgorithm, SuitabilityAlgorithm

        for algorithm in (ExclusionMapAlgorithm(), CandidateAreasAlgorithm(), ScreenRegionAlgorithm(),
                          SuitabilityAlgorithm(), RankSitesAlgorithm(), SensitivityAlgorithm(), FetchLayersAlgorithm(),
                          ReportAlgorithm(), BatchAlgorithm()):
            self.addAlgorithm(algorithm)

    def supportedOutputVectorLayerExtensions(self) -> list[str]:
        return ["gpkg"]

    def supportedOutputRasterLayerExtensions(self) -> list[str]:
        return ["tif"]

    def defaultVectorFileExtension(self, hasGeometry: bool = True) -> str:  # noqa: N803 - QGIS signature
        return "gpkg"

    def defaultRasterFileExtension(self) -> str:
        return "tif"
