"""DERT, iso-value curves and the CLV margin (Fader, Hardie & Lee 2005b)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from crmlab import viz
from crmlab.analytics import clv
from crmlab.analytics.clv import residual_value

#: FHL 2005b's CDNOW Pareto/NBD estimates, weekly; 15 % a year continuously discounted
PNBD = {"r": 0.5533, "alpha": 10.5776, "s": 0.6061, "beta": 11.6650}
DELTA = np.log(1.15) / 52
X = np.array([0, 1, 2, 5, 20, 0, 150])
TX = np.array([0, 5, 30.43, 38, 38.5, 0, 38.8])
T = np.array([38.86, 38.86, 38.86, 38.86, 38.86, 5.0, 38.86])


def _by_quadrature(model, x, tx, age, delta):
    """delta * int_0^inf e^(-delta t) E[X(t) | history] dt, adaptively, row by row."""
    def integrand(t, xi, ti, ai):
        return np.exp(-delta * t) * model.expected_purchases(t, xi, ti, ai)

    return np.array([delta * integrate.quad(integrand, 0, np.inf, args=row, limit=500,
                                            epsrel=1e-11)[0]
                     for row in zip(x, tx, age, strict=True)])


@pytest.mark.parametrize("model", [
    clv.ParetoNBD.from_params(**PNBD),
    clv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426),
    clv.ModifiedBetaGeo.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614),
], ids=["pareto_nbd", "bg_nbd", "mbg_nbd"])
def test_dert_is_the_discounted_integral_of_expected_purchases(model):
    dert = clv.discounted_expected_transactions(model, X, TX, T, discount_rate=DELTA)
    np.testing.assert_allclose(dert, _by_quadrature(model, X, TX, T, DELTA), rtol=1e-7)


def test_pareto_nbd_closed_form_agrees_with_the_numerical_route():
    pn = clv.ParetoNBD.from_params(**PNBD)
    for delta in (DELTA, 0.01, 0.2):
        closed = clv.discounted_expected_transactions(pn, X, TX, T, discount_rate=delta)
        numeric = residual_value._dert_numeric(pn, X.astype(float), TX, T, delta)
        np.testing.assert_allclose(closed, numeric, rtol=1e-9)


def test_dert_keeps_the_index_and_refuses_bad_rates():
    pn = clv.ParetoNBD.from_params(**PNBD)
    idx = pd.Index(["a", "b"], name="customer_id")
    out = clv.discounted_expected_transactions(pn, pd.Series([0, 3], index=idx),
                                               pd.Series([0, 20.0], index=idx), 30,
                                               discount_rate=DELTA)
    assert out.name == "dert" and out.index.equals(idx)
    for bad in (0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="discount_rate must be a positive"):
            clv.discounted_expected_transactions(pn, [1], [1], [2], discount_rate=bad)
    with pytest.raises(TypeError, match="purchase model"):
        clv.discounted_expected_transactions(clv.GammaGamma.from_params(p=1, q=2, gamma=3),
                                             [1], [1], [2], discount_rate=DELTA)


def test_iso_value_grid_rises_with_recency_and_scales_with_margin():
    pn = clv.ParetoNBD.from_params(**PNBD)
    full = clv.iso_value(pn, 35.0, T=39, discount_rate=DELTA)
    grid = clv.iso_value(pn, 35.0, T=39, discount_rate=DELTA, margin=0.3)
    pd.testing.assert_frame_equal(grid, 0.3 * full)
    rows = grid.loc[1:].to_numpy()[:, 1:]
    assert np.all(np.diff(rows, axis=1) > 0)         # more recent, more valuable
    assert np.isnan(grid.loc[3, 0.0]) and not np.isnan(grid.loc[0, 0.0])
    gg = clv.GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
    with pytest.raises(ValueError, match="needs monetary_value"):
        clv.iso_value(pn, gg, T=39, discount_rate=DELTA)
    spend = clv.iso_value(pn, gg, T=39, discount_rate=DELTA, monetary_value=35.0)
    assert spend.notna().sum().sum() == full.notna().sum().sum()
    fig, ax = plt.subplots()
    drawn = clv.iso_value(pn, 35.0, T=39, discount_rate=DELTA, ax=ax)
    pd.testing.assert_frame_equal(viz.plotted_data(ax), drawn)
    plt.close(fig)


def test_clv_margin_scales_value_and_is_checked():
    s = clv.simulate_bgnbd(500, 40, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    bg = clv.BetaGeo.from_params(r=0.25, alpha=4, a=0.8, b=2.5)
    full = clv.customer_lifetime_value(bg, 10.0, s, horizon=6)
    part = clv.customer_lifetime_value(bg, 10.0, s, horizon=6, margin=0.3)
    np.testing.assert_allclose(part, 0.3 * full)
    for bad in (0, 1.5, -0.2, True):
        with pytest.raises(ValueError, match="margin must be a share"):
            clv.customer_lifetime_value(bg, 10.0, s, margin=bad)
