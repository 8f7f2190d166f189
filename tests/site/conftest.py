"""The course website, built once per test session by ``bash scripts/site.sh OUTDIR``.

Under pytest-xdist every worker asks for the site; the first one builds it into the
run's shared temporary folder while holding a lock, the others wait and reuse it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900  # seconds; the build takes well under a minute on two free cores


def _shared_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    # an xdist worker's basetemp is <run>/popen-gwN: share <run> between the workers
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The student site (``OUTDIR/index.html``, ``OUTDIR/en/``, ``OUTDIR/fa/``)."""
    shared = _shared_dir(tmp_path_factory)
    out, done = shared / "crmlab-site", shared / "crmlab-site.done"
    with open(shared / "crmlab-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                env = dict(os.environ, PYTHON=sys.executable)
                result = subprocess.run(["bash", "scripts/site.sh", str(out)], cwd=ROOT,
                                        env=env, capture_output=True, text=True,
                                        timeout=BUILD_TIMEOUT, check=False)
                if result.returncode:
                    pytest.fail(f"bash scripts/site.sh failed (exit {result.returncode}):\n"
                                f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
                done.write_text(result.stdout, encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium, as tests/browser/ launches it (never a downloaded browser)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not on the PATH (apt-get install chromium; it is "
                    "listed in scripts/apt-packages.txt); the site's browser test needs it")
    return chromium


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser(chromium_path):
    """A headless Chromium for one test module; each test opens its own context.

    Module scope, as in tests/browser/: Playwright's sync API allows one instance per
    process at a time, and pytest closes a module's fixtures before the next module runs.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright Python package is missing; run: bash scripts/setup.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
