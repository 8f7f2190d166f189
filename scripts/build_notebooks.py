"""Build the bilingual notebooks from their sources: English in notebooks/, Persian in
notebooks/fa/.

    .venv/bin/python scripts/build_notebooks.py                 # every source, both languages
    .venv/bin/python scripts/build_notebooks.py 11_what_crm_is --lang fa
    .venv/bin/python scripts/build_notebooks.py --check         # committed == a fresh build?
    .venv/bin/python scripts/build_notebooks.py --prose-only    # only the prose changed

A source is a folder ``notebooks/src/NN_name/`` (``cells.py``, ``en.md``, ``fa.md``; see
``docs/curriculum.md`` and :mod:`crmlab.i18n.courseware`). For each language the build
assembles the notebook (its first cell sets ``LANG``), executes it with
``scripts/run_notebooks.py``'s executor on that language's dataset (widget state saved,
run timestamps stripped), then writes the values the run printed into the prose in the
language's digits and calendar. Everything runs offline and the output is the same
bytes for the same data: commit it, and strict nbval checks it from then on.

``--check`` executes nothing: it rebuilds each committed notebook's cells from the source
and the values the notebook printed, and lists every difference (exit 1 if any), the
same check as ``tests/curriculum/test_bilingual.py``.

``--prose-only`` executes nothing either: when only the prose (``en.md``, ``fa.md``,
``notebook.json``'s "Before you start" entries, a message it quotes) changed, it renders
the markdown cells again with the values the committed notebook printed and keeps every
output. It refuses a notebook whose code cells differ from the source's: those need a
full build.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from run_notebooks import execute  # noqa: E402

from crmlab.i18n import LANGUAGES  # noqa: E402
from crmlab.i18n.courseware import (  # noqa: E402
    assemble,
    built_path,
    differences,
    read_source,
    rebuild_from,
    render,
    source_folders,
    values_of,
)

NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"


def sources(names: list[str]) -> list[Path]:
    """The source folders named (all of them if none is)."""
    every = source_folders(NOTEBOOKS)
    if not names:
        return every
    by_name = {p.name: p for p in every}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"build_notebooks: no source named {unknown} in {SOURCES}; "
                         f"available: {sorted(by_name)}")
    return [by_name[n] for n in names]


def build(path: Path, lang: str, *, timeout: int) -> Path:
    """Assemble, execute and render one notebook; returns where it was written."""
    source = read_source(path)
    out = built_path(source, lang, NOTEBOOKS)
    out.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.from_dict(assemble(source, lang))
    execute(nb, cwd=out.parent, timeout=timeout)
    values = values_of(nb)
    nb = nbformat.from_dict(render(nb, source, lang, values))
    nbformat.validate(nb)
    nbformat.write(nb, out)
    return out


def render_prose(path: Path, lang: str) -> Path:
    """Render the markdown cells of a committed notebook again from its source, keeping
    its outputs; refuses if a code cell changed (that needs :func:`build`)."""
    source = read_source(path)
    out = built_path(source, lang, NOTEBOOKS)
    if not out.is_file():
        raise SystemExit(f"build_notebooks: {out.relative_to(ROOT)} is missing: build it "
                         "without --prose-only first")
    nb = nbformat.read(out, as_version=4)
    expected = rebuild_from(nb, source, lang)
    code = [(c["id"], c["cell_type"], "".join(c["source"]) if c["cell_type"] == "code" else "")
            for c in nb.cells]
    want = [(c["id"], c["cell_type"], c["source"] if c["cell_type"] == "code" else "")
            for c in expected["cells"]]
    if code != want:
        raise SystemExit(f"build_notebooks: {out.relative_to(ROOT)}: its cells or code differ "
                         "from the source's; run a full build (without --prose-only)")
    for cell, new in zip(nb.cells, expected["cells"], strict=True):
        if cell.cell_type == "markdown":
            cell.source = new["source"]
    nb.metadata["crmlab"] = expected["metadata"]["crmlab"]  # notebook.json's entries
    nbformat.validate(nb)
    nbformat.write(nb, out)
    return out


def check(path: Path, lang: str) -> list[str]:
    source = read_source(path)
    out = built_path(source, lang, NOTEBOOKS)
    if not out.is_file():
        return [f"{out.relative_to(ROOT)} is missing: run scripts/build_notebooks.py"]
    nb = json.loads(out.read_text(encoding="utf-8"))
    return [f"{out.relative_to(ROOT)}: {d}" for d in differences(nb, source, lang)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="source folders in notebooks/src (default: all)")
    parser.add_argument("--lang", nargs="+", choices=LANGUAGES, default=list(LANGUAGES))
    parser.add_argument("--check", action="store_true",
                        help="compare the committed notebooks with their sources; run nothing")
    parser.add_argument("--prose-only", action="store_true",
                        help="render the prose again, keeping the outputs; run nothing")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    problems: list[str] = []
    for path in sources(args.names):
        for lang in args.lang:
            if args.check:
                problems += check(path, lang)
            elif args.prose_only:
                written = render_prose(path, lang)
                print(f"build_notebooks: rendered {written.relative_to(ROOT)}", file=sys.stderr)
            else:
                print(f"build_notebooks: {path.name} ({lang})", file=sys.stderr, flush=True)
                written = build(path, lang, timeout=args.timeout)
                print(f"build_notebooks: wrote {written.relative_to(ROOT)}", file=sys.stderr)
    for line in problems:
        print(line, file=sys.stderr)
    if args.check:
        print(f"build_notebooks: {len(problems)} difference(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
