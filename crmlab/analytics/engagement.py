"""Customer engagement value (Kumar et al. 2010): more than what a customer buys.

Social CRM (seed 004) values customers for four things:

* **lifetime value** (CLV) — their own purchases;
* **referral value** (CRV) — the value of the customers they brought in, counting only
  the share who would not have joined anyway (``incremental_referral_share``), minus
  the referral bonuses paid;
* **influencer value** (CIV) — what their posts move: views times a conversion rate
  times the value of a converted customer, signed by sentiment (a furious post
  destroys value);
* **knowledge value** (CKV) — ideas and feedback: complaints and posts that tell the
  firm what to fix, at a value per insight.

The rates are assumptions, exposed as arguments with defaults, because real firms
have to estimate them; a crmlab world lets one compare rankings under different
assumptions.

Examples
--------
>>> import pandas as pd
>>> clv = pd.Series({"a": 100.0, "b": 50.0})
>>> refs = pd.DataFrame({"referrer_id": ["a"], "referred_id": ["b"], "reward": [10.0]})
>>> posts = pd.DataFrame({"customer_id": ["b"], "reach": [1000], "sentiment": [1.0]})
>>> cev = engagement_value(clv, referrals=refs, posts=posts)
>>> cev.loc["a", "referral_value"], cev.loc["b", "influencer_value"]
(np.float64(15.0), np.float64(75.0))
"""

from __future__ import annotations

import pandas as pd

from ._validation import check_frame_columns

__all__ = ["engagement_value"]


def engagement_value(clv: pd.Series, *, referrals: pd.DataFrame | None = None,
                     posts: pd.DataFrame | None = None,
                     complaints: pd.DataFrame | None = None,
                     incremental_referral_share: float = 0.5,
                     conversion_per_view: float = 0.001,
                     value_per_insight: float = 2.0) -> pd.DataFrame:
    """Customer engagement value and its four parts, per customer.

    Parameters
    ----------
    clv : Series
        Lifetime value per customer (index: customer id); e.g. a model's CLV or the
        world's ``truth.customers["true_clv_3y"]``.
    referrals : DataFrame, optional
        ``referrer_id``, ``referred_id`` and optionally ``reward``.
    posts : DataFrame, optional
        ``customer_id``, ``reach``, ``sentiment`` (-1..1).
    complaints : DataFrame, optional
        ``customer_id``; each complaint counts as one insight.
    incremental_referral_share : float, default=0.5
        Share of referred customers who would not have joined without the referral.
    conversion_per_view : float, default=0.001
        New customers won (or lost, for negative sentiment) per view of a post.
    value_per_insight : float, default=2.0
        Value of one piece of feedback, in money.

    Returns
    -------
    DataFrame
        Indexed like ``clv``: ``clv``, ``referral_value``, ``influencer_value``,
        ``knowledge_value``, ``cev`` (their sum), sorted by ``cev`` descending.
    """
    if not isinstance(clv, pd.Series):
        raise TypeError(f"clv must be a pandas Series indexed by customer; got "
                        f"{type(clv).__name__}")
    if clv.isna().any():
        raise ValueError(f"clv has {int(clv.isna().sum())} missing values")
    if not clv.index.is_unique:
        raise ValueError("clv must have one value per customer (its index has duplicates)")
    for name, value in (("incremental_referral_share", incremental_referral_share),
                        ("conversion_per_view", conversion_per_view),
                        ("value_per_insight", value_per_insight)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0; got {value}")
    if incremental_referral_share > 1:
        raise ValueError("incremental_referral_share must be at most 1")
    out = pd.DataFrame({"clv": clv.astype(float)})
    zero = pd.Series(0.0, index=out.index)
    mean_clv = float(clv.mean())

    referral = zero.copy()
    if referrals is not None and len(referrals):
        check_frame_columns(referrals, ["referrer_id", "referred_id"], "referrals")
        brought = clv.reindex(referrals["referred_id"]).fillna(0.0).to_numpy()
        reward = referrals["reward"].to_numpy(dtype=float) if "reward" in referrals else 0.0
        per = pd.Series(incremental_referral_share * brought - reward,
                        index=referrals["referrer_id"].to_numpy())
        referral = per.groupby(level=0).sum().reindex(out.index, fill_value=0.0)

    influence = zero.copy()
    if posts is not None and len(posts):
        check_frame_columns(posts, ["customer_id", "reach", "sentiment"], "posts")
        moved = (posts["reach"].to_numpy(dtype=float) * posts["sentiment"].to_numpy(dtype=float)
                 * conversion_per_view * mean_clv)
        influence = pd.Series(moved, index=posts["customer_id"].to_numpy()).groupby(
            level=0).sum().reindex(out.index, fill_value=0.0)

    knowledge = zero.copy()
    if complaints is not None and len(complaints):
        check_frame_columns(complaints, ["customer_id"], "complaints")
        knowledge = complaints.groupby("customer_id", observed=True).size().reindex(
            out.index, fill_value=0).astype(float) * value_per_insight

    out["referral_value"] = referral.to_numpy()
    out["influencer_value"] = influence.to_numpy()
    out["knowledge_value"] = knowledge.to_numpy()
    out["cev"] = out[["clv", "referral_value", "influencer_value", "knowledge_value"]].sum(axis=1)
    return out.sort_values("cev", ascending=False, kind="stable")
