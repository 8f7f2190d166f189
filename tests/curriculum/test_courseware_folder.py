"""A source may build into a sub-folder of notebooks/ (the primers): ``"folder"`` in its
notebook.json, honoured by :func:`crmlab.i18n.courseware.built_path` and so by the build
script and tests/curriculum/test_bilingual.py alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmlab.i18n.courseware import Source, built_path, read_source, source_folders

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = source_folders(NOTEBOOKS)


def _source(name: str, **metadata) -> Source:
    return Source(Path("notebooks/src") / name, [], {}, metadata)


def test_a_folder_moves_both_languages_into_it():
    src = _source("02_primer_statistics", folder="primers")
    assert built_path(src, "en", NOTEBOOKS) == NOTEBOOKS / "primers" / "02_primer_statistics.ipynb"
    assert built_path(src, "fa", NOTEBOOKS) == (NOTEBOOKS / "fa" / "primers"
                                               / "02_primer_statistics.ipynb")


def test_without_a_folder_the_notebook_stays_at_the_top():
    src = _source("11_what_crm_is")
    assert built_path(src, "en", NOTEBOOKS) == NOTEBOOKS / "11_what_crm_is.ipynb"
    assert built_path(src, "fa", NOTEBOOKS) == NOTEBOOKS / "fa" / "11_what_crm_is.ipynb"


@pytest.mark.parametrize("folder", ["../outside", "a/b", "", "fa", 3, "prim ers"])
def test_a_folder_must_be_one_plain_name(folder):
    with pytest.raises(ValueError, match="folder"):
        built_path(_source("01_x", folder=folder), "en", NOTEBOOKS)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_source_with_a_folder_builds_where_its_english_original_was(source):
    src = read_source(source)
    folder = src.metadata.get("folder")
    for lang in ("en", "fa"):
        path = built_path(src, lang, NOTEBOOKS)
        assert path.is_file(), path.relative_to(ROOT)
        assert path.parent.name == (folder or ("notebooks" if lang == "en" else lang))
