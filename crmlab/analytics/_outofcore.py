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

A crmlab table folder (one Parquet file per block of customers) is not read through
``dask.dataframe.read_parquet``: its files are grouped into at most :data:`MAX_TASKS`
tasks, each reading its files one after another, so the task graph the client builds
has a bounded size however many blocks the world has (10,000 files for 100 million
customers), and a worker holds one file at a time. The package descriptor, which lists
every file of every table, is read on a worker too; the client receives only the
number of parts. So for :func:`per_customer_counts` the client holds the distinct rows
and a graph of bounded size, nothing that grows with the customers.

Dask is imported only when such an input is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..package import DESCRIPTOR, partitioned_table_files

__all__ = ["MAX_TASKS", "DaskLog", "counts_collection", "dask_log", "per_customer",
           "per_customer_counts", "time_range"]

#: Most tasks that read a crmlab table folder, whatever its number of files: beyond it,
#: each task reads several files one after another (the graph stays bounded).
MAX_TASKS: int = 128


def _part_name(item: int | str) -> str:
    from ..package import part_name

    return part_name(item) if isinstance(item, int) else item


class _ReadParts:
    """A task's work on a table folder: read its files one at a time, apply ``func`` to
    each, concatenate the results and apply ``combine`` (e.g. sum counts by key)."""

    def __init__(self, folder: str, columns: list[str], func: Callable[[pd.DataFrame], Any],
                 combine: Callable[[pd.DataFrame], pd.DataFrame] | None,
                 meta: pd.DataFrame) -> None:
        self.folder, self.columns, self.func = folder, columns, func
        self.combine, self.meta = combine, meta

    def __call__(self, items: Sequence[int | str]) -> pd.DataFrame:
        outs = []
        for item in items:
            part = pd.read_parquet(Path(self.folder) / _part_name(item), columns=self.columns)
            out = self.func(part)
            del part
            if len(out):
                outs.append(out)
        if not outs:
            return self.meta
        out = pd.concat(outs) if len(outs) > 1 else outs[0]
        return out if self.combine is None else self.combine(out)


class DaskLog:
    """A log too big for memory: a Dask DataFrame, or the files of a crmlab table folder.

    ``whole_customers`` says whether every customer's rows sit in a single partition (or
    file). A table folder keeps its files (``folder`` and ``parts``: their number when
    they are ``part-00000.parquet`` onwards, else their names) and is read by
    :meth:`map_parts` in at most :data:`MAX_TASKS` tasks.
    """

    def __init__(self, frame: Any, whole_customers: bool, *, folder: Path | None = None,
                 parts: int | list[str] | None = None, columns: list[str] | None = None,
                 meta: pd.DataFrame | None = None) -> None:
        self._frame = frame
        self.whole_customers = whole_customers
        self.folder, self.parts, self.columns = folder, parts, columns
        self._meta = meta

    @property
    def frame(self) -> Any:
        """The log as a Dask DataFrame (one partition per file for a table folder)."""
        if self._frame is None:
            import dask.dataframe as dd

            self._frame = dd.read_parquet([str(self.folder / _part_name(i))
                                           for i in self._items()],
                                          columns=self.columns, split_row_groups=False)
        return self._frame

    @property
    def meta(self) -> pd.DataFrame:
        """An empty frame with the log's columns and dtypes (no data read)."""
        return self._frame._meta if self._meta is None else self._meta

    def _items(self) -> Sequence[int | str]:
        return range(self.parts) if isinstance(self.parts, int) else list(self.parts or [])

    def groups(self, max_tasks: int | None = None) -> list[Sequence[int | str]]:
        """The files of a table folder in at most ``max_tasks`` runs of consecutive files."""
        items = self._items()
        n_tasks = min(len(items), MAX_TASKS if max_tasks is None else max_tasks)
        bounds = [len(items) * k // n_tasks for k in range(n_tasks + 1)]
        return [items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def map_parts(self, func: Callable[[pd.DataFrame], Any], meta: pd.DataFrame, *,
                  combine: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                  max_tasks: int | None = None) -> Any:
        """A Dask DataFrame of ``func`` applied to every partition (every file).

        For a table folder the files are read in at most ``max_tasks`` (default
        :data:`MAX_TASKS`) tasks, each concatenating its files' results and applying
        ``combine`` to them, so the graph does not grow with the number of files. For a
        Dask DataFrame, ``func`` runs on each partition (``combine`` is not needed).
        """
        if self.parts is None:
            return self.frame.map_partitions(func, meta=meta)
        import dask.dataframe as dd

        run = _ReadParts(str(self.folder), list(self.columns or []), func, combine, meta)
        return dd.from_map(run, self.groups(max_tasks), meta=meta, enforce_metadata=False)


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
        if path.is_dir():
            parts = _table_parts(path)
            if parts is not None:
                return DaskLog(None, True, folder=path, parts=parts, columns=cols,
                               meta=_parquet_meta(path, parts, cols, name))
        try:
            frame = dd.read_parquet(str(path), columns=cols, split_row_groups=False)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{name}: cannot read columns {cols} from {path} ({exc})") from None
        return DaskLog(frame, frame.npartitions == 1)
    if _is_dask_frame(df):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"column {missing[0]!r} not found in {name}; its columns are "
                             f"{list(map(str, df.columns))}")
        return DaskLog(df[cols], df.npartitions == 1)
    return None


def _parts_on_worker(folder: str) -> int | list[str] | None:
    """:func:`_table_parts`, where a Dask worker runs it (the package's own rule,
    :func:`~crmlab.package.partitioned_table_files`)."""
    names = partitioned_table_files(folder)
    if not names:
        return None
    return len(names) if names == [_part_name(i) for i in range(len(names))] else names


def _table_parts(path: Path) -> int | list[str] | None:
    """The files of a crmlab table folder: their number when they are ``part-00000``
    onwards in order, their names otherwise; None if ``path`` is not such a folder.

    The package descriptor lists every file of every table (about 60 MB of JSON for 100
    million customers), so it is read by a Dask task: on a cluster, by a worker, and the
    client receives only the number of parts.
    """
    import dask

    return dask.delayed(_parts_on_worker, pure=True)(str(path)).compute()


def _parquet_meta(folder: Path, parts: int | list[str], columns: list[str],
                  name: str) -> pd.DataFrame:
    """Empty frame with the columns and dtypes ``pd.read_parquet`` gives (footer only)."""
    import pyarrow.parquet as pq

    first = folder / _part_name(0 if isinstance(parts, int) else parts[0])
    schema = pq.read_schema(first)
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise ValueError(f"{name}: cannot read columns {columns} from {folder} (no column "
                         f"{missing[0]!r}; its columns are {list(schema.names)})")
    return schema.empty_table().select(columns).to_pandas()


def time_range(log: DaskLog, time_col: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last time of the log as wall time (one pass over that column).

    Raises the error of :func:`~crmlab.analytics._validation.check_times` if either lies
    outside pandas' nanosecond range (a ``9999-12-31`` placeholder in a Parquet file).
    """
    import dask

    from ._validation import check_times

    check_times(log.meta[time_col], time_col)  # dtype check, no data read
    if log.parts is None:
        col = log.frame[time_col]
        first, last = dask.compute(col.min(), col.max())
    else:  # a bounded graph: each task returns one row, the first and last of its files
        def ends(part: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame({"first": [part[time_col].min()],
                                 "last": [part[time_col].max()]})

        def both(d: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame({"first": [d["first"].min()], "last": [d["last"].max()]})

        empty = pd.DataFrame({"first": log.meta[time_col], "last": log.meta[time_col]})
        found = both(log.map_parts(ends, empty, combine=both).compute())
        first, last = found["first"].iloc[0], found["last"].iloc[0]
    if pd.isna(first) or pd.isna(last):
        raise ValueError(f"column {time_col!r} has no times: need at least one transaction")
    ends = pd.Series([first, last])
    if not isinstance(ends.dtype, pd.DatetimeTZDtype):
        ends = ends.astype(log.meta[time_col].dtype)
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
    if not log.whole_customers:
        log = DaskLog(log.frame.shuffle(on=customer_col), True)

    def run(part: pd.DataFrame) -> pd.DataFrame:
        if len(part) == 0:
            return meta
        return summary(part)

    out = log.map_parts(run, meta).compute()
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
    out = counts_collection(log, customer_col, count, meta, keys).compute()
    out = out.reset_index().sort_values(list(keys), kind="stable", ignore_index=True)
    for c in [c for c in meta.columns if c not in keys]:
        out[c] = out[c].astype(meta[c].dtype)
    return out


#: Partitions combined at each step of the tree reduction of the counts.
SPLIT_EVERY = 8


def counts_collection(log: DaskLog, customer_col: str,
                      count: Callable[[pd.DataFrame], pd.DataFrame],
                      meta: pd.DataFrame, keys: Sequence[str], *,
                      max_tasks: int | None = None) -> Any:
    """The uncomputed Dask object of :func:`per_customer_counts` (see there).

    Its graph has at most ``max_tasks`` (default :data:`MAX_TASKS`) reading tasks for a
    table folder, each summing the counts of its files, then a tree reduction
    (:data:`SPLIT_EVERY` at a time) into one partition on a worker: a graph of bounded
    size, and a result of one row per distinct key.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> log = DaskLog(dd.from_pandas(pd.DataFrame({"c": [1, 1, 2], "k": [0, 0, 1]}),
    ...                              npartitions=2, sort=False), False)
    >>> meta = pd.DataFrame({"k": pd.Series(dtype="int64"), "n": pd.Series(dtype="int64")})
    >>> def count(p):
    ...     return p.drop_duplicates("c").groupby("k").size().rename("n").reset_index()
    >>> counts_collection(log, "c", count, meta, ["k"]).compute().sort_index()["n"].tolist()
    [1, 1]
    """
    if not log.whole_customers:
        log = DaskLog(log.frame.shuffle(on=customer_col), True)
    keys = list(keys)
    values = [c for c in meta.columns if c not in keys]

    def run(part: pd.DataFrame) -> pd.DataFrame:
        if len(part) == 0:
            return meta
        return count(part)

    def combine(d: pd.DataFrame) -> pd.DataFrame:
        return d.groupby(keys, sort=False)[values].sum().reset_index()

    counted = log.map_parts(run, meta, combine=combine, max_tasks=max_tasks)
    # one output partition, reduced as a tree on the workers (not Dask's default for
    # several keys, a shuffle into one partition per 5 input partitions)
    return counted.groupby(keys, sort=False)[values].sum(split_out=1, split_every=SPLIT_EVERY)
