"""Model comparison, results fingerprints and parameter recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import clv, studies


@pytest.fixture(scope="module")
def split():
    """Calibration/holdout table of a simulated BG/NBD population (weeks 0-52 / 52-78)."""
    rng = np.random.default_rng(4)
    n = 1500
    lam = rng.gamma(0.8, 1 / 6.0, n)
    p = rng.beta(0.6, 3.0, n)
    now = np.zeros(n)  # everyone's first purchase at week 0
    times, cust = [now.copy()], [np.arange(n)]
    alive = np.ones(n, bool)
    while alive.any():  # one round of repeat purchases at a time, vectorised
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1 / lam[idx])
        ok = now[idx] <= 78
        times.append(now[idx[ok]])
        cust.append(idx[ok])
        alive[idx[~ok]] = False
        alive[idx[ok][rng.random(ok.sum()) < p[idx[ok]]]] = False
    log = pd.DataFrame({"customer_id": np.concatenate(cust),
                        "timestamp": pd.Timestamp("2024-01-01")
                        + pd.to_timedelta(np.concatenate(times) * 7, unit="D")})
    return clv.calibration_holdout_split(log, calibration_end="2024-12-29",
                                         end="2025-07-01", freq="D")


def test_comparison_scores_the_holdout(split):
    fits = studies.fit_purchase_models(split)
    table = studies.compare_purchase_models(split, fits)
    assert list(table.index) == ["BG/NBD", "Pareto/NBD"]
    assert np.isnan(table.loc["BG/NBD", "s"]) and np.isnan(table.loc["Pareto/NBD", "a"])
    assert (table["holdout_actual"] == split["frequency_holdout"].sum()).all()
    bg = fits["BG/NBD"]
    pred = bg.expected_purchases(split["duration_holdout"], split["frequency_cal"],
                                 split["recency_cal"], split["T_cal"])
    assert table.loc["BG/NBD", "holdout_predicted"] == pytest.approx(float(np.sum(pred)))
    err = np.asarray(pred) - split["frequency_holdout"].to_numpy()
    assert table.loc["BG/NBD", "holdout_mae"] == pytest.approx(np.abs(err).mean())
    assert table.loc["BG/NBD", "log_likelihood"] == pytest.approx(bg.llf)
    assert table.loc["BG/NBD", "aic"] == pytest.approx(2 * 4 - 2 * bg.llf)
    # the model forecasts the holdout total within 15%
    assert table.loc["BG/NBD", "holdout_predicted"] == pytest.approx(
        table.loc["BG/NBD", "holdout_actual"], rel=0.15)


def test_comparison_rejects_bad_input(split):
    with pytest.raises(ValueError, match="calibration_holdout_split"):
        studies.compare_purchase_models(split.drop(columns="T_cal"))
    with pytest.raises(ValueError, match="models must be"):
        studies.fit_purchase_models(split, models=["NBD"])
    with pytest.raises(TypeError, match="DataFrame"):
        studies.compare_purchase_models(split.to_numpy())


def test_digest_changes_with_results_and_labels_only():
    t = pd.DataFrame({"llf": [-1000.123456789, -2000.5], "n": [4, 4]}, index=["a", "b"])
    d = studies.results_digest(t)
    assert len(d) == 16 and d == studies.results_digest(t.copy())
    noise = t.assign(llf=t["llf"] * (1 + 1e-13))
    assert studies.results_digest(noise) == d
    assert studies.results_digest(t.assign(llf=t["llf"] + 0.01)) != d
    assert studies.results_digest(t.rename(index={"a": "c"})) != d
    assert studies.results_digest(t.assign(n=[4, 5])) != d
    assert len(studies.results_digest(t, length=64)) == 64
    with pytest.raises(ValueError, match="digits"):
        studies.results_digest(t, digits=0)


def test_rerunning_a_world_study_reproduces_its_digest(tiny_world):
    import crmlab as crm

    def study(seed):
        w = crm.make_world("tiny", seed=seed)
        t = clv.calibration_holdout_split(w.transactions, calibration_end="2024-09-30",
                                          end="2024-12-31", freq="D")
        return studies.results_digest(studies.compare_purchase_models(t))

    assert study(42) == study(42)
    assert study(42) != study(43)


def test_parameter_recovery_flags_coverage():
    s = clv.simulate_bgnbd(4000, 52.0, r=0.5, alpha=8.0, a=0.8, b=2.5, random_state=9)
    fit = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    good = studies.parameter_recovery(fit, {"r": 0.5, "alpha": 8.0})
    ci = fit.conf_int()
    assert good.loc["r", "lower"] == ci.loc["r", "lower"]
    assert good.loc["r", "relative_error"] == pytest.approx(fit.params["r"] / 0.5 - 1)
    far = studies.parameter_recovery(fit, {"r": 50.0})
    assert not far.loc["r", "covered"]
    with pytest.raises(ValueError, match="does not have"):
        studies.parameter_recovery(fit, {"s": 1.0})


def test_fit_statistics_row():
    res = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
    row = studies.fit_statistics(res)
    assert row["n_params"] == 2 and row["log_likelihood"] == pytest.approx(res.llf)
    assert row["bic"] == pytest.approx(res.bic)
