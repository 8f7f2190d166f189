"""Signals: SIGTERM and SIGHUP (kill, timeout, a batch scheduler, Jupyter shutdown) during a
save clean up like Ctrl-C: no hidden temporary folder is left behind, nothing is half
written, and an application's own signal handlers are left as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from reliability_helpers import REPO

import crmlab as crm
import crmlab.package as package

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

#: The child slows every file write down and says when one is done, so the signal is
#: sure to arrive in the middle of the save (no timing guesses).
PRELUDE = """
import sys, time
import crmlab.package as package
_real = package._write_file
def _slow(*args, **kwargs):
    _real(*args, **kwargs)
    print("wrote", flush=True)
    time.sleep(0.3)
package._write_file = _slow
"""

SCRIPTS = {
    "save": """
import crmlab as crm
w = crm.make_world("tiny", seed=1, n_customers=100)
w.save(sys.argv[1], overwrite=len(sys.argv) > 2)
""",
    "generate": """
from crmlab.engine import generate
generate("tiny", seed=1, out=sys.argv[1], engine="process", n_customers=200, block_size=100)
""",
    "cli": """
from crmlab.cli import main
sys.exit(main(["generate", "tiny", "--out", sys.argv[1], "--customers", "100", "--quiet"]))
""",
    "rebuild": """
from crmlab.datasets import rebuild_dataset
rebuild_dataset("tiny")
""",
}


def _interrupt(script: str, signum: int, *args: str, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    """Run a script in a child, send ``signum`` once it has written a file, wait."""
    code = PRELUDE + textwrap.dedent(SCRIPTS[script])
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=dict(os.environ, PYTHONPATH=str(REPO), **(env or {})))
    try:
        line = child.stdout.readline()
        assert line.strip() == "wrote", child.stderr.read()
        child.send_signal(signum)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:  # pragma: no cover  (only if the test fails)
            child.kill()
            child.wait()
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".crmlab-"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("script", ["save", "generate", "cli"])
def test_a_signal_mid_save_leaves_nothing(tmp_path, script, signum):
    result = _interrupt(script, signum, str(tmp_path / "w"))
    assert result.returncode == -signum, result.stderr  # it still ends by that signal
    assert "Traceback" not in result.stderr
    assert _leftovers(tmp_path) == [] and not (tmp_path / "w").exists()


def test_ctrl_c_mid_save_leaves_nothing(tmp_path):
    result = _interrupt("cli", signal.SIGINT, str(tmp_path / "w"))
    assert result.returncode == 130 and "interrupted" in result.stderr
    assert _leftovers(tmp_path) == [] and not (tmp_path / "w").exists()


def test_a_signal_mid_overwrite_keeps_the_old_package(tmp_path):
    path = crm.make_world("tiny", seed=9, n_customers=80).save(tmp_path / "w")
    (path / "notes.ipynb").write_text("{}")
    before = sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))
    result = _interrupt("save", signal.SIGTERM, str(path), "overwrite")
    assert result.returncode == -signal.SIGTERM, result.stderr
    assert _leftovers(tmp_path) == []
    assert sorted(p.relative_to(path).as_posix() for p in path.rglob("*")) == before
    assert crm.World.load(path).seed == 9


def test_a_signal_mid_rebuild_leaves_the_dataset_as_it_was(datasets_home):
    tiny = datasets_home / "tiny"
    before = {p.relative_to(tiny).as_posix(): p.read_bytes() for p in tiny.rglob("*.csv")}
    result = _interrupt("rebuild", signal.SIGTERM, env={"CRMLAB_DATASETS": str(datasets_home)})
    assert result.returncode == -signal.SIGTERM, result.stderr
    assert _leftovers(datasets_home) == []
    assert {p.relative_to(tiny).as_posix(): p.read_bytes() for p in tiny.rglob("*.csv")} == before


# ------------------------------------------------------------------ the application's handlers


@pytest.fixture
def default_handlers():
    """SIGTERM and SIGHUP at their default action for the test, restored after."""
    old = {s: signal.signal(s, signal.SIG_DFL) for s in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for s, handler in old.items():
        signal.signal(s, handler)


def _spy_on_handlers(monkeypatch):
    """Record the SIGTERM and SIGHUP handlers in force while files are written."""
    seen = []
    real = package._write_file

    def spy(*args, **kwargs):
        seen.append((signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)))
        return real(*args, **kwargs)

    monkeypatch.setattr(package, "_write_file", spy)
    return seen


def test_default_handlers_are_replaced_only_during_the_save(tmp_path, monkeypatch,
                                                            default_handlers, tiny_world):
    seen = _spy_on_handlers(monkeypatch)
    tiny_world.save(tmp_path / "w")
    assert seen and all(term is not signal.SIG_DFL and hup is not signal.SIG_DFL
                        for term, hup in seen)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL


def test_an_applications_own_handlers_are_left_alone(tmp_path, monkeypatch,
                                                     default_handlers, tiny_world):
    def mine(signum, frame):  # pragma: no cover  (never called)
        pass

    signal.signal(signal.SIGTERM, mine)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    seen = _spy_on_handlers(monkeypatch)
    tiny_world.save(tmp_path / "w")
    assert seen and all(term is mine and hup is signal.SIG_IGN for term, hup in seen)
    assert signal.getsignal(signal.SIGTERM) is mine
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


def test_a_save_in_another_thread_touches_no_handler(tmp_path, monkeypatch, default_handlers,
                                                     tiny_world):
    seen = _spy_on_handlers(monkeypatch)
    errors = []

    def save():
        try:
            tiny_world.save(tmp_path / "w")
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    thread = threading.Thread(target=save)
    thread.start()
    thread.join()
    assert errors == [] and (tmp_path / "w" / "datapackage.json").is_file()
    assert seen and all(h == (signal.SIG_DFL, signal.SIG_DFL) for h in seen)


def test_cleanup_on_termination_restores_what_it_replaced(default_handlers):
    with package.cleanup_on_termination():
        inside = signal.getsignal(signal.SIGTERM)
        with package.cleanup_on_termination():  # nested: the outer one stays in charge
            assert signal.getsignal(signal.SIGTERM) is inside
        assert signal.getsignal(signal.SIGTERM) is inside
    assert inside is not signal.SIG_DFL
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_the_rebuild_temp_folder_is_removed_on_an_error(datasets_home, monkeypatch):
    import crmlab.world.world as world_module

    def broken(*args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(world_module, "make_blocks", broken)
    with pytest.raises(MemoryError):
        crm.datasets.rebuild_dataset("tiny")
    assert _leftovers(datasets_home) == []


@pytest.mark.parametrize(("signum", "raised"), [(signal.SIGTERM, package.Terminated),
                                                (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_during_the_final_renames_waits_for_them(default_handlers, signum, raised):
    """The renames that swap a package into place are never stopped half way: the
    signal is acted on once they are done (nested guards share the one deferral)."""
    outer, inner = package._SignalCleanup(), package._SignalCleanup()
    outer.__enter__()
    inner.__enter__()
    try:
        done = []
        with pytest.raises(raised):
            with inner.deferred():
                os.kill(os.getpid(), signum)
                done.append("renames finished")
        assert done == ["renames finished"]
    finally:  # restore the handlers without delivering anything again
        inner.__exit__(None, None, None)
        outer.__exit__(None, None, None)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
