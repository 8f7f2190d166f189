"""The targeting explorer: its pure function and its sliders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics.targeting import incremental_profit, select_top
from crmlab.widgets.targeting import policy_profit_table, targeting_explorer


@pytest.fixture(scope="module")
def campaign():
    rng = np.random.default_rng(5)
    n = 400
    y0 = rng.random(n) < 0.2
    y1 = y0 | (rng.random(n) < 0.15)
    truth = pd.DataFrame({"response_if_contacted": y1.astype(int),
                          "response_if_not_contacted": y0.astype(int),
                          "value_if_responds": rng.gamma(3.0, 10.0, n).round(2)})
    scores = {"likely": y1 + rng.random(n) * 0.5,
              "uplift": (y1 & ~y0) + rng.random(n) * 0.5}
    return truth, scores


def test_table_matches_the_true_profit_and_moves_with_the_parameters(campaign):
    truth, scores = campaign
    t = policy_profit_table(truth, scores, share=0.2, cost_per_contact=1.0, offer_value=3.0)
    want = incremental_profit(truth, select_top(scores["uplift"], 0.2), cost_per_contact=1.0,
                              offer_value=3.0)
    assert t.loc["uplift", "incremental_profit"] == round(want, 2)
    assert set(t.index) == {"likely", "uplift", "random"}
    assert t.loc["likely", "response_rate"] > t.loc["uplift", "response_rate"]
    assert t.loc["uplift", "incremental_profit"] > t.loc["likely", "incremental_profit"]
    dearer = policy_profit_table(truth, scores, share=0.2, cost_per_contact=3.0,
                                 offer_value=3.0)
    contacted = t.loc["uplift", "contacted"]
    assert dearer.loc["uplift", "incremental_profit"] == pytest.approx(
        t.loc["uplift", "incremental_profit"] - 2.0 * contacted, abs=0.02)
    longer = policy_profit_table(truth, scores, share=0.5, cost_per_contact=1.0,
                                 offer_value=3.0)
    assert longer.loc["uplift", "contacted"] > contacted
    with pytest.raises(ValueError, match="non-negative"):
        policy_profit_table(truth, scores, share=0.2, cost_per_contact=-1.0, offer_value=0.0)


def test_explorer_updates_when_a_slider_moves(campaign):
    truth, scores = campaign
    box = targeting_explorer(truth, scores, share=0.2, cost_per_contact=1.0, offer_value=3.0)
    share, cost, offer, table = box.children
    pd.testing.assert_frame_equal(
        box.result,
        policy_profit_table(truth, scores, share=0.2, cost_per_contact=1.0, offer_value=3.0))
    html = table.value
    cost.value = 4.0
    assert table.value != html
    assert box.result.equals(
        policy_profit_table(truth, scores, share=0.2, cost_per_contact=4.0, offer_value=3.0))
    share.value = 0.5
    assert int(box.result["contacted"].iloc[0]) == 200
    with pytest.raises(ValueError, match="share"):
        targeting_explorer(truth, scores, share=0.0)


def test_old_spellings_warn_and_give_the_same_numbers(campaign):
    truth, scores = campaign
    box = targeting_explorer(truth, scores, share=0.2)
    with pytest.warns(DeprecationWarning, match=r"use \.result instead"):
        assert box.crmlab_result is box.result
    new = policy_profit_table(truth, scores, share=0.2, cost_per_contact=1.0,
                              offer_value=3.0, random_state=3)
    with pytest.warns(DeprecationWarning, match="use 'random_state' instead"):
        old = policy_profit_table(truth, scores, share=0.2, cost_per_contact=1.0,
                                  offer_value=3.0, seed=3)
    pd.testing.assert_frame_equal(old, new)
