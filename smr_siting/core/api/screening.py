"""One entry object for notebooks: :class:`Screening` (a screening, its tables, ranks and outputs); profiles in
code come from :class:`~smr_siting.core.api.builder.ProfileBuilder`.

Everything here is a thin layer over the engine's own functions — :func:`~smr_siting.core.exclusion.compute.compute_exclusion`,
:func:`~smr_siting.core.candidates.compute.compute_candidates`, :func:`~smr_siting.core.pipeline.screen.write_screening`,
:func:`~smr_siting.core.pipeline.rank.rank_run`, :func:`~smr_siting.core.pipeline.rank.sensitivity_run` and the
profile parser — so a notebook gets the same numbers, files and messages as ``smr-siting screen``, ``rank`` and
``sensitivity``.

Examples
--------
>>> from smr_siting import Screening, ProfileBuilder                      # doctest: +SKIP
>>> s = Screening(region="Gelderland", data="demo/data", resolution=100)  # doctest: +SKIP
>>> s.table                                                               # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, Union

from ..data.layers import RASTER_SUFFIXES, LayerInput
from ..model.errors import SmrSitingError
from ..model.i18n import _
from .inputs import is_frame, is_raster_dataset, write_frame, write_raster
from .results import Exclusion, Sensitivity

if TYPE_CHECKING:  # pragma: no cover - names for the annotations only
    import geopandas as gpd
    import pandas as pd
    from rasterio.io import DatasetReaderBase

    from ..exclusion.compute import ExclusionResult, ScreeningRequest
    from ..exclusion.rulecache import RuleCache
    from ..model.profile import Profile


from .builder import ProfileBuilder

#: what a layer (or the sites of :meth:`Screening.rank`) may be given as
LayerLike = Union[str, os.PathLike, LayerInput, "gpd.GeoDataFrame", "gpd.GeoSeries", "DatasetReaderBase"]


#: what a profile may be given as
ProfileLike = Union[str, os.PathLike, ProfileBuilder, "Profile"]


def _progress_none(fraction: float, message: str) -> None:
    return None


class Screening:
    """A screening of one region, computed lazily and kept: the entry object for notebooks.

    Nothing is computed when the object is made; each property computes what it needs once (with the
    engine's functions) and keeps it.  The results are the ones ``smr-siting screen`` gives on the same
    inputs, and :meth:`write` writes the same files.

    Layers given as GeoDataFrames or open rasterio datasets are written, when the object is made (a snapshot),
    to a private temporary folder — GeoPackage (one layer named after the slot) or GeoTIFF — so that the
    engine's file-based layer store, its hashing and the manifest work unchanged; the manifest of a folder
    written by :meth:`write` then records those temporary files.  :meth:`rank` and :meth:`sensitivity` run the
    command line's ``rank`` and ``sensitivity`` on a private screening folder there too.  The folder is removed
    by :meth:`close` (also at the end of a ``with`` block, or when the object is garbage-collected): after that a
    written folder whose inputs were in memory can no longer be ranked or verified from its manifest; give files
    for a lasting record.

    Parameters
    ----------
    region : str or GeoDataFrame
        A province or municipality name or CBS code (``"Gelderland"``, ``"PV25"``, ``"GM0228"``), a polygon
        file (``FILE[:LAYER]``), or a GeoDataFrame/GeoSeries of the region's outline (with a CRS).
    profile : str, path, ProfileBuilder or Profile
        A built-in profile name (``"nl-default"``), a ``.yaml`` file, a :class:`ProfileBuilder` or a parsed
        :class:`~smr_siting.core.model.profile.Profile`.
    data : str or path, optional
        The data folder (e.g. ``"demo/data"`` or a ``smr-siting fetch`` cache).
    layers : mapping, optional
        Layer ids (catalogue slots) to a file path (``FILE`` or ``FILE:LAYER``), a
        :class:`~smr_siting.core.data.layers.LayerInput`, a GeoDataFrame/GeoSeries or an open rasterio dataset.
    resolution : float or str, optional
        Cell size in metres (``100`` or ``"100 m"``); default: the profile's.
    footprint_ha : float, optional
        SMR footprint in hectares; default: the profile's (or the design's).
    design : str, optional
        A reactor design (``smr-siting designs`` lists them) or a design ``.yaml`` file.
    footprint_shape : str, optional
        ``"square"``, ``"circle"`` or ``"rectangle"``; default: the profile's.
    vector : bool
        :meth:`write` also writes ``exclusion_reasons.gpkg`` (the command line's ``--vector``).
    fallback : str or path, optional
        A folder searched after ``data`` for the layers it lacks (e.g. the embedded national pack).
    cache : bool or RuleCache
        The rule-mask cache: True (default) uses the command line's (memory and disk; ``$SMR_SITING_CACHE``),
        False memory only (the command line's ``--no-cache``), or a
        :class:`~smr_siting.core.exclusion.rulecache.RuleCache` of your own.
    progress : callable, optional
        ``progress(fraction, message)`` during each computation.
    notice : callable, optional
        Called with each notice as it is told (e.g. ``print``); they are kept in :attr:`notices` in any case.
    memory_limit_bytes : int, optional
        Refuse a grid that would need more memory than this.

    Examples
    --------
    >>> s = Screening(region="Gelderland", data="demo/data", resolution=100)   # doctest: +SKIP
    >>> s.table[["id", "km2_alone"]]                                           # doctest: +SKIP
    >>> s.candidates.plot()                                                    # doctest: +SKIP
    >>> s.write("out/gelderland")                                              # doctest: +SKIP
    """

    def __init__(self, region: str | Any = "Gelderland", profile: ProfileLike = "nl-default",
                 data: str | os.PathLike | None = None, layers: Mapping[str, LayerLike] | None = None,
                 resolution: float | str | None = None, footprint_ha: float | None = None,
                 design: str | None = None, *, footprint_shape: str | None = None, vector: bool = False,
                 fallback: str | os.PathLike | None = None, cache: bool | RuleCache = True,
                 progress: Callable[[float, str], None] | None = None,
                 notice: Callable[[str], None] | None = None, memory_limit_bytes: int | None = None) -> None:
        from ..exclusion.compute import ScreeningRequest
        from ..model.progress import RunContext

        self._start(RunContext(progress=progress or _progress_none, notice=notice or (lambda _message: None)),
                    cache, profile, progress, notice)
        try:
            profile_arg, profile_text = self._profile_argument(profile)
            self._profile_object = profile_arg
            self._request: ScreeningRequest = ScreeningRequest(
                region=self._region_argument(region), profile=profile_text,
                data_dir=Path(data) if data is not None else None,
                layers={str(k): self._layer_input(str(k), v) for k, v in (layers or {}).items()},
                resolution_m=self._resolution(resolution), footprint_ha=footprint_ha,
                footprint_shape=footprint_shape, exclusion_vector=vector, memory_limit_bytes=memory_limit_bytes,
                design=design, fallback_dir=Path(fallback) if fallback is not None else None)
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_request(cls, request: ScreeningRequest, ctx: Any = None, cache: bool | RuleCache | None = True,
                     profile: Profile | None = None) -> Screening:
        """A screening of an engine :class:`~smr_siting.core.exclusion.compute.ScreeningRequest` (what the command
        line and the Processing algorithms build from their options), told through ``ctx`` (a
        :class:`~smr_siting.core.model.progress.RunContext`: progress, notices, cancel)."""
        from ..model.progress import RunContext

        self = cls.__new__(cls)
        self._start(ctx if ctx is not None else RunContext(), cache, profile if profile is not None else request.profile)
        self._profile_object = profile
        self._request = request
        return self

    def _start(self, ctx: Any, cache: bool | RuleCache | None, profile_given: Any,
               progress: Callable[[float, str], None] | None = None,
               notice: Callable[[str], None] | None = None) -> None:
        """The state every screening starts with (nothing computed, no temporary folder yet)."""
        self._tmp: Path | None = None
        self._finalizer: weakref.finalize | None = None
        self._progress = progress or _progress_none
        self._notice = notice
        self._ctx = ctx
        self._cache_option = cache
        self._profile_given = profile_given
        self._computed: dict[str, Any] = {}
        self._ranked_for: tuple | None = None
        self._sites_written = 0

    # ------------------------------------------------------------------ inputs
    def _private(self, *parts: str) -> Path:
        """A path in this object's temporary folder (made on first use, removed by :meth:`close`)."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="smr-siting-api-"))
            self._finalizer = weakref.finalize(self, shutil.rmtree, str(self._tmp), True)
        path = self._tmp.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def _profile_argument(profile: ProfileLike) -> tuple[Profile | None, str]:
        """The parsed profile to hand to the engine (None: the engine reads it by name) and its recorded name."""
        from ..model.profile import Profile

        if isinstance(profile, ProfileBuilder):
            built = profile.build()
            return built, built.path
        if isinstance(profile, Profile):
            return profile, profile.path
        if isinstance(profile, (str, os.PathLike)):
            return None, os.fspath(profile)
        raise SmrSitingError(_("a profile cannot be a {type}").format(type=type(profile).__name__),
                             _("Give a built-in profile name, a .yaml file, a ProfileBuilder or a Profile"))

    @staticmethod
    def _resolution(value: float | str | None) -> float | None:
        if value is None:
            return None
        if isinstance(value, str):
            from ..model.units import parse_length

            return parse_length(value, "resolution", allow_zero=False)
        return float(value)

    def _region_argument(self, region: Any) -> str:
        if isinstance(region, (str, os.PathLike)):
            return os.fspath(region)
        if is_frame(region):
            path = self._private("region", "region.gpkg")
            write_frame(region, path, "region")
            return str(path)
        raise SmrSitingError(_("a region cannot be a {type}").format(type=type(region).__name__),
                             _("Give a province or municipality name or code, a polygon file, or a GeoDataFrame"))

    def _layer_input(self, layer_id: str, value: LayerLike, folder: str = "layers") -> LayerInput:
        """A layer as the engine's store takes it: a file (in-memory layers written to the private folder)."""
        if isinstance(value, LayerInput):
            return value
        if isinstance(value, (str, os.PathLike)):
            return LayerInput.parse(os.fspath(value))
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], (str, os.PathLike)):
            return LayerInput(Path(value[0]), value[1])
        if is_frame(value):
            path = self._private(folder, f"{layer_id}.gpkg")
            write_frame(value, path, layer_id)
            return LayerInput(path, layer_id, _("{layer} (GeoDataFrame)").format(layer=layer_id))
        if is_raster_dataset(value):
            name = str(getattr(value, "name", ""))
            if Path(name).suffix.lower() in RASTER_SUFFIXES and Path(name).is_file():
                return LayerInput(Path(name))  # a dataset read from a file: that file, as it is
            path = self._private(folder, f"{layer_id}.tif")
            write_raster(value, path)
            return LayerInput(path, None, _("{layer} (raster dataset)").format(layer=layer_id))
        raise SmrSitingError(_("layer {layer!r} cannot be a {type}").format(layer=layer_id, type=type(value).__name__),
                             _("Give a file path, a GeoDataFrame or an open rasterio dataset"))

    # ------------------------------------------------------------------ the engine's objects
    @property
    def request(self) -> ScreeningRequest:
        """The engine's :class:`~smr_siting.core.exclusion.compute.ScreeningRequest` (what the manifest records)."""
        return self._request

    @property
    def profile(self) -> Profile:
        """The profile as parsed (before a reactor design is applied; see ``result.profile`` for that)."""
        if "profile" not in self._computed:
            if self._profile_object is not None:
                self._computed["profile"] = self._profile_object
            else:
                from ..data.catalogue import load_catalogue
                from ..rules import load_profile

                self._computed["profile"] = load_profile(self._request.profile, load_catalogue().ids)
        return self._computed["profile"]

    @property
    def cache(self) -> RuleCache | None:
        """The rule-mask cache this screening and its ranks and sweeps share (None: none, as in QGIS)."""
        if "cache" not in self._computed:
            from ..exclusion.rulecache import RuleCache

            option = self._cache_option
            self._computed["cache"] = (None if option is None else option if isinstance(option, RuleCache)
                                       else RuleCache.default(enabled=bool(option)))
        return self._computed["cache"]

    @property
    def result(self) -> ExclusionResult:
        """The engine's :class:`~smr_siting.core.exclusion.compute.ExclusionResult` (computed on first use)."""
        if "result" not in self._computed:
            from ..exclusion.compute import compute_exclusion

            self._computed["started"] = _dt.datetime.now(_dt.timezone.utc)
            self._computed["result"] = compute_exclusion(self._request, self._ctx, profile=self._profile_object,
                                                         cache=self.cache)
        return self._computed["result"]

    def _candidate_pair(self) -> tuple[gpd.GeoDataFrame, Any]:
        if "candidates" not in self._computed:
            from ..candidates.compute import compute_candidates

            self._computed["candidates"] = compute_candidates(self.result, self._ctx)
        return self._computed["candidates"]

    # ------------------------------------------------------------------ results
    @property
    def exclusion(self) -> Exclusion:
        """The exclusion raster: rule bits per cell, legend, transform and CRS (see :class:`Exclusion`)."""
        if "exclusion" not in self._computed:
            from ..outputs import exclusion_legend

            result = self.result
            grid = result.grid
            self._computed["exclusion"] = Exclusion(
                result.bits, exclusion_legend(result.rules, result.nodata, result.caveats()), grid.transform,
                grid.crs, result.nodata)
        return self._computed["exclusion"]

    @property
    def table(self) -> pd.DataFrame:
        """The per-rule table (``summary.json``'s ``rules``): km² each rule excludes alone, only it, cumulative."""
        import pandas as pd

        rows = [row.as_dict() for row in self.result.table]
        columns = [f.name for f in dataclasses.fields(type(self.result.table[0]))] if self.result.table else None
        return pd.DataFrame(rows, columns=columns)

    @property
    def totals(self) -> dict:
        """Region, excluded and not excluded km² and the share excluded (``summary.json``'s ``totals``)."""
        return self.result.totals()

    @property
    def candidates(self) -> gpd.GeoDataFrame:
        """The candidate areas: contiguous land where the footprint fits (``candidate_areas.gpkg``)."""
        return self._candidate_pair()[0].copy()

    @property
    def notices(self) -> list[str]:
        """What the screening told so far (decisions, fallbacks, caveats), as the outputs record it."""
        return [str(n) for n in self._ctx.notices]

    @property
    def summary(self) -> dict:
        """What ``summary.json`` holds (candidate areas included)."""
        from ..pipeline.screen import summary_dict

        return summary_dict(self.result, *self._candidate_pair())

    # ------------------------------------------------------------------ rank and sensitivity
    def _run_dir(self) -> Path:
        """A private screening folder (the command line's ``screen`` output) for ``rank`` and ``sensitivity``."""
        if "run_dir" not in self._computed:
            from ..pipeline.screen import output_targets, write_screening

            folder = self._private("run")
            write_screening(self.result, output_targets(folder, False), True, self._candidate_pair(), self._ctx,
                            self._computed.get("started"))
            self._computed["run_dir"] = folder
        return self._computed["run_dir"]

    def _rank_into_run_dir(self, sites: LayerLike | None, design: str | None) -> tuple[dict[str, Path], bool]:
        from ..model.progress import RunContext
        from ..pipeline.rank import rank_run

        source = None
        if sites is not None:
            if is_frame(sites):
                self._sites_written += 1
            source = self._layer_input(f"sites_{self._sites_written}", sites, "sites")
        key = (source, design)
        folder = self._run_dir()
        targets = {name: folder / f for name, f in (("suitability", "suitability.tif"),
                                                    ("ranked", "ranked_sites.gpkg"),
                                                    ("ranked_csv", "ranked_sites.csv"), ("ranking", "ranking.json"))}
        if self._ranked_for == key:
            return targets, False
        ctx = RunContext(progress=self._progress, notice=self._notice or (lambda _message: None))
        self._ranked_for = None
        written = rank_run(folder, source, True, ctx, design=design, cache=self.cache)
        self._ranked_for = key
        return written, True

    def rank(self, sites: LayerLike | None = None, design: str | None = None) -> gpd.GeoDataFrame:
        """Score and rank sites, as ``smr-siting rank`` does on this screening.

        Parameters
        ----------
        sites : path, GeoDataFrame or None
            Your own sites (points or parcels, any CRS; a GeoDataFrame is written to the private folder);
            None: the best place in each candidate area.
        design : str, optional
            A reactor design for the regulator columns (default: the screening's).

        Returns
        -------
        geopandas.GeoDataFrame
            ``ranked_sites.gpkg``: each site's rank, score, per-criterion scores and explanation;
            ``attrs["ranking"]`` holds ``ranking.json`` (criteria, weights, notices) and
            ``attrs["suitability"]`` the path of the suitability raster (in the private folder).

        Raises
        ------
        SmrSitingError
            The profile has no ``scoring`` section, a site file is unusable, …: the command line's messages.
        """
        import geopandas as gpd

        written, _fresh = self._rank_into_run_dir(sites, design)
        table = gpd.read_file(written["ranked"], layer="ranked_sites")
        table.attrs["ranking"] = json.loads(Path(written["ranking"]).read_text(encoding="utf-8"))
        table.attrs["suitability"] = str(written["suitability"])
        return table

    def sensitivity(self, samples: int = 1000, seed: int = 1, sweeps: Sequence[str] = (),
                    concentration: float | None = None, weight_spread: float | None = None,
                    sites: LayerLike | None = None, design: str | None = None) -> Sensitivity:
        """How stable the ranking is, as ``smr-siting sensitivity`` finds on this screening.

        Parameters
        ----------
        samples : int
            Monte Carlo samples of the weights.
        seed : int
            The random seed (the same seed gives the same numbers).
        sweeps : sequence of str
            Threshold sweeps as on the command line (``"natura2000=0 m,500 m"``, ``"footprint=5ha,20ha"``,
            ``"RULE.scale=0.5,1,2"``): the exclusion is rerun with each value.
        concentration, weight_spread : float, optional
            The Dirichlet concentration around the weights, or the standard deviation of the largest weight
            (default: the profile's, else 100).
        sites, design
            The ranking to study (see :meth:`rank`); ranked first if needed.

        Returns
        -------
        Sensitivity
            ``sensitivity.csv`` as ``table``, ``sensitivity.json`` as ``description``, ``sweeps.csv`` as ``sweeps``.
        """
        import pandas as pd

        from ..model.progress import RunContext
        from ..pipeline.rank import sensitivity_run

        self._rank_into_run_dir(sites, design)
        ctx = RunContext(progress=self._progress, notice=self._notice or (lambda _message: None))
        written = sensitivity_run(self._run_dir(), samples, seed, list(sweeps), True, concentration, ctx,
                                  weight_spread=weight_spread, cache=self.cache)
        return Sensitivity(pd.read_csv(written["sensitivity"]),
                           json.loads(Path(written["description"]).read_text(encoding="utf-8")),
                           pd.read_csv(written["sweeps"]) if "sweeps" in written else None)

    # ------------------------------------------------------------------ outputs
    def write(self, outdir: str | os.PathLike, overwrite: bool = False) -> dict[str, Path]:
        """Write the screening folder ``smr-siting screen --out OUTDIR`` writes, with the engine's writer.

        ``exclusion.tif`` (+ ``.qml``, ``.rules.json``), ``candidate_areas.gpkg`` (+ ``.qml``), ``summary.csv``,
        ``summary.json`` and ``manifest.json`` (and ``exclusion_reasons.gpkg`` with ``vector=True``), atomically.
        ``smr-siting rank --run OUTDIR`` and ``smr-siting verify OUTDIR`` work on it.

        Parameters
        ----------
        outdir : str or path
            The output folder (created if missing).
        overwrite : bool
            Replace outputs that exist (otherwise they are refused, as on the command line).

        Returns
        -------
        dict
            Output key (``exclusion``, ``candidates``, ``summary_json``, …) → path written.
        """
        from ..pipeline.screen import output_targets

        return self.write_targets(output_targets(Path(outdir), self._request.exclusion_vector), overwrite)

    def write_targets(self, targets: Mapping[str, Path], overwrite: bool = False, *, candidates: bool = True,
                      guard: bool = True) -> dict[str, Path]:
        """Write the outputs named in ``targets`` (output key → path; see :meth:`write`), atomically.

        What is not computed yet is computed inside the write's guard, after existing outputs have been refused
        (with ``guard``, the folder is held as on the command line; without, as the Processing algorithm does for
        paths chosen one by one).  ``candidates=False`` writes no candidate areas and computes none."""
        from ..pipeline.screen import screen_into

        computed = None
        if "result" in self._computed:
            computed = (self._computed["result"], self._candidate_pair() if candidates else None)

        def keep(result: ExclusionResult, pair: Any) -> None:
            self._computed["result"] = result
            if pair is not None:
                self._computed["candidates"] = pair

        _result, written = screen_into(self._request, targets, overwrite, self._ctx, self.cache,
                                       profile=self._profile_object, candidates=candidates, guard=guard,
                                       computed=computed, keep=keep, started=self._computed.get("started"))
        return written

    # ------------------------------------------------------------------ life cycle
    def close(self) -> None:
        """Remove the private temporary folder (in-memory layers, the private screening folder)."""
        if self._finalizer is not None:
            self._finalizer()
        self._tmp = None
        self._finalizer = None
        self._computed.pop("run_dir", None)
        self._ranked_for = None

    def __enter__(self) -> Screening:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        request = self._request
        profile = self._profile_object.name if self._profile_object is not None else request.profile
        state = "computed" if "result" in self._computed else "not computed yet"
        return (f"Screening(region={request.region!r}, profile={profile!r}, data={str(request.data_dir)!r}, "
                f"resolution={request.resolution_m!r}; {state})")
