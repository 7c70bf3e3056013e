"""IV diagnostics of panel_regressions against independent numpy computations, and its input errors.

Tolerances: the statistics are closed-form linear algebra on at most a few hundred rows, so the
independent computations agree to rounding; RTOL = 1e-8 leaves room for the different
orders of operations (lstsq vs. inverse, Cholesky/SVD vs. sandwich).  The two-step GMM Hansen J
goes through linearmodels' own solver, so it gets RTOL_GMM = 1e-6.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

pytest.importorskip("linearmodels")

from jilin_spatial._errors import InputError, InputTypeError  # noqa: E402
from jilin_spatial.econometrics import _weak_id, panel_regressions, within_transform  # noqa: E402
from jilin_spatial.export import write_regression_table  # noqa: E402

RTOL = 1e-8
RTOL_GMM = 1e-6


def _panel(seed=1, n=16, T=6):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a, lq = rng.normal(), rng.uniform(0.5, 1.5)
        for t in range(T):
            lq = 0.6 * lq + 0.4 + rng.normal(0, 0.15) * (1 + i % 3)  # heteroskedastic across cities
            rows.append({"city": f"c{i:02d}", "year": 2000 + t, "lq": lq, "c": rng.normal(),
                         "region": ["East", "West"][i % 2],
                         "tfp": 0.5 * lq + 0.2 * rng.normal() + a + 0.03 * t + rng.normal(0, 0.1)})
    return pd.DataFrame(rows)


def _iv_sample(d, lags=(1, 2)):
    """The IV sample built by hand: lags within city, rows with all lags, two-way demeaned."""
    d = d.sort_values(["city", "year"]).copy()
    names = []
    for L in lags:
        d[f"l{L}"] = d.groupby("city").lq.shift(L)
        names.append(f"l{L}")
    s = d.dropna(subset=names)
    w = within_transform(s, ["tfp", "lq", "c"] + names, entity="city", time="year")
    return s, w, names


def _sandwich(X, e, groups=None):
    """(X'X)^-1 (sum_g s_g s_g') (X'X)^-1 with s_g = sum_{i in g} x_i e_i, by an explicit loop."""
    ixx = np.linalg.inv(X.T @ X)
    meat = np.zeros((X.shape[1], X.shape[1]))
    keys = range(len(e)) if groups is None else pd.unique(groups)
    for g in keys:
        idx = [g] if groups is None else np.flatnonzero(groups == g)
        s = X[idx].T @ e[idx]
        meat += np.outer(s, s)
    return ixx @ meat @ ixx


# ------------------------------------------------------------------ first-stage F


def test_first_stage_F_homoskedastic_equals_restricted_unrestricted_ols():
    rng = np.random.default_rng(5)
    n = 80
    W = np.column_stack([np.ones(n), rng.normal(size=n)])  # constant + one exogenous regressor
    Z = rng.normal(size=(n, 3))
    x = W @ [1.0, 0.5] + Z @ [0.3, 0.0, -0.2] + rng.normal(size=n)
    rss = lambda A: float(np.sum((x - A @ np.linalg.lstsq(A, x, rcond=None)[0]) ** 2))  # noqa: E731
    rss_r, rss_u = rss(W), rss(np.column_stack([W, Z]))
    k = W.shape[1] + Z.shape[1]
    F_hand = ((rss_r - rss_u) / 3) / (rss_u / (n - k))
    r = _weak_id(x[:, None], Z, W, cov="unadjusted")
    # sigma^2 = e'e / n (no small-sample factor, as linearmodels' debiased=False): F = F_hand * n / (n - k)
    np.testing.assert_allclose(r["first_stage_F"][0], F_hand * n / (n - k), rtol=RTOL)
    np.testing.assert_allclose(r["first_stage_F_p"][0], stats.chi2.sf(3 * r["first_stage_F"][0], 3), rtol=RTOL)


@pytest.mark.parametrize("cov", ["clustered", "robust"])
def test_first_stage_F_is_wald_over_q_with_the_model_covariance(cov):
    d = _panel()
    res = panel_regressions(d, entity="city", time="year", y="tfp", x="lq", controls=["c"], cov=cov)
    diag = res.diagnostics.iloc[0]
    s, w, names = _iv_sample(d)
    # full first stage (no partialling): lq on [c, l1, l2], HC0 or city-clustered sandwich, Wald of the lags
    X = w[["c"] + names].to_numpy()
    b = np.linalg.lstsq(X, w["lq"].to_numpy(), rcond=None)[0]
    e = w["lq"].to_numpy() - X @ b
    V = _sandwich(X, e, s["city"].to_numpy() if cov == "clustered" else None)
    wald = float(b[1:] @ np.linalg.solve(V[1:, 1:], b[1:]))
    assert diag.first_stage_F_df == 2
    np.testing.assert_allclose(diag.first_stage_F, wald / 2, rtol=RTOL)
    np.testing.assert_allclose(diag.first_stage_wald_chi2, wald, rtol=RTOL)
    np.testing.assert_allclose(diag.first_stage_F_p, stats.chi2.sf(wald, 2), rtol=RTOL)
    # linearmodels reports the chi2 Wald statistic itself under the name f.stat
    lm = res.models["IV-2SLS"].first_stage.diagnostics
    np.testing.assert_allclose(diag.first_stage_F, float(lm["f.stat"].iloc[0]) / 2, rtol=RTOL)


# ------------------------------------------------------------------ Kleibergen-Paap


@pytest.mark.parametrize("cov", ["clustered", "robust"])
def test_kp_one_endogenous_reduces_to_robust_wald_and_score_tests(cov):
    d = _panel()
    diag = panel_regressions(d, entity="city", time="year", y="tfp", x="lq", controls=["c"], cov=cov
                             ).diagnostics.iloc[0]
    s, w, names = _iv_sample(d)
    groups = s["city"].to_numpy() if cov == "clustered" else None
    # partial the control out (Frisch-Waugh), then the first stage of lq on the two lags
    C = w[["c"]].to_numpy()
    M = lambda a: a - C @ np.linalg.lstsq(C, a, rcond=None)[0]  # noqa: E731
    Z, x = M(w[names].to_numpy()), M(w["lq"].to_numpy())
    pi = np.linalg.lstsq(Z, x, rcond=None)[0]
    wald = float(pi @ np.linalg.solve(_sandwich(Z, x - Z @ pi, groups), pi))
    np.testing.assert_allclose(diag.kp_rk_wald_F, wald / 2, rtol=RTOL)  # rk Wald F = robust first-stage F
    np.testing.assert_allclose(diag.kp_rk_wald_F, diag.first_stage_F, rtol=RTOL)
    # rk LM = score test of pi = 0 with the variance under the null (residual = x itself):
    # x'Z (sum_g s_g s_g')^-1 Z'x, s_g = sum_{i in g} z_i x_i
    meat = np.linalg.inv(Z.T @ Z) @ np.linalg.inv(_sandwich(Z, x, groups)) @ np.linalg.inv(Z.T @ Z)
    lm = float(x @ Z @ meat @ Z.T @ x)
    np.testing.assert_allclose(diag.kp_rk_LM, lm, rtol=RTOL)
    assert diag.kp_rk_LM_df == 2
    np.testing.assert_allclose(diag.kp_rk_LM_p, stats.chi2.sf(lm, 2), rtol=RTOL)


def _two_endogenous(seed=7, n=120):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 3))
    W = np.column_stack([np.ones(n), rng.normal(size=n)])
    scale = 1 + np.abs(Z[:, 0])  # heteroskedastic first-stage errors
    X = np.column_stack([Z @ [0.6, 0.2, 0.1], Z @ [0.3, 0.25, 0.05]]) + W @ [[1.0, -1.0], [0.4, 0.2]]
    X += rng.normal(size=(n, 2)) * scale[:, None]
    return X, Z, W, np.repeat(np.arange(n // 4), 4)


def test_kp_homoskedastic_is_anderson_lm_and_cragg_donald():
    X, Z, W, _ = _two_endogenous()
    r = _weak_id(X, Z, W, cov="unadjusted")
    n = len(X)
    P = lambda a: a - W @ np.linalg.lstsq(W, a, rcond=None)[0]  # noqa: E731
    Xp, Zp = P(X), P(Z)
    # squared canonical correlations of X and Z: eigenvalues of (X'X)^-1 X'Z (Z'Z)^-1 Z'X
    ev = np.sort(np.linalg.eigvals(np.linalg.solve(Xp.T @ Xp, Xp.T @ Zp @ np.linalg.solve(Zp.T @ Zp, Zp.T @ Xp)))
                 .real)
    np.testing.assert_allclose(r["kp_rk_LM"], n * ev[0], rtol=RTOL)  # Anderson LM = N * min canon. corr^2
    np.testing.assert_allclose(r["kp_rk_wald"], n * ev[0] / (1 - ev[0]), rtol=RTOL)  # Cragg-Donald Wald
    assert r["kp_rk_LM_df"] == 2  # (L - K + 1) * 1 with L = 3, K = 2


@pytest.mark.parametrize("cov", ["clustered", "robust"])
def test_kp_two_endogenous_against_plain_singular_vectors(cov):
    """rk = lambda' Omega^-1 lambda is invariant to the basis of the orthogonal complements.

    The package uses KP's normalised A_q and B_q (ranktest); here the last singular vectors
    themselves, and Var(vec pi) from an explicit loop over observations or clusters.
    """
    X, Z, W, cl = _two_endogenous()
    r = _weak_id(X, Z, W, cov=cov, clusters=cl)
    P = lambda a: a - W @ np.linalg.lstsq(W, a, rcond=None)[0]  # noqa: E731
    Xp, Zp = P(X), P(Z)
    n, K, L = len(X), 2, 3
    pi = np.linalg.solve(Zp.T @ Zp, Zp.T @ Xp)
    Fm = np.linalg.cholesky(Zp.T @ Zp).T
    G = np.linalg.inv(np.linalg.cholesky(Xp.T @ Xp).T)
    theta = Fm @ pi @ G
    U, _, Vt = np.linalg.svd(theta)
    A, B = U[:, K - 1:], Vt.T[:, K - 1:]
    lam = (A.T @ theta @ B).ravel(order="F")
    J = np.kron(B.T, A.T) @ np.kron(G.T, Fm)  # lam = J vec(pi)
    izz = np.linalg.inv(Zp.T @ Zp)
    groups = cl if cov == "clustered" else np.arange(n)
    out = {}
    for name, E in (("LM", Xp), ("wald", Xp - Zp @ pi)):
        meat = np.zeros((K * L, K * L))
        for g in np.unique(groups):
            idx = groups == g
            s = np.concatenate([Zp[idx].T @ E[idx, k] for k in range(K)])  # sum e_ik z_i, stacked by k
            meat += np.outer(s, s)
        Vpi = np.kron(np.eye(K), izz) @ meat @ np.kron(np.eye(K), izz)
        out[name] = float(lam @ np.linalg.solve(J @ Vpi @ J.T, lam))
    np.testing.assert_allclose(r["kp_rk_LM"], out["LM"], rtol=RTOL)
    np.testing.assert_allclose(r["kp_rk_wald_F"], out["wald"] / L, rtol=RTOL)
    # per-endogenous first-stage F: one value for each regressor
    assert r["first_stage_F"].shape == (2,)


# ------------------------------------------------------------------ Hansen J


@pytest.mark.parametrize("cov", ["clustered", "robust"])
def test_hansen_j_two_step_gmm_by_hand(cov):
    d = _panel()
    diag = panel_regressions(d, entity="city", time="year", y="tfp", x="lq", controls=["c"], cov=cov
                             ).diagnostics.iloc[0]
    s, w, names = _iv_sample(d)
    y, X, Z = w["tfp"].to_numpy(), w[["c", "lq"]].to_numpy(), w[["c"] + names].to_numpy()
    n = len(y)
    groups = s["city"].to_numpy() if cov == "clustered" else np.arange(n)

    def S(u):
        out = np.zeros((Z.shape[1], Z.shape[1]))
        for g in np.unique(groups):
            m = Z[groups == g].T @ u[groups == g]
            out += np.outer(m, m)
        return out / n

    def gmm(Wm):
        A = X.T @ Z @ Wm @ Z.T
        return np.linalg.solve(A @ X, A @ y)

    b1 = gmm(np.linalg.inv(Z.T @ Z))  # 2SLS
    Wm = np.linalg.inv(S(y - X @ b1))
    b2 = gmm(Wm)
    gbar = Z.T @ (y - X @ b2) / n
    J = float(n * gbar @ Wm @ gbar)
    np.testing.assert_allclose(diag.hansen_J, J, rtol=RTOL_GMM)
    np.testing.assert_allclose(diag.hansen_J_p, stats.chi2.sf(J, 1), rtol=RTOL_GMM)
    assert diag.hansen_J_df == 1 and diag.overid_note == ""


def test_exactly_identified_marks_overid_tests_not_applicable():
    res = panel_regressions(_panel(), entity="city", time="year", y="tfp", x="lq", controls=["c"], lags=(1,))
    diag = res.diagnostics.iloc[0]
    assert np.isnan(diag.hansen_J) and np.isnan(diag.hansen_J_p) and np.isnan(diag.sargan_p)
    assert diag.hansen_J_df == 0
    assert "exactly identified" in diag.overid_note
    assert res.table.loc["Hansen J [p]", "IV-GMM"] == "n/a (exactly identified)"
    # still reported: weak-identification statistics with q = 1
    assert diag.first_stage_F_df == 1 and diag.kp_rk_LM_df == 1
    np.testing.assert_allclose(diag.kp_rk_wald_F, diag.first_stage_F, rtol=RTOL)


def test_table1_shows_the_diagnostic_rows(tmp_path):
    res = panel_regressions(_panel(), entity="city", time="year", y="tfp", x="lq", controls=["c"], by="region")
    t, diag = res.table, res.diagnostics.set_index("sample")
    assert list(t.index[-4:]) == ["First-stage F", "KP rk LM [p]", "KP rk Wald F", "Hansen J [p]"]
    assert t.loc["First-stage F", "IV-2SLS West"] == f"{diag.loc['West', 'first_stage_F']:.2f}"
    assert t.loc["KP rk LM [p]", "IV-GMM"] == f"{diag.loc['all', 'kp_rk_LM']:.2f} [{diag.loc['all', 'kp_rk_LM_p']:.3f}]"
    assert t.loc["Hansen J [p]", "IV-GMM East"].startswith(f"{diag.loc['East', 'hansen_J']:.2f} [")
    assert t.loc["First-stage F", "FE"] == ""
    assert "| KP rk Wald F |" in res.to_markdown()
    write_regression_table(res, tmp_path / "t1.csv")
    back = pd.read_csv(tmp_path / "t1.csv", keep_default_na=False).set_index("variable")
    assert back.loc["First-stage F", "IV-2SLS"] == t.loc["First-stage F", "IV-2SLS"]


def test_table1_csv_is_written_by_export_with_formula_cells_neutralised(tmp_path):
    """The CSV goes through export (econometrics writes no file); negative coefficients and a formula-like
    variable name reach the spreadsheet as text, plain numbers (N) stay numbers."""
    import csv

    d = _panel().assign(tfp=lambda f: -f.tfp).rename(columns={"c": "=c"})  # x's coefficient is now negative
    res = panel_regressions(d, entity="city", time="year", y="tfp", x="lq", controls=["=c"])
    frame = res.to_frame()
    assert list(frame.columns) == ["variable", "FE", "IV-2SLS", "IV-GMM"]
    pd.testing.assert_frame_equal(frame, res.table.reset_index())
    coef = res.models["FE"].params["lq"]
    assert coef < 0 and frame.iloc[0, 1].startswith(f"{coef:.4f}")
    write_regression_table(res, tmp_path / "t1.csv")
    with open(tmp_path / "t1.csv", encoding="utf-8-sig", newline="") as f:
        rows = {r[0]: r[1:] for r in csv.reader(f)}
    assert rows["lq"][0] == "'" + frame.iloc[0, 1]  # '-0.5...*** : text, not a formula
    assert "'=c" in rows and "=c" not in rows
    assert rows["N"] == [str(int(res.models[m].nobs)) for m in ("FE", "IV-2SLS", "IV-GMM")]
    # the DataFrame form writes the same file
    write_regression_table(res.table, tmp_path / "t1_frame.csv")
    assert (tmp_path / "t1_frame.csv").read_bytes() == (tmp_path / "t1.csv").read_bytes()
    with pytest.raises(InputTypeError, match=r"^table: expected a RegressionTable .* got list"):
        write_regression_table([1, 2], tmp_path / "bad.csv")
    assert not (tmp_path / "bad.csv").exists()


# ------------------------------------------------------------------ input errors (one line, no traceback)

KW = dict(entity="city", time="year", y="tfp", x="lq")


def test_collinear_controls():
    d = _panel()
    with pytest.raises(InputError, match=r"^controls: expected linearly independent regressors .* got collinear "
                                         r"columns \['c', 'c2'\] .* Fix: drop one of"):
        panel_regressions(d.assign(c2=2 * d.c - 1), controls=["c", "c2"], **KW)


def test_control_collinear_with_x():
    d = _panel()
    with pytest.raises(InputError, match=r"^controls: .* collinear columns \['lq', 'c2'\]"):
        panel_regressions(d.assign(c2=3 * d.lq), controls=["c2"], **KW)


@pytest.mark.parametrize("col", ["city_size", "trend"])
def test_constant_after_within_transformation(col):
    d = _panel()
    d = d.assign(city_size=d.city.str[1:].astype(float), trend=d.year - 2000.0)  # time-invariant / common
    with pytest.raises(InputError, match=rf"^controls: expected regressors that vary within entities and over time, "
                                         rf"got column '{col}' constant after removing entity and time effects"):
        panel_regressions(d, controls=["c", col], **KW)


def test_no_instruments():
    with pytest.raises(InputError, match=r"^lags: expected distinct positive integers, at least one .* got \(\)"):
        panel_regressions(_panel(), controls=["c"], lags=(), **KW)


def test_x_repeated_in_controls():
    with pytest.raises(InputError, match=r"^controls: expected controls distinct .* got repeated \['lq'\]"):
        panel_regressions(_panel(), controls=["lq"], **KW)


def test_too_few_observations_for_fe():
    d = _panel()
    small = d[d.city.isin(["c00", "c01", "c02"]) & (d.year < 2002)]
    with pytest.raises(InputError, match=r"^data: expected more observations than parameters \(6\) in the "
                                         r"two-way FE regression .* got 6 in sample 'all'"):
        panel_regressions(small, controls=["c"], **KW)


def test_panel_too_short_for_lags():
    d = _panel()
    with pytest.raises(InputError, match=r"^data: expected entities observed in 3 consecutive periods .* "
                                         r"got none in sample 'all'"):
        panel_regressions(d[d.year < 2002].assign(c=lambda t: t.c), controls=[], **KW)


def test_too_few_clusters_in_a_subsample():
    d = _panel()
    d.loc[d.city.isin(["c01", "c03", "c05"]), "region"] = "North"  # 3 clusters for 3 moment conditions
    with pytest.raises(InputError, match=r"^data: expected more entities \(clusters\) than moment conditions "
                                         r"\(3\) .* got 3 in sample 'North'"):
        panel_regressions(d, controls=["c"], by="region", **KW)


@pytest.mark.parametrize("bad,kind", [(np.inf, "inf"), (-np.inf, "inf"), (np.nan, "NaN")])
@pytest.mark.parametrize("col", ["tfp", "lq", "c"])
def test_non_finite_values(col, bad, kind):
    d = _panel()
    d.loc[5, col] = bad
    with pytest.raises(InputError, match=rf"^data: expected finite values in column '{col}', got 1 non-finite "
                                         rf"\({kind}\) in rows \[5\]\. Fix: drop or impute"):
        panel_regressions(d, controls=["c"], **KW)


def test_non_numeric_regressor():
    d = _panel().assign(c=lambda t: t.c.astype(str))
    with pytest.raises(InputTypeError, match=r"^data: expected numeric column 'c'"):
        panel_regressions(d, controls=["c"], **KW)


def test_errors_are_one_line():
    d = _panel()
    with pytest.raises(InputError) as info:
        panel_regressions(d.assign(c2=2 * d.c), controls=["c", "c2"], **KW)
    assert "\n" not in str(info.value)


def test_unforeseen_estimator_failure_is_one_line(monkeypatch):
    """A failure the explicit checks do not anticipate still arrives as a one-line InputError."""
    from linearmodels.iv import IV2SLS

    def boom(self, *a, **k):
        raise ValueError("singular matrix in some step\nsecond line of a long linearmodels message")

    monkeypatch.setattr(IV2SLS, "fit", boom)
    with pytest.raises(InputError, match=r"^data: expected a sample the IV estimator can fit, got 'singular "
                                         r"matrix in some step' in sample 'all'\. Fix: ") as info:
        panel_regressions(_panel(), controls=["c"], **KW)
    assert "\n" not in str(info.value)
