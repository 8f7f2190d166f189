"""The one input checker and check_random_state shared by every analytics module."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics._validation import (
    check_frame_columns,
    check_random_state,
    check_tables,
    is_seed,
)


def test_frame_columns_messages_name_the_argument_the_missing_and_the_present():
    df = pd.DataFrame({"a": [1], "b": [2]})
    check_frame_columns(df, ["a", None, "b"], "log")  # None entries are optional columns
    with pytest.raises(ValueError) as one:
        check_frame_columns(df, ["a", "x"], "log")
    assert str(one.value) == "column 'x' not found in log; its columns are ['a', 'b']"
    with pytest.raises(ValueError) as two:
        check_frame_columns(df, ["x", "a", "y"], "log", hint="build it with f()")
    assert str(two.value) == ("columns ['x', 'y'] not found in log; its columns are "
                              "['a', 'b']; build it with f()")
    with pytest.raises(TypeError, match="log must be a pandas DataFrame; got list"):
        check_frame_columns([1], ["a"], "log")


def test_frame_columns_empty_frames():
    empty = pd.DataFrame({"a": []})
    with pytest.raises(ValueError, match="^df is empty: need at least one transaction$"):
        check_frame_columns(empty, ["a"])  # the default, as the CLV code has always had it
    with pytest.raises(ValueError, match="^contacts is empty: no campaign$"):
        check_frame_columns(empty, ["a"], "contacts", if_empty="no campaign")
    check_frame_columns(empty, ["a"], "contacts", if_empty=None)


def test_tables_mapping():
    t = {"customers": pd.DataFrame({"customer_id": ["a"]}),
         "complaints": pd.DataFrame({"customer_id": []})}
    need = {"customers": ["customer_id"], "complaints": ["customer_id"]}
    check_tables(t, need)  # an empty table is fine
    with pytest.raises(ValueError, match=r"tables has no 'referrals', 'weather' tables; "
                                         r"pass World.tables"):
        check_tables(t, {**need, "referrals": ["referrer_id"], "weather": []})
    check_tables(t, {**need, "referrals": ["referrer_id"]}, optional=True)
    with pytest.raises(ValueError, match=r"column 'opened_at' not found in "
                                         r"tables\['complaints'\]"):
        check_tables(t, {"complaints": ["customer_id", "opened_at"]}, optional=True)
    with pytest.raises(TypeError, match="tables must be a mapping"):
        check_tables(t["customers"], need)


def test_random_state_like_scikit_learn_but_for_generators():
    assert check_random_state(3).random() == np.random.default_rng(3).random()
    assert check_random_state(np.int64(3)).random() == np.random.default_rng(3).random()
    rng = np.random.default_rng(1)
    assert check_random_state(rng) is rng
    fresh = check_random_state(None)
    assert isinstance(fresh, np.random.Generator) and fresh is not check_random_state(None)
    for bad in ("7", 1.5, True, np.random.RandomState(0)):
        with pytest.raises(TypeError, match="random_state must be an int, a numpy Generator"):
            check_random_state(bad)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        check_random_state(-2, "seed")
    assert [is_seed(v) for v in (0, np.int32(4), True, None, rng)] == [True, True, False,
                                                                        False, False]
