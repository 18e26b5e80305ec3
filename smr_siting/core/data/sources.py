"""Sources in order of authority: which layer each rule actually reads.

A profile's layer entry may list alternatives (``one_of:``), most authoritative first — e.g. the
settlements rule reads CBS Bestand Bodemgebruik built-up polygons when the data folder (or fetch
cache) has them, else the CBS population-centre polygons, else discs around the population-centre
points.  Before a screening runs, :func:`resolve_profile` picks, per entry, the first alternative
whose layer is present and returns an ordinary profile (every criterion holding plain
:class:`~smr_siting.core.model.profile.Source` objects) together with one :class:`SourceChoice` per entry,
which every output reports: the layer used, the layers passed over and why, and — for a fallback —
what using it means.

This module sits between the profile and the layer store: it asks only "is layer X present, and if
not, why not?" (a callable), so it never reads data itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..model.errors import DataError
from ..model.i18n import _, joined
from ..model.profile import Profile
from ..model.vocabulary import LAYER, term


@dataclass(frozen=True)
class Missing:
    """Why a source was passed over: not found in a folder (and the files looked for), or — for a run rebuilt
    from its manifest — present, but the recorded run used another layer."""

    folder: str | None = None
    looked_for: tuple[str, ...] = ()
    recorded: str = ""

    def describe(self) -> str:
        if self.recorded:
            return _("present, but the recorded run used {layer!r}").format(layer=self.recorded)
        if self.folder is None:
            return _("no data folder given")
        return _("not in {folder} (looked for {files})").format(folder=self.folder,
                                                               files=", ".join(self.looked_for) or "-")

    def as_dict(self) -> dict[str, Any]:
        if self.recorded:
            return {"reason": "the recorded run used another layer", "recorded": self.recorded}
        return {"reason": "not found", "folder": self.folder, "looked_for": list(self.looked_for)}


#: ``absence(layer_id)``: None when the layer is present, else why not
Absence = Callable[[str], "Missing | None"]

SECTION_RULE = "rule"
SECTION_SCORING = "scoring"


@dataclass(frozen=True)
class SourceChoice:
    """Which layer one entry of a rule's (or scoring criterion's) ``layers:`` uses."""

    section: str                       # 'rule' or 'scoring'
    criterion: str                     # the rule / scoring criterion id
    entry: int                         # index in its ``layers:`` list
    chosen: str                        # the layer id used
    alternatives: tuple[str, ...]      # every layer id of the entry, most authoritative first
    skipped: tuple[tuple[str, Missing], ...] = ()   # (layer id, why it was not used), for those before ``chosen``
    meaning: str = ""                  # the profile's ``fallback:`` text of the chosen alternative

    @property
    def is_fallback(self) -> bool:
        return self.chosen != self.alternatives[0]

    @property
    def key(self) -> str:
        return f"{self.section}:{self.criterion}:{self.entry}"

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "criterion": self.criterion, "entry": self.entry, "layer": self.chosen,
                "alternatives": list(self.alternatives), "fallback": self.is_fallback,
                "skipped": [{"layer": layer, **why.as_dict()} for layer, why in self.skipped],
                "meaning": self.meaning}


def _pick(section: str, criterion_id: str, index: int, layers: tuple[str, ...], meanings: tuple[str, ...],
          absence: Absence, pinned: Mapping[str, str]) -> SourceChoice:
    key = f"{section}:{criterion_id}:{index}"
    skipped: list[tuple[str, Missing]] = []
    reasons: list[str] = []
    wanted = pinned.get(key)
    if wanted is not None and wanted not in layers:
        wanted = None  # the profile changed since the pin was recorded: choose afresh
    for layer, meaning in zip(layers, meanings):
        why = absence(layer)
        if wanted is not None and layer != wanted and why is None:
            why = Missing(recorded=wanted)
        if why is None:
            return SourceChoice(section, criterion_id, index, layer, layers, tuple(skipped),
                                meaning if layer != layers[0] else "")
        skipped.append((layer, why))
        reasons.append(f"{layer!r}: {why.describe()}")
    what = _("rule") if section == SECTION_RULE else _("scoring criterion")
    raise DataError(
        _("{what} {criterion!r} needs one of the layers {layers}, and none is available ({reasons})").format(
            what=what, criterion=criterion_id, layers=", ".join(layers), reasons="; ".join(reasons)),
        _("Put one of them in the data folder (smr-siting fetch can download the official ones), or give one "
          "with {layer}").format(layer=term(LAYER, layers[0])))


def _resolve(section: str, criterion: Any, absence: Absence,
             pinned: Mapping[str, str]) -> tuple[Any, list[SourceChoice]]:
    """A rule or scoring criterion with one source per ``layers:`` entry, and the choice made for each."""
    entries = criterion.alternatives or tuple((s,) for s in criterion.sources)
    choices, chosen = [], []
    for index, entry in enumerate(entries):
        layers = tuple(s.layer for s in entry)
        if len(entry) == 1:
            choice = SourceChoice(section, criterion.id, index, layers[0], layers)
        else:
            choice = _pick(section, criterion.id, index, layers, tuple(getattr(s, "fallback", "") for s in entry),
                           absence, pinned)
        choices.append(choice)
        chosen.append(entry[layers.index(choice.chosen)])
    return dataclasses.replace(criterion, sources=_distinct(chosen), alternatives=()), choices


def _distinct(sources: list[Any]) -> tuple[Any, ...]:
    """The sources without repeats: several entries may fall back to (or share) the same source, e.g. TOP10NL
    water standing in for both the sea and the lakes; it is read and burnt once."""
    out: list[Any] = []
    seen: list[Any] = []
    for source in sources:
        fields = {f.name for f in dataclasses.fields(source)}
        plain = dataclasses.replace(source, **{k: v for k, v in (("line", 0), ("fallback", "")) if k in fields})
        if plain not in seen:
            seen.append(plain)
            out.append(source)
    return tuple(out)


def check_present(profile: Profile, absence: Absence, locate: Callable[[str], Any]) -> None:
    """Fail on the first rule entry, in profile order, for which no layer is present: a single layer through
    ``locate`` (the layer store's own message), alternatives with the list of every one and where it was
    looked for."""
    for criterion in profile.criteria:
        entries = criterion.alternatives or tuple((s,) for s in criterion.sources)
        for index, entry in enumerate(entries):
            layers = tuple(s.layer for s in entry)
            if all(absence(layer) is not None for layer in layers):
                if len(layers) == 1:
                    locate(layers[0])
                _pick(SECTION_RULE, criterion.id, index, layers, tuple(s.fallback for s in entry), absence, {})


def resolve_profile(profile: Profile, absence: Absence,
                    pinned: Mapping[str, str] | None = None) -> tuple[Profile, tuple[SourceChoice, ...]]:
    """The profile with every ``one_of`` entry replaced by its first present alternative, and the choices.

    ``pinned``: choices recorded by an earlier run (``SourceChoice.key`` → layer id), so that a run rebuilt
    from its manifest reads the same layers even if a more authoritative one has appeared since."""
    pinned = dict(pinned or {})
    criteria, choices = [], []
    for criterion in profile.criteria:
        resolved, picked = _resolve(SECTION_RULE, criterion, absence, pinned)
        criteria.append(resolved)
        choices.extend(picked)
    scoring = profile.scoring
    if scoring is not None and hasattr(scoring, "criteria"):
        scored = []
        for criterion in scoring.criteria:
            resolved, picked = _resolve(SECTION_SCORING, criterion, absence, pinned)
            scored.append(resolved)
            choices.extend(picked)
        scoring = dataclasses.replace(scoring, criteria=tuple(scored))
    return dataclasses.replace(profile, criteria=tuple(criteria), scoring=scoring), tuple(choices)


def choices_json(choices: tuple[SourceChoice, ...]) -> list[dict[str, Any]]:
    return [c.as_dict() for c in choices]


def pins_from_json(items: Any) -> dict[str, str]:
    """``{key: layer}`` from a manifest's ``sources`` list (an absent or damaged list pins nothing)."""
    pins: dict[str, str] = {}
    if not isinstance(items, list):
        return pins
    for item in items:
        if isinstance(item, dict) and all(k in item for k in ("section", "criterion", "entry", "layer")):
            pins[f"{item['section']}:{item['criterion']}:{item['entry']}"] = str(item["layer"])
    return pins


def describe_choices(choices: tuple[SourceChoice, ...]) -> list[str]:
    """One line per rule / scoring criterion that had alternatives: what it uses and, for fallbacks, why
    and what that means (for the run's notes)."""
    lines = []
    groups: dict[tuple[str, str], list[SourceChoice]] = {}
    for choice in choices:
        groups.setdefault((choice.section, choice.criterion), []).append(choice)
    for (section, criterion), group in groups.items():
        if all(len(c.alternatives) == 1 for c in group):
            continue
        what = _("Rule") if section == SECTION_RULE else _("Scoring criterion")
        fallbacks = [c for c in group if c.is_fallback]
        if not fallbacks:
            lines.append(_("{what} {criterion!r} uses its most authoritative sources: {layers}.").format(
                what=what, criterion=criterion, layers=", ".join(dict.fromkeys(c.chosen for c in group))))
            continue
        used = ", ".join(repr(layer) for layer in dict.fromkeys(c.chosen for c in fallbacks))
        why = joined("; ", [joined(": ", [layer, reason.describe()]) for layer, reason in
                            dict.fromkeys(item for c in fallbacks for item in c.skipped)])
        text = _("{what} {criterion!r} uses the fallback(s) {layers}, because a more authoritative source is not "
                 "available ({why}).").format(what=what, criterion=criterion, layers=used, why=why)
        meanings = [f"{c.chosen}: {c.meaning}" for c in fallbacks if c.meaning]
        if meanings:
            text = joined(" ", [text, _("What this means: {meaning}").format(
                meaning=" ".join(dict.fromkeys(meanings)))])
        lines.append(text)
    return lines
