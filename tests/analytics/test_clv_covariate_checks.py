"""Uncertainty and diagnostics for models with covariates (issue 16, items 3 and 4).

Intervals with covariates are checked for coverage on small simulated populations; each
diagnostic with zero coefficients must give the numbers of the model without covariates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import clv
from crmlab.analytics.clv import diagnostics, uncertainty

TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
GAMMA = {"purchase:x": 0.5, "dropout:z": 0.4}
START = pd.Timestamp("2025-01-06")  # a Monday
CAL_END = START + pd.Timedelta(weeks=39) - pd.Timedelta(days=1)
END = START + pd.Timedelta(weeks=78) - pd.Timedelta(days=1)


def _population(n: int, rng: np.random.Generator):
    """BG/NBD customers with alpha_i = alpha e^(-0.5 x), (a_i, b_i) = (a, b) e^(0.4 z)."""
    ids = pd.Index([f"C{i:05d}" for i in range(n)], name="customer_id")
    X = pd.DataFrame({"x": rng.normal(size=n)}, index=ids)
    Z = pd.DataFrame({"z": rng.normal(size=n)}, index=ids)
    life = np.exp(GAMMA["dropout:z"] * Z["z"].to_numpy())
    d = clv.simulate_bgnbd(n, rng.integers(26, 53, n), r=TRUTH["r"],
                           alpha=TRUTH["alpha"] * np.exp(-GAMMA["purchase:x"] * X["x"]
                                                         .to_numpy()),
                           a=TRUTH["a"] * life, b=TRUTH["b"] * life, random_state=rng)
    d.index = ids
    return d, X, Z


def _fit(d, X, Z):
    return clv.BetaGeo(d["frequency"], d["recency"], d["T"], purchase_covariates=X,
                       dropout_covariates=Z).fit()


# customers to predict for: histories and covariates of their own
HIST = (np.array([1, 2, 5, 8, 3.0]), np.array([10, 30, 35, 20, 5.0]), np.full(5, 40.0))
HX = pd.DataFrame({"x": [-1.0, 0.0, 1.5, 0.5, -0.3]})
HZ = pd.DataFrame({"z": [0.8, -1.2, 0.0, 1.0, -0.5]})


def test_covariate_intervals_cover_the_true_prediction():
    """24 populations of 2,000 customers: how often the 95 % intervals (delta method and
    asymptotic draws, coefficients included) hold each customer's true prediction."""
    true = clv.BetaGeo.from_params(**TRUTH, **GAMMA)
    cov = {"purchase_covariates": HX, "dropout_covariates": HZ}
    want = {"p_alive": (true.p_alive(*HIST, **cov), HIST),
            "expected_purchases": (true.expected_purchases(26, *HIST, **cov), (26, *HIST))}
    rng = np.random.default_rng(2027)
    hits: dict[str, list[bool]] = {"delta": [], "asymptotic": []}
    for rep in range(24):
        bg = _fit(*_population(2000, rng))
        draws = uncertainty.parameter_draws(bg, 150, method="asymptotic", random_state=rep)
        assert list(draws.columns) == list(bg.params.index)
        for method, (truth, args) in want.items():
            for kind, iv in (("delta", uncertainty.delta_interval(bg, method, *args, **cov)),
                             ("asymptotic", uncertainty.prediction_interval(
                                 bg, method, *args, draws=draws, **cov))):
                hits[kind] += list((iv["lower"] <= truth) & (truth <= iv["upper"]))
    for kind, h in hits.items():
        assert 0.88 <= np.mean(h) <= 0.99, (kind, np.mean(h))


@pytest.fixture(scope="module")
def cov_fit():
    d, X, Z = _population(3000, np.random.default_rng(5))
    return d, X, Z, _fit(d, X, Z)


def test_covariate_bootstrap_refits_resampled_customers_with_their_covariates(cov_fit):
    d, X, Z, bg = cov_fit
    draws = uncertainty.parameter_draws(bg, 40, random_state=3)
    assert draws.shape == (40, 6) and draws.attrs["failed"] == 0
    ratio = draws.std() / bg.bse          # the refits spread by about a standard error
    assert ((ratio > 0.6) & (ratio < 1.6)).all(), ratio
    # the first draw is the maximum-likelihood fit on its resample, covariates included
    m = bg.model
    rng = np.random.default_rng(3)
    counts = rng.multinomial(m.nobs, m.weights / m.weights.sum(), 40)
    cols = m._cov_rows
    again = clv.BetaGeo(m.frequency, m.recency, m.T, weights=counts[0],
                        purchase_covariates=pd.DataFrame(cols["purchase"], columns=["x"]),
                        dropout_covariates=pd.DataFrame(cols["dropout"], columns=["z"])).fit()
    np.testing.assert_allclose(draws.iloc[0], again.params, rtol=2e-3, atol=1e-4)
    # intervals of the fitted customers find their covariates by index
    some = d.head(20)
    args = (some["frequency"], some["recency"], some["T"])
    for method, a in (("p_alive", args), ("expected_purchases", (10, *args))):
        iv = uncertainty.prediction_interval(bg, method, *a, draws=draws)
        assert iv.index.equals(some.index)
        np.testing.assert_allclose(iv["estimate"], getattr(bg, method)(*a))
        assert ((iv["lower"] <= iv["estimate"]) & (iv["estimate"] <= iv["upper"])).all()
    iv = uncertainty.clv_interval(bg, 10.0, some, draws=draws, horizon=6)
    np.testing.assert_allclose(iv["estimate"],
                               clv.customer_lifetime_value(bg, 10.0, some, horizon=6))
    assert (iv["upper"] > iv["lower"]).all()
    # customers not in the fit need their covariates
    with pytest.raises(ValueError, match="pass purchase_covariates="):
        uncertainty.delta_interval(bg, "p_alive", *HIST)


# -- diagnostics ---------------------------------------------------------------------------

def _log(n: int, seed: int, x: np.ndarray | None = None) -> pd.DataFrame:
    """A BG/NBD transaction log, purchase by purchase, first purchases over 12 weeks;
    ``x`` scales each customer's purchase rate by ``exp(0.5 x)``."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 12 * 7, n).astype(float)          # days
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n) / 7     # per day
    if x is not None:
        lam = lam * np.exp(GAMMA["purchase:x"] * x)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    ids, days = [np.arange(n)], [first]
    now = first.copy()
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1 / lam[idx])
        inside = now[idx] < 78 * 7
        buy = idx[inside]
        ids.append(buy)
        days.append(now[buy])
        active[idx[~inside]] = False
        active[buy[rng.random(buy.size) < p[buy]]] = False
    day = np.floor(np.concatenate(days))
    return pd.DataFrame({"customer_id": np.concatenate(ids),
                         "timestamp": START + pd.to_timedelta(day, "D")})


@pytest.fixture(scope="module")
def plain():
    """A plain BG/NBD fit and the same parameters with zero coefficients."""
    log = _log(3000, 11)
    cal = clv.summarize_transactions(log, end=CAL_END, freq="D")
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"x": rng.normal(size=len(cal))}, index=cal.index)
    Z = pd.DataFrame({"z": rng.normal(size=len(cal))}, index=cal.index)
    half = cal.iloc[: len(cal) // 2]
    bg = clv.BetaGeo(half["frequency"], half["recency"], half["T"]).fit()
    zero = clv.BetaGeo.from_params(**bg.params, **{"purchase:x": 0.0, "dropout:z": 0.0})
    return log, cal, X, Z, bg, zero


def test_each_diagnostic_with_zero_coefficients_is_the_plain_models(plain):
    log, cal, X, Z, bg, zero = plain
    cov = {"purchase_covariates": X, "dropout_covariates": Z}
    a = diagnostics.tracking(bg, log, calibration_end=CAL_END, end=END, freq="D")
    b = diagnostics.tracking(zero, log, calibration_end=CAL_END, end=END, freq="D", **cov)
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)
    assert b.attrs["holdout_error"] == pytest.approx(a.attrs["holdout_error"], rel=1e-9)
    table = clv.calibration_holdout_split(log, calibration_end=CAL_END, end=END, freq="D")
    a = diagnostics.conditional_expectations(bg, table)
    b = diagnostics.conditional_expectations(zero, table, **cov)
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)
    rest = cal.iloc[len(cal) // 2:]
    a = diagnostics.holdout_loglike(bg, rest["frequency"], rest["recency"], rest["T"])
    with_cov = clv.BetaGeo(*(cal.iloc[: len(cal) // 2][c] for c in ("frequency", "recency",
                                                                      "T")),
                           purchase_covariates=X.iloc[: len(cal) // 2],
                           dropout_covariates=Z.iloc[: len(cal) // 2])
    fitted_zero = with_cov._results_class()(with_cov, zero.params.to_numpy(),
                                            attempts=[{"step": "test", "iterations": 0,
                                                       "message": ""}])
    b = diagnostics.holdout_loglike(fitted_zero, rest["frequency"], rest["recency"],
                                    rest["T"], purchase_covariates=X.loc[rest.index],
                                    dropout_covariates=Z.loc[rest.index])
    pd.testing.assert_series_equal(a, b, rtol=1e-10)
    times = [0, 2.5, 4, 4.2, 10]
    a = diagnostics.p_alive_history(bg, times, end=30)
    b = diagnostics.p_alive_history(zero, times, end=30, customer=cal.index[7], **cov)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    c = diagnostics.p_alive_history(zero, times, end=30,
                                    purchase_covariates=X.iloc[[7]],
                                    dropout_covariates=Z.iloc[[7]])
    pd.testing.assert_frame_equal(a, c, rtol=1e-12)


@pytest.mark.parametrize("model", [clv.ParetoNBD, clv.BetaGeo])
def test_per_customer_predictions_with_zero_coefficients_are_the_plain_models(plain, model):
    log, cal, X, Z, _, _ = plain
    fit = model(cal["frequency"], cal["recency"], cal["T"]).fit()
    zero = model.from_params(**fit.params, **{"purchase:x": 0.0, "dropout:z": 0.0})
    cov = {"purchase_covariates": X, "dropout_covariates": Z}
    table = clv.calibration_holdout_split(log, calibration_end=CAL_END, end=END, freq="D")
    pd.testing.assert_frame_equal(diagnostics.conditional_expectations(fit, table),
                                  diagnostics.conditional_expectations(zero, table, **cov),
                                  rtol=1e-10)
    pd.testing.assert_frame_equal(
        diagnostics.p_alive_history(fit, [0, 3, 9], end=20),
        diagnostics.p_alive_history(zero, [0, 3, 9], end=20, customer=cal.index[0], **cov),
        rtol=1e-12)


def test_diagnostics_of_a_fitted_covariate_model_follow_its_customers():
    """Purchase rates that follow a covariate: the model with it tracks the holdout, and
    its conditional expectations are closer to the actual than those without it."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=4000)
    log = _log(4000, 9, x)
    X = pd.DataFrame({"x": x}, index=pd.RangeIndex(4000, name="customer_id"))
    cal = clv.summarize_transactions(log, end=CAL_END, freq="D")
    bg = clv.BetaGeo(cal["frequency"], cal["recency"], cal["T"],
                     purchase_covariates=X.loc[cal.index]).fit()
    assert bg.params["purchase:x"] == pytest.approx(0.5, abs=0.1)
    tr = diagnostics.tracking(bg, log, calibration_end=CAL_END, end=END, freq="D")
    assert abs(tr.attrs["holdout_error"]) < 0.05
    table = clv.calibration_holdout_split(log, calibration_end=CAL_END, end=END, freq="D")
    ce = diagnostics.conditional_expectations(bg, table)
    plain = clv.BetaGeo(cal["frequency"], cal["recency"], cal["T"]).fit()
    assert ce.attrs["mean_absolute_error"] < 0.15
    h = diagnostics.p_alive_history(bg, [0, 3, 9], end=20, customer=cal.index[0])
    assert h["p_alive"].between(0, 1).all()
    with pytest.raises(ValueError, match="name the customer"):
        diagnostics.p_alive_history(bg, [0, 3, 9], end=20)
    with pytest.raises(ValueError, match="pass purchase_covariates= for the holdout"):
        diagnostics.holdout_loglike(bg, cal["frequency"], cal["recency"], cal["T"])
    ho = diagnostics.holdout_loglike(bg, cal["frequency"], cal["recency"], cal["T"],
                                     purchase_covariates=X.loc[cal.index])
    assert ho["holdout_per_customer"] == pytest.approx(ho["fit_per_customer"], rel=1e-12)
    assert ho["holdout_loglike"] > plain.llf      # the covariate explains purchases
    with pytest.raises(ValueError, match="repeat_histogram is not available"):
        diagnostics.repeat_histogram(bg, cal["frequency"], cal["T"])
    with pytest.raises(ValueError, match="has no covariates"):
        diagnostics.conditional_expectations(plain, table, purchase_covariates=X)
