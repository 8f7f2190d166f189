"""One build at a time per warehouse file: a lock file beside it, held with ``flock``.

Two builds of the same DuckDB file would each write their own temporary file and the
later rename would silently win; with the lock the second build stops at once with a
:class:`~crmlab.warehouse.errors.WarehouseError` naming the file and the process that
holds it. The lock file (``.crmlab-lock-<name>``) is removed when the build ends;
a lock left by a killed build is free again (the kernel releases ``flock`` locks of dead
processes), so nothing ever needs cleaning by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import WarehouseError

__all__ = ["build_lock", "lock_path"]


def lock_path(path: Path) -> Path:
    """The lock file of the warehouse file ``path``.

    Examples
    --------
    >>> lock_path(Path("/data/crm.duckdb"))
    PosixPath('/data/.crmlab-lock-crm.duckdb')
    """
    return path.with_name(f".crmlab-lock-{path.name}")


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
    except OSError:  # pragma: no cover - reading our own open file
        text = ""
    return f"process {text}" if text.isdigit() else "another process"


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold the build lock of the warehouse file ``path`` (its folder must exist).

    Raises
    ------
    WarehouseError
        Another build (in this or another process) holds it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = Path(folder) / "crm.duckdb"
    ...     with build_lock(target):
    ...         with build_lock(target):
    ...             pass
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: another crmlab build of .../crm.duckdb is running (process ...); wait until it has finished, then build again
    """  # noqa: E501
    import fcntl  # POSIX

    lock = lock_path(path)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise WarehouseError(f"cannot create the build lock {lock}: "
                                 f"{exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise WarehouseError(f"another crmlab build of {path} is running ({holder}); "
                                 "wait until it has finished, then build again") from None
        # a build that just finished removes its lock file: make sure ours is still the
        # one at that path, or two builds could each hold a lock on a different file
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        try:
            lock.unlink()
        except FileNotFoundError:  # pragma: no cover - removed by hand
            pass
        os.close(fd)
