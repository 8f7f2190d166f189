"""Prepaid top-ups and store purchases: the BG/NBD process with Gamma-Gamma spend.

Each prepaid customer follows exactly the story of Fader, Hardie & Lee (2005),
"Counting your customers the easy way": while alive, purchases arrive as a Poisson
process with rate ``lambda ~ Gamma(r, alpha)`` (per week); after every *repeat*
purchase the customer drops out with probability ``p ~ Beta(a, b)`` (as in the paper,
not after the first purchase at sign-up: that variant is the MBG/NBD). Spend per
purchase follows the Gamma-Gamma model of Fader, Hardie & Lee (2005), "RFM and CLV":
``z ~ Gamma(p, nu)``, ``nu ~ Gamma(q, gamma)``.
Parameters differ by segment (``config.segments``, :mod:`crmlab.world.params`), so
fitting the models on one segment's customers recovers that segment's parameters;
where purchases are made is ``config.purchases``.

Worlds that break the models. Knobs of ``config.purchases``, each off by default (then
the story above holds exactly and the draws are the same as without them):

* ``gap_shape`` k > 1: gaps between purchases while alive are Erlang-k with mean
  ``1 / lambda``, that is every k-th event of a Poisson process of rate ``k lambda``
  (the purchases are regular; the count is no longer Poisson);
* ``season_amplitude`` A > 0: the rate in calendar month m is ``lambda * (1 + A cos(2 pi
  (m - season_peak_month) / 12))``; the process runs in operational time
  ``Lambda(t) = integral of the multiplier`` (time rescaling, :class:`Season`), so
  dropout after a purchase and the Erlang gaps keep their meaning;
* ``rate_dropout_correlation`` rho != 0: ``lambda`` and ``p`` are drawn through a
  Gaussian copula with correlation rho (normal scores ``z1``, ``rho z1 + sqrt(1 -
  rho^2) z2``, mapped by the Gamma(r, alpha) and Beta(a, b) quantile functions), so each
  keeps its marginal exactly;
* ``gamma_purchase``, ``gamma_dropout``: covariate effects in the CLVTools
  parameterisation, on the covariates of :func:`customer_covariates` (computed from the
  observable customers table): ``lambda_i = lambda_i0 exp(gamma_purchase . x_i)``, that
  is ``lambda_i ~ Gamma(r, alpha exp(-gamma_purchase . x_i))``, and ``p_i ~ Beta(a
  exp(gamma_dropout . x_i), b exp(gamma_dropout . x_i))``; the truth then holds each
  customer's covariates as ``covariate_<name>`` columns;
* ``spend_rate_elasticity`` beta != 0: ``nu_i = nu_i0 (lambda_i / (r / alpha))^-beta``
  (the ratio clipped to [0.01, 100]), so the mean spend ``p / nu_i`` grows with the
  purchase rate for beta > 0 (Gamma-Gamma assumes it does not).

Vectorised simulation: the number of repeat purchases before dropout is geometric, the
number of arrivals in the customer's window is Poisson, and the first ``m`` of the
``N`` arrival times are drawn directly with the Rényi representation of uniform order
statistics (cumulative sums of exponentials over one gamma), so no loop runs over
customers or purchases. Erlang-k gaps take every k-th of ``N ~ Poisson(k lambda
window)`` arrivals: the sums of k exponentials are Gamma(k) draws, and the arrivals
after the last purchase (fewer than k for a customer still alive) are the phase of
the gap running at the end of the history, which the true CLV reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .._kernels import categorical, days_to_timestamps, frame, take_strings
from ..config import WorldConfig
from ..labels import ACQUISITION_CHANNELS, COVARIATES
from ..locales import pools
from ._block import Events
from .population import Population

__all__ = ["PURCHASE_CHANNELS", "PURCHASE_KINDS", "Purchases", "Season", "customer_covariates",
           "expected_discounted_purchases", "generate_purchases"]

PURCHASE_CHANNELS = ("retailer", "app", "web", "store")
PURCHASE_KINDS = ("top_up", "store_purchase")


@dataclass(frozen=True)
class Purchases:
    """What :func:`generate_purchases` returns (internal).

    Attributes
    ----------
    transactions : DataFrame
        transaction_id, customer_id, timestamp, amount, channel, kind.
    truth : DataFrame
        Per customer: purchase_rate (per week), dropout_probability, spend_nu,
        expected_spend, repeats_until_dropout, dropout_date.
        With covariate effects on, also ``covariate_<name>`` for each name of
        :data:`~crmlab.world.labels.COVARIATES`.
    dropout_day : ndarray
        Day of dropout since start (NaN while alive; NaN for postpaid).
    events : Events
        Each transaction's block-local customer index, its day since start as the
        timestamp records it (rounded to the second), and its amount.
    phase : ndarray
        Per customer, the Poisson arrivals (of rate ``gap_shape * lambda``) since the
        last purchase at the end of the history: how far the running Erlang gap has got
        (0 .. gap_shape - 1 for a customer still alive; always 0 with exponential gaps).
    """

    transactions: pd.DataFrame
    truth: pd.DataFrame
    dropout_day: np.ndarray
    events: Events
    phase: np.ndarray


def generate_purchases(config: WorldConfig, rng: np.random.Generator, pop: Population
                       ) -> Purchases:
    """Simulate the block's prepaid purchases (see the module docstring)."""
    par = config.purchases
    n = pop.n
    s = pop.segment
    prepaid = ~pop.postpaid
    scale = pools(config.locale).money_scale

    # the segments' parameters by segment code; scales are inverted per segment
    bg_r, bg_alpha, bg_a, bg_b, gg_q, gg_gamma, gg_p = (
        config.segments.array(name)
        for name in ("bg_r", "bg_alpha", "bg_a", "bg_b", "gg_q", "gg_gamma", "gg_p"))
    gamma_purchase, gamma_dropout = par.array("gamma_purchase"), par.array("gamma_dropout")
    covariates = None
    if gamma_purchase.any() or gamma_dropout.any():
        covariates = _covariates(pop)
    a_i, b_i = bg_a[s], bg_b[s]
    if gamma_dropout.any():  # CLVTools' BG/NBD: a and b scaled alike
        effect = np.exp(covariates @ gamma_dropout)
        a_i, b_i = a_i * effect, b_i * effect
    if par.rate_dropout_correlation == 0.0:
        lam = rng.gamma(bg_r[s], (1.0 / bg_alpha)[s]) / 7.0  # per day
        p_drop = rng.beta(a_i, b_i)
    else:
        lam, p_drop = _copula_draws(rng, par.rate_dropout_correlation, bg_r[s],
                                    bg_alpha[s], a_i, b_i)
    if gamma_purchase.any():
        lam = lam * np.exp(covariates @ gamma_purchase)
    nu = rng.gamma(gg_q[s], (1.0 / (gg_gamma * scale))[s])
    if par.spend_rate_elasticity != 0.0:
        relative = np.clip(lam * 7.0 / (bg_r / bg_alpha)[s], 0.01, 100.0)
        nu = nu * relative ** -par.spend_rate_elasticity
    # repeat purchases until dropout: the customer leaves right after the k-th one
    occasions = rng.geometric(np.clip(p_drop, 1e-12, 1.0))
    window = np.maximum(config.n_days - pop.signup_day, 0.0)
    season = Season.of(config) if par.season_amplitude > 0 else None
    span = window  # the window in operational time (calendar days without a season)
    if season is not None:
        op_signup = season.operational_time(pop.signup_day)
        span = np.maximum(season.operational_time(float(config.n_days)) - op_signup, 0.0)
    k = par.gap_shape
    if k == 1:
        arrivals = rng.poisson(lam * span)  # repeat-purchase arrivals if never dropping out
        spare = arrivals
    else:  # every k-th of the arrivals of rate k * lambda is a purchase
        spare = rng.poisson(k * lam * span)
        arrivals = spare // k
    repeats = np.where(prepaid, np.minimum(arrivals, occasions), 0)

    owner = np.repeat(np.arange(n), repeats)
    gaps = rng.exponential(1.0, len(owner)) if k == 1 else rng.gamma(k, 1.0, len(owner))
    csum = np.cumsum(gaps)
    ends = np.cumsum(repeats)  # one past each customer's last repeat
    starts = ends - repeats
    has = repeats > 0
    if len(csum):  # gathers clipped into range, then zeroed where they mean nothing
        base = np.where(starts > 0, np.take(csum, starts - 1, mode="clip"), 0.0)
        within = csum - np.take(base, owner)  # cumulative sums restarting per customer
        last = np.where(has, np.take(within, ends - 1, mode="clip"), 0.0)
    else:
        base = last = np.zeros(n)
        within = csum
    left = spare - repeats if k == 1 else spare - k * repeats  # arrivals after the last
    denom = last + rng.gamma(np.maximum(left, 0) + 1.0)
    frac = within / np.take(denom, owner)
    if season is None:
        repeat_day = np.take(pop.signup_day, owner) + frac * np.take(window, owner)
    else:
        repeat_day = season.calendar(np.take(op_signup, owner) + frac * np.take(span, owner))
        # never before the sign-up, whatever the rounding of the two interpolations
        np.maximum(repeat_day, np.take(pop.signup_day, owner), out=repeat_day)

    counts = repeats + prepaid  # purchases per customer: the first, then the repeats
    cust, day = _by_customer(counts, prepaid, pop.signup_day, repeat_day)
    gg_p = gg_p[s]
    amount = rng.gamma(np.take(gg_p, cust), np.take(1.0 / nu, cust))
    amount = np.maximum(np.round(amount, 2), par.min_amount * scale)
    digital = np.take(pop.digital, cust)
    u = rng.random(len(cust))
    web_share = par.web_share_per_digital * digital
    # base + per_digital * digital + per_year * years, clipped to [0, max], in place
    app_share = par.app_share_per_digital * digital
    app_share += par.app_share_base
    trend = day / 365.0
    trend *= par.app_share_per_year
    app_share += trend
    np.clip(app_share, 0, par.app_share_max, out=app_share)
    store_share = par.store_share
    # the first share that u falls under: app 1, web 2, store 3, else retailer 0 (as
    # np.select, but byte arithmetic on the conditions instead of branching per row)
    app_web = app_share + web_share
    app = u < app_share
    web = (u < app_web) & ~app
    store = (u < app_web + store_share) & ~(app | web)
    channel = app.view(np.int8) + 2 * web.view(np.int8) + 3 * store.view(np.int8)
    kind = (channel == 3) & (rng.random(len(cust)) < par.store_purchase_share)

    seconds = np.round(day * 86_400.0)  # the recorded (whole-second) time
    transactions = frame({
        "transaction_id": pop.event_ids("T", len(cust)),
        "customer_id": take_strings(pop.customer_id, cust),
        "timestamp": _stamps(config.start_ts, seconds),
        "amount": amount,
        "channel": categorical(channel, PURCHASE_CHANNELS),
        "kind": categorical(kind, PURCHASE_KINDS),
    })

    # dropout happens right after the last repeat purchase if it was the k-th one
    dropped = prepaid & (repeats == occasions)
    last_share = np.where(has, last / np.where(has, denom, 1.0), 0.0)
    if season is None:
        last_day = pop.signup_day + np.where(has, last_share * window, 0.0)
    else:
        last_day = np.maximum(season.calendar(op_signup + last_share * span), pop.signup_day)
    dropout_day = np.where(dropped, last_day, np.nan)
    columns = {
        "purchase_rate": np.where(prepaid, lam * 7.0, np.nan),
        "dropout_probability": np.where(prepaid, p_drop, np.nan),
        "spend_nu": np.where(prepaid, nu, np.nan),
        "expected_spend": np.where(prepaid, gg_p / nu, np.nan),
        "repeats_until_dropout": np.where(prepaid, np.minimum(occasions, 10**9), 0),
        "dropout_date": days_to_timestamps(config.start_ts, dropout_day),
    }
    if covariates is not None:
        columns.update({f"covariate_{name}": covariates[:, j]
                        for j, name in enumerate(COVARIATES)})
    phase = np.zeros(n, dtype=np.int64)
    if k > 1:
        phase = np.where(prepaid & ~dropped, left, 0)
    return Purchases(transactions=transactions, truth=frame(columns), dropout_day=dropout_day,
                     events=Events(cust=cust, day=seconds / 86_400.0, amount=amount),
                     phase=phase)


def _by_customer(counts: np.ndarray, prepaid: np.ndarray, signup_day: np.ndarray,
                 repeat_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Customer index and day of every purchase (the first at sign-up, then the
    repeats), sorted by customer and day, from the purchases per customer (``counts``).

    Built in place instead of sorted: each prepaid customer's repeat days never
    decrease and none is before the sign-up (cumulative sums of exponential gaps,
    scaled and added to the sign-up day; rounding is monotone), and equal days keep
    this order, so this is exactly ``np.lexsort((day, cust))`` of the sign-up
    purchases followed by the repeats.
    """
    cust = np.repeat(np.arange(len(counts)), counts)
    buyers = np.flatnonzero(prepaid)
    first = np.take(np.cumsum(counts) - counts, buyers)  # position of each first purchase
    day = np.empty(len(cust))
    rest = np.ones(len(cust), bool)
    rest[first] = False
    day[rest] = repeat_day
    day[first] = np.take(signup_day, buyers)
    return cust, day


def _stamps(start: pd.Timestamp, seconds: np.ndarray) -> np.ndarray:
    """``datetime64[s]`` of whole (finite) seconds since ``start``: the int64 seconds
    plus the origin's, in place (as ``origin + seconds.astype("timedelta64[s]")``)."""
    out = seconds.astype(np.int64)
    out += np.datetime64(start.to_datetime64(), "s").astype(np.int64)
    return out.view("datetime64[s]")


# ------------------------------------------------------------------------ covariates
def _age_decades(signup_seconds: np.ndarray, birth_seconds: np.ndarray) -> np.ndarray:
    """Age at sign-up in decades from 40, from whole seconds since any common origin."""
    return ((signup_seconds - birth_seconds).astype(float) / 86_400.0 / 365.25 - 40.0) / 10.0


def _covariate_matrix(female: np.ndarray, age: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """The ``(n, len(COVARIATES))`` covariate matrix from its parts."""
    out = np.empty((len(female), len(COVARIATES)))
    out[:, 0] = female
    out[:, 1] = age
    for j, name in enumerate(COVARIATES[2:], start=2):
        out[:, j] = channel == ACQUISITION_CHANNELS.index(name)
    return out


def _covariates(pop: Population) -> np.ndarray:
    """The block's covariates, from the times exactly as the customers table records
    them (sign-up to the second, birth to the day), so that
    :func:`customer_covariates` of the table gives the same numbers."""
    signup = np.rint(pop.signup_day * 86_400.0)
    birth = pop.birth_day * 86_400.0  # whole days
    return _covariate_matrix(pop.gender == 0, _age_decades(signup, birth), pop.channel)


def customer_covariates(customers: pd.DataFrame) -> pd.DataFrame:
    """The covariates of purchase and dropout, computed from a customers table.

    These are the ``x_i`` of ``config.purchases.gamma_purchase`` and ``gamma_dropout``
    (:data:`~crmlab.world.labels.COVARIATES`): ``female`` (1 for women), ``age`` (age
    at sign-up in decades from 40: ``((signup_date - birth_date) in days / 365.25 - 40)
    / 10``) and one 0/1 dummy per acquisition channel but the store (``web``,
    ``call_centre``, ``partner``, ``referral``). A world made with covariate effects
    holds the same numbers in ``truth.customers`` as ``covariate_<name>``.

    Parameters
    ----------
    customers : DataFrame
        With ``customer_id``, ``gender``, ``birth_date``, ``signup_date`` and
        ``acquisition_channel`` (a world's ``customers`` table).

    Returns
    -------
    DataFrame
        One row per customer, indexed by ``customer_id``, one float column per covariate.

    Examples
    --------
    >>> import crmlab as crm
    >>> w = crm.make_world("tiny", seed=1, n_customers=5)
    >>> list(customer_covariates(w.customers).columns)
    ['female', 'age', 'web', 'call_centre', 'partner', 'referral']
    """
    missing = [c for c in ("customer_id", "gender", "birth_date", "signup_date",
                           "acquisition_channel") if c not in customers.columns]
    if missing:
        raise ValueError(f"customers lacks the columns {missing}; customer_covariates needs "
                         "customer_id, gender, birth_date, signup_date, acquisition_channel")
    seconds = [customers[c].to_numpy().astype("datetime64[s]").astype(np.int64)
               for c in ("signup_date", "birth_date")]
    channel = pd.Categorical(customers["acquisition_channel"],
                             categories=ACQUISITION_CHANNELS).codes
    matrix = _covariate_matrix((customers["gender"] == "female").to_numpy(),
                               _age_decades(*seconds), channel)
    return pd.DataFrame(matrix, columns=list(COVARIATES),
                        index=pd.Index(customers["customer_id"], name="customer_id"))


# -------------------------------------------------------------------------- copula
def _copula_draws(rng: np.random.Generator, rho: float, r: np.ndarray, alpha: np.ndarray,
                  a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Purchase rates per day ~ Gamma(r, alpha) / 7 and dropout probabilities ~ Beta(a, b)
    joined by a Gaussian copula of correlation ``rho``: each is its quantile function at
    the normal cdf of correlated normal scores. Upper tails are read from the upper
    regularised functions, so no precision is lost near 1."""
    z = rng.standard_normal((2, len(r)))
    z_rate = z[0]
    z_drop = rho * z[0] + np.sqrt(1.0 - rho * rho) * z[1]
    lam = np.empty(len(r))
    up = z_rate > 0
    lam[~up] = special.gammaincinv(r[~up], special.ndtr(z_rate[~up]))
    lam[up] = special.gammainccinv(r[up], special.ndtr(-z_rate[up]))
    p = np.empty(len(r))
    up = z_drop > 0
    p[~up] = special.betaincinv(a[~up], b[~up], special.ndtr(z_drop[~up]))
    p[up] = 1.0 - special.betaincinv(b[up], a[up], special.ndtr(-z_drop[up]))
    return lam / alpha / 7.0, p


# ------------------------------------------------------------------------- season
@dataclass(frozen=True)
class Season:
    """The purchase season as a time change (internal; public for the tests and the
    docs): operational time ``Lambda(t)``, the integral from the start of the history
    of the monthly multiplier ``1 + A cos(2 pi (month - peak) / 12)``, is piecewise
    linear between month starts.

    Attributes
    ----------
    day : ndarray
        The knots in days since the start: 0, then every first of a month, up to past
        the end of the history plus the true CLV's horizon.
    operational : ndarray
        ``Lambda`` at the knots (days of operational time).
    multiplier : ndarray
        The multiplier between each knot and the next.

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> from crmlab.world.params import PurchaseParams
    >>> cfg = WorldConfig(purchases=PurchaseParams(season_amplitude=0.5, season_peak_month=1))
    >>> s = Season.of(cfg)
    >>> float(s.multiplier[0]), float(s.operational_time(31.0))  # January: 1.5 times
    (1.5, 46.5)
    """

    day: np.ndarray
    operational: np.ndarray
    multiplier: np.ndarray

    @classmethod
    def of(cls, config: WorldConfig) -> Season:
        """The season of a config (``config.purchases.season_amplitude``, ``_peak_month``)."""
        par = config.purchases
        start = config.start_ts
        until = start + pd.Timedelta(days=config.n_days + _horizon_days(config) + 1)
        edges = pd.date_range(start.to_period("M").to_timestamp(),
                              until + pd.offsets.MonthBegin(1), freq="MS")
        day = np.maximum((edges - start).days.to_numpy(dtype=float), 0.0)
        month = edges.month.to_numpy()[:-1]
        multiplier = 1.0 + par.season_amplitude * np.cos(
            2.0 * np.pi * (month - par.season_peak_month) / 12.0)
        operational = np.concatenate([[0.0], np.cumsum(multiplier * np.diff(day))])
        for array in (day, operational, multiplier):
            array.flags.writeable = False
        return cls(day=day, operational=operational, multiplier=multiplier)

    def operational_time(self, day: np.ndarray | float) -> np.ndarray:
        """``Lambda(day)``: operational time at calendar days since the start."""
        return np.interp(day, self.day, self.operational)

    def calendar(self, operational: np.ndarray | float) -> np.ndarray:
        """The inverse: calendar days since the start at operational times."""
        return np.interp(operational, self.operational, self.day)


# --------------------------------------------------------------------- true value
def _horizon_days(config: WorldConfig) -> float:
    """The true CLV's horizon in days (weeks of 7 days, 52 a year, as the truth uses)."""
    return config.clv.horizon_years * 52.0 * 7.0


def _integral_of_exp(x: np.ndarray, length: np.ndarray | float) -> np.ndarray:
    """``(1 - exp(-x L)) / x`` (``L`` where ``x L`` is 0), for complex ``x`` too."""
    xl = x * length
    small = np.abs(xl) < 1e-300
    safe = np.where(small, 1.0, x)
    return np.where(small, length, -np.expm1(-xl) / safe)


def expected_discounted_purchases(config: WorldConfig, rate: np.ndarray, dropout: np.ndarray,
                                  phase: np.ndarray) -> np.ndarray:
    """Expected discounted number of purchases over the true CLV's horizon after the end
    of the history, of customers alive then (the truth's ``true_clv_3y`` is this times
    the expected spend).

    A customer alive at the end, with purchase rate ``lambda``, dropout probability
    ``p``, Erlang shape ``k`` (``config.purchases.gap_shape``) and ``j`` (``phase``)
    of the k Poisson arrivals of rate ``k lambda`` that make the running gap already
    past, buys for the n-th time after ``nk - j`` more arrivals, and is still there for
    it with probability ``(1 - p)^(n - 1)``. Summing over n with the roots of unity
    ``omega_l = exp(2 pi i l / k)`` gives the purchase intensity in closed form,
    ``lambda s^-c sum_l omega_l^-c exp(-k lambda (1 - s omega_l) tau)`` with ``s = (1 -
    p)^(1/k)`` and ``c = k - 1 - j``, at operational time ``tau`` after the end; with a
    season, ``tau = Lambda(T + t) - Lambda(T)`` is linear within each calendar month, so
    the discounted integral over the horizon is a sum of exponential integrals, month by
    month. With ``k = 1`` and no season it is the BG/NBD value ``lambda (1 - exp(-(lambda
    p + d) h)) / (lambda p + d)``.

    Accuracy: exact but for rounding: the sum over roots cancels to the value, with an
    absolute error of about ``1e-16 * k * lambda * h * (1 - p)^-(k-1)/k`` purchases.
    ``1 - p`` is floored at 1e-6 for ``k > 1`` (a customer who drops out after a purchase
    with probability ``1 - 1e-6`` or more is valued as if that were 1 - 1e-6, a change
    below 1e-6 of their value), so the error stays below 1e-7 purchases over a
    three-year horizon for every rate below 10,000 a week. Tests check the values
    against a Monte Carlo of the generator and against numerical integration.

    Parameters
    ----------
    config : WorldConfig
        Its ``purchases`` (gap shape, season) and ``clv`` (discount rate, horizon).
    rate : ndarray
        Purchase rates per week.
    dropout : ndarray
        Dropout probabilities after each repeat purchase.
    phase : ndarray of int
        Arrivals of the running gap already past, 0 .. k - 1.

    Returns
    -------
    ndarray
        Expected purchases, each discounted continuously at the config's annual rate
        (as ``exp(-log(1 + rate) t)``, t in years of 52 weeks).

    Examples
    --------
    >>> from crmlab import WorldConfig
    >>> v = expected_discounted_purchases(WorldConfig(), np.array([1.0]), np.array([0.0]),
    ...                                   np.array([0]))
    >>> round(float(v[0]), 2)  # 156 weeks at one a week, discounted at 10% a year
    135.98
    """
    par = config.purchases
    k = par.gap_shape
    lam = np.asarray(rate, dtype=float) / 7.0  # per day
    p = np.asarray(dropout, dtype=float)
    c = (k - 1 - np.asarray(phase)).astype(float)
    delta = np.log1p(config.clv.discount_rate) / 364.0  # per day
    h = _horizon_days(config)
    if par.season_amplitude > 0:
        season = Season.of(config)
        end = float(config.n_days)
        knots = np.concatenate([[end], season.day[(season.day > end) & (season.day < end + h)],
                                [end + h]])
        u = knots[:-1] - end  # start of each month piece, after the end
        length = np.diff(knots)
        tau = season.operational_time(knots[:-1]) - season.operational_time(end)
        mult = season.multiplier[np.searchsorted(season.day, knots[:-1], side="right") - 1]
    else:
        u, length, tau, mult = (np.zeros(1), np.array([h]), np.zeros(1), np.ones(1))
    if k == 1:
        s = 1.0 - p
        log_s = np.zeros_like(p)
        roots = [(1.0 + 0j, p)]  # (omega, 1 - s omega) with no cancellation
    else:
        log_s = np.log1p(-np.minimum(p, 1.0 - 1e-6)) / k
        s = np.exp(log_s)
        roots = [(1.0 + 0j, -np.expm1(log_s))]
        for j in range(1, k):
            omega = np.exp(2j * np.pi * j / k)
            roots.append((omega, 1.0 - s * omega))
    total = np.zeros(len(lam), dtype=complex)
    for omega, one_minus in roots:
        w = (k * lam * one_minus)[:, None]  # decay per day of operational time
        x = delta + w * mult[None, :]
        pieces = np.exp(-delta * u[None, :] - w * tau[None, :]) * mult[None, :] \
            * _integral_of_exp(x, length[None, :])
        total += omega ** -c * pieces.sum(axis=1)
    return lam * np.exp(-c * log_s) * total.real
