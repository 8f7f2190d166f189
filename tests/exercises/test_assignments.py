"""Every shipped assignment: its cells match the catalog in both languages, its solution
earns every autograded point, and code copied with another student's world and
parameters loses them."""

from __future__ import annotations

import copy
import re

import nbformat
import pytest

from crmlab.exercises.catalog import ASSIGNMENTS
from crmlab.exercises.course import SHIPPED, shipped_assignments
from crmlab.exercises.grading import grade
from crmlab.exercises.sandbox import Limits
from crmlab.exercises.seeds import derive_seed

SECRET = "5e" * 32  # the secret make_course uses (conftest.py)
ENGLISH = sorted(a for a, s in ASSIGNMENTS.items() if s.language == "en")
PERSIAN = sorted(a for a, s in ASSIGNMENTS.items() if s.language == "fa")
# A copier runs the solution on a friend's world with the friend's parameters. The points
# that stay are the choice questions whose answer happens to be the same in both worlds
# (the best threshold, list, method or channel; the peak month and province of
# complaints): every number computed from the data is wrong.
COPIER_POINTS = {"record_linkage": 3, "dbmarketing_crm": 3, "rfm_concentration": 0,
                 "clv_bgnbd": 0, "segmentation": 2, "complaints_glm": 5,
                 "billing_collections": 0, "social_crm": 0, "warehouse_sql": 3}


def _source(name):
    return nbformat.read(SHIPPED / name / f"{name}.ipynb", as_version=4)


def _graded(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def test_the_catalog_and_the_shipped_notebooks_agree():
    assert set(shipped_assignments()) == set(ASSIGNMENTS)
    assert {a.base for a in ASSIGNMENTS.values()} == set(COPIER_POINTS)
    assert {a.notebook for a in ASSIGNMENTS.values()} >= {"01", "02", "06", "07", "10"}
    for name, spec in ASSIGNMENTS.items():
        cells = _graded(_source(name))
        assert list(cells) == [q.id for q in spec.questions], name
        auto = [c for c in cells.values() if c.cell_type == "code"]
        manual = [c for c in cells.values() if c.cell_type == "markdown"]
        assert sum(c.metadata["nbgrader"]["points"] for c in auto) == 10, name
        assert [q.id for q in spec.questions if q.manual] == \
            [c.metadata["nbgrader"]["grade_id"] for c in manual] != [], name
        for gid, cell in cells.items():
            if cell.cell_type == "code":  # the answer is recorded before any visible check
                first = [line for line in cell.source.splitlines()
                         if line.strip() and not line.startswith("#")][0]
                assert first.startswith(f'submit("{gid}", '), (name, gid)


@pytest.mark.parametrize("name", ENGLISH)
def test_the_persian_version_has_the_same_cells_in_persian(name):
    en, fa = _source(name), _source(f"{name}_fa")
    meta = [(c.cell_type, c.metadata["nbgrader"]) for c in en.cells]
    assert meta == [(c.cell_type, c.metadata["nbgrader"]) for c in fa.cells]
    for a, b in zip(en.cells, fa.cells, strict=True):
        if a.cell_type == "markdown":
            assert b.source.startswith('<div dir="rtl" lang="fa">'), b.source[:40]
            assert re.search("[\u0600-\u06ff]", b.source)
            assert not re.search("[\u064a\u0643]", b.source), "Arabic ي or ك instead of ی or ک"
        elif b.metadata["nbgrader"].get("grade"):
            assert a.source == b.source  # test cells are shared verbatim
    # Persian worlds: Persian names in the data students see
    assert ASSIGNMENTS[f"{name}_fa"].locale == "fa_IR"


def _copied(source, assignment, friend_seed):
    nb = copy.deepcopy(source)
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                 and c.cell_type == "code")
    first.source = (f"from crmlab.exercises.catalog import params as _params\n"
                    f"w, p = my_world(seed={friend_seed}, assignment='{assignment}'), "
                    f"_params('{assignment}', {friend_seed})\n" + first.source)
    return nb


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("assignment", ENGLISH + PERSIAN)
def test_solution_full_marks_copy_loses(make_course, tmp_path, assignment):
    english = ASSIGNMENTS[assignment].language == "en"
    students = ["sol", "copy"] if english else ["sol"]
    course = make_course(students=students, assignments=[assignment])
    inbox = tmp_path / "inbox"
    source = nbformat.read(course.root / "source" / assignment / f"{assignment}.ipynb",
                           as_version=4)
    friend = derive_seed(SECRET, assignment, "sol")
    for sid in students:
        nb = source if sid == "sol" else _copied(source, assignment, friend)
        (inbox / sid).mkdir(parents=True)
        nbformat.write(nb, inbox / sid / f"{assignment}.ipynb")
    table = grade(course, assignment, inbox, limits=Limits(cell_timeout=120))
    scores = dict(zip(table["student_id"], table["score"], strict=True))
    want = {"sol": 10.0}
    if english:
        want["copy"] = COPIER_POINTS[ASSIGNMENTS[assignment].base]
    assert scores == want, table.to_dict("records")
    assert set(table["max_score"]) == {12.0}
    assert table["reason"].tolist() == ["1 answer await manual grading"] * len(students)
