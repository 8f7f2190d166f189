"""The random kernels give exactly the draws of their numpy references: the streams are
numpy's from a seed sequence keyed by fixed codes, the weighted choices are
``rng.choice(p=...)`` and a row-wise search of cumulative weights, for any number of
categories (one, a few, thousands: one bucket per entry or many), zero weights, ties of
cumulative weights, and 20,000 draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab.world._kernels.random import (
    COMPONENTS,
    _search_right,
    choose_columns,
    choose_mixed,
    choose_rows,
    choose_weighted,
    rng_for,
)

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
LARGE = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BIG = 20_000

#: The stream codes as first published: changing one would change every world.
CODES = {"weather": 1, "campaigns": 2, "tariffs": 3, "population": 10, "purchases": 11,
         "billing": 12, "service": 13, "marketing": 14, "social": 15, "silos": 16,
         "interactions": 17, "loyalty": 18}


# --- streams -------------------------------------------------------------------------------

def test_stream_codes_never_change():
    assert {k: COMPONENTS[k] for k in CODES} == CODES
    assert len(set(COMPONENTS.values())) == len(COMPONENTS)


@PROPERTY
@given(seed=st.integers(0, 2**63), component=st.sampled_from(sorted(COMPONENTS)),
       block=st.one_of(st.none(), st.integers(0, 10**6)))
def test_rng_for_is_numpy_seed_sequence(seed, component, block):
    key = (COMPONENTS[component],) if block is None else (COMPONENTS[component], block)
    want = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
    assert rng_for(seed, component, block).integers(2**62, size=4).tolist() == \
        want.integers(2**62, size=4).tolist()


def test_streams_differ_by_component_and_block():
    draws = {(c, b): rng_for(7, c, b).random() for c in COMPONENTS for b in (None, 0, 1)}
    assert len(set(draws.values())) == len(draws)
    assert rng_for(7, "billing", np.int64(3)).random() == rng_for(7, "billing", 3).random()


# --- weighted choices ---------------------------------------------------------------------

def rows_reference(rng: np.random.Generator, probs: np.ndarray) -> list[int]:
    """One uniform per row times the row's total; the first cumulative weight above it
    (the last category if none is)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    k = probs.shape[1]
    return [min(int(np.searchsorted(cum[i], u[i], side="right")), k - 1)
            for i in range(len(probs))]


weight = st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0, 2.0, 1e-9])


@st.composite
def weight_rows(draw, max_rows: int = 60):
    k = draw(st.integers(1, 6))
    rows = draw(st.lists(st.lists(weight, min_size=k, max_size=k).filter(lambda r: sum(r) > 0),
                         max_size=max_rows))
    return np.array(rows, dtype=float).reshape(len(rows), k)


@PROPERTY
@given(probs=weight_rows(), seed=st.integers(0, 2**32))
def test_choose_rows_and_columns_are_row_wise_searches(probs, seed):
    want = rows_reference(np.random.default_rng(seed), probs)
    assert choose_rows(np.random.default_rng(seed), probs).tolist() == want
    assert choose_columns(np.random.default_rng(seed), probs.T).tolist() == want


@PROPERTY
@given(st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=3, max_size=3)
                .filter(lambda r: sum(r) > 0), min_size=1, max_size=3),
       st.lists(st.integers(0, 2), max_size=50), st.integers(0, 2**32))
def test_choose_mixed_and_columns_are_choose_rows(mixes, which, seed):
    mixes = np.array(mixes)
    which = np.array(which, dtype=np.intp) % len(mixes)
    want = choose_rows(np.random.default_rng(seed), mixes[which]).tolist()
    assert choose_mixed(np.random.default_rng(seed), mixes, which).tolist() == want
    assert choose_columns(np.random.default_rng(seed), mixes[which].T).tolist() == want
    first = choose_rows(np.random.default_rng(seed), mixes[np.zeros(len(which), np.intp)])
    assert (choose_mixed(np.random.default_rng(seed), mixes, len(which)).tolist()
            == first.tolist())
    assert (choose_mixed(np.random.default_rng(seed), mixes, np.int64(len(which))).tolist()
            == first.tolist())


@LARGE
@given(seed=st.integers(0, 2**32), mixes=st.integers(1, 5), k=st.integers(1, 40))
def test_choose_mixed_on_20000_rows(seed, mixes, k):
    rng = np.random.default_rng(seed)
    table = rng.random((mixes, k)) * (rng.random((mixes, k)) < 0.7)
    table[:, 0] += 1e-3  # no row all zeros
    which = rng.integers(0, mixes, BIG)
    want = rows_reference(np.random.default_rng(seed + 1), table[which])
    assert choose_mixed(np.random.default_rng(seed + 1), table, which).tolist() == want
    assert choose_columns(np.random.default_rng(seed + 1), table[which].T).tolist() == want


@st.composite
def probabilities(draw):
    """Category probabilities: one, a few, or thousands of categories (more than the
    256 buckets of the smallest table, so buckets hold several entries), zeros among
    them (cumulative ties), tiny and dominant ones."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32)))
    k = draw(st.sampled_from([1, 2, 3, 7, 64, 300, 5_000]))
    p = rng.random(k) ** draw(st.sampled_from([1.0, 8.0]))
    p[rng.random(k) < draw(st.sampled_from([0.0, 0.3, 0.9]))] = 0.0
    if draw(st.booleans()):
        p[rng.integers(0, k)] = 1e-12  # a sliver
    if not p.any():
        p[rng.integers(0, k)] = 1.0
    return p / p.sum()


@PROPERTY
@given(p=probabilities(), size=st.integers(0, 300), seed=st.integers(0, 2**32))
def test_choose_weighted_is_rng_choice(p, size, seed):
    want = np.random.default_rng(seed).choice(len(p), size, p=p)
    got = choose_weighted(np.random.default_rng(seed), p, size)
    assert got.dtype == np.int64 and got.tolist() == want.tolist()


@LARGE
@given(p=probabilities(), seed=st.integers(0, 2**32))
def test_choose_weighted_is_rng_choice_on_20000_draws(p, seed):
    want = np.random.default_rng(seed).choice(len(p), BIG, p=p)
    assert choose_weighted(np.random.default_rng(seed), p, BIG).tolist() == want.tolist()


@PROPERTY
@given(weights=st.lists(weight, min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
       seed=st.integers(0, 2**32))
def test_choose_weighted_from_a_list_of_weights(weights, seed):
    p = np.array(weights) / np.sum(weights)
    want = np.random.default_rng(seed).choice(len(p), 50, p=p)
    assert choose_weighted(np.random.default_rng(seed), list(p), 50).tolist() == want.tolist()


@pytest.mark.parametrize("k", [1, 63, 64, 65, 2_000])
def test_search_right_is_searchsorted_at_every_edge(k):
    # draws exactly on bucket edges and on cumulative values, where off-by-one errors live
    cdf = np.cumsum(np.random.default_rng(k).random(k))
    cdf /= cdf[-1]
    m = max(256, 1 << (4 * k - 1).bit_length())
    u = np.concatenate([np.arange(m) / m, cdf[:-1], np.nextafter(cdf[:-1], 0), [0.0]])
    u = u[(u >= 0) & (u < 1)]
    assert _search_right(cdf, u).tolist() == cdf.searchsorted(u, side="right").tolist()
