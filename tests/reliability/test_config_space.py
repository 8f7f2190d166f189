"""Every config the validator accepts generates; every config it refuses is refused
with a ``ValueError`` or ``TypeError`` naming the field (issue 14).

Hypothesis walks the whole config space at tiny sizes (at most 300 customers, a short
history): every flat field of :class:`~crmlab.WorldConfig` and every coefficient of every
parameter group, each drawn from its edges (the bounds it allows, zero, huge values
where there is no upper bound) and from a little past them (out of range, NaN,
infinities, wrong types). A config that is accepted must give a world whose tables
pass the invariant checks of ``tests/world/test_invariants.py``.
"""

from __future__ import annotations

import dataclasses
import math
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import world_invariants

import crmlab as crm
from crmlab.world.config import LIMITS, LOCALES
from crmlab.world.labels import SPAN
from crmlab.world.params import GROUPS

#: The invariant checks (loaded when this module is, not inside a test: that module
#: defines hypothesis tests of its own).
check_world = world_invariants().check_world
#: Sizes of the worlds made here.
MAX_CUSTOMERS = 300
#: Wrong types and values that no field accepts.
JUNK = [None, "", "1", "abc", [], {}, object(), math.nan, True, b"1"]


def _edges(meta) -> list[float]:
    """The numbers a coefficient allows at its edges and in between."""
    low, high = meta["low"], meta["high"]
    lo = -1e6 if low == -math.inf else low
    hi = 1e6 if high == math.inf else high
    if meta["low_open"]:
        lo = lo + (1e-6 if lo == 0 else abs(lo) * 1e-6)
    if meta["high_open"]:
        hi = hi - (1e-6 if hi == 0 else abs(hi) * 1e-6)
    values = [lo, hi, (lo + hi) / 2, lo + (hi - lo) * 0.01]
    values += [v for v in (0.0, 0.5, 1.0, 2.0, 10.0) if lo <= v <= hi]
    return values


def _scalar(meta) -> st.SearchStrategy:
    low, high = meta["low"], meta["high"]
    lo = -1e6 if low == -math.inf else low
    hi = 1e6 if high == math.inf else high
    finite = st.floats(lo, hi, exclude_min=meta["low_open"], exclude_max=meta["high_open"],
                       allow_nan=False)
    base = st.one_of(st.sampled_from(_edges(meta)), finite)
    if meta["integer"]:
        return base.map(math.ceil).filter(lambda v: low <= v <= high and not (
            meta["low_open"] and v == low) and not (meta["high_open"] and v == high))
    return base


def _increasing(values) -> bool:
    return all(b > a for a, b in zip(values, values[1:], strict=False))


def _vector(meta) -> st.SearchStrategy:
    keys = meta["keys"]
    values = st.lists(_scalar(meta), min_size=len(keys), max_size=len(keys))
    if meta["shares"]:
        def normalise(v):
            total = sum(v)
            return [x / total for x in v] if total > 0 else [1.0] + [0.0] * (len(v) - 1)
        values = values.map(normalise)
    if meta["increasing"]:
        values = values.map(sorted).filter(_increasing)
    if keys == SPAN:
        values = values.map(sorted)
    return values.map(tuple)


def coefficient(meta) -> st.SearchStrategy:
    """A value the coefficient allows."""
    good = _scalar(meta) if meta["keys"] is None else _vector(meta)
    return st.one_of(good, st.none()) if meta["optional"] else good


def bad_coefficient(meta) -> st.SearchStrategy:
    """A value the coefficient does not allow."""
    low, high = meta["low"], meta["high"]
    out = [math.nan, math.inf, -math.inf, "x", True]
    if low != -math.inf:
        out.append(low - 1.0)
        if meta["low_open"]:
            out.append(low)
    if high != math.inf:
        out.append(high + 1.0)
        if meta["high_open"]:
            out.append(high)
    if meta["integer"]:
        out.append(max(low, 0) + 0.5 if high > max(low, 0) + 0.5 else 0.5)
    scalar = st.sampled_from(out)
    if meta["keys"] is None:
        return scalar
    n = len(meta["keys"])
    return st.one_of(scalar.map(lambda v: (v,) * n), st.just((1.0,) * (n + 1)),
                     st.just("abc"), st.just(()))


def _dates(draw) -> tuple[str, str]:
    first, last = LIMITS["start"], LIMITS["end"]
    year = draw(st.sampled_from([first.year, 1970, 2000, 2023, last.year - 1]))
    start = pd.Timestamp(year=year, month=draw(st.integers(1, 12)), day=1)
    start = max(start, first)
    days = draw(st.sampled_from([89, 90, 120, 200, 366, 400]))
    end = min(start + pd.Timedelta(days=days), last)
    if (end - start).days < 89:
        start = end - pd.Timedelta(days=days)
    return start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")


def _flat_fields(draw) -> dict:
    """Some flat fields set to values they allow (at tiny sizes)."""
    n = draw(st.sampled_from([1, 2, 7, 100, MAX_CUSTOMERS]))
    out = {"n_customers": n}
    choices = {  # blocks of one customer up to a block far bigger than the world
        "block_size": st.sampled_from([max(1, n // 40), max(1, n // 3), n - 1 or 1, 10**12]),
        "locale": st.sampled_from(LOCALES),
        "postpaid_share": st.sampled_from([0.0, 1.0, 0.5, 1e-9]),
        "segment_shares": st.sampled_from([(1.0, 0, 0, 0, 0), (0, 0, 0, 0, 1.0),
                                           (0.2,) * 5, (0.5, 0.5, 0, 0, 0)]),
        "acquisition_growth": st.sampled_from([-0.9, 0.0, 10.0, 1.0]),
        "billing_error_rate": st.sampled_from([0.0, 1.0]),
        "complaint_rate": st.sampled_from([0.0, 50.0, 5.0]),
        "weather_events_per_year": st.sampled_from([0.0, 365.0, 100.0]),
        "repair_capacity": st.sampled_from([1e-6, 0.01, 100.0]),
        "service_failure_rate": st.sampled_from([0.0, 1.0]),
        "silent_share": st.sampled_from([0.0, 1.0]),
        "winback_rate": st.sampled_from([0.0, 1.0]),
        "loyalty_launch_months": st.sampled_from([0, 1, 24, 1200]),
        "campaigns_per_year": st.sampled_from([1, 400, LIMITS["campaigns_per_year"]]),
    }
    for name in draw(st.lists(st.sampled_from(sorted(choices)), max_size=5, unique=True)):
        out[name] = draw(choices[name])
    if draw(st.booleans()):
        out["start"], out["end"] = _dates(draw)
    else:
        out["start"], out["end"] = "2024-01-01", draw(st.sampled_from(["2024-03-30",
                                                                        "2024-12-31"]))
    return out


@st.composite
def good_configs(draw) -> dict:
    """Keyword arguments of a config the validator should accept."""
    kwargs = _flat_fields(draw)
    for group in draw(st.lists(st.sampled_from(sorted(GROUPS)), max_size=6, unique=True)):
        fields = dataclasses.fields(GROUPS[group])
        chosen = draw(st.lists(st.sampled_from([f.name for f in fields]), min_size=1,
                               max_size=8, unique=True))
        meta = {f.name: f.metadata for f in fields}
        kwargs[group] = {name: draw(coefficient(meta[name])) for name in chosen}
    return kwargs


def _accepted(kwargs: dict) -> crm.WorldConfig | None:
    """The config, or None if a cross-field rule refuses it (a rule that must name the
    field like any other)."""
    try:
        return crm.WorldConfig(**kwargs)
    except (ValueError, TypeError) as exc:
        assert re.search(r"WorldConfig\.\w+", str(exc)), f"names no field: {exc}"
        return None


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(kwargs=good_configs(), seed=st.integers(0, 2**32))
def test_every_accepted_config_generates_a_sound_world(kwargs, seed):
    config = _accepted(kwargs)
    if config is None:
        return
    world = crm.make_world(config, seed=seed, workers=1)
    check_world(world)
    assert len(world.customers) == config.n_customers


def _edge_cases() -> list:
    """Every coefficient of every group at each edge it allows, the others at their
    defaults: what the walk above reaches only by luck."""
    cases = []
    for group, cls in GROUPS.items():
        for f in dataclasses.fields(cls):
            meta = f.metadata
            n = len(meta["keys"] or ())
            for value in sorted(set(_edges(meta)[:2])):  # the lowest and highest allowed
                if meta["integer"]:
                    value = math.ceil(value)
                if meta["keys"] is None:
                    given_ = value
                elif meta["shares"]:
                    given_ = (1.0,) + (0.0,) * (n - 1) if value == _edges(meta)[0] \
                        else (1.0 / n,) * n
                elif meta["increasing"]:  # n steps up from the lowest, or to the highest
                    given_ = tuple(value + i if value == _edges(meta)[0] else value - n + 1 + i
                                   for i in range(n))
                else:
                    given_ = (value,) * n
                cases.append(pytest.param(group, f.name, given_, id=f"{group}.{f.name}={value:g}"))
    return cases


@pytest.mark.parametrize(("group", "name", "value"), _edge_cases())
def test_each_coefficient_at_its_edges_generates(group, name, value):
    config = _accepted({"n_customers": 60, "start": "2024-01-01", "end": "2024-05-31",
                        group: {name: value}})
    if config is None:  # a rule across fields (mean purchase rate, ...) refused it
        return
    check_world(crm.make_world(config, seed=3, workers=1))


def _flat_bad() -> dict[str, list]:
    first, last = LIMITS["start"], LIMITS["end"]
    return {
        "n_customers": [0, -1, 1.5, "5", True, LIMITS["n_customers"] + 1, 10**12],
        "block_size": [0, -3, 2.0, "10"],
        "start": ["", " ", "abc", "2023-02-30", "2023/01/01", "2023-01-01T10:00", 20230101,
                  (first - pd.Timedelta(days=1)).strftime("%Y-%m-%d"), "0001-01-01"],
        "end": ["", "9999-12-31", (last + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
                "2022-01-01"],
        "locale": ["", "xx_XX", 5, "EN_us"],
        "postpaid_share": [-0.1, 1.5, math.nan, "0.3"],
        "segment_shares": [(1.0,), (0.5,) * 5, "abc", (math.nan,) * 5, (-1, 1, 1, 0, 0)],
        "acquisition_growth": [-1.0, 11.0, math.inf],
        "billing_error_rate": [-0.01, 2.0],
        "complaint_rate": [-1.0, 51.0, math.nan],
        "weather_events_per_year": [-1.0, 366.0],
        "repair_capacity": [0.0, -1.0, 101.0],
        "service_failure_rate": [1.01],
        "silent_share": [-0.5],
        "winback_rate": [math.inf],
        "loyalty_launch_months": [-1, 1.5, LIMITS["loyalty_launch_months"] + 1],
        "campaigns_per_year": [0, 2.0, LIMITS["campaigns_per_year"] + 1],
    }


@st.composite
def bad_configs(draw) -> tuple[str, dict]:
    """A config with one field the validator must refuse, and that field's name."""
    flat = _flat_bad()
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(flat)))
        value = draw(st.sampled_from(flat[name]))
        kwargs = {name: value}
        if name == "end" and value == "2022-01-01":  # before the start
            name = "start"
        return name, kwargs
    group = draw(st.sampled_from(sorted(GROUPS)))
    if draw(st.integers(0, 9)) == 0:
        junk = draw(st.sampled_from([5, "x", [1], None, 1.5]))
        return group, {group: junk}
    fields = dataclasses.fields(GROUPS[group])
    f = draw(st.sampled_from(fields))
    if draw(st.integers(0, 9)) == 0:
        return group, {group: {"no_such_coefficient": 1.0}}
    value = draw(bad_coefficient(f.metadata))
    if f.metadata["optional"] and value is None:
        value = "x"
    return f"{group}.{f.name}", {group: {f.name: value}}


@settings(max_examples=200, deadline=None)
@given(case=bad_configs())
def test_every_refused_config_names_the_field(case):
    field, kwargs = case
    with pytest.raises((ValueError, TypeError)) as info:
        crm.WorldConfig(**kwargs)
    assert f"WorldConfig.{field}" in str(info.value), (kwargs, str(info.value))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"n_customers": 10**7, "block_size": 1}, "WorldConfig.block_size"),
    ({"start": "2024-01-01", "end": "2024-03-01"}, "WorldConfig.start and end"),
    ({"start": "2024-01-01", "end": "2024-04-30", "population": {"signup_stop_days": 120}},
     "WorldConfig.population.signup_stop_days"),
    ({"segments": {"bg_r": (100.0,) * 5, "bg_alpha": (1.0,) * 5}}, "WorldConfig.segments.bg_r"),
])
def test_rules_across_fields_name_the_fields(kwargs, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        crm.WorldConfig(**kwargs)


def test_start_given_as_an_empty_string_is_a_value_error():
    # it was an AttributeError (NaT has no normalize)
    with pytest.raises(ValueError, match="WorldConfig.start must be a plain ISO date"):
        crm.WorldConfig(start="")


@pytest.mark.parametrize("kwargs", [
    {"campaigns_per_year": 400},  # the id-width error of issue 14 (ids past 999)
    {"campaigns_per_year": LIMITS["campaigns_per_year"]},
    {"weather_events_per_year": 365.0},  # weather ids past 999 over three years
    {"weather_events_per_year": 364.9, "campaigns_per_year": 400},
], ids=["campaigns-400", "campaigns-max", "weather-365", "both"])
def test_the_busiest_calendars_over_three_years_generate(kwargs):
    config = crm.WorldConfig(n_customers=40, start="2023-01-01", end="2025-12-31", **kwargs)
    world = crm.make_world(config, seed=11, workers=1)
    check_world(world)
    if "campaigns_per_year" in kwargs:
        assert len(world.campaigns) > 999
        assert world.campaigns["campaign_id"].is_unique
    if "weather_events_per_year" in kwargs:
        assert len(world.weather) > 999
        assert world.weather["event_id"].is_unique
