"""The data side shared by every customer-base model.

* reducing a model's data to its unique rows with integer weights (:func:`unique_rows`,
  :func:`check_weights`), so a fit costs the number of distinct rows, not customers;
* checking and broadcasting the arguments of prediction methods
  (:func:`broadcast_float`, :func:`rfm_for_prediction`);
* giving predictions back with the index of the input Series (:func:`index_of`,
  :func:`wrap`);
* pairing Series arguments by their index, not by position (:func:`align_series`);
* the time unit a summary records and the checks that keep it from being mixed up
  (:class:`TimeLabel`, :func:`time_label`, :func:`data_unit`, :func:`check_time_label`,
  :func:`horizon_in`).

Time units
----------
:func:`~crmlab.analytics.clv.summarize_transactions` records its time unit in the
frame's ``attrs``: ``{"freq": resolution, "unit": unit of recency and T, "max_T": the
longest T}``. pandas carries ``attrs`` to the columns taken from the frame, to subsets,
copies and arithmetic results, so a model fitted on ``s["recency"]`` knows it is in
weeks. Arithmetic keeps the label but not its truth, so converting by hand is detected
from the values instead: a column labelled "days at day resolution" must hold whole
days, and no T can exceed the summary's longest one. ``s["T"] / 7`` (fractional days)
and ``s["T"] * 7`` (beyond the window) are refused with a message pointing to
``summarize_transactions(..., unit=...)``. Numbers without a label (plain arrays,
``Series.to_numpy()``, a hand-made frame) are taken to be in the model's unit.

Covariates, when a model gets them, belong in the unique-row key: pass their columns
to :func:`unique_rows` beside frequency, recency and T.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import FREQ_DAYS, as_float_array, check_freq

__all__ = ["UNIT_NAMES", "TimeLabel", "align_series", "broadcast_float", "check_time_label",
           "check_weights", "data_unit", "horizon_in", "index_of", "label_attrs",
           "rfm_for_prediction", "split_unique_x", "time_label", "unique_rows", "wrap"]

#: Plural names of the time units, for messages and summaries.
UNIT_NAMES: dict[str, str] = {"D": "days", "W": "weeks", "M": "months"}


def unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of equally long 1-d columns, with the inverse index and the counts.

    Parameters
    ----------
    *columns : ndarray
        Float columns of the same length.

    Returns
    -------
    uniques : list of ndarray
        One array per column, holding the unique rows (sorted lexicographically).
    inverse : ndarray of int
        ``uniques[j][inverse]`` gives back ``columns[j]``.
    counts : ndarray of int
        How many rows each unique row stands for.

    Examples
    --------
    >>> (u, v), inv, n = unique_rows(np.array([1., 0., 1.]), np.array([2., 0., 2.]))
    >>> u, v, n
    (array([0., 1.]), array([0., 2.]), array([1, 2]))
    """
    order = np.lexsort(columns[::-1])
    size = order.size
    change = np.zeros(size, dtype=bool)
    change[0] = True
    for col in columns:
        s = col[order]
        change[1:] |= s[1:] != s[:-1]
    starts = np.flatnonzero(change)
    group = np.cumsum(change) - 1
    inverse = np.empty(size, dtype=np.intp)
    inverse[order] = group
    counts = np.diff(np.append(starts, size))
    uniques = [col[order[starts]] for col in columns]
    return uniques, inverse, counts


def check_weights(weights: Any, n: int) -> np.ndarray:
    """Customers per row as an integer array (all ones when ``weights`` is None).

    Examples
    --------
    >>> check_weights([2, 0, 1], 3)
    array([2, 0, 1])
    >>> check_weights(None, 2)
    array([1, 1])
    """
    if weights is None:
        return np.ones(n, dtype=np.int64)
    w = as_float_array(weights, "weights")
    if w.size != n:
        raise ValueError(f"weights has {w.size} values but there are {n} customers")
    if (w < 0).any() or (w != np.floor(w)).any():
        raise ValueError("weights must be non-negative whole numbers (customers per row)")
    if w.sum() == 0:
        raise ValueError("weights are all zero: no customers to fit")
    return w.astype(np.int64)


def split_unique_x(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique values of ``x`` and the index of each row's value among them.

    Terms that depend on the frequency alone (gamma functions, digammas) are computed
    once per unique frequency.

    Examples
    --------
    >>> split_unique_x(np.array([2., 0., 2.]))
    (array([0., 2.]), array([1, 0, 1]))
    """
    xu, xinv = np.unique(x, return_inverse=True)
    return xu, xinv.ravel()


def broadcast_float(name: str, value: Any) -> np.ndarray:
    """``value`` as a float array (scalars stay 0-d); raises on NaN or negatives.

    Examples
    --------
    >>> broadcast_float("t", 3)
    array(3.)
    """
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{name} must be a number, array or Series, not a DataFrame")
    arr = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has missing or infinite values")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0")
    return arr


def rfm_for_prediction(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, ...]:
    """Validate and broadcast frequency / recency / T given to a prediction method.

    Examples
    --------
    >>> x, tx, age = rfm_for_prediction([0, 3], [0, 10.0], 20)
    >>> age
    array([20., 20.])
    """
    x = broadcast_float("frequency", frequency)
    tx = broadcast_float("recency", recency)
    age = broadcast_float("T", T)
    x, tx, age = np.broadcast_arrays(x, tx, age)
    if np.any(x != np.floor(x)):
        raise ValueError("frequency must hold whole numbers of repeat purchases")
    if np.any(tx > age):
        raise ValueError("recency is larger than T for some customers; recency is the time "
                         "of the last repeat purchase, T the customer's age")
    if np.any((x == 0) & (tx != 0)):
        raise ValueError("recency must be 0 when frequency == 0")
    return x, tx, age


def index_of(*values: Any) -> pd.Index | None:
    """The index of the first Series among ``values`` (None if there is none).

    Examples
    --------
    >>> index_of(3, pd.Series([1.0], index=[7]))
    Index([7], dtype='int64')
    """
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def wrap(result: np.ndarray, index: pd.Index | None, name: str) -> Any:
    """A prediction as a named Series on ``index`` (when it fits), a float, or an array.

    Examples
    --------
    >>> wrap(np.array([0.5]), pd.Index([7]), "p_alive")
    7    0.5
    Name: p_alive, dtype: float64
    >>> wrap(np.array(0.5), None, "p_alive")
    0.5
    """
    if index is not None and result.ndim == 1 and result.size == len(index):
        return pd.Series(result, index=index, name=name)
    if result.ndim == 0:
        return float(result)
    return result


def align_series(**values: Any) -> dict[str, Any]:
    """Pair the Series among ``values`` by index: the first Series' index is the order.

    Arguments that are not Series (numbers, arrays, None) are left as they are and pair
    by position. A Series whose index holds the same labels in another order is
    reordered to the first Series' index; a Series whose labels differ is refused,
    since pairing its values by position would mix up customers.

    Parameters
    ----------
    **values : object
        The arguments by name, in the function's order.

    Returns
    -------
    dict
        The same arguments, Series reindexed where needed.

    Raises
    ------
    ValueError
        If two Series have different labels, or the same labels in another order with
        duplicates (so they cannot be matched one to one).

    Examples
    --------
    >>> f = pd.Series([0.0, 2.0], index=["a", "b"])
    >>> T = pd.Series([30.0, 20.0], index=["b", "a"])
    >>> align_series(frequency=f, T=T)["T"].tolist()
    [20.0, 30.0]
    >>> align_series(frequency=f, T=T.rename({"b": "c"}))
    Traceback (most recent call last):
    ...
    ValueError: frequency and T are Series with different indexes (1 label of T is not \
in frequency's index, e.g. 'c'; 1 label of frequency is not in T's index, e.g. 'b'); \
values are paired by customer id, not by position: pass columns of one table, or align \
them first (T.reindex(frequency.index))
    """
    named = [(k, v) for k, v in values.items() if isinstance(v, pd.Series)]
    if len(named) < 2:
        return dict(values)
    ref_name, ref = named[0]
    out = dict(values)
    for name, series in named[1:]:
        if series.index.equals(ref.index):
            continue
        same = (len(series) == len(ref) and ref.index.is_unique and series.index.is_unique
                and bool(series.index.isin(ref.index).all()))
        if same:
            out[name] = series.reindex(ref.index)
            continue
        extra = series.index[~series.index.isin(ref.index)]
        lacking = ref.index[~ref.index.isin(series.index)]
        if len(extra) or len(lacking):
            parts = []
            for labels, owner, other in ((extra, name, ref_name), (lacking, ref_name, name)):
                if len(labels):
                    one = len(labels) == 1
                    parts.append(f"{len(labels)} label{'' if one else 's'} of {owner} "
                                 f"{'is' if one else 'are'} not in {other}'s index, e.g. "
                                 f"{labels[0]!r}")
            what = "; ".join(parts)
        else:
            what = "the same labels in another order, with duplicates"
        raise ValueError(f"{ref_name} and {name} are Series with different indexes ({what}); "
                         "values are paired by customer id, not by position: pass columns "
                         f"of one table, or align them first ({name}.reindex({ref_name}.index))")
    return out


@dataclass(frozen=True)
class TimeLabel:
    """The time unit a summary records (``attrs`` of the frame and of its columns).

    Attributes
    ----------
    unit : {"D", "W", "M"}
        Unit of ``recency``, ``T`` and ``duration_holdout``.
    freq : {"D", "W", "M"} or None
        Resolution: purchases in the same period of ``freq`` count once, and every time
        is a whole number of these periods (expressed in ``unit``). None when not known
        (a frame labelled by hand with ``attrs["freq"]`` only, as crmlab 0.1 did).
    max_T : float or None
        The longest ``T`` of the summary (in ``unit``); no ``T`` or ``recency`` taken
        from it can be larger.

    Examples
    --------
    >>> TimeLabel("W", "D", 52.0).step  # one day in weeks
    0.14285714285714285
    """

    unit: str
    freq: str | None = None
    max_T: float | None = None

    @property
    def step(self) -> float | None:
        """One period of ``freq`` in ``unit`` (None when the resolution is not known)."""
        return None if self.freq is None else FREQ_DAYS[self.freq] / FREQ_DAYS[self.unit]

    def describe(self) -> str:
        """Words for messages, e.g. ``"weeks at day resolution"``."""
        if self.freq is None or self.freq == self.unit:
            return f"{UNIT_NAMES[self.unit]} (freq={self.unit!r})"
        return (f"{UNIT_NAMES[self.unit]} at {UNIT_NAMES[self.freq][:-1]} resolution "
                f"(freq={self.freq!r}, unit={self.unit!r})")


def label_attrs(unit: str, freq: str, max_T: float | None) -> dict[str, Any]:
    """The ``attrs`` a summary carries for its time unit.

    Examples
    --------
    >>> label_attrs("W", "D", 3.0)
    {'freq': 'D', 'unit': 'W', 'max_T': 3.0}
    """
    return {"freq": freq, "unit": unit, "max_T": None if max_T is None else float(max_T)}


def time_label(obj: Any) -> TimeLabel | None:
    """The time label of a Series or frame (from ``attrs``), or None without one.

    ``attrs["freq"]`` alone (set by crmlab 0.1, or by hand to name the unit of
    continuous times) gives the unit only: the resolution is then unknown and not
    checked.

    Examples
    --------
    >>> s = pd.Series([1.0, 2.0])
    >>> time_label(s) is None
    True
    >>> s.attrs.update(label_attrs("W", "D", 2.0))
    >>> time_label(s)
    TimeLabel(unit='W', freq='D', max_T=2.0)
    >>> time_label(pd.Series([0.5], dtype=float).to_frame().set_flags()
    ...            .pipe(lambda f: f.attrs.update(freq="W") or f))
    TimeLabel(unit='W', freq=None, max_T=None)
    """
    attrs = getattr(obj, "attrs", None) if isinstance(obj, (pd.Series, pd.DataFrame)) \
        else None
    if not attrs or ("unit" not in attrs and "freq" not in attrs):
        return None
    if "unit" not in attrs:
        return TimeLabel(check_freq(attrs["freq"], "attrs['freq']"))
    freq = check_freq(attrs.get("freq", attrs["unit"]), "attrs['freq']")
    unit = check_freq(attrs["unit"], "attrs['unit']")
    max_T = attrs.get("max_T")
    return TimeLabel(unit, freq, None if max_T is None else float(max_T))


def data_unit(values: dict[str, Any], unit: str | None = None, *,
              where: str = "the model") -> str | None:
    """The one time unit of labelled arguments, checked against a declared ``unit``.

    Parameters
    ----------
    values : dict
        Arguments by name; Series with a :class:`TimeLabel` are read.
    unit : {"D", "W", "M"}, optional
        The unit declared (a model's unit, or a ``unit=`` argument).
    where : str
        What declared it, for the message.

    Returns
    -------
    str or None
        ``unit`` if given, else the arguments' unit, else None (nothing is labelled).

    Raises
    ------
    ValueError
        If two arguments carry different units, or their unit differs from ``unit``.

    Examples
    --------
    >>> T = pd.Series([5.0, 7.0])
    >>> T.attrs.update(label_attrs("D", "D", 7.0))
    >>> data_unit({"T": T}), data_unit({"T": T.to_numpy()}, "W")
    ('D', 'W')
    >>> data_unit({"T": T}, "W", where="this BetaGeo model")
    Traceback (most recent call last):
    ...
    ValueError: this BetaGeo model has time in weeks ('W'), but T is in days (freq='D') \
(from summarize_transactions): a unit mismatch multiplies every rate and horizon by the \
ratio of the units. Summarise the data in weeks (summarize_transactions(..., unit='W')), \
or use a model in days
    """
    found: list[tuple[str, TimeLabel]] = []
    for name, value in values.items():
        label = time_label(value)
        if label is not None:
            found.append((name, label))
    for (n1, l1), (n2, l2) in zip(found, found[1:], strict=False):
        if l1.unit != l2.unit:
            raise ValueError(f"{n1} is in {l1.describe()} but {n2} in {l2.describe()}: "
                             "take every column from one summary")
    if unit is not None:
        unit = check_freq(unit, "unit")
        if found and found[0][1].unit != unit:
            name, label = found[0]
            raise ValueError(
                f"{where} has time in {UNIT_NAMES[unit]} ({unit!r}), but {name} is in "
                f"{label.describe()} (from summarize_transactions): a unit mismatch "
                "multiplies every rate and horizon by the ratio of the units. Summarise the "
                f"data in {UNIT_NAMES[unit]} (summarize_transactions(..., unit={unit!r})), "
                f"or use a model in {UNIT_NAMES[label.unit]}")
        return unit
    return found[0][1].unit if found else None


def check_time_label(name: str, values: np.ndarray, source: Any, *,
                     bounded: bool = True) -> None:
    """Refuse labelled times that a hand conversion has made untrue.

    A column labelled by :func:`~crmlab.analytics.clv.summarize_transactions` holds whole
    periods of its resolution (whole days, expressed in ``unit``), and (``bounded``) no
    value above the summary's longest ``T``. A column divided by 7 breaks the first, one
    multiplied by 7 the second. ``source`` is the argument as given (its ``attrs`` are
    read; anything unlabelled passes).

    Examples
    --------
    >>> T = pd.Series([7.0, 10.0])
    >>> T.attrs.update(label_attrs("D", "D", 10.0))
    >>> check_time_label("T", T.to_numpy(), T)
    >>> check_time_label("T", (T / 7).to_numpy(), T / 7)
    Traceback (most recent call last):
    ...
    ValueError: T is labelled as days (freq='D') by summarize_transactions, but 1 of its \
values is not a whole number of days (e.g. 1.42857): was it converted by hand (divided \
by 7?) The label still says days. Summarise in the unit you want instead: \
summarize_transactions(..., freq='D', unit='W') gives weeks at day resolution. (To use \
the numbers as they are, pass them without the label, e.g. T.to_numpy(), and give the \
model unit=...)
    """
    label = time_label(source)
    if label is None or label.step is None or values.size == 0:
        return
    periods = values / label.step
    off = np.abs(periods - np.round(periods)) > 1e-6 * np.maximum(1.0, np.abs(periods))
    fix = (f"Summarise in the unit you want instead: summarize_transactions(..., freq='D', "
           f"unit='W') gives weeks at day resolution. (To use the numbers as they are, pass "
           f"them without the label, e.g. {name}.to_numpy(), and give the model unit=...)")
    if off.any():
        n = int(off.sum())
        raise ValueError(
            f"{name} is labelled as {label.describe()} by summarize_transactions, but {n} of "
            f"its values {'is' if n == 1 else 'are'} not a whole number of "
            f"{UNIT_NAMES[label.freq]} (e.g. {values[off][0]:g}): was it converted by hand "
            f"(divided by 7?) The label still says {UNIT_NAMES[label.unit]}. " + fix)
    if bounded and label.max_T is not None:
        over = values > label.max_T * (1 + 1e-12) + 1e-9
        if over.any():
            n = int(over.sum())
            raise ValueError(
                f"{name} is labelled as {label.describe()} by summarize_transactions, whose "
                f"longest T is {label.max_T:g} {UNIT_NAMES[label.unit]}, but {n} of its "
                f"values {'is' if n == 1 else 'are'} larger (e.g. {values[over][0]:g}): was "
                f"it converted by hand (multiplied by 7?) " + fix)


def horizon_in(unit: str | None, name: str, value: Any) -> Any:
    """A horizon given as a duration (``pd.Timedelta``, ``datetime.timedelta``,
    ``numpy.timedelta64`` or a Series of them) in periods of ``unit``; numbers unchanged.

    Examples
    --------
    >>> horizon_in("W", "t", pd.Timedelta(days=14))
    2.0
    >>> horizon_in("W", "t", 3)
    3
    """
    is_series = isinstance(value, pd.Series) and pd.api.types.is_timedelta64_dtype(value)
    is_scalar = isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64))
    is_array = (isinstance(value, np.ndarray) and value.dtype.kind == "m")
    if not (is_series or is_scalar or is_array):
        return value
    if unit is None:
        raise ValueError(f"{name} is a duration, but the model does not know its time unit "
                         "(fitted on unlabelled numbers, or from_params without unit=): give "
                         f"{name} as a number of the model's periods, or give the model a unit")
    days = FREQ_DAYS[unit]
    if is_series:
        return value.dt.total_seconds() / 86_400.0 / days
    if is_array:
        return value.astype("timedelta64[ns]").astype(np.int64) / 86_400e9 / days
    return pd.Timedelta(value).total_seconds() / 86_400.0 / days
