"""Productivity: DEA-Malmquist TFP index and capital stock (``methods.md`` §6.1).

Conventions follow DEAP 2.1 (Coelli 1996): distances are efficiency scores
(output orientation: 1/phi, the Shephard output distance; input
orientation: the Farrell theta), and a period labelled t is the change from
t-1 to t:

* M = [ D^{t-1}(x^t, y^t) / D^{t-1}(x^{t-1}, y^{t-1}) * D^t(x^t, y^t) / D^t(x^{t-1}, y^{t-1}) ]^{1/2}
* effch = D^t(x^t, y^t) / D^{t-1}(x^{t-1}, y^{t-1}); techch = M / effch;
  pech = the same ratio with VRS same-period distances; sech = effch / pech;
  tfpch = effch * techch.

Means over DMUs and over periods are geometric; cumulative TFP chains tfpch
from the first period (= 1).  The linear programmes of one (evaluated
period, reference frontier) pair are solved together as one block-diagonal
LP with scipy's HiGHS; if that LP is infeasible, the blocks are re-solved
one by one so that the infeasible DMUs are flagged with their reason, never
dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError, check_choice

__all__ = ["malmquist", "MalmquistResult", "dea_scores", "capital_stock", "ORIENTATIONS", "RTS", "FRONTIERS"]

ORIENTATIONS = ("output", "input")
RTS = ("crs", "vrs")
FRONTIERS = ("contemporaneous", "sequential", "global")


def _block_lp(Xr, Yr, Xe, Ye, *, orientation, rts):
    """Efficiency scores of the K evaluated DMUs against the reference (Xr, Yr); NaN + reason if infeasible."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    m, n = Xr.shape
    s = Yr.shape[0]
    K = Xe.shape[1]
    I = sp.identity(K, format="csr")
    if orientation == "output":
        # max phi: phi*y_e - Yr lam <= 0 ; Xr lam <= x_e
        phi_out = sp.csr_matrix((Ye.T.ravel(), (np.arange(K * s), np.repeat(np.arange(K), s))), shape=(K * s, K))
        A_out = sp.hstack([phi_out, sp.kron(I, sp.csr_matrix(-Yr))])
        A_in = sp.hstack([sp.csr_matrix((K * m, K)), sp.kron(I, sp.csr_matrix(Xr))])
        b = np.r_[np.zeros(K * s), Xe.T.ravel()]
        c = np.r_[-np.ones(K), np.zeros(K * n)]
    else:
        # min theta: Xr lam - theta*x_e <= 0 ; -Yr lam <= -y_e
        th_in = sp.csr_matrix((-Xe.T.ravel(), (np.arange(K * m), np.repeat(np.arange(K), m))), shape=(K * m, K))
        A_in = sp.hstack([th_in, sp.kron(I, sp.csr_matrix(Xr))])
        A_out = sp.hstack([sp.csr_matrix((K * s, K)), sp.kron(I, sp.csr_matrix(-Yr))])
        b = np.r_[np.zeros(K * m), -Ye.T.ravel()]
        c = np.r_[np.ones(K), np.zeros(K * n)]
    A = sp.vstack([A_out, A_in] if orientation == "output" else [A_in, A_out]).tocsr()
    A_eq = b_eq = None
    if rts == "vrs":
        A_eq = sp.hstack([sp.csr_matrix((K, K)), sp.kron(I, sp.csr_matrix(np.ones((1, n))))]).tocsr()
        b_eq = np.ones(K)
    res = linprog(c, A_ub=A, b_ub=b, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status == 0:
        v = res.x[:K]
        score = 1.0 / v if orientation == "output" else v
        return np.asarray(score, float), np.full(K, "", dtype=object)
    if K == 1:
        reason = {2: "infeasible LP (no reference combination uses at most these inputs)" if orientation == "output"
                  else "infeasible LP (no reference combination produces these outputs)",
                  3: "unbounded LP"}.get(res.status, f"solver status {res.status}: {res.message}")
        return np.array([np.nan]), np.array([reason], dtype=object)
    scores, reasons = np.empty(K), np.empty(K, dtype=object)
    for k in range(K):
        scores[k:k + 1], reasons[k:k + 1] = _block_lp(Xr, Yr, Xe[:, k:k + 1], Ye[:, k:k + 1],
                                                      orientation=orientation, rts=rts)
    return scores, reasons


def dea_scores(X, Y, *, reference=None, orientation: str = "output", rts: str = "crs"):
    """DEA efficiency scores of DMUs (columns of X, Y) against a reference set.

    Parameters
    ----------
    X, Y : array (inputs x DMUs), (outputs x DMUs)
    reference : (Xr, Yr), optional
        Reference technology; default the evaluated DMUs themselves.

    Returns
    -------
    (scores, reasons)
        Scores in (0, 1] for a DMU inside its own frontier (can exceed 1
        cross-period); NaN with a reason when the LP is infeasible.

    Examples
    --------
    >>> s, _ = dea_scores([[1.0, 2.0]], [[1.0, 1.0]])
    >>> s.round(3).tolist()
    [1.0, 0.5]
    """
    X, Y = np.atleast_2d(np.asarray(X, float)), np.atleast_2d(np.asarray(Y, float))
    Xr, Yr = (X, Y) if reference is None else (np.atleast_2d(reference[0]), np.atleast_2d(reference[1]))
    return _block_lp(Xr, Yr, X, Y, orientation=orientation, rts=rts)


class MalmquistResult:
    """Malmquist results: ``table`` (one row per DMU and transition), ``by_period``,
    ``by_dmu`` (geometric means) and ``cumulative`` (chained tfpch, base = 1)."""

    def __init__(self, table, by_period, by_dmu, cumulative, params):
        self.table = table
        self.by_period = by_period
        self.by_dmu = by_dmu
        self.cumulative = cumulative
        self.params = params


def _gmean(s):
    s = pd.to_numeric(s, errors="coerce").dropna()
    return float(np.exp(np.log(s).mean())) if len(s) and (s > 0).all() else np.nan


def malmquist(panel: pd.DataFrame, *, dmu: str, period: str, inputs, outputs, orientation: str = "output",
              rts: str = "crs", frontier: str = "contemporaneous") -> MalmquistResult:
    """DEA-Malmquist TFP index (Färe-Grosskopf-Norris-Zhang 1994, as DEAP 2.1 computes it).

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per DMU and period.
    dmu, period : str
        Column names of the DMU id and the period (sortable).
    inputs, outputs : list of str
        Input and output columns; every value must be positive.
    orientation : {"output", "input"}
    rts : {"crs", "vrs"}
        Technology of the Malmquist distances (CRS by default, as DEAP).
        pech always uses same-period VRS distances.
    frontier : {"contemporaneous", "sequential", "global"}
        Reference set of period t: period t only; all periods <= t; all periods.

    Returns
    -------
    MalmquistResult
        ``table`` columns: ``dmu, period, effch, techch, pech, sech, tfpch,
        d_prev_prev, d_curr_curr, d_prev_curr, d_curr_prev`` (D^{t-1}(t-1),
        D^t(t), D^{t-1}(t), D^t(t-1)), ``flag`` and ``reason``.

    Raises
    ------
    InputError
        Non-positive inputs/outputs, missing periods for a DMU (unbalanced
        panel), fewer DMUs than inputs + outputs, duplicate DMU-period rows,
        unknown options.
    """
    for arg, v, allowed in (("orientation", orientation, ORIENTATIONS), ("rts", rts, RTS),
                            ("frontier", frontier, FRONTIERS)):
        check_choice(arg, v, allowed)
    inputs, outputs = list(inputs), list(outputs)
    miss = [c for c in [dmu, period] + inputs + outputs if c not in panel.columns]
    if miss:
        raise InputError("panel", "the named columns", f"missing {miss}", f"columns are {list(panel.columns)}")
    if panel.duplicated([dmu, period]).any():
        ex = panel.loc[panel.duplicated([dmu, period]), [dmu, period]].head(3).values.tolist()
        raise InputError("panel", "one row per DMU and period", f"duplicates {ex}", "aggregate or drop them")
    vals = panel[inputs + outputs].apply(pd.to_numeric, errors="coerce")
    bad = vals.isna() | (vals <= 0)
    if bad.any().any():
        cols = vals.columns[bad.any()].tolist()
        raise InputError("panel", "positive inputs and outputs", f"non-positive or missing values in {cols}",
                         "DEA needs strictly positive data; fix or drop those rows explicitly")
    periods = sorted(panel[period].unique())
    dmus = sorted(panel[dmu].unique())
    counts = panel.groupby(dmu)[period].nunique()
    if (counts < len(periods)).any():
        short = counts[counts < len(periods)].index.tolist()[:10]
        raise InputError("panel", "a balanced panel (every DMU in every period)", f"DMUs with missing periods {short}",
                         "balance the panel explicitly (drop those DMUs or the periods)")
    if len(dmus) < len(inputs) + len(outputs):
        raise InputError("panel", f"at least inputs + outputs = {len(inputs) + len(outputs)} DMUs", f"{len(dmus)}",
                         "use fewer inputs/outputs or more DMUs")
    if len(periods) < 2:
        raise InputError("period", "at least two periods", f"{len(periods)}", "add periods")
    p = panel.set_index([period, dmu]).sort_index()
    X = {t: p.loc[t].reindex(dmus)[inputs].to_numpy(float).T for t in periods}
    Y = {t: p.loc[t].reindex(dmus)[outputs].to_numpy(float).T for t in periods}

    own = {}

    def own_scores(t, tech):
        """Scores of period t's DMUs against period t alone (full LP); also identifies its frontier."""
        if (t, tech) not in own:
            own[(t, tech)] = _block_lp(X[t], Y[t], X[t], Y[t], orientation=orientation, rts=tech)
        return own[(t, tech)]

    def ref(t, tech):
        # A DMU that is inefficient against its own period is dominated by a combination of that period's
        # other DMUs, so its column is redundant in any frontier containing the period: keep only the
        # efficient columns (much smaller LPs, identical technology).
        if frontier == "contemporaneous":
            ts = [t]
        elif frontier == "sequential":
            ts = [u for u in periods if u <= t]
        else:
            ts = periods
        keep = [own_scores(u, tech)[0] >= 1 - 1e-7 for u in ts]
        return (np.hstack([X[u][:, k] for u, k in zip(ts, keep)]),
                np.hstack([Y[u][:, k] for u, k in zip(ts, keep)]))

    cache = {}

    def D(s_, t_, tech):
        key = (s_, t_, tech)
        if key not in cache:
            if s_ == t_ and frontier == "contemporaneous":
                cache[key] = own_scores(t_, tech)
            else:
                Xr, Yr = ref(s_, tech)
                cache[key] = _block_lp(Xr, Yr, X[t_], Y[t_], orientation=orientation, rts=tech)
        return cache[key]

    rows = []
    for a, b in zip(periods[:-1], periods[1:]):
        pp, rp = D(a, a, rts)
        cc, rc = D(b, b, rts)
        pc, rpc = D(a, b, rts)
        cp, rcp = D(b, a, rts)
        vp, _ = D(a, a, "vrs")
        vc, _ = D(b, b, "vrs")
        with np.errstate(divide="ignore", invalid="ignore"):
            M = np.sqrt((pc / pp) * (cc / cp))
            effch = cc / pp
            techch = M / effch
            pech = vc / vp
            sech = effch / pech
        for k, d in enumerate(dmus):
            reasons = [r for r in (rp[k], rc[k], rpc[k], rcp[k]) if r]
            rows.append({"dmu": d, "period": b, "effch": effch[k], "techch": techch[k], "pech": pech[k],
                         "sech": sech[k], "tfpch": effch[k] * techch[k], "d_prev_prev": pp[k],
                         "d_curr_curr": cc[k], "d_prev_curr": pc[k], "d_curr_prev": cp[k],
                         "flag": bool(reasons), "reason": "; ".join(sorted(set(reasons)))})
    table = pd.DataFrame(rows)
    metrics = ["effch", "techch", "pech", "sech", "tfpch"]
    by_period = table.groupby("period")[metrics].agg(_gmean).reset_index()
    by_dmu = table.groupby("dmu")[metrics].agg(_gmean).reset_index()
    cum = table.pivot(index="dmu", columns="period", values="tfpch").cumprod(axis=1)
    cum.insert(0, periods[0], 1.0)
    cumulative = cum.reset_index().melt(id_vars="dmu", var_name="period", value_name="tfp_cumulative")
    cumulative["period"] = cumulative["period"].astype(table["period"].dtype)
    params = {"orientation": orientation, "rts": rts, "frontier": frontier, "inputs": inputs, "outputs": outputs,
              "solver": "scipy HiGHS, one block-diagonal LP per (frontier, period); frontiers pruned to "
                        "own-period efficient DMUs"}
    return MalmquistResult(table, by_period, by_dmu, cumulative, params)


def capital_stock(investment: pd.Series, *, deflator: pd.Series | None = None, delta: float = 0.096,
                  initial: str | float = "steady_state", growth_years: int = 5) -> pd.Series:
    """Capital stock by perpetual inventory: K_t = K_{t-1}(1 - delta) + I_t / P_t.

    Parameters
    ----------
    investment : pandas.Series
        Nominal investment of one unit, indexed by consecutive years.
    deflator : pandas.Series, optional
        Investment price index P_t (same index); default 1 (real investment given).
    delta : float
        Depreciation rate, 9.6 % by default (the 261-city study).
    initial : "steady_state" or float
        ``"steady_state"`` (Hall and Jones 1999): K_0 = (I_0/P_0) / (g + delta),
        g the geometric mean growth of real investment over the first
        ``growth_years`` years; or a given K_0.

    Examples
    --------
    >>> import pandas as pd
    >>> capital_stock(pd.Series([10.0, 10.0], index=[2000, 2001]), delta=0.1, initial=100.0).tolist()
    [100.0, 100.0]
    """
    if not 0 <= delta < 1:
        raise InputError("delta", "a depreciation rate in [0, 1)", repr(delta), "e.g. delta=0.096")
    inv = pd.to_numeric(investment, errors="coerce").astype(float)
    P = pd.Series(1.0, index=inv.index) if deflator is None else pd.to_numeric(deflator, errors="coerce").reindex(inv.index)
    if inv.isna().any() or P.isna().any() or (P <= 0).any() or (inv < 0).any():
        raise InputError("investment", "complete non-negative investment and positive deflators", "gaps or bad values",
                         "fill the series from the source; gaps are never interpolated")
    real = inv / P
    if isinstance(initial, str):
        if initial != "steady_state":
            raise InputError("initial", "'steady_state' or a number", repr(initial), "e.g. initial='steady_state'")
        n = min(growth_years, len(real) - 1)
        if n < 1 or real.iloc[0] <= 0:
            raise InputError("investment", "at least two positive years for the steady-state start",
                             f"{len(real)} values", "pass initial=K0")
        g = (real.iloc[n] / real.iloc[0]) ** (1 / n) - 1
        if g + delta <= 0:
            raise InputError("investment", "investment growth g with g + delta > 0", f"g = {g:.4f}", "pass initial=K0")
        K0 = real.iloc[0] / (g + delta)
    else:
        K0 = float(initial)
    K = [K0]
    for v in real.iloc[1:]:
        K.append(K[-1] * (1 - delta) + v)
    return pd.Series(K, index=inv.index, name="capital_stock")
