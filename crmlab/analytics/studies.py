"""Reproducible model comparisons: fit, compare on a holdout, fingerprint the results.

A study that others can check needs three things beyond the models themselves: the same
comparison every time (:func:`compare_purchase_models` fits BG/NBD and Pareto/NBD on a
calibration period and scores them on a holdout period), a way to say "these are exactly
the numbers I got" (:func:`results_digest`, a short fingerprint of a results table), and,
on simulated data, a check against the parameters that generated it
(:func:`parameter_recovery`).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"llf": [-1234.56789012], "aic": [2477.1357802]}, index=["BG/NBD"])
>>> results_digest(t) == results_digest(t.copy())
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import clv
from ._validation import check_frame_columns

__all__ = ["PURCHASE_MODELS", "compare_purchase_models", "fit_purchase_models",
           "fit_statistics", "parameter_recovery", "results_digest"]

#: The purchase models :func:`fit_purchase_models` knows, by display name.
PURCHASE_MODELS = {"BG/NBD": clv.BetaGeo, "Pareto/NBD": clv.ParetoNBD}

_CAL = ("frequency_cal", "recency_cal", "T_cal")


def _check_table(table: pd.DataFrame) -> None:
    check_frame_columns(table, [*_CAL, "frequency_holdout", "duration_holdout"], "table",
                        if_empty="need at least one customer",
                        hint="build it with clv.calibration_holdout_split")


def fit_purchase_models(table: pd.DataFrame, models: Sequence[str] = tuple(PURCHASE_MODELS)
                        ) -> dict[str, Any]:
    """Fit purchase models on the calibration columns of a calibration/holdout table.

    Parameters
    ----------
    table : DataFrame
        From :func:`crmlab.analytics.clv.calibration_holdout_split`.
    models : sequence of {"BG/NBD", "Pareto/NBD"}

    Returns
    -------
    dict
        Model name -> fitted results.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> s = clv.simulate_bgnbd(300, 52.0, r=0.5, alpha=8.0, a=0.8, b=2.5, random_state=1)
    >>> t = pd.DataFrame({"frequency_cal": s["frequency"], "recency_cal": s["recency"],
    ...                   "T_cal": s["T"], "frequency_holdout": 0.0, "duration_holdout": 26.0})
    >>> sorted(fit_purchase_models(t))
    ['BG/NBD', 'Pareto/NBD']
    """
    _check_table(table)
    unknown = [m for m in models if m not in PURCHASE_MODELS]
    if unknown or len(models) == 0:
        raise ValueError(f"models must be a non-empty subset of {list(PURCHASE_MODELS)}; "
                         f"got {list(models)}")
    x, tx, T = (table[c] for c in _CAL)
    return {name: PURCHASE_MODELS[name](x, tx, T).fit() for name in models}


def fit_statistics(result: Any) -> pd.Series:
    """A fitted model's parameters and fit statistics as one row of a results table.

    Returns
    -------
    Series
        The parameters, then ``n_params``, ``log_likelihood``, ``aic``, ``bic``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> res = clv.ShiftedBetaGeometric.from_survivors([1000, 869, 743, 653]).fit()
    >>> fit_statistics(res).index.tolist()
    ['alpha', 'beta', 'n_params', 'log_likelihood', 'aic', 'bic']
    """
    row = {k: float(v) for k, v in result.params.items()}
    row.update({"n_params": float(len(result.params)), "log_likelihood": float(result.llf),
                "aic": float(result.aic), "bic": float(result.bic)})
    return pd.Series(row)


def compare_purchase_models(table: pd.DataFrame, fits: Mapping[str, Any] | None = None
                            ) -> pd.DataFrame:
    """Fit statistics and holdout errors of purchase models, one row per model.

    Parameters
    ----------
    table : DataFrame
        From :func:`crmlab.analytics.clv.calibration_holdout_split`.
    fits : mapping of name -> fitted results, optional
        Default: :func:`fit_purchase_models` on ``table``.

    Returns
    -------
    DataFrame
        Indexed by model: its parameters (``r``, ``alpha``, then ``a``, ``b`` or ``s``,
        ``beta``; missing where a model has no such parameter), ``n_params``,
        ``log_likelihood``, ``aic``, ``bic``, ``holdout_actual`` and
        ``holdout_predicted`` (total purchases in the holdout), ``holdout_mae`` and
        ``holdout_rmse`` (per customer).

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> s = clv.simulate_bgnbd(400, 52.0, r=0.5, alpha=8.0, a=0.8, b=2.5, random_state=2)
    >>> t = pd.DataFrame({"frequency_cal": s["frequency"], "recency_cal": s["recency"],
    ...                   "T_cal": s["T"], "frequency_holdout": 1.0, "duration_holdout": 26.0})
    >>> c = compare_purchase_models(t)
    >>> list(c.index), bool((c["aic"] > 0).all())
    (['BG/NBD', 'Pareto/NBD'], True)
    """
    _check_table(table)
    fits = fit_purchase_models(table) if fits is None else fits
    x, tx, T = (table[c] for c in _CAL)
    actual = table["frequency_holdout"].to_numpy(dtype=float)
    rows = {}
    for name, res in fits.items():  # two or three models
        pred = np.asarray(res.expected_purchases(table["duration_holdout"], x, tx, T),
                          dtype=float)
        err = pred - actual
        row = fit_statistics(res).to_dict()
        row.update({"holdout_actual": float(actual.sum()),
                    "holdout_predicted": float(pred.sum()),
                    "holdout_mae": float(np.abs(err).mean()),
                    "holdout_rmse": float(np.sqrt((err ** 2).mean()))})
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    params = [c for c in ("r", "alpha", "a", "b", "s", "beta") if c in out]
    rest = [c for c in out.columns if c not in params]
    return out[params + rest]


def _significant(values: np.ndarray, digits: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(values == 0, 0, np.floor(np.log10(np.abs(values))))
    scale = 10.0 ** (digits - 1 - np.nan_to_num(mag))
    return np.round(values * scale) / scale


def results_digest(table: pd.DataFrame, *, digits: int = 6, length: int = 16) -> str:
    """A short fingerprint of a results table: equal tables give equal fingerprints.

    Numbers are rounded to ``digits`` significant digits first (about what a paper
    reports), so that the fingerprint records the results rather than the last bits of
    floating-point arithmetic, which can differ between processors; labels (index and
    columns) count too.

    Parameters
    ----------
    table : DataFrame
    digits : int, default=6
    length : int, default=16
        Hexadecimal characters kept of the SHA-256 digest.

    Examples
    --------
    >>> a = pd.DataFrame({"llf": [-100.0000001]})
    >>> results_digest(a) == results_digest(pd.DataFrame({"llf": [-100.0]}))
    True
    >>> results_digest(a) == results_digest(pd.DataFrame({"llf": [-100.1]}))
    False
    """
    check_frame_columns(table, [], "table", if_empty=None)
    if not 1 <= digits <= 15:
        raise ValueError(f"digits must be between 1 and 15; got {digits}")
    if not 1 <= length <= 64:
        raise ValueError(f"length must be between 1 and 64; got {length}")
    t = table.copy()
    for col in t.columns:
        if pd.api.types.is_float_dtype(t[col]):
            t[col] = _significant(t[col].to_numpy(dtype=float), digits)
    text = t.to_csv(float_format=f"%.{digits}g", lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def parameter_recovery(result: Any, truth: Mapping[str, float], *, alpha: float = 0.05
                       ) -> pd.DataFrame:
    """Estimates beside the true parameters, with confidence intervals.

    Parameters
    ----------
    result : fitted results (``params`` and ``conf_int()``)
    truth : mapping of parameter name -> true value
    alpha : float, default=0.05
        One minus the interval's coverage.

    Returns
    -------
    DataFrame
        One row per parameter in ``truth``: ``truth``, ``estimate``, ``lower``,
        ``upper``, ``covered`` (the interval contains the truth), ``relative_error``.

    Examples
    --------
    >>> from crmlab.analytics import clv
    >>> s = clv.simulate_bgnbd(3000, 52.0, r=0.5, alpha=8.0, a=0.8, b=2.5, random_state=3)
    >>> fit = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    >>> t = parameter_recovery(fit, {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5})
    >>> list(t.columns)
    ['truth', 'estimate', 'lower', 'upper', 'covered', 'relative_error']
    """
    unknown = [k for k in truth if k not in result.params.index]
    if unknown:
        raise ValueError(f"truth names parameter(s) {unknown} that the model does not have; "
                         f"it has {list(result.params.index)}")
    names = list(truth)
    ci = result.conf_int(alpha).loc[names]
    true = pd.Series(truth, dtype=float)
    est = result.params.loc[names]
    return pd.DataFrame({"truth": true, "estimate": est, "lower": ci["lower"],
                         "upper": ci["upper"],
                         "covered": (ci["lower"] <= true) & (true <= ci["upper"]),
                         "relative_error": est / true - 1.0})
