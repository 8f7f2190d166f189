# %% md title
# %% code setup
import inspect

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import concentration as conc
from crmlab.analytics.engagement import PARTS, realised_engagement
from crmlab.analytics.profitability import customer_profit
from crmlab.analytics.referrals import referral_trees
from crmlab.world.locales import pools

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
scale = pools(w.config.locale).money_scale   # 1 for dollars; money set in dollars scales by it
currency = i18n.t(f"currency_{w.meta['currency']}")
segment = w.truth.customers.set_index("customer_id")["segment"].astype(str)
segment_shown = segment.map(lambda s: i18n.t(f"nb07_segment_{s}"))
print(i18n.t("world_summary", n=len(w.customers), start=i18n.date(w.config.start),
             end=i18n.date(w.config.end), currency=currency))
i18n.with_jalali(w.referrals.head(3))
# %% md referral_network
# %% code degree
brought = w.referrals.groupby("referrer_id").size()
i18n.record(n_referred=len(w.referrals), n_customers=len(w.customers),
            n_referrers=len(brought))
degree = brought.value_counts().sort_index()
degree_shown = (degree.rename_axis(i18n.t("nb07_col_customers_referred"))
                .rename(i18n.t("nb07_col_referrers")).to_frame().T)
degree_shown.columns = pd.Index([i18n.number(c, "d") for c in degree_shown.columns],
                                name=i18n.t("nb07_col_customers_referred"))
degree_shown
# %% md degree_read
# %% code claim-degree tags=claim
assert degree.loc[1] > 0.5 * degree.sum()        # most referrers bring exactly one
assert degree.index.max() >= 3                    # a few bring several
# %% code trees
trees = referral_trees(w.referrals)
generations = trees["generation"].value_counts().sort_index()
i18n.record(generation_1=generations.get(1, 0), deepest_generation=generations.index.max())
print(i18n.t("nb07_per_generation") + " "
      + i18n.t("nb07_list_sep").join(f"{i18n.number(g, 'd')}: {i18n.number(n, ',')}"
                                for g, n in generations.items()))
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5), width_ratios=[1, 2.6])
left.bar([i18n.number(d, "d") for d in degree.index], degree.to_numpy(), color=viz.PALETTE[0])
left.set(title=i18n.t("nb07_fig_degree_title"), xlabel=i18n.t("nb07_col_customers_referred"),
         ylabel=i18n.t("nb07_axis_referrers"), yscale="log")
left.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f") if v >= 1 else "")
viz.plot_referral_trees(trees, k=8, labels=segment_shown, ax=right)
right.set(title=i18n.t("nb07_fig_trees_title", k=8), xlabel=i18n.t("nb07_axis_trees_x"),
          ylabel=i18n.t("nb07_axis_generation"))
right.set_yticks(right.get_yticks(), [i18n.number(int(round(-v)), "d") for v in right.get_yticks()])
fig.tight_layout()
plt.show()
# %% md trees_read
# %% code claim-trees tags=claim
sizes = trees.groupby("root").size()
assert 7 <= sizes.max() <= 15                       # about ten customers
young = (segment == "digital_young").mean()
assert 0.15 < young < 0.25                          # about a fifth of the base
in_largest = trees.index[trees["root"].isin(sizes.nlargest(8).index)]
assert (segment.reindex(in_largest) == "digital_young").mean() > 1.5 * young
assert w.truth.params["referral"].idxmax() == "digital_young"
assert not viz.figure_text_problems(fig)
# %% md influence
# %% code authors
posts = w.online_activity
authors = posts.groupby("customer_id").agg(posts=("post_id", "size"), reach=("reach", "sum"),
                                           mean_sentiment=("sentiment", "mean"))
reach_all = authors["reach"].reindex(w.customers["customer_id"], fill_value=0)
i18n.record(n_authors=len(authors), median_reach=authors["reach"].median(),
            n_big_authors=int((authors["reach"] >= 10_000).sum()),
            top1_reach=conc.top_share(reach_all, 0.01))
authors_shown = authors.describe().round(2).rename(
    columns=lambda c: i18n.t(f"nb07_col_{c}"),
    index=lambda s: i18n.t(f"nb07_stat_{s.rstrip('%')}"))
authors_shown
# %% code authors-figure
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
left.hist(np.log10(1 + authors["reach"]), bins=40, color=viz.PALETTE[0])
left.set(title=i18n.t("nb07_fig_reach_title"), xlabel=i18n.t("nb07_axis_log_reach"),
         ylabel=i18n.t("nb07_axis_customers"))
right.scatter(authors["mean_sentiment"], authors["reach"], s=8, alpha=0.4,
              color=viz.PALETTE[0])
right.set(title=i18n.t("nb07_fig_tone_title"), xlabel=i18n.t("nb07_axis_mean_sentiment"),
          ylabel=i18n.t("nb07_axis_reach_log"), yscale="symlog")
for ax in (left, right):
    ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, "g"))
left.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
right.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
plt.show()
# %% md influence_read
# %% code tone
bad = w.complaints.loc[w.complaints["satisfaction"] <= 2, ["customer_id", "opened_at"]]
pairs = posts[["post_id", "customer_id", "timestamp"]].merge(bad, on="customer_id")
after_bad = posts["post_id"].isin(pairs.loc[
    (pairs["timestamp"] > pairs["opened_at"])
    & (pairs["timestamp"] <= pairs["opened_at"] + pd.Timedelta(weeks=8)), "post_id"])
churn_date = posts["customer_id"].map(w.truth.customers.set_index("customer_id")["churn_date"])
before_leaving = ((posts["timestamp"] <= churn_date)
                  & (posts["timestamp"] > churn_date - pd.Timedelta(weeks=8)))
when = np.select([after_bad, before_leaving], ["after_bad", "before_leaving"], "other")
tone = posts.groupby(when)["sentiment"].agg(posts="size", mean_sentiment="mean")
i18n.record(tone_after_bad=tone.loc["after_bad", "mean_sentiment"],
            tone_before_leaving=tone.loc["before_leaving", "mean_sentiment"],
            tone_other=tone.loc["other", "mean_sentiment"])
tone.round(2).rename(index=lambda k: i18n.t(f"nb07_when_{k}"),
                     columns=lambda c: i18n.t(f"nb07_col_{c}"))
# %% md tone_read
# %% code claim-influence tags=claim
assert 20 <= authors["reach"].median() < 100                  # a few dozen people
assert 12 <= (authors["reach"] >= 10_000).sum() < 100          # a few dozen authors
assert 0.4 < conc.top_share(reach_all, 0.01) < 0.6            # top 1%: about half
assert w.complaints["satisfaction"].between(1, 5).all()        # the five-point scale
assert tone.loc["after_bad", "mean_sentiment"] < 0 < tone.loc["other", "mean_sentiment"]
assert tone.loc["before_leaving", "mean_sentiment"] < 0
assert not viz.figure_text_problems(fig)
# %% md cev
# %% code cev-data
i18n.record(insight_value=2 * scale, bonus=w.referrals["reward"].max(), currency=currency)
cev = realised_engagement(w.tables, value_per_insight=2 * scale)
total = cev["cev"].sum()
shares = pd.concat([cev[list(PARTS)].sum(), -cev[["credited_to_referrer"]].sum()]) / total
i18n.record(clv_share=shares["clv"], referral_share=shares["referral_value"],
            influencer_share=shares["influencer_value"],
            knowledge_share=shares["knowledge_value"])
print(i18n.t("nb07_shares_heading"))
print(shares.round(3).rename(lambda p: i18n.t(f"nb07_part_{p}"))
      .map(lambda v: i18n.number(v, ".3f")).to_string())
cev.head(8).round(1).rename(columns=lambda p: i18n.t(f"nb07_part_{p}")).rename_axis(
    i18n.t("nb07_col_customer"))
# %% md cev_read
# %% code claim-cev tags=claim
rewards = w.referrals["reward"].sum()
firm_gain = (cev["clv"].sum() - rewards + cev["influencer_value"].sum()
             + cev["knowledge_value"].sum())
assert abs(total - firm_gain) < 1e-9 * abs(total)                 # each counted once
assert (cev["credited_to_referrer"] > 0).sum() <= len(w.referrals)
assert cev.attrs["gross_margin"] == 0.4          # the margin customer_profit uses too
assert inspect.signature(customer_profit).parameters["gross_margin"].default == 0.4
assert shares["clv"] > 0.8                                        # most of it
top15 = cev.nlargest(15, "cev")
assert (top15["referral_value"] + top15["influencer_value"] > top15["clv"]).any()
# %% md payback
# %% code payback-data
share = 0.5   # incremental_referral_share, the default above
refs = w.referrals.assign(
    referred_value=w.referrals["referred_id"].map(cev["clv"]),
    year=w.referrals["timestamp"].dt.year)
refs["net"] = share * refs["referred_value"] - refs["reward"]
paid_back = refs.groupby("year")["net"].agg(referrals="size",
                                            not_yet_paid=lambda n: (n < 0).mean())
negative = int((cev.loc[brought.index, "referral_value"] < 0).sum())
i18n.record(negative_referrers=negative, not_paid=(refs["net"] < 0).mean(),
            not_paid_last=paid_back["not_yet_paid"].iloc[-1],
            not_paid_before=paid_back["not_yet_paid"].iloc[:-1].max(),
            last_year=paid_back.index[-1])
print(i18n.t("nb07_negative_referrers", n=negative, of=len(brought)))
paid_back.round(3).rename(columns=lambda c: i18n.t(f"nb07_col_{c}")).rename_axis(
    i18n.t("nb07_col_year"))
# %% md payback_read
# %% code claim-payback tags=claim
assert share == 0.5
not_paid = (refs["net"] < 0).mean()
assert 1 / 3 < not_paid < 0.5                                    # more than a third
assert paid_back["not_yet_paid"].iloc[-1] > 1.3 * paid_back["not_yet_paid"].iloc[:-1].max()
assert abs(refs["net"].sum() - cev["referral_value"].sum()) < 1e-6 * abs(cev["referral_value"].sum())
# %% md top_ranks
# %% code top-ranks
top = 100
by_clv = set(cev["clv"].nlargest(top).index)
by_cev = set(cev["cev"].nlargest(top).index)
by_influence = set(cev["influencer_value"].nlargest(top).index)
overlap = pd.Series({"clv_and_cev": len(by_clv & by_cev),
                     "clv_and_influencers": len(by_clv & by_influence),
                     "cev_missed_by_clv": len(by_cev - by_clv)})
missed = cev.loc[sorted(by_cev - by_clv)]
by_segment = missed.groupby(segment.reindex(missed.index))[list(PARTS)].mean()
by_segment.insert(0, "customers", missed.groupby(segment.reindex(missed.index)).size())
i18n.record(top=top, overlap_clv_cev=overlap["clv_and_cev"],
            overlap_clv_influencers=overlap["clv_and_influencers"],
            missed_by_clv=overlap["cev_missed_by_clv"],
            missed_young=by_segment["customers"].get("digital_young", 0))
print(overlap.rename(lambda k: i18n.t(f"nb07_overlap_{k}", n=top))
      .map(lambda v: i18n.number(v, "d")).to_string())
by_segment.round(1).rename(index=lambda s: i18n.t(f"nb07_segment_{s}"),
                           columns=lambda c: i18n.t(f"nb07_part_{c}") if c in PARTS
                           else i18n.t("nb07_col_customers")).rename_axis(
    i18n.t("nb07_col_segment"))
# %% md top_ranks_read
# %% code claim-top-ranks tags=claim
assert top == 100
assert overlap["clv_and_influencers"] < 0.15 * top        # almost entirely different
assert overlap["clv_and_cev"] > 0.5 * top                 # keeps most
assert by_segment["customers"].idxmax() == "digital_young"
assert by_segment.loc["digital_young", "customers"] > 0.5 * len(missed)   # mostly
assert missed["clv"].median() > cev["clv"].quantile(0.75)          # good spenders
assert (missed["clv"] < cev["clv"].nlargest(top).min()).all()     # though not top ones
# %% code detractors
detractors = cev[(cev["influencer_value"] < 0) & cev.index.isin(by_clv)]
i18n.record(detractors=len(detractors))
print(i18n.t("nb07_detractors", n=top, k=len(detractors)))
most = cev.nlargest(15, "cev")
# the credit to a referrer is taken out of the referred customer's own value
components = most[list(PARTS)].assign(credited_to_referrer=-most["credited_to_referrer"])
fig, ax = plt.subplots(figsize=(9, 5))
left_edge = np.zeros(len(components))
neg_edge = np.zeros(len(components))
for i, part in enumerate(components.columns):
    v = components[part].to_numpy()
    base = np.where(v >= 0, left_edge, neg_edge)
    ax.barh(np.arange(len(components)), v, left=base, color=viz.PALETTE[i],
            label=i18n.t(f"nb07_part_{part}"))
    left_edge += np.clip(v, 0, None)
    neg_edge += np.clip(v, None, 0)
ax.set_yticks(np.arange(len(components)), list(components.index))
ax.invert_yaxis()
ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
ax.set(title=i18n.t("nb07_fig_components_title", n=15),
       xlabel=i18n.t("nb07_axis_value_3y", currency=currency), ylabel=i18n.t("nb07_col_customer"))
ax.legend()
plt.show()
# %% code claim-detractors tags=claim
assert len(detractors) > 0                 # valuable spenders whose posts lose value
assert not viz.figure_text_problems(fig)
# %% md sensitivity
# %% code sensitivity-data
rows = {}
for rate in (0.0001, 0.001, 0.01):
    alt = realised_engagement(w.tables, value_per_insight=2 * scale,
                              conversion_per_view=rate)
    top_alt = set(alt["cev"].nlargest(top).index)
    rows[rate] = {"influencer_share": alt["influencer_value"].sum() / alt["cev"].sum(),
                  "missed": len(top_alt - by_clv)}
sensitivity = pd.DataFrame(rows).T
i18n.record(missed_low=sensitivity.loc[0.0001, "missed"],
            missed_high=sensitivity.loc[0.01, "missed"],
            influencer_high=sensitivity.loc[0.01, "influencer_share"])
shown = sensitivity.round(3).astype({"missed": int})
shown.index = [i18n.number(r, "g") for r in shown.index]
shown.rename(columns=lambda c: i18n.t(f"nb07_col_{c}", n=top)).rename_axis(
    i18n.t("nb07_col_conversion"))
# %% md sensitivity_read
# %% code claim-sensitivity tags=claim
missed_by_rate = sensitivity["missed"]
assert missed_by_rate.loc[0.0001] < 0.25 * top                   # mostly agree
assert missed_by_rate.loc[0.01] > 0.5 * top                      # most pass over
assert sensitivity.loc[0.01, "influencer_share"] > 0.3
assert missed_by_rate.is_monotonic_increasing
# %% md try_it
# %% code claim-bonus tags=claim
assert (w.referrals["reward"] == 10 * scale).all()     # the bonus per referred customer
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

parts = ["referral_value", "clv", "influencer_value", "knowledge_value"]  # the options
assert sorted(parts) == sorted(PARTS)
largest_part = shares[parts].idxmax()
young_missed = by_segment["customers"].idxmax()
segments = ["loyal_heavy", "steady", "digital_young", "price_hunter", "occasional"]
assert sorted(segments) == sorted(segment.unique())
Quiz([
    Choice(i18n.t("nb07_q_largest_part"), options=[i18n.t(f"nb07_part_{p}") for p in parts],
           answer=parts.index(largest_part),
           explain=i18n.t("nb07_q_largest_part_why", share=i18n.number(shares[largest_part], ".0%"))),
    Number(i18n.t("nb07_q_top1_reach"), answer=round(100 * conc.top_share(reach_all, 0.01), 1),
           tolerance=2.0, explain=i18n.t("nb07_q_top1_reach_why")),
    Choice(i18n.t("nb07_q_missed_segment", n=top),
           options=[i18n.t(f"nb07_segment_{s}") for s in segments],
           answer=segments.index(young_missed),
           explain=i18n.t("nb07_q_missed_segment_why", k=int(by_segment["customers"].max()),
                          n=len(missed))),
    Choice(i18n.t("nb07_q_same_period"),
           options=[i18n.t(f"nb07_q_same_period_{k}") for k in "bac"], answer=1,
           explain=i18n.t("nb07_q_same_period_why")),
])
# %% code claim-quiz tags=claim
# the quiz's answers are the ones the notebook found
assert largest_part == "clv" and young_missed == "digital_young"
# %% md glossary
# %% md further_reading
# %% code values tags=values
i18n.show_recorded()
