"""``smr-siting``, the command line: one module per command (``add_parser`` and ``run``), :mod:`.main` builds
the parser and dispatches, :mod:`.args` holds the shared option types and the terminal progress bar,
:mod:`.signals` the Ctrl-C / SIGTERM handling."""

from .main import build_parser, main, run

__all__ = ["build_parser", "main", "run"]
