"""``crmlab exercises ...``: the instructor's commands (wired into :mod:`crmlab.cli`).

::

    crmlab exercises init COURSE [--students roster.csv]     # roster optional
    crmlab exercises students COURSE --add roster.csv|ID ...  # add students later
    crmlab exercises release COURSE ASSIGNMENT
    crmlab exercises due COURSE ASSIGNMENT --at 2026-03-01T23:59+03:30 --penalty-per-day 10
    crmlab exercises grade COURSE ASSIGNMENT --submissions DIR [--student ID ...] [--dry-run]
    crmlab exercises feedback COURSE ASSIGNMENT
    crmlab exercises export COURSE --format canvas|moodle [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import signal
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub, parser_class, positive_int: Callable[[str], int]) -> None:
    """Add the ``exercises`` sub-commands to the main parser."""
    e = sub.add_parser("exercises", help="personalised exercises graded outside the kernel")
    esub = e.add_subparsers(dest="action", required=True, parser_class=parser_class)
    i = esub.add_parser("init", help="create an nbgrader course with the shipped assignments")
    i.add_argument("course_dir")
    i.add_argument("--students", help="roster CSV with a student_id column (optional: add "
                                      "students later with `exercises students --add`)")
    i.add_argument("--course-id", default="crmlab")
    i.add_argument("--source", help="folder of assignments (default: the shipped exercises/)")
    i.add_argument("--assignment", action="append", dest="assignments",
                   help="copy only this assignment (repeatable; default: all)")
    st = esub.add_parser("students", help="list the roster, or add students to it")
    st.add_argument("course_dir")
    st.add_argument("--add", nargs="+", metavar="CSV_OR_ID",
                    help="a roster CSV (student_id column) or student ids")
    rel = esub.add_parser("release", help="one personal student version per student")
    rel.add_argument("course_dir")
    rel.add_argument("assignment")
    due = esub.add_parser("due", help="set a due date and the late penalty")
    due.add_argument("course_dir")
    due.add_argument("assignment")
    due.add_argument("--at", required=True, help="ISO 8601 time, e.g. 2026-03-01T23:59+03:30")
    due.add_argument("--penalty-per-day", type=float, default=0.0,
                     help="percent of the score taken off per started day late")
    due.add_argument("--max-penalty", type=float, default=100.0, help="percent, at most")
    due.add_argument("--grace-minutes", type=float, default=0.0)
    gr = esub.add_parser("grade", help="grade DIR/<student_id>/<notebook>.ipynb in sandboxes")
    gr.add_argument("course_dir")
    gr.add_argument("assignment")
    gr.add_argument("--submissions", required=True, help="folder of <student_id>/ folders")
    gr.add_argument("--student", action="append", dest="students", metavar="ID",
                    help="grade only this student (repeatable); others keep their grades")
    gr.add_argument("--note", default="", help="why (kept in audit.csv), e.g. 'regrade: q2'")
    gr.add_argument("--times", help="CSV of student_id,submitted_at (instead of timestamp.txt)")
    gr.add_argument("--dry-run", action="store_true",
                    help="only check the submissions folder; grade nothing")
    gr.add_argument("--workers", type=positive_int, default=2)
    gr.add_argument("--cell-timeout", type=positive_int, default=60, help="seconds per cell")
    gr.add_argument("--total-timeout", type=positive_int, default=600,
                    help="seconds per notebook")
    gr.add_argument("--memory-mb", type=positive_int, default=3072,
                    help="memory of each submission, all its processes together")
    gr.add_argument("--cpu-seconds", type=positive_int, default=600,
                    help="CPU time of each submission")
    gr.add_argument("--cpus", type=float, default=1.0, help="CPU share of each submission")
    gr.add_argument("--max-processes", type=positive_int, default=256)
    gr.add_argument("--tmp-mb", type=positive_int, default=256,
                    help="size of each writable folder (home, /tmp, /dev/shm)")
    fb = esub.add_parser("feedback", help="HTML feedback per student, with class statistics")
    fb.add_argument("course_dir")
    fb.add_argument("assignment")
    fb.add_argument("--student", action="append", dest="students", metavar="ID")
    ex = esub.add_parser("export", help="the gradebook in Canvas or Moodle import format")
    ex.add_argument("course_dir")
    ex.add_argument("--format", required=True, choices=["canvas", "moodle"])
    ex.add_argument("--assignment", action="append", dest="assignments")
    ex.add_argument("--out", help="output CSV (default: COURSE/export-<format>.csv)")


def _read_times(path: str) -> dict:
    from .policy import parse_time

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"student_id", "submitted_at"} <= set(rows[0]):
        raise ValueError(f"{path} needs the columns student_id and submitted_at")
    return {row["student_id"].strip(): parse_time(row["submitted_at"]) for row in rows}


def _on_sigterm(signum, frame) -> None:  # pragma: no cover  (exercised in a subprocess)
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Carry out one ``crmlab exercises`` command; returns the exit code."""
    from . import course as courses

    if args.action == "init":
        c = courses.init_course(args.course_dir, students=args.students or (),
                                source=args.source, course_id=args.course_id,
                                assignments=args.assignments)
        n = len(c.students())
        later = "" if n else " (add them with `crmlab exercises students --add`)"
        print(f"created course {c.root} with {len(c.assignments())} assignments "
              f"({', '.join(c.assignments())}) and {n} students{later}; the secret "
              f"is in {c.secret_path} (keep it private)")
        return 0
    course = courses.Course(args.course_dir)
    if args.action == "students":
        if args.add:
            source = args.add[0] if len(args.add) == 1 and args.add[0].endswith(".csv") \
                else args.add
            added = courses.add_students(course, source)
            print(f"added {len(added)} students; the roster has {len(course.students())}")
        else:
            print("\n".join(course.students()) or "(no students yet)")
        return 0
    if args.action == "release":
        out = courses.release(course, args.assignment)
        print(f"released {args.assignment} to {len(course.students())} students under "
              f"{out}/<student_id>/{args.assignment}/")
        return 0
    if args.action == "due":
        from .policy import set_due

        rule = set_due(course, args.assignment, args.at, per_day=args.penalty_per_day,
                       max_percent=args.max_penalty, grace_minutes=args.grace_minutes)
        print(f"{args.assignment} is due {rule.due.isoformat()}; {rule.per_day:g}% off per "
              f"started day late, at most {rule.max_percent:g}%")
        return 0
    if args.action == "feedback":
        from .feedback import feedback

        written = feedback(course, args.assignment, students=args.students)
        print(f"wrote feedback for {len(written)} notebooks under {course.root / 'feedback'}")
        return 0
    if args.action == "export":
        from .report import export

        path = export(course, args.format, assignments=args.assignments, out=args.out)
        print(f"wrote {path}")
        return 0
    return _grade(args, course)


def _grade(args: argparse.Namespace, course) -> int:
    from . import grading, inbox
    from .sandbox import Limits, isolation_level

    course.check_assignment(args.assignment)
    if args.dry_run:
        rows = inbox.check_folder(args.submissions, args.students or course.students(),
                                  course.notebooks(args.assignment))
        for row in rows:
            print(f"{row['student_id']}: {row['status']}"
                  + (f" — {row['detail']}" if row["detail"] else "")
                  + (f" (submitted {row['submitted_at']})" if row["submitted_at"] else ""))
        bad = sum(r["status"] in ("refused", "invalid") for r in rows)
        print(f"dry run: {len(rows)} entries, {bad} would score 0 for their files; "
              "nothing was graded")
        return 0
    folder = Path(args.submissions)
    if folder.is_symlink() or not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder at {folder} (a real folder, not a link)")
    level = isolation_level()
    if level == "limits-only":
        sys.stderr.write("crmlab: warning: not running as root, so notebooks run as you with "
                         "resource limits only (see docs/exercises.md)\n")
    limits = Limits(cell_timeout=args.cell_timeout, total_timeout=args.total_timeout,
                    memory_bytes=args.memory_mb * 2**20, cpu_seconds=args.cpu_seconds,
                    cpus=args.cpus, max_processes=args.max_processes,
                    tmp_bytes=args.tmp_mb * 2**20)
    times = _read_times(args.times) if args.times else None
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        table = grading.grade(course, args.assignment, args.submissions, workers=args.workers,
                              limits=limits, students=args.students, note=args.note,
                              times=times)
    except KeyboardInterrupt:
        sys.stderr.write("crmlab: interrupted: every sandbox was stopped; grades.csv is "
                         "unchanged\n")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    if table.attrs.get("stale_runs"):
        print(f"removed what {table.attrs['stale_runs']} interrupted grading run(s) left "
              "behind (processes, cgroups, folders)")
    print(table.drop(columns=["submitted_at"]).to_string(index=False))
    print(f"wrote {course.root / 'grades.csv'}")
    return 0
