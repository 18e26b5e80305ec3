"""``smr-siting verify``: do a screening folder's results still hold?"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ..core.model.i18n import _
from ..core.model.progress import RunContext
from .args import TerminalProgress
from .signals import cancel_requested


def add_parser(sub: Any) -> None:
    verify = sub.add_parser("verify", help=_("check that a screening folder's results still hold"),
                            description=_("Re-hashes the inputs, checks the outputs against the manifest and reruns the "
                                          "screening; exit 0 if the results still hold, 3 if not."))
    verify.add_argument("run", type=Path, help=_("a 'smr-siting screen' output folder"))
    verify.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.pipeline.verify import verify_run

    bar = TerminalProgress(err, args.quiet)
    try:
        report = verify_run(args.run, RunContext(progress=bar.progress, is_cancelled=cancel_requested))
    finally:
        bar.clear()
    for line in report.lines():
        out.write(f"- {line}\n")
    if report.holds:
        out.write(_("{folder}: the results still hold (inputs unchanged, outputs untouched, a rerun gives identical "
                    "files).").format(folder=args.run) + "\n")
        return 0
    out.write(_("{folder}: the results no longer hold.").format(folder=args.run) + "\n")
    return 3
