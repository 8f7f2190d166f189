"""Lessons are claims, and claims are tests: every number a notebook's prose states is
asserted by one of its ``claim`` cells (see :mod:`claims`), which strict nbval runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .claims import read_claims

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(ROOT.glob("notebooks/**/[0-9][0-9]_*.ipynb"))
#: Notebooks whose claims are still being written (the lessons issue). Each is expected to
#: fail the claim checks; remove it from here when its claim cells are in (a listed
#: notebook that passes fails the suite, so the list cannot go stale).
PENDING: set[str] = set()


def _params(paths: list[Path]) -> list:
    """The notebooks as test parameters; pending ones must fail (strict xfail)."""
    return [pytest.param(p, id=str(p.relative_to(ROOT)), marks=pytest.mark.xfail(
        strict=True, reason="claims not written yet")) if p.stem in PENDING
        else pytest.param(p, id=str(p.relative_to(ROOT))) for p in paths]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 11


@pytest.mark.parametrize("path", _params(NOTEBOOKS))
def test_every_stated_number_is_asserted(path):
    claims = read_claims(path)
    missing = claims.uncovered()
    assert not missing, (
        f"{path.name}: numbers stated in the prose that no 'claim' cell asserts "
        f"(cell index, number): {missing}")
    assert not claims.empty_claims, f"{path.name}: claim cells without an assert: " \
        f"{claims.empty_claims}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_claim_cells_are_collapsed_for_students(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if "claim" in cell.get("metadata", {}).get("tags", []):
            assert cell["cell_type"] == "code", f"{path.name} cell {i}: a claim is code"
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, (
                f"{path.name} cell {i}: a claim cell's source should be collapsed "
                "(metadata jupyter.source_hidden = true)")


@pytest.mark.parametrize("path", _params(NOTEBOOKS))
def test_a_notebook_that_states_numbers_has_claims(path):
    claims = read_claims(path)
    stated = [s for s in claims.stated if s[1] not in claims.source_numbers]
    if stated:
        assert claims.claim_cells, f"{path.name} states {len(stated)} numbers and has no " \
            "claim cell"
