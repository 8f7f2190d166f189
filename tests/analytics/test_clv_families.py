"""BG/BB and MBG/NBD: published results, lifetimes' predictions, gradients, recovery."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes_data import lifetimes_file as _lifetimes_file

from crmlab.analytics import clv


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    """Fader, Hardie & Shang (2010): 11,104 first-time supporters, six yearly chances."""
    return pd.read_csv(_lifetimes_file("donations.csv"))


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(_lifetimes_file("cdnow_customers_summary.csv"), index_col=0)


def _lifetimes():
    lifetimes = pytest.importorskip("lifetimes")
    warnings.filterwarnings("ignore", module="lifetimes")
    return lifetimes


def _numeric_score(model, p: np.ndarray) -> np.ndarray:
    eps = 1e-6 * p
    return np.array([(model.loglike(p + e) - model.loglike(p - e)) / (2 * e.sum())
                     for e in np.diag(eps)])


# -- BG/BB ---------------------------------------------------------------------------------
def test_bgbb_reproduces_the_published_donation_fit(donations):
    res = clv.BetaGeoBetaBinom(donations["frequency"], donations["recency"],
                               donations["periods"], weights=donations["weights"]).fit()
    # FHS 2010, Table 2: alpha 1.204, beta 0.750, gamma 0.657, delta 2.783; LL -33,225.6
    assert res.params.round(3).to_dict() == {"alpha": 1.204, "beta": 0.750, "gamma": 0.657,
                                             "delta": 2.783}
    assert res.llf == pytest.approx(-33225.6, abs=0.05)
    assert res.nobs == 11104 and res.n_unique == 22 and res.converged


def test_bgbb_predictions_match_lifetimes(donations):
    lifetimes = _lifetimes()
    f, r, n = donations["frequency"], donations["recency"], donations["periods"]
    lt = lifetimes.BetaGeoBetaBinomFitter().fit(f, r, n, weights=donations["weights"])
    ours = clv.BetaGeoBetaBinom.from_params(**lt.params_.to_dict())
    np.testing.assert_allclose(ours.p_alive(f, r, n),
                               lt.conditional_probability_alive(1, f, r, n), rtol=1e-10)
    for m in (1, 5, 10):
        np.testing.assert_allclose(
            ours.expected_purchases(m, f, r, n),
            lt.conditional_expected_number_of_purchases_up_to_time(m, f, r, n), rtol=1e-10)


def test_bgbb_gradient_is_the_likelihoods_derivative(donations):
    model = clv.BetaGeoBetaBinom(donations["frequency"], donations["recency"],
                                 donations["periods"], weights=donations["weights"])
    p = np.array([1.1, 0.8, 0.7, 2.5])
    np.testing.assert_allclose(model.score(p), _numeric_score(model, p), rtol=1e-6)


def test_bgbb_recovers_known_parameters():
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78}
    d = clv.simulate_bgbb(20_000, 8, **truth, random_state=3)
    res = clv.BetaGeoBetaBinom(d["frequency"], d["recency"], d["n_periods"]).fit()
    z = (res.params - pd.Series(truth)) / res.bse
    assert (z.abs() < 3).all(), z


def test_bgbb_new_customer_expectation_matches_simulated_customers():
    """The model's expected transactions in 10 opportunities is what simulated customers do."""
    d = clv.simulate_bgbb(30_000, 10, alpha=1.2, beta=0.75, gamma=0.66, delta=2.78,
                          random_state=5)
    model = clv.BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.78)
    assert d["frequency"].mean() == pytest.approx(
        float(model.expected_purchases_new_customer(10)), rel=0.03)


def test_bgbb_p_alive_and_forecast_have_the_expected_shape():
    m = clv.BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.78)
    assert m.p_alive(3, 6, 6) > m.p_alive(3, 4, 6) > m.p_alive(3, 3, 6)
    assert m.expected_purchases(0, 3, 6, 6) == 0.0
    assert m.expected_purchases_new_customer(0) == 0.0
    e = m.expected_purchases(np.arange(1, 6), 3, 6, 6)
    assert np.all(np.diff(e) > 0)
    s = m.p_alive(pd.Series([1, 6], index=["a", "b"]), pd.Series([1, 6], index=["a", "b"]), 6)
    assert list(s.index) == ["a", "b"] and s.name == "p_alive"


def test_bgbb_gamma_one_is_the_limit_of_its_neighbours():
    at = clv.BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=1.0, delta=2.78)
    near = clv.BetaGeoBetaBinom.from_params(alpha=1.2, beta=0.75, gamma=1 + 1e-7, delta=2.78)
    assert at.expected_purchases(5, 3, 6, 6) == pytest.approx(
        near.expected_purchases(5, 3, 6, 6), rel=1e-6)
    assert at.expected_purchases_new_customer(6) == pytest.approx(
        near.expected_purchases_new_customer(6), rel=1e-6)


@pytest.mark.parametrize(("x", "tx", "n", "match"), [
    ([2], [1], [6], "recency .* must be at least frequency"),
    ([1], [7], [6], "recency must be at most n_periods"),
    ([1], [1.5], [6], "recency must hold whole numbers"),
    ([1], [1], [6.5], "n_periods must hold whole numbers"),
    ([0], [2], [6], "recency must be 0 when frequency == 0"),
])
def test_bgbb_refuses_impossible_histories(x, tx, n, match):
    with pytest.raises(ValueError, match=match):
        clv.BetaGeoBetaBinom(x, tx, n)


# -- MBG/NBD -------------------------------------------------------------------------------
def test_mbgnbd_matches_lifetimes_on_cdnow(cdnow):
    lifetimes = _lifetimes()
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    lt = lifetimes.ModifiedBetaGeoFitter().fit(f, r, T)
    res = clv.ModifiedBetaGeo(f, r, T).fit()
    np.testing.assert_allclose(res.params.to_numpy(),
                               lt.params_[["r", "alpha", "a", "b"]].to_numpy(), rtol=1e-4)
    ours = clv.ModifiedBetaGeo.from_params(**lt.params_.to_dict())
    np.testing.assert_allclose(ours.p_alive(f, r, T),
                               lt.conditional_probability_alive(f, r, T), rtol=1e-10)
    np.testing.assert_allclose(
        ours.expected_purchases(39, f, r, T),
        lt.conditional_expected_number_of_purchases_up_to_time(39, f, r, T), rtol=1e-10)
    t = np.array([1.0, 10.0, 39.0, 78.0])
    np.testing.assert_allclose(ours.expected_purchases_new_customer(t),
                               lt.expected_number_of_purchases_up_to_time(t), rtol=1e-10)


def test_mbgnbd_gradient_is_the_likelihoods_derivative(cdnow):
    model = clv.ModifiedBetaGeo(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    p = np.array([0.5, 6.0, 0.9, 1.6])
    np.testing.assert_allclose(model.score(p), _numeric_score(model, p), rtol=1e-6)


def test_mbgnbd_recovers_known_parameters():
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    d = clv.simulate_mbgnbd(20_000, 52, **truth, random_state=3)
    res = clv.ModifiedBetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    z = (res.params - pd.Series(truth)) / res.bse
    assert (z.abs() < 3).all(), z


def test_mbgnbd_differs_from_bgnbd_where_the_papers_say():
    mbg = clv.ModifiedBetaGeo.from_params(r=0.25, alpha=4, a=0.8, b=2.5)
    bg = clv.BetaGeo.from_params(r=0.25, alpha=4, a=0.8, b=2.5)
    assert bg.p_alive(0, 0, 52) == 1.0 and mbg.p_alive(0, 0, 52) < 0.9
    assert mbg.p_alive(0, 0, 52) > mbg.p_alive(0, 0, 104)  # silence now counts
    # extreme histories stay finite
    assert np.isfinite(mbg.expected_purchases(52, 500, 51.9, 52))
    assert 0 < mbg.p_alive(500, 1.0, 52) < 1e-100 or mbg.p_alive(500, 1.0, 52) == 0.0
