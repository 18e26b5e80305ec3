"""``smr-siting kinds``: the criterion kinds a profile can use."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..core.model.i18n import _


def add_parser(sub: Any) -> None:
    sub.add_parser("kinds", help=_("list the criterion kinds a profile can use"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.rules import get_kind, kind_names

    for name in kind_names():
        kind = get_kind(name)
        assert kind is not None
        out.write(f"{name:18} {_(kind.summary)}\n")
    return 0
