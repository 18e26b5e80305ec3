"""A scoring measure's value at one site, with its explanation in words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteValue:
    value: float | str | None
    text: str
    name: str = ""  # distances: the nearest feature's name
