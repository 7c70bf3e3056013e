"""Embedded data: completeness and internal consistency."""

import numpy as np
import pandas as pd
import pytest

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial._errors import InputError
from jilin_spatial.sectors import SECTORS, TOTAL_KEY


def test_available_lists_every_registered_file_and_they_exist():
    av = datasets.available()
    assert {"prefectures", "counties", "province", "employment", "human_capital", "seats", "rail_km_posts",
            "rail_edges", "rail_matrix", "employment_2010_on_2020_boundaries"} <= set(av.name)
    for name in av.name:
        assert datasets.get_path(name).is_file(), name


def test_get_path_unknown_lists_names():
    with pytest.raises(InputError, match=r"name: expected one of \[.*'counties'.*\], got 'nope'"):
        datasets.get_path("nope")


@pytest.mark.parametrize("level,n", [("prefecture", 9), ("county", 60), ("province", 1)])
def test_boundaries_counts_and_crs(level, n):
    g = datasets.load_boundaries(level)
    assert len(g) == n
    assert g.crs.to_epsg() == 4326
    assert g.geometry.is_valid.all()
    assert {"adcode", "name_zh", "name_en"} <= set(g.columns)
    assert g["adcode"].map(type).eq(str).all()


def test_prefecture_employment_complete_both_years():
    e = datasets.load_employment("prefecture", include_total=True)
    for y in (2010, 2020):
        sub = e[e.year == y]
        assert sub.adcode.nunique() == 9
        assert set(sub.sector) == set(SECTORS) | {TOTAL_KEY}
        assert sub.value.notna().all()


@pytest.mark.parametrize("boundaries", ["2020", "as_published"])
def test_sections_sum_to_total_every_prefecture(boundaries):
    e = datasets.load_employment("prefecture", include_total=True, boundaries=boundaries)
    sec = e[e.sector != TOTAL_KEY].groupby(["year", "adcode"]).value.sum()
    tot = e[e.sector == TOTAL_KEY].set_index(["year", "adcode"]).value
    np.testing.assert_allclose(sec.loc[tot.index].to_numpy(), tot.to_numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("boundaries", ["2020", "as_published"])
def test_counties_plus_zones_sum_to_prefectures(boundaries):
    c = datasets.load_employment("county", include_total=True, boundaries=boundaries)
    p = datasets.load_employment("prefecture", include_total=True, boundaries=boundaries)
    csum = c.groupby(["year", "prefecture_adcode", "sector"]).value.sum()
    pv = p.set_index(["year", "adcode", "sector"]).value
    pv.index.names = csum.index.names
    pd.testing.assert_series_equal(csum.sort_index(), pv.sort_index(), check_names=False)


def test_2010_rebased_prefecture_equals_crosswalked_counties():
    """The shipped derived table equals the county rows moved through the crosswalk."""
    c = datasets.load_employment("county", years=[2010], include_total=True)
    gzl = c[(c.adcode == "220184")]
    assert len(gzl) == 21 and (gzl.prefecture_adcode == "220100").all() and gzl.derived.all()
    p = datasets.load_employment("prefecture", years=[2010], include_total=True)
    raw = pd.read_csv(datasets.get_path("employment"), dtype={"adcode": str})
    raw = raw[(raw.year == 2010) & (raw.sector_key == "C_manuf")].set_index("adcode").value
    cc = p[(p.adcode == "220100") & (p.sector == "C_manuf")].value.item()
    sp = p[(p.adcode == "220300") & (p.sector == "C_manuf")].value.item()
    assert cc == raw["220100"] + raw["220381"]
    assert sp == raw["220300"] - raw["220381"]


def test_crosswalk_codes_exist_in_2020_polygons():
    cw = datasets.county_crosswalk_2010()
    assert set(cw.code_2010) == {"220181", "220724", "220381"}
    assert set(cw.code_2020) <= set(datasets.load_boundaries("county").adcode)
    c10 = datasets.load_employment("county", years=[2010])
    assert set(c10.adcode) == set(datasets.load_boundaries("county").adcode)


def test_zones_kept_never_dropped_and_shares_reported():
    c = datasets.load_employment("county", years=[2020], include_total=True)
    zones = datasets.development_zones()
    assert set(zones.zone_id) <= set(c.adcode)
    assert c[c.is_zone].adcode.nunique() == 9
    s = datasets.zone_shares()
    tot = c[(c.sector == TOTAL_KEY)].set_index("adcode").value
    p = datasets.load_employment("prefecture", years=[2020], include_total=True)
    ptot = p[p.sector == TOTAL_KEY].set_index("adcode").value
    row = s.set_index("zone_id").loc["220173"]
    assert row.share_of_prefecture == pytest.approx(tot["220173"] / ptot["220100"], rel=1e-12)
    assert (s.status == "unallocated (no polygon)").all()


def test_zone_allocation_requires_complete_mapping():
    with pytest.raises(InputError, match=r"zone_allocation: expected an entry for every development zone"):
        datasets.load_employment("county", zones="allocate", zone_allocation={"220171": "220105"})


def test_zone_allocation_moves_employment():
    zones = datasets.development_zones()
    alloc = {z: {"220100": "220102", "220200": "220202", "220700": "220702", "220800": "220802"}[p]
             for z, p in zip(zones.zone_id, zones.prefecture_adcode)}
    a = datasets.load_employment("county", years=[2020], zones="allocate", zone_allocation=alloc, include_total=True)
    s = datasets.load_employment("county", years=[2020], include_total=True)
    assert not a.is_zone.any()
    assert a.value.sum() == s.value.sum()
    t = lambda d, code: d[(d.adcode == code) & (d.sector == TOTAL_KEY)].value.sum()
    assert t(a, "220802") == t(s, "220802") + t(s, "220871")


def test_human_capital_complete():
    hc = datasets.load_human_capital(wide=True)
    assert len(hc) == 18
    for col in ("resident_pop", "urban_pop", "occ_professional_technical", "occ_total", "edu_mean_years"):
        assert hc[col].notna().all()
    # occupation total equals the employment total (same long form)
    e = datasets.load_employment("prefecture", include_total=True, boundaries="as_published")
    tot = e[e.sector == TOTAL_KEY].set_index(["adcode", "year"]).value
    assert np.array_equal(hc.set_index(["adcode", "year"]).occ_total.loc[tot.index].to_numpy(), tot.to_numpy())


def test_gdp_best_available_names_source_and_vintage():
    g = datasets.load_gdp()
    assert g.is_prefecture.sum() == 9
    assert g.source_url.notna().all() and (g.year == 2025).all()
    assert g.attrs["vintage"].startswith("2025 H1")


def test_seats_and_rail_matrix():
    s = datasets.load_seats()
    assert len(s) == 9 and s.crs.to_epsg() == 4326
    pref = datasets.load_boundaries("prefecture").set_index("adcode")
    for r in s.itertuples():
        assert pref.geometry[r.adcode].contains(r.geometry), r.adcode
    m = datasets.load_rail_matrix()
    assert len(m) == 36
    e = datasets.load_rail_edges()
    assert len(e) == 16 and "rail_km" in e


def test_bad_level_and_years():
    with pytest.raises(InputError, match=r"level: expected one of \['prefecture', 'county'\], got 'city'"):
        datasets.load_employment("city")
    with pytest.raises(InputError, match=r"years: expected years among \[2010, 2020\] \(the years the data hold\), got \[2015\]"):
        datasets.load_employment("prefecture", years=[2015])


@pytest.mark.parametrize("call, arg", [
    (lambda: datasets.county_population(year=2015), "year"),
    (lambda: datasets.load_human_capital(years=[2015]), "years"),
    (lambda: datasets.load_human_capital(years=[]), "years"),
    (lambda: datasets.load_employment("county", years=[2010, 2015]), "years"),
    (lambda: __import__("jilin_spatial.jilin").jilin.coupling_indicators(years=[2000]), "years"),
    (lambda: datasets.zone_shares(years=[2015]), "years"),
])
def test_years_that_do_not_exist_raise_naming_the_years_that_do(call, arg):
    with pytest.raises(InputError, match=rf"^{arg}: expected years among \[2010, 2020\]"):
        call()


def test_existing_years_still_load():
    assert len(datasets.county_population(year=2010)) > 0
    assert set(datasets.load_human_capital(years=[2010]).year) == {2010}


def test_empty_year_selection_in_metrics_raises():
    emp = datasets.load_employment("prefecture", years=[2020])
    with pytest.raises(InputError, match=r"years: expected years present in data"):
        js.location_quotient(emp, years=[])
    with pytest.raises(InputError, match=r"years: expected years present in data"):
        js.similarity_coefficient(emp, years=[])
