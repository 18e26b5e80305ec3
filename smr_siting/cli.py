"""``smr-siting``: the command line.  Exit codes: 0 done, 2 bad input, 130 cancelled, 1 internal error."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence, TextIO

from .cli_args import TerminalProgress, add_cache_options, cache_from, path_problem, paths_in, positive_float, positive_int
from .core import __version__
from .core.errors import RunCancelled, SmrSitingError
from .core.i18n import N_, _, localised
from .core.layers import LayerInput
from .core.progress import STOP, RunContext


def _layer_option(text: str) -> tuple[str, LayerInput]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(_("--layer {text!r}: write it as ID=FILE or ID=FILE:LAYER").format(text=text))
    layer_id, _sep, path = text.partition("=")
    problem = path_problem(path.strip())
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return layer_id.strip(), LayerInput.parse(path.strip())






#: argparse's own error messages (it translates them through gettext's default domain, which has no Dutch)
_ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (?P<arguments>.+)"),
     N_("the following arguments are required: {arguments}")),
    (re.compile(r"unrecognized arguments: (?P<arguments>.+)"), N_("unrecognized arguments: {arguments}")),
    (re.compile(r"invalid choice: (?P<choice>.+) \(choose from (?P<choices>.+)\)"),
     N_("invalid choice: {choice} (choose from {choices})")),
    (re.compile(r"expected one argument"), N_("expected one argument")),
    (re.compile(r"argument (?P<argument>\S+): (?P<message>.+)", re.DOTALL), N_("argument {argument}: {message}")),
)


def _argparse_message(message: str) -> str:
    """argparse's message in the user's language where it is one of the common ones (else as it is)."""
    for pattern, msgid in _ARGPARSE_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            fields = match.groupdict()
            if "message" in fields:
                fields["message"] = _argparse_message(fields["message"])
            return _(msgid).format(**fields)
    return message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, _("{prog}: error: {message} (see {prog} --help)").format(
            prog=self.prog, message=_argparse_message(message)) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="smr-siting", description=_("Screen Dutch regions for Small Modular Reactor sites."))
    parser.add_argument("--version", action="version", version=f"smr-siting {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    screen = sub.add_parser("screen", help=_("exclusion map, per-rule table and candidate areas for a region"),
                            description=_("Screen a region: writes exclusion.tif, candidate_areas.gpkg, summary.csv, "
                                          "summary.json and manifest.json into OUTDIR."))
    screen.add_argument("--region", required=True,
                        help=_("province or municipality name or CBS code (Gelderland, PV25, GM0202), or a polygon file"))
    screen.add_argument("--profile", default="nl-default",
                        help=_("built-in profile (nl-default, nl-strict, nl-datacentre) or a .yaml file "
                               "(default: nl-default)"))
    screen.add_argument("--data", type=Path, help=_("folder with the layers (e.g. ../shared/data/nl or demo/data)"))
    screen.add_argument("--out", type=Path, required=True, help=_("output folder (created if missing)"))
    screen.add_argument("--resolution", type=positive_float, help=_("cell size in metres (default: the profile's, 25)"))
    screen.add_argument("--footprint-ha", type=positive_float, help=_("SMR footprint in hectares (default: profile)"))
    screen.add_argument("--footprint-shape", choices=("square", "circle", "rectangle"),
                        help=_("footprint shape (default: profile)"))
    screen.add_argument("--design", metavar="NAME",
                        help=_("reactor design (smr-siting designs lists them, or a .yaml file): sets the footprint "
                               "and the emergency-zone, population and cooling numbers of the rules"))
    screen.add_argument("--layer", action="append", type=_layer_option, default=[], metavar="ID=FILE[:LAYER]",
                        help=_("use FILE for the catalogue slot ID (repeatable), e.g. natura2000=n2k.gpkg"))
    screen.add_argument("--vector", action="store_true",
                        help=_("also write exclusion_reasons.gpkg: one dissolved polygon per rule"))
    screen.add_argument("--overwrite", action="store_true", help=_("replace outputs that exist"))
    add_cache_options(screen)
    screen.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar and no notes"))

    profiles = sub.add_parser("profiles", help=_("list the built-in profiles, or print one"))
    profiles.add_argument("--show", metavar="NAME", help=_("print the profile's text (to copy and edit)"))

    check = sub.add_parser("check-profile", help=_("validate a profile file and summarise it"))
    check.add_argument("profile", help=_("profile name or .yaml file"))

    verify = sub.add_parser("verify", help=_("check that a screening folder's results still hold"),
                            description=_("Re-hashes the inputs, checks the outputs against the manifest and reruns the "
                                          "screening; exit 0 if the results still hold, 3 if not."))
    verify.add_argument("run", type=Path, help=_("a 'smr-siting screen' output folder"))
    verify.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar"))

    layers = sub.add_parser("layers", help=_("list the layer catalogue; with --data, what a folder holds"),
                            description=_("Lists the layer catalogue. With --data: per slot the file found in the "
                                          "folder (or why none), and per rule of the profile which source it would "
                                          "use (sources in order of authority)."))
    layers.add_argument("--data", type=Path, help=_("a data folder or fetch cache to look into"))
    layers.add_argument("--profile", default=None,
                        help=_("with --data: the profile whose sources to show (default: every built-in profile)"))
    sub.add_parser("kinds", help=_("list the criterion kinds a profile can use"))
    designs = sub.add_parser("designs", help=_("list the reactor designs (--design NAME)"))
    designs.add_argument("--show", metavar="NAME", help=_("print the design's file (to copy and edit)"))
    from .cli_scoring import add_parsers as add_scoring_parsers

    add_scoring_parsers(sub, positive_int)
    from .cli_fetch import add_parser as add_fetch_parser

    add_fetch_parser(sub)
    from .cli_national import add_parser as add_national_parser

    add_national_parser(sub)
    from .cli_report import add_parsers as add_report_parsers

    add_report_parsers(sub)
    return parser


def _cmd_screen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .core.screen import ScreeningRequest, screen

    bar = TerminalProgress(err, args.quiet)
    ctx = RunContext(progress=bar.progress, is_cancelled=cancel_requested, notice=bar.notice)
    request = ScreeningRequest(
        region=args.region, profile=args.profile, data_dir=args.data, layers=dict(args.layer),
        resolution_m=args.resolution, footprint_ha=args.footprint_ha, footprint_shape=args.footprint_shape,
        exclusion_vector=args.vector, design=args.design)
    started = time.perf_counter()
    try:
        result, written = screen(request, args.out, args.overwrite, ctx, cache_from(args))
    finally:
        bar.clear()
    totals = result.totals()
    if not args.quiet:
        titles = {rule.id: localised(rule.title, rule.title_nl) for rule in result.rules}
        out.write(format_rule_table([replace(row, title=titles.get(row.id, row.title)) for row in result.table]) + "\n")
    out.write(_("{region}: {excluded:,.1f} of {total:,.1f} km² excluded ({share:.1%}); outputs in {out} "
                "({seconds:.1f} s)").format(
        region=result.region.name, excluded=totals["excluded_km2"], total=totals["region_km2_cells"],
        share=totals["share_excluded"], out=args.out, seconds=time.perf_counter() - started) + "\n")
    return 0


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


def _cmd_profiles(args: argparse.Namespace, out: TextIO) -> int:
    from .core.profile import builtin_profiles, load_profile, resolve_profile_path

    if args.show:
        out.write(resolve_profile_path(args.show).read_text(encoding="utf-8"))
        return 0
    for name in builtin_profiles():
        profile = load_profile(name)
        out.write(f"{name:16} {localised(profile.title, profile.title_nl)}\n")
    return 0


def _cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from .core.catalogue import load_catalogue
    from .core.profile import load_profile, shape_label
    from .core.units import format_length

    profile = load_profile(args.profile, load_catalogue().ids)
    out.write(_("{path}: profile {name!r} is valid: {rules} rules, footprint {area:g} ha {shape}, "
                "resolution {resolution:g} m, largest distance {distance}").format(
        path=profile.path, name=profile.name, rules=len(profile.criteria), area=profile.footprint.area_ha,
        shape=shape_label(profile.footprint.shape), resolution=profile.resolution_m,
        distance=format_length(profile.max_distance_m)) + "\n")
    for criterion in profile.criteria:
        entries = criterion.alternatives or tuple((s,) for s in criterion.sources)
        layers = ", ".join(dict.fromkeys(" > ".join(s.layer for s in entry) for entry in entries))
        out.write(f"  {criterion.id:24} {criterion.kind:17} {layers}\n")
    if any(criterion.alternatives for criterion in profile.criteria):
        out.write(_("  ('a > b': the first of these layers present in the data folder is used)") + "\n")
    return 0


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .core.verify import verify_run

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


def _cmd_layers(args: argparse.Namespace, out: TextIO) -> int:
    from .core.catalogue import load_catalogue

    catalogue = load_catalogue()
    if args.data is None:
        if args.profile:
            raise SmrSitingError(_("--profile goes with --data"), _("Add --data FOLDER, or leave out --profile"))
        for entry in sorted(catalogue.entries.values(), key=lambda e: e.id):
            out.write(f"{entry.id:24} {localised(entry.title, entry.title_nl)} — {entry.owner} ({entry.licence})\n")
        return 0
    from .core.layers import LayerStore
    from .core.profile import builtin_profiles, load_profile
    from .core.sources import resolve_profile

    store = LayerStore(catalogue, args.data, {}, None)
    out.write(_("Layers in {folder}:").format(folder=args.data) + "\n")
    for entry in sorted(catalogue.entries.values(), key=lambda e: e.id):
        why = store.absence(entry.id)
        if why is None:
            located, origin = store.locate(entry.id)
            name = located.path.name + (f":{located.layer}" if located.layer else "")
            found = name if origin == "data folder" else f"{name} ({origin})"
        else:
            found = "— " + why.describe()
        out.write(f"  {entry.id:24} {found}\n")
    for name in ([args.profile] if args.profile else builtin_profiles()):
        profile = load_profile(name, catalogue.ids)
        out.write("\n" + _("Profile {name} on this folder:").format(name=profile.name) + "\n")
        try:
            _resolved, choices = resolve_profile(profile, store.absence)
        except SmrSitingError as error:
            out.write("  " + _("cannot run here: {problem}").format(problem=error.problem) + "\n")
            continue
        for choice in choices:
            if len(choice.alternatives) == 1 and store.absence(choice.chosen) is None:
                continue
            section = _("rule") if choice.section == "rule" else _("scoring")
            if store.absence(choice.chosen) is not None:
                state = _("missing")
            elif choice.is_fallback:
                state = _("fallback for {layers}").format(layers=", ".join(layer for layer, _why in choice.skipped))
            else:
                state = _("most authoritative")
            out.write(f"  {section:8} {choice.criterion:22} {choice.chosen:24} {state}\n")
    return 0


def _cmd_designs(args: argparse.Namespace, out: TextIO) -> int:
    from .core.designs import DESIGN_DIR, builtin_designs, load_design

    if args.show:
        design = load_design(args.show)
        out.write(DESIGN_DIR.joinpath(f"{design.name}.yaml").read_text(encoding="utf-8")
                  if not str(args.show).endswith((".yaml", ".yml")) else design.text)
        return 0
    for name in builtin_designs():
        out.write(f"{name:18} {load_design(name).summary_line()}\n")
    return 0


def _cmd_kinds(out: TextIO) -> int:
    from .core.criteria import get_kind, kind_names

    for name in kind_names():
        kind = get_kind(name)
        assert kind is not None
        out.write(f"{name:18} {_(kind.summary)}\n")
    return 0


def _quiet_driver_cleanup(unraisable: Any) -> None:
    """GDAL bindings report errors while closing a file they already failed to write (e.g. on a full disk)
    as 'Exception ignored' tracebacks; the real error is reported once, by the command."""
    module = type(unraisable.exc_value).__module__.split(".")[0] if unraisable.exc_value is not None else ""
    if module in ("fiona", "rasterio", "pyogrio", "osgeo") and not os.environ.get("SMR_SITING_DEBUG"):
        return
    sys.__unraisablehook__(unraisable)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    sys.unraisablehook = _quiet_driver_cleanup
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(out)
        return 2
    problem = next((p for p in map(path_problem, paths_in(args)) if p), None)
    if problem:
        err.write(_("smr-siting: error: {error}").format(error=problem) + ".\n")
        return 2
    noise = io.StringIO()  # what libraries print on stderr (warnings, GDAL clean-up tracebacks)
    try:
        with contextlib.redirect_stderr(noise):
            return _dispatch(args, out, err)
    finally:
        if os.environ.get("SMR_SITING_DEBUG") and noise.getvalue():
            err.write(noise.getvalue())


def _dispatch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        if args.command == "screen":
            return _cmd_screen(args, out, err)
        if args.command == "profiles":
            return _cmd_profiles(args, out)
        if args.command == "check-profile":
            return _cmd_check(args, out)
        if args.command == "layers":
            return _cmd_layers(args, out)
        if args.command == "national":
            from .cli_national import run as run_national

            return run_national(args, out, err)
        if args.command == "fetch":
            from .cli_fetch import run as run_fetch

            return run_fetch(args, out, err)
        if args.command == "verify":
            return _cmd_verify(args, out, err)
        if args.command in ("rank", "sensitivity"):
            from .cli_scoring import cmd_rank, cmd_sensitivity

            bar = TerminalProgress(err, args.quiet)
            return (cmd_rank if args.command == "rank" else cmd_sensitivity)(args, out, bar)
        if args.command == "kinds":
            return _cmd_kinds(out)
        if args.command in ("report", "batch"):
            from .cli_report import run as run_report

            return run_report(args, out, err)
        if args.command == "designs":
            return _cmd_designs(args, out)
    except SmrSitingError as error:
        err.write(_("smr-siting: error: {error}").format(error=error) + "\n")
        return error.exit_code
    except (RunCancelled, KeyboardInterrupt):
        err.write(_("smr-siting: cancelled; no output was written.") + "\n")
        err.flush()
        return 130
    except MemoryError:
        err.write(_("smr-siting: error: out of memory. Use a coarser --resolution or a smaller region.") + "\n")
        return 2
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 - a bug: say so briefly; SMR_SITING_DEBUG=1 for the traceback
        if os.environ.get("SMR_SITING_DEBUG"):
            raise
        err.write(_("smr-siting: internal error: {name}: {error}. This is a bug; please report it "
                    "with the command line (set SMR_SITING_DEBUG=1 for details).").format(
            name=type(error).__name__, error=error) + "\n")
        return 1
    return 2


#: set by Ctrl-C / SIGTERM; the engine sees it at its next check and stops cleanly (RunCancelled)
CANCEL = threading.Event()
#: after the first signal: at GRACE_S the main thread is interrupted wherever it is (KeyboardInterrupt, so the
#: outputs' clean-up runs); at HARD_STOP_S the temporary files are removed and the process ends, whatever it
#: was waiting for (a read in C code, a thread being joined): every command ends within 2 s
GRACE_S = 0.8
HARD_STOP_S = 1.6
_SIGNAL: list[int] = []
#: set when the command has returned: from then on only the hard stop remains
_RETURNED = threading.Event()


def _request_cancel(signum: int, frame: Any) -> None:
    first = not CANCEL.is_set()
    CANCEL.set()
    STOP.set()
    _SIGNAL.append(signum)
    for other in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C or SIGTERM interrupts at once
        if signal.getsignal(other) is not signal.SIG_IGN:
            signal.signal(other, signal.default_int_handler)
    if first:
        threading.Thread(target=_deadline, name="smr-siting-deadline", daemon=True).start()


def exit_code_for_cancel() -> int:
    """130 after Ctrl-C, 143 after SIGTERM (as a shell reports a process ended by that signal)."""
    return 143 if _SIGNAL and _SIGNAL[0] == signal.SIGTERM else 130


def _deadline() -> None:
    import _thread

    time.sleep(GRACE_S)
    if not _RETURNED.is_set():
        _thread.interrupt_main()  # raises KeyboardInterrupt in the main thread at its next Python instruction
    time.sleep(HARD_STOP_S - GRACE_S)
    from .core.progress import hard_stop

    hard_stop()  # remove what the run had begun to write; nothing is left behind
    try:
        sys.__stderr__.write(_("smr-siting: cancelled; no output was written.") + "\n")
        sys.__stderr__.flush()
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(exit_code_for_cancel())


def cancel_requested() -> bool:
    return CANCEL.is_set()


def run() -> None:
    """Console-script entry point."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # a background job keeps ignoring Ctrl-C
        signal.signal(signal.SIGINT, _request_cancel)
    signal.signal(signal.SIGTERM, _request_cancel)
    try:
        code = main()
    except KeyboardInterrupt:  # interrupted outside a command (while parsing the options, or on the way out)
        sys.stderr.write(_("smr-siting: cancelled; no output was written.") + "\n")
        code = 130
    final = exit_code_for_cancel() if code == 130 and CANCEL.is_set() else code
    if CANCEL.is_set():  # a cancelled command has cleaned up: do not wait for threads still reading an input
        _RETURNED.set()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(final)
    sys.exit(final)


if __name__ == "__main__":
    run()
