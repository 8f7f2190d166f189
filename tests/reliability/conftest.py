"""Helpers for the reliability tests: copies of a shipped dataset to damage, a way to
re-seal a damaged file into its descriptor (a careful forger), and the CLI in a
subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import crmlab as crm
from crmlab.package import DESCRIPTOR, file_sha256

REPO = Path(crm.__file__).resolve().parent.parent


@pytest.fixture
def tiny_copy(tmp_path) -> Path:
    """A private copy of the shipped ``tiny`` dataset, safe to damage."""
    dest = tmp_path / "tiny"
    shutil.copytree(crm.datasets.dataset_path("tiny"), dest)
    return dest


@pytest.fixture
def datasets_home(tmp_path, monkeypatch) -> Path:
    """A datasets folder holding copies of ``tiny`` (as ``tiny`` and ``other``), used by
    ``list_datasets``, ``load_dataset`` and the CLI through ``CRMLAB_DATASETS``."""
    home = tmp_path / "datasets"
    for name in ("tiny", "other"):
        shutil.copytree(crm.datasets.dataset_path("tiny"), home / name)
    monkeypatch.setenv("CRMLAB_DATASETS", str(home))
    return home


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
