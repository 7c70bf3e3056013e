"""Panel regressions of TFP on agglomeration (``methods.md`` §6.2), with linearmodels.

* two-way fixed effects (``PanelOLS`` with entity and time effects);
* IV-2SLS and IV-GMM after the two-way within transformation, with the first
  and second lags of the agglomeration LQ as instruments;
* diagnostics, all with the model's covariance (robust or entity-clustered):
  first-stage F of the excluded instruments, Kleibergen-Paap rk LM
  (under-identification) and rk Wald F (weak identification), computed here
  as in Stata's ``ranktest`` / ``ivreg2`` because linearmodels does not
  provide them; Hansen J (over-identified models only), Sargan and
  Durbin-Wu-Hausman (Wu-Hausman F) from linearmodels;
* robust or entity-clustered errors; sub-samples by a region column;
* a tidy table shaped like the study's Table 1 (coefficients with stars,
  standard errors in parentheses, N and the IV diagnostics), as a DataFrame
  (``to_frame``) or Markdown (``to_markdown``); the CSV is written by
  :func:`jilin_spatial.export.write_regression_table`.

linearmodels is optional: ``pip install 'jilin_spatial[econ]'``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError

__all__ = ["within_transform", "panel_regressions", "RegressionTable"]


def _lm():
    try:
        import linearmodels  # noqa: F401
    except ImportError as exc:  # pragma: no cover
        raise ImportError("panel regressions need linearmodels: pip install 'jilin_spatial[econ]'") from exc
    return linearmodels


def within_transform(df: pd.DataFrame, cols, *, entity: str, time: str, tol: float = 1e-12,
                     max_iter: int = 1000) -> pd.DataFrame:
    """Two-way within transformation: remove entity and time means.

    Balanced panels: z - mean_i - mean_t + mean.  Unbalanced panels:
    alternating projections until the change is below ``tol``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"i": [1, 1, 2, 2], "t": [1, 2, 1, 2], "z": [1.0, 2.0, 3.0, 6.0]})
    >>> within_transform(d, ["z"], entity="i", time="t")["z"].tolist()
    [0.5, -0.5, -0.5, 0.5]
    """
    out = df[list(cols)].astype(float).copy()
    for _ in range(max_iter):
        prev = out.copy()
        out = out - out.groupby(df[entity]).transform("mean")
        out = out - out.groupby(df[time]).transform("mean")
        if (out - prev).abs().to_numpy().max() < tol:
            break
    return out


def _stars(p):
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


class RegressionTable:
    """Results of :func:`panel_regressions`: ``models`` (linearmodels results), ``table`` (Table 1 layout).

    Write the table to CSV with :func:`jilin_spatial.export.write_regression_table`
    (it neutralises cells a spreadsheet would run as formulas); this module
    computes and formats, it writes no file.
    """

    def __init__(self, models: dict, table: pd.DataFrame, diagnostics: pd.DataFrame):
        self.models = models
        self.table = table
        self.diagnostics = diagnostics

    def to_frame(self) -> pd.DataFrame:
        """The Table 1 layout as a plain DataFrame: a ``variable`` column, then one column per model.

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame({"FE": ["0.5000***", "(0.1000)"]}, index=pd.Index(["lq", "lq (se)"], name="variable"))
        >>> RegressionTable({}, t, pd.DataFrame()).to_frame().values.tolist()
        [['lq', '0.5000***'], ['lq (se)', '(0.1000)']]
        """
        return self.table.reset_index()

    def to_markdown(self) -> str:
        """The Table 1 layout as a Markdown table (a string; nothing is written)."""
        t = self.to_frame()
        head = "| " + " | ".join(str(c) for c in t.columns) + " |"
        sep = "|" + "---|" * len(t.columns)
        rows = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |" for r in t.itertuples(index=False)]
        return "\n".join([head, sep] + rows)


# --------------------------------------------------------------------------- IV diagnostics

def _partial_out(a: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Residuals of the columns of ``a`` on ``w`` (Frisch-Waugh-Lovell); ``a`` itself if ``w`` is empty."""
    if w is None or w.shape[1] == 0:
        return a
    return a - w @ np.linalg.lstsq(w, a, rcond=None)[0]


def _score_outer(e: np.ndarray, z: np.ndarray, groups) -> np.ndarray:
    """sum over groups g of m_g m_g', m_g = sum_{i in g} e_i (x) z_i  (KL x KL; e is n x K, z is n x L).

    ``groups=None``: every observation is its own group (heteroskedasticity-robust).
    The ordering (e_i (x) z_i) matches vec() of an L x K matrix stacked by columns.
    """
    n, k = e.shape
    m = (e[:, :, None] * z[:, None, :]).reshape(n, k * z.shape[1])
    if groups is not None:
        codes = pd.factorize(np.asarray(groups))[0]
        summed = np.zeros((codes.max() + 1, m.shape[1]))
        np.add.at(summed, codes, m)
        m = summed
    return m.T @ m


def _sym_sqrt(a: np.ndarray) -> np.ndarray:
    val, vec = np.linalg.eigh((a + a.T) / 2)
    return vec @ np.diag(np.sqrt(np.clip(val, 0, None))) @ vec.T


def _weak_id(endog, instruments, exog=None, *, cov: str = "robust", clusters=None) -> dict:
    """First-stage F and Kleibergen-Paap rk statistics (Kleibergen & Paap 2006, as Stata ``ranktest``).

    Parameters
    ----------
    endog : array (n, K)
        Endogenous regressors.
    instruments : array (n, L)
        Excluded instruments, L >= K.
    exog : array (n, p), optional
        Included exogenous regressors; they are partialled out of ``endog`` and
        ``instruments`` first (after a two-way within transformation the fixed
        effects are already out).
    cov : {"robust", "clustered", "unadjusted"}
        Covariance of the first-stage coefficients: heteroskedasticity-robust
        (HC0), cluster-robust on ``clusters`` (no small-sample factor), or
        homoskedastic with sigma^2 = e'e / n ("unadjusted", used for checks:
        rk LM is then Anderson's canonical-correlation LM and rk Wald the
        Cragg-Donald Wald statistic).  No small-sample factor in any case,
        the same as the linearmodels fits (``debiased=False``).

    Returns
    -------
    dict
        ``first_stage_wald`` (K,): Wald statistic of the L excluded
        instruments in each endogenous regressor's own first stage (not the
        Sanderson-Windmeijer conditional F when K > 1);
        ``first_stage_F`` (K,) = wald / L with df (L, inf), ``first_stage_F_p``
        from chi2(L) of the Wald statistic; ``kp_rk_LM``, ``kp_rk_LM_df`` =
        L - K + 1, ``kp_rk_LM_p`` (chi2) and ``kp_rk_wald``,
        ``kp_rk_wald_F`` = rk Wald / L for H0: rank(Pi) = K - 1.
    """
    from scipy import stats

    x = np.asarray(endog, dtype=float).reshape(len(endog), -1)
    z = np.asarray(instruments, dtype=float).reshape(len(instruments), -1)
    w = None if exog is None else np.asarray(exog, dtype=float).reshape(len(exog), -1)
    x, z = _partial_out(x, w), _partial_out(z, w)
    n, k = x.shape
    ell = z.shape[1]
    groups = clusters if cov == "clustered" else None

    zz = z.T @ z
    izz = np.linalg.inv(zz)
    pi = izz @ z.T @ x  # L x K first-stage coefficients
    resid = x - z @ pi

    def vec_cov(e):
        """The meat S with Var(vec pi) = (I (x) (Z'Z)^-1) S (I (x) (Z'Z)^-1): sum_g m_g m_g' or (e'e/n) (x) Z'Z."""
        if cov == "unadjusted":
            return np.kron(e.T @ e / n, zz)
        return _score_outer(e, z, groups)

    # first-stage Wald / F of the excluded instruments, one endogenous regressor at a time
    wald = np.empty(k)
    for j in range(k):
        v = izz @ vec_cov(resid[:, [j]]) @ izz
        wald[j] = float(pi[:, j] @ np.linalg.solve(v, pi[:, j]))

    # Kleibergen-Paap rk statistic for H0: rank(Pi) = K - 1 (ranktest's notation in comments)
    ry = np.linalg.cholesky(x.T @ x).T  # upper, ry'ry = X'X
    rz = np.linalg.cholesky(zz).T  # upper, rz'rz = Z'Z  (F in KP 2006)
    iry, irz = np.linalg.inv(ry), np.linalg.inv(rz)
    theta = rz @ pi @ iry  # "that"; singular values = canonical correlations of X and Z
    u, _, vt = np.linalg.svd(theta, full_matrices=True)
    v = vt.T
    q = k - 1
    u22, v22 = u[q:, q:], v[q:, q:]
    aq = u[:, q:] @ np.linalg.inv(u22) @ _sym_sqrt(u22 @ u22.T)  # A_q,perp (L x L-q)
    bq = _sym_sqrt(v22 @ v22.T) @ np.linalg.inv(v22.T) @ v[:, q:].T  # B_q,perp (K-q x K)
    kr = np.kron(bq, aq.T)
    lam = kr @ theta.reshape(-1, order="F")
    t = np.kron(iry.T, irz.T)  # Var(vec theta) = t S t', S = sum of score outer products
    out = {}
    for name, e in (("LM", x), ("wald", resid)):  # LM: variance under the null (e = X); Wald: first-stage residuals
        vhat = t @ vec_cov(e) @ t.T  # Var(vec theta); homoskedastic LM: exactly I / n (Anderson)
        omega = kr @ vhat @ kr.T
        out[name] = float(lam @ np.linalg.solve((omega + omega.T) / 2, lam))
    df = (ell - q) * (k - q)
    return {
        "first_stage_wald": wald,
        "first_stage_F": wald / ell,
        "first_stage_F_df": ell,
        "first_stage_F_p": stats.chi2.sf(wald, ell),
        "kp_rk_LM": out["LM"],
        "kp_rk_LM_df": df,
        "kp_rk_LM_p": float(stats.chi2.sf(out["LM"], df)),
        "kp_rk_wald": out["wald"],
        "kp_rk_wald_F": out["wald"] / ell,
    }


# --------------------------------------------------------------------------- input checks

_REL_TOL = 1e-9  # a column whose within-transformed norm is below this share of its raw norm is constant


def _check_design(w: pd.DataFrame, raw: pd.DataFrame, roles: dict, sample: str, stage: str):
    """Constant (after the within transformation) and collinear regressors, as one-line InputErrors.

    ``roles`` maps each column to the argument that supplied it (``x``, ``controls``, ``lags``).
    """
    for c in w.columns:
        scale = float(np.linalg.norm(raw[c].to_numpy()))
        if float(np.linalg.norm(w[c].to_numpy())) <= _REL_TOL * max(scale, 1e-300):
            raise InputError(roles[c], "regressors that vary within entities and over time",
                             f"column {c!r} constant after removing entity and time effects ({stage}, sample "
                             f"{sample!r})", f"drop {c!r}: the fixed effects already absorb it")
    a = w.to_numpy()
    a = a / np.linalg.norm(a, axis=0)
    _, sv, vt = np.linalg.svd(a, full_matrices=False)
    if sv[-1] <= _REL_TOL * sv[0]:
        cols = [c for c, b in zip(w.columns, vt[-1]) if abs(b) > 1e-6]
        arg = "controls" if any(roles[c] == "controls" for c in cols) else roles[cols[-1]]
        raise InputError(arg, "linearly independent regressors after the within transformation",
                         f"collinear columns {cols} ({stage}, sample {sample!r})",
                         f"drop one of {cols}")


def _check_inputs(data, *, entity, time, y, x, controls, by, cov, lags):
    if not isinstance(data, pd.DataFrame):
        raise InputTypeError("data", "a pandas DataFrame (long panel)", type(data).__name__,
                             "pass pandas.DataFrame(...)")
    if cov not in ("clustered", "robust"):
        raise InputError("cov", "'clustered' or 'robust'", repr(cov), "pass cov='clustered'")
    if isinstance(controls, str):
        raise InputTypeError("controls", "a list of column names", f"the string {controls!r}",
                             f"pass controls=[{controls!r}]")
    controls = list(controls)
    dup = sorted({c for c in [y, x] + controls if ([y, x] + controls).count(c) > 1})
    if dup:
        raise InputError("controls", "controls distinct from each other and from y and x", f"repeated {dup}",
                         "list each regressor once and keep y and x out of controls")
    lags = tuple(lags)
    if not lags or any(not isinstance(L, (int, np.integer)) or isinstance(L, bool) or L < 1 for L in lags) \
            or len(set(lags)) != len(lags):
        raise InputError("lags", "distinct positive integers, at least one (one instrument per endogenous "
                         "regressor)", repr(lags), "pass lags=(1, 2)")
    miss = [c for c in [entity, time, y, x] + controls + ([by] if by else []) if c not in data.columns]
    if miss:
        raise InputError("data", "the named columns", f"missing {miss}", f"columns are {list(data.columns)}")
    for c in [y, x] + controls + [time]:
        if not pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]):
            raise InputTypeError("data", f"numeric column {c!r}", f"dtype {data[c].dtype}",
                                 f"convert it with pandas.to_numeric(data[{c!r}])")
    for c in [entity, time] + ([by] if by else []):
        if data[c].isna().any():
            raise InputError("data", f"identifiers in column {c!r} on every row",
                             f"{int(data[c].isna().sum())} missing", "drop or fill those rows explicitly")
    for c in [y, x] + controls + [time]:
        vals = data[c].to_numpy(dtype=float)
        bad = ~np.isfinite(vals)
        if bad.any():
            kinds = sorted({"NaN" if np.isnan(v) else "inf" for v in vals[bad]})
            raise InputError("data", f"finite values in column {c!r}",
                             f"{int(bad.sum())} non-finite ({', '.join(kinds)}) in rows "
                             f"{list(data.index[bad][:5])}", "drop or impute those rows explicitly")
    return controls, lags


def _check_size(n_obs: int, n_params: int, what: str, sample: str, fix: str):
    if n_obs <= n_params:
        raise InputError("data", f"more observations than parameters ({n_params}) in the {what}",
                         f"{n_obs} in sample {sample!r}", fix)


def _unforeseen(exc: Exception, stage: str, sample) -> InputError:
    """A linearmodels/numpy failure the explicit checks did not anticipate, as a one-line InputError."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return InputError("data", f"a sample the {stage} estimator can fit", f"{first!r} in sample {sample!r}",
                      "look for nearly constant or nearly collinear columns in that sample")


# --------------------------------------------------------------------------- regressions

def _fmt(stat, p=None, note=""):
    if not np.isfinite(stat):
        return note
    return f"{stat:.2f}" if p is None else f"{stat:.2f} [{p:.3f}]"


def panel_regressions(data: pd.DataFrame, *, entity: str, time: str, y: str, x: str, controls=(),
                      cov: str = "clustered", by: str | None = None, lags=(1, 2)) -> RegressionTable:
    """Two-way FE, IV-2SLS and IV-GMM of ``y`` on ``x`` (+ controls), optionally per sub-sample.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per entity and time; ``y``, ``x`` and controls
        numeric and finite (NaN or inf raise, nothing is dropped).
    entity, time : str
        Panel identifiers (time must be integer-like so lags are defined).
    y : str
        TFP or ln TFP.
    x : str
        The agglomeration regressor (e.g. producer-service LQ), treated as
        endogenous in the IV models.
    controls : list of str
        Exogenous regressors; each must vary within entities and over time
        and none may be collinear with the others or with ``x``.
    cov : {"clustered", "robust"}
        Entity-clustered (default) or heteroskedasticity-robust errors.  The
        same choice sets the IV-GMM weight matrix (clustered or robust) and
        every IV diagnostic below.
    by : str, optional
        A region column (East / Central / West): every model is also run on
        each sub-sample; columns are ``<model> <group>``.
    lags : tuple of int
        Lags of ``x`` used as instruments (1 and 2).  With one lag the model
        is exactly identified and the over-identification tests are NaN.

    Returns
    -------
    RegressionTable
        ``diagnostics`` has one row per sample with columns

        * ``endogenous`` (= ``x``), ``n_fe``, ``n_iv``, ``n_clusters``, ``cov``;
        * ``first_stage_F``: F statistic of the excluded instruments (the
          lags) in the first stage of ``x``, after partialling out the
          controls and the two-way effects: the Wald statistic with the
          model's covariance (HC0-robust or entity-clustered, no small-sample
          factor, as linearmodels' ``first_stage.diagnostics['f.stat']``)
          divided by the number of instruments q; ``first_stage_F_df`` = q;
          ``first_stage_F_p`` from chi2(q) of q * F; ``first_stage_wald_chi2``
          = q * F (the number earlier versions mislabelled as the F);
        * ``kp_rk_LM``, ``kp_rk_LM_df``, ``kp_rk_LM_p``: Kleibergen-Paap rk
          LM under-identification test (H0: the instruments do not identify
          ``x``), chi2 with q - K + 1 df;
        * ``kp_rk_wald_F``: Kleibergen-Paap rk Wald F weak-identification
          statistic (rk Wald chi2 / q).  Both are computed as Stata's
          ``ranktest`` does (Kleibergen & Paap 2006) with the model's
          covariance; ivreg2 additionally multiplies the F by
          (N - L) / N (and (G - 1) / G when clustered), which is not done
          here.  With one endogenous regressor rk Wald F = first-stage F;
        * ``hansen_J``, ``hansen_J_df``, ``hansen_J_p``: Hansen J of the
          two-step IV-GMM (weight matrix clustered or robust as ``cov``);
          ``sargan``, ``sargan_p`` (homoskedastic, IV-2SLS); all NaN when
          exactly identified, with the reason in ``overid_note``;
        * ``dwh_stat``, ``dwh_p``: Wu-Hausman F test of exogeneity of ``x``
          (homoskedastic, as linearmodels computes it).

        ``table`` (Table 1 layout) shows coefficients, standard errors, N and,
        in the IV columns, the first-stage F, KP rk LM [p], KP rk Wald F and
        Hansen J [p].

    Raises
    ------
    InputError
        Missing columns, duplicate entity-time rows, NaN or inf values,
        regressors constant after the within transformation, collinear
        regressors or instruments, no lags, or too few observations (or
        clusters) in a sample.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> rows = []
    >>> for i in range(20):
    ...     lq = 1.0
    ...     for t in range(6):
    ...         lq = 0.7 * lq + 0.3 + rng.normal(0, 0.1)
    ...         rows.append({"city": i, "year": 2000 + t, "lq": lq, "c": rng.normal(),
    ...                      "tfp": 0.5 * lq + rng.normal(0, 0.1) + i / 10})
    >>> r = panel_regressions(pd.DataFrame(rows), entity="city", time="year", y="tfp", x="lq",
    ...                       controls=["c"])
    >>> d = r.diagnostics.iloc[0]
    >>> bool(np.isclose(d.kp_rk_wald_F, d.first_stage_F))   # one endogenous regressor
    True
    >>> int(d.first_stage_F_df), int(d.kp_rk_LM_df), int(d.hansen_J_df)
    (2, 2, 1)
    """
    _lm()
    from linearmodels.iv import IV2SLS, IVGMM
    from linearmodels.panel import PanelOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    controls, lags = _check_inputs(data, entity=entity, time=time, y=y, x=x, controls=controls, by=by, cov=cov,
                                   lags=lags)
    d = data.sort_values([entity, time]).copy()
    if d.duplicated([entity, time]).any():
        raise InputError("data", "one row per entity and time", "duplicates", "aggregate first")
    inst = []
    for L in lags:
        col = f"{x}_lag{L}"
        prev = d.groupby(entity)[x].shift(L)
        gap = d.groupby(entity)[time].shift(L)
        d[col] = prev.where(d[time] - gap == L)  # lags only across consecutive periods
        inst.append(col)
    roles = {x: "x", **{c: "controls" for c in controls}, **{c: "lags" for c in inst}}
    groups = [("all", d)] + ([(g, sub) for g, sub in d.groupby(by)] if by else [])
    models, cols, diag, tab_diag = {}, {}, [], {}
    for gname, sub in groups:
        suffix = "" if gname == "all" else f" {gname}"
        k = 1 + len(controls)
        n_ent, n_t = sub[entity].nunique(), sub[time].nunique()
        _check_size(len(sub), k + n_ent + n_t - 1, "two-way FE regression (regressors + entity and time "
                    "effects)", str(gname), "use a longer panel or fewer controls")
        _check_design(within_transform(sub, [x] + controls, entity=entity, time=time), sub, roles, str(gname),
                      "FE regression")
        p = sub.set_index([entity, time])
        try:
            fe = PanelOLS(p[y], p[[x] + controls], entity_effects=True, time_effects=True).fit(
                cov_type="clustered" if cov == "clustered" else "robust",
                **({"cluster_entity": True} if cov == "clustered" else {}))
        except (ValueError, np.linalg.LinAlgError, AbsorbingEffectError) as exc:  # not foreseen above
            raise _unforeseen(exc, "FE", gname) from exc
        models[f"FE{suffix}"] = fe
        ivd = sub.dropna(subset=inst).copy()
        n_moments = len(controls) + len(inst)
        if len(ivd) == 0:
            raise InputError("data", f"entities observed in {max(lags) + 1} consecutive periods (for lags "
                             f"{list(lags)})", f"none in sample {gname!r}", "use a longer panel or lags=(1,)")
        _check_size(len(ivd), n_moments + ivd[entity].nunique() + ivd[time].nunique() - 1,
                    "IV regressions (controls + instruments + entity and time effects)", str(gname),
                    "use a longer panel, fewer lags or fewer controls")
        w = within_transform(ivd, [y, x] + controls + inst, entity=entity, time=time)
        _check_design(w[[x] + controls + inst], ivd, roles, str(gname), "IV regressions")
        clusters = pd.Series(pd.factorize(ivd[entity])[0], index=ivd.index)
        n_cl = int(clusters.nunique())
        if cov == "clustered" and n_cl <= n_moments:
            raise InputError("data", f"more entities (clusters) than moment conditions ({n_moments}) for "
                             "cluster-robust IV-GMM", f"{n_cl} in sample {gname!r}",
                             "pass cov='robust', fewer lags or controls, or a larger sample")
        kw = {"cov_type": "clustered", "clusters": clusters} if cov == "clustered" else {"cov_type": "robust"}
        wkw = {"weight_type": "clustered", "clusters": clusters} if cov == "clustered" else {"weight_type": "robust"}
        exog = w[controls] if controls else None
        try:
            tsls = IV2SLS(w[y], exog, w[[x]], w[inst]).fit(**kw)
            gmm = IVGMM(w[y], exog, w[[x]], w[inst], **wkw).fit(**kw)
        except (ValueError, np.linalg.LinAlgError) as exc:  # not foreseen by the checks above
            raise _unforeseen(exc, "IV", gname) from exc
        models[f"IV-2SLS{suffix}"], models[f"IV-GMM{suffix}"] = tsls, gmm
        wid = _weak_id(w[[x]].to_numpy(), w[inst].to_numpy(), w[controls].to_numpy() if controls else None,
                       cov=cov, clusters=clusters.to_numpy())
        overid = len(inst) - 1
        note = "" if overid > 0 else (f"not applicable: exactly identified ({len(inst)} instrument for 1 "
                                      "endogenous regressor)")
        nan = float("nan")
        hj = (float(gmm.j_stat.stat), float(gmm.j_stat.pval)) if overid > 0 else (nan, nan)
        sg = (float(tsls.sargan.stat), float(tsls.sargan.pval)) if overid > 0 else (nan, nan)
        wh = tsls.wu_hausman()
        row = {"sample": gname, "endogenous": x, "n_fe": int(fe.nobs), "n_iv": int(tsls.nobs),
               "n_clusters": n_cl if cov == "clustered" else nan, "cov": cov,
               "first_stage_F": float(wid["first_stage_F"][0]), "first_stage_F_df": int(wid["first_stage_F_df"]),
               "first_stage_F_p": float(wid["first_stage_F_p"][0]),
               "first_stage_wald_chi2": float(wid["first_stage_wald"][0]),
               "kp_rk_LM": wid["kp_rk_LM"], "kp_rk_LM_df": int(wid["kp_rk_LM_df"]), "kp_rk_LM_p": wid["kp_rk_LM_p"],
               "kp_rk_wald_F": wid["kp_rk_wald_F"],
               "hansen_J": hj[0], "hansen_J_df": overid, "hansen_J_p": hj[1], "sargan": sg[0], "sargan_p": sg[1],
               "overid_note": note, "dwh_stat": float(wh.stat), "dwh_p": float(wh.pval)}
        diag.append(row)
        cells = [_fmt(row["first_stage_F"]), _fmt(row["kp_rk_LM"], row["kp_rk_LM_p"]), _fmt(row["kp_rk_wald_F"]),
                 _fmt(row["hansen_J"], row["hansen_J_p"], "n/a (exactly identified)")]
        tab_diag[f"IV-2SLS{suffix}"] = tab_diag[f"IV-GMM{suffix}"] = cells
    names = [x] + controls
    diag_rows = ["First-stage F", "KP rk LM [p]", "KP rk Wald F", "Hansen J [p]"]
    for mname, res in models.items():
        col = []
        for v in names:
            if v in res.params.index:
                col += [f"{res.params[v]:.4f}{_stars(res.pvalues[v])}", f"({res.std_errors[v]:.4f})"]
            else:
                col += ["", ""]
        col += [str(int(res.nobs))]
        cols[mname] = col + tab_diag.get(mname, [""] * len(diag_rows))
    index = [r for v in names for r in (v, f"{v} (se)")] + ["N"] + diag_rows
    table = pd.DataFrame(cols, index=index)
    table.index.name = "variable"
    return RegressionTable(models, table, pd.DataFrame(diag))
