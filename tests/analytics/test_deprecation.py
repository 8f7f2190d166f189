"""Old calling conventions keep working for one release, with a warning naming the new one."""

from __future__ import annotations

import inspect
import warnings

import pandas as pd
import pytest

from crmlab.analytics import clv
from crmlab.analytics._deprecation import keyword_only_after, renamed_kwargs


@keyword_only_after("df", since="0.2", formerly=("customer_col", "time_col"))
def _summary(df, *, customer_col="customer_id", time_col="timestamp", end=None):
    return (df, customer_col, time_col, end)


@renamed_kwargs(seed="random_state", k="n_clusters", since="0.2")
def _segments(data, *, n_clusters=5, random_state=None):
    return (data, n_clusters, random_state)


def test_keyword_calls_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _summary("d", time_col="t") == ("d", "customer_id", "t", None)
        assert _segments("d", n_clusters=3, random_state=1) == ("d", 3, 1)


def test_positional_values_move_to_their_keywords_with_a_warning():
    with pytest.warns(DeprecationWarning) as caught:
        assert _summary("d", "id", "when", end=3) == ("d", "id", "when", 3)
    message = str(caught[0].message)
    assert "Passing customer_col, time_col to _summary() by position" in message
    assert "since crmlab 0.2" in message
    assert "write _summary(..., customer_col='id', time_col='when')" in message
    assert caught[0].filename == __file__            # points at the caller
    with pytest.warns(DeprecationWarning, match="Passing customer_col to"):
        assert _summary("d", "id") == ("d", "id", "timestamp", None)


def test_positional_misuse_is_still_an_error():
    with pytest.raises(TypeError, match=r"takes at most 3 positional arguments but 4"):
        _summary("d", "id", "when", "2025-01-01")      # end was never positional
    with pytest.raises(TypeError, match="multiple values for argument 'customer_col'"):
        _summary("d", "id", customer_col="other")


def test_renamed_keywords_move_with_a_warning():
    with pytest.warns(DeprecationWarning,
                      match=r"_segments\(seed=\.\.\.\) is deprecated since crmlab 0\.2 .*"
                            r"write _segments\(random_state=\.\.\.\)") as caught:
        assert _segments("d", seed=7) == ("d", 5, 7)
    assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning) as caught:
        assert _segments("d", k=2, seed=1) == ("d", 2, 1)
    assert len(caught) == 2
    with pytest.raises(TypeError, match="got both seed= .* and random_state="):
        _segments("d", seed=1, random_state=2)


def test_the_new_signature_is_what_help_shows():
    params = inspect.signature(_summary).parameters
    assert params["customer_col"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "seed" not in inspect.signature(_segments).parameters
    assert _summary.__name__ == "_summary"


def test_decorators_check_the_names_they_are_given():
    with pytest.raises(ValueError, match="'frame' is not a positional parameter"):
        keyword_only_after("frame")(_summary.__wrapped__)
    with pytest.raises(ValueError, match=r"\['value_col'\] are not keyword-only"):
        keyword_only_after("df", formerly=("value_col",))(_summary.__wrapped__)
    with pytest.raises(ValueError, match=r"\['rng'\] are not parameters"):
        renamed_kwargs(seed="rng")(_segments.__wrapped__)
    with pytest.raises(ValueError, match=r"\['n_clusters'\] are still parameters"):
        renamed_kwargs(n_clusters="random_state")(_segments.__wrapped__)


@pytest.fixture(scope="module")
def log():
    return pd.DataFrame({"client": [1, 1, 1, 2, 2],
                         "when": pd.to_datetime(["2025-01-06", "2025-01-09", "2025-02-20",
                                                 "2025-01-13", "2025-03-02"]),
                         "paid": [10.0, 5.0, 20.0, 7.0, 3.0]})


def test_summarize_transactions_old_positional_columns(log):
    new = clv.summarize_transactions(log, customer_col="client", time_col="when",
                                     value_col="paid", end="2025-03-31", freq="W")
    with pytest.warns(DeprecationWarning,
                      match=r"write summarize_transactions\(\.\.\., customer_col='client', "
                            r"time_col='when', value_col='paid'\)"):
        old = clv.summarize_transactions(log, "client", "when", "paid", end="2025-03-31",
                                         freq="W")
    pd.testing.assert_frame_equal(old, new)
    assert old.attrs == new.attrs == {"freq": "W"}
    with pytest.raises(TypeError, match="positional arguments"):
        clv.summarize_transactions(log, "client", "when", "paid", "2025-03-31")


def test_calibration_holdout_split_old_positional_columns(log):
    new = clv.calibration_holdout_split(log, customer_col="client", time_col="when",
                                        calibration_end="2025-01-31", freq="D")
    with pytest.warns(DeprecationWarning, match="Passing customer_col, time_col to "
                                                "calibration_holdout_split"):
        old = clv.calibration_holdout_split(log, "client", "when",
                                            calibration_end="2025-01-31", freq="D")
    pd.testing.assert_frame_equal(old, new)
