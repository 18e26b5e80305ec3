"""The screening pipeline: profile + layers → grid → rule masks → exclusion with reasons →
candidate areas → outputs.  Data flows one way; nothing here reaches back up the chain."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import geopandas as gpd
import numpy as np

from .. import __version__
from ..candidates.areas import FootprintCells
from ..candidates.compute import compute_candidates
from ..config.designs import manifest_entry, resolved_design
from ..data.layers import UsedInput, sha256_of
from ..data.sources import choices_json
from ..exclusion.compute import ExclusionResult, ScreeningRequest, compute_exclusion
from ..exclusion.rulecache import RuleCache
from ..model.i18n import _, coded_list, english_list
from ..model.profile import Profile
from ..model.progress import RunContext
from ..outputs import (
    MANIFEST_FORMAT,
    OUTPUT_NAMES,
    AtomicOutputs,
    exclusion_legend,
    exclusion_polygons,
    exclusion_qml,
    present_values,
    seal_manifest,
    sidecar_paths,
    write_exclusion_tif,
    write_gpkg,
    write_json,
    write_style,
    write_summary_csv,
)

# --------------------------------------------------------------------------- outputs


#: files a later step adds to a screening folder; a new screening makes them stale
DERIVED_OUTPUTS = ("suitability.tif", "suitability.qml", "ranked_sites.gpkg", "ranked_sites.qml", "ranked_sites.csv",
                   "ranking.json", "sensitivity.csv", "sensitivity.json", "sweeps.csv")


def stale_outputs(targets: Mapping[str, Path]) -> list[Path]:
    """Our earlier files in a screening folder that a new run (with --overwrite) would leave inconsistent."""
    folders = {p.parent for p in targets.values()}
    if len(folders) != 1:
        return []
    folder = folders.pop()
    names = set(OUTPUT_NAMES.values()) | set(DERIVED_OUTPUTS)
    for key, name in OUTPUT_NAMES.items():
        names |= {p.name for p in sidecar_paths(key, folder / name)}
    keep = set(targets.values())
    for key, path in targets.items():
        keep |= set(sidecar_paths(key, path))
    return [folder / n for n in sorted(names) if (folder / n).exists() and folder / n not in keep]


def input_paths(request: ScreeningRequest, used: Sequence[UsedInput] = ()) -> list[Path]:
    """The files a screening reads (no output may replace one of them)."""
    paths = [v.path for v in request.layers.values()] + [Path(u.path) for u in used]
    for name in (request.profile, request.region):
        if Path(name).suffix and Path(name).exists():
            paths.append(Path(name))
    return paths


def output_targets(out_dir: Path, want_vector: bool) -> dict[str, Path]:
    keys = [k for k in OUTPUT_NAMES if want_vector or k != "exclusion_vector"]
    return {k: out_dir / OUTPUT_NAMES[k] for k in keys}


def versions() -> dict[str, str]:
    import pyproj
    import rasterio
    import scipy
    import shapely

    return {"smr_siting": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "shapely": shapely.__version__, "geopandas": gpd.__version__,
            "rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__, "pyproj": pyproj.__version__,
            "proj": pyproj.proj_version_str}


def _inputs_json(inputs: list[UsedInput]) -> list[dict]:
    return [{"layer_id": u.layer_id, "title": u.title, "path": os.path.abspath(u.path), "path_as_given": u.path,
             "layer": u.layer, "sha256": u.sha256,
             "bytes": u.bytes, "crs": u.crs, "features_read": u.features_read, "origin": u.origin, "owner": u.owner,
             "licence": u.licence, "vintage": u.vintage, "caveat": u.caveat, "notes": english_list(u.notes),
             "note_codes": coded_list(u.notes), "provenance": u.provenance} for u in inputs]


def summary_dict(result: ExclusionResult, candidates: gpd.GeoDataFrame | None,
                 cells: FootprintCells | None) -> dict:
    profile, region, grid = result.profile, result.region, result.grid
    data: dict[str, Any] = {
        "profile": {"name": profile.name, "title": profile.title, "sha256": profile.sha256},
        "region": {"name": region.name, "code": region.code, "kind": region.kind,
                   "area_km2_vector": round(region.area_km2, 4)},
        "grid": {"crs": grid.crs, "resolution_m": grid.resolution, "width": grid.width, "height": grid.height,
                 "bounds": [round(b, 3) for b in grid.bounds],
                 "analysis_margin_m": round(result.analysis_grid.bounds[2] - grid.bounds[2], 3)},
        "totals": result.totals(),
        "rules": [row.as_dict() for row in result.table],
    }
    if candidates is not None and cells is not None:
        data["candidates"] = {
            "count": int(len(candidates)),
            "area_ha": round(float(candidates["area_ha"].sum()), 2) if len(candidates) else 0.0,
            "largest_ha": round(float(candidates["area_ha"].max()), 2) if len(candidates) else 0.0,
            "footprint": {"shape": cells.shape, "area_ha_required": round(result.footprint.area_m2 / 1e4, 4),
                          "area_ha_on_grid": round(cells.area_m2 / 1e4, 4), "cells": cells.cells,
                          "rows": cells.rows, "cols": cells.cols, "radius_m": round(cells.radius_m, 3)},
        }
    data["sources"] = choices_json(result.sources)
    design = resolved_design(profile)
    if design is not None:
        data["design"] = design.report(result.request.footprint_ha)
    data["caveats"] = result.caveats()
    data["notices"] = english_list(result.ctx.notices)  # English whatever the run's language (a data file)
    data["notice_codes"] = coded_list(result.ctx.notices)  # message id + arguments: any reader's language
    return data


def write_screening(result: ExclusionResult, targets: Mapping[str, Path], overwrite: bool = False,
                    candidates: tuple[gpd.GeoDataFrame, FootprintCells] | None = None,
                    ctx: RunContext | None = None, started: _dt.datetime | None = None) -> dict[str, Path]:
    """Write the requested outputs atomically.  ``targets`` maps output keys (see OUTPUT_NAMES) to paths."""
    ctx = ctx or result.ctx
    outputs = AtomicOutputs(dict(targets), overwrite, inputs=input_paths(result.request, result.store.inputs()))
    if overwrite:
        outputs.stale = stale_outputs(targets)
    outputs.check()
    caveats = result.caveats()
    bits = result.bits
    with outputs:
        if "exclusion" in targets:
            ctx.report(0.1, _("writing exclusion.tif"))
            target = targets["exclusion"]
            write_exclusion_tif(outputs.temp(target), bits, result.grid, result.rules, result.nodata, caveats,
                                ctx.check_cancelled)
            qml, rules_json = sidecar_paths("exclusion", target)
            ctx.check_cancelled()
            present = present_values(bits[result.region_mask])
            ctx.check_cancelled()
            (outputs.temp(qml)).write_text(exclusion_qml(present, result.rules), encoding="utf-8")
            write_json(outputs.temp(rules_json), exclusion_legend(result.rules, result.nodata, caveats))
        if "exclusion_vector" in targets:
            ctx.report(0.3, _("exclusion polygons"))
            target = targets["exclusion_vector"]
            polys = exclusion_polygons(bits, result.region_mask, result.grid, result.rules,
                                       result.grid.cell_area_km2, ctx)
            write_gpkg(outputs.temp(target), _multipolygons(polys), "exclusion_reasons")
            write_style(outputs.temp(sidecar_paths("exclusion_vector", target)[0]), "exclusion_reasons.qml")
        if "candidates" in targets:
            ctx.report(0.5, _("writing candidate areas"))
            gdf, cells = candidates if candidates is not None else compute_candidates(result, ctx.stage(0.5, 0.8))
            candidates = (gdf, cells)
            target = targets["candidates"]
            write_gpkg(outputs.temp(target), _multipolygons(gdf), "candidate_areas")
            write_style(outputs.temp(sidecar_paths("candidates", target)[0]), "candidate_areas.qml")
        summary = summary_dict(result, *(candidates if candidates is not None else (None, None)))
        if "summary_csv" in targets:
            write_summary_csv(outputs.temp(targets["summary_csv"]), result.table)
        if "summary_json" in targets:
            write_json(outputs.temp(targets["summary_json"]), summary)
        if "manifest" in targets:
            ctx.report(0.9, _("manifest"))
            produced = {str(t.name): sha256_of(temp) for t, temp in sorted(outputs.temps.items())}
            finished = _dt.datetime.now(_dt.timezone.utc)
            manifest = {
                "tool": "smr-siting", "version": __version__, "format": MANIFEST_FORMAT,
                "run": {"started": (started or finished).isoformat(timespec="seconds"),
                        "finished": finished.isoformat(timespec="seconds"),
                        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
                        "rules_from_cache": list(result.reused)},
                "parameters": result.request.parameters(),
                "profile": {"name": result.profile.name, "path": result.profile.path,
                            "sha256": result.profile.sha256, "text": result.profile.text},
                "region": summary["region"], "grid": summary["grid"],
                "design": manifest_entry(result.profile, result.request.footprint_ha),
                "inputs": _inputs_json(result.store.inputs()),
                "sources": choices_json(result.sources),
                "outputs": produced, "caveats": caveats, "notices": english_list(result.ctx.notices),
                "notice_codes": coded_list(result.ctx.notices),
                "versions": versions(),
            }
            write_json(outputs.temp(targets["manifest"]), seal_manifest(manifest))
        ctx.check_cancelled()
        outputs.commit()
    ctx.progress(1.0, _("done"))  # after the commit: too late to cancel
    return dict(targets)


def _multipolygons(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    from shapely.geometry import MultiPolygon

    if len(gdf) == 0:
        return gdf
    gdf = gdf.copy()
    gdf["geometry"] = [g if g.geom_type == "MultiPolygon" else MultiPolygon([g]) if g.geom_type == "Polygon"
                       else MultiPolygon([p for p in getattr(g, "geoms", []) if p.geom_type == "Polygon"])
                       for g in gdf.geometry]
    return gdf


def screen_into(request: ScreeningRequest, targets: Mapping[str, Path], overwrite: bool = False,
                ctx: RunContext | None = None, cache: RuleCache | None = None, *, profile: Profile | None = None,
                candidates: bool = True, guard: bool = True, computed: tuple[ExclusionResult, Any] | None = None,
                keep: Callable[[ExclusionResult, Any], None] | None = None,
                started: _dt.datetime | None = None) -> tuple[ExclusionResult, dict[str, Path]]:
    """A screening into ``targets`` (output key → path), atomically: the one writer behind ``smr-siting screen``,
    :class:`~smr_siting.core.api.Screening` and the Processing algorithm.

    ``guard``: hold the folder (refuse existing outputs, a target that is an input, a busy folder; remove the
    folder's stale derived outputs on ``overwrite``) before any work, as the command line does; False: only refuse
    existing outputs first (per-output paths chosen in a QGIS dialog).  ``computed``: (result, candidates) already
    computed for this request, only written; else they are computed (``profile``: a parsed profile to use) and
    handed to ``keep``.  ``candidates=False``: no candidate areas."""
    ctx = ctx or RunContext()
    started = started or _dt.datetime.now(_dt.timezone.utc)
    if guard:
        hold: Any = AtomicOutputs(targets, overwrite, stale=stale_outputs(targets) if overwrite else [],
                                  inputs=input_paths(request)).hold()
    else:
        AtomicOutputs(targets, overwrite).check()
        hold = contextlib.nullcontext()
    with hold:  # refuse existing outputs and lock the folder before any work
        if computed is None:
            result = compute_exclusion(request, ctx.stage(0.0, 0.7), cache=cache, profile=profile)
            pair = compute_candidates(result, ctx.stage(0.7, 0.85)) if candidates else None
            if keep is not None:
                keep(result, pair)
        else:
            result, pair = computed
        written = write_screening(result, targets, overwrite, pair, ctx.stage(0.85, 1.0), started)
    return result, written


def screen(request: ScreeningRequest, out_dir: Path, overwrite: bool = False,
           ctx: RunContext | None = None, cache: RuleCache | None = None) -> tuple[ExclusionResult, dict[str, Path]]:
    """The whole screening into ``out_dir`` (see :func:`screen_into`); ``cache``: see :func:`compute_exclusion`."""
    return screen_into(request, output_targets(out_dir, request.exclusion_vector), overwrite, ctx, cache)
