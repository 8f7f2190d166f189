"""Customer engagement value (Kumar et al. 2010): the parts are kept apart, each referred
customer is counted once, every part is in one time frame, and a hand-worked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics.engagement import PARTS, engagement_value, realised_engagement


def test_hand_computed_example():
    # a referred b and c; b referred d (a chain). Own values 100, 40, 0, 30; s = 0.5,
    # rewards 10, acquisition saving 4; b posts twice, d complains twice.
    value = pd.Series({"a": 100.0, "b": 40.0, "c": 0.0, "d": 30.0})
    refs = pd.DataFrame({"referrer_id": ["a", "a", "b"], "referred_id": ["b", "c", "d"],
                         "reward": [10.0, 10.0, 10.0]})
    posts = pd.DataFrame({"customer_id": ["b", "b"], "reach": [1000, 500],
                          "sentiment": [0.5, -0.2]})
    complaints = pd.DataFrame({"customer_id": ["d", "d"]})
    cev = engagement_value(value, referrals=refs, posts=posts, complaints=complaints,
                           incremental_referral_share=0.5, acquisition_cost_saved=4.0,
                           conversion_per_view=0.01, value_per_insight=3.0)
    # CRV_a = (0.5*40 + 0.5*4 - 10) + (0.5*0 + 0.5*4 - 10) = 12 - 8 = 4
    # CRV_b = 0.5*30 + 0.5*4 - 10 = 7
    # mean V = 42.5; CIV_b = 0.01 * 42.5 * (1000*0.5 - 500*0.2) = 170
    # CKV_d = 2 * 3 = 6; credits: b 20, c 0, d 15
    expected = pd.DataFrame({
        "clv": [100.0, 40.0, 0.0, 30.0],
        "referral_value": [4.0, 7.0, 0.0, 0.0],
        "influencer_value": [0.0, 170.0, 0.0, 0.0],
        "knowledge_value": [0.0, 0.0, 0.0, 6.0],
        "credited_to_referrer": [0.0, 20.0, 0.0, 15.0],
        "cev": [104.0, 197.0, 0.0, 21.0],
    }, index=pd.Index(["a", "b", "c", "d"]))
    pd.testing.assert_frame_equal(cev.loc[expected.index], expected, check_names=False)
    assert cev.index.tolist() == ["b", "a", "d", "c"]  # sorted by cev


def test_no_double_counting(world):
    """Summed over customers, CEV = every customer's own value once, plus the referral
    programme's net cost, plus influence and knowledge."""
    s, saved = 0.6, 3.0
    cev = realised_engagement(world.tables, incremental_referral_share=s,
                              acquisition_cost_saved=saved)
    refs = world.referrals
    expected = (cev["clv"].sum() + len(refs) * (1 - s) * saved - refs["reward"].sum()
                + cev["influencer_value"].sum() + cev["knowledge_value"].sum())
    assert cev["cev"].sum() == pytest.approx(expected, rel=1e-12)
    # the referrers' CRV holds exactly the share s of the referred customers' own value
    referred = cev.loc[refs["referred_id"].astype(str), "clv"]
    assert cev["credited_to_referrer"].sum() == pytest.approx(s * referred.sum(), rel=1e-12)
    assert cev["referral_value"].sum() == pytest.approx(
        s * referred.sum() + len(refs) * ((1 - s) * saved) - refs["reward"].sum(), rel=1e-12)
    # naive addition of the four parts would count that share twice
    naive = cev[list(PARTS)].sum().sum()
    assert naive - cev["cev"].sum() == pytest.approx(s * referred.sum(), rel=1e-12)
    assert s * referred.sum() > 0


def test_parts_sum_to_cev(world):
    cev = realised_engagement(world.tables)
    parts = cev[list(PARTS)].sum(axis=1) - cev["credited_to_referrer"]
    assert (cev["cev"] - parts).abs().max() < 1e-9
    assert cev["cev"].is_monotonic_decreasing
    assert (cev["knowledge_value"] >= 0).all() and (cev["credited_to_referrer"] >= 0).all()
    assert len(cev) == len(world.customers)


def test_one_time_frame(world):
    """A window takes the value, the referrals, the posts and the complaints of that
    window only."""
    start, end = "2024-01-01", "2024-12-31"
    cev = realised_engagement(world.tables, start=start, end=end)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    t, p = world.transactions, world.payments
    paid = (t.loc[(t["timestamp"] >= lo) & (t["timestamp"] < hi), "amount"].sum()
            + p.loc[(p["timestamp"] >= lo) & (p["timestamp"] < hi), "amount"].sum())
    assert cev["clv"].sum() == pytest.approx(0.4 * paid, rel=1e-12)
    c = world.complaints
    n_complaints = ((c["opened_at"] >= lo) & (c["opened_at"] < hi)).sum()
    assert cev["knowledge_value"].sum() == pytest.approx(2.0 * n_complaints)
    r = world.referrals
    in_window = r[(r["timestamp"] >= lo) & (r["timestamp"] < hi)]
    assert cev["credited_to_referrer"].gt(0).sum() <= len(in_window)
    assert cev.index.isin(in_window["referred_id"].astype(str)).sum() == len(in_window)
    # nobody who signed up after the window is valued
    assert (world.customers.set_index("customer_id").loc[cev.index, "signup_date"] < hi).all()
    assert cev.attrs["end"] == hi


def test_top_influencers_are_not_the_top_spenders(world):
    cev = realised_engagement(world.tables)
    top_clv = set(cev["clv"].nlargest(50).index)
    top_influence = set(cev["influencer_value"].nlargest(50).index)
    assert len(top_clv & top_influence) < 25  # two different groups of customers


def test_angry_posts_destroy_value():
    clv = pd.Series({"a": 10.0, "b": 10.0})
    posts = pd.DataFrame({"customer_id": ["a", "b"], "reach": [500, 500],
                          "sentiment": [-0.8, 0.8]})
    cev = engagement_value(clv, posts=posts)
    assert cev.loc["a", "influencer_value"] < 0 < cev.loc["b", "influencer_value"]


def test_referrer_outside_the_valued_customers_is_ignored():
    value = pd.Series({"b": 40.0})
    refs = pd.DataFrame({"referrer_id": ["x"], "referred_id": ["b"], "reward": [10.0]})
    cev = engagement_value(value, referrals=refs)
    assert cev.loc["b", "cev"] == 40.0 and cev.loc["b", "credited_to_referrer"] == 0.0


def test_categorical_ids_match():
    value = pd.Series({"a": 100.0, "b": 50.0})
    refs = pd.DataFrame({"referrer_id": pd.Categorical(["a"]),
                         "referred_id": pd.Categorical(["b"]), "reward": [10.0]})
    cev = engagement_value(value, referrals=refs)
    assert cev.loc["a", "referral_value"] == 15.0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"clv": [1.0]}, TypeError, "clv must be a pandas Series"),
        ({"clv": pd.Series(["x"])}, TypeError, "clv must be numeric"),
        ({"clv": pd.Series([1.0, None])}, ValueError, "1 missing values"),
        ({"clv": pd.Series([1.0, np.inf])}, ValueError, "finite"),
        ({"clv": pd.Series([1.0, 2.0], index=["a", "a"])}, ValueError, "duplicates"),
        ({"clv": pd.Series([1.0]), "conversion_per_view": -1}, ValueError,
         "conversion_per_view must be >= 0"),
        ({"clv": pd.Series([1.0]), "incremental_referral_share": 2}, ValueError, "at most 1"),
        ({"clv": pd.Series([1.0]), "value_per_insight": "2"}, TypeError, "must be a number"),
        ({"clv": pd.Series([1.0]), "posts": pd.DataFrame({"customer_id": [0]})}, ValueError,
         r"columns \['reach', 'sentiment'\] not found in posts"),
        ({"clv": pd.Series([1.0, 2.0], index=["a", "b"]),
          "referrals": pd.DataFrame({"referrer_id": ["a", "a"], "referred_id": ["b", "b"]})},
         ValueError, "referred more than once"),
    ],
)
def test_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        engagement_value(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"gross_margin": 0}, ValueError, "gross_margin must be above 0"),
        ({"gross_margin": 1.5}, ValueError, "at most 1"),
        ({"start": "2025-01-01", "end": "2024-01-01"}, ValueError, "must be before end"),
        ({"conversion": 0.1}, TypeError, "unknown assumption"),
    ],
)
def test_realised_bad_input(tiny_world, kwargs, error, message):
    with pytest.raises(error, match=message):
        realised_engagement(tiny_world.tables, **kwargs)


def test_realised_needs_the_tables():
    with pytest.raises(ValueError, match="tables has no 'customers'"):
        realised_engagement({})
