"""``smr-siting national``: the exclusion of a large region (default: the whole Netherlands) computed tile by
tile in bounded memory, in this process or on a Dask cluster (:mod:`smr_siting.core.pipeline.tiled`).

Writes into OUTDIR: ``exclusion.tif`` (+ ``exclusion.qml``, ``exclusion.rules.json``), ``summary.csv`` and
``summary.json`` (per-rule table, totals, grid, tiles, inputs with sha256, timings).  No candidate areas: those
need contiguity over the whole grid; run ``smr-siting screen`` on a province for them.  ``run`` handles its own
errors like the rest of the command line: one line and exit 2 for what the user can fix, 130 when cancelled
(nothing is written then).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, TextIO

from ..core.model.errors import SmrSitingError
from ..core.model.i18n import _, coded_list, english_list, localised
from .args import TerminalProgress, format_rule_table, layer_option, positive_float, positive_int
from .signals import cancel_requested


def add_tile_options(parser: argparse.ArgumentParser) -> None:
    """--tile-size, --workers, --scheduler, --threads: how the tiles are run (shared by any tiled command)."""
    from ..core.pipeline.tiled import DEFAULT_TILE_SIZE

    parser.add_argument("--tile-size", type=positive_int, default=DEFAULT_TILE_SIZE, metavar="CELLS",
                        help=_("tile edge in cells (default {size}; peak memory grows with its square)").format(
                            size=DEFAULT_TILE_SIZE))
    parser.add_argument("--workers", type=positive_int, metavar="N",
                        help=_("run the tiles on a local Dask cluster of N worker processes"))
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help=_("run the tiles on an existing Dask cluster (its workers must see the data folder "
                               "at the same path)"))
    parser.add_argument("--threads", action="store_true",
                        help=_("with --workers: threads in this process instead of worker processes"))


def add_parser(subparsers: Any) -> None:
    """Add the ``national`` subcommand to ``smr-siting``'s subparsers."""
    national = subparsers.add_parser(
        "national", help=_("exclusion map and per-rule table of a large region, tile by tile (Dask optional)"),
        description=_("Compute the exclusion of the whole Netherlands (or any region) tile by tile in bounded "
                      "memory, in this process or on a Dask cluster; writes exclusion.tif, summary.csv and "
                      "summary.json into OUTDIR (no candidate areas)."))
    national.add_argument("--region", default="Nederland",
                          help=_("Nederland (default: the union of the provinces), a province or municipality, or a "
                                 "polygon file"))
    national.add_argument("--profile", default="nl-default", help=_("built-in profile or a .yaml file"))
    national.add_argument("--data", type=Path, help=_("folder with the layers (e.g. ../shared/data/nl)"))
    national.add_argument("--out", type=Path, required=True, help=_("output folder (created if missing)"))
    national.add_argument("--resolution", type=positive_float, help=_("cell size in metres (default: the profile's)"))
    national.add_argument("--design", metavar="NAME", help=_("reactor design (smr-siting designs lists them)"))
    national.add_argument("--layer", action="append", type=layer_option, default=[], metavar="ID=FILE[:LAYER]",
                          help=_("use FILE for the catalogue slot ID (repeatable)"))
    add_tile_options(national)
    national.add_argument("--overwrite", action="store_true", help=_("replace outputs that exist"))
    national.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar and no notes"))


def _summary(result: Any, request: Any) -> dict:
    from ..core.pipeline.screen import versions

    grid = result.grid
    return {
        "profile": {"name": result.profile.name, "title": result.profile.title, "sha256": result.profile.sha256},
        "region": {"name": result.region.name, "code": result.region.code, "kind": result.region.kind,
                   "area_km2_vector": round(result.region.area_km2, 4)},
        "grid": {"crs": grid.crs, "resolution_m": grid.resolution, "width": grid.width, "height": grid.height,
                 "bounds": [round(b, 3) for b in grid.bounds]},
        "tiles": {"count": result.tiles, "size_cells": result.tile_size, "halo_m": round(result.halo_m, 3),
                  "ran_on": result.workers},
        "totals": result.totals(),
        "rules": [row.as_dict() for row in result.table],
        "parameters": request.parameters(),
        "inputs": [{"layer_id": u.layer_id, "path": u.path, "layer": u.layer, "sha256": u.sha256, "crs": u.crs,
                    "licence": u.licence, "caveat": u.caveat} for u in result.inputs],
        "notices": english_list(result.notices), "notice_codes": coded_list(result.notices),
        "timings_s": result.timings,
        "versions": versions(),
    }


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``smr-siting national`` for parsed ``args``; returns the exit code."""
    from ..core.exclusion.compute import ScreeningRequest
    from ..core.model.progress import RunContext
    from ..core.outputs import AtomicOutputs, write_json, write_summary_csv
    from ..core.pipeline.tiled import tiled_exclusion

    bar = TerminalProgress(err, args.quiet)
    ctx = RunContext(progress=bar.progress, is_cancelled=cancel_requested, notice=bar.notice)
    request = ScreeningRequest(region=args.region, profile=args.profile, data_dir=args.data, layers=dict(args.layer),
                               resolution_m=args.resolution, design=args.design)
    targets = {"exclusion": args.out / "exclusion.tif", "summary_csv": args.out / "summary.csv",
               "summary_json": args.out / "summary.json"}
    started = time.perf_counter()
    try:
        if args.scheduler and args.workers:
            raise SmrSitingError(_("--workers and --scheduler exclude each other"),
                                 _("Use --workers N for a local cluster, or --scheduler for an existing one"))
        AtomicOutputs(targets, args.overwrite).check()  # refuse existing outputs before any work
        result = tiled_exclusion(request, targets["exclusion"], args.tile_size, ctx, workers=args.workers,
                                 scheduler=args.scheduler, processes=not args.threads, overwrite=args.overwrite)
        outputs = AtomicOutputs({k: v for k, v in targets.items() if k != "exclusion"}, args.overwrite)
        with outputs:
            write_summary_csv(outputs.temp(targets["summary_csv"]), result.table)
            write_json(outputs.temp(targets["summary_json"]), _summary(result, request))
            outputs.commit()
    finally:  # errors and a cancel are reported by the command line's dispatcher, like every command's
        bar.clear()
    from dataclasses import replace

    if not args.quiet:
        titles = {rule.id: localised(rule.title, rule.title_nl) for rule in result.rules}
        out.write(format_rule_table([replace(row, title=titles.get(row.id, row.title)) for row in result.table]) + "\n")
    totals = result.totals()
    seconds = time.perf_counter() - started
    out.write(_("{region}: {excluded:,.1f} of {total:,.1f} km² excluded ({share:.1%}); {cells:,} cells in {tiles} "
                "tile(s) on {ran_on}, {seconds:.1f} s ({rate:,.0f} cells/s); outputs in {out}").format(
        region=result.region.name, excluded=totals["excluded_km2"], total=totals["region_km2_cells"],
        share=totals["share_excluded"], cells=result.grid.cells, tiles=result.tiles, ran_on=result.workers,
        seconds=seconds, rate=result.grid.cells / max(seconds, 1e-9), out=args.out) + "\n")
    return 0
