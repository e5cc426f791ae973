"""The partner lists as OPML 2.0 (``_opml_import`` reads partners back from any OPML file).

Two lists, so that a reader importing one subscribes to each partner once:
``sources.opml`` lists every partner's own feed (to follow the partners directly), and
``via.opml`` our per-partner feeds (each partner's posts with our credit; only when
``[site] feed_url`` gives their public addresses).
"""

from __future__ import annotations

from collections.abc import Sequence

from copro_feeds._i18n import SOURCE_LANGUAGE, translations
from copro_feeds._publish._model import ATOM_FILE, public_url
from copro_feeds._text import xml_safe
from copro_feeds._xml import add_child, document_bytes, new_element
from copro_feeds.config import SiteConfig
from copro_feeds.types import Attribution


def _document(title: str, site: SiteConfig, outlines: Sequence[tuple[str, str, str]]) -> bytes:
    """An OPML 2.0 document of (name, feed URL, web page) outlines."""
    root = new_element("opml", version="2.0")
    head = add_child(root, "head")
    add_child(head, "title", xml_safe(title))
    add_child(head, "ownerName", xml_safe(site.author or site.title))
    body = add_child(root, "body")
    for name, xml_url, html_url in outlines:
        add_child(
            body, "outline", type="rss", text=xml_safe(name), title=xml_safe(name),
            xmlUrl=xml_url, htmlUrl=html_url,
        )  # fmt: skip
    return document_bytes(root)


def render_opml(sources: Sequence[Attribution], site: SiteConfig) -> bytes:
    """``sources.opml``: each partner's own feed, once."""
    outlines = [(source.name, source.feed_url, source.homepage) for source in sources]
    words = translations(site.language or SOURCE_LANGUAGE)
    title = words.gettext("%(site)s: partners' own feeds") % {"site": site.title}
    return _document(title, site, outlines)


def render_via_opml(sources: Sequence[Attribution], site: SiteConfig) -> bytes:
    """``via.opml``: our feed of each partner's posts with credit, once per partner (none
    without ``[site] feed_url``, as their public addresses are unknown)."""
    words = translations(site.language or SOURCE_LANGUAGE)
    outlines = [
        (
            words.gettext("%(partner)s (via %(site)s)")
            % {"partner": source.name, "site": site.title},
            via,
            source.homepage,
        )
        for source in sources
        if (via := public_url(site, f"sources/{source.source_key}/", ATOM_FILE))
    ]
    title = words.gettext("%(site)s: partners' posts via %(site)s") % {"site": site.title}
    return _document(title, site, outlines)
