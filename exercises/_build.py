"""Build the shipped assignments (nbgrader source notebooks) in English and Persian.

    python exercises/_build.py          # rewrites exercises/<name>/<name>.ipynb

Each assignment is written once below: the text of every cell in both languages, the
code shared (comments translated). Both versions have the same cells, grade ids and
points, so the checks (crmlab/exercises/checks.py) serve both. Locked cells cannot be
changed by students (nbgrader restores them); every test cell records the answer with
``submit(...)`` first and then runs a few visible shape checks; the verdict is computed
by the grader outside the student's kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
RLM = "\u200f"


def _meta(grade_id: str, *, grade=False, solution=False, locked=True, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _rtl(text: str) -> str:
    return f'<div dir="rtl" lang="fa">\n\n{text.strip()}\n\n</div>'


class Notebook:
    """Cells of one assignment in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.cells: list[dict] = []

    def text(self, grade_id: str, en: str, fa: str) -> None:
        body = _rtl(fa) if self.lang == "fa" else en.strip()
        self.cells.append({"cell_type": "markdown", "id": grade_id,
                           "metadata": _meta(grade_id), "source": body})

    def code(self, grade_id: str, code: str, fa_code: str | None = None) -> None:
        src = fa_code if self.lang == "fa" and fa_code is not None else code
        self.cells.append({"cell_type": "code", "id": grade_id, "execution_count": None,
                           "metadata": _meta(grade_id), "outputs": [], "source": src.strip()})

    def answer(self, grade_id: str, code: str, fa_code: str | None = None) -> None:
        src = fa_code if self.lang == "fa" and fa_code is not None else code
        self.cells.append({"cell_type": "code", "id": grade_id, "execution_count": None,
                           "metadata": _meta(grade_id, solution=True, locked=False),
                           "outputs": [], "source": src.strip()})

    def test(self, grade_id: str, points: int, code: str, fa_code: str | None = None) -> None:
        src = fa_code if self.lang == "fa" and fa_code is not None else code
        self.cells.append({"cell_type": "code", "id": grade_id, "execution_count": None,
                           "metadata": _meta(grade_id, grade=True, points=points),
                           "outputs": [], "source": src.strip()})

    def free(self, grade_id: str, points: int, en: str, fa: str) -> None:
        """A written answer the instructor grades by hand (nbgrader manual grading)."""
        body = fa if self.lang == "fa" else en
        body = f"### BEGIN SOLUTION\n{body.strip()}\n### END SOLUTION"
        if self.lang == "fa":
            body = _rtl(body)
        self.cells.append({"cell_type": "markdown", "id": grade_id,
                           "metadata": _meta(grade_id, grade=True, solution=True, locked=False,
                                             points=points),
                           "source": body})

    def write(self, name: str) -> Path:
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        nb = {"cells": self.cells, "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                           "name": "python3"},
            "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
        path = folder / f"{name}.ipynb"
        path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path


HOW_EN = """Run every cell from the top. Replace `raise NotImplementedError()` with your code.
Your world and your parameters (`p`) are your own: the numbers in the questions (a share,
a horizon, a segment...) come from `p`, so read them there. Each *test* cell records your
answer with `submit(...)` and checks its shape; the grader compares the recorded answers
with values recomputed from **your own** world after the run. Write the explanation
questions in your own words: your instructor grades them."""

HOW_FA = """همهٔ خانه‌ها را از بالا به ترتیب اجرا کنید و به جای `raise NotImplementedError()`
کد خودتان را بنویسید. دنیای داده و پارامترهای شما (`p`) مخصوص خود شماست: عددهایی که
پرسش‌ها به آن‌ها اشاره می‌کنند (یک سهم، یک افق زمانی، یک بخش...) در `p` آمده‌اند. هر
خانهٔ *آزمون* پاسخ شما را با `submit(...)` ثبت می‌کند و شکل آن را می‌سنجد؛ نمره‌دهنده پس
از اجرا پاسخ‌های ثبت‌شده را با مقدارهایی که از **دنیای خود شما** دوباره محاسبه می‌شوند
مقایسه می‌کند. پرسش‌های توضیحی را با کلمات خودتان بنویسید؛ مدرس آن‌ها را نمره می‌دهد."""

SETUP = """
import numpy as np
import pandas as pd
from crmlab.exercises import my_params, my_world, submit

w = my_world()   # your own world (from the crmlab_student.json beside this notebook)
p = my_params()  # your own parameters: the questions below refer to them
print(f"{len(w.customers):,} customers, {len(w.transactions):,} transactions, "
      f"{w.config.start} to {w.config.end}")
p
"""
SETUP_FA = """
import numpy as np
import pandas as pd
from crmlab.exercises import my_params, my_world, submit

w = my_world()   # دنیای داده‌های خود شما (از فایل crmlab_student.json کنار این دفترچه)
p = my_params()  # پارامترهای خود شما: پرسش‌های زیر به آن‌ها اشاره می‌کنند
print(f"{len(w.customers):,} مشتری، {len(w.transactions):,} تراکنش، "
      f"از {w.config.start} تا {w.config.end}")
p
"""


# ------------------------------------------------------------------ 03 RFM, concentration
def rfm_concentration(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: RFM scores and revenue concentration

Not all customers are equally valuable: in most companies a minority brings most of the
revenue. You will score your customers with RFM (recency, frequency, monetary value),
measure how concentrated revenue is, and decide who deserves a retention call.

{HOW_EN}""", f"""
# تمرین: امتیازهای RFM و تمرکز درآمد

همهٔ مشتریان به یک اندازه ارزش ندارند: در بیشتر شرکت‌ها گروه کوچکی از مشتریان بیشتر
درآمد را می‌سازند. در این تمرین به مشتریان خود امتیاز RFM (تازگی، تکرار، ارزش پولی)
می‌دهید، میزان تمرکز درآمد را می‌سنجید و تصمیم می‌گیرید چه کسانی شایستهٔ تماس برای
حفظ مشتری‌اند.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. RFM table (3 points)

Build the RFM table of `w.transactions` with `crmlab.analytics.rfm.rfm_table`, with
**`p["levels"]` score levels**, the observation ending on the last day of the data
(`w.config.end`). Store it in `rfm` (one row per customer with at least one transaction).""",
            """
## ۱. جدول RFM (۳ نمره)

جدول RFM تراکنش‌های `w.transactions` را با `crmlab.analytics.rfm.rfm_table` بسازید، با
**`p["levels"]` سطح امتیاز** و پایان دورهٔ مشاهده در آخرین روز داده (`w.config.end`).
آن را در `rfm` نگه دارید (برای هر مشتریِ دارای دست‌کم یک تراکنش، یک سطر).""")
    nb.answer("q1_answer", """
from crmlab.analytics import rfm as rfm_module

### BEGIN SOLUTION
rfm = rfm_module.rfm_table(w.transactions, end=w.config.end, bins=p["levels"])
### END SOLUTION
rfm.head()""")
    nb.test("q1_rfm", 3, """
# records your answer (checked by the grader), then checks its shape
submit("q1_rfm", rfm)
assert isinstance(rfm, pd.DataFrame)
assert {"recency_days", "monetary", "R", "F", "M"} <= set(rfm.columns)
assert rfm["R"].between(1, p["levels"]).all()""", """
# پاسخ شما را ثبت می‌کند (نمره‌دهنده آن را بررسی می‌کند) و سپس شکل آن را می‌سنجد
submit("q1_rfm", rfm)
assert isinstance(rfm, pd.DataFrame)
assert {"recency_days", "monetary", "R", "F", "M"} <= set(rfm.columns)
assert rfm["R"].between(1, p["levels"]).all()""")
    nb.text("q2_text", """
## 2. Revenue concentration (2 + 2 points)

Total each customer's transaction `amount`. Store in `top_share` the share of total
revenue held by **the top `p["top"]` of customers** (a fraction: 0.15 means the top 15%),
and in `gini` the Gini coefficient of revenue per customer
(`crmlab.analytics.concentration` has both).""", """
## ۲. تمرکز درآمد (۲ + ۲ نمره)

مبلغ تراکنش‌های (`amount`) هر مشتری را جمع بزنید. سهمِ **`p["top"]` مشتریانِ برتر** از
کل درآمد را در `top_share` نگه دارید (یک کسر: ۰٫۱۵ یعنی ۱۵٪ بالایی) و ضریب جینی درآمد هر
مشتری را در `gini` (هر دو در `crmlab.analytics.concentration` هستند).""")
    nb.answer("q2_answer", """
from crmlab.analytics import concentration

### BEGIN SOLUTION
revenue = w.transactions.groupby("customer_id", observed=True)["amount"].sum()
top_share = concentration.top_share(revenue, p["top"])
gini = concentration.gini(revenue)
### END SOLUTION
print(f"the top {p['top']:.0%} hold {top_share:.1%} of revenue; Gini {gini:.3f}")""", """
from crmlab.analytics import concentration

### BEGIN SOLUTION
revenue = w.transactions.groupby("customer_id", observed=True)["amount"].sum()
top_share = concentration.top_share(revenue, p["top"])
gini = concentration.gini(revenue)
### END SOLUTION
print(f"سهم {p['top']:.0%} برتر از درآمد: {top_share:.1%}؛ ضریب جینی {gini:.3f}")""")
    nb.test("q2_top_share", 2, """
submit("q2_top_share", top_share)
assert 0 < top_share <= 1""")
    nb.test("q2_gini", 2, """
submit("q2_gini", gini)
assert 0 <= gini < 1""")
    nb.text("q3_text", """
## 3. Who gets the retention call? (3 + 2 points)

Your retention team can call **`p["budget"]` customers** this month. Look at your RFM
table: how many customers have the top score on all three of R, F and M? Store that
number in `champions`.

Then, in the cell below it, explain in three or four sentences whom you would call with
that budget and why, and one way RFM alone could mislead this decision (think of new
customers, or of profit instead of revenue).""", """
## ۳. با چه کسی تماس بگیریم؟ (۳ + ۲ نمره)

تیم حفظ مشتری این ماه می‌تواند با **`p["budget"]` مشتری** تماس بگیرد. به جدول RFM خود
نگاه کنید: چند مشتری در هر سه امتیاز R، F و M بالاترین امتیاز را دارند؟ این عدد را در
`champions` نگه دارید.

سپس در خانهٔ زیر آن، در سه چهار جمله توضیح دهید با این بودجه با چه کسانی تماس می‌گیرید
و چرا، و یک راه که RFM به‌تنهایی می‌تواند این تصمیم را گمراه کند (به مشتریان تازه یا
به سود به جای درآمد فکر کنید).""")
    nb.answer("q3_answer", """
### BEGIN SOLUTION
best = p["levels"]
champions = int(((rfm["R"] == best) & (rfm["F"] == best) & (rfm["M"] == best)).sum())
### END SOLUTION
print(f"{champions} champions for a budget of {p['budget']} calls")""", """
### BEGIN SOLUTION
best = p["levels"]
champions = int(((rfm["R"] == best) & (rfm["F"] == best) & (rfm["M"] == best)).sum())
### END SOLUTION
print(f"{champions} مشتری برتر برای بودجهٔ {p['budget']} تماس")""")
    nb.test("q3_champions", 3, """
submit("q3_champions", champions)
assert 0 <= champions <= len(rfm)""")
    nb.free("q3_explain", 2, """
With a budget smaller than the number of champions I would rank them by monetary value
and recency and call the most valuable; with budget to spare I would add customers one
level below who recently bought. RFM looks only at past revenue: it ranks a new customer
low on frequency however promising they are, and it ignores the cost to serve, so a
high-revenue customer can still be unprofitable.""", """
اگر بودجه از تعداد مشتریان برتر کمتر باشد، آن‌ها را بر پایهٔ ارزش پولی و تازگی مرتب
می‌کنم و با باارزش‌ترین‌ها تماس می‌گیرم؛ اگر بودجه بیشتر باشد، مشتریانی را که یک سطح
پایین‌ترند و به‌تازگی خرید کرده‌اند هم اضافه می‌کنم. RFM فقط درآمد گذشته را می‌بیند:
مشتری تازه را هرقدر امیدبخش باشد از نظر تکرار پایین می‌نشاند و هزینهٔ خدمت‌رسانی را
نادیده می‌گیرد، پس مشتری پردرآمد ممکن است سودآور نباشد.""")


ASSIGNMENTS = {"rfm_concentration": rfm_concentration}


def main() -> None:
    for name, build in ASSIGNMENTS.items():
        for lang, suffix in (("en", ""), ("fa", "_fa")):
            nb = Notebook(lang)
            build(nb)
            print(nb.write(name + suffix))


if __name__ == "__main__":
    main()
