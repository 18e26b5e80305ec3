"""Criteria profiles: a human-editable YAML file loaded into validated dataclasses.

Every message names the file, the line, the key and the fix.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import ProfileError
from .i18n import _, joined
from .units import parse_area, parse_length
from .yamlpos import LineDict, LineList, load_yaml, read_text_bounded

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"
MAX_DISTANCE_M = 100_000.0  # beyond this a "distance" is almost surely a unit slip
MAX_FOOTPRINT_M2 = 100 * 1_000_000.0
OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
FOOTPRINT_SHAPES = ("square", "circle", "rectangle")


def shape_label(shape: str) -> str:
    """A footprint shape in the user's language (the profile and the outputs keep the English key)."""
    labels = {"square": _("square"), "circle": _("circle"), "rectangle": _("rectangle")}
    return labels.get(shape, shape)

PROFILE_KEYS = frozenset({"name", "title", "title_nl", "description", "version", "resolution",
                          "footprint", "criteria", "basis", "scoring", "design"})
CRITERION_KEYS = frozenset({"id", "kind", "title", "title_nl", "group", "layers", "basis", "enabled", "note"})
SOURCE_KEYS = frozenset({"layer", "where", "note", "fallback", "min_area", "min_width"})
ONE_OF_KEYS = frozenset({"one_of", "note"})
FOOTPRINT_KEYS = frozenset({"area", "shape", "aspect", "basis"})
CONDITION_KEYS = frozenset({"field", "op", "value", "keep_missing"})


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
        from .units import format_length

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
    #: has alternatives.  :func:`smr_siting.core.sources.resolve_profile` picks one per entry and puts it
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


# --------------------------------------------------------------------------- helpers


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return _("did you mean {name!r}?").format(name=close[0]) if close else ""


class _Ctx:
    """Where we are in the file, for messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def at(self, node: Any, key: str | None = None, label: str = "") -> str:
        line = 0
        if isinstance(node, LineDict):
            line = node.line_of(key) if key else node.line
        elif isinstance(node, LineList):
            line = node.line
        where = f"{self.source}:{line}" if line else self.source
        return f"{where} {label}".rstrip()

    def check_keys(self, node: LineDict, allowed: frozenset[str], label: str) -> None:
        for key in node:
            if key not in allowed:
                hint = _suggest(key, allowed)
                fix = f"{hint[0].upper() + hint[1:]} " if hint else ""
                fix += _("Allowed keys here: {keys}").format(keys=", ".join(sorted(allowed)))
                raise ProfileError(_("unknown key {key!r}").format(key=key), fix, self.at(node, key, label))

    def need_mapping(self, value: Any, parent: Any, key: str, label: str) -> LineDict:
        if not isinstance(value, LineDict):
            raise ProfileError(_("{key!r} must be a mapping (key: value lines)").format(key=key),
                               _("Indent its keys under it"), self.at(parent, key, label))
        return value

    def need_text(self, node: LineDict, key: str, label: str, required: bool = True) -> str:
        if key not in node or node[key] is None:
            if required:
                raise ProfileError(_("{key!r} is missing").format(key=key), _("Add '{key}: ...'").format(key=key),
                                   self.at(node, None, label))
            return ""
        value = node[key]
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ProfileError(_("{key!r} must be text").format(key=key), _("Write it as text, in quotes if needed"),
                               self.at(node, key, label))
        return str(value).strip()


def _parse_condition(raw: Any, ctx: _Ctx, parent: Any, label: str) -> Condition:
    if not isinstance(raw, LineDict):
        raise ProfileError(_("each 'where' condition must be a mapping like {field: typ, op: '==', value: substation}"),
                           _("Write conditions as '- {field: NAME, op: OP, value: VALUE}'"),
                           ctx.at(parent, "where", label))
    ctx.check_keys(raw, CONDITION_KEYS, label + ".where")
    name = ctx.need_text(raw, "field", label + ".where")
    op = ctx.need_text(raw, "op", label + ".where")
    if op not in OPS:
        hint = _suggest(op, OPS)
        raise ProfileError(_("unknown operator {op!r}").format(op=op),
                           (hint[:1].upper() + hint[1:] + " " if hint else "")
                           + _("Use one of: {choices}").format(choices=", ".join(OPS)),
                           ctx.at(raw, "op", label + ".where"))
    if "value" not in raw:
        raise ProfileError(_("condition has no 'value'"), _("Add 'value: ...'"), ctx.at(raw, None, label + ".where"))
    value = raw["value"]
    if op in ("in", "not in"):
        if not isinstance(value, list) or not value:
            raise ProfileError(_("operator {op!r} needs a list of values").format(op=op), _("Write 'value: [a, b]'"),
                               ctx.at(raw, "value", label + ".where"))
        value = tuple(value)
    return Condition(name, op, value, bool(raw.get("keep_missing", False)))


def _parse_distance(raw: Any, ctx: _Ctx, parent: LineDict, key: str, label: str) -> Distance:
    where = ctx.at(parent, key, f"{label}.{key}")
    if isinstance(raw, LineDict) and "bands" in raw:
        ctx.check_keys(raw, frozenset({"field", "bands", "missing"}), f"{label}.{key}")
        name = ctx.need_text(raw, "field", f"{label}.{key}")
        missing = str(raw.get("missing", "largest band"))
        if missing not in MISSING_BAND_CHOICES:
            raise ProfileError(_("unknown 'missing' {value!r}").format(value=missing),
                               _("Use one of: {choices}").format(choices=", ".join(MISSING_BAND_CHOICES)),
                               ctx.at(raw, "missing", f"{label}.{key}"))
        bands_raw = raw["bands"]
        if not isinstance(bands_raw, list) or not bands_raw:
            raise ProfileError(_("'bands' must be a non-empty list"),
                               _("Write '- {from: 0, to: 5000, distance: 1 km}' lines"), where)
        bands = []
        for i, band in enumerate(bands_raw):
            blabel = f"{label}.{key}.bands[{i}]"
            if not isinstance(band, LineDict):
                raise ProfileError(_("each band must be a mapping"), _("Write '- {from: 0, to: 5000, distance: 1 km}'"),
                                   where)
            ctx.check_keys(band, frozenset({"from", "to", "distance"}), blabel)
            lower = band.get("from", float("-inf"))
            upper = band.get("to")
            for bound_key, bound in (("from", lower), ("to", upper)):
                if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                    raise ProfileError(_("band '{key}' must be a number").format(key=bound_key),
                                       _("Write it like 'from: 25000'"), ctx.at(band, bound_key, blabel))
            if upper is not None and upper <= lower:
                raise ProfileError(_("band 'to' ({upper}) must be larger than 'from' ({lower})").format(
                    upper=upper, lower=lower), _("Swap or fix the bounds"), ctx.at(band, "to", blabel))
            if bands and (bands[-1].upper is None or lower < bands[-1].upper):
                raise ProfileError(_("band 'from' ({lower}) lies below the previous band's 'to' ({upper}); bands "
                                     "must increase and not overlap").format(
                                         lower=lower, upper="∞" if bands[-1].upper is None else f"{bands[-1].upper:g}"),
                                   _("Order the bands from small to large values"), ctx.at(band, "from", blabel))
            if "distance" not in band:
                raise ProfileError(_("band has no 'distance'"), _("Add 'distance: 2 km'"), ctx.at(band, None, blabel))
            metres = parse_length(band["distance"], "distance", ctx.at(band, "distance", blabel))
            _check_reach(metres, ctx.at(band, "distance", blabel))
            bands.append(Band(float(lower), None if upper is None else float(upper), metres))
        return Distance(field=name, bands=tuple(bands), missing=missing)
    metres = parse_length(raw, key, where)
    _check_reach(metres, where)
    return Distance(metres=metres)


def _check_reach(metres: float, where: str) -> None:
    if metres > MAX_DISTANCE_M:
        raise ProfileError(_("distance {distance:g} km is larger than {limit:g} km, the largest "
                             "this screening supports").format(distance=metres / 1000, limit=MAX_DISTANCE_M / 1000),
                           _("Check the unit (m or km) and the number"), where)


def _parse_source(raw: Any, ctx: _Ctx, parent: LineList, index: int, label: str, kind: Any,
                  layer_ids: set[str] | None, slabel: str | None = None) -> Source:
    slabel = slabel or f"{label}.layers[{index}]"
    line = parent.item_lines[index] if index < len(parent.item_lines) else parent.line
    if isinstance(raw, str):
        raw_map = LineDict(layer=raw)
        raw_map.line = line
        raw_map.key_lines = {"layer": line}
        raw = raw_map
    if not isinstance(raw, LineDict):
        raise ProfileError(_("each entry of 'layers' must be a layer id or a mapping with 'layer:'"),
                           _("Write '- layer: natura2000'"), f"{ctx.source}:{line} {slabel}")
    allowed = SOURCE_KEYS | kind.source_keys
    ctx.check_keys(raw, allowed, slabel)
    layer = ctx.need_text(raw, "layer", slabel)
    if layer_ids is not None and layer not in layer_ids:
        hint = _suggest(layer, layer_ids)
        raise ProfileError(_("unknown layer id {layer!r}").format(layer=layer),
                           (hint[0].upper() + hint[1:] + " " if hint else "")
                           + _("Use an id from the layer catalogue (smr-siting layers lists them)"),
                           ctx.at(raw, "layer", slabel))
    for key in sorted(kind.required_source_keys):
        if key not in raw:
            raise ProfileError(_("{key!r} is missing for a '{kind}' rule").format(key=key, kind=kind.name),
                               _("Add '{key}: ...' to this layer entry").format(key=key), ctx.at(raw, None, slabel))
    where_raw = raw.get("where", [])
    if isinstance(where_raw, LineDict):
        where_raw = [where_raw]
    if not isinstance(where_raw, list):
        raise ProfileError(_("'where' must be a list of conditions"),
                           _("Write '- {field: NAME, op: OP, value: VALUE}' lines"), ctx.at(raw, "where", slabel))
    conditions = tuple(_parse_condition(c, ctx, raw, slabel) for c in where_raw)
    distance = _parse_distance(raw["distance"], ctx, raw, "distance", slabel) if "distance" in raw else None
    buffer_m = 0.0
    if "buffer" in raw:
        buffer_m = parse_length(raw["buffer"], "buffer", ctx.at(raw, "buffer", slabel + ".buffer"))
        _check_reach(buffer_m, ctx.at(raw, "buffer", slabel + ".buffer"))
    field_name = ctx.need_text(raw, "field", slabel, required=False) or None
    min_area = 0.0
    if "min_area" in raw:
        min_area = parse_area(raw["min_area"], "min_area", ctx.at(raw, "min_area", slabel + ".min_area"))
    scale = 1.0
    if "scale" in raw:
        scale = _parse_scale(raw["scale"], ctx.at(raw, "scale", slabel + ".scale"))
    min_width = 0.0
    if "min_width" in raw:
        min_width = parse_length(raw["min_width"], "min_width", ctx.at(raw, "min_width", slabel + ".min_width"))
        _check_reach(min_width, ctx.at(raw, "min_width", slabel + ".min_width"))
    fallback = ctx.need_text(raw, "fallback", slabel, required=False)
    return Source(layer, conditions, distance, buffer_m, field_name, raw.line, fallback, min_area, min_width, scale)


def _parse_scale(raw: Any, where: str) -> float:
    import math

    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw <= 0:
        raise ProfileError(_("'scale' must be a positive number, not {value!r}").format(value=raw),
                           _("Write e.g. 'scale: 100' (inhabitants per 100 m square × 100 = per km²)"), where)
    return float(raw)


def _parse_entry(raw: Any, ctx: _Ctx, parent: LineList, index: int, label: str, kind: Any,
                 layer_ids: set[str] | None) -> tuple[Source, ...]:
    """One entry of ``layers:``: a source, or ``one_of:`` a list of sources in order of authority."""
    if not (isinstance(raw, LineDict) and "one_of" in raw):
        return (_parse_source(raw, ctx, parent, index, label, kind, layer_ids),)
    elabel = f"{label}.layers[{index}]"
    ctx.check_keys(raw, ONE_OF_KEYS, elabel)
    options = raw["one_of"]
    if not isinstance(options, LineList) or not options:
        raise ProfileError(_("'one_of' must be a non-empty list of layer entries, most authoritative first"),
                           _("Write '- one_of: [{layer: built_up_areas, distance: 500 m}, {layer: population_centres, "
                             "distance: 2 km}]'"), ctx.at(raw, "one_of", elabel))
    sources = tuple(_parse_source(item, ctx, options, i, label, kind, layer_ids, f"{elabel}.one_of[{i}]")
                    for i, item in enumerate(options))
    layers = [s.layer for s in sources]
    twice = sorted({layer for layer in layers if layers.count(layer) > 1})
    if twice:
        raise ProfileError(_("'one_of' names layer {layer!r} twice").format(layer=twice[0]),
                           _("List each layer once; the first one present in the data is used"),
                           ctx.at(raw, "one_of", elabel))
    return sources


def _parse_basis(raw: Any, ctx: _Ctx, parent: LineDict, label: str) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"all": raw.strip()}
    if isinstance(raw, LineDict):
        return {str(k): str(v).strip() for k, v in raw.items()}
    raise ProfileError(_("'basis' must be text or a mapping of number -> source"),
                       _("Write 'basis: \"assumption: ...\"'"), ctx.at(parent, "basis", label))


def _parse_criterion(raw: Any, ctx: _Ctx, criteria: LineList, index: int, layer_ids: set[str] | None,
                     seen: set[str]) -> Criterion | None:
    from .criteria import get_kind, kind_names

    line = criteria.item_lines[index]
    label = f"criteria[{index}]"
    if not isinstance(raw, LineDict):
        raise ProfileError(_("each criterion must be a mapping"), _("Start it with '- id: ...'"),
                           f"{ctx.source}:{line} {label}")
    cid = ctx.need_text(raw, "id", label)
    label = f"criteria[{index}] ({cid})"
    if not cid.replace("_", "").replace("-", "").isalnum():
        raise ProfileError(_("criterion id {id!r} may hold only letters, digits, '_' and '-'").format(id=cid),
                           _("Rename it"), ctx.at(raw, "id", label))
    if cid in seen:
        raise ProfileError(_("criterion id {id!r} is used twice").format(id=cid), _("Give each criterion its own id"),
                           ctx.at(raw, "id", label))
    seen.add(cid)
    kind_name = ctx.need_text(raw, "kind", label)
    kind = get_kind(kind_name)
    if kind is None:
        hint = _suggest(kind_name, kind_names())
        raise ProfileError(_("unknown criterion kind {kind!r}").format(kind=kind_name),
                           (hint[0].upper() + hint[1:] + " " if hint else "")
                           + _("Known kinds: {kinds}").format(kinds=", ".join(kind_names())),
                           ctx.at(raw, "kind", label))
    ctx.check_keys(raw, CRITERION_KEYS | kind.criterion_keys, label)
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ProfileError(_("'enabled' must be true or false"), _("Write 'enabled: false' to switch a rule off"),
                           ctx.at(raw, "enabled", label))
    layers = raw.get("layers")
    if not isinstance(layers, LineList) or not layers:
        raise ProfileError(_("'layers' is missing or empty"), _("List the layers this rule reads: 'layers: [natura2000]'"),
                           ctx.at(raw, "layers" if "layers" in raw else None, label))
    entries = tuple(_parse_entry(s, ctx, layers, i, label, kind, layer_ids) for i, s in enumerate(layers))
    sources = tuple(entry[0] for entry in entries)
    alternatives = entries if any(len(entry) > 1 for entry in entries) else ()
    options = dict(kind.parse_options(raw, ctx.at(raw, None, label)))
    criterion = Criterion(
        id=cid,
        kind=kind.name,
        title=ctx.need_text(raw, "title", label, required=False) or cid,
        title_nl=ctx.need_text(raw, "title_nl", label, required=False),
        group=ctx.need_text(raw, "group", label, required=False) or "other",
        sources=sources,
        options=options,
        basis=_parse_basis(raw.get("basis"), ctx, raw, label),
        line=line,
        alternatives=alternatives,
    )
    return criterion if enabled else None


def _parse_footprint(raw: Any, ctx: _Ctx, parent: LineDict) -> Footprint:
    node = ctx.need_mapping(raw, parent, "footprint", "footprint")
    ctx.check_keys(node, FOOTPRINT_KEYS, "footprint")
    if "area" not in node:
        raise ProfileError(_("footprint 'area' is missing"), _("Add 'area: 10 ha'"), ctx.at(node, None, "footprint"))
    area = parse_area(node["area"], _("footprint area"), ctx.at(node, "area", "footprint.area"))
    if area > MAX_FOOTPRINT_M2:
        problem = _("footprint area {area:g} ha is larger than {limit:g} ha").format(
            area=area / 10_000, limit=MAX_FOOTPRINT_M2 / 10_000)
        raise ProfileError(problem, _("Check the unit (m2, ha, km2)"), ctx.at(node, "area", "footprint.area"))
    shape = str(node.get("shape", "square"))
    if shape not in FOOTPRINT_SHAPES:
        hint = _suggest(shape, FOOTPRINT_SHAPES)
        raise ProfileError(_("unknown footprint shape {shape!r}").format(shape=shape),
                           (hint[:1].upper() + hint[1:] + " " if hint else "") + _("Use one of: {choices}").format(
                               choices=", ".join(FOOTPRINT_SHAPES)),
                           ctx.at(node, "shape", "footprint.shape"))
    aspect = node.get("aspect", 1.0)
    if isinstance(aspect, bool) or not isinstance(aspect, (int, float)) or not 1.0 <= aspect <= 20.0:
        problem = _("footprint aspect {aspect!r} must be a number from 1 to 20 (length / width)").format(aspect=aspect)
        raise ProfileError(problem, _("Use 1 for a square, 2 for a rectangle twice as long as wide"),
                           ctx.at(node, "aspect", "footprint.aspect"))
    if shape != "rectangle" and aspect != 1.0:
        raise ProfileError(_("an aspect ratio applies only to a rectangle, not a {shape}").format(shape=shape_label(shape)),
                           _("Set 'shape: rectangle' or remove 'aspect'"), ctx.at(node, "aspect", "footprint.aspect"))
    basis = node.get("basis", "")
    return Footprint(area, shape, float(aspect), str(basis).strip())


def parse_profile(text: str, source: str, layer_ids: set[str] | None = None) -> Profile:
    """Parse and validate a profile.  ``layer_ids``: known catalogue ids (None: not checked)."""
    ctx = _Ctx(source)
    raw = load_yaml(text, source)
    if not isinstance(raw, LineDict):
        raise ProfileError(_("a profile must be a YAML mapping with 'name', 'footprint' and 'criteria'"),
                           _("Start from a built-in profile (smr-siting profiles --show nl-default)"), source)
    ctx.check_keys(raw, PROFILE_KEYS, "")
    name = ctx.need_text(raw, "name", "")
    resolution = parse_length(raw.get("resolution", "25 m"), "resolution", ctx.at(raw, "resolution", "resolution"),
                              allow_zero=False)
    if not 1.0 <= resolution <= 1000.0:
        raise ProfileError(_("resolution {resolution:g} m is outside 1 m .. 1 km").format(resolution=resolution),
                           _("Use 25 m (default) to 250 m"), ctx.at(raw, "resolution", "resolution"))
    if "footprint" not in raw:
        raise ProfileError(_("'footprint' is missing"), _("Add 'footprint: {area: 10 ha, shape: square}'"), source)
    footprint = _parse_footprint(raw["footprint"], ctx, raw)
    criteria_raw = raw.get("criteria")
    if not isinstance(criteria_raw, LineList) or not criteria_raw:
        raise ProfileError(_("'criteria' is missing or empty"), _("Add a list of criteria under 'criteria:'"),
                           ctx.at(raw, "criteria" if "criteria" in raw else None, "criteria"))
    seen: set[str] = set()
    parsed = [_parse_criterion(c, ctx, criteria_raw, i, layer_ids, seen) for i, c in enumerate(criteria_raw)]
    criteria = tuple(c for c in parsed if c is not None)
    if not criteria:
        raise ProfileError(_("every criterion is disabled"), _("Enable at least one criterion"), ctx.at(raw, "criteria"))
    if len(criteria) > 31:
        raise ProfileError(_("{count} criteria; the exclusion raster holds at most 31").format(count=len(criteria)),
                           _("Merge some rules"), ctx.at(raw, "criteria"))
    scoring = None
    if "scoring" in raw:
        from .scoring.spec import parse_scoring

        scoring = parse_scoring(raw["scoring"], source, layer_ids)
    design = None
    if "design" in raw:
        from .designs import parse_profile_design

        design = parse_profile_design(raw["design"], source)
    return Profile(
        name=name,
        title=ctx.need_text(raw, "title", "", required=False) or name,
        title_nl=ctx.need_text(raw, "title_nl", "", required=False),
        description=ctx.need_text(raw, "description", "", required=False),
        resolution_m=resolution,
        footprint=footprint,
        criteria=criteria,
        path=source,
        text=text,
        basis=_parse_basis(raw.get("basis"), ctx, raw, ""),
        scoring=scoring,
        design=design,
    )


def builtin_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def resolve_profile_path(name_or_path: str | Path) -> Path:
    """A built-in profile name (``nl-default``) or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix.lower() in (".yaml", ".yml") or candidate.exists():
        if not candidate.exists():
            raise ProfileError(_("profile file {path} does not exist").format(path=candidate), _("Check the path"))
        if candidate.is_dir():
            raise ProfileError(_("{path} is a folder, not a profile file").format(path=candidate), _("Name a .yaml file"))
        return candidate
    builtin = PROFILE_DIR / f"{name_or_path}.yaml"
    if builtin.exists():
        return builtin
    hint = _suggest(str(name_or_path), builtin_profiles())
    raise ProfileError(_("no built-in profile or file called {name!r}").format(name=str(name_or_path)),
                       (hint[0].upper() + hint[1:] + " " if hint else "")
                       + _("Built-in profiles: {profiles}; or give a path to a .yaml file").format(
                           profiles=", ".join(builtin_profiles())))


def load_profile(name_or_path: str | Path, layer_ids: set[str] | None = None) -> Profile:
    path = resolve_profile_path(name_or_path)
    try:
        text = read_text_bounded(path)  # a regular file of bounded size
    except UnicodeDecodeError:
        raise ProfileError(_("profile {path} is not UTF-8 text").format(path=path), _("Save it as UTF-8")) from None
    except OSError as error:
        raise ProfileError(_("cannot read profile {path} ({reason})").format(path=path, reason=error.strerror),
                           _("Check the file and its permissions")) from None
    return parse_profile(text, str(path), layer_ids)
