"""A build is all or nothing, idempotent, and fails with one clear line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

import crmlab as crm
from crmlab.warehouse import (
    WAREHOUSE_TABLES,
    WarehouseError,
    WarehouseOverwriteWarning,
    build_warehouse,
    check_destination,
    duckdb_backend,
    parse_url,
    postgres_backend,
    read_sql,
)
from crmlab.warehouse.marker import build_info
from crmlab.warehouse.queries import rfm_sql

pytestmark = pytest.mark.timeout(300)

COUNT = "SELECT COUNT(*) AS n FROM dim_customer"


@pytest.fixture(scope="module")
def other_world():
    return crm.make_world("tiny", seed=12, n_customers=321)


def _fail_at(monkeypatch, module, function: str, table_name: str) -> None:
    """Make ``module.function`` raise when it reaches ``table_name`` (midway)."""
    real = getattr(module, function)

    def broken(*args, **kwargs):
        table = next(a for a in args if hasattr(a, "frame"))
        if table.name == table_name:
            raise RuntimeError(f"simulated crash while loading {table_name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, function, broken)


def _url(kind, tmp_path, make_pg_database, name):
    return (f"duckdb:///{tmp_path}/{name}.duckdb" if kind == "duckdb"
            else make_pg_database(name))


def _leftovers(kind, url, folder):
    if kind == "duckdb":
        return sorted(p.name for p in folder.iterdir() if p.name.startswith(".crmlab-"))
    schemas = read_sql(url, "SELECT nspname FROM pg_namespace WHERE nspname LIKE "
                            "'crmlab_build%'")
    return schemas["nspname"].tolist()


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_a_failed_build_leaves_the_previous_warehouse(kind, tmp_path, make_pg_database,
                                                      warehouse_world, other_world,
                                                      monkeypatch):
    url = _url(kind, tmp_path, make_pg_database, "atomic")
    warehouse_world.to_warehouse(url, with_truth=True)
    before = read_sql(url, rfm_sql(warehouse_world.config.end))
    module, function = ((duckdb_backend, "_load_table") if kind == "duckdb"
                        else (postgres_backend, "_copy_table"))
    _fail_at(monkeypatch, module, function, "fact_complaint")
    with pytest.raises(RuntimeError, match="simulated crash"):
        other_world.to_warehouse(url)
    monkeypatch.undo()
    # the old warehouse still answers, whole: same customers, same analysis, truth kept
    assert read_sql(url, COUNT)["n"].item() == len(warehouse_world.customers)
    assert read_sql(url, rfm_sql(warehouse_world.config.end)).equals(before)
    assert read_sql(url, "SELECT COUNT(*) AS n FROM truth.customers")["n"].item() == \
        len(warehouse_world.customers)
    assert _leftovers(kind, url, tmp_path) == []
    # and the next build goes through
    other_world.to_warehouse(url)
    assert read_sql(url, COUNT)["n"].item() == 321


def test_an_interrupted_duckdb_build_leaves_the_previous_file(tmp_path, warehouse_world,
                                                              other_world, monkeypatch):
    url = f"duckdb:///{tmp_path}/crm.duckdb"
    warehouse_world.to_warehouse(url)
    original = (tmp_path / "crm.duckdb").read_bytes()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(duckdb_backend, "_load_table", interrupt)
    with pytest.raises(KeyboardInterrupt):
        other_world.to_warehouse(url)
    assert (tmp_path / "crm.duckdb").read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.duckdb"]


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_rebuilding_is_idempotent(kind, tmp_path, make_pg_database, warehouse_world):
    url = _url(kind, tmp_path, make_pg_database, "again")
    tables = ("SELECT * FROM fact_interaction ORDER BY interaction_id",
              "SELECT * FROM dim_customer ORDER BY customer_id",
              "SELECT * FROM dim_date ORDER BY date_key")
    warehouse_world.to_warehouse(url)
    first = [read_sql(url, sql) for sql in tables]
    warehouse_world.to_warehouse(url)
    warehouse_world.to_warehouse(url)
    for sql, frame in zip(tables, first, strict=True):
        assert read_sql(url, sql).equals(frame), sql
    assert _leftovers(kind, url, tmp_path) == []
    if kind == "duckdb":
        assert sorted(p.name for p in tmp_path.iterdir()) == ["again.duckdb"]


def test_postgres_refuses_to_replace_what_crmlab_did_not_make(make_pg_database,
                                                              warehouse_world):
    import psycopg

    url = make_pg_database("foreign")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE public.grades (student TEXT, grade INT)")
    with pytest.raises(WarehouseError, match=r"schema 'public' .* 1 object\(s\) crmlab did "
                                             r"not make \(grades\); pass overwrite=True"):
        warehouse_world.to_warehouse(url)
    assert read_sql(url, "SELECT COUNT(*) AS n FROM grades")["n"].item() == 0
    # with overwrite the build goes through and says what it replaced
    with pytest.warns(WarehouseOverwriteWarning, match=r"replaced schema 'public' of "
                                                       r".*/foreign, which held 1 object\(s\) "
                                                       r"crmlab did not make: grades"):
        warehouse_world.to_warehouse(url, overwrite=True)
    assert read_sql(url, COUNT)["n"].item() == len(warehouse_world.customers)
    assert "grades" not in read_sql(url, TABLES)["tablename"].tolist()


TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"


def test_postgres_a_table_added_to_the_warehouse_needs_overwrite(make_pg_database,
                                                                 warehouse_world,
                                                                 other_world):
    import psycopg

    url = make_pg_database("added")
    warehouse_world.to_warehouse(url)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE public.my_notes AS SELECT customer_id FROM dim_customer")
        conn.execute("CREATE VIEW public.my_view AS SELECT 1 AS x")
    with pytest.raises(WarehouseError, match=r"2 object\(s\) crmlab did not make "
                                             r"\(my_notes, my_view\)"):
        other_world.to_warehouse(url)
    assert read_sql(url, COUNT)["n"].item() == len(warehouse_world.customers)
    with pytest.warns(WarehouseOverwriteWarning, match="my_notes, my_view"):
        other_world.to_warehouse(url, overwrite=True)
    assert read_sql(url, COUNT)["n"].item() == 321


def test_postgres_a_truth_schema_crmlab_did_not_make(make_pg_database, warehouse_world,
                                                     recwarn):
    import psycopg

    url = make_pg_database("theirtruth")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE SCHEMA truth")
        conn.execute("CREATE TABLE truth.answers (q INT)")
    warehouse_world.to_warehouse(url)  # without the truth, theirs is left alone
    assert read_sql(url, "SELECT COUNT(*) AS n FROM truth.answers")["n"].item() == 0
    with pytest.raises(WarehouseError, match=r"schema 'truth' of .* 1 object\(s\) crmlab "
                                             r"did not make \(truth.answers\)"):
        warehouse_world.to_warehouse(url, with_truth=True)
    assert not [w for w in recwarn if issubclass(w.category, WarehouseOverwriteWarning)]
    with pytest.warns(WarehouseOverwriteWarning, match="truth.answers"):
        warehouse_world.to_warehouse(url, with_truth=True, overwrite=True)
    assert read_sql(url, "SELECT COUNT(*) AS n FROM truth.customers")["n"].item() == \
        len(warehouse_world.customers)


def test_two_postgres_builds_at_once_exactly_one_succeeds(make_pg_database, warehouse_world,
                                                          other_world, monkeypatch,
                                                          tmp_path):
    url = make_pg_database("race")
    real = postgres_backend._copy_table
    reached, release = threading.Event(), threading.Event()

    def paused(raw, table, qualified):  # the first build stops midway, lock held
        if table.name == "fact_complaint" and threading.current_thread().name == "first":
            reached.set()
            release.wait(timeout=240)
        return real(raw, table, qualified)

    monkeypatch.setattr(postgres_backend, "_copy_table", paused)
    outcome = {}

    def first():
        try:
            outcome["first"] = warehouse_world.to_warehouse(url, with_truth=True)
        except BaseException as exc:
            outcome["first"] = exc

    thread = threading.Thread(target=first, name="first")
    thread.start()
    try:
        assert reached.wait(timeout=240)
        with pytest.raises(WarehouseError, match=r"another crmlab build of .*/race is "
                                                 r"running; wait until it has finished"):
            other_world.to_warehouse(url)
        result = _cli("warehouse", "build", "--preset", "tiny", "--url", url, cwd=tmp_path)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "another crmlab build of" in lines[0], result.stderr
    finally:
        release.set()
        thread.join(timeout=240)
    assert outcome["first"] == parse_url(url).display
    # the survivor is whole: every table of the first build
    for table, source in (("dim_customer", "customers"), ("fact_complaint", "complaints"),
                          ("fact_interaction", "interactions"), ("truth.customers", None)):
        n = read_sql(url, f"SELECT COUNT(*) AS n FROM {table}")["n"].item()
        assert n == len(getattr(warehouse_world, source or "customers")), table
    assert read_sql(url, "SELECT seed FROM _crmlab_build")["seed"].item() == 11
    assert _leftovers("postgresql", url, tmp_path) == []


def _damaged(world):
    victim = world.transactions["customer_id"].iloc[0]
    tables = dict(world.tables)
    tables["customers"] = world.customers[world.customers["customer_id"] != victim] \
        .reset_index(drop=True)
    return crm.World(tables, world.silos, world.truth, world.config, world.seed, world.meta)


@pytest.mark.parametrize(("kind", "message"), [
    ("duckdb", r"cannot build the warehouse .*/damaged.duckdb: loading fact_transaction "
               r"failed: Constraint Error: Violates foreign key constraint"),
    ("postgresql", r"building the warehouse on .*/damaged failed while adding the foreign "
                   r"keys, indexes and comments of fact_transaction: insert or update on "
                   r"table \"fact_transaction\" violates foreign key constraint"),
])
def test_a_foreign_key_violation_is_one_line_and_keeps_the_old_warehouse(
        kind, message, tmp_path, make_pg_database, warehouse_world):
    url = _url(kind, tmp_path, make_pg_database, "damaged")
    warehouse_world.to_warehouse(url)
    with pytest.raises(WarehouseError, match=message) as info:
        _damaged(warehouse_world).to_warehouse(url)
    assert "\n" not in str(info.value)
    assert read_sql(url, COUNT)["n"].item() == len(warehouse_world.customers)
    assert _leftovers(kind, url, tmp_path) == []


def test_postgres_query_errors_are_one_line(postgres_warehouse):
    with pytest.raises(WarehouseError, match=r"query on postgresql\+psycopg://.*/star failed: "
                                             r"relation \"nope\" does not exist$"):
        read_sql(postgres_warehouse, "SELECT * FROM nope")


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_the_marker_says_which_world_and_is_deterministic(kind, tmp_path, make_pg_database,
                                                          warehouse_world):
    url = _url(kind, tmp_path, make_pg_database, "marked")
    warehouse_world.to_warehouse(url, with_truth=True)
    first = read_sql(url, "SELECT * FROM _crmlab_build")
    warehouse_world.to_warehouse(url, with_truth=True)
    again = read_sql(url, "SELECT * FROM _crmlab_build")
    assert again.equals(first) and len(first) == 1
    row = first.iloc[0]
    assert row["seed"] == 11 and row["customers"] == len(warehouse_world.customers)
    assert row["crmlab_version"] == crm.__version__ and bool(row["with_truth"])
    assert row["config_sha256"] == build_info(warehouse_world, [])\
        .config_sha256 and len(row["config_sha256"]) == 64
    assert row["tables"].split(", ") == list(WAREHOUSE_TABLES) + [
        f"truth.{name}" for name in warehouse_world.truth.tables]
    assert row["built_from"].startswith("crmlab world: seed 11, 500 customers")


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_a_warehouse_an_earlier_crmlab_built_is_replaced_without_asking(
        kind, tmp_path, make_pg_database, warehouse_world, other_world, recwarn):
    """Earlier builds marked the warehouse with a one-column _crmlab_build."""
    url = _url(kind, tmp_path, make_pg_database, "legacy")
    warehouse_world.to_warehouse(url, with_truth=True)
    legacy = ["DROP TABLE _crmlab_build", "CREATE TABLE _crmlab_build (built_from TEXT)",
              "INSERT INTO _crmlab_build VALUES ('crmlab world: seed 11')"]
    if kind == "duckdb":
        import duckdb

        with duckdb.connect(str(tmp_path / "legacy.duckdb")) as con:
            for statement in legacy:
                con.execute(statement)
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            for statement in legacy:
                conn.execute(statement)
    other_world.to_warehouse(url)
    assert read_sql(url, COUNT)["n"].item() == 321
    assert not [w for w in recwarn if issubclass(w.category, WarehouseOverwriteWarning)]


def test_check_destination_fails_early_and_changes_nothing(make_pg_database, tmp_path,
                                                           warehouse_world):
    import psycopg

    url = make_pg_database("precheck")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE public.grades (g INT)")
    with pytest.raises(WarehouseError, match=r"\(grades\)"):
        check_destination(url)
    check_destination(url, overwrite=True)
    assert read_sql(url, TABLES)["tablename"].tolist() == ["grades"]
    (tmp_path / "x.duckdb").write_text("hello\n")
    with pytest.raises(WarehouseError, match="not a crmlab warehouse but a text file"):
        check_destination(f"duckdb:///{tmp_path}/x.duckdb")
    check_destination(f"duckdb:///{tmp_path}/x.duckdb", overwrite=True)
    assert (tmp_path / "x.duckdb").read_text() == "hello\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.duckdb"]


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://u@h/db", "unknown warehouse URL scheme 'mysql'"),
    ("sqlite:///x.db", "unknown warehouse URL scheme 'sqlite'"),
    ("not a url", "cannot read warehouse URL 'not a url'"),
    ("duckdb://", "a DuckDB warehouse needs a file"),
    ("duckdb:///:memory:", "a DuckDB warehouse needs a file"),
    ("postgresql+psycopg2://u@h/db", "unsupported PostgreSQL driver 'psycopg2'"),
    ("postgresql://u@127.0.0.1", "no database named"),
])
def test_wrong_urls(url, message, warehouse_world):
    with pytest.raises(WarehouseError, match=message) as info:
        warehouse_world.to_warehouse(url)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_password_is_never_shown():
    assert "secret" not in parse_url("postgresql://ann:secret@h/db").display
    with pytest.raises(WarehouseError) as info:
        parse_url("mysql://ann:secret@h/db")
    assert "secret" not in str(info.value)


@pytest.mark.parametrize(("url", "module"), [("duckdb:///{tmp}/x.duckdb", "duckdb"),
                                             ("postgresql://u@127.0.0.1:5/db", "psycopg")])
def test_missing_driver(url, module, tmp_path, monkeypatch, warehouse_world):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(WarehouseError, match=f"driver is not installed .*'{module}'"):
        warehouse_world.to_warehouse(url.format(tmp=tmp_path))
    assert not (tmp_path / "x.duckdb").exists()


def test_refused_connection(warehouse_world):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(WarehouseError, match=f"cannot connect to PostgreSQL at "
                                             f".*127.0.0.1:{port}/crm: .*refused"):
        warehouse_world.to_warehouse(f"postgresql://nobody@127.0.0.1:{port}/crm")


def test_duckdb_file_still_open_elsewhere(tmp_path, warehouse_world):
    (tmp_path / "crm.duckdb.wal").write_bytes(b"x")
    with pytest.raises(WarehouseError, match="write-ahead log"):
        warehouse_world.to_warehouse(f"duckdb:///{tmp_path}/crm.duckdb")
    assert not (tmp_path / "crm.duckdb").exists()


def test_duckdb_destination_is_a_folder(tmp_path, warehouse_world):
    (tmp_path / "crm.duckdb").mkdir()
    with pytest.raises(WarehouseError, match="is not a file"):
        warehouse_world.to_warehouse(f"duckdb:///{tmp_path}/crm.duckdb")


def test_with_truth_must_be_a_bool(tmp_path, warehouse_world):
    with pytest.raises(TypeError, match="with_truth"):
        build_warehouse(warehouse_world, f"duckdb:///{tmp_path}/x.duckdb", with_truth="yes")


def _cli(*args, cwd):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "crmlab.cli", *args], capture_output=True,
                          text=True, timeout=240, cwd=cwd, env=env)


def test_cli_builds_from_a_dataset_and_from_a_preset(tmp_path, postgres_url):
    result = _cli("warehouse", "build", "--dataset", "tiny", "--url",
                  "duckdb:///out/crm.duckdb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "built the warehouse of dataset tiny (500 customers) at" in result.stdout
    url = f"duckdb:///{tmp_path}/out/crm.duckdb"
    assert read_sql(url, COUNT)["n"].item() == 500
    result = _cli("warehouse", "build", "--preset", "tiny", "--seed", "4", "--url",
                  postgres_url, "--with-truth", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "and the truth (schema truth)" in result.stdout
    want = crm.make_world("tiny", seed=4)
    assert read_sql(postgres_url, COUNT)["n"].item() == len(want.customers)
    assert read_sql(postgres_url, "SELECT COUNT(*) AS n FROM truth.params")["n"].item() == 5


@pytest.mark.parametrize(("args", "message"), [
    (["--dataset", "tiny", "--url", "mysql://u@h/db"], "unknown warehouse URL scheme"),
    (["--dataset", "nope", "--url", "duckdb:///x.duckdb"], "unknown dataset 'nope'"),
    (["--preset", "huge", "--url", "duckdb:///x.duckdb"], "unknown preset 'huge'"),
    (["--dataset", "tiny", "--seed", "3", "--url", "duckdb:///x.duckdb"],
     "--seed goes with --preset"),
    (["--dataset", "tiny", "--preset", "tiny", "--url", "duckdb:///x.duckdb"],
     "not allowed with argument"),
    (["--dataset", "tiny"], "the following arguments are required: --url"),
    (["--preset", "tiny", "--url", "postgresql://u@127.0.0.1:9/db"],
     "cannot connect to PostgreSQL"),
])
def test_cli_errors_are_one_line(tmp_path, args, message):
    result = _cli("warehouse", "build", *args, cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crmlab"), result.stderr
    assert message in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_class_server_students_read_the_warehouse_but_not_the_truth(postgres_url,
                                                                     warehouse_world):
    """The recipe of docs/warehouse.md: a teacher builds, students only read."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for statement in ("DROP DATABASE IF EXISTS classdb", "DROP ROLE IF EXISTS teacher",
                          "DROP ROLE IF EXISTS student", "CREATE ROLE teacher LOGIN",
                          "CREATE ROLE student LOGIN", "CREATE DATABASE classdb OWNER teacher"):
            conn.execute(statement)
    base = postgres_url.rsplit("@", 1)[1].rsplit("/", 1)[0]
    teacher, student = f"postgresql://teacher@{base}/classdb", f"postgresql://student@{base}/classdb"
    with psycopg.connect(teacher, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES FOR ROLE teacher GRANT SELECT ON TABLES TO "
                     "student")
    for _ in range(2):  # the grants survive a rebuild
        warehouse_world.to_warehouse(teacher, with_truth=True)
        assert read_sql(student, COUNT)["n"].item() == len(warehouse_world.customers)
        with pytest.raises(Exception, match="permission denied for schema truth"):
            read_sql(student, "SELECT COUNT(*) FROM truth.customers")
        with pytest.raises(Exception, match="permission denied|must be owner"):
            read_sql(student, "DELETE FROM fact_payment RETURNING payment_id")
    assert read_sql(teacher, "SELECT COUNT(*) AS n FROM truth.customers")["n"].item() == \
        len(warehouse_world.customers)


def test_reading_a_warehouse_that_is_not_there(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse at .*missing.duckdb; build one"):
        read_sql(f"duckdb:///{tmp_path}/missing.duckdb", COUNT)
    assert not (tmp_path / "missing.duckdb").exists()
