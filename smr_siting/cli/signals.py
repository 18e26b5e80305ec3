"""Ctrl-C and SIGTERM on the command line: the cancel flag every command polls, and the deadline after which a
cancelled command is interrupted and, at the latest, ended (within 2 s of the first signal)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

from ..core.model.i18n import _
from ..core.model.progress import STOP

#: set by Ctrl-C / SIGTERM; the engine sees it at its next check and stops cleanly (RunCancelled)
CANCEL = threading.Event()


#: after the first signal: at GRACE_S the main thread is interrupted wherever it is (KeyboardInterrupt, so the
#: outputs' clean-up runs); at HARD_STOP_S the temporary files are removed and the process ends, whatever it
#: was waiting for (a read in C code, a thread being joined): every command ends within 2 s
GRACE_S = 0.8


HARD_STOP_S = 1.6


_SIGNAL: list[int] = []


#: set when the command has returned: from then on only the hard stop remains
RETURNED = threading.Event()


def request_cancel(signum: int, frame: Any) -> None:
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
    if not RETURNED.is_set():
        _thread.interrupt_main()  # raises KeyboardInterrupt in the main thread at its next Python instruction
    time.sleep(HARD_STOP_S - GRACE_S)
    from ..core.model.progress import hard_stop

    hard_stop()  # remove what the run had begun to write; nothing is left behind
    try:
        sys.__stderr__.write(_("smr-siting: cancelled; no output was written.") + "\n")
        sys.__stderr__.flush()
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(exit_code_for_cancel())


def cancel_requested() -> bool:
    return CANCEL.is_set()


def install() -> None:
    """Catch Ctrl-C and SIGTERM from here on: the console script calls this first, before the command line and
    the engine are loaded (a background job keeps ignoring Ctrl-C)."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, request_cancel)
    signal.signal(signal.SIGTERM, request_cancel)


def end_cancelled() -> None:
    """End a command cancelled before it began (while the command line was still loading): nothing was written."""
    try:
        sys.stderr.write(_("smr-siting: cancelled; no output was written.") + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(exit_code_for_cancel())
