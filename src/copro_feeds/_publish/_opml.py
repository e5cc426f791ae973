"""The partner list as OPML 2.0, and reading partners back from any OPML file.

``sources.opml`` lists every partner twice: their own feed (to follow a partner directly)
and the copro_feeds feed of that partner's posts with credit.
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


def render_opml(sources: Sequence[Attribution], site: SiteConfig) -> bytes:
    """OPML 2.0 listing each partner's own feed and our per-partner feed."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = xml_safe(f"{site.title}: partners")
    etree.SubElement(head, "ownerName").text = xml_safe(site.author or site.title)
    body = etree.SubElement(root, "body")
    partners = etree.SubElement(body, "outline", text="Partners' own feeds")
    ours = etree.SubElement(body, "outline", text=xml_safe(f"Partners' posts via {site.title}"))
    for source in sources:
        name = xml_safe(source.name)
        etree.SubElement(
            partners, "outline", type="rss", text=name, title=name,
            xmlUrl=source.feed_url, htmlUrl=source.homepage,
        )  # fmt: skip
        via = public_url(site, f"sources/{source.source_key}/", ATOM_FILE)
        if via:
            etree.SubElement(
                ours, "outline", type="rss", text=name, title=name, xmlUrl=via,
                htmlUrl=source.homepage,
            )  # fmt: skip
    if not len(ours):
        body.remove(ours)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


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
