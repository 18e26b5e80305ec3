"""Dialogs that chain: a scoring step takes a screening's manifest (or its folder) and reuses its exclusion.

A screening run in this QGIS session leaves its exclusion result here, keyed by the manifest it wrote
(path and sha256), so that *Rank candidate sites*, *Sensitivity* and *Suitability* given that manifest
reuse it instead of computing the exclusion again.  A manifest from an earlier session (or a command-line
run) is rebuilt once through the engine's own path (``smr_siting.core.pipeline.rank.load_run``, as
``smr-siting rank --run`` does: refused if an input changed since) and then kept for the next step.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from qgis.core import QgsProcessingException

from ..qt_translation import tr

#: results kept (each holds the analysis grid's bit mask and the layers read): the last two screenings
KEEP = 2
_results: OrderedDict[tuple[str, str], Any] = OrderedDict()


def manifest_path(value: str) -> Path:
    """The manifest a SCREENING parameter names: the file itself, or ``manifest.json`` in a folder."""
    path = Path(value).expanduser()
    if path.is_dir():
        path = path / "manifest.json"
    if not path.is_file():
        raise QgsProcessingException(tr("Screening {path}: no manifest found. Choose the manifest (JSON) a screening "
                                        "wrote, or the folder that holds its manifest.json.").format(path=value))
    return path


def _key(path: Path) -> tuple[str, str]:
    return str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest()


def remember(manifest: Path, result: Any) -> None:
    """Keep a screening's exclusion result for the steps that follow it in this session."""
    key = _key(manifest)
    _results[key] = result
    _results.move_to_end(key)
    while len(_results) > KEEP:
        _results.popitem(last=False)


def forget_all() -> None:
    _results.clear()


def reuse(manifest: Path, ctx: Any) -> tuple[Any, bool]:
    """The screening's exclusion result, with ``ctx`` as its run context, and whether it was reused (True) or
    rebuilt from the manifest (False)."""
    key = _key(manifest)
    result = _results.get(key)
    if result is not None:
        _results.move_to_end(key)
        ctx.tell(tr("Reusing the exclusion of the screening {path} (not computed again).").format(path=manifest))
        result.store.ctx = ctx
        return dataclasses.replace(result, ctx=ctx), True
    from ..core.exclusion.compute import compute_exclusion
    from ..core.pipeline.rank import load_run

    if manifest.name == "manifest.json":
        request, profile, _manifest = load_run(manifest.parent)
    else:  # a manifest under another name (e.g. a temporary output): the engine reads FOLDER/manifest.json
        with tempfile.TemporaryDirectory(prefix="smr_siting_run_") as tmp:
            shutil.copyfile(manifest, Path(tmp) / "manifest.json")
            request, profile, _manifest = load_run(Path(tmp))
    ctx.tell(tr("Rebuilding the screening {path} from its manifest (its inputs are unchanged).").format(path=manifest))
    result = compute_exclusion(request, ctx, profile=profile)
    remember(manifest, result)
    return result, False
