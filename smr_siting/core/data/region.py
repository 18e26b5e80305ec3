"""The region to screen: a province or municipality (name or code) or a polygon file."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from ..model.errors import DataError, SmrSitingError
from ..model.i18n import _
from .layers import RASTER_SUFFIXES, LayerInput, LayerStore, polygons_only

#: other spellings (Dutch beside the official Frisian names, common short forms); keys and values
#: as :func:`_norm` writes them
ALIASES = {"friesland": "fryslan", "den bosch": "s hertogenbosch", "the hague": "s gravenhage",
           "den haag": "s gravenhage", "zuidwest friesland": "sudwest fryslan",
           "noordoost friesland": "noardeast fryslan", "de friese meren": "de fryske marren"}


@dataclass(frozen=True)
class Region:
    name: str
    code: str
    kind: str  # 'province', 'municipality' or 'polygon file'
    geometry: BaseGeometry
    source: str

    @property
    def area_km2(self) -> float:
        return self.geometry.area / 1_000_000.0


def kind_label(kind: str) -> str:
    """A region kind in the user's language (``Region.kind`` stays English: the outputs record it)."""
    labels = {"province": _("province"), "municipality": _("municipality"), "polygon file": _("polygon file")}
    return labels.get(kind, kind)


def _norm(text: str) -> str:
    """A name as compared: no accents, case, 'gemeente'/'provincie', hyphens, apostrophes, dots or
    brackets ('Fryslân' = 'Friesland', 'Noord Holland' = 'Noord-Holland', 'Bergen NH' = 'Bergen (NH.)')."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").casefold()
    text = re.sub(r"[-'’`.()/,]", " ", text)
    words = [w for w in text.split() if w not in ("gemeente", "provincie")]
    text = " ".join(words)
    return ALIASES.get(text, text)


def _from_file(path: Path, store: LayerStore, layer: str | None) -> Region:
    label = _("region file {name}").format(name=path.name)
    gdf = store.read("region", LayerInput(path, layer), "given", label, None)
    try:
        geoms = polygons_only(gdf, label, _("a region"))
    except DataError as error:  # the layer's own fix speaks of rules; a region needs its outline
        raise DataError(error.problem, _("Give a polygon layer with the region's outline (a point or a line has no "
                                         "area; buffer it first if you mean the land around it)")) from None
    geometry = unary_union(geoms)
    if geometry.is_empty or geometry.area <= 0:
        raise DataError(_("{label} has no area").format(label=label), _("Give a polygon layer with the region's outline"))
    return Region(path.stem, path.stem, "polygon file", geometry, str(path))


def resolve_region(spec: str, store: LayerStore) -> Region:
    """A province or municipality by name or CBS code (PV25, GM0202), or a polygon file (FILE[:LAYER])."""
    spec = str(spec).strip()
    if not spec:
        raise SmrSitingError(_("no region given"),
                             _("Name a province or municipality (e.g. Gelderland) or a polygon file"))
    source = LayerInput.parse(spec)
    if source.path.exists() or Path(spec).suffix.lower() in (".gpkg", ".shp", ".geojson", ".json", ".fgb"):
        if source.path.suffix.lower() in RASTER_SUFFIXES:
            raise DataError(_("region {spec} is a raster").format(spec=spec),
                            _("Give a polygon file or a province/municipality name"))
        return _from_file(source.path, store, source.layer)

    wanted = _norm(spec)
    candidates: list[tuple[str, str, str, str]] = []  # (kind, name, code, layer_id)
    found: list[tuple[str, object]] = []
    geometries: list[object] = []
    for layer_id, kind in (("provinces", "province"), ("municipalities", "municipality")):
        entry = store.entry(layer_id)
        gdf = store.vector(layer_id, None)
        name_field, code_field = entry.name_field or "statnaam", entry.code_field or "statcode"
        for column in (name_field, code_field):
            if column not in gdf.columns:
                raise DataError(_("{label} has no field {field!r}").format(label=store.label(layer_id), field=column),
                                _("Use the CBS/PDOK boundary layer named in layers/catalogue.yaml"))
        for name, code, geometry in zip(map(str, gdf[name_field].tolist()), map(str, gdf[code_field].tolist()),
                                        gdf.geometry.values):
            candidates.append((kind, name, code, layer_id))
            geometries.append(geometry)
            if wanted in (_norm(name), _norm(code)) or (code.upper().startswith("GM") and wanted == code[2:]):
                found.append((kind, (name, code, geometry, layer_id)))
    if not found:
        # 'Bergen' is the start of 'Bergen (NH.)' and 'Bergen (L.)': ambiguous, not unknown
        bracketed = [c for c in candidates if "(" in c[1] and _norm(c[1].split("(")[0]) == wanted]
        if len(bracketed) > 1:
            raise SmrSitingError(
                _("region {spec!r} is ambiguous: {choices}").format(
                    spec=spec, choices=", ".join(f"{c[1]} ({c[2]})" for c in bracketed)),
                _("Give the full name or the CBS code, e.g. {example}").format(example=bracketed[0][2]))
        if len(bracketed) == 1:
            found.append((bracketed[0][0], next((c[1], c[2], g, c[3]) for c, g in zip(candidates, geometries)
                                                if c == bracketed[0])))
    if not found:
        names = sorted({c[1] for c in candidates})
        close = difflib.get_close_matches(spec, names, n=3, cutoff=0.6) or \
            [n for n in names if _norm(n).startswith(wanted[:4])][:3]
        raise SmrSitingError(
            _("unknown region {spec!r}").format(spec=spec),
            (_("Did you mean {names}?").format(names=", ".join(repr(c) for c in close)) + " " if close else "")
            + _("Give a province or municipality name or CBS code (PV25, GM0202), or a polygon file"),
        )
    provinces = [f for f in found if f[0] == "province"]
    chosen = provinces[0] if provinces else found[0]
    kind, (name, code, geometry, layer_id) = chosen  # type: ignore[misc]
    if len(found) > 1:
        other = next(f for f in found if f is not chosen)
        store.ctx.tell(_("{spec!r} is both a {kind} and a {other}; screening the {kind} "
                         "(use the code {code} for the {other}).").format(
            spec=spec, kind=kind_label(kind), other=kind_label(other[0]), code=other[1][1]))
    return Region(name, code, kind, geometry, store.label(layer_id))
