"""Reading a screening folder's outputs for the report (the report only reads what the steps wrote)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..model.errors import SmrSitingError
from ..model.i18n import _, render_coded
from ..outputs import Manifest


@dataclass
class RunData:
    """What a screening folder holds; the optional parts are ``None`` when that step did not run."""

    folder: Path
    summary: dict
    manifest: Manifest
    legend: dict
    ranking: dict | None = None
    ranked_rows: list[dict[str, str]] | None = None
    sensitivity_rows: list[dict[str, str]] | None = None
    sweep_rows: list[dict[str, str]] | None = None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def has_ranking(self) -> bool:
        return self.ranking is not None and self.ranked_rows is not None

    @property
    def has_sensitivity(self) -> bool:
        return self.sensitivity_rows is not None

    @property
    def region_name(self) -> str:
        return str(self.summary.get("region", {}).get("name", "?"))

    @property
    def profile_name(self) -> str:
        return str(self.summary.get("profile", {}).get("name", "?"))

    def rules(self) -> list[dict]:
        """The rules of the legend (bit, id, titles, group, kind, layers), in profile order."""
        return list(self.legend.get("rules", []))

    def ranked(self) -> list[dict[str, str]]:
        """The ranked sites in rank order."""
        rows = [r for r in self.ranked_rows or [] if r.get("status") == "ranked" and r.get("rank")]
        return sorted(rows, key=lambda r: int(float(r["rank"])))

    def notices(self, lang: str) -> list[str]:
        """The run's notes in ``lang``: from their message ids and arguments (``notice_codes``, any run's language),
        else as a folder of an earlier version wrote them (``notices``: text in that run's language)."""
        coded = self.summary.get("notice_codes")
        if isinstance(coded, list):
            return [render_coded(item, lang) for item in coded]
        return [str(n) for n in self.summary.get("notices", []) or []]

    def sources(self) -> list[dict] | None:
        """The source chosen for each rule (``sources`` of summary.json or manifest.json), ``None`` if not recorded."""
        for value in (self.summary.get("sources"), self.manifest.get("sources")):
            if isinstance(value, dict):
                listed = value.get("rules") or value.get("choices")
                if isinstance(listed, list):
                    value = listed
                else:  # keyed by rule id
                    value = [{"rule": key, **item} if isinstance(item, dict) else {"rule": key, "chosen": item}
                             for key, item in value.items()]
            if isinstance(value, list):
                return [v for v in value if isinstance(v, dict)]
        return None


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SmrSitingError(_("{path} cannot be read ({error})").format(path=path, error=error),
                             _("Run the screening again")) from None


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


#: the files of a screening folder the report reads, by their names in the folder
RUN_FILES = ("manifest.json", "summary.json", "exclusion.tif", "exclusion.rules.json", "candidate_areas.gpkg",
             "suitability.tif", "ranked_sites.gpkg", "ranked_sites.csv", "ranking.json", "sensitivity.csv",
             "sweeps.csv")


def run_files(folder: Path, given: Mapping[str, Path | None] | None = None) -> dict[str, Path]:
    """Where each of RUN_FILES is: ``folder/name``, or the file ``given`` for it (the steps of a QGIS model write
    each output to a temporary file of its own).  The legend of a given exclusion raster is its sidecar."""
    given = {k: Path(v) for k, v in (given or {}).items() if v}
    unknown = sorted(set(given) - set(RUN_FILES))
    if unknown:
        raise ValueError(f"unknown run files: {unknown}")
    if "exclusion.tif" in given and "exclusion.rules.json" not in given:
        given["exclusion.rules.json"] = given["exclusion.tif"].with_name(given["exclusion.tif"].stem + ".rules.json")
    return {name: given.get(name, Path(folder) / name) for name in RUN_FILES}


def load_run(folder: Path, given: Mapping[str, Path | None] | None = None) -> RunData:
    """Read a screening folder; refuse one that is not a screening output folder.  ``given``: files that stand for
    the folder's own (see :func:`run_files`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SmrSitingError(_("{folder} is not a folder").format(folder=folder),
                             _("Pass the folder given to 'smr-siting screen --out'"))
    paths = run_files(folder, given)
    needed = ("summary.json", "manifest.json", "exclusion.tif")
    missing = [str(paths[name]) if given and given.get(name) else name for name in needed if not paths[name].is_file()]
    if missing:
        raise SmrSitingError(_("{folder} is not a screening output folder ({names} missing)").format(
            folder=folder, names=", ".join(missing)), _("Pass the folder given to 'smr-siting screen --out'"))
    summary = _json(paths["summary.json"])
    manifest = Manifest.read(folder, path=paths["manifest.json"])  # bounded, its structure checked
    legend = _json(paths["exclusion.rules.json"]) if paths["exclusion.rules.json"].is_file() else {"rules": []}
    data = RunData(folder, summary, manifest, legend)
    for name in ("exclusion.tif", "candidate_areas.gpkg", "suitability.tif", "ranked_sites.gpkg"):
        if paths[name].is_file():
            data.files[name] = paths[name]
    if paths["ranking.json"].is_file() and paths["ranked_sites.csv"].is_file():
        data.ranking = _json(paths["ranking.json"])
        data.ranked_rows = _csv(paths["ranked_sites.csv"])
    if paths["sensitivity.csv"].is_file():
        data.sensitivity_rows = _csv(paths["sensitivity.csv"])
    if paths["sweeps.csv"].is_file():
        data.sweep_rows = _csv(paths["sweeps.csv"])
    return data
