"""The capacity what-if re-expresses the world's queueing rule and moves capacity sensibly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.analytics import capacity
from crmlab.world.processes import service as world_service


@pytest.fixture(scope="module")
def half(world):
    return capacity.capacity_whatif(world.complaints, world.weather, world.customers,
                                    capacity=world.config.repair_capacity, share=0.5)


def test_rule_matches_the_world_constants():
    # tests may look inside the world; the analytics module must not
    assert np.allclose(capacity.SEASON, world_service.MONTHLY_SEASON)
    assert capacity.WEATHER_LOAD == world_service.WEATHER_LOAD
    assert capacity.BACKLOG_DAYS == world_service.BACKLOG_DAYS
    rho = np.linspace(0, 4, 81)
    assert np.allclose(capacity.queue_delay_factor(rho), world_service.queue_delay_factor(rho))


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
