"""The downloader against hostile servers on 127.0.0.1, each started by its test and bounded in
time and requests: next links to other origins and schemes, endless paging, oversized pages and
layers, a server that sends one byte per second, signals during a download, a huge page.

Each case failed on 96ade62 (the branch point): the other port's and the local file's features
were stored with exit 0; the endless chain ran to 20,000 pages; no byte limit; the 1-byte-per-second
server kept it reading past the time-out; SIGTERM and the first Ctrl-C were ignored while a request
ran; a page was read whole into memory (json.loads) and kept as a list.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import pytest
from shapely.geometry import box

from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.fetch import FetchError, FetchOptions, Http, LayerFetcher, service_spec
from smr_siting.core.model.progress import RunContext

ROOT = Path(__file__).resolve().parents[1]
BOX = (150000.0, 440000.0, 175000.0, 476000.0)
POINT = {"type": "Feature", "properties": {"naam": "x"}, "geometry": {"type": "Point", "coordinates": [160000, 450000]}}


class Hostile:
    """A server whose answers a test writes: handler(path_with_query, server) -> (status, headers, body | iterator)."""

    def __init__(self, handler: Callable[[str, Hostile], tuple[int, dict, Any]], max_requests: int = 500,
                 lifetime_s: float = 60.0) -> None:
        self.handler = handler
        self.paths: list[str] = []
        self.max_requests = max_requests
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hostile.paths.append(self.path)
                if len(hostile.paths) > hostile.max_requests:
                    self.send_response(503)
                    self.end_headers()
                    return
                status, headers, body = hostile.handler(self.path, hostile)
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    if isinstance(body, bytes):
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    else:
                        self.end_headers()
                        for chunk in body:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.timer = threading.Timer(lifetime_s, self.close)
        self.timer.daemon = True
        self.timer.start()

    def close(self) -> None:
        self.timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Hostile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _page(features: list[dict], next_href: str | None = None) -> tuple[int, dict, bytes]:
    links = [{"rel": "next", "href": next_href, "type": "application/geo+json"}] if next_href else []
    body = json.dumps({"type": "FeatureCollection", "links": links, "features": features}).encode()
    return 200, {"Content-Type": "application/geo+json", "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/28992>"}, \
        body


def _ogc(items: Callable[[str, Hostile], tuple[int, dict, Any]]) -> Callable[[str, Hostile], tuple[int, dict, Any]]:
    def handle(path: str, server: Hostile) -> tuple[int, dict, Any]:
        if path.split("?")[0].endswith("/collections/natura2000"):
            return 200, {"Content-Type": "application/json"}, b'{"id": "natura2000"}'
        return items(path, server)

    return handle


def _fetch(url: str, cache: Path, **options: Any):
    values = {"timeout_s": 5.0, "retries": 0, "backoff_s": 0.01}
    values.update(options)
    opts = FetchOptions(**values)
    ctx = RunContext()
    spec = service_spec(load_catalogue()["natura2000"], url)
    return LayerFetcher(spec, cache, BOX, opts, ctx, Http(opts, ctx)).run()


def test_a_next_link_to_another_port_is_refused_and_never_asked(tmp_path) -> None:
    with Hostile(_ogc(lambda p, s: _page([POINT]))) as other:
        def items(path: str, server: Hostile) -> tuple[int, dict, Any]:
            return _page([POINT], f"{other.url}/collections/natura2000/items?cursor=x")

        with Hostile(_ogc(items)) as first:
            with pytest.raises(FetchError) as raised:
                _fetch(first.url, tmp_path)
        assert other.paths == []  # the other origin was never asked
    message = str(raised.value)
    assert "next link points to another origin" in message and "refusing to follow it" in message
    assert not (tmp_path / "cache_natura2000.gpkg").exists()


def test_a_file_link_is_refused(tmp_path) -> None:
    secret = tmp_path / "local.geojson"
    secret.write_text(json.dumps({"type": "FeatureCollection", "features": [POINT]}), encoding="utf-8")
    with Hostile(_ogc(lambda p, s: _page([POINT], secret.as_uri()))) as server:
        with pytest.raises(FetchError, match="another origin"):
            _fetch(server.url, tmp_path / "cache")
    assert not (tmp_path / "cache" / "cache_natura2000.gpkg").exists()


def test_https_never_goes_back_to_http_and_redirects_stay_home(tmp_path) -> None:
    from smr_siting.core.fetch import may_redirect, same_origin

    assert not same_origin("https://api.pdok.nl/a", "http://api.pdok.nl/b")
    assert not may_redirect("https://api.pdok.nl/a", "http://api.pdok.nl/b")
    assert may_redirect("http://api.pdok.nl/a", "https://api.pdok.nl/b")
    with Hostile(_ogc(lambda p, s: _page([POINT]))) as other:
        def items(path: str, server: Hostile) -> tuple[int, dict, Any]:
            return 302, {"Location": f"{other.url}/collections/natura2000/items"}, b""

        with Hostile(_ogc(items)) as first:
            with pytest.raises(FetchError, match="redirects to .* another origin; not followed"):
                _fetch(first.url, tmp_path)
        assert other.paths == []


def test_an_endless_chain_of_next_links_stops_at_the_page_bound(tmp_path) -> None:
    def items(path: str, server: Hostile) -> tuple[int, dict, Any]:
        return _page([POINT], f"{server.url}/collections/natura2000/items?cursor={len(server.paths)}")

    with Hostile(_ogc(items), max_requests=200) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="more than 30 pages"):
            _fetch(server.url, tmp_path, max_pages=30)
        assert len(server.paths) == 31 and time.monotonic() - started < 30  # the probe + 30 pages


def test_bytes_per_page_and_per_layer_are_bounded(tmp_path) -> None:
    big = [dict(POINT, properties={"naam": "x" * 1000, "i": i}) for i in range(300)]  # ~330 kB a page

    def items(path: str, server: Hostile) -> tuple[int, dict, Any]:
        return _page(big, f"{server.url}/collections/natura2000/items?cursor={len(server.paths)}")

    with Hostile(_ogc(items)) as server:
        with pytest.raises(FetchError, match="longer than the limit of 100,000 bytes|announces"):
            _fetch(server.url, tmp_path / "a", max_page_bytes=100_000)
        with pytest.raises(FetchError, match="more than 1,000,000 bytes"):
            _fetch(server.url, tmp_path / "b", max_layer_bytes=1_000_000)
        assert len(server.paths) < 10


def _trickle(path: str, server: Hostile) -> tuple[int, dict, Any]:
    if path.split("?")[0].endswith("/collections/natura2000"):
        return 200, {"Content-Type": "application/json"}, b'{"id": "natura2000"}'

    def slowly():
        body = json.dumps({"type": "FeatureCollection", "features": [POINT] * 50}).encode()
        for byte in body[:120]:
            yield bytes([byte])
            time.sleep(1.0)

    return 200, {"Content-Type": "application/geo+json", "Content-Length": "99999"}, slowly()


def test_a_one_byte_per_second_server_does_not_keep_it_past_the_timeout(tmp_path) -> None:
    with Hostile(_trickle) as server:
        started = time.monotonic()
        with pytest.raises(FetchError) as raised:
            _fetch(server.url, tmp_path, timeout_s=2.0)
        elapsed = time.monotonic() - started
    assert elapsed < 4.0, elapsed  # the probe answers at once, the page is cut at its 2 s deadline
    assert "no complete answer within 2 s" in str(raised.value)


def _region(tmp_path: Path) -> Path:
    path = tmp_path / "region.gpkg"
    gpd.GeoDataFrame({"name": ["r"]}, geometry=[box(160000, 445000, 165000, 450000)], crs=28992).to_file(
        path, driver="GPKG")
    return path


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_fetch_ends_within_2_s_of_the_first_signal_and_leaves_nothing(signum, code, tmp_path) -> None:
    region = _region(tmp_path)
    cache = tmp_path / "cache"
    with Hostile(_trickle) as server:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        process = subprocess.Popen(
            [sys.executable, "-m", "smr_siting", "fetch", "--region", str(region), "--layers", "natura2000",
             "--cache", str(cache), "--base-url-override", f"natura2000={server.url}", "--timeout", "60",
             "--retries", "0", "--quiet"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            deadline = time.monotonic() + 60
            while len(server.paths) < 2 and time.monotonic() < deadline:  # the page is being read
                time.sleep(0.05)
            assert len(server.paths) >= 2, process.stderr.read() if process.poll() is not None else "no request"
            time.sleep(0.3)
            sent = time.monotonic()
            process.send_signal(signum)
            _out, err = process.communicate(timeout=20)
            elapsed = time.monotonic() - sent
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == code, err
    assert elapsed < 2.0, elapsed
    assert "cancelled" in err and "Traceback" not in err
    leftovers = sorted(p.name for p in cache.rglob("*")) if cache.exists() else []
    assert leftovers == [], leftovers


def test_a_huge_page_is_parsed_in_bounded_memory(tmp_path) -> None:
    """A single page of 40,000 small features (~4.4 MB) fetched in a child process: the Python memory
    the whole fetch takes at its peak (tracemalloc; bounded by the GeoPackage write batch, not by the
    page) stays far below what the same page takes parsed whole with json.loads, as 96ade62 did
    (it then also kept every feature's shapely geometry)."""
    page = tmp_path / "page.json"
    with open(page, "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [')
        for i in range(40_000):
            out.write(("," if i else "") + '{"type": "Feature", "properties": {"i": %d}, "geometry": {"type": '
                      '"Point", "coordinates": [%d.5, 450000.5]}}' % (i, 150000 + i % 20000))
        out.write("]}")
    script = tmp_path / "run.py"
    script.write_text(f"""
import json, resource, sys, threading, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.fetch import FetchOptions, Http, LayerFetcher, service_spec
from smr_siting.core.model.progress import RunContext
import shapely.geometry, fiona, pyproj, geopandas  # loaded before the baseline
page = Path({str(page)!r})
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        small = self.path.split("?")[0].endswith("/natura2000")
        self.send_response(200); self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/28992>")
        small_body = b'{{"id": "natura2000"}}'
        self.send_header("Content-Length", str(len(small_body) if small else page.stat().st_size)); self.end_headers()
        if small:
            self.wfile.write(small_body)
            return
        with open(page, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                self.wfile.write(chunk)
    def log_message(self, *a): pass
httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d" % httpd.server_address[1]
opts = FetchOptions(timeout_s=120, retries=0)
ctx = RunContext()
spec = service_spec(load_catalogue()["natura2000"], url)
import tracemalloc
tracemalloc.start()
started = time.monotonic()
report = LayerFetcher(spec, Path({str(tmp_path / "cache")!r}), None, opts, ctx, Http(opts, ctx)).run()
current, peak = tracemalloc.get_traced_memory()
seconds = time.monotonic() - started
tracemalloc.reset_peak()
whole = json.loads(page.read_text(encoding="utf-8"))
whole_peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({{"features": report.features, "traced_peak_mib": round(peak / 2**20, 2),
                   "json_loads_peak_mib": round(whole_peak / 2**20, 2), "seconds": seconds}}))
httpd.shutdown()
""", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["page_mib"] = round(page.stat().st_size / 2**20, 1)
    print("huge page:", result)
    assert result["features"] == 40_000
    assert result["traced_peak_mib"] < result["json_loads_peak_mib"] / 4, result


@pytest.mark.parametrize("order", ["links first", "features first"])
def test_the_streaming_reader_gives_what_json_loads_gives(order, tmp_path) -> None:
    """Members in either order, multi-byte text across window edges, a feature larger than the
    64 KiB window, numbers at a window's edge, an empty properties object."""
    from smr_siting.core.fetch import JsonStream

    features = [{"type": "Feature", "id": i, "properties": {"naam": "Fryslân ĳ 🌍" * (i % 7), "v": i / 3,
                                                             "n": None, "ok": i % 2 == 0},
                 "geometry": {"type": "Point", "coordinates": [150000.125 + i, 450000.5]}} for i in range(3000)]
    features.insert(1500, {"type": "Feature", "properties": {},
                           "geometry": {"type": "LineString",
                                        "coordinates": [[150000 + k * 0.5, 450000 + k] for k in range(12000)]}})
    members = {"type": "FeatureCollection", "links": [{"rel": "next", "href": "http://x/?cursor=ä"}],
               "numberReturned": len(features)}
    data = dict(members, features=features) if order == "links first" else dict(features=features, **members)
    path = tmp_path / "page.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1 if order == "features first" else None),
                    encoding="utf-8")
    stream = JsonStream(path)
    assert list(stream.features()) == json.loads(path.read_text(encoding="utf-8"))["features"]
    assert stream.meta["links"] == members["links"] and stream.meta["numberReturned"] == 3001
