"""Segmentation experiments: features, methods, scores against the truth, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import crmlab as crm
from crmlab.analytics import segmentation as sg


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
                          restarts=2)
    b = sg.run_experiment(crm.make_world, [cfg], [1, 2], methods=["kmeans", "latent_class"],
                          restarts=2, n_jobs=2)
    assert len(a) == 4 and set(a.columns) >= {"world_seed", "method", "ari", "ami",
                                              "stability"}
    pdt.assert_frame_equal(a, b)
    assert a["stability"].between(-1, 1).all()


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
