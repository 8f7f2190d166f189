"""Category labels that key the world's parameters.

The processes store these as integer codes in categorical columns; the parameter groups
of :mod:`crmlab.world.params` use them as the keys of their vectors (one complaint
response time per channel, one payment-method share per method, ...). They live here,
below both, so that neither imports the other for a tuple of names. Labels that key no
parameter stay in their process module.

Examples
--------
>>> COMPLAINT_CHANNELS[0], SEGMENTS[-1]
('call_centre', 'occasional')
"""

from __future__ import annotations

from ..rules import MONTHS

__all__ = [
    "ACQUISITION_CHANNELS", "CAMPAIGN_KINDS", "CITY_RANKS", "COLLECTION_STEPS",
    "COMPLAINT_CATEGORIES", "COMPLAINT_CHANNELS", "COVARIATES", "MONTHS", "PAYMENT_METHODS",
    "PLATFORMS", "SEGMENTS", "SPAN", "TARIFF_NAMES", "TOPICS",
]

#: The five latent customer segments, in a fixed order (their codes are 0..4).
SEGMENTS: tuple[str, ...] = (
    "loyal_heavy",  # frequent, long-lived, high spend
    "steady",  # ordinary customers, moderate everything
    "digital_young",  # web/app first, social, refer friends
    "price_hunter",  # respond to offers, churn quickly
    "occasional",  # rare, low-value purchases
)
#: How customers were acquired.
ACQUISITION_CHANNELS: tuple[str, ...] = ("store", "web", "call_centre", "partner", "referral")
#: The customer covariates of purchase and dropout (``config.purchases.gamma_purchase``,
#: ``gamma_dropout``), each computed from the observable customers table: ``female``
#: (gender), ``age`` (age at sign-up, in decades from 40) and one dummy per acquisition
#: channel but the store.
COVARIATES: tuple[str, ...] = ("female", "age", "web", "call_centre", "partner", "referral")
#: A province's three cities, largest first (the locale modules list them so).
CITY_RANKS: tuple[str, ...] = ("first", "second", "third")
#: What complaints are about.
COMPLAINT_CATEGORIES: tuple[str, ...] = ("repair_delay", "billing_error", "network_quality",
                                         "outage", "staff", "collections")
#: Where complaints are made.
COMPLAINT_CHANNELS: tuple[str, ...] = ("call_centre", "sms", "web", "store", "social")
#: The collection ladder of an unpaid invoice, in order.
COLLECTION_STEPS: tuple[str, ...] = ("reminder", "call", "suspension", "write_off")
#: How postpaid invoices are paid.
PAYMENT_METHODS: tuple[str, ...] = ("card", "bank_transfer", "app", "cash")
#: The postpaid tariffs, cheapest first.
TARIFF_NAMES: tuple[str, ...] = ("Basic", "Standard", "Plus", "Unlimited")
#: Kinds of marketing campaign.
CAMPAIGN_KINDS: tuple[str, ...] = ("call_list", "retention", "winback")
#: Where customers post about the operator.
PLATFORMS: tuple[str, ...] = ("instagram", "x", "telegram", "forum", "review_site")
#: What customers post about.
TOPICS: tuple[str, ...] = ("network", "price", "service", "billing", "promotion", "general")
#: The two ends of a range drawn uniformly (or of a whole-number range, both included).
SPAN: tuple[str, ...] = ("min", "max")
