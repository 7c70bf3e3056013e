"""tfp-study on a SYNTHETIC city panel with known coefficients (tests/_synthetic_city_panel.py).

Tolerances: the DEA step is exact by design (1e-9); the controls are estimated to +-0.006 (about
3 standard errors); the high-end LQ coefficient (true 0.06) to +-0.03, which covers about 2.5
standard errors plus the O(1/T) bias of lagged instruments after the within transformation, while the
two-way FE estimate is biased upwards by the endogeneity (more than 0.04 above the truth).
"""

import numpy as np
import pandas as pd
import pytest

from jilin_spatial._errors import InputError
from jilin_spatial.econometrics import within_transform
from jilin_spatial.tfp_study import (DEFAULT_DELTA, PANEL_COLUMNS, run_tfp_study, study_variables, template,
                                     validate_panel)

from _synthetic_city_panel import BETA_HIGH, COEF, synthetic_city_panel


@pytest.fixture(scope="module")
def synthetic():
    """SYNTHETIC panel with known coefficients, and the study run on it (written to a folder)."""
    panel, truth = synthetic_city_panel()
    return panel, truth


@pytest.fixture(scope="module")
def study(synthetic, tmp_path_factory):
    panel, _ = synthetic
    return run_tfp_study(panel, tmp_path_factory.mktemp("study") / "out", compare_paper=True)


def _coef(res, table, group, label, var="SAGG"):
    e = res.estimates
    m = (e.table == table) & (e.column_group == group) & (e.column_label == label) & (e.variable == var) & (
        e.statistic == "coefficient")
    return float(e[m].value.iloc[0])


def test_malmquist_levels_recover_the_synthetic_productivity_exactly(synthetic, study):
    _, truth = synthetic
    v = study.variables.merge(truth, on=["city", "year"])
    expected = v.lnA - v.groupby("city").lnA.transform("first")
    np.testing.assert_allclose(np.log(v.TFP), expected, atol=1e-9)
    np.testing.assert_allclose(v.TFP, v.TC * v.EC, rtol=1e-12)
    np.testing.assert_allclose(v.SAGG_high, v.lq_high, rtol=1e-12)  # LQ, reference all cities of the panel


def test_iv_recovers_the_known_coefficients_and_fe_does_not(study):
    for group in ("2SLS", "IV-GMM"):
        assert abs(_coef(study, "Table 1", group, "High-end") - BETA_HIGH) <= 0.03
        assert abs(_coef(study, "Table 1", group, "Low-end") - 0.0) <= 0.03
        for k, b in COEF.items():
            assert abs(_coef(study, "Table 1", group, "High-end", k) - b) <= 0.006, k
    fe = study.fe.query("dependent == 'TFP' and regressor == 'SAGG_high' and sample == 'all' and variable == 'SAGG'")
    assert float(fe.coefficient.iloc[0]) - BETA_HIGH > 0.04
    regions = [_coef(study, "Table 2", g, "High-end") for g in ("East", "Central", "West")]
    assert abs(np.mean(regions) - BETA_HIGH) <= 0.03
    d = study.diagnostics.query("dependent == 'TFP' and regressor == 'SAGG_high' and sample == 'all'").iloc[0]
    assert d.dwh_p < 0.05  # the endogeneity is detected


def test_path_analysis_adds_up_for_2sls(study):
    """2SLS is linear in y: the ln TFP coefficient = ln TC coefficient + ln EC coefficient (exactly)."""
    for x in ("SAGG", "SAGG_high", "SAGG_low"):
        b = {dep: study.models[(dep, x)].models["IV-2SLS"].params[x] for dep in ("TFP", "TC", "EC")}
        assert b["TFP"] == pytest.approx(b["TC"] + b["EC"], abs=1e-10)


def test_first_stage_and_kp_statistics_match_an_independent_computation(study):
    """Robust first-stage Wald/L, KP rk LM (score form) and rk Wald F for one endogenous regressor."""
    v = study.variables.sort_values(["city", "year"]).copy()
    v["x"] = np.log(v.SAGG_high)
    for L in (1, 2):
        v[f"z{L}"] = v.groupby("city").x.shift(L)
    s = v.dropna(subset=["z1", "z2"]).reset_index(drop=True)
    ctr = ["STR", "GOV", "PGDP", "FDI", "H", "ROAD", "POP"]
    w = s[["x", "z1", "z2", *ctr]] - s.groupby("city")[["x", "z1", "z2", *ctr]].transform("mean")
    w = w - w.groupby(s.year).transform("mean")  # balanced: one pass of each is exact
    W = w[ctr].to_numpy()
    res = lambda a: a - W @ np.linalg.lstsq(W, a, rcond=None)[0]  # noqa: E731
    x, Z = res(w[["x"]].to_numpy())[:, 0], res(w[["z1", "z2"]].to_numpy())
    pi = np.linalg.lstsq(Z, x, rcond=None)[0]
    e = x - Z @ pi
    izz = np.linalg.inv(Z.T @ Z)
    V = izz @ (Z * e[:, None] ** 2).T @ Z @ izz
    wald_F = pi @ np.linalg.solve(V, pi) / 2
    g = Z.T @ x
    lm = g @ np.linalg.solve((Z * x[:, None] ** 2).T @ Z, g)
    d = study.diagnostics.query("dependent == 'TFP' and regressor == 'SAGG_high' and sample == 'all'").iloc[0]
    assert d.first_stage_F == pytest.approx(wald_F, rel=1e-6)
    assert d.kp_rk_wald_F == pytest.approx(wald_F, rel=1e-6)
    assert d.kp_rk_LM == pytest.approx(lm, rel=1e-6)
    t1 = study.table1.set_index("row")
    assert t1.loc["Kleibergen-Paap rk Wald F statistic", "IV-GMM | High-end"] == f"{wald_F:.3f}"


def test_tables_in_the_papers_layout_and_compared(study):
    assert list(study.table1.columns) == ["row", "2SLS | Total sample", "IV-GMM | Total sample", "2SLS | High-end",
                                          "IV-GMM | High-end", "2SLS | Low-end", "IV-GMM | Low-end"]
    assert list(study.table2.columns[1:]) == [f"{g} | {k}" for k in ("High-end", "Low-end")
                                              for g in ("East", "Central", "West")]
    assert list(study.table3.columns[1:]) == [f"{d} | {k}" for d in ("TE", "EC")
                                              for k in ("Total sample", "High-end", "Low-end")]
    assert study.table1.row.tolist()[:2] == ["SAGG", ""] and study.table1.row.iloc[-2] == "N"
    e = study.estimates
    m = (e.table == "Table 1") & (e.column_group == "IV-GMM") & (e.column_label == "High-end") & (
        e.variable == "SAGG") & (e.statistic == "coefficient")
    assert float(e[m].paper_value.iloc[0]) == 0.058 and bool(e[m].same_sign.iloc[0])
    assert int(float(e[(e.table == "Table 1") & (e.statistic == "n_obs")].value.iloc[0])) == 90 * 13
    for rel in ("tables/table1_2sls_ivgmm_national.csv", "tables/table2_ivgmm_by_region.csv",
                "tables/table3_path_tc_ec.csv", "tables/estimates_long.csv"):
        assert (study.out / rel).is_file()


def test_perpetual_inventory_from_investment_matches_hand_computation(synthetic):
    panel, _ = synthetic
    _, t = synthetic_city_panel(n_cities=6, seed=1)
    p, _ = synthetic_city_panel(n_cities=6, seed=1, capital="investment")
    v, _ = study_variables(p)
    g = p[p.city == "S000"].sort_values("year")
    real = (g.investment / (g.investment_price_index / g.investment_price_index.iloc[0])).to_numpy()
    n = 5
    k = [real[0] / ((real[n] / real[0]) ** (1 / n) - 1 + DEFAULT_DELTA)]
    for r in real[1:]:
        k.append(k[-1] * (1 - DEFAULT_DELTA) + r)
    np.testing.assert_allclose(v[v.city == "S000"].sort_values("year").K, k, rtol=1e-12)
    np.testing.assert_allclose(v[v.city == "S000"].sort_values("year").Y,
                               (g.gdp / (g.gdp_deflator / g.gdp_deflator.iloc[0])).to_numpy(), rtol=1e-12)


def test_validator_names_the_missing_columns(synthetic):
    panel, _ = synthetic
    with pytest.raises(InputError, match=r"missing columns \['emp_finance', 'ROAD'\]"):
        validate_panel(panel.drop(columns=["emp_finance", "ROAD"]))
    with pytest.raises(InputError, match=r"gdp_deflator \(or gdp_real\)"):
        validate_panel(panel.drop(columns=["gdp_deflator"]))
    with pytest.raises(InputError, match="region or province"):
        validate_panel(panel.drop(columns=["region"]))
    with pytest.raises(InputError, match="balanced panel"):
        validate_panel(panel.iloc[1:])
    bad = panel.copy()
    bad.loc[3, "emp_total"] = -1
    with pytest.raises(InputError, match="'emp_total'"):
        validate_panel(bad)


def test_province_column_maps_to_regions(synthetic):
    panel, _ = synthetic
    p = panel.drop(columns=["region"]).assign(province=np.where(panel.region == "East", "江苏省", "Jilin"))
    assert set(validate_panel(p).region) == {"East", "Central"}


def test_template_lists_every_documented_column():
    assert list(template().columns) == list(PANEL_COLUMNS)


def test_cli_tfp_study_writes_the_tables(tmp_path, synthetic):
    from jilin_spatial.cli import main

    panel, _ = synthetic_city_panel(n_cities=30, seed=3)
    panel.to_csv(tmp_path / "panel.csv", index=False)
    assert main(["tfp-study", "--panel", str(tmp_path / "panel.csv"), "--out", str(tmp_path / "o"),
                 "--compare-paper"]) == 0
    t = pd.read_csv(tmp_path / "o" / "tables" / "estimates_long.csv")
    assert "paper_value" in t and len(t) > 0
    assert main(["tfp-study", "--panel", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o2")]) == 2
