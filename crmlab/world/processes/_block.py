"""What the per-block generators hand to each other (internal).

A block's generators run in a fixed order (population, purchases, billing, service,
marketing, loyalty, social, interactions, silos). Each one reads the arrays of the
ones before it from a :class:`BlockData` and returns its own tables; nothing reads
back upstream. Event arrays use the *block-local* customer index (``0..n-1``), which
indexes every per-customer array of :class:`~crmlab.world.processes.population.Population`.
Days are fractional days since ``config.start``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .population import Population

__all__ = ["BlockData", "WorldTables"]


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


@dataclass
class BlockData:
    """Arrays of one block, filled in as the generators run."""

    pop: Population
    # prepaid purchases
    tx_cust: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    tx_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    tx_amount: np.ndarray = field(default_factory=lambda: np.empty(0))
    # postpaid invoices (issue day) and their amounts
    inv_cust: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    inv_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    inv_amount: np.ndarray = field(default_factory=lambda: np.empty(0))
    # complaints
    cmp_cust: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    cmp_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    cmp_satisfaction: np.ndarray = field(default_factory=lambda: np.empty(0))
    # final churn day per customer (NaN = still a customer at the end), and the day a
    # won-back customer returned (NaN if not won back); activity stops at churn_day
    # and, for won-back customers, pauses between first_churn_day and winback_day
    churn_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    first_churn_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    winback_day: np.ndarray = field(default_factory=lambda: np.empty(0))

    def active_mask(self, cust: np.ndarray, day: np.ndarray) -> np.ndarray:
        """True where customer ``cust`` is a customer on ``day`` (signed up, not churned)."""
        # comparisons with NaN are false: a NaN churn or win-back day excludes nothing
        gone = day > self.churn_day[cust]
        paused = day > self.first_churn_day[cust]
        paused &= day < self.winback_day[cust]
        gone |= paused
        return (day >= self.pop.signup_day[cust]) & ~gone
