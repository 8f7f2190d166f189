"""Fader-Hardie value measures: DERT and iso-value curves.

Discounted expected residual transactions (DERT) are a customer's future purchases,
discounted continuously at rate ``delta`` per unit of the model's time, over an unlimited
horizon:

``DERT = int_0^inf e^(-delta t) dE[X(T, T+t) | x, t_x, T] = delta int_0^inf e^(-delta t)
E[X(T, T+t) | x, t_x, T] dt``.

Multiplied by expected spend and a margin it is the residual lifetime value of Fader,
Hardie & Lee (2005b), and its contours over recency and frequency are their iso-value
curves.

* Pareto/NBD has a closed form (FHL 2005b, eq. 2): ``DERT = P(alive) (r+x)/(alpha+T)
  delta^(s-1) (beta+T)^s U(s, s; delta (beta+T))`` with ``U`` the confluent
  hypergeometric function of the second kind.
* BG/NBD, MBG/NBD and GGom/NBD are integrated numerically: the integral above in ``log t``, with
  the trapezoid rule on 256 nodes (the integrand is smooth and falls off
  double-exponentially, so the rule converges fast), on the unique histories only. The
  closed form of Pareto/NBD checks this route in the tests.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves
for customer base analysis. Journal of Marketing Research 42(4), 415-430.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import hyperu

from .._validation import check_rfm
from ._base import TransactionResults
from ._data import index_of, unique_rows, wrap
from .gamma_gamma import GammaGammaResults
from .pareto_nbd import ParetoNBDResults

__all__ = ["discounted_expected_transactions", "iso_value"]

#: Nodes of the numerical route: log t from log(1e-8 / delta) to log(60 / delta).
_N_NODES = 256


def _check_rate(discount_rate: Any) -> float:
    d = float(discount_rate)
    if not np.isfinite(d) or d <= 0:
        raise ValueError(f"discount_rate must be a positive continuous rate per unit of the "
                         f"model's time (e.g. log(1.15) / 52 for 15 % a year on weekly "
                         f"data); got {discount_rate!r}")
    return d


def _dert_pareto_nbd(res: ParetoNBDResults, x: np.ndarray, tx: np.ndarray, age: np.ndarray,
                     delta: float) -> np.ndarray:
    r, alpha, s, beta = res._pars()
    z = delta * (beta + age)
    log_u = np.log(hyperu(s, s, z))
    return (res._p_alive_array(x, tx, age)
            * np.exp(np.log(r + x) - np.log(alpha + age) + (s - 1) * np.log(delta)
                     + s * np.log(beta + age) + log_u))


def _dert_numeric(res: TransactionResults, x: np.ndarray, tx: np.ndarray, age: np.ndarray,
                  delta: float) -> np.ndarray:
    """``delta int e^(-delta t) E(t) dt`` as ``int e^(-delta e^v) delta e^v E(e^v) dv``."""
    v = np.linspace(np.log(1e-8 / delta), np.log(60.0 / delta), _N_NODES)
    t = np.exp(v)
    expected = res._expected_array(t[None, :], x[:, None], tx[:, None], age[:, None])
    integrand = np.exp(-delta * t) * delta * t * expected
    return np.trapezoid(integrand, v, axis=1)


def discounted_expected_transactions(transaction_model: Any, frequency: Any, recency: Any,
                                     T: Any, *, discount_rate: float,
                                     purchase_covariates: Any = None,
                                     dropout_covariates: Any = None) -> Any:
    """Discounted expected residual transactions (DERT) of each customer.

    Parameters
    ----------
    transaction_model : ParetoNBDResults, BetaGeoResults or ModifiedBetaGeoResults
        A purchase model (fitted, or from ``from_params``).
    frequency, recency, T : array-like
        The customers' histories, in the model's time unit.
    discount_rate : float
        Continuous discount rate per unit of the model's time: an annual rate ``d`` on
        weekly data is ``log(1 + d) / 52``.
    purchase_covariates, dropout_covariates : DataFrame, optional
        For a model with covariates, as in its ``p_alive``: each customer's DERT then
        uses their own parameters (Pareto/NBD's closed form takes them directly).

    Returns
    -------
    float, ndarray or Series
        A Series named ``dert``  when any input is a Series (with its index).

    Examples
    --------
    >>> import numpy as np
    >>> from crmlab.analytics import clv
    >>> pn = clv.ParetoNBD.from_params(r=0.5533, alpha=10.5776, s=0.6061, beta=11.6650)
    >>> delta = np.log(1.15) / 52                       # 15 % a year, weekly data
    >>> dert = clv.discounted_expected_transactions(pn, [0, 2, 2], [0, 30.43, 10],
    ...                                             [38.86, 38.86, 38.86],
    ...                                             discount_rate=delta)
    >>> bool(dert[1] > dert[2] > 0)                     # recent buyers are worth more
    True
    """
    if not isinstance(transaction_model, TransactionResults):
        raise TypeError("transaction_model must be a purchase model on frequency / recency / "
                        "T (BetaGeo, ModifiedBetaGeo or ParetoNBD results); got "
                        f"{type(transaction_model).__name__}")
    delta = _check_rate(discount_rate)
    index = index_of(frequency, recency, T)
    x, tx, age = (np.atleast_1d(v) for v in check_rfm(*np.broadcast_arrays(
        np.asarray(frequency, dtype=np.float64), np.asarray(recency, dtype=np.float64),
        np.asarray(T, dtype=np.float64))))
    shape = np.broadcast_shapes(np.shape(frequency), np.shape(recency), np.shape(T))
    given = {"purchase": purchase_covariates, "dropout": dropout_covariates}
    if transaction_model.has_covariates or any(v is not None for v in given.values()):
        # every customer has their own parameters: no sharing of unique histories
        xf, txf, af = x.ravel(), tx.ravel(), age.ravel()
        pareto = isinstance(transaction_model, ParetoNBDResults)
        with transaction_model._covariates_for(index, xf.shape if pareto else (xf.size, 1),
                                               given):
            values = (_dert_pareto_nbd(transaction_model, xf, txf, af, delta) if pareto
                      else _dert_numeric(transaction_model, xf, txf, af, delta))
        return wrap(values.reshape(shape), index, "dert")
    (ux, utx, uage), inverse, _ = unique_rows(x.ravel(), tx.ravel(), age.ravel())
    if isinstance(transaction_model, ParetoNBDResults):
        values = _dert_pareto_nbd(transaction_model, ux, utx, uage, delta)
    else:
        values = _dert_numeric(transaction_model, ux, utx, uage, delta)
    return wrap(values[inverse].reshape(shape), index, "dert")


def iso_value(transaction_model: Any, spend_model: GammaGammaResults | float, *, T: float,
              discount_rate: float, max_frequency: int = 14, recency_step: float = 1.0,
              monetary_value: float | None = None, margin: float = 1.0,
              ax: Any = None) -> pd.DataFrame:
    """Residual value over a grid of frequency and recency: the iso-value curves' data.

    ``value = margin * E[spend | x, m] * DERT(x, t_x, T)`` for every ``x`` in
    ``0..max_frequency`` and ``t_x`` in ``0..T`` (``t_x = 0`` only with ``x = 0``), all at
    the same age ``T``, as FHL (2005b, Figure 4) draw them.

    Parameters
    ----------
    transaction_model : purchase model results
    spend_model : GammaGammaResults or float
        Expected spend per transaction from Gamma-Gamma (given ``monetary_value``), or a
        fixed value.
    T : float
        Age of the customers on the grid.
    discount_rate : float
        As in :func:`discounted_expected_transactions`.
    max_frequency : int, default=14
        Largest frequency on the grid.
    recency_step : float, default=1
        Spacing of the recency grid.
    monetary_value : float, optional
        The mean spend of the customers' repeat purchases (needed with a Gamma-Gamma
        model).
    margin : float, default=1
        Share of spend that is contribution (FHL use 30 %).
    ax : matplotlib Axes, optional
        Draw the iso-value contours there (recency on x, frequency on y).

    Returns
    -------
    DataFrame
        Rows ``frequency``, columns ``recency``, values the residual value (NaN where
        ``t_x = 0 < x``, which cannot happen).

    Examples
    --------
    >>> import numpy as np
    >>> from crmlab.analytics import clv
    >>> pn = clv.ParetoNBD.from_params(r=0.5533, alpha=10.5776, s=0.6061, beta=11.6650)
    >>> grid = clv.iso_value(pn, 35.0, T=39, discount_rate=np.log(1.15) / 52, margin=0.3)
    >>> grid.shape
    (15, 40)
    >>> bool(grid.loc[5, 39.0] > grid.loc[5, 10.0])
    True
    """
    delta = _check_rate(discount_rate)
    if not (np.isfinite(T) and T > 0):
        raise ValueError(f"T must be a positive age; got {T!r}")
    if not 0 < float(margin) <= 1:
        raise ValueError(f"margin must be a share of spend in (0, 1]; got {margin!r}")
    xs = np.arange(int(max_frequency) + 1, dtype=np.float64)
    rs = np.arange(0.0, float(T) + recency_step / 2, recency_step)
    rs = rs[rs <= T]
    xx, rr = np.meshgrid(xs, rs, indexing="ij")
    possible = (xx == 0) == (rr == 0)
    xv, rv = xx[possible], rr[possible]
    dert = np.asarray(discounted_expected_transactions(transaction_model, xv, rv,
                                                       np.full(xv.size, float(T)),
                                                       discount_rate=delta))
    if isinstance(spend_model, GammaGammaResults):
        if monetary_value is None:
            raise ValueError("a Gamma-Gamma spend model needs monetary_value (the mean spend "
                             "of the repeat purchases on the grid)")
        spend = np.asarray(spend_model.expected_spend(xv, np.full(xv.size,
                                                                  float(monetary_value))))
    else:
        spend = float(spend_model)
    grid = np.full(xx.shape, np.nan)
    grid[possible] = float(margin) * spend * dert
    out = pd.DataFrame(grid, index=pd.Index(xs.astype(int), name="frequency"),
                       columns=pd.Index(rs, name="recency"))
    if ax is not None:
        from ... import viz

        cs = ax.contour(rs, xs, np.where(np.isnan(grid), 0.0, grid), levels=8)
        ax.clabel(cs, fontsize=7)
        ax.set(title="Iso-value curves: residual value by recency and frequency",
               xlabel=f"recency (age {T:g})", ylabel="frequency")
        viz._record(ax, out)
    return out
