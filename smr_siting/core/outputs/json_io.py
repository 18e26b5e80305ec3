"""The JSON of a results folder: data files written in English, the manifest's digest and seal, and the
bounded reading of the folder's own records (its manifest and ledger)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..model.i18n import english_data, language

#: output names of a screening folder (``smr-siting screen --out DIR``)
OUTPUT_NAMES = {
    "exclusion": "exclusion.tif",
    "candidates": "candidate_areas.gpkg",
    "summary_csv": "summary.csv",
    "summary_json": "summary.json",
    "manifest": "manifest.json",
    "exclusion_vector": "exclusion_reasons.gpkg",
}

#: the folder's ledger: every file smr-siting wrote into it, with its sha256 when written
LEDGER_NAME = ".smr-siting-files.json"

#: the manifest's own digest: sha256 of every other section, so that verify sees an edited manifest
DIGEST_KEY = "content_sha256"
#: the manifest's ``format``: 2 — the notices are written without the run's language (English text, plus
#: ``notice_codes``: message id and arguments), so the data files are the same in every language; manifests
#: without ``format`` (1) hold the notices in the run's language
MANIFEST_FORMAT = 2


def write_text(path: Path, text: str) -> None:
    """``text`` as UTF-8 with ``\\n`` line ends on every platform."""
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_json(path: Path, data: Any) -> None:
    """A data file: messages in it are written in English, whatever the run's language."""
    write_text(path, json.dumps(english_data(data), indent=2, ensure_ascii=False, sort_keys=False, default=json_default) + "\n")


def json_default(value: Any) -> Any:
    """JSON for numpy numbers and paths (``json.dumps(default=...)``)."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


def file_sha256(path: Path) -> str | None:
    """sha256 of a regular file, or None (missing, unreadable, not a regular file)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def bounded_json(path: Path, limit: int = 64 * 1024 * 1024) -> Any:
    """A small JSON file of ours, or None (missing, too large, damaged, not a regular file)."""
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def recorded_outputs(folder: Path) -> dict[str, str]:
    """The files of ``folder`` that smr-siting wrote, by name, with their sha256 when written: from the folder's
    ledger (every command that writes into a folder adds to it) and from its screening manifest."""
    names: dict[str, str] = {}
    manifest = bounded_json(folder / OUTPUT_NAMES["manifest"])
    if isinstance(manifest, dict) and manifest.get("tool") == "smr-siting" and isinstance(manifest.get("outputs"),
                                                                                           dict):
        names.update({str(k): str(v) for k, v in manifest["outputs"].items()})
    ledger = bounded_json(folder / LEDGER_NAME)
    if isinstance(ledger, dict) and isinstance(ledger.get("files"), dict):
        names.update({str(k): str(v) for k, v in ledger["files"].items()})
    return names


def content_digest(manifest: Mapping[str, Any]) -> str:
    """sha256 of every section of a manifest but the digest itself (canonical JSON)."""
    body = {k: v for k, v in manifest.items() if k != DIGEST_KEY}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_manifest(manifest: Mapping[str, Any]) -> dict:
    """The manifest with the language its texts are in and its content digest (the last key)."""
    sealed = {k: v for k, v in manifest.items() if k != DIGEST_KEY}
    sealed.setdefault("language", language())
    sealed = json.loads(json.dumps(english_data(sealed), default=json_default))  # the digest of what is written
    sealed[DIGEST_KEY] = content_digest(sealed)
    return sealed
