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

__all__ = ["FREQ_DAYS", "REFUND_RULES", "TIME_MAX", "TIME_MIN", "apply_refunds",
           "as_float_array", "check_frame_columns", "check_freq", "check_random_state",
           "check_refunds", "check_rfm", "check_tables", "check_timestamp", "check_times",
           "is_seed", "time_zone"]

#: Length of one period in days for each supported ``freq`` ("M" is the mean month).
FREQ_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}

#: The first and last instants the analytics can compute with: pandas' nanosecond
#: timestamps (about 1677-09-21 to 2262-04-11). A column may hold later or earlier times
#: in a coarser unit (a ``9999-12-31`` placeholder, a mistyped ``1600-01-01``); those are
#: refused with an error instead of wrapping around when converted to nanoseconds.
TIME_MIN: pd.Timestamp = pd.Timestamp.min
TIME_MAX: pd.Timestamp = pd.Timestamp.max

#: How negative transaction values (refunds, credits) are handled: see :func:`apply_refunds`.
REFUND_RULES: tuple[str, ...] = ("error", "drop", "net")

#: Nanoseconds per unit of the datetime64 units pandas uses.
_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
#: "time zone not known": the caller does not say whether the log's times are aware.
_UNKNOWN = object()


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


def time_zone(values: Any) -> Any:
    """The time zone of a datetime column (None for naive times).

    Examples
    --------
    >>> time_zone(pd.Series(pd.to_datetime(["2024-01-01"]).tz_localize("Asia/Tehran")))
    'Asia/Tehran'
    >>> time_zone(pd.Series(pd.to_datetime(["2024-01-01"]))) is None
    True
    """
    tz = getattr(getattr(values, "dtype", None), "tz", None)
    return None if tz is None else str(tz)


def _range_text() -> str:
    return f"{TIME_MIN:%Y-%m-%d} to {TIME_MAX:%Y-%m-%d}"


def _check_time_range(values: np.ndarray, col: str) -> None:
    """Raise if datetime64 ``values`` (any unit) hold instants outside [TIME_MIN, TIME_MAX]."""
    unit = np.datetime_data(values.dtype)[0]
    if unit == "ns":
        return  # a nanosecond column cannot hold anything outside the range
    per = _NS_PER.get(unit)
    if per is None:  # pragma: no cover - pandas holds s, ms, us or ns only
        raise TypeError(f"column {col!r} has datetime unit {unit!r}; convert it to "
                        f"nanoseconds first: df[{col!r}].astype('datetime64[ns]')")
    ints = values.view(np.int64)
    lo = -(-TIME_MIN.value // per)   # ceil: the first whole unit inside the range
    hi = TIME_MAX.value // per
    bad = (ints < lo) | (ints > hi)
    if bad.any():
        out = values[bad]
        first = np.datetime_as_string(out.min(), unit="D")
        last = np.datetime_as_string(out.max(), unit="D")
        span = first if first == last else f"{first} to {last}"
        n = int(bad.sum())
        raise ValueError(
            f"column {col!r} has {n} time{'' if n == 1 else 's'} outside the range the "
            f"analytics can compute with ({_range_text()}, pandas' nanosecond timestamps): "
            f"{span}. A placeholder such as 9999-12-31 or a mistyped year? Drop or fix "
            f"those rows first, e.g. df = df[df[{col!r}].between('1900-01-01', "
            "'2100-12-31')]")


def check_times(values: pd.Series, col: str) -> np.ndarray:
    """Datetime column -> int64 nanoseconds (tz-aware times keep their local wall time).

    Times outside the range of nanosecond timestamps (:data:`TIME_MIN` to
    :data:`TIME_MAX`: a ``9999-12-31`` placeholder, a mistyped ``1600-01-01``) are
    refused with an error naming the column, how many and their range; converting them
    would silently wrap around. Tz-aware times are read as the wall time of their own
    zone (a purchase at 23:30 in Tehran is on that Tehran day); :func:`check_timestamp`
    converts window bounds given in another zone to it (see :func:`time_zone`).

    Examples
    --------
    >>> check_times(pd.Series(pd.to_datetime(["2024-01-01"])), "t").dtype
    dtype('int64')
    >>> check_times(pd.Series(pd.to_datetime(["2024-01-01", "9999-12-31"])), "t")
    Traceback (most recent call last):
    ...
    ValueError: column 't' has 1 time outside the range the analytics can compute with \
(1677-09-21 to 2262-04-11, pandas' nanosecond timestamps): 9999-12-31. A placeholder \
such as 9999-12-31 or a mistyped year? Drop or fix those rows first, e.g. \
df = df[df['t'].between('1900-01-01', '2100-12-31')]
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
    raw = values.to_numpy()
    _check_time_range(raw, col)
    return raw.astype("datetime64[ns]").view(np.int64)


def check_timestamp(value: Any, name: str, *, tz: Any = _UNKNOWN) -> pd.Timestamp:
    """A date or timestamp argument as a tz-naive ``pd.Timestamp`` (wall time of the log).

    Parameters
    ----------
    value : str, date, datetime, Timestamp or datetime64
        The argument (``end``, ``start``, ``calibration_end``, ...).
    name : str
        Its name, for the messages.
    tz : str or None, optional
        The time zone of the log the bound applies to (:func:`time_zone` of its time
        column; None for naive times). A tz-aware ``value`` is converted to that zone
        and compared on its wall time; a naive ``value`` is read as wall time of the
        log. An aware ``value`` with a naive log (``tz=None``) is refused: there is no
        zone to convert it to. Not given: an aware ``value`` keeps its own wall time.

    Raises
    ------
    TypeError
        If ``value`` is not a date.
    ValueError
        If it cannot be parsed, is NaT, lies outside :data:`TIME_MIN` .. :data:`TIME_MAX`,
        or is tz-aware while the log's times are naive.

    Examples
    --------
    >>> check_timestamp("2025-12-31", "end")
    Timestamp('2025-12-31 00:00:00')
    >>> check_timestamp(pd.Timestamp("2025-12-31 12:00", tz="UTC"), "end", tz="Asia/Tehran")
    Timestamp('2025-12-31 15:30:00')
    >>> check_timestamp("9999-12-31", "end")
    Traceback (most recent call last):
    ...
    ValueError: end (9999-12-31) is outside the range the analytics can compute with \
(1677-09-21 to 2262-04-11, pandas' nanosecond timestamps)
    """
    if isinstance(value, bool) or not isinstance(value, (str, np.datetime64, _dt.date)):
        raise TypeError(f"{name} must be a date (string like '2025-12-31' or a Timestamp); "
                        f"got {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as err:
        raise ValueError(f"{name} must be a date like '2025-12-31'; got {value!r}") from err
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} must be a date; got NaT")
    utc = ts if ts.tzinfo is None else ts.tz_convert("UTC").tz_localize(None)
    if not TIME_MIN <= utc <= TIME_MAX:
        raise ValueError(f"{name} ({value}) is outside the range the analytics can compute "
                         f"with ({_range_text()}, pandas' nanosecond timestamps)")
    if ts.tzinfo is not None:
        if tz is None:
            raise ValueError(
                f"{name} ({ts}) has a time zone but the log's times have none, so they "
                f"cannot be compared: give {name} without a zone, as wall time of the log "
                f"(e.g. {str(ts.tz_localize(None))!r}), or make the log's times aware "
                "(df[col] = df[col].dt.tz_localize(...))")
        if tz is not _UNKNOWN:
            ts = ts.tz_convert(tz)
        ts = ts.tz_localize(None)
    return ts.as_unit("ns")


def check_refunds(refunds: Any) -> str:
    """Return ``refunds`` if it is one of :data:`REFUND_RULES`.

    Examples
    --------
    >>> check_refunds("net")
    'net'
    """
    if not isinstance(refunds, str) or refunds not in REFUND_RULES:
        raise ValueError(f"refunds must be one of {list(REFUND_RULES)} ('error': refuse "
                         "negative values; 'drop': ignore them; 'net': subtract each from "
                         f"the customer's latest purchase at or before it); got {refunds!r}")
    return refunds


def apply_refunds(customers: np.ndarray, ns: np.ndarray, values: np.ndarray, rule: str,
                  value_col: str) -> tuple[np.ndarray, np.ndarray]:
    """The one rule for negative transaction values (refunds, credits) in the analytics.

    A negative value is not a purchase. What happens to it depends on ``rule``:

    ``"error"``
        Refuse the log (the default of :func:`~crmlab.analytics.clv.summarize_transactions`
        and :func:`~crmlab.analytics.rfm.rfm_table`): the message says how many values
        are negative and how to choose another rule.
    ``"drop"``
        Ignore negative rows; every other row is a purchase with its own value.
    ``"net"``
        Subtract each refund from the value of the same customer's latest purchase at or
        before it (a refund at the same instant as a purchase nets against that
        purchase). A purchase refunded in full (net value <= 0) is no purchase at all; a
        partly refunded one keeps its net value. A refund with no earlier purchase of the
        customer in the log is ignored.

    Parameters
    ----------
    customers : ndarray of int
        Customer codes, one per row.
    ns : ndarray of int64
        Times in nanoseconds.
    values : ndarray of float
        Transaction values.
    rule : {"error", "drop", "net"}
    value_col : str
        The value column's name, for the message.

    Returns
    -------
    keep : ndarray of bool
        The rows that are purchases.
    net : ndarray of float
        The purchases' values after netting (equal to ``values`` except under "net").

    Examples
    --------
    >>> keep, net = apply_refunds(np.array([0, 0, 0]), np.array([1, 2, 3]),
    ...                           np.array([10.0, 5.0, -5.0]), "net", "amount")
    >>> keep.tolist(), net[keep].tolist()
    ([True, False, False], [10.0])
    """
    negative = values < 0
    if not negative.any():
        return np.ones(values.size, dtype=bool), values
    if rule == "error":
        n = int(negative.sum())
        raise ValueError(
            f"column {value_col!r} has {n} negative value{'' if n == 1 else 's'} (refunds or "
            f"credits?), e.g. {values[negative].min():g}; a negative value is not a purchase. "
            "Choose refunds='drop' to ignore them or refunds='net' to subtract each from "
            "the customer's latest purchase at or before it")
    if rule == "drop":
        return ~negative, values
    # "net": in customer-then-time order (purchases before refunds at the same instant),
    # each refund goes to the latest purchase row before it of the same customer
    order = np.lexsort((negative, ns, customers))
    is_purchase = ~negative[order]
    pos = np.arange(order.size)
    last = np.maximum.accumulate(np.where(is_purchase, pos, -1))
    refund_at = np.flatnonzero(~is_purchase)
    target = last[refund_at]
    valid = target >= 0
    valid[valid] = customers[order[target[valid]]] == customers[order[refund_at[valid]]]
    rows = order[target[valid]]
    net = values.astype(np.float64, copy=True)
    net += np.bincount(rows, weights=values[order[refund_at[valid]]], minlength=values.size)
    refunded = np.bincount(rows, minlength=values.size) > 0
    gone = refunded & (net <= 1e-9 * np.abs(values))
    return ~negative & ~gone, net
