"""Block engines: in process and on Dask give the same files and the same world as
``make_world``; faults are retried; a failed or interrupted run leaves no dataset."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest
from distributed.diagnostics.plugin import WorkerPlugin

import crmlab as crm
from crmlab import engine
from crmlab.datasets import verify_package

pytestmark = [
    pytest.mark.timeout(300),
    # dask's Parquet reader still calls reset_index(inplace=True), deprecated in pandas 3.1
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index"),
]

# workers in other processes unpickle this module's plugins by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

CFG = crm.WorldConfig(n_customers=1_200, block_size=200, start="2023-01-01", end="2023-12-31")
SEED = 11


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` by relative path."""
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(root.rglob("*")) if f.is_file()}


def assert_same_world(a: crm.World, b: crm.World) -> None:
    for group in ("tables", "silos"):
        ta, tb = getattr(a, group), getattr(b, group)
        assert list(ta) == list(tb)
        for name in ta:
            pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)
    for name in a.truth.tables:
        pd.testing.assert_frame_equal(a.truth.tables[name], b.truth.tables[name],
                                      check_exact=True, obj=f"truth/{name}")


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".crmlab-"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The world written block by block in this process (folder name ``w``)."""
    return engine.generate(CFG, SEED, out=tmp_path_factory.mktemp("process") / "w",
                           engine="process")


@pytest.fixture(scope="module")
def threads():
    """A 4-worker cluster of threads in this process."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=4, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def test_partitioned_package_loads_as_the_in_memory_world(reference):
    assert CFG.n_blocks == 6
    parts = sorted(p.name for p in (reference / "transactions").iterdir())
    assert parts == [f"part-{b:05d}.parquet" for b in range(6)]
    assert len(verify_package(reference)) == 6 * 20 + 4  # 20 tables per block, 4 world-wide
    assert_same_world(crm.make_world(CFG, seed=SEED), crm.World.load(reference, verify=True))


def test_dask_one_and_four_workers_write_the_same_files_as_in_process(reference, threads,
                                                                      tmp_path):
    four = engine.generate(CFG, SEED, out=tmp_path / "four" / "w", client=threads)
    assert digests(four) == digests(reference)
    # one worker in its own process: everything crosses a process boundary
    one = engine.generate(CFG, SEED, out=tmp_path / "one" / "w", workers=1)
    assert digests(one) == digests(reference)
    sort = {"customers": "customer_id", "transactions": "transaction_id"}
    w1, w4 = crm.World.load(one), crm.World.load(four)
    for table, key in sort.items():
        a = w1.tables[table].sort_values(key, ignore_index=True)
        b = w4.tables[table].sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert leftovers(tmp_path / "four") == leftovers(tmp_path / "one") == []


def test_other_seed_gives_other_files(reference, tmp_path):
    other = engine.generate(CFG, SEED + 1, out=tmp_path / "w", engine="process")
    a, b = digests(reference), digests(other)
    assert a.keys() == b.keys()
    assert a["transactions/part-00003.parquet"] != b["transactions/part-00003.parquet"]


def test_read_table_gives_one_dask_partition_per_block(reference):
    ddf = engine.read_table(reference, "transactions")
    assert ddf.npartitions == CFG.n_blocks
    expected = crm.World.load(reference).transactions
    got = ddf.compute().reset_index(drop=True)
    assert got["transaction_id"].tolist() == expected["transaction_id"].tolist()
    assert got["amount"].to_numpy().tolist() == expected["amount"].to_numpy().tolist()
    with pytest.raises(ValueError, match="table must be one of"):
        engine.read_table(reference, "nope")


# --------------------------------------------------------------------------- faults
class KillWorkerOnce(WorkerPlugin):
    """Worker plugin: the first attempt at ``block`` kills its own worker process."""

    name = "crmlab-test-kill-once"

    def __init__(self, marker: str, block: int) -> None:
        self.marker, self.block = marker, block

    def setup(self, worker) -> None:
        import crmlab.engine as eng

        original = getattr(eng.generate_block, "__wrapped__", eng.generate_block)
        marker, target = self.marker, self.block

        def generate_block(config, seed, block, wt):
            if block == target and not os.path.exists(marker):
                Path(marker).write_text(str(os.getpid()))
                os._exit(1)  # the worker dies mid-task, like a killed process
            return original(config, seed, block, wt)

        generate_block.__wrapped__ = original
        eng.generate_block = generate_block


def test_a_worker_killed_mid_run_is_replaced_and_the_files_are_the_same(reference, tmp_path):
    from distributed import Client, LocalCluster

    marker = tmp_path / "killed"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        pids = set(client.run(os.getpid).values())
        client.register_plugin(KillWorkerOnce(str(marker), block=3))
        out = engine.generate(CFG, SEED, out=tmp_path / "run" / "w", client=client)
        # the worker that took block 3 died: its pid is gone and a new worker replaced it
        killed = int(marker.read_text())
        assert killed in pids
        assert killed not in set(client.run(os.getpid).values())
    assert digests(out) == digests(reference)
    assert leftovers(tmp_path / "run") == []


def test_a_failing_block_is_retried(reference, threads, tmp_path, monkeypatch):
    calls = {}
    original = engine.generate_block

    def flaky(config, seed, block, wt):
        calls[block] = calls.get(block, 0) + 1
        if block == 2 and calls[block] == 1:
            raise OSError("disk hiccup")
        return original(config, seed, block, wt)

    monkeypatch.setattr(engine, "generate_block", flaky)
    out = engine.generate(CFG, SEED, out=tmp_path / "w", client=threads, retries=2)
    assert calls[2] == 2
    assert digests(out) == digests(reference)


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_a_failed_run_leaves_no_dataset(threads, tmp_path, monkeypatch, kind):
    original = engine.generate_block

    def broken(config, seed, block, wt):
        if block == 4:
            raise RuntimeError("block 4 is broken")
        return original(config, seed, block, wt)

    monkeypatch.setattr(engine, "generate_block", broken)
    with pytest.raises(RuntimeError, match="block 4 is broken"):
        engine.generate(CFG, SEED, out=tmp_path / "w", engine=kind,
                        client=threads if kind == "dask" else None, retries=1)
    assert not (tmp_path / "w").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_an_interrupted_run_leaves_the_old_dataset_untouched(reference, threads, tmp_path,
                                                             kind):
    out = engine.generate(CFG, SEED + 1, out=tmp_path / "w", engine="process")
    before = digests(out)

    def interrupt(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine.generate(CFG, SEED, out=out, engine=kind, overwrite=True, progress=interrupt,
                        client=threads if kind == "dask" else None)
    assert digests(out) == before
    assert leftovers(tmp_path) == []


def cli(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "crmlab.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_first_part(parent: Path, proc) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if list(parent.glob(".crmlab-tmp-*/customers/part-*.parquet")):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("no block was written within 120 s")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_killed_command_leaves_no_partial_dataset(tmp_path, sig):
    # ten blocks of 10,000: the command is still running after the first part
    proc = cli("generate", "classroom", "--customers", "100000", "--engine", "process",
               "--out", "w", "--quiet", cwd=tmp_path)
    try:
        wait_for_first_part(tmp_path, proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not (tmp_path / "w").exists()
    if sig == signal.SIGINT:  # a clean interrupt also removes its temporary folder
        assert proc.returncode == 130
        assert err.strip().splitlines()[-1] == (
            "crmlab: interrupted; nothing was written at the destination")
        assert leftovers(tmp_path) == []


def test_cli_dask_engine_writes_a_loadable_package(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "crmlab.cli", "generate", "tiny", "--engine", "dask",
         "--workers", "1", "--customers", "300", "--out", "w", "--seed", "5"],
        cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "wrote 300 customers (partitioned parquet, 1 blocks)" in result.stdout
    assert "dask dashboard: http://127.0.0.1:" in result.stderr
    assert_same_world(crm.make_world("tiny", seed=5, n_customers=300),
                      crm.World.load(tmp_path / "w", verify=True))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "dask", "--format", "csv"], "writes partitioned Parquet; use --format "
                                                  "parquet"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--engine", "process", "--scheduler", "tcp://127.0.0.1:1"],
         "--scheduler and --workers need --engine dask"),
        (["--engine", "dask", "--workers", "0"], "--workers must be at least 1"),
        (["--engine", "gpu"], "invalid choice: 'gpu'"),
    ],
)
def test_cli_engine_errors_are_one_line(tmp_path, args, message):
    result = subprocess.run(
        [sys.executable, "-m", "crmlab.cli", "generate", "tiny", "--out", "w", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"engine": "spark"}, "engine must be one of"),
     ({"workers": 0}, "workers must be a whole number >= 1"),
     ({"retries": -1}, "retries must be a whole number >= 0")],
)
def test_bad_arguments_raise_before_anything_is_written(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        engine.generate("tiny", 1, out=tmp_path / "w", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_a_partitioned_dataset_lists_verifies_and_rebuilds(reference, tmp_path, monkeypatch):
    import shutil

    from crmlab.datasets import DataPackageError, list_datasets, rebuild_dataset

    shutil.copytree(reference, tmp_path / "big")
    monkeypatch.setenv("CRMLAB_DATASETS", str(tmp_path))
    table = list_datasets()
    assert table.loc["big", "customers"] == CFG.n_customers
    assert table.loc["big", "format"] == "parquet"
    same = rebuild_dataset("big", out=tmp_path / "rebuilt" / "w")
    assert len(same) == 6 * 20 + 4 and all(same.values())
    part = tmp_path / "big" / "complaints" / "part-00002.parquet"
    part.write_bytes(part.read_bytes()[:-10])
    with pytest.raises(DataPackageError, match="part-00002.parquet: truncated"):
        verify_package(tmp_path / "big")
    same = rebuild_dataset("big")  # in place: the damaged part is written again
    assert all(same.values())
    assert len(verify_package(tmp_path / "big")) == 6 * 20 + 4
    assert digests(tmp_path / "big") == digests(reference)
