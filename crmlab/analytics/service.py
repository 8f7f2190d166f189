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

:func:`churn_intervals` and :func:`fit_churn_hazard` follow the chain from quick
response to loyalty: how far a customer's cases were escalated and how satisfied they
ended up, and how each of these changes the hazard that a contractual (postpaid)
customer leaves — a Cox proportional-hazards model (statsmodels ``PHReg``) on
counting-process data. Each customer's time is cut into ``(start, stop]`` intervals at
every complaint, and the covariates of an interval describe only the complaints made
before it ("has complained so far"), so a complaint never explains a departure that
came before it. :func:`complaint_experience` is a one-row-per-customer description of
the same experience over the whole tenure; it is not a model input (see
:func:`fit_churn_hazard` for why).

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
from typing import Any

import numpy as np
import pandas as pd

from ._deprecation import keyword_only_after
from ._validation import check_frame_columns, check_times, check_timestamp

__all__ = ["CHURN_COVARIATES", "churn_intervals", "complaint_experience", "complaint_panel",
           "fit_churn_hazard", "fit_complaint_glm"]

#: The covariates of :func:`churn_intervals`: each describes the complaints a customer
#: opened up to the start of an interval (never later ones).
CHURN_COVARIATES: dict[str, str] = {
    "complaints": "complaints opened so far",
    "complained": "1 once the customer has complained",
    "dissatisfied": "1 once a complaint has ended very dissatisfied (satisfaction 1 or 2)",
    "dissatisfied_recent": "1 during the recent_days after a very dissatisfied complaint",
    "escalated": "1 once a complaint has been escalated (level 1 or higher)",
    "executive": "1 once a complaint has reached an executive (level 3)",
    "max_wait_hours": "longest first-response wait so far, in hours",
    "log_wait": "log1p(max_wait_hours)",
}


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
            if not _harmless_search_step(w, result):
                warnings.warn(str(w.message), w.category, stacklevel=2)
    return result


#: numpy's floating-point warnings: raised while the optimiser tries extreme values
_FLOAT_WARNINGS = ("overflow encountered", "divide by zero encountered",
                   "invalid value encountered", "underflow encountered")


def _harmless_search_step(w: warnings.WarningMessage, result: Any) -> bool:
    """Whether ``w`` is numpy noise from a step the optimiser tried and left.

    The line search of the negative binomial fit tries extreme dispersions on the way,
    and numpy warns about the overflow there; when the fit converged to finite estimates
    with finite standard errors, those steps did not reach the answer and the warning
    would only alarm the student.
    """
    if not issubclass(w.category, RuntimeWarning) or not str(w.message).startswith(
            _FLOAT_WARNINGS):
        return False
    return bool(np.isfinite(result.params).all() and np.isfinite(result.bse).all())


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

    Notes
    -----
    This is a description, not the input of a hazard model: its flags look at the whole
    tenure, so they count complaints made *after* much of the time at risk. A customer
    must stay to complain, so long-lived customers collect complaints and complainers
    seem to leave less (immortal-time bias). :func:`churn_intervals` gives each moment
    only the complaints made before it.
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


def churn_intervals(customers: pd.DataFrame, complaints: pd.DataFrame, *,
                    interactions: pd.DataFrame | None = None, end=None,
                    recent_days: float = 30.0) -> pd.DataFrame:
    """Postpaid customers' time at risk as ``(start, stop]`` intervals with time-varying
    complaint covariates (counting-process data for :func:`fit_churn_hazard`).

    Time is days since the customer's sign-up. Each customer's time is cut at every
    complaint they opened (and ``recent_days`` after every very dissatisfied one), so
    that within an interval the covariates are constant and describe only the
    complaints opened at or before its ``start`` (:data:`CHURN_COVARIATES`). The last
    interval of a contract that ended has ``churned = 1``.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``plan``, ``signup_date``, ``churn_date`` (NaT while a
        customer) and, for won-back customers, ``winback_date``. Only ``postpaid``
        customers are used: a prepaid customer's leaving is never recorded.
    complaints : DataFrame
        ``customer_id``, ``opened_at``, ``first_response_hours``,
        ``escalation_level``, ``satisfaction``.
    interactions : DataFrame, optional
        ``customer_id``, ``timestamp``, ``purpose``: its ``churn`` rows date the first
        departure of customers who were won back, which then counts as a churn, and the
        time they were away is left out. Without it a won-back customer is followed from
        sign-up to their final churn, their first departure unseen.
    end : date, optional
        The last day of the data: contracts still running then are censored there, and
        later churns, complaints and returns are ignored. Default: the latest date in
        the tables.
    recent_days : float, default=30
        Length of the ``dissatisfied_recent`` window (> 0).

    Returns
    -------
    DataFrame
        One row per interval, sorted by customer and ``start``: ``customer_id``,
        ``start``, ``stop`` (days since sign-up), ``churned`` (0/1) and the columns of
        :data:`CHURN_COVARIATES`.

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({"customer_id": ["a", "b"], "plan": "postpaid",
    ...     "signup_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
    ...     "churn_date": pd.to_datetime(["2024-03-01", None])})
    >>> complaints = pd.DataFrame({"customer_id": ["a"],
    ...     "opened_at": pd.to_datetime(["2024-02-01"]), "first_response_hours": [30.0],
    ...     "escalation_level": [1], "satisfaction": [2]})
    >>> iv = churn_intervals(customers, complaints, end="2024-04-10", recent_days=10)
    >>> print(iv[["customer_id", "start", "stop", "churned", "dissatisfied",
    ...           "dissatisfied_recent"]].to_string(index=False))
    customer_id  start  stop  churned  dissatisfied  dissatisfied_recent
              a    0.0  31.0        0             0                    0
              a   31.0  41.0        0             1                    1
              a   41.0  60.0        1             1                    0
              b    0.0 100.0        0             0                    0
    """
    check_frame_columns(customers, ["customer_id", "plan", "signup_date", "churn_date"],
                        "customers", if_empty="need at least one customer")
    check_frame_columns(complaints, ["customer_id", "opened_at", "first_response_hours",
                                     "escalation_level", "satisfaction"], "complaints",
                        if_empty=None)
    if isinstance(recent_days, bool) or not isinstance(recent_days, int | float | np.number) \
            or not np.isfinite(recent_days) or recent_days <= 0:
        raise ValueError(f"recent_days must be a number of days > 0; got {recent_days!r}")
    post = customers[customers["plan"].astype(str) == "postpaid"].reset_index(drop=True)
    if post.empty:
        raise ValueError("customers has no postpaid customers: churn is observed only for "
                         "contracts")
    ids = pd.Index(post["customer_id"].astype(str))
    if ids.has_duplicates:
        raise ValueError("customers has duplicate customer_id values; one row per customer")
    if end is None:
        stamps = [post["signup_date"].max(), post["churn_date"].max(),
                  complaints["opened_at"].max() if len(complaints) else pd.NaT]
        if "winback_date" in post:
            stamps.append(post["winback_date"].max())
        end_ts = max(s for s in stamps if pd.notna(s))
    else:
        end_ts = check_timestamp(end, "end")
    signup = post["signup_date"].to_numpy("datetime64[ns]")
    n = len(post)
    everyone = np.arange(n)

    def since(stamps, who: np.ndarray) -> np.ndarray:
        values = pd.DatetimeIndex(stamps).to_numpy("datetime64[ns]")
        return (values - signup[who]) / np.timedelta64(1, "D")

    horizon = since(np.full(n, end_ts.to_datetime64()), everyone)
    left = since(post["churn_date"], everyone)
    event = ~np.isnan(left) & (left <= horizon)
    stop = np.where(event, left, horizon)

    # won back: the first departure (from interactions) is a churn; the time away is not
    first = np.full(n, np.nan)
    back = np.full(n, np.nan)
    if interactions is not None and "winback_date" in post:
        check_frame_columns(interactions, ["customer_id", "timestamp", "purpose"],
                            "interactions", if_empty=None)
        returned = post["winback_date"].notna().to_numpy()
        departures = interactions.loc[(interactions["purpose"].astype(str) == "churn")
                                      .to_numpy()]
        first_left = departures.groupby(departures["customer_id"].astype(str))[
            "timestamp"].min().reindex(ids)
        unseen = returned & first_left.isna().to_numpy()
        if unseen.any():
            raise ValueError(f"interactions has no 'churn' row for {int(unseen.sum())} "
                             f"won-back customers (e.g. {ids[unseen][0]!r}); pass the "
                             "complete interactions table, or none")
        first = np.where(returned, since(first_left, everyone), np.nan)
        back = np.where(returned, since(post["winback_date"], everyone), np.nan)
        first = np.where(first <= horizon, first, np.nan)  # left after the end: unseen
        back = np.where(~np.isnan(first) & (back < horizon), back, np.nan)
        # away at the end: censored at the first departure's interval, no later spell
        away = ~np.isnan(first) & np.isnan(back)
        stop = np.where(away, first, stop)
        event = np.where(away, True, event)
        first = np.where(away, np.nan, first)
    twice = ~np.isnan(first)
    at_risk = everyone[stop > 0]  # signed up after the end (or left at once): no time

    # what changes at each complaint (and when a recent bad complaint stops being recent)
    c = complaints.loc[complaints["customer_id"].astype(str).isin(ids).to_numpy()]
    who = ids.get_indexer(c["customer_id"].astype(str))
    at = since(c["opened_at"], who)
    keep = (at >= 0) & (at < stop[who])
    who, at, c = who[keep], at[keep], c.loc[keep]
    bad = c["satisfaction"].to_numpy() <= 2
    level = c["escalation_level"].to_numpy()
    nb = int(bad.sum())
    changes = pd.DataFrame({
        "cust": np.r_[who, who[bad]],
        "time": np.r_[at, at[bad] + float(recent_days)],
        "complaints": np.r_[np.ones(len(who)), np.zeros(nb)],
        "dissatisfied": np.r_[bad, np.zeros(nb, bool)].astype(float),
        "escalated": np.r_[level >= 1, np.zeros(nb, bool)].astype(float),
        "executive": np.r_[level == 3, np.zeros(nb, bool)].astype(float),
        "max_wait_hours": np.r_[c["first_response_hours"].to_numpy(dtype=float),
                                np.zeros(nb)],
        "recent": np.r_[bad.astype(float), -np.ones(nb)],
    })
    changes = changes.loc[(changes["time"] < stop[changes["cust"]]).to_numpy()]
    changes = changes.sort_values(["cust", "time"], kind="stable")
    g = changes.groupby("cust", sort=False)
    state = pd.DataFrame({"cust": changes["cust"], "start": changes["time"],
                          "complaints": g["complaints"].cumsum(),
                          "dissatisfied": g["dissatisfied"].cummax(),
                          "escalated": g["escalated"].cummax(),
                          "executive": g["executive"].cummax(),
                          "max_wait_hours": g["max_wait_hours"].cummax(),
                          "recent": g["recent"].cumsum()})
    state = state.drop_duplicates(["cust", "start"], keep="last")

    # the cut points of every customer's time, and the intervals between them
    cuts = pd.DataFrame({
        "cust": np.r_[at_risk, at_risk, state["cust"], everyone[twice], everyone[twice]],
        "start": np.r_[np.zeros(len(at_risk)), stop[at_risk], state["start"], first[twice],
                       back[twice]]})
    cuts = cuts.drop_duplicates().sort_values(["cust", "start"], kind="stable")
    cuts["stop"] = cuts.groupby("cust", sort=False)["start"].shift(-1)
    cuts = cuts.loc[(cuts["stop"] > cuts["start"]).to_numpy()]
    cust = cuts["cust"].to_numpy()
    away = twice[cust] & (cuts["start"].to_numpy() >= first[cust]) \
        & (cuts["stop"].to_numpy() <= back[cust])
    cuts = cuts.loc[~away]
    out = pd.merge_asof(cuts.sort_values("start", kind="stable"),
                        state.sort_values("start", kind="stable"),
                        on="start", by="cust", direction="backward")
    out = out.sort_values(["cust", "start"], kind="stable").reset_index(drop=True)
    filled = out.drop(columns=["cust", "start", "stop"]).fillna(0.0)
    cust = out["cust"].to_numpy()
    ends = out["stop"].to_numpy()
    churned = (event[cust] & (ends == stop[cust])) | (twice[cust] & (ends == first[cust]))
    return pd.DataFrame({
        "customer_id": ids[cust],
        "start": out["start"].to_numpy(),
        "stop": ends,
        "churned": churned.astype(int),
        "complaints": filled["complaints"].to_numpy().astype(int),
        "complained": (filled["complaints"].to_numpy() > 0).astype(int),
        "dissatisfied": filled["dissatisfied"].to_numpy().astype(int),
        "dissatisfied_recent": (filled["recent"].to_numpy() > 0.5).astype(int),
        "escalated": filled["escalated"].to_numpy().astype(int),
        "executive": filled["executive"].to_numpy().astype(int),
        "max_wait_hours": filled["max_wait_hours"].to_numpy(),
        "log_wait": np.log1p(filled["max_wait_hours"].to_numpy()),
    })


@keyword_only_after("intervals")
def fit_churn_hazard(intervals: pd.DataFrame, *,
                     covariates: Sequence[str] = ("dissatisfied", "escalated", "complained")):
    """Cox proportional-hazards model of contract churn with time-varying covariates.

    The model is fitted on counting-process data: each row of ``intervals`` is a
    stretch ``(start, stop]`` of a customer's time at risk with constant covariates,
    entering the risk set at ``start`` (statsmodels ``PHReg`` with ``entry``). A
    customer's covariates at any moment describe only the complaints made before it,
    so the hazard ratio of "has complained so far" compares customers at the same
    tenure, one who has complained and one who has not yet.

    Why not one row per customer? Flags computed over the whole tenure (as in
    :func:`complaint_experience`) let a complaint made in month 20 explain why the
    customer did not leave in month 5: a customer has to stay to complain, so
    complainers look loyal (immortal-time bias), and such a model reports complaints
    as protective when they are not.

    Parameters
    ----------
    intervals : DataFrame
        From :func:`churn_intervals`: ``start``, ``stop``, ``churned`` and the
        covariates.
    covariates : sequence of str, keyword-only
        Columns of ``intervals`` (see :data:`CHURN_COVARIATES`), each taking more than
        one value.

    Returns
    -------
    statsmodels ``PHRegResults``
        ``np.exp(result.params)`` are hazard ratios, in the order of ``covariates``,
        whose names are statsmodels' own ``result.model.exog_names`` (and label the
        rows of ``result.summary()``). Standard errors are the model's (the intervals
        of one customer share no information beyond their covariates).

    Raises
    ------
    ValueError
        If ``intervals`` is a one-row-per-customer table without ``start``/``stop``,
        a covariate is unknown or constant, or nobody churned.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.load_dataset("tiny")
    >>> intervals = churn_intervals(w.customers, w.complaints, interactions=w.interactions)
    >>> cox = fit_churn_hazard(intervals, covariates=["dissatisfied_recent", "complained"])
    >>> cox.model.exog_names, len(cox.params)
    (['dissatisfied_recent', 'complained'], 2)
    """
    from statsmodels.duration.hazard_regression import PHReg

    if isinstance(intervals, pd.DataFrame) and "tenure_days" in intervals \
            and "start" not in intervals:
        raise ValueError(
            "fit_churn_hazard needs (start, stop] intervals from churn_intervals(); got "
            "one row per customer (complaint_experience), whose flags count complaints "
            "made after the time at risk and make complainers look loyal "
            "(immortal-time bias)")
    check_frame_columns(intervals, ["start", "stop", "churned"], "intervals",
                        if_empty="need at least one postpaid customer",
                        hint="build it with churn_intervals()")
    if isinstance(covariates, str) or len(covariates) == 0:
        raise ValueError(f"covariates must be a non-empty sequence of column names; got "
                         f"{covariates!r}")
    known = [c for c in intervals.columns if c not in ("customer_id", "start", "stop",
                                                       "churned")]
    unknown = [c for c in covariates if c not in known]
    if unknown:
        raise ValueError(f"unknown covariates {unknown}; choose from {known}")
    start = intervals["start"].to_numpy(dtype=float)
    stop = intervals["stop"].to_numpy(dtype=float)
    if not (np.isfinite(start).all() and np.isfinite(stop).all()) or (stop <= start).any():
        raise ValueError("intervals must have finite start < stop in every row")
    if intervals["churned"].sum() == 0:
        raise ValueError("no customer churned: the hazard cannot be estimated")
    exog = intervals[list(covariates)].astype(float)
    constant = [c for c in covariates if exog[c].nunique() < 2]
    if constant:
        raise ValueError(f"covariates {constant} take a single value in intervals; a "
                         "hazard ratio needs customers on both sides")
    # a DataFrame, so that statsmodels names the terms (result.model.exog_names)
    model = PHReg(stop, exog, status=intervals["churned"].to_numpy(), entry=start)
    # Newton's first step from zero can overshoot on a strong, rare covariate (a hazard
    # ratio of 15 or more): BFGS finds the neighbourhood, Newton then converges exactly
    rough = model.fit(method="bfgs", disp=False, maxiter=500)
    result = model.fit(method="newton", start_params=rough.params, maxiter=100)
    if not np.isfinite(result.params).all() or not np.isfinite(result.bse).all():
        raise RuntimeError("the Cox model did not converge; drop a covariate that almost "
                           "perfectly predicts churn, or collect more data")
    return result
