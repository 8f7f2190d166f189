"""How sure is a prediction? Intervals for each customer's P(alive), purchases and CLV.

A fitted model's predictions inherit the uncertainty of its parameters. Three ways to
carry it over, all on the model's own data:

* :func:`parameter_draws` with ``method="bootstrap"``: resample the customers with
  replacement and refit, ``n_draws`` times (a fit on resampled *unique rows*: each refit
  changes only the weights of the rows and starts from the estimate, so a thousand refits
  of BG/NBD on CDNOW take seconds);
* ``method="asymptotic"``: draw parameters from the normal approximation of the
  estimator on the log scale (the covariance behind ``bse``; covariate coefficients on
  their own scale), with no refits at all;
* :func:`delta_interval`: the delta method on the logit (P(alive)) or log scale, from a
  numerical gradient of the prediction; cheapest, symmetric on that scale.

:func:`prediction_interval` evaluates any prediction method of the results (``"p_alive"``,
``"expected_purchases"``, ...) under every draw, on the unique histories only, and
returns intervals normal on the logit or log scale with the draws' spread (percentile
intervals on request: they cover less than they say for these skewed, bounded
predictions); :func:`clv_interval` does the same for
:func:`~crmlab.analytics.clv.customer_lifetime_value`.

The intervals describe what the model does not know about its parameters, not the
randomness of one customer's future: a 95 % interval for ``expected_purchases`` covers
the expectation under the true parameters in about 95 % of samples (measured in the
tests against simulated populations), not 95 % of customers' actual purchases.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from ._base import LOG_BOUND, LikelihoodResults
from ._data import index_of, unique_rows
from .value import customer_lifetime_value

__all__ = ["INTERVALS", "clv_interval", "delta_interval", "parameter_draws",
           "prediction_interval"]

#: How :func:`prediction_interval` and :func:`clv_interval` turn draws into an interval.
INTERVALS = ("normal", "basic", "percentile")


def _check_fitted(results: Any, what: str) -> LikelihoodResults:
    if not isinstance(results, LikelihoodResults):
        raise TypeError(f"{what} needs a crmlab model's results; got {type(results).__name__}")
    if results.model is None or not np.all(np.isfinite(results.cov_params_log.to_numpy())):
        raise ValueError(f"{what} needs a fitted model with standard errors (the results of "
                         ".fit() on data); results from from_params carry no uncertainty")
    return results


def _free(results: LikelihoodResults, theta: np.ndarray) -> np.ndarray:
    """The estimation scale: log of the positive parameters, coefficients as they are
    (the scale of ``cov_params_log``). ``theta`` may hold one row per draw."""
    pos = results._positive
    return np.where(pos, np.log(np.where(pos, theta, 1.0)), theta)


def _natural(results: LikelihoodResults, free: np.ndarray) -> np.ndarray:
    """Natural parameters from the estimation scale (inverse of :func:`_free`)."""
    pos = results._positive
    return np.where(pos, np.exp(np.where(pos, free, 0.0)), free)


def _rng(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def parameter_draws(results: Any, n_draws: int = 200, *, method: str = "bootstrap",
                    random_state: Any = 0) -> pd.DataFrame:
    """Draws of the parameters that reflect how well the data pin them down.

    Parameters
    ----------
    results : fitted results of any crmlab likelihood model
    n_draws : int, default=200
        Number of draws.
    method : {"bootstrap", "asymptotic"}, default="bootstrap"
        ``"bootstrap"``: refit on customers resampled with replacement (each row's count
        drawn from a multinomial over the unique rows), warm-started at the estimate.
        ``"asymptotic"``: draw from the normal approximation of the log-parameters.
    random_state : int, Generator or None, default=0
        Seed (the draws are reproducible by default).

    Returns
    -------
    DataFrame
        One row per draw, one column per parameter. ``attrs["failed"]`` counts bootstrap
        refits that did not converge (dropped).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 39, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> draws = clv.uncertainty.parameter_draws(bg, 50)
    >>> draws.shape
    (50, 4)
    """
    res = _check_fitted(results, "parameter_draws")
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 2:
        raise ValueError(f"n_draws must be a whole number >= 2; got {n_draws!r}")
    rng = _rng(random_state)
    names = list(res.params.index)
    log_theta = _free(res, res.params.to_numpy())
    if method == "asymptotic":
        draws = rng.multivariate_normal(log_theta, res.cov_params_log.to_numpy(), n_draws,
                                        method="cholesky")
        return pd.DataFrame(_natural(res, draws), columns=names)
    if method != "bootstrap":
        raise ValueError(f"method must be 'bootstrap' or 'asymptotic'; got {method!r}")
    model = res.model
    assert model is not None
    share = model.weights / model.weights.sum()
    counts = rng.multinomial(model.nobs, share, size=n_draws)
    out = np.full((n_draws, len(names)), np.nan)
    boot = copy.copy(model)
    # Newton steps with the full sample's Hessian (a chord method): a resample's optimum
    # is about one standard error away, so a few steps reach it; L-BFGS-B otherwise
    step_matrix = res.cov_params_log.to_numpy() * model.nobs
    for i, w in enumerate(counts):  # one refit per draw; each step is vectorised over rows
        boot.weights = w.astype(np.float64)
        out[i] = _refit(boot, log_theta, step_matrix, res._positive)
    ok = np.isfinite(out).all(axis=1)
    frame = pd.DataFrame(out[ok], columns=names)
    frame.attrs["failed"] = int((~ok).sum())
    return frame


def _refit(model: Any, start: np.ndarray, step_matrix: np.ndarray, positive: np.ndarray,
           gtol: float = 1e-5) -> np.ndarray:
    """The maximum-likelihood estimate on ``model``'s (resampled) weights, natural scale.

    ``start`` is on the estimation scale (log of the ``positive`` parameters, covariate
    coefficients as they are). Converged means what it means for ``fit()``: the largest
    gradient of the mean log-likelihood on that scale is below ``gtol``.
    """
    v = start.copy()
    for _ in range(12):
        f, g = model._objective(v)
        if not np.isfinite(f):
            break
        if np.max(np.abs(g)) < gtol:
            return model._to_theta(v)
        v = v - step_matrix @ g
        if np.any(np.abs(v[positive]) >= LOG_BOUND):
            break
    fit = model._lbfgsb(start, 500)
    ok, _ = model._accept(fit, 1e-5)
    return model._to_theta(fit.x) if ok else np.full(start.size, np.nan)


def _at(results: LikelihoodResults, theta: np.ndarray) -> LikelihoodResults:
    """The same predictions at other parameter values (a light copy, no refit).

    ``theta`` is in ``param_names`` order. Predictions read the parameters through
    ``_params_tuple``, which the copy answers without building a Series per draw.
    """
    other = copy.copy(results)
    values = tuple(float(v) for v in theta)
    other._params_tuple = lambda: values  # type: ignore[method-assign]
    other.params = pd.Series(np.asarray(theta, dtype=np.float64), index=results.params.index,
                             name="params")
    return other


def _rows(results: LikelihoodResults, draws: pd.DataFrame) -> np.ndarray:
    """The draws as an array in the results' parameter order."""
    return draws[list(results.params.index)].to_numpy(dtype=np.float64)


def _unique_args(args: tuple[Any, ...]) -> tuple[list[np.ndarray], np.ndarray | None,
                                                 tuple[int, ...]]:
    """The unique rows of broadcast array arguments (and how to map them back)."""
    arrays = np.broadcast_arrays(*(np.asarray(a.to_numpy() if isinstance(a, pd.Series)
                                              else a, dtype=np.float64) for a in args))
    shape = arrays[0].shape
    if arrays[0].ndim == 0:
        return [a.reshape(1) for a in arrays], None, shape
    uniques, inverse, _ = unique_rows(*(a.ravel() for a in arrays))
    return uniques, inverse, shape


def _evaluate(results: LikelihoodResults, method: str, draws: pd.DataFrame,
              args: tuple[Any, ...], covariates: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, tuple[int, ...]]:
    if not callable(getattr(results, method, None)) or method.startswith("_"):
        raise ValueError(f"{type(results).__name__} has no prediction method {method!r}")
    given = {k: v for k, v in (covariates or {}).items() if v is not None}
    if getattr(results, "has_covariates", False) or given:
        # each customer has parameters of their own: evaluate every customer as given
        # (Series keep their index, by which the fitted customers' covariates are found)
        def call(r: LikelihoodResults) -> np.ndarray:
            return np.asarray(getattr(r, method)(*args, **given), dtype=np.float64)

        first = call(results)
        rest = np.stack([call(_at(results, row)).ravel() for row in _rows(results, draws)])
        return first.ravel(), rest, None, first.shape
    uniques, inverse, shape = _unique_args(args)
    estimate = np.asarray(getattr(results, method)(*uniques), dtype=np.float64)
    values = np.stack([np.asarray(getattr(_at(results, row), method)(*uniques),
                                  dtype=np.float64) for row in _rows(results, draws)])
    return estimate, values, inverse, shape


def _scale_functions(scale: str) -> tuple[Any, Any]:
    if scale not in ("logit", "log"):
        raise ValueError(f"scale must be 'logit' or 'log'; got {scale!r}")
    return (logit, expit) if scale == "logit" else (np.log, np.exp)


def _bounds(estimate: np.ndarray, values: np.ndarray, alpha: float, interval: str,
            scale: str) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of an interval from draws of a prediction (one column each).

    ``"normal"``: ``estimate -+ z * sd`` of the draws on the logit or log ``scale``,
    mapped back; ``"basic"``: the draws' quantiles reflected about the estimate on that
    scale; ``"percentile"``: the draws' quantiles. Predictions at the edge of their range
    on that scale (P(alive) = 1 without repeat purchases) fall back to the percentiles,
    which are then the point itself.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(map(repr, INTERVALS))}; "
                         f"got {interval!r}")
    lower, upper = np.quantile(values, [alpha / 2, 1 - alpha / 2], axis=0)
    if interval != "percentile":
        forward, back = _scale_functions(scale)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            centre, moved = forward(estimate), forward(values)
            if interval == "normal":
                half = stats.norm.ppf(1 - alpha / 2) * np.std(moved, axis=0, ddof=1)
                lo, hi = back(centre - half), back(centre + half)
            else:
                q_lo, q_hi = np.quantile(moved, [alpha / 2, 1 - alpha / 2], axis=0)
                lo, hi = back(2 * centre - q_hi), back(2 * centre - q_lo)
        ok = np.isfinite(centre) & np.isfinite(lo) & np.isfinite(hi)
        lower, upper = np.where(ok, lo, lower), np.where(ok, hi, upper)
    return np.minimum(lower, estimate), np.maximum(upper, estimate)


def _frame(estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray,
           inverse: np.ndarray | None, shape: tuple[int, ...], index: Any) -> pd.DataFrame:
    cols = {}
    for name, v in (("estimate", estimate), ("lower", lower), ("upper", upper)):
        cols[name] = (v[inverse] if inverse is not None else v).reshape(shape or (1,))
    if index is not None and len(index) == cols["estimate"].size:
        return pd.DataFrame(cols, index=index)
    return pd.DataFrame(cols)


def prediction_interval(results: Any, method: str, *args: Any, draws: Any = None,
                        alpha: float = 0.05, n_draws: int = 200,
                        draw_method: str = "bootstrap", random_state: Any = 0,
                        interval: str = "normal", scale: str | None = None,
                        purchase_covariates: Any = None,
                        dropout_covariates: Any = None) -> pd.DataFrame:
    """Interval of a prediction under the parameter draws.

    By default the interval is normal on the logit scale (P(alive)) or the log scale
    (everything else), centred at the estimate, with the draws' standard deviation on
    that scale: like :func:`delta_interval`, with the spread measured by the draws (by
    refits, for bootstrap draws) rather than by a gradient. Percentiles of the draws
    (``interval="percentile"``) cover less than they say for these bounded, skewed
    predictions: 92.5 % for a 95 % bootstrap interval of BG/NBD's P(alive), against
    93.5-93.7 % for the default (``benchmarks/RESULTS.md``).

    Parameters
    ----------
    results : fitted results
    method : str
        A prediction method of ``results``: ``"p_alive"``, ``"expected_purchases"``,
        ``"expected_purchases_new_customer"``, ``"expected_spend"``, ...
    *args
        Its arguments (numbers, arrays or Series of the same length).
    draws : DataFrame, optional
        From :func:`parameter_draws`; drawn here (``n_draws``, ``draw_method``,
        ``random_state``) when not given, so pass them to reuse one set of draws.
    alpha : float, default=0.05
        One minus the coverage.
    interval : {"normal", "basic", "percentile"}, default="normal"
        ``"normal"``: estimate -+ z times the draws' standard deviation on ``scale``;
        ``"basic"``: the draws' quantiles on ``scale`` reflected about the estimate
        (``2 * estimate - q``); ``"percentile"``: the draws' quantiles.
    scale : {"logit", "log"}, optional
        Scale of ``"normal"`` and ``"basic"``; default logit for ``p_alive`` and log for
        everything else (both keep the interval in the prediction's range).
    purchase_covariates, dropout_covariates : DataFrame, optional
        For a model with covariates, as in its prediction methods: not needed when the
        histories are Series indexed by customers the model was fitted on. Every
        customer is then evaluated with their own parameters (no sharing of equal
        histories).

    Returns
    -------
    DataFrame
        ``estimate`` (at the fitted parameters), ``lower`` and ``upper``, one row per
        input row (indexed like a Series argument).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 39, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> iv = clv.uncertainty.prediction_interval(bg, "p_alive", [2, 2], [30, 5], 39,
    ...                                          n_draws=50)
    >>> bool((iv["lower"] <= iv["estimate"]).all() and (iv["estimate"] <= iv["upper"]).all())
    True
    """
    res = _check_fitted(results, "prediction_interval")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (exclusive); got {alpha!r}")
    scale = scale or ("logit" if method == "p_alive" else "log")
    _scale_functions(scale)
    if draws is None:
        draws = parameter_draws(res, n_draws, method=draw_method, random_state=random_state)
    estimate, values, inverse, shape = _evaluate(
        res, method, draws, args, {"purchase_covariates": purchase_covariates,
                                   "dropout_covariates": dropout_covariates})
    lower, upper = _bounds(estimate, values, alpha, interval, scale)
    return _frame(estimate, lower, upper, inverse, shape, index_of(*args))


def delta_interval(results: Any, method: str, *args: Any, alpha: float = 0.05,
                   scale: str | None = None, purchase_covariates: Any = None,
                   dropout_covariates: Any = None) -> pd.DataFrame:
    """Delta-method interval of a prediction, symmetric on the logit or log scale.

    The gradient of the transformed prediction with respect to the log-parameters is
    taken by central differences; its variance is ``g' Cov(log theta) g``.

    Parameters
    ----------
    results : fitted results
    method : str
        As in :func:`prediction_interval`.
    *args
        Its arguments.
    alpha : float, default=0.05
        One minus the coverage.
    scale : {"logit", "log"}, optional
        Scale of the normal approximation; default logit for ``p_alive`` and log for
        everything else (both keep the interval in the prediction's range).
    purchase_covariates, dropout_covariates : DataFrame, optional
        As in :func:`prediction_interval`.

    Returns
    -------
    DataFrame
        ``estimate``, ``lower``, ``upper`` and ``se`` (on the chosen scale).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 39, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> iv = clv.uncertainty.delta_interval(bg, "expected_purchases", 10, [0, 5], [0, 30], 39)
    >>> list(iv.columns)
    ['estimate', 'lower', 'upper', 'se']
    """
    res = _check_fitted(results, "delta_interval")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (exclusive); got {alpha!r}")
    scale = scale or ("logit" if method == "p_alive" else "log")
    forward, back = _scale_functions(scale)
    log_theta = _free(res, res.params.to_numpy())
    names = list(res.params.index)
    h = 1e-5
    steps = pd.DataFrame(_natural(res, np.concatenate([log_theta + h * np.eye(len(names)),
                                                       log_theta - h * np.eye(len(names))])),
                         columns=names)
    estimate, values, inverse, shape = _evaluate(
        res, method, steps, args, {"purchase_covariates": purchase_covariates,
                                   "dropout_covariates": dropout_covariates})
    k = len(names)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = (forward(values[:k]) - forward(values[k:])) / (2 * h)
        se = np.sqrt(np.einsum("iu,ij,ju->u", grad, res.cov_params_log.to_numpy(), grad))
        z = stats.norm.ppf(1 - alpha / 2)
        centre = forward(estimate)
        lower, upper = back(centre - z * se), back(centre + z * se)
    # a prediction at the edge of its range (P(alive) = 1 with no repeat purchase in
    # BG/NBD) does not depend on the parameters: its interval is the point
    edge = ~np.isfinite(centre)
    se = np.where(edge, 0.0, se)
    lower = np.where(edge, estimate, lower)
    upper = np.where(edge, estimate, upper)
    out = _frame(estimate, lower, upper, inverse, shape, index_of(*args))
    out["se"] = (se[inverse] if inverse is not None else se).reshape(len(out))
    return out


def clv_interval(transaction_model: Any, spend_model: Any, data: pd.DataFrame, *,
                 draws: Any = None, alpha: float = 0.05, n_draws: int = 200,
                 draw_method: str = "bootstrap", random_state: Any = 0,
                 interval: str = "normal", **clv_options: Any) -> pd.DataFrame:
    """Interval of each customer's CLV under the purchase model's draws.

    The spend model (or fixed value) is held at its estimate; the purchase model's
    parameters are drawn as in :func:`parameter_draws`.

    Parameters
    ----------
    transaction_model : fitted purchase model results
    spend_model, data, **clv_options
        As in :func:`~crmlab.analytics.clv.customer_lifetime_value`.
    draws, alpha, n_draws, draw_method, random_state, interval
        As in :func:`prediction_interval` (``"normal"`` and ``"basic"`` on the log
        scale).

    Returns
    -------
    DataFrame
        ``estimate``, ``lower`` and ``upper``, indexed like ``data``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> d = clv.simulate_bgnbd(2000, 39, r=0.25, alpha=4, a=0.8, b=2.5, random_state=1)
    >>> bg = clv.BetaGeo(d["frequency"], d["recency"], d["T"]).fit()
    >>> iv = clv.uncertainty.clv_interval(bg, 10.0, d.head(3), n_draws=30, horizon=6)
    >>> iv.shape
    (3, 3)
    """
    res = _check_fitted(transaction_model, "clv_interval")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (exclusive); got {alpha!r}")
    if draws is None:
        draws = parameter_draws(res, n_draws, method=draw_method, random_state=random_state)
    estimate = customer_lifetime_value(res, spend_model, data, **clv_options)
    values = np.stack([customer_lifetime_value(_at(res, row), spend_model, data,
                                               **clv_options).to_numpy()
                       for row in _rows(res, draws)])
    e = estimate.to_numpy()
    lower, upper = _bounds(e, values, alpha, interval, "log")
    return pd.DataFrame({"estimate": e, "lower": lower, "upper": upper}, index=data.index)

