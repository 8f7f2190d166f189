"""The house style is colour-blind safe: no green in its colours, so no figure pairs red
with green, and the plotting functions the notebooks use draw with the house colours."""

from __future__ import annotations

import colorsys

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb

from crmlab import viz
from crmlab.analytics.referrals import referral_trees


def _greenish(colour) -> bool:
    r, g, b = to_rgb(colour)
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    return 75 <= h * 360 <= 170 and s > 0.2 and 0.1 < lightness < 0.9


def test_palette_has_no_green():
    assert len(set(viz.PALETTE)) == len(viz.PALETTE) >= 6
    assert not [c for c in viz.PALETTE if _greenish(c)]
    # the test would catch matplotlib's default green and red pair
    assert _greenish("tab:green") and not _greenish("tab:red")


def test_house_style_uses_the_palette():
    viz.use_house_style()
    cycle = [matplotlib.colors.to_hex(c) for c in
             plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == [c.lower() for c in viz.PALETTE]


def _colours(ax) -> list:
    out = [line.get_color() for line in ax.get_lines()]
    out += [p.get_facecolor() for p in ax.patches]
    for coll in ax.collections:
        out += list(coll.get_facecolor())
    return out


@pytest.mark.parametrize("draw", [
    lambda: viz.plot_timeline(pd.DataFrame({"event": list("abcdefgh"),
                                            "start": np.arange(8.0), "end": np.arange(8.0) + 2})),
    lambda: viz.plot_lorenz({"revenue": [1.0, 2.0, 7.0], "profit": [-1.0, 1.0, 5.0],
                             "cost": [3.0, 1.0, 1.0]}),
    lambda: viz.plot_referral_trees(
        referral_trees(pd.DataFrame({"referrer_id": list("aabcdef"),
                                     "referred_id": list("bcdefgh")})),
        labels=pd.Series(dict(zip("abcdefgh", ["s1", "s2", "s3", "s4", "s5", "s1", "s2",
                                                "s3"], strict=True)))),
], ids=["timeline", "lorenz", "referral_trees"])
def test_notebook_figures_draw_no_green(draw):
    viz.use_house_style()
    ax = draw()
    colours = _colours(ax)
    assert colours, "the figure drew nothing coloured"
    assert not [c for c in colours if _greenish(c)]
    plt.close(ax.figure)
