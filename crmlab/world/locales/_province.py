"""A province or state of a locale (data shared by the locale modules)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Province"]


@dataclass(frozen=True)
class Province:
    """A province or state with its population weight, climate risks and cities."""

    name: str
    weight: float  # population, millions (approximate)
    snow: float  # 0..1 risk of winter snow storms
    flood: float  # 0..1 risk of spring floods
    cities: tuple[str, ...]
