"""Read a notebook's prose claims and its ``claim`` cells (used by the curriculum tests).

The curriculum's rule: every number a notebook states in its prose is computed in the
notebook and asserted in a code cell tagged ``claim``, so strict nbval fails the day the
data stop supporting the sentence. This module finds the numbers of the prose and the
numbers the claim cells assert, so a test can check that the first are covered by the
second.

What counts as a stated number
------------------------------
Digits in markdown cells, after removing what is not prose: code spans and blocks,
HTML tags, link targets, the numbering of headings and list items, and cross references
such as "notebook 05" or "seed 42" (see :data:`REFERENCE_WORDS`), and a notebook's
working time ("about 45 minutes"). A number the prose
takes from the course's sources rather than from the data (a year from an article, the
six principles of article 002) is listed in the notebook's metadata
``crmlab.source_numbers`` with the source it comes from; nothing else is exempt.

Notebooks built from a bilingual source
---------------------------------------
A notebook built by ``scripts/build_notebooks.py`` (its metadata names its
``crmlab.source``) quotes computed values through placeholders, ``{{name:spec}}``, which
the build fills in from the output of the notebook's ``values`` cell. Those numbers are
checked exactly, not by a claim cell: strict nbval compares the ``values`` cell's output
with a fresh run, and ``tests/curriculum/test_bilingual.py`` checks that the prose is
exactly the source rendered with that output. So for such a notebook the prose read here
is the source's, with its placeholders removed: every number written into the source by
hand still needs a claim cell.

When a claim cell covers a number
---------------------------------
When the same value appears as a numeric literal in a ``claim`` cell: ``34.2%`` is
covered by ``34.2`` or ``0.342``; ``1,500`` by ``1500`` or ``1_500``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["REFERENCE_WORDS", "NotebookClaims", "read_claims"]

ROOT = Path(__file__).resolve().parents[2]

#: Words after which a number refers to something rather than stating a result.
REFERENCE_WORDS = (
    "notebook", "notebooks", "nb", "cell", "cells", "section", "step", "task", "seed",
    "seeds", "version", "article", "articles", "question", "exercise", "figure", "table",
    "chapter", "part", "level", "levels", "week", "session", "principle", "python",
    "primer",
    # the same words in the Persian notebooks (notebooks/fa/)
    "دفترچه", "دفترچه‌های", "مقاله", "مقاله‌های", "بخش", "گام", "تمرین", "پرسش", "شکل",
    "جدول", "فصل", "اصل", "نسخه", "سطح",
)
#: A notebook's stated working time ("about 45 minutes") plans a session; it is not a
#: result of the data.
_DURATION = re.compile(r"\b\d+\s+(?:minutes|دقیقه)")
_WORD_BEFORE = re.compile(r"(\w+)\W{0,3}$")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%?)")
#: Persian and Arabic digits, and the Persian thousands separator, decimal separator and
#: percent sign («٬», «٫», «٪»), as the Latin ones the number pattern reads
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩\u066c\u066b\u066a",
                        "01234567890123456789,.%")


@dataclass
class NotebookClaims:
    """The prose numbers of one notebook and what its claim cells assert."""

    path: Path
    #: (cell index, number as written, value) for every number the prose states
    stated: list[tuple[int, str, float]] = field(default_factory=list)
    #: numbers the notebook's metadata declares as taken from its sources
    source_numbers: set[str] = field(default_factory=set)
    #: indices of the cells tagged ``claim`` and the numeric literals they contain
    claim_cells: list[int] = field(default_factory=list)
    asserted: set[float] = field(default_factory=set)
    #: claim cells that assert nothing
    empty_claims: list[int] = field(default_factory=list)

    def uncovered(self) -> list[tuple[int, str]]:
        """Numbers the prose states that no claim cell asserts (cell index, as written)."""
        out = []
        for cell, text, value in self.stated:
            if text in self.source_numbers:
                continue
            candidates = {value}
            if text.endswith("%"):
                candidates.add(value / 100.0)
            if not any(_close(c, a) for c in candidates for a in self.asserted):
                out.append((cell, text))
        return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _prose(source: str) -> str:
    """The prose of a markdown cell: no code, no HTML tags, no link targets, no numbering."""
    text = re.sub(r"```.*?```", " ", source, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"\$[^$]*\$", " ", text)  # formulas state no data
    text = _DURATION.sub(" ", text.translate(_DIGITS))
    lines = []
    for line in text.splitlines():
        line = re.sub(r"^\s{0,3}#+\s*[\d.]*\s*", "", line)  # heading and its number
        line = re.sub(r"^\s*(?:\d+[.)]|[-*+])\s+", "", line)  # list item marker
        lines.append(line)
    return "\n".join(lines).translate(_DIGITS)


def _stated_numbers(prose: str) -> list[tuple[str, float]]:
    out = []
    for m in _NUMBER.finditer(prose):
        before = _WORD_BEFORE.search(prose[:m.start()])
        if before and before.group(1).lower() in REFERENCE_WORDS:
            continue
        whole, frac, pct = m.groups()
        text = whole + (frac or "") + pct
        out.append((text, float(whole.replace(",", "") + (frac or ""))))
    return out


def _literals(source: str) -> set[float]:
    values = set()
    for m in re.finditer(r"(?<![\w.])(\d[\d_]*)(\.\d+)?(?:[eE]([-+]?\d+))?", source):
        whole, frac, exp = m.groups()
        values.add(float(whole.replace("_", "") + (frac or "") + (f"e{exp}" if exp else "")))
    return values


def _written_prose(meta: dict) -> dict[str, str] | None:
    """The prose of a built notebook's source by cell id, placeholders removed (None for
    a notebook that has no source in notebooks/src)."""
    if "source" not in meta:
        return None
    from crmlab.i18n.courseware import read_source, strip_placeholders

    source = read_source(ROOT / meta["source"])
    return {cid: strip_placeholders(text)
            for cid, text in source.prose[meta["language"]].items()}


def read_claims(path: str | Path) -> NotebookClaims:
    """The stated numbers and the claim cells of a notebook.

    Examples
    --------
    >>> import json, tempfile
    >>> nb = {"cells": [
    ...     {"cell_type": "markdown", "metadata": {}, "source": "Churn is 34.2% here."},
    ...     {"cell_type": "code", "metadata": {"tags": ["claim"]},
    ...      "source": "assert round(rate, 3) == 0.342"}], "metadata": {}}
    >>> with tempfile.NamedTemporaryFile("w", suffix=".ipynb", delete=False) as f:
    ...     json.dump(nb, f)
    >>> read_claims(f.name).uncovered()
    []
    """
    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("crmlab", {})
    out = NotebookClaims(path=path, source_numbers={str(k) for k in meta.get("source_numbers", {})})
    written = _written_prose(meta)
    for i, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            if written is not None:
                if cell.get("id") not in written:
                    raise ValueError(f"{path.name} cell {i}: markdown cell {cell.get('id')!r} "
                                     f"is not in its source {meta['source']}; rebuild it")
                source = written[cell["id"]]
            out.stated += [(i, text, value) for text, value in _stated_numbers(_prose(source))]
        elif "claim" in cell.get("metadata", {}).get("tags", []):
            out.claim_cells.append(i)
            if "assert" not in source:
                out.empty_claims.append(i)
            out.asserted |= _literals(source)
    return out
