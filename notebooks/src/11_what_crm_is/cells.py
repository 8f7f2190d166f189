# %% md title
# %% code setup
import textwrap

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import concentration, loyalty

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
customers = w.customers.set_index("customer_id")
currency = i18n.t(f"currency_{w.meta['currency']}")
i18n.record(n_customers=len(customers), start=w.config.start, end=w.config.end)
print(i18n.t("world_summary", n=len(customers), start=i18n.date(w.config.start),
             end=i18n.date(w.config.end), currency=currency))
# %% md what_crm_is
# %% code types
it = w.interactions
by_system = pd.crosstab(it["purpose"].astype(str), it["source_system"].astype(str))
by_system = by_system.loc[by_system.sum(axis=1).sort_values(ascending=False).index]
system_share = it["source_system"].astype(str).value_counts(normalize=True)
i18n.record(n_interactions=len(it), n_channels=it["channel"].nunique(),
            n_systems=it["source_system"].nunique(),
            marketing_share=system_share.get("marketing", 0.0),
            sales_share=system_share["sales"], service_share=system_share["service"])
shown = by_system.rename(index=lambda p: i18n.t(f"purpose_{p}"),
                         columns=lambda s: i18n.t(f"system_{s}"))
shown.index.name, shown.columns.name = i18n.t("col_purpose"), i18n.t("col_system")
shown
# %% code claim-types tags=claim
# every touchpoint is recorded by one of the operator's systems; none owns most of them
assert by_system.to_numpy().sum() == len(it)
assert ((by_system > 0).sum(axis=1) == 1).all()  # each purpose belongs to one system
assert it["source_system"].nunique() == 4 and it["channel"].nunique() >= 6
assert system_share["marketing"] < 0.2 < system_share["sales"] + system_share["service"]
assert system_share.max() < 0.5
# %% md types_read
# %% code concentration
revenue = (pd.concat([w.transactions[["customer_id", "amount"]],
                      w.invoices[["customer_id", "amount"]]])
           .groupby("customer_id")["amount"].sum()
           .reindex(customers.index, fill_value=0.0))
top_fifth = concentration.top_share(revenue, 0.2)
bottom_half = 1 - concentration.top_share(revenue, 0.5)
ranked = revenue.sort_values(ascending=False, kind="stable").to_numpy()
deciles = pd.Series([chunk.sum() for chunk in np.array_split(ranked, 10)],
                    index=range(1, 11)) / ranked.sum()
i18n.record(top_fifth=top_fifth, bottom_half=bottom_half, top_decile=deciles[1])

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(deciles.index, deciles.to_numpy(), color=viz.PALETTE[0])
ax.set_xticks(deciles.index, [i18n.number(d, "d") for d in deciles.index])
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".0%"))
ax.set(title=i18n.t("fig_deciles_title"), xlabel=i18n.t("axis_decile"),
       ylabel=i18n.t("axis_revenue_share"))
plt.show()
# %% code claim-concentration tags=claim
# the top 20% of customers bring most of the revenue; the bottom half little of it
assert 0.6 < top_fifth < 0.8
assert bottom_half < 0.1
assert deciles.is_monotonic_decreasing and abs(deciles.sum() - 1) < 1e-9
assert not viz.figure_text_problems(fig)
# %% md success_factors
# %% md causes
# %% code causes-data
complaints = w.complaints
load = w.truth.complaints.set_index("complaint_id")["load_ratio"].reindex(
    complaints["complaint_id"]).to_numpy()
overloaded = load > 1.0
channels = ["call_centre", "sms", "web"]
response = (complaints.assign(overloaded=overloaded,
                              channel=complaints["channel"].astype(str))
            .query("channel in @channels")
            .groupby(["channel", "overloaded"])["first_response_hours"].median()
            .unstack().loc[channels])
i18n.record(overloaded_share=overloaded.mean(),
            call_normal=response.loc["call_centre", False],
            call_overloaded=response.loc["call_centre", True],
            staff_share=(complaints["category"].astype(str) == "staff").mean())

fig, ax = plt.subplots(figsize=(7, 3.5))
x = np.arange(len(channels))
for shift, (flag, key, color) in zip((-0.2, 0.2), ((False, "legend_within_capacity",
                                                     viz.PALETTE[0]),
                                                    (True, "legend_over_capacity",
                                                     viz.PALETTE[1]))):
    ax.bar(x + shift, response[flag].to_numpy(), width=0.4, color=color, label=i18n.t(key))
ax.set_xticks(x, i18n.labels(channels, prefix="channel_"))
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
ax.set(title=i18n.t("fig_response_title"), ylabel=i18n.t("axis_median_hours"))
ax.legend()
plt.show()
# %% code claim-causes tags=claim
# in every channel the first answer takes longer when the province's load is over capacity
assert (response[True] > 1.5 * response[False]).all()
assert overloaded.mean() < 0.15  # overload is the exception, not the rule
assert 0.15 < (complaints["category"].astype(str) == "staff").mean() < 0.25
assert not viz.figure_text_problems(fig)
# %% md causes_read
# %% md knowledge
# %% code silos
mapping = w.truth.silo_mapping
per_customer = mapping.groupby("customer_id")["silo"].nunique()
records = pd.Series({s: len(df) for s, df in w.silos.items()})
i18n.record(silo_records=int(records.sum()), in_two_or_more=(per_customer >= 2).mean(),
            in_all_four=(per_customer == 4).mean(), name_variants=mapping["name_variant"].mean(),
            duplicates=mapping["is_duplicate"].mean())
# one customer known to all four systems: the first such customer id
who = per_customer[per_customer == 4].index[0]
keys = mapping[mapping["customer_id"] == who]
names = {"sales": "full_name", "service": "customer_name", "billing": "last_name",
         "web": "display_name"}
key_col = {"sales": "account_no", "service": "contact_id", "billing": "account_number",
           "web": "user_id"}
rows = []
for silo, key in zip(keys["silo"], keys["record_key"]):
    row = w.silos[silo].set_index(key_col[silo]).loc[key]
    rows.append({i18n.t("col_system"): i18n.t(f"system_{silo}"), i18n.t("col_key"): key,
                 i18n.t("col_name_as_recorded"): row[names[silo]],
                 i18n.t("col_phone_as_recorded"): row["phone"] if "phone" in row else "—"})
pd.DataFrame(rows)
# %% code claim-silos tags=claim
# the four systems hold more records than there are customers, and most customers are
# in more than one of them under different keys
assert records.sum() > 2 * len(customers)
assert (per_customer >= 2).mean() > 0.75 and (per_customer == 4).mean() < 0.15
assert keys["record_key"].nunique() == len(keys) >= 4
# %% code timeline
story = (it[it["customer_id"] == who].sort_values("timestamp", kind="stable")
         [["timestamp", "purpose", "channel", "source_system"]].reset_index(drop=True))
story = story.assign(timestamp=story["timestamp"].dt.normalize(),
                     purpose=story["purpose"].astype(str).map(lambda p: i18n.t(f"purpose_{p}")),
                     channel=story["channel"].astype(str).map(lambda c: i18n.t(f"channel_{c}")),
                     source_system=story["source_system"].astype(str).map(
                         lambda s: i18n.t(f"system_{s}")))
i18n.record(story_events=len(story), story_systems=it.loc[it["customer_id"] == who,
                                                          "source_system"].nunique())
# the Persian notebook shows each date in the Jalali calendar beside the Gregorian one
i18n.with_jalali(story.rename(columns=lambda c: i18n.t(f"col_{c}")), [i18n.t("col_timestamp")])
# %% code claim-timeline tags=claim
# one person, several systems: no single system saw the whole story
assert len(story) >= 4 and it.loc[it["customer_id"] == who, "source_system"].nunique() >= 2
# %% md knowledge_read
# %% md outside_in
# %% code outside_in-data
waited = complaints["first_response_hours"] > 24
i18n.record(median_response=complaints["first_response_hours"].median(),
            complaints_over_day=waited.mean(),
            complainers_over_day=waited.groupby(complaints["customer_id"]).any().mean())
# %% code claim-outside-in tags=claim
# seen by customers, a long wait is more common than seen complaint by complaint
assert 12 < complaints["first_response_hours"].median() < 24
assert waited.groupby(complaints["customer_id"]).any().mean() > waited.mean() + 0.05
# %% md outside_in_read
# %% md incentives
# %% code incentives-data
postpaid = customers["plan"].astype(str) == "postpaid"
logged = complaints[complaints["customer_id"].map(postpaid)].reset_index(drop=True)
unhappy = logged["satisfaction"] <= 2
# a desk paid on average satisfaction stops logging every second unhappy complaint
# (satisfaction 1 or 2), in the order they were logged
unlogged = unhappy & (unhappy.cumsum() % 2 == 1)
left = customers["status"].astype(str).eq("churned") | customers["winback_date"].notna()
worst = logged.groupby("customer_id")["satisfaction"].min()
churn_by_worst = pd.Series({"bad": left.reindex(worst.index)[worst <= 2].mean(),
                            "middling": left.reindex(worst.index)[worst == 3].mean(),
                            "good": left.reindex(worst.index)[worst >= 4].mean()})
hidden_customers = logged.loc[unlogged, "customer_id"].unique()
i18n.record(satisfaction_all=logged["satisfaction"].mean(),
            satisfaction_reported=logged.loc[~unlogged, "satisfaction"].mean(),
            unlogged=int(unlogged.sum()), churn_hidden=left.reindex(hidden_customers).mean(),
            churn_bad=churn_by_worst["bad"], churn_good=churn_by_worst["good"])
# %% code claim-incentives tags=claim
# the reported average improves; the customers behind the hidden complaints still leave
# more often than those whose complaints were handled well
assert logged.loc[~unlogged, "satisfaction"].mean() > logged["satisfaction"].mean() + 0.05
assert left.reindex(hidden_customers).mean() > churn_by_worst["good"] + 0.1
assert churn_by_worst["bad"] > churn_by_worst["good"] + 0.1
assert set(logged.loc[unhappy, "satisfaction"]) <= {1, 2}
# %% md incentives_read
# %% md not_crm
# %% md loyalty
# %% code loyalty-data
events = pd.concat([w.transactions[["customer_id", "timestamp", "amount"]],
                    w.invoices.rename(columns={"issue_date": "timestamp"})
                    [["customer_id", "timestamp", "amount"]]])
joins = w.loyalty[w.loyalty["event"].astype(str) == "join"]
joined_after_first = (joins["timestamp"].to_numpy()
                      >= customers.loc[joins["customer_id"], "signup_date"].to_numpy())
spending = loyalty.member_spending(w.customers, events, joins, end=w.config.end)
gap = loyalty.loyalty_gap(spending)
i18n.record(members=len(joins), member_share=len(joins) / len(customers),
            joined_after_first=joined_after_first.mean(),
            gap_whole=gap.loc["whole history", "gap_share"],
            gap_before=gap.loc["before members joined", "gap_share"],
            drop_after=-gap.loc["members: after vs before", "gap_share"])

fig, (left_ax, right_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
kinds = ["bad", "middling", "good"]
left_ax.bar(range(3), churn_by_worst[kinds].to_numpy(), color=[viz.PALETTE[5], viz.PALETTE[6],
                                                               viz.PALETTE[0]])
left_ax.set_xticks(range(3), i18n.labels(kinds, prefix="handling_"))
left_ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".0%"))
left_ax.set(title=i18n.t("fig_experience_title"), ylabel=i18n.t("axis_left_share"))
bars = [gap.loc["whole history", "comparison"], gap.loc["whole history", "members"],
        gap.loc["before members joined", "members"], gap.loc["members: after vs before",
                                                              "members"]]
right_ax.bar(range(4), bars, color=[viz.PALETTE[4], viz.PALETTE[0], viz.PALETTE[1],
                                    viz.PALETTE[2]])
groups = i18n.labels(["non_members", "members", "members_before", "members_after"],
                     prefix="loyalty_")
right_ax.set_xticks(range(4), [textwrap.fill(g, 14) for g in groups])
# whole dollars would round 2.5 to 2; rials are whole anyway
right_ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.1f" if v % 1 else ",.0f"))
right_ax.set(title=i18n.t("fig_loyalty_title"), ylabel=i18n.t("axis_spend_month",
                                                              currency=currency))
fig.tight_layout()
plt.show()
# %% code claim-loyalty tags=claim
# members join after their first purchase; they spent more than non-members before they
# joined, and did not spend more after joining than before
assert joined_after_first.all() and 0.2 < len(joins) / len(customers) < 0.35
assert gap.loc["before members joined", "gap_share"] > 0.4
assert gap.loc["before members joined", "gap"] >= gap.loc["whole history", "gap"]
assert gap.loc["members: after vs before", "gap_share"] < 0
assert not viz.figure_text_problems(fig)
# %% md loyalty_read
# %% md ethics
# %% code ethics-data
people = w.customers.assign(birth_year=w.customers["birth_date"].dt.year)
exact = people.groupby(["birth_date", "gender", "city"], observed=True)["customer_id"]
coarse = people.groupby(["birth_year", "gender", "province"], observed=True)["customer_id"]
unique_exact = (exact.transform("size") == 1).mean()
unique_coarse = (coarse.transform("size") == 1).mean()
i18n.record(unique_exact=unique_exact, unique_coarse=unique_coarse)
pd.Series({i18n.t("quasi_exact"): i18n.number(unique_exact, ".1%"),
           i18n.t("quasi_coarse"): i18n.number(unique_coarse, ".1%")},
          name=i18n.t("col_unique_share")).to_frame()
# %% code claim-ethics tags=claim
# without any name, almost everyone is unique on birth date, gender and city; coarser
# columns protect most people, but not all
assert unique_exact > 0.95
assert unique_coarse < 0.3 and unique_coarse < unique_exact / 3
# %% md ethics_read
# %% md takeaways
# %% md try_it
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz  # noqa: E402

slowest = response[True].idxmax()
gap_before = gap.loc["before members joined", "gap_share"]
Quiz([
    Choice(i18n.t("nb11_q_slowest"), options=i18n.labels(channels, prefix="channel_"),
           answer=channels.index(slowest),
           explain=i18n.t("nb11_q_slowest_why",
                          hours=i18n.number(response.loc[slowest, True], ",.1f"))),
    Number(i18n.t("nb11_q_gap"), answer=gap_before * 100, tolerance=2.0,
           explain=i18n.t("nb11_q_gap_why", share=i18n.number(gap_before, ".0%"))),
    Choice(i18n.t("nb11_q_hidden"), options=[i18n.t(f"nb11_q_hidden_{k}") for k in "abc"],
           answer=0, explain=i18n.t("nb11_q_hidden_why")),
    Choice(i18n.t("nb11_q_what"), options=[i18n.t(f"nb11_q_what_{k}") for k in "abcd"],
           answer=2, explain=i18n.t("nb11_q_what_why")),
])
# %% code claim-quiz tags=claim
# the quiz's answers agree with the prose: overloaded complaints wait longer on every
# channel, and members spent more than non-members before they joined
assert slowest in channels and (response[True] > response[False]).all()
assert gap_before > 0.4
# %% md sources
# %% md glossary
# %% code values tags=values
i18n.show_recorded()
