"""Gelderland screened the way a regulator would, with two reactor designs, on the real Dutch data
(the command line, as users run it): the designs give different footprints, evacuation-zone results
and cooling modes per candidate area, and ranked_sites.csv says so in numbers and words."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from engine_helpers import real_data

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "smr_siting"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    data = real_data()
    out = {}
    for design in ("bwrx-300", "rolls-royce-smr"):
        folder = tmp_path_factory.mktemp(design)
        run = subprocess.run(CLI + ["screen", "--region", "Gelderland", "--profile", "nl-regulator", "--design", design,
                                    "--data", str(data), "--out", str(folder), "--quiet"],
                             capture_output=True, text=True, cwd=REPO, timeout=900)
        assert run.returncode == 0, run.stderr
        out[design] = folder
    return out


def _rules(folder: Path) -> dict[str, float]:
    return {r["id"]: r["km2_alone"] for r in json.loads((folder / "summary.json").read_text())["rules"]}


def test_two_designs_give_different_footprints_zones_and_cooling(runs):
    bwrx = gpd.read_file(runs["bwrx-300"] / "candidate_areas.gpkg")
    rr = gpd.read_file(runs["rolls-royce-smr"] / "candidate_areas.gpkg")
    assert len(bwrx) and len(rr)
    # footprints: 10 ha (13 × 13 cells of 25 m) against 16 ha
    assert set(bwrx["footprint_ha"]) == {10.56} and set(rr["footprint_ha"]) == {16.0}
    # the evacuation zone (3 km against 5 km) excludes more land for the larger design
    assert _rules(runs["rolls-royce-smr"])["evacuation_zone"] > 2 * _rules(runs["bwrx-300"])["evacuation_zone"]
    assert (bwrx["evacuation_zone_km"] == 3).all() and (rr["evacuation_zone_km"] == 5).all()
    assert (bwrx["evacuation_zone_inhabitants"] <= 10_000).all() and (rr["evacuation_zone_inhabitants"] <= 10_000).all()
    # cooling: 300 MWe once-through (13.3 m³/s) fits 15 % of the IJssel's 130 m³/s, 470 MWe (20.9 m³/s) does not
    assert "once-through; wet tower" in set(bwrx["cooling_modes_fit"])
    assert set(rr["cooling_modes_fit"]) == {"wet tower"}
    ijssel = bwrx[bwrx["cooling_flow_text"].str.contains("IJssel")]
    assert len(ijssel) and ijssel["cooling_flow_text"].str.startswith("once-through: 10 % of the IJssel's low flow").all()
    # which number came from where
    for design, folder in runs.items():
        summary = json.loads((folder / "summary.json").read_text())
        manifest = json.loads((folder / "manifest.json").read_text())
        assert summary["design"]["name"] == design == manifest["design"]["name"]
        assert manifest["parameters"]["design"] == design
        numbers = summary["design"]["numbers"]
        assert all(n["source"] and n["origin"] == f"design {design}" for n in numbers.values())


def test_ranked_sites_carry_the_regulator_values_in_words(runs):
    folder = runs["rolls-royce-smr"]
    run = subprocess.run(CLI + ["rank", "--run", str(folder), "--quiet"], capture_output=True, text=True, cwd=REPO,
                         timeout=900)
    assert run.returncode == 0, run.stderr
    with open(folder / "ranked_sites.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        assert row["design"] == "rolls-royce-smr" and row["population_source"] == "population_centres"
        assert float(row["evacuation_zone_inhabitants"]) <= 10_000
        assert row["worst_sector_direction"] in ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW",
                                                 "WSW", "W", "WNW", "NW", "NNW")
        text = row["regulator_text"]
        assert "inhabitants within the 5 km evacuation zone" in text and "within 10 km" in text
        assert "of the" in text and "low flow" in text and "wet tower" in text
        assert row["cooling_text"] != row["cooling_flow_text"]  # the scoring criterion 'cooling' keeps its column
    ranking = json.loads((folder / "ranking.json").read_text())
    assert ranking["design"]["name"] == "rolls-royce-smr"
    # asking for another design than the screening's is refused in one line
    other = subprocess.run(CLI + ["rank", "--run", str(folder), "--design", "bwrx-300", "--overwrite", "--quiet"],
                           capture_output=True, text=True, cwd=REPO, timeout=900)
    assert other.returncode == 2
    assert other.stderr.strip() == ("smr-siting: error: this screening used design 'rolls-royce-smr', not 'bwrx-300'. "
                                    "Rank without --design, or screen again with --design bwrx-300.")


def test_the_report_fact_sheets_say_what_lies_around_each_site(runs):
    """The report of a ranked regulator run names, per top site, its people and cooling in words (issue 17,
    item 5), and the reproduction command carries the design."""
    folder = runs["rolls-royce-smr"]
    if not (folder / "ranked_sites.csv").exists():
        ranked = subprocess.run(CLI + ["rank", "--run", str(folder), "--quiet"], capture_output=True, text=True,
                                cwd=REPO, timeout=900)
        assert ranked.returncode == 0, ranked.stderr
    done = subprocess.run(CLI + ["report", str(folder), "--lang", "en", "--no-pdf", "--quiet", "--overwrite"],
                          capture_output=True, text=True, cwd=REPO, timeout=900)
    assert done.returncode == 0, done.stderr
    page = (folder / "report.html").read_text(encoding="utf-8")
    with open(folder / "ranked_sites.csv", encoding="utf-8") as handle:
        first = next(r for r in csv.DictReader(handle) if r["status"] == "ranked" and r["rank"] == "1")
    import html

    assert "around the site (rolls-royce-smr)" in page
    assert html.escape(first["regulator_text"], quote=False)[:80] in page
    assert "--design rolls-royce-smr" in page
