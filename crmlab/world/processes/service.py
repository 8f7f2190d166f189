"""Customer service: weather shocks, complaints, response, satisfaction and churn.

The story follows the telecom article in ``shared/seeds`` (001): dissatisfaction
varies with the season; in snow storms and floods customers complain that repair
engineers come late; complaints escalated through supervisor levels leave customers
less satisfied, while an executive who calls a furious customer often wins them back;
and many dissatisfied customers never complain at all, they simply leave.

Every coefficient is read from the config: ``config.weather``, ``config.service``
(season, weather load, backlog, queueing, response, escalation, satisfaction) and
``config.churn``, beside the flat ``complaint_rate``, ``repair_capacity``,
``service_failure_rate``, ``silent_share`` and ``winback_rate``.

Mechanics
---------
* **Weather** (world-wide): snow storms in the snow season in cold provinces, floods
  in the flood season in river provinces, each with a start, an end and a severity.
* **Load** (world-wide): the expected complaint load of a province on a day, relative
  to its repair capacity, is ``season(day) * (1 + weather_load * intensity) /
  config.repair_capacity`` (the rules of :mod:`crmlab.rules`). It depends on no
  customer, so blocks stay independent, and the capacity what-if of notebook 05 can
  recompute it.
* **Complaints** (per block): routine complaints arrive as a Poisson process whose
  rate follows the season and, for repairs and outages, the weather; billing disputes
  and collection calls add billing and collections complaints; serious service
  failures strike some customers, and a share of them stay silent.
* **Handling**: the channel mix shifts from the call centre to digital channels over
  the years; the first response takes longer when the load exceeds capacity
  (:func:`crmlab.rules.queue_delay_factor`); slow answers escalate (levels 0-3, 3 =
  executive); satisfaction (1-5) falls with response time, escalation and an
  unresolved case.
* **Churn**: postpaid customers who end a complaint very dissatisfied, or who suffer a
  failure in silence, may leave; an executive call (level 3) wins back
  ``config.winback_rate`` of those who left. Prepaid customers' leaving is the
  unobserved BG/NBD dropout; a share of dropouts are preceded by a service failure, so
  the same association appears without disturbing the purchase model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import rules
from .._kernels import (
    categorical,
    choose_columns,
    choose_mixed,
    choose_weighted,
    days_to_timestamps,
    format_ids,
    frame,
    sort_events,
    take_strings,
)
from ..config import WorldConfig
from ..labels import COMPLAINT_CATEGORIES as CATEGORIES
from ..labels import COMPLAINT_CHANNELS as CHANNELS
from ..locales import pools
from ._block import Churn, ComplaintEvents
from .billing import BillingResult
from .population import Population

__all__ = [
    "CATEGORIES", "CHANNELS", "CHURN_CAUSES", "WEATHER_TYPES", "ServiceResult",
    "generate_service", "load_ratio", "make_weather", "weather_intensity",
]

WEATHER_TYPES = ("snow", "flood")
CHURN_CAUSES = ("none", "dropout", "contract_end", "non_payment", "dissatisfied_complainer",
                "dissatisfied_silent")


def _season_months(first: int, length: int) -> tuple[int, ...]:
    """The calendar months (1..12) of a season of ``length`` months from ``first``."""
    return tuple((first - 1 + k) % 12 + 1 for k in range(length))


def make_weather(config: WorldConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Snow storms and floods by province and date (world-wide).

    Snow falls in the snow season (December to February by default) in provinces with a
    snow risk; floods come in the flood season (March to May) where rivers flood. The
    province of an event is drawn in proportion to its risk raised to
    ``config.weather.risk_exponent``, so the north-west of Iran (or the US north) gets
    the snow and the south-west (or the Gulf coast) the floods.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> w = make_weather(WorldConfig(locale="fa_IR"), np.random.default_rng(1))
    >>> list(w.columns)
    ['event_id', 'province', 'event_type', 'start_date', 'end_date', 'severity']
    """
    par = config.weather
    loc = pools(config.locale)
    snow = np.array([p.snow for p in loc.provinces])
    flood = np.array([p.flood for p in loc.provinces])
    n = int(rng.poisson(config.weather_events_per_year * config.n_days / 365.0))
    kind = (rng.random(n) < flood.sum() / (snow.sum() + flood.sum())).astype(int)
    # risks raised to a power concentrate events where the climate makes them typical
    snow_w, flood_w = snow**par.risk_exponent, flood**par.risk_exponent
    snow_p, flood_p = snow_w / snow_w.sum(), flood_w / flood_w.sum()
    prov = np.where(kind == 0, choose_weighted(rng, snow_p, n), choose_weighted(rng, flood_p, n))
    start = config.start_ts
    # the first day is drawn uniformly among the history's in-season days
    month = pd.date_range(start, periods=config.n_days, freq="D").month.to_numpy()
    snow_days = np.flatnonzero(np.isin(month, _season_months(par.snow_first_month,
                                                             par.snow_months)))
    flood_days = np.flatnonzero(np.isin(month, _season_months(par.flood_first_month,
                                                              par.flood_months)))
    first_day = np.full(n, -1.0)
    for k, season_days in enumerate((snow_days, flood_days)):  # two types, not rows
        chosen = kind == k
        if len(season_days):
            first_day[chosen] = season_days[rng.integers(0, len(season_days), chosen.sum())]
    (snow_lo, snow_hi), (flood_lo, flood_hi) = par.snow_duration_days, par.flood_duration_days
    duration = np.where(kind == 0, rng.integers(snow_lo, snow_hi + 1, n),
                        rng.integers(flood_lo, flood_hi + 1, n))
    severity = np.round(rng.uniform(*par.severity, n), 2)
    inside = (first_day >= 0) & (first_day + duration <= config.n_days)
    order = np.lexsort((prov[inside], first_day[inside]))
    first_day, duration = first_day[inside][order], duration[inside][order]
    kind, prov, severity = kind[inside][order], prov[inside][order], severity[inside][order]
    return frame({
        # three digits, or as many as the count of events needs
        "event_id": format_ids("W", np.arange(1, len(first_day) + 1),
                               max(3, len(str(len(first_day))))),
        "province": categorical(prov, loc.province_names),
        "event_type": categorical(kind, WEATHER_TYPES),
        "start_date": days_to_timestamps(start, first_day),
        "end_date": days_to_timestamps(start, first_day + duration - 1),
        "severity": severity,
    })


def weather_intensity(config: WorldConfig, weather: pd.DataFrame) -> np.ndarray:
    """Weather intensity per (province, day): the event's severity while it lasts, then a
    backlog that fades linearly over ``config.service.backlog_days``
    (:func:`crmlab.rules.weather_intensity`). Shape (provinces, days).

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> cfg = WorldConfig()
    >>> weather_intensity(cfg, make_weather(cfg, np.random.default_rng(1))).shape
    (20, 1096)
    """
    start = config.start_ts
    return rules.weather_intensity(
        weather["province"].cat.codes.to_numpy(),
        ((weather["start_date"] - start).dt.days).to_numpy(),
        ((weather["end_date"] - start).dt.days).to_numpy(),
        weather["severity"].to_numpy(),
        n_provinces=len(pools(config.locale).provinces), n_days=config.n_days,
        backlog_days=config.service.backlog_days)


def load_ratio(config: WorldConfig, intensity: np.ndarray) -> np.ndarray:
    """Expected service load over capacity per (province, day)
    (:func:`crmlab.rules.load_ratio` with the config's season, weather load and
    ``repair_capacity``).

    Parameters
    ----------
    config : WorldConfig
    intensity : ndarray, shape (provinces, days)
        From :func:`weather_intensity`.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> cfg = WorldConfig()
    >>> calm = np.zeros((1, cfg.n_days))
    >>> round(float(load_ratio(cfg, calm).mean()), 2)  # season mean 1, over capacity 1.25
    0.8
    """
    season = rules.season_factor(np.arange(config.n_days, dtype=float), config.start_ts,
                                 season=config.service.season)
    return rules.load_ratio(intensity, season, capacity=config.repair_capacity,
                            weather_load=config.service.weather_load)


@dataclass(frozen=True)
class ServiceResult:
    """What :func:`generate_service` returns (internal): the complaints and their truth,
    the customers' service truth, the churn it decided, and the complaints as arrays."""

    complaints: pd.DataFrame
    truth_complaints: pd.DataFrame
    truth_customers: pd.DataFrame
    churn: Churn
    events: ComplaintEvents


def _routine(config: WorldConfig, rng: np.random.Generator, pop: Population,
             intensity: np.ndarray, end_day: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Routine and weather-driven complaints by thinning a Poisson process."""
    svc = config.service
    weather_load, season_max = svc.weather_load, rules.monthly_season(svc.season).max()
    s = pop.segment
    rate = (config.complaint_rate / 365.0 * config.segments.array("complaint_mult")[s]
            * np.where(pop.postpaid, 1.0, svc.prepaid_complaint_factor))
    rate_max = rate * season_max * (1.0 + weather_load)
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
    w *= weather_load
    bound = 1 + w
    bound *= rules.season_factor(day, config.start_ts, season=svc.season)
    draw = rng.random(len(cust))
    draw *= season_max
    draw *= 1.0 + weather_load
    accept = draw < bound
    kept = np.flatnonzero(accept)
    cust, day, w = cust[kept], day[kept], w[kept]
    weather_caused = rng.random(len(cust)) < w / (1.0 + w)
    mixes = np.array([svc.routine_mix, svc.weather_mix])
    return cust, day, choose_mixed(rng, mixes, weather_caused)


def _at(table: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``table[rows, cols]`` as one flat take (faster than two-array indexing)."""
    return np.take(table.reshape(-1), rows * table.shape[1] + cols)


def generate_service(config: WorldConfig, rng: np.random.Generator, pop: Population,
                     world_intensity: np.ndarray, world_load: np.ndarray,
                     billing: BillingResult, dropout_day: np.ndarray) -> ServiceResult:
    """Complaints of one block and the churn they cause (see the module docstring).

    ``billing`` is the block's :class:`~crmlab.world.processes.billing.BillingResult`
    (contract ends, disputes, collection steps); ``dropout_day`` the prepaid BG/NBD
    dropout days (NaN while alive). Returns the complaints, the
    :class:`~crmlab.world.processes._block.Churn` of every customer and the complaints
    as arrays.
    """
    svc, ch = config.service, config.churn
    n = pop.n
    horizon = float(config.n_days)
    base_end = np.where(pop.postpaid, billing.end_day, dropout_day)
    base_end = np.where(np.isnan(base_end), horizon, base_end)

    # 1. routine and weather complaints
    r_cust, r_day, r_cat = _routine(config, rng, pop, world_intensity, base_end)
    # 2. billing disputes
    d_cust, d_day = billing.dispute_cust, billing.dispute_day
    d_cat = np.full(len(d_cust), CATEGORIES.index("billing_error"))
    # 3. collection calls and suspensions that provoke a complaint
    hit = (billing.collection_step >= 1) & (rng.random(len(billing.collection_cust))
                                            < svc.collection_complaint)
    c_cust = billing.collection_cust[hit]
    c_day = billing.collection_day[hit] + rng.uniform(*svc.collection_complaint_delay_days,
                                                      int(hit.sum()))
    c_cat = np.full(len(c_cust), CATEGORIES.index("collections"))
    # 4. serious service failures: postpaid at a yearly rate; prepaid before some dropouts
    span = np.maximum(base_end - pop.signup_day, 0.0)
    p_fail = 1.0 - np.exp(-config.service_failure_rate * span / 365.0)
    fail_post = pop.postpaid & (rng.random(n) < p_fail)
    fail_pre = (~pop.postpaid & ~np.isnan(dropout_day)
                & (rng.random(n) < svc.prepaid_failure_before_dropout))
    fail_day = np.where(fail_post, pop.signup_day + rng.random(n) * span,
                        np.where(fail_pre,
                                 dropout_day - rng.uniform(*svc.failure_before_dropout_days, n),
                                 np.nan))
    fail_day = np.where(fail_pre, np.maximum(fail_day, pop.signup_day), fail_day)
    failed = fail_post | fail_pre
    silent = failed & (rng.random(n) < config.silent_share)
    loud = np.flatnonzero(failed & ~silent)
    f_cat = choose_mixed(rng, np.array([svc.failure_mix]), len(loud))

    cust = np.concatenate([r_cust, d_cust, c_cust, loud])
    day = np.concatenate([r_day, d_day, c_day, fail_day[loud] + rng.uniform(
        0.0, svc.failure_complaint_delay_days, len(loud))])
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
    trend = (years * pop.digital[cust])[None, :] * svc.array("channel_trend")[:, None]
    logits = svc.array("channel_base")[:, None] + trend
    channel = choose_columns(rng, np.exp(logits))
    dayi = np.minimum(day.astype(np.int64), config.n_days - 1)
    province = pop.province[cust]
    rho = _at(world_load, province, dayi)
    channel_hours = svc.array("base_response_hours")[channel]
    base_hours = channel_hours * svc.array("category_response")[cat]
    response_hours = (base_hours * svc.rules.queue_delay_factor(rho)
                      * rng.lognormal(0.0, svc.response_sigma, m))
    response_hours = np.round(np.maximum(response_hours, svc.min_response_hours), 2)
    strain = np.log(response_hours / channel_hours) + rng.normal(0, svc.strain_sd, m)
    strain += np.where(is_failure, svc.failure_strain, 0.0)
    escalation = np.clip(np.floor((strain - svc.escalation_threshold) / svc.escalation_step),
                         0, 3).astype(np.int64)
    # gamma(k, scale) is scale times a standard gamma(k) draw: the same draws and bits,
    # without broadcasting a scale array through the sampler
    resolve_days = rng.standard_gamma(svc.resolve_shape, m)
    resolve_days *= svc.array("resolve_multiplier")[cat]
    resolve_days += response_hours / 24.0
    resolved_day = day + resolve_days
    unresolved = rng.random(m) < svc.unresolved_base + svc.unresolved_if_escalated * (
        escalation >= 2)
    resolved_day = np.where(unresolved | (resolved_day >= horizon), np.nan, resolved_day)
    score = (svc.satisfaction_base
             - svc.satisfaction_per_log_delay * np.log1p(response_hours / base_hours)
             - svc.satisfaction_supervisor * ((escalation >= 1) & (escalation <= 2))
             + svc.satisfaction_executive * (escalation == 3)
             - svc.satisfaction_unresolved * np.isnan(resolved_day)
             - svc.satisfaction_failure * is_failure + rng.normal(0, svc.satisfaction_sd, m))
    satisfaction = np.clip(np.round(score), 1, 5).astype(np.int64)

    # churn caused by dissatisfaction (postpaid only; prepaid dropout is already drawn)
    bad = (pop.postpaid[cust] & (satisfaction <= svc.bad_satisfaction)
           & (rng.random(m) < ch.after_bad_complaint))
    leave_day = np.full(n, np.inf)
    np.minimum.at(leave_day, cust[bad],
                  day[bad] + rng.uniform(*ch.leave_after_complaint_days, int(bad.sum())))
    # the complaint after which a customer announces leaving may reach an executive
    first_bad = np.full(n, np.inf)
    np.minimum.at(first_bad, cust[bad], day[bad])
    trigger = bad & (day == first_bad[cust])
    escalation[trigger & (rng.random(m) < ch.executive_escalation)] = 3
    exec_call = np.zeros(n, bool)
    exec_call[cust[trigger & (escalation == 3)]] = True
    silent_leave = silent & pop.postpaid & (rng.random(n) < ch.after_silent_failure)
    silent_day = np.where(silent_leave,
                          fail_day + rng.uniform(*ch.leave_after_silent_failure_days, n), np.inf)
    dissat_day = np.minimum(leave_day, silent_day)
    base_churn = np.where(pop.postpaid, billing.end_day, np.nan)
    base_churn_f = np.where(np.isnan(base_churn), np.inf, base_churn)
    dissat = pop.postpaid & (dissat_day < base_churn_f) & (dissat_day < horizon - 1)
    back = dissat & exec_call & (leave_day <= silent_day) & (rng.random(n) < config.winback_rate)
    winback = np.where(back, dissat_day + rng.uniform(*ch.winback_delay_days, n), np.nan)
    back &= (winback < horizon - 1) & (winback < base_churn_f)
    winback = np.where(back, winback, np.nan)

    first_churn = np.where(dissat, dissat_day, base_churn)
    final_churn = np.where(back, base_churn, first_churn)  # won back: stays until the end
    churn = Churn(churn_day=np.where(pop.postpaid, final_churn, dropout_day),
                  first_churn_day=np.where(back, dissat_day, np.nan), winback_day=winback)

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
    keep = np.flatnonzero(churn.active_mask(pop.signup_day, cust, day))
    cust, day, cat, channel = cust[keep], day[keep], cat[keep], channel[keep]
    response_hours, escalation = response_hours[keep], escalation[keep]
    resolved_day, satisfaction, is_failure = resolved_day[keep], satisfaction[keep], \
        is_failure[keep]
    province, rho = province[keep], rho[keep]

    start = config.start_ts
    ids = pop.event_ids("K", len(cust))
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
        truth_customers=truth_customers, churn=churn,
        events=ComplaintEvents(cust=cust, day=day, satisfaction=satisfaction),
    )
