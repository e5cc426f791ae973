"""The roundup's pages in a real browser: axe-core's WCAG 2.2 A/AA rules in headless
Chromium (0 violations), the keyboard path, and reflow at 320 px; the site is bilingual
(``[site] languages = ["cy", "en"]``), so each page is checked in Welsh (at the root) and
in English (under ``en/``).

Uses the browser and helpers of ``test_accessibility`` (same requirements: Debian's
Chromium, Playwright, axe-core in ``tests/.node``; nothing is skipped).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

import copro_feeds
from copro_feeds._serve import Server
from tests import test_accessibility as a11y
from tests.test_accessibility import check_axe, check_keyboard, check_reflow, open_page

browser = a11y.browser  # the fixtures: one headless Chromium for the module, a tab per test
page = a11y.page

# Under pytest-xdist, the browser modules share one worker: one Chromium at a time.
pytestmark = pytest.mark.xdist_group("chromium")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PAGES = ["digest/2026-03-02.html", "digest/2026-02-23.html", "digest/index.html"]


@pytest.fixture(scope="module")
def served(module_project) -> Iterator[str]:
    """The real pipeline's output with the weekly roundup on, in Welsh and English, served
    on 127.0.0.1 (built once for the module: its tests only read it)."""
    project = module_project
    text = project.config_path.read_text(encoding="utf-8")
    text = text.replace("[site]\n", '[site]\nlanguages = ["cy", "en"]\n')
    project.config_path.write_text(text + "\n[digest]\nenabled = true\n", encoding="utf-8")
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config, clock=lambda: NOW) as aggregator:
        report = aggregator.run_once()
    assert report.count(copro_feeds.Outcome.ERROR) == 0, report.results
    server = Server(project.public, host="127.0.0.1", port=0)
    base = server.start()
    try:
        yield base
    finally:
        server.stop()


@pytest.fixture(params=["", "en/"], ids=["cy", "en"])
def site(request, served) -> str:
    """The Welsh site (at the root), then the English one (under ``en/``)."""
    return served + request.param


def test_the_roundup_is_in_each_language(page, served):
    open_page(page, served + "digest/2026-03-02.html")
    assert page.evaluate("() => document.documentElement.lang") == "cy"
    assert "2 Mawrth 2026" in page.locator("main .lead").inner_text()
    assert page.locator(".site-languages a").get_attribute("href") == "../en/digest/2026-03-02.html"
    open_page(page, served + "en/digest/2026-03-02.html")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert "2 March 2026" in page.locator("main .lead").inner_text()


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_wcag_22_aa_violations_on_roundup_pages(page, site, path, record_property):
    open_page(page, site + path)
    assert page.locator("main article").count() > 0 or path.endswith("index.html")
    check_axe(page, path, record_property)


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_reaches_every_link_in_order_with_focus_visible(page, site, path):
    open_page(page, site + path)
    check_keyboard(page, site + path)


def test_roundup_pages_reflow_at_320_px(page, site):
    page.set_viewport_size({"width": 320, "height": 900})
    for path in PAGES:
        open_page(page, site + path)
        check_reflow(page, site + path)
