"""``smr-siting report`` on the real Gelderland demo run (screened, ranked, with sensitivity and a sweep), in
Dutch and in English: the PDF read back with poppler (pdfinfo, pdffonts, pdftotext, pdftoppm, pdfimages), the
headings in order, the per-rule figures equal to summary.json, the maps not blank; a folder without ranking;
a folder whose inputs changed; and what is refused."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow
POPPLER = ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "pdfimages")

HEADINGS = {
    "en": ["SMR site screening: Gelderland", "1 Maps", "Exclusion by first reason", "Candidate areas and ranked sites",
           "Suitability", "2 Exclusion per rule", "3 Ranked sites", "Fact sheets of the top sites",
           "4 Sensitivity of the ranking", "Threshold sweeps", "5 Method", "Data source per rule", "6 Data sources",
           "7 Reproducing this run"],
    "nl": ["Verkenning van SMR-locaties: Gelderland", "1 Kaarten", "Uitsluiting naar eerste reden",
           "Kansrijke gebieden en gerangschikte locaties", "Geschiktheid", "2 Uitsluiting per regel",
           "3 Gerangschikte locaties", "Factsheets van de beste locaties", "4 Gevoeligheid van de rangschikking",
           "Drempelreeksen", "5 Methode", "Gegevensbron per regel", "6 Gegevensbronnen", "7 Deze berekening herhalen"],
}
NO_RANKING = {"en": "This folder holds no ranking", "nl": "Deze map bevat geen rangschikking"}
CHANGED = {"en": "The inputs or outputs changed since this run", "nl": "De invoer of uitvoer is sinds deze berekening"}


def number(value: float, digits: int, lang: str) -> str:
    """The test's own formatting: 1,234.5 (en) / 1.234,5 (nl)."""
    text = f"{value:,.{digits}f}"
    return text if lang == "en" else text.translate(str.maketrans({",": ".", ".": ","}))


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"poppler-utils missing ({', '.join(missing)}): make apt")


@pytest.fixture(scope="module")
def demo_run(cli, demo_data, tmp_path_factory) -> Path:
    """Gelderland on the demo pack, nl-default, 25 m; ranked; sensitivity with a cooling-water sweep."""
    folder = tmp_path_factory.mktemp("report") / "gelderland"
    steps = [["screen", "--region", "Gelderland", "--profile", "nl-default", "--data", str(demo_data), "--out",
              str(folder), "--quiet"],
             ["rank", "--run", str(folder), "--quiet"],
             ["sensitivity", "--run", str(folder), "--samples", "300", "--sweep", "cooling_water=1km,3km,10km",
              "--quiet"]]
    for step in steps:
        done = run([*cli, *step])
        assert done.returncode == 0, done.stdout + done.stderr
    return folder


def pdf_pages(pdf: Path) -> int:
    info = run(["pdfinfo", str(pdf)])
    assert info.returncode == 0, info.stderr
    assert "A4" in info.stdout
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def pdf_text(pdf: Path, *options: str) -> str:
    done = run(["pdftotext", *options, str(pdf), "-"])
    assert done.returncode == 0, done.stderr
    return done.stdout


class _Values(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], float] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if "data-rule" in attributes:
            self.values[(attributes["data-rule"], attributes["data-field"])] = float(attributes["data-value"])


def _grey(png: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(png).convert("L"), dtype=np.float64)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_report_of_the_gelderland_demo_run(cli, demo_run, poppler, lang, tmp_path) -> None:
    command = [*cli, "report", str(demo_run), "--quiet"]
    if lang == "nl":
        html, pdf = demo_run / "report.html", demo_run / "report.pdf"   # the default: Dutch, in the run folder
        command += ["--overwrite"]
    else:
        html, pdf = tmp_path / "gelderland-en.html", tmp_path / "gelderland-en.pdf"
        command += ["--lang", "en", "--out", str(tmp_path / "gelderland-en.pdf")]
    done = run(command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert html.is_file() and pdf.is_file()
    page = html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)  # self-contained: every image embedded
    assert page.count('src="data:image/png;base64,') >= 8

    # a PDF poppler reads, A4, with every font embedded
    pages = pdf_pages(pdf)
    assert 12 <= pages <= 40, pages
    fonts = run(["pdffonts", str(pdf)]).stdout.splitlines()[2:]
    assert fonts and all(re.search(r"\byes\s+yes\s+yes\b", row) for row in fonts), fonts

    # every page turned into a PNG
    pngs = tmp_path / "pages"
    pngs.mkdir()
    assert run(["pdftoppm", "-r", "40", "-png", str(pdf), str(pngs / "page")]).returncode == 0
    assert len(list(pngs.glob("page-*.png"))) == pages

    # every heading in the text layer, in the report's order
    text = " ".join(pdf_text(pdf).split())
    positions = [text.find(heading) for heading in HEADINGS[lang]]
    assert all(p >= 0 for p in positions), [h for h, p in zip(HEADINGS[lang], positions) if p < 0]
    assert positions == sorted(positions), list(zip(HEADINGS[lang], positions))
    assert NO_RANKING[lang] not in text and CHANGED[lang] not in text
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    if "sources" not in manifest:  # a run made before the engine recorded its source choices
        assert ("not recorded" if lang == "en" else "niet vastgelegd") in text

    # the per-rule figures: the HTML's values are summary.json's, and the PDF's table shows them formatted
    summary = json.loads((demo_run / "summary.json").read_text(encoding="utf-8"))
    parser = _Values()
    parser.feed(html.read_text(encoding="utf-8"))
    layout = pdf_text(pdf, "-layout").splitlines()
    for rule in summary["rules"]:
        for field in ("km2_alone", "km2_only", "km2_cumulative", "share_alone"):
            assert parser.values[(rule["id"], field)] == rule[field], (rule["id"], field)
        cells = [number(rule["km2_alone"], 1, lang), number(rule["km2_only"], 1, lang),
                 number(rule["km2_cumulative"], 1, lang), number(100 * rule["share_alone"], 1, lang) + " %"]
        pattern = re.compile(r"\s+".join(re.escape(c) for c in cells))
        assert any(pattern.search(line) for line in layout), (rule["id"], cells)
    totals = summary["totals"]
    assert f"{number(totals['not_excluded_km2'], 1, lang)} km²" in text
    assert (demo_run / "sweeps.csv").is_file()

    # the maps are not blank: the three full-width maps (and the fact sheets' maps) have structure in their middle
    images = tmp_path / "images"
    images.mkdir()
    assert run(["pdfimages", "-png", str(pdf), str(images / "img")]).returncode == 0
    maps = [p for p in sorted(images.glob("img-*.png")) if _grey(p).shape[1] >= 900]
    assert len(maps) >= 5, len(maps)  # 3 maps, the rule chart, the rank-stability chart, the sweep chart
    for png in maps:
        grey = _grey(png)
        h, w = grey.shape
        middle = grey[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
        assert middle.std() > 12.0, (png.name, middle.std())
    exclusion_map = _grey(maps[0])
    assert exclusion_map.std() > 30.0


def test_report_without_ranking_is_shorter_and_says_so(cli, demo_run, poppler, tmp_path) -> None:
    folder = tmp_path / "screened-only"
    folder.mkdir()
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    for name in [*manifest["outputs"], "manifest.json"]:
        shutil.copy2(demo_run / name, folder / name)
    done = run([*cli, "report", str(folder), "--lang", "en", "--quiet"])
    assert done.returncode == 0, done.stdout + done.stderr
    text = " ".join(pdf_text(folder / "report.pdf").split())
    assert NO_RANKING["en"] in text
    assert "No ranking in this folder" in text and "No sensitivity analysis in this folder" in text
    assert "No suitability surface in this folder" in text
    for heading in ("1 Maps", "2 Exclusion per rule", "3 Ranked sites", "4 Sensitivity of the ranking", "5 Method",
                    "6 Data sources", "7 Reproducing this run"):
        assert heading in text
    assert "Fact sheets of the top sites" not in text
    full = demo_run / "report.pdf"
    if not full.exists():
        assert run([*cli, "report", str(demo_run), "--quiet", "--overwrite"]).returncode == 0
    assert pdf_pages(folder / "report.pdf") < pdf_pages(full)


def test_report_says_on_the_title_page_that_inputs_changed(cli, demo_data, poppler, tmp_path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    folder = tmp_path / "ede"
    done = run([*cli, "screen", "--region", "Ede", "--data", str(data), "--out", str(folder), "--quiet"])
    assert done.returncode == 0, done.stderr
    done = run([*cli, "report", str(folder), "--lang", "en", "--quiet", "--no-pdf"])
    assert done.returncode == 0, done.stderr
    assert CHANGED["en"] not in (folder / "report.html").read_text(encoding="utf-8")
    with open(data / "nl_natura2000.gpkg", "ab") as handle:  # the input changes after the run
        handle.write(b"\0")
    done = run([*cli, "report", str(folder), "--quiet", "--overwrite"])
    assert done.returncode == 0, done.stderr
    title = " ".join(pdf_text(folder / "report.pdf", "-f", "1", "-l", "1").split())
    assert CHANGED["nl"] in title, title
    assert "natura2000" in title and "sha256" in title


def test_report_refuses_what_is_not_a_screening_folder_and_existing_files(cli, demo_run, tmp_path) -> None:
    done = run([*cli, "report", str(tmp_path)])
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "is not a screening output folder" in done.stderr, done.stderr
    out = tmp_path / "mine"
    out.with_suffix(".html").write_text("my own file", encoding="utf-8")
    done = run([*cli, "report", str(demo_run), "--out", str(out), "--no-pdf"])
    assert done.returncode == 2 and "already exists" in done.stderr, done.stderr
    assert out.with_suffix(".html").read_text(encoding="utf-8") == "my own file"


def _chapters(text: str) -> str:
    """The report from chapter 1 to the method, images left out (they are drawn from the same files)."""
    text = text[text.index("<h2>1 Maps"):text.index("<h2>5 Method")]
    return re.sub(r"<img[^>]*>", "<img>", text)


def test_report_of_a_run_spread_over_folders_as_a_qgis_model_writes_it(demo_run, tmp_path) -> None:
    """A QGIS model's steps write each output to a temporary file of its own (EXCLUSION.tif, MANIFEST.json, … each in
    its own folder): given those files, the report holds the same chapters as from the run folder, and its title
    page checks the outputs found beside them (one edited is named) and lists the others as not checked."""
    from smr_siting.core.report import write_report

    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    steps = {"manifest.json": "MANIFEST.json", "summary.json": "SUMMARY_JSON.json", "exclusion.tif": "EXCLUSION.tif",
             "candidate_areas.gpkg": "CANDIDATES.gpkg", "ranked_sites.gpkg": "RANKED_SITES.gpkg",
             "ranked_sites.csv": "RANKED_CSV.csv", "ranking.json": "RANKING.json", "suitability.tif": "SUITABILITY.tif",
             "sensitivity.csv": "SENSITIVITY.csv", "sweeps.csv": "SWEEPS.csv"}
    files = {}
    for number, (name, temporary) in enumerate(steps.items()):
        folder = tmp_path / f"step{number}"
        folder.mkdir()
        files[name] = shutil.copy2(demo_run / name, folder / temporary)
    shutil.copy2(demo_run / "exclusion.rules.json", files["exclusion.tif"].parent / "EXCLUSION.rules.json")
    spread = write_report(files["manifest.json"], "en", tmp_path / "spread.html", pdf=False,
                          files={k: v for k, v in files.items() if k != "manifest.json"})
    whole = write_report(demo_run, "en", tmp_path / "whole.html", pdf=False)
    assert set(spread) == {"report_html"}
    text = spread["report_html"].read_text(encoding="utf-8")
    assert _chapters(text) == _chapters(whole["report_html"].read_text(encoding="utf-8"))
    assert NO_RANKING["en"] not in text and CHANGED["en"] not in text
    # the demo run's outputs carry the folder's names, so none is beside the renamed copies: all are not checked
    assert "Not checked (not given to the report, not beside the files it read): " in text
    assert all(name in text for name in manifest["outputs"])
    (files["exclusion.tif"].parent / "exclusion.tif").write_bytes(b"edited")  # beside a given file: found, checked
    again = write_report(files["manifest.json"], "en", tmp_path / "again.html", pdf=False, files=files)
    checked = again["report_html"].read_text(encoding="utf-8")
    assert CHANGED["en"] in checked and "output edited after the run" in checked and "exclusion.tif" in checked


def test_numbers_in_the_report_language() -> None:
    from smr_siting.core.report import fmt

    assert fmt.area_km2(1234.54, "nl") == "1.234,5 km²"
    assert fmt.area_km2(1234.54, "en") == "1,234.5 km²"
    assert fmt.share(0.2180, "nl") == "21,8 %"
    assert fmt.number(-0.01, 1, "nl") == "0,0"
    assert fmt.number(None, 1, "nl") == "–"


def test_report_lists_the_source_each_rule_used_and_its_fallback(cli, demo_run, tmp_path) -> None:
    folder = tmp_path / "with-sources"
    folder.mkdir()
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    for name in [*manifest["outputs"], "manifest.json"]:
        shutil.copy2(demo_run / name, folder / name)
    # the demo pack has no built-up outlines: the screening recorded the fallback to the kern points
    (settlements,) = [c for c in manifest["sources"] if c["section"] == "rule" and c["criterion"] == "settlements"]
    assert settlements["layer"] == "population_centres" and settlements["fallback"] is True
    # a file of the folder stands for the folder (what a Graphical Modeler model can pass on)
    done = run([*cli, "report", str(folder / "manifest.json"), "--lang", "en", "--no-pdf", "--quiet"])
    assert done.returncode == 0, done.stderr
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = page[page.index("Data source per rule"):page.index("6 Data sources")]
    assert "not in the data folder (looked for built_up_areas.gpkg, cache_built_up_areas.gpkg)" in section
    assert html.escape(settlements["meaning"], quote=False)[:60] in section
    assert re.search(r"\b[5-9] rule\(s\) used a fallback source", section)
    assert "not recorded" not in section
