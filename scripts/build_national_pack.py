#!/usr/bin/env python3
"""Build the embedded national pack (layers/national) from the Dutch development data in ../shared/data/nl.

The pack is what lets the plugin (and the Python package) screen any Dutch province right after
installation, without a data folder: the national layers the shipped profiles can use, whole and
unchanged, for the whole country.  Which layers go in is *derived*, not listed here:

- every layer slot a shipped profile (``smr_siting/profiles/*.yaml``) names anywhere — in a rule, in
  the scoring section, in any alternative of a ``one_of:`` chain — plus the slots the region lookup
  reads (``provinces``, ``municipalities``) and every slot the catalogue's ``used_by`` ties to a
  shipped profile;
- for each slot, the first of its catalogue ``files:`` that exists in the source folder (the file
  the engine itself would pick there); a slot without one is reported and skipped.

Only the layers the catalogue names are copied (a multi-layer file keeps just those), features in
source fid order, attributes and geometry untouched, through GDAL's VectorTranslate.  The build is
reproducible: the same inputs give byte-identical files (GeoPackage dates pinned with
``OGR_CURRENT_DATE``).  Beside the data it writes ``NATIONAL_PACK.json`` (files, sha256, feature
counts, the slots each file serves), ``PROVENANCE.md`` and ``LICENCES.md``.  (It is deliberately not
called PACK.json: that name marks a *cut-out* whose box the engine enforces.)

Usage (from the repository root; ``make national-pack``):
    .venv/bin/python scripts/build_national_pack.py [--source ../shared/data/nl] [--out layers/national]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from build_demo_pack import (  # noqa: E402 - the demo pack's helpers for provenance quoting and hashing
    FileSpec,
    LayerSpec,
    display_path,
    quote,
    quoted_blocks,
    sha256_of,
    source_commits,
    write_text,
)

#: the pack ships inside the plugin zip: keep it well under the zip's 20 MB target
MAX_PACK_BYTES = 24_000_000
FIXED_DATE = "2000-01-01T00:00:00.000Z"
#: the region lookup reads these whatever the profile
REGION_SLOTS = ("provinces", "municipalities")
DESCRIPTION = "NATIONAL_PACK.json"


# --------------------------------------------------------------------------- which slots, which files


def profile_layers(node: Any) -> Iterator[str]:
    """Every ``layer:`` value anywhere in a profile (rules, scoring, every ``one_of`` alternative)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "layer" and isinstance(value, str):
                yield value
            else:
                yield from profile_layers(value)
    elif isinstance(node, list):
        for item in node:
            yield from profile_layers(item)


def wanted_slots(catalogue: dict[str, Any], profiles_dir: Path) -> dict[str, list[str]]:
    """slot -> the shipped profiles that can use it (the region slots: 'region lookup')."""
    slots: dict[str, list[str]] = {slot: ["region lookup"] for slot in REGION_SLOTS}
    names = []
    for path in sorted(profiles_dir.glob("*.yaml")):
        profile = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names.append(path.stem)
        for slot in profile_layers(profile):
            if slot in catalogue and path.stem not in slots.setdefault(slot, []):
                slots[slot].append(path.stem)
    for slot, entry in catalogue.items():
        for use in entry.get("used_by") or []:
            profile = str(use).split("/")[0]
            if profile in names and profile not in slots.setdefault(slot, []):
                slots[slot].append(profile)
    return dict(sorted(slots.items()))


@dataclass
class PackFile:
    name: str
    layers: dict[str | None, list[str]] = field(default_factory=dict)  # source layer (None: all) -> slots
    source_sha256: str = ""
    sha256: str = ""
    size: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    geometry: dict[str, str] = field(default_factory=dict)


def plan(catalogue: dict[str, Any], slots: dict[str, list[str]], source: Path) -> tuple[dict[str, PackFile], list[str]]:
    """file name -> what to copy; and the slots no source file serves."""
    files: dict[str, PackFile] = {}
    missing: list[str] = []
    for slot in slots:
        chosen = next((f for f in catalogue[slot].get("files") or [] if (source / f["file"]).is_file()), None)
        if chosen is None:
            reference = catalogue[slot].get("reference")
            if not (reference and (ROOT / "layers" / reference).is_file()):  # a shipped reference layer serves it
                missing.append(slot)
            continue
        pack = files.setdefault(chosen["file"], PackFile(chosen["file"]))
        pack.layers.setdefault(chosen.get("layer"), []).append(slot)
    return dict(sorted(files.items())), missing


# --------------------------------------------------------------------------- copying


def copy_file(spec: PackFile, source: Path, out_dir: Path) -> None:
    from osgeo import gdal, ogr

    gdal.UseExceptions()
    src_path = source / spec.name
    target = out_dir / spec.name
    tmp = out_dir / f".partial.{spec.name}"
    for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    src = ogr.Open(str(src_path))
    names = [src.GetLayer(i).GetName() for i in range(src.GetLayerCount())]
    wanted = names if None in spec.layers else sorted(name for name in spec.layers if name)
    for name in wanted:
        if name not in names:
            raise SystemExit(f"error: {spec.name} has no layer {name!r} (it has {', '.join(names)})")
    first = True
    for name in wanted:
        layer = src.GetLayerByName(name)
        spec.counts[name] = layer.GetFeatureCount()
        spec.geometry[name] = ogr.GeometryTypeToName(layer.GetGeomType())
        options = gdal.VectorTranslateOptions(
            format="GPKG", layers=[name], layerName=name, accessMode=None if first else "update",
            options=["-preserve_fid"], layerCreationOptions=["SPATIAL_INDEX=YES"])
        result = gdal.VectorTranslate(str(tmp), str(src_path), options=options)
        if result is None:
            raise SystemExit(f"error: could not copy {spec.name}:{name}")
        result = None  # noqa: F841 - closes the dataset
        first = False
    src = None  # noqa: F841
    # VACUUM so that the file is compact and its bytes do not depend on the order of page writes
    dataset = gdal.OpenEx(str(tmp), gdal.OF_VECTOR | gdal.OF_UPDATE)
    dataset.ExecuteSQL("VACUUM")
    dataset = None  # noqa: F841
    os.replace(tmp, target)
    spec.source_sha256 = sha256_of(src_path)
    spec.sha256 = sha256_of(target)
    spec.size = target.stat().st_size


# --------------------------------------------------------------------------- documents


def provenance_md(files: dict[str, PackFile], slots: dict[str, list[str]], missing: list[str], markdown: str,
                  command: str, source_label: str, catalogue: dict[str, Any]) -> str:
    total = sum(f.size for f in files.values())
    out = [
        "# Embedded national pack: provenance",
        "",
        "*Written by `scripts/build_national_pack.py`; do not edit by hand, rebuild instead (`make national-pack`).*",
        "",
        "This folder is shipped inside the QGIS plugin and the Python package. It holds, for the whole of the",
        "Netherlands, the layers the shipped profiles can use, so that any province or municipality can be screened",
        "right after installation without a data folder. Inside QGIS it is the data folder of last resort: a run",
        "reads a layer from the chosen data folder (or the fetch cache) when it is there, and from this pack when it is",
        "not; every output of a run lists, per layer, whether it came from the pack (`origin: national pack` in",
        "`manifest.json`, and a notice in the log).",
        "",
        f"Taken from the Dutch development data set (`{source_label}`, described in its PROVENANCE.md). Nothing was",
        "clipped, reprojected or simplified: each file holds the source's layers that the catalogue names, feature",
        "for feature (same fids, attributes and geometry), so a screening on the pack equals one on the source.",
        "",
        "## How it is built",
        "",
        "    " + command,
        "",
        "The file list is derived from `layers/catalogue.yaml` and `smr_siting/profiles/*.yaml`: every slot a",
        "shipped profile names (rules, scoring, every alternative of a `one_of:` chain), the region-lookup slots",
        "(`provinces`, `municipalities`) and every slot the catalogue's `used_by` ties to a shipped profile; per slot",
        "the first of its catalogue files that exists in the source folder. Rebuild after a profile or catalogue",
        f"change. Reproducible: GeoPackage dates pinned to {FIXED_DATE}, features in source fid order, VACUUM.",
        "",
        "## Slots",
        "",
        "| slot | used by | file:layer |",
        "|---|---|---|",
    ]
    where = {slot: f"`{f.name}:{layer or '*'}`" for f in files.values() for layer, served in f.layers.items()
             for slot in served}
    for slot, users in slots.items():
        reference = catalogue[slot].get("reference")
        other = f"the shipped reference layer `layers/{reference}`" if reference and slot not in missing else \
            "not in the source folder: not in the pack"
        out.append(f"| `{slot}` | {', '.join(users)} | {where.get(slot, other)} |")
    if missing:
        out += ["", "Not in the pack (no catalogue file of theirs exists in the source folder; a run that needs one "
                "says so and names the fix): " + ", ".join(f"`{s}`" for s in missing) + "."]
    out += ["", "## Files", "", f"{len(files)} files, {total:,} bytes.", "",
            "| file | bytes | sha256 | layers (features) |", "|---|---:|---|---|"]
    for f in files.values():
        layers = "; ".join(f"`{name}` {count:,}" for name, count in f.counts.items())
        out.append(f"| `{f.name}` | {f.size:,} | `{f.sha256[:16]}…` | {layers} |")
    out.append("")
    for f in files.values():
        spec = FileSpec(f.name, tuple(LayerSpec(name, "whole") for name in f.counts))
        out += [f"### {f.name}", "",
                f"- **Source file:** `{source_label}/{f.name}` (sha256 `{f.source_sha256}`).",
                f"- **Pack file:** sha256 `{f.sha256}`, {f.size:,} bytes; layers "
                + ", ".join(f"`{n}` ({f.geometry[n]}, {c:,} features)" for n, c in f.counts.items()) + "."]
        try:
            commits = ", ".join(f"{c['repo']} @ `{c['commit']}`" for c in source_commits(markdown, f.name))
            out.append(f"- **Source commits** (from the source PROVENANCE.md): {commits}.")
        except SystemExit:
            pass
        try:
            heading, keep = quoted_blocks(markdown, spec)
        except SystemExit as error:
            raise SystemExit(f"error: {f.name}: {error}") from None
        out += ["", f"Quoted from the source PROVENANCE.md, section \"{heading.lstrip('# ')}\" (owner, source, "
                "licence and caveat lines, verbatim):", "", "\n>\n".join(quote(block) for block in keep), ""]
    return "\n".join(out)


def licences_md(files: dict[str, PackFile], catalogue: dict[str, Any]) -> str:
    out = [
        "# Embedded national pack: licences and attribution",
        "",
        "*Written by `scripts/build_national_pack.py`; do not edit by hand, rebuild instead.*",
        "",
        "The files here are copies of third-party open data. They are **not** covered by the smr-siting code licence",
        "(GPL-2.0-or-later); each keeps the licence of its source. Give the attributions below whenever you",
        "redistribute the pack or publish maps or figures made with it. `PROVENANCE.md` quotes, per file, the source's",
        "own owner, licence and caveat statements. **Changes made:** none to the data — only the layers named by the",
        "catalogue were copied (other layers of a source file left out).",
        "",
        "Where a statement below says *upstream, assumed* or *check*, the source repository states no licence of its",
        "own; check the owner's terms before redistributing the pack outside the project.",
        "",
        "ODbL 1.0 data (OpenStreetMap) is share-alike: pass those files on under ODbL 1.0, with the attribution.",
        "",
        "## Per file",
        "",
    ]
    for f in files.values():
        out += [f"### {f.name}", ""]
        for slot in sorted({s for served in f.layers.values() for s in served}):
            entry = catalogue[slot]
            out.append(f"- `{slot}` ({entry.get('title', slot)}): **owner** {entry.get('owner', '?')}; "
                       f"**licence** {entry.get('licence', '?')}; vintage {entry.get('vintage', '?')}.")
        out.append("")
    out += [f"### {DESCRIPTION}, PROVENANCE.md, LICENCES.md",
            "Written by `scripts/build_national_pack.py` (part of smr-siting, GPL-2.0-or-later).", ""]
    return "\n".join(out)


def description(files: dict[str, PackFile], slots: dict[str, list[str]], missing: list[str], command: str,
                source_label: str, provenance_sha: str) -> str:
    from osgeo import gdal

    data = {
        "name": "smr-siting embedded national pack",
        "gdal": gdal.__version__,  # byte-identical rebuilds are promised for the same GDAL
        "extent": "the Netherlands (whole layers)",
        "crs": "EPSG:28992",
        "command": command,
        "source": {"folder": source_label, "provenance_sha256": provenance_sha},
        "slots": {slot: {"used_by": users} for slot, users in slots.items()},
        "missing_slots": missing,
        "files": [{"file": f.name, "bytes": f.size, "sha256": f.sha256, "source_sha256": f.source_sha256,
                   "layers": [{"layer": name, "geometry_type": f.geometry[name], "features": count,
                               "slots": f.layers.get(name) or f.layers.get(None) or []}
                              for name, count in f.counts.items()]}
                  for f in files.values()],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data" / "nl",
                        help="the development data folder (default: ../shared/data/nl from the repository root)")
    parser.add_argument("--out", type=Path, default=ROOT / "layers" / "national",
                        help="the pack folder (default: layers/national)")
    parser.add_argument("--catalogue", type=Path, default=ROOT / "layers" / "catalogue.yaml")
    parser.add_argument("--profiles", type=Path, default=ROOT / "smr_siting" / "profiles")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    source_label = "shared/data/nl" if args.source.resolve() == (ROOT.parent / "shared" / "data" / "nl").resolve() \
        else display_path(args.source, ROOT)
    # the command as recorded: the source folder by its label (a shipped file names no path outside the project)
    shown = [source_label if a == str(args.source) else a for a in argv]
    command = " ".join([".venv/bin/python", "scripts/build_national_pack.py", *(shlex.quote(a) for a in shown)])
    source: Path = args.source
    provenance = source / "PROVENANCE.md"
    if not provenance.is_file():
        print(f"error: {provenance} not found; pass --source DIR (the development data folder)", file=sys.stderr)
        return 2
    catalogue = (yaml.safe_load(args.catalogue.read_text(encoding="utf-8")) or {}).get("layers") or {}
    slots = wanted_slots(catalogue, args.profiles)
    files, missing = plan(catalogue, slots, source)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ["OGR_CURRENT_DATE"] = FIXED_DATE
    for spec in files.values():
        copy_file(spec, source, out_dir)
    markdown = provenance.read_text(encoding="utf-8")
    write_text(out_dir / DESCRIPTION, description(files, slots, missing, command, source_label, sha256_of(provenance)))
    write_text(out_dir / "PROVENANCE.md", provenance_md(files, slots, missing, markdown, command, source_label, catalogue))
    write_text(out_dir / "LICENCES.md", licences_md(files, catalogue))
    expected = set(files) | {DESCRIPTION, "PROVENANCE.md", "LICENCES.md"}
    for stray in sorted(p for p in out_dir.iterdir() if p.name not in expected):
        stray.unlink()  # a file an earlier build shipped that no profile uses any more
        print(f"removed {stray.name} (no shipped profile uses it any more)")
    total = 0
    for name in sorted(files):
        total += files[name].size
        print(f"{files[name].size:>12,}  {name}  ({', '.join(sorted(s for v in files[name].layers.values() for s in v))})")
    print(f"{total:>12,}  total ({total / 1e6:.2f} MB)")
    if missing:
        print(f"not in the source folder (not packed): {', '.join(missing)}")
    if total > MAX_PACK_BYTES:
        print(f"error: the pack is {total / 1e6:.2f} MB, more than {MAX_PACK_BYTES / 1e6:g} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
