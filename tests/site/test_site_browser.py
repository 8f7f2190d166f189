"""The course website in a real browser: Debian's Chromium through Playwright.

Opens the built site from disk (``file://``, as a student who unpacked it would),
chooses each language on the root page, follows the navigation to a notebook and to
the next page, and checks that every image loaded, that Persian pages are laid out right
to left and English ones left to right, and that the offline search finds a page.
Screenshots go to ``artifacts/screenshots/site-*.png`` (git-ignored) for a human to see.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
UI_TIMEOUT = 60  # seconds

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

_BROKEN_IMAGES_JS = """() => [...document.images]
    .filter(i => !i.complete || i.naturalWidth === 0)
    .map(i => i.getAttribute('src').slice(0, 80))"""
_DIRECTION_JS = "() => getComputedStyle(document.body).direction"
_page_errors: list[str] = []  # JavaScript errors of the module's page, checked per page


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT * 1000)
    # the site must work offline: any request off this machine fails the test
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    pg = context.new_page()
    pg.on("pageerror", lambda err: _page_errors.append(f"{pg.url}: {err}"))
    try:
        yield pg, requests
    finally:
        context.close()


def _shot(pg, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SCREENSHOTS / f"site-{name}.png"))


def _check_page(pg, direction: str) -> None:
    pg.wait_for_load_state("load")
    assert not _page_errors, f"JavaScript errors: {_page_errors[:3]}"
    broken = pg.evaluate(_BROKEN_IMAGES_JS)
    assert not broken, f"{pg.url}: broken images {broken}"
    assert pg.evaluate(_DIRECTION_JS) == direction, pg.url
    assert pg.locator("html").get_attribute("dir") == ("rtl" if direction == "rtl" else None)
    # nothing (a wide DataFrame) makes the page scroll sideways
    width, client = pg.evaluate("[document.documentElement.scrollWidth, "
                                "document.documentElement.clientWidth]")
    assert width <= client + 1, f"{pg.url}: the page is {width}px wide in a {client}px window"


@pytest.mark.parametrize(("lang", "label", "direction"),
                         [("en", "English", "ltr"), ("fa", "فارسی", "rtl")])
def test_front_page_notebook_and_navigation(site, page, lang, label, direction):
    pg, requests = page
    pg.goto((site / "index.html").as_uri())
    pg.get_by_role("link", name=label).first.click()
    pg.wait_for_url(f"**/{lang}/index.html")
    _check_page(pg, direction)
    assert pg.locator("html").get_attribute("lang") == lang
    _shot(pg, f"{lang}-front")

    # the first notebook in the sidebar's table of contents
    link = pg.locator(".sidebar-tree a.reference.internal[href*='notebooks/']").first
    title = link.inner_text().strip()
    link.click()
    pg.wait_for_url("**/notebooks/**.html")
    _check_page(pg, direction)
    assert title.split()[-1] in pg.locator("h1").first.inner_text()
    assert pg.locator(".cell_output").count() > 0, f"{pg.url}: no stored output shown"
    _shot(pg, f"{lang}-notebook")

    # on to the next page, then back home through the sidebar's brand link
    before = pg.url
    pg.locator(".related-pages a.next-page").click()
    pg.wait_for_function("(u) => location.href !== u", arg=before)
    _check_page(pg, direction)
    pg.locator("a.sidebar-brand").first.click()
    pg.wait_for_url(f"**/{lang}/index.html")

    outside = [u for u in requests if not u.startswith(("file://", "data:", "about:"))]
    assert not outside, f"requests off this machine: {outside[:5]}"


def test_a_notebook_page_with_figures_and_an_explorer(site, page):
    pg, requests = page
    pg.goto((site / "en" / "notebooks" / "03_customer_centricity_and_clv.html").as_uri())
    _check_page(pg, "ltr")
    assert pg.evaluate("document.images.length") >= 3
    explorer = pg.locator(".crmlab-widget-static").first
    explorer.scroll_into_view_if_needed()
    assert explorer.locator("img").count() >= 1
    explorer.screenshot(path=str(SCREENSHOTS / "site-en-explorer.png"))
    outside = [u for u in requests if not u.startswith(("file://", "data:", "about:"))]
    assert not outside, f"requests off this machine: {outside[:5]}"


@pytest.mark.parametrize(("lang", "query", "expected"), [
    ("en", "segmentation", "04_segmentation_experiments"),
    ("fa", "مشتری", "glossary"),  # Persian words are found too (Sphinx's splitter, no stemmer)
])
def test_offline_search_finds_pages(site, page, lang, query, expected):
    pg, _ = page
    errors: list[str] = []
    on_error = lambda err: errors.append(str(err))  # noqa: E731
    pg.on("pageerror", on_error)
    try:
        pg.goto((site / lang / "search.html").as_uri() + "?q=" + quote(query))
        # Sphinx lists the results one by one, then writes its summary line
        pg.wait_for_function("() => (document.querySelector('#search-results "
                             ".search-summary') || {}).innerText")
        summary = pg.locator("#search-results .search-summary").inner_text()
    finally:
        pg.remove_listener("pageerror", on_error)
    assert not errors, f"the search page raised: {errors[:3]}"
    results = pg.locator("#search-results li")
    hrefs = [results.nth(i).locator("a").first.get_attribute("href")
             for i in range(results.count())]
    assert any(expected in h for h in hrefs), hrefs
    assert str(len(hrefs)) in summary, summary  # "found N pages", in the page's language


def test_persian_navigation_drawer_opens_from_the_right_on_a_phone(site, browser):
    context = browser.new_context(viewport={"width": 480, "height": 800})
    context.set_default_timeout(UI_TIMEOUT * 1000)
    try:
        pg = context.new_page()
        pg.goto((site / "fa" / "index.html").as_uri())
        drawer = pg.locator(".sidebar-drawer")
        assert drawer.bounding_box()["x"] >= 480  # closed: off screen on the right
        pg.locator("label.nav-overlay-icon").first.click()
        pg.wait_for_function("() => { const r = document.querySelector('.sidebar-drawer')"
                             ".getBoundingClientRect(); return Math.abs(r.right - 480) < 2; }")
        _shot(pg, "fa-phone-navigation")
        pg.locator(".sidebar-drawer a.reference.internal[href*='notebooks/']").first.click()
        pg.wait_for_url("**/notebooks/**.html")
    finally:
        context.close()
