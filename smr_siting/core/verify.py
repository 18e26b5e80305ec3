"""``smr-siting verify RUNDIR``: do a screening folder's results still hold?

Re-hashes the inputs recorded in ``manifest.json``, checks the folder's outputs against the hashes
recorded when they were written, reruns the screening (same inputs, the recorded profile text) into
a temporary folder and compares the new outputs with the recorded ones, byte for byte.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import load_catalogue
from .errors import SmrSitingError
from .i18n import _
from .layers import sha256_of
from .profile import parse_profile
from .progress import RunContext


@dataclass
class Verification:
    run_dir: Path
    inputs_changed: list[str] = field(default_factory=list)
    inputs_missing: list[str] = field(default_factory=list)
    outputs_edited: list[str] = field(default_factory=list)
    outputs_missing: list[str] = field(default_factory=list)
    rerun_differs: list[str] = field(default_factory=list)
    rerun_done: bool = False

    @property
    def holds(self) -> bool:
        return self.rerun_done and not (self.inputs_changed or self.inputs_missing or self.outputs_edited
                                        or self.outputs_missing or self.rerun_differs)

    def lines(self) -> list[str]:
        out = []
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


def verify_run(run_dir: Path, ctx: RunContext | None = None) -> Verification:
    from .layers import LayerInput
    from .screen import ScreeningRequest, compute_candidates, compute_exclusion, output_targets, write_screening

    ctx = ctx or RunContext()
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise SmrSitingError(_("{folder} is not a screening output folder (no manifest.json)").format(folder=run_dir),
                             _("Pass the folder given to 'smr-siting screen --out'"))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        params, recorded, outputs = manifest["parameters"], manifest["profile"], manifest["outputs"]
    except (ValueError, KeyError) as error:
        raise SmrSitingError(_("{path} is damaged ({error})").format(path=manifest_path, error=error),
                             _("Run the screening again")) from None
    report = Verification(run_dir)
    for item in manifest.get("inputs", []):
        path = Path(item["path"])
        label = f"{item['layer_id']} ({path})"
        if not path.exists():
            report.inputs_missing.append(label)
        elif sha256_of(path) != item["sha256"]:
            report.inputs_changed.append(label)
    for name, digest in sorted(outputs.items()):
        path = run_dir / name
        if not path.exists():
            report.outputs_missing.append(name)
        elif sha256_of(path) != digest:
            report.outputs_edited.append(name)
    if report.inputs_missing:
        return report  # cannot rerun
    profile = parse_profile(recorded["text"], recorded["path"], load_catalogue().ids)
    layers = {k: LayerInput(Path(v["path"]), v.get("layer")) for k, v in (params.get("layers") or {}).items()}
    request = ScreeningRequest(
        region=params["region"], profile=params["profile"],
        data_dir=Path(params["data_dir"]) if params.get("data_dir") else None, layers=layers,
        fallback_dir=Path(params["fallback_dir"]) if params.get("fallback_dir") else None,
        resolution_m=params.get("resolution_m"), footprint_ha=params.get("footprint_ha"),
        footprint_shape=params.get("footprint_shape"), exclusion_vector=bool(params.get("exclusion_vector")))
    with tempfile.TemporaryDirectory(prefix="smr-siting-verify-") as tmp:
        out = Path(tmp) / "rerun"
        result = compute_exclusion(request, ctx.stage(0.0, 0.6), profile=profile)
        targets = output_targets(out, request.exclusion_vector)
        candidates = compute_candidates(result, ctx.stage(0.6, 0.8)) if "candidates" in targets else None
        write_screening(result, targets, False, candidates, ctx.stage(0.8, 1.0))
        rerun = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    report.rerun_done = True
    for name in sorted(set(outputs) | set(rerun)):
        if outputs.get(name) != rerun.get(name):
            report.rerun_differs.append(name)
    return report
