"""Frames and timestamps without needless copies: building a table from fresh column
arrays, reading a table's column arrays back, categorical columns, and fractional days
turned into ``datetime64[s]`` timestamps.


Generators work in fractional days since ``config.start`` (float64) and turn them into
timestamps only at the end.


:func:`frame` and :func:`column_arrays` take a short cut through pandas internals
(``arrays_to_mgr``, ``DataFrame._from_mgr``, ``DataFrame._iter_column_arrays``) and
check what comes back against what the public API would give (length, column names,
dtypes). The first time the short cut fails in any way (an exception, or a result that
is not what the public path builds), both functions switch to the public API for the
rest of the process and the reason is kept (:func:`internals_failure`). The switch is
silent: the tables are the same either way, only slower (a world takes about a tenth
longer), and a warning would land in every notebook that makes a world (where nothing
can be done about it); the reason is logged once, at INFO level, on this module's
logger. Setting the environment variable ``CRMLAB_PURE_PANDAS=1`` before crmlab is
imported, or :data:`PURE_PANDAS` to True, forces the public path.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

from .events import ROWS_PER_SLICE

__all__ = [
    "PURE_PANDAS", "categorical", "column_arrays", "column_kind", "days_to_timestamps", "frame",
    "internals_failure", "numpy_data",
]

#: True: build and read frames through pandas' public API only (see the module notes).
#: Read from the environment variable ``CRMLAB_PURE_PANDAS`` (``1``, ``true``, ``yes``)
#: when crmlab is imported; tests may set it directly.
PURE_PANDAS: bool = os.environ.get("CRMLAB_PURE_PANDAS", "").strip().lower() in {
    "1", "true", "yes", "on"}

#: Why the short cut through pandas internals was given up in this process (None: it
#: works, or it was never tried).
_failure: str | None = None

_log = logging.getLogger(__name__)


def internals_failure() -> str | None:
    """Why :func:`frame` and :func:`column_arrays` use pandas' public API only in this
    process: ``"forced"`` (:data:`PURE_PANDAS`), the first failure of the internal
    short cut, or None (the short cut is in use).

    Examples
    --------
    >>> internals_failure()  # None: this pandas takes the short cut
    """
    if PURE_PANDAS:
        return "forced"
    return _failure


def _give_up_internals(what: str, error: object) -> None:
    """Remember (once) that pandas internals did not behave, and say so in the log."""
    global _failure
    if _failure is None:
        _failure = f"pandas {pd.__version__}: {what}: {error}"
        _log.info("crmlab builds frames through the public pandas API from now on (%s)",
                  _failure)


def _internals_usable() -> bool:
    return not PURE_PANDAS and _failure is None


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
    if arrays and _internals_usable() and _plain_columns(names, arrays):
        result = _frame_from_internals(names, arrays)
        if result is not None:
            return result
    return pd.DataFrame(dict(zip(names, arrays, strict=True)), copy=False)


def _frame_from_internals(names: tuple[str, ...], arrays: list) -> pd.DataFrame | None:
    """What ``pd.DataFrame(dict, copy=False)`` does with plain columns, from
    ``arrays_to_mgr`` on; None (and the public path from now on) if that fails or gives
    anything but the public path's frame: ``len(arrays[0])`` rows, a plain row index,
    the column names in order and each column's dtype as it came."""
    columns = _column_index(names)
    length = len(arrays[0])
    try:
        mgr = _arrays_to_mgr(arrays, columns.view(), pd.RangeIndex(length),
                             consolidate=False)
        result = pd.DataFrame._from_mgr(mgr, axes=mgr.axes)
        problem = _frame_problem(result, columns, arrays, length)
    except MemoryError:
        raise  # not a sign of changed internals
    except Exception as error:  # anything: an import that moved, a changed signature...
        _give_up_internals("building a frame from arrays", repr(error))
        return None
    if problem is not None:
        _give_up_internals("building a frame from arrays", problem)
        return None
    return result


#: The kinds of plain columns (array type and dtype, column by column) for which the
#: short cut has given the public path's dtypes. A frame's dtypes follow from its
#: columns' kinds alone, so each list of kinds is checked once (looking at a frame's
#: dtypes costs a fifth of making it); length and names are checked every time.
_CHECKED_KINDS: set[tuple] = set()


def _frame_problem(result: object, columns: pd.Index, arrays: list, length: int
                   ) -> str | None:
    """How ``result`` differs from the frame the public path builds from ``arrays``
    (plain columns, so each keeps its dtype), or None."""
    if not isinstance(result, pd.DataFrame):
        return f"got a {type(result).__name__}, not a DataFrame"
    if result.shape != (length, len(arrays)):
        return f"shape {result.shape}, expected {(length, len(arrays))}"
    index = result.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
            and result.columns.equals(columns)):
        return "the row index or the column names differ"
    kinds = tuple([(type(values), values.dtype) for values in arrays])
    if kinds in _CHECKED_KINDS:
        return None
    for name, got, values in zip(columns, result.dtypes.tolist(), arrays, strict=True):
        if got != _dtype_of(values):
            return f"column {name!r} has dtype {got}, expected {_dtype_of(values)}"
    _CHECKED_KINDS.add(kinds)
    return None


def _dtype_of(values: object) -> object:
    """The dtype a frame column made of ``values`` has (numpy data of a
    ``NumpyExtensionArray`` becomes a plain numpy column)."""
    if isinstance(values, _NumpyExtensionArray):
        return values.dtype.numpy_dtype
    return values.dtype


_NumpyExtensionArray = pd.arrays.NumpyExtensionArray
_ARRAYS = (np.ndarray, pd.api.extensions.ExtensionArray)


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
    if _internals_usable():
        try:
            arrays = list(table._iter_column_arrays())
            problem = _arrays_problem(table, arrays)
        except MemoryError:
            raise
        except Exception as error:
            problem = repr(error)
        if problem is None:
            return arrays
        _give_up_internals("reading a frame's column arrays", problem)
    return [_public_array(table.iloc[:, i]) for i in range(table.shape[1])]


def _public_array(column: pd.Series) -> object:
    """The array behind a column, as pandas' own accessor gives it: numpy data as a
    plain ndarray (no copy), any other array as it is."""
    array = column.array
    if isinstance(array, pd.arrays.NumpyExtensionArray):
        return array.to_numpy(copy=False)
    return array


def _arrays_problem(table: pd.DataFrame, arrays: list) -> str | None:
    """How ``arrays`` differ from the columns of ``table`` (count, type, length, dtype),
    or None."""
    if len(arrays) != table.shape[1]:
        return f"{len(arrays)} arrays for {table.shape[1]} columns"
    rows = len(table)
    for i, values in enumerate(arrays):
        if not (isinstance(values, _ARRAYS) and not isinstance(values, _NumpyExtensionArray)
                and values.ndim == 1 and len(values) == rows):
            return f"column {i} came back as {type(values).__name__}"
    dtypes = table.dtypes.tolist()
    if [values.dtype for values in arrays] != dtypes:
        wrong = next(i for i, (values, dtype) in enumerate(zip(arrays, dtypes, strict=True))
                     if values.dtype != dtype)
        return f"column {wrong} came back as dtype {arrays[wrong].dtype}, not {dtypes[wrong]}"
    return None


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
except Exception as _error:  # a pandas without it (or where it fails to import)
    _arrays_to_mgr = None
    _give_up_internals("importing arrays_to_mgr", repr(_error))


def _plain_columns(names: tuple, arrays: list) -> bool:
    """True if the names are strings and the columns 1-D arrays of one length: extension
    arrays, or numpy arrays whose dtype a frame keeps (no Series to align, no lists or
    scalars to convert, no Python objects whose dtype pandas would infer)."""
    length = len(arrays[0])
    for a in arrays:
        if not ((isinstance(a, np.ndarray) and _kept_dtype(a.dtype))
                or isinstance(a, _ARRAYS[1])) or a.ndim != 1 or len(a) != length:
            return False
    return all(isinstance(name, str) for name in names)


@cache
def _kept_dtype(dtype: np.dtype) -> bool:
    """True for numpy dtypes a frame column keeps as they are: numbers, booleans, and
    datetimes or timedeltas in a unit pandas supports (others become seconds)."""
    if dtype.kind in "mM":
        return np.datetime_data(dtype)[0] in ("s", "ms", "us", "ns")
    return dtype.kind in "biufc"


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
