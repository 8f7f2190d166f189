"""How concentrated revenue or profit is across customers: Lorenz curve, Gini, top shares.

"Not all customers are equally profitable" (the success-factors article, seed 000):
a minority of customers usually brings most of the value. With *profit* some
customers are negative, and they are kept, not hidden: the Lorenz curve of profit
dips below zero before it rises, and the top 20% can hold more than 100% of the total
profit, because the rest, taken together, lose money.

Examples
--------
>>> import numpy as np
>>> from crmlab.analytics import concentration as conc
>>> values = np.array([1.0, 1.0, 1.0, 1.0, 96.0])
>>> round(conc.top_share(values, 0.2), 2)
0.96
>>> round(conc.gini(values), 2)
0.76
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["concentration_table", "gini", "lorenz_curve", "top_share"]


def _values(values) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        raise ValueError("values is empty: at least one customer is needed")
    if np.isnan(arr).any():
        raise ValueError(f"values has {int(np.isnan(arr).sum())} missing entries")
    if arr.sum() <= 0:
        raise ValueError(f"the total of values must be positive to compute shares; got "
                         f"{arr.sum():.6g}")
    return arr


def lorenz_curve(values) -> pd.DataFrame:
    """Cumulative share of value held by the lowest-value customers.

    Returns
    -------
    DataFrame
        ``customer_share`` and ``value_share``, from (0, 0) to (1, 1), customers sorted
        from lowest to highest value. With negative values the curve dips below 0.
    """
    arr = np.sort(_values(values))
    n = arr.size
    return pd.DataFrame({
        "customer_share": np.arange(n + 1) / n,
        "value_share": np.r_[0.0, np.cumsum(arr)] / arr.sum(),
    })


def gini(values) -> float:
    """Gini coefficient: 0 when everyone is worth the same, near 1 when one customer holds
    everything (it can exceed 1 when some values are negative).

    Computed as one minus twice the area under the Lorenz curve (trapezoids), which for
    non-negative values equals the mean absolute difference over twice the mean.
    """
    curve = lorenz_curve(values)
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    area = np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0)
    return float(1.0 - 2.0 * area)


def top_share(values, top: float = 0.2) -> float:
    """Share of the total held by the top ``top`` fraction of customers (by value).

    The boundary customer counts fractionally, so the answer does not jump with ties.
    """
    if not 0.0 < top <= 1.0:
        raise ValueError(f"top must be in (0, 1]; got {top}")
    arr = np.sort(_values(values))[::-1]
    k = top * arr.size
    whole = int(np.floor(k))
    part = arr[:whole].sum() + (k - whole) * (arr[whole] if whole < arr.size else 0.0)
    return float(part / arr.sum())


def concentration_table(values, tops=(0.01, 0.05, 0.1, 0.2, 0.5)) -> pd.DataFrame:
    """Top shares for several fractions, plus how many customers lose money.

    Examples
    --------
    >>> t = concentration_table([5.0, -1.0, 2.0, 10.0], tops=(0.25, 0.5))
    >>> t["share_of_total"].round(3).tolist(), t.attrs["negative_customers"]
    ([0.625, 0.938], 1)
    """
    arr = _values(values)
    table = pd.DataFrame({"top": list(tops),
                          "share_of_total": [top_share(arr, t) for t in tops]})
    table.attrs["gini"] = gini(arr)
    table.attrs["negative_customers"] = int((arr < 0).sum())
    table.attrs["negative_total"] = float(arr[arr < 0].sum())
    return table.set_index("top")
