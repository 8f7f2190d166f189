"""Every shipped assignment: its solution earns full marks, and answers computed on a
friend's world lose the personalised points (the untouched student version earning
nothing is covered in test_grading.py)."""

from __future__ import annotations

import copy

import nbformat
import pandas as pd
import pytest

from crmlab.exercises.course import shipped_assignments
from crmlab.exercises.grading import grade
from crmlab.exercises.sandbox import Limits
from crmlab.exercises.seeds import derive_seed

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

SECRET = "5e" * 32  # the secret make_course uses (conftest.py)
# A copier loads the friend's world in the first answer cell, so every answer is the
# friend's. Points that stay are for answers that do not depend on the world's data:
# the complaint season peaks in the same month in most worlds.
COPIER_POINTS = {"rfm_concentration": 0, "clv_bgnbd": 0, "segmentation": 0,
                 "complaints_glm": 3}


def test_there_are_at_least_four_assignments():
    assert set(COPIER_POINTS) == set(shipped_assignments())


@pytest.mark.parametrize("assignment", sorted(COPIER_POINTS))
def test_solution_full_marks_copy_loses(make_course, tmp_path, assignment):
    course = make_course(students=["sol", "copy"], assignments=[assignment])
    inbox = tmp_path / "inbox"
    source = nbformat.read(course.root / "source" / assignment / f"{assignment}.ipynb",
                           as_version=4)
    copied = copy.deepcopy(source)
    first = next(c for c in copied.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = (f"w = my_world(seed={derive_seed(SECRET, assignment, 'sol')})\n"
                    + first.source)
    for sid, nb in (("sol", source), ("copy", copied)):
        (inbox / sid).mkdir(parents=True)
        nbformat.write(nb, inbox / sid / f"{assignment}.ipynb")
    table = grade(course, assignment, inbox, limits=Limits(cell_timeout=60))
    scores = dict(zip(table["student_id"], table["score"], strict=True))
    assert scores == {"sol": 10.0, "copy": COPIER_POINTS[assignment]}, table.to_dict("records")
    assert table["reason"].tolist() == ["", ""]
    grades = pd.read_csv(course.root / "grades.csv")
    assert len(grades) == 2  # one row per student
