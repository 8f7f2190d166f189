"""Build a warehouse from a world, and query one: the entry points of the package."""

from __future__ import annotations

import pandas as pd

from .errors import WarehouseError
from .model import star_schema
from .urls import parse_url, require_driver

__all__ = ["build_warehouse", "read_sql"]


def _describe(world) -> str:
    c = world.config
    return (f"crmlab world: seed {world.seed}, {len(world.customers):,} customers, "
            f"{c.start}..{c.end}, locale {c.locale}")


def build_warehouse(world, url: str, *, with_truth: bool = False) -> str:
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

    Returns
    -------
    str
        Where the warehouse is (file path or URL without password).

    Raises
    ------
    WarehouseError
        Unknown URL scheme, missing driver, refused connection, or a destination that
        holds things crmlab did not make. The previous warehouse is then untouched.

    Examples
    --------
    >>> import tempfile, crmlab as crm
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     where = build_warehouse(crm.make_world("tiny", seed=1),
    ...                             f"duckdb:///{folder}/crm.duckdb")
    >>> where.endswith("crm.duckdb")
    True
    """
    target = parse_url(url)
    if not isinstance(with_truth, bool):
        raise TypeError(f"with_truth must be True or False; got {with_truth!r}")
    tables = star_schema(world, with_truth=with_truth)
    if target.kind == "duckdb":
        from .duckdb_backend import build_duckdb

        return str(build_duckdb(target.path, tables, comment=_describe(world)))
    from .postgres_backend import build_postgres

    build_postgres(target, tables, comment=_describe(world))
    return target.display


def read_sql(url: str, sql: str) -> pd.DataFrame:
    """Run one query on a warehouse and return the result as a DataFrame.

    Parameters
    ----------
    url : str
        As for :func:`build_warehouse`.
    sql : str
        A ``SELECT`` statement.

    Examples
    --------
    >>> import tempfile, crmlab as crm
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     url = f"duckdb:///{folder}/crm.duckdb"
    ...     _ = build_warehouse(crm.make_world("tiny", seed=1), url)
    ...     read_sql(url, "SELECT plan, COUNT(*) AS n FROM dim_customer GROUP BY plan "
    ...                   "ORDER BY plan")["plan"].tolist()
    ['postpaid', 'prepaid']
    """
    target = parse_url(url)
    if target.kind == "duckdb":
        duckdb = require_driver("duckdb")
        if not target.path.is_file():
            raise WarehouseError(f"no warehouse at {target.path}; build one first with "
                                 "crmlab warehouse build")
        con = duckdb.connect(str(target.path), read_only=True)
        try:
            return con.execute(sql).df()
        finally:
            con.close()
    from .postgres_backend import connect_engine

    engine = connect_engine(target)
    try:
        from sqlalchemy import text

        with engine.connect() as conn:
            return pd.read_sql_query(text(sql), conn)
    finally:
        engine.dispose()
