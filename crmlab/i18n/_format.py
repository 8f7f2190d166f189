"""Numbers, dates and labels as an English or a Persian reader expects them.

Private: :mod:`crmlab.i18n` re-exports what is public.
"""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "fa")

#: Latin digits and separators -> Persian (Persian digits, U+066C thousands separator
#: «٬», U+066B decimal separator «٫», U+066A percent sign «٪»).
_TO_PERSIAN = str.maketrans({**{str(d): chr(0x06F0 + d) for d in range(10)},
                             ",": "\u066c", ".": "\u066b", "%": "\u066a", "-": "\u2212"})
_DIGITS_ONLY = str.maketrans({str(d): chr(0x06F0 + d) for d in range(10)})

RLM = "\u200f"  # RIGHT-TO-LEFT MARK
LRM = "\u200e"  # LEFT-TO-RIGHT MARK

#: Jalali (solar hijri) month names, Farvardin first.
JALALI_MONTHS: tuple[str, ...] = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`; a ValueError naming them otherwise."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {list(LANGUAGES)}; got {lang!r}")
    return lang


def persian_digits(text: str) -> str:
    """Latin digits of ``text`` as Persian digits (nothing else changes).

    Examples
    --------
    >>> persian_digits("1404/01/01")
    '۱۴۰۴/۰۱/۰۱'
    """
    return str(text).translate(_DIGITS_ONLY)


def localize_number(text: str, lang: str) -> str:
    """A number already formatted in the Latin way, in ``lang``'s digits and separators.

    Persian gets Persian digits, «٬» between thousands, «٫» before decimals, «٪» for
    the percent sign and a true minus sign; English is returned unchanged.

    Examples
    --------
    >>> localize_number("1,234.5", "fa")
    '۱٬۲۳۴٫۵'
    >>> localize_number("34.2%", "fa")
    '۳۴٫۲٪'
    >>> localize_number("+3.5%", "fa") == "\\u200e+۳٫۵٪"  # the sign stays on the left
    True
    """
    check_language(lang)
    if lang == "en":
        return text
    out = text.translate(_TO_PERSIAN)
    # a signed number in right-to-left text: keep the sign (− or +) on the number's left
    return LRM + out if out.startswith(("\u2212", "+")) else out


def format_number(value: Any, spec: str = "", lang: str = "en") -> str:
    """``format(value, spec)``, then localised for ``lang``.

    Parameters
    ----------
    value : int or float
    spec : str, default=""
        A Python format specification (``","``, ``".1%"``, ``",.0f"``...).
    lang : {"en", "fa"}

    Examples
    --------
    >>> format_number(5000, ",", "fa")
    '۵٬۰۰۰'
    >>> format_number(0.3421, ".1%", "en")
    '34.2%'
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot write {value!r} in prose: not a finite number")
    return localize_number(format(value, spec), lang)


def rtl_mark(text: str) -> str:
    """Prefix a right-to-left mark to Persian text whose first strong letter is Latin.

    A label such as «CRM اجتماعی» starts with a Latin word, so a renderer that takes the
    direction from the first strong character (matplotlib, a plain-text table) lays it
    out left to right and it reads «اجتماعی CRM». The mark (U+200F) makes the line
    right to left. Text without Arabic-script letters (Persian digits alone are not
    words: a number such as «‎−۳» keeps the left-to-right mark that puts its sign on the
    left), or that already starts right to left, is returned unchanged.

    Examples
    --------
    >>> rtl_mark("CRM اجتماعی") == "\\u200fCRM اجتماعی"
    True
    >>> rtl_mark("مشتری CRM") == "مشتری CRM", rtl_mark("social CRM") == "social CRM"
    (True, True)
    >>> rtl_mark("\\u200e\\u2212۳") == "\\u200e\\u2212۳"
    True
    """
    text = str(text)
    if not any(_is_arabic_script(ch) and ch.isalpha() for ch in text):
        return text
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL", "RLE", "RLO", "RLI") or ch == RLM:
            return text
        if kind == "L":
            return RLM + text
    return text


def _is_arabic_script(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufdff" or "\ufe70" <= ch <= "\ufeff"


def has_persian(text: str) -> bool:
    """Whether ``text`` holds an Arabic-script (Persian) letter.

    Examples
    --------
    >>> has_persian("churn"), has_persian("ریزش")
    (False, True)
    """
    return any(_is_arabic_script(ch) for ch in str(text))


def _as_date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    if isinstance(value, str):
        return _dt.date.fromisoformat(value[:10])
    if hasattr(value, "astype") and hasattr(value, "dtype"):  # numpy datetime64
        return _dt.date.fromisoformat(str(value)[:10])
    raise TypeError(f"expected a date (datetime, date, Timestamp or ISO string); got "
                    f"{type(value).__name__} {value!r}")


def jalali(value: Any, *, digits: str = "fa") -> str:
    """The Jalali (Persian calendar) date of a Gregorian date, as ``yyyy/mm/dd``.

    Parameters
    ----------
    value : date, datetime, pandas Timestamp or ISO string
    digits : {"fa", "en"}, default="fa"
        Persian or Latin digits.

    Examples
    --------
    >>> jalali("2025-03-21")
    '۱۴۰۴/۰۱/۰۱'
    >>> jalali("2023-01-01", digits="en")
    '1401/10/11'
    """
    import jdatetime

    day = jdatetime.date.fromgregorian(date=_as_date(value))
    text = f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
    return persian_digits(text) if check_language(digits) == "fa" else text


def format_date(value: Any, lang: str = "en", *, style: str = "long") -> str:
    """A date in prose: English in the Gregorian calendar, Persian in the Jalali one.

    Parameters
    ----------
    value : date, datetime, pandas Timestamp or ISO string
    lang : {"en", "fa"}
    style : {"long", "month", "both"}, default="long"
        ``"long"`` a day («۱۱ دی ۱۴۰۱», "1 January 2023"), ``"month"`` a month
        («دی ۱۴۰۱», "January 2023"), ``"both"`` the Jalali date with the Gregorian one
        beside it (Persian only; English gives the long form).

    Examples
    --------
    >>> format_date("2023-01-01", "en")
    '1 January 2023'
    >>> format_date("2023-01-01", "fa")
    '۱۱ دی ۱۴۰۱'
    >>> format_date("2025-03-21", "fa", style="both")
    '۱ فروردین ۱۴۰۴ (۲۰۲۵/۰۳/۲۱)'
    """
    import jdatetime

    check_language(lang)
    if style not in ("long", "month", "both"):
        raise ValueError(f"style must be 'long', 'month' or 'both'; got {style!r}")
    day = _as_date(value)
    if lang == "en":
        if style == "month":
            return f"{_EN_MONTHS[day.month - 1]} {day.year}"
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    j = jdatetime.date.fromgregorian(date=day)
    month = f"{JALALI_MONTHS[j.month - 1]} {j.year}"
    if style == "month":
        return persian_digits(month)
    text = f"{j.day} {month}"
    if style == "both":
        text += f" ({day.year:04d}/{day.month:02d}/{day.day:02d})"
    return persian_digits(text)
