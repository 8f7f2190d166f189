"""Cohort retention: of the customers who first bought in a period, how many buy again
one, two, ... periods later.

Customers are grouped by the period of their first purchase (their *cohort*); for each
cohort and each age (periods since that first one) the table counts the customers
who bought at least once in that period. Age 0 is the cohort itself (retention 1).

Examples
--------
>>> import pandas as pd
>>> from crmlab.analytics.cohorts import cohort_retention
>>> log = pd.DataFrame({
...     "customer_id": ["a", "a", "b", "b", "c"],
...     "timestamp": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-01-20",
...                                  "2024-03-01", "2024-02-02"])})
>>> cohort_retention(log)[["cohort", "period", "customers", "active", "retention"]]
      cohort  period  customers  active  retention
0 2024-01-01       0          2       2        1.0
1 2024-01-01       1          2       1        0.5
2 2024-01-01       2          2       1        0.5
3 2024-02-01       0          1       1        1.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_frame_columns, check_times

__all__ = ["cohort_retention", "retention_matrix"]


def cohort_retention(df: pd.DataFrame, *, customer_col: str = "customer_id",
                     time_col: str = "timestamp", freq: str = "M") -> pd.DataFrame:
    """Active customers of each first-purchase cohort, period by period.

    Parameters
    ----------
    df : DataFrame
        A transaction log, one row per purchase.
    customer_col, time_col : str
        Column names.
    freq : str, default="M"
        Period length as a pandas period alias: ``"M"`` (months), ``"W"``, ``"Q"``,
        ``"D"``...

    Returns
    -------
    DataFrame
        One row per cohort and age with at least one active customer, sorted:
        ``cohort`` (start of the first-purchase period), ``period`` (periods since),
        ``customers`` (cohort size), ``active`` (customers who bought in that period)
        and ``retention`` (``active / customers``).
    """
    check_frame_columns(df, [customer_col, time_col], "transactions")
    times = pd.Series(check_times(df[time_col], time_col).view("datetime64[ns]"),
                      index=df.index)
    if df[customer_col].isna().any():
        raise ValueError(f"column {customer_col!r} has {int(df[customer_col].isna().sum())} "
                         "missing customer ids")
    try:
        periods = times.dt.to_period(freq)
    except ValueError as exc:
        raise ValueError(f"freq must be a pandas period alias such as 'M', 'W' or 'Q'; "
                         f"got {freq!r} ({exc})") from None
    ordinal = pd.Series(periods.array.asi8, index=df.index)
    first = ordinal.groupby(df[customer_col]).transform("min")
    activity = pd.DataFrame({"customer": df[customer_col].to_numpy(),
                             "cohort": first.to_numpy(),
                             "period": (ordinal - first).to_numpy()}).drop_duplicates()
    sizes = activity.loc[activity["period"] == 0].groupby("cohort").size()
    out = activity.groupby(["cohort", "period"]).size().rename("active").reset_index()
    out.insert(2, "customers", out["cohort"].map(sizes).astype("int64"))
    out["retention"] = out["active"] / out["customers"]
    start = pd.PeriodIndex.from_ordinals(out["cohort"].to_numpy(), freq=periods.dt.freq)
    out["cohort"] = start.to_timestamp(how="start")
    out["period"] = out["period"].astype("int64")
    out["active"] = out["active"].astype("int64")
    return out.sort_values(["cohort", "period"], ignore_index=True)


def retention_matrix(table: pd.DataFrame, *, freq: str = "M") -> pd.DataFrame:
    """Cohorts as rows, ages as columns, retention as values.

    A cell is 0 when nobody of the cohort bought in that period, and missing (NaN) when
    the period lies after the last one in the data (not observed yet).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`cohort_retention` (or the same columns from SQL).
    freq : str, default="M"
        The period length the table was made with.

    Examples
    --------
    >>> t = pd.DataFrame({"cohort": pd.to_datetime(["2024-01-01", "2024-01-01",
    ...                                             "2024-02-01"]),
    ...                   "period": [0, 2, 0], "retention": [1.0, 0.5, 1.0]})
    >>> retention_matrix(t).to_numpy().tolist()
    [[1.0, 0.0, 0.5], [1.0, 0.0, nan]]
    """
    check_frame_columns(table, ["cohort", "period", "retention"], "table", if_empty=None,
                        hint="build it with cohort_retention()")
    wide = table.pivot(index="cohort", columns="period", values="retention")
    ages = list(range(int(table["period"].max()) + 1)) if len(table) else []
    wide = wide.reindex(columns=ages).fillna(0.0)
    start = pd.PeriodIndex(pd.to_datetime(wide.index), freq=freq).asi8
    last = (pd.PeriodIndex(pd.to_datetime(table["cohort"]), freq=freq).asi8
            + table["period"].to_numpy()).max() if len(table) else 0
    unseen = start[:, None] + np.arange(len(ages))[None, :] > last
    return wide.mask(unseen)
