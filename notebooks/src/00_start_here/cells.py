# %% md title
# %% code setup
import io

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
i18n.record(dataset=i18n.DATASETS[LANG], n_customers=len(w.customers),
            start=w.config.start, end=w.config.end)
w
# %% md tables
# %% code summary
summary = w.summary()
n_tables = len(summary)
summary.rename(columns=lambda c: i18n.t(f"nb00_col_{c}")).rename_axis(i18n.t("nb00_col_table"))
# %% code customers
# the Persian notebook shows each date in the Jalali calendar beside the Gregorian one
i18n.with_jalali(w.customers.head(), ["birth_date", "signup_date"])
# %% code status
by_status = w.customers.groupby("plan", observed=True)["status"].value_counts().unstack(fill_value=0)
i18n.record(n_prepaid=int(by_status.loc["prepaid"].sum()),
            n_postpaid=int(by_status.loc["postpaid"].sum()),
            n_churned=int(by_status.loc["postpaid", "churned"]))
by_status.rename_axis(index=i18n.t("nb00_col_plan"), columns=i18n.t("nb00_col_status"))
# %% md status_read
# %% code claim-status tags=claim
status = w.customers.groupby("plan", observed=True)["status"].unique()
assert set(status["prepaid"]) == {"no_contract"}
assert set(status["postpaid"]) <= {"active", "churned", "won_back"}
assert by_status.loc["prepaid"].sum() > by_status.loc["postpaid"].sum()
# %% md growth
# %% code growth-figure
signups = w.customers.groupby([w.customers["signup_date"].dt.to_period("M"), "plan"],
                               observed=True).size().unstack(fill_value=0)
topups = w.transactions.groupby(w.transactions["timestamp"].dt.to_period("M"))["amount"].sum()
bills = w.invoices.groupby(w.invoices["issue_date"].dt.to_period("M"))["amount"].sum()
currency = i18n.t(f"currency_{w.meta['currency']}")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
months = signups.index.to_timestamp()
for plan, color in zip(signups.columns, viz.PALETTE):
    left.plot(months[:-1], signups[plan].iloc[:-1], color=color,
              label=i18n.t(f"nb00_plan_{plan}"))
    left.plot(months[-1:], signups[plan].iloc[-1:], marker="o", markerfacecolor="white",
              color=color, linestyle="none")
left.set(title=i18n.t("nb00_fig_signups_title"), ylabel=i18n.t("nb00_axis_customers"),
         xlabel=i18n.t("nb00_axis_month_open"))
left.legend(title=i18n.t("nb00_col_plan"))
revenue = pd.DataFrame({"topups": topups, "bills": bills})
for column, color in zip(revenue.columns, viz.PALETTE[2:]):
    right.plot(revenue.index.to_timestamp(), revenue[column], color=color,
               label=i18n.t(f"nb00_revenue_{column}"))
right.set(title=i18n.t("nb00_fig_revenue_title"), xlabel=i18n.t("nb00_axis_month"),
          ylabel=i18n.t("nb00_axis_revenue", currency=currency))
right.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
left.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
right.legend()
for ax in (left, right):
    ax.set_ylim(bottom=0)  # months as the reader's calendar names them, every six months
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(lambda v, _: i18n.date(mdates.num2date(v), style="month"))
fig.autofmt_xdate()
fig.tight_layout()
plt.show()
# %% md built_in_signups
# %% code per-day
stop = w.customers["signup_date"].max()
open_days = pd.Series([p.days_in_month for p in signups.index], index=signups.index, dtype=float)
open_days.iloc[-1] = (stop - months[-1]).total_seconds() / 86_400
per_day = (signups.sum(axis=1) / open_days).round(2).rename(i18n.t("nb00_per_open_day"))
i18n.record(stop_days=int(w.config.population.signup_stop_days), last_signup=stop.normalize(),
            last_month_signups=int(signups.sum(axis=1).iloc[-1]),
            before_month_signups=signups.sum(axis=1).iloc[-4:-1].mean())
print(i18n.t("nb00_last_signup", date=i18n.date(stop),
             days=int(w.config.population.signup_stop_days), end=i18n.date(w.config.end)))
per_day.tail(4).to_frame().T
# %% code claim-growth tags=claim
assert w.config.population.signup_stop_days == 14
end = pd.Timestamp(w.config.end) + pd.Timedelta(days=1)
assert end - pd.Timedelta(days=15) < stop < end - pd.Timedelta(days=14)
# the last month is short, but not slower per open day than the three months before it
assert signups.sum(axis=1).iloc[-1] < 0.7 * signups.sum(axis=1).iloc[-4:-1].mean()
assert abs(per_day.iloc[-1] / per_day.iloc[-4:-1].mean() - 1) < 0.25
# more sign-ups each year; both revenue streams grow every year
per_year = w.customers["signup_date"].dt.year.value_counts().sort_index()
assert per_year.is_monotonic_increasing
yearly = revenue.groupby(revenue.index.year).sum()
assert yearly.apply(lambda s: s.is_monotonic_increasing).all()
assert not viz.figure_text_problems(fig)
# %% md truth
# %% code segments
truth = w.truth.customers
segments = truth.groupby("segment", observed=True).agg(
    customers=("customer_id", "size"),
    purchases_per_week=("purchase_rate", "mean"),
    dropout_chance=("dropout_probability", "mean"),
    still_customers=("alive_at_end", "mean"),
    true_clv_3y=("true_clv_3y", "mean"),
).round(3)
i18n.record(n_segments=len(segments))
segments.rename(columns=lambda c: i18n.t(f"nb00_col_{c}"))
# %% code claim-segments tags=claim
assert truth["segment"].nunique() == 5
# %% md silent
# %% code silent-data
prepaid = w.customers["plan"] == "prepaid"
left_share = 1 - truth.loc[prepaid.to_numpy(), "alive_at_end"].mean()
causes = truth.loc[prepaid.to_numpy(), "churn_cause"].value_counts()
i18n.record(left_share=left_share, left_dropout=causes["dropout"] / causes.drop("none").sum())
print(i18n.t("nb00_silent_left", share=i18n.number(left_share, ".1%")))
causes.rename(i18n.t("nb00_col_customers")).rename_axis(i18n.t("nb00_col_churn_cause"))
# %% code claim-silent tags=claim
assert 0.4 < left_share < 0.5
assert causes.drop("none").idxmax() == "dropout"
assert causes["dropout"] > causes[["dissatisfied_complainer", "dissatisfied_silent"]].sum()
# %% md regenerate
# %% code seeds
a = crm.make_world("tiny", seed=7)
b = crm.make_world("tiny", seed=7)
c = crm.make_world("tiny", seed=8)
print(i18n.t("nb00_same_seed"), a.transactions.equals(b.transactions))
print(i18n.t("nb00_other_seed"), a.transactions.equals(c.transactions))
# %% code claim-seeds tags=claim
assert a.transactions.equals(b.transactions) and not a.transactions.equals(c.transactions)
# %% md locale
# %% code locale-names
other = "en_US" if LANG == "fa" else "fa_IR"  # the other language's operator
small = crm.make_world(crm.WorldConfig(n_customers=300, locale=other), seed=7)
small.customers[["first_name", "last_name", "province", "city", "phone"]].head(3)
# %% code weather
fa_world = crm.make_world(crm.WorldConfig(n_customers=300, locale="fa_IR"), seed=7)
storms = fa_world.weather.groupby(["event_type", "province"], observed=True).size()
storms.sort_values(ascending=False).head(6).rename(i18n.t("nb00_col_events"))
# %% code claim-weather tags=claim
# snow falls in the north-west, floods in the south (the Iranian world's weather)
snow = set(storms.loc["snow"].index)
assert {"آذربایجان غربی", "آذربایجان شرقی", "اردبیل", "کردستان", "زنجان"} & snow
assert "خوزستان" in set(storms.loc["flood"].index)
# %% md own_data
# %% code own-data
csv_text = """customer_id,timestamp,amount
A17,2024-01-03 10:15:00,12.50
A17,2024-02-11 18:02:00,8.00
B02,2024-01-20 09:30:00,40.00
A17,2024-03-30 12:45:00,15.25
"""
own = pd.read_csv(io.StringIO(csv_text), parse_dates=["timestamp"])
(own.groupby("customer_id").agg(purchases=("amount", "size"), revenue=("amount", "sum"),
                                first=("timestamp", "min"), last=("timestamp", "max"))
 .rename(columns=lambda c: i18n.t(f"nb00_col_{c}")))
# %% md try_it
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz  # noqa: E402

causes_left = causes.drop("none")
cause_options = ["dropout", "dissatisfied_complainer", "dissatisfied_silent"]
Quiz([
    Choice(i18n.t("nb00_q_unrecorded"),
           options=[i18n.t("nb00_plan_prepaid"), i18n.t("nb00_plan_postpaid")], answer=0,
           explain=i18n.t("nb00_q_unrecorded_why")),
    Number(i18n.t("nb00_q_left"), answer=left_share * 100, tolerance=1.0,
           explain=i18n.t("nb00_q_left_why", share=i18n.number(left_share, ".1%"))),
    Choice(i18n.t("nb00_q_cause"), options=[i18n.t(f"nb00_cause_{c}") for c in cause_options],
           answer=cause_options.index(causes_left.idxmax()),
           explain=i18n.t("nb00_q_cause_why",
                          share=i18n.number(causes_left.max() / causes_left.sum(), ".0%"))),
    Choice(i18n.t("nb00_q_seed"), options=[i18n.t("nb00_q_seed_a"), i18n.t("nb00_q_seed_b"),
                                           i18n.t("nb00_q_seed_c")],
           answer=0, explain=i18n.t("nb00_q_seed_why")),
])
# %% code claim-quiz tags=claim
# the quiz's answers are what the prose says: prepaid leaving is unrecorded, most leavers
# drop out, and the same seed gives the same data
assert causes_left.idxmax() == "dropout" and set(causes_left[causes_left > 0].index) <= set(cause_options)
assert 0.4 < left_share < 0.5 and a.transactions.equals(b.transactions)
# %% md glossary
# %% md further
# %% code values tags=values
i18n.show_recorded()
