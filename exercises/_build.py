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
    """Persian markdown, right to left; a line that starts with a Latin word or code gets a
    right-to-left mark, so the line still reads from the right."""
    lines = [RLM + line if line[:1].isascii() and (line[:1].isalpha() or line[:1] == "`")
             else line for line in text.strip().splitlines()]
    body = "\n".join(lines)
    return f'<div dir="rtl" lang="fa">\n\n{body}\n\n</div>'


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


# ------------------------------------------------------------------ 03 BG/NBD, Gamma-Gamma
def clv_bgnbd(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: who is alive, and what are they worth? BG/NBD and Gamma-Gamma

Prepaid customers never tell you they left. The BG/NBD model estimates from each
customer's frequency, recency and age how likely they are still active; the Gamma-Gamma
model adds how much they spend. Together they give customer lifetime value (CLV).

{HOW_EN}""", f"""
# تمرین: چه کسی هنوز مشتری است و چقدر می‌ارزد؟ مدل‌های BG/NBD و گاما-گاما

مشتریان اعتباری هیچ‌وقت خبر نمی‌دهند که رفته‌اند. مدل BG/NBD از تکرار خرید، تازگی و
عمر هر مشتری برآورد می‌کند که چقدر احتمال دارد هنوز فعال باشد؛ مدل گاما-گاما میزان
خرید را هم به آن می‌افزاید. این دو با هم ارزش طول عمر مشتری (CLV) را می‌دهند.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. Fit BG/NBD (3 points)

Summarise `w.transactions` in **weekly** periods up to `w.config.end` with
`crmlab.analytics.clv.summarize_transactions(..., value_col="amount", freq="W")` into
`summary`, fit `clv.BetaGeo`, and store the fitted parameters (`r`, `alpha`, `a`, `b`) in
`params`.""", """
## ۱. برازش BG/NBD (۳ نمره)

تراکنش‌های `w.transactions` را در دوره‌های **هفتگی** تا `w.config.end` با
`crmlab.analytics.clv.summarize_transactions(..., value_col="amount", freq="W")` خلاصه
کنید و در `summary` نگه دارید، مدل `clv.BetaGeo` را برازش دهید و پارامترهای برآوردشده
(`r`، `alpha`، `a` و `b`) را در `params` نگه دارید.""")
    nb.answer("q1_answer", """
from crmlab.analytics import clv

### BEGIN SOLUTION
summary = clv.summarize_transactions(w.transactions, value_col="amount", end=w.config.end,
                                     freq="W")
bg = clv.BetaGeo(summary["frequency"], summary["recency"], summary["T"]).fit()
params = bg.params
### END SOLUTION
params""")
    nb.test("q1_params", 3, """
submit("q1_params", dict(params))
assert all(params[k] > 0 for k in ("r", "alpha", "a", "b"))""")
    nb.text("q2_text", """
## 2. Probability alive and CLV of five named customers (2 + 3 points)

`named_customers()` lists five of your repeat customers. Store in `p_alive` (a Series
indexed by customer id) the probability that each is still alive at the end of the data.
Then fit `clv.GammaGamma` on the customers with at least one repeat purchase and store in
`value` their CLV over **your horizon of `p["horizon"]` months** with **your monthly
discount rate `p["discount"]`**
(`clv.customer_lifetime_value(..., horizon=..., period="M", discount_rate=...)`).""", """
## ۲. احتمال فعال بودن و ارزش طول عمر پنج مشتری نام‌برده (۲ + ۳ نمره)

تابع `named_customers()` پنج مشتری تکرارخرید شما را نام می‌برد. احتمال فعال بودن هر
یک در پایان داده را در `p_alive` (یک Series با شاخص شناسهٔ مشتری) نگه دارید. سپس
`clv.GammaGamma` را روی مشتریانی که دست‌کم یک خرید تکراری دارند برازش دهید و ارزش طول عمر
آن پنج نفر را در **افق `p["horizon"]` ماهه** و با **نرخ تنزیل ماهانهٔ `p["discount"]`** در
`value` نگه دارید
(`clv.customer_lifetime_value(..., horizon=..., period="M", discount_rate=...)`).""")
    nb.answer("q2_answer", """
from crmlab.exercises import named_customers

names = named_customers()
print(names)
### BEGIN SOLUTION
rows = summary.loc[names]
p_alive = bg.p_alive(rows["frequency"], rows["recency"], rows["T"])
repeat = summary[summary["frequency"] > 0]
gg = clv.GammaGamma(repeat["frequency"], repeat["monetary_value"]).fit()
value = clv.customer_lifetime_value(bg, gg, rows, horizon=p["horizon"], period="M",
                                    discount_rate=p["discount"])
### END SOLUTION
pd.DataFrame({"p_alive": p_alive, "clv": value})""")
    nb.test("q2_p_alive", 2, """
submit("q2_p_alive", p_alive)
assert len(p_alive) == 5 and ((p_alive >= 0) & (p_alive <= 1)).all()""")
    nb.test("q2_clv", 3, """
submit("q2_clv", value)
assert len(value) == 5 and (value >= 0).all()""")
    nb.text("q3_text", """
## 3. Whom would you keep? (2 + 2 points)

Store in `best_customer` the id of the named customer the model values most over your
horizon. Then explain below, in three or four sentences, why a customer with a high
probability of being alive can still be worth little, and what the model cannot see
about these five customers.""", """
## ۳. چه کسی را نگه می‌دارید؟ (۲ + ۲ نمره)

شناسهٔ مشتری نام‌برده‌ای را که مدل در افق زمانی شما از همه باارزش‌تر می‌داند در
`best_customer` نگه دارید. سپس در خانهٔ زیر، در سه چهار جمله توضیح دهید چرا مشتری‌ای که
احتمال فعال بودنش بالاست ممکن است ارزش کمی داشته باشد، و مدل چه چیزی را دربارهٔ این پنج
مشتری نمی‌بیند.""")
    nb.answer("q3_answer", """
### BEGIN SOLUTION
best_customer = value.idxmax()
### END SOLUTION
best_customer""")
    nb.test("q3_choice", 2, """
submit("q3_choice", best_customer)
assert best_customer in names""")
    nb.free("q3_explain", 2, """
A customer can be almost surely alive but buy rarely and cheaply, so the expected number
of future purchases times their small spend, discounted, is low. The model sees only the
timing and value of past purchases: not the cost to serve them, their complaints, their
referrals or a competitor's offer that will take them.""", """
مشتری ممکن است تقریباً به‌طور قطع فعال باشد، اما کم و ارزان بخرد؛ پس تعداد خریدهای آیندهٔ
مورد انتظار ضرب در مبلغ اندک، پس از تنزیل، کم می‌شود. مدل فقط زمان و مبلغ خریدهای گذشته را
می‌بیند: نه هزینهٔ خدمت‌رسانی، نه شکایت‌ها، نه معرفی دیگران و نه پیشنهاد رقیبی که او را
خواهد برد.""")


# --------------------------------------------------------------------- 04 segmentation
#: the keyword of segmentation.segment's random seed (the one place to change it)
SEED_KW = "random_state"


def segmentation(nb: Notebook) -> None:
    call = f'segmentation.segment(X, method=m, k=p["k"], {SEED_KW}=p["seed"])'
    nb.text("intro", f"""
# Exercise: a segmentation experiment scored against the truth

Real data never tells you whether a segmentation is right. Your world does: every
customer belongs to a hidden segment (`w.truth.customers["segment"]`). You will segment
customers with several methods, with **your own number of segments `p["k"]` and random
seed `p["seed"]`**, and score each against the truth with the adjusted Rand index (ARI:
1 = perfect, 0 = no better than chance).

{HOW_EN}""", f"""
# تمرین: آزمایش بخش‌بندی و سنجش آن با حقیقت پنهان

داده‌های واقعی هیچ‌وقت نمی‌گویند بخش‌بندی درست است یا نه، اما دنیای شما می‌گوید: هر
مشتری به یک بخش پنهان تعلق دارد (`w.truth.customers["segment"]`). در این تمرین مشتریان را
با چند روش، با **تعداد بخش `p["k"]` و بذر تصادفی `p["seed"]` خودتان**، بخش‌بندی می‌کنید و هر
روش را با شاخص رند تعدیل‌شده (ARI؛ ۱ یعنی کامل و ۰ یعنی بهتر از شانس نیست) در برابر حقیقت
می‌سنجید.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. Features (2 points)

Build the behavioural features of your customers with
`crmlab.analytics.segmentation.customer_features(w.tables)` and store them in `X`.""", """
## ۱. ویژگی‌ها (۲ نمره)

ویژگی‌های رفتاری مشتریان را با `crmlab.analytics.segmentation.customer_features(w.tables)`
بسازید و در `X` نگه دارید.""")
    nb.answer("q1_answer", """
from crmlab.analytics import segmentation

### BEGIN SOLUTION
X = segmentation.customer_features(w.tables)
### END SOLUTION
X.describe().T[["mean", "50%"]]""")
    nb.test("q1_features", 2, """
submit("q1_features", X)
assert len(X) == len(w.customers)""")
    nb.text("q2_text", """
## 2. k-means against the truth (3 points)

Segment `X` with k-means, `segmentation.segment(X, method="kmeans", k=p["k"], ...)` with
your seed `p["seed"]`, into `labels`, and store in `ari` the adjusted Rand index of
`labels` against the true segments of the same customers (in the order of `X`).""", """
## ۲. ‏k-means در برابر حقیقت (۳ نمره)

`X` را با k-means یعنی `segmentation.segment(X, method="kmeans", k=p["k"], ...)` و بذر
`p["seed"]` خودتان بخش‌بندی کنید و نتیجه را در `labels` بگذارید؛ شاخص رند تعدیل‌شدهٔ
`labels` در برابر بخش‌های واقعی همان مشتریان (به ترتیب `X`) را در `ari` نگه دارید.""")
    nb.answer("q2_answer", f"""
truth = w.truth.customers.set_index("customer_id")["segment"].reindex(X.index)
### BEGIN SOLUTION
m = "kmeans"
labels = {call}
ari = segmentation.score_labels(labels, truth.to_numpy())["ari"]
### END SOLUTION
print(f"k-means ARI {{ari:.3f}}")""")
    nb.test("q2_ari", 3, """
submit("q2_ari", ari)
assert len(labels) == len(X) and ari <= 1""")
    nb.text("q3_text", """
## 3. Every method (3 points)

For every method in `segmentation.METHODS`, segment with your `k` and seed and store the
ARI against the truth in the dict `aris` (method name -> ARI).""", """
## ۳. همهٔ روش‌ها (۳ نمره)

برای هر روش در `segmentation.METHODS` با `k` و بذر خودتان بخش‌بندی کنید و ARI آن در برابر
حقیقت را در دیکشنری `aris` (نام روش به ARI) نگه دارید.""")
    nb.answer("q3_answer", f"""
### BEGIN SOLUTION
aris = {{m: segmentation.score_labels({call}, truth.to_numpy())["ari"]
        for m in segmentation.METHODS}}
### END SOLUTION
pd.Series(aris).sort_values(ascending=False)""")
    nb.test("q3_aris", 3, """
submit("q3_aris", aris)
assert set(aris) == set(segmentation.METHODS)""")
    nb.text("q4_text", """
## 4. Which method would you recommend? (2 + 2 points)

Store in `best_method` the method you would recommend for your world (the one whose
segments agree best with the truth). Then explain below why you could not make this
choice with real data, and what you would look at instead.""", """
## ۴. کدام روش را پیشنهاد می‌کنید؟ (۲ + ۲ نمره)

روشی را که برای دنیای خود پیشنهاد می‌کنید (روشی که بخش‌هایش بیشترین همخوانی را با حقیقت
دارند) در `best_method` نگه دارید. سپس در خانهٔ زیر توضیح دهید چرا با داده‌های واقعی
نمی‌توانستید این انتخاب را بکنید و به جای آن به چه چیزی نگاه می‌کردید.""")
    nb.answer("q4_answer", """
### BEGIN SOLUTION
best_method = max(aris, key=aris.get)
### END SOLUTION
best_method""")
    nb.test("q4_choice", 2, """
submit("q4_choice", best_method)
assert best_method in segmentation.METHODS""")
    nb.free("q4_explain", 2, """
Real data has no true segments, so the ARI cannot be computed. I would compare the
methods on what they are for: how stable the segments are across random starts and
samples, whether the segments differ in behaviour we can act on, and whether treating
them differently earns more in a test.""", """
داده‌های واقعی بخش‌های واقعی ندارند، پس ARI را نمی‌توان حساب کرد. روش‌ها را بر پایهٔ
هدفشان مقایسه می‌کنم: پایداری بخش‌ها در شروع‌های تصادفی و نمونه‌های مختلف، تفاوت رفتاری
بخش‌ها که بتوان بر پایه‌اش کاری کرد، و اینکه رفتار متفاوت با آن‌ها در یک آزمایش سود بیشتری
بیاورد یا نه.""")


# ------------------------------------------------------------------------ 05 complaints
def complaints_glm(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: complaint seasonality and weather, a Poisson GLM

Dissatisfaction varies with the season, and in snow storms and floods customers complain
that repair engineers come late. You will count complaints of **your category
`p["category"]`** per province and month and model them with a Poisson GLM that has
month-of-year and province effects, the number of customers as exposure, and the days of
bad weather.

{HOW_EN}""", f"""
# تمرین: فصلی بودن شکایت‌ها و آب‌وهوا با مدل خطی تعمیم‌یافتهٔ پواسون

نارضایتی با فصل تغییر می‌کند و در برف و سیل مشتریان از دیر رسیدن تعمیرکاران شکایت
می‌کنند. در این تمرین شکایت‌های **دستهٔ خودتان `p["category"]`** را برای هر استان و ماه
می‌شمارید و با مدل پواسونی مدل می‌کنید که اثر ماه سال و استان، تعداد مشتریان به‌عنوان
میزان در معرض بودن و روزهای بدی هوا را در بر دارد.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. Complaint rate (2 points)

Build the province-by-month panel of your category with
`crmlab.analytics.service.complaint_panel(w.complaints, w.customers, w.weather,
category=p["category"])` into `panel`, and store in `rate` the number of complaints per
1,000 customer-months over the whole panel.""", """
## ۱. نرخ شکایت (۲ نمره)

پنل استان-ماه شکایت‌های دستهٔ خود را با
`crmlab.analytics.service.complaint_panel(w.complaints, w.customers, w.weather,
category=p["category"])` بسازید و در `panel` بگذارید؛ تعداد شکایت به ازای هر ۱٬۰۰۰
مشتری-ماه در کل پنل را در `rate` نگه دارید.""")
    nb.answer("q1_answer", """
from crmlab.analytics import service

### BEGIN SOLUTION
panel = service.complaint_panel(w.complaints, w.customers, w.weather, category=p["category"])
rate = 1000 * panel["complaints"].sum() / panel["customers"].sum()
### END SOLUTION
print(f"{rate:.2f} complaints per 1,000 customer-months")""")
    nb.test("q1_rate", 2, """
submit("q1_rate", rate)
assert rate > 0""")
    nb.text("q2_text", """
## 2. The weather effect (3 points)

Fit the Poisson GLM on `panel` (`service.fit_complaint_glm`) and store in `rate_ratio`
how many times the complaint rate of your category is multiplied per day of snow or
flood, `exp(beta_weather_days)`.""", """
## ۲. اثر آب‌وهوا (۳ نمره)

مدل پواسون را روی `panel` برازش دهید (`service.fit_complaint_glm`) و در `rate_ratio` نگه
دارید که هر روز برف یا سیل نرخ شکایت دستهٔ شما را چند برابر می‌کند، یعنی
`exp(beta_weather_days)`.""")
    nb.answer("q2_answer", """
### BEGIN SOLUTION
glm = service.fit_complaint_glm(panel)
rate_ratio = float(np.exp(glm.params["weather_days"]))
### END SOLUTION
print(f"each day of bad weather multiplies the rate by {rate_ratio:.3f}")""")
    nb.test("q2_ratio", 3, """
submit("q2_ratio", rate_ratio)
assert rate_ratio > 0""")
    nb.text("q3_text", """
## 3. The complaint season (3 points)

Fit the same GLM on the panel of **all** complaints (no category) and store in
`peak_month` the month of the year (1-12) with the largest seasonal effect (January is the
baseline, with effect 0).""", """
## ۳. فصل شکایت (۳ نمره)

همان مدل را روی پنل **همهٔ** شکایت‌ها (بدون دسته) برازش دهید و ماهی از سال (۱ تا ۱۲) را که
بزرگ‌ترین اثر فصلی را دارد در `peak_month` نگه دارید (ژانویه مبنا و اثرش صفر است).""")
    nb.answer("q3_answer", """
### BEGIN SOLUTION
everything = service.fit_complaint_glm(
    service.complaint_panel(w.complaints, w.customers, w.weather))
season = pd.Series(0.0, index=range(1, 13))
for m in range(2, 13):
    season[m] = everything.params[f"C(month_of_year)[T.{m}]"]
peak_month = int(season.idxmax())
### END SOLUTION
print("peak month:", peak_month)""")
    nb.test("q3_peak", 3, """
submit("q3_peak", peak_month)
assert peak_month in range(1, 13)""")
    nb.text("q4_text", """
## 4. Where should spare repair crews go? (2 + 2 points)

Store in `province` the province with the most complaints of your category per 1,000
customer-months. Then explain below what else you would want to know before you move
crews there, and which other channel you would open for these customers.""", """
## ۴. گروه‌های تعمیر ذخیره به کجا بروند؟ (۲ + ۲ نمره)

استانی را که بیشترین شکایت دستهٔ شما را به ازای هر ۱٬۰۰۰ مشتری-ماه دارد در `province` نگه
دارید. سپس در خانهٔ زیر توضیح دهید پیش از فرستادن گروه‌ها به آنجا چه چیز دیگری باید بدانید
و کدام کانال ارتباطی دیگر را برای این مشتریان باز می‌کنید.""")
    nb.answer("q4_answer", """
### BEGIN SOLUTION
by_province = panel.groupby("province", observed=True)[["complaints", "customers"]].sum()
province = str((by_province["complaints"] / by_province["customers"]).idxmax())
### END SOLUTION
province""")
    nb.test("q4_choice", 2, """
submit("q4_choice", province)
assert province in set(w.customers["province"].astype(str))""")
    nb.free("q4_explain", 2, """
A high rate over two years may come from one storm; I would check the months, the
weather forecast and whether the crews are really short there, and how many customers a
move would help. I would add SMS and web updates on repair times so customers need not
call.""", """
نرخ بالا در دو سال ممکن است از یک طوفان آمده باشد؛ ماه‌ها، پیش‌بینی هوا و کمبود واقعی
گروه‌ها در آنجا را بررسی می‌کنم و اینکه جابه‌جایی به چند مشتری کمک می‌کند. اطلاع‌رسانی
زمان تعمیر با پیامک و وب را اضافه می‌کنم تا مشتری مجبور به تماس نباشد.""")


# ----------------------------------------------------------------------- 01 record linkage
def record_linkage(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: one customer view from four systems (record linkage)

The sales, service, billing and web systems each keep their own customer file, with their
own keys, spellings and typos. Before the contact-centre agent can see one customer, the
records must be linked. You will block, link and score the records of your world against
the true customer behind each record.

{HOW_EN}""", f"""
# تمرین: نمای یکپارچهٔ مشتری از چهار سامانه (پیوند رکوردها)

سامانه‌های فروش، خدمات، صورت‌حساب و وب هر کدام پروندهٔ مشتری خود را با کلیدها، املا و
غلط‌های تایپی خودشان نگه می‌دارند. پیش از آنکه کارشناس مرکز تماس بتواند یک مشتری را یکجا
ببیند، باید رکوردها به هم پیوند بخورند. در این تمرین رکوردهای دنیای خود را بلوک‌بندی و
پیوند می‌دهید و نتیجه را با مشتری واقعی پشت هر رکورد می‌سنجید.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. Blocking (2 points)

Standardise the silo records with `lk.standardize_silos(w.silos)` into `records`
(`lk` is `crmlab.analytics.linkage`). Comparing every pair of records is too slow, so
pairs are only compared when they share a blocking key. Store in `pairs` the number of
candidate pairs when blocking on **your keys `p["keys"]`** (`lk.candidate_pairs`).""", """
## ۱. بلوک‌بندی (۲ نمره)

رکوردهای سامانه‌ها را با `lk.standardize_silos(w.silos)` یکدست کنید و در `records` بگذارید
(`lk` همان `crmlab.analytics.linkage` است). مقایسهٔ همهٔ جفت رکوردها بسیار کند است، پس فقط
جفت‌هایی مقایسه می‌شوند که یک کلید بلوک مشترک دارند. تعداد جفت‌های نامزد را با بلوک‌بندی
روی **کلیدهای خودتان `p["keys"]`** (`lk.candidate_pairs`) در `pairs` نگه دارید.""")
    nb.answer("q1_answer", """
from crmlab.analytics import linkage as lk

records = lk.standardize_silos(w.silos)
### BEGIN SOLUTION
pairs = len(lk.candidate_pairs(records, keys=p["keys"]))
### END SOLUTION
print(f"{len(records):,} records, {pairs:,} candidate pairs")""")
    nb.test("q1_pairs", 2, """
submit("q1_pairs", pairs)
assert 0 < pairs < len(records) * (len(records) - 1) / 2""")
    nb.text("q2_text", """
## 2. Link and score (3 + 2 points)

`truth` below holds the true customer of every record (only a synthetic world knows it).
Link the records with `lk.link_records(records, threshold=p["threshold"])` (all blocking
keys), score the result with `lk.evaluate_linkage(linked["entity"], truth)`, and store
its F1 score in `f1` and the number of customers the linkage finds in `customers`.""", """
## ۲. پیوند و سنجش (۳ + ۲ نمره)

`truth` در زیر مشتری واقعی هر رکورد را نگه می‌دارد (فقط یک دنیای ساختگی آن را می‌داند).
رکوردها را با `lk.link_records(records, threshold=p["threshold"])` (با همهٔ کلیدهای بلوک)
پیوند دهید، نتیجه را با `lk.evaluate_linkage(linked["entity"], truth)` بسنجید و امتیاز F1
آن را در `f1` و تعداد مشتریانی را که پیوند پیدا می‌کند در `customers` نگه دارید.""")
    nb.answer("q2_answer", """
mapping = w.truth.silo_mapping.astype({"silo": str})
truth = (records[["source", "record_key"]]
         .merge(mapping, how="left", left_on=["source", "record_key"],
                right_on=["silo", "record_key"])["customer_id"].to_numpy())
### BEGIN SOLUTION
linked = lk.link_records(records, threshold=p["threshold"])
score = lk.evaluate_linkage(linked["entity"], truth)
f1, customers = score.f1, score.entities
### END SOLUTION
print(f"F1 {f1:.3f}; {customers:,} customers found")""")
    nb.test("q2_f1", 3, """
submit("q2_f1", f1)
assert 0 <= f1 <= 1""")
    nb.test("q3_customers", 2, """
submit("q3_customers", customers)
assert 0 < customers <= len(records)""")
    nb.text("q4_text", """
## 3. Choosing the threshold (3 + 2 points)

Store in `best_threshold` the threshold among `p["choices"]` with the highest F1 in your
world (reuse the scored pairs: `lk.link_records(records, threshold=t,
pairs=linked.attrs["pairs"])`). Then explain below what a threshold that is too low costs
the contact-centre agent, and what one that is too high costs.""", """
## ۳. انتخاب آستانه (۳ + ۲ نمره)

آستانه‌ای از میان `p["choices"]` را که در دنیای شما بیشترین F1 را دارد در `best_threshold`
نگه دارید (از جفت‌های امتیازدار دوباره استفاده کنید:
`lk.link_records(records, threshold=t, pairs=linked.attrs["pairs"])`). سپس در خانهٔ زیر
توضیح دهید آستانهٔ خیلی پایین برای کارشناس مرکز تماس چه هزینه‌ای دارد و آستانهٔ خیلی
بالا چه هزینه‌ای.""")
    nb.answer("q4_answer", """
### BEGIN SOLUTION
f1_by = {t: lk.evaluate_linkage(lk.link_records(records, threshold=t,
                                                pairs=linked.attrs["pairs"])["entity"],
                                truth).f1 for t in p["choices"]}
best_threshold = max(f1_by, key=f1_by.get)
### END SOLUTION
best_threshold""")
    nb.test("q4_choice", 3, """
submit("q4_choice", best_threshold)
assert best_threshold in p["choices"]""")
    nb.free("q4_explain", 2, """
Too low a threshold merges different people: the agent sees someone else's bills and
contracts, and may disclose them or act on them. Too high a threshold splits one customer
into several: the agent misses earlier complaints and payments, and the customer has to
tell the story again.""", """
آستانهٔ خیلی پایین افراد متفاوت را یکی می‌کند: کارشناس صورت‌حساب‌ها و قراردادهای شخص
دیگری را می‌بیند و ممکن است آن‌ها را فاش کند یا بر پایه‌شان تصمیم بگیرد. آستانهٔ خیلی بالا
یک مشتری را چند تکه می‌کند: کارشناس شکایت‌ها و پرداخت‌های قبلی را نمی‌بیند و مشتری باید
ماجرا را از نو تعریف کند.""")


# --------------------------------------------------------- 02 database marketing vs CRM
def dbmarketing_crm(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: database marketing is not CRM

A call list ranked by response rate, and a loyalty programme whose members spend more,
both look like success. Your world knows what would have happened without the call and
without the programme. You will measure a campaign, compare two ways of choosing whom to
call by their *true* incremental profit, and look at the loyalty gap.

{HOW_EN}""", f"""
# تمرین: بازاریابی پایگاه داده، مدیریت ارتباط با مشتری نیست

فهرست تماسی که بر پایهٔ نرخ پاسخ مرتب شده و برنامهٔ وفاداری‌ای که اعضایش بیشتر خرید
می‌کنند، هر دو موفق به نظر می‌رسند. دنیای شما می‌داند بدون تماس و بدون برنامه چه پیش
می‌آمد. در این تمرین یک کمپین را می‌سنجید، دو شیوهٔ انتخاب مخاطبان را با سود افزایشی
*واقعی* مقایسه می‌کنید و به شکاف اعضای باشگاه وفاداری نگاه می‌کنید.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. The campaign's incremental response (2 points)

Your campaign is `p["campaign"]`. In `w.contacts`, its `treatment` group was contacted and
its `control` group, chosen at random, was not. Store in `lift` the response rate of the
treatment group minus that of the control group.""", """
## ۱. پاسخ افزایشی کمپین (۲ نمره)

کمپین شما `p["campaign"]` است. در `w.contacts` با گروه `treatment` آن تماس گرفته شده و با
گروه `control` که تصادفی انتخاب شده تماسی گرفته نشده است. نرخ پاسخ گروه درمان منهای نرخ
پاسخ گروه کنترل را در `lift` نگه دارید.""")
    nb.answer("q1_answer", """
contacts = w.contacts[w.contacts["campaign_id"] == p["campaign"]]
### BEGIN SOLUTION
rate = contacts.groupby("group", observed=True)["responded"].mean()
lift = float(rate["treatment"] - rate["control"])
### END SOLUTION
print(f"incremental response rate {lift:+.1%}")""")
    nb.test("q1_response", 2, """
submit("q1_response", lift)
assert -1 <= lift <= 1""")
    nb.text("q2_text", """
## 2. The true profit of an uplift list (3 points)

`truth` below is your campaign's rows of `w.truth.contacts`: for every eligible customer,
whether they would respond if contacted, and if not contacted. Select **your share
`p["share"]`** of them with the highest `uplift_probability` (`tg.select_top`) and store
in `profit` the true incremental profit of contacting them (`tg.incremental_profit`, with
the campaign's `cost_per_contact` and `offer_value`; `tg` is
`crmlab.analytics.targeting`).""", """
## ۲. سود واقعی فهرست افزایش پاسخ (۳ نمره)

`truth` در زیر سطرهای کمپین شما در `w.truth.contacts` است: برای هر مشتری واجد شرایط،
اینکه اگر با او تماس گرفته شود پاسخ می‌دهد یا نه، و اگر تماس گرفته نشود چه. **سهم
`p["share"]` خودتان** از آن‌ها را که بیشترین `uplift_probability` را دارند انتخاب کنید
(`tg.select_top`) و سود افزایشی واقعی تماس با آن‌ها را در `profit` نگه دارید
(`tg.incremental_profit` با `cost_per_contact` و `offer_value` کمپین؛ `tg` همان
`crmlab.analytics.targeting` است).""")
    nb.answer("q2_answer", """
from crmlab.analytics import targeting as tg

truth = w.truth.contacts[w.truth.contacts["campaign_id"] == p["campaign"]].reset_index(drop=True)
campaign = w.campaigns.set_index("campaign_id").loc[p["campaign"]]
costs = {"cost_per_contact": float(campaign["cost_per_contact"]),
         "offer_value": float(campaign["offer_value"])}
### BEGIN SOLUTION
chosen = tg.select_top(truth["uplift_probability"], p["share"])
profit = tg.incremental_profit(truth, chosen, **costs)
### END SOLUTION
print(f"true incremental profit {profit:,.2f}")""")
    nb.test("q2_profit", 3, """
submit("q2_profit", profit)
assert np.isfinite(profit)""")
    nb.text("q3_text", """
## 3. The loyalty gap (2 points)

Compute what members of the loyalty programme spend per month against non-members, as
in notebook 02: `loy.member_spending(w.customers, events, joins, end=w.config.end)` and
`loy.loyalty_gap(...)` (`loy` is `crmlab.analytics.loyalty`; `events` and `joins` are
below). Store in `gap` the gap over the whole history (`"whole history"`, column `gap`).""",
            """
## ۳. شکاف وفاداری (۲ نمره)

مانند دفترچهٔ ۰۲ حساب کنید که اعضای برنامهٔ وفاداری در ماه چقدر بیشتر از غیراعضا خرید
می‌کنند: `loy.member_spending(w.customers, events, joins, end=w.config.end)` و
`loy.loyalty_gap(...)` (`loy` همان `crmlab.analytics.loyalty` است؛ `events` و `joins` در
زیر آمده‌اند). شکاف در کل تاریخچه (سطر `"whole history"`، ستون `gap`) را در `gap` نگه دارید.""")
    nb.answer("q3_answer", """
from crmlab.analytics import loyalty as loy

events = pd.concat([w.transactions[["customer_id", "timestamp", "amount"]],
                    w.payments[["customer_id", "timestamp", "amount"]]], ignore_index=True)
joins = w.loyalty[w.loyalty["event"] == "join"]
### BEGIN SOLUTION
spending = loy.member_spending(w.customers, events, joins, end=w.config.end)
gap = float(loy.loyalty_gap(spending).loc["whole history", "gap"])
### END SOLUTION
print(f"members spend {gap:.2f} more per month")""")
    nb.test("q3_gap", 2, """
submit("q3_gap", gap)
assert np.isfinite(gap)""")
    nb.text("q4_text", """
## 4. Which list would you call? (3 + 2 points)

A database marketer calls the customers who would respond (`response_if_contacted`);
CRM calls those whom the call changes (`uplift_probability`). With your share, which list
earns more true incremental profit? Store `"response"` or `"uplift"` in `best_list`. Then
explain below why the members' higher spending does not show that the loyalty programme
works.""", """
## ۴. با کدام فهرست تماس می‌گیرید؟ (۳ + ۲ نمره)

بازاریاب پایگاه داده با مشتریانی تماس می‌گیرد که پاسخ می‌دهند (`response_if_contacted`)؛
مدیریت ارتباط با مشتری با کسانی که تماس رفتارشان را تغییر می‌دهد (`uplift_probability`). با
سهم خودتان، کدام فهرست سود افزایشی واقعی بیشتری دارد؟ `"response"` یا `"uplift"` را در
`best_list` نگه دارید. سپس در خانهٔ زیر توضیح دهید چرا خرید بیشتر اعضا نشان نمی‌دهد که
برنامهٔ وفاداری کار می‌کند.""")
    nb.answer("q4_answer", """
### BEGIN SOLUTION
profits = {name: tg.incremental_profit(truth, tg.select_top(truth[col], p["share"]), **costs)
           for name, col in (("response", "response_if_contacted"),
                             ("uplift", "uplift_probability"))}
best_list = max(profits, key=profits.get)
### END SOLUTION
profits""")
    nb.test("q4_choice", 3, """
submit("q4_choice", best_list)
assert best_list in ("response", "uplift")""")
    nb.free("q4_explain", 2, """
Customers who already spend more are the ones who choose to join, so members spent more
before they joined too: the gap is selection, not the programme. Comparing members with
themselves before joining, or with similar non-members, shows the programme's effect is
close to nothing.""", """
مشتریانی که از قبل بیشتر خرید می‌کنند همان‌هایی‌اند که عضو می‌شوند، پس اعضا پیش از عضویت
هم بیشتر خرید می‌کردند: این شکاف حاصل سوگیری انتخاب است، نه برنامه. مقایسهٔ اعضا با خودشان
پیش از عضویت، یا با غیراعضای مشابه، نشان می‌دهد اثر برنامه نزدیک به صفر است.""")


# ------------------------------------------------------------ 06 billing and collections
def billing_collections(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: billing errors, late payment and collections

Postpaid customers receive a bill each month. Some bills are wrong, some are paid late,
some never; the collections ladder reminds, suspends and finally writes off. You will
measure billing errors and late payment in your world and test a suspension rule.

{HOW_EN}""", f"""
# تمرین: خطای صورت‌حساب، تأخیر در پرداخت و وصول مطالبات

مشترکان دائمی هر ماه صورت‌حساب دریافت می‌کنند. برخی صورت‌حساب‌ها اشتباه‌اند، برخی دیر
پرداخت می‌شوند و برخی هرگز؛ نردبان وصول مطالبات یادآوری می‌کند، خط را قطع می‌کند و سرانجام
مطالبه را سوخت می‌کند. در این تمرین خطای صورت‌حساب و تأخیر در پرداخت را در دنیای خود
می‌سنجید و یک قاعدهٔ قطع خط را می‌آزمایید.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. Billing errors (2 points)

Compare each bill with what it should have been with
`billing.billing_errors(w.invoices, w.truth.invoices)` (`billing` is
`crmlab.analytics.billing`) and store in `error_rate` the share of bills with an error
(`kind` other than `"none"`).""", """
## ۱. خطای صورت‌حساب (۲ نمره)

هر صورت‌حساب را با مبلغی که باید می‌بود با
`billing.billing_errors(w.invoices, w.truth.invoices)` مقایسه کنید (`billing` همان
`crmlab.analytics.billing` است) و سهم صورت‌حساب‌های دارای خطا (`kind` به جز `"none"`) را در
`error_rate` نگه دارید.""")
    nb.answer("q1_answer", """
from crmlab.analytics import billing

### BEGIN SOLUTION
errors = billing.billing_errors(w.invoices, w.truth.invoices)
error_rate = float((errors["kind"] != "none").mean())
### END SOLUTION
print(f"{error_rate:.2%} of bills are wrong")""")
    nb.test("q1_error_rate", 2, """
submit("q1_error_rate", error_rate)
assert 0 <= error_rate <= 1""")
    nb.text("q2_text", """
## 2. Paying late (3 points)

`billing.payment_delays(w.invoices, w.payments)` gives the days from each bill's due date
to its payment (NaN: not paid in the data). Among the bills that were paid, store in
`paid_late` the share paid **more than `p["late_days"]` days** after the due date.""", """
## ۲. پرداخت با تأخیر (۳ نمره)

`billing.payment_delays(w.invoices, w.payments)` تعداد روز از سررسید هر صورت‌حساب تا
پرداخت آن را می‌دهد (NaN یعنی در داده پرداخت نشده است). از میان صورت‌حساب‌های پرداخت‌شده،
سهم آن‌هایی را که **بیش از `p["late_days"]` روز** پس از سررسید پرداخت شده‌اند در `paid_late`
نگه دارید.""")
    nb.answer("q2_answer", """
### BEGIN SOLUTION
delay = billing.payment_delays(w.invoices, w.payments)
paid = delay.dropna()
paid_late = float((paid > p["late_days"]).mean())
### END SOLUTION
print(f"{paid_late:.1%} of paid bills came more than {p['late_days']} days late")""")
    nb.test("q2_paid_late", 3, """
submit("q2_paid_late", paid_late)
assert 0 <= paid_late <= 1""")
    nb.text("q3_text", """
## 3. A suspension rule (2 points)

If service were suspended **`p["suspend_after"]` days** after an unpaid due date, how
many customers would be suspended? Use `billing.suspension_whatif(w.invoices, w.payments,
suspend_after_days=...)` and store its `suspended_customers` in `suspended`.""", """
## ۳. قاعدهٔ قطع خط (۲ نمره)

اگر خدمت **`p["suspend_after"]` روز** پس از سررسید پرداخت‌نشده قطع می‌شد، چند مشتری قطع
می‌شدند؟ از `billing.suspension_whatif(w.invoices, w.payments, suspend_after_days=...)`
استفاده کنید و `suspended_customers` آن را در `suspended` نگه دارید.""")
    nb.answer("q3_answer", """
### BEGIN SOLUTION
whatif = billing.suspension_whatif(w.invoices, w.payments,
                                   suspend_after_days=p["suspend_after"])
suspended = int(whatif["suspended_customers"])
### END SOLUTION
print(f"{suspended} customers suspended")""")
    nb.test("q3_suspended", 2, """
submit("q3_suspended", suspended)
assert suspended >= 0""")
    nb.text("q4_text", """
## 4. Whom to remind first? (3 + 2 points)

Each payment has a `method` (`w.payments`). Store in `latest_method` the payment method
whose bills are most often paid more than `p["late_days"]` days late. Then explain below
how you would use this, and what suspending good but slow payers costs the operator.""",
            """
## ۴. به چه کسانی زودتر یادآوری کنیم؟ (۳ + ۲ نمره)

هر پرداخت یک `method` دارد (`w.payments`). روش پرداختی را که صورت‌حساب‌هایش بیشتر از همه با
تأخیر بیش از `p["late_days"]` روز پرداخت می‌شوند در `latest_method` نگه دارید. سپس در خانهٔ
زیر توضیح دهید از این نتیجه چه استفاده‌ای می‌کنید و قطع خط مشتریان خوش‌حساب ولی کُند چه
هزینه‌ای برای اپراتور دارد.""")
    nb.answer("q4_answer", """
method = w.payments.drop_duplicates("invoice_id").set_index("invoice_id")["method"]
### BEGIN SOLUTION
late = paid > p["late_days"]
by_method = late.groupby(method.reindex(late.index).astype(str)).mean()
latest_method = str(by_method.idxmax())
### END SOLUTION
by_method.sort_values(ascending=False)""")
    nb.test("q4_choice", 3, """
submit("q4_choice", latest_method)
assert latest_method in set(w.payments["method"].astype(str))""")
    nb.free("q4_explain", 2, """
I would remind the customers who pay by that method a few days before the due date, by
SMS or in the app, and offer them a more convenient way to pay. Suspending someone who
would have paid a week later loses their future revenue and goodwill and makes them
likely to leave: the cost is their lifetime value, not the late bill.""", """
به مشتریانی که با آن روش پرداخت می‌کنند چند روز پیش از سررسید با پیامک یا در اپلیکیشن
یادآوری می‌کنم و روش پرداخت راحت‌تری پیشنهاد می‌دهم. قطع خط کسی که یک هفته بعد پرداخت
می‌کرد، درآمد آینده و حسن‌نیت او را از بین می‌برد و احتمال رفتنش را بالا می‌برد: هزینه، ارزش
طول عمر اوست، نه صورت‌حساب معوق.""")


# --------------------------------------------------------------------------- 07 social CRM
def social_crm(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: social CRM, customers are worth more than what they buy

A customer who brings friends, writes posts that others read, or tells you what is wrong
is worth more than their own purchases. You will measure referrals and compute customer
engagement value (CEV) with **your assumptions** (`p`), and see who is valuable once
referrals, influence and knowledge count.

{HOW_EN}""", f"""
# تمرین: مدیریت ارتباط با مشتری اجتماعی؛ مشتری بیش از خریدش می‌ارزد

مشتری‌ای که دوستانش را می‌آورد، پست‌هایی می‌نویسد که دیگران می‌خوانند یا می‌گوید چه
چیزی درست کار نمی‌کند، بیش از خریدهای خودش ارزش دارد. در این تمرین معرفی‌ها را می‌سنجید،
ارزش مشارکت مشتری (CEV) را با **فرض‌های خودتان** (`p`) حساب می‌کنید و می‌بینید وقتی
معرفی، تأثیرگذاری و دانش هم حساب شوند چه کسی باارزش است.

{HOW_FA}""")
    nb.code("setup", SETUP, SETUP_FA)
    nb.text("q1_text", """
## 1. Referrals (2 points)

Store in `referred` the number of customers who joined through a referral
(`w.referrals`, column `referred_id`).""", """
## ۱. معرفی‌ها (۲ نمره)

تعداد مشتریانی را که با معرفی دیگران پیوسته‌اند در `referred` نگه دارید (`w.referrals`،
ستون `referred_id`).""")
    nb.answer("q1_answer", """
### BEGIN SOLUTION
referred = int(w.referrals["referred_id"].nunique())
### END SOLUTION
print(f"{referred} customers came through a referral")""")
    nb.test("q1_referred", 2, """
submit("q1_referred", referred)
assert 0 <= referred <= len(w.customers)""")
    nb.text("q2_text", """
## 2. Engagement value of five named customers (3 points)

Compute engagement value with
`engagement_value(clv, referrals=w.referrals, posts=w.online_activity,
complaints=w.complaints, incremental_referral_share=p["referral_share"],
value_per_insight=p["insight_value"])`, where `clv` is the true 3-year lifetime value
below. Store in `value` the `cev` of the five customers `named_customers()` lists (a
Series indexed by customer id).""", """
## ۲. ارزش مشارکت پنج مشتری نام‌برده (۳ نمره)

ارزش مشارکت را با
`engagement_value(clv, referrals=w.referrals, posts=w.online_activity,
complaints=w.complaints, incremental_referral_share=p["referral_share"],
value_per_insight=p["insight_value"])` حساب کنید که در آن `clv` ارزش طول عمر سه‌سالهٔ
واقعی در زیر است. ستون `cev` پنج مشتری‌ای را که `named_customers()` نام می‌برد در `value`
نگه دارید (یک Series با شاخص شناسهٔ مشتری).""")
    nb.answer("q2_answer", """
from crmlab.analytics.engagement import engagement_value
from crmlab.exercises import named_customers

names = named_customers()
clv = w.truth.customers.set_index("customer_id")["true_clv_3y"]
### BEGIN SOLUTION
cev = engagement_value(clv, referrals=w.referrals, posts=w.online_activity,
                       complaints=w.complaints,
                       incremental_referral_share=p["referral_share"],
                       value_per_insight=p["insight_value"])
value = cev.loc[names, "cev"]
### END SOLUTION
cev.loc[names]""")
    nb.test("q2_cev", 3, """
submit("q2_cev", value)
assert len(value) == 5""")
    nb.text("q3_text", """
## 3. Top spenders and top engagers (2 points)

Take the top `p["top"]` of customers by engagement value (`cev`) and the same number by
lifetime value (`clv` column of the same table; `round(p["top"] * len(cev))` customers,
`nlargest`). Store in `overlap` the share of the first group that is also in the
second.""", """
## ۳. پرخریدترین‌ها و پرمشارکت‌ترین‌ها (۲ نمره)

سهم `p["top"]` بالای مشتریان از نظر ارزش مشارکت (`cev`) و همان تعداد از نظر ارزش طول عمر
(ستون `clv` همان جدول) را جدا کنید (`round(p["top"] * len(cev))` مشتری، با `nlargest`). سهمی
از گروه اول را که در گروه دوم هم هستند در `overlap` نگه دارید.""")
    nb.answer("q3_answer", """
### BEGIN SOLUTION
k = int(round(p["top"] * len(cev)))
top_cev = set(cev["cev"].nlargest(k).index)
top_clv = set(cev["clv"].nlargest(k).index)
overlap = len(top_cev & top_clv) / k
### END SOLUTION
print(f"{overlap:.0%} of the top engagers are also top spenders")""")
    nb.test("q3_overlap", 2, """
submit("q3_overlap", overlap)
assert 0 <= overlap <= 1""")
    nb.text("q4_text", """
## 4. Who is worth most? (3 + 2 points)

Store in `most_valuable` the named customer with the highest engagement value. Then
explain below how your answer depends on your assumptions (`p`), and how you would
treat a customer whose engagement value is far above their lifetime value.""", """
## ۴. چه کسی از همه باارزش‌تر است؟ (۳ + ۲ نمره)

مشتری نام‌برده‌ای را که بیشترین ارزش مشارکت را دارد در `most_valuable` نگه دارید. سپس در
خانهٔ زیر توضیح دهید پاسخ شما چگونه به فرض‌هایتان (`p`) بستگی دارد و با مشتری‌ای که ارزش
مشارکتش بسیار بیشتر از ارزش طول عمرش است چه رفتاری می‌کنید.""")
    nb.answer("q4_answer", """
### BEGIN SOLUTION
most_valuable = str(value.idxmax())
### END SOLUTION
most_valuable""")
    nb.test("q4_choice", 3, """
submit("q4_choice", most_valuable)
assert most_valuable in names""")
    nb.free("q4_explain", 2, """
The referral and knowledge parts scale with the share of referrals I count as caused by
the customer and the value I give each insight, so a customer who refers many friends
rises or falls with those guesses. A customer worth far more than their own purchases
deserves recognition and early access rather than discounts: keeping them engaged keeps
the people they bring.""", """
بخش معرفی و بخش دانش با سهمی از معرفی‌ها که ناشی از مشتری می‌دانم و ارزشی که به هر بینش
می‌دهم تغییر می‌کند، پس مشتری‌ای که دوستان زیادی معرفی کرده با این حدس‌ها بالا و پایین
می‌رود. مشتری‌ای که بسیار بیش از خریدهای خودش می‌ارزد شایستهٔ قدردانی و دسترسی زودهنگام است
تا تخفیف: فعال نگه داشتن او کسانی را هم که می‌آورد نگه می‌دارد.""")


# ------------------------------------------------------------------- 10 the warehouse, SQL
def warehouse_sql(nb: Notebook) -> None:
    nb.text("intro", f"""
# Exercise: questions to your own data warehouse, in SQL

Your world is loaded into a star schema in DuckDB (`dim_customer`, `dim_date`,
`fact_transaction`, ...), as in notebook 10. Answer every question with a SQL query
against **your own warehouse** (`con.execute(sql, parameters)`), then record the answer.

{HOW_EN}""", f"""
# تمرین: پرسش از انبار دادهٔ خودتان با SQL

دنیای شما مانند دفترچهٔ ۱۰ در یک طرح‌وارهٔ ستاره‌ای در DuckDB بارگذاری می‌شود
(`dim_customer`، `dim_date`، `fact_transaction` و ...). به هر پرسش با یک پرس‌وجوی SQL روی
**انبار دادهٔ خودتان** (`con.execute(sql, parameters)`) پاسخ دهید و سپس پاسخ را ثبت کنید.

{HOW_FA}""")
    nb.code("setup", SETUP + """
import duckdb
from pathlib import Path

w.to_warehouse(f"duckdb:///{Path.cwd() / 'crm.duckdb'}")   # your own warehouse
con = duckdb.connect("crm.duckdb", read_only=True)
con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").df()""", SETUP_FA + """
import duckdb
from pathlib import Path

w.to_warehouse(f"duckdb:///{Path.cwd() / 'crm.duckdb'}")   # انبار دادهٔ خود شما
con = duckdb.connect("crm.duckdb", read_only=True)
con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").df()""")
    nb.text("q1_text", """
## 1. Your province (2 points)

Count the customers of each province in `dim_customer` and store in `province` the
province with the **`p["rank"]`-th most customers** (1 = the most; on a tie, the first in
alphabetical order).""", """
## ۱. استان شما (۲ نمره)

مشتریان هر استان را در `dim_customer` بشمارید و استانی را که **رتبهٔ `p["rank"]` را از نظر
تعداد مشتری** دارد در `province` نگه دارید (۱ یعنی بیشترین؛ در تساوی، اولی به ترتیب
الفبا).""")
    nb.answer("q1_answer", """
### BEGIN SOLUTION
province = con.execute(\"\"\"
    SELECT province, COUNT(*) AS customers FROM dim_customer
    GROUP BY province ORDER BY customers DESC, province
    LIMIT 1 OFFSET $skip\"\"\", {"skip": p["rank"] - 1}).fetchone()[0]
### END SOLUTION
province""")
    nb.test("q1_province", 2, """
submit("q1_province", province)
assert isinstance(province, str)""")
    nb.text("q2_text", """
## 2. Revenue by month (3 points)

Store in `monthly` the revenue (`fact_transaction.amount`) of your province's customers in
each month of **`p["year"]`**, as a Series indexed by month number (1-12): join
`fact_transaction` to `dim_customer` and `dim_date`.""", """
## ۲. درآمد ماهانه (۳ نمره)

درآمد (`fact_transaction.amount`) مشتریان استان خود را در هر ماه از سال **`p["year"]`**
به صورت یک Series با شاخص شمارهٔ ماه (۱ تا ۱۲) در `monthly` نگه دارید: `fact_transaction` را
به `dim_customer` و `dim_date` پیوند دهید.""")
    nb.answer("q2_answer", """
### BEGIN SOLUTION
monthly = con.execute(\"\"\"
    SELECT d.month, SUM(f.amount) AS revenue
    FROM fact_transaction f
    JOIN dim_customer c USING (customer_id)
    JOIN dim_date d USING (date_key)
    WHERE c.province = $province AND d.year = $year
    GROUP BY d.month ORDER BY d.month\"\"\",
    {"province": province, "year": p["year"]}).df().set_index("month")["revenue"]
### END SOLUTION
monthly""")
    nb.test("q2_revenue", 3, """
submit("q2_revenue", monthly)
assert set(monthly.index) <= set(range(1, 13))""")
    nb.text("q3_text", """
## 3. Your province's best customers (2 points)

Store in `top` the list of the `p["top_n"]` customer ids of your province with the most
revenue over the whole history.""", """
## ۳. بهترین مشتریان استان شما (۲ نمره)

فهرست شناسهٔ `p["top_n"]` مشتری استان خود را که در کل تاریخچه بیشترین درآمد را داشته‌اند در
`top` نگه دارید.""")
    nb.answer("q3_answer", """
### BEGIN SOLUTION
top = [row[0] for row in con.execute(\"\"\"
    SELECT f.customer_id, SUM(f.amount) AS revenue
    FROM fact_transaction f JOIN dim_customer c USING (customer_id)
    WHERE c.province = $province
    GROUP BY f.customer_id ORDER BY revenue DESC, f.customer_id LIMIT $n\"\"\",
    {"province": province, "n": p["top_n"]}).fetchall()]
### END SOLUTION
top""")
    nb.test("q3_top", 2, """
submit("q3_top", top)
assert len(top) == p["top_n"]""")
    nb.text("q4_text", """
## 4. Which channel? (3 + 2 points)

Store in `channel` the sales channel (`fact_transaction.channel`) that brings the most
revenue in your province. Then explain below why one warehouse with one `dim_customer`
answers these questions when four separate systems could not.""", """
## ۴. کدام کانال؟ (۳ + ۲ نمره)

کانال فروشی (`fact_transaction.channel`) را که در استان شما بیشترین درآمد را می‌آورد در
`channel` نگه دارید. سپس در خانهٔ زیر توضیح دهید چرا یک انبار داده با یک `dim_customer`
به این پرسش‌ها پاسخ می‌دهد در حالی که چهار سامانهٔ جدا نمی‌توانستند.""")
    nb.answer("q4_answer", """
### BEGIN SOLUTION
channel = con.execute(\"\"\"
    SELECT f.channel, SUM(f.amount) AS revenue
    FROM fact_transaction f JOIN dim_customer c USING (customer_id)
    WHERE c.province = $province
    GROUP BY f.channel ORDER BY revenue DESC LIMIT 1\"\"\",
    {"province": province}).fetchone()[0]
### END SOLUTION
channel""")
    nb.test("q4_choice", 3, """
submit("q4_choice", channel)
assert isinstance(channel, str)""")
    nb.free("q4_explain", 2, """
In the warehouse every fact carries the same customer key and every customer has one
row with their province, so joining purchases to places and dates is one query. In four
systems the same person has four keys and four spellings: the answer would need record
linkage first, and would count some customers twice.""", """
در انبار داده هر رویداد کلید مشتری یکسانی دارد و هر مشتری یک سطر با استانش دارد، پس
پیوند خریدها به مکان و زمان با یک پرس‌وجو انجام می‌شود. در چهار سامانه یک نفر چهار کلید و
چهار املای متفاوت دارد: پاسخ ابتدا به پیوند رکوردها نیاز داشت و برخی مشتریان را دو بار
می‌شمرد.""")


ASSIGNMENTS = {"record_linkage": record_linkage, "dbmarketing_crm": dbmarketing_crm,
               "rfm_concentration": rfm_concentration, "clv_bgnbd": clv_bgnbd,
               "segmentation": segmentation, "complaints_glm": complaints_glm,
               "billing_collections": billing_collections, "social_crm": social_crm,
               "warehouse_sql": warehouse_sql}


def main() -> None:
    for name, build in ASSIGNMENTS.items():
        for lang, suffix in (("en", ""), ("fa", "_fa")):
            nb = Notebook(lang)
            build(nb)
            print(nb.write(name + suffix))


if __name__ == "__main__":
    main()
