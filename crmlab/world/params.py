"""Every coefficient that shapes the world, in frozen, validated groups.

:class:`~crmlab.world.config.WorldConfig` holds one group per concern
(``config.segments``, ``config.service``, ``config.churn``, ...) beside its flat fields;
the generators read every coefficient from the config they are given, and
:func:`params_table` records all of them in ``World.truth.params`` (money already in
the locale's currency), so a researcher can vary any of them, keep the seed, and score
a model against the values that generated the data.

Units: BG/NBD purchase rates are per **week** (``alpha`` in weeks, as in Fader, Hardie
& Lee 2005); money is in model units (USD-like, multiplied by the locale's
``money_scale`` where the world uses it, and so in ``truth.params``);
shifted-beta-geometric churn is per **month** (Fader & Hardie 2007); days are calendar
days; shares and probabilities are in [0, 1].

A vector coefficient (one value per month, channel, category, ...) is a tuple in the
order of its keys (:mod:`crmlab.world.labels`); a dict by key is accepted too. A range
drawn uniformly is a ``(min, max)`` pair.

Adding a coefficient (say a purchase-timing knob in :class:`PurchaseParams`): declare
it with :func:`coef` (default, one line of meaning, unit, what is allowed; a default
that leaves the world as it was keeps every table's bytes) and read it in the process
from ``config.<group>.<name>``. Validation, the JSON round trip, its ``truth.params``
column and the column's documentation follow from the declaration; add its line to
``docs/world.md`` (a test checks), and a test changes every coefficient and expects the
data to change. A new concern gets its own group: a :class:`ParamGroup` subclass
decorated with ``@_params_group("name")``, listed in :data:`GROUPS` and given a field of
the same name in ``WorldConfig``. Either way the shipped datasets' descriptors and
``truth/params`` files gain the new entries (``crmlab datasets rebuild``).

Examples
--------
>>> import crmlab as crm
>>> from crmlab.world.params import ChurnParams
>>> w = crm.make_world("tiny", seed=1, churn=ChurnParams(after_bad_complaint=0.6))
>>> float(w.truth.params.loc["steady", "churn_after_bad_complaint"])
0.6
>>> ChurnParams(after_bad_complaint=1.5)
Traceback (most recent call last):
...
ValueError: WorldConfig.churn.after_bad_complaint must be a number in [0, 1]; got 1.5
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .. import rules
from .labels import (
    ACQUISITION_CHANNELS,
    CAMPAIGN_KINDS,
    CITY_RANKS,
    COLLECTION_STEPS,
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    COVARIATES,
    MONTHS,
    PAYMENT_METHODS,
    PLATFORMS,
    SEGMENTS,
    SPAN,
    TARIFF_NAMES,
    TOPICS,
)

__all__ = [
    "GROUPS", "SEGMENT_PARAMS", "BillingParams", "ChurnParams", "ClvParams",
    "InteractionParams", "LoyaltyParams", "MarketingParams", "ParamGroup", "PopulationParams",
    "PurchaseParams", "SegmentParams", "ServiceParams", "SiloParams", "SocialParams",
    "WeatherParams", "segment_params",
]

_INF = math.inf
#: The longest delay, duration or window in days any coefficient may have (ten years),
#: and in hours: no date a world holds then leaves pandas' nanosecond range.
_DAYS = 3_650
_HOURS = 8_760
#: The highest mean purchase rate of a segment, ``bg_r / bg_alpha``, a week (seven a day).
MAX_PURCHASE_RATE = 50.0
#: Tariffs as keys of the tariff vectors (and of their truth columns): lower-case names.
_TARIFF_KEYS = tuple(name.lower() for name in TARIFF_NAMES)


def coef(default: Any, doc: str, *, unit: str = "", low: float = -_INF, high: float = _INF,
         low_open: bool = False, high_open: bool = False, integer: bool = False,
         keys: tuple[str, ...] | None = None, shares: bool = False, increasing: bool = False,
         money: bool = False, optional: bool = False) -> Any:
    """A coefficient of a parameter group: its default, one line of documentation with
    its unit, and what is allowed (a number in ``[low, high]``; with ``keys``, one such
    number per key; ``shares``: the values sum to 1; ``increasing``: each above the one
    before; a ``SPAN`` vector is a range, min <= max). ``money`` coefficients are scaled
    to the locale's currency in ``truth.params``; ``optional`` ones may be None."""
    return field(default=default, metadata={
        "doc": doc, "unit": unit, "low": low, "high": high, "low_open": low_open,
        "high_open": high_open, "integer": integer, "keys": keys, "shares": shares,
        "increasing": increasing, "money": money, "optional": optional})


def _interval(meta: Mapping[str, Any]) -> str:
    def show(v: float) -> str:
        return "inf" if v == _INF else "-inf" if v == -_INF else f"{v:g}"
    left = "(" if meta["low_open"] or meta["low"] == -_INF else "["
    right = ")" if meta["high_open"] or meta["high"] == _INF else "]"
    return f"{left}{show(meta['low'])}, {show(meta['high'])}{right}"


def _check_number(path: str, value: Any, meta: Mapping[str, Any]) -> float | int:
    """A validated scalar: an int for integer coefficients, a float otherwise."""
    kind = "a whole number" if meta["integer"] else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{path} must be {kind}; got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{path} must be {kind} in {_interval(meta)}; got {value}")
    if meta["integer"]:
        if float(value) != int(value):
            raise ValueError(f"{path} must be a whole number; got {value}")
        value = int(value)
    else:
        value = float(value)
    low, high = meta["low"], meta["high"]
    if value < low or value > high or (meta["low_open"] and value == low) \
            or (meta["high_open"] and value == high):
        raise ValueError(f"{path} must be {kind} in {_interval(meta)}; got {value:g}")
    return value


def _check_vector(path: str, value: Any, meta: Mapping[str, Any]) -> tuple:
    keys = meta["keys"]
    shown = list(keys) if len(keys) <= 6 else [*keys[:3], "...", *keys[-2:]]
    expect = (f"{len(keys)} numbers, one per key {shown} (a sequence in that order or a "
              "dict by key)")
    if isinstance(value, Mapping):
        if set(value) != set(keys):
            raise ValueError(f"{path} must be {expect}; got keys {sorted(map(str, value))}")
        value = [value[k] for k in keys]
    if isinstance(value, str | bytes) or not isinstance(value, tuple | list | np.ndarray) \
            or len(value) != len(keys):
        raise ValueError(f"{path} must be {expect}; got {value!r}")
    out = tuple(_check_number(f"{path}[{k!r}]", v, meta) for k, v in zip(keys, value,
                                                                         strict=True))
    if meta["shares"] and abs(sum(out) - 1.0) > 1e-6:
        raise ValueError(f"{path} must be shares that sum to 1; got {list(out)} "
                         f"(sum {sum(out):.6g})")
    if meta["increasing"] and any(b <= a for a, b in zip(out, out[1:], strict=False)):
        raise ValueError(f"{path} must increase strictly ({' < '.join(keys)}); got {list(out)}")
    if keys == SPAN and out[0] > out[1]:
        raise ValueError(f"{path} must be a range (min, max) with min <= max; got {list(out)}")
    return out


def _type_name(meta: Mapping[str, Any]) -> str:
    scalar = "int" if meta["integer"] else "float"
    if meta["keys"] is None:
        return scalar
    kind = (f"(min, max) pair of {scalar}" if meta["keys"] == SPAN
            else f"tuple of {len(meta['keys'])} {scalar}")
    return kind + (" or None" if meta["optional"] else "")


class ParamGroup:
    """Base of the parameter groups: validation, plain-JSON round trip, truth columns.

    Subclasses are frozen dataclasses declared with :func:`coef` fields and the
    :func:`_params_group` decorator; ``group`` is their field name in ``WorldConfig``.
    """

    group: ClassVar[str] = ""
    _arrays: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        arrays = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            meta, value = f.metadata, getattr(self, f.name)
            path = f"WorldConfig.{self.group}.{f.name}"
            if value is None and meta["optional"]:
                continue
            if meta["keys"] is None:
                value = _check_number(path, value, meta)
            else:
                value = _check_vector(path, value, meta)
                array = np.array(value, dtype=np.int64 if meta["integer"] else float)
                array.flags.writeable = False
                arrays[f.name] = array
            object.__setattr__(self, f.name, value)
        # the vectors as read-only arrays, made once: generators look them up per block
        object.__setattr__(self, "_arrays", arrays)
        self._check()

    def _check(self) -> None:
        """Checks across fields (none by default)."""

    def array(self, name: str) -> np.ndarray:
        """A vector coefficient as a read-only numpy array (in the order of its keys).

        Examples
        --------
        >>> ServiceParams().array("base_response_hours").tolist()
        [2.0, 8.0, 12.0, 4.0, 6.0]
        """
        return self._arrays[name]

    def to_dict(self) -> dict[str, Any]:
        """The coefficients as plain JSON values (vectors as lists)."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
                for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ParamGroup:
        """Rebuild from :meth:`to_dict` output; missing keys take their defaults, unknown
        keys are an error."""
        if not isinstance(values, Mapping):
            raise TypeError(f"WorldConfig.{cls.group} must be a {cls.__name__} or a dict of "
                            f"its fields; got {type(values).__name__}")
        known = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown WorldConfig.{cls.group} fields {unknown}; allowed: "
                             f"{known}")
        return cls(**values)

    def replace(self, **changes: Any) -> ParamGroup:
        """A copy with some coefficients changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def truth_columns(self, money_scale: float = 1.0) -> dict[str, float]:
        """The coefficients as ``truth.params`` columns: ``<group>_<name>``, vectors as
        ``<group>_<name>_<key>``, money times ``money_scale``."""
        out = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            meta, value = f.metadata, getattr(self, f.name)
            scale = money_scale if meta["money"] else 1.0
            name = f"{self.group}_{f.name}"
            if meta["keys"] is None:
                out[name] = float(value) * scale
            else:
                for key, v in zip(meta["keys"], value, strict=True):
                    out[f"{name}_{key}"] = float(v) * scale
        return out

    @classmethod
    def column_docs(cls) -> dict[str, str]:
        """What each ``truth.params`` column of the group means (``_money`` marks money)."""
        out = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            meta = f.metadata
            unit = f" ({meta['unit']})" if meta["unit"] else ""
            money = " In the locale's currency." if meta["money"] else ""
            doc = f"{meta['doc']}{unit}.{money}"
            name = f"{cls.group}_{f.name}"
            if meta["keys"] is None:
                out[name] = doc
            else:
                for key in meta["keys"]:
                    out[f"{name}_{key}"] = f"{doc} [{key}]"
        return out


def _params_group(name: str):
    """Make a :class:`ParamGroup` subclass a frozen dataclass named ``name`` in the config,
    with a numpydoc Parameters section written from its fields' documentation."""

    def wrap(cls: type) -> type:
        cls = dataclass(frozen=True)(cls)
        cls.group = name
        lines = ["Parameters", "----------"]
        for f in dataclasses.fields(cls):
            meta = f.metadata
            unit = f" ({meta['unit']})" if meta["unit"] else ""
            keys = f" Keys: {', '.join(meta['keys'])}." if meta["keys"] not in (None, SPAN) \
                else ""
            lines += [f"{f.name} : {_type_name(meta)}, default={f.default!r}",
                      f"    {meta['doc']}{unit}.{keys}"]
        doc = inspect.cleandoc(cls.__doc__ or "")
        head, sep, tail = doc.partition("Examples\n--------")
        cls.__doc__ = "\n".join([head.rstrip(), "", *lines, "", sep + tail]).rstrip() + "\n"
        return cls

    return wrap


# ---------------------------------------------------------------------------- segments
_SEGMENT_ROWS = {
    #                bg_r  bg_alpha bg_a  bg_b  gg_p gg_q gg_gamma sbg_a sbg_b  post  dig  age  sd  gb  delay risk  compl resp  upl   ref  infl
    "loyal_heavy":   (2.0, 4.0,  0.4, 12.0, 6.0, 4.0, 12.0, 0.4, 25.0, 0.6, 0.4, 44, 11, 18, 3.0, 0.01, 0.8, 0.30, 0.03, 1.5, 5.5),
    "steady":        (1.2, 6.0,  0.6, 6.0,  5.0, 4.0, 9.0,  0.7, 20.0, 0.1, 0.3, 41, 12, 9,  5.0, 0.02, 1.0, 0.12, 0.05, 0.8, 4.5),
    "digital_young": (1.5, 5.0,  0.8, 5.0,  4.0, 3.5, 7.0,  0.8, 14.0, -0.2, 0.9, 27, 6, 25, 6.0, 0.03, 1.1, 0.10, 0.08, 2.5, 6.5),
    "price_hunter":  (1.0, 5.0,  1.2, 3.5,  3.0, 3.0, 6.0,  1.0, 8.0, -0.4, 0.5, 33, 10, 12, 9.0, 0.06, 1.4, 0.15, 0.12, 0.6, 4.0),
    "occasional":    (0.5, 8.0,  0.7, 4.0,  3.0, 3.0, 5.0,  0.8, 16.0, -0.6, 0.3, 52, 14, 4,  7.0, 0.04, 0.7, 0.04, 0.02, 0.3, 3.5),
}  # fmt: skip
_SEG = [tuple(float(row[j]) for row in _SEGMENT_ROWS.values()) for j in range(21)]
assert tuple(_SEGMENT_ROWS) == SEGMENTS


def _seg(j: int, doc: str, **kw: Any) -> Any:
    return coef(_SEG[j], doc, keys=SEGMENTS, **kw)


@_params_group("segments")
class SegmentParams(ParamGroup):
    """The hidden behaviour of each latent segment (one value per segment).

    These are the first columns of ``truth.params``, named as the fields (no prefix),
    one row per segment.

    Examples
    --------
    >>> SegmentParams().array("bg_r").tolist()
    [2.0, 1.2, 1.5, 1.0, 0.5]
    """

    # BG/NBD purchasing (prepaid top-ups): rate ~ Gamma(r, alpha), dropout ~ Beta(a, b)
    bg_r: tuple[float, ...] = _seg(0, "BG/NBD r, shape of the purchase rates",
                                   unit="per week", low=0, low_open=True, high=100)
    bg_alpha: tuple[float, ...] = _seg(1, "BG/NBD alpha, scale of the purchase rates",
                                       unit="weeks", low=0, low_open=True, high=10_000)
    bg_a: tuple[float, ...] = _seg(2, "BG/NBD a, dropout Beta(a, b)", low=0, low_open=True,
                                   high=1_000)
    bg_b: tuple[float, ...] = _seg(3, "BG/NBD b, dropout Beta(a, b)", low=0, low_open=True,
                                   high=1_000)
    # Gamma-Gamma spend per purchase: z ~ Gamma(p, nu), nu ~ Gamma(q, gamma)
    gg_p: tuple[float, ...] = _seg(4, "Gamma-Gamma p, shape of spend per purchase",
                                   low=0, low_open=True, high=1_000)
    gg_q: tuple[float, ...] = _seg(5, "Gamma-Gamma q, shape of the spend scales (above 1, "
                                   "so that mean spend exists)", low=1, low_open=True, high=1_000)
    gg_gamma: tuple[float, ...] = _seg(6, "Gamma-Gamma gamma, scale of the spend scales",
                                       unit="money", low=0, low_open=True, money=True,
                                       high=1_000_000)
    # shifted-beta-geometric monthly churn (postpaid): theta ~ Beta(alpha, beta)
    sbg_alpha: tuple[float, ...] = _seg(7, "shifted-beta-geometric alpha (monthly churn)",
                                        low=0, low_open=True, high=1_000)
    sbg_beta: tuple[float, ...] = _seg(8, "shifted-beta-geometric beta (monthly churn)",
                                       low=0, low_open=True, high=1_000)
    # plan and acquisition
    postpaid_logit: tuple[float, ...] = _seg(9, "Shift of the log-odds of choosing postpaid",
                                             unit="log-odds", low=-20, high=20)
    digital: tuple[float, ...] = _seg(10, "Mean digital preference", unit="0..1", low=0,
                                      high=1)
    age_mean: tuple[float, ...] = _seg(11, "Mean age at sign-up", unit="years", low=0,
                                       high=120)
    age_sd: tuple[float, ...] = _seg(12, "Standard deviation of age", unit="years", low=0,
                                     high=100)
    # postpaid usage and payment behaviour
    usage_gb: tuple[float, ...] = _seg(13, "Typical monthly data use", unit="GB", low=0,
                                       low_open=True, high=10_000)
    pay_delay_days: tuple[float, ...] = _seg(14, "Typical payment delay", unit="days", low=0,
                                             high=_DAYS)
    default_risk: tuple[float, ...] = _seg(15, "Mean propensity not to pay", unit="0..1",
                                           low=0, high=1, high_open=True)
    # service: multiplier on complaint rates
    complaint_mult: tuple[float, ...] = _seg(16, "Multiplier of the complaint rate", low=0, high=10)
    # marketing: base chance of buying during an offer, and uplift when contacted
    base_response: tuple[float, ...] = _seg(17, "Base chance of buying during an offer "
                                            "without contact", unit="probability", low=0,
                                            high=1)
    uplift: tuple[float, ...] = _seg(18, "Mean uplift of a contact", unit="probability",
                                     low=-1, high=1)
    # social: referral propensity and online influence (followers, log scale)
    referral: tuple[float, ...] = _seg(19, "Referral propensity (relative odds of being "
                                       "referred and weight as a referrer)", low=0,
                                       low_open=True, high=1_000)
    influence: tuple[float, ...] = _seg(20, "Log-mean of followers online", unit="log "
                                        "followers", low=-10, high=20)

    def _check(self) -> None:
        rate = np.array(self.bg_r) / np.array(self.bg_alpha)
        if (rate > MAX_PURCHASE_RATE).any():
            k = int(np.argmax(rate))
            raise ValueError(
                "WorldConfig.segments.bg_r / bg_alpha, the mean purchase rate, must be at "
                f"most {MAX_PURCHASE_RATE:g} a week in every segment; got {rate[k]:.6g} for "
                f"{SEGMENTS[k]} (bg_r={self.bg_r[k]:g}, bg_alpha={self.bg_alpha[k]:g})")

    @classmethod
    def column_docs(cls) -> dict[str, str]:
        """What each per-segment column of ``truth.params`` means (named as the fields)."""
        out = {}
        for f in dataclasses.fields(cls):
            meta = f.metadata
            unit = f" ({meta['unit']})" if meta["unit"] else ""
            money = " In the locale's currency." if meta["money"] else ""
            out[f.name] = f"{meta['doc']}{unit}.{money}"
        return out

    def table(self, money_scale: float = 1.0) -> pd.DataFrame:
        """The segments' parameters as a frame: one row per segment, one column per field,
        money times ``money_scale``.

        Examples
        --------
        >>> SegmentParams().table().loc["loyal_heavy", "bg_r"]
        np.float64(2.0)
        """
        names = [f.name for f in dataclasses.fields(self)]
        out = pd.DataFrame({name: np.array(getattr(self, name), dtype=float) for name in names},
                           index=pd.Index(list(SEGMENTS), name="segment"))
        out["gg_gamma"] = out["gg_gamma"] * money_scale
        return out


# -------------------------------------------------------------------------- population
@_params_group("population")
class PopulationParams(ParamGroup):
    """Who the customers are and how they were acquired.

    Acquisition channels are drawn from logits ``channel_base + channel_trend * years *
    digital`` (years since the start of the history, digital preference 0..1), the
    referral logit raised by the log of the segment's referral propensity.

    Examples
    --------
    >>> PopulationParams().array("acquisition_channel_trend").tolist()
    [-0.7, 0.9, -0.6, 0.0, 0.5]
    """

    acquisition_channel_base: tuple[float, ...] = coef(
        (0.9, 0.0, 0.3, -0.4, -0.6), "Acquisition channel logits at the start of the history",
        unit="log-odds", keys=ACQUISITION_CHANNELS, low=-20, high=20)
    acquisition_channel_trend: tuple[float, ...] = coef(
        (-0.7, 0.9, -0.6, 0.0, 0.5), "Change of the acquisition channel logits per year, for "
        "a fully digital customer", unit="log-odds per year", keys=ACQUISITION_CHANNELS,
        low=-20, high=20)
    signup_stop_days: float = coef(
        14.0, "Days before the end of the history when sign-ups stop", unit="days", low=0,
        high=_DAYS)  # and less than the history's length: WorldConfig checks that rule
    digital_sd: float = coef(0.1, "Spread of digital preference around the segment's mean "
                             "(normal, clipped to 0..1)", unit="0..1", low=0, high=10)
    city_shares: tuple[float, ...] = coef(
        (0.6, 0.25, 0.15), "Share of a province's customers in each of its three cities",
        keys=CITY_RANKS, low=0, high=1, shares=True)
    min_age: float = coef(18.0, "Youngest age at sign-up (ages are clipped)", unit="years",
                          low=0, high=120)
    max_age: float = coef(85.0, "Oldest age at sign-up (ages are clipped)", unit="years",
                          low=0, high=120)

    def _check(self) -> None:
        if self.min_age > self.max_age:
            raise ValueError(f"WorldConfig.population.min_age ({self.min_age:g}) must not be "
                             f"above max_age ({self.max_age:g})")


# --------------------------------------------------------------------------- purchases
@_params_group("purchases")
class PurchaseParams(ParamGroup):
    """Prepaid purchases beyond the per-segment BG/NBD and Gamma-Gamma parameters: where
    they are made, and the knobs that break the customer-base models' assumptions.

    A purchase is made in the app with chance ``app_share_base + app_share_per_digital *
    digital + app_share_per_year * years`` (capped at ``app_share_max``), on the web with
    chance ``web_share_per_digital * digital``, in a store with chance ``store_share``,
    else at a retailer; ``store_purchase_share`` of store visits buy goods rather than a
    top-up.

    The last seven coefficients make worlds that break the models (all off by default,
    when the purchases follow BG/NBD and Gamma-Gamma exactly; see
    :mod:`crmlab.world.processes.purchases` and docs/world.md):

    * ``gap_shape`` k: gaps between purchases while alive are Erlang-k with mean
      ``1 / lambda`` (coefficient of variation ``1 / sqrt(k)``) instead of exponential;
    * ``season_amplitude`` A and ``season_peak_month``: the purchase rate in calendar
      month m is ``lambda * (1 + A cos(2 pi (m - peak) / 12))`` (mean 1 over the twelve
      months);
    * ``rate_dropout_correlation`` rho: a Gaussian copula joins the purchase rate and the
      dropout probability, each keeping its Gamma and Beta marginal;
    * ``gamma_purchase`` and ``gamma_dropout``: covariate effects in the CLVTools
      parameterisation, ``lambda_i = lambda_i0 exp(gamma_purchase . x_i)`` (so
      ``alpha_i = alpha exp(-gamma_purchase . x_i)``) and ``p_i ~ Beta(a exp(gamma_dropout
      . x_i), b exp(gamma_dropout . x_i))``, with the covariates
      :data:`~crmlab.world.labels.COVARIATES` of the customers table;
    * ``spend_rate_elasticity`` beta: each customer's mean spend per purchase is
      multiplied by ``(lambda_i / (r / alpha))^beta``.

    Examples
    --------
    >>> PurchaseParams().store_share
    0.15
    >>> PurchaseParams(gap_shape=4).gap_shape
    4
    """

    min_amount: float = coef(0.01, "Smallest purchase amount (amounts are rounded to cents "
                             "and floored here)", unit="money", low=0, money=True, high=10_000)
    app_share_base: float = coef(0.15, "Chance that a purchase is made in the app, before "
                                 "digital preference and trend", unit="probability", low=0,
                                 high=1)
    app_share_per_digital: float = coef(0.35, "Increase of the app share per unit of digital "
                                        "preference", unit="probability", low=-1, high=1)
    app_share_per_year: float = coef(0.05, "Increase of the app share per year since the "
                                     "start", unit="probability per year", low=-1, high=1)
    app_share_max: float = coef(0.8, "Largest app share", unit="probability", low=0, high=1)
    web_share_per_digital: float = coef(0.15, "Web share per unit of digital preference",
                                        unit="probability", low=0, high=1)
    store_share: float = coef(0.15, "Chance that a purchase is made in a store",
                              unit="probability", low=0, high=1)
    store_purchase_share: float = coef(0.3, "Share of store purchases that are goods rather "
                                       "than top-ups", unit="probability", low=0, high=1)
    # worlds that break the models: every default leaves purchases exactly BG/NBD
    gap_shape: int = coef(1, "Erlang shape k of the gaps between purchases while alive (1: "
                          "exponential, as BG/NBD and Pareto/NBD assume; above 1: more regular, "
                          "coefficient of variation 1/sqrt(k), the same mean rate)", low=1,
                          high=50, integer=True)
    season_amplitude: float = coef(0.0, "Amplitude A of the purchase season: the rate in "
                                   "calendar month m is lambda * (1 + A cos(2 pi (m - "
                                   "season_peak_month) / 12)); 0: no season", low=0, high=1,
                                   high_open=True)
    season_peak_month: int = coef(12, "Calendar month of the highest purchase rate (acts when "
                                  "season_amplitude > 0)", unit="1 = January", low=1, high=12,
                                  integer=True)
    rate_dropout_correlation: float = coef(
        0.0, "Correlation rho of the Gaussian copula between a customer's purchase rate and "
        "dropout probability (marginals stay Gamma(r, alpha) and Beta(a, b)); 0: independent, "
        "as the models assume", low=-1, high=1, low_open=True, high_open=True)
    gamma_purchase: tuple[float, ...] = coef(
        (0.0,) * len(COVARIATES), "Covariate effects on the purchase rate: lambda_i = "
        "lambda_i0 * exp(gamma_purchase . x_i), i.e. alpha_i = alpha * exp(-gamma_purchase . "
        "x_i) as in CLVTools", unit="log rate per unit", keys=COVARIATES, low=-2, high=2)
    gamma_dropout: tuple[float, ...] = coef(
        (0.0,) * len(COVARIATES), "Covariate effects on dropout as CLVTools' BG/NBD has them: "
        "p_i ~ Beta(a * exp(gamma_dropout . x_i), b * exp(gamma_dropout . x_i)) (same mean "
        "a / (a + b), less spread for positive effects)", unit="log scale per unit",
        keys=COVARIATES, low=-2, high=2)
    spend_rate_elasticity: float = coef(
        0.0, "Elasticity beta of the mean spend per purchase to the purchase rate: nu_i = "
        "nu_i0 * (lambda_i / (r / alpha))^-beta, the ratio clipped to [0.01, 100]; 0: spend "
        "independent of frequency, as Gamma-Gamma assumes", low=-2, high=2)


# ----------------------------------------------------------------------------- billing
@_params_group("billing")
class BillingParams(ParamGroup):
    """Postpaid billing: tariffs, invoice errors and disputes, payment and collections.

    The monthly usage of a customer is Gamma(``usage_shape``) around their level; their
    level is the segment's ``usage_gb`` times a lognormal(0, ``usage_level_sigma``) draw;
    a customer's default risk is Beta(c, c / mean - c) with c =
    ``default_risk_concentration`` around the segment's ``default_risk``; an invoice is
    never paid with chance ``never_pay_factor * default_risk`` and paid late with chance
    ``late_base + default_risk``.

    Examples
    --------
    >>> BillingParams().collection_offsets
    (7.0, 21.0, 45.0, 90.0)
    """

    due_days: float = coef(14.0, "Days from the issue of an invoice to its due date",
                           unit="days", low=0, high=_DAYS)
    collection_offsets: tuple[float, ...] = coef(
        (7.0, 21.0, 45.0, 90.0), "Days after the due date when an unpaid invoice reaches each "
        "collection step (the suspension ends the contract)", unit="days",
        keys=COLLECTION_STEPS, low=0, increasing=True, high=_DAYS)
    collection_hour: float = coef(9.0, "Hour of the day when collection steps are taken",
                                  unit="hours", low=0, high=24, high_open=True)
    tariff_fee: tuple[float, ...] = coef(
        (15.0, 25.0, 40.0, 60.0), "Monthly fee of each tariff", unit="money",
        keys=_TARIFF_KEYS, low=0, money=True, high=100_000)
    tariff_included_gb: tuple[float, ...] = coef(
        (5.0, 15.0, 40.0, 150.0), "Data included in each tariff", unit="GB per month",
        keys=_TARIFF_KEYS, low=0, high=100_000)
    tariff_overage_per_gb: tuple[float, ...] = coef(
        (4.0, 3.0, 2.0, 1.0), "Price of data beyond the tariff's allowance", unit="money per "
        "GB", keys=_TARIFF_KEYS, low=0, money=True, high=10_000)
    usage_level_sigma: float = coef(0.5, "Spread of customers' usage level around their "
                                    "segment's (lognormal sigma)", low=0, high=3)
    tariff_guess_sigma: float = coef(0.4, "Noise of the usage guess by which customers pick "
                                     "the cheapest tariff (lognormal sigma)", low=0, high=3)
    usage_shape: float = coef(4.0, "Gamma shape of a month's usage around the customer's "
                              "level", low=0, low_open=True, high=10_000)
    default_risk_concentration: float = coef(
        2.0, "Beta concentration c of customers' default risk around their segment's mean "
        "(Beta(c, c / mean - c))", low=0, low_open=True, high=10_000)
    pay_delay_sigma: float = coef(0.4, "Spread of customers' typical payment delay around "
                                  "their segment's (lognormal sigma)", low=0, high=3)
    payment_method_shares: tuple[float, ...] = coef(
        (0.4, 0.3, 0.2, 0.1), "Share of customers paying by each method",
        keys=PAYMENT_METHODS, low=0, high=1, shares=True)
    never_pay_factor: float = coef(0.15, "Chance that an invoice is never paid, per unit of "
                                   "the customer's default risk", low=0, high=1)
    late_base: float = coef(0.1, "Chance of paying late on top of the customer's default "
                            "risk", unit="probability", low=0, high=1)
    late_shape: float = coef(2.0, "Gamma shape of the days paid after the due date",
                             low=0, low_open=True, high=10_000)
    late_extra_days: float = coef(5.0, "Days added to the customer's typical delay as the "
                                  "scale of late payments", unit="days", low=0, high=_DAYS)
    overcharge_share: float = coef(0.6, "Share of wrong invoices that overcharge (the rest "
                                   "undercharge)", unit="probability", low=0, high=1)
    overcharge_by: tuple[float, ...] = coef(
        (0.2, 1.0), "Relative overcharge of an overcharged invoice, drawn uniformly",
        unit="share of the correct amount", keys=SPAN, low=0, high=10)
    undercharge_by: tuple[float, ...] = coef(
        (0.2, 0.6), "Relative undercharge of an undercharged invoice, drawn uniformly",
        unit="share of the correct amount", keys=SPAN, low=0, high=1)
    dispute_probability: float = coef(0.65, "Chance that an overcharged customer disputes "
                                      "the invoice", unit="probability", low=0, high=1)
    dispute_delay_days: tuple[float, ...] = coef(
        (1.0, 10.0), "Days from the issue of an invoice to its dispute, drawn uniformly",
        unit="days", keys=SPAN, low=0, high=_DAYS)


# ----------------------------------------------------------------------------- weather
@_params_group("weather")
class WeatherParams(ParamGroup):
    """Snow storms and floods (world-wide; how many a year is ``weather_events_per_year``).

    An event's province is drawn in proportion to the province's snow or flood risk (from
    the locale's province table) raised to ``risk_exponent``.

    Examples
    --------
    >>> WeatherParams().snow_first_month
    12
    """

    snow_first_month: int = coef(12, "First month of the snow season", unit="1 = January",
                                 integer=True, low=1, high=12)
    snow_months: int = coef(3, "Length of the snow season", unit="months", integer=True,
                            low=1, high=12)
    flood_first_month: int = coef(3, "First month of the flood season", unit="1 = January",
                                  integer=True, low=1, high=12)
    flood_months: int = coef(3, "Length of the flood season", unit="months", integer=True,
                             low=1, high=12)
    snow_duration_days: tuple[int, ...] = coef(
        (2, 7), "Length of a snow storm, drawn uniformly (both ends included)", unit="days",
        keys=SPAN, integer=True, low=1, high=_DAYS)
    flood_duration_days: tuple[int, ...] = coef(
        (3, 14), "Length of a flood, drawn uniformly (both ends included)", unit="days",
        keys=SPAN, integer=True, low=1, high=_DAYS)
    severity: tuple[float, ...] = coef(
        (0.3, 1.0), "Severity of an event, drawn uniformly", unit="0..1", keys=SPAN, low=0,
        high=1)
    risk_exponent: float = coef(2.0, "Power of the provinces' climate risks in the choice of "
                                "an event's province (higher concentrates events where they "
                                "are typical)", low=0, high=10)


# ----------------------------------------------------------------------------- service
@_params_group("service")
class ServiceParams(ParamGroup):
    """Complaints and how they are handled: season, weather load, queueing, response,
    escalation, resolution and satisfaction.

    The first six coefficients are the service rules of :mod:`crmlab.rules` (``rules``
    gives them as one value); the load ratio divides by ``WorldConfig.repair_capacity``.
    A complaint's first response takes ``base_response_hours[channel] *
    category_response[category] * queue_delay_factor(load) * lognormal(0,
    response_sigma)`` hours. Its strain, ``log(response / base by channel) +
    normal(0, strain_sd) + failure_strain`` (failures only), sets the escalation level
    ``clip(floor((strain - escalation_threshold) / escalation_step), 0, 3)``.
    Satisfaction is ``round(satisfaction_base - satisfaction_per_log_delay *
    log1p(response / base) - satisfaction_supervisor [level 1-2] +
    satisfaction_executive [level 3] - satisfaction_unresolved - satisfaction_failure +
    normal(0, satisfaction_sd))`` clipped to 1..5.

    Examples
    --------
    >>> ServiceParams().rules.weather_load
    3.0
    """

    season: tuple[float, ...] = coef(
        rules.SEASON, "Relative complaint intensity and service load by month (rescaled to "
        "mean 1)", keys=MONTHS, low=0, low_open=True, high=1_000)
    weather_load: float = coef(rules.WEATHER_LOAD, "How many times the normal load (and the "
                               "routine repair and outage complaints) a weather event of "
                               "severity 1 adds", unit="x normal load", low=0, high=20)
    backlog_days: int = coef(rules.BACKLOG_DAYS, "Days a repair backlog lingers, fading, "
                             "after a weather event ends", unit="days", integer=True, low=0,
                             high=365)
    queue_coefficient: float = coef(rules.QUEUE_COEFFICIENT, "Steepness of the queueing "
                                    "delay: 1 + c * rho^2 / max(1 - rho, slack)", low=0,
                                    low_open=True, high=100)
    queue_max_load: float = coef(rules.QUEUE_MAX_LOAD, "Load ratio at which the queueing "
                                 "delay stops growing", unit="load / capacity", low=0,
                                 low_open=True, high=100)
    queue_min_slack: float = coef(rules.QUEUE_MIN_SLACK, "Smallest free capacity in the "
                                  "queueing delay's denominator", unit="share of capacity",
                                  low=0, low_open=True, high=1)
    prepaid_complaint_factor: float = coef(0.5, "Complaint rate of prepaid customers relative "
                                           "to postpaid", low=0, high=10)
    routine_mix: tuple[float, ...] = coef(
        (0.2, 0.0, 0.4, 0.15, 0.25, 0.0), "Categories of routine complaints in calm weather",
        keys=COMPLAINT_CATEGORIES, low=0, high=1, shares=True)
    weather_mix: tuple[float, ...] = coef(
        (0.75, 0.0, 0.0, 0.25, 0.0, 0.0), "Categories of the extra complaints caused by "
        "weather", keys=COMPLAINT_CATEGORIES, low=0, high=1, shares=True)
    failure_mix: tuple[float, ...] = coef(
        (0.3, 0.0, 0.3, 0.4, 0.0, 0.0), "Categories of the complaints about a serious service "
        "failure", keys=COMPLAINT_CATEGORIES, low=0, high=1, shares=True)
    collection_complaint: float = coef(0.2, "Chance that a collection call or suspension "
                                       "provokes a complaint", unit="probability", low=0,
                                       high=1)
    collection_complaint_delay_days: tuple[float, ...] = coef(
        (0.1, 3.0), "Days from a collection step to the complaint it provokes, drawn "
        "uniformly", unit="days", keys=SPAN, low=0, high=_DAYS)
    prepaid_failure_before_dropout: float = coef(
        0.35, "Chance that a prepaid customer's dropout was preceded by a service failure",
        unit="probability", low=0, high=1)
    failure_before_dropout_days: tuple[float, ...] = coef(
        (1.0, 30.0), "Days from such a failure to the dropout, drawn uniformly", unit="days",
        keys=SPAN, low=0, high=_DAYS)
    failure_complaint_delay_days: float = coef(
        1.0, "Longest delay from a failure to the complaint about it (drawn uniformly from "
        "0)", unit="days", low=0, high=_DAYS)
    channel_base: tuple[float, ...] = coef(
        (1.2, 0.0, -0.3, 0.3, -1.5), "Complaint channel logits at the start of the history",
        unit="log-odds", keys=COMPLAINT_CHANNELS, low=-20, high=20)
    channel_trend: tuple[float, ...] = coef(
        (-1.0, 0.4, 1.0, -0.4, 1.2), "Change of the complaint channel logits per year, for a "
        "fully digital customer", unit="log-odds per year", keys=COMPLAINT_CHANNELS,
        low=-20, high=20)
    base_response_hours: tuple[float, ...] = coef(
        (2.0, 8.0, 12.0, 4.0, 6.0), "First-response time by channel before queueing and "
        "category", unit="hours", keys=COMPLAINT_CHANNELS, low=0, low_open=True, high=_HOURS)
    category_response: tuple[float, ...] = coef(
        (4.0, 1.5, 1.0, 2.0, 1.0, 1.0), "Response time multiplier by category (repairs need "
        "an engineer on site)", keys=COMPLAINT_CATEGORIES, low=0, low_open=True, high=100)
    response_sigma: float = coef(0.5, "Noise of the first-response time (lognormal sigma)",
                                 low=0, high=3)
    min_response_hours: float = coef(0.05, "Shortest first-response time", unit="hours",
                                     low=0, high=_HOURS)
    strain_sd: float = coef(0.7, "Noise of a complaint's strain (normal sd)", unit="log "
                            "hours", low=0, high=10)
    failure_strain: float = coef(1.0, "Strain added when the complaint is about a serious "
                                 "failure", unit="log hours", low=-100, high=100)
    escalation_threshold: float = coef(0.5, "Strain above which a complaint escalates to "
                                       "level 1", unit="log hours", low=-100, high=100)
    escalation_step: float = coef(0.8, "Strain per further escalation level (up to 3, the "
                                  "executive)", unit="log hours", low=0, low_open=True, high=100)
    resolve_shape: float = coef(2.0, "Gamma shape of the days from first response to "
                                "resolution", low=0, low_open=True, high=10_000)
    resolve_multiplier: tuple[float, ...] = coef(
        (2.0, 1.0, 1.0, 1.0, 1.0, 1.0), "Multiplier of the resolution time by category",
        keys=COMPLAINT_CATEGORIES, low=0, high=100)
    unresolved_base: float = coef(0.03, "Chance that a complaint is never resolved",
                                  unit="probability", low=0, high=1)
    unresolved_if_escalated: float = coef(0.05, "Added chance of no resolution at "
                                          "escalation level 2 or more", unit="probability",
                                          low=0, high=1)
    satisfaction_base: float = coef(4.4, "Satisfaction of a quickly answered, resolved, "
                                    "unescalated complaint", unit="points, 1..5", low=-100,
                                    high=100)
    satisfaction_per_log_delay: float = coef(0.55, "Satisfaction lost per unit of log(1 + "
                                             "response / base time)", unit="points",
                                             low=-100, high=100)
    satisfaction_supervisor: float = coef(0.45, "Satisfaction lost when the complaint is "
                                          "escalated to supervisors (levels 1-2)",
                                          unit="points", low=-100, high=100)
    satisfaction_executive: float = coef(0.2, "Satisfaction gained when an executive takes "
                                         "the complaint (level 3)", unit="points", low=-100,
                                         high=100)
    satisfaction_unresolved: float = coef(1.2, "Satisfaction lost when the complaint is not "
                                          "resolved", unit="points", low=-100, high=100)
    satisfaction_failure: float = coef(0.8, "Satisfaction lost when the complaint is about "
                                       "a serious failure", unit="points", low=-100, high=100)
    satisfaction_sd: float = coef(0.6, "Noise of satisfaction (normal sd)", unit="points",
                                  low=0, high=10)
    bad_satisfaction: int = coef(2, "Satisfaction at or below which a complaint is very "
                                 "dissatisfied (it may lead to churn and sours posts)",
                                 unit="points", integer=True, low=0, high=5)

    @property
    def rules(self) -> rules.ServiceRules:
        """The service rules (season, weather load, backlog, queueing) as one value, for
        :func:`crmlab.analytics.capacity.capacity_whatif`."""
        return rules.ServiceRules(
            season=self.season, weather_load=self.weather_load,
            backlog_days=self.backlog_days, queue_coefficient=self.queue_coefficient,
            queue_max_load=self.queue_max_load, queue_min_slack=self.queue_min_slack)


# ------------------------------------------------------------------------------- churn
@_params_group("churn")
class ChurnParams(ParamGroup):
    """Churn after bad service and win-back by an executive (postpaid customers).

    How many of those hit by a failure stay silent is ``WorldConfig.silent_share``; how
    many an executive call wins back is ``WorldConfig.winback_rate``.

    Examples
    --------
    >>> ChurnParams().after_bad_complaint
    0.4
    """

    after_bad_complaint: float = coef(0.4, "Chance of leaving after a very dissatisfied "
                                      "complaint", unit="probability per complaint", low=0,
                                      high=1)
    leave_after_complaint_days: tuple[float, ...] = coef(
        (3.0, 30.0), "Days from that complaint to leaving, drawn uniformly", unit="days",
        keys=SPAN, low=0, high=_DAYS)
    after_silent_failure: float = coef(0.4, "Chance of leaving after a failure suffered in "
                                       "silence", unit="probability", low=0, high=1)
    leave_after_silent_failure_days: tuple[float, ...] = coef(
        (5.0, 40.0), "Days from a silent failure to leaving, drawn uniformly", unit="days",
        keys=SPAN, low=0, high=_DAYS)
    executive_escalation: float = coef(0.5, "Chance that the complaint after which a "
                                       "customer announces leaving reaches an executive",
                                       unit="probability", low=0, high=1)
    winback_delay_days: tuple[float, ...] = coef(
        (7.0, 60.0), "Days from leaving to coming back, for those won back, drawn uniformly",
        unit="days", keys=SPAN, low=0, high=_DAYS)


# --------------------------------------------------------------------------- marketing
@_params_group("marketing")
class MarketingParams(ParamGroup):
    """The campaign calendar, who is eligible, and how customers respond.

    Response if not contacted: ``base_response * (offer_activity_base + activity)``
    (call lists and retention) or ``winback_response_factor * base_response * activity``
    (win-back), where activity is ``min(purchases in the look-back window,
    activity_max_purchases) / activity_full_purchases``; zero for customers who already
    left. The uplift of a contact is ``uplift * (uplift_digital_base + digital) * (1 -
    response / response_saturation)``, or ``uplift * winback_uplift_alive`` (still a
    customer) and ``uplift * winback_uplift_lapsed`` (gone) in win-back campaigns.

    Examples
    --------
    >>> MarketingParams().array("offer_value").tolist()
    [5.0, 10.0, 8.0]
    """

    contact_cost: tuple[float, ...] = coef(
        (2.0, 0.2, 2.0), "Cost of one contact by campaign kind", unit="money",
        keys=CAMPAIGN_KINDS, low=0, money=True, high=100_000)
    offer_value: tuple[float, ...] = coef(
        (5.0, 10.0, 8.0), "Cost of the offer to a contacted customer who responds, by "
        "campaign kind", unit="money", keys=CAMPAIGN_KINDS, low=0, money=True, high=100_000)
    first_campaign_day: float = coef(60.0, "Days after the start of the history before the "
                                     "first campaign", unit="days", low=0, high=_DAYS)
    end_margin_days: float = coef(50.0, "Days before the end of the history after which no "
                                  "campaign starts", unit="days", low=0, high=_DAYS)
    short_history_margin_days: float = coef(
        10.0, "In a history too short for those two margins, days before the end after which "
        "no campaign starts (campaigns then start from day 0)", unit="days", low=0, high=_DAYS)
    start_jitter: float = coef(0.5, "Random delay of a campaign's start, as a share of the "
                               "spacing between campaigns", unit="share", low=0, high=1)
    duration_days: tuple[int, ...] = coef(
        (14, 42), "Length of a campaign, drawn uniformly (both ends included)", unit="days",
        keys=SPAN, integer=True, low=1, high=_DAYS)
    list_share: float = coef(0.3, "Share of the eligible customers put on a campaign's list",
                             unit="share", low=0, high=1)
    holdout_share: float = coef(0.1, "Share of the list held back as a control group",
                                unit="share", low=0, high=1)
    contact_spread: float = coef(0.5, "Share of a campaign's duration over which its "
                                 "contacts are made", unit="share", low=0, high=1)
    lookback_days: float = coef(180.0, "Days of purchase history used to score customers "
                                "(and window for contracts ended recently, win-back)",
                                unit="days", low=0, high=_DAYS)
    lapsed_days: float = coef(90.0, "Days without a top-up after which a prepaid customer "
                              "looks lapsed", unit="days", low=0, high=_DAYS)
    activity_max_purchases: int = coef(12, "Purchases in the look-back window beyond which "
                                       "activity no longer grows", integer=True, low=0,
                                       high=1_000_000)
    activity_full_purchases: float = coef(6.0, "Purchases in the look-back window that make "
                                          "activity 1", low=0, low_open=True, high=1_000_000)
    offer_activity_base: float = coef(0.3, "Activity added for everyone in the response "
                                      "without contact (call lists, retention)", low=0, high=100)
    winback_response_factor: float = coef(0.5, "Multiplier of the response without contact "
                                          "in win-back campaigns", low=0, high=100)
    uplift_digital_base: float = coef(0.5, "Uplift multiplier of a customer with no digital "
                                      "preference (it grows by 1 per unit of preference)",
                                      low=0, high=100)
    response_saturation: float = coef(0.8, "Response without contact at which a contact "
                                      "adds nothing", unit="probability", low=0,
                                      low_open=True, high=1)
    max_response: float = coef(0.95, "Largest response without contact",
                               unit="probability", low=0, high=1)
    winback_uplift_alive: float = coef(2.0, "Uplift multiplier in win-back campaigns for "
                                       "customers still active", low=0, high=100)
    winback_uplift_lapsed: float = coef(0.6, "Uplift multiplier in win-back campaigns for "
                                        "customers who left", low=0, high=100)
    sleeping_dog_window_days: float = coef(
        90.0, "Retention contacts within this many days before a customer leaves may backfire",
        unit="days", low=0, high=_DAYS)
    sleeping_dog_share: float = coef(0.5, "Chance that such a contact backfires",
                                     unit="probability", low=0, high=1)
    sleeping_dog_uplift: float = coef(-0.08, "Uplift of a contact that backfires",
                                      unit="probability", low=-1, high=0)
    value_multiple_postpaid: float = coef(2.0, "Revenue of a postpaid response, in average "
                                          "bills", low=0, high=1_000)
    value_multiple_prepaid: float = coef(3.0, "Revenue of a prepaid response, in average "
                                         "purchases", low=0, high=1_000)
    call_list_purchases_per_response: float = coef(
        10.0, "Recent purchases worth one past response in the call-list score",
        low=0, low_open=True, high=1_000_000)
    retention_tenure_days: float = coef(
        30.0, "Retention score: recent spend times (1 + this / tenure in days)", unit="days",
        low=0, high=_DAYS)


# ----------------------------------------------------------------------------- loyalty
@_params_group("loyalty")
class LoyaltyParams(ParamGroup):
    """Who joins the loyalty programme (opened ``WorldConfig.loyalty_launch_months`` after
    the start), what they earn and redeem.

    A customer joins with chance ``logistic(join_intercept + join_per_log_frequency *
    log1p(purchases a year / frequency_norm) + join_if_staying [stays join_stay_days past
    the launch or sign-up])``, after an exponential delay of mean ``join_delay_days``.

    Examples
    --------
    >>> LoyaltyParams().redeem_chunk
    500
    """

    join_intercept: float = coef(-2.8, "Log-odds of joining for a customer who neither buys "
                                 "nor stays", unit="log-odds", low=-100, high=100)
    join_per_log_frequency: float = coef(0.9, "Log-odds of joining per unit of log1p(purchases "
                                         "a year / frequency_norm)", unit="log-odds",
                                         low=-100, high=100)
    frequency_norm: float = coef(6.0, "Purchases a year that count as one unit of frequency",
                                 unit="purchases per year", low=0, low_open=True, high=1_000_000)
    join_if_staying: float = coef(1.8, "Log-odds of joining added for a customer who will "
                                  "stay", unit="log-odds", low=-100, high=100)
    join_stay_days: float = coef(270.0, "A customer stays if they are still a customer this "
                                 "many days after the launch (or their sign-up)",
                                 unit="days", low=0, high=_DAYS)
    min_tenure_years: float = coef(0.1, "Shortest tenure in the purchases-a-year ratio",
                                   unit="years", low=0, low_open=True, high=100)
    join_delay_days: float = coef(120.0, "Mean delay from the launch (or sign-up) to joining "
                                  "(exponential)", unit="days", low=0, high=_DAYS)
    points_per_unit: float = coef(1.0, "Points earned per money unit spent after joining",
                                  unit="points per money unit", low=0, low_open=True, high=100)
    redeem_chunk: int = coef(500, "Points redeemed at once, each time a member's points pass "
                             "a multiple of it", unit="points", integer=True, low=1,
                             high=1_000_000_000)
    redeem_delay_days: tuple[float, ...] = coef(
        (1.0, 30.0), "Days from passing a multiple to redeeming, drawn uniformly", unit="days",
        keys=SPAN, low=0, high=_DAYS)
    invoice_points_delay_days: float = coef(0.5, "Days from an invoice's issue to the points "
                                            "for paying it", unit="days", low=0, high=_DAYS)


# ------------------------------------------------------------------------------ social
@_params_group("social")
class SocialParams(ParamGroup):
    """Referral rewards and online posts: how often, where, about what, how they feel and
    how far they reach.

    Customers post ``posts_base + posts_per_digital * digital**2`` times a year while they
    are customers. Followers are lognormal around the segment's ``influence``.

    Examples
    --------
    >>> SocialParams().platform_shares is None
    True
    """

    referral_reward: float = coef(10.0, "Bonus paid per referred customer", unit="money",
                                  low=0, money=True, high=100_000)
    followers_sigma: float = coef(1.2, "Spread of followers (lognormal sigma)", low=0, high=3)
    share_rate: tuple[float, ...] = coef(
        (0.05, 0.3), "Share of a customer's followers reached by a post, drawn uniformly per "
        "customer", unit="share", keys=SPAN, low=0, high=1)
    posts_base: float = coef(0.3, "Posts a year of a customer with no digital preference",
                             unit="posts per year", low=0, high=365)
    posts_per_digital: float = coef(8.0, "Posts a year added per squared unit of digital "
                                    "preference", unit="posts per year", low=0, high=365)
    topic_mix: tuple[float, ...] = coef(
        (0.25, 0.2, 0.15, 0.1, 0.1, 0.2), "Topics of posts", keys=TOPICS, low=0, high=1,
        shares=True)
    platform_shares: tuple[float, ...] | None = coef(
        None, "Platforms of posts (None: the locale's typical mix, from its locale module)",
        keys=PLATFORMS, low=0, high=1, shares=True, optional=True)
    sentiment_mean: float = coef(0.15, "Mean sentiment of a post", unit="-1..1", low=-1,
                                 high=1)
    sentiment_sd: float = coef(0.35, "Spread of sentiment (normal sd)", unit="-1..1", low=0,
                               high=10)
    sour_days: float = coef(60.0, "Days after a very dissatisfied complaint, and before "
                            "leaving, when posts turn sour", unit="days", low=0, high=_DAYS)
    sour_sentiment: float = coef(0.7, "Sentiment lost after a very dissatisfied complaint",
                                 unit="-1..1", low=0, high=2)
    leaving_sentiment: float = coef(0.3, "Sentiment lost in the last days before leaving",
                                    unit="-1..1", low=0, high=2)
    reach_sigma: float = coef(0.5, "Noise of a post's reach (lognormal sigma)", low=0, high=3)
    share_chance: float = coef(0.01, "Shares per person reached", unit="probability", low=0,
                               high=1)
    influence_factor: float = coef(1.2, "Expected reach of a post per follower reached (the "
                                   "truth's influence_score)", low=0, high=100)


# ------------------------------------------------------------------------------- silos
@_params_group("silos")
class SiloParams(ParamGroup):
    """The mistakes of the separate sales, service, billing and web systems.

    Examples
    --------
    >>> SiloParams().duplicate_rate
    0.04
    """

    typo_rate: float = coef(0.06, "Chance that a name in a silo record has a typing error",
                            unit="probability", low=0, high=1)
    variant_rate: float = coef(0.3, "Chance (Persian locale) that a record uses Arabic letter "
                               "forms or a plain space", unit="probability", low=0, high=1)
    duplicate_rate: float = coef(0.04, "Chance that a customer appears a second time in a "
                                 "silo", unit="probability", low=0, high=1)
    moved_rate: float = coef(0.1, "Share of customers who moved after signing up (sales keeps "
                             "the old address)", unit="probability", low=0, high=1)
    missing_email_rate: float = coef(0.15, "Chance that the service desk recorded no e-mail",
                                     unit="probability", low=0, high=1)
    web_digital_threshold: float = coef(0.55, "Digital preference above which a customer has "
                                        "a web account (web and referral sign-ups always do)",
                                        unit="0..1", low=0, high=1)


# ------------------------------------------------------------------------ interactions
@_params_group("interactions")
class InteractionParams(ParamGroup):
    """Timing of the touchpoints that follow a complaint in the interactions table.

    Examples
    --------
    >>> InteractionParams().executive_call_delay_days
    1.0
    """

    escalation_delay_days: float = coef(0.5, "Days from a complaint to its escalation",
                                        unit="days", low=0, high=_DAYS)
    executive_call_delay_days: float = coef(1.0, "Days from a complaint to the executive's "
                                            "call (level 3)", unit="days", low=0, high=_DAYS)
    dispute_delay_days: float = coef(0.01, "Days from a billing complaint to the billing "
                                     "system's dispute record", unit="days", low=0, high=_DAYS)


# --------------------------------------------------------------------------------- clv
@_params_group("clv")
class ClvParams(ParamGroup):
    """How the truth's customer lifetime value (``true_clv_3y``) is computed.

    Examples
    --------
    >>> ClvParams().horizon_years
    3.0
    """

    discount_rate: float = coef(0.10, "Annual discount rate", unit="per year", low=0,
                                high=10)
    horizon_years: float = coef(3.0, "Horizon of the true CLV", unit="years", low=0,
                                low_open=True, high=100)


#: The groups by their field name in ``WorldConfig``, in field order.
GROUPS: dict[str, type[ParamGroup]] = {cls.group: cls for cls in (
    SegmentParams, PopulationParams, PurchaseParams, BillingParams, WeatherParams,
    ServiceParams, ChurnParams, MarketingParams, LoyaltyParams, SocialParams, SiloParams,
    InteractionParams, ClvParams)}

#: One row per segment: the default :class:`SegmentParams` in model money units.
SEGMENT_PARAMS: pd.DataFrame = SegmentParams().table()


def segment_params(money_scale: float = 1.0) -> pd.DataFrame:
    """The default generating parameters per segment, with spend in the locale's currency.

    Examples
    --------
    >>> segment_params().loc["loyal_heavy", "bg_r"]
    np.float64(2.0)
    """
    return SegmentParams().table(money_scale)
