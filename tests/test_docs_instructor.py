"""The instructor's guide names only material that exists, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "instructor"
PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def _weeks(text: str) -> list[list[str]]:
    rows = [line.split("|")[1:-1] for line in text.splitlines()
            if re.match(r"^\| [0-9۰-۹]+ \|", line)]
    return [[cell.strip() for cell in row] for row in rows]


@pytest.mark.parametrize("name", ["README.md", "fa.md"])
def test_every_link_exercise_and_notebook_exists(name):
    text = (GUIDE / name).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        assert (GUIDE / target).resolve().exists(), target
    rows = _weeks(text)
    assert len(rows) == 14, name
    notebooks = {p.name[:2] for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for row in rows:
        number = re.match(r"[0-9]+", row[3].translate(PERSIAN_DIGITS)).group()
        assert number in notebooks, row
        for assignment in re.findall(r"`([a-z_]+)`", row[4]):
            assert (REPO / "exercises" / assignment).is_dir(), assignment


@pytest.mark.parametrize("name", ["README.md", "fa.md"])
def test_every_notebook_has_a_place_in_the_course(name):
    # a week of the syllabus, the final project (09) or the research session (12)
    text = (GUIDE / name).read_text(encoding="utf-8").translate(PERSIAN_DIGITS)
    planned = {re.match(r"[0-9]+", row[3]).group() for row in _weeks(text)}
    for number in ("09", "12"):
        assert re.search(rf"(notebook|دفترچه) {number} \(\*", text), number
    numbers = {p.name[:2] for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert numbers - planned == {"09", "12"}


def test_both_languages_plan_the_same_course():
    en = _weeks((GUIDE / "README.md").read_text(encoding="utf-8"))
    fa = _weeks((GUIDE / "fa.md").read_text(encoding="utf-8"))
    assert [(r[3][:2], re.findall(r"`([a-z_]+)`", r[4])) for r in en] == [
        (r[3].translate(PERSIAN_DIGITS)[:2], re.findall(r"`([a-z_]+)`", r[4])) for r in fa]


def test_persian_guide_is_right_to_left_with_persian_letters():
    text = (GUIDE / "fa.md").read_text(encoding="utf-8")
    assert text.lstrip().startswith('<div dir="rtl">')
    assert "ي" not in text and "ك" not in text  # Arabic yeh and kaf
