"""One course in two languages: labels, numbers, dates and glossary by language.

The course is written once and built in English (``notebooks/``) and Persian
(``notebooks/fa/``); see ``docs/curriculum.md``. A built notebook's first cell sets
``LANG``; its code is the same in both languages and takes every word a student sees in
a figure, a table or a widget from here:

* :func:`t` — an interface message (``messages/*.csv``) or a glossary term
  (``glossary.csv``) in the notebook's language; Persian text that starts with a Latin
  word gets a right-to-left mark, so figures lay it out right to left;
* :func:`number` and :func:`date` — numbers with Persian digits and separators, dates in
  the Jalali calendar (through ``jdatetime``) for Persian readers;
* :func:`with_jalali` — a table's date columns with their Jalali dates beside them;
* :func:`record` — the values that the prose quotes: the build writes them into the
  prose's ``{{placeholders}}`` in each language, so every number in the text is one the
  notebook computed.

Examples
--------
>>> from crmlab import i18n
>>> i18n.set_language("fa")
>>> i18n.t("churn")
'ریزش مشتری'
>>> i18n.number(0.342, ".1%")
'۳۴٫۲٪'
>>> i18n.set_language("en")
>>> i18n.number(0.342, ".1%")
'34.2%'
"""

from __future__ import annotations

import json
import math
from typing import Any

from ._catalog import Term, glossary_markdown, glossary_terms, lookup
from ._format import (
    JALALI_MONTHS,
    LANGUAGES,
    LRM,
    RLM,
    check_language,
    format_date,
    format_number,
    has_persian,
    jalali,
    localize_number,
    persian_digits,
    rtl_mark,
)

__all__ = ["DATASETS", "JALALI_MONTHS", "LANGUAGES", "LRM", "RLM", "Term", "clear_recorded",
           "date", "format_date", "format_number", "get_language", "glossary",
           "glossary_markdown", "has_persian", "jalali", "labels", "localize_number",
           "number", "persian_digits", "record", "recorded", "rtl_mark", "set_language",
           "show_recorded", "t", "with_jalali"]

#: The shipped dataset each language's notebooks run on: a US operator in dollars for
#: English, an Iranian operator in rials for Persian.
DATASETS: dict[str, str] = {"en": "classroom", "fa": "classroom_fa"}

_state: dict[str, Any] = {"lang": "en", "values": {}}


def set_language(lang: str) -> None:
    """Choose the language of labels, numbers and dates (``"en"`` or ``"fa"``).

    Examples
    --------
    >>> set_language("de")
    Traceback (most recent call last):
    ...
    ValueError: language must be one of ['en', 'fa']; got 'de'
    """
    _state["lang"] = check_language(lang)


def get_language() -> str:
    """The language chosen with :func:`set_language` (``"en"`` until then).

    Examples
    --------
    >>> get_language() in LANGUAGES
    True
    """
    return _state["lang"]


def _lang(lang: str | None) -> str:
    return _state["lang"] if lang is None else check_language(lang)


def t(key: str, *, lang: str | None = None, **fields: Any) -> str:
    """A message or glossary term in the current language.

    Parameters
    ----------
    key : str
        A key of ``messages/*.csv`` or, failing that, of ``glossary.csv``.
    lang : {"en", "fa"}, optional
        Overrides the current language.
    **fields
        Values for ``{name}`` fields in the message; numbers are written with
        :func:`number` in the message's language.

    Raises
    ------
    KeyError
        If neither file has the key (the message suggests near keys).

    Examples
    --------
    >>> t("social_crm", lang="fa") == "\\u200fCRM اجتماعی"
    True
    >>> t("customers_n", lang="fa", n=5000)
    '۵٬۰۰۰ مشتری'
    """
    lang = _lang(lang)
    text = lookup(key, lang)
    if fields:
        text = text.format(**{k: number(v, ",", lang=lang) if isinstance(v, (int, float))
                              and not isinstance(v, bool) else v for k, v in fields.items()})
    return rtl_mark(text) if lang == "fa" else text


def labels(keys, *, lang: str | None = None, prefix: str = "") -> list[str]:
    """:func:`t` of several keys (each looked up as ``prefix + key``), e.g. for tick labels.

    Examples
    --------
    >>> labels(["sales", "service"], prefix="system_", lang="fa")
    ['فروش', 'واحد خدمات']
    """
    return [t(f"{prefix}{k}", lang=lang) for k in keys]


def number(value: Any, spec: str = ",", *, lang: str | None = None) -> str:
    """A number as the reader of the current language writes it.

    Examples
    --------
    >>> number(1234567, lang="fa")
    '۱٬۲۳۴٬۵۶۷'
    >>> number(2.5, ".1f", lang="en")
    '2.5'
    """
    return format_number(value, spec, _lang(lang))


def date(value: Any, *, style: str = "long", lang: str | None = None) -> str:
    """A date in prose or a title: Jalali for Persian, Gregorian for English.

    Examples
    --------
    >>> date("2024-03-20", lang="fa")
    '۱ فروردین ۱۴۰۳'
    """
    return format_date(value, _lang(lang), style=style)


def with_jalali(frame, columns=None, *, lang: str | None = None):
    """A table with the Jalali date beside each date column, for Persian readers.

    Parameters
    ----------
    frame : DataFrame
    columns : list of str, optional
        Date columns (default: every datetime64 column).
    lang : {"en", "fa"}, optional
        English leaves the table as it is.

    Returns
    -------
    DataFrame
        A copy; each column ``c`` is followed by ``c + " (شمسی)"`` holding ``yyyy/mm/dd``
        in the Jalali calendar (empty where the date is missing).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"opened_at": pd.to_datetime(["2025-03-21"])})
    >>> list(with_jalali(df, lang="fa").iloc[0])
    [Timestamp('2025-03-21 00:00:00'), '۱۴۰۴/۰۱/۰۱']
    """
    import pandas as pd

    if _lang(lang) == "en":
        return frame
    if columns is None:
        columns = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the table; it has {list(frame.columns)}")
    out = frame.copy()
    for c in reversed(list(columns)):
        values = pd.to_datetime(out[c])
        shown = [jalali(v) if not pd.isna(v) else "" for v in values]
        out.insert(out.columns.get_loc(c) + 1, f"{c} (شمسی)", shown)
    return out


# --- values quoted in the prose ------------------------------------------------------

def _plain(value: Any) -> Any:
    """A value the prose can quote, as JSON: ints, floats (12 significant digits), text."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a recorded value must be finite; got {value!r}")
        return float(f"{value:.12g}")
    if hasattr(value, "isoformat"):  # date, datetime, Timestamp
        return value.isoformat()[:10] if getattr(value, "hour", 0) == 0 and getattr(
            value, "minute", 0) == 0 else value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"a recorded value must be a number, a date or text; got "
                    f"{type(value).__name__} {value!r}")


def record(**values: Any) -> None:
    """Keep values that the prose quotes, by name (``{{name}}`` in the notebook's source).

    Recording a name again replaces its value (re-running a cell is fine).

    Examples
    --------
    >>> clear_recorded()
    >>> record(n_customers=5000, top_share=0.5123456789012345)
    >>> recorded()
    {'n_customers': 5000, 'top_share': 0.512345678901}
    """
    for name, value in values.items():
        if not name.isidentifier():
            raise ValueError(f"a recorded name must be an identifier; got {name!r}")
        _state["values"][name] = _plain(value)


def recorded() -> dict[str, Any]:
    """The recorded values, sorted by name.

    Examples
    --------
    >>> clear_recorded(); recorded()
    {}
    """
    return dict(sorted(_state["values"].items()))


def clear_recorded() -> None:
    """Forget every recorded value (a notebook's setup cell starts with this).

    Examples
    --------
    >>> clear_recorded()
    """
    _state["values"].clear()


def show_recorded() -> None:
    """Print the recorded values as JSON: the last cell of a built notebook.

    The build reads this output to write the numbers into the prose, and strict nbval
    compares it with the stored one, so prose and data cannot drift apart.

    Examples
    --------
    >>> clear_recorded(); record(n=3); show_recorded()
    {
     "n": 3
    }
    """
    print(json.dumps(recorded(), ensure_ascii=False, indent=1))


def glossary():
    """The bilingual glossary as a DataFrame indexed by key.

    Examples
    --------
    >>> g = glossary()
    >>> g.loc["silo", "fa"]
    'جزیرهٔ اطلاعاتی'
    """
    import pandas as pd

    rows = [{"key": k, "en": v.en, "fa": v.fa, "en_definition": v.en_definition,
             "fa_definition": v.fa_definition, "variants": " | ".join(v.variants),
             "notes": v.notes} for k, v in glossary_terms().items()]
    return pd.DataFrame(rows).set_index("key")
