# %% md title
# %% code setup
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import dbmarketing as dbm
from crmlab.analytics import loyalty as loy
from crmlab.analytics import targeting as tg

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
currency = i18n.t(f"currency_{w.meta['currency']}")
setup = w.campaigns.set_index("campaign_id")
i18n.record(currency=currency)


def ticks(spec):
    """Tick labels in the notebook's digits (a Persian minus sign stays right to left)."""
    return lambda v, _: viz.persian_label(i18n.number(v, spec))


def money(value):
    """An amount of the notebook's currency, as its readers write it."""
    return i18n.number(value, ",.0f" if w.meta["currency"] == "IRR" else ",.2f")


POLICIES = ["response model", "value x risk", "two-model uplift", "random", "perfect uplift"]
policy_names = {p: i18n.t("nb02_policy_" + p.replace(" ", "_").replace("-", "_"))
                for p in POLICIES}
KINDS = ["sure thing", "persuadable", "lost cause", "sleeping dog"]
kind_names = {k: i18n.t("nb02_kind_" + k.replace(" ", "_")) for k in KINDS}
# %% md not_crm
# %% code report
report = (w.contacts.groupby(["campaign_id", "group"], observed=True)["responded"].mean()
          .unstack().round(3))
shown = setup[["name", "kind", "cost_per_contact", "offer_value"]].join(report)
shown = shown.assign(kind=shown["kind"].astype(str).map(lambda k: i18n.t(f"nb02_campaign_{k}")))
shown.rename(columns=lambda c: i18n.t(f"nb02_col_{c}"))
# %% md report_read
# %% code claim-report tags=claim
assert (setup["list_share"] == 0.3).all() and (setup["holdout_share"] == 0.1).all()
calls = report.loc[setup.index[setup["kind"] == "call_list"]]
assert (calls["control"] > 0.5 * calls["treatment"]).mean() > 0.5   # most call lists
assert (report["control"] > report["treatment"]).any()               # some campaigns
sizes = w.truth.contacts.groupby("campaign_id", observed=True).size()
assert sizes[calls.index].idxmax() == "K010"                         # the largest call list
assert setup.loc["K010", "name"].startswith("Spring") and \
    pd.Timestamp(setup.loc["K010", "start_date"]).year == 2025       # spring 2025
# %% code k010
campaign = setup.loc["K010"]
truth = w.truth.contacts[w.truth.contacts["campaign_id"] == "K010"].reset_index(drop=True)
i18n.record(eligible=len(truth), call_cost=campaign.cost_per_contact,
            call_offer=campaign.offer_value)
print(i18n.t("nb02_eligible", n=len(truth), cost=money(campaign.cost_per_contact),
             offer=money(campaign.offer_value), currency=currency))
types = dbm.response_types(truth)
types.rename(kind_names).rename(i18n.t("nb02_col_customers")).to_frame()
# %% md kinds
# %% code policies
events = pd.concat([w.transactions[["customer_id", "timestamp", "amount"]],
                    w.payments[["customer_id", "timestamp", "amount"]]], ignore_index=True)


def features(campaign_id):
    return dbm.campaign_features(campaign_id, campaigns=w.campaigns, customers=w.customers,
                                 events=events, contacts=w.contacts)


def earlier_lists(groups):
    rows = []
    for cid in ["K001", "K004", "K007"]:
        on_list = w.contacts[(w.contacts["campaign_id"] == cid)
                             & w.contacts["group"].isin(groups)]
        rows.append(features(cid).loc[on_list["customer_id"].astype(str)].assign(
            responded=on_list["responded"].to_numpy(),
            called=(on_list["group"] == "treatment").to_numpy()))
    return pd.concat(rows)


past = earlier_lists(["treatment"])                  # the called: for the response model
tested = earlier_lists(["treatment", "control"])     # called and held back: for uplift
uplift_model = tg.TwoModelUplift().fit(np.log1p(tested[list(dbm.FEATURES)]),
                                       tested["responded"], tested["called"])
held_back = tested.loc[~tested["called"], "responded"]
print(i18n.t("nb02_earlier", called=int(tested["called"].sum()), held=len(held_back),
             bought=int(held_back.sum())))


def policy_scores(truth, campaign_id):
    f = features(campaign_id).loc[truth["customer_id"].astype(str)]
    return {
        "response model": dbm.response_scores(past, past["responded"], f),
        "value x risk": (f["spend"] * (1 + 30 / f["tenure_days"].clip(lower=1))).to_numpy(),
        "two-model uplift": uplift_model.predict_uplift(np.log1p(f[list(dbm.FEATURES)])),
        "perfect uplift": (truth["uplift_probability"] * truth["value_if_responds"]).to_numpy(),
    }


scores = policy_scores(truth, "K010")
table = tg.evaluate_policies(truth, scores, share=0.3,
                             cost_per_contact=campaign.cost_per_contact,
                             offer_value=campaign.offer_value)
true_uplift = truth["uplift_probability"].astype(float)
agreement = {name: pd.Series(scores[name]).corr(true_uplift, method="spearman")
             for name in ("two-model uplift", "response model", "value x risk")}
i18n.record(held_back=len(held_back), held_back_bought=int(held_back.sum()),
            response_profit=table.loc["response model", "incremental_profit"],
            value_profit=table.loc["value x risk", "incremental_profit"],
            perfect_profit=table.loc["perfect uplift", "incremental_profit"],
            two_model_profit=table.loc["two-model uplift", "incremental_profit"],
            two_model_agreement=agreement["two-model uplift"])
from crmlab.widgets.targeting import shown_policy_table  # noqa: E402

shown_policy_table(table.round(3), policy_names)
# %% md policies_read
# %% code claim-policies tags=claim
real = table.drop(index="perfect uplift")
assert real["response_rate"].idxmax() == "response model"
assert table.loc["response model", "true_uplift"] <= 1.05 * table.loc["value x risk", "true_uplift"]
assert table.loc["response model", "true_uplift"] < 0.6 * table.loc["perfect uplift", "true_uplift"]
assert table.loc["response model", "incremental_profit"] < table.loc["value x risk", "incremental_profit"]
assert campaign.offer_value == 2.5 * campaign.cost_per_contact        # a call costs 2, an incentive 5
# the response-rate list loses money; every list the company could build earns far less
# than perfect knowledge of who is persuadable would
assert table.loc["response model", "incremental_profit"] < 0 < table.loc["perfect uplift", "incremental_profit"]
assert (real["incremental_profit"] < 0.25 * table.loc["perfect uplift", "incremental_profit"]).all()
assert 80 < len(held_back) < 130 and 10 < held_back.sum() < 30     # about 100, about 20 bought
assert agreement["two-model uplift"] < 0.4                           # agrees only weakly
# %% md who
# %% code who-data
lists = {**scores, "random": np.random.default_rng(0).random(len(truth))}
kinds = pd.DataFrame({name: dbm.response_types(truth, tg.select_top(s, 0.3))
                      for name, s in lists.items()}).T
kinds.rename(index=policy_names, columns=kind_names)
# %% md who_read
# %% code claim-who tags=claim
for name in ("response model", "value x risk"):
    assert kinds.loc[name, "sure thing"] > 2 * kinds.loc[name, "persuadable"]
    assert kinds.loc[name, "sure thing"] > 1.5 * kinds.loc["perfect uplift", "sure thing"]
    assert kinds.loc["perfect uplift", "persuadable"] > 1.5 * kinds.loc[name, "persuadable"]
assert kinds.loc["two-model uplift", "sure thing"] < kinds.loc["response model", "sure thing"]
assert kinds.loc["two-model uplift", "persuadable"] < 1.5 * kinds.loc["random", "persuadable"]
assert kinds.loc["two-model uplift", "persuadable"] < 0.7 * kinds.loc["perfect uplift", "persuadable"]
# %% md everyone
# %% code economics
def per_contact(campaign_id):
    t = w.truth.contacts[w.truth.contacts["campaign_id"] == campaign_id]
    c = setup.loc[campaign_id]
    y1 = t["response_if_contacted"].to_numpy(float)
    y0 = t["response_if_not_contacted"].to_numpy(float)
    gain = (y1 - y0) * t["value_if_responds"].to_numpy() - y1 * c.offer_value - c.cost_per_contact
    return {"kind": c.kind, "cost_per_contact": c.cost_per_contact,
            "offer_value": c.offer_value, "mean_uplift": (y1 - y0).mean(),
            "profit_per_contact": gain.mean()}


economics = pd.DataFrame({cid: per_contact(cid) for cid in setup.index}).T
relative = (economics["profit_per_contact"] / economics["cost_per_contact"]).astype(float)
# the retention offer of the figure: of the two after the last training list (K007), the
# one whose average SMS gains more
sms = relative[["K008", "K011"]].idxmax()
i18n.record(sms=sms)


def profit_curve(campaign_id):
    t = w.truth.contacts[w.truth.contacts["campaign_id"] == campaign_id].reset_index(drop=True)
    c = setup.loc[campaign_id]
    s = policy_scores(t, campaign_id)
    shares = np.round(np.arange(0.05, 1.001, 0.05), 2)
    curve = pd.DataFrame({share: tg.evaluate_policies(
        t, s, share=share, cost_per_contact=c.cost_per_contact,
        offer_value=c.offer_value)["incremental_profit"] for share in shares}).T
    # the same order, hence the same colour, for a policy in both panels
    return curve[POLICIES]


curves = {cid: profit_curve(cid) for cid in ("K010", sms)}
ret = curves[sms]
i18n.record(sms_everyone=ret.loc[1.0, "random"], sms_lists_low=ret.loc[0.3, POLICIES[:4]].min(),
            sms_lists_high=ret.loc[0.3, POLICIES[:4]].max(),
            sms_perfect=ret["perfect uplift"].max())
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
panels = [("K010", i18n.t("nb02_panel_call", cid="K010"), (-95, 35)),
          (sms, i18n.t("nb02_panel_sms", cid=sms), (-75, -40))]
for ax, (cid, label, offset) in zip(axes, panels):
    for policy, color in zip(POLICIES, viz.PALETTE):
        ax.plot(curves[cid].index, curves[cid][policy], marker=".", color=color,
                label=policy_names[policy])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.annotate(i18n.t("nb02_contact_everyone"), (1.0, curves[cid].iloc[-1, 0]),
                xytext=offset, textcoords="offset points", fontsize=9,
                arrowprops={"arrowstyle": "->"})
    ax.set(title=i18n.t("nb02_fig_profit", campaign=label),
           xlabel=i18n.t("nb02_axis_share"), ylabel=i18n.t("nb02_axis_profit", currency=currency))
    ax.xaxis.set_major_formatter(ticks(".0%"))
    ax.yaxis.set_major_formatter(ticks(",.0f"))
axes[1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
fig.tight_layout()
plt.show()
# %% md everyone_read
# %% code economics-table
(economics.assign(kind=economics["kind"].astype(str).map(lambda k: i18n.t(f"nb02_campaign_{k}")),
                  relative=relative.round(2))
 .rename(columns=lambda c: i18n.t(f"nb02_col_{c}")))
# %% md economics_read
# %% code claim-economics tags=claim
k10, kret = curves["K010"], curves[sms]
real = POLICIES[:4]
assert (k10["response model"] < 0).all()                           # at every length
assert (k10[real].loc[1.0] < k10[real].loc[0.3]).all()              # longer loses more
assert k10[real].loc[1.0].iloc[0] == k10[real].min().min()          # everyone: the worst
assert k10["perfect uplift"].loc[0.1] > 0 > k10["perfect uplift"].loc[1.0]
assert k10[real].max().max() < 0.25 * k10["perfect uplift"].max()   # far below perfect
assert kret.loc[1.0, "random"] > 0                                  # everyone: earns
assert kret["perfect uplift"].max() > kret.loc[1.0, "random"]
assert sms in ("K008", "K011") and relative[sms] > 0
by_kind = relative.groupby(economics["kind"])
assert len(economics) == 12
assert (by_kind.get_group("call_list") < -0.3).all()                  # a third of the cost or more
assert (by_kind.get_group("retention") > 0).mean() > 0.5             # most retention offers
assert by_kind.get_group("retention").median() > 2                   # several times the cost
assert by_kind.get_group("winback").abs().mean() < 0.5 * by_kind.get_group("call_list").abs().mean()
costs = economics.groupby("kind")["cost_per_contact"].first()
assert costs["call_list"] == 10 * costs["retention"]
assert not viz.figure_text_problems(fig)
# %% md dogs
# %% code dogs-data
eligible = w.truth.contacts.assign(kind=w.truth.contacts["campaign_id"].map(setup["kind"]))
dogs = pd.DataFrame({kind: dbm.response_types(part)
                     for kind, part in eligible.groupby("kind", observed=True)}).T
i18n.record(dogs=int(dogs["sleeping dog"].sum()))
dogs.rename(index=lambda k: i18n.t(f"nb02_campaign_{k}"), columns=kind_names)
# %% md dogs_read
# %% code claim-dogs tags=claim
assert dogs.loc["call_list", "sleeping dog"] == 0 and dogs.loc["winback", "sleeping dog"] == 0
assert dogs.loc["retention", "sleeping dog"] > 0
assert dogs.loc["retention", "sleeping dog"] < 0.01 * dogs.loc["retention"].sum()
per_offer = eligible[eligible["kind"] == "retention"].groupby("campaign_id", observed=True).apply(
    lambda d: dbm.response_types(d)["sleeping dog"])
assert per_offer.max() < 10                                          # a few per campaign
assert w.config.marketing.sleeping_dog_share == 0.5 and w.config.marketing.sleeping_dog_uplift < 0
assert (w.truth.contacts["uplift_probability"] < 0).groupby(
    eligible["kind"], observed=True).any().to_dict() == {
        "call_list": False, "retention": True, "winback": False}
# %% md explore
# %% code explorer
from crmlab.widgets.targeting import targeting_explorer  # noqa: E402

# the sliders reach five times the call's cost and four times its incentive, in the
# notebook's currency; the labels are in the notebook's language
targeting_explorer(truth, scores, share=0.3, cost_per_contact=campaign.cost_per_contact,
                   offer_value=campaign.offer_value, max_cost=5 * campaign.cost_per_contact,
                   max_offer=4 * campaign.offer_value, names=policy_names)
# %% md loyalty
# %% code gap
joins = w.loyalty[w.loyalty["event"] == "join"]
spending = loy.member_spending(w.customers, events, joins, end=w.config.end)
gap = loy.loyalty_gap(spending)
i18n.record(gap_whole=gap.loc["whole history", "gap_share"],
            gap_before=gap.loc["before members joined", "gap_share"],
            drop_after=-gap.loc["members: after vs before", "gap_share"])
(gap.round(3).rename(index=lambda r: i18n.t("nb02_gap_" + r.split(":")[0].replace(" ", "_")))
 .rename(columns=lambda c: i18n.t(f"nb02_col_{c}")))
# %% md gap_read
# %% code claim-gap tags=claim
assert w.config.loyalty_launch_months == 6
assert w.config.loyalty.points_per_unit == 1
assert gap.loc["whole history", "gap_share"] > 0.3                       # much more
assert gap.loc["before members joined", "gap"] > 0.9 * gap.loc["whole history", "gap"]
assert gap.loc["members: after vs before", "gap"] <= 0                   # no rise after joining
# who chose to join: customers who already bought often and stayed (the truth knows)
known = w.truth.customers.set_index("customer_id").reindex(spending.index)
by_member = known.groupby(spending["member"])[["join_propensity", "alive_at_end"]].mean()
assert (by_member.loc[True] > by_member.loc[False]).all()
# %% code gap-figure
members = spending[spending["member"]]
bars = pd.Series({"non_members": spending.loc[~spending["member"], "spend_per_month"].mean(),
                  "members_before": members["before_per_month"].mean(),
                  "members_after": members["after_per_month"].mean()})
fig, ax = plt.subplots(figsize=(7, 4))
ax.bar(range(3), bars.to_numpy(), color=[viz.PALETTE[4], viz.PALETTE[0], viz.PALETTE[1]])
ax.set_xticks(range(3), [i18n.t(f"nb02_bar_{b}") for b in bars.index])
ax.yaxis.set_major_formatter(ticks(",.0f"))
ax.set(title=i18n.t("nb02_fig_gap"), ylabel=i18n.t("nb02_axis_spend", currency=currency))
plt.show()
# %% code claim-gap-figure tags=claim
assert bars["members_before"] > bars["non_members"] and bars["members_after"] <= bars["members_before"]
assert not viz.figure_text_problems(fig)
# %% md truth
# %% code within
propensity = (w.truth.customers.set_index("customer_id")["join_propensity"]
              .reindex(spending.index))
decile = pd.qcut(propensity, 10, labels=False)
within = loy.gap_within_groups(spending, decile)
i18n.record(naive_gap=gap.loc["whole history", "gap"], adjusted_gap=within.attrs["adjusted_gap"])
print(i18n.t("nb02_naive_gap", gap=money(gap.loc["whole history", "gap"]), currency=currency))
print(i18n.t("nb02_adjusted_gap", gap=money(within.attrs["adjusted_gap"]), currency=currency))
print(i18n.t("nb02_true_effect"))
# %% code within-figure
fig, ax = plt.subplots()
ax.bar(within.index, within["gap"], color=viz.PALETTE[0], label=i18n.t("nb02_legend_within"))
ax.axhline(gap.loc["whole history", "gap"], color=viz.PALETTE[3], linestyle="--",
           label=i18n.t("nb02_legend_naive"))
ax.axhline(0, color="black", linewidth=0.8)
ax.set_xticks(within.index, [i18n.number(d, "d") for d in within.index])
ax.yaxis.set_major_formatter(ticks(",.0f"))
ax.set(title=i18n.t("nb02_fig_within"), xlabel=i18n.t("nb02_axis_decile"),
       ylabel=i18n.t("nb02_axis_gap", currency=currency))
ax.legend()
plt.show()
# %% md within_read
# %% code claim-within tags=claim
naive = gap.loc["whole history", "gap"]
small = (within["gap"].abs() < 0.3 * naive).sum()
assert len(within) == 10 and small >= 7                             # most groups
assert (within["gap"] < 0).any() and (within["gap"] > 0).any()       # both directions
assert within["gap"].iloc[-1] > within.attrs["adjusted_gap"] > 0     # the most loyal tenth
top = (decile == decile.max()).to_numpy()                            # within it, members are
assert propensity[top & spending["member"].to_numpy()].mean() > \
    propensity[top & ~spending["member"].to_numpy()].mean()          # the more loyal
assert within.attrs["adjusted_gap"] < 0.25 * naive                   # a small fraction
assert not viz.figure_text_problems(fig)
# %% md takeaways
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz  # noqa: E402

buildable = POLICIES[:4]
best_rate = table.loc[buildable, "response_rate"].idxmax()
Quiz([
    Choice(i18n.t("nb02_q_rate"), options=[policy_names[p] for p in buildable],
           answer=buildable.index(best_rate),
           explain=i18n.t("nb02_q_rate_why", profit=money(table.loc[best_rate, "incremental_profit"]),
                          currency=currency)),
    Choice(i18n.t("nb02_q_worth"), options=[kind_names[k] for k in KINDS], answer=1,
           explain=i18n.t("nb02_q_worth_why")),
    Number(i18n.t("nb02_q_before"), answer=gap.loc["before members joined", "gap_share"] * 100,
           tolerance=1.0,
           explain=i18n.t("nb02_q_before_why",
                          share=i18n.number(gap.loc["before members joined", "gap_share"], ".0%"))),
    Choice(i18n.t("nb02_q_gap"), options=[i18n.t(f"nb02_q_gap_{k}") for k in "abc"], answer=0,
           explain=i18n.t("nb02_q_gap_why")),
])
# %% code claim-quiz tags=claim
# the quiz's answers: the best response rate belongs to a list that loses money; members
# spent more before joining than non-members did
assert best_rate == "response model" and table.loc[best_rate, "incremental_profit"] < 0
assert gap.loc["before members joined", "gap_share"] > 0.3
# %% md glossary
# %% md further
# %% code values tags=values
i18n.show_recorded()
