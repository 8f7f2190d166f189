# %% md intro
# %% code setup
import duckdb
import pandas as pd

import crmlab as crm
from crmlab import i18n

i18n.set_language(LANG)
i18n.clear_recorded()
w = crm.load_dataset(i18n.DATASETS[LANG])   # the world the course uses
i18n.record(n_customers=len(w.customers), n_complaints=len(w.complaints))
con = duckdb.connect()                      # an empty database in memory
for name in ("customers", "transactions", "complaints", "invoices"):
    con.register(name, getattr(w, name))   # each DataFrame becomes a table
con.sql("SELECT customer_id, plan, province FROM customers LIMIT 3").df()
# %% md select
# %% code select-query
largest = con.sql("""
    SELECT invoice_id, customer_id, amount
    FROM invoices
    WHERE status = 'paid_late'
    ORDER BY amount DESC, invoice_id
    LIMIT 5
""").df()
largest
# %% code claim-select tags=claim
late = w.invoices[w.invoices["status"] == "paid_late"]
assert len(largest) == 5
assert largest["amount"].tolist() == late["amount"].nlargest(5).tolist()
# %% md group
# %% code group-query
by_province = con.sql("""
    SELECT province, COUNT(*) AS customers,
           AVG(CASE WHEN plan = 'postpaid' THEN 1 ELSE 0 END) AS postpaid_share
    FROM customers
    GROUP BY province
    HAVING COUNT(*) >= 100
    ORDER BY customers DESC
""").df()
by_province.head()
# %% code claim-group tags=claim
counts = w.customers["province"].value_counts()
assert by_province.set_index("province")["customers"].to_dict() == {
    str(k): int(v) for k, v in counts[counts >= 100].items()}
# %% md join
# %% code join-query
complaints_by_status = con.sql("""
    SELECT c.status, COUNT(DISTINCT c.customer_id) AS customers,
           COUNT(k.complaint_id) AS complaints
    FROM customers AS c
    LEFT JOIN complaints AS k ON k.customer_id = c.customer_id
    WHERE c.plan = 'postpaid'
    GROUP BY c.status
    ORDER BY c.status
""").df()
complaints_by_status
# %% code claim-join tags=claim
post = w.customers[w.customers["plan"] == "postpaid"]
per = w.complaints.groupby("customer_id").size()
want = post.assign(n=post["customer_id"].map(per).fillna(0)).groupby(
    "status", observed=True)["n"].sum()
got = complaints_by_status.set_index("status")["complaints"]
assert all(int(got[str(s)]) == int(v) for s, v in want.items())
# %% md window
# %% code window-query
first_purchases = con.sql("""
    SELECT customer_id, timestamp, amount
    FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY timestamp,
                                     transaction_id) AS n
        FROM transactions
    )
    WHERE n = 1
    ORDER BY customer_id
""").df()
first_purchases.head()
# %% code claim-window tags=claim
firsts = (w.transactions.sort_values(["customer_id", "timestamp", "transaction_id"])
          .groupby("customer_id").head(1))
assert len(first_purchases) == w.transactions["customer_id"].nunique() == len(firsts)
assert first_purchases["amount"].sum() == firsts["amount"].sum()
# %% md try-it
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz  # noqa: E402

Quiz([
    Number(i18n.t("p03_q_provinces"), answer=len(by_province), tolerance=0.5,
           explain=i18n.t("p03_q_provinces_why", n=len(by_province))),
    Choice(i18n.t("p03_q_having"), options=[i18n.t(f"p03_q_having_{k}")
                                            for k in ("where", "having", "select")],
           answer=1, explain=i18n.t("p03_q_having_why")),
    Choice(i18n.t("p03_q_window"), options=[i18n.t(f"p03_q_window_{k}") for k in "abc"],
           answer=1, explain=i18n.t("p03_q_window_why")),
])
# %% code claim-quiz tags=claim
# the first answer is the number of rows the GROUP BY query returned
assert len(by_province) == int((w.customers["province"].value_counts() >= 100).sum()) > 0
# %% code values tags=values
i18n.show_recorded()
