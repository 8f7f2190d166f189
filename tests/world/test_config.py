"""WorldConfig validation: every bad input names the field and what is allowed."""

from __future__ import annotations

import re

import pytest

import crmlab as crm
from crmlab.world.config import PRESETS, resolve_config


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"n_customers": 0}, ValueError, "n_customers must be a whole number in [1, 10,000,000,"),
        ({"n_customers": -5}, ValueError, "n_customers must be a whole number in [1, "),
        ({"n_customers": 10.5}, TypeError, "n_customers must be an int"),
        ({"n_customers": "100"}, TypeError, "n_customers must be an int"),
        ({"n_customers": True}, TypeError, "n_customers must be an int"),
        ({"block_size": 0}, ValueError, "block_size must be a whole number >= 1"),
        ({"locale": "de_DE"}, ValueError, "locale must be one of ['en_US', 'fa_IR']"),
        ({"locale": 3}, TypeError, "locale must be a string"),
        ({"start": "2025-01-01", "end": "2024-01-01"}, ValueError, "must be before"),
        ({"start": "2024-01-01", "end": "2024-01-01"}, ValueError, "must be before"),
        ({"start": "yesterday"}, ValueError, "start must be a plain ISO date YYYY-MM-DD"),
        ({"start": 20240101}, TypeError, "start must be an ISO date string"),
        ({"start": "2024-01-01 10:00"}, ValueError, "(without time)"),
        ({"end": "2023-02-01"}, ValueError, "at least 90 days"),
        ({"segment_shares": (0.5, 0.5, 0.5, 0.0, 0.0)}, ValueError, "must sum to 1"),
        ({"segment_shares": (0.5, 0.5)}, ValueError, "must be 5 numbers"),
        ({"segment_shares": (1.2, -0.2, 0.0, 0.0, 0.0)}, ValueError, r"segment_shares\[0\]"),
        ({"postpaid_share": 1.5}, ValueError, "postpaid_share must be in [0.0, 1.0]"),
        ({"postpaid_share": float("nan")}, ValueError, "postpaid_share must be in"),
        ({"billing_error_rate": "high"}, TypeError, "billing_error_rate must be a number"),
        ({"repair_capacity": 0}, ValueError, "repair_capacity must be in (0.0"),
        ({"loyalty_launch_months": -1}, ValueError,
         "loyalty_launch_months must be a whole number in [0, 1,200]"),
    ],
)
def test_bad_config_names_the_field(changes, error, message):
    with pytest.raises(error, match=re.escape(message) if "\\" not in message else message):
        crm.WorldConfig(**changes)


def test_unknown_preset_lists_the_presets():
    with pytest.raises(ValueError, match=r"unknown preset 'huge'; choose one of \['tiny'"):
        crm.make_world("huge")


def test_config_type_error():
    with pytest.raises(TypeError, match="preset name"):
        resolve_config(42)


def test_seed_must_be_a_non_negative_int():
    with pytest.raises(TypeError, match="seed must be an int"):
        crm.make_world("tiny", seed=1.5)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        crm.make_world("tiny", seed=-1)


def test_unknown_override_field():
    with pytest.raises(ValueError, match=r"unknown WorldConfig fields \['n_custmers'\]"):
        resolve_config("tiny", n_custmers=10)


def test_presets_have_the_documented_sizes():
    assert PRESETS["tiny"].n_customers == 500 and PRESETS["tiny"].n_years == 1.0
    assert PRESETS["classroom"].n_customers == 5_000 and PRESETS["classroom"].n_years == 3.0
    assert PRESETS["research"].n_customers == 100_000
    assert PRESETS["large"].n_customers == 1_000_000


def test_round_trip_through_dict():
    cfg = crm.WorldConfig(n_customers=123, locale="fa_IR", segment_shares=[0.2] * 5)
    assert crm.WorldConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown WorldConfig fields"):
        crm.WorldConfig.from_dict({**cfg.to_dict(), "colour": "red"})


def test_blocks_cover_the_customers():
    cfg = crm.WorldConfig(n_customers=1001, block_size=250)
    assert cfg.n_blocks == 5
