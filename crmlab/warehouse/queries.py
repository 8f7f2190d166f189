"""Analyses written in SQL against the star schema; the same text runs on DuckDB and
PostgreSQL and gives what the pandas versions in :mod:`crmlab.analytics` give.

* :func:`customer_view_sql` — one row per customer: purchases, bills, payments,
  complaints, campaign contacts and touchpoints side by side (the "single view").
* :func:`rfm_sql` — recency, purchase count, monetary value and their 1..bins scores, with
  ties scored together exactly like :func:`crmlab.analytics.rfm.rfm_table`.
* :func:`cohort_retention_sql` — monthly first-purchase cohorts, like
  :func:`crmlab.analytics.cohorts.cohort_retention` with ``freq="M"``.

Examples
--------
>>> print(rfm_sql("2024-12-31").splitlines()[0])
WITH log AS (
"""

from __future__ import annotations

import pandas as pd

__all__ = ["cohort_retention_sql", "customer_view_sql", "rfm_sql"]

#: Columns of the customer view, in order.
CUSTOMER_VIEW_COLUMNS = (
    "customer_id", "plan", "status", "province", "signup_date", "purchases",
    "purchase_revenue", "invoices", "billed", "paid", "disputes", "complaints",
    "mean_satisfaction", "campaign_contacts", "responses", "interactions", "last_interaction",
)


def customer_view_sql() -> str:
    """SQL of the single customer view (one row per customer, sorted by id).

    Each fact is aggregated per customer first and then joined to ``dim_customer``,
    so no join multiplies rows; customers without events get 0 (or NULL for means and
    last dates).

    Examples
    --------
    >>> "LEFT JOIN tx" in customer_view_sql()
    True
    """
    return """\
WITH tx AS (
    SELECT customer_id, COUNT(*) AS purchases, SUM(amount) AS purchase_revenue
    FROM fact_transaction GROUP BY customer_id),
inv AS (
    SELECT customer_id, COUNT(*) AS invoices, SUM(amount + adjustment) AS billed,
           SUM(CASE WHEN disputed THEN 1 ELSE 0 END) AS disputes
    FROM fact_invoice GROUP BY customer_id),
pay AS (
    SELECT customer_id, SUM(amount) AS paid FROM fact_payment GROUP BY customer_id),
cmp AS (
    SELECT customer_id, COUNT(*) AS complaints,
           AVG(CAST(satisfaction AS DOUBLE PRECISION)) AS mean_satisfaction
    FROM fact_complaint GROUP BY customer_id),
con AS (
    SELECT customer_id, COUNT(*) AS campaign_contacts,
           SUM(CASE WHEN responded THEN 1 ELSE 0 END) AS responses
    FROM fact_contact WHERE "group" = 'treatment' GROUP BY customer_id),
itr AS (
    SELECT customer_id, COUNT(*) AS interactions, MAX("timestamp") AS last_interaction
    FROM fact_interaction GROUP BY customer_id)
SELECT c.customer_id, c.plan, c.status, c.province, c.signup_date,
       COALESCE(tx.purchases, 0) AS purchases,
       COALESCE(tx.purchase_revenue, 0) AS purchase_revenue,
       COALESCE(inv.invoices, 0) AS invoices,
       COALESCE(inv.billed, 0) AS billed,
       COALESCE(pay.paid, 0) AS paid,
       COALESCE(inv.disputes, 0) AS disputes,
       COALESCE(cmp.complaints, 0) AS complaints,
       cmp.mean_satisfaction,
       COALESCE(con.campaign_contacts, 0) AS campaign_contacts,
       COALESCE(con.responses, 0) AS responses,
       COALESCE(itr.interactions, 0) AS interactions,
       itr.last_interaction
FROM dim_customer AS c
LEFT JOIN tx ON tx.customer_id = c.customer_id
LEFT JOIN inv ON inv.customer_id = c.customer_id
LEFT JOIN pay ON pay.customer_id = c.customer_id
LEFT JOIN cmp ON cmp.customer_id = c.customer_id
LEFT JOIN con ON con.customer_id = c.customer_id
LEFT JOIN itr ON itr.customer_id = c.customer_id
ORDER BY c.customer_id"""


def _ranks(column: str, order: str) -> str:
    """Average rank of every distinct value of ``column`` (ties share the mean of the
    ranks they span, as pandas' ``rank(method="average")``): one small window over the
    distinct values instead of sorting every customer."""
    return f"""{column}_ranks AS (
    SELECT v, CAST(SUM(c) OVER (ORDER BY v {order} ROWS UNBOUNDED PRECEDING) - c
                   AS DOUBLE PRECISION) + CAST(c + 1 AS DOUBLE PRECISION) / 2 AS avg_rank
    FROM (SELECT {column} AS v, COUNT(*) AS c FROM base GROUP BY {column}) AS counts)"""


def _score(column: str, bins: int) -> str:
    """Quantile score 1..bins from the average rank, as ``rfm.score`` computes it."""
    return (f"LEAST({bins}, GREATEST(1, CAST(CEIL(({column}_ranks.avg_rank - 0.5) / "
            f"size.n * {bins}) AS INTEGER)))")


def rfm_sql(end, *, bins: int = 5, table: str = "fact_transaction") -> str:
    """SQL of the RFM table of purchases up to the day ``end`` (inclusive).

    Parameters
    ----------
    end : date-like
        End of observation, the whole day; recency is measured from the end of that day
        (midnight after it), as in :func:`crmlab.analytics.rfm.rfm_table`, so it is
        never negative.
    bins : int, default=5
    table : str, default="fact_transaction"
        A table with ``customer_id``, ``timestamp`` and ``amount``.

    Returns
    -------
    str
        A query returning ``customer_id, recency_days, purchases, monetary, R, F, M,
        cell, score`` sorted by customer (``purchases`` counts every purchase, as in
        :func:`~crmlab.analytics.rfm.rfm_table`).

    Examples
    --------
    >>> "TIMESTAMP '2024-12-31 00:00:00'" in rfm_sql("2024-12-31", bins=3)
    True
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or not 2 <= bins <= 9:
        raise ValueError(f"bins must be an integer from 2 to 9; got {bins!r}")
    if not table.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"table must be a plain table name; got {table!r}")
    try:
        stop = pd.Timestamp(end).normalize()
    except (TypeError, ValueError):
        raise ValueError(f"end must be a date like '2025-12-31'; got {end!r}") from None
    if pd.isna(stop):
        raise ValueError("end must be a date; got NaT")
    stamp = f"TIMESTAMP '{stop:%Y-%m-%d %H:%M:%S}'"
    return f"""\
WITH log AS (
    SELECT customer_id, "timestamp", amount FROM {table}
    WHERE "timestamp" < {stamp} + INTERVAL '1 day'),
base AS (
    SELECT customer_id,
           CAST(EXTRACT(EPOCH FROM {stamp} + INTERVAL '1 day')
                - EXTRACT(EPOCH FROM MAX("timestamp")) AS DOUBLE PRECISION) / 86400
                AS recency_days,
           COUNT(*) AS purchases,
           AVG(amount) AS monetary
    FROM log GROUP BY customer_id),
size AS (SELECT COUNT(*) AS n FROM base),
{_ranks("recency_days", "DESC")},
{_ranks("purchases", "ASC")},
{_ranks("monetary", "ASC")},
scored AS (
    SELECT b.customer_id, b.recency_days, b.purchases, b.monetary,
           {_score("recency_days", bins)} AS "R",
           {_score("purchases", bins)} AS "F",
           {_score("monetary", bins)} AS "M"
    FROM base AS b CROSS JOIN size
    JOIN recency_days_ranks ON recency_days_ranks.v = b.recency_days
    JOIN purchases_ranks ON purchases_ranks.v = b.purchases
    JOIN monetary_ranks ON monetary_ranks.v = b.monetary)
SELECT customer_id, recency_days, purchases, monetary, "R", "F", "M",
       CAST("R" AS TEXT) || CAST("F" AS TEXT) || CAST("M" AS TEXT) AS cell,
       "R" + "F" + "M" AS score
FROM scored
ORDER BY customer_id"""


def cohort_retention_sql(table: str = "fact_transaction") -> str:
    """SQL of monthly first-purchase cohort retention.

    Returns ``cohort`` (first day of the month of the first purchase), ``period``
    (months since), ``customers`` (cohort size), ``active`` and ``retention``,
    sorted by cohort and period; only periods with someone active appear.

    Examples
    --------
    >>> "date_trunc('month'" in cohort_retention_sql()
    True
    """
    if not table.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"table must be a plain table name; got {table!r}")
    return f"""\
WITH firsts AS (
    SELECT customer_id, date_trunc('month', MIN("timestamp")) AS cohort
    FROM {table} GROUP BY customer_id),
activity AS (
    SELECT DISTINCT t.customer_id, f.cohort,
           CAST((EXTRACT(YEAR FROM t."timestamp") - EXTRACT(YEAR FROM f.cohort)) * 12
                + EXTRACT(MONTH FROM t."timestamp") - EXTRACT(MONTH FROM f.cohort)
                AS INTEGER) AS period
    FROM {table} AS t JOIN firsts AS f ON f.customer_id = t.customer_id),
sizes AS (
    SELECT cohort, COUNT(*) AS customers FROM firsts GROUP BY cohort)
SELECT CAST(a.cohort AS DATE) AS cohort, a.period, s.customers, COUNT(*) AS active,
       CAST(COUNT(*) AS DOUBLE PRECISION) / s.customers AS retention
FROM activity AS a JOIN sizes AS s ON s.cohort = a.cohort
GROUP BY a.cohort, a.period, s.customers
ORDER BY a.cohort, a.period"""
