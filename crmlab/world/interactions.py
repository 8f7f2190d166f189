"""Interactions: every touchpoint of a customer, whatever its purpose or channel.

This is the "one view of every interaction" that the evolution article (seed 004)
describes as the turning point of CRM: sign-ups and store visits recorded by the sales
system, complaints, escalations and executive calls by the service system, disputes
and collection steps by billing, campaign contacts by marketing, churn and win-back.
Each row names its purpose, channel, source system and the record it refers to.
Routine app and web top-ups and payments are not touchpoints and stay in their own
tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ._block import BlockData
from ._common import (
    arrow_strings,
    categorical,
    days_to_timestamps,
    event_ids,
    sort_events,
    strings,
    take_strings,
)

__all__ = ["INTERACTION_CHANNELS", "PURPOSES", "SOURCE_SYSTEMS", "build_interactions"]

PURPOSES = ("signup", "store_visit", "complaint", "escalation", "executive_call",
            "billing_dispute", "collections", "campaign_contact", "churn", "winback")
INTERACTION_CHANNELS = ("store", "web", "call_centre", "partner", "sms", "email", "social",
                        "phone_outbound")
SOURCE_SYSTEMS = ("sales", "service", "billing", "marketing", "web")

_ACQ_TO_CHANNEL = np.array([0, 1, 2, 3, 1])  # store, web, call_centre, partner, referral->web
_CMP_TO_CHANNEL = np.array([2, 4, 1, 0, 6])  # call_centre, sms, web, store, social
_CAMPAIGN_TO_CHANNEL = {"call_centre": 7, "sms": 4, "email": 5}


def _days(stamps: pd.Series, start: pd.Timestamp) -> np.ndarray:
    return ((stamps.to_numpy().astype("datetime64[s]") - np.datetime64(start, "s"))
            / np.timedelta64(1, "s") / 86_400.0)


def _map_codes(values: pd.Series, mapping: dict[str, int], default: int) -> np.ndarray:
    """Map a categorical column to interaction channel codes without a row loop."""
    cat = values.astype("category")
    lookup = np.array([mapping.get(c, default) for c in cat.cat.categories], dtype=np.int64)
    codes = cat.cat.codes.to_numpy()
    return lookup[codes] if len(lookup) else np.full(len(values), default)


def build_interactions(data: BlockData, *, start: pd.Timestamp, horizon: float,
                       transactions: pd.DataFrame,
                       complaints: pd.DataFrame, collections: pd.DataFrame,
                       contacts: pd.DataFrame) -> pd.DataFrame:
    """Gather the block's touchpoints into one table sorted by customer and time.

    Reads the block's final tables (after churn has cut them) and the churn and
    win-back days in ``data``. Columns: interaction_id, customer_id, timestamp, purpose,
    channel, source_system, reference_id (the related record's id; empty for sign-up,
    churn and win-back).
    """
    pop = data.pop
    parts: list[tuple] = []  # (cust idx, day, purpose, channel, system, reference ids)

    def add(cust, day, purpose, channel, system, ref=None):
        cust = np.asarray(cust, dtype=np.int64)
        if ref is None:
            ref = pa.nulls(len(cust), pa.large_string())
        elif isinstance(ref, pd.Series):
            ref = arrow_strings(ref)
        parts.append((cust, np.asarray(day, float), np.full(len(cust), PURPOSES.index(purpose)),
                      np.broadcast_to(channel, len(cust)).astype(np.int64),
                      np.full(len(cust), SOURCE_SYSTEMS.index(system)), ref))

    def rows(table: pd.DataFrame, mask=None):
        t = table if mask is None else table[mask]
        return pop.index_of(t["customer_id"]), t

    add(np.arange(pop.n), pop.signup_day, "signup", _ACQ_TO_CHANNEL[pop.channel], "sales")
    cust, t = rows(transactions, (transactions["channel"] == "store").to_numpy())
    add(cust, _days(t["timestamp"], start), "store_visit", 0, "sales", t["transaction_id"])
    cust, t = rows(complaints)
    day, chan = _days(t["opened_at"], start), _CMP_TO_CHANNEL[t["channel"].cat.codes.to_numpy()]
    ref, level = arrow_strings(t["complaint_id"]), t["escalation_level"].to_numpy()
    add(cust, day, "complaint", chan, "service", ref)
    esc, top = level >= 1, level == 3
    add(cust[esc], day[esc] + 0.5, "escalation", 2, "service", ref.filter(pa.array(esc)))
    add(cust[top], day[top] + 1.0, "executive_call", 7, "service", ref.filter(pa.array(top)))
    dis = (t["category"] == "billing_error").to_numpy()
    add(cust[dis], day[dis] + 0.01, "billing_dispute", chan[dis], "billing",
        ref.filter(pa.array(dis)))
    cust, t = rows(collections)
    add(cust, _days(t["timestamp"], start), "collections", 7, "billing", t["collection_id"])
    if len(contacts):
        cust, t = rows(contacts, (contacts["group"] == "treatment").to_numpy())
        add(cust, _days(t["timestamp"], start), "campaign_contact",
            _map_codes(t["channel"], _CAMPAIGN_TO_CHANNEL, 7), "marketing", t["contact_id"])
    first = np.where(np.isnan(data.first_churn_day), data.churn_day, data.first_churn_day)
    left = np.flatnonzero(pop.postpaid & ~np.isnan(first))
    add(left, first[left], "churn", 2, "sales")
    back = np.flatnonzero(~np.isnan(data.winback_day))
    add(back, data.winback_day[back], "winback", 7, "sales")

    cust = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    purpose = np.concatenate([p[2] for p in parts])
    channel = np.concatenate([p[3] for p in parts])
    system = np.concatenate([p[4] for p in parts])
    ref = pa.concat_arrays([p[5] for p in parts])
    inside = np.flatnonzero(day < horizon)  # follow-ups of the last day's cases leave
    cust, day, purpose, channel = cust[inside], day[inside], purpose[inside], channel[inside]
    system = system[inside]
    order = sort_events(cust, day, then=purpose)
    return pd.DataFrame({
        "interaction_id": event_ids("N", pop.block, len(cust)),
        "customer_id": take_strings(pop.customer_id, cust[order]),
        "timestamp": days_to_timestamps(start, day[order]),
        "purpose": categorical(purpose[order], PURPOSES),
        "channel": categorical(channel[order], INTERACTION_CHANNELS),
        "source_system": categorical(system[order], SOURCE_SYSTEMS),
        "reference_id": strings(ref.take(pa.array(inside[order]))),
    })
