"""Each process tells the story it is meant to tell (on the classroom world)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.rules import queue_delay_factor


@pytest.fixture(scope="module")
def world():
    return crm.make_world("classroom", seed=42)


@pytest.fixture(scope="module")
def world_fa():
    return crm.make_world("classroom", seed=42, locale="fa_IR")


def test_segments_behave_differently(world):
    t = world.truth.customers.groupby("segment", observed=True)["purchase_rate"].mean()
    assert t["loyal_heavy"] > 2 * t["steady"] > 2 * t["occasional"]


def test_prepaid_leaving_is_never_observed(world):
    prepaid = world.customers["plan"] == "prepaid"
    assert (world.customers.loc[prepaid, "status"] == "no_contract").all()
    truly_left = ~world.truth.customers.loc[prepaid.to_numpy(), "alive_at_end"]
    assert truly_left.mean() > 0.3


def test_postpaid_churn_is_recorded(world):
    post = world.customers[world.customers["plan"] == "postpaid"]
    churned = post["status"].isin(["churned"])
    assert churned.any() and post.loc[churned, "churn_date"].notna().all()
    assert (post["status"] == "won_back").sum() >= 5


def test_contacts_reveal_the_matching_potential_outcome(world):
    c = world.contacts.merge(world.truth.contacts, on=["campaign_id", "customer_id"])
    assert len(c) == len(world.contacts)
    treat = c["group"] == "treatment"
    assert (c.loc[treat, "responded"] == c.loc[treat, "response_if_contacted"].astype(bool)).all()
    assert (c.loc[~treat, "responded"] == c.loc[~treat, "response_if_not_contacted"]
            .astype(bool)).all()


def test_call_lists_are_full_of_sure_things(world):
    c = world.contacts.merge(world.campaigns[["campaign_id", "kind"]], on="campaign_id")
    calls = c[c["kind"] == "call_list"]
    control_rate = calls.loc[calls["group"] == "control", "responded"].mean()
    treated_rate = calls.loc[calls["group"] == "treatment", "responded"].mean()
    assert control_rate > 0.1  # many would have bought anyway
    assert treated_rate - control_rate < treated_rate / 2  # most "response" is not caused


def test_loyalty_members_are_selected_not_made(world):
    member = world.truth.customers.set_index("customer_id")["loyalty_member"]
    buys = world.transactions.groupby("customer_id").size().reindex(member.index, fill_value=0)
    prepaid = (world.customers.set_index("customer_id")["plan"] == "prepaid")
    assert buys[member & prepaid].mean() > 1.5 * buys[~member & prepaid].mean()
    joined = world.loyalty[world.loyalty["event"] == "join"]
    assert joined["customer_id"].is_unique and (world.loyalty["balance"] >= 0).all()


def test_snow_and_floods_raise_repair_complaints(world):
    repairs = world.complaints[world.complaints["category"] == "repair_delay"]
    hit = pd.Series(False, index=repairs.index)
    for ev in world.weather.itertuples():  # a handful of events
        hit |= ((repairs["province"] == ev.province)
                & (repairs["opened_at"] >= ev.start_date)
                & (repairs["opened_at"] <= ev.end_date + pd.Timedelta(days=7)))
    # share of all province-days that lie inside an event or its backlog week
    event_days = sum((ev.end_date - ev.start_date).days + 8 for ev in world.weather.itertuples())
    n_provinces = len(world.customers["province"].cat.categories)
    share_of_calendar = event_days / (world.config.n_days * n_provinces)
    assert hit.mean() > 3 * share_of_calendar


def test_slow_answers_and_escalation_hurt_satisfaction(world):
    c = world.complaints
    fast = c["first_response_hours"] < c["first_response_hours"].median()
    assert c.loc[fast, "satisfaction"].mean() > c.loc[~fast, "satisfaction"].mean()
    assert (c.groupby("escalation_level")["satisfaction"].mean().loc[0]
            > c.groupby("escalation_level")["satisfaction"].mean().loc[2])


def test_queue_delay_grows_with_load():
    f = queue_delay_factor(np.array([0.3, 0.7, 0.95, 1.5, 3.0]))
    assert (np.diff(f) >= 0).all() and f[0] < 1.1 and f[-1] < 25


def test_dissatisfied_customers_leave(world):
    post = world.customers["plan"] == "postpaid"
    worst = world.complaints.groupby("customer_id")["satisfaction"].min()
    cust = world.customers[post].set_index("customer_id")
    unhappy = worst.reindex(cust.index) <= 2
    left = cust["status"] != "active"
    assert left[unhappy].mean() > left[~unhappy].mean()
    causes = set(world.truth.customers["churn_cause"].unique())
    assert {"dissatisfied_silent", "dissatisfied_complainer", "contract_end"} <= causes


def test_billing_errors_cost_money(world):
    truth = world.truth.invoices
    assert 0.005 < (truth["billing_error"] != "none").mean() < 0.05
    disputed = world.invoices["disputed"]
    assert (world.invoices.loc[disputed, "adjustment"] < 0).all()
    under = truth["billing_error"] == "undercharge"
    assert (truth.loc[under, "error_amount"] < 0).all()


def test_silos_double_count_and_map_back(world):
    mapping = world.truth.silo_mapping
    naive = sum(len(t) for t in world.silos.values())
    assert naive > 1.5 * len(world.customers)
    assert mapping["customer_id"].isin(world.customers["customer_id"]).all()
    assert 0.02 < mapping["is_duplicate"].mean() < 0.08
    sales = world.silos["sales"]
    assert sales["phone"].str.match(r"^\(\d{3}\) \d{3}-\d{4}$").all()
    assert world.silos["billing"]["phone"].str.match(r"^\d{10}$").all()


def test_persian_world_speaks_persian(world_fa):
    c = world_fa.customers
    assert c["first_name"].str.contains(r"[\u0600-\u06FF]").all()
    assert c["phone"].str.match(r"^09\d{2} \d{3} \d{4}$").all()
    names = world_fa.silos["service"]["customer_name"]
    assert names.str.contains("ي|ك").any()  # Arabic letter forms creep in
    snow = world_fa.weather[world_fa.weather["event_type"] == "snow"]["province"].astype(str)
    assert snow.isin(["اردبیل", "آذربایجان شرقی", "آذربایجان غربی", "کردستان", "زنجان",
                      "همدان", "چهارمحال و بختیاری", "کرمانشاه"]).mean() > 0.5
    assert world_fa.meta["currency"] == "IRR"
