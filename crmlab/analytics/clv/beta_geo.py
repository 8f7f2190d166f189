"""BG/NBD: the beta-geometric / negative binomial model of repeat purchasing.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
way: an alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betainc, digamma, expit, gammaln

from ._base import TransactionModel, TransactionResults
from ._bgnbd_numerics import expected_purchases_k, expected_purchases_k_rows
from ._covariates import PROCESSES
from ._data import wrap

__all__ = ["BetaGeo", "BetaGeoResults"]


def _bgnbd_rows(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                xu: np.ndarray, xinv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD log-likelihood per row (FHL 2005a eq. 6) and its gradient, in log space.

    ``log L = log G(r+x)/G(r) + r log(alpha) + log(A1 + A2)`` with
    ``A1 = B(a, b+x)/B(a, b) (alpha+T)^-(r+x)`` and, for ``x > 0``,
    ``A2 = B(a+1, b+x-1)/B(a, b) (alpha+t_x)^-(r+x)``; the sum is a log-add-exp.
    """
    r, alpha, a, b = params
    pos_u = xu > 0
    bx1_u = np.where(pos_u, b + xu - 1, 1.0)
    # per unique frequency: log B(a, b+x)/B(a, b), log of A2/A1 prefactor, digammas
    g1_u = gammaln(b + xu) - gammaln(a + b + xu) - gammaln(b) + gammaln(a + b)
    lpre_u = np.where(pos_u, np.log(a) - np.log(bx1_u), -np.inf)
    lg_u = gammaln(r + xu) - gammaln(r)
    dg_r_u = digamma(r + xu) - digamma(r)
    dg_abx_u = digamma(a + b) - digamma(a + b + xu)
    dg_bx_u = digamma(b + xu)
    dg_bx1_u = np.where(pos_u, digamma(bx1_u), 0.0)

    rx = r + x
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    d = lpre_u[xinv] + rx * (log_at - log_atx)          # log(A2 / A1)
    w2 = expit(d)
    w1 = expit(-d)
    ll = lg_u[xinv] + r * np.log(alpha) + g1_u[xinv] - rx * log_at + np.logaddexp(0.0, d)

    grad = np.empty((x.size, 4))
    grad[:, 0] = dg_r_u[xinv] + np.log(alpha) - w1 * log_at - w2 * log_atx
    grad[:, 1] = r / alpha - rx * (w1 / (alpha + T) + w2 / (alpha + tx))
    grad[:, 2] = dg_abx_u[xinv] + w2 / a
    grad[:, 3] = (dg_abx_u[xinv] - digamma(b) + w1 * dg_bx_u[xinv] + w2 * dg_bx1_u[xinv])
    return ll, grad


def _bgnbd_cov_rows(params: np.ndarray, n_base: int, x: np.ndarray, tx: np.ndarray,
                    T: np.ndarray, cov_rows: dict[str, np.ndarray]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD with covariates (CLVTools): ``alpha_i = alpha exp(-X_i g_p)``,
    ``a_i = a exp(Z_i g_d)``, ``b_i = b exp(Z_i g_d)``.

    The log-likelihood of :func:`_bgnbd_rows` with every row's own ``alpha_i, a_i,
    b_i``; the gradient by the chain rule (``d/dg_d = (a_i d/da_i + b_i d/db_i) Z_i``).
    """
    r, alpha, a, b = params[:4]
    eta = {}
    start = n_base
    for process, mat in cov_rows.items():
        k = mat.shape[1]
        eta[process] = mat @ params[start:start + k]
        start += k
    alpha_i = alpha * np.exp(-eta["purchase"]) if "purchase" in eta else np.full(x.size, alpha)
    life = np.exp(eta["dropout"]) if "dropout" in eta else np.ones(x.size)
    a_i, b_i = a * life, b * life
    pos = x > 0
    bx1 = np.where(pos, b_i + x - 1, 1.0)
    rx = r + x
    log_at = np.log(alpha_i + T)
    log_atx = np.log(alpha_i + tx)
    d = np.where(pos, np.log(a_i) - np.log(bx1), -np.inf) + rx * (log_at - log_atx)
    w2 = expit(d)
    w1 = expit(-d)
    ll = (gammaln(rx) - gammaln(r) + r * np.log(alpha_i) + gammaln(b_i + x)
          - gammaln(a_i + b_i + x) - gammaln(b_i) + gammaln(a_i + b_i)
          - rx * log_at + np.logaddexp(0.0, d))
    dg_abx = digamma(a_i + b_i) - digamma(a_i + b_i + x)
    d_alpha_i = r / alpha_i - rx * (w1 / (alpha_i + T) + w2 / (alpha_i + tx))
    d_a_i = dg_abx + w2 / a_i
    d_b_i = (dg_abx - digamma(b_i) + w1 * digamma(b_i + x)
             + w2 * np.where(pos, digamma(bx1), 0.0))
    grad = np.empty((x.size, params.size))
    grad[:, 0] = digamma(rx) - digamma(r) + np.log(alpha_i) - w1 * log_at - w2 * log_atx
    grad[:, 1] = d_alpha_i * alpha_i / alpha
    grad[:, 2] = d_a_i * life
    grad[:, 3] = d_b_i * life
    start = n_base
    for process, mat in cov_rows.items():
        k = mat.shape[1]
        per = (-d_alpha_i * alpha_i if process == "purchase"
               else d_a_i * a_i + d_b_i * b_i)
        grad[:, start:start + k] = per[:, None] * mat
        start += k
    return ll, grad


class BetaGeo(TransactionModel["BetaGeoResults"]):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a).

    While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r,
    alpha)``; after every repeat purchase they drop out for good with probability
    ``p ~ Beta(a, b)``.

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
    unit : {"D", "W", "M"}, optional
        Time unit of ``recency`` and ``T``. Default: the unit a summary's columns record
        (:func:`~crmlab.analytics.clv.summarize_transactions`); given with such columns,
        it must agree. The results remember it, and refuse data in another unit.
        Series arguments are paired by index, not by position.
    purchase_covariates, dropout_covariates : DataFrame, optional
        Time-invariant covariates of the purchase and the dropout process: one numeric
        column per covariate, one row per customer, matched by index to ``frequency``
        (by position when the histories are arrays). Each customer then has
        ``alpha_i = alpha exp(-g_purchase . x_i)``, ``a_i = a exp(g_dropout . z_i)`` and
        ``b_i = b exp(g_dropout . z_i)``, following CLVTools' BG/NBD with static
        covariates (Bachmann, Meierer & Näf 2021; ``bgnbd_staticcov_alpha_i``, ``_a_i``,
        ``_b_i`` in its ``src/bgnbd_staticcov.cpp``): a positive purchase coefficient
        raises the purchase rate; a dropout coefficient keeps the mean dropout
        probability ``a / (a + b)`` and changes its spread. The coefficients are
        parameters named ``purchase:<column>`` and ``dropout:<column>``, estimated as any
        real number.

    Notes
    -----
    The data are reduced to their unique ``(frequency, recency, T)`` rows with counts,
    so the cost of a fit depends on the number of distinct rows, not on customers.
    ``fit()`` returns a :class:`BetaGeoResults`; ``BetaGeo.from_params(r=..., alpha=...,
    a=..., b=...)`` builds one from known parameters (add ``**{"purchase:income": g}``
    for a model with covariates). With covariates, predictions use each customer's own
    ``alpha_i, a_i, b_i``; expected purchases then come from
    :func:`~crmlab.analytics.clv._bgnbd_numerics.expected_purchases_k_rows`.

    Examples
    --------
    >>> import numpy as np
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> model = clv.BetaGeo(d["frequency"], d["recency"], d["T"])
    >>> model.nobs, model.param_names
    (2000, ('r', 'alpha', 'a', 'b'))
    >>> bg = model.fit()
    >>> list(bg.params.index)
    ['r', 'alpha', 'a', 'b']
    >>> bg.params.round(2).to_dict()  # doctest: +SKIP
    {'r': 0.25, 'alpha': 4.0, 'a': 0.8, 'b': 2.5}

    With a covariate on the purchase process (customers matched by index):

    >>> import pandas as pd
    >>> X = pd.DataFrame({"income": np.random.default_rng(0).normal(size=2000)})
    >>> cov = clv.BetaGeo(d["frequency"], d["recency"], d["T"], purchase_covariates=X)
    >>> cov.param_names
    ('r', 'alpha', 'a', 'b', 'purchase:income')
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _covariate_prefixes: ClassVar[tuple[str, ...]] = PROCESSES

    def __init__(self, frequency: Any, recency: Any, T: Any, weights: Any = None, *,
                 unit: str | None = None, purchase_covariates: Any = None,
                 dropout_covariates: Any = None) -> None:
        super().__init__(frequency, recency, T, weights, unit=unit,
                         covariates={"purchase": purchase_covariates,
                                     "dropout": dropout_covariates})

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._cov_rows:
            return _bgnbd_cov_rows(params, len(type(self).param_names), self.frequency,
                                   self.recency, self.T, self._cov_rows)
        return _bgnbd_rows(params, self.frequency, self.recency, self.T, self._xu, self._xinv)

    def _default_start(self) -> np.ndarray:
        if self._cov_rows:
            return self._covariate_start()
        return np.array([1.0, 1.0 / max(self._purchase_rate(), 1e-6), 1.0, 3.0])

    def _alternative_start(self) -> np.ndarray:
        base = np.array([0.5, self._mean_T(), 0.5, 1.0])
        return np.r_[base, np.zeros(len(self.param_names) - base.size)]


class BetaGeoResults(TransactionResults, model=BetaGeo):
    """A fitted BG/NBD model (or one from given parameters): parameters and predictions.

    Notes
    -----
    * ``p_alive``: ``1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``
      (Fader, Hardie & Lee 2005a, eq. 11), as ``expit`` of a log-odds.
    * ``expected_purchases``: eq. (10); the Gaussian hypergeometric function is evaluated
      after an Euler transformation, so customers with many purchases need no huge powers.
    * ``expected_purchases_new_customer``: eq. (7).
    * ``probability_of_n_purchases``: eq. (8).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> isinstance(bg, clv.BetaGeoResults)
    True
    >>> bool(bg.expected_purchases(10, 6, 30, 38) > bg.expected_purchases(10, 0, 0, 38))
    True
    """

    _describe = "BG/NBD, Fader, Hardie & Lee 2005"

    def _pars(self) -> tuple[Any, Any, Any, Any]:
        """``(r, alpha, a, b)``; with covariates, each customer's ``alpha_i, a_i, b_i``
        (arrays shaped like the customers' histories) during a prediction."""
        r, alpha, a, b = self._params_tuple()[:4]
        if "purchase" in self._eta:
            alpha = alpha * np.exp(-self._eta["purchase"])
        if "dropout" in self._eta:
            life = np.exp(self._eta["dropout"])
            a, b = a * life, b * life
        return r, alpha, a, b

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, age: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._pars()
        with np.errstate(divide="ignore", invalid="ignore"):
            # log((alpha+T)/(alpha+t_x)) as log1p: no digits lost when t_x is close to T
            silence = np.log1p((age - tx) / (alpha + tx))
            return np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                            + (r + x) * silence, -np.inf)

    def _expected_array(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._pars()
        # an alive customer's rate is Gamma(r+x, alpha+T), drop-out Beta(a, b+x)
        if np.ndim(a):
            k = expected_purchases_k_rows(r, a, b, x, t / (alpha + age))
        else:
            k = expected_purchases_k(r, a, b, x, t / (alpha + age))
        return k * self._p_alive_array(x, tx, age)

    def _expected_new_array(self, t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._pars()
        if np.ndim(a):
            return expected_purchases_k_rows(r, a, b, 0.0, t / alpha)
        return expected_purchases_k(r, a, b, 0.0, t / alpha) + 0.0

    def probability_of_n_purchases(self, t: Any, n: Any) -> Any:
        """Probability that a new customer makes exactly ``n`` repeat purchases in ``t``.

        Fader, Hardie & Lee (2005a), eq. (8); the negative binomial tail is a regularised
        incomplete beta function.

        Examples
        --------
        >>> import numpy as np
        >>> from crmlab.analytics import clv
        >>> bg = clv.BetaGeo.from_params(r=0.25, alpha=4, a=0.8, b=2.5)
        >>> round(float(bg.probability_of_n_purchases(10, np.arange(200)).sum()), 6)
        1.0
        """
        if self.has_covariates:
            raise ValueError("probability_of_n_purchases is not available for a BG/NBD model "
                             "with covariates; use expected_purchases_new_customer with the "
                             "customers' covariates")
        index, tt, nn = self._horizon_args(t, n=n)
        if np.any(nn != np.floor(nn)):
            raise ValueError("n must hold whole numbers of purchases")
        r, alpha, a, b = self._params_tuple()
        with np.errstate(divide="ignore", invalid="ignore"):
            log_nb = (gammaln(r + nn) - gammaln(r) - gammaln(nn + 1)
                      + r * (np.log(alpha) - np.log(alpha + tt))
                      + np.where(nn > 0, nn * (np.log(tt) - np.log(alpha + tt)), 0.0))
            first = np.exp(gammaln(b + nn) - gammaln(a + b + nn) - gammaln(b) + gammaln(a + b)
                           + log_nb)
            tail = betainc(np.maximum(nn, 1), r, tt / (alpha + tt))
            second = np.where(nn > 0, np.exp(np.log(a) + gammaln(np.maximum(b + nn - 1, 1e-300))
                                             - gammaln(a + b + nn) - gammaln(b)
                                             + gammaln(a + b)) * tail, 0.0)
        return wrap(first + second, index, "probability")
