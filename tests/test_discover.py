"""``_discover``: the feed URLs a page advertises, and the usual paths to try when it
advertises none (fetching them, bounded: tests/test_refresh.py)."""

from __future__ import annotations

from copro_feeds._discover import COMMON_PATHS, advertised_feeds, common_feed_urls


def page(head: str) -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>Home</body></html>".encode()


def test_advertised_feeds_in_order_absolute_and_once():
    html = page(
        '<link rel="alternate" type="application/rss+xml" href="/feed/">'
        '<link rel="alternate" type="application/atom+xml; charset=utf-8" href="atom.xml">'
        '<link rel="Alternate" type="APPLICATION/RSS+XML" href="https://blog.example/feed/">'
        '<link rel="alternate" type="application/rss+xml" href=" /feed/ ">'
    )
    assert advertised_feeds(html, "https://blog.example/news/") == [
        "https://blog.example/feed/",
        "https://blog.example/news/atom.xml",
    ]


def test_links_that_are_not_feeds_are_ignored():
    html = page(
        '<link rel="stylesheet" type="text/css" href="/style.css">'
        '<link rel="alternate" type="text/html" hreflang="cy" href="/cy/">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        '<link rel="alternate" type="application/rss+xml" href="ftp://blog.example/feed">'
        '<link rel="preload" type="application/rss+xml" href="/not-alternate.xml">'
    )
    assert advertised_feeds(html, "https://blog.example/") == []


def test_a_base_href_sets_where_relative_links_point():
    html = page(
        '<base href="https://cdn.example/site/">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml">'
    )
    assert advertised_feeds(html, "https://blog.example/") == ["https://cdn.example/site/atom.xml"]
    relative_base = page(
        '<base href="/blog/"><link rel="alternate" type="text/xml" href="rss.xml">'
    )
    assert advertised_feeds(relative_base, "https://blog.example/x/") == [
        "https://blog.example/blog/rss.xml"
    ]


def test_common_paths_are_tried_from_the_site_root():
    urls = common_feed_urls("https://blog.example/about/us")
    assert urls[0] == "https://blog.example/feed/"
    assert "https://blog.example/index.xml" in urls
    assert len(urls) == len(COMMON_PATHS)


def test_a_json_feed_is_advertised_as_application_feed_json():
    html = page('<link rel="alternate" type="application/feed+json" href="/feed.json">')
    assert advertised_feeds(html, "https://blog.example/") == ["https://blog.example/feed.json"]
