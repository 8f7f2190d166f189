"""Build the warehouse on a PostgreSQL server, all or nothing.

Everything happens in one transaction: the tables are created in a fresh temporary
schema and filled with ``COPY`` (psycopg 3's copy API, CSV written by Arrow in
batches); keys, indexes and comments are added; then the old ``public`` (and
``truth``) schema is dropped and the new one renamed in its place. PostgreSQL's DDL
is transactional, so until the commit other sessions see the old warehouse, and a
failure or interruption at any point rolls everything back.

The build only replaces schemas that are empty or that crmlab made (it marks them
with a comment); anything else in ``public`` stops it with a clear message.
"""

from __future__ import annotations

import io
import uuid

import pyarrow as pa
import pyarrow.csv as pa_csv

from . import ddl
from .errors import WarehouseError
from .model import TRUTH_SCHEMA, Table
from .urls import Target, require_driver

__all__ = ["build_postgres", "connect_engine"]

HOME_SCHEMA = "public"
_MARK = "crmlab warehouse"
_LOCK = 0x63726D6C  # "crml": one build at a time per database
_BATCH = 100_000


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def connect_engine(target: Target):
    """A SQLAlchemy engine for ``target`` whose connection was just tried.

    Raises :class:`WarehouseError` when the driver is missing or the server cannot be
    reached (refused, wrong password, unknown database).

    Examples
    --------
    >>> from crmlab.warehouse.urls import parse_url
    >>> connect_engine(parse_url("postgresql://nobody@127.0.0.1:9/crm"))
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: cannot connect to PostgreSQL at postgresql+psycopg://nobody@127.0.0.1:9/crm: connection failed: ...
    """  # noqa: E501
    require_driver("postgresql")
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    try:
        engine = create_engine(target.url, connect_args={"connect_timeout": 10})
    except NoSuchModuleError as exc:  # pragma: no cover - require_driver comes first
        raise WarehouseError(f"no SQLAlchemy dialect for {target.display}: {exc}") from None
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise WarehouseError(f"cannot connect to PostgreSQL at {target.display}: "
                             f"{_first_line(exc)}") from None
    return engine


def _arrow(table: Table) -> pa.Table:
    arrow = pa.Table.from_pandas(table.frame, preserve_index=False)
    columns = []
    for name, column in zip(arrow.column_names, arrow.columns, strict=True):
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        elif name in table.date_columns:
            column = column.cast(pa.date32())
        columns.append(column)
    return pa.table(columns, names=arrow.column_names)


def _copy_table(raw, table: Table, qualified: str) -> None:
    """Stream ``table``'s rows into ``qualified`` with COPY ... FROM STDIN (CSV)."""
    columns = ", ".join(map(ddl.quote, table.frame.columns))
    options = pa_csv.WriteOptions(include_header=False)
    with raw.cursor() as cur, cur.copy(
            f"COPY {qualified} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        for batch in _arrow(table).to_batches(max_chunksize=_BATCH):
            buffer = io.BytesIO()
            pa_csv.write_csv(batch, buffer, options)
            copy.write(buffer.getvalue())


def _schema_state(conn, schema: str) -> tuple[bool, bool, list[str]]:
    """(exists, made by crmlab, names of objects in it)."""
    from sqlalchemy import text

    row = conn.execute(text("SELECT oid, obj_description(oid, 'pg_namespace') FROM "
                            "pg_namespace WHERE nspname = :s"), {"s": schema}).first()
    if row is None:
        return False, False, []
    objects = conn.execute(text(
        "SELECT relname FROM pg_class WHERE relnamespace = :oid AND relkind IN "
        "('r', 'v', 'm', 'p', 'f', 'S') UNION ALL SELECT proname FROM pg_proc "
        "WHERE pronamespace = :oid ORDER BY 1"), {"oid": row[0]}).scalars().all()
    return True, bool(row[1] and row[1].startswith(_MARK)), list(objects)


def _check_replaceable(conn, schema: str, display: str) -> bool:
    """Whether ``schema`` exists; raise if it holds objects crmlab did not make."""
    exists, ours, objects = _schema_state(conn, schema)
    if exists and not ours and objects:
        shown = ", ".join(objects[:5]) + (", ..." if len(objects) > 5 else "")
        raise WarehouseError(f"schema {schema!r} of {display} holds {len(objects)} object(s) "
                             f"crmlab did not make ({shown}); use an empty database or move "
                             "them to another schema")
    return exists


def build_postgres(target: Target, tables: list[Table], *, comment: str) -> None:
    """Build ``tables`` into the PostgreSQL database of ``target`` in one transaction.

    The warehouse goes into schema ``public``, the truth (if among ``tables``) into
    ``truth``; both are replaced atomically. The tests build into a real server
    (``tests/warehouse``); without one, a build stops before touching anything:

    Examples
    --------
    >>> import crmlab as crm
    >>> from crmlab.warehouse import star_schema
    >>> from crmlab.warehouse.urls import parse_url
    >>> build_postgres(parse_url("postgresql://nobody@127.0.0.1:9/crm"),
    ...                star_schema(crm.make_world("tiny", seed=1)), comment="tiny")
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: cannot connect to PostgreSQL at ...
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    psycopg = require_driver("postgresql")
    engine = connect_engine(target)
    tag = uuid.uuid4().hex[:10]
    build = {None: f"crmlab_build_{tag}", TRUTH_SCHEMA: f"crmlab_build_{tag}_truth"}
    with_truth = any(t.schema == TRUTH_SCHEMA for t in tables)

    def qualify(table: Table | str, schema: str | None) -> str:
        name = table.name if isinstance(table, Table) else table
        return f"{ddl.quote(build[schema])}.{ddl.quote(name)}"

    try:
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            run = raw.execute  # no parameters: psycopg sends the text as it is ('%' too)
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
            _check_replaceable(conn, HOME_SCHEMA, target.display)
            truth_exists, truth_ours, truth_objects = _schema_state(conn, TRUTH_SCHEMA)
            truth_foreign = truth_exists and not truth_ours and bool(truth_objects)
            if with_truth and truth_foreign:
                _check_replaceable(conn, TRUTH_SCHEMA, target.display)
            run(f"CREATE SCHEMA {ddl.quote(build[None])}")
            if with_truth:
                run(f"CREATE SCHEMA {ddl.quote(build[TRUTH_SCHEMA])}")
            run(f"CREATE TABLE {qualify('_crmlab_build', None)} (built_from TEXT)")
            conn.execute(text(f"INSERT INTO {qualify('_crmlab_build', None)} VALUES (:c)"),
                         {"c": comment})
            run(f"COMMENT ON TABLE {qualify('_crmlab_build', None)} IS "
                + ddl.literal("Which world this warehouse was built from (crmlab)."))
            for table in tables:
                run(ddl.create_table(table, qualify, inline_constraints=False))
                _copy_table(raw, table, qualify(table, table.schema))
            for table in tables:  # primary keys first: foreign keys need them
                run(ddl.constraint_statements(table, qualify)[0])
            for table in tables:
                for statement in (ddl.constraint_statements(table, qualify)[1:]
                                  + ddl.index_statements(table, qualify)
                                  + ddl.comment_statements(table, qualify)):
                    run(statement)
            for table in tables:
                run(f"ANALYZE {qualify(table, table.schema)}")
            # the swap: nothing above is visible to anyone until this commits
            note = ddl.literal(f"{_MARK}: {comment}")
            run(f"DROP SCHEMA IF EXISTS {ddl.quote(HOME_SCHEMA)} CASCADE")
            run(f"ALTER SCHEMA {ddl.quote(build[None])} RENAME TO {ddl.quote(HOME_SCHEMA)}")
            run(f"COMMENT ON SCHEMA {ddl.quote(HOME_SCHEMA)} IS {note}")
            run(f"GRANT USAGE ON SCHEMA {ddl.quote(HOME_SCHEMA)} TO PUBLIC")
            if not truth_foreign:
                run(f"DROP SCHEMA IF EXISTS {ddl.quote(TRUTH_SCHEMA)} CASCADE")
            if with_truth:
                run(f"ALTER SCHEMA {ddl.quote(build[TRUTH_SCHEMA])} RENAME TO "
                    f"{ddl.quote(TRUTH_SCHEMA)}")
                run(f"COMMENT ON SCHEMA {ddl.quote(TRUTH_SCHEMA)} IS "
                    + ddl.literal(f"{_MARK} (hidden truth): {comment}"))
    except (DBAPIError, psycopg.Error) as exc:
        raise WarehouseError(f"building the warehouse on {target.display} failed: "
                             f"{_first_line(exc)}") from None
    finally:
        engine.dispose()
