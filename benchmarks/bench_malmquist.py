"""Benchmark: Malmquist for 261 DMUs x 15 periods, 2 inputs, 1 output (synthetic panel).

Reports the package's time as a ratio against a naive loop that builds and solves one
scipy linprog per DMU and distance in the same run (target: >= 3x faster, < 60 s).

Run: python benchmarks/bench_malmquist.py
"""

import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from jilin_spatial.productivity import malmquist


def make(n=261, T=15, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(T):
        L = rng.uniform(10, 100, n)
        K = rng.uniform(50, 500, n)
        Y = (L ** 0.4) * (K ** 0.5) * rng.uniform(0.6, 1.0, n) * (1.02 ** t)
        rows.append(pd.DataFrame({"dmu": np.arange(n), "year": 2000 + t, "L": L, "K": K, "Y": Y}))
    return pd.concat(rows, ignore_index=True)


def naive_score(Xr, Yr, x, y, vrs=False):
    n = Xr.shape[1]
    c = np.r_[-1.0, np.zeros(n)]
    A = np.vstack([np.r_[y, -Yr.ravel()][None, :], np.hstack([np.zeros((Xr.shape[0], 1)), Xr])])
    b = np.r_[0.0, x]
    kw = {"A_eq": np.r_[0.0, np.ones(n)][None, :], "b_eq": [1.0]} if vrs else {}
    r = linprog(c, A_ub=A, b_ub=b, bounds=(0, None), method="highs", **kw)
    return 1 / r.x[0] if r.status == 0 else np.nan


def naive(p):
    years = sorted(p.year.unique())
    X = {t: p[p.year == t][["L", "K"]].to_numpy().T for t in years}
    Y = {t: p[p.year == t][["Y"]].to_numpy().T for t in years}
    out = []
    for a, b in zip(years[:-1], years[1:]):
        for k in range(X[a].shape[1]):
            pp = naive_score(X[a], Y[a], X[a][:, k], Y[a][:, k])
            cc = naive_score(X[b], Y[b], X[b][:, k], Y[b][:, k])
            pc = naive_score(X[a], Y[a], X[b][:, k], Y[b][:, k])
            cp = naive_score(X[b], Y[b], X[a][:, k], Y[a][:, k])
            vp = naive_score(X[a], Y[a], X[a][:, k], Y[a][:, k], vrs=True)
            vc = naive_score(X[b], Y[b], X[b][:, k], Y[b][:, k], vrs=True)
            out.append(np.sqrt((pc / pp) * (cc / cp)) + 0 * vp * vc)
    return np.array(out)


def main():
    p = make()
    t0 = time.perf_counter()
    base = naive(p)
    t_naive = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = malmquist(p, dmu="dmu", period="year", inputs=["L", "K"], outputs=["Y"])
    t_pkg = time.perf_counter() - t0
    np.testing.assert_allclose(res.table.sort_values(["year", "dmu"]).tfpch.to_numpy(), base, rtol=1e-5)
    ratio = t_naive / t_pkg
    print(f"261 DMUs x 15 periods (2 inputs, 1 output): naive linprog loop {t_naive:.1f} s, "
          f"jilin_spatial {t_pkg:.1f} s, speed-up {ratio:.1f}x "
          f"(target >= 3x and < 60 s: {'met' if ratio >= 3 and t_pkg < 60 else 'NOT met'})")


if __name__ == "__main__":
    main()
