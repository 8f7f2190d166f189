"""Build a warehouse from a world, and query one: the entry points of the package."""

from __future__ import annotations

import pandas as pd

from .errors import WarehouseError, first_line
from .marker import build_info
from .model import star_schema
from .urls import parse_url, require_driver

__all__ = ["build_warehouse", "check_destination", "read_sql"]


def build_warehouse(world, url: str, *, with_truth: bool = False,
                    overwrite: bool = False) -> str:
    """Write a world into a warehouse as a star schema, all or nothing.

    Parameters
    ----------
    world : World
    url : str
        ``duckdb:///path/crm.duckdb`` (embedded file) or
        ``postgresql://user@host:port/database`` (a server; the tables go into the
        ``public`` schema).
    with_truth : bool, default=False
        Also write the hidden truth, into a separate schema ``truth``. Without it a
        rebuild removes a ``truth`` schema an earlier build left.
    overwrite : bool, default=False
        Also replace what crmlab did not make: a file at the DuckDB path that is not a
        crmlab warehouse (a CSV, your own DuckDB database), or tables someone else put
        into the database. The build then warns (:class:`WarehouseOverwriteWarning`)
        naming what it replaced. Without it such a destination stops the build.

    Returns
    -------
    str
        Where the warehouse is (file path or URL without password).

    Raises
    ------
    WarehouseError
        Unknown URL scheme, missing driver, refused connection, a destination that
        holds things crmlab did not make (without ``overwrite``), another build or a
        writing program holding the destination, or a database error (disk full, a key
        violation in damaged data): one line naming the file or table and the cause.
        The previous warehouse is then untouched.

    Examples
    --------
    >>> import tempfile, crmlab as crm
    >>> w = crm.make_world("tiny", seed=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with open(f"{folder}/crm.duckdb", "w") as f:
    ...         _ = f.write("customer_id,name\\n")
    ...     build_warehouse(w, f"duckdb:///{folder}/crm.duckdb")
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: .../crm.duckdb is not a crmlab warehouse but a text file (17 bytes, first line 'customer_id,name'); pass overwrite=True (crmlab warehouse build --overwrite) to replace it, or choose another file
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     where = build_warehouse(w, f"duckdb:///{folder}/crm.duckdb")
    ...     where = build_warehouse(w, f"duckdb:///{folder}/crm.duckdb")  # its own: fine
    >>> where.endswith("crm.duckdb")
    True
    """  # noqa: E501
    target = parse_url(url)
    for name, value in (("with_truth", with_truth), ("overwrite", overwrite)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False; got {value!r}")
    tables = star_schema(world, with_truth=with_truth)
    info = build_info(world, tables)
    if target.kind == "duckdb":
        from .duckdb_backend import build_duckdb

        return str(build_duckdb(target.path, tables, info=info, overwrite=overwrite))
    from .postgres_backend import build_postgres

    build_postgres(target, tables, info=info, overwrite=overwrite)
    return target.display


def check_destination(url: str, *, with_truth: bool = False, overwrite: bool = False) -> None:
    """Fail now, as :func:`build_warehouse` would, if the destination cannot take a
    build: a wrong URL, a missing driver, an unreachable server, something crmlab may
    not replace (without ``overwrite``), another build or a writing program holding it.
    Builds nothing and changes nothing (the CLI calls it before it makes a world).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     check_destination(f"duckdb:///{folder}/crm.duckdb")  # nothing there yet: fine
    >>> check_destination("mysql://ann@db/crm")
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: unknown warehouse URL scheme 'mysql' ...
    """
    target = parse_url(url)
    if target.kind == "duckdb":
        from .duckdb_backend import check_duckdb

        check_duckdb(target.path, overwrite=overwrite)
        return
    from .postgres_backend import check_postgres

    check_postgres(target, with_truth=with_truth, overwrite=overwrite)


def read_sql(url: str, sql: str) -> pd.DataFrame:
    """Run one query on a warehouse and return the result as a DataFrame.

    Parameters
    ----------
    url : str
        As for :func:`build_warehouse`.
    sql : str
        A ``SELECT`` statement.

    Raises
    ------
    WarehouseError
        No warehouse there, or the database refused the query: one line naming the
        warehouse and the cause (the database's own error is its ``__cause__``).

    Examples
    --------
    >>> import tempfile, crmlab as crm
    >>> folder = tempfile.TemporaryDirectory()
    >>> url = f"duckdb:///{folder.name}/crm.duckdb"
    >>> _ = build_warehouse(crm.make_world("tiny", seed=1), url)
    >>> read_sql(url, "SELECT plan, COUNT(*) AS n FROM dim_customer GROUP BY plan "
    ...               "ORDER BY plan")["plan"].tolist()
    ['postpaid', 'prepaid']
    >>> read_sql(url, "SELECT nothing FROM dim_customer")
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: query on .../crm.duckdb failed: Binder Error: Referenced column "nothing" not found in FROM clause!
    >>> folder.cleanup()
    """  # noqa: E501
    target = parse_url(url)
    if target.kind == "duckdb":
        duckdb = require_driver("duckdb")
        if not target.path.is_file():
            raise WarehouseError(f"no warehouse at {target.path}; build one first with "
                                 "crmlab warehouse build")
        try:
            con = duckdb.connect(str(target.path), read_only=True)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open the warehouse {target.path}: "
                                 f"{first_line(exc)}") from exc
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            raise WarehouseError(f"query on {target.path} failed: {first_line(exc)}") from exc
        finally:
            con.close()
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from .postgres_backend import connect_engine

    engine = connect_engine(target)
    try:
        with engine.connect() as conn:
            return pd.read_sql_query(text(sql), conn)
    except (DBAPIError, pd.errors.DatabaseError) as exc:
        cause = exc  # pandas wraps the driver's error: report the driver's own words
        while not isinstance(cause, DBAPIError) and cause.__cause__ is not None:
            cause = cause.__cause__
        raise WarehouseError(f"query on {target.display} failed: "
                             f"{first_line(cause)}") from exc
    finally:
        engine.dispose()
