"""``smr-siting screen``: the exclusion map, per-rule table and candidate areas of a region."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from ..core.model.i18n import _, localised
from ..core.model.progress import RunContext
from .args import TerminalProgress, add_cache_options, cache_from, format_rule_table, layer_option, positive_float
from .signals import cancel_requested


def add_parser(sub: Any) -> None:
    screen = sub.add_parser("screen", help=_("exclusion map, per-rule table and candidate areas for a region"),
                            description=_("Screen a region: writes exclusion.tif, candidate_areas.gpkg, summary.csv, "
                                          "summary.json and manifest.json into OUTDIR."))
    screen.add_argument("--region", required=True,
                        help=_("province or municipality name or CBS code (Gelderland, PV25, GM0202), or a polygon file"))
    screen.add_argument("--profile", default="nl-default",
                        help=_("built-in profile (nl-default, nl-strict, nl-datacentre) or a .yaml file "
                               "(default: nl-default)"))
    screen.add_argument("--data", type=Path, help=_("folder with the layers (e.g. ../shared/data/nl or demo/data)"))
    screen.add_argument("--out", type=Path, required=True, help=_("output folder (created if missing)"))
    screen.add_argument("--resolution", type=positive_float, help=_("cell size in metres (default: the profile's, 25)"))
    screen.add_argument("--footprint-ha", type=positive_float, help=_("SMR footprint in hectares (default: profile)"))
    screen.add_argument("--footprint-shape", choices=("square", "circle", "rectangle"),
                        help=_("footprint shape (default: profile)"))
    screen.add_argument("--design", metavar="NAME",
                        help=_("reactor design (smr-siting designs lists them, or a .yaml file): sets the footprint "
                               "and the emergency-zone, population and cooling numbers of the rules"))
    screen.add_argument("--layer", action="append", type=layer_option, default=[], metavar="ID=FILE[:LAYER]",
                        help=_("use FILE for the catalogue slot ID (repeatable), e.g. natura2000=n2k.gpkg"))
    screen.add_argument("--vector", action="store_true",
                        help=_("also write exclusion_reasons.gpkg: one dissolved polygon per rule"))
    screen.add_argument("--overwrite", action="store_true", help=_("replace outputs that exist"))
    add_cache_options(screen)
    screen.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar and no notes"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.api import Screening
    from ..core.exclusion.compute import ScreeningRequest

    bar = TerminalProgress(err, args.quiet)
    ctx = RunContext(progress=bar.progress, is_cancelled=cancel_requested, notice=bar.notice)
    request = ScreeningRequest(
        region=args.region, profile=args.profile, data_dir=args.data, layers=dict(args.layer),
        resolution_m=args.resolution, footprint_ha=args.footprint_ha, footprint_shape=args.footprint_shape,
        exclusion_vector=args.vector, design=args.design)
    started = time.perf_counter()
    screening = Screening.from_request(request, ctx, cache_from(args))
    try:
        screening.write(args.out, args.overwrite)
    finally:
        bar.clear()
    result = screening.result
    totals = result.totals()
    if not args.quiet:
        titles = {rule.id: localised(rule.title, rule.title_nl) for rule in result.rules}
        out.write(format_rule_table([replace(row, title=titles.get(row.id, row.title)) for row in result.table]) + "\n")
    out.write(_("{region}: {excluded:,.1f} of {total:,.1f} km² excluded ({share:.1%}); outputs in {out} "
                "({seconds:.1f} s)").format(
        region=result.region.name, excluded=totals["excluded_km2"], total=totals["region_km2_cells"],
        share=totals["share_excluded"], out=args.out, seconds=time.perf_counter() - started) + "\n")
    return 0
