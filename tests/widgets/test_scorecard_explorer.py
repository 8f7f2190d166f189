"""Scorecard explorer: the pure view follows segment and year; the widget follows its controls."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from crmlab import viz
from crmlab.analytics.scorecard import principle_scorecard, silo_record_agreement
from crmlab.widgets.scorecard import scorecard_explorer, scorecard_segments, scorecard_view


@pytest.fixture(scope="module")
def world():
    import crmlab as crm

    return crm.make_world(crm.WorldConfig(n_customers=600, start="2023-01-01",
                                          end="2024-12-31"), seed=3)


def test_view_matches_the_scorecard_of_the_segment(world):
    table, fig = scorecard_view(world, year=2024, segment="postpaid", figure=False)
    assert fig is None
    ids = world.customers.loc[world.customers["plan"] == "postpaid", "customer_id"]
    agree = silo_record_agreement(world.customers, world.silos, world.truth.silo_mapping)
    ref = principle_scorecard(world.tables, start="2024-01-01", end="2025-01-01",
                              customer_ids=ids, silo_agreement=agree)
    pd.testing.assert_series_equal(table["2024"], ref["value"].round(3), check_names=False)
    assert table.columns.tolist() == ["2024", "2023", "better"]


def test_other_year_or_segment_gives_other_numbers(world):
    a, _ = scorecard_view(world, year=2024, figure=False)
    b, _ = scorecard_view(world, year=2023, figure=False)
    c, _ = scorecard_view(world, year=2024, segment="prepaid", figure=False)
    pd.testing.assert_series_equal(a["2023"], b["2023"])  # 2023 is the same year
    assert (a["2024"] - c["2024"]).abs().max() > 0.01
    assert b["2022"].isna().all()  # before the history


def test_view_figure_shades_the_year(world):
    _, fig = scorecard_view(world, year=2023, segment="true segment: steady")
    assert len(fig.axes) == 6 and "steady" in fig._suptitle.get_text()
    assert list(viz.plotted_data(fig).columns)[:4] == ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    plt.close(fig)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"year": 1999}, "year must be one of"),
    ({"year": 2024, "segment": "vip"}, "segment must be one of"),
])
def test_bad_choices(world, kwargs, match):
    with pytest.raises(ValueError, match=match):
        scorecard_view(world, figure=False, **kwargs)


def test_explorer_follows_its_controls(world):
    ex = scorecard_explorer(world)
    assert repr(ex) == "ScorecardExplorer(segment='all customers', year=2024)"
    # shown in the notebook's language, the values stay the English names
    assert [v for _, v in ex.controls["segment"].options] == scorecard_segments(world)
    first = ex.table.copy()
    ex.controls["year"].value = 2023
    assert ex.table.columns[0] == "2023" and "2023" in repr(ex)
    ex.controls["segment"].value = "prepaid"
    expected, _ = scorecard_view(world, year=2023, segment="prepaid", figure=False)
    pd.testing.assert_frame_equal(ex.table, expected)
    assert not ex.table.equals(first)
    kinds = [sorted(o["data"]) for o in ex.output.outputs]
    assert len(kinds) == 2 and "image/png" in kinds[1]
    assert "2023" in ex.output.outputs[0]["data"]["text/plain"]
    plt.close("all")


def test_explorer_speaks_the_notebooks_language(world):
    from crmlab import i18n

    i18n.set_language("fa")
    try:
        ex = scorecard_explorer(world)
        labels = [label for label, _ in ex.controls["segment"].options]
        assert labels[:3] == ["همهٔ مشتریان", "مشترکان اعتباری", "مشترکان دائمی"]
        assert all(i18n.has_persian(label) for label in labels)
        assert ex.controls["year"].description == "سال"
        assert ex.controls["segment"].value == "all customers"  # values stay English
        shown = ex.output.outputs[0]["data"]["text/plain"]
        assert "واکنش سریع" in shown and "quick_response" not in shown
        _, fig = scorecard_view(world, year=2024, segment="postpaid", lang="fa")
        assert "مشترکان دائمی" in fig._suptitle.get_text()
        assert not viz.figure_text_problems(fig)
        plt.close("all")
    finally:
        i18n.set_language("en")
    en = scorecard_explorer(world)
    assert en.controls["segment"].options[0] == ("all customers", "all customers")
    assert "quick response" in en.output.outputs[0]["data"]["text/plain"]
    plt.close("all")
