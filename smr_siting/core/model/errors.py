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
        self.messages = (problem, fix, where)  # as given: translated messages that can speak English again
        super().__init__(str(self))

    def __str__(self) -> str:
        return self._line(self.problem, self.fix, self.where)

    @staticmethod
    def _line(problem: str, fix: str, where: str) -> str:
        head = f"{where}: " if where else ""
        tail = f". {fix}" if fix else "."
        if fix and not fix.endswith((".", "?", "!")):
            tail += "."
        return f"{head}{problem}{tail}"

    def english(self) -> str:
        """The message in English (what a data file such as batch_summary.csv records)."""
        from .i18n import english

        problem, fix, where = (str(english(m)) for m in self.messages)
        return self._line(problem.rstrip("."), fix.strip(), where)


class ProfileError(SmrSitingError):
    """The criteria profile is wrong (names file, line and key)."""


class DataError(SmrSitingError):
    """An input layer or raster is unusable."""


class OutputError(SmrSitingError):
    """An output cannot be written (exists, read-only folder, disk full)."""


class RunCancelled(Exception):  # noqa: N818 - reads better at the call site
    """The user cancelled the run; nothing was written."""

    exit_code = 130
