"""Old argument spellings: still accepted for one release, with a warning at the caller."""

from __future__ import annotations

import inspect
import warnings

import pandas as pd
import pytest

from crmlab.analytics import clv
from crmlab.analytics._deprecation import keyword_only_after, renamed_kwargs


@renamed_kwargs(seed="random_state", column="value_col")
def _draw(n, *, random_state=0, value_col="amount"):
    """Return what arrived."""
    return n, random_state, value_col


@keyword_only_after("df")
def _summarize(df, *, customer_col="customer_id", time_col="timestamp", freq="D"):
    return df, customer_col, time_col, freq


@renamed_kwargs(seed="random_state")
@keyword_only_after("n")
def _both(n, *, random_state=0, scale=1.0):
    return n, random_state, scale


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, caught


def test_new_spellings_pass_through_without_a_warning():
    assert _caught(lambda: _draw(1, random_state=2, value_col="x")) == ((1, 2, "x"), [])
    assert _caught(lambda: _summarize("d", time_col="t")) == (
        ("d", "customer_id", "t", "D"), [])


def test_a_renamed_keyword_is_passed_on_with_a_warning_naming_the_new_one():
    result, caught = _caught(lambda: _draw(1, seed=5, column="spend"))
    assert result == (1, 5, "spend")
    assert [w.category for w in caught] == [DeprecationWarning] * 2
    messages = sorted(str(w.message) for w in caught)
    assert messages[0] == ("_draw(): the argument 'column' is deprecated and will be removed "
                           "in the next release; use 'value_col' instead")
    assert "'seed'" in messages[1] and "use 'random_state' instead" in messages[1]
    assert {w.filename for w in caught} == {__file__}  # the caller's line, not the wrapper


def test_old_and_new_spelling_together_is_an_error():
    with pytest.raises(TypeError, match="got both 'seed' .* and 'random_state'; pass only "
                                        "'random_state'"):
        _draw(1, seed=1, random_state=2)


def test_positional_arguments_map_to_keywords_in_their_old_order():
    result, caught = _caught(lambda: _summarize("d", "id", "when"))
    assert result == ("d", "id", "when", "D")
    assert len(caught) == 1 and caught[0].category is DeprecationWarning
    assert str(caught[0].message) == (
        "_summarize(): passing customer_col, time_col by position is deprecated and will stop "
        "working in the next release; pass them by keyword: "
        "_summarize(df, customer_col=..., time_col=...)")
    assert caught[0].filename == __file__


def test_positional_misuse_still_fails_like_python_would():
    with pytest.raises(TypeError, match="multiple values for argument 'customer_col'"):
        _summarize("d", "id", customer_col="other")
    with pytest.raises(TypeError, match=r"takes 1 positional argument .* but 5 were given"):
        _summarize("d", "a", "b", "c", "e")


def test_stacked_decorators_both_work_and_point_at_the_caller():
    result, caught = _caught(lambda: _both(3, 4))
    assert result == (3, 4, 1.0)
    assert len(caught) == 1 and caught[0].filename == __file__
    result, caught = _caught(lambda: _both(3, seed=9, scale=2.0))
    assert result == (3, 9, 2.0)
    assert len(caught) == 1 and caught[0].filename == __file__
    with pytest.warns(DeprecationWarning), pytest.raises(
            TypeError, match="multiple values for argument 'random_state'"):
        _both(3, 4, seed=9)


def test_the_wrapped_function_keeps_its_name_doc_and_new_signature():
    assert _draw.__name__ == "_draw" and _draw.__doc__ == "Return what arrived."
    assert list(inspect.signature(_draw).parameters) == ["n", "random_state", "value_col"]
    assert list(inspect.signature(_both).parameters) == ["n", "random_state", "scale"]


def test_declarations_that_cannot_be_right_are_refused():
    with pytest.raises(TypeError, match="no keyword parameter 'random_state'"):
        renamed_kwargs(seed="random_state")(lambda n, seed=0: n)
    with pytest.raises(TypeError, match="still has a parameter 'seed'"):
        renamed_kwargs(seed="random_state")(lambda n, seed=0, *, random_state=0: n)
    with pytest.raises(TypeError, match="at least one"):
        renamed_kwargs()
    with pytest.raises(TypeError, match="no positional parameter 'df'"):
        keyword_only_after("df")(lambda x, *, y=0: x)
    with pytest.raises(TypeError, match="must be keyword-only"):
        keyword_only_after("x")(lambda x, y=0, *, z=0: x)
    with pytest.raises(TypeError, match="must be keyword-only"):
        keyword_only_after("x")(lambda x: x)


def test_warnings_can_be_made_errors_to_find_old_spellings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(DeprecationWarning):
            _draw(1, seed=2)
        assert _draw(1, random_state=2) == (1, 2, "amount")


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
                      match=r"since crmlab 0\.2 .*pass them by keyword: "
                            r"summarize_transactions\(df, customer_col=\.\.\., "
                            r"time_col=\.\.\., value_col=\.\.\.\)"):
        old = clv.summarize_transactions(log, "client", "when", "paid", end="2025-03-31",
                                         freq="W")
    pd.testing.assert_frame_equal(old, new)
    assert old.attrs == new.attrs == {"freq": "W"}
    with pytest.raises(TypeError, match="positional argument"):
        clv.summarize_transactions(log, "client", "when", "paid", "2025-03-31")


def test_calibration_holdout_split_old_positional_columns(log):
    new = clv.calibration_holdout_split(log, customer_col="client", time_col="when",
                                        calibration_end="2025-01-31", freq="D")
    with pytest.warns(DeprecationWarning, match="calibration_holdout_split\\(\\): passing "
                                                "customer_col, time_col by position"):
        old = clv.calibration_holdout_split(log, "client", "when",
                                            calibration_end="2025-01-31", freq="D")
    pd.testing.assert_frame_equal(old, new)
