"""The string kernels give exactly what Arrow or Python formatting gives (``pc.take``,
``f"{prefix}{number:0{width}d}"``, ``str.zfill``, ``str.join``), on every branch: strings
of one length taken as numpy records or not (mixed lengths, nulls, empty strings, sliced
arrays, ``string`` and ``large_string``), offsets shared or made afresh (the shared table
too short, past its limit), ids written a slice at a time with prefixes of every length,
widths of up to 13 digits, serial numbers across ten-thousand boundaries, block numbers
and serials wider than the usual four and eight digits (worlds of more than 10,000
blocks, blocks of 10**8 events), and the fall backs to Arrow's own kernels. Each runs at
the kernels' real sizes and with their slice and shared-offset sizes shrunk
(``kernel_sizes``), and on 20,000 rows.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab.world._kernels.strings import (
    arrow_strings,
    block_serials,
    event_ids,
    fixed_strings,
    fixed_width,
    format_ids,
    glue_chars,
    join_strings,
    number_strings,
    serial_digits,
    string_array,
    strings,
    take,
    take_rows,
    take_strings,
)

kernel = importlib.import_module("crmlab.world._kernels.strings")  # the module itself

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
LARGE = settings(max_examples=15, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
BIG = 20_000

WORDS = ["ab", "cd", "ef", "x", "", "é", "سل", None]


def arrow(values, large: bool, offset: int = 0) -> pa.Array:
    return pa.array(values, type=pa.large_string() if large else pa.string())[offset:]


# --- Series and Arrow arrays ---------------------------------------------------------------

@PROPERTY
@given(values=st.lists(st.sampled_from(WORDS[:-1]), max_size=20),
       source=st.sampled_from(["list", "numpy", "string", "large_string", "chunked"]))
def test_strings_and_arrow_strings_round_trip(values, source):
    given_ = {"list": values, "numpy": np.array(values, dtype=object),
              "string": pa.array(values, pa.string()),
              "large_string": pa.array(values, pa.large_string()),
              "chunked": pa.chunked_array([pa.array(values[:3], pa.string()),
                                           pa.array(values[3:], pa.string())])}[source]
    series = strings(given_)
    pd.testing.assert_series_equal(series, pd.Series(values, dtype="str"))
    assert arrow_strings(series).equals(pa.array(values, pa.large_string()))
    both = pd.concat([series, series], ignore_index=True)  # two chunks
    assert arrow_strings(both).to_pylist() == values * 2
    assert string_array(pa.array(values, pa.string())).tolist() == values


@PROPERTY
@given(parts=st.lists(st.one_of(st.sampled_from(["-", "", "@", "ی"]),
                                st.sampled_from(["string", "large_string"])),
                      min_size=1, max_size=4),
       values=st.lists(st.sampled_from(WORDS[:-1]), min_size=1, max_size=10),
       sep=st.sampled_from(["", ", "]))
def test_join_strings_is_str_join(parts, values, sep):
    arrays = [p if p in ("-", "", "@", "ی") else
              pa.array(values, pa.string() if p == "string" else pa.large_string())
              for p in parts]
    if all(isinstance(a, str) for a in arrays):
        arrays.append(pa.array(values))
    got = join_strings(*arrays, sep=sep).to_pylist()
    want = [sep.join(a if isinstance(a, str) else a[i].as_py() for a in arrays)
            for i in range(len(values))]
    assert got == want


@PROPERTY
@given(numbers=st.lists(st.integers(0, 10**15), max_size=20), width=st.integers(0, 18))
def test_number_strings_is_zfill(numbers, width):
    assert number_strings(np.array(numbers, dtype=np.int64), width).to_pylist() == \
        [str(x).zfill(width) for x in numbers]


# --- strings of one length as records ------------------------------------------------------

def records_reference(values: list) -> list[bytes] | None:
    """Each string's UTF-8 bytes if there is one, none is null and all share a
    non-zero length; else None."""
    if not values or any(v is None for v in values):
        return None
    encoded = [v.encode() for v in values]
    return encoded if len({len(b) for b in encoded}) == 1 and encoded[0] else None


@PROPERTY
@given(values=st.lists(st.sampled_from(WORDS), max_size=20), large=st.booleans(),
       offset=st.integers(0, 3))
def test_fixed_width_is_the_bytes_of_strings_of_one_length(values, large, offset):
    array = arrow(values, large, offset)
    items = fixed_width(array)
    want = records_reference(array.to_pylist())
    if want is None:
        assert items is None
    else:
        assert [bytes(item) for item in items] == want
        assert not items.flags.writeable  # a view of the Arrow buffer


@PROPERTY
@given(lengths=st.lists(st.integers(1, 3), min_size=2, max_size=12))
def test_fixed_width_with_the_right_total_but_mixed_lengths(lengths):
    # the total length fits n times the first length, yet lengths differ
    values = ["a" * k for k in lengths]
    if sum(lengths) == len(lengths) * lengths[0]:
        assert (fixed_width(arrow(values, True)) is None) == (len(set(lengths)) > 1)


def test_fixed_width_of_other_arrays():
    assert fixed_width(pa.array([b"ab", b"cd"])) is None  # binary, not strings
    assert fixed_width(pa.array([1, 2])) is None


@PROPERTY
@given(values=st.lists(st.sampled_from(["ab", "cd", "é"]), min_size=1, max_size=20),
       valid=st.lists(st.booleans(), max_size=30), large=st.booleans())
def test_fixed_strings_round_trip_with_nulls(kernel_sizes, values, valid, large):
    items = fixed_width(pa.array(values, type=pa.large_string()))
    assert items is not None and items.dtype.itemsize == 2
    made = fixed_strings(items, large=large)
    assert made.to_pylist() == values
    assert made.type == (pa.large_string() if large else pa.string())
    matrix = items.view(np.uint8).reshape(len(values), 2)
    assert fixed_strings(matrix).to_pylist() == values
    valid = np.array(valid[:len(values)] + [True] * (len(values) - len(valid)), dtype=bool)
    got = fixed_strings(items[:int(valid.sum())], valid, large=large).to_pylist()
    it = iter(values)
    assert got == [next(it) if v else None for v in valid]
    # strings made here have offsets from the shared table: recognised without a look
    again = fixed_width(made)
    assert again is not None and [bytes(x) for x in again] == [bytes(x) for x in items]


@pytest.mark.parametrize("n", [0, 1, 47, 48, 49, 100, BIG])
@pytest.mark.parametrize("width", [1, 3])
def test_shared_offsets_whatever_the_count(kernel_sizes, n, width):
    rng = np.random.default_rng(n + width)
    chars = rng.integers(97, 123, (n, width)).astype(np.uint8)
    want = [bytes(row).decode() for row in chars]
    for large in (True, False):  # string offsets (int32) are never shared
        made = fixed_strings(chars, large=large)
        assert made.to_pylist() == want
        items = fixed_width(made)
        assert (items is None) == (n == 0)
    shared = kernel._OFFSETS.get((width, np.int64))
    if n < kernel_sizes["shared_offsets"]:
        assert shared is not None and len(shared) > n  # made, or grown, to hold them
    # past the limit the offsets are made afresh; a longer table is never kept
    assert shared is None or len(shared) <= kernel_sizes["shared_offsets"]


def test_offsets_outside_the_shared_table_are_looked_at(kernel_sizes):
    made = fixed_strings(np.full((4, 2), 97, np.uint8))
    shared = kernel._OFFSETS[2, np.int64]
    assert kernel._in_shared_offsets(shared[1:4], 2)
    odd = np.frombuffer(shared, dtype=np.int64, count=2, offset=4)  # misaligned
    assert not kernel._in_shared_offsets(odd, 2)
    assert not kernel._in_shared_offsets(np.arange(0, 8, 2, dtype=np.int64), 2)
    assert not kernel._in_shared_offsets(shared[:3].copy(), 2)
    assert not kernel._in_shared_offsets(shared[:3], 7)  # no table for this length
    assert kernel._in_shared_offsets(shared[-2:], 2)  # the very end still counts
    assert fixed_width(made) is not None


@PROPERTY
@given(data=st.data(), n=st.integers(0, 12))
def test_glue_chars_is_bytes_join(data, n):
    parts = data.draw(st.lists(st.one_of(st.sampled_from([b"", b"#", b"ab", b"-xyz"]),
                                         st.integers(0, 3)), min_size=1, max_size=5))
    if all(isinstance(p, bytes) for p in parts):
        parts.append(1)
    rng = np.random.default_rng(n)
    parts = [p if isinstance(p, bytes) else rng.integers(48, 58, (n, p)).astype(np.uint8)
             for p in parts]
    rows = glue_chars(*parts)
    want = [b"".join(p if isinstance(p, bytes) else bytes(p[i]) for p in parts)
            for i in range(n)]
    assert [bytes(r) for r in rows] == want and rows.dtype == np.uint8


@PROPERTY
@given(n=st.integers(1, 20), width=st.integers(1, 9), size=st.integers(0, 30),
       seed=st.integers(0, 2**32))
def test_take_rows_is_fancy_indexing(n, width, size, seed):
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 256, (n, width)).astype(np.uint8)
    index = rng.integers(0, n, size)
    assert take_rows(table, index).tolist() == table[index].tolist()


# --- gathering strings -----------------------------------------------------------------------

@PROPERTY
@given(values=st.lists(st.sampled_from(WORDS), max_size=20),
       index=st.lists(st.integers(-2, 25), max_size=20), large=st.booleans(),
       offset=st.integers(0, 3), as_list=st.booleans())
def test_take_is_arrow_take(kernel_sizes, values, index, large, offset, as_list):
    array = arrow(values, large, offset)
    source = array.to_pylist() if as_list else array
    index = np.array(index, dtype=np.int64)
    reference_array = pa.array(array.to_pylist(), pa.large_string()) if as_list else array
    try:
        want = pc.take(reference_array, pa.array(index))
    except (IndexError, pa.ArrowException) as error:
        with pytest.raises(type(error)):
            take(source, index)
        return
    got = take(source, index)
    assert got.to_pylist() == want.to_pylist() and got.type == want.type
    if not any(v is None for v in array.to_pylist()):
        assert take_strings(strings(array), index).tolist() == want.to_pylist()


@LARGE
@given(seed=st.integers(0, 2**32), kind=st.sampled_from(["same", "mixed", "nulls"]),
       large=st.booleans())
def test_take_on_20000_rows(seed, kind, large):
    rng = np.random.default_rng(seed)
    pool = {"same": ["ab", "cd", "ef"], "mixed": ["ab", "c", "def"],
            "nulls": ["ab", None, "cd"]}[kind]
    array = arrow([pool[i] for i in rng.integers(0, 3, 500)], large)
    index = rng.integers(0, 500, BIG)
    assert take(array, index).to_pylist() == pc.take(array, pa.array(index)).to_pylist()
    chunked = pd.concat([strings(array), strings(array)], ignore_index=True)
    if kind != "nulls":
        want = pc.take(pa.chunked_array([array, array]), pa.array(index)).to_pylist()
        assert take_strings(chunked, index).tolist() == want


# --- ids ---------------------------------------------------------------------------------------

def python_ids(prefix: str, numbers, width: int) -> list[str]:
    return [f"{prefix}{int(x):0{width}d}" for x in numbers]


PREFIXES = ["", "C", "SA", "TFX", "ABCD", "ABCDE", "ABCDEFG", "ی"[:0] + "KX0001"]


@PROPERTY
@given(data=st.data(), width=st.integers(1, 13), prefix=st.sampled_from(PREFIXES),
       n=st.integers(0, 40))
def test_format_ids_is_python_formatting(kernel_sizes, data, width, prefix, n):
    numbers = data.draw(st.lists(st.integers(0, 10**width - 1), min_size=n, max_size=n))
    ids = format_ids(prefix, np.array(numbers, dtype=np.int64), width)
    assert ids.tolist() == python_ids(prefix, numbers, width)
    assert ids.dtype == "str"


@LARGE
@given(seed=st.integers(0, 2**32), width=st.sampled_from([3, 7, 9, 10, 12]),
       prefix=st.sampled_from(PREFIXES))
def test_format_ids_on_20000_rows(seed, width, prefix):
    numbers = np.random.default_rng(seed).integers(0, 10**width, BIG)
    assert format_ids(prefix, numbers, width).tolist() == python_ids(prefix, numbers, width)


@pytest.mark.parametrize(("numbers", "width", "message"), [
    ([-1], 5, r"ids need 0 <= number < 10\*\*5"),
    ([10**5], 5, r"ids need 0 <= number < 10\*\*5"),
    ([1], 0, "ids need a width of at least one digit; got 0"),
])
def test_format_ids_refuses_what_does_not_fit(numbers, width, message):
    with pytest.raises(ValueError, match=message):
        format_ids("C", np.array(numbers), width)
    assert format_ids("C", np.array([], dtype=np.int64), 5).tolist() == []


def serial_ids(prefix: str, block: int, positions, digits: int, block_digits: int = 4
               ) -> list[str]:
    """The reference: prefix, the zero-padded block, the zero-padded serial number."""
    return python_ids(f"{prefix}{block:0{block_digits}d}", np.asarray(positions) + 1, digits)


@PROPERTY
@given(block=st.integers(0, 1_200_000), block_digits=st.sampled_from([1, 4, 4, 5, 6, 7]),
       first=st.integers(0, 10**9), n=st.integers(0, 60),
       digits=st.sampled_from([1, 2, 4, 5, 6, 8, 9, 10, 11]),
       step=st.sampled_from([1, 1, 2, 3]), shuffle=st.booleans(),
       prefix=st.sampled_from(["", "S", "SA", "TFX"]))
def test_block_serials_are_format_ids(kernel_sizes, block, block_digits, first, n, digits,
                                      step, shuffle, prefix):
    positions = first % 10**digits + np.arange(n) * step
    if shuffle:
        positions = np.random.default_rng(first).permutation(positions)
    if block >= 10**block_digits:  # the block number does not fit its digits
        with pytest.raises(ValueError, match=f"block numbers need 0 <= block < 10\\*\\*"
                                             f"{block_digits}; got {block}"):
            block_serials(prefix, block, positions, digits, block_digits=block_digits)
        return
    if n and positions.max() + 1 >= 10**digits:  # a serial number too long
        with pytest.raises(ValueError, match=f"serial numbers need 0 <= position < "
                                             f"10\\*\\*{digits} - 1"):
            block_serials(prefix, block, positions, digits, block_digits=block_digits)
        return
    want = serial_ids(prefix, block, positions, digits, block_digits)
    assert block_serials(prefix, block, positions, digits,
                         block_digits=block_digits).to_pylist() == want
    if block_digits == 4 and block * 10**digits + 10**digits < 2**63:  # the old formula
        assert want == python_ids(prefix, block * 10**digits + positions + 1, 4 + digits)


@pytest.mark.parametrize(("positions", "block", "block_digits"), [
    ([9_998, 9_999, 10_000, 10_001], 3, 4),  # serials across a ten-thousand boundary
    ([0, 2, 1, 3], 3, 4),  # first and last look consecutive, the middle does not
    ([5], 9_999, 4),
    ([5], 10_000, 5),  # more than 10,000 blocks: a fifth block digit
    ([7, 3], 123_456_789, 11),  # a block number past what int64 arithmetic would hold
    ([], 3, 4),
    ([10**6 - 2], 3, 4),  # the last serial that fits six digits
])
def test_block_serials_on_each_way(positions, block, block_digits):
    positions = np.array(positions, dtype=np.int64)
    want = serial_ids("SA", block, positions, 6, block_digits)
    assert block_serials("SA", block, positions, 6,
                         block_digits=block_digits).to_pylist() == want


@pytest.mark.parametrize(("block", "positions", "digits", "block_digits", "message"), [
    (3, [-2], 6, 4, r"serial numbers need 0 <= position < 10\*\*6 - 1; got -2..-2"),
    (3, [5, 10**6 - 1], 6, 4, r"serial numbers need 0 <= position < 10\*\*6 - 1; got 5"),
    (10_000, [0, 1], 6, 4, r"block numbers need 0 <= block < 10\*\*4; got 10000"),
    (-1, [0, 1], 6, 4, r"block numbers need 0 <= block < 10\*\*4; got -1"),
    (3, [1], 0, 4, "serial numbers need at least one digit; got 0"),
    (3, [1], 6, 0, "block numbers need at least one digit; got 0"),
])
def test_block_serials_refuse_what_does_not_fit(block, positions, digits, block_digits,
                                                message):
    with pytest.raises(ValueError, match=message):
        block_serials("SA", block, np.array(positions), digits, block_digits=block_digits)


@LARGE
@given(block=st.integers(0, 9_999), start=st.integers(0, 10**8 - BIG - 1),
       kernel_sizes=st.just(None))
def test_block_serials_on_20000_rows(block, start, kernel_sizes):
    positions = start + np.arange(BIG)
    want = python_ids("K", block * 10**8 + positions + 1, 12)
    assert block_serials("K", block, positions, 8).to_pylist() == want
    assert block_serials("K", block, positions[::-1], 8).to_pylist() == want[::-1]


def test_serial_digits_grow_past_the_least():
    assert [serial_digits(n) for n in (0, 1, 99_999_999, 10**8, 10**10)] == [8, 8, 8, 9, 11]
    assert [serial_digits(n, 6) for n in (999_999, 10**6)] == [6, 7]


@PROPERTY
@given(block=st.integers(0, 110_000), block_digits=st.sampled_from([4, 4, 5, 6]),
       n=st.integers(0, 40), big=st.booleans(), data=st.data())
def test_event_ids_number_events_of_a_block(kernel_sizes, block, block_digits, n, big, data):
    # ``big``: a block numbering 10**8 events or more (nine or ten serial digits),
    # looked at through a few of its positions
    total = data.draw(st.integers(10**8 - 5, 2 * 10**9)) if big else n
    rows = (data.draw(st.lists(st.integers(0, total - 1), max_size=30)) if big or
            data.draw(st.booleans()) and total else None)
    positions = np.arange(total) if rows is None else np.array(rows, np.int64)
    if block >= 10**block_digits:
        with pytest.raises(ValueError, match="block numbers need 0 <= block"):
            event_ids("T", block, total, rows=rows, block_digits=block_digits)
        return
    want = serial_ids("T", block, positions, serial_digits(total), block_digits)
    got = event_ids("T", block, total, rows=None if rows is None else np.array(rows, np.int64),
                    block_digits=block_digits)
    assert got.tolist() == want
    if rows is None and block_digits == 4:
        assert want == python_ids("T", block * 10**8 + positions + 1, 12)  # the old ids


@pytest.mark.parametrize(("n", "rows", "message"), [
    (-1, None, "a block numbers n >= 0 events; got -1"),
    (5, [0, 5], r"event positions must be in \[0, 5\); got 0..5"),
    (5, [-1], r"event positions must be in \[0, 5\); got -1..-1"),
])
def test_event_ids_refuse_positions_outside_the_numbering(n, rows, message):
    with pytest.raises(ValueError, match=message):
        event_ids("T", 3, n, rows=None if rows is None else np.array(rows))


def test_event_ids_on_20000_rows(kernel_sizes):
    assert event_ids("N", 42, BIG).tolist() == python_ids("N", 42 * 10**8 + np.arange(1, BIG + 1),
                                                            12)
