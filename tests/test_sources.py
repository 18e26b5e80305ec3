"""Sources in order of authority (``one_of:``): which layer each rule reads, and that every output says so.

The authoritative polygon layers (CBS Bestand Bodemgebruik built-up land, TOP10NL water) are not in the
development data, so the polygon paths are tested on layers derived here, reproducibly, from the real CBS
population-centre points and OSM river centre lines — and checked cell by cell against exact shapely
geometry, as the property tests of the criterion kinds do.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from engine_helpers import catalogue, cell_centres, real_data, signed_distance, write_layer
from shapely.geometry import LineString, Point, box
from shapely.ops import unary_union

from smr_siting.core.data.geometry import large_water_parts
from smr_siting.core.data.sources import Missing, pins_from_json, resolve_profile
from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
from smr_siting.core.model.errors import DataError, ProfileError
from smr_siting.core.model.grid import Grid
from smr_siting.core.pipeline.screen import screen
from smr_siting.core.rules import load_profile, parse_profile

LAYER_IDS = catalogue().ids
REGION = "Neder-Betuwe"
BUILT_UP_CATEGORIES = ["Woongebied", "Detailhandel en horeca", "Openbare voorziening", "Sociaal-culturele voorziening"]


def _profile(layers_yaml: str, kind: str = "exclude_within") -> str:
    return f"""name: t
footprint: {{area: 1 ha, shape: square}}
criteria:
  - id: r
    kind: {kind}
    layers:
{layers_yaml}
"""


def _absent(*present: str):
    return lambda layer: None if layer in present else Missing("/data", (f"{layer}.gpkg",))


# --------------------------------------------------------------------------- resolution


ONE_OF = """      - one_of:
          - {layer: built_up_areas, distance: 500 m}
          - {layer: population_centre_areas, distance: 500 m, fallback: outlines of cores}
          - {layer: population_centres, distance: 2 km, fallback: discs around points}
"""


def test_the_first_present_alternative_is_used_and_recorded() -> None:
    profile = parse_profile(_profile(ONE_OF), "t.yaml", LAYER_IDS)
    assert not profile.is_resolved and profile.max_distance_m == 2000  # the grid margin covers every fallback
    resolved, choices = resolve_profile(profile, _absent("population_centre_areas", "population_centres"))
    assert resolved.is_resolved and [s.layer for s in resolved.criteria[0].sources] == ["population_centre_areas"]
    assert resolved.max_distance_m == 500
    (choice,) = choices
    assert choice.chosen == "population_centre_areas" and choice.is_fallback
    assert [layer for layer, _why in choice.skipped] == ["built_up_areas"]
    assert choice.meaning == "outlines of cores"
    item = choice.as_dict()
    assert item["skipped"] == [{"layer": "built_up_areas", "reason": "not found", "folder": "/data",
                                "looked_for": ["built_up_areas.gpkg"]}]
    # the most authoritative one, when present, is no fallback and carries no meaning
    _resolved, (first,) = resolve_profile(profile, _absent("built_up_areas", "population_centres"))
    assert first.chosen == "built_up_areas" and not first.is_fallback and first.meaning == "" and not first.skipped


def test_no_alternative_present_names_every_one() -> None:
    profile = parse_profile(_profile(ONE_OF), "t.yaml", LAYER_IDS)
    with pytest.raises(DataError) as caught:
        resolve_profile(profile, _absent())
    text = str(caught.value)
    for layer in ("built_up_areas", "population_centre_areas", "population_centres"):
        assert f"'{layer}': not in /data" in text
    assert "--layer built_up_areas=FILE" in text


def test_a_recorded_choice_is_kept_when_a_better_source_appears() -> None:
    profile = parse_profile(_profile(ONE_OF), "t.yaml", LAYER_IDS)
    _resolved, first = resolve_profile(profile, _absent("population_centres"))
    pins = pins_from_json([c.as_dict() for c in first])
    resolved, again = resolve_profile(profile, _absent("built_up_areas", "population_centres"), pins)
    assert [s.layer for s in resolved.criteria[0].sources] == ["population_centres"]
    assert again[0].skipped[0][1].recorded == "population_centres"


@pytest.mark.parametrize(("layers", "message"), [
    ("      - one_of: []\n", "'one_of' must be a non-empty list"),
    ("      - one_of: [{layer: sea, distance: 1 km}, {layer: sea, distance: 2 km}]\n", "names layer 'sea' twice"),
    ("      - one_of: [{layer: sea, distance: 1 km}]\n        typo: 1\n", "unknown key 'typo'"),
    ("      - one_of: [{layer: see, distance: 1 km}]\n", "unknown layer id 'see'"),
    ("      - one_of: [{layer: sea}]\n", "'distance' is missing"),
    ("      - {layer: sea, distance: 1 km, min_area: 0 ha}\n", "must be positive"),
])
def test_one_of_mistakes_are_reported_with_the_line(layers: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message) as caught:
        parse_profile(_profile(layers), "t.yaml", LAYER_IDS)
    assert str(caught.value).startswith("t.yaml:")


def test_entries_falling_back_to_one_source_read_it_once() -> None:
    text = _profile("""      - one_of: [{layer: surface_water, distance: 1 km}, {layer: sea, distance: 1 km}]
      - one_of: [{layer: surface_water, distance: 1 km}, {layer: lakes, distance: 1 km}]
""", "require_within")
    profile = parse_profile(text, "t.yaml", LAYER_IDS)
    resolved, choices = resolve_profile(profile, _absent("surface_water", "sea", "lakes"))
    assert [s.layer for s in resolved.criteria[0].sources] == ["surface_water"]
    assert [c.chosen for c in choices] == ["surface_water", "surface_water"]


def test_shipped_profiles_list_the_authoritative_layers_first() -> None:
    for name in ("nl-default", "nl-strict", "nl-datacentre"):
        profile = load_profile(name, LAYER_IDS)
        firsts = {c.id: [entry[0].layer for entry in c.alternatives] for c in profile.criteria if c.alternatives}
        assert firsts["settlements"] == ["built_up_areas"], name
        assert firsts["energy_demand"][0] == "hv_stations_tennet", name
        assert "surface_water" in firsts["cooling_water"] and "surface_water" in firsts["open_water"], name
        chains = {c.id: [[s.layer for s in entry] for entry in c.alternatives] for c in profile.criteria}
        assert ["built_up_areas", "population_centre_areas", "population_centres"] in chains["settlements"]
        assert ["hv_stations_tennet", "hv_substations_entsoe", "hv_substations"] in chains["energy_demand"]


# --------------------------------------------------------------------------- water: width and area


def test_large_water_parts_keeps_wide_large_water_and_drops_canals_and_ponds() -> None:
    river = LineString([(0, 0), (10_000, 0)]).buffer(120, cap_style=2)        # 240 m wide, 2.4 km²
    canal = LineString([(5_000, 0), (5_000, 4_000)]).buffer(10, cap_style=2)  # 20 m wide, joined to the river
    pond = Point(2_000, 3_000).buffer(60)                                     # wide enough, 1.1 ha
    lake = box(7_000, 2_000, 8_500, 3_500)                                    # 225 ha
    pieces = [river.intersection(box(x, -500, x + 1_000, 500)) for x in range(0, 10_000, 1_000)]  # cut at "bridges"
    parts = large_water_parts(pieces + [canal, pond, lake], min_width_m=80, min_area_m2=100 * 10_000)
    assert len(parts) == 2
    kept = unary_union(parts)
    assert kept.contains(Point(5_000, 0)) and kept.contains(Point(7_500, 2_500))
    assert not kept.intersects(Point(5_000, 2_000)) and not kept.intersects(Point(2_000, 3_000))
    assert abs(kept.area - river.area - lake.area) < 0.001 * (river.area + lake.area)
    # without thresholds everything stays, dissolved
    assert len(large_water_parts(pieces + [canal, pond, lake])) == 3


# --------------------------------------------------------------------------- screenings on derived layers


def _data_folder(tmp_path: Path) -> Path:
    """The real development data, linked file by file (nothing copied), to add derived layers beside."""
    source = real_data()
    folder = tmp_path / "data"
    folder.mkdir()
    for item in source.iterdir():
        if item.suffix in (".gpkg", ".csv"):
            (folder / item.name).symlink_to(item)
    return folder


def _built_up_layer(folder: Path) -> gpd.GeoDataFrame:
    """Squares of equal area around the real CBS population-centre points near the region, with BBG-style
    categories; every seventh is an industrial estate ('Bedrijfsterrein'), which the profile must not use."""
    kernen = gpd.read_file(real_data() / "nl_cbs_bevolkingskernen2021_centroids.gpkg")
    near = kernen[kernen.geometry.within(box(150_000, 415_000, 200_000, 450_000))].reset_index(drop=True)
    half = np.sqrt(near["aantal_inwoners_2021"].to_numpy(float) / 2500.0 * 1e6) / 2.0
    geoms = [box(p.x - h, p.y - h, p.x + h, p.y + h) for p, h in zip(near.geometry, half)]
    categories = ["Bedrijfsterrein" if i % 7 == 3 else BUILT_UP_CATEGORIES[i % 4] for i in range(len(geoms))]
    write_layer(folder / "built_up_areas.gpkg", geoms, layer="built_up_areas", categorie=categories)
    return gpd.GeoDataFrame({"categorie": categories}, geometry=geoms, crs="EPSG:28992")


def _rule_mask(out: Path, rule_id: str) -> tuple[np.ndarray, np.ndarray, Grid]:
    legend = json.loads((out / "exclusion.rules.json").read_text(encoding="utf-8"))
    bit = next(r["bit"] for r in legend["rules"] if r["id"] == rule_id)
    with rasterio.open(out / "exclusion.tif") as src:
        values = src.read(1)
        nodata = src.nodata
        grid = Grid(src.bounds.left, src.bounds.top, src.res[0], src.width, src.height)
    region = values != nodata
    return (values & (1 << bit)) != 0, region, grid


@pytest.mark.slow
def test_a_built_up_polygon_layer_is_used_and_matches_polygon_plus_setback(tmp_path: Path) -> None:
    folder = _data_folder(tmp_path)
    built = _built_up_layer(folder)
    out = tmp_path / "out"
    result, _written = screen(ScreeningRequest(region=REGION, profile="nl-default", data_dir=folder), out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for document in (summary, manifest):
        (used,) = [s for s in document["sources"] if s["criterion"] == "settlements"]
        assert used["layer"] == "built_up_areas" and used["fallback"] is False and used["skipped"] == []
    assert "built_up_areas" in {item["layer_id"] for item in manifest["inputs"]}
    assert any("'settlements' uses its most authoritative sources: built_up_areas" in n for n in summary["notices"])
    # cell by cell: excluded exactly where the cell centre lies within 500 m of a built-up polygon
    mask, region, grid = _rule_mask(out, "settlements")
    wanted = unary_union([g for g, c in zip(built.geometry, built["categorie"]) if c != "Bedrijfsterrein"])
    xs, ys = cell_centres(grid)
    level = signed_distance(wanted, xs[region], ys[region]) - 500.0
    # buffers keep their arc error under a tenth of a cell (README, "How it computes"): a centre that close to
    # the 500 m line may fall either way
    clear = np.abs(level) > grid.resolution / 10
    assert clear.sum() > 0.99 * region.sum()
    assert np.array_equal(mask[region][clear], (level <= 0)[clear])
    # the industrial estates were left out: some of them lie wholly clear of the built-up land's setback
    estates = [g for g, c in zip(built.geometry, built["categorie"]) if c == "Bedrijfsterrein"]
    assert any(not g.buffer(500).intersects(wanted) for g in estates)
    assert result.table[[r.id for r in result.table].index("settlements")].km2_alone > 0


@pytest.mark.slow
def test_without_the_polygons_every_output_names_the_fallback(tmp_path: Path) -> None:
    folder = _data_folder(tmp_path)
    out = tmp_path / "out"
    screen(ScreeningRequest(region=REGION, profile="nl-default", data_dir=folder), out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    legend = json.loads((out / "exclusion.rules.json").read_text(encoding="utf-8"))
    for document in (summary, manifest):
        (used,) = [s for s in document["sources"] if s["criterion"] == "settlements"]
        assert used["layer"] == "population_centres" and used["fallback"] is True
        assert [s["layer"] for s in used["skipped"]] == ["built_up_areas", "population_centre_areas"]
        assert "circles around the centre points" in used["meaning"]
    fallback_note = [n for n in summary["notices"] if "'settlements' uses the fallback(s) 'population_centres'" in n]
    assert fallback_note and "built_up_areas: not in" in fallback_note[0] and "What this means" in fallback_note[0]
    for caveats in (summary["caveats"], manifest["caveats"], legend["caveats"]):
        assert any(c.startswith("settlements: without built-up outlines") for c in caveats)
    with rasterio.open(out / "exclusion.tif") as src:
        assert "settlements: without built-up outlines" in json.dumps(src.tags())


@pytest.mark.slow
def test_top10nl_style_water_polygons_replace_the_stand_ins(tmp_path: Path) -> None:
    """Water polygons derived from the real OSM river centre lines (240 m wide) plus 20 m canals: the rivers
    count as cooling water, the canals do not; the stand-ins (centre lines, sea, lakes) are not read."""
    folder = _data_folder(tmp_path)
    rivers = gpd.read_file(real_data() / "nl_water_osm.gpkg", layer="rivers_major_lines")
    near = rivers[rivers.intersects(box(140_000, 400_000, 210_000, 460_000))]
    wide = [g.buffer(120) for g in near.geometry]
    canal = LineString([(166_000, 420_000), (166_000, 440_000)]).buffer(10)
    write_layer(folder / "surface_water.gpkg", wide + [canal], layer="surface_water",
                typewater=["waterloop"] * (len(wide) + 1))
    out = tmp_path / "out"
    result, _written = screen(ScreeningRequest(region=REGION, profile="nl-default", data_dir=folder), out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    used = {(s["criterion"], s["entry"]): s["layer"] for s in summary["sources"] if s["section"] == "rule"}
    assert used[("cooling_water", 0)] == used[("river_channel", 0)] == used[("open_water", 0)] == "surface_water"
    read = {u.layer_id for u in result.store.inputs()}
    assert "surface_water" in read and not {"rivers_major", "sea", "lakes", "water_krw", "water_osm_relations"} & read
    mask, region, grid = _rule_mask(out, "cooling_water")
    water = unary_union(large_water_parts(wide, 80, 100 * 10_000))
    xs, ys = cell_centres(grid)
    level = signed_distance(water, xs[region], ys[region]) - 3000.0
    clear = np.abs(level) > grid.resolution / 10
    assert np.array_equal(mask[region][clear], (level > 0)[clear])  # excluded where farther than 3 km
    # the canal alone would have made land at x = 166 km near enough; it does not count
    assert not water.intersects(Point(166_000, 430_000)) or water.distance(Point(166_000, 430_000)) == 0


def test_gelderland_on_the_development_data_uses_entsoe_stations_and_the_krw_randmeren() -> None:
    folder = real_data()
    result = compute_exclusion(ScreeningRequest(region="Gelderland", profile="nl-default", data_dir=folder,
                                                resolution_m=250))
    chosen = {(c.section, c.criterion, c.entry): c for c in result.sources}
    grid = chosen[("rule", "energy_demand", 0)]
    assert grid.chosen == "hv_substations_entsoe" and grid.is_fallback
    assert [layer for layer, _why in grid.skipped] == ["hv_stations_tennet"]
    assert "150 kV stations are missing" in grid.meaning
    read = {u.layer_id: u for u in result.store.inputs()}
    assert "hv_substations" not in read and read["hv_substations_entsoe"].features_read > 0
    krw = gpd.read_file(folder / "nl_water_krw_and_osm_relations.gpkg", layer="krw_waterlichamen_nlmod")
    randmeren = unary_union(krw[krw["owmnaam"].str.startswith("Randmeren")].geometry)
    assert result.region.geometry.intersection(randmeren).area > 1e6  # the Veluwe shore of the randmeren
    assert read["water_krw"].features_read >= 2


def test_layers_command_shows_what_a_folder_holds(cli: list[str], tmp_path: Path) -> None:
    folder = _data_folder(tmp_path)
    _built_up_layer(folder)
    done = subprocess.run(cli + ["layers", "--data", str(folder), "--profile", "nl-default"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.split()[:2] == ["built_up_areas", "built_up_areas.gpkg"] for line in lines)
    assert any(line.split()[0] == "surface_water" and "not in" in line for line in lines)
    rows = {tuple(line.split()[:3]): line for line in lines if line.startswith("  rule")}
    assert "most authoritative" in rows[("rule", "settlements", "built_up_areas")]
    assert "fallback for hv_stations_tennet" in rows[("rule", "energy_demand", "hv_substations_entsoe")]
