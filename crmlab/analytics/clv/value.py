"""Customer lifetime value: a purchase model's expected purchases times expected spend.

As in lifetimes' ``customer_lifetime_value``: discounted, period by period, over a
horizon, with the expected purchases computed once per unique customer history.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import FREQ_DAYS, as_float_array, check_frame_columns, check_freq, check_rfm
from ._base import TransactionResults
from ._data import check_time_label, data_unit, unique_rows
from .gamma_gamma import GammaGammaResults

__all__ = ["customer_lifetime_value"]


def customer_lifetime_value(transaction_model: TransactionResults,
                            spend_model: GammaGammaResults | float,
                            data: pd.DataFrame, *, horizon: int = 12,
                            discount_rate: float = 0.01, period: float | str = 1.0,
                            frequency_col: str = "frequency", recency_col: str = "recency",
                            T_col: str = "T",
                            monetary_col: str = "monetary_value",
                            margin: float = 1.0, purchase_covariates: Any = None,
                            dropout_covariates: Any = None) -> pd.Series:
    """Discounted expected value of each customer's purchases over the next periods.

    ``CLV_i = sum_{k=1}^{horizon} spend_i (E[Y_i(k P)] - E[Y_i((k-1) P)]) / (1+d)^k``
    with ``P`` the length of one discounting period, ``E[Y(t)]`` the transaction model's
    conditional expected purchases and ``spend_i`` the spend model's expected spend (as
    in lifetimes' ``customer_lifetime_value``). The expected purchases are computed once
    per unique ``(frequency, recency, T)`` row on the whole grid of periods at once and
    broadcast back to the customers.

    Parameters
    ----------
    transaction_model : BetaGeoResults or ParetoNBDResults
        A purchase model's results: fitted, or built with ``from_params``.
    spend_model : GammaGammaResults or float
        A spend model's results (fitted or from ``from_params``), or a fixed value
        (margin) per transaction.
    data : DataFrame
        The customers, with frequency, recency, T and (for a spend model) monetary value.
    horizon : int, default=12
        Number of discounting periods.
    discount_rate : float, default=0.01
        Discount rate per period.
    period : float or {"D", "W", "M"}, default=1.0
        Length of one discounting period in the model's time unit, or a period name,
        converted with the model's unit: ``period="M"`` for a model in weeks means 4.35
        weeks. The unit is the one the model was fitted on (or given to
        ``from_params(unit=...)``); for a model without one, that of ``data`` (recorded by
        :func:`summarize_transactions`).
    frequency_col, recency_col, T_col, monetary_col : str
        Column names in ``data``.
    margin : float, default=1
        Share of spend that is contribution (Fader, Hardie & Lee 2005b use 0.3): the value
        is ``margin`` times the discounted spend.
    purchase_covariates, dropout_covariates : DataFrame, optional
        For a model with covariates: the customers' covariates (rows matched to
        ``data``'s index). Not needed when ``data`` holds customers the model was fitted
        on: their own covariates are used. Each customer's expected purchases then use
        their own parameters.

    Returns
    -------
    Series
        Named ``clv``, indexed like ``data``.

    Raises
    ------
    ValueError
        If ``data`` is a summary in another time unit than the model (e.g. a model fitted
        in weeks and a daily summary): the CLV would be off by the ratio of the units. Or
        if its recency or T were converted by hand (see
        :func:`summarize_transactions`'s ``unit``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics import clv
    >>> s = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    >>> value = clv.customer_lifetime_value(bg, 10.0, s, horizon=6, discount_rate=0.01)
    >>> value.name, len(value)
    ('clv', 2000)
    >>> bool(value[s["frequency"] > 5].mean() > value[s["frequency"] == 0].mean())
    True
    """
    if not isinstance(transaction_model, TransactionResults):
        raise TypeError("transaction_model must be a fitted BetaGeo or ParetoNBD model "
                        "(the result of .fit() or .from_params()); got "
                        f"{type(transaction_model).__name__}")
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.floating)) \
            or not 0 < float(margin) <= 1:
        raise ValueError(f"margin must be a share of spend in (0, 1]; got {margin!r}")
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1; got {horizon!r}")
    d = float(discount_rate)
    if not np.isfinite(d) or d < 0:
        raise ValueError(f"discount_rate must be >= 0; got {discount_rate!r}")
    model_unit = transaction_model.unit
    name = type(transaction_model).__name__.removesuffix("Results")
    unit = data_unit({"data": data}, model_unit,
                     where=f"the {name} model") if isinstance(data, pd.DataFrame) else model_unit
    if isinstance(period, str):
        if unit is None:
            raise ValueError("period given as a name needs a time unit, and neither the model "
                             "(fitted on unlabelled numbers, or from_params without unit=) nor "
                             "data (no data.attrs['freq'] from summarize_transactions) records "
                             "one; give period as a number of model time units instead")
        plen = FREQ_DAYS[check_freq(period, "period")] / FREQ_DAYS[unit]
    else:
        plen = float(period)
        if not np.isfinite(plen) or plen <= 0:
            raise ValueError(f"period must be > 0; got {period!r}")
    need = [frequency_col, recency_col, T_col]
    if not isinstance(spend_model, (int, float, np.floating, np.integer)):
        if not isinstance(spend_model, GammaGammaResults):
            raise TypeError("spend_model must be a fitted GammaGamma model (or one from "
                            f"from_params) or a number; got {type(spend_model).__name__}")
        need.append(monetary_col)
    check_frame_columns(data, need, "data")
    x, tx, age = check_rfm(data[frequency_col], data[recency_col], data[T_col])
    check_time_label(recency_col, tx, data[recency_col])
    check_time_label(T_col, age, data[T_col])
    times = plen * np.arange(horizon + 1, dtype=np.float64)
    given = {"purchase": purchase_covariates, "dropout": dropout_covariates}
    if transaction_model.has_covariates or any(v is not None for v in given.values()):
        # every customer has their own parameters: no sharing of unique histories
        inverse = np.arange(x.size)
        with transaction_model._covariates_for(data.index, (x.size, 1), given):
            cum = transaction_model._expected_array(times[None, :], x[:, None], tx[:, None],
                                                    age[:, None])
    else:
        (ux, utx, uage), inverse, _ = unique_rows(x, tx, age)
        cum = transaction_model._expected_array(times[None, :], ux[:, None], utx[:, None],
                                                uage[:, None])
    per_period = np.diff(cum, axis=1)
    discount = (1.0 + d) ** -np.arange(1, horizon + 1, dtype=np.float64)
    purchases = (per_period @ discount)[inverse]
    if isinstance(spend_model, GammaGammaResults):
        m = as_float_array(data[monetary_col], monetary_col)
        spend = np.asarray(spend_model.expected_spend(x, m))
    else:
        spend = float(spend_model)
    return pd.Series(float(margin) * purchases * spend, index=data.index, name="clv")
