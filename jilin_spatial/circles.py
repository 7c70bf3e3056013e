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
from .network import add_links, great_circle_km, node_for, pair_matrix, seat_matrix, travel_times

__all__ = ["place_keys", "resolve_place", "economic_circles", "CircleResult", "run_scenario", "parse_link",
           "modelled_link_km"]


def place_keys(units) -> pd.DataFrame:
    """Names that resolve to each unit: ``adcode, key``, in the units' order (the first match wins).

    Keys: the id, ``name_zh`` and ``name_en`` (when present), and the names
    without an administrative suffix (市/县/区/自治县/自治州, City/County/District).

    Examples
    --------
    >>> place_keys(pd.DataFrame({"adcode": ["220122"], "name_zh": ["农安县"], "name_en": ["Nong'an County"]})).key.tolist()
    ['220122', '农安县', '农安', "Nong'an County", "Nong'an"]
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


def resolve_place(name: str, places: pd.DataFrame, G=None, *, where: str = "the region") -> str:
    """Resolve a centre given by id or name to a seat node of ``G``.

    Parameters
    ----------
    name : str
        An id, a name (Chinese or English, with or without suffix) from
        ``places``, or a node of ``G`` (a station) as it is.
    places : pandas.DataFrame
        ``adcode, key`` (see :func:`place_keys`); the first match wins.
    G : networkx.Graph, optional
    where : str
        The region's name, for the error message.

    Raises
    ------
    InputError
        A place not in ``places``, with suggestions from ``places`` only.

    Examples
    --------
    >>> t = place_keys(pd.DataFrame({"adcode": ["220122"], "name_zh": ["农安县"], "name_en": ["Nong'an County"]}))
    >>> resolve_place("nong'an", t)
    'seat:220122'
    """
    s = str(name).strip()
    if G is not None and s in G:
        return s
    hit = places[places.key.astype(str).str.lower() == s.lower()]
    if len(hit) == 0:
        if s.isdigit():  # an id of another region: a near-miss code would be a different place, never suggest one
            raise InputError("centre", f"an id or a place name of {where}", repr(name),
                             f"no unit of {where} has that id; its ids are like {places.adcode.head(3).tolist()}")
        close = difflib.get_close_matches(s.lower(), places.key.astype(str).str.lower().unique().tolist(), n=4)
        raise InputError("centre", f"an id or a place name of {where}", repr(name),
                         f"did you mean {close}?" if close else f"choose from {places.key.head(6).tolist()} ...")
    return node_for(str(hit.adcode.iloc[0]))


@dataclass
class CircleResult:
    """Economic circles: ``times``, ``membership``, ``coverage`` and ``polygons``."""

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


def economic_circles(G, centres, *, units, minutes=(30, 60, 90), places: pd.DataFrame | None = None,
                     totals: dict | None = None, measure_crs=None, inclusive: bool = True,
                     buffer_km: float | None = None) -> CircleResult:
    """Travel minutes from each centre to every unit's seat, and the circles.

    Parameters
    ----------
    G : networkx.Graph
        With a ``seat:<adcode>`` node per unit (see :mod:`jilin_spatial.network`).
    centres : iterable of str
        Ids or names (see :func:`resolve_place`), or station nodes.
    units : geopandas.GeoDataFrame
        ``adcode, population, employment, geometry`` (optional ``name_en``):
        the units that can be inside a circle.
    minutes : iterable of float
        Thresholds.
    places : pandas.DataFrame, optional
        Name table (:func:`place_keys`); default: the units' names.
    totals : dict, optional
        ``population``, ``employment``, ``area_km2`` of the reference area for
        the shares (default: the sums over ``units``), and optionally
        ``unplaced_population`` (residents of rows without a polygon, never
        inside a circle).
    measure_crs : optional
        Projected CRS for areas; default fitted to ``units``.
    inclusive : bool
        A seat at exactly the threshold is inside (``<=``, default) or not (``<``).
    buffer_km : float, optional
        Also add a buffer of this radius around the reached seats to the
        circle polygon (in ``measure_crs``).

    Returns
    -------
    CircleResult
        ``times``: centre, adcode, travel_min, reachable.
        ``membership``: centre, minutes, adcode, inside.
        ``coverage``: centre, minutes, n_counties, population, employment,
        area_km2 and ``*_share`` of the totals.
        ``polygons``: GeoDataFrame (EPSG:4326), one row per centre and threshold.
    """
    import geopandas as gpd

    from .crs import measure_crs as _measure_crs

    _check_units(units)
    mins = sorted(float(m) for m in minutes)
    if not mins or any(not np.isfinite(m) or m <= 0 for m in mins):
        raise InputError("minutes", "positive finite thresholds in minutes", repr(list(minutes)),
                         "e.g. minutes=(30, 60)")
    mcrs = _measure_crs(units, measure_crs)
    units = units.copy()
    units["adcode"] = units["adcode"].astype(str)
    attrs = pd.DataFrame({"adcode": units.adcode, "name_en": units.get("name_en", units.adcode),
                          "area_km2": units.to_crs(mcrs).area.to_numpy() / 1e6,
                          "population": units["population"].to_numpy(float),
                          "employment": units["employment"].to_numpy(float)})
    ref = {"population": float(attrs.population.sum()), "employment": float(attrs.employment.sum()),
           "area_km2": float(attrs.area_km2.sum()), "unplaced_population": 0.0, **(totals or {})}
    seats = [node_for(a) for a in units.adcode]
    missing = [s for s in seats if s not in G]
    if missing:
        raise InputError("G", "a seat node for every unit", f"{len(missing)} missing, e.g. {missing[:3]}",
                         "build the graph from the same units (connect_seats)")
    places = place_keys(units) if places is None else places
    nodes = {c: resolve_place(c, places, G) for c in centres}
    tt = travel_times(G, list(nodes.values()), targets=seats, weight="travel_min", limit=max(mins) * 4)
    inv = {v: k for k, v in nodes.items()}
    tt["centre"] = tt.origin.map(inv)
    tt["adcode"] = tt.target.str.slice(5)
    times = tt[["centre", "adcode", "travel_min", "reachable"]]
    mem, cov, polys = [], [], []
    for centre in nodes:
        t = times[times.centre == centre].set_index("adcode")["travel_min"]
        for m in mins:
            inside = (t <= m) if inclusive else (t < m)
            inside = inside.fillna(False)
            mem.append(pd.DataFrame({"centre": centre, "minutes": m, "adcode": t.index, "inside": inside.to_numpy()}))
            ids = list(t.index[inside.to_numpy()])
            a = attrs[attrs.adcode.isin(ids)]
            row = {"centre": centre, "minutes": m, "n_counties": len(ids), "counties": ";".join(ids)}
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
    params = {"inclusive": inclusive, "buffer_km": buffer_km, "access_min": G.graph.get("access_min"),
              "speeds_kph": G.graph.get("speeds_kph"), "road_speed_kph": G.graph.get("road_speed_kph"),
              "detour": G.graph.get("detour"), "measure_crs": mcrs,
              "zones_population_share": ref["unplaced_population"] / ref["population"] if ref["population"] else 0.0}
    return CircleResult(times=times.reset_index(drop=True), membership=pd.concat(mem, ignore_index=True),
                        coverage=pd.DataFrame(cov), polygons=pg, params=params)


def parse_link(text: str, G=None, places: pd.DataFrame | None = None) -> dict:
    """Parse ``"FROM,TO,RAIL_KM,MODE[,SPEED_KPH]"`` (the CLI's ``--add-link``).

    FROM/TO are station names, seat nodes, or place names/adcodes (resolved
    to seats).  MODE is ``high-speed`` or ``conventional``.
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (4, 5):
        raise InputError("--add-link", "FROM,TO,RAIL_KM,MODE[,SPEED_KPH]", repr(text),
                         "e.g. --add-link \"Changchun,Nong'an,60,high-speed,200\"")
    try:
        km = float(parts[2])
        spd = float(parts[4]) if len(parts) == 5 else None
    except ValueError as exc:
        raise InputError("--add-link", "numbers for RAIL_KM and SPEED_KPH", repr(text), "e.g. 60 and 200") from exc
    return {"from": _endpoint(parts[0], G, places), "to": _endpoint(parts[1], G, places), "rail_km": km,
            "mode": parts[3], "speed_kph": spd}


def _endpoint(s, G, places):
    if G is not None and s in G:
        return s
    try:
        if places is None:
            raise InputError("links", "a station of the graph", repr(s), "pass places= to resolve place names")
        return resolve_place(s, places, G)
    except InputError as exc:
        raise InputError("links", "link endpoints that are stations of the graph or known places", repr(s),
                         exc.fix) from None


def modelled_link_km(a: str, b: str, G, *, places: pd.DataFrame | None = None, detour: float = 1.2) -> float:
    """A *modelled* length for a proposed link: great-circle km between two seats times ``detour``."""
    return great_circle_km(G.nodes[_endpoint(a, G, places)], G.nodes[_endpoint(b, G, places)]) * detour


def run_scenario(G, links: pd.DataFrame, *, units, centres, masses: pd.DataFrame, minutes=(30, 60, 90),
                 places: pd.DataFrame | None = None, totals: dict | None = None, measure_crs=None,
                 inclusive: bool = True) -> dict:
    """Compare circles, coverage and gravity ties before and after adding/upgrading links.

    Parameters
    ----------
    G : networkx.Graph
    links : pandas.DataFrame
        ``from, to, rail_km, mode`` [, ``speed_kph``]; endpoints are stations, seat
        nodes or place names/ids (resolved with ``places``).
    units, centres, minutes, places, totals, measure_crs, inclusive
        As :func:`economic_circles`.
    masses : pandas.DataFrame
        Gravity masses ``P``, ``G`` indexed by the ids of seats in ``G``.

    Returns
    -------
    dict
        ``entered`` (centre, minutes, adcode, name_en, before_min, after_min),
        ``coverage`` (before/after/change per centre and threshold),
        ``ties`` (pair, R before/after on travel minutes, change),
        ``graph`` (the scenario graph), ``before`` and ``after`` CircleResults.
    """
    from .gravity import gravity_ties

    places = place_keys(units) if places is None else places
    links = links.copy()
    for col in ("from", "to"):
        links[col] = [_endpoint(x, G, places) for x in links[col]]
    H = add_links(G, links)
    kw = dict(units=units, minutes=minutes, places=places, totals=totals, measure_crs=measure_crs, inclusive=inclusive)
    before = economic_circles(G, centres, **kw)
    after = economic_circles(H, centres, **kw)
    mb = before.membership.merge(after.membership, on=["centre", "minutes", "adcode"], suffixes=("_before", "_after"))
    ent = mb[mb.inside_after & ~mb.inside_before].copy()
    tb = before.times.set_index(["centre", "adcode"])["travel_min"]
    ta = after.times.set_index(["centre", "adcode"])["travel_min"]
    ent["before_min"] = [tb.get((c, a)) for c, a in zip(ent.centre, ent.adcode)]
    ent["after_min"] = [ta.get((c, a)) for c, a in zip(ent.centre, ent.adcode)]
    names = units.assign(adcode=units.adcode.astype(str)).set_index("adcode").get("name_en")
    ent["name_en"] = ent.adcode.map(names) if names is not None else ent.adcode
    cb, ca = before.coverage.set_index(["centre", "minutes"]), after.coverage.set_index(["centre", "minutes"])
    cov = pd.DataFrame(index=cb.index)
    for k in ("n_counties", "population", "employment", "area_km2", "population_share"):
        cov[f"{k}_before"] = cb[k]
        cov[f"{k}_after"] = ca[k]
        cov[f"{k}_change"] = ca[k] - cb[k]
    level = _seat_level(G, masses.index)
    ties = {}
    for label, graph in (("before", G), ("after", H)):
        D = pair_matrix(seat_matrix(graph, level=level), "travel_min")
        ties[label] = gravity_ties(masses, D, distance_unit="travel_min").set_index(["from", "to"])
    td = pd.DataFrame({"R_before": ties["before"]["R"], "R_after": ties["after"]["R"],
                       "min_before": ties["before"]["distance"], "min_after": ties["after"]["distance"]})
    td["R_change"] = td.R_after - td.R_before
    td["R_change_pct"] = td.R_change / td.R_before * 100
    return {"entered": ent[["centre", "minutes", "adcode", "name_en", "before_min", "after_min"]].reset_index(drop=True),
            "coverage": cov.reset_index(), "ties": td.reset_index(), "graph": H, "before": before, "after": after}


def _seat_level(G, ids) -> str:
    """The seat level (``<level>_seat`` kind) of the graph nodes of ``ids``."""
    kinds = {G.nodes[node_for(str(i))].get("kind", "") for i in ids if node_for(str(i)) in G}
    if len(kinds) != 1:
        raise InputError("masses", "ids of seats of one level of the graph", f"seat kinds {sorted(kinds)}",
                         "index the masses by the ids of one level's seats")
    return kinds.pop().removesuffix("_seat")
