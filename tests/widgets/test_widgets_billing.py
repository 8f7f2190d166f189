"""The collections explorer: a pure view function and sliders that recompute it."""

from __future__ import annotations

import matplotlib
import pytest

from crmlab import viz
from crmlab.analytics.billing import suspension_whatif
from crmlab.widgets.billing import collections_explorer, collections_view

matplotlib.use("Agg")


def test_view_numbers_follow_the_rule(world):
    strict, fig = collections_view(world.invoices, world.payments, suspend_after_days=10)
    lax, _ = collections_view(world.invoices, world.payments, suspend_after_days=60,
                              write_off_after_days=150, figure=False)
    assert strict["suspended customers"] > lax["suspended customers"]
    assert strict["of whom would have paid later"] > lax["of whom would have paid later"]
    assert strict["bill-days of unpaid service"] < lax["bill-days of unpaid service"]
    assert strict["amount written off"] > lax["amount written off"]
    assert viz.plotted_data(fig).index.name == "suspend_after_days"


def test_explorer_updates_when_a_slider_moves(world):
    ex = collections_explorer(world)
    html, png = ex.numbers.value, ex.image.value
    at_45 = suspension_whatif(world.invoices, world.payments, suspend_after_days=45)
    assert ex.numbers_table["suspended customers"] == at_45["suspended_customers"]
    ex.suspend.value = 15
    assert ex.numbers.value != html and ex.image.value != png
    assert ex.numbers_table["suspended customers"] > at_45["suspended_customers"]
    before = ex.numbers_table["amount written off"]
    ex.write_off.value = 30
    assert ex.numbers_table["amount written off"] > before


def test_explorer_needs_a_world():
    with pytest.raises(TypeError, match="world must be a crmlab World"):
        collections_explorer(42)


def test_the_explorer_speaks_the_course_language(world):
    from crmlab import i18n

    i18n.set_language("fa")
    try:
        ex = collections_explorer(world, suspend_after_days=45)
        assert ex.suspend.description == i18n.t("nb06_widget_suspend")
        assert ex.numbers.value.startswith('<div dir="rtl">')
        assert i18n.t("nb06_widget_suspended") in ex.numbers.value
        assert "suspended customers" not in ex.numbers.value
        # the numbers the code reads keep their names whatever the language
        assert "suspended customers" in ex.numbers_table.index
        assert not viz.figure_text_problems(ex.figure)
    finally:
        i18n.set_language("en")
    assert "suspended customers" in collections_explorer(world).numbers.value
