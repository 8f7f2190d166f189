# %% md title
# %% code setup
import warnings

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import clv
from crmlab.analytics.clv import diagnostics
from crmlab.world.params import PurchaseParams

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
warnings.filterwarnings("ignore", category=RuntimeWarning)  # overflow in extreme trial steps


def tick(spec):
    """An axis formatter in the notebook's digits (a plain minus sign before negatives)."""
    return lambda v, _: i18n.number(v, spec).replace(i18n.LRM, "")


def month_ticks(ax):
    """Dates on an axis as months of the notebook's calendar (Jalali in Persian)."""
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(lambda v, _: i18n.date(mdates.num2date(v).date(),
                                                        style="month"))


def world_name(name):
    """A world of this notebook as the reader calls it."""
    return i18n.t("nb12_world_" + name.replace(" ", "_").replace("-", "_"))
# %% md worlds
# %% code worlds-build
# the worlds are generated here, from a configuration: the same in both languages
SEED = 3
BASE = dict(n_customers=8000, start="2023-01-01", end="2025-12-31")
CALIBRATION_END = "2024-12-31"
FREQ = "W"
WORLDS = {
    "default": {},
    "regular gaps": dict(gap_shape=4),
    "seasonal": dict(season_amplitude=0.6, season_peak_month=11),
    "rate-dropout correlated": dict(rate_dropout_correlation=0.7),
    "spend follows frequency": dict(spend_rate_elasticity=1.0),
}


def build(knobs, seed=SEED, **overrides):
    """One world with the given purchase knobs, and its calibration/holdout table."""
    world = crm.make_world(crm.WorldConfig(**BASE, purchases=PurchaseParams(**knobs)),
                           seed=seed, **overrides)
    table = clv.calibration_holdout_split(
        world.transactions, customer_col="customer_id", time_col="timestamp",
        value_col="amount", calibration_end=CALIBRATION_END, end=BASE["end"], freq=FREQ)
    return world, table


worlds, tables = {}, {}
for name, knobs in WORLDS.items():
    worlds[name], tables[name] = build(knobs)
i18n.record(n_customers=BASE["n_customers"], start=BASE["start"], end=BASE["end"],
            calibration_end=CALIBRATION_END, n_in_models=len(tables["default"]))
pd.Series({world_name(k): len(t) for k, t in tables.items()},
          name=i18n.t("nb12_customers_in_models")).map(lambda v: i18n.number(v, ","))
# %% code claim-worlds tags=claim
# 8,000 customers, about 3,000 prepaid in the models; the knobs as the table says
assert BASE["n_customers"] == 8000 == worlds["default"].customers["customer_id"].nunique()
assert all(round(len(t), -3) == 3000 for t in tables.values())
assert WORLDS["regular gaps"]["gap_shape"] == 4
assert WORLDS["seasonal"]["season_amplitude"] == 0.6
assert WORLDS["rate-dropout correlated"]["rate_dropout_correlation"] == 0.7
assert WORLDS["spend follows frequency"]["spend_rate_elasticity"] == 1.0
# %% md segments
# %% code claim-segments tags=claim
# five latent segments in every world
assert all(w.truth.customers["segment"].nunique() == 5 for w in worlds.values())
# %% md fit_every_model
# %% code fit
MODELS = {"BG/NBD": clv.BetaGeo, "MBG/NBD": clv.ModifiedBetaGeo,
          "Pareto/NBD": clv.ParetoNBD, "GGom/NBD": clv.GompertzNBD}
GGOM_WORLDS = ("default", "seasonal")

fits, rows, failures, unconverged = {}, [], {}, {}
for name, table in tables.items():
    for model, cls in MODELS.items():
        if model == "GGom/NBD" and name not in GGOM_WORLDS:
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", clv.ConvergenceWarning)
                fit = cls(table["frequency_cal"], table["recency_cal"], table["T_cal"]).fit()
        except clv.ConvergenceError as err:
            failures[(name, model)] = str(err)
            continue
        for w in caught:
            if issubclass(w.category, clv.ConvergenceWarning):
                unconverged[(name, model)] = str(w.message)
        fits[name, model] = fit
        forecast = fit.expected_purchases(table["duration_holdout"], table["frequency_cal"],
                                          table["recency_cal"], table["T_cal"])
        ce = diagnostics.conditional_expectations(fit, table)
        hist = diagnostics.repeat_histogram(fit, table["frequency_cal"], table["T_cal"])
        rows.append({"world": name, "model": model,
                     "holdout error": forecast.sum() / table["frequency_holdout"].sum() - 1,
                     "CE error": ce.attrs["mean_absolute_error"],
                     "chi2 p": hist.attrs["p_value"], "AIC": fit.aic})

results = pd.DataFrame(rows).set_index(["world", "model"])
err = results["holdout error"]
i18n.record(seasonal_bgnbd_error=err["seasonal", "BG/NBD"],
            default_bgnbd_error=err["default", "BG/NBD"],
            seasonal_bgnbd_p=results.loc[("seasonal", "BG/NBD"), "chi2 p"],
            default_bgnbd_p=results.loc[("default", "BG/NBD"), "chi2 p"])
none = i18n.t("nb12_none")
print(i18n.t("nb12_failed"), [(world_name(w), m) for w, m in failures] or none)
print(i18n.t("nb12_unconverged"), [(world_name(w), m) for w, m in unconverged] or none)
shown = results.round({"holdout error": 3, "CE error": 3, "chi2 p": 4, "AIC": 1})
shown.index = shown.index.set_levels(
    [[world_name(w) for w in shown.index.levels[0]], shown.index.levels[1]])
shown.index.names = [i18n.t("nb12_col_world"), i18n.t("nb12_col_model")]
shown.rename(columns=lambda c: i18n.t("nb12_col_" + c.replace(" ", "_")))
# %% md fit_read
# %% code claim-fit tags=claim
purchase_models = ["BG/NBD", "MBG/NBD", "Pareto/NBD"]
# default: every model within 10%, and the chi-square test rejects every one (p < 0.05)
assert (err.loc["default"].abs() < 0.10).all()
assert (results.loc["default", "chi2 p"] < 0.05).all()
# regular gaps and rate-dropout correlated: total forecast within 10%
assert (err.loc[["regular gaps", "rate-dropout correlated"]].abs() < 0.10).all()
# seasonal: every model over-forecasts by more than 25%, >= 3 times its default error,
# and its conditional-expectation error at least doubles
for m in purchase_models:
    assert err["seasonal", m] > 0.25
    assert err["seasonal", m] >= 3 * abs(err["default", m])
    assert results.loc[("seasonal", m), "CE error"] >= 2 * results.loc[("default", m), "CE error"]
best = results.loc["seasonal", "AIC"].idxmin()
assert err["seasonal", best] > 0.25
# the chi-square test does not reject BG/NBD on the seasonal world, its worst forecast
assert results.loc[("seasonal", "BG/NBD"), "chi2 p"] > 0.05
assert err["seasonal", "BG/NBD"] == err.loc[(slice(None), "BG/NBD")].max()
# spend follows frequency: the purchase models see the default world's purchases
assert tables["spend follows frequency"][["frequency_cal", "recency_cal", "T_cal",
    "frequency_holdout"]].equals(tables["default"][["frequency_cal", "recency_cal", "T_cal",
    "frequency_holdout"]])
assert np.allclose(results.loc["spend follows frequency"].to_numpy(),
                   results.loc["default"].loc[purchase_models].to_numpy())
# GGom/NBD: no error, but a convergence warning on both worlds; it sits at Pareto/NBD:
# same forecast, AIC higher by 2
assert not failures
assert set(unconverged) == {(w, "GGom/NBD") for w in GGOM_WORLDS}
for w in GGOM_WORLDS:
    assert abs(err[w, "GGom/NBD"] - err[w, "Pareto/NBD"]) < 1e-3
    aic = results.loc[w, "AIC"]
    assert abs(aic["GGom/NBD"] - aic["Pareto/NBD"] - 2) < 0.05
# %% md diagnostics
# %% code tracking
fig, axes = plt.subplots(2, 2, figsize=(11, 7))
track = {}
for col, name in enumerate(["default", "seasonal"]):
    track[name] = t = diagnostics.tracking(fits[name, "BG/NBD"], worlds[name].transactions,
                                           calibration_end=CALIBRATION_END, end=BASE["end"],
                                           freq=FREQ)
    for row, (what, actual, model) in enumerate((("cumulative", "actual_cumulative",
                                                  "model_cumulative"),
                                                 ("per_week", "actual", "model"))):
        ax = axes[row, col]
        ax.plot(t.index, t[actual], label=i18n.t("nb12_actual"))
        ax.plot(t.index, t[model], label="BG/NBD")
        ax.axvline(pd.Timestamp(CALIBRATION_END), color="grey", ls="--")
        ax.set(title=i18n.t(f"nb12_fig_tracking_{what}", world=world_name(name)),
               ylabel=i18n.t("nb12_axis_repeat_purchases"))
        month_ticks(ax)
        ax.yaxis.set_major_formatter(tick(",.0f"))
        ax.tick_params(axis="x", labelrotation=30)
        ax.legend()
fig.tight_layout()
i18n.record(tracking_seasonal=track["seasonal"].attrs["holdout_error"],
            tracking_default=track["default"].attrs["holdout_error"])
pd.Series({world_name(k): i18n.number(v.attrs["holdout_error"], ".1%")
           for k, v in track.items()}, name=i18n.t("nb12_tracking_error"))
# %% code claim-tracking tags=claim
# the model ends the holdout above the truth on the seasonal world, close on the default
assert track["seasonal"].attrs["holdout_error"] > 0.1
assert abs(track["default"].attrs["holdout_error"]) < 0.05
hold = {k: t[t["holdout"]] for k, t in track.items()}
assert hold["seasonal"]["model"].sum() > 1.25 * hold["seasonal"]["actual"].sum()
# the actual weekly purchases swing with the season, the model's do not
cv = {k: h[["actual", "model"]].std() / h[["actual", "model"]].mean() for k, h in hold.items()}
assert cv["seasonal"]["actual"] > 2 * cv["default"]["actual"]
assert cv["seasonal"]["actual"] > 3 * cv["seasonal"]["model"]
# the calibration ends at the autumn peak: its last 8 weeks well above the holdout average
s_track = track["seasonal"]
last_cal = s_track.loc[~s_track["holdout"], "actual"].tail(8).mean()
assert last_cal > 1.5 * hold["seasonal"]["actual"].mean()
assert pd.Timestamp(s_track.loc[~s_track["holdout"], "actual"].idxmax()).month in (10, 11, 12)
assert not viz.figure_text_problems(fig)
# %% md trough
# %% code trough-cut
def holdout_error(world, calibration_end, end):
    """BG/NBD's relative error on total holdout purchases for one cut-off."""
    table = clv.calibration_holdout_split(
        world.transactions, customer_col="customer_id", time_col="timestamp",
        calibration_end=calibration_end, end=end, freq=FREQ)
    fit = clv.BetaGeo(table["frequency_cal"], table["recency_cal"], table["T_cal"]).fit()
    forecast = fit.expected_purchases(table["duration_holdout"], table["frequency_cal"],
                                      table["recency_cal"], table["T_cal"])
    return forecast.sum() / table["frequency_holdout"].sum() - 1


TROUGH_CUT, TROUGH_END = "2024-06-30", "2025-06-30"
trough_cut = {name: holdout_error(worlds[name], TROUGH_CUT, TROUGH_END)
              for name in ["default", "seasonal"]}
i18n.record(trough_cut=TROUGH_CUT, trough_seasonal=trough_cut["seasonal"],
            trough_default=trough_cut["default"])
pd.Series({world_name(k): i18n.number(v, ".1%") for k, v in trough_cut.items()},
          name=i18n.t("nb12_trough_error", date=i18n.date(TROUGH_CUT)))
# %% md trough_read
# %% code claim-trough tags=claim
assert trough_cut["seasonal"] < -0.20
assert 0 < trough_cut["default"] < 0.15
# %% md conditional
# %% code conditional-expectations
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
ce = {}
for ax, name in zip(axes, ["default", "seasonal"], strict=True):
    ce[name] = diagnostics.conditional_expectations(fits[name, "BG/NBD"], tables[name], ax=ax)
    top = int(ce[name].index.max())
    ax.set(title=i18n.t("nb12_fig_world", world=world_name(name)),
           xlabel=i18n.t("nb12_axis_cal_purchases", n=i18n.number(top, "d")),
           ylabel=i18n.t("nb12_axis_holdout_purchases"))
    ax.legend([i18n.t("nb12_actual"), "BG/NBD"])
    ax.xaxis.set_major_formatter(tick("g"))
    ax.yaxis.set_major_formatter(tick("g"))
fig.tight_layout()
shown = ce["seasonal"].round(2)
shown.rename(columns=lambda c: i18n.t(f"nb12_col_{c}")).rename_axis(
    i18n.t("nb12_col_cal_purchases"))
# %% code claim-conditional tags=claim
# seasonal: the model is above the actual for the most frequent buyers
top = ce["seasonal"].index.max()
assert ce["seasonal"].loc[top, "model"] > ce["seasonal"].loc[top, "actual"]
gap = ce["seasonal"]["model"] - ce["seasonal"]["actual"]
assert (gap > 0).all() and gap.idxmax() == top
assert ((ce["default"]["model"] - ce["default"]["actual"]).abs().max() < gap.max())
assert not viz.figure_text_problems(fig)
# %% md gamma_gamma
# %% code spend
def spend_by_tercile(table):
    """Actual holdout mean spend over Gamma-Gamma's expectation, by frequency tercile."""
    repeat = table[table["frequency_cal"] > 0]
    gg = clv.GammaGamma(repeat["frequency_cal"], repeat["monetary_value_cal"]).fit()
    both = table[(table["frequency_cal"] > 0) & (table["frequency_holdout"] > 0)]
    expected = pd.Series(np.asarray(gg.expected_spend(both["frequency_cal"],
                                                      both["monetary_value_cal"])),
                         index=both.index)
    tercile = pd.qcut(both["frequency_cal"].rank(method="first"), 3,
                      labels=["least frequent", "middle", "most frequent"])
    return (both["monetary_value_holdout"].groupby(tercile, observed=True).mean()
            / expected.groupby(tercile, observed=True).mean())


spend = pd.DataFrame({name: spend_by_tercile(tables[name])
                      for name in ["default", "spend follows frequency"]})
i18n.record(least_spend_ratio=spend.loc["least frequent", "spend follows frequency"],
            most_spend_ratio=spend.loc["most frequent", "spend follows frequency"])
shown = spend.rename(index=lambda t: i18n.t("nb12_tercile_" + t.replace(" ", "_")),
                     columns=world_name)
ax = shown.plot.bar(rot=0, figsize=(7, 3.5))
ax.axhline(1, color="grey", ls="--")
ax.set(ylabel=i18n.t("nb12_axis_spend_ratio"), xlabel=i18n.t("nb12_axis_tercile"))
ax.yaxis.set_major_formatter(tick(".1f"))
spend_fig = ax.figure
shown.map(lambda v: i18n.number(v, ".3f"))
# %% md spend_read
# %% code claim-spend tags=claim
assert (spend["default"].sub(1).abs() < 0.15).all()
assert spend.loc["least frequent", "spend follows frequency"] < 0.70
assert 1 / spend.loc["least frequent", "spend follows frequency"] - 1 > 0.5
assert abs(spend.loc["most frequent", "spend follows frequency"] - 1) < 0.10
corr = {}
for name, t in tables.items():
    r = t[t["frequency_cal"] > 0]
    corr[name] = np.corrcoef(r["frequency_cal"], r["monetary_value_cal"])[0, 1]
i18n.record(default_spend_corr=corr["default"])
assert all(c > 0 for c in corr.values())
assert 0.1 < corr["default"] < 0.3  # "about 0.2"
assert not viz.figure_text_problems(spend_fig)
# %% md another_world
# %% code second-world
second = {}
for name in ["default", "seasonal", "spend follows frequency"]:
    world, table = build(WORLDS[name], seed=7, locale="fa_IR")
    fit = clv.BetaGeo(table["frequency_cal"], table["recency_cal"], table["T_cal"]).fit()
    forecast = fit.expected_purchases(table["duration_holdout"], table["frequency_cal"],
                                      table["recency_cal"], table["T_cal"])
    hist = diagnostics.repeat_histogram(fit, table["frequency_cal"], table["T_cal"])
    second[name] = {"holdout error": forecast.sum() / table["frequency_holdout"].sum() - 1,
                    "error, June cut-off": holdout_error(world, TROUGH_CUT, TROUGH_END),
                    "chi2 p": hist.attrs["p_value"],
                    "least frequent spend ratio": spend_by_tercile(table)["least frequent"]}
pd.DataFrame(second).T.round(4).rename(
    index=world_name, columns=lambda c: i18n.t("nb12_second_" + c.replace(" ", "_").replace(
        ",", "").replace("-", "_")))
# %% code claim-second-world tags=claim
# the same findings on the second world: default within 10%, seasonal over by > 25%,
# the least frequent third's spend under 70% of the prediction only when spend follows rate
assert abs(second["default"]["holdout error"]) < 0.10
assert second["seasonal"]["holdout error"] > 0.25
assert second["seasonal"]["holdout error"] >= 3 * abs(second["default"]["holdout error"])
# and a cut-off in the low season turns the seasonal over-forecast into an under-forecast
assert second["seasonal"]["error, June cut-off"] < -0.20
assert 0 < second["default"]["error, June cut-off"] < 0.15
assert second["spend follows frequency"]["least frequent spend ratio"] < 0.70
assert second["default"]["least frequent spend ratio"] > 0.85
assert 1 / second["spend follows frequency"]["least frequent spend ratio"] - 1 > 0.5
# the finer rankings are not stable: the most accurate purchase model differs by world
closest = results["holdout error"].abs().unstack()[purchase_models].idxmin(axis=1)
assert closest.nunique() > 1
# on this seed the chi-square test rejects BG/NBD on both the default and seasonal worlds
assert second["default"]["chi2 p"] < 0.05 and second["seasonal"]["chi2 p"] < 0.05
# %% md takeaways
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

quiz_worlds = list(WORLDS)[:4]  # "spend follows frequency" has the default's purchases
bgnbd_error = err.xs("BG/NBD", level="model").loc[quiz_worlds]
worst_world = bgnbd_error.abs().idxmax()
trough_answer = (0 if trough_cut["seasonal"] > 0.05
                 else 1 if trough_cut["seasonal"] < -0.05 else 2)
Quiz([
    Choice(i18n.t("nb12_q_worst_world"), options=[world_name(n) for n in quiz_worlds],
           answer=quiz_worlds.index(worst_world),
           explain=i18n.t("nb12_q_worst_world_why", world=world_name(worst_world),
                          error=i18n.number(bgnbd_error[worst_world], ".1%"))),
    Number(i18n.t("nb12_q_seasonal_error"), answer=float(err["seasonal", "BG/NBD"]) * 100,
           tolerance=1.0,
           explain=i18n.t("nb12_q_seasonal_error_why",
                          error=i18n.number(err["seasonal", "BG/NBD"], ".1%"))),
    Choice(i18n.t("nb12_q_trough"),
           options=[i18n.t(f"nb12_q_trough_{k}") for k in ("high", "low", "right")],
           answer=trough_answer,
           explain=i18n.t("nb12_q_trough_why",
                          error=i18n.number(trough_cut["seasonal"], ".1%"))),
    Choice(i18n.t("nb12_q_chi2"), options=[i18n.t(f"nb12_q_chi2_{k}") for k in "abc"],
           answer=1, explain=i18n.t("nb12_q_chi2_why")),
])
# %% code claim-quiz tags=claim
# the quiz's computed answers are what the notebook teaches
assert worst_world == "seasonal" and trough_answer == 1
# %% md further_reading
# %% code values tags=values
i18n.show_recorded()
