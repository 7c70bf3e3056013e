"""Half-hour / one-hour economic circles and rail scenarios (``methods.md`` §5).

A circle is the set of county seats whose travel time from a centre is
within a threshold, drawn as the union of those counties (optionally plus a
buffer around the reached seats), with its coverage: resident population,
employment and area, and their shares of the province.  Scenarios add or
upgrade links and report who enters each circle, the change in coverage
and the change in gravity ties.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import InputError
from .network import add_links, great_circle_km, node_for, pair_matrix, seat_matrix

__all__ = ["place_keys", "resolve_place", "economic_circles", "CircleResult", "run_scenario", "parse_link",
           "modelled_link_km", "lines_from_table", "apply_scenario", "trip_parameters", "STATION_PREFIX"]


def place_keys(units) -> pd.DataFrame:
    """Names that resolve to each unit: ``adcode, key`` (a key of two units is ambiguous, never first-wins).

    Keys: the id, ``name_zh`` and ``name_en`` (when present), and the names
    without an administrative suffix (市/县/区/自治县/自治州, City/County/District).

    Examples
    --------
    >>> place_keys(pd.DataFrame({"adcode": ["100101"], "name_zh": ["甲县"], "name_en": ["Jia County"]})).key.tolist()
    ['100101', '甲县', 'Jia County', 'Jia']
    """
    rows = []
    for r in units.to_dict("records"):
        code = str(r["adcode"])
        keys = [code]
        zh, en = str(r.get("name_zh", "") or ""), str(r.get("name_en", "") or "")
        for name, sfxs in ((zh, ("自治县", "自治州", "市", "县", "区")), (en, (" City", " County", " District"))):
            if not name or name == "nan":
                continue
            keys.append(name)
            for sfx in sfxs:
                if name.endswith(sfx) and len(name) > len(sfx) + 1:
                    keys.append(name[: -len(sfx)])
                    break
        rows += [{"adcode": code, "key": k} for k in dict.fromkeys(keys)]
    return pd.DataFrame(rows, columns=["adcode", "key"])


STATION_PREFIX = "station:"


def resolve_place(name: str, places: pd.DataFrame, G=None, *, where: str = "the region") -> str:
    """Resolve a centre to one node: a seat from its id or name, or a station written ``station:<name>``.

    Parameters
    ----------
    name : str
        An id or a name (Chinese or English, with or without suffix) from
        ``places`` (always the seat, never a station of the same name), a
        seat node ``seat:<id>``, or ``station:<station name>``.
    places : pandas.DataFrame
        ``adcode, key`` (see :func:`place_keys`).
    G : networkx.Graph, optional
        Needed to check ``station:`` names.
    where : str
        The region's name, for the error message.

    Raises
    ------
    InputError
        A place not in ``places`` (suggestions from ``places`` only), a name
        that fits several places (the candidates are listed), an unknown station.

    Examples
    --------
    >>> t = place_keys(pd.DataFrame({"adcode": ["100101"], "name_zh": ["甲乙县"], "name_en": ["Jia'yi County"]}))
    >>> resolve_place("jia'yi", t), resolve_place("甲乙", t)
    ('seat:100101', 'seat:100101')
    """
    s = str(name).strip()
    if s.lower().startswith(STATION_PREFIX):
        st = s[len(STATION_PREFIX):].strip()
        if G is None:
            return STATION_PREFIX + st
        if st not in G or G.nodes[st].get("kind") != "station":
            stations = [n for n, d in G.nodes(data=True) if d.get("kind") == "station"]
            close = difflib.get_close_matches(st, stations, n=4)
            raise InputError("centre", "station:<a station of the graph>", repr(name),
                             f"did you mean {['station:' + c for c in close]}?" if close else "check the station name")
        return st
    if G is not None and s.startswith("seat:") and s in G:
        return s
    keys = places.key.astype(str).str.lower()
    hit = places[keys == s.lower()]
    if len(hit) == 0:
        if s.isdigit():  # an id of another region: a near-miss code would be a different place, never suggest one
            raise InputError("centre", f"an id or a place name of {where}", repr(name),
                             f"no unit of {where} has that id; its ids are like {places.adcode.head(3).tolist()}")
        close = difflib.get_close_matches(s.lower(), keys.unique().tolist(), n=4)
        raise InputError("centre", f"an id or a place name of {where}", repr(name),
                         f"did you mean {close}?" if close else f"choose from {places.key.head(6).tolist()} ...")
    codes = list(dict.fromkeys(hit.adcode.astype(str)))
    if len(codes) > 1:
        cands = []
        for c in codes:
            ks = [k for k in places[places.adcode.astype(str) == c].key.astype(str) if k != c][:2]
            cands.append(f"{c} ({', '.join(ks)})")
        raise InputError("centre", f"a name of one place of {where}", f"{name!r}, which names {len(codes)} places: "
                         + "; ".join(cands), "write the id or the full name of the one you mean")
    return node_for(codes[0])


@dataclass
class CircleResult:
    """Economic circles: ``times``, ``membership``, ``coverage``, ``polygons``, ``params``."""

    times: pd.DataFrame
    membership: pd.DataFrame
    coverage: pd.DataFrame
    polygons: object
    params: dict


def _check_units(units):
    miss = [c for c in ("adcode", "population", "employment", "geometry") if c not in getattr(units, "columns", [])]
    if miss:
        raise InputError("units", "a GeoDataFrame with adcode, population, employment, geometry",
                         f"missing {miss}", "attach population and employment to the polygons")


def _check_minutes(minutes):
    mins = sorted(float(m) for m in minutes)
    if not mins or any(not np.isfinite(m) or m <= 0 for m in mins):
        raise InputError("minutes", "positive finite thresholds in minutes", repr(list(minutes)),
                         "e.g. minutes=(30, 60)")
    return mins


def trip_parameters(G) -> dict:
    """Every assumption of the door-to-door model of ``G`` (written into outputs)."""
    from .network import TRIP_DEFAULTS

    p = {k: G.graph.get(k, v) for k, v in TRIP_DEFAULTS.items()}
    p["speeds_kph"] = dict(G.graph.get("speeds_kph") or {})
    p["road"] = G.graph.get("road")
    p["road_times"] = G.graph.get("road_times", "none (road modelled)")
    p["source"] = G.graph.get("source", "")
    return p


def _sweep(G, origins, targets, access_shift_min, speed_change):
    """Door-to-door minutes under every combination of access +-shift and speeds x (1 +- change)."""
    from .network import door_to_door

    out = []
    for sh in (-access_shift_min, 0.0, access_shift_min):
        for f in (1 - speed_change, 1.0, 1 + speed_change):
            if sh == 0.0 and f == 1.0:
                continue
            t = door_to_door(G, origins, targets=targets, routes=False, access_shift_min=sh, speed_factor=f)
            out.append(t.set_index(["origin", "target"])["travel_min"].rename(f"{sh:+g}|{f:g}"))
    return pd.concat(out, axis=1)


def economic_circles(G, centres, *, units, minutes=(30, 60, 90), places: pd.DataFrame | None = None,
                     totals: dict | None = None, measure_crs=None, inclusive: bool = True,
                     buffer_km: float | None = None, sensitivity: bool = True, access_shift_min: float = 5.0,
                     speed_change: float = 0.10) -> CircleResult:
    """Door-to-door minutes from each centre to every unit's seat, the circles, margins and borderline seats.

    Parameters
    ----------
    G : networkx.Graph
        With a ``seat:<adcode>`` node per unit (:func:`jilin_spatial.network.connect_seats`).
    centres : iterable of str
        Ids or names (a seat), or ``station:<name>`` (see :func:`resolve_place`).
    units : geopandas.GeoDataFrame
        ``adcode, population, employment, geometry`` (optional ``name_zh``,
        ``name_en``): the units that can be inside a circle.
    minutes : iterable of float
        Thresholds.
    places : pandas.DataFrame, optional
        Name table (:func:`place_keys`); default: the units' names.
    totals : dict, optional
        ``population``, ``employment``, ``area_km2`` of the reference area for
        the shares (default: the sums over ``units``), and optionally
        ``unplaced_population`` (residents of rows without a polygon).
    measure_crs : optional
        Projected CRS for areas; default fitted to ``units``.
    inclusive : bool
        A seat at exactly the threshold is inside (``<=``, default) or not (``<``).
    buffer_km : float, optional
        Also add a buffer of this radius around the reached seats.
    sensitivity : bool
        Sweep access +- ``access_shift_min`` and every speed x (1 +- ``speed_change``)
        (all 8 combinations); a seat whose membership flips is ``borderline``.

    Returns
    -------
    CircleResult
        ``times``: centre, adcode, name_zh, name_en, travel_min, reachable,
        mode, route and minutes per component (road, access, boarding,
        in-vehicle, transfer, egress), the sweep's min/max.
        ``membership``: centre, minutes (threshold), adcode, names,
        travel_min, margin_min (minutes - threshold), inside, borderline,
        mode, route.  ``coverage``: centre, minutes, n_counties, counties
        (ids, ``;``-joined), county_names, n_borderline, borderline, population, employment, area_km2
        and ``*_share``.  ``polygons``: one row per centre and threshold
        (EPSG:4326).  There is no search limit: a seat is unreachable only
        in a disconnected graph.
    """
    import geopandas as gpd

    from .crs import measure_crs as _measure_crs
    from .network import door_to_door

    _check_units(units)
    mins = _check_minutes(minutes)
    mcrs = _measure_crs(units, measure_crs)
    units = units.copy()
    units["adcode"] = units["adcode"].astype(str)
    attrs = pd.DataFrame({"adcode": units.adcode, "name_zh": units.get("name_zh", units.adcode),
                          "name_en": units.get("name_en", units.adcode),
                          "area_km2": units.to_crs(mcrs).area.to_numpy() / 1e6,
                          "population": units["population"].to_numpy(float),
                          "employment": units["employment"].to_numpy(float)}).set_index("adcode", drop=False)
    ref = {"population": float(attrs.population.sum()), "employment": float(attrs.employment.sum()),
           "area_km2": float(attrs.area_km2.sum()), "unplaced_population": 0.0, **(totals or {})}
    seats = [node_for(a) for a in units.adcode]
    missing = [s for s in seats if s not in G]
    if missing:
        raise InputError("G", "a seat node for every unit", f"{len(missing)} missing, e.g. {missing[:3]}",
                         "build the graph from the same units (connect_seats)")
    places = place_keys(units) if places is None else places
    nodes = {c: resolve_place(c, places, G) for c in centres}
    tt = door_to_door(G, list(dict.fromkeys(nodes.values())), targets=seats)
    if sensitivity:
        sw = _sweep(G, list(dict.fromkeys(nodes.values())), seats, access_shift_min, speed_change)
        tt["min_low"] = [sw.loc[(o, t)].min() for o, t in zip(tt.origin, tt.target)]
        tt["min_high"] = [sw.loc[(o, t)].max() for o, t in zip(tt.origin, tt.target)]
    else:
        tt["min_low"] = tt["min_high"] = tt["travel_min"]
    frames = []
    for c, n in nodes.items():
        f = tt[tt.origin == n].copy()
        f.insert(0, "centre", c)
        frames.append(f)
    tt = pd.concat(frames, ignore_index=True)
    tt["adcode"] = tt.target.str.slice(5)
    tt["name_zh"] = tt.adcode.map(attrs.name_zh)
    tt["name_en"] = tt.adcode.map(attrs.name_en)
    tt["seat_point"] = [G.nodes[t].get("seat_point", "") for t in tt.target]
    comp = [c for c in ("road_min", "access_min", "boarding_min", "in_vehicle_min", "transfer_min", "egress_min")
            if c in tt]
    times = tt[["centre", "adcode", "name_zh", "name_en", "travel_min", "reachable", "mode", "route", *comp,
                "min_low", "min_high", "seat_point"]].reset_index(drop=True)

    def within(x, m):
        return (x <= m) if inclusive else (x < m)

    mem, cov, polys = [], [], []
    for centre in nodes:
        t = times[times.centre == centre].set_index("adcode")
        for m in mins:
            inside = within(t.travel_min, m).fillna(False).to_numpy()
            lo = within(t.min_low, m).fillna(False).to_numpy()
            hi = within(t.min_high, m).fillna(False).to_numpy()
            border = lo != hi
            mem.append(pd.DataFrame({"centre": centre, "minutes": m, "adcode": t.index, "name_zh": t.name_zh.to_numpy(),
                                     "name_en": t.name_en.to_numpy(), "travel_min": t.travel_min.to_numpy(),
                                     "margin_min": (t.travel_min - m).to_numpy(), "inside": inside,
                                     "borderline": border, "min_low": t.min_low.to_numpy(),
                                     "min_high": t.min_high.to_numpy(), "mode": t["mode"].to_numpy(),
                                     "route": t.route.to_numpy()}))
            ids = list(t.index[inside])
            a = attrs.loc[ids]
            bl = list(t.index[border])
            row = {"centre": centre, "minutes": m, "n_counties": len(ids), "counties": ";".join(ids),
                   "county_names": "; ".join(f"{attrs.name_en[i]} ({attrs.name_zh[i]})" for i in ids),
                   "n_borderline": len(bl),
                   "borderline": "; ".join(f"{attrs.name_en[i]} ({t.travel_min[i]:.0f} min)" for i in bl)}
            for k in ("population", "employment", "area_km2"):
                row[k] = float(a[k].sum(min_count=1))
                row[f"{k}_share"] = row[k] / ref[k] if ref[k] and np.isfinite(ref[k]) else float("nan")
            cov.append(row)
            geom = units[units.adcode.isin(ids)].to_crs(mcrs).union_all() if ids else None
            if buffer_km and ids:
                pts = gpd.GeoSeries(gpd.points_from_xy([G.nodes[node_for(i)]["lon"] for i in ids],
                                                       [G.nodes[node_for(i)]["lat"] for i in ids]), crs="EPSG:4326")
                geom = geom.union(pts.to_crs(mcrs).buffer(buffer_km * 1000).union_all())
            polys.append({"centre": centre, "minutes": m, "n_counties": len(ids), "geometry": geom})
    pg = gpd.GeoDataFrame(polys, geometry="geometry", crs=mcrs).to_crs("EPSG:4326")
    cen = {c: G.nodes[n] for c, n in nodes.items()}
    pg["centre_lon"] = pg.centre.map(lambda c: cen[c].get("lon"))
    pg["centre_lat"] = pg.centre.map(lambda c: cen[c].get("lat"))
    params = {"inclusive": inclusive, "buffer_km": buffer_km, **trip_parameters(G), "measure_crs": mcrs,
              "sensitivity": (f"access +-{access_shift_min:g} min, speeds x (1 +- {speed_change:g}), 8 combinations"
                              if sensitivity else "none"),
              "centre_nodes": dict(nodes),
              "zones_population_share": ref["unplaced_population"] / ref["population"] if ref["population"] else 0.0}
    return CircleResult(times=times, membership=pd.concat(mem, ignore_index=True), coverage=pd.DataFrame(cov),
                        polygons=pg, params=params)


def parse_link(text: str, G=None, places: pd.DataFrame | None = None) -> dict:
    """Parse ``"FROM,TO,RAIL_KM,MODE[,SPEED_KPH]"`` (the CLI's ``--add-link``).

    FROM/TO are place names/ids (resolved to seats), ``station:<name>`` or
    seat nodes.  MODE is ``high-speed`` or ``conventional``.
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (4, 5):
        raise InputError("--add-link", "FROM,TO,RAIL_KM,MODE[,SPEED_KPH]", repr(text),
                         "e.g. --add-link \"A,B,60,high-speed,200\"")
    try:
        km = float(parts[2])
        spd = float(parts[4]) if len(parts) == 5 else None
    except ValueError as exc:
        raise InputError("--add-link", "numbers for RAIL_KM and SPEED_KPH", repr(text), "e.g. 60 and 200") from exc
    return {"from": _endpoint(parts[0], G, places), "to": _endpoint(parts[1], G, places), "rail_km": km,
            "mode": parts[3], "speed_kph": spd}


def _endpoint(s, G, places):
    """A link or stop end: a place (its seat), ``station:<name>``, a seat node, or a station name no place has."""
    s = str(s).strip()
    if G is not None and s.startswith("seat:") and s in G:
        return s
    try:
        if places is None:
            if G is not None and s in G:
                return s
            raise InputError("links", "a station of the graph", repr(s), "pass places= to resolve place names")
        return resolve_place(s, places, G)
    except InputError as exc:
        if G is not None and s in G and G.nodes[s].get("kind") == "station" and "names" not in str(exc.got):
            return s
        raise InputError("links", "link endpoints that are stations of the graph or known places", repr(s),
                         exc.fix) from None


def modelled_link_km(a: str, b: str, G, *, places: pd.DataFrame | None = None, detour: float = 1.2) -> float:
    """A *modelled* length for a proposed link: great-circle km between two places times ``detour``."""
    return great_circle_km(G.nodes[_endpoint(a, G, places)], G.nodes[_endpoint(b, G, places)]) * detour


def lines_from_table(table: pd.DataFrame) -> list:
    """Scenario lines from a stop table: ``line, seq, stop`` [, ``speed_kph, leg_km, leg_min, mode, detour``].

    One row per stop, in ``seq`` order per line; ``leg_km``/``leg_min`` sit on
    the row of the stop a leg ends at.  Returns a list of dicts for
    :func:`run_scenario`.

    Examples
    --------
    >>> t = pd.DataFrame({"line": ["L", "L"], "seq": [1, 2], "stop": ["A", "B"], "speed_kph": [200, None]})
    >>> lines_from_table(t)[0]["stops"], lines_from_table(t)[0]["speed_kph"]
    (['A', 'B'], 200.0)
    """
    miss = [c for c in ("line", "seq", "stop") if c not in table.columns]
    if miss:
        raise InputError("scenario", "a stop table with columns line, seq, stop (+ speed_kph, leg_km, leg_min, mode)",
                         f"missing {miss}", "one row per stop, e.g. line=loop, seq=1, stop=<a place name>")
    out = []
    for name, g in table.sort_values(["line", "seq"], kind="stable").groupby("line", sort=False):
        if len(g) < 2:
            raise InputError("scenario", "at least two stops per line", f"line {name!r} with {len(g)}", "add stops")
        first = lambda c: (float(g[c].dropna().iloc[0]) if c in g and g[c].notna().any() else None)  # noqa: E731
        legs = lambda c: ([float(x) for x in g[c].iloc[1:]] if c in g and g[c].iloc[1:].notna().all() else None)  # noqa: E731
        out.append({"name": str(name), "stops": [str(x) for x in g.stop], "speed_kph": first("speed_kph"),
                    "leg_km": legs("leg_km"), "leg_minutes": legs("leg_min"),
                    "mode": str(g["mode"].dropna().iloc[0]) if "mode" in g and g["mode"].notna().any() else "high-speed",
                    "detour": first("detour") or 1.2})
    return out


def apply_scenario(G, *, lines=(), links=None, places=None):
    """The scenario graph: ``lines`` (dicts: name, stops, speed_kph, leg_km, leg_minutes, mode, detour) as
    lines of their own (:func:`~jilin_spatial.network.add_line`), ``links`` as upgrades/additions."""
    from .network import add_line

    H = G
    for ln in lines:
        stops = [_endpoint(x, G, places) for x in ln["stops"]]
        H = add_line(H, stops, name=ln["name"], speed_kph=ln.get("speed_kph"), leg_minutes=ln.get("leg_minutes"),
                     leg_km=ln.get("leg_km"), detour=ln.get("detour") or 1.2, mode=ln.get("mode") or "high-speed")
    if links is not None and len(links):
        links = links.copy()
        for col in ("from", "to"):
            links[col] = [_endpoint(x, G, places) for x in links[col]]
        H = add_links(H, links)
    return H


def run_scenario(G, links: pd.DataFrame | None = None, *, units, centres, masses: pd.DataFrame,
                 minutes=(30, 60, 90), places: pd.DataFrame | None = None, totals: dict | None = None,
                 measure_crs=None, inclusive: bool = True, lines=(), sensitivity: bool = True) -> dict:
    """Compare circles, coverage and gravity ties before and after a scenario.

    Parameters
    ----------
    G : networkx.Graph
    links : pandas.DataFrame, optional
        ``from, to, rail_km, mode`` [, ``speed_kph``]: upgrades or additions
        (:func:`~jilin_spatial.network.add_links`).
    lines : list of dict
        New lines as stop sequences (:func:`lines_from_table`).
    units, centres, minutes, places, totals, measure_crs, inclusive, sensitivity
        As :func:`economic_circles`.
    masses : pandas.DataFrame
        Gravity masses ``P``, ``G`` indexed by the ids of seats in ``G``.

    Returns
    -------
    dict
        ``changes``: per centre, threshold and seat, before/after/change of
        minutes, margin, membership, borderline, mode and route, and a
        ``status`` (entered, left, in, out).  ``entered``: the rows that
        entered or left.  ``coverage``: before/after/change per centre and
        threshold.  ``ties``: R before/after/change on door-to-door minutes,
        with ``distance_unit``.  ``graph``, ``before``, ``after``.
    """
    from .gravity import gravity_ties

    places = place_keys(units) if places is None else places
    H = apply_scenario(G, lines=lines, links=links, places=places)
    kw = dict(units=units, minutes=minutes, places=places, totals=totals, measure_crs=measure_crs, inclusive=inclusive,
              sensitivity=sensitivity)
    before = economic_circles(G, centres, **kw)
    after = economic_circles(H, centres, **kw)
    key = ["centre", "minutes", "adcode", "name_zh", "name_en"]
    cols = ["travel_min", "margin_min", "inside", "borderline", "mode", "route"]
    mb = before.membership[key + cols].merge(after.membership[key + cols], on=key, suffixes=("_before", "_after"))
    mb["minutes_change"] = mb.travel_min_after - mb.travel_min_before
    mb["status"] = np.select([mb.inside_after & ~mb.inside_before, mb.inside_before & ~mb.inside_after,
                              mb.inside_before], ["entered", "left", "in"], "out")
    order = key + ["status", "travel_min_before", "travel_min_after", "minutes_change", "margin_min_before",
                   "margin_min_after", "inside_before", "inside_after", "borderline_before", "borderline_after",
                   "mode_before", "mode_after", "route_before", "route_after"]
    changes = mb[order]
    ent = changes[changes.status.isin(["entered", "left"])].reset_index(drop=True)
    cb, ca = before.coverage.set_index(["centre", "minutes"]), after.coverage.set_index(["centre", "minutes"])
    cov = pd.DataFrame(index=cb.index)
    for k in ("n_counties", "population", "employment", "area_km2", "population_share", "employment_share"):
        cov[f"{k}_before"] = cb[k]
        cov[f"{k}_after"] = ca[k]
        cov[f"{k}_change"] = ca[k] - cb[k]
    cov["counties_after"] = ca["county_names"]
    cov["borderline_after"] = ca["borderline"]
    level = _seat_level(G, masses.index)
    ties = {}
    for label, graph in (("before", G), ("after", H)):
        D = pair_matrix(seat_matrix(graph, level=level), "travel_min")
        ids = [str(i) for i in masses.index]
        ties[label] = gravity_ties(masses[["P", "G"]], D.loc[ids, ids], distance_unit="door_to_door_min")\
            .set_index(["from", "to"])
    td = pd.DataFrame({"distance_unit": "door_to_door_min", "min_before": ties["before"]["distance"],
                       "min_after": ties["after"]["distance"], "R_before": ties["before"]["R"],
                       "R_after": ties["after"]["R"]})
    td["R_change"] = td.R_after - td.R_before
    td["R_change_pct"] = td.R_change / td.R_before * 100
    td = td.reset_index()
    if "name_en" in masses:
        td.insert(1, "from_name_en", td["from"].map(masses["name_en"]))
        td.insert(3, "to_name_en", td["to"].map(masses["name_en"]))
    return {"changes": changes.reset_index(drop=True), "entered": ent, "coverage": cov.reset_index(), "ties": td,
            "graph": H, "before": before, "after": after}


def _seat_level(G, ids) -> str:
    """The seat level (``<level>_seat`` kind) of the graph nodes of ``ids``."""
    kinds = {G.nodes[node_for(str(i))].get("kind", "") for i in ids if node_for(str(i)) in G}
    if len(kinds) != 1:
        raise InputError("masses", "ids of seats of one level of the graph", f"seat kinds {sorted(kinds)}",
                         "index the masses by the ids of one level's seats")
    return kinds.pop().removesuffix("_seat")
