"""Time-invariant covariates of Pareto/NBD and BG/NBD (CLVTools parameterisation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import clv

PNBD = {"r": 0.55, "alpha": 10.0, "s": 0.6, "beta": 12.0}
BGNBD = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


@pytest.fixture(scope="module")
def pnbd_world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Pareto/NBD customers whose alpha_i and beta_i follow known covariate effects."""
    n = 12_000
    rng = np.random.default_rng(11)
    ids = pd.Index([f"C{i:05d}" for i in range(n)], name="customer_id")
    X = pd.DataFrame({"income": rng.normal(size=n), "app": rng.integers(0, 2, n) * 1.0},
                     index=ids)
    Z = pd.DataFrame({"tenure": rng.normal(size=n)}, index=ids)
    truth = {"purchase:income": 0.4, "purchase:app": -0.3, "dropout:tenure": -0.5}
    alpha_i = PNBD["alpha"] * np.exp(-(0.4 * X["income"] - 0.3 * X["app"])).to_numpy()
    beta_i = PNBD["beta"] * np.exp(-(-0.5 * Z["tenure"])).to_numpy()
    d = clv.simulate_pareto_nbd(n, rng.uniform(30, 52, n).round(), r=PNBD["r"],
                                alpha=alpha_i, s=PNBD["s"], beta=beta_i, random_state=rng)
    d.index = ids
    return d, X, Z, truth


@pytest.fixture(scope="module")
def pnbd_fit(pnbd_world):
    d, X, Z, _ = pnbd_world
    return clv.ParetoNBD(d["frequency"], d["recency"], d["T"], purchase_covariates=X,
                         dropout_covariates=Z).fit()


@pytest.fixture(scope="module")
def bg_world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """BG/NBD customers with alpha_i = alpha e^(-g x), a_i, b_i = (a, b) e^(g z)."""
    n = 12_000
    rng = np.random.default_rng(12)
    X = pd.DataFrame({"income": rng.normal(size=n)})
    Z = pd.DataFrame({"tenure": rng.normal(size=n), "web": rng.integers(0, 2, n) * 1.0})
    truth = {"purchase:income": 0.5, "dropout:tenure": 0.4, "dropout:web": -0.3}
    alpha_i = BGNBD["alpha"] * np.exp(-0.5 * X["income"]).to_numpy()
    life = np.exp(0.4 * Z["tenure"] - 0.3 * Z["web"]).to_numpy()
    d = clv.simulate_bgnbd(n, rng.uniform(30, 52, n).round(), r=BGNBD["r"], alpha=alpha_i,
                           a=BGNBD["a"] * life, b=BGNBD["b"] * life, random_state=rng)
    return d, X, Z, truth


def _numeric_score(model, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.empty(theta.size)
    for j in range(theta.size):
        step = np.zeros(theta.size)
        step[j] = h * max(1.0, abs(theta[j]))
        out[j] = (model.loglike(theta + step) - model.loglike(theta - step)) / (2 * step[j])
    return out


# -- (a) no effect: the same likelihood as the model without covariates ----------------------
@pytest.mark.parametrize(("cls", "params", "sim"), [
    (clv.ParetoNBD, PNBD, clv.simulate_pareto_nbd), (clv.BetaGeo, BGNBD, clv.simulate_bgnbd)])
def test_zero_coefficients_and_constant_covariates_give_the_plain_likelihood(cls, params, sim):
    d = sim(3000, 40, **params, random_state=3)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"u": rng.normal(size=len(d))}, index=d.index)
    ones = pd.DataFrame({"one": np.ones(len(d))}, index=d.index)
    plain = cls(d["frequency"], d["recency"], d["T"])
    theta = np.array(list(params.values()))
    ll = plain.loglike(theta)
    cov = cls(d["frequency"], d["recency"], d["T"], purchase_covariates=X,
              dropout_covariates=X)
    assert cov.loglike(np.r_[theta, 0.0, 0.0]) == pytest.approx(ll, rel=1e-12)
    # a constant covariate with coefficient g is a rescaled alpha (and beta / a, b)
    const = cls(d["frequency"], d["recency"], d["T"], purchase_covariates=ones,
                dropout_covariates=ones)
    g_p, g_d = 0.7, -0.4
    shifted = dict(params)
    shifted["alpha"] *= np.exp(g_p)
    if cls is clv.ParetoNBD:
        shifted["beta"] *= np.exp(g_d)
    else:
        shifted["a"] *= np.exp(-g_d)
        shifted["b"] *= np.exp(-g_d)
    assert const.loglike(np.r_[list(shifted.values()), g_p, g_d]) == pytest.approx(ll,
                                                                                  rel=1e-12)
    # and so are the predictions
    res = cls.from_params(**params)
    res_c = cls.from_params(**shifted, **{"purchase:one": g_p, "dropout:one": g_d})
    f, rec, T = d["frequency"], d["recency"], d["T"]
    np.testing.assert_allclose(res_c.p_alive(f, rec, T, purchase_covariates=ones,
                                             dropout_covariates=ones),
                               res.p_alive(f, rec, T), rtol=1e-10)
    np.testing.assert_allclose(res_c.expected_purchases(26, f, rec, T, purchase_covariates=ones,
                                                        dropout_covariates=ones),
                               res.expected_purchases(26, f, rec, T), rtol=1e-9)


def test_models_without_covariates_are_unchanged():
    d = clv.simulate_pareto_nbd(500, 40, **PNBD, random_state=1)
    m = clv.ParetoNBD(d["frequency"], d["recency"], d["T"])
    assert m.param_names == ("r", "alpha", "s", "beta") and not m.fit().has_covariates


# -- (b) analytic gradient ------------------------------------------------------------------
def test_pnbd_gradient_matches_numerical(pnbd_world):
    d, X, Z, truth = pnbd_world
    m = clv.ParetoNBD(d["frequency"][:3000], d["recency"][:3000], d["T"][:3000],
                      purchase_covariates=X[:3000], dropout_covariates=Z[:3000])
    # alpha far from beta for some rows (quadrature) and close for others (series)
    for theta in (np.r_[0.5, 9.0, 0.7, 13.0, 0.3, -0.2, -0.4],
                  np.r_[0.8, 2.0, 1.3, 60.0, 1.5, 0.9, 1.2]):
        np.testing.assert_allclose(m.score(theta), _numeric_score(m, theta), rtol=2e-5,
                                   atol=1e-3)


def test_bgnbd_gradient_matches_numerical(bg_world):
    d, X, Z, _ = bg_world
    m = clv.BetaGeo(d["frequency"][:3000], d["recency"][:3000], d["T"][:3000],
                    purchase_covariates=X[:3000], dropout_covariates=Z[:3000])
    theta = np.r_[0.3, 3.0, 0.9, 2.0, 0.4, 0.3, -0.2]
    np.testing.assert_allclose(m.score(theta), _numeric_score(m, theta), rtol=2e-5,
                               atol=1e-3)


# -- (c) recovery of known coefficients ---------------------------------------------------------
def test_pnbd_recovers_the_coefficients(pnbd_fit, pnbd_world):
    _, _, _, truth = pnbd_world
    res = pnbd_fit
    assert res.converged
    assert list(res.params.index) == ["r", "alpha", "s", "beta", "purchase:income",
                                      "purchase:app", "dropout:tenure"]
    for name, value in truth.items():
        assert abs(res.params[name] - value) < 3.5 * res.bse[name], (name, res.params[name])
    for name, value in PNBD.items():
        assert abs(res.params[name] - value) < 3.5 * res.bse[name], (name, res.params[name])
    ci = res.conf_int()
    # coefficients get symmetric intervals; positive parameters log-scale ones
    coef = ci.loc["purchase:income"]
    assert coef["upper"] - res.params["purchase:income"] == pytest.approx(
        res.params["purchase:income"] - coef["lower"])
    assert "purchase:income" in str(res.summary())


def test_bgnbd_recovers_the_coefficients(bg_world):
    d, X, Z, truth = bg_world
    res = clv.BetaGeo(d["frequency"], d["recency"], d["T"], purchase_covariates=X,
                      dropout_covariates=Z).fit()
    assert res.converged
    for name, value in {**truth, **BGNBD}.items():
        assert abs(res.params[name] - value) < 3.5 * res.bse[name], (name, res.params[name])


# -- predictions use each customer's own parameters ---------------------------------------------
def test_predictions_use_each_customers_covariates(pnbd_fit, pnbd_world):
    d, X, Z, _ = pnbd_world
    res = pnbd_fit
    f, rec, T = d["frequency"], d["recency"], d["T"]
    # Series of fitted customers: their own covariates are looked up
    p = res.p_alive(f, rec, T)
    assert isinstance(p, pd.Series) and p.index.equals(d.index)
    np.testing.assert_allclose(p, res.p_alive(f, rec, T, purchase_covariates=X,
                                              dropout_covariates=Z))
    # one customer by hand: a model without covariates with that customer's alpha_i, beta_i
    i = 17
    eta_p = X.iloc[i] @ res.params[["purchase:income", "purchase:app"]].to_numpy()
    eta_d = Z.iloc[i, 0] * res.params["dropout:tenure"]
    one = clv.ParetoNBD.from_params(r=res.params["r"], alpha=res.params["alpha"] * np.exp(-eta_p),
                                    s=res.params["s"], beta=res.params["beta"] * np.exp(-eta_d))
    args = (f.iloc[i], rec.iloc[i], T.iloc[i])
    assert p.iloc[i] == pytest.approx(one.p_alive(*args), rel=1e-12)
    e = res.expected_purchases(52, f, rec, T)
    assert e.iloc[i] == pytest.approx(one.expected_purchases(52, *args), rel=1e-12)
    # customers given as arrays take covariates by position
    arr = res.p_alive(f.to_numpy()[:5], rec.to_numpy()[:5], T.to_numpy()[:5],
                      purchase_covariates=X.iloc[:5], dropout_covariates=Z.iloc[:5])
    np.testing.assert_allclose(arr, p.iloc[:5].to_numpy())
    with pytest.raises(ValueError, match="pass purchase_covariates="):
        res.p_alive(f.to_numpy()[:5], rec.to_numpy()[:5], T.to_numpy()[:5])
    new = res.expected_purchases_new_customer(np.full(2, 10.0), purchase_covariates=X.iloc[:2],
                                              dropout_covariates=Z.iloc[:2])
    assert new.shape == (2,) and new[0] != new[1]


def test_from_params_with_covariates():
    res = clv.ParetoNBD.from_params(r=0.5, alpha=10, s=0.6, beta=12,
                                    **{"purchase:income": 0.3, "dropout:age": -0.2})
    assert list(res.params.index) == ["r", "alpha", "s", "beta", "purchase:income",
                                      "dropout:age"]
    assert res.has_covariates
    X = pd.DataFrame({"income": [0.0, 1.0]}, index=["a", "b"])
    Z = pd.DataFrame({"age": [0.0, 0.0]}, index=["a", "b"])
    f = pd.Series([2.0, 2.0], index=["a", "b"])
    e = res.expected_purchases(10, f, f * 10, f * 20, purchase_covariates=X,
                               dropout_covariates=Z)
    assert e["b"] > e["a"]   # a positive purchase coefficient: more purchases
    with pytest.raises(ValueError, match="unknown: colour"):
        clv.ParetoNBD.from_params(r=0.5, alpha=10, s=0.6, beta=12, colour=1.0)
    with pytest.raises(ValueError, match="lacks the column"):
        res.p_alive(f, f, f * 2, purchase_covariates=X.rename(columns={"income": "x"}),
                    dropout_covariates=Z)


# -- input errors name what was wrong ------------------------------------------------------------
def test_covariate_errors_name_the_problem():
    f = pd.Series([1.0, 2.0, 0.0], index=["a", "b", "c"])
    rec, T = pd.Series([3.0, 5.0, 0.0], index=f.index), pd.Series([10.0] * 3, index=f.index)
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"1 customer has no row \('c'\); 1 row is not a "
                                         r"customer \('z'\)"):
        clv.ParetoNBD(f, rec, T, purchase_covariates=X.rename(index={"c": "z"}))
    with pytest.raises(ValueError, match="column\\(s\\) kind are not numeric"):
        clv.BetaGeo(f, rec, T, dropout_covariates=X.assign(kind=["u", "v", "w"]))
    with pytest.raises(ValueError, match="column\\(s\\) x hold NaN"):
        clv.ParetoNBD(f, rec, T, purchase_covariates=X.assign(x=[1.0, np.nan, 2.0]))
    with pytest.raises(TypeError, match="must be a DataFrame"):
        clv.ParetoNBD(f, rec, T, purchase_covariates=X["x"])
    with pytest.raises(ValueError, match="several rows for the same customer"):
        clv.ParetoNBD(f, rec, T, purchase_covariates=X.rename(index={"c": "a"}))
    with pytest.raises(ValueError, match="has no dropout covariates"):
        clv.ParetoNBD.from_params(**PNBD).p_alive(1, 2, 3, dropout_covariates=X.iloc[:1])


# -- value measures with covariates ------------------------------------------------------------
@pytest.mark.parametrize("cls", [clv.ParetoNBD, clv.BetaGeo])
def test_clv_and_dert_use_each_customers_parameters(cls):
    base = PNBD if cls is clv.ParetoNBD else BGNBD
    coefs = {"purchase:income": 0.4, "dropout:tenure": -0.3}
    res = cls.from_params(**base, **coefs)
    data = pd.DataFrame({"frequency": [0.0, 3.0, 3.0], "recency": [0.0, 20.0, 20.0],
                         "T": [40.0, 40.0, 40.0]}, index=["a", "b", "c"])
    X = pd.DataFrame({"income": [0.5, -1.0, 1.0]}, index=data.index)
    Z = pd.DataFrame({"tenure": [1.0, 0.0, 2.0]}, index=data.index)
    value = clv.customer_lifetime_value(res, 10.0, data, horizon=8, discount_rate=0.01,
                                        purchase_covariates=X, dropout_covariates=Z)
    delta = np.log(1.15) / 52
    dert = clv.discounted_expected_transactions(res, data["frequency"], data["recency"],
                                                data["T"], discount_rate=delta,
                                                purchase_covariates=X, dropout_covariates=Z)
    for i, cid in enumerate(data.index):
        own = dict(base)
        own["alpha"] *= np.exp(-0.4 * X.iloc[i, 0])
        if cls is clv.ParetoNBD:
            own["beta"] *= np.exp(0.3 * Z.iloc[i, 0])
        else:
            own["a"] *= np.exp(-0.3 * Z.iloc[i, 0])
            own["b"] *= np.exp(-0.3 * Z.iloc[i, 0])
        one = cls.from_params(**own)
        row = data.iloc[[i]]
        assert value[cid] == pytest.approx(
            clv.customer_lifetime_value(one, 10.0, row, horizon=8, discount_rate=0.01).iloc[0],
            rel=1e-9)
        assert dert[cid] == pytest.approx(float(clv.discounted_expected_transactions(
            one, row["frequency"], row["recency"], row["T"], discount_rate=delta).iloc[0]),
            rel=1e-9)
    assert value["c"] > value["b"]   # same history, more income: more purchases


def test_repeat_histogram_refuses_covariate_models(pnbd_fit, pnbd_world):
    # clv.uncertainty and the other diagnostics take covariates (tested in
    # test_clv_covariate_checks.py); the histogram's expected counts do not yet
    from crmlab.analytics.clv import diagnostics
    d = pnbd_world[0]
    with pytest.raises(ValueError, match="not available for a model with covariates"):
        diagnostics.repeat_histogram(pnbd_fit, d["frequency"], d["T"])


def test_bgnbd_recovers_a_worlds_covariate_effects():
    """A world whose purchases follow BG/NBD with CLVTools' covariate effects (one
    parameter set for every segment): the fit on its transaction log finds the true
    coefficients of ``truth.params`` from the customers table's covariates."""
    import crmlab as crm
    from crmlab.world.labels import COVARIATES
    from crmlab.world.params import PurchaseParams, SegmentParams
    from crmlab.world.processes.purchases import customer_covariates

    g_p, g_d = (0.3, 0.2, -0.2, 0.1, 0.0, 0.4), (0.8, 0.0, 0.0, -0.5, 0.0, 0.0)
    segments = SegmentParams().replace(bg_r=(0.5,) * 5, bg_alpha=(4.0,) * 5,
                                       bg_a=(0.8,) * 5, bg_b=(2.5,) * 5)
    config = crm.WorldConfig(n_customers=20_000, segments=segments,
                             purchases=PurchaseParams(gamma_purchase=g_p, gamma_dropout=g_d))
    w = crm.make_world(config, seed=5, workers=1)
    truth = w.truth.customers.set_index("customer_id")
    prepaid = truth.index[truth["purchase_rate"].notna()]
    log = w.transactions[w.transactions["customer_id"].isin(prepaid)]
    s = clv.summarize_transactions(log, customer_col="customer_id", time_col="timestamp",
                                   end=w.config.end_ts, freq="D", unit="W")
    X = customer_covariates(w.customers).loc[s.index]
    res = clv.BetaGeo(s["frequency"], s["recency"], s["T"], purchase_covariates=X,
                      dropout_covariates=X).fit()
    row = w.truth.params.iloc[0]
    for c in COVARIATES:
        for process, key in (("purchase", "gamma_purchase"), ("dropout", "gamma_dropout")):
            name = f"{process}:{c}"
            true = row[f"purchases_{key}_{c}"]
            assert abs(res.params[name] - true) < 3.5 * res.bse[name], (name, res.params[name])
    assert res.bse["purchase:female"] < 0.05   # precise enough to tell 0.3 from 0


def test_per_customer_bgnbd_expectation_matches_the_scalar_numerics():
    """The purchase-count recurrence for per-customer (a, b) against the checked scalar
    numerics, over short and very long horizons (the longest go to the scalar route)."""
    from crmlab.analytics.clv._bgnbd_numerics import expected_purchases_k, expected_purchases_k_rows

    rng = np.random.default_rng(4)
    n = 400
    a, b = np.exp(rng.uniform(-2, 2, n)), np.exp(rng.uniform(-2, 3, n))
    x = rng.integers(0, 40, n).astype(float)
    u = np.exp(rng.uniform(-6, 9, n))
    u[:5] = 0.0
    got = expected_purchases_k_rows(0.7, a, b, x, u)
    want = np.array([expected_purchases_k(0.7, a[i], b[i], x[i], u[i]) for i in range(n)])
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert (got[:5] == 0).all()
