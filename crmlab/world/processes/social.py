"""Social CRM: the referral network and customers' online posts about the operator.

Kumar's customer engagement value (seed 004) counts more than purchases: customers
bring in others (referral value), sway the community (influencer value) and tell the
firm what they think (knowledge value). This module gives the world those signals:

* **Referrals** — population already chose, for every referred customer, an earlier
  customer of the block as referrer (in proportion to segment referral propensity);
  here each link becomes a row with the referral bonus paid.
* **Online activity** — while they are customers, people post about the operator at a
  rate that grows with their digital preference. Reach follows heavy-tailed follower
  counts (a few influencers reach thousands); sentiment turns negative after a badly
  handled complaint and in the weeks before a customer leaves.

Every coefficient is in ``config.social``; referral propensity and influence are per
segment (``config.segments``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._kernels import (
    categorical,
    choose_mixed,
    choose_weighted,
    days_to_timestamps,
    frame,
    sort_events,
    stable_argsort,
    take_strings,
)
from ..config import WorldConfig
from ..labels import PLATFORMS, TOPICS
from ..locales import pools
from ._block import Churn, ComplaintEvents
from .population import Population

#: More people than live on Earth: the cap of followers and of a post's reach.
PEOPLE = 1e10

__all__ = ["PLATFORMS", "TOPICS", "generate_social"]


def generate_social(config: WorldConfig, rng: np.random.Generator, pop: Population,
                    churn: Churn, complaints: ComplaintEvents
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The block's referrals, online posts, and per-customer social truth.

    Customers post while they are customers (``churn``); a very dissatisfied complaint
    (``complaints``) sours their posts for a while.

    Returns
    -------
    referrals : DataFrame
        referral_id, referrer_id, referred_id, timestamp, reward.
    online_activity : DataFrame
        post_id, customer_id, timestamp, platform, topic, sentiment (-1..1), reach, shares.
    truth_social : DataFrame
        customer_id, followers, influence_score (expected reach of a post),
        referral_propensity, n_referred.
    """
    par = config.social
    n = pop.n
    scale = pools(config.locale).money_scale
    start = config.start_ts

    referred = np.flatnonzero(pop.referrer >= 0)
    referred = referred[stable_argsort(pop.signup_day[referred])]
    referrals = frame({
        "referral_id": pop.event_ids("R", len(referred)),
        "referrer_id": take_strings(pop.customer_id, pop.referrer[referred]),
        "referred_id": take_strings(pop.customer_id, referred),
        "timestamp": days_to_timestamps(start, pop.signup_day[referred]),
        "reward": np.full(len(referred), par.referral_reward * scale),
    })

    influence = config.segments.array("influence")[pop.segment]
    # nobody has more followers, and no post reaches more people, than there are people
    # (10**10 caps the lognormal tails, which could pass int64 at the widest spreads)
    followers = np.floor(np.minimum(rng.lognormal(influence, par.followers_sigma),
                                    PEOPLE)).astype(np.int64)
    share_rate = rng.uniform(*par.share_rate, n)
    shared = followers * share_rate  # a post's reach before sentiment and chance
    horizon = float(config.n_days)
    end = np.where(np.isnan(churn.churn_day), horizon, churn.churn_day)
    span = np.maximum(end - pop.signup_day, 0.0)
    rate = par.posts_base + par.posts_per_digital * pop.digital**2  # posts a year
    cust = np.repeat(np.arange(n), rng.poisson(rate * span / 365.0))  # each post's author
    day = pop.signup_day[cust] + rng.random(len(cust)) * span[cust]
    keep = churn.active_mask(pop.signup_day, cust, day) & (day < horizon)
    cust, day = cust[keep], day[keep]
    m = len(cust)

    topic = choose_mixed(rng, par.array("topic_mix")[None, :], m)
    sentiment = rng.normal(par.sentiment_mean, par.sentiment_sd, m)
    # the worst complaint of each customer (very dissatisfied) sours the posts after it
    worst_day = np.full(n, np.inf)
    bad = complaints.satisfaction <= config.service.bad_satisfaction
    if bad.any():
        np.minimum.at(worst_day, complaints.cust[bad], complaints.day[bad])
    worst = worst_day[cust]
    sour = (day >= worst) & (day < worst + par.sour_days)
    # posts in the last weeks of those who leave (never, for those who stay)
    leaving_from = np.where(np.isnan(churn.churn_day), np.inf, end - par.sour_days)
    leaving = day > leaving_from[cust]
    sentiment = np.where(sour, sentiment - par.sour_sentiment, sentiment)
    sentiment = np.where(leaving, sentiment - par.leaving_sentiment, sentiment)
    topic = np.where(sour, TOPICS.index("service"), topic)
    sentiment = np.round(np.clip(sentiment, -1.0, 1.0), 3)
    reach = np.floor(np.minimum(shared[cust] * (1.0 + np.abs(sentiment))
                                * rng.lognormal(0.0, par.reach_sigma, m), PEOPLE)
                     ).astype(np.int64)
    shares = rng.poisson(reach * par.share_chance)
    order = sort_events(cust, day)  # within each author: authors already ascend
    mix = np.array(par.platform_shares if par.platform_shares is not None
                   else pools(config.locale).platform_shares)
    platform = choose_weighted(rng, mix / mix.sum(), m)
    online = frame({
        "post_id": pop.event_ids("O", m),
        "customer_id": take_strings(pop.customer_id, cust),  # = cust[order]
        "timestamp": days_to_timestamps(start, day[order]),
        "platform": categorical(platform[order], PLATFORMS),
        "topic": categorical(topic[order], TOPICS),
        "sentiment": sentiment[order],
        "reach": reach[order],
        "shares": shares[order],
    })
    n_referred = np.bincount(pop.referrer[referred], minlength=n) if len(referred) else \
        np.zeros(n, np.int64)
    truth = frame({
        "customer_id": pop.customer_id,
        "followers": followers,
        "influence_score": np.round(shared * par.influence_factor, 2),
        "referral_propensity": config.segments.array("referral")[pop.segment],
        "n_referred": n_referred.astype(np.int64),
    })
    return referrals, online, truth
