"""Analytics inputs that used to give silently wrong results (issue 14, "Silent wrong
results" and item 4): each case now gets a clear error or a documented, warned rule."""

from __future__ import annotations

import re
import warnings

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import clv, rfm
from crmlab.analytics.cohorts import cohort_retention
from crmlab.analytics.segmentation import segment

pytestmark = pytest.mark.filterwarnings(
    # dask's Parquet reader still calls reset_index(inplace=True), deprecated in pandas 3.1
    "ignore:The inplace keyword in DataFrame.reset_index")


@pytest.fixture
def log() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "c"],
        "timestamp": pd.to_datetime(["2025-01-06 10:00", "2025-01-20 12:00",
                                     "2025-02-03 09:00", "2025-01-08 08:00",
                                     "2025-02-28 23:30", "2025-02-10 14:00"]),
        "amount": [10.0, 20.0, 30.0, 5.0, 8.0, 3.0],
    })


def _with_time(log: pd.DataFrame, row: int, when: str) -> pd.DataFrame:
    """The log with one time replaced (kept in microseconds, as pandas 3 parses it)."""
    times = log["timestamp"].astype("datetime64[us]").copy()
    times.iloc[row] = pd.Timestamp(when)
    return log.assign(timestamp=times)


@pytest.mark.parametrize(("when", "shown"), [("9999-12-31", "9999-12-31"),
                                             ("1600-01-01", "1600-01-01")])
def test_times_outside_pandas_range_are_refused_not_wrapped(log, when, shown):
    bad = _with_time(log, 4, when)
    message = re.escape(f"column 'timestamp' has 1 time outside the range the analytics can "
                        f"compute with (1677-09-21 to 2262-04-11, pandas' nanosecond "
                        f"timestamps): {shown}")
    with pytest.raises(ValueError, match=message):
        clv.summarize_transactions(bad, value_col="amount", freq="W")
    with pytest.raises(ValueError, match=message):
        rfm.rfm_table(bad)
    with pytest.raises(ValueError, match=message):
        cohort_retention(bad)
    with dask.config.set(scheduler="sync"), pytest.raises(ValueError, match=message):
        clv.summarize_transactions(dd.from_pandas(bad, npartitions=2), freq="W")
    # two of them: the count and the range are named
    worse = _with_time(_with_time(log, 4, "9999-12-31"), 0, "1600-01-01")
    with pytest.raises(ValueError, match="has 2 times outside .*: 1600-01-01 to 9999-12-31"):
        clv.summarize_transactions(worse)


def test_window_bounds_outside_pandas_range_are_refused(log):
    with pytest.raises(ValueError, match=r"end \(9999-12-31\) is outside the range"):
        clv.summarize_transactions(log, end="9999-12-31")
    with pytest.raises(ValueError, match=r"start \(1600-01-01\) is outside the range"):
        clv.summarize_transactions(log, start="1600-01-01")
    with pytest.raises(ValueError, match=r"calibration_end \(9999-12-31\) is outside"):
        clv.calibration_holdout_split(log, calibration_end="9999-12-31")
    with pytest.raises(ValueError, match=r"end \(9999-12-31\) is outside the range"):
        rfm.rfm_table(log, end="9999-12-31")


def test_an_aware_end_in_another_zone_is_converted_to_the_log_zone(log):
    tehran = log.assign(timestamp=log["timestamp"].dt.tz_localize("Asia/Tehran"))
    # 2025-02-28 20:00 UTC is 2025-02-28 23:30 in Tehran: b's last purchase is in
    end_utc = pd.Timestamp("2025-02-28 20:00", tz="UTC")
    got = clv.summarize_transactions(tehran, end=end_utc)
    want = clv.summarize_transactions(log, end="2025-02-28 23:30")
    pd.testing.assert_frame_equal(got, want)
    # on the wall clock (the old reading) 20:00 would have left it out
    assert got.loc["b", "frequency"] == 1
    r = rfm.rfm_table(tehran, end=end_utc)
    assert r.loc["b", "recency_days"] == 0.0 and r.loc["b", "purchases"] == 2
    # a naive end is wall time of the log's zone
    pd.testing.assert_frame_equal(clv.summarize_transactions(tehran, end="2025-02-28"),
                                  clv.summarize_transactions(log, end="2025-02-28"))


def test_an_aware_end_with_a_naive_log_is_refused(log):
    end = pd.Timestamp("2025-02-28", tz="Asia/Tehran")
    message = "has a time zone but the log's times have none"
    with pytest.raises(ValueError, match=message):
        clv.summarize_transactions(log, end=end)
    with pytest.raises(ValueError, match=message):
        rfm.rfm_table(log, end=end)
    with pytest.raises(ValueError, match=message):
        clv.calibration_holdout_split(log, calibration_end=end)


def test_negative_amounts_follow_one_rule_in_summary_and_rfm(log):
    refund = pd.DataFrame({"customer_id": ["a", "b"],
                           "timestamp": pd.to_datetime(["2025-02-05 00:00", "2025-02-28 23:45"]),
                           "amount": [-30.0, -2.0]})
    both = pd.concat([log, refund], ignore_index=True)
    # default: refused by both, with the count and the way out
    for call in (lambda **k: clv.summarize_transactions(both, value_col="amount", **k),
                 lambda **k: rfm.rfm_table(both, **k)):
        with pytest.raises(ValueError, match=r"column 'amount' has 2 negative values .*"
                                             r"refunds='drop' .* refunds='net'"):
            call()
    # drop: the refund rows are ignored, as if they were not there
    pd.testing.assert_frame_equal(
        clv.summarize_transactions(both, value_col="amount", refunds="drop"),
        clv.summarize_transactions(log, value_col="amount"))
    pd.testing.assert_frame_equal(rfm.rfm_table(both, refunds="drop"), rfm.rfm_table(log))
    # net: a's 30.0 purchase on 02-03 is refunded in full (no purchase); b's 8.0 keeps 6.0
    s = clv.summarize_transactions(both, value_col="amount", refunds="net", end="2025-02-28")
    assert s.loc["a"].tolist() == [1.0, 14.0, 53.0, 20.0]
    assert s.loc["b"].tolist() == [1.0, 51.0, 51.0, 6.0]
    r = rfm.rfm_table(both, refunds="net", end="2025-02-28")
    assert r.loc["a", "purchases"] == 2 and r.loc["a", "monetary"] == 15.0
    assert r.loc["b", "purchases"] == 2 and r.loc["b", "monetary"] == 5.5
    # a refund is never a repeat purchase under any rule
    for rule in ("drop", "net"):
        f = clv.summarize_transactions(both, value_col="amount", refunds=rule)["frequency"]
        assert f.loc["a"] <= 2 and f.loc["b"] == 1
    with pytest.raises(ValueError, match="refunds must be one of"):
        rfm.rfm_table(both, refunds="ignore")


def test_start_warns_about_customers_who_bought_before_it(log):
    with pytest.warns(UserWarning, match=r"2 of 3 customers bought before start "
                                         r"\(2025-01-15\).*before_start='drop'"):
        kept = clv.summarize_transactions(log, start="2025-01-15")
    assert list(kept.index) == ["a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = clv.summarize_transactions(log, start="2025-01-15", before_start="keep")
        cohort = clv.summarize_transactions(log, start="2025-01-15", before_start="drop")
    pd.testing.assert_frame_equal(quiet, kept)
    assert list(cohort.index) == ["c"]      # the only customer new in the window
    with dask.config.set(scheduler="sync"), \
            pytest.warns(UserWarning, match="2 of 3 customers bought before start"):
        clv.summarize_transactions(dd.from_pandas(log, npartitions=2), start="2025-01-15")
    # the split counts calibration customers only: a (bought 01-06) and c; b's only
    # purchase in [start, calibration_end) is none, so b is not one of them
    with pytest.warns(UserWarning, match="1 of 2 customers bought before start"):
        clv.calibration_holdout_split(log, start="2025-01-15", calibration_end="2025-02-15")
    with pytest.raises(ValueError, match="before_start must be one of"):
        clv.summarize_transactions(log, start="2025-01-15", before_start="error")


def test_rfm_recency_is_never_negative(log):
    # b bought at 23:30 on the end day: recency is measured from the end of that day
    t = rfm.rfm_table(log, end="2025-02-28")
    assert (t["recency_days"] >= 0).all()
    assert t.loc["b", "recency_days"] == pytest.approx(0.5 / 24)
    # an instant as end: later purchases are out, recency from the instant
    t = rfm.rfm_table(log, end="2025-02-10 12:00")
    assert "c" not in t.index and (t["recency_days"] >= 0).all()
    assert t.loc["a", "recency_days"] == pytest.approx(7 + 3 / 24)
    with pytest.raises(ValueError, match="is before the first transaction"):
        rfm.rfm_table(log, end="2025-01-05")


def test_series_are_paired_by_index_not_by_position():
    rng = np.random.default_rng(0)
    d = clv.simulate_bgnbd(400, 30, r=0.5, alpha=5, a=0.8, b=2.5, random_state=1)
    shuffled = d["T"].sample(frac=1.0, random_state=2)
    a = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    b = clv.BetaGeo(d["frequency"], d["recency"], shuffled).fit()
    pd.testing.assert_series_equal(a.params, b.params)
    pd.testing.assert_series_equal(a.p_alive(d["frequency"], d["recency"], shuffled),
                                   a.p_alive(d["frequency"], d["recency"], d["T"]))
    other = d["T"].set_axis(d.index + 1)
    for call in (lambda: clv.BetaGeo(d["frequency"], d["recency"], other),
                 lambda: clv.ParetoNBD(d["frequency"], d["recency"], other),
                 lambda: a.expected_purchases(10, d["frequency"], d["recency"], other)):
        with pytest.raises(ValueError, match="frequency and T are Series with different "
                                             "indexes .* paired by customer id"):
            call()
    x = pd.Series(rng.integers(1, 5, 50), index=[f"c{i}" for i in range(50)])
    m = pd.Series(rng.gamma(5, 4, 50), index=x.index)
    gg = clv.GammaGamma(x, m.iloc[::-1]).fit()
    pd.testing.assert_series_equal(gg.params, clv.GammaGamma(x, m).fit().params)
    pd.testing.assert_series_equal(gg.expected_spend(x, m.iloc[::-1]), gg.expected_spend(x, m))
    with pytest.raises(ValueError, match="frequency and monetary_value are Series"):
        gg.expected_spend(x, m.iloc[:10])


@pytest.mark.parametrize(("build", "cause"), [
    (lambda: clv.BetaGeo([2], [5.0], [10.0]), "only 1 distinct data row"),
    (lambda: clv.ParetoNBD([2], [5.0], [10.0]), "only 1 distinct data row"),
    (lambda: clv.BetaGeo([2, 2, 2], [5.0, 5.0, 5.0], [10.0, 10.0, 10.0]),
     "only 1 distinct data row"),
    (lambda: clv.GammaGamma([2], [5.0]), "only 1 distinct data row"),
    (lambda: clv.ShiftedBetaGeometric([2], [False]), "only 1 distinct data row"),
    (lambda: clv.BetaGeo([0, 1], [0, 1.0], [5, 5.0], weights=[10, 1]),
     "only 2 distinct data rows"),
])
def test_degenerate_fits_say_not_converged_and_why(build, cause):
    with pytest.warns(clv.ConvergenceWarning, match=f"converged=False.*{cause}"):
        res = build().fit()
    assert res.converged is False and res.mle_retvals["converged"] is False
    assert any(cause in p for p in res.mle_retvals["problems"])
    assert f"False ({res.mle_retvals['method']})" in str(res.summary())
    assert cause in str(res.summary())


def test_no_sign_of_churn_is_not_converged():
    """Every customer bought at the very end of the window: nothing tells how fast they
    drop out, so the dropout parameters are not identified (a -> 0, b -> inf)."""
    rng = np.random.default_rng(0)
    frequency = rng.integers(1, 10, 300)
    T = np.full(300, 52.0)
    with pytest.warns(clv.ConvergenceWarning, match="converged=False.*not negative definite"):
        res = clv.BetaGeo(frequency, T, T).fit()
    assert res.converged is False
    assert res.params["a"] < 1e-4 < 1e4 < res.params["b"]


def test_a_parameter_at_the_edge_of_the_search_box_is_named():
    """The optimizer rarely gets there (the likelihood flattens first), so the check is
    exercised on an optimum placed at the bound."""
    from scipy import optimize

    from crmlab.analytics.clv._base import LOG_BOUND
    model = clv.BetaGeo(*clv.simulate_bgnbd(200, 30, r=0.5, alpha=5, a=0.8, b=2.5,
                                            random_state=1)[["frequency", "recency", "T"]]
                        .to_numpy().T)
    at_edge = optimize.OptimizeResult(x=np.array([0.0, 1.0, -LOG_BOUND, LOG_BOUND]))
    problems = model._data_problems(at_edge)
    assert len(problems) == 1
    assert "parameters a, b ran to the edge of the search box" in problems[0]
    inside = optimize.OptimizeResult(x=np.array([0.0, 1.0, -LOG_BOUND + 1, LOG_BOUND - 1]))
    assert model._data_problems(inside) == []


def test_no_repeat_purchase_with_weight_is_a_clear_error():
    with pytest.raises(ValueError, match="every customer with repeat purchases has weight 0"):
        clv.BetaGeo([0, 1], [0, 1.0], [5, 5.0], weights=[10, 0])
    with pytest.raises(ValueError, match="every customer has frequency == 0"):
        clv.BetaGeo([0, 0], [0, 0.0], [5, 5.0])


def test_segment_rfm_on_a_frame_without_its_columns_is_a_clean_error():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"columns \['recency_days', 'purchases', "
                                         r"'tenure_years', 'mean_spend'\] not found in X"):
        segment(X, method="rfm", k=2)
