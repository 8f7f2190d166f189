"""Grade a class: nbgrader's autograding, with every notebook run in a sandbox.

``grade(course, assignment, submissions)`` reads ``submissions/<student_id>/<notebook>.ipynb``
for every student on the roster and writes ``COURSE_DIR/grades.csv`` (one row per
student: ``student_id, assignment, score, max_score, reason``). It follows nbgrader's
``autograde`` step by step, with the execution moved out of the instructor's process:

1. *instructor's process*: record the student and submission in the gradebook; copy
   the submission to ``submitted/``; run nbgrader's sanitising preprocessors
   (``ClearOutput``, ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells``
   — which restores locked cells and hidden tests from the gradebook, and re-adds
   deleted test cells — and ``CheckCellMetadata``);
2. *sandbox* (:mod:`crmlab.exercises.sandbox`), up to ``workers`` at a time: execute the
   sanitised notebook with the student's seed and nothing else;
3. *instructor's process*: take only the outputs back into the trusted sanitised
   notebook (a notebook that came back with different cells is rejected), score every
   test cell that never ran as failed, run nbgrader's ``LimitOutput``,
   ``SaveAutoGrades`` and ``AssignLatePenalties``, and write ``autograded/``.

The gradebook and ``grades.csv`` are only written here, one student after another;
``grades.csv`` is replaced atomically (rows of other assignments are kept).

Examples
--------
>>> from crmlab.exercises.grading import GRADES_COLUMNS
>>> GRADES_COLUMNS
['student_id', 'assignment', 'score', 'max_score', 'reason']
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .course import Course, atomic_write_text
from .sandbox import Limits, RunResult, run_notebook
from .student import ENV_ASSIGNMENT, ENV_SEED, ENV_STUDENT, TOKEN_FILE

__all__ = ["GRADES_COLUMNS", "feedback", "grade"]

GRADES_COLUMNS = ["student_id", "assignment", "score", "max_score", "reason"]
MAX_NOTEBOOK_BYTES = 20 * 2**20


@dataclass
class _Job:
    student: str
    notebook: str
    sanitized: Any
    staged: Path
    result: RunResult | None = None


@dataclass
class _Student:
    student: str
    reasons: list[str] = field(default_factory=list)
    jobs: list[_Job] = field(default_factory=list)
    seconds: float = 0.0


def _check_private(course: Course) -> None:
    mode = course.root.stat().st_mode & 0o777
    if mode & 0o077:
        raise ValueError(f"{course.root} is readable by other users (mode {oct(mode)}); run "
                         f"`chmod 700 {course.root}` so graded notebooks cannot read the secret "
                         "or the solutions")


def _read_notebook(path: Path):
    import nbformat

    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    import warnings

    nb = nbformat.read(path, as_version=4)
    with warnings.catch_warnings():  # cells without ids (nbformat < 4.5) are fine
        warnings.simplefilter("ignore")
        nbformat.validate(nb)
    return nb


def _with_cell_ids(nb):
    """``nb`` with an id on every cell (nbformat 4.5), so writing it neither warns nor,
    in later nbformat versions, fails: notebooks from old front ends, and cells that
    grading puts back, may have none."""
    taken = {cell.get("id") for cell in nb.cells}
    for i, cell in enumerate(nb.cells):
        if not cell.get("id"):
            new = f"crmlab-{i}"
            while new in taken:
                new += "x"
            cell["id"] = new
            taken.add(new)
    nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)
    return nb


def _gradebook(course: Course):
    """nbgrader's gradebook, without SQLAlchemy's autoflush warnings from its own code."""
    import warnings

    from nbgrader.api import Gradebook

    warnings.filterwarnings("ignore", message=".*not in session.*")
    return Gradebook(f"sqlite:///{course.root / 'gradebook.db'}")


def _resources(course: Course, assignment: str, student: str, notebook: str) -> dict:
    return {"unique_key": notebook, "output_files_dir": f"{notebook}_files",
            "nbgrader": {"student": student, "assignment": assignment, "notebook": notebook,
                         "db_url": f"sqlite:///{course.root / 'gradebook.db'}"}}


def _run(preprocessors: list, nb, resources: dict):
    for pp in preprocessors:
        nb, resources = pp(nb, resources)
    return nb, resources


def _sanitize(nb, resources: dict):
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    return _run([ClearOutput(), DeduplicateIds(), OverwriteKernelspec(),
                 OverwriteCells(add_missing_cells=True), CheckCellMetadata()], nb, resources)[0]


def _merge_outputs(sanitized, executed_bytes: bytes | None) -> tuple[Any, str]:
    """Outputs of the executed notebook, put into the trusted sanitised cells."""
    import copy

    import nbformat

    nb = copy.deepcopy(sanitized)
    if executed_bytes is None:
        return nb, ""
    try:
        executed = nbformat.reads(executed_bytes.decode("utf-8"), as_version=4)
    except Exception as exc:  # anything the sandbox wrote is untrusted
        return nb, f"the executed notebook was unreadable ({type(exc).__name__})"
    same = len(executed.cells) == len(nb.cells) and all(
        a.cell_type == b.cell_type and a.source == b.source
        for a, b in zip(nb.cells, executed.cells, strict=True))
    if not same:
        return nb, "the notebook came back with different cells; outputs ignored"
    for cell, ran in zip(nb.cells, executed.cells, strict=True):
        if cell.cell_type == "code":
            cell.outputs = ran.get("outputs", [])
            cell.execution_count = ran.get("execution_count")
    return nb, ""


def _fail_unexecuted(nb) -> int:
    """A test cell that never ran (kernel died, run stopped) scores zero, not full marks."""
    from nbformat.v4 import new_output
    from nbgrader import utils

    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            continue
        if cell.get("execution_count") is None and not any(
                o.get("output_type") == "error" for o in cell.get("outputs", [])):
            cell.outputs = [new_output("error", ename="NotExecuted",
                                       evalue="this cell did not run", traceback=[
                                           "NotExecuted: the kernel stopped before this cell"])]
            count += 1
    return count


def _zero(course: Course, assignment: str, student: str, notebook: str) -> None:
    with _gradebook(course) as gb:
        nb = gb.find_submission_notebook(notebook, assignment, student)
        for g in nb.grades:
            g.auto_score = 0
            g.needs_manual_grade = False
        gb.db.commit()


def _prepare(course: Course, assignment: str, student: str, notebooks: list[str],
             submissions: Path, staging: Path) -> _Student:
    import nbformat

    state = _Student(student)
    with _gradebook(course) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
    for name in notebooks:
        path = submissions / student / f"{name}.ipynb"
        if not path.is_file():
            state.reasons.append(f"no submission ({name}.ipynb missing)")
            _zero(course, assignment, student, name)
            continue
        try:
            nb = _read_notebook(path)
        except Exception as exc:
            state.reasons.append(f"unreadable notebook {name}.ipynb ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0][:120] if str(exc) else ''})")
            _zero(course, assignment, student, name)
            continue
        atomic_write_text(course.root / "submitted" / student / assignment / f"{name}.ipynb",
                          nbformat.writes(_with_cell_ids(nb)))
        try:
            sanitized = _sanitize(nb, _resources(course, assignment, student, name))
        except Exception as exc:
            state.reasons.append(f"{name}.ipynb could not be prepared for grading "
                                 f"({type(exc).__name__}: {str(exc).splitlines()[0][:120]})")
            _zero(course, assignment, student, name)
            continue
        staged = staging / student / f"{name}.ipynb"
        staged.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(_with_cell_ids(sanitized), staged)
        state.jobs.append(_Job(student, name, sanitized, staged))
    return state


def _finish(course: Course, assignment: str, job: _Job, state: _Student) -> None:
    import nbformat
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    assert job.result is not None
    nb, problem = _merge_outputs(job.sanitized, job.result.notebook)
    if job.result.reason:
        state.reasons.append(f"{job.notebook}: {job.result.reason}")
    if problem:
        state.reasons.append(f"{job.notebook}: {problem}")
    _fail_unexecuted(nb)
    resources = _resources(course, assignment, job.student, job.notebook)
    nb, _ = _run([IgnorePattern(), LimitOutput(), SaveAutoGrades(), AssignLatePenalties()],
                 nb, resources)
    atomic_write_text(
        course.root / "autograded" / job.student / assignment / f"{job.notebook}.ipynb",
        nbformat.writes(nb))


def _execute(jobs: list[_Job], assignment: str, course: Course, limits: Limits,
             workers: int) -> None:
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(workers):
        slots.put(slot)

    def one(job: _Job) -> None:
        ident = course.identity(assignment, job.student)
        env = {ENV_STUDENT: ident.student_id, ENV_ASSIGNMENT: ident.assignment,
               ENV_SEED: str(ident.seed)}
        slot = slots.get()
        try:
            job.result = run_notebook(job.staged, {TOKEN_FILE: ident.to_json()}, env,
                                      limits=limits, slot=slot)
        finally:
            slots.put(slot)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, jobs))


def _write_grades(course: Course, assignment: str, rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=GRADES_COLUMNS)
    path = course.root / "grades.csv"
    if path.is_file():
        old = pd.read_csv(path, dtype={"student_id": str, "assignment": str},
                          keep_default_na=False)
        old = old[old["assignment"] != assignment]
        merged = pd.concat([old, table], ignore_index=True) if len(old) else table
    else:
        merged = table
    merged = merged.sort_values(["assignment", "student_id"], kind="stable")
    atomic_write_text(path, merged.to_csv(index=False, float_format="%.6g"))
    return table


def grade(course: Course, assignment: str, submissions: str | os.PathLike, *,
          workers: int = 2, limits: Limits | None = None) -> pd.DataFrame:
    """Grade every student on the roster; write ``COURSE_DIR/grades.csv``.

    Parameters
    ----------
    course : Course
    assignment : str
    submissions : path
        Folder with one sub-folder per student id holding the notebooks.
    workers : int, default=2
        Notebooks run at the same time (each in its own sandbox).
    limits : Limits, optional
        Time and memory limits of each run.

    Returns
    -------
    DataFrame
        This assignment's rows of ``grades.csv``; ``attrs["seconds"]`` maps each student
        to the sandbox time of their notebooks.
    """
    course.check_assignment(assignment)
    _check_private(course)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1; got {workers!r}")
    limits = limits if limits is not None else Limits()
    folder = Path(submissions)
    if not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder}")
    roster = course.students()
    if not roster:
        raise ValueError(f"the roster {course.roster_path} has no students")
    if not (course.root / "release" / assignment).is_dir():
        course.generate(assignment)
    notebooks = course.notebooks(assignment)
    course.api()  # puts alembic on PATH before the first Gradebook
    staging = Path(tempfile.mkdtemp(prefix="crmlab-staging-"))
    states: list[_Student] = []
    try:
        for student in roster:
            states.append(_prepare(course, assignment, student, notebooks, folder, staging))
        jobs = [job for state in states for job in state.jobs]
        _execute(jobs, assignment, course, limits, workers)
        for state in states:
            for job in state.jobs:
                _finish(course, assignment, job, state)
                state.seconds += job.result.seconds if job.result else 0.0
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    rows = []
    with _gradebook(course) as gb:
        max_score = float(gb.find_assignment(assignment).max_score)
        for state in states:
            score = float(gb.find_submission(assignment, state.student).score or 0.0)
            rows.append({"student_id": state.student, "assignment": assignment,
                         "score": score, "max_score": max_score,
                         "reason": "; ".join(state.reasons)})
    extra = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in roster)
    for name in extra:
        rows.append({"student_id": name, "assignment": assignment, "score": 0.0,
                     "max_score": max_score, "reason": "not on the roster; not graded"})
    table = _write_grades(course, assignment, rows)
    table.attrs["seconds"] = {s.student: s.seconds for s in states}
    return table


def feedback(course: Course, assignment: str) -> list[Path]:
    """nbgrader ``generate_feedback``: ``feedback/<student>/<assignment>/<notebook>.html``
    for every graded student; returns the HTML files."""
    course.check_assignment(assignment)
    if not (course.root / "autograded").is_dir():
        raise ValueError(f"nothing graded yet for {assignment!r}; run `crmlab exercises "
                         "grade` first")
    result = course.api().generate_feedback(assignment, force=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_feedback failed: "
                           f"{(result.get('error') or result.get('log') or '').strip()[-300:]}")
    return sorted((course.root / "feedback").glob(f"*/{assignment}/*.html"))
