#!/usr/bin/env python3
"""Collect the plugin's ``tr("…")`` strings into resources/i18n/smr_siting_<lang>.ts (Qt Linguist).

Existing translations are kept; new strings are added as 'unfinished', strings no longer used are
marked 'vanished'.  ``make plugin`` compiles the .ts files to .qm with lrelease.

Usage: scripts/update_translations.py [--check]   (--check: exit 1 if a string lacks a translation)
"""

from __future__ import annotations

import argparse
import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = "SmrSiting"
LANGUAGES = ("nl",)
SOURCES = [p for p in sorted((ROOT / "smr_siting").rglob("*.py")) if "core" not in p.relative_to(ROOT).parts]


def _string(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def collect() -> dict[str, str]:
    """msgid → 'file:line' of its first use."""
    found: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "tr" \
                    and node.args:
                text = _string(node.args[0])
                if text is not None:
                    found.setdefault(text, f"{path.relative_to(ROOT)}:{node.lineno}")
        # LAYER_NAMES and similar: dict values passed to tr() indirectly
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in ("LAYER_NAMES", "TABLE_NAMES") for t in node.targets):
                for value in getattr(node.value, "values", []):
                    text = _string(value)
                    if text is not None:
                        found.setdefault(text, f"{path.relative_to(ROOT)}:{value.lineno}")
    return found


def read_ts(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    root = ET.parse(path).getroot()
    out = {}
    for message in root.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is not None and translation.text and translation.get("type") not in ("unfinished",):
            out[source] = translation.text
    return out


def write_ts(path: Path, language: str, strings: dict[str, str], known: dict[str, str]) -> list[str]:
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    missing = []
    for source in sorted(strings):
        message = ET.SubElement(context, "message")
        file_name, line = strings[source].rsplit(":", 1)
        ET.SubElement(message, "location", filename=file_name, line=line)
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        if source in known:
            translation.text = known[source]
        else:
            translation.set("type", "unfinished")
            missing.append(source)
    ET.indent(root) if hasattr(ET, "indent") else None
    text = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ET.tostring(root, encoding="unicode") + "\n"
    path.write_text(text, encoding="utf-8")
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a string has no translation")
    args = parser.parse_args()
    strings = collect()
    status = 0
    for language in LANGUAGES:
        path = ROOT / "resources" / "i18n" / f"smr_siting_{language}.ts"
        known = read_ts(path)
        if args.check:
            missing = [s for s in strings if s not in known]
        else:
            missing = write_ts(path, language, strings, known)
        print(f"{path.relative_to(ROOT)}: {len(strings)} strings, {len(missing)} without translation")
        for text in missing:
            print(f"  missing: {text[:100]!r}")
        status |= 1 if (missing and args.check) else 0
    return status


if __name__ == "__main__":
    sys.exit(main())
