"""smr-siting: screen Dutch regions for Small Modular Reactor sites.

The engine lives in :mod:`smr_siting.core` and never imports ``qgis``; this package's other
modules are the QGIS plugin (Processing provider and algorithms) on top of it.
"""

from .core import __version__


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    """QGIS entry point."""
    from .plugin import SmrSitingPlugin

    return SmrSitingPlugin(iface)


__all__ = ["__version__", "classFactory"]
