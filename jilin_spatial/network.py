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
  override it (a region recipe's seat-station table).
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

__all__ = ["DEFAULT_SPEEDS_KPH", "TRIP_DEFAULTS", "door_to_door", "road_minutes", "set_road_times", "add_line", "great_circle_km", "pair_matrix", "graph_from_km_posts", "graph_from_edges",
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
        One row per station and line; works for an embedded regional table and
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


#: Documented defaults of the door-to-door model (``docs/circles.md``); every one is a parameter.
TRIP_DEFAULTS = {
    "access_min": 15.0,        # seat <-> station minutes where the station (or seat) has no point
    "urban_speed_kph": 25.0,   # in-town speed: seat <-> station, and the town ends of a road trip
    "urban_km": 3.0,           # km of each road trip end driven in town
    "road_speed_kph": 80.0,    # inter-county road speed (expressways and first-class roads)
    "detour": 1.3,             # road / street km over great-circle km
    "boarding_min": 10.0,      # at the boarding station before departure (security, waiting), once per rail trip
    "transfer_min": 10.0,      # per change between services (high-speed <-> conventional, or onto a scenario line)
}


def _positive(name, v, *, zero=False):
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and (v >= 0 if zero else v > 0)
    if not ok:
        raise InputError(name, "a non-negative finite number" if zero else "a positive finite number", repr(v),
                         f"e.g. the default {TRIP_DEFAULTS.get(name, 1.0)}")


def road_minutes(road_km, *, urban_km, urban_speed_kph, road_speed_kph):
    """Modelled drive minutes over ``road_km``: ``2 * urban_km`` in town at ``urban_speed_kph``, the rest at
    ``road_speed_kph`` (a short trip is all in town).

    Examples
    --------
    >>> round(road_minutes(66.0, urban_km=3, urban_speed_kph=25, road_speed_kph=80), 1)  # 14.4 + 45.0
    59.4
    """
    town = min(road_km, 2 * urban_km)
    return town / urban_speed_kph * 60 + max(road_km - 2 * urban_km, 0.0) / road_speed_kph * 60


def connect_seats(G, seats: pd.DataFrame, *, access_min: float = TRIP_DEFAULTS["access_min"], road: str = "all",
                  road_speed_kph: float = TRIP_DEFAULTS["road_speed_kph"], detour: float = TRIP_DEFAULTS["detour"],
                  neighbours: dict | None = None, urban_speed_kph: float = TRIP_DEFAULTS["urban_speed_kph"],
                  urban_km: float = TRIP_DEFAULTS["urban_km"], boarding_min: float = TRIP_DEFAULTS["boarding_min"],
                  transfer_min: float = TRIP_DEFAULTS["transfer_min"], road_times: pd.DataFrame | None = None):
    """Add seat nodes, their station access edges and a road layer to a copy of ``G`` (``docs/circles.md``).

    The graph stores the network; :func:`door_to_door` turns it into trips
    (access and egress once per trip, boarding and transfers charged, road
    always an alternative).

    Parameters
    ----------
    G : networkx.Graph
        A rail graph (may be empty: a road-only network).  Stations with
        ``lon``/``lat`` get distance-based access.
    seats : pandas.DataFrame
        ``adcode, level, lon, lat, stations`` (``+``-joined station names or
        ''), optional ``modelled`` (seat location modelled, e.g. a
        representative point), ``name_zh``, ``name_en``, ``seat_point`` (what
        the point is).
    access_min : float
        Minutes between a seat and a station that has no point (the stated
        fallback).  With both points: great-circle km x ``detour`` at
        ``urban_speed_kph``.
    road : {"all", "off_network", "none"}
        Modelled roads between ``neighbours``: every pair (default), only where
        one side has no station (the old rule, kept for comparison), or none.
    road_speed_kph, urban_speed_kph, urban_km, detour : float
        Road model: great-circle km x ``detour``; ``urban_km`` at each end in
        town at ``urban_speed_kph``, the rest at ``road_speed_kph``.
    neighbours : dict, optional
        ``adcode -> iterable of adcodes``; required unless ``road="none"``.
    boarding_min, transfer_min : float
        Stored in ``G.graph`` for :func:`door_to_door`.
    road_times : pandas.DataFrame, optional
        Measured drive minutes ``from, to, road_min`` between seats (ids);
        they replace the modelled road for those pairs (``source="given"``).

    Returns
    -------
    networkx.Graph
        With ``seat:<adcode>`` nodes (``kind = "<level>_seat"``), ``access``
        edges (``access_min``, ``access_km``, ``basis``) and ``road`` edges
        (``road_km``, ``travel_min``), every parameter in ``G.graph``.

    Examples
    --------
    >>> import networkx as nx
    >>> seats = pd.DataFrame({"adcode": ["a", "b"], "level": "county", "lon": [125.0, 126.0], "lat": [44.0, 44.0],
    ...                       "stations": ["", ""]})
    >>> H = connect_seats(nx.Graph(), seats, neighbours={"a": ["b"]}, detour=1.0, road_speed_kph=80.0, urban_km=0.0)
    >>> round(H.edges["seat:a", "seat:b"]["travel_min"], 1)
    60.2
    """
    if road not in ("off_network", "all", "none"):
        raise InputError("road", "one of ['off_network', 'all', 'none']", repr(road), "pass road='all'")
    for name, v in (("access_min", access_min), ("road_speed_kph", road_speed_kph), ("detour", detour),
                    ("urban_speed_kph", urban_speed_kph)):
        _positive(name, v)
    for name, v in (("urban_km", urban_km), ("boarding_min", boarding_min), ("transfer_min", transfer_min)):
        _positive(name, v, zero=True)
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
    H.graph.update(access_min=float(access_min), road=road, road_speed_kph=float(road_speed_kph),
                   detour=float(detour), urban_speed_kph=float(urban_speed_kph), urban_km=float(urban_km),
                   boarding_min=float(boarding_min), transfer_min=float(transfer_min))
    H.graph.setdefault("speeds_kph", dict(DEFAULT_SPEEDS_KPH))
    for r in seats.to_dict("records"):
        node = node_for(r["adcode"])
        modelled = bool(r.get("modelled", False))
        H.add_node(node, kind=f"{r['level']}_seat", adcode=str(r["adcode"]), lon=float(r["lon"]), lat=float(r["lat"]),
                   modelled=modelled, name_zh=str(r.get("name_zh", "") or ""), name_en=str(r.get("name_en", "") or ""),
                   seat_point=str(r.get("seat_point", "") or ("representative point (modelled)" if modelled
                                                              else "given seat point")))
        for st in filter(None, str(r["stations"] or "").split("+")):
            if st not in H:
                raise InputError("seats", "station names that are nodes of the rail graph", repr(st),
                                 "check the seat-station table")
            _add_access(H, node, st)
    _floor_default_access(H)
    if road != "none":
        has_station = dict(zip(seats.adcode.astype(str), seats.stations.fillna("") != ""))
        for i, nbrs in neighbours.items():
            for j in nbrs:
                i, j = str(i), str(j)
                if i == j or node_for(i) not in H or node_for(j) not in H or H.has_edge(node_for(i), node_for(j)):
                    continue
                if road == "off_network" and has_station.get(i) and has_station.get(j):
                    continue
                km = great_circle_km(H.nodes[node_for(i)], H.nodes[node_for(j)]) * detour
                H.add_edge(node_for(i), node_for(j), rail_km=np.nan, road_km=km,
                           travel_min=road_minutes(km, urban_km=urban_km, urban_speed_kph=urban_speed_kph,
                                                   road_speed_kph=road_speed_kph),
                           line="road (modelled)", mode="road", modelled=True, source="modelled")
    if road_times is not None:
        set_road_times(H, road_times)
    return H


def _add_access(H, seat, st, *, default=None):
    """An access edge seat - station: distance-based where both have points, else the stated default."""
    a, b = H.nodes[seat], H.nodes[st]
    urban = H.graph.get("urban_speed_kph", TRIP_DEFAULTS["urban_speed_kph"])
    if default is None and "lon" in b and np.isfinite(b.get("lon", np.nan)):
        km = great_circle_km(a, b) * H.graph.get("detour", TRIP_DEFAULTS["detour"])
        minutes = km / urban * 60
        basis = ("distance, seat point and station point" if not a.get("modelled")
                 else "distance, seat point MODELLED (representative point)")
    else:
        km = np.nan
        minutes = float(H.graph.get("access_min", TRIP_DEFAULTS["access_min"]) if default is None else default)
        basis = "default access minutes (station has no point)"
    H.add_edge(seat, st, rail_km=0.0, travel_min=minutes, access_min=minutes, access_km=km, basis=basis,
               line="access", mode="access", modelled=True)


def _floor_default_access(H):
    """A station without a point is assumed no nearer to a seat than the seat's nearest station with a point:
    its default access minutes are raised to that station's (so an unknown location is never a shortcut)."""
    for n, d in H.nodes(data=True):
        if not str(d.get("kind", "")).endswith("_seat"):
            continue
        acc = [(st, H.edges[n, st]) for st in H.neighbors(n) if H.edges[n, st].get("mode") == "access"]
        measured = [e["access_min"] for _, e in acc if e["basis"].startswith("distance")]
        if not measured:
            continue
        floor = min(measured)
        for _, e in acc:
            if e["basis"].startswith("default") and e["access_min"] < floor:
                e.update(access_min=floor, travel_min=floor,
                         basis="default access minutes (station has no point), raised to the seat's nearest "
                               "station with a point")


def set_road_times(G, road_times: pd.DataFrame):
    """Replace the modelled road between seat pairs by measured drive minutes, in place.

    ``road_times``: ``from, to, road_min`` (seat ids; e.g. the user's own
    OpenStreetMap/OSRM run).  Pairs need not be neighbours.

    Raises
    ------
    InputError
        Missing columns, unknown seats, non-positive minutes.
    """
    miss = [c for c in ("from", "to", "road_min") if c not in road_times.columns]
    if miss:
        raise InputError("road_times", "columns from, to, road_min (seat ids, drive minutes)", f"missing {miss}",
                         "rename the columns of the road-times table")
    mins = pd.to_numeric(road_times["road_min"], errors="coerce")
    bad = road_times[mins.isna() | (mins <= 0)]
    if len(bad):
        raise InputError("road_times", "positive road_min on every row", f"{len(bad)} bad rows, e.g. "
                         f"{bad.head(2).to_dict('records')}", "fix or drop those rows")
    for a, b, m in zip(road_times["from"].astype(str), road_times["to"].astype(str), mins):
        u, v = node_for(a), node_for(b)
        for n in (u, v):
            if n not in G:
                raise InputError("road_times", "seat ids of the region", repr(n[5:]), "use the units' ids")
        G.add_edge(u, v, rail_km=np.nan, road_km=np.nan, travel_min=float(m), line="road (given)", mode="road",
                   modelled=False, source="given")
    G.graph["road_times"] = f"{len(road_times)} seat pairs given"
    return G


_RAIL_MODES = ("high-speed", "conventional")


def _group(d) -> str:
    """The service an edge belongs to: a scenario line's own name, else its mode (trains run through within a mode)."""
    return str(d.get("group") or d.get("mode"))


class _TripGraph:
    """The directed trip graph behind :func:`door_to_door` (``docs/circles.md``).

    Per seat X: ``o`` (trip start), ``r1`` (on the road before rail), ``r2``
    (on the road after rail), ``d`` (trip end).  Per station s: ``b``
    (boarding), ``a`` (alighted) and, per service g at s, ``dep``/``arr``.
    Access edges go only from ``o``/``r1`` to ``b`` and egress only from
    ``a`` to ``r2``/``d``: a trip boards once and alights once per ride, and
    never passes through a seat node by rail.
    """

    def __init__(self, G, *, access_shift_min=0.0, speed_factor=1.0):
        import scipy.sparse as sp

        p = {**TRIP_DEFAULTS, **{k: v for k, v in G.graph.items() if k in TRIP_DEFAULTS}}
        self.p = p
        self.index, self.label = {}, []
        E: dict = {}

        def nid(key):
            if key not in self.index:
                self.index[key] = len(self.label)
                self.label.append(key)
            return self.index[key]

        def edge(a, b, weight, c):
            key = (nid(a), nid(b))
            weight = max(float(weight), 0.0)
            if key not in E or weight < E[key][0]:
                E[key] = (weight, c)

        f = float(speed_factor)
        vr = p["road_speed_kph"] * f
        c_end = max(p["urban_km"] * (60 / p["urban_speed_kph"] - 60 / vr), 0.0)
        seats = [n for n, d in G.nodes(data=True) if str(d.get("kind", "")).endswith("_seat")]
        for x in seats:
            if any(G.edges[x, y].get("mode") not in ("road", "access") for y in G.neighbors(x)):
                edge(("o", x), ("b", x), 0.0, "access")   # a seat on the rail edges is its own station
                edge(("a", x), ("d", x), 0.0, "egress")
            edge(("o", x), ("r1", x), c_end, "road")
            edge(("r1", x), ("d", x), c_end, "road")
            edge(("r2", x), ("d", x), c_end, "road")
        for a, b, d in G.edges(data=True):
            mode = d.get("mode")
            if mode == "road":
                if d.get("source") == "given":
                    direct = d["travel_min"] / f
                    through = max(direct - 2 * c_end, 0.0)
                else:
                    km = d["road_km"]
                    direct = road_minutes(km, urban_km=p["urban_km"], urban_speed_kph=p["urban_speed_kph"],
                                          road_speed_kph=vr)
                    through = km / vr * 60
                for x, y in ((a, b), (b, a)):
                    edge(("o", x), ("d", y), direct, "road")
                    edge(("r1", x), ("r1", y), through, "road")
                    edge(("r2", x), ("r2", y), through, "road")
            elif mode == "access":
                seat, st = (a, b) if str(G.nodes[a].get("kind", "")).endswith("_seat") else (b, a)
                t = max(d["access_min"] + access_shift_min, 0.0)
                edge(("o", seat), ("b", st), t, "access")
                edge(("r1", seat), ("b", st), t, "access")
                edge(("a", st), ("d", seat), t, "egress")
                edge(("a", st), ("r2", seat), t, "egress")
            elif mode == "transfer":  # a scenario platform and its parent station
                for x, y in ((a, b), (b, a)):
                    edge(("a", x), ("xfer", y), 0.0, "transfer")
            elif np.isfinite(d.get("travel_min", np.nan)):
                g = _group(d)
                t = d["travel_min"] / f
                for x, y in ((a, b), (b, a)):
                    edge(("dep", x, g), ("arr", y, g), t, "in_vehicle")
        groups: dict = {}
        for key in list(self.label):
            if key[0] in ("dep", "arr"):
                groups.setdefault(key[1], set()).add(key[2])
        for st, gs in groups.items():
            for g in gs:
                edge(("b", st), ("dep", st, g), p["boarding_min"], "boarding")
                edge(("arr", st, g), ("dep", st, g), 0.0, "in_vehicle")       # stay on board
                edge(("arr", st, g), ("a", st), 0.0, "alight")
                edge(("xfer", st), ("dep", st, g), p["transfer_min"], "transfer")
                for h in gs - {g}:
                    edge(("arr", st, g), ("dep", st, h), p["transfer_min"], "transfer")
        n = len(self.label)
        keys = list(E)
        u = np.array([k[0] for k in keys], dtype=np.int64)
        v = np.array([k[1] for k in keys], dtype=np.int64)
        w = np.array([E[k][0] for k in keys])
        # zero-minute edges must survive in a sparse matrix: store a tiny epsilon
        self.m = sp.csr_matrix((w + 1e-9, (u, v)), shape=(n, n))
        self.edge_cat = {k: E[k][1] for k in keys}
        self.edge_w = {k: E[k][0] for k in keys}

    def source(self, node, G):
        if str(G.nodes[node].get("kind", "")).endswith("_seat"):
            return self.index.get(("o", node))
        return self.index.get(("b", node))

    def target(self, node, G):
        if str(G.nodes[node].get("kind", "")).endswith("_seat"):
            return self.index.get(("d", node))
        return self.index.get(("a", node))


def door_to_door(G, origins, *, targets=None, routes: bool = True, access_shift_min: float = 0.0,
                 speed_factor: float = 1.0) -> pd.DataFrame:
    """Door-to-door minutes between seats (or stations): the faster of road and rail (``docs/circles.md``).

    A rail trip is access from the origin seat to a boarding station (by
    street, or by road to another county's station), ``boarding_min``,
    in-vehicle minutes, ``transfer_min`` per change of service, and egress
    to the destination seat; access and egress are charged once per trip.
    Road is always an alternative between neighbouring seats (``road``
    edges), with the town ends of a road trip charged once.

    Parameters
    ----------
    G : networkx.Graph
        Built with :func:`connect_seats`.
    origins, targets : list of node ids
        ``seat:<id>`` or station names (a station origin starts on the
        platform); targets default to every seat.
    routes : bool
        Also return the route, the mode and the minutes per component.
    access_shift_min, speed_factor : float
        Sensitivity: minutes added to every access and egress leg, and a
        factor on every rail and inter-county road speed.

    Returns
    -------
    pandas.DataFrame
        ``origin, target, travel_min, reachable`` and with ``routes``:
        ``mode`` (road, rail, road+rail), ``route``, ``road_min``,
        ``access_min``, ``boarding_min``, ``in_vehicle_min``, ``transfer_min``,
        ``egress_min``.  Unreachable targets (a disconnected graph only) are
        NaN with ``reachable=False``; there is no search limit.

    Examples
    --------
    >>> import networkx as nx
    >>> R = graph_from_edges(pd.DataFrame({"from": ["SA"], "to": ["SB"], "rail_km": [90.0], "mode": ["conventional"]}))
    >>> R.nodes["SA"].update(lon=125.0, lat=44.0); R.nodes["SB"].update(lon=126.0, lat=44.0)
    >>> seats = pd.DataFrame({"adcode": ["a", "b"], "level": "county", "lon": [125.0, 126.0], "lat": [44.0, 44.0],
    ...                       "stations": ["SA", "SB"]})
    >>> H = connect_seats(R, seats, road="none", boarding_min=10)
    >>> t = door_to_door(H, ["seat:a"], targets=["seat:b"])
    >>> float(t.travel_min.round(6).iloc[0]), t["mode"].iloc[0]   # 0 access + 10 boarding + 60 in vehicle + 0
    (70.0, 'rail')
    """
    from scipy.sparse.csgraph import dijkstra

    origins = list(origins)
    _known(origins, {n: None for n in G.nodes}, "origins")
    tg = sorted(n for n, d in G.nodes(data=True) if str(d.get("kind", "")).endswith("_seat")) if targets is None \
        else list(targets)
    _known(tg, {n: None for n in G.nodes}, "targets")
    T = _TripGraph(G, access_shift_min=access_shift_min, speed_factor=speed_factor)
    src = [T.source(o, G) for o in origins]
    dst = [T.target(t, G) for t in tg]
    ok_src = [i for i, s in enumerate(src) if s is not None]
    D = np.full((len(origins), len(tg)), np.nan)
    P = None
    if ok_src:
        dist, pred = dijkstra(T.m, directed=True, indices=[src[i] for i in ok_src], return_predecessors=True)
        dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
        for k, i in enumerate(ok_src):
            for j, d in enumerate(dst):
                if d is not None and np.isfinite(dist[k, d]):
                    D[i, j] = dist[k, d]
        P = (dist, pred)
    rows = []
    for i, o in enumerate(origins):
        for j, t in enumerate(tg):
            val = 0.0 if o == t else D[i, j]
            row = {"origin": o, "target": t, "travel_min": val if not np.isfinite(val) else round(float(val), 6),
                   "reachable": bool(np.isfinite(val))}
            if routes:
                row.update(_route(T, G, P, ok_src.index(i) if i in ok_src else None, src[i], dst[j], o, t)
                           if np.isfinite(val) and o != t else {"mode": "" if o != t else "none", "route": ""})
            rows.append(row)
    return pd.DataFrame(rows)


def _name(G, node):
    d = G.nodes[node]
    return d.get("name_zh") or d.get("adcode") or str(node)


def _route(T, G, P, k, s, d, o, t) -> dict:
    """Walk the predecessors back from ``d``: route text, mode and minutes per component."""
    dist, pred = P
    path = [d]
    while path[-1] != s:
        path.append(int(pred[k, path[-1]]))
    path = path[::-1]
    comp = dict.fromkeys(("road", "access", "boarding", "in_vehicle", "transfer", "egress"), 0.0)
    parts, ride = [], None
    for a, b in zip(path[:-1], path[1:]):
        c, w = T.edge_cat[(a, b)], T.edge_w[(a, b)]
        if c in comp:
            comp[c] += w
        la, lb = T.label[a], T.label[b]
        if c == "road" and la[0] in ("o", "r1", "r2") and lb[0] in ("r1", "r2", "d") and la[1] != lb[1]:
            parts.append(f"road {_name(G, la[1])}→{_name(G, lb[1])}")
        elif c == "access":
            parts.append(f"access {_name(G, la[1])}→{lb[1]}站 {w:.0f} min")
        elif c == "in_vehicle" and la[0] == "dep":
            if ride is None or ride[1] != la[2]:
                ride = [la[1], la[2], lb[1]]
                parts.append(ride)
            else:
                ride[2] = lb[1]
        elif c == "transfer":
            ride = None
        elif c == "egress":
            parts.append(f"egress {la[1]}站→{_name(G, lb[1])} {w:.0f} min")
    text = " | ".join(p if isinstance(p, str) else f"{p[1]} {p[0]}→{p[2]}" for p in parts)
    rail = comp["in_vehicle"] > 0
    road = comp["road"] > 0
    mode = "road+rail" if rail and road else ("rail" if rail else "road")
    out = {"mode": mode, "route": text}
    out.update({f"{k}_min": round(v, 3) for k, v in comp.items()})
    return out


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
    door-to-door minutes (:func:`door_to_door`: the faster of road and rail,
    access and egress once per trip).  ``mode="high-speed"``
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
    mins = door_to_door(G, seats, targets=seats, routes=False).set_index(["origin", "target"])["travel_min"]
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


def _is_seat(G, n) -> bool:
    return str(G.nodes[n].get("kind", "")).endswith("_seat")


def _seat_station(H, seat):
    """The station a line stops at for a seat: its station nearest the seat point (with a point), else its first."""
    sts = [n for n in H.neighbors(seat) if H.edges[seat, n].get("mode") == "access"
           and H.nodes[n].get("kind") == "station"]
    if not sts:
        return None
    return min(sts, key=lambda st: (H.edges[seat, st]["access_min"], st))


def _new_station(H, seat, tag):
    """A new (scenario) station at a seat without one: the seat's point, the default access minutes (modelled)."""
    node = f"{tag}@{seat[5:]}"
    if node not in H:
        d = H.nodes[seat]
        H.add_node(node, kind="station", lon=d["lon"], lat=d["lat"], modelled=True, scenario=True,
                   point="new station at the seat point (scenario, modelled): default access minutes")
        _add_access(H, seat, node, default=H.graph.get("access_min", TRIP_DEFAULTS["access_min"]))
    return node


def add_line(G, stops, *, name: str, speed_kph: float | None = None, leg_minutes=None, leg_km=None,
             detour: float = 1.2, mode: str = "high-speed"):
    """Return a copy of ``G`` with a new line: a sequence of stops served by its own trains (a scenario).

    Parameters
    ----------
    stops : list of node ids
        Stations, or seats (``seat:<id>``): a seat with stations is served at
        its station nearest the seat, a seat without one gets a new station at
        its seat point (default access minutes, modelled).  Repeat the first
        stop at the end for a loop.
    name : str
        The line; trips change onto or off it with ``transfer_min``.
    speed_kph : float, optional
        Speed on every leg (default: the graph's speed for ``mode``).
    leg_minutes, leg_km : list of float, optional
        Per-leg minutes or km (one per pair of consecutive stops).  Without
        ``leg_km`` a leg is MODELLED: great-circle km between the stops x
        ``detour``.
    detour : float
        Rail km over great-circle km for modelled legs.
    mode : str

    Returns
    -------
    networkx.Graph
        Stops are platform nodes ``<station>@<name>`` (or ``<name>@<id>`` for
        a new station) with the station's access edges and a ``transfer`` edge
        to it, so access is charged only where a trip boards or alights.
        Legs carry ``scenario=True``, ``modelled=True``, ``km_source``.

    Raises
    ------
    InputError
        Unknown stops (with suggestions), fewer than two stops, leg lists of
        the wrong length, non-positive speeds, km or minutes.
    """
    stops = list(stops)
    if len(stops) < 2:
        raise InputError("stops", "at least two stops", repr(stops), "e.g. ['seat:a', 'seat:b']")
    _known(stops, {n: None for n in G.nodes}, "stops")
    n_legs = len(stops) - 1
    for arg, vals in (("leg_minutes", leg_minutes), ("leg_km", leg_km)):
        if vals is not None:
            vals = list(vals)
            if len(vals) != n_legs or any(not (np.isfinite(float(v)) and float(v) > 0) for v in vals):
                raise InputError(arg, f"{n_legs} positive numbers (one per leg)", repr(vals), f"give {n_legs} values")
    speeds = _speeds(None, base=G.graph.get("speeds_kph"))
    spd = float(speed_kph) if speed_kph is not None else _speed(mode, speeds)
    if not (np.isfinite(spd) and spd > 0):
        raise InputError("speed_kph", "a positive speed in km/h", repr(speed_kph), "e.g. 200")
    H = G.copy()
    plat, where = [], []
    for st in stops:
        where.append(st)
        base = st
        if _is_seat(H, st):
            base = _seat_station(H, st) or _new_station(H, st, name)
        node = f"{base}@{name}" if not base.endswith(f"@{st[5:]}") else base
        if node != base and node not in H:
            H.add_node(node, **{**H.nodes[base], "scenario": True, "platform_of": base})
            for seat in [n for n in H.neighbors(base) if H.edges[base, n].get("mode") == "access"]:
                H.add_edge(seat, node, **H.edges[seat, base])
            H.add_edge(node, base, rail_km=0.0, travel_min=0.0, line="transfer", mode="transfer", modelled=True)
        plat.append(node)
    for i, (a, b) in enumerate(zip(plat[:-1], plat[1:])):
        if leg_km is not None:
            km, src = float(list(leg_km)[i]), "given"
        else:  # between the stations' points, or the stops' seat points where a station has none
            pa, pb = (H.nodes[x] if np.isfinite(H.nodes[x].get("lon", np.nan)) else H.nodes[w]
                      for x, w in ((a, where[i]), (b, where[i + 1])))
            km, src = great_circle_km(pa, pb) * detour, f"MODELLED: great-circle x {detour}"
        minutes = float(list(leg_minutes)[i]) if leg_minutes is not None else km / spd * 60
        H.add_edge(a, b, rail_km=km, travel_min=minutes, line=name, mode=mode, group=name, modelled=True,
                   scenario=True, km_source=src, speed_kph=spd if leg_minutes is None else np.nan)
    H.graph.setdefault("scenario_lines", []).append({"name": name, "stops": stops, "speed_kph": spd,
                                                     "detour": detour, "mode": mode})
    return H


def add_links(G, links: pd.DataFrame, *, speeds_kph=None):
    """Return a copy of ``G`` with scenario links added or upgraded.

    Parameters
    ----------
    links : pandas.DataFrame
        ``from, to, rail_km, mode`` and optionally ``speed_kph`` or
        ``travel_min``.  ``from``/``to`` are station names or seat nodes
        (``seat:<adcode>``); an existing edge is upgraded (faster mode or
        speed), a missing one is added.  Links are flagged ``scenario=True``
        and ``modelled=True``.  A link ending at a seat runs to the seat's
        nearest station, or to a new station at the seat (default access
        minutes); access is never added to the link's minutes, it is charged
        once per trip by :func:`door_to_door`.  Trains run through onto other
        lines of the same mode (use :func:`add_line` for a line of its own).

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
                         "see the scenario CSV format in docs/circles.md")
    H = G.copy()
    idx = {n: None for n in H.nodes}
    for r in links.to_dict("records"):
        _known([r["from"], r["to"]], idx, "links")
        ends = []
        for x in (r["from"], r["to"]):
            ends.append((_seat_station(H, x) or _new_station(H, x, "new")) if _is_seat(H, x) else x)
        u, v = ends
        km = r.get("rail_km")
        if km is None or (isinstance(km, float) and np.isnan(km)):
            if H.has_edge(u, v):
                km = H.edges[u, v]["rail_km"]
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
        if u == v:
            continue  # both ends at the same station: nothing to ride
        old = H.edges[u, v] if H.has_edge(u, v) else None
        if old is not None and old.get("travel_min", np.inf) <= minutes and old.get("rail_km", np.inf) <= float(km):
            continue  # an "upgrade" that is not faster changes nothing
        H.add_edge(u, v, rail_km=float(km), travel_min=minutes, line=r.get("line", "scenario link"),
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
