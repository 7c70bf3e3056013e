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

import pandas as pd

from ._errors import InputError
from .network import add_links, great_circle_km, node_for, pair_matrix, seat_matrix, travel_times

__all__ = ["resolve_place", "economic_circles", "CircleResult", "run_scenario", "parse_link", "modelled_link_km"]


def _places():
    from . import datasets

    p = datasets.load_boundaries("prefecture")[["adcode", "name_zh", "name_en"]].assign(level="prefecture")
    c = datasets.load_boundaries("county")[["adcode", "name_zh", "name_en", "name_pinyin"]].assign(level="county")
    return p, c


def resolve_place(name: str, G=None) -> str:
    """Resolve a centre given by adcode, Chinese or English name to a seat node.

    Prefecture names win (``"Jilin"``/``"吉林"`` is Jilin City, ``"Changchun"``
    the prefecture seat).  Counties match their English name with or without
    the suffix (``"Nong'an"``, ``"Nong'an County"``), their pinyin or Chinese
    name.  Station names are accepted as they are when ``G`` has them.

    Raises
    ------
    InputError
        Unknown place, with suggestions.
    """
    s = str(name).strip()
    if G is not None and s in G:
        return s
    p, c = _places()
    keys = {}
    for r in p.itertuples():
        for k in (r.adcode, r.name_zh, r.name_zh.rstrip("市"), r.name_en, r.name_en.replace(" City", ""),
                  r.name_en.split()[0]):
            keys.setdefault(k.lower(), r.adcode)
    for r in c.itertuples():
        stem = r.name_en.rsplit(" ", 1)[0] if r.name_en.split()[-1] in ("County", "District", "City") else r.name_en
        for k in (r.adcode, r.name_zh, r.name_en, stem, r.name_pinyin, r.name_zh[:-1]):
            keys.setdefault(str(k).lower(), r.adcode)
    hit = keys.get(s.lower())
    if hit is None:
        close = difflib.get_close_matches(s.lower(), list(keys), n=4)
        raise InputError("centre", "an adcode, or a prefecture or county name (Chinese or English)", repr(name),
                         f"did you mean {close}?" if close else "see datasets.load_boundaries('county')")
    return node_for(hit)


@dataclass
class CircleResult:
    """Economic circles: ``times``, ``membership``, ``coverage`` and ``polygons``."""

    times: pd.DataFrame
    membership: pd.DataFrame
    coverage: pd.DataFrame
    polygons: object
    params: dict


def _county_attributes():
    from . import datasets

    counties = datasets.load_boundaries("county")
    emp = datasets.load_employment("county", years=[2020], include_total=True)
    tot = emp[emp.sector == "TOTAL"].set_index("adcode")["value"]
    pop = datasets.county_population(year=2020)
    area = counties.to_crs(datasets.MEASURE_CRS).area / 1e6
    attrs = pd.DataFrame({"adcode": counties.adcode, "name_en": counties.name_en, "area_km2": area.to_numpy()})
    attrs["population"] = attrs.adcode.map(pop.set_index("adcode")["resident_pop"])
    attrs["employment"] = attrs.adcode.map(tot)
    province = {"population": float(pop.resident_pop.sum()), "employment": float(tot.sum()),
                "area_km2": float(datasets.load_boundaries("province").to_crs(datasets.MEASURE_CRS).area.sum() / 1e6)}
    zones = pop[pop.is_zone]
    return counties, attrs, province, zones


def economic_circles(G, centres=("Changchun", "Jilin City"), *, minutes=(30, 60, 90), inclusive: bool = True,
                     buffer_km: float | None = None) -> CircleResult:
    """Travel minutes from each centre to every county seat, and the circles.

    Parameters
    ----------
    G : networkx.Graph
        From :func:`~jilin_spatial.network.rail_graph` (or a scenario of it).
    centres : iterable of str
        Names or adcodes (see :func:`resolve_place`).
    minutes : iterable of float
        Thresholds.
    inclusive : bool
        A seat at exactly the threshold is inside (``<=``, default) or not (``<``).
    buffer_km : float, optional
        Also add a buffer of this radius around the reached seats to the
        circle polygon (in the measuring CRS).

    Returns
    -------
    CircleResult
        ``times``: centre, adcode, travel_min, reachable.
        ``membership``: centre, minutes, adcode, inside.
        ``coverage``: centre, minutes, n_counties, population, employment,
        area_km2 and ``*_share`` of the province (development zones, whose
        residents have no polygon, are never counted inside a circle; their
        share is in ``params["zones_population_share"]``).
        ``polygons``: GeoDataFrame (EPSG:4326), one row per centre and threshold.
    """
    import geopandas as gpd

    from . import datasets

    mins = sorted(float(m) for m in minutes)
    if not mins or any(m <= 0 for m in mins):
        raise InputError("minutes", "positive thresholds in minutes", repr(list(minutes)), "e.g. minutes=(30, 60)")
    counties, attrs, province, zones = _county_attributes()
    seats = [node_for(a) for a in counties.adcode]
    nodes = {c: resolve_place(c, G) for c in centres}
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
                row[k] = float(a[k].sum())
                row[f"{k}_share"] = row[k] / province[k]
            cov.append(row)
            geom = counties[counties.adcode.isin(ids)].to_crs(datasets.MEASURE_CRS).union_all() if ids else None
            if buffer_km and ids:
                pts = gpd.GeoSeries(gpd.points_from_xy([G.nodes[node_for(i)]["lon"] for i in ids],
                                                       [G.nodes[node_for(i)]["lat"] for i in ids]), crs="EPSG:4326")
                geom = geom.union(pts.to_crs(datasets.MEASURE_CRS).buffer(buffer_km * 1000).union_all())
            polys.append({"centre": centre, "minutes": m, "n_counties": len(ids), "geometry": geom})
    pg = gpd.GeoDataFrame(polys, geometry="geometry", crs=datasets.MEASURE_CRS).to_crs("EPSG:4326")
    cen = {c: G.nodes[n] for c, n in nodes.items()}
    pg["centre_lon"] = pg.centre.map(lambda c: cen[c].get("lon"))
    pg["centre_lat"] = pg.centre.map(lambda c: cen[c].get("lat"))
    params = {"inclusive": inclusive, "buffer_km": buffer_km, "access_min": G.graph.get("access_min"),
              "speeds_kph": G.graph.get("speeds_kph"), "road_speed_kph": G.graph.get("road_speed_kph"),
              "detour": G.graph.get("detour"),
              "zones_population_share": float(zones.resident_pop.sum()) / province["population"]}
    return CircleResult(times=times.reset_index(drop=True), membership=pd.concat(mem, ignore_index=True),
                        coverage=pd.DataFrame(cov), polygons=pg, params=params)


def parse_link(text: str, G=None) -> dict:
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
    return {"from": _endpoint(parts[0], G), "to": _endpoint(parts[1], G), "rail_km": km, "mode": parts[3],
            "speed_kph": spd}


def _endpoint(s, G):
    if G is not None and s in G:
        return s
    try:
        return resolve_place(s, G)
    except InputError as exc:
        raise InputError("links", "link endpoints that are stations of the graph or known places", repr(s),
                         exc.fix) from None


def modelled_link_km(a: str, b: str, G, *, detour: float = 1.2) -> float:
    """A *modelled* length for a proposed link: great-circle km between two seats times ``detour``."""
    return great_circle_km(G.nodes[_endpoint(a, G)], G.nodes[_endpoint(b, G)]) * detour


def run_scenario(G, links: pd.DataFrame, *, centres=("Changchun", "Jilin City"), minutes=(30, 60, 90),
                 inclusive: bool = True, masses=None) -> dict:
    """Compare circles, coverage and gravity ties before and after adding/upgrading links.

    Returns
    -------
    dict
        ``entered`` (centre, minutes, adcode, name_en, before_min, after_min),
        ``coverage`` (before/after/change per centre and threshold),
        ``ties`` (pair, R before/after on travel minutes, change),
        ``graph`` (the scenario graph), ``before`` and ``after`` CircleResults.
    """
    from .gravity import default_masses, gravity_ties

    links = links.copy()
    for col in ("from", "to"):
        links[col] = [_endpoint(x, G) for x in links[col]]
    H = add_links(G, links)
    before = economic_circles(G, centres, minutes=minutes, inclusive=inclusive)
    after = economic_circles(H, centres, minutes=minutes, inclusive=inclusive)
    mb = before.membership.merge(after.membership, on=["centre", "minutes", "adcode"], suffixes=("_before", "_after"))
    ent = mb[mb.inside_after & ~mb.inside_before].copy()
    tb = before.times.set_index(["centre", "adcode"])["travel_min"]
    ta = after.times.set_index(["centre", "adcode"])["travel_min"]
    ent["before_min"] = [tb.get((c, a)) for c, a in zip(ent.centre, ent.adcode)]
    ent["after_min"] = [ta.get((c, a)) for c, a in zip(ent.centre, ent.adcode)]
    names = _places()[1].set_index("adcode")["name_en"]
    ent["name_en"] = ent.adcode.map(names)
    cb, ca = before.coverage.set_index(["centre", "minutes"]), after.coverage.set_index(["centre", "minutes"])
    cov = pd.DataFrame(index=cb.index)
    for k in ("n_counties", "population", "employment", "area_km2", "population_share"):
        cov[f"{k}_before"] = cb[k]
        cov[f"{k}_after"] = ca[k]
        cov[f"{k}_change"] = ca[k] - cb[k]
    m = default_masses() if masses is None else masses
    ties = {}
    for label, graph in (("before", G), ("after", H)):
        D = pair_matrix(seat_matrix(graph), "travel_min")
        ties[label] = gravity_ties(m, D, distance_unit="travel_min").set_index(["from", "to"])
    td = pd.DataFrame({"R_before": ties["before"]["R"], "R_after": ties["after"]["R"],
                       "min_before": ties["before"]["distance"], "min_after": ties["after"]["distance"]})
    td["R_change"] = td.R_after - td.R_before
    td["R_change_pct"] = td.R_change / td.R_before * 100
    return {"entered": ent[["centre", "minutes", "adcode", "name_en", "before_min", "after_min"]].reset_index(drop=True),
            "coverage": cov.reset_index(), "ties": td.reset_index(), "graph": H, "before": before, "after": after}
