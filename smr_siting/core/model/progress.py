"""Neutral progress and cancel callbacks.

The engine never imports a UI.  Front ends pass a :class:`RunContext`: the CLI
wires it to a terminal bar, the Processing adapter to ``QgsProcessingFeedback``.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar

from .errors import RunCancelled
from .i18n import _

T = TypeVar("T")
#: how often :meth:`RunContext.call` looks at the cancel while a long call runs [s]
POLL_S = 0.05
ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]
NoticeFn = Callable[[str], None]


def _no_progress(fraction: float, message: str) -> None:
    return None


def _never_cancelled() -> bool:
    return False


def _no_notice(message: str) -> None:
    return None


@dataclass
class RunContext:
    """Callbacks for one run.  ``notices`` keeps every notice for the outputs."""

    progress: ProgressFn = _no_progress
    is_cancelled: CancelFn = _never_cancelled
    notice: NoticeFn = _no_notice
    notices: list[str] = field(default_factory=list)
    #: listeners that hear every notice told, repeats included (shared with the child contexts), e.g. to
    #: keep what one rule told beside its cached mask
    taps: list[Callable[[str], None]] = field(default_factory=list)
    #: poll the cancel while a long call runs in a worker thread (:meth:`call`); False: call directly, so that
    #: the cancel is looked at only at fixed points (as a test that cancels at the n-th look needs)
    poll_calls: bool = True

    def report(self, fraction: float, message: str) -> None:
        """Report progress in [0, 1] and stop if the user cancelled."""
        self.check_cancelled()
        self.progress(min(max(fraction, 0.0), 1.0), message)

    def check_cancelled(self) -> None:
        if self.is_cancelled():
            raise RunCancelled(_("cancelled by the user"))

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)``, polling the cancel every :data:`POLL_S` seconds while it runs.

        For one long call into a library that releases the GIL while it works (GEOS through shapely, GDAL, scipy's
        distance transform, numpy): it runs in a worker thread (in a copy of this context), and a cancel raises
        here at once.  The worker then finishes on its own and its
        result is dropped; it must write nothing.  Without a cancel callback the call is made directly."""
        if self.is_cancelled is _never_cancelled or not self.poll_calls:
            self.check_cancelled()
            return function(*args, **kwargs)
        self.check_cancelled()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["value"] = function(*args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = error

        # in a copy of this context: messages made there use the caller's vocabulary (the dialog's words in QGIS)
        worker = threading.Thread(target=contextvars.copy_context().run, args=(work,), name="smr-siting-call",
                                  daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(POLL_S)
            self.check_cancelled()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def tell(self, message: str) -> None:
        """A decision or caveat the user should read (also kept for the outputs)."""
        if message not in self.notices:
            self.notices.append(message)
        for tap in self.taps:
            tap(message)
        self.notice(message)

    def stage(self, start: float, end: float) -> RunContext:
        """A child context whose [0, 1] maps onto [start, end] of this one."""
        parent = self

        def child_progress(fraction: float, message: str) -> None:
            parent.progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)

        child = RunContext(child_progress, self.is_cancelled, self.notice, poll_calls=self.poll_calls)
        child.notices = self.notices
        child.taps = self.taps
        return child


#: set by a front end when the user asked the whole process to stop (the CLI on Ctrl-C / SIGTERM); checked by
#: work that has no RunContext, such as reading a profile
STOP = threading.Event()


def check_stop() -> None:
    if STOP.is_set():
        raise RunCancelled(_("cancelled by the user"))


#: clean-ups a hard stop runs (a second signal, or the command line's 2 s deadline after the first)
_CLEANUPS: list[Callable[[], None]] = []
_CLEANUPS_GUARD = threading.Lock()


@contextmanager
def on_hard_stop(cleanup: Callable[[], None]) -> Iterator[None]:
    """Run ``cleanup`` if the process is stopped hard while this block runs (e.g. remove a temporary folder)."""
    with _CLEANUPS_GUARD:
        _CLEANUPS.append(cleanup)
    try:
        yield
    finally:
        with _CLEANUPS_GUARD:
            _CLEANUPS.remove(cleanup)


def hard_stop() -> None:
    """Remove what runs in progress had begun to write: their temporary outputs, then the registered clean-ups."""
    outputs = sys.modules.get(__package__ + ".outputs")
    if outputs is not None:
        outputs.abort_all()
    with _CLEANUPS_GUARD:
        cleanups = list(reversed(_CLEANUPS))
    for cleanup in cleanups:
        try:
            cleanup()
        except Exception:  # noqa: BLE001, S110 - best effort on the way out
            pass
