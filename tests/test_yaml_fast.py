"""YAML through libyaml (the fast path of ``load_yaml``) gives what the checking loader gives — the same values,
types and line numbers — and hands every document it cannot vouch for to the checking loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from smr_siting.core.config import yamlpos

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted([*ROOT.glob("smr_siting/**/*.yaml"), *ROOT.glob("layers/**/*.yaml")])

pytestmark = pytest.mark.skipif(yamlpos._FastLoader is None, reason="PyYAML without libyaml: one loader only")


def _shape(value: Any) -> Any:
    """A document with its types and every recorded line, for comparing two loads."""
    if isinstance(value, yamlpos.LineDict):
        return ("map", value.line, dict(value.key_lines), {k: _shape(v) for k, v in value.items()})
    if isinstance(value, yamlpos.LineList):
        return ("list", value.line, list(value.item_lines), [_shape(v) for v in value])
    assert not isinstance(value, (dict, list)), type(value)
    return (type(value).__name__, value)


def _checked(text: str) -> Any:
    return yaml.load(text, Loader=yamlpos._Loader)  # noqa: S506 - SafeLoader subclass


TRICKY = [
    "a: 1\nb: [1, 2.5, {c: d}]\n",
    "# comment\n\nlist:\n  - x\n  -\n    y: 'quoted: #'\n  - >-\n    folded\n    text\n\nn: ~\nt: yes\n",
    "multi: |\n  line one\n  line two\nafter: 3\n",
    "\ufeffkey: value with BOM\n",
    "flow: {a: [1, 2], b: {c: [x, y]}}\nempty: []\nnone: {}\n",
    "",
    "just a scalar\n",
    "date: 2024-01-01\nfloat: 1e3\nneg: -0.5\nstr: '0500'\n",
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_reads_the_same_through_libyaml(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, document = yamlpos._fast_load(text)
    assert fast
    assert _shape(document) == _shape(_checked(text))


@pytest.mark.parametrize("text", TRICKY)
def test_odd_but_valid_documents_read_the_same_through_libyaml(text: str) -> None:
    fast, document = yamlpos._fast_load(text)
    assert fast
    assert _shape(document) == _shape(_checked(text))


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",                           # an alias: counted by the checking loader
    "a: &x [1]\n",                                 # an anchor alone
    "a: " + "[" * 70 + "]" * 70 + "\n",           # nested deeper than MAX_DEPTH
    "a: [" + ", ".join(["1"] * 60_000) + "]\n",   # more values than the fast path vouches for
    "a: 1\na: 2\n",                                # a key twice
    "a: 0500\n",                                   # an octal-looking number
    "a: .nan\n",                                   # not finite
    "a: [1, 2\n",                                  # not YAML
    "a: 1\n---\nb: 2\n",                           # two documents
    "a: !!python/object:os.system x\n",            # a tag the safe loaders refuse
    "[1, 2]: x\n",                                 # a list as a key
])
def test_what_the_fast_path_cannot_vouch_for_goes_to_the_checking_loader(text: str) -> None:
    assert yamlpos._fast_load(text) == (False, None)


def test_load_yaml_reports_the_checking_loaders_error_with_its_line() -> None:
    with pytest.raises(yamlpos.ProfileError) as raised:
        yamlpos.load_yaml("a: 1\nb:\n  c: 2\n  c: 3\n", "mine.yaml")
    assert "key 'c' appears twice" in str(raised.value) and raised.value.where == "mine.yaml:4"
