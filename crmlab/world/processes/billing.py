"""Postpaid billing: tariffs, monthly invoices, errors, payments and collections.

Each postpaid customer is billed on their own monthly cycle, starting at sign-up.
Voluntary churn follows the shifted-beta-geometric model of Fader & Hardie (2007),
"How to project customer retention": each customer has a monthly churn probability
``theta ~ Beta(alpha, beta)`` (by segment) and leaves at the end of month
``t ~ Geometric(theta)``, so the cohort's retention rate rises over time although no
individual's hazard changes.

An invoice is wrong with probability ``config.billing_error_rate`` (by default 60%
overcharges, 40% undercharges). Most overcharged customers dispute the bill (the
dispute becomes a billing complaint and the bill is corrected by an adjustment);
undercharges go unnoticed and are lost revenue. Payments arrive with a
customer-specific delay; an unpaid invoice climbs the collection ladder (by default a
reminder 7 days after the due date, a call at 21, suspension at 45, write-off at 90),
and a suspension ends the contract (involuntary churn). Every coefficient is in
``config.billing`` (:class:`~crmlab.world.params.BillingParams`).

Churn is decided later, by the service generator, so :func:`generate_billing` bills
every planned month and :func:`issued_tables` makes the tables of the invoices really
issued once the :class:`~crmlab.world.processes._block.Churn` is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._kernels import (
    categorical,
    choose_weighted,
    days_to_timestamps,
    format_ids,
    frame,
    repeat_index,
    take_strings,
)
from ..config import WorldConfig
from ..labels import COLLECTION_STEPS, PAYMENT_METHODS, TARIFF_NAMES
from ..locales import pools
from ..params import BillingParams
from ._block import Churn, Events
from .population import Population

__all__ = [
    "COLLECTION_STEPS", "INVOICE_STATUSES", "PAYMENT_METHODS", "BillingResult", "Bills",
    "IssuedBilling", "generate_billing", "issued_tables", "make_tariffs",
]

MONTH = 365.25 / 12.0  # days in a billing month (a calendar fact, not a coefficient)
INVOICE_STATUSES = ("paid_on_time", "paid_late", "written_off", "open")


def make_tariffs(config: WorldConfig) -> pd.DataFrame:
    """The operator's postpaid tariffs (world-wide, in the locale's currency).

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> make_tariffs(WorldConfig())["name"].tolist()
    ['Basic', 'Standard', 'Plus', 'Unlimited']
    """
    scale = pools(config.locale).money_scale
    par = config.billing
    return frame({
        "tariff_id": format_ids("TF", np.arange(1, len(TARIFF_NAMES) + 1), 2),
        "name": pd.Series(TARIFF_NAMES, dtype="str"),
        "monthly_fee": par.array("tariff_fee") * scale,
        "included_gb": par.array("tariff_included_gb").copy(),
        "overage_per_gb": par.array("tariff_overage_per_gb") * scale,
    })


@dataclass
class Bills:
    """Every invoice drawn for a block, with its payment and collection steps, as
    arrays by position (internal).

    Churn is decided after billing (service may end a contract early), so the tables
    are made by :meth:`tables` once it is known which invoices were really issued;
    ids keep the numbers they had among all drawn rows.
    """

    pop: Population  # the block's customers (their ids, and the ids of the block's events)
    start: pd.Timestamp
    due_days: float  # from issue to due date
    collection_hour: float  # hour of the day of collection steps
    tariff_id: pd.Series  # the world's tariff ids
    invoice: dict[str, np.ndarray]  # per invoice: cust, tariff, issue, usage, ...
    payment_invoice: np.ndarray  # each payment's invoice (position)
    pay_day: np.ndarray  # per invoice (inf if never paid)
    owed: np.ndarray  # per invoice, after any dispute adjustment
    method: np.ndarray  # payment method per customer
    collection_invoice: np.ndarray  # each collection step's invoice (position)
    collection_step: np.ndarray  # 0 reminder .. 3 write-off
    collection_day: np.ndarray

    def tables(self, keep: np.ndarray
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Invoices, payments, collections and the invoices' truth, for the invoices
        where ``keep`` is true (with their payments and collection steps)."""
        # every array below is new (a gather), so rounding and flooring work in place
        rows = np.flatnonzero(keep)
        inv = {name: values[rows] for name, values in self.invoice.items()}
        cust, issue = inv["cust"], inv["issue"]
        start = self.start
        # ids keep their numbers among every drawn invoice, payment and collection step
        n_invoices = len(self.invoice["cust"])
        inv_ids = self.pop.event_ids("I", n_invoices, rows)
        period_start = issue - MONTH
        issue_date = days_to_timestamps(start, np.floor(issue, out=issue))
        invoices = frame({
            "invoice_id": inv_ids,
            "customer_id": take_strings(self.pop.customer_id, cust),
            "tariff_id": take_strings(self.tariff_id, inv["tariff"]),
            "period_start": days_to_timestamps(start, np.floor(period_start, out=period_start)),
            "issue_date": issue_date,
            # issue days are whole, so adding the seconds is exact
            "due_date": issue_date + np.timedelta64(round(self.due_days * 86_400), "s"),
            "usage_gb": _cents(inv["usage"]),
            "amount": inv["billed"],
            "adjustment": _cents(inv["adjustment"]),
            "disputed": inv["disputed"],
            "status": categorical(inv["status"], INVOICE_STATUSES),
            "collection_step": categorical(inv["steps_reached"], ("none", *COLLECTION_STEPS)),
        })
        truth_invoices = frame({
            "invoice_id": inv_ids,
            "correct_amount": inv["correct"],
            "billing_error": categorical(inv["error"], ("none", "overcharge", "undercharge")),
            "error_amount": _cents(inv["billed"] - inv["correct"]),
        })

        kept = np.flatnonzero(keep[self.payment_invoice])
        pinv = self.payment_invoice[kept]
        payer = self.invoice["cust"][pinv]
        payments = frame({
            "payment_id": self.pop.event_ids("P", len(self.payment_invoice), kept),
            "invoice_id": self.pop.event_ids("I", n_invoices, pinv),
            "customer_id": take_strings(self.pop.customer_id, payer),
            "timestamp": days_to_timestamps(start, self.pay_day[pinv]),
            "amount": _cents(self.owed[pinv]),
            "method": categorical(self.method[payer], PAYMENT_METHODS),
        })

        kept = np.flatnonzero(keep[self.collection_invoice])
        cinv = self.collection_invoice[kept]
        day = np.floor(self.collection_day[kept])
        day += self.collection_hour / 24.0  # collection steps are taken at 09:00
        collections = frame({
            "collection_id": self.pop.event_ids("D", len(self.collection_invoice), kept),
            "invoice_id": self.pop.event_ids("I", n_invoices, cinv),
            "customer_id": take_strings(self.pop.customer_id, self.invoice["cust"][cinv]),
            "timestamp": days_to_timestamps(start, day),
            "step": categorical(self.collection_step[kept], COLLECTION_STEPS),
            "amount_due": _cents(self.owed[cinv]),
        })
        return invoices, payments, collections, truth_invoices


def _cents(values: np.ndarray) -> np.ndarray:
    """``np.round(values, 2)`` of a newly made array, in place (no second array)."""
    return np.round(values, 2, out=values)


@dataclass(frozen=True)
class BillingResult:
    """What :func:`generate_billing` hands on (internal).

    Arrays ending in ``_cust`` are block-local customer indices; ``_day`` are days
    since the start. The tables are in ``bills`` until churn decides which invoices
    exist (see :func:`issued_tables`).
    """

    bills: Bills
    truth_customers: pd.DataFrame
    end_day: np.ndarray  # contract end per customer (NaN if billed to the end)
    involuntary: np.ndarray  # the contract ended by suspension for non-payment
    tariff: np.ndarray  # tariff code per customer
    invoice_cust: np.ndarray  # every billed invoice's customer
    invoice_day: np.ndarray  # and its (whole) issue day
    dispute_cust: np.ndarray
    dispute_day: np.ndarray
    collection_cust: np.ndarray
    collection_day: np.ndarray
    collection_step: np.ndarray  # 0 reminder .. 3 write-off


@dataclass(frozen=True)
class IssuedBilling:
    """The billing tables of the invoices really issued (before churn, and not while a
    won-back customer was away), with their payments and collection steps, and the
    issued invoices as money events (amount: what was billed plus the adjustment)."""

    invoices: pd.DataFrame
    payments: pd.DataFrame
    collections: pd.DataFrame
    truth_invoices: pd.DataFrame
    events: Events


def issued_tables(billing: BillingResult, churn: Churn, signup_day: np.ndarray
                  ) -> IssuedBilling:
    """Cut the billing of :func:`generate_billing` at the churn the service generator
    decided: the invoices issued while each customer was one, their payments and
    collection steps.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> from crmlab.world.pipeline import generate_block, world_tables
    >>> cfg = WorldConfig(n_customers=100, block_size=100)
    >>> out = generate_block(cfg, 1, 0, world_tables(cfg, 1))
    >>> (out.tables["invoices"]["issue_date"] <= cfg.end_ts).all()
    np.True_
    """
    cust, day = billing.invoice_cust, billing.invoice_day
    keep = churn.active_mask(signup_day, cust, day)
    rows = np.flatnonzero(keep)  # one index for the two gathers
    invoices, payments, collections, truth_invoices = billing.bills.tables(keep)
    # what was billed plus the (rounded) adjustment, from the kept invoices' columns
    amount = invoices["amount"].to_numpy() + invoices["adjustment"].to_numpy()
    return IssuedBilling(invoices=invoices, payments=payments, collections=collections,
                         truth_invoices=truth_invoices,
                         events=Events(cust=cust[rows], day=day[rows], amount=amount))


def generate_billing(config: WorldConfig, rng: np.random.Generator, pop: Population,
                     tariffs: pd.DataFrame) -> BillingResult:
    """Bill the block's postpaid customers.

    Returns a :class:`BillingResult` with every planned invoice (in ``bills``, cut at
    churn later by :func:`issued_tables`), each customer's contract end (``end_day``,
    NaN if still billed at the end) and whether a suspension ended it, the customers'
    hidden billing truth, and the dispute and collection events that the service
    generator turns into complaints.
    """
    par = config.billing
    segments = config.segments
    n = pop.n
    s = pop.segment
    post = pop.postpaid
    n_days = config.n_days  # a property that parses the dates: look it up once
    horizon = float(n_days)
    due_days = par.due_days
    offsets = par.array("collection_offsets")

    # --- contract: tariff, usage level, payment behaviour, sBG churn month
    theta = rng.beta(segments.array("sbg_alpha")[s], segments.array("sbg_beta")[s])
    months_until_churn = rng.geometric(np.clip(theta, 1e-12, 1.0))
    usage_mean = segments.array("usage_gb")[s] * rng.lognormal(0.0, par.usage_level_sigma, n)
    fee = tariffs["monthly_fee"].to_numpy()
    incl = tariffs["included_gb"].to_numpy()
    over = tariffs["overage_per_gb"].to_numpy()
    # pick the tariff that would have been cheapest at a noisy guess of one's usage
    guess = usage_mean * rng.lognormal(0.0, par.tariff_guess_sigma, n)
    tariff = _cheapest(guess, fee, incl, over)
    c = par.default_risk_concentration
    default_risk = rng.beta(c, c / np.maximum(segments.array("default_risk")[s], 1e-3) - c)
    delay_mean = segments.array("pay_delay_days")[s] * rng.lognormal(0.0, par.pay_delay_sigma,
                                                                      n)
    method = choose_weighted(rng, par.payment_method_shares, n)

    observed_months = np.floor((n_days - pop.signup_day) / MONTH).astype(np.int64)
    planned = np.where(post, np.minimum(months_until_churn, np.maximum(observed_months, 0)), 0)

    # --- invoices (one per completed billing month). Every random draw is made for
    # every planned invoice, in a fixed order; the values built from the draws are
    # computed only for the invoices really issued (before the contract's end)
    cust, k = repeat_index(planned)
    issue = pop.signup_day[cust] + (k + 1) * MONTH
    draw = _invoice_draws(rng, len(cust), par)

    # involuntary churn: the first never-paid invoice leads to suspension
    never = draw.pop("never") < default_risk[cust] * par.never_pay_factor
    unpaid = np.flatnonzero(never)
    first_suspension = np.full(n, np.inf)
    suspension = COLLECTION_STEPS.index("suspension")
    np.minimum.at(first_suspension, cust[unpaid],
                  (issue[unpaid] + due_days) + offsets[suspension])
    voluntary_end = np.where(post & (months_until_churn <= observed_months),
                             pop.signup_day + months_until_churn * MONTH, np.inf)
    involuntary = first_suspension < voluntary_end
    end_day = np.minimum(voluntary_end, first_suspension)
    end_day = np.where(end_day <= n_days - 1, end_day, np.inf)

    issued = np.flatnonzero((issue <= end_day[cust]) & (issue < horizon))
    # the due days are made after the cut (the same sums, for fewer invoices)
    cust, issue, never = cust[issued], issue[issued], never[issued]
    due = issue + due_days
    draw = {name: values[issued] for name, values in draw.items()}
    t = tariff[cust]

    # --- amounts: usage, the correct bill, billing errors and disputes
    usage = draw["usage"] * (usage_mean[cust] / par.usage_shape)  # Gamma(shape, mean/shape)
    correct = np.round(fee[t] + np.maximum(usage - incl[t], 0.0) * over[t], 2)
    wrong = draw["wrong"] < config.billing_error_rate
    overcharge = wrong & (draw["overcharge"] < par.overcharge_share)
    factor = np.where(overcharge, 1.0 + draw["over_by"],
                      np.where(wrong, 1.0 - draw["under_by"], 1.0))
    billed = np.round(correct * factor, 2)
    dispute_day = issue + draw["dispute_after"]
    disputed = overcharge & (draw["dispute"] < par.dispute_probability) & (dispute_day < horizon)
    adjustment = np.where(disputed, correct - billed, 0.0)
    owed = billed + adjustment

    # --- payment: on time, late, or never (collections)
    late = ~never & (draw["late"] < par.late_base + default_risk[cust])
    typical_delay = delay_mean[cust]
    delay = np.where(late, due_days + draw["late_by"] * (par.late_extra_days + typical_delay),
                     draw["early_by"] * np.minimum(due_days, 2 * typical_delay))
    pay_day = np.where(never, np.inf, issue + delay)
    paid = pay_day < horizon
    steps_reached, inv_rep, step, step_day = _collection_steps(due, pay_day, horizon, offsets)
    status = np.where(paid & (pay_day <= due), 0,
                      np.where(paid, 1, np.where(steps_reached == len(COLLECTION_STEPS), 2, 3)))

    bills = Bills(
        pop=pop, start=config.start_ts, due_days=due_days,
        collection_hour=par.collection_hour,
        tariff_id=tariffs["tariff_id"],
        invoice=dict(cust=cust, tariff=t, issue=issue, usage=usage, billed=billed,
                     adjustment=adjustment, disputed=disputed, status=status,
                     steps_reached=steps_reached, correct=correct,
                     error=np.where(overcharge, 1, np.where(wrong, 2, 0))),
        payment_invoice=np.flatnonzero(paid), pay_day=pay_day, owed=owed, method=method,
        collection_invoice=inv_rep, collection_step=step, collection_day=step_day,
    )

    d = np.flatnonzero(disputed)
    truth_customers = frame({
        "monthly_churn_probability": np.where(post, theta, np.nan),
        "months_until_churn": np.where(post, np.minimum(months_until_churn, 10**9), 0),
        "default_risk": np.where(post, default_risk, np.nan),
    })
    return BillingResult(
        bills=bills, truth_customers=truth_customers,
        end_day=np.where(np.isfinite(end_day), end_day, np.nan),
        involuntary=post & involuntary & np.isfinite(end_day),
        tariff=tariff, invoice_cust=cust, invoice_day=np.floor(issue),
        dispute_cust=cust[d], dispute_day=dispute_day[d],
        collection_cust=cust[inv_rep], collection_day=step_day,
        collection_step=step,
    )


def _invoice_draws(rng: np.random.Generator, m: int, par: BillingParams
                   ) -> dict[str, np.ndarray]:
    """The random numbers of ``m`` invoices, drawn in the order the world's streams fix.

    Gamma variates are drawn standard and scaled later by the caller (numpy's
    ``gamma(shape, scale)`` is exactly ``scale * standard_gamma(shape)``, from the same
    draws), so the scales need only be built for the invoices that are kept.
    """
    draw = {}
    draw["usage"] = rng.standard_gamma(par.usage_shape, m)
    draw["wrong"] = rng.random(m)
    draw["overcharge"] = rng.random(m)
    draw["over_by"] = rng.uniform(*par.overcharge_by, m)
    draw["under_by"] = rng.uniform(*par.undercharge_by, m)
    draw["dispute"] = rng.random(m)
    draw["dispute_after"] = rng.uniform(*par.dispute_delay_days, m)
    draw["never"] = rng.random(m)
    draw["late"] = rng.random(m)
    draw["late_by"] = rng.standard_gamma(par.late_shape, m)
    draw["early_by"] = rng.uniform(0.0, 1.0, m)
    return draw


def _cheapest(usage: np.ndarray, fee: np.ndarray, incl: np.ndarray, over: np.ndarray
              ) -> np.ndarray:
    """The tariff with the lowest bill at each usage (the first on ties), as
    ``argmin`` over a customer-by-tariff cost matrix would find it, one tariff at a
    time."""
    best = fee[0] + np.maximum(usage - incl[0], 0.0) * over[0]
    choice = np.zeros(len(usage), dtype=np.intp)
    for j in range(1, len(fee)):
        cost = fee[j] + np.maximum(usage - incl[j], 0.0) * over[j]
        choice[cost < best] = j
        np.minimum(best, cost, out=best)
    return choice


def _collection_steps(due: np.ndarray, pay_day: np.ndarray, horizon: float,
                      offsets: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The collection steps that unpaid invoices reach before payment and the horizon.

    Returns the number of steps per invoice, then each step taken: its invoice, its
    step code (0 reminder .. 3 write-off) and its day, ordered by invoice, then step.
    ``offsets`` are the steps' days after the due date. Step days ascend with the step,
    so an invoice reaches steps ``0..k-1`` and the steps follow from the counts,
    without an invoice-by-step matrix.
    """
    limit = np.minimum(pay_day, horizon)  # step < pay_day and step < horizon
    # only invoices that reach the first step can reach the others (a small share)
    unpaid = np.flatnonzero(due + offsets[0] < limit)
    due_unpaid, limit = due[unpaid], limit[unpaid]
    count = np.ones(len(unpaid), dtype=np.int64)
    for offset in offsets[1:]:
        count += due_unpaid + offset < limit
    steps_reached = np.zeros(len(due), dtype=np.int16)  # category codes
    steps_reached[unpaid] = count
    owner, step = repeat_index(count)
    invoice = unpaid[owner]
    return steps_reached, invoice, step, due[invoice] + offsets[step]
