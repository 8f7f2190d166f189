"""Explore the six-principles scorecard by segment and year.

:func:`scorecard_view` is the pure computation (a table and a figure for one segment
and one year); :func:`scorecard_explorer` puts a segment dropdown and a year slider on
top of it.

Examples
--------
>>> import crmlab as crm
>>> w = crm.make_world("tiny", seed=1)
>>> table, fig = scorecard_view(w, year=2024, segment="postpaid", figure=False)
>>> list(table.columns)
['2024', '2023', 'better']
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..analytics.scorecard import (
    principle_scorecard,
    scorecard_over_time,
    silo_record_agreement,
)
from ._png import figure_png

__all__ = ["ScorecardExplorer", "scorecard_explorer", "scorecard_segments",
           "scorecard_view"]

_PLANS = ("prepaid", "postpaid")


def scorecard_segments(world: Any) -> list[str]:
    """The segment choices: everyone, each plan, and each hidden true segment.

    Examples
    --------
    >>> import crmlab as crm
    >>> scorecard_segments(crm.make_world("tiny", seed=1))[:3]
    ['all customers', 'prepaid', 'postpaid']
    """
    true = sorted(world.truth.customers["segment"].astype(str).unique())
    return ["all customers", *_PLANS, *[f"true segment: {s}" for s in true]]


def _segment_ids(world: Any, segment: str) -> pd.Index | None:
    choices = scorecard_segments(world)
    if segment not in choices:
        raise ValueError(f"segment must be one of {choices}; got {segment!r}")
    if segment == "all customers":
        return None
    if segment in _PLANS:
        c = world.customers
        return pd.Index(c.loc[(c["plan"] == segment).to_numpy(), "customer_id"])
    t = world.truth.customers
    name = segment.removeprefix("true segment: ")
    return pd.Index(t.loc[(t["segment"].astype(str) == name).to_numpy(), "customer_id"])


def _years(world: Any) -> list[int]:
    return list(range(world.config.start_ts.year, world.config.end_ts.year + 1))


def scorecard_view(world: Any, *, year: int, segment: str = "all customers",
                   silo_agreement: pd.Series | None = None, figure: bool = True,
                   lang: str = "en") -> tuple[pd.DataFrame, Any]:
    """The scorecard of one segment in one year, beside the year before, and its trends.

    Parameters
    ----------
    world : crmlab.World
    year : int
        A calendar year of the world's history.
    segment : str, default="all customers"
        One of :func:`scorecard_segments`.
    silo_agreement : Series, optional
        From :func:`~crmlab.analytics.scorecard.silo_record_agreement`; computed from
        the world (its silos and the true mapping) when omitted.
    figure : bool, default=True
        Also draw the quarterly trends of the headline indicators with the year shaded.
    lang : {"en", "fa"}, default="en"
        Language of the figure.

    Returns
    -------
    table : DataFrame
        Indexed by (principle, indicator); columns the year, the year before (NaN
        before the history starts) and ``better``; values rounded to 3 decimals.
    fig : matplotlib Figure or None
    """
    years = _years(world)
    if isinstance(year, bool) or not isinstance(year, int) or year not in years:
        raise ValueError(f"year must be one of {years}; got {year!r}")
    ids = _segment_ids(world, segment)
    if silo_agreement is None:
        silo_agreement = silo_record_agreement(world.customers, world.silos,
                                               world.truth.silo_mapping)
    cols = {}
    for y in (year, year - 1):
        card = principle_scorecard(world.tables, start=f"{y}-01-01", end=f"{y + 1}-01-01",
                                   customer_ids=ids, silo_agreement=silo_agreement)
        cols[str(y)] = card["value"].round(3)
    table = pd.DataFrame(cols)
    table["better"] = card["better"]
    fig = None
    if figure:
        import matplotlib.pyplot as plt

        from ..viz import plot_scorecard_trends

        wide = scorecard_over_time(world.tables, freq="Q", customer_ids=ids,
                                   silo_agreement=silo_agreement,
                                   start=world.config.start_ts, end=world.config.end_ts)
        fig = plot_scorecard_trends(wide, lang=lang,
                                    highlight=[f"{year}Q{q}" for q in range(1, 5)])
        if lang == "en":
            fig.suptitle(f"Six principles by quarter: {segment} ({year} shaded)",
                         fontweight="bold")
        plt.close(fig)
    return table, fig


def scorecard_explorer(world: Any) -> ScorecardExplorer:
    """A segment dropdown and a year slider over :func:`scorecard_view`.

    Examples
    --------
    >>> import crmlab as crm
    >>> ex = scorecard_explorer(crm.make_world("tiny", seed=1))
    >>> ex.controls["segment"].value, ex.controls["year"].value
    ('all customers', 2024)
    """
    return ScorecardExplorer(world)


class ScorecardExplorer(widgets.VBox):
    """The explorer widget: ``controls`` (segment, year), ``output``, ``table``.

    Its text form names the current choice (no object addresses), so a notebook's
    saved output stays the same from run to run.
    """

    def __init__(self, world: Any) -> None:
        w = widgets
        years = _years(world)
        self._world = world
        self._agreement = silo_record_agreement(world.customers, world.silos,
                                                world.truth.silo_mapping)
        segment = w.Dropdown(options=scorecard_segments(world), value="all customers",
                             description="segment")
        year = w.IntSlider(value=years[-1], min=years[0], max=years[-1], step=1,
                           description="year", continuous_update=False)
        self.controls = {"segment": segment, "year": year}
        self.output = w.Output()
        self.table: pd.DataFrame | None = None
        super().__init__(children=[w.HBox([segment, year]), self.output])
        segment.observe(self._update, names="value")
        year.observe(self._update, names="value")
        self._update()

    def _update(self, change: Any = None) -> None:
        from IPython.display import Image

        table, fig = scorecard_view(self._world, year=int(self.controls["year"].value),
                                    segment=self.controls["segment"].value,
                                    silo_agreement=self._agreement)
        self.table = table
        png = figure_png(fig)
        # set the outputs directly (not ``with output:``), so they land in the widget
        # whether or not a kernel is capturing, and replace the old ones in one step
        self.output.outputs = ()
        self.output.append_display_data(table)
        self.output.append_display_data(Image(png, format="png"))

    def __repr__(self) -> str:
        return (f"ScorecardExplorer(segment={self.controls['segment'].value!r}, "
                f"year={self.controls['year'].value})")
