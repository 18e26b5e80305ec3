"""The report's markup: its stylesheet (A4 pages for WeasyPrint) and the helpers that write escaped HTML."""

from __future__ import annotations

import base64
import html
from typing import Any, Sequence

#: place names on the maps
PLACE_NAMES = 14

CSS = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm;
  @bottom-left { content: string(runname); font-size: 7.5pt; color: #666; font-family: "DejaVu Sans", sans-serif; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 7.5pt; color: #666;
    font-family: "DejaVu Sans", sans-serif; } }
@page:first { @bottom-left { content: none; } @bottom-right { content: none; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; line-height: 1.35;
  color: #111; max-width: 190mm; margin: auto; }
h1 { font-size: 22pt; margin: 30mm 0 4mm 0; string-set: runname content(); }
h2 { font-size: 14pt; margin: 0 0 3mm 0; border-bottom: 1.5pt solid #1a5e8a; color: #1a5e8a;
  break-before: page; page-break-before: always; }
h3 { font-size: 11pt; margin: 5mm 0 2mm 0; break-after: avoid; page-break-after: avoid; }
.subtitle { font-size: 12pt; color: #333; }
.titlepage { break-after: page; page-break-after: always; }
.verdict { font-size: 11.5pt; border-left: 4pt solid #1a9850; padding: 2mm 4mm; margin: 8mm 0; background: #f2f8f4; }
.caveat { border-left: 4pt solid #e6a100; padding: 2mm 4mm; background: #fff8e6; margin: 4mm 0; }
.alarm { border-left: 4pt solid #c0392b; padding: 2mm 4mm; background: #fdecea; margin: 4mm 0; font-weight: bold; }
.notice { border-left: 4pt solid #888; padding: 2mm 4mm; background: #f3f3f3; margin: 3mm 0; }
.ok { border-left: 4pt solid #1a9850; padding: 2mm 4mm; background: #f2f8f4; margin: 3mm 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm 0; font-size: 7.5pt; table-layout: fixed; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 1mm 1.2mm; text-align: left; vertical-align: top;
  overflow-wrap: break-word; word-wrap: break-word; hyphens: auto; }
table.ranked, table.sensitivity, table.criteria, table.checks { font-size: 6.5pt; }
th { background: #eef3f7; }
td.n, th.n { text-align: right; }
tr { break-inside: avoid; page-break-inside: avoid; }
img.map { width: 100%; }
img.chart { width: 100%; }
.figure { break-inside: avoid; page-break-inside: avoid; margin: 2mm 0; }
.caption { font-size: 7.5pt; color: #444; }
.sheet { break-inside: avoid; page-break-inside: avoid; margin-bottom: 5mm; }
table.layout, table.layout > tbody > tr > td { border: none; padding: 0; }
table.layout td.picture { width: 55mm; padding-right: 4mm; }
img.sitemap { width: 52mm; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 6.5pt; word-break: break-all; }
.pass { color: #1a7a40; font-weight: bold; }
.fail { color: #c0392b; font-weight: bold; }
"""


def e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def img(png: bytes, css: str, alt: str) -> str:
    return (f'<img class="{css}" alt="{e(alt)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"/>')


def table(head: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = (), css: str = "",
          widths: Sequence[float] = ()) -> str:
    """An HTML table; ``numeric``: the columns set right-aligned; ``widths``: column widths in %.  Cells are
    escaped unless they are ``Raw``."""
    out = [f'<table class="{css}">']
    if widths:
        out.append("<colgroup>" + "".join(f'<col style="width: {w}%"/>' for w in widths) + "</colgroup>")
    out.append("<thead><tr>")
    out += [f'<th class="{"n" if i in numeric else ""}">{e(h)}</th>' for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(
            f'<td class="{"n" if i in numeric else ""}">{c if isinstance(c, Raw) else e(c)}</td>'
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class Raw(str):
    """HTML that a table cell takes as it is."""
