# %% md title
# %% code setup
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import clv, concentration, profitability, rfm

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
currency = i18n.t(f"currency_{w.meta['currency']}")
truth = w.truth.customers.set_index("customer_id")
i18n.record(n_customers=len(w.customers), start=w.config.start, end=w.config.end,
            currency=currency)


def tick(spec):
    """An axis formatter in the notebook's digits (a plain minus sign before negatives)."""
    return lambda v, _: i18n.number(v, spec).replace(i18n.LRM, "")


def money(table):
    """A table of amounts as the reader writes them (Persian digits in Persian)."""
    return table.map(lambda v: i18n.number(v, ",.0f"))


print(i18n.t("world_summary", n=len(w.customers), start=i18n.date(w.config.start),
             end=i18n.date(w.config.end), currency=currency))
# %% md revenue_to_profit
# %% code profit
# the costs are set in dollars; a world in another currency scales them like its prices
from crmlab.world.locales import pools

scale = pools(w.config.locale).money_scale
pnl = profitability.customer_profit(w.tables, acquisition_cost=10 * scale,
                                    complaint_cost=4 * scale, escalation_cost=6 * scale,
                                    collection_step_cost=3 * scale)
money(pnl.sum().to_frame(i18n.t("nb03_total", currency=currency)).T
      .rename(columns=lambda c: i18n.t(f"nb03_pnl_{c}")))
# %% code loss-makers
loss_makers = pnl["profit"] < 0
plan = w.customers.set_index("customer_id")["plan"].astype(str)
by_plan = pnl.groupby(plan)["profit"].agg(
    customers="size", mean_profit="mean", share_losing=lambda p: (p < 0).mean())
i18n.record(n_losing=int(loss_makers.sum()), losing_share=loss_makers.mean(),
            lost=-pnl.loc[loss_makers, "profit"].sum(),
            prepaid_losing=by_plan.loc["prepaid", "share_losing"],
            postpaid_losing=by_plan.loc["postpaid", "share_losing"])
pd.DataFrame({
    i18n.t("nb03_col_customers"): by_plan["customers"].map(lambda v: i18n.number(v, ",")),
    i18n.t("nb03_col_mean_profit", currency=currency): by_plan["mean_profit"].map(
        lambda v: i18n.number(v, ",.0f")),
    i18n.t("nb03_col_share_losing"): by_plan["share_losing"].map(
        lambda v: i18n.number(v, ".0%")),
}).rename(index=lambda p: i18n.t(f"nb03_plan_{p}")).rename_axis(i18n.t("nb03_col_plan"))
# %% code claim-loss-makers tags=claim
# prepaid customers lose money far more often than postpaid ones
assert by_plan.loc["prepaid", "share_losing"] > 2 * by_plan.loc["postpaid", "share_losing"]
assert 0.25 < loss_makers.mean() < 0.5
# %% md concentration
# %% code concentration-table
tables = {name: concentration.concentration_table(pnl[name], tops=(0.01, 0.05, 0.1, 0.2, 0.5))
          for name in ("revenue", "profit")}
shares = pd.DataFrame({name: t["share_of_total"] for name, t in tables.items()})
i18n.record(revenue_top20=shares.loc[0.2, "revenue"], profit_top20=shares.loc[0.2, "profit"],
            profit_top50=shares.loc[0.5, "profit"],
            gini_revenue=tables["revenue"].attrs["gini"],
            gini_profit=tables["profit"].attrs["gini"])
shown = shares.map(lambda v: i18n.number(v, ".1%"))
shown.index = [i18n.t("nb03_top_share", share=i18n.number(t, ".0%")) for t in shares.index]
shown.loc[i18n.t("gini")] = [i18n.number(t.attrs["gini"], ".3f") for t in tables.values()]
shown.rename(columns=lambda c: i18n.t(f"nb03_pnl_{c}"))
# %% code lorenz
ax = viz.plot_lorenz({"revenue": pnl["revenue"], "profit": pnl["profit"]})
ax.figure.set_size_inches(7, 5)
ginis = viz.plotted_data(ax)["gini"]
revenue_line, profit_line, equal_line = ax.get_lines()[:3]
ax.legend([revenue_line, profit_line, equal_line],
          [i18n.t("nb03_legend_gini", what=i18n.t(f"nb03_pnl_{k}"),
                  gini=i18n.number(ginis[k], ".2f")) for k in ("revenue", "profit")]
          + [i18n.t("nb03_everyone_equal")])
ax.set(title=i18n.t("nb03_fig_lorenz_title"), xlabel=i18n.t("nb03_axis_customer_share"),
       ylabel=i18n.t("nb03_axis_total_share"))
ax.xaxis.set_major_formatter(tick(".0%"))
ax.yaxis.set_major_formatter(tick(".0%"))
lorenz_fig = ax.figure
plt.show()
# %% code claim-lorenz-figure tags=claim
assert not viz.figure_text_problems(lorenz_fig)
# %% md concentration_read
# %% code claim-concentration tags=claim
revenue_top, profit_top = (tables[n]["share_of_total"].to_numpy() for n in ("revenue", "profit"))
assert revenue_top[3] > 0.5                       # the top fifth bring most of the revenue
assert (profit_top > revenue_top).all()           # profit is more concentrated at every top share
assert tables["profit"].attrs["gini"] > tables["revenue"].attrs["gini"]
assert profit_top[4] > 1                          # the top half hold more than 100% of the profit
assert loss_makers.any() and pnl.loc[loss_makers, "profit"].sum() < 0   # the dip below zero
assert pnl["acquisition"].nunique() == 1          # every customer costs the same to acquire
# timing: customers who joined in the last three months lose money far more often
joined = w.customers.set_index("customer_id")["signup_date"].reindex(pnl.index)
recent = joined > pd.Timestamp(w.config.end) - pd.DateOffset(months=3)
i18n.record(recent_losing=loss_makers[recent].mean(), older_losing=loss_makers[~recent].mean())
assert loss_makers[recent].mean() > 1.5 * loss_makers[~recent].mean()
# %% md rfm
# %% code rfm-scores
prepaid_ids = w.customers.loc[w.customers["plan"] == "prepaid", "customer_id"]
topups = w.transactions[w.transactions["customer_id"].isin(prepaid_ids)]
scores = rfm.rfm_table(topups, end=w.config.end)
scores["true_clv_3y"] = truth["true_clv_3y"].reindex(scores.index)
scores["alive_at_end"] = truth["alive_at_end"].reindex(scores.index)
scores.head().rename(columns=lambda c: i18n.t(f"nb03_rfm_{c}")).rename_axis(
    i18n.t("nb03_col_customer"))
# %% code rfm-figure
by_r = scores.groupby("R")[["true_clv_3y", "alive_at_end"]].mean()
by_f = scores.groupby("F")[["true_clv_3y", "alive_at_end"]].mean()
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, by, color, what in ((left, by_r, viz.PALETTE[0], "r"), (right, by_f, viz.PALETTE[1], "f")):
    ax.bar(by.index, by["true_clv_3y"].to_numpy(), color=color)
    ax.set_xticks(by.index, [i18n.number(s, "d") for s in by.index])
    ax.set(title=i18n.t(f"nb03_fig_by_{what}_title"), xlabel=i18n.t(f"nb03_axis_{what}_score"))
    ax.yaxis.set_major_formatter(tick(",.0f"))
left.set_ylabel(i18n.t("nb03_axis_mean_true_clv", currency=currency))
fig.tight_layout()
plt.show()
i18n.record(f5_clv=by_f.loc[5, "true_clv_3y"], f4_clv=by_f.loc[4, "true_clv_3y"],
            r5_clv=by_r.loc[5, "true_clv_3y"], r1_clv=by_r.loc[1, "true_clv_3y"])
# %% md rfm_read
# %% code claim-rfm tags=claim
assert scores["R"].between(1, 5).all() and scores["F"].between(1, 5).all()
assert scores["M"].between(1, 5).all()            # scores from 1 (worst) to 5 (best)
assert by_r["true_clv_3y"].is_monotonic_increasing          # the more recent the more
assert by_f["true_clv_3y"].loc[3:].is_monotonic_increasing   # the most frequent the most
assert by_f["true_clv_3y"].loc[5] > 2.5 * by_f["true_clv_3y"].loc[:4].max()  # by far
assert not by_f["true_clv_3y"].is_monotonic_increasing     # the low end: less clear
assert not viz.figure_text_problems(fig)
# %% md bgnbd
# %% code bgnbd-fit
summary = clv.summarize_transactions(topups, customer_col="customer_id",
                                     time_col="timestamp", value_col="amount",
                                     end=w.config.end, freq="W")
bg = clv.BetaGeo(summary["frequency"], summary["recency"], summary["T"]).fit()
i18n.record(n_prepaid=len(summary), mean_rate=bg.params["r"] / bg.params["alpha"],
            mean_dropout=bg.params["a"] / (bg.params["a"] + bg.params["b"]))
print(i18n.t("nb03_prepaid_customers", n=len(summary)))
bg.params.round(3).rename(i18n.t("nb03_fitted_params"))
# %% code bgnbd-means
print(i18n.t("nb03_mean_rate", rate=i18n.number(bg.params["r"] / bg.params["alpha"], ".2f")))
print(i18n.t("nb03_mean_dropout",
             share=i18n.number(bg.params["a"] / (bg.params["a"] + bg.params["b"]), ".1%")))
# %% md holdout
# %% code holdout-fit
calibration_end = "2025-06-30"
split = clv.calibration_holdout_split(topups, customer_col="customer_id",
                                      time_col="timestamp", calibration_end=calibration_end,
                                      end=w.config.end, freq="W")
bg_cal = clv.BetaGeo(split["frequency_cal"], split["recency_cal"], split["T_cal"]).fit()
i18n.record(calibration_end=calibration_end)
ax = viz.plot_calibration_holdout(bg_cal, split, max_frequency=10)
ax.legend([i18n.t("nb03_actual"), i18n.t("nb03_model")])
ax.set(title=i18n.t("nb03_fig_holdout_title"), xlabel=i18n.t("nb03_axis_cal_purchases", n=10),
       ylabel=i18n.t("nb03_axis_holdout_purchases"))
ax.xaxis.set_major_formatter(tick("g"))
ax.yaxis.set_major_formatter(tick("g"))
holdout_fig = ax.figure
plt.show()
viz.plotted_data(ax).round(2).T.rename(index=lambda c: i18n.t(f"nb03_{c}")).rename_axis(
    columns=i18n.t("nb03_col_cal_purchases"))
# %% code claim-holdout tags=claim
assert pd.Timestamp(w.config.end) == pd.Timestamp("2025-12-31")   # holdout: second half of 2025
assert pd.Timestamp(calibration_end) == pd.Timestamp("2025-06-30")   # calibration: to the end of June 2025
assert not viz.figure_text_problems(holdout_fig)
# %% md p_alive
# %% code p-alive-map
ax = viz.plot_frequency_recency(bg, T=52, kind="p_alive", max_frequency=25)
ax.set(title=i18n.t("nb03_fig_p_alive_title", age=52), xlabel=i18n.t("nb03_axis_recency"),
       ylabel=i18n.t("nb03_axis_frequency"))
ax.figure.axes[-1].set_ylabel(i18n.t("nb03_axis_p_alive"))
p_alive_fig = ax.figure
plt.show()
# %% code claim-p-alive-map tags=claim
assert not viz.figure_text_problems(p_alive_fig)
# %% md gamma_gamma
# %% code gamma-gamma
repeaters = summary[summary["frequency"] > 0]
correlation = repeaters["frequency"].corr(repeaters["monetary_value"])
i18n.record(spend_corr=correlation)
print(i18n.t("nb03_spend_corr", corr=i18n.number(correlation, ".2f")))
gg = clv.GammaGamma(repeaters["frequency"], repeaters["monetary_value"]).fit()
gg.params.round(3).rename(i18n.t("nb03_fitted_params"))
# %% code claim-gamma-gamma tags=claim
assert 0.05 < correlation < 0.3                   # weak, not near zero
# %% md clv
# %% code clv-total
monthly_rate = 1.10 ** (1 / 12) - 1
summary["clv"] = clv.customer_lifetime_value(bg, gg, summary, horizon=36, period="M",
                                             discount_rate=monthly_rate)
summary["p_alive"] = bg.p_alive(summary["frequency"], summary["recency"], summary["T"])
summary["true_clv_3y"] = truth["true_clv_3y"].reindex(summary.index)
summary["alive_at_end"] = truth["alive_at_end"].reindex(summary.index)
summary["past_revenue"] = pnl["revenue"].reindex(summary.index)
summary["rfm_score"] = scores["score"].reindex(summary.index)
totals = summary[["clv", "true_clv_3y"]].sum()
i18n.record(clv_total=totals["clv"], true_clv_total=totals["true_clv_3y"])
money(totals.to_frame(i18n.t("nb03_total", currency=currency)).T
      .rename(columns=lambda c: i18n.t(f"nb03_col_{c}")))
# %% code claim-clv tags=claim
# 36 months at 10% a year: the horizon and the rate of the world's true_clv_3y
assert w.config.clv.horizon_years * 12 == 36 and w.config.clv.discount_rate == 0.10
assert abs((1 + monthly_rate) ** 12 - 1.10) < 1e-12
# the model's total is close to the true total (within 10%)
assert abs(totals["clv"] / totals["true_clv_3y"] - 1) < 0.1
# %% md check
# %% code capture
tops = (0.05, 0.1, 0.2, 0.5)
capture = pd.DataFrame({
    "perfect": profitability.value_capture(summary["true_clv_3y"], summary["true_clv_3y"], tops),
    "clv": profitability.value_capture(summary["clv"], summary["true_clv_3y"], tops),
    "past_revenue": profitability.value_capture(summary["past_revenue"], summary["true_clv_3y"],
                                                tops),
    "rfm_score": profitability.value_capture(summary["rfm_score"], summary["true_clv_3y"], tops),
}).T
i18n.record(perfect_top10=capture.loc["perfect", 0.1], model_top10=capture.loc["clv", 0.1],
            revenue_top10=capture.loc["past_revenue", 0.1],
            rfm_top10=capture.loc["rfm_score", 0.1])
print(i18n.t("nb03_capture_caption"))
capture.map(lambda v: i18n.number(v, ".1%")).rename(
    index=lambda r: i18n.t(f"nb03_ranking_{r}"),
    columns=lambda t: i18n.t("nb03_top_share", share=i18n.number(t, ".0%"))).rename_axis(
    columns=None)
# %% code rank-correlation
rank_corr = summary[["clv", "past_revenue", "rfm_score"]].corrwith(
    summary["true_clv_3y"], method="spearman")
i18n.record(corr_clv=rank_corr["clv"], corr_revenue=rank_corr["past_revenue"],
            corr_rfm=rank_corr["rfm_score"])
rank_corr.map(lambda v: i18n.number(v, ".3f")).rename(
    lambda r: i18n.t(f"nb03_ranking_{r}")).to_frame(i18n.t("nb03_col_rank_corr"))
# %% code truth-figures
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
gone = summary["true_clv_3y"] == 0
left.scatter(summary.loc[~gone, "clv"] + 1, summary.loc[~gone, "true_clv_3y"] + 1, s=4,
             alpha=0.3, color=viz.PALETTE[0], label=i18n.t("nb03_legend_clv_above_zero"))
# customers whose true CLV is 0 (already gone) sit on the line y = 1: drawn in their own
# colour, above the bottom of the axes, so the plot does not hide them
left.scatter(summary.loc[gone, "clv"] + 1, summary.loc[gone, "true_clv_3y"] + 1, s=6,
             alpha=0.5, color=viz.PALETTE[1], marker="|",
             label=i18n.t("nb03_legend_clv_zero", n=int(gone.sum())))
lim = (0.5, summary[["clv", "true_clv_3y"]].max().max() * 1.5)
left.plot(lim, lim, color="grey", linestyle=":")
left.set(xscale="log", yscale="log", xlim=lim, ylim=lim, title=i18n.t("nb03_fig_scatter_title"),
         xlabel=i18n.t("nb03_axis_model_clv", currency=currency),
         ylabel=i18n.t("nb03_axis_true_clv", currency=currency))
left.legend(loc="upper left")
bins = pd.cut(summary["p_alive"], np.linspace(0, 1, 11), include_lowest=True)
calib = summary.groupby(bins, observed=True).agg(predicted=("p_alive", "mean"),
                                                 observed=("alive_at_end", "mean"),
                                                 customers=("p_alive", "size"))
right.plot([0, 1], [0, 1], color="grey", linestyle=":", label=i18n.t("nb03_legend_perfect"))
right.plot(calib["predicted"], calib["observed"], marker="o", label="BG/NBD")
right.set(title=i18n.t("nb03_fig_calibration_title"), xlabel=i18n.t("nb03_axis_model_p_alive"),
          ylabel=i18n.t("nb03_axis_truly_alive"), xlim=(0, 1), ylim=(0, 1))
right.xaxis.set_major_formatter(tick(".0%"))
right.yaxis.set_major_formatter(tick(".0%"))
right.legend()
fig.tight_layout()
plt.show()
zero_above_median = int(((summary["clv"] > summary["clv"].median()) & gone).sum())
i18n.record(zero_above_median=zero_above_median, n_gone=int(gone.sum()))
shown = calib.assign(predicted=calib["predicted"].map(lambda v: i18n.number(v, ".3f")),
                     observed=calib["observed"].map(lambda v: i18n.number(v, ".3f")),
                     customers=calib["customers"].map(lambda v: i18n.number(v, ",")))
shown.index = [f"{i18n.number(max(b.left, 0), '.1f')}–{i18n.number(b.right, '.1f')}"
               for b in calib.index]
shown.rename(columns=lambda c: i18n.t(f"nb03_col_{c}")).rename_axis(i18n.t("nb03_col_p_alive_bin"))
# %% md check_read
# %% md built_in
# %% code claim-built-in tags=claim
prepaid_truth = truth.loc[summary.index]
assert prepaid_truth["purchase_rate"].notna().all() and prepaid_truth["dropout_probability"].notna().all()
causes = prepaid_truth.loc[~prepaid_truth["alive_at_end"], "churn_cause"].value_counts()
assert causes.idxmax() == "dropout" and causes["dropout"] > causes.drop("dropout").sum()
# %% code at-risk
valuable = summary["clv"] >= summary["clv"].quantile(0.8)
at_risk = valuable & (summary["p_alive"] < 0.5)
at_risk_alive = summary.loc[at_risk, "alive_at_end"].mean()
others_alive = summary.loc[valuable & ~at_risk, "alive_at_end"].mean()
i18n.record(at_risk=int(at_risk.sum()), at_risk_alive=at_risk_alive, others_alive=others_alive)
print(i18n.t("nb03_at_risk", n=int(at_risk.sum())))
print(i18n.t("nb03_at_risk_alive", share=i18n.number(at_risk_alive, ".0%"),
             others=i18n.number(others_alive, ".0%")))
# %% code claim-check tags=claim
model, perfect = capture.loc["clv"], capture.loc["perfect"]
assert (capture.drop(index="perfect").idxmax() == "clv").all()
assert (perfect - model < 0.1).all()                       # not far from the perfect ranking
assert rank_corr["clv"] > rank_corr[["past_revenue", "rfm_score"]].max()
# past revenue rewards customers who have already left; the model discounts them
top_revenue = summary["past_revenue"] >= summary["past_revenue"].quantile(0.9)
top_model = summary["clv"] >= summary["clv"].quantile(0.9)
assert 1 - summary.loc[top_revenue, "alive_at_end"].mean() > 2 * (
    1 - summary.loc[top_model, "alive_at_end"].mean())
# hundreds with a predicted CLV above the median and a true CLV of zero
assert zero_above_median > 200
# P(alive): close to the diagonal, mostly a little optimistic; 70% means roughly 70%
gap = calib["predicted"] - calib["observed"]
assert gap.abs().max() < 0.15 and (gap > 0).sum() >= 7
near = calib[(calib["predicted"] - 0.7).abs() < 0.1]
assert len(near) == 2 and (near["observed"] - near["predicted"]).abs().max() < 0.075
# those the model flags (valuable, P(alive) falling) are truly gone more often
assert at_risk_alive < others_alive
assert not viz.figure_text_problems(fig)
# %% md explorer
# %% code explorer-widget
from crmlab.widgets.clv import clv_explorer

clv_explorer(bg, T=52)
# %% code claim-explorer tags=claim
import inspect

from crmlab.widgets.clv import bgnbd_profile   # what the explorer draws

defaults = inspect.signature(bgnbd_profile).parameters
assert defaults["frequencies"].default == (1, 3, 10)   # the right panel's customers
assert defaults["horizon"].default == 104              # two years, in weeks
# %% md try_it
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

rankings = ["past_revenue", "rfm_score", "clv"]
best_ranking = capture.loc[rankings, 0.1].idxmax()
# P(alive) of two customers aged 52 weeks, silent for the last 13: 40 or 2 repeat top-ups
silent_frequent, silent_rare = (float(bg.p_alive(f, 52 - 13, 52)) for f in (40, 2))
silent_answer = (0 if silent_frequent < silent_rare - 0.01
                 else 1 if silent_rare < silent_frequent - 0.01 else 2)
Quiz([
    Number(i18n.t("nb03_q_profit_top20"), answer=shares.loc[0.2, "profit"] * 100,
           tolerance=1.0,
           explain=i18n.t("nb03_q_profit_top20_why",
                          share=i18n.number(shares.loc[0.2, "profit"], ".0%"),
                          revenue=i18n.number(shares.loc[0.2, "revenue"], ".0%"))),
    Choice(i18n.t("nb03_q_best_ranking"),
           options=[i18n.t(f"nb03_ranking_{r}") for r in rankings],
           answer=rankings.index(best_ranking),
           explain=i18n.t("nb03_q_best_ranking_why",
                          share=i18n.number(capture.loc[best_ranking, 0.1], ".0%"))),
    Choice(i18n.t("nb03_q_silent"),
           options=[i18n.t(f"nb03_q_silent_{k}") for k in ("frequent", "rare", "same")],
           answer=silent_answer,
           explain=i18n.t("nb03_q_silent_why", frequent=i18n.number(silent_frequent, ".0%"),
                          rare=i18n.number(silent_rare, ".0%"))),
    Choice(i18n.t("nb03_q_concentrated"),
           options=[i18n.t(f"nb03_q_concentrated_{k}") for k in "abc"], answer=0,
           explain=i18n.t("nb03_q_concentrated_why")),
])
# %% code claim-quiz tags=claim
# the quiz's computed answers are what the notebook teaches: the model ranks best, and
# silence says more about a frequent buyer
assert best_ranking == "clv" and silent_answer == 0
assert shares.loc[0.2, "profit"] > shares.loc[0.2, "revenue"]
# %% md glossary
# %% md further_reading
# %% code values tags=values
i18n.show_recorded()
