"""The patches of free land found from its runs are scipy.ndimage.label's own — labels, numbering, counts,
windows — and the candidate areas and sweep figures drawn from them are the same either way."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from smr_siting.core.candidates import components as comp
from smr_siting.core.candidates.areas import candidate_figures, find_candidate_areas
from smr_siting.core.data.geometry import burn
from smr_siting.core.exclusion.compute import ScreeningRequest, compute_exclusion
from smr_siting.core.model.grid import snap_grid
from smr_siting.core.model.profile import Footprint

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
BOTH_WAYS = {"runs": 2.0, "labels": -1.0}  # dense_share that forces each way


def _agree(mask: np.ndarray, other: np.ndarray) -> None:
    """Both ways of :func:`components` answer every question as ``scipy.ndimage.label`` does."""
    labels, count = ndimage.label(mask, structure=FOUR)
    objects = ndimage.find_objects(labels)
    rows, cols = np.indices(mask.shape)
    for way, share in BOTH_WAYS.items():
        patches = comp.components(mask, dense_share=share)
        assert patches.count == count, way
        assert np.array_equal(patches.label_at(rows.ravel(), cols.ravel()).reshape(mask.shape), labels), way
        expected = np.bincount(labels.ravel(), minlength=count + 1)
        expected[0] = 0
        assert np.array_equal(patches.counts(), expected), way
        expected = np.bincount(labels[other], minlength=count + 1)
        expected[0] = 0
        assert np.array_equal(patches.counts(other), expected), way
        assert np.array_equal(patches.counts(other, mask), expected), way
        for label in range(1, count + 1, max(1, count // 60)):
            window = patches.window(label)
            assert window == objects[label - 1], (way, label)
            assert np.array_equal(patches.mask_in(label, window), labels[window] == label), (way, label)


@PROPERTY
@given(arrays(np.bool_, st.tuples(st.integers(1, 30), st.integers(1, 45))),
       st.integers(0, 2**32 - 1))
def test_patches_are_those_of_scipy_on_any_mask(mask: np.ndarray, seed: int) -> None:
    other = np.random.default_rng(seed).random(mask.shape) < 0.5
    _agree(mask, other)


def test_patches_are_those_of_scipy_on_real_layers(demo_data: Path) -> None:
    """Natura 2000 and the KRW water bodies of the demo pack on a 50 m grid around Gelderland: free land
    between them (sparse and dense), their own patches, and the thin runs a water network makes."""
    natura = gpd.read_file(demo_data / "nl_natura2000.gpkg")
    water = gpd.read_file(demo_data / "nl_water_krw_and_osm_relations.gpkg")
    grid = snap_grid((150_000.0, 430_000.0, 230_000.0, 490_000.0), 50.0, 0.0)
    in_natura = burn(list(natura.geometry.values), grid)
    in_water = burn(list(water.geometry.values), grid, all_touched=True)
    assert 0.02 < in_natura.mean() < 0.5 and 0.01 < in_water.mean() < 0.5  # the layers are there
    for mask in (in_natura, in_water, ~(in_natura | in_water), in_natura & ~in_water):
        _agree(mask, ~in_water)


def test_empty_and_full_masks() -> None:
    for mask in (np.zeros((5, 7), dtype=bool), np.ones((5, 7), dtype=bool), np.zeros((0, 4), dtype=bool)):
        for share in BOTH_WAYS.values():
            patches = comp.components(mask, dense_share=share)
            assert patches.count == int(mask.any())
            assert patches.counts().sum() == mask.sum()


@pytest.mark.parametrize("footprint", [Footprint(250_000.0, "square", 1.0, ""),
                                       Footprint(400_000.0, "rectangle", 2.0, ""),
                                       Footprint(250_000.0, "circle", 1.0, "")], ids=["square", "rectangle", "circle"])
def test_candidate_areas_and_sweep_figures_are_the_same_either_way(demo_data: Path, footprint: Footprint,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A real screening (the demo pack's Gelderland at 100 m): the candidate areas (polygons and every
    figure) and the sweep's figures, with the patches found from runs and from scipy's labels."""
    result = compute_exclusion(ScreeningRequest(region="Gelderland", data_dir=demo_data, resolution_m=100.0))
    admin = result.store.vector("municipalities")
    frees = {"the profile's": result.bits_full == 0, "natura 2000 only": (result.bits_full & 0b10) == 0}
    for name, free in frees.items():
        answers = []
        for share in BOTH_WAYS.values():
            monkeypatch.setattr(comp, "DENSE_SHARE", share)
            areas, _cells = find_candidate_areas(free, result.region_full, result.analysis_grid, footprint, admin,
                                                 result.region.geometry)
            figures = candidate_figures(free, result.region_full, result.analysis_grid, footprint)
            answers.append((areas, figures))
        (first, figures_first), (second, figures_second) = answers
        assert len(first) > 0, name
        assert figures_first == figures_second == (len(first), round(float(first["area_ha"].sum()), 2)), name
        assert first.drop(columns="geometry").equals(second.drop(columns="geometry")), name
        assert all(a.equals_exact(b, 0.0) for a, b in zip(first.geometry, second.geometry)), name
