"""MBG/NBD: the modified beta-geometric / negative binomial model of repeat purchasing.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison
of models for customer base analysis. International Journal of Research in Marketing
24(3), 201-209.

BG/NBD lets a customer drop out only right after a repeat purchase, so a customer with no
repeat purchase is certainly alive; MBG/NBD adds a chance to drop out right after the
first purchase too (time 0), so long silences after one purchase lower P(alive).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import digamma, expit, gammaln

from ._base import TransactionModel, TransactionResults
from ._bgnbd_numerics import expected_purchases_k
from .beta_geo import BetaGeo

__all__ = ["ModifiedBetaGeo", "ModifiedBetaGeoResults"]


def _mbgnbd_rows(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                 xu: np.ndarray, xinv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MBG/NBD log-likelihood per row (Batislam et al. 2007, eq. 3) and its gradient.

    ``log L = log G(r+x)/G(r) + r log(alpha) + log(A1 + A2)`` with
    ``A1 = B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)`` (alive at T) and
    ``A2 = B(a+1, b+x)/B(a, b) (alpha+t_x)^-(r+x)`` (dropped out right after the last
    purchase, for every ``x`` including 0); the sum is a log-add-exp of the log-ratio
    ``d = log(A2/A1) = log a - log(b+x) + (r+x) log((alpha+T)/(alpha+t_x))``.
    """
    r, alpha, a, b = params
    # per unique frequency: log B(a, b+x+1)/B(a, b) and digammas
    g1_u = gammaln(b + xu + 1) - gammaln(a + b + xu + 1) - gammaln(b) + gammaln(a + b)
    lg_u = gammaln(r + xu) - gammaln(r)
    dg_r_u = digamma(r + xu) - digamma(r)
    dg_ab_u = digamma(a + b) - digamma(a + b + xu + 1)
    dg_bx1_u = digamma(b + xu + 1)
    dg_bx_u = digamma(b + xu)

    rx = r + x
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    d = np.log(a) - np.log(b + x) + rx * (log_at - log_atx)
    w2 = expit(d)
    w1 = expit(-d)
    ll = lg_u[xinv] + r * np.log(alpha) + g1_u[xinv] - rx * log_at + np.logaddexp(0.0, d)

    grad = np.empty((x.size, 4))
    grad[:, 0] = dg_r_u[xinv] + np.log(alpha) - w1 * log_at - w2 * log_atx
    grad[:, 1] = r / alpha - rx * (w1 / (alpha + T) + w2 / (alpha + tx))
    grad[:, 2] = dg_ab_u[xinv] + w2 / a
    grad[:, 3] = dg_ab_u[xinv] - digamma(b) + w1 * dg_bx1_u[xinv] + w2 * dg_bx_u[xinv]
    return ll, grad


class ModifiedBetaGeo(TransactionModel["ModifiedBetaGeoResults"]):
    """MBG/NBD model of repeat purchasing (Batislam, Denizel & Filiztekin 2007).

    While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r,
    alpha)``; right after the first purchase and after every repeat purchase they drop
    out for good with probability ``p ~ Beta(a, b)``. The only change from
    :class:`~crmlab.analytics.clv.BetaGeo` is the chance to leave at time 0, which makes
    a customer who never came back less likely to be alive.

    Parameters
    ----------
    frequency : array-like
        Repeat purchases per customer (whole numbers >= 0).
    recency : array-like
        Time of the last repeat purchase since the first purchase (0 if none).
    T : array-like
        Age: time from the first purchase to the end of the window.
    weights : array-like, optional
        Number of customers each row stands for (for pre-aggregated data).

    Notes
    -----
    Fitted on the unique ``(frequency, recency, T)`` rows with counts, over
    log-parameters with the analytic gradient, as every crmlab model. ``fit()`` returns a
    :class:`ModifiedBetaGeoResults`; ``ModifiedBetaGeo.from_params(r=..., alpha=...,
    a=..., b=...)`` builds one from known parameters. The formulas are those of the paper
    (the likelihood, P(alive) and the conditional expectation), as implemented by
    lifetimes' ``ModifiedBetaGeoFitter``, whose fit on CDNOW the tests reproduce.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> mbg = clv.ModifiedBetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> list(mbg.params.index)
    ['r', 'alpha', 'a', 'b']
    >>> bool(mbg.p_alive(0, 0, 40) < 1)  # unlike BG/NBD, a one-time buyer may have left
    True
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _mbgnbd_rows(params, self.frequency, self.recency, self.T, self._xu,
                            self._xinv)

    # the same parameters as BG/NBD, so the same starting values
    _default_start = BetaGeo._default_start
    _alternative_start = BetaGeo._alternative_start


class ModifiedBetaGeoResults(TransactionResults, model=ModifiedBetaGeo):
    """A fitted MBG/NBD model (or one from given parameters): parameters and predictions.

    Notes
    -----
    * ``p_alive``: ``1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x))`` for
      every ``x``, including customers with no repeat purchase, as ``expit`` of a
      log-odds.
    * ``expected_purchases``:
      ``(a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; z)]``
      times P(alive), with ``z = t / (alpha+T+t)``: BG/NBD's expectation with ``b+1``,
      evaluated by the accurate BG/NBD routine (finite at ``a = 1`` and for large ``x``).
    * ``expected_purchases_new_customer``:
      ``b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> mbg = clv.ModifiedBetaGeo.from_params(r=0.25, alpha=4, a=0.8, b=2.5)
    >>> bg = clv.BetaGeo.from_params(r=0.25, alpha=4, a=0.8, b=2.5)
    >>> bool(mbg.expected_purchases_new_customer(10) < bg.expected_purchases_new_customer(10))
    True
    """

    _describe = "MBG/NBD, Batislam, Denizel & Filiztekin 2007"

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, age: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._params_tuple()
        return (np.log(a) - np.log(b + x)
                + (r + x) * (np.log(alpha + age) - np.log(alpha + tx)))

    def _expected_array(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._params_tuple()
        # alive at T: rate Gamma(r+x, alpha+T) and drop-out Beta(a, b+x+1), so the BG/NBD
        # expectation with b+1 (its accurate evaluation in _bgnbd_numerics)
        k = expected_purchases_k(r, a, b + 1, x, t / (alpha + age))
        return k * self._p_alive_array(x, tx, age)

    def _expected_new_array(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._params_tuple()
        # survives time 0 with probability b / (a+b), then drop-out is Beta(a, b+1)
        return b / (a + b) * expected_purchases_k(r, a, b + 1, 0.0, t / alpha) + 0.0
