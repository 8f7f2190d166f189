"""Benchmark: grading a class of 300 students on one assignment.

Measured in one run:

1. ``crmlab.exercises.grading.grade``: 300 submissions of ``rfm_concentration`` (the
   instructor's solution, so every cell runs), 2 workers, each submission in its own
   sandbox (as root: bubblewrap namespaces, its own uid and cgroups), verdicts computed by
   checker processes outside the kernels. Kernels are forked from a warm, pre-imported
   template, so a student costs a fork instead of a Python start-up.
2. What an instructor would run otherwise: plain ``nbgrader autograde`` (no sandbox, a
   fresh kernel per student, one student after another, each student's seed passed
   through the environment) on the first ``--compare`` students; its per-student median
   times the class size is the time plain nbgrader would take.

Goal (issue 19): the class of 300 in at most 5 minutes on a 2-core machine, without
weakening isolation.

Usage::

    python benchmarks/bench_exercises.py              # records RESULTS.md
    python benchmarks/bench_exercises.py --students 20 --compare 2 --no-record
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
GOAL_SECONDS = 300


def _busy() -> float:
    """CPU seconds the whole machine has been busy (all processes, every core)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--compare", type=int, default=8,
                        help="students graded with plain nbgrader autograde for the ratio")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--note", default="", help="added to the RESULTS.md section")
    args = parser.parse_args()

    from crmlab.exercises.course import init_course
    from crmlab.exercises.grading import grade
    from crmlab.exercises.sandbox import isolation_level
    from crmlab.exercises.student import ENV_ASSIGNMENT, ENV_SEED, ENV_STUDENT

    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="crmlab-bench-"))
    try:
        ids = [f"s{i:03d}" for i in range(1, args.students + 1)]
        course = init_course(tmp / "course", students=ids, assignments=[ASSIGNMENT])
        source = course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        inbox = tmp / "inbox"
        for sid in ids:
            (inbox / sid).mkdir(parents=True)
            shutil.copyfile(source, inbox / sid / f"{ASSIGNMENT}.ipynb")

        busy0, start = _busy(), time.perf_counter()
        table = grade(course, ASSIGNMENT, inbox, workers=args.workers)
        total = time.perf_counter() - start
        busy = _busy() - busy0
        per = list(table.attrs["seconds"].values())
        assert (table["score"] == 10).all(), table[table["score"] != 10].to_dict("records")
        print(f"crmlab: {len(ids)} students in {total:.1f} s "
              f"(median sandbox run {statistics.median(per):.2f} s)")

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
        print(f"plain nbgrader autograde: median {plain_each:.2f} s per student "
              f"(serial, no sandbox)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    load_after = os.getloadavg()[0]
    crm_each = total / len(ids)
    plain_class = plain_each * len(ids)
    spread = f"{statistics.median(per):.2f} / {min(per):.2f} / {max(per):.2f} s"
    body = f"""
Grading {len(ids)} submissions of `{ASSIGNMENT}` (the full solution, so every cell runs: a
2,000-customer world, RFM, concentration, the checks) with
`crmlab.exercises.grading.grade`, {args.workers} workers, isolation `{isolation_level()}`:
every submission in its own sandbox (bubblewrap network/PID/IPC/mount namespaces, its
own uid, one cgroup for memory, processes and CPU), kernels forked from a warm template,
verdicts computed by checker processes outside the kernels. Python
{platform.python_version()}, {os.cpu_count()} cores; 1-minute load average
{load_before:.1f} before and {load_after:.1f} after the run.

| | value |
|---|---|
| total wall time, {len(ids)} students (template start-up included) | **{total:.1f} s** \
(goal: at most {GOAL_SECONDS} s) |
| wall time per student (total / students) | {crm_each:.2f} s |
| machine CPU busy during grading, per student (all processes) | {busy / len(ids):.2f} s |
| sandbox run per student: median / min / max | {spread} |
| plain `nbgrader autograde` per student (serial, no sandbox; {len(plain)} students), \
median | {plain_each:.2f} s |
| plain `nbgrader autograde`, the class at that rate | {plain_class:.0f} s |
| ratio: plain nbgrader per student / crmlab per student | **{plain_each / crm_each:.1f}x** |

Goal {"met" if total <= GOAL_SECONDS else "missed"} in this run. Plain nbgrader starts a
fresh Python and imports the scientific stack for every student (about a second of CPU);
crmlab forks each kernel from a template that imported everything once, so a student
costs a fork, the notebook's own work and the check, and two students run at once.
Isolation is not traded for it: each fork joins a fresh bubblewrap sandbox, drops to its
own uid and cgroup before any student code runs, and the template never holds a job's
data.
{args.note}
"""
    print(body)
    if not args.no_record:
        record_section("Exercise grading (bench_exercises.py)", body)


if __name__ == "__main__":
    main()
