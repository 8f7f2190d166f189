"""CLV figures: titled, labelled, and drawn from the right numbers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

import crmlab as crm
from crmlab import viz
from crmlab.analytics import clv


@pytest.fixture(scope="module")
def fitted():
    w = crm.load_dataset("classroom")
    table = clv.calibration_holdout_split(w.transactions, calibration_end="2025-06-30",
                                          end="2025-12-31", freq="W")
    fit = clv.BetaGeo(table["frequency_cal"], table["recency_cal"], table["T_cal"]).fit()
    return fit, table


def _labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_calibration_holdout_plot(fitted):
    fit, table = fitted
    ax = viz.plot_calibration_holdout(fit, table, max_frequency=5)
    data = viz.plotted_data(ax)
    assert _labelled(ax) and list(data.index) == list(range(6))
    zero = table["frequency_cal"] == 0
    assert data.loc[0, "actual"] == pytest.approx(table.loc[zero, "frequency_holdout"].mean())
    # the model tracks the holdout: within 35% of actual in every well-populated group
    assert np.allclose(data["model"].iloc[:4], data["actual"].iloc[:4], rtol=0.35)
    plt.close("all")


@pytest.mark.parametrize("kind", ["p_alive", "expected_purchases"])
def test_frequency_recency_heat_map(fitted, kind):
    fit, _ = fitted
    ax = viz.plot_frequency_recency(fit, T=40, kind=kind, max_frequency=20)
    grid = viz.plotted_data(ax)
    assert _labelled(ax) and grid.shape == (21, 41)
    if kind == "p_alive":
        assert grid.loc[10, 40] > grid.loc[10, 5]  # recent buyers are more likely alive
        assert grid.to_numpy().min() >= 0 and grid.to_numpy().max() <= 1
    plt.close("all")


def test_frequency_recency_rejects_unknown_kind(fitted):
    with pytest.raises(ValueError, match="kind must be"):
        viz.plot_frequency_recency(fitted[0], T=10, kind="joy")


def test_retention_plot():
    counts = [1000, 869, 743, 653, 593, 551, 517, 491]
    fit = clv.ShiftedBetaGeometric.from_survivors(counts).fit()
    ax = viz.plot_retention(fit, periods=12, observed=counts)
    data = viz.plotted_data(ax)
    assert _labelled(ax) and data["survival"].iloc[0] == pytest.approx(1.0)
    assert data["retention_rate"].iloc[1:].is_monotonic_increasing  # the sBG signature
    assert data.loc[7, "survival"] == pytest.approx(0.491, abs=0.01)
    plt.close("all")
