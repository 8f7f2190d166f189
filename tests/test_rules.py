"""The service rules shared by the world and the capacity what-if (crmlab.rules)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab import rules
from crmlab.world.params import ServiceParams


def test_rules_import_neither_the_world_nor_the_analytics():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {"__future__", "math", "dataclasses", "functools", "typing", "numpy"}


def test_monthly_season_is_rescaled_to_mean_one():
    table = rules.monthly_season()
    assert table.shape == (12,) and table.mean() == pytest.approx(1.0)
    assert not table.flags.writeable
    # only ratios matter
    assert np.allclose(rules.monthly_season([2.0] * 6 + [1.0] * 6),
                       rules.monthly_season([4.0] * 6 + [2.0] * 6))
    assert table[0] > 1 > table[4]  # winter peak, quiet May
    for bad in ([1.0] * 11, [1.0] * 11 + [0.0], [1.0] * 11 + [float("nan")], "winter"):
        with pytest.raises(ValueError, match="season must be 12 positive monthly multipliers"):
            rules.monthly_season(bad)


def test_season_factor_follows_the_calendar():
    start = pd.Timestamp("2023-11-15")
    days = np.array([0.0, 16.9, 17.0, 47.5, 400.2])  # Nov 15, Dec 1, Dec 2, Jan 1, Dec 19
    months = pd.DatetimeIndex(start + pd.to_timedelta(np.floor(days), "D")).month - 1
    season = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0)
    expected = rules.monthly_season(season)[months]
    assert np.array_equal(rules.season_factor(days, start, season=season), expected)
    # the cached table (narrow ranges) and the direct lookup (wide ones) agree
    wide = np.array([0.0, 5000.0])
    narrow = np.arange(0.0, 5001.0)
    assert np.array_equal(rules.season_factor(wide, start),
                          rules.season_factor(narrow, start)[[0, -1]])


def test_weather_intensity_fades_and_takes_the_largest():
    prov = np.array([0, 0, 1, -1])
    first, last = np.array([1, 2, 7, 0]), np.array([1, 2, 9, 5])
    sev = np.array([1.0, 0.5, 0.4, 1.0])
    out = rules.weather_intensity(prov, first, last, sev, n_provinces=2, n_days=9,
                                  backlog_days=1)
    assert np.allclose(out[0], [0.0, 1.0, 0.5, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0])
    # the last event runs past the end of the history; the one without a province is ignored
    assert np.allclose(out[1], [0.0] * 7 + [0.4, 0.4])
    none = rules.weather_intensity(prov, first, last, sev, n_provinces=2, n_days=9,
                                   backlog_days=0)
    assert none[0, 3] == 0.0 and none[0, 2] == 0.5
    with pytest.raises(ValueError, match="backlog_days must be a whole number >= 0"):
        rules.weather_intensity(prov, first, last, sev, n_provinces=2, n_days=9,
                                backlog_days=-1)


def test_load_ratio_and_capacity():
    intensity = np.array([[0.0, 0.5], [1.0, 0.0]])
    season = np.array([1.0, 2.0])
    got = rules.load_ratio(intensity, season, capacity=2.0, weather_load=2.0)
    assert np.allclose(got, [[0.5, 2.0], [1.5, 1.0]])
    per_province = rules.load_ratio(intensity, season, capacity=np.array([[1.0], [2.0]]))
    assert np.allclose(per_province[1], rules.load_ratio(intensity, season, capacity=2.0)[1])
    with pytest.raises(ValueError, match="capacity must be > 0"):
        rules.load_ratio(intensity, season, capacity=0.0)
    with pytest.raises(ValueError, match="capacity must be > 0 everywhere"):
        rules.load_ratio(intensity, season, capacity=np.array([[1.0], [-1.0]]))


def test_queue_delay_factor():
    rho = np.array([0.0, 0.3, 0.7, 0.95, 1.5, 2.5, 4.0])
    f = rules.queue_delay_factor(rho)
    assert f[0] == 1.0 and (np.diff(f) >= 0).all()
    assert f[-1] == f[-2]  # capped at max_load
    assert np.allclose(rules.queue_delay_factor([0.5, 1.0, 2.0]), [1.15, 4.0, 13.0])
    steeper = rules.queue_delay_factor(rho, coefficient=0.6)
    assert np.allclose(steeper - 1.0, 2.0 * (f - 1.0))
    lower_cap = rules.queue_delay_factor(rho, max_load=1.0)
    assert lower_cap[-1] == lower_cap[rho.tolist().index(1.5)]
    for bad in ([-0.1], [np.nan], [np.inf]):
        with pytest.raises(ValueError, match="load_ratio must be finite and >= 0"):
            rules.queue_delay_factor(bad)


def test_service_rules_bundle_the_worlds_defaults():
    r = rules.ServiceRules()
    assert r == ServiceParams().rules
    assert r.season == rules.SEASON and r.backlog_days == rules.BACKLOG_DAYS
    assert np.array_equal(r.queue_delay_factor([0.5, 3.0]), rules.queue_delay_factor([0.5, 3.0]))
    odd = ServiceParams(queue_coefficient=0.6, weather_load=1.0).rules
    assert odd.queue_coefficient == 0.6 and odd.weather_load == 1.0
    with pytest.raises(ValueError, match="ServiceRules.queue_min_slack must be a number > 0"):
        rules.ServiceRules(queue_min_slack=0.0)
    with pytest.raises(ValueError, match="ServiceRules.weather_load must be >= 0"):
        rules.ServiceRules(weather_load=-1.0)
    with pytest.raises(ValueError, match="season must be 12"):
        rules.ServiceRules(season=(1.0, 2.0))
