"""String columns of the world generators, built from Arrow buffers without Python objects.

Every text column is Arrow-backed (pandas' ``str`` dtype). Many of them hold strings
of one length (ids, phones, keys); those are handled as numpy byte matrices or
fixed-size records (``np.void`` items), which numpy gathers and writes several times
faster than Arrow's variable-length kernels, and turned back into Arrow strings over
the same bytes:

* :func:`fixed_width` views same-length Arrow strings as numpy records (no copy);
* :func:`fixed_strings` makes Arrow strings of a byte matrix or of records;
* :func:`glue_chars` and :func:`take_rows` assemble byte matrices;
* :func:`take` / :func:`take_strings` gather strings (through records when they
  have one length); :func:`format_ids` and :func:`event_ids` write ids digit by digit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .events import ROWS_PER_SLICE

__all__ = [
    "BLOCK_DIGITS", "EVENT_DIGITS", "STR", "arrow_strings", "block_serials",
    "event_ids", "fixed_strings", "fixed_width", "format_ids", "glue_chars", "join_strings",
    "number_strings", "serial_digits", "string_array", "strings", "take", "take_rows",
    "take_strings",
]

#: pandas' default ``str`` dtype (Arrow storage, NaN for missing), built once: looking
#: the name "str" up goes through every registered dtype, on every call.
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def string_array(values: pa.Array | pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    """A ``str`` column over Arrow strings (no copy), to build a frame from.

    Examples
    --------
    >>> string_array(pa.array(["a", "b"])).tolist()
    ['a', 'b']
    """
    return pd.arrays.ArrowStringArray(values, dtype=STR)


def strings(values: pa.Array | Sequence[str] | np.ndarray) -> pd.Series:
    """A pandas ``str`` Series (Arrow-backed) from Arrow or Python strings.

    Examples
    --------
    >>> str(strings(["a", "b"]).dtype), strings(["a", "b"]).dtype.storage
    ('str', 'pyarrow')
    """
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(np.asarray(values, dtype=object), type=pa.string())
    return pd.Series(string_array(values))


def arrow_strings(values: pd.Series) -> pa.Array:
    """The Arrow strings behind a ``str`` Series, as one large_string array.

    Examples
    --------
    >>> arrow_strings(strings(["a"])).type
    DataType(large_string)
    """
    array = pa.array(values.array)
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return array if array.type == pa.large_string() else pc.cast(array, pa.large_string())


def join_strings(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and literals (``sep`` between).

    Examples
    --------
    >>> join_strings(pa.array(["a", "b"]), "@", pa.array(["x", "y"])).to_pylist()
    ['a@x', 'b@y']
    """
    def arrow(part):
        if isinstance(part, str):
            return pa.scalar(part, pa.large_string())
        return part if part.type == pa.large_string() else pc.cast(part, pa.large_string())
    return pc.binary_join_element_wise(*map(arrow, parts), arrow(sep))


def number_strings(numbers: np.ndarray, width: int = 0) -> pa.Array:
    """Non-negative integers as Arrow strings, zero-padded to ``width`` like ``str.zfill``.

    Examples
    --------
    >>> number_strings(np.array([7, 1234]), 3).to_pylist()
    ['007', '1234']
    """
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.large_string())
    return pc.utf8_lpad(text, width, "0") if width else text


# --- strings of one length as numpy records ---------------------------------------

#: Offsets ``0, size, 2 size, ..`` of strings of one length, by (size, dtype); Arrow
#: buffers are immutable, so every array of such strings can share a prefix of one.
_OFFSETS: dict[tuple[int, type], np.ndarray] = {}
#: The longest offsets kept for sharing (8 MiB each); longer ones are made each time.
_MAX_SHARED_OFFSETS = 1 << 20


def _same_length_offsets(n: int, size: int, kind: type) -> pa.Buffer:
    """The offsets of ``n`` strings of ``size`` bytes each, as an Arrow buffer."""
    if n >= _MAX_SHARED_OFFSETS or kind is not np.int64:  # int32 ones could overflow
        return pa.py_buffer(np.arange(0, (n + 1) * size, size, dtype=kind))
    shared = _OFFSETS.get((size, kind))
    if shared is None or len(shared) <= n:
        length = min(max(2 * n, 1 << 16), _MAX_SHARED_OFFSETS)
        shared = np.arange(0, length * size, size, dtype=kind)
        shared.flags.writeable = False
        _OFFSETS[size, kind] = shared
    return pa.py_buffer(shared[:n + 1])


def _in_shared_offsets(offsets: np.ndarray, width: int) -> bool:
    """True if ``offsets`` lie in the shared offsets of strings of ``width`` bytes (so
    they step by ``width``): strings made by :func:`fixed_strings` in this process."""
    shared = _OFFSETS.get((width, offsets.dtype.type))
    if shared is None:
        return False
    start = offsets.ctypes.data - shared.ctypes.data
    return (0 <= start and start % shared.itemsize == 0
            and start + offsets.nbytes <= shared.nbytes)


def fixed_width(array: pa.Array) -> np.ndarray | None:
    """The strings of an Arrow string array as fixed-size numpy records (``np.void`` of
    their common length in bytes), a read-only view of the Arrow buffer; None unless
    there is at least one string, none is null and all have one non-zero length.

    ``.view(np.uint8).reshape(n, width)`` makes it a byte matrix.

    Examples
    --------
    >>> fixed_width(pa.array(["ab", "cd"])).view(np.uint8).reshape(2, 2).tolist()
    [[97, 98], [99, 100]]
    >>> fixed_width(pa.array(["ab", "c"])) is None
    True
    """
    n = len(array)
    if isinstance(array, pa.LargeStringArray):
        kind = np.int64
    elif isinstance(array, pa.StringArray):
        kind = np.int32
    else:
        return None
    if n == 0 or array.null_count:
        return None
    offsets = np.frombuffer(array.buffers()[1], dtype=kind, count=n + 1,
                            offset=array.offset * np.dtype(kind).itemsize)
    first = int(offsets[0])
    width = int(offsets[1]) - first
    # the total length rules out most mixed lengths before the look at every string,
    # which strings made here skip: their offsets are a piece of a shared range
    if (width == 0 or int(offsets[-1]) - first != n * width
            or not (_in_shared_offsets(offsets, width) or (np.diff(offsets) == width).all())):
        return None
    items = np.frombuffer(array.buffers()[2], dtype=np.dtype((np.void, width)), count=n,
                          offset=first)
    items.flags.writeable = False  # Arrow buffers are immutable, whoever allocated them
    return items


def fixed_strings(chars: np.ndarray, valid: np.ndarray | None = None, *,
                  large: bool = True) -> pa.Array:
    """Arrow strings over fixed-width bytes: an ``(n, width)`` uint8 matrix (UTF-8, one
    string a row) or ``n`` ``np.void`` records, as ``large_string`` (``string`` if not
    ``large``).

    With the boolean mask ``valid``, the strings fill the rows where it is True, in
    order, and the other rows are null.

    Examples
    --------
    >>> fixed_strings(np.frombuffer(b"abcd", np.uint8).reshape(2, 2)).to_pylist()
    ['ab', 'cd']
    >>> items = np.frombuffer(b"ab", np.dtype((np.void, 2)))
    >>> fixed_strings(items, np.array([False, True])).to_pylist()
    [None, 'ab']
    """
    if chars.dtype.kind == "V":
        n, width = len(chars), chars.dtype.itemsize
    else:
        n, width = chars.shape
    data = pa.py_buffer(np.ascontiguousarray(chars))
    kind, array = (np.int64, pa.LargeStringArray) if large else (np.int32, pa.StringArray)
    if valid is None or valid.all():
        return array.from_buffers(n, _same_length_offsets(n, width, kind), data)
    rows = len(valid)
    offsets = np.zeros(rows + 1, kind)
    np.cumsum(valid * width, out=offsets[1:])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return array.from_buffers(rows, pa.py_buffer(offsets), data, bitmap,
                              null_count=int(rows - n))


def glue_chars(*parts: bytes | np.ndarray) -> np.ndarray:
    """Rows of characters side by side: ``(n, w)`` byte matrices and literals (``bytes``,
    the same in every row).

    Each part goes into one field of a structured array, copied as one fixed-size item
    per row: several times faster than assigning narrow columns of a byte matrix.

    Examples
    --------
    >>> digits = np.frombuffer(b"1234", np.uint8).reshape(2, 2)
    >>> fixed_strings(glue_chars(b"#", digits)).to_pylist()
    ['#12', '#34']
    """
    n = next(len(p) for p in parts if isinstance(p, np.ndarray))
    widths = [len(p) if isinstance(p, bytes) else p.shape[1] for p in parts]
    rows = np.empty(n, dtype=[(f"f{i}", f"V{w}") for i, w in enumerate(widths) if w])
    for i, (part, width) in enumerate(zip(parts, widths, strict=True)):
        if width:
            rows[f"f{i}"] = (np.void(part) if isinstance(part, bytes) else
                             np.ascontiguousarray(part).view(f"V{width}").ravel())
    return rows.view(np.uint8).reshape(n, sum(widths))


def take_rows(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` for a 2-D byte matrix, taking each row as one item (a fancy
    index over short rows is several times slower).

    Examples
    --------
    >>> take_rows(np.array([[1, 2], [3, 4]], np.uint8), np.array([1, 1])).tolist()
    [[3, 4], [3, 4]]
    """
    width = table.shape[1]
    rows = np.ascontiguousarray(table).view(f"V{width}").ravel().take(index)
    return rows.view(np.uint8).reshape(len(index), width)


# --- gathering strings ---------------------------------------------------------------

def take(values: pa.Array | Sequence[str] | np.ndarray, index: np.ndarray) -> pa.Array:
    """``values[index]`` as Arrow strings (Python strings are made Arrow ``large_string``
    first), without a Python object per row.

    Strings of one length are gathered as numpy records (:func:`fixed_width`), about
    twice as fast as Arrow's take; anything else (mixed lengths, nulls, an index out of
    range) goes to ``pc.take``.

    Examples
    --------
    >>> take(pa.array(["ab", "cd"]), np.array([1, 0, 1])).to_pylist()
    ['cd', 'ab', 'cd']
    """
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.large_string())
    index = np.asarray(index, dtype=np.int64)
    items = fixed_width(values) if index.ndim == 1 and len(index) else None
    if items is None or index.min() < 0 or index.max() >= len(items):
        return pc.take(values, pa.array(index))
    return fixed_strings(np.take(items, index), large=isinstance(values, pa.LargeStringArray))


def take_strings(values: pd.Series, index: np.ndarray) -> pd.Series:
    """``values[index]`` for an Arrow-backed ``str`` Series (see :func:`take`).

    Examples
    --------
    >>> take_strings(strings(["C01", "C02"]), np.array([1, 1, 0])).tolist()
    ['C02', 'C02', 'C01']
    """
    array = pa.array(values.array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return strings(take(array, index))


# --- ids -----------------------------------------------------------------------------

#: The four ASCII digits of 0..9999, each packed in one uint32 (bytes in text order).
_FOUR_DIGITS = np.array([list(f"{i:04d}".encode()) for i in range(10_000)],
                        dtype=np.uint8).view(np.uint32).ravel()


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Zero-padded string ids such as ``C0000042``.

    The characters are written straight into an Arrow string buffer (every id has the
    same length), four digits at a time from a lookup table, so a million ids cost a
    few milliseconds and no Python objects. Numbers wider than ``width`` digits are an
    error.

    Examples
    --------
    >>> format_ids("C", np.array([1, 42]), 7).tolist()
    ['C0000001', 'C0000042']
    """
    if width < 1:
        raise ValueError(f"ids need a width of at least one digit; got {width}")
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and (numbers.min() < 0 or numbers.max() >= 10**width):
        raise ValueError(f"ids need 0 <= number < 10**{width}")
    return strings(_format_ids(prefix, numbers, width))


def _format_ids(prefix: str, numbers: np.ndarray, width: int, add: int = 0) -> pa.Array:
    """:func:`format_ids` of ``numbers + add`` (int64, known to fit) as Arrow strings,
    without the sum as a whole new array."""
    n = len(numbers)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    chars = np.empty((n, len(head) + width), dtype=np.uint8)
    # numbers of up to nine digits fit int32, whose division is about three times
    # faster than int64's (numbers are non-negative: the same quotients)
    kind = np.int32 if width <= 9 else np.int64
    for first in range(0, n, ROWS_PER_SLICE):
        rows = slice(first, first + ROWS_PER_SLICE)
        part = numbers[rows].astype(kind)  # a new array: the sum can go in place
        if add:
            part += add
        _write_digits(chars[rows], part, len(head), width)
    _fill_columns(chars, head)  # last: a short leading group may spill into it
    return fixed_strings(chars)


def _format_serials(prefix: str, first: int, n: int, width: int) -> pa.Array:
    """:func:`_format_ids` of the numbers ``first .. first + n - 1`` (known to fit),
    their digits made by :func:`_serial_quads`."""
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    chars = np.empty((n, len(head) + width), dtype=np.uint8)
    if n:
        _store_quads(chars, _serial_quads(first, n, -(-width // 4)), len(head), width)
    _fill_columns(chars, head)
    return fixed_strings(chars)


def _fill_columns(chars: np.ndarray, head: np.ndarray) -> None:
    """Write the bytes ``head`` at the start of every row of ``chars``, four at a time
    (a broadcast copy of a few bytes per row is several times slower).

    Each group is copied from a short array of the repeated value, a slice of rows at
    a time: numpy fills unaligned strided memory from a scalar several times slower
    than it copies an array there.
    """
    column = 0
    for size, kind in ((4, np.uint32), (2, np.uint16), (1, np.uint8)):
        while len(head) - column >= size:
            value = head[column:column + size].view(kind)[0]
            target = chars[:, column:column + size].view(kind)[:, 0]
            source = np.full(min(len(target), ROWS_PER_SLICE), value, dtype=kind)
            for first in range(0, len(target), ROWS_PER_SLICE):
                part = target[first:first + ROWS_PER_SLICE]
                part[...] = source[:len(part)]
            column += size


def _write_digits(chars: np.ndarray, numbers: np.ndarray, start: int, width: int) -> None:
    """Write ``numbers`` as ``width`` zero-padded digits into columns ``start:`` of the
    uint8 rows ``chars``, four digits per uint32 store from :data:`_FOUR_DIGITS`.

    The leading group of a width that is not a multiple of four is stored whole, so
    up to three bytes before ``start`` are overwritten (the caller writes its prefix
    afterwards); when there are not that many, the digits go through a padded buffer.
    """
    groups = -(-width // 4)  # at least one: ids have a digit or more
    quads = []  # least significant first; floor_divide by a constant is fast, divmod is not
    rest = numbers
    for _ in range(groups - 1):
        q = rest // 10_000
        low = q * 10_000
        np.subtract(rest, low, out=low)
        quads.append(_FOUR_DIGITS.take(low, mode="clip"))  # in range: clip skips checks
        rest = q
    quads.append(_FOUR_DIGITS.take(rest, mode="clip"))
    _store_quads(chars, quads, start, width)


def _serial_quads(first: int, n: int, groups: int) -> list[np.ndarray]:
    """The four-digit groups (least significant first, as :func:`_write_digits` makes
    them) of the consecutive numbers ``first .. first + n - 1``, without arithmetic
    per number: the lowest group cycles through the table, each higher group is a few
    runs of one value."""
    quads = [np.resize(np.roll(_FOUR_DIGITS, -(first % 10_000)), n)]
    for j in range(1, groups):
        period = 10_000**j
        low, high = first // period, (first + n - 1) // period
        values = _FOUR_DIGITS.take(np.arange(low, high + 1) % 10_000)
        counts = np.full(len(values), period, dtype=np.int64)
        counts[0] -= first % period
        counts[-1] -= (high + 1) * period - (first + n)
        quads.append(np.repeat(values, counts))
    return quads


def _store_quads(chars: np.ndarray, quads: list[np.ndarray], start: int, width: int
                 ) -> None:
    """Store the digit groups of :func:`_write_digits` into ``chars``."""
    spill = len(quads) * 4 - width
    if start < spill:
        padded = np.stack(quads[::-1], axis=1)
        chars[:, start:] = padded.view(np.uint8)[:, spill:]
        return
    end = start + width
    for g, quad in enumerate(quads):
        column = end - 4 * (g + 1)
        chars[:, column:column + 4].view(np.uint32)[:, 0] = quad


#: Digits of the block number in event ids and silo keys, unless a world has more
#: than 10,000 blocks (``WorldConfig.block_digits``).
BLOCK_DIGITS = 4
#: Digits of the serial number of a block's events, unless a block has 10**8 or more of
#: one kind (see :func:`serial_digits`).
EVENT_DIGITS = 8


def serial_digits(n: int, least: int = EVENT_DIGITS) -> int:
    """Digits of the serial numbers ``1..n``: ``least``, or as many as ``n`` needs.

    Examples
    --------
    >>> serial_digits(99_999_999), serial_digits(10**8), serial_digits(5, 6)
    (8, 9, 6)
    """
    return max(least, len(str(max(int(n), 0))))


def _block_head(prefix: str, block: int, digits: int) -> str:
    """``prefix`` and ``block`` as ``digits`` zero-padded digits (which must hold it)."""
    if digits < 1:
        raise ValueError(f"block numbers need at least one digit; got {digits}")
    if not 0 <= block < 10**digits:
        raise ValueError(f"block numbers need 0 <= block < 10**{digits}; got {block}")
    return f"{prefix}{block:0{digits}d}"


def event_ids(prefix: str, block: int, n: int, *, rows: np.ndarray | None = None,
              block_digits: int = BLOCK_DIGITS) -> pd.Series:
    """Ids of a block's events: prefix, the block number (``block_digits`` digits), then
    the event's serial number in :func:`serial_digits` of ``n`` digits (eight unless the
    block numbers 10**8 events or more): ``T000300000017``.

    Independent of every other block, so blocks can be made anywhere in any order; the
    width of the serials depends on the block's own count only, and every id of a block
    has the same length, so ids sort in block, then event order.
    Without ``rows`` the events ``1..n`` are numbered; ``rows`` gives the ids of chosen
    positions (0-based, below ``n``) of that numbering, for events that were dropped
    after being drawn.

    Examples
    --------
    >>> event_ids("T", 3, 2).tolist()
    ['T000300000001', 'T000300000002']
    >>> event_ids("T", 3, 9, rows=np.array([4])).tolist()
    ['T000300000005']
    >>> event_ids("T", 12_345, 1, block_digits=5).tolist()
    ['T1234500000001']
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"a block numbers n >= 0 events; got {n}")
    digits = serial_digits(n)
    if rows is None:  # serials 1..n: no arithmetic
        return strings(_format_serials(_block_head(prefix, block, block_digits), 1, n, digits))
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) and (rows.min() < 0 or rows.max() >= n):
        raise ValueError(f"event positions must be in [0, {n}); got "
                         f"{int(rows.min())}..{int(rows.max())}")
    return strings(block_serials(prefix, block, rows, digits, block_digits=block_digits))


def block_serials(prefix: str, block: int, positions: np.ndarray, digits: int, *,
                  block_digits: int = BLOCK_DIGITS) -> pa.Array:
    """Arrow ids ``prefix``, the ``block_digits``-digit ``block``, then the
    ``digits``-digit serial number ``position + 1`` of each position (as
    ``format_ids(prefix, block * 10**digits + positions + 1, block_digits + digits)``,
    without the arithmetic, so any number of digits fits): the block's digits are
    written once, as part of the prefix.

    Examples
    --------
    >>> block_serials("SA", 7, np.array([0, 41]), 6).to_pylist()
    ['SA0007000001', 'SA0007000042']
    """
    if digits < 1:
        raise ValueError(f"serial numbers need at least one digit; got {digits}")
    head = _block_head(prefix, block, block_digits)
    positions = np.asarray(positions, dtype=np.int64)
    if len(positions) and (positions.min() < 0 or positions.max() >= 10**digits - 1):
        raise ValueError(f"serial numbers need 0 <= position < 10**{digits} - 1; got "
                         f"{int(positions.min())}..{int(positions.max())}")
    if _consecutive(positions):
        return _format_serials(head, int(positions[0]) + 1, len(positions), digits)
    return _format_ids(head, positions, digits, add=1)


def _consecutive(positions: np.ndarray) -> bool:
    """True if ``positions`` are ``k, k + 1, ..`` (a look at every one only when the
    first and last allow it)."""
    n = len(positions)
    return bool(n and int(positions[-1]) - int(positions[0]) == n - 1
                and (positions[1:] > positions[:-1]).all())
