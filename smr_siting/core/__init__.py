"""smr-siting engine: screening for Small Modular Reactor sites.  Imports no ``qgis``."""

__version__ = "0.1.0"
