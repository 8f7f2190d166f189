"""The BG/NBD forecasts' numerics: expected purchases, finite and accurate everywhere.

Every BG/NBD forecast of purchases is one function,

``K(r, a, b, u) = E[(1 - (1 + p u)^-r) / p]`` with ``p ~ Beta(a, b)``,

the expected number of purchases in ``t`` of a customer whose purchase rate is
``Gamma(r, alpha)`` and whose drop-out probability per purchase is ``Beta(a, b)``, with
``u = t / alpha``. A new customer's forecast (Fader, Hardie & Lee 2005a, eq. 7) is
``K(r, a, b, t / alpha)``; an observed customer's (eq. 10) is ``P(alive) K(r + x, a, b + x,
t / (alpha + T))``, because the posterior of an alive customer's rate and drop-out
probability is ``Gamma(r + x, alpha + T)`` and ``Beta(a, b + x)``.

The published closed form ``(a+b-1)/(a-1) [1 - (1+u)^-r 2F1(r, b; a+b-1; u/(1+u))]``
divides zero by zero at ``a = 1``, has a pole in the ``2F1`` at ``a + b = 1``, and needs
the ``z -> 1 - z`` transformation of ``2F1`` for long horizons, whose two terms blow up
and cancel whenever ``r - a`` is close to an integer (integer parameters, for one).
:func:`expected_purchases_k` avoids all three and picks, per value, the first of three
methods whose error it can bound:

1. **Euler series** (``u <= 3``): the Euler-transformed ``2F1(a+b-1-r, a-1; a+b-1; z)``
   with the ``a - 1`` and ``a + b - 1`` factors taken out analytically,
   ``K = -c L exprel((a-1) L) - (1+u)^(1-a) sum_n t_n`` with ``c = a+b-1``,
   ``L = -log(1+u)``, ``t_n = (c-r)_n (a)_(n-1) / ((c+1)_(n-1) n!) z^n``; finite at
   ``a = 1`` and at ``c = 0``, quick when ``b`` is large (customers with many purchases).
   A value is kept only if the series converged and its rounding error, bounded from the
   sum of the terms' magnitudes, is below ``1e-12`` of the result.
2. **Purchase-count series** (``r u`` moderate): ``K = sum_i P(N = i) R_i`` where ``N``
   is the negative binomial count of purchases a customer who never drops out makes, and
   ``R_i = sum_(j<i) (b)_j / (a+b)_j`` the expected purchases until drop-out among the
   first ``i``: every term is positive, so there is no cancellation at all.
3. **Mellin-Barnes integral** (everything else, in practice long horizons):
   ``K = (1/2 pi i) int -G(s) G(r-s) G(a-1-s) G(a+b) / (G(r) G(a) G(a+b-1-s)) u^-s ds``
   (``G`` the gamma function) along a vertical line that keeps at least 1/4 away from
   every pole, by the trapezoidal rule, which converges geometrically for an integrand
   analytic in a strip; for ``a < 1/2`` the line passes the pole at ``a - 1``, whose
   residue is added. No parameter value is special here: coinciding poles elsewhere on
   the real axis are never crossed. Ratios of gamma functions of large arguments are
   computed from differences of Stirling series (:func:`log_gamma_ratio`), not as
   differences of large logarithms.

Checked against high-precision mpmath values over ``r, alpha, a, b`` in ``[1e-3, 1e3]``,
``t`` up to 520 and frequencies up to 300, including ``a = 1``, ``a + b = 1`` and integer
parameters (``tests/analytics/test_clv_accuracy.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import exprel, gammaln, loggamma

__all__ = ["expected_purchases_k", "expected_purchases_k_rows", "log_gamma_ratio"]

#: Stirling series coefficients B_2k / (2k (2k-1)), k = 1..8.
_STIRLING = np.array([1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360,
                      1 / 156, -3617 / 122400])
#: Below this a gamma ratio is a plain difference of log-gammas (their size is small).
_STIRLING_FROM = 20.0
#: Acceptance threshold of the series' a-posteriori relative error bound.
_SERIES_TOL = 1e-12
#: Largest number of terms either series may use before the integral takes over.
_MAX_TERMS = 400
#: From this many values on, each distinct (x, u) pair is computed once.
_DEDUPE_FROM = 256


def _complex_log1p(v: np.ndarray) -> np.ndarray:
    """``log(1 + v)`` for complex ``v``, accurate for small ``|v|``.

    NumPy's complex ``log1p`` forms ``1 + v`` first and loses the digits of a small ``v``;
    here the modulus is ``log1p(2 Re v + |v|^2) / 2`` and the angle ``atan2``.
    """
    re, im = v.real, v.imag
    return 0.5 * np.log1p(re * (2.0 + re) + im * im) + 1j * np.arctan2(im, 1.0 + re)


def log_gamma_ratio(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``log G(z + w) - log G(z)`` for real ``z > 0`` and complex ``w`` of moderate size.

    For ``z >= 20`` from the difference of two Stirling series (eight terms, error below
    1e-17 there), so that large ``z`` loses no digits to the cancellation of two large
    log-gammas; below, as that difference. Complex values (principal branch of each
    log-gamma; only their exponential is used).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import gammaln
    >>> float(log_gamma_ratio(np.array(500.0), np.array(0.5)).real
    ...       - (gammaln(500.5) - gammaln(500.0))) < 1e-12
    True
    """
    z, w = np.broadcast_arrays(np.asarray(z, dtype=np.float64), np.asarray(w))
    out = np.empty(w.shape, dtype=np.complex128)
    big = z >= _STIRLING_FROM
    if big.any():
        zb, wb = z[big], w[big]
        zw = zb + wb
        d = (zb - 0.5) * _complex_log1p(wb / zb) + wb * np.log(zw) - wb
        inv_zw, inv_z = 1.0 / zw, 1.0 / zb
        sq_zw, sq_z = inv_zw * inv_zw, inv_z * inv_z
        for coef in _STIRLING:
            d = d + coef * (inv_zw - inv_z)
            inv_zw = inv_zw * sq_zw
            inv_z = inv_z * sq_z
        out[big] = d
    small = ~big
    if small.any():
        out[small] = loggamma(z[small] + w[small]) - gammaln(z[small])
    return out


def _gather_horner(table: np.ndarray, row: np.ndarray, x: np.ndarray, nterms: int
                   ) -> np.ndarray:
    """``sum_(n=0)^(nterms-1) table[row, n] x^n`` by Horner's rule, vectorised over rows.

    ``table`` holds one coefficient sequence per distinct customer group; ``row`` says
    which sequence each value uses.
    """
    columns = np.ascontiguousarray(table[:, :nterms].T)
    acc = columns[nterms - 1][row]
    for n in range(nterms - 2, -1, -1):
        acc = acc * x + columns[n][row]
    return acc


def _terms_needed(size: np.ndarray, ratio: np.ndarray, zmax: float, tol: float
                  ) -> np.ndarray:
    """Terms each coefficient sequence needs at ``z = zmax``; 0 if the table is too short.

    ``size[j, n]`` is ``|coef_n|`` and ``ratio[j, n] = |coef_(n+1) / coef_n|``; a sequence
    has converged after ``N`` terms when the geometric bound on the rest,
    ``|coef_N| zmax^N q / (1 - q)`` with ``q = max(ratio, zmax)``, is at most ``tol`` times
    the sum of the terms' magnitudes.
    """
    n = np.arange(size.shape[1])
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        terms = size * zmax ** n
        total = np.cumsum(terms, axis=1)
        q = np.maximum(ratio * zmax, zmax)
        tail = np.where(q < 1, terms * q / (1 - q), np.inf)
        ok = np.isfinite(total) & (tail <= tol * total)
    first = np.argmax(ok, axis=1) + 1
    return np.where(ok.any(axis=1), first, 0)


def _groups(z: np.ndarray, row: np.ndarray, need_at: object, edges: tuple[float, ...]
            ) -> list[tuple[np.ndarray, int]]:
    """Split values into groups of similar ``z`` and similar number of terms.

    ``need_at(zmax)`` gives the terms each coefficient sequence needs at ``zmax`` (0 when
    it does not converge in the table). Returns ``(positions, terms)`` pairs; positions
    whose sequence does not converge are left out.
    """
    out = []
    lo = -1.0
    for zmax in edges:
        sel = np.flatnonzero((z > lo) & (z <= zmax))
        lo = zmax
        if not sel.size:
            continue
        need = need_at(zmax)[row[sel]]
        sel, need = sel[need > 0], need[need > 0]
        if not sel.size:
            continue
        # powers of two: values whose sequences converge quickly do not pay for the others
        cls = np.ceil(np.log2(need)).astype(int)
        for c in np.unique(cls):
            pick = cls == c
            out.append((sel[pick], int(need[pick].max())))
    return out


def _euler_series(r: float, a: float, b: float, xu: np.ndarray, row: np.ndarray,
                  u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """K by the Euler-transformed series for ``u <= 3``; returns (K, accepted)."""
    c = a + b + xu - 1.0                       # a + b' - 1 per distinct frequency
    cr = a + b - 1.0 - r                       # c - r' (the same for every frequency)
    n = np.arange(1, _MAX_TERMS)
    with np.errstate(over="ignore", invalid="ignore"):
        # g_1 = c - r', g_(n+1) / g_n = (c - r' + n)(a + n - 1) / ((c + n)(n + 1))
        ratio = (cr + n) * (a + n - 1.0) / ((c[:, None] + n) * (n + 1.0))
        coef = np.concatenate([np.full((xu.size, 1), cr),
                               cr * np.cumprod(ratio, axis=1)], axis=1)
    size = np.abs(coef)
    q_abs = np.abs(np.concatenate([ratio, ratio[:, -1:]], axis=1))
    signed = cr < 0                            # else every term is positive
    L = -np.log1p(u)
    z = -np.expm1(L)                           # u / (1 + u)
    eps = a - 1.0
    K = np.full(u.size, np.nan)
    ok = np.zeros(u.size, dtype=bool)
    for sel, nterms in _groups(z, row, lambda zmax: _terms_needed(size, q_abs, zmax, 1e-17),
                               (1 / 16, 1 / 8, 1 / 4, 3 / 8, 1 / 2, 5 / 8, 3 / 4)):
        rs, zs, Ls = row[sel], z[sel], L[sel]
        total = _gather_horner(coef, rs, zs, nterms) * zs
        mag = _gather_horner(size, rs, zs, nterms) * zs if signed else np.abs(total)
        head = -c[rs] * Ls * exprel(eps * Ls)
        weight = np.exp(eps * Ls)
        with np.errstate(over="ignore", invalid="ignore"):
            value = head - weight * total
            # rounding in the sums; the terms left out are below 1e-17 of `mag`
            err = 1.2e-16 * nterms * (np.abs(head) + weight * mag)
            good = np.isfinite(value) & (err <= _SERIES_TOL * np.abs(value))
        K[sel] = value
        ok[sel] = good
    return K, ok


def _count_series(r: float, a: float, b: float, xu: np.ndarray, row: np.ndarray,
                  u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """K as ``sum_i P(N = i) R_i`` (every term positive); returns (K, converged).

    Only for values whose expected count ``(r + x) u`` leaves a few hundred terms enough.
    """
    rx = r + xu
    # the series starts at (1+u)^-(r+x): keep it representable
    fits = rx[row] * np.log1p(u) < 600
    K = np.full(u.size, np.nan)
    ok = np.zeros(u.size, dtype=bool)
    if not fits.any():
        return K, ok
    i = np.arange(1, _MAX_TERMS)
    bx = b + xu
    with np.errstate(over="ignore", invalid="ignore"):
        # (r')_i / i! for i = 1.. and R_i = sum_(j < i) (b')_j / (a + b')_j
        growth = np.concatenate([rx[:, None], (rx[:, None] + i[:-1]) / (i[:-1] + 1.0)], axis=1)
        nb = np.cumprod(growth, axis=1)
        drop = np.concatenate([np.ones((xu.size, 1)),
                               np.cumprod((bx[:, None] + i[:-1] - 1.0)
                                          / (a + bx[:, None] + i[:-1] - 1.0), axis=1)], axis=1)
        coef = nb * np.cumsum(drop, axis=1)               # coefficient of z^i, i = 1..
    z = u / (1.0 + u)
    # coef_(i+1) / coef_i = (r' + i) / (i + 1) R_(i+1) / R_i, and R_(i+1) / R_i <= 1 + 1/i
    ratio = (rx[:, None] + i) / (i + 1.0) * (1.0 + 1.0 / i)
    for sel, nterms in _groups(z, row, lambda zmax: _terms_needed(coef, ratio, zmax, 1e-17),
                               (1 / 16, 1 / 8, 1 / 4, 3 / 8, 1 / 2, 5 / 8, 3 / 4, 7 / 8,
                                15 / 16, 1.0)):
        sel = sel[fits[sel]]
        if not sel.size:
            continue
        rs, zs = row[sel], z[sel]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            total = _gather_horner(coef, rs, zs, nterms) * zs
            K[sel] = np.exp(-rx[rs] * np.log1p(u[sel])) * total
        ok[sel] = np.isfinite(K[sel])
    return K, ok


def _mellin_barnes(r: float, a: float, b: float, xu: np.ndarray, row: np.ndarray,
                   u: np.ndarray) -> np.ndarray:
    """K by the Mellin-Barnes integral (trapezoidal rule on a vertical line)."""
    if a < 0.5:        # pass the pole at a - 1: the line sits in (a - 1, 0)
        gamma, gap = (a - 1.0) / 2, (1.0 - a) / 2
    elif a < 1.0:      # fundamental strip (-1, a - 1)
        gamma, gap = (a - 2.0) / 2, a / 2
    else:              # fundamental strip (-1, 0)
        gamma, gap = -0.5, 0.5
    # trapezoidal rule: error ~ exp(-2 pi (0.8 gap) / h), below 1e-15 of the integrand's
    # scale; |integrand| decays like exp(-pi y / 2), so y <= 24 leaves less than 1e-16
    h = 0.14 * gap
    y = np.arange(0.0, 24.0 + h / 2, h)
    s = gamma + 1j * y
    weights = np.full(y.size, h / np.pi)
    weights[0] /= 2
    rx, bx = (r + xu)[:, None], (b + xu)[:, None]
    log_c = (loggamma(s) + log_gamma_ratio(rx, -s)
             + log_gamma_ratio(np.full_like(rx, a), -1 - s) - log_gamma_ratio(a + bx, -1 - s))
    coef = -np.exp(log_c) * weights
    ell = np.log(u)
    # sum_k coef_k u^-(gamma + i y_k) = u^-gamma sum_k coef_k w^k with w = exp(-i h log u)
    value = np.exp(-gamma * ell) * _gather_horner(coef, row, np.exp(-1j * h * ell),
                                                   y.size).real
    if a < 0.5:
        residue = np.exp(log_gamma_ratio(r + xu[row], 1.0 - a).real
                         + log_gamma_ratio(b + xu[row], a).real + (1.0 - a) * ell) / (a - 1.0)
        value = value - residue
    return value


def expected_purchases_k(r: float, a: float, b: float, x: object, u: object) -> np.ndarray:
    """``E[(1 - (1 + p u)^-(r+x)) / p]`` for ``p ~ Beta(a, b + x)``: BG/NBD purchases.

    Parameters
    ----------
    r, a, b : float
        BG/NBD shape parameters (> 0).
    x : array-like
        Repeat purchases observed (0 for a new customer); broadcast with ``u``. Values
        with the same ``x`` share their series coefficients.
    u : array-like
        Horizon over the rate's scale, ``t / alpha`` for a new customer or
        ``t / (alpha + T)``, ``>= 0``.

    Returns
    -------
    ndarray
        Shape of the broadcast ``x`` and ``u``; 0 where ``u == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(expected_purchases_k(0.243, 0.793, 2.426, 0, 39 / 4.414)), 6)
    1.196723
    >>> k = expected_purchases_k(1.0, 1.0, 1e-3, [0, 3], 520 / 1e-3)   # a = 1, a + b ~ 1
    >>> bool(np.isfinite(k).all())
    True
    """
    x = np.asarray(x, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    shape = np.broadcast_shapes(x.shape, u.shape)
    xu, inverse = np.unique(x, return_inverse=True)
    row = np.broadcast_to(inverse.reshape(x.shape), shape).ravel()
    uu = np.broadcast_to(u, shape).ravel()
    if uu.size > _DEDUPE_FROM:
        # customers share (x, T) pairs (T in whole days or weeks): compute each pair once
        # (a hash table, not a sort: cheap also when every pair is distinct)
        back, pairs = pd.factorize(row + 1j * uu)
        if pairs.size < uu.size:
            out = _k_rows(r, a, b, xu, pairs.real.astype(np.intp), pairs.imag)
            return out[back].reshape(shape)
    return _k_rows(r, a, b, xu, row, uu).reshape(shape)


def _k_rows(r: float, a: float, b: float, xu: np.ndarray, row: np.ndarray, uu: np.ndarray
            ) -> np.ndarray:
    """:func:`expected_purchases_k` for flat ``u`` with ``x = xu[row]``."""
    out = np.zeros(uu.size)
    todo = np.flatnonzero(uu > 0)
    # 1. Euler series for horizons up to three times the scale
    near = uu[todo] <= 3.0
    cand = todo[near]
    if cand.size:
        val, ok = _euler_series(r, a, b, xu, row[cand], uu[cand])
        out[cand[ok]] = val[ok]
        todo = np.concatenate([todo[~near], cand[~ok]])
    # 2. purchase-count series while the expected count is moderate
    if todo.size:
        val, ok = _count_series(r, a, b, xu, row[todo], uu[todo])
        out[todo[ok]] = val[ok]
        todo = todo[~ok]
    # 3. Mellin-Barnes integral for the rest
    if todo.size:
        out[todo] = _mellin_barnes(r, a, b, xu, row[todo], uu[todo])
    return out


#: Terms of the purchase-count series :func:`expected_purchases_k_rows` sums before it
#: hands the (rare) rows that still have not converged to :func:`expected_purchases_k`.
_ROWS_MAX_TERMS = 20_000


def expected_purchases_k_rows(r: float, a: Any, b: Any, x: Any, u: Any) -> np.ndarray:
    """:func:`expected_purchases_k` with each customer's own ``a`` and ``b`` (covariates).

    ``K = E[(1 - (1 + p u)^-(r+x)) / p]`` for ``p ~ Beta(a, b + x)``, by the
    purchase-count series ``K = sum_i P(N = i) R_i`` (``N`` negative binomial with shape
    ``r + x`` and ``z = u / (1 + u)``, ``R_i = sum_(j<i) (b+x)_j / (a+b+x)_j``): every
    term is positive, so there is no cancellation, and the terms follow a recurrence
    that runs on one-dimensional arrays of customers however their ``a`` and ``b``
    differ. Terms are summed until the geometric bound on the rest is below 1e-15 of
    the sum; rows whose leading term would underflow are carried on a rescaled scale.
    Rows that need more than 20,000 terms (horizons thousands of times ``alpha``) are
    computed by :func:`expected_purchases_k` one at a time.

    Parameters
    ----------
    r : float
        Shape of the purchase-rate distribution.
    a, b : array-like
        Each customer's beta parameters of the drop-out probability (> 0).
    x : array-like
        Repeat purchases observed (0 for a new customer).
    u : array-like
        Horizon over the rate's scale, ``t / (alpha_i + T)`` (``t / alpha_i`` new).

    Returns
    -------
    ndarray
        Shape of the broadcast inputs; 0 where ``u == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> k = expected_purchases_k_rows(0.243, [0.793, 1.5], [2.426, 3.0], [0, 2], [8.8, 1.0])
    >>> ref = [expected_purchases_k(0.243, 0.793, 2.426, 0, 8.8),
    ...        expected_purchases_k(0.243, 1.5, 3.0, 2, 1.0)]
    >>> bool(np.allclose(k, ref, rtol=1e-12))
    True
    """
    a, b, x, u = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x, u)))
    shape = u.shape
    a, b, x, u = (v.ravel() for v in (a, b, x, u))
    out = np.zeros(u.size)
    rows = np.flatnonzero(u > 0)
    if not rows.size:
        return out.reshape(shape)
    rx, bx, ab = r + x[rows], b[rows] + x[rows], a[rows] + b[rows] + x[rows]
    uu = u[rows]
    z = uu / (1.0 + uu)
    log_p0 = -rx * np.log1p(uu)                 # log P(N = 0)
    scale = np.where(log_p0 < -600.0, log_p0, 0.0)
    p = np.exp(log_p0 - scale)                  # P(N = i) / exp(scale)
    drop = np.ones(rows.size)                   # (b')_i / (a + b')_i
    R = np.zeros(rows.size)
    K = np.zeros(rows.size)
    idx = np.arange(rows.size)                  # positions still summing
    done_K = np.zeros(rows.size)
    done_scale = np.zeros(rows.size)
    finished = np.zeros(rows.size, dtype=bool)
    for i in range(1, _ROWS_MAX_TERMS + 1):
        R += drop
        drop *= (bx + (i - 1)) / (ab + (i - 1))
        p *= (rx + (i - 1)) / i * z
        term = p * R
        K += term
        big = p > 1e200                         # keep the rescaled terms representable
        if big.any():
            p[big] *= 1e-200
            K[big] *= 1e-200
            scale[big] += 200 * np.log(10.0)
        if i % 8:
            continue
        q = (rx + i) / (i + 1.0) * z * (1.0 + 1.0 / i)
        conv = (q < 1) & (term * q / np.maximum(1 - q, 1e-300) <= 1e-15 * K)
        if conv.any():
            done_K[idx[conv]] = K[conv]
            done_scale[idx[conv]] = scale[conv]
            finished[idx[conv]] = True
            keep = ~conv
            idx, rx, bx, ab, z, p, drop, R, K, scale = (
                v[keep] for v in (idx, rx, bx, ab, z, p, drop, R, K, scale))
            if not idx.size:
                break
    out[rows] = done_K * np.exp(done_scale)
    for j in rows[~finished]:                   # horizons thousands of times alpha
        out[j] = float(expected_purchases_k(r, a[j], b[j], x[j], u[j]))
    return out.reshape(shape)
