"""The archive's pages in a real browser: axe-core's WCAG 2.2 A/AA rules in headless
Chromium (0 violations), the keyboard path, and reflow at 320 px.

Uses the browser and helpers of ``test_accessibility`` (same requirements: Debian's
Chromium, Playwright, axe-core in ``tests/.node``; nothing is skipped).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

import copro_feeds
from tests import test_accessibility as a11y
from tests import test_publish_archive_pages as archive_pages
from tests.local_site import serve, write_tree
from tests.test_accessibility import check_axe, check_keyboard, check_reflow, open_page

browser = a11y.browser  # the fixtures: one headless Chromium for the module, a tab per test
page = a11y.page

# Under pytest-xdist, the browser modules share one worker: one Chromium at a time.
pytestmark = pytest.mark.xdist_group("chromium")
NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # February is over, March is not
PAGES = ["archive/index.html", "archive/2026-02/index.html", "archive/2026-03/index.html"]


@pytest.fixture(scope="module")
def site(module_project) -> Iterator[str]:
    """The real pipeline's output on 5 March 2026, served on 127.0.0.1 (built once for
    the module: its tests only read it)."""
    config = copro_feeds.load_config(module_project.config_path)
    with copro_feeds.make_aggregator(config, clock=lambda: NOW) as aggregator:
        report = aggregator.run_once()
    assert report.count(copro_feeds.Outcome.ERROR) == 0, report.results
    yield from serve(module_project.public)


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_wcag_22_aa_violations_on_archive_pages(page, site, path, record_property):
    open_page(page, site + path)
    if path != "archive/index.html":
        assert page.locator("main article").count() > 0
    check_axe(page, path, record_property)


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_reaches_every_link_in_order_with_focus_visible(page, site, path):
    open_page(page, site + path)
    check_keyboard(page, site + path)


def test_archive_pages_reflow_at_320_px(page, site):
    page.set_viewport_size({"width": 320, "height": 900})
    for path in PAGES:
        open_page(page, site + path)
        check_reflow(page, site + path)


# -- a month in pages (tests/test_publish_archive_pages.py's history: March in three) -------

PAGED = ["archive/2026-03/index.html", "archive/2026-03/2/index.html"]


@pytest.fixture(scope="module")
def paged(tmp_path_factory) -> Iterator[str]:
    """A month of 250 posts in three pages, rendered and served on 127.0.0.1."""
    pages = archive_pages.render(archive_pages.history())
    yield from serve(write_tree(tmp_path_factory.mktemp("paged"), pages))


@pytest.mark.parametrize("path", PAGED)
def test_axe_finds_no_wcag_22_aa_violations_on_a_month_in_pages(page, paged, path, record_property):
    open_page(page, paged + path)
    assert page.locator("nav.pages [aria-current='page']").count() == 1
    check_axe(page, path, record_property)


def test_keyboard_reaches_every_link_of_a_middle_page_in_order(page, paged):
    open_page(page, paged + PAGED[1])
    check_keyboard(page, paged + PAGED[1])
