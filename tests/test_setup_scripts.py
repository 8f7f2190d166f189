"""The two commands (scripts/lab.sh, scripts/test.sh), setup.sh and .ci/run.

Behaviour is checked by running the real scripts in a scratch copy of the repository
whose setup.sh, .venv/bin tools and ``id`` are stubs that record how they were called.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ["scripts/setup.sh", "scripts/lab.sh", "scripts/test.sh", "scripts/lock.sh",
           "scripts/site.sh", ".ci/run"]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _write_exe(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/usr/bin/env bash\n" + text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A copy of the scripts with stubbed setup, venv tools and ``id``."""
    repo = tmp_path / "repo"
    for rel in ("scripts/lab.sh", "scripts/test.sh", ".ci/run"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, repo / rel)
    (repo / "notebooks").mkdir()
    log = tmp_path / "calls.log"
    rec = f'echo "$(basename "$0") $*" >> {log}\n'
    _write_exe(repo / "scripts/setup.sh", rec)
    _write_exe(repo / ".venv/bin/crmlab", rec + "echo ok\n")
    _write_exe(repo / ".venv/bin/jupyter", rec)
    _write_exe(repo / ".venv/bin/ruff", rec + 'exit "${FAKE_RUFF_RC:-0}"\n')
    _write_exe(
        repo / ".venv/bin/python",
        rec + 'case "$*" in *--nbval*) exit "${FAKE_NB_RC:-0}";; esac\n'
        'exit "${FAKE_PYTEST_RC:-0}"\n',
    )
    _write_exe(tmp_path / "bin/id", 'if [ "$1" = -u ]; then echo "${FAKE_UID}"; fi\n')
    return repo


def _run(repo: Path, script: str, uid: int = 1000, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "CRMLAB_PORT")}
    full_env.update(env)
    full_env["FAKE_UID"] = str(uid)
    full_env["PATH"] = f"{repo.parent / 'bin'}{os.pathsep}{full_env.get('PATH', '')}"
    return subprocess.run(
        ["bash", str(repo / script)], env=full_env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=60, check=False,
    )


def _calls(repo: Path) -> list[str]:
    log = repo.parent / "calls.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _jupyter_args(repo: Path) -> list[str]:
    lines = [c for c in _calls(repo) if c.startswith("jupyter ")]
    assert len(lines) == 1, _calls(repo)
    return lines[0].split()[1:]


@pytest.mark.parametrize("script", SCRIPTS)
def test_bash_syntax(script):
    result = subprocess.run(["bash", "-n", str(ROOT / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_strict_mode(script):
    text = (ROOT / script).read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


def test_lab_adds_allow_root_only_as_root(sandbox):
    assert _run(sandbox, "scripts/lab.sh", uid=0).returncode == 0
    assert "--allow-root" in _jupyter_args(sandbox)
    (sandbox.parent / "calls.log").unlink()
    assert _run(sandbox, "scripts/lab.sh", uid=1000).returncode == 0
    assert "--allow-root" not in _jupyter_args(sandbox)


def test_lab_arguments(sandbox):
    result = _run(sandbox, "scripts/lab.sh", CRMLAB_PORT="8899")
    assert result.returncode == 0, result.stderr
    calls = _calls(sandbox)
    assert calls[0].startswith("setup.sh")
    assert "crmlab datasets verify classroom" in calls
    args = _jupyter_args(sandbox)
    assert args[0] == "lab"
    assert {"--notebook-dir=notebooks", "--ip=127.0.0.1", "--port=8899", "--no-browser"} <= set(
        args
    )
    assert not any("token" in a or "password" in a for a in args), "auth must stay on"


def test_lab_default_port_and_browser_with_display(sandbox):
    assert _run(sandbox, "scripts/lab.sh", DISPLAY=":0").returncode == 0
    args = _jupyter_args(sandbox)
    assert "--port=8888" in args
    assert "--no-browser" not in args


def test_lab_warns_but_starts_without_cli(sandbox):
    (sandbox / ".venv/bin/crmlab").unlink()
    result = _run(sandbox, "scripts/lab.sh")
    assert result.returncode == 0
    assert "warning" in result.stderr
    assert _jupyter_args(sandbox)[0] == "lab"


def test_test_sh_uses_strict_nbval():
    text = (ROOT / "scripts/test.sh").read_text(encoding="utf-8")
    assert "--nbval" in text
    assert "--nbval-lax" not in text


def test_test_sh_runs_all_steps_and_passes(sandbox):
    (sandbox / "notebooks/01.ipynb").write_text("{}", encoding="utf-8")
    result = _run(sandbox, "scripts/test.sh")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = _calls(sandbox)
    assert calls[0].startswith("setup.sh")
    assert "ruff check crmlab tests benchmarks site scripts" in calls
    assert "python -m pytest -n 2 tests" in calls
    assert "python -m pytest --nbval notebooks" in calls
    assert "summary" in result.stdout


def test_test_sh_skips_notebooks_when_none(sandbox):
    result = _run(sandbox, "scripts/test.sh")
    assert result.returncode == 0
    assert not any("--nbval" in c for c in _calls(sandbox))


@pytest.mark.parametrize(
    "env",
    [{"FAKE_RUFF_RC": "1"}, {"FAKE_PYTEST_RC": "1"}, {"FAKE_PYTEST_RC": "5"}, {"FAKE_NB_RC": "1"}],
)
def test_test_sh_fails_if_any_step_fails(sandbox, env):
    (sandbox / "notebooks/01.ipynb").write_text("{}", encoding="utf-8")
    result = _run(sandbox, "scripts/test.sh", **env)
    assert result.returncode != 0
    # a failing step does not stop the later ones
    assert any("--nbval" in c for c in _calls(sandbox))
    if env.get("FAKE_PYTEST_RC") == "5":
        assert "no tests collected" in result.stdout + result.stderr


def test_ci_run_calls_test_sh():
    text = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "python3 --version" in text
    assert "exec bash scripts/test.sh" in text


def test_ci_run_propagates_exit_code(sandbox):
    assert _run(sandbox, ".ci/run").returncode == 0
    assert _run(sandbox, ".ci/run", FAKE_PYTEST_RC="1").returncode != 0


def test_setup_sh_stamps_and_registers_kernel():
    text = (ROOT / "scripts/setup.sh").read_text(encoding="utf-8")
    assert "sha256sum" in text
    assert "requirements.lock" in text and "pyproject.toml" in text
    assert "--sys-prefix" in text and "--name" in text
    assert "Python (crmlab)" in text
    assert "--no-deps -e ." in text


def _lab_env(repo: Path, **env: str) -> tuple[list[str], str]:
    """lab.sh's jupyter arguments and the JUPYTER_CONFIG_PATH it ran with."""
    log = repo.parent / "env.log"
    _write_exe(repo / ".venv/bin/jupyter",
               f'echo "jupyter $*" >> {repo.parent / "calls.log"}\n'
               f'echo "${{JUPYTER_CONFIG_PATH:-}}" > {log}\n')
    result = _run(repo, "scripts/lab.sh", **env)
    assert result.returncode == 0, result.stderr
    return _jupyter_args(repo), log.read_text(encoding="utf-8").strip()


def test_lab_opens_the_students_first_notebook_without_instructor_tools(sandbox):
    args, config_path = _lab_env(sandbox)
    assert "--ServerApp.default_url=/lab/tree/00_start_here.ipynb" in args
    assert config_path.split(":")[0] == str(sandbox / "jupyter/student")


def test_lab_in_persian_opens_the_first_persian_notebook(sandbox):
    (sandbox / "notebooks/fa").mkdir()
    for name in ("12_b.ipynb", "11_a.ipynb"):
        (sandbox / "notebooks/fa" / name).write_text("{}", encoding="utf-8")
    args, _ = _lab_env(sandbox, CRMLAB_LANG="fa")
    assert "--ServerApp.default_url=/lab/tree/fa/11_a.ipynb" in args


def test_lab_for_the_instructor_keeps_everything(sandbox):
    _, config_path = _lab_env(sandbox, CRMLAB_ROLE="instructor", JUPYTER_CONFIG_PATH="")
    assert config_path == ""


@pytest.mark.parametrize(("var", "value"), [("CRMLAB_LANG", "de"), ("CRMLAB_ROLE", "admin")])
def test_lab_refuses_an_unknown_language_or_role(sandbox, var, value):
    result = _run(sandbox, "scripts/lab.sh", **{var: value})
    assert result.returncode == 2 and value in result.stderr
    assert not [c for c in _calls(sandbox) if c.startswith("jupyter ")]


def test_student_profile_disables_what_is_installed():
    """The ids in jupyter/student must be the installed extensions' ids, or nothing hides."""
    jupyter = ROOT / ".venv/bin/jupyter"
    if not jupyter.exists():
        pytest.skip("no .venv")
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(ROOT / "jupyter/student"))
    out = subprocess.run([str(jupyter), "labextension", "list"], env=env,
                         capture_output=True, text=True, timeout=120).stdout
    out += subprocess.run([str(jupyter), "labextension", "list"], env=env,
                          capture_output=True, text=True, timeout=120).stderr
    assert "@jupyter/nbgrader" in out
    disabled = out.split("Disabled extensions:")[-1]
    assert "@jupyter/nbgrader" in disabled
    assert "@jupyterlab/apputils-extension:announcements" in disabled
