"""Where a value sits in a profile's YAML, for messages with file:line, and the small parsers every
section shares (filters, key checks, suggestions)."""

from __future__ import annotations

import difflib
from typing import Any

from ..model.errors import ProfileError
from ..model.i18n import _
from ..model.profile import OPS, Condition
from .yamlpos import LineDict, LineList

CONDITION_KEYS = frozenset({"field", "op", "value", "keep_missing"})



def suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return _("did you mean {name!r}?").format(name=close[0]) if close else ""


class ParseContext:
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
                hint = suggest(key, allowed)
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


def parse_condition(raw: Any, ctx: ParseContext, parent: Any, label: str) -> Condition:
    if not isinstance(raw, LineDict):
        raise ProfileError(_("each 'where' condition must be a mapping like {field: typ, op: '==', value: substation}"),
                           _("Write conditions as '- {field: NAME, op: OP, value: VALUE}'"),
                           ctx.at(parent, "where", label))
    ctx.check_keys(raw, CONDITION_KEYS, label + ".where")
    name = ctx.need_text(raw, "field", label + ".where")
    op = ctx.need_text(raw, "op", label + ".where")
    if op not in OPS:
        hint = suggest(op, OPS)
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
