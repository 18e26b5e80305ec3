"""``smr-siting designs``: the reactor designs."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..core.model.i18n import _


def add_parser(sub: Any) -> None:
    designs = sub.add_parser("designs", help=_("list the reactor designs (--design NAME)"))
    designs.add_argument("--show", metavar="NAME", help=_("print the design's file (to copy and edit)"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.config.designs import DESIGN_DIR, builtin_designs, load_design

    if args.show:
        design = load_design(args.show)
        out.write(DESIGN_DIR.joinpath(f"{design.name}.yaml").read_text(encoding="utf-8")
                  if not str(args.show).endswith((".yaml", ".yml")) else design.text)
        return 0
    for name in builtin_designs():
        out.write(f"{name:18} {load_design(name).summary_line()}\n")
    return 0
