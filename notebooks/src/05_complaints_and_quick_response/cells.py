# %% md title
# %% code setup
import warnings

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from statsmodels.duration.hazard_regression import PHReg

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import capacity, service

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
# colour-blind-safe colours (Okabe and Ito, without the green): no red-green pair
COLORS = ["#0072B2", "#E69F00", "#56B4E9", "#D55E00", "#CC79A7", "#999999"]
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
MONTHS = i18n.labels(range(1, 13), prefix="nb05_month_")
# the Persian notebook shows each date in the Jalali calendar beside the Gregorian one
i18n.with_jalali(w.complaints.head(3), ["opened_at", "resolved_at"])
# %% md idea
# %% code claim-scales tags=claim
assert sorted(w.complaints["escalation_level"].unique()) == [0, 1, 2, 3]
assert sorted(w.complaints["satisfaction"].unique()) == [1, 2, 3, 4, 5]
# %% md season_head
# %% code season
monthly = (w.complaints
           .groupby([w.complaints["opened_at"].dt.to_period("M"), "category"], observed=True)
           .size().unstack(fill_value=0))
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
starts = monthly.index.to_timestamp()
for color, category in zip(COLORS, monthly.columns, strict=False):
    left.plot(starts, monthly[category].to_numpy(), color=color,
              label=i18n.t(f"nb05_category_{category}"))
left.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
left.xaxis.set_major_formatter(lambda v, _: i18n.date(mdates.num2date(v), style="month"))
left.tick_params(axis="x", labelrotation=30)
left.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
left.set_ylim(bottom=0)
left.set(title=i18n.t("nb05_fig_monthly_title"), xlabel=i18n.t("nb05_axis_month"),
         ylabel=i18n.t("nb05_axis_complaints"))
left.legend(ncol=2, fontsize=8)
# per customer, so that the operator's growth does not masquerade as a season
every = service.complaint_panel(w.complaints, w.customers, w.weather)
by_month = every.groupby("month_of_year")[["complaints", "customers"]].sum()
per_1000 = 1000 * by_month["complaints"] / by_month["customers"]
right.bar(range(12), per_1000.to_numpy(), color=COLORS[0])
right.set_xticks(range(12), MONTHS, rotation=45)
right.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
right.set(title=i18n.t("nb05_fig_per_1000_title"), xlabel=i18n.t("nb05_axis_month_of_year"),
          ylabel=i18n.t("nb05_axis_per_1000"))
fig.tight_layout()
plt.show()
shares = w.complaints["category"].value_counts(normalize=True)
i18n.record(jan_rate=per_1000[1], nov_rate=per_1000[11], share_network=shares["network_quality"],
            share_repair=shares["repair_delay"],
            share_billing=shares[["billing_error", "collections"]].sum())
shares.rename(index=lambda c: i18n.t(f"nb05_category_{c}")).rename(
    i18n.t("nb05_col_share")).rename_axis(i18n.t("nb05_col_category")).map(
    lambda s: i18n.number(s, ".1%")).to_frame()
# %% md season_read
# %% code claim-season tags=claim
season = w.config.service.season
# the rate is per 1,000 customer-months
assert np.allclose(per_1000, 1_000 * by_month["complaints"] / by_month["customers"])
assert season[0] == max(season)  # January's factor is the largest
assert per_1000.idxmax() == 1 and per_1000.idxmin() == 11
# winter and high summer above spring and autumn, month by month
assert per_1000[[12, 1, 2, 7, 8]].min() > per_1000[[4, 5, 10, 11]].max()
assert shares.index[0] == "network_quality"
assert shares[["billing_error", "collections"]].sum() < 0.1  # a small minority
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% md weather_head
# %% code weather
events = w.weather.groupby(["event_type", "province"], observed=True).agg(
    events=("event_id", "size"), mean_severity=("severity", "mean"))
snow = w.weather[w.weather["event_type"] == "snow"]
flood = w.weather[w.weather["event_type"] == "flood"]
flood_counts = flood["province"].astype(str).value_counts()
i18n.record(n_floods=len(flood), flood_top=flood_counts.index[0],
            flood_top_n=flood_counts.iloc[0])
shown = events.rename(index=lambda e: i18n.t(f"nb05_event_{e}"), level=0)
shown["mean_severity"] = shown["mean_severity"].map(lambda s: i18n.number(s, ".2f"))
shown["events"] = shown["events"].map(lambda n: i18n.number(n, "d"))
shown.index.names = [i18n.t("nb05_col_event"), i18n.t("nb05_col_province")]
shown.columns = [i18n.t("nb05_col_events"), i18n.t("nb05_col_mean_severity")]
shown
# %% md weather_read
# %% code claim-weather tags=claim
assert snow["start_date"].dt.month.isin([12, 1, 2]).all()
assert flood["start_date"].dt.month.isin([3, 4, 5]).all()
from crmlab.world.locales import pools

risk = {p.name: p for p in pools(w.config.locale).provinces}
assert snow["province"].map(lambda p: risk[p].snow).mean() > 0.6  # cold provinces
assert flood["province"].map(lambda p: risk[p].flood).mean() > 0.6  # river provinces
assert flood_counts.iloc[0] == flood_counts.max() >= 2
# %% code weather_rates
panel = service.complaint_panel(w.complaints, w.customers, w.weather, category="repair_delay")
rate = panel.assign(per_1000=1000 * panel["complaints"] / panel["customers"],
                    weather=np.where(panel["weather_days"] > 0, "snow or flood", "calm"))
by_weather = rate.groupby("weather")["per_1000"].describe()[["count", "mean", "50%"]]
i18n.record(n_weather_months=int(by_weather.loc["snow or flood", "count"]),
            n_calm_months=int(by_weather.loc["calm", "count"]),
            weather_rate=by_weather.loc["snow or flood", "mean"],
            calm_rate=by_weather.loc["calm", "mean"])
by_weather.rename(index=lambda k: i18n.t("nb05_" + k.replace(" ", "_")),
                  columns={"count": i18n.t("nb05_col_province_months"),
                           "mean": i18n.t("nb05_col_mean"), "50%": i18n.t("nb05_col_median")}
                  ).rename_axis(i18n.t("nb05_col_weather")).map(lambda v: i18n.number(v, ",.2f"))
# %% md glm_intro
# %% code claim-weather-rates tags=claim
# province-months with snow or floods had clearly more repair complaints than calm ones
assert by_weather.loc["snow or flood", "mean"] > 1.5 * by_weather.loc["calm", "mean"]
assert by_weather["count"].sum() == len(panel)
# %% code glm
poisson = service.fit_complaint_glm(panel)
ci = np.exp(poisson.conf_int(alpha=0.05))
coefs = pd.DataFrame({"rate_ratio": np.exp(poisson.params), "ci_low": ci[0],
                      "ci_high": ci[1], "p_value": poisson.pvalues})
weather_rr = coefs.loc["weather_days"]
i18n.record(weather_rr=weather_rr["rate_ratio"], weather_lo=weather_rr["ci_low"],
            weather_hi=weather_rr["ci_high"], weather_rise=weather_rr["rate_ratio"] - 1)


def term_label(name):
    if name.startswith("C(month"):
        return MONTHS[int(name.split("T.")[1].rstrip("]")) - 1]
    return i18n.t("nb05_weather_days")


coefs[~coefs.index.str.startswith(("province", "Intercept"))].rename(
    index=term_label, columns=lambda c: i18n.t(f"nb05_col_{c}")).map(
    lambda v: i18n.number(v, ".3f"))
# %% code glm_months
months = coefs.loc[coefs.index.str.startswith("C(month"), ["rate_ratio", "ci_low", "ci_high"]]
months.index = [int(name.split("T.")[1].rstrip("]")) for name in months.index]
i18n.record(months_below=int((months["rate_ratio"] < 1).sum()))
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.errorbar(months.index, months["rate_ratio"],
            yerr=[months["rate_ratio"] - months["ci_low"], months["ci_high"] - months["rate_ratio"]],
            fmt="o", capsize=3, color=COLORS[0])
ax.axhline(1, color="grey", linestyle=":")
ax.set_xticks(range(2, 13), MONTHS[1:], rotation=45)
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".1f"))
ax.set(title=i18n.t("nb05_fig_months_title"), xlabel=i18n.t("nb05_axis_month_of_year"),
       ylabel=i18n.t("nb05_col_rate_ratio"))
plt.show()
# %% md glm_read
# %% code claim-glm tags=claim
assert coefs.loc["weather_days", "ci_low"] > 1
# no month is clearly above January, the peak; most are below it
assert sorted(months.index) == list(range(2, 13)) and len(months) == 11
assert (months["ci_low"] < 1).all() and (months["rate_ratio"] < 1).sum() >= 8
# the interval shown is the 95% one
assert np.allclose(ci, np.exp(poisson.conf_int(alpha=1 - 0.95)))
weather_mix = dict(zip(["repair_delay", "billing_error", "network_quality", "outage",
                        "staff", "collections"], w.config.service.weather_mix, strict=True))
assert weather_mix["repair_delay"] == 0.75 and weather_mix["outage"] == 0.25
assert w.config.service.weather_load == 3
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% code negbin
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    negbin = service.fit_complaint_glm(panel, family="negbin")
for message in {str(c.message) for c in caught}:
    print("warning:", message)
weather_terms = pd.DataFrame({"poisson": poisson.params[["weather_days"]],
                              "negative binomial": negbin.params[["weather_days"]]})
weather_terms.rename(index={"weather_days": i18n.t("nb05_weather_days")},
                     columns={"poisson": i18n.t("nb05_col_poisson"),
                              "negative binomial": i18n.t("nb05_col_negbin")}).map(
    lambda v: i18n.number(v, ".3f"))
# %% md negbin_read
# %% code claim-negbin tags=claim
assert round(weather_terms.iloc[0, 0], 3) == round(weather_terms.iloc[0, 1], 3)
assert any("no overdispersion" in str(c.message) for c in caught)
# %% code levels
by_level = w.complaints.groupby("escalation_level").agg(
    complaints=("complaint_id", "size"),
    median_wait_hours=("first_response_hours", "median"),
    mean_satisfaction=("satisfaction", "mean"),
    very_dissatisfied=("satisfaction", lambda s: (s <= 2).mean()),
)
i18n.record(**{f"wait_{k}": v for k, v in by_level["median_wait_hours"].items()},
            **{f"sat_{k}": v for k, v in by_level["mean_satisfaction"].items()})
by_level.rename(columns=lambda c: i18n.t(f"nb05_col_{c}")).rename_axis(
    i18n.t("nb05_col_escalation_level")).map(lambda v: i18n.number(v, ",.2f"))
# %% code satisfaction
wait_band = pd.qcut(w.complaints["first_response_hours"], 8)
sat = w.complaints.groupby(wait_band, observed=True)["satisfaction"].mean()
i18n.record(sat_fastest=sat.iloc[0], sat_slowest=sat.iloc[-1])
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(range(len(sat)), sat.to_numpy(), marker="o", color=COLORS[0])
ax.set_xticks(range(len(sat)), [f"{i18n.number(iv.left, '.0f')}–{i18n.number(iv.right, '.0f')}"
                                for iv in sat.index], rotation=30)
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".0f"))
ax.set(title=i18n.t("nb05_fig_satisfaction_title"), xlabel=i18n.t("nb05_axis_wait_band"),
       ylabel=i18n.t("nb05_axis_mean_satisfaction"), ylim=(1, 5))
plt.show()
# %% md satisfaction_read
# %% code claim-satisfaction tags=claim
assert sat.is_monotonic_decreasing or sat.iloc[0] - sat.iloc[-1] > 1
m = by_level["median_wait_hours"]
assert m.is_monotonic_increasing and m[3] > 4 * m[0]
s = by_level["mean_satisfaction"]
assert s[0] > s[1] > s[2] and s[3] > s[2]
svc = w.config.service
assert (svc.satisfaction_base, svc.satisfaction_per_log_delay) == (4.4, 0.55)
assert (svc.satisfaction_supervisor, svc.satisfaction_executive) == (0.45, 0.2)
assert (svc.satisfaction_unresolved, svc.satisfaction_failure) == (1.2, 0.8)
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% code outcome
post = w.customers[w.customers["plan"] == "postpaid"].set_index("customer_id")
highest = w.complaints.groupby("customer_id")["escalation_level"].max()
outcome = pd.crosstab(highest.reindex(post.index).fillna(-1).astype(int).rename("highest level"),
                      post["status"].astype(str), normalize="index")
outcome.index = outcome.index.map({-1: "no complaint", 0: "0", 1: "1", 2: "2", 3: "3 (executive)"})
left_once = outcome["churned"] + outcome["won_back"]
i18n.record(exec_won_back=outcome.loc["3 (executive)", "won_back"],
            exec_churned=outcome.loc["3 (executive)", "churned"],
            exec_left_once=left_once["3 (executive)"])
outcome.rename(index={"no complaint": i18n.t("nb05_no_complaint"),
                      "3 (executive)": i18n.t("nb05_level_executive")},
               columns=lambda c: i18n.t(f"nb05_status_{c}")).rename_axis(
    index=i18n.t("nb05_col_highest_level"), columns=i18n.t("nb05_col_status")).map(
    lambda v: i18n.number(v, ".1%"))
# %% md outcome_read
# %% code claim-outcome tags=claim
assert set(outcome.index[outcome["won_back"] > 0]) == {"3 (executive)"}
assert 0.4 < left_once["3 (executive)"] < 0.6  # close to half of them
assert (left_once[["0", "1", "2"]] < left_once["3 (executive)"]).all()
assert w.config.churn.executive_escalation == 0.5
assert w.config.churn.winback_delay_days == (7, 60)
won = post[post["winback_date"].notna()]
assert won.index.isin(highest[highest == 3].index).all()
# %% md hazard_intro
# %% code naive
experience = service.complaint_experience(w.customers, w.complaints)
flags = experience.assign(complained=(experience["complaints"] > 0).astype(int))
covariates = ["dissatisfied", "escalated", "complained"]
naive = PHReg(flags["tenure_days"].to_numpy(), flags[covariates].astype(float),
              status=flags["churned"].to_numpy()).fit()


def hazard_table(result, names):
    ci = np.exp(result.conf_int())
    return pd.DataFrame({"hazard_ratio": np.exp(result.params), "ci_low": ci[:, 0],
                         "ci_high": ci[:, 1]}, index=list(names))


def shown_hazards(table):
    return table.rename(index=lambda c: i18n.t(f"nb05_cov_{c}"),
                        columns=lambda c: i18n.t(f"nb05_col_{c}")).map(
        lambda v: i18n.number(v, ".2f"))


hr = np.exp(naive.params)
i18n.record(naive_dissatisfied=hr[0], naive_escalated=hr[1], naive_complained=hr[2])
shown_hazards(hazard_table(naive, covariates))
# %% md naive_read
# %% code claim-naive tags=claim
assert 0.25 < hr[2] < 0.45 and hr[1] < 1  # about a third; escalation looks protective too
assert np.exp(naive.conf_int())[2, 1] < 1  # the naive model calls complaining protective
# %% code intervals
intervals = service.churn_intervals(w.customers, w.complaints, interactions=w.interactions)
example = intervals.loc[(intervals["dissatisfied"] == 1) & (intervals["churned"] == 1)
                        & ~intervals["customer_id"].isin(won.index),
                        "customer_id"].iloc[0]
intervals.loc[intervals["customer_id"] == example,
              ["start", "stop", "churned", "complaints", "dissatisfied", "dissatisfied_recent",
               "escalated"]].round(1)
# %% md intervals_read
# %% code claim-intervals tags=claim
rows = intervals[intervals["customer_id"] == example]
assert rows["churned"].iloc[-1] == 1 and rows["churned"].iloc[:-1].eq(0).all()
assert (rows["start"].iloc[1:].to_numpy() == rows["stop"].iloc[:-1].to_numpy()).all()
recent = intervals[intervals["dissatisfied_recent"] == 1]
assert ((recent["stop"] - recent["start"]) <= 30 + 1e-9).all()
assert intervals["churned"].sum() == post["churn_date"].notna().sum() + len(won)
# %% code cox
cox = service.fit_churn_hazard(intervals, covariates=covariates)
t = hazard_table(cox, covariates)
i18n.record(cox_dissatisfied=t.loc["dissatisfied", "hazard_ratio"],
            cox_lo=t.loc["dissatisfied", "ci_low"], cox_hi=t.loc["dissatisfied", "ci_high"],
            cox_complained=t.loc["complained", "hazard_ratio"],
            cox_escalated=t.loc["escalated", "hazard_ratio"])
shown_hazards(t)
# %% md cox_read
# %% code claim-cox tags=claim
assert t.loc["dissatisfied", "ci_low"] > 1
assert t.loc["dissatisfied", "hazard_ratio"] > 1.5 * hr[0]  # much larger than the naive one
assert (t.loc[["complained", "escalated"], "ci_low"] < 1).all()
assert (t.loc[["complained", "escalated"], "ci_high"] > 1).all()
assert w.config.churn.after_bad_complaint == 0.4
assert w.config.churn.leave_after_complaint_days == (3, 30)
# %% code truth_check
recent_cox = service.fit_churn_hazard(intervals, covariates=["dissatisfied_recent"])
recent_hr = float(np.exp(recent_cox.params[0]))
# departures in those 30 days, and how many of them the model puts down to the complaint
exposed = int(intervals.loc[intervals["dissatisfied_recent"] == 1, "churned"].sum())
model_excess = exposed * (1 - 1 / recent_hr)
# the truth: departures the simulator caused with a bad complaint (won-back ones too)
truth = w.truth.customers.set_index("customer_id")
caused = int(((truth["churn_cause"] == "dissatisfied_complainer")
              & truth.index.isin(post.index)).sum() + truth["won_back"].sum())
i18n.record(recent_hr=recent_hr, exposed=exposed, model_excess=model_excess, caused=caused)
pd.Series({i18n.t("nb05_recent_hr"): i18n.number(recent_hr, ".1f"),
           i18n.t("nb05_exposed"): i18n.number(exposed, "d"),
           i18n.t("nb05_model_excess"): i18n.number(model_excess, ".1f"),
           i18n.t("nb05_caused"): i18n.number(caused, "d")}).to_frame(i18n.t("nb05_col_value"))
# %% md truth_read
# %% code claim-truth tags=claim
assert recent_hr > 5 and recent_cox.conf_int()[0, 0] > np.log(5)
assert abs(model_excess - caused) < 0.15 * caused
# %% code silent
ever_complained = w.complaints.groupby("customer_id").size().reindex(truth.index, fill_value=0) > 0
silent = pd.crosstab(truth["churn_cause"], ever_complained.rename("ever complained"))
silent = silent[silent.sum(axis=1) > 0]
i18n.record(complainers=int(silent.loc["dissatisfied_complainer"].sum()),
            complainers_traced=int(silent.loc["dissatisfied_complainer", True]),
            silent_total=int(silent.loc["dissatisfied_silent"].sum()),
            silent_never=int(silent.loc["dissatisfied_silent", False]))
silent.rename(index=lambda c: i18n.t(f"nb05_cause_{c}"),
              columns={False: i18n.t("nb05_never_complained"),
                       True: i18n.t("nb05_complained")}).rename_axis(
    index=i18n.t("nb05_col_churn_cause"), columns=None)
# %% md silent_read
# %% code claim-silent tags=claim
assert silent.loc["dissatisfied_complainer", True] >= 0.95 * silent.loc["dissatisfied_complainer"].sum()
assert silent.loc["dissatisfied_silent", False] > silent.loc["dissatisfied_silent", True]
# %% code queue
rho = np.array([0.25, 0.5, 0.75, 0.9, 1.0, 1.5, 2.0, 2.5])
pd.DataFrame([capacity.queue_delay_factor(rho).round(2)],
             columns=[i18n.number(r, ".2f") for r in rho],
             index=[i18n.t("nb05_delay_multiplier")]).rename_axis(
    columns=i18n.t("nb05_load_over_capacity")).map(lambda v: i18n.number(v, ".2f"))
# %% md whatif_intro
# %% code whatif
whatif = capacity.capacity_whatif(w.complaints, w.weather, w.customers,
                                  capacity=w.config.repair_capacity, share=0.5)
hit = whatif.summary.loc["hit provinces during weather"]
lent = whatif.summary.loc["calm provinces that lent capacity"]
still = whatif.by_province[whatif.by_province["mean_hours_before"]
                           == whatif.by_province["mean_hours_after"]]
i18n.record(hit_before=hit["mean_hours_before"], hit_after=hit["mean_hours_after"],
            hit24_before=hit["within_24h_before"], hit24_after=hit["within_24h_after"],
            lent_before=lent["mean_hours_before"], lent_after=lent["mean_hours_after"],
            still_names=i18n.t("nb05_and").join(still.index.astype(str)))
whatif.summary.rename(index=lambda r: i18n.t("nb05_whatif_" + r.split()[0]),
                      columns=lambda c: i18n.t(f"nb05_col_{c}")).rename_axis(
    i18n.t("nb05_col_complaints_of")).map(lambda v: i18n.number(v, ",.2f"))
# %% code whatif_figure
fig = viz.plot_response_whatif(whatif)
plt.show()
# %% md whatif_read
# %% code claim-whatif tags=claim
assert hit["mean_hours_after"] < 0.7 * hit["mean_hours_before"]
assert hit["within_24h_after"] > hit["within_24h_before"] + 0.1
assert lent["mean_hours_after"] > lent["mean_hours_before"]
assert len(still) >= 1
days = whatif.complaints.loc[(whatif.complaints["role"] == "hit")
                             & whatif.complaints["province"].isin(still.index), "opened_at"]
assert (days.dt.month == 1).all() and (whatif.moved.reindex(days.dt.normalize()) == 0).all()
january = w.config.service.rules.monthly_season()[0]
assert round(january, 3) == 1.258 and w.config.repair_capacity == 1.25
assert january > w.config.repair_capacity
assert w.config.service.backlog_days == 7
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% code explorer
from crmlab.widgets.service import capacity_explorer

capacity_explorer(w, share=0.5)
# %% md channels_head
# %% code channels
mix = pd.crosstab(w.complaints["opened_at"].dt.year, w.complaints["channel"], normalize="index")
years = mix.index.tolist()
fig, ax = plt.subplots(figsize=(8, 3.5))
bottom = np.zeros(len(mix))
for color, channel in zip(COLORS, mix.columns, strict=False):
    ax.bar(range(len(mix)), mix[channel].to_numpy(), bottom=bottom, color=color,
           label=i18n.t(f"channel_{channel}"))
    bottom += mix[channel].to_numpy()
ax.set_xticks(range(len(mix)), [i18n.number(y, "d") for y in years])
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".0%"))
ax.set(title=i18n.t("nb05_fig_channels_title"), xlabel=i18n.t("nb05_axis_year"),
       ylabel=i18n.t("nb05_axis_share_complaints"))
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
plt.show()
channel_hours = w.complaints.groupby("channel", observed=True)["first_response_hours"].median()
first, last = years[0], years[-1]
i18n.record(first_year=first, last_year=last,
            call_first=mix.loc[first, "call_centre"], call_last=mix.loc[last, "call_centre"],
            web_first=mix.loc[first, "web"], web_last=mix.loc[last, "web"],
            social_first=mix.loc[first, "social"], social_last=mix.loc[last, "social"],
            hours_call=channel_hours["call_centre"], hours_web=channel_hours["web"])
channel_hours.rename(index=lambda c: i18n.t(f"channel_{c}")).map(
    lambda v: i18n.number(v, ".1f")).rename_axis(i18n.t("col_channel")).to_frame(
    i18n.t("nb05_col_median_first_response"))
# %% md channels_read
# %% code claim-channels tags=claim
assert len(years) == 3 and years == sorted(years)
assert mix["call_centre"].is_monotonic_decreasing and mix["web"].is_monotonic_increasing
assert mix.loc[last, "social"] > mix.loc[first, "social"]
assert channel_hours.idxmin() == "call_centre" and channel_hours.idxmax() == "web"
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% md try_it
# %% md glossary
# %% md reading
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

channels = list(channel_hours.index)
slowest = channel_hours.idxmax()
silent_complained = silent.loc["dissatisfied_silent", True] > silent.loc["dissatisfied_silent", False]
quiz = Quiz([
    Choice(i18n.t("nb05_q_slowest"), options=i18n.labels(channels, prefix="channel_"),
           answer=channels.index(slowest),
           explain=i18n.t("nb05_q_slowest_why", hours=i18n.number(channel_hours[slowest], ".1f"))),
    Number(i18n.t("nb05_q_weather"), answer=100 * (weather_rr["rate_ratio"] - 1), tolerance=1.0,
           explain=i18n.t("nb05_q_weather_why", rr=i18n.number(weather_rr["rate_ratio"], ".3f"))),
    Choice(i18n.t("nb05_q_naive"), options=[i18n.t("nb05_q_naive_a"), i18n.t("nb05_q_naive_b"),
                                             i18n.t("nb05_q_naive_c")],
           answer=1, explain=i18n.t("nb05_q_naive_why")),
    Choice(i18n.t("nb05_q_silent"), options=[i18n.t("nb05_q_silent_yes"),
                                              i18n.t("nb05_q_silent_no")],
           answer=0 if silent_complained else 1,
           explain=i18n.t("nb05_q_silent_why",
                          never=int(silent.loc["dissatisfied_silent", False]),
                          total=int(silent.loc["dissatisfied_silent"].sum()))),
])
quiz
# %% code claim-quiz tags=claim
# the answers are the ones the notebook found: the web slowest, most silent leavers silent
assert slowest == "web" and quiz.questions[0].answer == channels.index("web")
assert quiz.questions[3].answer == 1
# %% code values tags=values
i18n.show_recorded()
