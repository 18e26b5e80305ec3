"""YAML that remembers where each key was written, for error messages with line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ProfileError
from .i18n import _


class LineDict(dict):
    """A mapping that knows the 1-based line of each of its keys and of itself."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
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


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML text; syntax errors become a :class:`ProfileError` naming file and line."""
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


def load_yaml_file(path: Path) -> tuple[Any, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(_("file {path} does not exist").format(path=path),
                           _("Check the path, or name a built-in profile")) from None
    except UnicodeDecodeError:
        raise ProfileError(_("file {path} is not UTF-8 text").format(path=path), _("Save it as UTF-8")) from None
    return load_yaml(text, str(path)), text
