"""Explorer: how the match threshold of record linkage trades precision for recall.

:func:`linkage_at_threshold` computes what the explorer shows (pure, testable);
:func:`linkage_explorer` wraps it in a slider.

Examples
--------
>>> import pandas as pd
>>> from crmlab.analytics import linkage as lk
>>> r = pd.DataFrame({"first": ["ann", "anne", "bob"], "last": ["lee", "lee", "lee"],
...                   "phone": ["1", "1", "2"], "email": [pd.NA] * 3, "address": [pd.NA] * 3})
>>> pairs = lk.link_records(r).attrs["pairs"]
>>> linkage_at_threshold(r, pairs, ["a", "a", "b"], threshold=10.0)["customers found"]
2
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from crmlab import i18n
from crmlab.analytics import linkage as lk
from crmlab.analytics._validation import check_frame_columns

__all__ = ["LinkageExplorer", "linkage_at_threshold", "linkage_explorer", "shown_linkage"]

#: the message (``crmlab/i18n/messages/01_evolution_of_crm.csv``) of each row the explorer
#: shows; the Series keeps its English keys, only what the student reads is translated
_ROW_MESSAGES = {"records": "nb01_linkage_records", "customers found": "nb01_linkage_found",
                 "true customers": "nb01_linkage_true", "precision": "nb01_linkage_precision",
                 "recall": "nb01_linkage_recall", "pairs linked": "nb01_linkage_pairs"}


def linkage_at_threshold(records: pd.DataFrame, pairs: pd.DataFrame,
                         truth: Sequence[Any] | np.ndarray, *, threshold: float) -> pd.Series:
    """The linkage's quality at one threshold, as the explorer prints it.

    Parameters
    ----------
    records : DataFrame
        Standardised records.
    pairs : DataFrame
        Scored candidate pairs (``link_records(...).attrs["pairs"]``).
    truth : array-like
        True customer of each record.
    threshold : float
        Pairs scoring at least this are linked.

    Returns
    -------
    Series
        ``records`` (what a naive union of the systems counts), ``customers found``,
        ``true customers``, ``precision``, ``recall`` (rounded to 3 decimals),
        ``pairs linked``.
    """
    check_frame_columns(pairs, ["left", "right", "score"], "pairs", if_empty=None,
                        hint="pass link_records(...).attrs['pairs']")
    linked = pairs["score"].to_numpy() >= threshold
    entity = lk.cluster_records(len(records), pairs, linked)
    s = lk.evaluate_linkage(entity, truth)
    return pd.Series({"records": s.records, "customers found": s.entities,
                      "true customers": s.customers, "precision": round(s.precision, 3),
                      "recall": round(s.recall, 3), "pairs linked": int(linked.sum())},
                     dtype=object, name=f"threshold {threshold:g}")


def shown_linkage(result: pd.Series, threshold: float) -> pd.DataFrame:
    """:func:`linkage_at_threshold`'s Series as the explorer shows it, in the current
    language (:func:`crmlab.i18n.set_language`): translated row names and, for Persian,
    Persian digits.

    Examples
    --------
    >>> from crmlab import i18n
    >>> r = pd.Series({"records": 3, "customers found": 2, "true customers": 2,
    ...                "precision": 1.0, "recall": 1.0, "pairs linked": 1}, dtype=object)
    >>> i18n.set_language("fa")
    >>> shown_linkage(r, 10.0).iloc[:, 0].tolist()[:2]
    ['۳', '۲']
    >>> i18n.set_language("en")
    >>> shown_linkage(r, 10.0).columns.tolist()
    ['threshold 10']
    """
    lang = i18n.get_language()
    values = result.copy()
    if lang != "en":
        values = pd.Series({k: i18n.number(v, ".3f" if k in ("precision", "recall") else ",")
                            for k, v in result.items()}, dtype=object)
    values.index = [i18n.t(_ROW_MESSAGES.get(k, k)) if k in _ROW_MESSAGES else k
                    for k in result.index]
    name = i18n.t("nb01_linkage_at", threshold=i18n.number(threshold, "g"))
    return values.to_frame(name)


class LinkageExplorer(widgets.VBox):
    """A slider for the match threshold over :func:`linkage_at_threshold`.

    Attributes
    ----------
    threshold : FloatSlider
    numbers : HTML
        The table of the current view.
    result : Series
        The :func:`linkage_at_threshold` of the current view.
    """

    def __init__(self, records: pd.DataFrame, truth: Sequence[Any] | np.ndarray, *,
                 pairs: pd.DataFrame | None = None, threshold: float = 10.0,
                 low: float = -5.0, high: float = 30.0) -> None:
        if not low <= threshold <= high:
            raise ValueError(f"threshold must lie in [{low}, {high}]; got {threshold}")
        if pairs is None:
            pairs = lk.link_records(records).attrs["pairs"]
        self._data = (records, pairs, truth)
        self.threshold = widgets.FloatSlider(value=threshold, min=low, max=high, step=1.0,
                                             description=i18n.t("nb01_threshold"),
                                             continuous_update=False)
        # an HTML widget, not an Output capture: its content is widget state, so a
        # notebook run by any client (nbconvert, nbval, JupyterLab) stores the same outputs
        self.numbers = widgets.HTML()
        self.result: pd.Series | None = None
        super().__init__(children=[self.threshold, self.numbers])
        self.threshold.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        self.result = linkage_at_threshold(*self._data, threshold=self.threshold.value)
        self.numbers.value = shown_linkage(self.result, self.threshold.value).to_html()

    @property
    def crmlab_result(self) -> pd.Series | None:
        """Deprecated: the old name of :attr:`result`."""
        warnings.warn("LinkageExplorer.crmlab_result is deprecated and will be removed in "
                      "the next release; use .result instead", DeprecationWarning,
                      stacklevel=2)
        return self.result


def linkage_explorer(records: pd.DataFrame, truth: Sequence[Any] | np.ndarray, *,
                     pairs: pd.DataFrame | None = None, threshold: float = 10.0,
                     low: float = -5.0, high: float = 30.0) -> LinkageExplorer:
    """A slider for the match threshold, showing precision, recall and customer count.

    Parameters
    ----------
    records : DataFrame
        Standardised records (:func:`crmlab.analytics.linkage.standardize_silos`).
    truth : array-like
        True customer of each record.
    pairs : DataFrame, optional
        Scored pairs; computed with the default weights if omitted.
    threshold, low, high : float
        Starting value and range of the slider.

    Returns
    -------
    LinkageExplorer
        An ipywidgets ``VBox``: the slider and an HTML table, labelled in the current
        language (:func:`crmlab.i18n.set_language`); ``.result`` holds the latest
        :func:`linkage_at_threshold` Series (English keys in every language).

    Examples
    --------
    >>> r = pd.DataFrame({"first": ["ann", "anne", "bob"], "last": ["lee", "lee", "lee"],
    ...                   "phone": ["1", "1", "2"], "email": [pd.NA] * 3,
    ...                   "address": [pd.NA] * 3})
    >>> box = linkage_explorer(r, ["a", "a", "b"])
    >>> box.threshold.value = 30.0
    >>> box.result["customers found"]
    3
    """
    return LinkageExplorer(records, truth, pairs=pairs, threshold=threshold, low=low,
                           high=high)
