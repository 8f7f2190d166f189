"""Per-locale pools of names, places, phone formats and currency.

Faker is used only here, and only as a source of word lists: the pools are read
from its locale providers once, deduplicated and frozen into numpy arrays, and the
generators sample from them with numpy (one vectorised draw for a million names,
instead of a million Python calls). Faker's word lists can change between versions,
which is why the lock file pins Faker and the data package records its version.

Each locale's data sit in a module of their own (``en_US.py``, ``fa_IR.py``), as
Faker's providers do. Every string of a pool goes through the locale's ``LETTER_MAP``
when the pools are built: Persian text gets Persian letters (ی, ک) and digits, whatever
Faker's lists mix in, so a name never appears in two spellings. Provinces are our own
tables: each carries a population weight and the climate risks that drive the weather
table (snow in cold, mountainous provinces in winter; floods in river plains in spring).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

from ._province import Province

__all__ = ["LocalePools", "Province", "pools"]


#: The locales with a data module here.
_LOCALE_MODULES = ("en_US", "fa_IR")


@dataclass(frozen=True)
class LocalePools:
    """Everything a locale contributes to a world, ready for numpy sampling."""

    locale: str
    first_female: np.ndarray
    first_female_p: np.ndarray
    first_male: np.ndarray
    first_male_p: np.ndarray
    last: np.ndarray
    last_p: np.ndarray
    streets: np.ndarray
    street_kinds: np.ndarray
    provinces: tuple[Province, ...]
    mobile_prefixes: np.ndarray  # e.g. "0912" or "415"
    email_domains: np.ndarray
    platform_shares: tuple[float, ...]  # posts by platform (labels.PLATFORMS order)
    currency: str
    money_scale: float  # multiply model money (in USD-like units) by this
    faker_version: str

    @property
    def province_names(self) -> list[str]:
        return [p.name for p in self.provinces]

    @property
    def province_weights(self) -> np.ndarray:
        w = np.array([p.weight for p in self.provinces], dtype=float)
        return w / w.sum()


def _unique_tokens(values, weights=None, letters: dict[int, str] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Deduplicate a Faker tuple or weighted OrderedDict, each name translated with
    ``letters`` first (names that become the same are merged, their weights summed);
    returns (names, probabilities)."""
    if weights is None and hasattr(values, "values"):
        names, weights = list(values.keys()), list(values.values())
    else:
        names = list(values)
        weights = [1.0] * len(names) if weights is None else list(weights)
    merged: dict[str, float] = {}
    for name, w in zip(names, weights, strict=True):
        name = name.translate(letters or {}).strip()
        if name and " " not in name:  # keep single tokens only
            merged[name] = merged.get(name, 0.0) + float(w)
    out = np.array(sorted(merged), dtype=object)
    p = np.array([merged[n] for n in out], dtype=float)
    return out, p / p.sum()


def _translated(texts: Iterable[str], letters: dict[int, str]) -> list[str]:
    return [text.translate(letters) for text in texts]


def _province(province: Province, letters: dict[int, str]) -> Province:
    return dataclasses.replace(province, name=province.name.translate(letters),
                               cities=tuple(_translated(province.cities, letters)))


@cache
def pools(locale: str) -> LocalePools:
    """Build (once per process) the sampling pools of a locale.

    Parameters
    ----------
    locale : {"en_US", "fa_IR"}

    Examples
    --------
    >>> p = pools("fa_IR")
    >>> p.currency, len(p.provinces)
    ('IRR', 31)
    """
    import faker

    if locale not in _LOCALE_MODULES:  # config validation normally catches this first
        raise ValueError(f"unknown locale {locale!r}; choose one of {sorted(_LOCALE_MODULES)}")
    data = importlib.import_module(f"{__name__}.{locale}")
    person = importlib.import_module(data.PERSON_PROVIDER).Provider
    letters = str.maketrans(data.LETTER_MAP)
    first_f = _unique_tokens(person.first_names_female, letters=letters)
    first_m = _unique_tokens(person.first_names_male, letters=letters)
    last = _unique_tokens(person.last_names, letters=letters)
    streets = (set(person.last_names) | set(person.first_names)
               if data.STREETS is None else data.STREETS)
    # translated first: two spellings of one street are one street
    streets = sorted(set(_translated(streets, letters))) if data.STREETS is None \
        else list(dict.fromkeys(_translated(streets, letters)))
    return LocalePools(
        locale=locale,
        first_female=first_f[0], first_female_p=first_f[1],
        first_male=first_m[0], first_male_p=first_m[1],
        last=last[0], last_p=last[1],
        streets=np.array(streets, dtype=object),
        street_kinds=np.array(_translated(data.STREET_KINDS, letters), dtype=object),
        provinces=tuple(_province(p, letters) for p in data.PROVINCES),
        mobile_prefixes=np.array(data.MOBILE_PREFIXES, dtype=object),
        email_domains=np.array(data.EMAIL_DOMAINS, dtype=object),
        platform_shares=tuple(data.PLATFORM_SHARES),
        currency=data.CURRENCY, money_scale=data.MONEY_SCALE,
        faker_version=faker.VERSION,
    )
