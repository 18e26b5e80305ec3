"""smr-siting: screen Dutch regions for Small Modular Reactor sites.

The engine lives in :mod:`smr_siting.core` and never imports ``qgis``; this package's other
modules are the QGIS plugin (Processing provider and algorithms) on top of it.

For notebooks: ``from smr_siting import Screening, ProfileBuilder`` (see docs/notebook.md).  They are
imported on first use, so loading this package as a QGIS plugin loads neither them nor the engine.
"""

from .core import __version__


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    """QGIS entry point."""
    from .plugin import SmrSitingPlugin

    return SmrSitingPlugin(iface)


#: names served lazily from smr_siting.core.api (module-level __getattr__, PEP 562)
_API_NAMES = ("Exclusion", "ProfileBuilder", "Screening", "Sensitivity")


def __getattr__(name: str):  # noqa: ANN202 - PEP 562
    if name in _API_NAMES:
        from .core import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Exclusion", "ProfileBuilder", "Screening", "Sensitivity", "__version__", "classFactory"]
