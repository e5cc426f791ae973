"""Pure: a fetched body → the source's normalised entries (parse, then normalise).

This is the CPU-heavy, untrusted-input part of a refresh, so the aggregator runs
:func:`ingest` in a sandboxed worker process (see ``_sandbox``); everything it takes and
returns is picklable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from copro_feeds._dedupe import unique_by_id
from copro_feeds._normalise import (
    NormaliseSettings,
    canonical_link,
    has_usable_date,
    language_tag,
    normalise_entry,
)
from copro_feeds._parse import parse_feed
from copro_feeds._urls import without_credentials
from copro_feeds.types import Attribution, Entry


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceFacts:
    """What ingesting one source's feed needs to know about the source."""

    key: str
    name: str
    homepage: str | None  # configured; else the feed's own link; else the stored one
    stored_homepage: str | None
    tags: tuple[str, ...]
    excerpt_words: int
    max_entry_bytes: int
    max_entries: int
    max_categories: int = 50
    max_authors: int = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class Ingested:
    """The entries of one feed document, ready to store.

    ``undated_ids``: the entries with no usable date (none, or one in the future).

    ``well_formed`` and ``complete`` are the parser's (see ``ParsedFeed``): entries
    of a document that is not well-formed never replace longer stored copies, and the
    validators of one that is not complete are not kept.
    """

    entries: tuple[Entry, ...]
    undated_ids: frozenset[str]
    feed_link: str | None
    warnings: tuple[str, ...]
    well_formed: bool = True
    complete: bool = True


def homepage_for(feed_url: str, *candidates: str | None) -> str:
    """The page a credit links to: the first candidate given, else the feed's site root;
    never with credentials (a feed URL may carry ``user:password@``)."""
    found = next((candidate for candidate in candidates if candidate), None)
    if found:
        return without_credentials(found)
    parts = urlsplit(without_credentials(feed_url))
    return f"{parts.scheme}://{parts.netloc}/"


def ingest(
    body: bytes, headers: Mapping[str, str], feed_url: str, facts: SourceFacts, now: datetime
) -> Ingested:
    """Parse ``body`` (from ``feed_url``) and normalise its entries; ParseError if not a feed.

    Relative links resolve against ``feed_url`` without its credentials, so that none
    reaches an entry's link or content.
    """
    feed_url = without_credentials(feed_url)
    parsed = parse_feed(body, headers, feed_url, max_entries=facts.max_entries)
    # The feed's own <link> becomes the credit link: only ever as a clean http(s) URL.
    feed_link = canonical_link(parsed.link, feed_url)
    attribution = Attribution(
        source_key=facts.key,
        name=facts.name,
        homepage=homepage_for(feed_url, facts.homepage, feed_link, facts.stored_homepage),
        feed_url=feed_url,
    )
    settings = NormaliseSettings(
        attribution=attribution,
        base_url=feed_url,
        tags=facts.tags,
        excerpt_words=facts.excerpt_words,
        max_entry_bytes=facts.max_entry_bytes,
        max_categories=facts.max_categories,
        max_authors=facts.max_authors,
        fallback_author=parsed.author,
        language=language_tag(parsed.language),
    )
    normalised = [
        (normalise_entry(raw, settings, now), not has_usable_date(raw, now))
        for raw in parsed.entries
    ]
    return Ingested(
        entries=tuple(unique_by_id(entry for entry, _ in normalised)),
        undated_ids=frozenset(entry.id for entry, undated in normalised if undated),
        feed_link=feed_link,
        warnings=parsed.warnings,
        well_formed=parsed.well_formed,
        complete=parsed.complete,
    )
