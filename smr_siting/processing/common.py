"""What every smr_siting Processing algorithm shares: identity, feedback → engine callbacks, and the
translation of engine errors into QgsProcessingException (one clear message, no traceback)."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingFeedback
from qgis.PyQt.QtGui import QIcon

from ..i18n import tr
from .provider import icon_path

HELP_URL = "https://github.com/smr-siting/smr-siting#readme"
INSTALL_HELP = (
    "smr-siting needs geopandas, shapely, rasterio, scipy and rtree in QGIS's Python. "
    "Debian/Ubuntu: sudo apt install python3-geopandas python3-fiona python3-rasterio python3-scipy python3-rtree; "
    "Windows (OSGeo4W shell): pip install geopandas rasterio scipy rtree"
)


class SmrAlgorithm(QgsProcessingAlgorithm):
    """Identity shared by all algorithms of the provider."""

    def icon(self) -> QIcon:
        return QIcon(str(icon_path()))

    def helpUrl(self) -> str:
        return HELP_URL

    def createInstance(self):  # noqa: ANN201
        return type(self)()


def require_engine() -> None:
    """Import the engine's dependencies now, so that a missing package is one clear message."""
    try:
        import geopandas  # noqa: F401
        import rasterio  # noqa: F401
        import scipy  # noqa: F401

        from ..core import screen  # noqa: F401
    except ImportError as error:
        raise QgsProcessingException(tr("A required Python package is missing ({error}). {help}").format(
            error=error, help=INSTALL_HELP)) from None


def run_context(feedback: QgsProcessingFeedback | None) -> Any:
    """The engine's neutral callbacks wired to Processing feedback: progress, step texts, cancel, notices."""
    from ..core.progress import RunContext

    feedback = feedback or QgsProcessingFeedback()
    last = {"message": ""}

    def progress(fraction: float, message: str) -> None:
        feedback.setProgress(100.0 * fraction)
        if message and message != last["message"]:
            last["message"] = message
            feedback.setProgressText(message)

    return RunContext(progress=progress, is_cancelled=feedback.isCanceled, notice=feedback.pushInfo)


@contextlib.contextmanager
def engine_errors() -> Iterator[None]:
    """User errors, a cancel and running out of memory become one QgsProcessingException each."""
    from ..core.errors import RunCancelled, SmrSitingError

    try:
        yield
    except SmrSitingError as error:
        raise QgsProcessingException(str(error)) from None
    except RunCancelled:
        raise QgsProcessingException(tr("Cancelled; no output was written.")) from None
    except MemoryError:
        raise QgsProcessingException(tr("Out of memory. Use a larger cell size or a smaller region.")) from None
