"""Prepaid top-ups and store purchases: the BG/NBD process with Gamma-Gamma spend.

Each prepaid customer follows exactly the story of Fader, Hardie & Lee (2005),
"Counting your customers the easy way": while alive, purchases arrive as a Poisson
process with rate ``lambda ~ Gamma(r, alpha)`` (per week); after every *repeat*
purchase the customer drops out with probability ``p ~ Beta(a, b)`` (as in the paper,
not after the first purchase at sign-up: that variant is the MBG/NBD). Spend per
purchase follows the Gamma-Gamma model of Fader, Hardie & Lee (2005), "RFM and CLV":
``z ~ Gamma(p, nu)``, ``nu ~ Gamma(q, gamma)``.
Parameters differ by segment (``config.segments``, :mod:`crmlab.world.params`), so
fitting the models on one segment's customers recovers that segment's parameters;
where purchases are made is ``config.purchases``.

Vectorised simulation: the number of repeat purchases before dropout is geometric, the
number of arrivals in the customer's window is Poisson, and the first ``m`` of the
``N`` arrival times are drawn directly with the Rényi representation of uniform order
statistics (cumulative sums of exponentials over one gamma), so no loop runs over
customers or purchases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._kernels import categorical, days_to_timestamps, frame, take_strings
from ..config import WorldConfig
from ..locales import pools
from ._block import Events
from .population import Population

__all__ = ["PURCHASE_CHANNELS", "PURCHASE_KINDS", "Purchases", "generate_purchases"]

PURCHASE_CHANNELS = ("retailer", "app", "web", "store")
PURCHASE_KINDS = ("top_up", "store_purchase")


@dataclass(frozen=True)
class Purchases:
    """What :func:`generate_purchases` returns (internal).

    Attributes
    ----------
    transactions : DataFrame
        transaction_id, customer_id, timestamp, amount, channel, kind.
    truth : DataFrame
        Per customer: purchase_rate (per week), dropout_probability, spend_nu,
        expected_spend, repeats_until_dropout, dropout_date.
    dropout_day : ndarray
        Day of dropout since start (NaN while alive; NaN for postpaid).
    events : Events
        Each transaction's block-local customer index, its day since start as the
        timestamp records it (rounded to the second), and its amount.
    """

    transactions: pd.DataFrame
    truth: pd.DataFrame
    dropout_day: np.ndarray
    events: Events


def generate_purchases(config: WorldConfig, rng: np.random.Generator, pop: Population
                       ) -> Purchases:
    """Simulate the block's prepaid purchases (see the module docstring)."""
    par = config.purchases
    n = pop.n
    s = pop.segment
    prepaid = ~pop.postpaid
    scale = pools(config.locale).money_scale

    # the segments' parameters by segment code; scales are inverted per segment
    bg_r, bg_alpha, bg_a, bg_b, gg_q, gg_gamma, gg_p = (
        config.segments.array(name)
        for name in ("bg_r", "bg_alpha", "bg_a", "bg_b", "gg_q", "gg_gamma", "gg_p"))
    lam = rng.gamma(bg_r[s], (1.0 / bg_alpha)[s]) / 7.0  # per day
    p_drop = rng.beta(bg_a[s], bg_b[s])
    nu = rng.gamma(gg_q[s], (1.0 / (gg_gamma * scale))[s])
    # repeat purchases until dropout: the customer leaves right after the k-th one
    occasions = rng.geometric(np.clip(p_drop, 1e-12, 1.0))
    window = np.maximum(config.n_days - pop.signup_day, 0.0)
    arrivals = rng.poisson(lam * window)  # repeat-purchase arrivals if never dropping out
    repeats = np.where(prepaid, np.minimum(arrivals, occasions), 0)

    owner = np.repeat(np.arange(n), repeats)
    gaps = rng.exponential(1.0, len(owner))
    csum = np.cumsum(gaps)
    ends = np.cumsum(repeats)  # one past each customer's last repeat
    starts = ends - repeats
    has = repeats > 0
    if len(csum):  # gathers clipped into range, then zeroed where they mean nothing
        base = np.where(starts > 0, np.take(csum, starts - 1, mode="clip"), 0.0)
        within = csum - np.take(base, owner)  # cumulative sums restarting per customer
        last = np.where(has, np.take(within, ends - 1, mode="clip"), 0.0)
    else:
        base = last = np.zeros(n)
        within = csum
    denom = last + rng.gamma(np.maximum(arrivals - repeats, 0) + 1.0)
    frac = within / np.take(denom, owner)
    repeat_day = np.take(pop.signup_day, owner) + frac * np.take(window, owner)

    counts = repeats + prepaid  # purchases per customer: the first, then the repeats
    cust, day = _by_customer(counts, prepaid, pop.signup_day, repeat_day)
    gg_p = gg_p[s]
    amount = rng.gamma(np.take(gg_p, cust), np.take(1.0 / nu, cust))
    amount = np.maximum(np.round(amount, 2), par.min_amount * scale)
    digital = np.take(pop.digital, cust)
    u = rng.random(len(cust))
    web_share = par.web_share_per_digital * digital
    # base + per_digital * digital + per_year * years, clipped to [0, max], in place
    app_share = par.app_share_per_digital * digital
    app_share += par.app_share_base
    trend = day / 365.0
    trend *= par.app_share_per_year
    app_share += trend
    np.clip(app_share, 0, par.app_share_max, out=app_share)
    store_share = par.store_share
    # the first share that u falls under: app 1, web 2, store 3, else retailer 0 (as
    # np.select, but byte arithmetic on the conditions instead of branching per row)
    app_web = app_share + web_share
    app = u < app_share
    web = (u < app_web) & ~app
    store = (u < app_web + store_share) & ~(app | web)
    channel = app.view(np.int8) + 2 * web.view(np.int8) + 3 * store.view(np.int8)
    kind = (channel == 3) & (rng.random(len(cust)) < par.store_purchase_share)

    seconds = np.round(day * 86_400.0)  # the recorded (whole-second) time
    transactions = frame({
        "transaction_id": pop.event_ids("T", len(cust)),
        "customer_id": take_strings(pop.customer_id, cust),
        "timestamp": _stamps(config.start_ts, seconds),
        "amount": amount,
        "channel": categorical(channel, PURCHASE_CHANNELS),
        "kind": categorical(kind, PURCHASE_KINDS),
    })

    # dropout happens right after the last repeat purchase if it was the k-th one
    dropped = prepaid & (repeats == occasions)
    last_day = pop.signup_day + np.where(has, last / np.where(has, denom, 1.0) * window, 0.0)
    dropout_day = np.where(dropped, last_day, np.nan)
    truth = frame({
        "purchase_rate": np.where(prepaid, lam * 7.0, np.nan),
        "dropout_probability": np.where(prepaid, p_drop, np.nan),
        "spend_nu": np.where(prepaid, nu, np.nan),
        "expected_spend": np.where(prepaid, gg_p / nu, np.nan),
        "repeats_until_dropout": np.where(prepaid, np.minimum(occasions, 10**9), 0),
        "dropout_date": days_to_timestamps(config.start_ts, dropout_day),
    })
    return Purchases(transactions=transactions, truth=truth, dropout_day=dropout_day,
                     events=Events(cust=cust, day=seconds / 86_400.0, amount=amount))


def _by_customer(counts: np.ndarray, prepaid: np.ndarray, signup_day: np.ndarray,
                 repeat_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Customer index and day of every purchase (the first at sign-up, then the
    repeats), sorted by customer and day, from the purchases per customer (``counts``).

    Built in place instead of sorted: each prepaid customer's repeat days never
    decrease and none is before the sign-up (cumulative sums of exponential gaps,
    scaled and added to the sign-up day; rounding is monotone), and equal days keep
    this order, so this is exactly ``np.lexsort((day, cust))`` of the sign-up
    purchases followed by the repeats.
    """
    cust = np.repeat(np.arange(len(counts)), counts)
    buyers = np.flatnonzero(prepaid)
    first = np.take(np.cumsum(counts) - counts, buyers)  # position of each first purchase
    day = np.empty(len(cust))
    rest = np.ones(len(cust), bool)
    rest[first] = False
    day[rest] = repeat_day
    day[first] = np.take(signup_day, buyers)
    return cust, day


def _stamps(start: pd.Timestamp, seconds: np.ndarray) -> np.ndarray:
    """``datetime64[s]`` of whole (finite) seconds since ``start``: the int64 seconds
    plus the origin's, in place (as ``origin + seconds.astype("timedelta64[s]")``)."""
    out = seconds.astype(np.int64)
    out += np.datetime64(start.to_datetime64(), "s").astype(np.int64)
    return out.view("datetime64[s]")
