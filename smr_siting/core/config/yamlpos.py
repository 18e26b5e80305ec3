"""YAML that remembers where each key was written, for error messages with line numbers."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..model.errors import ProfileError
from ..model.i18n import _
from ..model.progress import check_stop


class LineDict(dict):
    """A mapping that knows the 1-based line of each of its keys and of itself."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0
    item_lines: list[int]


#: bounds on a profile document: its size, its aliases (YAML "billion laughs") and its nesting depth
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_ALIASES = 1000
#: values a document may hold once its aliases are expanded
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0
        self.sizes: dict[int, int] = {}
        self.keep: list[Any] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        if len(self.keep) % 256 == 0:
            check_stop()  # a long document stops promptly on Ctrl-C / SIGTERM
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise ProfileError(_("the document uses more than {count} YAML aliases (*name)").format(
                    count=MAX_ALIASES), _("Write the values out; a profile needs no aliases"),
                    f"line {mark.line + 1}")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ProfileError(_("the document is nested more than {depth} levels deep").format(depth=MAX_DEPTH),
                                   _("Check the indentation and brackets"), f"line {mark.line + 1}")
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if id(node) not in self.sizes:  # an alias returns its anchor's node, already counted
            if isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self.sizes.get(id(child), 1) for child in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(self.sizes.get(id(k), 1) + self.sizes.get(id(v), 1) for k, v in node.value)
            else:
                size = 1
            self.sizes[id(node)] = size
            self.keep.append(node)  # ids stay unique while the document is composed
            if size > MAX_EXPANDED_NODES:
                raise ProfileError(_("the document expands to more than {count:,} values (YAML aliases that "
                                     "repeat aliases)").format(count=MAX_EXPANDED_NODES),
                                   _("Write the values out; a profile needs no nested aliases"),
                                   f"line {node.start_mark.line + 1}")
        return node


#: YAML 1.1 reads '0500' as octal (320), '0x1F' as hex and '1:30' as base 60 (90): refused, not misread
_SURPRISING_NUMBER = re.compile(r"^[-+]?(0[0-9_]+|0[xob].*|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)$")


def _refuse_surprising(node: yaml.ScalarNode) -> None:
    if _SURPRISING_NUMBER.match(node.value):
        raise ProfileError(_("{value!r} is read by YAML as an octal, hexadecimal or base-60 number").format(
            value=node.value), _("Write it without a leading zero or colon, like 500"),
            f"line {node.start_mark.line + 1}")


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    _refuse_surprising(node)
    return loader.construct_yaml_int(node)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    import math

    _refuse_surprising(node)
    value = loader.construct_yaml_float(node)
    if not math.isfinite(value):
        raise ProfileError(_("{value!r} is not a finite number").format(value=node.value),
                           _("Write a number like 500 (not .nan or .inf)"), f"line {node.start_mark.line + 1}")
    return value


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise ProfileError(_("a key must be a name, not a list or mapping"), _("Write 'name: value'"),
                               f"line {key_node.start_mark.line + 1}")
        if key in result:
            raise ProfileError(
                _("key {key!r} appears twice").format(key=key),
                _("Keep one of them"),
                f"line {key_node.start_mark.line + 1}",
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_CONSTRUCTORS = ((yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping),
                 (yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence),
                 ("tag:yaml.org,2002:float", _construct_float), ("tag:yaml.org,2002:int", _construct_int))
for _tag, _constructor in _CONSTRUCTORS:
    _Loader.add_constructor(_tag, _constructor)

#: libyaml's parser and composer (C) with the same constructors, for documents that need none of _Loader's
#: checks while composing (see :func:`_fast_load`); None where PyYAML was built without libyaml
_FastLoader: Any = None
if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        pass

    for _tag, _constructor in _CONSTRUCTORS:
        _FastLoader.add_constructor(_tag, _constructor)

_OPENS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSES = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _fast_load(text: str) -> tuple[bool, Any]:
    """``(True, document)`` as :class:`_Loader` reads it (the same values, the same lines), through libyaml: for a
    document without anchors or aliases, nested well within :data:`MAX_DEPTH` and well below
    :data:`MAX_EXPANDED_NODES` values; ``(False, None)`` for any other document and for any error, which
    :class:`_Loader` then reads and reports as before (about ten times faster for the shipped profiles)."""
    if _FastLoader is None:
        return False, None
    try:
        depth = nodes = 0
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):  # events one by one: no recursion, no nodes
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                return False, None
            if isinstance(event, _OPENS):
                depth += 1
                if depth >= MAX_DEPTH - 1:
                    return False, None
            elif isinstance(event, _CLOSES):
                depth -= 1
            if isinstance(event, (*_OPENS, yaml.ScalarEvent)):
                nodes += 1
                if nodes > MAX_EXPANDED_NODES // 2:
                    return False, None
        return True, yaml.load(text, Loader=_FastLoader)  # noqa: S506 - CSafeLoader subclass
    except Exception:  # noqa: BLE001 - a syntax or profile error: _Loader reads it again and words it
        return False, None


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML text; syntax errors become a :class:`ProfileError` naming file and line.  The document is
    bounded (size, aliases, depth) and every number in it must be finite."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        raise ProfileError(_("the document is larger than {size} KB").format(size=MAX_DOCUMENT_BYTES // 1024),
                           _("A profile is a few KB of text; check that this is the right file"), source)
    check_stop()
    fast, document = _fast_load(text)
    if fast:
        return document
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except ProfileError as error:
        raise ProfileError(error.problem, error.fix, f"{source}:{error.where.removeprefix('line ')}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        if "flow" in (error.context or "") and error.context_mark is not None:  # an unclosed [ or {: where it opened
            line = error.context_mark.line + 1
        raise ProfileError(
            _("this is not valid YAML ({problem})").format(problem=error.problem or error.context),
            _("Check indentation and colons; a value with ':' or '#' in it needs quotes"),
            f"{source}:{line}",
        ) from None


def read_text_bounded(path: Path) -> str:
    """A YAML document's text: a regular file of at most MAX_DOCUMENT_BYTES (a device, a pipe or a huge file is
    refused, not read to the end).  UnicodeDecodeError and OSError pass through to the caller."""
    import stat

    with open(path, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ProfileError(_("{path} is not a regular file").format(path=path), _("Name a .yaml file"))
        raw = handle.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise ProfileError(_("the document is larger than {size} KB").format(size=MAX_DOCUMENT_BYTES // 1024),
                           _("A profile is a few KB of text; check that this is the right file"), str(path))
    return raw.decode("utf-8")


def load_yaml_file(path: Path) -> tuple[Any, str]:
    try:
        text = read_text_bounded(path)
    except FileNotFoundError:
        raise ProfileError(_("file {path} does not exist").format(path=path),
                           _("Check the path, or name a built-in profile")) from None
    except UnicodeDecodeError:
        raise ProfileError(_("file {path} is not UTF-8 text").format(path=path), _("Save it as UTF-8")) from None
    return load_yaml(text, str(path)), text
