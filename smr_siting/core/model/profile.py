"""The screening profile as data: rules (criteria), their sources and distances, the footprint.

Plain frozen dataclasses, built by :mod:`smr_siting.core.config.profile` from a profile's YAML (or in code).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

from .i18n import _, joined
from .units import format_length

MAX_DISTANCE_M = 100_000.0  # beyond this a "distance" is almost surely a unit slip
MAX_FOOTPRINT_M2 = 100 * 1_000_000.0
OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
FOOTPRINT_SHAPES = ("square", "circle", "rectangle")


def shape_label(shape: str) -> str:
    """A footprint shape in the user's language (the profile and the outputs keep the English key)."""
    labels = {"square": _("square"), "circle": _("circle"), "rectangle": _("rectangle")}
    return labels.get(shape, shape)


@dataclass(frozen=True)
class Condition:
    """``field op value``; features with a missing value pass only if ``keep_missing``."""

    field: str
    op: str
    value: Any
    keep_missing: bool = False

    def describe(self) -> str:
        text = f"{self.field} {self.op} {self.value!r}"
        return joined("", [text, _(" (or missing)")]) if self.keep_missing else text


@dataclass(frozen=True)
class Band:
    """Features whose ``field`` is in [lower, upper) get ``metres``."""

    lower: float
    upper: float | None
    metres: float


MISSING_BAND_CHOICES = ("largest band", "refuse")


@dataclass(frozen=True)
class Distance:
    """A constant distance, or distance bands chosen per feature by an attribute."""

    metres: float | None = None
    field: str | None = None
    bands: tuple[Band, ...] = ()
    #: bands: what a feature whose attribute is missing, negative (CBS secrecy codes) or outside every
    #: band gets — "largest band" (the safe default) or "refuse" (stop with the count)
    missing: str = "largest band"

    @property
    def max_metres(self) -> float:
        if self.metres is not None:
            return self.metres
        return max(band.metres for band in self.bands)

    @property
    def is_constant(self) -> bool:
        return self.metres is not None

    def describe(self) -> str:
        if self.metres is not None:
            return format_length(self.metres)
        parts = [_("{length} for {field} in [{lower:g}, {upper})").format(
                     length=format_length(b.metres), field=self.field, lower=b.lower,
                     upper="" if b.upper is None else f"{b.upper:g}")
                 for b in self.bands]
        return joined("; ", parts)


@dataclass(frozen=True)
class Source:
    """One layer a criterion reads, with its filter and kind-specific settings."""

    layer: str
    where: tuple[Condition, ...] = ()
    distance: Distance | None = None
    buffer_m: float = 0.0
    field: str | None = None
    line: int = 0
    #: what using this source means when it is a fallback (an alternative after the first of a ``one_of``)
    fallback: str = ""
    #: after dissolving the features, parts smaller than this (m²) are dropped (0: keep all)
    min_area_m2: float = 0.0
    #: after dissolving the features, parts narrower than this (m) are opened away (0: keep all)
    min_width_m: float = 0.0
    #: raster_threshold: the field's values are multiplied by this before the comparison
    scale: float = 1.0
    #: the kind's own keys of this entry (its ``parse_source_options``), beyond those above
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # (``field`` is a field here)


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str
    title: str
    group: str
    sources: tuple[Source, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    basis: Mapping[str, str] = field(default_factory=dict)
    title_nl: str = ""
    line: int = 0
    #: per entry of ``layers:``, its alternatives in order of authority (``one_of``); empty when no entry
    #: has alternatives.  :func:`smr_siting.core.data.sources.resolve_profile` picks one per entry and puts it
    #: in ``sources``; before that, ``sources`` holds the first alternative of each entry.
    alternatives: tuple[tuple[Source, ...], ...] = ()

    @property
    def is_resolved(self) -> bool:
        return not self.alternatives

    @property
    def all_layer_ids(self) -> tuple[str, ...]:
        """Every layer this rule may read, in any alternative."""
        if not self.alternatives:
            return self.layer_ids
        return tuple(dict.fromkeys(s.layer for entry in self.alternatives for s in entry))

    @property
    def max_distance_m(self) -> float:
        """The farthest this rule looks beyond a cell (sets the analysis grid's margin)."""
        reach = 0.0
        for source in (s for entry in self.alternatives for s in entry) if self.alternatives else self.sources:
            reach = max(reach, source.buffer_m)
            if source.distance is not None:
                reach = max(reach, source.distance.max_metres)
        return reach

    @property
    def layer_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.layer for s in self.sources))


@dataclass(frozen=True)
class Footprint:
    area_m2: float
    shape: str = "square"
    aspect: float = 1.0
    basis: str = ""

    @property
    def area_ha(self) -> float:
        return self.area_m2 / 10_000.0


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    description: str
    resolution_m: float
    footprint: Footprint
    criteria: tuple[Criterion, ...]
    path: str
    text: str
    basis: Mapping[str, str] = field(default_factory=dict)
    title_nl: str = ""
    #: the optional ``scoring:`` section (a ScoringSpec), checked when the profile is read
    scoring: Any = None
    #: the optional ``design:`` section (designs.ProfileDesign); holds the chosen design once applied
    design: Any = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def max_distance_m(self) -> float:
        return max((c.max_distance_m for c in self.criteria), default=0.0)

    @property
    def layer_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(layer for c in self.criteria for layer in c.layer_ids))

    @property
    def is_resolved(self) -> bool:
        """True once every ``one_of`` entry (rules and scoring) has been resolved to one source."""
        scoring_resolved = self.scoring is None or getattr(self.scoring, "is_resolved", True)
        return all(c.is_resolved for c in self.criteria) and scoring_resolved

    @property
    def all_layer_ids(self) -> tuple[str, ...]:
        """Every layer a rule may read, in any alternative (the scoring section not included)."""
        return tuple(dict.fromkeys(layer for c in self.criteria for layer in c.all_layer_ids))
