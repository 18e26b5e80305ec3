#!/usr/bin/env python3
"""The plugin in a real QGIS window: install the built zip into a fresh profile, start QGIS (under Xvfb when there
is no display), open *Screen a region* from the menu entry with only the region chosen, run it from the dialog on
the embedded national pack, and save screenshots of the dialog, the styled map with its legend, and Identify on
an excluded place.

Usage (from the repository root, after ``make zip``):
    .venv/bin/python scripts/qgis_window_demo.py [--zip build/smr_siting-VERSION.zip] [--region Zeeland]
        [--out docs/img] [--lang en|nl] [--timeout 300]

Writes OUT/qgis-dialog.png, OUT/qgis-map.png, OUT/qgis-identify.png and OUT/qgis-window.json (what it saw:
the layer tree, the Identify results, the log), and exits 0 when all three were taken.  Needs Xvfb
(``xvfb-run``) without a display; exits 77 (skipped) when neither is there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = 77

#: run inside QGIS (qgis --code FILE); talks back through the JSON file named in SMR_WINDOW_REPORT
INSIDE = r'''
import json, os, time, traceback
from pathlib import Path
from qgis.PyQt.QtCore import QTimer, QPoint, Qt
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QApplication
from qgis.core import QgsProject, QgsLayerTreeGroup, QgsPointXY, QgsRaster
from qgis.utils import iface, plugins

out = Path(os.environ["SMR_WINDOW_OUT"])
report = {"steps": [], "errors": []}
region = os.environ.get("SMR_WINDOW_REGION", "Zeeland")


def save():
    Path(os.environ["SMR_WINDOW_REPORT"]).write_text(json.dumps(report, indent=1, ensure_ascii=False))


def wait(seconds, until=lambda: False):
    end = time.time() + seconds
    while time.time() < end and not until():
        QApplication.processEvents()
        time.sleep(0.05)
    return until()


def shot(widget, name):
    QApplication.processEvents()
    widget.grab().save(str(out / name))
    report["steps"].append(name)
    save()


def run():
    try:
        report["plugin_loaded"] = "smr_siting" in plugins
        main = iface.mainWindow()
        main.resize(1400, 900)
        import processing
        dialog = processing.createAlgorithmDialog("smr_siting:screenregion", {"REGION": region})
        dialog.resize(900, 760)
        dialog.show()
        wait(2)
        shot(dialog, "qgis-dialog.png")
        dialog.runAlgorithm()  # the dialog's own Run button
        loaded = wait(float(os.environ.get("SMR_WINDOW_TIMEOUT", "240")), lambda: any(
            isinstance(n, QgsLayerTreeGroup) and n.name().startswith("SMR") for n in
            QgsProject.instance().layerTreeRoot().children()) and len(QgsProject.instance().mapLayers()) >= 4)
        report["log"] = dialog.feedback.textLog() if hasattr(dialog, "feedback") and dialog.feedback else ""
        report["loaded"] = loaded
        dialog.close()
        group = next(n for n in QgsProject.instance().layerTreeRoot().children() if isinstance(n, QgsLayerTreeGroup))
        report["group"] = group.name()
        report["layers"] = [c.name() for c in group.children()]
        canvas = iface.mapCanvas()
        raster = next(c.layer() for c in group.children() if c.layer() and c.layer().type() == 1)
        polygons = next(c.layer() for c in group.children() if c.layer() and c.layer().type() == 0
                        and c.layer().geometryType() == 2 and "rule_id" in c.layer().fields().names())
        canvas.setExtent(raster.extent())
        canvas.refresh()
        wait(4)
        shot(main, "qgis-map.png")
        # Identify on an excluded place: the first cell centre (from the middle outwards) that holds 2+ rules
        extent, sx, sy = raster.extent(), raster.rasterUnitsPerPixelX(), raster.rasterUnitsPerPixelY()
        target = None
        for step in range(0, 40):
            for dx, dy in ((step, 0), (-step, 0), (0, step), (0, -step)):
                col = raster.width() // 2 + dx * max(1, raster.width() // 80)
                row = raster.height() // 2 + dy * max(1, raster.height() // 80)
                point = QgsPointXY(extent.xMinimum() + (col + 0.5) * sx, extent.yMaximum() - (row + 0.5) * sy)
                value = raster.dataProvider().identify(point, QgsRaster.IdentifyFormatValue).results().get(1)
                if value and bin(int(value)).count("1") >= 2 and int(value) < 2 ** 16 - 1:
                    target = (point, int(value))
                    break
            if target:
                break
        report["identify_value"] = target[1] if target else None
        canvas.zoomScale(25000)
        canvas.setCenter(target[0])
        canvas.refresh()
        wait(3)
        iface.setActiveLayer(polygons)
        iface.actionIdentify().trigger()
        pixel = canvas.getCoordinateTransform().transform(target[0])
        QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(int(pixel.x()), int(pixel.y())))
        wait(3)
        from qgis.gui import QgsMapToolIdentify
        hits = QgsMapToolIdentify(canvas).identify(int(pixel.x()), int(pixel.y()), [polygons],
                                                   QgsMapToolIdentify.TopDownAll)
        report["identify"] = [str(h.mFeature[polygons.displayExpression().strip('"')]) for h in hits]
        shot(main, "qgis-identify.png")
    except Exception:
        report["errors"].append(traceback.format_exc())
    save()
    QTimer.singleShot(500, lambda: os._exit(0))


QTimer.singleShot(3000, run)
'''


def install_zip(zip_path: Path, profiles: Path, lang: str) -> None:
    profile = profiles / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("[PythonPlugins]\nsmr_siting=true\nprocessing=true\n\n"
                   f"[locale]\noverrideFlag=true\nuserLocale={lang}\n\n"
                   "[qgis]\ncheckVersion=false\nshowTips=false\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    zips = sorted((ROOT / "build").glob("smr_siting-*.zip"))
    parser.add_argument("--zip", type=Path, default=zips[-1] if zips else None)
    parser.add_argument("--region", default="Zeeland")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    if args.zip is None or not args.zip.is_file():
        print("error: no plugin zip; run make zip first (or pass --zip)", file=sys.stderr)
        return 2
    display = os.environ.get("DISPLAY")
    xvfb = shutil.which("xvfb-run")
    if not display and xvfb is None:
        print("skipped: no display and no xvfb-run (apt install xvfb)", file=sys.stderr)
        return SKIPPED
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smr-window-") as tmp:
        work = Path(tmp)
        install_zip(args.zip, work / "qgis", args.lang)
        inside = work / "inside.py"
        inside.write_text(INSIDE, encoding="utf-8")
        report = work / "report.json"
        env = {**os.environ, "SMR_WINDOW_OUT": str(args.out.resolve()), "SMR_WINDOW_REPORT": str(report),
               "SMR_WINDOW_REGION": args.region, "SMR_WINDOW_TIMEOUT": str(args.timeout - 30),
               "QT_QPA_PLATFORM": "xcb", "XDG_RUNTIME_DIR": str(work)}
        env.pop("QGIS_CUSTOM_CONFIG_PATH", None)
        command = ["qgis", "--profiles-path", str(work / "qgis"), "--nologo", "--noversioncheck", "--lang", args.lang,
                   "--code", str(inside)]
        if not display:
            command = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", *command]
        try:
            subprocess.run(command, env=env, cwd=work, timeout=args.timeout, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            print(f"error: QGIS did not finish within {args.timeout:g} s", file=sys.stderr)
        if not report.is_file():
            print("error: QGIS wrote no report (did it start?)", file=sys.stderr)
            return 1
        data = json.loads(report.read_text(encoding="utf-8"))
    (args.out / "qgis-window.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for error in data.get("errors", []):
        print(error, file=sys.stderr)
    taken = [name for name in ("qgis-dialog.png", "qgis-map.png", "qgis-identify.png") if name in data["steps"]]
    print(f"screenshots in {args.out}: {', '.join(taken) or 'none'}; layers {data.get('layers')}; "
          f"Identify: {data.get('identify')}")
    return 0 if len(taken) == 3 and not data.get("errors") else 1


if __name__ == "__main__":
    sys.exit(main())
