"""Persian text in figures: every character has a font, nothing warns, text is drawn."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import font_manager as fm
from matplotlib.ft2font import FT2Font

from crmlab import i18n, viz

# principles of article 002, a Persian-only letter (heh with yeh above) and Persian digits
PERSIAN = "مشتری‌محوری، شناخت مشتری، واکنش سریع — خانهٔ خانۀ ۱۴۰۳ گچ پژ"


def _render(text: str, families) -> tuple[list[str], np.ndarray]:
    with plt.rc_context({"font.family": families}), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(6, 1.5))
        ax.set_axis_off()
        ax.set_title(text)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
        plt.close(fig)
    return [str(r.message) for r in rec], pixels


def test_house_style_has_a_font_for_every_persian_character():
    viz.use_house_style()
    assert "Noto Sans Arabic" in {f.name for f in fm.fontManager.ttflist}
    assert viz.missing_glyphs(PERSIAN) == []
    # the fallback matters: DejaVu Sans alone lacks the Persian letter U+06C0
    assert viz.missing_glyphs(PERSIAN, families=["DejaVu Sans"]) == ["ۀ"]


def test_the_font_used_for_each_persian_letter_has_its_glyph():
    viz.use_house_style()
    paths = [fm.findfont(fm.FontProperties(family=f), fallback_to_default=False)
             for f in viz.HOUSE_STYLE["font.family"]]
    assert paths[0].endswith("DejaVuSans.ttf") and "NotoSansArabic" in paths[1]
    charmaps = [FT2Font(p).get_charmap() for p in paths]
    for ch in set(PERSIAN) - {" ", "\u200c"}:
        first = next((i for i, cmap in enumerate(charmaps) if ord(ch) in cmap), None)
        assert first is not None, f"no house font draws {ch!r}"
        assert FT2Font(paths[first]).get_char_index(ord(ch)) > 0


def test_rendering_persian_gives_no_missing_glyph_warning():
    viz.use_house_style()
    messages, pixels = _render(PERSIAN, viz.HOUSE_STYLE["font.family"])
    assert not [m for m in messages if "missing" in m.lower() or "glyph" in m.lower()], messages
    assert (pixels < 128).any()  # something dark was drawn


def test_warning_check_can_fail():
    # a script no house font covers does warn: the check above is not vacuous
    messages, _ = _render("中文", ["DejaVu Sans"])
    assert any("missing" in m.lower() for m in messages)


def test_persian_is_shaped_not_isolated_letters():
    # joined (shaped) Persian is narrower than the same letters drawn one by one
    viz.use_house_style()
    fig = plt.figure()
    renderer = fig.canvas.get_renderer()
    word = "مشتری"
    joined = fig.text(0, 0, word).get_window_extent(renderer).width
    apart = fig.text(0, 0.5, "\u200c".join(word)).get_window_extent(renderer).width
    plt.close(fig)
    assert joined < apart


def test_scorecard_trends_in_persian():
    import pandas as pd

    from crmlab.analytics.scorecard import INDICATORS, PRINCIPLES

    idx = pd.MultiIndex.from_tuples([(p, k) for k, (p, _, _) in INDICATORS.items()])
    wide = pd.DataFrame({"2024": np.linspace(0, 1, len(idx)), "2025": 0.5}, index=idx)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = viz.plot_scorecard_trends(wide, lang="fa", highlight="2025")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == list(PRINCIPLES.values())
    assert all(ax.get_ylabel() for ax in fig.axes)
    assert viz.plotted_data(fig).loc["quick_response", "2024"] == pytest.approx(
        wide.loc[("quick_response", "median_first_response_hours"), "2024"])
    plt.close(fig)
    with pytest.raises(ValueError, match="lang must be"):
        viz.plot_scorecard_trends(wide, lang="de")


# --- labels that start with a Latin word, and the figure-text check (issue 17) ----------

def test_persian_label_marks_latin_first_persian_text_only():
    assert viz.persian_label("CRM اجتماعی") == "\u200fCRM اجتماعی"
    assert viz.persian_label("  SMS و وب") == "\u200f  SMS و وب"
    # Persian first, English only, numbers only, or marked already: unchanged
    for text in ("مشتری CRM", "social CRM", "12.5", "\u200fCRM اجتماعی", ""):
        assert viz.persian_label(text) == text
    assert viz.persian_label(3) == "3"


def test_the_mark_changes_what_matplotlib_draws():
    # the mark is zero-width: if matplotlib ignored it, both images would be identical;
    # it changes the line's direction, so the Latin word moves to the other end
    viz.use_house_style()

    def pixels(text):
        fig, ax = plt.subplots(figsize=(3, 1))
        ax.set_axis_off()
        ax.text(0.02, 0.5, text, fontsize=20, transform=ax.transAxes)
        fig.canvas.draw()
        out = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
        plt.close(fig)
        return out

    plain, marked = pixels("CRM اجتماعی"), pixels(viz.persian_label("CRM اجتماعی"))
    assert (plain < 128).any() and (marked < 128).any()
    assert not np.array_equal(plain, marked)


def test_figure_text_problems_finds_an_unmarked_label_and_passes_a_marked_one():
    viz.use_house_style()
    fig, ax = plt.subplots()
    ax.set_title("ریزش مشتری")
    ax.set_xlabel("CRM اجتماعی")
    problems = viz.figure_text_problems(fig)
    assert len(problems) == 1 and "starts with a Latin word" in problems[0]
    ax.set_xlabel(viz.persian_label("CRM اجتماعی"))
    assert viz.figure_text_problems(fig) == []
    plt.close(fig)


def test_palette_has_no_red_green_pair():
    # Okabe-Ito: eight distinct colours, none of them pure red or pure green
    assert len(set(viz.PALETTE)) == len(viz.PALETTE) == 8
    assert not {"#FF0000", "#00FF00", "#008000", "red", "green"} & {c.upper()
                                                                   for c in viz.PALETTE}


def test_figure_text_check_knows_shaped_text_from_isolated_letters():
    # words whose joined forms are wider than their isolated ones (medial heh), and a
    # negative number in Persian digits, are fine; letters typed in their isolated
    # presentation forms (what an unshaped renderer draws) are caught
    viz.use_house_style()
    fig, ax = plt.subplots()
    ax.set_title("همه")
    ax.set_xlabel("درآمد هر ماه")
    ax.set_ylabel(i18n.number(-3, "d", lang="fa"))
    assert viz.figure_text_problems(fig) == []
    isolated = "\ufee1\ufeb5\ufe95\ufead\ufbfc"  # م ش ت ر ی, each in its isolated form
    ax.set_title(isolated)
    problems = viz.figure_text_problems(fig)
    plt.close(fig)
    assert problems == [f"{isolated!r} is drawn in isolated letters (not shaped)"]
