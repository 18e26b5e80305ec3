"""Quantities with units, as people write them in a profile: ``3 km``, ``250 m``, ``10 ha``."""

from __future__ import annotations

import math
import re

from .errors import ProfileError
from .i18n import _

LENGTH_UNITS = {"m": 1.0, "km": 1000.0}
AREA_UNITS = {"m2": 1.0, "m²": 1.0, "ha": 10_000.0, "km2": 1_000_000.0, "km²": 1_000_000.0}
_NUMBER_UNIT = re.compile(r"^\s*(-?[0-9][0-9_,.]*)\s*([A-Za-z²0-9/]*)\s*$")


def _split(value: object, what: str, example: str, where: str) -> tuple[float, str]:
    write_like = _("Write it like '{example}'").format(example=example)
    if isinstance(value, bool):
        raise ProfileError(_("{what} must be a number with a unit, not {value!r}").format(what=what, value=value),
                           write_like, where)
    if isinstance(value, (int, float)):
        raise ProfileError(_("{what} {value!r} has no unit").format(what=what, value=value),
                           _("Write it with a unit, like '{example}'").format(example=example), where)
    if isinstance(value, dict):
        if set(value) != {"value", "unit"}:
            raise ProfileError(_("{what} must have the keys 'value' and 'unit'").format(what=what), write_like, where)
        number, unit = value["value"], value["unit"]
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise ProfileError(_("{what} value {number!r} is not a number").format(what=what, number=number),
                               write_like, where)
        _check_finite(float(number), what, value, example, where)
        return float(number), str(unit).strip()
    match = _NUMBER_UNIT.match(str(value))
    if not match:
        raise ProfileError(_("cannot read {what} {value!r}").format(what=what, value=value), write_like, where)
    text, unit = match.groups()
    _check_separators(text, unit, what, value, example, where)
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        raise ProfileError(_("cannot read the number in {what} {value!r}").format(what=what, value=value),
                           write_like, where) from None
    if not unit:
        raise ProfileError(_("{what} {value!r} has no unit").format(what=what, value=value),
                           _("Write it with a unit, like '{example}'").format(example=example), where)
    return number, unit


#: one point followed by groups of three digits: '1.500' is 1.5 in English and 1500 in Dutch
_DOTTED_THOUSANDS = re.compile(r"^-?[1-9][0-9]{0,2}(\.[0-9]{3})+$")


def _check_separators(text: str, unit: str, what: str, value: object, example: str, where: str) -> None:
    """Refuse a number whose separators read differently in Dutch and English ('1,5', '1.500 m', '1,500').
    '1.500 km' is read as 1.5 km: as 1500 km (Dutch) it would be beyond any distance a profile may use."""
    dotted = bool(_DOTTED_THOUSANDS.match(text)) and unit != "km"
    if "," in text or dotted or text.count(".") > 1:
        raise ProfileError(
            _("{what} {value!r}: the separators in {number!r} are ambiguous (a Dutch decimal comma or a thousands "
              "separator?)").format(what=what, value=value, number=text),
            _("Write the decimal separator as a point and no thousands separators, like '{example}', '1.5 km' or "
              "'1500 m'").format(example=example), where)


def _check_finite(number: float, what: str, value: object, example: str, where: str) -> None:
    if not math.isfinite(number):
        raise ProfileError(_("{what} {value!r} is not a finite number").format(what=what, value=value),
                           _("Write it like '{example}'").format(example=example), where)


def parse_length(value: object, what: str = "distance", where: str = "", allow_zero: bool = True) -> float:
    """Metres from '3 km', '250 m' or {value: 3, unit: km}."""
    number, unit = _split(value, what, "3 km", where)
    if unit not in LENGTH_UNITS:
        raise ProfileError(_("{what} unit {unit!r} is not a length unit").format(what=what, unit=unit),
                           _("Use 'm' or 'km'"), where)
    metres = number * LENGTH_UNITS[unit]
    if metres < 0 or (metres == 0 and not allow_zero):
        if allow_zero:
            raise ProfileError(_("{what} {value!r} must be zero or positive").format(what=what, value=value),
                               _("Use a distance like '500 m' (0 m means no buffer)"), where)
        raise ProfileError(_("{what} {value!r} must be positive").format(what=what, value=value),
                           _("Use a distance like '3 km'"), where)
    return metres


def parse_area(value: object, what: str = "area", where: str = "") -> float:
    """Square metres from '10 ha', '0.1 km2' or {value: 10, unit: ha}."""
    number, unit = _split(value, what, "10 ha", where)
    if unit not in AREA_UNITS:
        raise ProfileError(_("{what} unit {unit!r} is not an area unit").format(what=what, unit=unit),
                           _("Use 'm2', 'ha' or 'km2'"), where)
    if number <= 0:
        raise ProfileError(_("{what} {value!r} must be positive").format(what=what, value=value),
                           _("Use an area like '10 ha'"), where)
    return number * AREA_UNITS[unit]


def format_length(metres: float) -> str:
    if metres >= 1000 and metres % 100 == 0:
        return f"{metres / 1000:g} km"
    return f"{metres:g} m"
