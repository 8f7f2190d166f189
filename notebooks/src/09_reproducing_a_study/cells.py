# %% md title
# %% code setup
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import clv, studies

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()


def relabel_holdout(ax, title, max_frequency):
    """viz.plot_calibration_holdout's figure, labelled in the notebook's language."""
    for line, key in zip(ax.get_lines(), ["nb09_actual", "nb09_model"], strict=False):
        line.set_label(i18n.t(key))
    ax.legend()
    ax.set(title=title, xlabel=i18n.t("nb09_axis_repeat_cal", n=max_frequency),
           ylabel=i18n.t("nb09_axis_mean_holdout"))
    # no label for the margin's tick left of 0
    ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f") if v >= 0 else "")
    ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".1f") if v >= 0 else "")


def shown_results(results):
    """The results table for reading: one column per model, statistics named in words."""
    out = results.T.rename(index=lambda s: i18n.t(f"nb09_stat_{s}") if s in STATS else s)
    return out.map(lambda v: "–" if pd.isna(v) else i18n.number(v, ",.4f"))


STATS = ["n_params", "log_likelihood", "aic", "bic", "holdout_actual", "holdout_predicted",
         "holdout_mae", "holdout_rmse"]
# %% md settings
# %% code config
SEED = 2025
CONFIG = crm.WorldConfig(n_customers=6000, start="2024-01-01", end="2025-12-31")
CALIBRATION_END = "2025-06-30"   # fit on the first 18 months, test on the last 6
FREQ = "D"                       # resolution: purchases on the same day count once
# %% md study
# %% code run_study
def run_study(seed, config=CONFIG):
    world = crm.make_world(config, seed=seed)
    table = clv.calibration_holdout_split(
        world.transactions, customer_col="customer_id", time_col="timestamp",
        value_col="amount", calibration_end=CALIBRATION_END, end=config.end, freq=FREQ)
    fits = studies.fit_purchase_models(table)
    repeat = table[table["frequency_cal"] > 0]
    fits["Gamma-Gamma"] = clv.GammaGamma(repeat["frequency_cal"],
                                         repeat["monetary_value_cal"]).fit()
    results = pd.concat([studies.compare_purchase_models(table, {k: fits[k] for k in studies.PURCHASE_MODELS}),
                         studies.fit_statistics(fits["Gamma-Gamma"]).to_frame("Gamma-Gamma").T])
    return world, table, fits, results

world, table, fits, results = run_study(SEED)
i18n.record(n_prepaid=len(table), holdout_days=int(table["duration_holdout"].iloc[0]),
            aic_gap=results.loc["Pareto/NBD", "aic"] - results.loc["BG/NBD", "aic"])
print(i18n.t("nb09_study_summary", n=len(table),
             days=int(table["duration_holdout"].iloc[0])))
shown_results(results)
# %% code claim-config tags=claim
# 6,000 customers over two years
assert CONFIG.n_customers == 6000 == world.customers["customer_id"].nunique()
assert (pd.Timestamp(CONFIG.end) - pd.Timestamp(CONFIG.start)).days + 1 == 731  # 2024-2025
# the purchase models apply to the prepaid customers
plans = world.customers.set_index("customer_id")["plan"]
assert (plans.reindex(table.index) == "prepaid").all()
# %% md read_table
# %% code claim-aic tags=claim
# both purchase models have four parameters; the BG/NBD's AIC is lower by more than 10
assert results.loc["BG/NBD", "n_params"] == results.loc["Pareto/NBD", "n_params"] == 4
assert results.loc["Pareto/NBD", "aic"] - results.loc["BG/NBD", "aic"] > 10
# six holdout months
assert table["duration_holdout"].iloc[0] == (pd.Timestamp(CONFIG.end)
                                             - pd.Timestamp(CALIBRATION_END)).days
# %% code holdout_figure
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, name in zip(axes, ["BG/NBD", "Pareto/NBD"]):
    viz.plot_calibration_holdout(fits[name], table, max_frequency=10, ax=ax)
    relabel_holdout(ax, i18n.t("nb09_fig_holdout_title", model=name), 10)
fig.tight_layout()
plt.show()
# %% code claim-holdout-figure tags=claim
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% md reproduce
# %% code fingerprint
digest = studies.results_digest(results)
again = studies.results_digest(run_study(SEED)[3])
other = studies.results_digest(run_study(SEED + 1)[3])
yes_no = {True: i18n.t("nb09_yes"), False: i18n.t("nb09_no")}
print(i18n.t("nb09_digest_seed", seed=i18n.number(SEED, "d"), digest=digest))
print(i18n.t("nb09_digest_rerun", seed=i18n.number(SEED, "d"), digest=again, same=yes_no[again == digest]))
print(i18n.t("nb09_digest_other", seed=i18n.number(SEED + 1, "d"), digest=other, same=yes_no[other == digest]))
# %% code claim-fingerprint tags=claim
# the same seed gives the same fingerprint, another seed another one
assert again == digest and other != digest
# %% md truth_intro
# %% code recovery
summary = clv.summarize_transactions(world.transactions, customer_col="customer_id",
                                     time_col="timestamp", end=CONFIG.end, freq=FREQ, unit="W")
segment = world.truth.customers.set_index("customer_id")["segment"].reindex(summary.index)
rows = []
for name, true in world.truth.params.iterrows():
    part = summary[(segment == name).to_numpy()]
    fit = clv.BetaGeo(part["frequency"], part["recency"], part["T"]).fit()
    check = studies.parameter_recovery(fit, {"r": true["bg_r"], "alpha": true["bg_alpha"],
                                             "a": true["bg_a"], "b": true["bg_b"]})
    rows.append(check.assign(segment=name, customers=len(part)))
recovery = pd.concat(rows).rename_axis("parameter").reset_index()
i18n.record(covered=int(recovery["covered"].sum()), intervals=len(recovery),
            worst_error=recovery["relative_error"].abs().max())
shown = recovery.assign(segment=recovery["segment"].map(lambda s: i18n.t(f"nb09_segment_{s}")),
                        covered=recovery["covered"].map(yes_no))
for col in ["truth", "estimate", "lower", "upper", "relative_error"]:
    shown[col] = shown[col].map(lambda v: i18n.number(v, ",.3f"))
shown["customers"] = shown["customers"].map(lambda n: i18n.number(n, ","))
shown.rename(columns=lambda c: i18n.t(f"nb09_col_{c}"))
# %% code recovery_figure
fig, axes = plt.subplots(1, 4, figsize=(12, 3.8))
for ax, (param, part) in zip(axes, recovery.groupby("parameter", sort=False)):
    x = np.arange(len(part))
    ax.errorbar(x, part["estimate"], yerr=[part["estimate"] - part["lower"],
                                           part["upper"] - part["estimate"]],
                fmt="o", capsize=3, label=i18n.t("nb09_estimate_interval"))
    ax.plot(x, part["truth"], "x", color="C3", markersize=9, label=i18n.t("nb09_truth"))
    ax.set_xticks(x, i18n.labels(part["segment"], prefix="nb09_segment_"), rotation=45,
                  ha="right")
    ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.1f"))
    ax.set(title=f"BG/NBD {param}", xlabel=i18n.t("nb09_col_segment"), ylabel=param)
axes[0].legend(loc="upper left", fontsize=8)
fig.suptitle(i18n.t("nb09_fig_recovery_title"))
fig.tight_layout()
plt.show()
print(i18n.t("nb09_covered", covered=int(recovery["covered"].sum()), n=len(recovery)))
# %% code claim-recovery tags=claim
# the summary is in weeks at day resolution, and the fits read it
assert summary.attrs["unit"] == "W" and summary.attrs["freq"] == "D"
assert fit.unit == "W"
# estimates within about a third of the truth; more 95% intervals miss than one in twenty
assert recovery["relative_error"].abs().max() < 0.35
assert (~recovery["covered"]).mean() > 1 - 0.95
# where r misses, alpha mostly misses too (same segment)
missed = recovery.pivot(index="segment", columns="parameter", values="covered")
assert (~missed["alpha"][~missed["r"]]).mean() > 0.5
# weeks are one argument: the daily summary divided by 7 has the same numbers, but a
# model refuses it, because its label still says days
daily = clv.summarize_transactions(world.transactions, customer_col="customer_id",
                                   time_col="timestamp", end=CONFIG.end, freq="D")
assert np.allclose(daily["T"] / 7, summary["T"].reindex(daily.index))
try:
    clv.BetaGeo(daily["frequency"], daily["recency"] / 7, daily["T"] / 7)
    refused = False
except ValueError as error:
    refused = "divided by 7" in str(error)
assert refused
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% md own_csv
# %% code csv
shop = crm.make_world("tiny", seed=11).transactions
shop = pd.DataFrame({"client": shop["customer_id"].str.replace("C", "client-"),
                     "date": shop["timestamp"].dt.strftime("%Y-%m-%d %H:%M"),
                     "value": shop["amount"]})
folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "shop_transactions.csv"
shop.to_csv(path, index=False)

own = pd.read_csv(path, parse_dates=["date"])
print(own.dtypes.to_string())
# the Persian notebook shows each date in the Jalali calendar beside the Gregorian one
i18n.with_jalali(own.head(), ["date"])
# %% code own_study
own_table = clv.calibration_holdout_split(own, customer_col="client", time_col="date",
                                          value_col="value", calibration_end="2024-09-30",
                                          end="2024-12-31", freq="D")
own_fits = studies.fit_purchase_models(own_table)
own_results = studies.compare_purchase_models(own_table, own_fits)
i18n.record(own_customers=len(own_table))
print(i18n.t("nb09_own_summary", n=len(own_table), digest=studies.results_digest(own_results)))
shown_results(own_results)
# %% code own_figure
ax = viz.plot_calibration_holdout(own_fits["BG/NBD"], own_table, max_frequency=6)
relabel_holdout(ax, i18n.t("nb09_fig_own_title"), 6)
plt.show()
folder.cleanup()
# %% code claim-own tags=claim
assert 100 < len(own_table) < 1000  # a few hundred customers
assert not viz.figure_text_problems(ax.figure), viz.figure_text_problems(ax.figure)
# %% md own_read
# %% md try_it
# %% md glossary
# %% md reading
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

models = list(studies.PURCHASE_MODELS)
preferred = results.loc[models, "aic"].idxmin()
quiz = Quiz([
    Choice(i18n.t("nb09_q_aic"), options=models, answer=models.index(preferred),
           explain=i18n.t("nb09_q_aic_why", gap=i18n.number(
               results.loc[models, "aic"].max() - results.loc[models, "aic"].min(), ",.1f"))),
    Number(i18n.t("nb09_q_covered"), answer=int(recovery["covered"].sum()), tolerance=0.5,
           explain=i18n.t("nb09_q_covered_why", covered=int(recovery["covered"].sum()),
                          n=len(recovery))),
    Choice(i18n.t("nb09_q_rerun"), options=[i18n.t("nb09_q_rerun_same"),
                                             i18n.t("nb09_q_rerun_other"),
                                             i18n.t("nb09_q_rerun_clock")],
           answer=0, explain=i18n.t("nb09_q_rerun_why")),
    Choice(i18n.t("nb09_q_weeks"), options=[i18n.t("nb09_q_weeks_a"), i18n.t("nb09_q_weeks_b"),
                                             i18n.t("nb09_q_weeks_c")],
           answer=1, explain=i18n.t("nb09_q_weeks_why")),
])
quiz
# %% code claim-quiz tags=claim
# the preferred model is the BG/NBD, as the prose says; a rerun gives the same fingerprint
assert preferred == "BG/NBD" and again == digest
# %% code values tags=values
i18n.show_recorded()
