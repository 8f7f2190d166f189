"""SQL text for the warehouse tables: CREATE TABLE, keys, indexes, comments.

The same statements serve DuckDB and PostgreSQL: identifiers are always double-quoted
(``"group"`` is a reserved word) and types are the common subset of both.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .model import Table

__all__ = ["comment_statements", "constraint_statements", "create_table", "index_statements",
           "literal", "quote", "sql_type"]


def quote(name: str) -> str:
    """A double-quoted SQL identifier.

    Examples
    --------
    >>> quote("group"), quote('odd"name')
    ('"group"', '"odd""name"')
    """
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A single-quoted SQL string literal.

    Examples
    --------
    >>> literal("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"


def sql_type(series: pd.Series, *, date: bool = False) -> str:
    """The SQL type of a DataFrame column (valid in DuckDB and PostgreSQL).

    Examples
    --------
    >>> sql_type(pd.Series([1.5])), sql_type(pd.Series(["a"])), sql_type(pd.Series([True]))
    ('DOUBLE PRECISION', 'TEXT', 'BOOLEAN')
    >>> sql_type(pd.Series(pd.to_datetime(["2024-01-01"])), date=True)
    'DATE'
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        size = dtype.itemsize
        return "SMALLINT" if size <= 2 else "INTEGER" if size == 4 else "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "DATE" if date else "TIMESTAMP"
    return "TEXT"


def create_table(table: Table, qualify: Callable[[Table | str, str | None], str], *,
                 inline_constraints: bool) -> str:
    """``CREATE TABLE`` for ``table``; with ``inline_constraints`` the primary and
    foreign keys are part of it (DuckDB cannot add foreign keys later).

    ``qualify(table_or_name, schema)`` returns the schema-qualified name to use.

    Examples
    --------
    >>> from crmlab.warehouse.model import ForeignKey, Table
    >>> t = Table("fact_x", None, pd.DataFrame({"x_id": ["a"], "customer_id": ["c"]}),
    ...           ("x_id",), (ForeignKey("customer_id", "dim_customer", "customer_id"),))
    >>> name = lambda table, schema: quote(getattr(table, "name", table))
    >>> print(create_table(t, name, inline_constraints=True))
    CREATE TABLE "fact_x" (
      "x_id" TEXT NOT NULL,
      "customer_id" TEXT,
      PRIMARY KEY ("x_id"),
      FOREIGN KEY ("customer_id") REFERENCES "dim_customer" ("customer_id")
    )
    """
    cols = []
    for name in table.frame.columns:
        kind = sql_type(table.frame[name], date=name in table.date_columns)
        not_null = " NOT NULL" if name in table.primary_key else ""
        cols.append(f"{quote(name)} {kind}{not_null}")
    if inline_constraints:
        cols.append(f"PRIMARY KEY ({', '.join(map(quote, table.primary_key))})")
        cols.extend(f"FOREIGN KEY ({quote(fk.column)}) REFERENCES "
                    f"{qualify(fk.ref_table, None)} ({quote(fk.ref_column)})"
                    for fk in table.foreign_keys)
    body = ",\n  ".join(cols)
    return f"CREATE TABLE {qualify(table, table.schema)} (\n  {body}\n)"


def constraint_statements(table: Table, qualify) -> list[str]:
    """``ALTER TABLE`` statements adding the primary key and the foreign keys.

    Examples
    --------
    >>> from crmlab.warehouse.model import Table
    >>> t = Table("dim_x", None, pd.DataFrame({"x_id": ["a"]}), ("x_id",))
    >>> constraint_statements(t, lambda table, schema: quote(table.name))
    ['ALTER TABLE "dim_x" ADD CONSTRAINT "pk_dim_x" PRIMARY KEY ("x_id")']
    """
    name = qualify(table, table.schema)
    out = [f"ALTER TABLE {name} ADD CONSTRAINT {quote('pk_' + table.name)} "
           f"PRIMARY KEY ({', '.join(map(quote, table.primary_key))})"]
    out.extend(f"ALTER TABLE {name} ADD CONSTRAINT {quote(f'fk_{table.name}_{fk.column}')} "
               f"FOREIGN KEY ({quote(fk.column)}) REFERENCES {qualify(fk.ref_table, None)} "
               f"({quote(fk.ref_column)})" for fk in table.foreign_keys)
    return out


def index_statements(table: Table, qualify) -> list[str]:
    """``CREATE INDEX`` for each indexed column.

    Examples
    --------
    >>> from crmlab.warehouse.model import Table
    >>> t = Table("fact_x", None, pd.DataFrame({"x_id": ["a"], "day": [1]}), ("x_id",),
    ...           indexes=("day",))
    >>> index_statements(t, lambda table, schema: quote(table.name))
    ['CREATE INDEX "ix_fact_x_day" ON "fact_x" ("day")']
    """
    return [f"CREATE INDEX {quote(f'ix_{table.name}_{col}')} ON {qualify(table, table.schema)} "
            f"({quote(col)})" for col in table.indexes]


def comment_statements(table: Table, qualify) -> list[str]:
    """``COMMENT ON`` the table and each documented column.

    Examples
    --------
    >>> from crmlab.warehouse.model import Table
    >>> t = Table("dim_x", None, pd.DataFrame({"x_id": ["a"]}), ("x_id",),
    ...           comment="Things.", column_comments={"x_id": "Thing's key."})
    >>> for s in comment_statements(t, lambda table, schema: quote(table.name)):
    ...     print(s)
    COMMENT ON TABLE "dim_x" IS 'Things.'
    COMMENT ON COLUMN "dim_x"."x_id" IS 'Thing''s key.'
    """
    name = qualify(table, table.schema)
    out = [f"COMMENT ON TABLE {name} IS {literal(table.comment)}"] if table.comment else []
    out.extend(f"COMMENT ON COLUMN {name}.{quote(col)} IS {literal(table.column_comments[col])}"
               for col in table.frame.columns if col in table.column_comments)
    return out
