"""What the per-block generators hand to each other (internal).

A block's generators run in the order their inputs fix (see
:func:`crmlab.world.pipeline.generate_block`): population, purchases, billing, service
(which decides churn), the billing tables cut at churn, then marketing, loyalty,
social, silos and interactions. Each takes what it reads as arguments and returns its
own tables and arrays in small frozen dataclasses; none changes its arguments. Event
arrays use the *block-local* customer index (``0..n-1``), which indexes every
per-customer array of :class:`~crmlab.world.processes.population.Population`. Days are
fractional days since ``config.start``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Churn", "ComplaintEvents", "Events", "WorldTables"]


@dataclass
class WorldTables:
    """World-wide tables drawn before any block (same for every block)."""

    weather: pd.DataFrame  # event_id, province, event_type, start_date, end_date, severity
    tariffs: pd.DataFrame  # tariff_id, name, monthly_fee, included_gb, overage_per_gb
    campaigns: pd.DataFrame  # campaign_id, name, kind, channel, start_date, end_date, ...
    # weather intensity per (province code, day index): 0 = calm, up to 1 = severe
    weather_intensity: np.ndarray
    # expected service load / capacity per (province code, day index): > 1 means overload
    load_ratio: np.ndarray


@dataclass(frozen=True)
class Events:
    """Money events of a block (prepaid purchases, or issued postpaid invoices): each
    one's customer index, day since the start, and amount."""

    cust: np.ndarray
    day: np.ndarray
    amount: np.ndarray


@dataclass(frozen=True)
class ComplaintEvents:
    """The block's complaints as arrays, in the row order of its complaints table."""

    cust: np.ndarray
    day: np.ndarray
    satisfaction: np.ndarray  # 1..5


@dataclass(frozen=True)
class Churn:
    """When each customer of a block stops being one (decided by the service generator).

    ``churn_day`` is the final churn day (NaN: still a customer at the end; prepaid
    customers' unobserved dropout counts); a won-back customer left on
    ``first_churn_day`` and came back on ``winback_day`` (both NaN for everyone else).
    Activity stops at ``churn_day`` and pauses while a won-back customer was away.
    """

    churn_day: np.ndarray
    first_churn_day: np.ndarray
    winback_day: np.ndarray

    def active_mask(self, signup_day: np.ndarray, cust: np.ndarray,
                    day: np.ndarray | float) -> np.ndarray:
        """True where customer ``cust`` is a customer on ``day`` (signed up by then, not
        churned, not away), given every customer's ``signup_day``."""
        # comparisons with NaN are false: a NaN churn or win-back day excludes nothing
        gone = day > self.churn_day[cust]
        paused = day > self.first_churn_day[cust]
        paused &= day < self.winback_day[cust]
        gone |= paused
        return (day >= signup_day[cust]) & ~gone
