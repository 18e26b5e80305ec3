"""The downloader against a replay server that behaves like PDOK (tests/replay_server.py).

Recorded real bodies (tests/fixtures/replay/PROVENANCE.md): the BBG 2017 WFS GetCapabilities
(CountDefault 10), GoKoala's items pages with cursor links and its empty page.  The behaviours the
replay reproduces — page cap whatever COUNT asks, running-total numberMatched, CountDefault,
cursor links, HTTP 400 on unknown parameters, 404 on old paths — each have a test here.  Features
not recorded come from real geometry of ../shared/data/nl (tests/replay_world.py says which
attributes are made up).

Defect tests (they fail on 96ade62, the branch point): the 2,500-feature WFS layer with a 1,000
cap stopped after page 1 (1,000 features, "complete"); the BBG layer with CountDefault 10 after
page 1 (10 features).
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import fiona
import pytest
from replay_server import OgcService, RecordedOgcService, ReplayServer, WfsService
from replay_world import EDE, build, mount_catalogue

from smr_siting.cli import fetch as cli_fetch
from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.data.provenance import read_provenance, read_requests
from smr_siting.core.fetch import FetchError, FetchOptions, Http, LayerFetcher, fetchable_ids, service_spec
from smr_siting.core.model.progress import RunContext

BOX = (EDE[0] - 20000, EDE[1] - 20000, EDE[0] + 20000, EDE[1] + 20000)


@pytest.fixture(scope="module")
def world(shared_data: Path) -> dict[str, list[dict]]:
    return build(shared_data)


@pytest.fixture()
def replay():
    with ReplayServer(max_requests=5000, lifetime_s=120) as running:
        yield running


def _options(**changes: Any) -> FetchOptions:
    values = {"timeout_s": 5.0, "retries": 1, "backoff_s": 0.01, "max_backoff_s": 0.05}
    values.update(changes)
    return FetchOptions(**values)


def fetch(layer_id: str, cache: Path, replay: ReplayServer, bbox: Any = BOX, override: str | None = None,
          spec_changes: dict | None = None, ctx: RunContext | None = None, **options: Any):
    spec = service_spec(load_catalogue()[layer_id], override, None if override else replay.url)
    if spec_changes:
        spec = dataclasses.replace(spec, **spec_changes)
    ctx = ctx or RunContext()
    opts = _options(**options)
    return LayerFetcher(spec, cache, bbox, opts, ctx, Http(opts, ctx)).run()


def _rows(path: Path, layer: str) -> list[dict]:
    with fiona.open(path, layer=layer) as source:
        return [dict(f["properties"]) for f in source]


# --------------------------------------------------------------------------- WFS (PDOK MapServer)


def test_a_2500_feature_wfs_layer_with_a_1000_cap_arrives_whole(world, replay, tmp_path) -> None:
    services = mount_catalogue(replay, world)
    wfs: WfsService = services["population_grid_100m"]
    report = fetch("population_grid_100m", tmp_path, replay)
    assert report.status == "fetched" and report.features == 2500
    pages = [q for p, q, _s in replay.requests("vierkantstatistieken100m") if q.get("request") == "GetFeature"
             and q.get("resultType") != "hits"]
    assert [int(q["startIndex"]) for q in pages] == [0, 1000, 2000, 2500]  # stepped by what came, up to an empty page
    assert all("sortBy" in q for q in pages)  # stable pages (PagingIsTransactionSafe FALSE)
    assert wfs.pages == 4
    row = read_provenance(tmp_path / "cache_population_grid_100m.gpkg")[0]
    assert row["query"]["total_hits"] == 2500 and row["pages"] == 4
    codes = {r["crs28992res100m"] for r in _rows(tmp_path / "cache_population_grid_100m.gpkg", "population_grid_100m")}
    assert len(codes) == 2500  # no duplicates, nothing lost


def test_the_running_total_numberMatched_of_a_page_is_not_trusted(world, replay, tmp_path) -> None:  # noqa: N802
    mount_catalogue(replay, world)
    fetch("population_grid_100m", tmp_path, replay)
    first = replay.requests("vierkantstatistieken100m")
    assert any(q.get("resultType") == "hits" for _p, q, _s in first)  # the total comes from resultType=hits
    # the replayed page 1 says numberMatched=1000 (a running total); the fetcher went on to 2,500
    assert read_provenance(tmp_path / "cache_population_grid_100m.gpkg")[0]["features"] == 2500


def test_a_25_feature_bbg_layer_with_count_default_10_arrives_whole(world, replay, tmp_path) -> None:
    mount_catalogue(replay, world)
    report = fetch("built_up_areas", tmp_path, replay)
    pages = [q for p, q, _s in replay.requests("bestand-bodemgebruik-2017") if q.get("request") == "GetFeature"
             and q.get("resultType") != "hits"]
    assert [q["count"] for q in pages] == ["10"] * 4  # the page size read from the recorded capabilities
    assert [int(q["startIndex"]) for q in pages] == [0, 10, 20, 25]
    requests = read_requests(tmp_path / "cache_built_up_areas.gpkg")
    assert sum(r["features_received"] for r in requests) == 25
    kept = _rows(tmp_path / "cache_built_up_areas.gpkg", "built_up_areas")
    assert report.features == len(kept) == 20  # the four built-up categorie labels; Bedrijfsterrein left out
    assert {r["categorie"] for r in kept} == {"Woongebied", "Detailhandel en horeca", "Openbare voorziening",
                                              "Sociaal-culturele voorziening"}
    notes = read_provenance(tmp_path / "cache_built_up_areas.gpkg")[0]["notes"]
    assert any("at most 10 features per page (CountDefault)" in n for n in notes)


def test_the_page_cap_holds_whatever_count_asks(world, replay, tmp_path) -> None:
    """COUNT=1000 asked, 10 served: the replay's cap (like wfs_maxfeatures) and a fetcher that copes."""
    services = mount_catalogue(replay, world)
    services["built_up_areas"].capabilities = services["built_up_areas"].capabilities.replace(
        "<ows:DefaultValue>10</ows:DefaultValue>", "<ows:DefaultValue>1000</ows:DefaultValue>")
    services["built_up_areas"].count_default = 10
    report = fetch("built_up_areas", tmp_path, replay)
    pages = [q for p, q, _s in replay.requests("bestand-bodemgebruik-2017") if q.get("request") == "GetFeature"
             and q.get("resultType") != "hits"]
    assert pages[0]["count"] == "1000" and len(pages) == 4 and report.features == 20


def test_an_interrupted_paged_fetch_resumes_and_ends_complete(world, replay, tmp_path) -> None:
    services = mount_catalogue(replay, world)
    wfs: WfsService = services["population_grid_100m"]
    original = wfs.handle
    broken = {"on": True}

    def failing(server, path, query):
        if broken["on"] and query.get("startIndex") == "2000":
            from replay_server import Reply

            return Reply(503, {"Content-Type": "text/plain"}, b"busy")
        return original(server, path, query)

    wfs.handle = failing  # type: ignore[method-assign]
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch("population_grid_100m", tmp_path, replay)
    assert not (tmp_path / "cache_population_grid_100m.gpkg").exists()
    state = json.loads((tmp_path / ".partial" / "population_grid_100m" / "state.json").read_text(encoding="utf-8"))
    assert len(state["pages"]) == 2
    broken["on"] = False
    before = len(replay.log)
    report = fetch("population_grid_100m", tmp_path, replay)
    assert report.features == 2500 and report.pages == 4
    again = [q.get("startIndex") for _p, q, _s in replay.log[before:]]
    assert "0" not in again and "1000" not in again  # pages 1 and 2 were not asked again
    assert any("resumed an interrupted download after page 2" in n
               for n in read_provenance(tmp_path / "cache_population_grid_100m.gpkg")[0]["notes"])
    assert not (tmp_path / ".partial").exists()


def test_a_wfs_that_ignores_startindex_is_caught_by_the_hits_total(world, replay, tmp_path) -> None:
    services = mount_catalogue(replay, world)
    wfs: WfsService = services["population_grid_100m"]
    original = wfs.handle
    wfs.handle = lambda server, path, query: original(server, path, {k: v for k, v in query.items()  # type: ignore
                                                                     if k != "startIndex"})
    with pytest.raises(FetchError, match=r"more features \(4,000\) than resultType=hits announced \(2,500\)"):
        fetch("population_grid_100m", tmp_path, replay)
    assert len([q for _p, q, _s in replay.log if "startIndex" in q]) == 4


def test_a_sortby_the_wfs_refuses_is_dropped_with_a_note(world, replay, tmp_path) -> None:
    mount_catalogue(replay, world)
    report = fetch("population_grid_100m", tmp_path, replay, spec_changes={"sort_by": "no_such_field"})
    assert report.features == 2500
    notes = read_provenance(tmp_path / "cache_population_grid_100m.gpkg")[0]["notes"]
    assert any("refused sortBy=no_such_field" in n and "paged unsorted" in n for n in notes)


# --------------------------------------------------------------------------- OGC API (GoKoala)


def test_a_3_page_ogc_api_layer_arrives_whole(world, replay, tmp_path) -> None:
    services = mount_catalogue(replay, world)
    ogc: OgcService = services["surface_water"]
    expected = len([f for f in world["surface_water"]])
    ogc.max_limit = -(-expected // 3)  # three pages
    report = fetch("surface_water", tmp_path, replay, bbox=None, spec_changes={"national": True})
    items = [q for p, q, s in replay.requests("/items")]
    assert len(items) == 3 and report.pages == 3 and report.features == expected
    assert "cursor" not in items[0] and all("cursor" in q for q in items[1:])
    assert all(s == 200 for _p, _q, s in replay.requests("/items"))  # no unknown parameter (GoKoala answers 400)


def test_recorded_gokoala_pages_are_read_through_their_cursor_links(replay, tmp_path) -> None:
    url = replay.mount("https://api.pdok.nl/lv/bag/ogc/v1", RecordedOgcService())
    report = fetch("natura2000", tmp_path, replay, bbox=None, override=url,
                   spec_changes={"collection": "foo", "national": True})
    # recorded: page 1 (limit=2) → its next cursor → page 2 → its next cursor → the recorded empty page
    assert report.pages == 3 and report.features == 4
    cursors = [q.get("cursor") for _p, q, _s in replay.requests("/items")]
    assert cursors == [None, "Dv4|Nwyr1Q", "DwA|Nwyr1Q"]
    rows = read_provenance(tmp_path / "cache_natura2000.gpkg")[0]
    assert "OGC:CRS84 (Content-Crs)" in rows["crs_received"]
    import geopandas as gpd

    written = gpd.read_file(tmp_path / "cache_natura2000.gpkg", layer="natura2000")
    xs, ys = written.geometry.x, written.geometry.y  # the recorded Amsterdam moorings, now in RD metres
    assert xs.between(119000, 124000).all() and ys.between(485000, 490000).all()
    assert set(written["straatnaam"]) >= {"Van Diemenkade", "Realengracht"}


def test_gokoala_answers_400_to_an_unknown_parameter_and_the_message_says_which(world, replay, tmp_path) -> None:
    mount_catalogue(replay, world)
    with pytest.raises(FetchError) as raised:
        fetch("surface_water", tmp_path, replay, spec_changes={"params": {"sortby": "naam"}})
    message = str(raised.value)
    assert "HTTP 400" in message and "unknown query parameter(s) found: sortby" in message


def test_old_paths_answer_404_and_the_known_variant_is_tried(world, replay, tmp_path) -> None:
    mount_catalogue(replay, world, skip=("surface_water",))
    service = OgcService({"waterdeel_vlak": world["surface_water"]})
    replay.mount("https://api.pdok.nl/brt/top10nl/ogc/v1", service)  # only the older spelling answers
    report = fetch("surface_water", tmp_path, replay, bbox=None, spec_changes={"national": True})
    assert report.features == len(world["surface_water"])
    asked = [p for p, _q, _s in replay.log if "top10nl" in p]
    assert asked[0].startswith("/api.pdok.nl/kadaster/brt-top10nl/") and asked[1].startswith("/api.pdok.nl/brt/")
    row = read_provenance(tmp_path / "cache_surface_water.gpkg")[0]
    assert row["service_url"].endswith("/api.pdok.nl/brt/top10nl/ogc/v1")
    assert any("answered 404; the service was found at" in n for n in row["notes"])


def test_a_404_on_every_path_names_the_entry_and_every_url_tried(world, replay, tmp_path) -> None:
    mount_catalogue(replay, world, skip=("surface_water",))
    with pytest.raises(FetchError) as raised:
        fetch("surface_water", tmp_path, replay)
    message = str(raised.value)
    assert message.startswith("layer 'surface_water': every known address answered 404")
    assert "/api.pdok.nl/brt/top10nl/ogc/v1/collections/waterdeel_vlak" in message
    assert "/api.pdok.nl/kadaster/brt-top10nl/ogc/v1/collections/waterdeel_vlak" in message
    assert "--base-url-override surface_water=URL" in message


def test_z_and_m_coordinates_are_forced_to_2d(world, replay, tmp_path) -> None:
    def lifted(feature: dict) -> dict:  # real sites, given a Z as the Natura 2000 GeoPackage has
        def z(coords: Any) -> Any:
            return [z(c) for c in coords] if isinstance(coords[0], list) else [coords[0], coords[1], 7.5]

        return dict(feature, geometry={"type": feature["geometry"]["type"],
                                       "coordinates": z(feature["geometry"]["coordinates"])})

    service = OgcService({"natura2000": [lifted(f) for f in world["natura2000"][:6]]})
    replay.mount("https://api.pdok.nl/rvo/natura2000/ogc/v1", service)
    report = fetch("natura2000", tmp_path, replay, bbox=None, spec_changes={"national": True})
    assert report.features == 6
    with fiona.open(tmp_path / "cache_natura2000.gpkg", layer="natura2000") as source:
        assert source.schema["geometry"] in ("MultiPolygon", "Polygon")  # not '3D MultiPolygon'
        assert all(len(f["geometry"]["coordinates"][0][0][0]) == 2 for f in source)
    notes = read_provenance(tmp_path / "cache_natura2000.gpkg")[0]["notes"]
    assert any("6 feature(s) came with Z (or M) coordinates; stored in 2D" in n for n in notes)


def test_a_box_fetched_layer_with_zero_features_is_reported(world, replay, tmp_path) -> None:
    mount_catalogue(replay, world)
    far = (10000.0, 300000.0, 20000.0, 310000.0)  # nothing of the seveso replay lies there
    out, err = io.StringIO(), io.StringIO()
    report = fetch("seveso_installations", tmp_path, replay, bbox=far)
    assert report.empty and report.features == 0
    assert any("NO FEATURES in the requested box" in n for n in report.notes)
    # and on the command line: a warning line, not a silent "complete"
    args = _parse("--region", str(_region_file(tmp_path)), "--layers", "seveso_installations", "--cache",
                  str(tmp_path / "cli"), "--mirror", replay.url, "--margin", "0", "--retries", "0")
    code = cli_fetch.run(args, out, err)
    assert code == 0
    assert "smr-siting: warning: seveso_installations: the service has NO features" in err.getvalue()


def _region_file(tmp_path: Path) -> Path:
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "far.gpkg"
    if not path.exists():
        gpd.GeoDataFrame({"name": ["far"]}, geometry=[box(12000, 302000, 18000, 308000)], crs=28992).to_file(
            path, driver="GPKG")
    return path


# --------------------------------------------------------------------------- fetch --check


def _parse(*argv: str):
    import argparse

    parser = argparse.ArgumentParser(prog="smr-siting")
    sub = parser.add_subparsers(dest="command")
    cli_fetch.add_parser(sub)
    return parser.parse_args(["fetch", *argv])


def _check(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_fetch.run(_parse("--check", "--retries", "0", "--timeout", "5", *argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_fetch_check_against_the_replay_server_reports_no_mismatch(world, replay) -> None:
    mount_catalogue(replay, world)
    code, out, err = _check("--mirror", replay.url)
    assert code == 0, err
    ids = fetchable_ids(load_catalogue())
    assert out.strip().splitlines()[-1] == f"{len(ids)} catalogue entr(ies) checked, 0 mismatch(es)"
    for layer_id in ids:
        line = next(line for line in out.splitlines() if line.startswith(layer_id + " "))
        assert " ok " in line and "reachable" in line, line
    bbg = next(line for line in out.splitlines() if line.startswith("built_up_areas "))
    assert "page cap: CountDefault 10" in bbg and "attributes present" in bbg
    assert err == ""


def test_fetch_check_names_a_moved_entry_and_exits_non_zero(world, replay) -> None:
    mount_catalogue(replay, world, skip=("population_centre_areas",))
    replay.mount("https://service.pdok.nl/cbs/bevolkingskernen/2021/wfs/v1_0",  # moved away from the catalogue's
                 WfsService("bevolkingskernen:bevolkingskernen", world["population_centre_areas"]))
    code, out, err = _check("--mirror", replay.url)
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smr-siting: mismatch: population_centre_areas: ")
    assert "every known address answers 404" in lines[0] and "bevolkingskernen-2021" in lines[0]
    assert out.strip().splitlines()[-1].endswith("1 mismatch(es)")


def test_fetch_check_names_missing_attributes(world, replay) -> None:
    world = dict(world)
    world["bbg"] = [dict(f, properties={k: v for k, v in f["properties"].items() if k != "categorie"})
                    for f in world["bbg"]]
    mount_catalogue(replay, world)
    code, _out, err = _check("--mirror", replay.url, "--layers", "built_up_areas,natura2000")
    assert code == 3
    assert err.strip() == ("smr-siting: mismatch: built_up_areas: attribute(s) categorie not in the service's "
                           "features (they have bg2017, bodemgebruik)")


def test_fetch_check_without_a_network_prints_one_line_and_exits_2() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = _check("--mirror", f"http://127.0.0.1:{port}", "--timeout", "2")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smr-siting: error: no service of the catalogue can be reached")


# --------------------------------------------------------------------------- region names


@pytest.mark.parametrize("spelling, name, code", [
    ("Friesland", "Fryslân", "PV21"), ("Fryslân", "Fryslân", "PV21"), ("provincie fryslan", "Fryslân", "PV21"),
    ("Zuidwest-Friesland", "Súdwest-Fryslân", "GM1900"), ("Noord Holland", "Noord-Holland", "PV27"),
    ("Bergen NH", "Bergen (NH.)", "GM0373"), ("Den Haag", "'s-Gravenhage", "GM0518")])
def test_official_and_other_spellings_name_the_same_region(spelling, name, code, shared_data) -> None:
    from smr_siting.core.data.layers import LayerStore
    from smr_siting.core.data.region import resolve_region

    region = resolve_region(spelling, LayerStore(load_catalogue(), shared_data, {}))
    assert (region.name, region.code) == (name, code)


def test_fetch_region_friesland_on_boundaries_fetched_from_the_replay(world, replay, tmp_path) -> None:
    mount_catalogue(replay, world)
    cache = tmp_path / "cache"
    out, err = io.StringIO(), io.StringIO()
    code = cli_fetch.run(_parse("--region", "Friesland", "--layers", "natura2000", "--cache", str(cache),
                                "--mirror", replay.url, "--retries", "0"), out, err)
    assert code == 0, err.getvalue()
    assert "Fryslân: 3 layer(s)" in out.getvalue()
    statcodes = {r["statcode"] for r in _rows(cache / "cache_municipalities.gpkg", "municipalities")}
    assert "GM1900" in statcodes  # BRK's identificatie, not its bare code '1900'
    out, err = io.StringIO(), io.StringIO()
    code = cli_fetch.run(_parse("--region", "Fryslân", "--layers", "natura2000", "--cache", str(cache), "--offline"),
                         out, err)
    assert code == 0 and "natura2000" in out.getvalue(), err.getvalue()


@pytest.mark.qgis
def test_processing_check_option_reports_per_entry_and_fails_on_a_mismatch(world, replay, tmp_path, qgis_app) -> None:
    pytest.importorskip("qgis.core")
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

    from smr_siting.processing.fetch_algorithm import FetchLayersAlgorithm

    class Feedback(QgsProcessingFeedback):
        def __init__(self) -> None:
            super().__init__()
            self.lines: list[str] = []

        def pushInfo(self, info: str) -> None:  # noqa: N802 - QGIS's name
            self.lines.append(info)

        def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803
            self.lines.append("ERROR " + error)

    mount_catalogue(replay, world, skip=("surface_water",))
    algorithm = FetchLayersAlgorithm()
    algorithm.initAlgorithm()
    assert {"CHECK", "MIRROR"} <= {p.name() for p in algorithm.parameterDefinitions()}
    params = {"REGION": "", "LAYERS": ["natura2000", "built_up_areas"], "CHECK": True, "MIRROR": replay.url,
              "CACHE": str(tmp_path / "c"), "RETRIES": 0, "TIMEOUT": 5}
    feedback = Feedback()
    algorithm.processAlgorithm(params, QgsProcessingContext(), feedback)
    assert any(line.startswith("natura2000: ok") for line in feedback.lines)
    assert any(line.startswith("built_up_areas: ok") and "CountDefault 10" in line for line in feedback.lines)
    feedback = Feedback()
    with pytest.raises(QgsProcessingException, match="1 mismatch.*surface_water"):
        algorithm.processAlgorithm({**params, "LAYERS": ["natura2000", "surface_water"]}, QgsProcessingContext(),
                                   feedback)
    assert any(line.startswith("ERROR surface_water: every known address answers 404") for line in feedback.lines)


def test_fetch_check_of_the_real_catalogue_offline_says_so_in_one_line() -> None:
    import socket
    import time

    try:
        socket.getaddrinfo("service.pdok.nl", 443)
    except OSError:
        pass
    else:
        pytest.skip("this machine resolves service.pdok.nl: it has a network, the offline case cannot be shown")
    started = time.monotonic()
    code, out, err = _check("--timeout", "3")
    assert code == 2 and out == "" and time.monotonic() - started < 30
    assert err.count("\n") == 1 and "no service of the catalogue can be reached" in err


def test_recorded_gokoala_3d_page_is_read_feature_by_feature_and_flattened() -> None:
    """GoKoala's recorded 3D page (two LineStrings with Z), through the streaming reader and the
    reshaper: every coordinate comes out 2D (the page lies at 0..3 degrees, so no CRS step here)."""
    from replay_server import FIXTURES

    from smr_siting.core.fetch import JsonStream, PageStats, Reshaper

    stream = JsonStream(FIXTURES / "gokoala" / "expected_features_3d_geoms.json")
    features = list(stream.features())
    assert stream.meta["numberReturned"] == 2 and [link["rel"] for link in stream.meta["links"]][0] == "self"
    reshaper = Reshaper(service_spec(load_catalogue()["natura2000"], "http://127.0.0.1:1"), None)
    stats = PageStats()
    rows = [reshaper.one(f, None, stats) for f in features]
    assert stats.flattened == 2 and stats.kept == 2
    assert [r["geometry"]["coordinates"] for r in rows] == [((0.0, 0.0), (1.0, 1.0)), ((2.0, 2.0), (3.0, 3.0))]
    assert [r["properties"]["feature_id"] for r in rows] == ["1", "2"]
