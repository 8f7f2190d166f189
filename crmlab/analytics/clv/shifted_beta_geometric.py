"""sBG: the shifted-beta-geometric model of contract renewals (contractual retention).

Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of
Interactive Marketing 21(1), 76-90; Fader, P. S. & Hardie, B. G. S. (2010).
Customer-base valuation in a contractual setting: the perils of ignoring heterogeneity.
Marketing Science 29(1), 85-93.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, hyp2f1

from .._validation import as_float_array
from ._base import LikelihoodModel, LikelihoodResults
from ._data import broadcast_float, check_weights, index_of, wrap

__all__ = ["ShiftedBetaGeometric", "ShiftedBetaGeometricResults"]


class ShiftedBetaGeometric(LikelihoodModel["ShiftedBetaGeometricResults"]):
    """Shifted-beta-geometric model of contract renewals (Fader & Hardie 2007).

    Each customer renews every period with probability ``1 - theta``, and
    ``theta ~ Beta(alpha, beta)`` across customers. Build it from a cohort's survivor
    counts (:meth:`from_survivors`) or from individual lifetimes (:meth:`from_durations`).

    Parameters
    ----------
    durations : array-like
        Whole number of periods per customer: the period in which the customer churned
        (>= 1), or, if censored, the number of periods the customer has survived (>= 0).
    censored : array-like of bool, optional
        True where the customer is still active (right-censored). Default: none.
    weights : array-like, optional
        Number of customers each row stands for.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> m = clv.ShiftedBetaGeometric([1, 3, 2, 4], [False, False, True, True])
    >>> m.nobs
    4
    >>> res = clv.ShiftedBetaGeometric.from_survivors(
    ...     [1000, 631, 468, 382, 326, 289, 262, 241]).fit()
    >>> res.params.round(3).tolist()
    [0.704, 1.182]
    """

    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    def __init__(self, durations: Any, censored: Any = None, weights: Any = None) -> None:
        t = as_float_array(durations, "durations")
        if (t != np.floor(t)).any() or (t < 0).any():
            raise ValueError("durations must be whole numbers of periods >= 0")
        if censored is None:
            c = np.zeros(t.size)
        else:
            arr = np.asarray(censored.to_numpy() if isinstance(censored, pd.Series)
                             else censored)
            if arr.shape != t.shape:
                raise ValueError(f"censored has shape {arr.shape} but durations {t.shape}")
            if arr.dtype != bool and not (np.issubdtype(arr.dtype, np.number)
                                          and np.isin(arr, [0, 1]).all()):
                raise TypeError("censored must be booleans (True = still active)")
            c = arr.astype(np.float64)
        if ((c == 0) & (t < 1)).any():
            raise ValueError("a churned customer's duration must be >= 1 (the period in "
                             "which they left); use censored=True for customers still active")
        w = check_weights(weights, t.size)
        if not ((c == 0) & (w > 0)).any():
            raise ValueError("no customer has churned (all censored): alpha and beta cannot "
                             "be estimated")
        self.durations, self.censored = self._keep_unique_rows(w, t, c)

    @classmethod
    def from_survivors(cls, survivors: Any) -> ShiftedBetaGeometric:
        """Model from a cohort's survivor counts ``[n_0, n_1, ..., n_k]``.

        ``n_0`` customers start; ``n_t`` are still active at the end of period ``t``.
        ``n_{t-1} - n_t`` churned in period ``t``; the ``n_k`` survivors are censored.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> res = clv.ShiftedBetaGeometric.from_survivors(
        ...     [1000, 869, 743, 653, 593, 551, 517, 491]).fit()
        >>> res.params.round(3).tolist()
        [0.668, 3.806]
        """
        n = as_float_array(survivors, "survivors")
        if n.size < 2:
            raise ValueError("survivors needs at least two counts: the cohort size and the "
                             "survivors after one period")
        if (n != np.floor(n)).any() or (n < 0).any():
            raise ValueError("survivors must be whole numbers >= 0")
        if n[0] <= 0:
            raise ValueError("survivors[0] (the cohort size) must be > 0")
        if (np.diff(n) > 0).any():
            raise ValueError("survivors must not increase over time (it counts customers "
                             "still active from the starting cohort)")
        k = n.size - 1
        durations = np.r_[np.arange(1, k + 1), k].astype(np.float64)
        censored = np.r_[np.zeros(k, dtype=bool), True]
        weights = np.r_[-np.diff(n), n[-1]]
        return cls(durations, censored, weights)

    @classmethod
    def from_durations(cls, durations: Any, censored: Any = None,
                       weights: Any = None) -> ShiftedBetaGeometric:
        """Model from individual lifetimes in periods, with right censoring.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> m = clv.ShiftedBetaGeometric.from_durations([1, 1, 2, 5], [False, False, False, True])
        >>> m.nobs
        4
        """
        return cls(durations, censored, weights)

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = params
        t = self.durations
        cen = self.censored > 0
        tt = np.where(cen, t, t - 1)   # churn: B(a+1, b+t-1); censored: B(a, b+t)
        aa = np.where(cen, a, a + 1)
        lb0 = gammaln(a) + gammaln(b) - gammaln(a + b)
        ll = gammaln(aa) + gammaln(b + tt) - gammaln(a + b + t) - lb0
        dab = digamma(a + b)
        grad = np.empty((t.size, 2))
        grad[:, 0] = digamma(aa) - digamma(a + b + t) - digamma(a) + dab
        grad[:, 1] = digamma(b + tt) - digamma(a + b + t) - digamma(b) + dab
        return ll, grad

    def _default_start(self) -> np.ndarray:
        return np.array([1.0, 1.0])

    def _alternative_start(self) -> np.ndarray:
        return np.array([0.5, 3.0])


def _period_numbers(t: Any, *, first: int) -> tuple[pd.Index | None, np.ndarray]:
    """The index of ``t`` (if a Series) and ``t`` as floats, checked to be >= ``first``."""
    tt = broadcast_float("t", t)
    if first > 0 and np.any(tt < first):
        raise ValueError(f"t must be >= {first} (periods are numbered from 1)")
    return index_of(t), tt


class ShiftedBetaGeometricResults(LikelihoodResults, model=ShiftedBetaGeometric):
    """A fitted sBG retention model: survival, retention, (discounted) lifetimes.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
    >>> isinstance(sbg, clv.ShiftedBetaGeometricResults)
    True
    >>> clv.ShiftedBetaGeometric.from_params(alpha=0.668, beta=3.806).survival(0)
    1.0
    """

    _describe = "sBG, Fader & Hardie 2007"

    def survival(self, t: Any) -> Any:
        """Share of a cohort still active after ``t`` periods: ``B(alpha, beta+t)/B(alpha, beta)``.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
        >>> sbg.survival(0)
        1.0
        """
        index, tt = _period_numbers(t, first=0)
        a, b = self._params_tuple()
        out = np.exp(gammaln(b + tt) - gammaln(a + b + tt) - gammaln(b) + gammaln(a + b))
        return wrap(out, index, "survival")

    def churn_probability(self, t: Any) -> Any:
        """Probability that a new customer leaves in period ``t`` (>= 1).

        ``B(alpha+1, beta+t-1) / B(alpha, beta)`` (Fader & Hardie 2007, eq. 2).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
        >>> round(sbg.churn_probability(1) + sbg.survival(1), 12)
        1.0
        """
        index, tt = _period_numbers(t, first=1)
        a, b = self._params_tuple()
        out = np.exp(np.log(a) + gammaln(b + tt - 1) - gammaln(a + b + tt) - gammaln(b)
                     + gammaln(a + b))
        return wrap(out, index, "churn_probability")

    def retention_rate(self, t: Any) -> Any:
        """Share of those active in period ``t-1`` who renew in period ``t`` (>= 1).

        ``(beta + t - 1) / (alpha + beta + t - 1)`` (Fader & Hardie 2007, eq. 4): it rises
        with ``t`` because the customers most likely to leave leave first.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
        >>> bool(sbg.retention_rate(5) > sbg.retention_rate(1))
        True
        """
        index, tt = _period_numbers(t, first=1)
        a, b = self._params_tuple()
        return wrap((b + tt - 1) / (a + b + tt - 1), index, "retention_rate")

    @property
    def expected_lifetime(self) -> float:
        """Mean number of periods a new customer stays, ``(alpha+beta-1)/(alpha-1)``.

        Infinite when ``alpha <= 1`` (the mean of ``1/theta`` does not exist).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> sbg = clv.ShiftedBetaGeometric.from_survivors(
        ...     [1000, 869, 743, 653, 593, 551, 517, 491]).fit()
        >>> sbg.expected_lifetime  # alpha = 0.668 < 1: some customers (almost) never leave
        inf
        """
        a, b = self._params_tuple()
        return (a + b - 1) / (a - 1) if a > 1 else float("inf")

    def discounted_expected_residual_lifetime(self, discount_rate: float,
                                              renewals: Any = 0) -> Any:
        """Discounted expected residual lifetime (DERL) of an active customer.

        For a customer who has made ``renewals`` renewals (so ``n = renewals + 1``
        periods as a customer), ``DERL = sum_{t >= n} S(t) / S(n-1) / (1+d)^(t-n)
        = (beta+n-1)/(alpha+beta+n-1) 2F1(1, beta+n; alpha+beta+n; 1/(1+d))``
        (Fader & Hardie 2010, eq. 6). Multiply by the margin per period for a value.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> sbg = clv.ShiftedBetaGeometric.from_survivors(
        ...     [1000, 869, 743, 653, 593, 551, 517, 491]).fit()
        >>> bool(sbg.discounted_expected_residual_lifetime(0.1, renewals=4)
        ...      > sbg.discounted_expected_residual_lifetime(0.1))
        True
        """
        d = float(discount_rate)
        if not np.isfinite(d) or d <= 0:
            raise ValueError(f"discount_rate must be > 0; got {discount_rate!r}")
        index = index_of(renewals)
        k = broadcast_float("renewals", renewals)
        if np.any(k != np.floor(k)):
            raise ValueError("renewals must be whole numbers")
        a, b = self._params_tuple()
        n = k + 1
        out = (b + n - 1) / (a + b + n - 1) * hyp2f1(1.0, b + n, a + b + n, 1 / (1 + d))
        return wrap(out, index, "derl")
