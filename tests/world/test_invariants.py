"""Invariants of every world, checked on many random small worlds (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crmlab as crm
from crmlab.world.schema import FOREIGN_KEYS, PRIMARY_KEYS

MONEY = {
    "transactions": ["amount"], "invoices": ["amount", "usage_gb"], "payments": ["amount"],
    "collections": ["amount_due"], "tariffs": ["monthly_fee", "overage_per_gb"],
}


def _resolve(world, name):
    if name.startswith("truth/"):
        return world.truth.tables[name.split("/", 1)[1]]
    return world.tables[name]


def check_world(w: crm.World) -> None:
    """All invariants; raises AssertionError naming the broken one."""
    customers = w.customers.set_index("customer_id")
    # unique ids
    for table, key in PRIMARY_KEYS.items():
        df = _resolve(w, table)
        assert df[key].is_unique, f"{table}.{key} has duplicates"
        assert df[key].notna().all(), f"{table}.{key} has missing values"
    # every foreign key resolves
    for (table, col), (ref, ref_col) in FOREIGN_KEYS.items():
        df, target = _resolve(w, table), _resolve(w, ref)
        values = df[col].dropna()
        missing = ~values.isin(target[ref_col])
        assert not missing.any(), f"{table}.{col} -> {ref}.{ref_col}: {values[missing][:3]}"
    # no event before sign-up
    signup = customers["signup_date"]
    events = {"transactions": "timestamp", "complaints": "opened_at", "payments": "timestamp",
              "interactions": "timestamp", "loyalty": "timestamp", "contacts": "timestamp",
              "online_activity": "timestamp"}
    for table, col in events.items():
        df = w.tables[table]
        before = df[col].to_numpy() < signup.reindex(df["customer_id"]).to_numpy()
        assert not before.any(), f"{table} has events before sign-up"
    inv_day = w.invoices["issue_date"].to_numpy()
    assert (inv_day >= signup.reindex(w.invoices["customer_id"]).dt.floor("D").to_numpy()).all()
    # nothing after the final churn (won-back customers: nothing while they were away)
    truth = w.truth.customers.set_index("customer_id")
    churn = truth["churn_date"]
    for table, col in [("transactions", "timestamp"), ("complaints", "opened_at"),
                       ("invoices", "issue_date"), ("online_activity", "timestamp")]:
        df = w.tables[table]
        end = churn.reindex(df["customer_id"]).to_numpy()
        late = ~pd.isna(end) & (df[col].to_numpy() > end)
        assert not late.any(), f"{table} has events after churn: {df[late].head(3)}"
    back = customers.dropna(subset=["winback_date"])
    left = w.interactions.query("purpose == 'churn'").set_index("customer_id")["timestamp"]
    for table, col in [("transactions", "timestamp"), ("complaints", "opened_at")]:
        df = w.tables[table]
        df = df[df["customer_id"].isin(back.index)]
        gone = left.reindex(df["customer_id"]).to_numpy()
        ret = back["winback_date"].reindex(df["customer_id"]).to_numpy()
        assert not ((df[col].to_numpy() > gone) & (df[col].to_numpy() < ret)).any()
    # prepaid churn is never observed; postpaid churn only for churned/won-back customers
    assert customers.loc[customers["plan"] == "prepaid", "churn_date"].isna().all()
    assert set(customers["status"].unique()) <= {"active", "churned", "won_back", "no_contract"}
    # no payment before its invoice, complaints resolve after they open
    pay = w.payments.merge(w.invoices[["invoice_id", "issue_date"]], on="invoice_id")
    assert (pay["timestamp"] >= pay["issue_date"]).all(), "payment before its invoice"
    c = w.complaints.dropna(subset=["resolved_at"])
    assert (c["resolved_at"] > c["opened_at"]).all(), "complaint resolved before it opened"
    assert w.complaints["satisfaction"].between(1, 5).all()
    assert w.complaints["escalation_level"].between(0, 3).all()
    # money is non-negative
    for table, cols in MONEY.items():
        for col in cols:
            assert (w.tables[table][col] >= 0).all(), f"{table}.{col} has negative values"
    assert (w.invoices["amount"] + w.invoices["adjustment"] >= 0).all()
    # everything within the history
    end = pd.Timestamp(w.config.end) + pd.Timedelta(days=1)
    for table, col in events.items():
        assert (w.tables[table][col] < end).all(), f"{table} beyond the end of the history"
    # dtypes: real datetimes, categories for categorical text
    assert w.customers["signup_date"].dtype == "datetime64[s]"
    assert isinstance(w.customers["plan"].dtype, pd.CategoricalDtype)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(1, 400),
    block_size=st.sampled_from([50, 137, 10_000]),
    locale=st.sampled_from(["en_US", "fa_IR"]),
    months=st.integers(4, 30),
    postpaid=st.floats(0.0, 1.0),
)
def test_invariants_hold_for_random_worlds(seed, n, block_size, locale, months, postpaid):
    end = (pd.Timestamp("2023-01-01") + pd.DateOffset(months=months)).strftime("%Y-%m-%d")
    cfg = crm.WorldConfig(n_customers=n, block_size=block_size, locale=locale, end=end,
                          postpaid_share=postpaid)
    check_world(crm.make_world(cfg, seed=seed))


def test_invariants_hold_for_the_tiny_preset(tiny_world, tiny_world_fa):
    check_world(tiny_world)
    check_world(tiny_world_fa)


def test_tables_have_realistic_content(tiny_world):
    w = tiny_world
    assert len(w.customers) == 500
    assert set(w.customers["plan"].unique()) == {"prepaid", "postpaid"}
    assert len(w.transactions) > 1000 and len(w.invoices) > 500 and len(w.complaints) > 50
    assert w.truth.customers["segment"].nunique() == 5
    assert np.isclose(w.truth.params.loc["loyal_heavy", "bg_r"], 2.0)
