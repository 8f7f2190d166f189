# %% md title
# %% code setup
import os

# small data: one thread per library is faster than many threads competing for the cores
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import segment_targeting
from crmlab.analytics import segmentation as seg

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
currency = i18n.t(f"currency_{w.meta['currency']}")
SPLIT = pd.Timestamp("2025-01-01")  # the day of the campaign decisions of section 4
i18n.record(split=SPLIT, currency=currency)


def tick(spec):
    """An axis formatter in the notebook's digits (a plain minus sign before negatives)."""
    return lambda v, _: i18n.number(v, spec).replace(i18n.LRM, "")


def method_name(m):
    """A method, a policy or a baseline as the notebook's reader calls it."""
    return i18n.t(f"nb04_method_{m}".replace(" ", "_").replace("(", "").replace(")", ""))
# %% md features
# %% code features-data
X = seg.customer_features(w.tables, as_of=SPLIT)
truth = w.truth.customers.set_index("customer_id")["segment"].reindex(X.index)
i18n.record(n_known=len(X), n_customers=len(w.customers))
print(i18n.t("nb04_known_on", date=i18n.date(SPLIT), n=len(X), total=len(w.customers)))
X.head().round(2).rename(columns=lambda c: i18n.t(f"nb04_feature_{c}")).rename_axis(
    i18n.t("nb04_col_customer"))
# %% code claim-features tags=claim
# the decision date, and who was known on it
assert SPLIT == pd.Timestamp(2025, 1, 1)
assert 0.4 < len(X) / len(w.customers) < 0.8  # many customers join after the decision date
signup = w.customers.set_index("customer_id")["signup_date"]
assert (signup.loc[X.index] < SPLIT).all() and (signup.drop(X.index) >= SPLIT).all()
# nothing dated on or after the split reaches a feature: cutting every table at the split
# by hand gives the same features
dated = {"transactions": "timestamp", "invoices": "issue_date", "complaints": "opened_at",
         "online_activity": "timestamp", "referrals": "timestamp"}
cut = {name: w.tables[name][(w.tables[name][col] < SPLIT).to_numpy()]
       for name, col in dated.items()}
known = w.customers[(w.customers["signup_date"] < SPLIT).to_numpy()].copy()
known.loc[(known["churn_date"] >= SPLIT).to_numpy(), "churn_date"] = pd.NaT
pd.testing.assert_frame_equal(seg.customer_features({**cut, "customers": known}, as_of=SPLIT), X)
# %% md known
# %% code profile
profile = X.assign(purchases_per_year=X["purchases"] / X["tenure_years"]).groupby(
    truth, observed=True)[["purchases_per_year", "mean_spend", "digital_share", "postpaid",
                           "age", "complaints", "referrals"]].mean()
profile.insert(0, "customers", truth.value_counts())
shown = profile.round(2).rename(index=lambda s: i18n.t(f"nb04_segment_{s}"),
                                columns=lambda c: i18n.t(f"nb04_feature_{c}"))
shown.rename_axis(i18n.t("nb04_col_true_segment"))
# %% code claim-profile tags=claim
assert truth.nunique() == 5
assert profile["digital_share"].idxmax() == "digital_young" == profile["age"].idxmin()
assert profile["mean_spend"].idxmax() == "loyal_heavy" == profile["purchases_per_year"].idxmax()
# %% md profile_read
# %% code choose-k
choices = {m: seg.choose_k(X, method=m, random_state=0) for m in seg.CRITERIA}
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
for (method, choice), ax in zip(choices.items(), axes):
    choice.curve.plot(ax=ax, marker="o")
    ax.plot(choice.k, choice.curve[choice.k], "o", color="black", markersize=11,
            fillstyle="none", label=i18n.t("nb04_chosen_k", k=i18n.number(choice.k, "d")))
    better = "higher" if choice.criterion == "silhouette" else "lower"
    ax.set(title=i18n.t(f"nb04_criterion_title_{better}", method=method_name(method),
                        criterion=i18n.t(f"nb04_criterion_{choice.criterion}")),
           xlabel="k", ylabel=i18n.t(f"nb04_criterion_{choice.criterion}"))
    ax.xaxis.set_major_formatter(tick("g"))
    ax.yaxis.set_major_formatter(tick(",.3g" if choice.criterion == "silhouette" else ",.0f"))
    ax.legend()
fig.tight_layout()
plt.show()
chosen = pd.Series({m: c.k for m, c in choices.items()} | {"rfm": seg.RFM_GROUPS},
                   name="k")
i18n.record(k_kmeans=chosen["kmeans"], k_gmm=chosen["gmm"], k_latent=chosen["latent_class"],
            silhouette_max=choices["kmeans"].curve.max())
chosen.rename(method_name).to_frame().T
# %% code claim-choose-k tags=claim
assert list(choices["kmeans"].curve.index) == list(range(2, 11))  # k = 2 to 10
assert choices["gmm"].curve.index.max() == 10
assert seg.RFM_GROUPS == 5
# the silhouette asks for fewer segments than the world has, both BICs for more
assert chosen["kmeans"] < 5 and chosen["gmm"] > 5 and chosen["latent_class"] > 5
# the criteria disagree
assert chosen[list(seg.CRITERIA)].nunique() > 1
# the mixture's BIC still falls at the largest k tried
assert chosen["gmm"] == choices["gmm"].curve.index.max()
# no silhouette reaches 0.25: no substantial cluster structure
assert choices["kmeans"].curve.max() < 0.25
assert not viz.figure_text_problems(fig)
# %% md choose_k_read
# %% code scores
labels = {m: pd.Series(c.labels[c.k], index=X.index) for m, c in choices.items()}
labels["rfm"] = pd.Series(seg.segment(X, method="rfm", k=seg.RFM_GROUPS), index=X.index)
scores = pd.DataFrame({m: seg.score_labels(l.to_numpy(), truth.to_numpy())
                       for m, l in labels.items()}).T
scores.insert(0, "k", chosen)
scores["largest cluster share"] = [l.value_counts(normalize=True).max() for l in labels.values()]
i18n.record(best_ari=scores["ari"].max(), best_ami=scores["ami"].max())
scores.sort_values("ari", ascending=False).round(3).rename(
    index=method_name, columns=lambda c: i18n.t(f"nb04_col_{c}".replace(" ", "_")))
# %% code claim-scores tags=claim
assert scores["ari"].idxmax() == "latent_class" and scores["ami"].idxmax() == "latent_class"
assert (scores["ari"] < 0.1).all()
# %% code confusion
from crmlab.widgets.segmentation import segment_confusion

best = scores["ari"].idxmax()
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
for method, ax in zip([best, "rfm"], axes):
    table = segment_confusion(X, truth, method=method, k=int(chosen[method]))
    table.index = [i18n.t(f"nb04_segment_{s}") for s in table.index]
    table.columns = [i18n.number(c, "d") for c in table.columns]
    viz.plot_segment_confusion(table, ax=ax, title=i18n.t(
        "nb04_fig_confusion_title", method=method_name(method),
        k=i18n.number(chosen[method], "d")))
    ax.set(xlabel=i18n.t("nb04_axis_cluster"), ylabel=i18n.t("nb04_col_true_segment"))
    for text in ax.texts:  # the shares in the cells, in the notebook's digits
        text.set_text(i18n.number(float(text.get_text().rstrip("%")) / 100, ".0%"))
for colorbar in fig.axes[2:]:
    colorbar.set_ylabel(i18n.t("nb04_axis_share_of_segment"))
    colorbar.yaxis.set_major_formatter(tick(".0%"))
fig.tight_layout()
plt.show()
# %% code claim-confusion tags=claim
assert not viz.figure_text_problems(fig)
# %% md scores_read
# %% code explorer
from crmlab.widgets.segmentation import segmentation_explorer

segmentation_explorer(X, truth, method="latent_class", k=int(chosen["latent_class"]))
# %% md replicate
# %% code replicate-run
# the replicate worlds are of the same kind as the notebook's: Iranian in the Persian one
config = crm.WorldConfig(n_customers=1500, locale=w.config.locale)
seeds = [1, 2, 3, 4, 5]
runs = seg.run_experiment(crm.make_world, [config], seeds, k="choose", restarts=2, n_boot=5,
                          as_of=SPLIT, random_state=0)
summary = runs.groupby("method").agg(
    k_min=("k", "min"), k_max=("k", "max"), ari_mean=("ari", "mean"), ari_min=("ari", "min"),
    ari_max=("ari", "max"), restart_agreement=("restart_agreement", "mean"),
    stability_mean=("stability", "mean"), stability_worst=("stability_min", "min"))
i18n.record(n_worlds=len(seeds), world_size=config.n_customers,
            lc_ari_mean=summary.loc["latent_class", "ari_mean"],
            rfm_stability=summary.loc["rfm", "stability_mean"],
            rfm_stability_worst=summary.loc["rfm", "stability_worst"],
            lc_restart=summary.loc["latent_class", "restart_agreement"],
            lc_stability=summary.loc["latent_class", "stability_mean"],
            lc_stability_worst=summary.loc["latent_class", "stability_worst"],
            gmm_stability=summary.loc["gmm", "stability_mean"],
            gmm_stability_worst=summary.loc["gmm", "stability_worst"])
summary.round(3).rename(index=method_name, columns=lambda c: i18n.t(f"nb04_col_{c}"))
# %% code claim-replicate tags=claim
assert config.n_customers == 1_500 and len(seeds) == 5
# latent class agrees best with the truth on average, and every method stays close to chance
assert summary["ari_mean"].idxmax() == "latent_class" and (summary["ari_max"] < 0.1).all()
# RFM always agrees with itself, yet changes with the sample of customers
assert summary.loc["rfm", "restart_agreement"] == 1.0
assert summary.loc["rfm", "stability_mean"] < 1.0
# latent class: restarts overstate its stability
assert summary.loc["latent_class", "restart_agreement"] > summary.loc["latent_class",
                                                                      "stability_mean"]
# the two mixture models are the least stable: their worst sample agrees below 0.6
assert (summary.loc[["gmm", "latent_class"], "stability_worst"] < 0.6).all()
# %% code replicate-figure
fig, ax = plt.subplots(figsize=(8, 4))
order = runs.groupby("method")["ari"].mean().sort_values().index
for i, method in enumerate(order):
    values = runs.loc[runs["method"] == method, "ari"]
    ax.plot(values, np.full(len(values), i), "o", alpha=0.7)
    ax.plot(values.mean(), i, "k|", markersize=18)
ax.set_yticks(range(len(order)), [method_name(m) for m in order])
ax.set_xlim(min(0.0, runs["ari"].min()), runs["ari"].max() * 1.1)  # from 0: chance level
ax.xaxis.set_major_formatter(tick(".2f"))
ax.set(title=i18n.t("nb04_fig_replicate_title"), xlabel=i18n.t("nb04_axis_replicate_ari"),
       ylabel=i18n.t("nb04_axis_method"))
plt.show()
# %% code claim-replicate-figure tags=claim
assert not viz.figure_text_problems(fig)
# %% md replicate_read
# %% code one-world
contacts = w.truth.contacts
known_contacts = contacts[contacts["customer_id"].isin(X.index).to_numpy()]
labelings = {"true segments": truth.astype(str), **labels}
one_world = segment_targeting.compare_segmentations(known_contacts, w.campaigns, labelings,
                                                    split=SPLIT)
p = one_world["incremental_profit"]
i18n.record(profit_everyone=p["contact everyone"], profit_perfect=p["perfect (each customer)"],
            profit_true=p["true segments"], profit_latent=p["latent_class"],
            true_vs_perfect=p["true segments"] / p["perfect (each customer)"])
one_world.round(2).rename(index=method_name, columns=lambda c: i18n.t(f"nb04_col_{c}"))
# %% code claim-one-world tags=claim
methods = list(seg.METHODS)
assert p["contact everyone"] < 0 and p["contact no one"] == 0
assert p["perfect (each customer)"] == p.max()
# the true segments earn the most of the segment policies, a small part of the perfect policy
assert p["true segments"] > p[methods].max()
assert p["true segments"] / p["perfect (each customer)"] < 0.2
assert p[methods].idxmax() == "latent_class"
# %% md one_world_read
# %% code look-ahead
X_ahead = seg.customer_features(w.tables)  # the whole history: look-ahead
look_ahead = pd.Series(seg.segment(X_ahead, method="latent_class", k=5, random_state=0),
                       index=X_ahead.index)
as_of_split = pd.Series(seg.segment(X, method="latent_class", k=5, random_state=0),
                        index=X.index)
ahead = segment_targeting.compare_segmentations(
    contacts, w.campaigns, {"latent_class": look_ahead}, split=SPLIT).loc["latent_class"]
honest = segment_targeting.compare_segmentations(
    known_contacts, w.campaigns, {"latent_class": as_of_split}, split=SPLIT).loc["latent_class"]
i18n.record(ahead_profit=ahead["incremental_profit"], honest_profit=honest["incremental_profit"],
            ahead_ratio=ahead["incremental_profit"] / honest["incremental_profit"])
pd.DataFrame({i18n.t("nb04_look_ahead"): ahead, i18n.t("nb04_as_of_split"): honest}).T.round(
    2).rename(columns=lambda c: i18n.t(f"nb04_col_{c}"))
# %% code claim-look-ahead tags=claim
# look-ahead flatters the segmentation: on paper it earns clearly more (how much more
# depends on the world: several times on the US operator, half as much again on the
# Iranian one)
assert ahead["incremental_profit"] > 1.2 * honest["incremental_profit"] > 0
assert len(X_ahead) > len(X)  # look-ahead also segments customers not yet known
# %% md look_ahead_read
# %% code profit-experiment
profit = segment_targeting.run_profit_experiment(crm.make_world, config, seeds, k="choose",
                                                 split=SPLIT)
profit_summary = profit.groupby("method").agg(
    ari=("ari", "mean"), profit_mean=("incremental_profit", "mean"),
    profit_sd=("incremental_profit", "std"), profit_min=("incremental_profit", "min"),
    profit_max=("incremental_profit", "max"))
profit_summary.sort_values("profit_mean", ascending=False).round(2).rename(
    index=method_name, columns=lambda c: i18n.t(f"nb04_col_{c}"))
# %% code profit-figure
shown = profit[~profit["method"].isin(["perfect (each customer)"])]
wide = shown.pivot(index="world_seed", columns="method", values="incremental_profit")
wide = wide[wide.mean().sort_values().index]
ax = wide.T.plot(marker="o", linestyle=":", figsize=(10, 4.5))
ax.axhline(0, color="black", linewidth=0.8)
ax.set(title=i18n.t("nb04_fig_profit_title"), xlabel=i18n.t("nb04_axis_policy"),
       ylabel=i18n.t("nb04_axis_profit", currency=currency))
ax.set_xticks(range(wide.shape[1]), [method_name(m) for m in wide.columns], rotation=20)
ax.yaxis.set_major_formatter(tick(",.0f"))
ax.legend([i18n.number(s, "d") for s in wide.index], title=i18n.t("nb04_legend_seed"),
          ncol=5, fontsize=8)
profit_fig = ax.figure
plt.show()
# %% code claim-profit tags=claim
methods = list(seg.METHODS)
by_world = profit.pivot(index="world_seed", columns="method", values="incremental_profit")
# every segment policy beats contacting everyone, in every world; none comes near perfect
assert (by_world[methods + ["true segments"]].min(axis=1) > by_world["contact everyone"]).all()
assert (by_world[methods + ["true segments"]].max(axis=1)
        < 0.5 * by_world["perfect (each customer)"]).all()
# the best method changes from world to world
winners = by_world[methods].idxmax(axis=1)
assert winners.nunique() > 1
# in some worlds a segment policy loses money
assert (by_world[methods + ["true segments"]] < 0).to_numpy().any()
assert not viz.figure_text_problems(profit_fig)
# %% md design
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

quiz_methods = list(seg.METHODS)
ratio = ahead["incremental_profit"] / honest["incremental_profit"]
look_ahead_answer = 0 if ratio > 1.1 else 2 if ratio < 0.9 else 1
Quiz([
    Choice(i18n.t("nb04_q_best_method"), options=[method_name(m) for m in quiz_methods],
           answer=quiz_methods.index(scores["ari"].idxmax()),
           explain=i18n.t("nb04_q_best_method_why", method=method_name(scores["ari"].idxmax()),
                          ari=i18n.number(scores["ari"].max(), ".3f"))),
    Number(i18n.t("nb04_q_k_kmeans"), answer=int(chosen["kmeans"]), tolerance=0,
           explain=i18n.t("nb04_q_k_kmeans_why", k=i18n.number(chosen["kmeans"], "d"),
                          silhouette=i18n.number(choices["kmeans"].curve.max(), ".3f"))),
    Choice(i18n.t("nb04_q_look_ahead"),
           options=[i18n.t(f"nb04_q_look_ahead_{k}") for k in ("more", "same", "less")],
           answer=look_ahead_answer,
           explain=i18n.t("nb04_q_look_ahead_why", ratio=i18n.number(ratio, ".1f"))),
    Choice(i18n.t("nb04_q_rfm_stability"),
           options=[i18n.t(f"nb04_q_rfm_stability_{k}") for k in "abc"], answer=0,
           explain=i18n.t("nb04_q_rfm_stability_why")),
])
# %% code claim-quiz tags=claim
# the quiz's computed answers are what the notebook teaches
assert scores["ari"].idxmax() == "latent_class" and look_ahead_answer == 0
assert summary.loc["rfm", "restart_agreement"] == 1.0 > summary.loc["rfm", "stability_mean"]
# %% md glossary
# %% md further_reading
# %% code values tags=values
i18n.show_recorded()
