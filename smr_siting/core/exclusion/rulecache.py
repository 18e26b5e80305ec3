"""Rule masks kept for reuse: a sweep, a rerun with one changed number, and ``rank``/``sensitivity`` on a
screening folder evaluate only the rules whose inputs changed.

A mask is stored under a key that names everything it depends on: the rule as parsed (kind, every
number, filter and source), the analysis grid, the region, the sha256 of every file the rule reads,
the language of its notes and a fingerprint of this installation's code and reference tables.  Beside
the mask (one bit per cell) an entry keeps what evaluating the rule told the user and what it recorded of
its layers (CRS, features read, notes), so that a run served from the cache writes the same outputs as
one that computed every rule.

Two levels: an in-memory cache for the runs of one process (a sweep), and an optional folder on disk
(``$SMR_SITING_CACHE``, else ``$XDG_CACHE_HOME/smr-siting/rule-masks``) bounded by a size limit, the
least recently used entries removed first.  ``SMR_SITING_CACHE=off`` (or ``--no-cache``) turns the disk
level off.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from ..data.layers import UsedInput, file_digest
from ..model.i18n import Joined, Localised, Message, _coded_value, language
from .mask import set_packed_rule_bit

#: the disk cache's default size limit
DEFAULT_LIMIT_BYTES = 2 * 1024 ** 3
#: entries written by this version of the format only
FORMAT = 2
_OFF = {"off", "0", "no", "none", "false"}


def default_directory() -> Path | None:
    """The disk cache folder (``$SMR_SITING_CACHE``, else the user's cache folder); None when turned off."""
    chosen = os.environ.get("SMR_SITING_CACHE", "").strip()
    if chosen.lower() in _OFF:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "smr-siting" / "rule-masks"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the engine's code and the reference tables rules read (a changed installation never
    reuses another's masks)."""
    here = Path(__file__).resolve().parents[1]  # the engine (smr_siting/core)
    digest = hashlib.sha256()
    files = sorted(here.rglob("*.py"))
    from ..data.catalogue import layers_dir

    try:
        layers = layers_dir()
        files += sorted(p for p in layers.glob("*") if p.suffix in (".csv", ".yaml") and p.is_file())
    except Exception:  # noqa: BLE001 - no catalogue: the screening reports that itself
        pass
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def rule_key(criterion: Any, grid: Any, region_wkb: bytes, files: Iterable[tuple[str, str, str | None]]) -> str:
    """The key of one rule's mask.  ``files``: (layer id, path, layer name) of every layer it reads."""
    parts = {
        "format": FORMAT, "code": code_fingerprint(), "language": language(),
        "criterion": repr(criterion), "grid": repr(grid),
        "region": hashlib.sha256(region_wkb).hexdigest(),
        "files": [[layer_id, file_digest(Path(path)), layer] for layer_id, path, layer in files],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def fit_key(bits: np.ndarray, region: np.ndarray, grid: Any, footprint: Any) -> str:
    """The key of a footprint fit (anchor cells and usable land) on an exclusion."""
    digest = hashlib.sha256()
    for part in (FORMAT, code_fingerprint(), repr(grid), repr(footprint), bits.dtype.str, bits.shape):
        digest.update(repr(part).encode())
    digest.update(np.ascontiguousarray(bits).data)
    digest.update(np.packbits(region).data)
    return "fit-" + digest.hexdigest()


@dataclass
class Entry:
    """One rule's mask and what computing it told and recorded."""

    shape: tuple[int, int]
    packed: np.ndarray                   # np.packbits of the boolean mask
    told: list[str] = field(default_factory=list)
    used: dict[str, dict] = field(default_factory=dict)   # layer id → UsedInput fields after the rule

    def mask(self) -> np.ndarray:
        count = self.shape[0] * self.shape[1]
        return np.unpackbits(self.packed, count=count).view(bool).reshape(self.shape)

    def set_bit_in(self, bits: np.ndarray, bit: int) -> None:
        """``bits |= mask << bit`` in place, without unpacking the whole mask (``bits``: of the mask's shape)."""
        if bits.shape != tuple(self.shape):
            raise ValueError(f"a cached mask of shape {tuple(self.shape)} cannot go into bits of shape {bits.shape}")
        set_packed_rule_bit(bits, self.packed, bit)

    @property
    def nbytes(self) -> int:
        return int(self.packed.nbytes)


_MESSAGE = "__message__"


def _to_json(value: Any) -> Any:
    """A told message or recorded note as JSON that keeps its message id and arguments (the outputs keep them
    as ``notice_codes`` / ``note_codes``), so a run served from disk writes what a computing run writes."""
    if isinstance(value, (Message, Localised, Joined)):
        return {_MESSAGE: _coded_value(value)}
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


def _revive(value: Any) -> Any:
    """A coded value back as the message it was, rendered in the current language."""
    if isinstance(value, dict):
        if isinstance(value.get("code"), str):
            args = value.get("args")
            return Message(value["code"], {k: _revive(v) for k, v in args.items()} if isinstance(args, dict) else None)
        if "en" in value:
            return Localised(str(value["en"]), str(value.get("nl") or ""))
        if "join" in value and isinstance(value.get("parts"), list):
            return Joined(_revive(value["join"]), [_revive(p) for p in value["parts"]])
        return value
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_MESSAGE}:
            return _revive(value[_MESSAGE])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def make_entry(mask: np.ndarray, told: list[str], used: dict[str, UsedInput]) -> Entry:
    return Entry(tuple(mask.shape), np.packbits(mask.astype(bool, copy=False)), list(told),  # type: ignore[arg-type]
                 {k: dataclasses.asdict(v) for k, v in used.items()})


def replay(entry: Entry, tell: Callable[[str], None], used: dict[str, UsedInput],
           path_of: Callable[[str], str] | None = None) -> None:
    """Tell again what the rule told, and merge what it recorded of its layers into ``used``.
    ``path_of``: a layer's path as this run spells it (keys name files by their absolute path)."""
    for layer_id, fields in entry.used.items():
        if layer_id not in used:
            fields = copy.deepcopy(fields)
            if path_of is not None:
                fields["path"] = path_of(layer_id)
            used[layer_id] = UsedInput(**fields)
            continue
        have = used[layer_id]
        have.features_read = max(have.features_read, int(fields.get("features_read", 0)))
        for note in fields.get("notes", []):
            if note not in have.notes:
                have.notes.append(note)
    for message in entry.told:
        tell(message)


class RuleCache:
    """Rule masks in memory and, optionally, in a folder on disk."""

    def __init__(self, directory: Path | None = None, limit_bytes: int = DEFAULT_LIMIT_BYTES,
                 memory_limit_bytes: int = 512 * 1024 ** 2) -> None:
        self.directory = directory
        self.limit_bytes = int(limit_bytes)
        self.memory_limit_bytes = int(memory_limit_bytes)
        self._memory: dict[str, Entry] = {}
        self.hits = 0
        self.misses = 0
        #: one cache may serve rows of a sweep computed side by side (threads)
        self._lock = threading.RLock()

    @classmethod
    def default(cls, enabled: bool = True, limit_bytes: int | None = None) -> RuleCache:
        """Memory only when ``enabled`` is False or the disk cache is turned off, else memory and disk."""
        directory = default_directory() if enabled else None
        return cls(directory, DEFAULT_LIMIT_BYTES if limit_bytes is None else limit_bytes)

    # ----------------------------------------------------------------- get / put
    def get(self, key: str) -> Entry | None:
        with self._lock:
            return self._get(key)

    def _get(self, key: str) -> Entry | None:
        entry = self._memory.get(key)
        if entry is None and self.directory is not None:
            entry = self._read(key)
            if entry is not None:
                self._remember(key, entry)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            self._remember(key, entry)
            if self.directory is not None and self.limit_bytes > 0:
                self._write(key, entry)

    def _remember(self, key: str, entry: Entry) -> None:
        self._memory[key] = entry
        total = sum(e.nbytes for e in self._memory.values())
        for old in list(self._memory):
            if total <= self.memory_limit_bytes or old == key:
                break
            total -= self._memory.pop(old).nbytes

    # ----------------------------------------------------------------- disk
    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}.npz"

    def _read(self, key: str) -> Entry | None:
        path = self._path(key)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode("utf-8"))
                if meta.get("format") != FORMAT or meta.get("key") != key:
                    return None
                entry = Entry(tuple(meta["shape"]), np.array(data["packed"]),  # type: ignore[arg-type]
                              list(_from_json(meta["told"])), dict(_from_json(meta["used"])))
            os.utime(path)  # least recently used goes first
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):  # absent, damaged, foreign: compute
            return None
        expected = (entry.shape[0] * entry.shape[1] + 7) // 8
        return entry if entry.packed.size == expected else None

    def _write(self, key: str, entry: Entry) -> None:
        assert self.directory is not None
        meta = {"format": FORMAT, "key": key, "shape": list(entry.shape), "told": _to_json(entry.told),
                "used": _to_json(entry.used)}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".part-", suffix=".npz", dir=self.directory)
            try:
                with os.fdopen(handle, "wb") as stream:
                    np.savez(stream, packed=entry.packed,
                             meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8))
                os.replace(temp, self._path(key))
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)
            self.trim()
        except OSError:  # a cache that cannot be written is no cache; the run itself is unaffected
            return

    def trim(self) -> None:
        """Remove the least recently used entries until the folder is within its size limit."""
        if self.directory is None or not self.directory.is_dir():
            return
        entries = []
        for path in self.directory.glob("*.npz"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _mtime, size, _path in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.limit_bytes:
                break
            try:
                path.unlink()
                total -= size
            except OSError:
                continue


__all__ = ["DEFAULT_LIMIT_BYTES", "Entry", "RuleCache", "code_fingerprint", "default_directory", "fit_key",
           "make_entry", "replay", "rule_key"]
