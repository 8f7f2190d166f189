"""What grading writes for people: ``grades.csv``, the audit trail and LMS exports.

Every file is written atomically (a temporary file renamed over the old one), and every
text cell that a spreadsheet would read as a formula — starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return — is prefixed with ``'`` (OWASP's advice for
CSV injection), so a student folder named ``=HYPERLINK(...)`` stays text.

``grades.csv`` (one row per student and assignment)::

    student_id, assignment, score, max_score, reason, late_penalty, submitted_at

``audit.csv`` gets one row per student each time an assignment is graded: when, who,
the old and new score, why, the submitted notebook's sha256 and the instructor's note.

Exports (``crmlab exercises export``):

``canvas``
    Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``,
    then one column per assignment named ``<assignment>``; the second row holds
    ``Points Possible``. Canvas matches students on ``ID`` / ``SIS User ID`` /
    ``SIS Login ID``; they come from the roster columns ``canvas_id``, ``sis_user_id``
    (default: the student id) and ``sis_login_id`` (default: ``email``).
``moodle``
    Moodle's "Import grades from CSV": ``ID number, Email address, First name,
    Last name``, then one column per assignment; map ``ID number`` (or the e-mail) to
    the user field during the import.

Examples
--------
>>> csv_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> csv_cell("ok"), csv_cell(3.5)
('ok', 3.5)
"""

from __future__ import annotations

import csv
import datetime as _dt
import getpass
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .course import Course, atomic_write_text

__all__ = ["AUDIT_COLUMNS", "EXPORT_FORMATS", "GRADES_COLUMNS", "append_audit", "csv_cell",
           "export", "read_grades", "update_grades"]

GRADES_COLUMNS = ["student_id", "assignment", "score", "max_score", "reason", "late_penalty",
                  "submitted_at"]
AUDIT_COLUMNS = ["time", "user", "action", "assignment", "student_id", "old_score",
                 "new_score", "max_score", "reason", "submission_sha256", "note"]
EXPORT_FORMATS = ("canvas", "moodle")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value``, with text that starts like a formula prefixed by ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_fmt(csv_cell(row.get(c, ""))) for c in columns])
    return buf.getvalue()


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else value


def read_grades(course: Course) -> pd.DataFrame:
    """``grades.csv`` as written by :func:`update_grades` (empty if none yet)."""
    path = course.root / "grades.csv"
    if not path.is_file():
        return pd.DataFrame(columns=GRADES_COLUMNS)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in GRADES_COLUMNS:
        if col not in table.columns:
            table[col] = ""
    for col in ("score", "max_score", "late_penalty"):
        table[col] = pd.to_numeric(table[col], errors="coerce").fillna(0.0)
    return table[GRADES_COLUMNS]


def update_grades(course: Course, assignment: str, rows: list[dict],
                  *, replace_all: bool) -> pd.DataFrame:
    """Put ``rows`` of one assignment into ``grades.csv`` (atomically).

    With ``replace_all`` every earlier row of the assignment is dropped (a whole-class
    run); otherwise only the rows of the students in ``rows`` are replaced, so grading a
    late submitter leaves everyone else's grade as it was.
    """
    old = read_grades(course)
    new = pd.DataFrame(rows, columns=GRADES_COLUMNS)
    if replace_all:
        keep = old[old["assignment"] != assignment]
    else:
        ids = set(new["student_id"])
        keep = old[~((old["assignment"] == assignment) & old["student_id"].isin(ids))]
    merged = pd.concat([keep, new], ignore_index=True) if len(keep) else new
    merged = merged.sort_values(["assignment", "student_id"], kind="stable")
    atomic_write_text(course.root / "grades.csv",
                      _csv_text(GRADES_COLUMNS, merged.to_dict("records")))
    return new


def append_audit(course: Course, entries: list[dict]) -> None:
    """Append rows to ``audit.csv`` (created with a header; fsync'ed)."""
    path = course.root / "audit.csv"
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.geteuid())
    text = _csv_text(AUDIT_COLUMNS, [{"time": now, "user": user, **e} for e in entries])
    if path.is_file() and path.stat().st_size:
        text = text.split("\n", 1)[1]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _roster_rows(course: Course) -> dict[str, dict[str, str]]:
    with course.roster_path.open(newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def export(course: Course, fmt: str, *, assignments: Sequence[str] | None = None,
           out: str | os.PathLike | None = None) -> Path:
    """Write the gradebook in an LMS import format; returns the file.

    Parameters
    ----------
    fmt : {"canvas", "moodle"}
    assignments : list of str, optional
        Default: every assignment in ``grades.csv``.
    out : path, optional
        Default: ``COURSE_DIR/export-<fmt>.csv``.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {list(EXPORT_FORMATS)}")
    grades = read_grades(course)
    names = list(assignments) if assignments else sorted(set(grades["assignment"]))
    if not names:
        raise ValueError("nothing graded yet: run `crmlab exercises grade` first")
    roster = _roster_rows(course)
    table = grades.pivot_table(index="student_id", columns="assignment", values="score",
                               aggfunc="last")
    maxima = grades.groupby("assignment")["max_score"].max()
    rows = []
    for sid, info in roster.items():
        scores = {a: (float(table.loc[sid, a]) if sid in table.index and a in table.columns
                      and pd.notna(table.loc[sid, a]) else "") for a in names}
        if fmt == "canvas":
            rows.append({"Student": info.get("name") or sid, "ID": info.get("canvas_id", ""),
                         "SIS User ID": info.get("sis_user_id") or sid,
                         "SIS Login ID": info.get("sis_login_id") or info.get("email", ""),
                         "Section": info.get("section", ""), **scores})
        else:
            rows.append({"ID number": sid, "Email address": info.get("email", ""),
                         "First name": info.get("first_name", ""),
                         "Last name": info.get("last_name", ""), **scores})
    if fmt == "canvas":
        columns = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *names]
        points = {"Student": "Points Possible", **{a: float(maxima.get(a, 0)) for a in names}}
        rows.insert(0, points)
    else:
        columns = ["ID number", "Email address", "First name", "Last name", *names]
    path = Path(out) if out is not None else course.root / f"export-{fmt}.csv"
    atomic_write_text(path, _csv_text(columns, rows))
    return path
