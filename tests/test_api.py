"""The notebook API (smr_siting.core.api): docs/notebook.md runs as written, ``Screening.write`` gives the files
``smr-siting screen`` gives, in-memory layers give the results of the same layers as files, and
``ProfileBuilder`` gives the profile (and the messages) of the equivalent YAML.  Demo pack, small regions."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from smr_siting.cli import main
from smr_siting.core.model.errors import OutputError, ProfileError, SmrSitingError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebook.md"
REGION = "Zutphen"  # a Gelderland municipality inside the demo pack: quick
RES = 100


def _cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    assert code == 0, err.getvalue()
    return out.getvalue()


def _strip_positions(obj):  # noqa: ANN001, ANN202 - any parsed profile part
    """A profile's dataclasses as nested tuples, without line numbers, path and text (where it came from)."""
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: _strip_positions(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        for key in ("line", "path", "text"):
            fields.pop(key, None)
        return type(obj).__name__, tuple(sorted(fields.items()))
    if isinstance(obj, (list, tuple)):
        return tuple(_strip_positions(o) for o in obj)
    if isinstance(obj, dict):
        return tuple(sorted((k, _strip_positions(v)) for k, v in obj.items()))
    return obj


@pytest.fixture(scope="module")
def api():  # noqa: ANN201
    from smr_siting.core import api

    return api


@pytest.fixture(scope="module")
def zutphen(demo_data, api):  # noqa: ANN001, ANN201
    screening = api.Screening(region=REGION, data=demo_data, resolution=RES)
    yield screening
    screening.close()


# --------------------------------------------------------------------------- docs/notebook.md


def notebook_blocks(text: str) -> list[str]:
    """The ```python blocks of a markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def test_the_notebook_walk_through_runs_as_written(demo_data, tmp_path, monkeypatch) -> None:
    blocks = notebook_blocks(NOTEBOOK.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    joined = "\n".join(blocks)
    for step in ("Screening(", ".table", ".candidates", ".rank(", ".sensitivity(", ".write(", "ProfileBuilder("):
        assert step in joined, step
    (tmp_path / "demo").symlink_to(ROOT / "demo", target_is_directory=True)  # "demo/data" as from the root
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "notebook"}
    for i, block in enumerate(blocks, 1):
        exec(compile(block, f"{NOTEBOOK.name} block {i}", "exec"), namespace)  # noqa: S102 - our own docs
    out = tmp_path / "out" / "gelderland"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["region"]["name"] == "Gelderland" and summary["grid"]["resolution_m"] == 250
    assert summary["candidates"]["count"] == len(namespace["candidates"]) > 0
    assert (namespace["ranked"]["status"] == "ranked").sum() == len(namespace["stability"].table) > 0
    assert list(namespace["stability"].sweeps["parameter"]) == ["baseline", "river_channel", "river_channel"]
    # the edited Natura 2000 layer (no Veluwe) excludes less than the demo pack's
    full = namespace["table"].set_index("id").loc["natura2000", "km2_alone"]
    assert namespace["edited"].table.set_index("id").loc["natura2000", "km2_alone"] < full
    assert namespace["mine"].profile.path == "my-profile (ProfileBuilder)"


# --------------------------------------------------------------------------- the same as the command line


def test_write_gives_the_files_of_the_command_line(demo_data, api, tmp_path) -> None:
    cli_out, api_out = tmp_path / "cli", tmp_path / "api"
    _cli("screen", "--region", REGION, "--data", str(demo_data), "--out", str(cli_out), "--resolution", str(RES),
         "--vector", "-q")
    with api.Screening(region=REGION, data=demo_data, resolution=RES, vector=True) as screening:
        written = screening.write(api_out)
        assert {p.name for p in written.values()} <= {p.name for p in api_out.iterdir()}
        names = sorted(p.name for p in cli_out.iterdir())
        assert names == sorted(p.name for p in api_out.iterdir())
        for name in names:
            if name != "manifest.json":
                assert (cli_out / name).read_bytes() == (api_out / name).read_bytes(), name
        a, b = (json.loads((p / "manifest.json").read_text(encoding="utf-8")) for p in (cli_out, api_out))
        for key in set(a) | set(b):  # the run's times and the seal over them differ; the parameters as given
            if key not in ("run", "content_sha256", "parameters"):
                assert a.get(key) == b.get(key), key
        assert {k: v for k, v in a["parameters"].items() if k != "as_given"} == \
            {k: v for k, v in b["parameters"].items() if k != "as_given"}

        # a second write is refused as on the command line, and --overwrite replaces
        with pytest.raises(OutputError):
            screening.write(api_out)
        screening.write(api_out, overwrite=True)

        # rank: the command line's ranked sites on the command line's folder
        _cli("rank", "--run", str(cli_out), "-q")
        ranked = screening.rank()
        expected = gpd.read_file(cli_out / "ranked_sites.gpkg", layer="ranked_sites")
        pd.testing.assert_frame_equal(pd.DataFrame(ranked.drop(columns="geometry")),
                                      pd.DataFrame(expected.drop(columns="geometry")))
        assert list(ranked.geometry.to_wkb()) == list(expected.geometry.to_wkb())
        assert ranked.attrs["ranking"] == json.loads((cli_out / "ranking.json").read_text(encoding="utf-8"))
        # sensitivity: the command line's sensitivity.csv
        _cli("sensitivity", "--run", str(cli_out), "--samples", "40", "--seed", "3", "-q")
        stability = screening.sensitivity(samples=40, seed=3)
        pd.testing.assert_frame_equal(stability.table, pd.read_csv(cli_out / "sensitivity.csv"))
        assert stability.sweeps is None
        with pytest.raises(SmrSitingError, match="outside 1 .. 1,000,000"):
            screening.sensitivity(samples=0)
    # the command line works on the folder the API wrote
    _cli("verify", str(api_out), "-q")


def test_results_are_the_engines(zutphen, demo_data, tmp_path) -> None:
    summary = json.loads(zutphen.write(tmp_path / "out")["summary_json"].read_text(encoding="utf-8"))
    assert zutphen.table.to_dict("records") == summary["rules"]
    assert zutphen.totals == summary["totals"]
    assert len(zutphen.candidates) == summary["candidates"]["count"]
    exclusion = zutphen.exclusion
    import rasterio

    with rasterio.open(tmp_path / "out" / "exclusion.tif") as tif:
        assert np.array_equal(tif.read(1), exclusion.values)
        assert tif.transform == exclusion.transform and tif.crs.to_string() == exclusion.crs
        assert tif.nodata == exclusion.nodata
    assert exclusion.legend == json.loads((tmp_path / "out" / "exclusion.rules.json").read_text(encoding="utf-8"))
    natura = exclusion.rule_mask("natura2000")
    km2 = natura.sum() * (RES / 1000) ** 2
    assert km2 == pytest.approx(zutphen.table.set_index("id").loc["natura2000", "km2_alone"], abs=1e-6)
    with pytest.raises(SmrSitingError, match="no rule 'natura200'"):
        exclusion.rule_mask("natura200")
    assert zutphen.exclusion is exclusion  # computed once


def test_to_xarray_with_and_without_xarray(zutphen, monkeypatch) -> None:
    exclusion = zutphen.exclusion
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "xarray", None)  # as if not installed
        with pytest.raises(ImportError, match=r"needs xarray, which is not installed.*\.values with \.transform"):
            exclusion.to_xarray()
    pytest.importorskip("xarray")
    array = exclusion.to_xarray()
    assert array.dims == ("y", "x") and np.array_equal(array.values, exclusion.values)
    t = exclusion.transform
    assert array.x.values[0] == t.c + t.a / 2 and array.y.values[0] == t.f + t.e / 2
    assert array.attrs["crs"] == "EPSG:28992" and json.loads(array.attrs["legend"]) == exclusion.legend


# --------------------------------------------------------------------------- in-memory layers


def test_a_geodataframe_layer_gives_the_exclusion_of_the_same_layer_as_a_file(zutphen, demo_data, api) -> None:
    path = demo_data / "nl_natura2000.gpkg"
    frame = gpd.read_file(path, layer="natura2000")
    screening = api.Screening(region=REGION, data=demo_data, resolution=RES, layers={"natura2000": frame})
    try:
        as_file = api.Screening(region=REGION, data=demo_data, resolution=RES, layers={"natura2000": str(path)})
        assert np.array_equal(screening.exclusion.values, as_file.exclusion.values)
        assert np.array_equal(screening.exclusion.values, zutphen.exclusion.values)  # and as the data folder's
        pd.testing.assert_frame_equal(screening.table, as_file.table)
        used = screening.request.layers["natura2000"]
        assert used.path.suffix == ".gpkg" and used.path.is_file() and used.layer == "natura2000"
        assert screening.request.parameters()["layers"]["natura2000"]["path"] == str(used.path)
        assert used.label == "natura2000 (GeoDataFrame)"  # what messages call it
    finally:
        screening.close()
    assert not used.path.exists() and not used.path.parent.parent.exists()  # the private folder is gone


def test_a_rasterio_dataset_layer_gives_the_exclusion_of_the_same_raster_as_a_file(demo_data, api, tmp_path) -> None:
    import rasterio
    from affine import Affine
    from rasterio.io import MemoryFile

    values = (np.arange(60 * 80).reshape(60, 80) % 997).astype("float32")
    values[:5, :] = -1.0
    profile = {"driver": "GTiff", "width": 80, "height": 60, "count": 1, "dtype": "float32", "crs": "EPSG:28992",
               "transform": Affine(250.0, 0.0, 195_000.0, 0.0, -250.0, 470_000.0), "nodata": -1.0}
    path = tmp_path / "density.tif"
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
    rules = api.ProfileBuilder(name="dense", resolution="100 m", footprint="5 ha").rule(
        "raster_threshold", "urban_areas", id="dense", threshold={"op": ">", "value": 500, "unit": "per km2"},
        nodata="exclude")
    results = []
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(values, 1)
        with memory.open() as dataset:
            for layer in (dataset, str(path)):
                with api.Screening(region=REGION, profile=rules, data=demo_data, layers={"urban_areas": layer}) as s:
                    results.append(s.exclusion.values)
                    if layer is dataset:
                        written = s.request.layers["urban_areas"].path
                        assert written.suffix == ".tif" and written != path and written.is_file()
    assert np.array_equal(results[0], results[1])
    assert 0 < np.count_nonzero(results[0] == 1) < np.count_nonzero(results[0] != 255)
    with rasterio.open(path) as opened, api.Screening(region=REGION, profile=rules, data=demo_data,
                                                      layers={"urban_areas": opened}) as s:
        assert s.request.layers["urban_areas"].path == path  # a dataset read from a file: that file


def test_unusable_inputs_are_refused_with_a_fix(demo_data, api) -> None:
    with pytest.raises(SmrSitingError, match="layer 'natura2000' cannot be a int. Give a file path"):
        api.Screening(region=REGION, data=demo_data, layers={"natura2000": 42})
    with pytest.raises(SmrSitingError, match="a profile cannot be a dict"):
        api.Screening(region=REGION, data=demo_data, profile={"name": "x"})
    with pytest.raises(ProfileError, match="resolution"):
        api.Screening(region=REGION, data=demo_data, resolution="100")


def test_a_geodataframe_region(demo_data, api, zutphen) -> None:
    municipalities = gpd.read_file(demo_data / "nl_gemeenten_2022_cbs_generalised.gpkg", layer="gemeenten_2022")
    outline = municipalities[municipalities["statnaam"] == REGION]
    with api.Screening(region=outline, data=demo_data, resolution=RES) as screening:
        assert screening.result.region.kind == "polygon file"
        assert np.array_equal(screening.exclusion.values, zutphen.exclusion.values)


# --------------------------------------------------------------------------- ProfileBuilder


EQUIVALENT_YAML = """\
name: my-profile
resolution: 100 m
footprint: {area: 5 ha, shape: square}
criteria:
  - id: outside_netherlands
    kind: zone_membership
    mode: inside
    group: coverage
    layers: [municipalities]
  - id: natura2000
    kind: exclude_inside
    title: Natura 2000 and 250 m around it
    layers:
      - layer: natura2000
        buffer: 250 m
  - id: rivers
    kind: exclude_within
    layers:
      - {layer: rivers_major, distance: 1 km}
  - id: grid
    kind: require_within
    layers:
      - layer: hv_substations_entsoe
        where:
          - {field: tag_country, op: "==", value: NL}
        distance: 10 km
"""


def _builder(api):  # noqa: ANN001, ANN202
    return (api.ProfileBuilder(name="my-profile", resolution="100 m", footprint="5 ha")
            .rule("zone_membership", "municipalities", id="outside_netherlands", mode="inside", group="coverage")
            .exclude_inside("natura2000", buffer="250 m", title="Natura 2000 and 250 m around it")
            .exclude_within("rivers_major", distance="1 km", id="rivers")
            .require_within(["hv_substations_entsoe"], distance="10 km", id="grid",
                            where=[("tag_country", "==", "NL")]))


def test_the_builder_gives_the_profile_and_the_result_of_the_equivalent_yaml(demo_data, api, tmp_path) -> None:
    from smr_siting.core.data.catalogue import load_catalogue
    from smr_siting.core.rules import parse_profile

    builder = _builder(api)
    built = builder.build()
    assert _strip_positions(built) == _strip_positions(parse_profile(EQUIVALENT_YAML, "mine.yaml",
                                                                     load_catalogue().ids))
    assert built.path == "my-profile (ProfileBuilder)" and built.text == builder.to_yaml()
    yaml_file = tmp_path / "mine.yaml"
    yaml_file.write_text(EQUIVALENT_YAML, encoding="utf-8")
    with api.Screening(region=REGION, profile=builder, data=demo_data) as from_code, \
            api.Screening(region=REGION, profile=str(yaml_file), data=demo_data) as from_yaml:
        assert np.array_equal(from_code.exclusion.values, from_yaml.exclusion.values)
        pd.testing.assert_frame_equal(from_code.table, from_yaml.table)
        written = from_code.write(tmp_path / "out")
        manifest = json.loads(written["manifest"].read_text(encoding="utf-8"))
        assert manifest["profile"]["text"] == builder.to_yaml()
        assert manifest["parameters"]["profile"] == "my-profile (ProfileBuilder)"
    # the command line reruns the folder from the recorded profile text
    _cli("verify", str(tmp_path / "out"), "-q")


@pytest.mark.parametrize("build, typo_yaml", [
    (lambda b: b.exclude_inside("natura2000", bufer="250 m"),
     "  - id: natura2000\n    kind: exclude_inside\n    layers:\n      - {layer: natura2000, bufer: 250 m}\n"),
    (lambda b: b.exclude_inside("natura2000", titel="Nature"),
     "  - id: natura2000\n    kind: exclude_inside\n    titel: Nature\n    layers: [natura2000]\n"),
    (lambda b: b.exclude_within("rivers_major", distance="1 kn"),
     "  - id: rivers_major\n    kind: exclude_within\n    layers:\n      - {layer: rivers_major, distance: 1 kn}\n"),
    (lambda b: b.exclude_inside("natura200"),
     "  - id: natura200\n    kind: exclude_inside\n    layers: [natura200]\n"),
    (lambda b: b.rule("exclude_insdie", "natura2000"),
     "  - id: natura2000\n    kind: exclude_insdie\n    layers: [natura2000]\n"),
], ids=["layer-key", "rule-key", "unit", "layer-id", "kind"])
def test_a_typo_in_the_builder_gets_the_parsers_message(api, build, typo_yaml) -> None:
    from smr_siting.core.data.catalogue import load_catalogue
    from smr_siting.core.rules import parse_profile

    with pytest.raises(ProfileError) as from_code:
        build(api.ProfileBuilder(name="typo")).build()
    with pytest.raises(ProfileError) as from_yaml:
        parse_profile("name: typo\nfootprint: {area: 10 ha}\ncriteria:\n" + typo_yaml, "typo.yaml",
                      load_catalogue().ids)
    assert (from_code.value.problem, from_code.value.fix) == (from_yaml.value.problem, from_yaml.value.fix)
    assert from_code.value.where.startswith("typo (ProfileBuilder):")
    assert from_code.value.where.split(" ", 2)[-1] == from_yaml.value.where.split(" ", 1)[-1]  # the same key
    with pytest.raises(ProfileError):  # and the Screening refuses it at once, before any work
        api.Screening(region=REGION, profile=build(api.ProfileBuilder(name="typo")))


def test_from_profile_gives_each_built_in_profile_back(api) -> None:
    from smr_siting.core.config.profile import builtin_profiles
    from smr_siting.core.rules import load_profile

    for name in builtin_profiles():
        assert _strip_positions(api.ProfileBuilder.from_profile(name).build()) == \
            _strip_positions(load_profile(name)), name
    builder = api.ProfileBuilder.from_profile("nl-default").drop("natura2000")
    assert "natura2000" not in [c.id for c in builder.build().criteria]
    with pytest.raises(SmrSitingError, match="no rule 'natura2000'.*Rules: outside_netherlands"):
        builder.drop("natura2000")
    assert builder.build().scoring is not None


# --------------------------------------------------------------------------- the package


def test_the_package_serves_the_api_lazily() -> None:
    code = ("import sys, smr_siting\n"
            "assert 'smr_siting.core.api' not in sys.modules and 'geopandas' not in sys.modules, sorted(sys.modules)\n"
            "from smr_siting import Screening, ProfileBuilder\n"
            "from smr_siting.core.api import Screening as S\n"
            "assert Screening is S and 'qgis' not in sys.modules\n"
            "try:\n    smr_siting.Nothing\nexcept AttributeError as e:\n    assert 'Nothing' in str(e)\n"
            "else:\n    raise SystemExit('no AttributeError')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr
