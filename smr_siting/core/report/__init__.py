"""``smr-siting report RUNDIR``: a report a province can publish, from a screening folder's outputs.

Writes ``report.html`` (one self-contained file, images embedded) and ``report.pdf`` (made from the same
HTML by WeasyPrint, fonts embedded), in Dutch by default.  The report reads outputs only; the title page
says whether the inputs and outputs still have the sha256 the manifest recorded (``verify``)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Mapping

from ..model.errors import SmrSitingError
from ..model.i18n import _, language, set_language
from ..model.progress import RunContext
from .rundata import RUN_FILES, RunData, load_run, run_files

REPORT_NAMES = {"report_html": "report.html", "report_pdf": "report.pdf"}

__all__ = ["REPORT_NAMES", "RUN_FILES", "RunData", "load_run", "report_targets", "run_files", "write_report"]


@contextlib.contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Translate through ``_()`` into ``lang`` for a while (the previous choice afterwards)."""
    from ..model import i18n

    previous = i18n._language
    set_language(lang)
    try:
        yield
    finally:
        i18n._language = previous


def report_targets(run_dir: Path, out: Path | None = None) -> dict[str, Path]:
    """Where the report goes: RUNDIR/report.html and .pdf, or ``out`` with .html and .pdf."""
    if out is None:
        return {key: Path(run_dir) / name for key, name in REPORT_NAMES.items()}
    out = Path(out)
    base = out.with_suffix("") if out.suffix.lower() in (".html", ".htm", ".pdf") else out
    return {"report_html": base.with_name(base.name + ".html"), "report_pdf": base.with_name(base.name + ".pdf")}


def html_to_pdf(text: str, target: Path, base: Path) -> None:
    try:
        from weasyprint import HTML
    except ImportError:
        raise SmrSitingError(_("the PDF needs WeasyPrint, which is not installed"),
                             _("Install it (Debian/Ubuntu: sudo apt install weasyprint; elsewhere: pip install "
                               "weasyprint)")) from None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=text, base_url=str(base)).write_pdf(str(target))


def write_report(run_dir: Path, lang: str = "nl", out: Path | None = None, overwrite: bool = False,
                 ctx: RunContext | None = None, full_verify: bool = False, pdf: bool = True,
                 fact_sheets: int = 5, files: Mapping[str, Path | None] | None = None) -> dict[str, Path]:
    """Make the report of a screening folder; returns the files written.  ``full_verify``: also rerun the
    screening to check the results (as ``smr-siting verify``), not only the sha256 of the files.

    ``files``: files that stand for the folder's own, by the folder's names (``ranked_sites.csv``: ...; see
    :data:`RUN_FILES`): the outputs of a QGIS model's steps, each in a temporary folder of its own.  ``run_dir``
    may then be the screening's manifest under any name."""
    from ..outputs import AtomicOutputs
    from ..pipeline.verify import verify_run
    from .document import Report

    ctx = ctx or RunContext()
    run_dir = Path(run_dir)
    given = {k: Path(v) for k, v in (files or {}).items() if v}
    if run_dir.is_file():  # a file of the folder (e.g. its manifest.json, as a model's output) stands for it
        if run_dir.suffix.lower() == ".json" and run_dir.name not in RUN_FILES and \
                not (run_dir.parent / "manifest.json").is_file():
            given.setdefault("manifest.json", run_dir)  # a manifest under another name (a temporary output)
        run_dir = run_dir.parent
    lang = "en" if str(lang).lower().startswith("en") else "nl"
    targets = report_targets(run_dir, out)
    if not pdf:
        targets.pop("report_pdf")
    outputs = AtomicOutputs(targets, overwrite)
    outputs.check()
    data = load_run(Path(run_dir), given)
    manifest = run_files(run_dir, given)["manifest.json"]
    with in_language(lang):
        ctx.report(0.0, _("report: checking the inputs"))
        verification = verify_run(Path(run_dir), ctx.stage(0.0, 0.3) if full_verify else RunContext(),
                                  rerun=full_verify, manifest_path=manifest if given else None,
                                  beside=[p.parent for p in given.values()])
        text = Report(data, language(), verification, ctx, fact_sheets).html()
        with outputs:
            outputs.temp(targets["report_html"]).write_text(text, encoding="utf-8")
            if "report_pdf" in targets:
                ctx.report(0.8, _("report: PDF"))
                html_to_pdf(text, outputs.temp(targets["report_pdf"]), Path(run_dir))
            ctx.check_cancelled()
            outputs.commit()
        ctx.progress(1.0, _("done"))
    return targets
