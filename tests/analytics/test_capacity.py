"""The capacity what-if re-expresses the world's queueing rule and moves capacity sensibly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as crm
from crmlab.analytics import capacity
from crmlab.world.params import ServiceParams

#: Service rules unlike the defaults, so that a what-if run on the defaults cannot pass
#: for one run on the world's rules.
ODD_RULES = ServiceParams(season=(1.0,) * 6 + (2.0,) * 6, weather_load=5.0, backlog_days=3,
                          queue_coefficient=0.5, queue_max_load=2.0, queue_min_slack=0.2)


@pytest.fixture(scope="module")
def half(world):
    return capacity.capacity_whatif(world.complaints, world.weather, world.customers,
                                    capacity=world.config.repair_capacity, share=0.5)


@pytest.fixture(scope="module")
def odd_worlds():
    """The same world (same seed) made with two repair capacities, on unusual rules."""
    return [crm.make_world("tiny", seed=11, service=ODD_RULES, repair_capacity=cap,
                           weather_events_per_year=20.0) for cap in (1.1, 1.6)]


def test_whatif_on_the_worlds_rules_gives_its_load(odd_worlds):
    w = odd_worlds[0]
    assert w.config.service.rules != capacity.ServiceRules()
    truth = w.truth.complaints.set_index("complaint_id")["load_ratio"]
    for rules, same in ((w.config.service.rules, True), (None, False)):
        res = capacity.capacity_whatif(w.complaints, w.weather, w.customers,
                                       capacity=w.config.repair_capacity, share=0.0,
                                       rules=rules)
        mine = res.complaints.set_index("complaint_id")["load_ratio_before"]
        close = np.allclose(mine.to_numpy(), truth.reindex(mine.index).to_numpy(), atol=1e-4)
        assert close is same


def test_whatif_rule_predicts_the_world_at_another_capacity(odd_worlds):
    # capacity changes only the load ratio, hence the queueing delay: the same complaint
    # (same draws) is answered f(new load) / f(old load) times later, which is the rule
    # the what-if applies to every complaint
    low, high = odd_worlds
    rules = low.config.service.rules
    key = ["customer_id", "opened_at", "category", "channel"]
    pair = low.complaints.merge(high.complaints, on=key, suffixes=("_low", "_high"))
    pair = pair.merge(low.truth.complaints[["complaint_id", "load_ratio"]],
                      left_on="complaint_id_low", right_on="complaint_id")
    assert len(pair) > 0.8 * len(low.complaints)
    rho_low = pair["load_ratio"].to_numpy()
    rho_high = rho_low * low.config.repair_capacity / high.config.repair_capacity
    ratio = rules.queue_delay_factor(rho_high) / rules.queue_delay_factor(rho_low)
    predicted = pair["first_response_hours_low"].to_numpy() * ratio
    observed = pair["first_response_hours_high"].to_numpy()
    floor = observed <= ODD_RULES.min_response_hours  # the world's floor on response times
    # both worlds round to the hundredth of an hour, and the truth's load ratio to 1e-4
    slack = 0.006 * ratio + 0.011 + 1e-3 * predicted
    assert (np.abs(predicted - observed) <= slack)[~floor].all()
    assert not np.allclose(predicted, pair["first_response_hours_low"].to_numpy())


def test_observed_load_ratio_is_the_worlds(world, half):
    truth = world.truth.complaints.set_index("complaint_id")["load_ratio"]
    mine = half.complaints.set_index("complaint_id")["load_ratio_before"]
    assert np.allclose(mine.to_numpy(), truth.reindex(mine.index).to_numpy(), atol=1e-4)


def test_intensity_fades_after_the_event():
    ev = pd.DataFrame({"province": ["A", "A"], "event_type": ["snow", "flood"],
                       "start_date": pd.to_datetime(["2024-01-02", "2024-01-03"]),
                       "end_date": pd.to_datetime(["2024-01-02", "2024-01-03"]),
                       "severity": [1.0, 0.5]})
    days = pd.date_range("2024-01-01", periods=5, freq="D")
    got = capacity.weather_intensity(ev, days, ["A"], backlog_days=1).to_numpy()[0]
    # the larger of overlapping events counts; a 1-day backlog halves the severity
    assert got.tolist() == [0.0, 1.0, 0.5, 0.25, 0.0]


def test_no_move_changes_nothing(world):
    res = capacity.capacity_whatif(world.complaints, world.weather, world.customers,
                                   capacity=1.25, share=0.0)
    assert (res.complaints["hours_after"] == res.complaints["hours_before"]).all()
    assert (res.moved == 0).all()


def test_capacity_is_moved_not_created(world, half):
    n = world.customers["province"].astype(str).value_counts().reindex(
        half.capacity_after.index).to_numpy()[:, None]
    before = (half.capacity_before.to_numpy() * n).sum(axis=0)
    after = (half.capacity_after.to_numpy() * n).sum(axis=0)
    assert np.allclose(before, after)
    assert half.moved.max() > 0
    # with losses on the way, the operator ends up with less capacity on moving days
    lossy = capacity.capacity_whatif(world.complaints, world.weather, world.customers,
                                     capacity=1.25, share=0.5, efficiency=0.5)
    moved_days = lossy.moved.to_numpy() > 0
    lost = before - (lossy.capacity_after.to_numpy() * n).sum(axis=0)
    assert np.allclose(lost[moved_days], 0.5 * lossy.moved.to_numpy()[moved_days])


def test_hit_provinces_get_faster_lenders_slower(half):
    s = half.summary
    hit, lend = s.loc["hit provinces during weather"], s.loc["calm provinces that lent capacity"]
    assert hit["complaints"] > 0 and lend["complaints"] > 0
    assert hit["mean_hours_after"] < 0.8 * hit["mean_hours_before"]
    assert lend["mean_hours_after"] > lend["mean_hours_before"]
    c = half.complaints
    assert (c.loc[c["role"] == "hit", "hours_after"]
            <= c.loc[c["role"] == "hit", "hours_before"] + 0.01).all()
    assert (c.loc[c["role"] == "other", "hours_after"]
            == c.loc[c["role"] == "other", "hours_before"]).all()


def test_more_share_helps_the_hit_provinces_more(world):
    means = [capacity.capacity_whatif(world.complaints, world.weather, world.customers,
                                      capacity=1.25, share=s).summary.loc[
        "hit provinces during weather", "mean_hours_after"] for s in (0.0, 0.3, 0.6, 1.0)]
    assert means == sorted(means, reverse=True) and means[0] > means[-1]


def test_event_and_province_selection(world):
    snow = capacity.capacity_whatif(world.complaints, world.weather, world.customers,
                                    capacity=1.25, share=0.5, event_types=["snow"])
    flood_provinces = set(world.weather.loc[world.weather["event_type"] == "flood",
                                            "province"].astype(str))
    snow_provinces = set(world.weather.loc[world.weather["event_type"] == "snow",
                                           "province"].astype(str))
    assert set(snow.by_province.index) <= snow_provinces
    assert not set(snow.by_province.index) & (flood_provinces - snow_provinces)
    one = capacity.capacity_whatif(world.complaints, world.weather, world.customers,
                                   capacity=1.25, share=0.5, provinces=["Louisiana"])
    assert list(one.by_province.index) == ["Louisiana"]


def test_bad_input(world):
    args = (world.complaints, world.weather, world.customers)
    with pytest.raises(ValueError, match="share must be a number in"):
        capacity.capacity_whatif(*args, capacity=1.25, share=1.5)
    with pytest.raises(ValueError, match="efficiency must be"):
        capacity.capacity_whatif(*args, capacity=1.25, efficiency=-0.1)
    with pytest.raises(ValueError, match="capacity must be a number > 0"):
        capacity.capacity_whatif(*args, capacity=0)
    with pytest.raises(ValueError, match=r"unknown event_types \['hail'\]"):
        capacity.capacity_whatif(*args, capacity=1.25, event_types=["hail"])
    with pytest.raises(ValueError, match=r"unknown provinces \['Atlantis'\]"):
        capacity.capacity_whatif(*args, capacity=1.25, provinces=["Atlantis"])
    with pytest.raises(ValueError, match="column 'first_response_hours' not found"):
        capacity.capacity_whatif(world.complaints.drop(columns="first_response_hours"),
                                 world.weather, world.customers, capacity=1.25)
    with pytest.raises(ValueError, match="load_ratio must be finite"):
        capacity.queue_delay_factor([-1.0])
    with pytest.raises(ValueError, match="season must be 12"):
        capacity.load_ratio(pd.DataFrame([[0.0]], columns=pd.to_datetime(["2024-01-01"])),
                            capacity=1.0, season=[1.0] * 11)


def test_a_history_without_weather(world):
    calm = world.weather.iloc[:0]
    res = capacity.capacity_whatif(world.complaints, calm, world.customers, capacity=1.25,
                                   share=1.0)
    assert (res.complaints["role"] == "other").all()
    assert (res.complaints["hours_after"] == res.complaints["hours_before"]).all()
    with pytest.raises(ValueError, match="column 'severity' not found in weather"):
        capacity.capacity_whatif(world.complaints, calm.drop(columns="severity"),
                                 world.customers, capacity=1.25)
