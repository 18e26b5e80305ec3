"""The downloader's HTTP through QGIS's own network stack inside QGIS.

The engine's downloader (``smr_siting.core.fetch.Http``) sends its GET requests through a *transport*
(``smr_siting.core.fetch.http.Transport``: one GET into a file, within a deadline and a byte limit).  On the
command line that is the standard-library one (the system proxy from ``https_proxy``).  Inside QGIS,
:func:`install` hands it :class:`QgisTransport`, which sends the same requests through
``QgsNetworkAccessManager`` (``QgsBlockingNetworkRequest``, via :class:`QgisOpener`), so that the proxy,
authentication and SSL settings of *Settings › Options › Network* apply.  The downloader's retries,
back-off, paging and cache logic are unchanged: only the transport differs.
"""

from __future__ import annotations

import email.message
import io
import socket
import urllib.error
import urllib.request
from typing import Any

from qgis.core import QgsBlockingNetworkRequest, QgsNetworkAccessManager
from qgis.PyQt.QtCore import QByteArray, QUrl
from qgis.PyQt.QtNetwork import QNetworkReply, QNetworkRequest


class QgisResponse:
    """The part of urllib's response the downloader reads."""

    def __init__(self, url: str, status: int, headers: email.message.Message, body: bytes) -> None:
        self._url = url
        self.status = status
        self.headers = headers
        self._body = io.BytesIO(body)

    def read(self, size: int = -1) -> bytes:
        return self._body.read(size)

    def geturl(self) -> str:
        return self._url

    def __enter__(self) -> QgisResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self._body.close()


def _headers(reply: Any) -> email.message.Message:
    headers = email.message.Message()
    for name in reply.rawHeaderList():
        headers[bytes(name).decode("latin-1")] = bytes(reply.rawHeader(name)).decode("latin-1")
    return headers


class QgisOpener:
    """urllib's ``opener.open`` through ``QgsNetworkAccessManager`` (QGIS's proxy, authentication, SSL)."""

    def __init__(self, authcfg: str = "") -> None:
        self.authcfg = authcfg
        self.requests = 0

    def open(self, request: urllib.request.Request, timeout: float | None = None) -> QgisResponse:  # noqa: A003
        url = request.full_url
        qrequest = QNetworkRequest(QUrl(url))
        # never QGIS's network cache: the downloader keeps its own, with provenance (and a 503 must not be
        # answered from an earlier 200 in the disk cache)
        qrequest.setAttribute(QNetworkRequest.Attribute.CacheLoadControlAttribute, QNetworkRequest.CacheLoadControl.AlwaysNetwork)
        qrequest.setAttribute(QNetworkRequest.Attribute.CacheSaveControlAttribute, False)
        cache = QgsNetworkAccessManager.instance().cache()
        if cache is not None:  # Qt answers an error status from a cached copy even with AlwaysNetwork
            cache.remove(QUrl(url))
        for name, value in request.header_items():
            qrequest.setRawHeader(QByteArray(name.encode("latin-1")), QByteArray(str(value).encode("latin-1")))
        blocking = QgsBlockingNetworkRequest()
        if self.authcfg:
            blocking.setAuthCfg(self.authcfg)
        previous = QgsNetworkAccessManager.timeout()
        if timeout:  # the downloader's time-out per request, for this request only
            QgsNetworkAccessManager.setTimeout(int(timeout * 1000))
        try:
            self.requests += 1
            code = blocking.get(qrequest, True)
        finally:
            if timeout:
                QgsNetworkAccessManager.setTimeout(previous)
        reply = blocking.reply()
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        final = reply.request().url().toString() or url
        headers = _headers(reply)
        body = bytes(reply.content())
        if code == QgsBlockingNetworkRequest.ErrorCode.NoError:
            return QgisResponse(final, int(status or 200), headers, body)
        if status:  # the server answered with an HTTP error
            reason = str(reply.attribute(QNetworkRequest.Attribute.HttpReasonPhraseAttribute) or "")
            raise urllib.error.HTTPError(url, int(status), reason, headers, io.BytesIO(body))
        raise urllib.error.URLError(_reason(reply.error(), blocking.errorMessage(), code))


def _reason(error: Any, message: str, code: Any) -> BaseException:
    """urllib's kind of reason for a failure without an HTTP answer, so the downloader classifies it as usual."""
    if code == QgsBlockingNetworkRequest.ErrorCode.TimeoutError or error in (QNetworkReply.NetworkError.TimeoutError,
                                                                    QNetworkReply.NetworkError.OperationCanceledError):
        return socket.timeout(message or "timed out")
    if error == QNetworkReply.NetworkError.HostNotFoundError:
        return socket.gaierror(message or "host not found")
    if error == QNetworkReply.NetworkError.ConnectionRefusedError:
        return ConnectionRefusedError(message or "connection refused")
    if error == QNetworkReply.NetworkError.ProtocolUnknownError:
        return message or "unknown url type"  # type: ignore[return-value]  # urllib's own complaints are text
    return OSError(message or "network error")


class QgisTransport:
    """The engine's :class:`~smr_siting.core.fetch.http.Transport` on QGIS's network stack: the same promises
    (a total deadline, a byte limit, same-origin redirects only, http/https only, cancel between requests),
    with the proxy, authentication and SSL settings of *Settings › Options › Network*.  QGIS's blocking
    request holds one answer in memory before it is written to ``sink``; the byte limit is checked on it."""

    def __init__(self, authcfg: str = "") -> None:
        self.opener = QgisOpener(authcfg)

    @property
    def requests(self) -> int:
        return self.opener.requests

    def get(self, url: str, headers: Any, *, deadline: float, idle_timeout: float, max_bytes: int, sink: Any,
            cancelled: Any) -> Any:
        import hashlib
        import time

        from ..core.fetch import (
            Broken,
            Cancelled,
            Offline,
            OriginRefused,
            Timeout,
            TooLarge,
            TransportResult,
            check_scheme,
            may_redirect,
        )

        check_scheme(url)
        if cancelled():
            raise Cancelled("cancelled")
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout("no answer within the deadline", connection=True)
        request = urllib.request.Request(url, headers=dict(headers))
        try:
            response = self.opener.open(request, timeout=max(0.05, min(idle_timeout, left)))
            status, answer_headers, body, final = response.status, response.headers, response.read(), response.geturl()
        except urllib.error.HTTPError as error:
            status, answer_headers, body, final = error.code, error.headers, error.read(), url
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, socket.timeout):
                raise Timeout(str(reason), connection=True) from None
            if isinstance(reason, socket.gaierror):
                raise Offline(str(reason), connection=True) from None
            if isinstance(reason, ConnectionRefusedError):
                raise Broken(str(reason), connection=True) from None
            raise Broken(str(reason)) from None
        if final != url and not may_redirect(url, final):
            raise OriginRefused(f"{url[:200]} redirects to {final[:200]}, another origin; not followed")
        if len(body) > max_bytes:
            raise TooLarge(f"the answer is longer than {max_bytes:,} bytes")
        if cancelled():
            raise Cancelled("cancelled")
        sink.write_bytes(body)
        names = {str(k).lower(): str(v) for k, v in (answer_headers.items() if answer_headers is not None else [])}
        return TransportResult(int(status), names, final, len(body), hashlib.sha256(body).hexdigest())


def install(fetcher: Any) -> QgisTransport | None:
    """Hand the fetcher's HTTP layer QGIS's network stack; returns the transport (None where the engine has no
    seam)."""
    http = getattr(fetcher, "http", None)
    if http is None or not hasattr(http, "transport"):
        return None
    transport = QgisTransport()
    http.transport = transport
    return transport
