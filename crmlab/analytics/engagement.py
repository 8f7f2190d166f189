"""Customer engagement value: what a customer is worth beyond what they buy.

Kumar, Aksoy, Donkers, Venkatesan, Wiesel and Tillmanns ("Undervalued or overvalued
customers: capturing total customer engagement value", *Journal of Service Research*
13(3), 2010) value a customer by four contributions, kept apart:

* **CLV**, customer lifetime value: the customer's own purchases;
* **CRV**, customer referral value: the customers they brought in through the
  (rewarded) referral programme, counting only what the referral *caused*;
* **CIV**, customer influencer value: what their word of mouth wins or loses among
  other people;
* **CKV**, customer knowledge value: what their feedback teaches the firm.

The formula
-----------
Every part is measured in **one time frame**: the own value ``V`` passed in and the
events (referrals, posts, complaints) must cover the same period. Either all of it is
realised over a window of the history (:func:`realised_engagement` builds exactly
that from a world's tables), or all of it is a forecast of the same future period;
never past referrals beside a future lifetime value. For customer ``i``:

.. code-block:: text

    CLV_i = V_i
    CRV_i = sum over the customers j that i referred of
                s * V_j  +  (1 - s) * A  -  rho_j
    CIV_i = c * mean(V) * sum over i's posts k of  reach_k * sentiment_k
    CKV_i = kappa * (complaints of i)
    CEV_i = CLV_i - s * V_i * [i was referred]  +  CRV_i + CIV_i + CKV_i

with ``s`` the share of referred customers who would **not** have joined without the
referral (``incremental_referral_share``), ``A`` the acquisition cost the firm saves on
a referred customer who would have joined anyway (``acquisition_cost_saved``), ``rho_j``
the reward paid for bringing ``j``, ``c`` the customers won per view of a post
(``conversion_per_view``; negative sentiment loses customers) and ``kappa`` the value of
one piece of feedback (``value_per_insight``). This is Kumar and colleagues' referral
value: the value of the referred customers who would not have come otherwise, plus the
acquisition savings on the others, net of the rewards.

**Each referred customer is counted once.** The share ``s`` of a referred customer's own
value that the referral caused belongs to the referrer's CRV, so it is taken out of the
referred customer's total (column ``credited_to_referrer``). Summed over customers:

.. code-block:: text

    sum_i CEV_i = sum_i V_i + sum_j [(1 - s) * A - rho_j] + sum_i CIV_i + sum_i CKV_i

which is what the firm gains, with every referred customer's own value in it once.

The rates are assumptions, exposed as arguments with defaults, because real firms have
to estimate them (in a crmlab world, posts do not move anyone and every customer would
have been generated without the referral: the truth cannot tell the rates either).

Examples
--------
>>> import pandas as pd
>>> value = pd.Series({"a": 100.0, "b": 50.0})
>>> refs = pd.DataFrame({"referrer_id": ["a"], "referred_id": ["b"], "reward": [10.0]})
>>> cev = engagement_value(value, referrals=refs)
>>> cev.loc["a", "referral_value"], cev.loc["b", "credited_to_referrer"]
(np.float64(15.0), np.float64(25.0))
>>> float(cev["cev"].sum())  # 100 + 50 (each counted once) - 10 (the reward)
140.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_frame_columns, check_tables, check_timestamp

__all__ = ["PARTS", "engagement_value", "realised_engagement"]

#: The columns of :func:`engagement_value` that add up to ``cev`` (the credit is subtracted).
PARTS = ("clv", "referral_value", "influencer_value", "knowledge_value")


def _rate(name: str, value: Any, *, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be >= 0; got {value}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be at most {high:g}; got {value}")
    return v


def engagement_value(clv: pd.Series, *, referrals: pd.DataFrame | None = None,
                     posts: pd.DataFrame | None = None,
                     complaints: pd.DataFrame | None = None,
                     incremental_referral_share: float = 0.5,
                     acquisition_cost_saved: float = 0.0,
                     conversion_per_view: float = 0.001,
                     value_per_insight: float = 2.0) -> pd.DataFrame:
    """Customer engagement value and its four parts, per customer (formula in the module).

    Parameters
    ----------
    clv : Series
        Each customer's own purchase value ``V`` (index: customer id), in the time frame
        of the events: for example the margin a customer paid over a window of the
        history (see :func:`realised_engagement`), or a forecast lifetime value when the
        referrals, posts and complaints are forecasts of the same period.
    referrals : DataFrame, optional
        ``referrer_id``, ``referred_id`` and optionally ``reward`` (0 if absent), one row
        per referred customer. Rows whose referrer is not in ``clv`` are ignored (no one
        of these customers made them); a referred customer missing from ``clv`` adds no
        value but its reward still counts.
    posts : DataFrame, optional
        ``customer_id``, ``reach``, ``sentiment`` (-1..1).
    complaints : DataFrame, optional
        ``customer_id``; each complaint counts as one insight.
    incremental_referral_share : float in [0, 1], default=0.5
        Share ``s`` of referred customers who would not have joined without the referral.
    acquisition_cost_saved : float, default=0
        Acquisition cost ``A`` saved on a referred customer who would have joined anyway.
    conversion_per_view : float, default=0.001
        Customers won (or lost, for negative sentiment) per view of a post; each is worth
        the mean own value.
    value_per_insight : float, default=2.0
        Value of one piece of feedback, in money.

    Returns
    -------
    DataFrame
        Indexed like ``clv`` and sorted by ``cev`` (descending, ties in ``clv``'s order):
        ``clv`` (the own value), ``referral_value``, ``influencer_value``,
        ``knowledge_value``, ``credited_to_referrer`` (the part of the own value that
        counts in the referrer's ``referral_value``) and ``cev`` (the first four minus
        the credit).

    Raises
    ------
    TypeError, ValueError
        If ``clv`` is not a Series of finite values with a unique index, a rate is
        negative (or the share above 1), a table lacks its columns, or a customer is
        referred twice.

    Examples
    --------
    >>> import pandas as pd
    >>> value = pd.Series({"a": 10.0, "b": 10.0})
    >>> posts = pd.DataFrame({"customer_id": ["a", "b"], "reach": [500, 500],
    ...                       "sentiment": [-0.8, 0.8]})
    >>> engagement_value(value, posts=posts)["influencer_value"].to_dict()
    {'b': 4.0, 'a': -4.0}
    """
    if not isinstance(clv, pd.Series):
        raise TypeError(f"clv must be a pandas Series indexed by customer; got "
                        f"{type(clv).__name__}")
    if not pd.api.types.is_numeric_dtype(clv.dtype) or pd.api.types.is_bool_dtype(clv.dtype):
        raise TypeError(f"clv must be numeric; got dtype {clv.dtype}")
    if clv.isna().any():
        raise ValueError(f"clv has {int(clv.isna().sum())} missing values")
    if not np.isfinite(clv.to_numpy(dtype=float)).all():
        raise ValueError("clv must be finite (it has infinite values)")
    if not clv.index.is_unique:
        raise ValueError("clv must have one value per customer (its index has duplicates)")
    s = _rate("incremental_referral_share", incremental_referral_share, high=1.0)
    saved = _rate("acquisition_cost_saved", acquisition_cost_saved)
    per_view = _rate("conversion_per_view", conversion_per_view)
    per_insight = _rate("value_per_insight", value_per_insight)

    own = clv.astype(float)
    index = own.index
    n = len(index)
    referral = np.zeros(n)
    credited = np.zeros(n)
    if referrals is not None and len(referrals):
        check_frame_columns(referrals, ["referrer_id", "referred_id"], "referrals")
        if referrals["referred_id"].duplicated().any():
            dup = referrals.loc[referrals["referred_id"].duplicated(), "referred_id"].iloc[0]
            raise ValueError(f"referrals: customer {dup!r} is referred more than once; each "
                             "customer can have one referrer")
        referrer = index.get_indexer(referrals["referrer_id"])
        referred = index.get_indexer(referrals["referred_id"])
        reward = (referrals["reward"].to_numpy(dtype=float) if "reward" in referrals
                  else np.zeros(len(referrals)))
        if np.isnan(reward).any() or (reward < 0).any():
            raise ValueError("referrals: reward must be >= 0 and not missing")
        keep = referrer >= 0
        referrer, referred, reward = referrer[keep], referred[keep], reward[keep]
        known = referred >= 0
        brought = np.where(known, own.to_numpy()[np.maximum(referred, 0)], 0.0)
        np.add.at(referral, referrer, s * brought + (1.0 - s) * saved - reward)
        np.add.at(credited, referred[known], s * brought[known])

    influence = np.zeros(n)
    if posts is not None and len(posts):
        check_frame_columns(posts, ["customer_id", "reach", "sentiment"], "posts")
        author = index.get_indexer(posts["customer_id"])
        moved = (posts["reach"].to_numpy(dtype=float) * posts["sentiment"].to_numpy(dtype=float)
                 * per_view * (float(own.mean()) if n else 0.0))
        np.add.at(influence, author[author >= 0], moved[author >= 0])

    knowledge = np.zeros(n)
    if complaints is not None and len(complaints):
        check_frame_columns(complaints, ["customer_id"], "complaints")
        who = index.get_indexer(complaints["customer_id"])
        np.add.at(knowledge, who[who >= 0], per_insight)

    out = pd.DataFrame({"clv": own.to_numpy(), "referral_value": referral,
                        "influencer_value": influence, "knowledge_value": knowledge,
                        "credited_to_referrer": credited}, index=index)
    out["cev"] = out[list(PARTS)].sum(axis=1) - out["credited_to_referrer"]
    return out.sort_values("cev", ascending=False, kind="stable")


#: What :func:`realised_engagement` reads from a world's tables.
_NEEDED = {
    "customers": ["customer_id", "signup_date"],
    "transactions": ["customer_id", "timestamp", "amount"],
    "payments": ["customer_id", "timestamp", "amount"],
    "referrals": ["referrer_id", "referred_id", "timestamp", "reward"],
    "online_activity": ["customer_id", "timestamp", "reach", "sentiment"],
    "complaints": ["customer_id", "opened_at"],
}


def realised_engagement(tables: Mapping[str, pd.DataFrame], *, start: Any = None,
                        end: Any = None, gross_margin: float = 0.4,
                        **assumptions: float) -> pd.DataFrame:
    """Engagement value realised over one window of the history, every part in that window.

    The own value ``V`` of each customer is ``gross_margin`` times what they paid in the
    window (top-ups and store purchases from ``transactions``, bill payments from
    ``payments``); the referrals (by the referred customer's sign-up), posts and
    complaints are those of the same window. Then :func:`engagement_value` applies the
    formula. A value realised so far, not a forecast: a customer who joined last month has
    had little time to pay, and a referral made last month has cost its reward but
    brought little yet.

    Parameters
    ----------
    tables : mapping of table name to DataFrame
        ``World.tables`` (``customers``, ``transactions``, ``payments``, ``referrals``,
        ``online_activity``, ``complaints``).
    start, end : date-like, optional
        The window; ``end`` as a date means the end of that day. Default: the whole
        history. Customers who signed up after ``end`` are left out.
    gross_margin : float in (0, 1], default=0.4
        Share of a payment the operator keeps (the margin of
        :func:`crmlab.analytics.profitability.customer_profit`).
    **assumptions : float
        ``incremental_referral_share``, ``acquisition_cost_saved``,
        ``conversion_per_view``, ``value_per_insight`` for :func:`engagement_value`.

    Returns
    -------
    DataFrame
        As :func:`engagement_value`; ``attrs`` records the window and ``gross_margin``.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> cev = realised_engagement(w.tables)
    >>> paid = w.transactions["amount"].sum() + w.payments["amount"].sum()
    >>> bool(abs(cev["clv"].sum() - 0.4 * paid) < 1e-6 * paid)
    True
    """
    check_tables(tables, _NEEDED)
    unknown = sorted(set(assumptions) - {"incremental_referral_share",
                                         "acquisition_cost_saved", "conversion_per_view",
                                         "value_per_insight"})
    if unknown:
        raise TypeError(f"unknown assumption(s) {unknown}; allowed: incremental_referral_"
                        "share, acquisition_cost_saved, conversion_per_view, "
                        "value_per_insight")
    margin = _rate("gross_margin", gross_margin, high=1.0)
    if margin == 0:
        raise ValueError("gross_margin must be above 0")
    lo = None if start is None else check_timestamp(start, "start")
    hi = None if end is None else check_timestamp(end, "end")
    if hi is not None and hi == hi.normalize():
        hi = hi + pd.Timedelta(days=1)
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"start ({start}) must be before end ({end})")

    def window(df: pd.DataFrame, col: str) -> pd.DataFrame:
        keep = np.ones(len(df), bool)
        if lo is not None:
            keep &= (df[col] >= lo).to_numpy()
        if hi is not None:
            keep &= (df[col] < hi).to_numpy()
        return df[keep]

    customers = tables["customers"]
    if hi is not None:
        customers = customers[(customers["signup_date"] < hi).to_numpy()]
    ids = pd.Index(customers["customer_id"].astype(str), name="customer_id")
    paid = pd.concat([window(tables["transactions"], "timestamp")[["customer_id", "amount"]],
                      window(tables["payments"], "timestamp")[["customer_id", "amount"]]])
    own = (paid.groupby(paid["customer_id"].astype(str))["amount"].sum()
           .reindex(ids, fill_value=0.0) * margin)
    out = engagement_value(
        own,
        referrals=window(tables["referrals"], "timestamp").astype(
            {"referrer_id": str, "referred_id": str}),
        posts=window(tables["online_activity"], "timestamp").astype({"customer_id": str}),
        complaints=window(tables["complaints"], "opened_at").astype({"customer_id": str}),
        **assumptions)
    out.attrs.update({"start": lo, "end": hi, "gross_margin": margin})
    return out
