"""Customers drawn from the BG/NBD and Pareto/NBD models, with their true rates.

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

__all__ = ["simulate_bgnbd", "simulate_pareto_nbd"]


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
        BG/NBD parameters.
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
    n, age, rng = _sim_setup(n_customers, T, random_state)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = np.clip(rng.beta(a, b, n), 1e-12, 1.0)
    n_arrivals = rng.poisson(lam * age)
    dropout_after = rng.geometric(p)
    x = np.minimum(n_arrivals, dropout_after)
    safe = np.maximum(x, 1)
    tx = np.where(x > 0, age * rng.beta(safe, np.maximum(n_arrivals - safe + 1, 1)), 0.0)
    return _sim_frame(x, tx, age, {"lambda_": lam, "p_dropout": p}, return_params)


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
        Pareto/NBD parameters.

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
