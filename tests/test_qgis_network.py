"""The downloader inside QGIS goes through QgsNetworkAccessManager: the proxy set in QGIS's options is used
(a local server on 127.0.0.1 plays the proxy; the services' host names do not even resolve), with the engine's own
retries and error handling; the cache defaults to a folder in the QGIS profile."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("qgis.core")
from qgis.core import QgsNetworkAccessManager, QgsProcessingContext, QgsProcessingFeedback, QgsSettings  # noqa: E402

pytestmark = pytest.mark.qgis
NOWHERE = "http://smr-siting.invalid"  # .invalid never resolves (RFC 2606): only a proxy can answer


@pytest.fixture
def qgis_proxy(qgis_app):  # noqa: ANN001, ANN201
    """A local HTTP proxy configured in QGIS's network settings (Settings › Options › Network), removed after."""
    answers = {"/ok": (200, b'{"hello": "world"}'), "/busy": (503, b"busy"), "/missing": (404, b'{"detail": "gone"}')}
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)  # a proxy gets the absolute URL
            path = urlsplit(self.path).path
            status, body = answers.get(path, (404, b'{"detail": "gone"}'))
            if path == "/busy" and sum(urlsplit(s).path == "/busy" for s in seen) > 1:
                status, body = 200, b'{"after": "retry"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = QgsSettings()
    keys = ("proxy/proxyEnabled", "proxy/proxyType", "proxy/proxyHost", "proxy/proxyPort")
    saved = {key: settings.value(key) for key in keys}
    for key, value in zip(keys, (True, "HttpProxy", "127.0.0.1", str(server.server_address[1]))):
        settings.setValue(key, value)
    QgsNetworkAccessManager.instance().setupDefaultProxyAndCache()
    try:
        yield seen
    finally:
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)
        QgsNetworkAccessManager.instance().setupDefaultProxyAndCache()
        server.shutdown()
        server.server_close()


def test_the_engines_http_uses_qgis_network_settings(qgis_proxy) -> None:
    from smr_siting.core.fetch import FetchError, FetchOptions, Http, NetworkError
    from smr_siting.core.model.progress import RunContext
    from smr_siting.processing.network import QgisTransport

    plain = Http(FetchOptions(timeout_s=5, retries=0), RunContext(), sleep=lambda s: None)
    with pytest.raises(NetworkError):  # the standard library knows nothing of QGIS's proxy: the host does not resolve
        plain.get(NOWHERE + "/ok", lambda r: r.body, "application/json", "ok")
    http = Http(FetchOptions(timeout_s=5, retries=2), RunContext(), sleep=lambda s: None, transport=QgisTransport())
    response, data = http.get(NOWHERE + "/ok", lambda r: json.loads(r.body), "application/json", "ok")
    assert data == {"hello": "world"} and response.status == 200 and response.sha256
    _response, data = http.get(NOWHERE + "/busy", lambda r: json.loads(r.body), "application/json", "busy")
    assert data == {"after": "retry"}  # 503 → retried by the engine's own logic
    with pytest.raises(FetchError, match="HTTP 404.*gone"):
        http.get(NOWHERE + "/missing", lambda r: r.body, "application/json", "missing")
    assert [urlsplit(u).path for u in qgis_proxy] == ["/ok", "/busy", "/busy", "/missing"]


def test_fetch_algorithm_hands_the_downloader_qgis_network_and_a_profile_cache(loaded_plugin, qgis_proxy,
                                                                              tmp_path) -> None:
    from qgis.core import QgsApplication, QgsProcessingException

    algorithm = QgsApplication.processingRegistry().createAlgorithmById("smr_siting:fetchlayers")
    default_cache = Path(algorithm.parameterDefinition("CACHE").defaultValue())
    assert default_cache == Path(QgsApplication.qgisSettingsDirPath()) / "smr_siting" / "cache"
    services = ";".join(f"{slot}={NOWHERE}/missing" for slot in ("provinces", "municipalities", "natura2000"))
    params = {"REGION": "Ede", "LAYERS": ["natura2000"], "CACHE": str(tmp_path / "cache"), "RETRIES": 0,
              "SERVICES": services}
    with pytest.raises(QgsProcessingException) as failed:
        algorithm.processAlgorithm(params, QgsProcessingContext(), QgsProcessingFeedback())
    assert "--" not in str(failed.value), str(failed.value)
    assert any(urlsplit(u).path.startswith("/missing") for u in qgis_proxy), (str(failed.value), qgis_proxy)
