"""Segmentation experiments: features, methods, scores against the truth, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import crmlab as crm
from crmlab.analytics import segmentation as sg


@pytest.fixture(autouse=True)
def _one_openmp_thread(monkeypatch):
    """Fit on one OpenMP thread (as the notebooks do): the fits are small, and parallel test
    workers share the cores, where spinning OpenMP threads slow k-means down many times."""
    from threadpoolctl import threadpool_limits

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # for the worker processes run_experiment spawns
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="module")
def tiny():
    return crm.load_dataset("tiny")


def test_features_cover_every_customer(tiny):
    X = sg.customer_features(tiny.tables)
    assert X.index.equals(pd.Index(tiny.customers["customer_id"], name="customer_id"))
    assert not X.isna().any().any()
    assert (X["tenure_years"] > 0).all() and (X["recency_days"] >= 0).all()
    assert X["purchases"].sum() == len(tiny.transactions) + len(tiny.invoices)


@pytest.mark.parametrize("method", sg.METHODS)
def test_every_method_gives_k_labels(tiny, method):
    X = sg.customer_features(tiny.tables)
    labels = sg.segment(X, method=method, k=4, random_state=1)
    assert len(labels) == len(X) and set(np.unique(labels)) <= set(range(4))
    assert np.array_equal(labels, sg.segment(X, method=method, k=4, random_state=1))


def test_latent_class_recovers_clear_classes():
    rng = np.random.default_rng(0)
    exposure = rng.uniform(0.5, 3.0, 900)
    rates = np.array([[0.5, 0.1], [4.0, 0.2], [1.0, 3.0]])
    truth = np.repeat([0, 1, 2], 300)
    counts = rng.poisson(exposure[:, None] * rates[truth])
    labels = sg.latent_class(counts, exposure, 3, random_state=2)
    assert sg.score_labels(labels, truth)["ari"] > 0.8


@pytest.mark.parametrize("method", ["kmeans", "gmm", "latent_class"])
def test_random_state_takes_a_seed_a_generator_or_the_old_spelling(tiny, method):
    X = sg.customer_features(tiny.tables)
    by_seed = sg.segment(X, method=method, k=4, random_state=3)
    with pytest.warns(DeprecationWarning, match="'seed' is deprecated.*use 'random_state'"):
        old = sg.segment(X, method=method, k=4, seed=3)
    assert np.array_equal(old, by_seed)
    a = sg.segment(X, method=method, k=4, random_state=np.random.default_rng(8))
    b = sg.segment(X, method=method, k=4, random_state=np.random.default_rng(8))
    assert np.array_equal(a, b) and set(np.unique(a)) <= set(range(4))
    with pytest.raises(ValueError, match="random_state must be a non-negative integer"):
        sg.segment(X, method=method, k=4, random_state=-1)


def test_latent_class_old_seed_spelling():
    rng = np.random.default_rng(1)
    y = rng.poisson(2.0, (60, 2))
    new = sg.latent_class(y, np.ones(60), 2, random_state=5)
    with pytest.warns(DeprecationWarning, match="use 'random_state' instead"):
        assert np.array_equal(sg.latent_class(y, np.ones(60), 2, seed=5), new)
    with pytest.raises(TypeError, match="got both 'seed'"):
        sg.latent_class(y, np.ones(60), 2, seed=5, random_state=5)


def test_scores_know_perfect_and_random_agreement():
    truth = np.repeat(["a", "b", "c"], 100)
    assert sg.score_labels(np.repeat([2, 0, 1], 100), truth) == {"ari": 1.0, "ami": 1.0}
    noise = np.random.default_rng(0).integers(0, 3, 300)
    assert abs(sg.score_labels(noise, truth)["ari"]) < 0.05


def test_experiment_table_is_reproducible_and_parallel_safe():
    cfg = crm.WorldConfig(n_customers=400, start="2024-01-01", end="2024-12-31")
    a = sg.run_experiment(crm.make_world, [cfg], [1, 2], methods=["kmeans", "latent_class"],
                          restarts=2, n_boot=3)
    b = sg.run_experiment(crm.make_world, [cfg], [1, 2], methods=["kmeans", "latent_class"],
                          restarts=2, n_boot=3, n_jobs=2)
    assert len(a) == 4 and set(a.columns) >= {"world_seed", "method", "k", "ari", "ami",
                                              "restart_agreement", "stability",
                                              "stability_min"}
    pdt.assert_frame_equal(a, b)
    for col in ("restart_agreement", "stability", "stability_min"):
        assert a[col].between(-1, 1).all()
    assert (a["stability_min"] <= a["stability"]).all() and (a["k"] == 5).all()


def test_experiment_chooses_k_as_of_a_date_without_the_truth():
    cfg = crm.WorldConfig(n_customers=400, start="2024-01-01", end="2024-12-31")
    t = sg.run_experiment(crm.make_world, [cfg], [1], k="choose", restarts=1, n_boot=0,
                          as_of="2024-09-01")
    assert "stability" not in t and (t["restart_agreement"] == 1.0).all()
    world = crm.make_world(cfg, seed=1)
    X = sg.customer_features(world.tables, as_of="2024-09-01")
    chosen = t.set_index("method")["k"]
    assert chosen["rfm"] == sg.RFM_GROUPS
    for method in sg.CRITERIA:
        assert chosen[method] == sg.choose_k(X, method=method).k
    with pytest.raises(ValueError, match="k must be an integer or 'choose'"):
        sg.run_experiment(crm.make_world, [cfg], [1], k="best")


# ------------------------------------------------------------------ features as of a date
CUT = pd.Timestamp("2024-07-01")
#: the date column of every table customer_features reads
DATED = {"transactions": "timestamp", "invoices": "issue_date", "complaints": "opened_at",
         "online_activity": "timestamp", "referrals": "timestamp"}


def _perturb_after(tables, cut, rng):
    """A copy of ``tables`` in which everything dated on or after ``cut`` is changed."""
    out = dict(tables)
    ids = tables["customers"]["customer_id"].to_numpy()
    for name, col in DATED.items():
        t = tables[name].copy()
        late = (t[col] >= cut).to_numpy()
        # new values in every late row, and late rows dropped, duplicated and moved
        for c in t.columns:
            if c in ("customer_id", "referrer_id"):
                t.loc[late, c] = rng.choice(ids, late.sum())
            elif c == col:
                t.loc[late, c] = cut + pd.to_timedelta(rng.integers(0, 200, late.sum()), "D")
            elif pd.api.types.is_float_dtype(t[c]):
                t.loc[late, c] = rng.normal(0.0, 50.0, late.sum())
            elif isinstance(t[c].dtype, pd.CategoricalDtype):
                t.loc[late, c] = rng.choice(t[c].cat.categories, late.sum())
        keep = ~late | (rng.random(len(t)) < 0.5)
        extra = t[late].sample(frac=0.5, random_state=1)
        out[name] = pd.concat([t[keep], extra], ignore_index=True)
    cust = tables["customers"].copy()
    new = (cust["signup_date"] >= cut).to_numpy()
    cust.loc[new, "plan"] = "postpaid"
    cust.loc[new, "birth_date"] = pd.Timestamp("1950-01-01")
    later = (cust["churn_date"] >= cut).to_numpy()
    cust.loc[later, "churn_date"] = cut + pd.Timedelta(days=3)  # moved, still after the cut
    cust.loc[(rng.random(len(cust)) < 0.5) & later, "churn_date"] = pd.NaT
    newcomer = cust.iloc[[0]].assign(customer_id="C9999999", signup_date=cut)
    out["customers"] = pd.concat([cust, newcomer], ignore_index=True)
    return out


def test_no_row_after_the_cut_reaches_a_feature(tiny):
    rng = np.random.default_rng(0)
    before = sg.customer_features(tiny.tables, as_of=CUT)
    for name, col in DATED.items():  # the test changes something in every table
        assert (tiny.tables[name][col] >= CUT).any(), name
    assert (tiny.customers["churn_date"] >= CUT).any()
    after = sg.customer_features(_perturb_after(tiny.tables, CUT, rng), as_of=CUT)
    pdt.assert_frame_equal(before, after)
    # the same perturbation does reach the features computed on everything
    everything = sg.customer_features(_perturb_after(tiny.tables, CUT, rng))
    assert not everything.equals(sg.customer_features(tiny.tables))


def test_a_row_before_the_cut_does_reach_a_feature(tiny):
    tables = dict(tiny.tables)
    tx = tables["transactions"].copy()
    first = int(np.flatnonzero((tx["timestamp"] < CUT).to_numpy())[0])
    tx.loc[first, "amount"] += 100.0
    tables["transactions"] = tx
    changed = sg.customer_features(tables, as_of=CUT)
    before = sg.customer_features(tiny.tables, as_of=CUT)
    who = tx.loc[first, "customer_id"]
    assert changed.loc[who, "mean_spend"] > before.loc[who, "mean_spend"]


def test_features_as_of_count_only_what_was_known(tiny):
    X = sg.customer_features(tiny.tables, as_of=CUT)
    cust = tiny.customers.set_index("customer_id")
    assert X.index.equals(pd.Index(cust.index[(cust["signup_date"] < CUT).to_numpy()],
                                   name="customer_id"))
    tx, inv = tiny.transactions, tiny.invoices
    known = (tx.loc[tx["timestamp"] < CUT, "customer_id"].value_counts()
             .add(inv.loc[inv["issue_date"] < CUT, "customer_id"].value_counts(), fill_value=0))
    assert X["purchases"].sum() == known.sum()
    # tenure runs to the cut unless the customer had already left
    churn = cust.loc[X.index, "churn_date"]
    end = churn.where(churn < CUT).fillna(CUT)
    days = ((end - cust.loc[X.index, "signup_date"]).dt.total_seconds() / 86400).clip(lower=1)
    np.testing.assert_allclose(X["tenure_years"], days / 365.25)
    assert (X["recency_days"] >= 0).all()
    assert X["recency_days"].max() <= (CUT - cust["signup_date"].min()).days
    with pytest.raises(ValueError, match="no customer signed up before as_of"):
        sg.customer_features(tiny.tables, as_of="2020-01-01")
    with pytest.raises(ValueError, match="opened_at"):
        sg.customer_features({**tiny.tables, "complaints": tiny.complaints[["customer_id"]]},
                             as_of=CUT)


# --------------------------------------------------------------- choosing k, stability
def _blobs(centres, n, seed):
    rng = np.random.default_rng(seed)
    centres = np.asarray(centres, dtype=float)
    pts = np.repeat(centres, n, axis=0) + rng.normal(0, 0.3, (len(centres) * n, 2))
    return pd.DataFrame({"tenure_years": 1.0, "recency_days": pts[:, 0],
                         "mean_spend": pts[:, 1]}), np.repeat(np.arange(len(centres)), n)


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_criterion_finds_clear_clusters(method):
    X, truth = _blobs([[0, 0], [6, 0], [0, 6], [6, 6]], 80, seed=2)
    choice = sg.choose_k(X, method=method, ks=range(2, 8))
    assert choice.k == 4 and choice.criterion == sg.CRITERIA[method]
    assert list(choice.curve.index) == list(range(2, 8)) and set(choice.labels) == set(range(2, 8))
    best = choice.curve.max() if choice.criterion == "silhouette" else choice.curve.min()
    assert choice.curve[choice.k] == best
    assert sg.score_labels(choice.labels[4], truth)["ari"] > 0.95


def test_latent_class_bic_finds_clear_classes():
    rng = np.random.default_rng(0)
    exposure = rng.uniform(0.5, 3.0, 900)
    rates = np.array([[0.5, 0.1, 0.1, 0.1], [6.0, 0.2, 0.1, 0.1], [1.0, 4.0, 0.1, 0.1]])
    truth = np.repeat([0, 1, 2], 300)
    counts = rng.poisson(exposure[:, None] * rates[truth])
    X = pd.DataFrame(counts, columns=list(sg.COUNT_FEATURES)).assign(tenure_years=exposure)
    choice = sg.choose_k(X, method="latent_class", ks=[2, 3, 4, 5], random_state=1)
    assert choice.k == 3 and choice.curve.idxmin() == 3
    # the BIC adds log(n) per parameter to -2 log-likelihood: more classes must pay for it
    assert choice.curve[5] > choice.curve[3]


def test_choose_k_errors():
    X, _ = _blobs([[0, 0], [5, 5]], 20, seed=0)
    with pytest.raises(ValueError, match="rfm fits nothing"):
        sg.choose_k(X, method="rfm")
    with pytest.raises(ValueError, match="at least one number"):
        sg.choose_k(X, method="kmeans", ks=[])
    with pytest.raises(ValueError, match=r"k must be an integer in \[2, 40\]"):
        sg.choose_k(X, method="kmeans", ks=[1, 2])


def test_labels_at_k_uses_the_criterion_or_the_rfm_convention(tiny):
    X = sg.customer_features(tiny.tables)
    labels, k = sg.labels_at_k(X, method="kmeans", k="choose", ks=[2, 3, 4])
    choice = sg.choose_k(X, method="kmeans", ks=[2, 3, 4])
    assert k == choice.k and np.array_equal(labels, choice.labels[k])
    assert sg.labels_at_k(X, method="rfm", k="choose")[1] == sg.RFM_GROUPS
    labels, k = sg.labels_at_k(X, method="gmm", k=3, random_state=2)
    assert k == 3 and np.array_equal(labels, sg.segment(X, method="gmm", k=3, random_state=2))
    with pytest.raises(ValueError, match="k must be an integer or 'choose'"):
        sg.labels_at_k(X, method="gmm", k="auto")


def test_bootstrap_stability_is_one_for_clear_clusters_and_less_for_noise():
    X, _ = _blobs([[0, 0], [8, 0], [0, 8]], 60, seed=3)
    clear = sg.bootstrap_stability(X, method="kmeans", k=3, n_boot=5, random_state=0)
    assert len(clear) == 5 and clear.index.name == "replicate"
    assert np.allclose(clear, 1.0)
    noise = pd.DataFrame({"tenure_years": 1.0, **{c: np.random.default_rng(4).random(300)
                                                 for c in ("recency_days", "mean_spend")},
                          "purchases": np.random.default_rng(5).poisson(3, 300)})
    # RFM draws nothing, so its restarts always agree; a new sample of customers does not
    assert np.array_equal(sg.segment(noise, method="rfm", k=5, random_state=0),
                          sg.segment(noise, method="rfm", k=5, random_state=1))
    boot = sg.bootstrap_stability(noise, method="rfm", k=5, n_boot=5, random_state=0)
    assert boot.max() < 1.0 and boot.min() > 0.0
    pdt.assert_series_equal(boot, sg.bootstrap_stability(noise, method="rfm", k=5, n_boot=5,
                                                         random_state=0))
    with pytest.raises(ValueError, match="n_boot must be an integer >= 1"):
        sg.bootstrap_stability(noise, method="rfm", k=5, n_boot=0)


def test_bootstrap_compares_each_refit_with_the_full_fit_on_the_drawn_customers():
    from sklearn.metrics import adjusted_rand_score

    X, _ = _blobs([[0, 0], [2, 0], [0, 2]], 40, seed=6)
    boot = sg.bootstrap_stability(X, method="kmeans", k=3, n_boot=2, random_state=9)
    rng = np.random.default_rng(9)
    full = sg.segment(X, method="kmeans", k=3, random_state=9)
    for b in range(2):
        draw = rng.integers(0, len(X), size=len(X))
        refit = sg.segment(X.iloc[draw], method="kmeans", k=3, random_state=9)
        drawn, first = np.unique(draw, return_index=True)
        assert boot[b] == pytest.approx(adjusted_rand_score(full[drawn], refit[first]))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X: sg.segment(X, method="tarot"), "method must be one of"),
        (lambda X: sg.segment(X, method="kmeans", k=1), r"k must be an integer in \[2, "),
        (lambda X: sg.run_experiment(crm.make_world, [], [1]), "no worlds to run"),
        (lambda X: sg.run_experiment(crm.make_world, ["tiny"], [1], methods=["x"]),
         "unknown method 'x'"),
        (lambda X: sg.customer_features({"customers": X}),
         "tables has no 'transactions', 'invoices', "),
    ],
)
def test_bad_input(tiny, call, message):
    X = sg.customer_features(tiny.tables)
    with pytest.raises(ValueError, match=message):
        call(X)
