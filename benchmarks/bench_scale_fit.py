"""Benchmark: BG/NBD from a Parquet world, client memory with and without counts.

For each size (default 1M, 3M and 10M customers), in one run:

1. ``crmlab.engine.generate`` writes a ``large`` world of that size as partitioned
   Parquet on a fresh 2-worker ``LocalCluster`` (1 thread, 2 GiB per worker).
2. Three routes fit BG/NBD to its transactions, in weeks, each in a fresh client process
   connected to the cluster:

   * **counts, weekly** (crmlab): ``clv.summary_counts(folder, freq="W")`` summarises
     each block of customers on the workers and sums the counts of each distinct
     (frequency, recency, T) there; the client receives only the distinct rows and fits
     with ``weights=counts["customers"]``. Weekly histories are bounded (at most one
     purchase period a week), so the distinct rows stop growing with the customers.
   * **counts, daily** (crmlab): the same at day resolution (``freq="D", unit="W"``),
     which keeps purchases on different days of a week apart; there are far more distinct
     daily histories, so the client receives more rows.
   * **frame** (what a user would run otherwise): ``clv.summarize_transactions(folder,
     freq="D", unit="W")``, the per-customer summary computed by Dask and collected into
     the client (one row per customer, whatever the resolution), then the fit on its
     columns; the same data as "counts, daily", so the two fits must agree.

   Client memory is the peak RSS of that process (``getrusage`` high-water mark) minus its
   RSS just before the route started (after the imports, the connection and a tiny fit
   that loads what the route would load lazily), so the figure is what the route itself
   needs. RSS, not ``tracemalloc``: pandas keeps string
   columns and the index in Arrow buffers that ``tracemalloc`` does not see.
3. The fits of the two routes are compared (largest relative difference of a parameter).

The world folder is written under /tmp and deleted after each size. Figures for 100M
customers are extrapolated from the least-squares slope of the measured sizes and are
labelled as such.

Usage::

    python benchmarks/bench_scale_fit.py                       # 1M, 3M, 10M; records RESULTS.md
    python benchmarks/bench_scale_fit.py --sizes 100000 --no-record   # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import record_section

MIB = 1024**2
ROUTES = ("counts-W", "counts-D", "frame")
GIB = 1024**3
EXTRAPOLATE_TO = 100_000_000

ROUTE = r"""
import json, resource, sys, time, warnings
import dask.dataframe, psutil, pyarrow.parquet
from distributed import Client
from crmlab.analytics import clv

address, folder, route = sys.argv[1:4]
client = Client(address)
with warnings.catch_warnings():   # load what the route loads lazily, before measuring
    warnings.simplefilter("ignore")
    d = clv.simulate_bgnbd(500, 30, r=0.5, alpha=5, a=0.8, b=2.5, random_state=1)
    clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    del d
before = psutil.Process().memory_info().rss
t = time.perf_counter()
if route.startswith("counts"):
    freq = "W" if route == "counts-W" else "D"
    data = clv.summary_counts(folder, freq=freq, unit="W")
    bg = clv.BetaGeo(data["frequency"], data["recency"], data["T"],
                     weights=data["customers"]).fit()
    customers = int(data["customers"].sum())
else:
    data = clv.summarize_transactions(folder, freq="D", unit="W")
    bg = clv.BetaGeo(data["frequency"], data["recency"], data["T"]).fit()
    customers = len(data)
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"route": route, "seconds": seconds, "rss_before": before, "peak_rss": peak,
                  "client_rows": len(data), "customers": customers, "nobs": int(bg.nobs),
                  "converged": bool(bg.converged),
                  "params": {k: float(v) for k, v in bg.params.items()}}))
client.close()
"""


def _peak_rss() -> int:
    """Max RSS of the calling process in bytes (runs on a worker)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_route(address: str, folder: Path, route: str) -> dict:
    """One route in a fresh client process (its memory is the route's alone)."""
    out = subprocess.run([sys.executable, "-c", ROUTE, address, str(folder), route],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"route {route!r} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_size(n: int, *, workers: int, memory_limit: str) -> dict:
    """Generate ``n`` customers as Parquet, then fit BG/NBD by both routes."""
    from distributed import Client, LocalCluster

    import crmlab
    from crmlab.engine import generate

    tmp = Path(tempfile.mkdtemp(prefix="crmlab-bench-scale-fit-", dir="/tmp"))
    try:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          memory_limit=memory_limit, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
            t = time.perf_counter()
            out = generate("large", seed=42, out=tmp / "world", client=client, n_customers=n)
            generate_seconds = time.perf_counter() - t
            package = json.loads((out / "datapackage.json").read_text())
            transactions = {r["name"]: r for r in package["resources"]}["transactions"]["rows"]
            client.run(lambda: __import__("crmlab.analytics.clv"))  # warm the workers
            routes = {}
            for route in ROUTES:
                print(f"  {n:,} customers: route {route} ...", flush=True)
                routes[route] = run_route(cluster.scheduler_address, out / "transactions",
                                          route)
            worker_peaks = sorted(client.run(_peak_rss).values())
        a, b = routes["counts-D"]["params"], routes["frame"]["params"]
        return {"customers": n, "transactions": transactions,
                "generate_seconds": generate_seconds, "routes": routes,
                "worker_peak_bytes": worker_peaks,
                "param_rel_diff": max(abs(a[k] - b[k]) / abs(b[k]) for k in b),
                "crmlab": crmlab.__version__}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _used(route: dict) -> int:
    """Client memory the route needed: peak RSS above the RSS at its start."""
    return route["peak_rss"] - route["rss_before"]


def _extrapolate(rows: list[dict], value) -> tuple[float, float] | None:
    """Least-squares line of ``value(row)`` against customers: (slope, value at 100M)."""
    if len(rows) < 2:
        return None
    x = np.array([r["customers"] for r in rows], dtype=float)
    y = np.array([value(r) for r in rows], dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept + slope * EXTRAPOLATE_TO)


def _report(rows: list[dict], args: argparse.Namespace) -> None:
    """Print the table of the sizes done so far and record it (after every size)."""
    lines = ["| customers | transactions | generate (Parquet) | rows the client receives: "
             "counts weekly / counts daily / frame | client memory: counts weekly | counts "
             "daily | frame | frame / counts weekly | frame / counts daily | time: counts "
             "weekly / daily / frame | daily fits differ by |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        w, d, f = (r["routes"][k] for k in ROUTES)
        lines.append(
            f"| {r['customers']:,} | {r['transactions']:,} | {r['generate_seconds']:.0f} s "
            f"| {w['client_rows']:,} / {d['client_rows']:,} / {f['client_rows']:,} "
            f"| {_used(w) / MIB:,.0f} MiB | {_used(d) / MIB:,.0f} MiB "
            f"| {_used(f) / MIB:,.0f} MiB | **{_used(f) / max(_used(w), 1):.1f}x** "
            f"| {_used(f) / max(_used(d), 1):.1f}x "
            f"| {w['seconds']:.0f} / {d['seconds']:.0f} / {f['seconds']:.0f} s "
            f"| {r['param_rel_diff']:.1e} |")
    table = "\n".join(lines)
    big = rows[-1]
    pw, pd_ = big["routes"]["counts-W"]["params"], big["routes"]["counts-D"]["params"]
    notes = [
        f"On the {big['customers']:,}-customer world every route fits the "
        f"{big['routes']['frame']['nobs']:,} customers with a purchase: weekly r={pw['r']:.3f}, "
        f"alpha={pw['alpha']:.2f} weeks, a={pw['a']:.3f}, b={pw['b']:.3f}; daily (in weeks) "
        f"r={pd_['r']:.3f}, alpha={pd_['alpha']:.2f} weeks, a={pd_['a']:.3f}, "
        f"b={pd_['b']:.3f} (weekly periods merge purchases made in the same week, so the "
        "weekly rates are lower). Client peak RSS in total (imports and connection "
        "included): "
        + ", ".join(f"{k} {big['routes'][k]['peak_rss'] / GIB:.2f} GiB" for k in ROUTES)
        + "; worker peak RSS over the whole size (generation and all routes): "
        + " / ".join(f"{x / GIB:.2f}" for x in big["worker_peak_bytes"]) + " GiB."]
    fits = {k: _extrapolate(rows, lambda r, k=k: _used(r["routes"][k])) for k in ROUTES}
    urows = {k: _extrapolate(rows, lambda r, k=k: r["routes"][k]["client_rows"])
             for k in ROUTES}
    if all(fits.values()):
        per = ", ".join(f"{k} {fits[k][1] / GIB:.2f} GiB (slope {fits[k][0] * 1e6 / MIB:.1f} "
                        f"MiB and {urows[k][0] * 1e6:,.0f} rows per million customers)"
                        for k in ROUTES)
        notes.append(
            f"**Extrapolated to {EXTRAPOLATE_TO:,} customers, not measured**: a straight line "
            f"(least squares) through the {len(rows)} measured sizes, read at 100M. Client "
            f"memory: {per}. The frame grows with the customers by construction. Distinct "
            "histories grow more slowly than the customers (they are bounded by the possible "
            "(frequency, recency, T) triples: about 10^5-10^6 a week apart over two years, "
            "far more a day apart), so the straight line overstates both counts routes.")
    text = table + "\n\n" + "\n\n".join(notes)
    print(text, flush=True)
    if not args.no_record:
        body = (f"Run: `python benchmarks/bench_scale_fit.py` once, on {platform.machine()}, "
                f"Python {platform.python_version()}, crmlab {rows[0]['crmlab']}, "
                f"{os.cpu_count()} cores shared with other jobs (1-minute load average "
                f"{args.load_at_start:.1f} at the start: wall times are slow and noisy, the "
                "memory figures are not). Per size, a fresh `LocalCluster` of "
                f"{args.workers} worker processes (1 thread, {args.memory_limit} each) "
                "generates the `large` world as Parquet (one file per block of 10,000 "
                "customers, under /tmp, deleted afterwards); then each route runs in a fresh "
                "client process connected to that cluster, on the transactions folder, with "
                "time in weeks. **counts weekly** / **counts daily**: `clv.summary_counts` "
                "with `freq=\"W\"` / `freq=\"D\", unit=\"W\"` (summaries and counts of "
                "distinct histories on the workers; the client receives the distinct rows) "
                "and `BetaGeo(..., weights=counts[\"customers\"])`. **frame**: "
                "`clv.summarize_transactions(..., freq=\"D\", unit=\"W\")` (the per-customer "
                "summary collected into the client) and `BetaGeo` on its columns. Client "
                "memory is the route's peak RSS above the client's RSS when it started (after "
                "imports, connecting and a tiny warm-up fit), from the kernel's high-water "
                "mark (`getrusage`), not `tracemalloc`, which misses pandas' Arrow string "
                "buffers.\n\n" + text)
        record_section("BG/NBD from a Parquet world (bench_scale_fit.py)", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GiB")
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
            done[row["customers"]] = row
    rows = []
    for n in sorted(args.sizes):
        if n not in done:
            print(f"{n:,} customers: generating on {args.workers} workers ...", flush=True)
            done[n] = run_size(n, workers=args.workers, memory_limit=args.memory_limit)
            if args.rows is not None:
                with open(args.rows, "a", encoding="utf-8") as f:
                    f.write(json.dumps(done[n]) + "\n")
        rows.append(done[n])
        _report(rows, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
