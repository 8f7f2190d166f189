"""clv.diagnostics: each check passes a true model and catches a wrong one."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import viz
from crmlab.analytics import clv
from crmlab.analytics.clv import diagnostics

TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
START = pd.Timestamp("2025-01-06")  # a Monday
CAL_END = START + pd.Timedelta(weeks=39) - pd.Timedelta(days=1)
END = START + pd.Timedelta(weeks=78) - pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    """A BG/NBD transaction log, purchase by purchase, first purchases over 12 weeks."""
    rng = np.random.default_rng(11)
    n = 8000
    first = rng.integers(0, 12 * 7, n).astype(float)          # days
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n) / 7     # per day
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    horizon = 78 * 7
    ids, days = [np.arange(n)], [first]
    now = first.copy()
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1 / lam[idx])
        inside = now[idx] < horizon
        buy = idx[inside]
        ids.append(buy)
        days.append(now[buy])
        active[idx[~inside]] = False
        active[buy[rng.random(buy.size) < p[buy]]] = False
    day = np.floor(np.concatenate(days))
    return pd.DataFrame({"customer_id": np.concatenate(ids),
                         "timestamp": START + pd.to_timedelta(day, "D")})


@pytest.fixture(scope="module")
def fitted(log):
    """BG/NBD fitted on the daily calibration summary of the first half of the customers."""
    cal = clv.summarize_transactions(log, end=CAL_END, freq="D")
    first = cal.iloc[: len(cal) // 2]
    return first, clv.BetaGeo(first["frequency"], first["recency"], first["T"]).fit()


def test_histogram_accepts_the_true_model_and_rejects_a_wrong_one(fitted):
    cal, bg = fitted
    good = diagnostics.repeat_histogram(bg, cal["frequency"], cal["T"])
    assert good["actual"].sum() == len(cal)
    assert good["model"].sum() == pytest.approx(len(cal))
    assert good.attrs["p_value"] > 0.01 and good.attrs["dof"] >= 1
    wrong = clv.BetaGeo.from_params(r=0.5, alpha=28.0, a=0.8, b=2.5)   # twice the buying
    assert diagnostics.repeat_histogram(wrong, cal["frequency"], cal["T"]).attrs[
        "p_value"] < 1e-6


def test_histogram_by_simulation_agrees_with_the_closed_form(fitted):
    cal, bg = fitted
    exact = diagnostics.repeat_histogram(bg, cal["frequency"], cal["T"], method="exact")
    simulated = diagnostics.repeat_histogram(bg, cal["frequency"], cal["T"],
                                             method="simulate", n_simulations=40)
    # 320,000 simulated customers: each bin within 1% of the customers of the exact one
    assert np.abs(simulated["model"] - exact["model"]).max() < 0.01 * len(cal)
    again = diagnostics.repeat_histogram(bg, cal["frequency"], cal["T"],
                                         method="simulate", n_simulations=40)
    pd.testing.assert_frame_equal(simulated, again)   # seeded by default
    pn = clv.ParetoNBD(cal["frequency"], cal["recency"], cal["T"]).fit()
    with pytest.raises(ValueError, match="only BG/NBD"):
        diagnostics.repeat_histogram(pn, cal["frequency"], cal["T"], method="exact")
    assert diagnostics.repeat_histogram(pn, cal["frequency"], cal["T"])["model"].sum() == \
        pytest.approx(len(cal))


def test_tracking_follows_the_holdout(log, fitted):
    _, bg = fitted
    tr = diagnostics.tracking(bg, log, calibration_end=CAL_END, end=END, freq="D")
    assert len(tr) == 78 * 7 and tr["holdout"].sum() == 39 * 7
    assert abs(tr.attrs["holdout_error"]) < 0.05
    buying_days = len(log.drop_duplicates())  # purchases on one day count once
    repeat = buying_days - log["customer_id"].nunique()
    assert tr["actual_cumulative"].iloc[-1] == repeat  # every customer is in the cohort
    wrong = clv.BetaGeo.from_params(r=0.25, alpha=28.0, a=0.8, b=25.0)  # almost no churn
    assert diagnostics.tracking(wrong, log, calibration_end=CAL_END, end=END,
                                freq="D").attrs["holdout_error"] > 0.3


def test_conditional_expectations_match_for_the_true_model(log, fitted):
    _, bg = fitted
    table = clv.calibration_holdout_split(log, calibration_end=CAL_END, end=END, freq="D")
    ce = diagnostics.conditional_expectations(bg, table)
    assert ce["customers"].sum() == len(table)
    assert ce.attrs["mean_absolute_error"] < 0.15
    assert ce["model"].is_monotonic_increasing


def test_holdout_loglike_is_close_to_in_sample_for_the_right_model(log, fitted):
    cal, bg = fitted
    rest = clv.summarize_transactions(log, end=CAL_END, freq="D").iloc[len(cal):]
    ho = diagnostics.holdout_loglike(bg, rest["frequency"], rest["recency"], rest["T"])
    assert ho["customers"] == len(rest)
    assert ho["holdout_per_customer"] == pytest.approx(ho["fit_per_customer"], rel=0.05)
    wrong = clv.BetaGeo(rest["frequency"], rest["recency"], rest["T"]).loglike(
        [0.5, 28.0, 0.8, 2.5]) / len(rest)
    assert wrong < ho["holdout_per_customer"] - 0.05
    with pytest.raises(ValueError, match="needs a fitted model"):
        diagnostics.holdout_loglike(clv.BetaGeo.from_params(**TRUTH), [1], [1], [2])


def test_p_alive_history_rises_at_purchases_and_falls_in_silence():
    bg = clv.BetaGeo.from_params(**TRUTH)
    h = diagnostics.p_alive_history(bg, [0, 2.5, 4, 4.2, 10], end=30)
    assert h.loc[0.0, "p_alive"] == 1.0
    assert h.loc[10.0, "p_alive"] > h.loc[9.0, "p_alive"]
    assert h.loc[30.0, "p_alive"] < h.loc[11.0, "p_alive"]
    assert h.loc[30.0, "frequency"] == 3 and h.loc[30.0, "recency"] == 10  # 4 and 4.2: once
    with pytest.raises(ValueError, match="first purchase at 0"):
        diagnostics.p_alive_history(bg, [1, 2], end=5)


def test_every_check_draws_on_the_given_axes_and_records_its_data(log, fitted):
    cal, bg = fitted
    table = clv.calibration_holdout_split(log, calibration_end=CAL_END, end=END, freq="D")
    fig, axes = plt.subplots(2, 2)
    calls = [(diagnostics.repeat_histogram, (bg, cal["frequency"], cal["T"]), {}),
             (diagnostics.tracking, (bg, log), {"calibration_end": CAL_END, "freq": "D"}),
             (diagnostics.conditional_expectations, (bg, table), {}),
             (diagnostics.p_alive_history, (bg, [0, 3]), {"end": 20})]
    for ax, (fn, args, kw) in zip(axes.ravel(), calls, strict=True):
        data = fn(*args, ax=ax, **kw)
        pd.testing.assert_frame_equal(viz.plotted_data(ax), data)
        assert ax.get_title() and ax.lines + list(ax.patches)
    plt.close(fig)


def test_checks_refuse_what_they_cannot_use(fitted):
    cal, _ = fitted
    sbg = clv.ShiftedBetaGeometric.from_params(alpha=1, beta=2)
    with pytest.raises(TypeError, match="needs a fitted purchase model"):
        diagnostics.repeat_histogram(sbg, cal["frequency"], cal["T"])
    bg = clv.BetaGeo.from_params(**TRUTH)
    with pytest.raises(ValueError, match="max_x"):
        diagnostics.repeat_histogram(bg, cal["frequency"], cal["T"], max_x=0)
    with pytest.raises(ValueError, match="frequency_holdout"):
        diagnostics.conditional_expectations(bg, cal)


def test_tracking_converts_ages_to_the_models_time_unit(log):
    """Purchases counted per day, time measured in weeks: the same forecast as in days."""
    cal_w = clv.summarize_transactions(log, end=CAL_END, freq="D", unit="W")
    cal_d = clv.summarize_transactions(log, end=CAL_END, freq="D")
    in_weeks = clv.BetaGeo(cal_w["frequency"], cal_w["recency"], cal_w["T"]).fit()
    in_days = clv.BetaGeo(cal_d["frequency"], cal_d["recency"], cal_d["T"]).fit()
    a = diagnostics.tracking(in_weeks, log, calibration_end=CAL_END, end=END, freq="D")
    b = diagnostics.tracking(in_days, log, calibration_end=CAL_END, end=END, freq="D")
    np.testing.assert_allclose(a["model_cumulative"], b["model_cumulative"], rtol=1e-4)
