"""Explorer for notebook 05: move spare repair capacity to provinces hit by weather.

:func:`capacity_view` is the pure part: for given slider values it runs
:func:`crmlab.analytics.capacity.capacity_whatif` and returns the numbers and the
figure. :func:`capacity_explorer` wraps it in sliders; every change recomputes the
view, rewrites the numbers (an HTML table) and redraws the figure (a PNG image).

Examples
--------
>>> import crmlab as crm
>>> w = crm.load_dataset("tiny")
>>> ex = capacity_explorer(w)
>>> ex.share.value = 0.0
>>> s = ex.result.summary.loc["all complaints"]
>>> bool(s["mean_hours_after"] == s["mean_hours_before"])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import i18n
from ..analytics.capacity import CapacityWhatIf, capacity_whatif
from ._png import figure_png

__all__ = ["CapacityExplorer", "capacity_explorer", "capacity_view"]

_EVENT_CHOICES = {"snow and floods": ("snow", "flood"), "snow only": ("snow",),
                  "floods only": ("flood",)}
#: the message key of each choice's label (crmlab/i18n/messages/05_*.csv)
_EVENT_LABELS = {"snow and floods": "nb05_events_both", "snow only": "nb05_events_snow",
                 "floods only": "nb05_events_flood"}


def capacity_view(complaints: pd.DataFrame, weather: pd.DataFrame, customers: pd.DataFrame,
                  *, capacity: float, share: float, events: str = "snow and floods",
                  provinces: Sequence[str] | None = None, efficiency: float = 1.0,
                  figure: bool = True) -> tuple[CapacityWhatIf, Any]:
    """Numbers and figure of the capacity explorer for one set of slider values.

    Parameters
    ----------
    complaints, weather, customers : DataFrame
        A world's tables (see :func:`~crmlab.analytics.capacity.capacity_whatif`).
    capacity : float
        Planned capacity as a multiple of the normal-season load.
    share : float in [0, 1]
        Share of the calm provinces' spare capacity moved.
    events : {"snow and floods", "snow only", "floods only"}
    provinces : sequence of str, optional
        Provinces that may receive capacity (default: all hit by the chosen events).
    efficiency : float in [0, 1], default=1.0
    figure : bool, default=True
        Also draw the figure (:func:`crmlab.viz.plot_response_whatif`).

    Returns
    -------
    (CapacityWhatIf, matplotlib Figure or None)

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> res, _ = capacity_view(w.complaints, w.weather, w.customers, capacity=1.25,
    ...                        share=1.0, figure=False)
    >>> int(res.summary.loc["all complaints", "complaints"]) == len(w.complaints)
    True
    """
    if events not in _EVENT_CHOICES:
        raise ValueError(f"events must be one of {list(_EVENT_CHOICES)}; got {events!r}")
    result = capacity_whatif(complaints, weather, customers, capacity=capacity, share=share,
                             event_types=_EVENT_CHOICES[events],
                             provinces=list(provinces) if provinces else None,
                             efficiency=efficiency)
    fig = None
    if figure:
        from .. import viz

        fig = viz.plot_response_whatif(result)
    return result, fig


def _summary_html(result: CapacityWhatIf) -> str:
    """The what-if's numbers as an HTML table, labelled in the current language."""
    s = result.summary.copy()

    def pct(v: float) -> str:
        return "–" if pd.isna(v) else i18n.number(v, ".0%")

    def hours(v: float) -> str:
        return "–" if pd.isna(v) else i18n.number(v, ".1f")

    table = pd.DataFrame({
        i18n.t("nb05_col_complaints"): [i18n.number(n, ",.0f") for n in s["complaints"]],
        i18n.t("nb05_widget_mean_hours"): [
            f"{hours(b)} → {hours(a)}" for b, a in zip(s["mean_hours_before"],
                                                       s["mean_hours_after"], strict=True)],
        i18n.t("nb05_widget_within_24h"): [
            f"{pct(b)} → {pct(a)}" for b, a in zip(s["within_24h_before"],
                                                   s["within_24h_after"], strict=True)],
    }, index=[i18n.t("nb05_whatif_" + str(r).split()[0]) for r in s.index])
    days = int((result.moved > 0).sum())
    html = (table.to_html(na_rep="–", border=0)
            + f"<p>{i18n.t('nb05_widget_moved_days', days=days)}</p>")
    return f'<div dir="rtl">{html}</div>' if i18n.get_language() == "fa" else html


class CapacityExplorer(widgets.VBox):
    """Sliders, a numbers table and a figure; built by :func:`capacity_explorer`.

    Attributes
    ----------
    share, efficiency : FloatSlider
    events : Dropdown
    provinces : SelectMultiple
        Receiving provinces; none selected means all hit provinces.
    numbers : HTML
        The summary table of the current view.
    image : Image
        The figure of the current view, as PNG.
    result : CapacityWhatIf
        The numbers of the current view.
    figure : matplotlib Figure
        The figure of the current view (closed once drawn into ``image``).
    """

    def __init__(self, complaints: pd.DataFrame, weather: pd.DataFrame,
                 customers: pd.DataFrame, *, capacity: float, share: float = 0.5) -> None:
        self._tables = (complaints, weather, customers)
        self._capacity = float(capacity)
        style = {"description_width": "initial"}
        self.share = widgets.FloatSlider(value=share, min=0.0, max=1.0, step=0.05,
                                         description=i18n.t("nb05_widget_share"),
                                         style=style, continuous_update=False)
        self.efficiency = widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05,
                                              description=i18n.t("nb05_widget_efficiency"),
                                              style=style, continuous_update=False)
        self.events = widgets.Dropdown(
            options=[(i18n.t(_EVENT_LABELS[k]), k) for k in _EVENT_CHOICES],
            value="snow and floods", description=i18n.t("nb05_widget_events"), style=style)
        hit = sorted(weather["province"].astype(str).unique())
        self.provinces = widgets.SelectMultiple(options=hit, value=(), rows=min(len(hit), 6),
                                                description=i18n.t("nb05_widget_provinces"),
                                                style=style)
        self.numbers = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.result: CapacityWhatIf | None = None
        self.figure: Any = None
        controls = widgets.HBox([widgets.VBox([self.share, self.efficiency, self.events]),
                                 self.provinces])
        super().__init__(children=[controls, self.numbers, self.image])
        for control in (self.share, self.efficiency, self.events, self.provinces):
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        result, fig = capacity_view(*self._tables, capacity=self._capacity,
                                    share=self.share.value, events=self.events.value,
                                    provinces=self.provinces.value or None,
                                    efficiency=self.efficiency.value)
        self.result, self.figure = result, fig
        self.numbers.value = _summary_html(result)
        self.image.value = figure_png(fig)


def capacity_explorer(world: Any, *, share: float = 0.5) -> CapacityExplorer:
    """Explore moving spare repair capacity to provinces hit by snow or floods.

    Parameters
    ----------
    world : crmlab.World
        Uses ``complaints``, ``weather``, ``customers`` and
        ``config.repair_capacity``.
    share : float, default=0.5
        Starting value of the share slider.

    Returns
    -------
    CapacityExplorer
        Display it in a notebook; ``.result`` holds the current numbers.

    Examples
    --------
    >>> import crmlab as crm
    >>> ex = capacity_explorer(crm.load_dataset("tiny"), share=0.2)
    >>> ex.share.value
    0.2
    """
    for name in ("complaints", "weather", "customers", "config"):
        if not hasattr(world, name):
            raise TypeError(f"world must be a crmlab World (with .{name}); "
                            f"got {type(world).__name__}")
    return CapacityExplorer(world.complaints, world.weather, world.customers,
                            capacity=world.config.repair_capacity, share=share)
