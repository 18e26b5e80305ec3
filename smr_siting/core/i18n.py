"""Translation of the engine's and the command line's messages (no Qt, no gettext binaries).

``_("text {name}")`` returns the text in the current language; the English text is the message id
and the fallback.  The Dutch catalogue is the gettext file ``locale/nl.po`` beside this module,
parsed here (no ``msgfmt`` needed).  Placeholders are named and filled *after* translation::

    raise DataError(_("{label} is empty (no features)").format(label=label), ...)

The language is ``set_language()``'s (the QGIS plugin sets the user's QGIS locale), else the first
non-empty one of ``SMR_SITING_LANG``, ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``:
Dutch when it starts with ``nl``, English otherwise.  ``scripts/update_engine_translations.py``
collects the message ids into ``nl.po``.
"""

from __future__ import annotations

import ast
import os
import re
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "nl")
ENV_VARS = ("SMR_SITING_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_language: str | None = None


def _normalise(value: str) -> str:
    return "nl" if value.strip().lower().startswith("nl") else "en"


def set_language(lang: str | None) -> None:
    """Use ``lang`` ('nl', 'nl_NL', 'en', …) from now on; ``None``: follow the environment again."""
    global _language
    _language = _normalise(lang) if lang else None


def language() -> str:
    """'nl' or 'en'."""
    if _language is not None:
        return _language
    for name in ENV_VARS:
        value = os.environ.get(name, "")
        if value:
            return _normalise(value)
    return "en"


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)  # a C-style escaped string reads the same as a Python one here


def parse_po(text: str, source: str = "<po>") -> dict[str, str]:
    """msgid → msgstr of a .po file: skips the header, fuzzy entries, untranslated ones and plurals."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None
    fuzzy = plural = False

    def flush() -> None:
        if msgid is not None and msgstr is not None and not fuzzy and not plural:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value:
                entries[key] = value

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{source}:{number}"
        if not line:
            continue
        if line.startswith("#"):
            if msgstr is not None:  # a comment starts the next entry
                flush()
                msgid = msgstr = current = None
                fuzzy = plural = False
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if line.startswith("msgctxt"):
            continue
        if line.startswith("msgid_plural"):
            plural = True
            current = []
            continue
        if line.startswith("msgid"):
            if msgstr is not None:
                flush()
                fuzzy = plural = False
            msgid, msgstr = [_unquote(line[len("msgid"):], where)], None
            current = msgid
        elif line.startswith("msgstr["):
            plural = True
            msgstr = current = []
        elif line.startswith("msgstr"):
            msgstr = [_unquote(line[len("msgstr"):], where)]
            current = msgstr
        elif line.startswith('"'):
            if current is None:
                raise ValueError(f"{where}: a string continues no msgid or msgstr")
            current.append(_unquote(line, where))
        else:
            raise ValueError(f"{where}: cannot read {line!r}")
    flush()
    return entries


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """The translations into ``lang`` (parsed once; English has none)."""
    path = LOCALE_DIR / f"{lang}.po"
    if lang == "en" or not path.is_file():
        return {}
    return parse_po(path.read_text(encoding="utf-8"), str(path))


def translate(msgid: str, lang: str | None = None) -> str:
    """``msgid`` in ``lang`` (default: the current language); the English text where there is no translation."""
    return catalogue(lang or language()).get(msgid, msgid)


def _(msgid: str) -> str:
    """The message in the current language (named placeholders are filled afterwards with ``.format``)."""
    lang = language()
    if lang == "en":
        return msgid
    return catalogue(lang).get(msgid, msgid)


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for translation without translating it now (translated where it is shown)."""
    return msgid


def localised(text: str, text_nl: str = "") -> str:
    """A name that a profile or the catalogue gives in both languages (``title`` / ``title_nl``)."""
    return text_nl if text_nl and language() == "nl" else text


_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_]\w*|\d*)(![rsa])?(:[^{}\s]*)?\}")


def placeholders(text: str) -> set[str]:
    """The ``{name!conversion:spec}`` fields of a message (``{{`` and ``}}`` are literal braces; a YAML example
    such as ``{field: NAME}`` is not a field)."""
    return {match.group(0) for match in _PLACEHOLDER.finditer(text)}
