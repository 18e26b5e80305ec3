"""``smr-siting verify RUNDIR``: do a screening folder's results still hold?

Checks the manifest's own content digest, re-hashes the inputs recorded in ``manifest.json``, checks
the folder's outputs against the hashes recorded when they were written, reruns the screening (same
inputs, the recorded profile text, the recorded language) into a temporary folder and compares the
new outputs with the recorded ones, byte for byte.

A manifest is untrusted input: it is read with a size bound and its structure checked (a damaged one
is refused with exit 2); its outputs must be plain names inside the folder; its inputs must be
regular files (or folders of them), read no further than their recorded size; every read can be
cancelled.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..data.catalogue import load_catalogue
from ..model.errors import SmrSitingError
from ..model.i18n import _, set_language
from ..model.progress import RunContext, on_hard_stop
from ..outputs import DIGEST_KEY, content_digest
from ..rules import parse_profile

#: the largest manifest read (a real one is well under 1 MB; the profile text is the largest part)
MANIFEST_LIMIT = 16 * 1024 * 1024
MANIFEST_NAME = "manifest.json"


def _damaged(path: Path, error: object) -> SmrSitingError:
    return SmrSitingError(_("{path} is damaged ({error})").format(path=path, error=error), _("Run the screening again"))


def _no_constant(name: str) -> float:
    raise ValueError(_("non-finite number {name}").format(name=name))


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def _finite_or_none(value: Any, what: str) -> None:
    _need(value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                            and math.isfinite(value) and value > 0), f"{what} must be a positive number")


def read_manifest(run_dir: Path, fix: str = "", path: Path | None = None) -> dict:
    """The folder's manifest, read with a size bound and checked for the structure the tools rely on.  ``fix``:
    what to do when there is none.  ``path``: the manifest under another name (a QGIS model's temporary output)."""
    manifest_path = Path(path) if path is not None else run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise SmrSitingError(_("{folder} is not a screening output folder (no manifest.json)").format(folder=run_dir),
                             fix or _("Pass the folder given to 'smr-siting screen --out'"))
    try:
        with open(manifest_path, "rb") as handle:
            raw = handle.read(MANIFEST_LIMIT + 1)
        if len(raw) > MANIFEST_LIMIT:
            raise ValueError(f"larger than {MANIFEST_LIMIT // (1024 * 1024)} MB")
        manifest = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        _need(isinstance(manifest, dict), "not a JSON object")
        for key in ("parameters", "profile", "outputs"):
            _need(key in manifest, f"no {key!r}")
        params, recorded, outputs = manifest["parameters"], manifest["profile"], manifest["outputs"]
        _need(isinstance(params, dict) and isinstance(recorded, dict) and isinstance(outputs, dict),
              "parameters, profile and outputs must be objects")
        _need(isinstance(recorded.get("text"), str) and isinstance(recorded.get("path"), str), "profile text/path")
        _need(all(isinstance(k, str) and isinstance(v, str) for k, v in outputs.items()), "outputs: name -> sha256")
        _need(isinstance(params.get("region"), str) and isinstance(params.get("profile"), str), "region/profile")
        _need(params.get("data_dir") is None or isinstance(params["data_dir"], str), "data_dir")
        layers = params.get("layers") or {}
        _need(isinstance(layers, dict) and all(isinstance(v, dict) and isinstance(v.get("path"), str)
                                               for v in layers.values()), "layers")
        for key in ("resolution_m", "footprint_ha"):
            _finite_or_none(params.get(key), key)
        _need(params.get("footprint_shape") is None or isinstance(params["footprint_shape"], str), "footprint_shape")
        inputs = manifest.get("inputs", [])
        _need(isinstance(inputs, list) and all(
            isinstance(i, dict) and isinstance(i.get("path"), str) and isinstance(i.get("sha256"), str)
            and isinstance(i.get("layer_id"), str) for i in inputs), "inputs")
    except (ValueError, UnicodeDecodeError, OSError, RecursionError) as error:
        raise _damaged(manifest_path, error) from None
    return manifest


def output_path(run_dir: Path, name: str) -> Path:
    """``run_dir / name`` for an output name of the manifest: a plain file name inside the folder."""
    path = run_dir / name
    inside = (name not in ("", ".", "..") and "/" not in name and "\\" not in name and "\0" not in name
              and os.path.dirname(os.path.realpath(path)) == os.path.realpath(run_dir))
    if not inside:
        manifest = run_dir / MANIFEST_NAME
        raise SmrSitingError(_("{manifest} lists an output outside its folder: {name!r}").format(
            manifest=manifest, name=name),
            _("The manifest was edited or damaged; run the screening again"))
    return path


def _check_input_kind(path: Path, label: str) -> None:
    mode = os.stat(path).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise SmrSitingError(_("input {label} is not a regular file").format(label=label),
                             _("The manifest was edited, or the input replaced by a device or pipe; "
                               "run the screening again"))


def hash_file(path: Path, ctx: RunContext, limit: int | None = None) -> str:
    """sha256 of a regular file (a folder: of its regular files), reading no more than ``limit`` bytes per
    file; cancellable between blocks."""
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            ctx.check_cancelled()
            digest.update(child.relative_to(path).as_posix().encode())
            digest.update(hash_file(child, ctx).encode())
        return digest.hexdigest()
    with open(path, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise SmrSitingError(_("{path} is not a regular file").format(path=path), _("Run the screening again"))
        left = os.fstat(handle.fileno()).st_size if limit is None else limit
        while left > 0:
            ctx.check_cancelled()
            block = handle.read(min(1 << 20, left))
            if not block:
                break
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def input_state(item: dict, ctx: RunContext) -> str:
    """'missing', 'changed' or 'same' for one recorded input (bounded, cancellable)."""
    path = Path(item["path"])
    label = f"{item['layer_id']} ({path})"
    if not path.exists():
        return "missing"
    _check_input_kind(path, label)
    recorded = item.get("bytes")
    if path.is_file() and isinstance(recorded, int) and recorded > 0 and path.stat().st_size != recorded:
        return "changed"  # no need to read it
    return "same" if hash_file(path, ctx) == item["sha256"] else "changed"


@dataclass
class Verification:
    run_dir: Path
    inputs_changed: list[str] = field(default_factory=list)
    inputs_missing: list[str] = field(default_factory=list)
    outputs_edited: list[str] = field(default_factory=list)
    outputs_missing: list[str] = field(default_factory=list)
    #: outputs recorded in the manifest but neither in the folder nor beside the files given (not checked)
    outputs_elsewhere: list[str] = field(default_factory=list)
    rerun_differs: list[str] = field(default_factory=list)
    manifest_problems: list[str] = field(default_factory=list)
    rerun_done: bool = False

    @property
    def holds(self) -> bool:
        return self.rerun_done and not (self.inputs_changed or self.inputs_missing or self.outputs_edited
                                        or self.outputs_missing or self.rerun_differs or self.manifest_problems)

    def lines(self) -> list[str]:
        out = list(self.manifest_problems)
        for name in self.inputs_missing:
            out.append(_("input missing: {name}").format(name=name))
        for name in self.inputs_changed:
            out.append(_("input changed since the run (sha256 differs): {name}").format(name=name))
        for name in self.outputs_missing:
            out.append(_("output missing from the folder: {name}").format(name=name))
        for name in self.outputs_edited:
            out.append(_("output edited after the run (sha256 differs from the manifest): {name}").format(name=name))
        for name in self.rerun_differs:
            out.append(_("a rerun gives a different {name}").format(name=name))
        return out


def verify_run(run_dir: Path, ctx: RunContext | None = None, rerun: bool = True, manifest_path: Path | None = None,
               beside: Sequence[Path] = ()) -> Verification:
    """``rerun=False``: only re-hash the inputs and outputs (what the report's title page checks).

    ``manifest_path`` and ``beside``: a screening whose outputs are not together in one folder (the steps of a
    QGIS model write each output to its own temporary folder): its manifest, and the folders of the outputs given
    with it.  An output is then looked for in the run folder and in each of those folders; one found in none is
    listed in ``outputs_elsewhere`` (not checked) instead of ``outputs_missing``."""
    from ..candidates.compute import compute_candidates
    from ..data.layers import LayerInput
    from ..exclusion.compute import ScreeningRequest, compute_exclusion
    from .screen import output_targets, write_screening

    ctx = ctx or RunContext()
    manifest = read_manifest(run_dir, path=manifest_path)
    params, recorded, outputs = manifest["parameters"], manifest["profile"], manifest["outputs"]
    report = Verification(run_dir)
    if DIGEST_KEY not in manifest:
        report.manifest_problems.append(_("manifest.json carries no content digest, so its own sections (caveats, "
                                          "licences, versions) cannot be checked"))
    elif manifest[DIGEST_KEY] != content_digest(manifest):
        report.manifest_problems.append(_("manifest.json was edited after the run (its content digest differs)"))
    paths = {name: output_path(run_dir, name) for name in sorted(outputs)}
    folders = [Path(f) for f in dict.fromkeys(str(Path(f)) for f in beside) if Path(f) != Path(run_dir)]
    for name in list(paths):
        if not paths[name].exists() and folders:
            found = next((p for p in (output_path(f, name) for f in folders) if p.exists()), None)
            if found is None:
                report.outputs_elsewhere.append(name)
                del paths[name]
            else:
                paths[name] = found
    for item in manifest.get("inputs", []):
        label = f"{item['layer_id']} ({item['path']})"
        state = input_state(item, ctx)
        if state == "missing":
            report.inputs_missing.append(label)
        elif state == "changed":
            report.inputs_changed.append(label)
    for name, path in paths.items():
        if not path.exists():
            report.outputs_missing.append(name)
        elif not path.is_file() or path.is_symlink():
            report.outputs_edited.append(name)
        elif hash_file(path, ctx) != outputs[name]:
            report.outputs_edited.append(name)
    if report.inputs_missing or not rerun:
        return report  # cannot (or need not) rerun
    layers = {k: LayerInput(Path(v["path"]), v.get("layer")) for k, v in (params.get("layers") or {}).items()}
    for layer_id, given in layers.items():
        if given.path.exists():
            _check_input_kind(given.path, f"{layer_id} ({given.path})")
    data_dir = Path(params["data_dir"]) if params.get("data_dir") else None
    if data_dir is not None and data_dir.exists() and not data_dir.is_dir():
        raise _damaged(run_dir / MANIFEST_NAME, "data_dir is not a folder")
    from ..model import i18n

    recorded_language = manifest.get("language")
    before = i18n._language
    if recorded_language in ("en", "nl"):
        set_language(recorded_language)  # the texts inside the data files are in the run's language
    try:
        profile = parse_profile(recorded["text"], recorded["path"], load_catalogue().ids)
        request = ScreeningRequest(
            region=params["region"], profile=params["profile"], data_dir=data_dir, layers=layers,
            fallback_dir=Path(params["fallback_dir"]) if params.get("fallback_dir") else None,
            resolution_m=params.get("resolution_m"), footprint_ha=params.get("footprint_ha"),
            footprint_shape=params.get("footprint_shape"), exclusion_vector=bool(params.get("exclusion_vector")),
            design=params.get("design"))
        with tempfile.TemporaryDirectory(prefix="smr-siting-verify-") as tmp, \
                on_hard_stop(lambda: shutil.rmtree(tmp, ignore_errors=True)):
            out = Path(tmp) / "rerun"
            result = compute_exclusion(request, ctx.stage(0.0, 0.6), profile=profile)
            targets = output_targets(out, request.exclusion_vector)
            candidates = compute_candidates(result, ctx.stage(0.6, 0.8)) if "candidates" in targets else None
            write_screening(result, targets, False, candidates, ctx.stage(0.8, 1.0))
            rerun = read_manifest(out)["outputs"]
            differs = [name for name in sorted(set(outputs) | set(rerun)) if outputs.get(name) != rerun.get(name)
                       and not _same_but_for_notices(manifest, name, paths.get(name), out / name)]
    finally:
        i18n._language = before
    report.rerun_done = True
    report.rerun_differs.extend(differs)
    return report


#: outputs whose notices an earlier manifest format wrote in the run's language (now: English text and codes)
_NOTICE_KEYS = ("notices", "notice_codes")


def _same_but_for_notices(manifest: dict, name: str, recorded: Path | None, rerun: Path) -> bool:
    """A folder written before manifest format 2 holds its notices in summary.json in the run's language; this
    version writes them in English with their message codes.  The rest of the file must be the same."""
    if manifest.get("format", 1) != 1 or name != "summary.json" or recorded is None:
        return False
    try:
        with open(recorded, "rb") as handle:
            old = json.loads(handle.read(MANIFEST_LIMIT).decode("utf-8"), parse_constant=_no_constant)
        new = json.loads(rerun.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return False
    return ({k: v for k, v in old.items() if k not in _NOTICE_KEYS}
            == {k: v for k, v in new.items() if k not in _NOTICE_KEYS})
