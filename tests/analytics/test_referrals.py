"""Referral trees: roots and generations by hand and on the world; bad networks rejected."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.analytics.referrals import referral_trees


def test_by_hand():
    refs = pd.DataFrame({"referrer_id": ["a", "b", "c", "a", "x"],
                         "referred_id": ["b", "c", "d", "e", "y"]})
    t = referral_trees(refs)
    assert t["root"].to_dict() == {"a": "a", "b": "a", "c": "a", "d": "a", "e": "a",
                                   "x": "x", "y": "x"}
    assert t["generation"].to_dict() == {"a": 0, "b": 1, "c": 2, "d": 3, "e": 1, "x": 0,
                                         "y": 1}
    assert t.loc["a", "referrer_id"] is None or pd.isna(t.loc["a", "referrer_id"])
    assert t.attrs["tree_size"].to_dict() == {"a": 5, "x": 2}


def test_world_trees_are_consistent(tiny_world):
    refs = tiny_world.referrals
    t = referral_trees(refs)
    assert len(t) == len(set(refs["referrer_id"]) | set(refs["referred_id"]))
    child = t.dropna(subset=["referrer_id"])
    # a child is one generation below its referrer and shares its root
    parent = t.loc[child["referrer_id"]]
    assert (child["generation"].to_numpy() == parent["generation"].to_numpy() + 1).all()
    assert (child["root"].to_numpy() == parent["root"].to_numpy()).all()
    assert t.attrs["tree_size"].sum() == len(t)


@pytest.mark.parametrize(("refs", "match"), [
    (pd.DataFrame({"referrer_id": ["a", "b"], "referred_id": ["c", "c"]}), "more than once"),
    (pd.DataFrame({"referrer_id": ["a", "b"], "referred_id": ["b", "a"]}), "cycle"),
    (pd.DataFrame({"referrer": ["a"], "referred_id": ["b"]}), "referrer_id"),
])
def test_bad_networks(refs, match):
    with pytest.raises(ValueError, match=match):
        referral_trees(refs)


def test_plot_draws_every_member_of_the_largest_trees(tiny_world):
    import matplotlib.pyplot as plt

    from crmlab import viz

    t = referral_trees(tiny_world.referrals)
    ax = viz.plot_referral_trees(t, k=3)
    pos = viz.plotted_data(ax)
    assert len(pos) == t.attrs["tree_size"].iloc[:3].sum()
    assert (pos["y"] == -t.loc[pos.index, "generation"]).all()
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="k must be"):
        viz.plot_referral_trees(t, k=0)
    plt.close("all")
