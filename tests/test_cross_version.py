"""The same Gelderland screening gives the same result on every supported QGIS/Python stack.

`tests/golden/gelderland_demo_25m.json` was written on Debian 12 (QGIS 3.22, shapely 1.8, numpy 1.24);
the `make test-qgis340` leg checks Debian 13 (QGIS 3.40, shapely 2.1, numpy 2.2) against it: the
exclusion bit mask must be identical cell for cell (compared as data, since GeoTIFF compression bytes
may differ between GDAL versions) and every candidate area within 0.01 %.
Regenerate (after a deliberate change of results) with SMR_SITING_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from smr_siting.core.candidates.compute import compute_candidates
from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion

GOLDEN = Path(__file__).resolve().parent / "golden" / "gelderland_demo_25m.json"


def _fingerprint(demo_data: Path) -> dict:
    result = compute_exclusion(ScreeningRequest(region="Gelderland", profile="nl-default", data_dir=demo_data))
    areas, _cells = compute_candidates(result)
    bits = result.bits
    return {
        "shape": list(bits.shape), "dtype": str(bits.dtype),
        "bits_sha256": hashlib.sha256(bits.tobytes()).hexdigest(),
        "rules": [[row.id, row.km2_alone, row.km2_only, row.km2_cumulative] for row in result.table],
        "candidate_areas": [[int(r.area_id), float(r.area_ha), float(r.area_ha_total), round(r.centroid_x),
                             round(r.centroid_y)] for r in areas.itertuples()],
    }


@pytest.mark.slow
def test_gelderland_is_the_same_on_every_stack(demo_data) -> None:
    found = _fingerprint(demo_data)
    if os.environ.get("SMR_SITING_UPDATE_GOLDEN") or not GOLDEN.exists():
        GOLDEN.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
        if not os.environ.get("SMR_SITING_UPDATE_GOLDEN"):
            pytest.fail(f"{GOLDEN.name} did not exist; written now — commit it")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert found["shape"] == golden["shape"] and found["dtype"] == golden["dtype"]
    assert found["bits_sha256"] == golden["bits_sha256"], "the exclusion raster differs cell by cell"
    assert found["rules"] == golden["rules"]
    assert len(found["candidate_areas"]) == len(golden["candidate_areas"])
    for mine, theirs in zip(found["candidate_areas"], golden["candidate_areas"]):
        assert mine[0] == theirs[0]
        assert mine[1] == pytest.approx(theirs[1], rel=1e-4) and mine[2] == pytest.approx(theirs[2], rel=1e-4)
        assert abs(mine[3] - theirs[3]) <= 25 and abs(mine[4] - theirs[4]) <= 25
