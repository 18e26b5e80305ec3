"""``smr-siting``, the command line: one module per command (``add_parser`` and ``run``), :mod:`.app` builds the
parser and dispatches, :mod:`.args` holds the shared option types and the terminal progress bar, :mod:`.signals`
the Ctrl-C / SIGTERM handling.

:func:`run` (the console script) catches Ctrl-C and SIGTERM before anything heavy is loaded; :func:`main` and
:func:`build_parser` are loaded on first use."""

from __future__ import annotations

from typing import Any


def run() -> None:
    """Console-script entry point: signals are caught from the first instruction on, so a command cancelled
    while the command line is still loading ends at once with the cancel's exit code (130, 143)."""
    from . import signals

    signals.install()
    try:
        from .app import run as run_command
    except KeyboardInterrupt:  # the deadline interrupted the loading
        signals.end_cancelled()
    run_command()


def __getattr__(name: str) -> Any:  # PEP 562: main and build_parser without loading them at import
    if name in ("main", "build_parser"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["build_parser", "main", "run"]
