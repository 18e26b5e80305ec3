"""RunContext.call: a long call (one that releases the GIL, as GEOS, GDAL, scipy and numpy do) runs in a worker
thread while the cancel is polled; a cancel raises at once, an error comes back as itself, and messages made
inside use the caller's vocabulary (in QGIS: the dialog's words, never command-line flags)."""

from __future__ import annotations

import threading
import time

import pytest

from smr_siting.core.model.errors import RunCancelled, SmrSitingError
from smr_siting.core.model.progress import POLL_S, RunContext
from smr_siting.core.model.vocabulary import Vocabulary, current, speaking


def test_a_cancel_during_a_long_call_raises_at_once() -> None:
    cancelled = threading.Event()
    ctx = RunContext(is_cancelled=cancelled.is_set)
    threading.Timer(0.2, cancelled.set).start()
    started = time.perf_counter()
    with pytest.raises(RunCancelled):
        ctx.call(time.sleep, 3.0)  # sleeps without the GIL, like a GEOS union or a distance transform
    assert time.perf_counter() - started < 0.2 + 4 * POLL_S + 0.3


def test_a_call_returns_its_value_and_its_error() -> None:
    ctx = RunContext(is_cancelled=lambda: False)
    assert ctx.stage(0.0, 0.5).call(sum, [1, 2, 3]) == 6

    def fails() -> None:
        raise SmrSitingError("a problem", "a fix")

    with pytest.raises(SmrSitingError, match="a problem"):
        ctx.call(fails)
    assert RunContext(is_cancelled=lambda: False, poll_calls=False).call(max, 4, 9) == 9


def test_messages_made_inside_a_call_use_the_callers_vocabulary() -> None:
    dialog = Vocabulary("qgis", terms={}, flags=())
    ctx = RunContext(is_cancelled=lambda: False)
    with speaking(dialog):
        assert ctx.call(current) is dialog
