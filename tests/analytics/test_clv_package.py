"""The clv package: its public surface, and results built from parameters (from_params)."""

from __future__ import annotations

import importlib
import pkgutil
import types

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import clv

SUBMODULES = sorted(m.name for m in pkgutil.iter_modules(clv.__path__, "crmlab.analytics.clv."))

#: One fitted model of each family and the data its predictions are checked on.
PARAMS = {
    clv.BetaGeo: {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    clv.ParetoNBD: {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
    clv.GammaGamma: {"p": 6.25, "q": 3.74, "gamma": 15.44},
    clv.ShiftedBetaGeometric: {"alpha": 0.668, "beta": 3.806},
}


def test_dir_lists_only_the_public_api():
    names = dir(clv)
    assert not [n for n in names if isinstance(getattr(clv, n), types.ModuleType)]
    assert not [n for n in names if n not in clv.__all__
                and not (n.startswith("__") and n.endswith("__"))]
    assert set(clv.__all__) <= set(names)
    # what the notebooks, widgets, exercises and benchmarks use is still there
    for name in ("BetaGeo", "BetaGeoResults", "ParetoNBD", "GammaGamma",
                 "ShiftedBetaGeometric", "summarize_transactions", "calibration_holdout_split",
                 "customer_lifetime_value", "simulate_bgnbd", "simulate_pareto_nbd",
                 "ConvergenceError", "ConvergenceWarning", "Summary"):
        assert callable(getattr(clv, name))


@pytest.mark.parametrize("name", SUBMODULES)
def test_every_module_declares_all(name):
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list) and module.__all__
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names {missing}, which it does not define"


def test_the_package_names_each_public_class_from_its_family_module():
    from crmlab.analytics.clv import beta_geo, pareto_nbd

    assert clv.BetaGeo is beta_geo.BetaGeo and clv.ParetoNBDResults is pareto_nbd.ParetoNBDResults
    assert clv.BetaGeo.__module__ == "crmlab.analytics.clv.beta_geo"


@pytest.fixture(scope="module")
def fitted():
    bg_data = clv.simulate_bgnbd(3000, 40, r=0.4, alpha=6, a=0.9, b=2.8, random_state=5)
    pn_data = clv.simulate_pareto_nbd(3000, 40, r=0.5, alpha=10, s=0.6, beta=12,
                                      random_state=5)
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, 400)
    m = rng.gamma(6 * x, 1 / rng.gamma(4, 1 / 15, 400)) / x
    return {
        clv.BetaGeo: (clv.BetaGeo(bg_data["frequency"], bg_data["recency"], bg_data["T"]).fit(),
                      bg_data),
        clv.ParetoNBD: (clv.ParetoNBD(pn_data["frequency"], pn_data["recency"],
                                      pn_data["T"]).fit(), pn_data),
        clv.GammaGamma: (clv.GammaGamma(x, m).fit(), pd.DataFrame({"frequency": x,
                                                                    "monetary_value": m})),
        clv.ShiftedBetaGeometric: (clv.ShiftedBetaGeometric.from_survivors(
            [1000, 869, 743, 653, 593, 551, 517, 491]).fit(), None),
    }


def _predictions(res, data):
    """Every prediction method of a results object, on the model's own data."""
    if isinstance(res, clv.GammaGammaResults):
        return [res.expected_spend(data["frequency"], data["monetary_value"])]
    if isinstance(res, clv.ShiftedBetaGeometricResults):
        t = np.arange(1, 30)
        return [res.survival(t), res.churn_probability(t), res.retention_rate(t),
                res.expected_lifetime, res.discounted_expected_residual_lifetime(0.1, t)]
    x, tx, T = data["frequency"], data["recency"], data["T"]
    out = [res.p_alive(x, tx, T), res.expected_purchases(26, x, tx, T),
           res.expected_purchases_new_customer(np.arange(0, 100, 7.0)),
           clv.customer_lifetime_value(res, 10.0, data, horizon=6)]
    if isinstance(res, clv.BetaGeoResults):
        out.append(res.probability_of_n_purchases(20, np.arange(30)))
    return out


@pytest.mark.parametrize("model", list(PARAMS), ids=lambda m: m.__name__)
def test_from_params_predicts_like_the_fit(model, fitted):
    """Same parameters, same predictions: from_params needs neither data nor a fit."""
    res, data = fitted[model]
    made = model.from_params(**res.params.to_dict())
    assert type(made) is type(res) and made.model is None
    pd.testing.assert_series_equal(made.params, res.params)
    for ours, theirs in zip(_predictions(made, data), _predictions(res, data), strict=True):
        if isinstance(theirs, pd.Series):
            pd.testing.assert_series_equal(ours, theirs, check_exact=True)
        else:
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("model", list(PARAMS), ids=lambda m: m.__name__)
def test_from_params_has_no_fit_statistics(model):
    res = model.from_params(**PARAMS[model])
    assert list(res.params.index) == list(model.param_names)
    assert res.bse.isna().all() and res.conf_int().isna().all().all()
    assert np.isnan(res.llf) and np.isnan(res.aic) and np.isnan(res.bic)
    assert res.nobs == 0 and res.converged is False
    assert res.mle_retvals["method"] == "from_params"
    text = str(res.summary())
    assert "from given parameters" in text and f"{model.__name__}.from_params" in text
    assert "from given parameters" in repr(res)


def test_from_params_results_value_customers():
    bg = clv.BetaGeo.from_params(**PARAMS[clv.BetaGeo])
    gg = clv.GammaGamma.from_params(**PARAMS[clv.GammaGamma])
    s = pd.DataFrame({"frequency": [0.0, 2.0, 7.0], "recency": [0.0, 30.4, 35.0],
                      "T": [38.9, 38.9, 38.9], "monetary_value": [0.0, 25.0, 40.0]},
                     index=pd.Index(["a", "b", "c"], name="customer_id"))
    value = clv.customer_lifetime_value(bg, gg, s, horizon=12, discount_rate=0.01)
    assert list(value.index) == ["a", "b", "c"] and (value > 0).all()
    assert value["c"] > value["b"] > value["a"]
    # the published CDNOW example: 1.226 expected purchases in the next 39 weeks
    assert bg.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"r": 0.2, "alpha": 4.0, "a": 0.8}, ValueError,
     "needs exactly the parameters r, alpha, a, b; missing: b"),
    ({"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.0, "s": 1.0}, ValueError, "unknown: s"),
    ({"r": 0.2, "alpha": 4.0, "a": 0.8, "beta": 2.0}, ValueError, "unknown: beta; missing: b"),
    ({"r": -0.2, "alpha": 4.0, "a": 0.8, "b": 2.0}, ValueError, "must all be positive and finite"),
    ({"r": 0.2, "alpha": np.inf, "a": 0.8, "b": 2.0}, ValueError, "must all be positive"),
    ({"r": 0.2, "alpha": 0.0, "a": 0.8, "b": 2.0}, ValueError, "must all be positive"),
    ({"r": "0.2", "alpha": 4.0, "a": 0.8, "b": 2.0}, TypeError, "r must be a number; got str"),
    ({"r": 0.2, "alpha": 4.0, "a": True, "b": 2.0}, TypeError, "a must be a number; got bool"),
    ({"r": 0.2, "alpha": [4.0], "a": 0.8, "b": 2.0}, TypeError, "alpha must be a number"),
])
def test_from_params_rejects_bad_parameters(params, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        clv.BetaGeo.from_params(**params)


def test_from_params_accepts_numpy_numbers():
    res = clv.ParetoNBD.from_params(r=np.float32(0.5), alpha=np.int64(10), s=0.6, beta=12)
    assert res.params.dtype == np.float64 and res.params["alpha"] == 10.0


def test_gamma_gamma_from_params_needs_q_above_one_to_predict_spend():
    gg = clv.GammaGamma.from_params(p=6.0, q=0.8, gamma=15.0)
    with pytest.raises(ValueError, match="needs q > 1.*q = 0.8"):
        gg.expected_spend(2, 30.0)


def test_a_model_without_results_class_says_how_to_declare_one():
    from crmlab.analytics.clv._base import LikelihoodModel

    class Bare(LikelihoodModel):
        param_names = ("k",)

    with pytest.raises(TypeError, match=r"class BareResults\(LikelihoodResults, model=Bare\)"):
        Bare.from_params(k=1.0)
