"""End to end: init, release, simulated students, grade in sandboxes, feedback.

Every student's exact score is asserted, and the course files (secret, roster, sources,
releases, handouts, config) are byte-identical after grading: only the outputs grading
is meant to write (submitted/, autograded/, feedback/, gradebook.db, grades.csv) change.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import SECRET, tree_hashes

from crmlab.cli import main
from crmlab.exercises.course import release
from crmlab.exercises.sandbox import isolation_level
from crmlab.exercises.seeds import derive_seed

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

ASSIGNMENT = "rfm_concentration"
STUDENTS = ["perfect", "partial", "copier", "looper", "raiser", "hog", "vandal", "snoop",
            "envtamper", "droptests", "missing", "garbage"]
EXPECTED = {  # points: q1 rfm table 3, q2 top share 3, q2 gini 4
    "perfect": 10, "partial": 3, "copier": 0, "looper": 3, "raiser": 7, "hog": 7,
    "vandal": 10, "snoop": 10, "envtamper": 0, "droptests": 10, "missing": 0, "garbage": 0,
}
OUTPUTS = ("submitted", "autograded", "feedback", "gradebook.db", "grades.csv")
if os.geteuid() != 0:  # without root the sandbox cannot stop them (docs/exercises.md)
    STUDENTS = [s for s in STUDENTS if s not in ("vandal", "snoop")]
    EXPECTED = {s: v for s, v in EXPECTED.items() if s in STUDENTS}


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _prepend(nb, grade_id, code):
    cell = _cell(nb, grade_id)
    cell.source = code.strip() + "\n" + cell.source


def _submissions(course, folder: Path) -> None:
    source = nbformat.read(course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                           as_version=4)
    stub = nbformat.read(course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                         as_version=4)
    friend_seed = derive_seed(SECRET, ASSIGNMENT, "perfect")
    root = str(course.root)
    nbs = {}
    nbs["perfect"] = copy.deepcopy(source)
    nbs["partial"] = copy.deepcopy(source)  # q2 left as released
    _cell(nbs["partial"], "q2_answer").source = _cell(stub, "q2_answer").source
    nbs["copier"] = copy.deepcopy(source)  # works on the friend's world (friend's token)
    _prepend(nbs["copier"], "q1_answer", f"w = my_world(seed={friend_seed})")
    nbs["looper"] = copy.deepcopy(source)
    _prepend(nbs["looper"], "q2_answer", "while True:\n    pass")
    nbs["raiser"] = copy.deepcopy(source)
    _prepend(nbs["raiser"], "q1_answer", "raise ValueError('I give up')")
    nbs["hog"] = copy.deepcopy(source)
    _prepend(nbs["hog"], "q1_answer", "hog = []\nwhile True:\n    hog.append(bytearray(2**26))")
    nbs["vandal"] = copy.deepcopy(source)
    _prepend(nbs["vandal"], "q1_answer", f"""
import os, shutil, glob
for target in glob.glob({root!r} + '/**', recursive=True) + [{root!r}]:
    for action in (lambda p: open(p, 'w').write('x'), os.remove, shutil.rmtree):
        try:
            action(target)
        except Exception:
            pass
open('crmlab_student.json', 'w').write('garbage')
for p in os.listdir('.'):
    if p.endswith('.ipynb'):
        os.remove(p)
open('/tmp/crmlab-vandal-was-here', 'w').write('x')
""")
    nbs["snoop"] = copy.deepcopy(source)
    _prepend(nbs["snoop"], "q1_answer", f"""
stolen = []
for path in ({root!r} + '/.crmlab/secret', {root!r} + '/source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb',
             {root!r} + '/gradebook.db', {root!r} + '/students.csv'):
    try:
        stolen.append(open(path, 'rb').read()[:200])
    except OSError as exc:
        stolen.append(type(exc).__name__)
print(stolen, [k for k in __import__('os').environ if 'SECRET' in k.upper()])
""")
    nbs["envtamper"] = copy.deepcopy(source)  # points the checks at the friend's world
    _prepend(nbs["envtamper"], "q1_answer", f"""
import os
os.environ['CRMLAB_EXERCISE_SEED'] = '{friend_seed}'
os.environ['CRMLAB_STUDENT_ID'] = 'perfect'
w = my_world(seed={friend_seed})
""")
    nbs["droptests"] = copy.deepcopy(source)  # deletes the test cells: nbgrader restores them
    nbs["droptests"].cells = [c for c in nbs["droptests"].cells
                              if not c.metadata.get("nbgrader", {}).get("grade")]
    for sid, nb in nbs.items():
        if sid not in STUDENTS:
            continue
        (folder / sid).mkdir(parents=True)
        nbformat.write(nb, folder / sid / f"{ASSIGNMENT}.ipynb")
    (folder / "garbage").mkdir()
    (folder / "garbage" / f"{ASSIGNMENT}.ipynb").write_text("{ not json")
    (folder / "stranger").mkdir()  # not on the roster


def test_grading_end_to_end(make_course, tmp_path, capsys):
    course = make_course(students=STUDENTS)
    release(course, ASSIGNMENT)
    before = tree_hashes(course.root, skip=OUTPUTS)
    inbox = tmp_path / "inbox"
    _submissions(course, inbox)
    code = main(["exercises", "grade", str(course.root), ASSIGNMENT, "--submissions",
                 str(inbox), "--cell-timeout", "20", "--memory-mb", "3072"])
    assert code == 0, capsys.readouterr().err
    grades = pd.read_csv(course.root / "grades.csv", dtype={"student_id": str},
                         keep_default_na=False)
    assert list(grades.columns) == ["student_id", "assignment", "score", "max_score", "reason"]
    scores = dict(zip(grades["student_id"], grades["score"], strict=True))
    assert scores == {**EXPECTED, "stranger": 0}
    assert set(grades["max_score"]) == {10}
    reasons = dict(zip(grades["student_id"], grades["reason"], strict=True))
    assert "no submission" in reasons["missing"]
    assert "unreadable" in reasons["garbage"]
    assert "not on the roster" in reasons["stranger"]
    assert reasons["perfect"] == ""

    # nothing outside the outputs changed, and the sandbox left nothing in /tmp
    assert tree_hashes(course.root, skip=OUTPUTS) == before
    assert not Path("/tmp/crmlab-vandal-was-here").exists()
    assert not list(Path("/tmp").glob("crmlab-grade-*"))

    # the snoop's outputs show it was refused, and hold nothing secret
    if isolation_level() == "uid":
        snooped = (course.root / "autograded" / "snoop" / ASSIGNMENT /
                   f"{ASSIGNMENT}.ipynb").read_text()
        # all four reads refused, and no variable named like a secret in the environment
        assert "['PermissionError', 'PermissionError', 'PermissionError', " \
            "'PermissionError'] []" in snooped
        assert SECRET not in snooped
    looped = (course.root / "autograded" / "looper" / ASSIGNMENT /
              f"{ASSIGNMENT}.ipynb").read_text()
    assert "CellTimeoutError" in looped or "KeyboardInterrupt" in looped
    hogged = (course.root / "autograded" / "hog" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "MemoryError" in hogged

    # feedback: one HTML per graded student
    assert main(["exercises", "feedback", str(course.root), ASSIGNMENT]) == 0
    html = sorted(p.parts[-3] for p in (course.root / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    assert set(html) == set(STUDENTS) - {"missing", "garbage"}
    assert tree_hashes(course.root, skip=OUTPUTS) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid sandbox needs root")
def test_regrading_replaces_rows_and_keeps_other_assignments(make_course, tmp_path):
    from crmlab.exercises.grading import grade

    course = make_course(students=["only"])
    (course.root / "grades.csv").write_text(
        "student_id,assignment,score,max_score,reason\nonly,other,5,10,\n")
    inbox = tmp_path / "inbox"
    (inbox / "only").mkdir(parents=True)
    table = grade(course, ASSIGNMENT, inbox)
    assert table["score"].tolist() == [0.0] and "no submission" in table["reason"][0]
    grade(course, ASSIGNMENT, inbox)
    text = (course.root / "grades.csv").read_text().splitlines()
    assert text[1:] == ["only,other,5,10,", "only,rfm_concentration,0,10,no submission "
                        "(rfm_concentration.ipynb missing)"]
