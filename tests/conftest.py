"""Shared fixtures: small worlds built once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def tiny_world():
    """The ``tiny`` preset (500 customers, one year), seed 42."""
    import crmlab as crm

    return crm.make_world("tiny", seed=42)


@pytest.fixture(scope="session")
def tiny_world_fa():
    """A Persian-locale world with several blocks."""
    import crmlab as crm

    return crm.make_world(crm.WorldConfig(n_customers=900, start="2023-01-01", end="2024-12-31",
                                          locale="fa_IR", block_size=300), seed=7)


@pytest.fixture(scope="session")
def world():
    """The shipped ``classroom`` dataset, read once per test process.

    Modules that need another world define their own ``world`` fixture, which wins.
    """
    import crmlab as crm

    return crm.load_dataset("classroom")
