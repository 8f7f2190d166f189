"""Benchmark: grading a class of 30 students on one assignment.

Measured in one run:

1. ``crmlab exercises grade`` (Python API): 30 submissions of ``rfm_concentration``
   (the instructor's solution, so every notebook runs to the end), each in its own
   sandbox, 2 workers. Total wall time and sandbox time per student.
2. What an instructor would run otherwise: plain ``nbgrader autograde`` (no sandbox,
   one student after another, each student's seed passed through the environment) on
   the first ``--compare`` students, per-student time.

Goal (issue 6): the class in at most 3 minutes on a 2-core machine.

Usage::

    python benchmarks/bench_exercises.py              # records RESULTS.md
    python benchmarks/bench_exercises.py --students 6 --compare 2 --no-record
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import record_section

ASSIGNMENT = "rfm_concentration"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--compare", type=int, default=4,
                        help="students graded with plain nbgrader autograde for the ratio")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="", help="added to the RESULTS.md section")
    args = parser.parse_args()

    from crmlab.exercises.course import init_course, release
    from crmlab.exercises.grading import grade
    from crmlab.exercises.sandbox import isolation_level
    from crmlab.exercises.student import ENV_ASSIGNMENT, ENV_SEED, ENV_STUDENT

    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="crmlab-bench-"))
    try:
        ids = [f"s{i:03d}" for i in range(1, args.students + 1)]
        course = init_course(tmp / "course", students=ids, assignments=[ASSIGNMENT])
        release(course, ASSIGNMENT)
        source = course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        inbox = tmp / "inbox"
        for sid in ids:
            (inbox / sid).mkdir(parents=True)
            shutil.copyfile(source, inbox / sid / f"{ASSIGNMENT}.ipynb")

        start = time.perf_counter()
        table = grade(course, ASSIGNMENT, inbox, workers=args.workers)
        total = time.perf_counter() - start
        per = list(table.attrs["seconds"].values())
        assert (table["score"] == 10).all(), table[table["score"] != 10].to_dict("records")
        print(f"crmlab: {len(ids)} students in {total:.1f} s "
              f"(median sandbox run {statistics.median(per):.1f} s)")

        api = course.api()
        plain = []
        for sid in ids[:args.compare]:
            seed = course.seed(ASSIGNMENT, sid)
            os.environ.update({ENV_STUDENT: sid, ENV_ASSIGNMENT: ASSIGNMENT,
                               ENV_SEED: str(seed)})
            t = time.perf_counter()
            result = api.autograde(ASSIGNMENT, sid, force=True)
            plain.append(time.perf_counter() - t)
            assert result["success"], result["log"][-2000:]
        for key in (ENV_STUDENT, ENV_ASSIGNMENT, ENV_SEED):
            os.environ.pop(key, None)
        plain_each = statistics.median(plain) if plain else float("nan")
        print(f"plain nbgrader autograde: median {plain_each:.1f} s per student "
              f"(serial, no sandbox)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    load_after = os.getloadavg()[0]
    crm_each = total / len(ids)
    spread = f"{statistics.median(per):.1f} / {min(per):.1f} / {max(per):.1f} s"
    plain_label = f"plain `nbgrader autograde` per student (serial, no sandbox; {len(plain)})"
    body = f"""
Grading {len(ids)} submissions of `{ASSIGNMENT}` (the full solution, so every cell
runs: a 2,000-customer world, RFM, concentration, hidden checks) with
`crmlab.exercises.grading.grade`, {args.workers} workers, isolation `{isolation_level()}`
(each notebook in its own sandbox). Python {platform.python_version()}, {os.cpu_count()} cores;
1-minute load average {load_before:.1f} before and {load_after:.1f} after the run.

| | value |
|---|---|
| total wall time, {len(ids)} students | **{total:.1f} s** (goal: at most 180 s) |
| wall time per student (total / students) | {crm_each:.1f} s |
| sandbox time per student: median / min / max | {spread} |
| {plain_label}, median | {plain_each:.1f} s |
| ratio: plain nbgrader per student / crmlab per student | {plain_each / crm_each:.2f}x |

Goal {"met" if total <= 180 else "missed"} in this run. Most of a student's time is
starting Python processes and importing the scientific stack; the notebook's own work
takes a few seconds. The sandbox starts two interpreters per student (the runner, which
imports nbclient, and the kernel) where plain nbgrader starts one (the kernel, driven
from the already-running grader), and it cannot reuse warm processes across students
without letting one student's code outlive its run.
{args.note}
"""
    print(body)
    if not args.no_record:
        record_section("Exercise grading (bench_exercises.py)", body)


if __name__ == "__main__":
    main()
