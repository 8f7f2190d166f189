"""The data files that ship inside the PyPI package ``lifetimes`` (a test dependency).

CDNOW (Fader, Hardie & Lee 2005) and the donation data of Fader, Hardie & Shang (2010)
are read from the installed package, without importing lifetimes.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import pytest


def lifetimes_file(name: str) -> Path:
    """A data file of the installed lifetimes package (skip only if it is not installed)."""
    candidates = []
    spec = importlib.util.find_spec("lifetimes")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "datasets" / name)
    try:
        dist = importlib.metadata.distribution("lifetimes")
        candidates.append(Path(str(dist.locate_file(f"lifetimes/datasets/{name}"))))
    except importlib.metadata.PackageNotFoundError:
        pass
    for path in candidates:
        if path.is_file():
            return path
    pytest.skip(f"lifetimes' {name} not found: install the test extra (lifetimes==0.11.3)")
