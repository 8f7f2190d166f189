"""Billing errors, payment delays, the collection ladder and contract cohorts.

The telecom article (seed 001) stresses that mistakes in billing lose revenue, that
customers who do not pay their phone bills need a deliberate collection strategy,
and that the agent who answers a billing complaint must see the customer's contracts
and payments in one place. These functions turn a postpaid operator's invoices,
payments and collection steps into the tables notebook 06 reads:

* :func:`billing_errors` — each bill against what it should have been: what the
  error cost, what a dispute refunded, what was lost for good;
* :func:`payment_delays` — days from the due date to payment (NaN if unpaid);
* :func:`collection_funnel` — how many bills reach each rung of the collection
  ladder and how many are paid in the end;
* :func:`suspension_whatif` — a pure what-if over the observed payment delays: who
  would be suspended if the operator suspended after a different number of days;
* :func:`cohort_survivors` — survivor counts of a sign-up cohort of contracts, the
  input of the shifted-beta-geometric model
  (:meth:`crmlab.analytics.clv.ShiftedBetaGeometric.from_survivors`).

Examples
--------
>>> import crmlab as crm
>>> w = crm.load_dataset("tiny")
>>> funnel = collection_funnel(w.invoices, w.payments)
>>> list(funnel.index)
['issued', 'reminder', 'call', 'suspension', 'write_off']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_frame_columns, check_timestamp

__all__ = ["LADDER", "billing_errors", "cohort_survivors", "collection_funnel",
           "payment_delays", "suspension_curve", "suspension_whatif"]

#: Collection steps and the days after the due date when each is taken (the
#: operator's policy; the crmlab world follows it).
LADDER: dict[str, float] = {"reminder": 7.0, "call": 21.0, "suspension": 45.0,
                            "write_off": 90.0}


def billing_errors(invoices: pd.DataFrame, correct: pd.DataFrame) -> pd.DataFrame:
    """Each bill against the amount it should have been.

    Parameters
    ----------
    invoices : DataFrame
        ``invoice_id``, ``amount`` (billed), ``adjustment`` (correction after a
        dispute), ``disputed``.
    correct : DataFrame
        ``invoice_id``, ``correct_amount`` — what each bill should have been (in a
        crmlab world, ``w.truth.invoices``; in a company, the result of an audit).

    Returns
    -------
    DataFrame
        Indexed by ``invoice_id``: ``billed``, ``correct``, ``error``
        (billed − correct), ``kind`` (``none``, ``overcharge``, ``undercharge``),
        ``disputed``, ``refunded`` (the adjustment given back), ``lost_revenue``
        (undercharges nobody noticed), ``overcharge_kept`` (overcharges nobody
        disputed: money the customer may resent when they find out).

    Examples
    --------
    >>> inv = pd.DataFrame({"invoice_id": ["a", "b", "c"], "amount": [10.0, 20.0, 5.0],
    ...                     "adjustment": [0.0, -5.0, 0.0],
    ...                     "disputed": [False, True, False]})
    >>> ok = pd.DataFrame({"invoice_id": ["a", "b", "c"], "correct_amount": [10.0, 15.0, 8.0]})
    >>> billing_errors(inv, ok)[["kind", "refunded", "lost_revenue"]].to_numpy().tolist()
    [['none', 0.0, 0.0], ['overcharge', 5.0, 0.0], ['undercharge', 0.0, 3.0]]
    """
    check_frame_columns(invoices, ["invoice_id", "amount", "adjustment", "disputed"],
                        "invoices", if_empty="need at least one invoice")
    check_frame_columns(correct, ["invoice_id", "correct_amount"], "correct",
                        if_empty="need the correct amount of every invoice")
    truth = correct.set_index("invoice_id")["correct_amount"]
    missing = ~invoices["invoice_id"].isin(truth.index)
    if missing.any():
        raise ValueError(f"correct has no amount for {int(missing.sum())} invoices "
                         f"(e.g. {invoices['invoice_id'][missing].iloc[0]!r})")
    billed = invoices["amount"].to_numpy(dtype=float)
    right = truth.reindex(invoices["invoice_id"]).to_numpy(dtype=float)
    error = np.round(billed - right, 2)
    kind = np.where(error > 0, "overcharge", np.where(error < 0, "undercharge", "none"))
    refunded = -invoices["adjustment"].to_numpy(dtype=float)
    disputed = invoices["disputed"].to_numpy(dtype=bool)
    out = pd.DataFrame({
        "billed": billed, "correct": right, "error": error,
        "kind": pd.Categorical(kind, categories=["none", "overcharge", "undercharge"]),
        "disputed": disputed,
        "refunded": np.round(np.maximum(refunded, 0.0), 2),
        "lost_revenue": np.round(np.maximum(-error, 0.0), 2),
        "overcharge_kept": np.round(np.where(disputed, 0.0, np.maximum(error, 0.0)), 2),
    }, index=pd.Index(invoices["invoice_id"].to_numpy(), name="invoice_id"))
    return out


def payment_delays(invoices: pd.DataFrame, payments: pd.DataFrame) -> pd.Series:
    """Days from each bill's due date to its payment (negative: paid early).

    Parameters
    ----------
    invoices : DataFrame
        ``invoice_id``, ``due_date``.
    payments : DataFrame
        ``invoice_id``, ``timestamp`` (at most one payment per invoice).

    Returns
    -------
    Series
        Indexed by ``invoice_id``; NaN for bills not paid in the data.

    Examples
    --------
    >>> inv = pd.DataFrame({"invoice_id": ["a", "b"],
    ...                     "due_date": pd.to_datetime(["2024-01-15", "2024-02-15"])})
    >>> pay = pd.DataFrame({"invoice_id": ["a"], "timestamp": pd.to_datetime(["2024-01-25"])})
    >>> payment_delays(inv, pay).tolist()
    [10.0, nan]
    """
    check_frame_columns(invoices, ["invoice_id", "due_date"], "invoices",
                        if_empty="need at least one invoice")
    check_frame_columns(payments, ["invoice_id", "timestamp"], "payments", if_empty=None)
    if payments["invoice_id"].duplicated().any():
        raise ValueError("payments has several payments for one invoice; sum them per "
                         "invoice first")
    paid = payments.set_index("invoice_id")["timestamp"]
    when = paid.reindex(invoices["invoice_id"]).to_numpy()
    days = (pd.to_datetime(when) - pd.DatetimeIndex(invoices["due_date"])
            ).total_seconds().to_numpy() / 86_400.0
    return pd.Series(days, index=pd.Index(invoices["invoice_id"].to_numpy(),
                                          name="invoice_id"), name="days_late")


def collection_funnel(invoices: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Bills reaching each rung of the collection ladder, and what became of them.

    Parameters
    ----------
    invoices : DataFrame
        ``invoice_id``, ``due_date``, ``amount``, ``adjustment``, ``collection_step``
        (the highest step reached: ``none``, ``reminder``, ``call``,
        ``suspension``, ``write_off``).
    payments : DataFrame
        ``invoice_id``, ``timestamp``.

    Returns
    -------
    DataFrame
        Rows ``issued`` and the :data:`LADDER` steps: ``bills`` reaching the step,
        ``share_of_issued``, ``amount_due``, ``paid_later`` (share of them paid in
        the end), ``median_days_to_pay`` (of those paid).

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> f = collection_funnel(w.invoices, w.payments)
    >>> bool((f["bills"].diff().dropna() <= 0).all())  # every rung holds fewer bills
    True
    """
    check_frame_columns(invoices, ["invoice_id", "due_date", "amount", "adjustment",
                                   "collection_step"], "invoices",
                        if_empty="need at least one invoice")
    steps = ["none", *LADDER]
    step = invoices["collection_step"].astype(str)
    unknown = sorted(set(step) - set(steps))
    if unknown:
        raise ValueError(f"unknown collection_step values {unknown}; allowed: {steps}")
    rank = pd.Index(steps).get_indexer(step)
    delay = payment_delays(invoices, payments).to_numpy()
    due = (invoices["amount"] + invoices["adjustment"]).to_numpy(dtype=float)
    rows = {}
    for k, name in enumerate(["issued", *LADDER]):  # five rungs, not rows of data
        reached = rank >= k
        paid = reached & ~np.isnan(delay)
        rows[name] = {
            "bills": int(reached.sum()),
            "share_of_issued": reached.mean(),
            "amount_due": round(float(due[reached].sum()), 2),
            "paid_later": paid.sum() / reached.sum() if reached.any() else np.nan,
            "median_days_to_pay": float(np.median(delay[paid])) if paid.any() else np.nan,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "step"
    return out


def suspension_whatif(invoices: pd.DataFrame, payments: pd.DataFrame, *,
                      suspend_after_days: float, write_off_after_days: float = 90.0
                      ) -> dict[str, Any]:
    """What a different suspension rule would have done, given observed payment delays.

    A bill still unpaid ``suspend_after_days`` after its due date suspends the
    customer's line (ending the contract); one still unpaid after
    ``write_off_after_days`` is written off. Payment behaviour is taken as observed —
    the what-if ignores that a harsher rule might make some customers pay sooner —
    and bills too young to have reached a step are not counted for it.

    Parameters
    ----------
    invoices, payments : DataFrame
        As for :func:`collection_funnel` (``invoice_id``, ``customer_id``,
        ``due_date``, ``amount``, ``adjustment``; ``invoice_id``, ``timestamp``).
    suspend_after_days : float in [0, 365]
    write_off_after_days : float, default=90

    Returns
    -------
    dict
        ``suspended_customers`` (distinct customers suspended),
        ``suspended_but_would_pay`` (of them, customers whose every suspending bill
        was paid in the end: good but slow payers lost), ``unpaid_customers``
        (suspended with a bill still unpaid when the data end), ``unpaid_days``
        (days of service given on bills still unpaid, before suspension),
        ``written_off_amount``, and ``by_customer`` (a DataFrame indexed by the
        suspended customers: ``bills`` that would suspend them, ``unpaid``).

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> strict = suspension_whatif(w.invoices, w.payments, suspend_after_days=10)
    >>> lax = suspension_whatif(w.invoices, w.payments, suspend_after_days=60)
    >>> strict["suspended_customers"] >= lax["suspended_customers"]
    True
    """
    check_frame_columns(invoices, ["invoice_id", "customer_id", "due_date", "amount",
                                   "adjustment"], "invoices",
                        if_empty="need at least one invoice")
    for name, value in (("suspend_after_days", suspend_after_days),
                        ("write_off_after_days", write_off_after_days)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                or not 0 <= float(value) <= 365:
            raise ValueError(f"{name} must be a number of days in [0, 365]; got {value!r}")
    return _suspension(_payment_facts(invoices, payments), float(suspend_after_days),
                       float(write_off_after_days))


def _payment_facts(invoices: pd.DataFrame, payments: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per bill: days late (NaN unpaid), age of the due date at the end, customer, amount."""
    delay = payment_delays(invoices, payments).to_numpy()
    due_date = pd.DatetimeIndex(invoices["due_date"])
    last_seen = max(due_date.max(), pd.DatetimeIndex(payments["timestamp"]).max()
                    if len(payments) else due_date.max())
    return {"delay": delay,
            "age": (last_seen - due_date).total_seconds().to_numpy() / 86_400.0,
            "customer": invoices["customer_id"].astype(str).to_numpy(),
            "amount": (invoices["amount"] + invoices["adjustment"]).to_numpy(dtype=float)}


def _suspension(facts: dict[str, np.ndarray], s: float, write_off: float) -> dict[str, Any]:
    delay, age = facts["delay"], facts["age"]
    never = np.isnan(delay)
    late = np.where(never, np.inf, delay) > s
    hit = late & (age > s)  # old enough for the rule to have acted
    who, where = np.unique(facts["customer"][hit], return_inverse=True)
    by_customer = pd.DataFrame({
        "bills": np.bincount(where, minlength=who.size),
        "unpaid": np.bincount(where, weights=never[hit], minlength=who.size) > 0,
    }, index=pd.Index(who, name="customer_id"))
    written = never & (age > write_off)
    return {
        "suspended_customers": int(len(by_customer)),
        "suspended_but_would_pay": int((~by_customer["unpaid"]).sum()),
        "unpaid_customers": int(by_customer["unpaid"].sum()),
        "unpaid_days": float(np.minimum(age[never], s).sum()),
        "written_off_amount": round(float(facts["amount"][written].sum()), 2),
        "by_customer": by_customer,
    }


def suspension_curve(invoices: pd.DataFrame, payments: pd.DataFrame, *,
                     thresholds: Any = tuple(range(0, 121, 5))) -> pd.DataFrame:
    """:func:`suspension_whatif` over a range of suspension thresholds.

    Parameters
    ----------
    invoices, payments : DataFrame
        As for :func:`suspension_whatif`.
    thresholds : sequence of float, default 0, 5, ..., 120
        Days after the due date.

    Returns
    -------
    DataFrame
        Indexed by ``suspend_after_days``: ``suspended_customers``,
        ``suspended_but_would_pay``, ``unpaid_customers``, ``unpaid_days``.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> curve = suspension_curve(w.invoices, w.payments, thresholds=[7, 45])
    >>> bool(curve["unpaid_days"].is_monotonic_increasing)
    True
    """
    keys = ["suspended_customers", "suspended_but_would_pay", "unpaid_customers",
            "unpaid_days"]
    check_frame_columns(invoices, ["invoice_id", "customer_id", "due_date", "amount",
                                   "adjustment"], "invoices",
                        if_empty="need at least one invoice")
    values = [float(t) for t in thresholds]
    if not values or any(not 0 <= t <= 365 for t in values):
        raise ValueError("thresholds must be one or more numbers of days in [0, 365]")
    facts = _payment_facts(invoices, payments)
    rows = [{k: _suspension(facts, t, 90.0)[k] for k in keys}
            for t in values]  # one vectorised what-if per threshold
    return pd.DataFrame(rows, index=pd.Index(values, name="suspend_after_days"))


def cohort_survivors(customers: pd.DataFrame, *, start: Any, end: Any, periods: int,
                     as_of: Any, plan: str | None = "postpaid") -> list[int]:
    """Survivor counts of the contracts signed between ``start`` and ``end``.

    Parameters
    ----------
    customers : DataFrame
        ``signup_date``, ``churn_date`` (NaT while active) and, with ``plan``,
        ``plan``.
    start, end : date
        The cohort: customers who signed up on these days or between them.
    periods : int
        Months to count; every cohort member must have been observable for that long
        (``end`` + ``periods`` months <= ``as_of``).
    as_of : date
        The last day of the data.
    plan : str or None, default="postpaid"
        Keep only customers on this plan (None: everyone).

    Returns
    -------
    list of int
        ``[n_0, n_1, ..., n_periods]``: the cohort size and those still customers
        after each month since their own sign-up (a contract that ends exactly at the
        end of month ``t`` is not counted in ``n_t``).

    Examples
    --------
    >>> c = pd.DataFrame({"signup_date": pd.to_datetime(["2024-01-05", "2024-01-20"]),
    ...                   "churn_date": pd.to_datetime(["2024-03-01", None])})
    >>> cohort_survivors(c, start="2024-01-01", end="2024-01-31", periods=3,
    ...                  as_of="2024-12-31", plan=None)
    [2, 2, 1, 1]
    >>> c.loc[0, "churn_date"] = pd.Timestamp("2024-02-01")  # left in the first month
    >>> cohort_survivors(c, start="2024-01-01", end="2024-01-31", periods=3,
    ...                  as_of="2024-12-31", plan=None)
    [2, 1, 1, 1]
    """
    check_frame_columns(customers, ["signup_date", "churn_date",
                                    None if plan is None else "plan"], "customers",
                        if_empty="need at least one customer")
    start_ts, end_ts = check_timestamp(start, "start"), check_timestamp(end, "end")
    as_of_ts = check_timestamp(as_of, "as_of")
    if isinstance(periods, bool) or not isinstance(periods, (int, np.integer)) or periods < 1:
        raise ValueError(f"periods must be a whole number >= 1; got {periods!r}")
    if end_ts < start_ts:
        raise ValueError(f"end ({end_ts.date()}) is before start ({start_ts.date()})")
    if end_ts + pd.DateOffset(months=periods) > as_of_ts + pd.Timedelta(days=1):
        raise ValueError(f"the cohort cannot be followed for {periods} months: its last "
                         f"member signed up on {end_ts.date()} and the data end on "
                         f"{as_of_ts.date()}")
    keep = customers["signup_date"].between(start_ts, end_ts)
    if plan is not None:
        keep &= customers["plan"].astype(str) == plan
    cohort = customers[keep]
    if cohort.empty:
        raise ValueError("no customer signed up in that window" +
                         (f" on plan {plan!r}" if plan else ""))
    months = (cohort["churn_date"] - cohort["signup_date"]).dt.total_seconds().to_numpy() \
        / 86_400.0 / (365.25 / 12.0)
    # a contract ending exactly at the end of month t is gone after month t (rounding
    # to 1/1000 of a month absorbs timestamps stored to the second)
    lived = np.where(np.isnan(months), np.inf, np.round(months, 3))
    alive = (lived[:, None] > np.arange(periods + 1)[None, :]).sum(axis=0)
    alive[0] = len(cohort)
    return alive.astype(int).tolist()
