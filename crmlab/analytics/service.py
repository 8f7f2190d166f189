"""Complaint models: seasonality and weather shocks by province, as count regressions.

The telecom article (seed 001) observes that dissatisfaction varies with the season,
and that in snow storms and floods customers complain that repair engineers come
late. :func:`complaint_panel` turns complaint and weather tables into a
province-by-month panel; :func:`fit_complaint_glm` fits a Poisson or negative-binomial
GLM (statsmodels) with month-of-year and province effects, a weather term, and the
number of customers as exposure::

    log E[complaints] = log(customers) + province + month_of_year + beta * weather_days

``exp(beta)`` is the multiplication of the complaint rate per day of snow or flood in
that province and month.

:func:`complaint_experience` and :func:`fit_churn_hazard` follow the chain from quick
response to loyalty: how long customers waited, how far their case was escalated and
how satisfied they ended up, and how each of these changes the hazard that a
contractual (postpaid) customer leaves — a Cox proportional-hazards model
(statsmodels ``PHReg``).

Examples
--------
>>> import crmlab as crm
>>> w = crm.load_dataset("tiny")
>>> panel = complaint_panel(w.complaints, w.customers, w.weather)
>>> list(panel.columns)
['province', 'month', 'month_of_year', 'complaints', 'customers', 'weather_days']
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._deprecation import keyword_only_after
from ._validation import check_frame_columns, check_times

__all__ = ["complaint_experience", "complaint_panel", "fit_churn_hazard", "fit_complaint_glm"]


def complaint_panel(complaints: pd.DataFrame, customers: pd.DataFrame,
                    weather: pd.DataFrame, *, category: str | None = None) -> pd.DataFrame:
    """Complaints, customers and weather days per province and calendar month.

    Parameters
    ----------
    complaints : DataFrame
        Columns ``province``, ``opened_at`` (and ``category`` to filter).
    customers : DataFrame
        Columns ``province``, ``signup_date``, ``churn_date`` (exposure: customers who
        were customers at some time in the month; prepaid customers count until the
        end, as the company cannot see them leave).
    weather : DataFrame
        Columns ``province``, ``start_date``, ``end_date``.
    category : str, optional
        Keep only complaints of this category (e.g. ``"repair_delay"``).

    Returns
    -------
    DataFrame
        One row per province and month: ``complaints``, ``customers``,
        ``weather_days`` (days of snow or flood), ``month_of_year``.
    """
    check_frame_columns(complaints, ["province", "opened_at",
                                     None if category is None else "category"],
                        "complaints", if_empty="need at least one complaint")
    check_frame_columns(customers, ["province", "signup_date", "churn_date"], "customers",
                        if_empty="need at least one customer")
    check_frame_columns(weather, ["province", "start_date", "end_date"], "weather",
                        if_empty=None)  # a history without storms is a history
    check_times(complaints["opened_at"], "opened_at")
    if category is not None:
        known = set(complaints["category"].astype(str).unique())
        if category not in known:
            raise ValueError(f"category {category!r} not found; complaints have "
                             f"{sorted(known)}")
        complaints = complaints[complaints["category"].astype(str) == category]

    start = customers["signup_date"].min().to_period("M")
    end = max(complaints["opened_at"].max(), customers["signup_date"].max()).to_period("M")
    months = pd.period_range(start, end, freq="M")
    provinces = pd.Index(sorted(customers["province"].astype(str).unique()), name="province")
    grid = pd.MultiIndex.from_product([provinces, months], names=["province", "month"])

    counts = complaints.groupby([complaints["province"].astype(str),
                                 complaints["opened_at"].dt.to_period("M")]).size()
    counts.index.names = ["province", "month"]

    # exposure: customers active at some time in each month, by province (vectorised)
    month_start = months.to_timestamp().to_numpy()
    prov = customers["province"].astype(str).to_numpy()
    joined = np.searchsorted(month_start, customers["signup_date"].to_numpy(), side="right") - 1
    churn = customers["churn_date"].to_numpy()
    left = np.where(pd.isna(churn), len(months),
                    np.searchsorted(month_start, churn, side="right"))
    change = pd.DataFrame({"province": np.r_[prov, prov],
                           "pos": np.r_[joined, left],
                           "delta": np.r_[np.ones(len(prov)), -np.ones(len(prov))]})
    change = change[change["pos"] < len(months)]
    steps = change.groupby(["province", "pos"])["delta"].sum().unstack(fill_value=0.0)
    steps = steps.reindex(index=provinces, columns=range(len(months)), fill_value=0.0)
    active = steps.cumsum(axis=1)
    active.columns = months

    # weather days per province and month
    w = weather.assign(province=weather["province"].astype(str))
    length = (w["end_date"] - w["start_date"]).dt.days.to_numpy() + 1
    days = pd.DataFrame({
        "province": np.repeat(w["province"].to_numpy(), length),
        "day": np.repeat(w["start_date"].to_numpy(), length)
        + pd.to_timedelta(np.concatenate([np.arange(k) for k in length]) if len(length)
                          else np.empty(0), unit="D"),
    })
    weather_days = days.groupby([days["province"], days["day"].dt.to_period("M")]).size()
    weather_days.index.names = ["province", "month"]

    panel = pd.DataFrame(index=grid).reset_index()
    panel["month_of_year"] = panel["month"].dt.month
    panel["complaints"] = counts.reindex(grid, fill_value=0).to_numpy()
    panel["customers"] = active.stack().reindex(grid).to_numpy()
    panel["weather_days"] = weather_days.reindex(grid, fill_value=0).to_numpy()
    panel = panel[panel["customers"] > 0].reset_index(drop=True)
    return panel[["province", "month", "month_of_year", "complaints", "customers",
                  "weather_days"]]


def fit_complaint_glm(panel: pd.DataFrame, *, family: str = "poisson"):
    """Fit the complaint count model on a :func:`complaint_panel`.

    Parameters
    ----------
    panel : DataFrame
        From :func:`complaint_panel`.
    family : {"poisson", "negbin"}, default="poisson"
        ``negbin`` allows for overdispersion (its alpha is estimated by statsmodels'
        ``NegativeBinomial`` count model).

    Returns
    -------
    statsmodels results
        With named ``params`` (``weather_days``, ``month_of_year[T.k]``,
        ``province[T.name]``, ``Intercept``), ``bse``, ``conf_int()``, ``summary()``.
    """
    import statsmodels.formula.api as smf

    check_frame_columns(panel, ["complaints", "customers", "weather_days", "month_of_year",
                                "province"], "panel", if_empty="need at least one month",
                        hint="build it with complaint_panel()")
    if family not in ("poisson", "negbin"):
        raise ValueError(f"family must be 'poisson' or 'negbin'; got {family!r}")
    if panel["complaints"].sum() == 0:
        raise ValueError("the panel has no complaints to model")
    data = panel.assign(province=panel["province"].astype(str),
                        log_customers=np.log(panel["customers"].astype(float)))
    formula = "complaints ~ C(month_of_year) + province + weather_days"
    if family == "poisson":
        import statsmodels.api as sm

        model = smf.glm(formula, data, family=sm.families.Poisson(),
                        offset=data["log_customers"])
        return model.fit()
    model = smf.negativebinomial(formula, data, offset=data["log_customers"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit(disp=False, maxiter=200)
    if result.params["alpha"] < 1e-4:
        warnings.warn(
            "negative binomial alpha is ~0: these counts show no overdispersion, so the "
            "Poisson model fits as well and its standard errors are reliable "
            "(the negative binomial's are not at this boundary)", RuntimeWarning,
            stacklevel=2)
    elif not result.mle_retvals.get("converged", True):
        raise RuntimeError("the negative binomial fit did not converge; try family='poisson' "
                           "or aggregate the panel (e.g. fewer provinces)")
    else:
        for w in caught:  # pass on anything else statsmodels said
            warnings.warn(str(w.message), w.category, stacklevel=2)
    return result


def complaint_experience(customers: pd.DataFrame, complaints: pd.DataFrame) -> pd.DataFrame:
    """Tenure, churn and service experience of each postpaid customer.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``plan``, ``signup_date``, ``churn_date``, ``status``.
    complaints : DataFrame
        ``customer_id``, ``first_response_hours``, ``escalation_level``,
        ``satisfaction``.

    Returns
    -------
    DataFrame
        Indexed by customer: ``tenure_days`` (to churn, or to the last day of data),
        ``churned`` (1 if the contract ended), ``complaints``, ``max_wait_hours``,
        ``escalated`` (reached level 1 or higher), ``dissatisfied`` (some complaint
        rated 1 or 2). Customers who were won back count from sign-up to their final
        churn, if any.
    """
    check_frame_columns(customers, ["customer_id", "plan", "signup_date", "churn_date"],
                        "customers", if_empty="need at least one customer")
    check_frame_columns(complaints, ["customer_id", "first_response_hours",
                                     "escalation_level", "satisfaction"], "complaints",
                        if_empty="need at least one complaint")
    post = customers[customers["plan"].astype(str) == "postpaid"].set_index("customer_id")
    if post.empty:
        raise ValueError("customers has no postpaid customers: churn is observed only for "
                         "contracts")
    last_day = max(post["signup_date"].max(), post["churn_date"].max(),
                   complaints["opened_at"].max() if "opened_at" in complaints else
                   post["signup_date"].max())
    end = post["churn_date"].fillna(last_day)
    c = complaints[complaints["customer_id"].isin(post.index)]
    g = c.groupby("customer_id", observed=True)
    out = pd.DataFrame({
        "tenure_days": (end - post["signup_date"]).dt.total_seconds() / 86_400.0,
        "churned": post["churn_date"].notna().astype(int),
        "complaints": g.size().reindex(post.index, fill_value=0),
        "max_wait_hours": g["first_response_hours"].max().reindex(post.index, fill_value=0.0),
        "escalated": (g["escalation_level"].max().reindex(post.index, fill_value=0) >= 1
                      ).astype(int),
        "dissatisfied": (g["satisfaction"].min().reindex(post.index, fill_value=5) <= 2
                         ).astype(int),
    })
    return out[out["tenure_days"] > 0]


@keyword_only_after("experience")
def fit_churn_hazard(experience: pd.DataFrame, *,
                     covariates: Sequence[str] = ("dissatisfied", "escalated", "complained")):
    """Cox proportional-hazards model of contract churn on service experience.

    Parameters
    ----------
    experience : DataFrame
        From :func:`complaint_experience`.
    covariates : sequence of str, keyword-only
        Columns of ``experience``; ``"complained"`` is derived (any complaint) and
        ``"log_wait"`` is ``log1p(max_wait_hours)``.

    Returns
    -------
    statsmodels ``PHRegResults``
        ``np.exp(result.params)`` are hazard ratios, in the order of ``covariates``,
        whose names are statsmodels' own ``result.model.exog_names`` (and label the
        rows of ``result.summary()``).

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> experience = complaint_experience(w.customers, w.complaints)
    >>> cox = fit_churn_hazard(experience, covariates=["dissatisfied", "complained"])
    >>> cox.model.exog_names, len(cox.params)
    (['dissatisfied', 'complained'], 2)
    """
    from statsmodels.duration.hazard_regression import PHReg

    check_frame_columns(experience, ["tenure_days", "churned", "complaints",
                                     "max_wait_hours"], "experience",
                        if_empty="need at least one postpaid customer",
                        hint="build it with complaint_experience()")
    if isinstance(covariates, str) or len(covariates) == 0:
        raise ValueError(f"covariates must be a non-empty sequence of column names; got "
                         f"{covariates!r}")
    data = experience.assign(complained=(experience["complaints"] > 0).astype(int),
                             log_wait=np.log1p(experience["max_wait_hours"]))
    unknown = [c for c in covariates if c not in data]
    if unknown:
        raise ValueError(f"unknown covariates {unknown}; choose from {list(data.columns)}")
    if data["churned"].sum() == 0:
        raise ValueError("no customer churned: the hazard cannot be estimated")
    # a DataFrame, so that statsmodels names the terms (result.model.exog_names)
    model = PHReg(data["tenure_days"].to_numpy(), data[list(covariates)].astype(float),
                  status=data["churned"].to_numpy())
    return model.fit()
