"""Helpers die with their parent, however it dies (issue 14, "orphaned helpers").

A child process makes a world with helpers and is killed outright (SIGKILL, as the OOM
killer or a Jupyter restart that does not wait would do) while the helpers are making
blocks; no helper may survive it, and no shared-memory file may stay behind. Before the
kill, no helper may hold the read end of a pipe that a helper writes to (a helper that
does can wait for ever on a pipe only it could empty).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import crmlab as crm
from crmlab.world._parallel import block_workers

pytestmark = pytest.mark.skipif(not block_workers.can_fork(),
                                reason="block helpers need Linux (memfd)")

#: How long a helper may take to notice its parent's death, and the child to start.
DEADLINE = 60.0

CHILD = textwrap.dedent("""
    import sys, threading
    import crmlab as crm
    from crmlab.world._parallel import block_workers

    if sys.argv[1] == "fresh":  # another Python thread: helpers are fresh interpreters
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        block_workers.FRESH_WORTH_SECONDS = 0.0

    def progress(done, total):  # stop taking in blocks: the helpers go on, then wait
        threading.Event().wait()

    crm.make_world("tiny", seed=1, n_customers=100_000, block_size=1_000, workers=3,
                   progress=progress)
""")


def _env() -> dict[str, str]:
    root = str(Path(crm.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}


def _stat(pid: int) -> tuple[str, str, int] | None:
    """(name, state, parent pid) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            head, rest = f.read().rsplit(")", 1)
    except OSError:
        return None
    fields = rest.split()
    return head.split("(", 1)[1], fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    """True while the process runs (an exited one waiting to be reaped does not)."""
    stat = _stat(pid)
    return stat is not None and stat[1] not in ("Z", "X")


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _children(parent: int) -> list[int]:
    return [pid for pid in _pids() if (s := _stat(pid)) is not None and s[2] == parent]


def _descendants(root: int) -> set[int]:
    found, todo = set(), [root]
    while todo:
        for pid in _children(todo.pop()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def _open_files(pid: int) -> dict[int, tuple[str, int, int]]:
    """fd -> (link target, inode, access mode: 0 read, 1 write, 2 both)."""
    files = {}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return files
    for fd in map(int, fds):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            inode = os.stat(f"/proc/{pid}/fd/{fd}").st_ino
            with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii") as f:
                flags = next(int(line.split()[1], 8) for line in f
                             if line.startswith("flags:"))
        except (OSError, StopIteration):
            continue
        files[fd] = (target, inode, flags & 3)
    return files


def _memfds(pid: int) -> set[int]:
    return {inode for target, inode, _ in _open_files(pid).values()
            if target.startswith("/memfd:crmlab-blocks")}


def _holders_of(inodes: set[int]) -> list[int]:
    """Processes that hold one of these shared-memory files open or mapped."""
    holders = []
    for pid in _pids():
        if _memfds(pid) & inodes:
            holders.append(pid)
            continue
        try:
            with open(f"/proc/{pid}/maps", encoding="ascii", errors="replace") as f:
                if any("memfd:crmlab-blocks" in line and int(line.split()[4]) in inodes
                       for line in f):
                    holders.append(pid)
        except OSError:
            continue
    return holders


def _wait_for(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {DEADLINE:.0f} s")
        time.sleep(0.05)


def _working_helpers(child: int) -> list[int] | None:
    """The child's two helpers once each has written a block into its shared file."""
    helpers = [pid for pid in _children(child)
               if (s := _stat(pid)) is not None and s[0] == block_workers.HELPER_NAME]
    if len(helpers) < 2:
        return None
    for pid in helpers:
        written = [os.stat(f"/proc/{pid}/fd/{fd}").st_blocks
                   for fd, (target, _, _) in _open_files(pid).items()
                   if target.startswith("/memfd:crmlab-blocks")]
        if not (written and max(written) > 0):
            return None
    return helpers


@pytest.mark.timeout(240)
@pytest.mark.parametrize("how", ["fork", "fresh"])
def test_helpers_die_with_a_killed_parent(how):
    child = subprocess.Popen([sys.executable, "-c", CHILD, how], env=_env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        helpers = _wait_for(lambda: _working_helpers(child.pid),
                            "two helpers making blocks did not appear")
        files = {pid: _open_files(pid) for pid in helpers}
        # no helper reads a pipe that a helper writes to, its own or another's
        written = {inode for fds in files.values() for target, inode, mode in fds.values()
                   if target.startswith("pipe:") and mode != 0}
        read = {inode for fds in files.values() for target, inode, mode in fds.values()
                if target.startswith("pipe:") and mode != 1}
        assert not written & read
        # each helper holds its own shared file only; the parent holds them all
        shared = {pid: _memfds(pid) for pid in helpers}
        assert all(len(inodes) == 1 for inodes in shared.values())
        inodes = set().union(*shared.values())
        assert inodes <= _memfds(child.pid)

        child.send_signal(signal.SIGKILL)
        child.wait()
        _wait_for(lambda: not any(map(_alive, helpers)), "helpers outlived their parent")
        _wait_for(lambda: not _holders_of(inodes), "shared files outlived the helpers")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


DASK_CHILD = textwrap.dedent("""
    import sys, threading
    from crmlab import engine

    def progress(done, total):
        if done == 1:
            print("running", flush=True)

    if __name__ == "__main__":
        engine.generate("tiny", 1, out=sys.argv[1], n_customers=200_000, block_size=5_000,
                        workers=2, memory_limit="1GiB", progress=progress)
""")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_dask_workers_die_with_a_killed_client(tmp_path):
    # checked, not fixed here: distributed's worker processes watch their nanny
    script = tmp_path / "client.py"
    script.write_text(DASK_CHILD)
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path / "w")], env=_env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout.readline().strip() == "running"
        workers = _descendants(child.pid)
        assert len(workers) >= 2  # the two workers (and multiprocessing's tracker)
        child.send_signal(signal.SIGKILL)
        child.wait()
        _wait_for(lambda: not any(map(_alive, workers)), "Dask workers outlived the client")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
