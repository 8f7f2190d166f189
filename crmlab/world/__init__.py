"""The synthetic CRM world: configuration, generators, and the :class:`World`.

Data flows one way: :mod:`config` (with the parameter groups of :mod:`params`) -> the
per-process generators (population, purchases, billing, service, marketing, social,
interactions, silos) -> :class:`World`.
"""

from .config import LOCALES, PRESETS, SEGMENTS, WorldConfig, resolve_config
from .params import (
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
from .world import TABLES, Truth, World, make_world

__all__ = ["LOCALES", "PRESETS", "SEGMENTS", "TABLES", "BillingParams", "ChurnParams",
           "ClvParams", "InteractionParams", "LoyaltyParams", "MarketingParams",
           "PopulationParams", "PurchaseParams", "SegmentParams", "ServiceParams",
           "SiloParams", "SocialParams", "Truth", "WeatherParams", "World", "WorldConfig",
           "make_world", "resolve_config"]
