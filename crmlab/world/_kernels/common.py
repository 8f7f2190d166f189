"""Small shared tools of the world generators: seeded streams, frames, time, sampling
and event order (string columns and ids are in :mod:`crmlab.world._kernels.strings`).

Randomness: every component and every block draws from its own stream, keyed by a
fixed component code and the block index under the world seed
(``SeedSequence(seed, spawn_key=(component, block))``). The codes never change, so
adding a component or changing how one of them draws leaves every other stream as it
was, and a block's data does not depend on which worker made it.

Time: generators work in fractional days since ``config.start`` (float64) and turn
them into ``datetime64[s]`` timestamps only at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

__all__ = [
    "COMPONENTS", "ROWS_PER_SLICE", "categorical", "choose_columns", "choose_mixed",
    "choose_rows", "choose_weighted", "column_arrays", "column_kind", "days_to_timestamps",
    "frame", "numpy_data", "repeat_index", "rng_for", "sort_events", "stable_argsort",
]

#: Stable stream codes. Append new components; never renumber.
COMPONENTS: dict[str, int] = {
    "weather": 1,
    "campaigns": 2,
    "tariffs": 3,
    "population": 10,
    "purchases": 11,
    "billing": 12,
    "service": 13,
    "marketing": 14,
    "social": 15,
    "silos": 16,
    "interactions": 17,
    "loyalty": 18,
}


def rng_for(seed: int, component: str, block: int | None = None) -> np.random.Generator:
    """The random stream of one component (and one block) of a world.

    Examples
    --------
    >>> a = rng_for(42, "purchases", 3).random()
    >>> a == rng_for(42, "purchases", 3).random()
    True
    """
    key = (COMPONENTS[component],) if block is None else (COMPONENTS[component], int(block))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=key)))


#: Rows handled at a time by slice-wise loops: the temporaries of one slice stay small
#: enough for the CPU cache and for memory that the allocator hands back without fresh
#: page faults.
ROWS_PER_SLICE = 16_384


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


def choose_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix (rows need not be normalised).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> choose_rows(rng, np.array([[1.0, 0.0], [0.0, 1.0]])).tolist()
    [0, 1]
    """
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1).clip(0, probs.shape[1] - 1)


def choose_columns(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """``choose_rows(rng, weights.T)`` for weights given one category per row (shape
    (categories, draws)): the same cumulative sums and counts, but along contiguous
    rows instead of across the short axis of a tall matrix.

    Examples
    --------
    >>> w = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]])
    >>> a = choose_columns(np.random.default_rng(5), w)
    >>> a.tolist() == choose_rows(np.random.default_rng(5), w.T).tolist()
    True
    """
    cum = np.cumsum(weights, axis=0)
    u = rng.random(weights.shape[1]) * cum[-1]
    return np.minimum((u >= cum).sum(axis=0), weights.shape[0] - 1)


def choose_mixed(rng: np.random.Generator, mixes: np.ndarray,
                 which: np.ndarray | int) -> np.ndarray:
    """``choose_rows(rng, mixes[which])`` without the per-row probability matrix: each
    row's probabilities are one of a few fixed mixes (non-negative rows of ``mixes``);
    an int ``which`` is that many rows of the first mix.

    Each row's cumulative sums are its mix's, so counting those at or below the row's
    draw is a binary search in them.

    Examples
    --------
    >>> mixes = np.array([[1.0, 1.0], [0.0, 1.0]])
    >>> a = choose_mixed(np.random.default_rng(2), mixes, np.array([0, 1, 0]))
    >>> a.tolist() == choose_rows(np.random.default_rng(2), mixes[[0, 1, 0]]).tolist()
    True
    """
    cum = np.cumsum(mixes, axis=1)
    if isinstance(which, int | np.integer):
        u = rng.random(int(which)) * cum[0, -1]
        out = np.searchsorted(cum[0], u, side="right")
    else:
        which = np.asarray(which, dtype=np.intp)
        u = rng.random(len(which)) * cum[which, -1]
        out = np.empty(len(which), np.int64)
        for k in range(len(mixes)):  # a few mixes, not rows
            rows = np.flatnonzero(which == k)
            out[rows] = np.searchsorted(cum[k], u[rows], side="right")
    return np.minimum(out, mixes.shape[1] - 1)


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


def repeat_index(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-owner event counts, each event's owner index and its rank within the owner.

    Examples
    --------
    >>> owner, rank = repeat_index(np.array([2, 0, 3]))
    >>> owner.tolist(), rank.tolist()
    ([0, 0, 2, 2, 2], [0, 1, 0, 1, 2])
    """
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(owner))
    rank -= starts.take(owner)  # each event's owner's start: a gather beats a 2nd repeat
    return owner, rank


def choose_weighted(rng: np.random.Generator, p: np.ndarray | Sequence[float], size: int
                    ) -> np.ndarray:
    """Exactly ``rng.choice(len(p), size, p=p)`` (the same draws and answers), faster.

    Unlike :func:`choose_rows` (one row total times a uniform, per row), this is
    numpy's sampler: the cumulative distribution normalised to end at one, uniform
    draws, and the first entry above each draw; numpy's checks of ``p`` are skipped
    (the callers' probabilities are valid), and :func:`_search_right` replaces
    ``searchsorted``, which is slow for unsorted keys.

    Examples
    --------
    >>> a = choose_weighted(np.random.default_rng(3), [0.2, 0.5, 0.3], 5)
    >>> a.tolist() == np.random.default_rng(3).choice(3, 5, p=[0.2, 0.5, 0.3]).tolist()
    True
    """
    cdf = np.asarray(p, dtype=np.float64).cumsum()
    cdf /= cdf[-1]
    return _search_right(cdf, rng.random(size))


def _search_right(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``cdf.searchsorted(u, side="right")`` for a non-decreasing ``cdf`` and ``u`` in
    [0, 1), as int64.

    ``[0, 1)`` is cut into ``m`` equal buckets (``m`` a power of two, so ``u * m`` and
    the bucket edges are exact); the answer for ``u`` lies between the number of
    entries at or below its bucket's start and the number below its bucket's end,
    which is a single value for most ``u``; the rest are settled by a vectorised
    binary search between those bounds.
    """
    m = max(256, 1 << (4 * len(cdf) - 1).bit_length())  # about 4 buckets per entry
    edges = np.arange(m + 1) / m
    low_of = cdf.searchsorted(edges[:-1], side="right")
    high_of = cdf.searchsorted(edges[1:], side="left")
    bucket = (u * m).astype(np.intp)
    low, high = low_of[bucket].astype(np.int64), high_of[bucket].astype(np.int64)
    todo = np.flatnonzero(low < high)
    while len(todo):
        lo, hi = low[todo], high[todo]
        mid = (lo + hi) >> 1
        above = cdf[mid] <= u[todo]  # the answer is past mid
        low[todo] = np.where(above, mid + 1, lo)
        high[todo] = np.where(above, hi, mid)
        todo = todo[low[todo] < high[todo]]
    return low


#: Fewer descents than this in a customer column make it a few sorted runs, which
#: numpy's merge of runs (timsort) sorts fast; with more, its radix sort of 16-bit
#: integers is faster.
_FEW_RUNS = 8


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, by whichever sort is fastest for it.

    A stable order is unique, so the result is the same whichever sort makes it.
    Integers of 16 bits in many runs (customer indices of a block) go to numpy's radix
    sort; other integers to its merge of runs; other values (days) to a fast unstable
    sort, kept if no two values tie (then every sort gives the same order).

    Examples
    --------
    >>> stable_argsort(np.array([2, 1, 2, 0])).tolist()
    [3, 1, 0, 2]
    """
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        if (len(values) and np.count_nonzero(values[1:] < values[:-1]) >= _FEW_RUNS
                and values.min() >= 0 and values.max() <= np.iinfo(np.uint16).max):
            return np.argsort(values.astype(np.uint16), kind="stable")
        return np.argsort(values, kind="stable")
    order = np.argsort(values)
    ranked = values[order]
    if np.all(ranked[1:] > ranked[:-1]):
        return order
    return np.argsort(values, kind="stable")


def sort_events(cust: np.ndarray, day: np.ndarray, then: np.ndarray | None = None
                ) -> np.ndarray:
    """The order of events by customer, then day, then ``then`` (if given), then
    position: exactly ``np.lexsort((then, day, cust))``, usually for one fast sort.

    Events that come as a few runs, each sorted by customer and by day within a
    customer (sources made per customer in time order), need only a stable sort by
    customer, a merge of the runs; that candidate is tried when there are few runs and
    kept if consecutive events strictly ascend in (customer, day, then, position).

    Otherwise, for integer ``cust`` (block-local customer indices), the float key
    ``cust * span + (day - low)``, with ``span`` wider than the range of the days,
    never decreases along the lexsort order: one customer's keys stay below the next
    customer's, and rounding is monotone. So an (unstable) sort by the key is the
    lexsort order except inside runs of equal keys (equal days, or days closer than
    the key's rounding); only those few events are sorted again, by (day, then,
    position). Days that are not all finite, or keys too large for that argument, go
    to lexsort.

    Examples
    --------
    >>> sort_events(np.array([1, 0, 1, 0]), np.array([5.0, 2.0, 5.0, 3.0])).tolist()
    [1, 3, 0, 2]
    """
    cust, day = np.asarray(cust), np.asarray(day, dtype=float)
    if len(cust) < 2:
        return np.arange(len(cust))
    descents = np.count_nonzero(cust[1:] < cust[:-1])
    c, d = cust[:_PROBE + 1], day[:_PROBE + 1]
    # a customer's earlier event with a later day, seen before any sort, rules it out
    if descents < _FEW_RUNS and not np.any((c[1:] == c[:-1]) & (d[1:] < d[:-1])):
        grouped = np.arange(len(cust)) if descents == 0 else np.argsort(cust, kind="stable")
        if _ascending(grouped, cust, day, then):
            return grouped
    low, high = day.min(), day.max()  # NaN if any day is NaN
    span = high - low + 1.0
    if not (np.isfinite(span) and np.issubdtype(cust.dtype, np.integer)
            and max(-int(cust.min()), int(cust.max())) * span < 2.0**40):
        return np.lexsort((day, cust) if then is None else (then, day, cust))
    key = cust * span + (day - low)
    order = np.argsort(key)
    ranked = key[order]
    tie = ranked[1:] == ranked[:-1]
    if not tie.any():
        return order
    run = np.concatenate(([0], np.cumsum(~tie)))  # equal keys share a run number
    slots = np.flatnonzero(np.concatenate(([False], tie)) | np.concatenate((tie, [False])))
    sub = order[slots]
    keys = (sub, day[sub]) if then is None else (sub, then[sub], day[sub])
    order[slots] = sub[np.lexsort((*keys, run[slots]))]
    return order


def _ascending(order: np.ndarray, cust: np.ndarray, day: np.ndarray,
               then: np.ndarray | None) -> bool:
    """True if (cust, day, then, position) strictly ascend along ``order``.

    Checked a slice at a time (overlapping by one event), a short one first, so that
    a wrong candidate is usually rejected after a few hundred events and the
    temporaries stay small.
    """
    if not _ascending_slice(order[:_PROBE + 1], cust, day, then):
        return False
    return all(_ascending_slice(order[first:first + ROWS_PER_SLICE + 1], cust, day, then)
               for first in range(_PROBE, len(order) - 1, ROWS_PER_SLICE))


#: Events in the first, short slice that :func:`_ascending` checks.
_PROBE = 512


def _ascending_slice(order: np.ndarray, cust: np.ndarray, day: np.ndarray,
                     then: np.ndarray | None) -> bool:
    """:func:`_ascending` of one slice of an order."""
    c, d = cust[order], day[order]
    ok = order[1:] > order[:-1]  # built up key by key, least significant first, in place
    if then is not None:
        t = then[order]
        ok &= t[1:] == t[:-1]
        ok |= t[1:] > t[:-1]
    ok &= d[1:] == d[:-1]
    ok |= d[1:] > d[:-1]
    ok &= c[1:] == c[:-1]
    ok |= c[1:] > c[:-1]
    return bool(ok.all())
