"""Billing errors, payment delays, the collection ladder and cohort survivors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import billing, clv


def test_billing_errors_account_for_every_error(world):
    e = billing.billing_errors(world.invoices, world.truth.invoices)
    truth = world.truth.invoices.set_index("invoice_id")
    assert (e["kind"].astype(str).to_numpy()
            == truth["billing_error"].astype(str).reindex(e.index).to_numpy()).all()
    assert np.isclose(e["error"].sum(), truth["error_amount"].sum())
    over = e[e["kind"] == "overcharge"]
    # an overcharge is either refunded after a dispute or kept; never both
    assert np.allclose(over["refunded"] + over["overcharge_kept"], over["error"], atol=0.011)
    assert (e.loc[e["kind"] == "undercharge", "lost_revenue"] > 0).all()
    assert (e.loc[e["kind"] == "none", ["refunded", "lost_revenue"]] == 0).all(axis=None)


def test_payment_delays_match_the_ladder(world):
    delay = billing.payment_delays(world.invoices, world.payments)
    inv = world.invoices.set_index("invoice_id")
    assert delay.isna().sum() == len(world.invoices) - len(world.payments)
    on_time = inv["status"].astype(str).reindex(delay.index) == "paid_on_time"
    # due dates are stored as days while the operator's clock runs within the day
    assert (delay[on_time] < 1).all() and (delay[~on_time].dropna() > 0).all()
    called = inv["collection_step"].astype(str).reindex(delay.index) == "call"
    assert (delay[called].dropna() > 21).all()


def test_collection_funnel(world):
    f = billing.collection_funnel(world.invoices, world.payments)
    assert f.loc["issued", "bills"] == len(world.invoices)
    steps = world.collections["step"].astype(str).value_counts()
    for step in billing.LADDER:
        assert f.loc[step, "bills"] == steps[step]
    assert f["paid_later"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="unknown collection_step values"):
        billing.collection_funnel(world.invoices.assign(collection_step="lawyer"),
                                  world.payments)


def test_suspension_whatif_trades_lost_payers_for_unpaid_service(world):
    curve = billing.suspension_curve(world.invoices, world.payments,
                                     thresholds=[7, 21, 45, 90])
    assert curve["suspended_customers"].is_monotonic_decreasing
    assert curve["suspended_but_would_pay"].is_monotonic_decreasing
    assert curve["unpaid_days"].is_monotonic_increasing
    r = billing.suspension_whatif(world.invoices, world.payments, suspend_after_days=45)
    assert r["suspended_customers"] == r["suspended_but_would_pay"] + r["unpaid_customers"]
    assert r["suspended_customers"] == curve.loc[45.0, "suspended_customers"]
    # every customer the world itself suspended for non-payment is suspended at 45 days
    truth = world.truth.customers.set_index("customer_id")
    non_payment = set(truth.index[truth["churn_cause"].astype(str) == "non_payment"])
    assert non_payment <= set(r["by_customer"].index)
    written = billing.suspension_whatif(world.invoices, world.payments, suspend_after_days=45,
                                        write_off_after_days=90)["written_off_amount"]
    written_off = world.invoices["status"].astype(str) == "written_off"
    assert written == pytest.approx((world.invoices["amount"] + world.invoices["adjustment"])
                                    [written_off].sum())


def test_suspension_bad_input(world):
    with pytest.raises(ValueError, match="suspend_after_days must be a number of days"):
        billing.suspension_whatif(world.invoices, world.payments, suspend_after_days=-1)
    with pytest.raises(ValueError, match="thresholds must be"):
        billing.suspension_curve(world.invoices, world.payments, thresholds=[])
    with pytest.raises(ValueError, match="several payments for one invoice"):
        billing.payment_delays(world.invoices, pd.concat([world.payments, world.payments]))


def test_cohort_survivors_feed_the_sbg_model(world):
    surv = billing.cohort_survivors(world.customers, start="2023-01-01", end="2023-12-31",
                                    periods=24, as_of="2025-12-31")
    post = world.customers[world.customers["plan"] == "postpaid"]
    assert surv[0] == post["signup_date"].between("2023-01-01", "2023-12-31").sum()
    assert all(a >= b for a, b in zip(surv, surv[1:], strict=False))
    fit = clv.ShiftedBetaGeometric.from_survivors(surv).fit()
    assert np.allclose(fit.survival(np.arange(25)) * surv[0], surv, rtol=0.1, atol=8)
    with pytest.raises(ValueError, match="cannot be followed for 36 months"):
        billing.cohort_survivors(world.customers, start="2023-01-01", end="2023-12-31",
                                 periods=36, as_of="2025-12-31")
    with pytest.raises(ValueError, match="no customer signed up"):
        billing.cohort_survivors(world.customers, start="2020-01-01", end="2020-01-31",
                                 periods=3, as_of="2025-12-31")
    with pytest.raises(ValueError, match="correct has no amount"):
        billing.billing_errors(world.invoices, world.truth.invoices.iloc[1:])
