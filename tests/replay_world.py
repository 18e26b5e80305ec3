"""The catalogue's services as the replay server plays them (see tests/replay_server.py).

Features are built from REAL geometry of the development data (``SMR_SHARED_DATA``, read in
place); attribute values the data does not have are made up and marked as such below:

- provinces / municipalities: CBS generalised 2022 outlines, renamed as BRK serves them
  (``identificatie`` 'GM0344' / 'PV21', ``code`` the bare number, ``ligt_in_provincie_*``);
- natura2000: RVO sites (real attributes);
- flood_risk_zones: two province outlines stand in for the two coarse national risk zones (made up);
- seveso_installations: power-plant points of powerplantmatching (the installation attributes are
  made up);
- BBG 2017 (built_up_areas, industrial_estates): 25 municipal outlines around Ede, ``categorie``
  and ``bodemgebruik`` made up, cycling through real BBG labels;
- population_grid_100m: 2,500 squares of 100 m (a 50 × 50 block centred on Ede; inhabitants
  made up); population_grid_500m: 100 squares of 500 m;
- surface_water: OSM sea and estuary polygons, ``typewater`` 'zee' (made up);
- hv_stations_tennet: OSM 2016 substations, ``SPANNINGSNIVEAU`` written from their voltage tags;
- population_centre_areas: discs around the CBS kern points (radius from inhabitants; made up
  outlines of real places).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
from replay_server import ArcgisService, OgcService, ReplayServer, WfsService, recorded_capabilities
from shapely.geometry import Point, box, mapping

from smr_siting.core.data.catalogue import Catalogue, load_catalogue

EDE = (174000.0, 450000.0)
BBG_LABELS = ["Woongebied", "Detailhandel en horeca", "Openbare voorziening", "Sociaal-culturele voorziening",
              "Bedrijfsterrein"]


def _features(gdf: gpd.GeoDataFrame) -> list[dict]:
    return json.loads(gdf.to_json(na="null"))["features"]


def _grid(size: float, n: int) -> list[dict]:
    x0, y0 = EDE[0] - size * n / 2, EDE[1] - size * n / 2
    out = []
    for i in range(n):
        for j in range(n):
            x, y = x0 + i * size, y0 + j * size
            code = f"E{int(x)}N{int(y)}"
            out.append({"type": "Feature", "id": code,
                        "properties": {f"crs28992res{int(size)}m": code, "aantalInwoners": (i * 7 + j * 3) % 40 - 1},
                        "geometry": mapping(box(x, y, x + size, y + size))})
    return out


def build(shared: Path) -> dict[str, list[dict]]:
    """Features per catalogue layer id (as the services name their attributes)."""
    boundaries = shared / "nl_gemeenten_2022_cbs_generalised.gpkg"
    municipalities = gpd.read_file(boundaries, layer="gemeenten_2022")
    provinces = gpd.read_file(boundaries, layer="provincies_dissolved_from_gemeenten_2022")
    brk_m = municipalities.rename(columns={"statnaam": "naam", "statcode": "identificatie",
                                           "prov_naam": "ligt_in_provincie_naam", "prov_code": "ligt_in_provincie_code"})
    brk_m["code"] = brk_m["identificatie"].str[2:]
    brk_m = brk_m[["identificatie", "code", "naam", "ligt_in_provincie_code", "ligt_in_provincie_naam", "geometry"]]
    brk_p = provinces.rename(columns={"prov_naam": "naam", "prov_code": "identificatie"})
    brk_p["code"] = brk_p["identificatie"].str[2:]
    brk_p = brk_p[["identificatie", "code", "naam", "geometry"]]
    natura = gpd.read_file(shared / "nl_natura2000.gpkg", layer="natura2000", bbox=(135000, 414000, 224000, 493000))
    flood = brk_p[brk_p["naam"].isin(["Flevoland", "Zuid-Holland"])].copy()
    flood["zoneType"] = "floodRiskZone"  # made up
    plants = gpd.read_file(shared / "nl_powerplants_ppm.gpkg").to_crs(28992)
    seveso = gpd.GeoDataFrame({"name": plants["Name"], "status": "functional"}, geometry=plants.geometry, crs=28992)
    near = municipalities.assign(d=municipalities.geometry.centroid.distance(Point(EDE))).sort_values("d").head(25)
    bbg = gpd.GeoDataFrame({"bg2017": range(1, 26), "categorie": [BBG_LABELS[i % 5] for i in range(25)],
                            "bodemgebruik": ["Bedrijfsterrein" if i % 5 == 4 else "Bebouwd exclusief bedrijfsterrein"
                                             for i in range(25)]}, geometry=near.geometry.values, crs=28992)
    water = gpd.read_file(shared / "nl_water_osm.gpkg", layer="sea_estuaries_simplified").to_crs(28992)
    water = water.assign(typewater="zee")[["typewater", "geometry"]]
    nodes = gpd.read_file(shared / "nl_hv_grid_osm2016_schematic.gpkg", layer="nodes")
    stations = nodes[nodes["typ"] == "substation"].copy()
    volts = stations["voltage"].fillna("").astype(str)
    stations["SPANNINGSNIVEAU"] = [" / ".join(f"{int(v) // 1000} kV" for v in text.split(";") if v.isdigit()) or None
                                   for text in volts]
    stations["STATIONID"] = [f"ST{i:04d}" for i in range(len(stations))]
    stations = stations[["STATIONID", "SPANNINGSNIVEAU", "name", "geometry"]]
    kernen = gpd.read_file(shared / "nl_cbs_bevolkingskernen2021_centroids.gpkg")
    kernen = kernen.to_crs(28992) if kernen.crs and kernen.crs.to_epsg() != 28992 else kernen
    discs = gpd.GeoDataFrame({"kern_naam": kernen["kern_naam"], "aantal_inwoners": kernen["aantal_inwoners_2021"]},
                             geometry=[g.buffer(max(300.0, math.sqrt(max(p or 0, 1)) * 8.0))
                                       for g, p in zip(kernen.geometry, kernen["aantal_inwoners_2021"])], crs=28992)
    return {"provinces": _features(brk_p), "municipalities": _features(brk_m), "natura2000": _features(natura),
            "flood_risk_zones": _features(flood), "seveso_installations": _features(seveso), "bbg": _features(bbg),
            "population_grid_100m": _grid(100.0, 50), "population_grid_500m": _grid(500.0, 10),
            "surface_water": _features(water), "hv_stations_tennet": _features(stations),
            "population_centre_areas": _features(discs)}


def mount_catalogue(replay: ReplayServer, features: dict[str, list[dict]], catalogue: Catalogue | None = None,
                    skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every fetchable catalogue entry's primary service, mounted where its catalogue URL is mirrored."""
    catalogue = catalogue or load_catalogue()
    services: dict[str, Any] = {}
    ogc: dict[str, OgcService] = {}
    wfs: dict[str, WfsService] = {}
    for layer_id, entry in sorted(catalogue.entries.items()):
        service = entry.service or {}
        if layer_id in skip or service.get("fetch", True) is False:
            continue
        kind, url = service.get("kind"), str(service.get("url", ""))
        data = features.get("bbg" if service.get("typename") == "bestandbodemgebruik:BBG2017" else layer_id, [])
        if kind == "ogc-api-features":
            target = ogc.get(url)
            if target is None:
                target = ogc[url] = OgcService({})
                replay.mount(url, target)
            target.collections[str(service["collection"])] = data
            services[layer_id] = target
        elif kind == "wfs" and url in wfs:
            services[layer_id] = wfs[url]  # BBG 2017 serves built_up_areas and industrial_estates
        elif kind == "wfs":
            typename = str(service["typename"])
            if typename == "bestandbodemgebruik:BBG2017":  # the recorded capabilities, as they are
                target = WfsService(typename, data, count_default=10, capabilities=recorded_capabilities())
            else:
                target = WfsService(typename, data, count_default=1000)
            replay.mount(url, target)
            wfs[url] = target
            services[layer_id] = target
        elif kind == "arcgis-featureserver":
            target = ArcgisService(data, ["STATIONID", "SPANNINGSNIVEAU", "name"], max_record_count=2000)
            replay.mount(url, target)
            services[layer_id] = target
    return services
