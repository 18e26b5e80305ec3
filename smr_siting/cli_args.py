"""Number options of the command line: one clear message for a wrong value."""

from __future__ import annotations

import argparse

from .core.i18n import _


def _number(text: str, cast: type, whole: bool) -> float:
    try:
        return cast(text)
    except ValueError:
        message = _("{text!r} is not a whole number") if whole else _("{text!r} is not a number")
        raise argparse.ArgumentTypeError(message.format(text=text)) from None


def positive_float(text: str) -> float:
    value = _number(text, float, False)
    if value <= 0:
        raise argparse.ArgumentTypeError(_("{text!r} must be positive").format(text=text))
    return value


def non_negative_float(text: str) -> float:
    value = _number(text, float, False)
    if value < 0:
        raise argparse.ArgumentTypeError(_("{text!r} must not be negative").format(text=text))
    return value


def positive_int(text: str) -> int:
    value = int(_number(text, int, True))
    if value <= 0:
        raise argparse.ArgumentTypeError(_("{text!r} must be positive").format(text=text))
    return value
