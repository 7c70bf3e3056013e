"""Benchmark: national rail graph (585 lines, 4,890 stations) and travel times from 340 origins.

Builds the graph from ../shared/data/rail/china_rail_km_posts.csv (not shipped
in the package; pass another path as the first argument) and reports
scipy csgraph on a cached CSR matrix against networkx single_source_dijkstra
per origin, measured in the same run (target: >= 5x faster).

Run: python benchmarks/bench_network.py [path/to/china_rail_km_posts.csv]
"""

import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from jilin_spatial.network import graph_from_km_posts, travel_times

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "rail" / "china_rail_km_posts.csv"


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not path.is_file():
        print(f"national km posts not found at {path}; pass the path as the first argument")
        return
    kp = pd.read_csv(path)
    t0 = time.perf_counter()
    # the national table also has modes "mixed" and "0" (unknown): time them at conventional speed
    G = graph_from_km_posts(kp, speeds_kph={"mixed": 90.0, "0": 90.0})
    t_build = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    origins = list(rng.choice(sorted(G.nodes), 340, replace=False))

    t0 = time.perf_counter()
    ref = {o: nx.single_source_dijkstra_path_length(G, o, weight="travel_min") for o in origins}
    t_nx = time.perf_counter() - t0

    t0 = time.perf_counter()
    res = travel_times(G, origins, weight="travel_min", wide=True)
    t_sp = time.perf_counter() - t0
    # same answers on a sample of pairs
    for o in origins[:20]:
        for t in list(res.columns[::97]):
            exp = ref[o].get(t, np.nan)
            got = res.at[o, t]
            assert (np.isnan(exp) and np.isnan(got)) or abs(exp - got) < 1e-6
    ratio = t_nx / t_sp
    print(f"graph: {kp.line_zh.nunique()} lines, {G.number_of_nodes()} stations, {G.number_of_edges()} edges, "
          f"built in {t_build:.2f} s")
    print(f"340 origins: networkx {t_nx:.2f} s, csgraph {t_sp:.2f} s, speed-up {ratio:.1f}x "
          f"(target >= 5x: {'met' if ratio >= 5 else 'NOT met'})")


if __name__ == "__main__":
    main()
