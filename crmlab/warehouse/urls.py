"""Warehouse URLs: which database a build goes to, with clear errors for wrong ones.

Two kinds are understood:

* ``duckdb:///path/crm.duckdb`` — an embedded DuckDB file (three slashes: a relative
  path, four: an absolute one, as in SQLAlchemy);
* ``postgresql://user[:password]@host[:port]/database`` — a PostgreSQL server, through
  SQLAlchemy and psycopg 3 (``postgresql+psycopg://`` and ``postgres://`` mean the
  same).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from .errors import WarehouseError

__all__ = ["Target", "parse_url", "require_driver"]

_EXAMPLES = "duckdb:///path/crm.duckdb or postgresql://user@host:5432/database"
_DRIVERS = {"duckdb": ("duckdb", "DuckDB"), "postgresql": ("psycopg", "PostgreSQL (psycopg 3)")}


@dataclass(frozen=True)
class Target:
    """Where a warehouse goes.

    Attributes
    ----------
    kind : {"duckdb", "postgresql"}
    path : Path or None
        The DuckDB file.
    url : str or None
        The SQLAlchemy URL of the PostgreSQL database (driver ``postgresql+psycopg``).
    display : str
        The URL without its password, for messages.
    """

    kind: str
    path: Path | None
    url: str | None
    display: str


def parse_url(url: str) -> Target:
    """Check a warehouse URL and say what it points at.

    Raises :class:`WarehouseError` for an unknown scheme, an unsupported driver or a
    URL without a file or database.

    Examples
    --------
    >>> parse_url("duckdb:///out/crm.duckdb").path
    PosixPath('out/crm.duckdb')
    >>> parse_url("postgresql://ann@127.0.0.1:5433/crm").url
    'postgresql+psycopg://ann@127.0.0.1:5433/crm'
    >>> parse_url("mysql://x@y/z")
    Traceback (most recent call last):
    ...
    crmlab.warehouse.errors.WarehouseError: unknown warehouse URL scheme 'mysql' in 'mysql://x@y/z'; use duckdb:///path/crm.duckdb or postgresql://user@host:5432/database
    """  # noqa: E501
    if not isinstance(url, str):
        raise TypeError(f"url must be a string; got {type(url).__name__}")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise WarehouseError(f"cannot read warehouse URL {url!r}; use {_EXAMPLES}") from None
    display = parsed.render_as_string(hide_password=True)
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "duckdb":
        if driver:
            raise WarehouseError(f"unsupported DuckDB driver {driver!r} in {display!r}; "
                                 "use duckdb:///path/crm.duckdb")
        if not parsed.database or parsed.database == ":memory:":
            raise WarehouseError(f"a DuckDB warehouse needs a file, e.g. "
                                 f"duckdb:///path/crm.duckdb; got {display!r}")
        return Target("duckdb", Path(parsed.database), None, display)
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise WarehouseError(f"unsupported PostgreSQL driver {driver!r} in {display!r}; "
                                 "use postgresql:// or postgresql+psycopg:// (psycopg 3)")
        if not parsed.database:
            raise WarehouseError(f"no database named in {display!r}; use {_EXAMPLES}")
        full = parsed.set(drivername="postgresql+psycopg")
        return Target("postgresql", None, full.render_as_string(hide_password=False),
                      full.render_as_string(hide_password=True))
    raise WarehouseError(f"unknown warehouse URL scheme {backend!r} in {display!r}; "
                         f"use {_EXAMPLES}")


def require_driver(kind: str):
    """Import the driver module of a backend; a clear error if it is not installed.

    Examples
    --------
    >>> require_driver("duckdb").__name__
    'duckdb'
    """
    module, label = _DRIVERS[kind]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise WarehouseError(f"the {label} driver is not installed (python package "
                             f"{module!r}: {exc}); install crmlab's dependencies, e.g. "
                             "bash scripts/setup.sh") from None
