# %% md intro
# %% code setup
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

import crmlab as crm
from crmlab import i18n, viz

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])   # the world the course uses
# %% md rate
# %% code rate-code
years = ((pd.Timestamp(w.config.end) - w.customers["signup_date"]).dt.days / 365.25).to_numpy()
counts = (w.complaints.groupby("customer_id").size()
          .reindex(w.customers["customer_id"], fill_value=0).to_numpy())
rate = counts.sum() / years.sum()
i18n.record(rate=rate, mean_count=counts.mean(), var_count=counts.var())
print(i18n.t("p02_rate", rate=i18n.number(rate, ".3f")))
print(i18n.t("p02_mean_var", mean=i18n.number(counts.mean(), ".2f"),
             var=i18n.number(counts.var(), ".2f")))
# %% code claim-rate tags=claim
assert counts.sum() == len(w.complaints)
assert counts.var() > counts.mean()   # more spread than one common Poisson rate allows
# %% md likelihood
# %% code likelihood-code
grid = np.linspace(0.05, 2.0, 391)
loglik = np.array([stats.poisson.logpmf(counts, lam * years).sum() for lam in grid])
best = grid[np.argmax(loglik)]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(grid, loglik)
ax.axvline(best, color="grey", linestyle="--")
ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ".1f"))
ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
ax.set(title=i18n.t("p02_fig_loglik_title"), xlabel=i18n.t("p02_axis_rate"),
       ylabel=i18n.t("p02_axis_loglik"))
plt.show()
print(i18n.t("p02_best", best=i18n.number(best, ".3f"), rate=i18n.number(rate, ".3f")))
# %% code claim-likelihood tags=claim
assert abs(best - rate) <= grid[1] - grid[0]   # the maximum sits at events / exposure
assert not viz.figure_text_problems(fig)
# %% md hazard
# %% code hazard-code
post = w.customers[w.customers["plan"] == "postpaid"]
end = post["churn_date"].fillna(pd.Timestamp(w.config.end))
months = ((end - post["signup_date"]).dt.days // 30).to_numpy()
ended = post["churn_date"].notna().to_numpy()
horizon = 24
at_risk = np.array([(months >= m).sum() for m in range(horizon)])
leaving = np.array([((months == m) & ended).sum() for m in range(horizon)])
hazard = leaving / at_risk
survival = np.cumprod(1 - hazard)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
left.bar(range(horizon), hazard)
left.set(title=i18n.t("p02_fig_hazard_title"), xlabel=i18n.t("p02_axis_contract_month"),
         ylabel=i18n.t("p02_axis_hazard"))
right.step(range(1, horizon + 1), survival, where="post")
right.set(title=i18n.t("p02_fig_survival_title"), xlabel=i18n.t("p02_axis_months"),
          ylabel=i18n.t("p02_axis_survival"), ylim=(0, 1))
for axis in (left, right):
    axis.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ".0f"))
    axis.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".2f"))
plt.show()
# %% code claim-hazard tags=claim
assert (hazard >= 0).all() and (hazard <= 1).all()
assert (np.diff(survival) <= 0).all()          # survival can only fall
assert survival[-1] < 1
assert not viz.figure_text_problems(fig)
# %% md bootstrap
# %% code bootstrap-code
rng = np.random.default_rng(0)
n = counts.size
boot = np.array([counts[idx].sum() / years[idx].sum()
                 for idx in (rng.integers(0, n, n) for _ in range(500))])
low, high = np.quantile(boot, [0.025, 0.975])
print(i18n.t("p02_interval", rate=i18n.number(rate, ".3f"), low=i18n.number(low, ".3f"),
             high=i18n.number(high, ".3f")))
# %% code claim-bootstrap tags=claim
assert low < rate < high
assert abs(((boot >= low) & (boot <= high)).mean() - 0.95) < 0.01  # the middle 95%
# %% md try_it
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz  # noqa: E402

larger = counts.var() > counts.mean()
Quiz([
    Number(i18n.t("p02_q_rate"), answer=rate, tolerance=0.01,
           explain=i18n.t("p02_q_rate_why", rate=i18n.number(rate, ".3f"))),
    Choice(i18n.t("p02_q_spread"), options=[i18n.t("p02_q_spread_larger"),
                                            i18n.t("p02_q_spread_smaller")],
           answer=0 if larger else 1,
           explain=i18n.t("p02_q_spread_why", mean=i18n.number(counts.mean(), ".2f"),
                          var=i18n.number(counts.var(), ".2f"))),
    Choice(i18n.t("p02_q_hazard"), options=[i18n.t(f"p02_q_hazard_{k}") for k in "abc"],
           answer=1, explain=i18n.t("p02_q_hazard_why")),
])
# %% code claim-quiz tags=claim
# the second answer is what section 1 says: more spread than a Poisson count
assert larger and 0 < rate < 2
# %% code values tags=values
i18n.show_recorded()
