"""Entries → ``atom.xml`` and ``rss.xml`` through feedgen (the only module using it); atomic writes.

Every published entry carries its excerpt and attribution twice: machine-readable
(Atom ``<source>`` with the partner's name, homepage and feed; RSS ``<source url>``) and
visible ("Via Scope — read the full post"). Entry ids are ``tag:`` URIs made from the
site's host, the source key and a digest of the partner's own id, so two partners using
the same guid can never collide. Output is deterministic: the same entries give the
same bytes, and a file whose bytes would not change is not rewritten.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from copro_feeds import __version__
from copro_feeds._text import collapse_whitespace, xml_safe
from copro_feeds.config import SiteConfig
from copro_feeds.exceptions import PublishError
from copro_feeds.types import Entry

log = logging.getLogger(__name__)

ATOM_FILE = "atom.xml"
RSS_FILE = "rss.xml"
OUTPUT_FILES = (ATOM_FILE, RSS_FILE)
TEMP_PREFIX = ".copro-tmp-"
UNTITLED = "Untitled post"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_GENERATOR_URI = "https://github.com/copro-feeds/copro_feeds"


def published_id(entry: Entry, site: SiteConfig) -> str:
    """The entry's id in our feeds: ``tag:<site host>,2026:<source key>/<digest of its id>``."""
    host = urlsplit(site.link).hostname or "localhost"
    digest = hashlib.sha256(entry.id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"tag:{host},2026:{entry.source_key}/{digest}"


def attribution_html(entry: Entry) -> str:
    """The visible credit: ``Via <partner> — read the full post`` (links escaped)."""
    source = entry.attribution
    via = f'Via <a href="{html.escape(source.homepage)}">{html.escape(source.name)}</a>'
    if not entry.link:
        return f"<p>{via}</p>"
    return f'<p>{via} — <a href="{html.escape(entry.link)}">read the full post</a></p>'


def entry_html(entry: Entry) -> str:
    """What feed readers show as the entry's content: the excerpt and the credit."""
    excerpt = f"<p>{html.escape(entry.excerpt)}</p>" if entry.excerpt else ""
    return excerpt + attribution_html(entry)


class _SourceExtension(BaseEntryExtension):  # type: ignore[misc]
    """Writes the attribution feedgen cannot: a full Atom ``<source>``, and RSS ``<source>``."""

    def __init__(self) -> None:
        self.entry: Entry | None = None

    def extend_atom(self, element: Any) -> Any:
        assert self.entry is not None
        source = self.entry.attribution
        # feedgen builds Atom elements without a namespace and declares it on the root.
        node = etree.SubElement(element, "source")
        etree.SubElement(node, "id").text = source.feed_url
        etree.SubElement(node, "title").text = xml_safe(source.name)
        etree.SubElement(node, "link", rel="alternate", href=source.homepage)
        etree.SubElement(node, "link", rel="self", href=source.feed_url)
        return element

    def extend_rss(self, element: Any) -> Any:
        assert self.entry is not None
        source = self.entry.attribution
        etree.SubElement(element, "source", url=source.feed_url).text = xml_safe(source.name)
        return element


def _feed_generator(site: SiteConfig, entries: Sequence[Entry], self_url: str | None) -> Any:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.id(site.feed_url or site.link)
    generator.title(xml_safe(site.title))
    if self_url:
        generator.link(href=self_url, rel="self")
    generator.link(href=site.link, rel="alternate")  # last: feedgen's RSS <link> is the last one
    generator.description(xml_safe(site.description or site.title))
    generator.author({"name": xml_safe(site.author or site.title)})
    if site.language:
        generator.language(site.language)
    generator.generator("copro_feeds", __version__, _GENERATOR_URI)
    newest = max((entry.updated for entry in entries), default=_EPOCH)
    generator.updated(newest)
    generator.lastBuildDate(newest)
    for entry in entries:
        try:
            generator.add_entry(_feed_entry(entry, site), order="append")
        except ValueError as error:
            log.warning("skipped entry %r from %s: %s", entry.id, entry.attribution.name, error)
    return generator


def _feed_entry(entry: Entry, site: SiteConfig) -> Any:
    item = FeedEntry()
    item.load_extension("dc", atom=False, rss=True)
    item.register_extension("copro", extension_class_entry=_SourceExtension)
    item.copro.entry = entry
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
    item.description(xml_safe(entry_html(entry)))
    item.content(xml_safe(entry_html(entry)), type="html")
    item.summary(xml_safe(entry.excerpt) or xml_safe(entry.title))
    return item


def feed_urls(site: SiteConfig) -> dict[str, str | None]:
    """The public URL of each output file, from ``[site] feed_url`` (None when unset)."""
    if not site.feed_url:
        return dict.fromkeys(OUTPUT_FILES)
    base = site.feed_url.rsplit("/", 1)[0] + "/"
    return {name: base + name for name in OUTPUT_FILES}


def render_atom(entries: Sequence[Entry], site: SiteConfig) -> bytes:
    """The combined Atom 1.0 feed, entries in the given order."""
    generator = _feed_generator(site, entries, feed_urls(site)[ATOM_FILE])
    return bytes(generator.atom_str(pretty=True))


def render_rss(entries: Sequence[Entry], site: SiteConfig) -> bytes:
    """The combined RSS 2.0 feed, entries in the given order."""
    generator = _feed_generator(site, entries, feed_urls(site)[RSS_FILE])
    return bytes(generator.rss_str(pretty=True))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace ``path`` with ``data`` (mode 0644) unless it already holds it.

    The bytes go to a temporary file in the same folder, are flushed to disk, then
    renamed over the old file: a reader sees the old file or the new one, never half.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise PublishError(f"cannot read {path}: {error}") from error
    descriptor, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp = Path(temp_name)
        temp.chmod(0o644)  # mkstemp makes 0600: a web server could not read the feed
        temp.replace(path)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise PublishError(f"cannot write {path}: {error}") from error
    return True


def remove_stale_temp_files(directory: Path) -> None:
    """Delete temporary files left by an interrupted write."""
    for stale in directory.glob(f"{TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)


def publish(entries: Sequence[Entry], site: SiteConfig, directory: Path) -> list[Path]:
    """Write atom.xml and rss.xml into ``directory``; return the files actually rewritten."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(f"cannot create the output folder {directory}: {error}") from error
    remove_stale_temp_files(directory)
    rendered = {ATOM_FILE: render_atom(entries, site), RSS_FILE: render_rss(entries, site)}
    return [
        directory / name
        for name, data in rendered.items()
        if write_if_changed(directory / name, data)
    ]
