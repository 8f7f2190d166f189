"""Customer engagement value: the parts add up, and influencers rise above spenders."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.analytics.engagement import engagement_value


def test_parts_sum_to_cev(world):
    clv = world.truth.customers.set_index("customer_id")["true_clv_3y"]
    cev = engagement_value(clv, referrals=world.referrals, posts=world.online_activity,
                           complaints=world.complaints)
    parts = cev[["clv", "referral_value", "influencer_value", "knowledge_value"]].sum(axis=1)
    assert (cev["cev"] - parts).abs().max() < 1e-9
    assert len(cev) == len(clv) and cev["cev"].is_monotonic_decreasing
    assert (cev["knowledge_value"] >= 0).all()


def test_top_influencers_are_not_the_top_spenders(world):
    clv = world.truth.customers.set_index("customer_id")["true_clv_3y"]
    cev = engagement_value(clv, referrals=world.referrals, posts=world.online_activity)
    top_clv = set(clv.nlargest(50).index)
    top_influence = set(cev["influencer_value"].nlargest(50).index)
    assert len(top_clv & top_influence) < 25  # two different groups of customers


def test_angry_posts_destroy_value():
    clv = pd.Series({"a": 10.0, "b": 10.0})
    posts = pd.DataFrame({"customer_id": ["a", "b"], "reach": [500, 500],
                          "sentiment": [-0.8, 0.8]})
    cev = engagement_value(clv, posts=posts)
    assert cev.loc["a", "influencer_value"] < 0 < cev.loc["b", "influencer_value"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"clv": [1.0]}, TypeError, "clv must be a pandas Series"),
        ({"clv": pd.Series([1.0, None])}, ValueError, "1 missing values"),
        ({"clv": pd.Series([1.0, 2.0], index=["a", "a"])}, ValueError, "duplicates"),
        ({"clv": pd.Series([1.0]), "conversion_per_view": -1}, ValueError,
         "conversion_per_view must be >= 0"),
        ({"clv": pd.Series([1.0]), "incremental_referral_share": 2}, ValueError, "at most 1"),
        ({"clv": pd.Series([1.0]), "posts": pd.DataFrame({"customer_id": [0]})}, ValueError,
         r"columns \['reach', 'sentiment'\] not found in posts"),
    ],
)
def test_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        engagement_value(**kwargs)
