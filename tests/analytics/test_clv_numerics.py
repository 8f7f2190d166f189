"""Numerical checks of the CLV likelihoods: gradients, log-space stability, weights.

The analytic gradients are compared with central finite differences; the Pareto/NBD
integral with adaptive quadrature (scipy.integrate.quad) in every regime
(alpha < beta, alpha > beta, alpha == beta, series and quadrature branches).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import gammaln

from crmlab.analytics import clv
from crmlab.analytics.clv._data import split_unique_x
from crmlab.analytics.clv._pnbd_numerics import log_G, log_I_quadrature, pnbd_log_integral
from crmlab.analytics.clv.beta_geo import _bgnbd_rows
from crmlab.analytics.clv.pareto_nbd import _pnbd_rows

RNG_SEED = 20240611


@pytest.fixture(scope="module")
def rfm():
    d = clv.simulate_bgnbd(3000, np.random.default_rng(RNG_SEED).uniform(20, 52, 3000).round(),
                           r=0.4, alpha=6.0, a=0.9, b=2.8, random_state=RNG_SEED)
    return d["frequency"].to_numpy(), d["recency"].to_numpy(), d["T"].to_numpy()


def _fd_grad(model, params, rel=1e-6):
    params = np.asarray(params, float)
    out = np.empty_like(params)
    for j in range(params.size):
        h = rel * params[j]
        up, dn = params.copy(), params.copy()
        up[j] += h
        dn[j] -= h
        out[j] = (model.loglike(up) - model.loglike(dn)) / (2 * h)
    return out


@pytest.mark.parametrize("params", [[0.4, 6.0, 0.9, 2.8], [2.0, 0.5, 3.0, 0.4],
                                    [0.05, 40.0, 0.2, 9.0]])
def test_bgnbd_gradient_matches_finite_differences(rfm, params):
    model = clv.BetaGeo(*rfm)
    np.testing.assert_allclose(model.score(params), _fd_grad(model, params), rtol=2e-5,
                               atol=1e-4)


@pytest.mark.parametrize("params", [
    [0.55, 10.6, 0.6, 11.7],   # alpha < beta, series
    [0.55, 11.7, 0.6, 10.6],   # alpha > beta, series
    [0.55, 8.0, 0.6, 8.0],     # alpha == beta
    [0.5, 40.0, 0.6, 2.0],     # alpha >> beta: quadrature branch
    [0.5, 2.0, 1.6, 40.0],     # alpha << beta: quadrature branch
    [3.0, 1.0, 0.3, 300.0],    # very different scales
])
def test_pareto_nbd_gradient_matches_finite_differences(rfm, params):
    model = clv.ParetoNBD(*rfm)
    np.testing.assert_allclose(model.score(params), _fd_grad(model, params), rtol=2e-5,
                               atol=1e-4)


def test_gamma_gamma_and_sbg_gradients():
    rng = np.random.default_rng(RNG_SEED)
    x = rng.integers(1, 12, 800).astype(float)
    m = rng.gamma(5 * x, 1 / rng.gamma(3, 1 / 20, 800)) / x
    gg = clv.GammaGamma(x, m)
    for p in ([5.0, 3.0, 20.0], [1.2, 8.0, 2.0]):
        np.testing.assert_allclose(gg.score(p), _fd_grad(gg, p), rtol=2e-5)
    sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 631, 468, 382, 326, 289, 262, 241])
    for p in ([0.7, 1.2], [3.0, 0.2]):
        np.testing.assert_allclose(sbg.score(p), _fd_grad(sbg, p), rtol=2e-5)


def _pnbd_ll_quad(r, alpha, s, beta, x, tx, T):
    """Pareto/NBD log-likelihood of one customer with the integral done by quad."""
    def f(u):
        return np.exp(-(r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u) + shift)
    shift = (r + x) * np.log(alpha + tx) + (s + 1) * np.log(beta + tx)
    integral, _ = integrate.quad(f, tx, T, epsabs=0, epsrel=1e-13, limit=200)
    log_i = np.log(integral) - shift if integral > 0 else -np.inf
    t1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.logaddexp(t1, np.log(s) + log_i))


@pytest.mark.parametrize("params", [
    (0.55, 10.6, 0.6, 11.7), (0.55, 11.7, 0.6, 10.6), (0.7, 5.0, 0.8, 5.0),
    (0.5, 40.0, 0.6, 2.0), (0.5, 2.0, 1.6, 40.0), (1.5, 300.0, 2.5, 0.05),
    (0.3, 0.01, 0.4, 50.0),
])
def test_pareto_nbd_likelihood_matches_quadrature(params):
    customers = [(0, 0, 39), (1, 2, 39), (5, 30.5, 38), (30, 38.9, 39), (2, 1, 400),
                 (120, 70, 78), (500, 90, 100), (7, 7.0, 7.0)]
    x, tx, T = (np.array(c, float) for c in zip(*customers, strict=True))
    model = clv.ParetoNBD(x, tx, T)
    ll_rows, _ = model._loglike_rows(np.array(params))
    ours = ll_rows[model._inverse]
    ref = [_pnbd_ll_quad(*params, *c) for c in customers]
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-9)


def test_pareto_nbd_series_and_quadrature_agree():
    """The two ways of computing log I give the same value and gradient where both work."""
    rng = np.random.default_rng(RNG_SEED)
    for A, B in ((12.0, 7.0), (12.0, 11.0), (30.0, 20.0)):
        P = rng.uniform(0.2, 40, 50)
        Q = rng.uniform(1.1, 3, 50)
        t0 = rng.uniform(0, 10, 50)
        t1 = t0 + rng.uniform(0.5, 60, 50)
        g1, d1 = log_G(A, B, np.r_[P, P], np.r_[Q, Q], np.r_[t0, t1])
        ratio = np.exp(g1[50:] - g1[:50])
        series = g1[:50] + np.log1p(-ratio)
        dseries = (d1[:50] - ratio[:, None] * d1[50:]) / (1 - ratio)[:, None]
        quad, dquad = log_I_quadrature(A, B, P, Q, t0, t1)
        np.testing.assert_allclose(series, quad, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dseries, dquad, rtol=1e-9, atol=1e-10)


def test_pareto_nbd_continuous_across_alpha_equals_beta(rfm):
    model = clv.ParetoNBD(*rfm)
    base = model.loglike([0.6, 9.0, 0.7, 9.0])
    for eps in (1e-12, 1e-9, 1e-6):
        for sign in (-1, 1):
            assert model.loglike([0.6, 9.0, 0.7, 9.0 * (1 + sign * eps)]) == pytest.approx(
                base, abs=20 * eps * abs(base) + 1e-9)


EXTREME = dict(frequency=np.array([0, 500, 800, 1200, 3, 500]),
               recency=np.array([0, 60, 2.0, 100, 1.0, 999.0]),
               T=np.array([5000, 5000, 5000, 100, 10000, 1000.0]))


def test_extreme_customers_are_finite():
    """x >= 500 and T >> recency: finite likelihood, P(alive), forecasts (lifetimes #25, #332)."""
    bg_params = np.array([0.243, 4.414, 0.793, 2.426])
    pn_params = np.array([0.553, 10.578, 0.606, 11.669])
    for Model, params in ((clv.BetaGeo, bg_params), (clv.ParetoNBD, pn_params)):
        model = Model(**EXTREME)
        ll, grad = model._loglike_rows(params)
        assert np.all(np.isfinite(ll)) and np.all(np.isfinite(grad))
        res = model._results_class()(model, params, np.eye(4), attempts=[
            {"step": "fixed", "iterations": 0, "message": ""}], notes=[])
        alive = res.p_alive(**EXTREME)
        assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1))
        assert alive[2] < 1e-100 or alive[2] == 0.0      # 800 purchases, silent for ages
        assert alive[5] > 0.5                             # bought just now
        expected = res.expected_purchases(52, **EXTREME)
        assert np.all(np.isfinite(expected)) and np.all(expected >= 0)


def test_weighted_unique_fit_equals_full_data_fit(rfm):
    """Fitting unique rows with counts gives the full-data maximum (and its likelihood)."""
    x, tx, T = rfm
    res = clv.BetaGeo(x, tx, T).fit()
    rows = clv.BetaGeo(x, tx, T)
    ux, utx, uT = rows.frequency, rows.recency, rows.T
    assert ux.size < x.size

    def full_nll(logp):  # every customer separately, no weights
        p = np.exp(logp)
        ll, grad = _bgnbd_rows(p, x, tx, T, *split_unique_x(x))
        return -ll.sum() / x.size, -(grad.sum(axis=0) * p) / x.size

    full = optimize.minimize(full_nll, np.log([1, 5, 1, 3]), jac=True, method="BFGS",
                             options={"gtol": 1e-10})
    np.testing.assert_allclose(res.params, np.exp(full.x), rtol=1e-4)
    assert res.llf == pytest.approx(-full.fun * x.size, rel=1e-9)
    # pre-aggregated input with weights gives the same fit
    agg = clv.BetaGeo(ux, utx, uT, weights=rows.weights).fit()
    np.testing.assert_allclose(agg.params, res.params, rtol=1e-6)
    assert agg.nobs == res.nobs and agg.llf == pytest.approx(res.llf, rel=1e-12)
    # doubling every customer doubles the log-likelihood and keeps the estimates
    twice = clv.BetaGeo(np.r_[x, x], np.r_[tx, tx], np.r_[T, T]).fit()
    np.testing.assert_allclose(twice.params, res.params, rtol=1e-5)
    assert twice.llf == pytest.approx(2 * res.llf, rel=1e-10)
    np.testing.assert_allclose(twice.bse * np.sqrt(2), res.bse, rtol=1e-3)


def test_pareto_nbd_weighted_equals_unweighted(rfm):
    x, tx, T = rfm
    m = clv.ParetoNBD(x, tx, T)
    p = np.array([0.5, 7.0, 0.8, 12.0])
    ll, _ = m._loglike_rows(p)
    full = _pnbd_rows(p, x, tx, T, *split_unique_x(x))[0].sum()
    assert m.loglike(p) == pytest.approx(full, rel=1e-12)
    assert (ll[m._inverse].sum()) == pytest.approx(full, rel=1e-12)


def _log_integral_quad(r, alpha, s, beta, x, tx, T):
    shift = (r + x) * np.log(alpha + tx) + (s + 1) * np.log(beta + tx)

    def f(u):
        return np.exp(-(r + x) * np.log(alpha + u) - (s + 1) * np.log(beta + u) + shift)

    pts = np.geomspace(max(tx, 1e-6), T, 30)[1:-1]
    value, _ = integrate.quad(f, tx, T, epsabs=0, epsrel=1e-13, limit=500, points=pts)
    return np.log(value) - shift


@pytest.mark.parametrize(("params", "customer"), [
    ((0.5, 1000.0, 0.5, 10.0), (500, 5, 100)),
    ((0.5, 1e4, 0.05, 1.0), (50, 2, 100)),
    ((2.0, 1e5, 0.3, 0.1), (1000, 1, 400)),
    ((0.5, 1.0, 0.5, 1e4), (500, 5, 100)),
    ((0.2, 0.01, 3.0, 1e3), (0, 0, 1000)),
    ((0.5, 1e6, 2.0, 1e-3), (3, 0.5, 1e4)),
    ((0.9, 1e-4, 0.5, 1e4), (0, 0, 500)),
    ((5.0, 1e3, 1e-3, 1.0), (800, 0.01, 200)),
])
def test_pareto_nbd_integral_in_extreme_regimes(params, customer):
    """log I to machine precision where alpha and beta differ by orders of magnitude."""
    log_i, grad = pnbd_log_integral(*params, *(np.array([float(v)]) for v in customer))
    assert log_i[0] == pytest.approx(_log_integral_quad(*params, *customer), rel=1e-13)
    assert np.all(np.isfinite(grad))
