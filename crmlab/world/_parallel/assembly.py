"""Stack a world's blocks into its tables as the blocks arrive (internal).

``pd.concat`` at the end needs every block in memory at once and copies the whole world
after the last block is made, while the other cores wait. Here each block is added to
the growing tables as soon as every block before it has been added, and can be freed
straight away: the copying happens while blocks are still being made (so making blocks
on several cores spreads it out), and the peak memory is the world plus a few blocks.

The result is what ``pd.concat(blocks, ignore_index=True)`` gives: numpy columns (also
``datetime64`` and the codes of categoricals) are copied into buffers allocated once
with room for the whole world (guessed from the first block; pages never written cost
no memory, and the spare room is given back at the end), and Arrow string columns keep
one chunk per block. A table whose columns or dtypes differ between blocks (which the
generators never produce) falls back to ``pd.concat``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._kernels import column_arrays, column_kind, numpy_data
from .._kernels import frame as build_frame
from ..pipeline import BlockOutput

__all__ = ["WorldAssembler"]


class _Column:
    """One growing column."""

    def __init__(self, kind: str, dtype: Any) -> None:
        self.kind, self.dtype = kind, dtype
        self.buffer: np.ndarray | None = None  # numpy data or categorical codes
        self.chunks: list[pa.Array] = []

    def append(self, values: Any, start: int, expected_rows: int) -> None:
        """Add a block's values at row ``start``; ``expected_rows`` is a guess of the
        whole column's length, so the buffer is allocated about once."""
        if self.kind == "arrow":
            self.chunks.extend(values.__arrow_array__().chunks)
            return
        data = values.codes if self.kind == "categorical" else numpy_data(values)
        end = start + len(data)
        if self.buffer is None or end > len(self.buffer):
            # untouched pages of a large allocation cost no memory, so room for the
            # whole column costs nothing now and saves copying it as it grows
            grown = np.empty(max(end, expected_rows,
                                 0 if self.buffer is None else len(self.buffer) * 3 // 2),
                             dtype=data.dtype)
            if self.buffer is not None:
                grown[:start] = self.buffer[:start]
            self.buffer = grown
        self.buffer[start:end] = data

    def result(self, rows: int) -> Any:
        if self.kind == "arrow":
            arrow_type = pa.large_string() if not self.chunks else self.chunks[0].type
            return pd.arrays.ArrowStringArray(pa.chunked_array(self.chunks, type=arrow_type),
                                              dtype=self.dtype)
        data = self.buffer if self.buffer is not None else np.empty(0, self.dtype)
        if len(data) != rows:
            data.resize(rows, refcheck=False)  # shrinks in place: the spare room goes back
        if self.kind == "categorical":
            return pd.Categorical.from_codes(data, dtype=self.dtype, validate=False)
        return data


class _Table:
    """One table growing block by block."""

    def __init__(self, n_blocks: int) -> None:
        self.n_blocks = n_blocks
        self.blocks = 0
        self.names: list[Any] | None = None
        self.columns: list[_Column] = []
        self.rows = 0
        self.pieces: list[pd.DataFrame] | None = None  # after a fall back to pd.concat

    def _fits(self, frame: pd.DataFrame, arrays: list) -> bool:
        if not (isinstance(frame.index, pd.RangeIndex) and frame.columns.is_unique):
            return False
        if self.names is None:
            return True
        return list(frame.columns) == self.names and all(
            column_kind(values) == (col.kind, col.dtype)
            for values, col in zip(arrays, self.columns, strict=True))

    def append(self, frame: pd.DataFrame) -> None:
        arrays = column_arrays(frame)
        if self.pieces is None and not self._fits(frame, arrays):
            self.pieces = [self.result()] if self.names is not None else []
        if self.pieces is not None:
            # a deep copy: the block's memory may be given back once it is added
            self.pieces.append(frame.copy(deep=True))
            return
        if self.names is None:
            self.names = list(frame.columns)
            self.columns = [_Column(*column_kind(values)) for values in arrays]
            if any(col.kind == "other" for col in self.columns):
                self.names, self.columns = None, []
                self.pieces = [frame.copy(deep=True)]
                return
        # room for the rest of the world at this block's size, and a tenth more
        expected = self.rows + len(frame) * (self.n_blocks - self.blocks) * 11 // 10
        for values, col in zip(arrays, self.columns, strict=True):
            col.append(values, self.rows, expected)
        self.rows += len(frame)
        self.blocks += 1

    def result(self) -> pd.DataFrame:
        if self.pieces is not None:
            if len(self.pieces) == 1:
                return self.pieces[0].reset_index(drop=True)
            return pd.concat(self.pieces, ignore_index=True)
        if not self.columns:
            return pd.DataFrame(index=pd.RangeIndex(self.rows))
        return build_frame({name: col.result(self.rows)
                            for name, col in zip(self.names, self.columns, strict=True)})


class WorldAssembler:
    """Adds a world's blocks to its tables in block order, whatever order they come in.

    Parameters
    ----------
    n_blocks : int
        How many blocks the world has.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> from crmlab.world.pipeline import generate_block, world_tables
    >>> cfg = WorldConfig(n_customers=200, block_size=100)
    >>> wt = world_tables(cfg, 1)
    >>> asm = WorldAssembler(cfg.n_blocks)
    >>> for b in (1, 0):  # any order
    ...     asm.add(b, generate_block(cfg, 1, b, wt))
    >>> asm.frames()["customers"]["customer_id"].iloc[[0, -1]].tolist()
    ['C0000001', 'C0000200']
    """

    def __init__(self, n_blocks: int) -> None:
        self.n_blocks = n_blocks
        self.added = 0
        self._waiting: dict[int, tuple[BlockOutput, Callable[[], None] | None]] = {}
        self._tables: dict[str, _Table] = {}
        self._single: dict[str, pd.DataFrame] | None = None

    def add(self, block: int, output: BlockOutput,
            release: Callable[[], None] | None = None) -> None:
        """Take one block; it is added (and ``release()`` called, to free what the
        block's tables used) once every block before it has been added."""
        self._waiting[block] = (output, release)
        while self.added in self._waiting:
            out, release_block = self._waiting.pop(self.added)
            frames = out.frames()
            del out
            if self.n_blocks == 1:  # nothing to stack: keep the block's own tables
                self._single = {k: f.reset_index(drop=True) for k, f in frames.items()}
            else:
                for key, frame in frames.items():
                    self._tables.setdefault(key, _Table(self.n_blocks)).append(frame)
            del frames
            if release_block is not None:
                release_block()
            self.added += 1

    def has(self, block: int) -> bool:
        """True if ``block`` was given (added or waiting for the blocks before it)."""
        return block < self.added or block in self._waiting

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table of the world (``customers``, ``silos/sales``, ``truth/contacts``...)."""
        if self.added != self.n_blocks:
            missing = [b for b in range(self.n_blocks) if not self.has(b)]
            raise RuntimeError(f"{len(missing)} of {self.n_blocks} blocks are still "
                               f"missing: {missing[:10]}")
        if self._single is not None:
            return self._single
        return {key: table.result() for key, table in self._tables.items()}
