"""Interactions: every touchpoint of a customer, whatever its purpose or channel.

This is the "one view of every interaction" that the evolution article (seed 004)
describes as the turning point of CRM: sign-ups and store visits recorded by the sales
system, complaints, escalations and executive calls by the service system, disputes
and collection steps by billing, campaign contacts by marketing, churn and win-back.
Each row names its purpose, channel, source system and the record it refers to.
Routine app and web top-ups and payments are not touchpoints and stay in their own
tables. When follow-ups happen after their complaint is ``config.interactions``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .._kernels import (
    arrow_strings,
    categorical,
    days_to_timestamps,
    fixed_strings,
    fixed_width,
    frame,
    sort_events,
    string_array,
    take_strings,
)
from ..config import WorldConfig
from ._block import Churn, ComplaintEvents, Events
from .population import Population

__all__ = ["INTERACTION_CHANNELS", "PURPOSES", "SOURCE_SYSTEMS", "build_interactions"]

PURPOSES = ("signup", "store_visit", "complaint", "escalation", "executive_call",
            "billing_dispute", "collections", "campaign_contact", "churn", "winback")
INTERACTION_CHANNELS = ("store", "web", "call_centre", "partner", "sms", "email", "social",
                        "phone_outbound")
SOURCE_SYSTEMS = ("sales", "service", "billing", "marketing", "web")

_ACQ_TO_CHANNEL = np.array([0, 1, 2, 3, 1])  # store, web, call_centre, partner, referral->web
_CMP_TO_CHANNEL = np.array([2, 4, 1, 0, 6])  # call_centre, sms, web, store, social
_CAMPAIGN_TO_CHANNEL = {"call_centre": 7, "sms": 4, "email": 5}


def _days(stamps: pd.Series, start: pd.Timestamp, rows: np.ndarray) -> np.ndarray:
    """Days since ``start`` of the chosen rows of a timestamp column (NaT gives NaN).

    Whole seconds as float over 86,400, the same bits as dividing the timedeltas by one
    second and then by 86,400.
    """
    stamps = np.take(stamps.to_numpy().astype("datetime64[s]", copy=False), rows)
    seconds = stamps.view(np.int64) - np.datetime64(start, "s").astype(np.int64)
    days = seconds.astype(float) / 86_400.0
    missing = np.isnat(stamps)
    if missing.any():
        days[missing] = np.nan
    return days


def _customer_index(pop: Population, ids: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Block-local customer index of the chosen rows of a ``str`` id column.

    ``pop.index_of(ids[rows])``, but fixed-width ids (``C0000042``) are read straight
    from the Arrow buffer, a digit column at a time, instead of taking the strings and
    casting them to numbers. Ids of mixed lengths, or chosen ids with anything but
    digits after the prefix, go to ``pop.index_of``.
    """
    items = fixed_width(arrow_strings(ids)) if len(rows) else None
    if items is None or not 2 <= items.dtype.itemsize <= 19:
        return pop.index_of(take_strings(ids, rows))
    width = items.dtype.itemsize
    chosen = np.take(items, rows).view(np.uint8).reshape(-1, width)
    digits = chosen[:, 1:] - np.uint8(ord("0"))  # non-digits wrap around to > 9
    if (digits > 9).any():
        return pop.index_of(take_strings(ids, rows))
    number = np.zeros(len(rows), np.int64)
    for k in range(width - 1):  # one pass per digit column, not per id
        number = number * 10 + digits[:, k]
    return number - pop.number[0]


def _map_codes(values: pd.Series, mapping: dict[str, int], default: int) -> np.ndarray:
    """Map a categorical column to interaction channel codes without a row loop."""
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    lookup = np.array([mapping.get(c, default) for c in cat.cat.categories], dtype=np.int64)
    codes = cat.cat.codes.to_numpy()
    return lookup[codes] if len(lookup) else np.full(len(values), default)


def _rows_with(table: pd.DataFrame, column: str, value: str) -> np.ndarray:
    """Positions of the rows whose categorical ``column`` equals ``value``."""
    col = table[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        categories = col.cat.categories
        if value not in categories:
            return np.empty(0, np.int64)
        return np.flatnonzero(col.cat.codes.to_numpy() == categories.get_loc(value))
    return np.flatnonzero((col == value).to_numpy())


class _Parts:
    """The touchpoints gathered so far, one part per purpose, with their reference ids
    kept as positions into the concatenation of the referenced rows of the source
    tables' id columns (one take at the end instead of one per part)."""

    def __init__(self):
        self.parts: list[tuple] = []  # (cust, day, purpose, channel, system, ref position)
        self.sources: list[np.ndarray | pa.Array] = []  # fixed-width items, or Arrow
        self.size = 0  # ids in the sources so far

    def source(self, ids: pd.Series, rows: np.ndarray | None = None) -> np.ndarray:
        """Add the ids of the chosen rows (default all) of an id column; return their
        positions among all sources."""
        array = arrow_strings(ids)
        items = fixed_width(array)
        if items is None:
            chosen = array if rows is None else array.take(pa.array(rows))
        else:
            chosen = items if rows is None else np.take(items, rows)
        self.sources.append(chosen)
        self.size += len(chosen)
        return np.arange(self.size - len(chosen), self.size)

    def add(self, cust, day, purpose, channel, system, ref=None):
        cust = np.asarray(cust, dtype=np.int64)
        channel = np.broadcast_to(np.asarray(channel, dtype=np.int16), len(cust))
        self.parts.append((cust, np.asarray(day, float), PURPOSES.index(purpose), channel,
                           SOURCE_SYSTEMS.index(system), ref))

    def arrays(self):
        """cust, day, purpose, channel, system and ref positions (``self.size`` for
        parts without a reference)."""
        lengths = [len(p[0]) for p in self.parts]
        refs = [np.full(len(p[0]), self.size) if p[5] is None else p[5] for p in self.parts]
        return (np.concatenate([p[0] for p in self.parts]),
                np.concatenate([p[1] for p in self.parts]),
                np.repeat(np.array([p[2] for p in self.parts], np.int16), lengths),
                np.concatenate([p[3] for p in self.parts]),
                np.repeat(np.array([p[4] for p in self.parts], np.int16), lengths),
                np.concatenate(refs))

    def references(self, ref: np.ndarray) -> pa.Array:
        """The reference ids at positions ``ref`` (null at ``self.size``)."""
        items = self.sources
        if self.size and all(isinstance(x, np.ndarray) and x.dtype == items[0].dtype
                             for x in items):
            # every row takes an id (the null rows the last, as filler: Arrow lets a
            # null slot span any bytes), then the nulls are masked by a validity bitmap;
            # no masked gather of the references, no offsets summed over a mask
            valid = ref < self.size
            full = fixed_strings(np.take(np.concatenate(items), ref, mode="clip"))
            if valid.all():
                return full
            bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
            _, offsets, chars = full.buffers()
            return pa.LargeStringArray.from_buffers(
                len(ref), offsets, chars, bitmap, null_count=len(ref) - int(valid.sum()))
        arrays = [x if isinstance(x, pa.Array) else fixed_strings(x) for x in items]
        everything = pa.concat_arrays([*arrays, pa.nulls(1, pa.large_string())])
        return everything.take(pa.array(ref))


def build_interactions(config: WorldConfig, pop: Population, churn: Churn, *,
                       transactions: pd.DataFrame, complaints: pd.DataFrame,
                       collections: pd.DataFrame, contacts: pd.DataFrame,
                       purchase_events: Events | None = None,
                       complaint_events: ComplaintEvents | None = None) -> pd.DataFrame:
    """Gather the block's touchpoints into one table sorted by customer and time.

    Reads the block's final tables (after churn has cut them) and the churn and
    win-back days in ``churn``. ``purchase_events`` and ``complaint_events``, if given
    (as :func:`~crmlab.world.pipeline.generate_block` does), must describe the rows of
    ``transactions`` and ``complaints``: they spare parsing the customer ids.
    Columns: interaction_id, customer_id, timestamp, purpose, channel, source_system,
    reference_id (the related record's id; empty for sign-up, churn and win-back).
    """
    timing = config.interactions
    start, horizon = config.start_ts, float(config.n_days)
    parts = _Parts()

    parts.add(np.arange(pop.n), pop.signup_day, "signup", _ACQ_TO_CHANNEL[pop.channel], "sales")
    rows = _rows_with(transactions, "channel", "store")
    if purchase_events is not None and len(purchase_events.cust) == len(transactions):
        # the block's own purchases, as recorded
        cust, day = np.take(purchase_events.cust, rows), np.take(purchase_events.day, rows)
    else:
        cust = _customer_index(pop, transactions["customer_id"], rows)
        day = _days(transactions["timestamp"], start, rows)
    parts.add(cust, day, "store_visit", 0, "sales",
              parts.source(transactions["transaction_id"], rows))
    every = np.arange(len(complaints))
    cust = (complaint_events.cust
            if complaint_events is not None and len(complaint_events.cust) == len(complaints)
            else _customer_index(pop, complaints["customer_id"], every))
    day = _days(complaints["opened_at"], start, every)
    chan = _CMP_TO_CHANNEL[complaints["channel"].cat.codes.to_numpy()]
    ref, level = parts.source(complaints["complaint_id"]), complaints["escalation_level"].to_numpy()
    parts.add(cust, day, "complaint", chan, "service", ref)
    esc, top = np.flatnonzero(level >= 1), np.flatnonzero(level == 3)
    parts.add(cust[esc], day[esc] + timing.escalation_delay_days, "escalation", 2, "service",
              ref[esc])
    parts.add(cust[top], day[top] + timing.executive_call_delay_days, "executive_call", 7,
              "service", ref[top])
    dis = _rows_with(complaints, "category", "billing_error")
    parts.add(cust[dis], day[dis] + timing.dispute_delay_days, "billing_dispute", chan[dis],
              "billing", ref[dis])
    every = np.arange(len(collections))
    parts.add(_customer_index(pop, collections["customer_id"], every),
              _days(collections["timestamp"], start, every), "collections", 7, "billing",
              parts.source(collections["collection_id"]))
    if len(contacts):
        rows = _rows_with(contacts, "group", "treatment")
        parts.add(_customer_index(pop, contacts["customer_id"], rows),
                  _days(contacts["timestamp"], start, rows), "campaign_contact",
                  _map_codes(contacts["channel"], _CAMPAIGN_TO_CHANNEL, 7)[rows], "marketing",
                  parts.source(contacts["contact_id"], rows))
    first = np.where(np.isnan(churn.first_churn_day), churn.churn_day, churn.first_churn_day)
    left = np.flatnonzero(pop.postpaid & ~np.isnan(first))
    parts.add(left, first[left], "churn", 2, "sales")
    back = np.flatnonzero(~np.isnan(churn.winback_day))
    parts.add(back, churn.winback_day[back], "winback", 7, "sales")

    cust, day, purpose, channel, system, ref = parts.arrays()
    inside = np.flatnonzero(day < horizon)  # follow-ups of the last day's cases leave
    rows = inside[sort_events(cust[inside], day[inside], then=purpose[inside])]
    return frame({
        "interaction_id": pop.event_ids("N", len(rows)),
        "customer_id": take_strings(pop.customer_id, cust[rows]),
        "timestamp": days_to_timestamps(start, day[rows]),
        "purpose": categorical(purpose[rows], PURPOSES),
        "channel": categorical(channel[rows], INTERACTION_CHANNELS),
        "source_system": categorical(system[rows], SOURCE_SYSTEMS),
        "reference_id": string_array(parts.references(ref[rows])),
    })
