"""Benchmark: the national pack at real scale (ratios against a baseline measured in the same run).

1. LISA, 999 permutations, on the real county queen weights (about 2,850 counties): the
   overhead of jilin_spatial.local_moran against esda.Moran_Local on the same weights
   (target <= 1.2).
2. ``jilin-spatial report --region china --level prefecture`` and ``--level county`` from the
   CLI in a fresh process: wall time and peak memory (targets for the county report: <= 60 s
   on 2 cores, <= 2 GB), and the map size (target < 15 MB).  Baseline: the embedded Jilin
   report in the same run.  Each run is capped at ``--max-gb`` of address space (default 6) so
   that a run that needs more fails instead of exhausting a shared machine.

Run: python benchmarks/bench_national.py [--skip-county] [--max-gb 6]
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import esda
import numpy as np

warnings.simplefilter("ignore")


def lisa_ratio():
    import jilin_spatial as js
    from jilin_spatial import china
    from jilin_spatial.concentration import location_quotient
    from jilin_spatial.regions import Region

    reg = Region.china("county", years=(2020,))
    sw = js.spatial_weights(reg.units[["adcode", "geometry"]], kind="queen", islands="drop")
    lq = location_quotient(reg.employment, sectors=["producer_services_high"])
    y = lq.set_index("adcode").lq.reindex(sw.ids).fillna(lq.lq.median())

    def direct():
        return esda.Moran_Local(y.to_numpy(), sw.w, permutations=999, seed=1, n_jobs=1)

    def wrapped():
        return js.local_moran(y, sw, permutations=999, seed=1)

    direct(), wrapped()  # warm-up
    t_d, t_w = [], []
    for _ in range(3):
        t0 = time.perf_counter(); direct(); t_d.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); wrapped(); t_w.append(time.perf_counter() - t0)
    d, w = min(t_d), min(t_w)
    print(f"LISA 999 perms, real county queen weights (n = {sw.n}, dropped islands {len(sw.dropped)}): "
          f"esda {d:.2f} s, jilin_spatial {w:.2f} s, ratio {w / d:.2f} (target <= 1.2)")
    return w / d


def _limit(max_gb):
    def pre():
        b = int(max_gb * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (b, b))
    return pre


def report(args, max_gb):
    out = Path(tempfile.mkdtemp()) / "out"
    cmd = [sys.executable, "-c", "import resource,sys;from jilin_spatial.cli import main;rc=main(sys.argv[1:]);"
           "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss);sys.exit(rc)",
           "report", "--out", str(out), *args]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=_limit(max_gb))
    dt = time.perf_counter() - t0
    peak = next((int(x.split()[1]) / 2 ** 20 for x in r.stdout.splitlines() if x.startswith("PEAK_KB")), float("nan"))
    size = (out / "map.html").stat().st_size / 1e6 if (out / "map.html").exists() else float("nan")
    status = "ok" if r.returncode == 0 else f"FAILED ({(r.stderr.strip().splitlines() or ['?'])[-1][:160]})"
    return dt, peak, size, status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-county", action="store_true")
    ap.add_argument("--max-gb", type=float, default=6.0)
    a = ap.parse_args()
    lisa_ratio()
    base = report(["--level", "prefecture", "county"], a.max_gb)
    print(f"baseline Jilin report: {base[0]:.1f} s, peak {base[1]:.2f} GB, map {base[2]:.2f} MB, {base[3]}")
    runs = [("prefecture", ["--region", "china", "--level", "prefecture"])]
    if not a.skip_county:
        runs.append(("county", ["--region", "china", "--level", "county"]))
    for name, args in runs:
        dt, peak, size, status = report(args, a.max_gb)
        print(f"report --region china --level {name}: {dt:.1f} s ({dt / base[0]:.1f}x Jilin), peak {peak:.2f} GB, "
              f"map {size:.2f} MB, {status}  (county targets: <= 60 s, <= 2 GB, map < 15 MB)")


if __name__ == "__main__":
    main()
