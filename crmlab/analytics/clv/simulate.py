"""Customers drawn from the BG/NBD, MBG/NBD, BG/BB and Pareto/NBD models, with their true rates.

Ground truth for teaching and for checking that a fit recovers the parameters: each
simulator returns frequency / recency / T (and, on request, every customer's latent
rates), vectorised over customers. Randomness is ``random_state`` (int, Generator or
None), as in scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._data import broadcast_float

__all__ = ["simulate_bgbb", "simulate_bgnbd", "simulate_ggom_nbd", "simulate_mbgnbd",
           "simulate_pareto_nbd"]


def _sim_setup(n_customers: Any, T: Any, random_state: Any
               ) -> tuple[int, np.ndarray, np.random.Generator]:
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)) \
            or n_customers < 1:
        raise ValueError(f"n_customers must be a positive integer; got {n_customers!r}")
    age = np.broadcast_to(broadcast_float("T", T), (int(n_customers),)).astype(np.float64)
    if isinstance(random_state, np.random.Generator):
        rng = random_state
    else:
        rng = np.random.default_rng(random_state)
    return int(n_customers), age, rng


def _sim_frame(x: np.ndarray, tx: np.ndarray, age: np.ndarray, truth: dict[str, np.ndarray],
               return_params: bool) -> pd.DataFrame:
    out = pd.DataFrame({"frequency": x.astype(np.float64), "recency": tx, "T": age},
                       index=pd.RangeIndex(x.size, name="customer_id"))
    if return_params:
        for k, v in truth.items():
            out[k] = v
    return out


def _beta_geo_draws(n_customers: Any, T: Any, r: float, alpha: float, a: float, b: float,
                    random_state: Any, drop_at_start: bool, return_params: bool
                    ) -> pd.DataFrame:
    """BG/NBD draws; ``drop_at_start`` adds MBG/NBD's chance to leave right at time 0."""
    n, age, rng = _sim_setup(n_customers, T, random_state)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = np.clip(rng.beta(a, b, n), 1e-12, 1.0)
    n_arrivals = rng.poisson(lam * age)
    # purchases made before dropping out: Geometric(p) counts the chances to leave, and
    # MBG/NBD's first chance comes before any repeat purchase
    dropout_after = rng.geometric(p) - (1 if drop_at_start else 0)
    x = np.minimum(n_arrivals, dropout_after)
    safe = np.maximum(x, 1)
    tx = np.where(x > 0, age * rng.beta(safe, np.maximum(n_arrivals - safe + 1, 1)), 0.0)
    return _sim_frame(x, tx, age, {"lambda_": lam, "p_dropout": p}, return_params)


def simulate_bgnbd(n_customers: int, T: Any, *, r: float, alpha: float, a: float, b: float,
                   random_state: Any = None, return_params: bool = False) -> pd.DataFrame:
    """Draw frequency / recency / T for customers following the BG/NBD model.

    Each customer gets a purchase rate ``lambda ~ Gamma(r, alpha)`` and a drop-out
    probability ``p ~ Beta(a, b)``; repeat purchases arrive as a Poisson process until
    the customer drops out after one of them (vectorised: the number of purchases is
    ``min(Poisson(lambda T), Geometric(p))`` and the last one is an order statistic).

    Parameters
    ----------
    n_customers : int
        Number of customers.
    T : float or array-like
        Observation length per customer (one value for all, or one per customer).
    r, alpha, a, b : float
        BG/NBD parameters; ``alpha``, ``a`` and ``b`` may also be arrays of one value per
        customer (customers with covariates).
    random_state : int, Generator or None
        Seed or generator, for reproducible draws.
    return_params : bool, default=False
        Also return each customer's ``lambda_`` and ``p_dropout``.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T`` (plus the truth when ``return_params``).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(3, 52, r=0.25, alpha=4, a=0.8, b=2.5, random_state=0)
    >>> list(d.columns), len(d)
    (['frequency', 'recency', 'T'], 3)
    """
    return _beta_geo_draws(n_customers, T, r, alpha, a, b, random_state, False, return_params)


def simulate_mbgnbd(n_customers: int, T: Any, *, r: float, alpha: float, a: float, b: float,
                    random_state: Any = None, return_params: bool = False) -> pd.DataFrame:
    """Draw frequency / recency / T for customers following the MBG/NBD model.

    As :func:`simulate_bgnbd`, but a customer may also drop out right after the first
    purchase (Batislam, Denizel & Filiztekin 2007). Arguments and result as there.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_mbgnbd(1000, 52, r=0.25, alpha=4, a=0.8, b=2.5, random_state=0)
    >>> e = clv.simulate_bgnbd(1000, 52, r=0.25, alpha=4, a=0.8, b=2.5, random_state=0)
    >>> bool(d["frequency"].mean() < e["frequency"].mean())
    True
    """
    return _beta_geo_draws(n_customers, T, r, alpha, a, b, random_state, True, return_params)


def simulate_bgbb(n_customers: int, n_periods: int, *, alpha: float, beta: float,
                  gamma: float, delta: float, random_state: Any = None,
                  return_params: bool = False) -> pd.DataFrame:
    """Draw frequency / recency / n_periods for customers following the BG/BB model.

    Each customer gets a transaction probability ``p ~ Beta(alpha, beta)`` and a drop-out
    probability ``theta ~ Beta(gamma, delta)``; at each of ``n_periods`` opportunities an
    alive customer first becomes inactive with probability ``theta``, and if still alive
    transacts with probability ``p`` (Fader, Hardie & Shang 2010). Vectorised over
    customers; the loop runs over the opportunities.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    n_periods : int
        Transaction opportunities after the first transaction.
    alpha, beta, gamma, delta : float
        BG/BB parameters.
    random_state : int, Generator or None
        Seed or generator, for reproducible draws.
    return_params : bool, default=False
        Also return each customer's ``p_transact`` and ``theta_dropout``.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency`` (opportunity of the last transaction, 0 if none) and
        ``n_periods`` (plus the truth when ``return_params``).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgbb(5, 6, alpha=1.2, beta=0.75, gamma=0.66, delta=2.78,
    ...                       random_state=0)
    >>> list(d.columns), bool((d["recency"] <= 6).all())
    (['frequency', 'recency', 'n_periods'], True)
    """
    if isinstance(n_periods, bool) or not isinstance(n_periods, (int, np.integer)) \
            or n_periods < 1:
        raise ValueError(f"n_periods must be a positive whole number; got {n_periods!r}")
    n, _, rng = _sim_setup(n_customers, float(n_periods), random_state)
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive = np.ones(n, dtype=bool)
    x = np.zeros(n, dtype=np.int64)
    tx = np.zeros(n, dtype=np.int64)
    for opportunity in range(1, int(n_periods) + 1):
        alive &= rng.random(n) >= theta
        buys = alive & (rng.random(n) < p)
        x += buys
        tx[buys] = opportunity
    out = pd.DataFrame({"frequency": x.astype(np.float64), "recency": tx.astype(np.float64),
                        "n_periods": np.full(n, float(n_periods))},
                       index=pd.RangeIndex(n, name="customer_id"))
    if return_params:
        out["p_transact"] = p
        out["theta_dropout"] = theta
    return out


def simulate_pareto_nbd(n_customers: int, T: Any, *, r: float, alpha: float, s: float,
                        beta: float, random_state: Any = None,
                        return_params: bool = False) -> pd.DataFrame:
    """Draw frequency / recency / T for customers following the Pareto/NBD model.

    Purchase rates ``lambda ~ Gamma(r, alpha)``, death rates ``mu ~ Gamma(s, beta)``,
    exponential lifetimes; purchases are Poisson while alive.

    Parameters
    ----------
    n_customers, T, random_state, return_params
        As in :func:`simulate_bgnbd`.
    r, alpha, s, beta : float
        Pareto/NBD parameters; ``alpha`` and ``beta`` may also be arrays of one value per
        customer (customers with covariates: ``alpha * np.exp(-eta)``).

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T``; with ``return_params`` also each customer's
        purchase rate ``lambda_``, death rate ``mu`` and ``lifetime``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_pareto_nbd(3, 52, r=0.5, alpha=10, s=0.6, beta=12, random_state=0)
    >>> bool((d["recency"] <= d["T"]).all())
    True
    """
    n, age, rng = _sim_setup(n_customers, T, random_state)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    life = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    active = np.minimum(life, age)
    x = rng.poisson(lam * active)
    tx = np.where(x > 0, active * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    return _sim_frame(x, tx, age, {"lambda_": lam, "mu": mu, "lifetime": life},
                      return_params)


def simulate_ggom_nbd(n_customers: int, T: Any, *, r: float, alpha: float, b: float,
                      s: float, beta: float, random_state: Any = None,
                      return_params: bool = False) -> pd.DataFrame:
    """Draw frequency / recency / T for customers following the GGom/NBD model.

    Purchase rates ``lambda ~ Gamma(r, alpha)``; Gompertz lifetimes with
    ``S(t | eta) = exp(-eta (e^(b t) - 1))`` and ``eta ~ Gamma(s, beta)`` (Bemmaor & Glady
    2012), drawn by inversion: ``t = log(1 + E / eta) / b`` with ``E ~ Exp(1)``.

    Parameters
    ----------
    n_customers, T, random_state, return_params
        As in :func:`simulate_bgnbd`.
    r, alpha, b, s, beta : float
        GGom/NBD parameters.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T``; with ``return_params`` also ``lambda_``,
        ``eta`` and ``lifetime``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_ggom_nbd(3, 52, r=0.5, alpha=10, b=0.05, s=1, beta=2,
    ...                           random_state=0)
    >>> bool((d["recency"] <= d["T"]).all())
    True
    """
    n, age, rng = _sim_setup(n_customers, T, random_state)
    lam = rng.gamma(r, 1.0 / alpha, n)
    eta = rng.gamma(s, 1.0 / beta, n)
    life = np.log1p(rng.exponential(1.0, n) / np.maximum(eta, 1e-300)) / b
    active = np.minimum(life, age)
    x = rng.poisson(lam * active)
    tx = np.where(x > 0, active * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    return _sim_frame(x, tx, age, {"lambda_": lam, "eta": eta, "lifetime": life},
                      return_params)
