"""The string helpers' fast paths give exactly what Arrow or Python formatting gives."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab.world._kernels.strings import (
    block_serials,
    fixed_strings,
    fixed_width,
    format_ids,
    glue_chars,
    strings,
    take,
    take_rows,
    take_strings,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**12 - 1), max_size=30), st.sampled_from(["", "C", "SA"]),
       st.integers(12, 13))
def test_format_ids_matches_python_formatting(numbers, prefix, width):
    ids = format_ids(prefix, np.array(numbers, dtype=np.int64), width)
    assert ids.tolist() == [f"{prefix}{x:0{width}d}" for x in numbers]
    assert ids.dtype == "str"


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 9_999), st.integers(0, 40), st.sampled_from([6, 8]))
def test_block_serials_are_format_ids(block, n, digits):
    positions = np.arange(n) * 3
    want = format_ids("SA", block * 10**digits + positions + 1, 4 + digits).tolist()
    assert block_serials("SA", block, positions, digits).to_pylist() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ab", "cd", "ef", "x", "", None]), max_size=20),
       st.lists(st.integers(0, 25), max_size=20), st.booleans(), st.integers(0, 3))
def test_take_is_arrow_take(values, index, large, offset):
    array = pa.array(values, type=pa.large_string() if large else pa.string())[offset:]
    index = np.array([i for i in index if i < len(array)], dtype=np.int64)
    want = pc.take(array, pa.array(index))
    got = take(array, index)
    assert got.to_pylist() == want.to_pylist() and got.type == array.type
    if not any(v is None for v in array.to_pylist()):
        assert take_strings(strings(array), index).tolist() == want.to_pylist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["ab", "cd", "é"]), min_size=1, max_size=20),
       st.lists(st.booleans(), max_size=30))
def test_fixed_width_round_trip_with_nulls(values, valid):
    items = fixed_width(pa.array(values, type=pa.large_string()))
    assert items is not None and items.dtype.itemsize == 2
    assert fixed_strings(items).to_pylist() == values
    valid = np.array(valid[:len(values)] + [True] * (len(values) - len(valid)), dtype=bool)
    got = fixed_strings(items[:int(valid.sum())], valid).to_pylist()
    it = iter(values)
    assert got == [next(it) if v else None for v in valid]


def test_glue_and_take_rows():
    digits = np.frombuffer(b"123456", np.uint8).reshape(3, 2)
    rows = take_rows(digits, np.array([2, 0]))
    assert fixed_strings(glue_chars(b"(", rows, b")")).to_pylist() == ["(56)", "(12)"]
