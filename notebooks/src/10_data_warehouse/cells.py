# %% md title
# %% code setup
import os

# JupySQL's helper library (ploomber-core) would send usage statistics and check PyPI
# for new versions; switch both off before loading it (documented settings).
os.environ["PLOOMBER_STATS_ENABLED"] = "false"
os.environ["PLOOMBER_VERSION_CHECK_DISABLED"] = "true"

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import rfm
from crmlab.analytics.cohorts import cohort_retention, retention_matrix

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
currency = i18n.t(f"currency_{w.meta['currency']}")
i18n.record(end=w.config.end)
print(i18n.t("world_summary", n=len(w.customers), start=i18n.date(w.config.start),
             end=i18n.date(w.config.end), currency=currency))
w
# %% md silos_intro
# %% code silos
mapping = w.truth.silo_mapping
by_silo = mapping.groupby("silo", observed=True)
silos = pd.DataFrame({
    "own_key": pd.Series({name: frame.columns[0] for name, frame in w.silos.items()}),
    "records": by_silo.size(),
    "real_customers": by_silo["customer_id"].nunique(),
    "duplicates": by_silo["is_duplicate"].sum(),
    "name_differs": by_silo["name_variant"].sum(),
})
i18n.record(n_customers=len(w.customers), sales_records=silos.loc["sales", "records"],
            sales_customers=silos.loc["sales", "real_customers"],
            name_differs_share=silos["name_differs"].sum() / silos["records"].sum())
silos.rename(index=lambda s: i18n.t(f"system_{s}"),
             columns=lambda c: i18n.t(f"nb10_col_{c}")).rename_axis(i18n.t("col_system"))
# %% code claim-silos tags=claim
# every customer is in sales, some twice; each other silo knows only a part; no shared key
assert silos.loc["sales", "real_customers"] == len(w.customers)
assert silos.loc["sales", "records"] > len(w.customers) and silos.loc["sales", "duplicates"] > 0
assert (silos.drop("sales")["real_customers"] < len(w.customers)).all()
assert silos["own_key"].nunique() == len(silos)
assert (silos["records"] > silos["real_customers"]).all()  # records overstate customers
# %% md star
# %% code build
# a file next to this notebook: notebooks/crm.duckdb for English, notebooks/fa/crm.duckdb
# for Persian (*.duckdb files are not committed)
w.to_warehouse("duckdb:///crm.duckdb", with_truth=True)
from crmlab.warehouse import WAREHOUSE_TABLES

print(i18n.t("nb10_tables"), ", ".join(WAREHOUSE_TABLES))
# %% md sql_intro
# %% code load-sql
%%capture
# on loading, JupySQL looks for optional settings files and prints hints about them;
# we set everything below instead, so those hints are captured (errors still show)
%load_ext sql
# %% code connect
%config SqlMagic.displaycon = False
%config SqlMagic.feedback = 0
%config SqlMagic.autopandas = True
%sql duckdb:///crm.duckdb --alias warehouse
# %% md catalogue
# %% code tables
%%sql
SELECT table_name, comment
FROM duckdb_tables()
WHERE schema_name = 'main' AND table_name LIKE 'f%'
ORDER BY table_name
# %% code columns
%%sql
SELECT column_name, data_type, comment
FROM duckdb_columns()
WHERE table_name = 'fact_complaint'
# %% md star_join
# %% code monthly-sql
%%sql monthly <<
SELECT d.year_month, ch.channel_type, SUM(t.amount) AS revenue
FROM fact_transaction AS t
JOIN dim_date AS d ON d.date_key = t.date_key
JOIN dim_channel AS ch ON ch.channel = t.channel
GROUP BY d.year_month, ch.channel_type
ORDER BY d.year_month, ch.channel_type
# %% code monthly-figure
wide = monthly.pivot(index="year_month", columns="channel_type", values="revenue")
fig, ax = plt.subplots(figsize=(9, 4))
for i, kind in enumerate(wide.columns):
    ax.plot(np.arange(len(wide)), wide[kind].to_numpy(), color=viz.PALETTE[i],
            label=i18n.t(f"nb10_channel_type_{kind}"))
months = pd.to_datetime(wide.index.astype(str))
step = 6
ax.set_xticks(np.arange(len(wide))[::step],
              [i18n.date(m, style="month") for m in months[::step]], rotation=30, ha="right")
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
ax.set(title=i18n.t("nb10_fig_monthly_title"), xlabel=i18n.t("nb10_axis_month"),
       ylabel=i18n.t("nb10_axis_revenue", currency=currency))
ax.legend(title=i18n.t("nb10_legend_channel_type"))
fig.tight_layout()
plt.show()
# %% code claim-monthly tags=claim
assert {"digital", "personal"} <= set(wide.columns) <= {"digital", "personal", "intermediary"}
assert len(wide) == 36  # every month of the three years
assert not viz.figure_text_problems(fig)
# %% md view_intro
# %% code view-sql
%%sql view <<
WITH tx AS (
    SELECT customer_id, COUNT(*) AS purchases, SUM(amount) AS purchase_revenue
    FROM fact_transaction GROUP BY customer_id),
inv AS (
    SELECT customer_id, COUNT(*) AS invoices, SUM(amount + adjustment) AS billed
    FROM fact_invoice GROUP BY customer_id),
pay AS (
    SELECT customer_id, SUM(amount) AS paid FROM fact_payment GROUP BY customer_id),
cmp AS (
    SELECT customer_id, COUNT(*) AS complaints, AVG(satisfaction) AS mean_satisfaction
    FROM fact_complaint GROUP BY customer_id),
itr AS (
    SELECT customer_id, COUNT(*) AS touchpoints, COUNT(DISTINCT channel) AS channels
    FROM fact_interaction GROUP BY customer_id)
SELECT c.customer_id, c.plan, c.status, c.province,
       COALESCE(tx.purchases, 0) AS purchases,
       COALESCE(tx.purchase_revenue, 0) AS purchase_revenue,
       COALESCE(inv.invoices, 0) AS invoices,
       COALESCE(inv.billed, 0) AS billed,
       COALESCE(pay.paid, 0) AS paid,
       COALESCE(cmp.complaints, 0) AS complaints,
       cmp.mean_satisfaction,
       COALESCE(itr.touchpoints, 0) AS touchpoints,
       COALESCE(itr.channels, 0) AS channels
FROM dim_customer AS c
LEFT JOIN tx ON tx.customer_id = c.customer_id
LEFT JOIN inv ON inv.customer_id = c.customer_id
LEFT JOIN pay ON pay.customer_id = c.customer_id
LEFT JOIN cmp ON cmp.customer_id = c.customer_id
LEFT JOIN itr ON itr.customer_id = c.customer_id
ORDER BY c.customer_id
# %% code view-show
# the SQL's column names stay as they are; only the table shown to you is labelled
shown = view[view["complaints"] >= 3].head(4).round(2)
shown.assign(plan=shown["plan"].map(lambda p: i18n.t(f"nb10_plan_{p}")),
             status=shown["status"].map(lambda s: i18n.t(f"nb10_status_{s}"))).rename(
    columns=lambda c: i18n.t(f"nb10_col_{c}"))
# %% md view_check
# %% code view-check
ids = view["customer_id"]
by_pandas = pd.DataFrame({
    "purchases": w.transactions.groupby("customer_id").size(),
    "invoices": w.invoices.groupby("customer_id").size(),
    "complaints": w.complaints.groupby("customer_id").size(),
}).reindex(ids).fillna(0).astype(int)
same = (view.set_index("customer_id")[by_pandas.columns] == by_pandas).all()
print(i18n.t("nb10_sql_pandas_agree"),
      {i18n.t(f"nb10_col_{k}"): bool(v) for k, v in same.items()})
print(i18n.t("nb10_view_size", view=len(view), world=len(w.customers)))
# %% code claim-view tags=claim
assert same.all() and len(view) == len(w.customers)
# %% md rfm_intro
# %% code rfm-sql
%%sql rfm_by_sql <<
WITH base AS (
    SELECT customer_id,
           CAST(EXTRACT(EPOCH FROM TIMESTAMP '2026-01-01') - EXTRACT(EPOCH FROM MAX("timestamp"))
                AS DOUBLE) / 86400 AS recency_days,
           COUNT(*) AS purchases,
           AVG(amount) AS monetary
    FROM fact_transaction
    WHERE "timestamp" < TIMESTAMP '2026-01-01'
    GROUP BY customer_id),
ranks AS (
    SELECT *, COUNT(*) OVER () AS n,
           RANK() OVER (ORDER BY recency_days DESC)
             + (COUNT(*) OVER (PARTITION BY recency_days) - 1) / 2.0 AS r_rank,
           RANK() OVER (ORDER BY purchases)
             + (COUNT(*) OVER (PARTITION BY purchases) - 1) / 2.0 AS f_rank,
           RANK() OVER (ORDER BY monetary)
             + (COUNT(*) OVER (PARTITION BY monetary) - 1) / 2.0 AS m_rank
    FROM base)
SELECT customer_id, recency_days, purchases, monetary,
       LEAST(5, GREATEST(1, CEIL((r_rank - 0.5) / n * 5))) AS R,
       LEAST(5, GREATEST(1, CEIL((f_rank - 0.5) / n * 5))) AS F,
       LEAST(5, GREATEST(1, CEIL((m_rank - 0.5) / n * 5))) AS M
FROM ranks
ORDER BY customer_id
# %% code rfm-check
by_pandas = rfm.rfm_table(w.transactions, end=w.config.end)
by_sql = rfm_by_sql.set_index("customer_id")
for column in ["purchases", "R", "F", "M"]:
    print(i18n.t("nb10_same_for_every_customer", column=i18n.t(f"nb10_col_{column}")),
          bool((by_sql[column].astype(int) == by_pandas[column]).all()))
print(i18n.t("nb10_largest_recency_difference"),
      float((by_sql["recency_days"] - by_pandas["recency_days"]).abs().max()))
by_pandas[["recency_days", "purchases", "monetary", "R", "F", "M", "cell"]].head().round(2).rename(
    columns=lambda c: i18n.t(f"nb10_col_{c}")).rename_axis(i18n.t("nb10_col_customer_id"))
# %% code claim-rfm tags=claim
assert pd.Timestamp(w.config.end) == pd.Timestamp(2025, 12, 31)
for column in ["purchases", "R", "F", "M"]:
    assert (by_sql[column].astype(int) == by_pandas[column]).all()
assert (by_sql["recency_days"] - by_pandas["recency_days"]).abs().max() == 0
# tied customers share a score: everyone with one purchase has the same F
assert by_pandas.loc[by_pandas["purchases"] == 1, "F"].nunique() == 1
# %% md cohorts_intro
# %% code cohorts-sql
%%sql cohorts_by_sql <<
WITH firsts AS (
    SELECT customer_id, date_trunc('month', MIN("timestamp")) AS cohort
    FROM fact_transaction GROUP BY customer_id),
activity AS (
    SELECT DISTINCT t.customer_id, f.cohort,
           (EXTRACT(YEAR FROM t."timestamp") - EXTRACT(YEAR FROM f.cohort)) * 12
           + EXTRACT(MONTH FROM t."timestamp") - EXTRACT(MONTH FROM f.cohort) AS period
    FROM fact_transaction AS t JOIN firsts AS f ON f.customer_id = t.customer_id),
sizes AS (SELECT cohort, COUNT(*) AS customers FROM firsts GROUP BY cohort)
SELECT a.cohort, a.period, s.customers, COUNT(*) AS active,
       COUNT(*) / s.customers AS retention
FROM activity AS a JOIN sizes AS s ON s.cohort = a.cohort
GROUP BY a.cohort, a.period, s.customers
ORDER BY a.cohort, a.period
# %% code cohorts-check
by_pandas = cohort_retention(w.transactions, freq="M")
print(i18n.t("nb10_cohort_rows", sql=len(cohorts_by_sql), pandas=len(by_pandas)))
print(i18n.t("nb10_same_active"),
      bool((cohorts_by_sql["active"].to_numpy() == by_pandas["active"].to_numpy()).all()))
print(i18n.t("nb10_largest_retention_difference"),
      float(np.abs(cohorts_by_sql["retention"].to_numpy() - by_pandas["retention"]).max()))
matrix = retention_matrix(by_pandas)
mean = matrix.mean()
i18n.record(retention_1=mean[1], retention_3=mean[3], retention_12=mean[12],
            retention_24=mean[24])
ax = viz.plot_cohort_retention(matrix, max_periods=12)
ax.figure.set_size_inches(9, 5)
cohorts = [pd.Timestamp(c) for c in matrix.index]
rows = ax.get_yticks()
ax.set_yticks(rows, [i18n.date(cohorts[int(r)], style="month") for r in rows])
ax.set_xticks(ax.get_xticks(), [i18n.number(int(p), "d") for p in ax.get_xticks()])
ax.set(title=i18n.t("nb10_fig_cohorts_title"), xlabel=i18n.t("nb10_axis_months_since"),
       ylabel=i18n.t("nb10_axis_cohort"))
colorbar = ax.figure.axes[-1]
colorbar.set_ylabel(i18n.t("nb10_axis_cohort_active"))
colorbar.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".1f"))
fig = ax.figure
plt.show()
# %% code claim-cohorts tags=claim
assert len(cohorts_by_sql) == len(by_pandas)
assert (cohorts_by_sql["active"].to_numpy() == by_pandas["active"].to_numpy()).all()
assert (matrix.iloc[:, 0] == 1.0).all()  # every cohort starts at 1
assert 1 - mean[3] > mean[3] - mean[12]  # the first three months lose more than the next nine
assert mean[12] < 0.25 and mean[12] - mean[24] < 0.1  # a small core, fading slowly
# the blank cells are exactly the months after the end of the history
future = np.add.outer(np.arange(len(matrix)), np.arange(matrix.shape[1])) >= matrix.shape[1]
assert (matrix.isna().to_numpy() == future).all()
assert not viz.figure_text_problems(fig)
# %% md cohorts_read
# %% code features-sql
%%sql features <<
SELECT t.customer_id,
       COUNT(*) AS purchases,
       AVG(t.amount) AS mean_amount,
       AVG(CASE WHEN ch.channel_type = 'digital' THEN 1.0 ELSE 0.0 END) AS digital_share,
       DATE_DIFF('day', MIN(t."timestamp"), MAX(t."timestamp")) AS active_days
FROM fact_transaction AS t
JOIN dim_channel AS ch ON ch.channel = t.channel
GROUP BY t.customer_id
ORDER BY t.customer_id
# %% code kmeans
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

X = np.column_stack([np.log(features["purchases"]), np.log(features["mean_amount"]),
                     features["digital_share"], np.log1p(features["active_days"])])
kmeans = KMeans(n_clusters=4, n_init=10, random_state=0).fit(StandardScaler().fit_transform(X))
features["cluster"] = kmeans.labels_
profile = features.groupby("cluster").agg(
    customers=("customer_id", "size"), purchases=("purchases", "mean"),
    mean_amount=("mean_amount", "mean"), digital_share=("digital_share", "mean"),
    active_days=("active_days", "median"))
profile.round(2).rename(columns=lambda c: i18n.t(f"nb10_col_{c}")).rename_axis(
    i18n.t("nb10_col_cluster"))
# %% code claim-kmeans tags=claim
# nameable profiles: frequent buyers with larger baskets, one-off buyers in shops,
# digital customers who bought only a few times
assert profile["purchases"].idxmax() == profile["mean_amount"].idxmax()
assert ((profile["purchases"] < 2) & (profile["digital_share"] < 0.1)).any()
assert ((profile["digital_share"] > 0.8) & (profile["purchases"] < 3)).any()
# %% code clusters-figure
fig, ax = plt.subplots(figsize=(8, 5))
for cluster, group in features.groupby("cluster"):
    ax.scatter(group["purchases"], group["mean_amount"], s=8, alpha=0.5,
               color=viz.PALETTE[cluster], label=i18n.t("nb10_cluster_n", n=int(cluster)))
ax.set(xscale="log", yscale="log", title=i18n.t("nb10_fig_clusters_title"),
       xlabel=i18n.t("nb10_axis_purchases_log"),
       ylabel=i18n.t("nb10_axis_mean_purchase_log", currency=currency))
ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f" if v >= 1 else "g"))
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f" if v >= 1 else "g"))
ax.legend(markerscale=2)
plt.show()
# %% code claim-clusters-figure tags=claim
assert features["cluster"].nunique() == 4
assert not viz.figure_text_problems(fig)
# %% md truth_intro
# %% code truth-sql
%%sql segments <<
SELECT customer_id, segment FROM truth.customers ORDER BY customer_id
# %% code ari
from sklearn.metrics import adjusted_rand_score

both = features.merge(segments, on="customer_id")
ari = adjusted_rand_score(both["segment"], both["cluster"])
i18n.record(ari=ari)
print(i18n.t("nb10_ari"), i18n.number(round(ari, 3), ".3f"))
pd.crosstab(both["cluster"], both["segment"], normalize="index").round(2).rename(
    columns=lambda s: i18n.t(f"nb10_segment_{s}")).rename_axis(
    index=i18n.t("nb10_col_cluster"), columns=i18n.t("nb10_col_segment"))
# %% code claim-ari tags=claim
assert ari < 0.1  # close to chance
# every true segment is spread over the lightest and the heaviest buyers' clusters
light, heavy = profile["purchases"].idxmin(), profile["purchases"].idxmax()
counts = pd.crosstab(both["cluster"], both["segment"])
assert (counts.loc[light] > 0).all() and (counts.loc[heavy] > 0).all()
# %% md truth_read
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

systems = ["service", "billing", "sales", "web"]  # the options
knows_all = silos.index[silos["real_customers"] == len(w.customers)][0]
fit = ["close", "loose", "opposite"]  # how the clusters follow the true segments
how = "close" if ari > 0.5 else "loose" if ari >= 0 else "opposite"
Quiz([
    Choice(i18n.t("nb10_q_knows_all"), options=[i18n.t(f"system_{s}") for s in systems],
           answer=systems.index(knows_all),
           explain=i18n.t("nb10_q_knows_all_why", customers=len(w.customers),
                          records=int(silos.loc[knows_all, "records"]))),
    Choice(i18n.t("nb10_q_view"), options=[i18n.t(f"nb10_q_view_{k}") for k in "bac"],
           answer=1, explain=i18n.t("nb10_q_view_why")),
    Number(i18n.t("nb10_q_retention"), answer=round(100 * mean[1], 1), tolerance=1.5,
           explain=i18n.t("nb10_q_retention_why", twelve=i18n.number(mean[12], ".0%"))),
    Choice(i18n.t("nb10_q_ari", ari=i18n.number(ari, ".2f")),
           options=[i18n.t(f"nb10_q_ari_{k}") for k in fit], answer=fit.index(how),
           explain=i18n.t("nb10_q_ari_why")),
])
# %% code claim-quiz tags=claim
# the quiz's answers are the ones the notebook found
assert knows_all == "sales" and how == "loose"
# %% md glossary
# %% md further_reading
# %% code values tags=values
i18n.show_recorded()
