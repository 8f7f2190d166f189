"""Model and results base classes of the customer-base models, in the statsmodels style.

A model holds its data as *unique rows with integer weights* (see
:mod:`crmlab.analytics.clv._data`) and supplies ``_loglike_rows(params) -> (ll, grad)``:
the log-likelihood of every unique row and its analytic gradient with respect to the
natural (positive) parameters. :class:`LikelihoodModel` then

* optimises the mean negative log-likelihood over log-parameters with L-BFGS-B, using the
  analytic gradient (chain rule ``d/dlog(theta) = theta * d/dtheta``); parameters a model
  names in ``_unconstrained`` (covariate coefficients, any real number) are optimised as
  they are, with chain-rule factor 1, and such models first take BHHH steps (Newton
  steps with the outer product of the rows' gradients as the Hessian);
* checks convergence (optimizer success, a small gradient, no parameter run off to its
  bound), retries from another start and with Nelder-Mead, warns with
  :class:`ConvergenceWarning` when only a retry worked and raises :class:`ConvergenceError`
  when nothing did;
* reports a *degenerate* fit, one the data cannot identify, as ``converged=False`` with a
  :class:`ConvergenceWarning` naming the cause: fewer distinct data rows than parameters
  (one customer, identical customers), a parameter run to the edge of the search box
  (the likelihood keeps rising without limit), or a Hessian that is not negative definite
  at the optimum (a flat direction). Its parameters are where the optimizer stopped;
  predictions from them are not estimates;
* estimates the covariance from the Hessian of the log-likelihood in log-parameter space,
  taken by forward differences of the analytic gradient, and maps it to the natural scale
  with the delta method (``cov(theta) = diag(theta) cov(log theta) diag(theta)``, the
  factor being 1 for an unconstrained parameter);
* returns the model's :class:`LikelihoodResults` subclass with ``params``, ``bse``,
  ``llf``, ``aic``, ``bic``, ``nobs``, ``conf_int()``, ``summary()`` and the predictions;
  ``Model.from_params(**params)`` builds the same results object from given parameters,
  without data.

:class:`TransactionModel` and :class:`TransactionResults` add what every purchase model
on frequency / recency / T shares (BG/NBD, Pareto/NBD): the data reduction, the starting
values' ingredients and the prediction methods, each model supplying its formulas.

statsmodels' ``GenericLikelihoodModel`` offers the same surface but works per observation
and differentiates numerically; here a fit costs a few hundred microseconds per
evaluation on a few thousand unique rows, however many customers they stand for.
"""

from __future__ import annotations

import html
import numbers
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import expit

from .._validation import check_rfm
from ._covariates import PROCESSES, check_covariates, coefficient_names, customer_eta
from ._data import (
    UNIT_NAMES,
    align_series,
    broadcast_float,
    check_time_label,
    check_weights,
    data_unit,
    horizon_in,
    index_of,
    rfm_for_prediction,
    split_unique_x,
    unique_rows,
    wrap,
)

__all__ = ["LOG_BOUND", "ConvergenceError", "ConvergenceWarning", "LikelihoodModel",
           "LikelihoodResults", "Summary", "TransactionModel", "TransactionResults"]

#: Log-parameters are kept inside these bounds; a parameter that ends on one has run away.
LOG_BOUND = 30.0

ResultsT = TypeVar("ResultsT", bound="LikelihoodResults")


def check_param_values(names: Sequence[str], unconstrained: Sequence[str],
                       params: Any) -> np.ndarray:
    """Parameter values as a float array in ``names`` order, checked.

    Every value must be finite, and positive unless its name is in ``unconstrained``
    (covariate coefficients may be any real number). A Series is read by name.

    Examples
    --------
    >>> check_param_values(("r", "purchase:x"), ("purchase:x",), [0.5, -1.0]).tolist()
    [0.5, -1.0]
    """
    names = tuple(names)
    if isinstance(params, pd.Series):
        params = params.reindex(list(names)).to_numpy()
    p = np.asarray(params, dtype=np.float64)
    if p.shape != (len(names),):
        raise ValueError(f"params must hold {len(names)} values {names}; got shape {p.shape}")
    pos = np.array([n not in unconstrained for n in names], dtype=bool)
    if not np.all(np.isfinite(p) & ((p > 0) | ~pos)):
        bad = {n: v for n, v, q in zip(names, p.tolist(), pos, strict=True)
               if not np.isfinite(v) or (q and v <= 0)}
        what = ("must all be positive and finite" if not unconstrained else
                f"must be finite, and positive except {', '.join(unconstrained)}")
        raise ValueError(f"params {dict(zip(names, p.tolist(), strict=True))} {what} "
                         f"(wrong: {', '.join(bad)})")
    return p


class ConvergenceError(RuntimeError):
    """The optimizer did not find a maximum of the likelihood (after retries).

    Examples
    --------
    >>> issubclass(ConvergenceError, RuntimeError)
    True
    """


class ConvergenceWarning(UserWarning):
    """The fit converged only on a retry, or is degenerate (``converged=False``).

    The message names the cause: the retry that worked, or why the data do not identify
    the parameters (too few distinct rows, a parameter at the edge of the search box, a
    singular Hessian).

    Examples
    --------
    >>> issubclass(ConvergenceWarning, UserWarning)
    True
    """


@dataclass
class Summary:
    """A printable fit summary: ``str()`` gives text, notebooks show HTML.

    Examples
    --------
    >>> s = Summary("Demo", [("Customers", "10")], pd.DataFrame({"coef": [1.0]}, index=["r"]))
    >>> "Demo" in str(s) and "<table" in s._repr_html_()
    True
    """

    title: str
    info: list[tuple[str, str]]
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        width = max(60, len(self.title) + 4)
        lines = [self.title.center(width), "=" * width]
        key_w = max((len(k) for k, _ in self.info), default=0)
        lines += [f"{k:<{key_w}}  {v}" for k, v in self.info]
        lines.append("-" * width)
        lines.append(self.table.to_string(float_format=lambda v: f"{v:.4g}"))
        lines.append("=" * width)
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        info = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in self.info)
        notes = "".join(f"<p><em>Note:</em> {html.escape(n)}</p>" for n in self.notes)
        return (f"<div><h4>{html.escape(self.title)}</h4><table>{info}</table>"
                f"{self.table.to_html(float_format=lambda v: f'{v:.4g}')}{notes}</div>")


class LikelihoodModel(Generic[ResultsT]):
    """Base of the customer-base models: unique rows, weights, log-scale L-BFGS-B fit.

    Subclasses set ``param_names``, store their unique rows with
    :meth:`_keep_unique_rows` in ``__init__``, and implement ``_loglike_rows`` and
    ``_default_start``. Their results class names them
    (``class BetaGeoResults(TransactionResults, model=BetaGeo)``); ``fit()`` and
    ``from_params()`` return it (the type parameter ``ResultsT``).

    Examples
    --------
    >>> LikelihoodModel.param_names
    ()
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    #: Parameters that may be any real number (covariate coefficients): optimised as they
    #: are, not as logs. A model with covariates sets it (and ``param_names``) per instance.
    _unconstrained: tuple[str, ...] = ()
    #: Prefixes of the names of unconstrained parameters ``from_params`` accepts beyond
    #: ``param_names`` (``"purchase"`` for ``purchase:<column>``).
    _covariate_prefixes: ClassVar[tuple[str, ...]] = ()
    #: Set by the results class: ``class XResults(LikelihoodResults, model=X)``.
    _results: ClassVar[type[LikelihoodResults] | None] = None
    #: Whether the model's data and parameters are in a time unit (the purchase models).
    _has_time_unit: ClassVar[bool] = False
    #: The time unit of the data ("D", "W", "M"), None when not known.
    unit: str | None = None
    weights: np.ndarray
    nobs: int
    _inverse: np.ndarray

    # -- to be supplied by subclasses ---------------------------------------------------
    def _loglike_rows(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log-likelihood of each unique row and its gradient (rows x params)."""
        raise NotImplementedError

    def _default_start(self) -> np.ndarray:
        raise NotImplementedError

    def _alternative_start(self) -> np.ndarray:
        return np.ones(len(self.param_names))

    @classmethod
    def _results_class(cls) -> type[ResultsT]:
        if cls._results is None:
            raise TypeError(f"{cls.__name__} has no results class; declare one with "
                            f"class {cls.__name__}Results(LikelihoodResults, "
                            f"model={cls.__name__})")
        return cls._results  # type: ignore[return-value]

    # -- data ---------------------------------------------------------------------------
    def _keep_unique_rows(self, weights: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
        """Reduce ``columns`` to their unique rows; set ``weights``, ``nobs``, ``_inverse``.

        ``weights`` are the customers each input row stands for (from
        :func:`~crmlab.analytics.clv._data.check_weights`); the model's ``weights`` are
        their sums per unique row. Returns the unique rows, one array per column.
        """
        uniques, self._inverse, counts = unique_rows(*columns)
        self.weights = np.bincount(self._inverse, weights=weights, minlength=counts.size)
        self.nobs = int(weights.sum())
        return uniques

    # -- parameters without a fit -----------------------------------------------------------
    @classmethod
    def from_params(cls, *, unit: str | None = None, **params: float) -> ResultsT:
        """The results object for given parameter values, without data and without fitting.

        Every prediction method works as after :meth:`fit`; there is no fit, so ``llf``,
        ``aic`` and ``bic`` are NaN, ``bse`` and ``conf_int()`` are NaN, ``nobs`` is 0,
        ``converged`` is False and ``model`` is None.

        Parameters
        ----------
        unit : {"D", "W", "M"}, optional
            The time unit of the parameters (``alpha``, ``beta``) of a purchase model
            (BetaGeo, ParetoNBD): data labelled in another unit are then refused, and
            period names and durations are converted (see
            :meth:`TransactionResults.expected_purchases`). Without it the model takes
            numbers as they come. Not for models without a time unit.
        **params : float
            One positive, finite number for each name in ``param_names``.

        Returns
        -------
        LikelihoodResults
            The model's results class.

        Raises
        ------
        ValueError
            If a name is missing or not a parameter of the model, or a value is not
            positive and finite.
        TypeError
            If a value is not a real number.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> bg = clv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(bg.expected_purchases(39, 2, 30.43, 38.86), 3)  # FHL 2005a, CDNOW: 1.226
        1.226
        >>> clv.BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, unit="W").unit
        'W'
        >>> clv.BetaGeo.from_params(r=0.24, alpha=4.4, a=0.79)
        Traceback (most recent call last):
        ...
        ValueError: BetaGeo.from_params needs exactly the parameters r, alpha, a, b; missing: b
        """
        where = f"{cls.__name__}.from_params"
        if unit is not None:
            if not cls._has_time_unit:
                raise ValueError(f"{where}: unit= is for the purchase models (BetaGeo, "
                                 f"ParetoNBD); {cls.__name__} has no time unit")
            unit = data_unit({}, unit)
        extra = [k for k in params if k not in cls.param_names
                 and k.partition(":")[0] in cls._covariate_prefixes and k.partition(":")[2]]
        names = tuple(cls.param_names) + tuple(extra)
        unknown = [k for k in params if k not in names]
        missing = [k for k in cls.param_names if k not in params]
        if unknown or missing:
            got = "; ".join(f"{what}: {', '.join(names)}" for what, names in
                            (("unknown", unknown), ("missing", missing)) if names)
            hint = ""
            if unknown and cls._covariate_prefixes:
                hint = (" (covariate coefficients are named "
                        + ", ".join(f"{p}:<column>" for p in cls._covariate_prefixes) + ")")
            raise ValueError(f"{where} needs exactly the parameters "
                             f"{', '.join(cls.param_names)}; {got}{hint}")
        for k in names:
            v = params[k]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{where}: {k} must be a number; got {type(v).__name__}")
        theta = check_param_values(names, tuple(extra), [float(params[k]) for k in names])
        return cls._results_class()(None, theta, model_class=cls, unit=unit, names=names,
                                    unconstrained=tuple(extra))

    # -- likelihood -----------------------------------------------------------------------
    def _check_params(self, params: Any) -> np.ndarray:
        return check_param_values(self.param_names, self._unconstrained, params)

    def _positive(self) -> np.ndarray:
        """Boolean mask of the parameters optimised as logs (all but ``_unconstrained``)."""
        return np.array([n not in self._unconstrained for n in self.param_names])

    def _to_theta(self, free: np.ndarray) -> np.ndarray:
        """Natural parameters from the optimisation scale (exp of the positive ones)."""
        if not self._unconstrained:
            return np.exp(free)
        pos = self._positive()
        return np.where(pos, np.exp(np.where(pos, free, 0.0)), free)

    def _to_free(self, theta: np.ndarray) -> np.ndarray:
        """The optimisation scale from natural parameters (log of the positive ones)."""
        if not self._unconstrained:
            return np.log(theta)
        pos = self._positive()
        return np.where(pos, np.log(np.where(pos, theta, 1.0)), theta)

    def loglike(self, params: Any) -> float:
        """Total log-likelihood at ``params`` (natural scale, in ``param_names`` order).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> m = clv.ShiftedBetaGeometric.from_survivors([100, 60, 40])
        >>> round(m.loglike([1.0, 1.0]), 4)
        -107.5056
        """
        ll, _ = self._loglike_rows(self._check_params(params))
        return float(self.weights @ ll)

    def score(self, params: Any) -> np.ndarray:
        """Analytic gradient of :meth:`loglike` with respect to the natural parameters.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> m = clv.ShiftedBetaGeometric.from_survivors([100, 60, 40])
        >>> m.score([1.0, 1.0]).shape
        (2,)
        """
        _, grad = self._loglike_rows(self._check_params(params))
        return self.weights @ grad

    def _objective(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean negative log-likelihood and its gradient over log-parameters (and the
        unconstrained parameters as they are)."""
        theta = self._to_theta(log_params)
        jac = theta if not self._unconstrained else np.where(self._positive(), theta, 1.0)
        with np.errstate(all="ignore"):
            ll, grad = self._loglike_rows(theta)
            f = -(self.weights @ ll) / self.nobs
            if self._unconstrained:
                # a row per customer: einsum beats a threaded BLAS call on a tall matrix
                g = -np.einsum("i,ij->j", self.weights, grad) * jac / self.nobs
            else:
                g = -(self.weights @ grad) * jac / self.nobs
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(log_params)
        return float(f), g

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, start_params: Any = None, *, maxiter: int = 2000,
            gtol: float = 1e-5) -> ResultsT:
        """Maximum-likelihood fit; returns a results object (the model is not changed).

        Parameters
        ----------
        start_params : array-like, optional
            Starting values on the natural scale, in ``param_names`` order (or a Series
            named by parameter).
        maxiter : int, default=2000
            Iteration limit for each optimizer run.
        gtol : float, default=1e-5
            Largest accepted absolute gradient of the mean log-likelihood with respect to
            the log-parameters at the optimum.

        Returns
        -------
        LikelihoodResults
            The model's results class (``BetaGeoResults`` for ``BetaGeo``, ...). Its
            ``converged`` is False, with a :class:`ConvergenceWarning` naming the cause,
            when the data cannot identify the parameters: fewer distinct rows than
            parameters, a parameter run to the edge of the search box, or a Hessian that
            is not negative definite at the optimum.

        Raises
        ------
        ConvergenceError
            If neither L-BFGS-B from two starts nor Nelder-Mead finds a maximum, and the
            data are not degenerate in one of the ways above.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> res = clv.ShiftedBetaGeometric.from_survivors([100, 60, 40]).fit()
        >>> res.converged
        True
        """
        starts = []
        if start_params is not None:
            starts.append(("your start values", self._check_params(start_params)))
        starts.append(("the default start", self._default_start()))
        starts.append(("a second start", self._alternative_start()))
        attempts: list[dict[str, Any]] = []
        best: optimize.OptimizeResult | None = None
        for i, (label, start) in enumerate(starts):
            x0 = self._to_free(start)
            if self._unconstrained:
                x0 = self._bhhh(x0)
            res = self._lbfgsb(x0, maxiter)
            ok, why = self._accept(res, gtol)
            attempts.append({"step": f"L-BFGS-B from {label}", "converged": ok,
                             "message": why, "iterations": int(res.nit), "llf": -res.fun})
            if best is None or (np.isfinite(res.fun) and res.fun < best.fun):
                best = res
            if ok:
                return self._finish(res, attempts, retried=i > 0)
        # Nelder-Mead from the best point so far, then polish with L-BFGS-B.
        assert best is not None
        x0 = np.clip(best.x, -LOG_BOUND + 1, LOG_BOUND - 1)
        if not np.isfinite(best.fun):
            x0 = self._to_free(self._default_start())
        nm = optimize.minimize(lambda v: self._objective(v)[0], x0, method="Nelder-Mead",
                               options={"maxiter": 200 * len(x0) * 10, "xatol": 1e-10,
                                        "fatol": 1e-14})
        res = self._lbfgsb(nm.x, maxiter)
        ok, why = self._accept(res, gtol)
        attempts.append({"step": "Nelder-Mead, then L-BFGS-B", "converged": ok,
                         "message": why, "iterations": int(nm.nit + res.nit), "llf": -res.fun})
        if ok:
            return self._finish(res, attempts, retried=True)
        if np.isfinite(res.fun) and res.fun <= best.fun:
            best = res
        if np.isfinite(best.fun) and self._data_problems(best):
            return self._finish(best, attempts, retried=True)
        steps = "; ".join(f"{a['step']}: {a['message']}" for a in attempts)
        raise ConvergenceError(
            f"{type(self).__name__} did not converge ({steps}). Check the data (are there "
            "enough repeat customers? is time in the unit you expect?), try other start_params, "
            "or a simpler model; a parameter running to its bound usually means the data cannot "
            "identify it (for example no sign of churn in a short window).")

    def _bhhh(self, x0: np.ndarray, max_steps: int = 25) -> np.ndarray:
        """Newton steps with the outer product of the rows' gradients as the Hessian.

        For models with unconstrained parameters (covariates), whose likelihood is
        ill-conditioned enough that L-BFGS-B needs many iterations (each over every
        customer). The rows' analytic gradients come with every evaluation, so
        ``sum_i w_i g_i g_i'`` (Berndt, Hall, Hall & Hausman 1974) costs nothing extra;
        near the optimum it approaches the Hessian, so a few steps (each one evaluation
        when the full step improves the likelihood, halved otherwise) reach a small
        gradient. L-BFGS-B then polishes and checks as for every model. Returns the
        last point that improved the likelihood (``x0`` if none did).
        """
        pos = self._positive()

        def evaluate(v: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
            theta = self._to_theta(v)
            with np.errstate(all="ignore"):
                ll, grad = self._loglike_rows(theta)
                f = float(self.weights @ ll)
                rows = grad * np.where(pos, theta, 1.0)
            if not (np.isfinite(f) and np.all(np.isfinite(rows))):
                return -np.inf, rows, np.zeros(v.size)
            return f, rows, np.einsum("i,ij->j", self.weights, rows)

        v = np.clip(x0, -LOG_BOUND + 1, LOG_BOUND - 1)
        f, rows, g = evaluate(v)
        if not np.isfinite(f):
            return x0
        for _ in range(max_steps):
            if np.max(np.abs(g)) / self.nobs < 1e-9:
                break
            opg = (rows * self.weights[:, None]).T @ rows
            try:
                step = np.linalg.solve(opg, g)
            except np.linalg.LinAlgError:
                break
            for _ in range(30):
                cand = np.clip(v + step, -LOG_BOUND + 1, LOG_BOUND - 1)
                f_new, rows_new, g_new = evaluate(cand)
                if f_new >= f:
                    break
                step = step / 2
            else:
                break
            improved = f_new - f
            v, f, rows, g = cand, f_new, rows_new, g_new
            if improved <= 1e-15 * abs(f):
                break
        return v

    def _lbfgsb(self, x0: np.ndarray, maxiter: int) -> optimize.OptimizeResult:
        bounds = [(-LOG_BOUND, LOG_BOUND)] * len(x0)
        return optimize.minimize(self._objective, x0, jac=True, method="L-BFGS-B",
                                 bounds=bounds,
                                 options={"maxiter": maxiter, "ftol": 1e-14, "gtol": 1e-9,
                                          "maxcor": 20})

    def _accept(self, res: optimize.OptimizeResult, gtol: float) -> tuple[bool, str]:
        msg = str(res.message)
        if not np.isfinite(res.fun):
            return False, "the log-likelihood is not finite at the start or along the way"
        at_bound = np.abs(res.x) >= LOG_BOUND - 1e-6
        if at_bound.any():
            names = [n for n, b in zip(self.param_names, at_bound, strict=True) if b]
            return False, f"parameter(s) {names} ran to the bound exp(+-{LOG_BOUND:g})"
        _, g = self._objective(res.x)
        gmax = float(np.max(np.abs(g)))
        if gmax > gtol:
            return False, f"{msg} (largest gradient {gmax:.2g} > {gtol:g})"
        return True, msg

    def _data_problems(self, res: optimize.OptimizeResult) -> list[str]:
        """Why the data cannot identify the parameters at ``res`` (empty if they can):
        too few distinct rows, parameters at the edge of the search box."""
        problems = []
        k = len(self.param_names)
        rows = int(np.count_nonzero(self.weights))
        if rows < k:
            problems.append(
                f"only {rows} distinct data row{'' if rows == 1 else 's'} ({self.nobs:,} "
                f"customer{'' if self.nobs == 1 else 's'}) for {k} parameters: the data "
                "cannot pin them down (give more, and more varied, customers)")
        at_bound = np.abs(res.x) >= LOG_BOUND - 1e-6
        if at_bound.any():
            names = [n for n, b in zip(self.param_names, at_bound, strict=True) if b]
            problems.append(
                f"parameter{'' if len(names) == 1 else 's'} {', '.join(names)} ran to the "
                f"edge of the search box (exp(+-{LOG_BOUND:g})): the likelihood keeps rising "
                "as it grows or shrinks without limit, so the data do not identify it (for "
                "example no sign of churn in a short window)")
        return problems

    def _finish(self, res: optimize.OptimizeResult, attempts: list[dict[str, Any]],
                retried: bool) -> ResultsT:
        theta = self._to_theta(res.x)
        cov_log, hessian = self._cov_log(res.x)
        problems = self._data_problems(res) + hessian
        name = type(self).__name__
        if problems:
            warnings.warn(f"{name} did not converge to an estimate (converged=False): "
                          + "; ".join(problems) + ". The parameters are where the optimizer "
                          "stopped; do not use them as estimates", ConvergenceWarning,
                          stacklevel=3)
        elif retried:
            steps = "; ".join(f"{a['step']}: {a['message']}" for a in attempts[:-1])
            warnings.warn(f"{name} converged only on a retry "
                          f"({attempts[-1]['step']}); earlier attempts: {steps}",
                          ConvergenceWarning, stacklevel=3)
        return self._results_class()(self, theta, cov_log, attempts=attempts, notes=problems,
                                     problems=problems)

    def _cov_log(self, log_params: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Inverse of minus the Hessian of the total log-likelihood in log-parameters.

        The Hessian is taken by forward differences (step 1e-6 in each log-parameter) of
        the analytic gradient, then symmetrised. Returns the covariance and, when the
        Hessian is not negative definite (NaN covariance), the problem in words.
        """
        k = log_params.size
        h = 1e-6
        g0 = -self._objective(log_params)[1]
        hess = np.empty((k, k))
        for j in range(k):
            step = np.zeros(k)
            step[j] = h
            hess[:, j] = (-self._objective(log_params + step)[1] - g0) / h * self.nobs
        hess = (hess + hess.T) / 2
        try:
            if not np.all(np.isfinite(hess)):
                raise np.linalg.LinAlgError
            chol = np.linalg.cholesky(-hess)
        except np.linalg.LinAlgError:
            msg = ("the Hessian of the log-likelihood is not negative definite at the optimum "
                   "(singular: a direction in which the likelihood is flat), so standard "
                   "errors are not available (NaN): the data do not pin down every parameter")
            return np.full((k, k), np.nan), [msg]
        inv = np.linalg.inv(chol)
        return inv.T @ inv, []


class LikelihoodResults:
    """Results of a maximum-likelihood fit (statsmodels style), or of ``from_params``.

    Parameters
    ----------
    model : LikelihoodModel or None
        The fitted model (holds the data); None for results built with ``from_params``.
    theta : ndarray
        Parameter values on the natural scale, in ``param_names`` order.
    cov_log : ndarray, optional
        Covariance of the log-parameters; NaN when not given.
    attempts : sequence of dict, optional
        The optimizer steps of the fit.
    notes : sequence of str, optional
        Notes shown by :meth:`summary`.
    model_class : type of LikelihoodModel, optional
        The model the parameters belong to; default ``type(model)`` (needed without a
        model).
    unit : {"D", "W", "M"}, optional
        Time unit without a model (``from_params``); a fitted model's own unit otherwise.
    problems : sequence of str, optional
        Why the fit is degenerate (then ``converged`` is False).
    names, unconstrained : sequence of str, optional
        Parameter names and those among them that are not log-transformed (covariate
        coefficients); default the model's (``model_class.param_names`` without one).

    Attributes
    ----------
    model : LikelihoodModel or None
        The fitted model (holds the data), None without a fit.
    params : Series
        Estimates on the natural scale, named.
    bse : Series
        Standard errors (delta method from the log-scale Hessian); NaN without a fit.
    llf : float
        Maximised log-likelihood; NaN without a fit.
    nobs : int
        Number of customers (or observations) the likelihood sums over; 0 without a fit.
    converged : bool
        True for a fitted result whose data identify the parameters; False for a
        degenerate fit (the cause is in ``mle_retvals["problems"]`` and ``summary()``)
        and for one built with ``from_params``. (Failures raise
        :class:`ConvergenceError`.)
    unit : str or None
        The time unit of the data the model was fitted on (``"D"``, ``"W"``, ``"M"``;
        purchase models only), or given to ``from_params``; None when not known.
    mle_retvals : dict
        Optimizer steps taken, with their messages.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> res = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
    >>> list(res.params.index), res.nobs
    (['alpha', 'beta'], 1000)
    """

    _describe: ClassVar[str] = "Maximum-likelihood fit"

    def __init_subclass__(cls, model: type[LikelihoodModel[Any]] | None = None,
                          **kwargs: Any) -> None:
        """``class XResults(LikelihoodResults, model=X)`` makes ``X.fit()`` return it."""
        super().__init_subclass__(**kwargs)
        if model is not None:
            model._results = cls

    def __init__(self, model: LikelihoodModel[Any] | None, theta: np.ndarray,
                 cov_log: np.ndarray | None = None, *, attempts: Sequence[dict[str, Any]] = (),
                 notes: Sequence[str] = (),
                 model_class: type[LikelihoodModel[Any]] | None = None,
                 unit: str | None = None, problems: Sequence[str] = (),
                 names: Sequence[str] | None = None,
                 unconstrained: Sequence[str] | None = None) -> None:
        if model_class is None:
            if model is None:
                raise TypeError("results need the fitted model or, without one, model_class")
            model_class = type(model)
        source: Any = model if model is not None else model_class
        names = list(source.param_names if names is None else names)
        free = tuple(source._unconstrained if unconstrained is None else unconstrained)
        if cov_log is None:
            cov_log = np.full((len(names), len(names)), np.nan)
        self.model = model
        self._model_class = model_class
        self._unconstrained = free
        self._positive = np.array([n not in free for n in names], dtype=bool)
        self.params = pd.Series(theta, index=names, name="params")
        self.cov_params_log = pd.DataFrame(cov_log, index=names, columns=names)
        jac = theta if not free else np.where(self._positive, theta, 1.0)
        cov = cov_log * np.outer(jac, jac)
        self._cov = pd.DataFrame(cov, index=names, columns=names)
        self.bse = pd.Series(np.sqrt(np.diag(cov)), index=names, name="bse")
        self.df_model = len(names)
        self.notes = list(notes)
        self.unit = unit if model is None else model.unit
        if model is None:
            self.nobs = 0
            self.n_unique = 0
            self.llf = float("nan")
            self.converged = False
            self.mle_retvals = {"converged": False, "method": "from_params", "iterations": 0,
                                "message": "built from given parameters, not fitted",
                                "attempts": []}
            return
        self.nobs = int(model.nobs)
        self.n_unique = int(model.weights.size)
        self.llf = float(model.loglike(theta))
        self.converged = not problems
        self.mle_retvals = {"converged": self.converged, "method": attempts[-1]["step"],
                            "iterations": attempts[-1]["iterations"],
                            "message": attempts[-1]["message"], "attempts": list(attempts),
                            "problems": list(problems)}

    @property
    def aic(self) -> float:
        """Akaike information criterion, ``2 k - 2 llf`` (NaN without a fit).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> res = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
        >>> bool(res.aic == 4 - 2 * res.llf)
        True
        """
        return 2.0 * self.df_model - 2.0 * self.llf

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``k log(nobs) - 2 llf`` (NaN without a fit).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> sbg = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653])
        >>> bool(sbg.fit().bic > sbg.fit().aic)
        True
        >>> clv.ShiftedBetaGeometric.from_params(alpha=1, beta=2).bic  # no data, no fit
        nan
        """
        if self.model is None:
            return float("nan")
        return self.df_model * np.log(self.nobs) - 2.0 * self.llf

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the estimates on the natural scale (delta method).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> res = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
        >>> res.cov_params().shape
        (2, 2)
        """
        return self._cov.copy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald confidence intervals, built on the log scale and mapped back.

        The intervals are ``exp(log(theta) -+ z * se(log theta))``, so they stay positive
        and are asymmetric; ``alpha=0.05`` gives 95 % intervals. Covariate coefficients
        (any real number) get symmetric intervals ``coef -+ z * se``.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the coverage.

        Returns
        -------
        DataFrame
            Columns ``lower`` and ``upper``, one row per parameter.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> res = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
        >>> ci = res.conf_int()
        >>> bool((ci["lower"] < res.params).all() and (res.params < ci["upper"]).all())
        True
        """
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1 (exclusive); got {alpha!r}")
        z = stats.norm.ppf(1 - alpha / 2)
        se_log = np.sqrt(np.diag(self.cov_params_log.to_numpy()))
        theta = self.params.to_numpy()
        if not self._unconstrained:
            log_theta = np.log(theta)
            return pd.DataFrame({"lower": np.exp(log_theta - z * se_log),
                                 "upper": np.exp(log_theta + z * se_log)},
                                index=self.params.index)
        pos = self._positive
        free = np.where(pos, np.log(np.where(pos, theta, 1.0)), theta)
        lower, upper = free - z * se_log, free + z * se_log
        return pd.DataFrame({"lower": np.where(pos, np.exp(lower), lower),
                             "upper": np.where(pos, np.exp(upper), upper)},
                            index=self.params.index)

    def summary(self, alpha: float = 0.05) -> Summary:
        """Table of estimates, standard errors and intervals plus fit statistics.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> res = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
        >>> text = str(res.summary())
        >>> "ShiftedBetaGeometric results" in text and "Log-likelihood" in text
        True
        """
        ci = self.conf_int(alpha)
        pct = f"{100 * (1 - alpha):g}%"
        table = pd.DataFrame({"coef": self.params, "std err": self.bse,
                              f"[{pct} lower": ci["lower"], f"{pct} upper]": ci["upper"]})
        name = self._model_class.__name__
        model = ("Model", f"{name} ({self._describe})")
        title = f"{name} results"
        if self.model is None:
            notes = [f"built with {name}.from_params: no data and no fit, so no standard "
                     "errors, intervals, log-likelihood or information criteria"]
            return Summary(title + " (from given parameters)", [model] + self._unit_info(),
                           table, notes)
        info = [model] + self._unit_info() + [
                ("Customers (nobs)", f"{self.nobs:,}"),
                ("Unique rows fitted", f"{self.n_unique:,}"),
                ("Log-likelihood", f"{self.llf:.4f}"),
                ("AIC / BIC", f"{self.aic:.2f} / {self.bic:.2f}"),
                ("Converged", f"{self.converged} ({self.mle_retvals['method']})")]
        notes = self.notes + ["standard errors by the delta method from the Hessian in "
                              "log-parameters; intervals on the log scale"
                              + ("" if not self._unconstrained else
                                 " (covariate coefficients: on their own scale)")]
        return Summary(title, info, table, notes)

    def _unit_info(self) -> list[tuple[str, str]]:
        if not self._model_class._has_time_unit:
            return []
        unit = "not recorded" if self.unit is None else f"{UNIT_NAMES[self.unit]} ({self.unit})"
        return [("Time unit", unit)]

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        if self.model is None:
            return f"<crmlab {type(self).__name__}: from given parameters, {ps}>"
        return (f"<crmlab {type(self).__name__}: {self.nobs:,} customers, {ps}, "
                f"llf={self.llf:.2f}>")

    def _params_tuple(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.params.to_numpy())


class TransactionModel(LikelihoodModel[ResultsT]):
    """Base of the purchase models fitted on frequency, recency and T (BG/NBD, Pareto/NBD).

    Stores the unique ``(frequency, recency, T)`` rows with their weights and the unique
    frequencies (``_xu``, with ``_xinv`` mapping rows to them); a subclass supplies the
    likelihood of a row and its starting values. The arguments (``frequency``,
    ``recency``, ``T``, ``weights``, ``unit``) are described in
    :class:`~crmlab.analytics.clv.BetaGeo`.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> m = clv.BetaGeo([0, 2, 2], [0, 5.0, 5.0], [10, 10, 10])
    >>> m.nobs, m.weights.tolist(), m.unit
    (3, [1.0, 2.0], None)
    """

    _has_time_unit: ClassVar[bool] = True
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray

    #: The fitted customers' covariates per process (``"purchase"``, ``"dropout"``), as
    #: given (aligned to the customers); empty without covariates.
    covariates: dict[str, pd.DataFrame]
    #: The covariates at the unique rows, one ``(rows, k)`` matrix per process.
    _cov_rows: dict[str, np.ndarray]

    def __init__(self, frequency: Any, recency: Any, T: Any, weights: Any = None, *,
                 unit: str | None = None, covariates: dict[str, Any] | None = None) -> None:
        args = align_series(frequency=frequency, recency=recency, T=T, weights=weights)
        self.unit = data_unit({k: args[k] for k in ("frequency", "recency", "T")}, unit,
                              where=f"unit={unit!r}")
        x, tx, age = check_rfm(args["frequency"], args["recency"], args["T"],
                               need_repeaters=True)
        check_time_label("recency", tx, args["recency"])
        check_time_label("T", age, args["T"])
        w = check_weights(args["weights"], x.size)
        if not ((x > 0) & (w > 0)).any():
            raise ValueError("every customer with repeat purchases has weight 0: the model "
                             "cannot be fitted without repeat purchases")
        self.covariates, self._cov_rows = {}, {}
        given = {k: v for k, v in (covariates or {}).items() if v is not None}
        unknown = [k for k in given if k not in type(self)._covariate_prefixes]
        if unknown:
            raise TypeError(f"{type(self).__name__} takes no {', '.join(unknown)} covariates"
                            + (f"; it takes {', '.join(type(self)._covariate_prefixes)}"
                               if type(self)._covariate_prefixes else
                               " (covariates: ParetoNBD and BetaGeo)"))
        if not given:
            self.frequency, self.recency, self.T = self._keep_unique_rows(w, x, tx, age)
            self._xu, self._xinv = split_unique_x(self.frequency)
            return
        customers = index_of(*args.values())
        names: list[str] = []
        mats = []
        for process, frame in given.items():
            mat, columns = check_covariates(frame, customers, x.size, f"{process}_covariates")
            names += coefficient_names(process, columns)
            mats.append(mat)
            self.covariates[process] = pd.DataFrame(
                mat, index=customers if customers is not None else pd.RangeIndex(x.size),
                columns=columns)
        # continuous covariates make most rows unique; equal rows still share one term
        uniq = self._keep_unique_rows(w, x, tx, age, *np.hstack(mats).T)
        self.frequency, self.recency, self.T = uniq[:3]
        start = 3
        for process, mat in zip(given, mats, strict=True):
            k = mat.shape[1]
            self._cov_rows[process] = np.column_stack(uniq[start:start + k])
            start += k
        self._xu, self._xinv = split_unique_x(self.frequency)
        self.param_names = type(self).param_names + tuple(names)  # type: ignore[misc]
        self._unconstrained = tuple(names)

    def _covariate_start(self) -> np.ndarray:
        """Start of a fit with covariates: the model without them, coefficients 0.

        The model without covariates is fitted on every k-th of the (sorted) unique
        rows, at most 5,000 of them (continuous covariates make nearly every customer a
        row of their own, and a start needs no more); where that fit fails, its default
        start is used.
        """
        step = -(-self.weights.size // 5000)
        plain = type(self)(self.frequency[::step], self.recency[::step], self.T[::step],
                           self.weights[::step], unit=self.unit)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                base = plain.fit().params.to_numpy()
        except ConvergenceError:
            base = plain._default_start()
        return np.r_[base, np.zeros(len(self.param_names) - base.size)]

    def _eta_rows(self, params: np.ndarray) -> dict[str, np.ndarray]:
        """Each unique row's linear predictor per process, ``covariates . coefficients``."""
        out, start = {}, len(type(self).param_names)
        for process, mat in self._cov_rows.items():
            k = mat.shape[1]
            out[process] = mat @ params[start:start + k]
            start += k
        return out

    def _mean_T(self) -> float:
        """Mean customer age (1 when every age is 0)."""
        return float(self.weights @ self.T / self.nobs) or 1.0

    def _purchase_rate(self) -> float:
        """Repeat purchases per unit of time, over all customers."""
        return (self.weights @ self.frequency) / max(self.weights @ self.T, 1e-12)


class TransactionResults(LikelihoodResults):
    """Predictions shared by the purchase models; a subclass gives the formulas.

    A subclass implements ``_log_odds_dead(x, tx, age)`` (log of P(dead) / P(alive)),
    ``_expected_array(t, x, tx, age)`` (conditional expected purchases) and
    ``_expected_new_array(t)`` (expected purchases of a new customer), on broadcast
    float arrays; the public methods check the input and keep a Series' index.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> isinstance(clv.BetaGeo.from_params(r=1, alpha=1, a=1, b=1), TransactionResults)
    True
    """

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, age: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _expected_array(self, t: np.ndarray, x: np.ndarray, tx: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _expected_new_array(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _p_alive_array(self, x: np.ndarray, tx: np.ndarray, age: np.ndarray) -> np.ndarray:
        return expit(-self._log_odds_dead(x, tx, age))

    # -- covariates ---------------------------------------------------------------------
    #: While a prediction runs: each customer's linear predictor per process (shaped like
    #: the customers' arrays); empty for a model without covariates.
    _eta: dict[str, np.ndarray] = {}  # replaced per instance, never mutated

    @property
    def has_covariates(self) -> bool:
        """Whether the model has covariate coefficients (``purchase:...``, ``dropout:...``).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> clv.BetaGeo.from_params(r=1, alpha=1, a=1, b=1).has_covariates
        False
        """
        return bool(self._unconstrained)

    @contextmanager
    def _covariates_for(self, index: pd.Index | None, shape: tuple[int, ...],
                        given: dict[str, Any]) -> Iterator[None]:
        """Set ``_eta`` for the customers of one prediction (nothing without covariates).

        ``given`` maps processes to the covariates passed to the prediction (or None);
        without them, a fitted model looks the customers up by ``index`` among those it
        was fitted on. ``shape`` is the customers' arrays' shape: ``(n,)``, or ``(n, 1)``
        for customers down a column against horizons along a row.
        """
        if not self._unconstrained and all(v is None for v in given.values()):
            yield
            return
        n = int(np.prod(shape))
        if len(shape) > 1 and shape[1:] != (1,):
            raise ValueError(f"with covariates, predict for a one-dimensional set of "
                             f"customers; got arrays of shape {shape}")
        stored = self.model.covariates if self.model is not None else {}
        eta = {}
        for process in PROCESSES:
            e = customer_eta(self.params, process, given.get(process), stored.get(process),
                             index, n, type(self).__name__.removesuffix("Results"))
            if e is not None:
                eta[process] = e.reshape(shape)
        self._eta = eta
        try:
            yield
        finally:
            del self._eta

    # -- inputs of the predictions ------------------------------------------------------
    def _where(self) -> str:
        """The model, as unit errors name it (they add its unit themselves)."""
        return f"this {self._model_class.__name__} model"

    def _histories(self, frequency: Any, recency: Any, T: Any,
                   **horizons: Any) -> tuple[pd.Index | None, tuple[np.ndarray, ...],
                                              dict[str, np.ndarray]]:
        """Check customers' histories (and horizons) given to a prediction method.

        Series are paired by index; labelled columns must be in the model's unit and
        hold what their label says; durations are converted to the model's periods.
        Returns the index of the result, ``(x, tx, age)`` and the horizons as floats.
        """
        args = align_series(frequency=frequency, recency=recency, T=T, **horizons)
        unit = data_unit(args, self.unit, where=self._where())
        index = index_of(*args.values())
        x, tx, age = rfm_for_prediction(args["frequency"], args["recency"], args["T"])
        check_time_label("recency", tx, args["recency"])
        check_time_label("T", age, args["T"])
        return index, (x, tx, age), {k: self._horizon(k, args[k], unit) for k in horizons}

    def _horizon(self, name: str, value: Any, unit: str | None = None) -> np.ndarray:
        """A horizon (number, array, Series or duration) in the model's periods."""
        if unit is None:
            unit = data_unit({name: value}, self.unit, where=self._where())
        value = horizon_in(unit, name, value)
        out = broadcast_float(name, value)
        check_time_label(name, out, value, bounded=False)
        return out

    def _horizon_args(self, t: Any, **others: Any) -> tuple[Any, ...]:
        """``(index, t, *others)`` for a prediction of a new customer over horizon ``t``:
        Series paired by index, ``t`` in the model's periods, ``others`` as floats."""
        args = align_series(t=t, **others)
        index = index_of(*args.values())
        return (index, self._horizon("t", args["t"]),
                *(broadcast_float(k, args[k]) for k in others))

    def p_alive(self, frequency: Any, recency: Any, T: Any, *,
                purchase_covariates: Any = None, dropout_covariates: Any = None) -> Any:
        """Probability that a customer is still alive at the end of the window.

        Computed as ``expit`` of minus the model's log-odds of being dead, so customers
        with many purchases or a long silence get finite values (the formula is in the
        model's Notes).

        Parameters
        ----------
        frequency, recency, T : float or array-like
            The customers' histories (broadcast together). Series are paired by their
            index (a Series whose labels differ from the first one's is refused), and
            columns of a summary must be in the model's time unit (:attr:`unit`).
        purchase_covariates, dropout_covariates : DataFrame, optional
            For a model with covariates: the customers' covariates (rows matched to the
            Series' index, or by position for arrays). Not needed when the histories are
            Series indexed by customers the model was fitted on: their own covariates
            are used.

        Returns
        -------
        float, ndarray or Series
            A Series named ``p_alive`` when any input is a Series (with the index of the
            first Series).

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> bg = clv.BetaGeo.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
        >>> bg.p_alive(0, 0, 30)
        1.0
        >>> bool(bg.p_alive(6, 30, 38) > bg.p_alive(6, 5, 38))
        True
        """
        index, (x, tx, age), _ = self._histories(frequency, recency, T)
        with self._covariates_for(index, x.shape, {"purchase": purchase_covariates,
                                                   "dropout": dropout_covariates}):
            out = self._p_alive_array(x, tx, age)
        return wrap(out, index, "p_alive")

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any, *,
                           purchase_covariates: Any = None,
                           dropout_covariates: Any = None) -> Any:
        """Expected repeat purchases in the next ``t`` periods, given a customer's history.

        Parameters
        ----------
        t : float, array-like or duration
            Length of the future window in the model's time unit (that of ``T``), or a
            duration (``pd.Timedelta(weeks=52)``, a Series of timedeltas), converted to
            the model's unit (which must then be known); broadcast with the rest.
        frequency, recency, T : float or array-like
            The customers' histories. Series are paired by their index; columns of a
            summary must be in the model's time unit.
        purchase_covariates, dropout_covariates : DataFrame, optional
            For a model with covariates, as in :meth:`p_alive`.

        Returns
        -------
        float, ndarray or Series
            A Series named ``expected_purchases`` when any input is a Series (with the
            index of the first Series).

        Raises
        ------
        ValueError
            If a Series' labels differ from the others', or a summary's columns are in
            another time unit than the model (or were converted by hand).

        Examples
        --------
        >>> import pandas as pd
        >>> from crmlab.analytics import clv
        >>> pn = clv.ParetoNBD.from_params(r=0.55, alpha=10.58, s=0.61, beta=11.67, unit="W")
        >>> pn.expected_purchases(0, 3, 20, 35)
        0.0
        >>> bool(pn.expected_purchases(10, 6, 30, 38) > pn.expected_purchases(10, 0, 0, 38))
        True
        >>> pn.expected_purchases(pd.Timedelta(weeks=10), 6, 30, 38) == \\
        ...     pn.expected_purchases(10, 6, 30, 38)
        True
        """
        index, (x, tx, age), h = self._histories(frequency, recency, T, t=t)
        with self._covariates_for(index, x.shape, {"purchase": purchase_covariates,
                                                   "dropout": dropout_covariates}):
            out = self._expected_array(h["t"], x, tx, age)
        return wrap(out, index, "expected_purchases")

    def expected_purchases_new_customer(self, t: Any, *, purchase_covariates: Any = None,
                                        dropout_covariates: Any = None) -> Any:
        """Expected repeat purchases by a new customer in ``t`` periods.

        Parameters
        ----------
        t : float, array-like or duration
            Length of the window since the first purchase, in the model's time unit, or
            a duration (converted to that unit, which must then be known).
        purchase_covariates, dropout_covariates : DataFrame, optional
            For a model with covariates: the new customers' covariates, one row per
            value of ``t`` (matched to ``t``'s index when it is a Series).

        Returns
        -------
        float, ndarray or Series
            A Series named ``expected_purchases`` when ``t`` is a Series.

        Examples
        --------
        >>> from crmlab.analytics import clv
        >>> bg = clv.BetaGeo.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
        >>> bg.expected_purchases_new_customer(0)
        0.0
        """
        index, tt = self._horizon_args(t)
        with self._covariates_for(index, tt.shape, {"purchase": purchase_covariates,
                                                    "dropout": dropout_covariates}):
            out = self._expected_new_array(tt)
        return wrap(out, index, "expected_purchases")
