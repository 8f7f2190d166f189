"""The synthetic CRM world: configuration, generators, and the :class:`World`.

Data flows one way: :mod:`config` -> the per-process generators (population,
purchases, billing, service, marketing, social, interactions, silos) -> :class:`World`.
"""

from .config import LOCALES, PRESETS, SEGMENTS, WorldConfig, resolve_config
from .world import TABLES, Truth, World, make_world

__all__ = ["LOCALES", "PRESETS", "SEGMENTS", "TABLES", "Truth", "World", "WorldConfig",
           "make_world", "resolve_config"]
