"""Answer checks: the expected answers are recomputed from the student's own world.

Each ``check_*`` function takes a student's answer, rebuilds the expected value from
the world of the identity the grader set (:func:`~crmlab.exercises.student.graded_identity`
— never a seed the notebook chose), and raises ``AssertionError`` with a hint when the
answer is wrong. Messages never print the expected value. An answer copied from a
friend was computed on the friend's world, so it fails.

Tolerances accept correct answers computed by other reasonable methods (another
optimiser or library for the same model, another tie rule for quantile scores, the
integer or fractional boundary customer in a top-20% share), and no more:

==========================  =============================================================
answer                      accepted when
==========================  =============================================================
RFM table                   same customers; frequency exact; monetary to 1e-6; recency
                            within 1 day; each of R, F, M agrees for >= 90% of customers
top-20% share, Gini         within 0.005
BG/NBD parameters           each within 5% (relative)
P(alive)                    each within 0.02
12-month CLV                each within 5% (relative) or 0.5 currency units
segmentation features       every column to 1e-6 (relative)
ARI of your labels          the ARI of those labels against your world's truth, to 1e-6
ARI of each method          within 1e-4 (the call is prescribed: segment(..., seed=0))
complaint rate              within 0.1% (relative)
weather rate ratio          within 0.2% (relative)
peak month                  its seasonal effect is within 0.02 of the largest
==========================  =============================================================

Examples
--------
>>> import os
>>> os.environ.update(CRMLAB_STUDENT_ID="s1", CRMLAB_ASSIGNMENT="rfm_concentration",
...                   CRMLAB_EXERCISE_SEED="11")
>>> revenue = expected_revenue()
>>> from crmlab.analytics import concentration
>>> check_top_share(concentration.top_share(revenue, 0.2))
>>> check_top_share(0.01)
Traceback (most recent call last):
...
AssertionError: top_share: 0.01 is not the share of revenue held by the top 20% of your customers
>>> for k in ("CRMLAB_STUDENT_ID", "CRMLAB_ASSIGNMENT", "CRMLAB_EXERCISE_SEED"):
...     del os.environ[k]
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..world import World
from .student import graded_identity, world_for_seed

__all__ = ["check_bgnbd_params", "check_clv", "check_features", "check_gini",
           "check_label_ari", "check_method_aris", "check_p_alive", "check_panel_rate",
           "check_peak_month", "check_rfm_table", "check_top_share",
           "check_weather_rate_ratio", "expected_revenue", "named_customers"]


def _quiet(func):
    """Run ``func`` with warnings silenced: nbgrader fails a test cell that writes to
    stderr, and a library warning while recomputing the answer is not the student's."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)

    return wrapper


def _world() -> World:
    return world_for_seed(graded_identity().seed)


def _fail(message: str) -> None:
    raise AssertionError(message)


def _number(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        _fail(f"{name}: expected a number; got {type(value).__name__}")
    if not np.isfinite(out):
        _fail(f"{name}: expected a finite number; got {out}")
    return out


def _by_customer(values: Any, ids: pd.Index, name: str) -> pd.Series:
    if isinstance(values, Mapping):
        values = pd.Series(dict(values))
    if not isinstance(values, pd.Series):
        _fail(f"{name}: expected a pandas Series (or dict) indexed by customer id; got "
              f"{type(values).__name__}")
    missing = [c for c in ids if c not in values.index]
    if missing:
        _fail(f"{name}: missing customers {missing}")
    try:
        return values.reindex(ids).astype(float)
    except (TypeError, ValueError):
        _fail(f"{name}: values must be numbers")
    raise AssertionError  # pragma: no cover


# ---------------------------------------------------------------- 1. RFM and concentration
def expected_revenue(world: World | None = None) -> pd.Series:
    """Transaction revenue per customer (customers with at least one transaction)."""
    w = world if world is not None else _world()
    return w.transactions.groupby("customer_id", observed=True)["amount"].sum()


@_quiet
@functools.lru_cache(maxsize=2)
def _rfm(seed: int) -> pd.DataFrame:
    from ..analytics import rfm

    w = world_for_seed(seed)
    return rfm.rfm_table(w.transactions, end=w.config.end, bins=5)


def check_rfm_table(table: Any) -> None:
    """RFM table of the transactions, 5 bins, observation ending on the last day."""
    if not isinstance(table, pd.DataFrame):
        _fail(f"rfm: expected a DataFrame; got {type(table).__name__}")
    expected = _rfm(graded_identity().seed)
    need = ["recency_days", "frequency", "monetary", "R", "F", "M"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        _fail(f"rfm: missing columns {missing}")
    if set(map(str, table.index)) != set(expected.index) or len(table) != len(expected):
        _fail("rfm: the rows must be exactly your customers with at least one transaction, "
              "indexed by customer_id")
    got = table.copy()
    got.index = got.index.map(str)
    got = got.reindex(expected.index)
    if not np.array_equal(got["frequency"].to_numpy(float), expected["frequency"].to_numpy(float)):
        _fail("rfm: frequency should count every transaction of the customer")
    if not np.allclose(got["monetary"].to_numpy(float), expected["monetary"], rtol=1e-6):
        _fail("rfm: monetary should be the mean transaction amount")
    if not np.allclose(got["recency_days"].to_numpy(float), expected["recency_days"], atol=1.0):
        _fail("rfm: recency_days should be days from the last transaction to the end of the "
              "data (world.config.end)")
    for col in ("R", "F", "M"):
        agree = float(np.mean(got[col].to_numpy(float) == expected[col].to_numpy(float)))
        if agree < 0.9:
            _fail(f"rfm: {col} scores agree with quintile scores for only {agree:.0%} of "
                  "customers (5 = best)")


def check_top_share(value: Any) -> None:
    """Share of transaction revenue held by the top 20% of customers."""
    from ..analytics import concentration

    got = _number(value, "top_share")
    if abs(got - concentration.top_share(expected_revenue(), 0.2)) > 0.005:
        _fail(f"top_share: {got:.4g} is not the share of revenue held by the top 20% of your "
              "customers")


def check_gini(value: Any) -> None:
    """Gini coefficient of transaction revenue per customer."""
    from ..analytics import concentration

    got = _number(value, "gini")
    if abs(got - concentration.gini(expected_revenue())) > 0.005:
        _fail(f"gini: {got:.4g} is not the Gini coefficient of your customers' revenue")


# ---------------------------------------------------------------- 2. BG/NBD + Gamma-Gamma
@_quiet
@functools.lru_cache(maxsize=2)
def _clv(seed: int) -> dict[str, Any]:
    from ..analytics import clv

    w = world_for_seed(seed)
    s = clv.summarize_transactions(w.transactions, value_col="amount", end=w.config.end,
                                   freq="W")
    bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    repeat = s[s["frequency"] > 0]
    gg = clv.GammaGamma(repeat["frequency"], repeat["monetary_value"]).fit()
    rng = np.random.default_rng(seed)
    names = pd.Index(sorted(rng.choice(repeat.index.to_numpy(), size=5, replace=False)),
                     name="customer_id")
    rows = s.loc[names]
    return {"params": bg.params, "names": names,
            "p_alive": bg.p_alive(rows["frequency"], rows["recency"], rows["T"]),
            "clv": clv.customer_lifetime_value(bg, gg, rows, horizon=12, period="M",
                                               discount_rate=0.01)}


def named_customers() -> list[str]:
    """The five customers your CLV questions ask about (repeat buyers of your world)."""
    return list(_clv(graded_identity().seed)["names"])


def check_bgnbd_params(params: Any) -> None:
    """BG/NBD parameters r, alpha, a, b (weekly periods)."""
    expected = _clv(graded_identity().seed)["params"]
    if not isinstance(params, Mapping | pd.Series):
        _fail("params: expected a dict or Series with keys r, alpha, a, b")
    for name in ("r", "alpha", "a", "b"):
        if name not in params:
            _fail(f"params: missing {name!r}")
        got = _number(params[name], f"params[{name!r}]")
        if abs(got - expected[name]) > 0.05 * abs(expected[name]):
            _fail(f"params: {name} = {got:.4g} is not the maximum-likelihood estimate on your "
                  "weekly summary")


def check_p_alive(p_alive: Any) -> None:
    """P(alive) at the end of the data for :func:`named_customers`."""
    expected = _clv(graded_identity().seed)["p_alive"]
    got = _by_customer(p_alive, expected.index, "p_alive")
    bad = list(expected.index[np.abs(got.to_numpy() - expected.to_numpy()) > 0.02])
    if bad:
        _fail(f"p_alive: wrong for {bad}")


def check_clv(value: Any) -> None:
    """12-month CLV (monthly discount 1%) for :func:`named_customers`."""
    expected = _clv(graded_identity().seed)["clv"]
    got = _by_customer(value, expected.index, "clv")
    err = np.abs(got.to_numpy() - expected.to_numpy())
    bad = list(expected.index[(err > 0.05 * np.abs(expected.to_numpy())) & (err > 0.5)])
    if bad:
        _fail(f"clv: wrong for {bad}")


# ---------------------------------------------------------------- 3. segmentation
@_quiet
@functools.lru_cache(maxsize=2)
def _segmentation(seed: int) -> dict[str, Any]:
    from ..analytics import segmentation

    w = world_for_seed(seed)
    X = segmentation.customer_features(w.tables)
    truth = w.truth.customers.set_index("customer_id")["segment"].reindex(X.index)
    aris = {m: segmentation.score_labels(segmentation.segment(X, method=m, k=5, seed=0),
                                         truth.to_numpy())["ari"]
            for m in segmentation.METHODS}
    return {"features": X, "truth": truth, "aris": aris}


def check_features(features: Any) -> None:
    """Behavioural features per customer (``customer_features`` of the world's tables)."""
    expected = _segmentation(graded_identity().seed)["features"]
    if not isinstance(features, pd.DataFrame):
        _fail(f"features: expected a DataFrame; got {type(features).__name__}")
    if len(features) != len(expected) or set(map(str, features.index)) != set(expected.index):
        _fail("features: one row per customer, indexed by customer_id")
    missing = [c for c in expected.columns if c not in features.columns]
    if missing:
        _fail(f"features: missing columns {missing}")
    got = features.set_axis(features.index.map(str)).reindex(expected.index)
    for col in expected.columns:
        if not np.allclose(got[col].to_numpy(float), expected[col].to_numpy(float),
                           rtol=1e-6, atol=1e-9):
            _fail(f"features: column {col!r} differs from your world's")


def check_label_ari(labels: Any, ari: Any) -> None:
    """``ari`` must be the adjusted Rand index of ``labels`` against the true segments."""
    from sklearn.metrics import adjusted_rand_score

    truth = _segmentation(graded_identity().seed)["truth"]
    arr = np.asarray(labels).ravel()
    if arr.size != len(truth):
        _fail(f"labels: expected one label per customer ({len(truth)}); got {arr.size}")
    if len(np.unique(arr)) < 2:
        _fail("labels: a segmentation needs at least two groups")
    got = _number(ari, "ari")
    if abs(got - adjusted_rand_score(truth.to_numpy(), arr)) > 1e-6:
        _fail("ari: not the adjusted Rand index of your labels against your world's true "
              "segments (rows in customer_features order)")


def check_method_aris(aris: Any) -> None:
    """ARI of every method in ``segmentation.METHODS`` (k=5, seed=0) on your world."""
    expected = _segmentation(graded_identity().seed)["aris"]
    if not isinstance(aris, Mapping | pd.Series):
        _fail(f"aris: expected a dict method -> ARI with keys {sorted(expected)}")
    for method, value in expected.items():
        if method not in aris:
            _fail(f"aris: missing method {method!r}")
        if abs(_number(aris[method], f"aris[{method!r}]") - value) > 1e-4:
            _fail(f"aris: the ARI of {method!r} is not that of your world")


# ---------------------------------------------------------------- 4. complaints GLM
@_quiet
@functools.lru_cache(maxsize=2)
def _complaints(seed: int) -> dict[str, Any]:
    from ..analytics import service

    w = world_for_seed(seed)
    repair = service.complaint_panel(w.complaints, w.customers, w.weather,
                                     category="repair_delay")
    glm = service.fit_complaint_glm(repair)
    everything = service.fit_complaint_glm(
        service.complaint_panel(w.complaints, w.customers, w.weather))
    season = np.zeros(12)
    for m in range(2, 13):
        season[m - 1] = everything.params.get(f"C(month_of_year)[T.{m}]", 0.0)
    return {"rate": 1000.0 * repair["complaints"].sum() / repair["customers"].sum(),
            "ratio": float(np.exp(glm.params["weather_days"])), "season": season}


def check_panel_rate(value: Any) -> None:
    """Repair-delay complaints per 1,000 customer-months of the province-month panel."""
    got = _number(value, "rate")
    expected = _complaints(graded_identity().seed)["rate"]
    if abs(got - expected) > 1e-3 * expected:
        _fail(f"rate: {got:.4g} is not your repair-delay complaints per 1,000 customer-months")


def check_weather_rate_ratio(value: Any) -> None:
    """exp(weather_days coefficient) of the Poisson GLM of repair-delay complaints."""
    got = _number(value, "rate_ratio")
    expected = _complaints(graded_identity().seed)["ratio"]
    if abs(got - expected) > 2e-3 * expected:
        _fail(f"rate_ratio: {got:.4g} is not exp(beta) of weather_days in your Poisson GLM")


def check_peak_month(month: Any) -> None:
    """Month of year (1-12) with the largest seasonal effect on all complaints."""
    season = _complaints(graded_identity().seed)["season"]
    got = _number(month, "peak_month")
    if got not in range(1, 13):
        _fail(f"peak_month: expected a month number 1-12; got {month!r}")
    if season[int(got) - 1] < season.max() - 0.02:
        _fail(f"peak_month: month {int(got)} does not have the largest seasonal effect")
