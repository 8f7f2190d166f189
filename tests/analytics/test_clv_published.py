"""The CLV models reproduce published estimates and lifetimes' predictions on CDNOW.

The CDNOW sample (2,357 customers who first bought in Q1 1997; 39-week calibration,
weekly time) ships inside the PyPI package ``lifetimes`` (a test dependency); the tests
read its data files from the installed package without importing lifetimes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes_data import lifetimes_file as _lifetimes_file

from crmlab.analytics import clv


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(_lifetimes_file("cdnow_customers_summary.csv"), index_col=0)


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    return pd.read_csv(_lifetimes_file("cdnow_customers_summary_with_transactions.csv"),
                       index_col=0)


@pytest.fixture(scope="module")
def cdnow_log() -> pd.DataFrame:
    log = pd.read_csv(_lifetimes_file("CDNOW_sample.txt"), sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"],
                      dtype={"date": str})
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    return log


@pytest.fixture(scope="module")
def bg(cdnow):
    return clv.BetaGeo(cdnow["frequency"], cdnow["recency"], cdnow["T"]).fit()


@pytest.fixture(scope="module")
def pn(cdnow):
    return clv.ParetoNBD(cdnow["frequency"], cdnow["recency"], cdnow["T"]).fit()


def test_bgnbd_matches_fader_hardie_lee_2005(bg):
    """BG/NBD on CDNOW: r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4.

    Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing
    Science 24(2), section 4 (2,357 customers, 39-week calibration).
    """
    np.testing.assert_allclose(bg.params[["r", "alpha", "a", "b"]],
                               [0.243, 4.414, 0.793, 2.426], atol=6e-4)
    assert bg.llf == pytest.approx(-9582.4, abs=0.05)
    assert bg.nobs == 2357 and bg.converged
    assert bg.n_unique < bg.nobs


def test_pareto_nbd_matches_published(pn):
    """Pareto/NBD on CDNOW: r=0.553, alpha=10.578, s=0.606, beta=11.669, LL=-9595.0.

    Fader, Hardie & Lee (2005), Marketing Science 24(2), and Fader & Hardie (2005),
    "A note on deriving the Pareto/NBD model and related expressions". Standard errors
    as reported by CLVTools' correctness tests (r 0.0476, alpha 0.8427, s 0.1873,
    beta 6.2105).
    """
    # published values are rounded to 3 decimals; beta's likelihood is very flat (se 6.2)
    err = np.abs(pn.params[["r", "alpha", "s", "beta"]] - [0.553, 10.578, 0.606, 11.669])
    assert np.all(err <= [6e-4, 6e-4, 6e-4, 2e-3]), err
    assert pn.llf == pytest.approx(-9595.0, abs=0.05)
    np.testing.assert_allclose(pn.bse, [0.0476264, 0.8427222, 0.1872594, 6.2105448],
                               rtol=2e-3)


def test_gamma_gamma_matches_rfm_and_clv_paper(cdnow_spend):
    """Gamma-Gamma on the 946 CDNOW repeat buyers: p=6.25, q=3.74, gamma=15.44.

    Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
    analysis", Journal of Marketing Research 42(4); Fader & Hardie (2013) note 025.
    """
    gg = clv.GammaGamma(cdnow_spend["x"], cdnow_spend["zbar"]).fit()
    assert gg.nobs == 946
    np.testing.assert_allclose(gg.params[["p", "q", "gamma"]], [6.25, 3.74, 15.44],
                               atol=0.011)
    p, q, g = gg.params
    assert gg.expected_spend(0, 0) == pytest.approx(p * g / (q - 1))


@pytest.mark.parametrize(("survivors", "expected"), [
    ([1000, 869, 743, 653, 593, 551, 517, 491], [0.668, 3.806]),
    ([1000, 631, 468, 382, 326, 289, 262, 241], [0.704, 1.182]),
])
def test_sbg_matches_fader_hardie_2007(survivors, expected):
    """sBG on the "regular" and "high end" cohorts: (0.668, 3.806) and (0.704, 1.182).

    Fader & Hardie (2007), "How to project customer retention", Journal of Interactive
    Marketing 21(1), fitted to years 1-7.
    """
    sbg = clv.ShiftedBetaGeometric.from_survivors(survivors).fit()
    np.testing.assert_allclose(sbg.params[["alpha", "beta"]], expected, atol=6e-4)
    fitted = 1000 * sbg.survival(np.arange(len(survivors)))
    np.testing.assert_allclose(fitted, survivors, rtol=0.05)
    r = sbg.retention_rate(np.arange(1, 8))
    assert np.all(np.diff(r) > 0)


def test_sbg_from_durations_equals_from_survivors():
    survivors = np.array([1000, 869, 743, 653, 593, 551, 517, 491])
    lost = -np.diff(survivors)
    durations = np.r_[np.repeat(np.arange(1, 8), lost), np.full(survivors[-1], 7)]
    censored = np.r_[np.zeros(lost.sum(), bool), np.ones(survivors[-1], bool)]
    a = clv.ShiftedBetaGeometric.from_durations(durations, censored).fit()
    b = clv.ShiftedBetaGeometric.from_survivors(survivors).fit()
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6)
    assert a.llf == pytest.approx(b.llf, rel=1e-10)


def test_sbg_derl_equals_its_definition():
    """DERL (Fader & Hardie 2010, eq. 6) against a brute-force discounted sum."""
    sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653, 593, 551, 517, 491]).fit()
    d = 0.1
    for renewals in (0, 1, 4):
        n = renewals + 1
        t = np.arange(n, 5000)
        brute = np.sum(sbg.survival(t) / sbg.survival(n - 1) / (1 + d) ** (t - n))
        assert sbg.discounted_expected_residual_lifetime(d, renewals) == pytest.approx(
            brute, rel=1e-9)


def test_summary_reproduces_the_published_cdnow_table(cdnow_log, cdnow, cdnow_spend):
    """Daily periods up to 1997-09-30 give the published 39-week summary (in days / 7)."""
    s = clv.summarize_transactions(cdnow_log, customer_col="customer_id", time_col="date",
                                   value_col="amount", end="1997-09-30", freq="D")
    assert len(s) == 2357 and s.index.name == "customer_id"
    np.testing.assert_array_equal(s["frequency"].to_numpy(), cdnow["frequency"].to_numpy())
    np.testing.assert_allclose(s["recency"] / 7, cdnow["recency"], atol=0.0051)
    np.testing.assert_allclose(s["T"] / 7, cdnow["T"], atol=0.0051)
    np.testing.assert_allclose(s["monetary_value"], cdnow_spend["zbar"], atol=0.0051)


def test_summary_matches_lifetimes_weekly(cdnow_log):
    """Weekly periods, end on a Sunday: the same table as lifetimes (which also keeps
    transactions after `end` in the end week; crmlab drops them)."""
    utils = pytest.importorskip("lifetimes.utils")
    ours = clv.summarize_transactions(cdnow_log, customer_col="customer_id", time_col="date",
                                      value_col="amount", end="1997-09-28", freq="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = utils.summary_data_from_transaction_data(
            cdnow_log, "customer_id", "date", monetary_value_col="amount",
            observation_period_end="1997-09-28", freq="W").sort_index()
    np.testing.assert_allclose(ours[["frequency", "recency", "T", "monetary_value"]],
                               theirs[["frequency", "recency", "T", "monetary_value"]],
                               atol=1e-9)


def test_predictions_match_lifetimes(cdnow, bg, pn):
    """Conditional expectations, P(alive), P(X(t)=n) agree with lifetimes on CDNOW."""
    lt = pytest.importorskip("lifetimes")
    x, tx, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lbg = lt.BetaGeoFitter()
        lbg.params_ = bg.params.copy()
        lpn = lt.ParetoNBDFitter()
        lpn.params_ = pn.params.copy()
        for ours, theirs in ((bg, lbg), (pn, lpn)):
            np.testing.assert_allclose(
                ours.expected_purchases(10, x, tx, T),
                theirs.conditional_expected_number_of_purchases_up_to_time(10, x, tx, T),
                rtol=1e-8)
            np.testing.assert_allclose(
                ours.p_alive(x, tx, T), theirs.conditional_probability_alive(x, tx, T),
                rtol=1e-8)
            np.testing.assert_allclose(
                ours.expected_purchases_new_customer(np.array([1.0, 10, 52])),
                theirs.expected_number_of_purchases_up_to_time(np.array([1.0, 10, 52])),
                rtol=1e-8)
        n = np.arange(6)
        np.testing.assert_allclose(bg.probability_of_n_purchases(39, n),
                                   [lbg.probability_of_n_purchases_up_to_time(39, k)
                                    for k in n], rtol=1e-8)


def test_results_surface(bg):
    """statsmodels-style surface: named params, bse, intervals, summary, repr."""
    assert list(bg.params.index) == ["r", "alpha", "a", "b"]
    assert list(bg.bse.index) == list(bg.params.index) and np.all(bg.bse > 0)
    assert bg.aic == pytest.approx(8 - 2 * bg.llf)
    assert bg.bic == pytest.approx(4 * np.log(2357) - 2 * bg.llf)
    ci90, ci95 = bg.conf_int(0.10), bg.conf_int()
    assert np.all(ci95["lower"] < ci90["lower"]) and np.all(ci90["upper"] < ci95["upper"])
    assert np.all(ci95["lower"] > 0)
    text = str(bg.summary())
    for word in ("BetaGeo results", "Log-likelihood", "-9582.4", "alpha", "std err"):
        assert word in text
    assert "<table" in bg.summary()._repr_html_()
    assert repr(bg).startswith("<crmlab BetaGeoResults: 2,357 customers, r=0.2426")
    assert bg.cov_params().shape == (4, 4)
    assert bg.mle_retvals["converged"]
