"""Benchmark: world generation speed and memory.

Measured in one run:

1. Customers per second for the whole ``research`` world (100,000 customers, every
   table, truth and silos) against what a user would write otherwise: a per-row Faker
   loop that makes only a name, a city and a birth date per customer. ``make_world``
   runs with its default (blocks made on every core) and, for comparison, in one
   process (``workers=1``); each figure is the median of three fresh processes.
2. The ``large`` world (1,000,000 customers, every table): wall time and peak memory.
3. The ``classroom`` world: wall time.

Each world is generated in a fresh subprocess so its peak memory is its own: the
peak reported is that process's max RSS plus the largest of its block-making helpers';
for the large world, the machine's memory in use at the peak (sampled from
/proc/meminfo while it runs) is reported too, which also counts the shared memory that
helpers hand blocks back in. Library imports (crmlab, Faker) are outside the timings
on both sides.

Usage::

    python benchmarks/bench_world.py            # everything, records RESULTS.md
    python benchmarks/bench_world.py --quick    # skip the large world
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import record_section

CHILD = r"""
import json, resource, sys, time
import crmlab as crm
import faker  # library imports stay outside the timing, as in the Faker baseline
from crmlab.world._parallel.block_workers import resolve_workers
workers = None if sys.argv[2] == "all" else int(sys.argv[2])
t = time.perf_counter()
w = crm.make_world(sys.argv[1], seed=42, workers=workers)
elapsed = time.perf_counter() - t
rows = sum(len(t) for t in w.tables.values())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
helpers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": elapsed, "rows": rows, "customers": len(w.customers),
                  "peak_bytes": peak + helpers,
                  "workers": resolve_workers(workers, w.config.n_blocks)}))
"""


def _available_bytes() -> int | None:
    """MemAvailable of the machine (Linux), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _machine_peak(run):
    """Call ``run()`` while sampling the machine's memory in use every 20 ms; return
    its result and the largest rise in memory in use (bytes; None off Linux)."""
    import threading

    before, lowest, done = _available_bytes(), [None], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            now = _available_bytes()
            if now is not None and (lowest[0] is None or now < lowest[0]):
                lowest[0] = now

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = run()
    finally:
        done.set()
        sampler.join()
    if before is None or lowest[0] is None:
        return result, None
    return result, before - lowest[0]


def run_world(preset: str, workers: int | None = None, repeats: int = 1) -> dict:
    """Generate a preset in fresh processes; the median time, rows and peak memory.

    Besides the processes' own peaks, the machine's memory in use is sampled while the
    world is made (``system_peak_bytes``: it counts the helpers and the shared memory
    they hand blocks back in, and whatever else runs meanwhile)."""
    runs = []
    for _ in range(repeats):
        out, system_peak = _machine_peak(lambda: subprocess.run(
            [sys.executable, "-c", CHILD, preset, str(workers or "all")],
            capture_output=True, text=True, check=True))
        run = json.loads(out.stdout.strip().splitlines()[-1])
        if system_peak is not None:
            run["system_peak_bytes"] = system_peak
        runs.append(run)
    runs.sort(key=lambda r: r["seconds"])
    return runs[len(runs) // 2]


def faker_loop(n: int, seed: int = 42) -> float:
    """Customers per second of the per-row Faker loop (name, city, birth date only)."""
    from faker import Faker

    fake = Faker("en_US")
    Faker.seed(seed)
    t = time.perf_counter()
    rows = [
        {"name": fake.name(), "city": fake.city(),
         "birth_date": fake.date_of_birth(minimum_age=18, maximum_age=85)}
        for _ in range(n)
    ]
    elapsed = time.perf_counter() - t
    assert len(rows) == n
    return n / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-customer world")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)

    load = os.getloadavg()[0]
    print("generating research (100,000 customers), 3 times on every core, 3 in one "
          "process ...", flush=True)
    research = run_world("research", repeats=3)
    research_rate = research["customers"] / research["seconds"]
    serial = run_world("research", workers=1, repeats=3)
    serial_rate = serial["customers"] / serial["seconds"]
    print("per-row Faker loop (3 x 10,000 customers) ...", flush=True)
    faker_rate = statistics.median(faker_loop(10_000, seed) for seed in (42, 43, 44))
    print("generating classroom (5,000 customers) ...", flush=True)
    classroom = run_world("classroom")
    large = None
    if not args.quick:
        print("generating large (1,000,000 customers) ...", flush=True)
        large = run_world("large")

    gib = 1024**3
    lines = [
        "| measurement | crmlab | baseline | ratio | goal |",
        "|---|---|---|---|---|",
        f"| research world, customers/s (all tables; {research['workers']} processes) | "
        f"{research_rate:,.0f} | {faker_rate:,.0f} (Faker loop: name, city, birth date) | "
        f"{research_rate / faker_rate:.1f}x | >= 20x |",
        f"| research world: time, rows, peak memory | {research['seconds']:.2f} s, "
        f"{research['rows']:,} rows, {research['peak_bytes'] / gib:.2f} GiB | | | |",
        f"| research world in one process (`workers=1`), customers/s | {serial_rate:,.0f} | "
        f"{faker_rate:,.0f} | {serial_rate / faker_rate:.1f}x | |",
        f"| classroom world: time | {classroom['seconds']:.2f} s | | | <= 2 s |",
    ]
    if large:
        lines.append(
            f"| large world (1,000,000 customers; {large['workers']} processes): time, peak "
            f"memory | {large['seconds']:.1f} s, {large['peak_bytes'] / gib:.2f} GiB "
            f"(machine: {large.get('system_peak_bytes', float('nan')) / gib:.2f} GiB; "
            f"{large['rows']:,} rows) | | | <= 60 s, <= 4 GiB |")
    table = "\n".join(lines)
    print(table)
    if not args.no_record:
        import crmlab

        body = (f"Run: `python benchmarks/bench_world.py` on {platform.machine()}, "
                f"{platform.python_version()}, crmlab {crmlab.__version__}, "
                f"{os.cpu_count()} cores, load average {load:.2f} at the start. Each world "
                "is generated in a fresh process (peak = max RSS of that process plus its "
                "largest helper's); research figures are medians of three runs; the Faker "
                "baseline is measured in the same run.\n\n" + table)
        record_section("World generation (bench_world.py)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
