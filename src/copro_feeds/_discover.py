"""Pure feed discovery: the feed URLs a homepage advertises, then the usual suspects.

Reads ``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">`` (found by
``_text.page_links``, BeautifulSoup's module); when a page advertises none, the common
paths of blog engines (WordPress ``/feed/``, Drupal ``/rss.xml``, Ghost ``/rss/``, Hugo
``/index.xml``, …) are the candidates to try.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from copro_feeds._text import page_links

FEED_TYPES = (
    "application/atom+xml",
    "application/rss+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
)
COMMON_PATHS = ("/feed/", "/rss.xml", "/feed.xml", "/atom.xml", "/rss/", "/index.xml", "/feed")


def advertised_feeds(html: bytes | str, page_url: str) -> list[str]:
    """Absolute http(s) feed URLs from a page's ``<link rel="alternate">`` tags, in order."""
    base_href, links = page_links(html)
    base = urljoin(page_url, base_href) if base_href is not None else page_url
    found: list[str] = []
    for link in links:
        kind = link.type.split(";")[0].strip().lower()
        if "alternate" in link.rels and kind in FEED_TYPES:
            url = urljoin(base, link.href.strip())
            if urlsplit(url).scheme in ("http", "https") and url not in found:
                found.append(url)
    return found


def common_feed_urls(page_url: str) -> list[str]:
    """Feed URLs to try on a site that advertises none, relative to its root."""
    return [urljoin(page_url, path) for path in COMMON_PATHS]
