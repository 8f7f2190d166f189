"""Segment-level targeting: learned on earlier campaigns, scored on later ones with the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.analytics import segment_targeting as st
from crmlab.analytics import segmentation as sg
from crmlab.analytics import targeting


@pytest.fixture(autouse=True)
def _one_openmp_thread(monkeypatch):
    """Fit on one OpenMP thread (as the notebooks do): the fits are small, and parallel test
    workers share the cores, where spinning OpenMP threads slow k-means down many times."""
    from threadpoolctl import threadpool_limits

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # for the worker processes run_experiment spawns
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def _campaigns():
    return pd.DataFrame({"campaign_id": ["A", "B"], "kind": ["call_list", "call_list"],
                         "start_date": pd.to_datetime(["2024-03-01", "2025-03-01"]),
                         "cost_per_contact": [1.0, 1.0], "offer_value": [2.0, 2.0]})


def _truth():
    # customers x, y pay off when contacted (persuadable); u, v never respond
    ids = ["x", "y", "u", "v"]
    return pd.DataFrame({
        "campaign_id": ["A"] * 4 + ["B"] * 4,
        "customer_id": ids * 2,
        "response_if_contacted": [1, 1, 0, 0] * 2,
        "response_if_not_contacted": [0, 0, 0, 0] * 2,
        "value_if_responds": [20.0] * 8,
    })


def test_contact_profit_matches_targeting():
    w = crm.load_dataset("classroom")
    p = st.contact_profit(w.truth.contacts, w.campaigns)
    camp = w.campaigns.set_index("campaign_id")
    rng = np.random.default_rng(0)
    for cid in ("K001", "K010"):
        rows = w.truth.contacts["campaign_id"].to_numpy() == cid
        sel = rng.random(rows.sum()) < 0.4
        expected = targeting.incremental_profit(
            w.truth.contacts[rows], sel, cost_per_contact=camp.loc[cid, "cost_per_contact"],
            offer_value=camp.loc[cid, "offer_value"])
        assert p.loc[rows, "profit"].to_numpy()[sel].sum() == pytest.approx(expected)


def test_segment_policy_by_hand():
    good = pd.Series({"x": "g", "y": "g", "u": "b", "v": "b"})
    mixed = pd.Series({"x": "g", "y": "b", "u": "g", "v": "b"})
    table = st.compare_segmentations(_truth(), _campaigns(), {"good": good, "mixed": mixed},
                                     split="2025-01-01")
    # each responder earns 20 - 2 - 1 = 17, each non-responder costs 1
    assert table.loc["good", "contacted"] == 2
    assert table.loc["good", "incremental_profit"] == 34.0
    # mixed: both clusters learned at (17 - 1) / 2 = 8 > 0 -> contacts all four
    assert table.loc["mixed", "incremental_profit"] == 32.0
    assert table.loc["contact everyone", "incremental_profit"] == 32.0
    assert table.loc["perfect (each customer)", "incremental_profit"] == 34.0
    assert table.loc["contact no one", "incremental_profit"] == 0.0
    assert table["incremental_profit"].is_monotonic_decreasing


def test_unseen_kind_or_segment_is_not_contacted():
    camp = _campaigns().assign(kind=["call_list", "winback"])
    table = st.compare_segmentations(_truth(), camp, {"s": pd.Series(dict.fromkeys("xyuv", 0))},
                                     split="2025-01-01", baselines=False)
    assert table.loc["s", "contacted"] == 0
    assert list(table.index) == ["s"]


def test_errors():
    labels = {"s": pd.Series(dict.fromkeys("xyuv", 0))}
    with pytest.raises(ValueError, match="both sides"):
        st.compare_segmentations(_truth(), _campaigns(), labels, split="2020-01-01")
    with pytest.raises(ValueError, match="no label"):
        st.compare_segmentations(_truth(), _campaigns(), {"s": pd.Series({"x": 0})},
                                 split="2025-01-01")
    with pytest.raises(TypeError, match="Series"):
        st.compare_segmentations(_truth(), _campaigns(), {"s": [0, 0, 0, 0]},
                                 split="2025-01-01")
    with pytest.raises(ValueError, match="non-empty"):
        st.compare_segmentations(_truth(), _campaigns(), {}, split="2025-01-01")
    with pytest.raises(ValueError, match="campaign ids"):
        st.contact_profit(_truth(), _campaigns().iloc[:1])
    with pytest.raises(ValueError, match="unknown method"):
        st.run_profit_experiment(crm.make_world, "tiny", [1], methods=["magic"])


def test_experiment_is_reproducible_and_complete():
    cfg = crm.WorldConfig(n_customers=400)
    a = st.run_profit_experiment(crm.make_world, cfg, seeds=[3, 4], methods=["rfm", "kmeans"])
    b = st.run_profit_experiment(crm.make_world, cfg, seeds=[3, 4], methods=["rfm", "kmeans"])
    pd.testing.assert_frame_equal(a, b)
    assert set(a["method"]) == {"rfm", "kmeans", "true segments", "contact everyone",
                                "contact no one", "perfect (each customer)"}
    assert list(a.columns) == ["world_seed", "method", "k", "ari", "ami", "contacted",
                               "incremental_profit"]
    assert (a.loc[a["method"].isin(["rfm", "kmeans", "true segments"]), "k"] == 5).all()
    assert (a.groupby("world_seed").size() == 6).all()
    perfect = a[a["method"] == "perfect (each customer)"].set_index("world_seed")
    for seed, rows in a.groupby("world_seed"):
        assert (rows["incremental_profit"] <= perfect.loc[seed, "incremental_profit"]).all()
    assert a.loc[a["method"] == "rfm", "ari"].between(-1, 1).all()


def test_experiment_records_k_and_can_choose_it():
    cfg = crm.WorldConfig(n_customers=400)
    t = st.run_profit_experiment(crm.make_world, cfg, seeds=[3], methods=["rfm", "kmeans"],
                                 k="choose")
    k = t.set_index("method")["k"]
    assert k["rfm"] == 5 and k["true segments"] == 5 and k["contact everyone"] == 0
    world = crm.make_world(cfg, seed=3)
    X = sg.customer_features(world.tables, as_of="2025-01-01")
    assert k["kmeans"] == sg.choose_k(X, method="kmeans").k
    with pytest.raises(ValueError, match="k must be an integer or 'choose'"):
        st.run_profit_experiment(crm.make_world, cfg, seeds=[3], k="auto")


class _Altered:
    """A world whose observable rows dated on or after ``cut`` are all changed."""

    def __init__(self, world, cut, seed):
        rng = np.random.default_rng(seed)
        self.truth, self.campaigns = world.truth, world.campaigns
        tables = dict(world.tables)
        for name, col in {"transactions": "timestamp", "invoices": "issue_date",
                          "complaints": "opened_at", "online_activity": "timestamp",
                          "referrals": "timestamp"}.items():
            t = tables[name].copy()
            late = (t[col] >= cut).to_numpy()
            for c in ("amount", "sentiment"):
                if c in t:
                    t.loc[late, c] = rng.uniform(0.5, 0.9 if c == "sentiment" else 90.0,
                                                 late.sum())
            if "channel" in t and name == "transactions":
                t.loc[late, "channel"] = rng.choice(t["channel"].cat.categories, late.sum())
            tables[name] = pd.concat([t, t[late]], ignore_index=True)  # and twice as many
        cust = tables["customers"].copy()
        cust.loc[(cust["churn_date"] >= cut).to_numpy(), "churn_date"] = pd.NaT
        cust.loc[(cust["signup_date"] >= cut).to_numpy(), "plan"] = "postpaid"
        tables["customers"] = cust
        self.tables = tables


def test_no_row_after_the_split_reaches_the_segments():
    """Segment targeting decides on 1 January 2025: what customers did later cannot
    change its segments, so the test profit of every policy is the same when every later
    observable row is changed (only the truth of the later campaigns scores them)."""
    cfg = crm.WorldConfig(n_customers=600)
    cut = pd.Timestamp("2025-01-01")
    plain = st.run_profit_experiment(crm.make_world, cfg, seeds=[2], split=cut)
    altered = st.run_profit_experiment(
        lambda config, seed: _Altered(crm.make_world(config, seed=seed), cut, seed), cfg,
        seeds=[2], split=cut)
    pd.testing.assert_frame_equal(plain, altered)


def test_only_customers_known_at_the_split_are_scored():
    cfg = crm.WorldConfig(n_customers=600)
    world = crm.make_world(cfg, seed=2)
    t = st.run_profit_experiment(crm.make_world, cfg, seeds=[2], methods=["rfm"]).set_index(
        "method")
    profit = st.contact_profit(world.truth.contacts, world.campaigns)
    signup = world.customers.set_index("customer_id")["signup_date"]
    test = profit[(profit["start_date"] >= "2025-01-01").to_numpy()]
    known = (signup.reindex(test["customer_id"]) < "2025-01-01").to_numpy()
    assert 0 < known.sum() < len(test)  # the world has both kinds of test contacts
    assert t.loc["contact everyone", "contacted"] == known.sum()
    assert t.loc["contact everyone", "incremental_profit"] == pytest.approx(
        test["profit"].to_numpy()[known].sum())
