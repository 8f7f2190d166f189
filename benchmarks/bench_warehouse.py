"""Benchmark: building the customer data warehouse, and RFM in SQL against pandas.

Measured in one run:

1. Building the ``research`` world (100,000 customers) into a DuckDB file with
   ``World.to_warehouse`` (star schema, primary and foreign keys, indexes, comments,
   temp file then rename), against a plain copy of the same tables into DuckDB without
   keys, indexes or comments (``CREATE TABLE ... AS SELECT`` from Arrow) — what the
   keys cost.
2. RFM scores of 1,000,000 customers (the simulated BG/NBD log of bench_clv.py, about
   3 million purchases): :func:`crmlab.warehouse.queries.rfm_sql` in DuckDB against
   :func:`crmlab.analytics.rfm.rfm_table` in pandas, on the same data, with the share of
   customers whose RFM cell agrees.

Usage::

    python benchmarks/bench_warehouse.py            # everything, records RESULTS.md
    python benchmarks/bench_warehouse.py --quick    # classroom world, 100,000 customers
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import record_section
from bench_clv import simulate_log

import crmlab as crm
from crmlab.analytics import rfm
from crmlab.warehouse import star_schema
from crmlab.warehouse.queries import rfm_sql


def median_time(fn, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], out


def _cpu() -> float:
    """CPU seconds of this process so far (all threads, user + system)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench_build(preset: str) -> dict:
    """Warehouse build vs a plain copy of the same tables (both into fresh files)."""
    import duckdb
    import pyarrow as pa

    world = crm.make_world(preset, seed=42)
    rows = sum(len(t.frame) for t in star_schema(world))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crm.duckdb"
        t, c = time.perf_counter(), _cpu()
        world.to_warehouse(f"duckdb:///{path}")
        build, build_cpu = time.perf_counter() - t, _cpu() - c
        size = path.stat().st_size

        t, c = time.perf_counter(), _cpu()
        tables = star_schema(world)
        con = duckdb.connect(str(Path(folder) / "plain.duckdb"))
        for table in tables:
            con.register("src", pa.Table.from_pandas(table.frame, preserve_index=False))
            con.execute(f'CREATE TABLE "{table.name}" AS SELECT * FROM src')
            con.unregister("src")
        con.close()
        plain, plain_cpu = time.perf_counter() - t, _cpu() - c
        plain_size = (Path(folder) / "plain.duckdb").stat().st_size
    return {"customers": len(world.customers), "rows": rows, "build": build, "size": size,
            "plain": plain, "plain_size": plain_size, "build_cpu": build_cpu,
            "plain_cpu": plain_cpu}


def bench_rfm(n: int, repeat: int) -> dict:
    """RFM of ``n`` customers: DuckDB SQL vs pandas on the same log."""
    import duckdb

    log, end = simulate_log(n)
    con = duckdb.connect()
    t = time.perf_counter()
    con.register("log_df", log)
    con.execute("CREATE TABLE log AS SELECT * FROM log_df")
    load = time.perf_counter() - t
    sql = rfm_sql(end, table="log")
    t_sql, by_sql = median_time(lambda: con.sql(sql).to_arrow_table().to_pandas(), repeat)
    con.close()
    t_pd, by_pd = median_time(lambda: rfm.rfm_table(log, end=end), repeat)
    by_sql = by_sql.set_index("customer_id")
    same = float((by_sql["cell"].to_numpy() == by_pd["cell"].to_numpy()).mean()) \
        if by_sql.index.equals(by_pd.index) else 0.0
    return {"customers": len(by_pd), "transactions": len(log), "load": load, "sql": t_sql,
            "pandas": t_pd, "same": same, "repeat": repeat}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="classroom world and 100,000 RFM customers")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--shared", action="store_true",
                        help="note in RESULTS.md that other jobs shared the machine")
    args = parser.parse_args(argv)

    preset = "classroom" if args.quick else "research"
    print(f"building the {preset} world into DuckDB ...", flush=True)
    build = bench_build(preset)
    n = 100_000 if args.quick else 1_000_000
    print(f"RFM of {n:,} customers: DuckDB SQL and pandas ...", flush=True)
    scores = bench_rfm(n, repeat=3)

    mb = 1e6
    lines = [
        "| measurement | crmlab | baseline | ratio |",
        "|---|---|---|---|",
        f"| {preset} world ({build['customers']:,} customers, {build['rows']:,} rows) into "
        f"DuckDB: star schema with keys, indexes, comments | {build['build']:.1f} s wall, "
        f"{build['build_cpu']:.1f} s CPU ({build['size'] / mb:.0f} MB) | {build['plain']:.1f} s"
        f" wall, {build['plain_cpu']:.1f} s CPU ({build['plain_size'] / mb:.0f} MB): plain copy"
        f" of the same tables, no keys | {build['build'] / build['plain']:.1f}x the wall time "
        "(the price of enforced keys and indexes) |",
        f"| RFM of {scores['customers']:,} customers ({scores['transactions']:,} purchases) | "
        f"{scores['sql']:.2f} s in DuckDB SQL (rfm_sql; result fetched as a DataFrame via "
        "Arrow) | "
        f"{scores['pandas']:.2f} s in pandas (rfm.rfm_table) | "
        f"{scores['pandas'] / scores['sql']:.1f}x as fast |",
        f"| RFM cells equal in SQL and pandas | {scores['same']:.4%} of customers (the rest: "
        "mean spends that differ in the last bit between DuckDB's AVG and pandas' mean, "
        "so a tie group splits) | | |",
        f"| loading the log into DuckDB (CREATE TABLE AS from the DataFrame) | "
        f"{scores['load']:.2f} s | | |",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_record:
        import duckdb
        import pandas as pd

        shared = (" The machine was shared with other jobs during the run (load average "
                  "about 15 on its 2 cores), so absolute times are pessimistic and ratios "
                  "noisy." if args.shared else "")
        body = (f"Run: `python benchmarks/bench_warehouse.py` on {platform.machine()}, Python "
                f"{platform.python_version()}, crmlab {crm.__version__}, DuckDB "
                f"{duckdb.__version__}, pandas {pd.__version__}, 2 cores. Build: one run "
                f"each (wall time, and CPU time of all threads); "
                f"RFM: median of {scores['repeat']} runs, the same simulated log (bench_clv.py) "
                f"for both.{shared}\n\n" + table)
        record_section("Warehouse (bench_warehouse.py)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
