"""A region that is neither Jilin nor in the other tests runs the whole report from files.

Ningxia's 22 counties, from the national census tables (tests/data/README.md): polygons, wide employment
tables with the census sheets' Chinese headers for 2010 and 2020, population, seats and innovation
indicators, with counties aggregated to their prefectures.  Values are checked against hand computations on
the shipped CSVs (tolerance 1e-9 relative unless stated).
"""

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from jilin_spatial import cli
from jilin_spatial.errors import InputError
from jilin_spatial.regions import Region

D = Path(__file__).parent / "data"
FILES = dict(polygons=D / "ningxia_counties.gpkg", t2010=D / "ningxia_employment_2010.csv",
             t2020=D / "ningxia_employment_2020.csv", population=D / "ningxia_population_2020.csv",
             indicators=D / "ningxia_indicators_2020.csv", seats=D / "ningxia_seats.csv")


@pytest.fixture(scope="module")
def ningxia_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("nx") / "rep"
    argv = ["report", "--out", str(out), "--polygons", str(FILES["polygons"]), "--id-col", "code",
            "--name-col", "name", "--table", str(FILES["t2010"]), str(FILES["t2020"]), "--year", "2010", "2020",
            "--population", str(FILES["population"]), "--indicators", str(FILES["indicators"]),
            "--seats", str(FILES["seats"]), "--centre", "兴庆区", "--parent-col", "parent_code",
            "--parent-level", "prefecture", "--unit-level", "county", "--name", "Ningxia"]
    assert cli.main(argv) == 0
    return out


def test_outputs_are_the_jilin_reports(ningxia_report):
    out = ningxia_report
    layers = dict(pyogrio.list_layers(out / "layers.gpkg"))
    assert {"counties", "prefectures", "county_concentration", "county_lisa", "ties", "circles"} <= set(layers)
    for f in ("moran.csv", "lisa.csv", "gravity_ties.csv", "coagglomeration.csv", "location_quotients.csv",
              "coupling_coordination.csv", "circles.csv"):
        assert (out / "tables" / f).is_file(), f
    assert (out / "map.html").stat().st_size > 100_000
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == [
        "county_lq_producer_services_2020.png", "prefecture_lq_producer_services_2020.png"]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("# jilin_spatial report: Ningxia")
    assert "- coupling (prefecture): needs an indicator table and system (--indicators)." in summary
    assert pyogrio.read_info(out / "layers.gpkg", layer="counties")["features"] == 22
    assert pyogrio.read_info(out / "layers.gpkg", layer="prefectures")["features"] == 5


def test_lq_from_chinese_census_headers_by_hand(ningxia_report):
    t = pd.read_csv(FILES["t2020"], dtype={"code": str}).set_index("code").drop(columns="name")
    exp = (t["制造业"] / t.sum(axis=1)) / (t["制造业"].sum() / t.values.sum())
    lq = pd.read_csv(ningxia_report / "tables" / "location_quotients.csv", dtype={"code": str})
    assert lq.columns[0] == "code"  # the caller's id name
    got = lq[(lq.level == "county") & (lq.year == 2020) & (lq.sector == "C_manuf") & (lq.denominator == "all")]
    got = got.set_index("code").lq.reindex(exp.index)
    np.testing.assert_allclose(got.to_numpy(float), exp.to_numpy(float), rtol=1e-9)
    # 2010's garbled census header "仓储和邮政业" is transport (G_transport), mapped by position in the sheet
    t10 = pd.read_csv(FILES["t2010"], dtype={"code": str}).set_index("code")
    e = pd.read_csv(ningxia_report / "tables" / "employment.csv", dtype={"code": str})
    v = e[(e.level == "county") & (e.year == 2010) & (e.sector == "G_transport")].set_index("code").value
    assert v["640104"] == t10.loc["640104", "仓储和邮政业"]


def test_moran_by_hand_on_the_shipped_polygons(ningxia_report):
    from libpysal.weights import Queen

    g = gpd.read_file(FILES["polygons"]).sort_values("code").reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = Queen.from_dataframe(g, use_index=False)
    B = np.asarray(q.full()[0])
    W = B / B.sum(1, keepdims=True)
    lq = pd.read_csv(ningxia_report / "tables" / "location_quotients.csv", dtype={"code": str})
    y = lq[(lq.level == "county") & (lq.year == 2020) & (lq.sector == "manufacturing") & (lq.denominator == "all")]
    y = y.set_index("code").lq.reindex(g.code).to_numpy(float)
    z = y - y.mean()
    expected = len(y) / W.sum() * (z @ W @ z) / (z @ z)
    m = pd.read_csv(ningxia_report / "tables" / "moran.csv")
    row = m[(m.level == "county") & (m.metric == "lq_manufacturing") & (m.year == 2020)].iloc[0]
    assert row.I == pytest.approx(expected, rel=1e-9) and row.permutations == "9999"


def test_gravity_on_population_and_great_circle_km_by_hand(ningxia_report):
    from pyproj import Geod

    ties = pd.read_csv(ningxia_report / "tables" / "gravity_ties.csv", dtype={"from_code": str, "to_code": str})
    assert set(ties.distance_unit) == {"great_circle_km"}
    pop = pd.read_csv(FILES["population"], dtype={"code": str}).set_index("code").population
    seats = pd.read_csv(FILES["seats"], dtype={"code": str}).set_index("code")
    top = ties.sort_values("R", ascending=False).iloc[0]
    a, b = seats.loc[top.from_code], seats.loc[top.to_code]
    km = Geod(ellps="WGS84").inv(a.lon, a.lat, b.lon, b.lat)[2] / 1000
    assert top.distance == pytest.approx(km, rel=1e-9)
    assert top.R == pytest.approx(pop[top.from_code] * pop[top.to_code] / km ** 2, rel=1e-9)  # P = G = population
    summary = (ningxia_report / "summary.md").read_text(encoding="utf-8")
    assert "population (2020) as both masses (no GDP given)" in summary and "great-circle km between seat points" in summary


def test_circle_around_a_ningxia_centre(ningxia_report):
    c = pd.read_csv(ningxia_report / "tables" / "circles.csv")
    assert set(c.centre) == {"兴庆区"} and sorted(c.minutes) == [30.0, 60.0, 90.0]
    assert c.n_counties.is_monotonic_increasing and (c.population_share <= 1).all()
    pop = pd.read_csv(FILES["population"], dtype={"code": str}).set_index("code").population
    ninety = c[c.minutes == 90].iloc[0]
    ids = ninety.counties.split(";")
    assert ninety.population == pytest.approx(pop[ids].sum()) and "640104" in ids


def test_place_names_resolve_within_the_region():
    r = Region.from_files(FILES["polygons"], id_col="code", name_col="name", table=FILES["t2020"], year=2020)
    assert r.resolve("兴庆区") == "640104" and r.resolve("兴庆") == "640104"
    with pytest.raises(InputError, match=r"centre: expected an id or a place name of ningxia_counties \(unit\), "
                                         r"got '长春'"):
        r.resolve("长春")
    with pytest.raises(InputError, match=r"centre: .* got '210100'"):
        r.resolve("210100")


def test_unrecognised_headers_are_listed(tmp_path):
    t = pd.read_csv(FILES["t2020"], dtype={"code": str}).rename(columns={"金融业": "金融行业XX", "教育": "edu?"})
    t.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InputError, match=r"table: expected census section names, GB/T 4754 letters or sector keys, "
                                         r"got 2 unrecognised: \['金融行业XX', 'edu\?'\]"):
        Region.from_files(FILES["polygons"], id_col="code", name_col="name", table=tmp_path / "t.csv", year=2020)


def test_aggregate_sums_counties_to_prefectures():
    r = Region.from_files(FILES["polygons"], id_col="code", name_col="name", table=FILES["t2020"], year=2020,
                          parent_col="parent_code", level="county")
    p = r.aggregate("prefecture")
    t = pd.read_csv(FILES["t2020"], dtype={"code": str})
    parent = gpd.read_file(FILES["polygons"]).set_index("code").parent_code
    exp = t.assign(p=t.code.map(parent)).groupby("p")["制造业"].sum()
    got = p.employment[p.employment.sector == "C_manuf"].set_index("adcode").value
    assert got.reindex(exp.index).tolist() == exp.tolist() and len(p.units) == 5
    assert math.isclose(p.units.to_crs(p.measure_crs).area.sum(), r.units.to_crs(r.measure_crs).area.sum(),
                        rel_tol=1e-6)


def test_a_code_from_another_province_gets_no_near_miss_suggestion():
    r = Region.jilin("prefecture")
    with pytest.raises(InputError, match=r"centre: expected an id or a place name of Jilin Province \(prefecture\), "
                                         r"got '210100'. Fix: no unit of Jilin Province \(prefecture\) has that id"):
        r.resolve("210100")  # Shenyang: before, "did you mean 220100" (Changchun)


def test_user_region_graph_takes_every_door_to_door_parameter():
    r = Region.from_files(FILES["polygons"], id_col="code", name_col="name", table=FILES["t2020"], year=2020,
                          seats=FILES["seats"])
    slow = r.transport_graph(road_speed_kph=40.0, urban_speed_kph=10.0)
    fast = r.transport_graph(road_speed_kph=80.0, urban_speed_kph=20.0)
    from jilin_spatial.network import door_to_door

    a = door_to_door(slow, ["seat:640104"], targets=["seat:640105"]).set_index("target").travel_min
    b = door_to_door(fast, ["seat:640104"], targets=["seat:640105"]).set_index("target").travel_min
    assert a["seat:640105"] == pytest.approx(2 * b["seat:640105"], rel=1e-9)  # every leg is a road leg: time ~ 1/speed
    assert slow.graph["road_speed_kph"] == 40.0
