"""Bad input gets a clear error; transaction summaries, holdout split, CLV, fit control."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import clv
from crmlab.analytics.clv._base import LikelihoodModel

# ---------------------------------------------------------------------------------------
# transaction logs
# ---------------------------------------------------------------------------------------


@pytest.fixture
def log() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["b", "a", "a", "a", "b", "c", "a"],
        "timestamp": pd.to_datetime(["2025-01-08 10:00", "2025-01-06 09:00", "2025-01-06 18:00",
                                     "2025-01-15 00:00", "2025-02-03 00:00", "2025-02-28 00:00",
                                     "2025-03-03 00:00"]),
        "amount": [5.0, 10.0, 2.0, 20.0, 8.0, 3.0, 100.0],
    })


def test_summary_daily_and_weekly(log):
    d = clv.summarize_transactions(log, value_col="amount", end="2025-02-28", freq="D")
    assert list(d.index) == ["a", "b", "c"] and d.index.name == "customer_id"
    assert d.attrs["freq"] == "D"
    assert d.dtypes.eq("float64").all()
    # a: 01-06 (two purchases, one period, 12.0), 01-15 (20.0); 03-03 is after end
    assert d.loc["a"].tolist() == [1.0, 9.0, 53.0, 20.0]
    assert d.loc["b"].tolist() == [1.0, 26.0, 51.0, 8.0]
    assert d.loc["c"].tolist() == [0.0, 0.0, 0.0, 0.0]
    w = clv.summarize_transactions(log, value_col="amount", end="2025-03-09", freq="W")
    # weeks start on Monday: 2025-01-06 is week 0 for a; 03-03 is week 8
    assert w.loc["a"].tolist() == [2.0, 8.0, 8.0, 60.0]
    m = clv.summarize_transactions(log, end="2025-03-31", freq="M")
    assert "monetary_value" not in m and m.loc["a"].tolist() == [1.0, 2.0, 2.0]


def test_summary_start_end_and_order_do_not_matter(log):
    a = clv.summarize_transactions(log, value_col="amount", end="2025-02-28")
    b = clv.summarize_transactions(log.sample(frac=1, random_state=1), value_col="amount",
                                   end=pd.Timestamp("2025-02-28"))
    pd.testing.assert_frame_equal(a, b)
    late = clv.summarize_transactions(log, start="2025-01-10", end="2025-02-28")
    assert late.loc["a"].tolist() == [0.0, 0.0, 44.0]
    # an end with a time of day is an instant: the 10:00 purchase on 01-08 is kept
    t = clv.summarize_transactions(log, end="2025-01-08 10:00")
    assert list(t.index) == ["a", "b"]
    tz = log.assign(timestamp=log["timestamp"].dt.tz_localize("Europe/Berlin"))
    pd.testing.assert_frame_equal(clv.summarize_transactions(tz, end="2025-02-28"),
                                  clv.summarize_transactions(log, end="2025-02-28"))


@pytest.mark.parametrize(("change", "error", "message"), [
    (lambda d: d.drop(columns="timestamp"), ValueError, "column 'timestamp' not found"),
    (lambda d: d.iloc[:0], ValueError, "df is empty"),
    (lambda d: d.assign(timestamp=d["timestamp"].astype(str)), TypeError,
     "column 'timestamp' must hold datetimes"),
    (lambda d: d.assign(timestamp=d["timestamp"].where(d.index != 2)), ValueError,
     "missing times (NaT)"),
    (lambda d: d.assign(customer_id=d["customer_id"].where(d.index != 2)), ValueError,
     "missing customer ids"),
    (lambda d: d.assign(amount=d["amount"].astype(str)), TypeError, "amount must be numeric"),
    (lambda d: d.assign(amount=d["amount"].where(d.index != 1)), ValueError,
     "amount has 1 missing"),
])
def test_summary_rejects_bad_logs(log, change, error, message):
    with pytest.raises(error, match=re.escape(message)):
        clv.summarize_transactions(change(log), value_col="amount")


def test_summary_rejects_bad_arguments(log):
    with pytest.raises(ValueError, match="before the first transaction"):
        clv.summarize_transactions(log, end="2024-12-31")
    with pytest.raises(ValueError, match=re.escape("freq must be one of 'D' (days)")):
        clv.summarize_transactions(log, freq="Q")
    with pytest.raises(TypeError, match="end must be a date"):
        clv.summarize_transactions(log, end=20250101)
    with pytest.raises(ValueError, match="end must be a date like"):
        clv.summarize_transactions(log, end="someday")
    with pytest.raises(ValueError, match="start .* must be before end"):
        clv.summarize_transactions(log, start="2025-03-01", end="2025-02-01")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        clv.summarize_transactions(log.to_dict())


def test_calibration_holdout_split(log):
    t = clv.calibration_holdout_split(log, value_col="amount", calibration_end="2025-01-31",
                                      end="2025-03-09", freq="D")
    assert list(t.index) == ["a", "b"]          # c first bought after calibration
    assert list(t.columns) == ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
                               "frequency_holdout", "monetary_value_holdout",
                               "duration_holdout"]
    assert t.loc["a", "frequency_holdout"] == 1 and t.loc["a", "monetary_value_holdout"] == 100
    assert t.loc["b", "frequency_holdout"] == 1 and t.loc["b", "monetary_value_holdout"] == 8
    assert (t["duration_holdout"] == 37).all()
    cal = clv.summarize_transactions(log, value_col="amount", end="2025-01-31")
    np.testing.assert_array_equal(t["frequency_cal"], cal["frequency"])
    with pytest.raises(ValueError, match="must be after calibration_end"):
        clv.calibration_holdout_split(log, calibration_end="2025-03-01", end="2025-02-01")


# ---------------------------------------------------------------------------------------
# RFM arrays given to the models
# ---------------------------------------------------------------------------------------
GOOD = {"frequency": [0, 2, 1], "recency": [0, 5.0, 3.0], "T": [10, 10, 12.0]}


@pytest.mark.parametrize(("change", "error", "message"), [
    ({"frequency": [0, -1, 1]}, ValueError, "frequency must be >= 0"),
    ({"frequency": [0, 1.5, 1]}, ValueError, "non-integer values, e.g. 1.5"),
    ({"frequency": [0, 0, 0]}, ValueError, "every customer has frequency == 0"),
    ({"frequency": [0, np.nan, 1]}, ValueError, "frequency has 1 missing or infinite"),
    ({"frequency": ["0", "2", "1"]}, TypeError, "frequency must be numeric"),
    ({"recency": [0, 11.0, 3.0]}, ValueError, "recency is larger than T for 1 customer"),
    ({"recency": [1.0, 5.0, 3.0]}, ValueError, "recency must be 0 when frequency == 0"),
    ({"recency": [0, -5.0, 3.0]}, ValueError, "recency must be >= 0"),
    ({"T": [10, -1, 12.0]}, ValueError, "T (age since first purchase) must be >= 0"),
    ({"T": [10, 10]}, ValueError, "T has 2 values but frequency has 3"),
    ({"frequency": []}, ValueError, "frequency is empty"),
])
@pytest.mark.parametrize("Model", [clv.BetaGeo, clv.ParetoNBD])
def test_models_reject_bad_rfm(Model, change, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Model(**{**GOOD, **change})


def test_other_models_reject_bad_input():
    with pytest.raises(ValueError, match="monetary_value must be > 0"):
        clv.GammaGamma([1, 2], [10.0, -3.0])
    with pytest.raises(ValueError, match="every customer has frequency == 0"):
        clv.GammaGamma([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="must not increase"):
        clv.ShiftedBetaGeometric.from_survivors([100, 80, 90])
    with pytest.raises(ValueError, match="at least two counts"):
        clv.ShiftedBetaGeometric.from_survivors([100])
    with pytest.raises(ValueError, match="no customer has churned"):
        clv.ShiftedBetaGeometric.from_durations([3, 4], [True, True])
    with pytest.raises(ValueError, match="duration must be >= 1"):
        clv.ShiftedBetaGeometric.from_durations([0, 4], [False, True])
    with pytest.raises(ValueError, match="weights must be non-negative whole numbers"):
        clv.BetaGeo(**GOOD, weights=[1, 0.5, 2])
    with pytest.raises(ValueError, match="params .* must all be positive"):
        clv.BetaGeo(**GOOD).loglike([1, 1, -1, 1])


# ---------------------------------------------------------------------------------------
# fitting control: retries, warnings, errors
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sim():
    return clv.simulate_bgnbd(4000, 40, r=0.4, alpha=6, a=0.9, b=2.8, random_state=3)


def test_retry_warns_and_failure_raises(sim, monkeypatch):
    model = clv.BetaGeo(sim["frequency"], sim["recency"], sim["T"])
    real = LikelihoodModel._lbfgsb
    calls = {"n": 0}

    def first_fails(self, x0, maxiter):
        calls["n"] += 1
        res = real(self, x0, maxiter)
        if calls["n"] == 1:
            res.x = x0          # pretend the first run went nowhere
            res.fun = self._objective(x0)[0]
        return res

    monkeypatch.setattr(LikelihoodModel, "_lbfgsb", first_fails)
    with pytest.warns(clv.ConvergenceWarning, match="converged only on a retry"):
        res = model.fit()
    assert res.converged and len(res.mle_retvals["attempts"]) == 2

    def never(self, x0, maxiter):
        res = real(self, x0, maxiter)
        res.fun = np.inf
        return res

    monkeypatch.setattr(LikelihoodModel, "_lbfgsb", never)
    with pytest.raises(clv.ConvergenceError, match="BetaGeo did not converge .*Nelder-Mead"):
        model.fit()
    assert issubclass(clv.ConvergenceError, RuntimeError)


def test_unidentified_parameters_are_reported_not_silent():
    """No churn in the data: BG/NBD's a -> 0, b -> inf; NaN bse come with a warning."""
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 52, 5000)
    x = rng.poisson(rng.gamma(0.5, 1 / 5, 5000) * T)
    tx = np.where(x > 0, T * rng.random(5000) ** (1 / np.maximum(x, 1)), 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = clv.BetaGeo(x, tx, T).fit()
    assert res.params["b"] / res.params["a"] > 1e3      # drop-out probability ~ 0
    if res.bse.isna().any():
        assert any("standard errors are not available" in str(w.message) for w in caught)
        assert any("standard errors are not available" in n for n in res.notes)
        assert "not available" in str(res.summary())


def test_results_pickle(sim):
    import pickle

    bg = clv.BetaGeo(sim["frequency"], sim["recency"], sim["T"]).fit()
    back = pickle.loads(pickle.dumps(bg))
    pd.testing.assert_series_equal(back.params, bg.params)
    assert back.p_alive(2, 10.0, 30.0) == bg.p_alive(2, 10.0, 30.0)


def test_start_params_are_used(sim):
    model = clv.BetaGeo(sim["frequency"], sim["recency"], sim["T"])
    a = model.fit()
    b = model.fit(start_params=pd.Series({"b": 2.0, "a": 1.0, "alpha": 5.0, "r": 0.5}))
    np.testing.assert_allclose(a.params, b.params, rtol=1e-4)
    with pytest.raises(ValueError, match="params must hold 4 values"):
        model.fit(start_params=[1, 2])


# ---------------------------------------------------------------------------------------
# customer lifetime value
# ---------------------------------------------------------------------------------------
def test_clv_equals_a_plain_loop(sim):
    bg = clv.BetaGeo(sim["frequency"], sim["recency"], sim["T"]).fit()
    rng = np.random.default_rng(1)
    x = sim["frequency"].to_numpy()
    data = sim.assign(monetary_value=np.where(x > 0, rng.gamma(5, 4, len(sim)), 0.0))
    gg = clv.GammaGamma(data["frequency"], data["monetary_value"]).fit()
    value = clv.customer_lifetime_value(bg, gg, data, horizon=6, discount_rate=0.02,
                                        period=4.0)
    assert value.name == "clv" and value.index.equals(data.index)
    few = data.iloc[:25]
    spend = gg.expected_spend(few["frequency"], few["monetary_value"]).to_numpy()
    for i, (_, row) in enumerate(few.iterrows()):
        total = 0.0
        for k in range(1, 7):
            ahead = bg.expected_purchases(4.0 * k, row["frequency"], row["recency"], row["T"])
            before = bg.expected_purchases(4.0 * (k - 1), row["frequency"], row["recency"],
                                           row["T"])
            total += spend[i] * (ahead - before) / 1.02 ** k
        assert value.iloc[i] == pytest.approx(total, rel=1e-10)


def test_clv_period_names_and_errors(sim):
    bg = clv.BetaGeo(sim["frequency"], sim["recency"], sim["T"]).fit()
    weekly = sim.copy()
    weekly.attrs["freq"] = "W"
    by_name = clv.customer_lifetime_value(bg, 1.0, weekly, horizon=3, period="M")
    by_len = clv.customer_lifetime_value(bg, 1.0, weekly, horizon=3, period=365.25 / 12 / 7)
    pd.testing.assert_series_equal(by_name, by_len)
    pn = clv.ParetoNBD(sim["frequency"], sim["recency"], sim["T"]).fit()
    assert np.all(np.isfinite(clv.customer_lifetime_value(pn, 1.0, weekly, horizon=3)))
    with pytest.raises(ValueError, match=r"needs data.attrs\['freq'\]"):
        clv.customer_lifetime_value(bg, 1.0, sim.copy(), period="M")
    with pytest.raises(ValueError, match="horizon must be a whole number"):
        clv.customer_lifetime_value(bg, 1.0, sim, horizon=0)
    with pytest.raises(TypeError, match="transaction_model must be a fitted"):
        clv.customer_lifetime_value(clv.BetaGeo(sim["frequency"], sim["recency"], sim["T"]),
                                    1.0, sim)
    rng = np.random.default_rng(2)
    x = rng.integers(1, 6, 500)
    gg = clv.GammaGamma(x, rng.gamma(6 * x, 1 / rng.gamma(4, 1 / 15, 500)) / x).fit()
    with pytest.raises(ValueError, match="column 'monetary_value' not found"):
        clv.customer_lifetime_value(bg, gg, sim)


def test_predictions_keep_the_index_and_validate(sim):
    bg = clv.BetaGeo(sim["frequency"], sim["recency"], sim["T"]).fit()
    s = sim.set_index(sim.index + 100)
    out = bg.expected_purchases(10, s["frequency"], s["recency"], s["T"])
    assert isinstance(out, pd.Series) and out.index.equals(s.index)
    assert isinstance(bg.p_alive(1, 2.0, 5.0), float)
    with pytest.raises(ValueError, match="recency is larger than T"):
        bg.p_alive([1, 2], [3.0, 9.0], [5.0, 5.0])
    with pytest.raises(ValueError, match="t must be >= 0"):
        bg.expected_purchases(-1, 1, 2.0, 5.0)
    probs = bg.probability_of_n_purchases(20, np.arange(400))
    assert probs.sum() == pytest.approx(1.0, abs=1e-8) and np.all(probs >= 0)
