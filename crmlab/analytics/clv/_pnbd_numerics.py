"""The Pareto/NBD likelihood's numerics: the integral term and its gradient, in log space.

The Pareto/NBD likelihood (Fader & Hardie 2005 note, eq. 18) needs
``I = int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du``. :func:`pnbd_log_integral` returns
``log I`` and its gradient with respect to ``(r, alpha, s, beta)``: where
``|alpha-beta| / (max(alpha,beta) + tx) <= 1/2`` as a difference of two Gaussian
hypergeometric functions (:func:`log_G`, after an Euler transformation that makes every
series term positive, :func:`hyp_series`), elsewhere by 32-point Gauss-Legendre quadrature
in ``log(min(alpha, beta) + u)`` (:func:`log_I_quadrature`).

Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
related expressions. http://brucehardie.com/notes/009/
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = ["GL_NODES", "GL_WEIGHTS", "LOG_GL_WEIGHTS", "hyp_series", "hyp_series_block",
           "hyp_series_rows", "log_G", "log_I_quadrature", "log_I_quadrature_rows",
           "pnbd_log_integral"]

GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(32)
LOG_GL_WEIGHTS = np.log(GL_WEIGHTS)


def hyp_series(P: np.ndarray, Q: np.ndarray, z: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`hyp_series_block` on rows with small and larger ``z`` separately.

    Rows with ``z <= 0.1`` need at most 16 terms, the others up to 50: splitting them
    keeps the common case cheap.
    """
    small = z <= 0.1
    if small.all() or not small.any():
        return hyp_series_block(P, Q, z)
    out = [np.empty(z.size) for _ in range(4)]
    for mask in (small, ~small):
        for o, v in zip(out, hyp_series_block(P[mask], Q[mask], z[mask]), strict=True):
            o[mask] = v
    return out[0], out[1], out[2], out[3]


def hyp_series_block(P: np.ndarray, Q: np.ndarray, z: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``S = 2F1(1, P; P+Q; z) = sum_n (P)_n / (P+Q)_n z^n`` and dS/dP, dS/dQ, dS/dz.

    Every term is positive and the ratio of successive terms is below ``z <= 1/2``, so
    a fixed number of terms reaches double precision without cancellation. With
    ``t_n = c_n z^n``, ``dS/dP = sum_n t_n sum_{k<n} [1/(P+k) - 1/(P+Q+k)]`` is summed as
    ``sum_k [..]_k tail_k`` with the tail sums ``tail_k = sum_{n>k} t_n`` (same for Q).
    The loops run over the (few) terms, each step vectorised over all rows.
    """
    zmax = float(z.max(initial=0.0))
    # truncation error below z^N ~ 1e-14 relative (the terms decay faster than z^n)
    nterms = 2 if zmax <= 0 else int(min(60, np.ceil(-32.3 / np.log(zmax)) + 2))
    k = np.arange(nterms, dtype=np.float64)[:, None]
    Pk = P + k
    inv_pqk = 1.0 / (Pk + Q)
    u = Pk * inv_pqk                       # -> u_n = c_n z^(n-1) for n = 1..N
    u[1:] *= z
    for i in range(1, nterms):             # cumulative product (faster than np.cumprod)
        u[i] *= u[i - 1]
    tail = u * z                           # t_n = c_n z^n ...
    for i in range(nterms - 2, -1, -1):    # ... -> tail sums sum_{n >= i+1} t_n
        tail[i] += tail[i + 1]
    S = 1.0 + tail[0]
    SQ = -np.einsum("ij,ij->j", inv_pqk, tail)
    SP = np.einsum("ij,ij->j", 1.0 / Pk, tail) + SQ
    Sz = (k[:, 0] + 1) @ u
    return S, SP, SQ, Sz


#: Upper ends of the z bins of :func:`hyp_series_rows`: each bin sums as many terms as
#: its largest z needs.
_Z_BINS = (0.01, 0.03, 0.07, 0.13, 0.2, 0.28, 0.38, np.inf)


def hyp_series_rows(P: np.ndarray, Q: np.ndarray, z: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`hyp_series_block` by a forward recurrence, for rows that each have their own z.

    With covariates every customer has their own ``alpha`` and ``beta``, so ``z`` varies
    from row to row and there are about as many rows as customers. Here the series is
    summed term by term on one-dimensional arrays (no ``terms x rows`` matrices, so the
    data stay in cache), with the derivative sums carried forward:
    ``t_n = t_(n-1) (P+n-1) / (P+Q+n-1) z``, ``dS/dP = sum_n t_n h_n`` with
    ``h_n = sum_(k<n) [1/(P+k) - 1/(P+Q+k)]`` (same for Q), and rows are binned by ``z``
    so that each bin sums only the terms its largest ``z`` needs (relative truncation
    error below about 1e-14, as in :func:`hyp_series_block`).

    Examples
    --------
    >>> import numpy as np
    >>> P, Q, z = np.array([1.5, 3.0]), np.array([1.6, 2.0]), np.array([0.005, 0.4])
    >>> a, b = hyp_series_rows(P, Q, z), hyp_series_block(P, Q, z)
    >>> all(np.allclose(u, v, rtol=1e-13) for u, v in zip(a, b))
    True
    """
    out = [np.empty(z.size) for _ in range(4)]
    lower = -np.inf
    for upper in _Z_BINS:
        i = np.flatnonzero((z > lower) & (z <= upper))
        lower = upper
        if i.size:
            for o, v in zip(out, _hyp_recurrence(P[i], Q[i], z[i]), strict=True):
                o[i] = v
    return out[0], out[1], out[2], out[3]


def _hyp_recurrence(P: np.ndarray, Q: np.ndarray, z: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The forward recurrence of :func:`hyp_series_rows` on one bin of rows."""
    zmax = float(z.max(initial=0.0))
    nterms = 2 if zmax <= 0 else int(min(60, np.ceil(-32.3 / np.log(zmax)) + 2))
    t = np.ones_like(z)
    S = np.ones_like(z)
    SP, SQ, Sz, hP, hQ, tmp = (np.zeros_like(z) for _ in range(6))
    ipqk = np.empty_like(z)
    pk = np.empty_like(z)
    PQ = P + Q
    # hP carries sum_(k<n) 1/(P+k) only; dS/dP = sum_n t_n hP_n + dS/dQ
    for k in range(nterms):
        np.add(PQ, k, out=ipqk)
        np.divide(1.0, ipqk, out=ipqk)
        np.add(P, k, out=pk)
        hQ -= ipqk
        t *= pk
        np.divide(1.0, pk, out=pk)
        hP += pk
        t *= ipqk                  # u_(k+1) = c_(k+1) z^k
        np.multiply(t, k + 1, out=tmp)
        Sz += tmp
        t *= z                     # t_(k+1)
        S += t
        np.multiply(t, hP, out=tmp)
        SP += tmp
        np.multiply(t, hQ, out=tmp)
        SQ += tmp
    SP += SQ
    return S, SP, SQ, Sz


def log_G(A: float | np.ndarray, B: float | np.ndarray, P: np.ndarray, Q: np.ndarray,
          t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log G(t) = log int_t^inf (A+u)^-P (B+u)^-Q du`` (A >= B) and its gradient.

    ``A`` and ``B`` are numbers or arrays like ``t`` (one pair per row).

    ``G(t) = (A+t)^-P (B+t)^-(Q-1) 2F1(1, P; P+Q; z) / (P+Q-1)``, ``z = (A-B)/(A+t)``
    (Fader & Hardie 2005 note, eqs. 19-20, after an Euler transformation). The gradient
    columns are with respect to (P, Q, A, B).
    """
    z = (A - B) / (A + t)
    S, SP, SQ, Sz = hyp_series_rows(P, Q, z) if np.ndim(A) else hyp_series(P, Q, z)
    lat = np.log(A + t)
    lbt = np.log(B + t)
    K = P + Q - 1
    logG = -P * lat - (Q - 1) * lbt - np.log(K) + np.log(S)
    g = np.empty((t.size, 4))
    g[:, 0] = -lat - 1 / K + SP / S
    g[:, 1] = -lbt - 1 / K + SQ / S
    g[:, 2] = -P / (A + t) + Sz / S * (B + t) / (A + t) ** 2
    g[:, 3] = -(Q - 1) / (B + t) - Sz / S / (A + t)
    return logG, g


def log_I_quadrature(A: float | np.ndarray, B: float | np.ndarray, P: np.ndarray,
                     Q: np.ndarray, t0: np.ndarray, t1: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``log int_t0^t1 (A+u)^-P (B+u)^-Q du`` by 32-point Gauss-Legendre in y = log(B+u).

    ``A`` and ``B`` are numbers or arrays like ``t0`` (one pair per row).

    In y the integrand is ``exp(y - P log(A-B+e^y) - Q y)``: analytic in a strip of
    half-width pi around the real axis whatever the parameters, and log-concave, so the
    range is cut where it has fallen by e^-60 below its start when it decreases.
    Gradient columns are with respect to (P, Q, A, B).
    """
    d = A - B
    y0 = np.log(B + t0)
    y1 = np.log(B + t1)
    slope0 = 1 - Q - P / (1 + d * np.exp(-y0))
    with np.errstate(divide="ignore"):
        reach = np.where(slope0 < 0, 60.0 / np.abs(slope0), np.inf)
    y1 = np.minimum(y1, y0 + reach)
    half = (y1 - y0) / 2
    y = (y0 + half)[:, None] + half[:, None] * GL_NODES
    e = np.exp(-y)
    log_a = y + np.log1p(np.asarray(d)[..., None] * e)    # log(A + u)
    ell = y - P[:, None] * log_a - Q[:, None] * y
    with np.errstate(divide="ignore"):
        terms = ell + LOG_GL_WEIGHTS + np.log(half)[:, None]
    logI = logsumexp(terms, axis=1)
    pi = np.exp(terms - logI[:, None])
    g = np.empty((t0.size, 4))
    g[:, 0] = -(pi * log_a).sum(axis=1)
    g[:, 1] = -(pi * y).sum(axis=1)
    g[:, 2] = -P * (pi * np.exp(-log_a)).sum(axis=1)
    g[:, 3] = -Q * (pi * e).sum(axis=1)
    return logI, g


def log_I_quadrature_rows(A: np.ndarray, B: np.ndarray, P: np.ndarray, Q: np.ndarray,
                          t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`log_I_quadrature` with one ``(A, B)`` pair per row, in fewer passes.

    The same 32-point rule on the same range; the log-sum-exp keeps its exponentials
    for the weights of the gradient, and ``1 / (A + u)`` is ``e^-y / (1 + d e^-y)``,
    so each node costs three transcendental functions instead of five.

    Examples
    --------
    >>> import numpy as np
    >>> A, B = np.array([40.0, 3.0]), np.array([2.0, 1.0])
    >>> P, Q, t0, t1 = np.array([2.5, 1.6]), np.array([1.6, 4.0]), np.zeros(2), np.full(2, 30.0)
    >>> a, b = log_I_quadrature_rows(A, B, P, Q, t0, t1)
    >>> c = [log_I_quadrature(A[i], B[i], P[i:i+1], Q[i:i+1], t0[i:i+1], t1[i:i+1])
    ...      for i in range(2)]
    >>> bool(np.allclose(a, [v[0][0] for v in c], rtol=1e-13))
    True
    >>> bool(np.allclose(b, np.vstack([v[1] for v in c]), rtol=1e-12))
    True
    """
    d = (A - B)[:, None]
    y0 = np.log(B + t0)
    y1 = np.log(B + t1)
    slope0 = 1 - Q - P / (1 + (A - B) * np.exp(-y0))
    with np.errstate(divide="ignore"):
        reach = np.where(slope0 < 0, 60.0 / np.abs(slope0), np.inf)
    y1 = np.minimum(y1, y0 + reach)
    half = (y1 - y0) / 2
    y = (y0 + half)[:, None] + half[:, None] * GL_NODES
    e = np.exp(-y)
    de = d * e
    log_a = y + np.log1p(de)                          # log(A + u)
    inv_a = e / (1.0 + de)                            # 1 / (A + u)
    with np.errstate(divide="ignore"):
        terms = (1.0 - Q)[:, None] * y - P[:, None] * log_a + LOG_GL_WEIGHTS
        terms += np.log(half)[:, None]
    top = terms.max(axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.exp(terms - top[:, None])
    total = w.sum(axis=1)
    with np.errstate(divide="ignore"):
        logI = top + np.log(total)
    w /= np.where(total > 0, total, 1.0)[:, None]
    g = np.empty((t0.size, 4))
    g[:, 0] = -np.einsum("ij,ij->i", w, log_a)
    g[:, 1] = -np.einsum("ij,ij->i", w, y)
    g[:, 2] = -P * np.einsum("ij,ij->i", w, inv_a)
    g[:, 3] = -Q * np.einsum("ij,ij->i", w, e)
    return logI, g


def pnbd_log_integral(r: float, alpha: float | np.ndarray, s: float,
                      beta: float | np.ndarray, x: np.ndarray, tx: np.ndarray,
                      T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log I`` with ``I = int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du`` and its gradient.

    Gradient columns are with respect to (r, alpha, s, beta). ``I = 0`` (log -inf, zero
    gradient) where ``tx == T``. Rows where ``z = |alpha-beta| / (max(alpha,beta) + tx)``
    is at most 1/2 use the hypergeometric series ``G(tx) - G(T)``; the rest use
    quadrature. ``alpha == beta`` needs no special case (z = 0, the series is 1).
    ``alpha`` and ``beta`` are numbers or arrays like ``x`` (each customer's own scales,
    as with covariates); the gradient's alpha and beta columns are then with respect to
    each row's own ``alpha`` and ``beta``.
    """
    if np.ndim(alpha) or np.ndim(beta):
        return _pnbd_log_integral_rows(r, alpha, s, beta, x, tx, T)
    p = r + x
    q = np.full_like(p, s + 1.0)
    if alpha >= beta:
        A, B, P, Q, cols = alpha, beta, p, q, [0, 2, 1, 3]
    else:
        A, B, P, Q, cols = beta, alpha, q, p, [1, 3, 0, 2]
    return _log_integral_core(A, B, P, Q, x, tx, T, cols)


def _pnbd_log_integral_rows(r: float, alpha: float | np.ndarray, s: float,
                            beta: float | np.ndarray, x: np.ndarray, tx: np.ndarray,
                            T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pnbd_log_integral` with one ``(alpha, beta)`` pair per row.

    Each row puts the larger of its two scales first (``A >= B``), as the scalar case
    does for all rows at once, and its gradient columns are put back per row.
    """
    alpha = np.broadcast_to(np.asarray(alpha, dtype=np.float64), x.shape)
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), x.shape)
    p = r + x
    q = np.full_like(p, s + 1.0)
    first = alpha >= beta
    A = np.where(first, alpha, beta)
    B = np.where(first, beta, alpha)
    P = np.where(first, p, q)
    Q = np.where(first, q, p)
    logI, g = _log_integral_core(A, B, P, Q, x, tx, T, [0, 1, 2, 3])
    # g columns are (P, Q, A, B); rows with alpha >= beta read them as (p, q, alpha,
    # beta), the others as (q, p, beta, alpha)
    out = np.where(first[:, None], g[:, [0, 2, 1, 3]], g[:, [1, 3, 0, 2]])
    return logI, out


def _log_integral_core(A: float | np.ndarray, B: float | np.ndarray, P: np.ndarray,
                       Q: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray,
                       cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """``log int_tx^T (A+u)^-P (B+u)^-Q du`` (``A >= B``), gradient columns ``cols`` of
    (P, Q, A, B)."""
    rows = np.ndim(A) > 0
    n = x.size
    logI = np.full(n, -np.inf)
    g_pqab = np.zeros((n, 4))
    open_ = T > tx
    z0 = (A - B) / (A + tx)
    ser = open_ & (z0 <= 0.5)
    quad = open_ & ~ser
    if ser.any():
        i = np.flatnonzero(ser)
        m = i.size
        if rows:
            # one pass over the rows (no copies of the selection when it is all of them)
            Ai, Bi, Pi, Qi, ti, Ti = ((A, B, P, Q, tx, T) if m == n else
                                      (A[i], B[i], P[i], Q[i], tx[i], T[i]))
            lg, gg = log_G(np.concatenate([Ai, Ai]), np.concatenate([Bi, Bi]),
                           np.concatenate([Pi, Pi]), np.concatenate([Qi, Qi]),
                           np.concatenate([ti, Ti]))
        else:
            lg, gg = log_G(A, B, np.r_[P[i], P[i]], np.r_[Q[i], Q[i]], np.r_[tx[i], T[i]])
        lg1, lg2 = lg[:m], lg[m:]
        dlt = np.minimum(lg2 - lg1, 0.0)
        one_minus = -np.expm1(dlt)
        ok = one_minus > 0
        ratio = np.exp(dlt)
        with np.errstate(divide="ignore", invalid="ignore"):
            li = np.where(ok, lg1 + np.log(one_minus), -np.inf)
            gi = (gg[:m] - ratio[:, None] * gg[m:]) / one_minus[:, None]
        logI[i] = li
        g_pqab[i] = np.where(ok[:, None], gi, 0.0)
    if quad.any():
        i = np.flatnonzero(quad)
        if rows:
            logI[i], g_pqab[i] = log_I_quadrature_rows(A[i], B[i], P[i], Q[i], tx[i], T[i])
        else:
            logI[i], g_pqab[i] = log_I_quadrature(A, B, P[i], Q[i], tx[i], T[i])
    # columns of g_pqab are (P, Q, A, B); `cols` picks them in the order
    # (p, alpha, q, beta), and d/dr = d/dp, d/ds = d/dq
    return logI, g_pqab[:, cols]
