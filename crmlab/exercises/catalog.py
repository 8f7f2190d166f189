"""The shipped assignments: their worlds, per-student parameters and questions.

Every assignment exists in English and in Persian (``<name>_fa``: a Persian world,
``fa_IR`` locale, the same questions). A student's parameters — the share of top
customers asked about, the forecast horizon, the segment, the budget — are drawn from
their own seed, so an answer computed with someone else's numbers (or with the
constants of the course notebooks) is wrong for them. :func:`params` is what the
checker uses; :func:`crmlab.exercises.my_params` shows a student theirs.

Examples
--------
>>> sorted(ASSIGNMENTS)[:3]
['billing_collections', 'billing_collections_fa', 'clv_bgnbd']
>>> p = params("rfm_concentration", 12345)
>>> p == params("rfm_concentration", 12345) and p["top"] in (0.05, 0.1, 0.15, 0.25, 0.3)
True
>>> spec("rfm_concentration_fa").locale, spec("rfm_concentration_fa").base
('fa_IR', 'rfm_concentration')
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..world import WorldConfig

__all__ = ["ASSIGNMENTS", "Assignment", "Question", "exercise_config", "params", "spec",
           "world_config"]


@dataclass(frozen=True)
class Question:
    """One graded cell: its nbgrader ``grade_id`` and what a right answer is, in words."""

    id: str
    expected: str      #: what was asked for, in words (feedback; never the value)
    expected_fa: str
    manual: bool = False  #: graded by the instructor (nbgrader manual grading)


@dataclass(frozen=True)
class Assignment:
    """A shipped assignment (one language version)."""

    name: str
    base: str          #: the assignment without its language suffix
    locale: str
    notebook: str      #: the course notebook it practises
    questions: tuple[Question, ...]

    @property
    def language(self) -> str:
        return "fa" if self.locale == "fa_IR" else "en"


def _q(id: str, en: str, fa: str, manual: bool = False) -> Question:
    return Question(id, en, fa, manual)


_FREE = ("a short written explanation, graded by your instructor",
         "توضیحی کوتاه که مدرس آن را نمره می‌دهد")

_BASES: dict[str, tuple[str, tuple[Question, ...]]] = {
    "record_linkage": ("01", (
        _q("q1_pairs", "the number of candidate pairs after blocking on the prescribed keys",
           "تعداد جفت‌های نامزد پس از بلوک‌بندی با کلیدهای خواسته‌شده"),
        _q("q2_f1", "the F1 score of linking the silo records at your threshold, against the "
                    "true customer of each record",
           "امتیاز F1 پیوند رکوردهای سامانه‌ها با آستانهٔ شما، در برابر مشتری واقعی هر رکورد"),
        _q("q3_customers", "how many customers the linked records form at your threshold",
           "تعداد مشتریانی که رکوردهای پیوندخورده با آستانهٔ شما می‌سازند"),
        _q("q4_choice", "which of the offered thresholds has the highest F1 in your world",
           "کدام‌یک از آستانه‌های پیشنهادی در دنیای شما بیشترین F1 را دارد"),
        _q("q4_explain", *_FREE, manual=True))),
    "dbmarketing_crm": ("02", (
        _q("q1_response", "the response rate of your campaign among the contacted customers",
           "نرخ پاسخ کمپین شما در میان مشتریانی که با آن‌ها تماس گرفته شد"),
        _q("q2_profit", "the true incremental profit of calling the top share of customers by "
                        "response score, from the world's counterfactual truth",
           "سود افزایشی واقعی تماس با سهم بالای مشتریان بر پایهٔ امتیاز پاسخ، از حقیقت خلاف‌واقع "
           "دنیا"),
        _q("q3_gap", "the difference in mean monthly spending between loyalty members and "
                     "non-members after joining",
           "اختلاف میانگین خرید ماهانهٔ اعضای باشگاه وفاداری و غیراعضا پس از عضویت"),
        _q("q4_choice", "which list (response score or uplift) earns more for your budget",
           "کدام فهرست (امتیاز پاسخ یا افزایش پاسخ) با بودجهٔ شما سود بیشتری می‌آورد"),
        _q("q4_explain", *_FREE, manual=True))),
    "rfm_concentration": ("03", (
        _q("q1_rfm", "the RFM table of your transactions with your number of score levels, "
                     "the observation ending on the last day of the data",
           "جدول RFM تراکنش‌های شما با تعداد سطح امتیازی که برایتان تعیین شده، با پایان دورهٔ "
           "مشاهده در آخرین روز داده"),
        _q("q2_top_share", "the share of revenue held by your top share of customers (a number "
                           "between 0 and 1)",
           "سهم درآمدِ سهمِ بالای مشتریان شما (عددی بین ۰ و ۱)"),
        _q("q2_gini", "the Gini coefficient of revenue per customer",
           "ضریب جینی درآمد هر مشتری"),
        _q("q3_champions", "how many customers have the top score on all three of R, F and M",
           "تعداد مشتریانی که در هر سه امتیاز R، F و M بالاترین امتیاز را دارند"),
        _q("q3_explain", *_FREE, manual=True))),
    "clv_bgnbd": ("03", (
        _q("q1_params", "the maximum-likelihood BG/NBD parameters r, alpha, a, b on your weekly "
                        "summary",
           "پارامترهای بیشینه‌درست‌نمایی BG/NBD یعنی r، alpha، a و b روی خلاصهٔ هفتگی شما"),
        _q("q2_p_alive", "the probability that each named customer is still alive at the end of "
                         "the data",
           "احتمال زنده‌بودن هر مشتری نام‌برده در پایان داده"),
        _q("q2_clv", "the CLV of each named customer over your horizon with your monthly "
                     "discount rate (BG/NBD with Gamma-Gamma)",
           "ارزش طول عمر هر مشتری نام‌برده در افق زمانی و با نرخ تنزیل ماهانهٔ شما"),
        _q("q3_choice", "which named customer the model values most over your horizon",
           "مدل کدام مشتری نام‌برده را در افق زمانی شما باارزش‌تر می‌داند"),
        _q("q3_explain", *_FREE, manual=True))),
    "segmentation": ("04", (
        _q("q1_features", "the behavioural features of every customer (customer_features)",
           "ویژگی‌های رفتاری همهٔ مشتریان (customer_features)"),
        _q("q2_ari", "the adjusted Rand index of your k-means labels (your k and seed) against "
                     "the true segments",
           "شاخص رند تعدیل‌شدهٔ برچسب‌های k-means شما (با k و بذر خودتان) در برابر بخش‌های "
           "واقعی"),
        _q("q3_aris", "the ARI of every method with your k and seed",
           "ARI هر روش با k و بذر شما"),
        _q("q4_choice", "the method whose segments agree best with the truth (highest ARI)",
           "روشی که بخش‌هایش بیشترین همخوانی را با حقیقت دارند (بیشترین ARI)"),
        _q("q4_explain", *_FREE, manual=True))),
    "complaints_glm": ("05", (
        _q("q1_rate", "complaints of your category per 1,000 customer-months of the panel",
           "شکایت‌های دستهٔ شما به ازای هر ۱٬۰۰۰ مشتری-ماه پنل"),
        _q("q2_ratio", "exp(beta) of weather_days in the Poisson GLM of your category",
           "مقدار exp(beta) متغیر weather_days در مدل پواسون دستهٔ شما"),
        _q("q3_peak", "the month of the year with the largest seasonal effect on all complaints",
           "ماهی از سال که بزرگ‌ترین اثر فصلی را روی همهٔ شکایت‌ها دارد"),
        _q("q4_choice", "the province with the most complaints of your category per 1,000 "
                        "customer-months",
           "استانی که بیشترین شکایت دستهٔ شما را به ازای هر ۱٬۰۰۰ مشتری-ماه دارد"),
        _q("q4_explain", *_FREE, manual=True))),
    "billing_collections": ("06", (
        _q("q1_error_rate", "the share of invoices with a billing error",
           "سهم صورت‌حساب‌هایی که خطای صدور دارند"),
        _q("q2_paid_late", "the share of paid invoices paid more than your number of days after "
                           "their due date",
           "سهم صورت‌حساب‌های پرداخت‌شده‌ای که بیش از تعداد روزِ تعیین‌شده پس از سررسید پرداخت "
           "شده‌اند"),
        _q("q3_suspended", "how many customers would be suspended if service stopped your "
                           "number of days after an unpaid due date",
           "تعداد مشتریانی که اگر خدمت تعداد روزِ تعیین‌شده پس از سررسید پرداخت‌نشده قطع می‌شد، "
           "قطع می‌شدند"),
        _q("q4_choice", "the payment method whose bills are most often paid late",
           "روش پرداختی که صورت‌حساب‌هایش بیشتر از همه دیر پرداخت می‌شوند"),
        _q("q4_explain", *_FREE, manual=True))),
    "social_crm": ("07", (
        _q("q1_referred", "how many customers joined through a referral",
           "تعداد مشتریانی که با معرفی دیگران پیوسته‌اند"),
        _q("q2_cev", "each named customer's engagement value with your referral bonus",
           "ارزش تعامل هر مشتری نام‌برده با پاداش معرفی شما"),
        _q("q3_overlap", "the share of the top customers by engagement value who are also top "
                         "customers by lifetime value (your top share)",
           "سهم مشتریان برتر از نظر ارزش تعامل که از نظر ارزش طول عمر هم برترند"),
        _q("q4_choice", "which named customer is worth most once referrals count",
           "با حساب معرفی‌ها کدام مشتری نام‌برده باارزش‌ترین است"),
        _q("q4_explain", *_FREE, manual=True))),
    "warehouse_sql": ("10", (
        _q("q1_province", "the province with your rank by number of customers in "
                          "dim_customer",
           "استانی که از نظر تعداد مشتری در dim_customer رتبهٔ شما را دارد"),
        _q("q2_revenue", "the revenue of each month of your year from fact_transaction",
           "درآمد هر ماه از سال شما از fact_transaction"),
        _q("q3_top", "the customer ids of the top customers by revenue in your province",
           "شناسهٔ مشتریان برتر استان شما از نظر درآمد"),
        _q("q4_choice", "which channel brings the most revenue in your province",
           "کدام کانال در استان شما بیشترین درآمد را دارد"),
        _q("q4_explain", *_FREE, manual=True))),
}

ASSIGNMENTS: dict[str, Assignment] = {}
for _base, (_nb, _qs) in _BASES.items():
    ASSIGNMENTS[_base] = Assignment(_base, _base, "en_US", _nb, _qs)
    ASSIGNMENTS[f"{_base}_fa"] = Assignment(f"{_base}_fa", _base, "fa_IR", _nb, _qs)


def spec(assignment: str) -> Assignment:
    """The shipped assignment called ``assignment``.

    Raises
    ------
    KeyError
        For an assignment crmlab does not ship (a course may add its own, without
        personalised checks).
    """
    try:
        return ASSIGNMENTS[assignment]
    except KeyError:
        raise KeyError(f"{assignment!r} is not a shipped assignment; shipped: "
                       f"{sorted(ASSIGNMENTS)}") from None


def world_config(locale: str = "en_US") -> WorldConfig:
    """The exercise world: 2,000 customers over two years (small, so a class grades fast)."""
    return WorldConfig(n_customers=2_000, start="2024-01-01", end="2025-12-31", locale=locale)


def exercise_config(assignment: str | None = None) -> WorldConfig:
    """The world of an assignment, in its locale (English for a course's own assignments)."""
    return world_config(ASSIGNMENTS[assignment].locale if assignment in ASSIGNMENTS
                        else "en_US")


def _rng(base: str, seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(base.encode())]))


def params(assignment: str, seed: int) -> dict[str, Any]:
    """The parameters of one student on one assignment (drawn from their seed).

    The same for the English and the Persian version of an assignment.
    """
    base = spec(assignment).base
    rng = _rng(base, int(seed))

    def pick(values):
        return values[int(rng.integers(len(values)))]

    if base == "record_linkage":
        return {"threshold": pick([6.0, 8.0, 9.0, 11.0, 12.0, 14.0]),
                "keys": pick([["phone", "email"], ["address", "name"], ["phone", "name"],
                              ["email", "address"]]),
                "choices": [2.0, 6.0, 10.0, 14.0, 18.0]}
    if base == "dbmarketing_crm":
        return {"campaign": pick(["K001", "K004", "K007"]),
                "share": pick([0.1, 0.15, 0.2, 0.25, 0.3])}
    if base == "rfm_concentration":
        return {"top": pick([0.05, 0.1, 0.15, 0.25, 0.3]), "levels": pick([3, 4, 5]),
                "budget": pick([25, 50, 75, 100, 150])}
    if base == "clv_bgnbd":
        return {"horizon": pick([6, 9, 18, 24]), "discount": pick([0.005, 0.01, 0.015, 0.02]),
                "name_seed": int(rng.integers(2**31))}
    if base == "segmentation":
        return {"k": pick([4, 5, 6]), "seed": int(rng.integers(1, 100))}
    if base == "complaints_glm":
        return {"category": pick(["repair_delay", "network_quality", "outage"])}
    if base == "billing_collections":
        return {"late_days": pick([3, 5, 7, 10]), "suspend_after": pick([15, 30, 45, 60])}
    if base == "social_crm":
        return {"referral_share": pick([0.3, 0.4, 0.5, 0.6]),
                "insight_value": pick([1.0, 2.0, 3.0]), "top": pick([0.05, 0.1, 0.2]),
                "name_seed": int(rng.integers(2**31))}
    if base == "warehouse_sql":
        return {"rank": pick([1, 2, 3]), "year": pick([2024, 2025]), "top_n": pick([3, 5, 10])}
    raise KeyError(base)  # pragma: no cover  (every shipped base is listed above)
