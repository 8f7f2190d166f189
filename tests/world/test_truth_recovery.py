"""Fitting the standard models on a world's purchases recovers the generating parameters.

This ties the two halves of crmlab together: the purchase generator follows BG/NBD and
Gamma-Gamma exactly (Fader, Hardie & Lee 2005), so the models fitted to one segment's
prepaid customers must find that segment's parameters in ``truth.params``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.analytics import clv


@pytest.fixture(scope="module")
def research():
    return crm.make_world("research", seed=42)


@pytest.fixture(scope="module")
def continuous(research):
    """Frequency, recency and T in continuous weeks (BG/NBD is a continuous-time model;
    daily or weekly periods would merge close purchases and bias the rates)."""
    tx = research.transactions
    g = tx.groupby("customer_id")["timestamp"]
    first, last = g.min(), g.max()
    end = pd.Timestamp(research.config.end) + pd.Timedelta(days=1)
    week = pd.Timedelta(weeks=1)
    s = pd.DataFrame({"frequency": g.size() - 1, "recency": (last - first) / week,
                      "T": (end - first) / week})
    seg = research.truth.customers.set_index("customer_id")["segment"]
    return s, seg.reindex(s.index)


@pytest.fixture(scope="module")
def summaries(research):
    # daily periods, so that purchases a few days apart are not collapsed into one
    s = clv.summarize_transactions(research.transactions, customer_col="customer_id",
                                   time_col="timestamp", value_col="amount",
                                   end=research.config.end, freq="D")
    seg = research.truth.customers.set_index("customer_id")["segment"]
    return s, seg.reindex(s.index)


@pytest.mark.parametrize("segment", crm.world.SEGMENTS)
def test_bg_nbd_recovers_each_segment(research, continuous, segment):
    s, seg = continuous
    part = s[(seg == segment).to_numpy()]
    fit = clv.BetaGeo(part["frequency"], part["recency"], part["T"]).fit()
    truth = research.truth.params.loc[segment]
    expected = {"r": truth["bg_r"], "alpha": truth["bg_alpha"], "a": truth["bg_a"],
                "b": truth["bg_b"]}
    for name, value in expected.items():
        est, se = fit.params[name], fit.bse[name]
        assert abs(est - value) < max(4 * se, 0.15 * value), (segment, name, est, value, se)


@pytest.mark.parametrize("segment", ["loyal_heavy", "steady", "digital_young"])
def test_gamma_gamma_recovers_mean_spend(research, summaries, segment):
    s, seg = summaries
    part = s[(seg == segment).to_numpy() & (s["frequency"] > 0).to_numpy()]
    fit = clv.GammaGamma(part["frequency"], part["monetary_value"]).fit()
    p, q, g = fit.params["p"], fit.params["q"], fit.params["gamma"]
    truth = research.truth.params.loc[segment]
    true_mean = truth["gg_p"] * truth["gg_gamma"] / (truth["gg_q"] - 1)
    assert p * g / (q - 1) == pytest.approx(true_mean, rel=0.1)
    assert np.isfinite(fit.llf)
