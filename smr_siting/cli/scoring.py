"""``smr-siting rank`` and ``smr-siting sensitivity``: scoring, ranking and sensitivity on a screening folder."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, TextIO

from ..core.data.layers import LayerInput
from ..core.model.i18n import N_, _
from ..core.model.progress import RunContext
from .args import TerminalProgress, add_cache_options, cache_from, non_negative_int, positive_float, positive_int
from .signals import cancel_requested

#: how the site statuses of ranked_sites.csv are shown (the files keep the English values: they are data)
STATUS_TEXT = {"excluded": N_("excluded"), "outside region": N_("outside region"), "not scored": N_("not scored"),
               "footprint does not fit": N_("footprint does not fit")}


def add_parser(sub: Any) -> None:
    rank = sub.add_parser("rank", help=_("suitability surface and ranked sites with explanations"),
                          description=_("Score and rank candidate sites of a screening folder: adds suitability.tif, "
                                        "ranked_sites.gpkg, ranked_sites.csv and ranking.json to it."))
    rank.add_argument("--run", type=Path, required=True, help=_("a 'smr-siting screen' output folder"))
    rank.add_argument("--sites", type=LayerInput.parse, metavar="FILE[:LAYER]",
                      help=_("your own sites (points or parcels, any CRS); default: the best place in each candidate "
                             "area"))
    rank.add_argument("--design", metavar="NAME",
                      help=_("reactor design for the regulator columns of ranked_sites.csv (default: the screening's)"))
    rank.add_argument("--overwrite", action="store_true", help=_("replace outputs that exist"))
    add_cache_options(rank)
    rank.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar and no notes"))

    sens = sub.add_parser("sensitivity", help=_("how stable the ranking is (weights Monte Carlo, leave-one-out, "
                                                "threshold sweeps)"),
                          description=_("Adds sensitivity.csv (and sweeps.csv with --sweep) to a ranked screening "
                                        "folder."))
    sens.add_argument("--run", type=Path, required=True, help=_("a screening folder on which 'smr-siting rank' ran"))
    sens.add_argument("--samples", type=positive_int, default=1000, help=_("Monte Carlo samples (default 1000)"))
    sens.add_argument("--seed", type=non_negative_int, default=1, help=_("random seed (default 1): the same seed gives the same "
                                                            "numbers"))
    sens.add_argument("--concentration", type=positive_float, default=None,
                      help=_("Dirichlet concentration around the weights (default: the profile's, else 100; smaller = "
                             "wider spread)"))
    sens.add_argument("--weight-spread", type=positive_float, default=None, metavar="SD",
                      help=_("set the concentration so that the largest weight's standard deviation is SD, e.g. 0.05"))
    sens.add_argument("--sweep", action="append", default=[], metavar="TARGET=V1,V2,…",
                      help=_("rerun the exclusion with each value of one number of the profile (repeatable): "
                             "RULE=1km,2km (its one distance), RULE.LAYER.distance=…, RULE.scale=0.5,1,2 (every "
                             "distance of the rule, bands included), RULE.LAYER.bandN.distance=…, "
                             "RULE.LAYER.bandN.from=…, RULE.threshold=…, footprint=5ha,20ha; sweeps.csv starts "
                             "with the baseline row"))
    sens.add_argument("--overwrite", action="store_true", help=_("replace outputs that exist"))
    add_cache_options(sens)
    sens.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar and no notes"))


def cmd_rank(args: argparse.Namespace, out: TextIO, bar: Any) -> int:
    from ..core.pipeline.rank import rank_run

    ctx = RunContext(progress=bar.progress, is_cancelled=cancel_requested, notice=bar.notice)
    started = time.perf_counter()
    try:
        written = rank_run(args.run, args.sites, args.overwrite, ctx, design=args.design, cache=cache_from(args))
    finally:
        bar.clear()
    import csv

    with open(written["ranked_csv"], encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ranked = [r for r in rows if r["status"] == "ranked"]
    if not args.quiet:
        for row in ranked[:10]:
            out.write(_("{rank:>3}. {name} ({municipality}): score {score}").format(
                rank=row["rank"], name=row["name"], municipality=row["municipality"] or "?",
                score=row["score"]) + "\n")
        for row in rows:
            if row["status"] != "ranked":
                out.write(_("  –  {name}: {status} {reasons}").format(
                    name=row["name"], status=_(STATUS_TEXT.get(row["status"], row["status"])),
                    reasons=row["excluded_by"]).rstrip() + "\n")
    out.write(_("{count} site(s) ranked; outputs in {out} ({seconds:.1f} s)").format(
        count=len(ranked), out=args.run, seconds=time.perf_counter() - started) + "\n")
    return 0


def cmd_sensitivity(args: argparse.Namespace, out: TextIO, bar: Any) -> int:
    from ..core.pipeline.rank import sensitivity_run

    ctx = RunContext(progress=bar.progress, is_cancelled=cancel_requested, notice=bar.notice)
    started = time.perf_counter()
    try:
        written = sensitivity_run(args.run, args.samples, args.seed, args.sweep, args.overwrite, args.concentration,
                                  ctx, weight_spread=args.weight_spread,
                                  cache=cache_from(args))
    finally:
        bar.clear()
    out.write(_("sensitivity written: {files} ({seconds:.1f} s)").format(
        files=", ".join(str(p) for p in written.values()), seconds=time.perf_counter() - started) + "\n")
    return 0


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    bar = TerminalProgress(err, args.quiet)
    return (cmd_rank if args.command == "rank" else cmd_sensitivity)(args, out, bar)
