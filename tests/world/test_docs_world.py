"""docs/world.md says how the synthetic operator works; these tests hold the world to it.

Each test quotes the statement it checks (the quote must still be in docs/world.md, so
that rewording the docs brings the reader here) and checks it on generated worlds: an
English one and the Persian one the course also runs on.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.world.locales import pools
from crmlab.world.params import ChurnParams
from crmlab.world.processes import service as service_process

DOCS = Path(__file__).resolve().parents[2] / "docs" / "world.md"
MONTH = 365.25 / 12.0
DAY = pd.Timedelta(days=1)


def documented(statement: str) -> None:
    """Fail unless docs/world.md still says ``statement`` (whitespace-insensitive)."""
    text = re.sub(r"\s+", " ", DOCS.read_text(encoding="utf-8"))
    assert re.sub(r"\s+", " ", statement) in text, f"docs/world.md no longer says: {statement}"


@pytest.fixture(scope="module", params=[("en_US", 3), ("fa_IR", 7)], ids=["en_US", "fa_IR"])
def w(request):
    locale, seed = request.param
    return crm.make_world("classroom", seed=seed, locale=locale)


def _postpaid(w) -> pd.DataFrame:
    return w.customers[w.customers["plan"] == "postpaid"].set_index("customer_id")


def _truth(w) -> pd.DataFrame:
    return w.truth.customers.set_index("customer_id")


# --- purchases: when prepaid customers can drop out ----------------------------------

def test_prepaid_customers_drop_out_only_right_after_a_repeat_purchase(w):
    documented("right after every *repeat* purchase (never after the first one, as in "
               "the paper")
    documented("So a customer who never buys again never drops out, and a dropout falls "
               "on the day of the customer's last purchase")
    truth = _truth(w)
    tx = w.transactions.groupby("customer_id")["timestamp"].agg(["size", "max"])
    prepaid = w.customers.loc[w.customers["plan"] == "prepaid", "customer_id"]
    t = truth.loc[prepaid].join(tx)
    dropped = t["dropout_date"].notna()
    assert dropped.sum() > 100
    assert (t.loc[dropped, "size"] >= 2).all()  # a first purchase and at least one repeat
    assert t.loc[t["size"] == 1, "dropout_date"].isna().all()  # no repeat: still alive
    gap = (t.loc[dropped, "dropout_date"] - t.loc[dropped, "max"]).abs()
    assert (gap <= pd.Timedelta(seconds=1)).all()  # on the day (moment) of the last one
    assert (t.loc[dropped, "repeats_until_dropout"] == t.loc[dropped, "size"] - 1).all()
    # nobody drops out who bought fewer times than their dropout draw allows
    alive = ~dropped
    assert (t.loc[alive, "size"] - 1 < t.loc[alive, "repeats_until_dropout"]).all()


def test_prepaid_dropout_is_never_recorded(w):
    documented("prepaid customers' `status` is `no_contract` and their `churn_date` is "
               "empty")
    prepaid = w.customers[w.customers["plan"] == "prepaid"]
    assert (prepaid["status"] == "no_contract").all()
    assert prepaid["churn_date"].isna().all()
    churned = w.interactions.loc[w.interactions["purpose"] == "churn", "customer_id"]
    assert not churned.isin(prepaid["customer_id"]).any()
    assert _truth(w).loc[_postpaid(w).index, "dropout_date"].isna().all()


# --- billing -------------------------------------------------------------------------

def test_invoices_come_at_the_end_of_every_completed_month(w):
    documented("one at the end of every completed month since sign-up (a billing month "
               "is 365.25/12 days)")
    post = _postpaid(w)
    post = post[post["winback_date"].isna()]  # no bill is issued while one is away
    inv = w.invoices[w.invoices["customer_id"].isin(post.index)].sort_values(
        ["customer_id", "issue_date"])
    first = inv.groupby("customer_id")["issue_date"].first()
    expected = (post.loc[first.index, "signup_date"] + pd.to_timedelta(MONTH, unit="D")
                ).dt.floor("D")
    assert (first == expected).all()
    steps = inv.groupby("customer_id")["issue_date"].diff().dropna().dt.days
    assert len(steps) > 1000 and steps.isin([30, 31]).all()
    assert ((inv["due_date"] - inv["issue_date"]) == 14 * DAY).all()


def test_the_correct_amount_is_the_fee_plus_the_overage(w):
    documented("the correct amount is the tariff fee plus data overage")
    tariffs = w.tariffs.set_index("tariff_id")
    inv = w.invoices.join(tariffs, on="tariff_id").merge(w.truth.invoices, on="invoice_id")
    fee = inv["monthly_fee"] + (inv["usage_gb"] - inv["included_gb"]).clip(lower=0) \
        * inv["overage_per_gb"]
    # usage is recorded to 1/100 GB, so the recomputed overage may differ by half a cent
    # per GB price
    assert np.allclose(inv["correct_amount"], fee, atol=0.006 * inv["overage_per_gb"].max())


def test_billing_errors_and_disputes(w):
    documented("A share `billing_error_rate` of bills is wrong; most overcharged customers "
               "dispute (a billing complaint and an adjustment), undercharges go unnoticed")
    truth = w.truth.invoices.merge(w.invoices[["invoice_id", "disputed", "adjustment"]],
                                   on="invoice_id")
    wrong = truth["billing_error"] != "none"
    n, rate = len(truth), w.config.billing_error_rate
    assert abs(wrong.mean() - rate) < 4 * np.sqrt(rate * (1 - rate) / n)
    over = truth["billing_error"] == "overcharge"
    assert truth.loc[over, "disputed"].mean() > 0.5
    assert not truth.loc[truth["billing_error"] == "undercharge", "disputed"].any()
    assert not truth.loc[~wrong, "disputed"].any()
    disputed = truth[truth["disputed"]]
    assert np.allclose(disputed["adjustment"], -disputed["error_amount"], atol=0.011)
    billing = w.complaints[w.complaints["category"] == "billing_error"]
    assert set(billing["customer_id"]) <= set(disputed["invoice_id"].map(
        w.invoices.set_index("invoice_id")["customer_id"]))


def test_the_collection_ladder_keeps_its_days(w):
    documented("reminder (due + 7 days), call (+21), suspension (+45), write-off (+90) by "
               "default (`config.billing.collection_offsets`), each step at 09:00 of its day")
    offsets = dict(zip(("reminder", "call", "suspension", "write_off"),
                       w.config.billing.collection_offsets, strict=True))
    assert offsets == {"reminder": 7, "call": 21, "suspension": 45, "write_off": 90}
    steps = w.collections.merge(w.invoices[["invoice_id", "due_date"]], on="invoice_id")
    days = steps["step"].astype(str).map(offsets)
    assert len(steps) > 100 and set(steps["step"].astype(str)) == set(offsets)
    assert ((steps["timestamp"] - steps["due_date"])
            == pd.to_timedelta(days, unit="D") + pd.Timedelta(hours=9)).all()


def test_only_a_bill_never_paid_ends_the_contract(w):
    documented("Only a bill that is never paid ends the contract: its suspension is the "
               "customer's churn (`non_payment`, involuntary). A late payer whose bill "
               "reaches the suspension step and who then pays keeps the contract")
    post, truth = _postpaid(w), _truth(w)
    inv = w.invoices.join(post[["churn_date", "winback_date"]], on="customer_id")
    after_due = (inv["churn_date"] - inv["due_date"]) / DAY
    suspended_here = after_due.between(45, 46, inclusive="left")
    unpaid = inv["status"].isin(["written_off", "open"])
    non_payment = truth.index[truth["churn_cause"] == "non_payment"]
    assert len(non_payment) > 10
    ended = inv.loc[suspended_here & unpaid, "customer_id"]
    assert set(non_payment) <= set(ended)  # every such churn is a never-paid bill's
    late = inv[(inv["collection_step"].isin(["suspension", "write_off"]))
               & (inv["status"] == "paid_late")]
    assert len(late) > 10
    assert not (suspended_here & (inv["status"] == "paid_late")).any()
    later = w.invoices.merge(late[["customer_id", "issue_date"]], on="customer_id",
                             suffixes=("", "_late"))
    assert (later["issue_date"] > later["issue_date_late"] + pd.Timedelta(days=60)).any()


def test_voluntary_churn_is_shifted_beta_geometric(w):
    documented("a monthly churn probability θ ~ Beta per customer, and the contract ends "
               "at the end of a month (`contract_end`)")
    post, truth = _postpaid(w), _truth(w)
    t = truth.loc[post.index].join(post[["signup_date", "churn_date"]].add_suffix("_seen"))
    ended = t[(t["churn_cause"] == "contract_end") & ~t["won_back"]]
    assert len(ended) > 50
    months = (ended["churn_date_seen"] - ended["signup_date_seen"]) / DAY / MONTH
    assert np.allclose(months, ended["months_until_churn"], atol=1e-4)
    theta = t["monthly_churn_probability"]
    assert theta.between(0, 1).all() and theta.std() > 0


# --- service ------------------------------------------------------------------------

def test_complaints_peak_in_winter_and_summer(w):
    documented("Complaints follow the season (winter and summer peaks)")
    from crmlab.analytics.service import complaint_panel

    panel = complaint_panel(w.complaints, w.customers, w.weather)
    by = panel.groupby("month_of_year")[["complaints", "customers"]].sum()
    rate = by["complaints"] / by["customers"]
    peaks = rate.loc[[12, 1, 2, 7, 8]].mean()
    quiet = rate.loc[[4, 5, 10, 11]].mean()
    assert peaks > 1.2 * quiet
    season = np.array(w.config.service.season)
    assert season[[0, 1, 6, 7, 11]].min() > season[[3, 4, 9, 10]].max()


def _many_storms(locale: str):
    return crm.make_world(crm.WorldConfig(n_customers=200, locale=locale,
                                          weather_events_per_year=80), seed=11)


@pytest.mark.parametrize("locale, snow_region, flood_region", [
    ("fa_IR",  # north-west / south-west of Iran
     {"آذربایجان شرقی", "آذربایجان غربی", "اردبیل", "زنجان", "کردستان", "همدان",
      "کرمانشاه", "قزوین"},
     {"خوزستان", "لرستان", "ایلام", "کهگیلویه و بویراحمد", "چهارمحال و بختیاری", "بوشهر",
      "فارس"}),
    ("en_US",  # the northern states / the Gulf coast
     {"New York", "Illinois", "Pennsylvania", "Ohio", "Michigan", "Minnesota", "Colorado",
      "Washington"},
     {"Louisiana", "Florida", "Texas"}),
])
def test_snow_in_the_cold_region_in_winter_floods_in_the_river_region_in_spring(
        locale, snow_region, flood_region):
    documented("snow storms (December–February, provinces with a snow risk: the north-west "
               "of Iran, the northern US states) and floods (March–May, river provinces: the "
               "south-west of Iran, the Gulf coast)")
    weather = _many_storms(locale).weather
    snow = weather[weather["event_type"] == "snow"]
    flood = weather[weather["event_type"] == "flood"]
    assert len(snow) > 50 and len(flood) > 50
    assert snow["start_date"].dt.month.isin([12, 1, 2]).all()
    assert flood["start_date"].dt.month.isin([3, 4, 5]).all()
    assert snow["province"].astype(str).isin(snow_region).mean() > 0.6
    assert flood["province"].astype(str).isin(flood_region).mean() > 0.5
    provinces = {p.name: p for p in pools(locale).provinces}
    assert all(provinces[p].snow > 0 for p in snow["province"].astype(str))
    assert all(provinces[p].flood > 0 for p in flood["province"].astype(str))
    assert snow["province"].astype(str).value_counts().index[0] in snow_region
    assert flood["province"].astype(str).value_counts().index[0] in flood_region


def test_weather_raises_repair_complaints(w):
    documented("repair and outage complaints rise in provinces hit by snow storms")
    from crmlab.analytics.service import complaint_panel, fit_complaint_glm

    mix = dict(zip(service_process.CATEGORIES, w.config.service.weather_mix, strict=True))
    assert {k for k, v in mix.items() if v > 0} == {"repair_delay", "outage"}
    c = w.complaints
    for kind in (["repair_delay"], ["repair_delay", "outage"]):
        panel = complaint_panel(c[c["category"].isin(kind)], w.customers, w.weather)
        glm = fit_complaint_glm(panel)  # province and month of year held fixed
        assert glm.conf_int().loc["weather_days", 0] > 0, kind
    calm = fit_complaint_glm(complaint_panel(w.complaints, w.customers, w.weather,
                                             category="staff"))
    assert calm.conf_int().loc["weather_days", 0] < 0.05  # staff complaints: no such rise


def test_the_service_load_depends_on_season_and_weather_not_on_customers(w):
    documented("That load depends on the season and the weather only, not on how many "
               "customers the operator has: a growing base does not slow the answers.")
    cfg = w.config
    table = service_process.load_ratio(cfg, service_process.weather_intensity(cfg, w.weather))
    c = w.complaints.merge(w.truth.complaints, on="complaint_id")
    day = ((c["opened_at"] - cfg.start_ts) / DAY).astype(int).clip(upper=cfg.n_days - 1)
    expected = table[c["province"].cat.codes.to_numpy(), day.to_numpy()]
    assert np.allclose(c["load_ratio"], np.round(expected, 4), atol=1e-9)


def test_the_channel_sets_the_pace_and_the_mix_drifts_to_digital(w):
    documented("a complaint's base response time is set by its channel (the call centre "
               "answers fastest, the web slowest; `base_response_hours`), and the channel "
               "mix drifts from the call centre to SMS, the web and social media")
    median = w.complaints.groupby("channel", observed=True)["first_response_hours"].median()
    assert median.idxmin() == "call_centre" and median.idxmax() == "web"
    mix = pd.crosstab(w.complaints["opened_at"].dt.year, w.complaints["channel"],
                      normalize="index")
    assert mix["call_centre"].is_monotonic_decreasing
    assert (mix[["sms", "web", "social"]].sum(axis=1)).is_monotonic_increasing


def test_satisfaction_falls_with_waiting_supervisors_and_unresolved_cases(w):
    documented("satisfaction (1–5) falls with the response time, with escalation to "
               "supervisors (levels 1–2) and with an unresolved case, while an executive's "
               "involvement (level 3) gives a little back")
    c = w.complaints
    by_level = c.groupby("escalation_level")["satisfaction"].mean()
    assert by_level.loc[0] > by_level.loc[1] and by_level.loc[0] > by_level.loc[2]
    assert c.loc[c["resolved_at"].isna(), "satisfaction"].mean() \
        < c.loc[c["resolved_at"].notna(), "satisfaction"].mean()
    level0 = c[c["escalation_level"] == 0]
    slow = level0["first_response_hours"] > level0["first_response_hours"].median()
    assert level0.loc[slow, "satisfaction"].mean() < level0.loc[~slow, "satisfaction"].mean()
    svc = w.config.service
    assert svc.satisfaction_supervisor > 0 and svc.satisfaction_executive > 0


def test_silent_failures_leave_no_complaint(w):
    documented("Serious service failures strike some customers; `silent_share` of them "
               "never complain.")
    truth = _truth(w)
    failed = truth["service_failure_date"].notna()
    share = truth.loc[failed, "silent_failure"].mean()
    n, p = failed.sum(), w.config.silent_share
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)
    c = w.complaints.merge(w.truth.complaints, on="complaint_id")
    loud = c.loc[c["service_failure"], "customer_id"]
    assert not truth.index[truth["silent_failure"]].isin(loud).any()


def test_churn_causes_and_their_timing(w):
    documented("Postpaid customers who end a complaint very dissatisfied (satisfaction 1 or "
               "2) leave with probability `churn.after_bad_complaint`, 3–30 days later")
    documented("those who suffered a failure in silence leave with probability "
               "`churn.after_silent_failure`, 5–40 days after it")
    post, truth = _postpaid(w), _truth(w)
    causes = {"none", "dropout", "contract_end", "non_payment", "dissatisfied_complainer",
              "dissatisfied_silent"}
    assert set(truth["churn_cause"].cat.categories) == causes
    prepaid = truth.index.difference(post.index)
    assert set(truth.loc[prepaid, "churn_cause"]) <= causes - {"contract_end", "non_payment"}
    assert "dropout" not in set(truth.loc[post.index, "churn_cause"])

    t = truth.loc[post.index].join(post[["churn_date"]].add_suffix("_seen"))
    complainers = t[(t["churn_cause"] == "dissatisfied_complainer") & ~t["won_back"]]
    assert len(complainers) > 20
    bad = w.complaints[w.complaints["satisfaction"] <= 2].join(
        complainers["churn_date_seen"], on="customer_id", how="inner")
    before = (bad["churn_date_seen"] - bad["opened_at"]) / DAY
    ok = before.between(3 - 1e-6, 30 + 1e-6).groupby(bad["customer_id"]).any()
    assert ok.reindex(complainers.index, fill_value=False).all()

    silent = t[t["churn_cause"] == "dissatisfied_silent"]
    assert len(silent) > 3 and silent["silent_failure"].all()
    after = (silent["churn_date_seen"] - silent["service_failure_date"]) / DAY
    assert after.between(5 - 1e-6, 40 + 1e-6).all()


def test_prepaid_dropouts_after_a_failure(w):
    documented("a share `prepaid_failure_before_dropout` of dropouts follow a service "
               "failure 1–30 days earlier (labelled `dissatisfied_silent` or "
               "`dissatisfied_complainer` in the truth)")
    truth = _truth(w)
    prepaid = truth[truth["dropout_date"].notna()]
    failed = prepaid["service_failure_date"].notna()
    n, p = len(prepaid), w.config.service.prepaid_failure_before_dropout
    assert abs(failed.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)  # 4.4 sd on fa_IR seed 7
    gap = (prepaid.loc[failed, "dropout_date"] - prepaid.loc[failed, "service_failure_date"]
           ) / DAY
    assert gap.between(0, 30 + 1e-6).all()  # 1-30 days, or from the sign-up if sooner
    assert prepaid.loc[failed, "churn_cause"].isin(
        ["dissatisfied_silent", "dissatisfied_complainer"]).all()
    assert (prepaid.loc[~failed, "churn_cause"] == "dropout").all()


def test_a_very_dissatisfied_complaint_leads_to_leaving_whatever_its_topic():
    documented("leave with probability `churn.after_bad_complaint`, 3–30 days later, "
               "whatever the complaint was about")
    w = crm.make_world("classroom", seed=5, churn=ChurnParams(after_bad_complaint=1.0))
    post = _postpaid(w)
    departures = pd.concat([
        w.interactions.loc[w.interactions["purpose"] == "churn", ["customer_id", "timestamp"]],
        post["churn_date"].dropna().rename("timestamp").reset_index()])
    # a customer won back stays to the end of the contract: their complaints after the
    # return lead nowhere, so they are left out
    returned = w.complaints["customer_id"].map(post["winback_date"])
    c = w.complaints[w.complaints["customer_id"].isin(post.index)
                     & (w.complaints["satisfaction"] <= 2)
                     & ~(w.complaints["opened_at"] > returned)
                     & (w.complaints["opened_at"] < w.config.end_ts - pd.Timedelta(days=32))]
    pairs = c[["complaint_id", "customer_id", "opened_at", "category"]].merge(
        departures, on="customer_id")
    soon = ((pairs["timestamp"] - pairs["opened_at"]) / DAY).between(0, 30 + 1e-6)
    left = soon.groupby(pairs["complaint_id"]).any().reindex(c["complaint_id"],
                                                             fill_value=False)
    assert len(c) > 100 and left.all()  # every topic, every time
    assert c["category"].nunique() >= 4

    calm = crm.make_world("classroom", seed=5, churn=ChurnParams(
        after_bad_complaint=0.0, after_silent_failure=0.0))
    causes = _truth(calm).loc[_postpaid(calm).index, "churn_cause"]
    assert not causes.isin(["dissatisfied_complainer", "dissatisfied_silent"]).any()


def test_win_back_needs_an_executive_and_a_complaint(w):
    documented("The complaint after which a customer decides to leave is raised to an "
               "executive with probability `churn.executive_escalation`")
    documented("if an executive took it, `winback_rate` of those customers come back 7–60 "
               "days after leaving. Silent leavers are never won back.")
    post, truth = _postpaid(w), _truth(w)
    back = post[post["winback_date"].notna()]
    assert len(back) > 5 and (post["status"] == "won_back").sum() <= len(back)
    assert truth.loc[back.index, "won_back"].all()
    assert truth["won_back"].sum() == len(back)
    left = w.interactions[w.interactions["purpose"] == "churn"].groupby("customer_id")[
        "timestamp"].min().reindex(back.index)
    away = (back["winback_date"] - left) / DAY
    assert away.between(7 - 1e-6, 60 + 1e-6).all()
    c = w.complaints.join(left.rename("left"), on="customer_id", how="inner")
    before = c[(c["opened_at"] < c["left"])]
    executive = before.groupby("customer_id")["escalation_level"].max() == 3
    bad_soon = (before["satisfaction"] <= 2) & ((before["left"] - before["opened_at"]) / DAY
                                                 ).between(3 - 1e-6, 30 + 1e-6)
    assert executive.reindex(back.index, fill_value=False).all()
    assert bad_soon.groupby(before["customer_id"]).any().reindex(back.index,
                                                                 fill_value=False).all()
    assert truth.loc[back.index, "churn_cause"].isin(["none", "contract_end"]).all()


# --- population, marketing, loyalty ----------------------------------------------------

def test_sign_ups_grow_and_digital_channels_gain(w):
    documented("Sign-ups grow by `acquisition_growth` a year; web and referral acquisition "
               "gain share over time")
    c = w.customers
    year = c["signup_date"].dt.year
    counts = year.value_counts().sort_index()
    assert counts.is_monotonic_increasing
    digital = c["acquisition_channel"].isin(["web", "referral"]).groupby(year).mean()
    assert digital.is_monotonic_increasing
    postpaid = (c["plan"] == "postpaid").groupby(_truth(w).loc[c["customer_id"],
                                                                "segment"].to_numpy()).mean()
    assert postpaid["loyal_heavy"] > postpaid["occasional"]


def test_referrals_and_event_ids_stay_in_their_block():
    documented("Referral links stay inside a block. Event ids carry the block number "
               "(`T000300000017` is event 17 of block 3)")
    w = crm.make_world(crm.WorldConfig(n_customers=3000, block_size=1000), seed=2)

    def block(ids: pd.Series) -> np.ndarray:
        return (ids.str[1:].astype(int).to_numpy() - 1) // 1000

    assert len(w.referrals) > 20
    assert (block(w.referrals["referrer_id"]) == block(w.referrals["referred_id"])).all()
    tx = w.transactions
    assert (tx["transaction_id"].str[1:5].astype(int).to_numpy()
            == block(tx["customer_id"])).all()


def test_campaigns_and_the_loyalty_programme_change_no_purchase_or_churn():
    documented("responses are booked in the contacts table and add no purchases, so "
               "`transactions` stay a pure BG/NBD process")
    documented("in this world the programme changes nothing (no purchase and no churn "
               "depends on membership; the gap is pure selection)")
    base = crm.WorldConfig(n_customers=1500)
    worlds = [crm.make_world(base.replace(**kw), seed=4) for kw in (
        {}, {"campaigns_per_year": 12}, {"loyalty_launch_months": 0},
        {"loyalty_launch_months": 600})]
    assert len(worlds[1].contacts) > len(worlds[0].contacts)
    assert len(worlds[2].loyalty) > len(worlds[0].loyalty) > len(worlds[3].loyalty) == 0
    for other in worlds[1:]:
        pd.testing.assert_frame_equal(other.transactions, worlds[0].transactions)
        pd.testing.assert_series_equal(other.customers["churn_date"],
                                       worlds[0].customers["churn_date"])
    groups = worlds[0].contacts.groupby("campaign_id")["group"].agg(set)
    assert (groups.map(len) == 2).all()  # every campaign keeps a control group
    truth = _truth(worlds[0])
    members = truth["loyalty_member"].astype(bool)
    purchases = worlds[0].transactions.groupby("customer_id").size().reindex(
        truth.index, fill_value=0)
    assert purchases[members].mean() > 1.5 * purchases[~members].mean()  # selection
    assert truth.loc[members, "alive_at_end"].mean() > truth.loc[~members,
                                                                 "alive_at_end"].mean()


def test_presets_and_money():
    documented("| `classroom` | 5,000 | 2023–2025 |")
    documented("one model unit is 50,000 rials")
    from crmlab.world.config import PRESETS

    rows = {"tiny": (500, "2024-01-01", "2024-12-31"),
            "classroom": (5_000, "2023-01-01", "2025-12-31"),
            "research": (100_000, "2023-01-01", "2025-12-31"),
            "large": (1_000_000, "2023-01-01", "2025-12-31")}
    for name, (n, start, end) in rows.items():
        documented(f"| `{name}` | {n:,} |")
        cfg = PRESETS[name]
        assert (cfg.n_customers, cfg.start, cfg.end) == (n, start, end)
    us = crm.make_world("tiny", seed=1).tariffs["monthly_fee"].to_numpy()
    ir = crm.make_world("tiny", seed=1, locale="fa_IR").tariffs["monthly_fee"].to_numpy()
    from crmlab.world.locales import fa_IR

    assert np.allclose(ir, fa_IR.MONEY_SCALE * us)


def test_interactions_hold_every_touchpoint(w):
    documented("One table of every touchpoint — sign-up, store visit, complaint, "
               "escalation, executive call, dispute, collection step, campaign contact, "
               "churn, win-back")
    assert set(w.interactions["purpose"].astype(str)) == {
        "signup", "store_visit", "complaint", "escalation", "executive_call",
        "billing_dispute", "collections", "campaign_contact", "churn", "winback"}
    assert (w.interactions["purpose"] == "signup").sum() == len(w.customers)
    assert (w.interactions["purpose"] == "complaint").sum() == len(w.complaints)
