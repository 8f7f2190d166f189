"""Every notebook says what it assumes and how long it takes (issue 18, item 4): the
"Before you start" line under its title, rendered from ``assumes`` and ``minutes`` in the
source's notebook.json, in both languages, with links to the notebooks it assumes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crmlab.i18n.courseware import (
    Source,
    built_path,
    prerequisites_markdown,
    read_source,
    render,
    source_folders,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = source_folders(NOTEBOOKS)
LINK = re.compile(r"\]\(([^)]+\.ipynb)\)")
OPENING = {"en": "**Before you start.**", "fa": "**پیش از شروع.**"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_notebook_states_what_it_assumes_and_its_time(path):
    source = read_source(path)
    assert {"assumes", "minutes"} <= set(source.metadata), (
        f"{path.name}/notebook.json needs 'assumes' and 'minutes'")
    assert path.name not in source.metadata["assumes"], "a notebook cannot assume itself"
    for lang in ("en", "fa"):
        built = built_path(source, lang, NOTEBOOKS)
        title = "".join(json.loads(built.read_text(encoding="utf-8"))["cells"][1]["source"])
        line = prerequisites_markdown(source, lang)
        assert line.startswith(OPENING[lang]) and line in title
        # the line sits right under the title and every link opens a built notebook
        heading_end = title.index("\n", title.index("# "))
        assert title[heading_end:].startswith("\n\n" + line)
        for link in LINK.findall(line):
            assert (built.parent / link).is_file(), f"{built.name} ({lang}) links {link}"


def test_numbers_follow_the_language():
    source = read_source(NOTEBOOKS / "src" / "11_what_crm_is")
    assert "about 90 minutes" in prerequisites_markdown(source, "en")
    fa = prerequisites_markdown(source, "fa")
    assert "۹۰ دقیقه" in fa and "](01_evolution_of_crm.ipynb)" in fa and " و [" in fa


def _fake(tmp_path: Path, **metadata) -> Source:
    for name in ("01_a", "02_b"):
        d = tmp_path / name
        d.mkdir(exist_ok=True)
        (d / "cells.py").write_text("# %% md intro\n", encoding="utf-8")
        for lang, title in (("en", "# A title"), ("fa", "# عنوان")):
            (d / f"{lang}.md").write_text(f"<!-- cell: intro -->\n{title}\n\nText.\n",
                                          encoding="utf-8")
    src = read_source(tmp_path / "02_b")
    return Source(src.path, src.cells, src.prose, metadata)


def test_the_line_goes_under_the_title(tmp_path):
    src = _fake(tmp_path, assumes=["01_a", "assume_python_basics"], minutes=45)
    nb = {"cells": [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ""}]}
    text = render(nb, src, "en", {})["cells"][0]["source"]
    assert text == ("# A title\n\n**Before you start.** This notebook assumes [A title]"
                    "(01_a.ipynb) and a few lines of Python (variables, lists, a for loop, "
                    "a function call). It takes about 45 minutes.\n\nText.")
    assert prerequisites_markdown(_fake(tmp_path), "en") is None  # neither entry: no line


@pytest.mark.parametrize("metadata, match", [
    ({"assumes": [], "minutes": 0}, "'minutes' must be a whole number"),
    ({"assumes": [], "minutes": 90.5}, "'minutes' must be a whole number"),
    ({"assumes": [], "minutes": True}, "'minutes' must be a whole number"),
    ({"assumes": "01_a", "minutes": 90}, "'assumes' must be a list"),
    ({"assumes": ["03_missing"], "minutes": 90}, "names '03_missing'"),
])
def test_bad_entries_are_refused_naming_the_file(tmp_path, metadata, match):
    with pytest.raises(ValueError, match=match):
        prerequisites_markdown(_fake(tmp_path, **metadata), "en")
