"""Explorer: list size, contact cost and incentive -> the true profit of each policy.

:func:`policy_profit_table` computes what the explorer shows (pure, testable);
:func:`targeting_explorer` wraps it in three sliders.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> truth = pd.DataFrame({"response_if_contacted": [1, 1, 0, 1],
...                       "response_if_not_contacted": [1, 0, 0, 0],
...                       "value_if_responds": [10.0, 10.0, 10.0, 10.0]})
>>> t = policy_profit_table(truth, {"model": np.array([0.1, 0.9, 0.0, 0.8])}, share=0.5,
...                         cost_per_contact=1.0, offer_value=2.0)
>>> float(t.loc["model", "incremental_profit"])
14.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.analytics.targeting import evaluate_policies

__all__ = ["policy_profit_table", "targeting_explorer"]


def policy_profit_table(truth: pd.DataFrame, scores: Mapping[str, pd.Series | np.ndarray], *,
                        share: float, cost_per_contact: float, offer_value: float,
                        seed: int = 0) -> pd.DataFrame:
    """Each policy's list, response rate and true incremental profit, rounded for display.

    A thin layer over :func:`crmlab.analytics.targeting.evaluate_policies` (same
    arguments) that rounds rates to 3 decimals and money to 2.
    """
    if cost_per_contact < 0 or offer_value < 0:
        raise ValueError(f"cost_per_contact and offer_value must be non-negative; got "
                         f"{cost_per_contact} and {offer_value}")
    table = evaluate_policies(truth, scores, share=share, cost_per_contact=cost_per_contact,
                              offer_value=offer_value, seed=seed)
    return table.round({"response_rate": 3, "true_uplift": 3, "incremental_profit": 2})


def targeting_explorer(truth: pd.DataFrame, scores: Mapping[str, pd.Series | np.ndarray], *,
                       share: float = 0.3, cost_per_contact: float = 2.0,
                       offer_value: float = 5.0, max_cost: float = 10.0,
                       max_offer: float = 20.0):
    """Sliders for list share, contact cost and incentive; a table of each policy's profit.

    Parameters
    ----------
    truth : DataFrame
        One campaign's rows of ``World.truth.contacts``.
    scores : mapping of name -> scores aligned with ``truth``
    share, cost_per_contact, offer_value : float
        Starting values.
    max_cost, max_offer : float
        Upper ends of the cost and incentive sliders.

    Returns
    -------
    ipywidgets.VBox
        Three sliders and an HTML table; ``box.crmlab_result`` holds the latest
        :func:`policy_profit_table`.
    """
    import ipywidgets as widgets

    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1]; got {share}")
    if not (0 <= cost_per_contact <= max_cost and 0 <= offer_value <= max_offer):
        raise ValueError(f"cost_per_contact must lie in [0, {max_cost}] and offer_value in "
                         f"[0, {max_offer}]; got {cost_per_contact} and {offer_value}")
    style = {"description_width": "initial"}
    share_s = widgets.FloatSlider(value=share, min=0.05, max=1.0, step=0.05,
                                  description="share of eligible contacted",
                                  continuous_update=False, style=style)
    cost_s = widgets.FloatSlider(value=cost_per_contact, min=0.0, max=max_cost, step=0.1,
                                 description="cost per contact", continuous_update=False,
                                 style=style)
    offer_s = widgets.FloatSlider(value=offer_value, min=0.0, max=max_offer, step=0.5,
                                  description="incentive per response",
                                  continuous_update=False, style=style)
    # an HTML widget rather than an Output capture keeps notebook outputs identical
    # whichever client runs the notebook
    table = widgets.HTML()
    box = widgets.VBox([share_s, cost_s, offer_s, table])

    def update(change: Any = None) -> None:
        box.crmlab_result = policy_profit_table(truth, scores, share=share_s.value,
                                                cost_per_contact=cost_s.value,
                                                offer_value=offer_s.value)
        table.value = box.crmlab_result.to_html()

    for s in (share_s, cost_s, offer_s):
        s.observe(update, names="value")
    update()
    return box
