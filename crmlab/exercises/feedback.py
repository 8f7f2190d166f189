"""Feedback pages: nbgrader's HTML, sanitised, with per-question verdicts and class statistics.

``feedback(course, assignment)`` runs nbgrader's ``generate_feedback`` with nbconvert's
HTML sanitiser switched on (``HTMLExporter.sanitize_html``: markdown and HTML outputs
pass through bleach, so a ``<script>`` a student wrote in a markdown answer or printed
as HTML is shown as text, not run). The autograded notebooks it renders already hold
only safe output types (text and checked images; grading drops HTML, JavaScript, SVG
and widget outputs). Each page then gets, at the top, a short summary written by crmlab
(everything in it escaped):

* per question: the points, and what was expected in words (the verdict message — never
  the expected value or a hidden test);
* the class: how many students were graded, the mean, median and quartiles of the score,
  the share of students with full marks on each question, and where this student stands.

Examples
--------
>>> stats = class_statistics([4.0, 6.0, 8.0, 10.0], 10.0)
>>> stats["median"], stats["full_marks"]
(7.0, 0.25)
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import numpy as np

from .course import Course, atomic_write_text

__all__ = ["class_statistics", "feedback"]


def class_statistics(scores: list[float], max_score: float) -> dict[str, float]:
    """Mean, median, quartiles and share of full marks of a list of scores."""
    arr = np.asarray(scores, dtype=float)
    if arr.size == 0:
        return {"n": 0, "mean": 0.0, "median": 0.0, "q1": 0.0, "q3": 0.0, "full_marks": 0.0}
    return {"n": int(arr.size), "mean": float(arr.mean()), "median": float(np.median(arr)),
            "q1": float(np.quantile(arr, 0.25)), "q3": float(np.quantile(arr, 0.75)),
            "full_marks": float(np.mean(arr >= max_score - 1e-9))}


def _gradebook_scores(course: Course, assignment: str) -> dict[str, Any]:
    """Per student: total and per-cell scores; per cell: points and its verdict message."""
    import warnings

    from nbgrader.api import Gradebook

    warnings.filterwarnings("ignore", message=".*not in session.*")
    out: dict[str, Any] = {"students": {}, "cells": {}, "max": 0.0}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        a = gb.find_assignment(assignment)
        out["max"] = float(a.max_score)
        for sub in a.submissions:
            cells = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    cells[g.name] = float(g.score or 0.0)
                    out["cells"][g.name] = float(g.max_score)
            penalty = float(sub.late_submission_penalty or 0.0)
            out["students"][sub.student_id] = {
                "total": max(0.0, float(sub.score or 0.0) - penalty), "cells": cells}
    return out


def _verdicts(course: Course, assignment: str, student: str) -> dict[str, str]:
    """The verdict message of each test cell of a student's autograded notebooks."""
    import nbformat

    messages = {}
    for path in sorted((course.root / "autograded" / student / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or not cell.get("outputs"):
                continue
            first = cell.outputs[0]
            text = first.get("evalue") if first.get("output_type") == "error" else \
                first.get("text", "")
            messages[meta["grade_id"]] = str(text).strip().lstrip("✔✘ ")
    return messages


_WORDS = {
    "en": {"title": "Your results", "question": "question", "points": "points",
           "verdict": "what was expected", "class": "The class", "graded": "students graded",
           "mean": "mean", "median": "median", "quartiles": "middle half",
           "you": "your score", "above": "of the class scored lower than you",
           "full": "full marks", "manual": "graded by your instructor"},
    "fa": {"title": "نتیجهٔ شما", "question": "پرسش", "points": "نمره",
           "verdict": "آنچه انتظار می‌رفت", "class": "کلاس", "graded": "دانشجوی نمره‌گرفته",
           "mean": "میانگین", "median": "میانه", "quartiles": "نیمهٔ میانی",
           "you": "نمرهٔ شما", "above": "از کلاس نمره‌ای کمتر از شما گرفتند",
           "full": "نمرهٔ کامل", "manual": "با نمره‌دهی مدرس"},
}


def _summary(course: Course, assignment: str, student: str, book: dict[str, Any],
             lang: str) -> str:
    w = _WORDS[lang]
    e = html.escape
    mine = book["students"].get(student, {"total": 0.0, "cells": {}})
    totals = [s["total"] for s in book["students"].values()]
    stats = class_statistics(totals, book["max"])
    below = float(np.mean(np.asarray(totals) < mine["total"])) if totals else 0.0
    verdicts = _verdicts(course, assignment, student)
    rows = []
    for cell, points in book["cells"].items():
        got = mine["cells"].get(cell, 0.0)
        full = np.mean([s["cells"].get(cell, 0.0) >= points - 1e-9
                        for s in book["students"].values()]) if book["students"] else 0.0
        said = verdicts.get(cell, w["manual"])
        rows.append(f"<tr><td>{e(cell)}</td><td>{got:g} / {points:g}</td><td>{e(said)}</td>"
                    f"<td>{full:.0%} {e(w['full'])}</td></tr>")
    direction = ' dir="rtl"' if lang == "fa" else ""
    return (f'<section class="crmlab-summary"{direction} style="border:1px solid #ccc;'
            f'padding:1em;margin:1em">'
            f"<h2>{e(w['title'])}: {mine['total']:g} / {book['max']:g}</h2>"
            f"<table><tr><th>{e(w['question'])}</th><th>{e(w['points'])}</th>"
            f"<th>{e(w['verdict'])}</th><th>{e(w['class'])}</th></tr>{''.join(rows)}</table>"
            f"<p>{e(w['class'])}: {stats['n']} {e(w['graded'])}; {e(w['mean'])} "
            f"{stats['mean']:.1f}, {e(w['median'])} {stats['median']:.1f}, "
            f"{e(w['quartiles'])} {stats['q1']:.1f}–{stats['q3']:.1f}; {e(w['you'])} "
            f"{mine['total']:g} ({below:.0%} {e(w['above'])}).</p></section>")


_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)


def feedback(course: Course, assignment: str, *, students: list[str] | None = None) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/<notebook>.html`` for graded students.

    Returns the HTML files written.
    """
    from . import catalog

    course.check_assignment(assignment)
    if not (course.root / "autograded").is_dir():
        raise ValueError(f"nothing graded yet for {assignment!r}; run `crmlab exercises "
                         "grade` first")
    api = course.api()
    api.config.HTMLExporter.sanitize_html = True
    ids = students if students is not None else sorted(
        p.parent.name for p in (course.root / "autograded").glob(f"*/{assignment}"))
    for sid in ids:
        result = api.generate_feedback(assignment, student_id=sid, force=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_feedback failed for {sid}: "
                               f"{(result.get('error') or result.get('log') or '').strip()[-300:]}")
    book = _gradebook_scores(course, assignment)
    try:
        lang = catalog.spec(assignment).language
    except KeyError:
        lang = "en"
    written = []
    for sid in ids:
        for path in sorted((course.root / "feedback" / sid / assignment).glob("*.html")):
            text = path.read_text(encoding="utf-8")
            summary = _summary(course, assignment, sid, book, lang)
            match = _BODY.search(text)
            text = (text[:match.end()] + summary + text[match.end():]) if match else \
                summary + text
            atomic_write_text(path, text, mode=0o644)
            written.append(path)
    return written
