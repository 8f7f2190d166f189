"""Grade a class: nbgrader's bookkeeping, sandboxed runs, verdicts from outside the kernel.

``grade(course, assignment, submissions)`` reads ``submissions/<student_id>/<notebook>.ipynb``
(links and special files refused, :mod:`crmlab.exercises.inbox`) and writes
``COURSE_DIR/grades.csv``. For each student:

1. *instructor's process*: record the student and submission time in nbgrader's
   gradebook, copy the notebook to ``submitted/``, and run nbgrader's sanitising
   preprocessors (outputs cleared, kernel spec reset, locked cells and test cells
   restored from the gradebook, deleted test cells re-added);
2. *sandbox* (:mod:`crmlab.exercises.sandbox`), ``workers`` at a time: nbclient, in
   this process, runs the notebook on a kernel forked into the submission's sandbox.
   The locked test cells record the answers (:func:`crmlab.exercises.submit`);
3. *checker process*: the answers file is read back (no links, size-limited, typed
   JSON) and the expected answers are recomputed from the student's seed and
   parameters (:func:`crmlab.exercises.checks.grade_answers`);
4. *instructor's process*: every test cell's output is replaced by its verdict (what
   the kernel printed is kept as plain text after it, and never counts), outputs are
   reduced to safe types (text and checked PNG/JPEG images: no HTML, no JavaScript),
   nbgrader's ``SaveAutoGrades`` records the cells, and each autograded score is set
   to the verdict's points (so it is always within ``[0, points]``); the late penalty
   is applied; the notebook goes to ``autograded/``.

Anything that goes wrong with one submission becomes that student's 0 with a reason;
the run goes on and always writes ``grades.csv`` (atomically). Grading a subset of
students (``students=``) replaces only their rows. Every grade written is appended to
``audit.csv`` with the old score, the new one and a note.

Examples
--------
>>> from crmlab.exercises.grading import GRADES_COLUMNS
>>> GRADES_COLUMNS[:4]
['student_id', 'assignment', 'score', 'max_score']
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import hashlib
import json
import os
import queue
import re
import threading
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import catalog, inbox
from .course import Course, atomic_write_text
from .policy import late_policy
from .report import GRADES_COLUMNS, append_audit, read_grades, update_grades
from .sandbox import GradingRun, Limits
from .student import ENV_ASSIGNMENT, ENV_SEED, ENV_STUDENT, TOKEN_FILE

__all__ = ["GRADES_COLUMNS", "grade"]

_SAFE_MIME = ("text/plain", "image/png", "image/jpeg")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_TEXT_LIMIT = 100_000


@dataclass
class _Student:
    student: str
    submission: inbox.Submission
    reasons: list[str] = field(default_factory=list)
    trusted: dict[str, Any] = field(default_factory=dict)
    executed: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, bytes | None] = field(default_factory=dict)
    verdicts: dict[str, dict] = field(default_factory=dict)
    sha256: str = ""
    seconds: float = 0.0
    failure: str = ""


def _check_private(course: Course) -> None:
    mode = course.root.stat().st_mode & 0o777
    if mode & 0o077:
        raise ValueError(f"{course.root} is readable by other users (mode {oct(mode)}); run "
                         f"`chmod 700 {course.root}` so graded notebooks cannot read the secret "
                         "or the solutions")


def _db_url(course: Course) -> str:
    return f"sqlite:///{course.root / 'gradebook.db'}"


def _gradebook(course: Course):
    from nbgrader.api import Gradebook

    warnings.filterwarnings("ignore", message=".*not in session.*")
    return Gradebook(_db_url(course))


def _sqlite_pragmas(dbapi_connection, record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable, without a sync per commit
    cursor.close()


@contextlib.contextmanager
def _fast_gradebook(course: Course):
    """While grading, the gradebook runs in WAL mode without a disk sync per commit
    (nbgrader commits after every cell; a crash can lose the last commits, never corrupt
    the file — and grading writes nothing that a re-run would not write again)."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    with contextlib.closing(sqlite3.connect(course.root / "gradebook.db")) as con:
        con.execute("PRAGMA journal_mode=WAL")
    event.listen(Engine, "connect", _sqlite_pragmas)
    try:
        yield
    finally:
        event.remove(Engine, "connect", _sqlite_pragmas)


def _resources(course: Course, assignment: str, student: str, notebook: str) -> dict:
    return {"unique_key": notebook, "output_files_dir": f"{notebook}_files",
            "nbgrader": {"student": student, "assignment": assignment, "notebook": notebook,
                         "db_url": _db_url(course)}}


def _with_cell_ids(nb):
    """``nb`` with an id on every cell (nbformat 4.5)."""
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


def _parse_notebook(data: bytes):
    import nbformat

    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    with warnings.catch_warnings():  # cells without ids (nbformat < 4.5) are fine
        warnings.simplefilter("ignore")
        nbformat.validate(nb)
    return nb


def _sanitize(nb, resources: dict):
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    for pp in (ClearOutput(), DeduplicateIds(), OverwriteKernelspec(),
               OverwriteCells(add_missing_cells=True), CheckCellMetadata()):
        nb, resources = pp(nb, resources)
    return nb


def _zero(gb, assignment: str, student: str, notebook: str) -> None:
    nb = gb.find_submission_notebook(notebook, assignment, student)
    for g in nb.grades:
        if g.cell.cell_type == "code" or g.auto_score is not None:
            g.auto_score = 0
        g.needs_manual_grade = False
    nb.late_submission_penalty = 0.0
    gb.db.commit()


def _one_line(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:limit]}" if text else type(exc).__name__


# ------------------------------------------------------------------ 1. prepare (instructor)
def _prepare(course: Course, gb, assignment: str, sid: str, notebooks: list[str],
             folder: Path, when: _dt.datetime | None) -> _Student:
    import nbformat

    sub = inbox.read_submission(folder, sid, notebooks)
    if when is not None:
        sub.timestamp = when
    state = _Student(sid, sub)
    state.reasons += sub.problems
    gb.update_or_create_student(sid)
    stamp = sub.timestamp.astimezone(_dt.UTC).replace(tzinfo=None) if sub.timestamp else None
    gb.update_or_create_submission(assignment, sid, timestamp=stamp)
    digest = hashlib.sha256()
    for name in notebooks:
        data = sub.files.get(name)
        if data is None:
            if name in sub.missing and not sub.problems:
                state.reasons.append(f"no submission ({name}.ipynb missing)")
            _zero(gb, assignment, sid, name)
            continue
        digest.update(data)
        try:
            nb = _parse_notebook(data)
        except Exception as exc:
            state.reasons.append(f"unreadable notebook {name}.ipynb ({_one_line(exc, 100)})")
            _zero(gb, assignment, sid, name)
            continue
        atomic_write_text(course.root / "submitted" / sid / assignment / f"{name}.ipynb",
                          nbformat.writes(_with_cell_ids(nb)))
        try:
            state.trusted[name] = _with_cell_ids(
                _sanitize(nb, _resources(course, assignment, sid, name)))
        except Exception as exc:
            state.reasons.append(f"{name}.ipynb could not be prepared for grading "
                                 f"({_one_line(exc, 100)})")
            _zero(gb, assignment, sid, name)
    state.sha256 = digest.hexdigest() if sub.files else ""
    return state


# -------------------------------------------------------------- 2-3. run and check (pool)
def _merge_answers(parts: list[bytes | None]) -> str | None:
    from .answers import MAX_ANSWER_BYTES

    merged: dict[str, Any] = {}
    for data in parts:
        if data is None:
            continue
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError):
            return data.decode("utf-8", "replace")  # the checker reports it unreadable
        if isinstance(obj, dict):
            merged.update(obj)
    if not merged:
        return None
    text = json.dumps(merged, separators=(",", ":"))
    return text if len(text) <= MAX_ANSWER_BYTES else text[:MAX_ANSWER_BYTES + 1]


class _Checkers:
    """Checker processes shared by the pool's threads (one per busy thread, reused)."""

    def __init__(self, run: GradingRun) -> None:
        self.run = run
        self.idle: queue.SimpleQueue = queue.SimpleQueue()
        self.all: list = []
        self.lock = threading.Lock()

    def verdicts(self, assignment: str, seed: int, recorded: str | None) -> dict:
        try:
            checker = self.idle.get_nowait()
        except queue.Empty:
            checker = self.run.checker()
            with self.lock:
                self.all.append(checker)
        try:
            result = checker.verdicts(assignment, seed, recorded)
        except BaseException:
            checker.close()
            raise
        self.idle.put(checker)
        return result

    def close(self) -> None:
        for checker in self.all:
            checker.close()


def _run_student(run: GradingRun, checkers: _Checkers, state: _Student, assignment: str,
                 seed: int) -> _Student:
    from ._execute import execute
    from .student import Identity

    try:
        ident = Identity(state.student, assignment, seed)
        env = {ENV_STUDENT: ident.student_id, ENV_ASSIGNMENT: ident.assignment,
               ENV_SEED: str(ident.seed)}
        for name, trusted in state.trusted.items():
            box = run.sandbox()
            try:
                outcome = execute(copy.deepcopy(trusted), box, env, {TOKEN_FILE: ident.to_json()})
                state.answers[name] = box.answers()
            finally:
                box.close()
            state.executed[name] = outcome.notebook
            state.seconds += outcome.seconds
            if outcome.reason:
                state.reasons.append(f"{name}: {outcome.reason}")
        if state.trusted:
            recorded = _merge_answers([state.answers.get(n) for n in state.trusted])
            state.verdicts = checkers.verdicts(assignment, seed, recorded)
    except Exception as exc:
        state.failure = f"grading this submission failed ({_one_line(exc)}); scored 0"
    return state


# ---------------------------------------------------------- 4. record (instructor's process)
def _safe_outputs(outputs: list) -> list:
    """Outputs reduced to what feedback and formgrader can show safely."""
    from nbformat.v4 import new_output

    safe = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            name = out.get("name") if out.get("name") in ("stdout", "stderr") else "stdout"
            safe.append(new_output("stream", name=name, text=str(out.get("text", ""))[
                :_TEXT_LIMIT]))
        elif kind == "error":
            safe.append(new_output("error", ename=str(out.get("ename", ""))[:200],
                                   evalue=str(out.get("evalue", ""))[:2000],
                                   traceback=[str(t)[:2000] for t in
                                              list(out.get("traceback") or [])[:60]]))
        elif kind in ("display_data", "execute_result"):
            data = out.get("data") or {}
            keep = {}
            for mime in _SAFE_MIME:
                value = data.get(mime)
                if isinstance(value, list):
                    value = "".join(map(str, value))
                if not isinstance(value, str):
                    continue
                if mime.startswith("image/"):
                    if len(value) > 4 * 2**20 or not _BASE64.fullmatch(value):
                        continue
                    keep[mime] = value
                else:
                    keep[mime] = value[:_TEXT_LIMIT]
            if keep:
                if kind == "execute_result":
                    safe.append(new_output("execute_result", data=keep,
                                           execution_count=out.get("execution_count")))
                else:
                    safe.append(new_output("display_data", data=keep))
    return safe


_UNSAFE_LINK = re.compile(r"(\]\s*\(\s*|\]:\s*|^\s*\[[^\]]*\]:\s*)(javascript|vbscript|data|file)\s*:",
                          re.IGNORECASE | re.MULTILINE)


def _plain_markdown(text: str) -> str:
    """A student's markdown with HTML shown as text and script links disarmed (nbgrader's
    feedback and formgrader render answer cells without nbconvert's sanitiser)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _UNSAFE_LINK.sub(lambda m: m.group(1) + "unsafe-" + m.group(2) + ":", text)


def _as_text(outputs: list) -> list:
    """Outputs of a test cell, as plain stdout text that never counts for the score."""
    from nbformat.v4 import new_output

    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(str(out.get("text", "")))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}\n")
        elif "text/plain" in (out.get("data") or {}):
            parts.append(str(out["data"]["text/plain"]) + "\n")
    text = "".join(parts)[:_TEXT_LIMIT]
    if not text.strip():
        return []
    return [new_output("stream", name="stdout", text="Your run printed (not graded):\n" + text)]


def _verdict_output(verdict: dict | None, fa: bool):
    from nbformat.v4 import new_output

    if verdict is None:
        text = ("این پرسش بررسی نشد" if fa else "this question was not checked")
        return new_output("error", ename="NotChecked", evalue=text, traceback=[text])
    message = str(verdict.get("message", ""))
    if float(verdict.get("score", 0.0)) >= 1.0:
        return new_output("stream", name="stdout", text=f"✔ {message}\n")
    return new_output("error", ename="WrongAnswer", evalue=message, traceback=[f"✘ {message}"])


def _is_autograded(cell) -> bool:
    from nbgrader import utils

    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _record(course: Course, gb, assignment: str, state: _Student, name: str,
            points_taken: float) -> float:
    """Write one notebook's verdicts to the gradebook and ``autograded/``; its score."""
    import nbformat
    from nbgrader.preprocessors import LimitOutput, SaveAutoGrades

    trusted = state.trusted[name]
    nb = state.executed.get(name)
    if nb is None or len(nb.cells) != len(trusted.cells) or any(
            a.cell_type != b.cell_type or a.source != b.source
            for a, b in zip(nb.cells, trusted.cells, strict=True)):
        nb = copy.deepcopy(trusted)
    fa = catalog.spec(assignment).language == "fa"
    for cell in nb.cells:
        nbg = cell.metadata.get("nbgrader")
        cell.metadata = {"nbgrader": nbg} if nbg is not None else {}
        cell.pop("attachments", None)
        if cell.cell_type == "markdown" and not (nbg or {}).get("locked"):
            cell.source = _plain_markdown(cell.source)
        if cell.cell_type != "code":
            continue
        outputs = _safe_outputs(cell.get("outputs", []))
        if _is_autograded(cell):
            verdict = state.verdicts.get(nbg["grade_id"])
            outputs = [_verdict_output(verdict, fa), *_as_text(outputs)]
        cell.outputs = outputs
    keep = {k: nb.metadata[k] for k in ("kernelspec", "language_info") if k in nb.metadata}
    nb.metadata = nbformat.from_dict(keep)
    resources = _resources(course, assignment, state.student, name)
    for pp in (LimitOutput(), SaveAutoGrades()):
        nb, resources = pp(nb, resources)
    total = 0.0
    for cell in nb.cells:
        if not _is_autograded(cell):
            continue
        grade = gb.find_grade(cell.metadata["nbgrader"]["grade_id"], name, assignment,
                              state.student)
        verdict = state.verdicts.get(cell.metadata["nbgrader"]["grade_id"]) or {}
        fraction = min(1.0, max(0.0, float(verdict.get("score", 0.0) or 0.0)))
        grade.auto_score = round(fraction * float(grade.max_score), 6)
        grade.needs_manual_grade = grade.manual_score is not None
    submitted = gb.find_submission_notebook(name, assignment, state.student)
    submitted.late_submission_penalty = points_taken
    gb.db.commit()
    total = float(submitted.score or 0.0)
    atomic_write_text(course.root / "autograded" / state.student / assignment / f"{name}.ipynb",
                      nbformat.writes(_with_cell_ids(nb)))
    return total


def _finish(course: Course, gb, assignment: str, state: _Student, notebooks: list[str],
            policy, max_score: float) -> dict:
    """The student's row of grades.csv (writes the gradebook and autograded/)."""
    if state.failure:
        for name in notebooks:
            _zero(gb, assignment, state.student, name)
        state.reasons.append(state.failure)
    else:
        try:
            raw = sum(_record(course, gb, assignment, state, name, 0.0)
                      for name in state.trusted)
            taken, days = (policy.penalty(raw, state.submission.timestamp) if policy
                           else (0.0, 0))
            if taken:
                share = taken / raw if raw else 0.0
                for name in state.trusted:
                    nb = gb.find_submission_notebook(name, assignment, state.student)
                    nb.late_submission_penalty = round(float(nb.score or 0.0) * share, 6)
                gb.db.commit()
                state.reasons.append(f"submitted {days} day{'s' if days != 1 else ''} late: "
                                     f"{taken:g} points taken off")
        except Exception as exc:
            gb.db.rollback()
            for name in notebooks:
                _zero(gb, assignment, state.student, name)
            state.reasons.append(f"recording this submission failed ({_one_line(exc)}); "
                                 "scored 0")
    sub = gb.find_submission(assignment, state.student)
    raw = float(sub.score or 0.0)
    penalty = float(sub.late_submission_penalty or 0.0)
    if policy is not None and state.submission.timestamp is None and state.trusted:
        state.reasons.append("no submission time recorded; no late penalty applied")
    pending = sum(1 for nb in sub.notebooks for g in nb.grades
                  if g.needs_manual_grade and g.manual_score is None and g.auto_score is None)
    if pending and state.trusted:
        state.reasons.append(f"{pending} answer{'s' if pending != 1 else ''} await manual "
                             "grading")
    score = min(max_score, max(0.0, raw - penalty))
    stamp = state.submission.timestamp
    return {"student_id": state.student, "assignment": assignment, "score": score,
            "max_score": max_score, "reason": "; ".join(state.reasons)[:2000],
            "late_penalty": penalty,
            "submitted_at": stamp.isoformat(timespec="seconds") if stamp else ""}


# ------------------------------------------------------------------------------ grade()
def grade(course: Course, assignment: str, submissions: str | os.PathLike, *,
          workers: int = 2, limits: Limits | None = None,
          students: Sequence[str] | None = None, note: str = "",
          times: Mapping[str, _dt.datetime] | None = None) -> pd.DataFrame:
    """Grade the roster (or ``students``); update ``COURSE_DIR/grades.csv``.

    Parameters
    ----------
    course : Course
    assignment : str
        A shipped assignment of the course.
    submissions : path
        Folder with one sub-folder per student id holding the notebooks.
    workers : int, default=2
        Submissions run at the same time (each in its own sandbox).
    limits : Limits, optional
        Time, memory, CPU, process and disk budgets of each submission.
    students : list of str, optional
        Grade only these students (others' grades are left as they are).
    note : str
        Why this grading happened (kept in ``audit.csv``).
    times : mapping, optional
        Submission times by student id (instead of ``timestamp.txt``).

    Returns
    -------
    DataFrame
        The rows written (``GRADES_COLUMNS``); ``attrs["seconds"]`` maps each student to
        the time their notebooks ran.
    """
    course.check_assignment(assignment)
    _check_private(course)
    try:
        catalog.spec(assignment)
    except KeyError:
        raise ValueError(f"{assignment!r} has no crmlab checks: crmlab grades its shipped "
                         "assignments only (their answers are checked outside the student's "
                         "kernel)") from None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1; got {workers!r}")
    limits = limits if limits is not None else Limits()
    folder = Path(submissions)
    if folder.is_symlink() or not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder} (a real folder, not a link)")
    roster = course.students()
    if students is not None:
        unknown = sorted(set(students) - set(roster))
        if unknown:
            raise ValueError(f"not on the roster: {unknown}; add them with `crmlab exercises "
                             "students add` first")
        chosen = [s for s in roster if s in set(students)]
    else:
        chosen = roster
    if not chosen:
        raise ValueError(f"the roster {course.roster_path} has no students; add them with "
                         "`crmlab exercises students add`")
    if not (course.root / "release" / assignment).is_dir():
        course.generate(assignment)
    notebooks = course.notebooks(assignment)
    course.api()  # puts alembic on PATH before the first Gradebook
    secret = course.secret()
    policy = late_policy(course, assignment)
    old = read_grades(course)
    old = old[old["assignment"] == assignment].set_index("student_id")["score"].to_dict()

    from .seeds import derive_seed

    rows: list[dict] = []
    states: list[_Student] = []
    with _fast_gradebook(course), _gradebook(course) as gb, \
            GradingRun(limits, bases=(catalog.spec(assignment).base,)) as run:
        checkers = _Checkers(run)
        max_score = float(gb.find_assignment(assignment).max_score)
        pending: list[tuple[_Student, Future]] = []
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            def finish_done(block: bool) -> None:
                while pending and (block or pending[0][1].done()):
                    state, future = pending.pop(0)
                    done = future.result()
                    rows.append(_finish(course, gb, assignment, done, notebooks, policy,
                                        max_score))
                    states.append(done)

            for sid in chosen:
                try:
                    state = _prepare(course, gb, assignment, sid, notebooks, folder,
                                     (times or {}).get(sid))
                except Exception as exc:
                    gb.db.rollback()
                    state = _Student(sid, inbox.Submission(sid))
                    state.failure = f"preparing this submission failed ({_one_line(exc)})"
                seed = derive_seed(secret, assignment, sid)
                if state.trusted and not state.failure:
                    future = pool.submit(_run_student, run, checkers, state, assignment, seed)
                else:
                    future = Future()
                    future.set_result(state)
                pending.append((state, future))
                finish_done(block=False)
            finish_done(block=True)
        except BaseException:
            # interrupted (SIGTERM, Ctrl-C): end every sandbox first, so the runs waiting on
            # them return, then let the threads finish; grades.csv stays as it was
            pool.shutdown(wait=False, cancel_futures=True)
            run.close()
            raise
        finally:
            pool.shutdown(wait=True)
        checkers.close()
        run_id, stale = run.id, run.stale
    if students is None:
        for name in inbox.list_folders(folder):
            if name not in set(roster):
                rows.append({"student_id": inbox.safe_label(name), "assignment": assignment,
                             "score": 0.0, "max_score": max_score,
                             "reason": "not on the roster; not graded", "late_penalty": 0.0,
                             "submitted_at": ""})
    table = update_grades(course, assignment, rows, replace_all=students is None)
    append_audit(course, [{"action": "grade", "assignment": assignment,
                           "student_id": s.student,
                           "old_score": old.get(s.student, ""),
                           "new_score": r["score"], "max_score": r["max_score"],
                           "reason": r["reason"], "submission_sha256": s.sha256, "note": note}
                          for s, r in zip(states, rows, strict=False)])
    table.attrs["seconds"] = {s.student: s.seconds for s in states}
    table.attrs["run"] = run_id
    table.attrs["stale_runs"] = stale  # interrupted earlier runs whose leftovers were removed
    return table
