"""Turning a service's features into the cache's layer schema, one feature at a time: the page's CRS checked
(reprojected to EPSG:28992, or refused), Z forced to 2D, features outside the box dropped, the catalogue's
filter applied (the profile's :class:`~smr_siting.core.model.profile.Condition`, evaluated by the profile's own
evaluator), attributes derived and renamed."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..model.i18n import _
from ..model.profile import Condition
from .pages import Page
from .spec import FetchError, ServiceSpec

#: EPSG:28992's area of use, a little generous (as in smr_siting.core.data.layers)
RD_BOUNDS = (-25_000.0, 280_000.0, 310_000.0, 640_000.0)
#: features whose filter is evaluated together (one column per attribute)
FILTER_BATCH = 2000


@dataclass
class PageStats:
    received: int = 0
    kept: int = 0
    outside_box: int = 0
    filtered: int = 0
    no_geometry: int = 0
    flattened: int = 0


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def highest_number(value: Any) -> float | None:
    """The highest number in a text such as '150/380 kV' (380.0); None when there is none."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if math.isfinite(float(value)) else None
    numbers = [float(n.replace(",", ".")) for n in _NUMBER.findall(str(value))]
    return max(numbers) if numbers else None


def _flat(x: float, y: float, z: float | None = None) -> tuple[float, float]:
    return (x, y)


class Reshaper:
    """Checks a page (CRS, location, box), reprojects to EPSG:28992, forces 2D, filters, derives and
    renames attributes — one feature at a time, the catalogue's filter on a batch of them (:func:`filter_mask`)."""

    def __init__(self, spec: ServiceSpec, bbox: tuple[float, float, float, float] | None) -> None:
        from pyproj import CRS

        self.spec = spec
        self.bbox = bbox
        self.rd = CRS.from_epsg(28992)
        self.notes: list[str] = []
        self.crs_seen: set[str] = set()
        self._swap_told = False

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def _transformer(self, crs: Any, authority_order: bool) -> Callable:
        from pyproj import Transformer

        return Transformer.from_crs(crs, self.rd, always_xy=not authority_order).transform

    @staticmethod
    def _in_rd(bounds: Sequence[float] | None) -> bool:
        """Whether features with these bounds reach into the Netherlands in RD metres (degrees, swapped
        axes or a wrong CRS land far away; Natura 2000 sites far offshore still reach in)."""
        if bounds is None:
            return True
        if not all(math.isfinite(v) for v in bounds):
            return False
        x0, y0, x1, y1 = RD_BOUNDS
        return bounds[2] >= x0 and bounds[0] <= x1 and bounds[3] >= y0 and bounds[1] <= y1

    @staticmethod
    def _moved_bounds(function: Callable, bounds: Sequence[float]) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = bounds
        xs = [x0 + (x1 - x0) * i / 4 for i in range(5)]
        ys = [y0 + (y1 - y0) * j / 4 for j in range(5)]
        points = [function(x, y) for x in xs for y in ys]
        return (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points),
                max(p[1] for p in points))

    def decide(self, page: Page, label: str) -> Callable | None:
        """The coordinate transform for this page (None: already EPSG:28992), or refuse it."""
        bounds = page.bounds
        if page.crs is None:
            if self._in_rd(bounds):
                if bounds is not None:
                    self.note(_("{label}: the service did not declare the CRS of its coordinates; they lie in "
                                "the EPSG:28992 range and were taken as such.").format(label=label))
                    self.crs_seen.add("undeclared (taken as EPSG:28992)")
                return None
            raise FetchError(
                _("{label}: the service returned coordinates without declaring their CRS, and they are not "
                  "EPSG:28992 metres (extent {minx:.6g}, {miny:.6g}, {maxx:.6g}, {maxy:.6g}); refusing to guess").format(
                    label=label, minx=bounds[0], miny=bounds[1], maxx=bounds[2], maxy=bounds[3]),
                _("Ask the service for EPSG:28992 (crs/srsName), or use a service that declares its CRS"))
        self.crs_seen.add(page.crs_label)
        if page.crs.equals(self.rd):
            if self._in_rd(bounds):
                return None
            raise FetchError(_("{label}: the service declares EPSG:28992 but its coordinates lie outside the "
                               "Netherlands (degrees, or swapped axes?)").format(label=label),
                             _("Check the service; the layer was not stored"))
        if bounds is None:  # an empty page: nothing to move, nothing to tell
            return self._transformer(page.crs, page.authority_order)
        for number, authority in enumerate([page.authority_order, not page.authority_order]):
            try:
                function = self._transformer(page.crs, authority)
                moved = self._moved_bounds(function, bounds)
            except Exception:  # noqa: BLE001 - pyproj cannot transform: try the other order, then refuse
                continue
            if self._in_rd(moved):
                self.note(_("{label}: features came in {crs}, not EPSG:28992; reprojected to EPSG:28992.").format(
                    label=label, crs=page.crs_label))
                if number == 1 and not self._swap_told:
                    self._swap_told = True
                    self.note(_("{label}: the coordinates came in the other axis order than {crs} prescribes; "
                                "read them as such (they then lie in the Netherlands).").format(
                        label=label, crs=page.crs_label))
                return function
        raise FetchError(_("{label}: the features, read as {crs}, do not lie in the Netherlands").format(
            label=label, crs=page.crs_label), _("Check the service's CRS; the layer was not stored"))

    def one(self, feature: Any, function: Callable | None, stats: PageStats) -> dict | None:
        """The feature as stored in the cache, or None (counted in ``stats``)."""
        rows = list(self.rows([feature], function, stats))
        return rows[0] if rows else None

    def rows(self, features: Iterable[Any], function: Callable | None, stats: PageStats) -> Iterator[dict]:
        """The features as stored in the cache, in their order (the others counted in ``stats``); the
        catalogue's filter is evaluated on :data:`FILTER_BATCH` features at a time."""
        batch: list[tuple[Any, dict, Any]] = []
        for feature in features:
            checked = self._checked(feature, function, stats)
            if checked is not None:
                batch.append(checked)
            if len(batch) >= FILTER_BATCH:
                yield from self._finished(batch, stats)
                batch = []
        yield from self._finished(batch, stats)

    def _checked(self, feature: Any, function: Callable | None, stats: PageStats) -> tuple[Any, dict, Any] | None:
        """(geometry in EPSG:28992 and 2D, the service's properties, its id), or None: no geometry, outside the box."""
        from shapely.geometry import shape
        from shapely.ops import transform

        stats.received += 1
        if not isinstance(feature, dict):
            stats.no_geometry += 1
            return None
        raw = feature.get("geometry")
        try:
            geometry = shape(raw) if raw else None
        except Exception:  # noqa: BLE001 - a malformed geometry: drop it, say so
            geometry = None
        if geometry is None or geometry.is_empty:
            stats.no_geometry += 1
            return None
        if geometry.has_z:
            geometry = transform(_flat, geometry)  # Z (and M, which OGR hands over as Z) forced to 2D
            stats.flattened += 1
        if function is not None:
            geometry = transform(function, geometry)
        properties = dict(feature.get("properties") or {})
        if self.bbox is not None:  # by envelope, as services filter: only a service ignoring bbox trips this
            minx, miny, maxx, maxy = geometry.bounds
            bx0, by0, bx1, by1 = self.bbox
            if maxx < bx0 or minx > bx1 or maxy < by0 or miny > by1:
                stats.outside_box += 1
                return None
        return geometry, properties, feature.get("id")

    def _finished(self, batch: Sequence[tuple[Any, dict, Any]], stats: PageStats) -> Iterator[dict]:
        """The checked features that pass the catalogue's filter, with their attributes derived and renamed."""
        from shapely.geometry import mapping

        keep = [True] * len(batch)
        for condition in self.spec.filter:
            passed = filter_mask([properties.get(condition.field) for _geometry, properties, _id in batch], condition)
            keep = [a and b for a, b in zip(keep, passed)]
        for (geometry, properties, feature_id), kept in zip(batch, keep):
            if not kept:
                stats.filtered += 1
                continue
            derived = {name: highest_number(properties.get(source)) for name, source in self.spec.derive.items()}
            if "fid" in {k.lower() for k in properties}:
                properties = {("fid_service" if k.lower() == "fid" else k): v for k, v in properties.items()}
            if feature_id is not None and "feature_id" not in properties:
                properties["feature_id"] = str(feature_id)
            properties = {self.spec.fields.get(k, k): v for k, v in properties.items()}
            properties.update(derived)
            properties.update(self.spec.constants)
            stats.kept += 1
            yield {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


def _number(value: Any) -> float | None:
    """``value`` as a number (380, 380.0, "380", True), or None when it does not read as one."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def filter_mask(values: Sequence[Any], condition: Condition) -> list[bool]:
    """Which of one service attribute's values (one per feature) pass ``condition``, evaluated by the
    profile's evaluator (:func:`smr_siting.core.data.layers._matches`, which also decides for missing values by
    ``condition.keep_missing``).

    A service's JSON has no column types, so the values are typed one by one, as the downloader always
    compared them: a value compares as a number when it and the condition's value both read as numbers
    (380 == "380.0"), else as text; text never passes an ordering (<, <=, >, >=), nor does any value when
    the condition's value is not a number.  The numbers and the texts among the values are evaluated as
    two columns."""
    import pandas as pd  # deferred like shapely and pyproj: importing the downloader stays light

    from ..data.layers import _matches

    op, value = condition.op, condition.value
    if op in ("==", "!=") and isinstance(value, tuple):
        value = str(value)  # a list is one text to == and !=
    wanted = value if isinstance(value, tuple) else (value,)
    condition = replace(condition, value=wanted if op in ("in", "not in") else value)
    numeric = tuple(w for w in wanted if _number(w) is not None)
    texts_wanted = tuple(w for w in wanted if _number(w) is None)
    mixed = bool(numeric) and bool(texts_wanted)
    if op not in ("==", "!=", "in", "not in") and (isinstance(value, tuple) or not numeric):
        return [condition.keep_missing and v is None for v in values]
    as_number = [i for i, v in enumerate(values) if numeric and _number(v) is not None]
    taken = set(as_number)
    as_text = [i for i in range(len(values)) if i not in taken]
    passed = [False] * len(values)
    if as_number:
        column = pd.Series([_number(values[i]) for i in as_number], dtype="float64")
        if mixed:  # numbers and texts listed: a number matches a listed number, or a listed text by its text
            texts = pd.Series([str(values[i]) for i in as_number], dtype=object)
            hit = (_matches(column, replace(condition, op="in", value=numeric, keep_missing=False))
                   | _matches(texts, replace(condition, op="in", value=texts_wanted, keep_missing=False)))
            hits = hit.tolist() if op == "in" else (~hit).tolist()
        else:
            hits = _matches(column, condition).tolist()
        for i, hit_one in zip(as_number, hits):
            passed[i] = bool(hit_one)
    if as_text and op in ("==", "!=", "in", "not in"):
        column = pd.Series([None if values[i] is None else str(values[i]) for i in as_text], dtype=object)
        for i, hit_one in zip(as_text, _matches(column, condition).tolist()):
            passed[i] = bool(hit_one)
    elif as_text:  # an ordering: text never passes, a missing value only if keep_missing
        for i in as_text:
            passed[i] = condition.keep_missing and values[i] is None
    return passed
