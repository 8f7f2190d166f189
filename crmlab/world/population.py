"""Customers: latent segment, demographics, place, sign-up, acquisition channel, plan.

Sign-ups grow at ``config.acquisition_growth`` a year (an exponential density on the
history, sampled by inverse CDF). Digital channels (web, referral) gain share over the
years at the expense of stores and the call centre, faster for digital segments. A
referred customer's referrer is an earlier customer of the same block, chosen with
probability proportional to the segment's referral propensity: the referral network
stays inside a block, so blocks remain independent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import segments as seg
from ._common import (
    categorical,
    choose_rows,
    days_to_timestamps,
    format_ids,
    join_strings,
    number_strings,
    strings,
)
from .config import SEGMENTS, WorldConfig
from .names import pools

__all__ = ["ACQUISITION_CHANNELS", "PLANS", "Population", "generate_population"]

ACQUISITION_CHANNELS = ("store", "web", "call_centre", "partner", "referral")
PLANS = ("prepaid", "postpaid")
GENDERS = ("female", "male")

# channel logits at the start of the history, and their change per year for a
# fully digital customer (digital=1) -- web and referral grow, store and call centre shrink
_CHANNEL_BASE = np.array([0.9, 0.0, 0.3, -0.4, -0.6])
_CHANNEL_TREND = np.array([-0.35, 0.45, -0.3, 0.0, 0.25])


@dataclass
class Population:
    """A block's customers as arrays, for the downstream generators (not public)."""

    block: int
    number: np.ndarray  # global customer number (1-based)
    customer_id: pd.Series
    segment: np.ndarray  # int codes into SEGMENTS
    postpaid: np.ndarray  # bool
    signup_day: np.ndarray  # float days since start
    province: np.ndarray  # int codes into pools(locale).provinces
    city: np.ndarray  # int codes into the province's cities (0..2)
    digital: np.ndarray  # 0..1 preference for digital channels
    referrer: np.ndarray  # index within the block of the referrer, -1 if none
    channel: np.ndarray  # int codes into ACQUISITION_CHANNELS
    gender: np.ndarray
    birth_day: np.ndarray  # days since start (negative)

    @property
    def n(self) -> int:
        return len(self.number)

    def index_of(self, ids: pd.Series) -> np.ndarray:
        """Block-local indices of this block's customer ids (``C0000042`` -> 41 - first).

        Reads the number behind the ``C`` prefix with Arrow instead of hashing strings.
        """
        if len(ids) == 0:
            return np.empty(0, np.int64)
        digits = pc.utf8_slice_codeunits(pa.array(ids.array), 1)
        numbers = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
        return numbers - self.number[0]


def _signup_days(rng: np.random.Generator, n: int, horizon: float, growth: float) -> np.ndarray:
    """Sign-up days on [0, horizon) with a density growing by ``growth`` a year."""
    u = rng.random(n)
    k = np.log1p(growth) / 365.0
    if abs(k) < 1e-12:
        return u * horizon
    return np.log1p(u * np.expm1(k * horizon)) / k


def _referrers(rng: np.random.Generator, signup: np.ndarray, propensity: np.ndarray,
               referred: np.ndarray) -> np.ndarray:
    """For referred customers, an earlier-signed-up customer of the block (or -1)."""
    order = np.argsort(signup, kind="stable")
    cum = np.cumsum(propensity[order])  # cum[k] = total propensity of the k+1 earliest
    rank = np.empty(len(signup), dtype=np.int64)
    rank[order] = np.arange(len(signup))
    out = np.full(len(signup), -1, dtype=np.int64)
    idx = np.flatnonzero(referred & (rank > 0))
    if len(idx):
        target = rng.random(len(idx)) * cum[rank[idx] - 1]
        pos = np.searchsorted(cum, target, side="right")
        out[idx] = order[np.minimum(pos, rank[idx] - 1)]
    return out


def _take(pool: np.ndarray, codes: np.ndarray) -> pa.Array:
    """``pool[codes]`` as Arrow strings, without a Python object per row."""
    return pc.take(pa.array(pool, type=pa.large_string()), pa.array(codes))


def generate_population(config: WorldConfig, rng: np.random.Generator, block: int
                        ) -> tuple[Population, pd.DataFrame, pd.DataFrame]:
    """Make one block of customers.

    Returns
    -------
    population : Population
        Arrays for the other generators.
    customers : DataFrame
        The observable customer table (without churn columns, added by the world).
    truth : DataFrame
        Hidden per-customer truth: segment and digital preference.
    """
    first = block * config.block_size
    n = min(config.block_size, config.n_customers - first)
    loc = pools(config.locale)
    number = np.arange(first + 1, first + n + 1, dtype=np.int64)
    width = max(7, len(str(config.n_customers)))
    customer_id = format_ids("C", number, width)

    segment = rng.choice(len(SEGMENTS), size=n, p=np.array(config.segment_shares))
    share = min(max(config.postpaid_share, 1e-9), 1.0 - 1e-9)
    base = np.log(share / (1.0 - share))
    postpaid = rng.random(n) < 1.0 / (1.0 + np.exp(-(base + seg.column("postpaid_logit", segment))))

    horizon = config.n_days - 14.0
    signup_day = _signup_days(rng, n, horizon, config.acquisition_growth)
    digital = np.clip(seg.column("digital", segment) + rng.normal(0.0, 0.1, n), 0.0, 1.0)

    years = signup_day / 365.0
    logits = _CHANNEL_BASE[None, :] + (years * digital)[:, None] * _CHANNEL_TREND[None, :] * 2.0
    logits[:, 4] += np.log(seg.column("referral", segment))
    channel = choose_rows(rng, np.exp(logits))
    referred = channel == ACQUISITION_CHANNELS.index("referral")
    referrer = _referrers(rng, signup_day, seg.column("referral", segment), referred)
    channel[referred & (referrer < 0)] = ACQUISITION_CHANNELS.index("web")

    province = rng.choice(len(loc.provinces), size=n, p=loc.province_weights)
    city = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])
    gender = rng.integers(0, 2, n)
    age = np.clip(rng.normal(seg.column("age_mean", segment), seg.column("age_sd", segment)),
                  18.0, 85.0)
    birth_day = np.floor(signup_day - age * 365.25)

    female = gender == 0
    # names are drawn as positions in the pools and taken from them with Arrow
    first_code = np.empty(n, dtype=np.int64)
    first_code[female] = rng.choice(len(loc.first_female), size=int(female.sum()),
                                    p=loc.first_female_p)
    first_code[~female] = len(loc.first_female) + rng.choice(
        len(loc.first_male), size=int((~female).sum()), p=loc.first_male_p)
    first_name = _take(np.concatenate([loc.first_female, loc.first_male]), first_code)
    last_name = _take(loc.last, rng.choice(len(loc.last), size=n, p=loc.last_p))

    city_names = np.array([c for p in loc.provinces for c in p.cities], dtype=object)
    house = number_strings(rng.integers(1, 400, n))
    street = _take(loc.streets, rng.choice(len(loc.streets), size=n))
    kind = _take(loc.street_kinds, rng.choice(len(loc.street_kinds), size=n))
    local = rng.integers(0, 10_000_000, n)
    prefix = _take(loc.mobile_prefixes, rng.choice(len(loc.mobile_prefixes), size=n))
    exchange = number_strings(local // 10_000, 3)
    line = number_strings(local % 10_000, 4)
    handle_n = number_strings(rng.integers(1, 100, n))
    domain = _take(loc.email_domains, rng.choice(len(loc.email_domains), size=n))
    if config.locale == "fa_IR":
        address = join_strings(kind, " ", street, "، پلاک ", house)
        phone = join_strings(prefix, " ", exchange, " ", line)
        email = join_strings("user", number_strings(number), ".", handle_n, "@", domain)
    else:
        address = join_strings(house, " ", street, " ", kind)
        phone = join_strings("+1 ", prefix, " ", exchange, " ", line)
        email = join_strings(pc.utf8_lower(first_name), ".", pc.utf8_lower(last_name),
                             handle_n, "@", domain)

    start = config.start_ts
    customers = pd.DataFrame({
        "customer_id": customer_id,
        "first_name": strings(first_name),
        "last_name": strings(last_name),
        "gender": categorical(gender, GENDERS),
        "birth_date": days_to_timestamps(start, birth_day),
        "province": categorical(province, loc.province_names),
        "city": strings(_take(city_names, province * 3 + city)),
        "address": strings(address),
        "phone": strings(phone),
        "email": strings(email),
        "signup_date": days_to_timestamps(start, signup_day),
        "acquisition_channel": categorical(channel, ACQUISITION_CHANNELS),
        "plan": categorical(postpaid.astype(int), PLANS),
    })
    truth = pd.DataFrame({
        "customer_id": customer_id,
        "segment": categorical(segment, SEGMENTS),
        "digital_preference": np.round(digital, 4),
    })
    population = Population(
        block=block, number=number, customer_id=customer_id, segment=segment,
        postpaid=postpaid, signup_day=signup_day, province=province, city=city,
        digital=digital, referrer=referrer, channel=channel, gender=gender, birth_day=birth_day,
    )
    return population, customers, truth
