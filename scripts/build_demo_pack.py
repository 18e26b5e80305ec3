#!/usr/bin/env python3
"""Build the bundled demo data pack (demo/data) from the Dutch development data in ../shared/data/nl.

The pack holds the layers the default profiles need, cut down to Gelderland and its
surroundings: the bounding box of the Gelderland province polygon grown by MARGIN_M. Polygons
and lines are clipped to that box (attributes kept), points are kept when they lie within it.
The boundary layers keep whole features (every municipality/province that meets the box), and
the Natural Earth lakes are kept whole, so that region lookup and the lake outlines are exact.

File and layer names are those of the source, so layers/catalogue.yaml finds them with
``--data demo/data``.  The build is reproducible: the same inputs give byte-identical files
(GeoPackage dates pinned with OGR_CURRENT_DATE, features in source fid order, no timestamps).

Besides the GeoPackages it writes data/PACK.json (files, sha256, feature counts, box, source
commits) and, next to the data folder, PROVENANCE.md and LICENCES.md.

Usage (from the repository root):
    .venv/bin/python scripts/build_demo_pack.py [--source ../shared/data/nl] [--out demo/data] [--docs demo]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import fiona
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    box,
    mapping,
    shape,
)
from shapely.geometry.base import BaseGeometry
from shapely.validation import make_valid

#: how far the box reaches beyond Gelderland's bounding box.  The screening grid grows the region by
#: the largest rule distance (12.9 km in nl-default, plus two cells) and reads features up to that
#: far again beyond the grid (about 26 km in all), so 30 km holds every feature a Gelderland run reads.
MARGIN_M = 30_000.0
#: the pack must stay small enough to ship with the plugin
MAX_PACK_BYTES = 15_000_000
#: written into GeoPackage metadata so that identical runs give identical files
FIXED_DATE = "2000-01-01T00:00:00.000Z"

REGION_FILE = "nl_gemeenten_2022_cbs_generalised.gpkg"
REGION_LAYER = "provincies_dissolved_from_gemeenten_2022"
REGION_FIELD = "prov_naam"
REGION_NAME = "Gelderland"

CLIP = "clip"                  # polygons/lines: intersection with the box; points: within the box
WHOLE = "whole"                # every feature that intersects the box, unclipped
WHOLE_OR_ALL = "whole-or-all"  # as WHOLE; if none intersects, the whole (tiny) layer

TREATMENT_TEXT = {
    CLIP: "clipped to the box",
    WHOLE: "whole features that intersect the box (not clipped)",
    WHOLE_OR_ALL: "whole features that intersect the box (not clipped); whole layer if none does",
}


@dataclass(frozen=True)
class LayerSpec:
    name: str
    treatment: str


@dataclass(frozen=True)
class FileSpec:
    name: str
    layers: tuple[LayerSpec, ...]


PACK: tuple[FileSpec, ...] = (
    FileSpec("nl_gemeenten_2022_cbs_generalised.gpkg",
             (LayerSpec("gemeenten_2022", WHOLE), LayerSpec("provincies_dissolved_from_gemeenten_2022", WHOLE))),
    FileSpec("nl_natura2000.gpkg", (LayerSpec("natura2000", CLIP),)),
    FileSpec("nl_water_osm.gpkg", (LayerSpec("rivers_major_lines", CLIP), LayerSpec("sea_estuaries_simplified", CLIP))),
    FileSpec("nl_lakes_naturalearth.gpkg", (LayerSpec("ne_10m_lakes", WHOLE_OR_ALL),)),
    FileSpec("nl_hv_grid_osm2016_schematic.gpkg", (LayerSpec("nodes", CLIP), LayerSpec("links_straight", CLIP))),
    FileSpec("nl_powerplants_ppm.gpkg", (LayerSpec("powerplants", CLIP),)),
    FileSpec("nl_cbs_bevolkingskernen2021_centroids.gpkg", (LayerSpec("bevolkingskernen_2021_centroids", CLIP),)),
    FileSpec("nl_hv_grid_entsoe_gridkit_2022.gpkg", (LayerSpec("buses", CLIP),)),
    FileSpec("nl_water_krw_and_osm_relations.gpkg",
             (LayerSpec("krw_waterlichamen_nlmod", CLIP), LayerSpec("osm_water_relations", WHOLE_OR_ALL))),
    FileSpec("nl_airports_openflights.gpkg", (LayerSpec("airports_openflights", CLIP),)),
)

#: bullets of the source PROVENANCE.md quoted for each file: those whose bold label starts with one of these
QUOTED_LABELS = ("Owner", "Source", "Licence", "Caveat", "Approximate", "Missing", "Schematic", "Derived",
                 "Attributes", "How it was obtained")

#: a GitHub owner/name in running text (the repository a commit id belongs to)
REPO_RE = re.compile(r"(?<![\w/.-])([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_])")
COMMIT_RE = re.compile(r"\b[0-9a-f]{40}\b")


@dataclass
class LayerResult:
    spec: LayerSpec
    geometry_type: str
    source_count: int
    pack_count: int = 0
    clipped: int = 0       # features whose geometry was cut by the box
    repaired: int = 0      # invalid polygons repaired with make_valid before clipping
    split_parts: int = 0   # extra features from a clipped single-part geometry that fell apart
    whole_layer: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class FileResult:
    spec: FileSpec
    source_path: Path
    out_path: Path
    layers: list[LayerResult]
    source_sha256: str = ""
    sha256: str = ""
    size: int = 0


# --------------------------------------------------------------------------- geometry


def parts_of(geometry: BaseGeometry, kinds: tuple[type, ...]) -> list[BaseGeometry]:
    """The non-empty single parts of ``geometry`` of the given single-part types (collections unpacked)."""
    if geometry is None or geometry.is_empty:
        return []
    if isinstance(geometry, kinds):
        return [geometry]
    if isinstance(geometry, (GeometryCollection, MultiPolygon, MultiLineString, MultiPoint)):
        out: list[BaseGeometry] = []
        for part in geometry.geoms:
            out.extend(parts_of(part, kinds))
        return out
    return []


def family(geometry_type: str) -> str:
    """'polygon', 'line' or 'point' for a fiona schema geometry type."""
    kind = geometry_type.replace("3D ", "").lower()
    for name, key in (("polygon", "polygon"), ("linestring", "line"), ("point", "point")):
        if name in kind:
            return key
    raise ValueError(f"unsupported geometry type {geometry_type!r}")


SINGLE = {"polygon": (Polygon,), "line": (LineString,), "point": (Point,)}
MULTI = {"polygon": MultiPolygon, "line": MultiLineString, "point": MultiPoint}


def as_layer_type(parts: list[BaseGeometry], geometry_type: str) -> list[BaseGeometry]:
    """Geometries matching the layer's declared type: one multi-part geometry, or one feature per part."""
    if not parts:
        return []
    if geometry_type.replace("3D ", "").startswith("Multi"):
        return [MULTI[family(geometry_type)](parts)]
    return parts


def clip_feature(geometry: BaseGeometry, area: Polygon, geometry_type: str,
                 result: LayerResult) -> list[BaseGeometry]:
    """The feature's geometry cut to ``area`` (empty list: nothing of it lies in the box)."""
    kind = family(geometry_type)
    if kind == "point":
        return [geometry] if geometry.within(area) else []
    minx, miny, maxx, maxy = geometry.bounds
    aminx, aminy, amaxx, amaxy = area.bounds
    if maxx < aminx or minx > amaxx or maxy < aminy or miny > amaxy:
        return []
    if kind == "polygon" and not geometry.is_valid:
        geometry = MultiPolygon(parts_of(make_valid(geometry), (Polygon,)))
        result.repaired += 1
    if area.contains(geometry):
        pieces = parts_of(geometry, SINGLE[kind])
    else:
        pieces = parts_of(geometry.intersection(area), SINGLE[kind])
        if pieces:
            result.clipped += 1
    out = as_layer_type(pieces, geometry_type)
    if not geometry_type.replace("3D ", "").startswith("Multi") and len(out) > 1:
        result.split_parts += len(out) - 1
    return out


# --------------------------------------------------------------------------- reading and writing


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def region_box(source: Path) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
    """(Gelderland's bounds, the pack box): the bounds grown by MARGIN_M, rounded outward to whole metres."""
    with fiona.open(source / REGION_FILE, layer=REGION_LAYER) as src:
        hits = [shape(feat["geometry"]) for _, feat in sorted(src.items(), key=lambda item: item[0])
                if feat["properties"][REGION_FIELD] == REGION_NAME]
    if len(hits) != 1:
        raise SystemExit(f"error: expected one {REGION_NAME} polygon in {REGION_FILE}:{REGION_LAYER}, found {len(hits)}")
    bounds = hits[0].bounds
    grown = (math.floor(bounds[0] - MARGIN_M), math.floor(bounds[1] - MARGIN_M),
             math.ceil(bounds[2] + MARGIN_M), math.ceil(bounds[3] + MARGIN_M))
    return bounds, (float(grown[0]), float(grown[1]), float(grown[2]), float(grown[3]))


def record(geometry: BaseGeometry | None, properties: dict[str, Any], original: Any = None) -> dict[str, Any]:
    geom = original if original is not None else mapping(geometry)
    return {"geometry": geom, "properties": properties}


def build_layer(path: Path, spec: LayerSpec, area: Polygon) -> tuple[dict[str, Any], Any, list[dict[str, Any]],
                                                                        LayerResult]:
    """Read one source layer and select/clip its features.  Returns (schema, crs, records, result)."""
    with fiona.open(path, layer=spec.name) as src:
        schema = dict(src.schema)
        crs = src.crs
        items = sorted(src.items(), key=lambda item: item[0])
    geometry_type = str(schema["geometry"])
    result = LayerResult(spec, geometry_type, len(items))
    records: list[dict[str, Any]] = []
    names = list(schema["properties"])
    for _, feat in items:
        properties = {name: feat["properties"][name] for name in names}
        if feat["geometry"] is None:
            result.notes.append("a feature without geometry was left out")
            continue
        geometry = shape(feat["geometry"])
        if spec.treatment == CLIP:
            for piece in clip_feature(geometry, area, geometry_type, result):
                records.append(record(piece, properties))
        elif geometry.intersects(area):
            records.append(record(geometry, properties, original=feat["geometry"]))
    if spec.treatment == WHOLE_OR_ALL and not records:
        result.whole_layer = True
        result.notes.append("no feature intersects the box, so the whole layer was copied")
        records = [record(None, {n: feat["properties"][n] for n in names}, original=feat["geometry"])
                   for _, feat in items]
    result.pack_count = len(records)
    if not records:
        raise SystemExit(f"error: {path.name}:{spec.name} would be empty in the pack")
    return schema, crs, records, result


def write_gpkg(spec: FileSpec, source: Path, out_dir: Path, area: Polygon) -> FileResult:
    source_path = source / spec.name
    target = out_dir / spec.name
    tmp = out_dir / f".{spec.name}.partial"
    for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        if leftover.exists():
            leftover.unlink()
    results = []
    for layer in spec.layers:
        schema, crs, records, result = build_layer(source_path, layer, area)
        with fiona.open(tmp, "w", driver="GPKG", layer=layer.name, schema=schema, crs=crs) as dst:
            dst.writerecords(records)
        results.append(result)
    os.replace(tmp, target)
    return FileResult(spec, source_path, target, results, sha256_of(source_path), sha256_of(target),
                      target.stat().st_size)


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- source PROVENANCE.md


def sections(markdown: str) -> dict[str, list[str]]:
    """The source PROVENANCE.md split at its headings and rules: heading line -> body lines."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in markdown.splitlines():
        if line.startswith("#") or line.strip() == "---":
            current = line.strip()
            out.setdefault(current, [])
            continue
        out[current].append(line)
    return out


def section_for(markdown: str, file_name: str) -> tuple[str, list[str]]:
    for heading, body in sections(markdown).items():
        if heading.startswith("### ") and file_name in re.findall(r"[\w.-]+\.(?:gpkg|csv)", heading):
            return heading, body
    raise SystemExit(f"error: no section for {file_name} in the source PROVENANCE.md")


def blocks(lines: list[str]) -> list[list[str]]:
    """Top-level bullets (with their indented continuation) and paragraphs of a section body."""
    out: list[list[str]] = []
    for line in lines:
        if not line.strip():
            if out and not out[-1][0].startswith("- "):
                out.append([])  # a blank line ends a paragraph
            continue
        if line.startswith("- ") or not out or not out[-1]:
            out.append([line])
        elif line.startswith(" ") or not out[-1][0].startswith("- "):
            out[-1].append(line)
        else:
            out.append([line])
    return [b for b in out if b]


def quoted_blocks(markdown: str, spec: FileSpec) -> tuple[str, list[list[str]]]:
    """The lines of the file's section about owner, source, licence and caveats, verbatim."""
    heading, body = section_for(markdown, spec.name)
    wanted_layers = {layer.name for layer in spec.layers}
    keep = []
    for block in blocks(body):
        first = block[0]
        text = first[2:] if first.startswith("- ") else first
        layer = re.match(r"[Ll]ayer `([^`]+)`", text)
        if layer:
            if layer.group(1) in wanted_layers:
                keep.append(block)
            continue
        label = re.match(r"\*\*([^*]+)\*\*", text)
        if not first.startswith("- ") or (label and label.group(1).startswith(QUOTED_LABELS)):
            keep.append(block)
    if not any("icence" in line for block in keep for line in block):
        raise SystemExit(f"error: found no licence statement for {spec.name} in the source PROVENANCE.md")
    return heading, keep


def source_commits(markdown: str, file_name: str) -> list[dict[str, str]]:
    """(repository, commit) pairs named in the file's section, in order of appearance."""
    _, body = section_for(markdown, file_name)
    text = re.sub(r"`[^`]*`", " ", " ".join(body))  # drop file paths in backticks
    out: list[dict[str, str]] = []
    for match in COMMIT_RE.finditer(text):
        repos = REPO_RE.findall(text[:match.start()])
        entry = {"repo": repos[-1] if repos else "", "commit": match.group(0)}
        if entry not in out:
            out.append(entry)
    if not out:
        raise SystemExit(f"error: found no source commit for {file_name} in the source PROVENANCE.md")
    return out


def intro_paragraphs(markdown: str) -> list[list[str]]:
    """The paragraphs of the source's preamble that hold for every file (reprojection, licences)."""
    return [b for b in blocks(sections(markdown)[[h for h in sections(markdown) if h.startswith("# ")][0]])
            if b[0].startswith(("**Reprojection", "Licences below"))]


def quote(lines: Iterable[str]) -> str:
    return "\n".join(f"> {line}".rstrip() for line in lines)


# --------------------------------------------------------------------------- documents


def fmt_box(values: Iterable[float]) -> str:
    return ", ".join(f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3f}" for v in values)


def provenance_md(results: list[FileResult], markdown: str, gelderland: tuple[float, ...], area: tuple[float, ...],
                  command: str, source_label: str) -> str:
    out = [
        "# Demo data pack: provenance",
        "",
        "*Written by `scripts/build_demo_pack.py`; do not edit by hand, rebuild instead.*",
        "",
        "`data/` is the demo pack bundled with smr-siting: the layers that the default profiles read, taken from the",
        f"Dutch development data set (`{source_label}`, described in its PROVENANCE.md) and cut down to Gelderland",
        "and its surroundings, so that the plugin and the command line can be tried without fetching any data.",
        "File and layer names are those of the source, so `layers/catalogue.yaml` finds them with `--data demo/data`.",
        "Nothing was reprojected or simplified: the only changes are the selection, clipping and repair below.",
        "",
        "**Fit for:** screening Gelderland or a municipality in it. Other provinces' boundaries are here whole",
        "(for the region lookup), but the other layers stop at the box. The engine reads the box from",
        "`data/PACK.json` and refuses a region whose rule distances reach beyond it (e.g. Noord-Holland), with a",
        "message; a region well inside the box (e.g. Utrecht) gives the same result as on the full data.",
        "",
        "## How it is built",
        "",
        "From the repository root:",
        "",
        f"    {command}",
        "",
        f"Defaults: `--source {source_label} --out demo/data --docs demo`. The build is reproducible: the same",
        f"inputs give byte-identical files (GeoPackage dates pinned to {FIXED_DATE} with `OGR_CURRENT_DATE`,",
        "features written in source fid order, no timestamps anywhere). `data/PACK.json` lists every file with its",
        "sha256, the feature counts, the box and the source commits.",
        "",
        "Check after a rebuild that a screening of Gelderland on the pack equals one on the full data (the",
        "per-rule km² in `summary.csv` and every cell of `exclusion.tif` should be identical):",
        "",
        "    .venv/bin/smr-siting screen --region Gelderland --data demo/data --out /tmp/demo_check --overwrite",
        f"    .venv/bin/smr-siting screen --region Gelderland --data {source_label} --out /tmp/full_check --overwrite",
        "",
        "## Extent",
        "",
        f"- Gelderland's bounding box (EPSG:28992, minx, miny, maxx, maxy): {fmt_box(gelderland)}, from the",
        f"  {REGION_NAME} polygon of `{REGION_FILE}` layer `{REGION_LAYER}`.",
        f"- **The box** (EPSG:28992, minx, miny, maxx, maxy): **{fmt_box(area)}**, that bounding box grown by",
        f"  {MARGIN_M / 1000:g} km on every side and rounded outward to whole metres"
        f" ({(area[2] - area[0]) / 1000:,.1f} km × {(area[3] - area[1]) / 1000:,.1f} km).",
        "- Why 30 km: the engine grows the region by the largest rule distance (12.9 km in nl-default and",
        "  nl-datacentre, plus two cells) for its analysis grid and reads features up to the same distance beyond",
        "  the grid, about 26 km in all. Only features within a rule's distance of the region affect the result",
        "  inside it, so nl-strict (16.4 km) is covered too.",
        "",
        "## What was done",
        "",
        "- **Clipped to the box:** polygons and lines were intersected with the box; attributes are unchanged.",
        "  Polygon layers keep only the polygon parts of the result, cast to the layer's geometry type. A line",
        "  whose clipped part falls into pieces is written as one feature per piece, with the same attributes",
        "  (the layers are single-part LineString). Points are kept when they lie within the box.",
        "- **Invalid polygons** met by the box were repaired with `shapely.validation.make_valid` (polygon parts",
        "  kept) before clipping; valid geometry was not touched. The counts are given per layer.",
        "- **Kept whole:** every feature that intersects the box, unclipped. This is done for the boundary layers,",
        "  because the region lookup needs the whole Gelderland outline and the municipalities' names, and for",
        "  the Natural Earth lakes.",
        "- Not copied: the CSV files, `rivers_simplified_lines`, `ne_10m_lakes_europe` and the files the",
        "  default profiles do not use (see the source PROVENANCE.md).",
        "",
        "## Files",
        "",
        "| file | bytes | layers (features in source → in pack) |",
        "|---|---:|---|",
    ]
    for res in results:
        layers = "; ".join(f"`{r.spec.name}` {r.source_count:,} → {r.pack_count:,}" for r in res.layers)
        out.append(f"| `{res.spec.name}` | {res.size:,} | {layers} |")
    out.append("")
    for res in results:
        heading, keep = quoted_blocks(markdown, res.spec)
        commits = ", ".join(f"{c['repo']} @ `{c['commit']}`" for c in source_commits(markdown, res.spec.name))
        out += [
            f"### {res.spec.name}",
            "",
            f"- **Source file:** `{source_label}/{res.spec.name}` (sha256 `{res.source_sha256}`).",
            f"- **Source commits** (from the source PROVENANCE.md): {commits}.",
            f"- **Pack file:** sha256 `{res.sha256}`, {res.size:,} bytes.",
            "",
            "| layer | geometry | features in source | features in pack | treatment | clipped | repaired (make_valid) |",
            "|---|---|---:|---:|---|---:|---:|",
        ]
        for r in res.layers:
            treatment = TREATMENT_TEXT[r.spec.treatment]
            if r.spec.treatment == CLIP and family(r.geometry_type) == "point":
                treatment = "points within the box"
            clipped = str(r.clipped) if r.spec.treatment == CLIP and family(r.geometry_type) != "point" else "–"
            repaired = str(r.repaired) if r.spec.treatment == CLIP and family(r.geometry_type) == "polygon" else "–"
            out.append(f"| `{r.spec.name}` | {r.geometry_type} | {r.source_count:,} | {r.pack_count:,} | {treatment} "
                       f"| {clipped} | {repaired} |")
        notes = [f"`{r.spec.name}`: {note}." for r in res.layers for note in r.notes]
        notes += [f"`{r.spec.name}`: {r.split_parts} clipped line(s) fell into pieces; the pieces add {r.split_parts} "
                  "feature(s) to the count." for r in res.layers if r.split_parts]
        if notes:
            out += [""] + [f"- {n}" for n in notes]
        out += ["", f"Quoted from the source PROVENANCE.md, section \"{heading.lstrip('# ')}\" (owner, source, licence and",
                "caveat lines, verbatim; \"see section N\" refers to that file):", ""]
        out.append("\n>\n".join(quote(block) for block in keep))
        out.append("")
    out += ["## Notes that hold for every file", "",
            "Quoted from the preamble of the source PROVENANCE.md (verbatim):", ""]
    out.append("\n>\n".join(quote(block) for block in intro_paragraphs(markdown)))
    out.append("")
    return "\n".join(out)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def licences_md(results: list[FileResult], natura_osm_rows: int) -> str:
    by_name = {r.spec.name: r for r in results}
    repaired = sum(r.repaired for res in results for r in res.layers)

    def count(file_name: str) -> str:
        return "; ".join(f"`{r.spec.name}` ({plural(r.pack_count, 'feature')})" for r in by_name[file_name].layers)

    natura_osm = ("It reaches into the box, so the pack holds it (clipped): that row is ODbL 1.0, © OpenStreetMap "
                  "contributors;\n  the other rows are not OSM data." if natura_osm_rows else
                  "That row lies outside the box and is **not** in this pack, so no OSM data is in this file.")
    text = f"""# Demo data pack: licences and attribution

*Written by `scripts/build_demo_pack.py`; do not edit by hand, rebuild instead.*

The files in `data/` are extracts of third-party open data. They are **not** covered by the smr-siting
code licence (GPL-2.0-or-later); each keeps the licence of its source, as recorded in the source
PROVENANCE.md (`../shared/data/nl/PROVENANCE.md`, quoted per file in `PROVENANCE.md` here). Give the
attributions below whenever you redistribute the pack or publish maps or figures made with it.

**Changes made** (CC BY 4.0 and ODbL ask you to say so): every layer was cut down to a box around
Gelderland (polygons and lines clipped, points selected; boundary layers and lakes kept whole), and
{plural(repaired, "invalid polygon")} {"was" if repaired == 1 else "were"} repaired with `make_valid` before clipping.
Nothing else was changed. See `PROVENANCE.md`.

**No licence in the source repository:** where the GitHub repository a file was taken from states no
licence, the licence of the upstream owner is given below and marked *upstream, assumed*. The source
PROVENANCE.md says to check these before any redistribution; do so before shipping the pack outside the
project.

## One-line attribution

Contains data from CBS / PDOK (CC BY 4.0), RVO (public domain) and RCE (CC BY 4.0) via
BoerderijenNatura2000NL (CC BY 4.0), © OpenStreetMap contributors (ODbL 1.0), Natural Earth (public
domain), powerplantmatching (CC BY 4.0), the ENTSO-E grid map via PyPSA-Eur (CC BY 4.0), Rijkswaterstaat
KRW water bodies via nlmod, and OpenFlights (ODbL 1.0).

## Per file

### nl_gemeenten_2022_cbs_generalised.gpkg
Layers: {count("nl_gemeenten_2022_cbs_generalised.gpkg")}.
- **Licence:** CC BY 4.0, CBS / PDOK (*upstream, assumed*: RishikeshGovind/nlstat, the repository the
  boundaries and the CBS 85039NED population figures were taken from, has no licence file).
- **Attribution:** Centraal Bureau voor de Statistiek (CBS), via PDOK (cbsgebiedsindelingen,
  `gemeente_gegeneraliseerd` 2022; table 85039NED "Kerncijfers wijken en buurten 2022"), CC BY 4.0.
- The province layer is dissolved from the municipalities (a derived work of the same data, same licence).

### nl_natura2000.gpkg
Layers: {count("nl_natura2000.gpkg")}. Licences as stated in the source repository's DATA_LICENSE.md
(jolietjakeblues/BoerderijenNatura2000NL):
- **Site geometry:** RVO via PDOK, public domain ("Publiek domein").
- **Attributes** `richtlijn` and the site codes, from RCE: CC BY 4.0.
- **The repository's derived dataset:** CC BY 4.0. **Attribution:** BoerderijenNatura2000NL, jolietjakeblues.
- The Noordzeekustzone row of the source is OpenStreetMap data (ODbL 1.0, © OpenStreetMap contributors).
  {natura_osm}

### nl_water_osm.gpkg
Layers: {count("nl_water_osm.gpkg")}.
- **Licence:** ODbL 1.0. **Attribution:** © OpenStreetMap contributors. As stated in the Overpass files
  of jelmerkk/topoquiz; that repository has no licence file of its own.
- ODbL is share-alike: pass this extract on under ODbL 1.0, with the attribution.

### nl_lakes_naturalearth.gpkg
Layers: {count("nl_lakes_naturalearth.gpkg")}.
- **Licence:** Natural Earth, public domain; the copy used (martynafford/natural-earth-geojson) has a
  CC0 1.0 licence file. No attribution is required; "Made with Natural Earth" is the customary credit.

### nl_hv_grid_osm2016_schematic.gpkg
Layers: {count("nl_hv_grid_osm2016_schematic.gpkg")}.
- **Licence:** ODbL 1.0 (*upstream, assumed*: ComplexNetTSP/Power_grids has no licence file; the data is
  derived from OpenStreetMap, so the ODbL obligations apply). **Attribution:** © OpenStreetMap
  contributors. The dataset is archived as Zenodo DOI 10.5281/zenodo.250427.
- ODbL is share-alike: pass this extract on under ODbL 1.0, with the attribution.

### nl_powerplants_ppm.gpkg
Layers: {count("nl_powerplants_ppm.gpkg")}.
- **Licence:** CC BY 4.0 for the output data `powerplants.csv`, per the PyPSA/powerplantmatching README
  (its code is MIT). **Attribution:** powerplantmatching (PyPSA), CC BY 4.0.

### nl_cbs_bevolkingskernen2021_centroids.gpkg
Layers: {count("nl_cbs_bevolkingskernen2021_centroids.gpkg")}.
- **Licence:** CC BY 4.0, CBS (*upstream, assumed*: AMC-LAEB/NL_PP, which computed the centroids, has no
  licence file and none in its pyproject; its data README says "CBS data is published under CC BY 4.0").
- **Attribution:** Centraal Bureau voor de Statistiek (CBS), Bevolkingskernen in Nederland 2021, CC BY 4.0;
  centroids by AMC-LAEB/NL_PP.

### nl_hv_grid_entsoe_gridkit_2022.gpkg
Layers: {count("nl_hv_grid_entsoe_gridkit_2022.gpkg")}.
- **Licence:** CC BY 4.0, per the `REUSE.toml` of PyPSA/pypsa-eur for `data/entsoegridkit/*`
  ("The PyPSA-Eur Authors"). The map content is ENTSO-E's; ENTSO-E's own terms were not available, and the
  source README calls the data an unofficial extract "neither approved nor endorsed by ENTSO-E".
- **Attribution:** ENTSO-E transmission system map (extract of March 2022), GridKit processing by the
  PyPSA-Eur authors, CC BY 4.0.

### nl_water_krw_and_osm_relations.gpkg
Layers: {count("nl_water_krw_and_osm_relations.gpkg")}.
- `krw_waterlichamen_nlmod`: Water Framework Directive (KRW) surface water bodies, Rijkswaterstaat /
  Informatiehuis Water, bundled by gwmod/nlmod (MIT; no separate licence is stated for the data file).
  **Licence:** *upstream, not stated in the source* — check the Nationaal Georegister record before
  redistributing. **Attribution:** Rijkswaterstaat, KRW oppervlaktewaterlichamen, via nlmod.
- `osm_water_relations`: **Licence:** ODbL 1.0. **Attribution:** © OpenStreetMap contributors (relations
  6846427, 5909370, 3123125, via jelmerkk/topoquiz). ODbL is share-alike: pass this layer on under ODbL 1.0.

### nl_airports_openflights.gpkg
Layers: {count("nl_airports_openflights.gpkg")}.
- **Licence:** ODbL 1.0 (`data/LICENSE` of jpatokal/openflights), with the Database Contents License for
  the individual contents. **Attribution:** OpenFlights.org (from OurAirports). ODbL is share-alike.

### PACK.json
A description of the pack written by `scripts/build_demo_pack.py` (part of smr-siting, GPL-2.0-or-later).
"""
    return text


def pack_json(results: list[FileResult], markdown: str, provenance_sha: str, gelderland: tuple[float, ...],
              area: tuple[float, ...], command: str, source_label: str) -> str:
    data = {
        "name": "smr-siting demo pack",
        "region": {"name": REGION_NAME, "file": REGION_FILE, "layer": REGION_LAYER,
                   "bounds": [round(v, 3) for v in gelderland]},
        "crs": "EPSG:28992",
        "margin_m": MARGIN_M,
        "box": [round(v, 3) for v in area],
        "command": command,
        "source": {"folder": source_label, "provenance": "PROVENANCE.md", "provenance_sha256": provenance_sha},
        "files": [
            {
                "file": res.spec.name,
                "bytes": res.size,
                "sha256": res.sha256,
                "source_sha256": res.source_sha256,
                "source_commits": source_commits(markdown, res.spec.name),
                "layers": [
                    {"layer": r.spec.name, "geometry_type": r.geometry_type, "treatment": r.spec.treatment,
                     "features_source": r.source_count, "features_pack": r.pack_count, "clipped": r.clipped,
                     "repaired_make_valid": r.repaired, "split_parts": r.split_parts, "whole_layer": r.whole_layer}
                    for r in res.layers
                ],
            }
            for res in results
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- main


def display_path(path: Path, root: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), root)
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", type=Path, default=root.parent / "shared" / "data" / "nl",
                        help="the development data folder (default: ../shared/data/nl from the repository root)")
    parser.add_argument("--out", type=Path, default=root / "demo" / "data", help="the pack's data folder (default: demo/data)")
    parser.add_argument("--docs", type=Path, default=None,
                        help="where PROVENANCE.md and LICENCES.md go (default: the parent of --out)")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    command = " ".join([".venv/bin/python", "scripts/build_demo_pack.py", *(shlex.quote(a) for a in argv)])
    source: Path = args.source
    out_dir: Path = args.out
    docs: Path = args.docs if args.docs is not None else out_dir.parent
    provenance = source / "PROVENANCE.md"
    missing = [p for p in [provenance, *(source / f.name for f in PACK)] if not p.exists()]
    if missing:
        print(f"error: {', '.join(str(p) for p in missing)} not found; pass --source DIR", file=sys.stderr)
        return 2
    markdown = provenance.read_text(encoding="utf-8")
    source_label = display_path(source, root)

    gelderland, area_bounds = region_box(source)
    area = box(*area_bounds)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs.mkdir(parents=True, exist_ok=True)
    os.environ["OGR_CURRENT_DATE"] = FIXED_DATE
    results = [write_gpkg(spec, source, out_dir, area) for spec in PACK]

    with fiona.open(out_dir / "nl_natura2000.gpkg", layer="natura2000") as src:
        natura_osm_rows = sum(1 for feat in src if "OpenStreetMap" in str(feat["properties"].get("bron") or ""))

    write_text(out_dir / "PACK.json", pack_json(results, markdown, sha256_of(provenance), gelderland, area_bounds,
                                                command, source_label))
    write_text(docs / "PROVENANCE.md", provenance_md(results, markdown, gelderland, area_bounds, command, source_label))
    write_text(docs / "LICENCES.md", licences_md(results, natura_osm_rows))

    expected = {f.name for f in PACK} | {"PACK.json"}
    stray = sorted(p.name for p in out_dir.iterdir() if p.name not in expected)
    if stray:
        print(f"warning: {out_dir} also holds files that are not part of the pack: {', '.join(stray)}", file=sys.stderr)

    print(f"box (EPSG:28992): {fmt_box(area_bounds)}")
    total = 0
    for path in sorted(out_dir / name for name in expected):
        size = path.stat().st_size
        total += size
        print(f"{size:>12,}  {path.name}")
    for res in results:
        for r in res.layers:
            print(f"    {res.spec.name}:{r.spec.name}: {r.source_count} -> {r.pack_count} features"
                  f" (clipped {r.clipped}, repaired {r.repaired}, split parts {r.split_parts})")
    print(f"{total:>12,}  total ({total / 1e6:.2f} MB)")
    if total > MAX_PACK_BYTES:
        print(f"error: the pack is {total / 1e6:.2f} MB, more than {MAX_PACK_BYTES / 1e6:g} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
