"""United States: states with their climate, US mobile area codes, dollars.

Data only (as Faker's providers are): :func:`crmlab.world.locales.pools` reads it.
"""

from __future__ import annotations

from ._province import Province

__all__ = ["CURRENCY", "EMAIL_DOMAINS", "MOBILE_PREFIXES", "MONEY_SCALE", "PERSON_PROVIDER",
           "PLATFORM_SHARES", "PROVINCES", "STREETS", "STREET_KINDS"]

#: Faker's person provider module whose name lists the pools are built from.
PERSON_PROVIDER = "faker.providers.person.en_US"
PROVINCES: tuple[Province, ...] = (
    Province("California", 39.0, 0.05, 0.35, ("Los Angeles", "San Diego", "Sacramento")),
    Province("Texas", 30.0, 0.05, 0.6, ("Houston", "Dallas", "Austin")),
    Province("Florida", 22.0, 0.0, 0.7, ("Miami", "Tampa", "Orlando")),
    Province("New York", 19.6, 0.8, 0.2, ("New York City", "Buffalo", "Albany")),
    Province("Illinois", 12.5, 0.8, 0.3, ("Chicago", "Springfield", "Peoria")),
    Province("Pennsylvania", 13.0, 0.6, 0.3, ("Philadelphia", "Pittsburgh", "Harrisburg")),
    Province("Ohio", 11.8, 0.6, 0.3, ("Columbus", "Cleveland", "Cincinnati")),
    Province("Georgia", 11.0, 0.05, 0.3, ("Atlanta", "Savannah", "Augusta")),
    Province("Michigan", 10.0, 0.9, 0.2, ("Detroit", "Grand Rapids", "Lansing")),
    Province("Louisiana", 4.6, 0.0, 0.9, ("New Orleans", "Baton Rouge", "Shreveport")),
    Province("Minnesota", 5.7, 1.0, 0.3, ("Minneapolis", "Saint Paul", "Duluth")),
    Province("Colorado", 5.9, 0.9, 0.1, ("Denver", "Colorado Springs", "Boulder")),
    Province("Washington", 7.8, 0.4, 0.3, ("Seattle", "Spokane", "Tacoma")),
    Province("Arizona", 7.4, 0.05, 0.1, ("Phoenix", "Tucson", "Mesa")),
)

#: Street names are drawn from Faker's first and last names (None: use those).
STREETS: tuple[str, ...] | None = None
STREET_KINDS: tuple[str, ...] = ("Street", "Avenue", "Road", "Lane", "Drive", "Court")
#: Characters replaced in every string of the pools (none for English).
LETTER_MAP: dict[str, str] = {}
MOBILE_PREFIXES: tuple[str, ...] = ("212", "312", "415", "512", "617", "713", "305", "404",
                                    "206", "303", "602", "504", "612", "216")
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "mail.example", "inbox.example",
                                  "post.example")
#: Typical platforms of posts about the operator (``crmlab.world.labels.PLATFORMS`` order:
#: instagram, x, telegram, forum, review_site); ``WorldConfig.social.platform_shares``
#: overrides them.
PLATFORM_SHARES: tuple[float, ...] = (0.35, 0.3, 0.05, 0.1, 0.2)
CURRENCY = "USD"
#: Model money units are USD-like: one unit is one dollar.
MONEY_SCALE = 1.0
