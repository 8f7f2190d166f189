"""Customer service: weather shocks, complaints, response, satisfaction and churn.

The story follows the telecom article in ``shared/seeds`` (001): dissatisfaction
varies with the season; in snow storms and floods customers complain that repair
engineers come late; complaints escalated through supervisor levels leave customers
less satisfied, while an executive who calls a furious customer often wins them back;
and many dissatisfied customers never complain at all, they simply leave.

Mechanics
---------
* **Weather** (world-wide): snow storms in winter in cold provinces, floods in spring
  in river provinces, each with a start, an end and a severity.
* **Load** (world-wide): the expected complaint load of a province on a day, relative
  to its repair capacity, is ``season(day) * (1 + WEATHER_LOAD * intensity) /
  config.repair_capacity``. It depends on no customer, so blocks stay independent,
  and the capacity what-if of notebook 05 can recompute it.
* **Complaints** (per block): routine complaints arrive as a Poisson process whose
  rate follows the season and, for repairs and outages, the weather; billing disputes
  and collection calls add billing and collections complaints; serious service
  failures strike some customers, and a share of them stay silent.
* **Handling**: the channel mix shifts from the call centre to digital channels over
  the years; the first response takes longer when the load exceeds capacity
  (:func:`queue_delay_factor`); slow answers escalate (levels 0-3, 3 = executive);
  satisfaction (1-5) falls with response time, escalation and an unresolved case.
* **Churn**: postpaid customers who end a complaint very dissatisfied, or who suffer a
  failure in silence, may leave; an executive call (level 3) wins back
  ``config.winback_rate`` of those who left. Prepaid customers' leaving is the
  unobserved BG/NBD dropout; a share of dropouts are preceded by a service failure, so
  the same association appears without disturbing the purchase model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import params as seg
from .._kernels import (
    categorical,
    choose_columns,
    choose_mixed,
    choose_weighted,
    days_to_timestamps,
    event_ids,
    format_ids,
    frame,
    repeat_index,
    sort_events,
    take_strings,
)
from ..config import WorldConfig
from ..locales import pools
from ._block import BlockData
from .billing import BillingResult

__all__ = [
    "CATEGORIES", "CHANNELS", "CHURN_CAUSES", "MONTHLY_SEASON", "WEATHER_TYPES", "ServiceResult",
    "generate_service", "load_ratio", "make_weather", "queue_delay_factor", "season_factor",
    "weather_intensity",
]

CATEGORIES = ("repair_delay", "billing_error", "network_quality", "outage", "staff",
              "collections")
CHANNELS = ("call_centre", "sms", "web", "store", "social")
WEATHER_TYPES = ("snow", "flood")
CHURN_CAUSES = ("none", "dropout", "contract_end", "non_payment", "dissatisfied_complainer",
                "dissatisfied_silent")

#: Relative complaint intensity by calendar month (January first); mean 1.
MONTHLY_SEASON = np.array([1.3, 1.2, 1.0, 0.9, 0.85, 0.95, 1.15, 1.2, 0.95, 0.85, 0.9, 1.15])
MONTHLY_SEASON = MONTHLY_SEASON / MONTHLY_SEASON.mean()
#: How much a severe weather event multiplies repair and outage complaints and load.
WEATHER_LOAD = 3.0
#: Days a repair backlog lingers after a weather event ends.
BACKLOG_DAYS = 7
#: First-response time in hours by channel, before queueing and category effects.
BASE_RESPONSE_HOURS = np.array([2.0, 8.0, 12.0, 4.0, 6.0])
#: Response time multiplier by category (repairs need an engineer on site).
CATEGORY_RESPONSE = np.array([4.0, 1.5, 1.0, 2.0, 1.0, 1.0])
#: Routine complaint mix in calm weather: repair_delay, network_quality, outage, staff.
_ROUTINE_MIX = np.array([0.2, 0.0, 0.4, 0.15, 0.25, 0.0])
#: Mix of the extra complaints caused by weather.
_WEATHER_MIX = np.array([0.75, 0.0, 0.0, 0.25, 0.0, 0.0])
#: Share of a customer's complaints channel logits: intercept and change per year x digital.
_CHANNEL_BASE = np.array([1.2, 0.0, -0.3, 0.3, -1.5])
_CHANNEL_TREND = np.array([-0.5, 0.2, 0.5, -0.2, 0.6])
#: Chance that a collection call or suspension provokes a complaint.
COLLECTION_COMPLAINT = 0.2
#: Chance that a prepaid dropout was preceded by a service failure.
PREPAID_FAILURE_BEFORE_DROPOUT = 0.35
#: Churn chance after a very dissatisfied complaint (satisfaction <= 2), and after a
#: failure suffered in silence.
CHURN_AFTER_BAD_COMPLAINT = 0.4
CHURN_AFTER_SILENT_FAILURE = 0.4
#: Chance that the complaint of a customer who announces leaving reaches an executive
#: (level 3), who calls the customer personally.
EXECUTIVE_ESCALATION = 0.5


def season_factor(days: np.ndarray, start: pd.Timestamp) -> np.ndarray:
    """Seasonal complaint multiplier of each day (days since ``start``).

    Examples
    --------
    >>> float(season_factor(np.array([0.0]), pd.Timestamp("2024-01-01"))[0]) > 1
    True
    """
    whole = np.floor(np.asarray(days, dtype=float))
    if len(whole) and np.isfinite(low := whole.min()) and whole.max() - low < 4 * len(whole):
        # the factor depends on the whole day only: look the calendar up once per day
        # of the range (once per range and start, for all blocks) instead of per event
        table = _season_table(start, float(low), float(whole.max()))
        return table[(whole - low).astype(np.intp)]
    return _season_of_whole_days(whole, start)


def _season_of_whole_days(whole: np.ndarray, start: pd.Timestamp) -> np.ndarray:
    months = (pd.DatetimeIndex(days_to_timestamps(start, whole)).month - 1).to_numpy()
    return MONTHLY_SEASON[months]


@lru_cache(maxsize=16)
def _season_table(start: pd.Timestamp, low: float, high: float) -> np.ndarray:
    """Seasonal factor of the whole days ``low..high`` (read-only, shared)."""
    table = _season_of_whole_days(low + np.arange(high - low + 1), start)
    table.flags.writeable = False
    return table


def queue_delay_factor(load_ratio: np.ndarray | float) -> np.ndarray:
    """How many times longer the first response takes at a given load/capacity ratio.

    A queueing-style curve: close to 1 when the load is light, growing fast as the
    load approaches capacity, and still growing (capped) beyond it.

    Examples
    --------
    >>> np.round(queue_delay_factor(np.array([0.5, 1.0, 2.0])), 2).tolist()
    [1.15, 4.0, 13.0]
    """
    rho = np.minimum(np.asarray(load_ratio, dtype=float), 2.5)
    return 1.0 + 0.3 * rho**2 / np.maximum(1.0 - rho, 0.1)


def make_weather(config: WorldConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Snow storms and floods by province and date (world-wide).

    Snow falls from December to February in provinces with a snow risk; floods come
    from March to May where rivers flood. The province of an event is drawn in
    proportion to its risk, so the north-west of Iran (or the US north) gets the snow
    and the south-west (or the Gulf coast) the floods.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> w = make_weather(WorldConfig(locale="fa_IR"), np.random.default_rng(1))
    >>> list(w.columns)
    ['event_id', 'province', 'event_type', 'start_date', 'end_date', 'severity']
    """
    loc = pools(config.locale)
    snow = np.array([p.snow for p in loc.provinces])
    flood = np.array([p.flood for p in loc.provinces])
    n = int(rng.poisson(config.weather_events_per_year * config.n_days / 365.0))
    kind = (rng.random(n) < flood.sum() / (snow.sum() + flood.sum())).astype(int)
    # squared risks concentrate events where the climate makes them typical
    snow_p, flood_p = snow**2 / (snow**2).sum(), flood**2 / (flood**2).sum()
    prov = np.where(kind == 0, choose_weighted(rng, snow_p, n), choose_weighted(rng, flood_p, n))
    start = config.start_ts
    # the first day is drawn uniformly among the history's in-season days:
    # snow December to February, floods March to May
    month = pd.date_range(start, periods=config.n_days, freq="D").month.to_numpy()
    snow_days = np.flatnonzero(np.isin(month, (12, 1, 2)))
    flood_days = np.flatnonzero(np.isin(month, (3, 4, 5)))
    first_day = np.full(n, -1.0)
    for k, season_days in enumerate((snow_days, flood_days)):  # two types, not rows
        chosen = kind == k
        if len(season_days):
            first_day[chosen] = season_days[rng.integers(0, len(season_days), chosen.sum())]
    duration = np.where(kind == 0, rng.integers(2, 8, n), rng.integers(3, 15, n))
    severity = np.round(rng.uniform(0.3, 1.0, n), 2)
    inside = (first_day >= 0) & (first_day + duration <= config.n_days)
    order = np.lexsort((prov[inside], first_day[inside]))
    first_day, duration = first_day[inside][order], duration[inside][order]
    kind, prov, severity = kind[inside][order], prov[inside][order], severity[inside][order]
    return frame({
        "event_id": format_ids("W", np.arange(1, len(first_day) + 1), 3),
        "province": categorical(prov, loc.province_names),
        "event_type": categorical(kind, WEATHER_TYPES),
        "start_date": days_to_timestamps(start, first_day),
        "end_date": days_to_timestamps(start, first_day + duration - 1),
        "severity": severity,
    })


def weather_intensity(config: WorldConfig, weather: pd.DataFrame) -> np.ndarray:
    """Weather intensity per (province, day): the event's severity while it lasts, then a
    backlog that fades linearly over :data:`BACKLOG_DAYS`. Shape (provinces, days)."""
    n_prov = len(pools(config.locale).provinces)
    out = np.zeros((n_prov, config.n_days))
    start = config.start_ts
    first = ((weather["start_date"] - start).dt.days).to_numpy()
    last = ((weather["end_date"] - start).dt.days).to_numpy()
    prov = weather["province"].cat.codes.to_numpy()
    sev = weather["severity"].to_numpy()
    length = last - first + 1 + BACKLOG_DAYS
    ev, k = repeat_index(np.clip(length, 0, None))
    day = first[ev] + k
    fade = np.where(day <= last[ev], 1.0, 1.0 - (day - last[ev]) / (BACKLOG_DAYS + 1))
    ok = day < config.n_days
    np.maximum.at(out, (prov[ev][ok], day[ok]), (sev[ev] * fade)[ok])
    return out


def load_ratio(config: WorldConfig, intensity: np.ndarray,
               capacity: np.ndarray | float | None = None) -> np.ndarray:
    """Expected service load over capacity per (province, day).

    Parameters
    ----------
    config : WorldConfig
    intensity : ndarray, shape (provinces, days)
        From :func:`weather_intensity`.
    capacity : float or array of shape (provinces,), optional
        Capacity as a multiple of the normal-season load; defaults to
        ``config.repair_capacity`` everywhere. Notebook 05 moves capacity between
        provinces by passing an array.
    """
    season = season_factor(np.arange(config.n_days, dtype=float), config.start_ts)
    cap = config.repair_capacity if capacity is None else np.asarray(capacity, dtype=float)
    cap = np.broadcast_to(cap, (intensity.shape[0],))[:, None]
    return season[None, :] * (1.0 + WEATHER_LOAD * intensity) / cap


@dataclass
class ServiceResult:
    """Tables produced by :func:`generate_service` (internal)."""

    complaints: pd.DataFrame
    truth_complaints: pd.DataFrame
    truth_customers: pd.DataFrame


def _routine(config, rng, data, intensity, end_day):
    """Routine and weather-driven complaints by thinning a Poisson process."""
    pop = data.pop
    s = pop.segment
    rate = (config.complaint_rate / 365.0 * seg.column("complaint_mult", s)
            * np.where(pop.postpaid, 1.0, 0.5))
    rate_max = rate * MONTHLY_SEASON.max() * (1.0 + WEATHER_LOAD)
    span = np.maximum(end_day - pop.signup_day, 0.0)
    counts = rng.poisson(rate_max * span)
    cust = np.repeat(np.arange(pop.n), counts)  # candidates come grouped by customer
    # in place on fresh arrays: the same products and sums (each operation commutes),
    # fewer temporaries over the many candidates
    day = rng.random(len(cust))
    day *= np.take(span, cust)
    day += np.take(pop.signup_day, cust)
    dayi = day.astype(np.int64)
    np.minimum(dayi, config.n_days - 1, out=dayi)
    w = _at(intensity, np.take(pop.province, cust), dayi)
    w *= WEATHER_LOAD
    bound = 1 + w
    bound *= season_factor(day, config.start_ts)
    draw = rng.random(len(cust))
    draw *= MONTHLY_SEASON.max()
    draw *= 1.0 + WEATHER_LOAD
    accept = draw < bound
    kept = np.flatnonzero(accept)
    cust, day, w = cust[kept], day[kept], w[kept]
    weather_caused = rng.random(len(cust)) < w / (1.0 + w)
    return cust, day, choose_mixed(rng, np.array([_ROUTINE_MIX, _WEATHER_MIX]), weather_caused)


def _at(table: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``table[rows, cols]`` as one flat take (faster than two-array indexing)."""
    return np.take(table.reshape(-1), rows * table.shape[1] + cols)


def generate_service(config: WorldConfig, rng: np.random.Generator, data: BlockData,
                     world_intensity: np.ndarray, world_load: np.ndarray,
                     billing: BillingResult, dropout_day: np.ndarray) -> ServiceResult:
    """Complaints of one block and the churn they cause (see the module docstring).

    ``billing`` is the block's :class:`~crmlab.world.processes.billing.BillingResult`;
    ``dropout_day`` the prepaid BG/NBD dropout days (NaN while alive). Fills
    ``data.cmp_*`` and ``data.churn_day``, ``data.first_churn_day``,
    ``data.winback_day``.
    """
    pop = data.pop
    n = pop.n
    horizon = float(config.n_days)
    base_end = np.where(pop.postpaid, billing.end_day, dropout_day)
    base_end = np.where(np.isnan(base_end), horizon, base_end)

    # 1. routine and weather complaints
    r_cust, r_day, r_cat = _routine(config, rng, data, world_intensity, base_end)
    # 2. billing disputes
    d_cust, d_day = billing.dispute_cust, billing.dispute_day
    d_cat = np.full(len(d_cust), CATEGORIES.index("billing_error"))
    # 3. collection calls and suspensions that provoke a complaint
    hit = (billing.collection_step >= 1) & (rng.random(len(billing.collection_cust))
                                            < COLLECTION_COMPLAINT)
    c_cust = billing.collection_cust[hit]
    c_day = billing.collection_day[hit] + rng.uniform(0.1, 3.0, int(hit.sum()))
    c_cat = np.full(len(c_cust), CATEGORIES.index("collections"))
    # 4. serious service failures: postpaid at a yearly rate; prepaid before some dropouts
    span = np.maximum(base_end - pop.signup_day, 0.0)
    p_fail = 1.0 - np.exp(-config.service_failure_rate * span / 365.0)
    fail_post = pop.postpaid & (rng.random(n) < p_fail)
    fail_pre = (~pop.postpaid & ~np.isnan(dropout_day)
                & (rng.random(n) < PREPAID_FAILURE_BEFORE_DROPOUT))
    fail_day = np.where(fail_post, pop.signup_day + rng.random(n) * span,
                        np.where(fail_pre, dropout_day - rng.uniform(1.0, 30.0, n), np.nan))
    fail_day = np.where(fail_pre, np.maximum(fail_day, pop.signup_day), fail_day)
    failed = fail_post | fail_pre
    silent = failed & (rng.random(n) < config.silent_share)
    loud = np.flatnonzero(failed & ~silent)
    f_cat = choose_mixed(rng, np.array([[0.3, 0.0, 0.3, 0.4, 0.0, 0.0]]), len(loud))

    cust = np.concatenate([r_cust, d_cust, c_cust, loud])
    day = np.concatenate([r_day, d_day, c_day, fail_day[loud] + rng.uniform(0.0, 1.0, len(loud))])
    cat = np.concatenate([r_cat, d_cat, c_cat, f_cat])
    is_failure = np.concatenate([np.zeros(len(r_cust) + len(d_cust) + len(c_cust), bool),
                                 np.ones(len(loud), bool)])
    inside = np.flatnonzero(day < horizon)
    order = inside[sort_events(cust[inside], day[inside])]
    cust, day, cat, is_failure = cust[order], day[order], cat[order], is_failure[order]
    m = len(cust)

    # handling: channel, response time, escalation, resolution, satisfaction
    years = day / 365.0
    # channel logits, one row per channel
    trend = (years * pop.digital[cust])[None, :] * _CHANNEL_TREND[:, None] * 2
    logits = _CHANNEL_BASE[:, None] + trend
    channel = choose_columns(rng, np.exp(logits))
    dayi = np.minimum(day.astype(np.int64), config.n_days - 1)
    province = pop.province[cust]
    rho = _at(world_load, province, dayi)
    base_hours = BASE_RESPONSE_HOURS[channel] * CATEGORY_RESPONSE[cat]
    response_hours = base_hours * queue_delay_factor(rho) * rng.lognormal(0.0, 0.5, m)
    response_hours = np.round(np.maximum(response_hours, 0.05), 2)
    strain = np.log(response_hours / BASE_RESPONSE_HOURS[channel]) + rng.normal(0, 0.7, m)
    strain += np.where(is_failure, 1.0, 0.0)
    escalation = np.clip(np.floor((strain - 0.5) / 0.8), 0, 3).astype(np.int64)
    # gamma(2, scale) is scale times a standard gamma(2) draw: the same draws and bits,
    # without broadcasting a scale array through the sampler
    resolve_days = rng.standard_gamma(2.0, m)
    resolve_days[cat == 0] *= 2.0
    resolve_days += response_hours / 24.0
    resolved_day = day + resolve_days
    unresolved = rng.random(m) < 0.03 + 0.05 * (escalation >= 2)
    resolved_day = np.where(unresolved | (resolved_day >= horizon), np.nan, resolved_day)
    score = (4.4 - 0.55 * np.log1p(response_hours / base_hours)
             - 0.45 * ((escalation >= 1) & (escalation <= 2)) + 0.2 * (escalation == 3)
             - 1.2 * np.isnan(resolved_day) - 0.8 * is_failure + rng.normal(0, 0.6, m))
    satisfaction = np.clip(np.round(score), 1, 5).astype(np.int64)

    # churn caused by dissatisfaction (postpaid only; prepaid dropout is already drawn)
    bad = pop.postpaid[cust] & (satisfaction <= 2) & (rng.random(m) < CHURN_AFTER_BAD_COMPLAINT)
    leave_day = np.full(n, np.inf)
    np.minimum.at(leave_day, cust[bad], day[bad] + rng.uniform(3.0, 30.0, int(bad.sum())))
    # the complaint after which a customer announces leaving may reach an executive
    first_bad = np.full(n, np.inf)
    np.minimum.at(first_bad, cust[bad], day[bad])
    trigger = bad & (day == first_bad[cust])
    escalation[trigger & (rng.random(m) < EXECUTIVE_ESCALATION)] = 3
    exec_call = np.zeros(n, bool)
    exec_call[cust[trigger & (escalation == 3)]] = True
    silent_leave = silent & pop.postpaid & (rng.random(n) < CHURN_AFTER_SILENT_FAILURE)
    silent_day = np.where(silent_leave, fail_day + rng.uniform(5.0, 40.0, n), np.inf)
    dissat_day = np.minimum(leave_day, silent_day)
    base_churn = np.where(pop.postpaid, billing.end_day, np.nan)
    base_churn_f = np.where(np.isnan(base_churn), np.inf, base_churn)
    dissat = pop.postpaid & (dissat_day < base_churn_f) & (dissat_day < horizon - 1)
    back = dissat & exec_call & (leave_day <= silent_day) & (rng.random(n) < config.winback_rate)
    winback = np.where(back, dissat_day + rng.uniform(7.0, 60.0, n), np.nan)
    back &= (winback < horizon - 1) & (winback < base_churn_f)
    winback = np.where(back, winback, np.nan)

    first_churn = np.where(dissat, dissat_day, base_churn)
    churn = np.where(back, base_churn, first_churn)  # won back: stays until the contract ends
    data.churn_day = np.where(pop.postpaid, churn, dropout_day)
    data.first_churn_day = np.where(back, dissat_day, np.nan)
    data.winback_day = winback

    code = CHURN_CAUSES.index
    cause = np.full(n, code("none"), dtype=np.int16)
    cause[pop.postpaid & ~np.isnan(base_churn)] = code("contract_end")
    cause[billing.involuntary] = code("non_payment")
    cause[dissat & (leave_day <= silent_day)] = code("dissatisfied_complainer")
    cause[dissat & (silent_day < leave_day)] = code("dissatisfied_silent")
    cause[back] = np.where(np.isnan(base_churn[back]), code("none"), code("contract_end"))
    cause[~pop.postpaid & ~np.isnan(dropout_day)] = code("dropout")
    cause[fail_pre & ~np.isnan(dropout_day) & silent] = code("dissatisfied_silent")
    cause[fail_pre & ~np.isnan(dropout_day) & ~silent] = code("dissatisfied_complainer")

    # nothing after churn, nor while a won-back was away
    keep = np.flatnonzero(data.active_mask(cust, day))
    cust, day, cat, channel = cust[keep], day[keep], cat[keep], channel[keep]
    response_hours, escalation = response_hours[keep], escalation[keep]
    resolved_day, satisfaction, is_failure = resolved_day[keep], satisfaction[keep], \
        is_failure[keep]
    province, rho = province[keep], rho[keep]
    data.cmp_cust, data.cmp_day, data.cmp_satisfaction = cust, day, satisfaction.astype(float)

    start = config.start_ts
    ids = event_ids("K", pop.block, len(cust))
    complaints = frame({
        "complaint_id": ids,
        "customer_id": take_strings(pop.customer_id, cust),
        "opened_at": days_to_timestamps(start, day),
        "category": categorical(cat, CATEGORIES),
        "channel": categorical(channel, CHANNELS),
        "province": categorical(province, pools(config.locale).province_names),
        "first_response_hours": response_hours,
        "escalation_level": escalation.astype(np.int8),
        "resolved_at": days_to_timestamps(start, resolved_day),
        "satisfaction": satisfaction.astype(np.int8),
    })
    truth_complaints = frame({
        "complaint_id": ids,
        "service_failure": is_failure,
        "load_ratio": np.round(rho, 4),  # the load each kept complaint met
    })
    truth_customers = frame({
        "service_failure_date": days_to_timestamps(start, np.where(failed, fail_day, np.nan)),
        "silent_failure": silent,
        "churn_cause": categorical(cause, CHURN_CAUSES),
        "won_back": back,
    })
    return ServiceResult(
        complaints=complaints, truth_complaints=truth_complaints,
        truth_customers=truth_customers,
    )
