"""Course creation and release: what students receive holds no solution, hidden test or
secret, and only their own seed."""

from __future__ import annotations

import csv
import re
import shutil
import stat

import nbformat
import pytest

from crmlab.cli import main
from crmlab.exercises.course import Course, init_course, release, shipped_assignments
from crmlab.exercises.seeds import derive_seed
from crmlab.exercises.student import TOKEN_FILE

SECRET = "5e" * 32  # the secret make_course uses (conftest.py)



pytestmark = pytest.mark.timeout(300)


def _hidden_text(course: Course, assignment: str) -> list[str]:
    """Every non-empty line inside a solution or hidden-test region of the sources that the
    public text does not also hold (a question may quote the call it asks for)."""
    lines, public = [], []
    for path in (course.root / "source" / assignment).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if re.search(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)", line):
                    inside = "BEGIN" in line
                elif line.strip():
                    (lines if inside else public).append(line.strip())
    return [line for line in lines if not any(line in text for text in public)]


def test_every_released_file_is_clean(tmp_path):
    roster = ["s001", "s002", "s003"]
    course = init_course(tmp_path / "course", students=roster, secret=SECRET)
    assert course.assignments() == shipped_assignments() and len(course.assignments()) >= 4
    seeds = {}
    for assignment in course.assignments():
        release(course, assignment)
        hidden = _hidden_text(course, assignment)
        assert len(hidden) >= 5  # the sources really have solutions
        for sid in roster:
            seeds[sid, assignment] = derive_seed(SECRET, assignment, sid)
    checked = 0
    for folder in (course.root / "handout", course.root / "release"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            text = path.read_text(encoding="utf-8")
            checked += 1
            assert SECRET not in text, path
            for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
                assert marker not in text, (path, marker)
            assignment = path.parent.name
            for line in _hidden_text(course, assignment):
                if len(line) > 12:  # short lines such as `aris = {` may occur in the text
                    assert line not in text, (path, line)
            if folder.name == "handout":
                owner = path.relative_to(folder).parts[0]
                for (sid, a), seed in seeds.items():
                    if sid != owner or a != assignment:
                        assert str(seed) not in text, (path, sid, a)
    assert checked == 2 * len(roster) * len(course.assignments()) + len(course.assignments())
    token = (course.root / "handout" / "s002" / "segmentation" / TOKEN_FILE).read_text()
    assert f'"seed": {seeds["s002", "segmentation"]}' in token


def test_released_notebooks_keep_the_visible_tests_and_points(make_course):
    course = make_course()
    release(course, "rfm_concentration")
    nb = nbformat.read(course.root / "handout" / "perfect" / "rfm_concentration" /
                       "rfm_concentration.ipynb", as_version=4)
    grades = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    tests = [c for c in grades if c.cell_type == "code"]
    assert sum(c.metadata["nbgrader"]["points"] for c in tests) == 10
    assert sum(c.metadata["nbgrader"]["points"] for c in grades) == 12  # + a written answer
    assert all("submit(" in c.source and "assert" in c.source for c in tests)
    assert any("raise NotImplementedError()" in c.source for c in nb.cells)


def test_course_layout_and_permissions(make_course):
    course = make_course()
    assert stat.S_IMODE(course.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(course.secret_path.stat().st_mode) == 0o600
    assert course.secret() == SECRET
    assert course.students() == ["perfect", "partial", "copier"]
    assert (course.root / "release" / "rfm_concentration" / "rfm_concentration.ipynb").is_file()
    with pytest.raises(ValueError, match="unknown assignment 'nope'"):
        release(course, "nope")


def test_cli_init_and_release(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="") as fh:
        csv.writer(fh).writerows([["student_id", "email"], ["a1", "a1@x.org"],
                                  ["b2", "b2@x.org"]])
    course_dir = tmp_path / "c"
    assert main(["exercises", "init", str(course_dir), "--students", str(roster)]) == 0
    assert "2 students" in capsys.readouterr().out
    secret = Course(course_dir).secret()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)  # random, not the test secret
    assert main(["exercises", "release", str(course_dir), "clv_bgnbd"]) == 0
    assert (course_dir / "handout" / "b2" / "clv_bgnbd" / TOKEN_FILE).is_file()
    assert "b2@x.org" in (course_dir / "students.csv").read_text()


@pytest.mark.parametrize("argv, message", [
    (["exercises", "release", "{tmp}/none", "rfm_concentration"], "not a crmlab course"),
    (["exercises", "release", "{course}", "nope"], "unknown assignment 'nope'"),
    (["exercises", "init", "{course}"], "already exists"),
    (["exercises", "init", "{tmp}/new", "--students", "{tmp}/missing.csv"], "missing.csv"),
    (["exercises", "grade", "{course}", "rfm_concentration", "--submissions", "{tmp}/no"],
     "no submissions folder"),
])
def test_cli_errors_are_one_line(make_course, tmp_path, capsys, argv, message):
    course = make_course()
    args = [a.format(tmp=tmp_path, course=course.root) for a in argv]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert err.startswith("crmlab: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_bad_rosters_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="twice"):
        init_course(tmp_path / "a", students=["s1", "s1"], generate=False)
    with pytest.raises(ValueError, match="not allowed"):
        init_course(tmp_path / "b", students=["../evil"], generate=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_init_without_a_roster_then_add_students(tmp_path, capsys):
    course_dir = tmp_path / "c"
    assert main(["exercises", "init", str(course_dir), "--assignment", "rfm_concentration"]) == 0
    assert "0 students" in capsys.readouterr().out
    assert Course(course_dir).students() == []
    assert main(["exercises", "release", str(course_dir), "rfm_concentration"]) == 2
    assert "no students" in capsys.readouterr().err
    assert main(["exercises", "students", str(course_dir), "--add", "s1", "s2"]) == 0
    roster = tmp_path / "more.csv"
    roster.write_text("student_id,email\ns3,s3@x.org\n")
    assert main(["exercises", "students", str(course_dir), "--add", str(roster)]) == 0
    assert Course(course_dir).students() == ["s1", "s2", "s3"]
    assert main(["exercises", "students", str(course_dir), "--add", "s2"]) == 2
    assert "already on the roster" in capsys.readouterr().err
    assert main(["exercises", "release", str(course_dir), "rfm_concentration"]) == 0
    assert (course_dir / "handout" / "s3" / "rfm_concentration" / TOKEN_FILE).is_file()


def test_a_failing_init_leaves_nothing(tmp_path, capsys):
    bad = tmp_path / "src"
    (bad / "broken").mkdir(parents=True)
    (bad / "broken" / "broken.ipynb").write_text("{ not a notebook")
    for argv in (["exercises", "init", str(tmp_path / "a"), "--source", str(bad)],
                 ["exercises", "init", str(tmp_path / "b"), "--assignment", "nope"],
                 ["exercises", "init", str(tmp_path / "c"), "--students", str(bad)]):
        assert main(argv) != 0
        err = capsys.readouterr().err
        assert err.startswith("crmlab: error: ") and len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # no course, no temp folder


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_handout_runs_at_home_in_a_real_kernel(make_course, tmp_path, monkeypatch):
    # the student's side: the released notebook, solved, in the crmlab Jupyter kernel, with
    # only the token file beside it; submit() records nothing at home
    from nbclient import NotebookClient

    from crmlab.exercises.catalog import params

    for key in ("CRMLAB_STUDENT_ID", "CRMLAB_ASSIGNMENT", "CRMLAB_EXERCISE_SEED",
                "CRMLAB_ANSWERS", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(key, raising=False)
    course = make_course(students=["s1"])
    release(course, "rfm_concentration")
    home = tmp_path / "home"
    shutil.copytree(course.root / "handout" / "s1" / "rfm_concentration", home)
    path = home / "rfm_concentration.ipynb"
    nb = nbformat.read(path, as_version=4)
    source = nbformat.read(course.root / "source" / "rfm_concentration" /
                           "rfm_concentration.ipynb", as_version=4)
    solved = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
              if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solved:
            c.source = solved[gid]
    NotebookClient(nb, kernel_name="crmlab", timeout=120,
                   resources={"metadata": {"path": str(home)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    shown = nb.cells[1].outputs[-1]["data"]["text/plain"]
    seed = derive_seed(SECRET, "rfm_concentration", "s1")
    assert shown == repr(params("rfm_concentration", seed))  # the student sees their own
    assert sorted(p.name for p in home.iterdir()) == ["crmlab_student.json",
                                                      "rfm_concentration.ipynb"]
