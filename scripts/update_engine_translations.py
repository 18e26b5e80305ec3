#!/usr/bin/env python3
"""Collect the engine's and the CLI's ``_("…")`` messages into smr_siting/core/locale/nl.po (gettext).

The message ids are the literal first arguments of ``_()`` and ``N_()`` calls in smr_siting/core/**/*.py,
smr_siting/cli/*.py (implicitly concatenated literals are one string).  Existing
translations are kept, new messages get an empty msgstr, messages no longer used are dropped; entries are sorted by
msgid.  The plugin's Qt strings (``tr()``) live in resources/i18n instead (scripts/update_translations.py).

Usage: scripts/update_engine_translations.py [--check]
  --check: change nothing; exit 1 listing the messages without a translation, with placeholders that differ
           between msgid and msgstr, or with positional placeholders ({} / {0}: use names).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from smr_siting.core.model.i18n import parse_po, placeholders  # noqa: E402 - after the path set-up

PO_FILE = ROOT / "smr_siting" / "core" / "locale" / "nl.po"
MARKERS = ("_", "N_")
WIDTH = 79
HEADER = """\
# Dutch translations of the smr-siting engine's and command line's messages.
# Made by scripts/update_engine_translations.py: write the msgstr lines, the script keeps them.
# Placeholders ({name}, {area:,.1f}, {spec!r}) must stay exactly as in the msgid.
msgid ""
msgstr ""
"Project-Id-Version: smr-siting\\n"
"Language: nl\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""


def sources() -> list[Path]:
    return sorted((ROOT / "smr_siting" / "core").rglob("*.py")) + sorted((ROOT / "smr_siting" / "cli").glob("*.py"))


def collect(paths: list[Path] | None = None) -> dict[str, list[str]]:
    """msgid → the 'file:line' of every use, for every ``_("literal")`` / ``N_("literal")``."""
    found: dict[str, list[str]] = {}
    for path in paths if paths is not None else sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS
                    and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                where = f"{path.relative_to(ROOT).as_posix()}:{node.lineno}"
                found.setdefault(node.args[0].value, []).append(where)
    return found


def problems(msgid: str, msgstr: str | None) -> list[str]:
    """What is wrong with one entry (nothing: it is fine)."""
    out = []
    if any(p.startswith("{!") or p.startswith("{:") or p[1:2].isdigit() or p == "{}" for p in placeholders(msgid)):
        out.append("positional placeholder (give it a name)")
    if not msgstr:
        out.append("no translation")
    elif placeholders(msgid) != placeholders(msgstr):
        out.append(f"placeholders differ: msgid {sorted(placeholders(msgid))}, msgstr {sorted(placeholders(msgstr))}")
    return out


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def _field(keyword: str, text: str) -> str:
    """``msgid "…"``, wrapped like gettext does when the line would be too long."""
    quoted = _quote(text)
    if len(keyword) + len(quoted) + 3 <= WIDTH and "\\n" not in quoted[:-2]:
        return f'{keyword} "{quoted}"\n'
    pieces = re.findall(r".*?(?:\\n|\s+|$)", quoted)
    lines: list[str] = []
    current = ""
    for piece in pieces:
        if not piece:
            continue
        if current and len(current) + len(piece) > WIDTH - 2:
            lines.append(current)
            current = ""
        current += piece
        if piece.endswith("\\n"):
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    return f'{keyword} ""\n' + "".join(f'"{line}"\n' for line in lines)


def render(messages: dict[str, list[str]], translations: dict[str, str]) -> str:
    parts = [HEADER]
    for msgid in sorted(messages):
        locations = " ".join(sorted(set(messages[msgid]), key=lambda w: (w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1]))))
        comment = "".join(f"#: {line}\n" for line in textwrap.wrap(locations, WIDTH - 3, break_on_hyphens=False))
        parts.append("\n" + comment + _field("msgid", msgid) + _field("msgstr", translations.get(msgid, "")))
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; fail if a message lacks a translation or its placeholders differ")
    args = parser.parse_args(argv)
    messages = collect()
    known = parse_po(PO_FILE.read_text(encoding="utf-8"), str(PO_FILE)) if PO_FILE.exists() else {}
    translations = {msgid: text for msgid, text in known.items() if msgid in messages}
    unused = sorted(set(known) - set(messages))
    bad = {msgid: problems(msgid, translations.get(msgid)) for msgid in sorted(messages)}
    bad = {msgid: found for msgid, found in bad.items() if found}
    name = PO_FILE.relative_to(ROOT)
    if not args.check:
        PO_FILE.parent.mkdir(parents=True, exist_ok=True)
        PO_FILE.write_text(render(messages, translations), encoding="utf-8")
    print(f"{name}: {len(messages)} messages, {len(bad)} to fix"
          + (f", {len(unused)} unused {'found' if args.check else 'dropped'}" if unused else ""))
    for msgid, found in bad.items():
        print(f"  {'; '.join(found)}: {msgid!r}")
    if args.check and unused:
        for msgid in unused:
            print(f"  unused (dropped at the next update): {msgid!r}")
    return 1 if (args.check and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
