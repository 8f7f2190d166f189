"""The generation pipeline: world-wide tables first, then independent customer blocks.

:func:`world_tables` draws what every block shares (weather, tariffs, the campaign
calendar and the service load derived from them). :func:`generate_block` then makes
one block of customers with all their events, from streams keyed by the block index
alone, so block 7 is the same whether it is made first, last, alone or on another
machine. :func:`crmlab.world.world.make_world` simply runs every block and concatenates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._kernels import (
    arrow_strings,
    categorical,
    column_arrays,
    days_to_timestamps,
    rng_for,
    strings,
)
from ._kernels import frame as build_frame
from .config import WorldConfig
from .processes import (
    billing,
    interactions,
    marketing,
    population,
    purchases,
    service,
    silos,
    social,
)
from .processes._block import Churn, Events, WorldTables

__all__ = ["BlockOutput", "generate_block", "world_tables"]


@dataclass
class BlockOutput:
    """Everything one block contributes: observable tables, truth tables, silos."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    silos: dict[str, pd.DataFrame]

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table under one name: ``customers``, ``silos/sales``, ``truth/contacts``..."""
        return {**self.tables, **{f"silos/{k}": v for k, v in self.silos.items()},
                **{f"truth/{k}": v for k, v in self.truth.items()}}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> BlockOutput:
        """The inverse of :meth:`frames`."""
        out = cls(tables={}, truth={}, silos={})
        for key, frame in frames.items():
            group, _, name = key.rpartition("/")
            {"": out.tables, "silos": out.silos, "truth": out.truth}[group][name] = frame
        return out


def world_tables(config: WorldConfig, seed: int) -> WorldTables:
    """Draw the world-wide tables shared by every block.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> wt = world_tables(WorldConfig(n_customers=100), seed=1)
    >>> wt.load_ratio.shape[1] == WorldConfig().n_days
    True
    """

    weather = service.make_weather(config, rng_for(seed, "weather"))
    intensity = service.weather_intensity(config, weather)
    return WorldTables(
        weather=weather,
        tariffs=billing.make_tariffs(config),
        campaigns=marketing.make_campaigns(config, rng_for(seed, "campaigns")),
        weather_intensity=intensity,
        load_ratio=service.load_ratio(config, intensity),
    )


def _true_clv(config: WorldConfig, postpaid: np.ndarray, churn: Churn, truth: pd.DataFrame,
              margin: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Expected discounted revenue over the next ``config.clv.horizon_years`` (3 by
    default), from the true parameters, at the annual rate ``config.clv.discount_rate``.

    Prepaid: a customer alive at the end with rate ``lambda`` and dropout ``p`` buys at
    rate ``lambda * exp(-lambda p t)``, so the value is
    ``spend * lambda * (1 - exp(-(lambda p + d) h)) / (lambda p + d)``. With Erlang gaps
    or a purchase season (``config.purchases.gap_shape``, ``season_amplitude``) the
    expected discounted purchases come from
    :func:`~crmlab.world.processes.purchases.expected_discounted_purchases`, which also
    reads how far each customer's running gap has got (``phase``); the covariate, copula
    and spend knobs act through the per-customer ``lambda``, ``p`` and spend alone.
    Postpaid: the monthly bill times the discounted survival ``sum_k ((1 - theta)/(1 +
    d_m))^k``.
    """
    discount, years = config.clv.discount_rate, config.clv.horizon_years
    d = np.log1p(discount) / 52.0  # weekly continuous rate
    h = years * 52.0
    lam = truth["purchase_rate"].to_numpy()
    p = truth["dropout_probability"].to_numpy()
    spend = truth["expected_spend"].to_numpy()
    alive = np.isnan(churn.churn_day)
    if config.purchases.gap_shape == 1 and config.purchases.season_amplitude == 0:
        k = lam * p + d
        with np.errstate(invalid="ignore"):
            pre = spend * lam * (1.0 - np.exp(-k * h)) / k
    else:
        pre = np.zeros(len(lam))
        valued = np.flatnonzero(alive & ~postpaid)
        pre[valued] = spend[valued] * purchases.expected_discounted_purchases(
            config, lam[valued], p[valued], phase[valued])
    theta = truth["monthly_churn_probability"].to_numpy()
    dm = (1.0 + discount) ** (1.0 / 12.0) - 1.0
    ratio = (1.0 - theta) / (1.0 + dm)
    months = years * 12.0
    with np.errstate(invalid="ignore"):
        post = margin * ratio * (1.0 - ratio**months) / (1.0 - ratio)
    value = np.where(postpaid, post, pre)
    return np.round(np.where(alive, np.nan_to_num(value), 0.0), 2)


#: The truth columns that :func:`_true_clv` reads.
_CLV_INPUTS = ("purchase_rate", "dropout_probability", "expected_spend",
               "monthly_churn_probability")


def _mean_bill(invoices: Events, n: int) -> np.ndarray:
    """Each customer's mean issued bill (what was billed plus adjustments), 0 if none."""
    margin = np.zeros(n)
    if len(invoices.cust):
        sums = np.bincount(invoices.cust, weights=invoices.amount, minlength=n)
        counts = np.bincount(invoices.cust, minlength=n)
        margin = np.divide(sums, counts, out=np.zeros(n), where=counts > 0)
    return margin


def _column_arrays(table: pd.DataFrame) -> dict[str, object]:
    """The columns of a frame by name, as the arrays behind them (no Series, no
    copies), to make a wider frame with :func:`~crmlab.world._kernels.frame`; the new
    frame takes the arrays over, so ``table`` must be one that is not used afterwards."""
    return dict(zip(table.columns, column_arrays(table), strict=True))


def _tariff_ids(tariff_id: pd.Series, tariff: np.ndarray, post: np.ndarray) -> pd.Series:
    """Each customer's tariff id, missing for prepaid customers: ``take_strings(tariff_id,
    tariff).where(post)`` by one Arrow take with null indices."""
    index = pa.array(np.asarray(tariff, dtype=np.int64), mask=~post)
    return strings(pc.take(arrow_strings(tariff_id), index))


def generate_block(config: WorldConfig, seed: int, block: int, wt: WorldTables) -> BlockOutput:
    """Generate one block of customers with all their events.

    The steps below are the block's dependency graph: each generator gets what it reads
    as arguments, from its own random stream, and returns its tables; none changes its
    inputs. Service decides churn, so the billing tables are cut after it.

    Parameters
    ----------
    config : WorldConfig
    seed : int
        The world seed.
    block : int
        Block index, ``0 <= block < config.n_blocks``.
    wt : WorldTables
        From :func:`world_tables` with the same config and seed.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> cfg = WorldConfig(n_customers=300, block_size=100)
    >>> out = generate_block(cfg, 1, 2, world_tables(cfg, 1))
    >>> out.tables["customers"]["customer_id"].iloc[0]
    'C0000201'
    """
    if not 0 <= block < config.n_blocks:
        raise ValueError(f"block must be in [0, {config.n_blocks - 1}] for this config; "
                         f"got {block}")

    start = config.start_ts
    pop, customers, truth_pop = population.generate_population(
        config, rng_for(seed, "population", block), block)
    bought = purchases.generate_purchases(config, rng_for(seed, "purchases", block), pop)
    bill = billing.generate_billing(config, rng_for(seed, "billing", block), pop, wt.tariffs)
    serv = service.generate_service(config, rng_for(seed, "service", block), pop,
                                    wt.weather_intensity, wt.load_ratio, bill,
                                    bought.dropout_day)
    churn = serv.churn
    issued = billing.issued_tables(bill, churn, pop.signup_day)

    contacts, truth_contacts = marketing.generate_marketing(
        config, rng_for(seed, "marketing", block), pop, churn, bought.events, issued.events,
        wt.campaigns)
    loyalty, truth_loyalty = marketing.generate_loyalty(
        config, rng_for(seed, "loyalty", block), pop, churn, bought.events, issued.events)

    # observable churn: postpaid contracts end visibly; a prepaid dropout is never seen
    post = pop.postpaid
    status = np.where(~post, 3, np.where(~np.isnan(churn.winback_day), 2,
                                         np.where(np.isnan(churn.churn_day), 0, 1)))
    customers = build_frame({  # one new frame, not four insertions
        **_column_arrays(customers),
        "tariff_id": _tariff_ids(wt.tariffs["tariff_id"], bill.tariff, post),
        "status": categorical(status, ("active", "churned", "won_back", "no_contract")),
        "churn_date": days_to_timestamps(start, np.where(post, churn.churn_day, np.nan)),
        "winback_date": days_to_timestamps(start, churn.winback_day),
    })

    referrals, online, truth_social = social.generate_social(
        config, rng_for(seed, "social", block), pop, churn, serv.events)
    silo_tables, truth_mapping = silos.generate_silos(
        config, rng_for(seed, "silos", block), pop, serv.events.cust, customers)
    inter = interactions.build_interactions(
        config, pop, churn, transactions=bought.transactions, complaints=serv.complaints,
        collections=issued.collections, contacts=contacts, purchase_events=bought.events,
        complaint_events=serv.events)

    # the truth of each customer: every generator's per-customer columns side by side
    # (one row per customer, in block order), made into one frame at the end
    truth_columns = {}
    for part in (truth_pop, bought.truth, bill.truth_customers, serv.truth_customers):
        truth_columns.update(_column_arrays(part))
    truth_columns["churn_date"] = days_to_timestamps(start, churn.churn_day)
    truth_columns["alive_at_end"] = np.isnan(churn.churn_day)
    clv_inputs = build_frame({name: truth_columns[name] for name in _CLV_INPUTS})
    truth_columns["true_clv_3y"] = _true_clv(config, post, churn, clv_inputs,
                                             _mean_bill(issued.events, pop.n), bought.phase)
    for extra in (truth_loyalty, truth_social):
        extra_columns = _column_arrays(extra)
        del extra_columns["customer_id"]
        truth_columns.update(extra_columns)
    truth_customers = build_frame(truth_columns)

    tables = {
        "customers": customers,
        "transactions": bought.transactions,
        "invoices": issued.invoices,
        "payments": issued.payments,
        "collections": issued.collections,
        "complaints": serv.complaints,
        "interactions": inter,
        "contacts": contacts,
        "loyalty": loyalty,
        "referrals": referrals,
        "online_activity": online,
    }
    truth = {
        "customers": truth_customers,
        "contacts": truth_contacts,
        "invoices": issued.truth_invoices,
        "complaints": serv.truth_complaints,
        "silo_mapping": truth_mapping,
    }
    return BlockOutput(tables=tables, truth=truth, silos=silo_tables)
