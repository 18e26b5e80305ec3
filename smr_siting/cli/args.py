"""What the command-line modules share: number options with one clear message, and the progress line."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Sequence, TextIO

from ..core.data.layers import LayerInput
from ..core.model.i18n import _


def _number(text: str, cast: type, whole: bool) -> float:
    try:
        value = cast(text)
    except ValueError:
        message = _("{text!r} is not a whole number") if whole else _("{text!r} is not a number")
        raise argparse.ArgumentTypeError(message.format(text=text)) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(_("{text!r} is not a finite number").format(text=text))
    if "," in text:  # Python's float() does not take a comma, but say what to write
        raise argparse.ArgumentTypeError(_("{text!r}: write the decimal separator as a point").format(text=text))
    return value


def positive_float(text: str) -> float:
    value = _number(text, float, False)
    if value <= 0:
        raise argparse.ArgumentTypeError(_("{text!r} must be positive").format(text=text))
    return value


def non_negative_float(text: str) -> float:
    value = _number(text, float, False)
    if value < 0:
        raise argparse.ArgumentTypeError(_("{text!r} must not be negative").format(text=text))
    return value


def positive_int(text: str) -> int:
    value = int(_number(text, int, True))
    if value <= 0:
        raise argparse.ArgumentTypeError(_("{text!r} must be positive").format(text=text))
    return value


def non_negative_int(text: str) -> int:
    value = int(_number(text, int, True))
    if value < 0:
        raise argparse.ArgumentTypeError(_("{text!r} must not be negative").format(text=text))
    return value


#: the longest file or folder name common file systems allow (bytes)
MAX_NAME_BYTES = 255


def path_problem(path: object) -> str | None:
    """Why a path given on the command line cannot work (a control character, an over-long name), or None."""
    text = str(path)
    if any(ord(c) < 32 for c in text):
        return _("the path {path!r} contains a line break or another control character; rename it").format(path=text)
    for part in Path(text).parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
            return _("the path {path!r} has a name of {count} bytes; file systems allow {limit}").format(
                path=text[:80] + "…", count=len(part.encode("utf-8", "surrogateescape")), limit=MAX_NAME_BYTES)
    return None


def paths_in(args: argparse.Namespace) -> list[object]:
    """Every path of parsed options: Path values, LayerInput values and (ID, LayerInput) pairs."""
    found: list[object] = []
    for value in vars(args).values():
        for item in value if isinstance(value, list) else [value]:
            item = item[1] if isinstance(item, tuple) and len(item) == 2 else item
            if isinstance(item, Path):
                found.append(item)
            elif hasattr(item, "path") and isinstance(item.path, Path):
                found.append(item.path)
    return found


class TerminalProgress:
    """A one-line progress bar on a terminal; plain lines (or nothing) otherwise."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = -1.0
        self.width = 0

    def progress(self, fraction: float, message: str) -> None:
        if self.quiet or not self.tty:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and fraction < 1.0:
            return
        self.last = now
        filled = int(fraction * 30)
        line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {message[:60]}"
        self.stream.write(line.ljust(self.width))
        self.width = len(line)
        self.stream.flush()

    def retry(self, message: str) -> None:
        """A retry message shows at once, whatever the throttle."""
        self.last = -1.0
        self.progress(0.0, message)

    def notice(self, message: str) -> None:
        if self.quiet:
            return
        self.clear()
        self.stream.write(_("note: {message}").format(message=message) + "\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    """--no-cache and --cache-size (the rule-mask cache of smr_siting.core.exclusion.rulecache)."""
    parser.add_argument("--no-cache", action="store_true",
                        help=_("compute every rule: neither read nor write the rule-mask cache on disk"))
    parser.add_argument("--cache-size", type=non_negative_float, default=None, metavar="GIB",
                        help=_("size limit of the rule-mask cache on disk in GiB (default 2; 0 writes nothing); "
                               "the folder is $SMR_SITING_CACHE, else ~/.cache/smr-siting/rule-masks"))


def cache_from(args: argparse.Namespace) -> object:
    """The rule cache the options ask for: in memory always (a sweep), on disk unless --no-cache."""
    from ..core.exclusion.rulecache import RuleCache

    limit = None if args.cache_size is None else int(args.cache_size * 1024 ** 3)
    return RuleCache.default(enabled=not args.no_cache, limit_bytes=limit)


def layer_option(text: str) -> tuple[str, LayerInput]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(_("--layer {text!r}: write it as ID=FILE or ID=FILE:LAYER").format(text=text))
    layer_id, _sep, path = text.partition("=")
    problem = path_problem(path.strip())
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return layer_id.strip(), LayerInput.parse(path.strip())


def format_rule_table(table: Sequence) -> str:  # noqa: ANN001 - RuleStats rows
    """The per-rule table for a terminal."""
    head = ("#", _("rule"), _("km² by rule"), _("km² only"), _("km² cumulative"), _("share"))
    rows = [(str(r.order), r.title, f"{r.km2_alone:,.1f}", f"{r.km2_only:,.1f}", f"{r.km2_cumulative:,.1f}",
             f"{r.share_alone:.1%}") for r in table]
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    lines = []
    for row in [head, *rows]:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1])] + [c.rjust(w) for c, w in zip(row[2:], widths[2:])]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
