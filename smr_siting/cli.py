"""``smr-siting``: the command line.  Exit codes: 0 done, 2 bad input, 130 cancelled, 1 internal error."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Sequence, TextIO

from .core import __version__
from .core.errors import RunCancelled, SmrSitingError
from .core.layers import LayerInput
from .core.progress import RunContext


class TerminalProgress:
    """A one-line progress bar on a terminal; plain lines (or nothing) otherwise."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty()
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

    def notice(self, message: str) -> None:
        if self.quiet:
            return
        self.clear()
        self.stream.write(f"note: {message}\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0


def _layer_option(text: str) -> tuple[str, LayerInput]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--layer {text!r}: write it as ID=FILE or ID=FILE:LAYER")
    layer_id, _, path = text.partition("=")
    return layer_id.strip(), LayerInput.parse(path.strip())


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="smr-siting", description="Screen Dutch regions for Small Modular Reactor sites.")
    parser.add_argument("--version", action="version", version=f"smr-siting {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    screen = sub.add_parser("screen", help="exclusion map, per-rule table and candidate areas for a region",
                            description="Screen a region: writes exclusion.tif, candidate_areas.gpkg, summary.csv, "
                                        "summary.json and manifest.json into OUTDIR.")
    screen.add_argument("--region", required=True,
                        help="province or municipality name or CBS code (Gelderland, PV25, GM0202), or a polygon file")
    screen.add_argument("--profile", default="nl-default",
                        help="built-in profile (nl-default, nl-strict, nl-datacentre) or a .yaml file "
                             "(default: nl-default)")
    screen.add_argument("--data", type=Path, help="folder with the layers (e.g. ../shared/data/nl or demo/data)")
    screen.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    screen.add_argument("--resolution", type=_positive_float, help="cell size in metres (default: the profile's, 25)")
    screen.add_argument("--footprint-ha", type=_positive_float, help="SMR footprint in hectares (default: profile)")
    screen.add_argument("--footprint-shape", choices=("square", "circle", "rectangle"),
                        help="footprint shape (default: profile)")
    screen.add_argument("--layer", action="append", type=_layer_option, default=[], metavar="ID=FILE[:LAYER]",
                        help="use FILE for the catalogue slot ID (repeatable), e.g. natura2000=n2k.gpkg")
    screen.add_argument("--vector", action="store_true",
                        help="also write exclusion_reasons.gpkg: one dissolved polygon per rule")
    screen.add_argument("--overwrite", action="store_true", help="replace outputs that exist")
    screen.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no notes")

    profiles = sub.add_parser("profiles", help="list the built-in profiles, or print one")
    profiles.add_argument("--show", metavar="NAME", help="print the profile's text (to copy and edit)")

    check = sub.add_parser("check-profile", help="validate a profile file and summarise it")
    check.add_argument("profile", help="profile name or .yaml file")

    sub.add_parser("layers", help="list the layer catalogue")
    sub.add_parser("kinds", help="list the criterion kinds a profile can use")
    return parser


def _cmd_screen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .core.screen import ScreeningRequest, screen

    bar = TerminalProgress(err, args.quiet)
    ctx = RunContext(progress=bar.progress, notice=bar.notice)
    request = ScreeningRequest(
        region=args.region, profile=args.profile, data_dir=args.data, layers=dict(args.layer),
        resolution_m=args.resolution, footprint_ha=args.footprint_ha, footprint_shape=args.footprint_shape,
        exclusion_vector=args.vector)
    started = time.perf_counter()
    try:
        result, written = screen(request, args.out, args.overwrite, ctx)
    finally:
        bar.clear()
    totals = result.totals()
    if not args.quiet:
        out.write(format_rule_table(result.table) + "\n")
    out.write(f"{result.region.name}: {totals['excluded_km2']:,.1f} of {totals['region_km2_cells']:,.1f} km² "
              f"excluded ({totals['share_excluded']:.1%}); outputs in {args.out} "
              f"({time.perf_counter() - started:.1f} s)\n")
    return 0


def format_rule_table(table: Sequence) -> str:  # noqa: ANN001 - RuleStats rows
    """The per-rule table for a terminal."""
    head = ("#", "rule", "km² by rule", "km² only", "km² cumulative", "share")
    rows = [(str(r.order), r.title, f"{r.km2_alone:,.1f}", f"{r.km2_only:,.1f}", f"{r.km2_cumulative:,.1f}",
             f"{r.share_alone:.1%}") for r in table]
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    lines = []
    for row in [head, *rows]:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1])] + [c.rjust(w) for c, w in zip(row[2:], widths[2:])]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cmd_profiles(args: argparse.Namespace, out: TextIO) -> int:
    from .core.profile import builtin_profiles, load_profile, resolve_profile_path

    if args.show:
        out.write(resolve_profile_path(args.show).read_text(encoding="utf-8"))
        return 0
    for name in builtin_profiles():
        profile = load_profile(name)
        out.write(f"{name:16} {profile.title}\n")
    return 0


def _cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from .core.catalogue import load_catalogue
    from .core.profile import load_profile
    from .core.units import format_length

    profile = load_profile(args.profile, load_catalogue().ids)
    out.write(f"{profile.path}: profile {profile.name!r} is valid: {len(profile.criteria)} rules, footprint "
              f"{profile.footprint.area_ha:g} ha {profile.footprint.shape}, resolution {profile.resolution_m:g} m, "
              f"largest distance {format_length(profile.max_distance_m)}\n")
    for criterion in profile.criteria:
        out.write(f"  {criterion.id:22} {criterion.kind:17} {', '.join(criterion.layer_ids)}\n")
    return 0


def _cmd_layers(out: TextIO) -> int:
    from .core.catalogue import load_catalogue

    for entry in sorted(load_catalogue().entries.values(), key=lambda e: e.id):
        out.write(f"{entry.id:20} {entry.title} — {entry.owner} ({entry.licence})\n")
    return 0


def _cmd_kinds(out: TextIO) -> int:
    from .core.criteria import get_kind, kind_names

    for name in kind_names():
        kind = get_kind(name)
        assert kind is not None
        out.write(f"{name:18} {kind.summary}\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(out)
        return 2
    try:
        if args.command == "screen":
            return _cmd_screen(args, out, err)
        if args.command == "profiles":
            return _cmd_profiles(args, out)
        if args.command == "check-profile":
            return _cmd_check(args, out)
        if args.command == "layers":
            return _cmd_layers(out)
        if args.command == "kinds":
            return _cmd_kinds(out)
    except SmrSitingError as error:
        err.write(f"smr-siting: error: {error}\n")
        return error.exit_code
    except (RunCancelled, KeyboardInterrupt):
        err.write("smr-siting: cancelled; no output was written.\n")
        return 130
    except MemoryError:
        err.write("smr-siting: error: out of memory. Use a coarser --resolution or a smaller region.\n")
        return 2
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 - a bug: say so briefly; SMR_SITING_DEBUG=1 for the traceback
        if os.environ.get("SMR_SITING_DEBUG"):
            raise
        err.write(f"smr-siting: internal error: {type(error).__name__}: {error}. This is a bug; please report it "
                  "with the command line (set SMR_SITING_DEBUG=1 for details).\n")
        return 1
    return 2


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    sys.exit(main())


if __name__ == "__main__":
    run()
