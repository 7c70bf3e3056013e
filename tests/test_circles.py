"""Door-to-door economic circles (issue 15): the trip model by hand, the Jilin done-when checks, scenarios,
borderline seats, names, the job's outputs, and another region."""

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from jilin_spatial import datasets, jilin
from jilin_spatial._errors import InputError
from jilin_spatial.circles import economic_circles, place_keys, resolve_place, run_scenario
from jilin_spatial.network import (add_line, connect_seats, door_to_door, graph_from_edges, great_circle_km,
                                   road_minutes)

_C = {}


def _G():
    if "G" not in _C:
        _C["G"] = jilin.rail_graph()
    return _C["G"]


def _kw():
    if "kw" not in _C:
        units, totals = jilin.circle_units()
        _C["kw"] = dict(units=units, totals=totals, places=jilin.place_table(), measure_crs=datasets.MEASURE_CRS)
    return _C["kw"]


def _jilin_circles():
    if "circ" not in _C:
        _C["circ"] = economic_circles(_G(), ["Changchun", "Jilin City"], minutes=[30, 60, 90], **_kw())
    return _C["circ"]


# ------------------------------------------------------------------ the trip model by hand

def _line_graph():
    """Three seats in a row 0.5 degrees apart, each with its own station 0.02 degrees north; one line S0-S1-S2."""
    e = pd.DataFrame({"from": ["S0", "S1"], "to": ["S1", "S2"], "rail_km": [90.0, 90.0],
                      "mode": ["conventional", "conventional"]})
    R = graph_from_edges(e)
    for i in range(3):
        R.nodes[f"S{i}"].update(lon=125.0 + 0.5 * i, lat=44.02)
    seats = pd.DataFrame({"adcode": ["a", "b", "c"], "level": "county", "lon": [125.0, 125.5, 126.0],
                          "lat": [44.0] * 3, "stations": ["S0", "S1", "S2"]})
    return R, seats


def test_access_and_egress_once_per_trip_hand():
    R, seats = _line_graph()
    H = connect_seats(R, seats, road="none", boarding_min=10, urban_speed_kph=20, detour=1.3)
    acc = great_circle_km({"lon": 125.0, "lat": 44.0}, {"lon": 125.0, "lat": 44.02}) * 1.3 / 20 * 60
    t = door_to_door(H, ["seat:a"], targets=["seat:c"]).iloc[0]
    # access at a, 10 min boarding, 2 x 60 min in the train (through b, no access there), egress at c
    np.testing.assert_allclose(t.travel_min, acc + 10 + 120 + acc, atol=1e-5)
    np.testing.assert_allclose([t.access_min, t.in_vehicle_min, t.egress_min], [acc, 120, acc], atol=1e-3)
    assert t["mode"] == "rail" and "S0→S2" in t.route


def test_road_always_an_alternative_and_the_faster_wins():
    R, seats = _line_graph()
    nb = {"a": ["b"], "b": ["a", "c"], "c": ["b"]}
    H = connect_seats(R, seats, neighbours=nb, road_speed_kph=80, urban_km=3, urban_speed_kph=25, detour=1.3)
    km = great_circle_km({"lon": 125.0, "lat": 44.0}, {"lon": 125.5, "lat": 44.0}) * 1.3
    road = road_minutes(km, urban_km=3, urban_speed_kph=25, road_speed_kph=80)
    assert road == pytest.approx(6 / 25 * 60 + (km - 6) / 80 * 60)
    t = door_to_door(H, ["seat:a"], targets=["seat:b", "seat:c"]).set_index("target")
    assert t.loc["seat:b", "mode"] == "road" and t.loc["seat:b", "travel_min"] == pytest.approx(road, abs=1e-5)
    # two road hops: the town ends are charged once, not at b
    km2 = great_circle_km({"lon": 125.5, "lat": 44.0}, {"lon": 126.0, "lat": 44.0}) * 1.3
    two = 6 / 25 * 60 + (km + km2 - 6) / 80 * 60
    assert t.loc["seat:c", "travel_min"] == pytest.approx(min(two, 999), rel=1e-6)


def test_a_line_of_stops_charges_access_once_not_per_stop():
    """The old scenario links added access at both ends of every link: a 3-stop line charged it 4 times."""
    R, seats = _line_graph()
    H0 = connect_seats(nx.Graph(), seats.assign(stations=""), road="none", boarding_min=0, access_min=15)
    H = add_line(H0, ["seat:a", "seat:b", "seat:c"], name="new", speed_kph=90, leg_km=[90, 90])
    t = door_to_door(H, ["seat:a"], targets=["seat:c"]).iloc[0]
    assert t.travel_min == pytest.approx(15 + 120 + 15, abs=1e-6)  # new stations: default access once each end


def test_no_search_limit_and_unreachable_only_when_disconnected():
    R, seats = _line_graph()
    H = connect_seats(R, seats.assign(stations=["S0", "S1", ""]), neighbours={"a": ["b"]}, road="all")
    t = door_to_door(H, ["seat:a"], targets=["seat:b", "seat:c"]).set_index("target")
    assert t.loc["seat:b", "reachable"] and not t.loc["seat:c", "reachable"] and np.isnan(t.loc["seat:c", "travel_min"])


# ------------------------------------------------------------------ Jilin: the done-when

def test_core_districts_follow_distance_under_30_and_differ():
    t = _jilin_circles().times
    cc = t[(t.centre == "Changchun") & t.adcode.isin(["220102", "220103", "220104", "220105", "220106"])]
    assert (cc.travel_min < 30).all() and cc.travel_min.nunique() == 5 and (cc["mode"] == "road").all()
    pts = datasets.load_county_seat_points().set_index("adcode")
    d = [great_circle_km(pts.loc["220100"], pts.loc[a]) for a in cc.adcode]
    assert pd.Series(d).corr(cc.travel_min.reset_index(drop=True), method="spearman") == pytest.approx(1.0)
    # not the access constant: no district is at 2 x 15 min
    assert not np.isclose(cc.travel_min, 30.0).any()


def test_named_counties_have_recognisable_times_and_routes():
    t = _jilin_circles().times.set_index(["centre", "adcode"])
    for code in ("220122", "220183", "220113", "220184"):  # Nong'an, Dehui, Jiutai, Gongzhuling
        row = t.loc[("Changchun", code)]
        assert 45 <= row.travel_min <= 90 and row.route and row["mode"] in ("road", "rail", "road+rail")
    # Changbai and Linjiang: finite minutes, not "unreachable"
    for code in ("220623", "220681"):
        assert t.loc[("Changchun", code), "reachable"] and np.isfinite(t.loc[("Changchun", code), "travel_min"])
    assert t.reachable.all()


def test_changchun_jilin_rail_time_against_the_cited_schedule():
    """Modelled in-vehicle minutes Changchun - Jilin (111 km, high-speed at 220 km/h) against the 29 min cited in
    docs/circles.md (Wikipedia, Changchun-Jilin intercity railway); tolerance 15 %."""
    t = door_to_door(_G(), ["长春"], targets=["吉林"]).iloc[0]
    assert t.in_vehicle_min == pytest.approx(29.0, rel=0.15)
    assert t.in_vehicle_min == pytest.approx(111 / 220 * 60, abs=1e-3)


def test_margin_and_borderline_by_hand():
    c = _jilin_circles()
    m = c.membership
    np.testing.assert_allclose(m.margin_min, m.travel_min - m.minutes)
    assert (m.inside == (m.travel_min <= m.minutes)).all()
    # borderline = membership differs between the fastest and slowest variant of the sweep
    assert (m.borderline == ((m.min_low <= m.minutes) != (m.min_high <= m.minutes))).all()
    assert (m.min_low <= m.travel_min + 1e-9).all() and (m.min_high >= m.travel_min - 1e-9).all()
    # the sweep: access +5 min at both ends and speeds -10 % can only slow a trip
    slow = door_to_door(_G(), ["seat:220100"], targets=["seat:220122"], routes=False, access_shift_min=5,
                        speed_factor=0.9).travel_min.item()
    row = c.times.set_index(["centre", "adcode"]).loc[("Changchun", "220122")]
    assert row.min_high == pytest.approx(slow) and slow > row.travel_min


def test_loop_scenario_per_county_with_borderline_marks():
    res = run_scenario(_G(), centres=["Changchun", "Jilin City"], minutes=[30, 60, 90],
                       masses=jilin.default_masses(), lines=[jilin.scenario("proposed-loop")], **_kw())
    ch = res["changes"]
    assert {"name_zh", "name_en", "travel_min_before", "travel_min_after", "minutes_change", "margin_min_after",
            "borderline_after", "route_after", "mode_after", "status"} <= set(ch.columns)
    assert (ch.minutes_change <= 1e-9).all()  # a new line never slows a trip
    nong = ch[(ch.centre == "Changchun") & (ch.adcode == "220122")].iloc[0]
    # access charged once: Changchun -> Nong'an on the loop = the components of one trip
    t = door_to_door(res["graph"], ["seat:220100"], targets=["seat:220122"]).iloc[0]
    parts = t[["road_min", "access_min", "boarding_min", "in_vehicle_min", "transfer_min", "egress_min"]].sum()
    assert t.travel_min == pytest.approx(parts, abs=1e-3) and t.route.count("access") == 1
    assert nong.travel_min_after == pytest.approx(t.travel_min, abs=1e-6) and "proposed-loop" in nong.route_after
    assert ch.borderline_after.any()


def test_place_names_resolve_to_one_thing():
    G, places = _G(), jilin.place_table()
    assert resolve_place("长春", places, G) == "seat:220100" == resolve_place("Changchun", places, G)
    assert resolve_place("220100", places, G) == "seat:220100"
    assert resolve_place("station:长春", places, G) == "长春"
    with pytest.raises(InputError, match=r"names 2 places: 220500 .*; 220521 .*Fix: write the id or the full name"):
        resolve_place("通化", places, G)
    with pytest.raises(InputError, match=r"station:<a station of the graph>.*did you mean \['station:长春"):
        resolve_place("station:长春东站", places, G)


def test_road_times_file_replaces_the_modelled_road():
    G = jilin.rail_graph(road_times=pd.DataFrame({"from": ["220100"], "to": ["220122"], "road_min": [41.0]}))
    t = door_to_door(G, ["seat:220100"], targets=["seat:220122"]).iloc[0]
    assert t.travel_min == pytest.approx(41.0, abs=1e-6) and t["mode"] == "road"
    assert G.edges["seat:220100", "seat:220122"]["source"] == "given"
    with pytest.raises(InputError, match="road_times: expected positive road_min"):
        jilin.rail_graph(road_times=pd.DataFrame({"from": ["220100"], "to": ["220122"], "road_min": [-1]}))


# ------------------------------------------------------------------ the job: map, layers, tables, summary

def test_scenario_job_writes_map_layers_tables(tmp_path):
    from jilin_spatial import cli

    out = tmp_path / "s"
    assert cli.main(["scenario", "--scenario", "proposed-loop", "--minutes", "60", "--out", str(out)]) == 0
    for f in ("map.html", "layers.gpkg", "summary.md", "tables/scenario_changes.csv", "tables/circle_membership.csv",
              "tables/scenario_ties_change.csv", "tables/seats.csv", "tables/parameters.csv"):
        assert (out / f).is_file(), f
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "cdn." not in html.lower() and "Borderline seats" in html and "before: Changchun 60 min" in html
    ch = pd.read_csv(out / "tables" / "scenario_changes.csv", dtype={"adcode": str})
    assert {"name_zh", "name_en", "travel_min_before", "travel_min_after", "minutes_change", "margin_min_before",
            "margin_min_after", "route_after", "mode_after"} <= set(ch.columns)
    ties = pd.read_csv(out / "tables" / "scenario_ties_change.csv")
    assert set(ties.distance_unit) == {"door_to_door_min"}
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "Kuancheng District (宽城区)" in md and "BORDERLINE" in md
    p = pd.read_csv(out / "tables" / "parameters.csv").set_index("parameter")
    assert float(p.loc["road_speed_kph", "value"]) == 80.0 and float(p.loc["boarding_min", "value"]) == 10.0


def test_another_region_from_files(tmp_path):
    """Circles on Ningxia (tests/data): seats and modelled roads only, no Jilin code involved."""
    from jilin_spatial import cli

    D = Path(__file__).parent / "data"
    out = tmp_path / "nx"
    assert cli.main(["circle", "--polygons", str(D / "ningxia_counties.gpkg"), "--id-col", "code", "--name-col", "name",
                     "--table", str(D / "ningxia_employment_2020.csv"), "--year", "2020",
                     "--seats", str(D / "ningxia_seats.csv"), "--from", "兴庆区", "--minutes", "60", "120",
                     "--out", str(out)]) == 0
    t = pd.read_csv(out / "tables" / "circle_times.csv", dtype={"adcode": str})
    assert t.reachable.all() and (t["mode"].fillna("none").isin(["road", "none"])).all()
    assert (out / "map.html").is_file()


def test_no_jilin_names_in_circle_code():
    root = Path(__file__).resolve().parents[1] / "jilin_spatial"
    for f in ("circles.py", "network.py"):
        text = (root / f).read_text(encoding="utf-8")
        for word in ("Jilin", "吉林", "Changchun", "长春", "2201", "2202"):
            assert word not in text, (f, word)


def test_place_keys_keep_shared_keys():
    u = pd.DataFrame({"adcode": ["1", "2"], "name_zh": ["甲市", "甲县"], "name_en": ["Jia City", "Jia County"]})
    k = place_keys(u)
    assert set(k[k.key == "Jia"].adcode) == {"1", "2"}
    with pytest.raises(InputError, match="names 2 places"):
        resolve_place("Jia", k)
