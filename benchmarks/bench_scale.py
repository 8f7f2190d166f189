"""Benchmark: worlds of 1, 3 and 10 million customers on a 2-worker local Dask cluster.

Measured in one run:

1. ``crmlab.engine.generate`` of 1M, 3M and 10M customers (every table, truth and
   silos, partitioned Parquet) on a fresh 2-worker ``LocalCluster`` (2 GiB memory limit
   per worker) for each size: wall time, customers per second, disk, and the peak memory
   (max RSS) of each worker process. The goal: time grows linearly, peak memory per
   worker stays flat (<= 2 GiB) as the world grows.
2. The BG/NBD model on the largest world: the weekly summary computed by Dask straight
   from the Parquet transactions, then the fit on its unique rows in this process.
3. Baseline, what a user would run otherwise: ``crmlab.make_world`` of 1M customers in
   one process (the whole world in memory), in a fresh subprocess.

Output goes to a temporary folder under /tmp that is deleted after each size.

Usage::

    python benchmarks/bench_scale.py                       # 1M, 3M, 10M; records RESULTS.md
    python benchmarks/bench_scale.py --sizes 100000 --no-record   # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import record_section

GIB = 1024**3

BASELINE = r"""
import json, resource, sys, time
import crmlab as crm
t = time.perf_counter()
w = crm.make_world("large", seed=42, n_customers=int(sys.argv[1]))
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": elapsed, "peak_bytes": peak}))
"""


def _peak_rss() -> int:
    """Max RSS of the calling process in bytes (runs on a worker)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu_seconds() -> float:
    """User + system CPU time of the calling process (runs on a worker)."""
    t = os.times()
    return t.user + t.system


def run_size(n: int, *, workers: int, memory_limit: str, fit: bool) -> dict:
    """Generate ``n`` customers on a fresh local cluster; optionally fit BG/NBD."""
    from distributed import Client, LocalCluster

    import crmlab
    from crmlab.analytics import clv
    from crmlab.engine import generate

    tmp = Path(tempfile.mkdtemp(prefix="crmlab-bench-scale-", dir="/tmp"))
    try:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          memory_limit=memory_limit, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
            pids = client.run(os.getpid)
            t = time.perf_counter()
            out = generate("large", seed=42, out=tmp / "world", client=client, progress=True,
                           n_customers=n)
            seconds = time.perf_counter() - t
            peaks = client.run(_peak_rss)
            cpu = sum(client.run(_cpu_seconds).values())
            restarted = client.run(os.getpid) != pids
            package = json.loads((out / "datapackage.json").read_text())
            sizes = {r["name"]: r for r in package["resources"]}
            row = {"customers": n, "seconds": seconds, "blocks": len(sizes["customers"]["path"]),
                   "rows": sum(r["rows"] for r in package["resources"]),
                   "transactions": sizes["transactions"]["rows"],
                   "disk_bytes": sum(r["bytes"] for r in package["resources"]),
                   "worker_peak_bytes": sorted(peaks.values()), "restarted": restarted,
                   "worker_cpu_seconds": cpu,
                   "crmlab": crmlab.__version__}
            if fit:
                t = time.perf_counter()
                s = clv.summarize_transactions(out / "transactions", freq="W")
                row["summary_seconds"] = time.perf_counter() - t
                t = time.perf_counter()
                bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
                row["fit_seconds"] = time.perf_counter() - t
                row["summary_customers"] = len(s)
                row["unique_rows"] = int(len(s[["frequency", "recency", "T"]]
                                             .drop_duplicates()))
                row["params"] = {k: float(v) for k, v in bg.params.items()}
                row["fit_worker_peak_bytes"] = sorted(client.run(_peak_rss).values())
                row["client_peak_bytes"] = _peak_rss()
                del s
        return row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def baseline(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", BASELINE, str(n)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GiB")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--rows", type=Path,
                        help="JSON-lines file of finished sizes: read (those sizes are not "
                             "run again) and appended to, so a long run can be resumed")
    args = parser.parse_args(argv)
    args.load_at_start = os.getloadavg()[0]

    done = {}
    if args.rows is not None and args.rows.exists():
        for line in args.rows.read_text().splitlines():
            row = json.loads(line)
            done[row.get("customers", "baseline")] = row
    base = done.pop("baseline", None)
    if base is None and not args.no_baseline:
        n0 = min(args.sizes)
        print(f"baseline: make_world({n0:,}) in one process ...", flush=True)
        base = baseline(n0) | {"baseline_customers": n0}
        _append(args.rows, base)
    rows = []
    for n in args.sizes:
        if n not in done:
            print(f"generating {n:,} customers on {args.workers} workers ...", flush=True)
            done[n] = run_size(n, workers=args.workers, memory_limit=args.memory_limit,
                               fit=n == max(args.sizes))
            _append(args.rows, done[n])
        rows.append(done[n])
        print(json.dumps(rows[-1]), flush=True)
        _report(rows, base, args)
    return 0


def _append(path: Path | None, row: dict) -> None:
    if path is not None:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


def _report(rows: list[dict], base: dict | None, args: argparse.Namespace) -> None:
    """Print the table of the sizes done so far and record it (after every size)."""
    first = rows[0]
    lines = ["| customers | blocks | rows (all tables) | time | customers/s | time per "
             f"{first['customers']:,} customers | worker CPU per block | disk (Parquet) | "
             "peak RSS per worker | workers restarted |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        per = r["seconds"] / (r["customers"] / first["customers"])
        peaks = " / ".join(f"{p / GIB:.2f}" for p in r["worker_peak_bytes"])
        lines.append(
            f"| {r['customers']:,} | {r['blocks']:,} | {r['rows']:,} | {r['seconds']:.0f} s | "
            f"{r['customers'] / r['seconds']:,.0f} | {per:.0f} s | "
            + (f"{r['worker_cpu_seconds'] / r['blocks']:.2f} s | " if "worker_cpu_seconds" in r
               else "not measured | ") +
            f"{r['disk_bytes'] / GIB:.2f} GiB ({r['disk_bytes'] / r['customers'] * 1e6 / GIB:.2f}"
            f" GiB per million) | {peaks} GiB | {'yes' if r['restarted'] else 'no'} |")
    table = "\n".join(lines)
    big = rows[-1]
    fit = ""
    if "fit_seconds" in big:
        p = big["params"]
        fit = (f"\n\nBG/NBD on the {big['customers']:,}-customer world: weekly summary of "
               f"{big['transactions']:,} transactions computed by Dask from the Parquet "
               f"folder in {big['summary_seconds']:.0f} s ({big['summary_customers']:,} "
               f"customers with a purchase); fit in {big['fit_seconds']:.1f} s on "
               f"{big['unique_rows']:,} unique (frequency, recency, T) rows: r={p['r']:.3f}, "
               f"alpha={p['alpha']:.2f} weeks, a={p['a']:.3f}, b={p['b']:.3f}. Peak RSS "
               f"during the summary: workers "
               + " / ".join(f"{x / GIB:.2f}" for x in big["fit_worker_peak_bytes"])
               + f" GiB, this process (holding the per-customer summary) "
               f"{big['client_peak_bytes'] / GIB:.2f} GiB.")
    cmp = ("\n\nBaseline, the whole world in memory in one process: see \"World generation "
           "(bench_world.py)\" above (`crmlab.make_world` of 1,000,000 customers).")
    if base is not None:
        cmp = (f"\n\nBaseline, the whole world in memory in one process "
               f"(`crmlab.make_world`, {base['baseline_customers']:,} customers): "
               f"{base['seconds']:.0f} s, peak {base['peak_bytes'] / GIB:.2f} GiB, against "
               f"{first['seconds']:.0f} s and at most "
               f"{max(first['worker_peak_bytes']) / GIB:.2f} GiB per worker on the cluster "
               f"({base['seconds'] / first['seconds']:.1f}x the time, "
               f"{base['peak_bytes'] / max(first['worker_peak_bytes']):.1f}x the peak memory "
               "of one worker).")
    print(table + fit + cmp)
    if not args.no_record:
        body = (f"Run: `python benchmarks/bench_scale.py` on {platform.machine()}, Python "
                f"{platform.python_version()}, crmlab {first['crmlab']}, {os.cpu_count()} cores, "
                f"1-minute load average {args.load_at_start:.1f} at the start (other jobs on "
                "the machine slow the wall times, not the CPU per block). A fresh "
                "`LocalCluster` per "
                f"size: {args.workers} worker processes, 1 thread each, memory limit "
                f"{args.memory_limit} per worker; `crmlab.engine.generate` writes every table "
                "as one Parquet file per block of 10,000 customers under /tmp (deleted "
                "afterwards). Peak RSS is each worker process's max RSS "
                "(`getrusage`), measured at the end of the run; worker CPU is the workers' "
                "user + system time (including start-up) divided by the blocks, which does "
                "not depend on how busy the machine was.\n\n" + table + fit + cmp)
        record_section("Scale out on Dask (bench_scale.py)", body)


if __name__ == "__main__":
    raise SystemExit(main())
