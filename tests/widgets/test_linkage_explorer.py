"""The record-linkage explorer: its pure function and its slider."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.analytics import linkage as lk
from crmlab.widgets.linkage import linkage_at_threshold, linkage_explorer


@pytest.fixture(scope="module")
def linked(tiny_world):
    records = lk.standardize_silos(tiny_world.silos)
    m = tiny_world.truth.silo_mapping.astype({"silo": str})
    truth = records[["source", "record_key"]].merge(
        m, left_on=["source", "record_key"], right_on=["silo", "record_key"])["customer_id"]
    return records, lk.link_records(records).attrs["pairs"], truth.to_numpy()


def test_threshold_changes_what_is_linked(linked):
    records, pairs, truth = linked
    loose = linkage_at_threshold(records, pairs, truth, threshold=-5.0)
    strict = linkage_at_threshold(records, pairs, truth, threshold=30.0)
    assert loose["records"] == strict["records"] == len(records)
    assert loose["true customers"] == strict["true customers"] == len(set(truth))
    assert loose["customers found"] < strict["customers found"]
    assert loose["recall"] > strict["recall"]
    assert loose["precision"] <= strict["precision"]
    assert loose["pairs linked"] > strict["pairs linked"]
    # the numbers agree with the analytics they summarise
    entity = lk.cluster_records(len(records), pairs, pairs["score"] >= 30.0)
    assert strict["customers found"] == lk.evaluate_linkage(entity, truth).entities


def test_pairs_without_scores_are_refused(linked):
    records, pairs, truth = linked
    with pytest.raises(ValueError, match="score"):
        linkage_at_threshold(records, pairs.drop(columns="score"), truth, threshold=1.0)


def test_explorer_updates_when_the_slider_moves(linked):
    records, pairs, truth = linked
    box = linkage_explorer(records, truth, pairs=pairs, threshold=10.0)
    slider = box.children[0]
    before = box.result.copy()
    pd.testing.assert_series_equal(
        before, linkage_at_threshold(records, pairs, truth, threshold=10.0))
    html_before = box.children[1].value
    assert f"<td>{before['customers found']}</td>" in html_before
    slider.value = 30.0
    after = box.result
    assert box.children[1].value != html_before
    assert f"<td>{after['customers found']}</td>" in box.children[1].value
    assert after.name == "threshold 30"
    assert after["customers found"] > before["customers found"]
    with pytest.raises(ValueError, match="threshold must lie"):
        linkage_explorer(records, truth, pairs=pairs, threshold=99.0)
    with pytest.warns(DeprecationWarning, match=r"use \.result instead"):
        assert box.crmlab_result is box.result
