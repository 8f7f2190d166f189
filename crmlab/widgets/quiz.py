"""Self-check quizzes at the end of a notebook: questions with immediate feedback.

A :class:`Quiz` is a list of questions, each a :class:`Choice` (pick one option) or a
:class:`Number` (type a number, checked within a tolerance). The text is passed in
already translated (``i18n.t``), and the quiz's own words ("Check", "Correct"...) follow
the course language, so one code cell serves the English and the Persian notebook.
Where a question is about the data, compute its answer from the data, so the quiz holds
for any seed and for both worlds.

In JupyterLab the quiz is an ipywidgets ``VBox``. Its output also carries a static
``text/html`` version (each question, its options, and the answer with its explanation
folded inside ``<details class="crmlab-quiz-answer">``) and a plain-text version, so a
rendered notebook or the course website shows the questions with the answers folded
away, and strict nbval compares the same text on every run.

Examples
--------
>>> from crmlab.widgets.quiz import Choice, Number, Quiz
>>> quiz = Quiz([Choice("Which is larger?", options=["2", "3"], answer=1),
...              Number("What is 7 x 6?", answer=42, tolerance=0.5)], lang="en")
>>> quiz.check(0, 1), quiz.check(1, "41.9"), quiz.check(1, "40")
(True, True, False)
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from crmlab import i18n

__all__ = ["Choice", "Number", "Quiz", "parse_number"]

#: Persian and Arabic-Indic digits, and the separators Persian keyboards type
_TO_LATIN = str.maketrans({**{chr(0x06F0 + d): str(d) for d in range(10)},
                           **{chr(0x0660 + d): str(d) for d in range(10)},
                           "\u066b": ".", "\u066c": "", "\u060c": "", ",": "", "\u2212": "-",
                           "\u066a": "", "%": "", "\u200e": "", "\u200f": "", " ": ""})


def parse_number(text: str) -> float:
    """A number as a student types it, in Latin or Persian digits.

    Thousands separators (``,`` ``٬`` ``،``), a trailing percent sign and spaces are
    ignored; ``٫`` is the Persian decimal point.

    Raises
    ------
    ValueError
        If the text is not a finite number.

    Examples
    --------
    >>> parse_number("۱٬۲۳۴٫۵"), parse_number("1,234.5"), parse_number("34%")
    (1234.5, 1234.5, 34.0)
    """
    cleaned = str(text).strip().translate(_TO_LATIN)
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a number; type digits, e.g. 12.5 or ۱۲٫۵") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _check_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be non-empty text; got {value!r}")
    return value


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question: one of ``options`` is right.

    Parameters
    ----------
    question : str
        The question, in the notebook's language.
    options : sequence of str
        At least two distinct options.
    answer : int
        Index of the right option in ``options``.
    explain : str, optional
        Why it is right; shown once the student answers, and folded in the static view.

    Examples
    --------
    >>> Choice("2 + 2?", options=["3", "4"], answer=1).is_correct(1)
    True
    """

    question: str
    options: Sequence[str]
    answer: int
    explain: str = ""

    def __post_init__(self) -> None:
        _check_text(self.question, "a question")
        options = tuple(self.options)
        for o in options:
            _check_text(o, "every option")
        if len(options) < 2 or len(set(options)) != len(options):
            raise ValueError(f"a choice needs at least two distinct options; got {options}")
        if isinstance(self.answer, bool) or not isinstance(self.answer, int) or not (
                0 <= self.answer < len(options)):
            raise ValueError(f"answer must be the index of the right option, an int in "
                             f"0..{len(options) - 1}; got {self.answer!r}")
        object.__setattr__(self, "options", options)

    def is_correct(self, response: Any) -> bool:
        """Whether ``response`` (an option's index) is the right one."""
        return response is not None and response == self.answer

    def answer_text(self, lang: str) -> str:
        """The right option, as the student reads it."""
        return self.options[self.answer]


@dataclass(frozen=True)
class Number:
    """A question whose answer is a number, right within ``tolerance``.

    Parameters
    ----------
    question : str
        The question, in the notebook's language (say the unit: "in %", "in days").
    answer : float
        The right number, computed from the data where the question is about the data.
    tolerance : float, default 0
        Answers within this absolute distance of ``answer`` are right.
    explain : str, optional
        Why; shown once the student answers, and folded in the static view.
    spec : str, optional
        Format spec for showing the answer (``i18n.number``); by default as many
        decimals as the tolerance needs.

    Examples
    --------
    >>> Number("Half of 9?", answer=4.5, tolerance=0.05).is_correct("۴٫۵")
    True
    """

    question: str
    answer: float
    tolerance: float = 0.0
    explain: str = ""
    spec: str | None = None

    def __post_init__(self) -> None:
        _check_text(self.question, "a question")
        for name in ("answer", "tolerance"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                    value):
                raise ValueError(f"{name} must be a finite number; got {value!r}")
        if self.tolerance < 0:
            raise ValueError(f"tolerance must be >= 0; got {self.tolerance}")
        object.__setattr__(self, "answer", float(self.answer))

    def is_correct(self, response: Any) -> bool:
        """Whether ``response`` (a number, or text in Latin or Persian digits) is right."""
        if response is None:
            return False
        try:
            value = parse_number(response) if isinstance(response, str) else float(response)
        except (TypeError, ValueError):
            return False
        return abs(value - self.answer) <= self.tolerance * (1 + 1e-9) + 1e-12

    def answer_text(self, lang: str) -> str:
        """The right number, in the language's digits."""
        spec = self.spec
        if spec is None:
            if self.tolerance >= 1 or (self.tolerance == 0 and self.answer.is_integer()):
                decimals = 0
            elif self.tolerance > 0:
                decimals = math.ceil(-math.log10(self.tolerance))
            else:
                decimals = 2
            spec = f",.{decimals}f"
        return i18n.number(self.answer, spec, lang=lang)


Question = Choice | Number

_RTL = ' dir="rtl"'


class Quiz(widgets.VBox):
    """A self-check quiz: each question with its input, a Check button and feedback.

    Parameters
    ----------
    questions : sequence of Choice or Number
        The questions, in order (at least one).
    title : str, optional
        A heading; by default "Self-check" in the language.
    lang : {"en", "fa"}, optional
        The language of the quiz's own words; by default the course language
        (``i18n.set_language``). Persian quizzes are laid out right to left.

    Attributes
    ----------
    questions : tuple
        The questions.
    inputs : list of ipywidgets widgets
        One per question: ``RadioButtons`` (values are option indices) or ``Text``.
    feedback : list of ipywidgets.HTML
        One per question, filled in by :meth:`check`.

    Examples
    --------
    >>> quiz = Quiz([Choice("Pick b", options=["a", "b"], answer=1)], lang="en")
    >>> quiz.check(0, 0)
    False
    >>> "Not quite" in quiz.feedback[0].value
    True
    """

    def __init__(self, questions: Sequence[Question], *, title: str | None = None,
                 lang: str | None = None) -> None:
        questions = tuple(questions)
        if not questions:
            raise ValueError("a quiz needs at least one question")
        bad = [type(q).__name__ for q in questions if not isinstance(q, Choice | Number)]
        if bad:
            raise TypeError(f"every question must be a Choice or a Number; got {bad}")
        self.lang = i18n.get_language() if lang is None else i18n.check_language(lang)
        self.questions = questions
        self.title = title if title is not None else self._t("quiz_title")
        self.inputs: list[widgets.Widget] = []
        self.feedback: list[widgets.HTML] = []
        heading = widgets.HTML(self._div(f"<h3>{html.escape(self.title)}</h3>"))
        rows: list[widgets.Widget] = [heading]
        for i, q in enumerate(questions):
            prompt = widgets.HTML(self._div(f"<b>{self._n(i + 1)}.</b> {html.escape(q.question)}"))
            if isinstance(q, Choice):
                box = widgets.RadioButtons(options=[(o, k) for k, o in enumerate(q.options)],
                                           value=None, layout=widgets.Layout(width="auto"))
            else:
                box = widgets.Text(placeholder=self._t("quiz_type_number"))
            button = widgets.Button(description=self._t("quiz_check"))
            note = widgets.HTML()
            button.on_click(lambda _b, i=i: self.check(i))
            self.inputs.append(box)
            self.feedback.append(note)
            rows.append(widgets.VBox([prompt, box, widgets.HBox([button, note])]))
        super().__init__(rows)
        if self.lang == "fa":
            self.add_class("crmlab-rtl")

    # ---- words and layout ---------------------------------------------------------
    def _t(self, key: str, **fields: Any) -> str:
        return i18n.t(key, lang=self.lang, **fields)

    def _n(self, k: int) -> str:
        return i18n.number(k, "d", lang=self.lang)

    def _div(self, inner: str) -> str:
        return f"<div{_RTL if self.lang == 'fa' else ''}>{inner}</div>"

    def _answer_html(self, q: Question) -> str:
        why = f" {html.escape(q.explain)}" if q.explain else ""
        return f"<b>{html.escape(q.answer_text(self.lang))}</b>.{why}"

    # ---- checking -----------------------------------------------------------------
    def check(self, index: int, response: Any = None) -> bool:
        """Check question ``index`` and show the feedback; returns whether it is right.

        ``response`` is the option's index (Choice) or the number or text typed
        (Number); by default, what the student entered in the widget.
        """
        q = self.questions[index]
        if response is None:
            response = self.inputs[index].value
        else:
            self.inputs[index].value = response if isinstance(q, Choice) else str(response)
        if response is None or (isinstance(response, str) and not response.strip()):
            self.feedback[index].value = self._div(self._t("quiz_no_answer"))
            return False
        right = q.is_correct(response)
        if right:
            text = f"✅ {self._t('quiz_correct')} {html.escape(q.explain)}".rstrip()
        elif isinstance(q, Number) and isinstance(response, str):
            try:
                parse_number(response)
                text = f"❌ {self._t('quiz_not_quite')}"
            except ValueError:
                text = f"❌ {self._t('quiz_not_a_number')}"
        else:
            text = f"❌ {self._t('quiz_not_quite')}"
        if not right:
            text += (f' <details class="crmlab-quiz-answer"><summary>{self._t("quiz_answer")}'
                     f"</summary>{self._answer_html(q)}</details>")
        self.feedback[index].value = self._div(text)
        return right

    # ---- static views -------------------------------------------------------------
    def to_html(self) -> str:
        """The quiz as static HTML, answers folded in ``<details>`` (for a rendered site)."""
        parts = [f'<div class="crmlab-quiz"{_RTL if self.lang == "fa" else ""}>',
                 f"<h3>{html.escape(self.title)}</h3>", "<ol>"]
        for q in self.questions:
            parts.append(f"<li><p>{html.escape(q.question)}</p>")
            if isinstance(q, Choice):
                parts.append("<ul>" + "".join(f"<li>{html.escape(o)}</li>" for o in q.options)
                             + "</ul>")
            parts.append(f'<details class="crmlab-quiz-answer"><summary>{self._t("quiz_answer")}'
                         f"</summary><p>{self._answer_html(q)}</p></details></li>")
        parts += ["</ol>", "</div>"]
        return "\n".join(parts)

    def to_text(self) -> str:
        """The questions as plain text, without the answers."""
        lines = [self.title]
        for i, q in enumerate(self.questions, start=1):
            lines.append(f"{self._n(i)}. {q.question}")
            if isinstance(q, Choice):
                lines += [f"   - {o}" for o in q.options]
        return "\n".join(lines)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle = dict(bundle)
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = self.to_text()
        return bundle

    def __repr__(self) -> str:
        return f"Quiz({len(self.questions)} questions, lang={self.lang!r})"
