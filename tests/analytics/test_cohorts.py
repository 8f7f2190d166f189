"""Cohort retention: counts by hand, period lengths, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics.cohorts import cohort_retention, retention_matrix


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "timestamp"]).assign(
        timestamp=lambda d: pd.to_datetime(d["timestamp"]))


def test_counts_each_customer_once_per_period():
    log = _log([("a", "2024-01-01"), ("a", "2024-01-20"), ("a", "2024-03-03"),
                ("b", "2024-01-31"), ("b", "2024-02-01"), ("c", "2024-02-15"),
                ("c", "2024-04-01")])
    got = cohort_retention(log)
    assert got[["period", "customers", "active"]].to_numpy().tolist() == [
        [0, 2, 2], [1, 2, 1], [2, 2, 1], [0, 1, 1], [2, 1, 1]]
    assert got["cohort"].dt.strftime("%Y-%m").tolist() == ["2024-01"] * 3 + ["2024-02"] * 2
    np.testing.assert_allclose(got["retention"], [1, 0.5, 0.5, 1, 1])
    wide = retention_matrix(got)
    assert wide.shape == (2, 3) and wide.iloc[1, 1] == 0.0 and wide.iloc[1, 2] == 1.0
    assert retention_matrix(got.iloc[:4]).iloc[1].isna().tolist() == [False, False, True]


def test_weekly_periods_and_the_world(tiny_world):
    log = _log([("a", "2024-01-01"), ("a", "2024-01-08"), ("a", "2024-01-09")])
    got = cohort_retention(log, freq="W")
    assert got["period"].tolist() == [0, 1] and got["active"].tolist() == [1, 1]
    table = cohort_retention(tiny_world.transactions)
    firsts = tiny_world.transactions.groupby("customer_id")["timestamp"].min()
    sizes = firsts.dt.to_period("M").value_counts()
    zero = table[table["period"] == 0].set_index("cohort")["customers"]
    assert zero.sum() == tiny_world.transactions["customer_id"].nunique()
    assert (zero.to_numpy() == sizes.sort_index().to_numpy()).all()
    assert (table["retention"] <= 1).all()
    assert (table.loc[table["period"] == 0, "retention"] == 1).all()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"time_col": "when"}, ValueError, "when"),
    ({"freq": "fortnight"}, ValueError, "freq must be a pandas period alias"),
])
def test_bad_input(kwargs, error, match):
    log = _log([("a", "2024-01-01")])
    with pytest.raises(error, match=match):
        cohort_retention(log, **kwargs)


def test_times_must_be_datetimes():
    with pytest.raises(TypeError, match="must hold datetimes"):
        cohort_retention(pd.DataFrame({"customer_id": ["a"], "timestamp": ["2024-01-01"]}))


def test_heat_map_shows_the_matrix(tiny_world):
    import matplotlib.pyplot as plt

    from crmlab import viz

    wide = retention_matrix(cohort_retention(tiny_world.transactions))
    ax = viz.plot_cohort_retention(wide, max_periods=4)
    assert viz.plotted_data(ax).shape == (len(wide), 5)
    assert viz.plotted_data(ax).equals(wide.iloc[:, :5])
    assert viz.plotted_data(ax).isna().to_numpy().any()  # the last cohorts' future is not seen
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="max_periods"):
        viz.plot_cohort_retention(wide, max_periods=-1)
    plt.close("all")
