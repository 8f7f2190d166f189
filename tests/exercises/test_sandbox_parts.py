"""Small parts of the sandbox and grading pipeline, without running notebooks."""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from crmlab.exercises import grading, sandbox


def _grade_cell(source: str, grade_id: str = "t1"):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "points": 2, "grade_id": grade_id, "schema_version": 3}
    return cell


def test_limits_are_validated():
    assert sandbox.Limits(cell_timeout=5).cell_timeout == 5
    with pytest.raises(ValueError, match="Limits.memory_bytes"):
        sandbox.Limits(memory_bytes=0)
    with pytest.raises(ValueError, match="Limits.cell_timeout"):
        sandbox.Limits(cell_timeout=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="uids are only claimed when running as root")
def test_concurrent_claims_get_different_uids():
    with sandbox._claim_uid(0) as a, sandbox._claim_uid(0) as b:
        assert a != b and a >= sandbox.BASE_UID and b >= sandbox.BASE_UID
    with sandbox._claim_uid(0) as c:
        assert c == a  # released again


def test_read_back_refuses_symlinks_and_huge_files(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("do not read")
    link = tmp_path / "executed.ipynb"
    link.symlink_to(secret)
    assert sandbox._read_back(link) is None
    assert sandbox._read_back(tmp_path / "none.ipynb") is None
    big = tmp_path / "big.ipynb"
    big.write_bytes(b"x" * 100)
    monkeypatch.setattr(sandbox, "MAX_OUTPUT_BYTES", 99)
    assert sandbox._read_back(big) is None
    monkeypatch.setattr(sandbox, "MAX_OUTPUT_BYTES", 100)
    assert sandbox._read_back(big) == b"x" * 100


def test_outputs_only_come_back_into_the_same_cells():
    trusted = new_notebook(cells=[new_code_cell("x = 1"), _grade_cell("assert x == 1")])
    ran = nbformat.from_dict(nbformat.reads(nbformat.writes(trusted), as_version=4))
    ran.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n")]
    ran.cells[1].execution_count = 2
    merged, problem = grading._merge_outputs(trusted, nbformat.writes(ran).encode())
    assert problem == "" and merged.cells[1].outputs[0]["text"] == "ok\n"
    assert trusted.cells[1].outputs == []  # the trusted notebook itself is not modified
    ran.cells[1].source = "pass  # a forged test"
    merged, problem = grading._merge_outputs(trusted, nbformat.writes(ran).encode())
    assert "different cells" in problem and merged.cells[1].outputs == []
    merged, problem = grading._merge_outputs(trusted, b"\xff not a notebook")
    assert "unreadable" in problem


def test_test_cells_that_never_ran_score_zero():
    from nbgrader.utils import determine_grade

    nb = new_notebook(cells=[_grade_cell("assert True", "ran"), _grade_cell("pass", "never")])
    nb.cells[0].execution_count = 1
    assert grading._fail_unexecuted(nb) == 1
    assert determine_grade(nb.cells[0])[0] == 2  # ran without error: full points
    assert determine_grade(nb.cells[1])[0] == 0  # never ran: no points


def test_grading_refuses_a_course_others_can_read(make_course, tmp_path, capsys):
    from crmlab.cli import main

    course = make_course()
    (tmp_path / "inbox").mkdir()
    course.root.chmod(0o755)
    assert main(["exercises", "grade", str(course.root), "rfm_concentration",
                 "--submissions", str(tmp_path / "inbox")]) == 2
    err = capsys.readouterr().err
    assert "readable by other users" in err and "chmod 700" in err
    assert not (course.root / "grades.csv").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid sandbox only runs as root")
def test_bind_mounted_view_reaches_packages_behind_a_closed_folder(tmp_path):
    # a checkout inside a folder only root may enter (as `mktemp -d` makes): the sandbox
    # user cannot import from it directly, but can through the read-only view
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    package = closed / "checkout"
    package.mkdir(mode=0o755)
    (package / "crmlab_view_probe.py").write_text("ANSWER = 42\n", encoding="utf-8")
    (package / "crmlab_view_probe.py").chmod(0o644)
    binds, views = sandbox._view_of([str(package)])
    python = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
    if not os.access(python, os.X_OK):
        pytest.skip(f"no system {python} for the sandbox user")
    direct = sandbox._Interpreter(python, {"PYTHONPATH": str(package)})
    viewed = sandbox._Interpreter(python, {"PYTHONPATH": views[0]}, binds)
    code = ["-c", "import crmlab_view_probe as m; print(m.ANSWER)"]
    with sandbox._claim_uid(0) as uid:
        results = []
        for interpreter in (direct, viewed):
            cmd, kwargs = interpreter.command(uid, code)
            results.append(subprocess.run(cmd, env={"PATH": "/usr/bin:/bin", **interpreter.env},
                                          cwd="/", capture_output=True, text=True, timeout=60,
                                          check=False, **kwargs))
        write = viewed.command(uid, ["-c", f"open({views[0]!r} + '/x', 'w')"])
        wrote = subprocess.run(write[0], env={"PATH": "/usr/bin:/bin"}, cwd="/",
                               capture_output=True, timeout=60, check=False, **write[1])
    assert results[0].returncode != 0, "the closed folder should keep the sandbox user out"
    assert results[1].returncode == 0, results[1].stderr
    assert results[1].stdout.strip() == "42"
    assert wrote.returncode != 0 and not (package / "x").exists(), "the view must be read-only"
