"""Run one student's notebook where it can harm nothing but its own copy.

What a submission's code can do is limited by the process that runs it, so the
notebook is executed by a separate runner process (:mod:`crmlab.exercises._runner`,
which starts the Jupyter kernel as its child) with:

* **its own copy**: a fresh folder holding only the sanitised notebook and the
  student's token file; ``HOME``, ``TMPDIR``, Jupyter's and IPython's folders point
  inside it; the environment is rebuilt from scratch and carries only the student's
  id, assignment and seed — never the course secret or the course path;
* **another user** (when the grader runs as root, as CI does): a dedicated uid per
  worker slot (``61000 + slot`` by default, skipping uids in ``/etc/passwd``), no
  supplementary groups (a lock file per uid keeps concurrent graders apart). The
  course folder is mode 0700 and owned by the instructor, so the secret, the solution
  notebooks and the gradebook cannot be read, and nothing outside the copy (and the
  world-writable temp folders, which are swept afterwards) can be written;
* **resource limits** set by the runner on itself before the kernel starts, soft =
  hard so the kernel cannot raise them: address space (``RLIMIT_AS``), CPU seconds
  (``RLIMIT_CPU``), processes (``RLIMIT_NPROC``), file size (``RLIMIT_FSIZE``), no
  core dumps;
* **time limits**: a cell is interrupted after ``cell_timeout`` seconds (nbclient with
  nbgrader's ``Execute`` settings); the whole run is killed (its process group, then
  every process of the sandbox uid) after ``total_timeout`` seconds.

Without root, the uid switch is impossible: the runner still gets its copy, clean
environment and limits, but a hostile notebook could read or write the instructor's
files. :func:`isolation_level` says which applies; run grading as root (a container
or CI job) for the full model.

Examples
--------
>>> isolation_level() in ("uid", "limits-only")
True
>>> Limits().memory_bytes >= 2**30
True
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import pwd
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["Limits", "RunResult", "isolation_level", "run_notebook", "sandbox_uid"]

BASE_UID = 61000


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed run.

    Parameters
    ----------
    cell_timeout : int, default=60
        Seconds one cell may run before it is interrupted (the cell then fails).
    total_timeout : int, default=600
        Seconds the whole notebook may take before the run is killed.
    memory_bytes : int, default=3 GiB
        Address-space limit of the runner and of the kernel (each).
    cpu_seconds : int, default=600
        CPU time of each process.
    max_processes : int, default=512
        Processes and threads of the sandbox user (only enforced under ``uid``).
    file_bytes : int, default=64 MiB
        Largest file the notebook may write.
    """

    cell_timeout: int = 60
    total_timeout: int = 600
    memory_bytes: int = 3 * 2**30
    cpu_seconds: int = 600
    max_processes: int = 512
    file_bytes: int = 64 * 2**20

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive integer; got {value!r}")


#: Largest executed notebook read back from a sandbox.
MAX_OUTPUT_BYTES = 64 * 2**20


@dataclass
class RunResult:
    """What came back from a sandboxed run."""

    notebook: bytes | None  #: the executed notebook's bytes, or None if none came back
    reason: str  #: "" when the runner finished; else why not
    seconds: float


def _read_back(path: Path) -> bytes | None:
    """The runner's output: a regular file (no symlink), at most MAX_OUTPUT_BYTES."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        data = fh.read(MAX_OUTPUT_BYTES + 1)
    return data if len(data) <= MAX_OUTPUT_BYTES else None


def isolation_level() -> str:
    """``"uid"`` when running as root (kernels run as a dedicated user), else
    ``"limits-only"``."""
    return "uid" if os.geteuid() == 0 else "limits-only"


def sandbox_uid(slot: int) -> int:
    """The dedicated uid of a worker slot: ``BASE_UID + slot``, skipping uids in use.

    Examples
    --------
    >>> sandbox_uid(0) >= BASE_UID
    True
    """
    used = {entry.pw_uid for entry in pwd.getpwall()}
    uid, free = BASE_UID, -1
    while True:
        if uid not in used:
            free += 1
            if free == slot:
                return uid
        uid += 1


@contextlib.contextmanager
def _claim_uid(slot: int) -> Iterator[int]:
    """Hold a sandbox uid no other grading run (in any process) is using.

    Each candidate uid has a lock file in the temp folder; the first one whose
    ``flock`` succeeds is ours until the run ends (several graders on one machine, e.g.
    parallel test workers, never share a uid, so one's clean-up cannot kill another's
    kernels).
    """
    for offset in range(256):
        uid = sandbox_uid(slot + offset)
        path = Path(tempfile.gettempdir()) / f"crmlab-sandbox-{uid}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    raise RuntimeError("no free sandbox uid: 256 grading runs are already under way")


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (kill(-1) sent by that uid itself)."""
    code = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass"
    subprocess.run([_interpreter(uid).python, "-I", "-S", "-c", code], user=uid, group=uid,
                   extra_groups=[], check=False, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _sweep_temp(uid: int, keep: Path) -> None:
    """Remove what the sandbox user left in the world-writable temp folders (but ``keep``,
    the sandbox folder itself)."""
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid or entry.path == str(keep):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


@dataclass(frozen=True)
class _Interpreter:
    """How to start a Python with crmlab and nbclient importable, as the sandbox user.

    ``binds`` are read-only bind mounts (source, view) made in a private mount namespace
    before the switch to the sandbox uid: they let the sandbox read the environment's
    packages when a folder above them (a private home, a ``mktemp -d`` folder) is closed
    to other users, without opening that folder.
    """

    python: str
    env: dict[str, str]
    binds: tuple[tuple[str, str], ...] = ()

    def command(self, uid: int | None, args: list[str]) -> tuple[list[str], dict[str, Any]]:
        """The command line and ``subprocess`` keywords that run ``python *args``."""
        if uid is None:
            return [self.python, *args], {}
        if not self.binds:
            return [self.python, *args], {"user": uid, "group": uid, "extra_groups": []}
        mounts = "; ".join(f"mount --bind -o ro {shlex.quote(src)} {shlex.quote(view)}"
                           for src, view in self.binds)
        script = (f"set -e; {mounts}; "
                  f'exec setpriv --reuid={uid} --regid={uid} --clear-groups -- "$@"')
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                self.python, *args], {}


_INTERPRETERS: dict[bool, _Interpreter] = {}


def _view_of(paths: list[str]) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """Empty, world-readable mount points for ``paths`` (created once per process)."""
    top = Path(tempfile.mkdtemp(prefix="crmlab-sandbox-view-"))
    top.chmod(0o755)
    binds, views = [], []
    for i, path in enumerate(paths):
        view = top / str(i)
        view.mkdir(mode=0o755)
        binds.append((path, str(view)))
        views.append(str(view))
    atexit.register(shutil.rmtree, top, True)
    return tuple(binds), views


def _interpreter(uid: int | None) -> _Interpreter:
    """A Python the sandbox user can run, with crmlab and nbclient importable.

    In order: the instructor's own interpreter; a system Python of the same version with
    the environment's packages on ``PYTHONPATH`` (when the environment's base Python
    lives in a private home folder); the same with the packages shown through read-only
    bind mounts (when a folder above the packages is closed to other users; needs root,
    ``unshare`` and ``setpriv``).
    """
    if (uid is not None) in _INTERPRETERS:  # every sandbox uid has the same rights
        return _INTERPRETERS[uid is not None]
    import sysconfig

    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    package_root = str(Path(__file__).resolve().parents[2])
    site = list(dict.fromkeys([package_root, sysconfig.get_paths()["purelib"],
                               sysconfig.get_paths()["platlib"]]))
    pythons = [exe for exe in (f"{d}/{version}" for d in ("/usr/bin", "/usr/local/bin"))
               if os.access(exe, os.X_OK)]

    def candidates() -> Iterator[_Interpreter]:
        yield _Interpreter(sys.executable, {})
        for exe in pythons:
            yield _Interpreter(exe, {"PYTHONPATH": os.pathsep.join(site)})
        if uid is not None and shutil.which("unshare") and shutil.which("setpriv"):
            binds, views = _view_of(site)  # only made when nothing simpler works
            for exe in pythons:
                yield _Interpreter(exe, {"PYTHONPATH": os.pathsep.join(views)}, binds)

    probe = "import crmlab.exercises._runner, nbclient, ipykernel"
    tried = []
    for candidate in candidates():
        tried.append(candidate.python)
        cmd, kwargs = candidate.command(uid, ["-c", probe])
        try:
            env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **candidate.env}
            done = subprocess.run(cmd, env=env, cwd="/", stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=120, check=False,
                                  **kwargs)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            _INTERPRETERS[uid is not None] = candidate
            return candidate
    raise RuntimeError("no Python interpreter that the sandbox user can run has crmlab and "
                       f"nbclient (tried {tried}); install crmlab "
                       "where other users can read it")


def _environment(work: Path, identity: dict[str, str], python: str) -> dict[str, str]:
    env = {
        "PATH": os.pathsep.join([str(Path(python).parent), "/usr/bin", "/bin"]),
        "HOME": str(work), "TMPDIR": str(work / "tmp"), "USER": "crmlab-sandbox",
        "LOGNAME": "crmlab-sandbox", "LANG": "C.UTF-8",
        "JUPYTER_RUNTIME_DIR": str(work / "tmp" / "runtime"),
        "JUPYTER_DATA_DIR": str(work / "tmp" / "data"),
        "JUPYTER_CONFIG_DIR": str(work / "tmp" / "config"),
        "IPYTHONDIR": str(work / "tmp" / "ipython"), "MPLCONFIGDIR": str(work / "tmp" / "mpl"),
        "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "NBGRADER_EXECUTION": "autograde",
    }
    env.update(identity)
    return env


def run_notebook(notebook: Path, files: dict[str, str], identity: dict[str, str], *,
                 limits: Limits = Limits(), slot: int = 0) -> RunResult:
    """Execute ``notebook`` in a fresh sandbox folder.

    Parameters
    ----------
    notebook : Path
        The sanitised notebook (hidden tests restored) to run.
    files : dict
        Extra files to put beside it, name -> text (e.g. the token file).
    identity : dict
        Environment variables naming the student, assignment and seed.
    limits : Limits
    slot : int
        Worker slot (selects the sandbox uid when running as root).

    Returns
    -------
    RunResult
        The executed notebook's bytes (read back before the sandbox folder is removed)
        and why the run stopped early, if it did.
    """
    with _claim_uid(slot) if isolation_level() == "uid" else contextlib.nullcontext() as uid:
        interpreter = _interpreter(uid)
        work = Path(tempfile.mkdtemp(prefix="crmlab-grade-"))
        try:
            return _run_in(work, notebook, files, identity, limits, uid, interpreter)
        finally:
            cleanup(work)


def _run_in(work: Path, notebook: Path, files: dict[str, str], identity: dict[str, str],
            limits: Limits, uid: int | None, interpreter: _Interpreter) -> RunResult:
    (work / "tmp").mkdir()
    target = work / notebook.name
    shutil.copyfile(notebook, target)
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    (work / ".limits.json").write_text(
        json.dumps({**asdict(limits), "enforce_nproc": uid is not None}), encoding="utf-8")
    if uid is not None:
        for path in [work, *work.rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)
    os.chmod(work, stat.S_IRWXU)
    out = work / "executed.ipynb"
    cmd, kwargs = interpreter.command(
        uid, ["-m", "crmlab.exercises._runner", str(target), str(out)])
    start = time.perf_counter()
    reason = ""
    # the runner's (and kernel's) stderr goes to an unlinked file, not a pipe: a notebook
    # flooding stderr is capped by RLIMIT_FSIZE instead of filling the grader's memory
    with tempfile.TemporaryFile() as log:
        env = {**_environment(work, identity, interpreter.python), **interpreter.env}
        proc = subprocess.Popen(cmd, cwd=work, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log, process_group=0, umask=0o077, **kwargs)
        try:
            proc.wait(timeout=limits.total_timeout)
            log.seek(max(0, log.seek(0, os.SEEK_END) - 4096))
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            if proc.returncode != 0:
                reason = f"the notebook runner failed (exit {proc.returncode}" + (
                    f": {tail[0][:200]}" if tail else "") + ")"
            elif tail and tail[0].startswith("kernel stopped:"):
                reason = tail[0][:200]
        except subprocess.TimeoutExpired:
            reason = (f"stopped after the {limits.total_timeout} s time limit for the whole "
                      "notebook")
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
            if uid is not None:
                _kill_uid(uid)
                _sweep_temp(uid, work)
    seconds = time.perf_counter() - start
    data = _read_back(out)
    if data is None and not reason:
        reason = "the notebook runner returned no notebook"
    return RunResult(data, reason, seconds)


def cleanup(work: Path) -> None:
    """Remove a sandbox folder (files inside may belong to the sandbox uid)."""
    shutil.rmtree(work, ignore_errors=True)
