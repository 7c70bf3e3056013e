"""The circle / scenario job: economic circles around centres of a region, before and after scenario links.

``run_circle(region, out, ...)`` writes, atomically: ``tables/circles.csv``,
``circle_travel_times.csv``, ``scenario_coverage_change.csv``,
``scenario_entered.csv``, ``scenario_ties_change.csv``, ``layers.gpkg``
(``circles_before``, ``circles``) and ``provenance.json``, and returns a
:class:`CircleJobResult`.  The CLI's ``circle`` subcommand only parses its
arguments and calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def _circle_units(region):
    units = region.units.copy()
    if region.population is not None:
        py = region.population[region.population.year == region.population.year.max()]
        units["population"] = units.adcode.map(py.set_index("adcode")["population"])
    else:
        units["population"] = float("nan")
    units["employment"] = units.adcode.map(region.total_employment())
    return units


def run_circle(region, out, *, centres=None, minutes=(30, 60, 90), links=None, links_path=None,
               speeds_kph: dict | None = None, access_min: float | None = None, inclusive: bool = True,
               masses_region=None, force: bool = False, arguments: dict | None = None) -> CircleJobResult:
    """Economic circles around ``centres`` of ``region``, before and after scenario ``links``.

    Parameters
    ----------
    region : Region
        Its units are what circles cover; its graph (or its recipe's graph
        factory, with ``speeds_kph``/``access_min``) carries the travel times.
    out : path
        Output folder (new or empty unless ``force``).
    centres : iterable of str, optional
        Ids or names of the region; default the region's own centres.
    minutes : iterable of float
    links : list of str or DataFrame, optional
        ``"FROM,TO,RAIL_KM,MODE[,SPEED_KPH]"`` strings or a table with those columns.
    links_path : path, optional
        A CSV of links (``from,to,rail_km,mode[,speed_kph]``).
    speeds_kph, access_min : optional
        Rebuild the graph with these speeds and access minutes.
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
    from .circles import parse_link, run_scenario

    centres = tuple(centres or region.centres)
    if not centres:
        raise InputError("centres", f"at least one centre of {region.name}", "none",
                         "pass --from NAME (an id or a unit name)")
    inputs = [*(embedded_inputs() if region.graph_factory is not None else []),
              *[Path(s["path"]) for s in region.sources if s.get("path")], *([links_path] if links_path else [])]
    od = OutputDir(out, force=force, job="circle", inputs=inputs, arguments=arguments or {
        "centres": list(centres), "minutes": list(minutes), "links": [str(x) for x in (links or [])],
        "links_path": str(links_path) if links_path else None, "speeds_kph": speeds_kph, "access_min": access_min,
        "inclusive": inclusive})
    for c in centres:
        region.resolve(c)
    params = {k: v for k, v in (("speeds_kph", speeds_kph), ("access_min", access_min)) if v is not None}
    G = region.transport_graph(**params)
    places = region.place_table()
    if isinstance(links, pd.DataFrame):
        rows = [",".join(str(x) for x in row if pd.notna(x)) for row in
                links.reindex(columns=["from", "to", "rail_km", "mode", "speed_kph"]).itertuples(index=False)]
    else:
        rows = list(links or [])
    if links_path:
        tab = pd.read_csv(links_path)
        rows += [",".join(str(x) for x in row if pd.notna(x)) for row in
                 tab.reindex(columns=["from", "to", "rail_km", "mode", "speed_kph"]).itertuples(index=False)]
    parsed = [parse_link(t, G, places) for t in rows]
    masses, _ = (masses_region or region).gravity_masses()
    res = run_scenario(G, pd.DataFrame(parsed, columns=["from", "to", "rail_km", "mode", "speed_kph"]),
                       units=_circle_units(region), centres=centres, minutes=minutes, places=places,
                       totals=region.circle_totals, measure_crs=region.measure_crs, masses=masses,
                       inclusive=inclusive)
    with od as st:
        write_csv(res["after"].coverage, st / "tables" / "circles.csv")
        write_csv(res["after"].times, st / "tables" / "circle_travel_times.csv")
        write_csv(res["coverage"], st / "tables" / "scenario_coverage_change.csv")
        write_csv(res["entered"], st / "tables" / "scenario_entered.csv")
        write_csv(res["ties"], st / "tables" / "scenario_ties_change.csv")
        write_gpkg_layers({"circles_before": res["before"].polygons, "circles": res["after"].polygons},
                          st / "layers.gpkg", timestamp=od.timestamp)
    return CircleJobResult(out=od.target, n_links=len(parsed), coverage=res["coverage"], entered=res["entered"],
                           ties=res["ties"])
