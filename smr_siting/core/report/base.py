"""The state the report's chapters share (:class:`ReportBase`): the chapters are its subclasses."""

from __future__ import annotations

from typing import Any

from ..model.i18n import _, localised
from ..model.progress import RunContext
from . import fmt
from .rundata import RunData
from .words import as_float, section_titles

#: how many top sites get a fact sheet
FACT_SHEETS = 5


def _profile(data: RunData) -> Any:
    """The profile the run used (from the manifest's text), or ``None`` if it cannot be read any more."""
    try:
        return data.manifest.profile()
    except Exception:  # noqa: BLE001 - the method chapter then says what the legend knows
        return None


class ReportBase:
    """What every chapter of the report reads: the folder's data, the language, the profile as run, the
    layer titles; and the helpers the chapters share."""

    def __init__(self, data: RunData, lang: str, verification: Any, ctx: RunContext,
                 fact_sheets: int = FACT_SHEETS) -> None:
        self.data = data
        self.fact_sheet_count = fact_sheets
        self.lang = lang
        self.verification = verification
        self.ctx = ctx
        self.titles = section_titles()
        self.profile = _profile(data)
        self.layer_titles = self._layer_titles()
        self.rules = data.rules()
        grid = data.summary.get("grid", {})
        self.bounds = tuple(grid.get("bounds", (0, 0, 1, 1)))

    def _layer_titles(self) -> dict[str, str]:
        from ..data.catalogue import load_catalogue

        titles = {}
        try:
            catalogue = load_catalogue()
            for layer_id, entry in catalogue.entries.items():
                titles[layer_id] = localised(entry.title, entry.title_nl)
        except Exception:  # noqa: BLE001 - the ids then stand for themselves
            pass
        for item in self.data.manifest.inputs:
            titles.setdefault(item["layer_id"], item.get("title") or item["layer_id"])
        return titles

    def n(self, value: Any, digits: int = 1) -> str:
        return fmt.number(as_float(value), digits, self.lang)


    def _profile_title_nl(self) -> str:
        return getattr(self.profile, "title_nl", "") if self.profile is not None else ""

    @staticmethod
    def _kind(kind: str) -> str:
        from ..data.region import kind_label

        return kind_label(kind)

    def _areas(self) -> Any:
        import geopandas as gpd

        path = self.data.files.get("candidate_areas.gpkg")
        return gpd.read_file(str(path)) if path else None

    def _sites(self) -> Any:
        import geopandas as gpd

        path = self.data.files.get("ranked_sites.gpkg")
        if path is None or not self.data.has_ranking:
            return None
        sites = gpd.read_file(str(path))
        return sites[sites["status"] == "ranked"]

    def _sites_words(self, sites: str) -> str:
        if sites == "best place per candidate area":
            return _("the best place in each candidate area")
        return sites

    def _criterion_title(self, c: dict) -> str:
        spec = getattr(self.profile, "scoring", None) if self.profile is not None else None
        for criterion in getattr(spec, "criteria", ()) or ():
            if criterion.id == c["id"]:
                return localised(criterion.title, criterion.title_nl)
        return c.get("title", c["id"])

    def _layer_words(self, layer_id: str) -> str:
        vintage = next((i.get("vintage") for i in self.data.manifest.inputs if i["layer_id"] == layer_id), "")
        title = self.layer_titles.get(layer_id, layer_id)
        return f"{title} ({vintage})" if vintage else title

    def _chosen_sources(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for rule, group in self._source_groups("rule").items():
            used = ", ".join(dict.fromkeys(self._layer_words(str(c["layer"])) for c in group if c.get("layer")))
            meanings = [str(c.get("meaning") or "") for c in group if c.get("fallback") is True and c.get("meaning")]
            out[rule] = used + (f" — {_('fallback')}: {' '.join(dict.fromkeys(meanings))}" if meanings else "")
        return out

    def _source_groups(self, section: str) -> dict[str, list[dict]]:
        """The recorded source choices (summary.json's ``sources``) of one section, per rule, in order."""
        groups: dict[str, list[dict]] = {}
        for choice in self.data.sources() or []:
            if str(choice.get("section", "rule")) != section:
                continue
            rule = str(choice.get("criterion") or choice.get("rule") or "")
            if rule:
                groups.setdefault(rule, []).append(choice)
        return groups

    def _skipped_words(self, choice: dict) -> str:
        parts = []
        for item in choice.get("skipped") or []:
            if not isinstance(item, dict):
                continue
            if item.get("recorded"):
                why = _("the recorded run used {layer}").format(layer=item["recorded"])
            else:
                why = _("not in the data folder (looked for {files})").format(
                    files=", ".join(item.get("looked_for") or []) or "–")
            parts.append(f"{self._layer_words(str(item.get('layer', '?')))}: {why}")
        return "; ".join(parts)
