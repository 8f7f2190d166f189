"""scripts/run_notebooks.py: executing a notebook twice gives the same bytes, widgets
included (their random model ids are renumbered in the order they were made)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from run_notebooks import WIDGET_STATE, execute, stable_widget_ids  # noqa: E402

pytestmark = pytest.mark.slow


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as w\nw.IntSlider(3)", id="a"),
                nbformat.v4.new_code_cell("w.VBox([w.Button(description='go'), w.HTML('x')])",
                                          id="b")]
    return nb


def test_the_same_notebook_runs_to_the_same_bytes(tmp_path):
    first = execute(_notebook(), cwd=tmp_path, timeout=120)
    second = execute(_notebook(), cwd=tmp_path, timeout=120)
    assert nbformat.writes(first) == nbformat.writes(second)
    state = first.metadata["widgets"][WIDGET_STATE]["state"]
    shown = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for c in first.cells for o in c.outputs]
    assert len(shown) == 2 and all(m in state for m in shown)  # references still resolve
    vbox = state[shown[1]]["state"]["children"]
    assert all(ref.removeprefix("IPY_MODEL_") in state for ref in vbox)


def test_renumbering_touches_only_model_ids():
    nb = nbformat.v4.new_notebook()
    old = "0123456789abcdef0123456789abcdef"
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": {old: {"state": {"x": 1}}}}}
    nb.cells = [nbformat.v4.new_markdown_cell(f"{old} and IPY_MODEL_{old}")]
    out = stable_widget_ids(nb)
    new = next(iter(out.metadata["widgets"][WIDGET_STATE]["state"]))
    assert new != old and out.cells[0].source == f"{new} and IPY_MODEL_{new}"
    assert json.dumps(stable_widget_ids(nbformat.v4.new_notebook())) == json.dumps(
        nbformat.v4.new_notebook())
