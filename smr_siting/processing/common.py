"""What every smr_siting Processing algorithm shares: identity, feedback → engine callbacks, and the
translation of engine errors into QgsProcessingException (one clear message, no traceback)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any, Iterator

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingFeedback
from qgis.PyQt.QtGui import QIcon

from ..qt_translation import tr

HELP_URL = "https://github.com/smr-siting/smr-siting#readme"
#: found by the toolbox search in either language ("reactor", "kerncentrale", …)
TAGS = ("smr", "small modular reactor", "reactor", "nuclear", "nuclear power plant", "siting", "site selection",
        "screening", "exclusion", "suitability", "mcda", "netherlands",
        "kleine modulaire reactor", "kernreactor", "kerncentrale", "kernenergie", "locatiekeuze", "locatie",
        "uitsluiting", "geschiktheid", "nederland")
INSTALL_HELP = (
    "smr-siting needs geopandas, shapely, rasterio, scipy and rtree in QGIS's Python. "
    "Debian/Ubuntu: sudo apt install python3-geopandas python3-fiona python3-rasterio python3-scipy python3-rtree; "
    "Windows (OSGeo4W shell): pip install geopandas rasterio scipy rtree"
)


def icon_path() -> Path:
    here = Path(__file__).resolve().parents[1]
    for candidate in (here / "resources" / "icons" / "icon.svg", here.parent / "resources" / "icons" / "icon.svg"):
        if candidate.exists():
            return candidate
    return here / "resources" / "icons" / "icon.svg"


class SmrAlgorithm(QgsProcessingAlgorithm):
    """Identity shared by all algorithms of the provider."""

    def icon(self) -> QIcon:
        return QIcon(str(icon_path()))

    def helpUrl(self) -> str:
        return HELP_URL

    def addParameter(self, parameter: Any, createOutput: bool = True) -> bool:  # noqa: N803 - QGIS signature
        """Decimal numbers shown with the decimals that matter ("30" or "0.5", not "30.000000")."""
        from qgis.core import QgsProcessingParameterNumber

        if isinstance(parameter, QgsProcessingParameterNumber) \
                and parameter.dataType() == QgsProcessingParameterNumber.Type.Double:
            metadata = dict(parameter.metadata() or {})
            wrapper = dict(metadata.get("widget_wrapper") or {})
            wrapper.setdefault("decimals", 2)
            metadata["widget_wrapper"] = wrapper
            parameter.setMetadata(metadata)
        return super().addParameter(parameter, createOutput)

    def tags(self) -> list[str]:
        """Toolbox search words, in English and Dutch whatever the interface language."""
        return list(TAGS)

    def createInstance(self):  # noqa: ANN201
        return type(self)()

    def with_default_destinations(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """``parameters`` with every destination not given set to its default (a temporary file), as the
        dialog does: a run with only the region given (processing.run, qgis_process, a model) works."""
        filled = dict(parameters)
        for definition in self.destinationParameterDefinitions():
            name = definition.name()
            if filled.get(name) in (None, "") and definition.defaultValue() not in (None, ""):
                filled[name] = definition.defaultValue()
        return filled

    def checkParameterValues(self, parameters: dict[str, Any], context: Any) -> tuple[bool, str]:  # noqa: N802
        return super().checkParameterValues(self.with_default_destinations(parameters), context)


def require_engine() -> None:
    """Import the engine's dependencies now, so that a missing package is one clear message."""
    try:
        import geopandas  # noqa: F401
        import rasterio  # noqa: F401
        import scipy  # noqa: F401

        from ..core.pipeline import screen  # noqa: F401
    except ImportError as error:
        raise QgsProcessingException(tr("A required Python package is missing ({error}). {help}").format(
            error=error, help=INSTALL_HELP)) from None


def qgis_vocabulary() -> Any:
    """The dialog's words for the engine's messages (see smr_siting.core.model.vocabulary): field names, not flags."""
    from ..core.model.vocabulary import Vocabulary

    data = tr("the 'Data folder' field")
    flags = (
        (r"'?smr-siting screen --out \S+'?", tr("a screening that writes its manifest (Screen a region)")),
        (r"'?smr-siting profiles --show ([\w-]+)'?", tr("the profile file of that name")),
        (r"'smr-siting screen'", tr("the screening (Screen a region)")),
        (r"'smr-siting rank'", tr("Rank candidate sites")),
        (r"'smr-siting fetch'", tr("Fetch layers")),
        (r"--layer \{?(\w+)\}?=FILE(:LAYER)?", tr("a 'Layer for …' field (advanced parameters)")),
        (r"--layer\b", tr("a 'Layer for …' field (advanced parameters)")),
        (r"--data\b", data),
        (r"--overwrite\b", tr("'Replace output files that already exist'")),
        (r"--resolution\b", tr("'Cell size [m]'")),
        (r"--region\b", tr("the 'Region' field")),
        (r"--profile\b", tr("'Criteria profile'")),
        (r"--footprint-ha\b", tr("'SMR footprint [ha]'")),
        (r"--footprint-shape\b", tr("'Footprint shape'")),
        (r"--offline\b", tr("'Offline'")),
        (r"--cache\b", tr("the 'Cache folder' field")),
        (r"--layers\b", tr("'Layers to fetch'")),
        (r"--base-url-override\b", tr("'Other service URLs'")),
        (r"--margin\b", tr("'Margin around the region [km]'")),
        (r"--retries\b", tr("'Retries after a time-out or a server error'")),
        (r"--timeout\b", tr("'Time-out per request [s]'")),
        (r"--sweep\b", tr("'Threshold sweep'")),
        (r"--samples\b", tr("'Monte Carlo samples'")),
        (r"--seed\b", tr("'Random seed'")),
        (r"--sites\b", tr("'Your own sites'")),
        (r"--run\b", tr("'Screening (its folder or manifest)'")),
        (r"--out\b", tr("the output fields")),
        (r"--vector\b", tr("'Exclusion polygons per rule'")),
        (r"'?smr-siting designs( --show [\w-]+)?'?", tr("the 'Reactor design' list")),
        (r"--design\b", tr("'Reactor design'")),
        (r"--concentration\b", tr("the profile's scoring.sensitivity.concentration")),
        (r"--weight-spread\b", tr("the profile's scoring.sensitivity.weight_spread")),
        (r"--max-pages\b", tr("the downloader's page limit")),
        (r"--regions\b", tr("'Regions (comma-separated, or 'all')'")),
        (r"--profiles\b", tr("'Profiles (comma-separated)'")),
        (r"--([a-z][a-z-]*)", tr("the '{option}' setting")),  # anything else: never a bare flag
    )
    return Vocabulary("qgis", terms={
        "data": lambda: data,
        "layer": lambda slot="ID": tr("the advanced field 'Layer for {slot}'").format(slot=slot),
        "overwrite": lambda: tr("tick 'Replace output files that already exist'"),
        "resolution": lambda value=50: tr("'Cell size [m]' {value:g}").format(value=value),
    }, flags=flags)


#: a number written the English way (1,234.5 or 0.5), not part of a name, path, version or address
_NUMBER = re.compile(r"(?<![\w./:-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\w/:-]|\.\d)")


def dutch_numbers(text: str) -> str:
    """'3,408.4 km²' → '3.408,4 km²' (the engine formats numbers the English way in every language)."""
    return _NUMBER.sub(lambda m: m.group(1).replace(",", "\x00").replace(".", ",").replace("\x00", "."), text)


def speak(text: str) -> str:
    """An engine message in the dialog's words (no command-line flags) and, in Dutch, Dutch number formats."""
    from ..core.model.i18n import language

    text = qgis_vocabulary().speak(str(text))
    return dutch_numbers(text) if language() == "nl" else text


def run_context(feedback: QgsProcessingFeedback | None) -> Any:
    """The engine's neutral callbacks wired to Processing feedback: progress, step texts, cancel, notices."""
    from ..core.model.progress import RunContext

    feedback = feedback or QgsProcessingFeedback()
    last = {"message": ""}

    def progress(fraction: float, message: str) -> None:
        feedback.setProgress(100.0 * fraction)
        if message and message != last["message"]:
            last["message"] = message
            feedback.setProgressText(message)

    def notice(message: str) -> None:
        feedback.pushInfo(speak(message))

    return RunContext(progress=progress, is_cancelled=feedback.isCanceled, notice=notice)


@contextlib.contextmanager
def engine_errors() -> Iterator[None]:
    """User errors, a cancel and running out of memory become one QgsProcessingException each."""
    from ..core.model.errors import RunCancelled, SmrSitingError
    from ..core.model.vocabulary import speaking

    try:
        with speaking(qgis_vocabulary()):
            yield
    except SmrSitingError as error:
        raise QgsProcessingException(speak(str(error))) from None
    except RunCancelled:
        raise QgsProcessingException(tr("Cancelled; no output was written.")) from None
    except MemoryError:
        raise QgsProcessingException(tr("Out of memory. Use a larger cell size or a smaller region.")) from None
