"""Hostile submissions (issue 19): every attack hurts only its author.

One class is graded with every attack of the issue beside innocent students: each
attacker's own score is asserted exactly, and so is every innocent's. Then the things a
class could notice are checked: no process, cgroup or file of the run is left; the
course files are unchanged; grades.csv has no live formula; feedback has no live
script; a late submitter graded alone changes nobody else's grade. Separate tests stop
the grader (SIGTERM, SIGKILL) mid-run and run it as PID 1 of a container.

The sandbox attacks need root and bubblewrap; the attacks on the verdict itself
(rebinding checks, input transformers, identity, displayhook, huge scores, script in
outputs) are also graded without the sandbox (``limits-only``), where they must fail the
same way.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import SECRET, tree_hashes
from hostile import (
    ASSIGNMENT,
    ATTACKS,
    LINKS,
    VERDICT_ATTACKS,
    listening_socket,
    notebook_text,
    write_inbox,
)

from crmlab.exercises import sandbox
from crmlab.exercises.course import release
from crmlab.exercises.feedback import feedback
from crmlab.exercises.grading import grade
from crmlab.exercises.sandbox import Limits
from crmlab.exercises.seeds import derive_seed

pytestmark = [pytest.mark.timeout(1800), pytest.mark.slow]

ROOTED = os.geteuid() == 0 and shutil.which("bwrap") is not None
needs_sandbox = pytest.mark.skipif(
    not ROOTED, reason="the sandbox attacks need root and bubblewrap (Debian package "
                       "bubblewrap): without root, notebooks run as the instructor")
OUTPUTS = ("submitted", "autograded", "feedback", "gradebook.db", "gradebook.db-wal",
           "gradebook.db-shm", "grades.csv", "audit.csv")
INNOCENTS = ["innocent_a", "innocent_b", "innocent_c"]
# roster order is grading order: each noisy attacker runs beside an innocent
ORDER = ["innocent_a", "attach", "spinner", "innocent_b", "forkbomb", "innocent_c",
         "rebind", "transformer", "identity", "displayhook", "forger", "huge", "orphan",
         "cmdline", "script", "fill", "residue", "residue_check", "network", "memhog"]


def _ctx(course, inbox, port):
    return {"friend_seed": derive_seed(SECRET, ASSIGNMENT, "innocent_a"), "course": course.root,
            "inbox": inbox, "secret": SECRET, "host_port": port}


def _output(course, sid, marker):
    """The line of a student's autograded notebook that starts with ``marker``."""
    text = json.loads(notebook_text(course, sid) or "{}")
    for c in text.get("cells", []):
        for out in c.get("outputs", []):
            body = "".join(out.get("text", "")) if isinstance(out.get("text"), list | str) \
                else ""
            for line in body.splitlines():
                if line.startswith(marker):
                    return line
    return ""


def _cgroup_leftovers(run_id: str) -> list[str]:
    roots = sandbox._cgroup_roots() or {}
    return [str(p) for root in roots.values() for p in root.glob(f"{run_id}-*")]


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"{entry.path}/cmdline", "rb") as fh:
                    if marker.encode() in fh.read():
                        found.append(int(entry.name))
            except OSError:
                pass
    return found


def _host_ipc_of_sandboxes() -> list[str]:
    """System V IPC objects on the host made by a sandbox (key 0x5EED or a sandbox uid)."""
    found = []
    for kind in ("shm", "sem", "msg"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        head = lines[0].split()
        for line in lines[1:]:
            row = dict(zip(head, line.split(), strict=False))
            if row.get("key") == str(0x5EED) or int(row.get("uid", 0)) >= sandbox.BASE_UID:
                found.append(f"{kind}: {line}")
    return found


@needs_sandbox
def test_every_attack_hurts_only_its_author(make_course, tmp_path):
    students = ORDER + list(LINKS) + ["late"]
    course = make_course(students=students)
    release(course, ASSIGNMENT)
    before = tree_hashes(course.root, skip=OUTPUTS)
    server = listening_socket()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ctx = _ctx(course, inbox, server.getsockname()[1])
    write_inbox(course, inbox, students, ctx)
    limits = Limits(cell_timeout=90, total_timeout=400, memory_bytes=1024 * 2**20,
                    tmp_bytes=256 * 2**20)
    table = grade(course, ASSIGNMENT, inbox, workers=2, limits=limits)
    server.close()
    scores = dict(zip(table["student_id"], table["score"], strict=True))
    reasons = dict(zip(table["student_id"], table["reason"], strict=True))

    # --memory-mb 1024 no longer gives everyone 0: the innocents get every autograded point
    for sid in INNOCENTS:
        assert scores[sid] == 10, (sid, reasons[sid])
    for attack, (_, want) in ATTACKS.items():
        assert scores[attack] == want, (attack, reasons[attack], _output(course, attack, ""))
    assert scores["late"] == 0 and "no submission" in reasons["late"]
    for sid in LINKS:  # links and special files are refused, never followed
        assert scores[sid] == 0 and "refused" in reasons[sid], (sid, reasons[sid])
    assert "symbolic link" in reasons["link_secret"] and "FIFO" in reasons["fifo"]
    assert "hard link" in reasons["hardlink"] and "folder is a symbolic link" in \
        reasons["link_folder"]

    # what the kernels printed or displayed never counted: every test cell shows a verdict
    for sid in ("rebind", "transformer"):
        assert "no answer was recorded" in notebook_text(course, sid), sid
    graded = json.loads(notebook_text(course, "displayhook"))
    for c in graded["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade") and c["cell_type"] == "code":
            # the forged "ok" and "10" are kept only as text, after the verdict
            assert c["outputs"][0]["output_type"] == "error", c["outputs"]
            assert all(o["output_type"] in ("error", "stream") for o in c["outputs"])
    assert "not within" in notebook_text(course, "huge")
    assert "not within" in notebook_text(course, "identity")

    # the sandbox held
    assert _output(course, "attach", "ATTACH") == "ATTACH [] [] [] False"
    assert _output(course, "cmdline", "CMDLINE").endswith(" []")
    assert "READ" in notebook_text(course, "cmdline") and " True" not in "".join(
        line for line in notebook_text(course, "cmdline").split("\\n") if "READ" in line)
    net = ast.literal_eval(_output(course, "network", "NET").removeprefix("NET "))
    assert "open" not in net.values() and net["dns"] != "resolved", net
    assert _output(course, "residue", "LEFT")  # it did leave things behind...
    assert _output(course, "residue_check", "SEEN") == "SEEN [0, 0, 0] []"  # ...for no one
    fills = ast.literal_eval(_output(course, "fill", "FILL").removeprefix("FILL "))
    assert all(0 < size <= 256 * 2**20 for size in fills.values()), fills
    hog = _output(course, "memhog", "HOG")
    assert not hog or int(hog.split()[1]) <= 2, hog  # 4 x 400 MiB never fit in 1024 MiB
    assert _output(course, "spinner", "SPUN") == "SPUN 40"
    assert _output(course, "forkbomb", "ZOMBIES")
    assert _output(course, "orphan", "ORPHAN") == "ORPHAN started"

    # nothing of the run is left: processes, cgroups, folders, IPC objects
    assert table.attrs["run"]
    time.sleep(1)
    assert _processes_with("while True: pass") == []
    assert _processes_with("os.setsid()") == []
    assert _cgroup_leftovers(table.attrs["run"]) == []
    assert not list(sandbox._runs_base().glob(f"{table.attrs['run']}*"))
    assert _host_ipc_of_sandboxes() == []
    assert not [p for p in Path("/tmp").iterdir() if p.name in ("orphan", "residue")]

    # the course is untouched, grades.csv holds no formula, nothing secret leaked
    assert tree_hashes(course.root, skip=OUTPUTS) == before
    with (course.root / "grades.csv").open(newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert "'=HYPERLINK(\"evil.example\",\"x\")" in cells and "'+cmd|' -C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for path in ("grades.csv", "audit.csv"):
        assert SECRET[:12] not in (course.root / path).read_text()
    grades = pd.read_csv(course.root / "grades.csv", dtype=str, keep_default_na=False)
    assert pd.to_numeric(grades["score"]).between(0, 12).all()

    # feedback: no live script from any output or answer, secret nowhere
    pages = feedback(course, ASSIGNMENT)
    assert len(pages) == len(ORDER)
    html = (course.root / "feedback" / "script" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "pwned-print" in html  # the printed text is shown...
    assert not re.search(r"<script[^>]*>[^<]*pwned", html)  # ...but no script runs
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", html.split("crmlab-summary")[-1])
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript", html, re.IGNORECASE)
    assert "<svg" not in html.lower() and 'data:image/png;base64,AAAA"' not in html
    for page in pages:  # (the cmdline attacker searched for the secret: its code holds a piece)
        if page.parts[-3] != "cmdline":
            assert SECRET[:12] not in page.read_text(), page

    # a late submitter graded alone changes nobody else's grade, and is audited
    due = "2026-01-01T00:00+00:00"
    from crmlab.exercises.policy import set_due

    set_due(course, ASSIGNMENT, due, per_day=10, max_percent=50)
    shutil.copytree(inbox / "innocent_a", inbox / "late")
    (inbox / "late" / "timestamp.txt").write_text("2026-01-03 06:00:00.000000 UTC\n")
    before_rows = pd.read_csv(course.root / "grades.csv", dtype=str, keep_default_na=False)
    grade(course, ASSIGNMENT, inbox, students=["late"], note="late submission")
    after_rows = pd.read_csv(course.root / "grades.csv", dtype=str, keep_default_na=False)
    others = before_rows[before_rows["student_id"] != "late"]
    assert after_rows[after_rows["student_id"] != "late"].reset_index(drop=True).equals(
        others.reset_index(drop=True))
    late = after_rows[after_rows["student_id"] == "late"].iloc[0]
    assert float(late["score"]) == 7.0 and float(late["late_penalty"]) == 3.0, late.to_dict()
    audit = pd.read_csv(course.root / "audit.csv", dtype=str, keep_default_na=False)
    last = audit.iloc[-1]
    assert (last["student_id"], last["old_score"], last["new_score"], last["note"]) == \
        ("late", "0", "7", "late submission")


@pytest.mark.parametrize("level", ["limits-only"])
def test_the_verdict_cannot_be_bought_without_the_sandbox(make_course, tmp_path, monkeypatch,
                                                          level):
    # what the kernel does cannot change a score, sandbox or not
    monkeypatch.setattr(sandbox, "isolation_level", lambda: level)
    students = ["innocent_a", *VERDICT_ATTACKS, "link_secret", "link_environ"]
    course = make_course(students=students)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    server = listening_socket()
    write_inbox(course, inbox, students, _ctx(course, inbox, server.getsockname()[1]))
    server.close()
    table = grade(course, ASSIGNMENT, inbox, limits=Limits(cell_timeout=60))
    scores = dict(zip(table["student_id"], table["score"], strict=True))
    assert scores["innocent_a"] == 10, table.to_dict("records")
    for attack in VERDICT_ATTACKS:
        assert scores[attack] == ATTACKS[attack][1], (attack, table.to_dict("records"))
    assert scores["link_secret"] == 0 and scores["link_environ"] == 0
    assert SECRET[:12] not in (course.root / "grades.csv").read_text()


def _cli(course, inbox, *extra, preexec=None):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(
        [sys.executable, "-m", "crmlab.cli", "exercises", "grade", str(course.root),
         ASSIGNMENT, "--submissions", str(inbox), *extra], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _sleeper(course, inbox, sid, marker):
    import nbformat
    from hostile import append

    nb = nbformat.read(course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                       as_version=4)
    append(nb, f"""
import subprocess, sys, time
code = "import os, time\\nif os.fork(): os._exit(0)\\nos.setsid()\\ntime.sleep(600)  # {marker}"
subprocess.Popen([sys.executable, "-c", code])
time.sleep(600)
""")
    (inbox / sid).mkdir(parents=True)
    nbformat.write(nb, inbox / sid / f"{ASSIGNMENT}.ipynb")


def _wait_for(predicate, timeout=180.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@needs_sandbox
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_stopped_grader_leaves_nothing_running(make_course, tmp_path, how):
    marker = f"crmlab-test-{tmp_path.name}-{how.name}"
    course = make_course(students=["sleeper", "innocent_a"])
    inbox = tmp_path / "inbox"
    _sleeper(course, inbox, "sleeper", marker)
    shutil.copytree(course.root / "source" / ASSIGNMENT, inbox / "innocent_a")
    proc = _cli(course, inbox, "--workers", "1")
    try:
        assert _wait_for(lambda: _processes_with(marker)), "the sleeper never started"
        proc.send_signal(how)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if how == signal.SIGTERM:
        assert proc.returncode == 130, proc.stderr.read()
    # the grader's sandboxes die with it: nothing of the student keeps running
    assert _wait_for(lambda: not _processes_with(marker), timeout=30), \
        _processes_with(marker)
    assert not (course.root / "grades.csv").exists()
    # the next run cleans what a killed run left, then grades as usual
    (inbox / "sleeper" / f"{ASSIGNMENT}.ipynb").unlink()
    table = grade(course, ASSIGNMENT, inbox, workers=1)
    scores = dict(zip(table["student_id"], table["score"], strict=True))
    assert scores == {"sleeper": 0.0, "innocent_a": 10.0}, table.to_dict("records")
    for entry in sandbox._runs_base().iterdir():  # only live runs' folders remain
        if entry.name != "mpl":
            fd = os.open(entry / ".lock", os.O_RDONLY)
            try:
                import fcntl

                with pytest.raises(OSError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(fd)


@needs_sandbox
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_grader_as_pid_1_reaps_a_fork_bomb(make_course, tmp_path):
    # a container without an init: the grader is PID 1, and one worker uid is reused
    import nbformat
    from hostile import forkbomb

    course = make_course(students=["forkbomb", "innocent_a", "innocent_b"])
    inbox = tmp_path / "inbox"
    source = nbformat.read(course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                           as_version=4)
    for sid in ("forkbomb", "innocent_a", "innocent_b"):
        nb = source.copy() if sid != "forkbomb" else nbformat.from_dict(source)
        if sid == "forkbomb":
            forkbomb(nb, {})
        (inbox / sid).mkdir(parents=True)
        nbformat.write(nb, inbox / sid / f"{ASSIGNMENT}.ipynb")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c",
         "import os, sys; assert os.getpid() == 1; from crmlab.cli import main; "
         "sys.exit(main(sys.argv[1:]))", "exercises", "grade", str(course.root), ASSIGNMENT,
         "--submissions", str(inbox), "--workers", "1", "--cell-timeout", "60"],
        env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    grades = pd.read_csv(course.root / "grades.csv", dtype={"student_id": str})
    scores = dict(zip(grades["student_id"], grades["score"], strict=True))
    assert scores == {"forkbomb": 10, "innocent_a": 10, "innocent_b": 10}, done.stdout
