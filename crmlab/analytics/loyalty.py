"""Loyalty programmes: why members look better, and how much of it the programme caused.

Customers choose to join a loyalty programme, and the ones who choose are mostly those
who are loyal already: loyalty forms through the relationship, typically after the
first purchases, and the points card comes later. Comparing members with non-members
therefore mixes two things — who the members are (selection) and what the programme
does to them (its effect). The functions here separate the two as far as observable
data allows:

* :func:`member_spending` — each customer's spending per month over their whole
  history, and for members separately before and after they joined;
* :func:`loyalty_gap` — the member / non-member gap measured three ways: over the whole
  history (the naive comparison), before members joined (the gap the programme cannot
  have caused) and members' own change after joining;
* :func:`gap_within_groups` — the gap inside groups of similar customers (for example
  by a propensity to join), averaged with the members' group shares.

Examples
--------
>>> import pandas as pd
>>> customers = pd.DataFrame({"customer_id": ["a", "b"],
...                           "signup_date": pd.to_datetime(["2024-01-01", "2024-01-01"])})
>>> events = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [30.0, 30.0, 10.0],
...                        "timestamp": pd.to_datetime(["2024-02-01", "2024-05-01",
...                                                     "2024-02-01"])})
>>> joins = pd.DataFrame({"customer_id": ["a"], "timestamp": pd.to_datetime(["2024-04-01"])})
>>> s = member_spending(customers, events, joins, end="2024-06-30")
>>> s["member"].tolist(), s["months_before"].round(1).tolist()
([True, False], [3.0, 6.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import renamed_kwargs
from ._validation import check_frame_columns

__all__ = ["gap_within_groups", "loyalty_gap", "member_spending"]

_DAYS_PER_MONTH = 365.25 / 12.0


def member_spending(customers: pd.DataFrame, events: pd.DataFrame, joins: pd.DataFrame, *,
                    end: Any, min_months: float = 1.0) -> pd.DataFrame:
    """Spending per month of every customer, split at the day a member joined.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``signup_date``.
    events : DataFrame
        Money received: ``customer_id``, ``timestamp``, ``amount``.
    joins : DataFrame
        ``customer_id`` and ``timestamp`` of joining the programme (the earliest row of
        each customer counts).
    end : date-like
        End of the observation (a date means the end of that day).
    min_months : float, default=1
        Periods shorter than this are counted as this long, so a customer who joined on
        day one does not get an enormous "spend per month before joining".

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``member``, ``joined`` (NaT for non-members),
        ``months`` (sign-up to end), ``months_before`` (sign-up to joining, or to the
        end), ``spend_per_month``, ``before_per_month``, ``after_per_month`` (NaN for
        non-members).
    """
    check_frame_columns(customers, ["customer_id", "signup_date"], "customers", if_empty=None)
    check_frame_columns(events, ["customer_id", "timestamp", "amount"], "events",
                        if_empty=None)
    check_frame_columns(joins, ["customer_id", "timestamp"], "joins", if_empty=None)
    if min_months <= 0:
        raise ValueError(f"min_months must be positive; got {min_months}")
    end_ts = pd.Timestamp(end)
    if end_ts == end_ts.normalize():
        end_ts = end_ts + pd.Timedelta(days=1)
    ids = pd.Index(customers["customer_id"].astype(str), name="customer_id")
    signup = pd.Series(customers["signup_date"].to_numpy(), index=ids)
    joined = (joins.assign(customer_id=joins["customer_id"].astype(str))
              .groupby("customer_id")["timestamp"].min().reindex(ids))
    ev = events[events["timestamp"] < end_ts]
    ev_ids = ev["customer_id"].astype(str)
    ev_join = joined.reindex(ev_ids).to_numpy()
    before = pd.isna(ev_join) | (ev["timestamp"].to_numpy() < ev_join)
    total = ev.groupby(ev_ids)["amount"].sum().reindex(ids, fill_value=0.0)
    early = ev[before].groupby(ev_ids[before])["amount"].sum().reindex(ids, fill_value=0.0)
    months = (end_ts - signup).dt.total_seconds() / 86_400 / _DAYS_PER_MONTH
    months_before = (joined.fillna(end_ts) - signup).dt.total_seconds() / 86_400 \
        / _DAYS_PER_MONTH
    member = joined.notna()
    after_months = (months - months_before).clip(lower=min_months)
    out = pd.DataFrame({
        "member": member.to_numpy(),
        "joined": joined.to_numpy(),
        "months": months.to_numpy(),
        "months_before": months_before.to_numpy(),
        "spend_per_month": (total / months.clip(lower=min_months)).to_numpy(),
        "before_per_month": (early / months_before.clip(lower=min_months)).to_numpy(),
        "after_per_month": np.where(member, (total - early) / after_months, np.nan),
    }, index=ids)
    return out


def loyalty_gap(spending: pd.DataFrame) -> pd.DataFrame:
    """The member / non-member spending gap, measured three ways.

    Parameters
    ----------
    spending : DataFrame
        From :func:`member_spending`.

    Returns
    -------
    DataFrame
        Rows ``whole history`` (members vs non-members), ``before members joined``
        (members' spending before joining vs non-members), ``members: after vs before``
        (members' own spending after joining vs before). Columns ``members``,
        ``comparison``, ``gap`` (members minus comparison) and ``gap_share`` (gap
        relative to the comparison).

    Examples
    --------
    >>> s = pd.DataFrame({"member": [True, True, False, False],
    ...                   "spend_per_month": [20.0, 20.0, 10.0, 10.0],
    ...                   "before_per_month": [20.0, 20.0, 10.0, 10.0],
    ...                   "after_per_month": [20.0, 20.0, np.nan, np.nan]})
    >>> loyalty_gap(s)["gap"].tolist()
    [10.0, 10.0, 0.0]
    """
    check_frame_columns(spending, ["member", "spend_per_month", "before_per_month",
                                   "after_per_month"], "spending", if_empty=None,
                        hint="build it with member_spending()")
    m = spending["member"].to_numpy(dtype=bool)
    if m.all() or not m.any():
        raise ValueError("spending needs both members and non-members")
    rows = {
        "whole history": (spending.loc[m, "spend_per_month"].mean(),
                          spending.loc[~m, "spend_per_month"].mean()),
        "before members joined": (spending.loc[m, "before_per_month"].mean(),
                                  spending.loc[~m, "spend_per_month"].mean()),
        "members: after vs before": (spending.loc[m, "after_per_month"].mean(),
                                     spending.loc[m, "before_per_month"].mean()),
    }
    table = pd.DataFrame(rows, index=["members", "comparison"]).T
    table["gap"] = table["members"] - table["comparison"]
    table["gap_share"] = table["gap"] / table["comparison"]
    return table


@renamed_kwargs(column="value_col")
def gap_within_groups(spending: pd.DataFrame, groups: pd.Series | np.ndarray, *,
                      value_col: str = "spend_per_month") -> pd.DataFrame:
    """Members vs non-members inside groups of similar customers.

    Parameters
    ----------
    spending : DataFrame
        From :func:`member_spending`.
    groups : array-like
        A group label per row of ``spending`` (for example deciles of a propensity to
        join).
    value_col : str, default="spend_per_month"
        The column of ``spending`` compared.

    Returns
    -------
    DataFrame
        One row per group: ``members``, ``non_members`` (mean of ``value_col``), ``gap``,
        ``n_members``, ``n_non_members``; ``attrs["adjusted_gap"]`` is the mean of the
        gaps weighted by the members in each group (groups without both kinds are
        left out of it).

    Examples
    --------
    >>> s = pd.DataFrame({"member": [True, False, True, False],
    ...                   "spend_per_month": [5.0, 5.0, 50.0, 50.0]})
    >>> t = gap_within_groups(s, ["low", "low", "high", "high"])
    >>> t["gap"].tolist(), t.attrs["adjusted_gap"]
    ([0.0, 0.0], 0.0)
    """
    check_frame_columns(spending, ["member", value_col], "spending", if_empty=None)
    g = np.asarray(groups)
    if len(g) != len(spending):
        raise ValueError(f"groups must have one label per row ({len(spending)}); got {len(g)}")
    d = pd.DataFrame({"group": g, "member": spending["member"].to_numpy(dtype=bool),
                      "value": spending[value_col].to_numpy(dtype=float)})
    mean = d.groupby(["group", "member"], observed=True)["value"].mean().unstack()
    size = d.groupby(["group", "member"], observed=True).size().unstack(fill_value=0)
    table = pd.DataFrame({
        "members": mean.get(True), "non_members": mean.get(False),
    })
    table["gap"] = table["members"] - table["non_members"]
    table["n_members"] = size.get(True, 0)
    table["n_non_members"] = size.get(False, 0)
    both = table["gap"].notna()
    weights = table.loc[both, "n_members"]
    table.attrs["adjusted_gap"] = (float(np.average(table.loc[both, "gap"], weights=weights))
                                   if weights.sum() > 0 else float("nan"))
    return table
