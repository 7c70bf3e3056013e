"""The circle / scenario job: economic circles around centres of a region, before and after a scenario.

``run_circle(region, out, ...)`` writes, atomically:

* ``tables/circle_times.csv`` (per centre and seat: names, door-to-door
  minutes, mode, route, minutes per component, sweep range, seat point),
  ``tables/circle_membership.csv`` (per centre, threshold and seat: minutes,
  margin, inside, borderline), ``tables/circles.csv`` (coverage, counties by
  name), ``tables/seats.csv`` (what is measured and what is modelled per
  seat), ``tables/parameters.csv`` (every assumption);
* with a scenario: ``tables/scenario_changes.csv`` (before, after and change
  side by side), ``tables/scenario_entered_left.csv``,
  ``tables/scenario_coverage_change.csv``, ``tables/scenario_ties_change.csv``
  (with ``distance_unit``), ``tables/scenario_lines.csv`` (the legs, modelled
  or given);
* ``map.html`` (offline), ``layers.gpkg`` and ``summary.md``, ``provenance.json``.

The CLI's ``circle`` and ``scenario`` subcommands only parse their arguments
and call it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from .export import OutputDir, embedded_inputs, write_csv, write_gpkg_layers

__all__ = ["run_circle", "CircleJobResult"]


@dataclass
class CircleJobResult:
    """What the job wrote and its headline tables."""

    out: Path
    n_links: int
    coverage: pd.DataFrame
    entered: pd.DataFrame
    ties: pd.DataFrame
    membership: pd.DataFrame = None
    changes: pd.DataFrame = None
    params: dict = field(default_factory=dict)


def _circle_units(region):
    units = region.units.copy()
    if region.population is not None:
        py = region.population[region.population.year == region.population.year.max()]
        units["population"] = units.adcode.map(py.set_index("adcode")["population"])
    else:
        units["population"] = float("nan")
    units["employment"] = units.adcode.map(region.total_employment())
    return units


def _link_rows(links, links_path):
    cols = ["from", "to", "rail_km", "mode", "speed_kph"]
    if isinstance(links, pd.DataFrame):
        rows = [",".join(str(x) for x in row if pd.notna(x)) for row in links.reindex(columns=cols).itertuples(index=False)]
    else:
        rows = list(links or [])
    if links_path:
        tab = pd.read_csv(links_path)
        rows += [",".join(str(x) for x in row if pd.notna(x)) for row in tab.reindex(columns=cols).itertuples(index=False)]
    return rows


def _scenario_lines(scenario):
    from .circles import lines_from_table

    if scenario is None:
        return []
    if isinstance(scenario, dict):
        return [scenario]
    if isinstance(scenario, pd.DataFrame):
        return lines_from_table(scenario)
    if isinstance(scenario, (list, tuple)):
        return [x for s in scenario for x in _scenario_lines(s)]
    path = Path(scenario)
    if not path.is_file():
        raise InputError("scenario", "a scenario dict, a stop table or a CSV file of stops", repr(str(scenario)),
                         "pass a built-in name through the CLI (--scenario proposed-loop) or a CSV path")
    return lines_from_table(pd.read_csv(path))


def _seats_table(G, units):
    rows = []
    names = units.set_index(units.adcode.astype(str))
    for a in units.adcode.astype(str):
        d = G.nodes[f"seat:{a}"]
        acc = [(st, G.edges[f"seat:{a}", st]) for st in G.neighbors(f"seat:{a}")
               if G.edges[f"seat:{a}", st].get("mode") == "access"]
        roads = [G.edges[f"seat:{a}", n] for n in G.neighbors(f"seat:{a}") if G.edges[f"seat:{a}", n].get("mode") == "road"]
        rows.append({"adcode": a, "name_zh": names.loc[a].get("name_zh", ""), "name_en": names.loc[a].get("name_en", ""),
                     "lon": d["lon"], "lat": d["lat"], "seat_point": d.get("seat_point", ""),
                     "stations": "+".join(st for st, _ in acc),
                     "station_points": "; ".join(f"{st}: {G.nodes[st].get('point', 'none')}" for st, _ in acc),
                     "access_min": "; ".join(f"{st}: {e['access_min']:.1f}" for st, e in acc),
                     "access_basis": "; ".join(f"{st}: {e['basis']}" for st, e in acc),
                     "n_road_links": len(roads),
                     "road": ("given drive times" if roads and all(e.get("source") == "given" for e in roads)
                              else "modelled (great-circle x detour, urban ends + inter-county speed)" if roads
                              else "none")})
    return pd.DataFrame(rows)


def _params_table(params, extra):
    flat = {**{k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
               for k, v in params.items() if k != "centre_nodes"}, **extra}
    doc = {"access_min": "seat <-> station minutes where a point is missing (stated default)",
           "urban_speed_kph": "in-town speed: seat <-> station, and the town ends of a road trip",
           "urban_km": "km driven in town at each end of a road trip",
           "road_speed_kph": "inter-county road speed (expressways and first-class roads), modelled",
           "detour": "road and street km over great-circle km",
           "boarding_min": "at the boarding station before departure, once per rail trip",
           "transfer_min": "per change of service (high-speed <-> conventional, onto or off a scenario line)",
           "speeds_kph": "commercial rail speed by line class (mode)"}
    return pd.DataFrame([{"parameter": k, "value": str(v), "meaning": doc.get(k, "")} for k, v in flat.items()])


def _route_lines(G, times):
    """The links used by each route, as straight segments between the nodes they join (schematic)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    seen = {}
    for r in times.itertuples():
        for part in str(r.route).split(" | "):
            kind, _, rest = part.partition(" ")
            ends = rest.split(" ")[0].split("→")
            if len(ends) != 2:
                continue
            a, b = ends
            a = a.removesuffix("站")
            b = b.removesuffix("站")
            seen.setdefault((kind, a, b), 0)
            seen[(kind, a, b)] += 1
    names = {}
    for n, d in G.nodes(data=True):
        if "lon" in d and np.isfinite(d.get("lon", np.nan)):
            names.setdefault(d.get("name_zh") or n, (d["lon"], d["lat"]))
            names.setdefault(n, (d["lon"], d["lat"]))
    rows = []
    for (kind, a, b), k in seen.items():
        if a in names and b in names and a != b:
            rows.append({"line_zh": f"{kind}: {a}→{b}", "line_mode": "high-speed" if kind == "high-speed" else kind,
                         "rail_km": "", "n_routes": k, "geometry": LineString([names[a], names[b]])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else None


def _status_layers(units, membership, centres, mins, tag):
    """One polygon layer per centre and threshold: inside / inside (borderline) / outside (borderline) / outside."""
    out = []
    for c in centres:
        for m in mins:
            mb = membership[(membership.centre == c) & (membership.minutes == m)].set_index("adcode")
            g = units[["adcode", "name_zh", "name_en", "geometry"]].copy()
            g["travel_min"] = g.adcode.map(mb.travel_min).round(1)
            g["margin_min"] = g.adcode.map(mb.margin_min).round(1)
            ins, bl = g.adcode.map(mb.inside).fillna(False), g.adcode.map(mb.borderline).fillna(False)
            g["circle"] = np.where(ins, np.where(bl, "inside, borderline", "inside"),
                                   np.where(bl, "outside, borderline", "outside"))
            g["route"] = g.adcode.map(mb.route)
            g["mode"] = g.adcode.map(mb["mode"])
            out.append((f"{tag}{c} {m:.0f} min", g))
    return out


def _write_map(path, region, G, res, centres, mins, scenario_res):
    from . import webmap

    units = region.units
    colors = {"inside": "#2171b5", "inside, borderline": "#9ecae1", "outside, borderline": "#fdae6b",
              "outside": "#f0f0f0"}
    layers = []
    circ = scenario_res["after"] if scenario_res else res
    for c in centres:
        t = circ.times[circ.times.centre == c].set_index("adcode")
        g = units[["adcode", "name_zh", "name_en", "geometry"]].copy()
        g["travel_min"] = g.adcode.map(t.travel_min).round(1)
        g["mode"] = g.adcode.map(t["mode"])
        g["route"] = g.adcode.map(t.route)
        layers.append(webmap.MapLayer(f"Door-to-door minutes from {c}" + (" (after)" if scenario_res else ""), g,
                                      "travel_min", kind="numeric", unit="min", scheme="user_defined",
                                      bins=[m for m in mins] + [float(np.nanmax(g.travel_min))]
                                      if np.nanmax(g.travel_min) > max(mins) else list(mins), cmap="YlGnBu_r",
                                      extra_fields=["mode", "route"], note="modelled door-to-door minutes"))
    status = []
    if scenario_res:
        status += _status_layers(units, scenario_res["before"].membership, centres, mins, "before: ")
        status += _status_layers(units, scenario_res["after"].membership, centres, mins, "after: ")
    else:
        status += _status_layers(units, res.membership, centres, mins, "")
    for name, g in status:
        layers.append(webmap.MapLayer(f"Circle {name}", g, "circle", kind="categorical", colors=colors,
                                      extra_fields=["travel_min", "margin_min", "mode", "route"],
                                      note="borderline: membership flips under access ±5 min or speeds ±10 %"))
    layers.append(webmap.MapLayer("Circle outlines" + (" (after)" if scenario_res else ""), circ.polygons,
                                  kind="circles"))
    if scenario_res:
        layers.append(webmap.MapLayer("Circle outlines (before)", scenario_res["before"].polygons, kind="circles"))
    rl = _route_lines(G, circ.times)
    if rl is not None:
        layers.append(webmap.MapLayer("Links used by the routes (schematic)", rl, kind="rail"))
    layers += _point_layers(G, circ, units)
    first_circle = next(ly.name for ly in layers if ly.kind == "categorical")
    m = webmap.build_map(layers, title=f"Economic circles, {region.name} (modelled door-to-door minutes)",
                         default=first_circle)  # circle runs open on a circle (circle layers are exclusive themes)
    webmap.save_map(m, path)
    return len(layers)


def _point_layers(G, circ, units):
    """Stations (OSM points), centres and borderline seats as point overlays of the map."""
    import geopandas as gpd

    from . import webmap

    def pts(rows):
        return gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy([r["lon"] for r in rows], [r["lat"] for r in rows]),
                                crs="EPSG:4326")

    out = []
    st = [{"name_zh": f"station {n}", "lon": d["lon"], "lat": d["lat"]} for n, d in G.nodes(data=True)
          if d.get("kind") == "station" and np.isfinite(d.get("lon", np.nan))]
    if st:
        out.append(webmap.MapLayer("Stations (OSM points)", pts(st), kind="points", show=False))
    ce = [{"name_zh": f"centre {c}", "lon": G.nodes[n]["lon"], "lat": G.nodes[n]["lat"]}
          for c, n in circ.params["centre_nodes"].items()]
    out.append(webmap.MapLayer("Centres", pts(ce), kind="points", show=True))
    bl = circ.membership[circ.membership.borderline]
    if len(bl):
        names = units.set_index("adcode")["name_zh"]
        rows = []
        for a in sorted(set(bl.adcode)):
            d = G.nodes[f"seat:{a}"]
            tip = "; ".join(f"{r.centre} {r.minutes:.0f} min: {r.travel_min:.0f} min (margin {r.margin_min:+.0f})"
                            for r in bl[bl.adcode == a].itertuples())
            rows.append({"name_zh": f"{names.get(a, a)}: {tip}", "borderline": True, "lon": d["lon"], "lat": d["lat"]})
        out.append(webmap.MapLayer("Borderline seats", pts(rows), kind="points", show=True,
                                   note="membership flips under access ±5 min or speeds ±10 %"))
    return out


def _summary(region, res, centres, mins, scenario_res, params, notes):
    md = [f"# Economic circles: {region.name}", "",
          "Door-to-door minutes (MODELLED): the faster of road and rail; a rail trip is access + boarding + "
          "in-vehicle + transfers + egress, access and egress once per trip. See docs/circles.md.", "",
          "Parameters: " + ", ".join(f"{k} = {v}" for k, v in params.items()
                                     if k in ("access_min", "urban_speed_kph", "urban_km", "road_speed_kph",
                                              "detour", "boarding_min", "transfer_min", "speeds_kph")), ""]
    circ = scenario_res["after"] if scenario_res else res
    for x in circ.coverage.itertuples():
        md.append(f"## {x.centre}, {x.minutes:.0f} min{' (after the scenario)' if scenario_res else ''}: "
                  f"{x.n_counties} counties, {x.population_share:.1%} of population")
        md.append("")
        mb = circ.membership[(circ.membership.centre == x.centre) & (circ.membership.minutes == x.minutes)]
        for r in mb[mb.inside].sort_values("travel_min").itertuples():
            md.append(f"- {r.name_en} ({r.name_zh}): {r.travel_min:.0f} min (margin {r.margin_min:+.0f}), "
                      f"{r.mode}{', BORDERLINE' if r.borderline else ''}")
        out_bl = mb[~mb.inside & mb.borderline]
        for r in out_bl.sort_values("travel_min").itertuples():
            md.append(f"- outside but BORDERLINE: {r.name_en} ({r.name_zh}): {r.travel_min:.0f} min "
                      f"(margin {r.margin_min:+.0f})")
        md.append("")
    if scenario_res:
        md += ["## Scenario: counties entering or leaving a circle", ""]
        ent = scenario_res["entered"]
        if not len(ent):
            md.append("- none")
        for r in ent.itertuples():
            md.append(f"- {r.status}: {r.name_en} ({r.name_zh}), {r.centre} {r.minutes:.0f} min: "
                      f"{r.travel_min_before:.0f} -> {r.travel_min_after:.0f} min"
                      f"{' (borderline)' if r.borderline_after or r.borderline_before else ''}")
        md.append("")
    unreach = circ.times[~circ.times.reachable]
    md += [f"Unreachable seats (disconnected graph only): {len(unreach)}", "", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(md) + "\n"


def run_circle(region, out, *, centres=None, minutes=(30, 60, 90), links=None, links_path=None, scenario=None,
               speeds_kph: dict | None = None, access_min: float | None = None, graph_params: dict | None = None,
               road_times=None, inclusive: bool = True, masses_region=None, force: bool = False,
               arguments: dict | None = None) -> CircleJobResult:
    """Economic circles around ``centres`` of ``region``, before and after a scenario.

    Parameters
    ----------
    region : Region
        Its units are what circles cover; its graph (or its recipe's graph
        factory, with the parameters) carries the travel times.
    out : path
        Output folder (new or empty unless ``force``).
    centres : iterable of str, optional
        Ids or names of the region (a seat) or ``station:<name>``; default the region's centres.
    minutes : iterable of float
    links : list of str or DataFrame, optional
        ``"FROM,TO,RAIL_KM,MODE[,SPEED_KPH]"`` strings or a table with those columns (upgrades/additions).
    links_path : path, optional
        A CSV of links (``from,to,rail_km,mode[,speed_kph]``).
    scenario : dict, DataFrame, path or list, optional
        New lines as stop sequences: a dict (``name, stops, speed_kph`` ...,
        e.g. ``jilin.scenario("proposed-loop")``), a stop table or CSV
        (``line, seq, stop`` [, ``speed_kph, leg_km, leg_min, mode, detour``]).
    speeds_kph, access_min, graph_params : optional
        Rebuild the graph with these (``graph_params``: any of
        ``road_speed_kph, urban_speed_kph, urban_km, detour, boarding_min, transfer_min``).
    road_times : path or DataFrame, optional
        Measured drive minutes ``from, to, road_min`` between seat ids; they
        replace the modelled road for those pairs.
    inclusive : bool
        A seat exactly at the threshold is inside.
    masses_region : Region, optional
        Region whose gravity masses the tie changes use (default: ``region``).
    force : bool
        Replace an earlier output of this package.

    Returns
    -------
    CircleJobResult
    """
    from .circles import STATION_PREFIX, economic_circles, parse_link, run_scenario, trip_parameters
    from .network import set_road_times

    centres = tuple(centres or region.centres)
    if not centres:
        raise InputError("centres", f"at least one centre of {region.name}", "none",
                         "pass --from NAME (an id or a unit name)")
    lines = _scenario_lines(scenario)
    rt = None
    if road_times is not None:
        rt = road_times if isinstance(road_times, pd.DataFrame) else pd.read_csv(road_times, dtype={"from": str, "to": str})
    inputs = [*(embedded_inputs() if region.graph_factory is not None else []),
              *[Path(s["path"]) for s in region.sources if s.get("path")], *([links_path] if links_path else []),
              *([Path(road_times)] if road_times is not None and not isinstance(road_times, pd.DataFrame) else []),
              *([Path(scenario)] if isinstance(scenario, (str, Path)) else [])]
    od = OutputDir(out, force=force, job="circle", inputs=inputs, arguments=arguments or {
        "centres": list(centres), "minutes": list(minutes), "links": [str(x) for x in (links or [])],
        "links_path": str(links_path) if links_path else None, "speeds_kph": speeds_kph, "access_min": access_min,
        "graph_params": graph_params, "scenario": [ln.get("name") for ln in lines], "inclusive": inclusive})
    for c in centres:
        if not str(c).lower().startswith(STATION_PREFIX):
            region.resolve(c)
    params = {k: v for k, v in (("speeds_kph", speeds_kph), ("access_min", access_min)) if v is not None}
    params.update(graph_params or {})
    G = region.transport_graph(**params)
    if rt is not None:
        G = set_road_times(G.copy(), rt)
    places = region.place_table()
    parsed = [parse_link(t, G, places) for t in _link_rows(links, links_path)]
    units = _circle_units(region)
    mins = sorted(float(m) for m in minutes)
    kw = dict(units=units, centres=centres, minutes=minutes, places=places, totals=region.circle_totals,
              measure_crs=region.measure_crs, inclusive=inclusive)
    scen = None
    if parsed or lines:
        masses, _ = (masses_region or region).gravity_masses()
        scen = run_scenario(G, pd.DataFrame(parsed, columns=["from", "to", "rail_km", "mode", "speed_kph"]) if parsed
                            else None, masses=masses, lines=lines, **kw)
        res = scen["after"]
    else:
        res = economic_circles(G, centres, **{k: v for k, v in kw.items() if k != "centres"})
    tp = trip_parameters(G)
    extra = {"scenario_lines": json.dumps([{k: v for k, v in ln.items() if k != "note"} for ln in lines],
                                          ensure_ascii=False) if lines else "none",
             "sensitivity": res.params["sensitivity"], "inclusive": inclusive}
    notes = [f"Graph: {tp['source']}.", f"Road times: {tp['road_times']}."]
    notes += [ln["note"] for ln in lines if ln.get("note")]
    with od as st:
        write_csv(res.times, st / "tables" / "circle_times.csv")
        write_csv(res.membership, st / "tables" / "circle_membership.csv")
        write_csv(res.coverage, st / "tables" / "circles.csv")
        write_csv(_seats_table(G, units), st / "tables" / "seats.csv")
        write_csv(_params_table(tp, extra), st / "tables" / "parameters.csv")
        gp = {"circles": res.polygons}
        if scen is not None:
            write_csv(scen["changes"], st / "tables" / "scenario_changes.csv")
            write_csv(scen["entered"], st / "tables" / "scenario_entered_left.csv")
            write_csv(scen["coverage"], st / "tables" / "scenario_coverage_change.csv")
            write_csv(scen["ties"], st / "tables" / "scenario_ties_change.csv")
            H = scen["graph"]
            legs = pd.DataFrame([{"from": a, "to": b, **{k: d.get(k) for k in ("line", "mode", "rail_km", "travel_min",
                                                                               "km_source", "speed_kph")}}
                                 for a, b, d in H.edges(data=True) if d.get("scenario")])
            write_csv(legs, st / "tables" / "scenario_lines.csv")
            gp = {"circles_before": scen["before"].polygons, "circles": scen["after"].polygons}
        import geopandas as gpd

        g = units[["adcode", "name_zh", "name_en", "geometry"]].copy()
        for c in centres:
            t = res.times[res.times.centre == c].set_index("adcode")
            g[f"min_{c}"] = g.adcode.map(t.travel_min)
        gp["seat_minutes"] = g
        sp = _seats_table(G, units)
        gp["seats"] = gpd.GeoDataFrame(sp, geometry=gpd.points_from_xy(sp.lon, sp.lat), crs="EPSG:4326")
        write_gpkg_layers(gp, st / "layers.gpkg", timestamp=od.timestamp)
        _write_map(st / "map.html", region, G if scen is None else scen["graph"], res, centres, mins, scen)
        (st / "summary.md").write_text(_summary(region, res, centres, mins, scen, tp, notes), encoding="utf-8")
    ent = scen["entered"] if scen is not None else pd.DataFrame()
    return CircleJobResult(out=od.target, n_links=len(parsed) + sum(len(ln["stops"]) - 1 for ln in lines),
                           coverage=scen["coverage"] if scen is not None else res.coverage, entered=ent,
                           ties=scen["ties"] if scen is not None else pd.DataFrame(), membership=res.membership,
                           changes=scen["changes"] if scen is not None else None, params=res.params)
