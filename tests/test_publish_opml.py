"""``_publish/_opml``: the two partner lists, ``sources.opml`` and ``via.opml`` (as
published among the other outputs: tests/test_formats.py)."""

from __future__ import annotations

from copro_feeds._publish._opml import render_opml, render_via_opml
from copro_feeds._xml import parse_untrusted
from copro_feeds.config import SiteConfig
from tests.factories import attribution

SITE = SiteConfig(
    title="Partners & friends",
    link="https://copro.example/",
    feed_url="https://copro.example/feeds/atom.xml",
    author="The Network",
)
SOURCES = [attribution("scope", "Scope"), attribution("cee", "Cee\x01 & co")]


def outlines(data: bytes) -> list[dict[str, str]]:
    return [dict(outline.attrib) for outline in parse_untrusted(data).iter("outline")]


def test_sources_opml_lists_each_partners_own_feed():
    data = render_opml(SOURCES, SITE)
    root = parse_untrusted(data)
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Partners & friends: partners' own feeds"
    assert root.findtext("head/ownerName") == "The Network"
    assert outlines(data) == [
        {"type": "rss", "text": "Scope", "title": "Scope",
         "xmlUrl": "https://scope.example/feed/", "htmlUrl": "https://scope.example/"},
        {"type": "rss", "text": "Cee & co", "title": "Cee & co",
         "xmlUrl": "https://cee.example/feed/", "htmlUrl": "https://cee.example/"},
    ]  # fmt: skip


def test_via_opml_lists_our_feed_of_each_partner():
    found = outlines(render_via_opml(SOURCES, SITE))
    assert [o["xmlUrl"] for o in found] == [
        "https://copro.example/feeds/sources/scope/atom.xml",
        "https://copro.example/feeds/sources/cee/atom.xml",
    ]
    assert found[0]["text"] == "Scope (via Partners & friends)"


def test_via_opml_is_empty_without_a_public_address():
    bare = SiteConfig(title="Partners", link="https://copro.example/")
    root = parse_untrusted(render_via_opml(SOURCES, bare))
    assert root.findtext("head/ownerName") == "Partners"
    assert outlines(render_via_opml(SOURCES, bare)) == []


def test_the_lists_titles_are_in_the_sites_language():
    welsh = SiteConfig(
        title="Newyddion",
        link="https://copro.example/",
        feed_url="https://copro.example/atom.xml",
        language="cy",
    )
    sources = [attribution("scope", "Scope")]
    assert b"<title>Newyddion: ffrydiau\xe2\x80\x99r partneriaid eu hunain</title>" in render_opml(
        sources, welsh
    )
    assert b'text="Scope (drwy Newyddion)"' in render_via_opml(sources, welsh)
