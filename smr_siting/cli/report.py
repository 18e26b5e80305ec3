"""``smr-siting report`` and ``smr-siting batch``: a publishable report of a screening folder, and screening
over regions × profiles.

Wired into :mod:`smr_siting.cli` with ``add_parsers(sub)`` in ``build_parser()`` and ``run(args, out, err)``
for the commands ``report`` and ``batch`` in ``_dispatch()`` (which handles the errors)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, TextIO

from ..core.model.i18n import _
from ..core.model.progress import RunContext
from .args import TerminalProgress, positive_float, positive_int
from .signals import cancel_requested

#: exit code of ``batch`` when one or more runs failed (the table says which and why)
EXIT_SOME_FAILED = 4


def add_parser(sub: Any) -> None:
    report = sub.add_parser("report", help=_("a report to publish (HTML and PDF) from a screening folder"),
                            description=_("Writes RUNDIR/report.html (one self-contained file) and RUNDIR/report.pdf: "
                                          "maps, the per-rule table, ranked sites with fact sheets, sensitivity, "
                                          "method, data sources and what a reader needs to reproduce the run."))
    report.add_argument("run", type=Path, metavar="RUNDIR", help=_("a 'smr-siting screen' output folder"))
    report.add_argument("--lang", choices=("nl", "en"), default="nl", help=_("language of the report (default: nl)"))
    report.add_argument("--out", type=Path, metavar="FILE",
                        help=_("write FILE.html and FILE.pdf instead of RUNDIR/report.html and .pdf"))
    report.add_argument("--top", type=positive_int, default=5, metavar="N",
                        help=_("fact sheets for the N best sites (default 5)"))
    report.add_argument("--no-pdf", action="store_true", help=_("write the HTML only"))
    report.add_argument("--verify", action="store_true",
                        help=_("also rerun the screening to check the results (as 'smr-siting verify'), not only the "
                               "sha256 of the files"))
    report.add_argument("--overwrite", action="store_true", help=_("replace outputs that exist"))
    report.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar"))

    batch = sub.add_parser("batch", help=_("screen many regions with many profiles, with one summary table"),
                           description=_("One screening folder per region × profile in OUT (OUT/<region>_<profile>), "
                                         "and OUT/batch_summary.csv and .json. A failed run is recorded with its "
                                         "reason and the others go on; exit 0 if all succeeded, 4 if any failed."))
    batch.add_argument("--regions", required=True,
                       help=_("comma-separated province or municipality names or codes, or 'all' (every province)"))
    batch.add_argument("--profiles", default="nl-default",
                       help=_("comma-separated profiles (built-in names or .yaml files; default: nl-default)"))
    batch.add_argument("--data", type=Path, help=_("folder with the layers (e.g. ../shared/data/nl)"))
    batch.add_argument("--out", type=Path, required=True, help=_("output folder (created if missing)"))
    batch.add_argument("--rank", action="store_true", help=_("also rank the candidate areas of every run"))
    batch.add_argument("--report", action="store_true", help=_("also write every run's report"))
    batch.add_argument("--lang", choices=("nl", "en"), default="nl", help=_("language of the reports (default: nl)"))
    batch.add_argument("--resolution", type=positive_float, help=_("cell size in metres (default: each profile's)"))
    batch.add_argument("--workers", type=positive_int, default=1, help=_("runs at the same time (default 1)"))
    batch.add_argument("--overwrite", action="store_true", help=_("replace outputs that exist"))
    batch.add_argument("--no-cache", action="store_true",
                       help=_("compute every rule: neither read nor write the rule-mask cache on disk"))
    batch.add_argument("--quiet", "-q", action="store_true", help=_("no progress"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return cmd_report(args, out, err) if args.command == "report" else cmd_batch(args, out, err)


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.report import write_report

    bar = TerminalProgress(err, args.quiet)
    ctx = RunContext(progress=bar.progress, is_cancelled=cancel_requested, notice=bar.notice)
    started = time.perf_counter()
    try:
        written = write_report(args.run, args.lang, args.out, args.overwrite, ctx, full_verify=args.verify,
                               pdf=not args.no_pdf, fact_sheets=args.top)
    finally:
        bar.clear()
    out.write(_("report written: {files} ({seconds:.1f} s)").format(
        files=", ".join(str(p) for p in written.values()), seconds=time.perf_counter() - started) + "\n")
    return 0


def cmd_batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.api.batch import all_provinces, plan, run_batch, split_list

    regions = split_list(args.regions)
    if [r.lower() for r in regions] == ["all"]:
        regions = all_provinces(args.data)
    jobs = plan(regions, split_list(args.profiles), args.data, args.out, args.rank, args.report, args.overwrite,
                args.lang, args.resolution, not args.no_cache)
    bar = TerminalProgress(err, args.quiet or args.workers > 1)
    ctx = RunContext(progress=bar.progress, is_cancelled=cancel_requested)
    started = time.perf_counter()

    def on_start(index: int, total: int, job: Any) -> None:
        if not args.quiet and args.workers <= 1:
            bar.clear()
            err.write(_("[{number}/{total}] {region} × {profile} …").format(
                number=index + 1, total=total, region=job.region, profile=job.profile) + "\n")
            err.flush()

    def on_done(done: int, total: int, row: Any) -> None:
        if args.quiet:
            return
        bar.clear()
        if row.ok:
            line = _("[{done}/{total}] {region} × {profile}: {left:,.1f} km² left, {areas} candidate area(s) "
                     "({seconds:.1f} s)").format(done=done, total=total, region=row.region, profile=row.profile,
                                                 left=row.km2_left or 0.0, areas=row.candidate_areas or 0,
                                                 seconds=row.seconds)
        else:
            line = _("[{done}/{total}] {region} × {profile}: FAILED: {reason}").format(
                done=done, total=total, region=row.region, profile=row.profile, reason=row.reason)
        err.write(line + "\n")
        err.flush()

    from ..core.model.errors import RunCancelled

    try:
        result = run_batch(jobs, args.out, args.overwrite, args.workers, ctx, on_start, on_done)
    except (RunCancelled, KeyboardInterrupt):
        bar.clear()
        err.write(_("smr-siting: cancelled; the runs that finished are kept in {out}, no summary was written.").format(
            out=args.out) + "\n")
        return 130
    finally:
        bar.clear()
    failed = result.failed
    out.write(_("{ok} of {total} run(s) succeeded; summary in {csv} and {json} ({seconds:.1f} s)").format(
        ok=len(result.rows) - len(failed), total=len(result.rows), csv=result.files["batch_csv"],
        json=result.files["batch_json"], seconds=time.perf_counter() - started) + "\n")
    for row in failed:
        out.write(_("failed: {region} × {profile}: {reason}").format(
            region=row.region, profile=row.profile, reason=row.reason) + "\n")
    return 0 if not failed else EXIT_SOME_FAILED
