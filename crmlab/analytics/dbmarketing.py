"""Database marketing: what a company knew when it built a call list, and who answered.

Database marketing ranks the customers in a database by how likely they are to respond
and calls the top of the list. Its report counts responses. CRM asks a different
question — which contacts *change* what a customer does, and what that is worth — and
the two answers can disagree sharply (see :mod:`crmlab.analytics.targeting`).

* :func:`campaign_features` — each customer as the company saw them on the day a
  campaign started: recent purchases and spend, days since the last purchase, tenure,
  plan, and the history of earlier contacts and responses. Nothing after that day is
  used.
* :func:`response_scores` — the classic database-marketing model: a logistic
  regression of "responded when contacted" on those features, fitted on earlier
  campaigns' contacted customers.
* :func:`response_types` — with both potential outcomes known, split a list into
  *sure things* (respond either way), *persuadables* (respond only if contacted),
  *lost causes* (never) and *sleeping dogs* (respond only if left alone).

Examples
--------
>>> import pandas as pd
>>> truth = pd.DataFrame({"response_if_contacted": [1, 1, 0, 0],
...                       "response_if_not_contacted": [1, 0, 0, 1]})
>>> response_types(truth).to_dict()
{'sure thing': 1, 'persuadable': 1, 'lost cause': 1, 'sleeping dog': 1}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._validation import check_frame_columns

__all__ = ["FEATURES", "RESPONSE_TYPES", "campaign_features", "response_scores",
           "response_types"]

#: The columns of :func:`campaign_features`.
FEATURES = ("purchases", "spend", "days_since_last", "tenure_days", "postpaid",
            "past_contacts", "past_responses")

#: The four kinds of customer by their two potential responses.
RESPONSE_TYPES = ("sure thing", "persuadable", "lost cause", "sleeping dog")

#: Days since the last purchase of customers who never bought.
NEVER = 9999.0


def campaign_features(campaign_id: str, *, campaigns: pd.DataFrame, customers: pd.DataFrame,
                      events: pd.DataFrame, contacts: pd.DataFrame,
                      lookback_days: float = 180.0) -> pd.DataFrame:
    """Every customer who had signed up before a campaign, as the company saw them then.

    Parameters
    ----------
    campaign_id : str
        The campaign (a ``campaign_id`` of ``campaigns``).
    campaigns : DataFrame
        ``campaign_id``, ``start_date``.
    customers : DataFrame
        ``customer_id``, ``signup_date``, ``plan``.
    events : DataFrame
        Purchases: ``customer_id``, ``timestamp``, ``amount`` (for example top-ups and
        paid bills together).
    contacts : DataFrame
        Earlier contacts: ``customer_id``, ``timestamp``, ``group`` (``treatment`` rows
        are the contacted), ``responded``.
    lookback_days : float, default=180
        Window for ``purchases`` and ``spend``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers' order), columns :data:`FEATURES`:
        purchases and spend in the window, days since the last purchase (9999 if none),
        days since sign-up, 1.0 for postpaid, earlier contacts and responses.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=1)
    >>> ev = w.transactions[["customer_id", "timestamp", "amount"]]
    >>> f = campaign_features("K002", campaigns=w.campaigns, customers=w.customers,
    ...                       events=ev, contacts=w.contacts)
    >>> list(f.columns) == list(FEATURES), bool((f["tenure_days"] >= 0).all())
    (True, True)
    """
    check_frame_columns(campaigns, ["campaign_id", "start_date"], "campaigns", if_empty=None)
    check_frame_columns(customers, ["customer_id", "signup_date", "plan"], "customers",
                        if_empty=None)
    check_frame_columns(events, ["customer_id", "timestamp", "amount"], "events",
                        if_empty=None)
    check_frame_columns(contacts, ["customer_id", "timestamp", "group", "responded"],
                        "contacts", if_empty=None)
    if lookback_days <= 0:
        raise ValueError(f"lookback_days must be positive; got {lookback_days}")
    ids = campaigns["campaign_id"].astype(str)
    if campaign_id not in set(ids):
        raise ValueError(f"unknown campaign_id {campaign_id!r}; known: {sorted(set(ids))}")
    start = pd.Timestamp(campaigns.loc[ids == campaign_id, "start_date"].iloc[0])
    cust = customers[customers["signup_date"] < start]
    index = pd.Index(cust["customer_id"].astype(str), name="customer_id")
    past = events[events["timestamp"] < start]
    recent = past[past["timestamp"] >= start - pd.Timedelta(days=lookback_days)]
    by = recent.groupby(recent["customer_id"].astype(str))["amount"]
    last = past.groupby(past["customer_id"].astype(str))["timestamp"].max().reindex(index)
    earlier = contacts[(contacts["timestamp"] < start)
                       & (contacts["group"].astype(str) == "treatment")]
    cg = earlier.groupby(earlier["customer_id"].astype(str))["responded"]
    out = pd.DataFrame({
        "purchases": by.size().reindex(index, fill_value=0).astype(float),
        "spend": by.sum().reindex(index, fill_value=0.0).astype(float),
        "days_since_last": ((start - last).dt.total_seconds() / 86_400).fillna(NEVER)
        .clip(upper=NEVER),
        "tenure_days": ((start - cust["signup_date"]).dt.total_seconds() / 86_400).to_numpy(),
        "postpaid": (cust["plan"].astype(str) == "postpaid").to_numpy(dtype=float),
        "past_contacts": cg.size().reindex(index, fill_value=0).astype(float),
        "past_responses": cg.sum().reindex(index, fill_value=0).astype(float),
    }, index=index)
    out.attrs["campaign_id"] = campaign_id
    return out


def response_scores(train: pd.DataFrame, responded: Sequence[bool] | np.ndarray,
                    score: pd.DataFrame, *, C: float = 1.0) -> np.ndarray:
    """Probability of responding, from a logistic regression on past contacts.

    Features are transformed with ``log1p`` (counts and money are skewed) and
    standardised on the training rows.

    Parameters
    ----------
    train : DataFrame
        Features of customers contacted in earlier campaigns (:data:`FEATURES`).
    responded : array of bool
        Whether each of them responded.
    score : DataFrame
        Features of the customers to rank.
    C : float, default=1.0
        Inverse L2 regularisation.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({c: rng.gamma(2.0, 2.0, 400) for c in FEATURES})
    >>> y = rng.random(400) < X["purchases"] / X["purchases"].max()
    >>> p = response_scores(X, y, X)
    >>> bool(np.corrcoef(p, X["purchases"])[0, 1] > 0.5)
    True
    """
    from sklearn.linear_model import LogisticRegression

    for name, df in (("train", train), ("score", score)):
        check_frame_columns(df, FEATURES, name, if_empty=None,
                            hint="build it with campaign_features()")
    y = np.asarray(responded, dtype=bool)
    if len(y) != len(train):
        raise ValueError(f"responded must have one value per training row ({len(train)}); "
                         f"got {len(y)}")
    if len(np.unique(y)) < 2:
        raise ValueError("responded must contain both responders and non-responders")
    cols = list(FEATURES)
    Xt = np.log1p(train[cols].to_numpy(dtype=float).clip(min=0))
    Xs = np.log1p(score[cols].to_numpy(dtype=float).clip(min=0))
    mean, sd = Xt.mean(axis=0), Xt.std(axis=0) + 1e-12
    model = LogisticRegression(C=C, max_iter=1000).fit((Xt - mean) / sd, y)
    return model.predict_proba((Xs - mean) / sd)[:, 1]


def response_types(truth: pd.DataFrame,
                   selected: Sequence[bool] | np.ndarray | None = None) -> pd.Series:
    """How many sure things, persuadables, lost causes and sleeping dogs a list holds.

    Parameters
    ----------
    truth : DataFrame
        Rows of ``World.truth.contacts`` (``response_if_contacted``,
        ``response_if_not_contacted``).
    selected : array of bool, optional
        The customers on the list (aligned with ``truth``); default all.

    Returns
    -------
    Series
        Counts indexed by :data:`RESPONSE_TYPES`.
    """
    check_frame_columns(truth, ["response_if_contacted", "response_if_not_contacted"], "truth",
                        if_empty=None, hint="pass rows of World.truth.contacts")
    y1 = truth["response_if_contacted"].to_numpy(dtype=bool)
    y0 = truth["response_if_not_contacted"].to_numpy(dtype=bool)
    sel = np.ones(len(truth), bool) if selected is None else np.asarray(selected, dtype=bool)
    if sel.shape != (len(truth),):
        raise ValueError(f"selected must have one flag per truth row ({len(truth)}); "
                         f"got shape {sel.shape}")
    kind = np.select([y1 & y0, y1 & ~y0, ~y1 & ~y0], [0, 1, 2], 3)[sel]
    counts = np.bincount(kind, minlength=4)
    return pd.Series(counts, index=pd.Index(RESPONSE_TYPES), name="customers")
