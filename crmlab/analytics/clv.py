"""Customer-base models: "buy till you die" purchase models, spend, retention and CLV.

From a transaction log to customer lifetime value in four steps::

    from crmlab.analytics import clv
    s = clv.summarize_transactions(df, "customer_id", "timestamp", "amount",
                                   end="2025-12-31", freq="W")
    bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    gg = clv.GammaGamma(s["frequency"], s["monetary_value"]).fit()
    value = clv.customer_lifetime_value(bg, gg, s, horizon=12, period="M")

Models
------
:class:`BetaGeo`
    BG/NBD (Fader, Hardie & Lee 2005a): Poisson purchases while alive, gamma-distributed
    rates; after each repeat purchase the customer drops out with a beta-distributed
    probability. Parameters ``r, alpha, a, b``.
:class:`ParetoNBD`
    Pareto/NBD (Schmittlein, Morrison & Colombo 1987): as above, but lifetimes are
    exponential with gamma-distributed death rates. Parameters ``r, alpha, s, beta``.
:class:`GammaGamma`
    Spend per transaction (Fader, Hardie & Lee 2005b; Fader & Hardie 2013). Parameters
    ``p, q, gamma``.
:class:`ShiftedBetaGeometric`
    Contractual retention, sBG (Fader & Hardie 2007). Parameters ``alpha, beta``.

Every model is fitted by maximum likelihood on the *unique* rows of its data with
integer weights, over log-parameters, with L-BFGS-B and analytic gradients; ``fit()``
returns a results object with ``params``, ``bse``, ``llf``, ``aic``, ``bic``,
``conf_int()``, ``summary()`` and the model's predictions. Every likelihood and
P(alive) is computed in log space, so customers with hundreds of purchases or a long
silence give finite values.

:func:`calibration_holdout_split` returns one table (calibration and holdout columns side
by side, as lifetimes' ``calibration_and_holdout_data``); :func:`simulate_bgnbd` and
:func:`simulate_pareto_nbd` draw customers with known parameters, for teaching and for
checking that a fit recovers the truth.

Time is measured in the periods of the summary (``freq``): with ``freq="W"``, ``T=39``
means 39 weeks, and ``alpha`` (BG/NBD, Pareto/NBD) and ``beta`` (Pareto/NBD) are in weeks.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers" the
   easy way: an alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.
.. [2] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value
   curves for customer base analysis. Journal of Marketing Research 42(4), 415-430.
.. [3] Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers:
   who are they and what will they do next? Management Science 33(1), 1-24.
.. [4] Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
   related expressions. http://brucehardie.com/notes/009/
.. [5] Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
   Journal of Interactive Marketing 21(1), 76-90.
.. [6] Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
   setting: the perils of ignoring heterogeneity. Marketing Science 29(1), 85-93.
.. [7] Fader, P. S. & Hardie, B. G. S. (2013). The gamma-gamma model of monetary value.
   http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betainc, digamma, expit, exprel, gammaln, hyp2f1, logsumexp

from ._likelihood import (
    ConvergenceError,
    ConvergenceWarning,
    LikelihoodModel,
    LikelihoodResults,
    Summary,
    broadcast_float,
    unique_rows,
)
from ._outofcore import DaskLog, dask_log, per_customer, time_range
from ._validation import (
    FREQ_DAYS,
    as_float_array,
    check_frame_columns,
    check_freq,
    check_rfm,
    check_times,
    check_timestamp,
)

__all__ = [
    "BetaGeo",
    "BetaGeoResults",
    "ConvergenceError",
    "ConvergenceWarning",
    "GammaGamma",
    "GammaGammaResults",
    "ParetoNBD",
    "ParetoNBDResults",
    "ShiftedBetaGeometric",
    "ShiftedBetaGeometricResults",
    "Summary",
    "calibration_holdout_split",
    "customer_lifetime_value",
    "simulate_bgnbd",
    "simulate_pareto_nbd",
    "summarize_transactions",
]

_NS_PER_DAY = 86_400 * 10**9


# ---------------------------------------------------------------------------------------
# Transactions -> RFM summary
# ---------------------------------------------------------------------------------------
def _periods(ns: np.ndarray, freq: str) -> np.ndarray:
    """Integer period number of each time (days, Monday-based weeks, calendar months)."""
    if freq == "M":
        return ns.view("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    days = np.floor_divide(ns, _NS_PER_DAY)
    if freq == "W":
        return np.floor_divide(days + 3, 7)  # 1970-01-05 was a Monday
    return days


def _end_exclusive(ts: pd.Timestamp) -> int:
    """A date without a time means the whole day; otherwise the instant itself."""
    if ts == ts.normalize():
        return (ts + pd.Timedelta(days=1)).value
    return ts.value + 1


class _Log:
    """A validated transaction log: customer codes, times (ns), values."""

    def __init__(self, df: Any, customer_col: str, time_col: str, value_col: str | None):
        check_frame_columns(df, [customer_col, time_col, value_col], "df")
        self.ns = check_times(df[time_col], time_col)
        ids = df[customer_col]
        n_missing = int(ids.isna().sum())
        if n_missing:
            raise ValueError(f"column {customer_col!r} has {n_missing} missing customer ids")
        self.ids = ids
        self.values = None if value_col is None else as_float_array(df[value_col], value_col)

    def window(self, start: Any, end: Any, *, what: str = "end") -> tuple[np.ndarray, int]:
        """Mask of transactions in [start, end] and the end as an inclusive ns bound."""
        first = int(self.ns.min())
        if end is None:
            end_ts = pd.Timestamp(int(self.ns.max()))
            stop = int(self.ns.max()) + 1
        else:
            end_ts = check_timestamp(end, what)
            stop = _end_exclusive(end_ts)
        if stop <= first:
            raise ValueError(f"{what} ({end_ts}) is before the first transaction "
                             f"({pd.Timestamp(first)}); nothing to summarise")
        keep = self.ns < stop
        if start is not None:
            start_ts = check_timestamp(start, "start")
            if start_ts.value >= stop:
                raise ValueError(f"start ({start_ts}) must be before {what} ({end_ts})")
            keep &= self.ns >= start_ts.value
        if not keep.any():
            raise ValueError(f"no transactions between start and {what} ({end_ts})")
        return keep, stop - 1


def _collapse(codes: np.ndarray, periods: np.ndarray,
              values: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Collapse purchases per (customer, period); per customer first/last/count/values.

    Returns ``(customer_codes, first, last, n_periods, repeat_value_sum)`` with customers
    sorted by code; ``repeat_value_sum`` excludes the first period (None without values).
    """
    pmin = int(periods.min())
    span = int(periods.max()) - pmin + 1
    key = codes.astype(np.int64) * span + (periods - pmin)
    if values is None:
        ukey = np.unique(key)
        pair_val = None
    else:
        ukey, inv = np.unique(key, return_inverse=True)
        pair_val = np.bincount(inv.ravel(), weights=values, minlength=ukey.size)
    cust = ukey // span
    per = ukey % span + pmin
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    counts = np.diff(np.r_[starts, cust.size])
    first = per[starts]
    last = per[starts + counts - 1]
    repeat = None
    if pair_val is not None:
        repeat = np.add.reduceat(pair_val, starts) - pair_val[starts]
    return cust[starts], first, last, counts, repeat


def summarize_transactions(df: Any, customer_col: str = "customer_id",
                           time_col: str = "timestamp", value_col: str | None = None, *,
                           end: Any = None, start: Any = None,
                           freq: str = "D") -> pd.DataFrame:
    """Turn a transaction log into the frequency / recency / T (/ monetary) table.

    Time is cut into periods of ``freq``; several purchases in the same period count as
    one purchase whose value is their sum, as in lifetimes'
    ``summary_data_from_transaction_data``. The customer's first period is the "birth";
    repeat purchases are the later periods with purchases.

    Parameters
    ----------
    df : DataFrame, Dask DataFrame, or path
        One row per transaction. The input does not need to be sorted. A Dask DataFrame
        or the path of a Parquet file or folder (e.g. ``DIR/transactions`` of a world
        written by :func:`crmlab.engine.generate`) is summarised out of core, each
        customer's rows in one partition; the result is the same pandas table.
    customer_col : str, default="customer_id"
        Column with customer ids (any sortable type, no missing values).
    time_col : str, default="timestamp"
        Column of ``datetime64`` times (tz-aware times are read as local wall time).
    value_col : str, optional
        Column of transaction values; without it there is no ``monetary_value`` column.
    end : date-like, optional
        End of the observation window, inclusive: a date without a time means the end of
        that day. Later transactions are dropped. Default: the last transaction.
    start : date-like, optional
        Transactions before ``start`` are ignored.
    freq : {"D", "W", "M"}, default="D"
        Period: day, week (Monday to Sunday) or calendar month.

    Returns
    -------
    DataFrame
        Indexed by customer id (index name ``customer_col``), sorted, with float columns
        ``frequency`` (number of repeat periods), ``recency`` (periods from the first to
        the last purchase), ``T`` (periods from the first purchase to ``end``) and, with
        ``value_col``, ``monetary_value`` (mean value of the repeat periods; 0 when
        ``frequency == 0``). ``attrs["freq"]`` records ``freq``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics import clv
    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                     "timestamp": pd.to_datetime(["2025-01-06", "2025-01-07",
    ...                                                  "2025-01-20", "2025-01-13"]),
    ...                     "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> clv.summarize_transactions(log, value_col="amount", end="2025-01-31", freq="W")
                 frequency  recency    T  monetary_value
    customer_id
    1                  1.0      2.0  3.0            20.0
    2                  0.0      0.0  2.0             0.0
    """
    freq = check_freq(freq)
    big = dask_log(df, [customer_col, time_col, value_col])
    if big is not None:
        return _summarize_dask(big, customer_col, time_col, value_col, end=end, start=start,
                               freq=freq)
    log = _Log(df, customer_col, time_col, value_col)
    keep, end_ns = log.window(start, end)
    ns = log.ns[keep]
    codes, uniques = pd.factorize(log.ids[keep], sort=True)
    periods = _periods(ns, freq)
    end_period = int(_periods(np.array([end_ns], dtype=np.int64), freq)[0])
    vals = None if log.values is None else log.values[keep]
    cust, first, last, counts, repeat = _collapse(codes, periods, vals)
    frequency = (counts - 1).astype(np.float64)
    out = pd.DataFrame({"frequency": frequency,
                        "recency": (last - first).astype(np.float64),
                        "T": (end_period - first).astype(np.float64)},
                       index=pd.Index(uniques[cust], name=customer_col))
    if repeat is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(frequency > 0, repeat / np.maximum(frequency, 1),
                                             0.0)
    out.attrs["freq"] = freq
    return out


def _summarize_dask(log: DaskLog, customer_col: str, time_col: str, value_col: str | None, *,
                    end: Any, start: Any, freq: str) -> pd.DataFrame:
    """:func:`summarize_transactions` of a Dask DataFrame or Parquet path: the pandas
    summary of each partition of whole customers, computed in parallel."""
    first, last = time_range(log, time_col)
    end_ts = last if end is None else check_timestamp(end, "end")
    stop = last.value + 1 if end is None else _end_exclusive(end_ts)
    if stop <= first.value:
        raise ValueError(f"end ({end_ts}) is before the first transaction ({first}); "
                         "nothing to summarise")
    start_ns = None
    if start is not None:
        start_ns = check_timestamp(start, "start").value
        if start_ns >= stop:
            raise ValueError(f"start ({pd.Timestamp(start_ns)}) must be before end ({end_ts})")
    cols = ["frequency", "recency", "T"] + ([] if value_col is None else ["monetary_value"])
    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}, index=pd.Index(
        [], dtype=log.frame._meta[customer_col].dtype, name=customer_col))

    def summary(part: pd.DataFrame) -> pd.DataFrame:
        ns = check_times(part[time_col], time_col)
        keep = (ns < stop) & (True if start_ns is None else ns >= start_ns)
        if not keep.any():
            return meta
        # a last transaction at midnight as ``end`` covers that whole day: same periods
        return summarize_transactions(part[keep], customer_col, time_col, value_col,
                                      end=end_ts, start=start, freq=freq)

    out = per_customer(log, customer_col, summary, meta)
    if out.empty:
        raise ValueError(f"no transactions between start and end ({end_ts})")
    out.attrs["freq"] = freq
    return out


def calibration_holdout_split(df: pd.DataFrame, customer_col: str = "customer_id",
                              time_col: str = "timestamp", value_col: str | None = None, *,
                              calibration_end: Any, end: Any = None, start: Any = None,
                              freq: str = "D") -> pd.DataFrame:
    """One table with a calibration summary and what each customer did in the holdout.

    Like lifetimes' ``calibration_and_holdout_data``: the calibration columns are
    :func:`summarize_transactions` up to ``calibration_end``; the holdout columns count
    the same customers' purchase periods after ``calibration_end`` up to ``end``.
    Customers whose first purchase is after ``calibration_end`` are not included.

    Parameters
    ----------
    df, customer_col, time_col, value_col, start, freq
        As in :func:`summarize_transactions`.
    calibration_end : date-like
        Last moment of the calibration window (a date means the end of that day).
    end : date-like, optional
        End of the holdout window; default the last transaction.

    Returns
    -------
    DataFrame
        Indexed by customer: ``frequency_cal``, ``recency_cal``, ``T_cal``
        (``monetary_value_cal``), ``frequency_holdout`` (number of holdout periods with
        purchases), (``monetary_value_holdout``: mean value of those periods, 0 if none)
        and ``duration_holdout`` (holdout length in periods, the same for everyone).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics import clv
    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                     "timestamp": pd.to_datetime(["2025-01-06", "2025-01-20",
    ...                                                  "2025-02-10", "2025-01-13"])})
    >>> t = clv.calibration_holdout_split(log, calibration_end="2025-01-26",
    ...                                   end="2025-02-23", freq="W")
    >>> t[["frequency_cal", "T_cal", "frequency_holdout", "duration_holdout"]]
                 frequency_cal  T_cal  frequency_holdout  duration_holdout
    customer_id
    1                      1.0    2.0                1.0               4.0
    2                      0.0    1.0                0.0               4.0
    """
    freq = check_freq(freq)
    cal = summarize_transactions(df, customer_col, time_col, value_col,
                                 end=calibration_end, start=start, freq=freq)
    log = _Log(df, customer_col, time_col, value_col)
    keep, end_ns = log.window(start, end)
    cal_end_ns = _end_exclusive(check_timestamp(calibration_end, "calibration_end")) - 1
    if end_ns <= cal_end_ns:
        raise ValueError(f"end ({pd.Timestamp(end_ns)}) must be after calibration_end "
                         f"({pd.Timestamp(cal_end_ns)})")
    p_cal_end, p_end = _periods(np.array([cal_end_ns, end_ns], dtype=np.int64), freq)
    hold = keep & (log.ns > cal_end_ns)
    codes = cal.index.get_indexer(log.ids[hold])
    known = codes >= 0
    out = cal.add_suffix("_cal")
    out.attrs["freq"] = freq
    n = len(cal)
    freq_h = np.zeros(n)
    mv_h = np.zeros(n)
    if known.any():
        vals = None if log.values is None else log.values[hold][known]
        cust, _, _, counts, _ = _collapse(codes[known], _periods(log.ns[hold][known], freq),
                                          None)
        freq_h[cust] = counts
        if vals is not None:
            total = np.bincount(codes[known], weights=vals, minlength=n)
            mv_h = np.divide(total, freq_h, out=np.zeros(n), where=freq_h > 0)
    out["frequency_holdout"] = freq_h
    if value_col is not None:
        out["monetary_value_holdout"] = mv_h
    out["duration_holdout"] = float(p_end - p_cal_end)
    return out


# ---------------------------------------------------------------------------------------
# Shared helpers for the models
# ---------------------------------------------------------------------------------------
def _check_weights(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n, dtype=np.int64)
    w = as_float_array(weights, "weights")
    if w.size != n:
        raise ValueError(f"weights has {w.size} values but there are {n} customers")
    if (w < 0).any() or (w != np.floor(w)).any():
        raise ValueError("weights must be non-negative whole numbers (customers per row)")
    if w.sum() == 0:
        raise ValueError("weights are all zero: no customers to fit")
    return w.astype(np.int64)


def _index_of(*values: Any) -> pd.Index | None:
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def _wrap(result: np.ndarray, index: pd.Index | None, name: str) -> Any:
    if index is not None and result.ndim == 1 and result.size == len(index):
        return pd.Series(result, index=index, name=name)
    if result.ndim == 0:
        return float(result)
    return result


def _rfm_for_prediction(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, ...]:
    """Validate and broadcast frequency / recency / T given to a prediction method."""
    x = broadcast_float("frequency", frequency)
    tx = broadcast_float("recency", recency)
    age = broadcast_float("T", T)
    x, tx, age = np.broadcast_arrays(x, tx, age)
    if np.any(x != np.floor(x)):
        raise ValueError("frequency must hold whole numbers of repeat purchases")
    if np.any(tx > age):
        raise ValueError("recency is larger than T for some customers; recency is the time "
                         "of the last repeat purchase, T the customer's age")
    if np.any((x == 0) & (tx != 0)):
        raise ValueError("recency must be 0 when frequency == 0")
    return x, tx, age


def _split_unique_x(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xu, xinv = np.unique(x, return_inverse=True)
    return xu, xinv.ravel()


# ---------------------------------------------------------------------------------------
# BG/NBD
# ---------------------------------------------------------------------------------------
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


class BetaGeo(LikelihoodModel):
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

    Notes
    -----
    The data are reduced to their unique ``(frequency, recency, T)`` rows with counts,
    so the cost of a fit depends on the number of distinct rows, not on customers.

    Examples
    --------
    >>> import numpy as np
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> model = clv.BetaGeo(d["frequency"], d["recency"], d["T"])
    >>> model.nobs, model.param_names
    (2000, ('r', 'alpha', 'a', 'b'))
    >>> model.fit().params.round(2).to_dict()  # doctest: +SKIP
    {'r': 0.25, 'alpha': 4.0, 'a': 0.8, 'b': 2.5}
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    def __init__(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> None:
        x, tx, age = check_rfm(frequency, recency, T, need_repeaters=True)
        w = _check_weights(weights, x.size)
        (self.frequency, self.recency, self.T), self._inverse, counts = unique_rows(x, tx, age)
        wsum = np.bincount(self._inverse, weights=w, minlength=counts.size)
        self.weights = wsum.astype(np.float64)
        self.nobs = int(w.sum())
        self._xu, self._xinv = _split_unique_x(self.frequency)

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _bgnbd_rows(params, self.frequency, self.recency, self.T, self._xu, self._xinv)

    def _default_start(self) -> np.ndarray:
        rate = (self.weights @ self.frequency) / max(self.weights @ self.T, 1e-12)
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, 3.0])

    def _alternative_start(self) -> np.ndarray:
        return np.array([0.5, float(self.weights @ self.T / self.nobs) or 1.0, 0.5, 1.0])

    def _results_class(self) -> type[BetaGeoResults]:
        return BetaGeoResults

    def fit(self, start_params: Any = None, *, maxiter: int = 2000,
            gtol: float = 1e-5) -> BetaGeoResults:
        """Fit by maximum likelihood; see :meth:`LikelihoodModel.fit`.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
        >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
        >>> list(bg.params.index)
        ['r', 'alpha', 'a', 'b']
        """
        return super().fit(start_params, maxiter=maxiter, gtol=gtol)  # type: ignore[return-value]


class BetaGeoResults(LikelihoodResults):
    """A fitted BG/NBD model: parameters and predictions.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> isinstance(bg, clv.BetaGeoResults)
    True
    """

    _describe = "BG/NBD, Fader, Hardie & Lee 2005"

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that a customer is still alive at the end of the window.

        ``1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``
        (Fader, Hardie & Lee 2005a, eq. 11), computed as ``expit`` of a log-odds.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
        >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
        >>> bg.p_alive(0, 0, 30)
        1.0
        """
        index = _index_of(frequency, recency, T)
        x, tx, age = _rfm_for_prediction(frequency, recency, T)
        r, alpha, a, b = self._params_tuple()
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                                + (r + x) * (np.log(alpha + age) - np.log(alpha + tx)),
                                -np.inf)
        return _wrap(expit(-log_odds), index, "p_alive")

    def _expected_array(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
        r, alpha, a, b = self._params_tuple()
        z = t / (alpha + age + t)
        # ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z), Euler-transformed to
        # (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): no huge powers for large x.
        f = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        numer = (a + b + x - 1) / (a - 1) * (1 - f)
        with np.errstate(divide="ignore"):
            log_odds = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                                + (r + x) * (np.log(alpha + age) - np.log(alpha + tx)),
                                -np.inf)
        return numer * expit(-log_odds)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """Expected repeat purchases in the next ``t`` periods, given a customer's history.

        Fader, Hardie & Lee (2005a), eq. (10); the Gaussian hypergeometric function is
        evaluated after an Euler transformation so extreme customers stay finite.

        Parameters
        ----------
        t : float or array-like
            Length of the future window (same unit as ``T``); broadcast with the rest.
        frequency, recency, T : float or array-like
            The customers' histories.

        Returns
        -------
        float, ndarray or Series
            A Series when any input is a Series (with its index).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
        >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
        >>> bool(bg.expected_purchases(10, 6, 30, 38) > bg.expected_purchases(10, 0, 0, 38))
        True
        """
        index = _index_of(frequency, recency, T, t)
        x, tx, age = _rfm_for_prediction(frequency, recency, T)
        tt = broadcast_float("t", t)
        return _wrap(self._expected_array(tt, x, tx, age), index, "expected_purchases")

    def expected_purchases_new_customer(self, t: Any) -> Any:
        """Expected repeat purchases by a new customer in ``t`` periods (FHL 2005a, eq. 7).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
        >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
        >>> bg.expected_purchases_new_customer(0)
        0.0
        """
        index = _index_of(t)
        tt = broadcast_float("t", t)
        r, alpha, a, b = self._params_tuple()
        z = tt / (alpha + tt)
        f = np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)
        return _wrap((a + b - 1) / (a - 1) * (1 - f) + 0.0, index, "expected_purchases")

    def probability_of_n_purchases(self, t: Any, n: Any) -> Any:
        """Probability that a new customer makes exactly ``n`` repeat purchases in ``t``.

        Fader, Hardie & Lee (2005a), eq. (8); the negative binomial tail is a regularised
        incomplete beta function.

        Examples
        --------
        >>> import numpy as np
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_bgnbd(2000, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
        >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
        >>> round(float(bg.probability_of_n_purchases(10, np.arange(200)).sum()), 6)
        1.0
        """
        index = _index_of(t, n)
        tt = broadcast_float("t", t)
        nn = broadcast_float("n", n)
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
        return _wrap(first + second, index, "probability")




# ---------------------------------------------------------------------------------------
# Pareto/NBD
# ---------------------------------------------------------------------------------------
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(32)
_LOG_GL_WEIGHTS = np.log(_GL_WEIGHTS)


def _hyp_series(P: np.ndarray, Q: np.ndarray, z: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_hyp_series_block` on rows with small and larger ``z`` separately.

    Rows with ``z <= 0.1`` need at most 16 terms, the others up to 50: splitting them
    keeps the common case cheap.
    """
    small = z <= 0.1
    if small.all() or not small.any():
        return _hyp_series_block(P, Q, z)
    out = [np.empty(z.size) for _ in range(4)]
    for mask in (small, ~small):
        for o, v in zip(out, _hyp_series_block(P[mask], Q[mask], z[mask]), strict=True):
            o[mask] = v
    return out[0], out[1], out[2], out[3]


def _hyp_series_block(P: np.ndarray, Q: np.ndarray, z: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``S = 2F1(1, P; P+Q; z) = sum_n (P)_n / (P+Q)_n z^n`` and dS/dP, dS/dQ, dS/dz.

    Every term is positive and the ratio of successive terms is below ``z <= 1/2``, so
    a fixed number of terms reaches double precision without cancellation. With
    ``t_n = c_n z^n``, ``dS/dP = sum_n t_n sum_{k<n} [1/(P+k) - 1/(P+Q+k)]`` is summed as
    ``sum_k [..]_k tail_k`` with the tail sums ``tail_k = sum_{n>k} t_n`` (same for Q).
    The loops run over the (few) terms, each step vectorised over all rows.
    """
    zmax = float(z.max(initial=0.0))
    # truncation error below z^N ~ 1e-14 relative (the terms decay faster than z^n)
    nterms = 2 if zmax <= 0 else int(min(60, np.ceil(-32.3 / np.log(zmax)) + 2))
    k = np.arange(nterms, dtype=np.float64)[:, None]
    Pk = P + k
    inv_pqk = 1.0 / (Pk + Q)
    u = Pk * inv_pqk                       # -> u_n = c_n z^(n-1) for n = 1..N
    u[1:] *= z
    for i in range(1, nterms):             # cumulative product (faster than np.cumprod)
        u[i] *= u[i - 1]
    tail = u * z                           # t_n = c_n z^n ...
    for i in range(nterms - 2, -1, -1):    # ... -> tail sums sum_{n >= i+1} t_n
        tail[i] += tail[i + 1]
    S = 1.0 + tail[0]
    SQ = -np.einsum("ij,ij->j", inv_pqk, tail)
    SP = np.einsum("ij,ij->j", 1.0 / Pk, tail) + SQ
    Sz = (k[:, 0] + 1) @ u
    return S, SP, SQ, Sz


def _log_G(A: float, B: float, P: np.ndarray, Q: np.ndarray, t: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """``log G(t) = log int_t^inf (A+u)^-P (B+u)^-Q du`` (A >= B) and its gradient.

    ``G(t) = (A+t)^-P (B+t)^-(Q-1) 2F1(1, P; P+Q; z) / (P+Q-1)``, ``z = (A-B)/(A+t)``
    (Fader & Hardie 2005 note, eqs. 19-20, after an Euler transformation). The gradient
    columns are with respect to (P, Q, A, B).
    """
    z = (A - B) / (A + t)
    S, SP, SQ, Sz = _hyp_series(P, Q, z)
    lat = np.log(A + t)
    lbt = np.log(B + t)
    K = P + Q - 1
    logG = -P * lat - (Q - 1) * lbt - np.log(K) + np.log(S)
    g = np.empty((t.size, 4))
    g[:, 0] = -lat - 1 / K + SP / S
    g[:, 1] = -lbt - 1 / K + SQ / S
    g[:, 2] = -P / (A + t) + Sz / S * (B + t) / (A + t) ** 2
    g[:, 3] = -(Q - 1) / (B + t) - Sz / S / (A + t)
    return logG, g


def _log_I_quadrature(A: float, B: float, P: np.ndarray, Q: np.ndarray, t0: np.ndarray,
                      t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log int_t0^t1 (A+u)^-P (B+u)^-Q du`` by 32-point Gauss-Legendre in y = log(B+u).

    In y the integrand is ``exp(y - P log(A-B+e^y) - Q y)``: analytic in a strip of
    half-width pi around the real axis whatever the parameters, and log-concave, so the
    range is cut where it has fallen by e^-60 below its start when it decreases.
    Gradient columns are with respect to (P, Q, A, B).
    """
    d = A - B
    y0 = np.log(B + t0)
    y1 = np.log(B + t1)
    slope0 = 1 - Q - P / (1 + d * np.exp(-y0))
    with np.errstate(divide="ignore"):
        reach = np.where(slope0 < 0, 60.0 / np.abs(slope0), np.inf)
    y1 = np.minimum(y1, y0 + reach)
    half = (y1 - y0) / 2
    y = (y0 + half)[:, None] + half[:, None] * _GL_NODES
    e = np.exp(-y)
    log_a = y + np.log1p(d * e)                       # log(A + u)
    ell = y - P[:, None] * log_a - Q[:, None] * y
    with np.errstate(divide="ignore"):
        terms = ell + _LOG_GL_WEIGHTS + np.log(half)[:, None]
    logI = logsumexp(terms, axis=1)
    pi = np.exp(terms - logI[:, None])
    g = np.empty((t0.size, 4))
    g[:, 0] = -(pi * log_a).sum(axis=1)
    g[:, 1] = -(pi * y).sum(axis=1)
    g[:, 2] = -P * (pi * np.exp(-log_a)).sum(axis=1)
    g[:, 3] = -Q * (pi * e).sum(axis=1)
    return logI, g


def _pnbd_log_integral(r: float, alpha: float, s: float, beta: float, x: np.ndarray,
                       tx: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log I`` with ``I = int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du`` and its gradient.

    Gradient columns are with respect to (r, alpha, s, beta). ``I = 0`` (log -inf, zero
    gradient) where ``tx == T``. Rows where ``z = |alpha-beta| / (max(alpha,beta) + tx)``
    is at most 1/2 use the hypergeometric series ``G(tx) - G(T)``; the rest use
    quadrature. ``alpha == beta`` needs no special case (z = 0, the series is 1).
    """
    p = r + x
    q = np.full_like(p, s + 1.0)
    if alpha >= beta:
        A, B, P, Q, cols = alpha, beta, p, q, [0, 2, 1, 3]
    else:
        A, B, P, Q, cols = beta, alpha, q, p, [1, 3, 0, 2]
    n = x.size
    logI = np.full(n, -np.inf)
    g_pqab = np.zeros((n, 4))
    open_ = T > tx
    z0 = (A - B) / (A + tx)
    ser = open_ & (z0 <= 0.5)
    quad = open_ & ~ser
    if ser.any():
        i = np.flatnonzero(ser)
        m = i.size
        lg, gg = _log_G(A, B, np.r_[P[i], P[i]], np.r_[Q[i], Q[i]], np.r_[tx[i], T[i]])
        lg1, lg2 = lg[:m], lg[m:]
        dlt = np.minimum(lg2 - lg1, 0.0)
        one_minus = -np.expm1(dlt)
        ok = one_minus > 0
        ratio = np.exp(dlt)
        with np.errstate(divide="ignore", invalid="ignore"):
            li = np.where(ok, lg1 + np.log(one_minus), -np.inf)
            gi = (gg[:m] - ratio[:, None] * gg[m:]) / one_minus[:, None]
        logI[i] = li
        g_pqab[i] = np.where(ok[:, None], gi, 0.0)
    if quad.any():
        i = np.flatnonzero(quad)
        logI[i], g_pqab[i] = _log_I_quadrature(A, B, P[i], Q[i], tx[i], T[i])
    # columns of g_pqab are (P, Q, A, B); `cols` picks them in the order
    # (p, alpha, q, beta), and d/dr = d/dp, d/ds = d/dq
    return logI, g_pqab[:, cols]


def _pnbd_parts(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log term1, log term2 (= log s + log I) and d log I for the Pareto/NBD likelihood."""
    r, alpha, s, beta = params
    lt1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    logI, gI = _pnbd_log_integral(r, alpha, s, beta, x, tx, T)
    return lt1, np.log(s) + logI, gI


def _pnbd_rows(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
               xu: np.ndarray, xinv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pareto/NBD log-likelihood per row and gradient (Fader & Hardie 2005 note, eq. 18).

    ``L = G(r+x) alpha^r beta^s / G(r) [(alpha+T)^-(r+x) (beta+T)^-s + s I]``.
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


class ParetoNBD(LikelihoodModel):
    """Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

    While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r,
    alpha)``; lifetimes are exponential with death rate ``mu ~ Gamma(s, beta)``.

    Parameters
    ----------
    frequency, recency, T, weights
        As in :class:`BetaGeo`.

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
    derivatives.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12, random_state=1)
    >>> clv.ParetoNBD(d["frequency"], d["recency"], d["T"]).param_names
    ('r', 'alpha', 's', 'beta')
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")

    def __init__(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> None:
        x, tx, age = check_rfm(frequency, recency, T, need_repeaters=True)
        w = _check_weights(weights, x.size)
        (self.frequency, self.recency, self.T), self._inverse, counts = unique_rows(x, tx, age)
        self.weights = np.bincount(self._inverse, weights=w, minlength=counts.size)
        self.nobs = int(w.sum())
        self._xu, self._xinv = _split_unique_x(self.frequency)

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _pnbd_rows(params, self.frequency, self.recency, self.T, self._xu, self._xinv)

    def _default_start(self) -> np.ndarray:
        """The maximum of the likelihood restricted to ``alpha == beta``.

        There the integral term has a closed form (the series is 1), so this costs a few
        cheap evaluations and usually starts the full fit close to its optimum.
        """
        mean_t = float(self.weights @ self.T / self.nobs) or 1.0
        rate = (self.weights @ self.frequency) / max(self.weights @ self.T, 1e-12)
        plain = np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, mean_t])

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

    def _alternative_start(self) -> np.ndarray:
        mean_t = float(self.weights @ self.T / self.nobs) or 1.0
        return np.array([0.5, mean_t, 0.5, 2 * mean_t])

    def _results_class(self) -> type[ParetoNBDResults]:
        return ParetoNBDResults

    def fit(self, start_params: Any = None, *, maxiter: int = 2000,
            gtol: float = 1e-5) -> ParetoNBDResults:
        """Fit by maximum likelihood; see :meth:`LikelihoodModel.fit`.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12,
        ...                             random_state=1)
        >>> pn = clv.ParetoNBD(d["frequency"], d["recency"], d["T"]).fit()
        >>> list(pn.params.index)
        ['r', 'alpha', 's', 'beta']
        """
        return super().fit(start_params, maxiter=maxiter, gtol=gtol)  # type: ignore[return-value]


class ParetoNBDResults(LikelihoodResults):
    """A fitted Pareto/NBD model: parameters and predictions.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12,
    ...                             random_state=1)
    >>> pn = clv.ParetoNBD(d["frequency"], d["recency"], d["T"]).fit()
    >>> isinstance(pn, clv.ParetoNBDResults)
    True
    """

    _describe = "Pareto/NBD, Schmittlein, Morrison & Colombo 1987"

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, age: np.ndarray) -> np.ndarray:
        shape = x.shape
        xf, txf, af = (np.ravel(v).astype(np.float64) for v in (x, tx, age))
        lt1, lt2, _ = _pnbd_parts(np.array(self._params_tuple()), xf, txf, af)
        return (lt2 - lt1).reshape(shape)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that a customer is still alive at the end of the window.

        ``P(alive) = (alpha+T)^-(r+x) (beta+T)^-s / [(alpha+T)^-(r+x) (beta+T)^-s + s I]``
        (Fader & Hardie 2005 note, eq. 22), as ``expit`` of a log-odds.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12,
        ...                             random_state=1)
        >>> pn = clv.ParetoNBD(d["frequency"], d["recency"], d["T"]).fit()
        >>> bool(pn.p_alive(6, 30, 38) > pn.p_alive(6, 5, 38))
        True
        """
        index = _index_of(frequency, recency, T)
        x, tx, age = _rfm_for_prediction(frequency, recency, T)
        return _wrap(expit(-self._log_odds_dead(x, tx, age)), index, "p_alive")

    def _expected_array(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = self._params_tuple()
        alive = expit(-self._log_odds_dead(x, tx, age))
        # (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)], written with
        # exprel so that s == 1 (the log limit) needs no special case.
        lg = np.log1p(t / (beta + age))
        growth = (r + x) * (beta + age) / (alpha + age) * lg * exprel(-(s - 1) * lg)
        return growth * alive

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """Expected repeat purchases in the next ``t`` periods, given a customer's history.

        Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005) note, eq. (27).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12,
        ...                             random_state=1)
        >>> pn = clv.ParetoNBD(d["frequency"], d["recency"], d["T"]).fit()
        >>> pn.expected_purchases(0, 3, 20, 35)
        0.0
        """
        index = _index_of(frequency, recency, T, t)
        x, tx, age = _rfm_for_prediction(frequency, recency, T)
        tt = broadcast_float("t", t)
        return _wrap(self._expected_array(tt, x, tx, age), index, "expected_purchases")

    def expected_purchases_new_customer(self, t: Any) -> Any:
        """Expected repeat purchases by a new customer in ``t`` periods.

        ``r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]`` (Fader & Hardie 2005 note,
        eq. 17).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> d = clv.simulate_pareto_nbd(2000, 40, r=0.5, alpha=10, s=0.6, beta=12,
        ...                             random_state=1)
        >>> pn = clv.ParetoNBD(d["frequency"], d["recency"], d["T"]).fit()
        >>> pn.expected_purchases_new_customer(0)
        0.0
        """
        index = _index_of(t)
        tt = broadcast_float("t", t)
        r, alpha, s, beta = self._params_tuple()
        lg = np.log1p(tt / beta)
        return _wrap(r * beta / alpha * lg * exprel(-(s - 1) * lg), index,
                     "expected_purchases")




# ---------------------------------------------------------------------------------------
# Gamma-Gamma spend model
# ---------------------------------------------------------------------------------------
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


class GammaGamma(LikelihoodModel):
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
    >>> from crmlab.analytics import clv
    >>> gg = clv.GammaGamma([0, 1, 3, 2], [0.0, 20.0, 35.5, 12.0])
    >>> gg.nobs
    3
    """

    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")

    def __init__(self, frequency: Any, monetary_value: Any, weights: Any = None) -> None:
        (x,) = check_rfm(frequency, need_repeaters=True)
        m = as_float_array(monetary_value, "monetary_value")
        if m.shape != x.shape:
            raise ValueError(f"monetary_value has {m.size} values but frequency has {x.size}")
        w = _check_weights(weights, x.size)
        rep = x > 0
        bad = rep & (m <= 0)
        if bad.any():
            raise ValueError(f"monetary_value must be > 0 for customers with frequency > 0; "
                             f"{int(bad.sum())} have values <= 0 (returns? net them out or "
                             "drop those customers)")
        (self.frequency, self.monetary_value), self._inverse, counts = unique_rows(x[rep], m[rep])
        self.weights = np.bincount(self._inverse, weights=w[rep], minlength=counts.size)
        self.nobs = int(w[rep].sum())
        self._log_xm = np.log(self.frequency * self.monetary_value)

    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _gg_rows(params, self.frequency, self.monetary_value, self._log_xm)

    def _default_start(self) -> np.ndarray:
        mean_m = float(self.weights @ self.monetary_value / self.nobs)
        return np.array([2.0, 3.0, mean_m])

    def _alternative_start(self) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0])

    def _results_class(self) -> type[GammaGammaResults]:
        return GammaGammaResults

    def fit(self, start_params: Any = None, *, maxiter: int = 2000,
            gtol: float = 1e-5) -> GammaGammaResults:
        """Fit by maximum likelihood; see :meth:`LikelihoodModel.fit`.

        Examples
        --------
        >>> import numpy as np
        >>> from crmlab.analytics import clv
        >>> rng = np.random.default_rng(0)
        >>> x = rng.integers(1, 6, 300)
        >>> m = rng.gamma(6 * x, 1 / rng.gamma(4, 1 / 15, 300)) / x
        >>> clv.GammaGamma(x, m).fit().converged
        True
        """
        return super().fit(start_params, maxiter=maxiter, gtol=gtol)  # type: ignore[return-value]


class GammaGammaResults(LikelihoodResults):
    """A fitted Gamma-Gamma spend model.

    Examples
    --------
    >>> import numpy as np
    >>> from crmlab.analytics import clv
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 6, 300)
    >>> m = rng.gamma(6 * x, 1 / rng.gamma(4, 1 / 15, 300)) / x
    >>> isinstance(clv.GammaGamma(x, m).fit(), clv.GammaGammaResults)
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
        index = _index_of(frequency, monetary_value)
        x = broadcast_float("frequency", frequency)
        m = broadcast_float("monetary_value", monetary_value)
        p, q, gam = self._params_tuple()
        if q <= 1:
            raise ValueError(f"expected spend needs q > 1 (the population mean spend is "
                             f"infinite); the fit gave q = {q:.4g}")
        m = np.where(x > 0, m, 0.0)
        return _wrap(p * (gam + x * m) / (p * x + q - 1), index, "expected_spend")




# ---------------------------------------------------------------------------------------
# Shifted beta-geometric (contractual retention)
# ---------------------------------------------------------------------------------------
class ShiftedBetaGeometric(LikelihoodModel):
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
        w = _check_weights(weights, t.size)
        if not ((c == 0) & (w > 0)).any():
            raise ValueError("no customer has churned (all censored): alpha and beta cannot "
                             "be estimated")
        (self.durations, self.censored), self._inverse, counts = unique_rows(t, c)
        self.weights = np.bincount(self._inverse, weights=w, minlength=counts.size)
        self.nobs = int(w.sum())

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

    def _results_class(self) -> type[ShiftedBetaGeometricResults]:
        return ShiftedBetaGeometricResults

    def fit(self, start_params: Any = None, *, maxiter: int = 2000,
            gtol: float = 1e-5) -> ShiftedBetaGeometricResults:
        """Fit by maximum likelihood; see :meth:`LikelihoodModel.fit`.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> res = clv.ShiftedBetaGeometric.from_survivors(
        ...     [1000, 631, 468, 382, 326, 289, 262, 241]).fit()
        >>> res.params.round(3).tolist()
        [0.704, 1.182]
        """
        return super().fit(start_params, maxiter=maxiter, gtol=gtol)  # type: ignore[return-value]


class ShiftedBetaGeometricResults(LikelihoodResults):
    """A fitted sBG retention model: survival, retention, (discounted) lifetimes.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
    >>> isinstance(sbg, clv.ShiftedBetaGeometricResults)
    True
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
        index = _index_of(t)
        tt = broadcast_float("t", t)
        a, b = self._params_tuple()
        out = np.exp(gammaln(b + tt) - gammaln(a + b + tt) - gammaln(b) + gammaln(a + b))
        return _wrap(out, index, "survival")

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
        index = _index_of(t)
        tt = broadcast_float("t", t)
        if np.any(tt < 1):
            raise ValueError("t must be >= 1 (periods are numbered from 1)")
        a, b = self._params_tuple()
        out = np.exp(np.log(a) + gammaln(b + tt - 1) - gammaln(a + b + tt) - gammaln(b)
                     + gammaln(a + b))
        return _wrap(out, index, "churn_probability")

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
        index = _index_of(t)
        tt = broadcast_float("t", t)
        if np.any(tt < 1):
            raise ValueError("t must be >= 1 (periods are numbered from 1)")
        a, b = self._params_tuple()
        return _wrap((b + tt - 1) / (a + b + tt - 1), index, "retention_rate")

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
        index = _index_of(renewals)
        k = broadcast_float("renewals", renewals)
        if np.any(k != np.floor(k)):
            raise ValueError("renewals must be whole numbers")
        a, b = self._params_tuple()
        n = k + 1
        out = (b + n - 1) / (a + b + n - 1) * hyp2f1(1.0, b + n, a + b + n, 1 / (1 + d))
        return _wrap(out, index, "derl")




# ---------------------------------------------------------------------------------------
# Simulation (ground truth for teaching and for checking fits)
# ---------------------------------------------------------------------------------------
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
        As in :func:`simulate_bgnbd` (the truth columns are ``lambda_``, ``mu``,
        ``lifetime``).
    r, alpha, s, beta : float
        Pareto/NBD parameters.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T`` (plus the truth when ``return_params``).

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


# ---------------------------------------------------------------------------------------
# Customer lifetime value
# ---------------------------------------------------------------------------------------
def customer_lifetime_value(transaction_model: BetaGeoResults | ParetoNBDResults,
                            spend_model: GammaGammaResults | float,
                            data: pd.DataFrame, *, horizon: int = 12,
                            discount_rate: float = 0.01, period: float | str = 1.0,
                            frequency_col: str = "frequency", recency_col: str = "recency",
                            T_col: str = "T",
                            monetary_col: str = "monetary_value") -> pd.Series:
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
        A fitted purchase model.
    spend_model : GammaGammaResults or float
        A fitted spend model, or a fixed value (margin) per transaction.
    data : DataFrame
        The customers, with frequency, recency, T and (for a spend model) monetary value.
    horizon : int, default=12
        Number of discounting periods.
    discount_rate : float, default=0.01
        Discount rate per period.
    period : float or {"D", "W", "M"}, default=1.0
        Length of one discounting period in the model's time unit, or a period name;
        a name needs ``data.attrs["freq"]`` (set by :func:`summarize_transactions`), e.g.
        ``period="M"`` on weekly data means 4.35 weeks.
    frequency_col, recency_col, T_col, monetary_col : str
        Column names in ``data``.

    Returns
    -------
    Series
        Named ``clv``, indexed like ``data``.

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
    if not isinstance(transaction_model, (BetaGeoResults, ParetoNBDResults)):
        raise TypeError("transaction_model must be a fitted BetaGeo or ParetoNBD model "
                        f"(the result of .fit()); got {type(transaction_model).__name__}")
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1; got {horizon!r}")
    d = float(discount_rate)
    if not np.isfinite(d) or d < 0:
        raise ValueError(f"discount_rate must be >= 0; got {discount_rate!r}")
    if isinstance(period, str):
        unit = data.attrs.get("freq") if isinstance(data, pd.DataFrame) else None
        if unit is None:
            raise ValueError("period given as a name needs data.attrs['freq'] (the time unit "
                             "of the model, set by summarize_transactions); give period as a "
                             "number of model time units instead")
        plen = FREQ_DAYS[check_freq(period, "period")] / FREQ_DAYS[check_freq(unit)]
    else:
        plen = float(period)
        if not np.isfinite(plen) or plen <= 0:
            raise ValueError(f"period must be > 0; got {period!r}")
    need = [frequency_col, recency_col, T_col]
    if not isinstance(spend_model, (int, float, np.floating, np.integer)):
        if not isinstance(spend_model, GammaGammaResults):
            raise TypeError("spend_model must be a fitted GammaGamma model or a number; got "
                            f"{type(spend_model).__name__}")
        need.append(monetary_col)
    check_frame_columns(data, need, "data")
    x, tx, age = check_rfm(data[frequency_col], data[recency_col], data[T_col])
    (ux, utx, uage), inverse, _ = unique_rows(x, tx, age)
    times = plen * np.arange(horizon + 1, dtype=np.float64)
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
    return pd.Series(purchases * spend, index=data.index, name="clv")
