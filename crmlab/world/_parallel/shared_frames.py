"""Hand DataFrames from one process to another through shared memory, without pickling
their data (internal; used by :mod:`crmlab.world._parallel.block_workers`).

A worker writes every column's raw buffers into a shared-memory file (a Linux
``memfd``) and sends only a small :class:`FrameLayout` per table through a pipe. The
main process maps the file and rebuilds each table on top of the mapping, copying
nothing: numpy columns (numbers, booleans, ``datetime64``, the codes of categoricals)
become read-only views, Arrow string columns are built on the mapped buffers.

Each table's numpy buffers come first, from a page boundary, and its Arrow buffers
after them, from the next page boundary. Assembling the world copies every numpy column
into the world's own tables (:mod:`crmlab.world._parallel.assembly`), so
:meth:`SharedFile.release` then gives those pages back while the rest of the world is
still being made: the main process holds the world once, not the world plus everything
the workers made. Arrow chunks are kept as they are, so the string buffers stay in the
mapping and live exactly as long as the world's columns that use them.

Pickling the same tables instead costs more than generating a quarter of them, because
pandas combines every Arrow column's chunks into a new array before pickling it.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._kernels import column_arrays, column_kind, numpy_data
from .._kernels import frame as build_frame

__all__ = ["FrameLayout", "SharedFile", "write_frames"]

#: Every buffer starts on a 64-byte boundary (Arrow's alignment; more than numpy needs).
ALIGN = 64
PAGE = mmap.PAGESIZE


def _round_up(n: int, to: int) -> int:
    return -(-n // to) * to


@dataclass
class FrameLayout:
    """Where one table's columns lie in the shared file, and how to rebuild them."""

    nrows: int
    #: per column: (name, kind, spec); kind is "numpy", "categorical", "arrow" or "pickled"
    columns: list[tuple[str, str, Any]]
    #: [start, numpy_end): the numpy buffers, freed once the world is assembled
    start: int
    numpy_end: int
    #: end of the table's Arrow buffers, which stay in use
    end: int


class _Writer:
    """Appends buffers to a file descriptor at aligned offsets."""

    def __init__(self, fd: int, offset: int) -> None:
        self.fd, self.offset = fd, offset

    def put(self, data: memoryview) -> tuple[int, int]:
        data = data.cast("B") if data.format != "B" or data.ndim != 1 else data
        start = _round_up(self.offset, ALIGN)
        done = 0
        while done < len(data):  # os.pwrite may write less than asked for
            done += os.pwrite(self.fd, data[done:], start + done)
        self.offset = start + len(data)
        return start, len(data)


def _encode(w: _Writer, values: object, write_numpy: bool) -> tuple[str, Any] | None:
    """Write one column's buffers (numpy columns when ``write_numpy``, Arrow strings
    otherwise) and return its (kind, spec); None if it is not of that group."""
    kind, dtype = column_kind(values)
    if kind == "categorical" and write_numpy:
        codes = np.ascontiguousarray(values.codes)
        return kind, (dtype, codes.dtype.str, w.put(memoryview(codes)))
    if kind == "numpy" and write_numpy:
        array = np.ascontiguousarray(numpy_data(values))
        return kind, (array.dtype.str, w.put(memoryview(array.view(np.uint8))))
    if kind == "arrow" and not write_numpy:
        chunked = values.__arrow_array__()
        chunks = [(len(c), c.null_count, c.offset,
                   [None if b is None else w.put(memoryview(b)) for b in c.buffers()])
                  for c in chunked.chunks]
        return kind, (dtype, chunked.type, chunks)
    return None


def write_frames(fd: int, offset: int, frames: dict[str, pd.DataFrame]
                 ) -> tuple[dict[str, FrameLayout], int]:
    """Append tables to the shared file ``fd`` from ``offset``; return their layouts and
    the new end of the data.

    Tables whose index is not the default ``0..n-1`` travel pickled whole.
    """
    layouts: dict[str, FrameLayout] = {}
    for name, frame in frames.items():
        start = _round_up(offset, PAGE)
        w = _Writer(fd, start)
        if not (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
                and frame.index.step == 1 and frame.columns.is_unique):
            layouts[name] = FrameLayout(len(frame), [("", "frame", frame)], start, start, start)
            continue
        arrays = column_arrays(frame)
        numpy_parts = [_encode(w, values, True) for values in arrays]
        numpy_end = w.offset
        w.offset = _round_up(numpy_end, PAGE)  # Arrow buffers on pages of their own
        columns = []
        for col, values, part in zip(frame.columns, arrays, numpy_parts, strict=True):
            part = part or _encode(w, values, False) or ("pickled", frame[col])
            columns.append((col, *part))
        offset = w.offset
        layouts[name] = FrameLayout(len(frame), columns, start, numpy_end, offset)
    return layouts, offset


class SharedFile:
    """A shared-memory file one worker writes and the main process reads.

    Make it before forking the worker (which inherits ``fd``); the main process maps it
    on the first :meth:`read`. ``reserve`` bytes are mapped: tables past that end are
    not readable (:meth:`holds` says so) and must be made again.
    """

    def __init__(self, name: str, reserve: int) -> None:
        self.fd = os.memfd_create(name)
        self.reserve = _round_up(max(reserve, PAGE), PAGE)
        os.ftruncate(self.fd, self.reserve)  # sparse: no memory until written
        self._view: memoryview | None = None

    def holds(self, layout: FrameLayout) -> bool:
        """True if the table lies inside the mapped part of the file."""
        return layout.end <= self.reserve

    def _mapped(self) -> memoryview:
        if self._view is None:
            mapping = mmap.mmap(self.fd, self.reserve, flags=mmap.MAP_SHARED,
                                prot=mmap.PROT_READ)
            self._view = memoryview(mapping)
        return self._view

    def read(self, layout: FrameLayout) -> pd.DataFrame:
        """Rebuild one table on the mapping (nothing is copied)."""
        if layout.columns and layout.columns[0][1] == "frame":
            return layout.columns[0][2]
        view = self._mapped()
        data = {name: _decode_column(view, kind, spec) for name, kind, spec in layout.columns}
        if not data:
            return pd.DataFrame(index=pd.RangeIndex(layout.nrows))
        return build_frame(data)

    def release(self, layout: FrameLayout) -> None:
        """Give one table's numpy pages back to the system; nothing may still use them."""
        if self._view is not None and layout.numpy_end > layout.start:
            self._view.obj.madvise(mmap.MADV_REMOVE, layout.start,
                                   _round_up(layout.numpy_end, PAGE) - layout.start)

    def close(self) -> None:
        """Close the file; the mapping (and the Arrow strings on it) stays while used."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _decode_column(view: memoryview, kind: str, spec: Any):
    if kind == "numpy":
        dtype, (at, size) = spec
        return np.frombuffer(view[at:at + size], dtype=np.dtype(dtype))
    if kind == "categorical":
        dtype, codes_dtype, (at, size) = spec
        codes = np.frombuffer(view[at:at + size], dtype=np.dtype(codes_dtype))
        return pd.Categorical.from_codes(codes, dtype=dtype)
    if kind == "arrow":
        dtype, arrow_type, chunks = spec
        arrays = [pa.Array.from_buffers(
            arrow_type, length,
            [None if b is None else pa.py_buffer(view[b[0]:b[0] + b[1]]) for b in bufs],
            null_count, offset) for length, null_count, offset, bufs in chunks]
        return pd.arrays.ArrowStringArray(pa.chunked_array(arrays, type=arrow_type),
                                          dtype=dtype)
    return spec  # "pickled": the Series itself
