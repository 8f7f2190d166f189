"""Per-customer summaries of logs too big for memory: Dask DataFrames and Parquet paths.

The customer-base analytics reduce a transaction log to one row per customer. When the
log is a Dask DataFrame or a Parquet file or folder, :func:`per_customer` brings each
customer's rows into one partition (a shuffle on the customer column, unless the input
already keeps every customer in one file, as crmlab's partitioned worlds do: one file
per block of customers), runs the ordinary pandas summary on every partition in
parallel, and returns the per-customer table in pandas, sorted by customer. Everything
after that (scores, model fits on unique rows) is the pandas code path.

:func:`per_customer_counts` goes one step further for the models that only need the
distinct rows of a summary with their counts (BG/NBD, Pareto/NBD): each partition is
summarised and counted on the workers, the counts are summed there (a tree reduction),
and only the distinct rows come back, so the client's memory does not grow with the
number of customers.

Dask is imported only when such an input is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..package import DESCRIPTOR, is_partitioned_table_folder

__all__ = ["DaskLog", "dask_log", "per_customer", "per_customer_counts", "time_range"]


class DaskLog:
    """A Dask DataFrame and whether every customer's rows sit in a single partition."""

    def __init__(self, frame: Any, whole_customers: bool) -> None:
        self.frame = frame
        self.whole_customers = whole_customers


def _is_dask_frame(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(
        obj, "map_partitions") and hasattr(obj, "columns")


def dask_log(df: Any, columns: Sequence[str | None], name: str = "df") -> DaskLog | None:
    """A :class:`DaskLog` for a Dask DataFrame or a Parquet path; None for anything else.

    Parameters
    ----------
    df : object
        A Dask DataFrame, or a ``str``/``Path`` to a Parquet file or a folder of Parquet
        files (e.g. ``DIR/transactions`` of a world written by :mod:`crmlab.engine`).
    columns : sequence of str
        Columns needed (None entries are skipped); only these are read from Parquet.
    name : str
        Argument name for error messages.

    Examples
    --------
    >>> import pandas as pd
    >>> dask_log(pd.DataFrame({"a": [1]}), ["a"]) is None
    True
    """
    cols = [c for c in columns if c is not None]
    if isinstance(df, (str, Path)):
        import dask.dataframe as dd

        path = Path(df).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"{name}: no such Parquet file or folder: {path}")
        if path.is_dir() and (path / DESCRIPTOR).is_file():
            raise ValueError(f"{name}: {path} is a whole data package; pass one table's "
                             f"folder, e.g. {path / 'transactions'}")
        try:
            frame = dd.read_parquet(str(path), columns=cols, split_row_groups=False)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{name}: cannot read columns {cols} from {path} ({exc})") from None
        whole = frame.npartitions == 1 or (path.is_dir() and is_partitioned_table_folder(path))
        return DaskLog(frame, whole)
    if _is_dask_frame(df):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"column {missing[0]!r} not found in {name}; its columns are "
                             f"{list(map(str, df.columns))}")
        return DaskLog(df[cols], df.npartitions == 1)
    return None


def time_range(log: DaskLog, time_col: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last time of the log as wall time (one pass over that column).

    Raises the error of :func:`~crmlab.analytics._validation.check_times` if either lies
    outside pandas' nanosecond range (a ``9999-12-31`` placeholder in a Parquet file).
    """
    import dask

    from ._validation import check_times

    check_times(log.frame._meta[time_col], time_col)  # dtype check, no data read
    col = log.frame[time_col]
    first, last = dask.compute(col.min(), col.max())
    if pd.isna(first) or pd.isna(last):
        raise ValueError(f"column {time_col!r} has no times: need at least one transaction")
    ends = pd.Series([first, last])
    if not isinstance(ends.dtype, pd.DatetimeTZDtype):
        ends = ends.astype(log.frame._meta[time_col].dtype)
    ns = check_times(ends, time_col)
    return pd.Timestamp(int(ns[0])), pd.Timestamp(int(ns[1]))


def per_customer(log: DaskLog, customer_col: str,
                 summary: Callable[[pd.DataFrame], pd.DataFrame],
                 meta: pd.DataFrame) -> pd.DataFrame:
    """Run a pandas per-customer ``summary`` on each partition holding whole customers.

    Parameters
    ----------
    log : DaskLog
    customer_col : str
    summary : callable
        pandas DataFrame (some customers' complete rows) -> one row per customer,
        indexed by customer. Called only on non-empty partitions.
    meta : DataFrame
        An empty frame with the summary's columns and dtypes.

    Returns
    -------
    DataFrame
        All partitions' rows, sorted by customer.
    """
    frame = log.frame
    if not log.whole_customers:
        frame = frame.shuffle(on=customer_col)

    def run(part: pd.DataFrame) -> pd.DataFrame:
        if len(part) == 0:
            return meta
        return summary(part)

    out = frame.map_partitions(run, meta=meta).compute()
    if isinstance(out.index.dtype, pd.StringDtype):  # Dask reads text as string[pyarrow]
        out.index = out.index.astype("str")
    out = out.sort_index(kind="stable")
    if not out.index.is_unique:  # a file-per-block table that does not hold whole customers
        dup = out.index[out.index.duplicated()][0]
        raise ValueError(_SPLIT_CUSTOMER.format(dup=dup))
    return out


_SPLIT_CUSTOMER = ("customer {dup!r} has rows in several files of the Parquet folder; read "
                   "it with dask.dataframe.read_parquet and pass the Dask DataFrame, which is "
                   "shuffled by customer first")


def per_customer_counts(log: DaskLog, customer_col: str,
                        count: Callable[[pd.DataFrame], pd.DataFrame],
                        meta: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Sum, over partitions of whole customers, per-partition counts of distinct rows.

    Parameters
    ----------
    log : DaskLog
    customer_col : str
        The input is shuffled on it first unless it already keeps every customer's rows
        in one partition (a crmlab table folder: one file per block of customers).
    count : callable
        pandas DataFrame (some customers' complete rows) -> one row per distinct value of
        ``keys`` with integer count columns (the other columns of ``meta``). Called on
        the workers, on every non-empty partition.
    meta : DataFrame
        An empty frame with the keys and count columns and their dtypes.
    keys : sequence of str
        The columns that identify a distinct row.

    Returns
    -------
    DataFrame
        One row per distinct value of ``keys`` with the counts summed over partitions,
        sorted by ``keys``, on a RangeIndex. Only this table is sent to the client: the
        sums are computed on the workers (a tree reduction of Dask's groupby).
    """
    frame = log.frame
    if not log.whole_customers:
        frame = frame.shuffle(on=customer_col)

    def run(part: pd.DataFrame) -> pd.DataFrame:
        if len(part) == 0:
            return meta
        return count(part)

    counted = frame.map_partitions(run, meta=meta)
    values = [c for c in meta.columns if c not in keys]
    out = counted.groupby(list(keys), sort=False)[values].sum().compute()
    out = out.reset_index().sort_values(list(keys), kind="stable", ignore_index=True)
    for c in values:
        out[c] = out[c].astype(meta[c].dtype)
    return out
