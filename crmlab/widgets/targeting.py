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

import warnings
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from crmlab import i18n
from crmlab.analytics._deprecation import renamed_kwargs
from crmlab.analytics.targeting import evaluate_policies

__all__ = ["TargetingExplorer", "policy_profit_table", "shown_policy_table",
           "targeting_explorer"]

#: the messages (``crmlab/i18n/messages/02_database_marketing_is_not_crm.csv``) of the
#: explorer's columns; the table keeps its English names, only what is shown is translated
_COLUMN_MESSAGES = {"contacted": "nb02_col_contacted", "response_rate": "nb02_col_response_rate",
                    "true_uplift": "nb02_col_true_uplift",
                    "incremental_profit": "nb02_col_incremental_profit"}


@renamed_kwargs(seed="random_state")
def policy_profit_table(truth: pd.DataFrame, scores: Mapping[str, pd.Series | np.ndarray], *,
                        share: float, cost_per_contact: float, offer_value: float,
                        random_state: Any = 0) -> pd.DataFrame:
    """Each policy's list, response rate and true incremental profit, rounded for display.

    A thin layer over :func:`crmlab.analytics.targeting.evaluate_policies` (same
    arguments) that rounds rates to 3 decimals and money to 2.
    """
    if cost_per_contact < 0 or offer_value < 0:
        raise ValueError(f"cost_per_contact and offer_value must be non-negative; got "
                         f"{cost_per_contact} and {offer_value}")
    table = evaluate_policies(truth, scores, share=share, cost_per_contact=cost_per_contact,
                              offer_value=offer_value, random_state=random_state)
    return table.round({"response_rate": 3, "true_uplift": 3, "incremental_profit": 2})


def shown_policy_table(table: pd.DataFrame,
                       names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """:func:`policy_profit_table` as the explorer shows it, in the current language
    (:func:`crmlab.i18n.set_language`): translated column names, each policy under its
    display name (``names``, default its own), and for Persian, Persian digits.

    Examples
    --------
    >>> from crmlab import i18n
    >>> t = pd.DataFrame({"contacted": [2], "response_rate": [0.5], "true_uplift": [0.25],
    ...                   "incremental_profit": [1500.0]}, index=["model"])
    >>> i18n.set_language("fa")
    >>> shown_policy_table(t, {"model": "مدل"}).loc["مدل"].tolist()
    ['۲', '۰٫۵۰۰', '۰٫۲۵۰', '۱٬۵۰۰']
    >>> i18n.set_language("en")
    >>> shown_policy_table(t).columns.tolist()
    ['contacted', 'response rate', 'true uplift', 'incremental profit']
    """
    shown = table.copy()
    if i18n.get_language() != "en":
        specs = {"contacted": ",", "response_rate": ".3f", "true_uplift": ".3f",
                 "incremental_profit": ",.0f"}
        shown = pd.DataFrame({c: [i18n.number(v, specs.get(c, ",")) for v in shown[c]]
                              for c in shown.columns}, index=shown.index)
    names = dict(names or {})
    shown.index = [names.get(p, p) for p in shown.index]
    shown.index.name = i18n.t("nb02_col_policy")
    return shown.rename(columns=lambda c: i18n.t(_COLUMN_MESSAGES[c])
                        if c in _COLUMN_MESSAGES else c)


class TargetingExplorer(widgets.VBox):
    """Sliders for list share, contact cost and incentive over :func:`policy_profit_table`.

    Attributes
    ----------
    share, cost, offer : FloatSlider
    numbers : HTML
        The table of the current view.
    result : DataFrame
        The :func:`policy_profit_table` of the current view.
    """

    def __init__(self, truth: pd.DataFrame, scores: Mapping[str, pd.Series | np.ndarray], *,
                 share: float = 0.3, cost_per_contact: float = 2.0, offer_value: float = 5.0,
                 max_cost: float = 10.0, max_offer: float = 20.0,
                 names: Mapping[str, str] | None = None) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1]; got {share}")
        if not (0 <= cost_per_contact <= max_cost and 0 <= offer_value <= max_offer):
            raise ValueError(f"cost_per_contact must lie in [0, {max_cost}] and offer_value "
                             f"in [0, {max_offer}]; got {cost_per_contact} and {offer_value}")
        self._data = (truth, scores)
        self._names = names
        style = {"description_width": "initial"}
        self.share = widgets.FloatSlider(value=share, min=0.05, max=1.0, step=0.05,
                                         description=i18n.t("nb02_slider_share"),
                                         continuous_update=False, style=style)
        # a hundred steps of cost and forty of incentive, in any currency
        self.cost = widgets.FloatSlider(value=cost_per_contact, min=0.0, max=max_cost,
                                        step=max_cost / 100, description=i18n.t("nb02_slider_cost"),
                                        continuous_update=False, style=style)
        self.offer = widgets.FloatSlider(value=offer_value, min=0.0, max=max_offer,
                                         step=max_offer / 40,
                                         description=i18n.t("nb02_slider_offer"),
                                         continuous_update=False, style=style)
        # an HTML widget rather than an Output capture keeps notebook outputs identical
        # whichever client runs the notebook
        self.numbers = widgets.HTML()
        self.result: pd.DataFrame | None = None
        super().__init__(children=[self.share, self.cost, self.offer, self.numbers])
        for slider in (self.share, self.cost, self.offer):
            slider.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        self.result = policy_profit_table(*self._data, share=self.share.value,
                                          cost_per_contact=self.cost.value,
                                          offer_value=self.offer.value)
        self.numbers.value = shown_policy_table(self.result, self._names).to_html()

    @property
    def crmlab_result(self) -> pd.DataFrame | None:
        """Deprecated: the old name of :attr:`result`."""
        warnings.warn("TargetingExplorer.crmlab_result is deprecated and will be removed in "
                      "the next release; use .result instead", DeprecationWarning,
                      stacklevel=2)
        return self.result


def targeting_explorer(truth: pd.DataFrame, scores: Mapping[str, pd.Series | np.ndarray], *,
                       share: float = 0.3, cost_per_contact: float = 2.0,
                       offer_value: float = 5.0, max_cost: float = 10.0,
                       max_offer: float = 20.0,
                       names: Mapping[str, str] | None = None) -> TargetingExplorer:
    """Sliders for list share, contact cost and incentive; a table of each policy's profit.

    Parameters
    ----------
    truth : DataFrame
        One campaign's rows of ``World.truth.contacts``.
    scores : mapping of name -> scores aligned with ``truth``
    share, cost_per_contact, offer_value : float
        Starting values.
    max_cost, max_offer : float
        Upper ends of the cost and incentive sliders (in the campaign's currency; the
        sliders move in a hundredth of the cost and a fortieth of the incentive).
    names : mapping of policy -> name shown, optional
        Display names of the policies, e.g. translated ones.

    Returns
    -------
    TargetingExplorer
        An ipywidgets ``VBox``: three sliders and an HTML table, labelled in the current
        language (:func:`crmlab.i18n.set_language`); ``.result`` holds the latest
        :func:`policy_profit_table` (English names in every language).

    Examples
    --------
    >>> truth = pd.DataFrame({"response_if_contacted": [1, 1, 0, 1],
    ...                       "response_if_not_contacted": [1, 0, 0, 0],
    ...                       "value_if_responds": [10.0, 10.0, 10.0, 10.0]})
    >>> box = targeting_explorer(truth, {"model": np.array([0.1, 0.9, 0.0, 0.8])}, share=0.5)
    >>> box.cost.value = 0.0
    >>> float(box.result.loc["model", "incremental_profit"])
    10.0
    """
    return TargetingExplorer(truth, scores, share=share, cost_per_contact=cost_per_contact,
                             offer_value=offer_value, max_cost=max_cost, max_offer=max_offer,
                             names=names)
