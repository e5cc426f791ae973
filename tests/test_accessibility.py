"""The published pages in a real browser: axe-core's WCAG 2.2 A/AA rules in headless
Chromium, the keyboard path through each page, and reflow at 320 px and 1280 px.

Needs Debian's ``chromium`` at /usr/bin/chromium, Playwright for Python (never a
downloaded browser) and the npm package ``axe-core`` in ``tests/.node`` (``.ci/run``
installs all three). A missing piece fails the tests with the reason; nothing is skipped.
Only pages on 127.0.0.1 are opened: every other request is refused and reported.

Four sites are checked: the real pipeline's output for the three test partners, an
"editorial" site that has every kind of entry the pages can show: a pinned post, a post
credited to several partners, a partner's whole post (with its own headings, list, table,
quote and code), a headline-only post, a licence, and a post in Welsh; and that site
again as a bilingual one (``[site] languages = ["cy", "en"]``), in Welsh at its root and
in English under ``en/``, with its per-language pages.

``COPRO_WRITE_SCREENSHOTS=1`` also saves ``docs/screenshots/index-320.png`` and
``index-1280.png`` (the partners' site) and ``editorial-320.png`` and
``editorial-1280.png``; without it the tree stays clean.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Route, sync_playwright

import copro_feeds
from copro_feeds._detect import with_languages
from copro_feeds._i18n import translations
from copro_feeds._plan import language_site
from copro_feeds._publish import publish
from copro_feeds._select import plan_feeds
from copro_feeds._types import EditorialMarks
from copro_feeds.config import SiteConfig, SourceConfig
from copro_feeds.types import Display, Enclosure
from tests.factories import NOW, attribution, entry
from tests.local_site import serve

# Under pytest-xdist, the browser modules share one worker: one Chromium at a time.
pytestmark = pytest.mark.xdist_group("chromium")
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = ["index.html", "sources/scope/index.html", "tags/disability/index.html"]
WIDTHS = (320, 1280)
FOCUS_BACKGROUND = "rgb(255, 221, 0)"  # the yellow focus style in style.css


@dataclass
class Browser:
    """The browser's context, and the addresses it was stopped from loading."""

    context: BrowserContext
    refused: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Browser]:
    """Headless Debian Chromium with a fresh profile; requests off 127.0.0.1 are refused."""
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: install the Debian package 'chromium'")
    if not AXE.is_file():
        pytest.fail(f"no axe-core at {AXE}: run 'npm install --prefix tests/.node axe-core'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        result = Browser(context=context)

        def local_only(route: Route) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                result.refused.append(route.request.url)
                route.abort()

        context.route("**/*", local_only)
        try:
            yield result
        finally:
            context.close()


@pytest.fixture(scope="module")
def partners_site(module_project) -> Iterator[str]:
    """The real pipeline's output for the three partners, served on 127.0.0.1 (built once
    for the module: its tests only read it)."""
    project = module_project
    config = copro_feeds.load_config(project.config_path)
    with copro_feeds.make_aggregator(config) as aggregator:
        report = aggregator.run_once()
    assert report.count(copro_feeds.Outcome.ERROR) == 0, report.results
    yield from serve(project.public)


EDITORIAL_SITE = SiteConfig(
    title="Partners' news",
    link="https://copro.test/",
    feed_url="https://copro.test/feeds/atom.xml",
    language="en-GB",
)
EDITORIAL_SOURCES = (
    SourceConfig(key="scope", name="Scope", url="https://scope.test/feed/", tags=("disability",)),
    SourceConfig(key="cfwr", name="Centre for Welfare Reform", url="https://cfwr.test/feed/"),
    SourceConfig(
        key="scottish-co-production-network",
        name="the Scottish Co-production Network",
        url="https://scottish.test/feed/",
    ),
)
SCOPE = attribution("scope", "Scope", display=Display.FULL, licence="CC BY 4.0")
CFWR = attribution("cfwr", "Centre for Welfare Reform", display=Display.HEADLINE)
SCOTTISH = attribution("scottish-co-production-network", "the Scottish Co-production Network")
FULL_POST = (
    "<p>Our guide to the cost of living, written with disabled people.</p>"
    "<h1>Why we wrote it</h1><p>Prices rose <strong>faster</strong> for disabled households."
    "</p><h2>What is in it</h2><ul><li>Energy bills</li><li>Travel</li></ul><blockquote><p>"
    "It helped me plan.</p></blockquote><pre>step 1: read\nstep 2: share</pre><table><tr>"
    "<th>Cost</th><th>Extra each month</th></tr><tr><td>Energy</td><td>£132</td></tr></table>"
    '<p>Read more on <a href="https://scope.test/blog/guide/">the guide\u2019s own page</a>.</p>'
)


def editorial_entries() -> list[copro_feeds.Entry]:
    def post(n: int, partner, link: str, **overrides) -> copro_feeds.Entry:
        moment = NOW - timedelta(days=n)
        values = {"published": moment, "updated": moment, "categories": ("News",)}
        values.update(overrides)
        return entry(id=f"{partner.source_key}-{n}", attribution=partner, link=link, **values)

    guide = "https://scope.example/blog/guide/"  # on Scope's own site: Scope's copy wins
    return [
        post(1, SCOPE, guide, title="The cost of living guide", content_html=FULL_POST),
        post(2, SCOTTISH, guide, title="The cost of living guide (shared)"),
        post(
            3,
            CFWR,
            "https://cfwr.test/library/income",
            title="Basic income, again",
            enclosures=(
                Enclosure(
                    url="https://cfwr.test/media/income.mp3", type="audio/mpeg", length=24_000_000
                ),
                Enclosure(url="https://cfwr.test/media/income.mp4", type="video/mp4"),
            ),
        ),
        post(
            4,
            SCOTTISH,
            "https://scottish.test/newyddion/cynulliad",
            title="Cynulliad 2026",
            excerpt="Ymunwch â ni yn y cynulliad cyd-gynhyrchu eleni.",
            language="cy",
        ),
        post(5, SCOTTISH, "https://scottish.test/news/gathering", title="The gathering 2026"),
    ]


@pytest.fixture(scope="module")
def editorial_site(tmp_path_factory) -> Iterator[str]:
    """Every kind of entry: pinned (the Gathering), joint credit and the whole post (the
    guide), a headline only, a licence and Welsh, published and served on 127.0.0.1."""
    entries = editorial_entries()
    marks = EditorialMarks(
        pinned={("scottish-co-production-network", "scottish-co-production-network-5"): NOW}
    )
    feeds = plan_feeds(entries, EDITORIAL_SOURCES, EDITORIAL_SITE, 50, marks=marks)
    folder = tmp_path_factory.mktemp("editorial")
    publish(feeds, [SCOPE, CFWR, SCOTTISH], EDITORIAL_SITE, folder)
    yield from serve(folder)


BILINGUAL_SITE = replace(EDITORIAL_SITE, language="cy", languages=("cy", "en"))
LANGUAGE_PAGES = ["lang/cy/index.html", "lang/en/index.html"]


@pytest.fixture(scope="module")
def bilingual_server(tmp_path_factory) -> Iterator[str]:
    """The editorial site in Welsh (at the root) and English (under ``en/``), each post in
    its language (the detector's where none is stated), served on 127.0.0.1."""
    entries = with_languages(editorial_entries(), BILINGUAL_SITE.languages)
    folder = tmp_path_factory.mktemp("bilingual")
    for code, output in (("cy", folder), ("en", folder / "en")):
        site = language_site(BILINGUAL_SITE, code)
        feeds = plan_feeds(entries, EDITORIAL_SOURCES, site, 50)
        publish(feeds, [SCOPE, CFWR, SCOTTISH], site, output)
    yield from serve(folder)


@pytest.fixture(scope="module")
def welsh_site(bilingual_server) -> str:
    return bilingual_server


@pytest.fixture(scope="module")
def english_site(bilingual_server) -> str:
    return bilingual_server + "en/"


# The site, its screenshots' name.
SITES = {"partners": "index", "editorial": "editorial", "welsh": "welsh", "english": "english"}


@pytest.fixture(params=list(SITES))
def site(request) -> str:
    """Each site in turn: its base URL on 127.0.0.1."""
    return request.getfixturevalue(f"{request.param}_site")


@pytest.fixture
def page(browser) -> Iterator[Page]:
    tab = browser.context.new_page()
    try:
        yield tab
    finally:
        tab.close()
        assert browser.refused == [], f"the page asked for pages off 127.0.0.1: {browser.refused}"


def open_page(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert response.headers["content-type"].startswith("text/html"), url


def run_axe(page: Page) -> dict:
    page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    return page.evaluate("options => axe.run(document, options)", options)


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "\n".join(f"    {node['target']}: {node['html']}" for node in violation["nodes"])
        for violation in violations
    )


def check_axe(page: Page, path: str, record_property) -> None:
    """Run axe on the open page; print its summary (quoted in notes) and assert 0 violations."""
    results = run_axe(page)
    violations = results["violations"]
    checked = len(results["passes"]) + len(results["incomplete"]) + len(results["inapplicable"])
    summary = {
        "page": path,
        "axe": results["testEngine"]["version"],
        "violations": len(violations),
        "rules_checked": checked,
        "passes": len(results["passes"]),
        "incomplete": [rule["id"] for rule in results["incomplete"]],
        "inapplicable": len(results["inapplicable"]),
    }
    print(json.dumps(summary))
    record_property("axe", summary)
    assert violations == [], describe(violations)
    assert checked >= 50, summary  # the WCAG A/AA rule set really ran
    assert results["passes"], summary


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_wcag_22_aa_violations(page, site, path, record_property):
    open_page(page, site + path)
    check_axe(page, path, record_property)


def test_axe_is_really_checking(page, partners_site, module_project):
    """A deliberately broken page on the same server: axe must report it."""
    site = partners_site
    (module_project.public / "broken.html").write_text(
        '<!DOCTYPE html><html><head><title>x</title></head><body><a href="/"></a>'
        '<p style="color:#bbb;background:#fff">faint text</p><img src="x.png"></body></html>',
        encoding="utf-8",
    )
    open_page(page, site + "broken.html")
    found = {violation["id"] for violation in run_axe(page)["violations"]}
    assert {"html-has-lang", "link-name", "color-contrast", "image-alt"} <= found


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {tag: element.tagName.toLowerCase(), href: element.getAttribute('href'),
                    text: element.textContent.trim(), background: style.backgroundColor,
                    width: element.getBoundingClientRect().width};
        }"""
    )


def check_keyboard(page: Page, url: str) -> None:
    """Tab through the open page at ``url``: the skip link first, then every link once,
    in reading order, each visibly focused."""
    links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    reached = []
    for _ in links:
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["tag"] == "a", (url, now, reached)
        assert now["background"] == FOCUS_BACKGROUND, f"focus not visible on {now}"
        assert now["width"] > 1, f"focused but hidden: {now}"
        reached.append(page.evaluate("() => document.activeElement.href"))
    assert reached == links, url  # every link, once, in reading order
    assert reached[0] == url + "#main"
    language = page.evaluate("() => document.documentElement.lang")
    assert page.evaluate("() => document.querySelector('a[href]').textContent") == (
        translations(language).gettext("Skip to main content")
    )


def check_reflow(page: Page, url: str) -> None:
    """The open page at ``url`` fits the viewport's width, with its stylesheet loaded."""
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], (url, sizes)
    assert page.evaluate("() => document.styleSheets.length") == 1  # style.css loaded


@pytest.mark.parametrize("bilingual", ["welsh", "english"])
@pytest.mark.parametrize("path", LANGUAGE_PAGES)
def test_axe_finds_no_violations_on_the_per_language_pages(
    request, page, bilingual, path, record_property
):
    site = request.getfixturevalue(f"{bilingual}_site")
    open_page(page, site + path)
    check_axe(page, path, record_property)
    check_keyboard(page, site + path)


def test_the_bilingual_site_links_each_page_to_its_twin(page, welsh_site, english_site):
    open_page(page, welsh_site + "sources/scope/index.html")
    assert page.evaluate("() => document.documentElement.lang") == "cy"
    twin = page.locator(".site-languages a")
    assert (twin.get_attribute("hreflang"), twin.get_attribute("lang")) == ("en", "en")
    assert twin.inner_text() == "English"
    twin.click()
    assert page.url == english_site + "sources/scope/index.html"
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator(".skip-link").inner_text() == "Skip to main content"
    page.locator(".site-languages a").click()
    assert page.url == welsh_site + "sources/scope/index.html"


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_reaches_the_skip_link_first_then_every_link_in_order(page, site, path):
    open_page(page, site + path)
    check_keyboard(page, site + path)


def test_skip_link_moves_the_keyboard_to_the_main_content(page, site):
    open_page(page, site + "index.html")
    page.keyboard.press("Tab")
    hidden = page.evaluate("() => document.activeElement.getBoundingClientRect().width")
    assert hidden > 1  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
    page.keyboard.press("Tab")
    inside = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert inside, focused(page)


def test_the_editorial_site_shows_what_axe_checks(page, editorial_site):
    """The editorial site really holds a pinned, jointly credited, full, licensed and Welsh
    entry, so the axe run over it covers them."""
    open_page(page, editorial_site + "index.html")
    articles = page.locator("article")
    assert articles.first.locator(".entry-pinned").inner_text().startswith("Pinned")
    guide = articles.nth(1)
    # Joint credit: Scope's licence goes with Scope's name (issue 11 item 14).
    assert "Scope (licence: CC BY 4.0) and the Scottish Co-production Network" in (
        guide.inner_text()
    )
    assert guide.locator(".entry-content h3").inner_text() == "Why we wrote it"
    assert guide.locator(".entry-licence").count() == 0
    assert page.locator("article[lang='cy']").count() == 1
    assert articles.count() == 4 and page.locator(".entry-excerpt").count() == 2
    media = page.locator(".entry-media a")
    assert media.all_text_contents() == [
        "Listen to \u2018Basic income, again\u2019: MP3, 24 MB",
        "Watch \u2018Basic income, again\u2019: MP4",
    ]
    assert page.locator("audio, video, [autoplay]").count() == 0


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_reflow_without_horizontal_scrolling(request, page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    for path in PAGES:
        open_page(page, site + path)
        check_reflow(page, site + path)
    if os.environ.get("COPRO_WRITE_SCREENSHOTS") == "1":
        open_page(page, site + "index.html")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = SITES[request.node.callspec.params["site"]]
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
