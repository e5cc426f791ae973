"""Every published format of a list of entries, read back: Atom and RSS as lxml trees
(Atom validated against RFC 4287's RELAX NG schema) and through feedparser, the JSON Feed
validated against its JSON Schema, and the HTML page as a browser's tree (html5lib)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import feedparser
import html5lib
from lxml import etree

from copro_feeds._publish import FeedContent, FeedInfo, render_files
from copro_feeds.config import SiteConfig
from copro_feeds.types import Entry
from tests.schemas import atom_relaxng, json_feed_validator

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
SITE = SiteConfig(
    title="Partners' news",
    link="https://copro.example/",
    feed_url="https://copro.example/feeds/atom.xml",
    author="Co-production Network",
    language="en-GB",
)


@dataclass(frozen=True)
class Outputs:
    """One feed in every format, parsed."""

    atom: etree._Element
    atom_parsed: Any
    rss: etree._Element
    rss_parsed: Any
    json: dict[str, Any]
    page: etree._Element

    def atom_entries(self) -> list[etree._Element]:
        return self.atom.findall(f"{ATOM}entry")

    def rss_items(self) -> list[etree._Element]:
        return self.rss.find("channel").findall("item")

    def articles(self) -> list[etree._Element]:
        return list(self.page.iter("article"))


def render_all(entries: Sequence[Entry], site: SiteConfig = SITE) -> Outputs:
    """The combined feed of ``entries`` (in this order) in every format, each checked valid."""
    files = render_files([FeedContent(info=FeedInfo(), entries=tuple(entries))], [], site)
    atom = etree.fromstring(files["atom.xml"])
    schema = atom_relaxng()
    assert schema.validate(etree.ElementTree(atom)), schema.error_log
    atom_parsed = feedparser.parse(io.BytesIO(files["atom.xml"]))
    rss_parsed = feedparser.parse(io.BytesIO(files["rss.xml"]))
    assert not atom_parsed.bozo and not rss_parsed.bozo
    document = json.loads(files["feed.json"])
    errors = json_feed_validator().iter_errors(document)
    assert [error.message for error in errors] == []
    return Outputs(
        atom=atom,
        atom_parsed=atom_parsed,
        rss=etree.fromstring(files["rss.xml"]),
        rss_parsed=rss_parsed,
        json=document,
        page=parse_page(files["index.html"]),
    )


def parse_page(data: bytes) -> etree._Element:
    """The page as a browser's tree; html5lib in strict mode rejects any parse error."""
    parser = html5lib.HTMLParser(
        strict=True, tree=html5lib.getTreeBuilder("lxml"), namespaceHTMLElements=False
    )
    return parser.parse(data).getroot()


def text_of(element: etree._Element) -> str:
    """The element's text as a screen reader gets it (visually-hidden text included)."""
    return " ".join("".join(element.itertext()).split())
