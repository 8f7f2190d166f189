"""World configuration: one frozen, validated dataclass and the named presets.

Every number that shapes the synthetic world lives here, so a researcher can vary
one knob, keep the seed, and see exactly what changed: the headline knobs as flat
fields (``complaint_rate``, ``repair_capacity``, ``winback_rate``, ...) and every other
coefficient in one parameter group per concern (``segments``, ``service``, ``churn``,
``billing``, ...; see :mod:`crmlab.world.params`). All of them are recorded in
``World.truth.params``. A ``WorldConfig`` checks its own fields when constructed: a bad
value raises ``ValueError`` or ``TypeError`` naming the field (``WorldConfig.service.
weather_load``), what was given and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import rules
from .labels import SEGMENTS
from .params import (
    GROUPS,
    BillingParams,
    ChurnParams,
    ClvParams,
    InteractionParams,
    LoyaltyParams,
    MarketingParams,
    PopulationParams,
    PurchaseParams,
    SegmentParams,
    ServiceParams,
    SiloParams,
    SocialParams,
    WeatherParams,
)

__all__ = ["LIMITS", "LOCALES", "PRESETS", "SEGMENTS", "WorldConfig", "check_seed",
           "resolve_config"]

#: Locales with name, place and currency pools (see :mod:`crmlab.world.locales`).
LOCALES: tuple[str, ...] = ("en_US", "fa_IR")

#: The size limits a ``WorldConfig`` checks when it is made, before any work:
#:
#: * ``n_customers``: at most 10**10 (more people than live on Earth; customer ids then
#:   have 11 digits, ``C10000000000``);
#: * ``n_blocks``: at most 1,000,000 blocks (``n_customers / block_size``, rounded up):
#:   each block is one task and one Parquet file per table;
#: * ``campaigns_per_year``: at most 1,000;
#: * ``loyalty_launch_months``: at most 1,200 (a hundred years);
#: * ``start`` and ``end``: between 1900-01-01 and 2199-12-31, so that every timestamp a
#:   world holds (birth dates up to 120 years before the start included) fits pandas'
#:   nanosecond timestamps (1677-2262), which analyses convert to.
#:
#: Whether a world fits in memory is checked by :func:`crmlab.make_world` (see
#: :func:`crmlab.world.memory.check_memory`), not here: a config is also made for the
#: block-by-block engine, which never holds the whole world.
LIMITS: dict[str, Any] = {
    "n_customers": 10**10,
    "n_blocks": 1_000_000,
    "campaigns_per_year": 1_000,
    "loyalty_launch_months": 1_200,
    "start": pd.Timestamp("1900-01-01"),
    "end": pd.Timestamp("2199-12-31"),
}


def check_seed(seed: Any, name: str = "seed") -> int:
    """A world seed: a non-negative whole number (Python or numpy int; not a bool, not a
    float, even a whole one, which would hide a seed such as 3.9 becoming 3).

    Parameters
    ----------
    seed : int
        The seed to check.
    name : str, default="seed"
        Its name in the error.

    Returns
    -------
    int
        The seed as a Python int.

    Raises
    ------
    TypeError
        Not a whole number (a float, a bool, a string).
    ValueError
        Negative.

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(3.9)
    Traceback (most recent call last):
    ...
    TypeError: seed must be an int (a whole number, not truncated); got float 3.9
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{name} must be an int (a whole number, not truncated); got "
                        f"{type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {seed}")
    return int(seed)


def _int(name: str, value: Any, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"WorldConfig.{name} must be an int; got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high:,}]"
        raise ValueError(f"WorldConfig.{name} must be a whole number {allowed}; got {value:,}")


def _positive_int(name: str, value: Any, high: int | None = None) -> None:
    _int(name, value, 1, high)


def _number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"WorldConfig.{name} must be a number; got {type(value).__name__} {value!r}"
        )
    bad = not math.isfinite(value) or value > high or (value <= low if low_open else value < low)
    if bad:
        bracket = "(" if low_open else "["
        raise ValueError(f"WorldConfig.{name} must be in {bracket}{low}, {high}]; got {value}")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(name: str, value: Any) -> pd.Timestamp:
    if not isinstance(value, str):
        raise TypeError(
            f"WorldConfig.{name} must be an ISO date string like '2023-01-01'; "
            f"got {type(value).__name__} {value!r}"
        )
    first, last = LIMITS["start"].date(), LIMITS["end"].date()
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(
            f"WorldConfig.{name} must be a plain ISO date YYYY-MM-DD like '2023-01-01' "
            f"(without time), from {first} to {last}; got {value!r}"
        ) from None
    if not LIMITS["start"] <= stamp <= LIMITS["end"]:
        raise ValueError(f"WorldConfig.{name} must be a date from {first} to {last}; got "
                         f"{value!r}")
    return stamp


@dataclass(frozen=True)
class WorldConfig:
    """Every knob of the synthetic telecom operator.

    Parameters
    ----------
    n_customers : int, default=5000
        Customers acquired over the history (prepaid and postpaid together).
    start, end : str, default="2023-01-01", "2025-12-31"
        First and last day of the observed history (inclusive), ISO dates.
    locale : {"en_US", "fa_IR"}, default="en_US"
        Names, provinces, cities, phone formats and currency.
    postpaid_share : float, default=0.35
        Average share of customers on a postpaid (contractual) plan; segments shift it.
    segment_shares : tuple of 5 floats, default=(0.12, 0.28, 0.2, 0.2, 0.2)
        Shares of the latent segments in :data:`SEGMENTS` order; must sum to 1.
    acquisition_growth : float, default=0.3
        Yearly growth rate of new sign-ups (0 = flat acquisition).
    billing_error_rate : float, default=0.02
        Probability that a postpaid invoice is wrong (over- or under-charged).
    complaint_rate : float, default=1.2
        Average routine complaints per postpaid customer-year before segment, season
        and weather effects (prepaid customers complain at half this rate).
    weather_events_per_year : float, default=6.0
        Expected snow and flood events per year across all provinces.
    repair_capacity : float, default=1.25
        Repair and response capacity as a multiple of the normal-season expected load;
        below 1 the queue grows even in calm months.
    service_failure_rate : float, default=0.08
        Yearly chance that a customer suffers a serious service failure.
    silent_share : float, default=0.45
        Share of customers hit by a failure who never complain (they may just leave).
    winback_rate : float, default=0.4
        Chance that an executive call wins back a customer who left after an escalated
        complaint.
    loyalty_launch_months : int, default=6
        Months after ``start`` when the loyalty programme opens.
    campaigns_per_year : int, default=4
        Marketing campaigns per year (database-marketing, retention and win-back).
    block_size : int, default=10000
        Customers per generation block. Blocks are independent; the block size is part
        of the world's identity (changing it changes the data), worker count is not.
    segments : SegmentParams
        The hidden behaviour of each latent segment (BG/NBD, Gamma-Gamma, sBG, ...).
    population : PopulationParams
        Acquisition channel mix and trend, cities, ages.
    purchases : PurchaseParams
        Where prepaid purchases are made.
    billing : BillingParams
        Tariffs, due days, collection ladder, errors, disputes, payment behaviour.
    weather : WeatherParams
        Snow and flood seasons, lengths and severities.
    service : ServiceParams
        Season, weather load, backlog, queueing, response times, escalation,
        resolution and satisfaction.
    churn : ChurnParams
        Churn after bad service, executive escalation, win-back timing.
    marketing : MarketingParams
        Campaign calendar, costs, eligibility, response and uplift.
    loyalty : LoyaltyParams
        Who joins the loyalty programme, points and redemptions.
    social : SocialParams
        Referral reward, posts, sentiment, reach and platforms.
    silos : SiloParams
        Typos, variants, duplicates, stale addresses and gaps in the silos.
    interactions : InteractionParams
        Timing of follow-up touchpoints.
    clv : ClvParams
        Discount rate and horizon of the true CLV in the truth.

    Each group is a frozen dataclass of :mod:`crmlab.world.params` (a dict of some of
    its fields is accepted and completed with the defaults).

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> WorldConfig(n_customers=2_000, locale="fa_IR").n_years
    3.0
    >>> from crmlab.world.params import ChurnParams
    >>> WorldConfig().replace(churn=ChurnParams(after_bad_complaint=0.6)).churn.after_bad_complaint
    0.6
    >>> WorldConfig(service={"weather_load": -1.0})
    Traceback (most recent call last):
    ...
    ValueError: WorldConfig.service.weather_load must be a number in [0, 20]; got -1
    """

    n_customers: int = 5000
    start: str = "2023-01-01"
    end: str = "2025-12-31"
    locale: str = "en_US"
    postpaid_share: float = 0.35
    segment_shares: tuple[float, ...] = (0.12, 0.28, 0.2, 0.2, 0.2)
    acquisition_growth: float = 0.3
    billing_error_rate: float = 0.02
    complaint_rate: float = 1.2
    weather_events_per_year: float = 6.0
    repair_capacity: float = rules.REPAIR_CAPACITY
    service_failure_rate: float = 0.08
    silent_share: float = 0.45
    winback_rate: float = 0.4
    loyalty_launch_months: int = 6
    campaigns_per_year: int = 4
    block_size: int = 10_000
    segments: SegmentParams = SegmentParams()
    population: PopulationParams = PopulationParams()
    purchases: PurchaseParams = PurchaseParams()
    billing: BillingParams = BillingParams()
    weather: WeatherParams = WeatherParams()
    service: ServiceParams = ServiceParams()
    churn: ChurnParams = ChurnParams()
    marketing: MarketingParams = MarketingParams()
    loyalty: LoyaltyParams = LoyaltyParams()
    social: SocialParams = SocialParams()
    silos: SiloParams = SiloParams()
    interactions: InteractionParams = InteractionParams()
    clv: ClvParams = ClvParams()

    def __post_init__(self) -> None:
        for name, cls in GROUPS.items():
            value = getattr(self, name)
            if isinstance(value, Mapping):
                object.__setattr__(self, name, cls.from_dict(value))
            elif not isinstance(value, cls):
                raise TypeError(f"WorldConfig.{name} must be a {cls.__name__} (or a dict of "
                                f"its fields); got {type(value).__name__}")
        _positive_int("n_customers", self.n_customers, LIMITS["n_customers"])
        _positive_int("block_size", self.block_size)
        if self.n_blocks > LIMITS["n_blocks"]:
            least = -(-self.n_customers // LIMITS["n_blocks"])
            raise ValueError(
                f"WorldConfig.block_size={self.block_size:,} splits n_customers="
                f"{self.n_customers:,} into {self.n_blocks:,} blocks; at most "
                f"{LIMITS['n_blocks']:,} are allowed: use block_size >= {least:,}")
        _positive_int("campaigns_per_year", self.campaigns_per_year,
                      LIMITS["campaigns_per_year"])
        _int("loyalty_launch_months", self.loyalty_launch_months, 0,
             LIMITS["loyalty_launch_months"])
        start, end = _date("start", self.start), _date("end", self.end)
        if start >= end:
            raise ValueError(
                f"WorldConfig.start ({self.start}) must be before WorldConfig.end ({self.end})"
            )
        if (end - start).days < 89:
            raise ValueError(
                "WorldConfig.start and end must span at least 90 days; "
                f"got {(end - start).days + 1} days"
            )
        if not isinstance(self.locale, str):
            raise TypeError(f"WorldConfig.locale must be a string, one of {list(LOCALES)}")
        if self.locale not in LOCALES:
            raise ValueError(
                f"WorldConfig.locale must be one of {list(LOCALES)}; got {self.locale!r}"
            )
        for name in ("postpaid_share", "billing_error_rate", "service_failure_rate",
                     "silent_share", "winback_rate"):
            _number(name, getattr(self, name), 0.0, 1.0)
        _number("acquisition_growth", self.acquisition_growth, -0.9, 10.0)
        _number("complaint_rate", self.complaint_rate, 0.0, 50.0)
        _number("weather_events_per_year", self.weather_events_per_year, 0.0, 365.0)
        _number("repair_capacity", self.repair_capacity, 0.0, 100.0, low_open=True)
        shares = self.segment_shares
        if not isinstance(shares, tuple | list) or len(shares) != len(SEGMENTS):
            raise ValueError(
                f"WorldConfig.segment_shares must be {len(SEGMENTS)} numbers, one per segment "
                f"{list(SEGMENTS)}; got {shares!r}"
            )
        for i, share in enumerate(shares):
            _number(f"segment_shares[{i}]", share, 0.0, 1.0)
        if abs(sum(shares) - 1.0) > 1e-9:
            raise ValueError(
                f"WorldConfig.segment_shares must sum to 1; got {list(shares)} "
                f"(sum {sum(shares):.6g})"
            )
        object.__setattr__(self, "segment_shares", tuple(float(s) for s in shares))
        if self.population.signup_stop_days >= self.n_days - 1:
            raise ValueError(
                f"WorldConfig.population.signup_stop_days ({self.population.signup_stop_days:g})"
                f" must leave days for sign-ups: at most the history's length minus two "
                f"({self.n_days - 2} days from {self.start} to {self.end})")

    # ------------------------------------------------------------------ derived
    @property
    def start_ts(self) -> pd.Timestamp:
        """``start`` as a Timestamp."""
        return pd.Timestamp(self.start)

    @property
    def end_ts(self) -> pd.Timestamp:
        """``end`` as a Timestamp (the last observed day)."""
        return pd.Timestamp(self.end)

    @property
    def n_days(self) -> int:
        """Days of history, both ends included."""
        return int((self.end_ts - self.start_ts).days) + 1

    @property
    def n_years(self) -> float:
        """Length of the history in years (365-day years, rounded to 0.1)."""
        return round(self.n_days / 365.0, 1)

    @property
    def n_blocks(self) -> int:
        """Number of independent customer blocks."""
        return -(-self.n_customers // self.block_size)

    @property
    def customer_digits(self) -> int:
        """Digits of the customer ids (``C0000042``): seven, or as many as
        ``n_customers`` needs."""
        return max(7, len(str(self.n_customers)))

    @property
    def block_digits(self) -> int:
        """Digits of the block number in event ids and silo keys (``T0003...``): four,
        or as many as the last block's number needs (past 10,000 blocks)."""
        return max(4, len(str(self.n_blocks - 1)))

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON-ready values (each group a dict, vectors lists).

        Examples
        --------
        >>> d = WorldConfig().to_dict()
        >>> d["complaint_rate"], d["service"]["weather_load"], d["billing"]["due_days"]
        (1.2, 3.0, 14.0)
        >>> WorldConfig.from_dict(d) == WorldConfig()
        True
        """
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["segment_shares"] = list(out["segment_shares"])
        for name in GROUPS:
            out[name] = out[name].to_dict()
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], *, complete: bool = False) -> WorldConfig:
        """Rebuild a configuration saved with :meth:`to_dict`; unknown keys are an error.

        Parameters
        ----------
        values : dict
            As :meth:`to_dict` gives it (groups as dicts of their fields).
        complete : bool, default=False
            Refuse missing keys, in the groups too (a dataset's descriptor records every
            field); by default they take their defaults.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown WorldConfig fields {unknown}; allowed: {sorted(known)}")
        if complete:
            missing = sorted(known - set(values))
            for name, group in GROUPS.items():
                if isinstance(values.get(name), Mapping):
                    missing += [f"{name}.{f.name}" for f in dataclasses.fields(group)
                                if f.name not in values[name]]
            if missing:
                raise ValueError(f"WorldConfig fields missing: {missing}")
        values = dict(values)
        if "segment_shares" in values:
            values["segment_shares"] = tuple(values["segment_shares"])
        return cls(**values)

    def replace(self, **changes: Any) -> WorldConfig:
        """A copy with some fields changed (validated again); a group is replaced whole
        (``config.replace(churn=config.churn.replace(after_bad_complaint=0.6))``) or by a
        dict of some of its fields (the others take their defaults)."""
        return dataclasses.replace(self, **changes)


#: Named worlds. ``classroom`` is shipped and used by the notebooks.
PRESETS: dict[str, WorldConfig] = {
    "tiny": WorldConfig(n_customers=500, start="2024-01-01", end="2024-12-31"),
    "classroom": WorldConfig(n_customers=5_000),
    "research": WorldConfig(n_customers=100_000),
    "large": WorldConfig(n_customers=1_000_000),
}


def resolve_config(config: str | WorldConfig, **overrides: Any) -> WorldConfig:
    """Turn a preset name or a config into a validated :class:`WorldConfig`.

    Parameters
    ----------
    config : str or WorldConfig
        A name from :data:`PRESETS` or a ready configuration.
    **overrides
        Fields to change, e.g. ``n_customers=2000`` or ``locale="fa_IR"``.

    Examples
    --------
    >>> resolve_config("tiny", locale="fa_IR").locale
    'fa_IR'
    """
    if isinstance(config, WorldConfig):
        base = config
    elif isinstance(config, str):
        if config not in PRESETS:
            raise ValueError(f"unknown preset {config!r}; choose one of {list(PRESETS)}")
        base = PRESETS[config]
    else:
        raise TypeError(
            "config must be a preset name (one of "
            f"{list(PRESETS)}) or a WorldConfig; got {type(config).__name__}"
        )
    overrides = {k: v for k, v in overrides.items() if v is not None}
    known = {f.name for f in dataclasses.fields(WorldConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown WorldConfig fields {unknown}; allowed: {sorted(known)}")
    return base.replace(**overrides) if overrides else base
