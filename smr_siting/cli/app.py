"""``smr-siting``: the command line.  Exit codes: 0 done, 2 bad input, 130 cancelled, 1 internal error."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
from typing import Any, Sequence, TextIO

from ..core import __version__
from ..core.model.errors import RunCancelled, SmrSitingError
from ..core.model.i18n import N_, _
from . import designs, fetch, kinds, layers, national, profiles, report, scoring, screen, verify
from .args import path_problem, paths_in
from .signals import CANCEL, RETURNED, exit_code_for_cancel, install

#: the commands, in the order of ``smr-siting --help``; each module has ``add_parser(sub)`` and ``run(args, out, err)``
COMMANDS = (screen, profiles, verify, layers, kinds, designs, scoring, fetch, national, report)
#: command name -> its module's ``run``
RUNS = {"screen": screen.run, "profiles": profiles.run, "check-profile": profiles.run, "verify": verify.run,
        "layers": layers.run, "kinds": kinds.run, "designs": designs.run, "rank": scoring.run,
        "sensitivity": scoring.run, "fetch": fetch.run, "national": national.run, "report": report.run,
        "batch": report.run}


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
    for command in COMMANDS:  # the order of ``smr-siting --help``
        command.add_parser(sub)
    return parser


















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
        command = RUNS.get(args.command)
        if command is not None:
            return command(args, out, err)
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












def run() -> None:
    """Run the command of ``sys.argv`` and exit with its code (see :func:`smr_siting.cli.run`)."""
    install()
    try:
        code = main()
    except KeyboardInterrupt:  # interrupted outside a command (while parsing the options, or on the way out)
        sys.stderr.write(_("smr-siting: cancelled; no output was written.") + "\n")
        code = 130
    final = exit_code_for_cancel() if code == 130 and CANCEL.is_set() else code
    if CANCEL.is_set():  # a cancelled command has cleaned up: do not wait for threads still reading an input
        RETURNED.set()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(final)
    sys.exit(final)

