"""Relative links in posts become absolute while sanitising (feedparser's resolver is off).

They resolve against the content's ``xml:base`` when the feed sets one, else against the
feed's own URL, exactly as feedparser's resolver did; what cannot become an http(s) URL
is dropped.
"""

from __future__ import annotations

import pytest
from lxml import html

from copro_feeds._ingest import ingest
from copro_feeds._text import sanitise_html
from tests.factories import NOW, partner_facts

FEED_URL = "https://partner.example/blog/feed.xml"
POST = (
    '&lt;p&gt;&lt;a href="rel/2"&gt;next&lt;/a&gt; &lt;img src="/i.png" alt="chart"&gt; '
    '&lt;a href="//cdn.example/x"&gt;cdn&lt;/a&gt; &lt;a href="#notes"&gt;notes&lt;/a&gt;'
    '&lt;/p&gt;&lt;blockquote cite="quoted.html"&gt;q&lt;/blockquote&gt;'
)


def _urls(fragment: str) -> list[str]:
    tree = html.fragment_fromstring(fragment, create_parent="div")
    return [str(url) for url in tree.xpath("//@href | //@src | //@cite")]


def _content(document: str) -> str:
    result = ingest(document.encode(), {}, FEED_URL, partner_facts(), NOW)
    return result.entries[0].content_html


def test_rss_links_resolve_against_the_feed_url() -> None:
    document = (
        '<rss version="2.0"><channel><title>t</title><link>https://partner.example/</link>'
        f"<item><guid>1</guid><title>x</title><description>{POST}</description></item>"
        "</channel></rss>"
    )
    assert _urls(_content(document)) == [
        "https://partner.example/blog/rel/2",
        "https://partner.example/i.png",
        "https://cdn.example/x",
        "https://partner.example/blog/feed.xml#notes",
        "https://partner.example/blog/quoted.html",
    ]


def test_atom_links_resolve_against_the_entrys_xml_base() -> None:
    document = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://other.example/news/">'
        "<title>t</title><id>urn:x</id><updated>2026-03-02T00:00:00Z</updated>"
        '<entry xml:base="2026/"><id>urn:1</id><title>x</title>'
        "<updated>2026-03-02T00:00:00Z</updated>"
        f'<content type="html">{POST}</content></entry></feed>'
    )
    assert _urls(_content(document)) == [
        "https://other.example/news/2026/rel/2",
        "https://other.example/i.png",
        "https://cdn.example/x",
        "https://other.example/news/2026/#notes",
        "https://other.example/news/2026/quoted.html",
    ]


@pytest.mark.parametrize("base", [None, "javascript:alert(1)//", "data:text/html,x/"])
def test_without_a_web_base_relative_links_are_dropped(base: str | None) -> None:
    cleaned = sanitise_html('<a href="rel/2">next</a><img src="/i.png" alt="a">', base=base)
    assert _urls(cleaned) == []
    assert "next" in cleaned


def test_unsafe_absolute_links_stay_dropped_whatever_the_base() -> None:
    cleaned = sanitise_html(
        '<a href="javascript:alert(1)">j</a><blockquote cite="data:x">q</blockquote>',
        base="https://partner.example/",
    )
    assert _urls(cleaned) == []


def test_resolving_is_idempotent() -> None:
    once = sanitise_html('<a href="rel/2">next</a>', base="https://partner.example/blog/")
    assert sanitise_html(once) == once
    assert _urls(once) == ["https://partner.example/blog/rel/2"]
