"""Time-invariant covariates of the purchase models: checking, storing, per-customer effects.

A purchase model with covariates (Pareto/NBD, BG/NBD) takes each process's covariates as
a DataFrame aligned to the customers by index. :func:`check_covariates` turns one into a
float matrix in the customers' order, with an error that names the missing or extra
customers, or the non-numeric or missing (NaN) columns. The coefficients are named
``<process>:<column>`` (``purchase:income``, ``dropout:age``) in ``params``; a customer's
linear predictor for a process is ``eta_i = covariates_i . coefficients``, and the model
scales its parameters with ``exp(-eta_i)`` or ``exp(eta_i)`` (see each model's Notes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PROCESSES", "check_covariates", "coefficient_names", "customer_eta"]

#: The processes covariates act on, as named in arguments and parameter names.
PROCESSES = ("purchase", "dropout")


def _examples(labels: pd.Index) -> str:
    shown = ", ".join(repr(v) for v in labels[:3].tolist())
    return shown + (", ..." if len(labels) > 3 else "")


def check_covariates(covariates: Any, customers: pd.Index | None, n: int, name: str, *,
                     allow_extra: bool = False) -> tuple[np.ndarray, list[str]]:
    """A covariate DataFrame as a float matrix in the customers' order, checked.

    Parameters
    ----------
    covariates : DataFrame
        One row per customer, one numeric column per covariate.
    customers : Index or None
        The customers' ids (the index of the frequency Series). Rows are matched by
        index; None when the customers came as arrays, then rows are taken by position
        and there must be exactly ``n`` of them.
    n : int
        Number of customers.
    name : str
        The argument's name, for error messages (``"purchase_covariates"``).
    allow_extra : bool, default=False
        Accept rows of other customers (ignored), as predictions for some customers do.

    Returns
    -------
    matrix : ndarray
        Shape ``(n, k)``, float.
    columns : list of str
        The column names, as strings.

    Raises
    ------
    TypeError
        If ``covariates`` is not a DataFrame.
    ValueError
        If customers are missing or extra, the index has duplicates, there are no
        columns, a column is not numeric, or a value is NaN or infinite.

    Examples
    --------
    >>> cov = pd.DataFrame({"income": [1.0, 2.0]}, index=["b", "a"])
    >>> check_covariates(cov, pd.Index(["a", "b"]), 2, "purchase_covariates")[0].ravel()
    array([2., 1.])
    >>> check_covariates(cov, pd.Index(["a", "c"]), 2, "purchase_covariates")
    Traceback (most recent call last):
    ...
    ValueError: purchase_covariates must have one row per customer, matched by index: \
1 customer has no row ('c'); 1 row is not a customer ('b')
    """
    if not isinstance(covariates, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame with one row per customer (indexed like "
                        f"the frequency Series) and one numeric column per covariate; got "
                        f"{type(covariates).__name__}")
    if covariates.shape[1] == 0:
        raise ValueError(f"{name} has no columns: give at least one covariate, or None")
    columns = [str(c) for c in covariates.columns]
    if len(set(columns)) != len(columns):
        raise ValueError(f"{name} has duplicate column names: {columns}")
    if customers is None:
        if len(covariates) != n:
            raise ValueError(f"{name} has {len(covariates):,} rows for {n:,} customers; "
                             "customers given as arrays are matched by position (give "
                             "Series to match them by index)")
        frame = covariates
    else:
        if not covariates.index.is_unique:
            dup = covariates.index[covariates.index.duplicated()]
            raise ValueError(f"{name} has several rows for the same customer "
                             f"({_examples(dup.unique())}): give one row per customer")
        lacking = customers[~customers.isin(covariates.index)]
        extra = (covariates.index[:0] if allow_extra
                 else covariates.index[~covariates.index.isin(customers)])
        if len(lacking) or len(extra):
            parts = []
            if len(lacking):
                one = len(lacking) == 1
                parts.append(f"{len(lacking):,} customer{'' if one else 's'} "
                             f"ha{'s' if one else 've'} no row ({_examples(lacking)})")
            if len(extra):
                one = len(extra) == 1
                parts.append(f"{len(extra):,} row{'' if one else 's'} "
                             f"{'is' if one else 'are'} not a customer ({_examples(extra)})")
            raise ValueError(f"{name} must have one row per customer, matched by index: "
                             + "; ".join(parts))
        frame = covariates.reindex(customers)
    bad = [str(c) for c, dt in frame.dtypes.items()
           if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt))]
    if bad:
        raise ValueError(f"{name}: column(s) {', '.join(bad)} are not numeric; encode "
                         "categories as 0/1 columns first (pd.get_dummies(..., "
                         "drop_first=True, dtype=float))")
    matrix = frame.to_numpy(dtype=np.float64)
    finite = np.isfinite(matrix)
    if not finite.all():
        cols = [c for c, ok in zip(columns, finite.all(axis=0), strict=True) if not ok]
        raise ValueError(f"{name}: column(s) {', '.join(cols)} hold NaN or infinite values "
                         f"({int((~finite).sum()):,} in all); fill or drop them first")
    return matrix, columns


def coefficient_names(process: str, columns: list[str]) -> tuple[str, ...]:
    """Parameter names of a process's coefficients: ``<process>:<column>``.

    Examples
    --------
    >>> coefficient_names("purchase", ["income", "age"])
    ('purchase:income', 'purchase:age')
    """
    return tuple(f"{process}:{c}" for c in columns)


def customer_eta(params: pd.Series, process: str, given: Any, stored: pd.DataFrame | None,
                 index: pd.Index | None, n: int, model: str) -> np.ndarray | None:
    """Each customer's linear predictor ``covariates . coefficients`` for ``process``.

    Parameters
    ----------
    params : Series
        The model's parameters; the coefficients are those named ``<process>:<column>``.
    process : {"purchase", "dropout"}
        Which coefficients.
    given : DataFrame or None
        Covariates passed to the prediction (rows by ``index``, or by position).
    stored : DataFrame or None
        The fitted customers' covariates, used when ``given`` is None and ``index``
        names fitted customers.
    index : Index or None
        The customers predicted for (the index of their Series), None for arrays.
    n : int
        Number of customers predicted for.
    model : str
        The model's name, for error messages.

    Returns
    -------
    ndarray or None
        Shape ``(n,)``; None when the model has no coefficients for ``process`` (and
        none were given).

    Examples
    --------
    >>> p = pd.Series({"r": 1.0, "purchase:x": 0.5})
    >>> customer_eta(p, "purchase", pd.DataFrame({"x": [2.0]}), None, None, 1, "m")
    array([1.])
    """
    prefix = f"{process}:"
    names = [k for k in params.index if k.startswith(prefix)]
    arg = f"{process}_covariates"
    if not names:
        if given is not None:
            raise ValueError(f"{arg} given, but {model} has no {process} covariates "
                             "(fit the model with them to use them)")
        return None
    columns = [k[len(prefix):] for k in names]
    if given is None:
        if stored is None or index is None or not index.isin(stored.index).all():
            raise ValueError(
                f"{model} has {process} covariates ({', '.join(columns)}): pass {arg}= (a "
                "DataFrame with these columns, one row per customer), or give the "
                "customers' histories as Series indexed by the fitted customers' ids")
        given = stored
    if not isinstance(given, pd.DataFrame):
        raise TypeError(f"{arg} must be a DataFrame; got {type(given).__name__}")
    missing = [c for c in columns if c not in [str(v) for v in given.columns]]
    if missing:
        raise ValueError(f"{arg} lacks the column(s) {', '.join(missing)} of {model}'s "
                         f"{process} coefficients")
    frame = given.rename(columns=str)[columns]
    if index is not None and given is stored:
        frame = frame.loc[index]
        index = None
    matrix, _ = check_covariates(frame, index, n, arg, allow_extra=True)
    return matrix @ params[names].to_numpy()
