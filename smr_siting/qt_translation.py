"""Translation for the plugin layer (Qt .qm files in resources/i18n)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "SmrSiting"
_translator: QTranslator | None = None


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def i18n_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources" / "i18n", here.parent / "resources" / "i18n"):
        if candidate.is_dir():
            return candidate
    return here / "resources" / "i18n"


def user_locale() -> str:
    value = QgsSettings().value("locale/userLocale", "") or QLocale().name()
    return str(value)[:2] or "en"


def install_translator(locale: str | None = None) -> bool:
    """Load smr_siting_<locale>.qm if it exists; returns whether a translation is active.
    The engine's messages (smr_siting.core.model.i18n) follow the same locale."""
    global _translator
    from .core.model.i18n import set_language

    locale = (locale or user_locale())[:2]
    set_language(locale)
    qm = i18n_dir() / f"smr_siting_{locale}.qm"
    if _translator is not None:
        QCoreApplication.removeTranslator(_translator)
        _translator = None
    if not qm.exists():
        return False
    translator = QTranslator()
    if translator.load(str(qm)):
        QCoreApplication.installTranslator(translator)
        _translator = translator
        return True
    return False


def remove_translator() -> None:
    global _translator
    from .core.model.i18n import set_language

    set_language(None)
    if _translator is not None:
        QCoreApplication.removeTranslator(_translator)
        _translator = None
