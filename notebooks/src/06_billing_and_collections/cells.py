# %% md title
# %% code setup
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import billing, clv

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
currency = i18n.t(f"currency_{w.meta['currency']}")
i18n.record(currency=currency)


def money(x):
    """An amount as the prose quotes it: cents for dollars, whole rials."""
    return round(float(x), 2) if w.meta["currency"] == "USD" else int(round(x))


MONEY = ",.2f" if w.meta["currency"] == "USD" else ",.0f"


def shown_table(frame, specs, names):
    """A table for reading: each column formatted by its spec, labelled by its message."""
    out = pd.DataFrame({i18n.t(f"nb06_col_{c}"): frame[c].map(lambda v, s=specs[c]:
                                                              i18n.number(v, s))
                        for c in frame.columns})
    return out.rename(index=names)


# the Persian notebook shows each date in the Jalali calendar beside the Gregorian one
i18n.with_jalali(w.invoices.head(3), ["period_start", "issue_date", "due_date"])
# %% md errors_intro
# %% code errors
errors = billing.billing_errors(w.invoices, w.truth.invoices)
by_kind = errors.groupby("kind", observed=True).agg(
    bills=("billed", "size"), disputed=("disputed", "mean"), error=("error", "sum"),
    refunded=("refunded", "sum"), lost_revenue=("lost_revenue", "sum"),
    overcharge_kept=("overcharge_kept", "sum"))
i18n.record(disputed_share=by_kind.loc["overcharge", "disputed"])
shown_table(by_kind, {"bills": ",", "disputed": ".1%", "error": MONEY, "refunded": MONEY,
                      "lost_revenue": MONEY, "overcharge_kept": MONEY},
            lambda k: i18n.t(f"nb06_kind_{k}")).rename_axis(i18n.t("nb06_col_kind"))
# %% md errors_read
# %% code claim-errors tags=claim
assert 0.5 < by_kind.loc["overcharge", "disputed"] < 0.8  # most overcharges are disputed
assert by_kind.loc["undercharge", "disputed"] == 0 and by_kind.loc["none", "disputed"] == 0
assert by_kind.loc["undercharge", "lost_revenue"] > 0 and by_kind.loc["overcharge", "lost_revenue"] == 0
bp = w.config.billing
assert w.config.billing_error_rate == 0.02 and bp.overcharge_share == 0.6
assert bp.dispute_probability == 0.65
wrong = by_kind.loc[["overcharge", "undercharge"], "bills"].sum() / by_kind["bills"].sum()
assert abs(wrong - 0.02) < 0.005  # about 2% of the bills are wrong
# %% code leakage
year = w.invoices["issue_date"].dt.year.to_numpy()
leak = errors.groupby(year)[["lost_revenue", "refunded", "overcharge_kept"]].sum()
leak["billed"] = errors.groupby(year)["billed"].sum()
leak["lost_per_1000_billed"] = 1000 * leak["lost_revenue"] / leak["billed"]
lost = leak["lost_revenue"]
per = leak["lost_per_1000_billed"]
i18n.record(lost_first=money(lost.iloc[0]), lost_last=money(lost.iloc[-1]),
            first_year=int(lost.index[0]), last_year=int(lost.index[-1]),
            per_min=per.min(), per_max=per.max())
fig, ax = plt.subplots(figsize=(8, 3.5))
x = np.arange(len(leak))
for shift, (col, color) in zip((-0.27, 0, 0.27), (("lost_revenue", viz.PALETTE[0]),
                                                  ("refunded", viz.PALETTE[1]),
                                                  ("overcharge_kept", viz.PALETTE[2]))):
    ax.bar(x + shift, leak[col].to_numpy(), width=0.27, color=color,
           label=i18n.t(f"nb06_col_{col}"))
ax.set_xticks(x, [i18n.number(y, "d") for y in leak.index])
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
ax.set(title=i18n.t("nb06_fig_errors_title"), xlabel=i18n.t("nb06_axis_year"),
       ylabel=i18n.t("nb06_axis_amount", currency=currency))
ax.legend()
plt.show()
shown_table(leak, {"lost_revenue": MONEY, "refunded": MONEY, "overcharge_kept": MONEY,
                   "billed": MONEY, "lost_per_1000_billed": ".2f"},
            lambda y: i18n.number(y, "d")).rename_axis(i18n.t("nb06_axis_year"))
# %% md leakage_read
# %% code claim-leakage tags=claim
assert lost.is_monotonic_increasing and len(lost) == 3
assert np.allclose(per, 1_000 * leak["lost_revenue"] / leak["billed"])
assert per.max() < 2.5 * per.min()  # the leakage per unit billed stays of the same size
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% code topics
customers = w.customers.set_index("customer_id")
complaints = w.complaints.assign(
    plan=w.complaints["customer_id"].map(customers["plan"]),
    churn_date=w.complaints["customer_id"].map(customers["churn_date"]))
days_to_churn = (complaints["churn_date"] - complaints["opened_at"]).dt.days
complaints["left_within_60_days"] = days_to_churn.between(0, 60)
complaints["topic"] = np.where(complaints["category"].isin(["billing_error", "collections"]),
                               complaints["category"].astype(str), "service (all other)")
complaints["very_dissatisfied"] = complaints["satisfaction"] <= 2
recorded = customers.groupby("plan", observed=True)["churn_date"].count()
print(i18n.t("nb06_recorded_churn", prepaid=int(recorded.get("prepaid", 0)),
             postpaid=int(recorded["postpaid"])))
TOPIC = {"billing_error": "nb06_topic_billing", "collections": "nb06_topic_collections",
         "service (all other)": "nb06_topic_service"}
plans = pd.crosstab(complaints["topic"], complaints["plan"])
plans.rename(index=lambda k: i18n.t(TOPIC[k]), columns=lambda p: i18n.t(f"nb06_plan_{p}")
             ).rename_axis(index=i18n.t("nb06_col_topic"), columns=i18n.t("nb06_col_plan"))
# %% md topics_read
# %% code churn_after
def churn_after(rows):
    return rows.pivot_table(index="topic", columns="very_dissatisfied",
                            values="left_within_60_days", aggfunc="mean", observed=True)


postpaid = complaints[complaints["plan"] == "postpaid"]
everyone, fair = churn_after(complaints), churn_after(postpaid)
service = "service (all other)"
i18n.record(all_service=everyone.loc[service, True], fair_service=fair.loc[service, True],
            fair_billing=fair.loc["billing_error", True],
            fair_collections=fair.loc["collections", True],
            calm_min=fair[False].min(), calm_max=fair[False].max())
both = pd.concat({i18n.t("nb06_all_customers"): everyone, i18n.t("nb06_postpaid_only"): fair},
                 axis=1)
both.columns = pd.MultiIndex.from_tuples(
    [(group, i18n.t("nb06_very_dissatisfied" if bad else "nb06_not_very_dissatisfied"))
     for group, bad in both.columns])
both.rename(index=lambda k: i18n.t(TOPIC[k])).rename_axis(i18n.t("nb06_col_topic")).map(
    lambda v: i18n.number(v, ".1%"))
# %% md churn_after_read
# %% code chi2
bad = postpaid[postpaid["very_dissatisfied"]]
counts = pd.crosstab(bad["topic"], bad["left_within_60_days"])
chi2, p_value, dof, expected = stats.chi2_contingency(counts)
i18n.record(n_bad_billing=int(counts.loc["billing_error"].sum()),
            n_bad_collections=int(counts.loc["collections"].sum()), p_value=p_value)
print(i18n.t("nb06_chi2", p=i18n.number(p_value, ".2f")))
counts.rename(index=lambda k: i18n.t(TOPIC[k]),
              columns={False: i18n.t("nb06_stayed"), True: i18n.t("nb06_left_60")}
              ).rename_axis(index=i18n.t("nb06_col_topic"), columns=None)
# %% md chi2_read
# %% code claim-churn tags=claim
assert recorded.get("prepaid", 0) == 0 and recorded["postpaid"] > 0
assert (plans.loc[["billing_error", "collections"], "prepaid"] == 0).all()
assert (days_to_churn[complaints["left_within_60_days"]] <= 60).all()
# the artefact: with everyone, service looks safer than either money topic ...
money_topics = ["billing_error", "collections"]
assert everyone.loc[service, True] < everyone.loc[money_topics, True].min()
# ... and among postpaid customers the gap closes: the three are about equal
gap = abs(fair.loc[money_topics, True].mean() - fair.loc[service, True])
assert gap < abs(everyone.loc[money_topics, True].mean() - everyone.loc[service, True])
assert fair[True].max() - fair[True].min() < 0.1
assert p_value > 0.05  # no difference the test can find
assert set(complaints.loc[complaints["very_dissatisfied"], "satisfaction"]) <= {1, 2}
assert fair[False].max() < fair[True].min()
assert w.config.churn.after_bad_complaint == 0.4
assert w.config.churn.leave_after_complaint_days == (3, 30)
# %% code delays
delay = billing.payment_delays(w.invoices, w.payments)
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.hist(delay.dropna().clip(upper=120), bins=np.arange(-15, 125, 5), color=viz.PALETTE[0])
for step, day in billing.LADDER.items():
    ax.axvline(day, color="grey", linestyle=":")
    ax.text(day + 1, ax.get_ylim()[1] * 0.9, i18n.t(f"nb06_step_{step}"), rotation=90,
            va="top", fontsize=8)
ax.set_xlim(-15, 125)
ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
ax.set(title=i18n.t("nb06_fig_delay_title"), xlabel=i18n.t("nb06_axis_delay"),
       ylabel=i18n.t("nb06_axis_bills"), yscale="log")
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
plt.show()
i18n.record(paid_on_time=(delay <= 0).mean(), never_paid=delay.isna().mean())
print(i18n.t("nb06_paid_on_time", on_time=i18n.number((delay <= 0).mean(), ".1%"),
             unpaid=i18n.number(delay.isna().mean(), ".1%")))
# %% md ladder
# %% code claim-ladder tags=claim
assert billing.LADDER == {"reminder": 7, "call": 21, "suspension": 45, "write_off": 90}
assert w.config.billing.collection_offsets == (7, 21, 45, 90)
assert (delay <= 0).mean() > 0.5  # most bills are paid before they are due
# %% code funnel
funnel = billing.collection_funnel(w.invoices, w.payments)
i18n.record(suspended_paid=funnel.loc["suspension", "paid_later"])
shown_table(funnel, {"bills": ",", "share_of_issued": ".1%", "amount_due": MONEY,
                     "paid_later": ".1%", "median_days_to_pay": ".1f"},
            lambda s: i18n.t(f"nb06_step_{s}")).rename_axis(i18n.t("nb06_col_step"))
# %% md funnel_read
# %% code claim-funnel tags=claim
assert funnel["bills"].is_monotonic_decreasing
assert funnel["paid_later"].is_monotonic_decreasing
assert funnel.loc["suspension", "paid_later"] > 0.5
# %% code curve
curve = billing.suspension_curve(w.invoices, w.payments)
fig = viz.plot_suspension_tradeoff(curve, current=billing.LADDER["suspension"])
plt.show()
early = curve.loc[10.0]
i18n.record(early_suspended=int(early["suspended_customers"]),
            early_would_pay=int(early["suspended_but_would_pay"]))
shown_table(curve.loc[[10.0, 20.0, 45.0, 90.0]], dict.fromkeys(curve.columns, ",.0f"),
            lambda d: i18n.number(d, ".0f")).rename_axis(i18n.t("nb06_axis_suspend_after"))
# %% md curve_read
# %% code claim-curve tags=claim
assert early.name == 10.0
assert early["suspended_but_would_pay"] > 0.5 * early["suspended_customers"]
assert curve["unpaid_days"].is_monotonic_increasing
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% code explorer
from crmlab.widgets.billing import collections_explorer

collections_explorer(w, suspend_after_days=45)
# %% md sbg_intro
# %% code sbg
fit_months = 12
i18n.record(cohort_year=2023)
survivors = billing.cohort_survivors(w.customers, start="2023-01-01", end="2023-12-31",
                                     periods=2 * fit_months, as_of=w.config.end)
sbg = clv.ShiftedBetaGeometric.from_survivors(survivors[:fit_months + 1]).fit()
sbg.params.rename(lambda p: i18n.t(f"nb06_param_{p}")).map(
    lambda v: i18n.number(v, ",.3f")).to_frame(i18n.t("nb06_col_estimate"))
# %% code retention
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
viz.plot_retention(sbg, periods=2 * fit_months, observed=survivors, ax=left)
table = viz.plotted_data(left).assign(observed=np.array(survivors) / survivors[0])
# the same figure in the notebook's language
for line, key in zip(left.get_lines(), ["nb06_projected_survival", "nb06_retention_rate",
                                        "nb06_observed_survival"], strict=False):
    line.set_label(i18n.t(key))
left.legend()
left.set(title=i18n.t("nb06_fig_retention_title"), xlabel=i18n.t("nb06_axis_period"),
         ylabel=i18n.t("nb06_axis_cohort_share"))
left.axvline(fit_months, color="grey", linestyle=":")
left.text(fit_months + 0.3, 0.1, i18n.t("nb06_fitted_projected"), fontsize=8)
# the retention rate on its own axis: on the 0-1 scale its rise is invisible
observed_rate = pd.Series(np.array(survivors[1:]) / np.array(survivors[:-1]),
                          index=range(1, 2 * fit_months + 1))
right.plot(table.index[1:], table["retention_rate"].iloc[1:], label=i18n.t("nb06_fitted_sbg"))
right.plot(observed_rate.index, observed_rate, "o", label=i18n.t("nb06_observed_monthly"))
year_means = [observed_rate.loc[:fit_months].mean(), observed_rate.loc[fit_months + 1:].mean()]
right.hlines(year_means, [1, fit_months + 1], [fit_months, 2 * fit_months], colors="grey",
             linestyles="--", label=i18n.t("nb06_observed_year_mean"))
right.axvline(fit_months + 0.5, color="grey", linestyle=":")
right.set(title=i18n.t("nb06_fig_rate_title"), xlabel=i18n.t("nb06_axis_period"),
          ylabel=i18n.t("nb06_axis_stay_share"), ylim=(0.90, 1.0))
right.legend(fontsize=8)
for ax in (left, right):
    ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
    ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".2f"))
    ax.set_xlim(0, 2 * fit_months + 0.5)
fig.tight_layout()
plt.show()
rate = table["retention_rate"]
i18n.record(rate_first=rate[1], rate_last=rate[24], year1_mean=year_means[0],
            year2_mean=year_means[1], fit_12=table.loc[12, "survival"],
            obs_12=table.loc[12, "observed"], fit_24=table.loc[24, "survival"],
            obs_24=table.loc[24, "observed"])
shown_table(table.loc[[6, 12, 18, 24]], dict.fromkeys(table.columns, ".3f"),
            lambda p: i18n.number(p, "d")).rename_axis(i18n.t("nb06_axis_period"))
# %% md retention_read
# %% code claim-retention tags=claim
assert right.get_ylim() == (0.90, 1.0)  # the zoomed axis
assert rate.iloc[1:].is_monotonic_increasing
assert year_means[1] > year_means[0]
assert abs(table.loc[12, "survival"] - table.loc[12, "observed"]) < 0.02  # fitted months
assert table.loc[24, "survival"] < table.loc[24, "observed"]  # in this world
assert not viz.figure_text_problems(fig), viz.figure_text_problems(fig)
# %% code theta
alpha, beta = sbg.params
cohort = w.customers["signup_date"].between("2023-01-01", "2023-12-31") & (w.customers["plan"] == "postpaid")
true_theta = w.truth.customers.loc[cohort.to_numpy(), "monthly_churn_probability"]
fitted_sd = np.sqrt(alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1)))
fits = pd.DataFrame({"mean θ": [alpha / (alpha + beta), true_theta.mean()],
                     "spread of θ (sd)": [fitted_sd, true_theta.std()]},
                    index=["fitted sBG", "truth (2023 cohort)"])
i18n.record(theta_fit=fits.iloc[0, 0], theta_true=fits.iloc[1, 0], sd_fit=fits.iloc[0, 1],
            sd_true=fits.iloc[1, 1])
fits.set_axis([i18n.t("nb06_mean_theta"), i18n.t("nb06_sd_theta")], axis=1).set_axis(
    [i18n.t("nb06_fitted_sbg"), i18n.t("nb06_truth_cohort")]).map(
    lambda v: i18n.number(v, ".3f"))
# %% md theta_read
# %% code claim-theta tags=claim
assert abs(fits.iloc[0, 0] - fits.iloc[1, 0]) < 0.3 * fits.iloc[1, 0]  # the averages are close
assert fits.iloc[1, 1] > 1.5 * fits.iloc[0, 1]  # the truth is spread more widely
assert rate[24] < year_means[1]  # in this world
causes = w.truth.customers.loc[cohort.to_numpy(), "churn_cause"].value_counts()
assert causes["non_payment"] > 0 and causes["dissatisfied_complainer"] > 0
# %% md try_it
# %% md glossary
# %% md reading
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

error_kinds = ["overcharge", "undercharge"]
never_disputed = by_kind.loc[error_kinds, "disputed"].idxmin()
quiz = Quiz([
    Number(i18n.t("nb06_q_disputed"), answer=100 * by_kind.loc["overcharge", "disputed"],
           tolerance=1.0, explain=i18n.t("nb06_q_disputed_why", share=i18n.number(
               by_kind.loc["overcharge", "disputed"], ".1%"))),
    Choice(i18n.t("nb06_q_leak"), options=i18n.labels(error_kinds, prefix="nb06_kind_"),
           answer=error_kinds.index(never_disputed), explain=i18n.t("nb06_q_leak_why")),
    Choice(i18n.t("nb06_q_artefact"), options=[i18n.t("nb06_q_artefact_a"),
                                                i18n.t("nb06_q_artefact_b"),
                                                i18n.t("nb06_q_artefact_c")],
           answer=1, explain=i18n.t("nb06_q_artefact_why")),
    Number(i18n.t("nb06_q_early"), answer=int(early["suspended_but_would_pay"]), tolerance=0.5,
           explain=i18n.t("nb06_q_early_why", pay=int(early["suspended_but_would_pay"]),
                          suspended=int(early["suspended_customers"]))),
])
quiz
# %% code claim-quiz tags=claim
# undercharges are the errors nobody disputes
assert never_disputed == "undercharge" and quiz.questions[1].answer == 1
assert quiz.questions[3].answer == early["suspended_but_would_pay"]
# %% code values tags=values
i18n.show_recorded()
