"""Figures as PNG bytes for ``Image`` widgets.

An explorer draws its figure in the kernel and ships the picture as bytes, so it
looks the same in JupyterLab, in a saved notebook and in a test without a browser.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> figure_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["figure_png"]


def figure_png(fig: Any) -> bytes:
    """Render ``fig`` to PNG bytes and close it.

    The PNG carries no software version, so the bytes depend only on the picture.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    bytes
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
