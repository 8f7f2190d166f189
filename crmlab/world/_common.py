"""Small shared tools of the world generators: seeded streams, ids, time and sampling.

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
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "COMPONENTS", "arrow_strings", "categorical", "choose_rows", "days_to_timestamps", "format_ids",
    "frame", "join_strings", "number_strings", "rng_for", "sort_events", "strings", "take_strings",
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


#: pandas' default ``str`` dtype (Arrow storage, NaN for missing), built once: looking
#: the name "str" up goes through every registered dtype, on every call.
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def strings(values: pa.Array | Sequence[str] | np.ndarray) -> pd.Series:
    """A pandas ``str`` Series (Arrow-backed) from Arrow or Python strings."""
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(np.asarray(values, dtype=object), type=pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(values, dtype=STR))


def frame(columns: dict[str, np.ndarray | pd.Series | pd.Categorical]) -> pd.DataFrame:
    """A DataFrame that takes ownership of freshly made columns instead of copying them.

    ``pd.DataFrame(dict)`` copies every numpy column into consolidated 2-D blocks
    (about 0.3 ms for a billing table, against 0.1 ms here). The numpy columns must not
    be changed afterwards, nor be given to another frame (Series are safe to share:
    pandas tracks them).
    """
    return pd.DataFrame(columns, copy=False)


#: The four ASCII digits of 0..9999, each packed in one uint32 (bytes in text order).
_FOUR_DIGITS = np.array([list(f"{i:04d}".encode()) for i in range(10_000)],
                        dtype=np.uint8).view(np.uint32).ravel()


#: Rows of ids made at a time: the temporaries of one slice stay small enough for the
#: CPU cache and for memory that the allocator hands back without fresh page faults.
_ID_SLICE = 16_384


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Zero-padded string ids such as ``C0000042``.

    The characters are written straight into an Arrow string buffer (every id has the
    same length), four digits at a time from a lookup table, so a million ids cost a
    few milliseconds and no Python objects. Numbers wider than ``width`` digits are an
    error.

    Examples
    --------
    >>> format_ids("C", np.array([1, 42]), 7).tolist()
    ['C0000001', 'C0000042']
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and (numbers.min() < 0 or numbers.max() >= 10**width):
        raise ValueError(f"ids need 0 <= number < 10**{width}")
    return _format_ids(prefix, numbers, width)


def _format_ids(prefix: str, numbers: np.ndarray, width: int, add: int = 0) -> pd.Series:
    """:func:`format_ids` of ``numbers + add`` (int64, known to fit), without the sum
    as a whole new array."""
    n = len(numbers)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = len(head) + width
    chars = np.empty((n, size), dtype=np.uint8)
    for first in range(0, n, _ID_SLICE):
        rows = slice(first, first + _ID_SLICE)
        _write_digits(chars[rows], numbers[rows] + add if add else numbers[rows],
                      len(head), width)
    _fill_columns(chars, head)  # last: a short leading group may spill into it
    offsets = _same_length_offsets(n, size, np.int64)
    return strings(pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(chars)))


#: Offsets ``0, size, 2 size, ..`` of strings of one length, by (size, dtype); Arrow
#: buffers are immutable, so every array of such strings can share a prefix of one.
_OFFSETS: dict[tuple[int, type], np.ndarray] = {}
#: The longest offsets kept for sharing (8 MiB each); longer ones are made each time.
_MAX_SHARED_OFFSETS = 1 << 20


def _same_length_offsets(n: int, size: int, kind: type) -> pa.Buffer:
    """The offsets of ``n`` strings of ``size`` bytes each, as an Arrow buffer."""
    if n >= _MAX_SHARED_OFFSETS or kind is not np.int64:  # int32 ones could overflow
        return pa.py_buffer(np.arange(0, (n + 1) * size, size, dtype=kind))
    shared = _OFFSETS.get((size, kind))
    if shared is None or len(shared) <= n:
        length = min(max(2 * n, 1 << 16), _MAX_SHARED_OFFSETS)
        shared = np.arange(0, length * size, size, dtype=kind)
        shared.flags.writeable = False
        _OFFSETS[size, kind] = shared
    return pa.py_buffer(shared[:n + 1])


def _fill_columns(chars: np.ndarray, head: np.ndarray) -> None:
    """Write the bytes ``head`` at the start of every row of ``chars``, four at a time
    (a broadcast copy of a few bytes per row is several times slower)."""
    column = 0
    for size, kind in ((4, np.uint32), (2, np.uint16), (1, np.uint8)):
        while len(head) - column >= size:
            value = head[column:column + size].view(kind)[0]
            chars[:, column:column + size].view(kind)[:, 0] = value
            column += size


def _write_digits(chars: np.ndarray, numbers: np.ndarray, start: int, width: int) -> None:
    """Write ``numbers`` as ``width`` zero-padded digits into columns ``start:`` of the
    uint8 rows ``chars``, four digits per uint32 store from :data:`_FOUR_DIGITS`.

    The leading group of a width that is not a multiple of four is stored whole, so
    up to three bytes before ``start`` are overwritten (the caller writes its prefix
    afterwards); when there are not that many, the digits go through a padded buffer.
    """
    groups = -(-width // 4)
    if groups < 1:
        return
    spill = groups * 4 - width
    quads = []  # least significant first; floor_divide by a constant is fast, divmod is not
    rest = numbers
    for _ in range(groups - 1):
        q = rest // 10_000
        quads.append(_FOUR_DIGITS[rest - q * 10_000])
        rest = q
    quads.append(_FOUR_DIGITS[rest])
    if start < spill:
        padded = np.stack(quads[::-1], axis=1)
        chars[:, start:] = padded.view(np.uint8)[:, spill:]
        return
    end = start + width
    for g, quad in enumerate(quads):
        column = end - 4 * (g + 1)
        chars[:, column:column + 4].view(np.uint32)[:, 0] = quad


def arrow_strings(values: pd.Series) -> pa.Array:
    """The Arrow strings behind a ``str`` Series, as one large_string array."""
    array = pa.array(values.array)
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return array if array.type == pa.large_string() else pc.cast(array, pa.large_string())


def join_strings(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and literals (``sep`` between).

    Examples
    --------
    >>> join_strings(pa.array(["a", "b"]), "@", pa.array(["x", "y"])).to_pylist()
    ['a@x', 'b@y']
    """
    def arrow(part):
        if isinstance(part, str):
            return pa.scalar(part, pa.large_string())
        return part if part.type == pa.large_string() else pc.cast(part, pa.large_string())
    return pc.binary_join_element_wise(*map(arrow, parts), arrow(sep))


def number_strings(numbers: np.ndarray, width: int = 0) -> pa.Array:
    """Non-negative integers as Arrow strings, zero-padded to ``width`` like ``str.zfill``.

    Examples
    --------
    >>> number_strings(np.array([7, 1234]), 3).to_pylist()
    ['007', '1234']
    """
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.large_string())
    return pc.utf8_lpad(text, width, "0") if width else text


def take_strings(values: pd.Series, index: np.ndarray) -> pd.Series:
    """``values[index]`` for an Arrow-backed ``str`` Series, without Python objects."""
    array = pa.array(values.array)
    index = np.asarray(index, dtype=np.int64)
    taken = _take_same_length(array, index)
    return strings(pc.take(array, pa.array(index)) if taken is None else taken)


def _take_same_length(array: pa.Array, index: np.ndarray) -> pa.Array | None:
    """``pc.take(array, index)`` for strings that all have one length (ids), as a numpy
    gather of fixed-size byte records, about twice as fast; None where that does not
    apply (other types, nulls, mixed lengths, an index out of range)."""
    large = isinstance(array, pa.LargeStringArray)
    if not (large or isinstance(array, pa.StringArray)) or array.null_count or index.ndim != 1:
        return None
    n = len(array)
    kind = np.int64 if large else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=kind, count=n + 1,
                            offset=array.offset * np.dtype(kind).itemsize)
    width = int(offsets[-1] - offsets[0]) // n if n else 0
    if (not width or not len(index) or index.min() < 0 or index.max() >= n
            or not (np.diff(offsets) == width).all()):
        return None
    records = np.frombuffer(array.buffers()[2], dtype=np.dtype((np.void, width)), count=n,
                            offset=int(offsets[0]))
    chars = np.take(records, index).view(np.uint8)
    offsets = _same_length_offsets(len(index), width, kind)
    kind_of_array = pa.LargeStringArray if large else pa.StringArray
    return kind_of_array.from_buffers(len(index), offsets, pa.py_buffer(chars))


def event_ids(prefix: str, block: int, n: int | None = None, *,
              rows: np.ndarray | None = None) -> pd.Series:
    """Ids of a block's events: prefix, 4-digit block, 8-digit sequence (``T000300000017``).

    Independent of every other block, so blocks can be made anywhere in any order.
    ``n`` numbers events ``1..n``; ``rows`` gives the ids of chosen event positions
    (0-based) of such a numbering, for events that were dropped after being drawn.

    Examples
    --------
    >>> event_ids("T", 3, 2).tolist()
    ['T000300000001', 'T000300000002']
    >>> event_ids("T", 3, rows=np.array([4])).tolist()
    ['T000300000005']
    """
    positions = np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, np.int64)
    if 0 <= block < 10_000 and (not len(positions) or (
            positions.min() >= 0 and positions.max() < 99_999_999)):
        # the block's four digits are part of the prefix: eight digits left to write
        return _format_ids(f"{prefix}{block:04d}", positions, 8, add=1)
    return format_ids(prefix, block * 100_000_000 + positions + 1, 12)


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
    for first in range(0, len(days), _ID_SLICE):
        seconds = days[first:first + _ID_SLICE] * 86_400.0
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
    rank = np.arange(len(owner)) - np.repeat(starts, counts)
    return owner, rank


def sort_events(cust: np.ndarray, day: np.ndarray, then: np.ndarray | None = None
                ) -> np.ndarray:
    """The order of events by customer, then day, then ``then`` (if given), then
    position: exactly ``np.lexsort((then, day, cust))``.

    Two-key sorts are slow, so two cheap candidates are tried first and checked:
    events that arrive grouped by customer with ascending days need only a stable sort
    by customer (a merge of the sorted runs); otherwise one fast sort of the number
    ``cust * span + day`` usually gets it right. The check that consecutive events
    strictly ascend in (customer, day, then, position) proves a candidate is the
    lexsort order; if neither passes (rounding, exact ties), lexsort decides.

    Examples
    --------
    >>> sort_events(np.array([1, 0, 1, 0]), np.array([5.0, 2.0, 7.0, 3.0])).tolist()
    [1, 3, 0, 2]
    """
    cust, day = np.asarray(cust), np.asarray(day, dtype=float)
    if len(cust) < 2:
        return np.arange(len(cust))
    grouped = _stable_argsort(cust)
    if _ascending(grouped, cust, day, then):
        return grouped
    if np.isfinite(day).all():
        low = day.min()
        guess = np.argsort(cust * (day.max() - low + 1.0) + (day - low))
        if _ascending(guess, cust, day, then):
            return guess
    return np.lexsort((day, cust) if then is None else (then, day, cust))


#: Above this many ascending runs a radix sort of customer indices beats numpy's merge
#: of runs (timsort), which is faster for a handful of runs.
_RADIX_RUNS = 8


def _stable_argsort(cust: np.ndarray) -> np.ndarray:
    """``np.argsort(cust, kind="stable")``, by a radix sort when that is faster.

    numpy sorts 16-bit integers stably by radix; customer indices of a block fit,
    and a stable order is unique, so the result is the same whichever sort makes it.
    """
    if (cust.dtype.kind in "iu" and np.count_nonzero(cust[1:] < cust[:-1]) >= _RADIX_RUNS
            and cust.min() >= 0 and cust.max() <= np.iinfo(np.uint16).max):
        return np.argsort(cust.astype(np.uint16), kind="stable")
    return np.argsort(cust, kind="stable")


def _ascending(order: np.ndarray, cust: np.ndarray, day: np.ndarray,
               then: np.ndarray | None) -> bool:
    """True if (cust, day, then, position) strictly ascend along ``order``.

    Checked a slice at a time (overlapping by one event), so that a wrong candidate
    is usually rejected after its first slice and the temporaries stay small.
    """
    return all(_ascending_slice(order[first:first + _ID_SLICE + 1], cust, day, then)
               for first in range(0, len(order) - 1, _ID_SLICE))


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
