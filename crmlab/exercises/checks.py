"""The verdicts: recorded answers compared with values recomputed from the student's world.

:func:`grade_answers` runs in the grader's checker process, never in the student's
kernel. It takes the assignment, the student's seed (derived by the grader from the
course secret) and the answers the kernel recorded (:mod:`crmlab.exercises.answers`),
recomputes every expected value from that seed's world and the student's parameters
(:func:`crmlab.exercises.catalog.params`), and returns, per question, the fraction of
the points earned (0 or 1) and a message for the feedback. Messages say what was
expected, in words, and what was wrong with the answer; they never print the expected
value. An answer computed on another world, or with another student's parameters, is
wrong.

Tolerances accept a correct answer computed another reasonable way (another optimiser
or library for the same model, another tie rule for quantile scores, integer or
fractional boundary customers) and reject answers from another world:

==========================  ===============================================================
answer                      accepted when
==========================  ===============================================================
RFM table                   same customers; purchase count exact; monetary to 1e-6;
                            recency within 1 day; each of R, F, M agrees for >= 90% of
                            customers
top share, Gini             within 0.005
count of champions          exact (the scores of rfm_table, as asked)
BG/NBD parameters           each within 5% (relative)
P(alive)                    each within 0.02
CLV                         each within 5% (relative) or 0.5 currency units
features                    every column to 1e-6 (relative)
ARI                         within 1e-4 (the call is prescribed: your k and seed)
complaint rate              within 0.1% (relative)
weather rate ratio          within 0.2% (relative)
peak month, choices         the best option, or one within a small margin of it
==========================  ===============================================================

Examples
--------
>>> from crmlab.exercises import answers
>>> seed = 11
>>> from crmlab.analytics import concentration
>>> from crmlab.exercises.catalog import params
>>> top = params("rfm_concentration", seed)["top"]
>>> share = concentration.top_share(expected_revenue(seed, "rfm_concentration"), top)
>>> v = grade_answers("rfm_concentration", seed, answers.dumps({"q2_top_share": share}))
>>> v["q2_top_share"]["score"], v["q2_gini"]["score"]
(1.0, 0.0)
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import answers as _answers
from .catalog import params, spec
from .student import world_for_seed

__all__ = ["RFM_PURCHASES", "Wrong", "expected_revenue", "grade_answers", "named_customers",
           "segment_call"]

#: The purchase-count column of ``rfm.rfm_table`` (renamed from ``frequency``; answers
#: with either name are accepted). The one place to change if the column moves again.
RFM_PURCHASES = ("purchases", "frequency")


def segment_call(X: pd.DataFrame, method: str, k: int, seed: int) -> np.ndarray:
    """``segmentation.segment`` with the student's k and seed (the one place that spells
    the random-state argument)."""
    from ..analytics import segmentation

    return segmentation.segment(X, method=method, k=k, random_state=seed)


class Wrong(Exception):
    """A wrong answer: ``Wrong(english, persian)`` (what was wrong, never the value)."""

    def __init__(self, en: str, fa: str) -> None:
        super().__init__(en)
        self.en, self.fa = en, fa


_MESSAGES = {
    "ok": ("Correct: {what}.", "درست است: {what}."),
    "none": ("no answer was recorded: the test cell did not run, or failed before it "
             "recorded your answer",
             "پاسخی ثبت نشد: خانهٔ آزمون اجرا نشد یا پیش از ثبت پاسخ خطا داد"),
    "unreadable": ("the recorded answers could not be read", "پاسخ‌های ثبت‌شده خوانا نبودند"),
    "broken": ("your answer could not be checked ({what})", "پاسخ شما بررسی‌پذیر نبود ({what})"),
    "expected": ("Expected: {what}.", "انتظار می‌رفت: {what}."),
}


def _msg(key: str, lang: str, **fmt: Any) -> str:
    en, fa = _MESSAGES[key]
    return (fa if lang == "fa" else en).format(**fmt)


def _quiet(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)

    return wrapper


# ------------------------------------------------------------------------ answer shapes
def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise Wrong(f"{name}: expected a number; got {type(value).__name__}",
                    f"{name}: عدد انتظار می‌رفت؛ {type(value).__name__} دریافت شد")
    out = float(value)
    if not np.isfinite(out):
        raise Wrong(f"{name}: expected a finite number; got {out}",
                    f"{name}: عددی متناهی انتظار می‌رفت؛ {out} دریافت شد")
    return out


def _close(got: float, want: float, *, rel: float = 0.0, abs_: float = 0.0, name: str) -> None:
    if abs(got - want) > max(rel * abs(want), abs_):
        tol = f"{rel:.1%} (relative)" if rel else f"{abs_:g}"
        raise Wrong(f"{name}: {got:.6g} is not within {tol} of the value from your world",
                    f"{name}: {got:.6g} با مقدار دنیای شما بیش از {tol} فاصله دارد")


def _series(value: Any, ids: pd.Index, name: str) -> pd.Series:
    if isinstance(value, Mapping):
        value = pd.Series(dict(value), dtype=object)
    if not isinstance(value, pd.Series):
        raise Wrong(f"{name}: expected a Series (or dict) indexed by customer id; got "
                    f"{type(value).__name__}",
                    f"{name}: یک Series (یا dict) با شناسهٔ مشتری انتظار می‌رفت؛ "
                    f"{type(value).__name__} دریافت شد")
    value = value.set_axis(value.index.map(str))
    missing = [c for c in ids if c not in value.index]
    if missing:
        raise Wrong(f"{name}: missing customers {missing[:5]}",
                    f"{name}: این مشتریان نیستند: {missing[:5]}")
    try:
        return pd.to_numeric(value.reindex(ids), errors="raise").astype(float)
    except (TypeError, ValueError):
        raise Wrong(f"{name}: values must be numbers", f"{name}: مقدارها باید عدد باشند") \
            from None


def _frame(value: Any, name: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise Wrong(f"{name}: expected a table (DataFrame); got {type(value).__name__}",
                    f"{name}: یک جدول (DataFrame) انتظار می‌رفت؛ {type(value).__name__} "
                    "دریافت شد")
    return value.set_axis(value.index.map(str))


def _choice(value: Any, allowed: list, name: str) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        value = value.strip()
    matches = [a for a in allowed if a == value or str(a) == str(value)
               or (isinstance(a, int | float) and isinstance(value, int | float)
                   and not isinstance(value, bool) and float(a) == float(value))]
    if not matches:
        shown = ", ".join(map(repr, allowed))
        raise Wrong(f"{name}: {value!r} is not one of the options ({shown})",
                    f"{name}: {value!r} جزو گزینه‌ها نیست ({shown})")
    return matches[0]


def _best(value: Any, scores: Mapping[Any, float], margin: float, name: str) -> None:
    got = _choice(value, list(scores), name)
    if scores[got] < max(scores.values()) - margin:
        raise Wrong(f"{name}: {got!r} is not the best option in your world",
                    f"{name}: {got!r} در دنیای شما بهترین گزینه نیست")


# -------------------------------------------------------------- 03 RFM and concentration
def expected_revenue(seed: int, assignment: str = "rfm_concentration") -> pd.Series:
    """Transaction revenue per customer (customers with at least one transaction)."""
    w = world_for_seed(seed, assignment)
    return w.transactions.groupby("customer_id", observed=True)["amount"].sum()


@_quiet
@functools.lru_cache(maxsize=4)
def _rfm(seed: int, assignment: str) -> pd.DataFrame:
    from ..analytics import rfm

    w = world_for_seed(seed, assignment)
    return rfm.rfm_table(w.transactions, end=w.config.end, bins=params(assignment, seed)["levels"])


def _purchases(table: pd.DataFrame) -> str | None:
    return next((c for c in RFM_PURCHASES if c in table.columns), None)


def _check_rfm(value: Any, seed: int, assignment: str) -> None:
    table = _frame(value, "rfm")
    expected = _rfm(seed, assignment)
    count = _purchases(table)
    need = ["recency_days", "monetary", "R", "F", "M"]
    missing = [c for c in need if c not in table.columns] + ([] if count else ["purchases"])
    if missing:
        raise Wrong(f"rfm: missing columns {missing}", f"rfm: این ستون‌ها نیستند: {missing}")
    if set(table.index) != set(expected.index) or len(table) != len(expected):
        raise Wrong("rfm: the rows must be exactly your customers with at least one "
                    "transaction, indexed by customer_id",
                    "rfm: سطرها باید دقیقاً مشتریانِ دارای دست‌کم یک تراکنش باشند، با شاخص "
                    "customer_id")
    got = table.reindex(expected.index)
    want_count = expected[_purchases(expected)]
    try:
        numbers = {c: pd.to_numeric(got[c]).to_numpy(float) for c in need + [count]}
    except (TypeError, ValueError):
        raise Wrong("rfm: the columns must hold numbers", "rfm: ستون‌ها باید عدد باشند") \
            from None
    if not np.array_equal(numbers[count], want_count.to_numpy(float)):
        raise Wrong("rfm: the purchase count should count every transaction of the customer",
                    "rfm: شمار خرید باید همهٔ تراکنش‌های مشتری را بشمارد")
    if not np.allclose(numbers["monetary"], expected["monetary"], rtol=1e-6):
        raise Wrong("rfm: monetary should be the mean transaction amount",
                    "rfm: ستون monetary باید میانگین مبلغ تراکنش باشد")
    if not np.allclose(numbers["recency_days"], expected["recency_days"], atol=1.0):
        raise Wrong("rfm: recency_days should be the days from the last transaction to the "
                    "end of the data (world.config.end)",
                    "rfm: recency_days باید تعداد روز از آخرین تراکنش تا پایان داده "
                    "(world.config.end) باشد")
    levels = params(assignment, seed)["levels"]
    for col in ("R", "F", "M"):
        agree = float(np.mean(numbers[col] == expected[col].to_numpy(float)))
        if agree < 0.9:
            raise Wrong(f"rfm: {col} agrees with quantile scores on {levels} levels for only "
                        f"{agree:.0%} of customers (higher is better)",
                        f"rfm: امتیاز {col} فقط برای {agree:.0%} مشتریان با امتیاز چندک‌ها در "
                        f"{levels} سطح یکی است (بزرگ‌تر بهتر است)")


def _check_top_share(value: Any, seed: int, assignment: str) -> None:
    from ..analytics import concentration

    top = params(assignment, seed)["top"]
    _close(_number(value, "top_share"),
           concentration.top_share(expected_revenue(seed, assignment), top),
           abs_=0.005, name="top_share")


def _check_gini(value: Any, seed: int, assignment: str) -> None:
    from ..analytics import concentration

    _close(_number(value, "gini"), concentration.gini(expected_revenue(seed, assignment)),
           abs_=0.005, name="gini")


def _check_champions(value: Any, seed: int, assignment: str) -> None:
    table = _rfm(seed, assignment)
    top = params(assignment, seed)["levels"]
    want = int(((table["R"] == top) & (table["F"] == top) & (table["M"] == top)).sum())
    _close(_number(value, "champions"), want, abs_=0.5, name="champions")


# ---------------------------------------------------------------- 03 BG/NBD + Gamma-Gamma
@_quiet
@functools.lru_cache(maxsize=4)
def _clv(seed: int, assignment: str) -> dict[str, Any]:
    from ..analytics import clv

    w = world_for_seed(seed, assignment)
    p = params(assignment, seed)
    s = clv.summarize_transactions(w.transactions, value_col="amount", end=w.config.end,
                                   freq="W")
    bg = clv.BetaGeo(s["frequency"], s["recency"], s["T"]).fit()
    repeat = s[s["frequency"] > 0]
    gg = clv.GammaGamma(repeat["frequency"], repeat["monetary_value"]).fit()
    rng = np.random.default_rng(p["name_seed"])
    names = pd.Index(sorted(rng.choice(repeat.index.to_numpy(), size=5, replace=False)),
                     name="customer_id")
    rows = s.loc[names]
    value = clv.customer_lifetime_value(bg, gg, rows, horizon=p["horizon"], period="M",
                                        discount_rate=p["discount"])
    return {"params": bg.params, "names": names,
            "p_alive": bg.p_alive(rows["frequency"], rows["recency"], rows["T"]),
            "clv": value}


def named_customers(seed: int, assignment: str) -> list[str]:
    """The five repeat customers a student's CLV (or engagement) questions ask about."""
    if spec(assignment).base == "social_crm":
        return list(_social(seed, assignment)["names"])
    return list(_clv(seed, assignment)["names"])


def _check_bgnbd(value: Any, seed: int, assignment: str) -> None:
    expected = _clv(seed, assignment)["params"]
    if not isinstance(value, Mapping | pd.Series):
        raise Wrong("params: expected a dict or Series with keys r, alpha, a, b",
                    "params: یک dict یا Series با کلیدهای r، alpha، a و b انتظار می‌رفت")
    for name in ("r", "alpha", "a", "b"):
        if name not in value:
            raise Wrong(f"params: missing {name!r}", f"params: کلید {name!r} نیست")
        _close(_number(value[name], f"params[{name!r}]"), float(expected[name]), rel=0.05,
               name=f"params[{name!r}]")


def _check_p_alive(value: Any, seed: int, assignment: str) -> None:
    expected = _clv(seed, assignment)["p_alive"]
    got = _series(value, expected.index, "p_alive")
    bad = list(expected.index[np.abs(got.to_numpy() - expected.to_numpy()) > 0.02])
    if bad:
        raise Wrong(f"p_alive: wrong for {bad}", f"p_alive: برای این مشتریان نادرست است: {bad}")


def _check_clv(value: Any, seed: int, assignment: str) -> None:
    expected = _clv(seed, assignment)["clv"]
    got = _series(value, expected.index, "clv")
    err = np.abs(got.to_numpy() - expected.to_numpy())
    bad = list(expected.index[(err > 0.05 * np.abs(expected.to_numpy())) & (err > 0.5)])
    if bad:
        raise Wrong(f"clv: wrong for {bad} (check the horizon and the discount rate)",
                    f"clv: برای این مشتریان نادرست است: {bad} (افق و نرخ تنزیل را بررسی کنید)")


def _check_clv_choice(value: Any, seed: int, assignment: str) -> None:
    clv = _clv(seed, assignment)["clv"]
    _best(str(value) if not isinstance(value, str) else value, clv.to_dict(),
          0.005 * float(clv.max()), "best_customer")


# -------------------------------------------------------------------------- 04 segments
@_quiet
@functools.lru_cache(maxsize=4)
def _segmentation(seed: int, assignment: str) -> dict[str, Any]:
    from ..analytics import segmentation

    w = world_for_seed(seed, assignment)
    p = params(assignment, seed)
    X = segmentation.customer_features(w.tables)
    truth = w.truth.customers.set_index("customer_id")["segment"].reindex(X.index)
    aris = {m: segmentation.score_labels(segment_call(X, m, p["k"], p["seed"]),
                                         truth.to_numpy())["ari"]
            for m in segmentation.METHODS}
    return {"features": X, "truth": truth, "aris": aris}


def _check_features(value: Any, seed: int, assignment: str) -> None:
    expected = _segmentation(seed, assignment)["features"]
    got = _frame(value, "features")
    if len(got) != len(expected) or set(got.index) != set(expected.index):
        raise Wrong("features: one row per customer, indexed by customer_id",
                    "features: برای هر مشتری یک سطر، با شاخص customer_id")
    missing = [c for c in expected.columns if c not in got.columns]
    if missing:
        raise Wrong(f"features: missing columns {missing}",
                    f"features: این ستون‌ها نیستند: {missing}")
    got = got.reindex(expected.index)
    for col in expected.columns:
        try:
            ok = np.allclose(pd.to_numeric(got[col]).to_numpy(float),
                             expected[col].to_numpy(float), rtol=1e-6, atol=1e-9)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise Wrong(f"features: column {col!r} differs from your world's",
                        f"features: ستون {col!r} با دنیای شما یکی نیست")


def _check_ari(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "ari"), _segmentation(seed, assignment)["aris"]["kmeans"],
           abs_=1e-4, name="ari")


def _check_aris(value: Any, seed: int, assignment: str) -> None:
    expected = _segmentation(seed, assignment)["aris"]
    if not isinstance(value, Mapping | pd.Series):
        raise Wrong(f"aris: expected a dict method -> ARI with keys {sorted(expected)}",
                    f"aris: یک dict از روش به ARI با کلیدهای {sorted(expected)} انتظار می‌رفت")
    for method, want in expected.items():
        if method not in value:
            raise Wrong(f"aris: missing method {method!r}", f"aris: روش {method!r} نیست")
        _close(_number(value[method], f"aris[{method!r}]"), want, abs_=1e-4,
               name=f"aris[{method!r}]")


def _check_method_choice(value: Any, seed: int, assignment: str) -> None:
    _best(value, _segmentation(seed, assignment)["aris"], 0.01, "best_method")


# ------------------------------------------------------------------------ 05 complaints
@_quiet
@functools.lru_cache(maxsize=4)
def _complaints(seed: int, assignment: str) -> dict[str, Any]:
    from ..analytics import service

    w = world_for_seed(seed, assignment)
    category = params(assignment, seed)["category"]
    panel = service.complaint_panel(w.complaints, w.customers, w.weather, category=category)
    glm = service.fit_complaint_glm(panel)
    everything = service.fit_complaint_glm(
        service.complaint_panel(w.complaints, w.customers, w.weather))
    season = {1: 0.0}
    for m in range(2, 13):
        season[m] = float(everything.params.get(f"C(month_of_year)[T.{m}]", 0.0))
    by_province = panel.groupby("province", observed=True)[["complaints", "customers"]].sum()
    per_1000 = (1000 * by_province["complaints"] / by_province["customers"]).to_dict()
    return {"rate": 1000.0 * panel["complaints"].sum() / panel["customers"].sum(),
            "ratio": float(np.exp(glm.params["weather_days"])), "season": season,
            "provinces": {str(k): float(v) for k, v in per_1000.items()}}


def _check_rate(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "rate"), _complaints(seed, assignment)["rate"], rel=1e-3,
           name="rate")


def _check_ratio(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "rate_ratio"), _complaints(seed, assignment)["ratio"], rel=2e-3,
           name="rate_ratio")


def _check_peak(value: Any, seed: int, assignment: str) -> None:
    _best(value, _complaints(seed, assignment)["season"], 0.02, "peak_month")


def _check_complaint_province(value: Any, seed: int, assignment: str) -> None:
    scores = _complaints(seed, assignment)["provinces"]
    _best(value, scores, 0.01 * max(scores.values()), "province")


# ------------------------------------------------------------------------- 01 linkage
@_quiet
@functools.lru_cache(maxsize=4)
def _linkage(seed: int, assignment: str) -> dict[str, Any]:
    from ..analytics import linkage as lk

    w = world_for_seed(seed, assignment)
    p = params(assignment, seed)
    records = lk.standardize_silos(w.silos)
    mapping = w.truth.silo_mapping.astype({"silo": str})
    truth = (records[["source", "record_key"]]
             .merge(mapping, how="left", left_on=["source", "record_key"],
                    right_on=["silo", "record_key"])["customer_id"].to_numpy())
    linked = lk.link_records(records, threshold=p["threshold"])
    score = lk.evaluate_linkage(linked["entity"], truth)
    pairs = linked.attrs["pairs"]
    choices = {th: lk.evaluate_linkage(lk.link_records(records, threshold=th, pairs=pairs)
                                       ["entity"], truth).f1 for th in p["choices"]}
    return {"pairs": len(lk.candidate_pairs(records, keys=p["keys"])), "f1": score.f1,
            "entities": score.entities, "choices": choices}


def _check_pairs(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "pairs"), _linkage(seed, assignment)["pairs"], abs_=0.5,
           name="pairs")


def _check_f1(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "f1"), _linkage(seed, assignment)["f1"], abs_=1e-6, name="f1")


def _check_entities(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "customers"), _linkage(seed, assignment)["entities"], abs_=0.5,
           name="customers")


def _check_threshold(value: Any, seed: int, assignment: str) -> None:
    _best(value, _linkage(seed, assignment)["choices"], 0.002, "best_threshold")


# ----------------------------------------------------------- 02 database marketing, CRM
@_quiet
@functools.lru_cache(maxsize=4)
def _dbm(seed: int, assignment: str) -> dict[str, Any]:
    from ..analytics import loyalty
    from ..analytics import targeting as tg

    w = world_for_seed(seed, assignment)
    p = params(assignment, seed)
    cid = p["campaign"]
    contacts = w.contacts[w.contacts["campaign_id"] == cid]
    rate = contacts.groupby("group", observed=True)["responded"].mean()
    truth = w.truth.contacts[w.truth.contacts["campaign_id"] == cid].reset_index(drop=True)
    campaign = w.campaigns.set_index("campaign_id").loc[cid]
    costs = {"cost_per_contact": float(campaign["cost_per_contact"]),
             "offer_value": float(campaign["offer_value"])}
    profits = {name: tg.incremental_profit(truth, tg.select_top(truth[col], p["share"]),
                                           **costs)
               for name, col in (("response", "response_if_contacted"),
                                 ("uplift", "uplift_probability"))}
    events = pd.concat([w.transactions[["customer_id", "timestamp", "amount"]],
                        w.payments[["customer_id", "timestamp", "amount"]]], ignore_index=True)
    joins = w.loyalty[w.loyalty["event"] == "join"]
    spending = loyalty.member_spending(w.customers, events, joins, end=w.config.end)
    gap = float(loyalty.loyalty_gap(spending).loc["whole history", "gap"])
    return {"lift": float(rate["treatment"] - rate["control"]), "profits": profits,
            "gap": gap}


def _check_lift(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "lift"), _dbm(seed, assignment)["lift"], abs_=1e-6, name="lift")


def _check_profit(value: Any, seed: int, assignment: str) -> None:
    want = _dbm(seed, assignment)["profits"]["uplift"]
    _close(_number(value, "profit"), want, rel=1e-6, abs_=0.01, name="profit")


def _check_gap(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "gap"), _dbm(seed, assignment)["gap"], rel=1e-4, name="gap")


def _check_list_choice(value: Any, seed: int, assignment: str) -> None:
    _best(value, _dbm(seed, assignment)["profits"], 0.5, "best_list")


# ------------------------------------------------------------------ 06 billing, collections
@_quiet
@functools.lru_cache(maxsize=4)
def _billing(seed: int, assignment: str) -> dict[str, Any]:
    from ..analytics import billing

    w = world_for_seed(seed, assignment)
    p = params(assignment, seed)
    errors = billing.billing_errors(w.invoices, w.truth.invoices)
    delay = billing.payment_delays(w.invoices, w.payments)
    paid = delay.dropna()
    late = (paid > p["late_days"])
    method = w.payments.drop_duplicates("invoice_id").set_index("invoice_id")["method"]
    by_method = late.groupby(method.reindex(late.index).astype(str)).mean()
    suspended = billing.suspension_whatif(w.invoices, w.payments,
                                          suspend_after_days=p["suspend_after"])
    return {"error_rate": float((errors["kind"] != "none").mean()),
            "paid_late": float(late.mean()), "suspended": int(suspended["suspended_customers"]),
            "methods": {str(k): float(v) for k, v in by_method.items()}}


def _check_error_rate(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "error_rate"), _billing(seed, assignment)["error_rate"], abs_=1e-6,
           name="error_rate")


def _check_paid_late(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "paid_late"), _billing(seed, assignment)["paid_late"], abs_=1e-6,
           name="paid_late")


def _check_suspended(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "suspended"), _billing(seed, assignment)["suspended"], abs_=0.5,
           name="suspended")


def _check_method(value: Any, seed: int, assignment: str) -> None:
    _best(value, _billing(seed, assignment)["methods"], 0.002, "latest_method")


# ------------------------------------------------------------------------ 07 social CRM
@_quiet
@functools.lru_cache(maxsize=4)
def _social(seed: int, assignment: str) -> dict[str, Any]:
    from ..analytics.engagement import engagement_value

    w = world_for_seed(seed, assignment)
    p = params(assignment, seed)
    clv = w.truth.customers.set_index("customer_id")["true_clv_3y"]
    cev = engagement_value(clv, referrals=w.referrals, posts=w.online_activity,
                           complaints=w.complaints,
                           incremental_referral_share=p["referral_share"],
                           value_per_insight=p["insight_value"])
    referrers = np.sort(w.referrals["referrer_id"].astype(str).unique())
    rng = np.random.default_rng(p["name_seed"])
    names = pd.Index(sorted(rng.choice(referrers, size=5, replace=False)), name="customer_id")
    k = int(round(p["top"] * len(cev)))
    top_cev = set(cev["cev"].nlargest(k).index)
    top_clv = set(cev["clv"].nlargest(k).index)
    return {"referred": int(w.referrals["referred_id"].nunique()), "names": names,
            "cev": cev.loc[names, "cev"], "overlap": len(top_cev & top_clv) / k}


def _check_referred(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "referred"), _social(seed, assignment)["referred"], abs_=0.5,
           name="referred")


def _check_cev(value: Any, seed: int, assignment: str) -> None:
    expected = _social(seed, assignment)["cev"]
    got = _series(value, expected.index, "cev")
    err = np.abs(got.to_numpy() - expected.to_numpy())
    bad = list(expected.index[err > 1e-6 * np.maximum(1.0, np.abs(expected.to_numpy()))])
    if bad:
        raise Wrong(f"cev: wrong for {bad} (check your referral share and insight value)",
                    f"cev: برای این مشتریان نادرست است: {bad} (سهم معرفی و ارزش بینش را "
                    "بررسی کنید)")


def _check_overlap(value: Any, seed: int, assignment: str) -> None:
    _close(_number(value, "overlap"), _social(seed, assignment)["overlap"], abs_=0.01,
           name="overlap")


def _check_cev_choice(value: Any, seed: int, assignment: str) -> None:
    cev = _social(seed, assignment)["cev"]
    _best(value, cev.to_dict(), 1e-6 * max(1.0, float(cev.abs().max())), "most_valuable")


# ----------------------------------------------------------------------- 10 warehouse SQL
@functools.lru_cache(maxsize=4)
def _warehouse(seed: int, assignment: str) -> dict[str, Any]:
    w = world_for_seed(seed, assignment)
    p = params(assignment, seed)
    counts = w.customers["province"].astype(str).value_counts()
    wanted = int(counts.sort_values(ascending=False, kind="stable").iloc[p["rank"] - 1])
    provinces = [str(x) for x in counts.index[counts == wanted]]
    province = sorted(provinces)[0]
    home = w.customers.set_index("customer_id")["province"].astype(str)
    tx = w.transactions.assign(province=w.transactions["customer_id"].astype(str).map(home))
    mine = tx[tx["province"] == province]
    stamp = pd.to_datetime(mine["timestamp"])
    year = mine[stamp.dt.year == p["year"]]
    monthly = (year.groupby(pd.to_datetime(year["timestamp"]).dt.month)["amount"].sum()
               .reindex(range(1, 13), fill_value=0.0))
    revenue = mine.groupby(mine["customer_id"].astype(str))["amount"].sum()
    channels = mine.groupby(mine["channel"].astype(str))["amount"].sum()
    return {"provinces": provinces, "counts": counts, "rank": p["rank"], "province": province,
            "monthly": monthly, "revenue": revenue, "top_n": p["top_n"],
            "channels": {str(k): float(v) for k, v in channels.items()}}


def _check_province(value: Any, seed: int, assignment: str) -> None:
    expected = _warehouse(seed, assignment)
    if not isinstance(value, str) or value.strip() not in expected["provinces"]:
        raise Wrong(f"province: {value!r} is not the province with the "
                    f"{expected['rank']}. most customers in dim_customer",
                    f"province: {value!r} استانِ رتبهٔ {expected['rank']} از نظر تعداد مشتری "
                    "در dim_customer نیست")


def _check_monthly(value: Any, seed: int, assignment: str) -> None:
    expected = _warehouse(seed, assignment)["monthly"]
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        value = value.iloc[:, 0]
    if isinstance(value, Mapping):
        value = pd.Series(dict(value))
    if not isinstance(value, pd.Series):
        raise Wrong("monthly: expected a Series indexed by month (1-12)",
                    "monthly: یک Series با شاخص ماه (۱ تا ۱۲) انتظار می‌رفت")
    try:
        got = pd.to_numeric(value).set_axis(pd.Index(value.index).astype(int))
        got = got.reindex(range(1, 13), fill_value=0.0).astype(float)
    except (TypeError, ValueError):
        raise Wrong("monthly: the index must be month numbers and the values amounts",
                    "monthly: شاخص باید شمارهٔ ماه و مقدارها مبلغ باشند") from None
    bad = [m for m in range(1, 13)
           if abs(got[m] - expected[m]) > 1e-6 * max(1.0, abs(expected[m]))]
    if bad:
        raise Wrong(f"monthly: wrong for months {bad}", f"monthly: برای ماه‌های {bad} نادرست است")


def _check_top(value: Any, seed: int, assignment: str) -> None:
    expected = _warehouse(seed, assignment)
    revenue, n = expected["revenue"], expected["top_n"]
    sequence = isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index)
    got = [str(v) for v in (value.tolist() if hasattr(value, "tolist") else list(value))] \
        if sequence else None
    if got is None or len(got) != n or len(set(got)) != n:
        raise Wrong(f"top: expected a list of {n} different customer ids",
                    f"top: فهرستی از {n} شناسهٔ مشتری متفاوت انتظار می‌رفت")
    cutoff = float(revenue.nlargest(n).iloc[-1])
    if any(c not in revenue.index or revenue[c] < cutoff - 1e-9 for c in got):
        raise Wrong("top: these are not the customers with the highest revenue in your "
                    "province", "top: این‌ها پردرآمدترین مشتریان استان شما نیستند")


def _check_channel(value: Any, seed: int, assignment: str) -> None:
    channels = _warehouse(seed, assignment)["channels"]
    _best(value, channels, 0.005 * max(channels.values()), "channel")


# ------------------------------------------------------------------------------ registry
_CHECKS: dict[str, dict[str, Callable[[Any, int, str], None]]] = {
    "record_linkage": {"q1_pairs": _check_pairs, "q2_f1": _check_f1,
                       "q3_customers": _check_entities, "q4_choice": _check_threshold},
    "dbmarketing_crm": {"q1_response": _check_lift, "q2_profit": _check_profit,
                        "q3_gap": _check_gap, "q4_choice": _check_list_choice},
    "billing_collections": {"q1_error_rate": _check_error_rate,
                            "q2_paid_late": _check_paid_late, "q3_suspended": _check_suspended,
                            "q4_choice": _check_method},
    "social_crm": {"q1_referred": _check_referred, "q2_cev": _check_cev,
                   "q3_overlap": _check_overlap, "q4_choice": _check_cev_choice},
    "warehouse_sql": {"q1_province": _check_province, "q2_revenue": _check_monthly,
                      "q3_top": _check_top, "q4_choice": _check_channel},
    "rfm_concentration": {"q1_rfm": _check_rfm, "q2_top_share": _check_top_share,
                          "q2_gini": _check_gini, "q3_champions": _check_champions},
    "clv_bgnbd": {"q1_params": _check_bgnbd, "q2_p_alive": _check_p_alive,
                  "q2_clv": _check_clv, "q3_choice": _check_clv_choice},
    "segmentation": {"q1_features": _check_features, "q2_ari": _check_ari,
                     "q3_aris": _check_aris, "q4_choice": _check_method_choice},
    "complaints_glm": {"q1_rate": _check_rate, "q2_ratio": _check_ratio,
                       "q3_peak": _check_peak, "q4_choice": _check_complaint_province},
}


def grade_answers(assignment: str, seed: int, recorded: str | bytes | None) -> dict[str, dict]:
    """Verdicts of one student's recorded answers.

    Parameters
    ----------
    assignment : str
        A shipped assignment (:data:`crmlab.exercises.catalog.ASSIGNMENTS`).
    seed : int
        The student's seed (from the course secret, never from the notebook).
    recorded : str, bytes or None
        The answers file the kernel wrote (None: nothing was recorded).

    Returns
    -------
    dict
        ``{question id: {"score": 0.0 or 1.0, "message": text}}`` for every autograded
        question (manually graded ones are left to the instructor). The message starts
        with what was expected, in words, in the assignment's language.
    """
    a = spec(assignment)
    lang = a.language
    checks = _CHECKS[a.base]
    problem = ""
    try:
        got = _answers.loads(recorded) if recorded else {}
    except ValueError as exc:
        got, problem = {}, f"{_msg('unreadable', lang)} ({exc})"
    out: dict[str, dict] = {}
    for q in a.questions:
        if q.manual:
            continue
        what = q.expected_fa if lang == "fa" else q.expected
        expected = _msg("expected", lang, what=what)
        if q.id not in got:
            out[q.id] = {"score": 0.0, "message": f"{expected} {problem or _msg('none', lang)}"}
            continue
        try:
            checks[q.id](got[q.id], int(seed), assignment)
            out[q.id] = {"score": 1.0, "message": _msg("ok", lang, what=what)}
        except Wrong as wrong:
            out[q.id] = {"score": 0.0,
                         "message": f"{expected} {wrong.fa if lang == 'fa' else wrong.en}"}
        except Exception as exc:
            what = type(exc).__name__
            out[q.id] = {"score": 0.0, "message": f"{expected} {_msg('broken', lang, what=what)}"}
    return out
