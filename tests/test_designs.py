"""Reactor designs (smr_siting/designs/*.yaml, smr_siting/core/config/designs.py) and the cooling-water table.

Every number of a shipped design carries a source; a design file without one is refused on the
command line with one line and exit 2; a profile's override and the command line's footprint are
reported with their origin; the cooling rule keeps exactly the cells near water whose low flow
carries one of the design's cooling modes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from engine_helpers import RD, cell_centres, make_store, write_layer
from shapely.geometry import LineString

from smr_siting.core.config.designs import (
    DESIGN_DIR,
    REQUIRED_NUMBERS,
    apply_design,
    builtin_designs,
    load_design,
    resolved_design,
)
from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.data.cooling import flows_path, load_flows
from smr_siting.core.model.errors import ProfileError
from smr_siting.core.model.grid import Grid
from smr_siting.core.model.progress import RunContext
from smr_siting.core.rules import get_kind, parse_profile

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "smr_siting"]


def test_the_required_designs_are_shipped():
    assert {"bwrx-300", "rolls-royce-smr", "nuscale-voygr-6", "chp-50"} <= set(builtin_designs())
    assert load_design("chp-50").electrical_mwe <= 50
    nuscale = load_design("nuscale-voygr-6")
    assert nuscale.electrical_mwe == 6 * 77 and "77 MWe" in nuscale.numbers["electrical_output"].source


@pytest.mark.parametrize("name", builtin_designs())
def test_every_number_of_a_shipped_design_has_a_source(name):
    design = load_design(name)
    numbers = list(design.numbers.values()) + [n for c in design.cooling for n in (c.withdrawal, c.consumption)]
    assert set(REQUIRED_NUMBERS) <= set(design.numbers)
    for number in numbers:
        assert len(number.source) > 10, (name, number.key)
        if number.is_assumption:
            assert number.range is not None and number.range[0] <= number.written <= number.range[1], number.key
    assert design.shape_source
    text = (DESIGN_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert "../shared" not in text and "issue" not in text.lower()


def _without_source(tmp_path: Path) -> Path:
    text = (DESIGN_DIR / "bwrx-300.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("  thermal_output:")
    assert lines[start + 3].lstrip().startswith("source:")
    del lines[start + 3]
    path = tmp_path / "no-source.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_design_without_a_source_is_refused_on_the_command_line(tmp_path):
    path = _without_source(tmp_path)
    with pytest.raises(ProfileError, match="design number 'thermal_output' has no source"):
        load_design(path)
    run = subprocess.run(CLI + ["screen", "--region", "Ede", "--profile", "nl-regulator", "--design", str(path),
                                "--data", str(REPO / "demo" / "data"), "--out", str(tmp_path / "out"), "--quiet"],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"smr-siting: error: {path}:19 thermal_output: design number 'thermal_output' has no source. Cite the vendor "
        "document, regulator filing or IAEA ARIS entry, or write 'source: \"assumption: why\"' with 'range: "
        "[low, high]'."]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_assumption_without_a_range_is_refused(tmp_path):
    text = (DESIGN_DIR / "bwrx-300.yaml").read_text(encoding="utf-8").replace("    range: [0.5, 10]\n", "", 1)
    path = tmp_path / "no-range.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match="design number 'evacuation_zone' is an assumption but has no range"):
        load_design(path)


PROFILE = """name: design-test
design:
  default: bwrx-300
  override:
    evacuation_zone: {value: 4, unit: km, source: "assumption: a wider zone; try 2-8 km", range: [2, 8]}
footprint: {area: 1 ha, shape: square}
criteria:
  - id: evac
    kind: emergency_zone
    radius: design.evacuation_zone
    max_inhabitants: 100
    layers: [{layer: population_centres, field: aantal_inwoners_2021}]
"""


def test_a_design_sets_the_footprint_and_a_profile_overrides_a_number():
    profile = parse_profile(PROFILE, "design-test.yaml", load_catalogue().ids)
    applied = apply_design(profile, None)
    design = resolved_design(applied)
    assert design is not None and design.name == "bwrx-300"
    assert applied.footprint.area_m2 == 100_000 and applied.footprint.shape == "square"
    assert applied.criteria[0].options["radius"] == 4000.0
    report = design.report()
    assert report["numbers"]["evacuation_zone"]["origin"] == "profile design-test"
    assert report["numbers"]["thermal_output"]["origin"] == "design bwrx-300"
    assert design.report(footprint_ha_override=7)["numbers"]["footprint_area"]["origin"] == "command line"
    other = apply_design(profile, "rolls-royce-smr")
    assert other.footprint.area_m2 == 160_000 and other.criteria[0].options["radius"] == 4000.0
    assert apply_design(applied, None) is applied  # applied once


def test_a_rule_that_needs_a_design_without_one_is_refused():
    profile = parse_profile(PROFILE.replace("design:\n  default: bwrx-300\n", "design:\n"), "x.yaml",
                            load_catalogue().ids)
    with pytest.raises(ProfileError, match="rule 'evac' takes design.evacuation_zone from the reactor design, but no "
                                           "design is chosen"):
        apply_design(profile, None)


def test_the_flow_table_cites_every_row_and_names_the_rivers_of_the_water_layer():
    flows = load_flows(flows_path())
    assert all(f.source for f in flows)
    by_name = {f.name: f.low_flow_m3s for f in flows}
    assert 620 <= by_name["Rhein"] <= 800 and by_name["Maas"] == 25
    with open(flows_path(), encoding="utf-8") as handle:
        assert "1,200 m3/s" in handle.read()
    import geopandas as gpd
    from engine_helpers import real_data

    rivers = gpd.read_file(real_data() / "nl_water_osm.gpkg", layer="rivers_major_lines")
    named = {f.name for f in flows if f.layer == "rivers_major"}
    key = {"Rhein", "Waal", "IJssel", "Nederrijn", "Lek", "Maas", "Bergsche Maas"}  # the big rivers of the layer
    assert key <= named and key <= set(rivers["name"].dropna())


def test_cooling_rule_keeps_the_cells_near_water_that_carries_a_mode(tmp_path):
    """A 470 MWe design: once-through (20.9 m³/s) fits the Waal (490 m³/s) but not the IJssel (130 m³/s at
    15 %, 19.5 m³/s); wet towers fit both; nothing fits an unnamed canal. Only once-through allowed: only the
    cells within 1 km of the Waal stay."""
    grid = Grid(150_000.0, 460_000.0, 100.0, 80, 60)
    lines = [LineString([(150_500, 459_000), (157_500, 459_000)]), LineString([(150_500, 455_000),
                                                                               (157_500, 455_000)]),
             LineString([(150_500, 456_500), (157_500, 456_500)])]
    path = write_layer(tmp_path / "rivers.gpkg", lines, name=["Waal", "IJssel", "Kanaal X"])
    text = """name: cooling-test
design: {default: rolls-royce-smr}
footprint: {area: 1 ha, shape: square}
criteria:
  - id: cooling
    kind: cooling_water_adequacy
    max_share: 15 %
    modes: [MODES]
    layers: [{layer: rivers_major, field: name, distance: 1 km}]
"""
    xs, ys = cell_centres(grid)
    near = [np.hypot(np.clip(xs, 150_500, 157_500) - xs, ys - y) <= 1000 for y in (459_000, 455_000)]
    for modes, keep in (("once_through", near[0]), ("once_through, wet_tower", near[0] | near[1])):
        profile = apply_design(parse_profile(text.replace("MODES", modes), "c.yaml", load_catalogue().ids), None)
        ctx = RunContext()
        store = make_store({"rivers_major": path}, ctx)
        store.read_bounds = grid.expanded_bounds(1200)
        (criterion,) = profile.criteria
        mask = get_kind("cooling_water_adequacy").evaluate(criterion, grid, store, ctx)
        assert np.array_equal(~mask, keep), modes
        assert any("Kanaal X" in n and "not counted" in n for n in ctx.notices)
    assert RD == "EPSG:28992"


def test_verify_reruns_a_screening_with_its_design(tmp_path):
    """A screening made with --design (not the profile's default) still verifies: verify reruns it with the
    recorded design, not the default."""
    from engine_helpers import real_data

    out = tmp_path / "ede"
    run = subprocess.run(CLI + ["screen", "--region", "Ede", "--profile", "nl-regulator", "--design", "chp-50",
                                "--data", str(real_data()), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, cwd=REPO, timeout=600)
    assert run.returncode == 0, run.stderr
    verify = subprocess.run(CLI + ["verify", str(out), "--quiet"], capture_output=True, text=True, cwd=REPO,
                            timeout=600)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_tiled_national_run_applies_the_design_like_the_untiled_run(tmp_path):
    """`smr-siting national` (tiles) with nl-regulator and a design gives the untiled screening's bits."""
    import rasterio
    from engine_helpers import real_data

    from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
    from smr_siting.core.pipeline.tiled import tiled_exclusion

    request = ScreeningRequest(region="Zutphen", profile="nl-regulator", data_dir=real_data(), resolution_m=100,
                               design="rolls-royce-smr")
    untiled = compute_exclusion(request)
    out = tmp_path / "exclusion.tif"
    tiled = tiled_exclusion(request, out, tile_size=64)
    assert tiled.tiles >= 4
    with rasterio.open(out) as src:
        bits = src.read(1)
    assert np.array_equal(bits, untiled.bits)
    assert [r.id for r in untiled.rules][-4:] == ["population_centre", "evacuation_zone", "population_density_rg47",
                                                  "worst_sector"]
