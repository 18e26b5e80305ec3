"""The provider's settings (Processing › Options › Providers › SMR siting) and the default data.

Where a screening reads its layers when the dialog's *Data folder* is left empty:

1. the default data folder of the settings, if one is set;
2. else the fetch cache (the settings' cache folder, by default ``<QGIS profile>/smr_siting/cache``),
   if ``smr_siting:fetchlayers`` has put layers there;
3. and in both cases the **embedded national pack** (``layers/national`` inside the plugin) for every
   layer the folder lacks — with no folder at all, the pack alone.  Every output lists the layers that
   came from the pack (``origin: national pack`` in the manifest, a notice in the log).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsApplication

from ..qt_translation import tr

DATA_SETTING = "SMR_SITING_DATA_FOLDER"
CACHE_SETTING = "SMR_SITING_CACHE_FOLDER"
PACK_DESCRIPTION = "NATIONAL_PACK.json"


def national_pack_dir() -> Path | None:
    """The embedded national pack: ``layers/national`` of the plugin (or of the repository)."""
    from ..core.data.catalogue import LAYERS_DIRS

    for layers in LAYERS_DIRS:
        candidate = layers / "national"
        if (candidate / PACK_DESCRIPTION).is_file():
            return candidate
    return None


def default_cache_dir() -> Path:
    """A persistent folder in the QGIS profile (not a temporary one)."""
    return Path(QgsApplication.qgisSettingsDirPath()) / "smr_siting" / "cache"


def _setting(name: str) -> str:
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:  # Processing framework not loaded (a bare QgsApplication)
        return ""
    try:
        value = ProcessingConfig.getSetting(name)
    except (KeyError, AttributeError):
        return ""
    return str(value or "").strip()


def cache_dir() -> Path:
    value = _setting(CACHE_SETTING)
    return Path(value).expanduser() if value else default_cache_dir()


def holds_layers(folder: Path) -> bool:
    """Whether a folder holds anything a screening can read (a fetch cache has cache_*.gpkg)."""
    return folder.is_dir() and any(folder.glob("*.gpkg"))


@dataclass(frozen=True)
class DataChoice:
    data_dir: Path | None
    fallback_dir: Path | None
    description: str


def default_data() -> DataChoice:
    """The data folder and fallback for a run whose *Data folder* was left empty."""
    pack = national_pack_dir()
    configured = _setting(DATA_SETTING)
    if configured and Path(configured).expanduser().is_dir():
        folder = Path(configured).expanduser()
        return DataChoice(folder, pack, tr("Data: the default data folder of the settings, {folder}, with the embedded "
                                           "national pack for the layers it lacks.").format(folder=folder))
    cache = cache_dir()
    if holds_layers(cache):
        return DataChoice(cache, pack, tr("Data: the fetch cache {folder}, with the embedded national pack for the "
                                          "layers it lacks.").format(folder=cache))
    return DataChoice(None, pack, tr("Data: the embedded national pack ({folder}).").format(folder=pack))


def add_settings(provider_name: str) -> None:
    """Register the settings with Processing (they appear under Options › Providers)."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
    except ImportError:
        return
    ProcessingConfig.addSetting(Setting(
        provider_name, DATA_SETTING,
        tr("Default data folder (empty: the fetch cache if it holds layers, else the embedded national pack)"),
        "", valuetype=Setting.FOLDER))
    ProcessingConfig.addSetting(Setting(
        provider_name, CACHE_SETTING, tr("Fetch cache folder (empty: smr_siting/cache in the QGIS profile)"),
        "", valuetype=Setting.FOLDER))
    ProcessingConfig.readSettings()


def remove_settings() -> None:
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:
        return
    for name in (DATA_SETTING, CACHE_SETTING):
        try:
            ProcessingConfig.removeSetting(name)
        except KeyError:
            pass


#: what the dialog opened from the menu entry starts with: the last run's choices
LAST_KEYS = ("REGION", "REGION_LIST", "PROFILE", "PROFILE_FILE", "DATA")


def remember_inputs(parameters: dict, algorithm: object, context: object) -> None:
    """Keep the region, profile and data folder of a run that succeeded (QgsSettings smr_siting/last/*)."""
    from qgis.core import QgsSettings

    settings = QgsSettings()
    for key in LAST_KEYS:
        value = parameters.get(key)
        if isinstance(value, str):
            settings.setValue(f"smr_siting/last/{key}", value)
        elif value is None and key in parameters:
            settings.remove(f"smr_siting/last/{key}")


def last_inputs() -> dict[str, str]:
    from qgis.core import QgsSettings

    settings = QgsSettings()
    out = {}
    for key in LAST_KEYS:
        value = settings.value(f"smr_siting/last/{key}", None)
        if isinstance(value, str) and value:
            out[key] = value
    return out
