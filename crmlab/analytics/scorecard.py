"""A scorecard of the six principles of CRM, measured on a company's own tables.

The six-principles article (seed 002) names customer centricity, customer
understanding, active communication, quick response, continuous improvement and
internal alignment. Principles are easy to agree with and hard to check; this module
turns each into two or three numbers that a firm could compute every quarter from data
it already holds:

=======================  ==============================================================
principle                indicators (``better``: whether higher or lower is good)
=======================  ==============================================================
customer centricity      ``top_decile_revenue_share`` (information: how much the best
                         tenth of customers matters), ``value_targeted_contact_share``
                         (higher: contacts from value/risk-targeted campaigns rather
                         than call lists)
customer understanding   ``feedback_coverage`` (higher: active customers who complained
                         or posted, so the firm heard them), ``repeat_customer_share``
                         (higher: customers seen more than once, whose behaviour can be
                         learned)
active communication     ``contact_rate`` (higher: active customers the firm reached out
                         to), ``digital_complaint_share`` (higher: complaints arriving by
                         sms, web or social — the channels the telecom article asks for)
quick response           ``median_first_response_hours`` (lower),
                         ``escalation_rate`` (lower), ``unresolved_share`` (lower)
continuous improvement   ``satisfaction_change`` (higher: mean complaint satisfaction
                         minus that of the same window a year earlier),
                         ``complaints_per_100_change`` (lower)
internal alignment       ``collections_during_open_complaint`` (lower: dunning steps
                         taken while the customer's complaint was still open — billing
                         not knowing what service knows), ``disputed_bill_share``
                         (lower), ``silo_consistency`` (higher: customers whose records
                         in the separate sales, service, billing and web systems agree
                         with the master: one record per system, same name and phone)
=======================  ==============================================================

Two indicators pull against each other
--------------------------------------
``digital_complaint_share`` (active communication) rewards complaints moving to SMS,
the web and social media; ``median_first_response_hours`` (quick response) counts the
hours customers wait, whatever the channel. Where the digital channels answer more
slowly than the call centre (in the crmlab world a web complaint's base response time
is six times a phone call's), the same shift of the channel mix raises the first and
worsens the second although no channel became slower. The scorecard keeps both, since
customers do wait longer; read them together, and before blaming capacity split a
change of the response time into the part within the channels and the part due to the
channel mix with :func:`channel_mix_decomposition`.

Everything is computed for a window ``[start, end)`` and optionally for a subset of
customers (a segment). "Active" customers are those with a purchase or an invoice in
the window. An indicator without data in the window (e.g. no complaints) is NaN.

Examples
--------
>>> import pandas as pd
>>> t = {"customers": pd.DataFrame({"customer_id": ["a", "b"], "phone": ["1", "2"]}),
...      "transactions": pd.DataFrame({"customer_id": ["a", "b", "b"],
...          "timestamp": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01"]),
...          "amount": [10.0, 30.0, 60.0]})}
>>> card = principle_scorecard(t, start="2024-01-01", end="2025-01-01")
>>> card.loc[("customer_understanding", "repeat_customer_share"), "value"]
np.float64(0.5)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ._validation import check_frame_columns, check_tables, check_timestamp

__all__ = ["HEADLINE", "INDICATORS", "PRINCIPLES", "channel_mix_decomposition",
           "principle_scorecard", "scorecard_over_time", "silo_record_agreement"]

#: The six principles in the article's order, with their Persian names.
PRINCIPLES: dict[str, str] = {
    "customer_centricity": "مشتری‌محوری",
    "customer_understanding": "شناخت مشتری",
    "active_communication": "ارتباطات فعال",
    "quick_response": "واکنش سریع",
    "continuous_improvement": "ارتقای مداوم",
    "internal_alignment": "هماهنگی داخلی",
}

#: indicator -> (principle, better, description). ``better`` is "higher", "lower" or
#: "info" (a context number with no good direction).
INDICATORS: dict[str, tuple[str, str, str]] = {
    "top_decile_revenue_share": ("customer_centricity", "info",
                                 "share of the window's revenue from the top 10% of "
                                 "active customers"),
    "value_targeted_contact_share": ("customer_centricity", "higher",
                                     "share of campaign contacts from retention or "
                                     "win-back campaigns (value/risk targeted) rather "
                                     "than call lists"),
    "feedback_coverage": ("customer_understanding", "higher",
                          "share of active customers who complained or posted online"),
    "repeat_customer_share": ("customer_understanding", "higher",
                              "share of active customers with two or more purchases or "
                              "invoices"),
    "contact_rate": ("active_communication", "higher",
                     "share of active customers contacted by a campaign"),
    "digital_complaint_share": ("active_communication", "higher",
                                "share of complaints made by sms, web or social media "
                                "(slower channels raise median_first_response_hours)"),
    "median_first_response_hours": ("quick_response", "lower",
                                    "median hours until a complaint's first response, "
                                    "whatever the channel (see channel_mix_decomposition)"),
    "escalation_rate": ("quick_response", "lower",
                        "share of complaints escalated beyond the front line"),
    "unresolved_share": ("quick_response", "lower",
                         "share of complaints never resolved"),
    "satisfaction_change": ("continuous_improvement", "higher",
                            "mean complaint satisfaction minus that of a year earlier"),
    "complaints_per_100_change": ("continuous_improvement", "lower",
                                  "complaints per 100 active customers minus that of "
                                  "a year earlier"),
    "collections_during_open_complaint": ("internal_alignment", "lower",
                                          "share of collection steps taken while the "
                                          "customer had an open complaint"),
    "disputed_bill_share": ("internal_alignment", "lower",
                            "share of invoices the customer disputed"),
    "silo_consistency": ("internal_alignment", "higher",
                         "share of active customers whose records in every system agree "
                         "with the master (one record, same name and phone)"),
}

#: One headline indicator per principle (for compact figures), with its Persian label.
HEADLINE: dict[str, tuple[str, str]] = {
    "customer_centricity": ("value_targeted_contact_share", "سهم تماس‌های هدفمند بر پایهٔ ارزش"),
    "customer_understanding": ("feedback_coverage", "سهم مشتریانی که بازخورد دادند"),
    "active_communication": ("digital_complaint_share", "سهم شکایت‌های دیجیتال"),
    "quick_response": ("median_first_response_hours", "میانهٔ ساعت تا نخستین پاسخ"),
    "continuous_improvement": ("satisfaction_change", "تغییر رضایت نسبت به سال قبل"),
    "internal_alignment": ("collections_during_open_complaint",
                           "وصول مطالبات در میان شکایت باز"),
}

_DIGITAL_CHANNELS = ("sms", "web", "social")
_VALUE_TARGETED = ("retention", "winback")

#: The tables :func:`principle_scorecard` reads when they are present, with the columns
#: it needs of each (``contacts`` also needs ``campaign_id`` when ``campaigns`` is given).
_COLUMNS: dict[str, list[str]] = {
    "transactions": ["customer_id", "timestamp", "amount"],
    "invoices": ["customer_id", "issue_date", "amount", "disputed"],
    "contacts": ["customer_id", "timestamp", "group"],
    "campaigns": ["campaign_id", "kind"],
    "complaints": ["customer_id", "opened_at", "channel", "first_response_hours",
                   "escalation_level", "resolved_at", "satisfaction"],
    "online_activity": ["customer_id", "timestamp"],
    "collections": ["collection_id", "customer_id", "timestamp"],
}


def _in_window(df: pd.DataFrame | None, col: str, start: pd.Timestamp, end: pd.Timestamp,
               ids: pd.Index | None) -> pd.DataFrame | None:
    if df is None:
        return None
    mask = (df[col] >= start) & (df[col] < end)
    if ids is not None:
        mask &= df["customer_id"].isin(ids)
    return df.loc[mask.to_numpy()]


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def _letters(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna("").str.casefold().str.replace(r"[\W\d_]+", "",
                                                                   regex=True)


def _digits(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna("").str.replace(r"\D+", "", regex=True).str[-10:]


def silo_record_agreement(customers: pd.DataFrame, silos: Mapping[str, pd.DataFrame],
                          silo_mapping: pd.DataFrame) -> pd.Series:
    """Whether each linked customer's records in the separate systems agree with the master.

    A customer's records agree when every system holds at most one record of them, and
    every record's name (letters only, either order of given and family name, or the
    given name alone as the web shop shows it) and phone (last ten digits, where the
    system keeps a phone) match the customer master.

    Parameters
    ----------
    customers : DataFrame
        The master: ``customer_id``, ``first_name``, ``last_name``, ``phone``.
    silos : mapping of system name to DataFrame
        As ``World.silos``: ``sales`` (``account_no``, ``full_name``, ``phone``),
        ``service`` (``contact_id``, ``customer_name``, ``phone``), ``billing``
        (``account_number``, ``first_name``, ``last_name``, ``phone``) and ``web``
        (``user_id``, ``display_name``); missing systems are skipped.
    silo_mapping : DataFrame
        ``silo``, ``record_key``, ``customer_id``: which customer each record belongs to
        (in a real firm, the result of record linkage; in a crmlab world,
        ``w.truth.silo_mapping``).

    Returns
    -------
    Series of bool
        Indexed by the customer ids that have at least one record, sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> master = pd.DataFrame({"customer_id": ["a", "b"], "first_name": ["Ann", "Bo"],
    ...                        "last_name": ["Lee", "Ng"], "phone": ["+1 212 555 0101",
    ...                                                              "+1 212 555 0102"]})
    >>> sales = pd.DataFrame({"account_no": ["S1", "S2"], "full_name": ["Ann Lee", "Bo Ngg"],
    ...                       "phone": ["(212) 555-0101", "(212) 555-0102"]})
    >>> mapping = pd.DataFrame({"silo": ["sales", "sales"], "record_key": ["S1", "S2"],
    ...                         "customer_id": ["a", "b"]})
    >>> silo_record_agreement(master, {"sales": sales}, mapping).tolist()
    [True, False]
    """
    check_frame_columns(customers, ["customer_id", "first_name", "last_name", "phone"],
                        "customers", if_empty=None)
    check_frame_columns(silo_mapping, ["silo", "record_key", "customer_id"], "silo_mapping",
                        if_empty=None, hint="pass World.truth.silo_mapping or a linkage")
    specs = {"sales": ("account_no", ["full_name"], "phone"),
             "service": ("contact_id", ["customer_name"], "phone"),
             "billing": ("account_number", ["first_name", "last_name"], "phone"),
             "web": ("user_id", ["display_name"], None)}
    unknown = sorted(set(silos) - set(specs))
    if unknown:
        raise ValueError(f"unknown systems {unknown}; allowed: {sorted(specs)}")
    parts = []
    for silo, df in silos.items():
        key, name_cols, phone_col = specs[silo]
        check_frame_columns(df, [key, *name_cols, phone_col], f"silos[{silo!r}]",
                            if_empty=None)
        name = df[name_cols[0]].astype("string").fillna("")
        for col in name_cols[1:]:
            name = name + " " + df[col].astype("string").fillna("")
        parts.append(pd.DataFrame({
            "silo": silo, "record_key": df[key].astype(str).to_numpy(),
            "name_key": _letters(name).to_numpy(),
            "phone_key": (_digits(df[phone_col]) if phone_col else
                          pd.Series(pd.NA, index=df.index, dtype="string")).to_numpy()}))
    if not parts:
        return pd.Series(dtype=bool, index=pd.Index([], name="customer_id"))
    records = pd.concat(parts, ignore_index=True).merge(
        silo_mapping[["silo", "record_key", "customer_id"]].astype(
            {"silo": str, "record_key": str}), on=["silo", "record_key"], how="inner")
    first, last = _letters(customers["first_name"]), _letters(customers["last_name"])
    master = pd.DataFrame({"customer_id": customers["customer_id"].to_numpy(),
                           "fl": (first + last).to_numpy(), "lf": (last + first).to_numpy(),
                           "f": first.to_numpy(),
                           "phone_master": _digits(customers["phone"]).to_numpy()})
    records = records.merge(master, on="customer_id", how="inner")
    name_ok = ((records["name_key"] == records["fl"]) | (records["name_key"] == records["lf"])
               | ((records["silo"] == "web") & (records["name_key"] == records["f"])))
    phone_ok = records["phone_key"].isna() | (records["phone_key"] == records["phone_master"])
    per_silo = records.groupby(["customer_id", "silo"]).size()
    single = (per_silo <= 1).groupby(level="customer_id").all()
    fields = (name_ok & phone_ok).fillna(False).groupby(records["customer_id"]).all()
    return (single & fields.reindex(single.index)).astype(bool).sort_index()


def principle_scorecard(tables: Mapping[str, pd.DataFrame], *, start, end,
                        customer_ids: Iterable[str] | None = None,
                        silo_agreement: pd.Series | None = None) -> pd.DataFrame:
    """The six principles' indicators for one window and one group of customers.

    Parameters
    ----------
    tables : mapping of table name to DataFrame
        As ``World.tables``. Used when present: ``customers``, ``transactions``,
        ``invoices``, ``complaints``, ``contacts``, ``campaigns``, ``collections``,
        ``online_activity``. Indicators whose tables are missing are NaN. Columns:
        ``customer_id`` in every table but ``campaigns``, and ``transactions``
        (``timestamp``, ``amount``), ``invoices`` (``issue_date``, ``amount``,
        ``disputed``), ``contacts`` (``timestamp``, ``group``, and ``campaign_id`` with
        ``campaigns``), ``campaigns`` (``campaign_id``, ``kind``), ``complaints``
        (``opened_at``, ``channel``, ``first_response_hours``, ``escalation_level``,
        ``resolved_at``, ``satisfaction``), ``online_activity`` (``timestamp``),
        ``collections`` (``collection_id``, ``timestamp``).
    start, end : date
        The window ``[start, end)``. The changes compare it with the same window a year
        earlier (so a quarter meets the same season), or, for windows longer than a
        year, with the window of the same length just before.
    customer_ids : iterable of str, optional
        Restrict every indicator to these customers (a segment). Default: everyone.
    silo_agreement : Series of bool, optional
        From :func:`silo_record_agreement` (computed once, since the systems' records
        are a snapshot), for ``silo_consistency``; NaN without it.

    Returns
    -------
    DataFrame
        Indexed by (``principle``, ``indicator``) in the article's order, columns
        ``value``, ``better`` ("higher", "lower" or "info") and ``description``.
        ``attrs["active_customers"]`` holds the number of active customers.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=1)
    >>> card = principle_scorecard(w.tables, start="2024-01-01", end="2024-07-01")
    >>> card.index.get_level_values("principle").unique().size
    6
    """
    needed = dict(_COLUMNS)
    if isinstance(tables, Mapping) and "campaigns" in tables:
        needed["contacts"] = [*needed["contacts"], "campaign_id"]
    check_tables(tables, needed, optional=True)
    start_ts, end_ts = check_timestamp(start, "start"), check_timestamp(end, "end")
    if end_ts <= start_ts:
        raise ValueError(f"end must be after start; got start={start_ts.date()}, "
                         f"end={end_ts.date()}")
    if silo_agreement is not None and not isinstance(silo_agreement, pd.Series):
        raise TypeError(f"silo_agreement must be a boolean Series from "
                        f"silo_record_agreement; got {type(silo_agreement).__name__}")
    ids = None
    if customer_ids is not None:
        if isinstance(customer_ids, str):
            raise TypeError("customer_ids must be an iterable of customer ids, not one string")
        ids = pd.Index(pd.unique(pd.Series(list(customer_ids), dtype=object)))
    # the comparison window: a year earlier (same season), or the window before if longer
    if end_ts - start_ts > start_ts - (start_ts - pd.DateOffset(years=1)):
        prev_start, prev_end = start_ts - (end_ts - start_ts), start_ts
    else:
        prev_start, prev_end = start_ts - pd.DateOffset(years=1), end_ts - pd.DateOffset(years=1)
    get = tables.get
    v: dict[str, float] = dict.fromkeys(INDICATORS, float("nan"))

    # activity and revenue in the window
    tx = _in_window(get("transactions"), "timestamp", start_ts, end_ts, ids)
    inv = _in_window(get("invoices"), "issue_date", start_ts, end_ts, ids)
    money = [df[["customer_id", "amount"]] for df in (tx, inv) if df is not None]
    revenue = (pd.concat(money).groupby("customer_id", observed=True)["amount"].agg(
        ["sum", "size"]) if money else pd.DataFrame(columns=["sum", "size"]))
    active = revenue.index
    n_active = len(active)
    if n_active and revenue["sum"].sum() > 0:
        values = np.sort(revenue["sum"].to_numpy(dtype=float))[::-1]
        k = 0.1 * values.size
        whole = int(np.floor(k))
        top = values[:whole].sum() + (k - whole) * (values[whole] if whole < values.size else 0)
        v["top_decile_revenue_share"] = float(top / values.sum())
    if n_active:
        v["repeat_customer_share"] = float((revenue["size"] >= 2).mean())

    contacts = _in_window(get("contacts"), "timestamp", start_ts, end_ts, ids)
    if contacts is not None:
        treated = contacts.loc[(contacts["group"] == "treatment").to_numpy()]
        if "campaigns" in tables and len(treated):
            kind = treated["campaign_id"].map(
                tables["campaigns"].set_index("campaign_id")["kind"])
            v["value_targeted_contact_share"] = float(kind.isin(_VALUE_TARGETED).mean())
        if n_active:
            v["contact_rate"] = float(active.isin(treated["customer_id"]).mean())

    complaints = _in_window(get("complaints"), "opened_at", start_ts, end_ts, ids)
    posts = _in_window(get("online_activity"), "timestamp", start_ts, end_ts, ids)
    if n_active and (complaints is not None or posts is not None):
        voices = pd.concat([df["customer_id"] for df in (complaints, posts) if df is not None])
        v["feedback_coverage"] = float(active.isin(voices).mean())
    if complaints is not None and len(complaints):
        v["digital_complaint_share"] = float(complaints["channel"].isin(
            _DIGITAL_CHANNELS).mean())
        v["median_first_response_hours"] = float(complaints["first_response_hours"].median())
        v["escalation_rate"] = float((complaints["escalation_level"] > 0).mean())
        v["unresolved_share"] = float(complaints["resolved_at"].isna().mean())
        v["complaints_per_100_change"] = 100.0 * _ratio(len(complaints), n_active)
        v["satisfaction_change"] = float(complaints["satisfaction"].mean())
    if complaints is not None:
        prev_c = _in_window(get("complaints"), "opened_at", prev_start, prev_end, ids)
        prev_tx = _in_window(get("transactions"), "timestamp", prev_start, prev_end, ids)
        prev_inv = _in_window(get("invoices"), "issue_date", prev_start, prev_end, ids)
        prev_ids = pd.concat([df["customer_id"] for df in (prev_tx, prev_inv)
                              if df is not None] or [pd.Series(dtype=object)])
        prev_active = prev_ids.nunique()
        if len(prev_c) and prev_active:
            v["satisfaction_change"] -= float(prev_c["satisfaction"].mean())
            v["complaints_per_100_change"] -= 100.0 * len(prev_c) / prev_active
        else:
            v["satisfaction_change"] = v["complaints_per_100_change"] = float("nan")

    steps = _in_window(get("collections"), "timestamp", start_ts, end_ts, ids)
    if steps is not None and len(steps) and "complaints" in tables:
        all_c = tables["complaints"]
        pairs = steps[["collection_id", "customer_id", "timestamp"]].merge(
            all_c[["customer_id", "opened_at", "resolved_at"]], on="customer_id")
        still_open = pairs["resolved_at"].isna() | (pairs["resolved_at"] > pairs["timestamp"])
        during = pairs.loc[((pairs["opened_at"] <= pairs["timestamp"]) & still_open).to_numpy(),
                           "collection_id"]
        v["collections_during_open_complaint"] = float(
            steps["collection_id"].isin(during).mean())
    if inv is not None and len(inv):
        v["disputed_bill_share"] = float(inv["disputed"].astype(bool).mean())
    if silo_agreement is not None and n_active:
        linked = silo_agreement.reindex(active).dropna()
        if len(linked):
            v["silo_consistency"] = float(linked.astype(bool).mean())

    index = pd.MultiIndex.from_tuples([(INDICATORS[k][0], k) for k in INDICATORS],
                                      names=["principle", "indicator"])
    card = pd.DataFrame({"value": [v[k] for k in INDICATORS],
                         "better": [INDICATORS[k][1] for k in INDICATORS],
                         "description": [INDICATORS[k][2] for k in INDICATORS]}, index=index)
    card.attrs["active_customers"] = int(n_active)
    return card


def scorecard_over_time(tables: Mapping[str, pd.DataFrame], *, freq: str = "Y",
                        customer_ids: Iterable[str] | None = None,
                        silo_agreement: pd.Series | None = None,
                        start=None, end=None) -> pd.DataFrame:
    """Every indicator for each year or quarter: one column per period.

    Parameters
    ----------
    tables, customer_ids, silo_agreement
        As :func:`principle_scorecard`.
    freq : {"Y", "Q"}, default="Y"
        Years or quarters.
    start, end : date, optional
        The span to cover (default: from the first to the last sign-up or purchase
        in ``tables``); periods are whole calendar years or quarters.

    Returns
    -------
    DataFrame
        Rows as :func:`principle_scorecard` (values only), columns the periods as
        strings ("2024" or "2024Q1").

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=1)
    >>> scorecard_over_time(w.tables, freq="Q").columns.tolist()
    ['2024Q1', '2024Q2', '2024Q3', '2024Q4']
    """
    if freq not in ("Y", "Q"):
        raise ValueError(f"freq must be 'Y' (years) or 'Q' (quarters); got {freq!r}")
    if start is None or end is None:
        check_tables(tables, {"customers": ["signup_date"], "transactions": ["timestamp"],
                              "invoices": ["issue_date"]}, optional=True)
        stamps = [tables[name][col] for name, col in (("customers", "signup_date"),
                                                      ("transactions", "timestamp"),
                                                      ("invoices", "issue_date"))
                  if name in tables and len(tables[name])]
        if not stamps:
            raise ValueError("tables hold no dates; give start and end")
        allt = pd.concat(stamps)
        start = allt.min() if start is None else start
        end = allt.max() if end is None else end
    lo, hi = check_timestamp(start, "start"), check_timestamp(end, "end")
    periods = pd.period_range(lo, hi, freq=freq)
    columns = {}
    for p in periods:
        card = principle_scorecard(tables, start=p.start_time, end=p.end_time.normalize()
                                   + pd.Timedelta(days=1), customer_ids=customer_ids,
                                   silo_agreement=silo_agreement)
        columns[str(p)] = card["value"]
    return pd.DataFrame(columns)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of ``values`` weighted by ``weights`` (midpoint rule: with equal weights
    it is the ordinary median, the mean of the two middle values for an even count)."""
    order = np.argsort(values, kind="stable")
    x, wt = values[order], weights[order]
    keep = wt > 0
    x, wt = x[keep], wt[keep]
    position = (np.cumsum(wt) - wt / 2.0) / wt.sum()
    return float(np.interp(0.5, position, x))


def channel_mix_decomposition(complaints: pd.DataFrame, *, freq: str = "Y", base=None,
                              statistic: str = "median") -> pd.DataFrame:
    """Split the change of the first-response time into a within-channel part and a
    channel-mix part.

    Each period's complaints are reweighted so that every channel has the share it had
    in the base period (``weight = base share / period share`` of the complaint's
    channel). The statistic of the reweighted complaints (``at_base_mix``) is the
    response time the period would have had with the base period's channel mix:

    * ``within_channels = at_base_mix - observed[base]`` — how much slower (or faster)
      the channels themselves became;
    * ``channel_mix = observed - at_base_mix`` — what the move between channels added;

    and the two add up to ``change = observed - observed[base]``. For the mean this is
    the classic shift-share split; for the median it is the same counterfactual made
    by reweighting (DiNardo, Fortin & Lemieux 1996).

    Parameters
    ----------
    complaints : DataFrame
        ``opened_at``, ``channel``, ``first_response_hours``.
    freq : {"Y", "Q"}, default="Y"
        Years or quarters.
    base : str, optional
        The base period ("2023" or "2023Q1"); default the first.
    statistic : {"median", "mean"}, default="median"

    Returns
    -------
    DataFrame
        Indexed by period (strings): ``complaints``, ``observed``, ``at_base_mix``,
        ``change``, ``within_channels``, ``channel_mix``.

    Raises
    ------
    ValueError
        If ``base`` is not one of the periods, or a channel used in a later period has no
        complaint in the base period (its base share would be zero).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"opened_at": pd.to_datetime(["2023-03-01", "2023-04-01",
    ...                                                "2024-03-01", "2024-04-01",
    ...                                                "2024-05-01", "2024-06-01"]),
    ...                   "channel": ["phone", "web", "phone", "web", "web", "web"],
    ...                   "first_response_hours": [2.0, 12.0, 2.0, 12.0, 12.0, 12.0]})
    >>> d = channel_mix_decomposition(c, statistic="mean")
    >>> d[["observed", "within_channels", "channel_mix"]].round(2).to_dict("index")["2024"]
    {'observed': 9.5, 'within_channels': 0.0, 'channel_mix': 2.5}
    """
    check_frame_columns(complaints, ["opened_at", "channel", "first_response_hours"],
                        "complaints", if_empty="need at least one complaint")
    if freq not in ("Y", "Q"):
        raise ValueError(f"freq must be 'Y' (years) or 'Q' (quarters); got {freq!r}")
    if statistic not in ("median", "mean"):
        raise ValueError(f"statistic must be 'median' or 'mean'; got {statistic!r}")
    period = complaints["opened_at"].dt.to_period(freq).astype(str).to_numpy()
    channel = complaints["channel"].astype(str).to_numpy()
    hours = complaints["first_response_hours"].to_numpy(dtype=float)
    periods = sorted(set(period))
    base = periods[0] if base is None else str(base)
    if base not in periods:
        raise ValueError(f"base {base!r} is not a period of the complaints; periods are "
                         f"{periods}")
    shares = pd.crosstab(period, channel, normalize="index")
    base_share = shares.loc[base]
    missing = sorted(set(channel) - set(base_share.index[base_share > 0]))
    if missing:
        raise ValueError(f"channels {missing} have no complaint in the base period {base}; "
                         "choose a later base")

    def stat(x: np.ndarray, weight: np.ndarray) -> float:
        if statistic == "mean":
            return float(np.average(x, weights=weight))
        return _weighted_median(x, weight)

    rows = {}
    for p in periods:  # a handful of periods, each vectorised
        mine = period == p
        x, ch = hours[mine], channel[mine]
        weight = (base_share.reindex(ch).to_numpy()
                  / shares.loc[p].reindex(ch).to_numpy())
        rows[p] = {"complaints": int(mine.sum()), "observed": stat(x, np.ones(len(x))),
                   "at_base_mix": stat(x, weight)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "period"
    out["change"] = out["observed"] - out.loc[base, "observed"]
    out["within_channels"] = out["at_base_mix"] - out.loc[base, "observed"]
    out["channel_mix"] = out["observed"] - out["at_base_mix"]
    return out
