"""How the interface names its inputs, for the messages that tell the user what to change.

The engine's messages say *what to change* ("set the data folder", "allow replacing the outputs").
The command line calls those inputs ``--data`` and ``--overwrite``; the QGIS dialog calls them
"Data folder" and "Replace output files that already exist".  A message therefore takes the
interface's words as a parameter::

    _("Point {data} at the folder that holds the layers").format(data=term(DATA))

``term(key)`` gives the current interface's phrase (already in the user's language: each interface
translates its own words); the command line's are the defaults.  The QGIS plugin installs its own
with ``speaking(vocabulary)`` around a run.  ``speak(text)`` rewrites what is left of command-line
wording in a message (e.g. from a module that still names ``--offline``) into the interface's
words; it changes nothing for the command line.
"""

from __future__ import annotations

import contextlib
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping

from .i18n import _

#: the inputs a message may name (keys of a vocabulary's terms)
DATA = "data"
LAYER = "layer"
OVERWRITE = "overwrite"
RESOLUTION = "resolution"


def _cli_terms() -> dict[str, Callable[..., str]]:
    return {
        "data": lambda: "--data",
        "layer": lambda slot="ID": f"--layer {slot}=FILE",
        "overwrite": lambda: _("pass --overwrite"),
        "resolution": lambda value=50: f"--resolution {value:g}",
    }


@dataclass(frozen=True)
class Vocabulary:
    """An interface's words: ``terms`` key → function giving the phrase; ``flags``: what ``speak`` rewrites
    (a regular expression of command-line wording → its replacement)."""

    name: str
    terms: Mapping[str, Callable[..., str]] = field(default_factory=dict)
    flags: tuple[tuple[str, str], ...] = ()  # '{option}' in a replacement: the pattern's first group

    def term(self, key: str, *args: object) -> str:
        fn = self.terms.get(key) or _cli_terms()[key]
        return fn(*args)

    def speak(self, text: str) -> str:
        def replace(match: re.Match, replacement: str) -> str:
            return replacement.replace("{option}", match.group(1) if match.groups() and match.group(1) else "")

        for pattern, replacement in self.flags:
            text = re.sub(pattern, lambda m, r=replacement: replace(m, r), text)
        return text


CLI = Vocabulary("cli")
_current: ContextVar[Vocabulary] = ContextVar("smr_siting_vocabulary", default=CLI)


def current() -> Vocabulary:
    return _current.get()


def term(key: str, *args: object) -> str:
    """The current interface's phrase for an input ('data', 'layer' SLOT, 'overwrite', 'resolution' VALUE)."""
    return current().term(key, *args)


def speak(text: str) -> str:
    """``text`` with any command-line wording in the current interface's words."""
    return current().speak(text)


@contextlib.contextmanager
def speaking(vocabulary: Vocabulary) -> Iterator[None]:
    """Messages made inside this block use ``vocabulary``'s words (this thread / context only)."""
    token = _current.set(vocabulary)
    try:
        yield
    finally:
        _current.reset(token)
