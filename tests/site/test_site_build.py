"""The built course website, read as files: pages, links, assets, direction, answer keys.

The site comes from the session fixture ``site`` (``bash scripts/site.sh OUTDIR``,
tests/site/conftest.py); nothing here needs a browser.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
INSTRUCTOR = ROOT / "docs" / "instructor"
_spec = importlib.util.spec_from_file_location("crmlab_site_build", ROOT / "site" / "build.py")
site_build = importlib.util.module_from_spec(_spec)  # site/build.py: the staging of the site
_spec.loader.exec_module(site_build)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

#: element -> attributes that make the browser load something (an asset)
ASSET_ATTRS = {"script": ["src"], "img": ["src", "srcset"], "iframe": ["src"],
               "source": ["src", "srcset"], "video": ["src", "poster"], "audio": ["src"],
               "embed": ["src"], "object": ["data"], "link": ["href"]}
LINK_ATTRS = {"a": ["href"], **ASSET_ATTRS}
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)  # http:, https:, mailto:, data:, //


def _pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _ids(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        soup = _soup(path)
        cache[path] = ({t["id"] for t in soup.find_all(id=True)}
                       | {t["name"] for t in soup.find_all("a", attrs={"name": True})})
    return cache[path]


# --- pages -------------------------------------------------------------------------------

def test_root_index_offers_both_languages(site):
    soup = _soup(site / "index.html")
    hrefs = {a["href"] for a in soup.find_all("a", href=True)}
    assert {"en/index.html", "fa/index.html"} <= hrefs, hrefs
    assert (site / "en" / "index.html").is_file() and (site / "fa" / "index.html").is_file()


def test_the_output_folder_holds_only_the_site(site):
    assert sorted(p.name for p in site.iterdir()) == [site_build.MARKER, "en", "fa", "index.html"]


def test_a_page_for_every_english_notebook_and_primer(site):
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted((NOTEBOOKS / "primers").glob("*.ipynb"))
    assert len(notebooks) >= 10
    missing = [str(nb.relative_to(ROOT)) for nb in notebooks
               if not (site / "en" / nb.relative_to(ROOT).with_suffix(".html")).is_file()]
    assert not missing, f"no English page for {missing}"
    front = (site / "en" / "index.html").read_text(encoding="utf-8")
    for nb in notebooks:  # each is linked from the front page's table of contents
        assert f'href="{nb.relative_to(ROOT).with_suffix(".html").as_posix()}"' in front, nb.name


def test_a_persian_page_for_every_persian_notebook(site):
    notebooks = sorted((NOTEBOOKS / "fa").rglob("*.ipynb"))
    assert notebooks, "notebooks/fa/ has no notebook"
    missing = [str(nb.relative_to(ROOT)) for nb in notebooks
               if not (site / "fa" / nb.relative_to(ROOT).with_suffix(".html")).is_file()]
    assert not missing, f"no Persian page for {missing}"
    # and no English notebook leaks into the Persian site
    assert not list((site / "fa" / "notebooks").glob("*.html"))


def test_a_notebook_page_shows_its_title_and_stored_figures(site):
    nb_path = NOTEBOOKS / "03_customer_centricity_and_clv.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    title = next(line for c in nb["cells"] if c["cell_type"] == "markdown"
                 for line in "".join(c["source"]).splitlines() if line.startswith("# "))
    soup = _soup(site / "en" / "notebooks" / "03_customer_centricity_and_clv.html")
    assert title[2:].strip() in soup.find("h1").get_text()
    n_png = sum("image/png" in o.get("data", {}) for c in nb["cells"]
                for o in c.get("outputs", []))
    assert n_png >= 1
    assert len(soup.find_all("img")) >= n_png


def test_persian_pages_are_right_to_left_in_persian(site):
    pages = _pages(site / "fa")
    assert len(pages) >= 5
    wrong = [str(p.relative_to(site)) for p in pages
             if not re.search(r'<html[^>]*\blang="fa"[^>]*\bdir="rtl"',
                              p.read_text(encoding="utf-8"))]
    assert not wrong, f'pages without <html lang="fa" dir="rtl">: {wrong[:5]}'
    css = (site / "fa" / "index.html").read_text(encoding="utf-8")
    assert "crmlab-rtl.css" in css
    # Sphinx's Persian interface strings (the search box), and the theme's from site/locale
    assert "جستجو" in css
    page = next((site / "fa" / "notebooks" / "fa").glob("*.html")).read_text(encoding="utf-8")
    assert "بازگشت به بالا" in page and "Back to top" not in page


def test_english_pages_are_left_to_right_in_english(site):
    for page in _pages(site / "en"):
        head = page.read_text(encoding="utf-8")[:400]
        assert 'lang="en"' in head and 'dir="rtl"' not in head, page


def test_glossary_pages_list_every_term_in_both_languages(site):
    from crmlab.i18n._catalog import glossary_terms

    terms = glossary_terms()
    for lang in ("en", "fa"):
        text = _soup(site / lang / "glossary.html").get_text(" ")
        text = text.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))  # smart quotes
        missing = [k for k, t in terms.items() if t.en not in text or t.fa not in text]
        assert not missing, f"{lang}/glossary.html lacks the terms {missing[:5]}"


def test_reading_list_is_in_both_sites_with_its_anchors(site):
    for lang in ("en", "fa"):
        ids = {t["id"] for t in _soup(site / lang / "docs" / "reading.html").find_all(id=True)}
        anchors = re.findall(r'<a id="([^"]+)"></a>',
                             (ROOT / "docs" / "reading.md").read_text(encoding="utf-8"))
        assert anchors and set(anchors) <= ids, set(anchors) - ids


def test_search_works_offline(site):
    for lang in ("en", "fa"):
        assert (site / lang / "search.html").is_file()
        index = (site / lang / "searchindex.js").read_text(encoding="utf-8")
        assert "glossary" in index
        assert 'src="_static/searchtools.js' in (site / lang / "search.html").read_text(
            encoding="utf-8")


# --- links and assets ------------------------------------------------------------------

def test_every_internal_link_resolves(site):
    ids: dict[Path, set[str]] = {}
    broken, checked = [], 0
    for page in _pages(site):
        soup = _soup(page)
        for tag, attrs in LINK_ATTRS.items():
            for el in soup.find_all(tag):
                for attr in attrs:
                    value = el.get(attr)
                    if not value:
                        continue
                    urls = ([u.strip().split()[0] for u in value.split(",") if u.strip()]
                            if attr == "srcset" else [value])
                    for url in urls:
                        if EXTERNAL.match(url):
                            continue
                        checked += 1
                        parts = urlsplit(url)
                        target = (page.parent / unquote(parts.path)).resolve() \
                            if parts.path else page
                        if target.is_dir():
                            target = target / "index.html"
                        where = f"{page.relative_to(site)}: {tag} {attr}={url}"
                        if site.resolve() not in target.resolve().parents:
                            broken.append(f"{where} (outside the site)")
                        elif not target.is_file():
                            broken.append(f"{where} (no such file)")
                        elif parts.fragment and target.suffix == ".html" and \
                                unquote(parts.fragment) not in _ids(target, ids):
                            broken.append(f"{where} (no such anchor)")
    assert checked > 500, f"only {checked} internal links found: is the crawl working?"
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:30])


def test_no_page_loads_anything_from_the_network(site):
    offending = []
    for page in _pages(site):
        soup = _soup(page)
        for tag, attrs in ASSET_ATTRS.items():
            for el in soup.find_all(tag):
                if tag == "link" and not set(el.get("rel", [])) & {
                        "stylesheet", "icon", "preload", "modulepreload", "prefetch",
                        "manifest", "apple-touch-icon"}:
                    continue
                for attr in attrs:
                    value = el.get(attr, "")
                    if re.search(r"(^|[\s,])(https?:)?//", value):
                        offending.append(f"{page.relative_to(site)}: <{tag} {attr}={value}>")
        for style in soup.find_all("style"):
            if re.search(r"(url\(|@import)\s*['\"]?(https?:)?//", style.get_text()):
                offending.append(f"{page.relative_to(site)}: <style> loads from the network")
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        if re.search(r"(url\(|@import)\s*['\"]?(https?:)?//", text):
            offending.append(f"{css.relative_to(site)}: url() or @import from the network")
    assert not offending, "\n".join(offending[:20])


def _widget_outputs(nb_path: Path) -> list[dict]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return [o["data"] for c in nb["cells"] for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]


def test_widget_outputs_are_static(site):
    """No widget JavaScript or broken widget box; a widget output shows its own HTML or
    image where it has one, else the saved look of the explorer."""
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        assert "jupyter-widgets" not in text and "require.js" not in text, page
        assert "application/vnd.jupyter.widget" not in text, page
    bare = [nb for nb in sorted(NOTEBOOKS.glob("*.ipynb"))
            if any(not {"text/html", "image/png"} & set(d) for d in _widget_outputs(nb))]
    assert bare, "no notebook has a widget output without a static version: nothing to check"
    for nb in bare:
        page = site / "en" / "notebooks" / f"{nb.stem}.html"
        n = len(re.findall(r'class="crmlab-widget-static"', page.read_text(encoding="utf-8")))
        want = sum(not {"text/html", "image/png"} & set(d) for d in _widget_outputs(nb))
        assert n == want, f"{page.name}: {n} static explorers, {want} widget outputs"


def test_math_is_typeset_by_the_bundled_mathjax(site):
    page = (site / "en" / "notebooks" / "07_social_crm.html").read_text(encoding="utf-8")
    assert re.search(r'<script[^>]*src="../_static/mathjax/tex-chtml.js', page), \
        "the page with math does not load MathJax from _static"
    assert (site / "en" / "_static" / "mathjax" / "output" / "chtml" / "fonts"
            / "woff-v2").is_dir()


# --- answer keys --------------------------------------------------------------------------

def _plain_sentences(path: Path) -> list[str]:
    """Lines of a Markdown file that are plain text (no markup) and long enough to be
    unmistakable if they turn up elsewhere."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if len(line) >= 50 and not re.search(r"[\[\]*_`|<>#$\\]", line) \
                and not line.startswith(("-", "+", ">")):
            out.append(" ".join(line.split()))
    return out


def test_the_student_site_has_no_instructor_pages_or_answer_keys(site):
    pages = sorted(INSTRUCTOR.rglob("*.md"))
    assert pages, "docs/instructor/ has no page"
    # a key may quote the notebook it answers (its SQL, a helper's docstring): such a
    # line is already the students', so only lines the notebooks do not hold count
    public = " ".join(" ".join(p.read_text(encoding="utf-8").split())
                      for p in (ROOT / "notebooks").rglob("*") if p.suffix in (".py", ".md"))
    sentences = {s: p for p in pages for s in _plain_sentences(p) if s not in public}
    assert len(sentences) >= 10, "too few plain sentences in docs/instructor/ to check"
    student_text = []
    for f in sorted(site.rglob("*")):
        if f.is_file() and f.suffix in (".html", ".js", ".txt", ".md", ".ipynb", ".json"):
            text = f.read_text(encoding="utf-8", errors="replace")
            if f.suffix == ".html":
                text = BeautifulSoup(text, "html.parser").get_text(" ")
            student_text.append(" ".join(html.unescape(text).split()))
    blob = "\n".join(student_text)
    leaked = [f"{p.relative_to(ROOT)}: {s[:80]}" for s, p in sentences.items() if s in blob]
    assert not leaked, "instructor text in the student site:\n" + "\n".join(leaked[:10])
    assert not list(site.rglob("instructor")), "an instructor folder in the student site"
    assert not any("answers" in p.parts for p in site.rglob("*"))


def test_a_folder_crmlab_did_not_write_is_refused_and_kept(tmp_path, site):
    mine = tmp_path / "notes"
    (mine / "en").mkdir(parents=True)
    (mine / "en" / "draft.md").write_text("my own notes", encoding="utf-8")
    with pytest.raises(SystemExit, match="holds files crmlab did not write"):
        site_build.main([str(mine)])
    assert (mine / "en" / "draft.md").read_text(encoding="utf-8") == "my own notes"
    assert not (mine / site_build.MARKER).exists()
    with pytest.raises(SystemExit, match="is a file"):
        site_build.main([str(mine / "en" / "draft.md")])
    assert (site / site_build.MARKER).is_file()  # a built site can be rebuilt in place


def test_the_instructor_build_stages_the_guide_and_answer_keys(tmp_path):
    pages = sorted(INSTRUCTOR.rglob("*.md"))
    for lang in ("en", "fa"):
        site_build.stage(lang, tmp_path / "instr" / lang, instructor=True)
        site_build.stage(lang, tmp_path / "student" / lang, instructor=False)
        staged = {p.relative_to(tmp_path / "instr" / lang) for p in
                  (tmp_path / "instr" / lang / "docs" / "instructor").rglob("*.md")}
        assert staged == {p.relative_to(ROOT) for p in pages}
        assert not (tmp_path / "student" / lang / "docs" / "instructor").exists()
        front = (tmp_path / "instr" / lang / "index.md").read_text(encoding="utf-8")
        first_guide = "docs/instructor/fa" if lang == "fa" else "docs/instructor/README"
        assert first_guide in front
        assert front.index(first_guide) <= min(front.index(p.relative_to(ROOT).with_suffix(
            "").as_posix()) for p in pages)


def test_site_sh_rejects_unknown_options():
    result = subprocess.run(["bash", "scripts/site.sh", "--publish"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "--instructor" in result.stderr


def test_collapsed_claim_cells_are_folded_on_the_site(site):
    for lang, nb_path in (("en", NOTEBOOKS / "11_what_crm_is.ipynb"),
                          ("fa", NOTEBOOKS / "fa" / "11_what_crm_is.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        hidden = sum(c["cell_type"] == "code"
                     and c["metadata"].get("jupyter", {}).get("source_hidden", False)
                     for c in nb["cells"])
        assert hidden, f"{nb_path.name} has no collapsed cell to check"
        page = site / lang / nb_path.relative_to(ROOT).with_suffix(".html")
        soup = _soup(page)
        assert len(soup.select("details.hide.above-input")) == hidden, page
