"""What if spare repair capacity moved to the provinces hit by snow or floods?

The telecom article (seed 001) notes that in heavy snow or floods customers complain
that repair engineers come late, and suggests that the operator, seeing service
slip in those regions, send its spare resources there. This module answers the
question "how much faster would the first response have been?" over the tables the
operator already has: complaints, weather events and customers.

The queueing rule
-----------------
The operator plans its repair and response capacity per province as a multiple
``capacity`` of the province's normal-season load (the world's
``WorldConfig.repair_capacity``). On a calendar day ``d`` the expected load of
province ``p`` relative to that capacity is::

    load_ratio[p, d] = season[month(d)] * (1 + weather_load * intensity[p, d]) / capacity

where ``season`` are the monthly load multipliers of the staffing plan (rescaled to
mean 1) and ``intensity`` is the severity of a snow or flood event while it lasts,
fading linearly to zero over ``backlog_days`` after it ends (repairs pile up). The
first response takes :func:`queue_delay_factor` ``(load_ratio)`` times longer than it
would with no queue. These are the operating rules the operator knows about its own
service, in one place, :mod:`crmlab.rules`, which the crmlab world runs on too: the
defaults are the world's defaults, and a world made with other rules hands them over
as ``w.config.service.rules`` (pass them as ``rules=``). Nothing here imports the
world.

The what-if
-----------
Absolute capacity is ``capacity * n_p``, where ``n_p`` (the province's customers)
measures its normal load. On each day with a selected weather event, every calm
province (no weather of any kind) lends ``share`` of its spare capacity (capacity
minus that day's load, if positive); the pool, times ``efficiency`` (what survives
travel and unfamiliar ground), is shared among the hit provinces in proportion to
the extra load the weather brings them. A complaint's response time is then
rescaled by ``queue_delay_factor(new ratio) / queue_delay_factor(old ratio)``: the
same complaint, answered by a differently staffed province. Lenders get slightly
slower, the hit provinces much faster; with ``efficiency=1`` the operator's total
capacity on every day is unchanged.

Examples
--------
>>> import crmlab as crm
>>> w = crm.load_dataset("tiny")
>>> res = capacity_whatif(w.complaints, w.weather, w.customers,
...                       capacity=w.config.repair_capacity, share=0.5,
...                       rules=w.config.service.rules)
>>> list(res.summary.index)
['hit provinces during weather', 'calm provinces that lent capacity', 'all complaints']
>>> bool(res.summary.loc["hit provinces during weather", "mean_hours_after"]
...      < res.summary.loc["hit provinces during weather", "mean_hours_before"])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import rules as service_rules
from ..rules import BACKLOG_DAYS, SEASON, WEATHER_LOAD, ServiceRules, queue_delay_factor
from ._validation import check_frame_columns, check_times

__all__ = ["BACKLOG_DAYS", "SEASON", "WEATHER_LOAD", "CapacityWhatIf", "ServiceRules",
           "capacity_whatif", "load_ratio", "queue_delay_factor", "weather_intensity"]

_EVENT_TYPES = ("snow", "flood")


def _check_weather(weather: pd.DataFrame) -> None:
    # a history without any snow or flood is allowed: no check for rows here
    if not isinstance(weather, pd.DataFrame):
        raise TypeError(f"weather must be a pandas DataFrame; got {type(weather).__name__}")
    for col in ("province", "event_type", "start_date", "end_date", "severity"):
        if col not in weather.columns:
            raise ValueError(f"column {col!r} not found in weather; its columns are "
                             f"{list(map(str, weather.columns))}")
    if not len(weather):
        return
    check_times(weather["start_date"], "start_date")
    check_times(weather["end_date"], "end_date")
    if (weather["end_date"] < weather["start_date"]).any():
        raise ValueError("weather has events whose end_date is before their start_date")


def weather_intensity(weather: pd.DataFrame, days: pd.DatetimeIndex,
                      provinces: Sequence[str], *,
                      backlog_days: int = BACKLOG_DAYS) -> pd.DataFrame:
    """Weather intensity per province and calendar day.

    An event counts with its ``severity`` from its start to its end date, then fades
    linearly over ``backlog_days``; overlapping events in a province take the
    largest value.

    Parameters
    ----------
    weather : DataFrame
        ``province``, ``event_type``, ``start_date``, ``end_date``, ``severity``.
    days : DatetimeIndex
        Consecutive calendar days (midnight) to cover.
    provinces : sequence of str
        Rows of the result; events in other provinces are ignored.
    backlog_days : int, default=BACKLOG_DAYS
        The world's default (7); see :func:`crmlab.rules.weather_intensity`.

    Returns
    -------
    DataFrame
        Provinces (rows) by days (columns), values in [0, 1].

    Examples
    --------
    >>> ev = pd.DataFrame({"province": ["A"], "event_type": ["snow"],
    ...                    "start_date": pd.to_datetime(["2024-01-02"]),
    ...                    "end_date": pd.to_datetime(["2024-01-03"]), "severity": [0.8]})
    >>> days = pd.date_range("2024-01-01", periods=6, freq="D")
    >>> weather_intensity(ev, days, ["A", "B"], backlog_days=3).round(2).to_numpy().tolist()
    [[0.0, 0.8, 0.8, 0.6, 0.4, 0.2], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    """
    _check_weather(weather)
    if isinstance(backlog_days, bool) or not isinstance(backlog_days, (int, np.integer)) \
            or backlog_days < 0:
        raise ValueError(f"backlog_days must be a whole number >= 0; got {backlog_days!r}")
    days = pd.DatetimeIndex(days)
    provinces = pd.Index([str(p) for p in provinces], name="province")
    if len(days) == 0:
        return pd.DataFrame(np.zeros((len(provinces), 0)), index=provinces, columns=days)
    origin = days[0]
    out = service_rules.weather_intensity(
        provinces.get_indexer(weather["province"].astype(str)),
        (weather["start_date"].dt.normalize() - origin).dt.days.to_numpy(),
        (weather["end_date"].dt.normalize() - origin).dt.days.to_numpy(),
        weather["severity"].to_numpy(dtype=float),
        n_provinces=len(provinces), n_days=len(days), backlog_days=int(backlog_days))
    return pd.DataFrame(out, index=provinces, columns=days)


def load_ratio(intensity: pd.DataFrame, *, capacity: Any,
               season: Sequence[float] = SEASON,
               weather_load: float = WEATHER_LOAD) -> pd.DataFrame:
    """Expected load over capacity per province and day (see the module docstring).

    Parameters
    ----------
    intensity : DataFrame
        From :func:`weather_intensity` (provinces by days).
    capacity : float or DataFrame
        Capacity as a multiple of the normal-season load: one number, or a frame
        shaped like ``intensity`` (capacity per province and day).
    season : sequence of 12 floats, default=SEASON
        Relative monthly load, January first (rescaled to mean 1).
    weather_load : float, default=WEATHER_LOAD

    Returns
    -------
    DataFrame
        Shaped like ``intensity``.

    Examples
    --------
    >>> days = pd.date_range("2024-05-01", periods=2, freq="D")
    >>> calm = pd.DataFrame([[0.0, 1.0]], index=["A"], columns=days)
    >>> load_ratio(calm, capacity=1.25, season=[1.0] * 12).round(2).to_numpy().tolist()
    [[0.8, 3.2]]
    """
    monthly = service_rules.monthly_season(season)
    cap = capacity.to_numpy(dtype=float) if isinstance(capacity, pd.DataFrame) \
        else capacity
    month = pd.DatetimeIndex(intensity.columns).month.to_numpy() - 1
    ratio = service_rules.load_ratio(intensity.to_numpy(), monthly[month], capacity=cap,
                                     weather_load=weather_load)
    return pd.DataFrame(ratio, index=intensity.index, columns=intensity.columns)


@dataclass
class CapacityWhatIf:
    """Result of :func:`capacity_whatif`.

    Attributes
    ----------
    complaints : DataFrame
        One row per complaint: ``complaint_id``, ``province``, ``opened_at``,
        ``role`` (``"hit"``: its province had a selected event that day and received
        capacity; ``"lender"``: its province lent capacity that day; ``"other"``),
        ``load_ratio_before``, ``load_ratio_after``, ``hours_before``,
        ``hours_after``.
    summary : DataFrame
        Rows ``hit provinces during weather``, ``calm provinces that lent
        capacity``, ``all complaints``; columns ``complaints``,
        ``mean_hours_before``, ``mean_hours_after``, ``p90_hours_before``,
        ``p90_hours_after``, ``within_24h_before``, ``within_24h_after`` (shares).
    by_province : DataFrame
        For complaints of the ``hit`` role, per province: ``complaints``,
        ``mean_hours_before``, ``mean_hours_after``.
    capacity_before, capacity_after : DataFrame
        Capacity per province (rows) and day (columns) as a multiple of each
        province's normal-season load.
    moved : Series
        Capacity moved on each day, in customers' worth of normal load.
    """

    complaints: pd.DataFrame
    summary: pd.DataFrame
    by_province: pd.DataFrame
    capacity_before: pd.DataFrame
    capacity_after: pd.DataFrame
    moved: pd.Series


def _stats(before: np.ndarray, after: np.ndarray) -> dict[str, float]:
    if before.size == 0:
        return dict(complaints=0, mean_hours_before=np.nan, mean_hours_after=np.nan,
                    p90_hours_before=np.nan, p90_hours_after=np.nan,
                    within_24h_before=np.nan, within_24h_after=np.nan)
    return dict(complaints=int(before.size),
                mean_hours_before=float(before.mean()), mean_hours_after=float(after.mean()),
                p90_hours_before=float(np.quantile(before, 0.9)),
                p90_hours_after=float(np.quantile(after, 0.9)),
                within_24h_before=float((before <= 24).mean()),
                within_24h_after=float((after <= 24).mean()))


def capacity_whatif(complaints: pd.DataFrame, weather: pd.DataFrame,
                    customers: pd.DataFrame, *, capacity: float, share: float = 0.5,
                    event_types: Sequence[str] = _EVENT_TYPES,
                    provinces: Sequence[str] | None = None, efficiency: float = 1.0,
                    rules: ServiceRules | None = None, season: Sequence[float] | None = None,
                    weather_load: float | None = None, backlog_days: int | None = None
                    ) -> CapacityWhatIf:
    """First-response times if spare capacity moved to the provinces hit by weather.

    Parameters
    ----------
    complaints : DataFrame
        ``complaint_id``, ``province``, ``opened_at``, ``first_response_hours``.
    weather : DataFrame
        ``province``, ``event_type``, ``start_date``, ``end_date``, ``severity``.
    customers : DataFrame
        ``province``: each province's customers measure its normal load.
    capacity : float
        Planned capacity as a multiple of the normal-season load (for a crmlab world,
        ``w.config.repair_capacity``).
    share : float in [0, 1], default=0.5
        Share of the calm provinces' spare capacity moved on weather days.
    event_types : sequence of {"snow", "flood"}, default both
        Which kinds of event receive capacity.
    provinces : sequence of str, optional
        Only these provinces receive capacity (default: every province hit by a
        selected event).
    efficiency : float in [0, 1], default=1.0
        Share of the moved capacity that is useful where it arrives.
    rules : ServiceRules, optional
        The service rules (season, weather load, backlog, queueing curve; module
        docstring). Default: the crmlab world's defaults; for a world made with other
        rules, pass ``w.config.service.rules``.
    season, weather_load, backlog_days : optional
        Override single rules (``season``: 12 relative monthly multipliers, January
        first, rescaled to mean 1).

    Returns
    -------
    CapacityWhatIf

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> same = capacity_whatif(w.complaints, w.weather, w.customers, capacity=1.25, share=0.0)
    >>> bool((same.complaints["hours_after"] == same.complaints["hours_before"]).all())
    True
    """
    rules = ServiceRules() if rules is None else rules
    if not isinstance(rules, ServiceRules):
        raise TypeError(f"rules must be a crmlab.rules.ServiceRules (a world's are "
                        f"w.config.service.rules); got {type(rules).__name__}")
    season = rules.season if season is None else season
    weather_load = rules.weather_load if weather_load is None else weather_load
    backlog_days = rules.backlog_days if backlog_days is None else backlog_days
    check_frame_columns(complaints, ["complaint_id", "province", "opened_at",
                                     "first_response_hours"], "complaints")
    check_frame_columns(customers, ["province"], "customers")
    _check_weather(weather)
    check_times(complaints["opened_at"], "opened_at")
    for name, value in (("share", share), ("efficiency", efficiency)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                or not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")
    if isinstance(capacity, bool) or not isinstance(capacity, (int, float, np.floating)) \
            or not np.isfinite(capacity) or capacity <= 0:
        raise ValueError(f"capacity must be a number > 0; got {capacity!r}")
    if isinstance(event_types, str):
        event_types = (event_types,)
    unknown = sorted(set(map(str, event_types)) - set(_EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event_types {unknown}; allowed: {list(_EVENT_TYPES)}")

    names = sorted(set(customers["province"].astype(str))
                   | set(complaints["province"].astype(str))
                   | set(weather["province"].astype(str)))
    if provinces is not None:
        if isinstance(provinces, str):
            provinces = (provinces,)
        bad = sorted(set(map(str, provinces)) - set(names))
        if bad:
            raise ValueError(f"unknown provinces {bad}; the data has {names}")
    opened = complaints["opened_at"]
    first_day = min(opened.min(), weather["start_date"].min()) if len(weather) else opened.min()
    last_day = max(opened.max(), weather["end_date"].max()) if len(weather) else opened.max()
    first_day, last_day = first_day.normalize(), last_day.normalize()
    days = pd.date_range(first_day, last_day, freq="D")

    intensity = weather_intensity(weather, days, names, backlog_days=backlog_days)
    chosen = weather["event_type"].astype(str).isin(list(map(str, event_types)))
    if provinces is not None:
        chosen &= weather["province"].astype(str).isin(list(map(str, provinces)))
    target = weather_intensity(weather[chosen], days, names, backlog_days=backlog_days)
    before = load_ratio(intensity, capacity=capacity, season=season,
                        weather_load=weather_load)

    # absolute capacity and load in "customers' worth of normal load"
    n = customers["province"].astype(str).value_counts().reindex(names, fill_value=0)
    n = n.to_numpy(dtype=float)[:, None]
    season_day = service_rules.monthly_season(season)[days.month.to_numpy() - 1][None, :]
    load = season_day * (1.0 + weather_load * intensity.to_numpy()) * n
    cap_abs = np.broadcast_to(capacity * n, load.shape)
    hit = (target.to_numpy() > 0) & (n > 0)
    lender = (intensity.to_numpy() == 0) & (n > 0) & hit.any(axis=0)[None, :]
    spare = np.where(lender, np.maximum(cap_abs - load, 0.0), 0.0)
    lent = float(share) * spare
    pool = lent.sum(axis=0)
    extra = np.where(hit, season_day * weather_load * target.to_numpy() * n, 0.0)
    weight = extra / np.where(extra.sum(axis=0) > 0, extra.sum(axis=0), 1.0)
    new_abs = cap_abs - lent + float(efficiency) * pool[None, :] * weight
    with np.errstate(divide="ignore", invalid="ignore"):
        new_cap = np.where(n > 0, new_abs / np.where(n > 0, n, 1.0), capacity)
    after = load_ratio(intensity, capacity=pd.DataFrame(new_cap, index=intensity.index,
                                                        columns=days),
                       season=season, weather_load=weather_load)

    row = pd.Index(names).get_indexer(complaints["province"].astype(str))
    col = ((opened.dt.normalize() - first_day).dt.days).to_numpy()
    rho0 = before.to_numpy()[row, col]
    rho1 = after.to_numpy()[row, col]
    hours0 = complaints["first_response_hours"].to_numpy(dtype=float)
    hours1 = np.round(hours0 * rules.queue_delay_factor(rho1) / rules.queue_delay_factor(rho0),
                      2)
    hours1 = np.where(rho1 == rho0, hours0, hours1)
    role = np.where(hit[row, col], "hit", np.where(lender[row, col], "lender", "other"))
    table = pd.DataFrame({
        "complaint_id": complaints["complaint_id"].to_numpy(),
        "province": complaints["province"].astype(str).to_numpy(),
        "opened_at": opened.to_numpy(),
        "role": pd.Categorical(role, categories=["hit", "lender", "other"]),
        "load_ratio_before": rho0, "load_ratio_after": rho1,
        "hours_before": hours0, "hours_after": hours1,
    })
    groups = {"hit provinces during weather": role == "hit",
              "calm provinces that lent capacity": role == "lender",
              "all complaints": np.ones(len(role), bool)}
    summary = pd.DataFrame({label: _stats(hours0[m], hours1[m]) for label, m in groups.items()}
                           ).T
    summary["complaints"] = summary["complaints"].astype(int)
    summary.index.name = "complaints of"
    hit_rows = table[table["role"] == "hit"]
    by_province = hit_rows.groupby("province").agg(
        complaints=("hours_before", "size"), mean_hours_before=("hours_before", "mean"),
        mean_hours_after=("hours_after", "mean"))
    return CapacityWhatIf(
        complaints=table, summary=summary, by_province=by_province,
        capacity_before=pd.DataFrame(np.broadcast_to(float(capacity), load.shape).copy(),
                                     index=intensity.index, columns=days),
        capacity_after=pd.DataFrame(new_cap, index=intensity.index, columns=days),
        moved=pd.Series(pool, index=pd.Index(days, name="day"), name="moved"),
    )
