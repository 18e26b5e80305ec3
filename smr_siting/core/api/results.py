"""What a :class:`~smr_siting.core.api.screening.Screening` hands back: the exclusion raster with its legend, and
the sensitivity tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.errors import SmrSitingError
from ..model.i18n import _

if TYPE_CHECKING:  # pragma: no cover - names for the annotations only
    import pandas as pd
    from affine import Affine


@dataclass(frozen=True)
class Exclusion:
    """The exclusion raster of a screening (what ``exclusion.tif`` holds).

    Attributes
    ----------
    values : numpy.ndarray
        Cell values: the sum of ``2**bit`` over every rule that excludes the cell, 0 where no rule does,
        ``nodata`` outside the region (rows from north to south).
    legend : dict
        What ``exclusion.rules.json`` holds: each rule's bit, value, id, title, group, kind and layers.
    transform : affine.Affine
        The grid's geotransform (upper-left corner, cell size).
    crs : str
        The grid's coordinate reference system (``"EPSG:28992"``).
    nodata : int
        The value of cells outside the region.
    """

    values: np.ndarray
    legend: dict
    transform: Affine
    crs: str
    nodata: int

    @property
    def rules(self) -> list[dict]:
        """The legend's rules, in profile order."""
        return list(self.legend["rules"])

    @property
    def region(self) -> np.ndarray:
        """True for the region's cells."""
        return self.values != self.nodata

    @property
    def excluded(self) -> np.ndarray:
        """True where at least one rule excludes a cell of the region."""
        return self.region & (self.values != 0)

    def rule_mask(self, rule_id: str) -> np.ndarray:
        """True where the rule ``rule_id`` excludes a cell of the region (whatever the other rules do)."""
        for rule in self.legend["rules"]:
            if rule["id"] == rule_id:
                return self.region & ((self.values & rule["value"]) != 0)
        ids = [r["id"] for r in self.legend["rules"]]
        raise SmrSitingError(_("the screening has no rule {id!r}").format(id=rule_id),
                             _("Rules: {ids}").format(ids=", ".join(ids)))

    def to_xarray(self) -> Any:
        """The raster as an ``xarray.DataArray`` with ``y``/``x`` cell-centre coordinates.

        ``attrs`` hold ``crs``, ``nodata``, ``transform`` (six numbers) and ``legend`` (JSON text), so the
        array can be written to netCDF as it is.

        Raises
        ------
        ImportError
            xarray is not installed.
        """
        try:
            import xarray as xr
        except ImportError:
            raise ImportError(_("Exclusion.to_xarray() needs xarray, which is not installed: install it "
                                "(pip install xarray, or apt install python3-xarray), or use .values with "
                                ".transform and .crs")) from None
        t = self.transform
        rows, cols = self.values.shape
        xs = t.c + (np.arange(cols) + 0.5) * t.a
        ys = t.f + (np.arange(rows) + 0.5) * t.e
        return xr.DataArray(self.values, dims=("y", "x"), coords={"y": ys, "x": xs}, name="exclusion",
                            attrs={"crs": self.crs, "nodata": self.nodata, "transform": tuple(t)[:6],
                                   "legend": json.dumps(self.legend, ensure_ascii=False)})


@dataclass(frozen=True)
class Sensitivity:
    """How stable a ranking is (what ``smr-siting sensitivity`` writes).

    Attributes
    ----------
    table : pandas.DataFrame
        ``sensitivity.csv``: per ranked site the shares of Monte Carlo runs at rank 1 / in the top 3 / top 5,
        its rank interval and its rank with each criterion left out.
    description : dict
        ``sensitivity.json``: how the weights were sampled and the spread that gave.
    sweeps : pandas.DataFrame or None
        ``sweeps.csv`` (baseline row first) when sweeps were asked for.
    """

    table: pd.DataFrame
    description: dict
    sweeps: pd.DataFrame | None = None
