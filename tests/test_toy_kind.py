"""A new criterion kind is one file: a toy kind, defined whole in this file, runs through the profile reader
(its own keys, an unknown key refused with the known ones), the screening (its reach grows the analysis grid),
the tiled run (its tiles agree with the untiled run) and a sensitivity sweep of its own number — and no engine
module names it.  Real data: the bundled demo pack, Zutphen at 100 m."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pytest
import rasterio

from smr_siting.core.config.yamlpos import LineDict
from smr_siting.core.data.layers import LayerStore
from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
from smr_siting.core.model.errors import ProfileError, SmrSitingError
from smr_siting.core.model.grid import Grid
from smr_siting.core.model.profile import Criterion
from smr_siting.core.model.progress import RunContext
from smr_siting.core.model.units import parse_length
from smr_siting.core.pipeline.rank import sweep_rows
from smr_siting.core.pipeline.tiled import tiled_exclusion
from smr_siting.core.rules import CriterionKind, get_kind, load_profile, register, unregister
from smr_siting.core.rules.sweep import SweepTarget

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "data"
#: the middle of Zutphen (RD New)
CENTRE = (208_000.0, 464_000.0)


# --------------------------------------------------------------------------- the toy kind (one "file")
def _parse_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    centre = raw.get("centre")
    if not (isinstance(centre, list) and len(centre) == 2):
        raise ProfileError("'centre' must be [x, y] in RD New", "Write 'centre: [208000, 464000]'", where)
    return {"centre": (float(centre[0]), float(centre[1])),
            "radius": parse_length(raw.get("radius", "1 km"), "radius", where, allow_zero=False)}


def _parse_source_options(raw: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    return {"pad": parse_length(raw["pad"], "pad", where)} if "pad" in raw else {}


def _radius(criterion: Criterion) -> float:
    return criterion.options["radius"] + max((s.options.get("pad", 0.0) for s in criterion.sources), default=0.0)


def _evaluate(criterion: Criterion, grid: Grid, store: LayerStore, ctx: RunContext) -> np.ndarray:
    rows, cols = np.indices(grid.shape)
    x = grid.left + (cols + 0.5) * grid.resolution
    y = grid.top - (rows + 0.5) * grid.resolution
    cx, cy = criterion.options["centre"]
    return (x - cx) ** 2 + (y - cy) ** 2 <= _radius(criterion) ** 2


def _vary(criterion: Criterion, target: SweepTarget, value: float) -> Criterion:
    assert target.kind == "own" and target.text == f"{criterion.id}.radius"
    return dataclasses.replace(criterion, options={**criterion.options, "radius": value})


TOY = CriterionKind(
    name="toy_disc", summary="Exclude a disc around a point (a test kind).", evaluate=_evaluate,
    criterion_keys=frozenset({"centre", "radius"}), source_keys=frozenset({"pad"}),
    parse_options=_parse_options, parse_source_options=_parse_source_options,
    reach=_radius, sweep_targets=lambda c: [f"{c.id}.radius"], vary=_vary)


# --------------------------------------------------------------------------- the tests
@pytest.fixture
def toy(tmp_path):  # noqa: ANN201
    register(TOY)
    profile = tmp_path / "toy.yaml"
    profile.write_text(f"""name: toy
footprint: {{area: 10 ha, shape: square}}
criteria:
  - id: disc
    kind: toy_disc
    title: A disc around the centre of Zutphen
    centre: [{CENTRE[0]:.0f}, {CENTRE[1]:.0f}]
    radius: 1.5 km
    layers: [{{layer: municipalities, pad: 500 m}}]
  - id: natura2000
    kind: exclude_inside
    title: Natura 2000
    layers: [natura2000]
""", encoding="utf-8")
    yield profile
    unregister(TOY.name)
    assert get_kind(TOY.name) is None


def test_the_reader_gives_the_kind_its_own_keys_and_refuses_unknown_ones(toy) -> None:
    rule = load_profile(toy).criteria[0]
    assert rule.options == {"centre": CENTRE, "radius": 1500.0}
    assert rule.sources[0].options == {"pad": 500.0}  # a key the reader itself does not know, kept
    toy.write_text(toy.read_text(encoding="utf-8").replace("radius: 1.5 km", "radiuss: 1.5 km"), encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(toy)
    assert "unknown key 'radiuss'" in str(caught.value.problem)
    assert "radius" in caught.value.fix and "centre" in caught.value.fix  # the known keys, listed


def test_screening_tiles_and_sweep_run_the_toy_kind(toy, tmp_path) -> None:
    request = ScreeningRequest(region="Zutphen", profile=str(toy), data_dir=DEMO, resolution_m=100.0)
    result = compute_exclusion(request)
    # screening: the disc (radius 1.5 km + 0.5 km pad) is excluded by rule bit 0, and the grid reaches past it
    disc = (result.bits_full & 1).astype(bool)
    cell_km2 = result.analysis_grid.cell_area_km2
    assert abs(disc.sum() * cell_km2 - math.pi * 2.0 ** 2) < 0.3  # 12.6 km², wholly on the analysis grid
    left, bottom, right, top = result.analysis_grid.bounds
    assert left <= CENTRE[0] - 2_000 and right >= CENTRE[0] + 2_000  # the kind's reach sets the margin
    inside = (disc & result.region_full).sum() * cell_km2
    assert 1.0 < inside and result.table[0].km2_alone == pytest.approx(inside, abs=0.05)
    # tiling: tiles of 32 cells cut through the disc; the tiled bits are the untiled ones, cell for cell
    out = tmp_path / "tiled" / "exclusion.tif"
    out.parent.mkdir()
    tiled = tiled_exclusion(request, out, tile_size=32)
    assert tiled.tiles > 1
    with rasterio.open(out) as src:
        assert np.array_equal(src.read(1), result.bits)
    # a kind that says it cannot be tiled is refused by the tiled run, before any work
    register(dataclasses.replace(TOY, tiles=False))
    with pytest.raises(SmrSitingError, match="cannot be computed tile by tile"):
        tiled_exclusion(request, tmp_path / "refused.tif", tile_size=32)
    assert not (tmp_path / "refused.tif").exists()
    register(TOY)
    # sweep: the kind offers its own number, and each value moves only the toy rule
    rows = sweep_rows(request, load_profile(toy), [("disc.radius", [500.0, 3_000.0])], RunContext())
    base, small, large = (r["km2_not_excluded"] for r in rows)
    assert base == pytest.approx(result.totals()["not_excluded_km2"])
    assert small > base > large
    assert [r["parameter"] for r in rows] == ["baseline", "disc.radius", "disc.radius"]
