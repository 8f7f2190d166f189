"""Benchmark: BG/NBD from a Parquet world; the client's peak memory by route and size.

For each size (default 1M, 3M and 10M customers), in one run:

1. The ``large`` world of that size as partitioned Parquet (``crmlab.engine.generate``,
   one file per block of 10,000 customers) under ``--data``: generated there on the
   cluster below if it is not there yet, and reused otherwise (``--keep`` keeps it).
2. A fresh ``LocalCluster`` of worker *processes* (so the workers' memory is not the
   client's), and three routes that fit BG/NBD to the transactions with weekly periods,
   each in a fresh client process connected to that cluster:

   * **counts** (crmlab): ``clv.summary_counts(folder, freq="W")``. The workers read the
     files (at most ``crmlab.analytics._outofcore.MAX_TASKS`` tasks, several files each),
     summarise each block of customers, count the distinct (frequency, recency, T) rows
     and sum the counts in a tree; the client receives the distinct rows and fits with
     ``weights=counts["customers"]``.
   * **dask frame**: ``clv.summarize_transactions(folder, freq="W")``, the per-customer
     summary computed on the workers and collected into the client, then the fit.
   * **pandas** (what a user would do otherwise): ``pd.read_parquet(folder, columns=
     ["customer_id", "timestamp"])`` into the client, ``clv.summarize_transactions`` and
     the fit. Run only where it fits (``--pandas-max``, and an estimate from the smaller
     sizes against the memory available).

   Client memory, per route, measured separately from the workers: the Python heap's peak
   (``tracemalloc``, started when the route starts) and the process's peak RSS above its
   RSS at the start of the route (the kernel's high-water mark, reset before the route
   through ``/proc/self/clear_refs``; RSS also sees buffers ``tracemalloc`` does not,
   such as Arrow's). Before measuring, the route runs once on a tiny world, so modules
   imported lazily are not counted.
3. The fits of the routes are compared (largest relative difference of a parameter).

The figures for 100M customers are extrapolated from the measured sizes and labelled as
such: the distinct weekly histories are bounded by the number of possible (frequency,
recency, T) triples, so the client's memory by counts is read off the line of memory
against distinct rows at that bound.

Usage::

    python benchmarks/bench_scale_fit.py --data /work/scale_data      # 1M, 3M, 10M
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

from crmlab.analytics._outofcore import MAX_TASKS

MIB = 1024**2
GIB = 1024**3
ROUTES = ("counts", "frame", "pandas")
EXTRAPOLATE_TO = 100_000_000
ROWS, SECONDS = "client_rows", "seconds"
GOAL = 2 * GIB

ROUTE = r"""
import gc, json, os, sys, time, tracemalloc, warnings
import pandas as pd, psutil
from distributed import Client
from crmlab.analytics import clv
from crmlab.analytics._outofcore import dask_log

address, folder, route, warm = sys.argv[1:5]
client = Client(address)
proc = psutil.Process()


def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))


def run(path):
    if route == "counts":
        data = clv.summary_counts(path, freq="W")
        bg = clv.BetaGeo(data["frequency"], data["recency"], data["T"],
                         weights=data["customers"]).fit()
        return data, bg, int(data["customers"].sum())
    if route == "frame":
        data = clv.summarize_transactions(path, freq="W")
    else:
        tx = pd.read_parquet(path, columns=["customer_id", "timestamp"])
        data = clv.summarize_transactions(tx, freq="W")
        del tx
    bg = clv.BetaGeo(data["frequency"], data["recency"], data["T"]).fit()
    return data, bg, len(data)


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    run(warm)                       # load what the route loads lazily, before measuring
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                # reset the peak RSS (VmHWM) to the current RSS
    before = status("VmRSS:")
    tracemalloc.start()
    t = time.perf_counter()
    data, bg, customers = run(folder)
    seconds = time.perf_counter() - t
    heap = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
peak = status("VmHWM:")
out = {"route": route, "seconds": seconds, "rss_before": before, "peak_rss": peak,
       "heap_peak": heap, "client_rows": len(data), "customers": customers,
       "nobs": int(bg.nobs), "converged": bool(bg.converged),
       "params": {k: float(v) for k, v in bg.params.items()}}
if route == "counts":
    log = dask_log(folder, ["customer_id", "timestamp"])
    out["files"] = log.parts if isinstance(log.parts, int) else len(log.parts)
    out["tasks"] = len(log.groups())
    out["max_T"] = float(data.attrs["max_T"])
print(json.dumps(out))
client.close()
"""


def _peak_rss() -> int:
    """Max RSS of the calling process in bytes (runs on a worker)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_route(address: str, folder: Path, route: str, warm: Path) -> dict:
    """One route in a fresh client process (its memory is the route's alone)."""
    out = subprocess.run([sys.executable, "-c", ROUTE, address, str(folder), route,
                          str(warm)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"route {route!r} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def triples_bound(max_T: float) -> int:
    """Number of possible weekly (frequency, recency, T) rows with T <= max_T.

    A customer first seen T whole weeks before the end has a recency t in 0..T and, if
    t > 0, 1..t repeat weeks (none if t = 0): 1 + t(t+1)/2 summed over T.

    >>> triples_bound(2)  # T=0: 1; T=1: 1+1; T=2: 1+1+2
    7
    """
    top = int(np.floor(max_T))
    return sum(1 + t * (t + 1) // 2 for t in range(top + 1))


def world(n: int, data: Path, client, generated: dict) -> Path:
    """The world of ``n`` customers under ``data``, generated on ``client`` if missing."""
    from crmlab.engine import generate

    out = data / f"large-{n}"
    if not (out / "datapackage.json").is_file():
        t = time.perf_counter()
        generate("large", seed=42, out=out, client=client, n_customers=n)
        generated[n] = time.perf_counter() - t
    return out


def run_size(n: int, args: argparse.Namespace, done: list[dict]) -> dict:
    """Fit BG/NBD to the world of ``n`` customers by every route that fits."""
    from distributed import Client, LocalCluster

    import crmlab

    generated: dict[int, float] = {}
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      memory_limit=args.memory_limit, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        warm = world(args.warm_size, args.data, client, generated)
        out = world(n, args.data, client, generated)
        if generated:  # fresh workers for the routes (their peak RSS is the routes')
            client.restart(timeout=1800)
        generated.pop(args.warm_size, None)
        package = json.loads((out / "datapackage.json").read_text())
        transactions = {r["name"]: r for r in package["resources"]}["transactions"]["rows"]
        del package
        routes, skipped = {}, {}
        for route in ROUTES:
            why = _skip(route, n, args, done) if route in args.routes else "not asked for"
            if why:
                skipped[route] = why
                print(f"  {n:,} customers: route {route} skipped ({why})", flush=True)
                continue
            print(f"  {n:,} customers: route {route} ...", flush=True)
            routes[route] = run_route(cluster.scheduler_address, out / "transactions", route,
                                      warm / "transactions")
            # the counts route runs first, on fresh workers: their peak is its own
            routes[route]["worker_peaks"] = sorted(client.run(_peak_rss).values())
    if not args.keep and n in generated:
        shutil.rmtree(out, ignore_errors=True)
    base = routes["counts"]["params"]
    return {"customers": n, "transactions": transactions,
            "generate_seconds": generated.get(n), "routes": routes, "skipped": skipped,
            "param_rel_diff": {k: max(abs(r["params"][p] - base[p]) / abs(base[p])
                                      for p in base) for k, r in routes.items()},
            "crmlab": crmlab.__version__}


def _skip(route: str, n: int, args: argparse.Namespace, done: list[dict]) -> str:
    """Why the pandas route is not run at this size ('' to run it)."""
    if route != "pandas":
        return ""
    if n > args.pandas_max:
        return f"above --pandas-max {args.pandas_max:,}"
    import psutil

    have = [r for r in done if "pandas" in r["routes"]]
    if have:
        per = max(_used(r["routes"]["pandas"]) / r["customers"] for r in have)
        need, free = 1.5 * per * n, psutil.virtual_memory().available
        if need > free / 2:
            return (f"needs about {need / GIB:.1f} GiB, more than half the "
                    f"{free / GIB:.1f} GiB available")
    return ""


def _used(route: dict) -> int:
    """Client memory the route needed: peak RSS above the RSS at its start."""
    return route["peak_rss"] - route["rss_before"]


def _line(x: list[float], y: list[float], at: float) -> tuple[float, float] | None:
    """Least-squares line of y against x: (slope, value at ``at``)."""
    if len(x) < 2:
        return None
    slope, intercept = np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)
    return float(slope), float(intercept + slope * at)


def _mib(b: float) -> str:
    return f"{b / MIB:,.0f} MiB"


def _report(rows: list[dict], args: argparse.Namespace) -> None:
    """Print the table of the sizes done so far and record it (after every size)."""
    lines = ["| customers | transactions | files / reading tasks | rows the client receives: "
             "counts / frame / pandas | client heap peak (tracemalloc): counts / frame / "
             "pandas | client RSS peak: counts / frame / pandas | pandas / counts, frame / "
             "counts (RSS) | "
             "time: counts / frame / pandas | worker peak RSS (counts) | fits differ by "
             "(frame, pandas) |",
             "|---|---|---|---|---|---|---|---|---|---|"]

    def cell(r: dict, k: str, f) -> str:
        return f(r["routes"][k]) if k in r["routes"] else "not run"

    for r in rows:
        c = r["routes"]["counts"]
        ratio = " / ".join(f"**{_used(r['routes'][k]) / _used(c):.0f}x**"
                           if k in r["routes"] else "not run" for k in ("pandas", "frame"))
        diffs = " / ".join(f"{r['param_rel_diff'][k]:.0e}" if k in r["param_rel_diff"]
                           else "-" for k in ("frame", "pandas"))
        lines.append(
            f"| {r['customers']:,} | {r['transactions']:,} | {c['files']:,} / {c['tasks']} "
            f"| {' / '.join(cell(r, k, lambda x: f'{x[ROWS]:,}') for k in ROUTES)} "
            f"| {' / '.join(cell(r, k, lambda x: _mib(x['heap_peak'])) for k in ROUTES)} "
            f"| {' / '.join(cell(r, k, lambda x: _mib(_used(x))) for k in ROUTES)} "
            f"| {ratio} "
            f"| {' / '.join(cell(r, k, lambda x: f'{x[SECONDS]:.0f} s') for k in ROUTES)} "
            f"| {' / '.join(format(x / GIB, '.2f') for x in c['worker_peaks'])} GiB "
            f"| {diffs} |")
    table = "\n".join(lines)
    big = rows[-1]
    p = big["routes"]["counts"]["params"]
    notes = [f"On the {big['customers']:,}-customer world every route fits the "
             f"{big['routes']['counts']['customers']:,} customers with a purchase: "
             f"r={p['r']:.3f}, alpha={p['alpha']:.2f} weeks, a={p['a']:.3f}, b={p['b']:.3f}."]
    for r in rows:
        if r["skipped"]:
            notes.append(f"At {r['customers']:,} customers: " + "; ".join(
                f"{k} not run ({why})" for k, why in r["skipped"].items()) + ".")
    per_row = ", ".join(f"{_used(r['routes']['counts']) / r['routes']['counts'][ROWS]:.0f}"
                        for r in rows)
    notes.append("Client RSS of the counts route per distinct row received, by size: "
                 f"{per_row} bytes: it follows the rows it receives, not the customers or the "
                 "files.")
    x_rows = [r["routes"]["counts"]["client_rows"] for r in rows]
    bound = triples_bound(big["routes"]["counts"]["max_T"])
    heap = _line(x_rows, [r["routes"]["counts"]["heap_peak"] for r in rows], bound)
    rss = _line(x_rows, [_used(r["routes"]["counts"]) for r in rows], bound)
    heap_n = _line([r["customers"] for r in rows],
                   [r["routes"]["counts"]["heap_peak"] for r in rows], EXTRAPOLATE_TO)
    rss_n = _line([r["customers"] for r in rows],
                  [_used(r["routes"]["counts"]) for r in rows], EXTRAPOLATE_TO)
    if heap and rss and heap_n and rss_n:
        pandas_rows = [r for r in rows if "pandas" in r["routes"]]
        pandas_100m = _line([r["customers"] for r in pandas_rows],
                            [_used(r["routes"]["pandas"]) for r in pandas_rows],
                            EXTRAPOLATE_TO)
        notes.append(
            f"**Extrapolated to {EXTRAPOLATE_TO:,} customers (from the {len(rows)} measured "
            "sizes, not measured there).** What the counts route's client holds grows with "
            "the distinct weekly histories it receives, not with the customers: the files "
            f"are read in at most {MAX_TASKS} tasks whatever their number (measured: "
            + ", ".join(f"{r['routes']['counts']['files']:,} files in "
                        f"{r['routes']['counts']['tasks']} tasks" for r in rows)
            + "), and the client learns only how many files there are. Those histories "
            f"are bounded: T at most {int(big['routes']['counts']['max_T'])} weeks allows "
            f"{bound:,} distinct (frequency, recency, T) rows in all, however many "
            f"customers (measured: {', '.join(f'{x:,}' for x in x_rows)}). On the "
            "least-squares line of client memory against distinct rows through the "
            f"measured sizes ({heap[0]:.0f} bytes of heap and {rss[0]:.0f} bytes of RSS "
            f"per distinct row), the bound gives at most {_mib(heap[1])} of heap and "
            f"{_mib(rss[1])} of RSS above the client's start, for 100M customers or "
            f"any other number: {GOAL / max(rss[1], heap[1]):.0f}x under the 2 GiB goal. "
            "The straight line against customers instead (which ignores the bound, so "
            f"overstates) gives {_mib(heap_n[1])} of heap and {_mib(rss_n[1])} of RSS at "
            "100M."
            + (f" The pandas route on the same line against customers: "
               f"{pandas_100m[1] / GIB:.1f} GiB at 100M." if pandas_100m else ""))
    text = table + "\n\n" + "\n\n".join(notes)
    print(text, flush=True)
    if not args.no_record:
        made = dict(args.generated)
        made.update({r["customers"]: r["generate_seconds"] for r in rows
                     if r.get("generate_seconds")})
        gens = ", ".join(f"{n:,} customers in {made[n]:.0f} s"
                         for n in sorted(made) if n in {r["customers"] for r in rows})
        body = (f"Run: `python benchmarks/bench_scale_fit.py` on {platform.machine()}, "
                f"Python {platform.python_version()}, crmlab {rows[0]['crmlab']}, "
                f"{os.cpu_count()} cores shared with other jobs (1-minute load average "
                f"{args.load_at_start:.1f} at the start: wall times are slow and noisy, the "
                "memory figures are not). The `large` world of each size, partitioned "
                "Parquet (one file per block of 10,000 customers), made once by "
                "`crmlab.engine.generate` on 2 worker processes (`--data`, reused by every "
                "route; with other jobs on the machine)"
                + (f" ({gens})" if gens else "") + " and read by every route. Per size a "
                f"fresh `LocalCluster` of {args.workers} worker processes (1 thread, "
                f"{args.memory_limit} each), and each route in a "
                "fresh client process connected to it, weekly periods: **counts** "
                "(`clv.summary_counts(folder, freq=\"W\")`: the workers read, summarise "
                "and count distinct histories and sum the counts in a tree; the client "
                "receives the distinct rows and fits with `weights=`), **frame** "
                "(`clv.summarize_transactions(folder, freq=\"W\")`: the per-customer "
                "summary computed by Dask and collected into the client) and **pandas** "
                "(what a user would do otherwise: `pd.read_parquet(folder, columns="
                "[\"customer_id\", \"timestamp\"])`, `summarize_transactions`, fit). "
                "Client memory, separate from the workers': the heap's peak by "
                "`tracemalloc` and the peak RSS above the RSS at the route's start (the "
                "kernel's high-water mark, reset before the route), after a warm-up run of "
                "the same route on a tiny world. Worker peak RSS: each worker's high-water "
                "mark after the counts route, which runs first on fresh workers.\n\n" + text)
        record_section("BG/NBD from a Parquet world (bench_scale_fit.py)", body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--data", type=Path, default=None,
                        help="folder of the worlds large-N (made there if missing); default "
                             "a temporary folder, deleted afterwards")
    parser.add_argument("--keep", action="store_true", help="keep worlds made in this run")
    parser.add_argument("--warm-size", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GiB")
    parser.add_argument("--pandas-max", type=int, default=10_000_000,
                        help="largest size at which the pandas route is tried")
    parser.add_argument("--routes", nargs="+", choices=ROUTES, default=list(ROUTES),
                        help="routes to run (counts always runs: it is the reference)")
    parser.add_argument("--generated", type=Path,
                        help="JSON-lines file of {customers, generate_seconds} of worlds made "
                             "beforehand under --data (their generation time is recorded)")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--rows", type=Path,
                        help="JSON-lines file of finished sizes: read (those sizes are not "
                             "run again) and appended to, so a long run can be resumed")
    args = parser.parse_args(argv)
    args.routes = sorted(set(args.routes) | {"counts"}, key=ROUTES.index)
    log, args.generated = args.generated, {}
    if log is not None:
        for line in log.read_text().splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                args.generated[row["customers"]] = row["generate_seconds"]
    args.load_at_start = os.getloadavg()[0]
    tmp = None
    if args.data is None:
        tmp = args.data = Path(tempfile.mkdtemp(prefix="crmlab-bench-scale-fit-"))
    done: dict[int, dict] = {}
    if args.rows is not None and args.rows.exists():
        for line in args.rows.read_text().splitlines():
            row = json.loads(line)
            done[row["customers"]] = row
    try:
        rows: list[dict] = []
        for n in sorted(args.sizes):
            if n not in done:
                print(f"{n:,} customers ...", flush=True)
                done[n] = run_size(n, args, rows)
                if args.rows is not None:
                    with open(args.rows, "a", encoding="utf-8") as f:
                        f.write(json.dumps(done[n]) + "\n")
            rows.append(done[n])
            _report(rows, args)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
