"""Translation of the engine's and the command line's messages (no Qt, no gettext binaries).

``_("text {name}")`` returns the text in the current language; the English text is the message id
and the fallback.  The Dutch catalogue is the gettext file ``locale/nl.po`` beside this module,
parsed here (no ``msgfmt`` needed).  Placeholders are named and filled *after* translation::

    raise DataError(_("{label} is empty (no features)").format(label=label), ...)

The language is ``set_language()``'s (the QGIS plugin sets the user's QGIS locale), else the first
non-empty one of ``SMR_SITING_LANG``, ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``:
Dutch when it starts with ``nl``, English otherwise.  ``scripts/update_engine_translations.py``
collects the message ids into ``nl.po``.

Every ``_()`` returns a :class:`Message`: a ``str`` in the current language that also remembers its message id
and (after ``.format``) its named arguments, so that a notice can be written to a data file without the run's
language — as ``{"code": msgid, "args": {...}, "text": English}`` (:func:`coded`) — and shown again in any
language (:func:`render_coded`).  An argument that is itself a ``Message``, a :func:`localised` name or a
:func:`joined` list keeps its own code, so ``kind_label()`` or a rule's Dutch title follow the reader's language.
"""

from __future__ import annotations

import ast
import numbers
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
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


class Message(str):
    """A translated message: the text in the language current when it was made, plus what it was made of (its
    English message id and, once ``.format`` filled them, its named arguments), so it can be rendered again in
    another language (:meth:`render`) or written without a language (:func:`coded`)."""

    msgid: str
    args: dict[str, Any] | None

    def __new__(cls, msgid: str, args: Mapping[str, Any] | None = None, text: str | None = None) -> Message:
        args = None if args is None else dict(args)
        self = super().__new__(cls, _render_message(msgid, args, language()) if text is None else text)
        self.msgid, self.args = msgid, args
        return self

    def format(self, *positional: Any, **named: Any) -> str:  # type: ignore[override]
        if positional:  # not a gettext-style message: no code to keep
            return str.format(str(self), *positional, **named)
        return Message(self.msgid, named)

    def render(self, lang: str) -> str:
        """The message in ``lang`` ('en' or 'nl')."""
        return _render_message(self.msgid, self.args, lang)

    def __reduce__(self) -> tuple:
        return (Message, (self.msgid, self.args, str(self)))


class Localised(str):
    """A name given in both languages (a profile's ``title`` / ``title_nl``), in the current language."""

    en: str
    nl: str

    def __new__(cls, en: str, nl: str = "") -> Localised:
        self = super().__new__(cls, nl if nl and language() == "nl" else en)
        self.en, self.nl = str(en), str(nl or "")
        return self

    def render(self, lang: str) -> str:
        return self.nl if lang == "nl" and self.nl else self.en

    def __reduce__(self) -> tuple:
        return (Localised, (self.en, self.nl))


class Joined(str):
    """Parts joined by a separator (``", "``, or a translated ``" and "``), each part in the reader's language."""

    sep: Any
    parts: list[Any]

    def __new__(cls, sep: Any, parts: Iterable[Any]) -> Joined:
        parts = list(parts)
        self = super().__new__(cls, str(sep).join(str(p) for p in parts))
        self.sep, self.parts = sep, parts
        return self

    def render(self, lang: str) -> str:
        return render(self.sep, lang).join(str(render(p, lang)) for p in self.parts)

    def __reduce__(self) -> tuple:
        return (Joined, (self.sep, self.parts))


def render(value: Any, lang: str) -> Any:
    """``value`` in ``lang`` if it is a message, a bilingual name or a joined list; else as it is."""
    return value.render(lang) if isinstance(value, (Message, Localised, Joined)) else value


def _render_message(msgid: str, args: Mapping[str, Any] | None, lang: str) -> str:
    text = translate(msgid, lang)
    if args is None:
        return text
    return text.format(**{key: render(value, lang) for key, value in args.items()})


def english(value: Any) -> Any:
    """A message (or name) in English, as data files hold it; anything else as it is."""
    return render(value, "en")


def _(msgid: str) -> str:
    """The message in the current language (named placeholders are filled afterwards with ``.format``)."""
    return Message(msgid)


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for translation without translating it now (translated where it is shown)."""
    return msgid


def localised(text: str, text_nl: str = "") -> str:
    """A name that a profile or the catalogue gives in both languages (``title`` / ``title_nl``)."""
    if not isinstance(text, str):
        return text
    return Localised(text, text_nl or "")


def joined(sep: str, parts: Iterable[Any]) -> str:
    """``sep.join(parts)`` that keeps each part's language-free form (see :class:`Joined`)."""
    return Joined(sep, parts)


# ------------------------------------------------------------------ messages in data files, without a language
def _coded_value(value: Any) -> Any:
    if isinstance(value, Message):
        return {"code": value.msgid, "args": _coded_args(value.args)}
    if isinstance(value, Localised):
        return {"en": value.en, "nl": value.nl} if value.nl else value.en
    if isinstance(value, Joined):
        return {"join": _coded_value(value.sep), "parts": [_coded_value(p) for p in value.parts]}
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_coded_value(v) for v in value]
    return str(value)


def _coded_args(args: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if args is None else {key: _coded_value(value) for key, value in sorted(args.items())}


def coded(message: Any) -> dict[str, Any]:
    """A notice as a data file keeps it: ``{"code": msgid, "args": {...}, "text": English}`` (the same in every
    language).  A plain string (a message that is no :class:`Message`) has ``"code": null`` and its own text."""
    if isinstance(message, Message):
        return {"code": message.msgid, "args": _coded_args(message.args), "text": message.render("en")}
    if isinstance(message, Joined):  # messages one after the other: each part coded
        return {"code": None, "args": None, "join": _coded_value(message.sep),
                "parts": [_coded_value(p) for p in message.parts], "text": message.render("en")}
    if isinstance(message, Localised):
        return {"code": None, "args": None, "text": message.render("en"), "nl": message.nl}
    return {"code": None, "args": None, "text": str(message)}


def _decoded(value: Any) -> Any:
    if isinstance(value, dict):
        if "code" in value and isinstance(value.get("code"), str):
            args = value.get("args")
            return Message(value["code"], {k: _decoded(v) for k, v in args.items()} if isinstance(args, dict)
                           else None, text="")
        if "en" in value:
            return Localised(str(value.get("en", "")), str(value.get("nl", "") or ""))
        if "join" in value and isinstance(value.get("parts"), list):
            return Joined(_decoded(value["join"]), [_decoded(p) for p in value["parts"]])
        return str(value)
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def render_coded(item: Any, lang: str) -> str:
    """A notice that :func:`coded` wrote (or an older plain-text one), in ``lang``; its English text if it cannot
    be rendered (a message this version does not know, arguments that do not fit)."""
    if not isinstance(item, dict):
        return str(item)
    text = str(item.get("text", ""))
    if isinstance(item.get("code"), str):
        try:
            return str(render(_decoded({"code": item["code"], "args": item.get("args")}), lang))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            return text
    if isinstance(item.get("parts"), list):
        try:
            return str(render(_decoded({"join": item.get("join", ""), "parts": item["parts"]}), lang))
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            return text
    if lang == "nl" and item.get("nl"):
        return str(item["nl"])
    return text


def coded_list(messages: Iterable[Any]) -> list[dict[str, Any]]:
    """:func:`coded` of each message."""
    return [coded(m) for m in messages]


def english_data(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings, numbers) with every message or bilingual name in English: what a
    data file holds, whatever the run's language."""
    if isinstance(value, (Message, Localised, Joined)):
        return value.render("en")
    if isinstance(value, dict):
        return {english_data(k): english_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [english_data(v) for v in value]
    return value


def english_list(messages: Iterable[Any]) -> list[str]:
    """Each message's English text (what the older ``notices`` lists of the data files hold)."""
    return [coded(m)["text"] for m in messages]


_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_]\w*|\d*)(![rsa])?(:[^{}\s]*)?\}")


def placeholders(text: str) -> set[str]:
    """The ``{name!conversion:spec}`` fields of a message (``{{`` and ``}}`` are literal braces; a YAML example
    such as ``{field: NAME}`` is not a field)."""
    return {match.group(0) for match in _PLACEHOLDER.finditer(text)}
