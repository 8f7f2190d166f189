"""Figures in one house style.

Every notebook calls :func:`use_house_style` once: a fixed figure size, resolution and
font set, so figures look alike and their text output never changes between runs.

Examples
--------
>>> from crmlab import viz
>>> viz.use_house_style()
"""

from __future__ import annotations

__all__ = ["HOUSE_STYLE", "missing_glyphs", "plot_calibration_holdout",
           "plot_frequency_recency", "plot_referral_trees", "plot_retention",
           "plot_scorecard_trends", "use_house_style"]

#: matplotlib settings shared by every crmlab figure.
HOUSE_STYLE: dict[str, object] = {
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
        The plotted means are in ``ax.crmlab_data`` (a DataFrame).

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
    ax.crmlab_data = means
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
        The grid is in ``ax.crmlab_data`` (rows: frequency, columns: recency).
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
    ax.crmlab_data = pd.DataFrame(grid, index=pd.Index(freq, name="frequency"),
                                  columns=pd.Index(rec, name="recency"))
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
        The curves are in ``ax.crmlab_data``.
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
    ax.crmlab_data = data
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
        The plotted values are in ``fig.crmlab_data`` (principles x periods).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics.scorecard import INDICATORS
    >>> idx = pd.MultiIndex.from_tuples([(p, k) for k, (p, _, _) in INDICATORS.items()])
    >>> wide = pd.DataFrame({"2024": 0.5, "2025": 0.6}, index=idx)
    >>> fig = plot_scorecard_trends(wide, lang="fa")
    >>> fig.crmlab_data.shape
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
            ax.set(title=PRINCIPLES[principle], ylabel=f"{fa_label}\n({arrow})")
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
    fig.crmlab_data = pd.DataFrame(rows, index=periods).T
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
        Node positions are in ``ax.crmlab_data`` (x, y = -generation, root).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics.referrals import referral_trees
    >>> refs = pd.DataFrame({"referrer_id": ["a", "a", "b"], "referred_id": ["b", "c", "d"]})
    >>> ax = plot_referral_trees(referral_trees(refs))
    >>> ax.crmlab_data.loc["a", ["x", "y"]].tolist()
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
    ax.crmlab_data = pos[["x", "y", "root"]]
    return ax
