"""Recency, frequency and monetary (RFM) scores and cells.

The classic database-marketing summary: how recently a customer bought, how often,
and how much. Each is turned into a score from 1 (worst) to ``bins`` (best) by
quantiles. Ties get the same score (scores come from average ranks), so a quarter of
customers with one purchase all share the lowest frequency score instead of being
split arbitrarily — bins can therefore be unequal in size. A tie group is placed at
the middle of the quantile range it spans.

The purchase count is the column ``purchases``: *every* purchase in the window, the
first one included. It is not CLV's ``frequency``
(:func:`crmlab.analytics.clv.summarize_transactions`), which counts *repeat* purchases
(all but the first, in distinct periods), so a customer with three purchases has
``purchases == 3`` here and ``frequency == 2`` there. The score of the count is still
``F``.

Examples
--------
>>> import pandas as pd
>>> from crmlab.analytics import rfm
>>> log = pd.DataFrame({
...     "customer_id": ["a", "a", "b", "c", "c", "c"],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01",
...                                  "2024-01-05", "2024-02-05", "2024-03-05"]),
...     "amount": [10.0, 20.0, 5.0, 8.0, 8.0, 8.0]})
>>> rfm.rfm_table(log, end="2024-03-31", bins=3)["cell"].tolist()
['223', '111', '332']
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ._outofcore import dask_log, per_customer, time_range
from ._validation import (
    apply_refunds,
    as_float_array,
    check_frame_columns,
    check_refunds,
    check_times,
    check_timestamp,
    time_zone,
)

__all__ = ["rfm_scores", "rfm_table", "score"]


def score(values: pd.Series, *, bins: int = 5, higher_is_better: bool = True) -> pd.Series:
    """Quantile score from 1 to ``bins``; equal values always get equal scores.

    Parameters
    ----------
    values : Series
        One value per customer.
    bins : int, default=5
    higher_is_better : bool, default=True
        ``False`` for recency measured in days since the last purchase.

    Examples
    --------
    >>> score(pd.Series([1, 1, 1, 5, 9]), bins=3).tolist()
    [1, 1, 1, 3, 3]
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2; got {bins!r}")
    if values.isna().any():
        raise ValueError(f"cannot score {int(values.isna().sum())} missing values")
    # the midpoint of a tie group's quantile range: symmetric at both ends
    mid = (values.rank(method="average", ascending=higher_is_better) - 0.5) / len(values)
    return np.ceil(mid * bins).clip(1, bins).astype("int64")


def rfm_table(df: Any, *, customer_col: str = "customer_id",
              time_col: str = "timestamp", value_col: str = "amount", end=None,
              bins: int = 5, refunds: str = "error") -> pd.DataFrame:
    """Per-customer recency, purchase count, monetary value, their scores and RFM cell.

    Parameters
    ----------
    df : DataFrame, Dask DataFrame, or path
        A transaction log, one row per purchase. A Dask DataFrame or the path of a
        Parquet file or folder is summarised out of core (each customer's rows in one
        partition); the scores are then computed on the per-customer table in pandas.
        Times must lie between 1677-09-21 and 2262-04-11 (pandas' nanosecond range; a
        ``9999-12-31`` placeholder is refused); tz-aware times count on their own wall
        clock.
    customer_col, time_col, value_col : str
        Column names.
    end : date-like, optional
        End of observation, inclusive: a date without a time means the end of that day
        (as in :func:`crmlab.analytics.clv.summarize_transactions`), a timestamp the
        instant itself; later purchases are left out and recency is measured from that
        end, so it is never negative. Default: the end of the day of the last purchase.
        A tz-aware ``end`` is converted to the log's zone (refused with a naive log).
    bins : int, default=5
        Number of score levels.
    refunds : {"error", "drop", "net"}, default="error"
        What a negative value (a refund or credit) does: refuse the log, ignore the row,
        or subtract it from the customer's latest purchase at or before it (a purchase
        refunded in full is no purchase; monetary is the mean net value). The same rule
        as :func:`~crmlab.analytics.clv.summarize_transactions`.

    Returns
    -------
    DataFrame
        Indexed by customer (sorted): ``recency_days`` (days from the last purchase to
        the end of observation), ``purchases`` (every purchase, the first included —
        unlike CLV's ``frequency``, which counts repeat purchases only), ``monetary``
        (mean purchase value), ``R``, ``F``, ``M`` (1..bins, higher is better; ``F``
        scores ``purchases``), ``cell`` (e.g. ``"545"``) and ``score`` (R + F + M).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                     "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-02-01 00:00",
    ...                                                  "2024-03-01 00:00", "2024-03-31 18:00"]),
    ...                     "amount": [10.0, 20.0, 30.0, 5.0]})
    >>> t = rfm_table(log, end="2024-03-31", bins=2)
    >>> t["purchases"].tolist(), t["monetary"].tolist(), t["F"].tolist()
    ([3, 1], [20.0, 5.0], [2, 1])
    >>> t["recency_days"].tolist()  # from the end of 2024-03-31
    [31.0, 0.25]
    """
    check_refunds(refunds)
    big = dask_log(df, [customer_col, time_col, value_col], "transactions")
    if big is not None:
        return rfm_scores(_rfm_dask(big, customer_col, time_col, value_col, end, refunds),
                          bins=bins)
    frame = _checked(df, customer_col, time_col, value_col)
    ns = check_times(df[time_col], time_col)
    tz = time_zone(df[time_col])
    ref, stop = _window(end, int(ns.min()), int(ns.max()), tz)
    table = _rfm_summary(frame, customer_col, time_col, value_col, ns, ref, stop, refunds)
    if table.empty:
        raise ValueError("no purchases up to end: every transaction in the window is a "
                         "refund")
    return rfm_scores(table, bins=bins)


def _checked(df: Any, customer_col: str, time_col: str, value_col: str) -> pd.DataFrame:
    check_frame_columns(df, [customer_col, time_col, value_col], "transactions")
    missing = int(df[customer_col].isna().sum())
    if missing:
        raise ValueError(f"column {customer_col!r} has {missing} missing customer ids")
    return df


def _window(end: Any, first_ns: int, last_ns: int, tz: Any) -> tuple[int, int]:
    """The end of observation as (reference instant of recency, exclusive stop), in ns.

    A date means the end of that day (both are the next midnight); a timestamp the
    instant itself (purchases at that instant are in); no ``end`` the end of the day of
    the last purchase.
    """
    if end is None:
        stop = (pd.Timestamp(last_ns).normalize() + pd.Timedelta(days=1)).value
        return stop, stop
    ts = check_timestamp(end, "end", tz=tz)
    ref, stop = (ts.value, ts.value + 1) if ts != ts.normalize() else \
        ((ts + pd.Timedelta(days=1)).value,) * 2
    if stop <= first_ns:
        raise ValueError(f"end ({ts.date() if ts == ts.normalize() else ts}) is before the "
                         f"first transaction ({pd.Timestamp(first_ns).date()})")
    return ref, stop


def _rfm_summary(df: pd.DataFrame, customer_col: str, time_col: str, value_col: str,
                 ns: np.ndarray, ref: int, stop: int, refunds: str) -> pd.DataFrame:
    """Per-customer recency (days), purchase count and mean value of a pandas log."""
    values = as_float_array(df[value_col], value_col)
    inside = ns < stop
    codes, uniques = pd.factorize(df[customer_col][inside], sort=True)
    when = ns[inside]
    keep, net = apply_refunds(codes, when, values[inside], refunds, value_col)
    codes, when, net = codes[keep], when[keep], net[keep]
    n = len(uniques)
    count = np.bincount(codes, minlength=n)
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, codes, when)
    total = np.bincount(codes, weights=net, minlength=n)
    has = count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "recency_days": (ref - last[has]) / 86_400e9,
            "purchases": count[has].astype("int64"),
            "monetary": total[has] / count[has],
        }, index=uniques[has].rename(customer_col))
    return out


def _rfm_dask(log, customer_col: str, time_col: str, value_col: str, end,
              refunds: str) -> pd.DataFrame:
    """:func:`_rfm_summary` of a Dask DataFrame or Parquet path, partition by partition."""
    first, last = time_range(log, time_col)
    ref, stop = _window(end, first.value, last.value, time_zone(log.meta[time_col]))
    meta = pd.DataFrame({"recency_days": pd.Series(dtype="float64"),
                         "purchases": pd.Series(dtype="int64"),
                         "monetary": pd.Series(dtype="float64")},
                        index=pd.Index([], dtype=log.meta[customer_col].dtype,
                                       name=customer_col))

    def summary(part: pd.DataFrame) -> pd.DataFrame:
        ns = check_times(part[time_col], time_col)
        if not (ns < stop).any():
            return meta
        return _rfm_summary(_checked(part, customer_col, time_col, value_col), customer_col,
                            time_col, value_col, ns, ref, stop, refunds)

    return per_customer(log, customer_col, summary, meta)


def rfm_scores(table: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """Add R, F, M scores, the cell and the total score to a recency/purchases/monetary
    table.

    Parameters
    ----------
    table : DataFrame
        One row per customer with ``recency_days``, ``purchases`` (every purchase) and
        ``monetary``. A table with the old name ``frequency`` for the purchase count is
        still scored, with a DeprecationWarning, until the next release.
    bins : int, default=5

    Returns
    -------
    DataFrame
        A copy of ``table`` with ``R``, ``F``, ``M``, ``cell`` and ``score``.

    Examples
    --------
    >>> t = pd.DataFrame({"recency_days": [5.0, 50.0], "purchases": [4, 1],
    ...                   "monetary": [10.0, 30.0]}, index=["a", "b"])
    >>> rfm_scores(t, bins=2)["cell"].tolist()
    ['221', '112']
    """
    count = "purchases"
    if isinstance(table, pd.DataFrame) and "purchases" not in table \
            and "frequency" in table:
        warnings.warn("rfm_scores(): the purchase-count column is now named 'purchases' "
                      "('frequency' is CLV's count of repeat purchases); rename 'frequency' "
                      "to 'purchases' — the old name stops working in the next release",
                      DeprecationWarning, stacklevel=2)
        count = "frequency"
    check_frame_columns(table, ["recency_days", count, "monetary"], "table", if_empty=None,
                        hint="build it with rfm_table() or give those three columns")
    out = table.copy()
    out["R"] = score(out["recency_days"], bins=bins, higher_is_better=False)
    out["F"] = score(out[count], bins=bins)
    out["M"] = score(out["monetary"], bins=bins)
    out["cell"] = (out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)) \
        if bins < 10 else (out["R"].astype(str) + "-" + out["F"].astype(str) + "-"
                           + out["M"].astype(str))
    out["score"] = out["R"] + out["F"] + out["M"]
    return out
