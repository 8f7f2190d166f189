"""The frame kernels give exactly what pandas' public API gives (``pd.DataFrame(dict)``,
``table.iloc[:, i]``, ``pd.Categorical``, timestamps by numpy arithmetic), on every
branch; and when pandas internals fail in any way, or are switched off, the worlds are
the same, table for table, dtype for dtype, value for value.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmlab as crm
from crmlab.world._kernels import frames
from crmlab.world._kernels.frames import (
    categorical,
    column_arrays,
    column_kind,
    days_to_timestamps,
    frame,
    numpy_data,
)
from crmlab.world._kernels.strings import strings
from crmlab.world._parallel import block_workers

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
LARGE = settings(max_examples=20, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
BIG = 20_000


# --- columns of every kind ----------------------------------------------------------------

KINDS = ["int64", "int8", "uint16", "float32", "float64", "bool", "complex128",
         "datetime64[s]", "datetime64[ms]", "datetime64[ns]", "datetime64[D]",
         "timedelta64[s]", "timedelta64[h]", "object strings", "unicode", "categorical",
         "arrow strings", "arrow Series", "Series", "shifted Series", "Int64", "tz datetimes",
         "numpy extension", "list", "2-D"]


def column(kind: str, n: int, rng: np.random.Generator) -> object:
    """A fresh column of ``n`` values of one kind."""
    ints = rng.integers(-50, 50, n)
    words = np.array(["", "a", "bc", "سلام", "d"])[rng.integers(0, 5, n)]
    if kind in ("int64", "int8", "uint16", "float32", "float64", "complex128"):
        return np.abs(ints).astype(kind)
    if kind == "bool":
        return ints > 0
    if kind.startswith(("datetime64", "timedelta64")):
        return (ints + 20_000).astype(kind)
    if kind == "object strings":
        return words.astype(object)
    if kind == "unicode":
        return words
    if kind == "categorical":
        return categorical(np.abs(ints) % 3, ("x", "y", "z"))
    if kind == "arrow strings":
        return strings(words).array
    if kind == "arrow Series":
        return strings(words)
    if kind == "Series":
        return pd.Series(ints)
    if kind == "shifted Series":  # aligned on its index by pd.DataFrame, as by frame
        return pd.Series(ints, index=np.arange(n) + 1)
    if kind == "Int64":
        return pd.array(np.where(ints > 40, None, ints), dtype="Int64")
    if kind == "tz datetimes":
        return pd.array(pd.to_datetime(ints + 20_000, unit="D").tz_localize("Asia/Tehran"))
    if kind == "numpy extension":
        return pd.arrays.NumpyExtensionArray(ints.astype(float))
    if kind == "list":
        return ints.tolist()
    return np.stack([ints, ints])  # "2-D": pandas refuses it as a column


@st.composite
def column_dicts(draw, max_rows: int = 30):
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(0, max_rows))
    kinds = draw(st.lists(st.sampled_from(KINDS), max_size=6))
    rng = np.random.default_rng(seed)
    names = [draw(st.sampled_from([f"c{i}", f"c{i}", i])) for i in range(len(kinds))]
    columns = {name: column(kind, n, rng) for name, kind in zip(names, kinds, strict=True)}
    if columns and draw(st.booleans()) and draw(st.booleans()):  # one of another length
        first = next(iter(columns))
        columns[first] = column(kinds[0], n + 1, rng)
    return columns


def reference(columns: dict) -> pd.DataFrame | type[Exception]:
    """``pd.DataFrame(dict)``, with an Arrow-backed Series taken as its array: frame
    lines such a column up by position, not by its index (as documented)."""
    def as_frame_takes_it(values):
        if isinstance(values, pd.Series) and isinstance(values.array,
                                                        pd.arrays.ArrowExtensionArray):
            return values.array
        return values
    try:
        return pd.DataFrame({k: as_frame_takes_it(v) for k, v in columns.items()})
    except Exception as error:  # what pandas refuses, frame must refuse too
        return type(error)


@PROPERTY
@given(columns=column_dicts())
def test_frame_is_dataframe_of_dict(columns):
    want = reference(columns)
    if isinstance(want, type):
        with pytest.raises(want):
            frame(columns)
    else:
        pd.testing.assert_frame_equal(frame(columns), want, check_exact=True)
    assert frames.internals_failure() is None  # nothing here was a failure of pandas


def test_frame_matches_dataframe_and_keeps_columns_apart():
    ids = strings(["a", "b", "c"])
    columns = {"id": ids, "n": np.arange(3), "c": categorical(np.array([0, 1, 0]), ("x", "y")),
               "s": pd.Series([1.5, 2.5, 3.5])}
    got = frame(columns)
    pd.testing.assert_frame_equal(got, pd.DataFrame(columns))
    other = frame({"id": ids.array})
    got.loc[0, "id"] = "z"  # neither the Series nor another frame of it may change
    assert ids.tolist() == ["a", "b", "c"] and other["id"].tolist() == ["a", "b", "c"]


def test_frame_of_numpy_extension_arrays_takes_the_short_cut(monkeypatch):
    monkeypatch.setattr(frames, "_failure", None)
    columns = {"x": pd.arrays.NumpyExtensionArray(np.arange(3) / 2), "n": np.arange(3)}
    pd.testing.assert_frame_equal(frame(columns), pd.DataFrame(columns), check_exact=True)
    assert frames.internals_failure() is None  # float64, as the public path makes it


def test_frame_lines_arrow_series_up_by_position():
    got = frame({"s": pd.Series(["a", "b"], index=[5, 6], dtype="str"), "n": np.arange(2)})
    assert got.index.equals(pd.RangeIndex(2)) and got["s"].tolist() == ["a", "b"]


def test_frame_of_no_columns_and_the_column_index_cache():
    pd.testing.assert_frame_equal(frame({}), pd.DataFrame({}))
    a = frame({"x": np.arange(2)})
    a.columns.name = "renamed"  # the cached index of ("x",) must not change
    assert frame({"x": np.arange(2)}).columns.name is None


@PROPERTY
@given(columns=column_dicts(), duplicate=st.booleans())
def test_column_arrays_are_the_columns(columns, duplicate):
    table = reference(columns)
    if isinstance(table, type):
        return
    if duplicate and table.shape[1]:
        table = pd.concat([table, table.iloc[:, :1]], axis=1)  # a name twice
    arrays = column_arrays(table)
    assert len(arrays) == table.shape[1]
    for i, values in enumerate(arrays):
        want = table.iloc[:, i]
        assert isinstance(values, np.ndarray | pd.api.extensions.ExtensionArray)
        assert not isinstance(values, pd.arrays.NumpyExtensionArray)
        pd.testing.assert_series_equal(pd.Series(values, copy=False), want, check_exact=True,
                                       check_names=False, check_index=False)


def test_numpy_data_and_column_kind():
    table = pd.DataFrame({
        "n": np.arange(3), "b": [True, False, True], "t": np.arange(3).astype("datetime64[s]"),
        "tz": pd.to_datetime([0, 1, 2], unit="D").tz_localize("UTC"),
        "c": pd.Categorical(["a", "b", "a"]), "s": pd.Series(["x", "y", "z"], dtype="str"),
        "i": pd.array([1, None, 3], dtype="Int64"), "o": pd.Series([{}, [], ()], dtype=object),
    })
    kinds = [column_kind(values)[0] for values in column_arrays(table)]
    assert kinds == ["numpy", "numpy", "numpy", "other", "categorical", "arrow", "other",
                     "other"]
    assert numpy_data(pd.arrays.NumpyExtensionArray(np.arange(2))).tolist() == [0, 1]
    assert numpy_data(np.zeros((2, 2))) is None and numpy_data([1, 2]) is None
    assert column_kind(table["tz"].array)[1] == table["tz"].dtype


def test_categorical_matches_from_strings():
    codes = np.array([2, 0, 1, 2])
    got = pd.Series(categorical(codes, ("a", "b", "c")))
    want = pd.Series(pd.Categorical(["c", "a", "b", "c"],
                                    categories=pd.Index(["a", "b", "c"], dtype="str")))
    pd.testing.assert_series_equal(got, want)
    assert got.cat.codes.dtype == want.cat.codes.dtype


# --- timestamps ----------------------------------------------------------------------------

START = pd.Timestamp("2023-03-01")


def timestamps_reference(start: pd.Timestamp, days) -> np.ndarray:
    """Each day count as whole seconds (rounded half to even) after ``start``."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    known = ~np.isnan(days)
    out[known] = (np.datetime64(start.to_datetime64(), "s")
                  + np.round(days[known] * 86_400.0).astype("timedelta64[s]"))
    return out


@st.composite
def day_arrays(draw, n):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    days = rng.random(n) * draw(st.sampled_from([1.0, 1_000.0, 1e9]))
    days -= draw(st.sampled_from([0.0, 500.0]))
    days[rng.random(n) < 0.1] = draw(st.sampled_from([0.0, 0.5 / 86_400, 1.5 / 86_400]))
    for what in draw(st.lists(st.sampled_from(["nan", "inf", "far"]), max_size=2)):
        at = draw(st.sampled_from(["first", "last", "any"]))
        if n:
            row = {"first": 0, "last": n - 1, "any": int(rng.integers(0, n))}[at]
            # "far": seconds beyond 2**62, still inside datetime64[s]
            days[row] = {"nan": np.nan, "inf": np.inf, "far": 6e13}[what]
    return days


def _same_times(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == np.dtype("datetime64[s]") and got.shape == want.shape
    assert got.view(np.int64).tolist() == want.view(np.int64).tolist()


@PROPERTY
@given(data=st.data(), n=st.integers(0, 40))
def test_days_to_timestamps_is_numpy_arithmetic(kernel_sizes, data, n):
    days = data.draw(day_arrays(n))
    if np.isinf(days).any():  # no timestamp for infinity: the reference errs too
        return
    _same_times(days_to_timestamps(START, days), timestamps_reference(START, days))


@LARGE
@given(data=st.data())
def test_days_to_timestamps_on_20000_rows(data):
    days = data.draw(day_arrays(BIG))
    if np.isinf(days).any():
        return
    _same_times(days_to_timestamps(START, days), timestamps_reference(START, days))


@pytest.mark.parametrize("n", [0, 1, 7, BIG])
@pytest.mark.parametrize("odd", [None, "nan", "far"])
@pytest.mark.parametrize("where", ["first slice", "last slice"])
def test_days_to_timestamps_with_nan_or_far_values_in_any_slice(kernel_sizes, n, odd, where):
    days = np.linspace(-3.0, 900.0, n)
    if odd and n:
        days[0 if where == "first slice" else n - 1] = np.nan if odd == "nan" else 6e13
    _same_times(days_to_timestamps(START, days), timestamps_reference(START, days))


def test_days_to_timestamps_of_a_matrix():
    days = np.array([[0.0, 1.25], [np.nan, 3.0]])
    _same_times(days_to_timestamps(START, days), timestamps_reference(START, days))


# --- the switch to pandas' public API ------------------------------------------------------

def all_tables(w: crm.World) -> dict[str, pd.DataFrame]:
    return {**w.tables, **{f"silos/{k}": v for k, v in w.silos.items()},
            **{f"truth/{k}": v for k, v in w.truth.tables.items()}}


def assert_same_world(a: crm.World, b: crm.World) -> None:
    """Every table: names, dtypes, values, and the bytes of every value."""
    ta, tb = all_tables(a), all_tables(b)
    assert list(ta) == list(tb)
    for name in ta:
        assert ta[name].dtypes.to_dict() == tb[name].dtypes.to_dict(), name
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)
        assert (pd.util.hash_pandas_object(ta[name]).tolist()
                == pd.util.hash_pandas_object(tb[name]).tolist()), name


@pytest.fixture
def internals(monkeypatch):
    """A fresh start (no failure seen, no kinds of columns checked yet) and a count of
    the calls into pandas internals made by the frame kernels."""
    monkeypatch.setattr(frames, "_failure", None)
    monkeypatch.setattr(frames, "_CHECKED_KINDS", set())
    calls = {"arrays_to_mgr": 0, "iter_column_arrays": 0}
    real_mgr, real_iter = frames._arrays_to_mgr, pd.DataFrame._iter_column_arrays

    def arrays_to_mgr(*args, **kwargs):
        calls["arrays_to_mgr"] += 1
        return real_mgr(*args, **kwargs)

    def iter_column_arrays(self):
        if sys._getframe(1).f_globals.get("__name__") == frames.__name__:
            calls["iter_column_arrays"] += 1
        return real_iter(self)

    monkeypatch.setattr(frames, "_arrays_to_mgr", arrays_to_mgr)
    monkeypatch.setattr(pd.DataFrame, "_iter_column_arrays", iter_column_arrays)
    return calls


MULTI_BLOCK = {"n_customers": 1_500, "block_size": 300}


@pytest.fixture(scope="module")
def multi_block_world() -> crm.World:
    return crm.make_world("tiny", seed=11, workers=1, **MULTI_BLOCK)


@pytest.mark.parametrize("workers", [1, 2])
def test_worlds_are_the_same_through_the_public_api(monkeypatch, internals, tiny_world,
                                                    tiny_world_fa, multi_block_world, workers):
    monkeypatch.setattr(frames, "PURE_PANDAS", True)
    monkeypatch.setattr(block_workers, "python_threads", lambda: 1)  # forked helpers
    assert frames.internals_failure() == "forced"
    assert_same_world(tiny_world, crm.make_world("tiny", seed=42, workers=workers))
    assert_same_world(multi_block_world,
                      crm.make_world("tiny", seed=11, workers=workers, **MULTI_BLOCK))
    assert_same_world(tiny_world_fa, crm.make_world(crm.WorldConfig(
        n_customers=900, start="2023-01-01", end="2024-12-31", locale="fa_IR",
        block_size=300), seed=7, workers=workers))
    assert internals == {"arrays_to_mgr": 0, "iter_column_arrays": 0}


def test_the_fast_path_does_use_the_internals(internals, tiny_world):
    assert_same_world(tiny_world, crm.make_world("tiny", seed=42, workers=1))
    assert internals["arrays_to_mgr"] > 0 and internals["iter_column_arrays"] > 0
    assert frames.internals_failure() is None


def test_the_environment_variable_forces_the_public_api(tmp_path):
    code = ("from crmlab.world._kernels import frames; import crmlab as crm; "
            "crm.make_world('tiny', seed=1, workers=1); "
            "print(frames.PURE_PANDAS, frames.internals_failure())")
    root = str(Path(crm.__file__).resolve().parents[1])
    for value, want in (("1", "True forced"), ("0", "False None"), ("", "False None")):
        env = {**os.environ, "CRMLAB_PURE_PANDAS": value,
               "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH"))
                                             if p)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True, cwd=tmp_path).stdout
        assert out.strip() == want


def test_an_exception_in_the_internals_switches_once(monkeypatch, internals, tiny_world,
                                                     caplog):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise TypeError("arrays_to_mgr() got an unexpected keyword argument 'consolidate'")

    monkeypatch.setattr(frames, "_arrays_to_mgr", broken)
    with caplog.at_level(logging.INFO, logger=frames.__name__):
        world = crm.make_world("tiny", seed=42, workers=1)
        crm.make_world("tiny", seed=43, workers=1)
    assert_same_world(tiny_world, world)
    assert calls == [1]  # tried once, then never again in this process
    assert "unexpected keyword argument" in frames.internals_failure()
    assert internals["iter_column_arrays"] == 0  # reading columns switched too
    assert len([r for r in caplog.records if r.name == frames.__name__]) == 1


def _wrong_float32(arrays, *args, **kwargs):
    arrays = [a.astype(np.float32) if a.dtype == np.float64 else a for a in arrays]
    return REAL_ARRAYS_TO_MGR(arrays, *args, **kwargs)


def _wrong_names(arrays, columns, *args, **kwargs):
    return REAL_ARRAYS_TO_MGR(arrays, pd.Index([f"x{i}" for i in range(len(columns))]), *args,
                              **kwargs)


def _wrong_rows(arrays, columns, index, *args, **kwargs):
    return REAL_ARRAYS_TO_MGR([a[:-1] for a in arrays], columns, index[:-1], *args, **kwargs)


def _wrong_index(arrays, columns, index, *args, **kwargs):
    return REAL_ARRAYS_TO_MGR(arrays, columns, pd.RangeIndex(1, len(index) + 1), *args,
                              **kwargs)


REAL_ARRAYS_TO_MGR = frames._arrays_to_mgr


@pytest.mark.parametrize("wrong", [_wrong_float32, _wrong_names, _wrong_rows, _wrong_index,
                                   "not a frame", MemoryError])
def test_a_wrong_frame_from_the_internals_is_never_used(monkeypatch, internals, wrong):
    columns = {"x": np.arange(5) / 3, "n": np.arange(5), "s": strings(list("abcde"))}
    want = pd.DataFrame(dict(columns))
    if wrong is MemoryError:
        def out_of_memory(*args, **kwargs):
            raise MemoryError
        monkeypatch.setattr(frames, "_arrays_to_mgr", out_of_memory)
        with pytest.raises(MemoryError):
            frame(columns)
        assert frames.internals_failure() is None  # no sign of changed internals
        return
    if wrong == "not a frame":
        monkeypatch.setattr(pd.DataFrame, "_from_mgr",
                            classmethod(lambda cls, mgr, axes: pd.Series(range(5))))
    else:
        monkeypatch.setattr(frames, "_arrays_to_mgr", wrong)
    pd.testing.assert_frame_equal(frame(columns), want, check_exact=True)
    assert frames.internals_failure() is not None
    pd.testing.assert_frame_equal(frame(columns), want, check_exact=True)  # public again


def test_a_world_with_wrong_frames_from_the_internals_is_the_same(monkeypatch, internals,
                                                                  multi_block_world):
    monkeypatch.setattr(frames, "_arrays_to_mgr", _wrong_float32)
    assert_same_world(multi_block_world,
                      crm.make_world("tiny", seed=11, workers=1, **MULTI_BLOCK))
    assert "dtype float32, expected float64" in frames.internals_failure()


def _iter_raises(self):
    raise AttributeError("'DataFrame' object has no attribute '_get_column_array'")


def _iter_reversed(self):
    return reversed([self.iloc[:, i].to_numpy() for i in range(self.shape[1])])


def _iter_series(self):
    return (self.iloc[:, i] for i in range(self.shape[1]))


def _iter_short(self):
    return (self.iloc[:, i].array for i in range(self.shape[1] - 1))


def _iter_2d(self):
    return (np.atleast_2d(self.iloc[:, i].to_numpy()) for i in range(self.shape[1]))


@pytest.mark.parametrize("wrong", [_iter_raises, _iter_reversed, _iter_series, _iter_short,
                                   _iter_2d])
def test_wrong_column_arrays_from_the_internals_are_never_used(monkeypatch, wrong):
    monkeypatch.setattr(frames, "_failure", None)
    table = pd.DataFrame({"x": np.arange(4) / 3, "n": np.arange(4),
                          "c": pd.Categorical(list("abab"))})
    want = [table.iloc[:, i] for i in range(3)]
    monkeypatch.setattr(pd.DataFrame, "_iter_column_arrays", wrong)
    got = column_arrays(table)
    assert frames.internals_failure() is not None
    for values, column_ in zip(got, want, strict=True):
        pd.testing.assert_series_equal(pd.Series(values), column_, check_names=False)


def test_wrong_column_arrays_in_a_world_leave_it_the_same(monkeypatch, internals,
                                                          multi_block_world):
    monkeypatch.setattr(pd.DataFrame, "_iter_column_arrays", _iter_reversed)
    assert_same_world(multi_block_world,
                      crm.make_world("tiny", seed=11, workers=1, **MULTI_BLOCK))
    assert "reading a frame's column arrays" in frames.internals_failure()


def test_a_pandas_without_arrays_to_mgr_takes_the_public_path(monkeypatch, tiny_world):
    name = "pandas.core.internals.construction"
    # a pandas whose module has no arrays_to_mgr: the import in frames fails
    monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    try:
        importlib.reload(frames)
        assert frames._arrays_to_mgr is None
        assert "importing arrays_to_mgr" in frames.internals_failure()
        assert_same_world(tiny_world, crm.make_world("tiny", seed=42, workers=1))
    finally:
        monkeypatch.undo()
        importlib.reload(frames)
    assert frames._arrays_to_mgr is not None and frames.internals_failure() is None


def test_out_of_memory_while_reading_columns_is_no_failure_of_pandas(monkeypatch):
    monkeypatch.setattr(frames, "_failure", None)

    def out_of_memory(self):
        raise MemoryError

    monkeypatch.setattr(pd.DataFrame, "_iter_column_arrays", out_of_memory)
    with pytest.raises(MemoryError):
        column_arrays(pd.DataFrame({"n": [1, 2]}))
    assert frames.internals_failure() is None


def test_the_first_reason_is_kept_and_logged_once(monkeypatch, caplog):
    monkeypatch.setattr(frames, "_failure", None)
    with caplog.at_level(logging.INFO, logger=frames.__name__):
        frames._give_up_internals("building a frame from arrays", "first")
        frames._give_up_internals("reading a frame's column arrays", "second")
    assert frames.internals_failure().endswith("building a frame from arrays: first")
    assert [r.name for r in caplog.records] == [frames.__name__]
