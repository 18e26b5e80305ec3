"""Run by tests/test_qgis_fresh_profile.py in its own process: a fresh QGIS profile (QGIS_CUSTOM_CONFIG_PATH) with
only the plugin zip installed, as *Plugins › Install from ZIP* does; then screen each region named on the command
line with default parameters (only REGION given: no data folder, temporary outputs) through ``processing.run``.
Prints one JSON line per region."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path


def main(zip_path: str, *regions: str) -> int:
    profile_root = Path(os.environ["QGIS_CUSTOM_CONFIG_PATH"])
    plugins = profile_root / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:  # what the plugin manager's "Install from ZIP" does
        archive.extractall(plugins)
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from qgis.core import QgsApplication, QgsProcessingFeedback

    app = QgsApplication([], False)
    app.initQgis()
    assert Path(QgsApplication.qgisSettingsDirPath()).resolve() == (profile_root / "profiles" / "default").resolve(), \
        QgsApplication.qgisSettingsDirPath()
    sys.path.insert(0, str(plugins))
    import processing  # noqa: F401
    from processing.core.Processing import Processing
    from qgis import utils

    Processing.initialize()
    assert utils.loadPlugin("smr_siting"), "the plugin did not load"
    assert utils.startProcessingPlugin("smr_siting"), "the plugin's provider did not start"
    import smr_siting

    assert Path(smr_siting.__file__).resolve().is_relative_to(plugins.resolve()), smr_siting.__file__

    class Feedback(QgsProcessingFeedback):
        def __init__(self) -> None:
            super().__init__()
            self.lines: list[str] = []

        def pushInfo(self, info: str) -> None:  # noqa: N802
            self.lines.append(info)

    for region in regions:
        feedback = Feedback()
        result = processing.run("smr_siting:screenregion", {"REGION": region}, feedback=feedback)
        manifest = json.loads(Path(result["MANIFEST"]).read_text(encoding="utf-8"))
        print(json.dumps({
            "region": region, "excluded_km2": result["EXCLUDED_KM2"], "region_km2": result["REGION_KM2"],
            "candidates": result["CANDIDATE_COUNT"], "exclusion": result["EXCLUSION"],
            "exists": {k: Path(v).exists() for k, v in result.items() if isinstance(v, str) and v},
            "origins": sorted({i["origin"] for i in manifest["inputs"]}),
            "inputs": sorted(i["path"] for i in manifest["inputs"]),
            "log": feedback.lines,
        }), flush=True)
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
