"""The staff web app in a real browser (Debian's Chromium through Playwright, as
tests/test_accessibility.py drives it): a post found and hidden with the keyboard alone,
gone from atom.xml and the published page, the audit line there; axe-core's WCAG 2.2 A
and AA rules on every page of the app, forms with their errors included; every control
reached by Tab, visibly focused.

``COPRO_WRITE_SCREENSHOTS=1`` also saves the main pages as docs/screenshots/admin-*.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.admin_site import ADMIN, EDITOR, PASSWORD, admin_project, serve_app
from tests.conftest import PARTNERS, RSS
from tests.feedserver import FeedServer
from tests.local_site import serve
from tests.test_accessibility import SCREENSHOTS, browser, check_axe, run_axe

pytestmark = pytest.mark.xdist_group("chromium")
__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with the page tests

SITE_PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>Inclusion Wales</title>
<link rel="alternate" type="application/rss+xml" href="/iw/feed/"></head><body></body></html>"""
GATHERING = "Co-production Gathering 2026"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator:
    with FeedServer() as server:
        project = admin_project(tmp_path_factory.mktemp("admin"), server)
        server.serve("/iw/", SITE_PAGE, content_type="text/html; charset=utf-8")
        server.serve("/iw/feed/", (PARTNERS / "scope.rss.xml").read_bytes(), content_type=RSS)
        with serve_app(project) as served:
            yield served


@pytest.fixture
def page(browser) -> Iterator[Page]:
    browser.context.clear_cookies()  # each test starts signed out
    tab = browser.context.new_page()
    try:
        yield tab
    finally:
        tab.close()
        assert browser.refused == [], f"the page asked for pages off 127.0.0.1: {browser.refused}"


def active(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement, style = getComputedStyle(e);
            return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'),
                    text: (e.textContent || '').trim(), href: e.getAttribute('href'),
                    outline: style.outlineStyle, width: e.getBoundingClientRect().width};
        }"""
    )


def tab_to(page: Page, selector: str, limit: int = 80) -> dict:
    """Press Tab until the focus is on ``selector``; fail if the keyboard never gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return active(page)
    pytest.fail(f"Tab never reached {selector} on {page.url}")


def keyboard_sign_in(page: Page, base: str, name: str) -> None:
    page.goto(base + "login")
    tab_to(page, "#username")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + "entries", page.url


def test_find_and_hide_a_post_with_the_keyboard_alone(page, site):
    base = site.url
    keyboard_sign_in(page, base, EDITOR)
    tab_to(page, "#q")
    page.keyboard.type("gathering")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("tbody tr").count() == 1
    link = tab_to(page, "tbody a")
    assert link["text"] == GATHERING
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == GATHERING
    # no reason: the error is announced, focused, and linked to the field
    tab_to(page, "button.warning")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Error: ")
    assert active(page)["tag"] == "div"  # the error summary takes the focus
    assert page.locator(".error-summary a").get_attribute("href") == "#reason"
    assert page.locator("#reason").get_attribute("aria-describedby") == "reason-hint reason-error"
    tab_to(page, "#reason")
    page.keyboard.type("The partner asked us to take it down")
    tab_to(page, "button.warning")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "is hidden, and published" in page.locator("[role=status]").inner_text()
    # gone from atom.xml and from the published page
    assert GATHERING not in (site.project.public / "atom.xml").read_text()
    for published in serve(site.project.public):
        page.goto(published + "index.html")
        assert page.locator("h1").count() >= 1
        assert GATHERING not in page.content()
        assert "Disability Price Tag 2026" in page.content()
    # the audit line, reached from the menu
    page.goto(base + "entries")
    tab_to(page, 'nav a[href="/audit"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    row = page.locator("tbody tr").first.inner_text()
    assert re.search(r"hide\s+ann\s+" + GATHERING + r"\s+The partner asked us", row), row


def axe_clean(page: Page, path: str, record_property) -> None:
    check_axe(page, path, record_property)
    check_keyboard(page)


def check_keyboard(page: Page) -> None:
    """Tab reaches the skip link first, then every control of the page (one radio per
    group), each visibly focused."""
    wanted = page.evaluate(
        """() => {
            const seen = new Set(), found = [];
            document.querySelectorAll(
                'a[href], button, input:not([type=hidden]), select, textarea, [tabindex="0"]'
            ).forEach((e, i) => {
                if (e.type === 'radio') { if (seen.has(e.name)) return; seen.add(e.name); }
                e.dataset.k = String(i); found.push(String(i));
            });
            return found;
        }"""
    )
    page.evaluate(  # start from the top of the page, wherever the focus was put
        "() => { const b = document.body; b.tabIndex = -1; b.focus();"
        " b.removeAttribute('tabindex'); }"
    )
    page.keyboard.press("Tab")
    assert active(page)["text"] == "Skip to the main content", page.url
    reached = []
    for _ in range(len(wanted) + 5):
        now = active(page)
        key = page.evaluate("() => document.activeElement.dataset.k || null")
        if key is not None and key not in reached:
            assert now["outline"] != "none", f"focus not visible on {now} ({page.url})"
            assert now["width"] > 1, f"focused but hidden: {now}"
            reached.append(key)
        page.keyboard.press("Tab")
    assert sorted(reached, key=int) == wanted, page.url


def submit_form(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def shoot(page: Page, name: str) -> None:
    if os.environ.get("COPRO_WRITE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1024, "height": 800})
        page.evaluate("() => document.activeElement.blur()")  # no focus ring in the picture
        page.screenshot(path=str(SCREENSHOTS / f"admin-{name}.png"), full_page=True)


def test_every_page_of_the_app_passes_axe_and_the_keyboard(page, site, record_property):
    base = site.url
    page.goto(base + "login")
    axe_clean(page, "/login", record_property)
    shoot(page, "login")
    submit_form(page, "main button[type=submit]")  # empty: both fields in error
    assert page.locator(".error-summary li").count() == 2
    axe_clean(page, "/login with errors", record_property)
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    submit_form(page, "main button[type=submit]")
    checked = ["/entries", "/entries?q=no+such+words", "/audit", "/partners", "/partners/new",
               "/roundup", "/users", "/entries/nobody/0123456789"]  # fmt: skip
    for path in checked:
        page.goto(base + path.lstrip("/"))
        axe_clean(page, path, record_property)
    page.goto(base + "entries")
    shoot(page, "entries")
    page.locator("tbody a", has_text="Disability Price Tag 2026").click()
    axe_clean(page, "a post", record_property)
    shoot(page, "post")
    submit_form(page, "button.warning")  # hide without a reason
    axe_clean(page, "a post, hide without a reason", record_property)
    page.goto(base + "partners")
    shoot(page, "partners")
    page.goto(base + "partners/new")
    page.fill("#address", "not an address")
    submit_form(page, "main form button[type=submit]")
    axe_clean(page, "/partners/new with an error", record_property)
    page.fill("#address", site.project.server.url("/iw/"))
    submit_form(page, "main form button[type=submit]")
    assert page.locator("input[type=radio]").count() == 1
    axe_clean(page, "/partners/new, the feed found", record_property)
    shoot(page, "partner-new")
    submit_form(page, "main form:nth-of-type(2) button[type=submit]")  # no name given
    assert page.locator(".error-summary a[href='#name']").count() == 1
    axe_clean(page, "/partners/add with an error", record_property)
    page.goto(base + "users")
    page.fill("#name", "x y")
    submit_form(page, 'button:has-text("Add the account")')
    axe_clean(page, "/users with errors", record_property)
    page.goto(base + "audit")
    shoot(page, "audit")


def test_an_editor_is_refused_user_management_on_an_accessible_page(page, site, record_property):
    keyboard_sign_in(page, site.url, EDITOR)
    response = page.goto(site.url + "users")
    assert response is not None and response.status == 403
    axe_clean(page, "/users refused (403)", record_property)


def test_axe_is_really_checking_the_app(page, site):
    page.goto(site.url + "login")
    page.evaluate("() => { document.documentElement.removeAttribute('lang');"
                  " document.querySelector('label').remove(); }")  # fmt: skip
    found = {violation["id"] for violation in run_axe(page)["violations"]}
    assert {"html-has-lang", "label"} <= found
