"""The bad-input battery: one parametrised test, one case per row (printed in the README's reliability
section by scripts/battery_table.py).

Each case runs the real command line on real Dutch data (municipality Zutphen, 250 m cells unless the
case needs otherwise) and asserts: the exact message (names the problem and the fix), the exit code,
that no input file changed (sha256 before/after) and that no output was left behind — or, for input
that is acceptable with a notice (invalid geometry, another CRS, a profile that excludes everything,
non-ASCII names), the exact notice and complete outputs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pytest
from shapely.affinity import translate
from shapely.geometry import Point, Polygon

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "smr_siting" / "profiles" / "nl-default.yaml").read_text(encoding="utf-8")
OUTPUT_NAMES = {"exclusion.tif", "exclusion.qml", "exclusion.rules.json", "candidate_areas.gpkg",
                "candidate_areas.qml", "summary.csv", "summary.json", "manifest.json"}


@dataclass
class Env:
    tmp: Path
    data: Path
    out: Path
    inputs: list[Path] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    wrap: list[str] = field(default_factory=list)

    def natura(self) -> gpd.GeoDataFrame:
        return gpd.read_file(self.data / "nl_natura2000.gpkg", layer="natura2000")

    def write_layer(self, name: str, frame: gpd.GeoDataFrame, layer: str = "natura2000") -> Path:
        path = self.tmp / name
        frame.to_file(path, layer=layer)
        self.inputs.append(path)
        return path

    def profile(self, text: str, name: str = "mine.yaml") -> Path:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        self.inputs.append(path)
        return path


@dataclass(frozen=True)
class Case:
    id: str
    what: str
    build: Callable[[Env], list[str]]
    code: int
    message: str  # exact; {tmp} {data} {out} are filled in


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _geometry_profile(kind_line: str = "") -> str:
    return DEFAULT


# ------------------------------------------------------------------------------ the cases
def c_self_intersecting(env: Env) -> list[str]:
    frame = env.natura().head(3).copy()
    bowtie = Polygon([(210_000, 460_000), (214_000, 464_000), (214_000, 460_000), (210_000, 464_000)])
    frame.loc[frame.index[0], "geometry"] = bowtie
    path = env.write_layer("bowtie.gpkg", frame)
    return ["--layer", f"natura2000={path}"]


def c_mixed_types(env: Env) -> list[str]:
    frame = env.natura().head(3).copy()
    frame.loc[frame.index[0], "geometry"] = Point(211_000, 461_000)
    path = env.write_layer("mixed.gpkg", frame)
    return ["--layer", f"natura2000={path}"]


def c_no_crs(env: Env) -> list[str]:
    head = env.natura().head(5)
    frame = gpd.GeoDataFrame(head.drop(columns=head.geometry.name), geometry=list(head.geometry))
    return ["--layer", f"natura2000={env.write_layer('no_crs.gpkg', frame)}"]


def c_geographic_crs(env: Env) -> list[str]:
    return ["--layer", f"natura2000={env.write_layer('wgs84.gpkg', env.natura().to_crs('EPSG:4326'))}"]


def c_swapped_axes(env: Env) -> list[str]:
    frame = env.natura().head(5).to_crs("EPSG:4326")
    from shapely.ops import transform

    frame["geometry"] = [transform(lambda x, y, z=None: (y, x), g) for g in frame.geometry]
    return ["--layer", f"natura2000={env.write_layer('latlon.gpkg', frame)}"]


def c_empty_layer(env: Env) -> list[str]:
    return ["--layer", f"natura2000={env.write_layer('empty.gpkg', env.natura().head(0))}"]


def c_outside_netherlands(env: Env) -> list[str]:
    frame = env.natura().head(5).copy()
    frame["geometry"] = [translate(g, 2_000_000, 0) for g in frame.geometry]
    return ["--layer", f"natura2000={env.write_layer('far.gpkg', frame)}"]


def c_outside_region(env: Env) -> list[str]:
    natura = env.natura()
    zeeland = natura[natura.geometry.centroid.y < 400_000]
    return ["--layer", f"natura2000={env.write_layer('zeeland.gpkg', zeeland)}"]


def c_corrupt_gpkg(env: Env) -> list[str]:
    path = env.tmp / "corrupt.gpkg"
    path.write_bytes((env.data / "nl_natura2000.gpkg").read_bytes()[:50_000])
    env.inputs.append(path)
    return ["--layer", f"natura2000={path}"]


def _raster_profile(env: Env) -> Path:
    text = _replace(DEFAULT, "  # ------------------------------------------------------------------ energy demand",
                    "  - id: raster_rule\n    kind: raster_threshold\n    threshold: {op: '>', value: 1000, unit: m}\n"
                    "    layers: [urban_areas]\n    basis: 'assumption: test rule; try 500-2000'\n\n"
                    "  # ------------------------------------------------------------------ energy demand")
    return env.profile(text)


def c_raster_no_georeferencing(env: Env) -> list[str]:
    import rasterio

    path = env.tmp / "plain.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32") as dst:
        dst.write(np.ones((1, 10, 10), dtype="float32"))
    env.inputs.append(path)
    return ["--profile", str(_raster_profile(env)), "--layer", f"urban_areas={path}"]


def c_raster_all_nodata(env: Env) -> list[str]:
    import rasterio
    from rasterio.transform import from_origin

    path = env.tmp / "nodata.tif"
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32", crs="EPSG:28992",
                       transform=from_origin(200_000, 470_000, 1000, 1000), nodata=-1) as dst:
        dst.write(np.full((1, 20, 20), -1, dtype="float32"))
    env.inputs.append(path)
    return ["--profile", str(_raster_profile(env)), "--layer", f"urban_areas={path}"]


def c_unknown_region(env: Env) -> list[str]:
    return ["--region", "Zutpen"]


def c_key_typo(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "    title: River channel", "    titel: River channel")))]


def c_unknown_kind(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "kind: exclude_within\n    group: space\n    title: River",
                                                  "kind: exclude_near\n    group: space\n    title: River")))]


def c_negative_distance(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "            distance: 150 m", "            distance: -150 m")))]


def c_absurd_distance(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "            distance: 150 m", "            distance: 5000 km")))]


def c_distance_without_unit(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "            distance: 150 m", "            distance: 150")))]


def _direct_weights(weights: list[str]) -> str:
    text = _replace(DEFAULT, "  weights: ahp ", "  weights: direct ")
    for cid, weight in zip(("grid", "cooling", "population_distance", "population_density", "demand"), weights):
        text = _replace(text, f"    - id: {cid}\n", f"    - id: {cid}\n      weight: {weight}\n")
    return text


def c_negative_weight(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_direct_weights(["0.5", "-0.2", "0.3", "0.2", "0.2"])))]


def c_zero_weights(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_direct_weights(["0", "0", "0", "0", "0"])))]


def c_ahp_not_reciprocal(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "      - [1/2, 1/2, 1,   2, 1]\n      - [1/3",
                                                  "      - [1/2, 1/2, 1,   3, 1]\n      - [1/3")))]


def c_region_below_one_cell(env: Env) -> list[str]:
    """A 2.25 ha field near Zutphen that holds no 1 km cell centre (those lie on ...500 m)."""
    field_ = Polygon([(210010, 463010), (210160, 463010), (210160, 463160), (210010, 463160)])
    path = env.write_layer("akker.gpkg", gpd.GeoDataFrame({"naam": ["akker"]}, geometry=[field_], crs="EPSG:28992"),
                           layer="akker")
    return ["--region", str(path), "--resolution", "1000", "--footprint-ha", "1"]


def c_footprint_too_big(env: Env) -> list[str]:
    return ["--footprint-ha", "5000"]


def c_excludes_everything(env: Env) -> list[str]:
    return ["--profile", "nl-datacentre"]


def c_resolution_too_fine(env: Env) -> list[str]:
    return ["--region", "Gelderland", "--resolution", "1"]


def c_output_exists(env: Env) -> list[str]:
    env.out.mkdir()
    (env.out / "summary.csv").write_text("the user's own table\n", encoding="utf-8")
    env.inputs.append(env.out / "summary.csv")
    return []


def c_output_is_a_file(env: Env) -> list[str]:
    env.out.write_text("a file\n", encoding="utf-8")
    env.inputs.append(env.out)
    return []


def _tmpfs(env: Env, options: str) -> None:
    """Run the command in a private mount namespace with a small tmpfs over the output's parent
    (as root a plain mount namespace; otherwise a user namespace, which a chroot does not allow)."""
    flags = "-m" if os.geteuid() == 0 else "-rm"
    if shutil.which("unshare") is None or subprocess.run(["unshare", flags, "true"]).returncode != 0:
        pytest.skip(f"no mount namespaces here (unshare {flags}) to make a read-only or full file system")
    env.out = env.tmp / "mnt" / "out"
    (env.tmp / "mnt").mkdir()
    env.wrap = ["unshare", flags, "sh", "-c", f'mount -t tmpfs -o {options} tmpfs "$0" && exec "$@"',
                str(env.tmp / "mnt")]


def c_read_only_folder(env: Env) -> list[str]:
    _tmpfs(env, "ro,size=1m")
    return []


def c_disk_full(env: Env) -> list[str]:
    _tmpfs(env, "size=48k")
    return []


def c_missing_data_folder(env: Env) -> list[str]:
    env.data = env.tmp / "no-such-folder"
    return []


def c_layer_missing(env: Env) -> list[str]:
    folder = env.tmp / "partial"
    folder.mkdir()
    for name in ("nl_gemeenten_2022_cbs_generalised.gpkg", "nl_natura2000.gpkg"):
        (folder / name).symlink_to(env.data / name)
    env.data = folder
    return []


def c_not_utf8_profile(env: Env) -> list[str]:
    path = env.tmp / "latin1.yaml"
    path.write_bytes(DEFAULT.replace("—", "-").replace("…", "...").encode("latin-1", errors="replace") + b"# \xe9\n")
    env.inputs.append(path)
    return ["--profile", str(path)]


def c_bad_yaml(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "    layers: [municipalities]", "    layers: [municipalities")))]


def c_unknown_footprint_shape(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "  shape: square", "  shape: hexagon")))]


def c_where_field_missing(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "{field: tag_country, op: \"==\", value: NL}\n            distance",
                                                  "{field: tag_cuntry, op: \"==\", value: NL}\n            distance")))]


def c_unknown_layer_slot(env: Env) -> list[str]:
    return ["--layer", f"natura={env.data / 'nl_natura2000.gpkg'}"]


def c_non_ascii_names(env: Env) -> list[str]:
    frame = env.natura()
    path = env.tmp / "natuurgebieden_België_ë.gpkg"
    frame.to_file(path, layer="natura_ñ_gebieden")
    env.inputs.append(path)
    env.out = env.tmp / "uitvoer – Zutphen ëï"
    return ["--layer", f"natura2000={path}:natura_ñ_gebieden"]


# ------------------------------------------------------------------------------ issue 19: hostile and odd inputs
def c_all_null_geometries(env: Env) -> list[str]:
    frame = env.natura().head(5).copy()
    frame["geometry"] = None
    return ["--layer", f"natura2000={env.write_layer('nullgeom.gpkg', frame)}"]


def c_nan_vertex(env: Env) -> list[str]:
    frame = env.natura().head(3).copy()
    frame.loc[frame.index[0], "geometry"] = Polygon([(210_000, 460_000), (float("nan"), 464_000), (214_000, 460_000)])
    return ["--layer", f"natura2000={env.write_layer('nanvertex.gpkg', frame)}"]


def c_extreme_coordinates(env: Env) -> list[str]:
    frame = env.natura().head(3).copy()
    frame.loc[frame.index[0], "geometry"] = Polygon([(1e300, 1e300), (1e300, -1e300), (-1e300, 0)])
    return ["--layer", f"natura2000={env.write_layer('extreme.gpkg', frame)}"]


def _raster(env: Env, name: str, crs: str, left: float, top: float, bands: int = 1) -> list[str]:
    import rasterio
    from rasterio.transform import from_origin

    path = env.tmp / name
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=bands, dtype="float32", crs=crs,
                       transform=from_origin(left, top, 1000, 1000)) as dst:
        dst.write(np.full((bands, 20, 20), 5000, dtype="float32"))
    env.inputs.append(path)
    return ["--profile", str(_raster_profile(env)), "--layer", f"urban_areas={path}"]


def c_raster_outside_netherlands(env: Env) -> list[str]:
    return _raster(env, "far.tif", "EPSG:28992", 2_200_000, 470_000)


def c_raster_multiband(env: Env) -> list[str]:
    return _raster(env, "rgb.tif", "EPSG:28992", 200_000, 470_000, bands=3)


def c_raster_engineering_crs(env: Env) -> list[str]:
    return _raster(env, "local.tif", 'LOCAL_CS["site grid",UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]',
                   200_000, 470_000)


def c_decimal_comma(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "        distance: 150 m", "        distance: 1,5 km")))]


def c_dotted_thousands(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "        distance: 150 m", "        distance: 1.500 m")))]


def c_nan_distance(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "        distance: 150 m",
                                                  "        distance: {value: .nan, unit: m}")))]


def c_octal_number(env: Env) -> list[str]:
    return ["--profile", str(env.profile(_replace(DEFAULT, "        distance: 150 m",
                                                  "        distance: {value: 0150, unit: m}")))]


def c_yaml_bomb(env: Env) -> list[str]:
    lines = ["  a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefgh":
        lines.append(f"  {level}: &{level} [" + ", ".join([f"*{chr(ord(level) - 1)}"] * 9) + "]")
    return ["--profile", str(env.profile(DEFAULT + "\nscratch:\n" + "\n".join(lines) + "\n"))]


def c_list_as_key(env: Env) -> list[str]:
    return ["--profile", str(env.profile(DEFAULT + "\n[1, 2]: x\n"))]


def c_profile_is_a_device(env: Env) -> list[str]:
    return ["--profile", "/dev/zero"]


def c_long_name(env: Env) -> list[str]:
    env.out = env.tmp / ("u" * 256)
    return []


def c_newline_in_path(env: Env) -> list[str]:
    env.out = env.tmp / "out\nput"
    return []


def c_output_is_an_input(env: Env) -> list[str]:
    env.out.mkdir()
    layer = env.out / "candidate_areas.gpkg"
    env.natura().head(5).to_file(layer, layer="natura2000")
    env.inputs.append(layer)
    return ["--overwrite", "", "--layer", f"natura2000={layer}"]


def c_folder_where_a_file_goes(env: Env) -> list[str]:
    (env.out / "exclusion.qml").mkdir(parents=True)
    return ["--overwrite", ""]


def c_users_files_on_overwrite(env: Env) -> list[str]:
    env.out.mkdir()
    for name in ("ranking.json", "sensitivity.csv"):
        (env.out / name).write_text("the user's own file\n", encoding="utf-8")
        env.inputs.append(env.out / name)
    return ["--overwrite", ""]


def c_new_nested_folders(env: Env) -> list[str]:
    env.out = env.tmp / "new" / "nested" / "out"
    return ["--region", "Zutpen"]


def c_extension_lies(env: Env) -> list[str]:
    _raster(env, "really_a_tif.gpkg", "EPSG:28992", 200_000, 470_000)
    return ["--layer", f"natura2000={env.tmp / 'really_a_tif.gpkg'}"]


def c_region_of_points(env: Env) -> list[str]:
    frame = gpd.GeoDataFrame({"name": ["a site"]}, geometry=[Point(210_000, 460_000)], crs="EPSG:28992")
    return ["--region", str(env.write_layer("site.gpkg", frame, layer="site"))]


CASES = [
    Case("self-intersecting", "a self-intersecting polygon", c_self_intersecting, 0,
         "note: layer 'natura2000' (bowtie.gpkg): 1 invalid geometry (e.g. self-intersections) repaired "
         "with make_valid."),
    Case("mixed-geometry", "points among the polygons of a polygon layer", c_mixed_types, 2,
         "smr-siting: error: layer 'natura2000' (mixed.gpkg) in rule 'natura2000' holds 1 Point; rule 'natura2000' "
         "(exclude inside, no buffer) needs polygons. Use a polygon layer, or give the rule a buffer / use a distance "
         "rule for points and lines."),
    Case("no-crs", "a layer without a CRS", c_no_crs, 2,
         "smr-siting: error: layer 'natura2000' (no_crs.gpkg) has no coordinate reference system. Assign "
         "one (QGIS: Layer Properties › Source; GDAL: ogr2ogr -a_srs EPSG:28992) and retry."),
    Case("geographic-crs", "a layer in EPSG:4326", c_geographic_crs, 0,
         "note: layer 'natura2000' (wgs84.gpkg) is in EPSG:4326; reprojected to EPSG:28992."),
    Case("swapped-axes", "lat/lon written as x/y", c_swapped_axes, 2,
         "smr-siting: error: layer 'natura2000' (latlon.gpkg) lies wholly outside the Netherlands "
         "(extent {extent} in EPSG:4326). Check its CRS: coordinates in degrees labelled as metres (or swapped axes) "
         "land far away."),
    Case("empty-layer", "a layer with no features", c_empty_layer, 2,
         "smr-siting: error: layer 'natura2000' (empty.gpkg) is empty (no features). Use a layer with "
         "features, or disable the rule."),
    Case("outside-netherlands", "a layer far outside the Netherlands", c_outside_netherlands, 2,
         "smr-siting: error: layer 'natura2000' (far.gpkg) lies wholly outside the Netherlands "
         "(extent {extent} in EPSG:28992). Check its CRS: coordinates in degrees labelled as metres (or swapped axes) "
         "land far away."),
    Case("outside-region", "a layer with nothing near the region", c_outside_region, 0,
         "note: layer 'natura2000' (zeeland.gpkg): none of its {count} features lies within reach of the "
         "region; rules using it treat it as absent."),
    Case("corrupt-gpkg", "a truncated GeoPackage", c_corrupt_gpkg, 2,
         "smr-siting: error: cannot open {tmp}/corrupt.gpkg as a vector file ({detail}). Check that the file is a "
         "complete GeoPackage or shapefile (open it in QGIS)."),
    Case("raster-no-georef", "a GeoTIFF without georeferencing", c_raster_no_georeferencing, 2,
         "smr-siting: error: layer 'urban_areas' (plain.tif) has no georeferencing (no CRS or no geotransform). "
         "Georeference it (QGIS Georeferencer, or gdal_translate -a_srs EPSG:28992 -a_ullr ...)."),
    Case("raster-all-nodata", "a raster with nodata everywhere", c_raster_all_nodata, 2,
         "smr-siting: error: layer 'urban_areas' (nodata.tif) holds no values: every cell is nodata. Check the "
         "raster's nodata setting, or use another raster."),
    Case("unknown-region", "a misspelt region", c_unknown_region, 2,
         "smr-siting: error: unknown region 'Zutpen'. Did you mean 'Zutphen', 'Putten', 'Houten'? Give a province or "
         "municipality name or CBS code (PV25, GM0202), or a polygon file."),
    Case("profile-key-typo", "a typo in a profile key", c_key_typo, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} criteria[3] (river_channel): unknown key 'titel'. Did you mean "
         "'title'? Allowed keys here: basis, enabled, group, id, kind, layers, method, note, title, title_nl."),
    Case("unknown-kind", "an unknown criterion kind", c_unknown_kind, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} criteria[3] (river_channel): unknown criterion kind "
         "'exclude_near'. Did you mean 'exclude_inside'? Known kinds: cooling_water_adequacy, emergency_zone, "
         "exclude_inside, exclude_within, population_centre_distance, population_sector, population_within, "
         "raster_threshold, require_within, zone_membership."),
    Case("negative-distance", "a negative distance", c_negative_distance, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} criteria[3] (river_channel).layers[0].one_of[1].distance: distance '-150 m' "
         "must be zero or positive. Use a distance like '500 m' (0 m means no buffer)."),
    Case("absurd-distance", "a distance of 5,000 km", c_absurd_distance, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} criteria[3] (river_channel).layers[0].one_of[1].distance: distance 5000 km "
         "is larger than 100 km, the largest this screening supports. Check the unit (m or km) and the number."),
    Case("distance-no-unit", "a distance without a unit", c_distance_without_unit, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} criteria[3] (river_channel).layers[0].one_of[1].distance: "
         "distance 150 has no unit. Write it with a unit, like '3 km'."),
    Case("negative-weight", "a negative weight", c_negative_weight, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} scoring: negative weight(s): cooling (-0.2). Weights must be zero "
         "or positive."),
    Case("zero-weights", "weights that are all zero", c_zero_weights, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} scoring: all weights are zero. Give at least one criterion a "
         "positive weight."),
    Case("ahp-not-reciprocal", "an AHP matrix that is not reciprocal", c_ahp_not_reciprocal, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} scoring.ahp.matrix: the AHP matrix is not reciprocal: cell "
         "[population_distance, population_density] is 3 but [population_density, population_distance] is 0.5. Set "
         "[population_density, population_distance] to 1/3 = 0.3333."),
    Case("footprint-too-big", "a footprint bigger than the region", c_footprint_too_big, 2,
         "smr-siting: error: the footprint (5000 ha) is larger than the region Zutphen ({ha} ha). Use a smaller "
         "footprint."),
    Case("region-below-one-cell", "a region smaller than one grid cell", c_region_below_one_cell, 2,
         "smr-siting: error: region akker is smaller than one 1000 m cell. Use a finer resolution or a larger "
         "region."),
    Case("excludes-everything", "a profile that excludes everything (valid)", c_excludes_everything, 0,
         "note: The profile excludes all of Zutphen: no land is left. The outputs are written, with no candidate "
         "areas."),
    Case("resolution-too-fine", "a 1 m grid for a province", c_resolution_too_fine, 2,
         "smr-siting: error: a {width} × {height} grid at 1 m needs about {need} GiB of memory, more than the {avail} GiB "
         "available. Use a coarser resolution (e.g. --resolution 2) or a smaller region."),
    Case("output-exists", "an existing output without --overwrite", c_output_exists, 2,
         "smr-siting: error: output already exists: {out}/summary.csv. Choose another output folder, or pass "
         "--overwrite to replace it."),
    Case("output-is-a-file", "an output folder that is a file", c_output_is_a_file, 2,
         "smr-siting: error: {out} is a file, not a folder. Choose an output folder."),
    Case("read-only-folder", "a read-only output folder", c_read_only_folder, 2,
         "smr-siting: error: cannot write to {parent} (permission denied). Choose a folder you can write to."),
    Case("disk-full", "a full disk", c_disk_full, 2,
         "smr-siting: error: the disk is full while writing {file}. Free some space or choose another output folder."),
    Case("missing-data-folder", "a data folder that does not exist", c_missing_data_folder, 2,
         "smr-siting: error: data folder {data} does not exist. Point --data at the folder that holds the layers."),
    Case("layer-missing", "a data folder without one of the layers", c_layer_missing, 2,
         "smr-siting: error: rule 'open_water' needs one of the layers surface_water, sea, and none is available "
         "('surface_water': not in {data} (looked for surface_water.gpkg, cache_surface_water.gpkg); 'sea': not in {data} "
         "(looked for nl_water_osm.gpkg, sea.gpkg)). Put one of them in the data folder (smr-siting fetch can download "
         "the official ones), or give one with --layer surface_water=FILE."),
    Case("profile-not-utf8", "a profile that is not UTF-8", c_not_utf8_profile, 2,
         "smr-siting: error: profile {tmp}/latin1.yaml is not UTF-8 text. Save it as UTF-8."),
    Case("bad-yaml", "broken YAML", c_bad_yaml, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line}: this is not valid YAML (expected ',' or ']', but got "
         "':'). Check indentation and colons; a value with ':' or '#' in it needs quotes."),
    Case("unknown-shape", "an unknown footprint shape", c_unknown_footprint_shape, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} footprint.shape: unknown footprint shape 'hexagon'. Use one of: "
         "square, circle, rectangle."),
    Case("where-field-missing", "a filter on a field that does not exist", c_where_field_missing, 2,
         "smr-siting: error: layer 'hv_substations_entsoe' (nl_hv_grid_entsoe_gridkit_2022.gpkg:buses) in rule "
         "'energy_demand': filter field 'tag_cuntry' does not exist. Did you mean 'tag_country'? Fields: {fields}"),
    Case("unknown-layer-slot", "--layer for a slot that does not exist", c_unknown_layer_slot, 2,
         "smr-siting: error: unknown layer slot 'natura'. Did you mean 'natura2000'? Slots: {slots}."),
    Case("non-ascii", "Dutch diacritics in paths and layer names (valid)", c_non_ascii_names, 0, ""),
    Case("all-null-geometries", "a layer whose features all lack a geometry", c_all_null_geometries, 2,
         "smr-siting: error: layer 'natura2000' (nullgeom.gpkg) has no geometry: none of its 5 features has one. Use a "
         "layer with geometries, or disable the rule."),
    Case("nan-vertex", "a polygon with a NaN vertex", c_nan_vertex, 2,
         "smr-siting: error: layer 'natura2000' (nanvertex.gpkg): 1 feature(s) have coordinates that are not finite "
         "numbers or lie beyond 100,000 km. Repair or remove those features (QGIS: Vector › Geometry Tools › Check "
         "Validity)."),
    Case("extreme-coordinates", "a polygon with coordinates of 10^300 m", c_extreme_coordinates, 2,
         "smr-siting: error: layer 'natura2000' (extreme.gpkg): 1 feature(s) have coordinates that are not finite "
         "numbers or lie beyond 100,000 km. Repair or remove those features (QGIS: Vector › Geometry Tools › Check "
         "Validity)."),
    Case("raster-outside-netherlands", "a raster lying wholly outside the Netherlands", c_raster_outside_netherlands,
         2, "smr-siting: error: layer 'urban_areas' (far.tif) lies wholly outside the Netherlands (extent {extent} in "
            "EPSG:28992). Check its CRS: coordinates in degrees labelled as metres (or swapped axes) land far away."),
    Case("raster-multiband", "a raster with three bands", c_raster_multiband, 2,
         "smr-siting: error: layer 'urban_areas' (rgb.tif) has 3 bands; a raster rule reads one. Extract the band you "
         "mean (QGIS: Raster › Extraction; GDAL: gdal_translate -b N)."),
    Case("raster-engineering-crs", "a raster in a local engineering CRS", c_raster_engineering_crs, 2,
         "smr-siting: error: layer 'urban_areas' (local.tif): its coordinates cannot be transformed from 'site grid' to "
         "EPSG:28992. Check the raster's CRS (gdal_translate -a_srs EPSG:28992 ...)."),
    Case("decimal-comma", "a distance with a Dutch decimal comma (1,5 km)", c_decimal_comma, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} criteria[3] (river_channel).layers[0].one_of[1].distance: "
         "distance '1,5 km': "
         "the separators in '1,5' are ambiguous (a Dutch decimal comma or a thousands separator?). Write the decimal "
         "separator as a point and no thousands separators, like '3 km', '1.5 km' or '1500 m'."),
    Case("dotted-thousands", "a distance with a thousands point (1.500 m)", c_dotted_thousands, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line} criteria[3] (river_channel).layers[0].one_of[1].distance: "
         "distance '1.500 m': "
         "the separators in '1.500' are ambiguous (a Dutch decimal comma or a thousands separator?). Write the decimal "
         "separator as a point and no thousands separators, like '3 km', '1.5 km' or '1500 m'."),
    Case("nan-distance", "a NaN distance", c_nan_distance, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line}: '.nan' is not a finite number. Write a number like 500 (not .nan "
         "or .inf)."),
    Case("octal-number", "a number YAML reads as octal (0150)", c_octal_number, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line}: '0150' is read by YAML as an octal, hexadecimal or base-60 "
         "number. Write it without a leading zero or colon, like 500."),
    Case("yaml-bomb", "a profile of nested YAML aliases (a 'billion laughs')", c_yaml_bomb, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line}: the document expands to more than 100,000 values (YAML aliases "
         "that repeat aliases). Write the values out; a profile needs no nested aliases."),
    Case("list-as-key", "a list as a YAML key", c_list_as_key, 2,
         "smr-siting: error: {tmp}/mine.yaml:{line}: a key must be a name, not a list or mapping. Write 'name: value'."),
    Case("profile-is-a-device", "a profile that is a device (/dev/zero)", c_profile_is_a_device, 2,
         "smr-siting: error: /dev/zero is not a regular file. Name a .yaml file."),
    Case("long-name", "an output folder name of 256 bytes", c_long_name, 2,
         "smr-siting: error: the path '{path}' has a name of 256 bytes; file systems allow 255."),
    Case("newline-in-path", "a line break in the output path", c_newline_in_path, 2,
         "smr-siting: error: the path '{path}' contains a line break or another control character; rename it."),
    Case("output-is-an-input", "an output that is an input of the same run", c_output_is_an_input, 2,
         "smr-siting: error: the output {out}/candidate_areas.gpkg is also an input of this run "
         "({out}/candidate_areas.gpkg). Write the outputs to another folder."),
    Case("folder-where-a-file-goes", "a folder where an output file goes", c_folder_where_a_file_goes, 2,
         "smr-siting: error: {out}/exclusion.qml is a folder where smr-siting writes a file. Move or rename that "
         "folder, or choose another output folder."),
    Case("users-files-on-overwrite", "--overwrite with the user's own files in the folder", c_users_files_on_overwrite,
         2, "smr-siting: error: --overwrite would remove files that smr-siting did not write here, or that were "
            "changed since: {out}/ranking.json, {out}/sensitivity.csv. Move them out of the folder, or choose another "
            "output folder."),
    Case("extension-lies", "a GeoTIFF named .gpkg", c_extension_lies, 2,
         "smr-siting: error: cannot open {tmp}/really_a_tif.gpkg as a vector file ({detail}). Check that the file is a "
         "complete GeoPackage or shapefile (open it in QGIS)."),
    Case("region-of-points", "a region file holding a point", c_region_of_points, 2,
         "smr-siting: error: region file site.gpkg holds 1 Point; a region needs polygons. Give a polygon layer with "
         "the region's outline (a point or a line has no area; buffer it first if you mean the land around it)."),
    Case("new-nested-folders", "a failing run into new nested folders", c_new_nested_folders, 2,
         "smr-siting: error: unknown region 'Zutpen'. Did you mean 'Zutphen', 'Putten', 'Houten'? Give a province or "
         "municipality name or CBS code (PV25, GM0202), or a polygon file."),
]


def _sha(paths: list[Path]) -> dict[str, str]:
    out = {}
    for path in paths:
        if path.is_file():
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name longer than the file system allows
        return False


def _left_behind(folder: Path, existed: list[str] | None) -> list[str]:
    if not _is_dir(folder):
        return []
    return sorted(p.name for p in folder.iterdir()
                  if (p.name in OUTPUT_NAMES and p.name not in (existed or [])) or ".partial-" in p.name)


def _matches(template: str, line: str, env: Env) -> bool:
    pattern = re.escape(template.replace("{tmp}", str(env.tmp)).replace("{data}", str(env.data))
                        .replace("{out}", str(env.out)))
    for name in ("line", "count", "ha", "width", "height", "need", "avail"):
        pattern = pattern.replace(re.escape("{" + name + "}"), r"[0-9][0-9,.]*")
    for name in ("extent", "detail", "fields", "slots", "parent", "file", "files", "path"):
        pattern = pattern.replace(re.escape("{" + name + "}"), r".+")
    return re.fullmatch(pattern, line) is not None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, cli, shared_data, tmp_path) -> None:
    env = Env(tmp_path, shared_data, tmp_path / "out")
    extra = case.build(env)
    args = ["screen", "--region", "Zutphen", "--data", str(env.data), "--out", str(env.out), "--resolution", "250"]
    for i in range(0, len(extra), 2):  # options given by the case replace the defaults ("" after a flag: none)
        if extra[i] in args:
            args[args.index(extra[i]) + 1] = extra[i + 1]
        else:
            args += [a for a in extra[i:i + 2] if a]
    args[args.index("--out") + 1] = str(env.out)  # a case may change the output folder
    data_hashes = _sha([p for p in Path(shared_data).iterdir() if p.is_file()])
    before = _sha(env.inputs)
    existed = sorted(p.name for p in env.out.iterdir()) if _is_dir(env.out) else None
    tmp_before = sorted(p.name for p in env.tmp.iterdir())
    done = subprocess.run([*env.wrap, *cli, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env.extra_env})
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == case.code, done.stderr
    assert _sha(env.inputs) == before, "an input file changed"
    assert _sha([p for p in Path(shared_data).iterdir() if p.is_file()]) == data_hashes
    if case.code == 0:
        if case.message:
            assert any(_matches(case.message, line, env) for line in lines), "\n".join(lines)
        if not env.wrap:
            assert OUTPUT_NAMES <= {p.name for p in env.out.iterdir()}
    else:
        errors = [line for line in lines if not line.startswith("note:")]
        assert len(errors) == 1, done.stderr
        assert _matches(case.message, errors[0], env), f"\n{errors[0]}\n{case.message}"
        if _is_dir(env.out):
            now = sorted(p.name for p in env.out.iterdir())
            assert now == (existed or []), f"left behind: {now}"
        assert not _left_behind(env.out, existed)
        assert sorted(p.name for p in env.tmp.iterdir()) == tmp_before, "a folder or file was left in the parent"


def test_ctrl_c_on_the_cli_leaves_nothing(cli, shared_data, tmp_path) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen([*cli, "screen", "--region", "Gelderland", "--data", str(shared_data), "--out", str(out),
                                "--resolution", "25", "--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stderr is not None
    for line in process.stderr:
        if "analysis grid" in line:
            break
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "smr-siting: cancelled; no output was written."
    assert not out.exists() or list(out.iterdir()) == []


if __name__ == "__main__":  # print the case list (README's reliability section)
    for number, case in enumerate(CASES, start=1):
        outcome = "refused, exit 2" if case.code == 2 else "accepted with a notice, exit 0"
        print(f"| {number} | {case.what} | {outcome} |")
    sys.exit(0)
