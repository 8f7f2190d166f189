# %% md title
# %% code setup
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import linkage as lk
from crmlab.analytics.engagement import realised_engagement

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
other = "fa" if LANG == "en" else "en"       # the timeline's notes: the other language


def ticks(spec):
    """Tick labels in the notebook's digits (a Persian minus sign stays right to left)."""
    return lambda v, _: viz.persian_label(i18n.number(v, spec))
# %% md generations
# %% code timeline
generations = pd.DataFrame({
    "event": [i18n.t(f"nb01_gen_{i}") for i in range(1, 6)],
    "start": [1990, 1995, 2002.9, 2008, 2010],
    "end": [1997, 2002.9, 2009, 2016, 2020],
    "note": [i18n.t(key, lang=other) for key in ("sfa", "single_customer_view",
                                                 "front_office", "saas", "social_crm")],
})
fig, ax = plt.subplots(figsize=(11, 4.5))
viz.plot_timeline(generations, note_col="note", ax=ax, title=i18n.t("nb01_fig_timeline"))
ax.set(xlabel=i18n.t("nb01_axis_year"), ylabel=i18n.t("nb01_axis_era"))
ax.xaxis.set_major_formatter(ticks(".0f"))
fig.tight_layout()
plt.show()
# %% code claim-timeline tags=claim
# one bar per generation of the text, in its order, with the article's three dates
assert len(generations) == 5
assert [int(e[0]) for e in generations["event"]] == [1, 2, 3, 4, 5]
assert generations["start"].is_monotonic_increasing
assert 1990 <= generations.loc[0, "start"] < 2000        # the 1990s
assert round(generations.loc[2, "start"]) == 2003         # from the end of 2002
assert 2006 <= generations.loc[3, "start"] <= 2009        # the late 2000s
assert not viz.figure_text_problems(fig)
# %% md silos
# %% code silo-sizes
pd.DataFrame({i18n.t("nb01_col_records"): {i18n.t(f"system_{name}"): len(t)
                                            for name, t in w.silos.items()},
              i18n.t("nb01_col_key"): {i18n.t(f"system_{name}"): t.columns[0]
                                        for name, t in w.silos.items()}})
# %% md overcount
# %% code overcount-data
mapping = w.truth.silo_mapping
i18n.record(n_records=len(mapping), n_sales=len(w.silos["sales"]),
            n_customers=mapping["customer_id"].nunique())
print(i18n.t("nb01_records_all"), len(mapping))
print(i18n.t("nb01_records_sales"), len(w.silos["sales"]))
print(i18n.t("nb01_records_real"), mapping["customer_id"].nunique())
# %% code claim-overcount tags=claim
customers = mapping["customer_id"].nunique()
assert len(mapping) > 2 * customers            # far more records than customers
assert len(w.silos["sales"]) > customers       # even the sales system over-counts
# %% md one_customer
# %% code one-customer
example = (mapping.groupby("customer_id")["silo"].nunique().loc[lambda s: s == 4]
           .index[0])
for name, table in w.silos.items():
    keys = mapping.loc[(mapping["customer_id"] == example)
                       & (mapping["silo"] == name), "record_key"]
    print(f"--- {i18n.t(f'system_{name}')}")
    print(table[table.iloc[:, 0].isin(keys)].to_string(index=False))
# %% md linkage
# %% code standardise
records = lk.standardize_silos(w.silos)
truth = (records[["source", "record_key"]]
         .merge(mapping.astype({"silo": str}), how="left",
                left_on=["source", "record_key"], right_on=["silo", "record_key"])
         ["customer_id"].to_numpy())
records.groupby("source", sort=False).head(2)
# %% code link
threshold = 10.0
linked = lk.link_records(records, threshold=threshold)
pairs = linked.attrs["pairs"]
n = len(records)
i18n.record(threshold=threshold, all_pairs=n * (n - 1) // 2, candidate_pairs=len(pairs))
print(i18n.t("nb01_all_pairs", n=n * (n - 1) // 2))
print(i18n.t("nb01_candidate_pairs", n=len(pairs)))
pairs.head()
# %% md scores
# %% code score-figure
same = truth[pairs["left"]] == truth[pairs["right"]]
fig, ax = plt.subplots()
bins = np.arange(pairs["score"].min() - 0.5, pairs["score"].max() + 1.5)
ax.hist([pairs.loc[~same, "score"], pairs.loc[same, "score"]], bins=bins, stacked=True,
        color=viz.PALETTE[:2], label=[i18n.t("nb01_legend_different"), i18n.t("nb01_legend_same")])
ax.axvline(threshold, color="black", linestyle="--",
           label=i18n.t("nb01_legend_threshold", threshold=i18n.number(threshold, "g")))
ax.set(title=i18n.t("nb01_fig_scores"), xlabel=i18n.t("nb01_axis_score"),
       ylabel=i18n.t("nb01_axis_pairs"))
ax.xaxis.set_major_formatter(ticks(".0f"))
ax.yaxis.set_major_formatter(ticks(",.0f"))
ax.legend()
plt.show()
# %% code claim-scores tags=claim
assert n * (n - 1) // 2 / len(pairs) > 1000                     # a factor of thousands
# truly matching pairs score high, strangers low: the threshold 10 separates them
assert threshold == 10
assert pairs.loc[same, "score"].median() > 10 > pairs.loc[~same, "score"].median()
assert (pairs.loc[same, "score"] >= 10).mean() > 0.95
assert (pairs.loc[~same, "score"] < 10).mean() > 0.99
assert not viz.figure_text_problems(fig)
# %% md quality_intro
# %% code quality
score = lk.evaluate_linkage(linked["entity"], truth)
i18n.record(precision=score.precision, recall=score.recall, exact=score.exact,
            entities=score.entities)
pd.DataFrame({i18n.t("nb01_col_counted"): {
    i18n.t("nb01_count_union"): len(records),
    i18n.t("nb01_count_sales"): len(w.silos["sales"]),
    i18n.t("nb01_count_linkage", threshold=i18n.number(threshold, "g")): score.entities,
    i18n.t("nb01_count_truth"): score.customers}})
# %% code quality-print
print(i18n.t("nb01_quality", precision=i18n.number(score.precision, ".3f"),
             recall=i18n.number(score.recall, ".3f"), exact=i18n.number(score.exact, ".1%")))
# %% md tradeoff
# %% code claim-quality tags=claim
assert score.precision > 0.99 and score.recall > 0.95
assert score.customers < score.entities < 1.05 * score.customers
# %% code sweep
sweep = lk.threshold_sweep(records, truth, np.arange(-4, 31, 2), pairs=pairs)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for column, color in zip(["precision", "recall"], viz.PALETTE):
    left.plot(sweep.index, sweep[column], marker=".", color=color,
              label=i18n.t(f"nb01_linkage_{column}"))
left.set(title=i18n.t("nb01_fig_sweep"), xlabel=i18n.t("nb01_axis_threshold"),
         ylabel=i18n.t("nb01_axis_pair_share"))
left.legend()
right.plot(sweep.index, sweep["entities"], marker=".", color=viz.PALETTE[2],
           label=i18n.t("nb01_linkage_found"))
right.axhline(score.customers, color="black", linestyle="--", label=i18n.t("nb01_linkage_true"))
right.set(title=i18n.t("nb01_fig_counted"), xlabel=i18n.t("nb01_axis_threshold"),
          ylabel=i18n.t("nb01_axis_customers"))
right.legend()
for ax in (left, right):
    ax.xaxis.set_major_formatter(ticks(".0f"))
left.yaxis.set_major_formatter(ticks(".1f"))
right.yaxis.set_major_formatter(ticks(",.0f"))
fig.tight_layout()
plt.show()
# %% code claim-sweep tags=claim
# recall falls and precision rises with the threshold; the customer count rises with it
assert sweep["recall"].iloc[0] > sweep["recall"].iloc[-1]
assert sweep["precision"].iloc[0] < sweep["precision"].iloc[-1]
assert sweep["entities"].iloc[0] < score.customers < sweep["entities"].iloc[-1]
assert not viz.figure_text_problems(fig)
# %% md split
# %% code fragments
split = linked.assign(customer=truth).groupby("customer")["entity"].nunique()
fragments = (linked.assign(customer=truth)
             .loc[lambda d: d["customer"].isin(split[split > 1].index)]
             .groupby(["customer", "entity"])["source"]
             .agg(lambda s: " + ".join(sorted(s))))
pieces = fragments.value_counts()
(pieces.head(6).rename(i18n.t("nb01_col_pieces"))
 .rename(lambda p: " + ".join(i18n.t(f"system_{s}") for s in p.split(" + ")))
 .rename_axis(i18n.t("nb01_col_piece")))
# %% code lone-web
# the customers whose web account was cut off on its own: what do they lack?
resolved = linked.assign(customer=truth)
lone_web = fragments[fragments == "web"].index.get_level_values("customer")
in_systems = mapping.groupby("customer_id")["silo"].agg(lambda s: set(map(str, s)))
no_service_or_billing = in_systems.reindex(lone_web).map(
    lambda s: not {"service", "billing"} & s)
address = resolved.groupby(["customer", "source"])["address"].first().unstack()
moved = address.loc[lone_web, "sales"] != address.loc[lone_web, "web"]
i18n.record(lone_web=len(lone_web), lone_no_other=no_service_or_billing.mean(),
            lone_moved=moved.mean())
print(i18n.t("nb01_lone_web", n=len(lone_web),
             none=i18n.number(no_service_or_billing.mean(), ".0%"),
             moved=i18n.number(moved.mean(), ".0%")))
# %% code claim-split tags=claim
assert (split[split > 1] == 2).all()                 # every split customer: two pieces
assert pieces.index[0] == "web"                      # most often a lone web account
assert pieces.get("web + web", 0) + pieces.get("sales + sales", 0) > 0   # duplicates
assert no_service_or_billing.mean() > 0.85 and moved.mean() > 0.6
# %% md agent
# %% code desk
per = resolved.groupby("customer").agg(systems=("source", "nunique"),
                                       records=("source", "size"),
                                       entities=("entity", "nunique"))
bills = w.invoices["customer_id"].value_counts()
per["bills"] = bills.reindex(per.index, fill_value=0)
# a caller whose service card is typed in Persian letters (some cards use the Arabic yeh and
# kaf, U+064A and U+0643: try-it task 4 looks for them)
service = w.silos["service"]
arabic = service.loc[service["customer_name"].str.contains("[\u064a\u0643]"), "contact_id"]
typed_arabic = per.index.isin(mapping.loc[mapping["record_key"].isin(arabic), "customer_id"])
caller = per[(per["systems"] == 4) & (per["records"] >= 5) & (per["entities"] == 1)
             & (per["bills"] >= 12) & ~typed_arabic].index[0]
phone = resolved.loc[(resolved["customer"] == caller) & (resolved["source"] == "service"),
                     "phone"].iloc[0]
desk = resolved[(resolved["source"] == "service") & (resolved["phone"] == phone)]
w.silos["service"][w.silos["service"]["contact_id"].isin(desk["record_key"])]
# %% md agent_view
# %% code view
entity = desk["entity"].iloc[0]
view = linked.loc[linked["entity"] == entity, ["source", "record_key", "first", "last",
                                               "phone", "email", "address"]]
(view.assign(source=view["source"].map(lambda s: i18n.t(f"system_{s}")))
 .rename(columns=lambda c: i18n.t(f"nb01_col_{c}")))
# %% md ledger_intro
# %% code ledger
billing_keys = mapping.loc[(mapping["silo"] == "billing") & ~mapping["is_duplicate"],
                           ["record_key", "customer_id"]]
ledger = (w.invoices.merge(billing_keys, on="customer_id")
          .rename(columns={"record_key": "account_number"})
          .drop(columns="customer_id"))
accounts = view.loc[view["source"] == "billing", "record_key"]
recent = (ledger[ledger["account_number"].isin(accounts)]
          [["account_number", "issue_date", "amount", "status", "collection_step"]].tail(6))
# the Persian notebook shows each date in the Jalali calendar beside the Gregorian one
i18n.with_jalali(recent.rename(columns=lambda c: i18n.t(f"nb01_col_{c}")),
                 [i18n.t("nb01_col_issue_date")])
# %% code claim-agent tags=claim
# the service desk alone knows one system; the linked view reaches all four, with bills
assert set(view["source"]) == {"sales", "service", "billing", "web"}
assert len(desk) == 1 and ledger["account_number"].isin(accounts).sum() >= 12
# %% md social
# %% code engagement
cev = realised_engagement(w.tables)
top = 250
by_purchases = set(cev["clv"].nlargest(top).index)
by_engagement = set(cev["cev"].nlargest(top).index)
missed = cev.loc[sorted(by_engagement - by_purchases)]
social = missed["referral_value"] + missed["influencer_value"]
i18n.record(top=top, missed=len(missed), missed_social=(social > missed["clv"]).mean())
print(i18n.t("nb01_missed", top=top, n=len(missed)))
print(i18n.t("nb01_missed_social", share=i18n.number((social > missed["clv"]).mean(), ".0%")))
cev.head(8).round(1).rename(columns=lambda c: i18n.t(f"nb01_col_{c}"))
# %% md social_read
# %% code claim-engagement tags=claim
assert top == 250
assert 0.1 < len(missed) / top < 0.25                     # about one in six
assert (social > missed["clv"]).mean() > 0.5              # most of them
# %% md explore
# %% code explorer
from crmlab.widgets.linkage import linkage_explorer

# the explorer's labels are in the notebook's language (i18n.set_language above)
linkage_explorer(records, truth, pairs=pairs, threshold=threshold)
# %% md takeaways
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz  # noqa: E402

systems = ["sales", "service", "billing", "web"]
Quiz([
    Choice(i18n.t("nb01_q_generation"), options=[i18n.t(f"nb01_gen_{i}") for i in range(1, 6)],
           answer=1, explain=i18n.t("nb01_q_generation_why")),
    Number(i18n.t("nb01_q_recall", threshold=i18n.number(threshold, "g")),
           answer=score.recall * 100, tolerance=0.5,
           explain=i18n.t("nb01_q_recall_why", recall=i18n.number(score.recall, ".1%"),
                          precision=i18n.number(score.precision, ".1%"))),
    Choice(i18n.t("nb01_q_raise"), options=[i18n.t(f"nb01_q_raise_{k}") for k in "abc"],
           answer=0, explain=i18n.t("nb01_q_raise_why")),
    Choice(i18n.t("nb01_q_piece"), options=[i18n.t(f"system_{s}") for s in systems],
           answer=systems.index(pieces.index[0]),
           explain=i18n.t("nb01_q_piece_why", n=int(pieces.iloc[0]))),
])
# %% code claim-quiz tags=claim
# the quiz's answers: the second generation sought one view of every interaction; a
# higher threshold trades recall for precision; the lone piece is most often web
assert "2" in i18n.t("nb01_gen_2", lang="en") and pieces.index[0] in systems
assert sweep["precision"].iloc[-1] > sweep["precision"].iloc[0] and \
    sweep["recall"].iloc[-1] < sweep["recall"].iloc[0]
# %% md glossary
# %% md further
# %% code values tags=values
i18n.show_recorded()
