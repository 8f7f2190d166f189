"""The same warehouse in DuckDB and PostgreSQL: contents, keys, comments, and SQL
analyses that agree with the pandas ones on the world's DataFrames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics.cohorts import cohort_retention
from crmlab.analytics.rfm import rfm_table
from crmlab.warehouse import DIMENSIONS, FACTS, read_sql, star_schema
from crmlab.warehouse.queries import cohort_retention_sql, customer_view_sql, rfm_sql
from crmlab.world.schema import TABLE_DOCS

pytestmark = pytest.mark.timeout(300)

SOURCES = {"dim_customer": "customers", "dim_campaign": "campaigns", "dim_tariff": "tariffs",
           "fact_transaction": "transactions", "fact_invoice": "invoices",
           "fact_payment": "payments", "fact_complaint": "complaints",
           "fact_contact": "contacts", "fact_interaction": "interactions"}


def _kind(url: str) -> str:
    return "duckdb" if url.startswith("duckdb") else "postgresql"


def test_every_table_has_the_rows_of_its_source(warehouse, warehouse_world):
    counts = {t: read_sql(warehouse, f"SELECT COUNT(*) AS n FROM {t}")["n"].item()
              for t in DIMENSIONS + FACTS}
    for table, source in SOURCES.items():
        assert counts[table] == len(getattr(warehouse_world, source)), table
    assert counts["dim_date"] > 365 and counts["dim_channel"] >= 8
    days = read_sql(warehouse, "SELECT MIN(date) AS a, MAX(date) AS b, COUNT(*) AS n "
                               "FROM dim_date")
    span = (pd.Timestamp(days["b"].item()) - pd.Timestamp(days["a"].item())).days + 1
    assert span == days["n"].item()  # one row per day, no gaps


def test_values_survive_the_trip(warehouse, warehouse_world):
    got = read_sql(warehouse, 'SELECT transaction_id, customer_id, "timestamp", amount, '
                              "channel, date_key FROM fact_transaction "
                              "ORDER BY transaction_id")
    want = warehouse_world.transactions.sort_values("transaction_id", ignore_index=True)
    assert got["transaction_id"].tolist() == want["transaction_id"].tolist()
    assert got["channel"].tolist() == want["channel"].astype(str).tolist()
    np.testing.assert_array_equal(got["amount"].to_numpy(), want["amount"].to_numpy())
    assert (pd.to_datetime(got["timestamp"]).to_numpy("datetime64[s]")
            == want["timestamp"].to_numpy("datetime64[s]")).all()
    keys = want["timestamp"].dt.strftime("%Y%m%d").astype(int)
    assert (got["date_key"].to_numpy() == keys.to_numpy()).all()
    nulls = read_sql(warehouse, "SELECT COUNT(*) AS n FROM dim_customer WHERE churn_date "
                                "IS NULL")["n"].item()
    assert nulls == warehouse_world.customers["churn_date"].isna().sum()


def test_customer_view_matches_pandas(warehouse, warehouse_world):
    w = warehouse_world
    got = read_sql(warehouse, customer_view_sql()).set_index("customer_id").sort_index()
    tx = w.transactions.groupby("customer_id")["amount"].agg(["size", "sum"])
    inv = w.invoices.assign(billed=w.invoices["amount"] + w.invoices["adjustment"]) \
        .groupby("customer_id").agg(invoices=("billed", "size"), billed=("billed", "sum"),
                                    disputes=("disputed", "sum"))
    paid = w.payments.groupby("customer_id")["amount"].sum()
    cmp = w.complaints.groupby("customer_id")["satisfaction"].agg(["size", "mean"])
    treated = w.contacts[w.contacts["group"] == "treatment"]
    con = treated.groupby("customer_id")["responded"].agg(["size", "sum"])
    itr = w.interactions.groupby("customer_id")["timestamp"].agg(["size", "max"])
    ids = w.customers.set_index("customer_id").sort_index().index
    assert got.index.equals(ids)
    pairs = {"purchases": tx["size"], "purchase_revenue": tx["sum"],
             "invoices": inv["invoices"], "billed": inv["billed"],
             "disputes": inv["disputes"], "paid": paid, "complaints": cmp["size"],
             "campaign_contacts": con["size"], "responses": con["sum"],
             "interactions": itr["size"]}
    for column, expected in pairs.items():
        np.testing.assert_allclose(got[column].to_numpy(float),
                                   expected.reindex(ids).fillna(0).to_numpy(float),
                                   rtol=1e-9, err_msg=column)
    np.testing.assert_allclose(got["mean_satisfaction"].to_numpy(float),
                               cmp["mean"].reindex(ids).to_numpy(float), rtol=1e-12)
    assert got["purchases"].sum() == len(w.transactions)
    assert (got["plan"].to_numpy() == w.customers.set_index("customer_id")
            .loc[ids, "plan"].astype(str).to_numpy()).all()


def test_rfm_in_sql_matches_rfm_table(warehouse, warehouse_world):
    end = warehouse_world.config.end
    want = rfm_table(warehouse_world.transactions, end=end)
    got = read_sql(warehouse, rfm_sql(end)).set_index("customer_id")
    assert got.index.tolist() == want.index.tolist()
    np.testing.assert_allclose(got["recency_days"], want["recency_days"], rtol=1e-12)
    np.testing.assert_allclose(got["monetary"], want["monetary"], rtol=1e-12)
    for column in ("purchases", "R", "F", "M", "score"):
        assert (got[column].to_numpy() == want[column].to_numpy()).all(), column
    assert got["cell"].tolist() == want["cell"].tolist()


def test_cohort_retention_in_sql_matches_pandas(warehouse, warehouse_world):
    want = cohort_retention(warehouse_world.transactions, freq="M")
    got = read_sql(warehouse, cohort_retention_sql())
    assert len(got) == len(want) and want["period"].max() > 3
    assert (pd.to_datetime(got["cohort"]).to_numpy() == want["cohort"].to_numpy()).all()
    for column in ("period", "customers", "active"):
        assert (got[column].to_numpy() == want[column].to_numpy()).all(), column
    np.testing.assert_allclose(got["retention"], want["retention"], rtol=1e-12)


def _catalog(url: str) -> tuple[set, set, dict, set]:
    """(primary keys, foreign keys, column comments, indexed columns) of the warehouse."""
    if _kind(url) == "duckdb":
        cons = read_sql(url, "SELECT table_name, constraint_type, constraint_column_names, "
                             "referenced_table FROM duckdb_constraints() "
                             "WHERE schema_name = 'main'")
        pks = {(r.table_name, tuple(r.constraint_column_names)) for r in cons.itertuples()
               if r.constraint_type == "PRIMARY KEY"}
        fks = {(r.table_name, r.constraint_column_names[0], r.referenced_table)
               for r in cons.itertuples() if r.constraint_type == "FOREIGN KEY"}
        cols = read_sql(url, "SELECT table_name, column_name, comment FROM duckdb_columns() "
                             "WHERE schema_name = 'main'")
        idx = read_sql(url, "SELECT table_name, expressions FROM duckdb_indexes()")
        indexed = {(r.table_name, str(r.expressions).strip("[]'\" ")) for r in idx.itertuples()}
    else:
        cons = read_sql(url, """
            SELECT c.conrelid::regclass::text AS table_name, c.contype,
                   a.attname AS column_name, c.confrelid::regclass::text AS referenced_table
            FROM pg_constraint c JOIN pg_attribute a
              ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.connamespace = 'public'::regnamespace""")
        pks = {(t, tuple(sorted(g["column_name"]))) for t, g in
               cons[cons["contype"] == "p"].groupby("table_name")}
        fks = {(r.table_name, r.column_name, r.referenced_table)
               for r in cons[cons["contype"] == "f"].itertuples()}
        cols = read_sql(url, """
            SELECT table_name, column_name,
                   col_description(('public.' || quote_ident(table_name))::regclass,
                                   ordinal_position) AS comment
            FROM information_schema.columns WHERE table_schema = 'public'""")
        idx = read_sql(url, "SELECT tablename AS table_name, indexdef FROM pg_indexes "
                            "WHERE schemaname = 'public' AND indexname LIKE 'ix_%'")
        indexed = {(r.table_name, r.indexdef.rsplit("(", 1)[1].strip(')" '))
                   for r in idx.itertuples()}
    comments = {(r.table_name, r.column_name): r.comment for r in cols.itertuples()}
    return pks, fks, comments, indexed


def test_keys_foreign_keys_indexes_and_comments(warehouse, warehouse_world):
    pks, fks, comments, indexed = _catalog(warehouse)
    for table in star_schema(warehouse_world):
        assert (table.name, tuple(sorted(table.primary_key))) in pks, table.name
        for fk in table.foreign_keys:
            assert (table.name, fk.column, fk.ref_table) in fks, (table.name, fk)
        for column in table.indexes:
            assert (table.name, column) in indexed, (table.name, column)
        for column in table.frame.columns:
            assert comments[(table.name, column)], (table.name, column)
    assert ("fact_payment", "invoice_id", "fact_invoice") in fks
    assert comments[("dim_customer", "plan")] == TABLE_DOCS["customers"][1]["plan"]
    assert "10% a year" in TABLE_DOCS["truth/customers"][1]["true_clv_3y"]


def test_foreign_keys_are_enforced(warehouse):
    bad = ("INSERT INTO fact_transaction (transaction_id, customer_id, \"timestamp\", "
           "date_key, amount, channel, kind) VALUES ('TX', 'NOBODY', TIMESTAMP "
           "'2024-01-01 00:00:00', 20240101, 1.0, 'app', 'top_up')")
    if _kind(warehouse) == "duckdb":
        import duckdb

        path = warehouse.removeprefix("duckdb:///")
        con = duckdb.connect(path)
        try:
            con.execute("BEGIN")
            with pytest.raises(duckdb.ConstraintException):
                con.execute(bad)
            con.execute("ROLLBACK")
        finally:
            con.close()
    else:
        import psycopg

        with psycopg.connect(warehouse) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(bad)


def test_column_types(warehouse):
    if _kind(warehouse) == "duckdb":
        sql = ("SELECT table_name, column_name, data_type FROM duckdb_columns() "
               "WHERE schema_name = 'main'")
    else:
        sql = ("SELECT table_name, column_name, data_type FROM information_schema.columns "
               "WHERE table_schema = 'public'")
    types = {(r.table_name, r.column_name): r.data_type.upper()
             for r in read_sql(warehouse, sql).itertuples()}
    assert types[("fact_invoice", "due_date")] == "DATE"
    assert types[("dim_date", "date")] == "DATE"
    assert types[("fact_transaction", "timestamp")].startswith("TIMESTAMP")
    assert types[("fact_transaction", "amount")] in ("DOUBLE", "DOUBLE PRECISION")
    assert types[("fact_invoice", "disputed")] == "BOOLEAN"
    assert types[("fact_transaction", "channel")] in ("VARCHAR", "TEXT")


def test_truth_is_left_out_by_default(warehouse):
    if _kind(warehouse) == "duckdb":
        sql = "SELECT DISTINCT schema_name AS s FROM duckdb_tables()"
    else:
        sql = ("SELECT DISTINCT table_schema AS s FROM information_schema.tables WHERE "
               "table_schema NOT IN ('pg_catalog', 'information_schema')")
    assert set(read_sql(warehouse, sql)["s"]) == {"main" if _kind(warehouse) == "duckdb"
                                                  else "public"}
    columns = read_sql(warehouse, "SELECT * FROM dim_customer WHERE 1 = 0").columns
    assert "segment" not in columns and "true_clv_3y" not in columns


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_with_truth_goes_into_the_truth_schema(kind, tmp_path, make_pg_database,
                                               warehouse_world):
    url = (f"duckdb:///{tmp_path}/t.duckdb" if kind == "duckdb"
           else make_pg_database("with_truth"))
    warehouse_world.to_warehouse(url, with_truth=True)
    truth = warehouse_world.truth
    got = read_sql(url, "SELECT customer_id, segment, true_clv_3y FROM truth.customers "
                        "ORDER BY customer_id")
    want = truth.customers.sort_values("customer_id", ignore_index=True)
    assert got["segment"].tolist() == want["segment"].astype(str).tolist()
    np.testing.assert_array_equal(got["true_clv_3y"], want["true_clv_3y"])
    for name, frame in truth.tables.items():
        n = read_sql(url, f"SELECT COUNT(*) AS n FROM truth.{name}")["n"].item()
        assert n == len(frame), name
    # the truth joins the warehouse on its keys
    joined = read_sql(url, "SELECT t.segment, COUNT(*) AS n FROM truth.customers t JOIN "
                           "dim_customer c ON c.customer_id = t.customer_id GROUP BY "
                           "t.segment")
    assert joined["n"].sum() == len(warehouse_world.customers)
    # rebuilding without the truth removes it
    warehouse_world.to_warehouse(url)
    with pytest.raises(Exception, match="(?i)truth|customers"):
        read_sql(url, "SELECT COUNT(*) FROM truth.customers")
