"""Record linkage: normalising, blocking, comparing, clustering and scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import linkage as lk


def _records(**cols):
    base = {f: [pd.NA] * len(next(iter(cols.values()))) for f in lk.FIELDS}
    base.update(cols)
    return pd.DataFrame(base)


def _truth_of(world, records):
    m = world.truth.silo_mapping.astype({"silo": str})
    merged = records[["source", "record_key"]].merge(
        m, left_on=["source", "record_key"], right_on=["silo", "record_key"], how="left")
    assert merged["customer_id"].notna().all()
    return merged["customer_id"].to_numpy()


def test_phone_formats_of_both_locales_agree():
    got = lk.normalize_phone(["(415) 555-0123", "+1 415 555 0123", "4155550123",
                              "0912 345 6789", "+98 912 345 6789", "0912-345-6789", None])
    assert got.iloc[:3].tolist() == ["4155550123"] * 3
    assert got.iloc[3:6].tolist() == ["9123456789"] * 3
    assert got.isna().iloc[6]


def test_text_normalisation_unifies_persian_letter_forms_and_case():
    got = lk.normalize_text(["علي كريمي", "علی کریمی", "MAHONEY,  Brittany", ""])
    assert got.iloc[0] == got.iloc[1]
    assert got.iloc[2] == "mahoney brittany"
    assert got.isna().iloc[3]


def test_standardize_splits_names_by_order_and_comma():
    df = pd.DataFrame({"k": ["a", "b", "c"], "n": ["LEE, Ann", "Ann Lee", "Lee Ann"]})
    first = lk.standardize(df, source="s", id_col="k", full_name_col="n")
    assert first[["first", "last"]].values.tolist() == [["ann", "lee"], ["ann", "lee"],
                                                        ["lee", "ann"]]
    rev = lk.standardize(df, source="s", id_col="k", full_name_col="n",
                         name_order="last_first")
    assert rev[["first", "last"]].values.tolist()[2] == ["ann", "lee"]


def test_standardize_old_argument_names_still_work_with_a_warning():
    df = pd.DataFrame({"k": ["a"], "f": ["Ann"], "l": ["Lee"], "p": ["4155550101"]})
    new = lk.standardize(df, source="s", id_col="k", first_name_col="f", last_name_col="l",
                         phone_col="p")
    with pytest.warns(DeprecationWarning) as caught:
        old = lk.standardize(df, source="s", key="k", first="f", last="l", phone="p")
    pd.testing.assert_frame_equal(old, new)
    assert {str(w.message).split("'")[1] for w in caught} == {"key", "first", "last", "phone"}
    assert "use 'first_name_col' instead" in " ".join(str(w.message) for w in caught)
    assert all(w.filename == __file__ for w in caught)  # points at the caller's line


def test_standardize_rejects_bad_arguments():
    df = pd.DataFrame({"k": ["a"], "n": ["Ann Lee"]})
    with pytest.raises(ValueError, match=r"column 'nope' not found in df; its columns are "
                                         r"\['k', 'n'\]; check full_name_col='nope'"):
        lk.standardize(df, source="s", id_col="k", full_name_col="nope")
    with pytest.raises(ValueError, match="name_order"):
        lk.standardize(df, source="s", id_col="k", full_name_col="n", name_order="middle")
    with pytest.raises(ValueError, match="either full_name_col or first_name_col"):
        lk.standardize(df, source="s", id_col="k", full_name_col="n", first_name_col="n")
    with pytest.raises(TypeError, match="DataFrame"):
        lk.standardize([1], source="s", id_col="k")
    with pytest.raises(TypeError, match="got both 'key'"):
        lk.standardize(df, source="s", id_col="k", key="k")
    with pytest.raises(ValueError, match="no layout"):
        lk.standardize_silos({"crm": df})


def test_candidate_pairs_are_exactly_the_pairs_sharing_a_key():
    r = _records(first=["ann", "ann", "bob", "bob", "cy"], last=["lee"] * 5,
                 phone=["1", "1", "2", "2", "2"], email=[pd.NA, "x", "x", pd.NA, pd.NA])
    assert lk.candidate_pairs(r, keys=["phone"]).values.tolist() == [[0, 1], [2, 3], [2, 4],
                                                                     [3, 4]]
    both = lk.candidate_pairs(r, keys=["phone", "email"]).values.tolist()
    assert both == [[0, 1], [1, 2], [2, 3], [2, 4], [3, 4]]
    # a block larger than max_block identifies nobody
    assert lk.candidate_pairs(r, keys=["phone"], max_block=2).values.tolist() == [[0, 1]]
    with pytest.raises(ValueError, match="keys"):
        lk.candidate_pairs(r, keys=["zip"])


def test_candidate_pairs_match_brute_force_on_random_keys():
    rng = np.random.default_rng(3)
    n = 300
    r = _records(first=["x"] * n, last=["y"] * n,
                 phone=rng.integers(0, 60, n).astype(str), email=rng.integers(0, 90, n).astype(str))
    got = {tuple(p) for p in lk.candidate_pairs(r, keys=["phone", "email"]).values.tolist()}
    ph, em = r["phone"].to_numpy(), r["email"].to_numpy()
    want = {(i, j) for i in range(n) for j in range(i + 1, n)
            if ph[i] == ph[j] or em[i] == em[j]}
    assert got == want


def test_name_similarity_tolerates_typos_and_order_not_strangers():
    sim = lk.name_similarity(["robert", "smith", "ann lee", "maria", "maria", None],
                             ["robetr", "smiht", "lee ann", "maria", "kevin", "x"])
    assert sim[0] >= 0.5 and sim[1] >= 0.5
    assert sim[2] == 1.0  # word order does not matter
    assert sim[3] == 1.0
    assert sim[4] < 0.2
    assert np.isnan(sim[5])
    with pytest.raises(ValueError, match="same length"):
        lk.name_similarity(["a"], ["a", "b"])


def test_compare_and_score_pairs():
    r = _records(first=["ann", "ann", "zed"], last=["lee", "lee", "quin"],
                 phone=["1", "1", "2"], email=["a@x", pd.NA, "b@x"],
                 address=["1 main", "9 oak", pd.NA])
    pairs = pd.DataFrame({"left": [0, 0], "right": [1, 2]})
    c = lk.compare_pairs(r, pairs)
    assert c.loc[0, "phone"] == 1.0 and np.isnan(c.loc[0, "email"]) and c.loc[0, "address"] == 0
    assert c.loc[1, "phone"] == 0.0 and c.loc[1, "email"] == 0.0
    s = lk.score_pairs(c)
    w = lk.DEFAULT_WEIGHTS
    assert s.iloc[0] == w["phone"][0] + w["address"][1] + w["first"][0] + w["last"][0]
    assert s.iloc[1] == w["phone"][1] + w["email"][1] + w["first"][1] + w["last"][1]
    only_phone = lk.score_pairs(c, {"phone": (5.0, -1.0)})
    assert only_phone.tolist() == [5.0, -1.0]
    with pytest.raises(ValueError, match="unknown field"):
        lk.score_pairs(c, {"zip": (1.0, 0.0)})
    with pytest.raises(ValueError, match="pair positions"):
        lk.compare_pairs(r, pd.DataFrame({"left": [0], "right": [7]}))


def test_cluster_records_is_transitive():
    pairs = pd.DataFrame({"left": [0, 2, 4], "right": [2, 3, 5]})
    ent = lk.cluster_records(6, pairs, [True, True, False])
    assert ent.tolist() == [0, 1, 0, 0, 2, 3]
    with pytest.raises(ValueError, match="one flag per pair"):
        lk.cluster_records(6, pairs, [True])


def test_evaluate_linkage_counts_pairs():
    perfect = lk.evaluate_linkage([5, 5, 7], ["a", "a", "b"])
    assert (perfect.precision, perfect.recall, perfect.exact) == (1.0, 1.0, 1.0)
    merged = lk.evaluate_linkage([0, 0, 0], ["a", "a", "b"])
    assert merged.precision == pytest.approx(1 / 3) and merged.recall == 1.0
    assert merged.entities == 1 and merged.customers == 2 and merged.exact == 0.0
    split = lk.evaluate_linkage([0, 1, 2], ["a", "a", "b"])
    assert split.recall == 0.0 and split.precision == 1.0 and split.exact == 0.5
    with pytest.raises(ValueError, match="aligned"):
        lk.evaluate_linkage([0], ["a", "b"])


@pytest.mark.parametrize("fixture", ["tiny_world", "tiny_world_fa"])
def test_linking_the_silos_recovers_the_customers(request, fixture):
    world = request.getfixturevalue(fixture)
    records = lk.standardize_silos(world.silos)
    truth = _truth_of(world, records)
    linked = lk.link_records(records)
    score = lk.evaluate_linkage(linked["entity"], truth)
    naive = len(records)
    assert naive > 1.5 * score.customers  # the union of the silos double-counts
    assert score.precision > 0.98 and score.recall > 0.9
    assert abs(score.entities - score.customers) < 0.1 * score.customers
    # a higher threshold links less: recall falls, customer count grows
    sweep = lk.threshold_sweep(records, truth, [0, 10, 30], pairs=linked.attrs["pairs"])
    assert sweep["recall"].is_monotonic_decreasing
    assert sweep["entities"].is_monotonic_increasing
    assert sweep.loc[30.0, "recall"] < score.recall


def test_linkage_is_deterministic(tiny_world):
    records = lk.standardize_silos(tiny_world.silos)
    a = lk.link_records(records)
    b = lk.link_records(records.copy())
    assert a["entity"].equals(b["entity"])
