"""Batch screening over regions × profiles: one screening folder per pair and one summary table.

``smr-siting batch --regions A,B|all --profiles P,Q --data DIR --out DIR [--rank] [--report]``.  Every run
is a whole ``screen`` (and, on request, ``rank`` and ``report``) into ``OUT/<region>_<profile>/``; a run
that fails is recorded with its one-line reason and the others go on.  ``batch_summary.csv`` / ``.json``
list every run: km² left, share, candidate areas, largest area, best site and its score, or the reason.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..model.errors import RunCancelled, SmrSitingError
from ..model.i18n import _, english, english_data, language, localised
from ..model.progress import RunContext

SUMMARY_CSV = "batch_summary.csv"
SUMMARY_JSON = "batch_summary.json"
STATUS_OK = "ok"
STATUS_FAILED = "failed"
COLUMNS = ["region", "profile", "status", "folder", "region_km2", "km2_left", "share_left", "candidate_areas",
           "largest_area_ha", "best_site", "best_site_municipality", "best_score", "reason", "seconds"]


@dataclass(frozen=True)
class BatchJob:
    region: str
    profile: str
    data_dir: Path | None
    folder: Path
    rank: bool = False
    report: bool = False
    report_lang: str = "nl"
    overwrite: bool = False
    resolution_m: float | None = None
    #: keep and reuse rule masks in the disk cache (smr_siting.core.exclusion.rulecache): profiles sharing rules on one
    #: region evaluate them once
    cache: bool = False


@dataclass
class BatchRow:
    region: str
    profile: str
    status: str
    folder: str
    region_km2: float | None = None
    km2_left: float | None = None
    share_left: float | None = None
    candidate_areas: int | None = None
    largest_area_ha: float | None = None
    best_site: str = ""
    best_site_municipality: str = ""
    best_score: float | None = None
    reason: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK


@dataclass
class BatchResult:
    rows: list[BatchRow] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[BatchRow]:
        return [r for r in self.rows if not r.ok]


def slug(text: str) -> str:
    """A folder name part: ASCII, lower case, words joined by '-' (``Fryslân`` → ``fryslan``)."""
    stem = Path(text).stem if text.lower().endswith((".yaml", ".yml", ".gpkg", ".shp", ".geojson")) else text
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "region"


def split_list(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(",") if part.strip()]


def all_provinces(data_dir: Path | None) -> list[str]:
    """The province names of the data folder's provinces layer (``--regions all``)."""
    from ..data.catalogue import load_catalogue
    from ..data.layers import LayerStore

    store = LayerStore(load_catalogue(), data_dir, {}, RunContext())
    try:
        entry = store.entry("provinces")
        gdf = store.vector("provinces", None)
        name_field = entry.name_field or "statnaam"
        return sorted(str(v) for v in gdf[name_field].tolist())
    finally:
        store.close()


def plan(regions: Sequence[str], profiles: Sequence[str], data_dir: Path | None, out_dir: Path, rank: bool = False,
         report: bool = False, overwrite: bool = False, report_lang: str = "nl",
         resolution_m: float | None = None, cache: bool = False) -> list[BatchJob]:
    """One job per region × profile, in that order; refuses an empty list or duplicate folders."""
    if not regions:
        raise SmrSitingError(_("no regions given"), _("Pass --regions Gelderland,Zeeland or --regions all"))
    if not profiles:
        raise SmrSitingError(_("no profiles given"), _("Pass --profiles nl-default,nl-strict"))
    jobs, seen = [], set()
    for region in regions:
        for profile in profiles:
            name = f"{slug(region)}_{slug(profile)}"
            if name in seen:
                continue
            seen.add(name)
            jobs.append(BatchJob(region, profile, data_dir, out_dir / name, rank, report, report_lang, overwrite,
                                 resolution_m, cache))
    return jobs


def run_job(job: BatchJob, ctx: RunContext | None = None) -> BatchRow:
    """Screen one region with one profile (and rank, and report); a user error becomes the row's reason."""
    from ..exclusion.compute import ScreeningRequest
    from ..pipeline.screen import screen

    ctx = ctx or RunContext()
    started = time.perf_counter()
    row = BatchRow(job.region, job.profile, STATUS_FAILED, str(job.folder))
    try:
        request = ScreeningRequest(region=job.region, profile=job.profile, data_dir=job.data_dir,
                                   resolution_m=job.resolution_m)
        share = 0.6 if (job.rank or job.report) else 1.0
        from ..exclusion.rulecache import RuleCache

        cache = RuleCache.default() if job.cache else None
        result, _written = screen(request, job.folder, job.overwrite, ctx.stage(0.0, share), cache)
        _fill_screening(row, job.folder)
        if job.rank:
            from ..pipeline.rank import rank_run

            rank_run(job.folder, None, job.overwrite, ctx.stage(share, 0.9 if job.report else 1.0), cache=cache)
            _fill_ranking(row, job.folder)
        if job.report:
            from ..report import write_report

            write_report(job.folder, job.report_lang, None, job.overwrite, ctx.stage(0.9, 1.0))
        row.status = STATUS_OK
    except SmrSitingError as error:
        # batch_summary.csv/.json are data: they write the English text; the log shows the user's language
        row.reason = localised(_one_line(error.english()), _one_line(str(error)) if language() == "nl" else "")
    except MemoryError:
        row.reason = _("out of memory. Use a coarser --resolution or a smaller region.")
    except RunCancelled:
        raise
    except Exception as error:  # noqa: BLE001 - one run's bug must not stop the others; the reason says so
        row.reason = _("internal error: {name}: {error}").format(name=type(error).__name__,
                                                                error=_one_line(str(error)))
    if not row.ok:
        row.folder = ""  # a failed run leaves no folder
    row.seconds = round(time.perf_counter() - started, 1)
    return row


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fill_screening(row: BatchRow, folder: Path) -> None:
    import json

    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    totals = summary.get("totals", {})
    candidates = summary.get("candidates", {})
    row.region = summary.get("region", {}).get("name", row.region)
    row.region_km2 = totals.get("region_km2_cells")
    row.km2_left = totals.get("not_excluded_km2")
    if totals.get("share_excluded") is not None:
        row.share_left = round(1.0 - float(totals["share_excluded"]), 6)
    row.candidate_areas = candidates.get("count")
    row.largest_area_ha = candidates.get("largest_ha")


def _fill_ranking(row: BatchRow, folder: Path) -> None:
    with open(folder / "ranked_sites.csv", encoding="utf-8", newline="") as handle:
        ranked = [r for r in csv.DictReader(handle) if r.get("status") == "ranked" and r.get("rank")]
    if ranked:
        best = min(ranked, key=lambda r: int(float(r["rank"])))
        row.best_site = best.get("name", "")
        row.best_site_municipality = best.get("municipality", "")
        row.best_score = float(best["score"]) if best.get("score") else None


def _run_in_worker(job: BatchJob) -> BatchRow:
    return run_job(job)


def run_batch(jobs: Sequence[BatchJob], out_dir: Path, overwrite: bool = False, workers: int = 1,
              ctx: RunContext | None = None,
              on_start: Callable[[int, int, BatchJob], None] | None = None,
              on_done: Callable[[int, int, BatchRow], None] | None = None) -> BatchResult:
    """Run every job (``workers`` > 1: in that many processes), then write the summary table into ``out_dir``."""
    from ..outputs import AtomicOutputs

    ctx = ctx or RunContext()
    targets = {"batch_csv": out_dir / SUMMARY_CSV, "batch_json": out_dir / SUMMARY_JSON}
    AtomicOutputs(targets, overwrite).check()  # refuse before any run
    rows: list[BatchRow | None] = [None] * len(jobs)
    total = len(jobs)
    done = 0
    if workers <= 1 or total <= 1:
        for index, job in enumerate(jobs):
            ctx.check_cancelled()
            if on_start:
                on_start(index, total, job)
            row = run_job(job, ctx.stage(index / total, (index + 1) / total))
            rows[index] = row
            done += 1
            if on_done:
                on_done(done, total, row)
    else:
        import multiprocessing

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_run_in_worker, job): i for i, job in enumerate(jobs)}
            try:
                for future in as_completed(futures):
                    index = futures[future]
                    try:
                        row = future.result()
                    except Exception as error:  # noqa: BLE001 - a worker that died: record it, go on
                        job = jobs[index]
                        row = BatchRow(job.region, job.profile, STATUS_FAILED, str(job.folder),
                                       reason=_("the worker process failed: {error}").format(
                                           error=_one_line(str(error))))
                    rows[index] = row
                    done += 1
                    ctx.progress(done / total, f"{row.region} × {row.profile}")
                    if on_done:
                        on_done(done, total, row)
                    ctx.check_cancelled()
            except RunCancelled:
                for future in futures:
                    future.cancel()
                raise
    result = BatchResult([r for r in rows if r is not None])
    with AtomicOutputs(targets, overwrite) as outputs:
        outputs.temp(targets["batch_csv"]).write_text(summary_csv_text(result.rows), encoding="utf-8")
        outputs.temp(targets["batch_json"]).write_text(summary_json_text(result.rows), encoding="utf-8")
        outputs.commit()
    result.files = targets
    return result


def summary_csv_text(rows: Sequence[BatchRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else english(v)) for k, v in asdict(row).items()})
    return buffer.getvalue()


def summary_json_text(rows: Sequence[BatchRow]) -> str:
    import json

    data: dict[str, Any] = {"runs": len(rows), "succeeded": sum(r.ok for r in rows),
                            "failed": sum(not r.ok for r in rows), "rows": [english_data(asdict(r)) for r in rows]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
