"""GGom/NBD: Poisson purchases with gamma rates and Gompertz/gamma lifetimes.

Bemmaor, A. C. & Glady, N. (2012). Modeling purchasing behavior with sudden "death": a
flexible customer lifetime model. Management Science 58(5), 1012-1021.

Purchases are as in Pareto/NBD (Poisson with ``lambda ~ Gamma(r, alpha)``); a customer's
lifetime is Gompertz, ``S(t | eta) = exp(-eta (e^(b t) - 1))``, with ``eta ~ Gamma(s,
beta)``, so the population survives as ``S(t) = (beta / (beta - 1 + e^(b t)))^s``. With
``b -> 0`` and ``beta / b`` fixed it is Pareto/NBD (whose ``beta`` is ``beta / b``); a
positive ``b`` lets the risk of leaving grow with age.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import digamma, expit, gammaln, logsumexp, softmax

from ._base import TransactionModel, TransactionResults

__all__ = ["GompertzNBD", "GompertzNBDResults"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)
_LOG_WEIGHTS = np.log(_WEIGHTS)


def _log_shifted(b: float, beta: float, tau: np.ndarray) -> np.ndarray:
    """``log(beta - 1 + e^(b tau))`` without overflow, for any ``beta > 0``."""
    bt = b * tau
    return bt + np.log1p((beta - 1.0) * np.exp(-bt))


def _dlog_shifted(b: float, beta: float, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of :func:`_log_shifted` with respect to ``b`` and ``beta``."""
    inv = np.exp(-_log_shifted(b, beta, tau))           # 1 / (beta - 1 + e^(b tau))
    return tau * np.exp(b * tau) * inv, inv


def _ggom_rows(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GGom/NBD log-likelihood per row, its gradient, and the log-odds of being dead.

    ``L = G(r+x) alpha^r / G(r) [(alpha+T)^-(r+x) S(T) + int_tx^T (alpha+u)^-(r+x) f(u) du]``
    with ``f(u) = b s beta^s e^(b u) (beta - 1 + e^(b u))^-(s+1)``; the integral is a
    48-point Gauss-Legendre rule on ``[t_x, T]`` in log space, differentiated node by node.
    """
    r, alpha, b, s, beta = params
    rx = r + x
    # alive through T
    ls_T = _log_shifted(b, beta, T)
    log_alive = -rx * np.log(alpha + T) + s * np.log(beta) - s * ls_T
    dbT, dbetaT = _dlog_shifted(b, beta, T)
    g_alive = np.stack([-np.log(alpha + T), -rx / (alpha + T), -s * dbT,
                        np.log(beta) - ls_T, s / beta - s * dbetaT], axis=1)
    # died in (t_x, T]
    half = (T - tx) / 2.0
    tau = (tx + T)[:, None] / 2.0 + half[:, None] * _NODES[None, :]
    ls = _log_shifted(b, beta, tau)
    db, dbeta = _dlog_shifted(b, beta, tau)
    log_f = (-rx[:, None] * np.log(alpha + tau) + np.log(b) + np.log(s) + s * np.log(beta)
             + b * tau - (s + 1) * ls)
    with np.errstate(divide="ignore"):
        terms = log_f + _LOG_WEIGHTS[None, :] + np.log(half)[:, None]
    open_ = half > 0
    log_int = np.where(open_, logsumexp(np.where(open_[:, None], terms, 0.0), axis=1), -np.inf)
    w = softmax(np.where(open_[:, None], terms, 0.0), axis=1)
    g_int = np.stack([(w * -np.log(alpha + tau)).sum(1),
                      (w * -rx[:, None] / (alpha + tau)).sum(1),
                      (w * (1 / b + tau - (s + 1) * db)).sum(1),
                      (w * (1 / s + np.log(beta) - ls)).sum(1),
                      (w * (s / beta - (s + 1) * dbeta)).sum(1)], axis=1)
    g_int = np.where(open_[:, None], g_int, 0.0)
    d = log_int - log_alive                                 # log-odds of having died
    w_dead = np.where(open_, expit(d), 0.0)
    ll = (gammaln(rx) - gammaln(r) + r * np.log(alpha) + log_alive
          + np.where(open_, np.logaddexp(0.0, d), 0.0))
    grad = (1 - w_dead)[:, None] * g_alive + w_dead[:, None] * g_int
    grad[:, 0] += digamma(rx) - digamma(r) + np.log(alpha)
    grad[:, 1] += r / alpha
    return ll, grad, d


class GompertzNBD(TransactionModel["GompertzNBDResults"]):
    """GGom/NBD model of repeat purchasing (Bemmaor & Glady 2012).

    While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r,
    alpha)``; lifetimes are Gompertz with a gamma-distributed scale, ``S(t) = (beta /
    (beta - 1 + e^(b t)))^s``.

    Parameters
    ----------
    frequency, recency, T, weights
        As in :class:`~crmlab.analytics.clv.BetaGeo`.

    Notes
    -----
    The likelihood integrates the lifetime density over the time since the last purchase
    with a 48-point Gauss-Legendre rule, in log space, with its analytic gradient; the
    data are reduced to unique rows as for every model. When the data show no ageing of
    the risk of leaving, ``b`` runs towards 0 (Pareto/NBD is the limit) and the fit
    reports that it cannot identify ``b``: fit Pareto/NBD then.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> g = clv.GompertzNBD.from_params(r=0.55, alpha=10.6, b=1e-6, s=0.61, beta=11.67e-6)
    >>> p = clv.ParetoNBD.from_params(r=0.55, alpha=10.6, s=0.61, beta=11.67)
    >>> bool(abs(g.p_alive(2, 30, 39) - p.p_alive(2, 30, 39)) < 1e-4)  # the limit b -> 0
    True
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "b", "s", "beta")

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ll, grad, _ = _ggom_rows(params, self.frequency, self.recency, self.T)
        return ll, grad

    def _default_start(self) -> np.ndarray:
        return np.array([1.0, 1.0 / max(self._purchase_rate(), 1e-6), 0.01, 1.0, 1.0])

    def _alternative_start(self) -> np.ndarray:
        return np.array([0.5, self._mean_T(), 0.1 / self._mean_T(), 0.5, 0.5])


class GompertzNBDResults(TransactionResults, model=GompertzNBD):
    """A fitted GGom/NBD model (or one from given parameters): parameters and predictions.

    Notes
    -----
    * ``p_alive``: the share of the likelihood that has the customer alive at ``T``.
    * ``expected_purchases``: ``P(alive) (r+x)/(alpha+T) int_0^t S(T+u | alive at T) du``
      with ``S(T+u | alive at T) = ((beta-1+e^(bT)) / (beta-1+e^(b(T+u))))^s`` (the
      posterior of the lifetime scale given survival to ``T`` is ``Gamma(s, beta - 1 +
      e^(bT))``), by Gauss-Legendre quadrature.
    * ``expected_purchases_new_customer``: ``r/alpha int_0^t S(u) du``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> g = clv.GompertzNBD.from_params(r=0.5, alpha=10, b=0.05, s=1.0, beta=2.0)
    >>> bool(g.expected_purchases(10, 3, 30, 39) > g.expected_purchases(10, 3, 5, 39))
    True
    """

    _describe = "GGom/NBD, Bemmaor & Glady 2012"

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, age: np.ndarray) -> np.ndarray:
        shape = np.broadcast_shapes(x.shape, tx.shape, age.shape)
        xf, txf, af = (np.broadcast_to(v, shape).ravel().astype(np.float64)
                       for v in (x, tx, age))
        _, _, d = _ggom_rows(np.array(self._params_tuple()), xf, txf, af)
        return d.reshape(shape)

    def _mean_alive_time(self, start: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``int_0^t S(start+u | alive at start) du`` by Gauss-Legendre quadrature."""
        _, _, b, s, beta = self._params_tuple()
        half = t / 2.0
        u = half[..., None] * (1 + _NODES)
        log_s = s * (_log_shifted(b, beta, start)[..., None]
                     - _log_shifted(b, beta, start[..., None] + u))
        return half * (np.exp(log_s) * _WEIGHTS).sum(-1)

    def _expected_array(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
        r, alpha, *_ = self._params_tuple()
        t, x, tx, age = np.broadcast_arrays(t, x, tx, age)
        return (self._p_alive_array(x, tx, age) * (r + x) / (alpha + age)
                * self._mean_alive_time(age, t))

    def _expected_new_array(self, t: np.ndarray) -> np.ndarray:
        r, alpha, *_ = self._params_tuple()
        return r / alpha * self._mean_alive_time(np.zeros_like(t), t) + 0.0
