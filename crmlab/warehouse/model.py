"""The star schema: which tables a warehouse holds, their keys and their documentation.

:func:`star_schema` turns a :class:`~crmlab.World` into warehouse tables — plain
pandas DataFrames with their primary key, foreign keys, indexes and comments — that
every backend (DuckDB, PostgreSQL) loads the same way. Dimensions describe *who,
when, where, how and what*; facts record *events*, each pointing at its dimensions.

::

                 dim_date ──────────┐
                    │               │
    dim_tariff ── dim_customer ── fact_transaction ── dim_channel
        │            │  │  └──── fact_complaint ─── dim_province
   fact_invoice ─────┘  ├──────── fact_interaction
        │               └──────── fact_contact ──── dim_campaign
   fact_payment

Column comments reuse the descriptions of :mod:`crmlab.world.schema`. The hidden truth
goes into a separate ``truth`` schema only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..world.schema import DATE_FIELDS, FOREIGN_KEYS, PRIMARY_KEYS, TABLE_DOCS

__all__ = ["DIMENSIONS", "FACTS", "ForeignKey", "Table", "TRUTH_SCHEMA", "WAREHOUSE_TABLES",
           "star_schema"]

DIMENSIONS: tuple[str, ...] = ("dim_date", "dim_province", "dim_channel", "dim_tariff",
                               "dim_campaign", "dim_customer")
FACTS: tuple[str, ...] = ("fact_transaction", "fact_invoice", "fact_payment", "fact_complaint",
                          "fact_contact", "fact_interaction")
#: Every warehouse table in load order (a table only refers to tables before it).
WAREHOUSE_TABLES: tuple[str, ...] = DIMENSIONS + FACTS
#: The schema that holds the hidden truth (built only with ``with_truth=True``).
TRUTH_SCHEMA = "truth"

#: Which world table each warehouse table comes from (for keys and documentation).
_SOURCE = {"dim_customer": "customers", "dim_campaign": "campaigns", "dim_tariff": "tariffs",
           "fact_transaction": "transactions", "fact_invoice": "invoices",
           "fact_payment": "payments", "fact_complaint": "complaints",
           "fact_contact": "contacts", "fact_interaction": "interactions"}
_TARGET = {source: name for name, source in _SOURCE.items()}

#: Kind of each channel that occurs in the world (unknown ones become "other").
_CHANNEL_TYPES = {
    "app": "digital", "web": "digital", "sms": "digital", "email": "digital",
    "social": "digital", "store": "personal", "call_centre": "personal",
    "phone_outbound": "personal", "retailer": "intermediary", "partner": "intermediary",
    "referral": "intermediary",
}

_DATE_KEY_DOC = "Day of the event as YYYYMMDD; joins dim_date."


@dataclass(frozen=True)
class ForeignKey:
    """``column`` of a table refers to ``ref_table.ref_column``, a table of the
    warehouse's own schema (truth tables refer to observable tables too)."""

    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    """One warehouse table: its rows and everything the database should know about it.

    Attributes
    ----------
    name : str
        Table name, e.g. ``"dim_customer"``.
    schema : str or None
        ``None`` for the warehouse's own schema, ``"truth"`` for the hidden truth.
    frame : DataFrame
        The rows, columns in table order.
    primary_key : tuple of str
    foreign_keys : tuple of ForeignKey
    indexes : tuple of str
        Columns that get an index of their own (join and filter columns of facts).
    comment : str
        Table description.
    column_comments : dict
        Column descriptions.
    date_columns : frozenset of str
        Datetime columns stored as SQL ``DATE`` (the others as ``TIMESTAMP``).
    """

    name: str
    schema: str | None
    frame: pd.DataFrame
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[str, ...] = ()
    comment: str = ""
    column_comments: dict[str, str] = field(default_factory=dict)
    date_columns: frozenset[str] = frozenset()

    @property
    def qualified_name(self) -> str:
        """``schema.name`` for truth tables, ``name`` otherwise."""
        return f"{self.schema}.{self.name}" if self.schema else self.name


def _date_key(values: pd.Series) -> pd.Series:
    """YYYYMMDD integer of each timestamp (vectorised)."""
    t = pd.to_datetime(values)
    return (t.dt.year * 10_000 + t.dt.month * 100 + t.dt.day).astype("int32")


def _docs(source: str) -> tuple[str, dict[str, str]]:
    description, columns = TABLE_DOCS[source]
    return description, dict(columns)


def _dates(source: str, frame: pd.DataFrame) -> frozenset[str]:
    return frozenset(c for c in frame.columns if f"{source}.{c}" in DATE_FIELDS)


def _fact(world, name: str, time_col: str, extra_fks: tuple[ForeignKey, ...],
          indexes: tuple[str, ...], time_doc: str | None = None) -> Table:
    source = _SOURCE[name]
    frame = getattr(world, source).copy()
    key_col = "date_key" if time_col != "issue_date" else "issue_date_key"
    pos = frame.columns.get_loc(time_col) + 1
    frame.insert(pos, key_col, _date_key(frame[time_col]))
    description, docs = _docs(source)
    docs[key_col] = _DATE_KEY_DOC if time_doc is None else time_doc
    fks = [ForeignKey(key_col, "dim_date", "date_key")]
    for (table, column), (ref, ref_col) in FOREIGN_KEYS.items():
        if table == source:
            fks.append(ForeignKey(column, _TARGET[ref], ref_col))
    fks.extend(extra_fks)
    return Table(name, None, frame, (PRIMARY_KEYS[source],), tuple(fks), indexes,
                 description, docs, _dates(source, frame))


def _dim_date(world, facts: list[Table], customers: pd.DataFrame) -> Table:
    keys = [t.frame[c] for t in facts for c in ("date_key", "issue_date_key")
            if c in t.frame and len(t.frame)]
    keys.append(customers["signup_date_key"])
    low = min(int(k.min()) for k in keys if len(k))
    high = max(int(k.max()) for k in keys if len(k))
    first = min(pd.Timestamp(str(low)), pd.Timestamp(world.config.start))
    last = max(pd.Timestamp(str(high)), pd.Timestamp(world.config.end))
    days = pd.Series(pd.date_range(first, last, freq="D").astype("datetime64[s]"))
    month = days.dt.month
    season = np.select([month.isin([12, 1, 2]), month.isin([3, 4, 5]), month.isin([6, 7, 8])],
                       ["winter", "spring", "summer"], "autumn")
    frame = pd.DataFrame({
        "date_key": _date_key(days),
        "date": days,
        "year": days.dt.year.astype("int16"),
        "quarter": days.dt.quarter.astype("int8"),
        "month": month.astype("int8"),
        "month_name": days.dt.month_name(),
        "year_month": days.dt.strftime("%Y-%m"),
        "day_of_month": days.dt.day.astype("int8"),
        "day_of_week": (days.dt.day_of_week + 1).astype("int8"),
        "day_name": days.dt.day_name(),
        "iso_week": days.dt.isocalendar().week.astype("int8").to_numpy(),
        "is_weekend": days.dt.day_of_week.to_numpy() >= 5,
        "season": season,
    })
    docs = {
        "date_key": "Day as YYYYMMDD (the key the facts use).",
        "date": "The calendar day.",
        "year": "Calendar year.",
        "quarter": "Quarter of the year, 1-4.",
        "month": "Month, 1-12.",
        "month_name": "Month name in English.",
        "year_month": "Year and month as YYYY-MM (handy for monthly groups).",
        "day_of_month": "Day of the month, 1-31.",
        "day_of_week": "ISO day of the week, 1 = Monday ... 7 = Sunday.",
        "day_name": "Day name in English.",
        "iso_week": "ISO week number, 1-53.",
        "is_weekend": "Saturday or Sunday.",
        "season": "Meteorological season (northern hemisphere): winter = Dec-Feb, "
                  "spring = Mar-May, summer = Jun-Aug, autumn = Sep-Nov.",
    }
    return Table("dim_date", None, frame, ("date_key",), (), (),
                 "One row per calendar day of the world's history, with its calendar "
                 "attributes.", docs, frozenset({"date"}))


def _dim_province(world) -> Table:
    from ..world.locales import pools

    known = pools(world.config.locale).provinces
    frame = pd.DataFrame({
        "province": [p.name for p in known],
        "population_millions": [p.weight for p in known],
        "snow_risk": [p.snow for p in known],
        "flood_risk": [p.flood for p in known],
        "main_city": [p.cities[0] for p in known],
    })
    seen = {str(v) for c in (world.customers["province"], world.complaints["province"])
            for v in c.dropna().unique()}
    extra = sorted(seen - set(frame["province"]))
    if extra:  # a world made with other pools: keep every province it uses
        frame = pd.concat([frame, pd.DataFrame({"province": extra})], ignore_index=True)
    docs = {
        "province": "Province (state) name.",
        "population_millions": "Approximate population in millions (weights where "
                               "customers live).",
        "snow_risk": "0-1 risk of winter snow storms (repair delays in December-February).",
        "flood_risk": "0-1 risk of spring floods (March-May).",
        "main_city": "Largest city.",
    }
    return Table("dim_province", None, frame, ("province",), (), (),
                 "Provinces (states) where customers live, with their climate risks.", docs)


def _dim_channel(world) -> Table:
    columns = [world.transactions["channel"], world.complaints["channel"],
               world.interactions["channel"], world.campaigns["channel"],
               world.contacts["channel"], world.customers["acquisition_channel"]]
    names = sorted({str(v) for c in columns for v in c.dropna().unique()})  # few values
    frame = pd.DataFrame({"channel": names})
    frame["channel_type"] = frame["channel"].map(_CHANNEL_TYPES).fillna("other")
    docs = {"channel": "Channel name as the facts use it.",
            "channel_type": "digital (app, web, sms, e-mail, social), personal (store, "
                            "call centre, outbound calls) or intermediary (retailers, "
                            "partners, referrals)."}
    return Table("dim_channel", None, frame, ("channel",), (), (),
                 "Every channel through which customers buy, complain, are contacted or "
                 "were acquired.", docs)


def _dim(world, name: str, fks: tuple[ForeignKey, ...] = ()) -> Table:
    source = _SOURCE[name]
    frame = getattr(world, source).copy()
    description, docs = _docs(source)
    return Table(name, None, frame, (PRIMARY_KEYS[source],), fks, (), description, docs,
                 _dates(source, frame))


def _truth_tables(world) -> list[Table]:
    tables = []
    keys = {"contacts": ("campaign_id", "customer_id"), "silo_mapping": ("silo", "record_key"),
            "params": ("segment",)}
    for name, frame in world.truth.tables.items():
        if name == "params":
            frame = frame.rename_axis("segment").reset_index() if "segment" not in frame \
                else frame
        source = f"truth/{name}"
        key = (PRIMARY_KEYS[source],) if source in PRIMARY_KEYS else keys[name]
        fks = tuple(ForeignKey(column, _TARGET[ref], ref_col)
                    for (table, column), (ref, ref_col) in FOREIGN_KEYS.items()
                    if table == source)
        description, docs = _docs(source)
        tables.append(Table(name, TRUTH_SCHEMA, frame.reset_index(drop=True), key, fks, (),
                            description, docs))
    return tables


def star_schema(world, *, with_truth: bool = False) -> list[Table]:
    """The warehouse tables of a world, in load order (dimensions, facts, then truth).

    Parameters
    ----------
    world : World
    with_truth : bool, default=False
        Also return the hidden truth tables (schema ``truth``).

    Returns
    -------
    list of Table

    Examples
    --------
    >>> import crmlab as crm
    >>> tables = star_schema(crm.make_world("tiny", seed=1))
    >>> [t.name for t in tables][:3]
    ['dim_date', 'dim_province', 'dim_channel']
    >>> fact = tables[-1]
    >>> fact.name, fact.primary_key, [fk.ref_table for fk in fact.foreign_keys]
    ('fact_interaction', ('interaction_id',), ['dim_date', 'dim_customer', 'dim_channel'])
    """
    channel = ForeignKey("channel", "dim_channel", "channel")
    province = ForeignKey("province", "dim_province", "province")
    facts = [
        _fact(world, "fact_transaction", "timestamp", (channel,), ("customer_id", "date_key")),
        _fact(world, "fact_invoice", "issue_date", (), ("customer_id", "issue_date_key"),
              "Day the invoice was issued as YYYYMMDD; joins dim_date."),
        _fact(world, "fact_payment", "timestamp", (), ("customer_id", "invoice_id")),
        _fact(world, "fact_complaint", "opened_at", (channel, province),
              ("customer_id", "date_key")),
        _fact(world, "fact_contact", "timestamp", (channel,), ("customer_id", "campaign_id")),
        _fact(world, "fact_interaction", "timestamp", (channel,), ("customer_id", "date_key")),
    ]
    customer = _dim(world, "dim_customer", (
        ForeignKey("province", "dim_province", "province"),
        ForeignKey("acquisition_channel", "dim_channel", "channel"),
        ForeignKey("signup_date_key", "dim_date", "date_key"),
        ForeignKey("tariff_id", "dim_tariff", "tariff_id")))
    frame = customer.frame
    frame.insert(frame.columns.get_loc("signup_date") + 1, "signup_date_key",
                 _date_key(frame["signup_date"]))
    customer.column_comments["signup_date_key"] = "Sign-up day as YYYYMMDD; joins dim_date."
    tables = [
        _dim_date(world, facts, frame),
        _dim_province(world),
        _dim_channel(world),
        _dim(world, "dim_tariff"),
        _dim(world, "dim_campaign", (channel,)),
        customer,
        *facts,
    ]
    if with_truth:
        tables.extend(_truth_tables(world))
    return tables
