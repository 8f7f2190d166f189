"""The customer data warehouse: a world as a star schema in DuckDB or PostgreSQL.

Customer data that the operator's sales, billing, service and marketing systems keep
apart is brought together in one database with one key per customer, a calendar, and
one fact table per kind of event — the layout analysts query with SQL.

* :func:`build_warehouse` (also ``World.to_warehouse`` and ``crmlab warehouse build``)
  writes the tables, all or nothing: a failed build leaves the previous warehouse as it
  was, and building again gives the same warehouse. It replaces only what crmlab made
  (a table ``_crmlab_build`` marks it) unless told ``overwrite=True``, one build runs
  at a time, and a DuckDB file another program has open for writing is left alone.
* :func:`read_sql` runs a query on a warehouse and returns a DataFrame.
* :mod:`crmlab.warehouse.queries` holds a customer view, RFM and cohort retention in
  SQL that runs on both databases.

Examples
--------
>>> import tempfile, crmlab as crm
>>> from crmlab.warehouse import build_warehouse, read_sql
>>> with tempfile.TemporaryDirectory() as folder:
...     url = f"duckdb:///{folder}/crm.duckdb"
...     _ = build_warehouse(crm.make_world("tiny", seed=1), url)
...     read_sql(url, "SELECT COUNT(*) AS n FROM dim_customer")["n"].item()
500
"""

from __future__ import annotations

from .build import build_warehouse, check_destination, read_sql
from .errors import WarehouseError, WarehouseOverwriteWarning
from .model import DIMENSIONS, FACTS, TRUTH_SCHEMA, WAREHOUSE_TABLES, star_schema
from .urls import parse_url

__all__ = ["DIMENSIONS", "FACTS", "TRUTH_SCHEMA", "WAREHOUSE_TABLES", "WarehouseError",
           "WarehouseOverwriteWarning", "build_warehouse", "check_destination", "parse_url",
           "read_sql", "star_schema"]
