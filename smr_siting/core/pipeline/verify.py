"""``smr-siting verify RUNDIR``: do a screening folder's results still hold?

Checks the manifest's own content digest, re-hashes the inputs recorded in ``manifest.json``, checks
the folder's outputs against the hashes recorded when they were written, reruns the screening (same
inputs, the recorded profile text, the recorded language) into a temporary folder and compares the
new outputs with the recorded ones, byte for byte.

A manifest is untrusted input: :class:`~smr_siting.core.outputs.Manifest` reads it with a size bound and
checks its structure (a damaged one is refused with exit 2); its outputs must be plain names inside the
folder; its inputs must be regular files (or folders of them), read no further than their recorded size;
every read can be cancelled.  :func:`screening_request` is the one rebuild of a screening from its manifest
(``rank``, ``sensitivity``, ``verify`` and the QGIS steps use it).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..candidates.compute import compute_candidates
from ..data.catalogue import load_catalogue
from ..exclusion.compute import ScreeningRequest, compute_exclusion
from ..model import i18n
from ..model.i18n import _, set_language
from ..model.progress import RunContext, on_hard_stop
from ..outputs import MANIFEST_LIMIT, MANIFEST_NAME, Manifest
from ..outputs.manifest import check_input_kind, damaged, hash_file, no_constant
from .screen import output_targets, write_screening


def screening_request(manifest: Manifest, pinned: bool = True) -> ScreeningRequest:
    """The screening a manifest records, to run again (``rank``, ``sensitivity``, ``verify``, QGIS).

    Parameters
    ----------
    manifest
        A checked manifest (:meth:`Manifest.read`).
    pinned
        Read the layers the screening chose (its recorded ``sources``) even if a more authoritative one has
        appeared since: what scores and sweeps need.  ``verify`` does not pin: it asks whether the folder's data
        still give the folder's results.
    """
    return ScreeningRequest(
        region=manifest.region, profile=manifest.profile_name, data_dir=manifest.data_dir, layers=manifest.layers,
        fallback_dir=manifest.fallback_dir, resolution_m=manifest.resolution_m, footprint_ha=manifest.footprint_ha,
        footprint_shape=manifest.footprint_shape, exclusion_vector=manifest.exclusion_vector,
        source_pins=manifest.source_pins if pinned else {}, design=manifest.design)


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
    ctx = ctx or RunContext()
    manifest = Manifest.read(run_dir, path=manifest_path)
    outputs = manifest.outputs
    report = Verification(run_dir)
    if not manifest.has_digest:
        report.manifest_problems.append(_("manifest.json carries no content digest, so its own sections (caveats, "
                                          "licences, versions) cannot be checked"))
    elif not manifest.digest_holds:
        report.manifest_problems.append(_("manifest.json was edited after the run (its content digest differs)"))
    paths = {name: manifest.output_path(name) for name in sorted(outputs)}
    folders = [Path(f) for f in dict.fromkeys(str(Path(f)) for f in beside) if Path(f) != Path(run_dir)]
    for name in list(paths):
        if not paths[name].exists() and folders:
            found = next((p for p in (manifest.output_path(name, f) for f in folders) if p.exists()), None)
            if found is None:
                report.outputs_elsewhere.append(name)
                del paths[name]
            else:
                paths[name] = found
    for item in manifest.inputs:
        label = f"{item['layer_id']} ({item['path']})"
        state = manifest.input_state(item, ctx)
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
    for layer_id, given in manifest.layers.items():
        if given.path.exists():
            check_input_kind(given.path, f"{layer_id} ({given.path})")
    data_dir = manifest.data_dir
    if data_dir is not None and data_dir.exists() and not data_dir.is_dir():
        raise damaged(run_dir / MANIFEST_NAME, "data_dir is not a folder")
    recorded_language = manifest.language
    before = i18n._language
    if recorded_language in ("en", "nl"):
        set_language(recorded_language)  # the texts inside the data files are in the run's language
    try:
        profile = manifest.profile(layer_ids=load_catalogue().ids)
        request = screening_request(manifest, pinned=False)
        with tempfile.TemporaryDirectory(prefix="smr-siting-verify-") as tmp, \
                on_hard_stop(lambda: shutil.rmtree(tmp, ignore_errors=True)):
            out = Path(tmp) / "rerun"
            result = compute_exclusion(request, ctx.stage(0.0, 0.6), profile=profile)
            targets = output_targets(out, request.exclusion_vector)
            candidates = compute_candidates(result, ctx.stage(0.6, 0.8)) if "candidates" in targets else None
            write_screening(result, targets, False, candidates, ctx.stage(0.8, 1.0))
            rerun = Manifest.read(out).outputs
            differs = [name for name in sorted(set(outputs) | set(rerun)) if outputs.get(name) != rerun.get(name)
                       and not _same_but_for_notices(manifest, name, paths.get(name), out / name)]
    finally:
        i18n._language = before
    report.rerun_done = True
    report.rerun_differs.extend(differs)
    return report


#: outputs whose notices an earlier manifest format wrote in the run's language (now: English text and codes)
_NOTICE_KEYS = ("notices", "notice_codes")


def _same_but_for_notices(manifest: Manifest, name: str, recorded: Path | None, rerun: Path) -> bool:
    """A folder written before manifest format 2 holds its notices in summary.json in the run's language; this
    version writes them in English with their message codes.  The rest of the file must be the same."""
    if manifest.format != 1 or name != "summary.json" or recorded is None:
        return False
    try:
        with open(recorded, "rb") as handle:
            old = json.loads(handle.read(MANIFEST_LIMIT).decode("utf-8"), parse_constant=no_constant)
        new = json.loads(rerun.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return False
    return ({k: v for k, v in old.items() if k not in _NOTICE_KEYS}
            == {k: v for k, v in new.items() if k not in _NOTICE_KEYS})
