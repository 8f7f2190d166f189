"""Explorer for notebook 06: when should an unpaid phone bill suspend the line?

:func:`collections_view` is the pure part: for given slider values it runs
:func:`crmlab.analytics.billing.suspension_whatif` over the observed payment delays
and returns the numbers and the trade-off figure. :func:`collections_explorer` wraps
it in sliders; every change rewrites the numbers and redraws the figure (a PNG).

Examples
--------
>>> import crmlab as crm
>>> ex = collections_explorer(crm.load_dataset("tiny"))
>>> before = ex.numbers_table["suspended customers"]
>>> ex.suspend.value = 10
>>> bool(ex.numbers_table["suspended customers"] >= before)
True
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import i18n
from ..analytics.billing import suspension_curve, suspension_whatif
from ._png import figure_png

__all__ = ["CollectionsExplorer", "collections_explorer", "collections_view"]


def collections_view(invoices: pd.DataFrame, payments: pd.DataFrame, *,
                     suspend_after_days: float, write_off_after_days: float = 90.0,
                     curve: pd.DataFrame | None = None,
                     figure: bool = True) -> tuple[pd.Series, Any]:
    """Numbers and figure of the collections explorer for one set of slider values.

    Parameters
    ----------
    invoices, payments : DataFrame
        A world's ``invoices`` and ``payments``.
    suspend_after_days, write_off_after_days : float
        The collection rule to try (days after the due date).
    curve : DataFrame, optional
        A precomputed :func:`~crmlab.analytics.billing.suspension_curve` (saves time
        when only the rule changes).
    figure : bool, default=True
        Also draw :func:`crmlab.viz.plot_suspension_tradeoff`.

    Returns
    -------
    (Series, matplotlib Figure or None)
        The numbers: suspended customers, of whom would have paid later, still
        unpaid, bill-days of unpaid service, amount written off.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> numbers, _ = collections_view(w.invoices, w.payments, suspend_after_days=45,
    ...                               figure=False)
    >>> list(numbers.index)[:2]
    ['suspended customers', 'of whom would have paid later']
    """
    r = suspension_whatif(invoices, payments, suspend_after_days=suspend_after_days,
                          write_off_after_days=write_off_after_days)
    numbers = pd.Series({
        "suspended customers": r["suspended_customers"],
        "of whom would have paid later": r["suspended_but_would_pay"],
        "of whom still unpaid": r["unpaid_customers"],
        "bill-days of unpaid service": round(r["unpaid_days"]),
        "amount written off": r["written_off_amount"],
    }, name=f"suspend after {suspend_after_days:g} days, write off after "
            f"{write_off_after_days:g}")
    fig = None
    if figure:
        from .. import viz

        if curve is None:
            curve = suspension_curve(invoices, payments)
        fig = viz.plot_suspension_tradeoff(curve, current=suspend_after_days)
    return numbers, fig


#: the message key of each number's label (crmlab/i18n/messages/06_*.csv)
_NUMBER_LABELS = {"suspended customers": "nb06_widget_suspended",
                  "of whom would have paid later": "nb06_widget_would_pay",
                  "of whom still unpaid": "nb06_widget_still_unpaid",
                  "bill-days of unpaid service": "nb06_widget_unpaid_days",
                  "amount written off": "nb06_widget_written_off"}


def _numbers_html(numbers: pd.Series, suspend: float, write_off: float) -> str:
    """The numbers as an HTML table, labelled in the current language."""
    shown = pd.Series([i18n.number(v, ",.0f") for v in numbers],
                      index=[i18n.t(_NUMBER_LABELS[k]) for k in numbers.index],
                      name=i18n.t("nb06_widget_rule", suspend=suspend, write_off=write_off))
    html = shown.to_frame().to_html(border=0)
    return f'<div dir="rtl">{html}</div>' if i18n.get_language() == "fa" else html


class CollectionsExplorer(widgets.VBox):
    """Sliders for the collection rule, a numbers table and the trade-off figure.

    Attributes
    ----------
    suspend, write_off : IntSlider
    numbers : HTML
    image : Image
        The figure, as PNG.
    numbers_table : Series
        The numbers of the current view.
    figure : matplotlib Figure
        The figure of the current view (closed once drawn into ``image``).
    """

    def __init__(self, invoices: pd.DataFrame, payments: pd.DataFrame, *,
                 suspend_after_days: int = 45) -> None:
        self._tables = (invoices, payments)
        self._curve = suspension_curve(invoices, payments)
        style = {"description_width": "initial"}
        self.suspend = widgets.IntSlider(value=suspend_after_days, min=0, max=120, step=5,
                                         description=i18n.t("nb06_widget_suspend"),
                                         style=style, continuous_update=False)
        self.write_off = widgets.IntSlider(value=90, min=30, max=180, step=10,
                                           description=i18n.t("nb06_widget_write_off"),
                                           style=style, continuous_update=False)
        self.numbers = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.numbers_table: pd.Series | None = None
        self.figure: Any = None
        super().__init__(children=[widgets.HBox([self.suspend, self.write_off]),
                                   self.numbers, self.image])
        for control in (self.suspend, self.write_off):
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        numbers, fig = collections_view(*self._tables, suspend_after_days=self.suspend.value,
                                        write_off_after_days=self.write_off.value,
                                        curve=self._curve)
        self.numbers_table, self.figure = numbers, fig
        self.numbers.value = _numbers_html(numbers, self.suspend.value, self.write_off.value)
        self.image.value = figure_png(fig)


def collections_explorer(world: Any, *, suspend_after_days: int = 45) -> CollectionsExplorer:
    """Explore the collection rule: suspend sooner or later, write off sooner or later.

    Parameters
    ----------
    world : crmlab.World
        Uses ``invoices`` and ``payments``.
    suspend_after_days : int, default=45
        Starting value of the suspension slider (the operator's current rule).

    Returns
    -------
    CollectionsExplorer

    Examples
    --------
    >>> import crmlab as crm
    >>> collections_explorer(crm.load_dataset("tiny"), suspend_after_days=30).suspend.value
    30
    """
    for name in ("invoices", "payments"):
        if not hasattr(world, name):
            raise TypeError(f"world must be a crmlab World (with .{name}); "
                            f"got {type(world).__name__}")
    return CollectionsExplorer(world.invoices, world.payments,
                               suspend_after_days=suspend_after_days)
