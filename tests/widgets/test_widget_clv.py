"""The BG/NBD explorer: its numbers are the model's, and moving a slider redraws it."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.analytics import clv
from crmlab.widgets.clv import BGNBDExplorer, bgnbd_profile, clv_explorer


@pytest.fixture(scope="module")
def fitted():
    d = clv.simulate_bgnbd(2000, 40, r=0.8, alpha=5.0, a=1.6, b=4.0, random_state=2)
    return clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()


def test_profile_matches_the_fitted_model(fitted):
    r, alpha, a, b = fitted.params
    prof = bgnbd_profile(r, alpha, a, b, T=30, horizon=60, frequencies=(2, 5))
    np.testing.assert_allclose(prof["purchases"].to_numpy(),
                               fitted.expected_purchases_new_customer(np.arange(61.0)))
    silent = np.arange(31.0)
    np.testing.assert_allclose(prof["p_alive"][5].to_numpy(),
                               fitted.p_alive(5, 30 - silent, 30))
    assert prof["p_alive"].index.name == "weeks_silent"
    assert prof["summary"]["mean_purchase_rate"] == round(r / alpha, 3)
    assert prof["summary"]["mean_dropout"] == round(a / (a + b), 3)


def test_profile_responds_to_each_parameter():
    base = bgnbd_profile(1.0, 6.0, 2.0, 4.0)
    # more purchases with a higher r, fewer with a higher alpha
    assert (bgnbd_profile(2.0, 6.0, 2.0, 4.0)["summary"]["purchases_first_year"]
            > base["summary"]["purchases_first_year"]
            > bgnbd_profile(1.0, 12.0, 2.0, 4.0)["summary"]["purchases_first_year"])
    # a higher dropout chance (a up, b down) lowers P(alive) after a silence
    assert (bgnbd_profile(1.0, 6.0, 4.0, 4.0)["summary"]["p_alive_silent_half_year"]
            < base["summary"]["p_alive_silent_half_year"]
            < bgnbd_profile(1.0, 6.0, 2.0, 12.0)["summary"]["p_alive_silent_half_year"])
    # P(alive) falls the longer a customer has been silent
    assert np.all(np.diff(base["p_alive"][3].to_numpy()) <= 0)


def test_profile_is_continuous_through_a_equal_one():
    below, at, above = (bgnbd_profile(1.0, 6.0, a, 4.0)["purchases"].to_numpy()
                        for a in (0.999, 1.0, 1.001))
    assert np.isfinite(at).all() and at[-1] > 0
    np.testing.assert_allclose(at, (below + above) / 2, rtol=1e-3)
    # a < 1 is a valid BG/NBD (a fitted a is often below 1): finite, increasing
    low = bgnbd_profile(1.0, 6.0, 0.5, 3.0)["purchases"].to_numpy()
    assert np.isfinite(low).all() and np.all(np.diff(low) > 0)


@pytest.mark.parametrize("kwargs, error", [
    ({"r": 0.0}, ValueError), ({"alpha": -1.0}, ValueError), ({"b": "2"}, TypeError),
    ({"T": 0}, ValueError), ({"horizon": 0}, ValueError), ({"frequencies": (0,)}, ValueError),
])
def test_profile_bad_input(kwargs, error):
    args = {"r": 1.0, "alpha": 6.0, "a": 2.0, "b": 4.0, **kwargs}
    with pytest.raises(error):
        bgnbd_profile(**args)


def test_explorer_starts_at_the_fit_and_redraws(fitted):
    box = clv_explorer(fitted, T=40)
    sliders = box.sliders
    assert [s.description for s in sliders.values()] == ["r", "alpha", "a", "b", "age T"]
    assert sliders["r"].value == pytest.approx(round(fitted.params["r"] / 0.05) * 0.05)
    assert "fitted" in box.summary.value
    image, html = box.image.value, box.summary.value
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    sliders["r"].value = 3.0
    assert box.image.value != image and box.summary.value != html
    assert box.profile["summary"]["mean_purchase_rate"] == round(3.0 / sliders["alpha"].value, 3)
    html = box.summary.value
    sliders["T"].value = 100
    assert box.profile["T"] == 100 and box.summary.value != html
    # the "fitted" column follows the age too
    fitted_at_100 = bgnbd_profile(*fitted.params, T=100)["summary"]
    assert f"<td>{fitted_at_100['p_alive_silent_half_year']:g}</td>" in box.summary.value


def test_explorer_rejects_a_non_bgnbd_fit():
    with pytest.raises(TypeError, match="BetaGeo"):
        clv_explorer("not a model")


def test_explorer_is_its_own_widget_class(fitted):
    import ipywidgets as widgets

    box = clv_explorer(fitted, T=40)
    assert type(box) is BGNBDExplorer and isinstance(box, widgets.VBox)
    # its parts are declared on the class, not attached to a plain VBox afterwards
    assert {"sliders", "summary", "image", "fitted"} <= set(BGNBDExplorer.__annotations__)
    assert box.has_trait("profile") and not widgets.VBox().has_trait("profile")
    assert box.fitted is fitted and box.children[2] is box.summary
    assert box.children[3] is box.image
    seen = []
    box.observe(lambda change: seen.append(change["new"]["T"]), names="profile")
    box.sliders["T"].value = 60
    assert seen == [60.0]
    # a text form without object addresses, naming the current values
    assert repr(box) == ("BGNBDExplorer(r={r:g}, alpha={alpha:g}, a={a:g}, b={b:g}, T=60)"
                         .format(**{n: box.sliders[n].value for n in ("r", "alpha", "a", "b")}))
    with pytest.raises(TypeError, match="BetaGeo"):
        BGNBDExplorer(fitted="not a model")
    with pytest.raises(ValueError, match="T must be"):
        BGNBDExplorer(T=0)


def test_explorer_speaks_the_notebook_language(fitted):
    """In a Persian notebook the explorer's labels, table and figure are Persian."""
    import matplotlib.pyplot as plt

    from crmlab import i18n, viz
    from crmlab.widgets.clv import _translate

    i18n.set_language("fa")
    try:
        box = clv_explorer(fitted, T=40)
        assert box.sliders["T"].description == i18n.t("widget_clv_age") != "age T"
        assert i18n.t("widget_clv_fitted") in box.summary.value and 'dir="rtl"' in box.summary.value
        assert "fitted" not in box.summary.value
        profile = bgnbd_profile(*fitted.params, T=40)
        fig = viz.plot_bgnbd_profile(profile, reference=profile)
        _translate(fig, profile, profile)
        texts = [fig.axes[0].get_title(), fig.axes[1].get_xlabel(),
                 *(t.get_text() for t in fig.axes[1].get_legend().get_texts())]
        assert all(i18n.has_persian(t) for t in texts), texts
        assert not viz.figure_text_problems(fig)
        plt.close(fig)
    finally:
        i18n.set_language("en")
    assert clv_explorer(fitted, T=40).sliders["T"].description == "age T"
