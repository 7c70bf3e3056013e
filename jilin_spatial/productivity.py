"""Productivity: DEA-Malmquist TFP index and capital stock (``methods.md`` §6.1).

Conventions follow DEAP 2.1 (Coelli 1996): distances are efficiency scores
(output orientation: 1/phi, the Shephard output distance; input
orientation: the Farrell theta), and a period labelled t is the change from
t-1 to t:

* M = [ D^{t-1}(x^t, y^t) / D^{t-1}(x^{t-1}, y^{t-1}) * D^t(x^t, y^t) / D^t(x^{t-1}, y^{t-1}) ]^{1/2}
* effch = D^t(x^t, y^t) / D^{t-1}(x^{t-1}, y^{t-1}); techch = M / effch;
  pech = the same ratio with VRS same-period distances; sech = effch / pech;
  tfpch = effch * techch.

Means over DMUs and over periods are geometric and taken over complete rows
only (all five indices finite), so that effch * techch = tfpch and
pech * sech = effch hold for the means too; ``n_used`` and ``n_flagged`` say
how many rows entered.  Cumulative TFP chains tfpch from the first period
(= 1); a flagged transition makes the later cumulative values NaN.

Each input and output is divided by one power of two near its geometric mean
over the panel before the LPs (exact in floating point; DEA distances are
invariant to per-column units), so results do not depend on the units.  The
linear programmes of one (evaluated period, reference frontier) pair are
solved together as one block-diagonal LP with scipy's HiGHS; if that LP is
infeasible, the blocks are re-solved one by one so that the infeasible DMUs
are flagged with their reason, never dropped.
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
    check_choice("orientation", orientation, ORIENTATIONS)
    check_choice("rts", rts, RTS)
    X, Y = np.atleast_2d(np.asarray(X, float)), np.atleast_2d(np.asarray(Y, float))
    Xr, Yr = (X, Y) if reference is None else (np.atleast_2d(np.asarray(reference[0], float)),
                                                 np.atleast_2d(np.asarray(reference[1], float)))
    for arg, a in (("X", X), ("Y", Y), ("reference", Xr), ("reference", Yr)):
        if not (np.isfinite(a) & (a >= 0)).all():
            bad = np.argwhere(~(np.isfinite(a) & (a >= 0)))[:5].tolist()
            raise InputError(arg, "finite non-negative values", f"nan, inf or negative entries at (row, DMU) {bad}",
                             "fix those entries; DEA needs finite non-negative data")
    if Xr.shape[0] != X.shape[0] or Yr.shape[0] != Y.shape[0]:
        raise InputError("reference", f"{X.shape[0]} input and {Y.shape[0]} output rows",
                         f"{Xr.shape[0]} and {Yr.shape[0]}", "pass (Xr, Yr) with the rows of X and Y")
    X, Xr = _normalise(X, Xr)  # per-input/output scale: scores unchanged, LP well scaled
    Y, Yr = _normalise(Y, Yr)
    return _block_lp(Xr, Yr, X, Y, orientation=orientation, rts=rts)


class MalmquistResult:
    """Malmquist results: ``table`` (one row per DMU and transition), ``by_period``,
    ``by_dmu`` (geometric means over complete rows, with ``n_used`` and ``n_flagged``)
    and ``cumulative`` (chained tfpch, base = 1).

    The DMU and period columns keep the caller's names; ``dmu`` and ``period``
    hold those names (also in ``params``).
    """

    def __init__(self, table, by_period, by_dmu, cumulative, params):
        self.table = table
        self.by_period = by_period
        self.by_dmu = by_dmu
        self.cumulative = cumulative
        self.params = params

    @property
    def dmu(self):
        """The name of the DMU column (the caller's)."""
        return self.params["dmu"]

    @property
    def period(self):
        """The name of the period column (the caller's)."""
        return self.params["period"]


METRICS = ("effch", "techch", "pech", "sech", "tfpch")
#: Columns the results add; a DMU or period column may not carry one of these names.
RESULT_COLUMNS = METRICS + ("d_prev_prev", "d_curr_curr", "d_prev_curr", "d_curr_prev", "flag", "reason", "n_used",
                            "n_flagged", "tfp_cumulative")


def _complete_means(table: pd.DataFrame, by) -> pd.DataFrame:
    """Geometric means of the indices by ``by`` over complete rows only (all five indices finite, not flagged).

    Taking every mean over the same rows keeps the identities effch * techch = tfpch and
    pech * sech = effch for the means; ``n_used`` and ``n_flagged`` say how many rows entered.
    """
    vals = table[list(METRICS)].to_numpy(float)
    complete = np.isfinite(vals).all(axis=1) & (vals > 0).all(axis=1) & ~table["flag"].to_numpy(bool)
    logs = pd.DataFrame(np.where(complete[:, None], np.log(np.where(complete[:, None], vals, 1.0)), np.nan),
                        columns=list(METRICS), index=table.index)
    logs[by] = table[by]
    g = logs.groupby(by, sort=True)
    out = np.exp(g[list(METRICS)].mean())  # mean skips the NaN of the incomplete rows, same rows in every column
    out["n_used"] = g[list(METRICS)[0]].count().astype(int)
    out["n_flagged"] = table["flag"].groupby(table[by], sort=True).sum().astype(int)
    return out.reset_index()


def _column_scale(v: np.ndarray) -> float:
    """A power of two near the geometric mean of the positive ``v`` (1 if none): dividing by it is exact."""
    pos = v[v > 0]
    return float(np.ldexp(1.0, int(np.round(np.mean(np.log2(pos)))))) if len(pos) else 1.0


def _normalise(rows: np.ndarray, *more: np.ndarray):
    """Scale each row (an input or output) of ``rows`` and ``more`` by one power of two from all of them.

    DEA distance functions are invariant to per-input and per-output rescaling, so this changes no
    score; it keeps the LP's numbers near 1, where the solver's absolute tolerances make sense.
    """
    allv = np.hstack((rows,) + more)
    sc = np.array([_column_scale(r) for r in allv])[:, None]
    return (rows / sc,) + tuple(m / sc for m in more)


def _show(v) -> str:
    """A cell for an error message: text quoted, numbers (numpy or not) plain."""
    return repr(v) if isinstance(v, str) else repr(v.item() if isinstance(v, np.generic) else v)


def _bad_value_message(raw: pd.DataFrame, vals: pd.DataFrame, ids: pd.DataFrame | None = None) -> str | None:
    """One-line description of non-numeric, missing, non-finite or non-positive cells, by column and row."""
    parts = []
    for c in vals.columns:
        v = vals[c]
        bad = v.isna() | ~np.isfinite(v.fillna(0.0)) | (v <= 0)
        if not bad.any():
            continue
        idx = v.index[bad.to_numpy()]
        ex = []
        for i in idx[:3]:
            where = f"row {_show(i)}"
            if ids is not None:
                where += " (" + ", ".join(f"{k} {_show(ids.at[i, k])}" for k in ids.columns) + ")"
            ex.append(f"{where} = {_show(raw.at[i, c])}")
        more = f" and {len(idx) - 3} more" if len(idx) > 3 else ""
        parts.append(f"column {c!r}: {len(idx)} bad value(s), {'; '.join(ex)}{more}")
    return " | ".join(parts) or None


def _sorted_labels(arg: str, col: str, values: pd.Series) -> list:
    """Sorted unique labels; mixed types (2010 and "2011") are an InputError, not a TypeError."""
    uniq = values.unique()
    try:
        return sorted(uniq)
    except TypeError:
        kinds = {}
        for u in uniq:
            kinds.setdefault(type(u).__name__, u)
        ex = ", ".join(f"{_show(v)} ({k})" for k, v in kinds.items())
        raise InputError(arg, f"labels of one type in column {col!r} (all numbers or all text)", f"mixed: {ex}",
                         f"convert the column first, e.g. panel[{col!r}] = panel[{col!r}].astype(int)") from None


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
        D^t(t), D^{t-1}(t), D^t(t-1)), ``flag`` and ``reason``, where ``dmu``
        and ``period`` stand for the caller's column names (a panel with
        ``city`` and ``year`` gives ``city`` and ``year`` columns).
        ``by_period`` (first column ``period``) and ``by_dmu`` (first column
        ``dmu``): geometric means of the five indices over
        the complete rows of the group (all indices finite, row not flagged),
        so the identities effch * techch = tfpch and pech * sech = effch hold
        for the means; ``n_used`` rows entered, ``n_flagged`` were left out.
        ``cumulative``: ``dmu, period, tfp_cumulative``.

    Raises
    ------
    InputError
        Non-positive, non-finite (inf), missing or non-numeric inputs/outputs
        (the message names the column and rows), missing or mixed-type
        (e.g. 2010 and "2011") period or DMU labels, missing periods for a
        DMU (unbalanced panel), fewer DMUs than inputs + outputs, duplicate
        DMU-period rows, unknown options, ``dmu`` equal to ``period``, or a
        ``dmu``/``period`` column named like a result column (``effch``,
        ``flag``, ``n_used``, ... see ``RESULT_COLUMNS``).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"city": ["A", "B"] * 2, "year": [2001, 2001, 2002, 2002],
    ...                   "x": [2.0, 4.0, 2.0, 4.0], "y": [2.0, 2.0, 3.0, 2.0]})
    >>> r = malmquist(p, dmu="city", period="year", inputs=["x"], outputs=["y"])
    >>> r.table[["city", "year", "effch", "techch", "tfpch"]].round(4).values.tolist()
    [['A', 2002, 1.0, 1.5, 1.5], ['B', 2002, 0.6667, 1.5, 1.0]]
    >>> r.by_period.set_index("year")[["tfpch", "n_used", "n_flagged"]].round(4).values.tolist()
    [[1.2247, 2.0, 0.0]]
    >>> r.cumulative.columns.tolist()
    ['city', 'year', 'tfp_cumulative']
    """
    for arg, v, allowed in (("orientation", orientation, ORIENTATIONS), ("rts", rts, RTS),
                            ("frontier", frontier, FRONTIERS)):
        check_choice(arg, v, allowed)
    inputs, outputs = list(inputs), list(outputs)
    miss = [c for c in [dmu, period] + inputs + outputs if c not in panel.columns]
    if miss:
        raise InputError("panel", "the named columns", f"missing {miss}", f"columns are {list(panel.columns)}")
    if dmu == period:
        raise InputError("period", "a column other than the DMU column", f"{period!r} for both dmu and period",
                         "pass the DMU id column as dmu= and the time column as period=")
    for arg, col in (("dmu", dmu), ("period", period)):
        if col in RESULT_COLUMNS:
            raise InputError(arg, f"a column name the results do not use (not one of {list(RESULT_COLUMNS)})",
                             repr(col), f"rename it first, e.g. panel.rename(columns={{{col!r}: '{arg}_id'}})")
    if panel.duplicated([dmu, period]).any():
        ex = panel.loc[panel.duplicated([dmu, period]), [dmu, period]].head(3).values.tolist()
        raise InputError("panel", "one row per DMU and period", f"duplicates {ex}", "aggregate or drop them")
    vals = panel[inputs + outputs].apply(pd.to_numeric, errors="coerce").astype(float)
    msg = _bad_value_message(panel[inputs + outputs], vals, panel[[dmu, period]].rename(columns=str))
    if msg:
        raise InputError("panel", "positive inputs and outputs (finite numbers; no text, gaps or inf)", msg,
                         "DEA needs strictly positive finite data; fix or drop those rows explicitly")
    for arg, col in (("period", period), ("dmu", dmu)):
        miss_lab = panel.index[panel[col].isna().to_numpy()]
        if len(miss_lab):
            raise InputError(arg, f"a label in every row of column {col!r}",
                             f"{len(miss_lab)} missing, rows {list(miss_lab[:5])}", "fill or drop those rows")
    periods, dmus = _sorted_labels("period", period, panel[period]), _sorted_labels("dmu", dmu, panel[dmu])
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
    X = {t: p.loc[t].reindex(dmus)[inputs].apply(pd.to_numeric).to_numpy(float).T for t in periods}
    Y = {t: p.loc[t].reindex(dmus)[outputs].apply(pd.to_numeric).to_numpy(float).T for t in periods}
    # One scale per input/output over the whole panel (a power of two, exact): scale-invariant results.
    Xn = _normalise(*[X[t] for t in periods])
    Yn = _normalise(*[Y[t] for t in periods])
    X, Y = dict(zip(periods, Xn)), dict(zip(periods, Yn))

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
        vp, rvp = D(a, a, "vrs")
        vc, rvc = D(b, b, "vrs")
        with np.errstate(divide="ignore", invalid="ignore"):
            M = np.sqrt((pc / pp) * (cc / cp))
            effch = cc / pp
            techch = M / effch
            pech = vc / vp
            sech = effch / pech
        for k, d in enumerate(dmus):
            reasons = [r for r in (rp[k], rc[k], rpc[k], rcp[k], rvp[k], rvc[k]) if r]
            rows.append({dmu: d, period: b, "effch": effch[k], "techch": techch[k], "pech": pech[k],
                         "sech": sech[k], "tfpch": effch[k] * techch[k], "d_prev_prev": pp[k],
                         "d_curr_curr": cc[k], "d_prev_curr": pc[k], "d_curr_prev": cp[k],
                         "flag": bool(reasons), "reason": "; ".join(sorted(set(reasons)))})
    table = pd.DataFrame(rows)
    nonfinite = ~np.isfinite(table[list(METRICS)].to_numpy(float)).all(axis=1) & ~table["flag"].to_numpy(bool)
    if nonfinite.any():  # e.g. a zero distance: never silently left out of the means
        table.loc[nonfinite, "flag"] = True
        table.loc[nonfinite, "reason"] = "non-finite index"
    by_period = _complete_means(table, period)
    by_dmu = _complete_means(table, dmu)
    # a flagged transition breaks the chain: later cumulative values are NaN, not products that skip it
    cum = table.pivot(index=dmu, columns=period, values="tfpch").cumprod(axis=1, skipna=False)
    cum.insert(0, periods[0], 1.0)
    cumulative = cum.reset_index().melt(id_vars=dmu, var_name=period, value_name="tfp_cumulative")
    cumulative[period] = cumulative[period].astype(table[period].dtype)
    params = {"dmu": dmu, "period": period, "orientation": orientation, "rts": rts, "frontier": frontier,
              "inputs": inputs, "outputs": outputs,
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

    Raises
    ------
    InputError
        Missing, non-numeric, infinite or negative investment; missing,
        infinite or non-positive deflators; a real investment or capital
        stock that overflows; a non-finite or negative ``initial``.  The
        message names the offending years.

    Examples
    --------
    >>> import pandas as pd
    >>> capital_stock(pd.Series([10.0, 10.0], index=[2000, 2001]), delta=0.1, initial=100.0).tolist()
    [100.0, 100.0]
    """
    if not 0 <= delta < 1:
        raise InputError("delta", "a depreciation rate in [0, 1)", repr(delta), "e.g. delta=0.096")
    inv = pd.to_numeric(investment, errors="coerce").astype(float)
    _check_series("investment", investment, inv, inv.isna() | ~np.isfinite(inv.fillna(0.0)) | (inv < 0),
                  "complete, finite, non-negative investment")
    if deflator is None:
        P = pd.Series(1.0, index=inv.index)
    else:
        P = pd.to_numeric(deflator, errors="coerce").astype(float).reindex(inv.index)
        _check_series("deflator", deflator, P, P.isna() | ~np.isfinite(P.fillna(0.0)) | (P <= 0),
                      "a finite positive deflator for every investment year")
    with np.errstate(over="ignore"):
        real = inv / P
    _check_series("investment", investment, real, ~np.isfinite(real), "real investment I/P that is finite",
                  fix="rescale investment (e.g. to billions) or check the deflator")
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
        if not (np.isfinite(K0) and K0 >= 0):
            raise InputError("initial", "a finite non-negative starting capital stock K0", repr(initial),
                             "e.g. initial='steady_state' or initial=100.0")
    K = [K0]
    with np.errstate(over="ignore"):  # an overflow is reported below, with its years
        for v in real.iloc[1:]:
            K.append(K[-1] * (1 - delta) + v)
    out = pd.Series(K, index=inv.index, name="capital_stock")
    _check_series("investment", investment, out, ~np.isfinite(out), "a capital stock that stays finite",
                  fix="rescale investment (e.g. to billions) so that the accumulated sum does not overflow")
    return out


def _check_series(arg: str, raw, vals: pd.Series, bad: pd.Series, expected: str,
                  fix: str = "fill or correct the series from the source; gaps are never interpolated"):
    """Raise the one-line InputError naming the offending index labels (years) and their values."""
    bad = pd.Series(np.asarray(bad, bool), index=vals.index)
    if not bad.any():
        return
    idx = vals.index[bad.to_numpy()]
    rawv = raw if isinstance(raw, pd.Series) else pd.Series(raw, index=vals.index)
    ex = "; ".join(f"{_show(i)} = {_show(rawv.loc[i]) if i in rawv.index else 'missing'}" for i in idx[:5])
    more = f" and {len(idx) - 5} more" if len(idx) > 5 else ""
    raise InputError(arg, expected, f"{len(idx)} bad value(s) at {ex}{more}", fix)
