"""Execute notebooks in place, as strict nbval will check them, without volatile metadata.

    .venv/bin/python scripts/run_notebooks.py notebooks/03_*.ipynb [...]

Each notebook runs top to bottom in the ``crmlab`` kernel from its own folder (as
JupyterLab and nbval run it), with its widget state saved (so a static viewer shows the
explorers). The execution timestamps that Jupyter records in every cell's metadata are
removed: they change on every run, say nothing about the lesson, and make every
re-execution a merge conflict. Widget model ids, which ipywidgets draws at random, are
renumbered in the order the widgets were made, so the same code gives the same bytes.
Outputs are what the code prints; the notebooks' own code keeps them deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

#: Cell metadata keys that record when a cell ran, not what it does.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")


def strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Remove run timestamps from every cell's metadata (in place)."""
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_MODEL_ID = re.compile(r"[0-9a-f]{32}")


def stable_widget_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace every widget model id (random hex from ipywidgets) by one derived from the
    order in which the widgets were made; returns the renumbered notebook."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    ids = [key for key in state if _MODEL_ID.fullmatch(key)]
    if not ids:
        return nb
    stable = {old: hashlib.sha256(f"crmlab-widget-{i}".encode()).hexdigest()[:32]
              for i, old in enumerate(ids)}
    text = re.sub("|".join(ids), lambda m: stable[m.group(0)], json.dumps(nb))
    return nbformat.from_dict(json.loads(text))


def execute(nb: nbformat.NotebookNode, *, cwd: Path, timeout: int = 600,
            kernel: str = "crmlab") -> nbformat.NotebookNode:
    """Execute ``nb`` (in place, and return it) in the ``kernel`` started in ``cwd``,
    saving widget state and stripping the volatile metadata."""
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(cwd)}},
                            store_widget_state=True)
    client.execute()
    strip_volatile(nb)
    renumbered = stable_widget_ids(nb)
    nb.metadata, nb.cells = renumbered.metadata, renumbered.cells
    return nb


def run(path: Path, *, timeout: int = 600, kernel: str = "crmlab") -> None:
    """Execute ``path`` in place and strip its volatile metadata."""
    nb = nbformat.read(path, as_version=4)
    execute(nb, cwd=path.parent, timeout=timeout, kernel=kernel)
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--strip-only", action="store_true",
                        help="only remove the volatile metadata, do not execute")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if args.strip_only:
            nb = nbformat.read(path, as_version=4)
            strip_volatile(nb)
            nbformat.write(nb, path)
        else:
            print(f"run_notebooks: executing {path}", file=sys.stderr, flush=True)
            run(path, timeout=args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
