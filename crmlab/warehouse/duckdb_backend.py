"""Build the warehouse into an embedded DuckDB file, all or nothing, never over
something crmlab did not make, never under another program's feet.

* The tables are written into a temporary file beside the destination; only a
  complete, closed file is renamed over the old one (``os.replace``, atomic on one
  file system). A failed or interrupted build leaves the previous warehouse as it was.
  Rows go in as Arrow tables with ``INSERT ... SELECT`` — no row-by-row inserts.
* The destination is replaced without asking only if it is missing, empty, or a
  crmlab warehouse holding nothing but the tables its mark lists
  (:mod:`crmlab.warehouse.marker`); anything else needs ``overwrite=True``.
* A lock file beside the destination (:mod:`crmlab.warehouse.locks`) lets one build
  run at a time. A program that has the file open for writing holds DuckDB's own lock
  on it: the build opens the old file read-only before it starts and again while it
  swaps the files, so it stops with a clear error instead of replacing the file under
  that program (whose later writes would go to a deleted file). Readers do not block
  a rebuild; they keep seeing the old warehouse until they reconnect.
* Any DuckDB or file-system error (disk full, a foreign-key violation in damaged data)
  becomes a one-line :class:`~crmlab.warehouse.errors.WarehouseError` naming the file,
  the step (table) and the cause.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import glob
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from . import ddl
from .errors import WarehouseError, WarehouseOverwriteWarning, first_line
from .locks import build_lock
from .marker import MARKER_TABLE, BuildInfo, foreign_objects, marker_statements, replace_decision
from .model import Table
from .urls import require_driver

__all__ = ["build_duckdb", "check_duckdb", "describe_file", "open_error"]

_MAGIC = ((b"SQLite format 3\x00", "a SQLite database"), (b"PAR1", "a Parquet file"),
          (b"ARROW1", "an Arrow IPC file"), (b"PK\x03\x04", "a ZIP archive or Office document"),
          (b"%PDF", "a PDF document"), (b"\x89HDF", "an HDF5 file"))
_OBJECTS = """\
SELECT schema_name, table_name FROM duckdb_tables()
 WHERE NOT internal AND NOT temporary AND database_name = current_database()
UNION ALL SELECT schema_name, view_name FROM duckdb_views()
 WHERE NOT internal AND NOT temporary AND database_name = current_database()
UNION ALL SELECT schema_name, sequence_name FROM duckdb_sequences()
 WHERE NOT temporary AND database_name = current_database()
UNION ALL SELECT schema_name, function_name FROM duckdb_functions()
 WHERE NOT internal AND database_name = current_database()
UNION ALL SELECT schema_name, type_name FROM duckdb_types()
 WHERE NOT internal AND database_name = current_database()"""


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


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.1f} KiB" if n < 1024 ** 2 else f"{n / 1024 ** 2:.1f} MiB"


def describe_file(head: bytes, size: int) -> str:
    """What a file that is not a DuckDB database is, from its first bytes, for messages.

    Examples
    --------
    >>> describe_file(b"customer_id,name\\nC1,Ann\\n", 2048)
    "a text file (2.0 KiB, first line 'customer_id,name')"
    >>> describe_file(b"PAR1\\x00\\x15", 100)
    'a Parquet file (100 bytes)'
    >>> describe_file(b"\\x00\\x01\\x02", 3)
    'a file of 3 bytes that is not a DuckDB database'
    """
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"{name} ({_size(size)})"
    try:  # a multi-byte character cut at the end of ``head`` is fine
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        line = text.lstrip("\ufeff").splitlines()[0][:60] if text.strip() else ""
        return f"a text file ({_size(size)}, first line {line!r})"
    return f"a file of {_size(size)} that is not a DuckDB database"


def open_error(path: Path, exc: Exception) -> WarehouseError | None:
    """The error to give when DuckDB cannot open ``path`` because a writer holds it;
    ``None`` for other failures.

    DuckDB locks a database file while it is open for writing (``fcntl``): other
    processes then cannot open it at all, and this process only with the same settings.

    Examples
    --------
    >>> e = RuntimeError('IO Error: Could not set lock on file "/d/crm.duckdb": Conflicting '
    ...                  'lock is held in /usr/bin/python3 (PID 4242). See also ...')
    >>> print(open_error(Path("/d/crm.duckdb"), e))
    /d/crm.duckdb is open for writing in another program (/usr/bin/python3, PID 4242); replacing it now would lose what that program writes later: close it there, then build again
    >>> open_error(Path("/d/crm.duckdb"), RuntimeError("not a valid DuckDB database")) is None
    True
    """  # noqa: E501
    text = str(exc)
    later = "replacing it now would lose what that program writes later"
    if "Could not set lock" in text or "Conflicting lock" in text:
        held = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", text)
        who = f" ({held.group(1)}, PID {held.group(2)})" if held else ""
        return WarehouseError(f"{path} is open for writing in another program{who}; {later}: "
                              "close it there, then build again")
    if "different configuration" in text:
        return WarehouseError(f"{path} is open in this Python process with other settings "
                              "(a duckdb.connect or %sql connection, perhaps for writing); "
                              "close that connection (%sql --close NAME), then build again")
    return None


@contextlib.contextmanager
def _held(duckdb, path: Path) -> Iterator[tuple[str | None, object | None]]:
    """Look at what is at ``path``: yields (kind, connection).

    ``kind`` describes a file that is not a readable DuckDB database (``None`` when
    there is no file, an empty one, or a DuckDB database); ``connection`` is a
    read-only connection to the DuckDB database, kept open (and so holding a shared
    lock that no writer can get past) until the block ends.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except FileNotFoundError:
        size, head = 0, b""
    except OSError as exc:
        raise WarehouseError(f"cannot read {path}: {exc.strerror or exc}") from None
    kind = con = None
    if size and head[8:12] != b"DUCK":  # DuckDB's magic bytes, after an 8-byte checksum
        kind = describe_file(head, size)
    elif size:
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            locked = open_error(path, exc)
            if locked is not None:
                raise locked from exc
            kind = f"a DuckDB database crmlab cannot open ({first_line(exc)})"
    try:
        yield kind, con
    finally:
        if con is not None:
            con.close()


def _objects(con) -> tuple[list[str], dict | None]:
    """Names of everything in the database (``schema.name`` outside ``main``), and the
    marker row (``None`` without a marker)."""
    names = [name if schema == "main" else f"{schema}.{name}"
             for schema, name in con.execute(_OBJECTS).fetchall()]
    marker = None
    if MARKER_TABLE in names:
        cur = con.execute(f"SELECT * FROM {_qualify(MARKER_TABLE, None)}")
        row = cur.fetchone()
        if row is not None:
            marker = dict(zip([d[0] for d in cur.description], row, strict=True))
    return names, marker


def _decide(duckdb, path: Path, kind: str | None, con, overwrite: bool) -> str | None:
    """Raise if ``path`` may not be replaced; else the warning to give once it is."""
    wal = Path(str(path) + ".wal")
    if wal.exists():  # it would be replayed into the new file: never leave it behind
        raise WarehouseError(f"{path} has an unfinished write-ahead log ({wal.name}): a "
                             "program that had it open for writing did not close it; open "
                             "it once with DuckDB and close it (that merges the log), then "
                             "build again")
    if con is not None:
        try:
            names, marker = _objects(con)
        except duckdb.Error as exc:  # a DuckDB file crmlab cannot read through
            kind = f"a DuckDB database crmlab cannot read ({first_line(exc)})"
        else:
            return replace_decision(str(path), foreign=foreign_objects(names, marker),
                                    overwrite=overwrite)
    return replace_decision(str(path), kind=kind, overwrite=overwrite)


def _tmp_prefix(path: Path) -> str:
    return f".crmlab-tmp-{path.name}-"


def _remove_stale(path: Path) -> None:
    """Remove temporary files an earlier build of ``path`` left when it was killed
    (SIGKILL, power loss). Called under the build lock: no live build owns them."""
    for stale in path.parent.glob(f"{glob.escape(_tmp_prefix(path))}*.duckdb"):
        _remove(stale)


def _write(duckdb, path: Path, tables: list[Table], info: BuildInfo) -> Path:
    """Write the warehouse into a new temporary file beside ``path``; return it."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".duckdb",
                                        dir=path.parent)
    except OSError as exc:
        raise WarehouseError(f"cannot write a warehouse in {path.parent}: "
                             f"{exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB creates the file itself (an empty file is not a database)
    step = "creating the file"
    try:
        con = duckdb.connect(str(tmp))
        try:
            for schema in sorted({t.schema for t in tables if t.schema}):
                con.execute(f"CREATE SCHEMA {ddl.quote(schema)}")
            step = f"writing {MARKER_TABLE}"
            for statement in marker_statements(info, _qualify(MARKER_TABLE, None)):
                con.execute(statement)
            for table in tables:
                step = f"loading {table.qualified_name}"
                _load_table(con, table)
            step = "writing the file to disk (checkpoint)"
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except (duckdb.Error, OSError) as exc:
        _remove(tmp)
        raise WarehouseError(f"cannot build the warehouse {path}: {step} failed: "
                             f"{first_line(exc)}") from exc
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every file system can)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _resolve(path: Path) -> Path:
    path = Path(path).expanduser().absolute()
    if path.exists() and not path.is_file():
        raise WarehouseError(f"{path} exists and is not a file; choose a .duckdb file path")
    return path


def check_duckdb(path: Path, *, overwrite: bool = False) -> None:
    """Raise the :class:`WarehouseError` a build of ``path`` would stop with at once
    (something crmlab may not replace, another build, a writing program), without
    building: lets the CLI fail before it makes a world.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     (Path(folder) / "crm.duckdb").write_text("a,b\\n1,2\\n")
    ...     check_duckdb(Path(folder) / "crm.duckdb")
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: .../crm.duckdb is not a crmlab warehouse but a text file (8 bytes, first line 'a,b'); ...
    """  # noqa: E501
    duckdb = require_driver("duckdb")
    path = _resolve(path)
    if path.parent.is_dir():
        with build_lock(path):
            pass
    with _held(duckdb, path) as (kind, con):
        _decide(duckdb, path, kind, con, overwrite)


def build_duckdb(path: Path, tables: list[Table], *, info: BuildInfo,
                 overwrite: bool = False) -> Path:
    """Write ``tables`` into the DuckDB file ``path`` (replacing it atomically).

    Parameters
    ----------
    path : Path
        The warehouse file; its folder is created if needed.
    tables : list of Table
        In load order (see :func:`crmlab.warehouse.model.star_schema`).
    info : BuildInfo
        What the marker table ``_crmlab_build`` records (see
        :func:`crmlab.warehouse.marker.build_info`).
    overwrite : bool, default=False
        Also replace a file that is not a crmlab warehouse, or one holding tables
        crmlab did not make (with a :class:`WarehouseOverwriteWarning` naming them).

    Returns
    -------
    Path
        The absolute path of the warehouse.

    Raises
    ------
    WarehouseError
        The destination is not crmlab's (and ``overwrite`` is false), another build or
        a writing program holds it, or DuckDB failed (the message names the step).

    Examples
    --------
    >>> import tempfile
    >>> import crmlab as crm
    >>> from crmlab.warehouse import star_schema
    >>> from crmlab.warehouse.marker import build_info
    >>> w = crm.make_world("tiny", seed=1)
    >>> tables = star_schema(w)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = build_duckdb(Path(folder) / "crm.duckdb", tables,
    ...                         info=build_info(w, tables))
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['crm.duckdb']
    """
    duckdb = require_driver("duckdb")
    path = _resolve(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot write a warehouse in {path.parent}: "
                             f"{exc.strerror or exc}") from None
    with build_lock(path):
        with _held(duckdb, path) as (kind, con):  # fail before the work, not after it
            _decide(duckdb, path, kind, con, overwrite)
        _remove_stale(path)
        tmp = _write(duckdb, path, tables, info)
        try:
            # look again, and keep the old file open read-only while swapping, so that
            # no program can open it for writing in between
            with _held(duckdb, path) as (kind, con):
                notice = _decide(duckdb, path, kind, con, overwrite)
                os.replace(tmp, path)
        except OSError as exc:
            _remove(tmp)
            raise WarehouseError(f"cannot replace {path}: {exc.strerror or exc}") from None
        except BaseException:
            _remove(tmp)
            raise
        _sync_folder(path.parent)
    if notice:
        warnings.warn(notice, WarehouseOverwriteWarning, stacklevel=3)
    return path
