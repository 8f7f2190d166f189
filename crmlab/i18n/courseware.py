"""One notebook source, two built notebooks: English in ``notebooks/``, Persian in
``notebooks/fa/``.

A source is a folder ``notebooks/src/NN_name/`` with

* ``cells.py``: every cell in order. Code cells hold their code; markdown cells are
  only named (their text lives in the language files)::

      # %% md intro
      # %% code setup
      import crmlab as crm
      # %% code claim-concentration tags=claim
      assert top_share > 0.5

* ``en.md`` and ``fa.md``: the prose of every markdown cell, each under a marker line
  ``<!-- cell: intro -->``. A translator edits only their language's file, in any
  editor, without touching JSON or code;
* ``notebook.json`` (optional): notebook metadata, e.g. ``{"source_numbers": {...}}``
  (numbers the prose takes from the course's sources, see ``tests/curriculum``),
  ``"folder"`` (built into a subfolder, e.g. the primers), and what the notebook
  assumes and how long it takes: ``"assumes"`` (other sources' names, or message keys
  starting ``assume_``) and ``"minutes"``, rendered as a "Before you start" line under
  the title in each language (:func:`prerequisites_markdown`).

The prose may quote values that the notebook computes: ``{{name}}`` or
``{{name:spec}}`` (a Python format spec such as ``,`` or ``.1%``; ``date``, ``month`` or
``date+g`` for dates). The code records them with :func:`crmlab.i18n.record`, and the
last cell (tagged ``values``) prints them. ``{{glossary: key, key}}`` becomes the
glossary table of the listed terms. The build (``scripts/build_notebooks.py``):

1. :func:`assemble` the notebook of one language: a first cell ``LANG = "fa"``, the
   code cells as they are, the prose with its placeholders (Persian wrapped in
   ``<div dir="rtl" lang="fa">``);
2. executes it (with ``scripts/run_notebooks.py``'s executor) on that language's
   dataset;
3. :func:`render` writes the values the run printed into the prose, in the language's
   digits and calendar.

Every cell of a built notebook keeps its source id, and the notebook's metadata names
its source and language (``crmlab.source``, ``crmlab.language``), so a test can rebuild
the prose from the source and the notebook's own printed values and check that the
committed file is exactly what the build makes (:func:`rebuild_from`).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp()) / "99_demo"
>>> d.mkdir()
>>> _ = (d / "cells.py").write_text("# %% md intro\\n# %% code values tags=values\\n"
...                                 "i18n.show_recorded()\\n")
>>> _ = (d / "en.md").write_text("<!-- cell: intro -->\\nWe have {{n:,}} customers.\\n")
>>> _ = (d / "fa.md").write_text("<!-- cell: intro -->\\n{{n:,}} مشتری داریم.\\n")
>>> src = read_source(d)
>>> nb = assemble(src, "fa")
>>> render(nb, src, "fa", {"n": 5000})["cells"][1]["source"]
'<div dir="rtl" lang="fa">\\n\\n۵٬۰۰۰ مشتری داریم.\\n\\n</div>'
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._catalog import glossary_markdown, lookup
from ._format import LANGUAGES, check_language, format_date, format_number

__all__ = ["LANGUAGE_CELL", "VALUES_TAG", "Source", "SourceCell", "assemble", "built_path",
           "differences", "placeholders", "prerequisites_markdown", "read_source",
           "rebuild_from", "render", "render_text", "source_folders", "strip_placeholders",
           "values_of"]

#: The id of the first cell of every built notebook, which sets ``LANG``.
LANGUAGE_CELL = "language"
#: The tag of the cell whose printed output holds the values the prose quotes.
VALUES_TAG = "values"

_HEADER = re.compile(r"^# %% (md|code) ([A-Za-z0-9_-]{1,64})(?: tags=([A-Za-z0-9_,-]+))?\s*$")
_MARKER = re.compile(r"^<!-- cell: ([A-Za-z0-9_-]{1,64}) -->\s*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_FOLDER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KERNELSPEC = {"display_name": "Python (crmlab)", "language": "python", "name": "crmlab"}


@dataclass(frozen=True)
class SourceCell:
    """One cell of a source: its id, kind (``"md"`` or ``"code"``), tags and code."""

    id: str
    kind: str
    tags: tuple[str, ...] = ()
    code: str = ""


@dataclass
class Source:
    """A notebook source: the cells, the prose per language and the metadata."""

    path: Path
    cells: list[SourceCell]
    prose: dict[str, dict[str, str]]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name


def _parse_cells(path: Path) -> list[SourceCell]:
    cells: list[SourceCell] = []
    head: tuple[str, str, tuple[str, ...]] | None = None
    body: list[str] = []

    def close(lineno: int) -> None:
        if head is None:
            if "".join(body).strip():
                raise ValueError(f"{path}: code before the first '# %% md|code ID' line")
            return
        kind, cid, tags = head
        code = "\n".join(body).strip("\n")
        if kind == "md" and code.strip():
            raise ValueError(f"{path}: markdown cell {cid!r} (before line {lineno}) has "
                             "content; its text belongs in en.md and fa.md")
        cells.append(SourceCell(cid, kind, tags, code if kind == "code" else ""))

    lines = path.read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines, start=1):
        if line.startswith("# %%"):
            match = _HEADER.match(line)
            if not match:
                raise ValueError(f"{path} line {lineno}: a cell header is '# %% md ID' or "
                                 f"'# %% code ID [tags=a,b]'; got {line!r}")
            close(lineno)
            kind, cid, tags = match.groups()
            head = (kind, cid, tuple(tags.split(",")) if tags else ())
            body = []
        else:
            body.append(line)
    close(len(lines) + 1)
    ids = [c.id for c in cells]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"{path}: cell ids must be unique; repeated: {repeated}")
    if LANGUAGE_CELL in ids:
        raise ValueError(f"{path}: the id {LANGUAGE_CELL!r} is the build's own first cell")
    return cells


def _parse_prose(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _MARKER.match(line)
        if match:
            if current is not None:
                out[current] = "\n".join(body).strip("\n")
            current = match.group(1)
            if current in out:
                raise ValueError(f"{path} line {lineno}: cell {current!r} appears twice")
            body = []
        elif current is None:
            if line.strip():
                raise ValueError(f"{path} line {lineno}: text before the first "
                                 "'<!-- cell: ID -->' marker")
        else:
            body.append(line)
    if current is not None:
        out[current] = "\n".join(body).strip("\n")
    return out


def read_source(path: str | Path) -> Source:
    """Read and check a notebook source folder.

    Raises
    ------
    ValueError
        Naming the file and line: a malformed header or marker, a repeated id, a
        markdown cell without prose in some language (or prose for a cell that does not
        exist), an empty prose cell.
    """
    path = Path(path)
    if not (path / "cells.py").is_file():
        raise FileNotFoundError(f"{path} is not a notebook source: it has no cells.py")
    cells = _parse_cells(path / "cells.py")
    md = [c.id for c in cells if c.kind == "md"]
    prose = {}
    for lang in LANGUAGES:
        file = path / f"{lang}.md"
        if not file.is_file():
            raise FileNotFoundError(f"{path}: the prose of language {lang!r} ({file.name}) "
                                    "is missing")
        text = _parse_prose(file)
        missing = [i for i in md if i not in text]
        extra = [i for i in text if i not in md]
        empty = [i for i in md if i in text and not text[i].strip()]
        if missing or extra or empty:
            raise ValueError(f"{file}: its cells must be exactly the markdown cells of "
                             f"cells.py; missing {missing}, not in cells.py {extra}, "
                             f"empty {empty}")
        prose[lang] = text
    meta_file = path / "notebook.json"
    metadata = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    return Source(path, cells, prose, metadata)


def source_folders(notebooks: str | Path) -> list[Path]:
    """Every notebook source under ``notebooks/src`` (a folder with a ``cells.py``), by name.

    Examples
    --------
    >>> source_folders("/nonexistent")
    []
    """
    src = Path(notebooks) / "src"
    return sorted(p for p in src.iterdir() if (p / "cells.py").is_file()) if src.is_dir() else []


def built_path(source: Source, lang: str, notebooks: str | Path) -> Path:
    """Where the built notebook of ``lang`` goes.

    ``notebooks/NN_name.ipynb`` in English and ``notebooks/fa/NN_name.ipynb`` in Persian;
    a source whose ``notebook.json`` names a ``"folder"`` (one plain folder name, e.g.
    ``"primers"``) goes to ``notebooks/<folder>/`` and ``notebooks/fa/<folder>/``.

    Raises
    ------
    ValueError
        If ``"folder"`` is not one plain folder name (letters, digits, ``_``, ``-``).

    Examples
    --------
    >>> src = Source(Path("notebooks/src/01_primer_sql"), [], {}, {"folder": "primers"})
    >>> built_path(src, "fa", "notebooks").as_posix()
    'notebooks/fa/primers/01_primer_sql.ipynb'
    >>> built_path(Source(Path("x/11_a"), [], {}), "en", "notebooks").as_posix()
    'notebooks/11_a.ipynb'
    """
    check_language(lang)
    root = Path(notebooks)
    base = root if lang == "en" else root / lang
    folder = source.metadata.get("folder")
    if folder is not None:
        if not isinstance(folder, str) or not _FOLDER.fullmatch(folder) or folder in LANGUAGES:
            raise ValueError(f"{source.path}/notebook.json: \"folder\" must be one plain "
                             f"folder name (letters, digits, _ or -, not a language); "
                             f"got {folder!r}")
        base = base / folder
    return base / f"{source.name}.ipynb"


def _cell_metadata(cell: SourceCell) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if cell.tags:
        meta["tags"] = list(cell.tags)
    if "claim" in cell.tags or VALUES_TAG in cell.tags:
        meta["jupyter"] = {"source_hidden": True}
    if VALUES_TAG in cell.tags:
        meta["jupyter"]["outputs_hidden"] = True
    return meta


def _wrap(text: str, lang: str) -> str:
    return f'<div dir="rtl" lang="{lang}">\n\n{text}\n\n</div>' if lang == "fa" else text


def assemble(source: Source, lang: str) -> dict[str, Any]:
    """The notebook of one language with the prose's placeholders not yet filled in.

    The first cell sets ``LANG``; every other cell keeps its source id.
    """
    check_language(lang)
    cells: list[dict[str, Any]] = [{
        "cell_type": "code", "execution_count": None, "id": LANGUAGE_CELL,
        "metadata": {"tags": ["language"]}, "outputs": [],
        "source": f'LANG = "{lang}"  # this notebook\'s language: notebooks/ is English, '
                  'notebooks/fa/ Persian',
    }]
    for cell in source.cells:
        if cell.kind == "md":
            cells.append({"cell_type": "markdown", "id": cell.id, "metadata": {},
                          "source": _wrap(source.prose[lang][cell.id], lang)})
        else:
            cells.append({"cell_type": "code", "execution_count": None, "id": cell.id,
                          "metadata": _cell_metadata(cell), "outputs": [],
                          "source": cell.code})
    rel = source.path.as_posix()
    marker = "notebooks/src/"
    rel = rel[rel.index(marker):] if marker in rel else rel
    metadata = {"kernelspec": dict(_KERNELSPEC),
                "crmlab": {"source": rel, "language": lang, **source.metadata}}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def placeholders(text: str) -> list[str]:
    """The placeholders of a text, as written between the braces.

    Examples
    --------
    >>> placeholders("{{n:,}} customers, {{share:.1%}} of revenue")
    ['n:,', 'share:.1%']
    """
    return [m.group(1) for m in _PLACEHOLDER.finditer(text)]


def strip_placeholders(text: str) -> str:
    """The text without its placeholders (what the claims check reads as prose).

    Examples
    --------
    >>> strip_placeholders("{{n:,}} customers in 3 years")
    '   customers in 3 years'
    """
    return _PLACEHOLDER.sub("  ", text)


def _render_one(inner: str, values: dict[str, Any], lang: str) -> str:
    if inner.startswith("glossary:"):
        keys = [k.strip() for k in inner[len("glossary:"):].split(",") if k.strip()]
        return glossary_markdown(keys, lang)
    name, _, spec = inner.partition(":")
    name, spec = name.strip(), spec.strip()
    if name not in values:
        raise KeyError(f"the prose quotes {{{{{name}}}}} but the notebook recorded no value "
                       f"{name!r}; recorded: {sorted(values)}")
    value = values[name]
    if spec in ("date", "month", "date+g"):
        style = {"date": "long", "month": "month", "date+g": "both"}[spec]
        return format_date(value, lang, style=style)
    if isinstance(value, str):
        if spec:
            raise ValueError(f"{{{{{inner}}}}}: {name!r} is text ({value!r}); only numbers "
                             "take a format spec")
        return value
    if isinstance(value, bool):
        raise TypeError(f"{{{{{inner}}}}}: {name!r} is True/False; quote a number or text")
    return format_number(value, spec, lang)


def render_text(text: str, values: dict[str, Any], lang: str) -> str:
    """Fill in the placeholders of a prose text.

    Examples
    --------
    >>> render_text("{{share:.1%}} of revenue", {"share": 0.5123}, "fa")
    '۵۱٫۲٪ of revenue'
    """
    check_language(lang)
    return _PLACEHOLDER.sub(lambda m: _render_one(m.group(1), values, lang), text)


#: The prefix of a message key that ``"assumes"`` may name instead of a source.
ASSUME_PREFIX = "assume_"


def _title(path: Path, lang: str) -> str:
    """A source's title in ``lang``: the first heading of its first prose cell."""
    first = next(iter(_parse_prose(path / f"{lang}.md").values()))
    for line in first.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise ValueError(f"{path / f'{lang}.md'}: its first cell has no '# ' title line")


def prerequisites_markdown(source: Source, lang: str) -> str | None:
    """The "Before you start" line of a source, from ``assumes`` and ``minutes`` in its
    ``notebook.json``; None if it has neither.

    Each entry of ``assumes`` is another source's folder name (a link to that notebook,
    titled in ``lang``, relative to where this one is built) or a message key starting
    ``assume_`` (plain text such as "a few lines of Python").

    Raises
    ------
    ValueError
        If ``minutes`` is not a whole number from 5 to 600, or an entry names no source
        and no message.
    """
    meta = source.metadata
    if "assumes" not in meta and "minutes" not in meta:
        return None
    minutes = meta.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 600:
        raise ValueError(f"{source.path / 'notebook.json'}: 'minutes' must be a whole number "
                         f"of minutes from 5 to 600; got {minutes!r}")
    assumes = meta.get("assumes", [])
    if not isinstance(assumes, list) or not all(isinstance(a, str) for a in assumes):
        raise ValueError(f"{source.path / 'notebook.json'}: 'assumes' must be a list of "
                         f"source names or {ASSUME_PREFIX}* message keys; got {assumes!r}")
    here = built_path(source, lang, Path("notebooks")).parent
    parts = []
    for entry in assumes:
        if entry.startswith(ASSUME_PREFIX):
            parts.append(lookup(entry, lang))
            continue
        other = source.path.parent / entry
        if not (other / "cells.py").is_file():
            raise ValueError(f"{source.path / 'notebook.json'}: 'assumes' names {entry!r}, "
                             f"which is neither a source in {source.path.parent} nor a "
                             f"{ASSUME_PREFIX}* message")
        target = built_path(read_source(other), lang, Path("notebooks"))
        link = Path(os.path.relpath(target, here)).as_posix()
        parts.append(f"[{_title(other, lang)}]({link})")
    comma, last = ("، ", " و ") if lang == "fa" else (", ", " and ")
    assumed = (comma.join(parts[:-1]) + last + parts[-1] if len(parts) > 1
               else parts[0] if parts else lookup("prereq_nothing", lang))
    return lookup("prereq_line", lang).format(
        assumes=assumed, minutes=format_number(minutes, "d", lang))


def _with_prerequisites(text: str, line: str | None) -> str:
    """``text`` with ``line`` as a paragraph under its first ``# `` heading."""
    if line is None:
        return text
    lines = text.split("\n")
    at = next((i for i, ln in enumerate(lines) if ln.startswith("# ")), None)
    if at is None:
        raise ValueError("a notebook with 'assumes'/'minutes' needs a '# ' title in its "
                         "first prose cell")
    return "\n".join([*lines[:at + 1], "", line, *lines[at + 1:]])


def render(notebook: dict[str, Any], source: Source, lang: str,
           values: dict[str, Any]) -> dict[str, Any]:
    """The notebook with every markdown cell's placeholders filled in from ``values``.

    Markdown cells are taken from the source (so a notebook can be rendered again with
    new values); code cells and outputs are left as they are. The first markdown cell
    gets the "Before you start" line (:func:`prerequisites_markdown`) under its title.
    """
    check_language(lang)
    out = copy.deepcopy(notebook)
    first_md = next((c.id for c in source.cells if c.kind == "md"), None)
    before = prerequisites_markdown(source, lang)
    for cell in out["cells"]:
        if cell["cell_type"] == "markdown":
            text = render_text(source.prose[lang][cell["id"]], values, lang)
            if cell["id"] == first_md:
                text = _with_prerequisites(text, before)
            cell["source"] = _wrap(text, lang)
    return out


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def values_of(notebook: dict[str, Any]) -> dict[str, Any]:
    """The values an executed notebook printed in its ``values`` cell ({} if it has none).

    Raises
    ------
    ValueError
        If the cell exists but its output is not the JSON that
        :func:`crmlab.i18n.show_recorded` prints (e.g. the notebook was not executed).
    """
    cells = [c for c in notebook["cells"] if VALUES_TAG in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    if len(cells) > 1:
        raise ValueError(f"a notebook has one cell tagged {VALUES_TAG!r}; found {len(cells)}")
    text = "".join(_text(o.get("text", "")) for o in cells[0].get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    try:
        values = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"the {VALUES_TAG!r} cell has no JSON output ({err}); execute the "
                         "notebook with scripts/build_notebooks.py") from None
    if not isinstance(values, dict):
        raise ValueError(f"the {VALUES_TAG!r} cell printed {type(values).__name__}, not an "
                         "object of named values")
    return values


def rebuild_from(notebook: dict[str, Any], source: Source, lang: str) -> dict[str, Any]:
    """What the build makes of ``source`` with the values ``notebook`` printed, without
    outputs: equal to ``notebook`` stripped of its outputs if the notebook is up to date.
    """
    return render(assemble(source, lang), source, lang, values_of(notebook))


#: Cell metadata that execution adds and that says nothing about the lesson.
_VOLATILE = ("execution", "ExecuteTime")


def _cell_view(cell: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in _VOLATILE}
    return {"id": cell.get("id"), "cell_type": cell["cell_type"], "metadata": meta,
            "source": _text(cell["source"])}


def differences(notebook: dict[str, Any], source: Source, lang: str) -> list[str]:
    """How a committed notebook differs from what the build makes of its source.

    Compares every cell's id, type, metadata and text (code and the prose rendered with
    the values the notebook itself printed), and the notebook's ``kernelspec`` and
    ``crmlab`` metadata. Outputs are strict nbval's business, not this function's.

    Returns
    -------
    list of str
        One line per difference (empty when the notebook is what the build makes).
    """
    try:
        expected = rebuild_from(notebook, source, lang)
    except (KeyError, ValueError) as err:
        return [f"cannot rebuild from the source: {err}"]
    out = []
    for key in ("kernelspec", "crmlab"):
        if notebook.get("metadata", {}).get(key) != expected["metadata"][key]:
            out.append(f"notebook metadata {key!r} differs from the build's")
    got = [_cell_view(c) for c in notebook["cells"]]
    want = [_cell_view(c) for c in expected["cells"]]
    if [c["id"] for c in got] != [c["id"] for c in want]:
        out.append(f"cells {[c['id'] for c in got]} differ from the source's "
                   f"{[c['id'] for c in want]}")
        return out
    for g, e in zip(got, want, strict=True):
        for part in ("cell_type", "metadata", "source"):
            if g[part] != e[part]:
                out.append(f"cell {g['id']!r}: its {part} differs from the build's")
    return out
