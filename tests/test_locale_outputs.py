"""Data files do not depend on the locale; messages may.

The same screening + rank + sensitivity (+ batch) of the Gelderland demo pack, run through the command line under
``LANG=en_US.UTF-8`` and under ``LANG=nl_NL.UTF-8``, writes the same bytes in every machine-readable file.  The
exceptions are named here:

- human-facing: ``exclusion.qml`` (the QGIS style: its class labels are the legend QGIS shows, in the run's
  language), the report (``report.html``, in its own ``--lang``) and the terminal text;
- fields that legitimately differ: the manifest's ``run.started`` / ``run.finished`` / ``run.timings_s`` (clock),
  its ``language`` (the run's, which verify reruns in), the sha256 of ``exclusion.qml`` (in the manifest's
  ``outputs`` and in ``.smr-siting-files.json``) and so the manifest's ``content_sha256``; ``seconds`` of
  batch_summary.csv / .json (clock), and so their sha256 in the batch folder's ``.smr-siting-files.json``.

Notices are kept as message id + arguments (+ English text), so a report renders them in its own language.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ENGLISH = {"LANG": "en_US.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SMR_SITING_LANG": ""}
DUTCH = {"LANG": "nl_NL.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "SMR_SITING_LANG": ""}
LOCALES = {"en": ENGLISH, "nl": DUTCH}

#: written for people, in the run's language (checked to exist, not compared)
HUMAN_FACING = {"exclusion.qml"}
#: (file, JSON path) that differ between two runs for reasons other than the data
MANIFEST_VARYING = (("run", "started"), ("run", "finished"), ("run", "timings_s"), ("language",),
                    ("outputs", "exclusion.qml"), ("content_sha256",))
#: .smr-siting-files.json lists the sha256 of what a command wrote: these follow the files above
FILES_VARYING = {"exclusion.qml", "batch_summary.csv", "batch_summary.json"}
BATCH_VARYING = "seconds"
RUN = "Gelderland_nl-default"


def _run(cli: list[str], env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([*cli, *args], capture_output=True, text=True, timeout=600, cwd=cwd,
                          env={**os.environ, **env})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    return done


def _without(data: dict, paths: tuple[tuple[str, ...], ...]) -> dict:
    data = json.loads(json.dumps(data))
    for path in paths:
        node = data
        for key in path[:-1]:
            node = node[key]
        assert path[-1] in node, path  # the listed field exists: the list stays true
        del node[path[-1]]
    return data


def _written(data: dict) -> dict:
    data["files"] = {k: v for k, v in data["files"].items() if k not in FILES_VARYING}
    return data


def _batch_csv(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        assert row.pop(BATCH_VARYING) != ""
    return rows


def _batch_json(text: str) -> dict:
    data = json.loads(text)
    for row in data["rows"]:
        del row[BATCH_VARYING]
    return data


@pytest.fixture(scope="module")
def runs(cli, demo_data, tmp_path_factory) -> dict[str, Path]:
    """One folder per locale, each made in its own working folder with the same relative --out (so the folders
    recorded by the batch table are the same): screen, rank, sensitivity with a sweep, and a batch that ranks."""
    base = tmp_path_factory.mktemp("locales")
    folders = {}
    for lang, env in LOCALES.items():
        work = base / lang
        work.mkdir()
        _run(cli, env, "batch", "--regions", "Gelderland", "--profiles", "nl-default", "--data", str(demo_data),
             "--out", "out", "--resolution", "100", "--rank", "--lang", "nl", "--quiet", cwd=work)
        run = work / "out" / RUN
        _run(cli, env, "screen", "--region", "Gelderland", "--data", str(demo_data), "--out", str(run),
             "--resolution", "100", "--vector", "--overwrite", "--quiet", cwd=work)
        _run(cli, env, "rank", "--run", str(run), "--overwrite", "--quiet", cwd=work)
        _run(cli, env, "sensitivity", "--run", str(run), "--samples", "200", "--sweep", "natura2000=0m,500m",
             "--quiet", cwd=work)
        folders[lang] = work / "out"
    return folders


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_every_data_file_is_the_same_in_english_and_dutch(runs) -> None:
    """Failed on 3b8ee28: summary.json and manifest.json held the notices, ranked_sites.csv/.gpkg and
    sensitivity.csv the site names and values in words ('beste plek in kansrijk gebied 1', '1.9 km tot …'), and
    batch_summary.csv/.json the best site's name, in the run's language."""
    english, dutch = runs["en"], runs["nl"]
    names = [p.relative_to(english).as_posix() for p in _files(english)]
    assert names == [p.relative_to(dutch).as_posix() for p in _files(dutch)]
    expected = {f"{RUN}/{n}" for n in ("exclusion.tif", "summary.json", "manifest.json", "ranked_sites.csv",
                                        "ranked_sites.gpkg", "sensitivity.csv", "sensitivity.json", "sweeps.csv",
                                        "ranking.json", "suitability.tif", "exclusion_reasons.gpkg")}
    assert expected | {"batch_summary.csv", "batch_summary.json"} <= set(names)
    differ = []
    for name in names:
        a, b = (english / name).read_bytes(), (dutch / name).read_bytes()
        base = Path(name).name
        if base in HUMAN_FACING:
            continue
        if base == "manifest.json":
            same = _without(json.loads(a), MANIFEST_VARYING) == _without(json.loads(b), MANIFEST_VARYING)
        elif base == ".smr-siting-files.json":
            same = _written(json.loads(a)) == _written(json.loads(b))
        elif base == "batch_summary.csv":
            same = _batch_csv(a.decode()) == _batch_csv(b.decode())
        elif base == "batch_summary.json":
            same = _batch_json(a.decode()) == _batch_json(b.decode())
        else:
            same = hashlib.sha256(a).digest() == hashlib.sha256(b).digest()
        if not same:
            differ.append(name)
    assert differ == []
    for lang, folder in runs.items():  # the human-facing file is in the run's language
        qml = (folder / RUN / "exclusion.qml").read_text(encoding="utf-8")
        assert ("Natura 2000-gebied" in qml) == (lang == "nl"), lang


def test_notices_are_stored_as_codes_with_arguments_and_english_text(runs) -> None:
    summary = json.loads((runs["nl"] / RUN / "summary.json").read_text(encoding="utf-8"))
    assert summary["notices"] and all(isinstance(n, str) for n in summary["notices"])  # older readers: strings
    assert any(n.startswith("Region Gelderland (province, ") for n in summary["notices"])
    region = next(n for n in summary["notice_codes"] if (n["code"] or "").startswith("Region {name} ({kind}"))
    assert region["args"]["name"] == "Gelderland" and region["args"]["kind"] == {"code": "province", "args": None}
    assert region["text"] in summary["notices"]
    assert [n["text"] for n in summary["notice_codes"]] == summary["notices"]
    manifest = json.loads((runs["nl"] / RUN / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 2 and manifest["notice_codes"] == summary["notice_codes"]
    sites = (runs["nl"] / RUN / "ranked_sites.csv").read_text(encoding="utf-8")
    assert "best place in candidate area" in sites and " km to " in sites and "kansrijk" not in sites


@pytest.mark.parametrize(("made", "checked"), [("en", "nl"), ("nl", "en")])
def test_verify_under_the_other_locale_says_the_results_still_hold(cli, runs, made, checked, tmp_path) -> None:
    """Failed on 96ade62 (a Dutch verify of an English run: 'no longer hold')."""
    done = _run(cli, LOCALES[checked], "verify", str(runs[made] / RUN), "--quiet", cwd=tmp_path)
    phrase = "de resultaten kloppen nog" if checked == "nl" else "the results still hold"
    assert phrase in done.stdout, done.stdout


def test_a_dutch_report_of_an_english_run_speaks_dutch(cli, runs, tmp_path) -> None:
    folder = shutil.copytree(runs["en"] / RUN, tmp_path / "run")
    _run(cli, ENGLISH, "report", str(folder), "--lang", "nl", "--no-pdf", "--quiet", cwd=tmp_path)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Gebied Gelderland (provincie, " in html  # the notice, rendered from its code in the report's language
    assert "Regel &#x27;open_water&#x27; gebruikt de terugvaloptie(s)" in html or \
        "Regel 'open_water' gebruikt de terugvaloptie(s)" in html
    assert "Region Gelderland (province, " not in html
    _run(cli, DUTCH, "report", str(folder), "--lang", "en", "--no-pdf", "--overwrite", "--quiet", cwd=tmp_path)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Region Gelderland (province, " in html and "Gebied Gelderland" not in html


def test_verify_accepts_a_folder_written_by_the_previous_manifest_format(cli, runs, tmp_path) -> None:
    """A Dutch run of the previous version (manifest without 'format'): the notices of summary.json and
    manifest.json in Dutch, no notice codes.  It still holds, verified in either language."""
    from smr_siting.core.model.i18n import render_coded
    from smr_siting.core.outputs import content_digest

    folder = shutil.copytree(runs["nl"] / RUN, tmp_path / "old")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["notices"] = [render_coded(n, "nl") for n in summary.pop("notice_codes")]
    assert any(n.startswith("Gebied Gelderland (provincie, ") for n in summary["notices"])
    text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    (folder / "summary.json").write_text(text, encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["format"]
    manifest["notices"] = [render_coded(n, "nl") for n in manifest.pop("notice_codes")]
    for item in manifest["inputs"]:
        item["notes"] = [render_coded(n, "nl") for n in item.pop("note_codes")]
    manifest["outputs"]["summary.json"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    del manifest["content_sha256"]
    manifest["content_sha256"] = content_digest(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    for env, phrase in ((ENGLISH, "the results still hold"), (DUTCH, "de resultaten kloppen nog")):
        done = _run(cli, env, "verify", str(folder), "--quiet", cwd=tmp_path)
        assert phrase in done.stdout, done.stdout
    summary["rules"][1]["km2_alone"] += 1.0  # the data in it are still compared
    text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    (folder / "summary.json").write_text(text, encoding="utf-8")
    manifest["outputs"]["summary.json"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    del manifest["content_sha256"]
    manifest["content_sha256"] = content_digest(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    done = subprocess.run([*cli, "verify", str(folder), "--quiet"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **ENGLISH})
    assert done.returncode == 3 and "summary.json" in done.stdout + done.stderr, done.stdout + done.stderr


def test_a_coded_notice_renders_in_either_language_and_falls_back_to_its_text() -> None:
    from smr_siting.core.model.i18n import _, coded, localised, render_coded, set_language

    set_language("nl")
    try:
        notice = _("{title}: {alone:,.1f} km² excluded ({share:.1%} of the region), "
                   "{only:,.1f} km² by this rule only.").format(
            title=localised("Natura 2000 site", "Natura 2000-gebied"), alone=1115.9, share=0.218, only=16.2)
        assert notice.startswith("Natura 2000-gebied: 1,115.9 km² uitgesloten")  # what the user reads
        item = coded(notice)
    finally:
        set_language(None)
    assert item["text"] == "Natura 2000 site: 1,115.9 km² excluded (21.8% of the region), 16.2 km² by this rule only."
    assert item["args"]["title"] == {"en": "Natura 2000 site", "nl": "Natura 2000-gebied"}
    assert render_coded(json.loads(json.dumps(item)), "nl") == str(notice)
    assert render_coded(json.loads(json.dumps(item)), "en") == item["text"]
    unknown = {"code": "a message of a later version {x}", "args": {}, "text": "its English text"}
    assert render_coded(unknown, "nl") == "its English text"  # arguments that do not fit: the stored text
    assert render_coded("an older plain notice", "nl") == "an older plain notice"
