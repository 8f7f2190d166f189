"""From a transaction log to the frequency / recency / T (/ monetary value) summary.

:func:`summarize_transactions` gives the table every customer-base model is fitted on
(as lifetimes' ``summary_data_from_transaction_data``); :func:`calibration_holdout_split`
puts a calibration summary and the holdout purchases side by side (as lifetimes'
``calibration_and_holdout_data``). Both read a pandas DataFrame, a Dask DataFrame or a
Parquet path (out of core, one partition of whole customers at a time).

Column arguments are keyword-only (``customer_col``, ``time_col``, ``value_col``), with
the same names as in the rest of :mod:`crmlab.analytics`; the positional spelling of
crmlab 0.1 still works for one release, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import keyword_only_after
from .._outofcore import DaskLog, dask_log, per_customer, time_range
from .._validation import (
    as_float_array,
    check_frame_columns,
    check_freq,
    check_times,
    check_timestamp,
)

__all__ = ["calibration_holdout_split", "summarize_transactions"]

#: The column arguments that were positional up to crmlab 0.1, in their old order.
_COLUMNS = ("customer_col", "time_col", "value_col")
_NS_PER_DAY = 86_400 * 10**9


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


@keyword_only_after("df", since="0.2", formerly=_COLUMNS)
def summarize_transactions(df: Any, *, customer_col: str = "customer_id",
                           time_col: str = "timestamp", value_col: str | None = None,
                           end: Any = None, start: Any = None,
                           freq: str = "D") -> pd.DataFrame:
    """Turn a transaction log into the frequency / recency / T (/ monetary) table.

    Time is cut into periods of ``freq``; several purchases in the same period count as
    one purchase whose value is their sum, as in lifetimes'
    ``summary_data_from_transaction_data``. The customer's first period is the "birth";
    repeat purchases are the later periods with purchases.

    Every argument after ``df`` is keyword-only. Passing the columns by position
    (``summarize_transactions(df, "customer_id", "timestamp", "amount")``, crmlab 0.1)
    still works until the next release, with a :class:`DeprecationWarning`.

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
        return summarize_transactions(part[keep], customer_col=customer_col,
                                      time_col=time_col, value_col=value_col, end=end_ts,
                                      start=start, freq=freq)

    out = per_customer(log, customer_col, summary, meta)
    if out.empty:
        raise ValueError(f"no transactions between start and end ({end_ts})")
    out.attrs["freq"] = freq
    return out


@keyword_only_after("df", since="0.2", formerly=_COLUMNS)
def calibration_holdout_split(df: pd.DataFrame, *, customer_col: str = "customer_id",
                              time_col: str = "timestamp", value_col: str | None = None,
                              calibration_end: Any, end: Any = None, start: Any = None,
                              freq: str = "D") -> pd.DataFrame:
    """One table with a calibration summary and what each customer did in the holdout.

    Like lifetimes' ``calibration_and_holdout_data``: the calibration columns are
    :func:`summarize_transactions` up to ``calibration_end``; the holdout columns count
    the same customers' purchase periods after ``calibration_end`` up to ``end``.
    Customers whose first purchase is after ``calibration_end`` are not included.
    Every argument after ``df`` is keyword-only (positional columns, as in crmlab 0.1,
    still work until the next release, with a :class:`DeprecationWarning`).

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
    >>> days = pd.to_datetime(["2025-01-06", "2025-01-20", "2025-02-10", "2025-01-13"])
    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2], "timestamp": days})
    >>> t = clv.calibration_holdout_split(log, calibration_end="2025-01-26",
    ...                                   end="2025-02-23", freq="W")
    >>> t[["frequency_cal", "T_cal", "frequency_holdout", "duration_holdout"]]
                 frequency_cal  T_cal  frequency_holdout  duration_holdout
    customer_id
    1                      1.0    2.0                1.0               4.0
    2                      0.0    1.0                0.0               4.0
    """
    freq = check_freq(freq)
    cal = summarize_transactions(df, customer_col=customer_col, time_col=time_col,
                                 value_col=value_col, end=calibration_end, start=start,
                                 freq=freq)
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
