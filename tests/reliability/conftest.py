"""Fixtures of the reliability tests: copies of a shipped dataset to damage (helpers are
in :mod:`reliability_helpers`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import crmlab as crm


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
