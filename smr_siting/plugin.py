"""The QGIS plugin object: registers the Processing provider and a menu entry."""

from __future__ import annotations

from qgis.core import QgsApplication

from .qt_translation import install_translator, remove_translator, tr


class SmrSitingPlugin:
    def __init__(self, iface) -> None:  # noqa: ANN001 - QgisInterface, None under qgis_process
        self.iface = iface
        self.provider = None
        self.action = None

    def initProcessing(self) -> None:
        """Called by QGIS (also by qgis_process, which calls only this)."""
        from .processing.provider import SmrSitingProvider

        install_translator()
        if self.provider is None:
            self.provider = SmrSitingProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        self.initProcessing()
        if self.iface is None:
            return
        from qgis.PyQt.QtGui import QIcon
        try:  # Qt6 (and QGIS 3.40's Qt5 bindings) have QAction in QtGui
            from qgis.PyQt.QtGui import QAction
        except ImportError:  # QGIS 3.22
            from qgis.PyQt.QtWidgets import QAction

        from .processing.common import icon_path

        self.action = QAction(QIcon(str(icon_path())), tr("Screen a region for SMR sites…"), self.iface.mainWindow())
        self.action.triggered.connect(self.open_screening_dialog)
        self.iface.addPluginToMenu(tr("&SMR Siting"), self.action)
        self.iface.addToolBarIcon(self.action)

    def open_screening_dialog(self) -> None:
        """The dialog is Processing's own, so every run lands in the Processing history."""
        import processing

        from .processing.settings import last_inputs

        processing.execAlgorithmDialog("smr_siting:screenregion", last_inputs())  # the last run's region, profile, data

    def unload(self) -> None:
        if self.action is not None and self.iface is not None:
            self.iface.removePluginMenu(tr("&SMR Siting"), self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator()
