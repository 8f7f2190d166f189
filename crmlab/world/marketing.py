"""Campaigns, contacts with counterfactual responses, and the loyalty programme.

Three kinds of campaign run on a world-wide calendar, and each teaches a point of the
"what CRM is not" article (seed 003):

* ``call_list`` — database marketing: customers are ranked by their past response
  (or recent purchases) and called. The list is full of "sure things" who would have
  bought anyway, so the response rate looks excellent while the true uplift is small.
* ``retention`` — CRM: valuable postpaid customers at risk get an offer.
* ``winback`` — customers who look lapsed (no top-up for 90 days) or who ended their
  contract in the last 180 days.

Every campaign holds back a random control group. For every eligible customer the
truth records both potential outcomes — response if contacted and if not — drawn
from one uniform so that sure things, persuadables, lost causes and sleeping dogs
all appear. Responses are booked as campaign revenue in the contacts table; they do
not add purchases to ``transactions``, which stay a pure BG/NBD process.

The loyalty programme opens ``config.loyalty_launch_months`` after the start.
Customers join mostly when they already behave loyally (frequent buyers who stay), so
members look far better than non-members. In this world the programme itself has no
causal effect on purchases: the member/non-member gap is pure selection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import segments as seg
from ._block import BlockData
from ._common import (
    categorical,
    days_to_timestamps,
    event_ids,
    format_ids,
    sort_events,
    strings,
    take_strings,
)
from .config import WorldConfig
from .names import pools

__all__ = ["CAMPAIGN_KINDS", "LOYALTY_EVENTS", "make_campaigns", "generate_loyalty",
           "generate_marketing"]

CAMPAIGN_KINDS = ("call_list", "retention", "winback")
CAMPAIGN_CHANNELS = ("call_centre", "sms", "email")
TARGET_PLANS = ("prepaid", "postpaid", "all")
LOYALTY_EVENTS = ("join", "earn", "redeem")
#: Points are redeemed in chunks of this size.
REDEEM_CHUNK = 500
#: Days of purchase history used to score customers and to call one lapsed.
LOOKBACK_DAYS = 180.0
LAPSED_DAYS = 90.0

_KIND_SETUP = {  # channel, target plan, cost per contact, offer value (model money)
    "call_list": ("call_centre", "all", 2.0, 5.0),
    "retention": ("sms", "postpaid", 0.2, 10.0),
    "winback": ("call_centre", "all", 2.0, 8.0),
}
_SEASON_NAMES = ("Winter", "Spring", "Summer", "Autumn")
_KIND_NAMES = {"call_list": "call list", "retention": "retention offer",
               "winback": "win-back"}


def make_campaigns(config: WorldConfig, rng: np.random.Generator) -> pd.DataFrame:
    """The world-wide campaign calendar.

    About ``config.campaigns_per_year`` campaigns a year, spread evenly from 60 days
    after the start, their kinds cycling call list, retention, win-back.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> c = make_campaigns(WorldConfig(), np.random.default_rng(0))
    >>> c["kind"].tolist()[:3]
    ['call_list', 'retention', 'winback']
    """
    scale = pools(config.locale).money_scale
    first, last = 60.0, config.n_days - 50.0
    n = max(1, int(round(config.campaigns_per_year * config.n_days / 365.0)))
    if last <= first:
        first, last = 0.0, max(config.n_days - 10.0, 1.0)
    spacing = (last - first) / n
    start_day = np.floor(first + spacing * np.arange(n) + rng.uniform(0, spacing * 0.5, n))
    length = rng.integers(14, 43, n)
    end_day = np.minimum(start_day + length - 1, config.n_days - 1)
    kind = np.arange(n) % len(CAMPAIGN_KINDS)
    setup = [_KIND_SETUP[CAMPAIGN_KINDS[k]] for k in range(len(CAMPAIGN_KINDS))]
    channel = np.array([CAMPAIGN_CHANNELS.index(setup[k][0]) for k in kind], dtype=int)
    target = np.array([TARGET_PLANS.index(setup[k][1]) for k in kind], dtype=int)
    cost = np.array([setup[k][2] for k in kind]) * scale
    offer = np.array([setup[k][3] for k in kind]) * scale
    starts = days_to_timestamps(config.start_ts, start_day)
    months = pd.DatetimeIndex(starts).month.to_numpy()
    years = pd.DatetimeIndex(starts).year.to_numpy()
    names = [f"{_SEASON_NAMES[(m % 12) // 3]} {_KIND_NAMES[CAMPAIGN_KINDS[k]]} {y}"
             for m, k, y in zip(months, kind, years, strict=True)]
    return pd.DataFrame({
        "campaign_id": format_ids("K", np.arange(1, n + 1), 3),
        "name": strings(names),
        "kind": categorical(kind, CAMPAIGN_KINDS),
        "channel": categorical(channel, CAMPAIGN_CHANNELS),
        "target_plan": categorical(target, TARGET_PLANS),
        "start_date": starts,
        "end_date": days_to_timestamps(config.start_ts, end_day),
        "cost_per_contact": cost,
        "offer_value": offer,
        "list_share": np.full(n, 0.3),
        "holdout_share": np.full(n, 0.1),
    })


def _stable_day_order(day: np.ndarray) -> np.ndarray:
    """``np.argsort(day, kind="stable")``, faster for days recorded to the second.

    Such days are ``k / 86400`` exactly, so ``k * len(day) + position`` is a unique
    integer key in the same order, and unique keys need no stable sort.
    """
    seconds = np.round(day * 86_400.0)
    if len(day) and (np.array_equal(seconds / 86_400.0, day)
                     and np.abs(seconds).max() * len(day) < 2**62):
        return np.argsort(seconds.astype(np.int64) * len(day) + np.arange(len(day)))
    return np.argsort(day, kind="stable")


class _History:
    """Each customer's purchases as a campaign starting at day ``t`` sees them: count
    and total in a look-back window, and the last purchase day before ``t``.

    The events are sorted by day once, so the events before ``t`` are a prefix and a
    window is a slice (no mask over every event per campaign). Each customer's events
    arrive in time order (purchases and invoices are made per customer, in order), so a
    customer's amounts are added in the same order as a masked bincount would add them,
    and the sums are identical; if that ever stops holding, masks are used instead.
    """

    def __init__(self, cust: np.ndarray, day: np.ndarray, amount: np.ndarray, n: int
                 ) -> None:
        self.cust, self.day, self.amount, self.n = cust, day, amount, n
        by_cust = sort_events(cust, day)
        self.first = np.searchsorted(cust[by_cust], np.arange(n))
        self.day_by_cust = day[by_cust]
        self.in_order = np.array_equal(by_cust, np.argsort(cust, kind="stable"))
        if self.in_order:
            by_day = _stable_day_order(day)
            self.sorted_day, self.cust_by_day = day[by_day], cust[by_day]
            self.amount_by_day = amount[by_day]

    def window(self, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
        """Count and sum of each customer's events with ``lo <= day < hi``."""
        if self.in_order:
            a, b = np.searchsorted(self.sorted_day, [lo, hi])
            cust, amount = self.cust_by_day[a:b], self.amount_by_day[a:b]
        else:
            inside = (self.day >= lo) & (self.day < hi)
            cust, amount = self.cust[inside], self.amount[inside]
        return (np.bincount(cust, minlength=self.n),
                np.bincount(cust, weights=amount, minlength=self.n))

    def last_before(self, t: float) -> np.ndarray:
        """Each customer's last event day before ``t`` (-inf if none): a customer's
        events before ``t`` are the first ``count`` of theirs in day order."""
        if self.in_order:
            before = self.cust_by_day[:np.searchsorted(self.sorted_day, t)]
        else:
            before = self.cust[self.day < t]
        count = np.bincount(before, minlength=self.n)
        out = np.full(self.n, -np.inf)
        has = count > 0
        out[has] = self.day_by_cust[self.first[has] + count[has] - 1]
        return out


def generate_marketing(config: WorldConfig, rng: np.random.Generator, data: BlockData,
                       campaigns: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the calendar's campaigns on one block.

    Returns
    -------
    contacts : DataFrame
        contact_id, campaign_id, customer_id, timestamp, group (treatment, control),
        channel, responded, revenue, offer_cost, contact_cost.
    truth_contacts : DataFrame
        Every eligible customer of every campaign: campaign_id, customer_id,
        response_if_contacted, response_if_not_contacted, value_if_responds,
        uplift_probability.
    """
    pop = data.pop
    n = pop.n
    s = pop.segment
    scale = pools(config.locale).money_scale
    mean_spend = (seg.column("gg_p", s) * seg.column("gg_gamma", s)
                  / (seg.column("gg_q", s) - 1.0)) * scale
    # purchases of both plans: top-ups and paid invoices
    ev_cust = np.concatenate([data.tx_cust, data.inv_cust])
    ev_day = np.concatenate([data.tx_day, data.inv_day])
    ev_amount = np.concatenate([data.tx_amount, data.inv_amount])
    contacted = np.zeros(n)
    responded_before = np.zeros(n)
    churn = np.where(np.isnan(data.churn_day), np.inf, data.churn_day)
    observed_end = np.where(pop.postpaid, churn, np.inf)  # what the company can see

    history = _History(ev_cust, ev_day, ev_amount, n)
    contact_parts: dict[str, list[np.ndarray]] = {}
    truth_parts: dict[str, list[np.ndarray]] = {}
    # a dozen campaigns, not customers
    for code, row in enumerate(campaigns.itertuples(index=False)):
        t = float((row.start_date - config.start_ts).days)
        duration = float((row.end_date - row.start_date).days) + 1.0
        kind = row.kind
        count, spend = history.window(t - LOOKBACK_DAYS, t)
        last = history.last_before(t)
        signed = pop.signup_day < t
        plan_ok = {"prepaid": ~pop.postpaid, "postpaid": pop.postpaid,
                   "all": np.ones(n, bool)}[row.target_plan]
        if kind == "winback":
            lapsed = ~pop.postpaid & (t - last > LAPSED_DAYS)
            left = pop.postpaid & (observed_end < t) & (observed_end >= t - LOOKBACK_DAYS)
            eligible = signed & plan_ok & (lapsed | left)
        else:
            eligible = signed & plan_ok & (observed_end > t)
        idx = np.flatnonzero(eligible)
        if len(idx) == 0:
            continue
        alive = data.active_mask(idx, np.full(len(idx), t))
        activity = np.minimum(count[idx], 12) / 6.0
        base = seg.column("base_response", s[idx])
        if kind == "winback":
            p0 = np.where(alive, 0.5 * base * activity, 0.0)
            tau = np.where(alive, 2.0, 0.6) * seg.column("uplift", s[idx])
        else:
            p0 = np.where(alive, base * (0.3 + activity), 0.0)
            tau = seg.column("uplift", s[idx]) * (0.5 + pop.digital[idx]) * (1.0 - p0 / 0.8)
            tau = np.where(alive, tau, 0.0)
            if kind == "retention":  # contacting those about to leave reminds them to go
                leaving = (churn[idx] > t) & (churn[idx] < t + 90.0)
                tau = np.where(leaving & (rng.random(len(idx)) < 0.5), -0.08, tau)
        p0 = np.clip(p0, 0.0, 0.95)
        p1 = np.clip(p0 + tau, 0.0, 1.0)
        u = rng.random(len(idx))
        y0, y1 = u < p0, u < p1
        level = np.where(count[idx] > 0, spend[idx] / np.maximum(count[idx], 1), mean_spend[idx])
        value = np.round(np.where(pop.postpaid[idx], 2.0, 3.0) * level, 2)

        # the company's observable score and list
        if kind == "call_list":
            past = np.divide(responded_before[idx], contacted[idx],
                             out=np.zeros(len(idx)), where=contacted[idx] > 0)
            score = past + count[idx] / 10.0
        elif kind == "retention":
            tenure = np.maximum(t - pop.signup_day[idx], 1.0)
            score = spend[idx] * (1.0 + 30.0 / tenure)
        else:
            score = spend[idx] + count[idx]
        order = np.lexsort((rng.random(len(idx)), -score))
        k = int(np.ceil(row.list_share * len(idx)))
        pick = order[:k]
        control = rng.random(k) < row.holdout_share
        resp = np.where(control, y0[pick], y1[pick])
        contacted[idx[pick[~control]]] += 1
        responded_before[idx[pick[~control]]] += resp[~control]
        contact_day = t + rng.uniform(0.0, duration * 0.5, k)
        for name, values in (
            ("campaign", np.full(k, code)),
            ("customer_index", idx[pick]),
            ("day", contact_day),
            ("group", control.astype(np.int8)),
            ("channel", np.full(k, CAMPAIGN_CHANNELS.index(row.channel))),
            ("responded", resp),
            ("revenue", np.where(resp, value[pick], 0.0)),
            ("offer_cost", np.where(resp & ~control, row.offer_value, 0.0)),
            ("contact_cost", np.where(control, 0.0, row.cost_per_contact)),
        ):
            contact_parts.setdefault(name, []).append(values)
        for name, values in (
            ("campaign", np.full(len(idx), code)),
            ("customer_index", idx),
            ("response_if_contacted", y1.astype(np.int8)),
            ("response_if_not_contacted", y0.astype(np.int8)),
            ("value_if_responds", value),
            ("uplift_probability", np.round(p1 - p0, 4).astype(np.float32)),
        ):
            truth_parts.setdefault(name, []).append(values)

    def column(parts: dict[str, list[np.ndarray]], name: str, dtype) -> np.ndarray:
        return np.concatenate(parts[name]).astype(dtype, copy=False) if parts else \
            np.empty(0, dtype)

    c = {name: column(contact_parts, name, dtype) for name, dtype in (
        ("campaign", np.int64), ("customer_index", np.int64), ("day", float),
        ("group", np.int8), ("channel", np.int64), ("responded", bool), ("revenue", float),
        ("offer_cost", float), ("contact_cost", float))}
    order = np.lexsort((c["customer_index"], c["campaign"]))  # by campaign, then customer
    c = {name: values[order] for name, values in c.items()}
    campaign_ids = campaigns["campaign_id"].astype(str).tolist()
    contacts = pd.DataFrame({
        "contact_id": event_ids("X", pop.block, len(order)),
        "campaign_id": categorical(c["campaign"], campaign_ids),
        "customer_id": take_strings(pop.customer_id, c["customer_index"]),
        "timestamp": days_to_timestamps(config.start_ts, c["day"]),
        "group": categorical(c["group"], ("treatment", "control")),
        "channel": categorical(c["channel"], CAMPAIGN_CHANNELS),
        "responded": c["responded"],
        "revenue": c["revenue"],
        "offer_cost": c["offer_cost"],
        "contact_cost": c["contact_cost"],
    })
    truth = pd.DataFrame({
        "campaign_id": categorical(column(truth_parts, "campaign", np.int64), campaign_ids),
        "customer_id": take_strings(pop.customer_id,
                                    column(truth_parts, "customer_index", np.int64)),
        "response_if_contacted": column(truth_parts, "response_if_contacted", np.int8),
        "response_if_not_contacted": column(truth_parts, "response_if_not_contacted", np.int8),
        "value_if_responds": column(truth_parts, "value_if_responds", float),
        "uplift_probability": column(truth_parts, "uplift_probability", np.float32),
    })
    return contacts, truth


def _group_cumsum(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at each new value of ``group`` (rows sorted by group)."""
    if len(values) == 0:
        return values.copy()
    total = np.cumsum(values)
    starts = np.r_[True, group[1:] != group[:-1]]
    base = (total - values)[starts][np.cumsum(starts) - 1]
    return total - base


def generate_loyalty(config: WorldConfig, rng: np.random.Generator, data: BlockData
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who joins the loyalty programme, what they earn and what they redeem.

    Returns
    -------
    loyalty : DataFrame
        loyalty_event_id, customer_id, timestamp, event (join, earn, redeem), points
        (negative for redemptions), balance (after the event, never negative).
    truth_loyalty : DataFrame
        customer_id, join_propensity (the latent loyalty that drives joining).
    """
    pop = data.pop
    n = pop.n
    scale = pools(config.locale).money_scale
    launch = config.loyalty_launch_months * 365.25 / 12.0
    horizon = float(config.n_days)
    churn = np.where(np.isnan(data.churn_day), np.inf, data.churn_day)
    # latent loyalty: frequent buyers who will stay (the company cannot see the future;
    # the customer knows their own intentions)
    years = np.maximum((np.minimum(churn, horizon) - pop.signup_day) / 365.0, 0.1)
    buys = np.bincount(data.tx_cust, minlength=n) + np.bincount(data.inv_cust, minlength=n)
    stays = churn > np.maximum(launch, pop.signup_day) + 270.0
    z = -2.8 + 0.9 * np.log1p(buys / years / 6.0) + 1.8 * stays
    propensity = 1.0 / (1.0 + np.exp(-z))
    join_day = np.maximum(launch, pop.signup_day) + rng.exponential(120.0, n)
    member = (rng.random(n) < propensity) & (join_day < horizon)
    member &= data.active_mask(np.arange(n), join_day)
    joined = np.flatnonzero(member)
    join_at = np.full(n, np.inf)
    join_at[joined] = join_day[joined]

    ev_cust = np.concatenate([data.tx_cust, data.inv_cust]).astype(np.int64)
    ev_day = np.concatenate([data.tx_day, data.inv_day + 0.5])
    ev_amount = np.concatenate([data.tx_amount, data.inv_amount])
    earn = ev_day > join_at[ev_cust]
    e_cust, e_day = ev_cust[earn], ev_day[earn]
    e_pts = np.floor(ev_amount[earn] / scale).astype(np.int64)
    order = sort_events(e_cust, e_day)
    e_cust, e_day, e_pts = e_cust[order], e_day[order], e_pts[order]
    # redemptions: each time a member's cumulative points pass a multiple of the chunk
    own = _group_cumsum(e_pts, e_cust)  # cumulative points within the customer
    crossed = own // REDEEM_CHUNK - (own - e_pts) // REDEEM_CHUNK
    r_src = np.repeat(np.arange(len(e_cust)), crossed)
    r_cust = e_cust[r_src]
    r_day = e_day[r_src] + rng.uniform(1.0, 30.0, len(r_src))
    keep = (r_day < horizon) & data.active_mask(r_cust, r_day)
    r_cust, r_day = r_cust[keep], r_day[keep]

    cust = np.concatenate([joined, e_cust, r_cust])
    day = np.concatenate([join_day[joined], e_day, r_day])
    event = np.concatenate([np.zeros(len(joined), int), np.ones(len(e_cust), int),
                            np.full(len(r_cust), 2)])
    points = np.concatenate([np.zeros(len(joined), np.int64), e_pts,
                             np.full(len(r_cust), -REDEEM_CHUNK, dtype=np.int64)])
    order = sort_events(cust, day, then=event)
    cust, day, event, points = cust[order], day[order], event[order], points[order]
    balance = _group_cumsum(points, cust)
    loyalty = pd.DataFrame({
        "loyalty_event_id": event_ids("L", pop.block, len(cust)),
        "customer_id": take_strings(pop.customer_id, cust),
        "timestamp": days_to_timestamps(config.start_ts, day),
        "event": categorical(event, LOYALTY_EVENTS),
        "points": points,
        "balance": balance,
    })
    truth = pd.DataFrame({
        "customer_id": pop.customer_id,
        "join_propensity": np.round(propensity, 4),
        "loyalty_member": member,
    })
    return loyalty, truth
