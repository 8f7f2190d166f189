"""The data side shared by every customer-base model.

* reducing a model's data to its unique rows with integer weights (:func:`unique_rows`,
  :func:`check_weights`), so a fit costs the number of distinct rows, not customers;
* checking and broadcasting the arguments of prediction methods
  (:func:`broadcast_float`, :func:`rfm_for_prediction`);
* giving predictions back with the index of the input Series (:func:`index_of`,
  :func:`wrap`).

Covariates, when a model gets them, belong in the unique-row key: pass their columns
to :func:`unique_rows` beside frequency, recency and T.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_array

__all__ = ["broadcast_float", "check_weights", "index_of", "rfm_for_prediction",
           "split_unique_x", "unique_rows", "wrap"]


def unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of equally long 1-d columns, with the inverse index and the counts.

    Parameters
    ----------
    *columns : ndarray
        Float columns of the same length.

    Returns
    -------
    uniques : list of ndarray
        One array per column, holding the unique rows (sorted lexicographically).
    inverse : ndarray of int
        ``uniques[j][inverse]`` gives back ``columns[j]``.
    counts : ndarray of int
        How many rows each unique row stands for.

    Examples
    --------
    >>> (u, v), inv, n = unique_rows(np.array([1., 0., 1.]), np.array([2., 0., 2.]))
    >>> u, v, n
    (array([0., 1.]), array([0., 2.]), array([1, 2]))
    """
    order = np.lexsort(columns[::-1])
    size = order.size
    change = np.zeros(size, dtype=bool)
    change[0] = True
    for col in columns:
        s = col[order]
        change[1:] |= s[1:] != s[:-1]
    starts = np.flatnonzero(change)
    group = np.cumsum(change) - 1
    inverse = np.empty(size, dtype=np.intp)
    inverse[order] = group
    counts = np.diff(np.append(starts, size))
    uniques = [col[order[starts]] for col in columns]
    return uniques, inverse, counts


def check_weights(weights: Any, n: int) -> np.ndarray:
    """Customers per row as an integer array (all ones when ``weights`` is None).

    Examples
    --------
    >>> check_weights([2, 0, 1], 3)
    array([2, 0, 1])
    >>> check_weights(None, 2)
    array([1, 1])
    """
    if weights is None:
        return np.ones(n, dtype=np.int64)
    w = as_float_array(weights, "weights")
    if w.size != n:
        raise ValueError(f"weights has {w.size} values but there are {n} customers")
    if (w < 0).any() or (w != np.floor(w)).any():
        raise ValueError("weights must be non-negative whole numbers (customers per row)")
    if w.sum() == 0:
        raise ValueError("weights are all zero: no customers to fit")
    return w.astype(np.int64)


def split_unique_x(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique values of ``x`` and the index of each row's value among them.

    Terms that depend on the frequency alone (gamma functions, digammas) are computed
    once per unique frequency.

    Examples
    --------
    >>> split_unique_x(np.array([2., 0., 2.]))
    (array([0., 2.]), array([1, 0, 1]))
    """
    xu, xinv = np.unique(x, return_inverse=True)
    return xu, xinv.ravel()


def broadcast_float(name: str, value: Any) -> np.ndarray:
    """``value`` as a float array (scalars stay 0-d); raises on NaN or negatives.

    Examples
    --------
    >>> broadcast_float("t", 3)
    array(3.)
    """
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{name} must be a number, array or Series, not a DataFrame")
    arr = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has missing or infinite values")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0")
    return arr


def rfm_for_prediction(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, ...]:
    """Validate and broadcast frequency / recency / T given to a prediction method.

    Examples
    --------
    >>> x, tx, age = rfm_for_prediction([0, 3], [0, 10.0], 20)
    >>> age
    array([20., 20.])
    """
    x = broadcast_float("frequency", frequency)
    tx = broadcast_float("recency", recency)
    age = broadcast_float("T", T)
    x, tx, age = np.broadcast_arrays(x, tx, age)
    if np.any(x != np.floor(x)):
        raise ValueError("frequency must hold whole numbers of repeat purchases")
    if np.any(tx > age):
        raise ValueError("recency is larger than T for some customers; recency is the time "
                         "of the last repeat purchase, T the customer's age")
    if np.any((x == 0) & (tx != 0)):
        raise ValueError("recency must be 0 when frequency == 0")
    return x, tx, age


def index_of(*values: Any) -> pd.Index | None:
    """The index of the first Series among ``values`` (None if there is none).

    Examples
    --------
    >>> index_of(3, pd.Series([1.0], index=[7]))
    Index([7], dtype='int64')
    """
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def wrap(result: np.ndarray, index: pd.Index | None, name: str) -> Any:
    """A prediction as a named Series on ``index`` (when it fits), a float, or an array.

    Examples
    --------
    >>> wrap(np.array([0.5]), pd.Index([7]), "p_alive")
    7    0.5
    Name: p_alive, dtype: float64
    >>> wrap(np.array(0.5), None, "p_alive")
    0.5
    """
    if index is not None and result.ndim == 1 and result.size == len(index):
        return pd.Series(result, index=index, name=name)
    if result.ndim == 0:
        return float(result)
    return result
