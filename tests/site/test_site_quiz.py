"""A self-check quiz on the website: shown statically, its answers folded away.

A tiny notebook is made here with a real :class:`crmlab.widgets.Quiz` output (the
widget view, its static ``text/html`` and ``text/plain``), staged the way site/build.py
stages the course's notebooks and built with the site's own Sphinx configuration.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("crmlab_site_build", ROOT / "site" / "build.py")
site_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_build)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

QUESTIONS = {
    "en": ("Which channel answers slowest?", ["shop", "phone", "web"], 1, "The phone queue.",
           "What share of customers complained (%)?", 12.5, "One in eight."),
    "fa": ("کدام کانال دیرتر پاسخ می‌دهد؟", ["فروشگاه", "تلفن", "وب"], 1, "صف تلفن.",
           "چند درصد مشتریان شکایت کردند؟", 12.5, "از هر هشت نفر یکی."),
}


def _quiz_notebook(lang: str) -> dict:
    from crmlab.widgets import Choice, Number, Quiz

    q1, options, answer, why1, q2, number, why2 = QUESTIONS[lang]
    quiz = Quiz([Choice(q1, options=options, answer=answer, explain=why1),
                 Number(q2, answer=number, tolerance=0.5, explain=why2)], lang=lang)
    bundle = quiz._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" in bundle
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Quiz fixture" if lang == "en" else "# دفترچهٔ آزمون"),
        nbformat.v4.new_markdown_cell("## Self-check" if lang == "en" else "## خودآزمایی"),
        nbformat.v4.new_code_cell("Quiz([...])", metadata={"tags": ["quiz"]},
                                  execution_count=1, outputs=[nbformat.v4.new_output(
                                      "display_data", data=bundle)]),
    ]
    nb.metadata["kernelspec"] = {"name": "crmlab", "display_name": "Python (crmlab)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    return site_build.static_widgets(json.loads(nbformat.writes(nb)), lang)


@pytest.fixture(scope="module")
def quiz_pages(tmp_path_factory):
    base = tmp_path_factory.mktemp("quiz-site")
    pages = {}
    for lang in ("en", "fa"):
        src = base / "src" / lang
        src.mkdir(parents=True)
        (src / "index.md").write_text("# Quiz\n\n```{toctree}\nquiz\n```\n", encoding="utf-8")
        (src / "quiz.ipynb").write_text(json.dumps(_quiz_notebook(lang), ensure_ascii=False),
                                        encoding="utf-8")
        site_build.run_sphinx(src, base / "out" / lang, lang, base / "doctrees" / lang)
        pages[lang] = base / "out" / lang / "quiz.html"
    return pages


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_quiz_renders_statically_with_answers_folded(quiz_pages, lang):
    text = quiz_pages[lang].read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    quiz = soup.select_one(".cell_output .crmlab-quiz")
    assert quiz is not None, "the quiz's static HTML is not on the page"
    q1, options, answer, why1, q2, number, why2 = QUESTIONS[lang]
    assert q1 in quiz.get_text() and q2 in quiz.get_text()
    assert all(o in quiz.get_text() for o in options)
    folded = quiz.select("details.crmlab-quiz-answer")
    assert len(folded) == 2
    assert not any(d.has_attr("open") for d in folded), "an answer is unfolded"
    assert why1 in folded[0].get_text() and options[answer] in folded[0].get_text()
    assert why2 in folded[1].get_text()
    # outside the folds, neither explanation shows
    for d in folded:
        d.decompose()
    assert why1 not in quiz.get_text() and why2 not in quiz.get_text()
    # no widget box, no widget JavaScript, nothing from the network
    assert "application/vnd.jupyter.widget" not in text
    assert "jupyter-widgets" not in text
    assert not re.search(r'<script[^>]+src="(https?:)?//', text)
    if lang == "fa":
        assert 'dir="rtl"' in text[:300]


def test_quiz_answer_is_hidden_until_opened_in_chromium(quiz_pages, browser):
    why = QUESTIONS["en"][3]
    context = browser.new_context()
    try:
        pg = context.new_page()
        pg.goto(quiz_pages["en"].as_uri())
        answer = pg.get_by_text(why)
        assert not answer.is_visible()
        pg.locator("details.crmlab-quiz-answer summary").first.click()
        assert answer.is_visible()
    finally:
        context.close()


def test_every_quiz_cell_of_the_course_is_on_the_site(site):
    """Each notebook cell tagged ``quiz`` shows up on its page with folded answers."""
    for lang, notebooks in (("en", site_build.notebooks_for("en")),
                            ("fa", site_build.notebooks_for("fa"))):
        for path in notebooks:
            nb = json.loads(path.read_text(encoding="utf-8"))
            n = sum("quiz" in c.get("metadata", {}).get("tags", []) for c in nb["cells"])
            if not n:
                continue
            page = site / lang / path.relative_to(ROOT).with_suffix(".html")
            soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
            quizzes = soup.select(".crmlab-quiz")
            assert len(quizzes) >= n, f"{page}: {len(quizzes)} quizzes shown, {n} quiz cells"
            assert all(q.select("details.crmlab-quiz-answer") for q in quizzes)
            assert not soup.select("details.crmlab-quiz-answer[open]")
