"""Qt6 readiness: the plugin uses nothing that QGIS's Qt5 → Qt6 migration rules would have to change
(scripts/check_qt6.py).  QGIS before 3.36 cannot tell which of its own enums later moved to ``Qgis``
(kept there as aliases), so on such a QGIS only those enum notes may remain; on QGIS 3.40 (the
`make test-qgis340` leg) the scan must be clean — that is what ``supportsQt6=True`` rests on."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
qgis_core = pytest.importorskip("qgis.core")


def test_the_qt6_scan_passes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_qt6.py")], capture_output=True, text=True,
                          timeout=120)
    findings = [line for line in done.stdout.splitlines() if re.search(r":\d+:\d+ QT6-\d+", line)]
    if qgis_core.Qgis.QGIS_VERSION_INT >= 33600:
        assert done.returncode == 0, done.stdout
    else:
        assert all(" QT6-006 " in line for line in findings), "\n".join(findings)


def test_metadata_claims_qt6_support_only_with_a_clean_scan() -> None:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    claims = parser["general"].getboolean("supportsQt6", fallback=False)
    if claims and qgis_core.Qgis.QGIS_VERSION_INT >= 33600:
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_qt6.py")], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stdout
