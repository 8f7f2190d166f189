"""Benchmark: customer-base model fits against lifetimes, and a million-customer log.

Measured in one run:

1. CDNOW (2,357 customers, weekly, shipped inside the ``lifetimes`` package): fit time of
   ``clv.BetaGeo`` and ``clv.ParetoNBD`` against lifetimes' ``BetaGeoFitter`` and
   ``ParetoNBDFitter`` (median of several fits each), and the relative difference of the
   maximised log-likelihoods (lifetimes' likelihood evaluated at its own estimates on
   the unscaled data).
2. A simulated BG/NBD transaction log of 1,000,000 customers (two years, timestamps to
   the second, first purchases spread over the first year, about 3 million rows):
   ``summarize_transactions`` + ``BetaGeo.fit()`` with daily and with weekly periods,
   and lifetimes' ``summary_data_from_transaction_data`` + ``BetaGeoFitter.fit`` (daily)
   on the same log in a subprocess with a 10-minute limit.
3. The prepaid transactions of crmlab's own ``large`` world (1,000,000 customers):
   ``summarize_transactions`` + ``BetaGeo.fit()`` with daily periods.

Usage::

    python benchmarks/bench_clv.py            # everything, records RESULTS.md
    python benchmarks/bench_clv.py --quick    # skip lifetimes on the 1M log
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import record_section

from crmlab.analytics import clv

#: BG/NBD truth for the simulated log, time in days (alpha = 4 weeks).
TRUTH = {"r": 0.25, "alpha": 28.0, "a": 0.8, "b": 2.5}
START, DAYS = np.datetime64("2023-01-01T00:00:00", "s"), 730
LIFETIMES_TIMEOUT = 600

CHILD = r"""
import json, sys, time, warnings
import numpy as np, pandas as pd
warnings.simplefilter("ignore")
from lifetimes import BetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data
log = pd.read_parquet(sys.argv[1])
t = time.perf_counter()
s = summary_data_from_transaction_data(log, "customer_id", "timestamp",
                                       observation_period_end=sys.argv[2], freq="D")
t_summary = time.perf_counter() - t
t = time.perf_counter()
bg = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
t_fit = time.perf_counter() - t
print(json.dumps({"summary": t_summary, "fit": t_fit, "params": bg.params_.to_dict()}))
"""


def lifetimes_data(name: str) -> Path:
    """A data file inside the installed lifetimes package."""
    import importlib.util

    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.origin:
        raise SystemExit("lifetimes is not installed: pip install lifetimes==0.11.3")
    return Path(spec.origin).parent / "datasets" / name


def median_time(fn, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls (after one warm-up call) and the last result."""
    out = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_cdnow() -> dict:
    """Fit times and log-likelihoods on CDNOW, crmlab vs lifetimes."""
    import lifetimes

    d = pd.read_csv(lifetimes_data("cdnow_customers_summary.csv"), index_col=0)
    x, tx, T = (d[c].to_numpy() for c in ("frequency", "recency", "T"))
    ones = np.ones_like(x, dtype=float)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_bg, bg = median_time(lambda: clv.BetaGeo(x, tx, T).fit(), 21)
        t_lbg, lbg = median_time(lambda: lifetimes.BetaGeoFitter().fit(x, tx, T), 7)
        ll_lbg = -lifetimes.BetaGeoFitter._negative_log_likelihood(
            np.log(lbg.params_[["r", "alpha", "a", "b"]].to_numpy()), x, tx, T, ones,
            0.0) * ones.sum()
        t_pn, pn = median_time(lambda: clv.ParetoNBD(x, tx, T).fit(), 11)
        t_lpn, lpn = median_time(lambda: lifetimes.ParetoNBDFitter().fit(x, tx, T), 5)
        ll_lpn = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
            lpn.params_[["r", "alpha", "s", "beta"]].to_numpy(), x, tx, T).sum()
    for name, ours, t_ours, t_theirs, ll_theirs in (("BG/NBD", bg, t_bg, t_lbg, ll_lbg),
                                                    ("Pareto/NBD", pn, t_pn, t_lpn, ll_lpn)):
        out[name] = {"crmlab_s": t_ours, "lifetimes_s": t_theirs, "ratio": t_theirs / t_ours,
                     "llf": ours.llf, "llf_lifetimes": float(ll_theirs),
                     "rel_diff": abs(ours.llf - ll_theirs) / abs(ll_theirs),
                     "unique_rows": ours.n_unique}
    return out


def simulate_log(n: int, seed: int = 2024) -> tuple[pd.DataFrame, str]:
    """A BG/NBD transaction log: first purchases over the first year, two-year window.

    Repeat purchases are the first ``min(N, D)`` of ``N ~ Poisson(lambda T)`` uniform
    times (drawn in increasing order by the exponential-spacings recursion, vectorised
    over all transactions at once), ``D ~ Geometric(p)`` the drop-out purchase.
    """
    rng = np.random.default_rng(seed)
    birth = rng.uniform(0, 365, n)
    age = DAYS - birth
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n)
    p = np.clip(rng.beta(TRUTH["a"], TRUTH["b"], n), 1e-12, 1)
    arrivals = rng.poisson(lam * age)
    x = np.minimum(arrivals, rng.geometric(p))
    total = int(x.sum())
    owner = np.repeat(np.arange(n), x)
    first = np.cumsum(x) - x
    j = np.arange(total) - np.repeat(first, x)            # 0-based index within customer
    step = np.log(rng.random(total)) / (arrivals[owner] - j)
    csum = np.cumsum(step)
    head = np.minimum(first, total - 1)                   # (x == 0: repeated zero times)
    seg = csum - np.repeat(csum[head] - step[head], x)     # per-customer cumulative sums
    t = age[owner] * -np.expm1(seg)                        # increasing order statistics
    days = np.r_[birth, birth[owner] + t]
    who = np.r_[np.arange(n), owner]
    nu = rng.gamma(4.0, 1 / 15.0, n)
    amount = rng.gamma(6.0, 1 / nu[who]).round(2)
    order = rng.permutation(who.size)
    log = pd.DataFrame({
        "customer_id": (who + 1_000_000)[order],
        "timestamp": START + (days[order] * 86_400).astype("timedelta64[s]"),
        "amount": amount[order],
    })
    end = str((START + np.timedelta64(DAYS - 1, "D")).astype("datetime64[D]"))
    return log, end


def bench_million(quick: bool) -> dict:
    print("simulating 1,000,000 customers' transaction log ...", flush=True)
    log, end = simulate_log(1_000_000)
    out: dict = {"rows": len(log), "end": end}
    for freq in ("D", "W"):
        t = time.perf_counter()
        s = clv.summarize_transactions(log, customer_col="customer_id", time_col="timestamp",
                                       value_col="amount", end=end, freq=freq)
        t_summary = time.perf_counter() - t
        t = time.perf_counter()
        bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
        out[freq] = {"summary_s": t_summary, "fit_s": time.perf_counter() - t,
                     "unique_rows": bg.n_unique, "params": bg.params.to_dict()}
    out["lifetimes"] = None
    if not quick:
        print("lifetimes on the same log (subprocess, 10-minute limit) ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "log.parquet"
            log.to_parquet(path)
            try:
                res = subprocess.run([sys.executable, "-c", CHILD, str(path), end],
                                     capture_output=True, text=True,
                                     timeout=LIFETIMES_TIMEOUT, check=True)
                out["lifetimes"] = json.loads(res.stdout.strip().splitlines()[-1])
            except subprocess.TimeoutExpired:
                out["lifetimes"] = "timeout"
            except subprocess.CalledProcessError as err:
                out["lifetimes"] = f"failed: {err.stderr.strip().splitlines()[-1]}"
    return out


def bench_large_world() -> dict:
    """summarize_transactions + BG/NBD on the transactions of crmlab's ``large`` world."""
    import crmlab as crm

    print("generating the large world (1,000,000 customers) ...", flush=True)
    world = crm.make_world("large", seed=42)
    tx = world.transactions
    t = time.perf_counter()
    s = clv.summarize_transactions(tx, customer_col="customer_id", time_col="timestamp",
                                   value_col="amount", end=world.config.end, freq="D")
    t_summary = time.perf_counter() - t
    t = time.perf_counter()
    bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    return {"customers": len(world.customers), "buyers": len(s), "rows": len(tx),
            "summary_s": t_summary, "fit_s": time.perf_counter() - t,
            "unique_rows": bg.n_unique}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip lifetimes on the 1M-customer log")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)

    print("CDNOW fits, crmlab vs lifetimes ...", flush=True)
    cd = bench_cdnow()
    big = bench_million(args.quick)
    large = bench_large_world()

    lines = ["| measurement | crmlab | lifetimes 0.11.3 | ratio | goal |",
             "|---|---|---|---|---|"]
    for name, r in cd.items():
        lines.append(f"| CDNOW {name} fit (2,357 customers, {r['unique_rows']:,} unique rows) "
                     f"| {r['crmlab_s'] * 1e3:.1f} ms | {r['lifetimes_s'] * 1e3:.1f} ms | "
                     f"{r['ratio']:.1f}x faster | >= 10x |")
        lines.append(f"| CDNOW {name} log-likelihood | {r['llf']:.4f} | "
                     f"{r['llf_lifetimes']:.4f} | rel. diff {r['rel_diff']:.1e} | < 1e-6 |")
    day = big["D"]
    ours = day["summary_s"] + day["fit_s"]
    lt = big["lifetimes"]
    if lt is None:
        theirs, ratio = "not run (--quick)", ""
    elif lt == "timeout":
        theirs, ratio = "did not finish in 10 min", f"> {LIFETIMES_TIMEOUT / ours:.0f}x faster"
    elif isinstance(lt, str):
        theirs, ratio = lt, ""
    else:
        t_lt = lt["summary"] + lt["fit"]
        theirs = f"{t_lt:.1f} s (summary {lt['summary']:.1f} s + fit {lt['fit']:.1f} s)"
        ratio = f"{t_lt / ours:.0f}x faster"
    for freq, label in (("D", "daily"), ("W", "weekly")):
        r = big[freq]
        tot = r["summary_s"] + r["fit_s"]
        lines.append(f"| 1,000,000 customers ({big['rows']:,} transactions): {label} summary + "
                     f"BG/NBD fit | {tot:.2f} s (summary {r['summary_s']:.2f} s + fit "
                     f"{r['fit_s']:.2f} s on {r['unique_rows']:,} unique rows) | "
                     f"{theirs if freq == 'D' else ''} | {ratio if freq == 'D' else ''} "
                     "| <= 5 s |")
    lines.append(
        f"| crmlab `large` world ({large['customers']:,} customers; {large['buyers']:,} prepaid "
        f"buyers, {large['rows']:,} transactions): daily summary + BG/NBD fit | "
        f"{large['summary_s'] + large['fit_s']:.2f} s (summary {large['summary_s']:.2f} s + "
        f"fit {large['fit_s']:.2f} s on {large['unique_rows']:,} unique rows) | | | <= 5 s |")
    table = "\n".join(lines)
    p, w = big["D"]["params"], big["W"]["params"]
    check = (f"Fitted on the 1M log, daily periods: r={p['r']:.3f}, alpha={p['alpha']:.1f} days, "
             f"a={p['a']:.3f}, b={p['b']:.3f} (simulated truth r={TRUTH['r']}, "
             f"alpha={TRUTH['alpha']:.0f} days, a={TRUTH['a']}, b={TRUTH['b']}); weekly periods: "
             f"r={w['r']:.3f}, alpha={w['alpha']:.2f} weeks, a={w['a']:.3f}, b={w['b']:.3f} "
             "(collapsing purchases within a week loses some repeat purchases, so the weekly "
             "fit sees lower rates).")
    if isinstance(lt, dict):
        q = lt["params"]
        check += (f" lifetimes on the daily summary: r={q['r']:.3f}, alpha={q['alpha']:.1f}, "
                  f"a={q['a']:.3f}, b={q['b']:.3f}.")
    print(table)
    print(check)
    if not args.no_record:
        import crmlab

        body = (f"Run: `python benchmarks/bench_clv.py{' --quick' if args.quick else ''}` on "
                f"{platform.machine()}, Python {platform.python_version()}, crmlab "
                f"{crmlab.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
                "2 cores. Times are medians of repeated fits (CDNOW) or single runs (1M). "
                "lifetimes' log-likelihood is evaluated at its own estimates on the unscaled "
                "data.\n\n" + table + "\n\n" + check)
        record_section("CLV models (bench_clv.py)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
