"""The engine's GDAL route (smr_siting.core.data.ogrio): reading through OGR and burning through GDALRasterizeLayer
must give exactly what geopandas (fiona / pyogrio) and rasterio give — the same features, attributes and
geometries, the same validity verdicts, the same cells — on the real Dutch layers, on random geometry, and for a
whole screening.  ``SMR_SITING_GDAL_BACKEND=geopandas`` switches the route off (the reference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engine_helpers import REPO, grids, polygons, real_data, write_layer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasterio import features
from shapely.geometry import LineString, Polygon

from smr_siting.core.data import ogrio, vectorio
from smr_siting.core.data.geometry import buffered, burn, burn_values
from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
from smr_siting.core.model.grid import Grid

pytestmark = pytest.mark.skipif(ogrio.gdal is None, reason="GDAL's Python binding (osgeo) is not installed")

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: the read box of a Gelderland screening at 25 m (EPSG:28992)
GELDERLAND_READ = (102000.0, 390200.0, 280250.0, 529850.0)
GELDERLAND_GRID = Grid(114950.0, 516900.0, 25.0, 6094, 4550)


def _vector_files() -> list[tuple[Path, str]]:
    folders = [real_data(), REPO / "demo" / "data"]
    files = [p for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.gpkg"))]
    files += sorted((REPO / "layers").rglob("*.gpkg"))
    return [(path, layer) for path in files for layer in vectorio.list_layers(path)]


def _both(monkeypatch, function, *args):
    monkeypatch.setenv(ogrio.BACKEND_ENV, "osgeo")
    ours = function(*args)
    monkeypatch.setenv(ogrio.BACKEND_ENV, "geopandas")
    reference = function(*args)
    monkeypatch.delenv(ogrio.BACKEND_ENV)
    return ours, reference


def test_every_real_layer_reads_the_same_through_ogr(monkeypatch):
    """Layer metadata, the features a box selects, their order, attributes (values and dtypes) and geometry
    bytes: identical to geopandas.read_file, for every layer of the real data, the demo pack and layers/."""
    layers = _vector_files()
    assert len(layers) >= 15
    for path, layer in layers:
        ours, reference = _both(monkeypatch, vectorio.vector_info, path, layer, "test")
        assert (ours.crs, ours.count, ours.bounds) == (reference.crs, reference.count, reference.bounds), path
        for box in (GELDERLAND_READ, None):
            a, b = _both(monkeypatch, vectorio.read_vector, ours, box, "test")
            assert list(a.columns) == list(b.columns) and len(a) == len(b), (path, layer)
            _same_attributes(a.drop(columns="geometry"), b.drop(columns="geometry"), (path, layer))
            assert [g.wkb if g is not None else None for g in a.geometry] == \
                   [g.wkb if g is not None else None for g in b.geometry], (path, layer)
            assert a.crs == b.crs


def _same_attributes(ours: pd.DataFrame, reference: pd.DataFrame, where) -> None:
    """geopandas 0.12 reads through fiona: then the frames are identical, dtypes included (the OGR route copies
    fiona's conventions).  geopandas 1.x reads through pyogrio, whose dtypes differ (int32 fields, None in an
    all-null text column): then the same values and the same nulls, column by column."""
    if vectorio._pyogrio is None:
        pd.testing.assert_frame_equal(pd.DataFrame(ours), pd.DataFrame(reference))
        return
    for column in reference.columns:
        left, right = ours[column], reference[column]
        assert left.isna().tolist() == right.isna().tolist(), (where, column)
        assert left[~left.isna()].tolist() == right[~right.isna()].tolist(), (where, column)


def test_validity_is_geos_verdict_as_in_shapely(tmp_path, monkeypatch):
    """The validity flags computed in the reading thread equal shapely's is_valid — on the real Natura 2000
    (split over two threads) and on the classic invalid shapes."""
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    hole_outside = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(20, 20), (22, 20), (22, 22), (20, 22)]])
    spike = Polygon([(0, 0), (10, 0), (10, 10), (10, 20), (10, 10), (0, 10)])
    good = Polygon([(0, 0), (5, 0), (5, 5), (0, 5)])
    path = write_layer(tmp_path / "shapes.gpkg", [bowtie, good, hole_outside, spike, LineString([(0, 0), (1, 1)])])
    read = ogrio.read_features(str(path), "features", None, check_valid=True)
    assert read.valid == [False, True, False, False, True]
    assert read.valid == [g.is_valid for g in vectorio.frame_from_features(
        vectorio.vector_info(path, None, "t"), read).geometry]

    natura = real_data() / "nl_natura2000.gpkg"
    monkeypatch.setattr(ogrio, "SPLIT_BYTES", 1 << 16)  # two threads for sure
    read = ogrio.read_features(str(natura), "natura2000", GELDERLAND_READ, check_valid=True)
    shapely_valid = [g.is_valid for g in vectorio.frame_from_features(
        vectorio.vector_info(natura, None, "t"), read).geometry]
    assert len(read.valid) == 77 and read.valid == shapely_valid


@pytest.mark.parametrize("all_touched", [False, True])
@pytest.mark.parametrize("split", [False, True])
def test_real_layers_burn_to_the_same_cells_as_rasterio(all_touched, split, monkeypatch):
    """Natura 2000 (326,000 vertices, in one burn or split over two threads) and the buffered rivers: the same
    cells through GDALRasterizeLayer as through rasterio.features.rasterize."""
    monkeypatch.setattr(ogrio, "SPLIT_BYTES", 1 << 16 if split else 1 << 40)
    grid = GELDERLAND_GRID
    info = vectorio.vector_info(real_data() / "nl_natura2000.gpkg", None, "t")
    natura = list(vectorio.read_vector(info, GELDERLAND_READ, "t").geometry)
    rivers = vectorio.read_vector(vectorio.vector_info(real_data() / "nl_water_osm.gpkg", "rivers_major_lines", "t"),
                                  GELDERLAND_READ, "t")
    zones = buffered(list(rivers.geometry), [3000.0] * len(rivers), grid)
    for geometries in (natura, zones):
        ours = burn(geometries, grid, all_touched)
        reference = features.rasterize([(g, 1) for g in geometries], out_shape=grid.shape, transform=grid.transform,
                                       all_touched=all_touched, dtype="uint8").astype(bool)
        assert ours.sum() > 100_000 and np.array_equal(ours, reference)


@PROPERTY
@given(data=st.data())
def test_random_geometry_burns_to_the_same_cells_as_rasterio(data):
    grid = data.draw(grids())
    shapes = data.draw(st.lists(polygons(grid), min_size=1, max_size=4))
    all_touched = data.draw(st.booleans())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ogrio, "SPLIT_BYTES", data.draw(st.sampled_from([0, 1 << 40])))  # 0: always two threads
        ours = burn(shapes, grid, all_touched)
    reference = features.rasterize([(g, 1) for g in shapes], out_shape=grid.shape, transform=grid.transform,
                                   all_touched=all_touched, dtype="uint8").astype(bool)
    assert np.array_equal(ours, reference)


def test_values_burn_to_the_same_cells_and_values_as_rasterio(monkeypatch):
    """A value per feature (the population-density criterion's route): the CBS municipalities, each with its own
    float, and the same polygons again shifted half a municipality with other values (a later feature overwrites
    an earlier one): the same float32 grid through GDALRasterizeLayer as through rasterio, NaN where none."""
    from shapely.affinity import translate

    grid = GELDERLAND_GRID
    info = vectorio.vector_info(real_data() / "nl_gemeenten_2025_cbs_generalised.gpkg", None, "t")
    towns = list(vectorio.read_vector(info, GELDERLAND_READ, "t").geometry)
    pairs = [(g, 0.1 + 7.3 * i) for i, g in enumerate(towns)]
    pairs += [(translate(g, 2_000.0, -1_500.0), 1e6 / (i + 3)) for i, g in enumerate(towns[::3])]
    ours, reference = _both(monkeypatch, burn_values, pairs, grid)
    assert ours.dtype == reference.dtype == np.float32
    assert np.isfinite(ours).sum() > 1_000_000 and np.isnan(ours).sum() > 1_000_000
    assert np.array_equal(ours, reference, equal_nan=True)


@PROPERTY
@given(data=st.data())
def test_random_geometry_burns_the_same_values_as_rasterio(data):
    grid = data.draw(grids())
    shapes = data.draw(st.lists(polygons(grid), min_size=1, max_size=4))
    values = data.draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=len(shapes),
                                max_size=len(shapes)))
    ours = burn_values(list(zip(shapes, values)), grid)
    reference = features.rasterize(list(zip(shapes, values)), out_shape=grid.shape, transform=grid.transform,
                                   fill=np.nan, dtype="float32")
    assert np.array_equal(ours, reference, equal_nan=True)


def test_a_whole_screening_is_the_same_either_way(monkeypatch):
    """Gelderland at 100 m, every rule of nl-default: the same bits and the same table through OGR (with the
    background reading) as through geopandas and rasterio."""
    request = ScreeningRequest(region="Gelderland", data_dir=real_data(), resolution_m=100.0)
    ours, reference = _both(monkeypatch, compute_exclusion, request)
    assert np.array_equal(ours.bits_full, reference.bits_full)
    assert ours.table == reference.table
    assert [u.notes for u in ours.store.inputs()] == [u.notes for u in reference.store.inputs()]
    assert ours.bits_full.any() and (ours.bits_full == 0).any()


def test_buffers_made_side_by_side_equal_those_made_one_after_the_other(monkeypatch):
    """Natura 2000 in Gelderland (326,000 vertices; large and small areas) buffered by the threads: the same
    list, geometry for geometry, as one thread gives, and a cancel while they work is seen at once."""
    import threading
    import time

    from smr_siting.core.data import geometry as geometry_module
    from smr_siting.core.model.errors import RunCancelled
    from smr_siting.core.model.progress import RunContext

    grid = GELDERLAND_GRID
    natura = list(vectorio.read_vector(vectorio.vector_info(real_data() / "nl_natura2000.gpkg", None, "t"),
                                      GELDERLAND_READ, "t").geometry)
    distances = [3000.0 if i % 2 else 1500.0 for i in range(len(natura))]
    assert geometry_module.BUFFER_THREADS >= 2  # CI's machines have 2 cores or more
    together = buffered(natura, distances, grid)
    monkeypatch.setattr(geometry_module, "BUFFER_THREADS", 1)
    alone = buffered(natura, distances, grid)
    assert len(together) == len(alone) > 50
    assert all(a.equals_exact(b, 0.0) for a, b in zip(together, alone))
    monkeypatch.undo()

    cancelled = threading.Event()
    ctx = RunContext(is_cancelled=cancelled.is_set)
    threading.Timer(0.15, cancelled.set).start()
    started = time.perf_counter()
    with pytest.raises(RunCancelled):
        buffered(natura * 4, [6000.0] * (4 * len(natura)), grid, ctx.check_cancelled, ctx.call)
    assert time.perf_counter() - started < 1.0
