"""Campaign features, response types and the loyalty-programme gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import dbmarketing as dbm
from crmlab.analytics import loyalty as loy


def _events(world):
    return pd.concat([world.transactions[["customer_id", "timestamp", "amount"]],
                      world.payments[["customer_id", "timestamp", "amount"]]],
                     ignore_index=True)


def test_campaign_features_use_only_the_past(tiny_world):
    w = tiny_world
    ev = _events(w)
    cid = w.campaigns["campaign_id"].iloc[-1]
    start = w.campaigns["start_date"].iloc[-1]
    f = dbm.campaign_features(cid, campaigns=w.campaigns, customers=w.customers, events=ev,
                              contacts=w.contacts)
    assert list(f.columns) == list(dbm.FEATURES)
    assert (w.customers.set_index("customer_id").loc[f.index, "signup_date"] < start).all()
    # hand count for one customer with purchases in the window
    recent = ev[(ev["timestamp"] < start) & (ev["timestamp"] >= start - pd.Timedelta(days=180))]
    cust = recent["customer_id"].value_counts().index[0]
    assert f.loc[cust, "purchases"] == (recent["customer_id"] == cust).sum()
    assert f.loc[cust, "spend"] == pytest.approx(recent.loc[recent["customer_id"] == cust,
                                                            "amount"].sum())
    earlier = w.contacts[(w.contacts["timestamp"] < start)
                         & (w.contacts["group"] == "treatment")]
    assert f["past_contacts"].sum() == earlier["customer_id"].isin(f.index).sum()
    # adding future events changes nothing
    future = ev.assign(timestamp=ev["timestamp"] + pd.Timedelta(days=3650))
    g = dbm.campaign_features(cid, campaigns=w.campaigns, customers=w.customers,
                              events=pd.concat([ev, future]), contacts=w.contacts)
    pd.testing.assert_frame_equal(f, g)
    with pytest.raises(ValueError, match="unknown campaign_id"):
        dbm.campaign_features("K999", campaigns=w.campaigns, customers=w.customers, events=ev,
                              contacts=w.contacts)
    with pytest.raises(ValueError, match="column 'amount' not found in events"):
        dbm.campaign_features(cid, campaigns=w.campaigns, customers=w.customers,
                              events=ev.drop(columns="amount"), contacts=w.contacts)


def test_response_types_count_each_kind():
    truth = pd.DataFrame({"response_if_contacted": [1, 1, 1, 0, 0, 0],
                          "response_if_not_contacted": [1, 1, 0, 0, 0, 1]})
    assert dbm.response_types(truth).tolist() == [2, 1, 2, 1]
    picked = dbm.response_types(truth, [True, False, True, False, False, True])
    assert picked.to_dict() == {"sure thing": 1, "persuadable": 1, "lost cause": 0,
                                "sleeping dog": 1}
    with pytest.raises(ValueError, match="one flag per truth row"):
        dbm.response_types(truth, [True])


def test_response_scores_rank_responders_first():
    rng = np.random.default_rng(1)
    n = 1000
    X = pd.DataFrame({c: rng.gamma(2.0, 1.0, n) for c in dbm.FEATURES})
    y = rng.random(n) < 1 / (1 + np.exp(-(X["past_responses"].to_numpy() - 2.0) * 2))
    p = dbm.response_scores(X, y, X)
    assert p[y].mean() > p[~y].mean() + 0.1
    with pytest.raises(ValueError, match="both responders"):
        dbm.response_scores(X, np.zeros(n, bool), X)


def test_member_spending_splits_at_joining():
    customers = pd.DataFrame({"customer_id": ["a", "b"],
                              "signup_date": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    events = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
                           "timestamp": pd.to_datetime(["2024-02-01", "2024-05-01",
                                                        "2024-06-01", "2024-03-01"]),
                           "amount": [30.0, 20.0, 40.0, 12.0]})
    joins = pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2024-04-01"])})
    s = loy.member_spending(customers, events, joins, end="2024-06-30")
    months = 182 / (365.25 / 12)
    before_months = 91 / (365.25 / 12)
    assert s.loc["a", "spend_per_month"] == pytest.approx(90.0 / months)
    assert s.loc["a", "before_per_month"] == pytest.approx(30.0 / before_months)
    assert s.loc["a", "after_per_month"] == pytest.approx(60.0 / (months - before_months))
    assert s.loc["b", "before_per_month"] == pytest.approx(12.0 / months)
    assert np.isnan(s.loc["b", "after_per_month"])
    with pytest.raises(ValueError, match="column 'timestamp' not found in joins"):
        loy.member_spending(customers, events, joins.drop(columns="timestamp"), end="2024-06-30")


def test_loyalty_gap_in_the_world_is_selection(tiny_world):
    w = tiny_world
    joins = w.loyalty[w.loyalty["event"] == "join"]
    s = loy.member_spending(w.customers, _events(w), joins, end=w.config.end)
    gap = loy.loyalty_gap(s)
    # members spend more, already before joining, and not more after joining
    assert gap.loc["whole history", "gap"] > 0
    assert gap.loc["before members joined", "gap"] > 0
    assert gap.loc["members: after vs before", "gap"] < gap.loc["whole history", "gap"]
    prop = w.truth.customers.set_index("customer_id")["join_propensity"].reindex(s.index)
    within = loy.gap_within_groups(s, pd.qcut(prop, 5, labels=False))
    assert abs(within.attrs["adjusted_gap"]) < gap.loc["whole history", "gap"]


def test_gap_within_groups_weights_by_members():
    s = pd.DataFrame({"member": [True, True, True, False, False],
                      "spend_per_month": [10.0, 10.0, 40.0, 4.0, 30.0]})
    t = loy.gap_within_groups(s, ["x", "x", "y", "x", "y"])
    assert t.loc["x", "gap"] == 6.0 and t.loc["y", "gap"] == 10.0
    assert t.attrs["adjusted_gap"] == pytest.approx((2 * 6.0 + 1 * 10.0) / 3)
    with pytest.raises(ValueError, match="both members and non-members"):
        loy.loyalty_gap(s.assign(member=True, before_per_month=1.0, after_per_month=1.0))
