"""Errors the engine raises for things the user can fix.

Every user-facing error names the problem *and* the fix.  Front ends (CLI,
Processing) show ``str(error)`` and never a traceback for these.
"""

from __future__ import annotations


class SmrSitingError(Exception):
    """A problem with the user's input: profile, layers, region, options or outputs."""

    exit_code = 2

    def __init__(self, problem: str, fix: str = "", where: str = "") -> None:
        self.problem = problem.rstrip(".")
        self.fix = fix.strip()
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.where}: " if self.where else ""
        tail = f". {self.fix}" if self.fix else "."
        if self.fix and not self.fix.endswith((".", "?", "!")):
            tail += "."
        return f"{head}{self.problem}{tail}"


class ProfileError(SmrSitingError):
    """The criteria profile is wrong (names file, line and key)."""


class DataError(SmrSitingError):
    """An input layer or raster is unusable."""


class OutputError(SmrSitingError):
    """An output cannot be written (exists, read-only folder, disk full)."""


class RunCancelled(Exception):  # noqa: N818 - reads better at the call site
    """The user cancelled the run; nothing was written."""

    exit_code = 130
