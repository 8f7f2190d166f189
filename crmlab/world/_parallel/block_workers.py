"""Make a world's blocks in several processes at once (internal; see :func:`make_world`).

Every block draws only from its own random streams, so any process can make any block
and the world does not depend on who made what: ``workers=4`` gives the same bytes as
``workers=1``. The main process starts ``workers - 1`` helpers and makes blocks itself
too. Each process takes the next block number from a pipe holding one token per block
(a helper that dies cannot hold a lock and stall the others). A helper writes each
finished block into its own shared-memory file and sends the block's small layout
through a pipe (:mod:`crmlab.world._parallel.shared_frames`). The main process adds
every block to the world's tables as soon as the blocks before it are in
(:mod:`crmlab.world._parallel.assembly`), between making blocks of its own: stacking the
tables is spread over the run and balanced with the helpers, instead of following it.

If a helper stops (killed, out of memory, an error), the main process makes the blocks
it did not deliver and warns; if the block fails again, the error is raised here with
its real traceback.

When helpers are forked, and when not
-------------------------------------
A forked child has only the thread that forked: a lock another thread held at that
moment stays locked in the child for ever, so forking a process that runs other threads
can deadlock the child. Helpers are therefore **forked only while the calling thread is
the only one running Python code** (:func:`python_threads`): a script, the ``crmlab``
command, a plain ``python`` session. Threads that never run Python code do not count:
the idle pools of OpenBLAS, Arrow and its jemalloc allocator do work only when this
thread gives them some (it is busy making the world), and those libraries set their
pools up again in a child (they register fork handlers).

With any other Python thread running (a Jupyter kernel runs eight of its own; Dask's
threaded scheduler, a user's thread, a progress bar's monitor), helpers are **fresh
interpreters** instead, started by fork and exec, which is safe whatever the threads:
they import crmlab, read the world-wide tables and take blocks like forked helpers.
Starting one costs about half a second, so this process first makes a block itself and
starts them only if the blocks left would keep it busy for :data:`FRESH_WORTH_SECONDS`
or more; otherwise it makes every block itself, one after another.

Helpers need Linux (``os.memfd_create``); elsewhere, inside a daemonic process (a
``multiprocessing`` pool worker: its pool already keeps the cores busy) and under an
address-space cap, the blocks are made one after another in this process.

Helpers die with their parent
-----------------------------
Each helper asks the kernel to kill it when its parent dies (``PR_SET_PDEATHSIG``,
however the parent dies: SIGKILL, the OOM killer, a Jupyter restart), checks that its
parent is still there before each block, and holds no pipe end it does not use (a
forked helper closes the read ends it inherited, its own and the other helpers', and
the other helpers' shared files), so a helper never waits on a pipe only it could
empty. Helpers are named ``crmlab-blocks``
in ``ps`` and ``top``.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

import pandas as pd

from ..config import WorldConfig
from ..pipeline import BlockOutput, generate_block
from ..processes._block import WorldTables
from .assembly import WorldAssembler
from .shared_frames import SharedFile, write_frames

__all__ = [
    "FRESH_WORTH_SECONDS", "HELPER_NAME", "available_cores", "can_fork", "helper_start",
    "make_blocks", "python_threads", "resolve_workers",
]

_TOKEN = struct.Struct("<I")
#: Address space mapped per helper for the blocks it hands back, per customer of the
#: world: about 25 times what a customer's tables take in a 3-year world. Only what is
#: written uses memory; a block past the end is made again by the main process.
_RESERVE_PER_CUSTOMER = 64 * 1024
#: A helper's process name (``/proc/<pid>/comm``, what ``ps`` and ``top`` show).
HELPER_NAME = "crmlab-blocks"
#: Fresh-interpreter helpers (see the module notes) are started only if the blocks left
#: after this process's first one would take it at least this long alone: starting one
#: (importing crmlab, reading the world-wide tables) takes about half a second.
FRESH_WORTH_SECONDS = 2.0
#: The first message of a helper, sent just before it takes its first block.
_READY = "ready"


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where helpers can be started and hand blocks back through shared memory:
    Linux, not inside a daemonic process, and no cap on this process's address space
    (a sandbox's ``RLIMIT_AS``) that the shared mappings could run into."""
    if not (hasattr(os, "fork") and hasattr(os, "memfd_create")):
        return False
    import resource

    return (not mp.current_process().daemon
            and resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY)


def python_threads() -> int:
    """Threads of this process that run Python code, the calling one included.

    Counts every thread with a Python frame (also those started with ``_thread`` or
    from C, which :mod:`threading` does not list) and every thread :mod:`threading`
    knows, whichever is more. Threads of native pools (BLAS, Arrow, jemalloc) that
    never ran Python code are not counted.

    Examples
    --------
    >>> python_threads() >= 1
    True
    """
    current = getattr(sys, "_current_frames", None)
    with_frames = len(current()) if current is not None else 1
    return max(with_frames, threading.active_count())


def helper_start() -> str:
    """How helpers start in this process right now: ``"fork"`` (the calling thread is
    the only Python thread) or ``"fresh"`` (fresh interpreters; see the module notes).

    Examples
    --------
    >>> helper_start() in ("fork", "fresh")
    True
    """
    return "fork" if python_threads() == 1 else "fresh"


def resolve_workers(workers: int | None, n_blocks: int) -> int:
    """How many processes may make blocks: ``workers`` (checked), or every available
    core, never more than there are blocks, and 1 where helpers are not possible.

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
    import fcntl  # Linux (only called where helpers can be started)

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


# --- dying with the parent -------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


def _load_prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` (Linux), looked up before forking: a forked child calls it
    without going through the dynamic loader."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.restype = ctypes.c_int
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                      ctypes.c_ulong]
    return prctl


def _die_with_parent(prctl: Callable[..., int] | None, parent: int) -> None:
    """Have the kernel kill this helper when its parent dies, name it, and exit now if
    the parent is already gone (it may have died before the request was made)."""
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        name = ctypes.create_string_buffer(HELPER_NAME.encode())
        prctl(_PR_SET_NAME, ctypes.addressof(name), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


# --- the helpers -----------------------------------------------------------------------

def _helper(config: WorldConfig, seed: int, wt: WorldTables, tokens: int, conn: Connection,
            fd: int, parent: int) -> None:
    """A helper's life: make blocks until none are left, write each into ``fd`` and send
    its layout, then exit; any failure, or the parent's death, ends the helper (the main
    process redoes its undelivered blocks). Never returns."""
    try:
        end = 0
        conn.send(_READY)  # before the first token: a helper not ready holds no block
        while os.getppid() == parent and (b := _next_block(tokens)) is not None:
            frames = generate_block(config, seed, b, wt).frames()
            layouts, end = write_frames(fd, end, frames)
            del frames
            conn.send((b, layouts))
        conn.send(None)
    except BaseException:
        os._exit(1)
    os._exit(0)


def _forked_helper(config: WorldConfig, seed: int, wt: WorldTables, tokens: int,
                   conn: Connection, fd: int, parent: int, prctl: Callable[..., int] | None,
                   not_mine: list[Any]) -> None:
    """A forked helper: close what it inherited but must not hold (the read end of its
    own pipe, the other helpers' pipe ends and shared files), then :func:`_helper`."""
    try:
        _die_with_parent(prctl, parent)
        for thing in not_mine:
            thing.close()
    except BaseException:
        os._exit(1)
    _helper(config, seed, wt, tokens, conn, fd, parent)


#: What a fresh-interpreter helper runs: it leaves Ctrl-C to its parent (which stops its
#: helpers), reads the parent's ``sys.path`` from its start-up file (so that it imports
#: the same crmlab), then the rest of the file (see :func:`_fresh_helper_main`).
_FRESH_BOOT = (
    "import os, pickle, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "setup = os.fdopen(int(sys.argv[1]), 'rb')\n"
    "sys.path[:] = pickle.load(setup)\n"
    "from crmlab.world._parallel.block_workers import _fresh_helper_main\n"
    "_fresh_helper_main(setup)\n"
)


def _fresh_helper_main(setup: Any) -> None:
    """A fresh-interpreter helper: read the rest of its start-up file (the world's
    config, seed and world-wide tables, then its file descriptors and its parent's
    pid), build the locale's name pools and run :func:`_helper`."""
    try:
        config, seed, wt = pickle.load(setup)
        tokens, conn_fd, fd, parent = pickle.load(setup)
        setup.close()
        _die_with_parent(_load_prctl(), parent)
        from ..locales import pools

        pools(config.locale)
        conn = Connection(conn_fd, readable=False)
    except BaseException:
        os._exit(1)
    _helper(config, seed, wt, tokens, conn, fd, parent)


class _Process(Protocol):
    name: str

    @property
    def exitcode(self) -> int | None: ...
    def is_alive(self) -> bool: ...
    def kill(self) -> None: ...
    def join(self) -> None: ...


class _ForkedProcess:
    """A forked helper (``os.fork``, not ``multiprocessing``, whose bookkeeping pipes
    every later child would inherit): its exit code is ``-signal`` if a signal ended it,
    as ``mp.Process.exitcode`` and ``Popen.returncode`` are."""

    def __init__(self, pid: int, name: str) -> None:
        self.pid, self.name = pid, name
        self._code: int | None = None

    def _reap(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped by someone else (a SIGCHLD handler)
            self._code = 1
            return
        if pid:
            self._code = os.waitstatus_to_exitcode(status)

    @property
    def exitcode(self) -> int | None:
        if self._code is None:
            self._reap(os.WNOHANG)
        return self._code

    def is_alive(self) -> bool:
        return self.exitcode is None

    def kill(self) -> None:
        if self._code is None:  # not reaped: the pid is still this helper's
            os.kill(self.pid, signal.SIGKILL)

    def join(self) -> None:
        if self._code is None:
            self._reap(0)


class _FreshProcess:
    """A fresh-interpreter helper, with the same interface as :class:`_ForkedProcess`."""

    def __init__(self, popen: subprocess.Popen, name: str) -> None:
        self.popen, self.name = popen, name

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        self.popen.kill()

    def join(self) -> None:
        self.popen.wait()


@dataclass
class _Helper:
    process: _Process
    conn: Connection
    shared: SharedFile
    ready: bool = False  # sent its first message: it may hold a block from now on
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
            if isinstance(message, str):  # _READY: its first block may have come too
                helper.ready = True
                if not conn.poll(0):
                    continue
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


def _describe_exit(process: _Process) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        return f"was killed by signal {signal.Signals(-code).name}"
    return f"stopped with exit code {code}"


def _start_helpers(config: WorldConfig, seed: int, wt: WorldTables, count: int,
                   tokens: int, how: str) -> list[_Helper]:
    """Start up to ``count`` helpers, forked or fresh (fewer if the system refuses more
    processes)."""
    reserve = config.n_customers * _RESERVE_PER_CUSTOMER
    parent = os.getpid()
    prctl = _load_prctl()
    setup = pickle.dumps((config, seed, wt), protocol=pickle.HIGHEST_PROTOCOL) \
        if how == "fresh" else b""
    helpers: list[_Helper] = []
    for k in range(count):
        name = f"{HELPER_NAME}-{k}"
        shared = SharedFile(name, reserve)
        receiver, sender = mp.Pipe(duplex=False)
        try:
            if how == "fork":
                process = _fork(name, (config, seed, wt, tokens, sender, shared.fd, parent,
                                       prctl, [receiver, *_held(helpers)]))
            else:
                process = _spawn_fresh(name, setup, tokens, sender.fileno(), shared.fd, parent)
        except OSError:  # out of processes (a sandbox's RLIMIT_NPROC): fewer helpers
            shared.close()
            receiver.close()
            sender.close()
            break
        sender.close()
        helpers.append(_Helper(process, receiver, shared))
    return helpers


def _held(helpers: list[_Helper]) -> list[Any]:
    """What this process holds for its helpers: their pipes' read ends and files."""
    return [thing for h in helpers for thing in (h.conn, h.shared)]


def _fork(name: str, args: tuple) -> _ForkedProcess:
    pid = os.fork()
    if pid == 0:  # the helper: never returns into the caller's frames
        code = 1
        try:
            _forked_helper(*args)
            code = 0
        finally:
            os._exit(code)
    return _ForkedProcess(pid, name)


def _spawn_fresh(name: str, setup: bytes, tokens: int, conn: int, fd: int, parent: int
                 ) -> _FreshProcess:
    """Start a fresh-interpreter helper; its start-up file is a memfd (written at once,
    so this process never waits for the helper to read it)."""
    start = os.memfd_create(f"{name}-setup")
    try:
        with os.fdopen(os.dup(start), "wb") as f:
            pickle.dump(list(sys.path), f)
            f.write(setup)
            pickle.dump((tokens, conn, fd, parent), f)
        os.lseek(start, 0, os.SEEK_SET)
        popen = subprocess.Popen([sys.executable, "-c", _FRESH_BOOT, str(start)],
                                 stdin=subprocess.DEVNULL, pass_fds=(start, tokens, conn, fd))
    finally:
        os.close(start)
    return _FreshProcess(popen, name)


def make_blocks(config: WorldConfig, seed: int, wt: WorldTables, workers: int,
                on_block: Callable[[], None],
                on_start: Callable[[], None] | None = None) -> dict[str, pd.DataFrame]:
    """Make every block of a world with ``workers`` processes (this one included) and
    stack them into the world's tables (``customers``, ``silos/sales``,
    ``truth/contacts``, ...; see :meth:`BlockOutput.frames`).

    ``on_start`` is called once forked helpers, if any, are running (so that it may
    start threads), ``on_block`` once per finished block, both in this process.
    """
    n = config.n_blocks
    world = WorldAssembler(n)
    tokens = _token_pipe(n) if workers > 1 else None
    if tokens is None:
        if on_start is not None:
            on_start()
        for b in range(n):
            world.add(b, generate_block(config, seed, b, wt))
            on_block()
        return world.frames()

    from ..locales import pools

    pools(config.locale)  # build the name pools once, before forked helpers inherit them
    helpers: list[_Helper] = []
    made: set[int] = set()
    how = helper_start()
    try:
        if how == "fork":
            helpers = _start_helpers(config, seed, wt, workers - 1, tokens, how)
        if on_start is not None:
            on_start()
        while (b := _next_block(tokens)) is not None:
            began = time.perf_counter()
            world.add(b, generate_block(config, seed, b, wt))
            made.add(b)
            if how == "fresh" and len(made) == 1:
                left = (n - 1) * (time.perf_counter() - began)  # this process alone
                if left >= FRESH_WORTH_SECONDS:
                    helpers = _start_helpers(config, seed, wt, workers - 1, tokens, how)
            on_block()
            _receive(helpers, 0, world, on_block)
        # every block is taken: a helper that has not said it is ready holds none
        _receive(helpers, 0, world, on_block)
        for h in helpers:
            if not h.ready and not h.conn.closed:
                h.conn.close()
                h.finished = True
                h.process.kill()
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
