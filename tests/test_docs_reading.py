"""The reading list: every notebook links to it, and every link lands on an entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
READING = REPO / "docs" / "reading.md"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _anchors() -> set[str]:
    return set(re.findall(r'<a id="([^"]+)"></a>', READING.read_text(encoding="utf-8")))


def test_the_five_source_articles_are_listed():
    assert {f"article-00{i}" for i in range(5)} <= _anchors()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_links_to_existing_reading_entries(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    links = re.findall(r"\]\(\.\./docs/reading\.md(?:#([^)]+))?\)", text)
    assert links, f"{path.name} does not link to the reading list"
    missing = [a for a in links if a and a not in _anchors()]
    assert not missing, missing
