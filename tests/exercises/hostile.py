"""Hostile submissions: notebooks built from the shipped solution with an attack added.

Each builder returns a notebook; ``ATTACKS`` names every attack of issue 19 and the
score its author should get. Shared by test_hostile.py (as root: bubblewrap sandboxes)
and the limits-only tests.
"""

from __future__ import annotations

import copy
import os
import socket
import stat
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

ASSIGNMENT = "rfm_concentration"
ANSWER_CELLS = ("q1_answer", "q2_answer", "q3_answer")


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def prepend(nb, grade_id, code):
    c = cell(nb, grade_id)
    c.source = code.strip() + "\n" + c.source


def append(nb, code):
    nb.cells.append(new_code_cell(code.strip()))


FAKES = """
rfm = pd.DataFrame({"recency_days": [1.0], "monetary": [1.0], "purchases": [1],
                    "R": [1], "F": [1], "M": [1]}, index=["C0000001"])
top_share, gini, champions = 0.5, 0.5, 1
"""


def fake_answers(nb, extra=""):
    """Every answer cell replaced: wrong answers of the right shape (visible tests pass)."""
    for gid in ANSWER_CELLS:
        cell(nb, gid).source = "pass"
    cell(nb, "q1_answer").source = extra.strip() + "\n" + FAKES


# ------------------------------------------------------------------------------ attacks
def rebind(nb, ctx):
    """Rebinding the checks and submit to no-ops, so every visible test passes."""
    fake_answers(nb, """
import crmlab.exercises as ex, crmlab.exercises.checks as ck, crmlab.exercises.answers as an
full = lambda *a, **k: {q: {"score": 1.0, "message": "ok"} for q in ("q1_rfm", "q2_gini")}
for name in dir(ck):
    if callable(getattr(ck, name)) and not name.startswith("__"):
        setattr(ck, name, full)
noop = lambda *a, **k: None
an.submit = ex.submit = submit = noop
""")


def transformer(nb, ctx):
    """An input transformer that blanks every later cell, the test cells included."""
    prepend(nb, "q1_answer", """
get_ipython().input_transformers_cleanup.append(lambda lines: [])
get_ipython().input_transformers_post.append(lambda lines: [])
""")


def identity(nb, ctx):
    """The startup identity patched to a friend's; the friend's numbers used."""
    prepend(nb, "q1_answer", f"""
import os
import crmlab.exercises.student as st
st._STARTUP_IDENTITY = st.Identity("innocent_a", "{ASSIGNMENT}", {ctx['friend_seed']})
os.environ.update(CRMLAB_EXERCISE_SEED="{ctx['friend_seed']}", CRMLAB_STUDENT_ID="innocent_a")
w, p = my_world(), my_params()
""")


def displayhook(nb, ctx):
    """A pre_run_cell hook that calls displayhook("ok") and shows scores."""
    fake_answers(nb, """
import sys
from IPython.display import display
ip = get_ipython()
def forge(*args, **kwargs):
    ip.displayhook("ok")
    sys.displayhook(10)
    display({"text/plain": "10"}, raw=True)
ip.events.register("pre_run_cell", forge)
ip.events.register("post_run_cell", forge)
""")


def forger(nb, ctx):
    """A background process rewrites the answers file and every notebook it can reach."""
    fake_answers(nb, """
import os, subprocess, sys
code = '''
import json, os, glob, time
fake = json.dumps({"q1_rfm": "ok", "q2_top_share": 1, "q2_gini": 1, "q3_champions": 1,
                   "verdicts": {"q1_rfm": {"score": 1.0}}})
end = time.time() + 40
while time.time() < end:
    for path in [os.environ["CRMLAB_ANSWERS"]] + glob.glob("/**/*.ipynb", recursive=True):
        try:
            open(path, "w").write(fake)
        except OSError:
            pass
    time.sleep(0.05)
'''
subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
""")


def huge(nb, ctx):
    """Answers of 1e9, a submit that records 1e9 everywhere, and 1e9 shown in test cells."""
    fake_answers(nb, """
import crmlab.exercises.answers as an
real = an.submit
def submit(question, value):
    real(question, 1e9)
an.submit = submit
from IPython.display import display
get_ipython().events.register("post_run_cell", lambda *a: display({"text/plain": "1e9"},
                                                                  raw=True))
""")


def orphan(nb, ctx):
    """A daemon that outlives the kernel (double fork, new session) and then snoops."""
    append(nb, """
import subprocess, sys
code = '''
import os, time
if os.fork():
    os._exit(0)
os.setsid()
while True:
    time.sleep(0.2)
    for name in ("/tmp/orphan", "/home/student/orphan"):
        try:
            open(name, "w").write(str(os.getpid()))
        except OSError:
            pass
'''
subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
print("ORPHAN started")
""")


def forkbomb(nb, ctx):
    """Zombies by the hundred, then a fork bomb, after the answers were recorded."""
    append(nb, """
import os
zombies = 0
for _ in range(300):
    try:
        if os.fork() == 0:
            os._exit(0)
        zombies += 1
    except OSError:
        break
print("ZOMBIES", zombies, flush=True)
for _ in range(5000):
    try:
        if os.fork() == 0:
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    except OSError:
        break
print("BOMB")
""")


def spinner(nb, ctx):
    """Forty processes spinning while a classmate is graded beside it."""
    append(nb, """
import subprocess, sys, time
spin = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(40)]
time.sleep(25)
print("SPUN", len(spin))
""")


def attach(nb, ctx):
    """Looks for other kernels: connection files, TCP ports, Unix sockets, /proc."""
    append(nb, f"""
import glob, os, socket
files = []
for pattern in ("/run/kernel/*", "/tmp/**/*.json", "/proc/*/root/run/kernel/*",
                "/home/*/.local/share/jupyter/runtime/*", "/root/**/kernel-*.json"):
    try:
        files += glob.glob(pattern, recursive=True)
    except OSError:
        pass
ports = []
for port in list(range(1, 65536)):
    s = socket.socket()
    s.settimeout(0.02)
    try:
        s.connect(("127.0.0.1", port))
        if s.getsockname()[1] != port:  # not TCP's self-connect of a port to itself
            ports.append(port)
    except OSError:
        pass
    finally:
        s.close()
unix = {{line.split()[-1] for line in open("/proc/net/unix").read().splitlines()[1:]
         if len(line.split()) > 7 and line.split()[-1].startswith("/")}}
reached = []
for path in sorted(unix):  # its own kernel's sockets are listed, but closed to it
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        reached.append(path)
    except OSError:
        pass
    finally:
        s.close()
print("ATTACH", files, ports, reached, {ctx['host_port']} in ports)
""")


def cmdline(nb, ctx):
    """Reads every visible process's command line and environment for instructor paths."""
    append(nb, f"""
import os
needles = [{str(ctx['course']).encode()!r}, {str(ctx['inbox']).encode()!r},
           {ctx['secret'][:16].encode()!r}]
hits, seen = [], 0
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    seen += 1
    for f in ("cmdline", "environ"):
        try:
            data = open(f"/proc/{{d}}/{{f}}", "rb").read()
        except OSError:
            continue
        hits += [(d, f) for n in needles if n in data]
print("CMDLINE", seen, hits)
for path in ({str(ctx['course'] / 'students.csv')!r}, {str(ctx['inbox'])!r}):
    print("READ", path, os.path.exists(path))
""")


def script(nb, ctx):
    """<script> in every kind of output, and in the written answer."""
    append(nb, """
from IPython.display import HTML, Javascript, display
display(HTML("<script>alert('pwned-html')</script><b onmouseover=alert('pwned-b')>x</b>"))
display(Javascript("alert('pwned-js')"))
print("<script>alert('pwned-print')</script>")
display({"image/png": 'AAAA"><script>alert("pwned-png")</script>', "text/plain": "img"},
        raw=True)
display({"image/svg+xml": "<svg><script>alert('pwned-svg')</script></svg>",
         "text/html": "<img src=x onerror=alert('pwned-img')>"}, raw=True)
""")
    c = cell(nb, "q3_explain")
    c.source = ("<script>alert('pwned-md')</script> <img src=x onerror=alert('pwned-mdimg')>"
                " [click](javascript:alert('pwned-link'))")


def fill(nb, ctx):
    """Fills /dev/shm, /tmp and the home folder until the disk says no."""
    append(nb, """
import os
def fill(folder):
    total, i = 0, 0
    try:
        while total < 3 * 2**30:
            with open(f"{folder}/fill{i}", "wb") as fh:
                for _ in range(32):
                    fh.write(b"\\1" * 2**20)
                    total += 2**20
            i += 1
    except OSError:
        pass
    for name in os.listdir(folder):
        if name.startswith("fill"):
            os.remove(f"{folder}/{name}")
    return total
print("FILL", {folder: fill(folder) for folder in ("/dev/shm", "/tmp", "/home/student")})
""")


def residue(nb, ctx):
    """Leaves System V IPC objects and files in /run/lock, /dev/shm and /tmp."""
    append(nb, """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
ids = [libc.shmget(0x5EED, 4096, 0o1666), libc.semget(0x5EED, 1, 0o1666),
       libc.msgget(0x5EED, 0o1666)]
for path in ("/run/lock/residue", "/dev/shm/residue", "/tmp/residue", "/var/tmp/residue"):
    open(path, "w").write("left behind")
print("LEFT", ids)
""")


def residue_check(nb, ctx):
    """Looks for what earlier submissions left (IPC objects, files)."""
    append(nb, """
import os
ipc = [len(open(f"/proc/sysvipc/{kind}").read().splitlines()) - 1
       for kind in ("shm", "sem", "msg")]
files = [f"{d}/{name}" for d in ("/run/lock", "/dev/shm", "/tmp") for name in os.listdir(d)]
# the sandbox's own read-only mount of Python (a checkout under /tmp) is not residue
import sys
files = [f for f in files if not any(p.startswith(f + "/") for p in sys.path if p)]
print("SEEN", ipc, files)
""")


def network(nb, ctx):
    """Tries the internet, DNS and a server on the grader's loopback."""
    append(nb, f"""
import socket
result = {{}}
for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", {ctx['host_port']})):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((host, port))
        result[f"{{host}}:{{port}}"] = "open"
    except OSError as exc:
        result[f"{{host}}:{{port}}"] = type(exc).__name__
    finally:
        s.close()
try:
    socket.getaddrinfo("example.com", 80)
    result["dns"] = "resolved"
except OSError as exc:
    result["dns"] = type(exc).__name__
print("NET", result)
""")


def memhog(nb, ctx):
    """Four processes of 400 MiB each under a 1024 MiB budget for the submission.

    Each child writes every page of its 400 MiB (an untouched ``bytearray`` costs no memory),
    reports, and holds it until all four reported or died; ``HOG n`` counts the children
    that held their memory at the same moment, so the number does not depend on timing.
    """
    append(nb, """
import subprocess, sys
code = ("x = b'x' * (400 * 2**20); print('ALLOCATED', flush=True); "
        "import sys; sys.stdin.read()")
procs = [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) for _ in range(4)]
reported = [b"ALLOCATED" in p.stdout.readline() for p in procs]
import time; time.sleep(1)  # a child the OOM killer chose has exited by now
holding = sum(r and p.poll() is None for r, p in zip(reported, procs))
for p in procs:
    p.communicate()
print("HOG", holding, [p.returncode for p in procs])
""")


#: attack -> (builder, the attacker's own score out of 10 autograded points)
ATTACKS = {
    "rebind": (rebind, 0), "transformer": (transformer, 0), "identity": (identity, 0),
    "displayhook": (displayhook, 0), "forger": (forger, 0), "huge": (huge, 0),
    "orphan": (orphan, 10), "forkbomb": (forkbomb, 10), "spinner": (spinner, 10),
    "attach": (attach, 10), "cmdline": (cmdline, 10), "script": (script, 10),
    "fill": (fill, 10), "residue": (residue, 10), "residue_check": (residue_check, 10),
    "network": (network, 10), "memhog": (memhog, 10),
}
#: attacks that are about the verdict, not the sandbox: they hold without root too
VERDICT_ATTACKS = ("rebind", "transformer", "identity", "displayhook", "huge", "script")
#: inbox entries that must be refused, not followed
LINKS = ("link_solution", "link_secret", "link_environ", "link_folder", "fifo", "hardlink")


def write_inbox(course, inbox: Path, students: list[str], ctx: dict) -> None:
    """The submissions folder: innocents, attackers and refused links."""
    source = nbformat.read(course.root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                           as_version=4)
    for sid in students:
        if sid in LINKS or sid in ("late", "missing"):
            continue
        nb = copy.deepcopy(source)
        if sid in ATTACKS:
            ATTACKS[sid][0](nb, ctx)
        (inbox / sid).mkdir(parents=True)
        nbformat.write(nb, inbox / sid / f"{ASSIGNMENT}.ipynb")
    name = f"{ASSIGNMENT}.ipynb"
    links = {"link_solution": course.root / "source" / ASSIGNMENT / name,
             "link_secret": course.root / ".crmlab" / "secret",
             "link_environ": Path("/proc/self/environ")}
    for sid, target in links.items():
        if sid in students:
            (inbox / sid).mkdir()
            (inbox / sid / name).symlink_to(target)
    if "link_folder" in students:
        (inbox / "link_folder").symlink_to(course.root / "source" / ASSIGNMENT)
    if "fifo" in students:
        (inbox / "fifo").mkdir()
        os.mkfifo(inbox / "fifo" / name)
    if "hardlink" in students:
        (inbox / "hardlink").mkdir()
        os.link(course.root / "source" / ASSIGNMENT / name, inbox / "hardlink" / name)
    (inbox / '=HYPERLINK("evil.example","x")').mkdir()
    (inbox / "+cmd|' -C calc'!A0").mkdir()


def sandbox_processes(low: int = 61000, high: int = 61000 + 4096) -> list[tuple[int, int]]:
    """(pid, uid) of every process whose real uid is a sandbox uid."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"{entry.path}/status", "rb") as fh:
                line = next(x for x in fh if x.startswith(b"Uid:"))
        except (OSError, StopIteration):
            continue
        uids = [int(x) for x in line.split()[1:]]
        if any(low <= uid < high for uid in uids):
            found.append((int(entry.name), uids[0]))
    return found


def listening_socket() -> socket.socket:
    """A TCP server on the grader's loopback (sandboxes must not reach it)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


def is_fifo(path: Path) -> bool:
    return stat.S_ISFIFO(path.lstat().st_mode)


def notebook_text(course, sid: str) -> str:
    path = course.root / "autograded" / sid / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return path.read_text(encoding="utf-8") if path.exists() else ""


__all__ = ["ANSWER_CELLS", "ASSIGNMENT", "ATTACKS", "LINKS", "VERDICT_ATTACKS", "append",
           "cell", "listening_socket", "new_markdown_cell", "notebook_text", "prepend",
           "sandbox_processes", "write_inbox"]
