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


def _label(key: str, fallback: str) -> str:
    """A message in the current language, or ``fallback`` where there is none (a segment
    of a world with its own segment names)."""
    from crmlab import i18n

    try:
        return i18n.t(key)
    except KeyError:
        return fallback


def _table_html(table: pd.DataFrame, method: str) -> str:
    from crmlab import i18n

    shares = table.div(table.sum(axis=1), axis=0)
    shares = shares.rename(index=lambda s: _label(f"nb04_segment_{s}", str(s)),
                           columns=lambda c: i18n.number(c, "d"))
    shares.index.name = i18n.t("nb04_col_true_segment")
    shares.columns.name = i18n.t("nb04_axis_cluster")
    body = shares.to_html(float_format=lambda v: i18n.number(v, ".0%"), border=0)
    name = _label(f"nb04_method_{method}", method)
    scores = i18n.t("widget_seg_summary", method=f"<b>{name}</b>",
                    k=i18n.number(table.shape[1], "d"),
                    ari=f"<b>{i18n.number(table.attrs['ari'], '.3f')}</b>",
                    ami=f"<b>{i18n.number(table.attrs['ami'], '.3f')}</b>")
    html = f"<p>{scores}</p><p>{i18n.t('widget_seg_shares')}</p>" + body
    return f'<div dir="rtl">{html}</div>' if i18n.get_language() == "fa" else html


class SegmentationExplorer(widgets.VBox):
    """A method menu and a ``k`` slider over :func:`segment_confusion`.

    Displayed, it also carries its current view as plain HTML (the scores and the table
    of shares), which a viewer without a running kernel or widget support (a saved
    notebook on a website, an HTML export) shows in place of the controls.

    Attributes
    ----------
    method : Dropdown
        Description ``"method"``; its options name the methods in the current language
        (:mod:`crmlab.i18n`), its value is the method's id.
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
        from crmlab import i18n

        self._data = (X, truth)
        self.method = widgets.Dropdown(
            options=[(_label(f"nb04_method_{m}", m), m) for m in segmentation.METHODS],
            value=method, description=i18n.t("widget_seg_method"))
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
            from crmlab import i18n

            bundle["text/html"] = (self.result.value
                                   + f"<p><i>{i18n.t('widget_seg_snapshot')}</i></p>")
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
        An ipywidgets ``VBox``: a ``Dropdown`` (description ``"method"``; every visible
        word in the language chosen with :func:`crmlab.i18n.set_language`), an
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
