"""Build the course website from the notebooks' stored outputs (run by scripts/site.sh).

Usage: ``python site/build.py [--instructor] OUTDIR``

For each language a source tree is staged in a temporary folder that mirrors the
repository's paths (``notebooks/...``, ``docs/...``), so the links the notebooks and docs
already have (``../docs/reading.md#...``) resolve in the site without rewriting:

* English: ``notebooks/*.ipynb`` and ``notebooks/primers/*.ipynb``;
  Persian: ``notebooks/fa/**/*.ipynb`` (whatever exists: no list to maintain);
* ``docs/*.md`` (the reading list and the reference documentation);
* ``glossary.md``, generated from ``crmlab/i18n/glossary.csv``;
* the front page, ``site/<lang>/index.md``, with the tables of contents appended;
* with ``--instructor`` only: ``docs/instructor/**`` (the guide and the answer keys).

The staged notebooks are copies: widget outputs are replaced there by their static
fallback (the output's own ``text/html`` or image, or the saved state of the widget's
HTML, image and output parts), so the site needs no widget JavaScript; code collapsed in
JupyterLab (the claim cells) is folded behind a "show code" toggle. Notebooks are
never executed. Sphinx (``site/conf.py``) then builds ``OUTDIR/en`` and ``OUTDIR/fa``,
and ``OUTDIR/index.html`` lets the reader choose a language.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["build", "fold_collapsed_inputs", "is_persian", "main", "notebooks_for",
           "persian_search_js", "root_index", "run_sphinx", "stage", "static_widgets"]

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
NOTEBOOKS = ROOT / "notebooks"
DOCS = ROOT / "docs"
INSTRUCTOR = DOCS / "instructor"

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

TEXT = {
    "en": {
        "notebooks": "Notebooks",
        "primers": "Primers",
        "course": "Glossary and reading",
        "reference": "Reference",
        "instructor": "For instructors",
        "glossary": "Glossary",
        "glossary_intro": "Every term the notebooks use, in English and Persian "
                          "(from `crmlab/i18n/glossary.csv`).",
        "widget_note": "An interactive explorer: in JupyterLab it responds to its controls. "
                       "Shown here as it was saved.",
        "widget_empty": "An interactive explorer: open this notebook in JupyterLab to use it.",
        "other_language": "This page is in Persian.",
    },
    "fa": {
        "notebooks": "دفترچه‌ها",
        "primers": "پیش‌نیازها",
        "course": "واژه‌نامه و منابع",
        "reference": "مستندات (به انگلیسی)",
        "instructor": "برای مدرس",
        "glossary": "واژه‌نامه",
        "glossary_intro": "همهٔ اصطلاح‌هایی که دفترچه‌ها به کار می‌برند، به فارسی و انگلیسی "
                          "(از ‎`crmlab/i18n/glossary.csv`‎).",
        "widget_note": "کاوشگر تعاملی: در JupyterLab با تغییر کنترل‌ها پاسخ می‌دهد. "
                       "این‌جا همان‌طور که ذخیره شده نشان داده می‌شود.",
        "widget_empty": "کاوشگر تعاملی: برای کار با آن این دفترچه را در JupyterLab باز کنید.",
        "other_language": "این صفحه به انگلیسی است.",
    },
}


# --- which files make up each language's site --------------------------------------

def notebooks_for(lang: str) -> list[Path]:
    """The notebooks of one language, in course order (their file names)."""
    if lang == "en":
        return sorted(NOTEBOOKS.glob("*.ipynb")) + sorted((NOTEBOOKS / "primers").glob("*.ipynb"))
    return sorted((NOTEBOOKS / "fa").rglob("*.ipynb"),
                  key=lambda p: (len(p.relative_to(NOTEBOOKS / "fa").parts), str(p)))


def is_persian(path: Path) -> bool:
    """A page is Persian by its name (``fa.md``, ``*.fa.md``, ``*_fa.md``, a ``fa/``
    folder) or, failing that, by its text (mostly Arabic-script letters)."""
    rel = path.relative_to(ROOT)
    if path.stem == "fa" or path.stem.endswith((".fa", "_fa")) or "fa" in rel.parts[:-1]:
        return True
    letters = [c for c in path.read_text(encoding="utf-8") if c.isalpha()]
    arabic = sum("\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff" for c in letters)
    return bool(letters) and arabic > len(letters) / 2


# --- widget outputs: their static fallback -------------------------------------------

def _img(fmt: str, b64: str) -> str:
    return f'<img src="data:image/{fmt};base64,{b64}" alt="">'


def _bundle_html(out: dict) -> str:
    data = out.get("data", {})
    if out.get("output_type") == "stream":
        return f"<pre>{html.escape(''.join(out.get('text', '')))}</pre>"
    if "text/html" in data:
        return "".join(data["text/html"])
    for fmt in ("png", "jpeg"):
        if f"image/{fmt}" in data:
            return _img(fmt, "".join(data[f"image/{fmt}"]).replace("\n", ""))
    if "image/svg+xml" in data:
        return "".join(data["image/svg+xml"])
    if "text/plain" in data:
        return f"<pre>{html.escape(''.join(data['text/plain']))}</pre>"
    return ""


def _widget_html(model_id: str, state: dict, seen: set[str]) -> str:
    """The saved look of a widget: controls as text, HTML, images and outputs as saved."""
    if model_id in seen or model_id not in state:
        return ""
    seen = seen | {model_id}
    model = state[model_id]
    s = model.get("state", {})
    name = model.get("model_name", "")
    if "children" in s:
        parts = [_widget_html(c.removeprefix("IPY_MODEL_"), state, seen) for c in s["children"]]
        inner = "".join(p for p in parts if p)
        return f'<div class="crmlab-widget-box">{inner}</div>' if inner else ""
    if name in ("HTMLModel", "HTMLMathModel"):
        return f'<div class="crmlab-widget-html">{s.get("value", "")}</div>'
    if name == "LabelModel":
        return f'<span class="crmlab-widget-label">{html.escape(str(s.get("value", "")))}</span>'
    if name == "ImageModel":
        for buf in model.get("buffers", []):
            if buf.get("path") == ["value"] and buf.get("encoding") == "base64":
                return _img(s.get("format", "png"), buf["data"])
        return ""
    if name == "OutputModel":
        return "".join(_bundle_html(o) for o in s.get("outputs", []))
    if name.endswith("ButtonModel") or "value" not in s and "index" not in s:
        return ""
    value = s.get("value")
    if "_options_labels" in s and s.get("index") is not None:
        index = s["index"]
        labels = s["_options_labels"]
        value = ", ".join(labels[i] for i in index) if isinstance(index, list) else labels[index]
    desc = html.escape(str(s.get("description", "")))
    text = html.escape(str(value))
    return (f'<span class="crmlab-widget-control">{desc + ": " if desc else ""}'
            f"<b>{text}</b></span>")


def static_widgets(nb: dict, lang: str) -> dict:
    """A copy of ``nb`` whose widget outputs are static HTML or images, without the
    widget state (so the site loads no widget JavaScript)."""
    nb = copy.deepcopy(nb)
    state = nb.get("metadata", {}).pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            view = data.pop(WIDGET_VIEW)
            if any(k in data for k in ("text/html", "image/png", "image/jpeg", "image/svg+xml")):
                continue  # the output carries its own static version (a quiz, a figure)
            inner = _widget_html(view.get("model_id", ""), state, set())
            note = TEXT[lang]["widget_note" if inner else "widget_empty"]
            data["text/html"] = (f'<div class="crmlab-widget-static">'
                                 f'<p class="crmlab-widget-note">{html.escape(note)}</p>'
                                 f"{inner}</div>")
    return nb


def fold_collapsed_inputs(nb: dict) -> dict:
    """Cells whose source is collapsed in JupyterLab (``jupyter.source_hidden``: the
    claim cells) are folded on the site too, behind myst-nb's "show code" toggle."""
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        if cell["cell_type"] == "code" and meta.get("jupyter", {}).get("source_hidden"):
            tags = meta.setdefault("tags", [])
            if "hide-input" not in tags and "remove-input" not in tags:
                tags.append("hide-input")
    return nb


# --- staging ---------------------------------------------------------------------------

def _wrap_direction(text: str, page_lang: str, site_lang: str) -> str:
    """A page in the other language keeps its own direction inside the site."""
    if page_lang == site_lang:
        return text
    d = "rtl" if page_lang == "fa" else "ltr"
    return f'<div dir="{d}" lang="{page_lang}">\n\n{text}\n\n</div>\n'


_RAW_ANCHOR = re.compile(r'^<a id="([A-Za-z0-9_-]+)"></a>[ \t]*$', re.M)


def _myst_targets(text: str) -> str:
    """``<a id="x"></a>`` on a line of its own (the reading list's anchors) becomes the
    MyST target ``(x)=``, so Sphinx knows the anchor and checks every link to it."""
    return _RAW_ANCHOR.sub(r"(\1)=", text)


def _toctree(caption: str, entries: list[str]) -> str:
    if not entries:
        return ""
    body = "\n".join(entries)
    return f"\n```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n{body}\n```\n"


def _glossary_page(lang: str) -> str:
    from crmlab.i18n._catalog import glossary_markdown, glossary_terms

    keys = list(glossary_terms())
    return (f"# {TEXT[lang]['glossary']}\n\n{TEXT[lang]['glossary_intro']}\n\n"
            f"{glossary_markdown(keys, lang)}\n")


def stage(lang: str, src: Path, instructor: bool) -> None:
    """Lay out one language's Sphinx source tree in ``src``."""
    t = TEXT[lang]
    notebooks = notebooks_for(lang)
    for nb_path in notebooks:
        target = src / nb_path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        nb = fold_collapsed_inputs(static_widgets(nb, lang))
        target.write_text(json.dumps(nb, ensure_ascii=False),
                          encoding="utf-8")
    reference = []
    (src / "docs").mkdir(parents=True, exist_ok=True)
    for doc in sorted(DOCS.glob("*.md")):
        text = _myst_targets(doc.read_text(encoding="utf-8"))
        page_lang = "fa" if is_persian(doc) else "en"
        (src / "docs" / doc.name).write_text(_wrap_direction(text, page_lang, lang),
                                             encoding="utf-8")
        if doc.name != "reading.md":
            reference.append(f"docs/{doc.stem}")
    guide = []
    if instructor:
        pages = sorted((p for p in INSTRUCTOR.rglob("*.md")),
                       key=lambda p: (is_persian(p) != (lang == "fa"),
                                      len(p.relative_to(INSTRUCTOR).parts), str(p)))
        for page in pages:
            target = src / page.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            page_lang = "fa" if is_persian(page) else "en"
            text = _myst_targets(page.read_text(encoding="utf-8"))
            target.write_text(_wrap_direction(text, page_lang, lang), encoding="utf-8")
            guide.append(page.relative_to(ROOT).with_suffix("").as_posix())
        for other in INSTRUCTOR.rglob("*"):  # figures an answer key shows
            if other.is_file() and other.suffix != ".md":
                target = src / other.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(other, target)
    (src / "glossary.md").write_text(_glossary_page(lang), encoding="utf-8")
    if (SITE / "locale" / lang).is_dir():  # the theme's words Sphinx cannot translate
        shutil.copytree(SITE / "locale" / lang, src / "_locale" / lang)
    if lang == "fa":
        persian_search_js(src / "_locale" / "fa" / "LC_MESSAGES" / "sphinx.js")

    def entry(p: Path) -> str:
        return p.relative_to(ROOT).with_suffix("").as_posix()

    lessons = [entry(p) for p in notebooks if "primers" not in p.parts]
    primers = [entry(p) for p in notebooks if "primers" in p.parts]
    front = (SITE / lang / "index.md").read_text(encoding="utf-8")
    front += _toctree(t["notebooks"], lessons)
    front += _toctree(t["primers"], primers)
    front += _toctree(t["course"], ["glossary", "docs/reading"])
    front += _toctree(t["reference"], reference)
    front += _toctree(t["instructor"], guide)
    (src / "index.md").write_text(front, encoding="utf-8")


#: Persian search messages that Sphinx's own catalogue leaves empty
SEARCH_JS_FA = {
    "Search finished, found one page matching the search query.": [
        "جستجو تمام شد: یک صفحه پیدا شد.",
        "جستجو تمام شد: ${resultCount} صفحه پیدا شد.",
    ],
}


def persian_search_js(target: Path) -> None:
    """Sphinx's Persian ``sphinx.js`` with its plural rule fixed and the search summary
    translated: as shipped, ``plural_expr`` is ``(n > 1)``, a boolean that indexes no
    array, so the search page stops with an error before it says how many pages it
    found. Written into the staged locale folder, where Sphinx takes it first."""
    import sphinx

    shipped = Path(sphinx.__file__).parent / "locale" / "fa" / "LC_MESSAGES" / "sphinx.js"
    text = shipped.read_text(encoding="utf-8")
    catalog = json.loads(text[text.index("{"):text.rindex("}") + 1])
    catalog["messages"].update(SEARCH_JS_FA)
    catalog["plural_expr"] = "(n > 1) ? 1 : 0"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"Documentation.addTranslations({json.dumps(catalog, indent=1)});\n",
                      encoding="utf-8")


def root_index(out: Path, instructor: bool) -> None:
    """The page at the top of the site: choose English or Persian."""
    title = "crmlab — instructor's site" if instructor else "crmlab — the course"
    (out / "index.html").write_text(
        (SITE / "root_index.html").read_text(encoding="utf-8").replace("{{title}}", title),
        encoding="utf-8")


def run_sphinx(src: Path, out: Path, lang: str, doctrees: Path, *,
               instructor: bool = False) -> None:
    """Build one language's staged sources ``src`` into ``out`` with site/conf.py;
    any Sphinx warning (a broken link, a missing anchor) fails the build."""
    env = dict(os.environ, CRMLAB_SITE_LANG=lang, CRMLAB_SITE_SRC=str(src),
               CRMLAB_SITE_INSTRUCTOR="1" if instructor else "0")
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-n", "-W", "--keep-going",
           "-c", str(SITE), "-d", str(doctrees), str(src), str(out)]
    result = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
    if result.returncode:
        raise RuntimeError(f"site: the {lang} build failed (sphinx exit "
                           f"{result.returncode}); its warnings are above")
    (out / ".buildinfo").unlink(missing_ok=True)


#: The file that marks a folder as a site crmlab built: only such a folder is rebuilt.
MARKER = ".crmlab-site"


def claim_output(out: Path) -> None:
    """Make ``out`` the site's folder, refusing one that holds files crmlab did not write.

    A rebuild replaces ``en/``, ``fa/`` and ``index.html``; it does so only in a folder
    that carries :data:`MARKER` (written by an earlier build), or a new or empty one.
    """
    if out.exists() and not out.is_dir():
        raise SystemExit(f"site: {out} is a file, not a folder; choose another output")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SystemExit(f"site: {out} holds files crmlab did not write (it has no {MARKER}); "
                         "choose a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by crmlab's scripts/site.sh; rebuilt in place\n",
                              encoding="utf-8")


def build(out: Path, instructor: bool) -> None:
    claim_output(out)
    with tempfile.TemporaryDirectory(prefix="crmlab-site-") as tmp:
        for lang in ("en", "fa"):
            src = Path(tmp) / "src" / lang
            stage(lang, src, instructor)
            print(f"site: building {lang} -> {out / lang}", flush=True)
            # built beside the temporary sources, since myst-nb writes its
            # jupyter_execute/ folder next to the output; then moved into place
            html_dir = Path(tmp) / "html" / lang
            run_sphinx(src, html_dir, lang, Path(tmp) / "doctrees" / lang,
                       instructor=instructor)
            if (out / lang).exists():
                shutil.rmtree(out / lang)
            shutil.move(html_dir, out / lang)
        root_index(out, instructor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructor", action="store_true",
                        help="add docs/instructor/ (the guide and the answer keys)")
    parser.add_argument("out", type=Path, help="output folder")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if re.fullmatch(r"/*", str(out)) or out == ROOT:
        raise SystemExit(f"site: refusing to build into {out}")
    try:
        build(out, args.instructor)
    except RuntimeError as err:
        raise SystemExit(str(err)) from None
    print(f"site: done: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
