"""Event order and event counts: which owner each event belongs to, and the order of
events by customer, then day (exactly ``np.lexsort``'s order, usually by one fast sort).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ROWS_PER_SLICE", "repeat_index", "sort_events", "stable_argsort"]


#: Rows handled at a time by slice-wise loops: the temporaries of one slice stay small
#: enough for the CPU cache and for memory that the allocator hands back without fresh
#: page faults.
ROWS_PER_SLICE = 16_384


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
