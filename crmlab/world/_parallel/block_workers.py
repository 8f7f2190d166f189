"""Make a world's blocks in several processes at once (internal; see :func:`make_world`).

Every block draws only from its own random streams, so any process can make any block
and the world does not depend on who made what: ``workers=4`` gives the same bytes as
``workers=1``. The main process forks ``workers - 1`` helpers and makes blocks itself
too. Each process takes the next block number from a pipe holding one token per block
(a helper that dies cannot hold a lock and stall the others). A helper writes each
finished block into its own shared-memory file and sends the block's small layout
through a pipe (:mod:`crmlab.world._parallel.shared_frames`). The main process adds every block
to the world's tables as soon as the blocks before it are in
(:mod:`crmlab.world._parallel.assembly`), between making blocks of its own: stacking the tables
is spread over the run and balanced with the helpers, instead of following it.

If a helper stops (killed, out of memory, an error), the main process makes the blocks
it did not deliver and warns; if the block fails again, the error is raised here with
its real traceback.

Forking needs Linux (``os.fork`` and ``os.memfd_create``); elsewhere, and inside a
daemonic process (a ``multiprocessing`` pool worker, which may not have children), the
blocks are made one after another in this process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

import pandas as pd

from ..config import WorldConfig
from ..pipeline import BlockOutput, generate_block
from ..processes._block import WorldTables
from .assembly import WorldAssembler
from .shared_frames import SharedFile, write_frames

__all__ = ["available_cores", "make_blocks", "resolve_workers"]

_TOKEN = struct.Struct("<I")
#: Address space mapped per helper for the blocks it hands back, per customer of the
#: world: about 25 times what a customer's tables take in a 3-year world. Only what is
#: written uses memory; a block past the end is made again by the main process.
_RESERVE_PER_CUSTOMER = 64 * 1024


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where helpers can be forked and hand blocks back through shared memory:
    Linux, not inside a daemonic process, and no cap on this process's address space
    (a sandbox's ``RLIMIT_AS``) that the shared mappings could run into."""
    if not (hasattr(os, "fork") and hasattr(os, "memfd_create")):
        return False
    import resource

    return (not mp.current_process().daemon
            and resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY)


def resolve_workers(workers: int | None, n_blocks: int) -> int:
    """How many processes make blocks: ``workers`` (checked), or every available core,
    never more than there are blocks, and 1 where forking is not possible.

    Examples
    --------
    >>> resolve_workers(1, 10)
    1
    >>> resolve_workers(8, 2) <= 2
    True
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)):
        raise TypeError(f"workers must be a whole number >= 1 or None (every core); "
                        f"got {type(workers).__name__} {workers!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be a whole number >= 1 or None (every core); "
                         f"got {workers}")
    wanted = available_cores() if workers is None else workers
    if wanted < 2 or n_blocks < 2 or not can_fork():
        return 1
    return min(wanted, n_blocks)


def _token_pipe(n: int) -> int | None:
    """A pipe holding the block numbers ``0..n-1`` (4 bytes each), write end closed;
    None if the pipe cannot hold them all (a pipe holds 64 KiB, 16,384 blocks, unless
    the system is short of pipe memory)."""
    import fcntl  # Linux (only called where helpers can be forked)

    read_end, write_end = os.pipe()
    try:
        size = _TOKEN.size * n
        if fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ) < size:
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, size)
        os.write(write_end, b"".join(_TOKEN.pack(b) for b in range(n)))
    except OSError:  # the system will not give the pipe that much room
        os.close(read_end)
        return None
    finally:
        os.close(write_end)  # readers see the end of the pipe once every token is taken
    return read_end


def _next_block(tokens: int) -> int | None:
    """The next block number nobody has taken yet, or None when all are taken."""
    data = os.read(tokens, _TOKEN.size)
    return _TOKEN.unpack(data)[0] if data else None


def _helper(config: WorldConfig, seed: int, wt: WorldTables, tokens: int, conn: Connection,
            fd: int) -> None:
    """A forked helper's life: make blocks until none are left, write each into ``fd``
    and send its layout; any failure ends the helper (the main process redoes its
    undelivered blocks)."""
    try:
        end = 0
        while (b := _next_block(tokens)) is not None:
            frames = generate_block(config, seed, b, wt).frames()
            layouts, end = write_frames(fd, end, frames)
            del frames
            conn.send((b, layouts))
        conn.send(None)
    except BaseException:
        os._exit(1)


@dataclass
class _Helper:
    process: mp.Process
    conn: Connection
    shared: SharedFile
    finished: bool = False  # sent its last message


def _receive(helpers: list[_Helper], timeout: float | None, world: WorldAssembler,
             on_block: Callable[[], None]) -> None:
    """Take in what helpers have sent, waiting up to ``timeout`` (None: until one
    sends): each finished block is rebuilt on its helper's shared memory and handed to
    the assembler, which frees the block's numpy pages once it has copied them."""
    open_conns = {h.conn: h for h in helpers if not h.conn.closed}
    for conn in wait(list(open_conns), timeout):
        helper = open_conns[conn]
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the helper is gone
            conn.close()
            continue
        if message is None:
            helper.finished = True
            conn.close()
            continue
        b, layouts = message
        shared = helper.shared
        if not all(map(shared.holds, layouts.values())):
            continue  # past the mapped reserve: made again by the main process
        output = BlockOutput.from_frames({key: shared.read(layout)
                                          for key, layout in layouts.items()})

        def release(layouts=layouts, shared=shared) -> None:
            for layout in layouts.values():
                shared.release(layout)

        world.add(b, output, release)
        on_block()


def _describe_exit(process: mp.Process) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        import signal

        return f"was killed by signal {signal.Signals(-code).name}"
    return f"stopped with exit code {code}"


def _start_helpers(config: WorldConfig, seed: int, wt: WorldTables, count: int,
                   tokens: int) -> list[_Helper]:
    """Fork up to ``count`` helpers (fewer if the system refuses more processes)."""
    ctx = mp.get_context("fork")
    reserve = config.n_customers * _RESERVE_PER_CUSTOMER
    helpers: list[_Helper] = []
    for k in range(count):
        shared = SharedFile(f"crmlab-blocks-{k}", reserve)
        receiver, sender = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_helper, name=f"crmlab-blocks-{k}", daemon=True,
                              args=(config, seed, wt, tokens, sender, shared.fd))
        try:
            process.start()
        except OSError:  # out of processes (a sandbox's RLIMIT_NPROC): fewer helpers
            shared.close()
            receiver.close()
            sender.close()
            break
        sender.close()
        helpers.append(_Helper(process, receiver, shared))
    return helpers


def make_blocks(config: WorldConfig, seed: int, wt: WorldTables, workers: int,
                on_block: Callable[[], None]) -> dict[str, pd.DataFrame]:
    """Make every block of a world with ``workers`` processes (this one included) and
    stack them into the world's tables (``customers``, ``silos/sales``,
    ``truth/contacts``, ...; see :meth:`BlockOutput.frames`).

    ``on_block`` is called once per finished block, in this process.
    """
    n = config.n_blocks
    world = WorldAssembler(n)
    tokens = _token_pipe(n) if workers > 1 else None
    if tokens is None:
        for b in range(n):
            world.add(b, generate_block(config, seed, b, wt))
            on_block()
        return world.frames()

    from ..locales import pools

    pools(config.locale)  # build the name pools once, before the helpers inherit them
    helpers: list[_Helper] = []
    made: set[int] = set()
    try:
        helpers = _start_helpers(config, seed, wt, workers - 1, tokens)
        while (b := _next_block(tokens)) is not None:
            world.add(b, generate_block(config, seed, b, wt))
            made.add(b)
            on_block()
            _receive(helpers, 0, world, on_block)
        while any(not h.conn.closed for h in helpers):
            _receive(helpers, None, world, on_block)
        for h in helpers:
            h.process.join()
        missing = [b for b in range(world.added, n) if b not in made and not world.has(b)]
        if missing:
            stopped = "; ".join(f"{h.process.name} {_describe_exit(h.process)}"
                                for h in helpers if not h.finished) or "its blocks did " \
                "not fit in the shared memory reserved for them"
            warnings.warn(f"a helper process making world blocks stopped ({stopped}); "
                          f"making its {len(missing)} undelivered block(s) in this "
                          "process instead", RuntimeWarning, stacklevel=4)
            for b in missing:
                world.add(b, generate_block(config, seed, b, wt))
                on_block()
        return world.frames()
    finally:
        os.close(tokens)
        for h in helpers:
            if h.process.is_alive():
                h.process.kill()
                h.process.join()
            h.conn.close()
            h.shared.close()
