"""Six-principles scorecard: every indicator on hand-made tables, segments, silos, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics.scorecard import (
    INDICATORS,
    PRINCIPLES,
    principle_scorecard,
    scorecard_over_time,
    silo_record_agreement,
)

T = pd.Timestamp


@pytest.fixture
def tables():
    """Four customers; the window of interest is 2024; 2023 is the year before."""
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
                              "first_name": ["Ann", "Bo", "Cy", "Di"],
                              "last_name": ["Lee", "Ng", "Ox", "Po"],
                              "phone": ["+1 212 555 0001", "+1 212 555 0002",
                                        "+1 212 555 0003", "+1 212 555 0004"],
                              "signup_date": pd.to_datetime(["2023-01-01"] * 4)})
    transactions = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "d"],
        "timestamp": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-05-01", "2024-06-01",
                                     "2023-02-01"]),
        "amount": [50.0, 40.0, 5.0, 5.0, 20.0]})
    invoices = pd.DataFrame({
        "customer_id": ["d", "d"], "issue_date": pd.to_datetime(["2024-01-31", "2024-02-29"]),
        "amount": [0.0, 0.0], "disputed": [True, False]})
    complaints = pd.DataFrame({
        "customer_id": ["a", "b", "d", "d"],
        "opened_at": pd.to_datetime(["2024-03-01", "2024-04-01", "2024-02-01", "2023-03-01"]),
        "channel": ["web", "store", "sms", "store"],
        "first_response_hours": [2.0, 10.0, 30.0, 5.0],
        "escalation_level": [0, 1, 3, 0],
        "resolved_at": pd.to_datetime(["2024-03-02", "2024-04-03", None, "2023-03-02"]),
        "satisfaction": [5, 3, 1, 4]})
    campaigns = pd.DataFrame({"campaign_id": ["K1", "K2"], "kind": ["call_list", "retention"]})
    contacts = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"], "campaign_id": ["K1", "K2", "K2", "K2"],
        "timestamp": pd.to_datetime(["2024-03-01", "2024-07-01", "2024-07-01", "2024-07-01"]),
        "group": ["treatment", "treatment", "control", "treatment"]})
    collections = pd.DataFrame({
        "collection_id": ["D1", "D2"], "customer_id": ["d", "d"],
        "timestamp": pd.to_datetime(["2024-03-01", "2023-03-05"])})
    posts = pd.DataFrame({"customer_id": ["c"], "timestamp": pd.to_datetime(["2024-08-01"])})
    return {"customers": customers, "transactions": transactions, "invoices": invoices,
            "complaints": complaints, "campaigns": campaigns, "contacts": contacts,
            "collections": collections, "online_activity": posts}


def values(card):
    return card["value"].droplevel("principle")


def test_every_indicator_by_hand(tables):
    card = principle_scorecard(tables, start="2024-01-01", end="2025-01-01")
    v = values(card)
    assert card.attrs["active_customers"] == 4
    # revenue a=90, b=5, c=5, d=0: the top tenth is 0.4 of customer a -> 36 of 100
    assert v["top_decile_revenue_share"] == pytest.approx(0.36)
    assert v["value_targeted_contact_share"] == pytest.approx(2 / 3)  # b, d of a, b, d
    assert v["feedback_coverage"] == pytest.approx(1.0)  # a, b, d complained; c posted
    assert v["repeat_customer_share"] == pytest.approx(0.5)  # a and d
    assert v["contact_rate"] == pytest.approx(0.75)  # c was in the control group
    assert v["digital_complaint_share"] == pytest.approx(2 / 3)
    assert v["median_first_response_hours"] == pytest.approx(10.0)
    assert v["escalation_rate"] == pytest.approx(2 / 3)
    assert v["unresolved_share"] == pytest.approx(1 / 3)
    # 2023: one complaint (satisfaction 4) among one active customer (d)
    assert v["satisfaction_change"] == pytest.approx(3.0 - 4.0)
    assert v["complaints_per_100_change"] == pytest.approx(75.0 - 100.0)
    assert v["collections_during_open_complaint"] == pytest.approx(1.0)  # d's open case
    assert v["disputed_bill_share"] == pytest.approx(0.5)
    assert np.isnan(v["silo_consistency"])
    assert list(card.index.get_level_values("principle").unique()) == list(PRINCIPLES)
    assert list(v.index) == list(INDICATORS)


def test_segment_equals_filtered_tables(tables):
    seg = ["a", "b"]
    card = principle_scorecard(tables, start="2024-01-01", end="2025-01-01", customer_ids=seg)
    filtered = {k: df[df["customer_id"].isin(seg)] if "customer_id" in df else df
                for k, df in tables.items()}
    ref = principle_scorecard(filtered, start="2024-01-01", end="2025-01-01")
    pd.testing.assert_series_equal(card["value"], ref["value"])
    assert values(card)["escalation_rate"] == pytest.approx(0.5)
    assert values(card)["median_first_response_hours"] == pytest.approx(6.0)


def test_quarter_compares_with_same_quarter_a_year_earlier(tables):
    v = values(principle_scorecard(tables, start="2024-01-01", end="2024-04-01"))
    # 2024Q1: complaints of a and d (satisfaction 5, 1); 2023Q1: d's (4)
    assert v["satisfaction_change"] == pytest.approx(3.0 - 4.0)
    v2 = values(principle_scorecard(tables, start="2024-04-01", end="2024-07-01"))
    assert np.isnan(v2["satisfaction_change"])  # no complaint in 2023Q2


def test_over_time_matches_single_windows(tables):
    wide = scorecard_over_time(tables, freq="Y")
    assert wide.columns.tolist() == ["2023", "2024"]
    one = principle_scorecard(tables, start="2024-01-01", end="2025-01-01")
    pd.testing.assert_series_equal(wide["2024"], one["value"], check_names=False)
    quarters = scorecard_over_time(tables, freq="Q", start="2024-01-01", end="2024-12-31")
    assert quarters.columns.tolist() == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def test_silo_agreement_by_hand(tables):
    silos = {"sales": pd.DataFrame({"account_no": ["S1", "S2", "S3"],
                                    "full_name": ["Ann Lee", "Bo Ng", "Cy Ox"],
                                    "phone": ["(212) 555-0001", "(212) 555-0009",
                                              "(212) 555-0003"]}),
             "service": pd.DataFrame({"contact_id": ["V1", "V2"],
                                      "customer_name": ["LEE, Ann", "OX, Cy"],
                                      "phone": ["+1 212 555 0001", "+1 212 555 0003"]}),
             "web": pd.DataFrame({"user_id": ["U1", "U2"], "display_name": ["Ann", "Cy"]})}
    mapping = pd.DataFrame({"silo": ["sales", "sales", "sales", "service", "service", "web",
                                     "web"],
                            "record_key": ["S1", "S2", "S3", "V1", "V2", "U1", "U2"],
                            "customer_id": ["a", "b", "c", "a", "c", "a", "c"]})
    agree = silo_record_agreement(tables["customers"], silos, mapping)
    assert agree.to_dict() == {"a": True, "b": False, "c": True}  # b: wrong phone
    dup = pd.concat([mapping, pd.DataFrame({"silo": ["web"], "record_key": ["U2"],
                                            "customer_id": ["a"]})])
    assert not silo_record_agreement(tables["customers"], silos, dup)["a"]  # two web records
    card = principle_scorecard(tables, start="2024-01-01", end="2025-01-01",
                               silo_agreement=agree)
    assert values(card)["silo_consistency"] == pytest.approx(2 / 3)  # d has no records


def test_disagreement_is_a_real_problem_in_the_world(tiny_world):
    w = tiny_world
    agree = silo_record_agreement(w.customers, w.silos, w.truth.silo_mapping)
    m = w.truth.silo_mapping
    problem = m.groupby("customer_id")[["is_duplicate", "name_variant"]].any().any(axis=1)
    problem = problem.reindex(agree.index)
    assert (~agree).sum() > 0
    assert problem[~agree].all()  # every flagged customer has a duplicate or variant
    assert agree[~problem].all()  # clean customers always agree


def test_world_card_is_sane(tiny_world):
    card = principle_scorecard(tiny_world.tables, start="2024-01-01", end="2024-07-01")
    v = values(card)
    shares = [k for k in INDICATORS if "share" in k or "rate" in k or "coverage" in k]
    assert ((v[shares].dropna() >= 0) & (v[shares].dropna() <= 1)).all()
    assert v[["top_decile_revenue_share", "median_first_response_hours"]].notna().all()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"start": "2024-02-01", "end": "2024-01-01"}, ValueError, "end must be after start"),
    ({"start": "2024-01-01", "end": "2025-01-01", "customer_ids": "a"}, TypeError,
     "not one string"),
    ({"start": 2024, "end": "2025-01-01"}, TypeError, "start must be a date"),
    ({"start": "2024-01-01", "end": "2025-01-01", "silo_agreement": {"a": True}}, TypeError,
     "silo_agreement"),
])
def test_bad_input(tables, kwargs, error, match):
    with pytest.raises(error, match=match):
        principle_scorecard(tables, **kwargs)


def test_bad_tables_and_freq(tables):
    with pytest.raises(TypeError, match="tables must be a mapping"):
        principle_scorecard([tables["customers"]], start="2024-01-01", end="2025-01-01")
    bad = dict(tables, complaints=tables["complaints"].drop(columns="opened_at"))
    with pytest.raises(ValueError, match="opened_at"):
        principle_scorecard(bad, start="2024-01-01", end="2025-01-01")
    with pytest.raises(ValueError, match="freq must be"):
        scorecard_over_time(tables, freq="M")
    with pytest.raises(ValueError, match="unknown systems"):
        silo_record_agreement(tables["customers"], {"crm": pd.DataFrame()},
                              pd.DataFrame(columns=["silo", "record_key", "customer_id"]))


# --- the response time split into within-channel and channel-mix parts ----------------

def _mix_shift(n=4000, seed=0, slower=0.0):
    """Two years; each channel keeps its own response-time distribution (web slower by
    ``slower`` hours in the second year); the second year moves to the web."""
    rng = np.random.default_rng(seed)
    year = np.repeat([2023, 2024], n)
    web = rng.random(2 * n) < np.where(year == 2023, 0.2, 0.6)
    hours = np.where(web, rng.gamma(4.0, 3.0, 2 * n) + slower * (year == 2024),
                     rng.gamma(4.0, 0.5, 2 * n))
    return pd.DataFrame({"opened_at": pd.to_datetime([f"{y}-06-01" for y in year]),
                         "channel": np.where(web, "web", "call_centre"),
                         "first_response_hours": hours})


def test_mix_decomposition_adds_up_and_finds_a_pure_mix_shift():
    from crmlab.analytics.scorecard import channel_mix_decomposition

    c = _mix_shift()
    for statistic in ("mean", "median"):
        d = channel_mix_decomposition(c, statistic=statistic)
        assert list(d.index) == ["2023", "2024"]
        assert np.allclose(d["change"], d["within_channels"] + d["channel_mix"])
        # the channels did not change: the whole rise is the mix
        assert d.loc["2024", "channel_mix"] > 2.0
        assert abs(d.loc["2024", "within_channels"]) < 0.1 * d.loc["2024", "channel_mix"]
    median = channel_mix_decomposition(c)
    by_year = c.groupby(c["opened_at"].dt.year)["first_response_hours"].median()
    assert np.allclose(median["observed"], by_year)  # the ordinary median, unweighted
    mean = channel_mix_decomposition(c, statistic="mean")
    second = c[c["opened_at"].dt.year == 2024]
    share = c[c["opened_at"].dt.year == 2023]["channel"].value_counts(normalize=True)
    at_base = (second.groupby("channel")["first_response_hours"].mean() * share).sum()
    assert np.isclose(mean.loc["2024", "at_base_mix"], at_base)  # shift-share, exactly


def test_mix_decomposition_sees_channels_that_really_slow_down():
    from crmlab.analytics.scorecard import channel_mix_decomposition

    d = channel_mix_decomposition(_mix_shift(slower=6.0), statistic="mean")
    assert d.loc["2024", "within_channels"] == pytest.approx(0.2 * 6.0, abs=0.6)


def test_mix_decomposition_on_the_world_blames_the_mix(world):
    """The crmlab world keeps each channel's pace and moves complaints to slower
    channels: the median's rise is the mix (docs/world.md says the load ignores the
    number of customers)."""
    from crmlab.analytics.scorecard import channel_mix_decomposition

    d = channel_mix_decomposition(world.complaints)
    last = d.index[-1]
    assert d.loc[last, "change"] > 3
    assert d.loc[last, "channel_mix"] > 0.8 * d.loc[last, "change"]


def test_mix_decomposition_bad_input():
    from crmlab.analytics.scorecard import channel_mix_decomposition

    c = _mix_shift(n=50)
    with pytest.raises(ValueError, match="base '2022' is not a period"):
        channel_mix_decomposition(c, base="2022")
    with pytest.raises(ValueError, match="statistic must be"):
        channel_mix_decomposition(c, statistic="mode")
    with pytest.raises(ValueError, match="freq must be"):
        channel_mix_decomposition(c, freq="M")
    new = pd.concat([c, pd.DataFrame({"opened_at": [T("2024-07-01")], "channel": ["social"],
                                      "first_response_hours": [3.0]})])
    with pytest.raises(ValueError, match=r"channels \['social'\] have no complaint"):
        channel_mix_decomposition(new)
    with pytest.raises(ValueError, match="column 'channel' not found"):
        channel_mix_decomposition(c.drop(columns="channel"))
