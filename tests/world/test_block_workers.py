"""make_world on several processes: the same world as one process, whatever happens to
the helpers, however they start (forked, or fresh interpreters when other threads run),
and nothing left behind."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.world._parallel import block_workers as _block_workers
from crmlab.world._parallel.assembly import WorldAssembler
from crmlab.world._parallel.block_workers import resolve_workers
from crmlab.world._parallel.shared_frames import SharedFile, write_frames
from crmlab.world.pipeline import BlockOutput

# five blocks of 300 customers: enough for every process to take several
SMALL = {"n_customers": 1_500, "block_size": 300}
needs_fork = pytest.mark.skipif(not _block_workers.can_fork(),
                                reason="helpers are forked (Linux, no address-space cap)")


@pytest.fixture(scope="module")
def serial_world() -> crm.World:
    return crm.make_world("tiny", seed=11, workers=1, **SMALL)


@pytest.fixture
def forking(monkeypatch):
    """Helpers are forked, as in a process with no other Python thread (a test runner
    may run one of its own: pytest-xdist's channel to its controller)."""
    monkeypatch.setattr(_block_workers, "python_threads", lambda: 1)


@pytest.fixture
def fresh(monkeypatch):
    """Helpers are fresh interpreters, started after the first block whatever the size
    of the world; returns the list of helpers started."""
    monkeypatch.setattr(_block_workers, "python_threads", lambda: 2)
    monkeypatch.setattr(_block_workers, "FRESH_WORTH_SECONDS", 0.0)
    return _spy_on_starts(monkeypatch)


def _spy_on_starts(monkeypatch) -> list:
    """Record every helper started, and fail the test if one is forked while other
    Python threads run."""
    started = []
    real_fork, real_fresh = _block_workers._fork, _block_workers._spawn_fresh

    def fork(*args):
        assert _block_workers.python_threads() == 1, "forked while other threads run"
        started.append(("fork", process := real_fork(*args)))
        return process

    def spawn_fresh(*args):
        started.append(("fresh", process := real_fresh(*args)))
        return process

    monkeypatch.setattr(_block_workers, "_fork", fork)
    monkeypatch.setattr(_block_workers, "_spawn_fresh", spawn_fresh)
    return started


def helpers_left() -> list[int]:
    """Helper processes of this process still there, exited but not reaped included."""
    me, left = str(os.getpid()), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                name, rest = f.read().rsplit(")", 1)
        except OSError:
            continue
        if rest.split()[1] == me and name.endswith(_block_workers.HELPER_NAME):
            left.append(int(pid))
    return left


def all_tables(w: crm.World) -> dict[str, pd.DataFrame]:
    tables = dict(w.tables)
    tables.update({f"silos/{k}": v for k, v in w.silos.items()})
    tables.update({f"truth/{k}": v for k, v in w.truth.tables.items()})
    return tables


def assert_same_world(a: crm.World, b: crm.World) -> None:
    ta, tb = all_tables(a), all_tables(b)
    assert list(ta) == list(tb)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@needs_fork
@pytest.mark.parametrize("workers", [2, 3])
def test_several_processes_make_the_same_world(serial_world, forking, workers):
    assert_same_world(serial_world, crm.make_world("tiny", seed=11, workers=workers, **SMALL))
    assert helpers_left() == []


@needs_fork
@pytest.mark.timeout(300)
def test_fresh_interpreters_make_the_same_world(serial_world, fresh):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a helper not ready in time is no failure
        assert_same_world(serial_world, crm.make_world("tiny", seed=11, workers=3, **SMALL))
    assert [how for how, _ in fresh] == ["fresh", "fresh"]
    assert helpers_left() == []


@needs_fork
@pytest.mark.timeout(300)
def test_fresh_interpreters_take_blocks(fresh):
    # enough blocks that the helpers start taking them before this process is done
    kw = {"n_customers": 12_000, "block_size": 300}
    want = crm.make_world("tiny", seed=5, workers=1, **kw)
    seen = []

    def progress(done, total):  # a slow main process leaves blocks to the helpers
        seen.append(done)
        if len(seen) < 30:
            threading.Event().wait(0.05)

    got = crm.make_world("tiny", seed=5, workers=2, progress=progress, **kw)
    assert_same_world(want, got)
    assert seen == list(range(1, 41))
    assert [how for how, _ in fresh] == ["fresh"] and fresh[0][1].exitcode == 0


@needs_fork
def test_same_files_from_one_and_two_processes(tmp_path, serial_world, forking):
    crm.make_world("tiny", seed=11, workers=2, **SMALL).save(tmp_path / "two", format="parquet")
    serial_world.save(tmp_path / "one", format="parquet")
    for path in sorted((tmp_path / "one").rglob("*.parquet")):
        twin = tmp_path / "two" / path.relative_to(tmp_path / "one")
        assert path.read_bytes() == twin.read_bytes(), path.name


@needs_fork
def test_progress_counts_every_block_once(forking):
    seen = []
    crm.make_world("tiny", seed=11, workers=2, progress=lambda d, t: seen.append((d, t)),
                   **SMALL)
    assert seen == [(d, 5) for d in range(1, 6)]


def _break_blocks(monkeypatch, when, action):
    """Make ``generate_block`` call ``action()`` first whenever ``when(block,
    in_helper)`` holds."""
    parent = os.getpid()
    real = _block_workers.generate_block

    def generate_block(config, seed, b, wt):
        if when(b, os.getpid() != parent):
            action()
        return real(config, seed, b, wt)

    monkeypatch.setattr(_block_workers, "generate_block", generate_block)


def _failing_in_helpers(monkeypatch, action):
    """Make forked helpers do ``action`` (on their first block)."""
    _break_blocks(monkeypatch, lambda b, in_helper: in_helper, action)


@needs_fork
def test_a_killed_helper_costs_time_not_the_world(monkeypatch, serial_world, forking):
    _failing_in_helpers(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    # on a busy machine the main process may take every block before the helper
    # starts; repeat until a helper took one (almost always the first time)
    for _ in range(10):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            world = crm.make_world("tiny", seed=11, workers=2, **SMALL)
        assert_same_world(serial_world, world)
        if caught:
            break
    assert "was killed by signal SIGKILL" in str(caught[0].message)
    assert "in this process instead" in str(caught[0].message)
    assert helpers_left() == []


@needs_fork
@pytest.mark.timeout(300)
def test_a_killed_fresh_helper_costs_time_not_the_world(monkeypatch, fresh):
    kw = {"n_customers": 12_000, "block_size": 300}
    want = crm.make_world("tiny", seed=5, workers=1, **kw)

    class KillAfterFirstDelivery(WorldAssembler):
        # once the helper has handed a block back it takes the next one at once: kill
        # it then, so that (almost always) it dies holding a block
        def add(self, block, output, release=None):
            if release is not None and fresh[0][1].is_alive():
                fresh[0][1].kill()
            super().add(block, output, release)

    monkeypatch.setattr(_block_workers, "WorldAssembler", KillAfterFirstDelivery)

    def progress(done, total):  # a slow main process leaves blocks to the helper
        threading.Event().wait(0.02)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = crm.make_world("tiny", seed=5, workers=2, progress=progress, **kw)
    assert_same_world(want, got)
    assert fresh[0][1].exitcode == -signal.SIGKILL
    assert all("was killed by signal SIGKILL" in str(w.message) for w in caught)
    assert helpers_left() == []


@needs_fork
def test_an_error_in_a_helper_is_made_again_here(monkeypatch, serial_world, forking):
    def fail():
        raise ValueError("only in the helper")

    _failing_in_helpers(monkeypatch, fail)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_same_world(serial_world, crm.make_world("tiny", seed=11, workers=2, **SMALL))


@needs_fork
def test_an_error_everywhere_is_raised_with_nothing_left_behind(monkeypatch, forking):
    def fail():
        raise ValueError("block 3 cannot be made")

    _break_blocks(monkeypatch, lambda b, in_helper: b == 3, fail)
    before = open_fds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="block 3 cannot be made"):
            crm.make_world("tiny", seed=11, workers=2, **SMALL)
    assert helpers_left() == []
    assert open_fds() <= before


@needs_fork
@pytest.mark.parametrize("how", ["forking", "fresh"])
def test_interrupting_stops_the_helpers(request, how):
    request.getfixturevalue(how)
    def interrupt(done, total):
        raise KeyboardInterrupt

    before = open_fds()
    with pytest.raises(KeyboardInterrupt):
        crm.make_world("tiny", seed=11, workers=2, progress=interrupt, **SMALL)
    assert helpers_left() == []
    assert open_fds() <= before


@pytest.mark.parametrize(("workers", "error"), [
    (0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError),
])
def test_bad_workers_name_the_argument(workers, error):
    with pytest.raises(error, match="workers must be a whole number >= 1 or None"):
        crm.make_world("tiny", seed=1, workers=workers)


def test_workers_never_exceed_blocks_and_one_block_stays_here(monkeypatch):
    monkeypatch.setattr(_block_workers, "can_fork", lambda: True)
    assert resolve_workers(8, 3) == 3
    assert resolve_workers(None, 1) == 1
    assert resolve_workers(1, 10) == 1
    monkeypatch.setattr(_block_workers, "can_fork", lambda: False)
    assert resolve_workers(4, 10) == 1


def test_no_helpers_under_an_address_space_cap_or_in_a_daemon(monkeypatch):
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda which: (2**32, 2**32))
    assert not _block_workers.can_fork()
    monkeypatch.undo()
    monkeypatch.setattr(mp.current_process(), "_config",
                        dict(mp.current_process()._config, daemon=True))
    assert not _block_workers.can_fork()


def _all_kinds_frame() -> pd.DataFrame:
    frame = pd.DataFrame({
        "x": np.arange(5, dtype=float) / 3,
        "small": np.array([1, -2, 3, 4, 5], dtype=np.int8),
        "flag": np.array([True, False, True, True, False]),
        "when": np.array(["2024-01-01T10:00:00", "NaT", "2024-02-01", "2024-03-01",
                          "2025-01-01"], dtype="datetime64[s]"),
        "kind": pd.Categorical(["a", "b", "a", None, "b"]),
        "name": pd.Series(["Ali", None, "Sara", "", "Bob"], dtype="str"),
        "count": pd.array([1, None, 3, 4, 5], dtype="Int64"),  # travels pickled
    })
    frame["name"] = pd.concat([frame["name"].iloc[:2], frame["name"].iloc[2:]],
                              ignore_index=True)  # two Arrow chunks
    return frame


@needs_fork
def test_tables_travel_through_shared_memory_exactly():
    frame = _all_kinds_frame()
    shared = SharedFile("crmlab-test", 1 << 20)
    try:
        layouts, end = write_frames(shared.fd, 0, {"t": frame, "empty": frame.iloc[:0]})
        assert end <= shared.reserve and all(map(shared.holds, layouts.values()))
        back = shared.read(layouts["t"])
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
        pd.testing.assert_frame_equal(shared.read(layouts["empty"]), frame.iloc[:0],
                                      check_exact=True)
        shared.release(layouts["t"])
        assert back["x"].sum() == 0  # the numpy pages are given back ...
        assert back["name"].tolist()[2] == "Sara"  # ... the Arrow strings stay mapped
    finally:
        shared.close()


@needs_fork
def test_assembled_tables_keep_nothing_in_freed_shared_memory():
    frame = _all_kinds_frame()
    shared = SharedFile("crmlab-test", 1 << 20)
    world = WorldAssembler(3)
    try:
        for b in (2, 0, 1):  # in any order
            layouts, _ = write_frames(shared.fd, b * 65_536, {"t": frame})

            def release(layouts=layouts):
                shared.release(layouts["t"])

            world.add(b, BlockOutput.from_frames({"t": shared.read(layouts["t"])}), release)
        expected = pd.concat([frame] * 3, ignore_index=True)
        pd.testing.assert_frame_equal(world.frames()["t"], expected, check_exact=True)
    finally:
        shared.close()


def test_assembly_equals_pandas_concat_even_when_blocks_disagree():
    frame = _all_kinds_frame()
    odd = frame.assign(x=frame["x"].astype("float32"))  # a dtype that changes midway
    world = WorldAssembler(4)
    blocks = [frame, frame.iloc[:0], odd, frame.iloc[1:3]]
    for b in (3, 1, 0, 2):
        world.add(b, BlockOutput.from_frames({"t": blocks[b], "u": blocks[0]}))
    frames = world.frames()
    pd.testing.assert_frame_equal(frames["t"], pd.concat(blocks, ignore_index=True),
                                  check_exact=True)
    pd.testing.assert_frame_equal(frames["u"], pd.concat([frame] * 4, ignore_index=True),
                                  check_exact=True)


def test_assembly_waits_for_every_block():
    world = WorldAssembler(2)
    world.add(1, BlockOutput.from_frames({"t": _all_kinds_frame()}))
    assert not world.has(0) and world.has(1)
    with pytest.raises(RuntimeError, match="1 of 2 blocks are still missing"):
        world.frames()


# --- threads: helpers are forked only from a process whose only Python thread is this --

def _env() -> dict[str, str]:
    """The environment of a child Python that imports this crmlab."""
    root = str(Path(crm.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}


@needs_fork
@pytest.mark.timeout(300)
@pytest.mark.parametrize("fresh_worth", [None, 0.0])
def test_a_busy_python_thread_means_no_fork(monkeypatch, serial_world, fresh_worth):
    started = _spy_on_starts(monkeypatch)
    if fresh_worth is not None:
        monkeypatch.setattr(_block_workers, "FRESH_WORTH_SECONDS", fresh_worth)
    stop = threading.Event()

    def spin() -> None:  # Python code all the time: takes and gives back the GIL
        while not stop.is_set():
            sum(range(1_000))

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        assert _block_workers.helper_start() == "fresh"
        world = crm.make_world("tiny", seed=11, workers=3, **SMALL)
    finally:
        stop.set()
        thread.join()
    assert_same_world(serial_world, world)
    assert all(how == "fresh" for how, _ in started)
    if fresh_worth == 0.0:
        assert len(started) == 2
    assert helpers_left() == []


@needs_fork
@pytest.mark.timeout(300)
def test_a_thread_busy_in_blas_means_no_fork(monkeypatch, serial_world):
    started = _spy_on_starts(monkeypatch)
    monkeypatch.setattr(_block_workers, "FRESH_WORTH_SECONDS", 0.0)
    stop = threading.Event()
    a = np.random.default_rng(0).random((300, 300))

    def multiply() -> None:  # the BLAS pool at work for another thread
        while not stop.is_set():
            a @ a

    thread = threading.Thread(target=multiply, daemon=True)
    thread.start()
    try:
        world = crm.make_world("tiny", seed=11, workers=2, **SMALL)
    finally:
        stop.set()
        thread.join()
    assert_same_world(serial_world, world)
    assert [how for how, _ in started] == ["fresh"]


CHILD_WITH_POOLS = textwrap.dedent("""
    import json, os
    import numpy as np
    import pandas as pd
    import crmlab as crm
    from crmlab.world._parallel import block_workers as bw

    a = np.random.default_rng(0).random((400, 400))
    (a @ a).sum()  # BLAS's thread pool is up (and Arrow's allocator thread)
    forks = []
    real_fork = bw._fork
    bw._fork = lambda *args: forks.append(bw.python_threads()) or real_fork(*args)
    kw = dict(n_customers=1_500, block_size=300)
    os_threads = len(os.listdir("/proc/self/task"))
    two = crm.make_world("tiny", seed=11, workers=2, progress=True, **kw)
    one = crm.make_world("tiny", seed=11, workers=1, **kw)
    for name, table in one.tables.items():
        pd.testing.assert_frame_equal(table, two.tables[name], check_exact=True)
    for name, table in one.truth.tables.items():
        pd.testing.assert_frame_equal(table, two.truth.tables[name], check_exact=True)
    print(json.dumps({"forks": forks, "os_threads": os_threads}))
""")


@needs_fork
@pytest.mark.timeout(300)
def test_idle_native_pools_do_not_stop_forking():
    # a fresh process: BLAS and Arrow run threads of their own, no other Python thread;
    # the progress bar's monitor thread starts after the helper is forked
    result = subprocess.run([sys.executable, "-c", CHILD_WITH_POOLS], env=_env(),
                            capture_output=True, text=True, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["os_threads"] > 1  # native threads were running ...
    assert report["forks"] == [1]  # ... and the helper was forked, with one Python thread


IN_KERNEL = textwrap.dedent("""
    import hashlib
    import pandas as pd
    import crmlab as crm
    from crmlab.world._parallel import block_workers as bw

    threads, start = bw.python_threads(), bw.helper_start()
    bw.FRESH_WORTH_SECONDS = 0.0
    started = []
    real_fresh = bw._spawn_fresh
    bw._spawn_fresh = lambda *args: started.append(1) or real_fresh(*args)
    def no_fork(*args):
        raise AssertionError("forked in a kernel")
    bw._fork = no_fork
    w = crm.make_world("tiny", seed=11, workers=2, n_customers=1_500, block_size=300)
    digest = hashlib.sha256()
    for table in [*w.tables.values(), *w.silos.values(), *w.truth.tables.values()]:
        digest.update(pd.util.hash_pandas_object(table).values.tobytes())
    print(threads, start, len(started), digest.hexdigest())
""")


def _digest(w: crm.World) -> str:
    digest = hashlib.sha256()
    for table in [*w.tables.values(), *w.silos.values(), *w.truth.tables.values()]:
        digest.update(pd.util.hash_pandas_object(table).values.tobytes())
    return digest.hexdigest()


@needs_fork
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_jupyter_kernel_starts_fresh_helpers(serial_world):
    manager = pytest.importorskip("jupyter_client.manager")
    km, kc = manager.start_new_kernel(kernel_name="python3", env=_env())
    try:
        out: list[str] = []
        reply = kc.execute_interactive(
            IN_KERNEL, timeout=240,
            output_hook=lambda m: out.append(m["content"].get("text", ""))
            if m["msg_type"] == "stream" and m["content"]["name"] == "stdout" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    threads, start, started, digest = "".join(out).split()
    assert int(threads) > 1 and start == "fresh"  # the kernel's own threads
    assert started == "1" and digest == _digest(serial_world)
