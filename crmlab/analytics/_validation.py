"""Input checks shared by every module of :mod:`crmlab.analytics`.

Every check raises a ``TypeError`` (wrong kind of input) or ``ValueError`` (right kind,
impossible value) whose message names the column or argument and says what is expected,
so a student sees "recency is larger than T for 3 customers" rather than a NaN fit.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FREQ_DAYS", "as_float_array", "check_frame_columns", "check_freq",
           "check_random_state", "check_rfm", "check_tables", "check_timestamp", "check_times",
           "is_seed"]

#: Length of one period in days for each supported ``freq`` ("M" is the mean month).
FREQ_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


def check_freq(freq: Any, name: str = "freq") -> str:
    """Return ``freq`` upper-cased if it is one of ``"D"``, ``"W"``, ``"M"``.

    Examples
    --------
    >>> check_freq("w")
    'W'
    """
    if not isinstance(freq, str):
        raise TypeError(f"{name} must be one of 'D', 'W', 'M' (a string); got {freq!r}")
    key = freq.upper()
    if key not in FREQ_DAYS:
        raise ValueError(f"{name} must be one of 'D' (days), 'W' (weeks) or 'M' (months); "
                         f"got {freq!r}")
    return key


def as_float_array(values: Any, name: str) -> np.ndarray:
    """One-dimensional float64 copy of ``values``; raises on non-numeric or NaN values.

    Examples
    --------
    >>> as_float_array([1, 2], "frequency")
    array([1., 2.])
    """
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} must be one column (a Series or 1-d array), not a DataFrame")
    if isinstance(values, pd.Series):
        if not (pd.api.types.is_numeric_dtype(values.dtype)
                and not pd.api.types.is_bool_dtype(values.dtype)):
            raise TypeError(f"{name} must be numeric; got dtype {values.dtype}")
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = np.asarray(values)
        if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.number)):
            raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: need at least one customer")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} has {int(bad.sum())} missing or infinite values "
                         f"(first at position {int(np.argmax(bad))}); drop or fill them first")
    return arr


def _count(mask: np.ndarray) -> str:
    n = int(mask.sum())
    return f"{n} customer" + ("" if n == 1 else "s")


def check_rfm(frequency: Any, recency: Any = None, T: Any = None, *,
              need_repeaters: bool = False) -> tuple[np.ndarray, ...]:
    """Validate frequency / recency / T columns; return them as float arrays.

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchases (non-negative integers), time of the last repeat purchase since
        the first, and age since the first purchase. ``recency`` and ``T`` may be None.
    need_repeaters : bool, default=False
        Raise if no customer has ``frequency > 0`` (a model cannot be fitted then).

    Returns
    -------
    tuple of ndarray
        ``(frequency,)``, ``(frequency, recency)`` or ``(frequency, recency, T)``.

    Examples
    --------
    >>> x, tx, T = check_rfm([0, 2], [0, 3.0], [5, 5])
    >>> x
    array([0., 2.])
    """
    x = as_float_array(frequency, "frequency")
    if (x < 0).any():
        raise ValueError(f"frequency must be >= 0 (repeat purchases); {_count(x < 0)} "
                         f"have negative values, e.g. {x[x < 0][0]:g}")
    frac = x != np.floor(x)
    if frac.any():
        raise ValueError(f"frequency must hold whole numbers of repeat purchases; "
                         f"{_count(frac)} have non-integer values, e.g. {x[frac][0]:g}")
    if need_repeaters and not (x > 0).any():
        raise ValueError("every customer has frequency == 0 (no repeat purchases): the model "
                         "cannot be fitted; use a longer observation window or check that "
                         "frequency counts repeat purchases")
    out = [x]
    if recency is not None:
        tx = as_float_array(recency, "recency")
        if tx.shape != x.shape:
            raise ValueError(f"recency has {tx.size} values but frequency has {x.size}")
        if (tx < 0).any():
            raise ValueError(f"recency must be >= 0; {_count(tx < 0)} have negative values "
                             "(last purchase before the first?)")
        zero = (x == 0) & (tx != 0)
        if zero.any():
            raise ValueError(f"recency must be 0 when frequency == 0; {_count(zero)} have "
                             f"frequency 0 but recency {tx[zero][0]:g}")
        out.append(tx)
    if T is not None:
        age = as_float_array(T, "T")
        if age.shape != x.shape:
            raise ValueError(f"T has {age.size} values but frequency has {x.size}")
        if (age < 0).any():
            raise ValueError(f"T (age since first purchase) must be >= 0; {_count(age < 0)} "
                             "have T < 0 (first purchase after the end of the window?)")
        if recency is not None:
            late = out[1] > age
            if late.any():
                raise ValueError(f"recency is larger than T for {_count(late)} (e.g. recency "
                                 f"{out[1][late][0]:g} > T {age[late][0]:g}); recency is the "
                                 "time of the last repeat purchase, T the customer's age")
        out.append(age)
    return tuple(out)


def check_frame_columns(df: Any, columns: Sequence[str | None], name: str = "df", *,
                        if_empty: str | None = "need at least one transaction",
                        hint: str | None = None) -> None:
    """Raise unless ``df`` is a DataFrame holding every named column (and, by default, rows).

    The one column check of :mod:`crmlab.analytics`: every function checks its frames
    with it, so every message has the same form and names the argument, the missing
    column(s) and the columns it does have.

    Parameters
    ----------
    df : object
        The argument to check.
    columns : sequence of str or None
        Columns it must hold; None entries are skipped (optional columns not asked for).
    name : str, default="df"
        The argument's name, for the messages.
    if_empty : str or None, default="need at least one transaction"
        What to say when ``df`` has no rows (the message is ``"{name} is empty:
        {if_empty}"``); None lets an empty frame through.
    hint : str, optional
        Appended to the missing-column message, e.g. how to build the frame.

    Raises
    ------
    TypeError
        If ``df`` is not a pandas DataFrame.
    ValueError
        If a column is missing, or ``df`` is empty and ``if_empty`` is not None.

    Examples
    --------
    >>> check_frame_columns(pd.DataFrame({"a": [1]}), ["a"])
    >>> check_frame_columns(pd.DataFrame({"a": []}), ["a"], "contacts", if_empty=None)
    >>> check_frame_columns(pd.DataFrame({"a": []}), ["a", "b", "c"], "contacts")
    Traceback (most recent call last):
    ...
    ValueError: columns ['b', 'c'] not found in contacts; its columns are ['a']
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(df).__name__}")
    missing = [col for col in columns if col is not None and col not in df.columns]
    if missing:
        what = f"column {missing[0]!r}" if len(missing) == 1 else f"columns {missing}"
        raise ValueError(f"{what} not found in {name}; its columns are "
                         f"{list(map(str, df.columns))}" + (f"; {hint}" if hint else ""))
    if if_empty is not None and len(df) == 0:
        raise ValueError(f"{name} is empty: {if_empty}")


def check_tables(tables: Any, needed: Mapping[str, Sequence[str]], *,
                 optional: bool = False) -> None:
    """Raise unless ``tables`` maps each needed table name to a frame with its columns.

    For the functions that read a whole world (``World.tables``) rather than one frame.
    Empty tables are allowed (a world may have no complaints).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        As ``World.tables``.
    needed : mapping of table name to column names
    optional : bool, default=False
        Tables may be absent (only those present are checked).

    Examples
    --------
    >>> check_tables({"customers": pd.DataFrame({"customer_id": []})},
    ...              {"customers": ["customer_id"]})
    >>> check_tables({}, {"customers": ["customer_id"]})
    Traceback (most recent call last):
    ...
    ValueError: tables has no 'customers' table; pass World.tables (it needs ['customers'])
    """
    if isinstance(tables, pd.DataFrame) or not isinstance(tables, Mapping):
        raise TypeError(f"tables must be a mapping of table name to DataFrame (like "
                        f"World.tables); got {type(tables).__name__}")
    missing = [table for table in needed if table not in tables]
    if missing and not optional:
        raise ValueError(f"tables has no {', '.join(map(repr, missing))} "
                         f"table{'' if len(missing) == 1 else 's'}; pass World.tables "
                         f"(it needs {list(needed)})")
    for table, cols in needed.items():
        if table in tables:
            check_frame_columns(tables[table], cols, f"tables[{table!r}]", if_empty=None)


def check_random_state(random_state: Any, name: str = "random_state") -> np.random.Generator:
    """A numpy Generator from ``random_state``: an int seed, a Generator, or None.

    Like scikit-learn's ``check_random_state``, for numpy's Generator: an int gives a
    new Generator seeded with it (the same numbers on every call), a Generator is used
    as it is (calls draw one stream after another), None draws fresh entropy from the
    operating system (different every run).

    Examples
    --------
    >>> check_random_state(0).random() == check_random_state(0).random()
    True
    >>> rng = np.random.default_rng(1)
    >>> check_random_state(rng) is rng
    True
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"{name} must be a non-negative integer, a numpy Generator or "
                             f"None; got {random_state}")
        return np.random.default_rng(int(random_state))
    raise TypeError(f"{name} must be an int, a numpy Generator (np.random.default_rng(...)) "
                    f"or None; got {type(random_state).__name__}")


def is_seed(random_state: Any) -> bool:
    """Whether ``random_state`` is an int seed (each use starts the same stream again).

    Functions that draw several times use it to keep a seed's old numbers: with a seed,
    every draw starts from the seed, as before; with a Generator, draws share its stream.

    Examples
    --------
    >>> is_seed(3), is_seed(np.random.default_rng(3)), is_seed(None)
    (True, False, False)
    """
    return isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool)


def check_times(values: pd.Series, col: str) -> np.ndarray:
    """Datetime column -> int64 nanoseconds (tz-aware times keep their local wall time).

    Examples
    --------
    >>> check_times(pd.Series(pd.to_datetime(["2024-01-01"])), "t").dtype
    dtype('int64')
    """
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(dtype):
        raise TypeError(f"column {col!r} must hold datetimes (datetime64); got dtype {dtype}. "
                        f"Convert it first, e.g. df[{col!r}] = pd.to_datetime(df[{col!r}])")
    if values.isna().any():
        n = int(values.isna().sum())
        raise ValueError(f"column {col!r} has {n} missing times (NaT); drop or fix them first")
    return values.to_numpy(dtype="datetime64[ns]").view(np.int64)


def check_timestamp(value: Any, name: str) -> pd.Timestamp:
    """A date or timestamp argument as a tz-naive ``pd.Timestamp``.

    Examples
    --------
    >>> check_timestamp("2025-12-31", "end")
    Timestamp('2025-12-31 00:00:00')
    """
    if isinstance(value, bool) or not isinstance(value, (str, np.datetime64, _dt.date)):
        raise TypeError(f"{name} must be a date (string like '2025-12-31' or a Timestamp); "
                        f"got {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} must be a date like '2025-12-31'; got {value!r}") from err
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} must be a date; got NaT")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts
