"""Sphinx configuration of the course website (one file for both languages).

site/build.py stages the sources and runs Sphinx once per language with
``CRMLAB_SITE_LANG`` set to ``en`` or ``fa``. Everything the pages load ships with the
Python packages (Furo's CSS and JS, MathJax from sphinx-mathjax-offline): no CDN at
build or view time, and the notebooks are never executed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

LANG = os.environ.get("CRMLAB_SITE_LANG", "en")
INSTRUCTOR = os.environ.get("CRMLAB_SITE_INSTRUCTOR") == "1"
HERE = Path(__file__).resolve().parent

project = "crmlab"
author = "crmlab"
copyright = "crmlab contributors (code MIT, data CC0)"
language = LANG
html_title = "crmlab — مدیریت ارتباط با مشتری" if LANG == "fa" else "crmlab — CRM in Python"
if INSTRUCTOR:
    html_title += " (مدرس)" if LANG == "fa" else " (instructor)"

extensions = ["myst_nb", "sphinx.ext.mathjax"]
exclude_patterns = ["**/.ipynb_checkpoints", "_locale"]
# site/locale/, staged into the source folder (compiled there); absolute, because Sphinx
# looks for the search page's translations (sphinx.js) relative to the working folder
locale_dirs = [str(Path(os.environ.get("CRMLAB_SITE_SRC", ".")).resolve() / "_locale")]
suppress_warnings = [
    "myst.header",  # notebooks and docs start some sections at ### on purpose
    "misc.highlighting_failure",  # shell sessions and SQL with jinja in code fences
]

# --- notebooks: stored outputs only -------------------------------------------------
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # no require.js or widget manager from a CDN
# a widget's view is never rendered (site/build.py has put its static version beside
# it); HTML (tables, a quiz with its answers folded) before images before plain text
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/javascript", None),
]
nb_merge_streams = True
if LANG == "fa":  # the toggle of a folded (claim) cell
    nb_code_prompt_show = "نمایش کد این خانه"
    nb_code_prompt_hide = "پنهان کردن کد این خانه"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 3
myst_url_schemes = ["http", "https", "mailto"]

# --- MathJax from the wheel of sphinx-mathjax-offline, copied into _static ----------
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"options": {"enableMenu": False}}

# --- theme ----------------------------------------------------------------------------
html_theme = "furo"
html_static_path = [str(HERE / "_static")]
html_css_files = ["crmlab-site.css"] + (["crmlab-rtl.css"] if LANG == "fa" else [])
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_show_search_summary = False  # its snippets are fetched, which file:// pages cannot do
html_search_language = "en" if LANG == "fa" else LANG  # Sphinx has no Persian stemmer
PERSIAN_FONTS = ('"Vazirmatn", "Noto Sans Arabic", "Noto Naskh Arabic", "Tahoma", '
                 '"Segoe UI", "DejaVu Sans", sans-serif')
LATIN_FONTS = ('-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Noto Sans", '
               '"DejaVu Sans", Helvetica, Arial, sans-serif')
html_theme_options = {
    "light_css_variables": {"font-stack": PERSIAN_FONTS if LANG == "fa" else LATIN_FONTS},
    "dark_css_variables": {},
}


def _copy_mathjax(app, exc):
    """MathJax's combined TeX + CHTML component, its extensions and fonts (not the
    24 MB of speech rule maps, which only the accessibility menu loads)."""
    if exc is not None or app.builder.format != "html":
        return
    import importlib.util
    import shutil

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("sphinx-mathjax-offline is not installed; run: bash scripts/setup.sh")
    source = Path(spec.origin).parent / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    for rel in ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2"):
        src = source / rel
        dst = target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


_HTML_TAG = re.compile(r'<html class="no-js" lang="fa"')


def _right_to_left(app, exc):
    """Furo's template has no ``dir``: every Persian page gets ``dir="rtl"``."""
    if exc is not None or LANG != "fa" or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new, n = _HTML_TAG.subn('<html class="no-js" lang="fa" dir="rtl"', text, count=1)
        if n != 1:
            raise RuntimeError(f"{page}: no <html lang=\"fa\"> tag to mark right to left "
                               f"(has Furo's template changed?)")
        page.write_text(new, encoding="utf-8")


def setup(app):
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _right_to_left)
