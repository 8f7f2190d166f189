"""Customer profit and value capture: the cost model adds up, and rankings are scored right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import concentration, profitability


def _tables():
    """Three customers whose profit and loss can be worked out by hand."""
    return {
        "customers": pd.DataFrame({"customer_id": ["a", "b", "c"]}),
        "transactions": pd.DataFrame({"customer_id": ["a", "a"], "amount": [30.0, 70.0]}),
        "invoices": pd.DataFrame({"customer_id": ["b", "b", "c"],
                                  "amount": [50.0, 50.0, 40.0],
                                  "adjustment": [0.0, -10.0, 0.0]}),
        "payments": pd.DataFrame({"customer_id": ["b", "b"], "amount": [50.0, 40.0]}),
        "complaints": pd.DataFrame({"customer_id": ["c", "c"], "escalation_level": [0, 3]}),
        "collections": pd.DataFrame({"customer_id": ["c", "c", "c"]}),
        "contacts": pd.DataFrame({"customer_id": ["a"], "contact_cost": [2.0],
                                  "offer_cost": [5.0]}),
        "referrals": pd.DataFrame({"referrer_id": ["b"], "reward": [10.0]}),
    }


def test_profit_by_hand():
    pnl = profitability.customer_profit(_tables(), gross_margin=0.5, acquisition_cost=10.0,
                                        complaint_cost=4.0, escalation_cost=6.0,
                                        collection_step_cost=3.0)
    assert list(pnl.index) == ["a", "b", "c"]
    # a: 0.5*100 - 7 (contact+offer) - 10 = 33
    # b: billed 90, paid 90: 0.5*90 - 10 referral - 10 = 25
    # c: billed 40, paid 0: 0.5*40 - 40 - (4+4+18) - 9 - 10 = -65
    assert pnl["revenue"].tolist() == [100.0, 90.0, 40.0]
    assert pnl["unpaid"].tolist() == [0.0, 0.0, 40.0]
    assert pnl["service"].tolist() == [0.0, 0.0, 26.0]
    assert pnl["collections"].tolist() == [0.0, 0.0, 9.0]
    assert pnl["marketing"].tolist() == [7.0, 10.0, 0.0]
    assert pnl["profit"].tolist() == [33.0, 25.0, -65.0]
    parts = pnl["gross"] - pnl[["service", "collections", "marketing", "acquisition"]].sum(axis=1)
    np.testing.assert_allclose(parts, pnl["profit"])


def test_costs_move_profit_in_the_right_direction():
    cheap = profitability.customer_profit(_tables(), complaint_cost=0.0)
    dear = profitability.customer_profit(_tables(), complaint_cost=20.0)
    assert dear.loc["c", "profit"] == cheap.loc["c", "profit"] - 40.0
    assert dear.loc["a", "profit"] == cheap.loc["a", "profit"]


def test_classroom_profit_is_more_concentrated_than_revenue(classroom):
    pnl = profitability.customer_profit(classroom.tables)
    assert len(pnl) == len(classroom.customers)
    assert (pnl["profit"] < 0).sum() > 0  # loss makers exist and are kept
    assert (concentration.top_share(pnl["profit"], 0.2)
            > concentration.top_share(pnl["revenue"], 0.2))


@pytest.fixture(scope="module")
def classroom():
    import crmlab as crm

    return crm.load_dataset("classroom")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"gross_margin": 0.0}, ValueError, "gross_margin"),
    ({"gross_margin": 1.5}, ValueError, "gross_margin"),
    ({"complaint_cost": -1.0}, ValueError, "complaint_cost"),
    ({"acquisition_cost": "10"}, TypeError, "acquisition_cost"),
    ({"escalation_cost": float("nan")}, ValueError, "escalation_cost"),
])
def test_bad_costs(kwargs, error, match):
    with pytest.raises(error, match=match):
        profitability.customer_profit(_tables(), **kwargs)


def test_bad_tables():
    tables = _tables()
    del tables["payments"]
    with pytest.raises(ValueError, match="payments"):
        profitability.customer_profit(tables)
    with pytest.raises(TypeError, match="mapping"):
        profitability.customer_profit(_tables()["customers"])
    tables = _tables()
    tables["customers"] = pd.DataFrame({"customer_id": ["a", "a"]})
    with pytest.raises(ValueError, match="duplicate"):
        profitability.customer_profit(tables)


def test_value_capture_perfect_ranking_equals_top_share():
    rng = np.random.default_rng(3)
    values = rng.gamma(0.5, 10.0, 1000)
    captured = profitability.value_capture(values, values, tops=(0.1, 0.2))
    assert captured.loc[0.2] == pytest.approx(concentration.top_share(values, 0.2))
    random = profitability.value_capture(rng.random(1000), values, tops=(0.1, 0.2))
    assert (random < captured).all()


def test_value_capture_by_hand_and_errors():
    out = profitability.value_capture([0.1, 0.9, 0.5, 0.7], [1.0, 2.0, 3.0, 4.0],
                                      tops=(0.25, 0.5, 1.0))
    assert out.tolist() == [0.2, 0.6, 1.0]
    assert out.name == "captured" and out.index.name == "top"
    with pytest.raises(ValueError, match="same length"):
        profitability.value_capture([1, 2], [1.0])
    with pytest.raises(ValueError, match="tops"):
        profitability.value_capture([1, 2], [1.0, 2.0], tops=(0.0,))
    with pytest.raises(ValueError, match="positive"):
        profitability.value_capture([1, 2], [-1.0, 0.0])
    with pytest.raises(ValueError, match="missing"):
        profitability.value_capture([1, np.nan], [1.0, 2.0])


def test_value_capture_does_not_depend_on_the_order_of_ties():
    """RFM-like scores with many ties: every order of the rows gives the same answer."""
    rng = np.random.default_rng(15)
    scores = rng.integers(1, 6, 400).astype(float)            # five tied score levels
    values = rng.gamma(0.5, 10.0, 400) * scores
    tops = (0.05, 0.1, 0.2, 0.5, 1.0)
    first = profitability.value_capture(scores, values, tops=tops)
    spread = []
    for seed in range(20):
        order = np.random.default_rng(seed).permutation(400)
        again = profitability.value_capture(scores[order], values[order], tops=tops)
        pd.testing.assert_series_equal(again, first, check_exact=True)
        # what breaking ties by position would give for this order
        ranked = values[order][np.argsort(-scores[order], kind="stable")]
        spread.append(ranked[:20].sum() / values.sum())
    assert max(spread) - min(spread) > 0.01          # the row order did matter before
    # where the top k cuts a tie group, the group gives its mean value per customer taken
    top = np.sort(scores)[::-1]
    k = 20
    level = top[k - 1]
    above = values[scores > level].sum()
    tied = values[scores == level]
    expected = (above + (k - (scores > level).sum()) * tied.mean()) / values.sum()
    assert first.loc[0.05] == pytest.approx(expected, rel=1e-12)
    assert first.loc[1.0] == pytest.approx(1.0, rel=1e-12)


def test_value_capture_ties_by_hand():
    # top 2 of [a, b, c] tied at 1: two thirds of their total 6, whatever the order
    for values in ([6.0, 0.0, 0.0, 1.0], [0.0, 0.0, 6.0, 1.0], [0.0, 6.0, 0.0, 1.0]):
        out = profitability.value_capture([1, 1, 1, 0], values, tops=(0.5, 0.75, 1.0))
        assert out.tolist() == pytest.approx([4 / 7, 6 / 7, 1.0], rel=1e-15)
