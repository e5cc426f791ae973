"""The entries made ready to publish, the same way for every format.

Every text made XML-safe (control characters, lone surrogates and U+FFFE/U+FFFF
removed; whitespace collapsed; links that are not absolute http(s) dropped, credentials
taken out of URLs), and every partner dated by its newest entry in any feed. Pure.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote, urlsplit

from copro_feeds._plan import FeedContent, RoundupFeed, RoundupSection
from copro_feeds._publish._feedgen import UNTITLED
from copro_feeds._text import collapse_whitespace, xml_safe
from copro_feeds._urls import without_credentials
from copro_feeds.types import Attribution, Entry

_WEB_SCHEMES = ("http", "https")
_SPACE = re.compile(r"\s")


def _clean_text(text: str) -> str:
    return collapse_whitespace(xml_safe(text))


def _clean_names(names: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = (_clean_text(name) for name in names)
    return tuple(name for name in cleaned if name)


def _clean_url(url: str) -> str:
    """``url`` XML-safe and trimmed, inner whitespace percent-encoded, no credentials."""
    safe = without_credentials(xml_safe(url))
    return _SPACE.sub(lambda match: quote(match.group()), safe)


def _clean_link(link: str | None) -> str | None:
    """The link XML-safe, or None when it is not an absolute http(s) URL."""
    if link is None:
        return None
    url = _clean_url(link)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in _WEB_SCHEMES and parts.netloc else None


def clean_attribution(source: Attribution) -> Attribution:
    """``source`` with a name and URLs every output format can carry."""
    return replace(
        source,
        name=_clean_text(source.name) or source.source_key,
        homepage=_clean_url(source.homepage),
        feed_url=_clean_url(source.feed_url),
    )


def clean_entry(entry: Entry) -> Entry:
    """``entry`` with every published text XML-safe (the same rule for every format).

    Control characters, lone surrogates and U+FFFE/U+FFFF are removed; whitespace in
    the title, authors and categories is collapsed and empty ones are dropped; an empty
    title becomes "Untitled post"; a link that is not absolute http(s) becomes None (the
    partner's homepage stands in). Idempotent.
    """
    return replace(
        entry,
        attribution=clean_attribution(entry.attribution),
        title=_clean_text(entry.title) or UNTITLED,
        link=_clean_link(entry.link),
        authors=_clean_names(entry.authors),
        categories=_clean_names(entry.categories),
        excerpt=xml_safe(entry.excerpt),
        content_html=xml_safe(entry.content_html),
    )


def _clean_post(entry: Entry) -> Entry:
    """``entry`` cleaned like :func:`clean_entry`, with every partner credited for it."""
    cleaned = clean_entry(entry)
    return replace(cleaned, also_via=tuple(clean_attribution(a) for a in cleaned.also_via))


def clean_roundups(feed: RoundupFeed) -> RoundupFeed:
    """``feed`` with every title, heading and post safe to publish (see clean_entry)."""
    roundups = tuple(
        replace(
            roundup,
            title=_clean_text(roundup.title) or UNTITLED,
            posts=tuple(_clean_post(entry) for entry in roundup.posts),
            sections=tuple(
                RoundupSection(
                    heading=_clean_text(section.heading) or UNTITLED,
                    entries=tuple(_clean_post(entry) for entry in section.entries),
                )
                for section in roundup.sections
            ),
        )
        for roundup in feed.roundups
    )
    return replace(feed, roundups=roundups)


def with_source_dates(feeds: Sequence[FeedContent]) -> list[FeedContent]:
    """``feeds`` with each entry's partner dated (``Attribution.updated``): the newest
    update among that partner's entries in any of the feeds, the same in every feed.

    Feeds dated already (a publish dates its feeds once, then renders and digests them)
    come back as they are; so does every feed whose entries are all dated right."""
    return _dated(feeds, {}, {})


class SourceDates:
    """:func:`with_source_dates` kept between calls (an aggregator's, for its publishes):
    an entry given again, to be dated the same, gives the dated copy made last time, not
    a new one. It keeps each entry given (so that its identity stays its own) and its
    dated copy; what a call's feeds no longer hold is forgotten. Safe to share between
    threads (one call at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dated: dict[int, tuple[Entry, Entry]] = {}

    def feeds(self, feeds: Sequence[FeedContent]) -> list[FeedContent]:
        """``feeds`` as :func:`with_source_dates` dates them."""
        with self._lock:
            kept: dict[int, tuple[Entry, Entry]] = {}
            found = _dated(feeds, self._dated, kept)
            self._dated = kept
        return found


def _dated(
    feeds: Sequence[FeedContent],
    before: dict[int, tuple[Entry, Entry]],
    done: dict[int, tuple[Entry, Entry]],
) -> list[FeedContent]:
    """``feeds`` dated (see :func:`with_source_dates`); ``before``: each entry dated at a
    call before and its copy then, by the entry's id; ``done`` gets this call's."""
    newest: dict[str, datetime] = {}
    for feed in feeds:
        for entry in feed.entries:
            key, updated = entry.attribution.source_key, entry.updated
            if key not in newest or newest[key] < updated:
                newest[key] = updated

    credits: dict[int, Attribution] = {}  # a partner's entries share one attribution

    def dated(entry: Entry) -> Entry:
        found = done.get(id(entry))  # an entry is in several feeds (partner, tags, combined)
        if found is not None:
            return found[1]
        updated = newest[entry.attribution.source_key]
        copy = entry
        last = before.get(id(entry))
        if entry.attribution.updated == updated:
            pass
        elif last is not None and last[0] is entry and last[1].attribution.updated == updated:
            copy = last[1]  # dated the same at a call before
        else:
            credit = credits.get(id(entry.attribution))
            if credit is None or credit.updated != updated:
                credit = replace(entry.attribution, updated=updated)
                credits[id(entry.attribution)] = credit
            copy = replace(entry, attribution=credit)
        done[id(entry)] = (entry, copy)
        return copy

    return [
        feed
        if all(entry.attribution.updated == newest[entry.attribution.source_key]
               for entry in feed.entries)
        else replace(feed, entries=tuple(map(dated, feed.entries)))
        for feed in feeds
    ]  # fmt: skip
