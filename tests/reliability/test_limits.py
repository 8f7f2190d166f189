"""Honest limits, checked before any work (issue 14): a world too big for memory, too
many customers or blocks, a seed that is not a whole number, a bad date: each refused at
once with one ``ValueError``/``TypeError`` naming the field and what is allowed."""

from __future__ import annotations

import pytest

import crmlab as crm
from crmlab.engine import generate
from crmlab.world import memory
from crmlab.world.config import LIMITS


def test_a_world_too_big_for_memory_is_refused_before_any_work(monkeypatch):
    # were the check missing, make_world would try to allocate a thousand GiB
    monkeypatch.setattr(memory, "available_memory", lambda: 2**30)
    with pytest.raises(ValueError) as info:
        crm.make_world("tiny", n_customers=10**9, workers=1)
    message = str(info.value)
    for needle in ("WorldConfig.n_customers=1,000,000,000", "GiB", "engine='dask'",
                   "--engine dask"):
        assert needle in message, message


def test_the_estimate_is_a_lower_bound_of_what_a_world_takes():
    world = crm.make_world("tiny", seed=2, workers=1)
    frames = [*world.tables.values(), *world.silos.values(), *world.truth.tables.values()]
    used = sum(int(df.memory_usage(deep=True).sum()) for df in frames)
    assert memory.estimate_world_bytes(world.config) <= used


def test_a_world_that_fits_is_made(monkeypatch):
    need = memory.estimate_world_bytes(crm.PRESETS["tiny"])
    monkeypatch.setattr(memory, "available_memory", lambda: need)
    assert len(crm.make_world("tiny", seed=1, workers=1).customers) == 500


def test_available_memory_is_positive_and_at_most_the_machine_total():
    import psutil

    assert 0 < memory.available_memory() <= psutil.virtual_memory().total


@pytest.mark.parametrize("n", [10**12, LIMITS["n_customers"] + 1])
def test_more_customers_than_the_limit_is_a_clear_error_not_a_memory_error(n):
    with pytest.raises(ValueError, match=r"WorldConfig\.n_customers must be a whole number in "
                                         r"\[1, 10,000,000,000\]"):
        crm.make_world("tiny", n_customers=n)


def test_the_block_count_is_checked_up_front():
    with pytest.raises(ValueError, match=r"WorldConfig\.block_size=10 .* at most 1,000,000 "
                                         r"are allowed: use block_size >= 10,000"):
        crm.WorldConfig(n_customers=10**10, block_size=10)


@pytest.mark.parametrize("seed", [3.9, 3.0, "3", True, None])
def test_a_seed_that_is_not_a_whole_number_is_refused_not_truncated(seed):
    with pytest.raises(TypeError, match="seed must be an int"):
        crm.make_world("tiny", seed=seed)
    with pytest.raises(TypeError, match="seed must be an int"):
        generate("tiny", seed=seed, out="unused", engine="process")


def test_a_numpy_integer_seed_is_the_same_seed():
    import numpy as np

    world = crm.make_world("tiny", seed=np.int64(5), workers=1)
    assert world.seed == 5 and type(world.seed) is int
    assert world.customers.equals(crm.make_world("tiny", seed=5, workers=1).customers)


@pytest.mark.parametrize(("field", "value"), [
    ("start", ""), ("start", "   "), ("start", "2023-02-30"), ("start", "1600-01-01"),
    ("end", "9999-12-31"), ("end", "2024-1-1"), ("end", "yesterday"),
])
def test_a_bad_date_is_a_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError, match=rf"WorldConfig\.{field} must be"):
        crm.WorldConfig(**{field: value})
