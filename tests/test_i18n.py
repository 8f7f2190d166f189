"""crmlab.i18n: labels, numbers and dates as English and Persian readers expect them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crmlab import i18n


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    i18n.set_language("en")
    i18n.clear_recorded()


def test_numbers_in_persian_use_persian_digits_and_separators():
    assert i18n.number(1234567.5, ",.1f", lang="fa") == "۱٬۲۳۴٬۵۶۷٫۵"
    assert i18n.number(0.342, ".1%", lang="fa") == "۳۴٫۲٪"
    assert i18n.number(1234567.5, ",.1f", lang="en") == "1,234,567.5"
    # a negative number keeps its sign on the left inside right-to-left text
    assert i18n.number(-3, "d", lang="fa") == "\u200e\u2212۳"
    with pytest.raises(ValueError, match="not a finite number"):
        i18n.number(float("nan"), lang="fa")


def test_dates_in_persian_are_jalali():
    # Nowruz 1404 is 21 March 2025; 1 January 2023 is 11 Dey 1401
    assert i18n.date("2025-03-21", lang="fa") == "۱ فروردین ۱۴۰۴"
    assert i18n.date(dt.date(2023, 1, 1), lang="fa") == "۱۱ دی ۱۴۰۱"
    assert i18n.date(pd.Timestamp("2023-01-01"), style="month", lang="en") == "January 2023"
    assert i18n.jalali("2024-03-19", digits="en") == "1402/12/29"  # the day before Nowruz
    with pytest.raises(ValueError, match="style must be"):
        i18n.date("2023-01-01", style="weekday")


def test_with_jalali_puts_the_persian_date_beside_each_date_column():
    df = pd.DataFrame({"opened_at": pd.to_datetime(["2025-03-21", None]), "n": [1, 2]})
    out = i18n.with_jalali(df, lang="fa")
    assert list(out.columns) == ["opened_at", "opened_at (شمسی)", "n"]
    assert out["opened_at (شمسی)"].tolist() == ["۱۴۰۴/۰۱/۰۱", ""]
    assert i18n.with_jalali(df, lang="en") is df
    with pytest.raises(KeyError, match="not in the table"):
        i18n.with_jalali(df, ["closed_at"], lang="fa")


def test_t_follows_the_language_and_marks_latin_first_persian():
    i18n.set_language("fa")
    assert i18n.t("churn") == "ریزش مشتری"
    assert i18n.t("social_crm") == "\u200fCRM اجتماعی"
    assert i18n.t("customers_n", n=5000) == "۵٬۰۰۰ مشتری"
    assert i18n.t("churn", lang="en") == "churn"
    with pytest.raises(KeyError, match="did you mean"):
        i18n.t("chrun")
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.set_language("ar")


def test_every_message_has_both_languages_and_the_same_fields():
    import string

    from crmlab.i18n._catalog import messages

    for key, texts in messages().items():
        assert texts["en"].strip() and texts["fa"].strip(), key
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f}
                  for lang in ("en", "fa")}
        assert fields["en"] == fields["fa"], f"{key}: fields differ {fields}"


def test_recorded_values_are_plain_and_checked():
    import numpy as np

    i18n.record(n=np.int64(5), share=np.float64(1 / 3), day=pd.Timestamp("2023-01-01"))
    assert i18n.recorded() == {"day": "2023-01-01", "n": 5, "share": 0.333333333333}
    with pytest.raises(ValueError, match="finite"):
        i18n.record(bad=float("inf"))
    with pytest.raises(ValueError, match="identifier"):
        i18n.record(**{"not a name": 1})
    with pytest.raises(TypeError, match="a number, a date or text"):
        i18n.record(frame=pd.DataFrame())


def test_a_message_key_lives_in_one_file(tmp_path, monkeypatch):
    from crmlab.i18n import _catalog

    (tmp_path / "common.csv").write_text("key,en,fa\nhello,Hello,سلام\n", encoding="utf-8")
    (tmp_path / "01_x.csv").write_text("key,en,fa\nbye,Bye,بدرود\n", encoding="utf-8")
    monkeypatch.setattr(_catalog, "MESSAGES_DIR", tmp_path)
    monkeypatch.setattr(_catalog, "MESSAGES_CSV", tmp_path / "common.csv")
    _catalog.messages.cache_clear()
    try:
        assert _catalog.lookup("bye", "fa") == "بدرود"  # a notebook's own file is read too
        (tmp_path / "02_y.csv").write_text("key,en,fa\nhello,Hi,درود\n", encoding="utf-8")
        _catalog.messages.cache_clear()
        with pytest.raises(ValueError, match="'hello' is already defined in messages/common.csv"):
            _catalog.messages()
    finally:
        _catalog.messages.cache_clear()
