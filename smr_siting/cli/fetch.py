"""``smr-siting fetch``: download the catalogue's layers for a region into a cache folder.

``run`` handles its own errors the way the rest of the command line does: one line
``smr-siting: error: …`` and exit 2 for anything the user can fix (no network included), 130 when
cancelled by Ctrl-C and 143 by SIGTERM (within about a second: every request is watched); the
cache folder is then as it was.  ``--check`` probes the catalogue's services instead: exit 0 when
every entry holds, 3 with one line per mismatch, 2 (one line) without a network.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
import time
from pathlib import Path
from typing import Any, Iterator, TextIO

from ..core.model.errors import RunCancelled, SmrSitingError
from ..core.model.i18n import _
from .args import TerminalProgress, non_negative_float, positive_float


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text!r} is not a whole number").format(text=text)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("{text!r} must not be negative").format(text=text))
    return value


def _override(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(_("--base-url-override {text!r}: write it as ID=URL (or ID=wfs:URL)").format(
            text=text))
    layer_id, _sep, url = text.partition("=")
    return layer_id.strip(), url.strip()


def add_parser(subparsers: Any) -> None:
    """Add the ``fetch`` subcommand to ``smr-siting``'s subparsers."""
    fetch = subparsers.add_parser(
        "fetch", help=_("download the catalogue's layers for a region (PDOK, CBS, ...) into a cache folder"),
        description=_("Download the layers a region needs from their services (PDOK OGC API Features, WFS 2.0, "
                      "...) into CACHE: one GeoPackage per layer with a provenance table (URL, query, time, "
                      "feature count, sha256, licence). CACHE then works as --data for 'smr-siting screen'."))
    fetch.add_argument("--region",
                       help=_("province or municipality name or CBS code, or a polygon file; the layers are fetched "
                              "within its bounds grown by --margin (not needed with --offline)"))
    fetch.add_argument("--layers", action="append", metavar="all|ID[,ID...]",
                       help=_("'all' (default: every layer with a download service) or catalogue ids, "
                              "comma-separated (repeatable)"))
    fetch.add_argument("--cache", type=Path, help=_("the cache folder (created if missing; not needed with --check)"))
    fetch.add_argument("--check", action="store_true",
                       help=_("download nothing: probe every catalogue entry's service (landing page, "
                              "GetCapabilities, collections) and report per entry whether it is reachable, whether "
                              "the typeName/collection and the attributes the catalogue uses are there, and the page "
                              "cap; exit 0 when all hold, 3 with one line per mismatch, 2 without a network"))
    fetch.add_argument("--mirror", metavar="URL",
                       help=_("ask every catalogue address https://HOST/PATH at URL/HOST/PATH instead (a local "
                              "mirror of the services)"))
    fetch.add_argument("--max-pages", type=_count, default=10_000, metavar="N",
                       help=_("stop a layer after N pages (default 10,000)"))
    fetch.add_argument("--offline", action="store_true",
                       help=_("no network: check that the cache holds the layers and say how old they are"))
    fetch.add_argument("--data", type=Path,
                       help=_("a data folder with province/municipality boundaries to find the region in "
                              "(default: the cache; fetched into it first when missing)"))
    fetch.add_argument("--base-url-override", action="append", type=_override, default=[], metavar="ID=URL",
                       help=_("fetch layer ID from URL instead of the catalogue's (a mirror; ID=wfs:URL switches to "
                              "the layer's WFS); repeatable"))
    fetch.add_argument("--timeout", type=positive_float, default=60.0, metavar="S",
                       help=_("seconds one request may take in all, however slowly the server sends (default 60)"))
    fetch.add_argument("--retries", type=_count, default=4, metavar="N",
                       help=_("retries after a time-out, a broken answer or HTTP 5xx (default 4)"))
    fetch.add_argument("--backoff", type=non_negative_float, default=1.0, metavar="S",
                       help=_("first wait before a retry, doubled each time (default 1 s)"))
    fetch.add_argument("--margin", type=non_negative_float, default=30.0, metavar="KM",
                       help=_("grow the region's bounds by this much (default 30 km, beyond the largest rule "
                              "distance of the shipped profiles)"))
    fetch.add_argument("--refresh", action="store_true",
                       help=_("download again even where the cache already holds the layer for this box"))
    fetch.add_argument("--quiet", "-q", action="store_true", help=_("no progress line and no notes"))


def _layer_line(report: Any) -> str:
    from ..core.fetch import describe_age

    where = report.path.name if report.path is not None else ""
    if report.status == "fetched":
        return _("{layer:22} fetched     {count:>9,} features, {pages} page(s), {s:.1f} s → {file}").format(
            layer=report.layer_id, count=report.features, pages=report.pages, s=report.seconds, file=where)
    if report.status == "up to date":
        return _("{layer:22} up to date  {count:>9,} features, fetched {when} ({age}) → {file}").format(
            layer=report.layer_id, count=report.features, when=report.fetched_at, age=describe_age(report.age_s),
            file=where)
    return _("{layer:22} cached      {count:>9,} features, fetched {when} ({age}) → {file}").format(
        layer=report.layer_id, count=report.features, when=report.fetched_at, age=describe_age(report.age_s),
        file=where)


@contextlib.contextmanager
def _signals() -> Iterator[dict]:
    """While fetching, the first Ctrl-C or SIGTERM asks the run to stop (every request is watched and
    ends within about 0.1 s); the signal's number is kept for the exit code (130 / 143)."""
    caught: dict[str, Any] = {"signum": None, "event": threading.Event()}
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return

    def handler(signum: int, frame: Any) -> None:
        if caught["signum"] is not None:
            raise KeyboardInterrupt  # a second signal interrupts at once
        caught["signum"] = signum
        caught["event"].set()

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(signum)
        if signum == signal.SIGINT and current is signal.SIG_IGN:
            continue  # a background job keeps ignoring Ctrl-C
        previous[signum] = current
        signal.signal(signum, handler)
    try:
        yield caught
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _failed(error: BaseException, err: TextIO, bar: Any, caught: dict, cancelled: str) -> int:
    """One line for an error the user can fix (its exit code) or for a cancel (130 / 143)."""
    bar.clear()
    if isinstance(error, SmrSitingError):
        err.write(_("smr-siting: error: {error}").format(error=error) + "\n")
        return error.exit_code
    err.write(cancelled + "\n")
    return _cancel_code(caught)


def _cancel_code(caught: dict) -> int:
    return 143 if caught.get("signum") == signal.SIGTERM else 130


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``smr-siting fetch`` for parsed ``args``; returns the exit code."""
    with _signals() as caught:
        return _run(args, out, err, caught)


def _options(args: argparse.Namespace) -> Any:
    from ..core.fetch import FetchOptions

    return FetchOptions(timeout_s=args.timeout, retries=args.retries, backoff_s=args.backoff,
                        refresh=bool(getattr(args, "refresh", False)),
                        max_pages=int(getattr(args, "max_pages", 10_000) or 10_000))


def _run_check(args: argparse.Namespace, out: TextIO, err: TextIO, ctx: Any, bar: Any) -> int:
    from ..core.data.catalogue import load_catalogue
    from ..core.fetch import Http, check_catalogue, resolve_layer_ids

    catalogue = load_catalogue()
    layer_ids = resolve_layer_ids(args.layers, catalogue)
    http = Http(_options(args), ctx)
    report = check_catalogue(catalogue, http, layer_ids, dict(args.base_url_override or []),
                             getattr(args, "mirror", None))
    bar.clear()
    if report.offline:
        first = report.entries[0].mismatches[0] if report.entries[0].mismatches else ""
        err.write(_("smr-siting: error: no service of the catalogue can be reached ({reason}); nothing was "
                    "checked. Run --check on a machine with a network").format(reason=first) + "\n")
        return 2
    for entry in report.entries:
        if entry.ok:
            what = [_("reachable")]
            if entry.name_present:
                what.append(_("type/collection present"))
            if not entry.fields_missing and entry.name_present:
                what.append(_("attributes present"))
            if entry.page_cap:
                what.append(_("page cap: {cap}").format(cap=entry.page_cap))
            what.extend(entry.notes)
            out.write(_("{layer:24} ok        {what}").format(layer=entry.layer_id, what="; ".join(what)) + "\n")
    for layer_id, mismatch in report.mismatches:
        err.write(_("smr-siting: mismatch: {layer}: {what}").format(layer=layer_id, what=mismatch) + "\n")
    out.write(_("{n} catalogue entr(ies) checked, {m} mismatch(es)").format(
        n=len(report.entries), m=len(report.mismatches)) + "\n")
    return 3 if report.mismatches else 0


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, caught: dict) -> int:
    from ..core.fetch import DEFAULT_MARGIN_M, Fetcher, FetchRequest
    from ..core.model.progress import RunContext

    bar = TerminalProgress(err, bool(getattr(args, "quiet", False)))
    ctx = RunContext(progress=bar.progress, notice=bar.notice, is_cancelled=caught["event"].is_set)
    if getattr(args, "check", False):
        try:
            return _run_check(args, out, err, ctx, bar)
        except (SmrSitingError, RunCancelled, KeyboardInterrupt) as error:
            return _failed(error, err, bar, caught, _("smr-siting: cancelled."))
    if args.cache is None:
        err.write(_("smr-siting: error: no cache folder given. Name one with --cache DIR") + "\n")
        return 2
    margin = getattr(args, "margin", None)
    request = FetchRequest(
        cache_dir=args.cache, region=args.region, layers=args.layers, offline=args.offline, data_dir=args.data,
        url_overrides=dict(args.base_url_override or []),
        margin_m=DEFAULT_MARGIN_M if margin is None else margin * 1000.0,
        options=_options(args), mirror=getattr(args, "mirror", None))
    started = time.perf_counter()
    try:
        if not request.offline and not request.region:
            raise SmrSitingError(_("no region given"), _("Name one with --region (e.g. Gelderland or Ede), or "
                                                         "use --offline to check the cache"))
        fetcher = Fetcher(request, ctx)
        fetcher.http.on_retry = bar.retry
        report = fetcher.run()
    except (SmrSitingError, RunCancelled, KeyboardInterrupt) as error:
        return _failed(error, err, bar, caught,
                       _("smr-siting: cancelled; the cache is as it was (no partial layer kept)."))
    bar.clear()
    for layer in report.layers:
        if layer.status != "failed":
            out.write(_layer_line(layer) + "\n")
        if layer.empty:
            err.write(_("smr-siting: warning: {layer}: the service has NO features in the region's box; stored as "
                        "an empty layer. Check it (a wrong collection, filter or CRS gives this too)").format(
                layer=layer.layer_id) + "\n")
    region = report.region
    if region is not None and report.bbox is not None:
        out.write(_("{region}: {count} layer(s) in {cache} for box {box} (EPSG:28992), {s:.1f} s").format(
            region=region.name, count=sum(1 for r in report.layers if r.status != "failed"), cache=request.cache_dir,
            box=", ".join(f"{v:.0f}" for v in report.bbox), s=time.perf_counter() - started) + "\n")
        if not report.failures and not request.offline:
            out.write(_("Screen with: smr-siting screen --region {region} --data {cache} --profile PROFILE "
                        "--out OUTDIR").format(region=args.region, cache=request.cache_dir) + "\n")
    for layer in report.failures:
        err.write(_("smr-siting: error: {error}").format(error=layer.error) + "\n")
    return 2 if report.failures else 0
