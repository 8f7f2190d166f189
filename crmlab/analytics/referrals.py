"""The referral network as trees: who started each chain of referrals, and how deep it goes.

Every referred customer has exactly one referrer, and a referrer joined before the
people they brought, so the network is a forest: each tree starts at a customer who
was not referred (the root) and grows one generation per referral step.

Examples
--------
>>> import pandas as pd
>>> refs = pd.DataFrame({"referrer_id": ["a", "b", "a"], "referred_id": ["b", "c", "d"]})
>>> referral_trees(refs).to_dict("index")["c"]
{'root': 'a', 'generation': 2, 'referrer_id': 'b'}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_frame_columns

__all__ = ["referral_trees"]


def referral_trees(referrals: pd.DataFrame) -> pd.DataFrame:
    """Root and generation of every customer in the referral network.

    Parameters
    ----------
    referrals : DataFrame
        ``referrer_id`` and ``referred_id``, one row per referred customer.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (everyone who referred or was referred, sorted):
        ``root`` (the unreferred customer who started the tree), ``generation`` (0 for
        roots, 1 for the people they brought, ...) and ``referrer_id`` (empty for
        roots). ``attrs["tree_size"]`` holds the number of customers per root.

    Raises
    ------
    ValueError
        If a customer was referred twice or the links form a cycle.
    """
    check_frame_columns(referrals, ["referrer_id", "referred_id"], "referrals",
                        if_empty="need at least one referral")
    if referrals["referred_id"].duplicated().any():
        dup = referrals.loc[referrals["referred_id"].duplicated(), "referred_id"].iloc[0]
        raise ValueError(f"referrals: customer {dup!r} is referred more than once; each "
                         f"customer can have one referrer")
    parent = pd.Series(referrals["referrer_id"].astype(str).to_numpy(),
                       index=referrals["referred_id"].astype(str).to_numpy())
    nodes = pd.Index(np.union1d(parent.index.to_numpy(), parent.to_numpy()), name="customer_id")
    up = parent.reindex(nodes)
    root = pd.Series(nodes.to_numpy(), index=nodes)
    generation = pd.Series(0, index=nodes)
    current = up.copy()
    # climb one generation per step for every customer at once
    for _ in range(len(nodes) + 1):
        has = current.notna()
        if not has.any():
            break
        root[has] = current[has]
        generation[has] += 1
        current = up.reindex(current.to_numpy()).set_axis(nodes).where(has)
    else:
        raise ValueError("referrals form a cycle: someone is their own (indirect) referrer")
    out = pd.DataFrame({"root": root, "generation": generation.astype(np.int64),
                        "referrer_id": up})
    out.attrs["tree_size"] = out.groupby("root").size().sort_values(ascending=False,
                                                                    kind="stable")
    return out
