"""RFM scores and revenue concentration: exact answers on small data, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.analytics import concentration as conc
from crmlab.analytics import rfm


@pytest.fixture
def log():
    return pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "c", "c"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01",
                                     "2024-01-05", "2024-02-05", "2024-03-05"]),
        "amount": [10.0, 20.0, 5.0, 8.0, 8.0, 8.0],
    })


def test_rfm_table_exact(log):
    t = rfm.rfm_table(log, end="2024-03-31", bins=3)
    assert t.index.tolist() == ["a", "b", "c"]
    # recency from the end of 2024-03-31 (a date means the whole day)
    assert t["recency_days"].tolist() == [31.0, 60.0, 27.0]
    assert t["purchases"].tolist() == [2, 1, 3]
    assert t["monetary"].tolist() == [15.0, 5.0, 8.0]
    assert t["cell"].tolist() == ["223", "111", "332"]
    assert t["score"].tolist() == [7, 3, 8]
    assert "frequency" not in t  # CLV's name for repeat purchases; RFM counts them all


def test_rfm_purchases_count_the_first_purchase_too(log):
    from crmlab.analytics import clv

    t = rfm.rfm_table(log, end="2024-03-31", bins=3)
    s = clv.summarize_transactions(log, customer_col="customer_id", time_col="timestamp",
                                   value_col="amount", end="2024-03-31", freq="D")
    assert (t["purchases"] == s["frequency"] + 1).all()  # distinct days here


def test_rfm_scores_still_read_the_old_column_name_with_a_warning(log):
    t = rfm.rfm_table(log, end="2024-03-31", bins=3)
    base = t[["recency_days", "purchases", "monetary"]]
    with pytest.warns(DeprecationWarning, match="rename 'frequency' to 'purchases'"):
        old = rfm.rfm_scores(base.rename(columns={"purchases": "frequency"}), bins=3)
    assert old["cell"].equals(t["cell"]) and old["score"].equals(t["score"])
    with pytest.raises(ValueError, match="column 'monetary' not found in table"):
        rfm.rfm_scores(base.drop(columns="monetary"))


def test_ties_share_a_score_at_both_ends():
    assert rfm.score(pd.Series([1, 1, 1, 5, 9]), bins=3).tolist() == [1, 1, 1, 3, 3]
    assert rfm.score(pd.Series([1, 2, 9, 9, 9]), bins=3).tolist() == [1, 1, 3, 3, 3]
    assert rfm.score(pd.Series([4.0] * 6), bins=5).nunique() == 1


def test_scores_are_roughly_equal_quantiles_without_ties():
    s = rfm.score(pd.Series(np.arange(1000.0)), bins=5)
    assert s.value_counts().sort_index().tolist() == [200] * 5


def test_rfm_on_a_world(tiny_world):
    t = rfm.rfm_table(tiny_world.transactions, end=tiny_world.config.end)
    assert set(t["R"].unique()) <= {1, 2, 3, 4, 5} and len(t) > 200
    assert t.index.is_monotonic_increasing


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: d.drop(columns="amount"), ValueError, "column 'amount' not found"),
        (lambda d: d.iloc[:0], ValueError, "is empty"),
        (lambda d: d.assign(timestamp=d["timestamp"].astype(str)), TypeError,
         "must hold datetimes"),
        (lambda d: d.assign(timestamp=d["timestamp"].where(d.index != 2)), ValueError,
         "1 missing times"),
        (lambda d: d.assign(amount=-d["amount"]), ValueError, "6 negative values"),
        (lambda d: d.assign(amount=d["amount"].astype(str)), TypeError, "must be numeric"),
        (lambda d: d.assign(customer_id=d["customer_id"].where(d.index != 0)), ValueError,
         "missing customer ids"),
    ],
)
def test_bad_logs_are_named(log, change, error, message):
    with pytest.raises(error, match=message):
        rfm.rfm_table(change(log))


def test_end_before_the_data(log):
    with pytest.raises(ValueError, match=r"end \(2023-01-01\) is before the first"):
        rfm.rfm_table(log, end="2023-01-01")


def test_bins_must_be_sensible():
    with pytest.raises(ValueError, match="bins must be an integer >= 2"):
        rfm.score(pd.Series([1.0, 2.0]), bins=1)


def test_gini_and_top_share_known_values():
    assert conc.gini(np.ones(10)) == pytest.approx(0.0)
    values = np.r_[np.zeros(99), 1.0]
    assert conc.gini(values) == pytest.approx(0.99)
    assert conc.top_share(values, 0.01) == pytest.approx(1.0)
    assert conc.top_share([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(0.7)
    assert conc.top_share([1.0, 2.0, 3.0, 4.0], 0.375) == pytest.approx((4 + 0.5 * 3) / 10)


def test_gini_equals_mean_absolute_difference_formula():
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 1, 400)
    mad = np.abs(x[:, None] - x[None, :]).mean()
    assert conc.gini(x) == pytest.approx(mad / (2 * x.mean()), rel=1e-9)


def test_unprofitable_customers_are_kept():
    profit = np.array([-30.0, -10.0, 5.0, 15.0, 60.0])
    curve = conc.lorenz_curve(profit)
    assert curve["value_share"].min() < 0  # the curve dips below zero
    assert conc.top_share(profit, 0.2) == pytest.approx(1.5)  # top 20% hold 150%
    t = conc.concentration_table(profit, tops=(0.2,))
    assert t.attrs["negative_customers"] == 2 and t.attrs["negative_total"] == -40.0


@pytest.mark.parametrize("bad", [[], [np.nan, 1.0], [-1.0, 0.5]])
def test_concentration_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        conc.gini(bad)


def test_revenue_is_concentrated_in_the_classroom_world():
    w = crm.load_dataset("tiny")
    revenue = w.transactions.groupby("customer_id")["amount"].sum()
    assert conc.top_share(revenue, 0.2) > 0.5 and 0.4 < conc.gini(revenue) < 0.95
