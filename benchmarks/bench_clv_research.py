"""Benchmark: the research models and tools of issue 16, against what a user has instead.

Measured in one run:

1. BG/BB on the donation data of Fader, Hardie & Shang (2010) and MBG/NBD on CDNOW: fit
   time against lifetimes' ``BetaGeoBetaBinomFitter`` and ``ModifiedBetaGeoFitter``
   (medians), with both log-likelihoods at their own estimates.
2. 1,000 bootstrap refits of BG/NBD on CDNOW with ``clv.uncertainty.parameter_draws``,
   against refitting lifetimes' ``BetaGeoFitter`` on resampled customers (timed on 20
   refits, scaled to 1,000: running all of them would take minutes).
3. The full CDNOW master file (23,570 customers, the 1997 Q1 cohort): weekly summary of
   the transaction log and BG/NBD fit (39-week calibration), crmlab against lifetimes'
   ``summary_data_from_transaction_data`` + ``BetaGeoFitter``.
4. Coverage of 95 % intervals for BG/NBD predictions over ``--coverage-reps`` simulated
   populations (3,000 customers each) from known parameters: delta method, asymptotic
   draws and bootstrap refits; the truth is the prediction at the true parameters.
5. Pareto/NBD with 5 covariates (3 on purchase, 2 on dropout) on 100,000 simulated
   customers: ``clv.ParetoNBD(..., purchase_covariates=, dropout_covariates=).fit()``
   against what a user without covariate support would write, ``scipy.optimize.minimize``
   (L-BFGS-B) with numerical gradients on the same likelihood from the same start
   (lifetimes has no covariates). Recorded in its own section.

Usage::

    python benchmarks/bench_clv_research.py                  # everything, records RESULTS.md
    python benchmarks/bench_clv_research.py --coverage-reps 40 --no-record
    python benchmarks/bench_clv_research.py --covariates-only   # case 5 only
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import record_section
from bench_clv import lifetimes_data, median_time

from crmlab.analytics import clv
from crmlab.analytics.clv import uncertainty

TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
#: why lifetimes' weekly summary of CDNOW master is not crmlab's (checked by hand)
DIFFERENT_SUMMARY = ("different (lifetimes cuts by period, so it also counts purchases "
                     "after the end date in the rest of its week)")


def bench_families() -> dict:
    import lifetimes

    out = {}
    don = pd.read_csv(lifetimes_data("donations.csv"))
    f, r, n, w = (don[c].to_numpy() for c in ("frequency", "recency", "periods", "weights"))
    t_ours, ours = median_time(lambda: clv.BetaGeoBetaBinom(f, r, n, weights=w).fit(), 21)
    t_lt, lt = median_time(
        lambda: lifetimes.BetaGeoBetaBinomFitter().fit(f, r, n, weights=w), 7)
    ll_lt = clv.BetaGeoBetaBinom(f, r, n, weights=w).loglike(
        lt.params_[["alpha", "beta", "gamma", "delta"]].to_numpy())
    out["BG/BB (donations, 11,104 customers)"] = (t_ours, t_lt, ours.llf, ll_lt)
    cd = pd.read_csv(lifetimes_data("cdnow_customers_summary.csv"), index_col=0)
    x, tx, T = (cd[c].to_numpy() for c in ("frequency", "recency", "T"))
    t_ours, ours = median_time(lambda: clv.ModifiedBetaGeo(x, tx, T).fit(), 21)
    t_lt, lt = median_time(lambda: lifetimes.ModifiedBetaGeoFitter().fit(x, tx, T), 7)
    ll_lt = clv.ModifiedBetaGeo(x, tx, T).loglike(lt.params_[["r", "alpha", "a", "b"]]
                                                   .to_numpy())
    out["MBG/NBD (CDNOW, 2,357 customers)"] = (t_ours, t_lt, ours.llf, ll_lt)
    return out


def bench_bootstrap() -> dict:
    import lifetimes

    cd = pd.read_csv(lifetimes_data("cdnow_customers_summary.csv"), index_col=0)
    bg = clv.BetaGeo(cd["frequency"], cd["recency"], cd["T"]).fit()
    t, cpu = time.perf_counter(), time.process_time()
    draws = uncertainty.parameter_draws(bg, 1000, random_state=0)
    ours, ours_cpu = time.perf_counter() - t, time.process_time() - cpu
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    for _ in range(20):
        s = cd.iloc[rng.integers(0, len(cd), len(cd))]
        lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    theirs = (time.perf_counter() - t) * 50
    return {"crmlab_s": ours, "crmlab_cpu_s": ours_cpu, "lifetimes_s": theirs,
            "failed": draws.attrs["failed"],
            "sd_over_se": (draws.std() / bg.bse).round(2).to_dict()}


def bench_master() -> dict:
    from lifetimes.utils import summary_data_from_transaction_data

    log = pd.read_csv(lifetimes_data("CDNOW_master.txt"), sep=r"\s+", header=0,
                      names=["customer_id", "date", "cds", "amount"], dtype={"date": str})
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    cal_end = "1997-09-30"
    t = time.perf_counter()
    s = clv.summarize_transactions(log, customer_col="customer_id", time_col="date",
                                   end=cal_end, freq="W")
    bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    ours = time.perf_counter() - t
    t = time.perf_counter()
    ls = summary_data_from_transaction_data(log, "customer_id", "date",
                                            observation_period_end=cal_end, freq="W")
    import lifetimes

    lbg = lifetimes.BetaGeoFitter().fit(ls["frequency"], ls["recency"], ls["T"])
    theirs = time.perf_counter() - t
    same = ls[["frequency", "recency", "T"]].to_numpy()
    ll_lt = clv.BetaGeo(*same.T).loglike(lbg.params_[["r", "alpha", "a", "b"]].to_numpy())
    return {"customers": len(s), "rows": len(log), "crmlab_s": ours, "lifetimes_s": theirs,
            "params": bg.params.round(3).to_dict(), "llf": bg.llf, "llf_lifetimes": ll_lt,
            "same_summary": bool(np.array_equal(
                s[["frequency", "recency", "T"]].to_numpy(), same)),
            "params_lifetimes": lbg.params_.round(3).to_dict()}


def bench_coverage(reps: int, n_boot: int = 200) -> dict:
    true = clv.BetaGeo.from_params(**TRUTH)
    hist = (np.array([1, 2, 5, 8, 3.0]), np.array([10, 30, 35, 20, 5.0]), np.full(5, 40.0))
    want = {"expected_purchases": (true.expected_purchases(26, *hist), (26, *hist)),
            "p_alive": (true.p_alive(*hist), hist)}
    rng = np.random.default_rng(2026)
    hits: dict[str, list[bool]] = {}
    for rep in range(reps):
        d = clv.simulate_bgnbd(3000, rng.integers(26, 53, 3000), **TRUTH, random_state=rng)
        bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
        asym = uncertainty.parameter_draws(bg, 400, method="asymptotic", random_state=rep)
        boot = uncertainty.parameter_draws(bg, n_boot, random_state=rep)
        for method, (truth, args) in want.items():
            ivs = {"delta method": uncertainty.delta_interval(bg, method, *args)}
            for name, draws in (("asymptotic draws", asym), ("bootstrap refits", boot)):
                for interval in ("normal", "basic", "percentile"):
                    ivs[f"{name} ({interval})"] = uncertainty.prediction_interval(
                        bg, method, *args, draws=draws, interval=interval)
            for kind, iv in ivs.items():
                hits.setdefault(f"{kind}, {method}", []).extend(
                    (iv["lower"] <= truth) & (truth <= iv["upper"]))
    return {k: float(np.mean(v)) for k, v in hits.items()}


COVARIATE_TRUTH = {"purchase:income": 0.4, "purchase:app": -0.3, "purchase:age": 0.2,
                   "dropout:tenure": -0.5, "dropout:web": 0.3}
PNBD_TRUTH = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}


def covariate_population(n: int = 100_000, seed: int = 5
                         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Pareto/NBD customers with 5 known covariate effects, ages 26-52 whole weeks."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"income": rng.normal(size=n), "app": rng.integers(0, 2, n) * 1.0,
                      "age": rng.normal(size=n)})
    Z = pd.DataFrame({"tenure": rng.normal(size=n), "web": rng.integers(0, 2, n) * 1.0})
    g = COVARIATE_TRUTH
    eta_p = X.to_numpy() @ np.array([g["purchase:income"], g["purchase:app"],
                                      g["purchase:age"]])
    eta_d = Z.to_numpy() @ np.array([g["dropout:tenure"], g["dropout:web"]])
    d = clv.simulate_pareto_nbd(n, rng.integers(26, 53, n).astype(float), r=PNBD_TRUTH["r"],
                                alpha=PNBD_TRUTH["alpha"] * np.exp(-eta_p), s=PNBD_TRUTH["s"],
                                beta=PNBD_TRUTH["beta"] * np.exp(-eta_d), random_state=rng)
    return d, X, Z


def bench_covariates(repeats: int = 2) -> dict:
    from scipy import optimize

    d, X, Z = covariate_population()

    def ours() -> clv.ParetoNBDResults:
        return clv.ParetoNBD(d["frequency"], d["recency"], d["T"], purchase_covariates=X,
                             dropout_covariates=Z).fit()

    t_ours, res = median_time(ours, repeats)
    c0 = time.process_time()
    ours()
    cpu_ours = time.process_time() - c0
    model = clv.ParetoNBD(d["frequency"], d["recency"], d["T"], purchase_covariates=X,
                          dropout_covariates=Z)
    start = model._to_free(model._default_start())
    evals = 0

    def value_only(v: np.ndarray) -> float:
        nonlocal evals
        evals += 1
        return model._objective(v)[0]

    t0, c0 = time.perf_counter(), time.process_time()
    plain = optimize.minimize(value_only, start, method="L-BFGS-B")
    t_scipy, cpu_scipy = time.perf_counter() - t0, time.process_time() - c0
    truth = {**PNBD_TRUTH, **COVARIATE_TRUTH}
    z = {k: (res.params[k] - v) / res.bse[k] for k, v in truth.items()}
    return {"crmlab_s": t_ours, "scipy_s": t_scipy, "crmlab_cpu": cpu_ours,
            "scipy_cpu": cpu_scipy, "llf": res.llf,
            "llf_scipy": -plain.fun * model.nobs, "scipy_evals": evals,
            "unique_rows": res.n_unique, "params": res.params, "bse": res.bse, "z": z,
            "converged": res.converged}


def covariate_report(cv: dict) -> tuple[str, str]:
    row = (f"| Pareto/NBD, 5 covariates, 100,000 customers ({cv['unique_rows']:,} unique rows) "
           f"fit | {cv['crmlab_s']:.2f} s wall, {cv['crmlab_cpu']:.2f} s CPU (LL "
           f"{cv['llf']:.2f}) | scipy L-BFGS-B, numerical gradients: {cv['scipy_s']:.1f} s "
           f"wall, {cv['scipy_cpu']:.1f} s CPU (LL {cv['llf_scipy']:.2f}, "
           f"{cv['scipy_evals']} evaluations) | {cv['scipy_s'] / cv['crmlab_s']:.1f}x faster "
           f"(CPU: {cv['scipy_cpu'] / cv['crmlab_cpu']:.1f}x) | <= 5 s |")
    rec = ", ".join(f"{k} {cv['params'][k]:.3f} ({cv['bse'][k]:.3f}; z {cv['z'][k]:+.2f})"
                    for k in cv["z"])
    notes = ("Covariates: lifetimes has none, so the alternative is minimising the same "
             "likelihood with scipy and finite-difference gradients from the same start. "
             "CPU time is the process's own (all its threads), a measure that "
             "other jobs on the machine do not inflate as they do wall time. "
             f"Estimates (standard error; z against the truth): {rec}.")
    return row, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coverage-reps", type=int, default=200)
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--covariates-only", action="store_true",
                        help="run only the covariate case (recorded in its own section)")
    parser.add_argument("--no-covariates", action="store_true",
                        help="skip the covariate case (cases 1-4 only)")
    parser.add_argument("--uncertainty-only", action="store_true",
                        help="print cases 2 and 4 only (bootstrap time, coverage); no record")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.uncertainty_only:
        boot = bench_bootstrap()
        print(f"1,000 bootstrap refits of BG/NBD on CDNOW: {boot['crmlab_s']:.2f} s wall, "
              f"{boot['crmlab_cpu_s']:.2f} s CPU ({boot['failed']} failed); lifetimes "
              f"{boot['lifetimes_s']:.0f} s (20 refits x 50); spread / se "
              f"{boot['sd_over_se']}", flush=True)
        for k, v in bench_coverage(args.coverage_reps).items():
            print(f"| {k} | {v:.3f} |")
        return 0
    if not args.no_covariates:
        _covariate_case(args.no_record)
    if args.covariates_only:
        return 0
    return _research_cases(args.coverage_reps, args.no_record)


def _covariate_case(no_record: bool) -> None:
    print("Pareto/NBD with covariates ...", flush=True)
    row, cov_notes = covariate_report(bench_covariates())
    print(row)
    print(cov_notes)
    if not no_record:
        import crmlab

        body = (f"Run: `python benchmarks/bench_clv_research.py --covariates-only` on "
                f"{platform.machine()}, Python {platform.python_version()}, crmlab "
                f"{crmlab.__version__}, 2 cores shared with other jobs (load average "
                f"{_load()}). crmlab's time is the median of 2 fits after a warm-up, "
                "scipy's one run.\n\n"
                "| measurement | crmlab | alternative | ratio | goal |\n|---|---|---|---|---|\n"
                + row + "\n\n" + cov_notes)
        record_section("CLV covariates (bench_clv_research.py)", body)


def _research_cases(coverage_reps: int, no_record: bool) -> int:
    print("model families ...", flush=True)
    fam = bench_families()
    print("bootstrap ...", flush=True)
    boot = bench_bootstrap()
    print("CDNOW master ...", flush=True)
    master = bench_master()
    print(f"coverage over {coverage_reps} populations ...", flush=True)
    cover = bench_coverage(coverage_reps)

    lines = ["| measurement | crmlab | lifetimes 0.11.3 | ratio | goal |", "|---|---|---|---|---|"]
    for name, (t_ours, t_lt, ll, ll_lt) in fam.items():
        lines.append(f"| {name} fit | {t_ours * 1e3:.1f} ms (LL {ll:.2f}) | {t_lt * 1e3:.1f} ms "
                     f"(LL {ll_lt:.2f}) | {t_lt / t_ours:.1f}x faster | >= 10x, same LL |")
    lines.append(f"| 1,000 bootstrap refits of BG/NBD on CDNOW | {boot['crmlab_s']:.2f} s "
                 f"wall, {boot['crmlab_cpu_s']:.2f} s CPU ({boot['failed']} failed) | "
                 f"{boot['lifetimes_s']:.0f} s (20 refits x 50) | "
                 f"{boot['lifetimes_s'] / boot['crmlab_s']:.0f}x faster | <= 5 s |")
    lines.append(f"| CDNOW master ({master['customers']:,} customers, {master['rows']:,} rows): "
                 f"weekly summary + BG/NBD fit | {master['crmlab_s']:.2f} s | "
                 f"{master['lifetimes_s']:.2f} s | "
                 f"{master['lifetimes_s'] / master['crmlab_s']:.1f}x faster | side by side |")
    table = "\n".join(lines)
    cov = ["| 95 % interval | coverage |", "|---|---|"]
    cov += [f"| {k} | {v:.3f} |" for k, v in cover.items()]
    notes = (f"Bootstrap spread / standard error on CDNOW: {boot['sd_over_se']}. CDNOW master "
             f"BG/NBD: crmlab {master['params']} (LL {master['llf']:.2f}), lifetimes "
             f"{master['params_lifetimes']} (LL {master['llf_lifetimes']:.2f} at its "
             f"estimates); the two weekly summaries are "
             f"{'identical' if master['same_summary'] else DIFFERENT_SUMMARY}. "
             f"Coverage: {coverage_reps} populations of 3,000 customers (BG/NBD, r=0.25, "
             "alpha=4, a=0.8, b=2.5, ages 26-52 weeks), five histories each; the truth is the "
             "prediction at the true parameters; goal 0.93-0.97. Intervals from draws: "
             "normal = the estimate -+ 1.96 standard deviations of the draws on the logit "
             "(P(alive)) or log scale (expected purchases), the default of "
             "`prediction_interval`; basic = the draws' 2.5 and 97.5 % quantiles on that "
             "scale reflected about the estimate; percentile = the draws' quantiles "
             "themselves (the default before).")
    print(table)
    print("\n".join(cov))
    print(notes)
    if not no_record:
        import crmlab

        body = (f"Run: `python benchmarks/bench_clv_research.py` on {platform.machine()}, "
                f"Python {platform.python_version()}, crmlab {crmlab.__version__}, 2 cores. "
                "Times are medians of repeated fits, or single runs.\n\n" + table + "\n\n"
                + "\n".join(cov) + "\n\n" + notes)
        record_section("CLV research models (bench_clv_research.py)", body)
    return 0


def _load() -> str:
    try:
        import os

        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
