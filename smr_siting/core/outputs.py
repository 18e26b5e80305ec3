"""Writing results: atomically (temporary name, then rename), deterministically, never over the
user's files without leave."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import geopandas as gpd
import numpy as np

from .data.vectorio import fixed_gpkg_dates
from .exclusion.mask import RuleInfo, RuleStats, describe_value
from .model.errors import OutputError
from .model.grid import Grid
from .model.i18n import _
from .model.vocabulary import OVERWRITE, term

_HERE = Path(__file__).resolve()
STYLE_DIRS = (_HERE.parents[1] / "resources" / "styles", _HERE.parents[2] / "resources" / "styles")

#: output names of a screening folder (``smr-siting screen --out DIR``)
OUTPUT_NAMES = {
    "exclusion": "exclusion.tif",
    "candidates": "candidate_areas.gpkg",
    "summary_csv": "summary.csv",
    "summary_json": "summary.json",
    "manifest": "manifest.json",
    "exclusion_vector": "exclusion_reasons.gpkg",
}
#: files written beside an output: QGIS loads a .qml of the same name as the layer's style
SIDECARS = {"exclusion": (".qml", ".rules.json"), "candidates": (".qml",), "exclusion_vector": (".qml",),
            "suitability": (".qml",), "ranked": (".qml",)}


def sidecar_paths(key: str, path: Path) -> list[Path]:
    out = []
    for suffix in SIDECARS.get(key, ()):
        out.append(path.with_suffix(suffix) if suffix == ".qml" else path.with_name(path.stem + suffix))
    return out


def _style_dir() -> Path | None:
    return next((d for d in STYLE_DIRS if d.is_dir()), None)


LEDGER_NAME = ".smr-siting-files.json"


def _same_file(a: Path, b: Path) -> bool:
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _sha256(path: Path) -> str | None:
    import hashlib
    import stat

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


def _bounded_json(path: Path, limit: int = 64 * 1024 * 1024) -> Any:
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
    manifest = _bounded_json(folder / OUTPUT_NAMES["manifest"])
    if isinstance(manifest, dict) and manifest.get("tool") == "smr-siting" and isinstance(manifest.get("outputs"),
                                                                                           dict):
        names.update({str(k): str(v) for k, v in manifest["outputs"].items()})
    ledger = _bounded_json(folder / LEDGER_NAME)
    if isinstance(ledger, dict) and isinstance(ledger.get("files"), dict):
        names.update({str(k): str(v) for k, v in ledger["files"].items()})
    return names


def foreign_files(paths: Sequence[Path]) -> list[Path]:
    """Of ``paths`` (files a run would remove), those the folder's own records do not list as ours, unchanged."""
    foreign = []
    records: dict[Path, dict[str, str]] = {}
    for path in paths:
        if path.name == OUTPUT_NAMES["manifest"]:
            manifest = _bounded_json(path)
            if not (isinstance(manifest, dict) and manifest.get("tool") == "smr-siting"):
                foreign.append(path)
            continue
        known = records.setdefault(path.parent, recorded_outputs(path.parent))
        if path.name not in known or _sha256(path) != known[path.name]:
            foreign.append(path)
    return foreign


class _FolderLock:
    """An exclusive lock on an output folder while a run writes into it (flock on the folder itself, so nothing
    is left behind; a lock file where flock is missing).  Re-entrant within one thread: a whole run holds the
    lock and its writing step takes it again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = os.path.realpath(folder)
        self.fd: int | None = None
        self.lock_file: Path | None = None

    def acquire(self) -> None:
        with _HELD_GUARD:
            held = _HELD.get(self.key)
            if held is not None:
                if held[0] != threading.get_ident():
                    raise _busy(self.folder)
                _HELD[self.key] = (held[0], held[1] + 1)
                return
            self._take()
            _HELD[self.key] = (threading.get_ident(), 1)

    def _take(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows
            self.lock_file = self.folder / ".smr-siting.lock"
            try:
                self.fd = os.open(self.lock_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                self.lock_file = None
                raise _busy(self.folder) from None
            _FDS[self.key] = (self.fd, self.lock_file)
            return
        self.fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            raise _busy(self.folder) from None
        _FDS[self.key] = (self.fd, None)

    def release(self) -> None:
        with _HELD_GUARD:
            held = _HELD.get(self.key)
            if held is None:
                return
            if held[1] > 1:
                _HELD[self.key] = (held[0], held[1] - 1)
                return
            del _HELD[self.key]
            fd, lock_file = _FDS.pop(self.key, (None, None))
            if fd is not None:
                os.close(fd)  # closing the descriptor releases the flock
            if lock_file is not None:
                try:
                    lock_file.unlink()
                except FileNotFoundError:
                    pass


#: folders this process holds locked: real path -> (thread, depth); and their descriptors
_HELD: dict[str, tuple[int, int]] = {}
_FDS: dict[str, tuple[int | None, Path | None]] = {}
_HELD_GUARD = threading.Lock()


def _busy(folder: Path) -> OutputError:
    return OutputError(_("another smr-siting run is writing into {folder}").format(folder=folder),
                       _("Wait until it has finished, or choose another output folder"))


def folder_is_busy(folder: Path) -> bool:
    """True if another run holds the lock on ``folder`` now."""
    if not folder.is_dir():
        return False
    lock = _FolderLock(folder)
    try:
        lock.acquire()
    except OutputError:
        return True
    except OSError:
        return False
    lock.release()
    return False


#: AtomicOutputs with temporary files on disk: a hard stop (second signal, deadline) removes them
LIVE: list[AtomicOutputs] = []


#: held while a commit swaps files into place: a hard stop waits for it (a commit takes milliseconds)
COMMITTING = threading.Lock()


def abort_all() -> None:
    """Remove the temporary files of every run in progress (called on a hard stop)."""
    got = COMMITTING.acquire(timeout=0.3)
    try:
        for outputs in list(LIVE):
            outputs.abort()
    finally:
        if got:
            COMMITTING.release()


@dataclass(eq=False)
class AtomicOutputs:
    """Every output goes to a hidden temporary file beside its target and is renamed into place
    only when the whole run succeeded.  Until then the user's folder is as it was.

    The commit is all or nothing: files it replaces (and stale files it removes) are first moved aside
    and put back if any rename fails.  While it writes, the run holds a lock on each output folder, so
    two runs into one folder never mix.  It never replaces a file the run reads (``inputs``), and with
    ``overwrite`` it removes only stale files the folder's own records (manifest, ledger) list as ours."""

    targets: Mapping[str, Path]
    overwrite: bool = False
    temps: dict[Path, Path] = field(default_factory=dict)
    last: Path | None = None
    #: earlier outputs of ours that this run does not write again; removed once it succeeded (--overwrite)
    stale: list[Path] = field(default_factory=list)
    created_dirs: list[Path] = field(default_factory=list)
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    #: files the run reads: no output may replace one of them
    inputs: Sequence[Path] = ()
    locks: list[_FolderLock] = field(default_factory=list)

    def all_targets(self) -> list[Path]:
        paths = []
        for key, path in self.targets.items():
            paths.append(path)
            paths.extend(sidecar_paths(key, path))
        return paths

    def folders(self) -> list[Path]:
        return sorted({p.parent for p in self.all_targets()})

    def check(self) -> None:
        """Refuse before any work: outputs that exist (without overwrite), a folder where a file goes, an output
        that is an input, stale files that are not ours, folders we cannot write or another run writes into."""
        targets = self.all_targets()
        try:
            folders_in_the_way = [p for p in targets if p.is_dir()]
        except OSError as error:  # e.g. a name longer than the file system allows
            raise _os_error(error, Path(error.filename) if error.filename else None) from None
        if folders_in_the_way:
            raise OutputError(_("{path} is a folder where smr-siting writes a file").format(path=folders_in_the_way[0]),
                              _("Move or rename that folder, or choose another output folder"))
        existing = [p for p in targets if p.exists()]
        if existing and not self.overwrite:
            raise OutputError(_("output already exists: {names}").format(names=_name_list(existing)),
                              _("Choose another output folder, or {overwrite} to replace it").format(overwrite=term(OVERWRITE)))
        for target in [*targets, *self.stale]:
            source = next((i for i in self.inputs if _same_file(Path(i), target)), None)
            if source is not None:
                raise OutputError(_("the output {target} is also an input of this run ({source})").format(
                    target=target, source=source), _("Write the outputs to another folder"))
        for path in {p.parent for p in targets}:
            probe_dir = path
            while not probe_dir.exists():
                probe_dir = probe_dir.parent
            if not probe_dir.is_dir():
                raise OutputError(_("{path} is a file, not a folder").format(path=probe_dir), _("Choose an output folder"))
            if not os.access(probe_dir, os.W_OK | os.X_OK):
                raise OutputError(_("cannot write to {path} (permission denied)").format(path=probe_dir),
                                  _("Choose a folder you can write to"))
        if self.overwrite:
            foreign = foreign_files([p for p in self.stale if p.exists()])
            if foreign:
                raise OutputError(
                    _("--overwrite would remove files that smr-siting did not write here, or that were changed "
                      "since: {names}").format(names=_name_list(foreign, 12)),
                    _("Move them out of the folder, or choose another output folder"))
        held = {lock.folder for lock in self.locks}
        for folder in self.folders():
            if folder not in held and folder_is_busy(folder):
                raise _busy(folder)

    def _ensure_folder(self, folder: Path) -> None:
        """Create ``folder`` and any missing parents, remembering each for :meth:`abort`."""
        missing = []
        probe = folder
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:
                continue
            except OSError as error:
                raise _os_error(error, path) from None
            self.created_dirs.append(path)

    def temp(self, target: Path) -> Path:
        """The temporary path to write ``target`` to (same folder, same extension)."""
        self.last = target
        if target not in self.temps:
            self._ensure_folder(target.parent)
            self.temps[target] = target.parent / f".{target.stem}.partial-{self.token}{target.suffix}"
            if self not in LIVE:
                LIVE.append(self)
        return self.temps[target]

    def _ledger_text(self, folder: Path, written: Sequence[Path]) -> str:
        ledger = _bounded_json(folder / LEDGER_NAME)
        files = dict(ledger["files"]) if isinstance(ledger, dict) and isinstance(ledger.get("files"), dict) else {}
        for path in self.stale:
            files.pop(path.name, None)
        for target in written:
            if target.parent == folder and target.name != OUTPUT_NAMES["manifest"]:
                files[target.name] = _sha256(self.temps[target]) or ""
        return json.dumps({"tool": "smr-siting", "about": "the files smr-siting wrote into this folder (sha256 when "
                           "written); --overwrite removes only these", "files": dict(sorted(files.items()))},
                          indent=2) + "\n"

    def commit(self) -> None:
        """Swap every temporary file into place (the manifest, then the ledger, last), all or nothing."""
        order = sorted(self.temps, key=lambda p: p.name == OUTPUT_NAMES["manifest"])
        for folder in sorted({t.parent for t in order}):
            ledger = folder / LEDGER_NAME
            _write_text(self.temp(ledger), self._ledger_text(folder, order))
            order.append(ledger)
        with COMMITTING:
            self._swap(order)

    def _swap(self, order: Sequence[Path]) -> None:
        placed: list[tuple[Path, Path | None]] = []
        removed: list[tuple[Path, Path]] = []
        current: Path | None = None
        try:
            for target in order:
                current = target
                backup = None
                if os.path.lexists(target):
                    backup = target.with_name(f".{target.name}.old-{self.token}")
                    os.replace(target, backup)
                placed.append((target, backup))
                os.replace(self.temps[target], target)
            for path in self.stale:
                current = path
                if path not in order and os.path.lexists(path):
                    backup = path.with_name(f".{path.name}.old-{self.token}")
                    os.replace(path, backup)
                    removed.append((path, backup))
        except BaseException as error:  # an OSError, or an interrupt halfway: put everything back
            _rollback(placed, removed)
            self.abort()
            if isinstance(error, OSError):
                raise _os_error(error, current) from None
            raise
        for _path, backup in [*placed, *removed]:
            if backup is not None:
                try:
                    backup.unlink()
                except OSError:
                    pass
        self.temps.clear()
        self.created_dirs.clear()
        self._release()

    def abort(self) -> None:
        for temp in list(self.temps.values()):
            for leftover in (temp, Path(f"{temp}-journal"), Path(f"{temp}-wal"), Path(f"{temp}-shm"),
                             temp.with_suffix(temp.suffix + ".aux.xml")):
                try:
                    leftover.unlink()
                except OSError:
                    pass
        self.temps.clear()
        self._release()
        for folder in reversed(self.created_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        self.created_dirs.clear()

    def _release(self) -> None:
        for lock in reversed(self.locks):
            lock.release()
        self.locks.clear()
        if self in LIVE:
            LIVE.remove(self)

    def _lock_folders(self) -> None:
        self.check()
        try:
            for folder in self.folders():
                self._ensure_folder(folder)
                lock = _FolderLock(folder)
                lock.acquire()
                self.locks.append(lock)
            self.check()  # again, under the lock: another run may have written here meanwhile
        except BaseException:
            self.abort()
            raise
        if self not in LIVE:
            LIVE.append(self)

    @contextmanager
    def hold(self) -> Iterator[AtomicOutputs]:
        """Check, then lock the output folders for a whole run (not only while writing): a second run into the
        same folder is refused at once.  Exceptions pass through unchanged."""
        self._lock_folders()
        try:
            yield self
        finally:
            self.abort()

    def __enter__(self) -> AtomicOutputs:
        self._lock_folders()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            target = self.last
            folder = target.parent if target is not None else None
            self.abort()
            if isinstance(exc, OSError):
                raise _os_error(exc, target) from None
            if type(exc).__module__.split(".")[0] in GDAL_BINDINGS:  # a driver failed while writing
                raise _driver_error(exc, target, folder) from None
        else:
            self.abort()  # a run that wrote nothing, or did not commit: no temporary file stays


def _rollback(placed: Sequence[tuple[Path, Path | None]], removed: Sequence[tuple[Path, Path]]) -> None:
    """Put back what a failed commit replaced or removed."""
    for path, backup in reversed(removed):
        try:
            os.replace(backup, path)
        except OSError:
            pass
    for target, backup in reversed(placed):
        try:
            target.unlink()
        except OSError:
            pass
        if backup is not None:
            try:
                os.replace(backup, target)
            except OSError:
                pass


def _name_list(paths: Sequence[Path], shown: int = 4) -> str:
    names = ", ".join(str(p) for p in paths[:shown])
    return names + (f" (+{len(paths) - shown})" if len(paths) > shown else "")


#: Python bindings whose write errors are not OSErrors (GDAL reports ENOSPC as its own error)
GDAL_BINDINGS = ("fiona", "rasterio", "pyogrio", "osgeo")


def _driver_error(error: Exception, target: Path | None, folder: Path | None) -> OutputError:
    import shutil

    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    free = None
    if folder is not None and folder.exists():
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            free = None
    where = f" {target}" if target is not None else ""
    if "No space" in text or (free is not None and free < 4 * 1024 * 1024):
        return OutputError(_("the disk is full while writing{where}").format(where=where),
                           _("Free some space or choose another output folder"))
    return OutputError(_("cannot write{where} ({reason})").format(where=where, reason=text[:160]),
                       _("Check the output folder"))


def _os_error(error: OSError, path: Path | None) -> OutputError:
    where = f" {path}" if path else (f" {error.filename}" if error.filename else "")
    if error.errno == errno.ENOSPC:
        return OutputError(_("the disk is full while writing{where}").format(where=where),
                           _("Free some space or choose another output folder"))
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(_("cannot write{where} (permission denied or read-only)").format(where=where),
                           _("Choose a folder you can write to"))
    return OutputError(_("cannot write{where} ({reason})").format(where=where, reason=error.strerror),
                       _("Check the output folder"))


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_json(path: Path, data: Any) -> None:
    """A data file: messages in it are written in English, whatever the run's language."""
    from .model.i18n import english_data

    _write_text(path, json.dumps(english_data(data), indent=2, ensure_ascii=False, sort_keys=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


#: the manifest's own digest: sha256 of every other section, so that verify sees an edited manifest
DIGEST_KEY = "content_sha256"
#: the manifest's ``format``: 2 — the notices are written without the run's language (English text, plus
#: ``notice_codes``: message id and arguments), so the data files are the same in every language; manifests
#: without ``format`` (1) hold the notices in the run's language
MANIFEST_FORMAT = 2


def content_digest(manifest: Mapping[str, Any]) -> str:
    """sha256 of every section of a manifest but the digest itself (canonical JSON)."""
    import hashlib

    body = {k: v for k, v in manifest.items() if k != DIGEST_KEY}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_manifest(manifest: Mapping[str, Any]) -> dict:
    """The manifest with the language its texts are in and its content digest (the last key)."""
    from .model.i18n import language

    sealed = {k: v for k, v in manifest.items() if k != DIGEST_KEY}
    sealed.setdefault("language", language())
    from .model.i18n import english_data

    sealed = json.loads(json.dumps(english_data(sealed), default=_json_default))  # the digest of what is written
    sealed[DIGEST_KEY] = content_digest(sealed)
    return sealed


# ------------------------------------------------------------------------- exclusion raster


#: rows of a raster written between two cancel checks (a multiple of the 256-row tiles)
ROWS_PER_CHECK = 512


def write_exclusion_tif(path: Path, bits: np.ndarray, grid: Grid, rules: Sequence[RuleInfo], nodata: int,
                        caveats: Sequence[str] = (), check: Callable[[], None] | None = None) -> None:
    """The exclusion GeoTIFF, written in strips of tiles; ``check`` is called between strips (a cancel raises)."""
    import rasterio
    from rasterio.windows import Window

    profile = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": str(bits.dtype),
        "crs": grid.crs, "transform": grid.transform, "nodata": nodata, "compress": "deflate", "tiled": True,
        "blockxsize": 256, "blockysize": 256,
    }
    legend = [{"bit": r.bit, "value": r.value, "id": r.id, "title": r.title, "title_nl": r.title_nl,
               "group": r.group} for r in rules]
    with rasterio.open(path, "w", **profile) as dst:
        for top in range(0, grid.height, ROWS_PER_CHECK):
            if check is not None:
                check()
            height = min(ROWS_PER_CHECK, grid.height - top)
            dst.write(bits[top:top + height], 1, window=Window(0, top, grid.width, height))
        dst.set_band_description(1, "SMR exclusion reasons (bit mask: one bit per rule, 0 = not excluded)")
        tags = {f"RULE_BIT_{r.bit}": f"{r.id}: {r.title}" for r in rules}
        tags["SMR_SITING_RULES"] = json.dumps(legend, ensure_ascii=False)
        tags["SMR_SITING_NODATA"] = f"{nodata} = outside the region"
        if caveats:
            tags["SMR_SITING_CAVEATS"] = " | ".join(caveats)
        dst.update_tags(**tags)
        dst.update_tags(1, **{f"RULE_BIT_{r.bit}": r.id for r in rules})


def present_values(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (as ``np.unique``), by counting when the type is small: a fraction of the time."""
    if values.dtype.kind == "u" and values.dtype.itemsize <= 2:
        return np.flatnonzero(np.bincount(values.ravel(), minlength=1)).astype(values.dtype)
    return np.unique(values)


def exclusion_legend(rules: Sequence[RuleInfo], nodata: int, caveats: Sequence[str]) -> dict:
    return {
        "about": "Cell value = sum of 2**bit over every rule that excludes the cell; 0 = not excluded.",
        "nodata": nodata,
        "nodata_means": "outside the region",
        "rules": [{"bit": r.bit, "value": r.value, "id": r.id, "title": r.title, "title_nl": r.title_nl,
                   "group": r.group, "kind": r.kind, "layers": list(r.layers)} for r in rules],
        "caveats": list(caveats),
    }


#: one distinct colour per rule, by bit (colour-blind-safe qualitative palette, Okabe–Ito / Tol)
RULE_COLOURS = [(204, 121, 167), (0, 114, 178), (86, 180, 233), (230, 159, 0), (213, 94, 0), (117, 112, 179),
                (136, 34, 85), (240, 228, 66), (68, 170, 153), (153, 153, 51), (102, 37, 6), (0, 158, 115)]
COVERAGE_COLOUR = (190, 190, 190)
NOT_EXCLUDED_COLOUR = (26, 152, 80)


def rule_colour(rule: RuleInfo) -> tuple[int, int, int]:
    if rule.group == "coverage":
        return COVERAGE_COLOUR
    return RULE_COLOURS[rule.bit % len(RULE_COLOURS)]


def _colour(rules: Sequence[RuleInfo], value: int) -> tuple[int, int, int]:
    """The colour of the first rule (profile order) that excludes the cell, darker where more rules do."""
    first = next(r for r in rules if value & r.value)
    base = rule_colour(first)
    extra = bin(value).count("1") - 1
    return tuple(max(0, int(c * (1 - 0.12 * min(extra, 4)))) for c in base)  # type: ignore[return-value]


def exclusion_qml(values: Iterable[int], rules: Sequence[RuleInfo], dutch: bool | None = None) -> str:
    """A paletted QGIS style for the values present, each labelled with its reasons (in Dutch if ``dutch``;
    default: the engine's language)."""
    from xml.sax.saxutils import quoteattr

    entries = []
    for value in sorted(set(int(v) for v in values)):
        if value == 0:
            colour, alpha = NOT_EXCLUDED_COLOUR, 90
        else:
            colour, alpha = _colour(rules, value), 255
        hex_colour = "#{:02x}{:02x}{:02x}".format(*colour)
        label = describe_value(value, rules, dutch)
        entries.append(f'        <paletteEntry value="{value}" color="{hex_colour}" alpha="{alpha}" '
                       f'label={quoteattr(label)}/>')
    template = _read_style("exclusion.qml")
    return template.replace("<!--PALETTE-->", "\n".join(entries).lstrip())


def _read_style(name: str) -> str:
    folder = _style_dir()
    if folder is None or not (folder / name).exists():
        raise OutputError(_("the style {name} is missing from this installation").format(name=name),
                          _("Reinstall smr-siting"))
    return (folder / name).read_text(encoding="utf-8")


def write_style(path: Path, name: str) -> None:
    _write_text(path, _read_style(name))


# ------------------------------------------------------------------------- vectors and tables


def write_gpkg(path: Path, gdf: gpd.GeoDataFrame, layer: str, geometry_type: str = "MultiPolygon") -> None:
    """Write one layer; an empty frame still gets its fields and geometry type."""
    from .data.vectorio import _pyogrio
    from .model.i18n import english

    texts = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == object]
    if texts:  # a data file: messages (site names, values in words, notes) in English, whatever the language
        gdf = gdf.copy()
        for column in texts:
            gdf[column] = [english(v) for v in gdf[column]]
    with fixed_gpkg_dates():
        if len(gdf):
            gdf.to_file(str(path), layer=layer, driver="GPKG", index=False)
        elif _pyogrio is not None:
            gdf.to_file(str(path), layer=layer, driver="GPKG", index=False, engine="pyogrio",
                        geometry_type=geometry_type)
        else:
            kinds = {"i": "int", "u": "int", "f": "float", "b": "bool"}
            properties = {c: kinds.get(gdf[c].dtype.kind, "str") for c in gdf.columns if c != gdf.geometry.name}
            gdf.to_file(str(path), layer=layer, driver="GPKG", index=False,
                        schema={"geometry": geometry_type, "properties": properties})


def exclusion_polygons(bits: np.ndarray, region: np.ndarray, grid: Grid, rules: Sequence[RuleInfo],
                       region_km2_cells: float, ctx: Any = None) -> gpd.GeoDataFrame:
    """One dissolved (multi)polygon per rule: the land it excludes inside the region.  ``ctx`` (a RunContext):
    a cancel is seen between rules, between parts and while a rule's parts are dissolved."""
    from rasterio import features
    from shapely.geometry import shape
    from shapely.ops import unary_union

    from .model.progress import RunContext

    ctx = ctx or RunContext()
    rows = []
    for rule in rules:
        ctx.check_cancelled()
        mask = ((bits & np.array(rule.value, dtype=bits.dtype)) != 0) & region
        if not mask.any():
            continue
        parts = []
        for number, (g, v) in enumerate(features.shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform,
                                                        connectivity=4)):
            if number % 64 == 0:
                ctx.check_cancelled()
            if v == 1:
                parts.append(shape(g))
        geometry = ctx.call(unary_union, parts)
        rows.append({"bit": rule.bit, "rule_id": rule.id, "title": rule.title, "title_nl": rule.title_nl,
                     "group": rule.group, "area_km2": round(mask.sum() * region_km2_cells, 4), "geometry": geometry})
    if not rows:
        return empty_frame({"bit": "int64", "rule_id": "object", "title": "object", "title_nl": "object",
                            "group": "object", "area_km2": "float64"}, grid.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=grid.crs)


def empty_frame(columns: Mapping[str, str], crs: str) -> gpd.GeoDataFrame:
    """An empty layer with typed columns (so that its file still has the right fields)."""
    import pandas as pd

    data = {name: pd.Series([], dtype=dtype) for name, dtype in columns.items()}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


SUMMARY_COLUMNS = ["order", "bit", "id", "title", "group", "km2_alone", "km2_only", "km2_cumulative",
                   "share_alone", "share_cumulative"]


def summary_csv_text(table: Sequence[RuleStats]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: v for k, v in row.as_dict().items() if k in SUMMARY_COLUMNS})
    return buffer.getvalue()


def write_summary_csv(path: Path, table: Sequence[RuleStats]) -> None:
    _write_text(path, summary_csv_text(table))
