"""Criteria profiles: a human-editable YAML file loaded into validated dataclasses.

Every message names the file, the line, the key and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..model.errors import ProfileError
from ..model.i18n import _
from ..model.profile import (
    FOOTPRINT_SHAPES,
    MAX_DISTANCE_M,
    MAX_FOOTPRINT_M2,
    MISSING_BAND_CHOICES,
    Band,
    Criterion,
    Distance,
    Footprint,
    Profile,
    Source,
    shape_label,
)
from ..model.units import parse_area, parse_length
from .context import ParseContext, parse_condition, suggest
from .yamlpos import LineDict, LineList, load_yaml, read_text_bounded

PROFILE_DIR = Path(__file__).resolve().parents[2] / "profiles"

PROFILE_KEYS = frozenset({"name", "title", "title_nl", "description", "version", "resolution",
                          "footprint", "criteria", "basis", "scoring", "design"})
CRITERION_KEYS = frozenset({"id", "kind", "title", "title_nl", "group", "layers", "basis", "enabled", "note"})
SOURCE_KEYS = frozenset({"layer", "where", "note", "fallback", "min_area", "min_width"})
ONE_OF_KEYS = frozenset({"one_of", "note"})
FOOTPRINT_KEYS = frozenset({"area", "shape", "aspect", "basis"})
#: the entry keys this reader turns into :class:`Source` fields; a kind's other ``source_keys`` go to its
#: ``parse_source_options`` (``Source.options``), so that no key it declares is dropped
READ_SOURCE_KEYS = SOURCE_KEYS | {"distance", "buffer", "field", "scale"}


def _parse_distance(raw: Any, ctx: ParseContext, parent: LineDict, key: str, label: str) -> Distance:
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


def _parse_source(raw: Any, ctx: ParseContext, parent: LineList, index: int, label: str, kind: Any,
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
        hint = suggest(layer, layer_ids)
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
    conditions = tuple(parse_condition(c, ctx, raw, slabel) for c in where_raw)
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
    own = {key: raw[key] for key in raw if key in kind.source_keys and key not in READ_SOURCE_KEYS}
    options = dict(kind.parse_source_options(own, ctx.at(raw, None, slabel))) if own else {}
    return Source(layer, conditions, distance, buffer_m, field_name, raw.line, fallback, min_area, min_width, scale,
                  options)


def _parse_scale(raw: Any, where: str) -> float:
    import math

    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw <= 0:
        raise ProfileError(_("'scale' must be a positive number, not {value!r}").format(value=raw),
                           _("Write e.g. 'scale: 100' (inhabitants per 100 m square × 100 = per km²)"), where)
    return float(raw)


def _parse_entry(raw: Any, ctx: ParseContext, parent: LineList, index: int, label: str, kind: Any,
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


def _parse_basis(raw: Any, ctx: ParseContext, parent: LineDict, label: str) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {"all": raw.strip()}
    if isinstance(raw, LineDict):
        return {str(k): str(v).strip() for k, v in raw.items()}
    raise ProfileError(_("'basis' must be text or a mapping of number -> source"),
                       _("Write 'basis: \"assumption: ...\"'"), ctx.at(parent, "basis", label))


def _parse_criterion(raw: Any, ctx: ParseContext, criteria: LineList, index: int, layer_ids: set[str] | None,
                     seen: set[str], kinds: Mapping[str, Any]) -> Criterion | None:
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
    kind = kinds.get(kind_name)
    if kind is None:
        hint = suggest(kind_name, sorted(kinds))
        raise ProfileError(_("unknown criterion kind {kind!r}").format(kind=kind_name),
                           (hint[0].upper() + hint[1:] + " " if hint else "")
                           + _("Known kinds: {kinds}").format(kinds=", ".join(sorted(kinds))),
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


def _parse_footprint(raw: Any, ctx: ParseContext, parent: LineDict) -> Footprint:
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
        hint = suggest(shape, FOOTPRINT_SHAPES)
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


def parse_profile(text: str, source: str, layer_ids: set[str] | None = None, *,
                  kinds: Mapping[str, Any]) -> Profile:
    """Parse and validate a profile.

    Parameters
    ----------
    text, source
        The profile's YAML and where it comes from (for file:line messages).
    layer_ids
        Known catalogue ids (None: not checked).
    kinds
        The criterion kinds by name; each parses its own keys.  :func:`smr_siting.core.rules.parse_profile`
        passes the registered kinds.
    """
    ctx = ParseContext(source)
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
    parsed = [_parse_criterion(c, ctx, criteria_raw, i, layer_ids, seen, kinds) for i, c in enumerate(criteria_raw)]
    criteria = tuple(c for c in parsed if c is not None)
    if not criteria:
        raise ProfileError(_("every criterion is disabled"), _("Enable at least one criterion"), ctx.at(raw, "criteria"))
    if len(criteria) > 31:
        raise ProfileError(_("{count} criteria; the exclusion raster holds at most 31").format(count=len(criteria)),
                           _("Merge some rules"), ctx.at(raw, "criteria"))
    scoring = None
    if "scoring" in raw:
        from .scoring import parse_scoring

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
    hint = suggest(str(name_or_path), builtin_profiles())
    raise ProfileError(_("no built-in profile or file called {name!r}").format(name=str(name_or_path)),
                       (hint[0].upper() + hint[1:] + " " if hint else "")
                       + _("Built-in profiles: {profiles}; or give a path to a .yaml file").format(
                           profiles=", ".join(builtin_profiles())))


def load_profile(name_or_path: str | Path, layer_ids: set[str] | None = None, *,
                 kinds: Mapping[str, Any]) -> Profile:
    """Read and parse a built-in profile (by name) or a profile file; see :func:`parse_profile`."""
    path = resolve_profile_path(name_or_path)
    try:
        text = read_text_bounded(path)  # a regular file of bounded size
    except UnicodeDecodeError:
        raise ProfileError(_("profile {path} is not UTF-8 text").format(path=path), _("Save it as UTF-8")) from None
    except OSError as error:
        raise ProfileError(_("cannot read profile {path} ({reason})").format(path=path, reason=error.strerror),
                           _("Check the file and its permissions")) from None
    return parse_profile(text, str(path), layer_ids, kinds=kinds)
