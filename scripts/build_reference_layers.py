#!/usr/bin/env python3
"""Build the small reference layers shipped in layers/reference/ from ../shared/data/nl.

hyperscale_zones.gpkg: the FALLBACK geometry of the hyperscale-datacentre zones of Bkl
art. 5.161bb — the whole municipalities of Hollands Kroon (GM1911) and Het Hogeland (GM1966),
from the CBS generalised municipal boundaries of 2022.  The official zones are parts of these
municipalities (Agriport Middenmeer; the Oostpolder by the Eemshaven); every output that uses
this layer says so.

Usage: scripts/build_reference_layers.py [--source ../shared/data/nl] [--out layers/reference]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import geopandas as gpd

ZONES = {"GM1911": "Hollands Kroon (Agriport, Middenmeer)", "GM1966": "Het Hogeland (Oostpolder, Eemshaven)"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--source", type=Path, default=root.parent / "shared" / "data" / "nl")
    parser.add_argument("--out", type=Path, default=root / "layers" / "reference")
    args = parser.parse_args()
    src = args.source / "nl_gemeenten_2022_cbs_generalised.gpkg"
    if not src.exists():
        print(f"error: {src} not found; pass --source DIR", file=sys.stderr)
        return 2
    gdf = gpd.read_file(src, layer="gemeenten_2022")
    zones = gdf[gdf["statcode"].isin(ZONES)].sort_values("statcode")
    out = gpd.GeoDataFrame({
        "zone": [ZONES[c] for c in zones["statcode"]],
        "municipality": zones["statnaam"].values,
        "statcode": zones["statcode"].values,
        "legal_basis": "Bkl art. 5.161bb (Stb. 2023-492), in force 2024-01-01",
        "geometry_status": "FALLBACK: whole municipality, not the official GIO of Bkl art. 5.161bb",
        "source": "CBS gemeente_gegeneraliseerd 2022 via PDOK (nl_gemeenten_2022_cbs_generalised.gpkg)",
    }, geometry=list(zones.geometry.values), crs=zones.crs)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "hyperscale_zones.gpkg"
    tmp = target.with_name(".hyperscale_zones.partial.gpkg")
    os.environ["OGR_CURRENT_DATE"] = "2000-01-01T00:00:00.000Z"
    if tmp.exists():
        tmp.unlink()
    out.to_file(tmp, layer="hyperscale_zones", driver="GPKG")
    os.replace(tmp, target)
    print(f"wrote {target} ({len(out)} zones)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
