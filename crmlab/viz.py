"""Figures in one house style.

Every notebook calls :func:`use_house_style` once: a fixed figure size, resolution and
font set, so figures look alike and their text output never changes between runs.

Examples
--------
>>> from crmlab import viz
>>> viz.use_house_style()
"""

from __future__ import annotations

__all__ = ["HOUSE_STYLE", "use_house_style"]

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
