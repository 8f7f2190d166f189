"""Parameter recovery: fit simulated customers and find the truth again.

The simulators here are written independently of :mod:`crmlab.analytics.clv` (event by
event, vectorised over customers), so a shared mistake in the model and the library's
own simulator could not hide. Each population has 20,000 customers with ages spread over
half a year to a year (in weeks), as a cohort entering over time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import clv

N = 20_000


def simulate_bgnbd_events(rng, T, r, alpha, a, b):
    """BG/NBD, purchase by purchase: exponential gaps; drop out after a repeat purchase."""
    n = T.size
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    now = np.zeros(n)
    x = np.zeros(n)
    tx = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1 / lam[idx])
        in_window = now[idx] <= T[idx]
        buy = idx[in_window]
        x[buy] += 1
        tx[buy] = now[buy]
        active[idx[~in_window]] = False
        active[buy[rng.random(buy.size) < p[buy]]] = False
    return x, tx


def simulate_pareto_nbd_events(rng, T, r, alpha, s, beta):
    """Pareto/NBD, purchase by purchase until death (exponential lifetime) or the end."""
    n = T.size
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    death = rng.exponential(1 / mu)
    stop = np.minimum(death, T)
    now = np.zeros(n)
    x = np.zeros(n)
    tx = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1 / lam[idx])
        ok = now[idx] <= stop[idx]
        buy = idx[ok]
        x[buy] += 1
        tx[buy] = now[buy]
        active[idx[~ok]] = False
    return x, tx


def _check_recovery(res, truth, rel):
    est = res.params[list(truth)]
    true = pd.Series(truth)
    z = (est - true) / res.bse[list(truth)]
    assert np.all(np.abs(est / true - 1) < rel), f"estimates {est.to_dict()} vs {truth}"
    assert np.all(np.abs(z) < 3.5), f"truth outside ~3 standard errors: z = {z.to_dict()}"


@pytest.mark.parametrize(("truth", "seed"), [
    ({"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5}, 1),
    ({"r": 1.5, "alpha": 12.0, "a": 0.3, "b": 4.0}, 2),
])
def test_bgnbd_recovers_simulated_parameters(truth, seed):
    rng = np.random.default_rng(seed)
    T = rng.uniform(26, 52, N)
    x, tx = simulate_bgnbd_events(rng, T, **truth)
    res = clv.BetaGeo(x, tx, T).fit()
    _check_recovery(res, truth, rel=0.25)


@pytest.mark.parametrize(("truth", "seed"), [
    ({"r": 0.6, "alpha": 10.0, "s": 0.8, "beta": 12.0}, 3),   # alpha < beta (series)
    ({"r": 0.8, "alpha": 30.0, "s": 1.0, "beta": 4.0}, 4),    # alpha >> beta (quadrature)
])
def test_pareto_nbd_recovers_simulated_parameters(truth, seed):
    rng = np.random.default_rng(seed)
    T = rng.uniform(26, 52, N)
    x, tx = simulate_pareto_nbd_events(rng, T, **truth)
    res = clv.ParetoNBD(x, tx, T).fit()
    _check_recovery(res, truth, rel=0.35)


def test_library_simulators_match_event_simulators():
    """clv.simulate_* draw the same distribution as the event-by-event simulators."""
    rng = np.random.default_rng(5)
    T = np.full(N, 40.0)
    x_ev, tx_ev = simulate_bgnbd_events(rng, T, 0.5, 8.0, 0.8, 2.5)
    lib = clv.simulate_bgnbd(N, 40.0, r=0.5, alpha=8.0, a=0.8, b=2.5, random_state=6)
    for q in (0.5, 0.75, 0.9, 0.99):
        assert abs(np.quantile(x_ev, q) - np.quantile(lib["frequency"], q)) <= 1
    assert lib["frequency"].mean() == pytest.approx(x_ev.mean(), rel=0.1)
    pos = lib["frequency"] > 0
    assert lib["recency"][pos].mean() == pytest.approx(tx_ev[x_ev > 0].mean(), rel=0.05)

    x_ev, tx_ev = simulate_pareto_nbd_events(rng, T, 0.6, 10.0, 0.8, 12.0)
    lib = clv.simulate_pareto_nbd(N, 40.0, r=0.6, alpha=10.0, s=0.8, beta=12.0,
                                  random_state=7)
    assert lib["frequency"].mean() == pytest.approx(x_ev.mean(), rel=0.1)
    pos = lib["frequency"] > 0
    assert lib["recency"][pos].mean() == pytest.approx(tx_ev[x_ev > 0].mean(), rel=0.05)


def test_gamma_gamma_recovers_simulated_parameters():
    rng = np.random.default_rng(8)
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    x = rng.integers(1, 15, N).astype(float)
    nu = rng.gamma(truth["q"], 1 / truth["gamma"], N)
    spend = rng.gamma(truth["p"] * x, 1 / nu)           # sum of x Gamma(p, nu) values
    res = clv.GammaGamma(x, spend / x).fit()
    _check_recovery(res, truth, rel=0.15)


def test_sbg_recovers_simulated_parameters():
    rng = np.random.default_rng(9)
    truth = {"alpha": 0.9, "beta": 3.0}
    theta = rng.beta(truth["alpha"], truth["beta"], N)
    life = rng.geometric(theta)                          # period of churn, >= 1
    horizon = 8
    censored = life > horizon
    res = clv.ShiftedBetaGeometric.from_durations(np.minimum(life, horizon), censored).fit()
    _check_recovery(res, truth, rel=0.15)
