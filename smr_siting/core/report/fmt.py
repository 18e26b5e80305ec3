"""Numbers in the report's language: ``1.234,5 km²`` in Dutch, ``1,234.5 km²`` in English."""

from __future__ import annotations

import math


def number(value: float | int | None, digits: int = 1, lang: str = "nl") -> str:
    """``value`` with thousands separators and ``digits`` decimals; an en dash for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{float(value):,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0,0"
    if lang == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def area_km2(value: float | None, lang: str, digits: int = 1) -> str:
    return f"{number(value, digits, lang)} km²"


def area_ha(value: float | None, lang: str, digits: int = 1) -> str:
    return f"{number(value, digits, lang)} ha"


def share(value: float | None, lang: str, digits: int = 1) -> str:
    """A fraction as a percentage (``0.218`` → ``21,8 %``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{number(100.0 * value, digits, lang)} %"


def integer(value: float | int | None, lang: str) -> str:
    return number(value, 0, lang)
