"""Explore the six-principles scorecard by segment and year.

:func:`scorecard_view` is the pure computation (a table and a figure for one segment
and one year); :func:`scorecard_explorer` puts a segment dropdown and a year slider on
top of it. Every label a student sees (the choices, the controls, the figure) is in the
language chosen with :func:`crmlab.i18n.set_language` (messages ``nb08_w_*`` and
``nb08_group_*`` in ``crmlab/i18n/messages/08_six_principles.csv``); the values of the
controls stay the English names below, so code does not depend on the language.

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

from .. import i18n
from ..analytics.scorecard import (
    principle_scorecard,
    scorecard_over_time,
    silo_record_agreement,
)
from ._png import figure_png

__all__ = ["ScorecardExplorer", "scorecard_explorer", "scorecard_segments",
           "scorecard_table_labels", "scorecard_view", "segment_label"]

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


def segment_label(segment: str, *, lang: str | None = None) -> str:
    """How a choice of :func:`scorecard_segments` is shown, in the current language.

    Examples
    --------
    >>> segment_label("true segment: steady", lang="en")
    'true segment: steady'
    >>> segment_label("postpaid", lang="fa")
    'مشترکان دائمی'
    """
    if segment == "all customers":
        return i18n.t("nb08_w_all_customers", lang=lang)
    if segment in _PLANS:
        return i18n.t(f"nb08_group_{segment}", lang=lang)
    name = segment.removeprefix("true segment: ")
    return i18n.t("nb08_w_true_segment", lang=lang,
                  name=i18n.t(f"nb08_group_{name}", lang=lang))


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
        Language of the figure (its titles, labels and the segment's name).

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
        fig.suptitle(i18n.t("nb08_w_suptitle", lang=lang,
                            segment=segment_label(segment, lang=lang),
                            year=i18n.number(year, "d", lang=lang)), fontweight="bold")
        plt.close(fig)
    return table, fig


def scorecard_table_labels(table: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """A scorecard table as a student reads it: principles, indicators and ``better``
    in the current language (the numbers and the year columns unchanged).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_tuples([("quick_response", "escalation_rate")],
    ...                                 names=["principle", "indicator"])
    >>> t = pd.DataFrame({"2024": [0.5], "better": ["lower"]}, index=idx)
    >>> scorecard_table_labels(t, lang="fa").index[0]
    ('واکنش سریع', 'نرخ ارجاع به سطح بالاتر')
    """
    out = table.copy()
    if "better" in out.columns:
        out["better"] = out["better"].map(lambda b: i18n.t(f"nb08_better_{b}", lang=lang))
    if "verdict" in out.columns:
        out["verdict"] = out["verdict"].map(lambda v: i18n.t(f"nb08_verdict_{v}", lang=lang))
    names = {"principle": lambda p: i18n.t(p, lang=lang),
             "indicator": lambda k: i18n.t(f"nb08_ind_{k}", lang=lang)}
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_arrays(
            [[names[n](v) for v in out.index.get_level_values(n)] for n in out.index.names],
            names=[i18n.t(f"nb08_col_{n}", lang=lang) for n in out.index.names])
    else:
        name = out.index.name
        out.index = pd.Index([names[name](v) for v in out.index],
                             name=i18n.t(f"nb08_col_{name}", lang=lang))
    return out.rename(columns=lambda c: i18n.t(f"nb08_col_{c}", lang=lang)
                      if c in ("better", "verdict") else c)


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
        self._lang = i18n.get_language()
        choices = scorecard_segments(world)
        # shown in the language of the notebook; the value stays the English name
        segment = w.Dropdown(options=[(segment_label(c), c) for c in choices],
                             value="all customers", description=i18n.t("nb08_w_segment"))
        year = w.IntSlider(value=years[-1], min=years[0], max=years[-1], step=1,
                           description=i18n.t("nb08_w_year"), continuous_update=False)
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
                                    silo_agreement=self._agreement, lang=self._lang)
        self.table = table
        png = figure_png(fig)
        # set the outputs directly (not ``with output:``), so they land in the widget
        # whether or not a kernel is capturing, and replace the old ones in one step
        self.output.outputs = ()
        self.output.append_display_data(scorecard_table_labels(table, lang=self._lang))
        self.output.append_display_data(Image(png, format="png"))

    def __repr__(self) -> str:
        return (f"ScorecardExplorer(segment={self.controls['segment'].value!r}, "
                f"year={self.controls['year'].value})")
