"""Customer profit: revenue less what it costs to win, serve, bill and market to a customer.

"Not all customers are equally profitable" (the success-factors article, seed 000) is a
statement about *profit*, not revenue. Revenue alone hides the customers who cost more
than they bring: a prepaid customer who tops up once after an expensive acquisition,
or a postpaid customer whose bills go to collections and whose complaints reach an
executive. :func:`customer_profit` turns a world's observable tables into one profit
and loss line per customer with a small, explicit cost model (every cost is a keyword
argument, so students can change the assumptions and see what moves).
:func:`value_capture` asks how much of a value (for example the true lifetime value)
the customers ranked highest by some score hold — the yardstick for comparing
rankings against a known truth.

Examples
--------
>>> import crmlab as crm
>>> from crmlab.analytics import profitability
>>> w = crm.load_dataset("tiny")
>>> pnl = profitability.customer_profit(w.tables)
>>> bool((pnl["profit"] < 0).any()), len(pnl) == len(w.customers)
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ._validation import check_frame_columns, check_tables

__all__ = ["customer_profit", "value_capture"]

_NEEDED = {
    "customers": ["customer_id"],
    "transactions": ["customer_id", "amount"],
    "invoices": ["customer_id", "amount", "adjustment"],
    "payments": ["customer_id", "amount"],
    "complaints": ["customer_id", "escalation_level"],
    "collections": ["customer_id"],
    "contacts": ["customer_id", "contact_cost", "offer_cost"],
    "referrals": ["referrer_id", "reward"],
}


def _cost(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return v


def customer_profit(tables: Mapping[str, pd.DataFrame], *, gross_margin: float = 0.4,
                    acquisition_cost: float = 10.0, complaint_cost: float = 4.0,
                    escalation_cost: float = 6.0,
                    collection_step_cost: float = 3.0) -> pd.DataFrame:
    """One profit and loss line per customer over the observed history.

    The cost model, all in the world's currency::

        revenue     = top-ups and store purchases + bills (after dispute adjustments)
        unpaid      = bills not paid (revenue the network served but never collected)
        gross       = gross_margin * revenue - unpaid
        service     = complaint_cost * complaints + escalation_cost * escalation levels
        collections = collection_step_cost * collection steps (reminder, call, ...)
        marketing   = campaign contact and offer costs + referral rewards earned
        acquisition = acquisition_cost (once per customer)
        profit      = gross - service - collections - marketing - acquisition

    ``gross_margin * revenue - unpaid`` keeps the margin on what was paid and charges
    the network cost of the unpaid part: serving a bill that is never paid loses money.

    Parameters
    ----------
    tables : mapping of table name to DataFrame
        ``World.tables``, or any mapping with these tables and columns: ``customers``
        (``customer_id``), ``transactions`` (``customer_id``, ``amount``), ``invoices``
        (``customer_id``, ``amount``, ``adjustment``), ``payments`` (``customer_id``,
        ``amount``), ``complaints`` (``customer_id``, ``escalation_level``),
        ``collections`` (``customer_id``), ``contacts`` (``customer_id``,
        ``contact_cost``, ``offer_cost``) and ``referrals`` (``referrer_id``,
        ``reward``). Tables other than ``customers`` may be empty.
    gross_margin : float, default=0.4
        Share of revenue left after the network's variable costs, in (0, 1].
    acquisition_cost, complaint_cost, escalation_cost, collection_step_cost : float
        Costs per new customer, per complaint, per escalation level (level 3, an
        executive, costs three times level 1) and per collection step; each >= 0.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` in the order of ``tables["customers"]``: ``revenue``,
        ``unpaid``, ``gross``, ``service``, ``collections``, ``marketing``,
        ``acquisition``, ``profit``.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> pnl = customer_profit(w.tables, acquisition_cost=0.0)
    >>> bool(np.isclose(pnl["revenue"].sum(), w.transactions["amount"].sum()
    ...      + (w.invoices["amount"] + w.invoices["adjustment"]).sum()))
    True
    """
    check_tables(tables, _NEEDED)
    check_frame_columns(tables["customers"], _NEEDED["customers"], "tables['customers']",
                        if_empty="need at least one customer")
    margin = _cost("gross_margin", gross_margin)
    if not 0.0 < margin <= 1.0:
        raise ValueError(f"gross_margin must be in (0, 1]; got {gross_margin!r}")
    acq = _cost("acquisition_cost", acquisition_cost)
    per_complaint = _cost("complaint_cost", complaint_cost)
    per_level = _cost("escalation_cost", escalation_cost)
    per_step = _cost("collection_step_cost", collection_step_cost)

    ids = pd.Index(tables["customers"]["customer_id"].to_numpy(), name="customer_id")
    if ids.has_duplicates:
        raise ValueError("customers has duplicate customer_id values")

    def total(table: pd.DataFrame, values, key: str = "customer_id") -> np.ndarray:
        return (pd.Series(np.asarray(values, dtype=float), index=table.index)
                .groupby(table[key].to_numpy()).sum()
                .reindex(ids, fill_value=0.0).to_numpy())

    tx, inv, pay = tables["transactions"], tables["invoices"], tables["payments"]
    comp, coll = tables["complaints"], tables["collections"]
    cont, refs = tables["contacts"], tables["referrals"]
    billed = total(inv, inv["amount"].to_numpy() + inv["adjustment"].to_numpy())
    paid = total(pay, pay["amount"])
    revenue = total(tx, tx["amount"]) + billed
    unpaid = np.maximum(billed - paid, 0.0)
    gross = margin * revenue - unpaid
    service = total(comp, per_complaint + per_level * comp["escalation_level"].to_numpy())
    collections = total(coll, np.full(len(coll), per_step))
    marketing = (total(cont, cont["contact_cost"].to_numpy() + cont["offer_cost"].to_numpy())
                 + total(refs, refs["reward"], key="referrer_id"))
    acquisition = np.full(len(ids), acq)
    profit = gross - service - collections - marketing - acquisition
    return pd.DataFrame({"revenue": revenue, "unpaid": unpaid, "gross": gross,
                         "service": service, "collections": collections,
                         "marketing": marketing, "acquisition": acquisition,
                         "profit": profit}, index=ids)


def value_capture(scores, values, tops: Sequence[float] = (0.05, 0.1, 0.2, 0.5)
                  ) -> pd.Series:
    """Share of the total ``values`` held by the top customers ranked by ``scores``.

    With ``scores = values`` this is the best any ranking can do (the concentration
    top share); with a model's predictions it says how much of the real value a
    campaign aimed at the model's top customers would reach. Customers with tied
    ``scores`` are interchangeable: where the top ``k`` cuts through a group of ties, the
    group contributes its average value per customer taken, so the answer does not depend
    on the order of the rows (breaking ties by position would let the row order move it).

    Parameters
    ----------
    scores, values : array-like
        One entry per customer, aligned; ``values`` must have a positive total.
    tops : sequence of float, default=(0.05, 0.1, 0.2, 0.5)
        Fractions of customers in (0, 1]; the top ``round(top * n)`` are taken.

    Returns
    -------
    Series
        Indexed by ``top``, named ``captured``.

    Examples
    --------
    >>> value_capture([3, 2, 1, 0], [10.0, 0.0, 5.0, 5.0], tops=(0.25, 0.5)).tolist()
    [0.5, 0.5]
    >>> value_capture([10, 0, 5, 5], [10.0, 0.0, 5.0, 5.0], tops=(0.25, 0.5)).tolist()
    [0.5, 0.75]

    Ties share their value: the top quarter takes one of three tied customers, on
    average a third of their 6.0.

    >>> value_capture([1, 1, 1, 0], [6.0, 0.0, 0.0, 0.0], tops=(0.25,)).tolist()
    [0.333...]
    """
    s = np.asarray(scores, dtype=float).ravel()
    v = np.asarray(values, dtype=float).ravel()
    if s.shape != v.shape:
        raise ValueError(f"scores and values must have the same length; got {s.size} "
                         f"and {v.size}")
    if s.size == 0:
        raise ValueError("scores is empty: at least one customer is needed")
    if np.isnan(s).any() or np.isnan(v).any():
        raise ValueError("scores and values must not contain missing values")
    if v.sum() <= 0:
        raise ValueError(f"the total of values must be positive; got {v.sum():.6g}")
    tops = [float(t) for t in tops]
    if not tops or any(not 0.0 < t <= 1.0 for t in tops):
        raise ValueError(f"tops must be fractions in (0, 1]; got {tops}")
    # descending score, and ascending value within ties, so that the sums below see the
    # same sequence of numbers whatever the order of the rows (bit-identical results)
    order = np.lexsort((v, -s))
    ranked_s, ranked_v = s[order], v[order]
    cum = np.concatenate([[0.0], np.cumsum(ranked_v)])
    # tie groups: [start, end) in rank order
    starts = np.flatnonzero(np.r_[True, ranked_s[1:] != ranked_s[:-1]])
    ends = np.r_[starts[1:], s.size]
    counts = np.array([int(round(t * s.size)) for t in tops])
    group = np.searchsorted(starts, np.maximum(counts, 1) - 1, side="right") - 1
    start, end = starts[group], ends[group]
    taken = cum[start] + (counts - start) * (cum[end] - cum[start]) / (end - start)
    captured = np.where(counts > 0, taken, 0.0) / cum[-1]
    return pd.Series(captured, index=pd.Index(tops, name="top"), name="captured")
