"""One source, two languages: each notebook built from notebooks/src/ is exactly what its
source builds, and its English and Persian notebooks run the same code and claims.

Strict nbval then checks each built notebook's outputs, including the ``values`` cell
whose output the prose quotes; this test checks that the prose is those values rendered
into the source. A notebook without a source in notebooks/src/ is not built and not
checked here (docs/curriculum.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmlab.i18n.courseware import (
    LANGUAGE_CELL,
    VALUES_TAG,
    assemble,
    built_path,
    differences,
    read_source,
    render,
    source_folders,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = source_folders(NOTEBOOKS)
PAIRS = [(src, lang) for src in SOURCES for lang in ("en", "fa")]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code(nb: dict) -> list[tuple[str, tuple[str, ...], str]]:
    """(id, tags, code) of every code cell but the one that sets the language."""
    return [(c["id"], tuple(c["metadata"].get("tags", [])), "".join(c["source"]))
            for c in nb["cells"] if c["cell_type"] == "code" and c["id"] != LANGUAGE_CELL]


def test_there_is_a_bilingual_source():
    assert SOURCES, "no notebook source in notebooks/src"


@pytest.mark.parametrize("source,lang", PAIRS, ids=lambda x: getattr(x, "name", x))
def test_the_built_notebook_is_what_its_source_builds(source, lang):
    src = read_source(source)
    path = built_path(src, lang, NOTEBOOKS)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run scripts/build_notebooks.py"
    found = differences(_load(path), src, lang)
    assert not found, (f"{path.relative_to(ROOT)} differs from notebooks/src/{source.name}: "
                       f"{found}; run scripts/build_notebooks.py {source.name}")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_both_languages_run_the_same_code_and_claims(source):
    src = read_source(source)
    en, fa = (_load(built_path(src, lang, NOTEBOOKS)) for lang in ("en", "fa"))
    assert _code(en) == _code(fa), "the English and Persian notebooks' code cells differ"
    claims = [c for c in _code(en) if "claim" in c[1]]
    assert claims, f"{source.name} has no claim cell"
    assert [c["id"] for c in en["cells"]] == [c["id"] for c in fa["cells"]]
    # the values both languages quote are the same names (their numbers are each
    # language's own world)
    values = [json.loads("".join(o["text"])).keys() for nb in (en, fa) for c in nb["cells"]
              if VALUES_TAG in c["metadata"].get("tags", []) for o in c["outputs"]]
    assert len(values) == 2 and values[0] == values[1]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_quoted_value_is_quoted_in_both_languages(source):
    from crmlab.i18n.courseware import placeholders

    src = read_source(source)
    names = {lang: {p.partition(":")[0].strip() for text in src.prose[lang].values()
                    for p in placeholders(text) if not p.startswith("glossary:")}
             for lang in ("en", "fa")}
    assert names["en"] == names["fa"], (f"{source.name}: quoted only in English "
                                        f"{names['en'] - names['fa']}, only in Persian "
                                        f"{names['fa'] - names['en']}")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_persian_prose_is_right_to_left(source):
    src = read_source(source)
    nb = _load(built_path(src, "fa", NOTEBOOKS))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            assert text.startswith('<div dir="rtl" lang="fa">') and text.endswith("</div>")


# --- the check itself can fail ---------------------------------------------------------

@pytest.fixture
def demo(tmp_path):
    d = tmp_path / "99_demo"
    d.mkdir()
    (d / "cells.py").write_text("# %% md intro\n# %% code data\nx = 1\n"
                                "# %% code claim-x tags=claim\nassert x == 1\n"
                                "# %% code values tags=values\ni18n.show_recorded()\n",
                                encoding="utf-8")
    (d / "en.md").write_text("<!-- cell: intro -->\nWe have {{n:,}} customers.\n",
                             encoding="utf-8")
    (d / "fa.md").write_text("<!-- cell: intro -->\n{{n:,}} مشتری داریم.\n", encoding="utf-8")
    return read_source(d)


def _built(src, lang, values):
    nb = render(assemble(src, lang), src, lang, values)
    for cell in nb["cells"]:
        if VALUES_TAG in cell["metadata"].get("tags", []):
            cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                "text": json.dumps(values)}]
    return nb


def test_differences_finds_edited_prose_code_and_stale_values(demo):
    nb = _built(demo, "fa", {"n": 5000})
    assert differences(nb, demo, "fa") == []
    assert "۵٬۰۰۰ مشتری داریم." in nb["cells"][1]["source"]
    edited = json.loads(json.dumps(nb))
    edited["cells"][1]["source"] = edited["cells"][1]["source"].replace("۵٬۰۰۰", "۶٬۰۰۰")
    assert differences(edited, demo, "fa") == ["cell 'intro': its source differs from the "
                                               "build's"]
    edited = json.loads(json.dumps(nb))
    edited["cells"][3]["source"] = "assert x == 2"
    assert differences(edited, demo, "fa") == ["cell 'claim-x': its source differs from the "
                                               "build's"]
    # the printed values changed (a fresh run gave another number) but the prose did not
    edited = json.loads(json.dumps(nb))
    edited["cells"][-1]["outputs"][0]["text"] = json.dumps({"n": 5001})
    assert differences(edited, demo, "fa") == ["cell 'intro': its source differs from the "
                                               "build's"]


def test_read_source_rejects_prose_that_does_not_match_the_cells(demo):
    (demo.path / "fa.md").write_text("<!-- cell: intro -->\nمتن\n<!-- cell: extra -->\nx\n",
                                     encoding="utf-8")
    with pytest.raises(ValueError, match=r"not in cells.py \['extra'\]"):
        read_source(demo.path)


@pytest.mark.slow
def test_the_test_scripts_nbval_step_runs_the_persian_notebooks():
    import re
    import subprocess
    import sys

    script = (ROOT / "scripts/test.sh").read_text(encoding="utf-8")
    step = re.search(r"python -m pytest --nbval (\S+)", script)
    assert step and step.group(1) == "notebooks", "scripts/test.sh must run nbval on notebooks/"
    out = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "notebooks",
                          "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    collected = {line.split("::")[0] for line in out.stdout.splitlines() if "::" in line}
    persian = {str(p.relative_to(ROOT)) for p in (NOTEBOOKS / "fa").glob("*.ipynb")}
    assert persian and persian <= collected, (persian - collected, out.stdout[-2000:])
