"""The warm template of a grading run (``python -m crmlab.exercises._zygote FD PPID [BASE ...]``).

Starting Python and importing the scientific stack costs about a second per student;
the notebook's own work costs less. So a grading run starts this process once: it
imports crmlab, pandas, scikit-learn, statsmodels, IPython and ipykernel, then waits
on the control socket ``FD`` and forks a fresh child for each request:

``kernel``
    the student's Jupyter kernel. The child reads its job (sandbox, uid, cgroups,
    limits, environment) from the socket it was handed — the template itself never
    sees a job, so no student's data is in the memory later children inherit — joins
    the submission's cgroups and the namespaces bubblewrap made for it (network, PID,
    IPC, UTS, cgroup, mount: the filesystem view without any course file), and forks
    the kernel. The kernel sets its resource limits and ``no_new_privs``, binds its
    ZeroMQ sockets as Unix sockets in a folder the student cannot write, then drops to
    the sandbox uid (no groups, no capabilities) before it runs any student code. The
    child stays as the kernel's *supervisor*: it relays interrupts, reports the exit
    status, and kills the kernel when the grader goes away.
``checker``
    a long-lived process that recomputes expected answers from a seed and compares
    them with the recorded answers (:func:`crmlab.exercises.checks.grade_answers`).
    It runs no student code; when the grader is root it runs as its own uid.

Messages are JSON, each prefixed with its length (4 bytes, big-endian). The template
dies with the grader (``PR_SET_PDEATHSIG``), and children that exit are reaped by the
kernel (``SIGCHLD`` ignored in the template).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
from typing import Any

__all__ = ["recv_json", "send_json"]

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
#: namespaces joined, in order (mount last: it changes what /proc shows)
_NAMESPACES = ("cgroup", "ipc", "uts", "net", "pid", "mnt")
_MAX_MESSAGE = 64 * 2**20


def send_json(sock: socket.socket, obj: Any) -> None:
    """Send one length-prefixed JSON message."""
    data = json.dumps(obj, separators=(",", ":")).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    parts, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def recv_json(sock: socket.socket) -> Any:
    """Receive one length-prefixed JSON message (``None`` when the peer closed)."""
    head = _recv_exact(sock, 4)
    if head is None:
        return None
    (size,) = struct.unpack(">I", head)
    if size > _MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes is larger than {_MAX_MESSAGE}")
    body = _recv_exact(sock, size)
    return None if body is None else json.loads(body)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    if _libc().prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


def _setns(fd: int) -> None:
    if _libc().setns(fd, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def _enter(init_pid: int, namespaces: list[str]) -> None:
    """Join the namespaces of a sandbox's PID 1 (all opened first: joining the mount
    namespace changes what /proc shows)."""
    fds = [os.open(f"/proc/{init_pid}/ns/{ns}", os.O_RDONLY) for ns in namespaces]
    try:
        for fd in fds:
            _setns(fd)
    finally:
        for fd in fds:
            os.close(fd)


#: modules every kernel and checker uses
_COMMON = ("numpy", "pandas", "scipy.optimize", "scipy.special", "scipy.stats",
           "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
           "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
           "crmlab", "crmlab.exercises", "crmlab.exercises.checks", "crmlab.exercises.answers",
           "crmlab.exercises.catalog", "crmlab.analytics.concentration", "crmlab.analytics.rfm")
#: what each assignment adds (its analytics and their libraries)
_EXTRA = {
    "record_linkage": ("crmlab.analytics.linkage",),
    "dbmarketing_crm": ("crmlab.analytics.dbmarketing", "crmlab.analytics.targeting",
                        "crmlab.analytics.loyalty", "sklearn.linear_model"),
    "rfm_concentration": (),
    "clv_bgnbd": ("crmlab.analytics.clv",),
    "segmentation": ("crmlab.analytics.segmentation", "sklearn.cluster", "sklearn.mixture",
                     "sklearn.metrics", "sklearn.preprocessing"),
    "complaints_glm": ("crmlab.analytics.service", "statsmodels.api",
                       "statsmodels.formula.api"),
    "billing_collections": ("crmlab.analytics.billing", "crmlab.analytics.clv"),
    "social_crm": ("crmlab.analytics.engagement", "crmlab.analytics.referrals",
                   "crmlab.analytics.clv"),
    "warehouse_sql": ("duckdb", "sqlalchemy", "crmlab.warehouse"),
}


def _preimport(bases: list[str]) -> None:
    """Import what notebooks and checks use, and make one world, so each fork is warm."""
    import importlib

    os.environ.setdefault("MPLCONFIGDIR", os.environ.get("CRMLAB_MPL_CACHE", "/tmp"))
    names = list(_COMMON)
    for base in bases:
        names += _EXTRA.get(base, tuple(m for extra in _EXTRA.values() for m in extra))
    for name in dict.fromkeys(names):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from crmlab import make_world
    from crmlab.exercises.catalog import world_config

    for locale in ("en_US", "fa_IR"):  # fills the name pools and caches every world uses
        make_world(world_config(locale), seed=0, workers=1)


# ------------------------------------------------------------------------ kernel role
def _write_procs(path: str, pid: int) -> None:
    with open(path, "w") as fh:
        fh.write(str(pid))


def _limits(job: dict) -> None:
    lim = job["limits"]
    page = os.sysconf("SC_PAGE_SIZE")
    with open("/proc/self/statm") as fh:
        mapped = int(fh.read().split()[0]) * page
    # address space: what the warm process already maps plus the budget (the cgroup, when
    # there is one, limits the memory actually used by all the submission's processes)
    address = mapped + int(lim["address_bytes"])
    for which, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_AS, address),
                         (resource.RLIMIT_CPU, int(lim["cpu_seconds"])),
                         (resource.RLIMIT_FSIZE, int(lim["file_bytes"]))):
        resource.setrlimit(which, (value, value))
    if job.get("uid") is not None:  # per uid: meaningful only for a dedicated sandbox uid
        n = int(lim["max_processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))


def _kernel_main(job: dict) -> None:
    """The kernel: limits, identity, sockets bound, privileges dropped, then serve."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    os.setsid()
    home, kernel_dir, uid = job["home"], job["kernel_dir"], job.get("uid")
    os.chdir(home)
    if uid is not None:
        os.chown(home, uid, uid)
        os.chmod(home, 0o700)
    for name, text in job.get("files", {}).items():
        path = os.path.join(home, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(path, 0o644)
    os.environ.clear()
    os.environ.update(job["env"])
    from crmlab.exercises import student

    student._startup_identity_from_env()
    _limits(job)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)  # before any thread exists: every thread inherits it

    from ipykernel.iostream import IOPubThread
    from ipykernel.kernelapp import IPKernelApp

    class SandboxKernelApp(IPKernelApp):
        def init_iopub(self, context) -> None:
            """ipykernel's IOPub, without the TCP port on loopback it opens for the output
            of forked subprocesses: the kernel's only channels are the Unix sockets."""
            import zmq

            self.iopub_socket = context.socket(zmq.XPUB)
            self.iopub_socket.linger = 1000
            self.iopub_port = self._bind_socket(self.iopub_socket, self.iopub_port)
            self.configure_tornado_logger()
            self.iopub_thread = IOPubThread(self.iopub_socket, pipe=False,
                                            session=self.session)
            self.iopub_thread.start()
            self.iopub_socket = self.iopub_thread.background_socket

    app = SandboxKernelApp.instance()
    # bound as root inside kernel_dir (root-owned, mode 0700): the student cannot swap a
    # socket for a link to somewhere else, and other sandboxes cannot see the folder
    os.makedirs(os.path.join(kernel_dir, "ipython"), mode=0o700, exist_ok=True)
    app.initialize(["-f", os.path.join(kernel_dir, "connection.json"),
                    f"--IPKernelApp.ipython_dir={kernel_dir}/ipython",
                    "--HistoryManager.hist_file=:memory:", "--IPKernelApp.quiet=True"])
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # glibc applies it to every thread
        if os.getuid() != uid or os.geteuid() != uid or os.getgroups():
            os._exit(70)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    app.start()
    os._exit(0)


def _supervise(sock: socket.socket, pid: int, errors: int) -> None:
    """Relay signals to the kernel and report its exit, until the grader hangs up.

    ``errors`` is the read end of the kernel's stderr before the kernel captures it:
    its last lines go with the exit report (why a kernel failed to start).
    """
    pidfd = os.pidfd_open(pid)
    alive = True
    tail = b""
    while True:
        watch = [sock, pidfd] if alive else [sock]
        if errors >= 0:
            watch.append(errors)
        ready, _, _ = select.select(watch, [], [])
        if errors >= 0 and errors in ready:
            chunk = os.read(errors, 65536)
            if chunk:
                tail = (tail + chunk)[-2048:]
            else:
                os.close(errors)
                errors = -1
            continue
        if alive and pidfd in ready:
            _, status = os.waitpid(pid, 0)
            alive = False
            send_json(sock, {"exit": os.waitstatus_to_exitcode(status),
                             "stderr": tail.decode("utf-8", "replace")})
            continue
        try:
            msg = recv_json(sock)
        except (OSError, ValueError):
            msg = None
        if msg is None:
            break
        if alive and isinstance(msg.get("signal"), int):
            os.kill(pid, msg["signal"])
    if alive:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _kernel_role(sock: socket.socket) -> None:
    job = recv_json(sock)
    if job is None:
        return
    try:
        for path in job.get("cgroup_procs", []):
            _write_procs(path, os.getpid())
        if job.get("init_pid"):
            _enter(int(job["init_pid"]), list(_NAMESPACES))
    except OSError as exc:
        send_json(sock, {"error": f"could not enter the sandbox: {exc}"})
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            sock.close()
            os.close(read)
            null = os.open("/dev/null", os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(write, 1)
            os.dup2(write, 2)
            os.close(null)
            os.close(write)
            _kernel_main(job)
        except BaseException as exc:
            try:
                sys.stderr.write(f"kernel start failed: {type(exc).__name__}: {exc}\n")
            finally:
                os._exit(71)
    os.close(write)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    send_json(sock, {"pid": pid})
    _supervise(sock, pid, read)


# ----------------------------------------------------------------------- checker role
def _checker_role(sock: socket.socket) -> None:
    hello = recv_json(sock)
    if hello is None:
        return
    uid = hello.get("uid")
    if hello.get("init_pid"):  # the read-only view of a sandbox (no network, no course)
        _enter(int(hello["init_pid"]), list(_NAMESPACES))
        os.chdir("/")
        child = os.fork()  # a new PID namespace takes effect for children (/proc/self)
        if child:
            sock.close()
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            os.waitpid(child, 0)
            return
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    from crmlab.exercises.checks import grade_answers

    while True:
        job = recv_json(sock)
        if job is None:
            return
        try:
            result = {"verdicts": grade_answers(job["assignment"], int(job["seed"]),
                                                job.get("answers"))}
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        send_json(sock, result)


# --------------------------------------------------------------------------- the loop
def _child(role: str, fd: int, control: socket.socket) -> None:
    control.close()
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    os.closerange(3, fd)
    os.closerange(fd + 1, 1 << 16)
    sock = socket.socket(fileno=fd)
    if role == "kernel":
        _kernel_role(sock)
    elif role == "checker":
        _checker_role(sock)


def main(argv: list[str]) -> int:
    """Serve fork requests on the control socket whose number is ``argv[0]`` (``argv[1]``
    is the grader's pid, ``argv[2:]`` the assignments whose libraries to import)."""
    control = socket.socket(fileno=int(argv[0]))
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(argv[1]):  # the grader died before the line above
        return 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _preimport(argv[2:])
    control.sendall(b"ready")
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(control, 64, 1)
        except OSError:
            os._exit(0)
        if not msg or not fds:
            os._exit(0)  # no slow interpreter shutdown: the grader waits for it
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _child(msg.decode("ascii", "replace"), fds[0], control)
            except BaseException:
                code = 1
            os._exit(code)
        for fd in fds:
            os.close(fd)
        control.sendall(str(pid).encode())


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
