"""The layer catalogue (``layers/catalogue.yaml``): which Dutch datasets each profile slot means."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from ..config.yamlpos import load_yaml
from ..model.errors import SmrSitingError
from ..model.i18n import _

_HERE = Path(__file__).resolve()
#: in the built plugin the catalogue sits inside the package; in the repository beside it
LAYERS_DIRS = (_HERE.parents[2] / "layers", _HERE.parents[3] / "layers")


@dataclass(frozen=True)
class LocalFile:
    file: str
    layer: str | None = None


@dataclass(frozen=True)
class CatalogueEntry:
    id: str
    title: str
    title_nl: str
    owner: str
    licence: str
    vintage: str
    geometry: str
    files: tuple[LocalFile, ...]
    caveat: str = ""
    service: Mapping[str, Any] = field(default_factory=dict)
    reference: Path | None = None
    name_field: str | None = None
    code_field: str | None = None
    province_field: str | None = None


@dataclass(frozen=True)
class Catalogue:
    entries: Mapping[str, CatalogueEntry]
    path: Path

    @property
    def ids(self) -> set[str]:
        return set(self.entries)

    def __getitem__(self, layer_id: str) -> CatalogueEntry:
        return self.entries[layer_id]

    def get(self, layer_id: str) -> CatalogueEntry | None:
        return self.entries.get(layer_id)


def layers_dir() -> Path:
    for candidate in LAYERS_DIRS:
        if (candidate / "catalogue.yaml").exists():
            return candidate
    raise SmrSitingError(_("the layer catalogue (layers/catalogue.yaml) is missing from this installation"),
                         _("Reinstall the plugin or run from a complete checkout"))


def parse_catalogue(text: str, path: Path) -> Catalogue:
    raw = load_yaml(text, str(path))
    entries: dict[str, CatalogueEntry] = {}
    for layer_id, item in (raw.get("layers") or {}).items():
        files = tuple(LocalFile(str(f["file"]), f.get("layer")) for f in item.get("files", []))
        reference = path.parent / item["reference"] if item.get("reference") else None
        entries[layer_id] = CatalogueEntry(
            id=layer_id,
            title=str(item.get("title", layer_id)),
            title_nl=str(item.get("title_nl", "")),
            owner=str(item.get("owner", "")),
            licence=str(item.get("licence", "")),
            vintage=str(item.get("vintage", "")),
            geometry=str(item.get("geometry", "")),
            files=files,
            caveat=" ".join(str(item.get("caveat", "")).split()),
            service=dict(item.get("service") or {}),
            reference=reference,
            name_field=item.get("name_field"),
            code_field=item.get("code_field"),
            province_field=item.get("province_field"),
        )
    return Catalogue(entries, path)


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Catalogue:
    return parse_catalogue(path.read_text(encoding="utf-8"), path)


def load_catalogue(path: Path | None = None) -> Catalogue:
    path = path or layers_dir() / "catalogue.yaml"
    return _load(path, path.stat().st_mtime)
