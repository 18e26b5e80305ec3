"""The plugin from its zip alone: a fresh QGIS profile, no data folder, only the region chosen
(issue 18: data out of the box); and the embedded national pack it reads (scripts/build_national_pack.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "layers" / "national"
sys.path.insert(0, str(ROOT / "scripts"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def plugin_zip(plugin_dir: Path) -> Path:
    subprocess.run(["make", "-s", "zip"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    zips = sorted((ROOT / "build").glob("smr_siting-*.zip"))
    assert zips
    return zips[-1]


@pytest.mark.qgis
@pytest.mark.slow
def test_fresh_profile_with_only_the_zip_screens_overijssel_and_zeeland(plugin_zip: Path, tmp_path: Path) -> None:
    profile_root = tmp_path / "qgis-profile"
    profile_root.mkdir()
    env = {**os.environ, "QGIS_CUSTOM_CONFIG_PATH": str(profile_root), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": "", "SMR_SHARED_DATA": ""}
    run = subprocess.run(["/usr/bin/python3", str(ROOT / "tests" / "qgis_fresh_profile.py"), str(plugin_zip),
                          "Overijssel", "Zeeland"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert [r["region"] for r in rows] == ["Overijssel", "Zeeland"]
    installed = profile_root / "profiles" / "default" / "python" / "plugins" / "smr_siting"
    for row in rows:
        assert all(row["exists"].values()) and {"EXCLUSION", "CANDIDATES", "MANIFEST", "SUMMARY"} <= set(row["exists"])
        assert 0 < row["excluded_km2"] < row["region_km2"]
        assert row["candidates"] > 0
        assert "national pack" in row["origins"]
        # everything came from the installed plugin: its pack and its reference layers, nothing of the repository
        assert all(Path(p).resolve().is_relative_to(installed.resolve()) for p in row["inputs"]), row["inputs"]
        assert any("embedded national pack" in line for line in row["log"])
    assert plugin_zip.stat().st_size < 20_000_000


def test_pack_lists_every_slot_the_shipped_profiles_can_use(tmp_path: Path) -> None:
    import yaml
    from build_national_pack import profile_layers, wanted_slots

    profile = {"criteria": [{"id": "water", "layers": [{"one_of": [{"layer": "surface_water"},
                                                                    {"layer": "rivers_major", "fallback": "x"}]}]}],
               "scoring": {"criteria": [{"layers": [{"layer": "power_plants"}]}]}}
    assert list(profile_layers(profile)) == ["surface_water", "rivers_major", "power_plants"]
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    catalogue = {k: {"used_by": []} for k in ("surface_water", "rivers_major", "power_plants", "provinces",
                                              "municipalities", "airports")}
    slots = wanted_slots(catalogue, tmp_path)
    assert set(slots) == {"surface_water", "rivers_major", "power_plants", "provinces", "municipalities"}
    description = json.loads((PACK / "NATIONAL_PACK.json").read_text(encoding="utf-8"))
    shipped = wanted_slots(yaml.safe_load((ROOT / "layers" / "catalogue.yaml").read_text(encoding="utf-8"))["layers"],
                           ROOT / "smr_siting" / "profiles")
    assert set(description["slots"]) == set(shipped), "layers/national is stale: run make national-pack"


def _features(path: Path) -> list[tuple]:
    from osgeo import ogr

    source = ogr.Open(str(path))
    out = []
    for i in range(source.GetLayerCount()):
        layer = source.GetLayer(i)
        for feature in layer:
            geometry = feature.GetGeometryRef()
            out.append((layer.GetName(), feature.GetFID(), tuple(feature.items().items()),
                        bytes(geometry.ExportToWkb()) if geometry else None))
    return out


def test_pack_rebuilds_identical_from_the_shared_data(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    from build_national_pack import main
    from osgeo import gdal

    monkeypatch.setenv("OGR_CURRENT_DATE", "")  # the builder pins it for its run; put it back afterwards
    monkeypatch.delenv("OGR_CURRENT_DATE")

    assert main(["--source", str(shared_data), "--out", str(tmp_path / "pack")]) == 0
    built = sorted((tmp_path / "pack").glob("*.gpkg"))
    assert [p.name for p in built] == sorted(p.name for p in PACK.glob("*.gpkg")), "run make national-pack"
    recorded = json.loads((PACK / "NATIONAL_PACK.json").read_text(encoding="utf-8")).get("gdal")
    for path in built:
        if recorded == gdal.__version__:  # the same GDAL writes the same bytes
            assert _sha(path) == _sha(PACK / path.name), f"{path.name} differs from a fresh build: make national-pack"
        else:  # another GDAL may lay the file out differently: the same features, fids, attributes and geometry
            assert _features(path) == _features(PACK / path.name), path.name


def test_screening_on_the_pack_equals_one_on_the_shared_data(shared_data: Path, tmp_path: Path, cli: list[str]) -> None:
    for name, data in (("pack", PACK), ("shared", shared_data)):
        subprocess.run([*cli, "screen", "--region", "Zeeland", "--resolution", "100", "--data", str(data),
                        "--out", str(tmp_path / name), "--quiet"], check=True, cwd=ROOT)
    for output in ("exclusion.tif", "summary.csv", "candidate_areas.gpkg"):
        assert _sha(tmp_path / "pack" / output) == _sha(tmp_path / "shared" / output), output
