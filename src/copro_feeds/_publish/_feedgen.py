"""Entries → Atom 1.0 and RSS 2.0 bytes through feedgen (the only module using it), and the
roundup's ``digest.xml`` (its ids and HTML from ``_roundup``).

Every entry carries its excerpt (or, by its partner's ``display``, the headline alone or
the whole post) and attribution three times: Atom ``<source>`` with the first partner's
name, homepage, feed, licence (``rights``) and last update (RSS ``<source url>``); one
``<copro:via>`` per partner that carried it, with its website and licence (see
``_model.CREDIT_NS``; ``feed.xsl`` reads these); and visible ("Via Scope — read the full
post", naming every partner, each licence with its partner). The first partner's licence,
which covers the copy republished, is also the entry's Atom ``<rights>`` and RSS
``dc:rights``; an entry in another language than the
feed's says so (Atom ``xml:lang``, RSS ``dc:language``). Output is deterministic: the
same entries give the same bytes. Each document starts with an ``xml-stylesheet``
instruction, so a browser shows a readable page instead of raw XML.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator

from copro_feeds._i18n import SOURCE_LANGUAGE, translations
from copro_feeds._plan import DIGEST_FOLDER, Roundup, RoundupFeed
from copro_feeds._publish._model import (
    ATOM_FILE,
    CREDIT_NS,
    MAIN_FEED,
    RSS_FILE,
    FeedInfo,
    credits,
    entry_html,
    entry_language,
    entry_summary,
    licence_of,
    public_url,
    published_id,
    stylesheet_href,
)
from copro_feeds._publish._roundup import (
    DIGEST_FILE,
    roundup_feed_tag,
    roundup_html,
    roundup_id,
    roundup_summary,
    roundup_words,
)
from copro_feeds._text import collapse_whitespace, xml_safe
from copro_feeds._version import __version__
from copro_feeds._xml import add_child
from copro_feeds.config import SiteConfig
from copro_feeds.types import Entry

log = logging.getLogger("copro_feeds")

UNTITLED = "Untitled post"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GENERATOR_URI = "https://github.com/copro-feeds/copro_feeds"
_ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_VIA = f"{{{CREDIT_NS}}}via"


class _SourceExtension(BaseEntryExtension):  # type: ignore[misc]
    """Writes what feedgen cannot: a full Atom ``<source>``, RSS ``<source>``, and the Atom
    entry's ``xml:lang`` (``language``, when it is not the feed's)."""

    def __init__(self) -> None:
        self.entry: Entry | None = None
        self.language: str | None = None

    def extend_atom(self, element: Any) -> Any:
        assert self.entry is not None
        if self.language:
            element.set(_XML_LANG, self.language)
        source = self.entry.attribution
        # feedgen builds Atom elements without a namespace and declares it on the root.
        node = add_child(element, "source")
        add_child(node, "id", source.feed_url)
        add_child(node, "title", xml_safe(source.name))
        add_child(node, "link", rel="alternate", href=source.homepage)
        add_child(node, "link", rel="self", href=source.feed_url)
        updated = source.updated or self.entry.updated
        add_child(node, "updated", updated.isoformat())
        licence = licence_of(source)
        if licence:
            add_child(node, "rights", licence)
        _add_credit(element, self.entry)
        return element

    def extend_rss(self, element: Any) -> Any:
        assert self.entry is not None
        source = self.entry.attribution
        add_child(element, "source", xml_safe(source.name), url=source.feed_url)
        _add_credit(element, self.entry)
        return element


def _add_credit(element: Any, entry: Entry) -> None:
    """One ``<copro:via href licence?>name</copro:via>`` per partner credited, in order."""
    for source in credits(entry):
        licence = licence_of(source)
        via = add_child(element, _VIA, href=source.homepage)
        if licence:
            via.set("licence", licence)
        via.text = xml_safe(source.name)


class _CreditNamespace(BaseExtension):  # type: ignore[misc]
    """Declares the ``copro`` prefix of :data:`CREDIT_NS` on the Atom and RSS roots."""

    def extend_ns(self) -> dict[str, str]:
        return {"copro": CREDIT_NS}


class _ChannelLinks(BaseExtension):  # type: ignore[misc]
    """Adds ``atom:link`` hub and related links to the RSS channel (feedgen adds only self)."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        return {"atom": _ATOM_NS}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        for attributes in self.links:
            add_child(channel, f"{{{_ATOM_NS}}}link", **attributes)
        return feed


def _feed_generator(site: SiteConfig, entries: Sequence[Entry], feed: FeedInfo, name: str) -> Any:
    generator = FeedGenerator()
    # register_extension, not load_extension: that one imports the module on every call.
    generator.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    generator.register_extension("copro", extension_class_feed=_ChannelLinks, atom=False, rss=True)
    generator.register_extension("credit", extension_class_feed=_CreditNamespace)
    self_url = public_url(site, feed.folder, name)
    generator.id(self_url or site.link)
    generator.title(xml_safe(feed.title_for(site)))
    extra_links: list[dict[str, str]] = []
    if self_url:
        generator.link(href=self_url, rel="self")
    if site.websub_hub:
        generator.link(href=site.websub_hub, rel="hub")
        extra_links.append({"href": site.websub_hub, "rel": "hub"})
    for title, folder in feed.related:
        related = public_url(site, folder, name)
        if related:
            generator.link(href=related, rel="related", title=xml_safe(title))
            extra_links.append({"href": related, "rel": "related", "title": xml_safe(title)})
    generator.copro.links = extra_links
    generator.link(href=site.link, rel="alternate")  # last: feedgen's RSS <link> is the last one
    generator.description(xml_safe(feed.description_for(site)))
    generator.author({"name": xml_safe(site.author or site.title)})
    if site.language:
        generator.language(site.language)
    generator.generator("copro_feeds", __version__, GENERATOR_URI)
    newest = max((entry.updated for entry in entries), default=feed.updated or EPOCH)
    generator.updated(newest)
    generator.lastBuildDate(newest)
    for entry in entries:
        try:
            generator.add_entry(_feed_entry(entry, site), order="append")
        except ValueError as error:
            log.warning("skipped entry %r from %s: %s", entry.id, entry.attribution.name, error)
    return generator


@functools.lru_cache(maxsize=1024)
def _feed_entry(entry: Entry, site: SiteConfig) -> Any:
    """The feedgen entry of ``entry``; cached, since each entry is in several feeds (the
    combined one, its partner's, its tags') and formats (feedgen builds XML from it
    afresh for each document, and never changes it)."""
    item = FeedEntry()
    item.register_extension("dc", DcEntryExtension, atom=False, rss=True)
    item.register_extension("copro", extension_class_entry=_SourceExtension)
    item.copro.entry = entry
    language = entry_language(entry, site.language)
    item.copro.language = language
    if language:
        item.dc.dc_language(language)
    licence = licence_of(entry.attribution)
    if licence:
        item.rights(licence)
        item.dc.dc_rights([licence])
    item.id(published_id(entry, site))
    item.guid(published_id(entry, site), permalink=False)
    item.title(collapse_whitespace(xml_safe(entry.title)) or UNTITLED)
    item.link(href=entry.link or entry.attribution.homepage, rel="alternate")
    item.published(entry.published)
    item.updated(entry.updated)
    authors = entry.authors or (entry.attribution.name,)
    item.author([{"name": xml_safe(name)} for name in authors])
    item.dc.dc_creator([xml_safe(name) for name in authors])
    for category in entry.categories:
        item.category(term=xml_safe(category))
    # description() also sets Atom content (untyped): content() must come after it.
    content = xml_safe(entry_html(entry, site.language))
    item.description(content)
    item.content(content, type="html")
    summary = entry_summary(entry)
    if summary is not None:
        item.summary(xml_safe(summary) or xml_safe(entry.title))
    return item


def _with_stylesheet(document: bytes, folder: str) -> bytes:
    declaration, _, rest = document.partition(b"\n")
    instruction = f'<?xml-stylesheet type="text/xsl" href="{stylesheet_href(folder)}"?>'
    return declaration + b"\n" + instruction.encode() + b"\n" + rest


def render_atom(entries: Sequence[Entry], site: SiteConfig, feed: FeedInfo = MAIN_FEED) -> bytes:
    """An Atom 1.0 document of ``entries``, in the given order."""
    generator = _feed_generator(site, entries, feed, ATOM_FILE)
    return _with_stylesheet(bytes(generator.atom_str(pretty=True)), feed.folder)


def render_rss(entries: Sequence[Entry], site: SiteConfig, feed: FeedInfo = MAIN_FEED) -> bytes:
    """An RSS 2.0 document of ``entries``, in the given order."""
    generator = _feed_generator(site, entries, feed, RSS_FILE)
    return _with_stylesheet(bytes(generator.rss_str(pretty=True)), feed.folder)


def _add_roundup(generator: Any, feed: RoundupFeed, roundup: Roundup, site: SiteConfig) -> None:
    item = generator.add_entry(order="append")
    item.id(roundup_id(feed.every, roundup, site))
    item.title(roundup.title)
    item.link(href=public_url(site, "", roundup.page) or roundup.page, rel="alternate")
    item.published(roundup.end)
    item.updated(roundup.updated)
    item.author({"name": site.author or site.title})
    item.summary(roundup_summary(roundup, site.language))
    item.content(roundup_html(roundup, site), type="html")


def render_roundup_atom(
    feed: RoundupFeed, site: SiteConfig, *, now: datetime | None = None
) -> bytes:
    """``digest.xml``: an Atom 1.0 document with one entry per roundup, in the given order.

    Texts must already be XML-safe (see ``clean_entry``). Links are absolute when
    ``[site] feed_url`` is set; otherwise an entry's link is relative to the feed. ``now``
    dates the feed while it has no roundup.
    """
    generator = FeedGenerator()
    self_url = public_url(site, "", DIGEST_FILE)
    generator.id(self_url or roundup_feed_tag(site))
    words = translations(site.language or SOURCE_LANGUAGE)
    generator.title(words.gettext("%(site)s \N{EM DASH} roundup") % {"site": site.title})
    if self_url:
        generator.link(href=self_url, rel="self")
    pages = public_url(site, DIGEST_FOLDER, "index.html") or f"{DIGEST_FOLDER}index.html"
    generator.link(href=pages, rel="alternate", type="text/html")
    generator.subtitle(roundup_words(feed.every, site.language).subtitle)
    generator.author({"name": site.author or site.title})
    if site.language:
        generator.language(site.language)
    generator.generator("copro_feeds", __version__, GENERATOR_URI)
    generator.updated(max((roundup.updated for roundup in feed.roundups), default=now or EPOCH))
    for roundup in feed.roundups:
        _add_roundup(generator, feed, roundup, site)
    return bytes(generator.atom_str(pretty=True))
