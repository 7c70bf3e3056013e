"""Coupling coordination: hand-computed entropy weights, closed forms, classes, errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jilin_spatial as js
from jilin_spatial._errors import DataNoteWarning, InputError
from jilin_spatial.coupling import classify_d, read_indicator_system

RTOL = 1e-12


def _entropy_by_hand(cols, eps):
    """Independent re-computation with plain Python lists."""
    import math
    out = {}
    for name, (vals, direction) in cols.items():
        lo, hi = min(vals), max(vals)
        xs = [((v - lo) if direction == "positive" else (hi - v)) / (hi - lo) if hi > lo else 0.0 for v in vals]
        xs = [(x + eps) / (1 + eps) for x in xs]
        tot = sum(xs)
        ps = [x / tot for x in xs]
        e = -sum(p * math.log(p) for p in ps if p > 0) / math.log(len(vals))
        out[name] = 1 - e if hi > lo else 0.0
    s = sum(out.values())
    return {k: v / s for k, v in out.items()}


def test_entropy_weights_hand():
    X = pd.DataFrame({"a": [1.0, 2.0, 4.0, 8.0], "b": [3.0, 3.5, 3.0, 2.0]})
    r = js.entropy_weights(X, directions={"a": "positive", "b": "negative"})
    exp = _entropy_by_hand({"a": (X.a.tolist(), "positive"), "b": (X.b.tolist(), "negative")}, 1e-4)
    assert r.weights["a"] == pytest.approx(exp["a"], rel=1e-12)
    assert r.weights["b"] == pytest.approx(exp["b"], rel=1e-12)
    assert r.weights.sum() == pytest.approx(1.0, rel=RTOL)
    np.testing.assert_allclose(r.redundancy, 1 - r.entropy, rtol=RTOL)
    # negative direction: the largest b gets the smallest scaled value
    assert r.scaled["b"].idxmin() == 1 and r.scaled["b"].min() == pytest.approx(1e-4 / (1 + 1e-4))


def test_entropy_two_obs_closed_form():
    # two observations at min and max: x" = (eps/(1+eps), 1) -> p = (eps, 1+eps) / (1+2 eps)
    eps = 0.01
    r = js.entropy_weights(pd.DataFrame({"a": [0.0, 1.0], "b": [0.0, 2.0]}), directions={"a": "+", "b": "+"},
                           epsilon=eps)
    p = np.array([eps, 1 + eps]) / (1 + 2 * eps)
    e = -(p * np.log(p)).sum() / np.log(2)
    assert r.entropy["a"] == pytest.approx(e, rel=1e-12)
    assert r.weights["a"] == pytest.approx(0.5, rel=1e-12)


def test_constant_indicator_zero_weight_and_warning():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "k": [5.0, 5.0, 5.0]})
    with pytest.warns(DataNoteWarning, match=r"constant indicator\(s\) \['k'\] carry no information: weight 0"):
        r = js.entropy_weights(X, directions={"a": "positive", "k": "positive"})
    assert r.weights["k"] == 0.0 and r.weights["a"] == pytest.approx(1.0)


def test_per_group_scaling_differs_from_global():
    X = pd.DataFrame({"a": [1.0, 2.0, 10.0, 20.0]})
    g = js.entropy_weights(X, directions={"a": "positive"}, scaling="per_group", groups=[2010, 2010, 2020, 2020])
    assert g.scaled["a"].tolist() == pytest.approx([1e-4 / 1.0001, 1.0, 1e-4 / 1.0001, 1.0], rel=1e-9)
    gl = js.entropy_weights(X, directions={"a": "positive"})
    assert gl.scaled["a"].iloc[1] == pytest.approx((1 / 19 + 1e-4) / 1.0001, rel=1e-12)


def test_user_weights_replace_entropy():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})
    r = js.entropy_weights(X, directions={"a": "+", "b": "+"}, weights={"a": 0.25, "b": 0.75})
    assert r.weights.tolist() == [0.25, 0.75] and r.table().weight_source.eq("user").all()
    np.testing.assert_allclose(r.index, 0.25 * r.scaled.a + 0.75 * r.scaled.b, rtol=RTOL)


def test_undeclared_direction_raises():
    with pytest.raises(InputError, match=r"directions: expected a declared direction for every indicator, got none for \['b'\]"):
        js.entropy_weights(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 3.0]}), directions={"a": "positive"})


@pytest.mark.parametrize("u1,u2", [(0.3, 0.6), (0.1, 0.9), (0.5, 0.5), (0.2, 0.25)])
def test_standard_and_corrected_n2_closed_forms(u1, u2):
    U = pd.DataFrame({"a": [u1], "b": [u2]})
    s = js.coupling_coordination(U).iloc[0]
    assert s.C == pytest.approx(2 * np.sqrt(u1 * u2) / (u1 + u2), rel=RTOL)
    assert s["T"] == pytest.approx((u1 + u2) / 2, rel=RTOL)
    assert s.D == pytest.approx(np.sqrt(s.C * s["T"]), rel=RTOL)
    c = js.coupling_coordination(U, method="corrected").iloc[0]
    assert c.C == pytest.approx(np.sqrt((1 - abs(u1 - u2)) * min(u1, u2) / max(u1, u2)), rel=RTOL)


def test_methods_page_example_values():
    U = pd.DataFrame({"a": [0.3], "b": [0.6]})
    assert js.coupling_coordination(U).C.item() == pytest.approx(0.943, abs=5e-4)
    assert js.coupling_coordination(U, method="corrected").C.item() == pytest.approx(0.592, abs=5e-4)


def test_n3_closed_forms_and_equal_U():
    U = pd.DataFrame({"a": [0.2, 0.4], "b": [0.5, 0.4], "c": [0.8, 0.4]})
    r = js.coupling_coordination(U)
    assert r.C.iloc[0] == pytest.approx(3 * (0.2 * 0.5 * 0.8) ** (1 / 3) / 1.5, rel=RTOL)
    assert r.C.iloc[1] == pytest.approx(1.0, rel=RTOL)
    c = js.coupling_coordination(U, method="corrected")
    first = 1 - (0.3 + 0.6 + 0.3) / 3
    second = ((0.2 / 0.8) * (0.5 / 0.8) * 1.0) ** (1 / 2)
    assert c.C.iloc[0] == pytest.approx(np.sqrt(first * second), rel=RTOL)
    assert c.C.iloc[1] == pytest.approx(1.0, rel=RTOL)
    assert "lagging" not in r


def test_alpha_and_lagging():
    U = pd.DataFrame({"agg": [0.2, 0.5], "inn": [0.6, 0.55]})
    r = js.coupling_coordination(U, alpha=[0.7, 0.3])
    assert r["T"].iloc[0] == pytest.approx(0.7 * 0.2 + 0.3 * 0.6, rel=RTOL)
    assert r.lagging.tolist() == ["agg", "synchronous"]


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=20),
       st.sampled_from(["standard", "corrected"]))
@settings(max_examples=100, deadline=None)
def test_D_in_unit_interval_property(rows, method):
    U = pd.DataFrame(rows, columns=["a", "b", "c"])
    r = js.coupling_coordination(U, method=method)
    d = r.D.dropna()
    assert ((d >= 0) & (d <= 1 + 1e-12)).all()
    assert r.D.isna().sum() == int((U.sum(axis=1) == 0).sum())


def test_class_edges():
    c = classify_d([0.0, 0.0999999, 0.1, 0.3999, 0.4, 0.5, 0.6999, 0.7, 0.9, 1.0])
    assert c.class_level.tolist() == [1, 1, 2, 4, 5, 6, 7, 8, 10, 10]
    assert c.class_zh.tolist()[:3] == ["极度失调", "极度失调", "严重失调"]
    assert c.class_en.iloc[-1] == "high-quality coordination"
    assert c.class_3.tolist() == ["low", "low", "low", "low", "medium", "medium", "medium", "high", "high", "high"]


def test_coupling_errors():
    with pytest.raises(InputError, match=r"U: expected values in \[0, 1\], got range \[0.1, 1.2\]"):
        js.coupling_coordination(pd.DataFrame({"a": [0.1], "b": [1.2]}))
    with pytest.raises(InputError, match=r"U: expected subsystem Series sharing one index, got 'b' has a different index"):
        js.coupling_coordination({"a": pd.Series([0.1, 0.2], index=[1, 2]), "b": pd.Series([0.1, 0.2], index=[2, 3])})
    with pytest.raises(InputError, match=r"alpha: expected non-negative weights summing to 1, got sum 0.9"):
        js.coupling_coordination(pd.DataFrame({"a": [0.1], "b": [0.2]}), alpha=[0.5, 0.4])
    with pytest.raises(InputError, match=r"method: expected one of \['standard', 'corrected'\]"):
        js.coupling_coordination(pd.DataFrame({"a": [0.1], "b": [0.2]}), method="wrong")


def test_indicator_system_as_data(tmp_path):
    p = tmp_path / "sys.csv"
    p.write_text("subsystem,indicator,direction\nx,a,positive\ny,b,negative\n")
    assert read_indicator_system(p) == {"x": {"a": "positive"}, "y": {"b": "negative"}}
    y = tmp_path / "sys.yaml"
    y.write_text("x:\n  a: positive\ny:\n  b: negative\n")
    assert read_indicator_system(y) == {"x": {"a": "positive"}, "y": {"b": "negative"}}
    with pytest.raises(InputError, match=r"system: expected at least one indicator per subsystem, got subsystem 'y' has none"):
        read_indicator_system({"x": {"a": "positive"}, "y": {}})
    with pytest.raises(InputError, match=r"system: expected a declared direction for every indicator, got none for \['b'\] in 'y'"):
        read_indicator_system({"x": {"a": "positive"}, "y": {"b": None}})


def test_jilin_default_run():
    from jilin_spatial import datasets, jilin
    ind = jilin.coupling_indicators()
    assert len(ind) == 18 and ind.drop(columns=["boundaries"]).notna().all().all()
    # independent check of one indicator from the raw table
    raw = pd.read_csv(datasets.get_path("human_capital"), dtype={"adcode": str})
    r = raw[(raw.adcode == "220100") & (raw.year == 2020)].set_index("indicator").value
    got = ind[(ind.adcode == "220100") & (ind.year == 2020)].share_prof_tech.item()
    assert got == pytest.approx(r["occ_professional_technical"] / r["occ_total"], rel=RTOL)
    res, w = js.coupling_from_indicators(ind, pd.read_csv(datasets.get_path("coupling_system_default")))
    assert res.D.between(0, 1).all() and len(w) == 6
    assert w.groupby("subsystem").weight.sum().round(12).eq(1.0).all()


def test_county_run_from_national_tables():
    from jilin_spatial import datasets, jilin
    ind = jilin.coupling_indicators(level="county")
    assert len(ind) == 120 and ind.drop(columns=["boundaries"]).notna().all().all()
    # the extracted occupation totals equal the county employment totals of the (separate) employment table
    hc = pd.read_csv(datasets.get_path("county_human_capital"), dtype={"adcode": str})
    emp = datasets.load_employment("county", include_total=True)
    tot = emp[emp.sector == "TOTAL"].set_index(["adcode", "year"]).value
    h = hc.set_index(["adcode", "year"]).occ_total
    common = h.index.intersection(tot.index)
    assert len(common) >= 120
    np.testing.assert_array_equal(h.loc[common].to_numpy(), tot.loc[common].to_numpy())
    res, w = js.coupling_from_indicators(ind, pd.read_csv(datasets.get_path("coupling_system_default")))
    assert res.D.between(0, 1).all()


def test_report_coupling_table_columns(jilin_report):
    out = jilin_report[0]
    c = pd.read_csv(out / "tables" / "coupling_coordination.csv", dtype={"adcode": str})
    assert list(c.columns[:13]) == ["adcode", "name_zh", "name_en", "level", "year", "U_agglomeration", "U_innovation",
                                    "C", "T", "D", "class_zh", "class_en", "lagging"]
    assert set(c.level) == {"prefecture", "county"} and len(c) == 18 + 120
    assert (out / "tables" / "coupling_weights.csv").is_file()


def test_alpha_by_name_matches_positional():
    """A mapping or a Series of alpha is matched by subsystem name, in any order."""
    U = pd.DataFrame({"agg": [0.2, 0.5], "inn": [0.6, 0.55]})
    want = [0.7 * 0.2 + 0.3 * 0.6, 0.7 * 0.5 + 0.3 * 0.55]
    for alpha in ({"inn": 0.3, "agg": 0.7}, pd.Series({"inn": 0.3, "agg": 0.7}), np.array([0.7, 0.3])):
        np.testing.assert_allclose(js.coupling_coordination(U, alpha=alpha)["T"], want, rtol=RTOL)
    with pytest.raises(InputError, match=r"^alpha: expected one weight per subsystem .*got no weight for \['inn'\]"):
        js.coupling_coordination(U, alpha={"agg": 1.0})


def test_lag_threshold_bounds():
    """|0.2 - 0.6| = 0.4: lagging at 0.1, synchronous at 0.4 (inclusive) and 1; NaN never reaches the rows."""
    U = pd.DataFrame({"agg": [0.2], "inn": [0.6]})
    assert js.coupling_coordination(U, lag_threshold=0.1).lagging.tolist() == ["agg"]
    assert js.coupling_coordination(U, lag_threshold=0.4).lagging.tolist() == ["synchronous"]
    assert js.coupling_coordination(U, lag_threshold=1).lagging.tolist() == ["synchronous"]
    for bad in (float("nan"), float("inf"), -0.01, 1.5):
        with pytest.raises(InputError, match=r"^lag_threshold: expected a finite number in \[0, 1\]"):
            js.coupling_coordination(U, lag_threshold=bad)
