"""Malmquist against hand-solved one-input one-output cases; capital stock."""

import numpy as np
import pandas as pd
import pytest

from jilin_spatial._errors import InputError
from jilin_spatial.productivity import capital_stock, dea_scores, malmquist

RTOL = 1e-7  # LP solver tolerance


@pytest.fixture
def panel():
    x = {"A": [2, 2, 3], "B": [4, 5, 4], "C": [3, 3, 2], "D": [5, 4, 5]}
    y = {"A": [2, 3, 3], "B": [2, 3, 5], "C": [1, 2, 2], "D": [4, 4, 3]}
    rows = [{"dmu": d, "year": 2001 + t, "x": float(x[d][t]), "y": float(y[d][t])} for d in x for t in range(3)]
    return pd.DataFrame(rows), x, y


def _hand(x, y):
    """CRS 1-in 1-out: D^s(point) = (y/x) / max_j (y_j/x_j) over period-s DMUs."""
    best = [max(y[d][t] / x[d][t] for d in x) for t in range(3)]
    out = {}
    for d in x:
        for t in (1, 2):
            r_prev, r_cur = y[d][t - 1] / x[d][t - 1], y[d][t] / x[d][t]
            pp, cc = r_prev / best[t - 1], r_cur / best[t]
            pc, cp = r_cur / best[t - 1], r_prev / best[t]
            M = np.sqrt((pc / pp) * (cc / cp))
            out[(d, 2001 + t)] = {"effch": cc / pp, "techch": M / (cc / pp), "tfpch": M,
                                  "d_prev_prev": pp, "d_curr_curr": cc, "d_prev_curr": pc, "d_curr_prev": cp}
    return out


def test_crs_one_input_one_output_by_hand(panel):
    p, x, y = panel
    r = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"]).table.set_index(["dmu", "year"])
    for key, exp in _hand(x, y).items():
        for col, v in exp.items():
            assert r.loc[key, col] == pytest.approx(v, rel=RTOL), (key, col)
    assert not r.flag.any()


def test_pech_sech_by_hand_vrs(panel):
    p, x, y = panel
    r = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"]).table.set_index(["dmu", "year"])
    # VRS output efficiency of A in 2001 (x=2,y=2): frontier points (2,2),(3,1),(4,2),(5,4); A is on it -> 1
    s01, _ = dea_scores([[2, 4, 3, 5]], [[2, 2, 1, 4]], rts="vrs")
    s02, _ = dea_scores([[2, 5, 3, 4]], [[3, 3, 2, 4]], rts="vrs")
    # B 2002 (x=5, y=3): VRS frontier at x=5 is max output of convex combos with x <= 5: (4,4) -> y=4 -> 3/4
    assert s02[1] == pytest.approx(0.75, rel=RTOL)
    pech_B = s02[1] / s01[1]
    assert r.loc[("B", 2002), "pech"] == pytest.approx(pech_B, rel=RTOL)
    assert r.loc[("B", 2002), "sech"] == pytest.approx(r.loc[("B", 2002), "effch"] / pech_B, rel=RTOL)


def test_geometric_means_and_cumulative(panel):
    p, x, y = panel
    res = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"])
    hand = _hand(x, y)
    g = np.exp(np.mean([np.log(hand[(d, 2002)]["tfpch"]) for d in x]))
    assert res.by_period.set_index("year").loc[2002, "tfpch"] == pytest.approx(g, rel=RTOL)
    gA = np.exp(np.mean([np.log(hand[("A", t)]["effch"]) for t in (2002, 2003)]))
    assert res.by_dmu.set_index("dmu").loc["A", "effch"] == pytest.approx(gA, rel=RTOL)
    cum = res.cumulative.set_index(["dmu", "year"]).tfp_cumulative
    assert cum[("A", 2001)] == 1.0
    assert cum[("A", 2003)] == pytest.approx(hand[("A", 2002)]["tfpch"] * hand[("A", 2003)]["tfpch"], rel=RTOL)


def test_crs_orientation_invariant(panel):
    p, _, _ = panel
    rng = np.random.default_rng(3)
    p = p.assign(x2=rng.uniform(1, 3, len(p)), y2=rng.uniform(1, 3, len(p)))
    o = malmquist(p, dmu="dmu", period="year", inputs=["x", "x2"], outputs=["y", "y2"]).table
    i = malmquist(p, dmu="dmu", period="year", inputs=["x", "x2"], outputs=["y", "y2"], orientation="input").table
    for c in ("effch", "techch", "tfpch"):
        np.testing.assert_allclose(o[c], i[c], rtol=1e-6)


def test_infeasible_vrs_cross_period_flagged():
    # B in 2002 uses less input than anyone in 2001: output-oriented VRS against 2001 is infeasible
    p = pd.DataFrame({"dmu": ["A", "B", "A", "B"], "year": [2001, 2001, 2002, 2002],
                      "x": [4.0, 5.0, 3.0, 1.0], "y": [2.0, 3.0, 2.0, 1.0]})
    r = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"], rts="vrs").table.set_index("dmu")
    assert bool(r.loc["B", "flag"]) and "infeasible" in r.loc["B", "reason"]
    assert np.isnan(r.loc["B", "techch"]) and np.isnan(r.loc["B", "d_prev_curr"])
    assert len(r) == 2  # never dropped


def test_frontier_options(panel):
    p, _, _ = panel
    g = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"], frontier="global").table
    np.testing.assert_allclose(g.techch, 1.0, rtol=1e-9)  # one frontier for all periods
    s = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"], frontier="sequential").table
    assert (s.d_curr_curr <= 1 + 1e-9).all()


def test_errors(panel):
    p, _, _ = panel
    kw = dict(dmu="dmu", period="year", inputs=["x"], outputs=["y"])
    with pytest.raises(InputError, match=r"panel: expected positive inputs and outputs"):
        malmquist(p.assign(x=np.where(p.index == 0, 0.0, p.x)), **kw)
    with pytest.raises(InputError, match=r"panel: expected a balanced panel .* got DMUs with missing periods \['A'\]"):
        malmquist(p.drop(index=0), **kw)
    with pytest.raises(InputError, match=r"panel: expected one row per DMU and period"):
        malmquist(pd.concat([p, p.iloc[[0]]]), **kw)
    with pytest.raises(InputError, match=r"panel: expected at least inputs \+ outputs = 4 DMUs, got 3"):
        malmquist(p[p.dmu != "D"].assign(x2=1.0, y2=1.0), dmu="dmu", period="year", inputs=["x", "x2"],
                  outputs=["y", "y2"])


def test_capital_stock_hand():
    inv = pd.Series([10.0, 12.0, 14.4], index=[2000, 2001, 2002])
    k = capital_stock(inv, delta=0.1, growth_years=2)
    g = 0.2
    K0 = 10 / (g + 0.1)
    assert k.iloc[0] == pytest.approx(K0)
    assert k.iloc[2] == pytest.approx((K0 * 0.9 + 12) * 0.9 + 14.4)
    defl = pd.Series([1.0, 2.0, 4.0], index=inv.index)
    kd = capital_stock(inv, deflator=defl, delta=0.096, initial=50.0)
    assert kd.iloc[1] == pytest.approx(50 * 0.904 + 6.0)
    with pytest.raises(InputError, match=r"delta: expected a depreciation rate in \[0, 1\)"):
        capital_stock(inv, delta=1.5)


def _panel(seed=0, n=30, T=7):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a, lq = rng.normal(), rng.uniform(0.5, 1.5)
        for t in range(T):
            lq = 0.7 * lq + 0.3 + rng.normal(0, 0.1)
            c = rng.normal()
            rows.append({"city": i, "year": 2000 + t, "lq": lq, "c": c, "region": ["East", "West"][i % 2],
                         "tfp": 0.5 * lq + 0.2 * c + a + 0.03 * t + rng.normal(0, 0.1)})
    return pd.DataFrame(rows)


def test_within_transform_by_hand():
    from jilin_spatial.econometrics import within_transform
    d = pd.DataFrame({"i": [1, 1, 1, 2, 2, 2], "t": [1, 2, 3, 1, 2, 3], "z": [1.0, 2.0, 6.0, 3.0, 3.0, 6.0]})
    w = within_transform(d, ["z"], entity="i", time="t")["z"]
    zbar_i = {1: 3.0, 2: 4.0}
    zbar_t = {1: 2.0, 2: 2.5, 3: 6.0}
    exp = [z - zbar_i[i] - zbar_t[t] + 3.5 for i, t, z in zip(d.i, d.t, d.z)]
    np.testing.assert_allclose(w, exp, atol=1e-10)


def test_fe_and_iv_match_numpy_on_demeaned_data():
    from jilin_spatial.econometrics import panel_regressions, within_transform
    d = _panel()
    r = panel_regressions(d, entity="city", time="year", y="tfp", x="lq", controls=["c"])
    w = within_transform(d, ["tfp", "lq", "c"], entity="city", time="year")
    beta = np.linalg.lstsq(w[["lq", "c"]].to_numpy(), w["tfp"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(r.models["FE"].params[["lq", "c"]].to_numpy(), beta, rtol=1e-8)
    # manual 2SLS on the IV sample (rows with both lags), after the within transformation
    d = d.sort_values(["city", "year"]).copy()
    d["l1"] = d.groupby("city").lq.shift(1)
    d["l2"] = d.groupby("city").lq.shift(2)
    s = d.dropna(subset=["l1", "l2"])
    ws = within_transform(s, ["tfp", "lq", "c", "l1", "l2"], entity="city", time="year")
    Z = ws[["c", "l1", "l2"]].to_numpy()
    X = ws[["lq", "c"]].to_numpy()
    Xhat = Z @ np.linalg.lstsq(Z, X, rcond=None)[0]
    b2 = np.linalg.lstsq(Xhat, ws["tfp"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(r.models["IV-2SLS"].params[["lq", "c"]].to_numpy(), b2, rtol=1e-6)
    diag = r.diagnostics.iloc[0]
    assert diag.first_stage_F > 0 and 0 <= diag.hansen_J_p <= 1 and 0 <= diag.dwh_p <= 1
    assert diag.kp_rk_LM > 0 and 0 <= diag.kp_rk_LM_p <= 1  # values checked in test_econometrics.py


def test_subsamples_and_table_export(tmp_path):
    from jilin_spatial.econometrics import panel_regressions
    r = panel_regressions(_panel(), entity="city", time="year", y="tfp", x="lq", controls=["c"], by="region",
                          cov="robust")
    assert list(r.table.columns) == ["FE", "IV-2SLS", "IV-GMM", "FE East", "IV-2SLS East", "IV-GMM East",
                                     "FE West", "IV-2SLS West", "IV-GMM West"]
    assert r.table.loc["lq (se)", "FE"].startswith("(")
    assert r.to_markdown().startswith("| variable | FE |")
    from jilin_spatial.export import write_regression_table
    write_regression_table(r, tmp_path / "t1.csv")
    assert pd.read_csv(tmp_path / "t1.csv").shape[0] == 9  # 2 x (coef, se), N, 4 IV diagnostic rows


def _vrs_output_score_by_hand(xs, ys, x0, y0):
    """1 input, 1 output VRS: best output at input x0 = max over single points and pairs bracketing x0."""
    best = -np.inf
    pts = list(zip(xs, ys))
    for xi, yi in pts:
        if xi <= x0:
            best = max(best, yi)
    for (xi, yi) in pts:
        for (xj, yj) in pts:
            if xi < x0 < xj:
                w = (x0 - xi) / (xj - xi)
                best = max(best, (1 - w) * yi + w * yj)
    return y0 / best


def test_pech_sech_all_dmus_by_hand(panel):
    p, x, y = panel
    r = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"]).table.set_index(["dmu", "year"])
    hand = _hand(x, y)
    for d in x:
        for t in (1, 2):
            xs_prev = [x[k][t - 1] for k in x]
            ys_prev = [y[k][t - 1] for k in x]
            xs_cur = [x[k][t] for k in x]
            ys_cur = [y[k][t] for k in x]
            v_prev = _vrs_output_score_by_hand(xs_prev, ys_prev, x[d][t - 1], y[d][t - 1])
            v_cur = _vrs_output_score_by_hand(xs_cur, ys_cur, x[d][t], y[d][t])
            pech = v_cur / v_prev
            assert r.loc[(d, 2001 + t), "pech"] == pytest.approx(pech, rel=RTOL)
            assert r.loc[(d, 2001 + t), "sech"] == pytest.approx(hand[(d, 2001 + t)]["effch"] / pech, rel=RTOL)


def test_results_keep_the_callers_column_names(panel):
    """A panel with ``city`` and ``yr`` gives results with ``city`` and ``yr``, never ``dmu`` / ``period``."""
    p, x, y = panel
    q = p.rename(columns={"dmu": "city", "year": "yr"})
    res = malmquist(q, dmu="city", period="yr", inputs=["x"], outputs=["y"])
    assert list(res.table.columns[:2]) == ["city", "yr"]
    assert list(res.by_period.columns[:1]) == ["yr"] and list(res.by_dmu.columns[:1]) == ["city"]
    assert list(res.cumulative.columns) == ["city", "yr", "tfp_cumulative"]
    for frame in (res.table, res.by_period, res.by_dmu, res.cumulative):
        assert not {"dmu", "period"} & set(frame.columns)
    assert (res.dmu, res.period) == ("city", "yr")
    assert res.table["yr"].dtype == q["yr"].dtype and res.cumulative["yr"].dtype == q["yr"].dtype
    # the values sit under the caller's names: tfpch by hand (CRS, 1 input, 1 output)
    hand = _hand(x, y)
    t = res.table.set_index(["city", "yr"])
    for key, exp in hand.items():
        assert t.loc[key, "tfpch"] == pytest.approx(exp["tfpch"], rel=RTOL)
    g = np.exp(np.mean([np.log(hand[(d, 2003)]["tfpch"]) for d in x]))
    assert res.by_period.set_index("yr").loc[2003, "tfpch"] == pytest.approx(g, rel=RTOL)
    cum = res.cumulative.set_index(["city", "yr"]).tfp_cumulative
    assert cum[("C", 2003)] == pytest.approx(hand[("C", 2002)]["tfpch"] * hand[("C", 2003)]["tfpch"], rel=RTOL)
    # the caller's frame is not changed
    assert list(q.columns) == ["city", "yr", "x", "y"]


def test_id_columns_named_like_a_result_column_are_refused(panel):
    p, _, _ = panel
    with pytest.raises(InputError, match=r"^period: expected a column name the results do not use .* got 'flag'\. "
                                         r"Fix: rename it first"):
        malmquist(p.rename(columns={"year": "flag"}), dmu="dmu", period="flag", inputs=["x"], outputs=["y"])
    with pytest.raises(InputError, match=r"^dmu: expected a column name the results do not use .* got 'effch'"):
        malmquist(p.rename(columns={"dmu": "effch"}), dmu="effch", period="year", inputs=["x"], outputs=["y"])
    with pytest.raises(InputError, match=r"^period: expected a column other than the DMU column, got 'dmu' for both"):
        malmquist(p, dmu="dmu", period="dmu", inputs=["x"], outputs=["y"])
