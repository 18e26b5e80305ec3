"""Reading a screening folder's outputs for the report (the report only reads what the steps wrote)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SmrSitingError
from ..i18n import _, render_coded


@dataclass
class RunData:
    """What a screening folder holds; the optional parts are ``None`` when that step did not run."""

    folder: Path
    summary: dict
    manifest: dict
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
        for data in (self.summary, self.manifest):
            value = data.get("sources")
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


def load_run(folder: Path) -> RunData:
    """Read a screening folder; refuse one that is not a screening output folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SmrSitingError(_("{folder} is not a folder").format(folder=folder),
                             _("Pass the folder given to 'smr-siting screen --out'"))
    needed = ("summary.json", "manifest.json", "exclusion.tif")
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise SmrSitingError(_("{folder} is not a screening output folder ({names} missing)").format(
            folder=folder, names=", ".join(missing)), _("Pass the folder given to 'smr-siting screen --out'"))
    summary = _json(folder / "summary.json")
    manifest = _json(folder / "manifest.json")
    legend_path = folder / "exclusion.rules.json"
    legend = _json(legend_path) if legend_path.is_file() else {"rules": []}
    data = RunData(folder, summary, manifest, legend)
    for name in ("exclusion.tif", "candidate_areas.gpkg", "suitability.tif", "ranked_sites.gpkg"):
        if (folder / name).is_file():
            data.files[name] = folder / name
    if (folder / "ranking.json").is_file() and (folder / "ranked_sites.csv").is_file():
        data.ranking = _json(folder / "ranking.json")
        data.ranked_rows = _csv(folder / "ranked_sites.csv")
    if (folder / "sensitivity.csv").is_file():
        data.sensitivity_rows = _csv(folder / "sensitivity.csv")
    if (folder / "sweeps.csv").is_file():
        data.sweep_rows = _csv(folder / "sweeps.csv")
    return data
