"""Pure: a fetched body → the source's normalised entries (parse, then normalise).

This is the CPU-heavy, untrusted-input part of a refresh, so the aggregator runs
:func:`ingest` in a sandboxed worker process (see ``_sandbox``); everything it takes and
returns is picklable.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from copro_feeds._dedupe import unique_by_id
from copro_feeds._normalise import (
    NormaliseSettings,
    canonical_link,
    has_usable_date,
    is_settled,
    language_tag,
    normalise_entry,
)
from copro_feeds._parse import parse_feed
from copro_feeds._similarity import shingle_hashes
from copro_feeds._types import ParsedFeed
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

    ``items``: the document's known items (item digest → entry id), to save with the
    entries, when ``ingest`` was given the known items (else None). An item is known
    when its entry's id is its own in the document and its dates are settled; the
    entries of the items it skipped are not in ``entries`` (they are stored unchanged).

    ``shingles``: per entry, the packed hashes of its own shingles
    (``_similarity.shingle_hashes``), from which the main process makes its fingerprint
    (None: not made, the main process makes them too).
    """

    entries: tuple[Entry, ...]
    undated_ids: frozenset[str]
    feed_link: str | None
    warnings: tuple[str, ...]
    well_formed: bool = True
    complete: bool = True
    items: Mapping[str, str] | None = None
    shingles: tuple[bytes, ...] | None = None


def homepage_for(feed_url: str, *candidates: str | None) -> str:
    """The page a credit links to: the first candidate given, else the feed's site root;
    never with credentials (a feed URL may carry ``user:password@``)."""
    found = next((candidate for candidate in candidates if candidate), None)
    if found:
        return without_credentials(found)
    parts = urlsplit(without_credentials(feed_url))
    return f"{parts.scheme}://{parts.netloc}/"


def ingest(
    body: bytes,
    headers: Mapping[str, str],
    feed_url: str,
    facts: SourceFacts,
    now: datetime,
    *,
    known: Mapping[str, str] | None = None,
) -> Ingested:
    """Parse ``body`` (from ``feed_url``) and normalise its entries; ParseError if not a feed.

    Relative links resolve against ``feed_url`` without its credentials, so that none
    reaches an entry's link or content. ``known``: the items saved last time (item
    digest → entry id, see :attr:`Ingested.items`); those still in the document are not
    parsed again, unless an entry parsed now has the id of one of them (then the whole
    document is read, as without ``known``).
    """
    feed_url = without_credentials(feed_url)
    context = None if known is None else _items_context(facts, feed_url, headers)
    parse = partial(parse_feed, body, headers, feed_url, max_entries=facts.max_entries)
    parsed = parse(items_context=context, skip=known or {})
    normalised = _normalise(parsed, facts, feed_url, now)
    skipped_ids = {(known or {})[digest] for digest in parsed.skipped}
    if skipped_ids & {entry.id for entry, _ in normalised}:
        parsed = parse(items_context=context)
        normalised = _normalise(parsed, facts, feed_url, now)
        skipped_ids = set()
    feed_link = canonical_link(parsed.link, feed_url)
    entries = tuple(unique_by_id(entry for entry, _ in normalised))
    return Ingested(
        entries=entries,
        undated_ids=frozenset(entry.id for entry, undated in normalised if undated),
        feed_link=feed_link,
        warnings=parsed.warnings,
        well_formed=parsed.well_formed,
        complete=parsed.complete,
        items=None if known is None else _known_items(parsed, normalised, known, now),
        shingles=shingle_hashes(entries),
    )


def _normalise(
    parsed: ParsedFeed, facts: SourceFacts, feed_url: str, now: datetime
) -> list[tuple[Entry, bool]]:
    """Each parsed entry normalised, and whether it has no usable date."""
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
    return [
        (normalise_entry(raw, settings, now), not has_usable_date(raw, now))
        for raw in parsed.entries
    ]


# Bumped whenever normalising changes what is stored: every item is then read again.
_NORMALISING_VERSION = "1"
# The response headers feedparser reads entries with (charset, base URL, language).
_ITEM_HEADERS = ("content-type", "content-location", "content-language")


def _items_context(facts: SourceFacts, feed_url: str, headers: Mapping[str, str]) -> str:
    """A digest of all besides the document that the stored entries depend on: the
    settings normalising uses and the headers feedparser reads (not the credit: the
    attribution is not stored with an entry)."""
    settings = (
        _NORMALISING_VERSION,
        feed_url,
        facts.key,
        facts.tags,
        facts.excerpt_words,
        facts.max_entry_bytes,
        facts.max_entries,
        facts.max_categories,
        facts.max_authors,
        tuple(headers.get(name) for name in _ITEM_HEADERS),
    )
    return hashlib.blake2b(repr(settings).encode(), digest_size=16).hexdigest()


def _known_items(
    parsed: ParsedFeed,
    normalised: list[tuple[Entry, bool]],
    known: Mapping[str, str],
    now: datetime,
) -> dict[str, str]:
    """The items to remember: those skipped, and those read whose entry's id is their
    own in the document and whose dates are settled (see ``Ingested.items``)."""
    items = {digest: known[digest] for digest in parsed.skipped}
    if parsed.entry_digests is None:
        return {}
    ids = Counter(entry.id for entry, _ in normalised)
    ids.update(items.values())
    for digest, raw, (entry, _) in zip(
        parsed.entry_digests, parsed.entries, normalised, strict=True
    ):
        if ids[entry.id] == 1 and is_settled(raw, now):
            items[digest] = entry.id
    return items
