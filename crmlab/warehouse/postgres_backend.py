"""Build the warehouse on a PostgreSQL server, all or nothing.

Everything happens in one transaction: the tables are created in a fresh temporary
schema and filled with ``COPY`` (psycopg 3's copy API, CSV written by Arrow in
batches); keys, indexes and comments are added; then the old ``public`` (and
``truth``) schema is dropped and the new one renamed in its place. PostgreSQL's DDL
is transactional, so until the commit other sessions see the old warehouse, and a
failure or interruption at any point rolls everything back.

The build only replaces schemas that are empty or hold nothing but what crmlab made
(the schema comment and the marker table ``_crmlab_build`` say so); anything else in
``public`` stops it with a clear message unless ``overwrite=True``. An advisory lock
(``pg_try_advisory_xact_lock``) lets one build run per database at a time: a second
concurrent build fails at once instead of waiting and then replacing the first.
"""

from __future__ import annotations

import io
import uuid
import warnings

import pyarrow as pa
import pyarrow.csv as pa_csv

from . import ddl
from .errors import WarehouseError, WarehouseOverwriteWarning, first_line
from .marker import MARKER_TABLE, BuildInfo, foreign_objects, marker_statements, replace_decision
from .model import TRUTH_SCHEMA, Table
from .urls import Target, require_driver

__all__ = ["build_postgres", "check_postgres", "connect_engine"]

HOME_SCHEMA = "public"
_MARK = "crmlab warehouse"
_LOCK = 0x63726D6C  # "crml": one build at a time per database
_BATCH = 100_000


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
                             f"{first_line(exc)}") from None
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
    """(exists, marked by crmlab, names of objects in it)."""
    from sqlalchemy import text

    row = conn.execute(text("SELECT oid, obj_description(oid, 'pg_namespace') FROM "
                            "pg_namespace WHERE nspname = :s"), {"s": schema}).first()
    if row is None:
        return False, False, []
    objects = conn.execute(text(
        "SELECT relname FROM pg_class WHERE relnamespace = :oid AND relkind IN "
        "('r', 'v', 'm', 'p', 'f', 'S') UNION ALL SELECT proname FROM pg_proc "
        "WHERE pronamespace = :oid UNION ALL SELECT typname FROM pg_type WHERE "
        "typnamespace = :oid AND typtype IN ('e', 'd', 'r') ORDER BY 1"),
        {"oid": row[0]}).scalars().all()
    return True, bool(row[1] and row[1].startswith(_MARK)), list(objects)


def _marker(conn, marked: bool, objects: list[str]) -> dict | None:
    """The marker row of ``public`` (``{}`` for a schema marked only by its comment,
    as builds before the marker listed its tables left it; ``None``: no mark)."""
    from sqlalchemy import text

    if MARKER_TABLE not in objects:
        return {} if marked else None
    row = conn.execute(text(f"SELECT * FROM {ddl.quote(HOME_SCHEMA)}."
                            f"{ddl.quote(MARKER_TABLE)}")).mappings().first()
    return dict(row) if row is not None else ({} if marked else None)


def _replaceable(conn, display: str, *, with_truth: bool, overwrite: bool
                 ) -> tuple[bool, str | None]:
    """Check what the build would replace: (drop the old truth schema?, the warning to
    give after the build). Raises when something crmlab did not make is in the way and
    ``overwrite`` is false."""
    exists, marked, objects = _schema_state(conn, HOME_SCHEMA)
    marker = _marker(conn, marked, objects) if exists else None
    foreign = {HOME_SCHEMA: foreign_objects(objects, marker)}
    t_exists, t_marked, t_objects = _schema_state(conn, TRUTH_SCHEMA)
    # a truth schema crmlab did not make is left alone unless the build writes one
    drop_truth = t_exists and (t_marked or with_truth or not t_objects)
    if drop_truth:
        qualified = [f"{TRUTH_SCHEMA}.{name}" for name in t_objects]
        foreign[TRUTH_SCHEMA] = (foreign_objects(qualified, marker) if t_marked
                                 else qualified)
    schemas = [name for name, names in foreign.items() if names]
    where = (f"schema {schemas[0]!r} of {display}" if len(schemas) == 1 else
             f"schemas {HOME_SCHEMA!r} and {TRUTH_SCHEMA!r} of {display}")
    notice = replace_decision(where, foreign=[n for names in foreign.values() for n in names],
                              overwrite=overwrite,
                              instead="use an empty database or move them to another schema")
    return drop_truth, notice


def _try_lock(conn, display: str) -> None:
    from sqlalchemy import text

    if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK}).scalar():
        raise WarehouseError(f"another crmlab build of {display} is running; wait until it "
                             "has finished, then build again")


def check_postgres(target: Target, *, with_truth: bool = False, overwrite: bool = False
                   ) -> None:
    """Raise the :class:`WarehouseError` a build into ``target`` would stop with at once
    (unreachable server, something crmlab may not replace, another build running),
    without building or changing anything.

    Examples
    --------
    >>> from crmlab.warehouse.urls import parse_url
    >>> check_postgres(parse_url("postgresql://nobody@127.0.0.1:9/crm"))
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: cannot connect to PostgreSQL at ...
    """
    from sqlalchemy.exc import DBAPIError

    engine = connect_engine(target)
    try:
        with engine.connect() as conn:
            try:
                _try_lock(conn, target.display)
                _replaceable(conn, target.display, with_truth=with_truth, overwrite=overwrite)
            finally:
                conn.rollback()  # releases the lock; nothing was changed
    except DBAPIError as exc:
        raise WarehouseError(f"cannot check the warehouse on {target.display}: "
                             f"{first_line(exc)}") from exc
    finally:
        engine.dispose()


def build_postgres(target: Target, tables: list[Table], *, info: BuildInfo,
                   overwrite: bool = False) -> None:
    """Build ``tables`` into the PostgreSQL database of ``target`` in one transaction.

    The warehouse goes into schema ``public``, the truth (if among ``tables``) into
    ``truth``; both are replaced atomically, and only if they are empty or hold nothing
    but what an earlier crmlab build made (else ``overwrite=True`` is needed, and the
    build warns with a :class:`WarehouseOverwriteWarning` naming what it replaced). An
    advisory lock lets one build run per database at a time: a second one fails at
    once with a :class:`WarehouseError`. Any database error (a foreign-key violation,
    a full disk on the server) becomes a one-line :class:`WarehouseError` naming the
    table, and rolls everything back.

    The tests build into a real server (``tests/warehouse``); without one, a build stops
    before touching anything:

    Examples
    --------
    >>> import crmlab as crm
    >>> from crmlab.warehouse import star_schema
    >>> from crmlab.warehouse.marker import build_info
    >>> from crmlab.warehouse.urls import parse_url
    >>> w = crm.make_world("tiny", seed=1)
    >>> tables = star_schema(w)
    >>> build_postgres(parse_url("postgresql://nobody@127.0.0.1:9/crm"), tables,
    ...                info=build_info(w, tables))
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: cannot connect to PostgreSQL at ...
    """
    from sqlalchemy.exc import DBAPIError

    psycopg = require_driver("postgresql")
    engine = connect_engine(target)
    tag = uuid.uuid4().hex[:10]
    build = {None: f"crmlab_build_{tag}", TRUTH_SCHEMA: f"crmlab_build_{tag}_truth"}
    with_truth = any(t.schema == TRUTH_SCHEMA for t in tables)

    def qualify(table: Table | str, schema: str | None) -> str:
        name = table.name if isinstance(table, Table) else table
        return f"{ddl.quote(build[schema])}.{ddl.quote(name)}"

    step = "starting the build"
    try:
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            run = raw.execute  # no parameters: psycopg sends the text as it is ('%' too)
            _try_lock(conn, target.display)
            step = "checking what the build would replace"
            drop_truth, notice = _replaceable(conn, target.display, with_truth=with_truth,
                                              overwrite=overwrite)
            step = "creating the build schemas"
            run(f"CREATE SCHEMA {ddl.quote(build[None])}")
            if with_truth:
                run(f"CREATE SCHEMA {ddl.quote(build[TRUTH_SCHEMA])}")
            step = f"writing {MARKER_TABLE}"
            for statement in marker_statements(info, qualify(MARKER_TABLE, None)):
                run(statement)
            for table in tables:
                step = f"loading {table.qualified_name}"
                run(ddl.create_table(table, qualify, inline_constraints=False))
                _copy_table(raw, table, qualify(table, table.schema))
            for table in tables:  # primary keys first: foreign keys need them
                step = f"adding the primary key of {table.qualified_name}"
                run(ddl.constraint_statements(table, qualify)[0])
            for table in tables:
                step = f"adding the foreign keys, indexes and comments of {table.qualified_name}"
                for statement in (ddl.constraint_statements(table, qualify)[1:]
                                  + ddl.index_statements(table, qualify)
                                  + ddl.comment_statements(table, qualify)):
                    run(statement)
            for table in tables:
                step = f"analysing {table.qualified_name}"
                run(f"ANALYZE {qualify(table, table.schema)}")
            # the swap: nothing above is visible to anyone until this commits
            step = "replacing the old warehouse"
            note = ddl.literal(f"{_MARK}: {info.built_from}")
            run(f"DROP SCHEMA IF EXISTS {ddl.quote(HOME_SCHEMA)} CASCADE")
            run(f"ALTER SCHEMA {ddl.quote(build[None])} RENAME TO {ddl.quote(HOME_SCHEMA)}")
            run(f"COMMENT ON SCHEMA {ddl.quote(HOME_SCHEMA)} IS {note}")
            run(f"GRANT USAGE ON SCHEMA {ddl.quote(HOME_SCHEMA)} TO PUBLIC")
            if drop_truth:
                run(f"DROP SCHEMA {ddl.quote(TRUTH_SCHEMA)} CASCADE")
            if with_truth:
                run(f"ALTER SCHEMA {ddl.quote(build[TRUTH_SCHEMA])} RENAME TO "
                    f"{ddl.quote(TRUTH_SCHEMA)}")
                run(f"COMMENT ON SCHEMA {ddl.quote(TRUTH_SCHEMA)} IS "
                    + ddl.literal(f"{_MARK} (hidden truth): {info.built_from}"))
            step = "committing"
    except (DBAPIError, psycopg.Error) as exc:
        raise WarehouseError(f"building the warehouse on {target.display} failed while "
                             f"{step}: {first_line(exc)}") from exc
    finally:
        engine.dispose()
    if notice:
        warnings.warn(notice, WarehouseOverwriteWarning, stacklevel=3)
