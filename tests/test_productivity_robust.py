"""Malmquist robustness: units (scale invariance), means over complete rows, non-finite and mixed-type input."""

import re

import numpy as np
import pandas as pd
import pytest

from jilin_spatial._errors import InputError
from jilin_spatial.productivity import capital_stock, dea_scores, malmquist

RTOL = 1e-7  # LP solver tolerance; the normalisation itself is exact (powers of two)
INDEX_COLS = ["effch", "techch", "pech", "sech", "tfpch", "d_prev_prev", "d_curr_curr", "d_prev_curr", "d_curr_prev"]
KW = dict(dmu="dmu", period="year", inputs=["L", "K"], outputs=["Y"])


def _make(n=12, T=4, seed=0):
    """2 inputs, 1 output; the VRS run of this panel has infeasible (flagged) cross-period LPs."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(T):
        L = rng.uniform(10, 100, n)
        K = rng.uniform(50, 500, n)
        Y = (L ** 0.4) * (K ** 0.5) * rng.uniform(0.6, 1.0, n) * (1.02 ** t)
        rows.append(pd.DataFrame({"dmu": np.arange(n), "year": 2000 + t, "L": L, "K": K, "Y": Y}))
    return pd.concat(rows, ignore_index=True)


def _gmean(v):
    return float(np.exp(np.mean(np.log(v))))


# --- 1. scale invariance ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("scales", [{"L": 1e-12, "K": 1e-12, "Y": 1e-12}, {"L": 1e12, "K": 1e12, "Y": 1e12},
                                    {"L": 1e-12, "K": 1e9, "Y": 1e12}, {"L": 1e-300, "K": 1e-300, "Y": 1e-300},
                                    {"L": 1e300, "K": 1.0, "Y": 1e-8}])
@pytest.mark.parametrize("rts,orientation", [("crs", "output"), ("vrs", "output"), ("vrs", "input")])
def test_indices_do_not_depend_on_units(scales, rts, orientation):
    p = _make()
    q = p.assign(**{c: p[c] * s for c, s in scales.items()})
    a = malmquist(p, rts=rts, orientation=orientation, **KW)
    b = malmquist(q, rts=rts, orientation=orientation, **KW)
    assert a.table.flag.tolist() == b.table.flag.tolist()
    assert a.table.reason.tolist() == b.table.reason.tolist()
    # unscaled data: every transition of a VRS run must not be flagged, else this test compares NaN with NaN
    assert (~a.table.flag).sum() >= 0.3 * len(a.table)
    for c in INDEX_COLS:
        np.testing.assert_allclose(b.table[c], a.table[c], rtol=RTOL, err_msg=c)
    np.testing.assert_allclose(b.by_period[["effch", "techch", "tfpch"]], a.by_period[["effch", "techch", "tfpch"]],
                               rtol=RTOL)


def test_tiny_units_match_hand_solution():
    """1 input, 1 output, CRS: D^s(x, y) = (y/x) / max_j(y_j/x_j); data in units of 1e-12 (was all NaN before)."""
    x = {"A": [2, 2, 3], "B": [4, 5, 4], "C": [3, 3, 2], "D": [5, 4, 5]}
    y = {"A": [2, 3, 3], "B": [2, 3, 5], "C": [1, 2, 2], "D": [4, 4, 3]}
    p = pd.DataFrame([{"dmu": d, "year": 2001 + t, "x": x[d][t] * 1e-12, "y": y[d][t] * 1e-12}
                      for d in x for t in range(3)])
    r = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"]).table.set_index(["dmu", "year"])
    best = [max(y[d][t] / x[d][t] for d in x) for t in range(3)]
    for d in x:
        for t in (1, 2):
            r_prev, r_cur = y[d][t - 1] / x[d][t - 1], y[d][t] / x[d][t]
            pp, cc, pc, cp = r_prev / best[t - 1], r_cur / best[t], r_cur / best[t - 1], r_prev / best[t]
            assert r.loc[(d, 2001 + t), "tfpch"] == pytest.approx(np.sqrt(pc / pp * cc / cp), rel=RTOL)
            assert r.loc[(d, 2001 + t), "effch"] == pytest.approx(cc / pp, rel=RTOL)
    assert not r.flag.any()


def test_dea_scores_do_not_depend_on_units():
    # hand: CRS output scores (y/x)/max(y/x) = [1, 0.5, 0.25]
    for s in (1e-12, 1.0, 1e12):
        sc, reason = dea_scores(np.array([[1.0, 2.0, 4.0]]) * s, [[1.0, 1.0, 1.0]])
        np.testing.assert_allclose(sc, [1.0, 0.5, 0.25], rtol=RTOL)
        assert list(reason) == ["", "", ""]


# --- 2. means over complete rows ----------------------------------------------------------------------------------

def test_period_means_use_complete_rows_and_keep_identities():
    res = malmquist(_make(), rts="vrs", **KW)
    t, bp = res.table, res.by_period.set_index("year")
    assert t.flag.any() and (~t.flag).any()  # the panel has flagged and unflagged rows in every period
    np.testing.assert_allclose(bp.effch * bp.techch, bp.tfpch, rtol=1e-12)
    np.testing.assert_allclose(bp.pech * bp.sech, bp.effch, rtol=1e-12)
    for per, g in t.groupby("year"):
        ok = g[~g.flag]
        assert bp.loc[per, "n_used"] == len(ok) and bp.loc[per, "n_flagged"] == int(g.flag.sum())
        assert bp.loc[per, "n_used"] + bp.loc[per, "n_flagged"] == 12
        for c in ("effch", "techch", "pech", "sech", "tfpch"):
            assert bp.loc[per, c] == pytest.approx(_gmean(ok[c]), rel=1e-12), (per, c)
    bd = res.by_dmu.set_index("dmu")
    np.testing.assert_allclose((bd.effch * bd.techch).dropna(), bd.tfpch.dropna(), rtol=1e-12)
    np.testing.assert_array_equal(bd.n_used + bd.n_flagged, 3)
    assert bd.n_flagged.tolist() == t.groupby("dmu").flag.sum().astype(int).tolist()


def test_period_mean_with_one_infeasible_dmu_by_hand():
    # B in 2002 uses less input than anyone in 2001: its VRS distance to the 2001 frontier is infeasible
    p = pd.DataFrame({"dmu": ["A", "B", "A", "B"], "year": [2001, 2001, 2002, 2002],
                      "x": [4.0, 5.0, 4.5, 1.0], "y": [2.0, 3.0, 2.5, 1.0]})
    res = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"], rts="vrs")
    t = res.table.set_index("dmu")
    assert t.flag.tolist() == [False, True] and np.isfinite(t.loc["B", "effch"])
    row = res.by_period.iloc[0]
    assert (row.n_used, row.n_flagged) == (1, 1)
    # the means are A's indices alone: B's finite effch must not enter effch while its tfpch is missing
    for c in ("effch", "techch", "pech", "sech", "tfpch"):
        assert row[c] == pytest.approx(t.loc["A", c], rel=1e-12), c
    # hand, VRS output scores (x, y): 2001 frontier A(4,2)-B(5,3); 2002 frontier B(1,1)-A(4.5,2.5).
    # D01(A01) = 1, D02(A02) = 1 (both on their frontiers): effch = 1.
    # D01(A02): at x=4.5 the 2001 frontier gives y = 2.5 -> 1.  D02(A01): at x=4 the 2002 frontier gives
    # y = 1 + 1.5 * 3/3.5 -> 2 / (1 + 1.5 * 3/3.5).  techch = tfpch = sqrt(D01(A02) / D02(A01)).
    d02_a01 = 2 / (1 + 1.5 * 3 / 3.5)
    assert row.effch == pytest.approx(1.0, rel=RTOL)
    assert row.tfpch == pytest.approx(np.sqrt(1.0 / d02_a01), rel=RTOL)
    assert row.tfpch == pytest.approx(row.effch * row.techch, rel=1e-12)


def test_cumulative_breaks_at_a_flagged_transition():
    # B is flagged in 2002 only (uses less input than anyone in 2001); 2003 is fine again
    p = pd.DataFrame({"dmu": ["A", "B"] * 3, "year": [2001, 2001, 2002, 2002, 2003, 2003],
                      "x": [4.0, 5.0, 4.5, 1.0, 4.5, 1.0], "y": [2.0, 3.0, 2.5, 1.0, 2.6, 1.2]})
    res = malmquist(p, dmu="dmu", period="year", inputs=["x"], outputs=["y"], rts="vrs")
    t = res.table.set_index(["dmu", "year"])
    assert t.flag.tolist() == [False, True, False, False]  # (A, 2002), (B, 2002), (A, 2003), (B, 2003)
    cum = res.cumulative.set_index(["dmu", "year"]).tfp_cumulative
    assert cum[("B", 2001)] == 1.0
    assert np.isnan(cum[("B", 2002)]) and np.isnan(cum[("B", 2003)])  # not tfpch(2003) with 2002 skipped
    assert cum[("A", 2003)] == pytest.approx(t.loc[("A", 2002), "tfpch"] * t.loc[("A", 2003), "tfpch"], rel=1e-12)


# --- 3. non-finite and mixed-type input ---------------------------------------------------------------------------

def test_inf_and_overflowed_sum_rejected_with_column_and_row():
    p = _make(n=4, T=3)
    with pytest.raises(InputError, match=r"got column 'K': 1 bad value\(s\), row 5 \(dmu 1, year 2001\) = inf"):
        malmquist(p.assign(K=np.where(p.index == 5, np.inf, p.K)), **KW)
    with np.errstate(over="ignore"):
        overflowed = np.float64(1e308) + np.float64(1e308)  # e.g. a sum of two big columns
    with pytest.raises(InputError, match=r"column 'Y': 1 bad value\(s\), row 0 \(dmu 0, year 2000\) = inf"):
        malmquist(p.assign(Y=np.where(p.index == 0, overflowed, p.Y)), **KW)
    # text read from a file: "inf" and "n/a" in an object column
    obj = p.assign(L=p.L.astype(object))
    obj.loc[2, "L"], obj.loc[7, "L"] = "inf", "n/a"
    with pytest.raises(InputError, match=r"column 'L': 2 bad value\(s\), row 2 .* = 'inf'; row 7 .* = 'n/a'") as e:
        malmquist(obj, **KW)
    assert "\n" not in str(e.value)


def test_mixed_type_period_labels():
    p = _make(n=4, T=2)
    p["year"] = p["year"].astype(object)
    p.loc[p.year == 2001, "year"] = "2001"
    with pytest.raises(InputError, match=r"period: expected labels of one type in column 'year' .* "
                                         r"got mixed: 2000 \(int\), '2001' \(str\)"):
        malmquist(p, **KW)
    q = _make(n=4, T=2).astype({"year": float})
    q.loc[0, "year"] = np.nan
    with pytest.raises(InputError, match=r"period: expected a label in every row of column 'year', got 1 missing"):
        malmquist(q, **KW)


def test_cli_mixed_period_labels_exit_2(tmp_path, capsys):
    from jilin_spatial import cli
    p = _make(n=4, T=2).astype({"year": str})
    p.loc[p.year == "2001", "year"] = "2001a"  # the CLI turns 2000 into a number, keeps "2001a" as text
    p.to_csv(tmp_path / "p.csv", index=False)
    assert cli.main(["tfp", "--panel", str(tmp_path / "p.csv"), "--dmu", "dmu", "--period", "year",
                     "--inputs", "L", "K", "--outputs", "Y", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "got mixed: 2000.0 (float), '2001a' (str)" in err and "Traceback" not in err and err.count("\n") == 1


def test_capital_stock_rejects_non_finite():
    idx = [2000, 2001, 2002]
    with pytest.raises(InputError, match=r"investment: expected complete, finite, non-negative investment, "
                                         r"got 1 bad value\(s\) at 2001 = inf"):
        capital_stock(pd.Series([1.0, np.inf, 2.0], index=idx))
    with pytest.raises(InputError, match=r"deflator: .* got 2 bad value\(s\) at 2001 = inf; 2002 = missing"):
        capital_stock(pd.Series([1.0, 1.0, 2.0], index=idx), deflator=pd.Series([1.0, np.inf], index=idx[:2]))
    with pytest.raises(InputError, match=r"investment: expected a capital stock that stays finite, "
                                         r"got 2 bad value\(s\) at 2001 = 1e\+308; 2002 = 1e\+308"):
        capital_stock(pd.Series([1e308] * 3, index=idx), initial=1e308)
    with pytest.raises(InputError, match=r"initial: expected a finite non-negative starting capital stock K0"):
        capital_stock(pd.Series([1.0, 1.0, 2.0], index=idx), initial=float("nan"))
    # big but finite values still work, by hand: K = 1e300 * 0.9 + 1e300
    k = capital_stock(pd.Series([1e300, 1e300], index=idx[:2]), delta=0.1, initial=1e300)
    assert k.iloc[1] == pytest.approx(1.9e300, rel=1e-12)


def test_error_message_is_one_line_with_fix():
    p = _make(n=4, T=2)
    with pytest.raises(InputError) as e:
        malmquist(p.assign(L=-p.L), **KW)
    msg = str(e.value)
    assert re.fullmatch(r"panel: expected .*, got column 'L': 8 bad value\(s\), .* and 5 more\. Fix: .*", msg)


def test_dea_scores_rejects_inf_and_keeps_zeros():
    with pytest.raises(InputError, match=r"X: expected finite non-negative values, got nan, inf or negative "
                                         r"entries at \(row, DMU\) \[\[0, 1\]\]"):
        dea_scores([[1.0, np.inf]], [[1.0, 1.0]])
    # zeros stay allowed in dea_scores (the scale uses the positive entries). By hand, CRS output: DMU 0 uses
    # (1, 0) for y = 1 and dominates DMU 1's (2, 1): lam = 2 copies of DMU 0 fit in (2, 1) and make y = 2 -> 0.5
    for s in (1e-12, 1.0):
        sc, reason = dea_scores(np.array([[1.0, 2.0], [0.0, 1.0]]) * s, [[1.0, 1.0]])
        np.testing.assert_allclose(sc, [1.0, 0.5], rtol=RTOL)
        assert list(reason) == ["", ""]


def test_cli_headline_is_the_complete_row_mean(tmp_path, capsys):
    """The issue's case: a VRS panel with flagged DMUs; the printed tfpch must equal effch * techch."""
    from jilin_spatial import cli
    p = _make()
    p.to_csv(tmp_path / "p.csv", index=False)
    assert cli.main(["tfp", "--panel", str(tmp_path / "p.csv"), "--dmu", "dmu", "--period", "year", "--rts", "vrs",
                     "--inputs", "L", "K", "--outputs", "Y", "--out", str(tmp_path / "o")]) == 0
    lines = re.findall(r"^  (\d+): tfpch ([\d.]+) \(effch ([\d.]+), techch ([\d.]+); mean of (\d+) DMUs, (\d+) flagged",
                       capsys.readouterr().out, flags=re.M)
    t = malmquist(p, rts="vrs", **KW).table
    ok = t[~t.flag]
    assert [(int(a[0]), int(a[4]), int(a[5])) for a in lines] == [
        (y, int((ok.year == y).sum()), int((t.flag & (t.year == y)).sum())) for y in (2001, 2002, 2003)]
    assert all(int(a[5]) > 0 for a in lines)
    np.testing.assert_allclose([float(a[1]) for a in lines], ok.groupby("year").tfpch.agg(_gmean), atol=5e-5)
    np.testing.assert_allclose([float(a[2]) * float(a[3]) for a in lines], [float(a[1]) for a in lines], atol=3e-4)
