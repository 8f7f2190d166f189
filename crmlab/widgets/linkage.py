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

from crmlab.analytics import linkage as lk
from crmlab.analytics._validation import check_frame_columns

__all__ = ["LinkageExplorer", "linkage_at_threshold", "linkage_explorer"]


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
                                             description="threshold", continuous_update=False)
        # an HTML widget, not an Output capture: its content is widget state, so a
        # notebook run by any client (nbconvert, nbval, JupyterLab) stores the same outputs
        self.numbers = widgets.HTML()
        self.result: pd.Series | None = None
        super().__init__(children=[self.threshold, self.numbers])
        self.threshold.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        self.result = linkage_at_threshold(*self._data, threshold=self.threshold.value)
        self.numbers.value = self.result.to_frame().to_html()

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
        An ipywidgets ``VBox``: the slider and an HTML table; ``.result`` holds the
        latest :func:`linkage_at_threshold` Series.

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
