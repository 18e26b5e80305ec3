"""Writing results: atomically (temporary name, then rename), never over the user's files without leave.

Every output goes to a temporary file beside its target and is renamed into place when the whole run succeeded;
the folder is locked while a run writes into it; a failed commit puts back what it replaced; write errors
become :class:`~smr_siting.core.model.errors.OutputError` with a message a user can act on."""

from __future__ import annotations

import errno
import json
import os
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from ..model.errors import OutputError
from ..model.i18n import _
from ..model.vocabulary import OVERWRITE, term
from .json_io import LEDGER_NAME, OUTPUT_NAMES, bounded_json, file_sha256, recorded_outputs, write_text

#: files written beside an output: QGIS loads a .qml of the same name as the layer's style
SIDECARS = {"exclusion": (".qml", ".rules.json"), "candidates": (".qml",), "exclusion_vector": (".qml",),
            "suitability": (".qml",), "ranked": (".qml",)}


def sidecar_paths(key: str, path: Path) -> list[Path]:
    out = []
    for suffix in SIDECARS.get(key, ()):
        out.append(path.with_suffix(suffix) if suffix == ".qml" else path.with_name(path.stem + suffix))
    return out


def _same_file(a: Path, b: Path) -> bool:
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def foreign_files(paths: Sequence[Path]) -> list[Path]:
    """Of ``paths`` (files a run would remove), those the folder's own records do not list as ours, unchanged."""
    foreign = []
    records: dict[Path, dict[str, str]] = {}
    for path in paths:
        if path.name == OUTPUT_NAMES["manifest"]:
            manifest = bounded_json(path)
            if not (isinstance(manifest, dict) and manifest.get("tool") == "smr-siting"):
                foreign.append(path)
            continue
        known = records.setdefault(path.parent, recorded_outputs(path.parent))
        if path.name not in known or file_sha256(path) != known[path.name]:
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
        ledger = bounded_json(folder / LEDGER_NAME)
        files = dict(ledger["files"]) if isinstance(ledger, dict) and isinstance(ledger.get("files"), dict) else {}
        for path in self.stale:
            files.pop(path.name, None)
        for target in written:
            if target.parent == folder and target.name != OUTPUT_NAMES["manifest"]:
                files[target.name] = file_sha256(self.temps[target]) or ""
        return json.dumps({"tool": "smr-siting", "about": "the files smr-siting wrote into this folder (sha256 when "
                           "written); --overwrite removes only these", "files": dict(sorted(files.items()))},
                          indent=2) + "\n"

    def commit(self) -> None:
        """Swap every temporary file into place (the manifest, then the ledger, last), all or nothing."""
        order = sorted(self.temps, key=lambda p: p.name == OUTPUT_NAMES["manifest"])
        for folder in sorted({t.parent for t in order}):
            ledger = folder / LEDGER_NAME
            write_text(self.temp(ledger), self._ledger_text(folder, order))
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
