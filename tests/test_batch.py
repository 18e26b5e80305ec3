"""``smr-siting batch``: Gelderland, Zeeland and Groningen × nl-default and nl-strict on the real Dutch data,
one folder per run and one summary table; an unknown region among them is reported in the table and the exit
code while the other runs complete."""

from __future__ import annotations

import csv
import json
import subprocess

import pytest

from smr_siting.core.api.batch import plan, slug, split_list

pytestmark = pytest.mark.slow


def test_batch_over_three_provinces_and_two_profiles(cli, shared_data, tmp_path) -> None:
    out = tmp_path / "batch"
    done = subprocess.run([*cli, "batch", "--regions", "Gelderland,Atlantis,Zeeland,Groningen",
                           "--profiles", "nl-default,nl-strict", "--data", str(shared_data), "--out", str(out),
                           "--workers", "2"], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 4, done.stdout + done.stderr  # one region failed: not all runs succeeded
    assert "6 of 8 run(s) succeeded" in done.stdout
    assert done.stdout.count("failed: Atlantis") == 2, done.stdout
    assert done.stderr.count("[") >= 8  # a progress line per run

    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == ["gelderland_nl-default", "gelderland_nl-strict", "groningen_nl-default", "groningen_nl-strict",
                       "zeeland_nl-default", "zeeland_nl-strict"]
    with open(out / "batch_summary.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    table = json.loads((out / "batch_summary.json").read_text(encoding="utf-8"))
    assert table["runs"] == 8 and table["succeeded"] == 6 and table["failed"] == 2
    assert [(r["region"], r["profile"]) for r in rows] == [
        (region, profile) for region in ("Gelderland", "Atlantis", "Zeeland", "Groningen")
        for profile in ("nl-default", "nl-strict")]
    for row in rows:
        if row["region"] == "Atlantis":
            assert row["status"] == "failed" and row["folder"] == ""
            assert row["reason"].startswith("unknown region 'Atlantis'") and "\n" not in row["reason"]
            continue
        assert row["status"] == "ok" and row["reason"] == ""
        folder = out / f"{slug(row['region'])}_{row['profile']}"
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert (folder / "exclusion.tif").is_file() and (folder / "candidate_areas.gpkg").is_file()
        assert summary["profile"]["name"] == row["profile"]
        assert float(row["km2_left"]) == summary["totals"]["not_excluded_km2"]
        assert float(row["region_km2"]) == summary["totals"]["region_km2_cells"]
        assert float(row["share_left"]) == pytest.approx(1 - summary["totals"]["share_excluded"], abs=1e-6)
        assert int(row["candidate_areas"]) == summary["candidates"]["count"]
        assert float(row["largest_area_ha"] or 0) == summary["candidates"]["largest_ha"]
        assert row["best_site"] == ""  # no --rank
    by_run = {(r["region"], r["profile"]): r for r in rows}
    for region in ("Gelderland", "Zeeland", "Groningen"):  # the strict profile leaves less land
        assert float(by_run[(region, "nl-strict")]["km2_left"]) < float(by_run[(region, "nl-default")]["km2_left"])

    # an existing summary is refused without --overwrite, before any run
    again = subprocess.run([*cli, "batch", "--regions", "Zeeland", "--data", str(shared_data), "--out", str(out)],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "already exists" in again.stderr, again.stderr


def test_batch_with_rank_and_report(cli, demo_data, tmp_path) -> None:
    out = tmp_path / "ranked"
    done = subprocess.run([*cli, "batch", "--regions", "Gelderland", "--profiles", "nl-default", "--data", str(demo_data),
                           "--out", str(out), "--rank", "--report", "--lang", "en", "--quiet"],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    folder = out / "gelderland_nl-default"
    assert (folder / "ranked_sites.gpkg").is_file() and (folder / "report.pdf").is_file()
    with open(out / "batch_summary.csv", encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    with open(folder / "ranked_sites.csv", encoding="utf-8", newline="") as handle:
        best = next(r for r in csv.DictReader(handle) if r["rank"] == "1")
    assert row["best_site"] == best["name"] and float(row["best_score"]) == float(best["score"])


def test_plan_names_one_folder_per_pair() -> None:
    from pathlib import Path

    jobs = plan(split_list("Fryslân, Noord-Holland,Fryslân"), split_list("nl-default,mine/strict.yaml"), None,
                Path("out"))
    assert [j.folder.name for j in jobs] == ["fryslan_nl-default", "fryslan_strict", "noord-holland_nl-default",
                                             "noord-holland_strict"]
