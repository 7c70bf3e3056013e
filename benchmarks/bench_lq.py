"""Benchmark: LQ for 3,000 regions x 20 sectors x 2 years.

Reports the package's time as a ratio against a naive per-group pandas
``apply`` baseline measured in the same run (target: >= 20x faster, < 0.5 s).
Synthetic data (random counts); only the timing matters here, and the two
results are checked to agree.

Run: python benchmarks/bench_lq.py
"""

import time

import numpy as np
import pandas as pd

import jilin_spatial as js
from jilin_spatial.sectors import SECTORS


def make(n_regions=3000, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    ids = [f"R{i:05d}" for i in range(n_regions)]
    for y in (2010, 2020):
        v = rng.integers(0, 5000, size=(n_regions, len(SECTORS))).astype(float)
        df = pd.DataFrame(v, columns=list(SECTORS))
        df["adcode"] = ids
        df["year"] = y
        rows.append(df.melt(id_vars=["adcode", "year"], var_name="sector", value_name="value"))
    return pd.concat(rows, ignore_index=True)


def naive(data):
    """Per-group apply: for each (year, adcode) group compute its shares, then divide by the year's shares."""
    ref = data.groupby(["year", "sector"])["value"].sum()
    reft = data.groupby("year")["value"].sum()

    def per_region(g):
        y = g.name[0]
        ej = g["value"].sum()
        return pd.Series([(v / ej) / (ref[(y, s)] / reft[y]) for s, v in zip(g["sector"], g["value"])],
                         index=g["sector"].to_numpy())

    return data.groupby(["year", "adcode"]).apply(per_region, include_groups=False)


def best_of(fn, n):
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        t.append(time.perf_counter() - t0)
    return min(t), out


def main():
    data = make()
    t_base, base = best_of(lambda: naive(data), 1)
    t_pkg, res = best_of(lambda: js.location_quotient(data), 5)
    got = res.set_index(["year", "adcode", "sector"])["lq"]
    exp = base.stack() if isinstance(base, pd.DataFrame) else base
    exp.index.names = ["year", "adcode", "sector"]
    np.testing.assert_allclose(got.loc[exp.index].to_numpy(), exp.to_numpy(), rtol=1e-9)
    ratio = t_base / t_pkg
    print(f"rows: {len(data)}; naive apply: {t_base:.3f} s; jilin_spatial: {t_pkg:.3f} s; speed-up {ratio:.1f}x "
          f"(target >= 20x and < 0.5 s: {'met' if ratio >= 20 and t_pkg < 0.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
