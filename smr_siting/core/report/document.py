"""The report as one HTML document (images embedded), in the report's language; the PDF is made from it.

It reads a screening folder's outputs only (summary.json, manifest.json, exclusion.tif, candidate areas,
ranking, sensitivity, sweeps) and the context layers the manifest lists; it never reruns a step."""

from __future__ import annotations

from .. import __version__
from ..model.i18n import _
from .base import FACT_SHEETS, ReportBase
from .html import CSS, e
from .sections_front import FrontChapters
from .sections_method import MethodChapters
from .sections_sites import SITE_MAP_HALF_M, SiteChapters

__all__ = ["FACT_SHEETS", "SITE_MAP_HALF_M", "Report", "ReportBase"]


class Report(FrontChapters, SiteChapters, MethodChapters):
    """Builds the HTML text of the report of one screening folder (the chapters: :mod:`.sections_front`,
    :mod:`.sections_sites`, :mod:`.sections_method`)."""

    # --------------------------------------------------------------- all of it
    def html(self) -> str:
        self.ctx.report(0.02, _("report: title page"))
        parts = [self.title_page(), self.maps(), self.rule_chapter()]
        self.ctx.report(0.45, _("report: ranked sites"))
        parts.append(self.ranking_chapter())
        self.ctx.report(0.72, _("report: sensitivity"))
        parts.append(self.sensitivity_chapter())
        parts += [self.method_chapter(), self.data_chapter(), self.reproduce_chapter()]
        title = _("SMR site screening: {region}").format(region=self.data.region_name)
        return (f'<!DOCTYPE html>\n<html lang="{self.lang}"><head><meta charset="utf-8"/>'
                f"<title>{e(title)} ({e(self.data.profile_name)})</title>"
                f'<meta name="author" content="smr-siting {e(__version__)}"/>'
                f'<meta name="generator" content="smr-siting {e(__version__)}"/>'
                f"<style>{CSS}</style></head><body>" + "\n".join(parts) + "</body></html>\n")
