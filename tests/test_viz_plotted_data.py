"""What a plot drew is read with viz.plotted_data; nothing is set on matplotlib's objects."""

from __future__ import annotations

import gc

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import pandas as pd
import pytest

from crmlab import viz
from crmlab.analytics.concentration import lorenz_curve
from crmlab.analytics.referrals import referral_trees


def _no_crmlab_attributes(artist):
    return not [k for k in vars(artist) if k.startswith("crmlab")]


def test_every_plot_records_its_data_without_touching_the_artist():
    refs = pd.DataFrame({"referrer_id": ["a", "a"], "referred_id": ["b", "c"]})
    eras = pd.DataFrame({"event": ["x"], "start": [1990], "end": [2000]})
    shown = [viz.plot_lorenz({"revenue": [1.0, 2.0, 7.0]}),
             viz.plot_referral_trees(referral_trees(refs)),
             viz.plot_timeline(eras),
             viz.plot_segment_confusion(pd.DataFrame([[3, 1], [0, 4]])),
             viz.plot_cohort_retention(pd.DataFrame([[1.0, 0.5]], columns=[0, 1],
                                                    index=pd.to_datetime(["2024-01-01"])))]
    for ax in shown:
        assert isinstance(viz.plotted_data(ax), pd.DataFrame)
        assert _no_crmlab_attributes(ax) and _no_crmlab_attributes(ax.figure)
        plt.close(ax.figure)


def test_lorenz_records_the_curves_as_a_second_part():
    values = {"revenue": [1.0, 2.0, 7.0], "profit": [-1.0, 1.0, 5.0]}
    ax = viz.plot_lorenz(values)
    curves = viz.plotted_data(ax, "curves")
    pd.testing.assert_frame_equal(curves["profit"], lorenz_curve(values["profit"]))
    assert viz.plotted_data(ax)["gini"].round(3).to_dict() == {"revenue": 0.4, "profit": 0.8}
    with pytest.raises(KeyError, match=r"part must be one of \['curves', 'data'\]"):
        viz.plotted_data(ax, "grid")
    plt.close(ax.figure)


def test_foreign_axes_are_refused_with_a_clear_message():
    fig, ax = plt.subplots()
    with pytest.raises(KeyError, match="nothing recorded for this Axes"):
        viz.plotted_data(ax)
    with pytest.raises(KeyError, match="nothing recorded for this int"):
        viz.plotted_data(3)
    plt.close(fig)


def test_the_record_goes_with_the_figure():
    gc.collect()
    before = len(viz._PLOTTED)
    ax = viz.plot_timeline(pd.DataFrame({"event": ["x"], "start": [1990], "end": [2000]}))
    assert len(viz._PLOTTED) == before + 1
    plt.close(ax.figure)
    del ax
    gc.collect()
    assert len(viz._PLOTTED) == before
