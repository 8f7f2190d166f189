"""Pareto/NBD: exponential lifetimes and Poisson purchases, both rates gamma-mixed.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who
are they and what will they do next? Management Science 33(1), 1-24. The likelihood and
the predictions follow Fader, P. S. & Hardie, B. G. S. (2005), A note on deriving the
Pareto/NBD model and related expressions, http://brucehardie.com/notes/009/; its
integral term is computed in :mod:`crmlab.analytics.clv._pnbd_numerics`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy import optimize
from scipy.special import digamma, expit, exprel, gammaln

from ._base import TransactionModel, TransactionResults
from ._covariates import PROCESSES
from ._pnbd_numerics import pnbd_log_integral

__all__ = ["ParetoNBD", "ParetoNBDResults"]


def _pnbd_parts(params: Any, x: np.ndarray, tx: np.ndarray, T: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log term1, log term2 (= log s + log I) and d log I for the Pareto/NBD likelihood.

    ``alpha`` and ``beta`` may be arrays like ``x`` (each customer's own)."""
    r, alpha, s, beta = params
    lt1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    logI, gI = pnbd_log_integral(r, alpha, s, beta, x, tx, T)
    return lt1, np.log(s) + logI, gI


def _pnbd_rows(params: Any, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
               xu: np.ndarray, xinv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pareto/NBD log-likelihood per row and gradient (Fader & Hardie 2005 note, eq. 18).

    ``L = G(r+x) alpha^r beta^s / G(r) [(alpha+T)^-(r+x) (beta+T)^-s + s I]``. With
    arrays for ``alpha`` and ``beta`` (one per row) the gradient's columns 1 and 3 are
    with respect to each row's own ``alpha`` and ``beta``.
    """
    r, alpha, s, beta = params
    lt1, lt2, gI = _pnbd_parts(params, x, tx, T)
    d = lt2 - lt1
    w2 = expit(d)
    w1 = expit(-d)
    ll = ((gammaln(r + xu) - gammaln(r))[xinv] + r * np.log(alpha) + s * np.log(beta)
          + lt1 + np.logaddexp(0.0, d))
    grad = np.empty((x.size, 4))
    grad[:, 0] = ((digamma(r + xu) - digamma(r))[xinv] + np.log(alpha)
                  - w1 * np.log(alpha + T) + w2 * gI[:, 0])
    grad[:, 1] = r / alpha - w1 * (r + x) / (alpha + T) + w2 * gI[:, 1]
    grad[:, 2] = np.log(beta) - w1 * np.log(beta + T) + w2 * (1 / s + gI[:, 2])
    grad[:, 3] = s / beta - w1 * s / (beta + T) + w2 * gI[:, 3]
    return ll, grad


def _pnbd_cov_rows(params: np.ndarray, n_base: int, x: np.ndarray, tx: np.ndarray,
                   T: np.ndarray, xu: np.ndarray, xinv: np.ndarray,
                   cov_rows: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pareto/NBD with covariates: each row's ``alpha_i = alpha exp(-X_i g_p)`` and
    ``beta_i = beta exp(-Z_i g_d)``; the gradient by the chain rule,
    ``d/dalpha = d/dalpha_i alpha_i / alpha`` and ``d/dg_p = -d/dalpha_i alpha_i X_i``."""
    r, alpha, s, beta = params[:4]
    alpha_i, beta_i = np.full(x.size, alpha), np.full(x.size, beta)
    start = n_base
    for process, mat in cov_rows.items():
        k = mat.shape[1]
        factor = np.exp(-(mat @ params[start:start + k]))
        if process == "purchase":
            alpha_i = alpha * factor
        else:
            beta_i = beta * factor
        start += k
    ll, g = _pnbd_rows((r, alpha_i, s, beta_i), x, tx, T, xu, xinv)
    grad = np.empty((x.size, params.size))
    grad[:, 0] = g[:, 0]
    grad[:, 2] = g[:, 2]
    da = g[:, 1] * alpha_i        # d ll / d log alpha_i
    db = g[:, 3] * beta_i
    grad[:, 1] = da / alpha
    grad[:, 3] = db / beta
    start = n_base
    for process, mat in cov_rows.items():
        k = mat.shape[1]
        grad[:, start:start + k] = -(da if process == "purchase" else db)[:, None] * mat
        start += k
    return ll, grad


class ParetoNBD(TransactionModel["ParetoNBDResults"]):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r,
    alpha)``; lifetimes are exponential with death rate ``mu ~ Gamma(s, beta)``.

    Parameters
    ----------
    frequency, recency, T, weights, unit
        As in :class:`~crmlab.analytics.clv.BetaGeo`.
    purchase_covariates, dropout_covariates : DataFrame, optional
        Time-invariant covariates of the purchase and the dropout process: one numeric
        column per covariate, one row per customer, matched by index to ``frequency``
        (by position when the histories are arrays). Each customer then has
        ``alpha_i = alpha exp(-g_purchase . x_i)`` and ``beta_i = beta exp(-g_dropout .
        z_i)``, as in CLVTools' Pareto/NBD with static covariates (Bachmann, Meierer &
        Näf 2021): a positive purchase coefficient raises the purchase rate, a positive
        dropout coefficient the death rate. The coefficients are parameters named
        ``purchase:<column>`` and ``dropout:<column>``, estimated as any real number.

    Notes
    -----
    The likelihood follows Fader & Hardie's (2005) note on the Pareto/NBD likelihood,
    written as ``L = C [(alpha+T)^-(r+x) (beta+T)^-s + s I]`` with
    ``I = int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du``. ``I`` is evaluated in log space
    as a difference of two Gaussian hypergeometric functions (after an Euler
    transformation that makes every series term positive) when
    ``|alpha - beta| / (max(alpha, beta) + recency) <= 1/2``, which covers
    ``alpha < beta``, ``alpha > beta`` and ``alpha == beta`` alike, and by 32-point
    Gauss-Legendre quadrature in ``log(min(alpha, beta) + u)`` otherwise. The gradient
    is analytic (differentiated term by term), so the fit uses L-BFGS-B with exact
    derivatives. ``fit()`` returns a :class:`ParetoNBDResults`.

    With covariates nearly every customer is a unique row, so each evaluation computes
    the likelihood and its gradient for all customers at once, with the per-customer
    ``alpha_i`` and ``beta_i`` (the hypergeometric series by a forward recurrence,
    :func:`~crmlab.analytics.clv._pnbd_numerics.hyp_series_rows`); the fit starts from
    the model without covariates, coefficients 0.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12, random_state=1)
    >>> model = clv.ParetoNBD(d["frequency"], d["recency"], d["T"])
    >>> model.param_names
    ('r', 'alpha', 's', 'beta')
    >>> list(model.fit().params.index)
    ['r', 'alpha', 's', 'beta']

    Covariates: customers with a higher ``income`` buy more often here.

    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"income": rng.normal(size=3000)})
    >>> d = clv.simulate_pareto_nbd(3000, 40, r=0.5, alpha=10 * np.exp(-0.5 * X["income"]),
    ...                             s=0.6, beta=12, random_state=2)
    >>> pn = clv.ParetoNBD(d["frequency"], d["recency"], d["T"], purchase_covariates=X).fit()
    >>> list(pn.params.index)
    ['r', 'alpha', 's', 'beta', 'purchase:income']
    >>> bool(abs(pn.params["purchase:income"] - 0.5) < 3 * pn.bse["purchase:income"])
    True
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    _covariate_prefixes: ClassVar[tuple[str, ...]] = PROCESSES

    def __init__(self, frequency: Any, recency: Any, T: Any, weights: Any = None, *,
                 unit: str | None = None, purchase_covariates: Any = None,
                 dropout_covariates: Any = None) -> None:
        super().__init__(frequency, recency, T, weights, unit=unit,
                         covariates={"purchase": purchase_covariates,
                                     "dropout": dropout_covariates})

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._cov_rows:
            return _pnbd_cov_rows(params, len(type(self).param_names), self.frequency,
                                  self.recency, self.T, self._xu, self._xinv, self._cov_rows)
        return _pnbd_rows(params, self.frequency, self.recency, self.T, self._xu, self._xinv)

    def _default_start(self) -> np.ndarray:
        if self._cov_rows:
            return self._covariate_start()
        return self._plain_default_start()

    def _alternative_start(self) -> np.ndarray:
        mean_t = self._mean_T()
        base = np.array([0.5, mean_t, 0.5, 2 * mean_t])
        return np.r_[base, np.zeros(len(self.param_names) - base.size)]

    def _plain_default_start(self) -> np.ndarray:
        """The maximum of the likelihood restricted to ``alpha == beta``.

        There the integral term has a closed form (the series is 1), so this costs a few
        cheap evaluations and usually starts the full fit close to its optimum.
        """
        plain = np.array([1.0, 1.0 / max(self._purchase_rate(), 1e-6), 1.0, self._mean_T()])

        def restricted(v: np.ndarray) -> tuple[float, np.ndarray]:
            f, g = self._objective(np.r_[v, v[1]])
            return f, np.r_[g[0], g[1] + g[3], g[2]]

        x0 = np.log(np.r_[plain[0], np.sqrt(plain[1] * plain[3]), plain[2]])
        res = optimize.minimize(restricted, x0, jac=True, method="L-BFGS-B",
                                bounds=[(-20.0, 20.0)] * 3,
                                options={"ftol": 1e-10, "gtol": 1e-5, "maxiter": 200})
        if not np.isfinite(res.fun):
            return plain
        return np.exp(np.r_[res.x, res.x[1]])


class ParetoNBDResults(TransactionResults, model=ParetoNBD):
    """A fitted Pareto/NBD model (or one from given parameters): parameters and predictions.

    Notes
    -----
    * ``p_alive``: ``(alpha+T)^-(r+x) (beta+T)^-s / [(alpha+T)^-(r+x) (beta+T)^-s + s I]``
      (Fader & Hardie 2005 note, eq. 22), as ``expit`` of a log-odds.
    * ``expected_purchases``: Schmittlein, Morrison & Colombo (1987); Fader & Hardie
      (2005) note, eq. (27), written with ``exprel`` so that ``s == 1`` (the log limit)
      needs no special case.
    * ``expected_purchases_new_customer``: ``r beta / (alpha (s-1)) [1 -
      (beta/(beta+t))^(s-1)]`` (Fader & Hardie 2005 note, eq. 17).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12,
    ...                             random_state=1)
    >>> pn = clv.ParetoNBD(d["frequency"], d["recency"], d["T"]).fit()
    >>> isinstance(pn, clv.ParetoNBDResults)
    True
    >>> bool(pn.p_alive(6, 30, 38) > pn.p_alive(6, 5, 38))
    True
    """

    _describe = "Pareto/NBD, Schmittlein, Morrison & Colombo 1987"

    def _pars(self) -> tuple[Any, Any, Any, Any]:
        """``(r, alpha, s, beta)``; with covariates, each customer's ``alpha_i, beta_i``
        (arrays shaped like the customers' histories) during a prediction."""
        r, alpha, s, beta = self._params_tuple()[:4]
        if "purchase" in self._eta:
            alpha = alpha * np.exp(-self._eta["purchase"])
        if "dropout" in self._eta:
            beta = beta * np.exp(-self._eta["dropout"])
        return r, alpha, s, beta

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, age: np.ndarray) -> np.ndarray:
        if self._eta:
            shape = np.broadcast_shapes(x.shape, tx.shape, age.shape)
            r, alpha, s, beta = self._pars()
            xf, txf, af, al, be = (np.broadcast_to(v, shape).ravel().astype(np.float64)
                                   for v in (x, tx, age, alpha, beta))
            lt1, lt2, _ = _pnbd_parts((r, al, s, be), xf, txf, af)
            return (lt2 - lt1).reshape(shape)
        shape = x.shape
        xf, txf, af = (np.ravel(v).astype(np.float64) for v in (x, tx, age))
        lt1, lt2, _ = _pnbd_parts(np.array(self._params_tuple()), xf, txf, af)
        return (lt2 - lt1).reshape(shape)

    def _expected_array(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._pars()
        alive = self._p_alive_array(x, tx, age)
        # (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)], written with
        # exprel so that s == 1 (the log limit) needs no special case.
        lg = np.log1p(t / (beta + age))
        growth = (r + x) * (beta + age) / (alpha + age) * lg * exprel(-(s - 1) * lg)
        return growth * alive

    def _expected_new_array(self, t: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._pars()
        lg = np.log1p(t / beta)
        return r * beta / alpha * lg * exprel(-(s - 1) * lg)
