"""Which segmentation earns the most? Segment-level campaign targeting, judged by true profit.

A segmentation is useful to a company when acting on it pays. This module turns that
into a test that a crmlab world can score exactly: learn from the *earlier* campaigns
how much a contact earns, on average, in each segment (per campaign kind), then, in
the *later* campaigns, contact every eligible customer of the segments that paid off
and nobody else. The later campaigns' counterfactual truth (``World.truth.contacts``)
says what that policy really earned — the incremental profit of
:mod:`crmlab.analytics.targeting`::

    incremental profit = (y1 - y0) * value  -  y1 * offer  -  cost per contact

The segment averages are learned from the truth of the earlier campaigns, as if the
company had run a large randomised test in every segment; this isolates how well a
segmentation *separates* profitable from unprofitable customers from the noise of
estimating uplift on small control groups.

Examples
--------
>>> import crmlab as crm
>>> from crmlab.analytics import segment_targeting as st
>>> w = crm.load_dataset("classroom")
>>> segments = w.truth.customers.set_index("customer_id")["segment"]
>>> table = st.compare_segmentations(w.truth.contacts, w.campaigns, {"true": segments},
...                                  split="2025-01-01")
>>> float(table.loc["contact no one", "incremental_profit"]), table.index[0]
(0.0, 'perfect (each customer)')
>>> bool(table.loc["true", "incremental_profit"] > table.loc["contact everyone",
...                                                          "incremental_profit"])
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ._validation import check_frame_columns, check_random_state, check_timestamp, is_seed

_OUTCOMES = ("response_if_contacted", "response_if_not_contacted", "value_if_responds")

__all__ = ["compare_segmentations", "contact_profit", "run_profit_experiment"]


def contact_profit(truth_contacts: pd.DataFrame, campaigns: pd.DataFrame) -> pd.DataFrame:
    """True incremental profit of contacting each eligible customer of each campaign.

    Parameters
    ----------
    truth_contacts : DataFrame
        ``World.truth.contacts`` (campaign_id, customer_id and the potential outcomes).
    campaigns : DataFrame
        ``World.campaigns`` (campaign_id, kind, start_date, cost_per_contact, offer_value).

    Returns
    -------
    DataFrame
        One row per truth row: ``campaign_id``, ``customer_id``, ``kind``,
        ``start_date`` and ``profit``; summing ``profit`` over a selection equals
        :func:`crmlab.analytics.targeting.incremental_profit` of that selection.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> p = contact_profit(w.truth.contacts, w.campaigns)
    >>> len(p) == len(w.truth.contacts)
    True
    """
    check_frame_columns(truth_contacts, ["campaign_id", "customer_id", *_OUTCOMES],
                        "truth_contacts", if_empty="need at least one eligible customer",
                        hint="pass World.truth.contacts")
    check_frame_columns(campaigns, ["campaign_id", "kind", "start_date", "cost_per_contact",
                                    "offer_value"], "campaigns",
                        if_empty="need at least one campaign", hint="pass World.campaigns")
    info = campaigns.set_index("campaign_id")[["kind", "start_date", "cost_per_contact",
                                               "offer_value"]]
    ids = truth_contacts["campaign_id"].to_numpy()
    unknown = ~pd.Index(ids).isin(info.index)
    if unknown.any():
        raise ValueError(f"truth_contacts has campaign ids not in campaigns, e.g. "
                         f"{ids[unknown][0]!r}")
    rows = info.reindex(ids)
    y1 = truth_contacts["response_if_contacted"].to_numpy(dtype=float)
    y0 = truth_contacts["response_if_not_contacted"].to_numpy(dtype=float)
    value = truth_contacts["value_if_responds"].to_numpy(dtype=float)
    profit = ((y1 - y0) * value - y1 * rows["offer_value"].to_numpy(dtype=float)
              - rows["cost_per_contact"].to_numpy(dtype=float))
    return pd.DataFrame({"campaign_id": ids,
                         "customer_id": truth_contacts["customer_id"].to_numpy(),
                         "kind": rows["kind"].astype(str).to_numpy(),
                         "start_date": pd.to_datetime(rows["start_date"].to_numpy()),
                         "profit": profit})


def compare_segmentations(truth_contacts: pd.DataFrame, campaigns: pd.DataFrame,
                          labelings: Mapping[str, pd.Series], *, split: Any,
                          baselines: bool = True) -> pd.DataFrame:
    """True profit of segment-level targeting in later campaigns, for each segmentation.

    For each labelling: the mean incremental profit per contact of every (campaign kind,
    segment) is learned from the campaigns starting before ``split``; in the campaigns
    starting on or after ``split``, every eligible customer of a segment with a
    positive learned mean for that kind is contacted. Segments never seen in an
    earlier campaign of the kind are not contacted.

    Parameters
    ----------
    truth_contacts, campaigns : DataFrame
        ``World.truth.contacts`` and ``World.campaigns``.
    labelings : mapping of name -> Series
        Segment labels indexed by customer id (every customer in ``truth_contacts``).
    split : date-like
        Campaigns starting before it are for learning, the others for testing.
    baselines : bool, default=True
        Add "contact everyone", "contact no one" and "perfect (each customer)": each
        test customer contacted exactly when it really pays (the best possible).

    Returns
    -------
    DataFrame
        One row per policy, sorted by profit: ``contacted`` (test contacts),
        ``incremental_profit`` (true, over the test campaigns), ``profit_per_contact``.
    """
    if not isinstance(labelings, Mapping) or not labelings:
        raise ValueError("labelings must be a non-empty mapping of name -> label Series")
    cut = check_timestamp(split, "split")
    rows = contact_profit(truth_contacts, campaigns)
    learn = (rows["start_date"] < cut).to_numpy()
    if not learn.any() or learn.all():
        raise ValueError(f"split ({cut.date()}) must leave campaigns on both sides; campaigns "
                         f"start from {rows['start_date'].min().date()} to "
                         f"{rows['start_date'].max().date()}")
    test = rows[~learn]
    out = []
    for name, labels in labelings.items():  # a handful of segmentations
        if not isinstance(labels, pd.Series):
            raise TypeError(f"labelings[{name!r}] must be a Series indexed by customer id")
        seg = labels.reindex(rows["customer_id"].to_numpy())
        if seg.isna().any():
            raise ValueError(f"labelings[{name!r}] has no label for "
                             f"{int(seg.isna().sum())} customers in truth_contacts")
        key = pd.MultiIndex.from_arrays([rows["kind"].to_numpy(), seg.astype(str).to_numpy()])
        learned = rows["profit"][learn].groupby(key[learn]).mean()
        chosen = learned.reindex(key[~learn]).to_numpy() > 0  # NaN (unseen) -> False
        out.append({"policy": str(name), "contacted": int(chosen.sum()),
                    "incremental_profit": float(test["profit"].to_numpy()[chosen].sum())})
    if baselines:
        p = test["profit"].to_numpy()
        out += [{"policy": "contact everyone", "contacted": len(p),
                 "incremental_profit": float(p.sum())},
                {"policy": "contact no one", "contacted": 0, "incremental_profit": 0.0},
                {"policy": "perfect (each customer)", "contacted": int((p > 0).sum()),
                 "incremental_profit": float(p[p > 0].sum())}]
    table = pd.DataFrame(out).set_index("policy")
    table["profit_per_contact"] = (table["incremental_profit"]
                                   / table["contacted"].where(table["contacted"] > 0))
    return table.sort_values("incremental_profit", ascending=False, kind="stable")


def run_profit_experiment(make: Callable, config: Any, seeds: Iterable[int], *,
                          methods: Sequence[str] | None = None, k: int | str = 5,
                          split: Any = "2025-01-01", random_state: Any = 0) -> pd.DataFrame:
    """Segmentation quality and campaign profit of each method on replicate worlds.

    For every seed: build the world, compute its customers' features *as of the split*
    (only what an analyst knew on that day: nothing dated on or after it reaches a
    feature), segment them with each method (random start ``random_state``), score the
    labels against the true segments, and compute the test profit of
    :func:`compare_segmentations` (with the true segments as one more "method"). Only the
    customers known at the split can be segmented, so the test campaigns are scored on
    them alone, for every policy and baseline alike.

    Parameters
    ----------
    make : callable
        ``make(config, seed=seed) -> World``, e.g. ``crmlab.make_world``.
    config : WorldConfig or preset name
    seeds : iterable of int
        World seeds (replicates).
    methods : sequence of str, optional
        From :data:`crmlab.analytics.segmentation.METHODS` (default all).
    k : int or "choose", default=5
        Number of segments, or ``"choose"``: each method's criterion chooses it on each
        world's features (:func:`crmlab.analytics.segmentation.labels_at_k`), before any
        truth is looked at.
    split : date-like, default="2025-01-01"
        The decision date: features are as of it, campaigns before it teach the
        segment values, campaigns from it on are scored.
    random_state : int, numpy Generator or None, default=0
        Random start of every segmentation (an int: the same start in every world; a
        Generator: one stream over all worlds and methods).

    Returns
    -------
    DataFrame
        One row per seed and policy: ``world_seed``, ``method`` (a method, ``"true
        segments"`` or a baseline), ``k`` (segments used; 0 for baselines), ``ari``,
        ``ami`` (NaN for baselines), ``contacted``, ``incremental_profit``.

    Examples
    --------
    >>> import crmlab as crm
    >>> t = run_profit_experiment(crm.make_world, crm.WorldConfig(n_customers=400),
    ...                           seeds=[1], methods=["rfm"], split="2025-01-01")
    >>> sorted(t["method"])[:2], float(t.loc[t["method"] == "true segments", "ari"].iloc[0])
    (['contact everyone', 'contact no one'], 1.0)
    """
    from . import segmentation

    methods = list(segmentation.METHODS if methods is None else methods)
    for m in methods:
        if m not in segmentation.METHODS:
            raise ValueError(f"unknown method {m!r}; choose from {list(segmentation.METHODS)}")
    if isinstance(k, str) and k != "choose":
        raise ValueError(f"k must be an integer or 'choose'; got {k!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    cut = check_timestamp(split, "split")
    rng = check_random_state(random_state)
    start = random_state if is_seed(random_state) else rng
    frames = []
    for seed in seeds:  # one replicate world per seed
        world = make(config, seed=seed)
        X = segmentation.customer_features(world.tables, as_of=cut)
        truth = world.truth.customers.set_index("customer_id")["segment"].reindex(X.index)
        labelings = {"true segments": truth.astype(str)}
        scores = {"true segments": {"ari": 1.0, "ami": 1.0, "k": truth.nunique()}}
        for m in methods:
            labels, used = segmentation.labels_at_k(X, method=m, k=k, random_state=start)
            labelings[m] = pd.Series(labels, index=X.index)
            scores[m] = {**segmentation.score_labels(labels, truth.to_numpy()), "k": used}
        contacts = world.truth.contacts
        known = contacts[contacts["customer_id"].isin(X.index).to_numpy()]
        table = compare_segmentations(known, world.campaigns, labelings,
                                      split=cut).reset_index()
        table.insert(0, "world_seed", seed)
        quality = pd.DataFrame.from_dict(scores, orient="index")
        table = table.join(quality, on="policy")
        frames.append(table.rename(columns={"policy": "method"}))
    out = pd.concat(frames, ignore_index=True)
    out["k"] = out["k"].fillna(0).astype(int)
    return out[["world_seed", "method", "k", "ari", "ami", "contacted", "incremental_profit"]]
