"""Threshold sweeps: rerun the exclusion with one number of the profile changed.

A sweep names exactly what it varies:

- ``footprint`` — the footprint area (``footprint=5ha,20ha``);
- ``RULE`` — a rule's one distance (or, for ``exclude_inside``, its buffer) when that is unambiguous:
  every source of the rule has the same constant distance;
- ``RULE.LAYER.distance`` / ``RULE.LAYER.buffer`` — the constant distance or buffer of one source;
- ``RULE.scale`` — every distance, band distance and buffer of the rule multiplied by a factor
  (``settlements.scale=0.5,1,2``);
- ``RULE.LAYER.bandN.distance`` — the distance of band N (1 = the first band in the profile);
- ``RULE.LAYER.bandN.from`` — the lower edge of band N (and so the upper edge of band N − 1), in
  the banding attribute's unit;
- ``RULE.threshold`` — a ``raster_threshold`` rule's value, in its unit.

Anything else is refused with the list of what the rule can vary.  A banded rule is never replaced
by one distance for every feature.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re

from ..model.errors import SmrSitingError
from ..model.i18n import _
from ..model.profile import Criterion, Profile
from ..model.units import parse_area, parse_length
from ..rules import get_kind
from ..rules.sweep import SweepTarget

_BAND = re.compile(r"^band(\d+)$")


def value_kind(target: str) -> str:
    """How the values of a sweep are written: 'area', 'number' or 'length' (from the target's syntax)."""
    if target == "footprint":
        return "area"
    if target.endswith((".threshold", ".scale", ".from")):
        return "number"
    return "length"


def parse_sweep(text: str) -> tuple[str, list[float]]:
    """What to sweep and its values (metres, m² or plain numbers)."""
    if "=" not in text:
        raise SmrSitingError(_("--sweep {text!r} is not RULE=VALUE,VALUE,…").format(text=text),
                             _("Write e.g. --sweep cooling_water=1km,2km,5km"))
    target, _sep, values = text.partition("=")
    target = target.strip()
    items = [v.strip() for v in values.split(",") if v.strip()]
    where = f"--sweep {target}"
    kind = value_kind(target)
    if kind == "area":
        parsed = [parse_area(v, _("sweep value"), where) for v in items]
    elif kind == "number":
        try:
            parsed = [float(v) for v in items]
            if not all(math.isfinite(v) for v in parsed):
                raise ValueError(text)
        except ValueError:
            raise SmrSitingError(_("--sweep {text!r}: these values must be plain numbers").format(text=text),
                                 _("Write e.g. --sweep settlements.scale=0.5,1,2 or "
                                   "population_density.threshold=500,1000")) from None
        if target.endswith(".scale") and any(v <= 0 for v in parsed):
            raise SmrSitingError(_("--sweep {text!r}: a scale factor must be positive").format(text=text),
                                 _("Write e.g. --sweep settlements.scale=0.5,1,2"))
    else:
        parsed = [parse_length(v, _("sweep value"), where) for v in items]
    if not parsed:
        raise SmrSitingError(_("--sweep {text!r} lists no values").format(text=text),
                             _("Write e.g. --sweep cooling_water=1km,2km,5km"))
    return target, parsed


def choices(criterion: Criterion) -> list[str]:
    """Every sweep target a rule offers (its kind says which)."""
    return list(_kind(criterion).sweep_targets(criterion))


def _kind(criterion: Criterion):  # noqa: ANN202 - a CriterionKind
    kind = get_kind(criterion.kind)
    assert kind is not None, criterion.kind  # the profile reader checked it
    return kind


def resolve(profile: Profile, target: str) -> SweepTarget:
    """The sweep target in this profile, or a clear refusal listing the choices."""
    if target == "footprint":
        return SweepTarget(target, "footprint", unit="m2")
    rules = {c.id: c for c in profile.criteria}
    rule_id, _dot, rest = target.partition(".")
    if rule_id not in rules:
        close = difflib.get_close_matches(rule_id, list(rules), n=1)
        raise SmrSitingError(_("--sweep: the profile has no rule {rule!r}").format(rule=rule_id),
                             (_("Did you mean {name!r}?").format(name=close[0]) + " " if close else "")
                             + _("Rules: {rules}").format(rules=", ".join(rules)) + "; " + _("or sweep 'footprint'"))
    criterion = rules[rule_id]
    offered = choices(criterion)

    def refuse(problem: str) -> SmrSitingError:
        hint = (_("Sweep one of: {choices}").format(choices=", ".join(offered)) if offered
                else _("This rule has no distance, buffer or threshold to vary"))
        return SmrSitingError(problem, hint)

    if not rest:
        if criterion.id not in offered:
            if not any(t.endswith((".distance", ".buffer", ".scale")) for t in offered):
                raise refuse(_("--sweep: rule {rule!r} has no distance to vary").format(rule=rule_id))
            raise refuse(_("--sweep {target!r} is ambiguous: the rule has more than one distance (per source or in "
                           "bands)").format(target=target))
        return SweepTarget(target, "rule", rule_id, unit="m")
    if rest == "threshold":
        if "value" not in criterion.options:
            raise refuse(_("--sweep: rule {rule!r} has no threshold to vary").format(rule=rule_id))
        return SweepTarget(target, "threshold", rule_id, unit=str(criterion.options.get("unit", "")))
    if rest == "scale":
        if target not in offered:
            raise refuse(_("--sweep: rule {rule!r} has no distance to scale").format(rule=rule_id))
        return SweepTarget(target, "scale", rule_id, unit="factor")
    parts = rest.split(".")
    layer = parts[0]
    if target in offered and layer not in {s.layer for s in criterion.sources}:
        return SweepTarget(target, "own", rule_id, unit="m")  # a number of the kind's own (its ``vary`` sets it)
    sources = [s for s in criterion.sources if s.layer == layer]
    if not sources:
        raise refuse(_("--sweep {target!r}: rule {rule!r} reads no layer {layer!r}").format(
            target=target, rule=rule_id, layer=layer))
    if len(sources) > 1:
        raise refuse(_("--sweep {target!r}: rule {rule!r} reads layer {layer!r} more than once").format(
            target=target, rule=rule_id, layer=layer))
    if target not in offered:
        raise refuse(_("--sweep {target!r}: rule {rule!r} has no such number").format(target=target, rule=rule_id))
    if len(parts) == 2:
        return SweepTarget(target, parts[1], rule_id, layer, unit="m")
    match = _BAND.match(parts[1])
    band = int(match.group(1)) if match else 0
    field = sources[0].distance.field if sources[0].distance is not None else ""
    if parts[2] == "distance":
        return SweepTarget(target, "band_distance", rule_id, layer, band, unit="m")
    return SweepTarget(target, "band_from", rule_id, layer, band, unit=field or "")


def with_value(profile: Profile, target: str | SweepTarget, value: float) -> Profile:
    """The profile with the one number ``target`` names set to ``value`` (the footprint included)."""
    sweep = resolve(profile, target) if isinstance(target, str) else target
    if sweep.kind == "footprint":
        return dataclasses.replace(profile, footprint=dataclasses.replace(profile.footprint, area_m2=value))
    criteria = []
    for criterion in profile.criteria:
        if criterion.id == sweep.rule:
            criterion = _kind(criterion).vary(criterion, sweep, value)
        criteria.append(criterion)
    return dataclasses.replace(profile, criteria=tuple(criteria))


def sweep_unit(target: str, profile: Profile) -> str:
    return resolve(profile, target).unit
