# %% md title
# %% md indicators
# %% code setup
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import crmlab as crm
from crmlab import i18n, viz
from crmlab.analytics import scorecard as sc
from crmlab.widgets.scorecard import scorecard_table_labels
from crmlab.world.labels import COMPLAINT_CHANNELS

i18n.set_language(LANG)
i18n.clear_recorded()
viz.use_house_style()
w = crm.load_dataset(i18n.DATASETS[LANG])  # English: a US operator; Persian: an Iranian one
agree = sc.silo_record_agreement(w.customers, w.silos, w.truth.silo_mapping)
name_variants = w.truth.silo_mapping["name_variant"].mean()
i18n.record(agree_share=agree.mean(), n_customers=len(w.customers), name_variants=name_variants)
print(i18n.t("nb08_agreement", n=len(agree), share=i18n.number(agree.mean(), ".1%")))
# %% code claim-setup tags=claim
# "per 100 active customers" is the indicator's own definition
assert "per 100 active customers" in sc.INDICATORS["complaints_per_100_change"][2]
assert list(sc.PRINCIPLES) == ["customer_centricity", "customer_understanding",
                               "active_communication", "quick_response",
                               "continuous_improvement", "internal_alignment"]
# the Iranian operator's systems write names differently far more often than the US one's
assert name_variants > 0.3 if w.config.locale == "fa_IR" else name_variants < 0.2
# %% md one_year
# %% code card
this_year = sc.principle_scorecard(w.tables, start="2025-01-01", end="2026-01-01",
                                   silo_agreement=agree)
last_year = sc.principle_scorecard(w.tables, start="2024-01-01", end="2025-01-01",
                                   silo_agreement=agree)
card = pd.DataFrame({"2024": last_year["value"], "2025": this_year["value"],
                     "better": this_year["better"]})
sign = card["better"].map({"higher": 1, "lower": -1, "info": 0})
# improvement indicators are already changes: judge their own sign
is_change = card.index.get_level_values("principle") == "continuous_improvement"
step = np.where(is_change, card["2025"], card["2025"] - card["2024"]) * sign
card["verdict"] = np.select([step > 1e-9, step < -1e-9], ["better", "worse"], "-")
v = card.droplevel("principle")[["2024", "2025"]].T.astype(float)
i18n.record(hours_2024=v.loc["2024", "median_first_response_hours"],
            hours_2025=v.loc["2025", "median_first_response_hours"],
            digital_2024=v.loc["2024", "digital_complaint_share"],
            digital_2025=v.loc["2025", "digital_complaint_share"],
            feedback_2024=v.loc["2024", "feedback_coverage"],
            feedback_2025=v.loc["2025", "feedback_coverage"],
            collections_open_2025=v.loc["2025", "collections_during_open_complaint"],
            silo_2024=v.loc["2024", "silo_consistency"],
            silo_2025=v.loc["2025", "silo_consistency"])
scorecard_table_labels(card.round(3))
# %% code claim-card tags=claim
assert w.complaints["opened_at"].dt.year.max() == 2025  # the last year of the history
assert card.columns[:2].tolist() == ["2024", "2025"]
# %% md one_year_read
# %% code claim-one-year tags=claim
hours = v["median_first_response_hours"]
assert hours["2025"] > hours["2024"]
assert v.loc["2025", "satisfaction_change"] < 0
assert v.loc["2025", "complaints_per_100_change"] > 0
assert (v.loc["2025", ["digital_complaint_share", "feedback_coverage"]]
        > v.loc["2024", ["digital_complaint_share", "feedback_coverage"]]).all()
assert 0.03 < v.loc["2025", "collections_during_open_complaint"] < 0.15  # a quiet problem
assert abs(v.loc["2025", "silo_consistency"] - v.loc["2024", "silo_consistency"]) < 0.05
# %% code by-channel
year = w.complaints["opened_at"].dt.year.rename("year")
by_channel = (w.complaints.groupby([year, "channel"], observed=True)["first_response_hours"]
              .median().unstack())
channel_share = pd.crosstab(year, w.complaints["channel"], normalize="index")
ch, sh = by_channel, channel_share
i18n.record(**{f"call_{y}": ch.loc[y, "call_centre"] for y in ch.index},
            **{f"web_{y}": ch.loc[y, "web"] for y in ch.index},
            call_share_2023=sh.loc[2023, "call_centre"], call_share_2025=sh.loc[2025, "call_centre"],
            web_share_2023=sh.loc[2023, "web"], web_share_2025=sh.loc[2025, "web"])
pd.concat({i18n.t("nb08_col_median_hours"): by_channel,
           i18n.t("nb08_col_channel_share"): channel_share}, axis=1).round(3).rename(
    columns=lambda c: i18n.t(f"channel_{c}") if c in COMPLAINT_CHANNELS else c).rename_axis(
    index=i18n.t("nb08_col_year"), columns=[None, i18n.t("nb08_col_channel")])
# %% md by_channel_read
# %% code split
split = sc.channel_mix_decomposition(w.complaints, freq="Y")
last, first = split.loc["2025"], split.loc["2023", "observed"]
i18n.record(hours_2023=first, change=last["change"], channel_mix=last["channel_mix"],
            within_channels=last["within_channels"], at_base_mix=last["at_base_mix"])
split.round(2).rename(columns=lambda c: i18n.t(f"nb08_col_{c}")).rename_axis(
    i18n.t("nb08_col_period"))
# %% md split_read
# %% code claim-split tags=claim
assert year.min() == 2023 and year.max() == 2025
assert split["observed"].is_monotonic_increasing
# by phone and on the web the response time moves far less than the overall median
assert (ch.max() - ch.min())[["call_centre", "web"]].max() < hours["2025"] - first
assert sh.loc[2025, "call_centre"] < sh.loc[2023, "call_centre"] / 1.5  # the phone's share fell
assert sh.loc[2025, "web"] > sh.loc[2023, "web"] * 1.5                  # the web's rose
assert (ch["web"] > 3 * ch["call_centre"]).all()  # several times as long
# the same median as the scorecard's
assert np.isclose(last["observed"], hours["2025"]) and np.isclose(split.loc["2024", "observed"], hours["2024"])
assert last["channel_mix"] > 0.75 * last["change"]  # the mix, not the channels
assert last["channel_mix"] > 3 * abs(last["within_channels"])
assert abs(last["at_base_mix"] - first) < 0.25 * last["change"]  # close to the first year
svc = dict(zip(COMPLAINT_CHANNELS, w.config.service.base_response_hours, strict=True))
assert svc["web"] == 6 * svc["call_centre"]
trend = dict(zip(COMPLAINT_CHANNELS, w.config.service.channel_trend, strict=True))
assert trend["call_centre"] < 0 < min(trend["web"], trend["social"], trend["sms"])
# %% code quarters
quarters = sc.scorecard_over_time(w.tables, freq="Q", silo_agreement=agree)
fig = viz.plot_scorecard_trends(quarters, lang=LANG,
                                highlight=["2025Q1", "2025Q2", "2025Q3", "2025Q4"])
plt.show()
# %% md quarters_read
# %% code claim-quarters tags=claim
q = quarters.droplevel("principle").loc["median_first_response_hours"]
q.index = pd.PeriodIndex(q.index, freq="Q")
for y in (2023, 2024, 2025):
    slow = q[(q.index.year == y) & q.index.quarter.isin([1, 3])]
    fast = q[(q.index.year == y) & q.index.quarter.isin([2, 4])]
    assert slow.mean() > fast.mean() and slow.max() > fast.max(), y
season = np.asarray(w.config.service.season).reshape(4, 3).mean(axis=1)
assert min(season[0], season[2]) > max(season[1], season[3])
assert season.argmax() == 0  # the winter quarter
share = quarters.droplevel("principle").loc["value_targeted_contact_share"].dropna()
assert share.isin([0, 1]).mean() > 0.5  # mostly all or nothing
assert w.campaigns["start_date"].dt.to_period("Q").value_counts().max() <= 2
assert w.campaigns["kind"].nunique() >= 2
assert not viz.figure_text_problems(fig)
# %% code years
years = sc.scorecard_over_time(w.tables, freq="Y", silo_agreement=agree)
scorecard_table_labels(years.round(3))
# %% code claim-years tags=claim
assert years.columns.tolist() == ["2023", "2024", "2025"]
assert np.isclose(years.droplevel("principle").loc["median_first_response_hours", "2023"], first)
# %% md segments
# %% code segments-data
groups = {plan: ids for plan, ids in w.customers.groupby("plan", observed=True)["customer_id"]}
groups |= {seg: ids for seg, ids in w.truth.customers.groupby("segment", observed=True)["customer_id"]}
by_segment = pd.DataFrame({
    name: sc.principle_scorecard(w.tables, start="2025-01-01", end="2026-01-01",
                                 customer_ids=ids, silo_agreement=agree)["value"]
    for name, ids in groups.items()})
seg = by_segment.droplevel("principle")[sorted(w.truth.customers["segment"].astype(str).unique())]
dy = seg["digital_young"]
i18n.record(young_feedback=dy["feedback_coverage"], young_digital=dy["digital_complaint_share"],
            young_hours=dy["median_first_response_hours"],
            heavy_contact=seg.loc["contact_rate", "loyal_heavy"],
            heavy_targeted=seg.loc["value_targeted_contact_share", "loyal_heavy"],
            hunter_targeted=seg.loc["value_targeted_contact_share", "price_hunter"])
scorecard_table_labels(by_segment.droplevel("principle").round(3)).rename(
    columns=lambda g: i18n.t(f"nb08_group_{g}"))
# %% md segments_read
# %% code claim-segments tags=claim
assert seg.loc["feedback_coverage"].idxmax() == "digital_young"
assert seg.loc["digital_complaint_share"].idxmax() == "digital_young" and dy["digital_complaint_share"] > 0.9
assert seg.loc["median_first_response_hours"].idxmax() == "digital_young"
assert seg.loc["contact_rate"].idxmax() == "loyal_heavy"
lh, ph = seg.loc["value_targeted_contact_share", ["loyal_heavy", "price_hunter"]]
assert lh < ph
assert by_segment.droplevel("principle").loc[["collections_during_open_complaint",
                                              "disputed_bill_share"], "prepaid"].isna().all()
# %% code change
head = {p: ind for p, (ind, _) in sc.HEADLINE.items()}
vals = years.droplevel("principle")
change = pd.Series({p: (vals.loc[i, "2025"] - vals.loc[i, "2024"]) / abs(vals.loc[i, "2024"])
                    * (1 if sc.INDICATORS[i][1] == "higher" else -1) for p, i in head.items()})
fig, ax = plt.subplots(figsize=(8, 4))
# blue for better, orange and hatched for worse: readable without colour vision
bars = ax.barh(i18n.labels(change.index), 100 * change,
               color=np.where(change > 0, viz.PALETTE[0], viz.PALETTE[1]))
for bar, worse in zip(bars, change <= 0, strict=True):
    bar.set_hatch("//" if worse else "")
ax.axvline(0, color="black", linewidth=0.8)
ax.invert_yaxis()
ax.xaxis.set_major_formatter(lambda x, _: i18n.number(x, ",.0f"))
ax.set(title=i18n.t("nb08_fig_change_title", this=i18n.number(2025, "d"),
                    last=i18n.number(2024, "d")),
       xlabel=i18n.t("nb08_axis_change"), ylabel=i18n.t("nb08_axis_principle"))
plt.show()
# %% md change_read
# %% code claim-change tags=claim
assert change["quick_response"] < 0 and change["active_communication"] > 0
assert sc.HEADLINE["quick_response"][0] == "median_first_response_hours"
assert sc.HEADLINE["active_communication"][0] == "digital_complaint_share"
assert not viz.figure_text_problems(fig)
# %% code explorer
from crmlab.widgets.scorecard import scorecard_explorer

scorecard_explorer(w)
# %% md cannot_do
# %% md self_check
# %% code quiz tags=quiz
from crmlab.widgets import Choice, Number, Quiz

causes = ["within_channels", "channel_mix", "more_customers"]  # the options
cause = "channel_mix" if last["channel_mix"] > abs(last["within_channels"]) else "within_channels"
groups_asked = ["loyal_heavy", "steady", "digital_young", "price_hunter", "occasional"]
slowest = seg.loc["median_first_response_hours", groups_asked].idxmax()
Quiz([
    Choice(i18n.t("nb08_q_cause"), options=[i18n.t(f"nb08_q_cause_{c}") for c in causes],
           answer=causes.index(cause),
           explain=i18n.t("nb08_q_cause_why", change=i18n.number(last["change"], ".1f"),
                          mix=i18n.number(last["channel_mix"], ".1f"))),
    Number(i18n.t("nb08_q_digital"), answer=round(100 * v.loc["2025", "digital_complaint_share"], 1),
           tolerance=1.0, explain=i18n.t("nb08_q_digital_why")),
    Choice(i18n.t("nb08_q_slowest"), options=[i18n.t(f"nb08_group_{g}") for g in groups_asked],
           answer=groups_asked.index(slowest),
           explain=i18n.t("nb08_q_slowest_why",
                          hours=i18n.number(seg.loc["median_first_response_hours", slowest], ".1f"))),
    Choice(i18n.t("nb08_q_yoy"), options=[i18n.t(f"nb08_q_yoy_{k}") for k in "abc"], answer=2,
           explain=i18n.t("nb08_q_yoy_why")),
])
# %% code claim-quiz tags=claim
# the quiz's answers are the ones the notebook found
assert cause == "channel_mix" and slowest == "digital_young"
# %% md glossary
# %% md further_reading
# %% code values tags=values
i18n.show_recorded()
