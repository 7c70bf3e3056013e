"""Benchmark: LISA with 999 permutations on 3,000 polygons (a 50 x 60 grid).

Reports the overhead of jilin_spatial.local_moran against calling esda
Moran_Local directly on the same weights in the same run (target <= 1.2),
and the time of exact Moran's I on n = 9 (target < 1 s).

Run: python benchmarks/bench_lisa.py
"""

import time
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

import jilin_spatial as js
from jilin_spatial import datasets

warnings.simplefilter("ignore")


def main():
    cells = [box(c, r, c + 1, r + 1) for r in range(50) for c in range(60)]
    g = gpd.GeoDataFrame({"adcode": [f"g{i}" for i in range(len(cells))]}, geometry=cells, crs="EPSG:3857")
    y = pd.Series(np.random.default_rng(0).gamma(2.0, size=len(g)), index=g.adcode)
    sw = js.spatial_weights(g, kind="queen")

    def direct():
        return esda.Moran_Local(y.to_numpy(), sw.w, permutations=999, seed=1, n_jobs=1)

    def wrapped():
        return js.local_moran(y, sw, permutations=999, seed=1)

    direct()  # warm-up
    t_d, t_w = [], []
    for _ in range(3):
        t0 = time.perf_counter(); e = direct(); t_d.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); r = wrapped(); t_w.append(time.perf_counter() - t0)
    assert np.array_equal(e.p_sim, r.p_sim)
    ratio = min(t_w) / min(t_d)
    print(f"LISA 3,000 units x 999 permutations: esda {min(t_d):.2f} s, jilin_spatial {min(t_w):.2f} s, "
          f"overhead ratio {ratio:.2f} (target <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'})")

    emp = datasets.load_employment("prefecture", years=[2020])
    lq = js.location_quotient(emp, sectors="manufacturing").set_index("adcode")["lq"]
    pw = js.spatial_weights(datasets.load_boundaries("prefecture"))
    t0 = time.perf_counter()
    js.moran(lq, pw, permutations="exact")
    t = time.perf_counter() - t0
    print(f"exact Moran's I on n = 9 (362,880 orderings): {t:.2f} s (target < 1 s: {'met' if t < 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
