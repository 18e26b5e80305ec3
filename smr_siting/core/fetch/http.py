"""The downloader's HTTP layer: one GET, streamed to a file, within a deadline and a byte limit.

Everything the fetcher asks a service goes through :class:`Transport` — one method::

    transport.get(url, headers, deadline=..., idle_timeout=..., max_bytes=..., sink=PATH,
                  cancelled=callable) -> TransportResult(status, headers, url, size, sha256)

so that another implementation (e.g. QGIS's QgsNetworkAccessManager inside QGIS) can replace
:class:`HttpTransport`, the standard-library one used here.  Its promises:

- the body goes to ``sink`` as it arrives (never held in memory); at most ``max_bytes`` are read,
  more raise :class:`TooLarge`;
- the whole request (connect, headers, body) ends by ``deadline`` (a ``time.monotonic()`` value),
  whatever the server does (one byte per second included): :class:`Timeout`;
- ``cancelled()`` is polled about ten times a second; when true the connection is closed and
  :class:`Cancelled` raised;
- redirects are followed only to the request's own origin (scheme, host, port; http → https of
  the same host is allowed, https never goes back to http): :class:`OriginRefused` otherwise;
- only ``http`` and ``https`` URLs are asked (no ``file:``, ``ftp:``, ...): :class:`OriginRefused`.

Proxies from ``http_proxy`` / ``https_proxy`` / ``no_proxy`` are honoured (``CONNECT`` for https).
"""

from __future__ import annotations

import base64
import errno
import hashlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Protocol

from ..model.i18n import _

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5
CHUNK = 1 << 16


class TransportError(Exception):
    """A request that did not end in an HTTP answer."""

    def __init__(self, reason: str, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: True when the failure happened before any byte came from the server (connect, DNS)
        self.connection = connection


class Timeout(TransportError):  # noqa: N818 - read as "a Timeout", "TooLarge"
    """No (complete) answer within the time-out or the request's total deadline."""


class Offline(TransportError):  # noqa: N818 - read as "a Timeout", "TooLarge"
    """The host cannot be resolved or routed to: retrying will not help."""


class Broken(TransportError):  # noqa: N818 - read as "a Timeout", "TooLarge"
    """The connection failed or broke off (worth retrying)."""


class TooLarge(TransportError):  # noqa: N818 - read as "a Timeout", "TooLarge"
    """The answer is longer than the byte limit."""


class OriginRefused(TransportError):  # noqa: N818 - read as "a Timeout", "TooLarge"
    """A URL or redirect to another origin or scheme than allowed."""


class Cancelled(TransportError):  # noqa: N818 - read as "a Timeout", "TooLarge"
    """The user cancelled while the request ran."""


@dataclass
class TransportResult:
    status: int
    headers: Mapping[str, str]  # lower-case names
    url: str                    # the URL that answered (after same-origin redirects)
    size: int
    sha256: str
    redirects: list[str] = field(default_factory=list)


class Transport(Protocol):
    def get(self, url: str, headers: Mapping[str, str], *, deadline: float, idle_timeout: float, max_bytes: int,
            sink: Path, cancelled: Callable[[], bool]) -> TransportResult:
        ...


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, the port filled in from the scheme."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(base: str, other: str) -> bool:
    """Whether ``other`` may be asked on behalf of ``base``: the same scheme, host and port."""
    return origin(base) == origin(other)


def may_redirect(base: str, target: str) -> bool:
    """Same origin, or the same host moving from http to https (never https → http)."""
    if same_origin(base, target):
        return True
    (s1, h1, _p1), (s2, h2, _p2) = origin(base), origin(target)
    return s1 == "http" and s2 == "https" and h1 == h2


def check_scheme(url: str) -> None:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise OriginRefused(_("refusing to ask {url}: only http and https URLs are fetched").format(url=url[:200]))


class _Watchdog:
    """Closes a connection's socket when the deadline passes or the user cancels, so that a
    blocking read returns at once (a socket time-out alone does not bound a trickling server)."""

    def __init__(self, deadline: float, cancelled: Callable[[], bool]) -> None:
        self.deadline = deadline
        self.cancelled = cancelled
        #: the connected socket (http.client drops its own reference once a 'Connection: close'
        #: answer starts, so the watchdog keeps one)
        self.sock: socket.socket | None = None
        self.fired: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="smr-fetch-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            reason = None
            try:
                if self.cancelled():
                    reason = "cancelled"
            except Exception:  # noqa: BLE001 - a broken callback must not kill the request silently
                reason = "cancelled"
            if reason is None and time.monotonic() >= self.deadline:
                reason = "deadline"
            if reason is not None:
                self.fired = reason
                self._close()
                return

    def _close(self) -> None:
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)


def _proxy_for(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme.lower())
    if not proxy:
        return None
    try:
        if urllib.request.proxy_bypass(host):
            return None
    except OSError:
        pass
    return proxy


class HttpTransport:
    """The standard-library :class:`Transport` (http.client, with a watchdog for deadline and cancel)."""

    def __init__(self, user_agent: str = "smr-siting") -> None:
        self.user_agent = user_agent

    def get(self, url: str, headers: Mapping[str, str], *, deadline: float, idle_timeout: float, max_bytes: int,
            sink: Path, cancelled: Callable[[], bool]) -> TransportResult:
        check_scheme(url)
        redirects: list[str] = []
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            result, location = self._once(current, headers, deadline, idle_timeout, max_bytes, sink, cancelled)
            if location is None:
                result.redirects = redirects
                return result
            target = urllib.parse.urljoin(current, location)
            if not may_redirect(current, target):
                raise OriginRefused(_("{url} redirects to {target}, another origin; not followed").format(
                    url=current[:200], target=target[:200]))
            redirects.append(target)
            current = target
        raise Broken(_("more than {n} redirects from {url}").format(n=MAX_REDIRECTS, url=url[:200]))

    def _connection(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        proxy = _proxy_for(url)
        headers: dict[str, str] = {}
        if proxy:
            proxy_parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
            if proxy_parts.username:
                token = f"{urllib.parse.unquote(proxy_parts.username)}:{urllib.parse.unquote(proxy_parts.password or '')}"
                headers["Proxy-Authorization"] = "Basic " + base64.b64encode(token.encode()).decode("ascii")
            proxy_host, proxy_port = proxy_parts.hostname or "", proxy_parts.port or 8080
            if scheme == "https":
                connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                    proxy_host, proxy_port, timeout=timeout, context=ssl.create_default_context())
                connection.set_tunnel(host, port or 443, headers=headers)
                return connection, path
            connection = http.client.HTTPConnection(proxy_host, proxy_port, timeout=timeout)
            connection._smr_proxy_headers = headers  # type: ignore[attr-defined]
            return connection, url  # absolute URL through an http proxy
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context()), path
        return http.client.HTTPConnection(host, port, timeout=timeout), path

    def _once(self, url: str, headers: Mapping[str, str], deadline: float, idle_timeout: float, max_bytes: int,
              sink: Path, cancelled: Callable[[], bool]) -> tuple[TransportResult, str | None]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout(_("no answer within the deadline"), connection=True)
        timeout = max(0.05, min(idle_timeout, left))
        connection, target = self._connection(url, timeout)
        watchdog = _Watchdog(deadline, cancelled)
        received = False
        try:
            try:
                connection.connect()
            except OSError as error:
                raise self._connect_error(error, url, watchdog) from None
            watchdog.sock = connection.sock
            if watchdog.fired:
                raise self._fired(watchdog, False)
            request_headers = {"Host": urllib.parse.urlsplit(url).netloc, "User-Agent": self.user_agent,
                               "Accept-Encoding": "identity", "Connection": "close", **dict(headers)}
            request_headers.update(getattr(connection, "_smr_proxy_headers", {}))
            try:
                connection.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
                for key, value in request_headers.items():
                    connection.putheader(key, value)
                connection.endheaders()
                response = connection.getresponse()
                received = True
                answer_headers = {k.lower(): v for k, v in response.getheaders()}
                if response.status in REDIRECTS and answer_headers.get("location"):
                    return TransportResult(response.status, answer_headers, url, 0, ""), answer_headers["location"]
                digest = hashlib.sha256()
                size = 0
                declared = answer_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise TooLarge(_("the answer announces {n:,} bytes, more than the limit of {limit:,}").format(
                        n=int(declared), limit=max_bytes))
                with open(sink, "wb") as out:
                    while True:
                        chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
                        if not chunk:
                            break
                        size += len(chunk)
                        if size > max_bytes:
                            raise TooLarge(_("the answer is longer than the limit of {limit:,} bytes").format(
                                limit=max_bytes))
                        digest.update(chunk)
                        out.write(chunk)
                if watchdog.fired:
                    raise self._fired(watchdog, received)
                return TransportResult(response.status, answer_headers, url, size, digest.hexdigest()), None
            except TransportError:
                raise
            except (socket.timeout, TimeoutError):
                if watchdog.fired:
                    raise self._fired(watchdog, received) from None
                raise Timeout(_("no answer within {s:g} s").format(s=idle_timeout), connection=not received) from None
            except http.client.IncompleteRead as error:
                if watchdog.fired:
                    raise self._fired(watchdog, received) from None
                raise Broken(_("the answer broke off after {n} bytes").format(n=len(error.partial))) from None
            except (http.client.HTTPException, OSError) as error:
                if watchdog.fired:
                    raise self._fired(watchdog, received) from None
                raise Broken(_("the connection broke ({error})").format(error=type(error).__name__),
                             connection=not received) from None
        finally:
            watchdog.stop()
            try:
                connection.close()
            except OSError:
                pass

    @staticmethod
    def _fired(watchdog: _Watchdog, received: bool) -> TransportError:
        if watchdog.fired == "cancelled":
            return Cancelled(_("cancelled by the user"))
        return Timeout(_("the request did not end within its deadline"), connection=False)

    def _connect_error(self, error: OSError, url: str, watchdog: _Watchdog) -> TransportError:
        host = urllib.parse.urlsplit(url).hostname or url
        if watchdog.fired:
            return self._fired(watchdog, False)
        if isinstance(error, socket.gaierror):
            return Offline(_("the name {host} cannot be resolved").format(host=host), connection=True)
        if isinstance(error, (socket.timeout, TimeoutError)):
            return Timeout(_("no connection within the time-out"), connection=True)
        if isinstance(error, ConnectionRefusedError):
            return Broken(_("connection refused"), connection=True)
        if error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return Offline(str(error.strerror or error), connection=True)
        if isinstance(error, ssl.SSLError):
            return Broken(_("TLS failed ({reason})").format(reason=error.reason or error), connection=True)
        return Broken(str(error.strerror or error) or type(error).__name__, connection=True)
