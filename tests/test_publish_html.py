"""The HTML pages, read back as a browser would (html5lib): structure for assistive
technology, links that name their targets, dates, escaping, templates a user overrides."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import html5lib
import pytest
from lxml import etree

from copro_feeds._i18n import readable_date
from copro_feeds._publish import FeedContent, FeedInfo, publish, render_files
from copro_feeds._publish._page import machine_date
from copro_feeds._select import plan_feeds
from copro_feeds.config import SiteConfig, SourceConfig
from copro_feeds.exceptions import PublishError
from tests.factories import NOW, attribution, entry

SITE = SiteConfig(
    title="Partners' news & views",
    link="https://copro.example/",
    feed_url="https://copro.example/feeds/atom.xml",
    author="Co-production Network",
    language="en-GB",
)
SOURCES = (
    SourceConfig(
        key="scope",
        name="Scope",
        url="https://scope.example/feed/",
        homepage="https://scope.example/",
        tags=("disability",),
    ),
    SourceConfig(key="cfwr", name='Centre for "Welfare" <Reform>', url="https://cfwr.example/f"),
)
ATTRIBUTIONS = (
    attribution("scope", "Scope"),
    attribution("cfwr", 'Centre for "Welfare" <Reform>'),
)
AWKWARD_TITLE = "First <b>&</b> best"
ENTRIES = (
    entry(
        id="1",
        title=AWKWARD_TITLE,
        link="https://scope.example/1",
        published=NOW,
        updated=NOW,
        excerpt="Hello & <script>alert(1)</script> welcome",
        categories=("News", "disability"),
    ),
    entry(
        id="2",
        attribution=ATTRIBUTIONS[1],
        title="No link here",
        link=None,
        published=NOW - timedelta(days=1),
        updated=NOW - timedelta(days=1),
        excerpt="",
        categories=(),
    ),
)
PAGES = ("index.html", "sources/scope/index.html", "sources/cfwr/index.html")
TAG_PAGE = "tags/disability/index.html"
LQ, RQ = "\N{LEFT SINGLE QUOTATION MARK}", "\N{RIGHT SINGLE QUOTATION MARK}"
BANNED_LINK_TEXT = {"click here", "here", "read more", "more", "link", "this link"}
HEADING = re.compile(r"^h([1-6])$")
READABLE = re.compile(
    r"^([1-9]|[12]\d|3[01]) (January|February|March|April|May|June|July|August|September"
    r"|October|November|December) \d{4}$"
)


def feeds(entries=ENTRIES, sources=SOURCES, site=SITE) -> list[FeedContent]:
    return plan_feeds(entries, sources, site, 50)


def render(*, site=SITE, templates=None, entries=ENTRIES, sources=ATTRIBUTIONS):
    return render_files(feeds(entries, site=site), sources, site, templates=templates)


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render()


def parse(data: bytes) -> etree._Element:
    """The page as a browser's tree; html5lib in strict mode rejects any parse error."""
    parser = html5lib.HTMLParser(
        strict=True, tree=html5lib.getTreeBuilder("lxml"), namespaceHTMLElements=False
    )
    return parser.parse(data).getroot()


def text_of(element: etree._Element) -> str:
    """The element's text as a screen reader gets it (visually-hidden text included)."""
    return " ".join("".join(element.itertext()).split())


def accessible_name(link: etree._Element) -> str:
    return (link.get("aria-label") or "").strip() or text_of(link)


def html_pages(files: dict[str, bytes]) -> dict[str, etree._Element]:
    return {name: parse(data) for name, data in files.items() if name.endswith(".html")}


def test_a_page_beside_every_feed_and_one_stylesheet(files):
    assert {name for name in files if name.endswith("index.html")} == {*PAGES, TAG_PAGE}
    assert b"a:focus" in files["style.css"]
    for name, document in html_pages(files).items():
        (sheet,) = document.xpath("//link[@rel='stylesheet']/@href")
        assert urljoin(name, sheet) == "style.css", name


def test_pages_parse_without_errors_and_need_no_javascript(files):
    for name, document in html_pages(files).items():
        assert document.tag == "html", name
        assert not document.xpath("//script"), name
        assert not [a for e in document.iter(etree.Element) for a in e.attrib if a.startswith("on")]


def assert_heading_order(name: str, document: etree._Element) -> None:
    """One h1, first, and no heading level skipped after it."""
    levels = [
        int(match.group(1))
        for element in document.iter(etree.Element)
        if (match := HEADING.match(element.tag))
    ]
    assert levels.count(1) == 1 and levels[0] == 1, (name, levels)
    for previous, level in itertools.pairwise(levels):
        assert level <= previous + 1, (name, levels)


def test_one_h1_and_no_skipped_heading_levels(files):
    for name, document in html_pages(files).items():
        assert_heading_order(name, document)


def test_landmarks(files):
    for name, document in html_pages(files).items():
        body = document.find("body")
        assert len(body.findall("header")) == 1, name  # a top-level header is the banner
        assert len(body.findall("footer")) == 1, name  # and a top-level footer the contentinfo
        assert [main.get("id") for main in document.iter("main")] == ["main"], name
        navs = list(document.iter("nav"))
        assert navs and all(nav.get("aria-label") for nav in navs), name


def test_skip_link_is_first_and_every_fragment_has_a_target(files):
    for name, document in html_pages(files).items():
        focusable = document.xpath("//body//a[@href] | //body//*[@tabindex]")
        assert focusable[0].get("href") == "#main", name
        assert text_of(focusable[0]) == "Skip to main content"
        ids = set(document.xpath("//@id"))
        for href in document.xpath("//body//a/@href"):
            if href.startswith("#"):
                assert href[1:] in ids, (name, href)


def test_page_language_from_site_default_en(files):
    for document in html_pages(files).values():
        assert document.get("lang") == "en-GB"
        assert not document.xpath("//article[@lang]")  # these entries state no language
    plain = render(site=SiteConfig(title="News", link="https://copro.example/"))
    assert parse(plain["index.html"]).get("lang") == "en"


def test_an_entry_in_another_language_is_marked():
    welsh = replace(ENTRIES[0], language="cy")
    document = parse(render(entries=(welsh, ENTRIES[1]))["index.html"])
    assert [article.get("lang") for article in document.iter("article")] == ["cy", None]


def test_pinned_entries_say_so_in_words_inside_their_heading():
    pinned = replace(ENTRIES[1], pinned=True)
    document = parse(render(entries=(ENTRIES[0], pinned))["index.html"])
    first, second = document.iter("article")
    assert first.find(".//span[@class='entry-pinned']") is None
    heading = second.find("h2")
    assert text_of(heading) == (
        f'Pinned: Read {LQ}No link here{RQ} on Centre for "Welfare" <Reform>'
    )
    assert text_of(heading.find("span[@class='entry-pinned']")) == "Pinned:"
    assert "Pinned" not in text_of(first)


def test_every_link_names_its_target(files):
    for name, document in html_pages(files).items():
        for link in document.iter("a"):
            label = accessible_name(link)
            assert link.get("href"), (name, label)
            assert label, (name, etree.tostring(link))
            assert label.lower().strip(".!: ") not in BANNED_LINK_TEXT, (name, label)
            assert not re.match(r"^(https?://|www\.)\S+$", label), (name, label)


def test_entry_titles_link_to_the_post_and_name_the_partner(files):
    document = parse(files["index.html"])
    titles = [text_of(h2) for h2 in document.xpath("//article/h2")]
    assert titles == [
        f"Read {LQ}{AWKWARD_TITLE}{RQ} on Scope",
        f'Read {LQ}No link here{RQ} on Centre for "Welfare" <Reform>',
    ]
    links = document.xpath("//article/h2/a/@href")
    assert links == ["https://scope.example/1", "https://cfwr.example/"]  # else the homepage


def test_dates_are_machine_and_human_readable(files):
    for name, document in html_pages(files).items():
        times = list(document.iter("time"))
        assert times or name == "sources/cfwr/index.html" or "tags/" in name
        for time in times:
            moment = datetime.fromisoformat(time.get("datetime").replace("Z", "+00:00"))
            assert moment.tzinfo is not None
            assert READABLE.match(time.text), time.text
            assert time.text == readable_date(moment, "en")
    assert readable_date(datetime(2026, 3, 3, 23, 59, tzinfo=UTC), "en") == "3 March 2026"
    assert machine_date(datetime(2026, 3, 3, 8, 0, tzinfo=UTC)) == "2026-03-03T08:00:00Z"


def test_titles_and_excerpts_are_escaped_exactly_once(files):
    data = files["index.html"]
    assert b"First &lt;b&gt;&amp;&lt;/b&gt; best" in data
    assert b"&amp;lt;" not in data and b"&amp;amp;" not in data
    document = parse(data)
    article = document.find(".//article")
    assert article.find(".//b") is None and not document.xpath("//script")
    assert AWKWARD_TITLE in text_of(article.find("h2"))
    (excerpt,) = article.xpath(".//p[@class='entry-excerpt']")
    assert excerpt.text == "Hello & <script>alert(1)</script> welcome"
    assert 'Centre for "Welfare" <Reform>' in text_of(document)


def test_characters_html_cannot_carry_are_removed_everywhere():
    bad = "\x01\ud83d\ufffe"
    dirty = FeedContent(
        info=FeedInfo(folder="tags/news/", title=f"News{bad}", description=f"D{bad}"),
        entries=(entry(title=f"Ti{bad}tle", excerpt=f"Ex{bad}", categories=(f"N{bad}",)),),
    )
    pages = render_files([dirty], [attribution("scope", f"Sc{bad}ope")], SITE)
    document = parse(pages["tags/news/index.html"])  # strict: no parse error
    assert text_of(document.find(".//h1")) == "News"
    assert text_of(document.find(".//article/h2")) == f"Read {LQ}Title{RQ} on Scope"


def test_entries_show_partner_and_tags_as_a_list(files):
    article = parse(files["index.html"]).find(".//article")
    assert text_of(article.find(".//p[@class='entry-meta']")) == "Via Scope, 3 March 2026"
    assert article.xpath(".//ul/li/text()") == ["News", "disability"]


def test_sub_pages_exist_and_are_linked_with_relative_links(files):
    pages = html_pages(files)
    home = pages["index.html"]
    linked = {urlsplit(href).path for href in home.xpath("//a/@href")}
    assert {*PAGES[1:], TAG_PAGE} <= linked
    for name, document in pages.items():
        for href in document.xpath("//a/@href | //link/@href"):
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme == "https", (name, href)  # partners' sites only
            elif parts.path:
                assert urljoin(name, parts.path) in files, (name, href)
        assert "index.html" in {urljoin(name, href) for href in document.xpath("//a/@href")}


def test_partner_homepages_are_linked_and_unsafe_ones_are_not(files):
    home = parse(files["index.html"])
    names = {accessible_name(a): a.get("href") for a in home.iter("a")}
    assert names["Scope website"] == "https://scope.example/"
    hostile = replace(attribution("scope", "Scope"), homepage="javascript:alert(1)")
    data = render(sources=(hostile, ATTRIBUTIONS[1]))["index.html"]
    assert b"javascript:" not in data
    assert b'href="https://scope.example/"' in data  # the feed's own site stands in


def test_subscribe_section_explains_feeds_and_links_every_format(files):
    for name, document in html_pages(files).items():
        hrefs = {urljoin(name, href) for href in document.xpath("//a/@href")}
        folder = name.removesuffix("index.html")
        assert {folder + f for f in ("atom.xml", "rss.xml", "feed.json")} <= hrefs, name
        assert "sources.opml" in hrefs, name
        assert "via.opml" in hrefs, name
        assert "A feed lets you follow new posts" in text_of(document)
        assert "not both" in text_of(document)  # both lists would show every post twice


def test_a_users_template_folder_overrides_the_shipped_templates(tmp_path, files):
    (tmp_path / "index.html").write_text(
        '{% extends "base.html" %}{% block content %}'
        "<h1>Our own {{ page.heading }}</h1>{% endblock %}",
        encoding="utf-8",
    )
    (tmp_path / "style.css").write_text("body { color: #000; }\n", encoding="utf-8")
    custom = render(templates=tmp_path)
    document = parse(custom["index.html"])
    assert text_of(document.find(".//h1")) == "Our own Partners' news & views"
    assert document.find(".//a").get("href") == "#main"  # the shipped base.html still used
    assert custom["style.css"] == b"body { color: #000; }\n"
    assert render() == files  # the shipped templates again: the same bytes


def test_a_users_template_edited_between_publishes_is_used_at_the_next(tmp_path):
    """Environments (compiled templates) are kept between publishes: an edit makes a new
    one, even one that keeps the file's size and time (cp -p, rsync -t)."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "index.html").write_text(
        '{% extends "base.html" %}{% block content %}{% include "parts/h.html" %}{% endblock %}',
        encoding="utf-8",
    )
    part = tmp_path / "parts" / "h.html"
    for word in ("One", "Two"):  # the same size and the same time: only the words differ
        part.write_text(f"<h1>{word}</h1>", encoding="utf-8")
        os.utime(part, ns=(10**18, 10**18))
        assert text_of(parse(render(templates=tmp_path)["index.html"]).find(".//h1")) == word


def test_a_broken_user_template_is_a_publish_error(tmp_path):
    (tmp_path / "index.html").write_text("{{ page.no_such_thing }}", encoding="utf-8")
    with pytest.raises(PublishError, match="no_such_thing"):
        render(templates=tmp_path)
    (tmp_path / "index.html").write_text("{% block %}", encoding="utf-8")
    with pytest.raises(PublishError, match=r"index\.html"):
        render(templates=tmp_path)


def test_publish_writes_the_pages(tmp_path):
    written = publish(feeds(), ATTRIBUTIONS, SITE, tmp_path)
    names = {path.relative_to(tmp_path).as_posix() for path in written}
    assert {*PAGES, TAG_PAGE, "style.css"} <= names
    assert publish(feeds(), ATTRIBUTIONS, SITE, tmp_path) == []  # same bytes: nothing rewritten


def test_no_entries_yet(files):
    document = parse(render(entries=())["index.html"])
    assert "There are no posts here yet." in text_of(document.find(".//main"))


def test_without_a_public_address_the_page_links_no_via_list():
    site = replace(SITE, feed_url=None)
    rendered = render(site=site)
    document = parse(rendered["index.html"])
    hrefs = set(document.xpath("//a/@href"))
    assert "sources.opml" in hrefs
    assert "via.opml" not in hrefs  # its addresses are unknown: it lists no feed
    assert b"<outline" not in rendered["via.opml"]


def test_our_words_come_from_the_page_languages_catalogue():
    welsh = render(site=replace(SITE, language="cy"))
    for document in html_pages(welsh).values():
        assert document.get("lang") == "cy"
        skip = document.xpath("//a[@class='skip-link']")[0]
        assert text_of(skip) == "Neidio i'r prif gynnwys"
