"""Pick a segmentation method and a number of clusters; see how they match the true segments.

:func:`segment_confusion` segments customers with one of
:data:`crmlab.analytics.segmentation.METHODS` and cross-tabulates the clusters against
the true segments; :func:`segmentation_explorer` puts a method menu and a ``k`` slider
over it.

Examples
--------
>>> import crmlab as crm
>>> from crmlab.analytics import segmentation as seg
>>> from crmlab.widgets.segmentation import segment_confusion
>>> w = crm.load_dataset("tiny")
>>> X = seg.customer_features(w.tables)
>>> truth = w.truth.customers.set_index("customer_id")["segment"]
>>> table = segment_confusion(X, truth, method="rfm", k=3)
>>> table.shape, int(table.to_numpy().sum()) == len(X)
((5, 3), True)
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from crmlab.analytics import segmentation
from crmlab.analytics._deprecation import renamed_kwargs

__all__ = ["SegmentationExplorer", "segment_confusion", "segmentation_explorer"]


@renamed_kwargs(seed="random_state")
def segment_confusion(X: pd.DataFrame, truth: pd.Series, *, method: str, k: int = 5,
                      random_state: Any = 0) -> pd.DataFrame:
    """Customers per true segment (rows) and found cluster (columns), with the scores.

    Parameters
    ----------
    X : DataFrame
        From :func:`crmlab.analytics.segmentation.customer_features`.
    truth : Series
        True segment per customer id (must cover ``X.index``).
    method : str
        One of :data:`crmlab.analytics.segmentation.METHODS`.
    k : int, default=5
        Number of clusters.
    random_state : int, numpy Generator or None, default=0
        Random start (as :func:`crmlab.analytics.segmentation.segment`).

    Returns
    -------
    DataFrame
        Counts; ``attrs["ari"]`` and ``attrs["ami"]`` hold the agreement with the truth.
        Clusters are numbered from 0 in the order of their mean true-segment position,
        so the table reads roughly along its diagonal.
    """
    if not isinstance(truth, pd.Series):
        raise TypeError(f"truth must be a Series indexed by customer id; got "
                        f"{type(truth).__name__}")
    true = truth.reindex(X.index)
    if true.isna().any():
        raise ValueError(f"truth has no segment for {int(true.isna().sum())} customers of X")
    labels = segmentation.segment(X, method=method, k=k, random_state=random_state)
    table = pd.crosstab(pd.Series(true.array, name="true segment"),
                        pd.Series(labels, name="cluster"))
    # order clusters by the mean row position of their customers: a near-diagonal table
    position = np.arange(len(table))[:, None]
    centre = (table.to_numpy() * position).sum(axis=0) / table.to_numpy().sum(axis=0)
    table = table.iloc[:, np.argsort(centre, kind="stable")]
    table.columns = pd.Index(range(table.shape[1]), name="cluster")
    table.attrs.update(segmentation.score_labels(labels, true.to_numpy()))
    return table


def _table_html(table: pd.DataFrame, method: str) -> str:
    shares = table.div(table.sum(axis=1), axis=0)
    body = shares.to_html(float_format=lambda v: f"{v:.0%}", border=0)
    return (f"<p><b>{method}</b>, k = {table.shape[1]}: adjusted Rand index "
            f"<b>{table.attrs['ari']:.3f}</b>, adjusted mutual information "
            f"<b>{table.attrs['ami']:.3f}</b></p>"
            "<p>Share of each true segment found in each cluster:</p>" + body)


class SegmentationExplorer(widgets.VBox):
    """A method menu and a ``k`` slider over :func:`segment_confusion`.

    Displayed, it also carries its current view as plain HTML (the scores and the table
    of shares), which a viewer without a running kernel or widget support (a saved
    notebook on a website, an HTML export) shows in place of the controls.

    Attributes
    ----------
    method : Dropdown
        Description ``"method"``.
    k : IntSlider
        Description ``"k"``.
    result : HTML
        The scores and the table of shares of the current view.
    table : DataFrame
        The :func:`segment_confusion` table of the current view.
    """

    def __init__(self, X: pd.DataFrame, truth: pd.Series, *, method: str = "latent_class",
                 k: int = 5) -> None:
        if method not in segmentation.METHODS:
            raise ValueError(f"method must be one of {list(segmentation.METHODS)}; "
                             f"got {method!r}")
        self._data = (X, truth)
        self.method = widgets.Dropdown(options=list(segmentation.METHODS), value=method,
                                       description="method")
        self.k = widgets.IntSlider(value=k, min=2, max=10, description="k",
                                   continuous_update=False)
        self.result = widgets.HTML()
        self.table: pd.DataFrame | None = None
        self._cache: dict[tuple[str, int], pd.DataFrame] = {}
        super().__init__(children=[widgets.HBox([self.method, self.k]), self.result])
        self.method.observe(self._redraw, names="value")
        self.k.observe(self._redraw, names="value")
        self._redraw()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:  # None when widgets cannot be displayed at all
            bundle["text/html"] = (self.result.value + "<p><i>A snapshot: run the notebook "
                                   "to change the method and the number of clusters.</i></p>")
        return bundle

    def _redraw(self, change: Any = None) -> None:
        key = (self.method.value, int(self.k.value))
        if key not in self._cache:
            self._cache[key] = segment_confusion(*self._data, method=key[0], k=key[1])
        self.table = self._cache[key]
        self.result.value = _table_html(self.table, key[0])


def segmentation_explorer(X: pd.DataFrame, truth: pd.Series, *, method: str = "latent_class",
                          k: int = 5) -> SegmentationExplorer:
    """A method menu and a ``k`` slider over :func:`segment_confusion`.

    Returns
    -------
    SegmentationExplorer
        An ipywidgets ``VBox``: a ``Dropdown`` (description ``"method"``), an
        ``IntSlider`` (description ``"k"``) and an ``HTML`` with the scores and the
        table of shares; ``.method``, ``.k``, ``.result`` (the HTML) and ``.table``.

    Examples
    --------
    >>> import crmlab as crm
    >>> from crmlab.analytics import segmentation as seg
    >>> w = crm.load_dataset("tiny")
    >>> X = seg.customer_features(w.tables)
    >>> box = segmentation_explorer(X, w.truth.customers.set_index("customer_id")["segment"])
    >>> box.k.value = 3
    >>> box.table.shape
    (5, 3)
    """
    return SegmentationExplorer(X, truth, method=method, k=k)
