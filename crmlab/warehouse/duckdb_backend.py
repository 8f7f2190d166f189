"""Build the warehouse into an embedded DuckDB file, all or nothing.

The tables are written into a temporary file beside the destination; only a complete,
closed file is renamed over the old one (``os.replace``, atomic on one file system).
A failed or interrupted build leaves the previous warehouse as it was. Rows go in as
Arrow tables with ``INSERT ... SELECT`` — no row-by-row inserts.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

import pyarrow as pa

from . import ddl
from .errors import WarehouseError
from .model import Table
from .urls import require_driver

__all__ = ["build_duckdb"]


def _qualify(table: Table | str, schema: str | None) -> str:
    name = table.name if isinstance(table, Table) else table
    return f"{ddl.quote(schema or 'main')}.{ddl.quote(name)}"


def _arrow(table: Table) -> pa.Table:
    return pa.Table.from_pandas(table.frame, preserve_index=False)


def _load_table(con, table: Table) -> None:
    """Create one table (keys included) and insert its rows from Arrow."""
    if table.schema:  # DuckDB has no foreign keys across schemas: truth keeps its keys only
        table = dataclasses.replace(table, foreign_keys=())
    con.execute(ddl.create_table(table, _qualify, inline_constraints=True))
    con.register("_crmlab_src", _arrow(table))
    try:
        con.execute(f"INSERT INTO {_qualify(table, table.schema)} SELECT * FROM _crmlab_src")
    finally:
        con.unregister("_crmlab_src")
    for statement in ddl.index_statements(table, _qualify):
        con.execute(statement)
    for statement in ddl.comment_statements(table, _qualify):
        con.execute(statement)


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def build_duckdb(path: Path, tables: list[Table], *, comment: str) -> Path:
    """Write ``tables`` into the DuckDB file ``path`` (replacing it atomically).

    Parameters
    ----------
    path : Path
        The warehouse file; its folder is created if needed.
    tables : list of Table
        In load order (see :func:`crmlab.warehouse.model.star_schema`).
    comment : str
        Stored in the one-row marker table ``_crmlab_build`` (which world the
        warehouse was built from).

    Returns
    -------
    Path
        The absolute path of the warehouse.

    Examples
    --------
    >>> import tempfile
    >>> import crmlab as crm
    >>> from crmlab.warehouse import star_schema
    >>> tables = star_schema(crm.make_world("tiny", seed=1))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = build_duckdb(Path(folder) / "crm.duckdb", tables, comment="tiny")
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['crm.duckdb']
    """
    duckdb = require_driver("duckdb")
    path = Path(path).expanduser().absolute()
    if path.exists() and not path.is_file():
        raise WarehouseError(f"{path} exists and is not a file; choose a .duckdb file path")
    if Path(str(path) + ".wal").exists():
        raise WarehouseError(f"{path} has an unfinished write-ahead log ({path.name}.wal): "
                             "another program has it open or did not close it; close it "
                             "first")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".crmlab-tmp-{path.stem}-", suffix=".duckdb",
                                        dir=path.parent)
    except OSError as exc:
        raise WarehouseError(f"cannot write a warehouse in {path.parent}: "
                             f"{exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB creates the file itself (an empty file is not a database)
    try:
        con = duckdb.connect(str(tmp))
        try:
            schemas = sorted({t.schema for t in tables if t.schema})
            for schema in schemas:
                con.execute(f"CREATE SCHEMA {ddl.quote(schema)}")
            con.execute("CREATE TABLE _crmlab_build (built_from TEXT)")
            con.execute("INSERT INTO _crmlab_build VALUES (?)", [comment])
            con.execute("COMMENT ON TABLE _crmlab_build IS "
                        + ddl.literal("Which world this warehouse was built from (crmlab)."))
            for table in tables:
                _load_table(con, table)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    return path
