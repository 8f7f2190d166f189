"""The bilingual glossary and the interface messages, read from their CSV files.

Private: :mod:`crmlab.i18n` re-exports what is public.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ._format import check_language

HERE = Path(__file__).resolve().parent
GLOSSARY_CSV = HERE / "glossary.csv"
#: one CSV per notebook (``NN_name.csv``) plus ``common.csv``, so translators of
#: different notebooks never edit the same file; a key may appear in only one of them
MESSAGES_DIR = HERE / "messages"
MESSAGES_CSV = MESSAGES_DIR / "common.csv"

GLOSSARY_COLUMNS = ("key", "en", "fa", "en_definition", "fa_definition", "variants", "notes")
MESSAGES_COLUMNS = ("key", "en", "fa")


@dataclass(frozen=True)
class Term:
    """One row of the glossary."""

    key: str
    en: str
    fa: str
    en_definition: str
    fa_definition: str
    #: Persian spellings that must not be used for this term (other notebooks' old ones)
    variants: tuple[str, ...]
    notes: str

    def text(self, lang: str) -> str:
        return self.en if check_language(lang) == "en" else self.fa

    def definition(self, lang: str) -> str:
        return self.en_definition if check_language(lang) == "en" else self.fa_definition


def _read(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path.name}: the header must be {','.join(columns)}; got "
                             f"{','.join(reader.fieldnames or ())}")
        rows = list(reader)
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        key = row["key"]
        if not key or key in seen:
            raise ValueError(f"{path.name} line {i}: key {key!r} is empty or repeated")
        seen.add(key)
    return rows


@cache
def glossary_terms() -> dict[str, Term]:
    """Every glossary term by key, in the file's order."""
    out = {}
    for row in _read(GLOSSARY_CSV, GLOSSARY_COLUMNS):
        variants = tuple(v.strip() for v in row["variants"].split("|") if v.strip())
        out[row["key"]] = Term(row["key"], row["en"], row["fa"], row["en_definition"],
                               row["fa_definition"], variants, row["notes"])
    return out


def message_files() -> list[Path]:
    """The message files: ``common.csv`` first, then each notebook's, by name."""
    return [MESSAGES_CSV, *sorted(p for p in MESSAGES_DIR.glob("*.csv") if p != MESSAGES_CSV)]


@cache
def messages() -> dict[str, dict[str, str]]:
    """Every interface message by key: ``{"en": ..., "fa": ...}``, from every message file."""
    out: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in message_files():
        for row in _read(path, MESSAGES_COLUMNS):
            key = row["key"]
            if key in out:
                raise ValueError(f"messages/{path.name}: key {key!r} is already defined in "
                                 f"messages/{where[key]}; every key lives in one file")
            out[key] = {"en": row["en"], "fa": row["fa"]}
            where[key] = path.name
    return out


def lookup(key: str, lang: str) -> str:
    """A message, else a glossary term, in ``lang`` (as written in the file)."""
    check_language(lang)
    found = messages().get(key)
    if found is not None:
        text = found[lang]
    elif key in glossary_terms():
        text = glossary_terms()[key].text(lang)
    else:
        import difflib

        near = difflib.get_close_matches(key, [*messages(), *glossary_terms()], n=3)
        raise KeyError(f"no message or glossary term {key!r}"
                       + (f"; did you mean {', '.join(near)}?" if near else "")
                       + f" (add it to a file in {MESSAGES_DIR.name}/)")
    return text


def glossary_markdown(keys: list[str], lang: str) -> str:
    """A notebook's glossary section as a Markdown table, in the language of the notebook.

    English notebooks: English, Persian, meaning. Persian notebooks: Persian, English,
    definition (in Persian).
    """
    check_language(lang)
    terms = glossary_terms()
    unknown = [k for k in keys if k not in terms]
    if unknown:
        raise KeyError(f"glossary keys {unknown} are not in {GLOSSARY_CSV.name}")
    if lang == "en":
        lines = ["| English | فارسی | meaning |", "|---|---|---|"]
        lines += [f"| {terms[k].en} | {terms[k].fa} | {terms[k].en_definition} |" for k in keys]
    else:
        lines = ["| فارسی | English | تعریف |", "|---|---|---|"]
        lines += [f"| {terms[k].fa} | {terms[k].en} | {terms[k].fa_definition} |"
                  for k in keys]
    return "\n".join(lines)
