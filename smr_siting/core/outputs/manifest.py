"""A screening folder's ``manifest.json``, read as untrusted input: the one reader of ``rank``,
``sensitivity``, ``verify`` and the report.

A manifest is read with a size bound and its structure checked (a damaged one is refused with exit 2); its
outputs must be plain names inside the folder; its inputs must be regular files (or folders of them), read no
further than their recorded size; every read can be cancelled.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..data.layers import LayerInput
from ..data.sources import pins_from_json
from ..model.errors import SmrSitingError
from ..model.i18n import _
from ..model.profile import Profile
from ..model.progress import RunContext
from ..rules import parse_profile
from .json_io import DIGEST_KEY, OUTPUT_NAMES, content_digest

#: the largest manifest read (a real one is well under 1 MB; the profile text is the largest part)
MANIFEST_LIMIT = 16 * 1024 * 1024
MANIFEST_NAME = OUTPUT_NAMES["manifest"]


def damaged(path: Path, error: object) -> SmrSitingError:
    """The error for a manifest (or a file it names) that cannot be what it claims."""
    return SmrSitingError(_("{path} is damaged ({error})").format(path=path, error=error), _("Run the screening again"))


def no_constant(name: str) -> float:
    """``json.loads(parse_constant=...)``: NaN and Infinity are refused."""
    raise ValueError(_("non-finite number {name}").format(name=name))


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def _finite_or_none(value: Any, what: str) -> None:
    _need(value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                            and math.isfinite(value) and value > 0), f"{what} must be a positive number")


def _checked(raw: bytes) -> dict:
    """The manifest's JSON, with the structure the tools rely on (ValueError if it lacks it)."""
    if len(raw) > MANIFEST_LIMIT:
        raise ValueError(f"larger than {MANIFEST_LIMIT // (1024 * 1024)} MB")
    manifest = json.loads(raw.decode("utf-8"), parse_constant=no_constant)
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


def check_input_kind(path: Path, label: str) -> None:
    """Refuse an input that is neither a regular file nor a folder (a device, a pipe)."""
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


def input_state(item: Mapping[str, Any], ctx: RunContext) -> str:
    """'missing', 'changed' or 'same' for one recorded input (bounded, cancellable)."""
    path = Path(item["path"])
    label = f"{item['layer_id']} ({path})"
    if not path.exists():
        return "missing"
    check_input_kind(path, label)
    recorded = item.get("bytes")
    if path.is_file() and isinstance(recorded, int) and recorded > 0 and path.stat().st_size != recorded:
        return "changed"  # no need to read it
    return "same" if hash_file(path, ctx) == item["sha256"] else "changed"


@dataclass(frozen=True)
class Manifest:
    """The manifest of one screening folder, its structure checked (see :meth:`read`).

    Parameters
    ----------
    folder
        The screening folder (its outputs are looked for there).
    path
        The manifest file (``folder/manifest.json``, or a QGIS model's temporary output under another name).
    data
        The manifest's JSON object as read.
    """

    folder: Path
    path: Path
    data: Mapping[str, Any]

    @classmethod
    def read(cls, folder: Path, fix: str = "", path: Path | None = None) -> Manifest:
        """Read ``folder``'s manifest with a size bound and check the structure the tools rely on.

        Parameters
        ----------
        folder
            The screening folder.
        fix
            What to do when the folder has no manifest (the default: pass the folder of 'screen --out').
        path
            The manifest under another name (a QGIS model's temporary output).

        Raises
        ------
        SmrSitingError
            No manifest, or a damaged one (too large, not JSON, non-finite numbers, sections missing or of the
            wrong type).
        """
        folder = Path(folder)
        manifest_path = Path(path) if path is not None else folder / MANIFEST_NAME
        if not manifest_path.is_file():
            raise SmrSitingError(_("{folder} is not a screening output folder (no manifest.json)").format(
                                     folder=folder),
                                 fix or _("Pass the folder given to 'smr-siting screen --out'"))
        try:
            with open(manifest_path, "rb") as handle:
                raw = handle.read(MANIFEST_LIMIT + 1)
            data = _checked(raw)
        except (ValueError, UnicodeDecodeError, OSError, RecursionError) as error:
            raise damaged(manifest_path, error) from None
        return cls(folder, manifest_path, data)

    def get(self, key: str, default: Any = None) -> Any:
        """A section as recorded (``run``, ``version``, ``caveats``, ``sources``, ...), unchecked."""
        return self.data.get(key, default)

    # ------------------------------------------------------------------ the digest and the format
    @property
    def has_digest(self) -> bool:
        """True if the manifest carries its own content digest (every manifest since the digest exists)."""
        return DIGEST_KEY in self.data

    @property
    def digest_holds(self) -> bool:
        """True if the recorded content digest is that of the other sections (nothing edited since)."""
        return self.data.get(DIGEST_KEY) == content_digest(self.data)

    @property
    def format(self) -> int:
        """The manifest format (1 without ``format``: notices written in the run's language)."""
        return self.data.get("format", 1)

    @property
    def language(self) -> str | None:
        """The language of the run's texts, as recorded."""
        return self.data.get("language")

    # ------------------------------------------------------------------ the profile
    @property
    def profile_record(self) -> Mapping[str, Any]:
        """The ``profile`` section: name, path, sha256 and the text the run used."""
        return self.data["profile"]

    @property
    def profile_text(self) -> str:
        return self.data["profile"]["text"]

    @property
    def profile_path(self) -> str:
        return self.data["profile"]["path"]

    def profile(self, source: str | None = None, layer_ids: set[str] | None = None) -> Profile:
        """The recorded profile text parsed; ``source``: how messages name it (default: its recorded path)."""
        return parse_profile(self.profile_text, self.profile_path if source is None else source, layer_ids)

    # ------------------------------------------------------------------ the request's parameters
    @property
    def parameters(self) -> Mapping[str, Any]:
        """The ``parameters`` section as recorded (paths absolute)."""
        return self.data["parameters"]

    @property
    def profile_name(self) -> str:
        """The profile as the run was given it (a built-in name or an absolute path)."""
        return self.parameters["profile"]

    @property
    def region(self) -> str:
        return self.parameters["region"]

    @property
    def data_dir(self) -> Path | None:
        value = self.parameters.get("data_dir")
        return Path(value) if value else None

    @property
    def fallback_dir(self) -> Path | None:
        value = self.parameters.get("fallback_dir")
        return Path(value) if value else None

    @property
    def resolution_m(self) -> float | None:
        return self.parameters.get("resolution_m")

    @property
    def footprint_ha(self) -> float | None:
        return self.parameters.get("footprint_ha")

    @property
    def footprint_shape(self) -> str | None:
        return self.parameters.get("footprint_shape")

    @property
    def design(self) -> str | None:
        return self.parameters.get("design")

    @property
    def exclusion_vector(self) -> bool:
        """The option 'exclusion polygons per rule' (``screen --vector``)."""
        return bool(self.parameters.get("exclusion_vector"))

    @property
    def layer_records(self) -> Mapping[str, Mapping[str, Any]]:
        """The layers given explicitly (``--layer``), as recorded: layer id -> path, layer, as given."""
        return self.parameters.get("layers") or {}

    @property
    def layers(self) -> dict[str, LayerInput]:
        """The layers given explicitly, as :class:`LayerInput`."""
        return {k: LayerInput(Path(v["path"]), v.get("layer")) for k, v in self.layer_records.items()}

    @property
    def source_pins(self) -> dict[str, str]:
        """The source chosen for each rule (``SourceChoice.key`` -> layer id), so a rebuild reads the same ones."""
        return pins_from_json(self.data.get("sources"))

    # ------------------------------------------------------------------ inputs, outputs, versions
    @property
    def inputs(self) -> list[dict]:
        """Every input the run read: layer_id, path, sha256 (checked) and what else was recorded."""
        return self.data.get("inputs", [])

    def input_state(self, item: Mapping[str, Any], ctx: RunContext) -> str:
        """'missing', 'changed' or 'same' for one of :attr:`inputs` (regular files only, bounded, cancellable)."""
        return input_state(item, ctx)

    @property
    def outputs(self) -> Mapping[str, str]:
        """The outputs the run wrote: file name -> sha256."""
        return self.data["outputs"]

    def output_path(self, name: str, folder: Path | None = None) -> Path:
        """Where output ``name`` is (in ``folder``, default the manifest's): refused unless a plain name inside."""
        return output_path(self.folder if folder is None else Path(folder), name)

    def vouched_output(self, name: str, folder: Path | None = None) -> Path | None:
        """Output ``name`` (in ``folder``, default the manifest's) when it is still the file the run wrote — a
        regular file with the sha256 recorded here — else None (missing, edited, or never written)."""
        recorded = self.outputs.get(name)
        if not isinstance(recorded, str):
            return None
        path = self.output_path(name, folder)
        if not path.is_file() or path.is_symlink() or hash_file(path, RunContext()) != recorded:
            return None
        return path

    @property
    def versions(self) -> Mapping[str, str]:
        """The versions of the software the run used (package -> version)."""
        return self.data.get("versions", {})
