"""Figures in one house style.

Every notebook calls :func:`use_house_style` once: a fixed figure size, resolution and
font set, so figures look alike and their text output never changes between runs.

Examples
--------
>>> from crmlab import viz
>>> viz.use_house_style()
"""

from __future__ import annotations

import weakref
from typing import Any

from .i18n import has_persian, rtl_mark

__all__ = ["HOUSE_STYLE", "PALETTE", "figure_text_problems", "missing_glyphs",
           "persian_label", "plot_calibration_holdout",
           "plot_frequency_recency", "plot_referral_trees", "plot_retention",
           "plot_scorecard_trends", "plotted_data", "use_house_style"]

#: The colours of the house style, in the order figures use them: Okabe and Ito's
#: colour-blind-safe palette with its green swapped for grey, so no figure asks a reader
#: to tell red from green.
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#56B4E9", "#D55E00", "#CC79A7",
                            "#999999", "#F0E442", "#000000")

#: matplotlib settings shared by every crmlab figure.
HOUSE_STYLE: dict[str, object] = {
    "axes.prop_cycle": f"cycler('color', {list(PALETTE)!r})",
    "figure.figsize": (8.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.frameon": False,
    # DejaVu Sans first for Latin text (it also draws most Persian letters); matplotlib
    # falls back per character to Noto Sans Arabic (Debian fonts-noto-core) for the
    # Arabic-script characters DejaVu lacks. libraqm shapes and orders the text RTL.
    "font.family": ["DejaVu Sans", "Noto Sans Arabic"],
}


def use_house_style() -> None:
    """Apply the house style to matplotlib and quiet pandas' wide output.

    Uses the non-interactive inline backend set by Jupyter; safe to call repeatedly.
    """
    import matplotlib as mpl
    import pandas as pd

    _register_fallback_fonts()
    mpl.rcParams.update(HOUSE_STYLE)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.width", 120)


#: What each plotting function drew, by the Axes or Figure it returned. Weak keys: an
#: entry goes when its figure does, and nothing is set on matplotlib's own objects.
_PLOTTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _record(artist: Any, data: Any, **parts: Any) -> None:
    _PLOTTED[artist] = {"data": data, **parts}


def plotted_data(artist: Any, part: str = "data") -> Any:
    """The numbers a crmlab plotting function drew on the Axes or Figure it returned.

    Every ``plot_*`` function of this module records what it plots (the means, the
    grid, the curves, ...), so that a notebook can print the numbers beside the figure
    and a test can check them; each function's docstring says what it records.

    Parameters
    ----------
    artist : matplotlib Axes or Figure
        What the plotting function returned.
    part : str, default="data"
        ``"data"`` for every function; :func:`plot_lorenz` also records ``"curves"``.

    Returns
    -------
    object
        Usually a DataFrame.

    Raises
    ------
    KeyError
        If ``artist`` was not returned by a crmlab plotting function, or ``part`` was not
        recorded for it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_lorenz({"revenue": [1.0, 2.0, 7.0]})
    >>> plotted_data(ax)["gini"].round(3).tolist()
    [0.4]
    >>> plt.close(ax.figure)
    """
    try:
        recorded = _PLOTTED[artist]
    except (KeyError, TypeError):
        raise KeyError(f"nothing recorded for this {type(artist).__name__}: pass the Axes or "
                       "Figure that a crmlab.viz plot_* function returned") from None
    if part not in recorded:
        raise KeyError(f"part must be one of {sorted(recorded)} for this plot; got {part!r}")
    return recorded[part]


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_calibration_holdout(result, table, *, max_frequency: int = 7, ax=None):
    """Actual vs predicted holdout purchases, by number of repeat purchases in calibration.

    Parameters
    ----------
    result : fitted BG/NBD or Pareto/NBD results (``expected_purchases`` method)
    table : DataFrame
        From :func:`crmlab.analytics.clv.calibration_holdout_split`.
    max_frequency : int, default=7
        Customers with more calibration repeat purchases are grouped into the last bar.

    Returns
    -------
    matplotlib Axes
        The plotted means are in ``plotted_data(ax)`` (a DataFrame).

    """
    import pandas as pd

    ax = _axes(ax)
    group = table["frequency_cal"].clip(upper=max_frequency).astype(int)
    predicted = result.expected_purchases(table["duration_holdout"], table["frequency_cal"],
                                          table["recency_cal"], table["T_cal"])
    data = pd.DataFrame({"actual": table["frequency_holdout"].to_numpy(),
                         "model": pd.Series(predicted).to_numpy(), "group": group.to_numpy()})
    means = data.groupby("group")[["actual", "model"]].mean()
    means.plot(ax=ax, marker="o")
    ax.set(title="Holdout purchases: actual vs model",
           xlabel=f"repeat purchases in calibration ({max_frequency} = {max_frequency} or more)",
           ylabel="mean purchases in holdout")
    _record(ax, means)
    return ax


def plot_frequency_recency(result, *, T: float, kind: str = "p_alive", t: float = 1.0,
                           max_frequency: int | None = None, ax=None):
    """Heat map of P(alive) or expected purchases over frequency and recency.

    Parameters
    ----------
    result : fitted BG/NBD or Pareto/NBD results
    T : float
        Age of the customers shown (periods since their first purchase).
    kind : {"p_alive", "expected_purchases"}, default="p_alive"
    t : float, default=1.0
        Horizon for ``expected_purchases``.
    max_frequency : int, optional
        Largest frequency shown (default ``T``).

    Returns
    -------
    matplotlib Axes
        The grid is in ``plotted_data(ax)`` (rows: frequency, columns: recency).
    """
    import numpy as np
    import pandas as pd

    if kind not in ("p_alive", "expected_purchases"):
        raise ValueError(f"kind must be 'p_alive' or 'expected_purchases'; got {kind!r}")
    ax = _axes(ax)
    f_max = int(max_frequency if max_frequency is not None else T)
    freq = np.arange(f_max + 1)
    rec = np.arange(int(T) + 1)
    F, R = np.meshgrid(freq, rec, indexing="ij")
    R = np.where(F == 0, 0, R)  # no repeat purchase: recency is 0
    Tg = np.full(F.shape, float(T))
    if kind == "p_alive":
        values = np.asarray(result.p_alive(F.ravel(), R.ravel(), Tg.ravel()), dtype=float)
        label = "probability alive"
    else:
        values = np.asarray(result.expected_purchases(t, F.ravel(), R.ravel(), Tg.ravel()),
                            dtype=float)
        label = f"expected purchases in the next {t:g} periods"
    grid = values.reshape(F.shape)
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis",
                      extent=(-0.5, rec[-1] + 0.5, -0.5, freq[-1] + 0.5))
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set(title=f"{label.capitalize()} by frequency and recency (age {T:g})",
           xlabel="recency (period of the last purchase)", ylabel="frequency (repeat purchases)")
    ax.grid(False)
    _record(ax, pd.DataFrame(grid, index=pd.Index(freq, name="frequency"),
                             columns=pd.Index(rec, name="recency")))
    return ax


def plot_retention(result, *, periods: int, observed=None, ax=None):
    """Survival and retention-rate curves of a shifted-beta-geometric fit.

    Parameters
    ----------
    result : fitted :class:`~crmlab.analytics.clv.ShiftedBetaGeometric` results
    periods : int
        Periods to project.
    observed : sequence of int, optional
        Survivor counts (cohort size first) to show as points.

    Returns
    -------
    matplotlib Axes
        The curves are in ``plotted_data(ax)``.
    """
    import numpy as np
    import pandas as pd

    ax = _axes(ax)
    t = np.arange(0, periods + 1)
    data = pd.DataFrame({"survival": np.asarray(result.survival(t), dtype=float)},
                        index=pd.Index(t, name="period"))
    data["retention_rate"] = np.r_[np.nan, np.asarray(result.retention_rate(t[1:]), float)]
    ax.plot(t, data["survival"], label="projected survival")
    ax.plot(t[1:], data["retention_rate"].iloc[1:], linestyle="--", label="retention rate")
    if observed is not None:
        obs = np.asarray(observed, dtype=float)
        ax.plot(np.arange(len(obs)), obs / obs[0], "o", label="observed survival")
    ax.set(title="Customer retention (shifted-beta-geometric)", xlabel="period",
           ylabel="share of the cohort / retention rate", ylim=(0, 1.02))
    ax.legend()
    _record(ax, data)
    return ax


# --- service: capacity what-if (notebook 05) -------------------------------------------
__all__ += ["plot_response_whatif"]


def plot_response_whatif(result, *, axes=None):
    """First-response times before and after moving repair capacity (two panels).

    Left: mean first-response hours of the complaints in each province hit by the
    selected weather, as observed and in the what-if. Right: share of those complaints
    answered within a given number of hours (cumulative distribution).

    Parameters
    ----------
    result : :class:`~crmlab.analytics.capacity.CapacityWhatIf`
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib Figure
        The per-province means are in ``plotted_data(fig)``.

    Examples
    --------
    >>> import crmlab as crm
    >>> from crmlab.analytics import capacity
    >>> w = crm.load_dataset("tiny")
    >>> res = capacity.capacity_whatif(w.complaints, w.weather, w.customers, capacity=1.25)
    >>> fig = plot_response_whatif(res)
    >>> list(plotted_data(fig).columns)
    ['observed', 'what-if']
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.0))
    else:
        fig = axes[0].figure
    from matplotlib.ticker import NullFormatter

    from . import i18n

    left, right = axes
    data = result.by_province[["mean_hours_before", "mean_hours_after"]].rename(
        columns={"mean_hours_before": "observed", "mean_hours_after": "what-if"})
    names = {"observed": i18n.t("nb05_observed"), "what-if": i18n.t("nb05_whatif")}
    if len(data):
        data.rename(columns=names).plot.bar(ax=left, rot=45)
    left.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
    left.set(title=i18n.t("nb05_fig_whatif_title"), xlabel=i18n.t("nb05_col_province"),
             ylabel=i18n.t("nb05_axis_hours_first_response"))
    hit = result.complaints[result.complaints["role"] == "hit"]
    for col, label in (("hours_before", "observed"), ("hours_after", "what-if")):
        hours = np.sort(hit[col].to_numpy())
        if hours.size:
            right.step(hours, np.arange(1, hours.size + 1) / hours.size, where="post",
                       label=names[label])
    right.axvline(24, color="grey", linestyle=":", label=i18n.t("nb05_24_hours"))
    right.set(title=i18n.t("nb05_fig_within_title"), xscale="log",
              xlabel=i18n.t("nb05_axis_hours_log"),
              ylabel=i18n.t("nb05_axis_share_hit"), ylim=(0, 1.02))
    right.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
    right.xaxis.set_minor_formatter(NullFormatter())
    right.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ".0%"))
    right.legend()
    fig.tight_layout()
    _record(fig, data)
    return fig


# --- billing: collection policy trade-off (notebook 06) --------------------------------
__all__ += ["plot_suspension_tradeoff"]


def plot_suspension_tradeoff(curve, *, current=None, axes=None):
    """Who a suspension rule cuts off, and how much unpaid service it allows.

    Parameters
    ----------
    curve : DataFrame
        From :func:`crmlab.analytics.billing.suspension_curve`.
    current : float, optional
        A threshold to mark (e.g. the operator's rule, 45 days).
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib Figure
        The curve is in ``plotted_data(fig)``.

    Examples
    --------
    >>> import crmlab as crm
    >>> from crmlab.analytics import billing
    >>> w = crm.load_dataset("tiny")
    >>> fig = plot_suspension_tradeoff(billing.suspension_curve(w.invoices, w.payments),
    ...                                current=45)
    >>> plotted_data(fig).index.name
    'suspend_after_days'
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.0))
    else:
        fig = axes[0].figure
    from . import i18n

    left, right = axes
    x = curve.index.to_numpy(dtype=float)
    left.stackplot(x, curve["suspended_but_would_pay"], curve["unpaid_customers"],
                   labels=[i18n.t("nb06_would_pay"), i18n.t("nb06_still_unpaid")], alpha=0.8)
    left.set(title=i18n.t("nb06_fig_cut_off_title"), xlabel=i18n.t("nb06_axis_suspend_after"),
             ylabel=i18n.t("nb06_axis_suspended"))
    right.plot(x, curve["unpaid_days"], marker=".")
    right.set(title=i18n.t("nb06_fig_unpaid_title"), xlabel=i18n.t("nb06_axis_suspend_after"),
              ylabel=i18n.t("nb06_axis_unpaid_days"))
    for ax in axes:
        ax.set_xlim(x.min(), x.max())
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
        ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, ",.0f"))
    if current is not None:
        for ax in axes:
            ax.axvline(float(current), color="grey", linestyle=":",
                       label=i18n.t("nb06_chosen_rule"))
    left.legend()
    fig.tight_layout()
    _record(fig, curve)
    return fig


# ---------------------------------------------------------------------------------------
# Concentration (Lorenz curves) and the BG/NBD parameter explorer
# ---------------------------------------------------------------------------------------
__all__ += ["plot_bgnbd_profile", "plot_lorenz"]


def plot_lorenz(values, *, ax=None):
    """Lorenz curves of one or more per-customer values (revenue, profit, ...).

    Customers are sorted from the least to the most valuable; the curve shows the share
    of the total held by the lowest ``x`` share of customers. Negative values (loss-making
    customers) are kept: the curve then dips below zero before it climbs to 1.

    Parameters
    ----------
    values : mapping of label -> array-like
        E.g. ``{"revenue": pnl["revenue"], "profit": pnl["profit"]}``.

    Returns
    -------
    matplotlib Axes
        Each Gini coefficient is in ``plotted_data(ax)`` and each curve (a DataFrame
        from :func:`~crmlab.analytics.concentration.lorenz_curve`) in
        ``plotted_data(ax, "curves")``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_lorenz({"revenue": [1.0, 2.0, 7.0], "profit": [-1.0, 1.0, 5.0]})
    >>> plotted_data(ax)["gini"].round(3).to_dict()
    {'revenue': 0.4, 'profit': 0.8}
    >>> plt.close(ax.figure)
    """
    import pandas as pd

    from crmlab.analytics import concentration

    ax = _axes(ax)
    if not hasattr(values, "items") or not len(values):
        raise ValueError("values must be a non-empty mapping of label -> per-customer values")
    curves, ginis = {}, {}
    for label, v in values.items():
        curve = concentration.lorenz_curve(v)
        g = concentration.gini(v)
        curves[label], ginis[label] = curve, g
        ax.plot(curve["customer_share"], curve["value_share"], label=f"{label} (Gini {g:.2f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="everyone equal")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(title="Lorenz curve: share held by the least valuable customers",
           xlabel="share of customers (least valuable first)", ylabel="share of the total")
    ax.legend()
    _record(ax, pd.DataFrame({"gini": pd.Series(ginis)}), curves=curves)
    return ax


def plot_bgnbd_profile(profile, *, reference=None, fig=None):
    """Two panels from :func:`crmlab.widgets.clv.bgnbd_profile`: expected repeat purchases
    of a new customer over time, and P(alive) against weeks since the last purchase.

    Parameters
    ----------
    profile : dict
        From ``bgnbd_profile``.
    reference : dict, optional
        A second profile (e.g. the fitted parameters) drawn dashed for comparison.
    fig : matplotlib Figure, optional
        Drawn into (cleared first); a new figure otherwise.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(11, 4))
    fig.clear()
    left, right = fig.subplots(1, 2)
    purchases = profile["purchases"]
    left.plot(purchases.index, purchases.to_numpy(), label="chosen parameters")
    if reference is not None:
        ref = reference["purchases"]
        left.plot(ref.index, ref.to_numpy(), linestyle="--", color="grey",
                  label="fitted parameters")
    left.set(title="A new customer: expected repeat purchases",
             xlabel="weeks since the first purchase", ylabel="expected repeat purchases")
    left.legend()
    alive = profile["p_alive"]
    for col in alive.columns:
        plural = "" if col == 1 else "s"
        line, = right.plot(alive.index, alive[col], label=f"{col} repeat purchase{plural}")
        if reference is not None and col in reference["p_alive"]:
            right.plot(alive.index, reference["p_alive"][col], linestyle="--",
                       color=line.get_color(), alpha=0.6)
    right.set(title=f"P(alive) of a customer aged {profile['T']:g} weeks",
              xlabel="weeks since the last purchase", ylabel="probability alive",
              ylim=(0, 1.02))
    right.legend(title="dashed: fitted" if reference is not None else None)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# Segmentation: clusters against the true segments
# ---------------------------------------------------------------------------------------
__all__ += ["plot_segment_confusion"]


def plot_segment_confusion(table, *, title: str | None = None, ax=None):
    """Heat map of the share of each true segment (rows) found in each cluster (columns).

    Parameters
    ----------
    table : DataFrame
        Counts, e.g. from :func:`crmlab.widgets.segmentation.segment_confusion` or
        ``pandas.crosstab(true, labels)``.
    title : str, optional
        Default: "True segments vs clusters" (with ARI if ``table.attrs`` has it).

    Returns
    -------
    matplotlib Axes
        The row shares are in ``plotted_data(ax)``.

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> t = pd.DataFrame([[8, 2], [1, 9]], index=["a", "b"])
    >>> ax = plot_segment_confusion(t)
    >>> plotted_data(ax).round(2).to_numpy().tolist()
    [[0.8, 0.2], [0.1, 0.9]]
    >>> plt.close(ax.figure)
    """
    import numpy as np

    ax = _axes(ax)
    shares = table.div(table.sum(axis=1), axis=0)
    image = ax.imshow(shares.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1,
                      aspect="auto")
    for (i, j), v in np.ndenumerate(shares.to_numpy(dtype=float)):
        ax.text(j, i, f"{v:.0%}", ha="center", va="center",
                color="white" if v > 0.6 else "black", fontsize=9)
    ax.set_xticks(range(shares.shape[1]), [str(c) for c in shares.columns])
    ax.set_yticks(range(shares.shape[0]), [str(r) for r in shares.index])
    ax.figure.colorbar(image, ax=ax, label="share of the true segment")
    if title is None:
        title = "True segments vs clusters"
        if "ari" in table.attrs:
            title += f" (ARI {table.attrs['ari']:.2f})"
    ax.set(title=title, xlabel="cluster found", ylabel="true segment")
    ax.grid(False)
    _record(ax, shares)
    return ax


# -- timelines (notebook 01) ------------------------------------------------------------
__all__ += ["plot_timeline"]


def plot_timeline(events, *, title: str = "Timeline", label_col: str = "event",
                  start_col: str = "start", end_col: str = "end",
                  note_col: str | None = None, ax=None):
    """Eras as horizontal bars on a time axis, one row per era, earliest on top.

    Parameters
    ----------
    events : DataFrame
        One row per era: ``start`` and ``end`` (years, numbers) and a ``label_col``
        label; optionally a ``note_col`` (for example the Persian name), written at the
        right end of the bar.
    title : str

    Returns
    -------
    matplotlib Axes
        The plotted rows are in ``plotted_data(ax)``.

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ev = pd.DataFrame({"event": ["a", "b"], "start": [1990, 2000], "end": [2001, 2010]})
    >>> plotted_data(plot_timeline(ev))["event"].tolist()
    ['a', 'b']
    """
    from .analytics._validation import check_frame_columns

    check_frame_columns(events, [label_col, start_col, end_col, note_col], "events",
                        if_empty="need at least one era",
                        hint="name them with label_col, start_col, end_col and note_col")
    if (events[end_col] < events[start_col]).any():
        raise ValueError(f"every era must end ({end_col}) no earlier than it starts "
                         f"({start_col})")
    ax = _axes(ax)
    data = events.reset_index(drop=True)
    y = range(len(data))
    colors = [f"C{i % 10}" for i in y]
    ax.barh(list(y), data[end_col] - data[start_col], left=data[start_col], color=colors,
            alpha=0.8, height=0.6)
    for i, row in data.iterrows():  # one label per era, a handful of rows
        ax.text(row[start_col], i - 0.38, f" {row[label_col]}", va="bottom", fontsize=9)
        if note_col:
            ax.text(row[end_col], i, f" {persian_label(row[note_col])}", va="center", fontsize=9,
                    color="0.3")
    ax.set_yticks([])
    ax.invert_yaxis()
    lo, hi = data[start_col].min(), data[end_col].max()
    ax.set_xlim(lo - 1, hi + 0.3 * (hi - lo) + 1)
    ax.set(title=title, xlabel="year", ylabel="era (earliest on top)")
    ax.grid(axis="y", visible=False)
    _record(ax, data)
    return ax


# --- Persian text and the six-principles scorecard ----------------------------------

def _register_fallback_fonts() -> None:
    """Make sure matplotlib knows the house fonts even if its font cache predates them.

    A font installed after matplotlib built its cache is invisible to it; rather than
    delete the cache, add the system's files of the missing families directly.
    """
    from matplotlib import font_manager as fm

    known = {f.name for f in fm.fontManager.ttflist}
    wanted = [f for f in HOUSE_STYLE["font.family"] if f not in known]
    if not wanted:
        return
    for path in fm.findSystemFonts():
        stem = path.rsplit("/", 1)[-1].split("-")[0]
        if any(stem == name.replace(" ", "") for name in wanted):
            fm.fontManager.addfont(path)


def missing_glyphs(text: str, families=None) -> list[str]:
    """Characters of ``text`` that none of the fonts can draw.

    matplotlib picks, for each character, the first font of the family list that has
    it; a character no font has is drawn as an empty box (with a warning).

    Parameters
    ----------
    text : str
    families : list of str, optional
        Font families in order (default: the house style's).

    Returns
    -------
    list of str
        The missing characters, each once, in order of appearance (whitespace and
        zero-width joiners are ignored).

    Examples
    --------
    >>> missing_glyphs("مشتری‌محوری (customer centricity) ۱۴۰۳")
    []
    """
    from matplotlib import font_manager as fm
    from matplotlib.ft2font import FT2Font

    _register_fallback_fonts()
    families = list(HOUSE_STYLE["font.family"] if families is None else families)
    charmaps = []
    for family in families:
        try:
            path = fm.findfont(fm.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        charmaps.append(FT2Font(path).get_charmap())
    out: list[str] = []
    for ch in dict.fromkeys(text):
        if ch.isspace() or ch in "\u200c\u200d":
            continue
        if not any(ord(ch) in cmap for cmap in charmaps):
            out.append(ch)
    return out


#: Arabic-script letters that join only to the letter before them, never to the next.
_RIGHT_JOINING = set("اآأإٱدذرزژوؤةۀ")


def persian_label(text: Any) -> str:
    """Figure text as Persian readers need it: Persian that starts with a Latin word gets
    a right-to-left mark (U+200F), so «CRM اجتماعی» does not read «اجتماعی CRM».

    Every Persian label a crmlab figure sets goes through here
    (:func:`crmlab.i18n.rtl_mark` does the work; English text is unchanged).

    Examples
    --------
    >>> persian_label("CRM اجتماعی") == "\u200fCRM اجتماعی"
    True
    """
    return rtl_mark(str(text))


def figure_text_problems(fig) -> list[str]:
    """What is wrong with the Persian text of a figure; an empty list if nothing is.

    For every text of the figure (titles, labels, tick labels, legends, annotations)
    that holds Persian letters, line by line:

    * a character that no house font draws (:func:`missing_glyphs`);
    * a line that would be laid out left to right (its first strong letter is Latin and
      it has no right-to-left mark: see :func:`persian_label`);
    * letters drawn in their isolated forms: a line that holds two letters that should
      join is laid out by the figure's font (matplotlib's text layout, libraqm) once as
      written and once with every letter kept apart by zero-width non-joiners; if both
      use the same glyphs, no letter took its joined form and the line was not shaped.

    Parameters
    ----------
    fig : matplotlib Figure

    Returns
    -------
    list of str
        One message per problem, quoting the text.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("ریزش مشتری"); _ = ax.set_xlabel("CRM اجتماعی")
    >>> figure_text_problems(fig)
    ["'CRM اجتماعی' starts with a Latin word: it reads left to right (use persian_label)"]
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):  # shown and closed by the inline backend
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    problems: list[str] = []
    seen: set[int] = set()
    for artist in fig.findobj(Text):
        if id(artist) in seen or not artist.get_visible():
            continue
        seen.add(id(artist))
        for line in artist.get_text().split("\n"):
            if not has_persian(line):
                continue
            missing = missing_glyphs(line)
            if missing:
                problems.append(f"{line!r}: no house font draws {missing}")
            if rtl_mark(line) != line:
                problems.append(f"{line!r} starts with a Latin word: it reads left to right "
                                "(use persian_label)")
            pairs = zip(line, line[1:], strict=False)
            joins = any(a not in _RIGHT_JOINING and has_persian(a) and a.isalpha()
                        and has_persian(b) and b.isalpha() for a, b in pairs)
            if joins and not _is_shaped(line, artist.get_fontproperties(), fig, renderer):
                problems.append(f"{line!r} is drawn in isolated letters (not shaped)")
    return problems


def _is_shaped(line: str, prop, fig, renderer) -> bool:
    """Whether ``line`` is drawn with joined letter forms in the font of ``prop``.

    Compares the glyphs the text layout picks for the line with those it picks when every
    letter is kept apart (zero-width non-joiners): shaped text uses other glyphs (the
    initial, medial and final forms). Where matplotlib has no such layout (before 3.11),
    falls back to widths: joined forms make most lines narrower.
    """
    from matplotlib import font_manager

    apart = "\u200c".join(line)
    try:
        from matplotlib._text_helpers import layout

        font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))
        font.set_size(prop.get_size_in_points(), 72)

        def glyphs(text: str) -> list[int]:
            return [item.glyph_index for item in layout(text, font) if item.char != "\u200c"]

        return glyphs(line) != glyphs(apart)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - matplotlib < 3.11
        probe = fig.text(0, 0, line, fontproperties=prop)
        joined = probe.get_window_extent(renderer).width
        probe.set_text(apart)
        separate = probe.get_window_extent(renderer).width
        probe.remove()
        return joined < separate


def plot_scorecard_trends(wide, *, lang: str = "en", highlight=None, axes=None):
    """One small panel per principle: its headline indicator over the periods.

    Parameters
    ----------
    wide : DataFrame
        From :func:`crmlab.analytics.scorecard.scorecard_over_time`.
    lang : {"en", "fa"}, default="en"
        Titles and labels in English or Persian.
    highlight : str or list of str, optional
        Periods (column names of ``wide``) to shade, e.g. the selected year's quarters.
    axes : array of 6 Axes, optional

    Returns
    -------
    matplotlib Figure
        The plotted values are in ``plotted_data(fig)`` (principles x periods).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics.scorecard import INDICATORS
    >>> idx = pd.MultiIndex.from_tuples([(p, k) for k, (p, _, _) in INDICATORS.items()])
    >>> wide = pd.DataFrame({"2024": 0.5, "2025": 0.6}, index=idx)
    >>> fig = plot_scorecard_trends(wide, lang="fa")
    >>> plotted_data(fig).shape
    (6, 2)
    """
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from .analytics.scorecard import HEADLINE, INDICATORS, PRINCIPLES

    if lang not in ("en", "fa"):
        raise ValueError(f"lang must be 'en' or 'fa'; got {lang!r}")
    if axes is None:
        fig, axes = plt.subplots(2, 3, figsize=(12, 6), sharex=True)
    axes = np.asarray(axes).ravel()
    if axes.size != len(PRINCIPLES):
        raise ValueError(f"axes must hold {len(PRINCIPLES)} Axes; got {axes.size}")
    fig = axes[0].figure
    values = wide.droplevel(0) if wide.index.nlevels == 2 else wide
    periods = [str(c) for c in wide.columns]
    x = np.arange(len(periods))
    shade = [highlight] if isinstance(highlight, str) else list(highlight or [])
    rows = {}
    for ax, (principle, (indicator, fa_label)) in zip(axes, HEADLINE.items(), strict=True):
        y = values.loc[indicator].to_numpy(dtype=float)
        rows[principle] = y
        ax.plot(x, y, marker="o")
        for p in shade:
            if p in periods:
                i = periods.index(p)
                ax.axvspan(i - 0.5, i + 0.5, color="tab:orange", alpha=0.2, linewidth=0)
        better = INDICATORS[indicator][1]
        if lang == "fa":
            arrow = "بیشتر بهتر" if better == "higher" else "کمتر بهتر"
            ax.set(title=persian_label(PRINCIPLES[principle]),
                   ylabel=f"{persian_label(fa_label)}\n({arrow})")
        else:
            ax.set(title=principle.replace("_", " "),
                   ylabel=f"{indicator.replace('_', ' ')}\n({better} is better)")
        ax.yaxis.label.set_size(8)
        ax.set_xticks(x, periods, rotation=45 if len(periods) > 4 else 0, fontsize=8)
    for ax in axes[-3:]:
        ax.set_xlabel("دوره" if lang == "fa" else "period")
    fig.suptitle("شش اصل مدیریت ارتباط با مشتری در گذر زمان" if lang == "fa"
                 else "The six principles of CRM over time", fontweight="bold")
    fig.tight_layout()
    _record(fig, pd.DataFrame(rows, index=periods).T)
    return fig


def plot_referral_trees(trees, *, k: int = 6, labels=None, ax=None):
    """Draw the ``k`` largest referral trees, roots on top, one generation per row.

    Parameters
    ----------
    trees : DataFrame
        From :func:`crmlab.analytics.referrals.referral_trees`.
    k : int, default=6
        Number of trees (largest first; ties in the order of ``attrs["tree_size"]``).
    labels : Series, optional
        A category per customer id (e.g. the segment) to colour the nodes by.
    ax : Axes, optional

    Returns
    -------
    matplotlib Axes
        Node positions are in ``plotted_data(ax)`` (x, y = -generation, root).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics.referrals import referral_trees
    >>> refs = pd.DataFrame({"referrer_id": ["a", "a", "b"], "referred_id": ["b", "c", "d"]})
    >>> ax = plot_referral_trees(referral_trees(refs))
    >>> plotted_data(ax).loc["a", ["x", "y"]].tolist()
    [0.5, 0.0]
    """
    import pandas as pd

    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    ax = _axes(ax)
    roots = list(trees.attrs["tree_size"].index[:k])
    chosen = trees[trees["root"].isin(roots)]
    children: dict[str, list[str]] = {}
    for child, parent in chosen["referrer_id"].dropna().sort_index().items():
        children.setdefault(parent, []).append(child)
    x: dict[str, float] = {}
    next_leaf = [0.0]

    def place(node: str) -> float:  # leaves left to right, parents over their children
        kids = children.get(node, [])
        if not kids:
            x[node] = next_leaf[0]
            next_leaf[0] += 1.0
        else:
            x[node] = sum(place(c) for c in kids) / len(kids)
        return x[node]

    for root in roots:
        place(root)
        next_leaf[0] += 1.0  # a gap between trees
    pos = pd.DataFrame({"x": pd.Series(x)}).join(chosen[["generation", "root"]])
    pos["y"] = (-pos["generation"]).astype(float)
    for child, parent in chosen["referrer_id"].dropna().items():
        ax.plot([pos.at[parent, "x"], pos.at[child, "x"]],
                [pos.at[parent, "y"], pos.at[child, "y"]], color="grey", linewidth=1,
                zorder=1)
    if labels is not None:
        cats = labels.reindex(pos.index).astype(str)
        for name in sorted(cats.unique()):
            m = (cats == name).to_numpy()
            ax.scatter(pos["x"][m], pos["y"][m], s=60, label=name, zorder=2)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.scatter(pos["x"], pos["y"], s=60, zorder=2)
    depth = int(pos["generation"].max())
    ax.set_yticks([-float(g) for g in range(depth + 1)], [str(g) for g in range(depth + 1)])
    ax.set_xticks([])
    ax.grid(False)
    ax.set(title=f"The {len(roots)} largest referral trees (who brought whom)",
           xlabel="customers (each tree starts at a customer nobody referred)",
           ylabel="referral generation (0 = root)")
    ax.figure.tight_layout()
    _record(ax, pos[["x", "y", "root"]])
    return ax


# --- cohort retention (warehouse notebook) ----------------------------------------------
__all__ += ["plot_cohort_retention"]


def plot_cohort_retention(matrix, *, max_periods: int = 12, ax=None):
    """Heat map of cohort retention: cohorts as rows, periods since the first purchase as
    columns.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`crmlab.analytics.cohorts.retention_matrix` (index: cohort start,
        columns: period 0, 1, ...; values 0-1).
    max_periods : int, default=12
        Show periods 0..max_periods.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The values shown are in ``plotted_data(ax)``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[1.0, 0.5], [1.0, 0.0]],
    ...                  index=pd.to_datetime(["2024-01-01", "2024-02-01"]), columns=[0, 1])
    >>> plotted_data(plot_cohort_retention(m)).shape
    (2, 2)
    """
    if isinstance(max_periods, bool) or not isinstance(max_periods, int) or max_periods < 0:
        raise ValueError(f"max_periods must be an integer >= 0; got {max_periods!r}")
    import matplotlib.pyplot as plt

    data = matrix.loc[:, [c for c in matrix.columns if c <= max_periods]]
    ax = _axes(ax)
    image = ax.imshow(data.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0,
                      vmax=1, interpolation="nearest")
    labels = [f"{c:%Y-%m}" if hasattr(c, "strftime") else str(c) for c in data.index]
    step = max(1, len(labels) // 12)
    ax.set_yticks(range(0, len(labels), step), labels[::step])
    ax.set_xticks(range(len(data.columns)), [str(c) for c in data.columns])
    ax.set(title="Cohort retention: share of each cohort buying again",
           xlabel="months since the first purchase", ylabel="cohort (first purchase)")
    ax.grid(False)
    plt.colorbar(image, ax=ax, label="share of the cohort active")
    _record(ax, data)
    return ax
