"""Seeded random streams and fast weighted choices of the world generators.


Every component and every block draws from its own stream, keyed by a fixed component
code and the block index under the world seed
(``SeedSequence(seed, spawn_key=(component, block))``). The codes never change, so
adding a component or changing how one of them draws leaves every other stream as it
was, and a block's data does not depend on which worker made it.


The choices give exactly the draws of their numpy references (``rng.choice(p=...)``,
a row-wise ``searchsorted`` of cumulative weights), faster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "COMPONENTS", "choose_columns", "choose_mixed", "choose_rows", "choose_weighted", "rng_for",
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
