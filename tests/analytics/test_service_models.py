"""Complaint count models find the season and the weather the world put there."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.analytics import service


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
    calm = service.complaint_panel(world.complaints, world.customers, world.weather.iloc[:0])
    assert len(calm) and (calm["weather_days"] == 0).all()  # a history without storms
    with pytest.raises(ValueError, match="family must be"):
        service.fit_complaint_glm(service.complaint_panel(
            world.complaints, world.customers, world.weather), family="gaussian")


def test_dissatisfied_customers_churn_faster(world):
    experience = service.complaint_experience(world.customers, world.complaints)
    assert len(experience) == (world.customers["plan"] == "postpaid").sum()
    assert experience["churned"].sum() == world.customers["churn_date"].notna().sum()
    covariates = ("dissatisfied", "escalated", "complained")
    fit = service.fit_churn_hazard(experience, covariates=covariates)
    assert fit.model.exog_names == list(covariates)  # statsmodels' own names, no extras
    assert not hasattr(fit, "covariate_names")
    low, high = np.exp(fit.conf_int()[0])
    assert low > 1.0 and high < 3.0  # a hazard ratio clearly above one
    with pytest.warns(DeprecationWarning, match=r"pass them by keyword: "
                                                r"fit_churn_hazard\(experience, covariates="):
        old = service.fit_churn_hazard(experience, covariates)
    assert np.array_equal(old.params, fit.params)


def test_churn_hazard_bad_input(world):
    experience = service.complaint_experience(world.customers, world.complaints)
    with pytest.raises(ValueError, match="unknown covariates"):
        service.fit_churn_hazard(experience, covariates=("shoe_size",))
    with pytest.raises(ValueError, match="non-empty sequence of column names"):
        service.fit_churn_hazard(experience, covariates="dissatisfied")
    with pytest.raises(ValueError, match="no customer churned"):
        service.fit_churn_hazard(experience.assign(churned=0))
    prepaid = world.customers[world.customers["plan"] == "prepaid"]
    with pytest.raises(ValueError, match="no postpaid customers"):
        service.complaint_experience(prepaid, world.complaints)
