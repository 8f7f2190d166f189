"""Shared helpers for the exercise tests: a course with a fixed secret."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

SECRET = "5e" * 32  # fixed so the scores of the simulated students are exact
ROSTER = ["perfect", "partial", "copier"]


def tree_hashes(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under root, except top-level entries named in ``skip``."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in skip or not path.is_file():
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def make_course(tmp_path):
    from crmlab.exercises.course import init_course

    def make(students=ROSTER, assignments=("rfm_concentration",), name="course"):
        return init_course(tmp_path / name, students=list(students),
                           assignments=list(assignments), secret=SECRET)

    return make
