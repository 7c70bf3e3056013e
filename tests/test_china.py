"""The national recipe (jilin_spatial.china, Region.china): hand-checked LQs, census accounting, rail, report step.

Only the package's shipped data is read (jilin_spatial/data/national); province subsets keep the tests fast.
"""

import numpy as np
import pandas as pd
import pytest

from jilin_spatial import china, datasets
from jilin_spatial.concentration import location_quotient
from jilin_spatial.errors import InputError
from jilin_spatial.regions import Region

HIGH = ["I_ict", "J_finance", "M_scires"]
LOW = ["G_transport", "L_leasing_business"]
COUNTY_ROWS = ["county", "county_and_prefecture (city without districts)", "county_level_no_code", "statistical_zone",
               "statistical_zone_no_code"]


def _raw(year):
    """The shipped census CSV read with plain pandas (no package code)."""
    return pd.read_csv(datasets.get_path(f"china_census_county_{year}"), dtype={"census_code": str,
                                                                                "polygon_adcode": str})


@pytest.mark.parametrize("year", [2010, 2020])
def test_high_end_lq_by_hand_for_prefectures_outside_jilin(year):
    raw = _raw(year)
    if year == 2020:  # the national total row of the census
        nat = raw[raw.row_kind == "national_total"]
    else:  # no national row in 2010: every county-level row (blank = 0; one sign slip corrected, see README)
        nat = raw[raw.row_kind.isin(COUNTY_ROWS)]
    nat_high, nat_low = nat[HIGH].abs().sum().sum(), nat[LOW].abs().sum().sum()  # sum() skips blanks
    nat_tot = nat["TOTAL"].sum()
    reg = Region.china("prefecture", provinces=["辽宁", "Hubei", "530000"], years=(year,))
    lq = location_quotient(reg.employment, sectors=["producer_services_high", "producer_services_low"])
    got = lq.set_index(["adcode", "sector"])["lq"]
    for code in ("210100", "420100", "530100"):  # Shenyang, Wuhan, Kunming: prefecture rows of the census
        p = raw[(raw.row_kind == "prefecture_total") & (raw.census_code == code)].iloc[0]
        high = (p[HIGH].fillna(0).sum() / p.TOTAL) / (nat_high / nat_tot)
        low = (p[LOW].fillna(0).sum() / p.TOTAL) / (nat_low / nat_tot)
        np.testing.assert_allclose(got[(code, "producer_services_high")], high, rtol=1e-9)
        np.testing.assert_allclose(got[(code, "producer_services_low")], low, rtol=1e-9)


def test_reference_is_all_of_china_with_a_subset():
    raw = _raw(2020)
    reg = Region.china("prefecture", provinces="Jilin", years=(2020,))
    e = reg.employment
    tot = e[(e.sector == "TOTAL")].value.sum()
    assert tot == raw.loc[raw.row_kind == "national_total", "TOTAL"].iloc[0]
    assert set(e[e.adcode.str.startswith("rest:")].is_zone) == {True}
    assert len(reg.units) == 9


def test_every_census_county_row_is_accounted_for():
    acc = china.census_accounting()
    for year, matched in ((2010, 2757), (2020, 2842)):
        raw = _raw(year)
        a = acc[acc.year == year]
        assert len(a) == len(raw)  # one accounting row per census row
        rows = a[a.treatment != "aggregate_not_counted"]
        assert int(rows.treatment.isin(["matched", "merged"]).sum()) == matched
        counted = rows[rows.treatment != "no_values_not_counted"]
        np.testing.assert_allclose(counted.employment_share.sum(), 1.0, rtol=1e-12)
        # county-level employment of the region (polygons + rows without one) = all counted rows
        reg = Region.china("county", years=(year,))
        tot = reg.employment[reg.employment.sector == "TOTAL"].value.sum()
        assert tot == counted.employment.sum()
        unmatched = rows[rows.treatment.str.startswith("no_polygon")]
        assert unmatched.employment.notna().all() and len(unmatched) > 0


def test_prefecture_total_equals_census_prefecture_row():
    raw = _raw(2020)
    reg = Region.china("prefecture", provinces=["四川"], years=(2020,))
    e = reg.employment[reg.employment.sector == "C_manuf"].set_index("adcode")["value"]
    p = raw[raw.row_kind == "prefecture_total"].set_index("census_code")["C_manuf"]
    for code in ("510100", "510700", "513200"):
        assert e[code] == p[code]


def test_municipality_and_province_direct_units():
    reg = Region.china("prefecture", provinces=["北京", "湖北"], years=(2020,))
    u = reg.units.set_index("adcode")
    assert u.loc["110000", "kind"] == "municipality"
    assert u.loc["429004", "kind"] == "province_direct"  # 仙桃
    raw = _raw(2020)
    bj = raw[(raw.row_kind == "province_total") & (raw.census_code == "110000")].TOTAL.iloc[0]
    e = reg.employment
    assert e[(e.adcode == "110000") & (e.sector == "TOTAL")].value.iloc[0] == bj


def test_2010_flags_and_swapped_codes():
    ch = china.unit_changes("county").set_index("adcode")
    assert "created after 2010" in ch.loc["320213", "change_2010"]  # 梁溪区
    acc = china.census_accounting((2010,))
    fr = acc[acc.census_name.isin(["丰润区", "丰南区"])].set_index("census_name")
    assert fr.loc["丰润区", "county_adcode"] == "130208" and fr.loc["丰南区", "county_adcode"] == "130207"


def test_rail_mode_rule_and_station_coordinates():
    k = china.rail_km_posts()
    assert set(k.line_mode) == {"high-speed", "conventional"}
    assert k.loc[k.line_zh == "胶济客专线", "line_mode"].eq("high-speed").all()
    assert k.loc[k.line_zh == "广深线", "line_mode"].eq("conventional").all()
    assert k.loc[k.line_mode_source == "0", "line_mode"].eq("conventional").all()
    G = china.rail_graph()
    assert G.nodes["长春"]["lon"] == pytest.approx(125.3177, abs=1e-3)
    assert G.graph["stations_with_coordinates"] > 1500


def test_regional_summary_matches_hand_means():
    reg = Region.china("prefecture", provinces=["吉林", "辽宁", "广东"], years=(2020,), reference="subset")
    lq = location_quotient(reg.employment, sectors=["producer_services_high"])
    s = china.regional_summary(lq, reg.groups).set_index("group")
    g = lq[~lq.is_zone].merge(reg.groups, on="adcode")
    east = g[g.region_3belt == "East"]
    np.testing.assert_allclose(s.loc["East", "mean_lq"], east.lq.mean(), rtol=1e-12)
    w = (east.region_total * east.lq).sum() / east.region_total.sum()
    np.testing.assert_allclose(s.loc["East", "weighted_lq"], w, rtol=1e-12)
    np.testing.assert_allclose(s.loc["Central", "share_lq_gt_1"], (g[g.region_3belt == "Central"].lq > 1).mean())


def test_bad_province_names_the_argument():
    with pytest.raises(InputError, match="provinces"):
        Region.china("prefecture", provinces=["Atlantis"])
    with pytest.raises(InputError, match="level"):
        Region.china("district")


def test_report_on_a_province_has_the_regional_comparison(tmp_path):
    from jilin_spatial.report import build_report

    reg = Region.china("prefecture", provinces=["宁夏"], years=(2020,))
    res = build_report(tmp_path / "out", regions=[reg])
    assert "## Regional comparison" in res.summary_md
    assert "regional_lq_summary" in res.tables and "census_accounting" in res.tables
    t = pd.read_csv(tmp_path / "out" / "tables" / "regional_lq_summary.csv", encoding="utf-8-sig")
    lq = location_quotient(reg.employment, sectors=["producer_services_high"])
    lq = lq[~lq.is_zone]
    got = t[(t.grouping == "region_3belt") & (t.sector == "producer_services_high")].mean_lq.iloc[0]
    np.testing.assert_allclose(got, lq.lq.mean(), rtol=1e-9)
    assert any(s.startswith("gravity ties") for s, _ in res.skipped)
