"""Customers: latent segment, demographics, place, sign-up, acquisition channel, plan.

Sign-ups grow at ``config.acquisition_growth`` a year (an exponential density on the
history, sampled by inverse CDF). Digital channels (web, referral) gain share over the
years at the expense of stores and the call centre, faster for digital segments
(``config.population``; the segments' own values are in ``config.segments``). A
referred customer's referrer is an earlier customer of the same block, chosen with
probability proportional to the segment's referral propensity: the referral network
stays inside a block, so blocks remain independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._kernels import (
    categorical,
    choose_weighted,
    days_to_timestamps,
    event_ids,
    fixed_strings,
    format_ids,
    frame,
    glue_chars,
    join_strings,
    number_strings,
    stable_argsort,
    string_array,
    take,
    take_rows,
)
from ..config import WorldConfig
from ..labels import ACQUISITION_CHANNELS, SEGMENTS
from ..locales import pools

__all__ = ["ACQUISITION_CHANNELS", "PLANS", "Population", "generate_population"]

PLANS = ("prepaid", "postpaid")
GENDERS = ("female", "male")


@dataclass
class Population:
    """A block's customers as arrays, for the downstream generators (not public)."""

    block: int
    block_digits: int  # digits of the block number in event ids (WorldConfig.block_digits)
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

    def event_ids(self, prefix: str, n: int, rows: np.ndarray | None = None) -> pd.Series:
        """Ids of this block's events of one kind, numbered ``1..n`` (or the positions
        ``rows`` of that numbering): :func:`~crmlab.world._kernels.event_ids`."""
        return event_ids(prefix, self.block, n, rows=rows, block_digits=self.block_digits)

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


def _channels(rng: np.random.Generator, years_digital: np.ndarray, referral: np.ndarray,
              base: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Acquisition channels: logits ``base + trend * years_digital`` that drift with the
    sign-up year times the digital preference (``years_digital``), the referral logit
    raised by the log of the segment's propensity, drawn as
    :func:`~crmlab.world._kernels.choose_rows` of their exponentials.

    The same arithmetic and draws as ``choose_rows(rng, np.exp(logits))`` on an
    ``(n, 5)`` logit matrix, but laid out one channel a row: the running sum over
    channels is then five vector additions instead of a cumsum along short rows.
    """
    logits = base[:, None] + trend[:, None] * years_digital[None, :]
    logits[ACQUISITION_CHANNELS.index("referral")] += np.log(referral)
    cum = np.cumsum(np.exp(logits), axis=0)
    u = rng.random(len(years_digital)) * cum[-1]
    return (u[None, :] >= cum).sum(axis=0).clip(0, len(base) - 1)


def _referrers(rng: np.random.Generator, signup: np.ndarray, propensity: np.ndarray,
               referred: np.ndarray) -> np.ndarray:
    """For referred customers, an earlier-signed-up customer of the block (or -1)."""
    order = stable_argsort(signup)
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


@cache
def _numerals(size: int) -> pa.Array:
    """``number_strings(np.arange(size))``, made once: small numbers are taken from it."""
    return number_strings(np.arange(size))


@cache
def _digit_table(width: int) -> np.ndarray:
    """The zero-padded ASCII digits of ``0 .. 10**width - 1``, one row each (read-only)."""
    numbers = np.arange(10**width)
    digits = np.stack([numbers // 10**k % 10 for k in range(width - 1, -1, -1)], axis=1)
    table = (digits + ord("0")).astype(np.uint8)
    table.flags.writeable = False
    return table


class _TextPools(NamedTuple):
    """A locale's pools as Arrow strings, with the parts of addresses and e-mails
    joined per combination, so that a customer's address or e-mail is two or three
    takes and a short join instead of five or six parts."""

    first: pa.Array  # female, then male first names
    last: pa.Array
    first_email: pa.Array  # en_US: the first name, lower-case, and "."
    last_email: pa.Array  # en_US: the last name, lower-case
    street: pa.Array  # per street * n_kinds + kind: " Main Street" / "خیابان ولیعصر، پلاک "
    email_tail: pa.Array  # per handle number * n_domains + domain: "42@example.com"
    city: pa.Array  # per province * 3 + city


@cache
def _text_pools(locale: str) -> _TextPools:
    """The :class:`_TextPools` of a locale, made once per process."""
    loc = pools(locale)
    first = pa.array(np.concatenate([loc.first_female, loc.first_male]), type=pa.large_string())
    last = pa.array(loc.last, type=pa.large_string())

    def pairs(a: np.ndarray, b: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """Every (a, b) pair, a-major, as two aligned Arrow arrays."""
        return (take(a, np.repeat(np.arange(len(a)), len(b))),
                take(b, np.tile(np.arange(len(b)), len(a))))

    street, kind = pairs(loc.streets, loc.street_kinds)
    handle, domain = pairs(_numerals(100), loc.email_domains)
    return _TextPools(
        first=first, last=last,
        first_email=join_strings(pc.utf8_lower(first), "."), last_email=pc.utf8_lower(last),
        street=(join_strings(kind, " ", street, "، پلاک ") if locale == "fa_IR"
                else join_strings(" ", street, " ", kind)),
        email_tail=join_strings(handle, "@", domain),
        city=pa.array([c for p in loc.provinces for c in p.cities], type=pa.large_string()),
    )


def join_taken(*parts: tuple[pa.Array, np.ndarray] | str) -> pa.Array:
    """``join_strings`` of ``take(pool, index)`` parts (and literals), without making
    the parts or joining them.

    One take gathers every row's parts, interleaved, from the pools stacked: its bytes
    are then the joined strings one after another, and every ``len(parts)``-th offset
    delimits them (a join is slower than the take itself). Pools with nulls go the
    long way.

    Examples
    --------
    >>> names = pa.array(["Ann", "Bo"], type=pa.large_string())
    >>> join_taken((names, np.array([1, 0])), " & ", (names, np.array([0, 0]))).to_pylist()
    ['Bo & Ann', 'Ann & Ann']
    """
    pools = [pa.array([p], type=pa.large_string()) if isinstance(p, str) else p[0]
             for p in parts]
    n = next(len(p[1]) for p in parts if not isinstance(p, str))
    if any(pool.null_count or pool.type != pa.large_string() for pool in pools):
        return join_strings(*(p if isinstance(p, str) else take(*p) for p in parts))
    index = np.empty((n, len(parts)), dtype=np.int64)
    start = 0
    for j, (part, pool) in enumerate(zip(parts, pools, strict=True)):
        index[:, j] = start if isinstance(part, str) else part[1] + start
        start += len(pool)
    values = pc.take(pa.concat_arrays(pools), pa.array(index.ravel()))
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64, count=len(values) + 1,
                            offset=values.offset * 8)[::len(parts)]
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(np.ascontiguousarray(offsets)),
                                            values.buffers()[2])


def addresses(locale: str, house: np.ndarray, street: np.ndarray) -> pa.Array:
    """Street addresses from house numbers (1..399) and street codes
    (``street * len(pools(locale).street_kinds) + kind``): ``"12 Main Street"``, or
    ``"خیابان ولیعصر، پلاک 12"`` in Persian."""
    house, street = (_numerals(400), house), (_text_pools(locale).street, street)
    return join_taken(street, house) if locale == "fa_IR" else join_taken(house, street)


def _phones(head: str, prefixes: np.ndarray, code: np.ndarray, local: np.ndarray) -> pa.Array:
    """Phones ``head + prefix + " EEE LLLL"``, the seven digits of ``local`` split 3 + 4.

    When every ``head + prefix`` has the same length (the pools' prefixes do), the
    phones are written as one byte matrix; otherwise they are joined as strings.
    """
    starts = [f"{head}{p} ".encode() for p in prefixes]
    exchange, line = local // 10_000, local % 10_000
    if len({len(s) for s in starts}) != 1:
        return join_strings(head, take(prefixes, code), " ", number_strings(exchange, 3), " ",
                            number_strings(line, 4))
    start = np.frombuffer(b"".join(starts), dtype=np.uint8).reshape(len(starts), -1)
    return fixed_strings(glue_chars(take_rows(start, code), take_rows(_digit_table(3), exchange),
                                    b" ", take_rows(_digit_table(4), line)))


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
    customer_id = format_ids("C", number, config.customer_digits)

    par = config.population
    segment = choose_weighted(rng, config.segment_shares, n)
    # the segments' parameters by segment code, per customer
    postpaid_logit, digital_mean, referral, age_mean, age_sd = (
        config.segments.array(name)[segment]
        for name in ("postpaid_logit", "digital", "referral", "age_mean", "age_sd"))
    share = min(max(config.postpaid_share, 1e-9), 1.0 - 1e-9)
    base = np.log(share / (1.0 - share))
    postpaid = rng.random(n) < 1.0 / (1.0 + np.exp(-(base + postpaid_logit)))

    horizon = config.n_days - par.signup_stop_days
    signup_day = _signup_days(rng, n, horizon, config.acquisition_growth)
    digital = np.clip(digital_mean + rng.normal(0.0, par.digital_sd, n), 0.0, 1.0)

    channel = _channels(rng, signup_day / 365.0 * digital, referral,
                        par.array("acquisition_channel_base"),
                        par.array("acquisition_channel_trend"))
    referred = channel == ACQUISITION_CHANNELS.index("referral")
    referrer = _referrers(rng, signup_day, referral, referred)
    channel[referred & (referrer < 0)] = ACQUISITION_CHANNELS.index("web")

    province = choose_weighted(rng, loc.province_weights, n)
    city = choose_weighted(rng, par.city_shares, n)
    gender = rng.integers(0, 2, n)
    # rng.normal(age_mean, age_sd) is age_mean + age_sd * (a standard normal draw), the
    # same draws and bits, without numpy broadcasting two arrays draw by draw
    age = np.clip(age_mean + age_sd * rng.standard_normal(n), par.min_age, par.max_age)
    birth_day = np.floor(signup_day - age * 365.25)

    female, male = np.flatnonzero(gender == 0), np.flatnonzero(gender != 0)
    # names are drawn as positions in the pools and taken from them with Arrow
    first_code = np.empty(n, dtype=np.int64)
    first_code[female] = choose_weighted(rng, loc.first_female_p, len(female))
    first_code[male] = len(loc.first_female) + choose_weighted(rng, loc.first_male_p, len(male))
    last_code = choose_weighted(rng, loc.last_p, n)
    text = _text_pools(config.locale)
    first_name, last_name = take(text.first, first_code), take(text.last, last_code)

    house = rng.integers(1, 400, n)
    street = (rng.choice(len(loc.streets), size=n) * len(loc.street_kinds)
              + rng.choice(len(loc.street_kinds), size=n))  # with its kind
    address = addresses(config.locale, house, street)
    local = rng.integers(0, 10_000_000, n)
    prefix = rng.choice(len(loc.mobile_prefixes), size=n)
    handle = rng.integers(1, 100, n) * len(loc.email_domains)  # with its domain
    tail = handle + rng.choice(len(loc.email_domains), size=n)
    if config.locale == "fa_IR":
        phone = _phones("", loc.mobile_prefixes, prefix, local)
        email = join_strings("user", number_strings(number), ".", take(text.email_tail, tail))
    else:
        phone = _phones("+1 ", loc.mobile_prefixes, prefix, local)
        email = join_taken((text.first_email, first_code), (text.last_email, last_code),
                           (text.email_tail, tail))

    start = config.start_ts
    customers = frame({
        "customer_id": customer_id,
        "first_name": string_array(first_name),
        "last_name": string_array(last_name),
        "gender": categorical(gender, GENDERS),
        "birth_date": days_to_timestamps(start, birth_day),
        "province": categorical(province, loc.province_names),
        "city": string_array(take(text.city, province * 3 + city)),
        "address": string_array(address),
        "phone": string_array(phone),
        "email": string_array(email),
        "signup_date": days_to_timestamps(start, signup_day),
        "acquisition_channel": categorical(channel, ACQUISITION_CHANNELS),
        "plan": categorical(postpaid.astype(int), PLANS),
    })
    truth = frame({
        "customer_id": customer_id,
        "segment": categorical(segment, SEGMENTS),
        "digital_preference": np.round(digital, 4),
    })
    population = Population(
        block=block, block_digits=config.block_digits, number=number,
        customer_id=customer_id, segment=segment, postpaid=postpaid, signup_day=signup_day,
        province=province, city=city, digital=digital, referrer=referrer, channel=channel,
        gender=gender, birth_day=birth_day,
    )
    return population, customers, truth
