"""Benchmark: the national pack at real scale, as ratios against limits and baselines measured in the same run.

Never a timed test: it prints figures (the machine may be shared; each timing is the best of ``--repeat`` runs).

1. LISA, 999 permutations, on the real county queen weights (about 2,850 counties): jilin_spatial.local_moran
   against esda.Moran_Local on the same weights, interleaved, best of 5 each (limit: ratio <= 1.2).  "warm" is
   how a report calls it (esda's conditional-permutation draws kept between variables on the same weights);
   "cold" clears that cache before every call.
2. ``jilin-spatial report --region china --level county`` and ``--level prefecture`` from the CLI, each in a
   fresh process: wall time and peak memory (limits for the county report: <= 60 s on 2 cores, <= 2 GB) and the
   map size (limit < 15 MB), each also as a fraction of its limit and as a multiple of the embedded Jilin report
   timed in the same run.  Each run is capped at ``--max-gb`` of address space (default 6) so that a run that
   needs more fails instead of exhausting a shared machine.
3. The county map opened in headless Chromium (/usr/bin/chromium through playwright): time until the canvas is
   drawn, page errors, and the number of distinct colours in a screenshot (a blank map has one or two).
4. The East/Central/West mean high- and low-end producer-service LQs and Moran's I (p_sim) of both levels, as
   the reports wrote them (tables/regional_lq_summary.csv, tables/regional_moran.csv).

Run: python benchmarks/bench_national.py [--skip-county] [--skip-browser] [--repeat 2] [--max-gb 6]
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


def lisa_ratio(repeat=5):
    import jilin_spatial as js
    from jilin_spatial import autocorrelation
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

    def cold():
        autocorrelation._DRAWS.clear()
        return wrapped()

    a, b = direct(), wrapped()  # warm-up, and the results must be esda's
    assert np.array_equal(a.p_sim, b.p_sim) and np.allclose(a.Is, b.Is, rtol=1e-12, atol=0)
    t = {"esda": [], "warm": [], "cold": []}
    for _ in range(repeat):
        for name, f in (("esda", direct), ("warm", wrapped), ("cold", cold)):
            t0 = time.perf_counter(); f(); t[name].append(time.perf_counter() - t0)
    d, w, c = (min(t[k]) for k in ("esda", "warm", "cold"))
    print(f"LISA 999 perms, real county queen weights (n = {sw.n}, dropped islands {len(sw.dropped)}): "
          f"esda {d:.3f} s, jilin_spatial {w:.3f} s warm / {c:.3f} s cold; ratio {w / d:.2f} warm, "
          f"{c / d:.2f} cold (limit <= 1.2)")
    return w / d, c / d


def _limit(max_gb):
    def pre():
        b = int(max_gb * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (b, b))
    return pre


def report(args, max_gb, repeat=1):
    """Best wall time of ``repeat`` fresh-process runs; peak RSS (GB) and map size (MB) of the last; output dir."""
    best = None
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp()) / "out"
        cmd = [sys.executable, "-c", "import resource,sys;from jilin_spatial.cli import main;rc=main(sys.argv[1:]);"
               "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss);sys.exit(rc)",
               "report", "--out", str(out), *args]
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=_limit(max_gb))
        dt = time.perf_counter() - t0
        peak = next((int(x.split()[1]) / 2 ** 20 for x in r.stdout.splitlines() if x.startswith("PEAK_KB")),
                    float("nan"))
        size = (out / "map.html").stat().st_size / 1e6 if (out / "map.html").exists() else float("nan")
        status = "ok" if r.returncode == 0 else f"FAILED ({(r.stderr.strip().splitlines() or ['?'])[-1][:160]})"
        if best is None or dt < best[0]:
            best = (dt, peak, size, status, out)
    return best


def browser(map_html: Path, chromium="/usr/bin/chromium"):
    """Open the map in headless Chromium: seconds until a drawn canvas/SVG, page errors, distinct screenshot colours."""
    import io

    from PIL import Image
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(map_html.resolve().as_uri(), wait_until="load", timeout=120_000)
        page.wait_for_function("document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path')",
                               timeout=120_000)
        page.wait_for_timeout(500)
        dt = time.perf_counter() - t0
        colours = len(set(Image.open(io.BytesIO(page.screenshot())).convert("RGB").getdata()))
        b.close()
    return dt, errors, colours


def regional_numbers(out: Path, level: str):
    import pandas as pd

    s = pd.read_csv(out / "tables" / "regional_lq_summary.csv", encoding="utf-8-sig")
    s = s[(s.grouping == "region_3belt") & s.sector.isin(["producer_services_high", "producer_services_low"])]
    piv = s.pivot_table(index=["group"], columns=["sector", "year"], values="mean_lq")
    print(f"  {level}: mean LQ by belt (producer services high / low end):")
    for g, row in piv.iterrows():
        print("    " + f"{g:8s} " + ", ".join(f"{sec.replace('producer_services_', '')} {yr}: {v:.3f}"
                                            for (sec, yr), v in row.items()))
    m = pd.read_csv(out / "tables" / "regional_moran.csv", encoding="utf-8-sig")
    for x in m.itertuples():
        print(f"    Moran's I {x.metric} {x.year} {x.weights}: I = {x.I:.3f}, p_sim = {x.p_sim:.4f} "
              f"(n = {x.n}, {x.permutations} permutations)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-county", action="store_true")
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="fresh-process runs per report; the best time is shown")
    ap.add_argument("--max-gb", type=float, default=6.0)
    a = ap.parse_args()
    lisa_ratio()
    base = report(["--level", "prefecture", "county"], a.max_gb, a.repeat)
    print(f"baseline Jilin report: {base[0]:.1f} s, peak {base[1]:.2f} GB, map {base[2]:.2f} MB, {base[3]}")
    runs = [("prefecture", ["--region", "china", "--level", "prefecture"])]
    if not a.skip_county:
        runs.append(("county", ["--region", "china", "--level", "county"]))
    for name, args in runs:
        dt, peak, size, status, out = report(args, a.max_gb, a.repeat)
        print(f"report --region china --level {name}: {dt:.1f} s ({dt / base[0]:.1f}x Jilin; {dt / 60:.2f} of the "
              f"60 s limit), peak {peak:.2f} GB ({peak / 2:.2f} of 2 GB), map {size:.2f} MB ({size / 15:.2f} of "
              f"15 MB), {status}")
        if status == "ok":
            regional_numbers(out, name)
            if name == "county" and not a.skip_browser:
                bt, errors, colours = browser(out / "map.html")
                print(f"  county map in headless Chromium: drawn after {bt:.1f} s, {len(errors)} page errors "
                      f"{errors[:2]}, {colours} distinct colours in the screenshot")


if __name__ == "__main__":
    main()
