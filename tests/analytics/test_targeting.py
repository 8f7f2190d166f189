"""Targeting policies judged by the profit they really make (counterfactual truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.analytics import targeting


@pytest.fixture(scope="module")
def world():
    return crm.make_world("classroom", seed=3)


def _campaign(world, kind):
    c = world.campaigns[world.campaigns["kind"] == kind].iloc[-1]
    truth = world.truth.contacts[world.truth.contacts["campaign_id"] == c["campaign_id"]]
    return c, truth.reset_index(drop=True)


def test_profit_formula_by_hand():
    truth = pd.DataFrame({"response_if_contacted": [1, 1, 0, 0],
                          "response_if_not_contacted": [1, 0, 0, 1],
                          "value_if_responds": [10.0, 20.0, 5.0, 8.0]})
    # sure thing: 0*10 - 2 - 1 ; persuadable: 20 - 2 - 1 ; lost cause: -1 ; sleeping dog: -8 - 1
    profit = targeting.incremental_profit(truth, [True, True, True, True],
                                          cost_per_contact=1.0, offer_value=2.0)
    assert profit == pytest.approx(-3 + 17 - 1 - 9)


def test_response_scoring_finds_responders_but_uplift_makes_the_money(world):
    c, truth = _campaign(world, "call_list")
    buys = world.transactions.groupby("customer_id").size()
    response_score = buys.reindex(truth["customer_id"]).fillna(0).to_numpy()
    table = targeting.evaluate_policies(
        truth, {"response_rate": response_score,
                "true_uplift": truth["uplift_probability"].to_numpy()},
        share=0.3, cost_per_contact=c["cost_per_contact"], offer_value=c["offer_value"])
    assert set(table.index) == {"random", "response_rate", "true_uplift"}
    assert table.loc["response_rate", "response_rate"] > table.loc["random", "response_rate"]
    assert (table.loc["true_uplift", "incremental_profit"]
            > table.loc["response_rate", "incremental_profit"])
    assert table.index[0] == "true_uplift"


def test_two_model_uplift_learns_from_control_groups(world):
    contacts = world.contacts.merge(world.campaigns[["campaign_id", "kind"]], on="campaign_id")
    contacts = contacts[contacts["kind"] != "winback"]
    buys = world.transactions.groupby("customer_id")["amount"].agg(["size", "sum"])
    X = buys.reindex(contacts["customer_id"]).fillna(0).to_numpy()
    model = targeting.TwoModelUplift().fit(np.log1p(X), contacts["responded"],
                                           contacts["group"] == "treatment")
    uplift = model.predict_uplift(np.log1p(X))
    assert np.isfinite(uplift).all() and uplift.min() >= -1 and uplift.max() <= 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: targeting.incremental_profit(t.drop(columns="value_if_responds"), [True],
                                                cost_per_contact=1, offer_value=1),
         "column 'value_if_responds' not found in truth"),
        (lambda t: targeting.incremental_profit(t, [True, False], cost_per_contact=1,
                                                offer_value=1), "one flag per truth row"),
        (lambda t: targeting.select_top(np.array([1.0]), 0.0), r"share must be in \(0, 1\]"),
        (lambda t: targeting.select_top(np.array([np.nan]), 0.5), "1 missing values"),
    ],
)
def test_bad_input(call, message):
    truth = pd.DataFrame({"response_if_contacted": [1], "response_if_not_contacted": [0],
                          "value_if_responds": [3.0]})
    with pytest.raises(ValueError, match=message):
        call(truth)


def test_uplift_model_needs_both_groups():
    X = np.zeros((30, 1))
    with pytest.raises(ValueError, match="control group needs"):
        targeting.TwoModelUplift().fit(X, np.r_[np.ones(15), np.zeros(15)], np.ones(30))
    with pytest.raises(RuntimeError, match="call fit"):
        targeting.TwoModelUplift().predict_uplift(X)


def test_random_state_spellings():
    scores = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])  # ties decided at random
    new = targeting.select_top(scores, 0.5, random_state=4)
    with pytest.warns(DeprecationWarning, match="use 'random_state' instead"):
        old = targeting.select_top(scores, 0.5, seed=4)
    assert np.array_equal(old, new) and new.sum() == 3 and not new[4:].any()
    a = targeting.select_top(scores, 0.5, random_state=np.random.default_rng(9))
    b = targeting.select_top(scores, 0.5, random_state=np.random.default_rng(9))
    assert np.array_equal(a, b)
    with pytest.raises(TypeError, match="random_state must be an int, a numpy Generator"):
        targeting.select_top(scores, 0.5, random_state="seven")


def test_evaluate_policies_with_a_seed_or_a_generator():
    rng = np.random.default_rng(2)
    truth = pd.DataFrame({"response_if_contacted": rng.integers(0, 2, 200),
                          "response_if_not_contacted": rng.integers(0, 2, 200),
                          "value_if_responds": rng.gamma(2.0, 5.0, 200)})
    scores = {"flat": np.zeros(200)}  # every contact decided by the tie-break
    kw = {"share": 0.3, "cost_per_contact": 1.0, "offer_value": 2.0}
    new = targeting.evaluate_policies(truth, scores, random_state=5, **kw)
    with pytest.warns(DeprecationWarning, match="use 'random_state' instead"):
        old = targeting.evaluate_policies(truth, scores, seed=5, **kw)
    pd.testing.assert_frame_equal(old, new)
    gen = [targeting.evaluate_policies(truth, scores, random_state=np.random.default_rng(5),
                                       **kw) for _ in range(2)]
    pd.testing.assert_frame_equal(gen[0], gen[1])
    assert (gen[0]["contacted"] == 60).all()
