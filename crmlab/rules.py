"""The operator's service rules: season, weather backlog, load over capacity, queueing.

One copy of the rules that both the synthetic world (its complaint handling,
:mod:`crmlab.world.processes.service`) and the capacity what-if of notebook 05
(:mod:`crmlab.analytics.capacity`) run on. The defaults are the world's defaults
(``WorldConfig().service`` and ``WorldConfig().repair_capacity``); a world made with
other values records them in its config, and ``w.config.service.rules`` hands them
back as a :class:`ServiceRules` for the what-if.

The rules
---------
* **Season.** Twelve relative monthly multipliers (January first), rescaled to mean 1
  by :func:`monthly_season`; :func:`season_factor` gives the multiplier of any day.
* **Weather intensity.** A snow storm or flood counts with its severity (0..1) from its
  first to its last day, then a repair backlog fades linearly over ``backlog_days``
  (:func:`weather_intensity`); overlapping events in a province take the largest value.
* **Load ratio.** The expected service load of a province on a day over its repair
  capacity: ``season(day) * (1 + weather_load * intensity) / capacity``
  (:func:`load_ratio`), capacity being a multiple of the normal-season load.
* **Queueing delay.** The first response takes :func:`queue_delay_factor` times longer
  than with no queue: ``1 + coefficient * rho**2 / max(1 - rho, min_slack)`` with
  ``rho`` capped at ``max_load``.

This module imports nothing from the world or the analytics (numpy only), so the data
flow stays one way.

Examples
--------
>>> import numpy as np
>>> rho = load_ratio(np.array([[0.0, 1.0]]), np.array([1.0, 1.0]), capacity=1.25)
>>> rho.round(2).tolist()
[[0.8, 3.2]]
>>> np.round(queue_delay_factor(rho), 2).tolist()
[[1.96, 19.75]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = [
    "BACKLOG_DAYS", "MONTHS", "QUEUE_COEFFICIENT", "QUEUE_MAX_LOAD", "QUEUE_MIN_SLACK",
    "REPAIR_CAPACITY", "SEASON", "WEATHER_LOAD", "ServiceRules", "load_ratio",
    "monthly_season", "queue_delay_factor", "season_factor", "weather_intensity",
]

#: Month keys, January first (the order of :data:`SEASON`).
MONTHS: tuple[str, ...] = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                           "oct", "nov", "dec")
#: Relative complaint intensity and service load by month (January first): winter and
#: summer peaks, quiet spring and autumn. Rescaled to mean 1 where used.
SEASON: tuple[float, ...] = (1.3, 1.2, 1.0, 0.9, 0.85, 0.95, 1.15, 1.2, 0.95, 0.85, 0.9, 1.15)
#: How many times the normal load a weather event of severity 1 adds.
WEATHER_LOAD: float = 3.0
#: Days a repair backlog lingers (fading linearly) after a weather event ends.
BACKLOG_DAYS: int = 7
#: Repair and response capacity as a multiple of the normal-season load.
REPAIR_CAPACITY: float = 1.25
#: Queueing curve: ``1 + QUEUE_COEFFICIENT * rho**2 / max(1 - rho, QUEUE_MIN_SLACK)``,
#: ``rho`` capped at ``QUEUE_MAX_LOAD``.
QUEUE_COEFFICIENT: float = 0.3
QUEUE_MAX_LOAD: float = 2.5
QUEUE_MIN_SLACK: float = 0.1


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number > 0; got {value!r}")
    return float(value)


@lru_cache(maxsize=32)
def _monthly_season(season: tuple[float, ...]) -> np.ndarray:
    values = np.array(season, dtype=float)
    table = values / values.mean()
    table.flags.writeable = False
    return table


def monthly_season(season: Any = SEASON) -> np.ndarray:
    """The twelve monthly multipliers rescaled to mean 1 (January first; read-only).

    Parameters
    ----------
    season : sequence of 12 positive floats, default=SEASON
        Relative intensity by month; only their ratios matter.

    Examples
    --------
    >>> float(monthly_season([2.0] * 6 + [1.0] * 6)[0]).__round__(3)
    1.333
    """
    try:
        key = tuple(float(v) for v in season)
    except (TypeError, ValueError):
        raise ValueError(f"season must be 12 positive monthly multipliers (January first); "
                         f"got {season!r}") from None
    if len(key) != 12 or not all(math.isfinite(v) and v > 0 for v in key):
        raise ValueError(f"season must be 12 positive monthly multipliers (January first); "
                         f"got {list(key)}")
    return _monthly_season(key)


def _months_of(start: Any, whole: np.ndarray) -> np.ndarray:
    """Calendar month (0 = January) of whole days since ``start``."""
    stamps = np.datetime64(start, "D") + whole.astype(np.int64).astype("timedelta64[D]")
    return stamps.astype("datetime64[M]").astype(np.int64) % 12


@lru_cache(maxsize=16)
def _season_table(start: np.datetime64, low: float, high: float,
                  season: tuple[float, ...]) -> np.ndarray:
    """Seasonal factor of the whole days ``low..high`` since ``start`` (read-only)."""
    table = _monthly_season(season)[_months_of(start, low + np.arange(high - low + 1))]
    table.flags.writeable = False
    return table


def season_factor(days: np.ndarray, start: Any, *, season: Any = SEASON) -> np.ndarray:
    """The seasonal multiplier of each day (finite days since ``start``, fractions allowed).

    Parameters
    ----------
    days : ndarray
        Days since ``start``; a day's factor is its calendar month's.
    start : date-like
        Day 0 (a ``pandas.Timestamp``, ``numpy.datetime64`` or ISO string).
    season : sequence of 12 floats, default=SEASON
        See :func:`monthly_season`.

    Examples
    --------
    >>> import numpy as np
    >>> float(season_factor(np.array([0.0]), "2024-01-01")[0]) > 1
    True
    """
    table = monthly_season(season)
    key = tuple(float(v) for v in season)
    whole = np.floor(np.asarray(days, dtype=float))
    origin = np.datetime64(start, "D")
    if len(whole) and np.isfinite(low := whole.min()) and whole.max() - low < 4 * len(whole):
        # the factor depends on the whole day only: look the calendar up once per day
        # of the range (once per range and start, for all blocks) instead of per event
        return _season_table(origin, float(low), float(whole.max()), key)[
            (whole - low).astype(np.intp)]
    return table[_months_of(origin, whole)]


def weather_intensity(province: np.ndarray, first_day: np.ndarray, last_day: np.ndarray,
                      severity: np.ndarray, *, n_provinces: int, n_days: int,
                      backlog_days: int = BACKLOG_DAYS) -> np.ndarray:
    """Weather intensity per (province, day): each event's severity from its first to its
    last day, then a backlog fading linearly over ``backlog_days``; overlapping events
    take the largest value.

    Parameters
    ----------
    province : ndarray of int
        Each event's province (row of the result); negative values are ignored.
    first_day, last_day : ndarray of int
        Each event's first and last day (inclusive), as day indices (columns).
    severity : ndarray of float
        Each event's severity (0..1).
    n_provinces, n_days : int
        Shape of the result; days outside ``0..n_days-1`` are dropped.
    backlog_days : int, default=BACKLOG_DAYS

    Returns
    -------
    ndarray, shape (n_provinces, n_days)

    Examples
    --------
    >>> import numpy as np
    >>> weather_intensity(np.array([0]), np.array([1]), np.array([2]), np.array([0.8]),
    ...                   n_provinces=2, n_days=6, backlog_days=3).round(2).tolist()
    [[0.0, 0.8, 0.8, 0.6, 0.4, 0.2], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    """
    if isinstance(backlog_days, bool) or not isinstance(backlog_days, int | np.integer) \
            or backlog_days < 0:
        raise ValueError(f"backlog_days must be a whole number >= 0; got {backlog_days!r}")
    out = np.zeros((n_provinces, n_days))
    first = np.asarray(first_day, dtype=np.int64)
    last = np.asarray(last_day, dtype=np.int64)
    prov = np.asarray(province, dtype=np.int64)
    sev = np.asarray(severity, dtype=float)
    length = np.clip(last - first + 1 + backlog_days, 0, None)
    event = np.repeat(np.arange(len(first)), length)
    offset = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    day = first[event] + offset
    fade = np.where(day <= last[event], 1.0, 1.0 - (day - last[event]) / (backlog_days + 1))
    ok = (day >= 0) & (day < n_days) & (prov[event] >= 0)
    np.maximum.at(out, (prov[event][ok], day[ok]), (sev[event] * fade)[ok])
    return out


def load_ratio(intensity: np.ndarray, season_by_day: np.ndarray, *,
               capacity: Any = REPAIR_CAPACITY, weather_load: float = WEATHER_LOAD
               ) -> np.ndarray:
    """Expected service load over capacity per (province, day).

    Parameters
    ----------
    intensity : ndarray, shape (provinces, days)
        From :func:`weather_intensity`.
    season_by_day : ndarray, shape (days,)
        The seasonal factor of each day (:func:`season_factor`).
    capacity : float or ndarray broadcastable to ``intensity``, default=REPAIR_CAPACITY
        Capacity as a multiple of the normal-season load (> 0).
    weather_load : float, default=WEATHER_LOAD

    Examples
    --------
    >>> import numpy as np
    >>> load_ratio(np.array([[0.0, 1.0]]), np.array([1.0, 1.0]), capacity=1.25).tolist()
    [[0.8, 3.2]]
    """
    cap = np.asarray(capacity, dtype=float)
    if np.any(~np.isfinite(cap)) or np.any(cap <= 0):
        raise ValueError(f"capacity must be > 0; got {capacity!r}" if cap.ndim == 0
                         else "capacity must be > 0 everywhere")
    season_by_day = np.asarray(season_by_day, dtype=float)
    return season_by_day[None, :] * (1.0 + weather_load * np.asarray(intensity)) / cap


def queue_delay_factor(load_ratio: Any, *, coefficient: float = QUEUE_COEFFICIENT,
                       max_load: float = QUEUE_MAX_LOAD,
                       min_slack: float = QUEUE_MIN_SLACK) -> np.ndarray:
    """How many times longer the first response takes at a load/capacity ratio.

    ``1 + coefficient * rho**2 / max(1 - rho, min_slack)`` with ``rho`` capped at
    ``max_load``: about 1 when the load is light, growing fast as the load nears
    capacity and still growing (capped) beyond it.

    Parameters
    ----------
    load_ratio : float or array-like
        Expected load over capacity (finite, >= 0).
    coefficient, max_load, min_slack : float
        The curve (defaults: the world's).

    Returns
    -------
    ndarray
        The multiplier of the no-queue response time, same shape as ``load_ratio``.

    Examples
    --------
    >>> np.round(queue_delay_factor([0.5, 1.0, 2.0]), 2).tolist()
    [1.15, 4.0, 13.0]
    """
    rho = np.asarray(load_ratio, dtype=float)
    if not np.isfinite(rho).all() or (rho < 0).any():
        raise ValueError("load_ratio must be finite and >= 0")
    rho = np.minimum(rho, max_load)
    return 1.0 + coefficient * rho**2 / np.maximum(1.0 - rho, min_slack)


@dataclass(frozen=True)
class ServiceRules:
    """The service rules' parameters in one value (the world's defaults).

    A world's are ``w.config.service.rules``; pass them to
    :func:`crmlab.analytics.capacity.capacity_whatif` to run the what-if on the rules
    the world was made with.

    Parameters
    ----------
    season : tuple of 12 floats, default=SEASON
    weather_load : float, default=WEATHER_LOAD
    backlog_days : int, default=BACKLOG_DAYS
    queue_coefficient, queue_max_load, queue_min_slack : float
        The queueing curve (:func:`queue_delay_factor`).

    Examples
    --------
    >>> rules = ServiceRules(weather_load=2.0)
    >>> rules.queue_delay_factor([0.5, 2.0]).round(2).tolist()
    [1.15, 13.0]
    """

    season: tuple[float, ...] = SEASON
    weather_load: float = WEATHER_LOAD
    backlog_days: int = BACKLOG_DAYS
    queue_coefficient: float = QUEUE_COEFFICIENT
    queue_max_load: float = QUEUE_MAX_LOAD
    queue_min_slack: float = QUEUE_MIN_SLACK

    def __post_init__(self) -> None:
        object.__setattr__(self, "season", tuple(float(v) for v in self.season))
        monthly_season(self.season)  # validates
        if self.weather_load < 0 or not math.isfinite(self.weather_load):
            raise ValueError(f"ServiceRules.weather_load must be >= 0; got {self.weather_load}")
        if isinstance(self.backlog_days, bool) or not isinstance(self.backlog_days, int) \
                or self.backlog_days < 0:
            raise ValueError(f"ServiceRules.backlog_days must be a whole number >= 0; "
                             f"got {self.backlog_days!r}")
        for name in ("queue_coefficient", "queue_max_load", "queue_min_slack"):
            _positive(f"ServiceRules.{name}", getattr(self, name))

    def monthly_season(self) -> np.ndarray:
        """:func:`monthly_season` of these rules."""
        return monthly_season(self.season)

    def queue_delay_factor(self, load_ratio: Any) -> np.ndarray:
        """:func:`queue_delay_factor` with these rules' curve."""
        return queue_delay_factor(load_ratio, coefficient=self.queue_coefficient,
                                  max_load=self.queue_max_load, min_slack=self.queue_min_slack)
