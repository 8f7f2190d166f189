"""Gamma-Gamma: the spend per transaction, gamma-distributed around a gamma-mixed mean.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves
for customer base analysis. Journal of Marketing Research 42(4), 415-430; Fader, P. S. &
Hardie, B. G. S. (2013). The gamma-gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma, gammaln

from .._validation import as_float_array, check_rfm
from ._base import LikelihoodModel, LikelihoodResults
from ._data import broadcast_float, check_weights, index_of, wrap

__all__ = ["GammaGamma", "GammaGammaResults"]


def _gg_rows(params: np.ndarray, x: np.ndarray, m: np.ndarray, log_xm: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Gamma-Gamma log-likelihood of a customer's mean spend (Fader & Hardie 2013, eq. 1a)."""
    p, q, gam = params
    px = p * x
    log_gxm = np.log(gam + x * m)
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gam)
          + (px - 1) * log_xm + np.log(x) - (px + q) * log_gxm)
    dg = digamma(px + q)
    grad = np.empty((x.size, 3))
    grad[:, 0] = x * (dg - digamma(px) + log_xm - log_gxm)
    grad[:, 1] = dg - digamma(q) + np.log(gam) - log_gxm
    grad[:, 2] = q / gam - (px + q) / (gam + x * m)
    return ll, grad


class GammaGamma(LikelihoodModel["GammaGammaResults"]):
    """Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005b).

    Each transaction's value is ``Gamma(p, nu)`` with ``nu ~ Gamma(q, gamma)`` across
    customers; only customers with repeat purchases (``frequency > 0``) are used, and
    ``monetary_value`` is the mean value of their repeat purchases.

    Parameters
    ----------
    frequency : array-like
        Repeat purchases per customer.
    monetary_value : array-like
        Mean value of the repeat purchases (> 0 where ``frequency > 0``).
    weights : array-like, optional
        Number of customers each row stands for.

    Examples
    --------
    >>> import numpy as np
    >>> from crmlab.analytics import clv
    >>> clv.GammaGamma([0, 1, 3, 2], [0.0, 20.0, 35.5, 12.0]).nobs
    3
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 6, 300)
    >>> m = rng.gamma(6 * x, 1 / rng.gamma(4, 1 / 15, 300)) / x
    >>> clv.GammaGamma(x, m).fit().converged
    True
    """

    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")

    def __init__(self, frequency: Any, monetary_value: Any, weights: Any = None) -> None:
        (x,) = check_rfm(frequency, need_repeaters=True)
        m = as_float_array(monetary_value, "monetary_value")
        if m.shape != x.shape:
            raise ValueError(f"monetary_value has {m.size} values but frequency has {x.size}")
        w = check_weights(weights, x.size)
        rep = x > 0
        bad = rep & (m <= 0)
        if bad.any():
            raise ValueError(f"monetary_value must be > 0 for customers with frequency > 0; "
                             f"{int(bad.sum())} have values <= 0 (returns? net them out or "
                             "drop those customers)")
        self.frequency, self.monetary_value = self._keep_unique_rows(w[rep], x[rep], m[rep])
        self._log_xm = np.log(self.frequency * self.monetary_value)

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _gg_rows(params, self.frequency, self.monetary_value, self._log_xm)

    def _default_start(self) -> np.ndarray:
        mean_m = float(self.weights @ self.monetary_value / self.nobs)
        return np.array([2.0, 3.0, mean_m])

    def _alternative_start(self) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0])


class GammaGammaResults(LikelihoodResults, model=GammaGamma):
    """A fitted Gamma-Gamma spend model (or one from given parameters).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> gg = clv.GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
    >>> isinstance(gg, clv.GammaGammaResults)
    True
    """

    _describe = "Gamma-Gamma spend, Fader, Hardie & Lee 2005"

    def expected_spend(self, frequency: Any, monetary_value: Any) -> Any:
        """Expected value of a customer's future transactions.

        ``E[M | x, m] = (p (gamma + x m)) / (p x + q - 1)``: a weighted mean of the
        population mean ``p gamma / (q - 1)`` and the customer's own mean ``m`` (Fader,
        Hardie & Lee 2005b, eq. 5). Customers without repeat purchases get the
        population mean. Needs ``q > 1``.

        Examples
        --------
        >>> import numpy as np
        >>> from crmlab.analytics import clv
        >>> rng = np.random.default_rng(0)
        >>> x = rng.integers(1, 6, 300)
        >>> m = rng.gamma(6 * x, 1 / rng.gamma(4, 1 / 15, 300)) / x
        >>> gg = clv.GammaGamma(x, m).fit()
        >>> p, q, g = gg.params
        >>> bool(np.isclose(gg.expected_spend(0, 0.0), p * g / (q - 1)))
        True
        """
        index = index_of(frequency, monetary_value)
        x = broadcast_float("frequency", frequency)
        m = broadcast_float("monetary_value", monetary_value)
        p, q, gam = self._params_tuple()
        if q <= 1:
            raise ValueError(f"expected spend needs q > 1 (the population mean spend is "
                             f"infinite); the parameters have q = {q:.4g}")
        m = np.where(x > 0, m, 0.0)
        return wrap(p * (gam + x * m) / (p * x + q - 1), index, "expected_spend")
