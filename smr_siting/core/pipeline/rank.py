"""``smr-siting rank`` and ``smr-siting sensitivity`` on a screening output folder.

Both rebuild the screening from the folder's ``manifest.json`` (the same inputs, the recorded
profile text), check that it still gives the folder's ``exclusion.tif`` — so scores and ranks
always belong to the exclusion beside them — and add their outputs to the folder:
``suitability.tif``, ``ranked_sites.gpkg``, ``ranked_sites.csv``, ``ranking.json`` (rank) and
``sensitivity.csv`` (+ ``sweeps.csv``) (sensitivity).
"""

from __future__ import annotations

import contextvars
import csv
import dataclasses
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import numpy as np

from ..candidates.compute import compute_candidate_figures, compute_candidates
from ..config.scoring import ScoringSpec
from ..data.catalogue import load_catalogue
from ..data.layers import LayerInput, SharedReads, sha256_of
from ..data.sources import resolve_profile
from ..exclusion.compute import ScreeningRequest, compute_exclusion, request_region
from ..exclusion.rulecache import RuleCache
from ..model.errors import DataError, SmrSitingError
from ..model.grid import Grid, available_memory_bytes, check_memory, memory_estimate
from ..model.i18n import _, coded_list, english, english_list
from ..model.profile import Profile
from ..model.progress import RunContext
from ..outputs import AtomicOutputs, Manifest, write_gpkg, write_json, write_style
from ..scoring.sites import (
    STATUS_RANKED,
    best_sites_in_areas,
    evaluate_sites,
    fit_masks,
    place_user_sites,
    read_user_sites,
    write_sites_csv,
)
from ..scoring.suitability import Suitability, compute_suitability
from ..sensitivity.montecarlo import (
    DEFAULT_CONCENTRATION,
    concentration_for_spread,
    leave_one_out,
    monte_carlo,
    weight_spread_summary,
)
from ..sensitivity.sweeps import parse_sweep, resolve, sweep_unit, with_value
from .verify import screening_request

RANK_OUTPUTS = {"suitability": "suitability.tif", "ranked": "ranked_sites.gpkg", "ranked_csv": "ranked_sites.csv",
                "ranking": "ranking.json"}
SUITABILITY_NODATA = -9999.0


def load_run(run_dir: Path) -> tuple[ScreeningRequest, Profile, Manifest]:
    """The screening request and profile recorded in a run folder, checked against today's inputs."""
    manifest = Manifest.read(run_dir, _("Run 'smr-siting screen --out FOLDER' first and pass that folder"))  # untrusted
    catalogue = load_catalogue()
    profile = manifest.profile(_("{path} (as recorded in {manifest})").format(
        path=manifest.profile_path, manifest=manifest.path.name), catalogue.ids)
    for item in manifest.inputs:
        path = Path(item["path"])
        state = manifest.input_state(item, RunContext())  # regular files only, read no further than recorded
        if state == "missing":
            raise DataError(_("input {layer!r} of this run, {path}, no longer exists").format(
                                layer=item["layer_id"], path=path),
                            _("Restore it, or run the screening again with the current data"))
        if state == "changed":
            raise DataError(_("input {layer!r} ({path}) changed since the screening (sha256 differs)").format(
                                layer=item["layer_id"], path=path),
                            _("Run 'smr-siting screen' again so that scores and exclusion belong together"))
    request = screening_request(manifest)
    # the layers the screening used (sources in order of authority), so that scores, sweeps and the rebuilt
    # exclusion read the same ones even if a more authoritative layer has appeared in the folder since
    profile, _choices = resolve_profile(profile, lambda _layer: None, request.source_pins)
    return request, profile, manifest


def _rebuild(run_dir: Path, ctx: RunContext, design: str | None = None,
             cache: RuleCache | None = None) -> tuple[Any, Profile, Manifest]:
    request, profile, manifest = load_run(run_dir)
    if design is not None:
        from ..candidates.regulator import attach_rank_design, check_rank_design

        check_rank_design(request, profile, design)  # refused before any work if the screening used another
    result = compute_exclusion(request, ctx, profile=profile, cache=cache)
    # scoring and the site search need more than the screening: refuse before they allocate
    free_share = np.count_nonzero((result.bits_full == 0) & result.region_full) / max(result.bits_full.size, 1)
    check_memory(result.analysis_grid, request.memory_limit_bytes, "rank", result.footprint.shape, free_share)
    if design is not None:
        attach_rank_design(result, design)  # the design of the regulator columns
    exclusion = run_dir / "exclusion.tif"
    if exclusion.exists():
        import rasterio

        with rasterio.open(exclusion) as src:
            same = src.shape == result.bits.shape and np.array_equal(src.read(1), result.bits)
        if not same:
            raise SmrSitingError(_("the screening rebuilt from {manifest} no longer gives its exclusion.tif").format(
                                     manifest=manifest.path), _("Run 'smr-siting screen' again"))
    return result, result.profile, manifest  # the profile as run (a reactor design applied)


def scoring_spec(profile: Profile) -> ScoringSpec:
    if profile.scoring is None:
        raise SmrSitingError(_("profile {name!r} has no 'scoring' section, so sites cannot be scored").format(
                                 name=profile.name),
                             _("Add one (see the scoring section of nl-default: smr-siting profiles --show nl-default)"),
                             profile.path)
    return profile.scoring


def screening_areas(run_dir: Path, manifest: Manifest) -> gpd.GeoDataFrame | None:
    """The candidate areas the screening drew (area_id, area_ha, geometry), read from its
    candidate_areas.gpkg when that is still the file the manifest records (sha256); None otherwise.  Rank
    checks the rebuilt exclusion against exclusion.tif, so these are the areas that exclusion gives."""
    path = manifest.vouched_output("candidate_areas.gpkg", run_dir)
    if path is None:
        return None
    try:
        areas = gpd.read_file(path, layer="candidate_areas")
    except (OSError, ValueError, RuntimeError):  # unreadable (fiona/pyogrio): drawn again from the exclusion
        return None
    if not {"area_id", "area_ha"} <= set(areas.columns):
        return None
    return areas[["area_id", "area_ha", "geometry"]]


def score_sites(result: Any, spec: ScoringSpec, sites: LayerInput | None = None,
                ctx: RunContext | None = None,
                areas: gpd.GeoDataFrame | None = None) -> tuple[Any, gpd.GeoDataFrame, dict]:
    """Suitability surface, the sites (given, or the best place per candidate area) evaluated and ranked,
    and a summary for ranking.json.  ``areas``: the candidate areas when already known (the screening's
    file); without them they are drawn again from the exclusion (only when no sites are given)."""
    ctx = ctx or result.ctx
    if sites is None and areas is None:
        areas, _cells = compute_candidates(result, ctx.stage(0.0, 0.2))
    masks = fit_masks(result, ctx.stage(0.0, 0.2))  # the candidate search's fit, the cache's or computed
    r0, r1, c0, c1 = result.window
    sample = masks.fits[r0:r1, c0:c1].copy()  # where a best place (or a parcel's place) may lie
    given = read_user_sites(sites, result) if sites is not None else []
    out_grid = result.grid
    for site in given:
        col = int((site.point.x - out_grid.left) // out_grid.resolution)
        row = int((out_grid.top - site.point.y) // out_grid.resolution)
        if 0 <= row < out_grid.height and 0 <= col < out_grid.width:
            sample[row, col] = True
    suitability = compute_suitability(result, spec, ctx.stage(0.2, 0.7), sample)
    if sites is not None:
        chosen = place_user_sites(given, result, suitability, masks)
    else:
        chosen = best_sites_in_areas(result, suitability, areas, masks)
        if not chosen:
            ctx.tell(_("No candidate areas, so there are no sites to rank; the outputs hold none."))
    table = evaluate_sites(chosen, result, spec, ctx.stage(0.7, 1.0), suitability)
    summary = {
        "profile": result.profile.name, "region": result.region.name,
        "sites": str(sites.path) if sites else "best place per candidate area",
        "sites_sha256": sha256_of(sites.path) if sites else None, "scoring": spec.as_dict(),
        "criteria": [{"id": c.id, "title": c.title, "measure": c.measure, "layers": list(c.layer_ids),
                      "standardise": suitability.standardisations.get(c.id, c.standardise).describe(),
                      "weight": round(w, 6), "basis": c.basis}
                     for c, w in zip(spec.criteria, spec.weights)],
        "ranked": int((table["status"] == STATUS_RANKED).sum()) if len(table) else 0,
        "notices": english_list(suitability.warnings), "notice_codes": coded_list(suitability.warnings),
    }
    from ..candidates.regulator import annotate_sites

    table, summary = annotate_sites(table, summary, result)  # regulator columns (screenings with a design)
    return suitability, table, summary


#: rows of suitability.tif written at a time (its tiles' height: a strip of whole tiles)
SUITABILITY_STRIP_ROWS = 256


def write_suitability_tif(path: Path, suitability: Suitability, spec: ScoringSpec) -> None:
    """The surface as a tiled, compressed GeoTIFF, SUITABILITY_NODATA where it has no value; written a strip
    of tiles at a time from the scored cells (no grid-sized copy of the surface)."""
    import rasterio
    from rasterio.windows import Window

    grid = suitability.grid
    strip = np.empty((min(SUITABILITY_STRIP_ROWS, grid.height), grid.width), dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=grid.width, height=grid.height, count=1, dtype="float32",
                       crs=grid.crs, transform=grid.transform, nodata=SUITABILITY_NODATA, compress="deflate",
                       predictor=3, tiled=True, blockxsize=256, blockysize=256,
                       num_threads="ALL_CPUS") as dst:  # the tiles compressed side by side: the same bytes
        bounds = np.searchsorted(suitability.index, np.arange(0, grid.height + SUITABILITY_STRIP_ROWS,
                                                              SUITABILITY_STRIP_ROWS) * grid.width)
        for k, row0 in enumerate(range(0, grid.height, SUITABILITY_STRIP_ROWS)):
            rows = min(SUITABILITY_STRIP_ROWS, grid.height - row0)
            part = strip[:rows]
            part.fill(np.float32(SUITABILITY_NODATA))
            start, stop = bounds[k], bounds[k + 1]
            part.ravel()[suitability.index[start:stop] - row0 * grid.width] = suitability.values[start:stop]
            dst.write(part, 1, window=Window(0, row0, grid.width, rows))
        dst.set_band_description(1, "SMR suitability 0..1 (nodata where excluded or outside the region)")
        dst.update_tags(SMR_SITING_SCORING=json.dumps(spec.as_dict(), ensure_ascii=False))


def rank_run(run_dir: Path, sites: LayerInput | None = None, overwrite: bool = False,
             ctx: RunContext | None = None, design: str | None = None,
             cache: RuleCache | None = None) -> dict[str, Path]:
    """Score and rank; ``cache``: rule masks to reuse for the rebuilt exclusion (it is still checked against
    the folder's exclusion.tif)."""
    ctx = ctx or RunContext()
    targets = {key: run_dir / name for key, name in RANK_OUTPUTS.items()}
    outputs = AtomicOutputs(targets, overwrite, inputs=[sites.path] if sites else [])
    outputs.check()
    result, profile, manifest = _rebuild(run_dir, ctx.stage(0.0, 0.4), design, cache)
    spec = scoring_spec(profile)
    areas = screening_areas(run_dir, manifest) if sites is None else None  # not drawn a second time
    suitability, table, summary = score_sites(result, spec, sites, ctx.stage(0.4, 0.95), areas)
    with outputs:
        write_suitability_tif(outputs.temp(targets["suitability"]), suitability, spec)
        write_style(outputs.temp(targets["suitability"].with_suffix(".qml")), "suitability.qml")
        write_gpkg(outputs.temp(targets["ranked"]), table, "ranked_sites", geometry_type="Point")
        write_style(outputs.temp(targets["ranked"].with_suffix(".qml")), "ranked_sites.qml")
        write_sites_csv(outputs.temp(targets["ranked_csv"]), table, spec)
        write_json(outputs.temp(targets["ranking"]), summary)
        ctx.check_cancelled()
        outputs.commit()
    ctx.progress(1.0, _("done"))  # after the commit: too late to cancel
    return targets


def with_distance(profile: Profile, rule_id: str, metres: float) -> Profile:
    """The profile with every distance (or buffer) of one rule set to ``metres``."""
    return with_value(profile, rule_id, metres)


def chosen_concentration(spec: ScoringSpec, concentration: float | None = None,
                         weight_spread: float | None = None) -> tuple[float, str]:
    """The Dirichlet concentration and where it came from: --weight-spread, --concentration, the profile's
    ``scoring.sensitivity``, or the default."""
    if weight_spread is not None:
        return concentration_for_spread(spec.weights, weight_spread), f"--weight-spread {weight_spread:g}"
    if concentration is not None:
        if concentration <= 0:
            raise SmrSitingError(_("--concentration {value:g} must be positive").format(value=concentration),
                                 _("Use e.g. --concentration 100"))
        return float(concentration), f"--concentration {concentration:g}"
    if spec.weight_spread is not None:
        return (concentration_for_spread(spec.weights, spec.weight_spread),
                f"profile scoring.sensitivity.weight_spread {spec.weight_spread:g}")
    if spec.concentration is not None:
        return spec.concentration, f"profile scoring.sensitivity.concentration {spec.concentration:g}"
    return DEFAULT_CONCENTRATION, "default"


def sensitivity_description(spec: ScoringSpec, samples: int, seed: int, concentration: float, source: str,
                            mc: Any | None) -> dict[str, Any]:
    """What sensitivity.json records: how the weights were sampled and the spread that gave."""
    from ..sensitivity.montecarlo import weight_sd

    out: dict[str, Any] = {
        "samples": samples, "seed": seed, "generator": "numpy PCG64", "distribution": "Dirichlet(weights × concentration)",
        "concentration": round(float(concentration), 6), "concentration_from": source,
        "ranking": spec.ranking, "aggregation": spec.aggregation, "owa_alpha": spec.owa_alpha,
    }
    if mc is not None:
        out["weights"] = weight_spread_summary(spec.names, spec.weights, mc)
    else:
        out["weights"] = [{"criterion": n, "weight": round(w, 6), "sd_formula": round(float(sd), 6)}
                          for n, w, sd in zip(spec.names, spec.weights, weight_sd(spec.weights, concentration))]
    return out


def sensitivity_run(run_dir: Path, samples: int = 1000, seed: int = 1, sweeps: Sequence[str] = (),
                    overwrite: bool = False, concentration: float | None = None,
                    ctx: RunContext | None = None, weight_spread: float | None = None,
                    cache: RuleCache | None = None) -> dict[str, Path]:
    """Weights Monte Carlo, leave-one-out and sweeps; a sweep evaluates only the rule it varies (the other
    rules' masks come from ``cache``, by default one in memory for this run)."""
    ctx = ctx or RunContext()
    if samples < 1 or samples > 1_000_000:
        raise SmrSitingError(_("--samples {samples} is outside 1 .. 1,000,000").format(samples=samples),
                             _("Use e.g. --samples 1000"))
    if concentration is not None and not (isinstance(concentration, (int, float)) and math.isfinite(concentration)
                                          and concentration > 0):
        raise SmrSitingError(_("the concentration {value} must be a positive number").format(value=concentration),
                             _("Use e.g. --concentration 100 (smaller = a wider spread of the weights)"))
    if seed < 0:
        raise SmrSitingError(_("the seed {seed} must not be negative").format(seed=seed), _("Use e.g. --seed 1"))
    parsed = [parse_sweep(s) for s in sweeps]
    ranked_path = run_dir / "ranked_sites.gpkg"
    if not ranked_path.exists():
        raise SmrSitingError(_("{folder} has no ranked_sites.gpkg").format(folder=run_dir),
                             _("Run 'smr-siting rank --run FOLDER' first"))
    targets = {"sensitivity": run_dir / "sensitivity.csv", "description": run_dir / "sensitivity.json"}
    if parsed:
        targets["sweeps"] = run_dir / "sweeps.csv"
    outputs = AtomicOutputs(targets, overwrite)
    outputs.check()
    request, profile, manifest = load_run(run_dir)
    for target, _values in parsed:
        resolve(profile, target)  # refuse an unknown or ambiguous sweep before any work
    spec = scoring_spec(profile)
    table = gpd.read_file(ranked_path, layer="ranked_sites")
    ctx.report(0.05, _("Monte Carlo on the weights ({samples} samples, seed {seed})").format(samples=samples, seed=seed))
    chosen, source = chosen_concentration(spec, concentration, weight_spread)
    rows, columns, mc = sensitivity_rows(table, spec, samples, seed, chosen, with_samples=True)
    description = sensitivity_description(spec, samples, seed, chosen, source, mc)
    if not rows:
        ctx.tell(_("No ranked sites, so the weight sensitivity is empty."))
    shape = "circle" if "circle" in (getattr(request, "footprint_shape", None), profile.footprint.shape) else "square"
    sweeps_table = sweep_rows(request, profile, parsed, ctx.stage(0.3, 0.95), cache,
                              screening_baseline(run_dir, manifest), sweep_workers(run_dir, shape)) if parsed else []
    with outputs:
        _write_csv(outputs.temp(targets["sensitivity"]), rows, columns)
        write_json(outputs.temp(targets["description"]), description)
        if parsed:
            _write_csv(outputs.temp(targets["sweeps"]), sweeps_table, SWEEP_COLUMNS)
        ctx.check_cancelled()
        outputs.commit()
    ctx.progress(1.0, _("done"))  # after the commit: too late to cancel
    return targets


SWEEP_COLUMNS = ["parameter", "value", "unit", "km2_not_excluded", "share_excluded", "candidate_areas",
                 "candidate_area_ha"]


def sensitivity_rows(table: gpd.GeoDataFrame, spec: ScoringSpec, samples: int = 1000, seed: int = 1,
                     concentration: float = DEFAULT_CONCENTRATION, with_samples: bool = False) -> Any:
    """Per ranked site: shares of Monte Carlo runs at rank 1 / in the top 3 / top 5, rank interval,
    and its rank with each criterion left out."""
    names = list(spec.names)
    columns = ["site_id", "name", "rank", "share_rank1", "share_top3", "share_top5", "rank_p05", "rank_median",
               "rank_p95", "mean_rank"] + [f"rank_without_{n}" for n in names]
    empty: Any = ([], columns, None) if with_samples else ([], columns)
    if len(table) == 0:
        return empty
    ranked = table[table["status"] == STATUS_RANKED].sort_values("site_id").reset_index(drop=True)
    missing = [f"{n}_score" for n in names if f"{n}_score" not in ranked.columns]
    if missing:
        raise SmrSitingError(_("the ranked sites lack {columns}").format(columns=", ".join(missing)),
                             _("Rank the sites again"))
    if len(ranked) == 0:
        return empty
    matrix = ranked[[f"{n}_score" for n in names]].to_numpy(dtype="float64")
    mc = monte_carlo(matrix, spec.weights, samples, seed, concentration, spec.ranking, spec.aggregation,
                     spec.owa_alpha)
    loo = leave_one_out(matrix, spec.weights, spec.ranking, spec.aggregation, spec.owa_alpha)
    rows = []
    for i, site in ranked.iterrows():
        row = {"site_id": int(site["site_id"]), "name": site["name"], "rank": int(site["rank"]),
               "share_rank1": round(float(mc.share_rank1[i]), 6), "share_top3": round(float(mc.share_top3[i]), 6),
               "share_top5": round(float(mc.share_top5[i]), 6), "rank_p05": int(mc.rank_p05[i]),
               "rank_median": float(mc.rank_median[i]), "rank_p95": int(mc.rank_p95[i]),
               "mean_rank": round(float(mc.mean_rank[i]), 6)}
        for j, name in enumerate(names):
            row[f"rank_without_{name}"] = int(loo[j, i])
        rows.append(row)
    rows.sort(key=lambda r: r["rank"])
    return (rows, columns, mc) if with_samples else (rows, columns)


def screening_baseline(run_dir: Path, manifest: Manifest) -> dict[str, Any] | None:
    """The baseline row of a sweep as the screening's summary.json gives it (km² not excluded, the share
    excluded, the candidate areas and their hectares), while summary.json is the file the manifest records
    (sha256); None otherwise (then the row is computed)."""
    path = manifest.vouched_output("summary.json", run_dir)
    if path is None:
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        totals, candidates = summary["totals"], summary["candidates"]
        row = {"parameter": "baseline", "value": "", "unit": "",
               "km2_not_excluded": float(totals["not_excluded_km2"]), "share_excluded": float(totals["share_excluded"]),
               "candidate_areas": int(candidates["count"]), "candidate_area_ha": float(candidates["area_ha"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return row


def sweep_rows(request: Any, profile: Profile, sweeps: Sequence[tuple[str, list[float]]],
               ctx: RunContext, cache: RuleCache | None = None,
               baseline: dict[str, Any] | None = None, workers: int = 1) -> list[dict[str, Any]]:
    """Per swept value: km² not excluded and candidate areas.  The first row is the baseline — the
    screening as it was, which reproduces its own figures (``baseline``: those figures as the screening wrote
    them, see :func:`screening_baseline`, used with a cache on disk; else computed).  Each value evaluates the
    one rule it changes; the other rules' masks come from ``cache`` (default: one in memory, filled by the
    baseline).
    ``workers``: values computed side by side (threads; the same rows, in the same order, and what they tell
    told in that order), see :func:`sweep_workers`."""
    cache = cache if cache is not None else RuleCache()

    targets = [(resolve(profile, target), values) for target, values in sweeps]
    total = 1 + sum(len(v) for _, v in targets)

    regions: list[Any] = []  # the region found for the baseline: the same request and data for every row
    # what the values make alike, made once for all of them: the layers they read (the swept rule's: the others
    # come from the cache), the region's cells, the other rules' bits; not the baseline's (every layer, in memory
    # for the whole sweep)
    reads = SharedReads()

    def row(parameter: str, value: Any, unit: str, changed_request: Any, changed: Profile,
            stage: RunContext, shared: bool = True) -> dict:
        result = compute_exclusion(changed_request, stage.stage(0.0, 0.8), profile=changed, cache=cache,
                                   region=regions[0] if regions else None, reads=reads if shared else None)
        regions[:] = [result.region]
        count, area_ha = compute_candidate_figures(result, stage.stage(0.8, 1.0))
        totals = result.totals()
        return {"parameter": parameter, "value": value, "unit": unit,
                "km2_not_excluded": totals["not_excluded_km2"], "share_excluded": totals["share_excluded"],
                "candidate_areas": count, "candidate_area_ha": area_ha}

    # the screening's own figures serve as the baseline where the cache holds its rule masks (a folder); a
    # cache in memory only is empty: the baseline is computed first, and fills it for the values
    given = baseline if baseline is not None and cache.directory is not None else None
    try:
        rows = [dict(given) if given is not None else row("baseline", "", "", request, profile,
                                                          ctx.stage(0.0, 1 / total), shared=False)]
        if not regions and total > 1:  # found once, not by each value (side by side, each would look it up)
            regions.append(ctx.call(request_region, request, ctx))
        return _value_rows(rows, targets, total, request, profile, ctx, row, workers)
    finally:
        reads.close()


def _value_rows(rows: list[dict[str, Any]], targets: list, total: int, request: Any, profile: Profile,
                ctx: RunContext, row: Any, workers: int) -> list[dict[str, Any]]:
    """The sweep's rows after the baseline: one per value, one after the other or ``workers`` side by side."""
    jobs = []
    for target, values in targets:
        for value in values:
            changed_request = request
            if target.kind == "footprint" and getattr(request, "footprint_ha", None) is not None:
                # an explicit footprint of the screening (--footprint-ha, QGIS) wins over the profile's
                changed_request = dataclasses.replace(request, footprint_ha=value / 10_000.0)
            jobs.append((target.text, value, target.unit, changed_request, with_value(profile, target, value)))
    if workers < 2 or len(jobs) < 2 or not ctx.poll_calls:  # one after the other (looks at fixed points)
        for k, job in enumerate(jobs):
            rows.append(row(*job, ctx.stage((1 + k) / total, (2 + k) / total)))
        return rows

    def quiet_row(job: tuple) -> tuple[dict, list[str]]:
        """One value in a worker thread: what it tells is kept (repeats too) and told in the rows' order."""
        told: list[str] = []
        quiet = RunContext(is_cancelled=ctx.is_cancelled)
        quiet.taps.append(told.append)
        return row(*job, quiet), told

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smr-siting-sweep")
    try:
        # the largest values first (the longest buffers, as a rule), so that a long one does not start last
        order = sorted(range(len(jobs)), key=lambda k: -float(jobs[k][1]))
        futures = {k: pool.submit(contextvars.copy_context().run, quiet_row, jobs[k]) for k in order}
        for k in range(len(jobs)):  # taken in the rows' order
            made, told = ctx.call(futures[k].result)  # a cancel is seen while the value is computed
            for message in told:
                ctx.tell(message)
            rows.append(made)
            ctx.report((2 + k) / total, _("sweep: {parameter} = {value:g} {unit} computed").format(
                parameter=made["parameter"], value=float(made["value"]), unit=made["unit"]))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # after a cancel or an error: the rest is dropped
    return rows


def sweep_workers(run_dir: Path, shape: str | None) -> int:
    """How many sweep values to compute side by side: 2 where the machine has two cores or more and memory for
    two screenings of the folder's analysis grid (from its summary.json) besides what is free, else 1."""
    if (os.cpu_count() or 1) < 2:
        return 1
    try:
        grid = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["grid"]
        grow = int(round(float(grid["analysis_margin_m"]) / float(grid["resolution_m"])))
        analysis = Grid(0.0, 0.0, float(grid["resolution_m"]), int(grid["width"]) + 2 * grow,
                        int(grid["height"]) + 2 * grow)
    except (OSError, ValueError, KeyError, TypeError):
        return 1
    available = available_memory_bytes()
    if available is None or 2 * memory_estimate(analysis, "screen", shape) > 0.8 * available:
        return 1
    return 2


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: english(value) for key, value in row.items()} for row in rows)


__all__ = ["load_run", "parse_sweep", "rank_run", "score_sites", "scoring_spec", "sensitivity_rows", "sensitivity_run",
           "sweep_rows", "sweep_unit", "with_distance", "with_value", "write_json"]
