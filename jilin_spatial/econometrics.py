"""Panel regressions of TFP on agglomeration (``methods.md`` §6.2), with linearmodels.

* two-way fixed effects (``PanelOLS`` with entity and time effects);
* IV-2SLS and IV-GMM after the two-way within transformation, with the first
  and second lags of the agglomeration LQ as instruments;
* diagnostics: first-stage partial F, Hansen J (GMM) / Sargan (2SLS),
  Durbin-Wu-Hausman (Wu-Hausman F); Kleibergen-Paap is reported as not
  provided because linearmodels does not compute it;
* robust or entity-clustered errors; sub-samples by a region column;
* a tidy table shaped like the study's Table 1 (coefficients with stars,
  standard errors in parentheses), exportable to CSV and Markdown.

linearmodels is optional: ``pip install 'jilin_spatial[econ]'``.
"""

from __future__ import annotations

import pandas as pd

from ._errors import InputError

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
    """Results of :func:`panel_regressions`: ``models`` (linearmodels results), ``table`` (Table 1 layout)."""

    def __init__(self, models: dict, table: pd.DataFrame, diagnostics: pd.DataFrame):
        self.models = models
        self.table = table
        self.diagnostics = diagnostics

    def to_csv(self, path):
        from .export import write_csv

        return write_csv(self.table.reset_index(), path)

    def to_markdown(self) -> str:
        t = self.table.reset_index()
        head = "| " + " | ".join(str(c) for c in t.columns) + " |"
        sep = "|" + "---|" * len(t.columns)
        rows = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |" for r in t.itertuples(index=False)]
        return "\n".join([head, sep] + rows)


def panel_regressions(data: pd.DataFrame, *, entity: str, time: str, y: str, x: str, controls=(),
                      cov: str = "clustered", by: str | None = None, lags=(1, 2)) -> RegressionTable:
    """Two-way FE, IV-2SLS and IV-GMM of ``y`` on ``x`` (+ controls), optionally per sub-sample.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel.
    entity, time : str
        Panel identifiers (time must be integer-like so lags are defined).
    y : str
        TFP or ln TFP.
    x : str
        The agglomeration regressor (e.g. producer-service LQ), treated as
        endogenous in the IV models.
    controls : list of str
    cov : {"clustered", "robust"}
        Entity-clustered (default) or heteroskedasticity-robust errors.
    by : str, optional
        A region column (East / Central / West): every model is also run on
        each sub-sample; columns are ``<model> <group>``.
    lags : tuple of int
        Lags of ``x`` used as instruments (1 and 2).

    Returns
    -------
    RegressionTable
    """
    _lm()
    from linearmodels.iv import IV2SLS, IVGMM
    from linearmodels.panel import PanelOLS

    if cov not in ("clustered", "robust"):
        raise InputError("cov", "'clustered' or 'robust'", repr(cov), "pass cov='clustered'")
    controls = list(controls)
    miss = [c for c in [entity, time, y, x] + controls + ([by] if by else []) if c not in data.columns]
    if miss:
        raise InputError("data", "the named columns", f"missing {miss}", f"columns are {list(data.columns)}")
    d = data.sort_values([entity, time]).copy()
    if d.duplicated([entity, time]).any():
        raise InputError("data", "one row per entity and time", "duplicates", "aggregate first")
    if d[[y, x] + controls].isna().any().any():
        raise InputError("data", "complete y, x and controls", "missing values", "drop those rows explicitly")
    inst = []
    for L in lags:
        col = f"{x}_lag{L}"
        prev = d.groupby(entity)[x].shift(L)
        gap = d.groupby(entity)[time].shift(L)
        d[col] = prev.where(d[time] - gap == L)  # lags only across consecutive periods
        inst.append(col)
    groups = [("all", d)] + ([(g, sub) for g, sub in d.groupby(by)] if by else [])
    models, cols, diag = {}, {}, []
    for gname, sub in groups:
        suffix = "" if gname == "all" else f" {gname}"
        p = sub.set_index([entity, time])
        fe = PanelOLS(p[y], p[[x] + controls], entity_effects=True, time_effects=True).fit(
            cov_type="clustered" if cov == "clustered" else "robust",
            **({"cluster_entity": True} if cov == "clustered" else {}))
        models[f"FE{suffix}"] = fe
        ivd = sub.dropna(subset=inst).copy()
        w = within_transform(ivd, [y, x] + controls + inst, entity=entity, time=time)
        clusters = pd.Series(pd.factorize(ivd[entity])[0], index=ivd.index)
        kw = {"cov_type": "clustered", "clusters": clusters} if cov == "clustered" else {"cov_type": "robust"}
        exog = w[controls] if controls else None
        tsls = IV2SLS(w[y], exog, w[[x]], w[inst]).fit(**kw)
        gmm = IVGMM(w[y], exog, w[[x]], w[inst]).fit(**kw)
        models[f"IV-2SLS{suffix}"], models[f"IV-GMM{suffix}"] = tsls, gmm
        fs = tsls.first_stage.diagnostics
        wh = tsls.wu_hausman()
        diag.append({"sample": gname, "n_fe": int(fe.nobs), "n_iv": int(tsls.nobs),
                     "first_stage_F": float(fs["f.stat"].iloc[0]), "first_stage_F_p": float(fs["f.pval"].iloc[0]),
                     "sargan_p": float(tsls.sargan.pval), "hansen_J": float(gmm.j_stat.stat),
                     "hansen_J_p": float(gmm.j_stat.pval), "dwh_stat": float(wh.stat), "dwh_p": float(wh.pval),
                     "kleibergen_paap": "not provided by linearmodels", "cov": cov})
    names = [x] + controls
    for mname, res in models.items():
        col = []
        for v in names:
            if v in res.params.index:
                col += [f"{res.params[v]:.4f}{_stars(res.pvalues[v])}", f"({res.std_errors[v]:.4f})"]
            else:
                col += ["", ""]
        col += [str(int(res.nobs))]
        cols[mname] = col
    index = [r for v in names for r in (v, f"{v} (se)")] + ["N"]
    table = pd.DataFrame(cols, index=index)
    table.index.name = "variable"
    return RegressionTable(models, table, pd.DataFrame(diag))
