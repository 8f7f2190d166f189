"""The timeline figure of notebook 01."""

from __future__ import annotations

import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py
import pandas as pd
import pytest

from crmlab import viz


@pytest.fixture
def eras():
    return pd.DataFrame({"event": ["SFA", "ERP", "social CRM"], "start": [1985, 1990, 2009],
                         "end": [1995, 2000, 2020], "fa": ["الف", "ب", "CRM اجتماعی"]})


def test_timeline_draws_one_bar_per_era_with_labels(eras):
    fig, ax = plt.subplots()
    out = viz.plot_timeline(eras, note_col="fa", title="Eras", ax=ax)
    assert out is ax
    bars = ax.patches
    assert len(bars) == 3
    assert [b.get_x() for b in bars] == [1985, 1990, 2009]
    assert [b.get_width() for b in bars] == [10, 10, 11]
    texts = [t.get_text().strip() for t in ax.texts]
    # a Persian note that starts with a Latin word gets a right-to-left mark (issue 17)
    assert "SFA" in texts and "\u200fCRM اجتماعی" in texts and "الف" in texts
    assert ax.get_title() == "Eras" and ax.get_xlabel() == "year"
    assert viz.plotted_data(out)["event"].tolist() == ["SFA", "ERP", "social CRM"]
    plt.close(fig)


def test_timeline_rejects_bad_eras(eras):
    with pytest.raises(ValueError, match="column .end. not found in events"):
        viz.plot_timeline(eras.drop(columns="end"))
    with pytest.raises(ValueError, match="no earlier than it starts"):
        viz.plot_timeline(eras.assign(end=[1980, 2000, 2020]))
    with pytest.raises(TypeError, match="DataFrame"):
        viz.plot_timeline([1, 2])
