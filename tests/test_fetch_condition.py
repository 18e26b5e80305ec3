"""The downloader's filter is the profile's :class:`~smr_siting.core.model.profile.Condition`, evaluated by the one
evaluator (:func:`smr_siting.core.data.layers._matches`).

Both behaviours for a missing value go through it: a profile drops a feature without the attribute (unless
``keep_missing``); the downloader keeps it for ``!=`` / ``not in`` because it builds those conditions with
``keep_missing`` set.  The downloader's typing of a service's untyped values (a value compares as a number
when it and the condition's value both read as numbers, else as text) is pinned against the table the
downloader's own ``Condition.test`` gave before it was replaced.
"""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.data.layers import _matches, apply_where
from smr_siting.core.fetch import PageStats, Reshaper, service_spec
from smr_siting.core.fetch import spec as fetch_spec
from smr_siting.core.fetch.reshape import filter_mask
from smr_siting.core.model import profile
from smr_siting.core.model.profile import Condition

NOT_EQUAL = Condition("typ", "!=", "substation")


def _entry_with_filter(*conditions: dict):
    entry = load_catalogue()["industrial_estates"]
    return dataclasses.replace(entry, service={**entry.service, "filter": list(conditions)})


def test_the_downloader_has_no_condition_class_of_its_own() -> None:
    spec = service_spec(load_catalogue()["industrial_estates"], "http://127.0.0.1:1")
    assert [type(c) for c in spec.filter] == [profile.Condition]
    assert getattr(fetch_spec, "Condition", profile.Condition) is profile.Condition


@pytest.mark.parametrize(("op", "keep_missing"), [("==", False), ("!=", True), ("in", False), ("not in", True),
                                                  ("<", False), ("<=", False), (">", False), (">=", False)])
def test_a_catalogue_filter_keeps_missing_values_for_not_equal_and_not_in_only(op: str, keep_missing: bool) -> None:
    value = ["a", "b"] if "in" in op else 5
    spec = service_spec(_entry_with_filter({"field": "typ", "op": op, "value": value}), "http://127.0.0.1:1")
    assert spec.filter == (Condition("typ", op, tuple(value) if isinstance(value, list) else value, keep_missing),)


def test_the_filter_text_in_the_signature_and_provenance_is_unchanged() -> None:
    """``field op value`` as before: a cached layer fetched before stays up to date (no ' (or missing)')."""
    spec = service_spec(_entry_with_filter({"field": "typ", "op": "!=", "value": "x"},
                                           {"field": "categorie", "op": "in", "value": ["a", "b"]}),
                        "http://127.0.0.1:1")
    assert spec.signature(None, 1000)["filter"] == ["typ != 'x'", "categorie in ('a', 'b')"]
    assert [fetch_spec.filter_text(c) for c in spec.filter] == ["typ != 'x'", "categorie in ('a', 'b')"]


def test_one_evaluator_two_missing_behaviours() -> None:
    """The same column through ``_matches``: the profile's condition drops the missing value, the
    downloader's (keep_missing) keeps it; both drop the value that equals."""
    column = pd.Series(["line", None, "substation"], dtype=object)
    assert _matches(column, NOT_EQUAL).tolist() == [True, False, False]
    assert _matches(column, dataclasses.replace(NOT_EQUAL, keep_missing=True)).tolist() == [True, True, False]
    frame = gpd.GeoDataFrame({"typ": ["line", None, "substation"]}, geometry=[Point(0, 0)] * 3, crs="EPSG:28992")
    assert apply_where(frame, [NOT_EQUAL], "grid")["typ"].tolist() == ["line"]
    downloader = service_spec(_entry_with_filter({"field": "typ", "op": "!=", "value": "substation"}),
                              "http://127.0.0.1:1").filter[0]
    assert filter_mask(["line", None, "substation"], downloader) == [True, True, False]
    assert filter_mask(["line", None, "substation"], NOT_EQUAL) == [True, False, False]


#: (op, condition value, service values, passes): what the downloader's own Condition.test answered
TABLE = [
    ("==", "Bedrijfsterrein", ["Bedrijfsterrein", "Woongebied", None, 3], [True, False, False, False]),
    ("==", 380, [380, 380.0, "380", "380.0", " 380 ", "380 kV", True, None], [1, 1, 1, 1, 1, 0, 0, 0]),
    ("==", True, [True, 1, "1", "True", False], [True, True, True, True, False]),
    ("==", "True", [True, "True", 1], [True, True, False]),
    ("!=", 380, [380.0, "380", 150, "abc", None, math.nan], [False, False, True, True, True, True]),
    ("in", ("zee", "meer, plas"), ["zee", "meer, plas", "meer", None, 0], [True, True, False, False, False]),
    ("in", (150, 380), ["150", 380.0, 220, None, "x"], [True, True, False, False, False]),
    ("in", (380, "onbekend"), [380.0, "380", "onbekend", "380.0", None, math.nan], [1, 1, 1, 1, 0, 0]),
    ("not in", (380, "onbekend"), [380.0, "onbekend", 150, None, math.nan], [0, 0, 1, 1, 1]),
    ("not in", ("a", "b"), ["a", "c", None, 1], [False, True, True, True]),
    (">=", 150, [150, "380", "150.0", "n/a", None, True, math.nan], [1, 1, 1, 0, 0, 0, 0]),
    ("<", 1, [True, False, "0", 0.5, "x"], [False, True, True, True, False]),
    ("<", "abc", [1, "a", None], [False, False, False]),
    ("<", (1, 2), [0, 1], [False, False]),
    ("==", ("a", "b"), ["a", "('a', 'b')"], [False, True]),
    ("==", "nan", ["nan", math.nan, "abc"], [False, False, False]),
    ("!=", "nan", ["nan", math.nan, "abc"], [True, True, True]),
    ("==", {"a": 1}, [{"a": 1}, "{'a': 1}", None], [True, True, False]),
]


@pytest.mark.parametrize(("op", "value", "values", "expected"), TABLE)
def test_service_values_are_typed_one_by_one_as_before(op, value, values, expected) -> None:
    condition = fetch_spec.filter_condition("f", op, value)
    expected = [bool(e) for e in expected]
    assert filter_mask(values, condition) == expected
    assert [filter_mask([v], condition)[0] for v in values] == expected  # a column of one: the same answers


def test_the_reshaper_filters_in_batches_in_order() -> None:
    """More features than one filter batch: the kept ones in their order, the counts as one by one."""
    spec = service_spec(_entry_with_filter({"field": "typ", "op": "not in", "value": ["b"]}), "http://127.0.0.1:1")
    features = [{"type": "Feature", "id": i, "geometry": {"type": "Point", "coordinates": [150000.0 + i, 450000.0]},
                 "properties": {"typ": ["a", "b", None][i % 3]}} for i in range(4500)]
    stats = PageStats()
    rows = list(Reshaper(spec, None).rows(features, None, stats))
    one_by_one = PageStats()
    single = [row for f in features if (row := Reshaper(spec, None).one(f, None, one_by_one)) is not None]
    assert rows == single
    assert [r["properties"]["feature_id"] for r in rows[:4]] == ["0", "2", "3", "5"]
    assert (stats.received, stats.kept, stats.filtered) == (4500, 3000, 1500) == (
        one_by_one.received, one_by_one.kept, one_by_one.filtered)
