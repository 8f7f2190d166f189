"""Whom to contact: response-rate, value and uplift targeting, judged by true profit.

Database marketing ranks customers by how likely they are to respond. But a customer
who would have bought anyway responds without being persuaded: contacting them costs
money and earns nothing extra. What a campaign really earns is its *incremental*
profit — the difference between what happens with and without the contact — which
real data reveals only on average, through a random control group. A crmlab world
keeps both potential outcomes of every eligible customer (``w.truth.contacts``), so
any targeting policy can be scored by the profit it would really have made.

For a contacted customer with outcomes ``y1`` (if contacted) and ``y0`` (if not),
value ``v``, incentive ``o`` paid on a response, and contact cost ``c``::

    incremental profit = (y1 - y0) * v  -  y1 * o  -  c

Uplift models estimate ``P(y1) - P(y0)`` from past campaigns' treatment and control
groups; :class:`TwoModelUplift` fits one logistic regression per group (the
"two-model" or T-learner approach of Radcliffe & Surry).

Examples
--------
>>> import pandas as pd
>>> truth = pd.DataFrame({"response_if_contacted": [1, 1, 0, 1],
...                       "response_if_not_contacted": [1, 0, 0, 0],
...                       "value_if_responds": [10.0, 10.0, 10.0, 10.0]})
>>> incremental_profit(truth, [True, True, False, False], cost_per_contact=1.0,
...                    offer_value=2.0)
4.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import renamed_kwargs
from ._validation import check_frame_columns, check_random_state, is_seed

__all__ = ["TwoModelUplift", "evaluate_policies", "incremental_profit", "select_top"]

_OUTCOMES = ("response_if_contacted", "response_if_not_contacted", "value_if_responds")


def _check_truth(truth: pd.DataFrame) -> None:
    check_frame_columns(truth, _OUTCOMES, "truth",
                        if_empty="the campaign has no eligible customers",
                        hint="pass rows of World.truth.contacts for one campaign")


def incremental_profit(truth: pd.DataFrame, selected: Sequence[bool] | np.ndarray, *,
                       cost_per_contact: float, offer_value: float) -> float:
    """True incremental profit of contacting the ``selected`` customers.

    Parameters
    ----------
    truth : DataFrame
        One campaign's rows of ``World.truth.contacts``.
    selected : array of bool
        Which of those customers the policy contacts (aligned with ``truth``).
    cost_per_contact, offer_value : float
        The campaign's cost of a contact and of the incentive paid on a response.
    """
    _check_truth(truth)
    sel = np.asarray(selected, dtype=bool)
    if sel.shape != (len(truth),):
        raise ValueError(f"selected must have one flag per truth row ({len(truth)}); "
                         f"got shape {sel.shape}")
    y1 = truth["response_if_contacted"].to_numpy(dtype=float)[sel]
    y0 = truth["response_if_not_contacted"].to_numpy(dtype=float)[sel]
    value = truth["value_if_responds"].to_numpy(dtype=float)[sel]
    return float(np.sum((y1 - y0) * value - y1 * offer_value) - cost_per_contact * sel.sum())


@renamed_kwargs(seed="random_state")
def select_top(scores: pd.Series | np.ndarray, share: float, *,
               random_state: Any = 0) -> np.ndarray:
    """Flags for the top ``share`` of customers by score (ties broken at random).

    Parameters
    ----------
    scores : array-like
        One score per customer; higher is better.
    share : float in (0, 1]
        Share of customers to flag (rounded to whole customers).
    random_state : int, numpy Generator or None, default=0
        Breaks ties between equal scores.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> select_top(np.array([0.1, 0.9, 0.5, 0.7]), 0.5).tolist()
    [False, True, False, True]
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1]; got {share}")
    s = np.asarray(scores, dtype=float)
    if np.isnan(s).any():
        raise ValueError(f"scores have {int(np.isnan(s).sum())} missing values")
    k = int(round(share * len(s)))
    tiebreak = check_random_state(random_state).random(len(s))
    order = np.lexsort((tiebreak, -s))
    out = np.zeros(len(s), dtype=bool)
    out[order[:k]] = True
    return out


@renamed_kwargs(seed="random_state")
def evaluate_policies(truth: pd.DataFrame, scores: Mapping[str, pd.Series | np.ndarray], *,
                      share: float, cost_per_contact: float, offer_value: float,
                      random_state: Any = 0) -> pd.DataFrame:
    """Score targeting policies on one campaign with the counterfactual truth.

    Parameters
    ----------
    truth : DataFrame
        One campaign's rows of ``World.truth.contacts`` (every eligible customer).
    scores : mapping of name -> scores aligned with ``truth``
        Each policy contacts its top ``share`` by score. A ``"random"`` policy is
        always added for reference.
    share : float
        Share of eligible customers contacted.
    cost_per_contact, offer_value : float
    random_state : int, numpy Generator or None, default=0
        For the random policy and tie-breaking. With an int, the random policy and each
        policy's tie-breaks start from that seed.

    Returns
    -------
    DataFrame
        One row per policy: ``contacted``, ``response_rate`` (what the campaign
        report shows), ``true_uplift`` (mean ``y1 - y0`` among the contacted),
        ``incremental_profit``, sorted by profit.
    """
    _check_truth(truth)
    rng = check_random_state(random_state)
    # a seed starts every draw afresh (as it always has); a Generator continues its stream
    ties = random_state if is_seed(random_state) else rng
    policies = {"random": rng.random(len(truth)), **dict(scores)}
    rows = []
    y1 = truth["response_if_contacted"].to_numpy(dtype=float)
    y0 = truth["response_if_not_contacted"].to_numpy(dtype=float)
    for name, score in policies.items():  # a handful of policies
        sel = select_top(score, share, random_state=ties)
        rows.append({
            "policy": name, "contacted": int(sel.sum()),
            "response_rate": float(y1[sel].mean()) if sel.any() else 0.0,
            "true_uplift": float((y1 - y0)[sel].mean()) if sel.any() else 0.0,
            "incremental_profit": incremental_profit(
                truth, sel, cost_per_contact=cost_per_contact, offer_value=offer_value),
        })
    table = pd.DataFrame(rows).set_index("policy")
    return table.sort_values("incremental_profit", ascending=False)


class TwoModelUplift:
    """Uplift by two logistic regressions: one on treated, one on control customers.

    ``predict_uplift(X) = P(respond | X, treated) - P(respond | X, control)``. Features
    are standardised with the treated group's mean and spread.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 regularisation of scikit-learn's ``LogisticRegression``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 1)); t = rng.random(2000) < 0.5
    >>> y = rng.random(2000) < 0.2 + 0.2 * t * (X[:, 0] > 0)
    >>> m = TwoModelUplift().fit(X, y, t)
    >>> bool(m.predict_uplift(np.array([[1.5]]))[0] > m.predict_uplift(np.array([[-1.5]]))[0])
    True
    """

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X, responded, treated) -> TwoModelUplift:
        """Fit on past contacts: features ``X``, outcome ``responded``, group ``treated``."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=float)
        y = np.asarray(responded, dtype=bool)
        t = np.asarray(treated, dtype=bool)
        if X.ndim != 2 or len(X) != len(y) or len(y) != len(t):
            raise ValueError("X must be 2-d with one row per outcome and treatment flag")
        for group, name in ((t, "treated"), (~t, "control")):
            if group.sum() < 10 or len(np.unique(y[group])) < 2:
                raise ValueError(f"the {name} group needs at least 10 customers and both "
                                 "responders and non-responders")
        self.mean_ = X[t].mean(axis=0)
        self.scale_ = X[t].std(axis=0) + 1e-12
        Z = (X - self.mean_) / self.scale_
        self.treated_ = LogisticRegression(C=self.C, max_iter=1000).fit(Z[t], y[t])
        self.control_ = LogisticRegression(C=self.C, max_iter=1000).fit(Z[~t], y[~t])
        return self

    def predict_uplift(self, X) -> np.ndarray:
        """Estimated increase in response probability caused by a contact."""
        if not hasattr(self, "treated_"):
            raise RuntimeError("call fit() before predict_uplift()")
        Z = (np.asarray(X, dtype=float) - self.mean_) / self.scale_
        return self.treated_.predict_proba(Z)[:, 1] - self.control_.predict_proba(Z)[:, 1]
