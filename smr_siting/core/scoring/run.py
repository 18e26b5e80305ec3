"""``smr-siting rank`` and ``smr-siting sensitivity`` on a screening output folder.

Both rebuild the screening from the folder's ``manifest.json`` (the same inputs, the recorded
profile text), check that it still gives the folder's ``exclusion.tif`` — so scores and ranks
always belong to the exclusion beside them — and add their outputs to the folder:
``suitability.tif``, ``ranked_sites.gpkg``, ``ranked_sites.csv``, ``ranking.json`` (rank) and
``sensitivity.csv`` (+ ``sweeps.csv``) (sensitivity).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any, Sequence

import geopandas as gpd
import numpy as np

from ..catalogue import load_catalogue
from ..errors import DataError, SmrSitingError
from ..i18n import _
from ..layers import LayerInput, sha256_of
from ..outputs import AtomicOutputs, write_gpkg, write_json, write_style
from ..profile import Distance, Profile, parse_profile
from ..progress import RunContext
from ..units import parse_area, parse_length
from .sensitivity import DEFAULT_CONCENTRATION, leave_one_out, monte_carlo
from .sites import STATUS_RANKED, best_sites_in_areas, evaluate_sites, read_user_sites, write_sites_csv
from .spec import ScoringSpec
from .suitability import compute_suitability

RANK_OUTPUTS = {"suitability": "suitability.tif", "ranked": "ranked_sites.gpkg", "ranked_csv": "ranked_sites.csv",
                "ranking": "ranking.json"}
SUITABILITY_NODATA = -9999.0


def load_run(run_dir: Path) -> tuple[Any, Profile, dict]:
    """The screening request and profile recorded in a run folder, checked against today's inputs."""
    from ..screen import ScreeningRequest

    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise SmrSitingError(_("{folder} is not a screening output folder (no manifest.json)").format(folder=run_dir),
                             _("Run 'smr-siting screen --out FOLDER' first and pass that folder"))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        params = manifest["parameters"]
        recorded = manifest["profile"]
    except (ValueError, KeyError) as error:
        raise SmrSitingError(_("{path} is damaged ({error})").format(path=manifest_path, error=error),
                             _("Run the screening again")) from None
    catalogue = load_catalogue()
    profile = parse_profile(recorded["text"], _("{path} (as recorded in {manifest})").format(
        path=recorded["path"], manifest=manifest_path.name), catalogue.ids)
    for item in manifest.get("inputs", []):
        path = Path(item["path"])
        if not path.exists():
            raise DataError(_("input {layer!r} of this run, {path}, no longer exists").format(
                                layer=item["layer_id"], path=path),
                            _("Restore it, or run the screening again with the current data"))
        if sha256_of(path) != item["sha256"]:
            raise DataError(_("input {layer!r} ({path}) changed since the screening (sha256 differs)").format(
                                layer=item["layer_id"], path=path),
                            _("Run 'smr-siting screen' again so that scores and exclusion belong together"))
    layers = {k: LayerInput(Path(v["path"]), v.get("layer")) for k, v in (params.get("layers") or {}).items()}
    request = ScreeningRequest(
        region=params["region"], profile=params["profile"],
        data_dir=Path(params["data_dir"]) if params.get("data_dir") else None, layers=layers,
        fallback_dir=Path(params["fallback_dir"]) if params.get("fallback_dir") else None,
        resolution_m=params.get("resolution_m"), footprint_ha=params.get("footprint_ha"),
        footprint_shape=params.get("footprint_shape"))
    return request, profile, manifest


def _rebuild(run_dir: Path, ctx: RunContext) -> tuple[Any, Profile, dict]:
    from ..screen import compute_exclusion

    request, profile, manifest = load_run(run_dir)
    result = compute_exclusion(request, ctx, profile=profile)
    exclusion = run_dir / "exclusion.tif"
    if exclusion.exists():
        import rasterio

        with rasterio.open(exclusion) as src:
            same = src.shape == result.bits.shape and np.array_equal(src.read(1), result.bits)
        if not same:
            manifest_path = run_dir / "manifest.json"
            raise SmrSitingError(_("the screening rebuilt from {manifest} no longer gives its exclusion.tif").format(
                                     manifest=manifest_path), _("Run 'smr-siting screen' again"))
    return result, profile, manifest


def scoring_spec(profile: Profile) -> ScoringSpec:
    if profile.scoring is None:
        raise SmrSitingError(_("profile {name!r} has no 'scoring' section, so sites cannot be scored").format(
                                 name=profile.name),
                             _("Add one (see the scoring section of nl-default: smr-siting profiles --show nl-default)"),
                             profile.path)
    return profile.scoring


def score_sites(result: Any, spec: ScoringSpec, sites: LayerInput | None = None,
                ctx: RunContext | None = None) -> tuple[Any, gpd.GeoDataFrame, dict]:
    """Suitability surface, the sites (given, or the best place per candidate area) evaluated and ranked,
    and a summary for ranking.json."""
    from ..screen import compute_candidates

    ctx = ctx or result.ctx
    areas, _cells = compute_candidates(result, ctx.stage(0.0, 0.2))
    suitability = compute_suitability(result, spec, ctx.stage(0.2, 0.7))
    if sites is not None:
        chosen = read_user_sites(sites, result)
    else:
        chosen = best_sites_in_areas(result, suitability, areas)
        if not chosen:
            ctx.tell(_("No candidate areas, so there are no sites to rank; the outputs hold none."))
    table = evaluate_sites(chosen, result, spec, ctx.stage(0.7, 1.0))
    summary = {
        "profile": result.profile.name, "region": result.region.name,
        "sites": str(sites.path) if sites else "best place per candidate area",
        "sites_sha256": sha256_of(sites.path) if sites else None, "scoring": spec.as_dict(),
        "criteria": [{"id": c.id, "title": c.title, "measure": c.measure, "layers": list(c.layer_ids),
                      "standardise": c.standardise.describe(), "weight": round(w, 6), "basis": c.basis}
                     for c, w in zip(spec.criteria, spec.weights)],
        "ranked": int((table["status"] == STATUS_RANKED).sum()) if len(table) else 0,
        "notices": list(suitability.warnings),
    }
    return suitability, table, summary


def write_suitability_tif(path: Path, surface: np.ndarray, grid: Any, spec: ScoringSpec) -> None:
    import rasterio

    data = np.where(np.isnan(surface), SUITABILITY_NODATA, surface).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=grid.width, height=grid.height, count=1, dtype="float32",
                       crs=grid.crs, transform=grid.transform, nodata=SUITABILITY_NODATA, compress="deflate",
                       predictor=3, tiled=True, blockxsize=256, blockysize=256) as dst:
        dst.write(data, 1)
        dst.set_band_description(1, "SMR suitability 0..1 (nodata where excluded or outside the region)")
        dst.update_tags(SMR_SITING_SCORING=json.dumps(spec.as_dict(), ensure_ascii=False))


def rank_run(run_dir: Path, sites: LayerInput | None = None, overwrite: bool = False,
             ctx: RunContext | None = None) -> dict[str, Path]:
    ctx = ctx or RunContext()
    targets = {key: run_dir / name for key, name in RANK_OUTPUTS.items()}
    outputs = AtomicOutputs(targets, overwrite)
    outputs.check()
    result, profile, _manifest = _rebuild(run_dir, ctx.stage(0.0, 0.4))
    spec = scoring_spec(profile)
    suitability, table, summary = score_sites(result, spec, sites, ctx.stage(0.4, 0.95))
    with outputs:
        write_suitability_tif(outputs.temp(targets["suitability"]), suitability.surface, suitability.grid, spec)
        write_style(outputs.temp(targets["suitability"].with_suffix(".qml")), "suitability.qml")
        write_gpkg(outputs.temp(targets["ranked"]), table, "ranked_sites", geometry_type="Point")
        write_style(outputs.temp(targets["ranked"].with_suffix(".qml")), "ranked_sites.qml")
        write_sites_csv(outputs.temp(targets["ranked_csv"]), table, spec)
        write_json(outputs.temp(targets["ranking"]), summary)
        ctx.check_cancelled()
        outputs.commit()
    ctx.progress(1.0, _("done"))  # after the commit: too late to cancel
    return targets


def parse_sweep(text: str) -> tuple[str, list[float]]:
    """What to sweep and its values: ``RULE=1km,2km`` (a rule's distance or buffer, metres),
    ``RULE.threshold=500,1000`` (a raster_threshold rule's value, in its unit) or ``footprint=5ha,20ha`` (m²)."""
    if "=" not in text:
        raise SmrSitingError(_("--sweep {text!r} is not RULE=VALUE,VALUE,…").format(text=text),
                             _("Write e.g. --sweep cooling_water=1km,2km,5km"))
    target, _sep, values = text.partition("=")
    target = target.strip()
    items = [v.strip() for v in values.split(",") if v.strip()]
    where = f"--sweep {target}"
    if target == "footprint":
        parsed = [parse_area(v, _("sweep value"), where) for v in items]
    elif target.endswith(".threshold"):
        try:
            parsed = [float(v) for v in items]
        except ValueError:
            raise SmrSitingError(_("--sweep {text!r}: threshold values must be plain numbers").format(text=text),
                                 _("Write e.g. --sweep population_density.threshold=500,1000,2000")) from None
    else:
        parsed = [parse_length(v, _("sweep value"), where) for v in items]
    if not parsed:
        raise SmrSitingError(_("--sweep {text!r} lists no values").format(text=text),
                             _("Write e.g. --sweep cooling_water=1km,2km,5km"))
    return target, parsed


def sweep_unit(target: str, profile: Profile) -> str:
    if target == "footprint":
        return "m2"
    if target.endswith(".threshold"):
        rule = next((c for c in profile.criteria if c.id == target.removesuffix(".threshold")), None)
        return str(rule.options.get("unit", "")) if rule is not None else ""
    return "m"


def with_value(profile: Profile, target: str, value: float) -> Profile:
    """The profile with one number changed: a rule's distances, a rule's threshold, or the footprint area."""
    if target == "footprint":
        return dataclasses.replace(profile, footprint=dataclasses.replace(profile.footprint, area_m2=value))
    rule_id, threshold = (target.removesuffix(".threshold"), True) if target.endswith(".threshold") else (target, False)
    ids = [c.id for c in profile.criteria]
    if rule_id not in ids:
        import difflib

        close = difflib.get_close_matches(rule_id, ids, n=1)
        raise SmrSitingError(_("--sweep: the profile has no rule {rule!r}").format(rule=rule_id),
                             (_("Did you mean {name!r}?").format(name=close[0]) + " " if close else "")
                             + _("Rules: {rules}").format(rules=", ".join(ids)) + "; " + _("or sweep 'footprint'"))
    criteria = []
    for criterion in profile.criteria:
        if criterion.id == rule_id:
            if threshold:
                if "value" not in criterion.options:
                    raise SmrSitingError(_("--sweep: rule {rule!r} has no threshold to vary").format(rule=rule_id),
                                         _("Sweep RULE.threshold only for a raster_threshold rule"))
                criterion = dataclasses.replace(criterion, options={**criterion.options, "value": float(value)})
            else:
                if not any(s.distance is not None or s.buffer_m for s in criterion.sources) and \
                        criterion.kind != "exclude_inside":
                    raise SmrSitingError(_("--sweep: rule {rule!r} has no distance to vary").format(rule=rule_id),
                                         _("Sweep a rule with a distance or buffer"))
                sources = tuple(dataclasses.replace(s, distance=Distance(metres=value)) if s.distance is not None
                                else dataclasses.replace(s, buffer_m=value) for s in criterion.sources)
                criterion = dataclasses.replace(criterion, sources=sources)
        criteria.append(criterion)
    return dataclasses.replace(profile, criteria=tuple(criteria))


def with_distance(profile: Profile, rule_id: str, metres: float) -> Profile:
    """The profile with every distance (or buffer) of one rule set to ``metres``."""
    return with_value(profile, rule_id, metres)


def sensitivity_run(run_dir: Path, samples: int = 1000, seed: int = 1, sweeps: Sequence[str] = (),
                    overwrite: bool = False, concentration: float = DEFAULT_CONCENTRATION,
                    ctx: RunContext | None = None) -> dict[str, Path]:
    ctx = ctx or RunContext()
    if samples < 1 or samples > 1_000_000:
        raise SmrSitingError(_("--samples {samples} is outside 1 .. 1,000,000").format(samples=samples),
                             _("Use e.g. --samples 1000"))
    parsed = [parse_sweep(s) for s in sweeps]
    ranked_path = run_dir / "ranked_sites.gpkg"
    if not ranked_path.exists():
        raise SmrSitingError(_("{folder} has no ranked_sites.gpkg").format(folder=run_dir),
                             _("Run 'smr-siting rank --run FOLDER' first"))
    targets = {"sensitivity": run_dir / "sensitivity.csv"}
    if parsed:
        targets["sweeps"] = run_dir / "sweeps.csv"
    outputs = AtomicOutputs(targets, overwrite)
    outputs.check()
    request, profile, _manifest = load_run(run_dir)
    spec = scoring_spec(profile)
    table = gpd.read_file(ranked_path, layer="ranked_sites")
    ctx.report(0.05, _("Monte Carlo on the weights ({samples} samples, seed {seed})").format(samples=samples, seed=seed))
    rows, columns = sensitivity_rows(table, spec, samples, seed, concentration)
    if not rows:
        ctx.tell(_("No ranked sites, so the weight sensitivity is empty."))
    sweeps_table = sweep_rows(request, profile, parsed, ctx.stage(0.3, 0.95)) if parsed else []
    with outputs:
        _write_csv(outputs.temp(targets["sensitivity"]), rows, columns)
        if parsed:
            _write_csv(outputs.temp(targets["sweeps"]), sweeps_table, SWEEP_COLUMNS)
        ctx.check_cancelled()
        outputs.commit()
    ctx.progress(1.0, _("done"))  # after the commit: too late to cancel
    return targets


SWEEP_COLUMNS = ["parameter", "value", "unit", "km2_not_excluded", "share_excluded", "candidate_areas",
                 "candidate_area_ha"]


def sensitivity_rows(table: gpd.GeoDataFrame, spec: ScoringSpec, samples: int = 1000, seed: int = 1,
                     concentration: float = DEFAULT_CONCENTRATION) -> tuple[list[dict[str, Any]], list[str]]:
    """Per ranked site: shares of Monte Carlo runs at rank 1 / in the top 3 / top 5, rank interval,
    and its rank with each criterion left out."""
    names = list(spec.names)
    columns = ["site_id", "name", "rank", "share_rank1", "share_top3", "share_top5", "rank_p05", "rank_median",
               "rank_p95", "mean_rank"] + [f"rank_without_{n}" for n in names]
    if len(table) == 0:
        return [], columns
    ranked = table[table["status"] == STATUS_RANKED].sort_values("site_id").reset_index(drop=True)
    missing = [f"{n}_score" for n in names if f"{n}_score" not in ranked.columns]
    if missing:
        raise SmrSitingError(_("the ranked sites lack {columns}").format(columns=", ".join(missing)),
                             _("Rank the sites again"))
    if len(ranked) == 0:
        return [], columns
    matrix = ranked[[f"{n}_score" for n in names]].to_numpy(dtype="float64")
    mc = monte_carlo(matrix, spec.weights, samples, seed, concentration, spec.ranking)
    loo = leave_one_out(matrix, spec.weights, spec.ranking)
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
    return rows, columns


def sweep_rows(request: Any, profile: Profile, sweeps: Sequence[tuple[str, list[float]]],
               ctx: RunContext) -> list[dict[str, Any]]:
    """Per swept value: km² not excluded and candidate areas (the whole exclusion run again)."""
    from ..screen import compute_candidates, compute_exclusion

    rows = []
    total = sum(len(v) for _, v in sweeps)
    done = 0
    for rule_id, values in sweeps:
        for metres in values:
            stage = ctx.stage(done / total, (done + 1) / total)
            changed = with_value(profile, rule_id, metres)
            result = compute_exclusion(request, stage.stage(0.0, 0.8), profile=changed)
            areas, _cells = compute_candidates(result, stage.stage(0.8, 1.0))
            totals = result.totals()
            rows.append({"parameter": rule_id, "value": metres, "unit": sweep_unit(rule_id, profile),
                         "km2_not_excluded": totals["not_excluded_km2"],
                         "share_excluded": totals["share_excluded"], "candidate_areas": len(areas),
                         "candidate_area_ha": round(float(areas["area_ha"].sum()), 2) if len(areas) else 0.0})
            done += 1
    return rows


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


__all__ = ["load_run", "parse_sweep", "rank_run", "score_sites", "scoring_spec", "sensitivity_rows", "sensitivity_run",
           "sweep_rows", "with_distance", "write_json"]
