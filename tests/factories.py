"""Small builders for test data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from copro_feeds._ingest import SourceFacts
from copro_feeds._types import RawEntry
from copro_feeds.types import Attribution, Entry

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def attribution(key: str = "scope", name: str = "Scope", **overrides: Any) -> Attribution:
    """A partner at ``https://<key>.example/``; ``overrides`` set e.g. licence or display."""
    values: dict[str, Any] = {
        "source_key": key,
        "name": name,
        "homepage": f"https://{key}.example/",
        "feed_url": f"https://{key}.example/feed/",
    }
    values.update(overrides)
    return Attribution(**values)


def raw_entry(**overrides: Any) -> RawEntry:
    values: dict[str, Any] = {
        "guid": "https://scope.example/?p=1",
        "guid_is_link": False,
        "link": "https://scope.example/blog/post-1/",
        "title": "A post",
        "title_is_html": False,
        "authors": ("Ann",),
        "published": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "updated": None,
        "content": "<p>Hello <b>world</b></p>",
        "content_is_html": True,
        "categories": ("News",),
    }
    values.update(overrides)
    return RawEntry(**values)


def entry(**overrides: Any) -> Entry:
    values: dict[str, Any] = {
        "id": "post-1",
        "attribution": attribution(),
        "title": "A post",
        "link": "https://scope.example/blog/post-1/",
        "authors": ("Ann",),
        "published": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "updated": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "content_html": "<p>Hello</p>",
        "excerpt": "Hello",
        "categories": ("News",),
    }
    values.update(overrides)
    return Entry(**values)


def partner_facts(**overrides: Any) -> SourceFacts:
    """What ingesting a test partner's feed needs (see copro_feeds._ingest)."""
    values: dict[str, Any] = {
        "key": "partner",
        "name": "Partner",
        "homepage": "https://partner.example/",
        "stored_homepage": None,
        "tags": (),
        "excerpt_words": 25,
        "max_entry_bytes": 256 * 1024,
        "max_entries": 1000,
    }
    values.update(overrides)
    return SourceFacts(**values)


def dated_post(
    ident: str, published: datetime, partner: Attribution | None = None, **overrides: Any
) -> Entry:
    """An entry ``ident`` of ``partner`` (Scope by default) published and updated at
    ``published``, titled "Post <ident>", linked under the partner's site."""
    partner = partner or attribution()
    values: dict[str, Any] = {
        "id": ident,
        "attribution": partner,
        "title": f"Post {ident}",
        "link": f"https://{partner.source_key}.example/{ident}/",
        "published": published,
        "updated": published,
    }
    values.update(overrides)
    return entry(**values)
