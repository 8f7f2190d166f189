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

Every coefficient (costs, calendar, response and uplift, loyalty) is in
``config.marketing`` and ``config.loyalty``.

The loyalty programme opens ``config.loyalty_launch_months`` after the start.
Customers join mostly when they already behave loyally (frequent buyers who stay), so
members look far better than non-members. In this world the programme itself has no
causal effect on purchases: the member/non-member gap is pure selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._kernels import (
    categorical,
    days_to_timestamps,
    format_ids,
    frame,
    sort_events,
    strings,
    take_strings,
)
from ..config import WorldConfig
from ..labels import CAMPAIGN_KINDS
from ..locales import pools
from ._block import Churn, Events
from .population import Population

__all__ = ["CAMPAIGN_KINDS", "LOYALTY_EVENTS", "make_campaigns", "generate_loyalty",
           "generate_marketing"]

CAMPAIGN_CHANNELS = ("call_centre", "sms", "email")
TARGET_PLANS = ("prepaid", "postpaid", "all")
LOYALTY_EVENTS = ("join", "earn", "redeem")

#: The channel and target plan of each kind of campaign (labels; the costs are in
#: ``config.marketing``).
_KIND_SETUP = {
    "call_list": ("call_centre", "all"),
    "retention": ("sms", "postpaid"),
    "winback": ("call_centre", "all"),
}
_SEASON_NAMES = ("Winter", "Spring", "Summer", "Autumn")
_KIND_NAMES = {"call_list": "call list", "retention": "retention offer",
               "winback": "win-back"}


def make_campaigns(config: WorldConfig, rng: np.random.Generator) -> pd.DataFrame:
    """The world-wide campaign calendar.

    About ``config.campaigns_per_year`` campaigns a year, spread evenly from
    ``config.marketing.first_campaign_day`` (60 by default) after the start, their kinds
    cycling call list, retention, win-back.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> c = make_campaigns(WorldConfig(), np.random.default_rng(0))
    >>> c["kind"].tolist()[:3]
    ['call_list', 'retention', 'winback']
    """
    scale = pools(config.locale).money_scale
    par = config.marketing
    first, last = par.first_campaign_day, config.n_days - par.end_margin_days
    n = max(1, int(round(config.campaigns_per_year * config.n_days / 365.0)))
    if last <= first:
        first, last = 0.0, max(config.n_days - par.short_history_margin_days, 1.0)
    spacing = (last - first) / n
    start_day = np.floor(first + spacing * np.arange(n)
                         + rng.uniform(0, spacing * par.start_jitter, n))
    shortest, longest = par.duration_days
    length = rng.integers(shortest, longest + 1, n)
    end_day = np.minimum(start_day + length - 1, config.n_days - 1)
    kind = np.arange(n) % len(CAMPAIGN_KINDS)
    setup = [_KIND_SETUP[CAMPAIGN_KINDS[k]] for k in range(len(CAMPAIGN_KINDS))]
    channel = np.array([CAMPAIGN_CHANNELS.index(setup[k][0]) for k in kind], dtype=int)
    target = np.array([TARGET_PLANS.index(setup[k][1]) for k in kind], dtype=int)
    cost = par.array("contact_cost")[kind] * scale
    offer = par.array("offer_value")[kind] * scale
    starts = days_to_timestamps(config.start_ts, start_day)
    months = pd.DatetimeIndex(starts).month.to_numpy()
    years = pd.DatetimeIndex(starts).year.to_numpy()
    names = [f"{_SEASON_NAMES[(m % 12) // 3]} {_KIND_NAMES[CAMPAIGN_KINDS[k]]} {y}"
             for m, k, y in zip(months, kind, years, strict=True)]
    return frame({
        # three digits, or as many as the calendar's count needs
        "campaign_id": format_ids("K", np.arange(1, n + 1), max(3, len(str(n)))),
        "name": strings(names),
        "kind": categorical(kind, CAMPAIGN_KINDS),
        "channel": categorical(channel, CAMPAIGN_CHANNELS),
        "target_plan": categorical(target, TARGET_PLANS),
        "start_date": starts,
        "end_date": days_to_timestamps(config.start_ts, end_day),
        "cost_per_contact": cost,
        "offer_value": offer,
        "list_share": np.full(n, par.list_share),
        "holdout_share": np.full(n, par.holdout_share),
    })


def _bucket_of(bounds: np.ndarray, day: np.ndarray) -> np.ndarray:
    """``np.searchsorted(bounds, day, side="right")``: how many bounds are at or
    before each day, as the smallest unsigned integer type that holds them.

    Campaign bounds are whole days, so a bound is at or before a day exactly when it
    is at or before the day's floor, and a table over the few hundred whole days the
    events span answers each event with one lookup instead of a binary search.
    """
    small = np.min_scalar_type(len(bounds))
    if len(day) and np.array_equal(bounds, np.floor(bounds)):
        low, high = day.min(), day.max()
        # days from 0 on: truncation is the floor, and the table starts at day 0
        if low >= 0.0 and high <= 4 * len(day) + 10_000:
            table = np.searchsorted(bounds, np.arange(np.floor(high) + 1.0), side="right")
            return table.astype(small)[day.astype(np.intp)]
    return np.searchsorted(bounds, day, side="right").astype(small)


class _History:
    """Each customer's purchases as a campaign starting at day ``t`` sees them: count
    and total in a look-back window, and the last purchase day before ``t``.

    The campaigns ask about a few known days (``bounds``: their starts and the starts of
    their look-back windows). Those days cut time into buckets; the events are put in
    bucket order once (a radix sort of small integers, not a sort of the days), so the
    events between two bounds, or before one, are a slice (no mask over every event per
    campaign). Each customer's events arrive in time order (purchases and invoices are
    made per customer, in order), so a customer's amounts in a slice come in the same
    order as a masked bincount would add them, and the sums are identical. Other days,
    or events out of order, are answered with masks over every event.
    """

    def __init__(self, cust: np.ndarray, day: np.ndarray, amount: np.ndarray, n: int,
                 bounds: Sequence[float] = ()) -> None:
        self.cust, self.day, self.amount, self.n = cust, day, amount, n
        per_cust = np.bincount(cust, minlength=n)
        self.first = np.cumsum(per_cust) - per_cust  # where each customer's events start
        # each customer's days, after a -inf for "no event yet"
        self.last_day = np.empty(len(day) + 1)
        self.last_day[0] = -np.inf
        d = self.last_day[1:]
        # (the indices are valid, so mode "clip" changes nothing but skips the copy
        # through a buffer that the default mode makes when given ``out``)
        np.take(day, np.argsort(cust, kind="stable"), out=d, mode="clip")
        # is each customer's run, in event order, already in day order?
        new_cust = np.zeros(len(day), bool)
        new_cust[self.first[per_cust > 0]] = True
        self.in_order = bool(np.all(new_cust[1:] | (d[1:] >= d[:-1])))
        if not self.in_order:
            d[:] = day[sort_events(cust, day)]
        self.bound_index: dict[float, int] = {}
        if self.in_order and len(bounds):
            self._bucket(np.unique(np.asarray(bounds, dtype=float)))

    def _bucket(self, bounds: np.ndarray) -> None:
        """Sort the events by bucket (events in bucket ``b`` have ``b`` bounds at or
        before their day): events from one bound to another are then a slice."""
        bucket = _bucket_of(bounds, self.day)
        by_bucket = np.argsort(bucket, kind="stable")  # a radix sort: keeps event order
        self.cust_in, self.amount_in = self.cust[by_bucket], self.amount[by_bucket]
        # events before bounds[i] are those in buckets 0..i: cust_in[:slice_end[i]]
        self.slice_end = np.cumsum(np.bincount(bucket, minlength=len(bounds) + 1))
        self.bound_index = {b: i for i, b in enumerate(bounds.tolist())}

    def window(self, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
        """Count and sum of each customer's events with ``lo <= day < hi``."""
        i, j = self.bound_index.get(lo), self.bound_index.get(hi)
        if i is None or j is None:
            inside = (self.day >= lo) & (self.day < hi)
            cust, amount = self.cust[inside], self.amount[inside]
        else:
            a, b = self.slice_end[i], max(self.slice_end[i], self.slice_end[j])
            cust, amount = self.cust_in[a:b], self.amount_in[a:b]
        return (np.bincount(cust, minlength=self.n),
                np.bincount(cust, weights=amount, minlength=self.n))

    def last_before(self, t: float) -> np.ndarray:
        """Each customer's last event day before ``t`` (-inf if none): a customer's
        events before ``t`` are the first ``count`` of theirs in day order."""
        i = self.bound_index.get(t)
        before = self.cust[self.day < t] if i is None else self.cust_in[:self.slice_end[i]]
        count = np.bincount(before, minlength=self.n)
        # index in last_day (one past the customer's count-th day, for the -inf in
        # front), or that -inf when there is no such event
        last = np.where(count > 0, self.first + count, 0)
        return self.last_day[last]


class _Campaign(NamedTuple):
    """One calendar row, as plain Python values for the campaign loop."""

    t: float  # start, in days since the world's start
    duration: float  # days
    kind: str
    target_plan: str
    channel: int  # code in CAMPAIGN_CHANNELS
    list_share: float
    holdout_share: float
    offer_value: float
    cost_per_contact: float


def _calendar(campaigns: pd.DataFrame, start: pd.Timestamp) -> list[_Campaign]:
    """The calendar's rows, with start and length in whole days (floored, like
    ``Timedelta.days``); numpy on the columns, as pandas' own is slow on a dozen rows."""
    begin, end = (campaigns[name].to_numpy() for name in ("start_date", "end_date"))
    day = np.timedelta64(1, "D")
    days = ((begin - start.to_datetime64()) // day).tolist()
    length = ((end - begin) // day).tolist()
    columns = [campaigns[name].to_numpy().tolist() for name in (
        "kind", "target_plan", "channel", "list_share", "holdout_share", "offer_value",
        "cost_per_contact")]
    return [_Campaign(float(d), float(n) + 1.0, kind, plan, CAMPAIGN_CHANNELS.index(channel),
                      *rest)
            for d, n, kind, plan, channel, *rest in zip(days, length, *columns, strict=True)]


def _call_list(score: np.ndarray, noise: np.ndarray, k: int) -> np.ndarray:
    """``np.lexsort((noise, -score))[:k]``: the ``k`` best scores, ties in random order.

    Only customers scoring at least the ``k``-th best score can be on the list, so only
    they are sorted (found with a partition, which costs no sort). Among them, two
    sorts instead of lexsort's two merge sorts: noise first (a fast unstable sort; its
    values are distinct unless two uniforms collide, which is checked), then a stable
    sort by score that keeps the noise order among equal scores.
    """
    key = -score
    if 0 < k < len(key) and not np.isnan(key).any():
        cut = np.partition(key, k - 1)[k - 1]
        candidates = np.flatnonzero(key <= cut)  # in position order, as lexsort breaks ties
        key, noise = key[candidates], noise[candidates]
    else:
        candidates = np.arange(len(key))
    by_noise = np.argsort(noise)
    drawn = noise[by_noise]
    if np.any(drawn[1:] == drawn[:-1]):  # equal noise: lexsort keeps position order
        by_noise = np.argsort(noise, kind="stable")
    return candidates[by_noise[np.argsort(key[by_noise], kind="stable")][:k]]


def _by_position(pick: np.ndarray, m: int, *values: np.ndarray) -> list[np.ndarray]:
    """``pick`` (distinct positions below ``m``) sorted, and ``values`` (one per pick)
    in the same order: a scatter and a gather over ``m`` slots instead of a sort."""
    chosen = np.zeros(m, bool)
    chosen[pick] = True
    out = [np.flatnonzero(chosen)]
    for v in values:
        full = np.empty(m, v.dtype)
        full[pick] = v
        out.append(full[out[0]])
    return out


def generate_marketing(config: WorldConfig, rng: np.random.Generator, pop: Population,
                       churn: Churn, purchases: Events, invoices: Events,
                       campaigns: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the calendar's campaigns on one block.

    Customers are scored on their purchases (prepaid ``purchases`` and issued postpaid
    ``invoices``) and are eligible while the company sees them as customers (``churn``).

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
    par = config.marketing
    lookback = par.lookback_days
    n = pop.n
    s = pop.segment
    scale = pools(config.locale).money_scale
    # the mean spend per segment, then per customer (one gather, not three)
    p, gamma, q = (config.segments.array(name) for name in ("gg_p", "gg_gamma", "gg_q"))
    mean_spend = ((p * gamma / (q - 1.0)) * scale)[s]
    # per-customer parts of the response model, looked up once, not per campaign
    base_response = config.segments.array("base_response")[s]
    uplift = config.segments.array("uplift")[s]
    digital_uplift = uplift * (par.uplift_digital_base + pop.digital)
    value_multiple = np.where(pop.postpaid, par.value_multiple_postpaid,
                              par.value_multiple_prepaid)
    plan_ok = {"prepaid": ~pop.postpaid, "postpaid": pop.postpaid, "all": np.ones(n, bool)}
    contacted = np.zeros(n)
    responded_before = np.zeros(n)
    churn_day = np.where(np.isnan(churn.churn_day), np.inf, churn.churn_day)
    observed_end = np.where(pop.postpaid, churn_day, np.inf)  # what the company can see

    calendar = _calendar(campaigns, config.start_ts)
    starts = [c.t for c in calendar]
    # purchases of both plans: top-ups and paid invoices
    history = _History(np.concatenate([purchases.cust, invoices.cust]),
                       np.concatenate([purchases.day, invoices.day]),
                       np.concatenate([purchases.amount, invoices.amount]), n,
                       bounds=starts + [t - lookback for t in starts])
    # per campaign: contacts sorted by customer, and every eligible customer (truth)
    contact_parts: dict[str, list] = {}
    truth_parts: dict[str, list] = {}
    for code, row in enumerate(calendar):  # a dozen campaigns, not customers
        t, kind = row.t, row.kind
        count, spend = history.window(t - lookback, t)
        signed = pop.signup_day < t
        if kind == "winback":
            lapsed = ~pop.postpaid & (t - history.last_before(t) > par.lapsed_days)
            left = pop.postpaid & (observed_end < t) & (observed_end >= t - lookback)
            eligible = signed & plan_ok[row.target_plan] & (lapsed | left)
        else:
            eligible = signed & plan_ok[row.target_plan] & (observed_end > t)
        idx = np.flatnonzero(eligible)
        if len(idx) == 0:
            continue
        count, spend = count[idx], spend[idx]
        alive = churn.active_mask(pop.signup_day, idx, t)
        activity = np.minimum(count, par.activity_max_purchases) / par.activity_full_purchases
        base = base_response[idx]
        if kind == "winback":
            p0 = np.where(alive, par.winback_response_factor * base * activity, 0.0)
            tau = np.where(alive, par.winback_uplift_alive,
                           par.winback_uplift_lapsed) * uplift[idx]
        else:
            p0 = np.where(alive, base * (par.offer_activity_base + activity), 0.0)
            tau = digital_uplift[idx] * (1.0 - p0 / par.response_saturation)
            tau = np.where(alive, tau, 0.0)
            if kind == "retention":  # contacting those about to leave reminds them to go
                leaves = churn_day[idx]
                leaving = (leaves > t) & (leaves < t + par.sleeping_dog_window_days)
                tau = np.where(leaving & (rng.random(len(idx)) < par.sleeping_dog_share),
                               par.sleeping_dog_uplift, tau)
        p0 = np.clip(p0, 0.0, par.max_response)
        p1 = np.clip(p0 + tau, 0.0, 1.0)
        u = rng.random(len(idx))
        y0, y1 = u < p0, u < p1
        level = np.where(count > 0, spend / np.maximum(count, 1), mean_spend[idx])
        value = np.round(value_multiple[idx] * level, 2)

        # the company's observable score and list
        if kind == "call_list":
            times = contacted[idx]
            past = np.divide(responded_before[idx], times, out=np.zeros(len(idx)),
                             where=times > 0)
            score = past + count / par.call_list_purchases_per_response
        elif kind == "retention":
            tenure = np.maximum(t - pop.signup_day[idx], 1.0)
            score = spend * (1.0 + par.retention_tenure_days / tenure)
        else:
            score = spend + count
        pick = _call_list(score, rng.random(len(idx)), int(np.ceil(row.list_share * len(idx))))
        control = rng.random(len(pick)) < row.holdout_share
        contact_day = t + rng.uniform(0.0, row.duration * par.contact_spread, len(pick))
        # the draws follow list order; the table lists a campaign's customers in order
        pick, control, contact_day = _by_position(pick, len(idx), control, contact_day)
        resp = np.where(control, y0[pick], y1[pick])
        treated = idx[pick[~control]]
        contacted[treated] += 1
        responded_before[treated] += resp[~control]
        for name, values in (("customer_index", idx[pick]), ("day", contact_day),
                             ("control", control), ("responded", resp),
                             ("value", value[pick])):
            contact_parts.setdefault(name, []).append(values)
        for name, values in (("customer_index", idx), ("y1", y1), ("y0", y0),
                             ("value", value), ("uplift", p1 - p0)):
            truth_parts.setdefault(name, []).append(values)
        for parts, size in ((contact_parts, len(pick)), (truth_parts, len(idx))):
            parts.setdefault("campaign", []).append(code)
            parts.setdefault("size", []).append(size)
    return (_contacts_table(config, pop, campaigns, calendar, contact_parts),
            _truth_table(pop, campaigns, truth_parts))


def _joined(parts: dict[str, list], name: str, dtype) -> np.ndarray:
    """One column of all campaigns' parts (empty if no campaign had anyone)."""
    if not parts:
        return np.empty(0, dtype)
    if name == "campaign":
        return np.repeat(np.asarray(parts["campaign"], dtype=dtype), parts["size"])
    return np.concatenate(parts[name]).astype(dtype, copy=False)


def _contacts_table(config: WorldConfig, pop: Population, campaigns: pd.DataFrame,
                    calendar: list[_Campaign], parts: dict[str, list]) -> pd.DataFrame:
    """The contacts of every campaign, by campaign then customer."""
    campaign = _joined(parts, "campaign", np.int64)
    customer = _joined(parts, "customer_index", np.int64)
    control = _joined(parts, "control", bool)
    responded = _joined(parts, "responded", bool)
    offer_value = np.array([c.offer_value for c in calendar] or [0.0])[campaign]
    contact_cost = np.array([c.cost_per_contact for c in calendar] or [0.0])[campaign]
    channel = np.array([c.channel for c in calendar] or [0], np.int64)[campaign]
    return frame({
        "contact_id": pop.event_ids("X", len(campaign)),
        "campaign_id": categorical(campaign, campaigns["campaign_id"].tolist()),
        "customer_id": take_strings(pop.customer_id, customer),
        "timestamp": days_to_timestamps(config.start_ts, _joined(parts, "day", float)),
        "group": categorical(control, ("treatment", "control")),
        "channel": categorical(channel, CAMPAIGN_CHANNELS),
        "responded": responded,
        "revenue": np.where(responded, _joined(parts, "value", float), 0.0),
        "offer_cost": np.where(responded & ~control, offer_value, 0.0),
        "contact_cost": np.where(control, 0.0, contact_cost),
    })


def _truth_table(pop: Population, campaigns: pd.DataFrame, parts: dict[str, list]
                 ) -> pd.DataFrame:
    """Both potential outcomes of every eligible customer of every campaign."""
    return frame({
        "campaign_id": categorical(_joined(parts, "campaign", np.int64),
                                   campaigns["campaign_id"].tolist()),
        "customer_id": take_strings(pop.customer_id,
                                    _joined(parts, "customer_index", np.int64)),
        "response_if_contacted": _joined(parts, "y1", np.int8),
        "response_if_not_contacted": _joined(parts, "y0", np.int8),
        "value_if_responds": _joined(parts, "value", float),
        "uplift_probability": np.round(_joined(parts, "uplift", float), 4).astype(np.float32),
    })


def _cumsum_within(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at each group, for rows in groups of ``sizes`` (in
    row order; empty groups allowed).

    Meant for integers: the running total minus the total before the group's first
    row. The callers know the group sizes from counts, so no pass compares neighbours
    to find where groups start.
    """
    sizes = sizes[sizes > 0]
    total = np.cumsum(values)
    if len(values) == 0:
        return total
    first = np.cumsum(sizes) - sizes
    return total - np.repeat(total[first] - values[first], sizes)


def _upper_bound(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, x: np.ndarray
                 ) -> np.ndarray:
    """For each query, the first position in ``values[lo:hi]`` (ascending) whose value
    is above ``x``: ``np.searchsorted`` with side="right", each in its own segment, all
    queries at once (a binary search step per pass, not a loop over queries)."""
    lo, hi = lo.copy(), hi.copy()
    last = max(len(values) - 1, 0)
    while (active := lo < hi).any():
        mid = (lo + hi) // 2
        right = active & (values[np.minimum(mid, last)] <= x)
        lo = np.where(right, mid + 1, lo)
        hi = np.where(active & ~right, mid, hi)
    return lo


def _event_order(n: int, joined: np.ndarray, e_cust: np.ndarray, e_day: np.ndarray,
                 r_cust: np.ndarray, r_day: np.ndarray, per_cust: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``sort_events(cust, day, then=event)`` of the loyalty events [joins, earnings,
    redemptions], without sorting the many earnings again.

    Each member joins (``joined`` is sorted) strictly before their first earning and
    redemption, and the earnings are already in (customer, day, position) order. So
    only the few redemptions are sorted; each is placed among its member's earnings by
    a binary search (after earnings on the same day, as earn sorts before redeem); and
    a stable sort of integer keys, three sorted runs (so a merge), interleaves them.
    Special purpose (loyalty only): :func:`sort_events` would sort every earning again.
    ``per_cust``, if given, is ``np.bincount(e_cust, minlength=n)``.

    Returns
    -------
    r_order : ndarray
        The redemptions sorted by customer, day and position.
    order : ndarray
        The order of the events ``[joins, earnings, redemptions[r_order]]``.
    """
    r_order = sort_events(r_cust, r_day)
    r_cust, r_day = r_cust[r_order], r_day[r_order]
    if per_cust is None:
        per_cust = np.bincount(e_cust, minlength=n)
    start = np.cumsum(per_cust) - per_cust  # each customer's first earning
    after = _upper_bound(e_day, start[r_cust], start[r_cust] + per_cust[r_cust], r_day)
    # per customer: the join, then earnings at 3i + 2 with redemptions at 3i + 1 in front
    # of the earning they precede (i counts all earnings, so keys ascend by customer)
    step = 3 * (len(e_cust) + 1)
    key = np.concatenate([joined * step + 3 * start[joined],
                          e_cust * step + 3 * np.arange(len(e_cust)) + 2,
                          r_cust * step + 3 * after + 1])
    return r_order, np.argsort(key, kind="stable")


def generate_loyalty(config: WorldConfig, rng: np.random.Generator, pop: Population,
                     churn: Churn, purchases: Events, invoices: Events
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who joins the loyalty programme, what they earn and what they redeem.

    Members earn points on their prepaid ``purchases`` and paid postpaid ``invoices``
    while they are customers (``churn``).

    Returns
    -------
    loyalty : DataFrame
        loyalty_event_id, customer_id, timestamp, event (join, earn, redeem), points
        (negative for redemptions), balance (after the event, never negative).
    truth_loyalty : DataFrame
        customer_id, join_propensity (the latent loyalty that drives joining).
    """
    par = config.loyalty
    n = pop.n
    scale = pools(config.locale).money_scale
    launch = config.loyalty_launch_months * 365.25 / 12.0
    horizon = float(config.n_days)
    churn_day = np.where(np.isnan(churn.churn_day), np.inf, churn.churn_day)
    # latent loyalty: frequent buyers who will stay (the company cannot see the future;
    # the customer knows their own intentions)
    years = np.maximum((np.minimum(churn_day, horizon) - pop.signup_day) / 365.0,
                       par.min_tenure_years)
    buys = np.bincount(purchases.cust, minlength=n) + np.bincount(invoices.cust, minlength=n)
    stays = churn_day > np.maximum(launch, pop.signup_day) + par.join_stay_days
    z = (par.join_intercept + par.join_per_log_frequency
         * np.log1p(buys / years / par.frequency_norm) + par.join_if_staying * stays)
    propensity = 1.0 / (1.0 + np.exp(-z))
    join_day = np.maximum(launch, pop.signup_day) + rng.exponential(par.join_delay_days, n)
    member = (rng.random(n) < propensity) & (join_day < horizon)
    member &= churn.active_mask(pop.signup_day, np.arange(n), join_day)
    joined = np.flatnonzero(member)
    join_at = np.full(n, np.inf)
    join_at[joined] = join_day[joined]

    # purchases after joining earn points: top-ups, and invoices (paid half a day later)
    e_cust, e_day, e_amount = ([], [], [])
    for who, when, paid in ((purchases.cust, purchases.day, purchases.amount),
                            (invoices.cust, invoices.day + par.invoice_points_delay_days,
                             invoices.amount)):
        # members' purchases only (filter first), and only points given in the history
        earn = np.flatnonzero((when > join_at[who]) & (when < horizon))
        e_cust.append(who[earn])
        e_day.append(when[earn])
        e_amount.append(paid[earn])
    e_cust = np.concatenate(e_cust).astype(np.int64, copy=False)
    e_day = np.concatenate(e_day)
    # points per money unit: amount / (scale / points_per_unit), exactly amount / scale
    # at one point per unit
    e_pts = np.floor(np.concatenate(e_amount) / (scale / par.points_per_unit)).astype(np.int64)
    order = sort_events(e_cust, e_day)
    e_cust, e_day, e_pts = e_cust[order], e_day[order], e_pts[order]
    # redemptions: each time a member's cumulative points pass a multiple of the chunk
    per_cust = np.bincount(e_cust, minlength=n)  # earnings per customer
    own = _cumsum_within(e_pts, per_cust)  # cumulative points within the customer
    chunk = par.redeem_chunk
    crossed = own // chunk - (own - e_pts) // chunk
    r_src = np.repeat(np.arange(len(e_cust)), crossed)
    r_cust = e_cust[r_src]
    r_day = e_day[r_src] + rng.uniform(*par.redeem_delay_days, len(r_src))
    keep = (r_day < horizon) & churn.active_mask(pop.signup_day, r_cust, r_day)
    r_cust, r_day = r_cust[keep], r_day[keep]

    r_order, order = _event_order(n, joined, e_cust, e_day, r_cust, r_day, per_cust)
    r_day = r_day[r_order]
    # every event is a member's, and the order groups them by member: a join, then the
    # member's earnings and redemptions (so customers and kinds need no gather)
    sizes = 1 + per_cust[joined] + np.bincount(r_cust, minlength=n)[joined]
    cust = np.repeat(joined, sizes)
    day = np.concatenate([join_day[joined], e_day, r_day])[order]
    earned = len(joined) + len(e_cust)  # positions from here on are redemptions
    event = (order >= len(joined)).astype(np.int8)
    event += order >= earned
    points = np.concatenate([np.zeros(len(joined), np.int64), e_pts,
                             np.full(len(r_cust), -chunk, dtype=np.int64)])[order]
    balance = _cumsum_within(points, sizes)
    loyalty = frame({
        "loyalty_event_id": pop.event_ids("L", len(cust)),
        "customer_id": take_strings(pop.customer_id, cust),
        "timestamp": days_to_timestamps(config.start_ts, day),
        "event": categorical(event, LOYALTY_EVENTS),
        "points": points,
        "balance": balance,
    })
    truth = frame({
        "customer_id": pop.customer_id,
        "join_propensity": np.round(propensity, 4),
        "loyalty_member": member,
    })
    return loyalty, truth
