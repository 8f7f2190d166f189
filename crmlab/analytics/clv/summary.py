"""From a transaction log to the frequency / recency / T (/ monetary value) summary.

:func:`summarize_transactions` gives the table every customer-base model is fitted on
(as lifetimes' ``summary_data_from_transaction_data``); :func:`calibration_holdout_split`
puts a calibration summary and the holdout purchases side by side (as lifetimes'
``calibration_and_holdout_data``); :func:`summary_counts` gives only the distinct
(frequency, recency, T) rows with their numbers of customers, which is all a BG/NBD or
Pareto/NBD fit needs (out of core, only those rows reach this process). They read a
pandas DataFrame, a Dask DataFrame or a Parquet path (out of core, one partition of
whole customers at a time).

The rules every function here follows:

Time unit
    ``freq`` is the resolution (purchases in the same day, week or month count once);
    ``unit`` is the unit of ``recency`` and ``T`` (default ``freq``). Daily resolution in
    weeks is ``freq="D", unit="W"``: purchases on different days of a week stay apart,
    and times come out in weeks (whole days / 7). The result records both (``attrs``),
    the models read them, and a model refuses data in another unit or converted by hand
    (see :mod:`crmlab.analytics.clv._data`).
Dates
    Times outside pandas' nanosecond range (1677-09-21 to 2262-04-11: a ``9999-12-31``
    placeholder, a mistyped year) are refused, in the log and in ``end``/``start``/
    ``calibration_end``. Tz-aware times count on their own wall clock; an aware bound in
    another zone is converted to the log's zone; an aware bound with a naive log is
    refused.
Refunds
    A negative value is never a purchase. ``refunds="error"`` (default) refuses them,
    ``"drop"`` ignores them, ``"net"`` subtracts each from the customer's latest purchase
    at or before it (a purchase refunded in full is no purchase); see
    :func:`crmlab.analytics._validation.apply_refunds`. Without ``value_col`` no value is
    read, so every row is a purchase.
A window that starts late
    With ``start``, a customer who bought before it would otherwise look new from the
    first purchase after it: ``before_start="warn"`` (default) says how many such
    customers there are, ``"drop"`` keeps only customers whose first purchase is on or
    after ``start`` (a cohort of new customers, the setting of the models), ``"keep"``
    keeps them quietly.

Column arguments are keyword-only (``customer_col``, ``time_col``, ``value_col``), with
the same names as in the rest of :mod:`crmlab.analytics`; the positional spelling of
crmlab 0.1 still works for one release, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import keyword_only_after
from .._outofcore import DaskLog, dask_log, per_customer, per_customer_counts, time_range
from .._validation import (
    FREQ_DAYS,
    apply_refunds,
    as_float_array,
    check_frame_columns,
    check_freq,
    check_refunds,
    check_times,
    check_timestamp,
    time_zone,
)
from ._data import label_attrs

__all__ = ["calibration_holdout_split", "summarize_transactions", "summary_counts"]

#: The column arguments that were positional up to crmlab 0.1, in their old order.
_COLUMNS = ("customer_col", "time_col", "value_col")
_NS_PER_DAY = 86_400 * 10**9
#: What to do with customers who bought before ``start``.
BEFORE_START = ("warn", "drop", "keep")
_KEYS = ["frequency", "recency", "T"]


def _periods(ns: np.ndarray, freq: str) -> np.ndarray:
    """Integer period number of each time (days, Monday-based weeks, calendar months)."""
    if freq == "M":
        return ns.view("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    days = np.floor_divide(ns, _NS_PER_DAY)
    if freq == "W":
        return np.floor_divide(days + 3, 7)  # 1970-01-05 was a Monday
    return days


def _in_unit(periods: np.ndarray | int, freq: str, unit: str) -> np.ndarray:
    """A number of ``freq`` periods in ``unit`` (days / 7 for days in weeks: exact)."""
    out = np.asarray(periods, dtype=np.float64)
    if freq == unit:
        return out
    return out * FREQ_DAYS[freq] / FREQ_DAYS[unit]


def _end_exclusive(ts: pd.Timestamp) -> int:
    """A date without a time means the whole day; otherwise the instant itself."""
    if ts == ts.normalize():
        return (ts + pd.Timedelta(days=1)).value
    return ts.value + 1


def _check_options(freq: Any, unit: Any, refunds: Any, before_start: Any
                   ) -> tuple[str, str, str, str]:
    freq = check_freq(freq)
    unit = freq if unit is None else check_freq(unit, "unit")
    refunds = check_refunds(refunds)
    if not isinstance(before_start, str) or before_start not in BEFORE_START:
        raise ValueError(f"before_start must be one of {list(BEFORE_START)} ('warn': keep "
                         "customers who bought before start and say how many; 'drop': keep "
                         "only customers whose first purchase is on or after start; 'keep': "
                         f"keep them without a warning); got {before_start!r}")
    return freq, unit, refunds, before_start


class _Log:
    """A validated transaction log: customer ids, times (ns, wall time), values, zone."""

    def __init__(self, df: Any, customer_col: str, time_col: str, value_col: str | None):
        check_frame_columns(df, [customer_col, time_col, value_col], "df")
        self.ns = check_times(df[time_col], time_col)
        self.tz = time_zone(df[time_col])
        ids = df[customer_col]
        n_missing = int(ids.isna().sum())
        if n_missing:
            raise ValueError(f"column {customer_col!r} has {n_missing} missing customer ids")
        self.ids = ids
        self.value_col = value_col
        self.values = None if value_col is None else as_float_array(df[value_col], value_col)

    def bound(self, value: Any, name: str) -> pd.Timestamp:
        """A window bound as wall time of the log (see :func:`check_timestamp`)."""
        return check_timestamp(value, name, tz=self.tz)

    def window(self, start: Any, end: Any, *, what: str = "end"
               ) -> tuple[np.ndarray, int, int | None]:
        """Mask of transactions in [start, end], the end as an inclusive ns bound, and
        the start in ns (None without one)."""
        first = int(self.ns.min())
        if end is None:
            end_ts = pd.Timestamp(int(self.ns.max()))
            stop = int(self.ns.max()) + 1
        else:
            end_ts = self.bound(end, what)
            stop = _end_exclusive(end_ts)
        if stop <= first:
            raise ValueError(f"{what} ({end_ts}) is before the first transaction "
                             f"({pd.Timestamp(first)}); nothing to summarise")
        keep = self.ns < stop
        start_ns = None
        if start is not None:
            start_ts = self.bound(start, "start")
            if start_ts.value >= stop:
                raise ValueError(f"start ({start_ts}) must be before {what} ({end_ts})")
            start_ns = start_ts.value
            keep &= self.ns >= start_ns
        if not keep.any():
            raise ValueError(f"no transactions between start and {what} ({end_ts})")
        return keep, stop - 1, start_ns

    def purchases(self, keep: np.ndarray, refunds: str
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """The purchases among the rows ``keep``: (customer codes, their ids in code order,
        times, values), after the refunds rule."""
        codes, uniques = pd.factorize(self.ids[keep], sort=True)
        ns = self.ns[keep]
        if self.values is None:
            return codes, np.asarray(uniques), ns, None
        assert self.value_col is not None
        is_purchase, net = apply_refunds(codes, ns, self.values[keep], refunds, self.value_col)
        return codes[is_purchase], np.asarray(uniques), ns[is_purchase], net[is_purchase]

    def bought_before(self, start_ns: int) -> pd.Index:
        """Ids of the customers with a purchase (a row with a non-negative value) before
        ``start_ns``."""
        prior = self.ns < start_ns
        if self.values is not None:
            prior &= self.values >= 0
        return pd.Index(self.ids[prior].unique())


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


def _max_T(first_ns: int, start_ns: int | None, end_ns: int, freq: str, unit: str) -> float:
    """The T of a customer whose first purchase opened the window: no T is larger."""
    opening = first_ns if start_ns is None else max(first_ns, start_ns)
    p_open, p_end = _periods(np.array([opening, end_ns], dtype=np.int64), freq)
    return float(_in_unit(p_end - p_open, freq, unit))


def _summarize_frame(df: Any, customer_col: str, time_col: str, value_col: str | None, *,
                     end: Any, start: Any, freq: str, unit: str, refunds: str,
                     what: str = "end") -> tuple[pd.DataFrame, np.ndarray]:
    """The summary of a pandas log (possibly empty: every row a refund), and which of
    its customers bought before ``start`` (a boolean per row; all False without it)."""
    log = _Log(df, customer_col, time_col, value_col)
    keep, end_ns, start_ns = log.window(start, end, what=what)
    codes, uniques, ns, vals = log.purchases(keep, refunds)
    cols = _KEYS + ([] if value_col is None else ["monetary_value"])
    if codes.size == 0:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols},
                             index=pd.Index(uniques[:0], name=customer_col))
        return empty, np.zeros(0, dtype=bool)
    periods = _periods(ns, freq)
    end_period = int(_periods(np.array([end_ns], dtype=np.int64), freq)[0])
    cust, first, last, counts, repeat = _collapse(codes, periods, vals)
    frequency = (counts - 1).astype(np.float64)
    out = pd.DataFrame({"frequency": frequency,
                        "recency": _in_unit(last - first, freq, unit),
                        "T": _in_unit(end_period - first, freq, unit)},
                       index=pd.Index(uniques[cust], name=customer_col))
    if repeat is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(frequency > 0, repeat / np.maximum(frequency, 1),
                                             0.0)
    earlier = np.zeros(len(out), dtype=bool)
    if start_ns is not None:
        earlier = out.index.isin(log.bought_before(start_ns))
    out.attrs = label_attrs(unit, freq, _max_T(int(log.ns.min()), start_ns, end_ns, freq,
                                               unit))
    return out, earlier


def _apply_before_start(out: pd.DataFrame, earlier: np.ndarray, start: Any,
                        before_start: str, *, stacklevel: int) -> pd.DataFrame:
    """Drop the customers who bought before start, or warn how many there are."""
    if out.empty:
        raise ValueError("no purchases between start and end: every transaction in the "
                         "window is a refund")
    if before_start == "drop":
        attrs = dict(out.attrs)
        out = out[~earlier]
        out.attrs = attrs
    else:
        _warn_before_start(int(earlier.sum()), len(out), start, before_start,
                           stacklevel=stacklevel + 1)
    return out


def _warn_before_start(n_before: int, n: int, start: Any, before_start: str,
                       stacklevel: int = 3) -> None:
    if before_start == "warn" and n_before:
        warnings.warn(
            f"{n_before:,} of {n:,} customers bought before start ({start}): their first "
            "purchase on or after start is taken as their first purchase, so they look like "
            "new customers and their frequency, recency and T describe only the window. "
            "Pass before_start='drop' to keep only customers whose first purchase is on or "
            "after start (a cohort of new customers), or before_start='keep' to keep them "
            "without this warning", UserWarning, stacklevel=stacklevel)


@keyword_only_after("df", since="0.2", formerly=_COLUMNS)
def summarize_transactions(df: Any, *, customer_col: str = "customer_id",
                           time_col: str = "timestamp", value_col: str | None = None,
                           end: Any = None, start: Any = None, freq: str = "D",
                           unit: str | None = None, refunds: str = "error",
                           before_start: str = "warn") -> pd.DataFrame:
    """Turn a transaction log into the frequency / recency / T (/ monetary) table.

    Time is cut into periods of ``freq``; several purchases in the same period count as
    one purchase whose value is their sum, as in lifetimes'
    ``summary_data_from_transaction_data``. The customer's first period is the "birth";
    repeat purchases are the later periods with purchases. ``recency`` and ``T`` are then
    expressed in ``unit``.

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
        Column of ``datetime64`` times between 1677-09-21 and 2262-04-11 (pandas'
        nanosecond range; anything outside, such as a ``9999-12-31`` placeholder, is
        refused). Tz-aware times count on the wall clock of their zone.
    value_col : str, optional
        Column of transaction values; without it there is no ``monetary_value`` column
        (and no refunds can be seen: every row is a purchase).
    end : date-like, optional
        End of the observation window, inclusive: a date without a time means the end of
        that day. Later transactions are dropped. Default: the last transaction. A
        tz-aware ``end`` is converted to the log's zone; with a naive log it is refused.
    start : date-like, optional
        Transactions before ``start`` are ignored (see ``before_start``).
    freq : {"D", "W", "M"}, default="D"
        Resolution: day, week (Monday to Sunday) or calendar month. Purchases in the same
        period count once.
    unit : {"D", "W", "M"}, optional
        Unit of ``recency`` and ``T``; default ``freq``. ``freq="D", unit="W"`` gives
        weeks computed from days (whole days / 7), keeping purchases on different days
        of a week apart: the usual setting of the BG/NBD literature, and what to use
        instead of dividing a daily summary by 7 (which the models refuse: the label
        would still say days).
    refunds : {"error", "drop", "net"}, default="error"
        What a negative value (a refund or credit) does: refuse the log, ignore the row,
        or subtract it from the customer's latest purchase at or before it (a purchase
        refunded in full is no purchase). Applies with ``value_col`` only.
    before_start : {"warn", "drop", "keep"}, default="warn"
        With ``start``: what to do with customers who bought before it (they would look
        like new customers from their first purchase after ``start``). Warn how many,
        drop them (keep a cohort of customers new in the window), or keep them quietly.

    Returns
    -------
    DataFrame
        Indexed by customer id (index name ``customer_col``), sorted, with float columns
        ``frequency`` (number of repeat periods), ``recency`` (time from the first to the
        last purchase), ``T`` (time from the first purchase to ``end``) and, with
        ``value_col``, ``monetary_value`` (mean value of the repeat periods; 0 when
        ``frequency == 0``). ``attrs`` records the time unit: ``{"freq": freq, "unit":
        unit, "max_T": the longest possible T}``; pandas carries it to the columns, which
        the models read.

    Raises
    ------
    ValueError
        On times outside pandas' range, negative values under ``refunds="error"``, an
        aware bound with a naive log, or an empty window.

    Warns
    -----
    UserWarning
        With ``start`` and ``before_start="warn"``, when some customers bought before
        ``start``.

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
    >>> s = clv.summarize_transactions(log, end="2025-01-31", freq="D", unit="W")
    >>> (s * 7).round(6)  # whole days: 1 and 2 are separate purchases
                 frequency  recency     T
    customer_id
    1                 14.0     14.0  25.0
    2                  0.0      0.0  18.0
    >>> s.attrs
    {'freq': 'D', 'unit': 'W', 'max_T': 3.5714285714285716}
    """
    freq, unit, refunds, before_start = _check_options(freq, unit, refunds, before_start)
    big = dask_log(df, [customer_col, time_col, value_col])
    if big is not None:
        out, earlier = _summarize_dask(big, customer_col, time_col, value_col, end=end,
                                       start=start, freq=freq, unit=unit, refunds=refunds)
    else:
        out, earlier = _summarize_frame(df, customer_col, time_col, value_col, end=end,
                                        start=start, freq=freq, unit=unit, refunds=refunds)
    return _apply_before_start(out, earlier, start, before_start, stacklevel=4)


class _DaskWindow:
    """The window of an out-of-core summary, fixed once on the client."""

    def __init__(self, log: DaskLog, time_col: str, end: Any, start: Any) -> None:
        first, last = time_range(log, time_col)
        tz = time_zone(log.meta[time_col])
        self.end_ts = last if end is None else check_timestamp(end, "end", tz=tz)
        stop = last.value + 1 if end is None else _end_exclusive(self.end_ts)
        if stop <= first.value:
            raise ValueError(f"end ({self.end_ts}) is before the first transaction ({first}); "
                             "nothing to summarise")
        self.start_ts = None if start is None else check_timestamp(start, "start", tz=tz)
        if self.start_ts is not None and self.start_ts.value >= stop:
            raise ValueError(f"start ({self.start_ts}) must be before end ({self.end_ts})")
        self.first_ns = first.value
        self.stop = stop
        # a start or end given in another zone is passed on as the log's wall time
        self.start = None if self.start_ts is None else self.start_ts
        self.end = self.end_ts

    def max_T(self, freq: str, unit: str) -> float:
        return _max_T(self.first_ns, None if self.start_ts is None else self.start_ts.value,
                      self.stop - 1, freq, unit)

    def in_window(self, part: pd.DataFrame, time_col: str) -> pd.DataFrame:
        ns = check_times(part[time_col], time_col)
        keep = ns < self.stop
        if self.start_ts is not None:
            keep &= ns >= self.start_ts.value
        return part[keep]


def _partition_summary(window: _DaskWindow, customer_col: str, time_col: str,
                       value_col: str | None, *, freq: str, unit: str, refunds: str
                       ) -> Any:
    """The pandas summary of one partition of whole customers, with a ``_before`` column
    (1 for a customer who bought before start); None for a partition with no purchase."""
    def summary(part: pd.DataFrame) -> pd.DataFrame | None:
        if not len(window.in_window(part, time_col)):
            return None
        # a last transaction at midnight as ``end`` covers that whole day: same periods
        s, earlier = _summarize_frame(part, customer_col, time_col, value_col,
                                      end=window.end, start=window.start, freq=freq,
                                      unit=unit, refunds=refunds)
        if s.empty:
            return None
        s["_before"] = earlier.astype(np.int64)
        return s
    return summary


def _summarize_dask(log: DaskLog, customer_col: str, time_col: str, value_col: str | None, *,
                    end: Any, start: Any, freq: str, unit: str, refunds: str
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`summarize_transactions` of a Dask DataFrame or Parquet path: the pandas
    summary of each partition of whole customers, computed in parallel and gathered."""
    window = _DaskWindow(log, time_col, end, start)
    cols = _KEYS + ([] if value_col is None else ["monetary_value"])
    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}
                        | {"_before": pd.Series(dtype="int64")}, index=pd.Index(
        [], dtype=log.meta[customer_col].dtype, name=customer_col))
    inner = _partition_summary(window, customer_col, time_col, value_col, freq=freq,
                               unit=unit, refunds=refunds)

    def summary(part: pd.DataFrame) -> pd.DataFrame:
        out = inner(part)
        return meta if out is None else out

    out = per_customer(log, customer_col, summary, meta)
    if out.empty:
        raise ValueError(f"no purchases between start and end ({window.end_ts})")
    earlier = out.pop("_before").to_numpy() > 0
    out.attrs = label_attrs(unit, freq, window.max_T(freq, unit))
    return out, earlier


def summary_counts(df: Any, *, customer_col: str = "customer_id",
                   time_col: str = "timestamp", value_col: str | None = None,
                   end: Any = None, start: Any = None, freq: str = "D",
                   unit: str | None = None, refunds: str = "error",
                   before_start: str = "warn") -> pd.DataFrame:
    """The distinct (frequency, recency, T) rows of a summary, with their customers.

    All a BG/NBD or Pareto/NBD fit needs: pass the columns and ``weights=counts
    ["customers"]`` to the model, and the fit equals the fit on the full summary. For a
    Dask DataFrame or a Parquet path, each partition of whole customers is summarised
    and counted on the Dask workers, the counts are summed there, and only the distinct
    rows reach this process, so its memory does not grow with the number of customers
    (benchmarks/RESULTS.md, "BG/NBD from a Parquet world").

    Parameters
    ----------
    df, customer_col, time_col, value_col, end, start, freq, unit, refunds, before_start
        As in :func:`summarize_transactions` (``value_col`` only applies the refunds
        rule: there is no monetary value).

    Returns
    -------
    DataFrame
        Columns ``frequency``, ``recency``, ``T`` (float) and ``customers`` (int64), one
        row per distinct history, sorted by them; ``attrs`` records the time unit as in
        :func:`summarize_transactions`.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics import clv
    >>> log = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3],
    ...                     "timestamp": pd.to_datetime(["2025-01-06", "2025-01-20",
    ...                                                  "2025-01-06", "2025-01-20",
    ...                                                  "2025-01-13"])})
    >>> u = clv.summary_counts(log, end="2025-01-31", freq="W")
    >>> u
       frequency  recency    T  customers
    0        0.0      0.0  2.0          1
    1        1.0      2.0  3.0          2
    >>> bg = clv.BetaGeo(u["frequency"], u["recency"], u["T"], weights=u["customers"])
    >>> bg.nobs, bg.unit
    (3, 'W')
    """
    freq, unit, refunds, before_start = _check_options(freq, unit, refunds, before_start)
    big = dask_log(df, [customer_col, time_col, value_col])
    if big is None:
        s, earlier = _summarize_frame(df, customer_col, time_col, value_col, end=end,
                                      start=start, freq=freq, unit=unit, refunds=refunds)
        s = _apply_before_start(s, earlier, start, before_start, stacklevel=3)
        counts = s.groupby(_KEYS, sort=True).size().rename("customers").reset_index()
        counts.attrs = dict(s.attrs)
    else:
        window = _DaskWindow(big, time_col, end, start)
        inner = _partition_summary(window, customer_col, time_col, value_col, freq=freq,
                                   unit=unit, refunds=refunds)
        meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in _KEYS}
                            | {"customers": pd.Series(dtype="int64"),
                               "_before": pd.Series(dtype="int64")})

        def count(part: pd.DataFrame) -> pd.DataFrame:
            s = inner(part)
            if s is None:
                return meta
            if before_start == "drop":
                s = s[s["_before"] == 0]
            return (s.assign(customers=1).groupby(_KEYS, sort=False)[["customers", "_before"]]
                    .sum().reset_index())

        counts = per_customer_counts(big, customer_col, count, meta, _KEYS)
        if counts.empty:
            raise ValueError(f"no purchases between start and end ({window.end_ts})")
        n_before = int(counts.pop("_before").sum())
        _warn_before_start(n_before, int(counts["customers"].sum()), start, before_start)
        counts.attrs = label_attrs(unit, freq, window.max_T(freq, unit))
    counts["customers"] = counts["customers"].astype(np.int64)
    return counts


@keyword_only_after("df", since="0.2", formerly=_COLUMNS)
def calibration_holdout_split(df: pd.DataFrame, *, customer_col: str = "customer_id",
                              time_col: str = "timestamp", value_col: str | None = None,
                              calibration_end: Any, end: Any = None, start: Any = None,
                              freq: str = "D", unit: str | None = None,
                              refunds: str = "error",
                              before_start: str = "warn") -> pd.DataFrame:
    """One table with a calibration summary and what each customer did in the holdout.

    Like lifetimes' ``calibration_and_holdout_data``: the calibration columns are
    :func:`summarize_transactions` up to ``calibration_end``; the holdout columns count
    the same customers' purchase periods after ``calibration_end`` up to ``end``.
    Customers whose first purchase is after ``calibration_end`` are not included.
    Every argument after ``df`` is keyword-only (positional columns, as in crmlab 0.1,
    still work until the next release, with a :class:`DeprecationWarning`).

    Parameters
    ----------
    df, customer_col, time_col, value_col, start, freq, unit, before_start
        As in :func:`summarize_transactions` (``df`` a pandas DataFrame).
    calibration_end : date-like
        Last moment of the calibration window (a date means the end of that day).
    end : date-like, optional
        End of the holdout window; default the last transaction.
    refunds : {"error", "drop", "net"}, default="error"
        As in :func:`summarize_transactions`, applied within each window: a refund in
        the holdout of a calibration purchase does not change the calibration (it has
        no earlier holdout purchase to net against and is ignored).

    Returns
    -------
    DataFrame
        Indexed by customer: ``frequency_cal``, ``recency_cal``, ``T_cal``
        (``monetary_value_cal``), ``frequency_holdout`` (number of holdout periods with
        purchases), (``monetary_value_holdout``: mean value of those periods, 0 if none)
        and ``duration_holdout`` (holdout length in ``unit``, the same for everyone).
        ``attrs`` records the time unit as in :func:`summarize_transactions`.

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
    freq, unit, refunds, before_start = _check_options(freq, unit, refunds, before_start)
    if isinstance(df, pd.DataFrame) or dask_log(df, [customer_col, time_col]) is None:
        check_frame_columns(df, [customer_col, time_col, value_col], "df")
    else:
        raise TypeError("calibration_holdout_split needs a pandas DataFrame; summarise a "
                        "Dask DataFrame or Parquet path with summarize_transactions twice "
                        "(end=calibration_end, then start after it) instead")
    log = _Log(df, customer_col, time_col, value_col)
    cal_end_ts = log.bound(calibration_end, "calibration_end")
    cal, earlier = _summarize_frame(df, customer_col, time_col, value_col, end=cal_end_ts,
                                    start=start, freq=freq, unit=unit, refunds=refunds,
                                    what="calibration_end")
    cal = _apply_before_start(cal, earlier, start, before_start, stacklevel=4)
    keep, end_ns, _ = log.window(start, end)
    cal_end_ns = _end_exclusive(cal_end_ts) - 1
    if end_ns <= cal_end_ns:
        raise ValueError(f"end ({pd.Timestamp(end_ns)}) must be after calibration_end "
                         f"({pd.Timestamp(cal_end_ns)})")
    p_cal_end, p_end = _periods(np.array([cal_end_ns, end_ns], dtype=np.int64), freq)
    hold = keep & (log.ns > cal_end_ns)
    out = cal.add_suffix("_cal")
    out.attrs = dict(cal.attrs)
    n = len(cal)
    freq_h = np.zeros(n)
    mv_h = np.zeros(n)
    if hold.any():
        codes, uniques, ns, vals = log.purchases(hold, refunds)
        where = cal.index.get_indexer(uniques)   # holdout customer code -> calibration row
        rows = where[codes]
        known = rows >= 0
        if known.any():
            cust, _, _, counts, _ = _collapse(rows[known], _periods(ns[known], freq), None)
            freq_h[cust] = counts
            if vals is not None:
                total = np.bincount(rows[known], weights=vals[known], minlength=n)
                mv_h = np.divide(total, freq_h, out=np.zeros(n), where=freq_h > 0)
    out["frequency_holdout"] = freq_h
    if value_col is not None:
        out["monetary_value_holdout"] = mv_h
    out["duration_holdout"] = float(_in_unit(p_end - p_cal_end, freq, unit))
    return out
