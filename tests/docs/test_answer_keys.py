"""The instructor's answer keys to the notebooks' "Try it" tasks run, and cover every task.

Each key, ``docs/instructor/answers/<notebook>.md``, answers the tasks of one notebook in
English (one ``### Task N`` heading per task, with the code that finds the answer) and
in Persian (one ``### تمرین N`` heading per task, inside ``<div dir="rtl">``). Its
```` ```python ```` blocks run in order in one namespace, first on the English course's
``classroom`` dataset and then, with its one ``crm.load_dataset("classroom")`` call
changed, on the Persian course's ``classroom_fa``: a key that raises on either fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KEYS = ROOT / "docs" / "instructor" / "answers"
LOAD = 'crm.load_dataset("classroom")'
PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(
    (NOTEBOOKS / "primers").glob("[0-9][0-9]_*.ipynb"))


def try_it_tasks(notebook: Path) -> int:
    """The number of tasks in the notebook's "Try it" section (its numbered list)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    sections = re.split(r"^## Try it[^\n]*\n", text, flags=re.M)
    assert len(sections) == 2, f"{notebook.name}: expected one '## Try it' section"
    body = re.split(r"^#{1,2} ", sections[1], flags=re.M)[0]
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", body, flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1)), (notebook.name, numbers)
    return len(numbers)


def key_path(notebook: Path) -> Path:
    return KEYS / f"{notebook.stem}.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)


def english_and_persian(text: str) -> tuple[str, str]:
    """The key's English part and its right-to-left Persian part."""
    start = text.find('<div dir="rtl">')
    assert start > 0, 'no Persian section (<div dir="rtl">)'
    return text[:start], text[start:]


def test_the_task_count_is_read_from_the_notebooks():
    counts = {p.stem: try_it_tasks(p) for p in NOTEBOOK_PATHS}
    assert len(counts) == 16, sorted(counts)
    assert all(n >= 1 for n in counts.values()), counts


@pytest.mark.parametrize("notebook", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_every_notebook_has_a_key_with_an_entry_per_task(notebook):
    path = key_path(notebook)
    assert path.is_file(), f"no answer key {path.relative_to(ROOT)} for {notebook.name}"
    english, persian = english_and_persian(path.read_text(encoding="utf-8"))
    n = try_it_tasks(notebook)
    tasks = [int(x) for x in re.findall(r"^### Task (\d+)\b", english, flags=re.M)]
    assert tasks == list(range(1, n + 1)), (
        f"{path.name}: English entries {tasks}, but {notebook.name} has {n} tasks")
    persian_tasks = [int(x.translate(PERSIAN_DIGITS))
                     for x in re.findall(r"^### تمرین ([۰-۹0-9]+)", persian, flags=re.M)]
    assert persian_tasks == list(range(1, n + 1)), (
        f"{path.name}: Persian entries {persian_tasks}, but {notebook.name} has {n} tasks")
    assert "ي" not in persian and "ك" not in persian, "Arabic yeh or kaf in the Persian part"
    assert not python_blocks(persian), "code belongs in the English part, once"
    assert english.count(LOAD) == 1, f"{path.name} must load the dataset once with {LOAD}"


def test_the_guide_links_every_key_in_both_languages():
    for guide in ("README.md", "fa.md"):
        text = (ROOT / "docs" / "instructor" / guide).read_text(encoding="utf-8")
        for notebook in NOTEBOOK_PATHS:
            assert f"(answers/{notebook.stem}.md)" in text, (guide, notebook.stem)


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["classroom", "classroom_fa"])
@pytest.mark.parametrize("notebook", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_the_key_runs(notebook, dataset, monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)  # a key that writes files writes them here
    text = key_path(notebook).read_text(encoding="utf-8")
    blocks = python_blocks(english_and_persian(text)[0])
    assert blocks, f"{notebook.stem}: no python block"
    namespace: dict = {"__name__": f"answer_key_{notebook.stem}"}
    for i, block in enumerate(blocks, 1):
        code = block.replace(LOAD, f'crm.load_dataset("{dataset}")')
        try:
            exec(compile(code, f"{notebook.stem}.md, block {i}", "exec"), namespace)
        except Exception as error:  # name the block that failed
            pytest.fail(f"{notebook.stem}.md block {i} raised on {dataset}: {error!r}\n{block}")
        finally:
            plt.close("all")
