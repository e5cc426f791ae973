"""The partner lists as OPML 2.0, and reading partners back from any OPML file.

Two lists, so that a reader importing one subscribes to each partner once:
``sources.opml`` lists every partner's own feed (to follow the partners directly), and
``via.opml`` our per-partner feeds (each partner's posts with our credit; only when
``[site] feed_url`` gives their public addresses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from copro_feeds._publish._model import ATOM_FILE, public_url
from copro_feeds._text import xml_safe
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import ConfigError
from copro_feeds.types import Attribution


@dataclass(frozen=True, slots=True, kw_only=True)
class OutlineFeed:
    """A feed listed in an OPML file."""

    title: str
    xml_url: str
    html_url: str | None


def _document(title: str, site: SiteConfig, outlines: Sequence[tuple[str, str, str]]) -> bytes:
    """An OPML 2.0 document of (name, feed URL, web page) outlines."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = xml_safe(title)
    etree.SubElement(head, "ownerName").text = xml_safe(site.author or site.title)
    body = etree.SubElement(root, "body")
    for name, xml_url, html_url in outlines:
        etree.SubElement(
            body, "outline", type="rss", text=xml_safe(name), title=xml_safe(name),
            xmlUrl=xml_url, htmlUrl=html_url,
        )  # fmt: skip
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def render_opml(sources: Sequence[Attribution], site: SiteConfig) -> bytes:
    """``sources.opml``: each partner's own feed, once."""
    outlines = [(source.name, source.feed_url, source.homepage) for source in sources]
    return _document(f"{site.title}: partners' own feeds", site, outlines)


def render_via_opml(sources: Sequence[Attribution], site: SiteConfig) -> bytes:
    """``via.opml``: our feed of each partner's posts with credit, once per partner (none
    without ``[site] feed_url``, as their public addresses are unknown)."""
    outlines = [
        (f"{source.name} (via {site.title})", via, source.homepage)
        for source in sources
        if (via := public_url(site, f"sources/{source.source_key}/", ATOM_FILE))
    ]
    return _document(f"{site.title}: partners' posts via {site.title}", site, outlines)


def read_opml(data: bytes, where: str) -> list[OutlineFeed]:
    """Every outline with an http(s) ``xmlUrl`` in an OPML document, nested ones included.

    Never fetches anything (no DTD, no entities, no network). Raises ConfigError when the
    file is not OPML.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ConfigError(where, [f"not an OPML file: {error}"]) from error
    if root.tag != "opml":
        raise ConfigError(where, [f"not an OPML file: the root element is <{root.tag}>"])
    feeds = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        title = (outline.get("title") or outline.get("text") or "").strip()
        html_url = (outline.get("htmlUrl") or "").strip() or None
        feeds.append(OutlineFeed(title=title or url, xml_url=url, html_url=html_url))
    return feeds
