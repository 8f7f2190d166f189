"""BG/NBD and Pareto/NBD forecasts against high-precision mpmath references (issues 15, 16).

Expected purchases in ``t`` (new and observed customers) and P(alive) must stay finite
and within a relative error of 1e-8 of a high-precision reference over the whole
parameter box ``[1e-3, 1e3]``, for frequencies up to 1000, ages up to ~3000 and
horizons up to 1e4, including the corners that used to return NaN or lose digits:
``a = 1``, ``a + b = 1``, integer parameters with long horizons, large ``b`` with small
``alpha`` at ``t = 520``, ``s = 1`` and ``alpha = beta``.

The references evaluate the published closed forms with mpmath's ``hyp2f1`` at rising
working precision until two evaluations agree to 30 significant digits:

* BG/NBD (Fader, Hardie & Lee 2005a, eqs. 7, 10, 11): ``E[X(t) | x, t_x, T] =
  P(alive) (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1;
  t/(alpha+T+t))]``; the removable singularities ``a = 1`` and ``a + b + x = 1`` are
  moved by 1e-60, far below the tolerance.
* Pareto/NBD (Fader & Hardie 2005 note, eqs. 18-22): P(alive) from the likelihood's two
  terms, the integral ``int_tx^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du`` as a difference of
  two ``2F1``.

True values below the normal double range (P(alive) of a customer silent for ages with
hundreds of purchases, ~1e-305) may underflow to 0 or subnormals: there the absolute
error must be below 1e-290.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from crmlab.analytics import clv
from crmlab.analytics.clv._bgnbd_numerics import expected_purchases_k, log_gamma_ratio

DPS = 30
RTOL = 1e-8
TINY = 1e-290

# histories: (frequency, recency, T); x = 0 needs recency 0
HISTORIES = np.array([[0, 0, 0.5], [0, 0, 3000], [1, 0.2, 0.3], [5, 1, 400], [30, 50, 52],
                      [300, 20, 2000], [1000, 2999, 3000]], dtype=float)
HORIZONS = np.array([1e-3, 520.0, 1e4])


def _mpf(v: float) -> mp.mpf:
    return mp.mpf(float(v))


def _converged(evaluate, what):
    """``evaluate(dps)`` at rising working precision until two results agree to ``DPS``.

    mpmath's ``hyp2f1`` can lose every digit to cancellation in its ``1 - z``
    transformation without noticing (large ``a + b + x`` near ``z = 1``: the same wrong
    value from 30 to 100 digits, the right one from 120), so one precision is not enough.
    """
    prec = DPS + 40
    last = evaluate(prec)
    for _ in range(3):
        prec *= 2
        value = evaluate(prec)
        if abs(value - last) <= mp.mpf(10) ** -DPS * abs(value) or value == last:
            return value
        last = value
    raise AssertionError(f"the mpmath reference for {what} did not converge")


def _bg_k_ref(r, a, b, x, u):
    """``E[(1 - (1+pu)^-(r+x)) / p]``, ``p ~ Beta(a, b+x)``, by 2F1 (FHL 2005a eq. 10)."""
    if u == 0:
        return mp.mpf(0)

    def evaluate(dps):
        with mp.workdps(dps):
            rr, aa, bb, xx, uu = map(_mpf, (r, a, b, x, u))
            if aa == 1:                                  # removable 0/0
                aa += mp.mpf(10) ** -(DPS + 10)
            if aa + bb + xx - 1 == 0:                    # removable pole of 2F1 times zero
                bb += mp.mpf(10) ** -(DPS + 10)
            c = aa + bb + xx - 1
            f = (1 + uu) ** -(rr + xx) * mp.hyp2f1(rr + xx, bb + xx, c, uu / (1 + uu))
            return c / (aa - 1) * (1 - f)

    return _converged(evaluate, f"BG/NBD K{(r, a, b, x, u)}")


def _bg_alive_ref(r, alpha, a, b, x, tx, T):
    with mp.workdps(DPS + 20):
        r, alpha, a, b, x, tx, T = map(_mpf, (r, alpha, a, b, x, tx, T))
        if x == 0:
            return mp.mpf(1)
        return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def _pnbd_alive_ref(r, alpha, s, beta, x, tx, T):
    def evaluate(dps):
        with mp.workdps(dps):
            rr, al, ss, be, xx, txx, TT = map(_mpf, (r, alpha, s, beta, x, tx, T))
            P = rr + ss + xx
            if al >= be:
                d, second, w0 = al - be, ss + 1, al
            else:
                d, second, w0 = be - al, rr + xx, be

            def G(w):
                return w ** -P / P * mp.hyp2f1(P, second, P + 1, d / w)

            integral = G(w0 + txx) - G(w0 + TT)
            term1 = (al + TT) ** -(rr + xx) * (be + TT) ** -ss
            return term1 / (term1 + ss * integral)

    return _converged(evaluate, f"Pareto/NBD P(alive){(r, alpha, s, beta, x, tx, T)}")


def _pnbd_growth_ref(r, alpha, s, beta, x, T, t):
    """Expected purchases in ``t`` of a customer alive at ``T`` (Fader & Hardie note)."""
    with mp.workdps(DPS + 20):
        r, alpha, s, beta, x, T, t = map(_mpf, (r, alpha, s, beta, x, T, t))
        if s == 1:
            g = mp.log((beta + T + t) / (beta + T))
        else:
            g = (1 - ((beta + T) / (beta + T + t)) ** (s - 1)) / (s - 1)
        return (r + x) * (beta + T) / (alpha + T) * g


def _assert_close(got, ref, what):
    got = np.asarray(got, dtype=float)
    ref = np.asarray([float(v) for v in np.ravel(ref)]).reshape(got.shape)
    assert np.isfinite(got).all(), f"{what}: non-finite values {got[~np.isfinite(got)]}"
    normal = np.abs(ref) > TINY
    rel = np.abs(got[normal] - ref[normal]) / np.abs(ref[normal])
    worst = float(rel.max(initial=0.0))
    assert worst <= RTOL, f"{what}: relative error {worst:.3g} > {RTOL}"
    assert np.all(np.abs(got[~normal] - ref[~normal]) <= TINY), f"{what}: underflow region"


def _param_box(seed: int, n: int, corners) -> list[tuple[float, ...]]:
    rng = np.random.default_rng(seed)
    out = [tuple(map(float, p)) for p in corners]
    out += [tuple(map(float, 10 ** rng.uniform(-3, 3, 4))) for _ in range(n)]
    return out


BG_PARAMS = _param_box(16, 8, [
    (0.243, 4.414, 0.793, 2.426),          # CDNOW (FHL 2005a)
    (0.5, 3.0, 1.0, 2.0),                   # a = 1
    (0.5, 3.0, 0.3, 0.7),                   # a + b = 1 (the NB03 sliders reach it)
    (2.0, 1.0, 0.999999, 0.5),              # near a = 1
    (2.0, 10.0, 3.0, 4.0),                  # integer parameters, long horizons
    (1.0, 1.0, 1.0, 1.0),
    (2.9, 1e-3, 2.1, 999.5),                # large b, small alpha
    (999.5, 1e-3, 1e-3, 1e-3),             # box corners (integers are slow in mpmath)
    (1e-3, 999.5, 999.7, 1000.3),
    (999.3, 1000.2, 999.9, 1e-3),
])

PNBD_PARAMS = _param_box(15, 6, [
    (0.553, 10.578, 0.606, 11.669),         # CDNOW (Fader, Hardie & Lee 2005b)
    (0.5, 4.0, 1.0, 6.0),                   # s = 1 (the log limit)
    (0.7, 5.0, 0.8, 5.0),                   # alpha = beta
    (2.0, 10.0, 3.0, 10.000001),            # near alpha = beta
    (1e3, 1e-3, 1e-3, 1e3),
    (1e-3, 1e3, 1e3, 1e-3),
])


def _histories():
    x, tx, T = HISTORIES.T
    return x, tx, T


@pytest.mark.slow
@pytest.mark.parametrize("params", BG_PARAMS, ids=lambda p: "-".join(f"{v:.3g}" for v in p))
def test_bgnbd_forecasts_match_mpmath(params):
    r, alpha, a, b = params
    bg = clv.BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b)
    x, tx, T = _histories()
    # one vectorised call over every history and horizon (mixes all evaluation methods)
    tt, xx = np.meshgrid(HORIZONS, x, indexing="xy")
    _, txx = np.meshgrid(HORIZONS, tx, indexing="xy")
    _, TT = np.meshgrid(HORIZONS, T, indexing="xy")
    got = bg.expected_purchases(tt, xx, txx, TT)
    alive_ref = [_bg_alive_ref(r, alpha, a, b, *h) for h in HISTORIES]
    ref = [[_bg_k_ref(r, a, b, h[0], t / (alpha + h[2])) * alive_ref[i] for t in HORIZONS]
           for i, h in enumerate(HISTORIES)]
    _assert_close(got, ref, f"BG/NBD expected_purchases {params}")
    _assert_close(bg.p_alive(x, tx, T), alive_ref, f"BG/NBD p_alive {params}")
    new = bg.expected_purchases_new_customer(HORIZONS)
    _assert_close(new, [_bg_k_ref(r, a, b, 0, t / alpha) for t in HORIZONS],
                  f"BG/NBD expected_purchases_new_customer {params}")


@pytest.mark.slow
@pytest.mark.parametrize("params", PNBD_PARAMS, ids=lambda p: "-".join(f"{v:.3g}" for v in p))
def test_pareto_nbd_forecasts_match_mpmath(params):
    r, alpha, s, beta = params
    pn = clv.ParetoNBD.from_params(r=r, alpha=alpha, s=s, beta=beta)
    x, tx, T = _histories()
    alive_ref = [_pnbd_alive_ref(r, alpha, s, beta, *h) for h in HISTORIES]
    _assert_close(pn.p_alive(x, tx, T), alive_ref, f"Pareto/NBD p_alive {params}")
    tt, xx = np.meshgrid(HORIZONS, x, indexing="xy")
    _, txx = np.meshgrid(HORIZONS, tx, indexing="xy")
    _, TT = np.meshgrid(HORIZONS, T, indexing="xy")
    ref = [[_pnbd_growth_ref(r, alpha, s, beta, h[0], h[2], t) * alive_ref[i]
            for t in HORIZONS] for i, h in enumerate(HISTORIES)]
    _assert_close(pn.expected_purchases(tt, xx, txx, TT), ref,
                  f"Pareto/NBD expected_purchases {params}")
    new = pn.expected_purchases_new_customer(HORIZONS)
    _assert_close(new, [_pnbd_growth_ref(r, alpha, s, beta, 0, 0, t) for t in HORIZONS],
                  f"Pareto/NBD expected_purchases_new_customer {params}")


def test_reference_agrees_with_direct_integration():
    """The 2F1 reference equals ``E[(1 - (1+pu)^-r) / p]`` integrated over the Beta law."""
    for r, a, b, x, u in [(0.243, 0.793, 2.426, 0, 8.8), (2.0, 1.0, 3.0, 4, 120.0),
                          (0.5, 0.3, 0.7, 0, 2.0), (1.5, 2.5, 0.8, 2, 0.01)]:
        with mp.workdps(30):
            ra, rb, rr = _mpf(a), _mpf(b + x), _mpf(r + x)

            def gain(p, rr=rr, u=u):
                return -mp.expm1(-rr * mp.log1p(p * u)) / p     # (1 - (1+pu)^-r) / p

            # p = v^(1/a) on [0, 1/2] and 1 - p = w^(1/b) on [1/2, 1] absorb the end
            # singularities p^(a-1) and (1-p)^(b-1) into dv / a and dw / b
            half = mp.mpf(1) / 2
            low = mp.quad(lambda v, ra=ra, rb=rb: gain(v ** (1 / ra)) * (1 - v ** (1 / ra))
                          ** (rb - 1) / ra, [0, half ** ra])
            high = mp.quad(lambda w, ra=ra, rb=rb: gain(1 - w ** (1 / rb)) * (1 - w ** (1 / rb))
                           ** (ra - 1) / rb, [0, half ** rb])
            direct = (low + high) / mp.beta(ra, rb)
        ref = _bg_k_ref(r, a, b, x, u)
        assert abs(direct - ref) <= 1e-15 * abs(ref)


def test_expected_purchases_k_methods_agree_on_their_overlap():
    """Each value is the same whichever of the three methods is allowed to produce it."""
    from crmlab.analytics.clv import _bgnbd_numerics as num

    u = np.array([0.05, 0.5, 2.0, 2.9])
    x = np.array([0.0, 1.0, 3.0, 10.0])
    for r, a, b in [(0.243, 0.793, 2.426), (2.0, 1.0, 3.0), (0.5, 0.3, 0.7), (1.5, 2.5, 0.8)]:
        xu, inv = np.unique(x, return_inverse=True)
        euler, ok_e = num._euler_series(r, a, b, xu, inv, u)
        count, ok_c = num._count_series(r, a, b, xu, inv, u)
        mellin = num._mellin_barnes(r, a, b, xu, inv, u)
        ref = np.array([float(_bg_k_ref(r, a, b, xi, ui)) for xi, ui in zip(x, u, strict=True)])
        assert ok_e.all() and ok_c.all()
        for got in (euler, count, mellin):
            np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_expected_purchases_k_zero_horizon_and_broadcasting():
    k = expected_purchases_k(0.5, 0.8, 2.0, np.array([[0.0], [3.0]]), np.array([0.0, 1.0, 52.0]))
    assert k.shape == (2, 3)
    assert np.all(k[:, 0] == 0.0) and np.all(np.diff(k, axis=1) > 0)


def test_log_gamma_ratio_matches_mpmath_for_large_arguments():
    z = np.array([25.0, 400.0, 1e5])
    w = np.array([-0.5 + 3j, 1.25 - 10j, 0.3 + 0.1j])
    got = np.exp(log_gamma_ratio(z, w))
    with mp.workdps(40):
        ref = [complex(mp.gamma(mp.mpf(zi) + mp.mpc(wi.real, wi.imag)) / mp.gamma(mp.mpf(zi)))
               for zi, wi in zip(z, w, strict=True)]
    np.testing.assert_allclose(got, ref, rtol=1e-13)


def test_expected_purchases_k_large_inputs_share_pairs():
    """Above the dedupe size, each distinct (x, u) is computed once: same values, any shape."""
    from crmlab.analytics.clv import _bgnbd_numerics as num

    rng = np.random.default_rng(16)
    x = rng.integers(0, 40, (600, 3)).astype(float)
    u = np.round(rng.uniform(0.0, 60.0, (600, 3)), 1)       # ages in whole units: shared
    assert x.size > num._DEDUPE_FROM
    got = expected_purchases_k(0.243, 0.793, 2.426, x, u)
    xu, inv = np.unique(x, return_inverse=True)
    each = num._k_rows(0.243, 0.793, 2.426, xu, inv.ravel(), u.ravel()).reshape(u.shape)
    assert got.shape == (600, 3)
    np.testing.assert_allclose(got, each, rtol=1e-13)
    for i, j in [(0, 0), (17, 2), (599, 1)]:
        ref = float(_bg_k_ref(0.243, 0.793, 2.426, x[i, j], u[i, j]))
        assert got[i, j] == pytest.approx(ref, rel=RTOL, abs=0.0)
