"""Frames and timestamps without needless copies: building a table from fresh column
arrays, reading a table's column arrays back, categorical columns, and fractional days
turned into ``datetime64[s]`` timestamps.


Generators work in fractional days since ``config.start`` (float64) and turn them into
timestamps only at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

from .events import ROWS_PER_SLICE

__all__ = [
    "categorical", "column_arrays", "column_kind", "days_to_timestamps", "frame", "numpy_data",
]


def frame(columns: dict[str, object]) -> pd.DataFrame:
    """``pd.DataFrame(columns)`` for freshly made, equal-length columns, without copies.

    ``pd.DataFrame(dict)`` copies every numpy column into consolidated 2-D blocks and
    aligns Series on their index (about 0.3 ms for a billing table, against 0.1 ms
    here). The frame has the same values and dtypes; its columns are taken over:

    * numpy arrays and Categoricals are used as they are, so they must be fresh arrays
      that nothing changes afterwards and that no other frame gets;
    * an Arrow-backed array, or one in a Series, goes in as a shallow copy (Arrow
      buffers are immutable: no data is copied, yet changing the frame cannot change
      the Series, nor another frame given the same strings); the Series' index is not
      looked at (columns are lined up by position);
    * any other Series stays a Series, which pandas' copy-on-write keeps apart.

    When every column is then a 1-D array of one length under a string name (the
    usual case), the frame is assembled from its columns as ``pd.DataFrame(dict)``
    would, minus the work on the dict: the column index is made once per list of
    names (making it from Python strings was a third of the time) and the row index
    is a plain range.

    Examples
    --------
    >>> ids = pd.Series(["a", "b"], dtype="str")
    >>> [str(t) for t in frame({"id": ids, "n": np.arange(2)}).dtypes]
    ['str', 'int64']
    """
    def column(values):
        array = values.array if isinstance(values, pd.Series) else values
        if isinstance(array, pd.arrays.ArrowExtensionArray):
            return array.copy()  # a new wrapper of the same immutable Arrow buffers
        return values
    arrays = [column(values) for values in columns.values()]
    names = tuple(columns)
    if not (_arrays_to_mgr is not None and arrays and _plain_columns(names, arrays)):
        return pd.DataFrame(dict(zip(names, arrays, strict=True)), copy=False)
    # what pd.DataFrame(dict, copy=False) does with such columns, from arrays_to_mgr on
    mgr = _arrays_to_mgr(arrays, _column_index(names).view(), pd.RangeIndex(len(arrays[0])),
                         consolidate=False)
    return pd.DataFrame._from_mgr(mgr, axes=mgr.axes)


def column_arrays(table: pd.DataFrame) -> list[object]:
    """The arrays behind a frame's columns, in order, without a Series per column.

    pandas' own per-column accessor costs about 1 µs a column against about 10 µs for
    ``table[name].array``, which adds up over the thousands of block columns of a
    world; a pandas without that (internal) accessor gets the public way.

    Examples
    --------
    >>> [str(a.dtype) for a in column_arrays(pd.DataFrame({"n": [1], "x": [0.5]}))]
    ['int64', 'float64']
    """
    iterate = getattr(table, "_iter_column_arrays", None)
    if iterate is not None:
        return list(iterate())
    return [table.iloc[:, i].array for i in range(table.shape[1])]  # pragma: no cover


def numpy_data(values: object) -> np.ndarray | None:
    """The numpy data behind a plain numpy column (numbers, booleans, naive datetimes),
    without a copy; None for any other column.

    Examples
    --------
    >>> numpy_data(pd.Series(np.arange(3)).array).tolist(), numpy_data(pd.Categorical(["a"]))
    ([0, 1, 2], None)
    """
    if isinstance(values, pd.arrays.DatetimeArray):
        if values.tz is not None:
            return None
        values = values.to_numpy(copy=False)
    elif isinstance(values, pd.arrays.NumpyExtensionArray):
        values = values.to_numpy(copy=False)
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "biufcmM":
        return values
    return None


def column_kind(values: object) -> tuple[str, object]:
    """How a column's data is laid out, for code that moves or stacks it without
    pandas: ``("numpy", numpy dtype)`` (see :func:`numpy_data`), ``("categorical",
    dtype)`` (integer codes), ``("arrow", dtype)`` (Arrow-backed strings) or
    ``("other", dtype)``.

    Examples
    --------
    >>> [column_kind(a)[0] for a in column_arrays(pd.DataFrame(
    ...     {"n": [1], "c": pd.Categorical(["a"]), "s": pd.Series(["x"], dtype="str")}))]
    ['numpy', 'categorical', 'arrow']
    """
    if isinstance(values, pd.Categorical):
        return "categorical", values.dtype
    if isinstance(values, pd.arrays.ArrowStringArray):
        return "arrow", values.dtype
    data = numpy_data(values)
    if data is not None:
        return "numpy", data.dtype
    return "other", getattr(values, "dtype", None)


try:  # pandas' own step from column arrays to a frame's data (internal, so guarded)
    from pandas.core.internals.construction import arrays_to_mgr as _arrays_to_mgr
except ImportError:  # pragma: no cover - a pandas without it takes the public path
    _arrays_to_mgr = None


def _plain_columns(names: tuple, arrays: list) -> bool:
    """True if the names are strings and the columns 1-D arrays of one length (no
    Series to align, no lists or scalars to convert)."""
    length = len(arrays[0])
    return (all(isinstance(name, str) for name in names)
            and all(isinstance(a, np.ndarray | pd.api.extensions.ExtensionArray)
                    and a.ndim == 1 and len(a) == length for a in arrays))


@cache
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """The column index ``pd.DataFrame(dict)`` makes for these names (callers take a
    view, so a frame that renames its axis cannot change the cached one)."""
    return pd.Index(list(names))


@cache
def _categorical_dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index(list(categories), dtype="str"))


def categorical(codes: np.ndarray, categories: Sequence[str]) -> pd.Categorical:
    """A pandas Categorical from integer codes and a fixed category list.

    The dtype is built once per category list (building it is what costs time).
    """
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int16),
                                     dtype=_categorical_dtype(tuple(categories)))


#: Seconds beyond which the integer fast path of :func:`days_to_timestamps` could
#: overflow (about 146 billion years); such values take the checked path.
_MAX_SECONDS = 2.0**62


def days_to_timestamps(start: pd.Timestamp, days: np.ndarray) -> np.ndarray:
    """Fractional days since ``start`` as ``datetime64[s]`` (NaN becomes NaT)."""
    days = np.asarray(days, dtype=float)
    origin = np.datetime64(start.to_datetime64(), "s")
    if days.ndim == 1:
        out = _whole_seconds(days)
        if out is not None:
            out += origin.astype(np.int64)
            return out.view("datetime64[s]")
    seconds = np.round(days * 86_400.0)
    out = origin + np.where(np.isnan(seconds), 0, seconds).astype("timedelta64[s]")
    out[np.isnan(days)] = np.datetime64("NaT")
    return out


def _whole_seconds(days: np.ndarray) -> np.ndarray | None:
    """``np.round(days * 86400)`` as int64, or None unless every value is finite and
    in range (then adding the start is plain integer addition, without the NaT
    bookkeeping of datetime arithmetic). Works in slices: one new array, not three."""
    out = np.empty(len(days), dtype=np.int64)
    for first in range(0, len(days), ROWS_PER_SLICE):
        seconds = days[first:first + ROWS_PER_SLICE] * 86_400.0
        np.rint(seconds, out=seconds)  # what np.round does
        if not (-_MAX_SECONDS < seconds.min() and seconds.max() < _MAX_SECONDS):
            return None  # NaN fails both tests
        out[first:first + len(seconds)] = seconds
    return out
