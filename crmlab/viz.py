"""Figures in one house style.

Every notebook calls :func:`use_house_style` once: a fixed figure size, resolution and
font set, so figures look alike and their text output never changes between runs.

Examples
--------
>>> from crmlab import viz
>>> viz.use_house_style()
"""

from __future__ import annotations

__all__ = ["HOUSE_STYLE", "plot_calibration_holdout", "plot_frequency_recency",
           "plot_retention", "use_house_style"]
__all__ += ["plot_cohort_retention"]

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
    "font.family": ["DejaVu Sans"],
}


def use_house_style() -> None:
    """Apply the house style to matplotlib and quiet pandas' wide output.

    Uses the non-interactive inline backend set by Jupyter; safe to call repeatedly.
    """
    import matplotlib as mpl
    import pandas as pd

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


# --- cohort retention (warehouse notebook) ----------------------------------------------

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
        The values shown are in ``ax.crmlab_data``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[1.0, 0.5], [1.0, 0.0]],
    ...                  index=pd.to_datetime(["2024-01-01", "2024-02-01"]), columns=[0, 1])
    >>> plot_cohort_retention(m).crmlab_data.shape
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
    ax.crmlab_data = data
    return ax
