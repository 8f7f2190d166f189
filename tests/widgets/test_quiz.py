"""The self-check quiz: feedback a student sees, and the static view a website shows."""

from __future__ import annotations

import pytest

from crmlab import i18n
from crmlab.widgets import Choice, Number, Quiz
from crmlab.widgets.quiz import parse_number


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    i18n.set_language("en")


def _quiz(lang=None):
    return Quiz([Choice("Which channel is slowest?", options=["web", "sms", "call centre"],
                        answer=2, explain="Calls queue."),
                 Number("Share that left, in %?", answer=34.2, tolerance=0.5,
                        explain="About a third.")], lang=lang)


def test_feedback_says_right_or_wrong_and_folds_the_answer_after_a_miss():
    quiz = _quiz("en")
    assert quiz.check(0, 2) and "Correct." in quiz.feedback[0].value
    assert "Calls queue." in quiz.feedback[0].value
    assert not quiz.check(0, 0)
    wrong = quiz.feedback[0].value
    assert "Not quite" in wrong and '<details class="crmlab-quiz-answer">' in wrong
    assert "call centre" in wrong  # the answer is there, folded
    assert quiz.check(1, "34") and not quiz.check(1, "35")
    assert not quiz.check(1, "thirty") and "not a number" in quiz.feedback[1].value
    assert not quiz.check(1, "  ") and "first" in quiz.feedback[1].value


def test_the_button_checks_what_the_student_entered():
    quiz = _quiz("en")
    quiz.inputs[0].value = 2
    button = quiz.children[1].children[2].children[0]
    button.click()
    assert "Correct." in quiz.feedback[0].value


def test_persian_quiz_speaks_persian_right_to_left_and_reads_persian_digits():
    i18n.set_language("fa")
    quiz = _quiz()
    assert quiz.lang == "fa" and quiz.title == "خودآزمایی"
    assert quiz.check(1, "۳۴٫۴")
    assert "درست است" in quiz.feedback[1].value and 'dir="rtl"' in quiz.feedback[1].value
    assert 'dir="rtl"' in quiz.to_html() and "۱. Which channel" in quiz.to_text()


def test_static_views_are_deterministic_and_fold_every_answer():
    bundle = _quiz("en")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert html == _quiz("en").to_html()
    assert html.count('<details class="crmlab-quiz-answer">') == 2
    assert "<b>call centre</b>" in html and "<b>34.2</b>" in html
    assert "34.2" not in bundle["text/plain"]  # the plain text does not give answers away


def test_parse_number_reads_what_students_type():
    assert parse_number("۱٬۲۳۴٫۵") == 1234.5
    assert parse_number("-3") == -3 and parse_number("\u22123") == -3
    assert parse_number("12%") == 12
    with pytest.raises(ValueError, match="not a number"):
        parse_number("abc")
    with pytest.raises(ValueError, match="finite"):
        parse_number("inf")


@pytest.mark.parametrize("make, match", [
    (lambda: Choice("q", options=["a"], answer=0), "two distinct options"),
    (lambda: Choice("q", options=["a", "a"], answer=0), "two distinct options"),
    (lambda: Choice("q", options=["a", "b"], answer=2), "index of the right option"),
    (lambda: Choice("q", options=["a", "b"], answer=True), "index of the right option"),
    (lambda: Choice("", options=["a", "b"], answer=0), "non-empty text"),
    (lambda: Number("q", answer=float("nan")), "finite number"),
    (lambda: Number("q", answer=1, tolerance=-1), "tolerance must be >= 0"),
    (lambda: Quiz([]), "at least one question"),
])
def test_bad_questions_are_refused_with_what_is_allowed(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_a_quiz_takes_only_questions():
    with pytest.raises(TypeError, match="Choice or a Number"):
        Quiz(["What?"])
