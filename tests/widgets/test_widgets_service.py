"""The capacity explorer: a pure view function and sliders that recompute it."""

from __future__ import annotations

import matplotlib
import pytest

from crmlab import viz
from crmlab.widgets.service import capacity_explorer, capacity_view

matplotlib.use("Agg")


def test_view_numbers_follow_the_sliders(world):
    tables = (world.complaints, world.weather, world.customers)
    none, _ = capacity_view(*tables, capacity=1.25, share=0.0, figure=False)
    full, fig = capacity_view(*tables, capacity=1.25, share=1.0)
    hit = "hit provinces during weather"
    assert none.summary.loc[hit, "mean_hours_after"] == none.summary.loc[hit,
                                                                         "mean_hours_before"]
    assert full.summary.loc[hit, "mean_hours_after"] < none.summary.loc[hit,
                                                                        "mean_hours_after"]
    assert list(viz.plotted_data(fig).columns) == ["observed", "what-if"]
    assert viz.plotted_data(fig)["what-if"].sum() < viz.plotted_data(fig)["observed"].sum()
    floods, _ = capacity_view(*tables, capacity=1.25, share=1.0, events="floods only",
                              figure=False)
    flood_provinces = set(world.weather.loc[world.weather["event_type"] == "flood",
                                            "province"].astype(str))
    assert set(floods.by_province.index) <= flood_provinces
    with pytest.raises(ValueError, match="events must be one of"):
        capacity_view(*tables, capacity=1.25, share=0.5, events="hail")


def test_explorer_updates_when_a_slider_moves(world):
    ex = capacity_explorer(world, share=0.0)
    hit = "hit provinces during weather"
    first_html, first_png = ex.numbers.value, ex.image.value
    assert first_png[:8] == b"\x89PNG\r\n\x1a\n"
    first = ex.result.summary.loc[hit, "mean_hours_after"]
    assert "hit provinces during weather" in first_html
    ex.share.value = 0.8
    assert ex.result.summary.loc[hit, "mean_hours_after"] < first
    assert ex.numbers.value != first_html
    assert ex.image.value != first_png
    shown = viz.plotted_data(ex.figure)
    assert shown["what-if"].sum() < shown["observed"].sum()
    ex.provinces.value = ("Louisiana",)
    assert list(ex.result.by_province.index) == ["Louisiana"]
    ex.events.value = "snow only"  # Louisiana has floods only: nothing left to help
    assert ex.result.summary.loc[hit, "complaints"] == 0
    assert "capacity moved on 0 days" in ex.numbers.value


def test_explorer_needs_a_world():
    with pytest.raises(TypeError, match="world must be a crmlab World"):
        capacity_explorer("classroom")


def test_the_explorer_speaks_the_course_language(world):
    from crmlab import i18n

    i18n.set_language("fa")
    try:
        ex = capacity_explorer(world, share=0.5)
        assert ex.share.description == i18n.t("nb05_widget_share")
        assert i18n.has_persian(ex.events.label) and ex.events.value == "snow and floods"
        assert ex.numbers.value.startswith('<div dir="rtl">')
        assert i18n.t("nb05_whatif_hit") in ex.numbers.value
        assert "hit provinces" not in ex.numbers.value
        assert not viz.figure_text_problems(ex.figure)
    finally:
        i18n.set_language("en")
    assert "hit provinces during weather" in capacity_explorer(world).numbers.value
