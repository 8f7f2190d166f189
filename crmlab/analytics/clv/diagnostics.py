"""How good is a fitted purchase model? The standard checks of Fader, Hardie & Lee.

Each function returns its data (a DataFrame, with test statistics in ``attrs``) and, given
``ax=`` (a matplotlib Axes), also draws it there; what was drawn can be read back with
:func:`crmlab.viz.plotted_data`. The checks follow the figures of Fader, Hardie & Lee
(2005a) on CDNOW:

:func:`repeat_histogram`
    Customers by number of repeat purchases in calibration, actual against the model,
    with a chi-squared goodness-of-fit test (their Figure 2).
:func:`tracking`
    Repeat purchases per period over calibration and holdout, cumulative and
    incremental, actual against the model (their Figures 3 and 4).
:func:`conditional_expectations`
    Mean holdout purchases by calibration frequency, actual against the model's
    conditional expectation (their Figure 5).
:func:`holdout_loglike`
    Log-likelihood of customers that were not used in the fit (cross-validation over
    customers), per customer, against the in-sample value.
:func:`p_alive_history`
    P(alive) of one customer after every period of their history.

The expected histogram needs the model's distribution of repeat purchases: BG/NBD gives
it in closed form (FHL 2005a, eq. 8); for the other models it is the mean of simulations
from the fitted parameters (``n_simulations`` draws of every customer, seeded).

Models with covariates (``purchase:...``, ``dropout:...`` coefficients) are checked with
each customer's own parameters by :func:`tracking`, :func:`conditional_expectations`,
:func:`holdout_loglike` and :func:`p_alive_history` (the fitted customers' covariates by
default, or ``purchase_covariates=`` / ``dropout_covariates=``);
:func:`repeat_histogram` refuses them (its expected counts assume one parameter set).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import FREQ_DAYS, check_frame_columns, check_rfm
from ._base import TransactionResults
from .beta_geo import BetaGeoResults
from .gompertz_nbd import GompertzNBDResults
from .modified_beta_geo import ModifiedBetaGeoResults
from .pareto_nbd import ParetoNBDResults
from .simulate import simulate_bgnbd, simulate_ggom_nbd, simulate_mbgnbd, simulate_pareto_nbd

__all__ = ["conditional_expectations", "holdout_loglike", "p_alive_history",
           "repeat_histogram", "tracking"]

_SIMULATORS = {BetaGeoResults: simulate_bgnbd, ModifiedBetaGeoResults: simulate_mbgnbd,
               ParetoNBDResults: simulate_pareto_nbd, GompertzNBDResults: simulate_ggom_nbd}


def _check_results(results: Any, what: str, covariates: bool = True) -> TransactionResults:
    if not isinstance(results, TransactionResults):
        raise TypeError(f"{what} needs a fitted purchase model on frequency / recency / T "
                        f"(BetaGeo, ModifiedBetaGeo or ParetoNBD results); got "
                        f"{type(results).__name__}")
    if results.has_covariates and not covariates:
        raise ValueError(f"{what} is not available for a model with covariates: its "
                         "expected distribution is for customers without their own "
                         "covariates (tracking, conditional_expectations, holdout_loglike "
                         "and p_alive_history take them)")
    return results


def _covariates_of(results: TransactionResults, customers: pd.Index,
                   given: dict[str, Any]) -> dict[str, Any]:
    """The covariates of ``customers`` per process, by position, as prediction keywords.

    ``given`` maps processes to DataFrames indexed by customer (or None: the fitted
    customers' own covariates are used). Empty for a model without covariates, where a
    DataFrame given is refused by the prediction itself.
    """
    if not results.has_covariates:
        if any(v is not None for v in given.values()):
            raise ValueError(f"covariates given, but this {type(results).__name__} model "
                             "has no covariates (fit it with them to use them)")
        return {}
    stored = results.model.covariates if results.model is not None else {}
    out = {}
    for process in ("purchase", "dropout"):
        if not any(k.startswith(f"{process}:") for k in results.params.index):
            if given.get(process) is not None:
                out[f"{process}_covariates"] = given[process]   # refused by the model
            continue
        frame = given.get(process)
        source = f"{process}_covariates"
        if frame is None:
            frame, source = stored.get(process), f"the fitted customers' {process} covariates"
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"the model has {process} covariates: pass {process}_covariates= "
                             "(a DataFrame indexed by customer)")
        missing = customers[~customers.isin(frame.index)]
        if missing.size:
            raise ValueError(f"{source} lack {missing.size} of the customers (e.g. "
                             f"{list(missing[:3])}); pass {process}_covariates= indexed by "
                             "every customer")
        out[f"{process}_covariates"] = frame.loc[customers].reset_index(drop=True)
    return out


def _draw(ax: Any, data: Any, **labels: str) -> None:
    from ... import viz

    viz._record(ax, data)
    ax.set(**labels)


def _expected_counts(results: TransactionResults, T: np.ndarray, max_x: int, method: str,
                     n_simulations: int, random_state: Any) -> np.ndarray:
    """Expected customers with 0..max_x-1 repeat purchases and with max_x or more."""
    if method == "exact" and not isinstance(results, BetaGeoResults):
        raise ValueError(f"method='exact' needs a closed-form distribution of purchases, "
                         f"which only BG/NBD has here; use method='simulate' for "
                         f"{type(results).__name__}")
    if isinstance(results, BetaGeoResults) and method != "simulate":
        ages, counts = np.unique(T, return_counts=True)
        probs = results.probability_of_n_purchases(ages[:, None], np.arange(max_x)[None, :])
        head = counts @ np.asarray(probs)
        return np.append(head, T.size - head.sum())
    simulate = _SIMULATORS.get(type(results))
    if simulate is None:
        raise TypeError(f"repeat_histogram has no distribution of purchases for "
                        f"{type(results).__name__}")
    rng = np.random.default_rng(random_state)
    draws = simulate(T.size * n_simulations, np.tile(T, n_simulations),
                     **results.params.to_dict(), random_state=rng)
    x = np.minimum(draws["frequency"].to_numpy().astype(np.int64), max_x)
    return np.bincount(x, minlength=max_x + 1) / n_simulations


def repeat_histogram(results: Any, frequency: Any, T: Any, *, max_x: int = 7,
                     method: str = "auto", n_simulations: int = 50, random_state: Any = 0,
                     ax: Any = None) -> pd.DataFrame:
    """Customers by number of repeat purchases: actual against the model, with a chi² test.

    Parameters
    ----------
    results : BetaGeoResults, ModifiedBetaGeoResults or ParetoNBDResults
        A fitted (or ``from_params``) purchase model.
    frequency, T : array-like
        The calibration data the model describes (repeat purchases and ages).
    max_x : int, default=7
        The last bin holds ``max_x`` or more repeat purchases.
    method : {"auto", "exact", "simulate"}, default="auto"
        How the model's histogram is computed: the closed form (BG/NBD only), the mean of
        simulations from the parameters, or the closed form where there is one.
    n_simulations : int, default=50
        Draws of every customer when simulating.
    random_state : int, Generator or None, default=0
        Seed of those draws (the result is reproducible by default).
    ax : matplotlib Axes, optional
        Draw the two histograms side by side there.

    Returns
    -------
    DataFrame
        Indexed by ``repeat_purchases`` (``0 .. max_x``; the last means "or more"), columns
        ``actual`` and ``model``. ``attrs`` holds the chi-squared test: ``chi2``, ``dof``
        (bins with an expected count of at least 5, merged from the top, minus one, minus
        the number of parameters) and ``p_value``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(3000, 39, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> h = clv.diagnostics.repeat_histogram(bg, d["frequency"], d["T"])
    >>> list(h.columns), int(h["actual"].sum())
    (['actual', 'model'], 3000)
    >>> bool(h.attrs["p_value"] > 0.01)  # the model fits its own data
    True
    """
    res = _check_results(results, "repeat_histogram", covariates=False)
    if isinstance(max_x, bool) or not isinstance(max_x, (int, np.integer)) or max_x < 1:
        raise ValueError(f"max_x must be a whole number >= 1; got {max_x!r}")
    if method not in ("auto", "exact", "simulate"):
        raise ValueError(f"method must be 'auto', 'exact' or 'simulate'; got {method!r}")
    x, _, age = check_rfm(frequency, np.zeros(np.size(frequency)), T)
    actual = np.bincount(np.minimum(x.astype(np.int64), max_x), minlength=max_x + 1)
    expected = _expected_counts(res, age, int(max_x), method, n_simulations, random_state)
    out = pd.DataFrame({"actual": actual.astype(np.float64), "model": expected},
                       index=pd.RangeIndex(max_x + 1, name="repeat_purchases"))
    # merge bins from the top until each expected count is at least 5
    obs, exp = list(actual.astype(float)), list(expected)
    while len(exp) > 1 and exp[-1] < 5:
        obs[-2] += obs.pop()
        exp[-2] += exp.pop()
    o, e = np.array(obs), np.array(exp)
    dof = len(e) - 1 - len(res.params)
    chi2 = float(np.sum((o - e) ** 2 / e))
    out.attrs.update(chi2=chi2, dof=int(dof),
                     p_value=float(stats.chi2.sf(chi2, dof)) if dof > 0 else float("nan"))
    if ax is not None:
        out.plot.bar(ax=ax, rot=0)
        _draw(ax, out, title=f"Repeat purchases in calibration (chi² p = "
                             f"{out.attrs['p_value']:.2g})",
              xlabel=f"repeat purchases ({max_x} = {max_x} or more)", ylabel="customers")
    return out


def _period_ordinals(times: pd.Series, freq: str) -> np.ndarray:
    t = pd.to_datetime(times)
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    return t.dt.to_period({"D": "D", "W": "W-SUN", "M": "M"}[freq]).array.asi8


def tracking(results: Any, transactions: pd.DataFrame, *, calibration_end: Any,
             end: Any = None, customer_col: str = "customer_id",
             time_col: str = "timestamp", freq: str = "W", ax: Any = None,
             purchase_covariates: Any = None, dropout_covariates: Any = None
             ) -> pd.DataFrame:
    """Repeat purchases per period, actual against the model, over calibration and holdout.

    The customers are those whose first purchase is on or before ``calibration_end``
    (the cohort the model was fitted on); the model's expectation for a customer who
    first bought in period ``f`` is ``expected_purchases_new_customer(p - f)`` repeat
    purchases by the end of period ``p``, summed over the cohort.

    Parameters
    ----------
    results : fitted purchase model
        Fitted on the calibration summary with the same ``freq``.
    transactions : DataFrame
        The transaction log.
    calibration_end : date-like
        End of calibration (the vertical line of the plot).
    end : date-like, optional
        End of the holdout; default the last transaction.
    customer_col, time_col : str
        Column names.
    freq : {"D", "W", "M"}, default="W"
        The period in which purchases are counted (as ``freq`` of the summary the model
        was fitted on); a model that records another time unit (``unit=``) gets the
        ages converted to it.
    ax : matplotlib Axes, optional
        Draw the cumulative curves there.
    purchase_covariates, dropout_covariates : DataFrame, optional
        For a model with covariates: the cohort's covariates, indexed by customer id;
        by default the fitted customers' own. Each customer's expectation then uses
        their own parameters (one vectorised evaluation per period of age).

    Returns
    -------
    DataFrame
        Indexed by period start (``period``): ``actual`` and ``model`` repeat purchases in
        the period, ``actual_cumulative`` and ``model_cumulative``, and ``holdout``
        (True after ``calibration_end``). ``attrs["holdout_error"]`` is the relative error
        of the model's cumulative purchases at ``end``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from crmlab.analytics import clv
    >>> rng = np.random.default_rng(0)
    >>> days = pd.Timestamp("2025-01-06") + pd.to_timedelta(rng.integers(0, 140, 4000), "D")
    >>> log = pd.DataFrame({"customer_id": rng.integers(0, 800, 4000), "timestamp": days})
    >>> bg = clv.BetaGeo.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
    >>> tr = clv.diagnostics.tracking(bg, log, calibration_end="2025-03-30", freq="W")
    >>> list(tr.columns)
    ['actual', 'model', 'actual_cumulative', 'model_cumulative', 'holdout']
    """
    res = _check_results(results, "tracking")
    given = {"purchase": purchase_covariates, "dropout": dropout_covariates}
    check_frame_columns(transactions, [customer_col, time_col], "transactions")
    if freq not in ("D", "W", "M"):
        raise ValueError(f"freq must be one of 'D', 'W', 'M'; got {freq!r}")
    pcode = {"D": "D", "W": "W-SUN", "M": "M"}[freq]
    cal_p = pd.Period(pd.Timestamp(calibration_end), pcode).ordinal
    per = _period_ordinals(transactions[time_col], freq)
    codes, ids = pd.factorize(transactions[customer_col])
    pairs = np.unique(np.stack([codes, per], axis=1), axis=0)   # one row per buying period
    first = np.full(codes.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, pairs[:, 0], pairs[:, 1])
    cohort = first[pairs[:, 0]] <= cal_p
    end_p = (pd.Period(pd.Timestamp(end), pcode).ordinal if end is not None
             else int(per.max()))
    lo = int(first[first <= cal_p].min())
    periods = np.arange(lo, end_p + 1)
    repeat = pairs[cohort & (pairs[:, 1] > first[pairs[:, 0]]) & (pairs[:, 1] <= end_p)]
    actual = np.bincount(repeat[:, 1] - lo, minlength=periods.size).astype(np.float64)
    # ages are counted in periods of ``freq``; the model may measure time in another unit
    scale = FREQ_DAYS[freq] / FREQ_DAYS[res.unit] if res.unit else 1.0
    if res.has_covariates or any(v is not None for v in given.values()):
        model_cum = _tracking_with_covariates(res, ids, first, cal_p, periods, scale, given)
    else:
        # model: sum over cohorts of size n_f of n_f * E[X(p - f)] at the end of period p
        firsts, sizes = np.unique(first[first <= cal_p], return_counts=True)
        age = periods[:, None] - firsts[None, :]
        cum_new = np.asarray(res.expected_purchases_new_customer(np.maximum(age, 0) * scale))
        model_cum = (np.where(age > 0, cum_new, 0.0) * sizes[None, :]).sum(axis=1)
    index = pd.PeriodIndex.from_ordinals(periods, freq=pcode).start_time
    out = pd.DataFrame({"actual": actual, "model": np.diff(model_cum, prepend=0.0),
                        "actual_cumulative": np.cumsum(actual),
                        "model_cumulative": model_cum, "holdout": periods > cal_p},
                       index=pd.Index(index, name="period"))
    total = out["actual_cumulative"].iloc[-1]
    out.attrs["holdout_error"] = float((out["model_cumulative"].iloc[-1] - total)
                                       / max(total, 1.0))
    if ax is not None:
        out[["actual_cumulative", "model_cumulative"]].plot(ax=ax)
        ax.axvline(pd.Period(pd.Timestamp(calibration_end), pcode).start_time,
                   color="grey", linestyle="--")
        _draw(ax, out, title="Cumulative repeat purchases: actual vs model",
              xlabel="period", ylabel="repeat purchases")
    return out


def _tracking_with_covariates(res: TransactionResults, ids: Any, first: np.ndarray,
                              cal_p: int, periods: np.ndarray, scale: float,
                              given: dict[str, Any]) -> np.ndarray:
    """Expected cumulative repeat purchases of the cohort at the end of each period,
    every customer with their own covariates: the sum over customers of
    ``E[X_i(p - f_i)]``, one vectorised evaluation over customers per age."""
    in_cohort = first <= cal_p
    customers = pd.Index(ids[in_cohort])
    start = first[in_cohort] - periods[0]
    kw = _covariates_of(res, customers, given)
    model_cum = np.zeros(periods.size)
    for age in range(1, periods.size):   # ages, not customers: each call is vectorised
        at = start + age
        keep = at < periods.size
        if not keep.any():
            break
        e = np.asarray(res.expected_purchases_new_customer(
            np.full(customers.size, age * scale), **kw), dtype=np.float64)
        model_cum += np.bincount(at[keep], weights=e[keep], minlength=periods.size)
    return model_cum


def conditional_expectations(results: Any, table: pd.DataFrame, *, max_x: int = 7,
                             ax: Any = None, purchase_covariates: Any = None,
                             dropout_covariates: Any = None) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency, actual against the model.

    Parameters
    ----------
    results : fitted purchase model
    table : DataFrame
        From :func:`~crmlab.analytics.clv.calibration_holdout_split`.
    max_x : int, default=7
        Customers with ``max_x`` or more calibration purchases form the last group.
    ax : matplotlib Axes, optional
        Draw both curves there.
    purchase_covariates, dropout_covariates : DataFrame, optional
        For a model with covariates: the customers' covariates, indexed like ``table``;
        by default the fitted customers' own.

    Returns
    -------
    DataFrame
        Indexed by ``repeat_purchases_cal``: ``customers``, ``actual`` and ``model``
        (mean holdout repeat purchases). ``attrs["mean_absolute_error"]`` weighs groups
        by their customers.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.analytics import clv
    >>> bg = clv.BetaGeo.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
    >>> t = pd.DataFrame({"frequency_cal": [0, 2], "recency_cal": [0, 20.0],
    ...                   "T_cal": [30.0, 30.0], "frequency_holdout": [0, 1],
    ...                   "duration_holdout": [39.0, 39.0]})
    >>> clv.diagnostics.conditional_expectations(bg, t)["customers"].tolist()
    [1, 1]
    """
    res = _check_results(results, "conditional_expectations")
    cols = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    check_frame_columns(table, cols, "table", if_empty="need at least one customer",
                        hint="build it with clv.calibration_holdout_split")
    kw = _covariates_of(res, table.index, {"purchase": purchase_covariates,
                                            "dropout": dropout_covariates})
    model = np.asarray(res.expected_purchases(table["duration_holdout"].to_numpy(),
                                              table["frequency_cal"].to_numpy(),
                                              table["recency_cal"].to_numpy(),
                                              table["T_cal"].to_numpy(), **kw))
    group = np.minimum(table["frequency_cal"].to_numpy(), max_x).astype(np.int64)
    frame = pd.DataFrame({"repeat_purchases_cal": group,
                          "actual": table["frequency_holdout"].to_numpy(dtype=np.float64),
                          "model": model})
    grouped = frame.groupby("repeat_purchases_cal")
    out = grouped[["actual", "model"]].mean()
    out.insert(0, "customers", grouped.size())
    out.attrs["mean_absolute_error"] = float(
        np.average((out["actual"] - out["model"]).abs(), weights=out["customers"]))
    if ax is not None:
        out[["actual", "model"]].plot(ax=ax, marker="o")
        _draw(ax, out, title="Holdout purchases by calibration purchases",
              xlabel=f"repeat purchases in calibration ({max_x} = {max_x} or more)",
              ylabel="mean repeat purchases in holdout")
    return out


def holdout_loglike(results: Any, frequency: Any, recency: Any, T: Any, *,
                    purchase_covariates: Any = None,
                    dropout_covariates: Any = None) -> pd.Series:
    """Log-likelihood of customers that were not used in the fit, against the fit's own.

    Split the customers (not time) into a fitting and a holdout sample, fit on one and
    score the other: a model that fits the noise of its sample scores worse per
    customer on customers it has not seen.

    Parameters
    ----------
    results : fitted purchase model
        Needs the fitted model (``results.model``) for the in-sample value.
    frequency, recency, T : array-like
        The holdout customers.
    purchase_covariates, dropout_covariates : DataFrame, optional
        For a model with covariates (required then): the holdout customers' covariates,
        as the model's constructor takes them.

    Returns
    -------
    Series
        ``holdout_loglike`` (total), ``holdout_per_customer``, ``fit_per_customer`` and
        ``customers``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(4000, 39, r=0.25, alpha=4, a=0.8, b=2.5, random_state=2)
    >>> bg = clv.BetaGeo(d["frequency"][:2000], d["recency"][:2000], d["T"][:2000]).fit()
    >>> ho = clv.diagnostics.holdout_loglike(bg, d["frequency"][2000:], d["recency"][2000:],
    ...                                      d["T"][2000:])
    >>> int(ho["customers"])
    2000
    """
    res = _check_results(results, "holdout_loglike")
    if res.model is None:
        raise ValueError("holdout_loglike needs a fitted model (results of .fit()), not one "
                         "built with from_params: the in-sample log-likelihood is compared")
    given = {k: v for k, v in (("purchase_covariates", purchase_covariates),
                               ("dropout_covariates", dropout_covariates)) if v is not None}
    if res.has_covariates:
        need = [f"{p}_covariates" for p in ("purchase", "dropout")
                if any(k.startswith(f"{p}:") for k in res.params.index)]
        lacking = [k for k in need if k not in given]
        if lacking:
            raise ValueError(f"the model has covariates: pass {' and '.join(lacking)}= for "
                             "the holdout customers")
    other = type(res.model)(frequency, recency, T, **given)
    if list(other.param_names) != list(res.params.index):
        raise ValueError(f"the holdout covariates give the parameters "
                         f"{list(other.param_names)}, the model has {list(res.params.index)}")
    total = other.loglike(res.params.to_numpy())
    return pd.Series({"holdout_loglike": total, "holdout_per_customer": total / other.nobs,
                      "fit_per_customer": res.llf / res.nobs, "customers": other.nobs},
                     name="holdout_loglike")


def p_alive_history(results: Any, purchase_times: Any, *, end: float,
                    step: float = 1.0, ax: Any = None, customer: Any = None,
                    purchase_covariates: Any = None,
                    dropout_covariates: Any = None) -> pd.DataFrame:
    """P(alive) of one customer at the end of every period of their history.

    Parameters
    ----------
    results : fitted purchase model
    purchase_times : array-like
        The customer's purchase times in model periods since their first purchase (the
        first purchase is at 0; several purchases in one period count once, as in the
        summary).
    end : float
        Last time to evaluate (the customer's ``T``).
    step : float, default=1
        Spacing of the evaluation times.
    ax : matplotlib Axes, optional
        Draw P(alive) over time there, with the purchases as marks.
    customer : label, optional
        For a model with covariates: the id of a fitted customer, whose covariates are
        used (or those of ``customer`` in the covariates given).
    purchase_covariates, dropout_covariates : DataFrame, optional
        For a model with covariates: one row (the customer's), or rows indexed by
        customer with ``customer`` naming the row.

    Returns
    -------
    DataFrame
        Indexed by ``time``: ``frequency``, ``recency`` and ``p_alive`` at that time.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> bg = clv.BetaGeo.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
    >>> h = clv.diagnostics.p_alive_history(bg, [0, 3, 5, 6], end=30)
    >>> bool(h["p_alive"].iloc[-1] < h.loc[6.0, "p_alive"])  # a silence lowers P(alive)
    True
    """
    res = _check_results(results, "p_alive_history")
    times = np.unique(np.floor(np.asarray(purchase_times, dtype=np.float64)))
    if times.size == 0 or times[0] != 0 or not np.isfinite(times).all():
        raise ValueError("purchase_times must hold finite times with the first purchase at 0")
    if not (np.isfinite(end) and end >= times[-1]) or not step > 0:
        raise ValueError(f"end must be at least the last purchase time ({times[-1]:g}) and "
                         f"step positive; got end={end!r}, step={step!r}")
    grid = np.arange(0.0, float(end) + step / 2, step)
    seen = np.searchsorted(times, grid, side="right")     # purchases up to each time
    x = (seen - 1).astype(np.float64)
    tx = times[seen - 1]
    given = {"purchase": purchase_covariates, "dropout": dropout_covariates}
    kw = {}
    if res.has_covariates or any(v is not None for v in given.values()):
        if customer is None:
            one = [v for v in given.values() if isinstance(v, pd.DataFrame)]
            if not one or any(len(v) != 1 for v in one):
                raise ValueError("for a model with covariates, name the customer "
                                 "(customer=<id>) or pass their covariates as one-row "
                                 "DataFrames")
            customer = one[0].index[0]
            if any(v.index[0] != customer for v in one):
                raise ValueError("the one-row covariates given name different customers")
        kw = _covariates_of(res, pd.Index([customer]), given)
        kw = {k: v.loc[np.zeros(grid.size, dtype=np.int64)].reset_index(drop=True)
              for k, v in kw.items()}
    out = pd.DataFrame({"frequency": x, "recency": tx,
                        "p_alive": np.asarray(res.p_alive(x, tx, grid, **kw))},
                       index=pd.Index(grid, name="time"))
    if ax is not None:
        ax.plot(out.index, out["p_alive"])
        for t in times[1:]:
            ax.axvline(t, color="grey", linewidth=0.5, linestyle=":")
        ax.set_ylim(0, 1.02)
        _draw(ax, out, title="P(alive) over the customer's history", xlabel="time",
              ylabel="P(alive)")
    return out
