"""The segmentation explorer: the confusion table is right, and the controls redraw it."""

from __future__ import annotations

import pandas as pd
import pytest

import crmlab as crm
from crmlab.analytics import segmentation as seg
from crmlab.widgets.segmentation import segment_confusion, segmentation_explorer


@pytest.fixture(autouse=True)
def _one_openmp_thread(monkeypatch):
    """Fit on one OpenMP thread (as the notebooks do): the fits are small, and parallel test
    workers share the cores, where spinning OpenMP threads slow k-means down many times."""
    from threadpoolctl import threadpool_limits

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # for the worker processes run_experiment spawns
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="module")
def data():
    w = crm.load_dataset("tiny")
    X = seg.customer_features(w.tables)
    return X, w.truth.customers.set_index("customer_id")["segment"]


def test_confusion_counts_and_scores(data):
    X, truth = data
    table = segment_confusion(X, truth, method="kmeans", k=4, random_state=1)
    labels = seg.segment(X, method="kmeans", k=4, random_state=1)
    assert table.to_numpy().sum() == len(X)
    assert sorted(table.sum(axis=0)) == sorted(pd.Series(labels).value_counts())
    true = truth.reindex(X.index)
    assert table.sum(axis=1).to_dict() == true.value_counts().to_dict()
    assert list(table.index) == list(true.cat.categories)  # the truth's own order
    assert table.attrs == pytest.approx(seg.score_labels(labels, true.to_numpy()))


def test_confusion_errors(data):
    X, truth = data
    with pytest.raises(TypeError, match="Series"):
        segment_confusion(X, truth.to_numpy(), method="rfm")
    with pytest.raises(ValueError, match="no segment"):
        segment_confusion(X, truth.iloc[:10], method="rfm")
    with pytest.raises(ValueError, match="method"):
        segment_confusion(X, truth, method="magic")


def test_explorer_redraws_on_change(data):
    X, truth = data
    box = segmentation_explorer(X, truth, method="rfm", k=5)
    assert box.method.description == "method" and box.k.description == "k"
    first = box.result.value
    assert "adjusted Rand index" in first and box.table.shape[1] == 5
    box.k.value = 3
    assert box.table.shape[1] == 3 and box.result.value != first
    box.method.value = "latent_class"
    assert "latent class" in box.result.value  # the method as a reader calls it
    with pytest.raises(ValueError, match="method"):
        segmentation_explorer(X, truth, method="magic")


def test_explorer_shows_its_view_without_a_kernel(data):
    """A saved notebook viewed without widget support shows the table, not only a repr."""
    X, truth = data
    box = segmentation_explorer(X, truth, method="kmeans", k=4)
    bundle = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith(box.result.value)
    assert "<table" in bundle["text/html"] and "k = 4" in bundle["text/html"]
    box.k.value = 3
    assert "k = 3" in box._repr_mimebundle_()["text/html"]


def test_explorer_speaks_the_notebook_language(data):
    """In a Persian notebook the explorer's words are Persian and laid out right to left."""
    from crmlab import i18n

    X, truth = data
    i18n.set_language("fa")
    try:
        box = segmentation_explorer(X, truth, method="rfm", k=3)
        assert box.method.description == "روش"
        assert dict(box.method.options)[i18n.t("nb04_method_latent_class")] == "latent_class"
        html = box._repr_mimebundle_()["text/html"]
        assert html.startswith('<div dir="rtl">') and "شاخص رند تعدیل‌شده" in html
        assert "adjusted" not in html and "۳" in html
        assert i18n.t("nb04_segment_loyal_heavy") in html
    finally:
        i18n.set_language("en")
