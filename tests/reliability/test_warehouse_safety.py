"""A warehouse build never destroys what crmlab did not make, never loses another
program's work, and fails in one line (issue 14: data loss, concurrency, tracebacks).

Every concurrent scenario is synchronised through pipes (a helper process says when it
has the file open and waits for a line before it goes on), never through sleeps, so the
overlap the test needs always happens.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

import crmlab as crm
from crmlab.warehouse import (
    WarehouseError,
    WarehouseOverwriteWarning,
    build_warehouse,
    duckdb_backend,
    read_sql,
)

pytestmark = pytest.mark.timeout(300)

COUNT = "SELECT COUNT(*) AS n FROM dim_customer"
MARKER = "SELECT seed, customers FROM _crmlab_build"


@pytest.fixture(scope="module")
def world_a():
    return crm.make_world("tiny", seed=21)


@pytest.fixture(scope="module")
def world_b():
    return crm.make_world("tiny", seed=22, n_customers=333)


def _damaged(world):
    """``world`` without the customer of its first purchase: the facts point at a
    customer ``dim_customer`` does not have (a damaged dataset)."""
    victim = world.transactions["customer_id"].iloc[0]
    tables = dict(world.tables)
    tables["customers"] = world.customers[world.customers["customer_id"] != victim] \
        .reset_index(drop=True)
    return crm.World(tables, world.silos, world.truth, world.config, world.seed,
                     world.meta), victim


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(crm.__file__).parents[1]),
                                                      env.get("PYTHONPATH")]))
    return env


def _cli(*args, cwd, env=None, preexec_fn=None):
    return subprocess.run([sys.executable, "-m", "crmlab.cli", *args], capture_output=True,
                          text=True, timeout=240, cwd=cwd, env=env or _env(),
                          preexec_fn=preexec_fn)


def _one_line_error(result) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crmlab: error: "), result.stderr
    return lines[0]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".crmlab-"))


class Helper:
    """A Python process running ``code``; talks through lines on stdin/stdout."""

    def __init__(self, code: str, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=_env())

    def expect(self, word: str) -> None:
        line = self.proc.stdout.readline().strip()
        assert line == word, f"helper said {line!r}, stderr: {self.proc.stderr.read()}"

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def finish(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=240)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


#: Opens the file read-write, says "open", waits, then writes and closes.
WRITER = """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    print("open", flush=True)
    sys.stdin.readline()
    con.execute("CREATE TABLE my_notes (note TEXT)")
    con.execute("INSERT INTO my_notes VALUES ('written after the rebuild was refused')")
    con.close()
    print("closed", flush=True)
"""

#: Opens the file read-only, says "open", waits, then prints what it still sees.
READER = """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("open", flush=True)
    sys.stdin.readline()
    print(con.execute("SELECT COUNT(*) FROM dim_customer").fetchone()[0], flush=True)
"""

#: The CLI, paused while it loads fact_complaint (it then holds the build lock).
PAUSED_BUILD = """
    import sys
    from crmlab.warehouse import duckdb_backend
    real = duckdb_backend._load_table
    def paused(con, table):
        if table.name == "fact_complaint":
            print("loading", flush=True)
            sys.stdin.readline()
        return real(con, table)
    duckdb_backend._load_table = paused
    from crmlab.cli import main
    sys.exit(main(sys.argv[1:]))
"""


# ---- data loss: only crmlab's own warehouse is replaced without asking -----------------

def test_a_csv_at_the_destination_is_never_replaced_silently(tmp_path, world_a):
    target = tmp_path / "crm.duckdb"
    target.write_text("customer_id,name\nC1,Ann\n")
    with pytest.raises(WarehouseError, match=r"crm.duckdb is not a crmlab warehouse but a "
                                             r"text file \(24 bytes, first line "
                                             r"'customer_id,name'\); pass overwrite=True"):
        world_a.to_warehouse(f"duckdb:///{target}")
    assert target.read_text() == "customer_id,name\nC1,Ann\n"
    assert _leftovers(tmp_path) == []
    with pytest.warns(WarehouseOverwriteWarning, match=r"replaced .*crm.duckdb, which was a "
                                                       r"text file \(24 bytes"):
        world_a.to_warehouse(f"duckdb:///{target}", overwrite=True)
    assert read_sql(f"duckdb:///{target}", COUNT)["n"].item() == len(world_a.customers)


def test_a_users_own_duckdb_database_is_never_replaced_silently(tmp_path, world_a):
    target = tmp_path / "mine.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("CREATE TABLE grades (student TEXT, grade INT)")
        con.execute("INSERT INTO grades VALUES ('ann', 17)")
        con.execute("CREATE VIEW passed AS SELECT * FROM grades WHERE grade >= 10")
    before = target.read_bytes()
    with pytest.raises(WarehouseError, match=r"mine.duckdb holds 2 object\(s\) crmlab did "
                                             r"not make \(grades, passed\); pass "
                                             r"overwrite=True"):
        world_a.to_warehouse(f"duckdb:///{target}")
    assert target.read_bytes() == before
    with pytest.warns(WarehouseOverwriteWarning, match=r"held 2 object\(s\) crmlab did not "
                                                       r"make: grades, passed"):
        world_a.to_warehouse(f"duckdb:///{target}", overwrite=True)
    assert read_sql(f"duckdb:///{target}", MARKER)["seed"].item() == 21


def test_a_table_added_to_a_crmlab_warehouse_needs_overwrite(tmp_path, world_a, world_b):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    world_a.to_warehouse(url, with_truth=True)
    with duckdb.connect(str(tmp_path / "crm.duckdb")) as con:
        con.execute("CREATE TABLE truth.my_guess AS SELECT customer_id FROM dim_customer")
    with pytest.raises(WarehouseError, match=r"1 object\(s\) crmlab did not make "
                                             r"\(truth.my_guess\)"):
        world_b.to_warehouse(url)
    assert read_sql(url, "SELECT COUNT(*) AS n FROM truth.my_guess")["n"].item() == 500


def test_crmlab_replaces_its_own_empty_or_missing_destination_without_asking(tmp_path,
                                                                            world_a,
                                                                            recwarn):
    empty_file = tmp_path / "empty.duckdb"
    empty_file.touch()
    empty_db = tmp_path / "emptydb.duckdb"
    duckdb.connect(str(empty_db)).close()
    for target in (empty_file, empty_db, tmp_path / "new" / "crm.duckdb"):
        world_a.to_warehouse(f"duckdb:///{target}")
        world_a.to_warehouse(f"duckdb:///{target}")  # and its own warehouse again
        assert read_sql(f"duckdb:///{target}", COUNT)["n"].item() == 500
    assert not [w for w in recwarn if issubclass(w.category, WarehouseOverwriteWarning)]


def test_cli_refuses_a_foreign_file_before_making_a_world_and_overwrite_says_what(tmp_path):
    (tmp_path / "x.duckdb").write_text("a;b\n")
    line = _one_line_error(_cli("warehouse", "build", "--preset", "tiny", "--url",
                                "duckdb:///x.duckdb", cwd=tmp_path))
    assert "x.duckdb is not a crmlab warehouse but a text file" in line
    assert "--overwrite" in line
    assert (tmp_path / "x.duckdb").read_text() == "a;b\n"
    result = _cli("warehouse", "build", "--preset", "tiny", "--url", "duckdb:///x.duckdb",
                  "--overwrite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"crmlab: warning: replaced {tmp_path}/x.duckdb, which was a text file (4 bytes, "
        "first line 'a;b')"]
    assert "built the warehouse of preset tiny seed 42" in result.stdout


# ---- concurrency: a writer or a second build stops the build, nothing is lost ---------

def test_a_writer_in_another_process_stops_the_rebuild_and_keeps_its_writes(tmp_path,
                                                                            world_a,
                                                                            world_b):
    target = tmp_path / "crm.duckdb"
    url = f"duckdb:///{target}"
    world_a.to_warehouse(url)
    writer = Helper(WRITER, str(target))
    try:
        writer.expect("open")
        with pytest.raises(WarehouseError, match=rf"crm.duckdb is open for writing in another "
                                                 rf"program \(.*PID {writer.proc.pid}\)"):
            world_b.to_warehouse(url)
        writer.go()
        code, out, err = writer.finish()
        assert code == 0 and out.split() == ["closed"], err
    finally:
        writer.kill()
    # the writer's later work is in the file, next to the untouched warehouse
    assert read_sql(url, "SELECT note FROM my_notes")["note"].tolist() == [
        "written after the rebuild was refused"]
    assert read_sql(url, COUNT)["n"].item() == len(world_a.customers)
    assert _leftovers(tmp_path) == []
    # and its table is now something crmlab did not make
    with pytest.raises(WarehouseError, match=r"\(my_notes\)"):
        world_b.to_warehouse(url)


def test_a_writer_that_opens_the_file_during_the_build_stops_the_swap(tmp_path, world_a,
                                                                      world_b, monkeypatch):
    target = tmp_path / "crm.duckdb"
    url = f"duckdb:///{target}"
    world_a.to_warehouse(url)
    real = duckdb_backend._load_table
    writers = []

    def open_a_writer_midway(con, table):
        if table.name == "fact_complaint":
            writers.append(Helper(WRITER, str(target)))
            writers[0].expect("open")
        return real(con, table)

    monkeypatch.setattr(duckdb_backend, "_load_table", open_a_writer_midway)
    try:
        with pytest.raises(WarehouseError, match="crm.duckdb is open for writing in another "
                                                 "program"):
            world_b.to_warehouse(url)
        assert _leftovers(tmp_path) == []  # the finished temporary file is gone
        writers[0].go()
        assert writers[0].finish()[0] == 0
    finally:
        for w in writers:
            w.kill()
    assert read_sql(url, "SELECT COUNT(*) AS n FROM my_notes")["n"].item() == 1
    assert read_sql(url, COUNT)["n"].item() == len(world_a.customers)


def test_a_writer_in_this_process_stops_the_rebuild(tmp_path, world_a, world_b):
    target = tmp_path / "crm.duckdb"
    world_a.to_warehouse(f"duckdb:///{target}")
    con = duckdb.connect(str(target))
    try:
        with pytest.raises(WarehouseError, match=r"open in this Python process with other "
                                                 r"settings .*perhaps for writing\); close"):
            world_b.to_warehouse(f"duckdb:///{target}")
        con.execute("CREATE TABLE later AS SELECT 1 AS x")
    finally:
        con.close()
    assert read_sql(f"duckdb:///{target}", "SELECT x FROM later")["x"].tolist() == [1]


def test_readers_do_not_block_a_rebuild_and_keep_their_snapshot(tmp_path, world_a, world_b):
    target = tmp_path / "crm.duckdb"
    world_a.to_warehouse(f"duckdb:///{target}")
    reader = Helper(READER, str(target))
    try:
        reader.expect("open")
        world_b.to_warehouse(f"duckdb:///{target}")
        reader.go()
        code, out, err = reader.finish()
    finally:
        reader.kill()
    assert code == 0, err
    assert int(out) == len(world_a.customers)  # the reader saw the old warehouse whole
    assert read_sql(f"duckdb:///{target}", COUNT)["n"].item() == 333


def test_two_builds_at_once_exactly_one_succeeds(tmp_path):
    url = "duckdb:///crm.duckdb"
    first = Helper(PAUSED_BUILD, "warehouse", "build", "--preset", "tiny", "--seed", "5",
                   "--url", f"duckdb:///{tmp_path}/crm.duckdb")
    try:
        first.expect("loading")  # the first build holds the lock, midway through
        second = _cli("warehouse", "build", "--preset", "tiny", "--seed", "6", "--url", url,
                      cwd=tmp_path)
        line = _one_line_error(second)
        assert (f"another crmlab build of {tmp_path}/crm.duckdb is running (process "
                f"{first.proc.pid})") in line
        first.go()
        code, out, err = first.finish()
    finally:
        first.kill()
    assert code == 0, err
    assert "built the warehouse of preset tiny seed 5" in out
    # the survivor is complete: every table, every row of the first build's world
    want = crm.make_world("tiny", seed=5)
    full = f"duckdb:///{tmp_path}/crm.duckdb"
    assert read_sql(full, MARKER).to_dict("records") == [{"seed": 5,
                                                          "customers": len(want.customers)}]
    for table, source in (("dim_customer", "customers"), ("fact_complaint", "complaints"),
                          ("fact_interaction", "interactions")):
        n = read_sql(full, f"SELECT COUNT(*) AS n FROM {table}")["n"].item()
        assert n == len(getattr(want, source)), table
    assert _leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.duckdb"]


def test_a_killed_build_blocks_nothing_and_the_next_build_cleans_up(tmp_path, world_a):
    build = Helper(PAUSED_BUILD, "warehouse", "build", "--preset", "tiny", "--url",
                   f"duckdb:///{tmp_path}/crm.duckdb")
    try:
        build.expect("loading")
        build.proc.send_signal(signal.SIGKILL)
        build.proc.wait()
    finally:
        build.kill()
    # the dead build left its lock file and its half-written temporary file ...
    left = _leftovers(tmp_path)
    assert ".crmlab-lock-crm.duckdb" in left
    assert any(name.startswith(".crmlab-tmp-crm.duckdb-") for name in left), left
    # ... but the lock is free (the kernel released it), and the next build cleans up
    world_a.to_warehouse(f"duckdb:///{tmp_path}/crm.duckdb")
    assert read_sql(f"duckdb:///{tmp_path}/crm.duckdb", COUNT)["n"].item() == 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.duckdb"]


# ---- one line, never a traceback ---------------------------------------------------------

def test_a_foreign_key_violation_names_the_table_and_keeps_the_old_warehouse(tmp_path,
                                                                            world_a):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    world_a.to_warehouse(url)
    damaged, victim = _damaged(world_a)
    with pytest.raises(WarehouseError) as info:
        damaged.to_warehouse(url)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"cannot build the warehouse {tmp_path}/crm.duckdb: loading "
                              "fact_transaction failed: Constraint Error")
    assert "foreign key" in message and victim in message
    assert read_sql(url, COUNT)["n"].item() == len(world_a.customers)
    assert _leftovers(tmp_path) == []


def test_cli_on_a_damaged_dataset_prints_one_line(tmp_path, world_a):
    damaged, victim = _damaged(world_a)
    damaged.save(tmp_path / "datasets" / "broken")
    env = _env()
    env["CRMLAB_DATASETS"] = str(tmp_path / "datasets")
    line = _one_line_error(_cli("warehouse", "build", "--dataset", "broken", "--url",
                                "duckdb:///crm.duckdb", cwd=tmp_path, env=env))
    assert "loading fact_transaction failed" in line and victim in line
    assert not (tmp_path / "crm.duckdb").exists() and _leftovers(tmp_path) == []


def _file_size_limit(limit: int):
    def apply() -> None:  # in the child, before exec: writes past ``limit`` fail (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_cli_when_the_file_cannot_grow_prints_one_line(tmp_path, world_a):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    world_a.to_warehouse(url)
    before = (tmp_path / "crm.duckdb").read_bytes()
    line = _one_line_error(_cli("warehouse", "build", "--preset", "tiny", "--url", url,
                                cwd=tmp_path, preexec_fn=_file_size_limit(4 << 20)))
    assert f"cannot build the warehouse {tmp_path}/crm.duckdb" in line
    assert "File too large" in line
    assert (tmp_path / "crm.duckdb").read_bytes() == before
    assert _leftovers(tmp_path) == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A mounted tmpfs of ``size`` bytes (root only): ``tiny_disk(size)`` -> folder."""
    mounts = []

    def mount(size: int) -> Path:
        folder = tmp_path / "disk"
        folder.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                 str(folder)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounts.append(folder)
        return folder

    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    yield mount
    for folder in mounts:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_names_the_cause_and_keeps_the_old_warehouse(tmp_path, tiny_disk,
                                                                 world_a):
    scratch = tmp_path / "scratch.duckdb"
    world_a.to_warehouse(f"duckdb:///{scratch}")
    size = scratch.stat().st_size
    disk = tiny_disk(size + size // 2)  # room for the old warehouse, not for a second one
    shutil.copyfile(scratch, disk / "crm.duckdb")
    with pytest.raises(WarehouseError, match=r"cannot build the warehouse .*disk/crm.duckdb: "
                                             r".*No space left on device") as info:
        world_a.to_warehouse(f"duckdb:///{disk}/crm.duckdb")
    assert "\n" not in str(info.value)
    assert (disk / "crm.duckdb").read_bytes() == scratch.read_bytes()
    assert sorted(p.name for p in disk.iterdir()) == ["crm.duckdb"]


def test_query_errors_are_one_line_warehouse_errors(tmp_path, world_a):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    world_a.to_warehouse(url)
    with pytest.raises(WarehouseError, match=r"query on .*crm.duckdb failed: Catalog Error: "
                                             r"Table with name nope does not exist") as info:
        read_sql(url, "SELECT * FROM nope")
    assert "\n" not in str(info.value)
    (tmp_path / "text.duckdb").write_text("not a database\n")
    with pytest.raises(WarehouseError, match=r"cannot open the warehouse .*text.duckdb"):
        read_sql(f"duckdb:///{tmp_path}/text.duckdb", COUNT)


def test_overwrite_must_be_a_bool(tmp_path, world_a):
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        build_warehouse(world_a, f"duckdb:///{tmp_path}/x.duckdb", overwrite="yes")
