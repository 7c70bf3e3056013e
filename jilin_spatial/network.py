"""Transport network: rail graph from km posts, seat connectors, a modelled road
layer, and bulk shortest paths (``methods.md`` §3, §5).

* Rail edges join consecutive stations of a line; ``rail_km`` is the
  difference of tariff km posts (2021-12).  Parallel edges between the same
  two stations keep the shorter km and the faster time (both recorded).
* ``travel_min`` = rail_km / speed(mode) * 60, with commercial speeds per
  mode as parameters (high-speed 220 km/h, conventional 90 km/h by default),
  or a per-edge timetable override.
* Seats (nodes ``seat:<adcode>``) connect to their stations with
  ``access_min`` each way.  Stations are matched to a seat by name: the
  district's prefecture station, or a station named like the county (plus an
  optional 东/西/南/北 suffix, :func:`match_stations`); a region's recipe may
  override it (the Jilin recipe's ``seat_station_table``).
* Seats without a station get a *modelled* road layer to the seats of
  adjacent units (:func:`connect_seats`): great-circle distance between representative points
  times ``detour`` at ``road_speed_kph``.

Every modelled element (connectors, roads, seat locations at representative
points) carries ``modelled=True``.  Shortest paths use scipy
``csgraph.dijkstra`` on a cached CSR matrix; unreachable pairs are reported
as unreachable (NaN), never as 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError

__all__ = ["DEFAULT_SPEEDS_KPH", "great_circle_km", "pair_matrix", "graph_from_km_posts", "graph_from_edges",
           "match_stations", "station_stem", "connect_seats", "travel_times", "seat_matrix", "add_links", "node_for",
           "great_circle_matrix"]

DEFAULT_SPEEDS_KPH = {"high-speed": 220.0, "conventional": 90.0}
_SUFFIX = ("", "东", "西", "南", "北")
_STEM = re.compile(r"(朝鲜族自治州|朝鲜族自治县|满族自治县|蒙古族自治县|自治县|市|县|区)$")


def _speed(mode, speeds):
    if mode not in speeds:
        raise InputError("speeds_kph", f"a speed for mode {mode!r}", f"modes {sorted(speeds)}",
                         "add the mode to speeds_kph")
    return speeds[mode]


def _check_speeds(speeds):
    """Every speed a finite positive number of km/h (inf would make every edge of its mode take 0 min)."""
    for m, v in speeds.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not (
                np.isfinite(v) and v > 0):
            raise InputError("speeds_kph", "positive speeds in km/h", f"{m}: {v!r}",
                             "give each mode a finite number above 0, e.g. {'high-speed': 220}")


def _speeds(speeds_kph, base=None) -> dict:
    """``base`` (default :data:`DEFAULT_SPEEDS_KPH`) updated with the caller's speeds, validated."""
    if speeds_kph is not None and not isinstance(speeds_kph, Mapping):
        raise InputTypeError("speeds_kph", "a dict mode -> speed in km/h", type(speeds_kph).__name__,
                             "e.g. speeds_kph={'high-speed': 220, 'conventional': 90}")
    speeds = {**(DEFAULT_SPEEDS_KPH if base is None else base), **(speeds_kph or {})}
    _check_speeds(speeds)
    return {m: float(v) for m, v in speeds.items()}


def great_circle_km(a: dict, b: dict) -> float:
    """Great-circle distance in km (WGS84 ellipsoid) between two nodes' ``lon``/``lat``."""
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(a["lon"], a["lat"], b["lon"], b["lat"])[2] / 1000.0


def graph_from_km_posts(km_posts: pd.DataFrame, *, speeds_kph=None, edge_times=None):
    """Build a rail graph from a km-post table (``line_zh, line_mode, station_zh, km_post``).

    Parameters
    ----------
    km_posts : pandas.DataFrame
        One row per station and line; works for the embedded Jilin table and
        for the national ``china_rail_km_posts.csv``.
    speeds_kph : dict, optional
        Commercial speed per mode.
    edge_times : pandas.DataFrame, optional
        Timetable overrides ``from_station, to_station, travel_min``.

    Returns
    -------
    networkx.Graph
        Nodes = stations (``kind="station"``); edges with ``rail_km``,
        ``travel_min``, ``line``, ``mode``, ``modelled=False``.
    """
    import networkx as nx

    speeds = _speeds(speeds_kph)
    need = ["line_zh", "line_mode", "station_zh", "km_post"]
    miss = [c for c in need if c not in km_posts.columns]
    if miss:
        raise InputError("km_posts", f"columns {need}", f"missing {miss}", "rename the columns")
    k = km_posts.sort_values(["line_zh", "km_post"], kind="stable")
    nxt = k.groupby("line_zh", sort=False)[["station_zh", "km_post"]].shift(-1)
    e = pd.DataFrame({"u": k["station_zh"], "v": nxt["station_zh"], "rail_km": nxt["km_post"] - k["km_post"],
                      "line": k["line_zh"], "mode": k["line_mode"]}).dropna()
    e = e[(e.u != e.v) & (e.rail_km > 0)]
    e["travel_min"] = e["rail_km"] / e["mode"].map(lambda m: _speed(m, speeds)) * 60.0
    e["key"] = np.where(e.u < e.v, e.u + "|" + e.v, e.v + "|" + e.u)
    agg = e.groupby("key").agg(u=("u", "first"), v=("v", "first"), rail_km=("rail_km", "min"),
                               travel_min=("travel_min", "min"), line=("line", lambda s: "+".join(sorted(set(s)))),
                               mode=("mode", lambda s: "high-speed" if "high-speed" in set(s) else s.iloc[0]))
    G = nx.Graph(speeds_kph=speeds)
    stations = k.drop_duplicates("station_zh")
    for r in stations.itertuples():
        G.add_node(r.station_zh, kind="station", modelled=False)
    G.add_edges_from((r.u, r.v, {"rail_km": float(r.rail_km), "travel_min": float(r.travel_min), "line": r.line,
                                 "mode": r.mode, "modelled": False}) for r in agg.itertuples())
    if edge_times is not None:
        for r in edge_times.itertuples():
            if not G.has_edge(r.from_station, r.to_station):
                raise InputError("edge_times", "existing edges", f"{r.from_station}-{r.to_station}",
                                 "give consecutive stations of a line")
            G.edges[r.from_station, r.to_station]["travel_min"] = float(r.travel_min)
            G.edges[r.from_station, r.to_station]["timetable"] = True
    return G


def graph_from_edges(edges: pd.DataFrame, *, speeds_kph=None):
    """Build a graph from a user's edge table ``from, to, rail_km, mode`` (optional ``line``, ``travel_min``).

    ``travel_min`` overrides the speed-based time per edge (timetable).

    Raises
    ------
    InputError
        Missing columns, non-positive or infinite km, unknown mode, speeds that
        are not finite positive numbers, travel_min that is not blank or a
        finite positive number.

    Examples
    --------
    >>> e = pd.DataFrame({"from": ["A"], "to": ["B"], "rail_km": [90.0], "mode": ["conventional"]})
    >>> graph_from_edges(e).edges["A", "B"]["travel_min"]
    60.0
    """
    import networkx as nx

    speeds = _speeds(speeds_kph)
    need = ["from", "to", "rail_km", "mode"]
    miss = [c for c in need if c not in edges.columns]
    if miss:
        raise InputError("edges", f"columns {need}", f"missing {miss}", "rename the columns of the edge table")
    km = pd.to_numeric(edges["rail_km"], errors="coerce")
    bad = ~(np.isfinite(km.to_numpy(float)) & (km.to_numpy(float) > 0))
    if bad.any():
        raise InputError("edges", "positive rail_km on every edge",
                         f"{int(bad.sum())} bad rows (missing, text, zero, negative or infinite), e.g. "
                         f"{edges.loc[bad, need].head(3).to_dict('records')}", "fix or drop those edges")
    timetable = pd.Series(np.nan, index=edges.index)
    if "travel_min" in edges.columns:
        raw = edges["travel_min"]
        blank = raw.isna() | raw.astype(str).str.strip().eq("")
        timetable = pd.to_numeric(raw.where(~blank), errors="coerce").astype(float)
        bad = ~blank & ~(np.isfinite(timetable.to_numpy(float)) & (timetable.to_numpy(float) > 0))
        if bad.any():
            raise InputError("edges", "a positive finite travel_min, or a blank cell for the speed-based time",
                             f"{int(bad.sum())} bad rows, e.g. "
                             f"{edges.loc[bad, ['from', 'to', 'travel_min']].head(3).to_dict('records')}",
                             "fix those timetable minutes or leave them blank")
    G = nx.Graph(speeds_kph=speeds)
    for r, k, tt in zip(edges.to_dict("records"), km, timetable):
        t = float(tt) if not np.isnan(tt) else float(k) / _speed(r["mode"], speeds) * 60
        for n in (r["from"], r["to"]):
            G.add_node(n, kind="station", modelled=False)
        G.add_edge(r["from"], r["to"], rail_km=float(k), travel_min=t, line=r.get("line", ""), mode=r["mode"],
                   modelled=bool(r.get("modelled", False)))
    return G


def match_stations(names: pd.Series, stations, *, exclude_stems=()) -> pd.Series:
    """Stations named like each place: the stem of its Chinese name plus an optional 东/西/南/北 suffix.

    Parameters
    ----------
    names : pandas.Series
        Chinese place names, indexed by id.
    stations : iterable of str
        Station names of the rail graph.
    exclude_stems : iterable of str
        Stems that must not match by name (e.g. a county named like a city
        whose station is the city's: 通化县 is not at 通化 station).

    Returns
    -------
    pandas.Series
        ``+``-joined station names ('' when none), indexed like ``names``.

    Examples
    --------
    >>> match_stations(pd.Series({"a": "农安县", "b": "通化县"}), {"农安", "通化"}, exclude_stems={"通化"}).tolist()
    ['农安', '']
    """
    stations = set(stations)
    excl = set(exclude_stems)
    out = {}
    for i, name in names.items():
        stem = _STEM.sub("", str(name))
        out[i] = "" if stem in excl else "+".join(stem + sfx for sfx in _SUFFIX if stem + sfx in stations)
    return pd.Series(out, dtype=object).reindex(names.index)


def station_stem(name: str) -> str:
    """A Chinese place name without its administrative suffix (市, 县, 区, 自治县 ...)."""
    return _STEM.sub("", str(name))


def connect_seats(G, seats: pd.DataFrame, *, access_min: float = 15.0, road: str = "off_network",
                  road_speed_kph: float = 60.0, detour: float = 1.3, neighbours: dict | None = None):
    """Add seat nodes, their station connectors and a modelled road layer to a copy of ``G``.

    Parameters
    ----------
    G : networkx.Graph
        A rail graph (may be empty: a road-only network).
    seats : pandas.DataFrame
        ``adcode, level, lon, lat, stations`` (``+``-joined station names or
        ''), optional ``modelled`` (seat location modelled, e.g. a
        representative point).
    access_min : float
        Minutes between a seat and each of its stations (modelled connector).
    road : {"off_network", "all", "none"}
        Modelled roads between ``neighbours``: only where one side has no
        station (default), between all neighbours, or none.
    road_speed_kph, detour : float
        Road speed and detour factor on the great-circle distance.
    neighbours : dict, optional
        ``adcode -> iterable of adcodes`` (e.g. queen contiguity); required
        unless ``road="none"``.

    Returns
    -------
    networkx.Graph
        With ``seat:<adcode>`` nodes (``kind = "<level>_seat"``) and every
        parameter in ``G.graph``.

    Examples
    --------
    >>> import networkx as nx
    >>> seats = pd.DataFrame({"adcode": ["a", "b"], "level": "county", "lon": [125.0, 126.0], "lat": [44.0, 44.0],
    ...                       "stations": ["", ""]})
    >>> H = connect_seats(nx.Graph(), seats, neighbours={"a": ["b"]}, detour=1.0, road_speed_kph=80.2)
    >>> round(H.edges["seat:a", "seat:b"]["travel_min"], 1)
    60.0
    """
    if road not in ("off_network", "all", "none"):
        raise InputError("road", "one of ['off_network', 'all', 'none']", repr(road), "pass road='off_network'")
    for name, v in (("access_min", access_min), ("road_speed_kph", road_speed_kph), ("detour", detour)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
            raise InputError(name, "a positive finite number", repr(v), f"e.g. the default {name}")
    if detour < 1:
        raise InputError("detour", "a factor >= 1 (roads are never shorter than the great circle)", repr(detour),
                         "e.g. detour=1.3")
    miss = [c for c in ("adcode", "level", "lon", "lat", "stations") if c not in seats.columns]
    if miss:
        raise InputError("seats", "columns adcode, level, lon, lat, stations", f"missing {miss}",
                         "build the seat table first (stations '' where none)")
    if road != "none" and neighbours is None:
        raise InputError("neighbours", "a dict adcode -> neighbour adcodes for the road layer", "None",
                         "pass neighbours=spatial_weights(polygons).w.neighbors, or road='none'")
    H = G.copy()
    H.graph.update(access_min=access_min, road=road, road_speed_kph=road_speed_kph, detour=detour)
    for r in seats.to_dict("records"):
        node = node_for(r["adcode"])
        H.add_node(node, kind=f"{r['level']}_seat", adcode=str(r["adcode"]), lon=float(r["lon"]), lat=float(r["lat"]),
                   modelled=bool(r.get("modelled", False)))
        for st in filter(None, str(r["stations"] or "").split("+")):
            if st not in H:
                raise InputError("seats", "station names that are nodes of the rail graph", repr(st),
                                 "check the seat-station table")
            H.add_edge(node, st, rail_km=0.0, travel_min=float(access_min), line="access", mode="access",
                       modelled=True)
    if road != "none":
        has_station = dict(zip(seats.adcode.astype(str), seats.stations.fillna("") != ""))
        for i, nbrs in neighbours.items():
            for j in nbrs:
                i, j = str(i), str(j)
                if i >= j or node_for(i) not in H or node_for(j) not in H:
                    continue
                if road == "off_network" and has_station.get(i) and has_station.get(j):
                    continue
                km = great_circle_km(H.nodes[node_for(i)], H.nodes[node_for(j)]) * detour
                H.add_edge(node_for(i), node_for(j), rail_km=np.nan, road_km=km, travel_min=km / road_speed_kph * 60,
                           line="road (modelled)", mode="road", modelled=True)
    return H


def node_for(adcode: str) -> str:
    """Graph node id of a seat."""
    return f"seat:{adcode}"


class _CSR:
    """Cached CSR matrix of a graph for one weight."""

    def __init__(self, G, weight):
        import scipy.sparse as sp

        self.nodes = list(G.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        u, v, w = [], [], []
        for a, b, d in G.edges(data=True):
            val = d.get(weight)
            if val is None or not np.isfinite(val):
                continue
            u.append(self.index[a]); v.append(self.index[b]); w.append(float(val))
        n = len(self.nodes)
        # zero-length edges must survive in a sparse matrix: store a tiny epsilon
        w = np.maximum(np.asarray(w, float), 1e-9)
        self.m = sp.csr_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n))


def _csr(G, weight):
    """The CSR matrix of ``G`` as it is now.

    Built on every query (about 5 ms for the national graph of 5,428 edges):
    a cache keyed on the graph could not see an edited edge attribute and
    returned stale times (issue: edit ``travel_min``, query again).
    """
    return _CSR(G, weight)


def travel_times(G, origins, *, targets=None, weight: str = "travel_min", limit: float | None = None,
                 wide: bool = False) -> pd.DataFrame:
    """Shortest-path cost from each origin to each target (scipy csgraph).

    Parameters
    ----------
    G : networkx.Graph
    origins, targets : list of node ids
        Targets default to every node.
    weight : str
        Edge attribute: ``"travel_min"`` or ``"rail_km"`` (roads have no
        rail_km, so rail_km paths use rail and connectors only).
    limit : float, optional
        Stop searching beyond this cost (faster for circles).
    wide : bool
        Return an origins x targets matrix instead of the long table
        (much cheaper for thousands of targets).

    Returns
    -------
    pandas.DataFrame
        ``origin, target, <weight>, reachable``; unreachable (or beyond
        ``limit``) targets have NaN and ``reachable=False``.  With
        ``wide=True`` the matrix, NaN where unreachable.

    Raises
    ------
    InputError
        Unknown origin or target nodes (with suggestions).
    """
    from scipy.sparse.csgraph import dijkstra

    origins = list(origins)
    c = _csr(G, weight)
    _known(origins, c.index, "origins")
    tg = c.nodes if targets is None else list(targets)
    _known(tg, c.index, "targets")
    oi = [c.index[o] for o in origins]
    ti = np.array([c.index[t] for t in tg])
    D = dijkstra(c.m, directed=False, indices=oi, limit=np.inf if limit is None else limit)
    D = np.atleast_2d(D)[:, ti]
    D = np.where(np.isinf(D), np.nan, np.round(D, 9))
    # the epsilon on zero-length edges: snap back below 1e-6
    D = np.where(D < 1e-6, 0.0, D)
    if wide:
        return pd.DataFrame(D, index=pd.Index(origins, name="origin"), columns=pd.Index(tg, name="target"))
    out = pd.DataFrame({"origin": np.repeat(np.asarray(origins, dtype=object), len(tg)),
                        "target": np.tile(np.asarray(tg, dtype=object), len(origins)), weight: D.ravel()})
    out["reachable"] = out[weight].notna()
    return out


def _known(nodes, index, argument):
    bad = [n for n in nodes if n not in index]
    if bad:
        import difflib

        hints = {b: difflib.get_close_matches(str(b), [str(k) for k in index], n=3) for b in bad[:3]}
        raise InputError(argument, "nodes of the graph (station names or seat:<adcode>)", repr(bad[:5]),
                         f"did you mean {hints}?")


def seat_matrix(G, *, level: str = "prefecture", mode: str | None = None) -> pd.DataFrame:
    """Rail km and travel minutes between every pair of seats of a level.

    ``rail_km`` is the shortest station-to-station distance on the rail
    edges only (no connectors or roads, so no free transfer between
    stations), minimised over each seat's stations.  ``travel_min`` is the
    fastest seat-to-seat time on the whole graph, including ``access_min``
    at both ends (and at any change of station).  ``mode="high-speed"``
    restricts rail km to high-speed edges.  Unreachable pairs are NaN with
    ``reachable=False``, never 0.
    """
    seats = sorted(n for n, d in G.nodes(data=True) if d.get("kind") == f"{level}_seat")
    allowed = {mode} if mode else {"high-speed", "conventional"}
    keep = [(u, v) for u, v, d in G.edges(data=True) if d.get("mode") in allowed]
    R = G.edge_subgraph(keep).copy()
    st = {s: [n for n in G.neighbors(s) if G.edges[s, n]["mode"] == "access" and n in R] for s in seats}
    stations = sorted({x for v in st.values() for x in v})
    km = travel_times(R, stations, targets=stations, weight="rail_km").set_index(["origin", "target"])["rail_km"] \
        if stations else pd.Series(dtype=float)
    mins = travel_times(G, seats, targets=seats, weight="travel_min").set_index(["origin", "target"])["travel_min"]
    rows = []
    for i, a in enumerate(seats):
        for b in seats[i + 1:]:
            pairs = [km.get((x, y), np.nan) for x in st[a] for y in st[b]]
            d = np.nanmin(pairs) if pairs and not np.all(np.isnan(pairs)) else np.nan
            t = mins.get((a, b), np.nan) if mode is None else np.nan
            rows.append({"from": a[5:], "to": b[5:], "rail_km": d, "travel_min": t,
                         "reachable": bool(np.isfinite(d))})
    return pd.DataFrame(rows)


def pair_matrix(pairs: pd.DataFrame, value: str, *, a: str = "from", b: str = "to") -> pd.DataFrame:
    """Square symmetric matrix from a table of unordered pairs (e.g. :func:`seat_matrix`), 0 on the diagonal.

    Examples
    --------
    >>> m = pair_matrix(pd.DataFrame({"from": ["a"], "to": ["b"], "rail_km": [5.0]}), "rail_km")
    >>> m.to_numpy().tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    ids = sorted(set(pairs[a]) | set(pairs[b]))
    M = pd.DataFrame(0.0, index=ids, columns=ids)
    for u, v, d in zip(pairs[a], pairs[b], pairs[value]):
        M.loc[u, v] = M.loc[v, u] = float(d)
    return M


def add_links(G, links: pd.DataFrame, *, speeds_kph=None):
    """Return a copy of ``G`` with scenario links added or upgraded.

    Parameters
    ----------
    links : pandas.DataFrame
        ``from, to, rail_km, mode`` and optionally ``speed_kph`` or
        ``travel_min``.  ``from``/``to`` are station names or seat nodes
        (``seat:<adcode>``); an existing edge is upgraded (faster mode or
        speed), a missing one is added.  Links are flagged ``scenario=True``
        and ``modelled=True``.  A link ending at a seat node stands for a new
        station at that seat, so ``access_min`` is added per seat end.

    Raises
    ------
    InputError
        Unknown stations (with suggestions), negative or zero speed, missing km.
    """
    speeds = _speeds(speeds_kph, base=G.graph.get("speeds_kph"))
    need = ["from", "to", "mode"]
    miss = [c for c in need if c not in links.columns]
    if miss:
        raise InputError("links", f"columns {need} (+ rail_km, speed_kph or travel_min)", f"missing {miss}",
                         "see the scenario CSV format in the README")
    H = G.copy()
    idx = {n: None for n in H.nodes}
    for r in links.to_dict("records"):
        _known([r["from"], r["to"]], idx, "links")
        km = r.get("rail_km")
        if km is None or (isinstance(km, float) and np.isnan(km)):
            if H.has_edge(r["from"], r["to"]):
                km = H.edges[r["from"], r["to"]]["rail_km"]
            else:
                raise InputError("links", "rail_km for a new link", f"{r['from']}-{r['to']} without rail_km",
                                 "give the link's length in km")
        if float(km) <= 0:
            raise InputError("links", "a positive rail_km", f"{km} for {r['from']}-{r['to']}", "check the length")
        spd = r.get("speed_kph")
        if spd is not None and not (isinstance(spd, float) and np.isnan(spd)):
            if not float(spd) > 0:
                raise InputError("speed_kph", "a positive speed in km/h", f"{spd} for {r['from']}-{r['to']}",
                                 "e.g. 200 for high-speed")
            minutes = float(km) / float(spd) * 60
        elif r.get("travel_min") is not None and not (isinstance(r.get("travel_min"), float) and np.isnan(r["travel_min"])):
            minutes = float(r["travel_min"])
        else:
            minutes = float(km) / _speed(r["mode"], speeds) * 60
        # a link ending at a seat stands for a new station there: add the access time at that end
        minutes += sum(float(H.graph.get("access_min", 0.0)) for x in (r["from"], r["to"]) if str(x).startswith("seat:"))
        old = H.edges[r["from"], r["to"]] if H.has_edge(r["from"], r["to"]) else None
        if old is not None and old.get("travel_min", np.inf) <= minutes and old.get("rail_km", np.inf) <= float(km):
            continue  # an "upgrade" that is not faster changes nothing
        H.add_edge(r["from"], r["to"], rail_km=float(km), travel_min=minutes, line=r.get("line", "scenario link"),
                   mode=r["mode"], modelled=True, scenario=True)
    return H


def great_circle_matrix(points: pd.DataFrame, *, id_col: str = "adcode") -> pd.DataFrame:
    """Great-circle km (WGS84 ellipsoid) between every pair of points (``lon``, ``lat``), 0 on the diagonal.

    Examples
    --------
    >>> m = great_circle_matrix(pd.DataFrame({"adcode": ["a", "b"], "lon": [125.0, 126.0], "lat": [44.0, 44.0]}))
    >>> round(float(m.loc["a", "b"]), 1)
    80.2
    """
    from pyproj import Geod

    ids = points[id_col].astype(str).to_numpy()
    lon, lat = points["lon"].to_numpy(float), points["lat"].to_numpy(float)
    i, j = np.triu_indices(len(ids), 1)
    d = Geod(ellps="WGS84").inv(lon[i], lat[i], lon[j], lat[j])[2] / 1000.0
    M = np.zeros((len(ids), len(ids)))
    M[i, j] = M[j, i] = d
    return pd.DataFrame(M, index=ids, columns=ids)
