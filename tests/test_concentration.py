"""Concentration metrics against hand computations and invariances."""

import numpy as np
import pandas as pd
import pytest

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial._errors import InputError

RTOL = 1e-12


def tidy(rows, year=2020):
    return pd.DataFrame([{"adcode": a, "sector": s, "year": year, "value": float(v)} for a, s, v in rows])


@pytest.fixture
def toy():
    # region r1: A=10, C_manuf=30, G=10 (total 50); r2: A=40, C=10, G=0 (total 50)
    return tidy([("r1", "A_agri", 10), ("r1", "C_manuf", 30), ("r1", "G_transport", 10),
                 ("r2", "A_agri", 40), ("r2", "C_manuf", 10), ("r2", "G_transport", 0)])


def test_lq_panel_hand(toy):
    lq = js.location_quotient(toy).set_index(["adcode", "sector"])["lq"]
    # C: r1 share 30/50 = .6, panel share 40/100 = .4 -> 1.5; r2: .2/.4 = .5
    assert lq["r1", "C_manuf"] == pytest.approx(1.5, rel=RTOL)
    assert lq["r2", "C_manuf"] == pytest.approx(0.5, rel=RTOL)
    assert lq["r2", "G_transport"] == 0.0  # e_ij = 0 is a real zero
    assert lq["r1", "G_transport"] == pytest.approx((10 / 50) / (10 / 100), rel=RTOL)


def test_lq_non_agricultural_and_rest_hand(toy):
    na = js.location_quotient(toy, denominator="non_agricultural", sectors="C_manuf").set_index("adcode")["lq"]
    # r1: 30/40 over 40/50 = .75/.8
    assert na["r1"] == pytest.approx(0.75 / 0.8, rel=RTOL)
    rest = js.location_quotient(toy, reference="rest", sectors="C_manuf").set_index("adcode")["lq"]
    # r1 vs r2 only: (30/50)/(10/50) = 3
    assert rest["r1"] == pytest.approx(3.0, rel=RTOL)
    assert rest["r2"] == pytest.approx((10 / 50) / (30 / 50), rel=RTOL)


def test_lq_external_hand(toy):
    ext = pd.DataFrame({"sector": ["A_agri", "C_manuf", "G_transport"], "year": 2020, "value": [500.0, 100.0, 400.0]})
    lq = js.location_quotient(toy, reference="external", external=ext, sectors="C_manuf").set_index("adcode")["lq"]
    assert lq["r1"] == pytest.approx(0.6 / 0.1, rel=RTOL)


def test_lq_user_group_and_builtin_group():
    t = tidy([(r, s, v) for r, vals in {"a": [5, 1, 2, 3, 4, 5], "b": [2, 2, 2, 2, 2, 2]}.items()
              for s, v in zip(["C_manuf", "G_transport", "I_ict", "J_finance", "L_leasing_business", "M_scires"], vals)])
    lq = js.location_quotient(t, sectors=["producer_services", "mix"], groups={"mix": ["C_manuf", "I_ict"]})
    got = lq.set_index(["adcode", "sector"])["lq"]
    # a: ps = 15 of 20; panel ps = 25 of 32
    assert got["a", "producer_services"] == pytest.approx((15 / 20) / (25 / 32), rel=RTOL)
    assert got["a", "mix"] == pytest.approx((7 / 20) / (11 / 32), rel=RTOL)


def test_lq_scale_invariant(toy, rng):
    base = js.location_quotient(toy)["lq"].to_numpy()
    for k in (0.1, 7.0, 1e6):
        scaled = toy.assign(value=toy.value * k)
        np.testing.assert_allclose(js.location_quotient(scaled)["lq"].to_numpy(), base, rtol=1e-12)


def test_lq_zero_region_masked_with_reason(toy):
    t = pd.concat([toy, tidy([("r3", "A_agri", 0), ("r3", "C_manuf", 0), ("r3", "G_transport", 0)])])
    lq = js.location_quotient(t)
    r3 = lq[lq.adcode == "r3"]
    assert r3.lq.isna().all()
    assert (r3.mask_reason == "zero regional denominator (e_j = 0)").all()
    assert np.isfinite(lq.lq.dropna()).all()


def test_lq_zero_reference_and_missing(toy):
    t = toy.copy()
    t.loc[(t.sector == "G_transport"), "value"] = 0.0
    lq = js.location_quotient(t, sectors="G_transport")
    assert (lq.mask_reason == "zero reference total (E_i or E = 0)").all() and lq.lq.isna().all()
    t2 = toy.copy()
    t2.loc[(t2.adcode == "r1") & (t2.sector == "C_manuf"), "value"] = np.nan
    m = js.location_quotient(t2, sectors="C_manuf").set_index("adcode")
    assert m.loc["r1", "mask_reason"] == "missing value"
    assert m.loc["r2", "mask_reason"].startswith("reference incomplete")


def test_lq_aligned_to_input_index(toy):
    t = toy.set_index(pd.Index([f"row{i}" for i in range(len(toy))]))
    lq = js.location_quotient(t)
    assert sorted(lq.index) == sorted(t.index)
    assert lq.loc["row1", "sector"] == "C_manuf" and lq.loc["row1", "adcode"] == "r1"


def test_lq_errors(toy):
    with pytest.raises(InputError, match=r"sectors: expected a known sector key or group name, got 'C_manu'"):
        js.location_quotient(toy, sectors="C_manu")
    with pytest.raises(InputError, match=r"years: expected years present in data \[2020\], got \[2010\]"):
        js.location_quotient(toy, years=[2010])
    with pytest.raises(InputError, match=r"data\['value'\]: expected non-negative values, got 1 negative values"):
        js.location_quotient(toy.assign(value=np.where(toy.index == 0, -1.0, toy.value)))
    with pytest.raises(InputError, match=r"group 'empty' to reference sectors present in the data"):
        js.location_quotient(toy, sectors="empty", groups={"empty": ["Z_none"]})
    with pytest.raises(InputError, match=r"reference: expected one of \['panel', 'external', 'rest'\]"):
        js.location_quotient(toy, reference="national")


def test_lq_embedded_matches_independent_pandas():
    """LQs of the embedded census, recomputed with plain pandas from the raw shipped CSV."""
    raw = pd.read_csv(datasets.get_path("employment"), dtype={"adcode": str})
    raw = raw[(raw.level == "prefecture") & (raw.year == 2020)].fillna({"value": 0})
    wide = raw.pivot(index="adcode", columns="sector_key", values="value")
    ej = wide["TOTAL"]
    expected = (wide["C_manuf"] / ej) / (wide["C_manuf"].sum() / ej.sum())
    ps = ["G_transport", "I_ict", "J_finance", "L_leasing_business", "M_scires"]
    na = ej - wide["A_agri"]
    expected_ps_na = (wide[ps].sum(axis=1) / na) / (wide[ps].sum(axis=1).sum() / na.sum())
    emp = datasets.load_employment("prefecture", years=[2020], include_total=True)
    got = js.location_quotient(emp, sectors="C_manuf").set_index("adcode")["lq"]
    np.testing.assert_allclose(got.loc[expected.index], expected, rtol=1e-12)
    got2 = js.location_quotient(emp, sectors="producer_services", denominator="non_agricultural").set_index("adcode")["lq"]
    np.testing.assert_allclose(got2.loc[expected.index], expected_ps_na, rtol=1e-12)


def test_agglomeration_factor_and_rate_hand():
    t = pd.concat([tidy([("a", "C_manuf", 100), ("b", "C_manuf", 100)], 2010),
                   tidy([("a", "C_manuf", 400), ("b", "C_manuf", 100)], 2020)])
    a = js.agglomeration_index(t, start=2010, end=2020).set_index("adcode")
    Sa = 4 ** 0.1 - 1
    Si = 2.5 ** 0.1 - 1
    assert a.loc["a", "S_ij"] == pytest.approx(Sa, rel=RTOL)
    assert a.loc["a", "A"] == pytest.approx((1 + Sa) / (1 + Si), rel=RTOL)
    assert a.loc["b", "A"] == pytest.approx(1 / (1 + Si), rel=RTOL)
    r = js.agglomeration_index(t, start=2010, end=2020, form="rate").set_index("adcode")
    assert r.loc["a", "A"] == pytest.approx(Sa / Si, rel=RTOL)
    assert r.loc["b", "A"] == pytest.approx(0.0, abs=1e-15)


def test_agglomeration_rate_masked_when_reference_shrinks_and_zero_base():
    t = pd.concat([tidy([("a", "C_manuf", 100), ("b", "C_manuf", 0)], 2010),
                   tidy([("a", "C_manuf", 50), ("b", "C_manuf", 10)], 2020)])
    r = js.agglomeration_index(t, start=2010, end=2020, form="rate").set_index("adcode")
    assert np.isnan(r.loc["a", "A"]) and r.loc["a", "mask_reason"].startswith("rate form undefined")
    assert r.loc["b", "mask_reason"] == "zero base-year value (growth undefined)"
    f = js.agglomeration_index(t, start=2010, end=2020).set_index("adcode")
    assert f.loc["a", "A"] == pytest.approx((0.5 ** 0.1) / (0.6 ** 0.1), rel=RTOL)


def test_agglomeration_missing_year():
    t = tidy([("a", "C_manuf", 1)], 2010)
    with pytest.raises(InputError, match=r"end: expected a year present in data \[2010\], got 2020"):
        js.agglomeration_index(t, start=2010, end=2020)


def test_stage_thresholds_and_labels():
    st = js.advantage_stage(pd.Series([0.5, 1.0, 1.5, 0.9, np.nan]), pd.Series([1.0, 1.2, 0.99, 0.5, 1.0]))
    assert st.stage_en.tolist()[:4] == ["formative", "growing", "mature", "declining"]
    assert st.stage_zh.tolist()[:4] == ["形成期", "成长期", "成熟期", "衰退期"]
    assert pd.isna(st.stage_en.iloc[4]) and st.mask_reason.iloc[4] == "missing LQ or A"
    custom = js.advantage_stage([1.05], [1.0], lq_threshold=1.1)
    assert custom.stage_en.item() == "formative"


def test_similarity_identical_disjoint_and_hand():
    t = tidy([("a", "C_manuf", 1), ("a", "G_transport", 2), ("a", "A_agri", 0),
              ("b", "C_manuf", 10), ("b", "G_transport", 20), ("b", "A_agri", 0),
              ("c", "C_manuf", 0), ("c", "G_transport", 0), ("c", "A_agri", 5),
              ("d", "C_manuf", 1), ("d", "G_transport", 0), ("d", "A_agri", 1)])
    s = js.similarity_coefficient(t).set_index(["from", "to"])
    assert s.loc[("a", "b"), "S"] == pytest.approx(1.0, rel=RTOL)   # identical structure
    assert s.loc[("a", "c"), "S"] == pytest.approx(0.0, abs=1e-15)  # disjoint
    assert s.loc[("a", "c"), "krugman"] == pytest.approx(2.0, rel=RTOL)
    assert s.loc[("a", "d"), "S"] == pytest.approx(1 / np.sqrt(5) / np.sqrt(2), rel=RTOL)
    assert s.loc[("a", "d"), "krugman"] == pytest.approx(abs(1 / 3 - 0.5) + abs(2 / 3) + 0.5, rel=RTOL)
    assert (s.n_sectors == 3).all()


def test_similarity_zero_vector_raises():
    t = tidy([("a", "C_manuf", 0), ("a", "G_transport", 0), ("b", "C_manuf", 1), ("b", "G_transport", 1)])
    with pytest.raises(InputError, match=r"data: expected at least one non-zero sector per unit, got all-zero vectors for \['a/2020'\]"):
        js.similarity_coefficient(t)


def test_coagglomeration_hand():
    co = js.coagglomeration(pd.Series([1.0, 2.0, 0.0, 0.0], index=list("wxyz")), pd.Series([1.0, 1.0, 3.0, 0.0], index=list("wxyz")))
    assert co.loc["w", "CA"] == 1.0 and co.loc["w", "CA_star"] == 3.0
    assert co.loc["x", "CA"] == pytest.approx(1 - 1 / 3, rel=RTOL)
    assert co.loc["y", "CA"] == pytest.approx(0.0, abs=1e-15)
    assert np.isnan(co.loc["z", "CA"]) and co.loc["z", "mask_reason"] == "both LQs are zero"
    assert list(co.index) == list("wxyz")


def test_layers_attach_names_and_unmatched():
    emp = datasets.load_employment("county", years=[2020])
    lq = js.location_quotient(emp, sectors="manufacturing")
    g = js.layers.attach(datasets.load_boundaries("county"), lq, value="lq")
    assert "lq_manufacturing_2020" in g.columns and len(g) == 60
    assert len(g.attrs["unmatched"]) == 9  # development zones are reported, not silently lost
    assert g["lq_manufacturing_2020"].notna().all()


def test_report_tables_have_required_columns(jilin_report):
    out = jilin_report[0]
    lq = pd.read_csv(out / "tables" / "location_quotients.csv", dtype={"adcode": str})
    assert list(lq.columns[:8]) == ["adcode", "name_zh", "name_en", "level", "year", "sector", "denominator", "lq"]
    assert set(lq.level) == {"prefecture", "county"} and set(lq.year) == {2010, 2020}
    for f in ("agglomeration_stages", "similarity", "coagglomeration"):
        assert (out / "tables" / f"{f}.csv").is_file()
    import pyogrio
    cols = pyogrio.read_info(out / "layers.gpkg", layer="county_concentration")["fields"]
    assert "lq_producer_services_2020" in cols and "stage_producer_services" in cols
    assert "prefecture_concentration" in dict(pyogrio.list_layers(out / "layers.gpkg"))
    # tiny census cells are masked, kept, and counted in the summary (International organisations: 0-8 persons)
    t = lq[(lq.level == "county") & (lq.sector == "T_intl") & (lq.denominator == "all")]
    assert len(t) > 0 and t.lq.isna().all()
    assert (t.mask_reason == "below the minimum count (e_ij < 10)").all()
    masked = lq[(lq.level == "county") & (lq.mask_reason == "below the minimum count (e_ij < 10)")]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert f"{len(masked)} below the minimum count (e_ij < 10)" in summary


def test_agglomeration_unit_present_in_one_year_counts_in_that_years_reference():
    # zone "z" is carved out of "a" between the two years: the reference is each year's total
    t = pd.concat([tidy([("a", "C_manuf", 100), ("b", "C_manuf", 100)], 2010),
                   tidy([("a", "C_manuf", 60), ("b", "C_manuf", 100), ("z", "C_manuf", 40)], 2020)])
    a = js.agglomeration_index(t, start=2010, end=2020).set_index("adcode")
    assert a.loc["a", "S_i"] == pytest.approx(0.0, abs=1e-15)  # 200 -> 200
    assert a.loc["a", "A"] == pytest.approx(0.6 ** 0.1, rel=RTOL)
    assert a.loc["b", "A"] == pytest.approx(1.0, rel=RTOL)
    assert np.isnan(a.loc["z", "A"]) and a.loc["z", "mask_reason"] == "unit absent in 2010 (no growth to measure)"


def test_embedded_county_stages_are_computed():
    emp = datasets.load_employment("county")
    a = js.agglomeration_index(emp, start=2010, end=2020, sectors="producer_services")
    counties = a[~a.is_zone]
    assert len(counties) == 60 and counties.A.notna().all()
    assert (a[a.is_zone].mask_reason == "unit absent in 2010 (no growth to measure)").all()


def test_min_count_masks_tiny_cells_and_keeps_them():
    """International organisations: 0-8 persons give LQs 0..8; below the minimum count they are masked."""
    t = pd.DataFrame({"adcode": ["a", "a", "b", "b", "c", "c"], "sector": ["C_manuf", "T_intl"] * 3,
                      "year": 2020, "value": [100.0, 8.0, 300.0, 1.0, 200.0, 0.0]})
    plain = js.location_quotient(t)
    m = js.location_quotient(t, min_count=10)
    a = plain.set_index(["adcode", "sector"])
    b = m.set_index(["adcode", "sector"])
    # hand: LQ(a, T_intl) = (8 / 108) / (9 / 609)
    assert a.loc[("a", "T_intl"), "lq"] == pytest.approx((8 / 108) / (9 / 609), rel=1e-12)
    assert b.loc[[("a", "T_intl"), ("b", "T_intl"), ("c", "T_intl")], "lq"].isna().all()
    assert (b.loc[[("a", "T_intl"), ("c", "T_intl")], "mask_reason"] == "below the minimum count (e_ij < 10)").all()
    # large cells are untouched, and masked rows are kept
    assert b.loc[("b", "C_manuf"), "lq"] == pytest.approx(a.loc[("b", "C_manuf"), "lq"], rel=1e-15)
    assert len(m) == len(plain) == 6
    with pytest.raises(InputError, match="min_count: expected a non-negative finite count or None, got -1"):
        js.location_quotient(t, min_count=-1)


def test_coagglomeration_array_takes_the_series_index():
    """An array-like of the same length takes the other argument's index; values as by hand."""
    m = pd.Series([1.0, 2.0], index=["x", "y"])
    for a, b in ((m, [1.0, 1.0]), ([1.0, 2.0], pd.Series([1.0, 1.0], index=["x", "y"]))):
        co = js.coagglomeration(a, b)
        assert list(co.index) == ["x", "y"]
        np.testing.assert_allclose(co["CA"], [1.0, 1 - 1 / 3], rtol=RTOL)
    st = js.advantage_stage(pd.Series([0.5, 1.2], index=["x", "y"]), [1.1, 0.9])
    assert st["stage_en"].to_dict() == {"x": "formative", "y": "mature"}
    with pytest.raises(InputError, match=r"^agglomeration: expected values aligned with lq .*got 3 values vs 2"):
        js.advantage_stage([0.5, 1.2], [1.1, 0.9, 1.0])


def test_results_keep_the_callers_id_name():
    t = pd.DataFrame({"code": ["a", "a", "b", "b"], "sector": ["C_manuf", "J_finance"] * 2, "year": 2020,
                      "value": [30.0, 10.0, 10.0, 30.0]})
    lq = js.location_quotient(t, id_col="code")
    assert "code" in lq.columns and "adcode" not in lq.columns
    # hand: LQ(a, C) = (30/40) / (40/80) = 1.5
    assert lq.set_index(["code", "sector"]).loc[("a", "C_manuf"), "lq"] == pytest.approx(1.5, rel=1e-12)
    sim = js.similarity_coefficient(t, id_col="code")
    assert sim.query("`from` == 'a' and to == 'b'").S.item() == pytest.approx(600 / 1000, rel=1e-12)
    with pytest.raises(InputError, match=r"id_col: expected a column of the table, got 'zz'"):
        js.location_quotient(t, id_col="zz")
