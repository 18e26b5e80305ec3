"""Reactor-design profiles: the numbers of one SMR design that size the site and feed the rules.

A design file (``smr_siting/designs/NAME.yaml``) gives the electrical and thermal output, the site
footprint (area and shape), the emergency planning zones (evacuation, sheltering), the
low-population-zone radius of 10 CFR 100, the grid voltage and, per cooling mode, the water
withdrawn and consumed per MWh.  Every number carries a ``source``; a number that is a judgement
says ``source: "assumption: ..."`` and gives the ``range`` worth trying.  A design without a source
for a number is refused.

A profile may name a default design and override any of its numbers (``design: {default: NAME,
override: {...}}``), and the command line may override the footprint; the outputs say which number
came from where (:meth:`Design.report`).  Rules refer to design numbers as ``design.NAME`` (e.g.
``radius: design.evacuation_zone``); :func:`apply_design` fills them in before a run.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..model.errors import ProfileError
from ..model.i18n import _
from ..model.profile import FOOTPRINT_SHAPES, Footprint
from .yamlpos import LineDict, load_yaml

DESIGN_DIR = Path(__file__).resolve().parents[2] / "designs"

#: number key -> (unit -> factor to the engine's unit, engine unit)
NUMBER_UNITS: dict[str, tuple[dict[str, float], str]] = {
    "electrical_output": ({"MWe": 1.0}, "MWe"),
    "thermal_output": ({"MWt": 1.0, "MWth": 1.0}, "MWt"),
    "heat_output": ({"MWt": 1.0, "MWth": 1.0}, "MWt"),
    "footprint_area": ({"ha": 10_000.0, "m2": 1.0, "km2": 1_000_000.0}, "m2"),
    "evacuation_zone": ({"m": 1.0, "km": 1000.0}, "m"),
    "sheltering_zone": ({"m": 1.0, "km": 1000.0}, "m"),
    "low_population_zone": ({"m": 1.0, "km": 1000.0}, "m"),
    "grid_voltage": ({"kV": 1.0}, "kV"),
}
REQUIRED_NUMBERS = ("electrical_output", "thermal_output", "footprint_area", "evacuation_zone", "sheltering_zone",
                    "low_population_zone", "grid_voltage")
COOLING_MODES = ("once_through", "wet_tower", "dry")
WATER_UNITS = {"L/MWh": 1.0, "m3/MWh": 1000.0}
DESIGN_KEYS = frozenset({"name", "title", "title_nl", "description", "numbers", "footprint_shape", "cooling", "basis"})
NUMBER_KEYS = frozenset({"value", "unit", "source", "range", "note"})


def mode_label(mode: str) -> str:
    labels = {"once_through": _("once-through"), "wet_tower": _("wet tower"), "dry": _("dry cooling")}
    return labels.get(mode, mode)


@dataclass(frozen=True)
class DesignRef:
    """A rule option that takes its value from the reactor design (``design.evacuation_zone``)."""

    key: str

    def __str__(self) -> str:
        return f"design.{self.key}"


@dataclass(frozen=True)
class Number:
    """One number of a design, in the engine's unit, with its source and where it was set."""

    key: str
    value: float
    unit: str          # the unit as written
    written: float     # the value as written
    source: str
    range: tuple[float, float] | None = None
    origin: str = ""   # 'design bwrx-300', 'profile nl-regulator', 'command line'

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.written, "unit": self.unit, "source": self.source, "origin": self.origin}
        if self.range is not None:
            out["range"] = list(self.range)
        return out

    def describe(self) -> str:
        return f"{self.written:,.6g} {self.unit}"


@dataclass(frozen=True)
class CoolingMode:
    mode: str
    withdrawal: Number    # L/MWh
    consumption: Number   # L/MWh

    def withdrawal_m3s(self, electrical_mwe: float) -> float:
        """m³/s withdrawn at full electrical output (MWe × L/MWh = L/h)."""
        return electrical_mwe * self.withdrawal.value / 3.6e6

    def consumption_m3s(self, electrical_mwe: float) -> float:
        return electrical_mwe * self.consumption.value / 3.6e6


@dataclass(frozen=True)
class Design:
    name: str
    title: str
    numbers: Mapping[str, Number]
    shape: str
    shape_source: str
    cooling: tuple[CoolingMode, ...]
    path: str = ""
    text: str = ""
    title_nl: str = ""
    description: str = ""
    #: who overrode what (for the outputs)
    overrides: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def value(self, key: str) -> float:
        return self.numbers[key].value

    @property
    def electrical_mwe(self) -> float:
        return self.value("electrical_output")

    def cooling_mode(self, mode: str) -> CoolingMode | None:
        return next((c for c in self.cooling if c.mode == mode), None)

    def resolve(self, ref: DesignRef) -> Any:
        if ref.key == "cooling":
            return self.cooling
        if ref.key not in self.numbers:
            raise ProfileError(_("design {design!r} has no number {key!r}").format(design=self.name, key=ref.key),
                               _("Add it to the design file, or write the value in the rule"))
        return self.numbers[ref.key].value

    def report(self, footprint_ha_override: float | None = None) -> dict[str, Any]:
        """Every number with its value, unit, source and origin (for summary.json and the manifest)."""
        numbers = {k: n.as_dict() for k, n in self.numbers.items()}
        if footprint_ha_override is not None:
            numbers["footprint_area"] = {"value": footprint_ha_override, "unit": "ha",
                                         "source": _("--footprint-ha on the command line"), "origin": "command line"}
        return {
            "name": self.name, "title": self.title, "sha256": self.sha256,
            "numbers": numbers, "footprint_shape": {"value": self.shape, "source": self.shape_source},
            "cooling": {c.mode: {"withdrawal": c.withdrawal.as_dict(), "consumption": c.consumption.as_dict()}
                        for c in self.cooling},
            "overrides": list(self.overrides),
        }

    def summary_line(self) -> str:
        n = self.numbers
        return _("Design {title}: {mwe} electrical, footprint {area:g} ha {shape}, evacuation zone {evac}, "
                 "sheltering zone {shelter}, low-population zone {lpz}, grid {kv}; cooling: {modes}.").format(
            title=self.title, mwe=n["electrical_output"].describe(), area=n["footprint_area"].value / 1e4,
            shape=self.shape, evac=n["evacuation_zone"].describe(), shelter=n["sheltering_zone"].describe(),
            lpz=n["low_population_zone"].describe(), kv=n["grid_voltage"].describe(),
            modes=", ".join(mode_label(c.mode) for c in self.cooling))


@dataclass(frozen=True)
class ProfileDesign:
    """A profile's ``design:`` section: the design used when none is given, and numbers it overrides."""

    default: str | None = None
    overrides: Mapping[str, Number] = field(default_factory=dict)
    resolved: Design | None = None


# --------------------------------------------------------------------------- parsing


def _where(source: str, node: Any, key: str | None = None) -> str:
    line = node.line_of(key) if isinstance(node, LineDict) and key else getattr(node, "line", 0)
    return f"{source}:{line}" if line else source


def _parse_number(key: str, raw: Any, units: Mapping[str, float], source: str, origin: str) -> Number:
    where = _where(source, raw) + f" {key}"
    example = _("Write '{key}: {{value: 300, unit: {unit}, source: \"vendor document ...\"}}' or 'source: \"assumption: "
                "...\"' with 'range: [low, high]'").format(key=key, unit=next(iter(units)))
    if not isinstance(raw, LineDict):
        raise ProfileError(_("design number {key!r} must be a mapping with value, unit and source").format(key=key),
                           example, where)
    unknown = set(raw) - NUMBER_KEYS
    if unknown:
        raise ProfileError(_("unknown key(s) {keys} in design number {key!r}").format(
            keys=", ".join(sorted(unknown)), key=key), _("Use value, unit, source, range and note"), where)
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ProfileError(_("design number {key!r}: value {value!r} is not a number of zero or more").format(
            key=key, value=value), example, where)
    unit = str(raw.get("unit", "")).strip()
    if unit not in units:
        raise ProfileError(_("design number {key!r}: unit {unit!r} is not one of {units}").format(
            key=key, unit=unit, units=", ".join(units)), example, where)
    text = str(raw.get("source") or "").strip()
    if not text:
        raise ProfileError(_("design number {key!r} has no source").format(key=key),
                           _("Cite the vendor document, regulator filing or IAEA ARIS entry, or write "
                             "'source: \"assumption: why\"' with 'range: [low, high]'"), where)
    span = raw.get("range")
    if text.lower().startswith("assumption"):
        if not (isinstance(span, list) and len(span) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in span) and span[0] <= span[1]):
            raise ProfileError(_("design number {key!r} is an assumption but has no range [low, high]").format(key=key),
                               _("Add 'range: [low, high]' (the values worth trying, in {unit})").format(unit=unit),
                               where)
    parsed_range = (float(span[0]), float(span[1])) if isinstance(span, list) and len(span) == 2 else None
    return Number(key, float(value) * units[unit], unit, float(value), text, parsed_range, origin)


def parse_design(text: str, source: str) -> Design:
    raw = load_yaml(text, source)
    if not isinstance(raw, LineDict):
        raise ProfileError(_("a design must be a YAML mapping with 'name', 'numbers' and 'cooling'"),
                           _("Start from a built-in design (smr-siting designs --show bwrx-300)"), source)
    unknown = set(raw) - DESIGN_KEYS
    if unknown:
        raise ProfileError(_("unknown key(s) {keys} in the design").format(keys=", ".join(sorted(unknown))),
                           _("Allowed keys: {keys}").format(keys=", ".join(sorted(DESIGN_KEYS))), source)
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ProfileError(_("the design has no 'name'"), _("Add 'name: ...'"), source)
    origin = f"design {name}"
    numbers_raw = raw.get("numbers")
    if not isinstance(numbers_raw, LineDict):
        raise ProfileError(_("the design has no 'numbers' mapping"), _("Add 'numbers:' with {keys}").format(
            keys=", ".join(REQUIRED_NUMBERS)), _where(source, raw))
    numbers: dict[str, Number] = {}
    for key, value in numbers_raw.items():
        if key not in NUMBER_UNITS:
            close = difflib.get_close_matches(str(key), list(NUMBER_UNITS), n=1)
            raise ProfileError(_("unknown design number {key!r}").format(key=key),
                               (_("Did you mean {name!r}? ").format(name=close[0]) if close else "")
                               + _("Known numbers: {keys}").format(keys=", ".join(NUMBER_UNITS)),
                               _where(source, numbers_raw, key))
        numbers[key] = _parse_number(key, value, NUMBER_UNITS[key][0], source, origin)
    missing = [k for k in REQUIRED_NUMBERS if k not in numbers]
    if missing:
        raise ProfileError(_("the design lacks {keys}").format(keys=", ".join(missing)),
                           _("Add each with value, unit and source"), _where(source, numbers_raw))
    shape_raw = raw.get("footprint_shape")
    if not isinstance(shape_raw, LineDict) or str(shape_raw.get("value")) not in FOOTPRINT_SHAPES \
            or not str(shape_raw.get("source") or "").strip():
        raise ProfileError(_("'footprint_shape' must be {{value: square|circle|rectangle, source: ...}}"),
                           _("Add e.g. 'footprint_shape: {value: square, source: \"assumption: ...\"}'"),
                           _where(source, raw, "footprint_shape"))
    cooling_raw = raw.get("cooling")
    if not isinstance(cooling_raw, LineDict) or not cooling_raw:
        raise ProfileError(_("the design has no 'cooling' modes"),
                           _("Add 'cooling:' with one or more of {modes}").format(modes=", ".join(COOLING_MODES)),
                           _where(source, raw))
    cooling = []
    for mode, entry in cooling_raw.items():
        if mode not in COOLING_MODES:
            raise ProfileError(_("unknown cooling mode {mode!r}").format(mode=mode),
                               _("Use {modes}").format(modes=", ".join(COOLING_MODES)), _where(source, cooling_raw, mode))
        if not isinstance(entry, LineDict) or set(entry) - {"withdrawal", "consumption", "note"} \
                or not {"withdrawal", "consumption"} <= set(entry):
            raise ProfileError(_("cooling mode {mode!r} needs 'withdrawal' and 'consumption'").format(mode=mode),
                               _("Give both per MWh, each with value, unit (L/MWh) and source"),
                               _where(source, cooling_raw, mode))
        cooling.append(CoolingMode(mode, _parse_number(f"{mode}.withdrawal", entry["withdrawal"], WATER_UNITS, source,
                                                       origin),
                                   _parse_number(f"{mode}.consumption", entry["consumption"], WATER_UNITS, source,
                                                 origin)))
    return Design(name=name, title=str(raw.get("title") or name), numbers=numbers, shape=str(shape_raw["value"]),
                  shape_source=str(shape_raw["source"]).strip(), cooling=tuple(cooling), path=source, text=text,
                  title_nl=str(raw.get("title_nl") or ""), description=str(raw.get("description") or "").strip())


def builtin_designs() -> list[str]:
    return sorted(p.stem for p in DESIGN_DIR.glob("*.yaml"))


def load_design(name_or_path: str | Path) -> Design:
    candidate = Path(name_or_path)
    if candidate.suffix.lower() in (".yaml", ".yml"):
        path = candidate
        if not path.is_file():
            raise ProfileError(_("design file {path} does not exist").format(path=path), _("Check the path"))
    else:
        path = DESIGN_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            close = difflib.get_close_matches(str(name_or_path), builtin_designs(), n=1)
            raise ProfileError(_("no built-in design called {name!r}").format(name=str(name_or_path)),
                               (_("Did you mean {name!r}? ").format(name=close[0]) if close else "")
                               + _("Built-in designs: {names}; or give a path to a .yaml file").format(
                                   names=", ".join(builtin_designs())))
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as error:
        raise ProfileError(_("cannot read design {path} ({reason})").format(path=path, reason=error),
                           _("Save it as UTF-8 text")) from None
    return parse_design(text, str(path))


def parse_profile_design(raw: Any, source: str) -> ProfileDesign:
    """A profile's ``design:`` section: ``{default: NAME, override: {number: {value, unit, source}}}``."""
    if isinstance(raw, str):
        return ProfileDesign(default=raw.strip())
    if not isinstance(raw, LineDict) or set(raw) - {"default", "override", "basis"}:
        raise ProfileError(_("'design' must be a design name or {default: NAME, override: {...}}"),
                           _("Write e.g. 'design: {default: bwrx-300}'"), _where(source, raw))
    overrides: dict[str, Number] = {}
    override_raw = raw.get("override") or {}
    if not isinstance(override_raw, dict):
        raise ProfileError(_("'design.override' must be a mapping of design numbers"),
                           _("Write e.g. 'override: {evacuation_zone: {value: 5, unit: km, source: ...}}'"),
                           _where(source, raw, "override"))
    name = f"profile {Path(source).stem}"
    for key, value in override_raw.items():
        if key not in NUMBER_UNITS:
            raise ProfileError(_("unknown design number {key!r}").format(key=key),
                               _("Known numbers: {keys}").format(keys=", ".join(NUMBER_UNITS)),
                               _where(source, override_raw, key))
        overrides[key] = _parse_number(key, value, NUMBER_UNITS[key][0], source, name)
    default = raw.get("default")
    return ProfileDesign(default=str(default).strip() if default else None, overrides=overrides)


def parse_design_ref(value: Any) -> DesignRef | None:
    """``design.NAME`` in a rule option, or None if the value is not a design reference."""
    if isinstance(value, str) and value.strip().startswith("design."):
        key = value.strip()[len("design."):]
        if key != "cooling" and key not in NUMBER_UNITS:
            known = ", ".join(str(DesignRef(k)) for k in NUMBER_UNITS)
            raise ProfileError(_("{value!r} names no design number").format(value=value),
                               _("Use one of: {keys}").format(keys=known))
        return DesignRef(key)
    return None


# --------------------------------------------------------------------------- applying


def _refs(options: Mapping[str, Any]) -> list[tuple[str, DesignRef]]:
    return [(k, v) for k, v in options.items() if isinstance(v, DesignRef)]


def apply_design(profile: Any, name: str | None) -> Any:
    """The profile with the design's footprint and every ``design.NAME`` in its rules filled in.

    ``name``: the design asked for (``--design``), else the profile's default; None and no default:
    the profile unchanged (refused if a rule needs a design number)."""
    section = profile.design if isinstance(profile.design, ProfileDesign) else ProfileDesign()
    if section.resolved is not None and (name is None or name == section.resolved.name):
        return profile
    chosen = name or section.default
    if chosen is None:
        for criterion in profile.criteria:
            refs = _refs(criterion.options)
            if refs:
                raise ProfileError(_("rule {rule!r} takes {value} from the reactor design, but no design is "
                                     "chosen").format(rule=criterion.id, value=refs[0][1]),
                                   _("Give --design NAME (smr-siting designs lists them) or set 'design: "
                                     "{default: NAME}' in the profile"), profile.path)
        return profile
    design = load_design(chosen)
    if section.overrides:
        numbers = dict(design.numbers)
        numbers.update(section.overrides)
        design = dataclasses.replace(design, numbers=numbers, overrides=tuple(
            f"{k}: {n.describe()} ({n.origin}; {n.source})" for k, n in section.overrides.items()))
    criteria = []
    for criterion in profile.criteria:
        refs = _refs(criterion.options)
        if refs:
            options = dict(criterion.options)
            for key, ref in refs:
                options[key] = design.resolve(ref)
            options["design"] = design.name
            criterion = dataclasses.replace(criterion, options=options)
        criteria.append(criterion)
    scoring = profile.scoring
    if scoring is not None and any(isinstance(getattr(c, "radius", None), DesignRef) for c in scoring.criteria):
        scoring = dataclasses.replace(scoring, criteria=tuple(
            dataclasses.replace(c, radius=design.resolve(c.radius)) if isinstance(c.radius, DesignRef) else c
            for c in scoring.criteria))
    area = design.numbers["footprint_area"]
    footprint = Footprint(area.value, design.shape, profile.footprint.aspect if design.shape == "rectangle" else 1.0,
                          _("design {design}: {source}").format(design=design.name, source=area.source))
    return dataclasses.replace(profile, criteria=tuple(criteria), footprint=footprint, scoring=scoring,
                               design=dataclasses.replace(section, resolved=design))


def resolved_design(profile: Any) -> Design | None:
    section = getattr(profile, "design", None)
    return section.resolved if isinstance(section, ProfileDesign) else None


def manifest_entry(profile: Any, footprint_ha_override: float | None = None) -> dict[str, Any] | None:
    """The design as the manifest records it: the report, the file's path and its text."""
    design = resolved_design(profile)
    if design is None:
        return None
    return {**design.report(footprint_ha_override), "path": design.path, "text": design.text}
