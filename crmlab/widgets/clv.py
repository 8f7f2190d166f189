"""Explore the BG/NBD model's four parameters and see what they do to customers.

The BG/NBD ("buy till you die") model describes a non-contractual customer base with
four numbers: purchase rates are Gamma(``r``, ``alpha``) across customers (mean
``r / alpha`` purchases per week) and, after each purchase, a customer leaves with a
probability that is Beta(``a``, ``b``) across customers (mean ``a / (a + b)``).
:func:`bgnbd_profile` computes, for any four values, what a new customer is expected
to buy over time and how P(alive) falls while a customer stays silent;
:func:`clv_explorer` puts sliders over it and compares with a fitted model.

Examples
--------
>>> from crmlab.widgets.clv import bgnbd_profile
>>> prof = bgnbd_profile(1.0, 6.0, 0.5, 3.0, T=52)
>>> prof["summary"]["mean_purchase_rate"], round(prof["summary"]["mean_dropout"], 3)
(0.167, 0.143)
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import traitlets

from crmlab.analytics.clv import BetaGeo, BetaGeoResults

from ._png import figure_png

__all__ = ["BGNBDExplorer", "bgnbd_profile", "clv_explorer"]

_NAMES = ("r", "alpha", "a", "b")
#: Slider ranges (min, max, step) of the explorer.
RANGES = {"r": (0.05, 5.0, 0.05), "alpha": (0.5, 30.0, 0.5), "a": (0.05, 5.0, 0.05),
          "b": (0.5, 30.0, 0.5)}


def _model(r: float, alpha: float, a: float, b: float) -> BetaGeoResults:
    """BG/NBD predictions for given parameters, without fitting (a test checks that this
    gives the same numbers as a fitted model with the same parameters)."""
    return BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b)


def _check(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return v


def bgnbd_profile(r: float, alpha: float, a: float, b: float, *, T: float = 52.0,
                  horizon: int = 104, frequencies: tuple[int, ...] = (1, 3, 10)
                  ) -> dict[str, Any]:
    """What BG/NBD parameters imply: purchases over time and P(alive) during silence.

    Parameters
    ----------
    r, alpha, a, b : float
        BG/NBD parameters (> 0), time in weeks. The expected-purchases formula divides
        by ``a - 1``; at ``a = 1`` exactly its limit is used (``a`` nudged by 1e-6).
    T : float, default=52
        Age of the customers in the P(alive) panel (weeks since their first purchase).
    horizon : int, default=104
        Weeks of the purchases curve.
    frequencies : tuple of int, default=(1, 3, 10)
        Repeat-purchase counts of the customers in the P(alive) panel.

    Returns
    -------
    dict
        ``purchases``: Series of expected repeat purchases of a new customer, indexed by
        week 0..horizon; ``p_alive``: DataFrame indexed by weeks since the last purchase
        (0..T), one column per frequency; ``T``; ``summary``: dict of rounded numbers
        (``mean_purchase_rate`` per week, ``mean_dropout`` per purchase,
        ``purchases_first_year``, ``p_alive_silent_half_year``: P(alive) of a customer
        with 3 repeat purchases silent for the last 26 weeks, or for the last ``T`` if
        younger).

    Examples
    --------
    >>> low = bgnbd_profile(1.0, 6.0, 2.0, 3.0)["summary"]["purchases_first_year"]
    >>> high = bgnbd_profile(2.0, 6.0, 2.0, 3.0)["summary"]["purchases_first_year"]
    >>> bool(high > low)
    True
    """
    r, alpha, a, b = (_check(n, v) for n, v in zip(_NAMES, (r, alpha, a, b), strict=True))
    T = _check("T", T)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of weeks >= 1; got {horizon!r}")
    freqs = tuple(int(f) for f in frequencies)
    if not freqs or min(freqs) < 1:
        raise ValueError(f"frequencies must be repeat-purchase counts >= 1; got {frequencies}")
    model = _model(r, alpha, a, b)
    weeks = np.arange(horizon + 1, dtype=float)
    smooth = model if abs(a - 1.0) > 1e-6 else _model(r, alpha, 1.0 + 1e-6, b)
    bought = np.asarray(smooth.expected_purchases_new_customer(weeks), dtype=float)
    purchases = pd.Series(bought, index=pd.Index(weeks.astype(int), name="week"),
                          name="expected_repeat_purchases")
    silent = np.arange(int(T) + 1, dtype=float)
    grid = {f: np.asarray(model.p_alive(f, T - silent, T), dtype=float) for f in freqs}
    p_alive = pd.DataFrame(grid, index=pd.Index(silent.astype(int), name="weeks_silent"))
    quiet = min(26.0, T)
    first_year = float(purchases.loc[min(52, horizon)])
    summary = {
        "mean_purchase_rate": round(r / alpha, 3),
        "mean_dropout": round(a / (a + b), 3),
        "purchases_first_year": round(first_year, 3),
        "p_alive_silent_half_year": round(float(model.p_alive(3, T - quiet, T)), 3),
    }
    return {"purchases": purchases, "p_alive": p_alive, "T": T, "summary": summary}


def _summary_html(summary: dict[str, Any], reference: dict[str, Any] | None) -> str:
    from crmlab import i18n

    rows = []
    for key in ("mean_purchase_rate", "mean_dropout", "purchases_first_year",
                "p_alive_silent_half_year"):
        ref = "" if reference is None else f"<td>{i18n.number(reference[key], 'g')}</td>"
        rows.append(f"<tr><td>{i18n.t('widget_clv_' + key)}</td>"
                    f"<td><b>{i18n.number(summary[key], 'g')}</b></td>{ref}</tr>")
    head = (f"<tr><th></th><th>{i18n.t('widget_clv_chosen')}</th>"
            + (f"<th>{i18n.t('widget_clv_fitted')}</th>" if reference else "") + "</tr>")
    rtl = ' dir="rtl"' if i18n.get_language() == "fa" else ""
    return f"<table class='crmlab-clv-summary'{rtl}>{head}{''.join(rows)}</table>"


def _translate(fig: Any, profile: dict[str, Any], reference: dict[str, Any] | None) -> None:
    """Put the explorer figure's words in the current language (:mod:`crmlab.i18n`)."""
    from crmlab import i18n

    left, right = fig.axes[:2]
    left.set(title=i18n.t("widget_clv_new_customer_title"),
             xlabel=i18n.t("widget_clv_weeks_since_first"),
             ylabel=i18n.t("widget_clv_expected_repeat"))
    handles, _ = left.get_legend_handles_labels()
    left.legend(handles, [i18n.t("widget_clv_chosen_parameters"),
                          i18n.t("widget_clv_fitted_parameters")][:len(handles)])
    right.set(title=i18n.t("widget_clv_p_alive_title", age=i18n.number(profile["T"], "g")),
              xlabel=i18n.t("widget_clv_weeks_since_last"),
              ylabel=i18n.t("widget_clv_probability_alive"))
    handles, _ = right.get_legend_handles_labels()
    words = [i18n.t("widget_clv_repeat_purchase" if f == 1 else "widget_clv_repeat_purchases",
                    n=i18n.number(f, "d")) for f in profile["p_alive"].columns]
    right.legend(handles, words, title=i18n.t("widget_clv_dashed_fitted")
                 if reference is not None else None)
    if i18n.get_language() != "en":
        for ax in (left, right):
            # Persian digits; a negative tick (outside the axes) keeps a plain minus sign,
            # without the left-to-right mark that i18n.number puts before it in prose
            ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, "g").replace(i18n.LRM, ""))
            ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, "g").replace(i18n.LRM, ""))
    fig.tight_layout()


def clv_explorer(fitted: BetaGeoResults | None = None, *, T: float = 52.0) -> BGNBDExplorer:
    """Sliders for ``r``, ``alpha``, ``a``, ``b`` and customer age over :func:`bgnbd_profile`.

    Moving a slider redraws the two-panel figure (a PNG in an ``Image`` widget) and the
    table of summary numbers (an ``HTML`` widget). With a fitted model, the sliders
    start at its (rounded) estimates and the fitted curves are drawn dashed.

    Parameters
    ----------
    fitted : BetaGeoResults, optional
        A fitted BG/NBD model with time in weeks.
    T : float, default=52
        Starting customer age (weeks) of the P(alive) panel.

    Returns
    -------
    BGNBDExplorer
        An ``ipywidgets.VBox``; children: a row of sliders (descriptions ``"r"``,
        ``"alpha"``, ``"a"``, ``"b"``, ``"age T"``), an ``HTML`` summary table and an
        ``Image`` with the figure. The sliders are also in ``box.sliders`` (a dict by
        name), the summary in ``box.summary``, the image in ``box.image`` and the latest
        profile in ``box.profile``.

    Examples
    --------
    >>> box = clv_explorer(T=40)
    >>> box.sliders["r"].description
    'r'
    >>> before = box.summary.value
    >>> box.sliders["r"].value = 2.5
    >>> box.summary.value != before
    True
    """
    return BGNBDExplorer(fitted, T=T)


class BGNBDExplorer(widgets.VBox):
    """The BG/NBD explorer widget (see :func:`clv_explorer`).

    Attributes
    ----------
    sliders : dict of str to slider
        ``"r"``, ``"alpha"``, ``"a"``, ``"b"`` (``FloatSlider``) and ``"T"`` (age,
        ``IntSlider``).
    summary : ipywidgets.HTML
        The table of summary numbers (chosen, and fitted when a fit was given).
    image : ipywidgets.Image
        The two-panel figure as a PNG.
    profile : dict
        The latest :func:`bgnbd_profile` output (a trait: observers see every redraw).
    fitted : BetaGeoResults or None
        The fitted model whose curves are drawn dashed.

    Its text form names the current slider values (no object addresses), so a
    notebook's saved output stays the same from run to run.

    Examples
    --------
    >>> box = BGNBDExplorer(T=40)
    >>> box
    BGNBDExplorer(r=1, alpha=6, a=1.5, b=4, T=40)
    >>> box.profile["T"]
    40.0
    """

    #: The latest profile drawn (not synced to the front end: it holds DataFrames).
    profile = traitlets.Dict(help="the latest bgnbd_profile() output")
    sliders: dict[str, widgets.FloatSlider | widgets.IntSlider]
    summary: widgets.HTML
    image: widgets.Image
    fitted: BetaGeoResults | None

    def __init__(self, fitted: BetaGeoResults | None = None, *, T: float = 52.0) -> None:
        if fitted is not None and not isinstance(fitted, BetaGeoResults):
            raise TypeError("fitted must be a fitted BetaGeo model (BetaGeo(...).fit()); got "
                            f"{type(fitted).__name__}")
        from crmlab import i18n

        T = _check("T", T)
        start = ({n: float(fitted.params[n]) for n in _NAMES} if fitted is not None
                 else {"r": 1.0, "alpha": 6.0, "a": 1.5, "b": 4.0})
        sliders: dict[str, widgets.FloatSlider | widgets.IntSlider] = {}
        for name in _NAMES:
            lo, hi, step = RANGES[name]
            value = float(np.clip(round(start[name] / step) * step, lo, hi))
            sliders[name] = widgets.FloatSlider(value=round(value, 2), min=lo, max=hi,
                                                step=step, description=name,
                                                continuous_update=False, readout_format=".2f")
        sliders["T"] = widgets.IntSlider(value=int(T), min=4, max=156, step=4,
                                         description=i18n.t("widget_clv_age"),
                                         continuous_update=False)
        self.fitted = fitted
        self.sliders = sliders
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png")
        # the fitted curves change only with the age: computed once per age
        self._references: dict[float, dict[str, Any]] = {}
        controls = list(sliders.values())
        super().__init__(children=[widgets.HBox(controls[:3]), widgets.HBox(controls[3:]),
                                   self.summary, self.image])
        for slider in controls:
            slider.observe(self._redraw, names="value")
        self._redraw()

    def _reference(self, age: float) -> dict[str, Any] | None:
        if self.fitted is None:
            return None
        if age not in self._references:
            self._references[age] = bgnbd_profile(
                *(float(self.fitted.params[n]) for n in _NAMES), T=age)
        return self._references[age]

    def _redraw(self, change: Any = None) -> None:
        from crmlab import viz

        values = {n: self.sliders[n].value for n in _NAMES}
        age = float(self.sliders["T"].value)
        profile = bgnbd_profile(**values, T=age)
        reference = self._reference(age)
        self.profile = profile
        self.summary.value = _summary_html(profile["summary"],
                                           None if reference is None else reference["summary"])
        fig = viz.plot_bgnbd_profile(profile, reference=reference)
        _translate(fig, profile, reference)
        self.image.value = figure_png(fig)

    def __repr__(self) -> str:
        values = ", ".join(f"{n}={self.sliders[n].value:g}" for n in _NAMES)
        return f"BGNBDExplorer({values}, T={self.sliders['T'].value})"
