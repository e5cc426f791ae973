"""``_publish/_page``: the page model, worked out before any template sees it (the pages
as a browser reads them: tests/test_publish_html.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from copro_feeds._plan import FeedContent, FeedInfo
from copro_feeds._publish._page import PageFrames, entry_view, machine_date
from copro_feeds.config import SiteConfig
from copro_feeds.types import Display
from tests.factories import attribution, entry

SITE = SiteConfig(
    title="Partners' news",
    link="https://copro.example/",
    feed_url="https://copro.example/atom.xml",
    language="en-GB",
)
ALPHA = attribution("alpha", "Alpha")
BETA = attribution("beta", "Beta")


def test_machine_dates_are_utc_with_a_z():
    assert machine_date(datetime(2026, 3, 3, 8, 0, 5, tzinfo=UTC)) == "2026-03-03T08:00:05Z"


def test_an_entry_as_a_page_shows_it():
    post = entry(
        attribution=replace(ALPHA, licence="CC BY 4.0"),
        published=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        language="cy",
        pinned=True,
    )
    view = entry_view(post, "en")
    assert (view.title, view.link, view.partner) == ("A post", post.link, "Alpha")
    assert (view.published, view.published_text) == ("2026-03-01T09:30:00Z", "1 March 2026")
    assert view.excerpt == "Hello"
    assert view.content_html == ""
    assert view.licence == "CC BY 4.0"
    assert view.pinned
    assert view.lang == "cy"
    assert [(c.before, c.name, c.homepage) for c in view.credits] == [
        ("", "Alpha", "https://alpha.example/")
    ]


def test_a_full_post_has_its_headings_moved_below_the_title_and_no_excerpt():
    post = entry(
        attribution=replace(ALPHA, display=Display.FULL), content_html="<h1>Part</h1><p>x</p>"
    )
    view = entry_view(post, "en")
    assert view.excerpt == ""
    assert view.content_html == "<h3>Part</h3><p>x</p>"


def test_an_unsafe_homepage_is_replaced_by_the_feeds_site_and_no_link_by_it():
    source = replace(ALPHA, homepage="javascript:alert(1)")
    view = entry_view(entry(attribution=source, link=None), "en")
    assert view.partner_homepage == "https://alpha.example/"
    assert view.link == "https://alpha.example/"


def test_a_joint_credit_lists_every_partner_with_its_licence():
    post = entry(
        attribution=replace(ALPHA, licence="CC BY"), also_via=(BETA, attribution("cee", "Cee"))
    )
    view = entry_view(post, "en")
    assert [(c.before, c.name, c.licence) for c in view.credits] == [
        ("", "Alpha", "CC BY"),
        (", ", "Beta", None),
        (" and ", "Cee", None),
    ]
    assert view.licence is None  # with its partner instead


def feeds() -> list[FeedContent]:
    a, b = entry(id="a", attribution=ALPHA), entry(id="b", attribution=BETA)
    related = (("Alpha", "sources/alpha/"), ("Robots", "tags/robots/"))
    return [
        FeedContent(info=FeedInfo(related=related), entries=(a, b)),
        FeedContent(info=FeedInfo(folder="sources/alpha/", title="Alpha"), entries=(a,)),
        FeedContent(info=FeedInfo(folder="tags/robots/", title="Robots"), entries=(b,)),
    ]


def test_the_main_page_lists_every_partner_and_topic():
    frames = PageFrames(feeds(), [ALPHA, BETA], SITE, roundup="week")
    page = frames.page(feeds()[0])
    assert (page.title, page.heading, page.root, page.is_home) == (
        "Partners' news", "Partners' news", "", True,
    )  # fmt: skip
    assert page.lang == "en-GB"
    assert [(p.name, p.page) for p in page.partners] == [
        ("Alpha", "sources/alpha/index.html"),
        ("Beta", None),  # no folder of its own
    ]
    assert [(t.href, t.text) for t in page.topics] == [("tags/robots/index.html", "Robots")]
    assert [f.address for f in page.feeds] == [
        "https://copro.example/atom.xml",
        "https://copro.example/rss.xml",
        "https://copro.example/feed.json",
    ]
    assert page.roundup is not None
    assert (page.roundup.href, page.roundup.text) == ("digest/index.html", "the weekly roundup")
    assert page.all_partners is None


def test_a_partners_page_is_relative_and_lists_only_whom_it_shows():
    frames = PageFrames(feeds(), [ALPHA, BETA], SITE)
    page = frames.page(feeds()[1])
    assert page.title == "Alpha \N{EN DASH} Partners' news"
    assert page.root == "../../"
    assert page.stylesheet == "../../style.css"
    assert [(p.name, p.current) for p in page.partners] == [("Alpha", True)]
    assert page.all_partners == "../../index.html#partners"
    assert page.roundup is None
    tag = frames.page(feeds()[2])
    assert [p.name for p in tag.partners] == ["Beta"]
    assert [t.current for t in tag.topics] == [True]


def test_each_page_links_to_its_twin_in_every_other_language():
    trilingual = replace(SITE, language="cy", languages=("cy", "en", "ga"))
    feeds = [FeedContent(info=FeedInfo(folder=folder), entries=()) for folder in ("", "tags/x/")]
    root = PageFrames(feeds, [], trilingual)
    assert [(twin.href, twin.text, twin.lang) for twin in root.page(feeds[0]).twins] == [
        ("en/index.html", "English", "en"),
        ("ga/index.html", "Gaeilge", "ga"),
    ]
    assert [twin.href for twin in root.page(feeds[1]).twins] == [
        "../../en/tags/x/index.html",
        "../../ga/tags/x/index.html",
    ]
    english = PageFrames(feeds, [], replace(trilingual, language="en"))
    assert [(twin.href, twin.text) for twin in english.page(feeds[1]).twins] == [
        ("../../../tags/x/index.html", "Cymraeg"),
        ("../../../ga/tags/x/index.html", "Gaeilge"),
    ]
    assert english.twins("digest/", "2026-03-02.html")[0].href == "../../digest/2026-03-02.html"
    assert PageFrames(feeds, [], SITE).page(feeds[0]).twins == ()  # one language


def test_every_page_links_to_the_posts_in_each_language():
    bilingual = replace(SITE, language="cy", languages=("cy", "en"))
    related = (("Negeseuon (Cymraeg)", "lang/cy/"), ("Negeseuon (Saesneg)", "lang/en/"))
    folders = ("", "lang/cy/", "lang/en/")
    feeds = [
        FeedContent(info=FeedInfo(folder=folder, related=related), entries=()) for folder in folders
    ]
    frames = PageFrames(feeds, [], bilingual)
    assert [(link.href, link.text, link.current) for link in frames.page(feeds[1]).by_language] == [
        ("../../lang/cy/index.html", "Negeseuon (Cymraeg)", True),
        ("../../lang/en/index.html", "Negeseuon (Saesneg)", False),
    ]
    assert PageFrames(feeds[:1], [], SITE).page(feeds[0]).by_language == ()
