"""Complaint count models find the season and the weather the world put there."""

from __future__ import annotations

import pytest

import crmlab as crm
from crmlab.analytics import service


@pytest.fixture(scope="module")
def world():
    return crm.load_dataset("classroom")


@pytest.fixture(scope="module")
def repair_panel(world):
    return service.complaint_panel(world.complaints, world.customers, world.weather,
                                   category="repair_delay")


def test_panel_accounts_for_every_complaint(world, repair_panel):
    assert repair_panel["complaints"].sum() == (world.complaints["category"]
                                                == "repair_delay").sum()
    assert (repair_panel["customers"] > 0).all()
    assert repair_panel["weather_days"].sum() > 0
    full = service.complaint_panel(world.complaints, world.customers, world.weather)
    assert full["complaints"].sum() == len(world.complaints)


def test_weather_raises_repair_complaints(repair_panel):
    fit = service.fit_complaint_glm(repair_panel)
    low, high = fit.conf_int().loc["weather_days"]
    assert low > 0.05 and high < 0.4


def test_winter_beats_spring(world):
    panel = service.complaint_panel(world.complaints, world.customers, world.weather)
    fit = service.fit_complaint_glm(panel)
    may = fit.params["C(month_of_year)[T.5]"]
    assert may < -0.15  # relative to January
    assert fit.params["C(month_of_year)[T.8]"] > may  # the summer peak


def test_negbin_warns_when_there_is_no_overdispersion(repair_panel):
    with pytest.warns(RuntimeWarning, match="no overdispersion"):
        fit = service.fit_complaint_glm(repair_panel, family="negbin")
    assert fit.params["weather_days"] > 0


def test_bad_input(world):
    with pytest.raises(ValueError, match="category 'snowballs' not found"):
        service.complaint_panel(world.complaints, world.customers, world.weather,
                                category="snowballs")
    with pytest.raises(ValueError, match="column 'opened_at' not found"):
        service.complaint_panel(world.complaints.drop(columns="opened_at"), world.customers,
                                world.weather)
    with pytest.raises(ValueError, match="family must be"):
        service.fit_complaint_glm(service.complaint_panel(
            world.complaints, world.customers, world.weather), family="gaussian")
