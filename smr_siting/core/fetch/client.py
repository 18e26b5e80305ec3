"""GET with retries: a total deadline per request, byte limits, exponential back-off and cancel, on top of
the :class:`~.http.Transport`; every answer's body lies in a file (:class:`Response`)."""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import __version__
from ..model.errors import RunCancelled
from ..model.i18n import _
from ..model.progress import RunContext
from .http import (
    Cancelled,
    HttpTransport,
    Offline,
    OriginRefused,
    Timeout,
    TooLarge,
    Transport,
    TransportError,
    check_scheme,
)
from .spec import FetchError, FetchOptions, NetworkError, NotFound

#: HTTP statuses worth asking again
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = f"smr-siting/{__version__} (+https://github.com/smr-siting/smr-siting)"
#: bytes a probe (GetCapabilities, a collection's description, hits) may have
PROBE_MAX_BYTES = 16 << 20


class _Transient(Exception):  # noqa: N818 - internal signal, never shown
    """A failure worth retrying."""

    def __init__(self, reason: str, connection: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection = connection
        self.retry_after = retry_after


@dataclass
class Response:
    """An answer whose body lies in a file (``path``), never wholly in memory."""

    url: str
    status: int
    headers: Mapping[str, str]
    path: Path
    size: int
    sha256: str
    requested_at: str
    attempts: int = 1
    log: list[str] = field(default_factory=list)

    def head(self, n: int = 8192) -> bytes:
        """The first ``n`` bytes of the body."""
        try:
            with open(self.path, "rb") as handle:
                return handle.read(n)
        except OSError:
            return b""

    @property
    def body(self) -> bytes:
        """The whole body (only for small answers: capabilities, error documents)."""
        try:
            return self.path.read_bytes()
        except OSError:
            return b""


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _error_detail(head: bytes) -> str:
    body = head.decode("utf-8", "replace")
    try:
        data = json.loads(body)
        if isinstance(data, dict):
            for key in ("detail", "description", "title", "message", "error"):
                if data.get(key):
                    return " ".join(str(data[key]).split())[:200]
    except ValueError:
        pass
    match = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</", body, re.S)
    if match:
        return " ".join(match.group(1).split())[:200]
    return ""


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}


class Http:
    """GET with a total deadline per request, byte limits, retries and exponential back-off,
    cancellable through the RunContext.  The wire work is the :class:`~.http.Transport`'s
    (``self.transport``), which another implementation may replace."""

    def __init__(self, options: FetchOptions, ctx: RunContext, sleep: Callable[[float], None] = time.sleep,
                 transport: Transport | None = None) -> None:
        self.options = options
        self.ctx = ctx
        self._sleep = sleep
        self.reached: set[str] = set()
        self.transport: Transport = transport or HttpTransport(USER_AGENT)
        #: told about every retry (the CLI shows it on the progress line); the page's notes keep it too
        self.on_retry: Callable[[str], None] | None = None
        self.requests = 0

    def _once(self, url: str, accept: str, sink: Path, max_bytes: int) -> Response:
        host = urllib.parse.urlsplit(url).netloc
        requested_at = _now_iso()
        self.requests += 1
        try:
            result = self.transport.get(url, {"Accept": accept}, deadline=time.monotonic() + self.options.timeout_s,
                                        idle_timeout=self.options.timeout_s, max_bytes=max_bytes, sink=sink,
                                        cancelled=self.ctx.is_cancelled)
        except Cancelled:
            raise RunCancelled(_("cancelled by the user")) from None
        except Offline as error:
            raise _OfflineSignal(error.reason) from None
        except (OriginRefused, TooLarge) as error:
            raise FetchError(_("{host}: {reason}").format(host=host, reason=error.reason),
                             _("Check the layer's service in layers/catalogue.yaml (or --base-url-override)")) from None
        except Timeout as error:
            raise _Transient(_("no complete answer within {s:g} s").format(s=self.options.timeout_s),
                             connection=error.connection) from None
        except TransportError as error:
            raise _Transient(error.reason, connection=error.connection and host not in self.reached) from None
        self.reached.add(host)
        response = Response(result.url, result.status, result.headers, sink, result.size, result.sha256, requested_at)
        if result.status >= 400:
            detail = _error_detail(response.head(4096))
            reason = f"HTTP {result.status} {_REASONS.get(result.status, '')}".rstrip() + (
                f": {detail}" if detail else "")
            if result.status in RETRY_STATUS:
                raise _Transient(reason, retry_after=_retry_after(result.headers.get("retry-after")))
            error_type = NotFound if result.status in (404, 410) else FetchError
            raise error_type(_("{host} answered {reason} for {url}").format(host=host, reason=reason, url=url),
                             _("Check the layer's service in layers/catalogue.yaml (or --base-url-override)"))
        return response

    def get(self, url: str, parse: Callable[[Response], Any], accept: str, label: str,
            sink: Path | None = None, max_bytes: int | None = None) -> tuple[Response, Any]:
        """``parse`` may raise ``_Transient`` (e.g. a truncated JSON body) to have the request repeated.
        The body goes to ``sink`` (default: a temporary file, removed after ``parse``)."""
        log: list[str] = []
        last: _Transient | None = None
        tries = self.options.retries + 1
        limit = int(max_bytes if max_bytes is not None else self.options.max_page_bytes)
        try:
            host = urllib.parse.urlsplit(url).netloc
            check_scheme(url)
        except OriginRefused as error:
            raise FetchError(_("cannot ask {url}: {reason}").format(url=url[:200], reason=error.reason),
                             _("Check the URL (--base-url-override or layers/catalogue.yaml)")) from None
        except ValueError as error:
            raise FetchError(_("cannot ask {url}: {reason}").format(url=url[:200], reason=error),
                             _("Check the URL (--base-url-override or layers/catalogue.yaml)")) from None
        temporary = sink is None
        if sink is None:
            handle, name = tempfile.mkstemp(prefix="smr-fetch-", suffix=".body")
            os.close(handle)
            sink = Path(name)
        try:
            for attempt in range(tries):
                self.ctx.check_cancelled()
                try:
                    response = self._once(url, accept, sink, limit)
                    response.attempts = attempt + 1
                    response.log = log
                    return response, parse(response)
                except _OfflineSignal as error:
                    raise NetworkError(_("cannot reach {host} (no network?): {reason}").format(host=host,
                                                                                               reason=error),
                                       _("Check the connection (and https_proxy), or use --offline to work from "
                                         "the cache")) from None
                except _Transient as error:
                    last = error
                    log.append(_("attempt {n}: {reason}").format(n=attempt + 1, reason=error.reason))
                    if attempt + 1 >= tries:
                        break
                    delay = min(self.options.max_backoff_s, self.options.backoff_s * (2 ** attempt))
                    if error.retry_after is not None:
                        delay = max(delay, min(error.retry_after, self.options.max_backoff_s))
                    if self.on_retry is not None:
                        self.on_retry(_("{label}: {reason}; retrying in {s:.1f} s").format(
                            label=label, reason=error.reason, s=delay))
                    self._wait(delay)
        finally:
            if temporary:
                try:
                    sink.unlink()
                except OSError:
                    pass
        assert last is not None
        if last.connection and host not in self.reached:
            raise NetworkError(_("cannot reach {host} (no network?): {reason} after {n} attempt(s)").format(
                host=host, reason=last.reason, n=tries),
                _("Check the connection (and https_proxy), or use --offline to work from the cache"))
        raise FetchError(_("{label}: {host} failed {n} time(s), last: {reason}").format(
            label=label, host=host, n=tries, reason=last.reason),
            _("Try again later (a failed download resumes where it stopped), or raise --retries / --timeout"))

    def _wait(self, delay: float) -> None:
        """Sleep ``delay`` seconds, but stop at once when the user cancels."""
        end = time.monotonic() + delay
        while True:
            self.ctx.check_cancelled()
            left = end - time.monotonic()
            if left <= 0:
                return
            self._sleep(min(left, 0.05))


class _OfflineSignal(Exception):  # noqa: N818
    """The host cannot be resolved or routed to: retrying will not help."""
