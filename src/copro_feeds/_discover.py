"""Pure feed discovery: the feed URLs a homepage advertises, then the usual suspects.

Reads ``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">`` with
BeautifulSoup; when a page advertises none, the common paths of blog engines
(WordPress ``/feed/``, Drupal ``/rss.xml``, Ghost ``/rss/``, Hugo ``/index.xml``, …)
are the candidates to try.
"""

from __future__ import annotations

import warnings
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

FEED_TYPES = (
    "application/atom+xml",
    "application/rss+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
COMMON_PATHS = ("/feed/", "/rss.xml", "/feed.xml", "/atom.xml", "/rss/", "/index.xml", "/feed")


def advertised_feeds(html: bytes | str, page_url: str) -> list[str]:
    """Absolute http(s) feed URLs from a page's ``<link rel="alternate">`` tags, in order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    base_tag = soup.find("base", href=True)
    base = urljoin(page_url, str(base_tag["href"])) if base_tag else page_url
    found: list[str] = []
    for link in soup.find_all("link", href=True):
        rel = link.get("rel")
        values = rel if isinstance(rel, list) else str(rel or "").split()
        rels = {str(value).lower() for value in values}
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES:
            url = urljoin(base, str(link["href"]).strip())
            if urlsplit(url).scheme in ("http", "https") and url not in found:
                found.append(url)
    return found


def common_feed_urls(page_url: str) -> list[str]:
    """Feed URLs to try on a site that advertises none, relative to its root."""
    return [urljoin(page_url, path) for path in COMMON_PATHS]
