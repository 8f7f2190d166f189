"""Complaint count models find the season and the weather the world put there."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def test_negbin_keeps_quiet_about_search_steps_it_left_behind():
    # with weather every day, the optimiser's line search tries extreme dispersions and
    # numpy warns of overflow there; the fit converges to finite estimates, so nothing
    # reaches the student
    import warnings

    import crmlab as crm

    w = crm.make_world("tiny", seed=1, weather_events_per_year=365)
    panel = service.complaint_panel(w.complaints, w.customers, w.weather)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = service.fit_complaint_glm(panel, family="negbin")
    assert fit.mle_retvals["converged"] and np.isfinite(fit.bse).all()
    assert [str(x.message) for x in caught] == []


def test_a_real_warning_still_reaches_the_student():
    import warnings

    class Fit:
        params = np.array([1.0, np.nan])
        bse = np.array([0.1, 0.2])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        warnings.warn("the Hessian is not invertible", RuntimeWarning, stacklevel=1)
    noise, other = caught
    assert not service._harmless_search_step(noise, Fit())  # estimates are not finite
    Fit.params = np.array([1.0, 2.0])
    assert service._harmless_search_step(noise, Fit())
    assert not service._harmless_search_step(other, Fit())


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


def _reference_intervals(customers, complaints, first_left, recent_days=30.0):
    """The counting-process rows built the plain way, one customer at a time (a test
    reference on a few customers, not a code path)."""
    end = max(customers["signup_date"].max(), customers["churn_date"].max(),
              complaints["opened_at"].max(), customers["winback_date"].max())
    rows = []
    day = pd.Timedelta(days=1)
    for c in customers.itertuples():
        own = complaints[complaints["customer_id"] == c.customer_id].sort_values("opened_at")
        t = ((own["opened_at"] - c.signup_date) / day).to_numpy()
        stop = ((c.churn_date if pd.notna(c.churn_date) else end) - c.signup_date) / day
        spells = [(0.0, stop, int(pd.notna(c.churn_date)))]
        if pd.notna(c.winback_date):
            first = (first_left[c.customer_id] - c.signup_date) / day
            spells = [(0.0, first, 1), ((c.winback_date - c.signup_date) / day, stop,
                                        int(pd.notna(c.churn_date)))]
        bad = own["satisfaction"].to_numpy() <= 2
        for lo, hi, died in spells:
            cuts = sorted({lo, hi, *[x for x in t if lo < x < hi],
                           *[x + recent_days for x in t[bad] if lo < x + recent_days < hi]})
            for a, b in zip(cuts[:-1], cuts[1:], strict=True):
                seen = t <= a
                rows.append({
                    "customer_id": c.customer_id, "start": a, "stop": b,
                    "churned": int(died and b == hi), "complaints": int(seen.sum()),
                    "dissatisfied": int((bad & seen).any()),
                    "dissatisfied_recent": int((bad & seen & (t + recent_days > a)).any()),
                    "escalated": int((own["escalation_level"].to_numpy()[seen] >= 1).any()),
                    "executive": int((own["escalation_level"].to_numpy()[seen] == 3).any()),
                    "max_wait_hours": float(own["first_response_hours"].to_numpy()[seen]
                                            .max(initial=0.0))})
    return pd.DataFrame(rows)


def test_churn_intervals_match_the_plain_construction(world):
    post = world.customers[world.customers["plan"] == "postpaid"]
    complainers = post[post["customer_id"].isin(world.complaints["customer_id"])]
    chosen = pd.concat([complainers.head(150), post[post["winback_date"].notna()],
                        post[~post["customer_id"].isin(complainers["customer_id"])].head(30)]
                       ).drop_duplicates("customer_id")
    ours = service.churn_intervals(chosen, world.complaints, interactions=world.interactions,
                                   end=max(chosen["signup_date"].max(),
                                           chosen["churn_date"].max(),
                                           world.complaints["opened_at"].max(),
                                           chosen["winback_date"].max()))
    churns = world.interactions[world.interactions["purpose"] == "churn"]
    reference = _reference_intervals(chosen, world.complaints,
                                     churns.groupby("customer_id")["timestamp"].min())
    ours = ours.sort_values(["customer_id", "start"]).reset_index(drop=True)
    reference = reference.sort_values(["customer_id", "start"]).reset_index(drop=True)
    assert len(ours) == len(reference) > len(chosen)
    pd.testing.assert_frame_equal(ours[reference.columns], reference, check_dtype=False,
                                  atol=1e-9, rtol=0)
    assert (ours["log_wait"] == np.log1p(ours["max_wait_hours"])).all()
    assert (ours["complained"] == (ours["complaints"] > 0)).all()


def test_intervals_tile_each_customers_time_at_risk(world):
    iv = service.churn_intervals(world.customers, world.complaints,
                                 interactions=world.interactions)
    post = world.customers[world.customers["plan"] == "postpaid"]
    assert set(iv["customer_id"]) == set(post["customer_id"])
    assert (iv["stop"] > iv["start"]).all()
    g = iv.groupby("customer_id")
    assert (g["start"].min() == 0).all()
    # one churn per departure: the final churns and won-back customers' first departures
    assert iv["churned"].sum() == post["churn_date"].notna().sum() \
        + post["winback_date"].notna().sum()
    # contiguous except where a won-back customer was away
    gaps = (iv["start"] - g["stop"].shift()).dropna()
    away = iv.loc[gaps.index[gaps > 1e-9], "customer_id"]
    assert set(away) == set(post.loc[post["winback_date"].notna(), "customer_id"])
    # "so far" flags never switch off; the counts never fall
    for flag in ("complaints", "dissatisfied", "escalated", "executive", "max_wait_hours"):
        assert (g[flag].diff().dropna() >= 0).all(), flag


def test_an_earlier_end_censors_what_comes_after(world):
    end = pd.Timestamp("2024-06-30")
    iv = service.churn_intervals(world.customers, world.complaints,
                                 interactions=world.interactions, end=end)
    post = world.customers[(world.customers["plan"] == "postpaid")
                           & (world.customers["signup_date"] < end)]
    signup = iv["customer_id"].map(post.set_index("customer_id")["signup_date"])
    assert (signup + pd.to_timedelta(iv["stop"], unit="D") <= end + pd.Timedelta("1s")).all()
    before = post["churn_date"] <= end
    assert iv["churned"].sum() >= before.sum()  # plus first departures before the end


def test_splitting_the_time_at_risk_does_not_change_the_cox_fit(world):
    """Entry times are handled right: cutting each customer's time into pieces with
    the same covariate leaves the partial likelihood, and so the fit, unchanged."""
    from statsmodels.duration.hazard_regression import PHReg

    experience = service.complaint_experience(world.customers, world.complaints)
    whole = PHReg(experience["tenure_days"].to_numpy(),
                  experience[["dissatisfied"]].astype(float),
                  status=experience["churned"].to_numpy()).fit()
    rng = np.random.default_rng(3)
    cut = experience["tenure_days"].to_numpy() * rng.uniform(0.1, 0.9, len(experience))
    pieces = pd.DataFrame({
        "start": np.r_[np.zeros(len(cut)), cut],
        "stop": np.r_[cut, experience["tenure_days"].to_numpy()],
        "churned": np.r_[np.zeros(len(cut), int), experience["churned"].to_numpy()],
        "dissatisfied": np.r_[experience["dissatisfied"], experience["dissatisfied"]]})
    split = service.fit_churn_hazard(pieces, covariates=["dissatisfied"])
    np.testing.assert_allclose(split.params, whole.params, rtol=1e-7)
    np.testing.assert_allclose(split.bse, whole.bse, rtol=1e-6)


def _hazard(w, covariates):
    iv = service.churn_intervals(w.customers, w.complaints, interactions=w.interactions)
    return iv, service.fit_churn_hazard(iv, covariates=covariates)


def _complaint_churns(w):
    """Departures the truth attributes to a very dissatisfied complaint (postpaid)."""
    t = w.truth.customers
    post = t["customer_id"].isin(w.customers.loc[w.customers["plan"] == "postpaid",
                                                 "customer_id"])
    return int(((t["churn_cause"] == "dissatisfied_complainer") & post).sum()
               + t["won_back"].sum())


@pytest.mark.parametrize("kwargs", [{"seed": 1}, {"seed": 7, "locale": "fa_IR"}])
def test_hazard_recovers_the_churn_the_world_built_in(kwargs):
    """The world makes a share of very dissatisfied complainers leave within a month.
    The excess churn the model puts in that month (the exposed departures times
    1 - 1/HR) is the number of departures the truth says bad complaints caused."""
    import crmlab as crm

    w = crm.make_world("classroom", **kwargs)
    iv, fit = _hazard(w, ["dissatisfied_recent"])
    hr = float(np.exp(fit.params[0]))
    assert np.exp(fit.conf_int()[0][0]) > 5
    exposed = iv.loc[iv["dissatisfied_recent"] == 1, "churned"].sum()
    truth = _complaint_churns(w)
    assert truth > 50
    assert abs(exposed * (1 - 1 / hr) - truth) < 0.15 * truth


def test_without_churn_after_bad_complaints_the_effect_vanishes():
    import crmlab as crm
    from crmlab.world.params import ChurnParams

    w = crm.make_world("classroom", seed=1, churn=ChurnParams(after_bad_complaint=0.0,
                                                              after_silent_failure=0.0))
    assert _complaint_churns(w) == 0
    _, fit = _hazard(w, ["dissatisfied_recent", "complained"])
    low, high = np.exp(fit.conf_int()).T
    assert (low < 1).all() and (high > 1).all()  # no effect found where none was built


def test_whole_tenure_flags_make_complainers_look_loyal(world):
    """The bias the counting process removes: on one row per customer, complaining
    looks protective; with covariates as of each moment it does not."""
    from statsmodels.duration.hazard_regression import PHReg

    experience = service.complaint_experience(world.customers, world.complaints)
    naive = PHReg(experience["tenure_days"].to_numpy(),
                  (experience[["complaints"]] > 0).astype(float),
                  status=experience["churned"].to_numpy()).fit()
    assert np.exp(naive.conf_int()[0][1]) < 0.6
    _, fit = _hazard(world, ["dissatisfied", "escalated", "complained"])
    assert fit.model.exog_names == ["dissatisfied", "escalated", "complained"]
    low, high = np.exp(fit.conf_int()).T
    assert low[0] > 1.5  # a very dissatisfied complaint so far: faster churn
    assert low[2] < 1 < high[2]  # having complained, as such: no evidence either way


def test_churn_hazard_keeps_its_old_positional_call(world):
    iv = service.churn_intervals(world.customers, world.complaints)
    fit = service.fit_churn_hazard(iv, covariates=("dissatisfied", "complained"))
    assert not hasattr(fit, "covariate_names")
    with pytest.warns(DeprecationWarning, match=r"pass them by keyword: "
                                                r"fit_churn_hazard\(intervals, covariates="):
        old = service.fit_churn_hazard(iv, ("dissatisfied", "complained"))
    assert np.array_equal(old.params, fit.params)


def test_churn_hazard_bad_input(world):
    iv = service.churn_intervals(world.customers, world.complaints)
    with pytest.raises(ValueError, match="unknown covariates"):
        service.fit_churn_hazard(iv, covariates=("shoe_size",))
    with pytest.raises(ValueError, match="non-empty sequence of column names"):
        service.fit_churn_hazard(iv, covariates="dissatisfied")
    with pytest.raises(ValueError, match="no customer churned"):
        service.fit_churn_hazard(iv.assign(churned=0))
    with pytest.raises(ValueError, match="take a single value"):
        service.fit_churn_hazard(iv.assign(executive=0), covariates=["executive"])
    experience = service.complaint_experience(world.customers, world.complaints)
    with pytest.raises(ValueError, match="immortal-time bias"):
        service.fit_churn_hazard(experience)
    with pytest.raises(ValueError, match="recent_days must be"):
        service.churn_intervals(world.customers, world.complaints, recent_days=0)
    prepaid = world.customers[world.customers["plan"] == "prepaid"]
    with pytest.raises(ValueError, match="no postpaid customers"):
        service.complaint_experience(prepaid, world.complaints)
    with pytest.raises(ValueError, match="no postpaid customers"):
        service.churn_intervals(prepaid, world.complaints)
    with pytest.raises(ValueError, match="no 'churn' row"):
        service.churn_intervals(world.customers, world.complaints,
                                interactions=world.interactions.iloc[:0])
