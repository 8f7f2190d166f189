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
from ._validation import as_float_array, check_frame_columns, check_times, check_timestamp

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
              bins: int = 5) -> pd.DataFrame:
    """Per-customer recency, purchase count, monetary value, their scores and RFM cell.

    Parameters
    ----------
    df : DataFrame, Dask DataFrame, or path
        A transaction log, one row per purchase. A Dask DataFrame or the path of a
        Parquet file or folder is summarised out of core (each customer's rows in one
        partition); the scores are then computed on the per-customer table in pandas.
    customer_col, time_col, value_col : str
        Column names.
    end : date-like, optional
        End of observation; default the day after the last purchase.
    bins : int, default=5
        Number of score levels.

    Returns
    -------
    DataFrame
        Indexed by customer (sorted): ``recency_days`` (days from the last purchase to
        ``end``), ``purchases`` (every purchase, the first included — unlike CLV's
        ``frequency``, which counts repeat purchases only), ``monetary`` (mean purchase
        value), ``R``, ``F``, ``M`` (1..bins, higher is better; ``F`` scores
        ``purchases``), ``cell`` (e.g. ``"545"``) and ``score`` (R + F + M).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01",
    ...                                                  "2024-03-01", "2024-03-01"]),
    ...                     "amount": [10.0, 20.0, 30.0, 5.0]})
    >>> t = rfm_table(log, end="2024-03-31", bins=2)
    >>> t["purchases"].tolist(), t["monetary"].tolist(), t["F"].tolist()
    ([3, 1], [20.0, 5.0], [2, 1])
    """
    big = dask_log(df, [customer_col, time_col, value_col], "transactions")
    if big is not None:
        return rfm_scores(_rfm_dask(big, customer_col, time_col, value_col, end), bins=bins)
    return rfm_scores(_rfm_summary(df, customer_col, time_col, value_col, end), bins=bins)


def _rfm_summary(df: pd.DataFrame, customer_col: str, time_col: str, value_col: str,
                 end) -> pd.DataFrame:
    """Per-customer recency (days), purchase count and mean value of a pandas log."""
    check_frame_columns(df, [customer_col, time_col, value_col], "transactions")
    times = pd.Series(check_times(df[time_col], time_col).astype("datetime64[ns]"),
                      index=df.index)
    values = as_float_array(df[value_col], value_col)
    if (values < 0).any():
        raise ValueError(f"column {value_col!r} has {int((values < 0).sum())} negative values; "
                         "remove or net returns and credits first")
    missing = int(df[customer_col].isna().sum())
    if missing:
        raise ValueError(f"column {customer_col!r} has {missing} missing customer ids")
    if end is None:
        stop = (times.max() + pd.Timedelta(days=1)).normalize()
    else:
        stop = check_timestamp(end, "end")
        if stop < times.min():
            raise ValueError(f"end ({stop.date()}) is before the first transaction "
                             f"({times.min().date()})")
    log = pd.DataFrame({customer_col: df[customer_col], time_col: times, value_col: values})
    log = log[log[time_col] < stop + pd.Timedelta(days=1)]
    g = log.groupby(customer_col, sort=True, observed=True)
    out = pd.DataFrame({
        "recency_days": (stop - g[time_col].max()).dt.total_seconds() / 86_400.0,
        "purchases": g.size().astype("int64"),
        "monetary": g[value_col].mean(),
    })
    out.index.name = customer_col
    return out


def _rfm_dask(log, customer_col: str, time_col: str, value_col: str, end) -> pd.DataFrame:
    """:func:`_rfm_summary` of a Dask DataFrame or Parquet path, partition by partition."""
    first, last = time_range(log, time_col)
    if end is None:
        stop = (last + pd.Timedelta(days=1)).normalize()
    else:
        stop = check_timestamp(end, "end")
        if stop < first:
            raise ValueError(f"end ({stop.date()}) is before the first transaction "
                             f"({first.date()})")
    meta = pd.DataFrame({"recency_days": pd.Series(dtype="float64"),
                         "purchases": pd.Series(dtype="int64"),
                         "monetary": pd.Series(dtype="float64")},
                        index=pd.Index([], dtype=log.frame._meta[customer_col].dtype,
                                       name=customer_col))

    def summary(part: pd.DataFrame) -> pd.DataFrame:
        times = pd.Series(check_times(part[time_col], time_col), index=part.index)
        part = part[times < (stop + pd.Timedelta(days=1)).value]
        if len(part) == 0:
            return meta
        return _rfm_summary(part, customer_col, time_col, value_col, stop)

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
