"""The data's values in words, in the report's language: headings, site labels, values, standardisations and
the numbers of a rule."""

from __future__ import annotations

import re
from typing import Any

from ..model.i18n import _, language
from ..rules import get_kind
from . import fmt


def section_titles() -> dict[str, str]:
    """The chapter and section headings, in the current language (in the report's order)."""
    return {
        "maps": _("1 Maps"),
        "exclusion_map": _("Exclusion by first reason"),
        "candidates_map": _("Candidate areas and ranked sites"),
        "suitability_map": _("Suitability"),
        "rules": _("2 Exclusion per rule"),
        "ranking": _("3 Ranked sites"),
        "fact_sheets": _("Fact sheets of the top sites"),
        "sensitivity": _("4 Sensitivity of the ranking"),
        "method": _("5 Method"),
        "rule_sources": _("Data source per rule"),
        "data": _("6 Data sources"),
        "reproduce": _("7 Reproducing this run"),
    }


def site_label(row: dict[str, str]) -> str:
    if row.get("origin") == "candidate area" and row.get("area_id"):
        return _("best place in candidate area {area}").format(area=row["area_id"])
    return row.get("name") or f"#{row.get('site_id', '?')}"


_DISTANCE_TEXT = re.compile(r"^(?P<value>[\d.,]+) km to (?P<what>.+)$")
_VALUE_TEXT = re.compile(r"^(?P<value>[\d.,-]+)(?P<rest>\s.*)?$")


def value_words(text: str, raw: str, lang: str) -> str:
    """A criterion's value in words (ranked_sites.csv has them in English) in the report's language."""
    if lang == "en" or not text:
        return text
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return text
    match = _DISTANCE_TEXT.match(text)
    if match:
        return _("{km} km to {what}").format(km=fmt.number(value / 1000.0, 1, lang), what=match.group("what"))
    match = _VALUE_TEXT.match(text)
    if match:
        rest = (match.group("rest") or "").replace("inhabitants/km²", _("inhabitants/km²"))
        digits = len(match.group("value").split(".")[1]) if "." in match.group("value") else 0
        return fmt.number(value, digits, lang) + rest
    return text


_STANDARDISE = (
    (re.compile(r"^linear through (?P<points>.+)$"), "linear"),
    (re.compile(r"^sigmoid (?P<direction>benefit|cost) with control points (?P<points>.+)$"), "sigmoid"),
)


def standardise_words(text: str, lang: str) -> str:
    """ranking.json's standardisation ("linear through (0, 1), (2000, 1)") in the report's language."""
    if lang == "en" or not text:
        return text
    for pattern, kind in _STANDARDISE:
        match = pattern.match(text)
        if not match:
            continue
        points = re.sub(r"(?<=\d)\.(?=\d)", ",", match.group("points")).replace(", ", "; ")
        if kind == "linear":
            return _("linear through {points}").format(points=points)
        direction = _("benefit") if match.group("direction") == "benefit" else _("cost")
        return _("sigmoid ({direction}) with control points {points}").format(direction=direction, points=points)
    return text


def as_float(value: Any) -> float | None:
    """``value`` as a float, or None (empty, text)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _kind_words(kind: str) -> str:
    found = get_kind(kind)
    return _(found.wording) if found is not None and found.wording else kind


def rule_threshold(criterion: Any, layer_titles: dict[str, str]) -> str:
    """A rule's numbers in words: its kind and, per layer, the distance, buffer, filter and options."""
    parts = []
    for source in getattr(criterion, "sources", ()):
        layer = getattr(source, "layer", "?")
        bits = [layer_titles.get(layer, layer)]
        distance = getattr(source, "distance", None)
        if distance is not None:
            bits.append(distance.describe())
        if getattr(source, "buffer_m", 0):
            bits.append(_("buffer {metres} m").format(metres=fmt.number(source.buffer_m, 0, _lang())))
        where = getattr(source, "where", ())
        if where:
            bits.append(_("where {conditions}").format(conditions=" & ".join(c.describe() for c in where)))
        parts.append(": ".join(bits[:2]) + ("; " + "; ".join(bits[2:]) if len(bits) > 2 else ""))
    options = {k: v for k, v in dict(getattr(criterion, "options", {}) or {}).items()
               if k not in ("source_methods",) and v not in ("auto", None) and not isinstance(v, (dict, list))}
    text = _kind_words(getattr(criterion, "kind", "")) + " — " + " | ".join(parts)
    if options:
        text += " (" + ", ".join(f"{k} = {v}" for k, v in options.items()) + ")"
    return text


def _lang() -> str:
    return language()
