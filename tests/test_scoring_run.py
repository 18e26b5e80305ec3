"""Ranking and sensitivity on real Gelderland data through the command line."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]


def _run(cli, *args):
    return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def screened(cli, shared_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "gelderland"
    done = _run(cli, "screen", "--region", "Gelderland", "--data", str(shared_data), "--out", str(out),
                "--resolution", "100", "--quiet")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def ranked(cli, screened) -> Path:
    done = _run(cli, "rank", "--run", str(screened), "--quiet")
    assert done.returncode == 0, done.stderr
    return screened


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_ranked_sites_are_explained_in_every_column(ranked) -> None:
    for name in ("suitability.tif", "ranked_sites.gpkg", "ranked_sites.csv", "ranking.json"):
        assert (ranked / name).exists(), name
    rows = _rows(ranked / "ranked_sites.csv")
    assert len(rows) >= 5
    ranks = [int(r["rank"]) for r in rows if r["status"] == "ranked"]
    assert ranks == list(range(1, len(ranks) + 1))
    scores = [float(r["score"]) for r in rows if r["status"] == "ranked"]
    assert scores == sorted(scores, reverse=True)
    for row in rows:
        for key, value in row.items():
            if key not in ("excluded_by", "footprint_note"):
                assert value != "", (key, row["name"])
        assert row["province"] == "Gelderland"
        assert " km to " in row["grid_text"] and any(ch.isalpha() for ch in row["grid_text"].split(" km to ")[1])
        assert " km to " in row["cooling_text"]
        contributions = sum(float(row[f"{c}_contribution"]) for c in ("grid", "cooling", "population_distance",
                                                                       "population_density", "demand"))
        assert contributions == pytest.approx(float(row["score"]), abs=1e-5)
    ranking = json.loads((ranked / "ranking.json").read_text(encoding="utf-8"))
    assert ranking["scoring"]["weighting"] == "ahp" and ranking["scoring"]["ahp"]["consistency_ratio"] < 0.1
    import rasterio

    with rasterio.open(ranked / "suitability.tif") as src, rasterio.open(ranked / "exclusion.tif") as exc:
        surface, bits = src.read(1), exc.read(1)
        assert src.transform == exc.transform
        inside = bits == 0
        assert (surface[inside] >= 0).all() and (surface[inside] <= 1).all()
        assert (surface[~inside] == src.nodata).all()


def test_user_sites_inside_natura2000_are_excluded_with_that_reason(cli, ranked, shared_data, tmp_path) -> None:
    natura = gpd.read_file(shared_data / "nl_natura2000.gpkg", layer="natura2000")
    veluwe = natura[natura["naam"] == "Veluwe"].geometry.iloc[0].representative_point()
    best = _rows(ranked / "ranked_sites.csv")[0]
    sites = gpd.GeoDataFrame({"name": ["Veluwe (Natura 2000)", "best area site", "Maastricht"]},
                             geometry=[veluwe, Point(float(best["x"]), float(best["y"])), Point(176_000, 318_000)],
                             crs="EPSG:28992").to_crs("EPSG:4326")  # any CRS: reprojected
    path = tmp_path / "my_sites.gpkg"
    sites.to_file(path, layer="sites")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    done = _run(cli, "rank", "--run", str(ranked), "--sites", str(path), "--overwrite")
    assert done.returncode == 0, done.stderr
    assert "1 of 3 sites lie outside Gelderland" in done.stderr
    rows = {r["name"]: r for r in _rows(ranked / "ranked_sites.csv")}
    assert rows["Veluwe (Natura 2000)"]["status"] == "excluded"
    assert "Natura 2000 site" in rows["Veluwe (Natura 2000)"]["excluded_by"]
    assert rows["Veluwe (Natura 2000)"]["rank"] == "-1"
    assert rows["best area site"]["status"] == "ranked" and rows["best area site"]["rank"] == "1"
    assert rows["Maastricht"]["status"] == "outside region"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_sensitivity_is_reproducible_and_sweeps_thresholds(cli, ranked) -> None:
    done = _run(cli, "sensitivity", "--run", str(ranked), "--samples", "500", "--seed", "7", "--overwrite",
                "--sweep", "cooling_water=1km,2km,5km,10km")
    assert done.returncode == 0, done.stderr
    first = (ranked / "sensitivity.csv").read_bytes()
    again = _run(cli, "sensitivity", "--run", str(ranked), "--samples", "500", "--seed", "7", "--overwrite")
    assert again.returncode == 0, again.stderr
    assert (ranked / "sensitivity.csv").read_bytes() == first
    rows = _rows(ranked / "sensitivity.csv")
    # leave-one-out ranks recomputed here from the ranked sites' scores and the weights (renormalised)
    sites = {r["site_id"]: r for r in _rows(ranked / "ranked_sites.csv") if r["status"] == "ranked"}
    ranking = json.loads((ranked / "ranking.json").read_text(encoding="utf-8"))
    weights = {c["id"]: c["weight"] for c in ranking["criteria"]}
    for left_out in weights:
        rest = {c: w / (1 - weights[left_out]) for c, w in weights.items() if c != left_out}
        score = {sid: sum(w * float(site[f"{c}_score"]) for c, w in rest.items()) for sid, site in sites.items()}
        order = sorted(score, key=lambda sid: (-score[sid], int(sid)))
        for row in rows:
            assert int(row[f"rank_without_{left_out}"]) == order.index(row["site_id"]) + 1, (left_out, row["site_id"])
    sweeps = _rows(ranked / "sweeps.csv")
    assert sweeps[0]["parameter"] == "baseline"
    sweeps = sweeps[1:]
    left = [float(r["km2_not_excluded"]) for r in sweeps]
    assert [float(r["value"]) for r in sweeps] == [1000, 2000, 5000, 10000]
    assert left == sorted(left) and left[0] < left[-1]  # more cooling reach leaves more land
    assert {r["parameter"] for r in sweeps} == {"cooling_water"} and {r["unit"] for r in sweeps} == {"m"}


@pytest.mark.parametrize("sites, message", [
    ("no_crs", "has no coordinate reference system"),
    ("all_outside", "none of the 2 sites"),
    ("lines", "sites must be points or parcels"),
])
def test_bad_site_layers(cli, ranked, tmp_path, sites, message) -> None:
    path = tmp_path / f"{sites}.gpkg"
    if sites == "no_crs":
        frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(190_000, 450_000)])
    elif sites == "all_outside":
        frame = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(100_000, 480_000), Point(90_000, 470_000)],
                                 crs="EPSG:28992")
    else:
        from shapely.geometry import LineString

        frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[LineString([(190_000, 450_000), (191_000, 451_000)])],
                                 crs="EPSG:28992")
    frame.to_file(path, layer="sites")
    before = sorted(p.name for p in ranked.iterdir())
    done = _run(cli, "rank", "--run", str(ranked), "--sites", str(path), "--overwrite")
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in ranked.iterdir()) == before


def test_rank_needs_a_screening_folder_and_a_scoring_section(cli, tmp_path, screened) -> None:
    done = _run(cli, "rank", "--run", str(tmp_path))
    assert done.returncode == 2 and "no manifest.json" in done.stderr
    done = _run(cli, "sensitivity", "--run", str(tmp_path))
    assert done.returncode == 2 and "no ranked_sites.gpkg" in done.stderr


@pytest.mark.parametrize("edit, message", [
    ("weights: ahp", "no weight for grid"),  # direct weights without weights
    ("      - [1/2, 1/2, 1,   2, 1]\n      - [1/3", "not reciprocal"),
])
def test_scoring_profile_errors(edit, message, tmp_path) -> None:
    from smr_siting.core.model.errors import ProfileError
    from smr_siting.core.rules import parse_profile

    text = (ROOT / "smr_siting/profiles/nl-default.yaml").read_text(encoding="utf-8")
    if edit == "weights: ahp":
        text = text.replace("  weights: ahp ", "  weights: direct ")
    else:
        text = text.replace("      - [1/2, 1/2, 1,   2, 1]\n      - [1/3", "      - [1/2, 1/2, 1,   3, 1]\n      - [1/3", 1)
    with pytest.raises(ProfileError, match=message):
        parse_profile(text, "mine.yaml")


def test_direct_weights_are_normalised_with_a_notice() -> None:
    from smr_siting.core.rules import parse_profile

    text = (ROOT / "smr_siting/profiles/nl-default.yaml").read_text(encoding="utf-8")
    text = text.replace("  weights: ahp ", "  weights: direct ")
    for cid, weight in (("grid", 3), ("cooling", 3), ("population_distance", 2), ("population_density", 1),
                        ("demand", 1)):
        text = text.replace(f"    - id: {cid}\n", f"    - id: {cid}\n      weight: {weight}\n", 1)
    profile = parse_profile(text, "mine.yaml")
    assert profile.scoring.weights == pytest.approx((0.3, 0.3, 0.2, 0.1, 0.1))
    assert any("normalised" in n for n in profile.scoring.notices)
    bad = text.replace("      weight: 1\n", "      weight: -1\n", 1)
    from smr_siting.core.model.errors import ProfileError

    with pytest.raises(ProfileError, match="negative weight"):
        parse_profile(bad, "mine.yaml")


def test_rank_and_sensitivity_on_a_run_without_candidates(cli, shared_data, tmp_path) -> None:
    out = tmp_path / "zutphen"
    assert _run(cli, "screen", "--region", "Zutphen", "--data", str(shared_data), "--out", str(out), "--resolution",
                "250", "--quiet").returncode == 0
    done = _run(cli, "rank", "--run", str(out))
    assert done.returncode == 0 and "0 site(s) ranked" in done.stdout, done.stderr
    assert "no sites to rank" in done.stderr
    assert _run(cli, "sensitivity", "--run", str(out), "--quiet").returncode == 0
    assert len(_rows(out / "sensitivity.csv")) == 0


def test_sweeps_of_a_footprint_and_a_threshold(ranked) -> None:
    from smr_siting.core.model.errors import SmrSitingError
    from smr_siting.core.model.progress import RunContext
    from smr_siting.core.pipeline.rank import load_run, parse_sweep, sweep_rows, with_value

    request, profile, _manifest = load_run(ranked)
    target, values = parse_sweep("footprint=10ha,40ha,200ha")
    rows = sweep_rows(request, profile, [(target, values)], RunContext())[1:]  # after the baseline row
    counts = [r["candidate_areas"] for r in rows]
    assert [r["value"] for r in rows] == [100_000.0, 400_000.0, 2_000_000.0] and rows[0]["unit"] == "m2"
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]  # a bigger footprint fits less often
    assert len({r["km2_not_excluded"] for r in rows}) == 1  # the exclusion does not depend on the footprint
    with pytest.raises(SmrSitingError, match="has no threshold to vary"):
        with_value(profile, "natura2000.threshold", 3.0)
    with pytest.raises(SmrSitingError, match="no rule 'cooling'. Did you mean 'cooling_water'"):
        with_value(profile, "cooling", 3.0)
