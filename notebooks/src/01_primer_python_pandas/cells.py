# %% md intro
# %% code setup
import matplotlib.pyplot as plt
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])   # the world the course uses
customers = w.customers
i18n.record(n_customers=len(customers), n_columns=customers.shape[1])
customers.head()
# %% md dataframe
# %% code shape
print(customers.shape)
customers.dtypes
# %% code claim-shape tags=claim
assert customers.shape[0] == customers["customer_id"].nunique()  # one row per customer
assert customers.shape[1] == len(customers.columns)
# %% md columns_rows
# %% code select
postpaid = customers[customers["plan"] == "postpaid"]
churned = customers[(customers["plan"] == "postpaid") & (customers["status"] == "churned")]
print(i18n.t("p01_postpaid_churned", n=len(postpaid), churned=len(churned)))
customers[["customer_id", "plan", "province"]].head(3)
# %% code claim-select tags=claim
assert len(churned) < len(postpaid) < len(customers)
assert (churned["plan"] == "postpaid").all()
# %% md group
# %% code counts
customers["plan"].value_counts()
# %% code by-channel
by_channel = customers.groupby("acquisition_channel", observed=True).agg(
    customers=("customer_id", "size"),
    postpaid_share=("plan", lambda s: (s == "postpaid").mean()),
)
by_channel.sort_values("customers", ascending=False)
# %% code claim-by-channel tags=claim
assert by_channel["customers"].sum() == len(customers)
assert by_channel["postpaid_share"].between(0, 1).all()
# %% md join
# %% code merge
spend = w.transactions.groupby("customer_id")["amount"].sum().rename("spend")
joined = customers.merge(spend, left_on="customer_id", right_index=True, how="left")
joined["spend"] = joined["spend"].fillna(0)
joined.groupby("plan", observed=True)["spend"].mean()
# %% code claim-merge tags=claim
assert len(joined) == len(customers)                      # a left join keeps every customer
assert abs(joined["spend"].sum() - w.transactions["amount"].sum()) < 1e-6 * joined["spend"].sum()
assert (joined.loc[joined["plan"] == "postpaid", "spend"] == 0).all()  # postpaid pay bills
# %% md dates
# %% code dates-code
signups_per_year = customers.groupby(customers["signup_date"].dt.year).size()
tenure_days = (pd.Timestamp(w.config.end) - customers["signup_date"]).dt.days
print(signups_per_year)
print(i18n.t("p01_median_tenure", days=i18n.number(tenure_days.median(), ",.0f")))
# %% code claim-dates tags=claim
assert signups_per_year.sum() == len(customers)
assert (tenure_days >= 0).all()
# %% md figure
# %% code plot
monthly = w.transactions.groupby(w.transactions["timestamp"].dt.to_period("M"))["amount"].sum()
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(monthly.index.to_timestamp(), monthly.to_numpy())
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
ax.set(title=i18n.t("p01_fig_title"), xlabel=i18n.t("p01_axis_month"),
       ylabel=i18n.t("p01_axis_amount", currency=i18n.t(f"currency_{w.meta['currency']}")))
fig.autofmt_xdate()
plt.show()
# %% code claim-plot tags=claim
assert len(monthly) >= 24 and (monthly > 0).all()
assert not viz.figure_text_problems(fig)
# %% md try_it
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz  # noqa: E402

channels = sorted(by_channel.index.astype(str))
largest = str(by_channel["customers"].idxmax())
Quiz([
    Number(i18n.t("p01_q_churned"), answer=len(churned), tolerance=0.5,
           explain=i18n.t("p01_q_churned_why", n=len(churned))),
    Choice(i18n.t("p01_q_channel"), options=[i18n.t(f"p01_acq_{c}") for c in channels],
           answer=channels.index(largest),
           explain=i18n.t("p01_q_channel_why", n=int(by_channel["customers"].max()))),
    Choice(i18n.t("p01_q_merge"), options=[i18n.t(f"p01_q_merge_{k}") for k in "abc"],
           answer=0, explain=i18n.t("p01_q_merge_why")),
])
# %% code claim-quiz tags=claim
# the answers are the numbers the sections computed
assert 0 < len(churned) < len(postpaid) and largest in channels
# %% code values tags=values
i18n.show_recorded()
