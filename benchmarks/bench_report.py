"""Benchmark: the main job, ``jilin-spatial report`` on the embedded Jilin data, cold (a new process each run).

Target (issue "The main job in under 5 seconds"): at most 5 s cold on 2 cores.  The ratio is measured in the same
run against a baseline: the same command run from another commit of this repository (default ``63a6b6a``, the
version before this work), checked out into a temporary git worktree and put first on ``PYTHONPATH``, so both use
the same installed dependencies.  Also times ``jilin-spatial --help`` (target: under 0.3 s, lazy imports).

Run: python benchmarks/bench_report.py [--baseline REV] [--repeat N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd, env, cwd):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return dt


def report_cmd(out):
    return [sys.executable, "-c", "import sys; from jilin_spatial.cli import main; sys.exit(main(sys.argv[1:]))",
            "report", "--out", str(out)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default="63a6b6a", help="git revision to compare against")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    base = tmp / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.baseline],
                   check=True)
    try:
        env_new = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
        env_old = dict(os.environ, PYTHONPATH=str(base), MPLBACKEND="Agg")
        new, old = [], []
        for i in range(args.repeat):  # interleaved, so a busy machine slows both alike
            old.append(run(report_cmd(tmp / f"old{i}"), env_old, tmp))
            new.append(run(report_cmd(tmp / f"new{i}"), env_new, tmp))
        helptime = min(run([sys.executable, "-c", "import sys; from jilin_spatial.cli import main; "
                            "sys.exit(main(['--help']))"], env_new, tmp) for _ in range(3))
        mo, mn = statistics.median(old), statistics.median(new)
        print(f"report, cold, median of {args.repeat}: baseline {args.baseline} {mo:.2f} s; this tree {mn:.2f} s; "
              f"ratio {mo / mn:.2f}x faster")
        print(f"  runs baseline {[round(x, 2) for x in old]}, this tree {[round(x, 2) for x in new]}")
        print(f"  --help: {helptime:.2f} s (min of 3)")
        print(f"  target <= 5 s: {'met' if mn <= 5 else 'NOT met'}")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)


if __name__ == "__main__":
    main()
