"""Helpers shared by the reliability tests: re-sealing a damaged file into its descriptor
(a careful forger), and the CLI in a subprocess. (A module with its own name rather than
``from conftest import``, which picks whichever test folder's conftest comes first.)"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import crmlab as crm
from crmlab.package import DESCRIPTOR, file_sha256

__all__ = ["REPO", "assert_one_line_error", "descriptor", "reseal", "run_cli",
           "world_invariants", "write_descriptor"]

REPO = Path(crm.__file__).resolve().parent.parent


def descriptor(root: Path) -> dict:
    return json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))


def write_descriptor(root: Path, package: dict) -> None:
    (root / DESCRIPTOR).write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


def reseal(root: Path, rel: str, *, rows: int | None = None) -> None:
    """Record a file's current size and sha256 (and optionally rows) in the descriptor,
    as someone editing a package by hand would: the damage no longer shows in hashes."""
    package = descriptor(root)
    for res in package["resources"]:
        if res["path"] == rel:
            res["bytes"] = (root / rel).stat().st_size
            res["hash"] = f"sha256:{file_sha256(root / rel)}"
            if rows is not None:
                res["rows"] = rows
            break
    else:  # pragma: no cover
        raise KeyError(rel)
    write_descriptor(root, package)


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """The real console entry point, in a subprocess (so a traceback would show)."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run([sys.executable, "-m", "crmlab.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """A non-zero exit, one line on stderr naming every needle, and no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@cache
def world_invariants() -> ModuleType:
    """``tests/world/test_invariants.py`` (its ``check_world``), loaded from its file under
    a name of its own: whichever test folder pytest put on ``sys.path`` first. Load it at
    import time, not inside a test (it defines hypothesis tests, and hypothesis refuses
    a ``@given`` made while another runs)."""
    path = REPO / "tests" / "world" / "test_invariants.py"
    spec = importlib.util.spec_from_file_location("crmlab_world_invariants", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
